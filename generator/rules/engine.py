"""The rule engine: the Rule type, the registry, and the Context every rule function receives.

Area modules (visits.py, callbacks.py, …) import `rule` and `catalogue` from here; the package
imports the area modules, so the imports point one way only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Callable, Iterable

from ..config import SHALL_WORDS, Config
from ..dates import (Calendar, CalendarRangeError, Provisional, as_of_day, as_of_instant, deadline_instant, fact_instant,
                     local_date, month_key, period_bounds, show_instant)
from ..findings import Finding
from ..load import Record, RecordSet

AREAS = {
    "V": "回访的计划、实施与记录", "W": "维修与完工回访", "E": "设备生命周期回访", "D": "装饰工程",
    "P": "项目与定期工作", "C": "投诉处理", "T": "响应时限", "F": "首问与受理", "S": "满意度量表",
    "K": "客户分类",
}
SCOPES = {"record": "单条记录", "customer": "客户", "issue": "同一问题", "period": "期间", "contract": "合同/设备"}
MUST = ("必须", "严禁", "不能超过", "必需", "不少于", "不低于", "不超过")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # Chinese
    scope: str  # record | customer | issue | period | contract
    modal: str  # the seed's modal word
    source: str  # seed clause, e.g. "000 P4 Art.4(3)"
    asks: str  # what the procedure asks for, one Chinese sentence
    check: Callable | None = None
    param: str | None = None  # profile parameter that sets its threshold
    kinds: tuple[str, ...] = ()  # record kinds it reads (for `check --changed`)
    reason: str = ""  # why it is not checked from records (when check is None)

    @property
    def area(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def enforced(self) -> bool:
        return self.check is not None

    @property
    def default_severity(self) -> str:
        if self.modal in ("可", "可以"):
            return "info"
        if any(w in self.modal for w in MUST) or self.modal in SHALL_WORDS:
            return "error"
        if self.modal.startswith("应") or self.modal.startswith("要"):
            return "error"
        return "warning"

    @property
    def downgradable(self) -> bool:
        return self.default_severity == "error" and not any(w in self.modal for w in MUST)


REGISTRY: dict[str, Rule] = {}


def rule(rid: str, title: str, *, scope: str, modal: str, source: str, asks: str,
         param: str | None = None, kinds: Iterable[str] = ()):
    """Register the decorated function as the check of rule `rid`."""
    def deco(fn):
        REGISTRY[rid] = Rule(rid, title, scope, modal, source, asks, fn, param, tuple(kinds))
        return fn
    return deco


def catalogue(rid: str, title: str, *, scope: str, modal: str, source: str, asks: str, reason: str) -> None:
    """List a rule that is not checked from records, with the reason shown by `huifang rules`."""
    REGISTRY[rid] = Rule(rid, title, scope, modal, source, asks, None, None, (), reason)


@dataclass(frozen=True)
class OpenItem:
    """A duty not done yet: what is due, for which record, by when, and who must act.

    `overdue` items are also findings (status "overdue"); the others are to-dos.
    """

    rule: str
    record: str
    file: str
    due: date  # the deadline's Shanghai day
    what: str
    customer: str | None = None
    overdue: bool = False
    due_at: datetime | None = None  # the deadline instant (a day-only deadline ends at the next midnight)
    days_overdue: int = 0  # whole days between the deadline's day and the as-of day
    responsible: str | None = None  # the record's owner field, else the clerk from git (staff.yml name);
    # a period duty: the role its clause names, with who holds it in staff.yml
    provisional: bool = False  # counted over days the calendar does not know: weekends only, until configured


@dataclass(frozen=True)
class Figure:
    """One period figure: numerator of denominator against a threshold, with its verdict.

    `status` is "running" until the period ends (`end`), then "met" or "missed"; None when
    nothing was counted. `population` names what the denominator counts.
    """

    rule: str
    period: str  # "2026-11" (month) or "2026" (year); see dates.period_bounds
    label: str
    numerator: int
    denominator: int
    target: float
    op: str  # ">=" or "<="
    threshold: str  # Chinese, with the profile option
    offenders: tuple[str, ...] = ()
    scope: str = ""  # a sub-population such as a region ("" = all)
    population: str = ""  # what is counted, in Chinese
    end: datetime | None = None  # when the period closes
    status: str | None = None

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def passed(self) -> bool | None:
        v = self.value
        if v is None:
            return None
        return v >= self.target - 1e-9 if self.op == ">=" else v <= self.target + 1e-9

    def needed(self) -> int:
        """How many more good items (>=) or how many more items in all (<=) would meet the target."""
        if self.passed is not False:
            return 0
        if self.op == ">=":
            if self.target >= 1:
                return self.denominator - self.numerator
            # (n + k) / (d + k) >= t  ⇔  k >= (t·d − n) / (1 − t)
            return max(1, math.ceil((self.target * self.denominator - self.numerator) / (1 - self.target) - 1e-9))
        return max(1, math.ceil(self.numerator / self.target - self.denominator - 1e-9)) if self.target else 0


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    open_items: list[OpenItem] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def _provisional_note(due: Provisional) -> str:
    years = "、".join(str(y) for y in due.years)
    return f"暂定：{years} 年的节假日安排还没有配置，期限按只休周末算出；在 huifang.yml 的 calendar.years 填好后会更正"


def _how_late(due: datetime, done: datetime) -> str:
    late = done - due
    if late < timedelta(days=1):
        return f"{late.total_seconds() / 3600:.1f} 小时"
    return f"{late.days} 天"


class Context:
    """What a rule sees: the records, the profile, the calendar, provenance and the as-of instant.

    `now` is the as-of instant (decided once by the caller), `as_of` its Shanghai day. Rules never
    read the clock. The rule-author API is small: `finding`, `period_finding`, `deadline` (a duty
    with a due time: open item before, overdue finding after, a "done late" finding when it came
    late), `figure` (a period figure and, with `finding=`, its verdict) and `passed`.
    """

    def __init__(self, records: RecordSet, config: Config, as_of: datetime | date, calendar: Calendar,
                 provenance: dict | None = None, staff=None):
        self.records, self.config, self.calendar = records, config, calendar
        self.staff = staff  # staff.yml (history.Staff): names → roles; None or empty when there is none
        self.now = as_of_instant(as_of)
        self.as_of = as_of_day(self.now)
        self.provenance = provenance or {}
        self.outcome = Outcome()
        self.current: Rule | None = None
        self.memo: dict = {}  # per-run cache shared by a rule area (e.g. the equipment schedule)
        self._range_warned: set = set()
        self._months: list[str] | None = None

    # -- profile ---------------------------------------------------------------------------
    def option(self, param: str) -> str:
        return self.config.option(param)

    def threshold(self, name: str):
        return self.config.threshold(name)

    def profile_text(self, param: str) -> str:
        return self.config.describe(param)

    # -- output ----------------------------------------------------------------------------
    def _severity(self, severity: str | None) -> str:
        sw = self.config.rules.get(self.current.id)
        if sw and sw.severity:
            return sw.severity
        return severity or self.current.default_severity

    def _subject(self, record: Record) -> str:
        scope = self.current.scope
        if scope == "issue" and record["issue"]:
            return str(record["issue"])
        if scope in ("customer", "contract"):
            return record.id if record.kind.name == "customer" else (record["customer"] or record.id)
        return record.id

    def _period(self, record: Record, due: datetime | None) -> str | None:
        if due is not None:
            return month_key(as_of_day(due))
        main = record.kind.main_date
        return month_key(record[main]) if main and record[main] is not None else None

    def finding(self, record: Record, key, message: str, *, threshold: str | None = None,
                severity: str | None = None, status: str | None = None, due: datetime | date | None = None) -> None:
        """A finding on one record at the line of `key` (a key name or a key path tuple)."""
        keys = key if isinstance(key, tuple) else ((key,) if key else ())
        r = self.current
        due_at = deadline_instant(due) if due is not None else None
        provisional = isinstance(due, Provisional)
        note = f"（{_provisional_note(due)}）" if provisional else ""
        self.outcome.findings.append(Finding(
            r.id, self._severity(severity), record.path, record.line(*keys), record.id,
            f"{message}{note}。要求：{r.asks}", r.source, threshold, status, due_at,
            self._period(record, due_at), self._subject(record), provisional=provisional))

    def period_finding(self, period: str, message: str, records: Iterable[str] = (), *,
                       threshold: str | None = None, severity: str | None = None,
                       status: str | None = None, scope: str = "") -> None:
        """A finding about a whole period (of one `scope`, such as a region); the message names the
        records it counts against."""
        ids = sorted(set(records))
        listed = "、".join(ids[:20]) + (f" 等 {len(ids)} 条" if len(ids) > 20 else "")
        r = self.current
        text = f"{period}：{message}" + (f"（涉及 {listed}）" if ids else "") + f"。要求：{r.asks}"
        self.outcome.findings.append(Finding(r.id, self._severity(severity), None, None, None, text,
                                             r.source, threshold, status, None, period,
                                             f"{period} {scope}" if scope else period, tuple(ids)))

    def _responsible(self, record: Record) -> str | None:
        return responsible(record, self.provenance)

    def open_item(self, record: Record, due: datetime | date, what: str, customer: str | None = None,
                  who: str | None = None) -> None:
        """A duty of `record` due at `due` (a day lasts to its end); overdue once that has passed.
        `who` must act when it is not the record's owner (a review is the supervisor's duty)."""
        at = deadline_instant(due)
        overdue = at < self.now
        day = as_of_day(at)
        provisional = isinstance(due, Provisional)
        self.outcome.open_items.append(OpenItem(
            self.current.id, record.id, record.path, day, what + (f"（{_provisional_note(due)}）" if provisional else ""),
            customer if customer is not None else (record.id if record.kind.name == "customer" else record["customer"]),
            overdue, at, (self.as_of - day).days if overdue else 0, who or self._responsible(record), provisional))

    def holders(self, role: str, reviewers: bool = False) -> str:
        """'客服主管（周建华、郑国平）': a role with the people staff.yml gives it; the role alone when nobody.
        With `reviewers`, the people staff.yml marks `reviewer: true` where it marks any."""
        members = self.staff.members if self.staff else ()
        names = [m.name for m in members if m.reviewer] if reviewers else []
        names = names or [m.name for m in members
                          if role in {r.strip() for r in (m.role or "").replace("，", "、").replace(",", "、").split("、")}]
        return f"{role}（{'、'.join(names)}）" if names else role

    def period_deadline(self, period: str, due: datetime | date, late: str, what: str, *,
                        threshold: str | None = None, who: str) -> None:
        """A duty of a whole period that no record shows done yet (a weekly report, a reception day):
        a to-do until `due`, then an overdue period finding that stays on the due list. `who` is
        the role the clause makes responsible; the due list names it with its holders (staff.yml)."""
        at = deadline_instant(due)
        overdue = at < self.now
        if overdue:
            self.period_finding(period, late, threshold=threshold, status="overdue")
        day = as_of_day(at)
        self.outcome.open_items.append(OpenItem(
            self.current.id, "", None, day, f"{period}：{what}", None, overdue, at,
            (self.as_of - day).days if overdue else 0, self.holders(who)))

    def figure(self, period: str, label: str, numerator: int, denominator: int, target: float, op: str,
               threshold: str, offenders: Iterable[str] = (), *, scope: str = "", population: str = "",
               end: datetime | None = None, finding: str | None = None, decided: bool = False) -> Figure:
        """A period figure. The period is running until `end` (default: the period's own end).

        With `finding` (what a failing figure means, in Chinese) a failing figure is also a finding:
        a closed period missed is an error; a running one is an info with the progress and what is
        still needed, unless `decided` (it can no longer be met), then it is an error at once.
        """
        end = end or period_bounds(period)[1]
        fig = Figure(self.current.id, period, label, numerator, denominator, target, op, threshold,
                     tuple(sorted(set(offenders))), scope, population, end)
        closed = self.now >= end
        status = None if fig.passed is None else ("met" if fig.passed else "missed") if closed or (
            decided and fig.passed is False) else "running"
        fig = replace(fig, status=status)
        self.outcome.figures.append(fig)
        if finding and fig.passed is False:
            text = f"{scope}：{finding}" if scope else finding
            if status == "missed":
                self.period_finding(period, text, fig.offenders, threshold=threshold, status="missed", scope=scope)
            else:
                more = fig.needed()
                need = (f"，还需 {more} 项达标" if op == ">=" else f"，还需增加 {more} 项其他方式的回访") if more else ""
                self.period_finding(period, f"{text}；期间到 {show_instant(end)} 才结束，目前 {fig.numerator}/"
                                    f"{fig.denominator}{need}", fig.offenders, threshold=threshold,
                                    severity="info", status="running", scope=scope)
        return fig

    # -- time ------------------------------------------------------------------------------
    def passed(self, deadline: datetime | date) -> bool:
        """True once the deadline lies before the as-of instant (a day-only deadline lasts its whole day)."""
        return deadline_instant(deadline) < self.now

    def deadline(self, record: Record, key, due: datetime | date, late: str, what: str, *,
                 threshold: str | None = None, done: datetime | date | None = None, who: str | None = None) -> None:
        """A duty due at `due`: the one helper for time-bound duties.

        Not done (`done` None): an open item `what` while the deadline is ahead; once it has passed,
        an overdue finding (`late`) and the item stays on the due list as overdue. Done after the
        deadline: a finding with status "done" saying how late (history: it never blocks a commit).
        Done in time: nothing.
        """
        at = deadline_instant(due)
        if done is not None:
            if isinstance(done, datetime):
                got = fact_instant(done)
                late, when, how = got > at, show_instant(got), _how_late(at, got)
            else:  # a day-only fact (a re-check date, a review date) is late from the day after the deadline's day
                last = local_date(due) if isinstance(due, datetime) else due
                late, when, how = done > last, str(done), f"{(done - last).days} 天"
            if late:
                self.finding(record, key, f"{what}：期限 {show_instant(at)}，{when} 才完成，晚了 {how}",
                             threshold=threshold, status="done", due=due)
            return
        if at < self.now:
            self.finding(record, key, late, threshold=threshold, status="overdue", due=due)
        self.open_item(record, due, what, who=who)

    def add_workdays(self, record: Record, key, start: date, n: int) -> date:
        """start + n working days. Where the calendar does not know a day of the count the result is a
        `Provisional` date (weekends only); deadlines and findings made from it say so."""
        return self.calendar.add_workdays(start, n)

    def uncovered(self, record: Record, key, e: CalendarRangeError) -> None:
        """One warning per rule and record where a rule needs to know a day no calendar source knows."""
        if (self.current.id, record.id) in self._range_warned:
            return
        self._range_warned.add((self.current.id, record.id))
        self.finding(record, key, f"无法按工作日判断：{e}", severity="warning")

    def months(self) -> list[str]:
        """The months that have records, up to the as-of month (which is always included), as 'YYYY-MM'.

        Months without a single record (e.g. the gap before a few archive records) get no figures.
        Computed once per run (several rules ask; at 100,000 records each answer costs a second).
        """
        if self._months is None:
            self._months = months_of(self.records, self.as_of)
        return list(self._months)


def responsible(record: Record, provenance: dict | None) -> str | None:
    """Who must act: the record's own owner (visitor, responsible department, receiving department),
    else the clerk who submitted it (git, named through staff.yml)."""
    owner = record["visitor"] or record["department"] or record["received_by"] or record["by"]
    if owner:
        return str(owner)
    prov = (provenance or {}).get(record.path)
    return getattr(prov, "submitter", None) if prov is not None else None


def months_of(records: RecordSet, as_of: date) -> list[str]:
    """The months with records up to the as-of month (always included): the months pages and figures cover."""
    dates = [r["date"] for r in records.visits] + [r["received"] for r in records.complaints] \
        + [r["completed"] for r in records.orders] + [r["date"] for r in records.letters]
    limit = month_key(as_of)
    return sorted(m for m in {month_key(d) for d in dates} | {limit} if m <= limit)
