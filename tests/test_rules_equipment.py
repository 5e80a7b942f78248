"""E-* rules: the equipment lifecycle schedule, feedback forms and the monthly measurement report."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import only
from generator.rules.equipment import add_months, report_month, terms

CUSTOMER = """
id: CUST-0002
name: 华电变电站
class: A
type: 企业
region: 城北
contract_amount: {amount}
products:
  - model: KYN28-12
    quantity: 4
    shipped: {shipped}
    energized: {energized}
"""


def customer(repo, energized="2025-10-31", shipped="2025-09-01", amount=1200000) -> str:
    text = CUSTOMER.format(amount=amount, shipped=shipped, energized=energized)
    if shipped is None:
        text = text.replace("    shipped: None\n", "")
    return repo.add(text)


def visit(repo, id: str, day: str, purpose: str, method="电话", extra="",
          sat="satisfaction:\n  product: 满意\n  service: 满意\n") -> str:
    return repo.add(f"""
id: {id}
date: {day} 10:00:00+08:00
method: {method}
purpose: {purpose}
customer: CUST-0002
product: KYN28-12
visitor: 周强
interviewee: 配电室刘工
content: 了解设备运行情况
needs: 暂无
""" + sat + extra)


def pre(repo, **kw):
    return visit(repo, "HF-20251030-001", "2025-10-30", "送电前回访", method="上门", extra="survey: true\n", **kw)


def line(repo, rel, needle):
    return next(i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1)
                if needle in t)


def where(findings):
    return [(f.file, f.line, f.record) for f in findings]


# -- month arithmetic and E-DEF-01 ------------------------------------------------------------

def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 10, 31), 13) == date(2026, 11, 30)
    assert add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)


def test_terms_warranty_is_the_earlier_end():
    assert terms({"shipped": date(2025, 1, 15), "energized": date(2025, 10, 31)}) == \
        type(terms({}))(date(2025, 11, 30), date(2026, 7, 15))
    assert terms({"shipped": date(2025, 9, 1), "energized": date(2025, 10, 31)}).warranty_end == date(2026, 10, 31)


@pytest.mark.keeps("E-DEF-01")
def test_def_kept(repo):
    customer(repo)
    assert only(repo.analyse().findings, "E-DEF-01") == []


@pytest.mark.breaks("E-DEF-01")
def test_def_missing_shipped(repo):
    rel = customer(repo, shipped=None)
    got = only(repo.analyse().findings, "E-DEF-01")
    assert where(got) == [(rel, line(repo, rel, "- model:"), "CUST-0002")]


@pytest.mark.breaks("E-DEF-01")
def test_def_energized_before_shipped(repo):
    rel = customer(repo, shipped="2025-11-05")
    got = only(repo.analyse().findings, "E-DEF-01")
    assert where(got) == [(rel, line(repo, rel, "energized:"), "CUST-0002")]


@pytest.mark.keeps("E-DEF-01", "E-LC-01")
def test_supporting_equipment_is_out_of_scope(repo):
    rel = customer(repo, shipped=None)
    p = repo.root / rel
    p.write_text(p.read_text(encoding="utf-8") + "    supporting: true\n", encoding="utf-8")
    a = repo.analyse()
    assert only(a.findings, "E-DEF-01") == [] and only(a.findings, "E-LC-01") == []


# -- E-LC-01 ----------------------------------------------------------------------------------

@pytest.mark.keeps("E-LC-01")
def test_lc01_kept(repo):
    customer(repo)
    pre(repo)
    assert only(repo.analyse(date(2025, 11, 15)).findings, "E-LC-01") == []


@pytest.mark.breaks("E-LC-01")
def test_lc01_by_phone(repo):
    customer(repo)
    rel = visit(repo, "HF-20251030-001", "2025-10-30", "送电前回访", extra="survey: true\n")
    got = only(repo.analyse(date(2025, 11, 15)).findings, "E-LC-01")
    assert where(got) == [(rel, line(repo, rel, "method:"), "HF-20251030-001")]


@pytest.mark.breaks("E-LC-01")
def test_lc01_no_survey(repo):
    customer(repo)
    rel = visit(repo, "HF-20251030-001", "2025-10-30", "送电前回访", method="上门", extra="survey: false\n")
    got = only(repo.analyse(date(2025, 11, 15)).findings, "E-LC-01")
    assert where(got) == [(rel, line(repo, rel, "survey:"), "HF-20251030-001")]


@pytest.mark.breaks("E-LC-01")
def test_lc01_missing_both_sides(repo):
    rel = customer(repo)
    before = repo.analyse(date(2025, 10, 31))
    assert only(before.findings, "E-LC-01") == []
    assert [(o.record, o.due, o.customer) for o in before.outcome.open_items if o.rule == "E-LC-01"] == \
        [("CUST-0002", date(2025, 10, 31), "CUST-0002")]
    after = repo.analyse(date(2025, 11, 1))
    assert where(only(after.findings, "E-LC-01")) == [(rel, line(repo, rel, "- model:"), "CUST-0002")]


# -- E-LC-02 and E-LC-05 ----------------------------------------------------------------------

@pytest.mark.keeps("E-LC-02", "E-LC-05")
def test_lc02_kept(repo):
    customer(repo)
    pre(repo)
    visit(repo, "HF-20251210-001", "2025-12-10", "试运行回访")
    a = repo.analyse(date(2026, 1, 15))
    assert only(a.findings, "E-LC-02") == [] and only(a.findings, "E-LC-05") == []


@pytest.mark.breaks("E-LC-02")
def test_lc02_both_sides(repo):
    rel = customer(repo)
    pre(repo)
    # energized 2025-10-31: due 2025-11-30 (clamped), window to 2025-12-30
    before = repo.analyse(date(2025, 12, 30))
    assert only(before.findings, "E-LC-02") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "E-LC-02"] == \
        [("CUST-0002", date(2025, 12, 30))]
    after = repo.analyse(date(2025, 12, 31))
    assert where(only(after.findings, "E-LC-02")) == [(rel, line(repo, rel, "- model:"), "CUST-0002")]


@pytest.mark.breaks("E-LC-05")
@pytest.mark.keeps("E-LC-02")
def test_lc05_late_visit_is_finding_on_the_visit(repo):
    customer(repo)
    pre(repo)
    rel = visit(repo, "HF-20260110-001", "2026-01-10", "试运行回访")
    a = repo.analyse(date(2026, 1, 15))
    assert only(a.findings, "E-LC-02") == []
    assert where(only(a.findings, "E-LC-05")) == [(rel, line(repo, rel, "date:"), "HF-20260110-001")]


# -- E-LC-03 and E-LC-04 ----------------------------------------------------------------------

@pytest.mark.keeps("E-LC-03")
def test_lc03_six_months_done_twelve_open(repo):
    customer(repo)
    pre(repo)
    visit(repo, "HF-20251210-001", "2025-12-10", "试运行回访")
    visit(repo, "HF-20260510-001", "2026-05-10", "质保期回访")
    a = repo.analyse(date(2026, 11, 15))
    assert only(a.findings, "E-LC-03") == []
    assert [(o.record, o.due) for o in a.outcome.open_items if o.rule == "E-LC-03"] == \
        [("CUST-0002", date(2026, 11, 30))]


@pytest.mark.breaks("E-LC-03")
def test_lc03_six_months_missed(repo):
    rel = customer(repo)
    pre(repo)
    got = only(repo.analyse(date(2026, 6, 1)).findings, "E-LC-03")
    assert where(got) == [(rel, line(repo, rel, "- model:"), "CUST-0002")] and "6 个月" in got[0].message


@pytest.mark.breaks("E-LC-04")
@pytest.mark.keeps("E-LC-01", "E-LC-02", "E-LC-03", "E-LC-05")
def test_lc04_36_months_missed(repo):
    rel = customer(repo, shipped="2023-05-01", energized="2023-06-15")
    visit(repo, "HF-20230610-001", "2023-06-10", "送电前回访", method="上门", extra="survey: true\n")
    visit(repo, "HF-20230720-001", "2023-07-20", "试运行回访")
    visit(repo, "HF-20231220-001", "2023-12-20", "质保期回访")
    visit(repo, "HF-20240620-001", "2024-06-20", "质保期回访")
    visit(repo, "HF-20250701-001", "2025-07-01", "质保期外回访")
    a = repo.analyse(date(2026, 7, 16))
    for r in ("E-LC-01", "E-LC-02", "E-LC-03", "E-LC-05"):
        assert only(a.findings, r) == [], r
    got = only(a.findings, "E-LC-04")
    assert where(got) == [(rel, line(repo, rel, "- model:"), "CUST-0002")] and "36 个月" in got[0].message
    assert only(repo.analyse(date(2026, 7, 15)).findings, "E-LC-04") == []


@pytest.mark.keeps("E-LC-01", "E-LC-02", "E-LC-04")
def test_lifecycle_api(repo):
    customer(repo)
    pre(repo)
    visit(repo, "HF-20260110-001", "2026-01-10", "试运行回访")
    a = repo.analyse(date(2026, 6, 1))
    cust = a.records.by_id["CUST-0002"]
    plan, = a.plans[cust.id]
    got = [(m.rule, m.due, m.window_end, m.status, m.visit, m.late) for m in plan.milestones]
    assert got == [
        ("E-LC-01", date(2025, 10, 31), date(2025, 10, 31), "done", "HF-20251030-001", False),
        ("E-LC-02", date(2025, 11, 30), date(2025, 12, 30), "done", "HF-20260110-001", True),
        ("E-LC-03", date(2026, 4, 30), date(2026, 5, 30), "overdue", None, False),
        ("E-LC-03", date(2026, 10, 31), date(2026, 11, 30), "open", None, False),
        ("E-LC-04", date(2027, 10, 31), date(2027, 11, 30), "open", None, False),
        ("E-LC-04", date(2028, 10, 31), date(2028, 11, 30), "open", None, False),
    ]
    assert plan.next.due == date(2026, 4, 30)
    # the due list shows the overdue visit and only the next one ahead, not the whole schedule to month 36
    assert [(o.rule, o.due, o.overdue) for o in a.open_items if o.rule.startswith("E-LC")] == [
        ("E-LC-03", date(2026, 5, 30), True), ("E-LC-03", date(2026, 11, 30), False)]


# -- E-FB-01 ----------------------------------------------------------------------------------

UNHAPPY = "satisfaction:\n  product: 不太满意\n  service: 满意\n"


@pytest.mark.breaks("E-FB-01")
def test_fb_missing_form_both_sides(repo):
    customer(repo)
    rel = visit(repo, "HF-20261102-001", "2026-11-02", "质保期回访", sat=UNHAPPY)
    before = repo.analyse(date(2026, 11, 4))
    assert only(before.findings, "E-FB-01") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "E-FB-01"] == \
        [("HF-20261102-001", date(2026, 11, 4))]
    after = repo.analyse(date(2026, 11, 5))
    assert where(only(after.findings, "E-FB-01")) == [(rel, line(repo, rel, "satisfaction:"), "HF-20261102-001")]


def feedback(repo, revisit: bool):
    customer(repo)
    repo.add("""
