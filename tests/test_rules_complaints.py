"""C-* rules: each kept and broken on real record files, with the exact file and line."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import CUSTOMER, only
from generator.dates import Calendar

BASE = """
id: {id}
received: {received}
channel: 电话
type: 投诉
category: 服务过程
customer: CUST-0001
description: 维修工上门态度差
status: {status}
"""


def complaint(repo, extra: str = "", *, id="TS-20261102-001", received="2026-11-02 10:00:00+08:00",
              status="处理中", first_response="2026-11-02 10:30:00+08:00") -> str:
    text = BASE.format(id=id, received=received, status=status)
    if first_response:
        text += f"first_response: {first_response}\n"
    return repo.add(text + extra)


def visit(repo, id: str, when: str, related: str, sat: str | None = "满意", method="电话") -> str:
    text = f"""
id: {id}
date: {when}
method: {method}
purpose: 投诉回访
customer: CUST-0001
related: [{related}]
visitor: 李芳
interviewee: 张明
content: 电话回访，客户对处理结果的评价
"""
    if sat:
        text += f"satisfaction:\n  service: {sat}\n"
    return repo.add(text)


def line(repo, rel: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line of the file containing needle."""
    hits = [i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1) if needle in t]
    return hits[nth - 1]


def at(findings, rel, ln, rid):
    return [(f.file, f.line, f.record) for f in findings] == [(rel, ln, rid)]


def setup(repo):
    repo.add(CUSTOMER)


# -- C-CLS-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("C-CLS-01")
def test_cls_kept(repo):
    setup(repo)
    complaint(repo)
    assert only(repo.analyse().findings, "C-CLS-01") == []


@pytest.mark.breaks("C-CLS-01")
def test_cls_missing_category(repo):
    setup(repo)
    rel = repo.add(BASE.format(id="TS-20261102-001", received="2026-11-02 10:00:00+08:00", status="处理中")
                   .replace("category: 服务过程\n", ""))
    got = only(repo.analyse().findings, "C-CLS-01")
    assert at(got, rel, line(repo, rel, "type:"), "TS-20261102-001")
    assert "类别" in got[0].message and got[0].threshold


# -- C-VALID-01 -------------------------------------------------------------------------------

CLOSED_INVALID = """valid: false
actions:
  - at: 2026-11-03 09:00:00+08:00
    action: 回复
    note: 向客户说明调查结果
  - at: 2026-11-05 09:00:00+08:00
    action: 结案
"""


@pytest.mark.keeps("C-VALID-01")
def test_valid_kept(repo):
    setup(repo)
    complaint(repo, CLOSED_INVALID, status="已结案", first_response=None)
    assert only(repo.analyse().findings, "C-VALID-01") == []


@pytest.mark.breaks("C-VALID-01")
def test_valid_no_reply(repo):
    setup(repo)
    rel = complaint(repo, "valid: false\n", status="已结案", first_response=None)
    got = only(repo.analyse().findings, "C-VALID-01")
    assert at(got, rel, line(repo, rel, "valid:"), "TS-20261102-001")


@pytest.mark.breaks("C-VALID-01")
def test_valid_reply_after_closing(repo):
    setup(repo)
    rel = complaint(repo, CLOSED_INVALID.replace("2026-11-03 09", "2026-11-06 09"), status="已结案",
                    first_response=None)
    got = only(repo.analyse().findings, "C-VALID-01")
    assert at(got, rel, line(repo, rel, "- at: 2026-11-06"), "TS-20261102-001")


# -- C-APPR-01 --------------------------------------------------------------------------------

APPROVED = """solution: 更换维修人员并上门道歉
approved_by: 王经理
actions:
  - at: 2026-11-03 09:00:00+08:00
    action: 批示
    by: 王经理
resolved: 2026-11-04 15:00:00+08:00
"""


@pytest.mark.keeps("C-APPR-01")
def test_appr_kept(repo):
    setup(repo)
    complaint(repo, APPROVED, status="已解决")
    assert only(repo.analyse().findings, "C-APPR-01") == []


@pytest.mark.breaks("C-APPR-01")
def test_appr_missing_approver(repo):
    setup(repo)
    rel = complaint(repo, APPROVED.replace("approved_by: 王经理\n", ""), status="已解决")
    got = only(repo.analyse().findings, "C-APPR-01")
    assert at(got, rel, line(repo, rel, "solution:"), "TS-20261102-001")


