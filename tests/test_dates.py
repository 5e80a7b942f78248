"""Tests for generator.dates against the official 2026 PRC holiday arrangement."""

import pickle
import re
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar
import pytest

from generator.dates import (
    TZ,
    Calendar,
    CalendarRangeError,
    local,
    local_date,
    today,
)

D = date.fromisoformat
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def cal():
    return Calendar()


# --- covered range ----------------------------------------------------------


def test_range_matches_package_data(cal):
    assert (cal.first.month, cal.first.day) == (1, 1)
    assert (cal.last.month, cal.last.day) == (12, 31)
    assert cal.last.year >= 2026
    # The package itself agrees on the boundaries.
    chinese_calendar.is_workday(cal.first)
    chinese_calendar.is_workday(cal.last)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(cal.last + timedelta(days=1))
    assert cal.covers(cal.first) and cal.covers(cal.last)
    assert not cal.covers(cal.last + timedelta(days=1))
    assert not cal.covers(cal.first - timedelta(days=1))


def test_agrees_with_package_over_whole_range(cal):
    d = cal.first
    while d <= cal.last:
        assert cal.is_workday(d) == chinese_calendar.is_workday(d), d
        d += timedelta(days=1)


# --- weekends and holidays ----------------------------------------------------


def test_weekend_vs_weekday(cal):
    assert cal.is_workday(D("2026-03-06"))  # Friday
    assert not cal.is_workday(D("2026-03-07"))  # Saturday
    assert not cal.is_workday(D("2026-03-08"))  # Sunday
    assert cal.is_workday(D("2026-03-09"))  # Monday


def test_national_day_2026(cal):
    for day in range(1, 8):
        assert not cal.is_workday(date(2026, 10, day))
    assert cal.is_workday(D("2026-10-10"))  # Saturday, make-up day
    assert cal.is_workday(D("2026-09-20"))  # Sunday, make-up day
    assert not cal.is_workday(D("2026-10-11"))  # ordinary Sunday


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, "2026-09-30"),
        (1, "2026-10-08"),
        (2, "2026-10-09"),
        (3, "2026-10-10"),
        (4, "2026-10-12"),
        (5, "2026-10-13"),
    ],
)
def test_add_workdays_across_national_day(cal, n, expected):
    assert cal.add_workdays(D("2026-09-30"), n) == D(expected)


def test_workdays_between_across_national_day(cal):
    # Oct 8, 9, 10 (make-up Saturday), 12.
    assert cal.workdays_between(D("2026-09-30"), D("2026-10-12")) == 4
    # Sep 20 (make-up Sunday) and Sep 21; Sep 19 is an ordinary Saturday.
    assert cal.workdays_between(D("2026-09-18"), D("2026-09-21")) == 2
    assert cal.workdays_between(D("2026-09-30"), D("2026-10-07")) == 0
    assert cal.workdays_between(D("2026-10-12"), D("2026-09-30")) == 0
    assert cal.workdays_between(D("2026-10-12"), D("2026-10-12")) == 0


def test_between_is_inverse_of_add(cal):
    start = D("2025-01-06")
    for offset in range(0, 400, 7):
        d = start + timedelta(days=offset)
        for n in (1, 3, 10, 60):
            assert cal.workdays_between(d, cal.add_workdays(d, n)) == n


def test_spring_festival_2026(cal):
    for day in range(15, 24):
        assert not cal.is_workday(date(2026, 2, day))
    assert cal.is_workday(D("2026-02-14"))  # Saturday, make-up day
    assert cal.is_workday(D("2026-02-28"))  # Saturday, make-up day
    assert cal.add_workdays(D("2026-02-13"), 1) == D("2026-02-14")
    assert cal.add_workdays(D("2026-02-14"), 1) == D("2026-02-24")
    # Feb 14, 24, 25, 26, 27, 28.
    assert cal.workdays_between(D("2026-02-13"), D("2026-02-28")) == 6


def test_add_workdays_over_a_year(cal):
    d = D("2025-01-01")
    end = cal.add_workdays(d, 240)
    assert cal.workdays_between(d, end) == 240
    assert D("2025-12-01") < end < D("2026-01-31")


def test_negative_n_rejected(cal):
    with pytest.raises(ValueError):
        cal.add_workdays(D("2026-09-30"), -1)


# --- local overrides ----------------------------------------------------------


def test_local_day_off_removes_a_day():
    c = Calendar(days_off=[D("2026-10-09")])
    assert not c.is_workday(D("2026-10-09"))
    assert c.add_workdays(D("2026-09-30"), 2) == D("2026-10-10")
    assert c.workdays_between(D("2026-09-30"), D("2026-10-12")) == 3


def test_local_day_off_beats_make_up_day():
    c = Calendar(days_off=[D("2026-10-10")])
    assert not c.is_workday(D("2026-10-10"))
    assert c.add_workdays(D("2026-10-09"), 1) == D("2026-10-12")


