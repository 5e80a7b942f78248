"""All date arithmetic: Shanghai time, the as-of instant, months and periods, PRC working days.

Time is an input. The as-of instant is decided once per run (`as_of_instant`); the only
clock read is `now()`, called by the command line when no --as-of is given. Everything
else compares against that instant:

- a fact dated with a day only (a letter's date) happened at the start of that day;
- a deadline given as a day lasts to the end of that day (`deadline_instant`);
- a deadline has passed when it lies strictly before the as-of instant, so a deadline
  later on the as-of day is still open;
- a period (year, quarter, month, ISO week) is running until the instant reaches its end.

Deadlines in the records are counted in working days: weekends and statutory
holidays are off, the make-up working days (调休) are on. The official data
comes from ``chinesecalendar``; a deployment may override single days from its
config (passed in by the caller), and those overrides always win.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import metadata
from zoneinfo import ZoneInfo

from chinese_calendar import constants as _official

__all__ = [
    "TZ",
    "CalendarRangeError",
    "Calendar",
    "Provisional",
    "local",
    "local_date",
    "today",
    "now",
    "AsOfError",
    "as_of_instant",
    "as_of_day",
    "deadline_instant",
    "fact_instant",
    "month_key",
    "add_months",
    "period_bounds",
    "show_instant",
]

TZ = ZoneInfo("Asia/Shanghai")

_ONE_DAY = timedelta(days=1)


def _official_years() -> tuple[int, int]:
    """The contiguous run of years ending at the newest year the package knows.

    Derived from the data (not hard-coded) so upgrading ``chinesecalendar``
    extends the range by itself. A year counts as known when it has holiday
    entries — the same rule the package uses before it raises
    NotImplementedError. Taking the contiguous run guards against a gap year
    silently being treated as "weekends only".
    """
    years = {d.year for d in _official.holidays}
    last = max(years)
    first = last
    while first - 1 in years:
        first -= 1
    return first, last


_FIRST_YEAR, _LAST_YEAR = _official_years()
_OFFICIAL_FIRST = date(_FIRST_YEAR, 1, 1)
_OFFICIAL_LAST = date(_LAST_YEAR, 12, 31)


@cache
def _official_workday_ordinals() -> frozenset[int]:
    """Ordinals of all official working days in the covered range, computed once per process."""
    holidays = _official.holidays
    workdays = _official.workdays
    result = set()
    d = _OFFICIAL_FIRST
    while d <= _OFFICIAL_LAST:
        if d in workdays or (d.weekday() < 5 and d not in holidays):
            result.add(d.toordinal())
        d += _ONE_DAY
    return frozenset(result)


class CalendarRangeError(Exception):
    """A date outside the years the official calendar knows; ``.day`` holds it.

    Raised instead of guessing, because treating an unannounced year as
    "weekends only" would silently produce wrong deadlines.
    """

    def __init__(self, day: date, first: date = _OFFICIAL_FIRST, last: date = _OFFICIAL_LAST):
        self.day = day
        self.first = first
        self.last = last
        super().__init__(
            f"{day.isoformat()} 不在节假日数据的覆盖范围内"
            f"（chinesecalendar 覆盖 {first.year}–{last.year} 年），无法判断是否为工作日；"
            f"请在 huifang.yml 的 calendar.years 里按国务院办公厅的通知填写 {day.year} 年的放假安排"
            f"（huifang calendar 查看覆盖情况），或升级 chinesecalendar。"
        )

    def __reduce__(self):
        # Keep the exception picklable despite the custom __init__ signature.
        return (self.__class__, (self.day, self.first, self.last))


def _as_day(d: date | datetime) -> date:
    """Accept datetimes too, judging them by their Shanghai calendar day."""
    if d.__class__ is datetime and d.tzinfo is TZ:
        return d.date()
    if isinstance(d, datetime):
        return local(d).date()
    if isinstance(d, date):
        return d
    raise TypeError(f"需要 date 或 datetime，实际得到 {type(d).__name__}")


class Provisional(date):
    """A day counted over days the calendar does not know (weekends only there): provisional
    until that year's official arrangement is in chinesecalendar or in huifang.yml."""

    years: tuple[int, ...] = ()

    @classmethod
    def of(cls, d: date, years) -> "Provisional":
        p = cls(d.year, d.month, d.day)
        p.years = tuple(sorted(years))
        return p

    def __reduce__(self):
        return (_provisional, (self.toordinal(), self.years))