@pytest.mark.breaks("C-APPR-01")
def test_appr_instruction_after_implementation(repo):
    setup(repo)
    rel = complaint(repo, APPROVED.replace("2026-11-03 09", "2026-11-05 09"), status="已解决")
    got = only(repo.analyse().findings, "C-APPR-01")
    assert at(got, rel, line(repo, rel, "- at: 2026-11-05"), "TS-20261102-001")


# -- C-ESC-01 ---------------------------------------------------------------------------------

def esc_actions(first: str, second: str = "") -> str:
    text = f"""actions:
  - at: 2026-11-06 09:00:00+08:00
    action: {first}
    note: 报告客服经理
"""
    if second:
        text += f"""  - at: 2026-11-12 09:00:00+08:00
    action: 升级
    note: {second}
"""
    return text


@pytest.mark.keeps("C-ESC-01")
def test_esc_kept(repo):
    setup(repo)
    complaint(repo, esc_actions("升级", "上报事业部总经理"))
    visit(repo, "HF-20261105-001", "2026-11-05 10:00:00+08:00", "TS-20261102-001", "不太满意")
    visit(repo, "HF-20261110-001", "2026-11-10 10:00:00+08:00", "TS-20261102-001", "很不满意")
    assert only(repo.analyse().findings, "C-ESC-01") == []


@pytest.mark.breaks("C-ESC-01")
def test_esc_reply_instead_of_escalation(repo):
    setup(repo)
    rel = complaint(repo, esc_actions("回复"))
    visit(repo, "HF-20261105-001", "2026-11-05 10:00:00+08:00", "TS-20261102-001", "不太满意")
    got = only(repo.analyse().findings, "C-ESC-01")
    assert at(got, rel, line(repo, rel, "- at: 2026-11-06"), "TS-20261102-001")


@pytest.mark.breaks("C-ESC-01")
def test_esc_second_cycle_needs_business_unit(repo):
    setup(repo)
    rel = complaint(repo, esc_actions("升级", "再次报告客服经理"))
    visit(repo, "HF-20261105-001", "2026-11-05 10:00:00+08:00", "TS-20261102-001", "不太满意")
    visit(repo, "HF-20261110-001", "2026-11-10 10:00:00+08:00", "TS-20261102-001", "很不满意")
    got = only(repo.analyse().findings, "C-ESC-01")
    assert at(got, rel, line(repo, rel, "- at: 2026-11-12"), "TS-20261102-001")
    assert "第 2 次" in got[0].message


# -- C-DL-01 ----------------------------------------------------------------------------------

@pytest.mark.keeps("C-DL-01")
def test_dl_kept(repo):
    setup(repo)
    complaint(repo, """reply_by: 2026-11-10 18:00:00+08:00
actions:
  - at: 2026-11-09 09:00:00+08:00
    action: 回复
""", first_response=None)
    assert only(repo.analyse().findings, "C-DL-01") == []


@pytest.mark.breaks("C-DL-01")
def test_dl_no_deadline_told(repo):
    setup(repo)
    rel = complaint(repo)
    got = only(repo.analyse().findings, "C-DL-01")
    assert at(got, rel, line(repo, rel, "received:"), "TS-20261102-001")


@pytest.mark.breaks("C-DL-01")
def test_dl_deadline_both_sides(repo):
    setup(repo)
    rel = complaint(repo, "reply_by: 2026-11-10 18:00:00+08:00\n", first_response=None)
    before = repo.analyse(date(2026, 11, 9))  # the deadline's day counts as passed once it is the as-of day
    assert only(before.findings, "C-DL-01") == []
    assert [(o.rule, o.record, o.due) for o in before.outcome.open_items if o.rule == "C-DL-01"] == \
        [("C-DL-01", "TS-20261102-001", date(2026, 11, 10))]
    after = repo.analyse(date(2026, 11, 11))
    got = only(after.findings, "C-DL-01")
    assert at(got, rel, line(repo, rel, "reply_by:"), "TS-20261102-001")
    assert [(o.record, o.overdue) for o in after.outcome.open_items if o.rule == "C-DL-01"] == \
        [("TS-20261102-001", True)]  # an overdue duty stays on the due list


