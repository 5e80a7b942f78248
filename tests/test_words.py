"""How standards, clauses and rule texts read on the portal: the practice in force in words, the
document and clause in Chinese, no option codes, clause numbering or keys."""

from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import only
from generator.config import PARAMS, Config
from generator.render import reader_words
from generator.rules import REGISTRY, all_rules
from generator.wording import PRACTICES, clause_words, practice_sentence, practice_words, standard_words
from test_rules_profiles import profile
from test_rules_visits import line_of, setup, visit

CODES = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(o) for p in PARAMS.values() for o in p.options
                                                if not o.isdigit()) + r")(?![\w-])")
CLAUSES = re.compile(r"Art\.|§|\bch\.\d|\bsteps? \d|\b00\d [A-Z]\d?\b")


@pytest.mark.parametrize("source, words", [
    ("000 P4 Art.4(3)", "《住宅园区回访工作管理规定》第 4 条第（3）项"),
    ("000 P1 §4.2(3)1)", "《矿山机械公司客户回访管理规定（附件一：回访流程）》第 4.2 节第（3）项第 1 目"),
    ("000 P4 Art.2(4)；000 P5 §4(4)", "《住宅园区回访工作管理规定》第 2 条第（4）项；《C 物业回访工作规定》第 4 节第（4）项"),
    ("001 Q ch.3 §1–§6", "《客服管理作业指导（物业顾问机构）》第 3 章第 1 至 6 节"),
    ("003 P3 steps 1–8", "《客户投诉处理流程（八步）》第 1 至 8 步"),
    ("002 §6.2.4 a–d", "《电气设备公司顾客回访管理办法》第 6.2.4 节 a 至 d 项"),
    ("004 附表 2；003 P4 §4.3.2", "《电器售后客服回访工作方案（附报表三张）》附表 2；《客户投诉处理程序》第 4.3.2 节"),
])
def test_a_clause_reads_as_document_and_chinese_clause(source, words):
    assert clause_words(source) == words


def test_every_rule_source_reads_in_chinese():
    for r in all_rules():
        got = clause_words(r.source)
        assert got.startswith("《") and not CLAUSES.search(got), (r.id, r.source, got)


def test_every_option_has_its_practice_in_words():
    assert set(PRACTICES) == {(p.name, o) for p in PARAMS.values() for o in p.options}
    for (param, opt) in PRACTICES:
        got = practice_sentence(param, opt)
        assert not CODES.search(got) and not CLAUSES.search(got) and "（按《" in got, got


@pytest.mark.parametrize("threshold, shown", [
    ("≤ 70%（PM-70：≤ 70%（000 P4 Art.4(3)））", "电话和信函回访合计不超过全年回访的 70%（按《住宅园区回访工作管理规定》）"),
    ("SPOT-5：派工单的 5%，且不超过总户数的 5%（000 P4 Art.2(4)）",
     "每月抽查回访派工单的 5%，且不超过总户数的 5%（按《住宅园区回访工作管理规定》）"),
    ("≥ 2 位客户（OL-P3：多个业主反映同一问题（000 P3 §4））",
     "不少于 2 位客户；多个业主反映同一问题时可以发公开信（按《物业客服部投诉回访规定》）"),
    ("≥ 40%", "不少于 40%"),
    ("≥ 100%（完工单回访比例）", "完工单回访比例不少于 100%"),
    ("回访当天 24:00 前", "回访当天 24:00 前"),
])
def test_a_standard_reads_as_one_sentence_with_the_practice_in_force(threshold, shown):
    assert standard_words(threshold) == shown


def test_every_threshold_the_options_make_loses_codes_and_clauses():
    for p in PARAMS.values():
        for opt in p.options:
            cfg = Config()
            cfg.profile[p.name] = opt
            for text in (cfg.describe(p.name), f"≤ 5%（{cfg.describe(p.name)}）", f"回访后 7 天内（{cfg.describe(p.name)}）"):
                got = standard_words(reader_words(text))
                assert not CODES.search(got) and not CLAUSES.search(got), (text, got)
                assert PRACTICES[(p.name, opt)] in got


