"""Complaint intake and handling facts (generator/rules/intake.py): each rule kept and broken, asserting
the rule, the record and the line."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import CUSTOMER, only

SINCE = 'thresholds:\n  facts_since: "2025-01-01"\n'


@pytest.fixture(autouse=True)
def facts_since(repo):
    """These rules judge records from `facts_since` on (unset: nothing); most tests start it early."""
    repo.config(SINCE)

STAFF = """
- name: 小刘
  role: 客服专员
- name: 周主管
  role: 客服主管
- name: 小陈
  role: 房管员
"""

# a complaint that every rule of this module keeps
CLOSED = """
id: TS-20261102-001
received: 2026-11-02 10:00:00+08:00
channel: 电话
type: 投诉
category: 服务过程
customer: CUST-0001
description: 保洁没有按时清运垃圾
valid: true
department: 环境部
apologised: true
ticket: KF-20261102-01
content_class: 时效
handling_mode: 限期处理
demands:
  - text: 按时清运
    priority: 主要
first_responder: 小刘
in_remit: true
cause: 保洁排班缺人
solution: 调整排班，每天两次清运
solution_type: 其他
opinion_form: true
approved_by: 周主管
responsibility: 公司
formal_letter: 致歉函 2026-11-05
summary: 排班表已公示
actions:
  - at: 2026-11-02 10:00:00+08:00
    by: 小刘
    action: 受理
  - at: 2026-11-02 11:00:00+08:00
    by: 小刘
    action: 转派
    to: 环境部
  - at: 2026-11-02 15:00:00+08:00
    by: 环境部 潘经理
    action: 反馈
  - at: 2026-11-03 09:00:00+08:00
    by: 周主管
    action: 批示
  - at: 2026-11-03 10:00:00+08:00
    by: 小刘
    action: 回复
  - at: 2026-11-10 10:00:00+08:00
    by: 周主管
    action: 结案
