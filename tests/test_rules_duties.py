"""Plans, recurring duties and periodic reports (generator/rules/duties.py): each rule kept and broken,
asserting the rule, the record (or the period for a period finding) and the line."""

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
- name: 周主管
  role: 客服主管
- name: 小陈
  role: 房管员
- name: 沈工
  role: 技术服务人员
- name: 顾工
  role: 技术服务人员
"""


def line(repo, rel, needle, nth=1):
    hits = [i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1) if needle in t]
    return hits[nth - 1]


def where(findings):
    return [(f.record, f.line) for f in findings]


def since(repo, day="2026-11-01", extra=""):
    repo.config(f'thresholds:\n  facts_since: "{day}"\n{extra}')


def visit(repo, rid, when, purpose="例行回访", customer="CUST-0001", method="上门", related="", extra=""):
    rel = f"\nrelated: [{related}]" if related else ""
    return repo.add(f"""
id: {rid}
date: {when}:00+08:00
method: {method}
purpose: {purpose}
customer: {customer}{rel}
visitor: 小陈
content: 电话回访：了解情况
satisfaction:
  product: 满意
  service: 满意
signature: 已签名
""" + extra)


def report(repo, rid, type_, period, when, extra="", by="小陈"):
    return repo.add(f"""
id: {rid}
type: {type_}
period: "{period}"
date: {when}:00+08:00
by: {by}
content: 本期情况汇总
""" + extra)


def duty(repo, rid, type_, when, extra=""):
    return repo.add(f"""
id: {rid}
type: {type_}
date: {when}:00+08:00
by: 小王
""" + extra)


# -- V-PLAN-01 ----------------------------------------------------------------------------------

PLAN = """
id: JH-20261028-001
type: 回访名单
date: {made}
period: 2026-11
entries:
  - customer: CUST-0001
    planned: 2026-11-05
    method: 上门
    topics: 使用情况和意见{extra}
"""


@pytest.mark.keeps("V-PLAN-01")
def test_plan01_listed_visit_kept(repo):
    repo.add(CUSTOMER)
    repo.add(PLAN.format(made="2026-10-28", extra=""))
    visit(repo, "HF-20261105-001", "2026-11-05 10:00")
    assert only(repo.analyse().findings, "V-PLAN-01") == []


@pytest.mark.breaks("V-PLAN-01")
def test_plan01_visit_not_on_a_list_made_before_it(repo):
    repo.add(CUSTOMER)
    repo.add(PLAN.format(made="2026-11-06", extra=""))  # made after the visit
    rel = visit(repo, "HF-20261105-001", "2026-11-05 10:00")
    got = only(repo.analyse().findings, "V-PLAN-01")
    assert where(got) == [("HF-20261105-001", line(repo, rel, "purpose:"))]
    assert "不在回访前制订的回访名单里" in got[0].message


@pytest.mark.breaks("V-PLAN-01")
def test_plan01_entry_without_topics(repo):
    repo.add(CUSTOMER)
    rel = repo.add(PLAN.format(made="2026-10-28", extra="").replace("    topics: 使用情况和意见\n", ""))
    visit(repo, "HF-20261105-001", "2026-11-05 10:00")
    got = only(repo.analyse().findings, "V-PLAN-01")
    assert where(got) == [("JH-20261028-001", line(repo, rel, "- customer:"))]
    assert "回访问题与内容" in got[0].message


@pytest.mark.keeps("V-PLAN-01")
def test_plan01_callbacks_need_no_list(repo):
    repo.add(CUSTOMER)
    visit(repo, "HF-20261105-001", "2026-11-05 10:00", purpose="投诉回访")
    assert only(repo.analyse().findings, "V-PLAN-01") == []


# -- E-PLAN-01 ----------------------------------------------------------------------------------

EQUIPMENT = """
id: CUST-0002
name: 华电变电站
class: A
type: 企业
products:
  - model: KYN28-12
    quantity: 4
    shipped: 2026-05-01
    energized: 2026-06-10
"""
EQ_PLAN = """
id: JH-20261101-001
type: 设备回访计划
date: 2026-11-01
period: "2026"
entries:
  - customer: CUST-0002
    purpose: 质保期回访
    planned: 2026-12-12
