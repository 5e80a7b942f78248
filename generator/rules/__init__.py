"""The rule engine: every rule of PROCEDURES.md as data plus one small function.

A rule is registered with `@rule(...)` in the module of its procedure area
(visits.py = V, callbacks.py = W, equipment.py = E, complaints.py = C,
response.py = T, scales.py = S/K); rules that cannot be checked from records are
listed with `catalogue(...)` and the reason. `run()` judges all records against
`--as-of` and returns findings, open items (deadlines not yet passed) and period figures.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable

from ..config import SHALL_WORDS, Config
from ..findings import Finding
from ..load import Record, RecordSet
from ..workdays import TZ, Calendar, CalendarRangeError

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
    """A deadline that is not yet a violation: what is due, for which record, by when."""

    rule: str
    record: str
    file: str
    due: date
    what: str
    customer: str | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Figure:
    """One period rule measured for one period, against its threshold."""

    rule: str
    period: str  # "2026-11" (month) or "2026" (year to date)
    label: str
    numerator: int
    denominator: int
    target: float
    op: str  # ">=" or "<="
    threshold: str  # Chinese, with the profile option
    offenders: tuple[str, ...] = ()

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def passed(self) -> bool | None:
        v = self.value
        if v is None:
            return None
        return v >= self.target - 1e-9 if self.op == ">=" else v <= self.target + 1e-9


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    open_items: list[OpenItem] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


class Context:
    """What a rule sees: the records, the profile, the calendar, provenance and the as-of day."""

    def __init__(self, records: RecordSet, config: Config, as_of: date, calendar: Calendar,
                 provenance: dict | None = None):
        self.records, self.config, self.as_of, self.calendar = records, config, as_of, calendar
        self.provenance = provenance or {}
        self.now = datetime.combine(as_of + timedelta(days=1), time(0), TZ)  # end of the as-of day
        self.outcome = Outcome()
        self.current: Rule | None = None
        self._range_warned: set = set()

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

    def finding(self, record: Record, key, message: str, *, threshold: str | None = None,
                severity: str | None = None) -> None:
        """A finding on one record at the line of `key` (a key name or a key path tuple)."""
        keys = key if isinstance(key, tuple) else ((key,) if key else ())
        r = self.current
        self.outcome.findings.append(Finding(
            r.id, self._severity(severity), record.path, record.line(*keys), record.id,
            f"{message}。要求：{r.asks}", r.source, threshold))

    def period_finding(self, period: str, message: str, records: Iterable[str] = (), *,
                       threshold: str | None = None, severity: str | None = None) -> None:
        """A finding about a whole period; the message names the records it counts against."""
        ids = sorted(set(records))
        listed = "、".join(ids[:20]) + (f" 等 {len(ids)} 条" if len(ids) > 20 else "")
        r = self.current
        text = f"{period}：{message}" + (f"（涉及 {listed}）" if ids else "") + f"。要求：{r.asks}"
        self.outcome.findings.append(Finding(r.id, self._severity(severity), None, None, None, text,
                                             r.source, threshold))

    def open_item(self, record: Record, due: date, what: str, customer: str | None = None) -> None:
        self.outcome.open_items.append(OpenItem(
            self.current.id, record.id, record.path, due, what,
            customer if customer is not None else record["customer"], due < self.as_of))

    def figure(self, period: str, label: str, numerator: int, denominator: int, target: float, op: str,
               threshold: str, offenders: Iterable[str] = ()) -> Figure:
        fig = Figure(self.current.id, period, label, numerator, denominator, target, op, threshold,
                     tuple(sorted(set(offenders))))
        self.outcome.figures.append(fig)
        return fig

    # -- time ------------------------------------------------------------------------------
    def passed(self, deadline: datetime | date) -> bool:
        """True once the deadline is behind the as-of day (a date deadline lasts its whole day)."""
        if isinstance(deadline, datetime):
            return deadline < self.now
        return deadline < self.as_of

    def deadline(self, record: Record, key, due: datetime | date, late: str, what: str, *,
                 threshold: str | None = None) -> None:
        """An unmet deadline: a finding once it has passed (`late`), else an open item (`what`)."""
        if self.passed(due):
            self.finding(record, key, late, threshold=threshold)
        else:
            self.open_item(record, due.astimezone(TZ).date() if isinstance(due, datetime) else due, what)

    def add_workdays(self, record: Record, key, start: date, n: int) -> date | None:
        """start + n working days, or None (with one warning) when the calendar does not know the days."""
        try:
            return self.calendar.add_workdays(start, n)
        except CalendarRangeError as e:
            self._range_warning(record, key, e)
            return None

    def workdays_between(self, record: Record, key, a: date, b: date) -> int | None:
        try:
            return self.calendar.workdays_between(a, b)
        except CalendarRangeError as e:
            self._range_warning(record, key, e)
            return None

    def _range_warning(self, record: Record, key, e: CalendarRangeError) -> None:
        if (self.current.id, record.id) in self._range_warned:
            return
        self._range_warned.add((self.current.id, record.id))
        keys = key if isinstance(key, tuple) else (key,)
        self.outcome.findings.append(Finding(
            self.current.id, "warning", record.path, record.line(*keys), record.id,
            f"无法按工作日判断：{e}", self.current.source, None))

    def months(self) -> list[str]:
        """The months that have records, up to the as-of month (which is always included), as 'YYYY-MM'.

        Months without a single record (e.g. the gap before a few archive records) get no figures.
        """
        dates = [r["date"] for r in self.records.visits] + [r["received"] for r in self.records.complaints] \
            + [r["completed"] for r in self.records.orders] + [r["date"] for r in self.records.letters]
        limit = f"{self.as_of:%Y-%m}"
        months = {f"{(d.astimezone(TZ) if isinstance(d, datetime) else d):%Y-%m}" for d in dates}
        return sorted(m for m in months | {limit} if m <= limit)


def _load_areas() -> None:
    """Import every area module so its rules register (kept here so callers need one import)."""
    from . import callbacks, complaints, equipment, response, scales, visits  # noqa: F401


def all_rules() -> list[Rule]:
    _load_areas()
    order = list(AREAS)
    return sorted(REGISTRY.values(), key=lambda r: (order.index(r.area) if r.area in order else 99, r.id))


def run(records: RecordSet, config: Config, as_of: date, calendar: Calendar | None = None,
        provenance: dict | None = None, only: Iterable[str] | None = None) -> Outcome:
    """Apply every enabled rule; a rule that fails becomes a finding, never a traceback."""
    if calendar is None:
        calendar = Calendar(config.days_off, config.workdays)
    ctx = Context(records, config, as_of, calendar, provenance)
    selected = set(only) if only else None
    for r in all_rules():
        sw = config.rules.get(r.id)
        if r.check is None or (sw and not sw.enabled) or (selected and r.id not in selected):
            continue
        ctx.current = r
        try:
            r.check(ctx)
        except Exception as e:  # a bug in one rule must not hide the others
            print(f"huifang: 规则 {r.id} 运行出错：{e!r}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            ctx.outcome.findings.append(Finding(
                r.id, "warning", None, None, None,
                f"规则 {r.id} 运行时出错（{type(e).__name__}），本次没有检查；请把这条信息反馈给维护人员。"))
    ctx.outcome.open_items.sort(key=lambda o: (o.due, o.record, o.rule))
    return ctx.outcome


def unknown_rule_ids(config: Config) -> list[str]:
    _load_areas()
    return sorted(set(config.rules) - set(REGISTRY))


def check_config_rules(config: Config) -> list[str]:
    """Chinese problems with the rules section of the config (unknown ids, illegal downgrades)."""
    _load_areas()
    problems = []
    for rid, sw in config.rules.items():
        r = REGISTRY.get(rid)
        if r is None:
            problems.append(f"huifang.yml rules 里的“{rid}”不是已知的规则编号（用 huifang rules 查看）。")
        elif sw.severity and sw.severity != "error" and r.default_severity == "error" and not r.downgradable:
            problems.append(f"规则 {rid} 的依据是“{r.modal}”，不能降级，只能在写明原因后关闭。")
    return problems


def threshold_for(r: Rule, config: Config) -> str:
    return config.describe(r.param) if r.param else ""