@pytest.mark.parametrize("written, shown", [
    ("记录里没有 review（审阅人 by、日期 date、指导意见 comment），也没有主管在 git 中合并批准",
     "记录里没有“主管审阅”（审阅人、日期、指导意见），也没有主管合并批准"),
    ("没有填写客户分类（class，A/B/C/D）", "没有填写客户分类（A/B/C/D）"),
    ("缺少致歉（apologised: true）", "缺少致歉"),
    ("标记 supporting: true 的设备", "标记“配套/自用设备”为“是”的设备"),
    ("可以用 huifang new letter --issue 翠湖-快递柜 起草一封", "可以用“同一问题”页上的公开信草稿起草一封"),
])
def test_rule_texts_lose_keys_and_commands(written, shown):
    assert reader_words(written) == shown


def test_no_rule_asks_names_an_option_code():
    """A rule's requirement holds under every option; the option in force is named by the finding."""
    assert [r.id for r in REGISTRY.values() if CODES.search(r.asks)] == []


@pytest.mark.parametrize("option, sig, says", [
    ("SIGN-REFUSAL", "无", "业主拒签时写“拒签”并记下其态度"),
    ("SIGN-STRICT", "无", "本单位的做法不接受以拒签代替签名"),
    ("SIGN-STRICT", "拒签", "本单位的做法不接受以拒签代替签名"),
])
def test_signature_finding_says_the_practice_in_force(repo, option, sig, says):
    text = visit(signature=sig)
    path, = setup(repo, text)
    profile(repo, signature=option)
    got = only(repo.analyse().findings, "V-SIGN-01")
    assert [(f.rule, f.file, f.line) for f in got] == [("V-SIGN-01", path, line_of(text, "signature:"))]
    assert says in got[0].message
    other = "本单位的做法不接受" if option == "SIGN-REFUSAL" else "记下其态度"
    assert other not in got[0].message
    shown = standard_words(reader_words(got[0].threshold))
    assert PRACTICES[("signature", option)] in shown and option not in shown


def test_signature_refusal_with_attitude_passes_only_where_the_practice_allows(repo):
    text = visit(signature="拒签", refusal_note="业主说太忙，不愿签字")
    setup(repo, text)
    profile(repo, signature="SIGN-REFUSAL")
    assert only(repo.analyse().findings, "V-SIGN-01") == []


def _provenance_text(p, review) -> str:
    from generator import shipped
    from generator.render import _Renderer
    r = _Renderer(shipped.search_path(None, "templates", "portal"))
    return str(r.env.get_template("macros.md.j2").module.provenance(p, review))


SUBMITTED = {"submitter": "张三", "submitted": "2026-11-03 09:15", "reviewer": None, "approved": None,
             "amended": False, "partial": False}
APPROVED = dict(SUBMITTED, reviewer="王丽", approved="2026-11-03 17:30")
REVIEW = {"by": "周建华", "date": "2026-11-05", "comment": "回访及时，记录完整"}


@pytest.mark.parametrize("p, review, shown, hidden", [
    (SUBMITTED, REVIEW, ["记录里的主管审阅：周建华，2026-11-05；意见：回访及时，记录完整", "合并批准：尚未批准合并"], ["尚未审阅"]),
    (APPROVED, {}, ["合并批准：王丽，2026-11-03 17:30", "记录里没有写主管审阅；合并批准即主管审阅"], ["尚未审阅"]),
    (APPROVED, REVIEW, ["记录里的主管审阅：周建华", "合并批准：王丽"], ["尚未审阅", "尚未批准合并"]),
    (SUBMITTED, {}, ["尚未审阅：记录里没有写主管审阅，也没有经批准合并"], ["合并批准：王丽", "记录里的主管审阅"]),
    (SUBMITTED, None, ["尚未审阅：没有经批准合并"], ["记录里"]),  # records without a review block (complaints)
])
def test_review_and_approval_are_shown_apart_and_not_reviewed_only_without_both(p, review, shown, hidden):
    text = _provenance_text(p, review)
    assert "提交：张三，2026-11-03 09:15" in text
    for s in shown:
        assert s in text, (s, text)
    for s in hidden:
        assert s not in text, (s, text)