"""


@pytest.mark.keeps("E-PLAN-01")
def test_eplan01_planned_kept(repo):
    repo.add(EQUIPMENT)
    repo.add(EQ_PLAN)
    since(repo)
    assert only(repo.analyse(date(2026, 11, 20)).findings, "E-PLAN-01") == []


@pytest.mark.breaks("E-PLAN-01")
def test_eplan01_unplanned_milestone_is_a_todo_then_a_finding(repo):
    rel = repo.add(EQUIPMENT)
    since(repo)
    a = repo.analyse(date(2026, 11, 20))
    assert only(a.findings, "E-PLAN-01") == []
    assert [(o.record, o.due) for o in a.open_items if o.rule == "E-PLAN-01"] == [("CUST-0002", date(2026, 12, 10))]
    got = only(repo.analyse(date(2026, 12, 11)).findings, "E-PLAN-01")
    assert where(got) == [("CUST-0002", line(repo, rel, "- model:"))] and got[0].status == "overdue"


# -- V-RPT-01 / V-WEEK-01 -------------------------------------------------------------------------

@pytest.mark.keeps("V-RPT-01")
def test_rpt01_weekly_report_kept(repo):
    repo.add(CUSTOMER)
    since(repo)
    visit(repo, "HF-20261103-001", "2026-11-03 10:00", purpose="投诉回访")
    report(repo, "BG-20261109-001", "回访周报", "2026-W45", "2026-11-09 09:00", "submitted_to: 周主管\n")
    assert only(repo.analyse(date(2026, 11, 20)).findings, "V-RPT-01") == []


@pytest.mark.breaks("V-RPT-01")
def test_rpt01_missing_week_and_late_week(repo):
    repo.add(CUSTOMER)
    since(repo)
    visit(repo, "HF-20261103-001", "2026-11-03 10:00", purpose="投诉回访")
    visit(repo, "HF-20261110-001", "2026-11-10 10:00", purpose="投诉回访")
    rel = report(repo, "BG-20261118-001", "回访周报", "2026-W46", "2026-11-18 09:00", "submitted_to: 周主管\n")
    got = only(repo.analyse(date(2026, 11, 20)).findings, "V-RPT-01")
    missing = [f for f in got if f.record is None]
    late = [f for f in got if f.record]
    assert where(missing) == [(None, None)] and missing[0].period == "2026-W45" and missing[0].status == "overdue"
    assert where(late) == [("BG-20261118-001", line(repo, rel, "date:"))] and late[0].status == "done"


@pytest.mark.keeps("V-RPT-01")
def test_rpt01_running_week_is_a_todo(repo):
    repo.add(CUSTOMER)
    since(repo)
    visit(repo, "HF-20261117-001", "2026-11-17 10:00", purpose="投诉回访")
    a = repo.analyse(date(2026, 11, 20))
    assert only(a.findings, "V-RPT-01") == []
    assert [o.due for o in a.open_items if o.rule == "V-RPT-01"] == [date(2026, 11, 23)]


def test_period_todos_say_who_must_act(repo):
    """A period duty no record shows yet names the role its clause makes responsible, with its holders."""
    repo.add(CUSTOMER)
    repo.write("staff.yml", STAFF)
    since(repo)
    visit(repo, "HF-20261117-001", "2026-11-17 10:00", purpose="投诉回访")
    a = repo.analyse(date(2026, 11, 20))
    who = {o.rule: o.responsible for o in a.open_items if not o.record}
    assert who["V-RPT-01"] == "回访人员" and who["P-WEEK-01"] == "技术服务人员（沈工、顾工）"
    assert who["P-MAIL-01"] == "客服助理" and None not in who.values()


@pytest.mark.keeps("V-WEEK-01")
def test_week01_submitted_to_a_supervisor_kept(repo):
    repo.write("staff.yml", STAFF)
    since(repo)
    report(repo, "BG-20261109-001", "回访周报", "2026-W45", "2026-11-09 09:00", "submitted_to: 周主管\n")
    assert only(repo.analyse(date(2026, 11, 20)).findings, "V-WEEK-01") == []


@pytest.mark.breaks("V-WEEK-01")
def test_week01_no_recipient_or_not_a_supervisor(repo):
    repo.write("staff.yml", STAFF)
    since(repo)
    a = report(repo, "BG-20261109-001", "回访周报", "2026-W45", "2026-11-09 09:00")
    b = report(repo, "BG-20261116-001", "回访周报", "2026-W46", "2026-11-16 09:00", "submitted_to: 小陈\n")
    got = only(repo.analyse(date(2026, 11, 20)).findings, "V-WEEK-01")
    assert sorted(where(got)) == [("BG-20261109-001", line(repo, a, "by:")),
                                  ("BG-20261116-001", line(repo, b, "submitted_to:"))]


# -- W-CB-04, W-HQ-01, W-HQ-03, W-MON-01 ----------------------------------------------------------

ORDER = """
id: {id}
customer: CUST-0001
type: 维修
completed: {done}:00+08:00
technician: 张师傅
region: 城东
category: 空调
charge: 0
"""


def callback(repo, oid="WO-20261102-001", vid="HF-20261103-001", when="2026-11-03 10:00", done="2026-11-02 16:00",
             extra=""):
    repo.add(ORDER.format(id=oid, done=done))
    return visit(repo, vid, when, purpose="维修回访", method="电话", related=oid, extra=extra)


@pytest.mark.keeps("W-CB-04")
def test_cb04_daily_report_kept(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo)
    report(repo, "BG-20261103-001", "回访日报", "2026-11-03", "2026-11-03 18:00", "region: 城东\ncount: 1\n")
    assert only(repo.analyse(date(2026, 11, 20)).findings, "W-CB-04") == []


@pytest.mark.breaks("W-CB-04")
def test_cb04_missing_day_and_wrong_count(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo)
    callback(repo, "WO-20261104-001", "HF-20261105-001", "2026-11-05 10:00", "2026-11-04 16:00")
    rel = report(repo, "BG-20261105-001", "回访日报", "2026-11-05", "2026-11-05 18:00", "region: 城东\ncount: 3\n")
    got = only(repo.analyse(date(2026, 11, 20)).findings, "W-CB-04")
    assert sorted(where(got), key=str) == sorted([(None, None), ("BG-20261105-001", line(repo, rel, "count:"))], key=str)
    assert next(f for f in got if f.record is None).period == "2026-11-03"


@pytest.mark.keeps("W-HQ-01")
def test_hq01_every_region_sampled_kept(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo)
    report(repo, "BG-20261109-001", "总部抽访周报", "2026-W45", "2026-11-09 16:00",
           "regions:\n  - region: 城东\n    sampled: 1\n")
    assert only(repo.analyse(date(2026, 11, 20)).findings, "W-HQ-01") == []


@pytest.mark.breaks("W-HQ-01")
def test_hq01_region_not_sampled(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo)
    rel = report(repo, "BG-20261109-001", "总部抽访周报", "2026-W45", "2026-11-09 16:00",
                 "regions:\n  - region: 城西\n    sampled: 2\n")
    got = only(repo.analyse(date(2026, 11, 20)).findings, "W-HQ-01")
    assert where(got) == [("BG-20261109-001", line(repo, rel, "regions:"))] and "城东" in got[0].message


@pytest.mark.breaks("W-HQ-01")
def test_hq01_missing_weekly_report(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo)
    got = only(repo.analyse(date(2026, 11, 20)).findings, "W-HQ-01")
    assert where(got) == [(None, None)] and got[0].period == "2026-W45"


@pytest.mark.keeps("W-HQ-03")
def test_hq03_exception_notified_and_posted_kept(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo, extra="result: 不满意\n")
    report(repo, "BG-20261106-001", "总部通报", "2026-W45", "2026-11-06 17:00",
           "records: [HF-20261103-001]\nposted:\n  - region: 城东\n    date: 2026-11-07\n")
    assert only(repo.analyse(date(2026, 11, 20)).findings, "W-HQ-03") == []


@pytest.mark.breaks("W-HQ-03")
def test_hq03_exception_never_notified(repo):
    repo.add(CUSTOMER)
    since(repo)
    rel = callback(repo, extra="result: 不满意\n")
    a = repo.analyse(date(2026, 11, 6))
    assert only(a.findings, "W-HQ-03") == [] and [o.record for o in a.open_items if o.rule == "W-HQ-03"] == ["HF-20261103-001"]
    got = only(repo.analyse(date(2026, 11, 20)).findings, "W-HQ-03")
    assert where(got) == [("HF-20261103-001", line(repo, rel, "result:"))]


@pytest.mark.breaks("W-HQ-03")
def test_hq03_notice_not_posted(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo, extra="result: 不属实\n")
    rel = report(repo, "BG-20261106-001", "总部通报", "2026-W45", "2026-11-06 17:00", "records: [HF-20261103-001]\n")
    got = only(repo.analyse(date(2026, 11, 20)).findings, "W-HQ-03")
    assert where(got) == [("BG-20261106-001", line(repo, rel, "records:"))] and "城东" in got[0].message


@pytest.mark.keeps("W-MON-01")
def test_mon01_monthly_report_with_action_for_weak_region_kept(repo):
    repo.add(CUSTOMER)
    since(repo)
    callback(repo, extra="result: 不满意\n")
    report(repo, "BG-20261203-001", "月度回访报告", "2026-11", "2026-12-02 10:00",
           "measures:\n  - text: 城东维修班回访前自检\n    region: 城东\n")
    assert only(repo.analyse(date(2026, 12, 20)).findings, "W-MON-01") == []


@pytest.mark.breaks("W-MON-01")
def test_mon01_weak_region_without_action_and_missing_month(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-10-01")
    repo.add(ORDER.format(id="WO-20261010-001", done="2026-10-10 10:00"))  # never called back
    callback(repo, extra="result: 不满意\n")
    rel = report(repo, "BG-20261203-001", "月度回访报告", "2026-11", "2026-12-02 10:00")
    got = only(repo.analyse(date(2026, 12, 20)).findings, "W-MON-01")
    assert sorted(where(got), key=str) == sorted([(None, None), ("BG-20261203-001", line(repo, rel, "content:"))], key=str)
    assert next(f for f in got if f.record is None).period == "2026-10"


# -- E-FEED-01, E-CAPA-01 -------------------------------------------------------------------------

@pytest.mark.keeps("E-FEED-01")
def test_feed01_both_feeds_on_friday_kept(repo):
    repo.add(EQUIPMENT)
    since(repo, "2026-11-09")
    duty(repo, "GZ-20261113-001", "台帐报送", "2026-11-13 16:00", "feed: 发货和合同\n")
    duty(repo, "GZ-20261113-002", "台帐报送", "2026-11-13 16:30", "feed: 安装调试和送电\n")
    assert only(repo.analyse(date(2026, 11, 15)).findings, "E-FEED-01") == []


@pytest.mark.breaks("E-FEED-01")
def test_feed01_late_and_missing_feed(repo):
    repo.add(EQUIPMENT)
    since(repo, "2026-11-09")
    rel = duty(repo, "GZ-20261114-001", "台帐报送", "2026-11-14 10:00", "feed: 发货和合同\n")
    got = only(repo.analyse(date(2026, 11, 15)).findings, "E-FEED-01")
    assert sorted(where(got), key=str) == sorted([("GZ-20261114-001", line(repo, rel, "date:")), (None, None)], key=str)
    assert next(f for f in got if f.record is None).period == "2026-W46"


@pytest.mark.keeps("E-FEED-01")
def test_feed01_no_ledger_no_feeds(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-11-09")
    assert only(repo.analyse(date(2026, 11, 15)).findings, "E-FEED-01") == []


CAPA = """reviews:
  - section: 产品质量
    by: 黄经理
    department: 售后服务部
    date: 2026-11-27
    decision: 不需要措施
  - section: 服务质量
    by: 唐敏
    department: {dept}
    date: 2026-11-27
    decision: 采取纠正措施
  - section: 建议和需求
    by: 唐敏
    department: 品质部
    date: 2026-11-27
    decision: 并入服务质量
