"""T-* rules: response deadlines under each profile, on both sides of the deadline."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import CUSTOMER, only


def complaint(repo, extra="", urgency="一般", first_response: str | None = None,
              received="2026-11-02 10:00:00+08:00") -> str:
    text = f"""
id: TS-20261102-001
received: {received}
channel: 电话
type: 投诉
category: 服务过程
urgency: {urgency}
customer: CUST-0001
description: 家里空调漏水
status: 处理中
"""
    if first_response:
        text += f"first_response: {first_response}\n"
    repo.add(CUSTOMER)
    return repo.add(text + extra)


def line(repo, rel, needle):
    return next(i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1)
                if needle in t)


def where(findings):
    return [(f.file, f.line, f.record) for f in findings]


# -- T-RESP-01 --------------------------------------------------------------------------------

@pytest.mark.keeps("T-RESP-01")
def test_resp01_urgent_within_hour_kept(repo):
    complaint(repo, urgency="紧急", first_response="2026-11-02 10:50:00+08:00")
    assert only(repo.analyse().findings, "T-RESP-01") == []


@pytest.mark.breaks("T-RESP-01")
def test_resp01_urgent_late_under_resp_a_but_kept_under_resp_b(repo):
    rel = complaint(repo, urgency="紧急", first_response="2026-11-02 11:30:00+08:00")
    got = only(repo.analyse().findings, "T-RESP-01")
    assert where(got) == [(rel, line(repo, rel, "first_response:"), "TS-20261102-001")]
    assert "RESP-A" in got[0].threshold
    repo.config("profile:\n  response: RESP-B\n")
    assert only(repo.analyse().findings, "T-RESP-01") == []


@pytest.mark.breaks("T-RESP-01")
def test_resp01_ordinary_kept_under_resp_a_but_late_under_resp_b(repo):
    rel = complaint(repo, first_response="2026-11-02 15:00:00+08:00")
    assert only(repo.analyse().findings, "T-RESP-01") == []
    repo.config("profile:\n  response: RESP-B\n")
    got = only(repo.analyse().findings, "T-RESP-01")
    assert where(got) == [(rel, line(repo, rel, "first_response:"), "TS-20261102-001")]
    assert "RESP-B" in got[0].threshold


@pytest.mark.breaks("T-RESP-01")
def test_resp01_open_item_then_finding(repo):
    rel = complaint(repo)  # ordinary, RESP-A: 24 h → 2026-11-03 10:00
    before = repo.analyse(date(2026, 11, 2))
    assert only(before.findings, "T-RESP-01") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "T-RESP-01"] == \
        [("TS-20261102-001", date(2026, 11, 3))]
    after = repo.analyse(date(2026, 11, 3))
    assert where(only(after.findings, "T-RESP-01")) == [(rel, line(repo, rel, "received:"), "TS-20261102-001")]


@pytest.mark.breaks("T-RESP-01")
def test_resp01_order_with_reported(repo):
    repo.add(CUSTOMER)
    rel = repo.add("""
id: WO-20261102-001
customer: CUST-0001
type: 维修
completed: 2026-11-02 16:00:00+08:00
reported: 2026-11-02 08:00:00+08:00
urgency: 紧急
first_response: 2026-11-02 09:30:00+08:00
""")
    got = only(repo.analyse().findings, "T-RESP-01")
    assert where(got) == [(rel, line(repo, rel, "first_response:"), "WO-20261102-001")]


@pytest.mark.keeps("T-RESP-01")
def test_resp01_only_complaints_of_type_complaint(repo):
    rel = complaint(repo)
    text = (repo.root / rel).read_text(encoding="utf-8").replace("type: 投诉", "type: 咨询")
    (repo.root / rel).write_text(text, encoding="utf-8")
    assert only(repo.analyse().findings, "T-RESP-01") == []


# -- T-RESP-03 --------------------------------------------------------------------------------

MAJOR = """severity: 重大
actions:
  - at: 2026-11-02 12:00:00+08:00
    action: 升级
    note: 上报物业经理
  - at: 2026-11-03 20:00:00+08:00
    action: 回复