def test_local_workday_adds_one():
    c = Calendar(workdays=[D("2026-10-11"), D("2026-10-05")])
    assert c.is_workday(D("2026-10-11"))
    assert c.is_workday(D("2026-10-05"))
    assert c.add_workdays(D("2026-09-30"), 1) == D("2026-10-05")
    assert c.workdays_between(D("2026-09-30"), D("2026-10-12")) == 6


def test_default_calendar_unaffected_by_overrides(cal):
    Calendar(days_off=[D("2026-10-09")])
    assert cal.is_workday(D("2026-10-09"))


def test_overrides_valid_outside_range(cal):
    beyond = cal.last.year + 1
    c = Calendar(days_off=[date(beyond, 1, 1)], workdays=[date(beyond, 1, 2)])
    assert not c.is_workday(date(beyond, 1, 1))
    assert c.is_workday(date(beyond, 1, 2))
    assert not c.covers(date(beyond, 1, 2))
    # Walking past the range succeeds only through overridden days.
    assert c.add_workdays(date(beyond, 1, 1), 1) == date(beyond, 1, 2)
    with pytest.raises(CalendarRangeError):
        c.is_workday(date(beyond, 1, 3))


def test_conflicting_overrides_rejected():
    with pytest.raises(ValueError, match="2026-10-09") as info:
        Calendar(days_off=[D("2026-10-09")], workdays=[D("2026-10-09")])
    assert CJK.search(str(info.value))


# --- out of range -------------------------------------------------------------


def test_year_beyond_range_raises_chinese_error(cal):
    beyond = date(cal.last.year + 1, 6, 1)
    with pytest.raises(CalendarRangeError) as info:
        cal.is_workday(beyond)
    err = info.value
    assert err.day == beyond
    assert beyond.isoformat() in str(err)
    assert CJK.search(str(err))
    again = pickle.loads(pickle.dumps(err))
    assert again.day == beyond and str(again) == str(err)


def test_year_before_range_raises(cal):
    with pytest.raises(CalendarRangeError):
        cal.is_workday(cal.first - timedelta(days=1))


def test_walking_off_the_end_counts_weekends_only_and_says_so(cal):
    from generator.dates import Provisional
    got = cal.add_workdays(cal.last - timedelta(days=10), 30)
    assert isinstance(got, Provisional) and got.years == (cal.last.year + 1,)
    assert got.weekday() < 5
    inside = cal.add_workdays(cal.last - timedelta(days=40), 5)
    assert not isinstance(inside, Provisional)
    end = cal.last + timedelta(days=10)
    weekdays = sum(1 for i in range(1, 11) if (cal.last + timedelta(days=i)).weekday() < 5)
    assert cal.workdays_between(cal.last, end) == weekdays
    with pytest.raises(CalendarRangeError):
        cal.is_workday(end)


# --- times of day -------------------------------------------------------------


def test_next_workday_start_friday_evening_before_qingming(cal):
    # Qingming 2026: Sat Apr 4 .. Mon Apr 6 off, work resumes Tue Apr 7.
    got = cal.next_workday_start(datetime(2026, 4, 3, 20, 30))
    assert got == datetime(2026, 4, 7, 9, 0, tzinfo=TZ)
    assert got.tzinfo is TZ


def test_next_workday_start_friday_evening_before_spring_festival(cal):
    # The next day is a make-up Saturday, so work resumes then.
    got = cal.next_workday_start(datetime(2026, 2, 13, 19, 0, tzinfo=TZ))
    assert got == datetime(2026, 2, 14, 9, 0, tzinfo=TZ)


def test_next_workday_start_from_utc_input(cal):
    # 12:00 UTC on Friday Apr 3 is 20:00 in Shanghai.
    got = cal.next_workday_start(datetime(2026, 4, 3, 12, 0, tzinfo=timezone.utc))
    assert got == datetime(2026, 4, 7, 9, 0, tzinfo=TZ)


def test_next_workday_start_same_day(cal):
    assert cal.next_workday_start(datetime(2026, 4, 7, 7, 30)) == datetime(2026, 4, 7, 9, 0, tzinfo=TZ)
    assert cal.next_workday_start(datetime(2026, 4, 7, 9, 0)) == datetime(2026, 4, 7, 9, 0, tzinfo=TZ)
    assert cal.next_workday_start(datetime(2026, 4, 7, 8, 0), start=time(8, 30)) == datetime(
        2026, 4, 7, 8, 30, tzinfo=TZ
    )


def test_is_working_time(cal):
    assert cal.is_working_time(datetime(2026, 10, 10, 10, 0))  # make-up Saturday
    assert not cal.is_working_time(datetime(2026, 10, 11, 10, 0))  # Sunday
    assert not cal.is_working_time(datetime(2026, 10, 9, 8, 59))
    assert cal.is_working_time(datetime(2026, 10, 9, 9, 0))
    assert not cal.is_working_time(datetime(2026, 10, 9, 18, 0))
    # 02:00 UTC is 10:00 in Shanghai.
    assert cal.is_working_time(datetime(2026, 10, 9, 2, 0, tzinfo=timezone.utc))


# --- local time helpers -------------------------------------------------------


