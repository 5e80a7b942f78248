"""Failures the fuzzing campaign found, kept as plain tests: each names the class it guards against."""

from __future__ import annotations

import json

import pytest

from generator.cli import main

from conftest import CUSTOMER


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1989-12-31", "2101-01-01"])
def test_as_of_outside_the_years_window_is_a_usage_error(repo, capsys, as_of):
    """--as-of 9999-12-31 overflowed inside the rules."""
    repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", as_of]) == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "Traceback" not in err


def test_the_years_window_is_configurable(repo, capsys):
    repo.add(CUSTOMER)
    repo.config("thresholds:\n  year_min: 1980\n")
    assert main(["--root", str(repo.root), "check", "--as-of", "1985-06-01"]) == 0


@pytest.fixture
def raising_rule(monkeypatch):
    """A real rule registered for the test whose check raises, as an out-of-range value once made several do."""
    from generator.rules import REGISTRY, Rule

    def check(ctx):
        raise OverflowError("date value out of range")

    monkeypatch.setitem(REGISTRY, "V-BOOM-01", Rule("V-BOOM-01", "测试用：总是出错", "record", "应", "test",
                                                     "测试", check, kinds=("visit",)))


def test_a_rule_that_raises_is_one_internal_finding_and_exit_2(repo, capsys, raising_rule):
    repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    internal = [f for f in json.loads(out)["findings"] if f["rule"] == "INTERNAL"]
    assert len(internal) == 1 and "V-BOOM-01" in internal[0]["message"] and "不完整" in internal[0]["message"]
    assert internal[0]["severity"] == "error"
    assert "Traceback" not in err and "V-BOOM-01" in err and "OverflowError" in err


def test_a_check_of_one_file_still_says_the_report_is_incomplete(repo, capsys, raising_rule):
    rel = repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json",
                 str(repo.root / rel)]) == 2
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["INTERNAL"]


def test_the_portal_pages_show_the_internal_finding(repo, raising_rule):
    from generator.pipeline import generate
    repo.add(CUSTOMER)
    analysis, pages = generate(repo.root, "2026-11-30")
    assert [f.rule for f in analysis.findings if f.rule == "INTERNAL"] == ["INTERNAL"]
    assert any("V-BOOM-01" in text for text in pages.values())


def test_an_unknown_key_named_like_another_kinds_field_reaches_nobody(repo, capsys):
    """A customer with `customer: [x]` crashed `check --changed` (unhashable list in the related-records walk)."""
    repo.add(CUSTOMER + "customer: [x]\nrelated: [TS-404]\n")
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=李娜", "-c", "user.email=li@example.com", "commit", "-q", "-m", "x")
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json",
                 "--changed", "HEAD"]) in (0, 1)
    records = json.loads(capsys.readouterr().out)
    assert records is not None
    from generator.load import load
    r = load(repo.root)[0].by_id["CUST-0001"]
    assert "customer" not in r.data and "related" not in r.data


# --- half-filled records and suggestions that keep the meaning -----------------------------------------

COMPLAINT = """
id: TS-20261102-001
received: 2026-11-02 09:00:00+08:00
channel: 电话
type: 投诉
customer: CUST-0001
issue: 3栋-电梯异响
description: 电梯运行有异响。
status: 处理中
"""
LETTER = """
id: GKX-20261110-001
issue: 3栋-电梯异响
date: 2026-11-10
title: 关于电梯异响的公开信
body: 尊敬的业主：电梯已检修。
complaints: [TS-20261102-001]
approved_by: 钱文斌
"""


def _schema(repo, rel):
    from generator.load import load
    return [(f.line, f.severity, f.message) for f in load(repo.root)[1] if f.file == rel]


def test_template_placeholders_left_in_place_are_errors(repo):
    repo.add(CUSTOMER)
    rel = repo.add(COMPLAINT.replace("电梯运行有异响。", "__ID__ 的描述"))
    assert [(line, sev) for line, sev, msg in _schema(repo, rel) if "占位符“__ID__”" in msg] == [(7, "error")]


def test_an_open_letter_with_an_empty_approver_is_an_error(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    rel = repo.add(LETTER.replace("approved_by: 钱文斌", "approved_by: "))
    assert [(line, sev) for line, sev, msg in _schema(repo, rel)] == [(7, "error")]


def test_a_letter_for_an_issue_no_complaint_has_is_named_with_a_real_suggestion(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    rel = repo.add(LETTER.replace("issue: 3栋-电梯异响", "issue: 3栋-电梯异常"))
    found = _schema(repo, rel)
    assert [(line, sev) for line, sev, _ in found] == [(2, "warning")] and "是不是“3栋-电梯异响”" in found[0][2]


def test_new_letter_for_an_unknown_issue_is_refused(repo, capsys):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    assert main(["--root", str(repo.root), "new", "letter", "--issue", "3栋-电梯", "--date", "2026-11-20"]) == 2
    assert "3栋-电梯异响" in capsys.readouterr().err
    assert not list((repo.root / "records").glob("letters/**/*.yml"))


@pytest.mark.parametrize("typed, field, never", [
    ("很满意", ("satisfaction", "service"), "很不满意"),
    ("不太满", ("satisfaction", "service"), "满意"),
    ("属实", ("result",), "不属实"),
    ("未签名", ("signature",), "已签名"),
])
def test_suggestions_never_flip_the_meaning(typed, field, never):
    from generator.model import KINDS, validate
    data = {field[0]: {field[1]: typed}} if len(field) == 2 else {field[0]: typed}
    _, problems, _ = validate(KINDS["visit"], data)
    msg = next(p.message for p in problems if p.path == field)
    import re
    hint = re.search(r"是不是想写“(.+?)”", msg)
    assert hint is None or hint.group(1) != never, msg


def test_id_suggestions_only_name_the_record_that_was_meant(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    rel = repo.add(LETTER.replace("complaints: [TS-20261102-001]", "complaints: [ts-20261102-1, TS-20261102-002]"))
    msgs = [msg for _, _, msg in _schema(repo, rel)]
    assert any("ts-20261102-1" in m and "是不是“TS-20261102-001”" in m for m in msgs)
    assert any("TS-20261102-002" in m and "是不是" not in m for m in msgs)  # a near miss is another record
