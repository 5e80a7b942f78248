"""How standards, clauses and rule texts read on the portal: the practice in force in words, the
document and clause in Chinese, no option codes, clause numbering or keys."""

from __future__ import annotations

import re

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