@pytest.mark.breaks("C-DL-01")
def test_dl_reply_late(repo):
    setup(repo)
    rel = complaint(repo, "reply_by: 2026-11-04 18:00:00+08:00\n", first_response="2026-11-05 09:00:00+08:00")
    got = only(repo.analyse().findings, "C-DL-01")
    assert at(got, rel, line(repo, rel, "first_response:"), "TS-20261102-001")


# -- C-REV-01 (across the 2026 National Day holiday) -----------------------------------------

def national_day(repo, revisit_day: str | None):
    setup(repo)
    rel = complaint(repo, "resolved: 2026-09-30 16:00:00+08:00\nreply_by: 2026-09-30 18:00:00+08:00\n",
                    id="TS-20260928-001", received="2026-09-28 10:00:00+08:00", status="已解决",
                    first_response="2026-09-28 10:30:00+08:00")
    if revisit_day:
        visit(repo, f"HF-{revisit_day.replace('-', '')}-001", f"{revisit_day} 10:00:00+08:00", "TS-20260928-001")
    return rel


LAST_DAY = Calendar().add_workdays(date(2026, 9, 30), 5)


def test_rev01_last_allowed_day_after_national_day():
    # Oct 1-7 off; Oct 8, 9, 10 (调休 Saturday), 12, 13 are the five working days.
    assert LAST_DAY == date(2026, 10, 13)


@pytest.mark.keeps("C-REV-01")
def test_rev01_revisit_on_last_day_kept(repo):
    national_day(repo, "2026-10-13")
    assert only(repo.analyse(date(2026, 10, 31)).findings, "C-REV-01") == []


@pytest.mark.breaks("C-REV-01")
def test_rev01_revisit_day_after_is_finding(repo):
    rel = national_day(repo, "2026-10-14")
    got = only(repo.analyse(date(2026, 10, 31)).findings, "C-REV-01")
    assert at(got, rel, line(repo, rel, "resolved:"), "TS-20260928-001")
    assert "2026-10-13" in got[0].threshold


@pytest.mark.breaks("C-REV-01")
def test_rev01_open_until_deadline(repo):
    rel = national_day(repo, None)
    before = repo.analyse(date(2026, 10, 13))
    assert only(before.findings, "C-REV-01") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "C-REV-01"] == \
        [("TS-20260928-001", date(2026, 10, 13))]
    after = repo.analyse(date(2026, 10, 14))
    assert at(only(after.findings, "C-REV-01"), rel, line(repo, rel, "resolved:"), "TS-20260928-001")


# -- C-REV-02 and C-CLOSE-01 ------------------------------------------------------------------

def closed(repo, category="服务过程"):
    text = BASE.format(id="TS-20261102-001", received="2026-11-02 10:00:00+08:00", status="已结案")
    return repo.add(text.replace("category: 服务过程", f"category: {category}")
                    + "first_response: 2026-11-02 10:30:00+08:00\nresolved: 2026-11-03 10:00:00+08:00\n")


@pytest.mark.keeps("C-REV-02")
def test_rev02_quality_two_revisits_kept(repo):
    setup(repo)
    closed(repo, "产品质量")
    visit(repo, "HF-20261104-001", "2026-11-04 10:00:00+08:00", "TS-20261102-001")
    visit(repo, "HF-20261110-001", "2026-11-10 10:00:00+08:00", "TS-20261102-001")
    assert only(repo.analyse().findings, "C-REV-02") == []


@pytest.mark.breaks("C-REV-02")
def test_rev02_quality_one_revisit(repo):
    setup(repo)
    rel = closed(repo, "产品质量")
    visit(repo, "HF-20261104-001", "2026-11-04 10:00:00+08:00", "TS-20261102-001")
    got = only(repo.analyse().findings, "C-REV-02")
    assert at(got, rel, line(repo, rel, "category:"), "TS-20261102-001")
    assert got[0].severity == "error"


@pytest.mark.keeps("C-REV-02")
def test_rev02_service_three_revisits_is_info(repo):
    setup(repo)
    rel = closed(repo)
    for d in ("04", "06", "09"):
        visit(repo, f"HF-202611{d}-001", f"2026-11-{d} 10:00:00+08:00", "TS-20261102-001")
    got = only(repo.analyse().findings, "C-REV-02")
    assert at(got, rel, line(repo, rel, "status:"), "TS-20261102-001") and got[0].severity == "info"


