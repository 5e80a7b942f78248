"""How and by whom visits are made, and the equipment ledger (generator/rules/conduct.py): each rule
kept and broken, asserting the rule, the record and the line."""

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
- name: 小陈
  role: 房管员
- name: 周主管
  role: 客服主管
- name: 王主任
  role: 客服主任
- name: 林经理
  role: 管理处负责人
- name: 赵敏
  role: 回访员、区域售后回访员
- name: 张师傅
  role: 维修工
"""
AS_OF = date(2026, 11, 20)


def line(repo, rel, needle):
    return next(i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1) if needle in t)


def where(findings):
    return [(f.record, f.line) for f in findings]


def visit(repo, rid="HF-20261105-001", when="2026-11-05 10:00", method="电话", purpose="投诉回访", visitor="小陈",
          customer="CUST-0001", extra=""):
    return repo.add(f"""
id: {rid}
date: {when}:00+08:00
method: {method}
purpose: {purpose}
customer: {customer}
visitor: {visitor}
content: 电话回访：了解情况
""" + extra)


# -- V-METH-01 --------------------------------------------------------------------------------

@pytest.mark.keeps("V-METH-01")
def test_meth01_phone_first_kept(repo):
    repo.add(CUSTOMER)
    visit(repo)
    visit(repo, "HF-20261106-001", method="邮件", extra="method_reason: 客户出差，只能邮件联系\n")
    assert only(repo.analyse(AS_OF).findings, "V-METH-01") == []


@pytest.mark.breaks("V-METH-01")
def test_meth01_online_without_a_reason(repo):
    repo.add(CUSTOMER)
    rel = visit(repo, method="在线")
    got = only(repo.analyse(AS_OF).findings, "V-METH-01")
    assert where(got) == [("HF-20261105-001", line(repo, rel, "method:"))]


# -- V-TIME-01 --------------------------------------------------------------------------------

QUIET = CUSTOMER + 'quiet_hours:\n  - "12:00-14:00"\n  - "21:00-08:00"\n'


@pytest.mark.keeps("V-TIME-01")
def test_time01_outside_quiet_hours_kept(repo):
    repo.add(QUIET)
    visit(repo, when="2026-11-05 10:00")
    visit(repo, "HF-20261106-001", when="2026-11-06 23:00", method="信函")  # a letter disturbs nobody
    assert only(repo.analyse(AS_OF).findings, "V-TIME-01") == []


@pytest.mark.breaks("V-TIME-01")
def test_time01_call_at_noon_and_at_night(repo):
    repo.add(QUIET)
    a = visit(repo, when="2026-11-05 12:30")
    b = visit(repo, "HF-20261106-001", when="2026-11-06 07:30", method="上门")
    got = only(repo.analyse(AS_OF).findings, "V-TIME-01")
    assert sorted(where(got)) == [("HF-20261105-001", line(repo, a, "date:")), ("HF-20261106-001", line(repo, b, "date:"))]


# -- V-ROLE-01 --------------------------------------------------------------------------------

@pytest.mark.keeps("V-ROLE-01")
def test_role01_authorised_roles_kept(repo):
    repo.write("staff.yml", STAFF)
    repo.add(CUSTOMER)
    visit(repo)
    repo.add("""
id: CUST-0002
name: 华电变电站
type: 企业
products:
  - model: KYN28-12
    shipped: 2026-05-01
