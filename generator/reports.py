"""Period figures and reports, computed once from the Analysis.

The rules give each period its quota figures (with verdicts); this module adds what the monthly
reports tabulate — distributions, per-person tables, the month's own verdict — as `Share`s:
numerator of denominator over a named population. Pages print them, the export lists them
beside the rule figures, and neither computes a number of its own. Nothing here formats text
for a page or links a record.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from . import model
from .dates import add_months, local_date, month_key, period_bounds, period_month
from .findings import Finding
from .load import Record
from .rules import Figure, months_of
from .rules.callbacks import CALLBACK_PURPOSES
from .rules.complaints import DISSATISFIED, SATISFIED, satisfaction
from .rules.equipment import EQUIPMENT_PURPOSES


@dataclass(frozen=True)
class Share:
    """A figure a report tabulates: `numerator` of `denominator`, where the denominator counts `population`."""

    rule: str  # the clause the report serves (e.g. E-MON-01's satisfaction report)
    period: str  # 'YYYY-MM' or an ISO week 'YYYY-Www'
    item: str  # what the numerator counts, e.g. "上门" or a technician
    label: str  # the item with its dimension, e.g. "回访方式：上门" (unique within rule and period)
    population: str
    numerator: int
    denominator: int

    @property
    def scope(self) -> str:
        return self.label

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def _dist(rule: str, period: str, what: str, population: str, counter: Counter, order) -> list[Share]:
    """A distribution in a fixed order (then any unexpected values), each value a Share of the total."""
    total = sum(counter.values())
    keys = list(order) + sorted(k for k in counter if k not in order and k is not None)
    return [Share(rule, period, str(k), f"{what}：{k}", population, counter.get(k, 0), total)
            for k in keys if k in order or counter.get(k)]


@dataclass
class Month:
    """One month's page: its verdict, the figures judged for it and what the month's records show."""

    month: str
    status: str  # running | met | missed
    errors: list[Finding]  # error findings of the month (record and period findings)
    figures: list[Figure]  # rule figures of the month
    year_figures: list[Figure]  # the year's quotas, on the as-of month (running) or on December (closed)
    missed: list[Figure]  # closed figures of the month that missed
    visits: list[Record]
    complaints: list[Record]
    orders: list[Record]
    methods: list[Share]
    purposes: list[Share]
    satisfaction: list[Share]
    technicians: list[Share]
    trend: Share  # figures met of figures judged (closed, with data)


@dataclass
class SatisfactionReport:
    """E-MON-01: equipment and 意见征询 visits from the 26th of the previous month to the 25th."""

    month: str
    start: date
    end: date
    visits: list[Record]
    product: list[Share]
    service: list[Share]
    product_ok: Share
    service_ok: Share
    unhappy: list[Record]
    needs: list[Record]
    missing: list[Record]


@dataclass
class ComplaintReport:
    month: str
    complaints: list[Record]
    by_class: list[Share]
    by_category: list[Share]
    by_type: list[Share]
    modes: list[Share]
    satisfaction: list[Share]


@dataclass
class Person:
    """One row of the callback week or month table (004 附表)."""

    region: str
    category: str
    name: str
    onsite: int
    carry_in: int
    total: int
    called: int
    ratings: tuple[int, ...]  # count per model.SATISFACTION level of each order's last callback
    completion: Share  # called back of total
    satisfied: Share  # 非常满意 + 满意 of rated


@dataclass
class DailyRow:
    day: date
    region: str
    category: str
    visitor: str
    callbacks: int  # orders called back that day (first callback)
    same_day: int  # of which called back on the day the work was completed
    attitude: dict[str, int]
    charges: float
    remarks: list[str]


@dataclass
class CallbackReport:
    month: str
    orders: list[Record]
    daily: list[DailyRow]
    weekly: dict[str, list[Person]]  # ISO week -> rows (weeks that touch the month, every order of the week)
    monthly: list[Person]


@dataclass
class Reports:
    months: list[str]
    month: dict[str, Month] = field(default_factory=dict)
    satisfaction: dict[str, SatisfactionReport] = field(default_factory=dict)
    complaints: dict[str, ComplaintReport] = field(default_factory=dict)
    callbacks: dict[str, CallbackReport] = field(default_factory=dict)
    weeks: dict[str, list[Person]] = field(default_factory=dict)

    def shares(self) -> list[Share]:
        """Every report figure once (the export lists them beside the rule figures)."""
        out: list[Share] = []
        for m in self.months:
            mo = self.month[m]
            out += mo.methods + mo.purposes + mo.satisfaction + mo.technicians + [mo.trend]
            s = self.satisfaction[m]
            out += s.product + s.service + [s.product_ok, s.service_ok]
            c = self.complaints[m]
            out += c.by_class + c.by_category + c.by_type + c.modes + c.satisfaction
            for p in self.callbacks[m].monthly:
                out += [p.completion, p.satisfied]
        for rows in self.weeks.values():
            for p in rows:
                out += [p.completion, p.satisfied]
        return out


def _main_month(r: Record) -> str:
    return month_key(r[r.kind.main_date])


def compute(analysis) -> Reports:
    """Every month's figures and reports for the analysis' months."""
    rs = analysis.records
    months = months_of(rs, analysis.day)
    rep = Reports(months)
    by_month: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in rs.visits + rs.complaints + rs.orders:
        by_month[_main_month(r)][r.kind.name].append(r)
    for week, orders in sorted(_weeks(rs).items()):
        rep.weeks[week] = _people(rs, "W-HQ-01", week, orders, f"{week} 完工的完工单")
    for m in months:
        recs = by_month[m]
        rep.month[m] = _month(analysis, m, recs["visit"], recs["complaint"], recs["order"])
        rep.satisfaction[m] = _satisfaction_report(rs, m)
        rep.complaints[m] = _complaint_report(analysis, m, recs["complaint"])
        rep.callbacks[m] = _callback_report(rs, m, recs["order"], rep.weeks)
    return rep


def _month(analysis, m: str, visits, complaints, orders) -> Month:
    end = period_bounds(m)[1]
    status = "running" if analysis.as_of < end else "met"
    figures = [f for f in analysis.figures if f.period == m]
    year = m[:4]
    current = month_key(analysis.day) == m
    year_figures = [f for f in analysis.figures if f.period == year
                    and (current or (m.endswith("-12") and f.status != "running"))]
    errors = [f for f in analysis.findings if f.severity == "error" and period_month(f.period) == m]
    errors += [f for f in analysis.findings if f.severity == "error" and f.period == year and f.file is None
               and year_figures and not current]
    missed = [f for f in figures + year_figures if f.status == "missed"]
    if status == "met" and (errors or missed):
        status = "missed"
    rated = [satisfaction(v) for v in visits if satisfaction(v)]
    n = len(visits)
    judged = [f for f in figures if f.status in ("met", "missed")]
    return Month(
        m, status, errors, figures, year_figures, missed, visits, complaints, orders,
        _dist("V-RPT-01", m, "回访方式", f"本月全部回访（{n} 次）", Counter(v["method"] for v in visits),
              model.METHODS),
        _dist("V-RPT-01", m, "回访类别", f"本月全部回访（{n} 次）", Counter(v["purpose"] for v in visits),
              model.PURPOSES),
        _dist("V-RPT-01", m, "满意度", f"本月有满意度评价的回访（{len(rated)} 次，每次取服务满意度，没有时取产品满意度）",
              Counter(rated), model.SATISFACTION),
        _technicians(analysis.records, m, orders),
        Share("MONTH", m, "", "已结束的期间指标中达标的", "本月已有结论的期间指标",
              sum(f.status == "met" for f in judged), len(judged)))


def _callbacks_of(rs, order: Record) -> list[Record]:
    return [v for v in rs.visits_by_related.get(order.id, []) if v["purpose"] in CALLBACK_PURPOSES]


def _technicians(rs, m: str, orders) -> list[Share]:
    """Per technician: the month's completed orders that were called back (any time up to the as-of)."""
    acc: dict[str, list[int]] = {}
    for o in orders:
        row = acc.setdefault(o["technician"] or "（未填）", [0, 0])
        row[1] += 1
        row[0] += bool(_callbacks_of(rs, o))
    return [Share("W-CB-01", m, name, f"已回访：{name}", f"{name} 本月完工的全部完工单（含回访期限未到的）", n, d)
            for name, (n, d) in sorted(acc.items())]