def _provisional(ordinal: int, years: tuple[int, ...]) -> Provisional:
    return Provisional.of(date.fromordinal(ordinal), years)


class Calendar:
    """Official PRC working days, years entered from the State Council's notice, and local overrides.

    Three sources, in order: the deployment's own single days (`days_off`, `workdays`) always win;
    then a year's arrangement entered in huifang.yml (`years`: holidays as date ranges plus make-up
    working days) or, for the years it knows, chinesecalendar's official data. A day no source
    knows is judged by weekends only, and a result that depends on one is `Provisional`.
    Working days of the official range are precomputed into a sorted list, so counting inside it
    is a bisect, not a day-by-day walk.
    """

    def __init__(self, days_off: Iterable[date] = (), workdays: Iterable[date] = (), years=None):
        self._local_off = frozenset(_as_day(d) for d in days_off)
        self._local_on = frozenset(_as_day(d) for d in workdays)
        clash = self._local_off & self._local_on
        if clash:
            listed = "、".join(sorted(d.isoformat() for d in clash))
            raise ValueError(f"本地配置把以下日期同时列为休息日和工作日：{listed}")

        self.first: date = _OFFICIAL_FIRST
        self.last: date = _OFFICIAL_LAST
        self.configured = {y: c for y, c in (years or {}).items() if not self.first.year <= y <= self.last.year}
        self._configured_on: dict[int, frozenset[int]] = {y: _year_workdays(c) for y, c in self.configured.items()}

        on = set(_official_workday_ordinals())
        on.difference_update(d.toordinal() for d in self._local_off)
        on.update(d.toordinal() for d in self._local_on if self.first <= d <= self.last)
        self._ordinals_set = frozenset(on)
        self._ordinals = sorted(on)

    def covers(self, d: date) -> bool:
        """Whether a source knows ``d``'s year: the official data or an arrangement in huifang.yml."""
        d = _as_day(d)
        return self.first <= d <= self.last or d.year in self._configured_on

    def _known(self, d: date) -> bool | None:
        """Working day or not where a source knows it; None where none does."""
        if d in self._local_off:
            return False
        if d in self._local_on:
            return True
        if self.first <= d <= self.last:
            return d.toordinal() in self._ordinals_set
        days = self._configured_on.get(d.year)
        return None if days is None else d.toordinal() in days

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; raises CalendarRangeError where no source knows it."""
        d = _as_day(d)
        known = self._known(d)
        if known is None:
            raise CalendarRangeError(d, self.first, self.last)
        return known

    def _walk(self, d: date) -> tuple[bool, bool]:
        """(working day, guessed): a day no source knows counts as working unless it is a weekend."""
        known = self._known(d)
        return (d.weekday() < 5, True) if known is None else (known, False)

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d``; ``n == 0`` returns ``d``.

        Inside the official range this jumps by bisect; elsewhere it walks day by day. When a day
        of the count is known to no source, the result is a `Provisional` date (weekends only there).
        """
        if n < 0:
            raise ValueError(f"工作日数不能为负数：{n}")
        cur = _as_day(d)
        remaining = n
        guessed: set[int] = set()
        while remaining:
            if self.first <= cur < self.last:
                i = bisect_right(self._ordinals, cur.toordinal())
                available = len(self._ordinals) - i
                if remaining <= available:
                    cur = date.fromordinal(self._ordinals[i + remaining - 1])
                    break
                remaining -= available
                cur = self.last
                continue
            cur += _ONE_DAY
            on, guess = self._walk(cur)
            if guess:
                guessed.add(cur.year)
            if on:
                remaining -= 1
        return Provisional.of(cur, guessed) if guessed else cur

    def workdays_between(self, a: date, b: date) -> int:
        """Number of working days in the half-open interval (a, b]; 0 if ``b <= a``.

        Half-open so that ``workdays_between(d, add_workdays(d, n)) == n``; days no source knows
        count by weekends only, as in `add_workdays`.
        """
        cur, end = _as_day(a), _as_day(b)
        count = 0
        while cur < end:
            if self.first <= cur < self.last:
                stop = min(end, self.last)
                count += bisect_right(self._ordinals, stop.toordinal()) - bisect_right(
                    self._ordinals, cur.toordinal()
                )
                cur = stop
                continue
            cur += _ONE_DAY
            if self._walk(cur)[0]:
                count += 1
        return count

    def next_workday_start(self, dt: datetime, start: time = time(9, 0)) -> datetime:
        """The next moment work starts at or after ``dt``, as an aware Shanghai datetime.

        For off-hours rules: a complaint received on Friday evening before a
        holiday starts its clock when work resumes. Note the literal contract:
        during working hours this is the *next* working day's start — check
        ``is_working_time`` first if ``dt`` itself should count. Raises
        CalendarRangeError where no source knows the days.
        """
        dt = local(dt)
        day = dt.date()
        if self.is_workday(day):
            begin = datetime.combine(day, start, tzinfo=TZ)
            if dt <= begin:
                return begin
        nxt = day + _ONE_DAY
        while not self.is_workday(nxt):
            nxt += _ONE_DAY
        return datetime.combine(nxt, start, tzinfo=TZ)

    def is_working_time(self, dt: datetime, start: time = time(9, 0), end: time = time(18, 0)) -> bool:
        """Whether ``dt`` falls in [start, end) on a working day, on the Shanghai wall clock."""
        dt = local(dt)
        return self.is_workday(dt.date()) and start <= dt.time() < end

    def sources(self, through: int) -> list[tuple[int, int, str, str]]:
        """(first year, last year, source, detail) up to year `through`, gaps included (source "")."""
        out = [(self.first.year, self.last.year, "chinesecalendar", _package_version())]
        for y in sorted(self.configured):
            out.append((y, y, "huifang.yml", self.configured[y].source))
        known = {y for a, b, _, _ in out for y in range(a, b + 1)}
        gap = [y for y in range(self.last.year + 1, max(through, self.last.year) + 1) if y not in known]
        for y in gap:
            if out[-1][2] == "" and out[-1][1] == y - 1:
                out[-1] = (out[-1][0], y, "", "")
            else:
                out.append((y, y, "", ""))
        return sorted(out)


