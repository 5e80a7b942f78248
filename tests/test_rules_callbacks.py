"""W-* rules: order callbacks, spot checks and contact re-verification, with period figures."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import CUSTOMER, only


def order(repo, id="WO-20261102-001", type="维修", completed="2026-11-02 14:00:00+08:00", region="城东") -> str:
    return repo.add(f"""
id: {id}
customer: CUST-0001
type: {type}
completed: {completed}
region: {region}
""")


def callback(repo, id: str, day: str, related: str, purpose="维修回访", extra="") -> str:
    return repo.add(f"""
id: {id}
date: {day} 10:00:00+08:00
method: 电话
purpose: {purpose}
customer: CUST-0001
related: [{related}]
visitor: 李芳
interviewee: 张明
content: 电话回访，询问维修工服务态度和收费情况
""" + extra)


def line(repo, rel, needle):
    return next(i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1)
                if needle in t)


def where(findings):
    return [(f.file, f.line, f.record) for f in findings]


def figures(analysis, rule, period=None):
    return {(f.period, f.label): (f.numerator, f.denominator, f.passed)
            for f in analysis.outcome.figures if f.rule == rule and (period is None or f.period == period)}


# -- W-CB-02 ----------------------------------------------------------------------------------

@pytest.mark.keeps("W-CB-02")
def test_cb02_install_next_day_kept(repo):
    repo.add(CUSTOMER)
    order(repo, type="安装")
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", "安装回访")
    assert only(repo.analyse().findings, "W-CB-02") == []


@pytest.mark.breaks("W-CB-02")
def test_cb02_install_two_days_late(repo):
    repo.add(CUSTOMER)
    rel = order(repo, type="安装")
    callback(repo, "HF-20261104-001", "2026-11-04", "WO-20261102-001", "安装回访")
    got = only(repo.analyse().findings, "W-CB-02")
    assert where(got) == [(rel, line(repo, rel, "completed:"), "WO-20261102-001")]
    assert got[0].status == "done" and "HF-20261104-001" in got[0].message and "晚了" in got[0].message


@pytest.mark.keeps("W-CB-02")
def test_cb02_repair_same_day_is_info(repo):
    repo.add(CUSTOMER)
    order(repo)
    rel = callback(repo, "HF-20261102-001", "2026-11-02", "WO-20261102-001")
    got = only(repo.analyse().findings, "W-CB-02")
    assert where(got) == [(rel, line(repo, rel, "date:"), "HF-20261102-001")] and got[0].severity == "info"


@pytest.mark.keeps("W-CB-02")
def test_cb02_repair_plus_one_and_plus_three_kept(repo):
    repo.add(CUSTOMER)
    order(repo)
    order(repo, id="WO-20261102-002")
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001")
    callback(repo, "HF-20261105-001", "2026-11-05", "WO-20261102-002")
    assert only(repo.analyse().findings, "W-CB-02") == []


@pytest.mark.breaks("W-CB-02")
def test_cb02_repair_plus_four_is_finding(repo):
    repo.add(CUSTOMER)
    rel = order(repo)
    callback(repo, "HF-20261106-001", "2026-11-06", "WO-20261102-001")
    got = only(repo.analyse().findings, "W-CB-02")
    assert where(got) == [(rel, line(repo, rel, "completed:"), "WO-20261102-001")] and got[0].severity == "error"
    assert "晚了 10.0 小时" in got[0].message


@pytest.mark.breaks("W-CB-02")
@pytest.mark.keeps("W-CB-01")
def test_cb02_a_failed_attempt_is_no_callback(repo):
    """空号 on day 1 does not meet the duty: the reached callback on day 5 is late, and says so."""
    repo.add(CUSTOMER)
    rel = order(repo)
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001",
             extra="reachable: false\ncontact_problem: 无人接听\n")
    before = repo.analyse(date(2026, 11, 5))
    item, = [o for o in before.outcome.open_items if o.rule == "W-CB-02"]
    assert item.record == "WO-20261102-001" and "HF-20261103-001" in item.what and "无人接听" in item.what
    callback(repo, "HF-20261106-001", "2026-11-06", "WO-20261102-001")
    got = only(repo.analyse().findings, "W-CB-02")
    assert where(got) == [(rel, line(repo, rel, "completed:"), "WO-20261102-001")]
    assert "HF-20261106-001" in got[0].message and "HF-20261103-001" in got[0].message and got[0].status == "done"
    assert figures(repo.analyse(), "W-CB-01", "2026-11")[("2026-11", "全部区域")] == (1, 1, True)


def test_cb01_a_failed_attempt_does_not_count(repo):
    repo.add(CUSTOMER)
    order(repo)
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", extra="reachable: false\ncontact_problem: 空号\n")
    assert figures(repo.analyse(), "W-CB-01", "2026-11")[("2026-11", "全部区域")] == (0, 1, False)


@pytest.mark.breaks("W-CB-02")
def test_cb02_missing_callback_both_sides(repo):
    repo.add(CUSTOMER)
    rel = order(repo)
    before = repo.analyse(date(2026, 11, 5))
    assert only(before.findings, "W-CB-02") == []
    assert [(o.record, o.due, o.overdue) for o in before.outcome.open_items if o.rule == "W-CB-02"] == \
        [("WO-20261102-001", date(2026, 11, 5), False)]
    after = repo.analyse(date(2026, 11, 6))
    assert where(only(after.findings, "W-CB-02")) == [(rel, line(repo, rel, "completed:"), "WO-20261102-001")]
    assert [(o.record, o.overdue, o.days_overdue) for o in after.outcome.open_items if o.rule == "W-CB-02"] == \
        [("WO-20261102-001", True, 1)]


# -- W-CB-01 ----------------------------------------------------------------------------------

@pytest.mark.keeps("W-CB-01")
def test_cb01_all_called_back(repo):
    repo.add(CUSTOMER)
    order(repo)
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001")
    a = repo.analyse()
    assert only(a.findings, "W-CB-01") == []
    assert figures(a, "W-CB-01", "2026-11") == {("2026-11", "全部区域"): (1, 1, True),
                                                 ("2026-11", "城东 区域"): (1, 1, True)}


@pytest.mark.breaks("W-CB-01")
def test_cb01_region_below_ratio(repo):
    repo.add(CUSTOMER)
    order(repo)
    order(repo, id="WO-20261102-002")
    order(repo, id="WO-20261102-003", region="城西")
    order(repo, id="WO-20261128-001", completed="2026-11-28 14:00:00+08:00")  # due 12-01: still open
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001")
    callback(repo, "HF-20261103-002", "2026-11-03", "WO-20261102-003")
    a = repo.analyse(date(2026, 11, 30))
    assert figures(a, "W-CB-01", "2026-11") == {
        ("2026-11", "全部区域"): (2, 3, False), ("2026-11", "城东 区域"): (1, 2, False),
        ("2026-11", "城西 区域"): (1, 1, True)}
    got = only(a.findings, "W-CB-01")
    assert len(got) == 1 and got[0].file is None and "城东" in got[0].message and "WO-20261102-002" in got[0].message
    assert got[0].status == "missed" and got[0].severity == "error"  # the month is over at the end of 11-30
    assert (got[0].period, got[0].related) == ("2026-11", ("WO-20261102-002",))
    assert [o.record for o in a.outcome.open_items if o.rule == "W-CB-02" and not o.overdue] == ["WO-20261128-001"]


@pytest.mark.keeps("W-CB-01")
def test_cb01_figures_for_every_month(repo):
    repo.add(CUSTOMER)
    order(repo, completed="2026-09-02 14:00:00+08:00", id="WO-20260902-001")
    callback(repo, "HF-20260903-001", "2026-09-03", "WO-20260902-001")
    a = repo.analyse(date(2026, 11, 30))
    # months with records, and always the as-of month; a month without any record gets no figures
    assert sorted({p for p, _ in figures(a, "W-CB-01")}) == ["2026-09", "2026-11"]
    assert figures(a, "W-CB-01", "2026-11")[("2026-11", "城东 区域")] == (0, 0, None)


# -- W-SPOT-01: SPOT-5 vs SPOT-30 -------------------------------------------------------------

def ten_repairs(repo, sampled=1, extra="spot_check: true\n", callbacks=0):
    repo.add(CUSTOMER)
    for i in range(1, 11):
        order(repo, id=f"WO-20261005-{i:03d}", completed="2026-10-05 14:00:00+08:00")
    for i in range(1, sampled + 1):
        callback(repo, f"HF-20261006-{i:03d}", "2026-10-06", f"WO-20261005-{i:03d}", extra=extra)
    for i in range(sampled + 1, sampled + 1 + callbacks):
        callback(repo, f"HF-20261006-{i:03d}", "2026-10-06", f"WO-20261005-{i:03d}")


@pytest.mark.keeps("W-SPOT-01")
def test_spot5_kept(repo):
    ten_repairs(repo)
    a = repo.analyse()
    assert only(a.findings, "W-SPOT-01") == []
    fig = next(f for f in a.outcome.figures if f.rule == "W-SPOT-01" and f.period == "2026-10")
    assert (fig.numerator, fig.denominator, fig.passed) == (1, 10, True) and "SPOT-5" in fig.threshold


@pytest.mark.breaks("W-SPOT-01")
def test_spot30_broken(repo):
    ten_repairs(repo)
    repo.config("profile:\n  spot_check: SPOT-30\n")
    a = repo.analyse()
    fig = next(f for f in a.outcome.figures if f.rule == "W-SPOT-01" and f.period == "2026-10")
    assert (fig.numerator, fig.denominator, fig.target, fig.passed) == (1, 10, 0.3, False)
    got = only(a.findings, "W-SPOT-01")
    assert len(got) == 1 and got[0].message.startswith("2026-10") and "SPOT-30" in got[0].threshold
    assert got[0].file is None and "WO-20261005-002" in got[0].message


@pytest.mark.breaks("W-SPOT-01")
def test_ordinary_callbacks_are_not_spot_checks(repo):
    ten_repairs(repo, sampled=0, callbacks=10)  # every order called back, none spot-checked
    a = repo.analyse()
    fig = next(f for f in a.outcome.figures if f.rule == "W-SPOT-01" and f.period == "2026-10")
    assert (fig.numerator, fig.denominator, fig.passed) == (0, 10, False)
    got, = only(a.findings, "W-SPOT-01")
    assert got.status == "missed" and got.message.startswith("2026-10")


@pytest.mark.breaks("W-SPOT-01")
def test_spot_check_method_follows_the_option(repo):
    """SPOT-5 checks by phone (000 P4); SPOT-30 by phone or on site (000 P5)."""
    ten_repairs(repo, sampled=3, extra="spot_check: true\n")
    for i in (1, 2, 3):
        rel = f"records/visits/2026/10/HF-20261006-{i:03d}.yml"
        text = (repo.root / rel).read_text(encoding="utf-8").replace("method: 电话", "method: 上门")
        (repo.root / rel).write_text(text.replace("content: 电话回访", "content: 上门回访") + "signature: 已签名\n",
                                     encoding="utf-8")
    a = repo.analyse()
    fig = next(f for f in a.outcome.figures if f.rule == "W-SPOT-01" and f.period == "2026-10")
    assert (fig.numerator, fig.passed) == (0, False)
    got = [f for f in only(a.findings, "W-SPOT-01") if f.record]
    assert [(f.record, f.line) for f in got] == [(f"HF-20261006-{i:03d}", 3) for i in (1, 2, 3)]
    repo.config("profile:\n  spot_check: SPOT-30\n")
    a = repo.analyse()
    fig = next(f for f in a.outcome.figures if f.rule == "W-SPOT-01" and f.period == "2026-10")
    assert (fig.numerator, fig.target, fig.passed) == (3, 0.3, True)
    assert only(a.findings, "W-SPOT-01") == []


@pytest.mark.keeps("W-SPOT-01")
def test_spot5_household_cap(repo):
    ten_repairs(repo, sampled=2)
    repo.config("thresholds:\n  households: 20\n")  # cap = floor(5% × 20) = 1
    got = only(repo.analyse().findings, "W-SPOT-01")
    assert [f.severity for f in got] == ["info"] and "上限 1" in got[0].message


# -- W-CB-05 ----------------------------------------------------------------------------------

@pytest.mark.keeps("W-CB-05")
def test_cb05_second_callback_kept(repo):
    repo.add(CUSTOMER)
    order(repo)
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", extra="result: 不满意\n")
    callback(repo, "HF-20261105-001", "2026-11-05", "WO-20261102-001",
             extra="result: 正常\nsatisfaction:\n  service: 满意\n")
    assert only(repo.analyse().findings, "W-CB-05") == []


@pytest.mark.breaks("W-CB-05")
def test_cb05_no_interviewee(repo):
    repo.add(CUSTOMER)
    order(repo)
    rel = callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", extra="result: 不属实\n")
    (repo.root / rel).write_text((repo.root / rel).read_text(encoding="utf-8").replace("interviewee: 张明\n", ""),
                                 encoding="utf-8")
    callback(repo, "HF-20261104-001", "2026-11-04", "WO-20261102-001", extra="result: 正常\n")
    got = only(repo.analyse().findings, "W-CB-05")
    assert where(got) == [(rel, line(repo, rel, "result:"), "HF-20261103-001")]
    assert "受访人" in got[0].message


@pytest.mark.breaks("W-CB-05")
def test_cb05_second_callback_both_sides(repo):
    repo.add(CUSTOMER)
    order(repo)
    rel = callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001",
                   extra="satisfaction:\n  service: 很不满意\n")
    before = repo.analyse(date(2026, 11, 6))
    assert only(before.findings, "W-CB-05") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "W-CB-05"] == \
        [("HF-20261103-001", date(2026, 11, 6))]
    after = repo.analyse(date(2026, 11, 7))
    assert where(only(after.findings, "W-CB-05")) == [(rel, line(repo, rel, "satisfaction:"), "HF-20261103-001")]


@pytest.mark.breaks("W-CB-05")
def test_cb05_late_or_failed_second_callback_is_no_second_callback(repo):
    """Once something happened the limit still counts; a failed attempt never counts."""
    repo.add(CUSTOMER)
    order(repo)
    rel = callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", extra="result: 不满意\n")
    callback(repo, "HF-20261105-001", "2026-11-05", "WO-20261102-001", extra="reachable: false\ncontact_problem: 空号\n")
    callback(repo, "HF-20261110-001", "2026-11-10", "WO-20261102-001", extra="result: 正常\n")
    got, = only(repo.analyse().findings, "W-CB-05")
    assert where([got]) == [(rel, line(repo, rel, "result:"), "HF-20261103-001")]
    assert got.status == "done" and "HF-20261110-001" in got.message and "晚了 3 天" in got.message
    assert "HF-20261105-001" in got.message  # the failed attempt is named


@pytest.mark.breaks("W-CB-05")
def test_cb05_removing_the_order_link_does_not_let_the_duty_pass(repo):
    """Regression (property test): a dissatisfied callback without `related` dropped out of W-CB-05."""
    repo.add(CUSTOMER)
    order(repo)
    rel = callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", extra="result: 不满意\n")
    callback(repo, "HF-20261110-001", "2026-11-10", "WO-20261102-001", extra="result: 正常\n")
    linked, = only(repo.analyse().findings, "W-CB-05")
    assert where([linked]) == [(rel, line(repo, rel, "result:"), "HF-20261103-001")] and "晚了 3 天" in linked.message
    p = repo.root / rel
    p.write_text(p.read_text(encoding="utf-8").replace("related: [WO-20261102-001]\n", ""), encoding="utf-8")
    unlinked, = only(repo.analyse().findings, "W-CB-05")
    assert where([unlinked]) == [(rel, line(repo, rel, "result:"), "HF-20261103-001")]
    assert unlinked.status == "overdue" and "related" in unlinked.message


@pytest.mark.keeps("W-CB-05")
def test_cb05_a_satisfied_callback_without_order_link_owes_nothing(repo):
    repo.add(CUSTOMER)
    rel = callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", extra="result: 正常\n")
    p = repo.root / rel
    p.write_text(p.read_text(encoding="utf-8").replace("related: [WO-20261102-001]\n", ""), encoding="utf-8")
    assert only(repo.analyse().findings, "W-CB-05") == []


@pytest.mark.breaks("W-CB-05")
def test_cb05_a_callback_without_verdict_is_a_finding(repo):
    repo.add(CUSTOMER)
    order(repo)
    rel = callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001")
    got, = only(repo.analyse().findings, "W-CB-05")
    assert where([got]) == [(rel, line(repo, rel, "content:"), "HF-20261103-001")] and "回访结果" in got.message


# -- W-CB-06 ----------------------------------------------------------------------------------

def unreachable(repo, extra=""):
    repo.add(CUSTOMER)
    order(repo)
    return callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001",
                    extra="reachable: false\ncontact_problem: 空号\n" + extra)


@pytest.mark.breaks("W-CB-06")
def test_cb06_late_reverification_stays_a_finding(repo):
    rel = unreachable(repo, "reverified: 2026-11-10\n")
    a = repo.analyse()
    got, = only(a.findings, "W-CB-06")
    assert where([got]) == [(rel, line(repo, rel, "reachable:"), "HF-20261103-001")]
    assert got.status == "done" and "晚了" in got.message
    assert figures(a, "W-CB-06", "2026-11") == {("2026-11", "联系信息复核"): (0, 1, False)}


@pytest.mark.breaks("W-CB-06")
def test_cb06_a_recheck_one_day_late_is_late_not_kept(repo):
    """Regression: a day-only re-check on the day after the deadline's day counted as on time."""
    rel = unreachable(repo, "reverified: 2026-11-07\n")  # due 11-06
    a = repo.analyse()
    got, = only(a.findings, "W-CB-06")
    assert where([got]) == [(rel, line(repo, rel, "reachable:"), "HF-20261103-001")]
    assert got.status == "done" and "2026-11-07 才完成，晚了 1 天" in got.message
    assert figures(a, "W-CB-06", "2026-11") == {("2026-11", "联系信息复核"): (0, 1, False)}


