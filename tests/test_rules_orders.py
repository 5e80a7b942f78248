"""Work orders and their callbacks (generator/rules/orders.py): each rule kept and broken, asserting
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
- name: 小孙
  role: 客户接待员
- name: 小陈
  role: 房管员
- name: 黄经理
  role: 售后服务部负责人
"""

# a complete repair order: every rule of this module keeps it
REPAIR = """
id: WO-20261102-001
customer: CUST-0001
type: 维修
completed: 2026-11-02 16:00:00+08:00
technician: 张师傅
region: 城东
category: 空调
charge: 0
service_mode: 上门
repair_class: 入户
appointment: 2026-11-02 14:00:00+08:00
arrived: 2026-11-02 14:10:00+08:00
signature: 已签名
satisfaction: 满意
"""


def line(repo, rel, needle):
    return next(i for i, t in enumerate((repo.root / rel).read_text(encoding="utf-8").splitlines(), 1) if needle in t)


def where(findings):
    return [(f.record, f.line) for f in findings]


def order(repo, text=REPAIR, drop=(), extra=""):
    repo.add(CUSTOMER)
    body = "".join(l + "\n" for l in text.strip("\n").splitlines() if not any(l.startswith(d + ":") for d in drop))
    return repo.add(body + extra)


def callback(repo, visitor="小孙", extra="", when="2026-11-03 10:00:00+08:00", rid="HF-20261103-001",
             oid="WO-20261102-001"):
    return repo.add(f"""
id: {rid}
date: {when}
method: 电话
purpose: 维修回访
customer: CUST-0001
related: [{oid}]
visitor: {visitor}
content: 电话回访：空调修好了
satisfaction:
  product: 满意
  service: 满意
attitude: 满意
site_cleaned: true
charge_ok: true
""" + extra)


AS_OF = date(2026, 11, 20)


# -- W-REP-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("W-REP-01")
def test_rep01_signed_and_rated_kept(repo):
    order(repo)
    assert only(repo.analyse(AS_OF).findings, "W-REP-01") == []


@pytest.mark.breaks("W-REP-01")
def test_rep01_unsigned_and_unrated(repo):
    rel = order(repo, drop=("signature", "satisfaction"))
    got = only(repo.analyse(AS_OF).findings, "W-REP-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "completed:"))] * 2


@pytest.mark.breaks("W-REP-01")
def test_rep01_public_repair_names_the_officer(repo):
    rel = order(repo, REPAIR.replace("repair_class: 入户", "repair_class: 公共"))
    got = only(repo.analyse(AS_OF).findings, "W-REP-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "signature:"))] and "片区客服人员" in got[0].message


@pytest.mark.keeps("W-REP-01")
def test_rep01_orders_before_facts_since_are_not_asked(repo):
    order(repo, drop=("signature", "satisfaction"))
    repo.config('thresholds:\n  facts_since: "2026-11-03"\n')
    assert only(repo.analyse(AS_OF).findings, "W-REP-01") == []


# -- W-REP-02 ---------------------------------------------------------------------------------

MATERIALS = """charge_explained: true
materials:
  - name: 电容
    spec: 35μF
    model: CBB65
    quantity: 1
    price: 45
owner_verified: true
"""


@pytest.mark.keeps("W-REP-02")
def test_rep02_materials_and_charge_complete_kept(repo):
    order(repo, REPAIR.replace("charge: 0", "charge: 45"), extra=MATERIALS)
    assert only(repo.analyse(AS_OF).findings, "W-REP-02") == []


@pytest.mark.breaks("W-REP-02")
def test_rep02_charge_unexplained_material_blank_unverified(repo):
    rel = order(repo, REPAIR.replace("charge: 0", "charge: 45"),
                extra=MATERIALS.replace("charge_explained: true\n", "").replace("    spec: 35μF\n", "")
                .replace("owner_verified: true\n", ""))
    got = only(repo.analyse(AS_OF).findings, "W-REP-02")
    assert sorted(where(got)) == sorted([("WO-20261102-001", line(repo, rel, "charge:")),
                                         ("WO-20261102-001", line(repo, rel, "- name:")),
                                         ("WO-20261102-001", line(repo, rel, "materials:"))])


@pytest.mark.breaks("W-REP-02")
def test_rep02_blank_technician(repo):
    rel = order(repo, drop=("technician",))
    got = only(repo.analyse(AS_OF).findings, "W-REP-02")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "completed:"))] and "维修工" in got[0].message