"""


RESP_C = "profile:\n  response: RESP-C\n"


@pytest.mark.keeps("T-RESP-03")
def test_resp03_major_kept(repo):
    complaint(repo, MAJOR, first_response="2026-11-02 10:30:00+08:00")
    repo.config(RESP_C)
    assert only(repo.analyse().findings, "T-RESP-03") == []


@pytest.mark.breaks("T-RESP-03")
def test_resp03_general_reply_late(repo):
    rel = complaint(repo, MAJOR.replace("重大", "一般"), first_response="2026-11-02 10:30:00+08:00")
    repo.config(RESP_C)
    got = only(repo.analyse().findings, "T-RESP-03")
    assert where(got) == [(rel, line(repo, rel, "- at: 2026-11-03"), "TS-20261102-001")]


@pytest.mark.keeps("T-RESP-03")
def test_resp03_the_hours_are_a_setting(repo):
    """reply_hours_general (default 24): a unit that allows 48 hours keeps the same reply."""
    complaint(repo, MAJOR.replace("重大", "一般"), first_response="2026-11-02 10:30:00+08:00")
    repo.config(RESP_C + "thresholds:\n  reply_hours_general: 48\n")
    assert only(repo.analyse().findings, "T-RESP-03") == []


@pytest.mark.breaks("T-RESP-03")
def test_resp03_major_without_escalation(repo):
    text = MAJOR.replace("""  - at: 2026-11-02 12:00:00+08:00
    action: 升级
    note: 上报物业经理
""", "")
    rel = complaint(repo, text, first_response="2026-11-02 10:30:00+08:00")
    repo.config(RESP_C)
    got = only(repo.analyse().findings, "T-RESP-03")
    assert where(got) == [(rel, line(repo, rel, "severity:"), "TS-20261102-001")]
    assert "升级" in got[0].message


@pytest.mark.breaks("T-RESP-03")
def test_resp03_open_item_then_finding(repo):
    rel = complaint(repo, "severity: 一般\n", first_response="2026-11-02 10:30:00+08:00")
    repo.config(RESP_C)
    before = repo.analyse(date(2026, 11, 2))
    assert only(before.findings, "T-RESP-03") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "T-RESP-03"] == \
        [("TS-20261102-001", date(2026, 11, 3))]
    after = repo.analyse(date(2026, 11, 3))
    assert where(only(after.findings, "T-RESP-03")) == [(rel, line(repo, rel, "severity:"), "TS-20261102-001")]


@pytest.mark.keeps("T-RESP-03")
def test_resp03_is_the_clause_of_resp_c_only(repo):
    """Under RESP-A (after-sales response) the property information flow's 24/48 h rule is not in force."""
    complaint(repo, MAJOR.replace("12:00", "23:00").replace("2026-11-03 20", "2026-11-09 20"),
              first_response="2026-11-02 10:30:00+08:00")
    assert only(repo.analyse().findings, "T-RESP-03") == []
    repo.config("profile:\n  response: RESP-B\n")
    assert only(repo.analyse().findings, "T-RESP-03") == []


@pytest.mark.breaks("T-RESP-03")
def test_resp03_missing_severity_is_the_ordinary_case(repo):
    """No fact passes by its absence: without severity the 24-hour ordinary limit applies."""
    rel = complaint(repo, MAJOR.replace("severity: 重大\n", ""), first_response="2026-11-02 10:30:00+08:00")
    repo.config(RESP_C)
    got = only(repo.analyse().findings, "T-RESP-03")
    assert where(got) == [(rel, line(repo, rel, "- at: 2026-11-03"), "TS-20261102-001")]
    assert got[0].status == "done" and "晚了" in got[0].message


@pytest.mark.breaks("T-RESP-03")
def test_resp03_late_escalation_stays_a_finding(repo):
    rel = complaint(repo, MAJOR.replace("2026-11-02 12:00", "2026-11-05 12:00"), first_response="2026-11-02 10:30:00+08:00")
    repo.config(RESP_C)
    got = only(repo.analyse().findings, "T-RESP-03")
    assert where(got) == [(rel, line(repo, rel, "- at: 2026-11-05"), "TS-20261102-001")]
    assert got[0].status == "done" and "上报上级领导" in got[0].message


@pytest.mark.keeps("T-RESP-01")
def test_resp01_a_reply_logged_as_an_action_counts(repo):
    """The same fact two ways: a 回复 action before first_response is the first answer."""
    complaint(repo, "actions:\n  - at: 2026-11-02 10:40:00+08:00\n    action: 回复\n", urgency="紧急",
              first_response="2026-11-02 15:00:00+08:00")
    assert only(repo.analyse().findings, "T-RESP-01") == []