def _year_workdays(year) -> frozenset[int]:
    """Working-day ordinals of a year entered from the State Council's notice: weekdays, minus the
    holidays' days off, plus their make-up working days."""
    off, on = set(), set()
    for h in year.holidays:
        d = h.first
        while d <= h.last:
            off.add(d)
            d += _ONE_DAY
        on.update(h.workdays)
    d, out = date(year.year, 1, 1), set()
    while d.year == year.year:
        if d in on or (d.weekday() < 5 and d not in off):
            out.add(d.toordinal())
        d += _ONE_DAY
    return frozenset(out)


def _package_version() -> str:
    try:
        return f"chinesecalendar {metadata.version('chinesecalendar')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency of the package
        return "chinesecalendar"


def local(dt: datetime | date) -> datetime | date:
    """Shanghai wall-clock view: naive datetimes are assumed Shanghai, aware ones converted; dates unchanged."""
    if dt.__class__ is datetime and dt.tzinfo is TZ:  # what the loader makes: already Shanghai
        return dt
    if isinstance(dt, datetime):
        if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
            return dt.replace(tzinfo=TZ)
        return dt.astimezone(TZ)
    if isinstance(dt, date):
        return dt
    raise TypeError(f"需要 date 或 datetime，实际得到 {type(dt).__name__}")


def local_date(dt: datetime | date) -> date:
    """The Shanghai calendar day of ``dt`` (a UTC evening may already be tomorrow in Shanghai)."""
    if dt.__class__ is datetime and dt.tzinfo is TZ:
        return dt.date()
    return _as_day(dt)


def now() -> datetime:
    """The current instant in Asia/Shanghai: the one place huifang reads the clock."""
    return datetime.now(TZ)


def today() -> date:
    """Today in Asia/Shanghai, whatever the server's own time zone."""
    return now().date()


# --- the as-of instant ----------------------------------------------------------------------