# -- W-REP-03 ---------------------------------------------------------------------------------

@pytest.mark.keeps("W-REP-03")
def test_rep03_receptionist_callback_kept(repo):
    repo.write("staff.yml", STAFF)
    order(repo)
    callback(repo)
    assert only(repo.analyse(AS_OF).findings, "W-REP-03") == []


@pytest.mark.breaks("W-REP-03")
def test_rep03_callback_by_another_role_and_unclassified_order(repo):
    repo.write("staff.yml", STAFF)
    order(repo)
    rel = callback(repo, visitor="小陈")
    got = only(repo.analyse(AS_OF).findings, "W-REP-03")
    assert where(got) == [("HF-20261103-001", line(repo, rel, "visitor:"))]
    rel = order(repo, drop=("repair_class",))
    got = only(repo.analyse(AS_OF).findings, "W-REP-03")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "type:"))]


# -- W-PAID-01 --------------------------------------------------------------------------------

PAID = "paid: true\nprice_explained: true\ndispatched_to: 工程部\n"


@pytest.mark.keeps("W-PAID-01")
def test_paid01_logged_dispatched_called_back_kept(repo):
    order(repo, extra=PAID)
    callback(repo)
    assert only(repo.analyse(AS_OF).findings, "W-PAID-01") == []


@pytest.mark.breaks("W-PAID-01")
def test_paid01_price_not_explained_and_no_callback(repo):
    rel = order(repo, extra="paid: true\ndispatched_to: 工程部\n")
    got = only(repo.analyse(AS_OF).findings, "W-PAID-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "paid:"))] * 2
    assert any("价目表" in f.message for f in got) and any("没有回访" in f.message for f in got)


# -- W-CB-03 ----------------------------------------------------------------------------------

@pytest.mark.keeps("W-CB-03")
def test_cb03_four_questions_kept(repo):
    order(repo)
    callback(repo)
    assert only(repo.analyse(AS_OF).findings, "W-CB-03") == []


@pytest.mark.breaks("W-CB-03")
def test_cb03_attitude_and_cleaning_not_asked(repo):
    order(repo)
    rel = callback(repo)
    text = (repo.root / rel).read_text(encoding="utf-8").replace("attitude: 满意\n", "").replace("site_cleaned: true\n", "")
    (repo.root / rel).write_text(text, encoding="utf-8")
    got = only(repo.analyse(AS_OF).findings, "W-CB-03")
    assert where(got) == [("HF-20261103-001", line(repo, rel, "content:"))]
    assert "服务态度" in got[0].message and "清理现场" in got[0].message


# -- T-RESP-04 --------------------------------------------------------------------------------

@pytest.mark.keeps("T-RESP-04")
def test_resp04_on_time_kept(repo):
    order(repo, extra="analysis:\n  start: 2026-11-02 14:30:00+08:00\n  back: 2026-11-02 14:55:00+08:00\n")
    assert only(repo.analyse(AS_OF).findings, "T-RESP-04") == []


@pytest.mark.breaks("T-RESP-04")
def test_resp04_late_arrival_and_long_analysis(repo):
    rel = order(repo, REPAIR.replace("14:10:00", "14:20:00"),
                extra="analysis:\n  start: 2026-11-02 14:30:00+08:00\n  back: 2026-11-02 15:10:00+08:00\n")
    got = only(repo.analyse(AS_OF).findings, "T-RESP-04")
    assert sorted(where(got)) == sorted([("WO-20261102-001", line(repo, rel, "arrived:")),
                                         ("WO-20261102-001", line(repo, rel, "back:"))])


@pytest.mark.breaks("T-RESP-04")
def test_resp04_missing_arrival_time(repo):
    rel = order(repo, drop=("arrived",))
    got = only(repo.analyse(AS_OF).findings, "T-RESP-04")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "appointment:"))]