resolved: 2026-11-04 10:00:00+08:00
status: 已结案
"""
AS_OF = date(2026, 11, 20)


def line(repo, rel, needle):
    return next(i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1) if needle in t)


def where(findings):
    return [(f.record, f.line) for f in findings]


def complaint(repo, text=CLOSED, drop=(), extra="", replace=()):
    repo.add(CUSTOMER)
    for a, b in replace:
        assert a in text, a
        text = text.replace(a, b)
    body = "".join(l + "\n" for l in text.strip("\n").splitlines() if not any(l.startswith(d + ":") for d in drop))
    return repo.add(body + extra)


def kept(repo, rule):
    complaint(repo)
    assert only(repo.analyse(AS_OF).findings, rule) == []


# -- C-CH-01 ----------------------------------------------------------------------------------

@pytest.mark.keeps("C-CH-01")
def test_ch01_handed_over_kept(repo):
    complaint(repo, extra="received_by: 工程部\nhanded_over: 2026-11-02 10:20:00+08:00\n")
    assert only(repo.analyse(AS_OF).findings, "C-CH-01") == []


@pytest.mark.breaks("C-CH-01")
def test_ch01_other_department_never_handed_over(repo):
    rel = complaint(repo, extra="received_by: 工程部\n")
    got = only(repo.analyse(AS_OF).findings, "C-CH-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "received_by:"))]


# -- C-INT-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("C-INT-01")
def test_int01_kept(repo):
    kept(repo, "C-INT-01")


@pytest.mark.breaks("C-INT-01")
def test_int01_no_apology_no_ticket(repo):
    rel = complaint(repo, drop=("apologised", "ticket"))
    got = only(repo.analyse(AS_OF).findings, "C-INT-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "received:"))]
    assert "致歉" in got[0].message and "工单号" in got[0].message


# -- C-CLS-02 ---------------------------------------------------------------------------------

@pytest.mark.keeps("C-CLS-02")
def test_cls02_kept(repo):
    kept(repo, "C-CLS-02")


@pytest.mark.breaks("C-CLS-02")
def test_cls02_no_content_class_no_handling_mode(repo):
    rel = complaint(repo, drop=("content_class", "handling_mode"))
    got = only(repo.analyse(AS_OF).findings, "C-CLS-02")
    assert sorted(where(got)) == sorted([("TS-20261102-001", line(repo, rel, "type:")),
                                         ("TS-20261102-001", line(repo, rel, "status:"))])


# -- C-CLS-04 ---------------------------------------------------------------------------------

@pytest.mark.keeps("C-CLS-04")
def test_cls04_kept(repo):
    kept(repo, "C-CLS-04")


@pytest.mark.breaks("C-CLS-04")
def test_cls04_no_demands_and_no_primary(repo):
    rel = complaint(repo, replace=(("demands:\n  - text: 按时清运\n    priority: 主要\n", ""),))
    got = only(repo.analyse(AS_OF).findings, "C-CLS-04")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "description:"))]
    rel = complaint(repo, replace=(("priority: 主要", "priority: 次要"),))
    got = only(repo.analyse(AS_OF).findings, "C-CLS-04")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "demands:"))]


# -- C-FLOW-01 --------------------------------------------------------------------------------

@pytest.mark.keeps("C-FLOW-01")
def test_flow01_kept(repo):
    kept(repo, "C-FLOW-01")


@pytest.mark.breaks("C-FLOW-01")
def test_flow01_missing_steps_and_implemented_before_approval(repo):
    rel = complaint(repo, drop=("cause", "summary"))
    got = only(repo.analyse(AS_OF).findings, "C-FLOW-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "status:"))]
    assert "原因分析" in got[0].message and "总结评价" in got[0].message
    rel = complaint(repo, replace=(("resolved: 2026-11-04", "resolved: 2026-11-02"),))
    got = only(repo.analyse(AS_OF).findings, "C-FLOW-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "resolved:"))]


# -- C-RESP-01 --------------------------------------------------------------------------------

@pytest.mark.keeps("C-RESP-01")
def test_resp01c_kept(repo):
    kept(repo, "C-RESP-01")


@pytest.mark.breaks("C-RESP-01")
def test_resp01c_company_fault_without_formal_letter(repo):
    rel = complaint(repo, drop=("formal_letter",))
    got = only(repo.analyse(AS_OF).findings, "C-RESP-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "responsibility:"))]
    rel = complaint(repo, drop=("responsibility",))
    got = only(repo.analyse(AS_OF).findings, "C-RESP-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "valid:"))]


# -- C-RET-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("C-RET-01")
def test_ret01_analysed_within_a_week_kept(repo):
    complaint(repo, extra="returned: 2026-11-03\nanalysed: 2026-11-09\n")
    assert only(repo.analyse(AS_OF).findings, "C-RET-01") == []


@pytest.mark.breaks("C-RET-01")
def test_ret01_analysed_late_or_not_at_all(repo):
    rel = complaint(repo, extra="returned: 2026-11-03\nanalysed: 2026-11-12\n")
    got = only(repo.analyse(AS_OF).findings, "C-RET-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "analysed:"))] and got[0].status == "done"
    rel = complaint(repo, extra="returned: 2026-11-03\n")
    got = only(repo.analyse(AS_OF).findings, "C-RET-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "returned:"))] and got[0].status == "overdue"


# -- C-SOL-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("C-SOL-01")
def test_sol01_kept(repo):
    kept(repo, "C-SOL-01")


@pytest.mark.breaks("C-SOL-01")
def test_sol01_no_type_no_opinion_form(repo):
    rel = complaint(repo, drop=("solution_type", "opinion_form"))
    got = only(repo.analyse(AS_OF).findings, "C-SOL-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "solution:"))] * 2


# -- C-TRF-01 ---------------------------------------------------------------------------------

ESCALATE = "  - at: 2026-11-02 12:00:00+08:00\n    by: 小刘\n    action: 升级\n{to}"


@pytest.mark.keeps("C-TRF-01")
def test_trf01_agent_escalates_to_supervisor_kept(repo):
    repo.write("staff.yml", STAFF)
    complaint(repo, replace=(("resolved:", ESCALATE.format(to="    to: 周主管\n") + "resolved:"),))
    assert only(repo.analyse(AS_OF).findings, "C-TRF-01") == []


@pytest.mark.breaks("C-TRF-01")
def test_trf01_agent_escalates_to_nobody_or_a_peer(repo):
    repo.write("staff.yml", STAFF)
    rel = complaint(repo, replace=(("resolved:", ESCALATE.format(to="") + "resolved:"),))
    got = only(repo.analyse(AS_OF).findings, "C-TRF-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "action: 升级") - 2)]
    rel = complaint(repo, replace=(("resolved:", ESCALATE.format(to="    to: 小陈\n") + "resolved:"),))
    got = only(repo.analyse(AS_OF).findings, "C-TRF-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "to: 小陈"))]


# -- F-FIRST-01 -------------------------------------------------------------------------------

@pytest.mark.keeps("F-FIRST-01")
def test_first01_kept(repo):
    kept(repo, "F-FIRST-01")


@pytest.mark.breaks("F-FIRST-01")
def test_first01_no_responder_or_no_handover(repo):
    rel = complaint(repo, drop=("first_responder",))
    got = only(repo.analyse(AS_OF).findings, "F-FIRST-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "received:"))]
    rel = complaint(repo, replace=(("in_remit: true", "in_remit: false"),))
    got = only(repo.analyse(AS_OF).findings, "F-FIRST-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "in_remit:"))]


@pytest.mark.breaks("F-FIRST-01")
def test_first01_major_matter_reported_to_gm(repo):
    rel = complaint(repo, extra="severity: 重大\n")
    got = only(repo.analyse(AS_OF).findings, "F-FIRST-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "severity:"))]
    complaint(repo, extra="severity: 重大\ngm_reported: 2026-11-02 10:30:00+08:00\n")
    assert only(repo.analyse(AS_OF).findings, "F-FIRST-01") == []


# -- F-CONS-01 --------------------------------------------------------------------------------

ENQUIRY = """
id: TS-20261105-001
received: 2026-11-05 10:00:00+08:00
channel: 电话
type: 咨询
category: 其他
customer: CUST-0001
description: 问物业费缴费方式
first_responder: 小刘
status: 已结案
resolved: 2026-11-05 10:05:00+08:00
"""


@pytest.mark.keeps("F-CONS-01")
def test_cons01_satisfaction_confirmed_kept(repo):
    complaint(repo, ENQUIRY, extra="confirmed_satisfied: true\n")
    assert only(repo.analyse(AS_OF).findings, "F-CONS-01") == []


@pytest.mark.breaks("F-CONS-01")
def test_cons01_not_asked_or_closed_unsatisfied(repo):
    rel = complaint(repo, ENQUIRY)
    got = only(repo.analyse(AS_OF).findings, "F-CONS-01")
    assert where(got) == [("TS-20261105-001", line(repo, rel, "status:"))]
    rel = complaint(repo, ENQUIRY, extra="confirmed_satisfied: false\n")
    got = only(repo.analyse(AS_OF).findings, "F-CONS-01")
    assert where(got) == [("TS-20261105-001", line(repo, rel, "confirmed_satisfied:"))]


# -- T-RESP-02 --------------------------------------------------------------------------------

@pytest.mark.keeps("T-RESP-02")
def test_resp02_handler_reports_back_kept(repo):
    kept(repo, "T-RESP-02")


@pytest.mark.breaks("T-RESP-02")
def test_resp02_no_report_back_and_late_escalation(repo):
    rel = complaint(repo, replace=(("    action: 反馈", "    action: 处理"),))
    got = only(repo.analyse(AS_OF).findings, "T-RESP-02")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "action: 转派") - 2)] and got[0].status == "overdue"
    rel = complaint(repo, replace=(("resolved:", "  - at: 2026-11-02 14:00:00+08:00\n    by: 环境部 潘经理\n"
                                                 "    action: 升级\nresolved:"),))
    got = only(repo.analyse(AS_OF).findings, "T-RESP-02")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "at: 2026-11-02 14:00"))]


@pytest.mark.breaks("T-RESP-02")
def test_resp02_the_handlers_hours_are_a_setting(repo):
    """handler_hours (default 24) in huifang.yml: the report back 4 hours after the hand-over is late at 3."""
    repo.config(SINCE + "  handler_hours: 3\n")
    rel = complaint(repo)
    got, = only(repo.analyse(AS_OF).findings, "T-RESP-02")
    assert (got.record, got.line) == ("TS-20261102-001", line(repo, rel, "action: 转派") - 2)
    assert got.status == "done" and got.threshold == "3 小时内反馈" and "晚了 1.0 小时" in got.message


# -- T-ONL-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("T-ONL-01")
def test_onl01_reply_within_a_day_kept(repo):
    complaint(repo, replace=(("channel: 电话", "channel: 网站"),))
    assert only(repo.analyse(AS_OF).findings, "T-ONL-01") == []


@pytest.mark.breaks("T-ONL-01")
def test_onl01_late_reply_and_controversial_without_review(repo):
    rel = complaint(repo, replace=(("channel: 电话", "channel: 网站"), ("2026-11-03 10:00:00+08:00\n    by: 小刘\n    action: 回复",
                                                                     "2026-11-03 12:00:00+08:00\n    by: 小刘\n    action: 回复")))
    got = only(repo.analyse(AS_OF).findings, "T-ONL-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "at: 2026-11-03 12:00"))] and got[0].status == "done"
    rel = complaint(repo, replace=(("channel: 电话", "channel: 网站"), ("2026-11-03 09:00:00+08:00", "2026-11-03 11:00:00+08:00")),
                    extra="controversial: true\n")
    got = only(repo.analyse(AS_OF).findings, "T-ONL-01")
    assert where(got) == [("TS-20261102-001", line(repo, rel, "controversial:"))]