def test_local_naive_is_assumed_shanghai():
    got = local(datetime(2026, 10, 1, 8, 30))
    assert got == datetime(2026, 10, 1, 8, 30, tzinfo=TZ)
    assert got.tzinfo is TZ


def test_local_aware_is_converted():
    got = local(datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc))
    assert got.tzinfo is TZ
    assert (got.date(), got.hour, got.minute) == (D("2026-10-01"), 0, 30)
    assert got == datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc)


def test_local_date():
    assert local(D("2026-10-01")) == D("2026-10-01")
    assert local_date(D("2026-10-01")) == D("2026-10-01")
    assert local_date(datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc)) == D("2026-10-01")
    assert local_date(datetime(2026, 9, 30, 23, 59)) == D("2026-09-30")


def test_is_workday_accepts_datetime(cal):
    # 16:30 UTC on Sep 30 is already Oct 1 (a holiday) in Shanghai.
    assert not cal.is_workday(datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc))
    assert cal.is_workday(datetime(2026, 9, 30, 15, 30, tzinfo=timezone.utc))


def test_today_is_shanghai_date():
    before = datetime.now(TZ).date()
    got = today()
    after = datetime.now(TZ).date()
    assert got in {before, after}


# --- the as-of instant and periods -------------------------------------------


def test_as_of_accepts_a_date_or_a_date_time_and_nothing_else():
    from generator.dates import AsOfError, as_of_day, as_of_instant, show_instant
    end = as_of_instant("2026-11-30")
    assert end == datetime(2026, 12, 1, tzinfo=TZ) and as_of_day(end) == D("2026-11-30")
    assert show_instant(end) == "2026-11-30"
    t = as_of_instant("2026-11-30 15:00")
    assert t == datetime(2026, 11, 30, 15, tzinfo=TZ) and show_instant(t) == "2026-11-30 15:00"
    assert as_of_instant(datetime(2026, 11, 30, 7, tzinfo=timezone.utc)) == t
    for bad in ("2026-13-01", "昨天", "2026-11-30T25:00"):
        with pytest.raises(AsOfError):
            as_of_instant(bad)


def test_deadlines_last_to_the_end_of_their_day_and_facts_start_with_it():
    from generator.dates import deadline_instant, fact_instant
    assert deadline_instant(D("2026-11-30")) == datetime(2026, 12, 1, tzinfo=TZ)
    assert fact_instant(D("2026-11-30")) == datetime(2026, 11, 30, tzinfo=TZ)
    t = datetime(2026, 11, 30, 7, tzinfo=timezone.utc)
    assert deadline_instant(t) == fact_instant(t) == datetime(2026, 11, 30, 15, tzinfo=TZ)


@pytest.mark.parametrize("period, start, end", [
    ("2026", "2026-01-01", "2027-01-01"),
    ("2026-Q4", "2026-10-01", "2027-01-01"),
    ("2026-02", "2026-02-01", "2026-03-01"),
    ("2026-12", "2026-12-01", "2027-01-01"),
    ("2026-W53", "2026-12-28", "2027-01-04"),
])
def test_period_bounds(period, start, end):
    from generator.dates import period_bounds
    assert period_bounds(period) == (datetime.combine(D(start), time(0), TZ), datetime.combine(D(end), time(0), TZ))


def test_months_clamp_to_month_end():
    from generator.dates import add_months, month_key
    assert add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert add_months(D("2026-11-30"), 3) == D("2027-02-28")
    assert month_key(datetime(2026, 11, 30, 17, tzinfo=timezone.utc)) == "2026-12"



# --- years entered from the State Council's notice ------------------------------


def _year_2027():
    from generator.config import CalendarYear, Holiday
    return {2027: CalendarYear(2027, "国办发明电〔2026〕1号", (
        Holiday("元旦", D("2027-01-01"), D("2027-01-03")),
        Holiday("春节", D("2027-02-06"), D("2027-02-13"), (D("2027-02-14"), D("2027-02-20"))),
    ))}


def test_a_configured_year_is_known_exactly():
    from generator.dates import Provisional
    c = Calendar(years=_year_2027())
    assert c.covers(D("2027-06-01")) and not c.covers(D("2028-01-03"))
    assert not c.is_workday(D("2027-01-01"))  # Friday, New Year
    assert c.is_workday(D("2027-02-14"))  # Sunday, make-up working day
    assert not c.is_workday(D("2027-02-08"))  # Monday in the Spring Festival
    got = c.add_workdays(D("2026-12-30"), 2)  # Dec 31, then Jan 4 (Jan 1-3 off)
    assert got == D("2027-01-04") and not isinstance(got, Provisional)
    plain = Calendar().add_workdays(D("2026-12-30"), 2)  # weekends only: Dec 31, Jan 1
    assert plain == D("2027-01-01") and isinstance(plain, Provisional)
    assert [(a, b, src) for a, b, src, _ in c.sources(2028)] == [
        (c.first.year, 2026, "chinesecalendar"), (2027, 2027, "huifang.yml"), (2028, 2028, "")]