measures:
  - text: 交货周期每周通报
    due: 2026-12-10{verified}
"""


@pytest.mark.keeps("E-CAPA-01")
def test_capa01_reviewed_and_verified_kept(repo):
    repo.add(EQUIPMENT)
    since(repo)
    visit(repo, "HF-20261110-001", "2026-11-10 10:00", purpose="质保期回访", customer="CUST-0002")
    report(repo, "BG-20261125-001", "满意度测量报告", "2026-11", "2026-11-25 17:00",
           CAPA.format(dept="品质部", verified="\n    verified_by: 吴主管\n    verified: 2026-12-08"))
    assert only(repo.analyse(date(2026, 12, 20)).findings, "E-CAPA-01") == []


@pytest.mark.breaks("E-CAPA-01")
def test_capa01_wrong_reviewer_and_unverified_action(repo):
    repo.add(EQUIPMENT)
    since(repo)
    visit(repo, "HF-20261110-001", "2026-11-10 10:00", purpose="质保期回访", customer="CUST-0002")
    rel = report(repo, "BG-20261125-001", "满意度测量报告", "2026-11", "2026-11-25 17:00",
                 CAPA.format(dept="客服中心", verified=""))
    got = only(repo.analyse(date(2026, 12, 20)).findings, "E-CAPA-01")
    assert sorted(where(got)) == [("BG-20261125-001", line(repo, rel, "- section: 服务质量")),
                                  ("BG-20261125-001", line(repo, rel, "- text:"))]


@pytest.mark.breaks("E-CAPA-01")
def test_capa01_missing_report(repo):
    repo.add(EQUIPMENT)
    since(repo)
    visit(repo, "HF-20261110-001", "2026-11-10 10:00", purpose="质保期回访", customer="CUST-0002")
    got = only(repo.analyse(date(2026, 12, 20)).findings, "E-CAPA-01")
    assert where(got) == [(None, None)] and got[0].period == "2026-11"


# -- P-PROJ-01, D-VISIT-01 -------------------------------------------------------------------------

PROJECT = CUSTOMER + "projects:\n  - name: 新厂区配电工程\n    {key}: {day}\n"


@pytest.mark.keeps("P-PROJ-01")
def test_proj01_monthly_phone_calls_kept(repo):
    repo.add(PROJECT.format(key="delivered", day="2026-09-10"))
    visit(repo, "HF-20260920-001", "2026-09-20 10:00", method="电话")
    visit(repo, "HF-20261015-001", "2026-10-15 10:00", method="电话")
    a = repo.analyse(date(2026, 11, 12))
    assert only(a.findings, "P-PROJ-01") == []
    assert [o.due for o in a.open_items if o.rule == "P-PROJ-01"] == [date(2026, 12, 9)]


@pytest.mark.breaks("P-PROJ-01")
def test_proj01_month_without_a_phone_call(repo):
    rel = repo.add(PROJECT.format(key="delivered", day="2026-09-10"))
    visit(repo, "HF-20260920-001", "2026-09-20 10:00", method="上门")
    got = only(repo.analyse(date(2026, 10, 20)).findings, "P-PROJ-01")
    assert where(got) == [("CUST-0001", line(repo, rel, "- name:"))] and "2026-09-10 至 2026-10-09" in got[0].message


@pytest.mark.breaks("P-PROJ-01")
def test_proj01_quarterly_after_the_first_year(repo):
    rel = repo.add(PROJECT.format(key="delivered", day="2025-01-15"))
    for m in range(1, 13):
        visit(repo, f"HF-2025{m:02d}20-001", f"2025-{m:02d}-20 10:00", method="电话")
    visit(repo, "HF-20260301-001", "2026-03-01 10:00", method="电话")
    got = only(repo.analyse(date(2026, 7, 20)).findings, "P-PROJ-01")
    assert where(got) == [("CUST-0001", line(repo, rel, "- name:"))] and "2026-04-15 至 2026-07-14" in got[0].message


@pytest.mark.keeps("D-VISIT-01")
def test_dvisit01_visit_in_window_kept(repo):
    repo.add(PROJECT.format(key="accepted", day="2026-06-10"))
    visit(repo, "HF-20260915-001", "2026-09-15 10:00")
    assert only(repo.analyse(date(2026, 11, 1)).findings, "D-VISIT-01") == []


@pytest.mark.breaks("D-VISIT-01")
def test_dvisit01_no_visit_then_late_visit(repo):
    rel = repo.add(PROJECT.format(key="accepted", day="2026-06-10"))
    got = only(repo.analyse(date(2026, 10, 20)).findings, "D-VISIT-01")
    assert where(got) == [("CUST-0001", line(repo, rel, "accepted:"))] and got[0].status == "overdue"
    visit(repo, "HF-20261015-001", "2026-10-15 10:00")
    got = only(repo.analyse(date(2026, 10, 20)).findings, "D-VISIT-01")
    assert where(got) == [("CUST-0001", line(repo, rel, "accepted:"))] and got[0].status == "done"


# -- P-HOL-01, P-YEAR-01 ----------------------------------------------------------------------------

GREETING = """festival: 国庆节
contacts:
  - customer: CUST-0001
    method: 电话