""")
    visit(repo, "HF-20261106-001", purpose="投诉回访", visitor="赵敏", customer="CUST-0002")  # equipment business
    assert only(repo.analyse(AS_OF).findings, "V-ROLE-01") == []


@pytest.mark.breaks("V-ROLE-01")
def test_role01_wrong_role_unknown_person_and_profile(repo):
    repo.write("staff.yml", STAFF)
    repo.add(CUSTOMER)
    a = visit(repo, visitor="周主管")
    b = visit(repo, "HF-20261106-001", visitor="路人甲")
    got = only(repo.analyse(AS_OF).findings, "V-ROLE-01")
    assert sorted(where(got)) == [("HF-20261105-001", line(repo, a, "visitor:")),
                                  ("HF-20261106-001", line(repo, b, "visitor:"))]
    repo.config(SINCE + "profile:\n  visit_roles: ROLE-P3\n")
    repo.write("staff.yml", STAFF.replace("客服主管", "客户服务部主管"))
    got = only(repo.analyse(AS_OF).findings, "V-ROLE-01")
    assert sorted(r for r, _ in where(got)) == ["HF-20261106-001"]


@pytest.mark.keeps("V-ROLE-01")
def test_role01_without_staff_file_nothing_is_judged(repo):
    repo.add(CUSTOMER)
    visit(repo, visitor="路人甲")
    assert only(repo.analyse(AS_OF).findings, "V-ROLE-01") == []


# -- V-REV-02 ---------------------------------------------------------------------------------

REVIEW = "review:\n  by: 王主任\n  date: 2026-11-06\n  comment: 已检查\n"
SIGNOFF = "signoff:\n  by: 林经理\n  date: 2026-11-07\n  comment: 同意\n"


@pytest.mark.keeps("V-REV-02")
def test_rev02_inspected_and_signed_kept(repo):
    repo.write("staff.yml", STAFF)
    repo.config(SINCE + "profile:\n  review: REV-P3\n")
    repo.add(CUSTOMER)
    visit(repo, extra=REVIEW + SIGNOFF)
    assert only(repo.analyse(AS_OF).findings, "V-REV-02") == []


@pytest.mark.breaks("V-REV-02")
def test_rev02_no_signoff_and_wrong_inspector(repo):
    repo.write("staff.yml", STAFF)
    repo.config(SINCE + "profile:\n  review: REV-P3\n")
    repo.add(CUSTOMER)
    rel = visit(repo, extra=REVIEW)
    got = only(repo.analyse(AS_OF).findings, "V-REV-02")
    assert where(got) == [("HF-20261105-001", line(repo, rel, "review:"))] and got[0].status == "overdue"
    rel = visit(repo, extra=REVIEW.replace("王主任", "周主管") + SIGNOFF)
    got = only(repo.analyse(AS_OF).findings, "V-REV-02")
    assert where(got) == [("HF-20261105-001", line(repo, rel, "by: 周主管"))]


@pytest.mark.keeps("V-REV-02")
def test_rev02_p3_applies_to_complaint_revisits_only(repo):
    """000 P3 §2 is the complaint-revisit regulation: a routine visit or a repair callback owes no sign-off."""
    repo.write("staff.yml", STAFF)
    repo.config(SINCE + "profile:\n  review: REV-P3\n")
    repo.add(CUSTOMER)
    visit(repo, purpose="例行回访")
    visit(repo, "HF-20261106-001", "2026-11-06 10:00", purpose="质保期回访")
    assert only(repo.analyse(AS_OF).findings, "V-REV-02") == []


@pytest.mark.breaks("V-REV-02")
@pytest.mark.keeps("V-REV-02")
def test_rev02_p4_applies_to_estate_officers_visits(repo):
    """000 P4 Art.3(3): the office affairs assistant inspects and signs the 房管员's visits — not the
    repair supervisor's; a visitor staff.yml does not name is held to it."""
    repo.write("staff.yml", STAFF + "- name: 钱主管\n  role: 维修主管\n- name: 孙助理\n  role: 办公室事务助理\n")
    repo.config(SINCE + "profile:\n  review: REV-P4\n")
    repo.add(CUSTOMER)
    visit(repo, "HF-20261104-001", "2026-11-04 10:00", visitor="钱主管", purpose="维修回访")
    assert only(repo.analyse(AS_OF).findings, "V-REV-02") == []
    officer = visit(repo, visitor="小陈", extra=REVIEW.replace("王主任", "孙助理"))
    assert only(repo.analyse(AS_OF).findings, "V-REV-02") == []
    stranger = visit(repo, "HF-20261106-001", "2026-11-06 10:00", visitor="某某")
    wrong = visit(repo, "HF-20261107-001", "2026-11-07 10:00", visitor="小陈", extra=REVIEW)
    got = only(repo.analyse(AS_OF).findings, "V-REV-02")
    assert sorted((f.file,) + w for f, w in zip(got, where(got))) == [
        (stranger, "HF-20261106-001", line(repo, stranger, "visitor:")),
        (wrong, "HF-20261107-001", line(repo, wrong, "by: 王主任"))]
    assert officer not in {f.file for f in got}


