"""The Analysis at one as-of instant: deadlines on both sides of it, running periods, future records,
late fixes that stay on record, and a sweep of the instant across the demo month."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CUSTOMER, only
from generator.cli import main
from generator.dates import TZ, as_of_instant
from generator.pipeline import FUTURE, analyse

PROJECT = Path(__file__).resolve().parent.parent
QUIET = "rules:\n" + "".join(f"  {r}:\n    enabled: false\n    reason: 测试\n" for r in ("V-RATE-02", "V-RATE-03"))

URGENT = """
id: TS-20261120-001
received: 2026-11-20 10:00:00+08:00
channel: 电话
type: 投诉
category: 服务过程
urgency: 紧急
customer: CUST-0001
description: 电梯困人
reply_by: 2026-11-27 18:00:00+08:00
status: 处理中
"""


def urgent(repo):
    repo.config(QUIET)
    repo.add(CUSTOMER)
    return repo.add(URGENT)


def resp(analysis):
    return only(analysis.findings, "T-RESP-01"), [o for o in analysis.open_items if o.rule == "T-RESP-01"]


def test_a_deadline_later_on_the_as_of_day_is_open_and_on_the_due_list(repo):
    urgent(repo)
    a = repo.analyse(datetime(2026, 11, 20, 10, 30, tzinfo=TZ))  # due 11:00 the same day
    found, items = resp(a)
    assert found == []
    assert [(o.record, o.due_at, o.overdue) for o in items] == \
        [("TS-20261120-001", datetime(2026, 11, 20, 11, 0, tzinfo=TZ), False)]


def test_a_passed_deadline_is_overdue_on_the_due_list_and_an_error_in_check(repo, capsys):
    rel = urgent(repo)
    a = repo.analyse(datetime(2026, 11, 20, 11, 30, tzinfo=TZ))
    (f,), (o,) = resp(a)
    assert (f.severity, f.status, f.file, f.record, f.due) == \
        ("error", "overdue", rel, "TS-20261120-001", datetime(2026, 11, 20, 11, 0, tzinfo=TZ))
    assert (f.subject, f.period) == ("TS-20261120-001", "2026-11")
    assert (o.overdue, o.days_overdue) == (True, 0)
    root = str(repo.root)
    assert main(["--root", root, "check", "--as-of", "2026-11-20T10:30"]) == 0
    assert main(["--root", root, "check", "--as-of", "2026-11-20 11:30+08:00"]) == 1
    assert "T-RESP-01" in capsys.readouterr().out


def test_a_date_as_of_means_the_end_of_that_day(repo):
    urgent(repo)
    (f,), (o,) = resp(repo.analyse(date(2026, 11, 20)))
    assert f.status == "overdue" and o.overdue
    assert as_of_instant("2026-11-20") == datetime(2026, 11, 21, tzinfo=TZ)
    assert as_of_instant("2026-11-20T15:00") == datetime(2026, 11, 20, 15, tzinfo=TZ)
    assert as_of_instant("2026-11-20T07:00:00Z") == datetime(2026, 11, 20, 15, tzinfo=TZ)


def test_a_late_fix_stays_on_record_but_does_not_make_check_fail(repo, capsys):
    urgent(repo)
    text = (repo.root / "records/complaints/2026/11/TS-20261120-001.yml").read_text(encoding="utf-8")
    (repo.root / "records/complaints/2026/11/TS-20261120-001.yml").write_text(
        text + "first_response: 2026-11-20 13:00:00+08:00\n", encoding="utf-8")
    a = repo.analyse(date(2026, 11, 21))
    (f,), items = resp(a)
    assert (f.severity, f.status, f.history, f.blocking) == ("error", "done", True, False)
    assert items == []
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-21"]) == 0
    assert "已成事实" in capsys.readouterr().out


def test_records_after_the_as_of_instant_are_left_out_and_reported_once(repo):
    urgent(repo)
    a = repo.analyse(datetime(2026, 11, 20, 9, 0, tzinfo=TZ))
    assert "TS-20261120-001" not in a.records.by_id
    assert [o for o in a.open_items if o.record == "TS-20261120-001"] == []
    (f,) = [f for f in a.findings if f.record == "TS-20261120-001"]
    assert (f.rule, f.severity) == (FUTURE, "info")
    assert a.n_files == 2 and len(a.records) == 1


def test_running_year_quota_is_progress_and_a_closed_year_miss_is_an_error(repo):
    repo.add(CUSTOMER)
    for i in range(1, 4):  # three phone visits: 0 % signed on-site, 100 % phone
        repo.add(f"""