"""


@pytest.mark.keeps("P-HOL-01")
def test_hol01_owner_greeted_kept(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-09-01", '  festivals: "国庆节"\n')
    duty(repo, "GZ-20260930-001", "节日问候", "2026-09-30 10:00", GREETING)
    assert only(repo.analyse(date(2026, 11, 1)).findings, "P-HOL-01") == []


@pytest.mark.breaks("P-HOL-01")
def test_hol01_owner_not_greeted(repo):
    rel = repo.add(CUSTOMER)
    since(repo, "2026-09-01", '  festivals: "国庆节"\n')
    duty(repo, "GZ-20260910-001", "节日问候", "2026-09-10 10:00", GREETING)  # too early for the window
    got = only(repo.analyse(date(2026, 11, 1)).findings, "P-HOL-01")
    assert where(got) == [("CUST-0001", line(repo, rel, "name:"))] and "国庆节" in got[0].message


@pytest.mark.keeps("P-HOL-01")
def test_hol01_without_configured_festivals_nothing_is_asked(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-09-01")
    assert only(repo.analyse(date(2026, 11, 1)).findings, "P-HOL-01") == []


CLIENT = """
id: CUST-0003
name: 钱塘新材料
class: B
type: 企业
phone: "13305716290"
"""


@pytest.mark.keeps("P-YEAR-01")
def test_year01_december_contact_with_needs_kept(repo):
    repo.add(CLIENT)
    since(repo, "2026-09-01")
    duty(repo, "GZ-20261215-001", "年末联系", "2026-12-15 10:00",
         "contacts:\n  - customer: CUST-0003\n    note: 明年新增两台箱变\n")
    assert only(repo.analyse(date(2027, 1, 5)).findings, "P-YEAR-01") == []


@pytest.mark.breaks("P-YEAR-01")
def test_year01_not_contacted_and_contact_without_needs(repo):
    rel = repo.add(CLIENT)
    since(repo, "2026-09-01")
    a = repo.analyse(date(2026, 12, 10))
    assert only(a.findings, "P-YEAR-01") == [] and [o.due for o in a.open_items if o.rule == "P-YEAR-01"] == [date(2026, 12, 31)]
    got = only(repo.analyse(date(2027, 1, 5)).findings, "P-YEAR-01")
    assert where(got) == [("CUST-0003", line(repo, rel, "name:"))]
    d = duty(repo, "GZ-20261215-001", "年末联系", "2026-12-15 10:00", "contacts:\n  - customer: CUST-0003\n")
    got = only(repo.analyse(date(2027, 1, 5)).findings, "P-YEAR-01")
    assert where(got) == [("GZ-20261215-001", line(repo, d, "- customer:"))]


# -- P-RECEP-01, P-MAIL-01, P-OC-01 ------------------------------------------------------------------

@pytest.mark.keeps("P-RECEP-01")
def test_recep01_weekend_reception_with_notice_kept(repo):
    repo.add(CUSTOMER)
    since(repo)
    duty(repo, "GZ-20261121-001", "经理接待日", "2026-11-21 09:00",
         "notice: 2026-11-12 17:00:00+08:00\ncontent: 接待业主 8 户\n")
    assert only(repo.analyse(date(2026, 12, 2)).findings, "P-RECEP-01") == []


@pytest.mark.breaks("P-RECEP-01")
def test_recep01_workday_short_notice_and_missing_month(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-10-01")
    rel = duty(repo, "GZ-20261118-001", "经理接待日", "2026-11-18 09:00",
               "notice: 2026-11-15 17:00:00+08:00\ncontent: 接待业主 3 户\n")
    got = only(repo.analyse(date(2026, 12, 2)).findings, "P-RECEP-01")
    assert sorted(where(got), key=str) == sorted([("GZ-20261118-001", line(repo, rel, "date:")),
                                                  ("GZ-20261118-001", line(repo, rel, "notice:")), (None, None)], key=str)
    assert next(f for f in got if f.record is None).period == "2026-10"


@pytest.mark.keeps("P-MAIL-01")
def test_mail01_weekly_openings_kept(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-11-09")
    duty(repo, "GZ-20261109-001", "信箱开启", "2026-11-09 09:00", "letters: 0\n")
    duty(repo, "GZ-20261116-001", "信箱开启", "2026-11-16 09:00", "letters: 0\n")
    assert only(repo.analyse(date(2026, 11, 22)).findings, "P-MAIL-01") == []


@pytest.mark.breaks("P-MAIL-01")
def test_mail01_missed_week_and_letter_not_registered(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-11-09")
    rel = duty(repo, "GZ-20261116-001", "信箱开启", "2026-11-16 09:00", "letters: 1\n")
    got = only(repo.analyse(date(2026, 11, 22)).findings, "P-MAIL-01")
    assert sorted(where(got), key=str) == sorted([(None, None), ("GZ-20261116-001", line(repo, rel, "letters:"))], key=str)


@pytest.mark.keeps("P-OC-01")
def test_oc01_two_symposiums_kept(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-01-01")
    for rid, day in (("GZ-20260418-001", "2026-04-18 14:00"), ("GZ-20261024-001", "2026-10-24 14:00")):
        duty(repo, rid, "业委会座谈", day, "attendees: [王主任, 林经理]\ncontent: 座谈纪要\n")
    a = repo.analyse(date(2026, 12, 31))
    assert only(a.findings, "P-OC-01") == []
    assert [(f.period, f.status, f.passed) for f in a.figures if f.rule == "P-OC-01"] == [("2026", "met", True)]


@pytest.mark.breaks("P-OC-01")
def test_oc01_one_symposium_in_a_closed_year(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-01-01")
    rel = duty(repo, "GZ-20260418-001", "业委会座谈", "2026-04-18 14:00", "content: 座谈纪要\n")
    got = [f for f in only(repo.analyse(date(2027, 1, 5)).findings, "P-OC-01") if f.period != "2027"]
    assert sorted(where(got), key=str) == sorted([(None, None), ("GZ-20260418-001", line(repo, rel, "date:"))], key=str)
    assert next(f for f in got if f.record is None).status == "missed"


@pytest.mark.breaks("P-OC-01")
def test_oc01_without_committee_needs_an_approved_plan(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-01-01", "  symposiums_per_year: 0\n")
    got = only(repo.analyse(date(2026, 3, 1)).findings, "P-OC-01")
    assert where(got) == [(None, None)] and got[0].period == "2026"
    rel = repo.add("""