id: TS-20261102-001
received: 2026-11-02 15:00:00+08:00
channel: 回访发现
type: 投诉
category: 产品质量
customer: CUST-0002
description: 柜体有异常声音
first_response: 2026-11-02 15:30:00+08:00
resolved: 2026-11-10 16:00:00+08:00
status: 已解决
""")
    rel = visit(repo, "HF-20261102-001", "2026-11-02", "质保期回访", sat=UNHAPPY, extra="feedback: TS-20261102-001\n")
    if revisit:
        repo.add("""
id: HF-20261112-001
date: 2026-11-12 10:00:00+08:00
method: 电话
purpose: 投诉回访
customer: CUST-0002
related: [TS-20261102-001]
visitor: 周强
content: 电话回访，异响已消除
satisfaction:
  product: 满意
""")
    return rel


@pytest.mark.keeps("E-FB-01")
def test_fb_kept(repo):
    feedback(repo, revisit=True)
    assert only(repo.analyse().findings, "E-FB-01") == []


@pytest.mark.breaks("E-FB-01")
def test_fb_revisit_both_sides(repo):
    rel = feedback(repo, revisit=False)
    # resolved Tue 2026-11-10 → 5 working days → Tue 2026-11-17
    before = repo.analyse(date(2026, 11, 17))
    assert only(before.findings, "E-FB-01") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "E-FB-01"] == \
        [("HF-20261102-001", date(2026, 11, 17))]
    after = repo.analyse(date(2026, 11, 18))
    assert where(only(after.findings, "E-FB-01")) == [(rel, line(repo, rel, "feedback:"), "HF-20261102-001")]


# -- E-MON-01 ---------------------------------------------------------------------------------

def test_report_month_window():
    assert report_month(date(2026, 10, 26)) == "2026-11"
    assert report_month(date(2026, 11, 25)) == "2026-11"
    assert report_month(date(2026, 12, 26)) == "2027-01"


@pytest.mark.keeps("E-MON-01")
def test_mon_kept(repo):
    customer(repo)
    visit(repo, "HF-20261027-001", "2026-10-27", "意见征询")
    a = repo.analyse()
    assert only(a.findings, "E-MON-01") == []
    fig = next(f for f in a.outcome.figures if f.rule == "E-MON-01" and f.period == "2026-11")
    assert (fig.numerator, fig.denominator, fig.passed) == (1, 1, True) and "2026-10-26" in fig.label


@pytest.mark.breaks("E-MON-01")
def test_mon_missing_rating(repo):
    customer(repo)
    rel = visit(repo, "HF-20261027-001", "2026-10-27", "意见征询", sat="satisfaction:\n  service: 满意\n")
    a = repo.analyse()
    got = only(a.findings, "E-MON-01")
    assert where(got) == [(rel, line(repo, rel, "satisfaction:"), "HF-20261027-001")] and "2026-11" in got[0].message
    fig = next(f for f in a.outcome.figures if f.rule == "E-MON-01" and f.period == "2026-11")
    assert (fig.numerator, fig.denominator, fig.offenders) == (0, 1, ("HF-20261027-001",))


# -- E-REC-01, E-REC-02, E-MAJOR-01 -----------------------------------------------------------

@pytest.mark.keeps("E-REC-01")
def test_rec01_id_with_year_and_month_of_its_date(repo):
    customer(repo)
    visit(repo, "HF-20261103-001", "2026-11-03", "质保期回访")
    assert only(repo.analyse().findings, "E-REC-01") == []


@pytest.mark.breaks("E-REC-01")
def test_rec01_id_without_month(repo):
    customer(repo)
    rel = visit(repo, "HF-20261002-001", "2026-11-02", "质保期回访")
    got = only(repo.analyse().findings, "E-REC-01")
    assert where(got) == [(rel, line(repo, rel, "id:"), "HF-20261002-001")]
    repo2_ok = visit(repo, "HF-20261103-001", "2026-11-03", "质保期回访")
    assert [f.record for f in only(repo.analyse().findings, "E-REC-01")] == ["HF-20261002-001"] and repo2_ok


@pytest.mark.breaks("E-REC-02")
@pytest.mark.keeps("E-REC-02")
def test_rec02_needs(repo):
    customer(repo)
    visit(repo, "HF-20261103-001", "2026-11-03", "质保期回访")
    assert only(repo.analyse().findings, "E-REC-02") == []
    rel = visit(repo, "HF-20261104-001", "2026-11-04", "质保期外回访")
    p = repo.root / rel
    p.write_text(p.read_text(encoding="utf-8").replace("needs: 暂无\n", ""), encoding="utf-8")
    got = only(repo.analyse().findings, "E-REC-02")
    assert where(got) == [(rel, line(repo, rel, "content:"), "HF-20261104-001")]


@pytest.mark.breaks("E-MAJOR-01")
@pytest.mark.keeps("E-MAJOR-01")
def test_major_customer_is_info(repo):
    rel = customer(repo, amount=3000000)
    got = only(repo.analyse().findings, "E-MAJOR-01")
    assert where(got) == [(rel, line(repo, rel, "contract_amount:"), "CUST-0002")] and got[0].severity == "info"
    visit(repo, "HF-20261103-001", "2026-11-03", "质保期回访", method="上门")
    assert only(repo.analyse().findings, "E-MAJOR-01") == []


@pytest.mark.keeps("E-MAJOR-01")
def test_major_customer_threshold_zero_needs_an_amount(repo):
    """Found by the long fuzzing run: major_customer_amount: 0 made a customer with products and no
    contract_amount a major one, and formatting the missing amount raised (INTERNAL, exit 2)."""
    rel = customer(repo)
    repo.write(rel, (repo.root / rel).read_text(encoding="utf-8").replace("contract_amount: 1200000\n", ""))
    repo.config("thresholds:\n  major_customer_amount: 0\n")
    a = repo.analyse()
    assert only(a.findings, "INTERNAL") == [] and only(a.findings, "E-MAJOR-01") == []


# -- patterns that must not fool the lifecycle ----------------------------------------------------

@pytest.mark.keeps("E-LC-02")
def test_lc_a_visit_a_little_early_counts_as_early_not_missing(repo):
    """Trial visit due 2025-11-30: one on 2025-11-25 is early (a note), not an overdue error."""
    customer(repo)
    pre(repo)
    rel = visit(repo, "HF-20251125-001", "2025-11-25", "试运行回访")
    a = repo.analyse(date(2026, 1, 15))
    got = only(a.findings, "E-LC-02")
    assert where(got) == [(rel, line(repo, rel, "date:"), "HF-20251125-001")]
    assert got[0].severity == "info" and "早了 5 天" in got[0].message
    assert [o for o in a.open_items if o.rule == "E-LC-02"] == []


@pytest.mark.breaks("E-LC-02")
def test_lc_a_failed_attempt_is_no_lifecycle_visit(repo):
    rel = customer(repo)
    pre(repo)
    visit(repo, "HF-20251210-001", "2025-12-10", "试运行回访", sat="", extra="reachable: false\ncontact_problem: 无人接听\n")
    got = only(repo.analyse(date(2026, 1, 15)).findings, "E-LC-02")
    assert where(got) == [(rel, line(repo, rel, "- model:"), "CUST-0002")] and got[0].status == "overdue"


@pytest.mark.keeps("E-LC-01")
def test_lc01_the_call_arranging_the_site_visit_does_not_stand_in_for_it(repo):
    customer(repo)
    visit(repo, "HF-20251028-001", "2025-10-28", "送电前回访")  # phone: arranges the site visit
    pre(repo)
    assert only(repo.analyse(date(2025, 11, 15)).findings, "E-LC-01") == []


@pytest.mark.breaks("E-DEF-01")
def test_def_energised_without_the_day_is_a_finding(repo):
    rel = customer(repo, energized=None)
    (repo.root / rel).write_text((repo.root / rel).read_text(encoding="utf-8").replace("    energized: None\n", ""),
                                 encoding="utf-8")
    visit(repo, "HF-20251210-001", "2025-12-10", "试运行回访")
    got = only(repo.analyse(date(2026, 1, 15)).findings, "E-DEF-01")
    assert where(got) == [(rel, line(repo, rel, "- model:"), "CUST-0002")] and "energized" in got[0].message


@pytest.mark.breaks("E-FB-01")
def test_fb_a_form_opened_late_stays_a_finding(repo):
    rel = feedback(repo, revisit=True)
    (repo.root / rel).write_text((repo.root / rel).read_text(encoding="utf-8").replace("2026-11-02 10", "2026-10-28 10"),
                                 encoding="utf-8")
    got = only(repo.analyse().findings, "E-FB-01")
    assert where(got) == [(rel, line(repo, rel, "feedback:"), "HF-20261102-001")]
    assert got[0].status == "done" and "晚了" in got[0].message


@pytest.mark.breaks("E-FB-01")
def test_fb_a_handled_form_without_its_time_is_a_finding(repo):
    rel = feedback(repo, revisit=False)
    form = "records/complaints/2026/11/TS-20261102-001.yml"
    (repo.root / form).write_text((repo.root / form).read_text(encoding="utf-8")
                                  .replace("resolved: 2026-11-10 16:00:00+08:00\n", ""), encoding="utf-8")
    got = only(repo.analyse().findings, "E-FB-01")
    assert where(got) == [(rel, line(repo, rel, "feedback:"), "HF-20261102-001")] and "resolved" in got[0].message