def deadline_instant(d: date | datetime) -> datetime:
    """When a deadline ends: a day lasts to its end (the next midnight), a time is itself."""
    if isinstance(d, datetime):
        return local(d)
    return datetime.combine(d + _ONE_DAY, time(0), TZ)


def fact_instant(d: date | datetime) -> datetime:
    """When a fact happened: a day-only fact counts from the start of that day."""
    if d.__class__ is datetime and d.tzinfo is TZ:
        return d
    if isinstance(d, datetime):
        return local(d)
    return datetime.combine(d, time(0), TZ)


class AsOfError(ValueError):
    """An --as-of value that is neither a date nor a date-time (message in Chinese)."""


def as_of_instant(value: date | datetime | str | None = None) -> datetime:
    """The one instant a run judges at: a date means the end of that day, a date-time that instant
    (without a zone: Shanghai time), None means now."""
    if value is None:
        return now()
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                value = date.fromisoformat(text)
            else:
                value = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            raise AsOfError(f"“{value}”不是有效日期或时间，应写成 2026-11-30 或 2026-11-30T15:00（北京时间）")
    try:
        if isinstance(value, datetime):
            return local(value)
        return deadline_instant(value)
    except OverflowError:  # 9999-12-31 has no end of day
        raise AsOfError(f"“{value}”超出了可以计算的日期范围")


def as_of_day(instant: datetime) -> date:
    """The Shanghai day an instant belongs to; the end of a day (midnight) still belongs to that day."""
    return (local(instant) - timedelta(microseconds=1)).date()


def show_instant(instant: datetime) -> str:
    """'2026-11-20' for the end of a day, '2026-11-20 15:30' for any other instant (Chinese pages)."""
    t = local(instant)
    if t.time() == time(0):
        return as_of_day(t).isoformat()
    return t.strftime("%Y-%m-%d %H:%M")


# --- months and periods ---------------------------------------------------------------------

def month_key(value: date | datetime) -> str:
    """'YYYY-MM' of a day or (Shanghai) time."""
    d = local_date(value)
    return f"{d.year:04d}-{d.month:02d}"


def add_months(d: date, n: int) -> date:
    """Calendar months later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY).day
    return date(year, month, min(d.day, last))


def period_month(period) -> str | None:
    """The month a period belongs to on month pages: its own month, a day's month, an ISO week's
    Monday's month (as week labels read: 11月第1周); a year or anything else stays as it is."""
    p = str(period or "")
    if len(p) == 8 and p[4:6] == "-W" and p[6:].isdigit():
        return month_key(date.fromisocalendar(int(p[:4]), int(p[6:]), 1))
    return p[:7] if len(p) in (7, 10) and p[4] == "-" else (period or None)


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of a period written 'YYYY', 'YYYY-Qn', 'YYYY-MM' or 'YYYY-Www' (ISO week)."""
    y = int(period[:4])
    if len(period) == 4:
        a, b = date(y, 1, 1), date(y + 1, 1, 1)
    elif period[5] == "Q":
        q = int(period[6:])
        a = date(y, 3 * q - 2, 1)
        b = add_months(a, 3)
    elif period[5] == "W":
        a = date.fromisocalendar(y, int(period[6:]), 1)
        b = a + timedelta(days=7)
    else:
        a = date(y, int(period[5:7]), 1)
        b = add_months(a, 1)
    return fact_instant(a), fact_instant(b)


# --- festivals ------------------------------------------------------------------------------

# The statutory festivals by their Chinese names, as the official calendar data names them.
FESTIVALS = {"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Tomb-sweeping Day",
             "劳动节": "Labour Day", "端午节": "Dragon Boat Festival", "中秋节": "Mid-autumn Festival",
             "国庆节": "National Day"}


def festival_days(name: str, year: int) -> tuple[date, date] | None:
    """(first, last) day of a statutory festival's holiday in a year, or None when the official
    calendar has no such holiday that year (unknown name, unannounced year, or merged with another)."""
    label = FESTIVALS.get(name)
    days = sorted(d for d, n in _official.holidays.items() if d.year == year and n == label) if label else []
    return (days[0], days[-1]) if days else None
