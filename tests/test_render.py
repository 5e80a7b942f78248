"""render: record text stays text (no HTML, links, images or template syntax), phones and addresses masked."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import markdown
import pytest

from generator.render import Address, Page, Phone, Portal
from generator.privacy import mask_private
from generator.render import cut_address, escape_md, render, text

TEMPLATES = Path(__file__).parent.parent / "templates" / "portal"
HOSTILE = [
    "<script>alert(1)</script>",
    "javascript:alert(document.cookie)",
    "[点我](javascript:alert(1))",
    "![图](javascript:alert(1))",
    "<javascript:alert(1)>",
    "{{ 1+1 }}",
    "{% if true %}展开了{% endif %}",
    "<img src=x onerror=alert(1)>",
    "**粗体** _斜体_ `代码` | 竖线 | # 标题",
    "{: onclick=\"alert(1)\" }",
]


def to_html(md_text: str) -> str:
    """The Markdown the way MkDocs renders it (same extensions as mkdocs.yml)."""
    return markdown.markdown(md_text, extensions=["tables", "attr_list", "md_in_html"])


@pytest.mark.parametrize("s", HOSTILE)
def test_hostile_text_stays_literal(s):
    html = to_html(f"| a |\n|---|\n| {text(s)} |\n\n段落：{text(s)}")
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<strong" not in html
    assert "<em" not in html and "<code" not in html and "<h1" not in html
    assert not re.search(r"<[^>]*\sonclick=", html)
    # the browser shows exactly the original characters
    import html as h
    shown = h.unescape(html.split("<td>")[1].split("</td>")[0])
    assert shown == s


def test_template_syntax_in_data_is_not_expanded_by_jinja(tmp_path):
    (tmp_path / "t.md.j2").write_text("值：{{ d.v }}\n", encoding="utf-8")
    (tmp_path / "help_index.md.j2").write_text("# 帮助\n", encoding="utf-8")
    out = render(Portal(date(2026, 11, 30), [Page("x.md", "t.md.j2", "x", {"v": "{{ 1+1 }} {% if 1 %}是{% endif %}"})]),
                 tmp_path)
    import html as h
    assert h.unescape(out["x.md"]).split("---\n\n", 1)[1] == "值：{{ 1+1 }} {% if 1 %}是{% endif %}\n"


def test_mobile_numbers_masked_in_free_text():
    assert mask_private("请拨 13812345678 或 15900001111。") == "请拨 138****5678 或 159****1111。"
    assert mask_private("订单号 213812345678901") == "订单号 213812345678901"  # not a phone: digits around
    assert mask_private("座机 010-12345678") == "座机 010-****5678"
    out = text("客户电话13812345678，请回电")
    import html as h
    assert h.unescape(out) == "客户电话138****5678，请回电"
    assert "13812345678" not in out
    assert h.unescape(text(Phone("13812345678"))) == "138****5678"


@pytest.mark.parametrize("full, cut", [
    ("翠湖花园 3 栋 2 单元 601", "翠湖花园 3 栋"),
    ("翠湖花园5号楼1单元302室", "翠湖花园5号楼"),
    ("金融中心 B 座 1208 室", "金融中心 B 座"),
    ("滨江路 8 幢 12 层", "滨江路 8 幢"),
    ("幸福小区 2 单元 301 室", "幸福小区"),
])
def test_addresses_cut_to_building(full, cut):
    assert cut_address(full) == cut
    import html as h
    assert h.unescape(text(Address(full))) == cut


def test_newlines_do_not_start_markdown_blocks():
    html = to_html("内容：" + escape_md("第一行\n# 不是标题\n- 不是列表\n<script>x</script>"))
    assert "<h1" not in html and "<li" not in html and "<script" not in html
    assert html.count("<br") == 3


def test_links_are_built_by_render_only(tmp_path):
    (tmp_path / "t.md.j2").write_text("{{ link(d.label, d.target) }}\n", encoding="utf-8")
    (tmp_path / "help_index.md.j2").write_text("# 帮助\n", encoding="utf-8")
    out = render(Portal(date(2026, 11, 30), [Page("customers/CUST-0001.md", "t.md.j2", "x",
                                                  {"label": "张[三](javascript:x)", "target": "records/visits/HF-1.md"})]),
                 tmp_path)["customers/CUST-0001.md"]
    html = to_html(out)
    assert 'href="../records/visits/HF-1.md"' in html
    assert "javascript" not in html.split('href="')[1].split('"')[0]
    assert html.count("<a ") == 1


def test_shipped_templates_render_hostile_page_data():
    d = {"id": "HF-1", "kind": "visit", "kind_title": "回访记录", "path": "records/visits/HF-1.yml",
         "label": "回访 2026-11-04", "who": "刘静<b>", "anchor": "hf-1",
         "findings": [{"rule": "V-DAY-01", "severity": "error", "message": "<script>x</script> 13812345678",
                       "threshold": "{{ 1+1 }}", "record": "HF-1"}],
         "open_items": [], "provenance": None, "history": [],
         "fields": [{"name": "content", "title": "回访内容", "value": "[x](javascript:alert(1)) 13812345678"}],
         "customer": None, "customer_name": None, "visits": [], "phone": True, "related": [], "feedback": None,
         "new_issues": [], "review": None}
    out = render(Portal(date(2026, 11, 30), [Page("records/visits/HF-1.md", "record.md.j2", "x", d)]), TEMPLATES)
    md = out["records/visits/HF-1.md"]
    assert "13812345678" not in md and "电话回访" in md
    html = to_html(md)
    assert "<script" not in html and "javascript:alert(1)</a>" not in html and 'href="javascript' not in html


@pytest.mark.parametrize("value, label", [
    ("2026-W47", "11月第3周（11-16至11-22）"),
    ("2026-W45", "11月第1周（11-02至11-08）"),
    ("2026-W44", "10月第4周（10-26至11-01）"),  # a week belongs to the month of its Monday
    (date(2026, 11, 22), "11月第3周（11-16至11-22）"),
])
def test_weeks_read_as_month_and_week(value, label):
    from generator.render import week_label
    assert week_label(value) == label


@pytest.mark.parametrize("written, shown", [
    ("签名（signature）是“无”，应为“已签名”", "签名是“无”，应为“已签名”"),
    ("≥ 100%（完工单回访比例，可在 huifang.yml 的 callback_ratio 调整）", "≥ 100%（完工单回访比例）"),
    ("其他受理部门写在 also_received_by。", "其他受理部门写在“同时受理的其他部门”。"),
    ("需要人员名单 staff.yml 写明岗位", "需要人员名单写明岗位"),
    ("没有节日清单（PROCEDURES §4.6）", "没有节日清单"),
    ("（a）产品质量满意度", "（a）产品质量满意度"),  # not a key
    ("按 SIGN-REFUSAL，拒签时记下态度", "按 SIGN-REFUSAL，拒签时记下态度"),
])
def test_rule_texts_lose_their_key_hints_for_readers(written, shown):
    from generator.render import reader_words
    assert reader_words(written) == shown


def test_first_sentence_for_leads_and_snippets():
    from generator.render import sentence
    assert sentence("楼顶水箱间的门关不上，\n雨水流到 18 楼。担心漏到业主家里。") == "楼顶水箱间的门关不上， 雨水流到 18 楼。"
    assert sentence("很长" * 60).endswith("……") and len(sentence("很长" * 60)) == 82


def test_search_indexes_title_and_lead_only(tmp_path):
    """Headings below the title are marked for search to leave out; tables need no mark (the search
    index leaves every table out by itself) and no wrapper."""
    (tmp_path / "t.md.j2").write_text("# 标题\n\n一句话。\n\n## 小节\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## 规则 { #V-1 }\n",
                                      encoding="utf-8")
    (tmp_path / "help_index.md.j2").write_text("# 帮助\n", encoding="utf-8")
    out = render(Portal("2026-11-30", [Page("x.md", "t.md.j2", "x", {})]), tmp_path)["x.md"]
    assert "## 小节 { data-search-exclude }" in out and "## 规则 { #V-1 data-search-exclude }" in out
    assert "## 小节 { data-search-exclude }\n\n| a | b |" in out and "<div" not in out
    assert "# 标题\n\n一句话。" in out