def _issue_repo(repo, later: bool, letter: bool = True):
    """Two owners in the same building (different rooms, one spelled without spaces) complain about one
    issue; a letter answers them; with `later`, a third owner complains after the letter."""
    people = [("CUST-0001", "张明", "翠湖花园 3 栋 2 单元 601"), ("CUST-0002", "李华", "翠湖花园3栋1单元302室"),
              ("CUST-0003", "王芳", "翠湖花园 5 栋 1 单元 101")]
    for cid, name, address in people:
        repo.add(f"id: {cid}\nname: {name}\nclass: B\ntype: 业主\nphone: \"13812345678\"\naddress: {address}\n")
    days = [("TS-20261102-001", "CUST-0001", "2026-11-02"), ("TS-20261103-001", "CUST-0002", "2026-11-03")]
    if later:
        days.append(("TS-20261110-001", "CUST-0003", "2026-11-10"))
    for tid, cid, day in days:
        repo.add(f"id: {tid}\nreceived: {day} 10:00:00+08:00\nchannel: 电话\ntype: 投诉\ncategory: 工程质量\n"
                 f"customer: {cid}\nissue: 电梯异响\ndescription: 电梯有异响\ndepartment: 工程部\n"
                 f"solution: 更换导靴靴衬\nstatus: 处理中\n")
    if letter:
        repo.add("id: GKX-20261105-001\nissue: 电梯异响\ndate: 2026-11-05\ntitle: 关于电梯异响检修安排的公开信\n"
                 "body: |\n  各位业主：电梯将于下周检修。\ncomplaints:\n  - TS-20261102-001\n  - TS-20261103-001\n"
                 "approved_by: 钱文斌（总经理）\n")


def _issues_page(repo):
    from generator import shipped
    from generator.pages import portal
    from generator.render import render
    p = portal(repo.analyse())
    group = next(g for g in next(x for x in p.pages if x.path == "issues/index.md").data["groups"] if g["key"] == "电梯异响")
    md = render(p, shipped.search_path(None, "templates", "portal"))["issues/index.md"]
    return group, md.split("## 电梯异响", 1)[1].split("\n## ", 1)[0]


def test_complaints_after_a_letter_are_offered_for_a_follow_up_letter(repo):
    _issue_repo(repo, later=True)
    group, md = _issues_page(repo)
    draft = group["draft"]
    assert draft["complaints"] == ["TS-20261110-001"] and draft["count"] == 1
    assert draft["follows"] == {"title": "关于电梯异响检修安排的公开信", "date": date(2026, 11, 5)}
    assert "跟进公开信草稿" in md and "《关于电梯异响检修安排的公开信》之后，又陆续收到 1 次" in md
    letter = md.split("<pre>", 1)[1].split("</pre>", 1)[0]
    assert "TS-" not in letter and "GKX-" not in letter and "CUST-" not in letter  # no record IDs in the letter
    assert letter.count("公开信\n") == 1 and letter.count("翠湖花园 5 栋") == 1 and "3 栋" not in letter
    from generator import shipped
    from generator.pages import portal
    from generator.render import record_page, render
    pages = render(portal(repo.analyse()), shipped.search_path(None, "templates", "portal"))
    offered = "之后收到：可以在[同一问题](../../issues/index.md)页起草一封跟进的公开信"
    assert offered in pages[record_page("TS-20261110-001")]
    assert offered not in pages[record_page("TS-20261103-001")]  # answered by the letter