@pytest.mark.keeps("V-REV-02")
def test_rev02_rev_p1_asks_nothing_more(repo):
    repo.add(CUSTOMER)
    visit(repo)
    assert only(repo.analyse(AS_OF).findings, "V-REV-02") == []


# -- E-FB-02 ----------------------------------------------------------------------------------

@pytest.mark.keeps("E-FB-02")
def test_fb02_onsite_after_failed_phone_kept(repo):
    repo.add(CUSTOMER)
    visit(repo, extra="phone_solved: false\n")
    visit(repo, "HF-20261109-001", when="2026-11-09 10:00", method="上门",
          extra="related: [HF-20261105-001]\nsignature: 已签名\n")
    assert only(repo.analyse(AS_OF).findings, "E-FB-02") == []


@pytest.mark.breaks("E-FB-02")
def test_fb02_an_unrelated_or_failed_onsite_visit_is_no_answer(repo):
    """Regression: any later on-site visit to the customer — even nobody home — met the duty."""
    repo.add(CUSTOMER)
    rel = visit(repo, extra="phone_solved: false\n")
    visit(repo, "HF-20261106-001", when="2026-11-06 10:00", method="上门", purpose="例行回访",
          extra="signature: 已签名\n")
    visit(repo, "HF-20261109-001", when="2026-11-09 10:00", method="上门",
          extra="related: [HF-20261105-001]\nreachable: false\ncontact_problem: 无人在家\n")
    got = only(repo.analyse(AS_OF).findings, "E-FB-02")
    assert where(got) == [("HF-20261105-001", line(repo, rel, "phone_solved:"))] and got[0].status == "overdue"
    assert "HF-20261109-001" in got[0].message and "无人在家" in got[0].message


@pytest.mark.breaks("E-FB-02")
def test_fb02_no_onsite_visit(repo):
    repo.add(CUSTOMER)
    rel = visit(repo, extra="phone_solved: false\n")
    a = repo.analyse(date(2026, 11, 6))
    assert only(a.findings, "E-FB-02") == [] and [o.due for o in a.open_items if o.rule == "E-FB-02"] == [date(2026, 11, 12)]
    got = only(repo.analyse(AS_OF).findings, "E-FB-02")
    assert where(got) == [("HF-20261105-001", line(repo, rel, "phone_solved:"))] and got[0].status == "overdue"


# -- E-LEDGER-01 ------------------------------------------------------------------------------

LEDGER = """
id: CUST-0002
name: 华电变电站
type: 企业
products:
  - model: KYN28-12
    quantity: 4
    shipped: 2026-05-01
    project: 华电 10kV 改造工程
    power_contact:
      name: 刘工
      phone: "13800000001"
    substation_contact:
      name: 张工
      phone: "13800000002"
  - model: XL-21
    supporting: true
"""


@pytest.mark.keeps("E-LEDGER-01")
def test_ledger01_complete_kept(repo):
    repo.add(LEDGER)
    assert only(repo.analyse(AS_OF).findings, "E-LEDGER-01") == []


@pytest.mark.breaks("E-LEDGER-01")
def test_ledger01_missing_project_and_contact(repo):
    rel = repo.add(LEDGER.replace("    project: 华电 10kV 改造工程\n", "").replace('      phone: "13800000002"\n', ""))
    got = only(repo.analyse(AS_OF).findings, "E-LEDGER-01")
    assert where(got) == [("CUST-0002", line(repo, rel, "- model: KYN28-12"))]
    assert "工程名称" in got[0].message and "变电站联系人" in got[0].message