def _satisfaction_report(rs, m: str) -> SatisfactionReport:
    end = date(int(m[:4]), int(m[5:]), 25)
    start = add_months(end, -1) + timedelta(days=1)
    visits = [v for v in rs.visits if start <= local_date(v["date"]) <= end
              and (v["purpose"] in EQUIPMENT_PURPOSES or v["purpose"] == "意见征询")]
    population = f"{start} 至 {end} 的设备回访和意见征询回访中有该项评价的"

    def ratings(key):
        return Counter(s.get(key) for v in visits if isinstance(s := v.get("satisfaction", {}), dict) and s.get(key))

    product, service = ratings("product"), ratings("service")

    def ok(key, c, what):
        return Share("E-MON-01", m, f"{what}满意", f"满意率：{what}（非常满意 + 满意）", f"{population}（{sum(c.values())} 份）",
                     sum(c[s] for s in SATISFIED), sum(c.values()))

    def sat(v):
        s = v.get("satisfaction", {})
        return s if isinstance(s, dict) else {}

    return SatisfactionReport(
        m, start, end, visits,
        _dist("E-MON-01", m, "产品质量满意度", f"{population}（{sum(product.values())} 份）", product, model.SATISFACTION),
        _dist("E-MON-01", m, "服务质量满意度", f"{population}（{sum(service.values())} 份）", service, model.SATISFACTION),
        ok("product", product, "产品质量"), ok("service", service, "服务质量"),
        [v for v in visits if sat(v).get("product") in DISSATISFIED or sat(v).get("service") in DISSATISFIED],
        [v for v in visits if v["needs"]],
        [v for v in visits if not sat(v).get("product") or not sat(v).get("service")])