def test_a_letter_draft_names_each_building_once_and_no_ids(repo):
    from generator.render import render_letter_draft
    _issue_repo(repo, later=False, letter=False)
    group, md = _issues_page(repo)
    d = group["draft"]
    assert d["complaints"] == ["TS-20261102-001", "TS-20261103-001"] and d["follows"] is None
    assert d["buildings"] == ["翠湖花园 3 栋"]  # two rooms, two spellings: one building
    letter = md.split("<pre>", 1)[1].split("</pre>", 1)[0]
    assert letter.count("翠湖花园") == 1 and "TS-" not in letter and letter.count("的公开信") == 1
    body = render_letter_draft(d)  # the body of the letter record: its title is the record's own field
    assert body.count("翠湖花园") == 1 and "TS-" not in body and "的公开信" not in body


def test_a_letter_answering_every_complaint_offers_no_follow_up(repo):
    _issue_repo(repo, later=False)
    group, md = _issues_page(repo)
    assert group["draft"] is None and "草稿" not in md


def test_complaint_flow_names_rules_by_their_titles_linking_to_their_anchor(repo):
    from generator import shipped
    from generator.pages import portal
    from generator.render import record_page, render
    repo.add("id: CUST-0001\nname: 张明\nclass: B\ntype: 业主\nphone: \"13812345678\"\naddress: 翠湖花园 3 栋 2 单元 601\n")
    repo.add("id: TS-20261102-001\nreceived: 2026-11-02 10:00:00+08:00\nchannel: 电话\ntype: 投诉\ncategory: 工程质量\n"
             "customer: CUST-0001\ndescription: 车库漏水\ndepartment: 工程部\nfirst_response: 2026-11-02 10:20:00+08:00\n"
             "actions:\n  - at: 2026-11-02 10:00:00+08:00\n    by: 王芳\n    action: 受理\n    note: 业主来电\n"
             "  - at: 2026-11-03 09:00:00+08:00\n    by: 何建军\n    action: 处理\n    note: 堵漏完成\n"
             "status: 已结案\nresolved: 2026-11-03 09:00:00+08:00\n")
    p = portal(repo.analyse())
    page = next(x for x in p.pages if x.path == record_page("TS-20261102-001"))
    plan = next(s for s in page.data["flow"] if s["key"] == "plan")
    assert [(f["rule"], f["rule_title"]) for f in plan["findings"]] == [("C-APPR-01", REGISTRY["C-APPR-01"].title)]
    md = render(p, shipped.search_path(None, "templates", "portal"))[record_page("TS-20261102-001")]
    flow = md.split("## 处理经过", 1)[1].split("## 提交与审阅", 1)[0]
    assert f"[{REGISTRY['C-APPR-01'].title}](../../rules.md#C-APPR-01)" in flow
    assert not re.search(r"\[[A-Z]-[A-Z0-9]+-\d+\]\(", flow)  # no rule shown by its ID in the flow
    assert flow.count("业主来电") == 1 and flow.count("堵漏完成") == 1  # each action once
    steps = re.findall(r"^### \d+\. (\S+)", flow, re.M)
    assert steps == ["受理", "投诉是否成立", "责任部门", "处理方案与批示", "处理过程", "答复期限与答复", "回访", "结案"]


def test_rules_page_names_document_clause_and_practice_in_words(repo):
    from generator import shipped
    from generator.pages import portal
    from generator.render import render
    repo.config("thresholds:\n  facts_since: 2026-09-01\n")
    repo.add("id: CUST-0001\nname: 张明\nclass: B\ntype: 业主\nphone: \"13812345678\"\naddress: 翠湖花园 3 栋 2 单元 601\n")
    md = render(portal(repo.analyse()), shipped.search_path(None, "templates", "portal"))["rules.md"]
    sign = md.split("## V-SIGN-01", 1)[1].split("\n## ", 1)[0]
    assert "依据：《住宅园区回访工作管理规定》第 3 条第（2）项" in sign
    assert f"本单位的做法：{practice_sentence('signature', 'SIGN-REFUSAL')}" in sign
    role = md.split("## V-ROLE-01", 1)[1].split("\n## ", 1)[0]
    assert "从记录中检查（自 2026-09-01 起）" in role and "本单位的做法：自" not in role
    body = md.split("\n## ", 1)[1]
    assert not CODES.search(body) and not CLAUSES.search(body)