# -- D-WARR-01 --------------------------------------------------------------------------------

WARRANTY = "warranty: true\nreported: 2026-11-01 09:00:00+08:00\n"


@pytest.mark.keeps("D-WARR-01")
def test_warr01_next_day_inspection_kept(repo):
    order(repo, extra=WARRANTY + "inspected: 2026-11-02 10:00:00+08:00\nrepair_method: 更换电容，书面报物业管理部\n")
    assert only(repo.analyse(AS_OF).findings, "D-WARR-01") == []


@pytest.mark.breaks("D-WARR-01")
def test_warr01_urgent_not_same_day_and_no_method(repo):
    rel = order(repo, extra=WARRANTY + "urgency: 紧急\ninspected: 2026-11-02 10:00:00+08:00\n")
    got = only(repo.analyse(AS_OF).findings, "D-WARR-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "inspected:"))] and got[0].status == "done"
    rel = order(repo, extra=WARRANTY + "inspected: 2026-11-02 10:00:00+08:00\n")
    got = only(repo.analyse(AS_OF).findings, "D-WARR-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "inspected:"))] and "维修方法" in got[0].message


@pytest.mark.breaks("D-WARR-01")
def test_warr01_never_inspected(repo):
    rel = order(repo, extra=WARRANTY)
    got = only(repo.analyse(AS_OF).findings, "D-WARR-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "warranty:"))] and got[0].status == "overdue"


# -- P-SURV-01 --------------------------------------------------------------------------------

@pytest.mark.keeps("P-SURV-01")
def test_surv01_callback_with_rating_counts_as_survey(repo):
    order(repo)
    callback(repo)
    assert only(repo.analyse(AS_OF).findings, "P-SURV-01") == []


@pytest.mark.keeps("P-SURV-01")
def test_surv01_survey_form_sent_kept(repo):
    order(repo, extra="survey:\n  sent: 2026-11-04\n  result: 满意\n")
    assert only(repo.analyse(AS_OF).findings, "P-SURV-01") == []


@pytest.mark.breaks("P-SURV-01")
def test_surv01_no_survey(repo):
    rel = order(repo)
    a = repo.analyse(date(2026, 11, 5))
    assert only(a.findings, "P-SURV-01") == [] and [o.due for o in a.open_items if o.rule == "P-SURV-01"] == [date(2026, 11, 9)]
    got = only(repo.analyse(AS_OF).findings, "P-SURV-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "completed:"))]


# -- E-AS-01 ----------------------------------------------------------------------------------

EQUIPMENT = CUSTOMER + "products:\n  - model: KYN28-12\n    quantity: 2\n    shipped: 2026-06-01\n"


@pytest.mark.keeps("E-AS-01")
def test_as01_head_visits_the_service_case_kept(repo):
    repo.write("staff.yml", STAFF)
    order(repo)
    repo.add(EQUIPMENT)
    callback(repo, visitor="黄经理")
    assert only(repo.analyse(AS_OF).findings, "E-AS-01") == []


@pytest.mark.breaks("E-AS-01")
def test_as01_no_visit_by_the_head(repo):
    repo.write("staff.yml", STAFF)
    rel = order(repo)
    repo.add(EQUIPMENT)
    callback(repo, visitor="小孙")
    got = only(repo.analyse(AS_OF).findings, "E-AS-01")
    assert where(got) == [("WO-20261102-001", line(repo, rel, "completed:"))] and got[0].status == "overdue"


@pytest.mark.keeps("E-AS-01")
def test_as01_without_staff_file_roles_are_unknown(repo):
    order(repo)
    repo.add(EQUIPMENT)
    assert only(repo.analyse(AS_OF).findings, "E-AS-01") == []