@pytest.mark.keeps("C-CLOSE-01")
def test_close_kept(repo):
    setup(repo)
    closed(repo)
    visit(repo, "HF-20261104-001", "2026-11-04 10:00:00+08:00", "TS-20261102-001", "非常满意")
    assert only(repo.analyse().findings, "C-CLOSE-01") == []


@pytest.mark.breaks("C-CLOSE-01")
def test_close_when_last_revisit_dissatisfied(repo):
    setup(repo)
    rel = closed(repo)
    visit(repo, "HF-20261104-001", "2026-11-04 10:00:00+08:00", "TS-20261102-001", "满意")
    visit(repo, "HF-20261105-001", "2026-11-05 10:00:00+08:00", "TS-20261102-001", "一般")
    got = only(repo.analyse().findings, "C-CLOSE-01")
    assert at(got, rel, line(repo, rel, "status:"), "TS-20261102-001")
    assert "HF-20261105-001" in got[0].message


# -- C-OFFH-01: VANKE-OLD vs VANKE-NEW --------------------------------------------------------

def friday_night(repo, first_response: str):
    setup(repo)
    # Friday 2026-11-06 21:00 is off hours; next work start Monday 2026-11-09 09:00.
    return complaint(repo, id="TS-20261106-001", received="2026-11-06 21:00:00+08:00",
                     first_response=first_response)


@pytest.mark.keeps("C-OFFH-01")
def test_offh_old_kept(repo):
    friday_night(repo, "2026-11-09 09:50:00+08:00")
    assert only(repo.analyse().findings, "C-OFFH-01") == []


@pytest.mark.breaks("C-OFFH-01")
def test_offh_old_late(repo):
    rel = friday_night(repo, "2026-11-09 10:30:00+08:00")
    got = only(repo.analyse().findings, "C-OFFH-01")
    assert at(got, rel, line(repo, rel, "first_response:"), "TS-20261106-001")
    assert "VANKE-OLD" in got[0].threshold


@pytest.mark.breaks("C-OFFH-01")
def test_offh_new_profile(repo):
    rel = friday_night(repo, "2026-11-09 09:50:00+08:00")
    repo.config("profile:\n  off_hours: VANKE-NEW\n")
    got = only(repo.analyse().findings, "C-OFFH-01")
    assert at(got, rel, line(repo, rel, "first_response:"), "TS-20261106-001")
    assert "VANKE-NEW" in got[0].threshold


@pytest.mark.keeps("C-OFFH-01")
def test_offh_new_kept(repo):
    friday_night(repo, "2026-11-06 22:30:00+08:00")
    repo.config("profile:\n  off_hours: VANKE-NEW\n")
    assert only(repo.analyse().findings, "C-OFFH-01") == []


@pytest.mark.breaks("C-OFFH-01")
def test_offh_open_item_before_deadline(repo):
    setup(repo)
    rel = complaint(repo, id="TS-20261106-001", received="2026-11-06 21:00:00+08:00", first_response=None)
    before = repo.analyse(date(2026, 11, 8))
    assert only(before.findings, "C-OFFH-01") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "C-OFFH-01"] == \
        [("TS-20261106-001", date(2026, 11, 9))]
    after = repo.analyse(date(2026, 11, 10))
    assert at(only(after.findings, "C-OFFH-01"), rel, line(repo, rel, "received:"), "TS-20261106-001")


@pytest.mark.keeps("C-OFFH-01")
def test_offh_work_hours_from_config_unquoted(repo):
    # YAML reads an unquoted 08:00 as 480 (minutes); the rule must still understand it.
    friday_night(repo, "2026-11-09 08:50:00+08:00")
    repo.config("thresholds:\n  work_start: 08:00\n")
    assert only(repo.analyse().findings, "C-OFFH-01") == []
    repo.config('thresholds:\n  work_start: "10:00"\n')
    assert only(repo.analyse().findings, "C-OFFH-01") == []


# -- patterns that must not fool the rules (issue: omission, order, failed attempts, population) --