id: HF-2026031{i}-001
date: 2026-03-1{i} 10:00:00+08:00
method: 电话
purpose: 例行回访
customer: CUST-0001
visitor: 李娜
content: 电话回访
""")
    for day in (date(2026, 3, 31), date(2026, 7, 1), date(2026, 12, 30)):
        a = repo.analyse(day)
        rate = [f for f in a.findings if f.rule in ("V-RATE-02", "V-RATE-03")]
        assert rate and all(f.severity == "info" and f.status == "running" for f in rate), day
        assert {f.status for f in a.figures if f.rule in ("V-RATE-02", "V-RATE-03")} == {"running"}
    a = repo.analyse(date(2026, 12, 31))
    rate = [f for f in a.findings if f.rule in ("V-RATE-02", "V-RATE-03")]
    assert sorted((f.rule, f.severity, f.status, f.period) for f in rate) == [
        ("V-RATE-02", "error", "missed", "2026"), ("V-RATE-03", "error", "missed", "2026")]


# -- the as-of sweep ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(PROJECT / "records", root / "records")
    shutil.copy2(PROJECT / "huifang.yml", root / "huifang.yml")
    return root


def _errors(root, t: datetime) -> set:
    a = analyse(root, t, with_history=False)
    return {(f.rule, f.file, f.line, f.subject) for f in a.findings if f.severity == "error"}


_cache: dict = {}


def _errors_at(root, t):
    if t not in _cache:
        _cache[t] = _errors(root, t)
    return _cache[t]


START = datetime(2026, 11, 1, tzinfo=TZ)
instants = st.integers(min_value=0, max_value=30 * 24 - 1).map(lambda h: START + timedelta(hours=h))


@settings(max_examples=25, deadline=None)
@given(a=instants, b=instants)
def test_sweeping_the_as_of_instant_never_turns_an_error_back_to_fine(demo, a, b):
    early, late = sorted((a, b))
    assert _errors_at(demo, early) <= _errors_at(demo, late)


def test_every_day_of_the_demo_month_keeps_its_errors(demo):
    days = [START + timedelta(days=i) for i in range(31)]
    for early, late in zip(days, days[1:]):
        missing = _errors_at(demo, early) - _errors_at(demo, late)
        assert not missing, (early, late, missing)


def test_facts_dated_after_the_as_of_instant_are_not_known_yet(repo):
    repo.config(QUIET)
    repo.add(CUSTOMER)
    repo.add(URGENT.replace("status: 处理中", """first_response: 2026-11-20 10:20:00+08:00
actions:
  - at: 2026-11-24 09:00:00+08:00
    by: 周建华
    action: 结案
resolved: 2026-11-23 10:00:00+08:00
status: 已结案"""))
    early = repo.analyse(date(2026, 11, 22)).records.by_id["TS-20261120-001"]
    assert (early["status"], early["resolved"], early.get("actions")) == ("处理中", None, [])
    assert early["first_response"] is not None
    late = repo.analyse(date(2026, 11, 24)).records.by_id["TS-20261120-001"]
    assert (late["status"], len(late["actions"])) == ("已结案", 1)


# -- a calendar that does not run out ---------------------------------------------------------

LATE_DECEMBER = """
id: TS-20261228-001
received: 2026-12-28 10:00:00+08:00
channel: 电话
type: 投诉
category: 服务过程
customer: CUST-0001
description: 楼道灯不亮
first_response: 2026-12-28 10:30:00+08:00
reply_by: 2027-01-20 18:00:00+08:00
resolved: 2026-12-30 16:00:00+08:00
status: 已解决
"""
YEAR_2027 = """calendar:
  years:
    2027:
      source: 国务院办公厅关于2027年部分节假日安排的通知
      holidays:
        - name: 元旦
          from: 2027-01-01
          to: 2027-01-03
"""


def test_a_deadline_over_uncovered_days_is_provisional_until_the_year_is_configured(repo, capsys):
    repo.config(QUIET)
    repo.add(CUSTOMER)
    repo.add(LATE_DECEMBER)
    a = repo.analyse(date(2027, 1, 4))
    (o,) = [o for o in a.open_items if o.rule == "C-REV-01"]  # first revisit 5 working days after resolving
    assert (o.due, o.provisional) == (date(2027, 1, 6), True)  # weekends only: Dec 31, Jan 1, 4, 5, 6
    assert "暂定" in o.what and "2027" in o.what
    (f,) = only(repo.analyse(date(2027, 1, 7)).findings, "C-REV-01")
    assert (f.status, f.provisional) == ("overdue", True) and "暂定" in f.message
    repo.config(QUIET + YEAR_2027)
    a = repo.analyse(date(2027, 1, 4))
    (o,) = [o for o in a.open_items if o.rule == "C-REV-01"]
    assert (o.due, o.provisional) == (date(2027, 1, 7), False)  # Jan 1 is a holiday: Dec 31, Jan 4, 5, 6, 7
    assert main(["--root", str(repo.root), "calendar"]) == 0
    out = capsys.readouterr().out
    assert "2027 年：huifang.yml" in out and "国务院办公厅关于2027年部分节假日安排的通知" in out and "chinesecalendar" in out