def _complaint_report(analysis, m: str, cs) -> ComplaintReport:
    rs = analysis.records
    n = len(cs)
    population = f"本月受理的投诉、咨询和建议（{n} 条）"
    by_class = Counter((rs.by_id[c["customer"]]["class"] if c["customer"] in rs.by_id else None)
                       or ("匿名" if not c["customer"] else "未分类") for c in cs)
    modes, sat = Counter(), Counter()
    scale4 = analysis.config.option("scale") == "4"
    for c in cs:
        revisits = rs.visits_by_related.get(c.id, [])
        unhappy = sum(1 for v in revisits if satisfaction(v) in DISSATISFIED)
        res = c["resolved"]
        if res is not None and local_date(res) == local_date(c["received"]):
            modes["即时处理"] += 1
        elif unhappy >= 1 and len(revisits) >= 2:
            modes["反复处理"] += 1
        elif res is not None and (c["reply_by"] is None or res <= c["reply_by"]):
            modes["限期内处理"] += 1
        else:
            modes["其他"] += 1
        s = satisfaction(revisits[-1]) if revisits else None
        if s:
            sat["不满意" if (scale4 and s in DISSATISFIED) else s] += 1
    sat_order = ("非常满意", "满意", "一般", "不满意") if scale4 else model.SATISFACTION
    return ComplaintReport(
        m, cs,
        _dist("C-MON-01", m, "客户分类", population, by_class, ("A", "B", "C", "D", "未分类", "匿名")),
        _dist("C-MON-01", m, "投诉内容类别", population, Counter(c["category"] or "未分类" for c in cs),
              model.CATEGORIES + ("未分类",)),
        _dist("C-MON-01", m, "类型", population, Counter(c["type"] for c in cs), model.COMPLAINT_TYPES),
        _dist("C-MON-01", m, "处理方式", population, modes, ("即时处理", "限期内处理", "反复处理", "其他")),
        _dist("C-MON-01", m, "最后一次回访满意度", f"本月受理、已有回访满意度的（{sum(sat.values())} 条）", sat, sat_order))


def _weeks(rs) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for o in rs.orders:
        y, w, _ = local_date(o["completed"]).isocalendar()
        out[f"{y}-W{w:02d}"].append(o)
    return out


def _people(rs, rule: str, period: str, orders, population: str) -> list[Person]:
    acc: dict[tuple, dict] = {}
    for o in orders:
        key = (o["region"] or "（未填）", o["category"] or "（未填）", o["technician"] or "（未填）")
        row = acc.setdefault(key, {"onsite": 0, "carry_in": 0, "called": 0, "sat": Counter()})
        row["carry_in" if o["service_mode"] == "送修" else "onsite"] += 1
        vs = _callbacks_of(rs, o)
        if vs:
            row["called"] += 1
            if satisfaction(vs[-1]):
                row["sat"][satisfaction(vs[-1])] += 1
    out = []
    for (region, category, name), r in sorted(acc.items()):
        total = r["onsite"] + r["carry_in"]
        ratings = tuple(r["sat"][s] for s in model.SATISFACTION)
        who = f"{region}/{category}/{name}"
        out.append(Person(region, category, name, r["onsite"], r["carry_in"], total, r["called"], ratings,
                          Share(rule, period, who, f"回访比例：{who}", f"{who} {population}", r["called"], total),
                          Share(rule, period, who, f"满意度占比：{who}", f"{who} 已回访且有满意度的完工单",
                                ratings[0] + ratings[1], sum(ratings))))
    return out


def _callback_report(rs, m: str, orders, weeks: dict[str, list[Person]]) -> CallbackReport:
    daily: dict[tuple, DailyRow] = {}
    for o in orders:
        for v in _callbacks_of(rs, o)[:1]:
            key = (local_date(v["date"]), o["region"] or "（未填）", o["category"] or "（未填）", v["visitor"] or "")
            row = daily.setdefault(key, DailyRow(*key, 0, 0, Counter(), 0.0, []))
            row.callbacks += 1
            row.same_day += local_date(o["completed"]) == key[0]
            if satisfaction(v):
                row.attitude[satisfaction(v)] += 1
            row.charges += float(o["charge"] or 0)
            if v["result"] and v["result"] != "正常":
                row.remarks.append(f"{o.id}：{v['result']}")
    touching = sorted({f"{y}-W{w:02d}" for o in orders for y, w, _ in [local_date(o["completed"]).isocalendar()]})
    return CallbackReport(m, orders, [daily[k] for k in sorted(daily)], {w: weeks[w] for w in touching},
                          _people(rs, "W-MON-01", m, orders, "本月完工的完工单"))