id: JH-20260110-001
type: 沟通计划
date: 2026-01-10
period: "2026"
content: 每季度与开发商沟通一次
""")
    got = only(repo.analyse(date(2026, 3, 1)).findings, "P-OC-01")
    assert where(got) == [("JH-20260110-001", line(repo, rel, "date:"))]
    (repo.root / rel).write_text((repo.root / rel).read_text(encoding="utf-8")
                                 + "approved_by: 林经理\napproved: 2026-01-12\n", encoding="utf-8")
    assert only(repo.analyse(date(2026, 3, 1)).findings, "P-OC-01") == []


# -- P-SUP-01, P-WEEK-01, C-MON-01 ---------------------------------------------------------------

@pytest.mark.keeps("P-SUP-01")
def test_sup01_monthly_report_to_gm_kept(repo):
    repo.add(CUSTOMER)
    since(repo)
    report(repo, "BG-20261130-001", "服务监督报告", "2026-11", "2026-11-30 17:00", "submitted_to: 钱总\n")
    assert only(repo.analyse(date(2026, 12, 10)).findings, "P-SUP-01") == []


@pytest.mark.breaks("P-SUP-01")
def test_sup01_missing_month_and_no_recipient(repo):
    repo.add(CUSTOMER)
    since(repo, "2026-10-01")
    rel = report(repo, "BG-20261130-001", "服务监督报告", "2026-11", "2026-11-30 17:00")
    got = only(repo.analyse(date(2026, 12, 10)).findings, "P-SUP-01")
    assert sorted(where(got), key=str) == sorted([(None, None), ("BG-20261130-001", line(repo, rel, "by:"))], key=str)


ITEMS = "items:\n  - by: 沈工\n    content: 正常\n  - by: 顾工\n    content: 正常\n"


@pytest.mark.keeps("P-WEEK-01")
def test_pweek01_friday_report_with_every_engineer_kept(repo):
    repo.write("staff.yml", STAFF)
    repo.add(CUSTOMER)
    since(repo, "2026-11-09")
    report(repo, "BG-20261113-001", "每周服务情况", "2026-W46", "2026-11-13 15:30", ITEMS)
    assert only(repo.analyse(date(2026, 11, 15)).findings, "P-WEEK-01") == []


@pytest.mark.breaks("P-WEEK-01")
def test_pweek01_late_and_missing_engineer(repo):
    repo.write("staff.yml", STAFF)
    repo.add(CUSTOMER)
    since(repo, "2026-11-09")
    rel = report(repo, "BG-20261114-001", "每周服务情况", "2026-W46", "2026-11-14 10:00", ITEMS.split("  - by: 顾工")[0])
    got = only(repo.analyse(date(2026, 11, 15)).findings, "P-WEEK-01")
    assert sorted(where(got)) == [("BG-20261114-001", line(repo, rel, "date:")),
                                  ("BG-20261114-001", line(repo, rel, "items:"))]


COMPLAINT = """
id: TS-20261103-001
received: 2026-11-03 10:00:00+08:00
channel: 电话
type: 投诉
category: 服务过程
customer: CUST-0001
description: 保洁不及时
status: 处理中
"""


@pytest.mark.keeps("C-MON-01")
def test_mon01c_statistics_presented_at_meeting_kept(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    since(repo)
    report(repo, "BG-20261203-001", "投诉统计分析", "2026-11", "2026-12-03 10:00",
           "meeting:\n  date: 2026-12-08\n  decision: 不需要纠正措施\n")
    assert only(repo.analyse(date(2027, 1, 10)).findings, "C-MON-01") == []


@pytest.mark.breaks("C-MON-01")
def test_mon01c_not_presented_and_no_decision(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    since(repo)
    rel = report(repo, "BG-20261203-001", "投诉统计分析", "2026-11", "2026-12-03 10:00")
    a = repo.analyse(date(2026, 12, 20))
    assert only(a.findings, "C-MON-01") == [] and [o.record for o in a.open_items if o.rule == "C-MON-01"] == ["BG-20261203-001"]
    got = only(repo.analyse(date(2027, 1, 10)).findings, "C-MON-01")
    assert where(got) == [("BG-20261203-001", line(repo, rel, "content:"))]
    (repo.root / rel).write_text((repo.root / rel).read_text(encoding="utf-8") + "meeting:\n  date: 2026-12-08\n",
                                 encoding="utf-8")
    got = only(repo.analyse(date(2027, 1, 10)).findings, "C-MON-01")
    assert where(got) == [("BG-20261203-001", line(repo, rel, "date: 2026-12-08"))]


@pytest.mark.breaks("C-MON-01")
def test_mon01c_missing_report(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    since(repo)
    got = only(repo.analyse(date(2026, 12, 20)).findings, "C-MON-01")
    assert where(got) == [(None, None)] and got[0].period == "2026-11"


# -- facts_since ----------------------------------------------------------------------------------

def test_without_facts_since_nothing_new_is_asked(repo, capsys):
    """An existing repository is not judged retroactively: the clause rules wait for `facts_since`."""
    from generator.cli import main
    from generator.rules import REGISTRY, threshold_for
    from generator.rules.duties import SINCE_RULES
    repo.add(CUSTOMER)
    visit(repo, "HF-20261105-001", "2026-11-05 10:00")
    repo.config("")
    a = repo.analyse(date(2026, 12, 20))
    assert [f for f in a.findings if f.rule in SINCE_RULES] == []
    assert [o for o in a.open_items if o.rule in SINCE_RULES] == []
    assert any("facts_since" in w for w in a.history_warnings)
    assert threshold_for(REGISTRY["P-MAIL-01"], a.config) == "设置 facts_since 后检查"
    since(repo, "2026-11-01")
    a = repo.analyse(date(2026, 12, 20))
    assert {"V-PLAN-01", "P-MAIL-01"} <= {f.rule for f in a.findings}
    assert threshold_for(REGISTRY["P-MAIL-01"], a.config) == "自 2026-11-01 起检查（facts_since）"
    assert len(SINCE_RULES) == 48