def unreachable_visit(repo, id: str, when: str, related: str) -> str:
    return repo.add(f"""
id: {id}
date: {when}
method: 电话
purpose: 投诉回访
customer: CUST-0001
related: [{related}]
visitor: 李芳
reachable: false
contact_problem: 无人接听
content: 电话回访，无人接听
""")


@pytest.mark.breaks("C-APPR-01")
def test_appr_implemented_and_closed_without_a_plan_is_a_finding(repo):
    """Omission: no plan and no approver recorded must not pass C-APPR-01."""
    setup(repo)
    rel = closed(repo)
    got = only(repo.analyse().findings, "C-APPR-01")
    assert at(got, rel, line(repo, rel, "status:"), "TS-20261102-001") and "处理方案" in got[0].message


@pytest.mark.keeps("C-APPR-01")
def test_appr_an_enquiry_needs_no_plan(repo):
    setup(repo)
    repo.add(BASE.format(id="TS-20261102-001", received="2026-11-02 10:00:00+08:00", status="已结案")
             .replace("type: 投诉", "type: 咨询") + "resolved: 2026-11-02 11:00:00+08:00\n")
    assert only(repo.analyse().findings, "C-APPR-01") == []


@pytest.mark.keeps("C-CLOSE-01", "C-DL-01", "C-REV-01", "C-REV-02", "V-REP-01")
def test_rev01_an_enquiry_answered_on_the_spot_is_owed_no_revisit(repo):
    """Population: an enquiry (咨询) is not a complaint; no revisit duty, no deadline question."""
    setup(repo)
    repo.add(BASE.format(id="TS-20261102-001", received="2026-11-02 10:00:00+08:00", status="已结案")
             .replace("type: 投诉", "type: 咨询")
             + "first_response: 2026-11-02 10:05:00+08:00\nresolved: 2026-11-02 10:05:00+08:00\n")
    a = repo.analyse()
    for rid in ("C-REV-01", "C-REV-02", "C-CLOSE-01", "C-DL-01", "V-REP-01"):
        assert only(a.findings, rid) == [], rid
    assert [o for o in a.outcome.open_items if o.rule == "C-REV-01"] == []


@pytest.mark.keeps("C-DL-01")
def test_dl_an_enquiry_answered_the_same_day_needs_no_deadline(repo):
    setup(repo)
    repo.add(BASE.format(id="TS-20261102-001", received="2026-11-02 10:00:00+08:00", status="处理中")
             .replace("type: 投诉", "type: 咨询") + "first_response: 2026-11-02 16:00:00+08:00\n")
    assert only(repo.analyse().findings, "C-DL-01") == []


@pytest.mark.keeps("C-DL-01")
def test_dl_a_reply_logged_as_an_action_counts(repo):
    """The same fact recorded two ways: the earlier of 回复 and first_response is the answer."""
    setup(repo)
    complaint(repo, "reply_by: 2026-11-04 18:00:00+08:00\nactions:\n  - at: 2026-11-04 17:00:00+08:00\n"
                    "    action: 回复\n", first_response="2026-11-06 10:00:00+08:00")
    assert only(repo.analyse().findings, "C-DL-01") == []


@pytest.mark.breaks("C-REV-01")
def test_rev01_a_call_arranging_the_visit_or_a_failed_one_does_not_meet_the_duty(repo):
    """The first revisit that reached the customer WITH the survey meets it; earlier tries don't."""
    rel = national_day(repo, None)
    visit(repo, "HF-20261008-001", "2026-10-08 10:00:00+08:00", "TS-20260928-001", sat=None)  # arranges a visit
    unreachable_visit(repo, "HF-20261009-001", "2026-10-09 10:00:00+08:00", "TS-20260928-001")
    visit(repo, "HF-20261012-001", "2026-10-12 10:00:00+08:00", "TS-20260928-001", sat="满意", method="上门")
    assert only(repo.analyse(date(2026, 10, 31)).findings, "C-REV-01") == []
    (repo.root / "records/visits/2026/10/HF-20261012-001.yml").unlink()
    visit(repo, "HF-20261016-001", "2026-10-16 10:00:00+08:00", "TS-20260928-001", sat="满意")
    got = only(repo.analyse(date(2026, 10, 31)).findings, "C-REV-01")
    assert at(got, rel, line(repo, rel, "resolved:"), "TS-20260928-001")
    assert got[0].status == "done" and "HF-20261016-001" in got[0].message and "HF-20261009-001" in got[0].message


