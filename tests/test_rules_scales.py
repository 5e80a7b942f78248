"""S-SCALE-01, K-CLASS-01 and F-FIRST-02 on real record files; the F/P catalogue is complete."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import CUSTOMER, only
from generator.rules import all_rules
from generator.rules.scales import report_level
from test_rules_visits import T, complaint, customer, line_of, setup, visit


# -- S-SCALE-01 -------------------------------------------------------------------------------

def _callback(result: str, service: str) -> str:
    return visit(method="电话", signature="无", purpose="维修回访", content="电话回访：维修质量",
                 result=result, satisfaction={"product": "一般", "service": service})


@pytest.mark.keeps("S-SCALE-01")
def test_dissatisfied_result_with_dissatisfied_rating_passes(repo):
    setup(repo, _callback("不满意", "很不满意"))
    assert only(repo.analyse().findings, "S-SCALE-01") == []


@pytest.mark.breaks("S-SCALE-01")
def test_dissatisfied_result_with_satisfied_rating_is_contradictory(repo):
    text = _callback("不满意", "满意")
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "S-SCALE-01")
    assert (f.rule, f.record, f.file, f.line) == ("S-SCALE-01", "HF-20261103-001", path, line_of(text, "result:"))
    assert "服务满意度“满意”" in f.message and f.threshold


@pytest.mark.breaks("S-SCALE-01")
def test_a_failed_attempt_with_a_verdict_is_contradictory(repo):
    """Marking a visit unreachable never leaves a verdict for a rule to read: the contradiction is reported."""
    text = visit(method="电话", signature="无", content="电话回访：空号", reachable=False, contact_problem="空号",
                 satisfaction={"service": "满意"})
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "S-SCALE-01")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "reachable:"))
    assert "服务满意度" in f.message


@pytest.mark.keeps("S-SCALE-01")
def test_a_failed_attempt_without_a_verdict_passes(repo):
    setup(repo, visit(method="电话", signature="无", content="电话回访：空号", reachable=False, contact_problem="空号",
                      satisfaction=None, review=None))
    assert only(repo.analyse().findings, "S-SCALE-01") == []


def test_report_level_folds_the_dissatisfied_levels():
    assert report_level("很不满意", "5") == "很不满意"
    assert report_level("很不满意", "4") == report_level("不太满意", "4") == "不满意"
    assert report_level("一般", "4") == "一般" and report_level(None, "4") is None


# -- K-CLASS-01 -------------------------------------------------------------------------------

@pytest.mark.keeps("K-CLASS-01")
def test_customer_with_class_passes(repo):
    repo.add(CUSTOMER)
    assert only(repo.analyse().findings, "K-CLASS-01") == []


@pytest.mark.breaks("K-CLASS-01")
def test_customer_without_class_is_reported_on_the_customer_record(repo):
    path = repo.add(customer("CUST-0002", **{"class": None}))
    repo.add(CUSTOMER)
    repo.add(complaint(customer="CUST-0002"))
    f, = only(repo.analyse().findings, "K-CLASS-01")
    assert (f.rule, f.record, f.file, f.line) == ("K-CLASS-01", "CUST-0002", path, 1)
    assert "1 条投诉" in f.message


# -- F-FIRST-02 -------------------------------------------------------------------------------

@pytest.mark.keeps("F-FIRST-02")
def test_second_contact_after_the_reply_passes(repo):
    setup(repo, complaint(first_response=T("2026-11-02 11:00")), complaint("TS-20261120-001", "2026-11-20 09:00"))
    assert only(repo.analyse().findings, "F-FIRST-02") == []


@pytest.mark.breaks("F-FIRST-02")
def test_second_contact_before_any_reply_is_a_finding(repo):
    second = complaint("TS-20261120-001", "2026-11-20 09:00")
    _, path = setup(repo, complaint(first_response=T("2026-11-21 10:00")), second)
    f, = only(repo.analyse(date(2026, 11, 30)).findings, "F-FIRST-02")
    assert (f.record, f.file, f.line) == ("TS-20261120-001", path, line_of(second, "received:"))


# -- catalogue --------------------------------------------------------------------------------

F_P = ("F-FIRST-01", "F-FIRST-02", "F-INTAKE-01", "F-CONS-01", "P-PROJ-01", "P-SURV-01", "P-SUP-01", "P-WEEK-01",
       "P-YEAR-01", "P-HOL-01", "P-RECEP-01", "P-MAIL-01", "P-OC-01")
V_ALL = ("V-PLAN-01", "V-PLAN-02", "V-PLAN-03", "V-TIME-01", "V-METH-01", "V-METH-02", "V-ROLE-01", "V-REC-01",
         "V-DAY-01", "V-RPT-01", "V-WEEK-01", "V-REV-01", "V-REV-02", "V-SIGN-01", "V-SIGN-02", "V-NEW-01",
         "V-REP-01", "V-OL-01", "V-OL-02", "V-100-01", "V-RATE-01", "V-RATE-02", "V-RATE-03", "V-RATE-04",
         "V-ESC-01", "V-DUP-01", "V-ANON-01", "V-ANON-02", "V-ARCH-01")


def test_every_v_f_p_s_k_rule_is_enforced_or_catalogued_with_a_reason():
    rules = {r.id: r for r in all_rules()}
    for rid in V_ALL + F_P + ("S-SCALE-01", "K-CLASS-01"):
        r = rules[rid]
        assert r.title and r.asks and r.source and r.modal, rid
        assert r.enforced or r.reason, rid


@pytest.mark.breaks("S-SCALE-01")
def test_normal_result_with_a_dissatisfied_rating_is_contradictory(repo):
    text = _callback("正常", "很不满意")
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "S-SCALE-01")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "result:"))
    assert "服务满意度“很不满意”" in f.message