@pytest.mark.keeps("W-CB-06")
def test_cb06_nobody_answering_needs_no_reverification(repo):
    repo.add(CUSTOMER)
    order(repo)
    callback(repo, "HF-20261103-001", "2026-11-03", "WO-20261102-001", extra="reachable: false\ncontact_problem: 无人接听\n")
    callback(repo, "HF-20261104-001", "2026-11-04", "WO-20261102-001", extra="result: 正常\n")
    assert only(repo.analyse().findings, "W-CB-06") == []


@pytest.mark.keeps("W-CB-06")
def test_cb06_reverified_kept(repo):
    unreachable(repo, "reverified: 2026-11-04\n")
    a = repo.analyse()
    assert only(a.findings, "W-CB-06") == []
    assert figures(a, "W-CB-06", "2026-11") == {("2026-11", "联系信息复核"): (1, 1, True)}


@pytest.mark.keeps("W-CB-06")
def test_cb06_later_reachable_visit_kept(repo):
    unreachable(repo)
    callback(repo, "HF-20261104-001", "2026-11-04", "WO-20261102-001")
    assert only(repo.analyse().findings, "W-CB-06") == []


@pytest.mark.breaks("W-CB-06")
def test_cb06_both_sides(repo):
    rel = unreachable(repo)
    before = repo.analyse(date(2026, 11, 6))
    assert only(before.findings, "W-CB-06") == []
    assert [(o.record, o.due) for o in before.outcome.open_items if o.rule == "W-CB-06"] == \
        [("HF-20261103-001", date(2026, 11, 6))]
    after = repo.analyse(date(2026, 11, 7))
    assert where(only(after.findings, "W-CB-06")) == [(rel, line(repo, rel, "reachable:"), "HF-20261103-001")]
    assert figures(after, "W-CB-06", "2026-11") == {("2026-11", "联系信息复核"): (0, 1, False)}