@pytest.mark.breaks("C-REV-01")
def test_rev01_resolved_without_a_time_is_a_finding(repo):
    setup(repo)
    rel = complaint(repo, status="已解决")
    got = only(repo.analyse().findings, "C-REV-01")
    assert at(got, rel, line(repo, rel, "status:"), "TS-20261102-001") and "resolved" in got[0].message


@pytest.mark.breaks("C-REV-02")
def test_rev02_failed_attempts_are_not_revisits(repo):
    setup(repo)
    rel = closed(repo, "产品质量")
    visit(repo, "HF-20261104-001", "2026-11-04 10:00:00+08:00", "TS-20261102-001")
    unreachable_visit(repo, "HF-20261106-001", "2026-11-06 10:00:00+08:00", "TS-20261102-001")
    got = only(repo.analyse().findings, "C-REV-02")
    assert at(got, rel, line(repo, rel, "category:"), "TS-20261102-001") and "1 次" in got[0].message


@pytest.mark.breaks("C-CLOSE-01")
def test_close_before_the_satisfaction_survey_is_a_finding(repo):
    """Judged on the state at closing: a satisfied survey afterwards does not repair it."""
    setup(repo)
    rel = repo.add(BASE.format(id="TS-20261102-001", received="2026-11-02 10:00:00+08:00", status="已结案")
                   + "resolved: 2026-11-03 10:00:00+08:00\nactions:\n  - at: 2026-11-03 12:00:00+08:00\n"
                     "    action: 结案\n")
    visit(repo, "HF-20261104-001", "2026-11-04 10:00:00+08:00", "TS-20261102-001", "满意")
    got = only(repo.analyse().findings, "C-CLOSE-01")
    assert at(got, rel, line(repo, rel, "action: 结案") - 1, "TS-20261102-001") and "没有回访满意度" in got[0].message


@pytest.mark.keeps("C-CLOSE-01", "C-REV-02")
def test_close_then_reopened_after_dissatisfaction_is_not_judged_closed(repo):
    setup(repo)
    repo.add(BASE.format(id="TS-20261102-001", received="2026-11-02 10:00:00+08:00", status="处理中")
             + "resolved: 2026-11-03 10:00:00+08:00\nactions:\n  - at: 2026-11-05 12:00:00+08:00\n"
               "    action: 结案\n  - at: 2026-11-08 09:00:00+08:00\n    action: 处理\n    note: 客户反映复发，重新处理\n")
    visit(repo, "HF-20261104-001", "2026-11-04 10:00:00+08:00", "TS-20261102-001", "满意")
    visit(repo, "HF-20261107-001", "2026-11-07 10:00:00+08:00", "TS-20261102-001", "很不满意")
    a = repo.analyse()
    assert only(a.findings, "C-CLOSE-01") == [] and only(a.findings, "C-REV-02") == []


@pytest.mark.breaks("C-CLOSE-01")
def test_close_reads_product_satisfaction_for_a_quality_complaint(repo):
    """The fact the clause names: a quality complaint is closed on the product verdict."""
    setup(repo)
    rel = closed(repo, "产品质量")
    for d in ("04", "06"):
        repo.add(f"""
id: HF-202611{d}-001
date: 2026-11-{d} 10:00:00+08:00
method: 电话
purpose: 投诉回访
customer: CUST-0001
related: [TS-20261102-001]
visitor: 李芳
content: 电话回访
satisfaction:
  service: 满意
  product: 不太满意
""")
    got = only(repo.analyse().findings, "C-CLOSE-01")
    assert at(got, rel, line(repo, rel, "status:"), "TS-20261102-001") and "不太满意" in got[0].message


@pytest.mark.keeps("C-ESC-01")
def test_esc_a_failed_attempt_is_not_the_next_step(repo):
    setup(repo)
    complaint(repo, esc_actions("升级").replace("2026-11-06 09", "2026-11-06 12"))
    visit(repo, "HF-20261105-001", "2026-11-05 10:00:00+08:00", "TS-20261102-001", "很不满意")
    unreachable_visit(repo, "HF-20261106-001", "2026-11-06 10:00:00+08:00", "TS-20261102-001")
    assert only(repo.analyse().findings, "C-ESC-01") == []
