"""Every profile option of huifang.yml, each under every option: what changes is what its clause says.

(Options also tested in their area's file: spot_check in test_rules_callbacks, repeat_visit,
open_letter and anonymous in test_rules_visits, off_hours in test_rules_complaints.)
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from conftest import CUSTOMER, only
from generator.config import PARAMS
from test_rules_visits import T, complaint, line_of, setup, visit


def profile(repo, **options) -> None:
    repo.config("profile:\n" + "".join(f"  {k}: {v}\n" for k, v in options.items()))


def figure(analysis, rule: str, period: str):
    return next((f for f in analysis.outcome.figures if f.rule == rule and f.period == period), None)


def rules_output(repo) -> str:
    out = subprocess.run([sys.executable, "-m", "generator", "rules"], cwd=repo.root, capture_output=True,
                         text=True, check=True)
    return out.stdout


def test_every_parameter_is_covered_here_or_in_its_area():
    covered = {"phone_letter", "response", "signature", "review", "scale", "method",
               "spot_check", "repeat_visit", "open_letter", "anonymous", "off_hours"}
    others = {"visit_roles"}  # V-ROLE-01's own tests
    assert set(PARAMS) == covered | others


# -- phone_letter: PM-70 vs PM-60 ------------------------------------------------------------

@pytest.mark.keeps("V-RATE-03")
def test_phone_letter_ceiling_follows_the_option(repo):
    texts = [visit(f"HF-202611{d:02d}-001", f"2026-11-{d:02d} 10:00", method="电话", signature="无",
                   content="电话回访") for d in range(1, 8)]
    texts += [visit(f"HF-202611{d:02d}-001", f"2026-11-{d:02d} 10:00") for d in range(8, 11)]
    texts.append(visit("HF-20261111-001", "2026-11-11 10:00", method="电话", signature="无", content="电话回访",
                       reachable=False, contact_problem="空号"))  # a failed attempt is no visit
    setup(repo, *texts)
    for option, passed in (("PM-70", True), ("PM-60", False)):
        profile(repo, phone_letter=option)
        fig = figure(repo.analyse(), "V-RATE-03", "2026")
        assert (fig.numerator, fig.denominator, fig.passed) == (7, 10, passed), option
        assert option in fig.threshold


# -- response: RESP-A / RESP-B / RESP-C ------------------------------------------------------

@pytest.mark.parametrize(("option", "urgent_late", "ordinary_late", "resp03"),
                         [("RESP-A", True, False, False), ("RESP-B", False, True, False),
                          ("RESP-C", False, False, True)])
def test_response_limits_follow_the_option(repo, option, urgent_late, ordinary_late, resp03):
    urgent = complaint("TS-20261102-001", "2026-11-02 09:00", urgency="紧急", first_response=T("2026-11-02 10:30"))
    ordinary = complaint("TS-20261102-002", "2026-11-02 09:00", urgency="一般", first_response=T("2026-11-02 12:00"))
    setup(repo, urgent, ordinary)
    profile(repo, response=option)
    a = repo.analyse()
    got = {f.record for f in only(a.findings, "T-RESP-01")}
    assert got == {r for r, late in (("TS-20261102-001", urgent_late), ("TS-20261102-002", ordinary_late)) if late}
    # T-RESP-03 (24 h result reply) belongs to RESP-C only: neither complaint has a 回复 action
    assert bool(only(a.findings, "T-RESP-03")) is resp03


# -- signature: SIGN-STRICT vs SIGN-REFUSAL --------------------------------------------------

@pytest.mark.parametrize(("option", "finding"), [("SIGN-REFUSAL", False), ("SIGN-STRICT", True)])
def test_refusal_with_the_owners_attitude(repo, option, finding):
    text = visit(signature="拒签", refusal_note="业主说太忙，不愿签字")
    path, = setup(repo, text)
    profile(repo, signature=option)
    got = only(repo.analyse().findings, "V-SIGN-01")
    assert [(f.file, f.line) for f in got] == ([(path, line_of(text, "signature:"))] if finding else [])


# -- review: REV-P1 / REV-P3 / REV-P4 change nothing checkable, and say so -------------------

@pytest.mark.breaks("V-REV-01")
def test_review_chain_options_change_nothing_checkable(repo):
    late = visit("HF-20261103-001", review={"by": "王丽", "date": date(2026, 11, 20), "comment": "补审"})
    own = visit("HF-20261104-001", "2026-11-04 10:00", review={"by": "李娜", "date": date(2026, 11, 5), "comment": "已阅"})
    setup(repo, late, own)
    seen = set()
    for option in PARAMS["review"].options:
        profile(repo, review=option)
        got = tuple((f.record, f.line, f.severity) for f in only(repo.analyse().findings, "V-REV-01"))
        assert [r for r, _, _ in got] == ["HF-20261103-001", "HF-20261104-001"], option
        seen.add(got)
        assert "不改变可检查的内容" in next(ln for ln in rules_output(repo).splitlines() if ln.startswith("V-REV-01"))
    assert len(seen) == 1


# -- scale: 5 vs 4 changes only the reports' folding -----------------------------------------

@pytest.mark.breaks("S-SCALE-01")
def test_scale_option_changes_nothing_checkable(repo):
    text = visit(method="电话", signature="无", purpose="维修回访", content="电话回访", result="不满意",
                 satisfaction={"service": "满意"})
    setup(repo, text)
    seen = set()
    for option in PARAMS["scale"].options:
        profile(repo, scale=option)
        seen.add(tuple((f.rule, f.record, f.line) for f in repo.analyse().findings if f.rule.startswith("S-")))
        assert "不改变可检查的内容" in next(ln for ln in rules_output(repo).splitlines() if ln.startswith("S-SCALE-01"))
    assert len(seen) == 1 and len(next(iter(seen))) == 1


# -- method: the recognised methods, and the quotas that cannot hold with them ----------------

METHOD_VISITS = {"上门": {}, "电话": {"signature": "无", "content": "电话回访"}, "信函": {"signature": "无"},
                 "在线": {"signature": "无"}, "邮件": {"signature": "无"}}


@pytest.mark.parametrize(("option", "flagged"), [
    ("METH-PROP", {"在线", "邮件"}), ("METH-SALES", {"上门", "信函"}),
    ("METH-EQUIP", {"信函", "在线", "邮件"}), ("METH-CALLBACK", {"上门", "信函", "在线", "邮件"})])
def test_recognised_methods_follow_the_option(repo, option, flagged):
    texts = {m: visit(f"HF-202611{i + 1:02d}-001", f"2026-11-{i + 1:02d} 10:00", method=m, **extra)
             for i, (m, extra) in enumerate(METHOD_VISITS.items())}
    setup(repo, *texts.values())
    profile(repo, method=option)
    got = only(repo.analyse().findings, "V-METH-02")
    by_id = {f"HF-202611{i + 1:02d}-001": m for i, m in enumerate(METHOD_VISITS)}
    assert {by_id[f.record] for f in got} == flagged


@pytest.mark.keeps("V-RATE-02", "V-RATE-03")
@pytest.mark.parametrize("option", ["METH-SALES", "METH-CALLBACK"])
def test_quotas_that_cannot_hold_with_the_methods_are_reconciled_and_said(repo, option):
    """A method profile without on-site visits cannot keep a 40% signed on-site floor: not judged, and said."""
    setup(repo, *[visit(f"HF-202611{d:02d}-001", f"2026-11-{d:02d} 10:00", method="电话", signature="无",
                        content="电话回访") for d in range(1, 4)])
    profile(repo, method=option)
    a = repo.analyse()
    assert figure(a, "V-RATE-02", "2026") is None and only(a.findings, "V-RATE-02") == []
    lines = {ln.split()[0]: ln for ln in rules_output(repo).splitlines() if ln[:1].isalpha() and "｜" in ln}
    assert "不能同时成立" in lines["V-RATE-02"]
    phone_only = option == "METH-CALLBACK"
    assert (figure(a, "V-RATE-03", "2026") is None) is phone_only
    assert ("不能同时成立" in lines["V-RATE-03"]) is phone_only
    profile(repo, method="METH-PROP")
    assert figure(repo.analyse(), "V-RATE-02", "2026").passed is False
