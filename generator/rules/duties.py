"""Plans, recurring duties and periodic reports, whatever their procedure area.

These rules read the `plan`, `duty` and `report` records (model.py) and the visit schedules of
delivered and decorated projects. Each judges periods from the configured `facts_since` day up to
the as-of instant: a period whose due time has passed without the record is an overdue period
finding, one still running is a to-do; a record that came after its due time is a "done late"
finding on that record.

`facts_since` is the day a unit starts keeping these records and the new facts in huifang: the
rules registered with `clause()` (here and in orders.py, intake.py, conduct.py) judge only records
and periods from that day, and nothing while it is unset, so an existing repository is not
judged retroactively on facts it never recorded (`huifang check` says so, and `huifang init` sets
the day a repository is created).

Index: V-PLAN-01 V-RPT-01 V-WEEK-01 W-CB-04 W-HQ-01 W-HQ-03 W-MON-01 E-PLAN-01 E-FEED-01 E-CAPA-01
D-VISIT-01 P-PROJ-01 P-HOL-01 P-YEAR-01 P-RECEP-01 P-MAIL-01 P-OC-01 P-SUP-01 P-WEEK-01 C-MON-01.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from datetime import date, datetime, timedelta

from ..dates import add_months, as_of_day, fact_instant, festival_days, local_date, month_key, period_bounds
from ..load import Record
from .callbacks import CALLBACK_PURPOSES, callback_due, callbacks, region
from .engine import rule

SINCE_RULES: set[str] = set()  # the rules judged from `facts_since` on


def clause(rid: str, *args, **kw):
    """`rule()` for a clause that asks facts kept from `facts_since` on: not run while it is unset."""
    SINCE_RULES.add(rid)

    def deco(fn):
        @functools.wraps(fn)
        def check(ctx):
            if since(ctx) is not None:
                fn(ctx)
        rule(rid, *args, **kw)(check)
        return fn
    return deco
from .equipment import EQUIPMENT_PURPOSES, lifecycle, products, report_month

PLANNED_PURPOSES = ("例行回访", "意见征询")  # proactive visits; callbacks and complaint visits follow their record
EXCEPTIONS = ("不属实", "不满意")
BAD_CONTACT = ("空号", "信息错误")
QUALITY_DEPARTMENT = "品质部"  # 002 §6.3.1: service quality and suggestions are reviewed by 品质部


# -- shared readings ---------------------------------------------------------------------------

def of_kind(ctx, name: str) -> list[Record]:
    """The valid records of one kind, by main date then id (computed once per run)."""
    memo = ctx.memo.setdefault("kinds", {})
    if name not in memo:
        rows = [r for r in ctx.records.all if r.kind.name == name and r.valid]
        main = rows[0].kind.main_date if rows else None
        memo[name] = sorted(rows, key=lambda r: (fact_instant(r[main]) if main and r[main] else ctx.now, r.id))
    return memo[name]


def typed(ctx, kind: str, type_: str) -> list[Record]:
    return [r for r in of_kind(ctx, kind) if r["type"] == type_]


def since(ctx) -> date | None:
    """The configured `facts_since` day (None: unset, nothing is judged)."""
    value = ctx.threshold("facts_since")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def judged(ctx, when) -> bool:
    """Whether a record dated `when` is held to the facts these rules ask for."""
    s = since(ctx)
    return s is not None and (when is None or local_date(when) >= s)


def start_day(ctx) -> date:
    """The first day periods are judged from (after the as-of day while `facts_since` is unset)."""
    s = since(ctx)
    return s if s is not None else ctx.as_of + timedelta(days=1)


def happened(ctx, when) -> bool:
    """A dated fact that lies before the as-of instant (a later one has not happened yet)."""
    return isinstance(when, date) and fact_instant(when) < ctx.now


def week_key(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def week_monday(period: str) -> date:
    return local_date(period_bounds(period)[0])


def weeks(ctx) -> list[str]:
    """ISO weeks from the start day's week to the as-of week."""
    out, d = [], start_day(ctx) - timedelta(days=start_day(ctx).weekday())
    while d <= ctx.as_of:
        out.append(week_key(d))
        d += timedelta(days=7)
    return out


def months(ctx) -> list[str]:
    out, d = [], start_day(ctx).replace(day=1)
    while d <= ctx.as_of:
        out.append(month_key(d))
        d = add_months(d, 1)
    return out


def after_period(ctx, period: str, workdays: int, record=None) -> date:
    """The last day to hand in a report on `period`: `workdays` working days after it ended."""
    last = as_of_day(period_bounds(period)[1])
    try:
        return ctx.calendar.add_workdays(last, workdays)
    except Exception:  # outside the official calendar: count calendar days instead
        return last + timedelta(days=workdays)


def by_period(records: list[Record]) -> dict[str, list[Record]]:
    out = defaultdict(list)
    for r in records:
        out[str(r["period"])].append(r)
    return out


def periodic(ctx, periods, found: dict, due, *, what, late, threshold: str, who: str) -> None:
    """The shared verdict of a duty that each period needs once: done late, overdue or to-do.
    `who` is the role the clause makes responsible (shown with its holders from staff.yml)."""
    for p in periods:
        d = due(p)
        recs = found.get(p, [])
        if recs:
            first = min(recs, key=lambda r: fact_instant(r["date"]))
            ctx.deadline(first, "date", d, late(p), what(p), threshold=threshold, done=first["date"])
        else:
            ctx.period_deadline(p, d, late(p), what(p), threshold=threshold, who=who)


def role(ctx, name) -> str | None:
    """The role staff.yml gives a person, as written (None: not named there)."""
    m = ctx.staff.member(name) if ctx.staff else None
    return (m.role or "") if m is not None else None


def roles(ctx, name) -> set[str] | None:
    """The roles staff.yml gives a person (one person may hold several, separated by 、), or None."""
    text = role(ctx, name)
    if text is None:
        return None
    return {r.strip() for r in text.replace("，", "、").replace(",", "、").split("、") if r.strip()}


def _visit_day(v) -> date:
    return local_date(v["date"])


# -- plans -------------------------------------------------------------------------------------

def _covers(plan: Record, day: date) -> bool:
    p = str(plan["period"] or "")
    return p == f"{day:%Y}" or p == f"{day:%Y-%m}" or p == week_key(day)


@clause("V-PLAN-01", "回访前制订回访名单", scope="record", modal="制订", source="000 P1 §3.1",
      asks="回访前根据客户档案和询盘统计表制订客户回访名单，写明询盘情况、回访方式、回访时间和回访问题与内容",
      kinds=("visit", "plan"))
def visit_list(ctx):
    """A proactive visit (例行回访, 意见征询) needs an entry for its customer in a 回访名单 made on or
    before the visit day whose period covers it. Each entry names method, planned day and topics
    (and the inquiry under METH-SALES, where the list comes from the inquiry statistics)."""
    lists = typed(ctx, "plan", "回访名单")
    sales = ctx.option("method") == "METH-SALES"
    for p in lists:
        if not judged(ctx, p["date"]):
            continue
        for i, e in enumerate(p.get("entries", [])):
            if not isinstance(e, dict):
                continue
            missing = [t for k, t in (("method", "回访方式"), ("planned", "计划日期"), ("topics", "回访问题与内容"))
                       + ((("inquiry", "询盘情况"),) if sales else ()) if not e.get(k)]
            if missing:
                ctx.finding(p, ("entries", i), f"回访名单 {p.id} 中客户 {e.get('customer')} 缺少{'、'.join(missing)}",
                            threshold="每项写明回访方式、计划日期、回访问题与内容")
    for v in ctx.records.visits:
        if v["purpose"] not in PLANNED_PURPOSES or not judged(ctx, v["date"]):
            continue
        day = _visit_day(v)
        listed = [p for p in lists if p["date"] <= day and _covers(p, day)
                  and any(isinstance(e, dict) and e.get("customer") == v["customer"] for e in p.get("entries", []))]
        if not listed:
            ctx.finding(v, "purpose", f"{v['purpose']} {v.id}（{day}）的客户 {v['customer']} 不在回访前制订的回访名单里",
                        threshold="回访日之前制订、覆盖回访日期的回访名单")


@clause("E-PLAN-01", "按发货和送电日期制定回访计划", scope="contract", modal="程序步骤", source="002 §5.1.1、§6.2.2",
      asks="回访人员根据台帐的发货和送电时间制定回访计划，可在某个时间段集中回访",
      kinds=("customer", "visit", "plan"))
def equipment_plan(ctx):
    """Every lifecycle visit due from the start day on must be in a 设备回访计划 (customer, purpose,
    and the model when given) made before the visit is due; one due within the coming month and not
    planned yet is a to-do (later ones are planned in their turn)."""
    entries = [(p, e) for p in typed(ctx, "plan", "设备回访计划") for e in p.get("entries", []) if isinstance(e, dict)]
    start, horizon = start_day(ctx), add_months(ctx.as_of, 1)
    for c in ctx.records.customers:
        for ms in lifecycle(ctx, c):
            if ms.due < start or ms.due > horizon:
                continue
            planned = [p for p, e in entries if e.get("customer") == c.id and e.get("purpose") == ms.purpose
                       and (not e.get("product") or e.get("product") == ms.model) and p["date"] <= ms.due]
            if planned:
                continue
            ctx.deadline(c, ("products", ms.product), ms.due,
                         f"设备 {ms.model} 的{ms.label}（{ms.due}）没有列入事先制订的设备回访计划",
                         f"把设备 {ms.model} 的{ms.label}列入设备回访计划", threshold=f"{ms.due} 前制订计划")


# -- visit reports and weekly submissions ------------------------------------------------------

def _visit_weeks(ctx) -> dict[str, list[Record]]:
    out = defaultdict(list)
    for v in ctx.records.visits:
        if judged(ctx, v["date"]):
            out[week_key(_visit_day(v))].append(v)
    return out


@clause("V-RPT-01", "汇总编制回访报告", scope="period", modal="按时", source="000 P1 §4.4(1)1)",
      asks="回访结束后，根据回访记录对回访过程和结果进行总结、评价，形成客户回访报告并得出主要结论",
      kinds=("visit", "report"))
def visit_report(ctx):
    """One 回访周报 per ISO week with visits, due weekly_report_workdays working days after the week."""
    n = ctx.threshold("weekly_report_workdays")
    found = by_period(typed(ctx, "report", "回访周报"))
    visits = _visit_weeks(ctx)
    periodic(ctx, [w for w in weeks(ctx) if w in visits], found, lambda w: after_period(ctx, w, n),
             what=lambda w: f"编写本周 {len(visits[w])} 条回访的回访周报",
             late=lambda w: f"本周有 {len(visits[w])} 条回访，到期没有回访周报",
             threshold=f"下周第 {n} 个工作日内", who="回访人员")


@clause("V-WEEK-01", "每周把回访资料交部门主管", scope="period", modal="应", source="000 P1 §4.4(1)2)",
      asks="回访人员应将一周的回访资料（回访记录和报告）交部门主管审阅", kinds=("visit", "report"))
def weekly_submission(ctx):
    """Each 回访周报 names the supervisor it went to (submitted_to); where staff.yml knows that person,
    their role is a 主管 or 经理. Whether the report exists at all is V-RPT-01's."""
    for r in typed(ctx, "report", "回访周报"):
        if not judged(ctx, r["date"]):
            continue
        to = r["submitted_to"]
        if not to:
            ctx.finding(r, "by", f"回访周报 {r.id}（{r['period']}）没有写交给哪位部门主管（submitted_to）",
                        threshold="交部门主管")
            continue
        got = role(ctx, to)
        if got is not None and not any(w in got for w in ("主管", "经理", "负责人")):
            ctx.finding(r, "submitted_to", f"回访周报 {r.id} 交给了 {to}（{got}），不是部门主管",
                        threshold="交部门主管")


# -- callbacks: daily reports, head-office sampling and notices, monthly report ----------------

def _callback_days(ctx) -> dict[tuple[str, date], list[Record]]:
    """(region, day) -> callbacks of completed orders made that day (a callback counts once)."""
    out = defaultdict(list)
    for o in ctx.records.orders:
        for v in callbacks(ctx, o):
            if judged(ctx, v["date"]) and v not in out[(region(ctx, o), _visit_day(v))]:
                out[(region(ctx, o), _visit_day(v))].append(v)
    return out


@clause("W-CB-04", "当日回访日报上报总部", scope="period", modal="程序步骤", source="004 §3.2、§4.5",
      asks="各区域每天把当天的回访情况以回访日报报总部客服中心", kinds=("order", "visit", "report"))
def daily_report(ctx):
    """One 回访日报 per region and callback day, handed in that day, whose count is the number of
    callbacks the records show for that region and day."""
    days = _callback_days(ctx)
    found = defaultdict(list)
    for r in typed(ctx, "report", "回访日报"):
        found[(r["region"] or "", str(r["period"]))].append(r)
    for (reg, day), visits in sorted(days.items(), key=lambda x: (x[0][1], x[0][0])):
        recs = found.get((reg, day.isoformat()), [])
        what = f"{reg} 区域 {day} 的回访日报（{len(visits)} 单）"
        if not recs:
            ctx.period_deadline(day.isoformat(), day, f"{reg} 区域当天回访 {len(visits)} 单，没有上报回访日报", what,
                                threshold="回访当天上报", who="区域售后回访员")
            continue
        first = min(recs, key=lambda r: fact_instant(r["date"]))
        ctx.deadline(first, "date", day, f"{what}没有当天上报", what, threshold="回访当天上报", done=first["date"])
        if first["count"] is not None and first["count"] != len(visits):
            ids = "、".join(v.id for v in visits)
            ctx.finding(first, "count", f"日报上报 {first['count']} 单，记录里 {reg} 区域 {day} 的回访是 {len(visits)} 单（{ids}）",
                        threshold="日报数字与回访记录一致")


@clause("W-HQ-01", "总部按区域大小抽访并做周报", scope="period", modal="程序步骤", source="004 §3.4、§4.8",
      asks="总部客服中心根据各区域日报按区域大小分配比例抽访，并形成抽访周报", kinds=("order", "visit", "report"))
def hq_sampling(ctx):
    """A 总部抽访周报 per ISO week with callbacks, due like the other weekly reports, listing every
    region that had callbacks with at least max(1, ceil(hq_sample_ratio × callbacks)) sampled."""
    n, ratio = ctx.threshold("weekly_report_workdays"), ctx.threshold("hq_sample_ratio")
    per_week = defaultdict(lambda: defaultdict(int))
    for (reg, day), visits in _callback_days(ctx).items():
        per_week[week_key(day)][reg] += len(visits)
    found = by_period(typed(ctx, "report", "总部抽访周报"))
    th = "每个有回访的区域至少抽访 1 单" if not ratio else f"各区域回访数的 {ratio:.0%}（至少 1 单）"
    periodic(ctx, [w for w in weeks(ctx) if w in per_week], found, lambda w: after_period(ctx, w, n),
             what=lambda w: "总部抽访周报", threshold=th, who="总部客服中心",
             late=lambda w: f"本周 {len(per_week[w])} 个区域有完工回访，到期没有总部抽访周报")
    for w, regs in per_week.items():
        for r in found.get(w, []):
            got = {s.get("region"): s.get("sampled") or 0 for s in r.get("regions", []) if isinstance(s, dict)}
            for reg, count in sorted(regs.items()):
                need = max(1, math.ceil(ratio * count))
                if got.get(reg, 0) < need:
                    ctx.finding(r, "regions" if r["regions"] else "content",
                                f"{w} {reg} 区域回访 {count} 单，总部抽访 {got.get(reg, 0)} 单，应至少 {need} 单", threshold=th)


def exceptions(ctx) -> list[tuple[Record, Record]]:
    """(callback, order) whose result is 不属实/不满意 or whose contact data was empty or wrong."""
    out = []
    for o in ctx.records.orders:
        for v in callbacks(ctx, o):
            if judged(ctx, v["date"]) and (v["result"] in EXCEPTIONS or v["contact_problem"] in BAD_CONTACT):
                out.append((v, o))
    return out


@clause("W-HQ-03", "总部复核异常报表并下发通报", scope="period", modal="必须", source="004 §4.9",
      asks="总部对不属实、不满意、电话信息错误的报表进行复核，及时规范地下发通报，各区域必须张贴在公告栏",
      kinds=("order", "visit", "report"))
def hq_notice(ctx):
    """Every exception callback is in the `records` of a 总部通报 issued by the weekly deadline after
    its week; each notice is posted (posted: region, date) in every region it concerns within
    weekly_report_workdays working days."""
    n = ctx.threshold("weekly_report_workdays")
    notices = typed(ctx, "report", "总部通报")
    found = exceptions(ctx)
    for v, o in found:
        due = after_period(ctx, week_key(_visit_day(v)), n)
        hit = [r for r in notices if v.id in r.get("records", [])]
        why = v["result"] if v["result"] in EXCEPTIONS else v["contact_problem"]
        ctx.deadline(v, "result" if v["result"] in EXCEPTIONS else "contact_problem", due,
                     f"完工回访 {v.id}（{why}）到 {due} 还没有经总部复核并通报", f"总部复核 {v.id}（{why}）并下发通报",
                     threshold="下周第 1 个工作日内复核通报", done=min((r["date"] for r in hit), default=None))
    for r in notices:
        regions = sorted({region(ctx, o) for v, o in found if v.id in r.get("records", [])})
        posted = {p.get("region") for p in r.get("posted", []) if isinstance(p, dict) and happened(ctx, p.get("date"))}
        for reg in regions:
            if reg in posted:
                continue
            due = ctx.calendar.add_workdays(local_date(r["date"]), n) if ctx.calendar.covers(local_date(r["date"])) \
                else local_date(r["date"]) + timedelta(days=n)
            ctx.deadline(r, "posted" if r["posted"] else "records", due, f"通报 {r.id} 涉及 {reg} 区域，没有张贴记录（posted）",
                         f"{reg} 区域张贴通报 {r.id}", threshold=f"下发后 {n} 个工作日内张贴")


@clause("W-MON-01", "月度回访报告；薄弱区域整改", scope="period", modal="程序步骤", source="004 §4.10–§4.11",
      asks="总部每月汇总分析回访情况形成月度回访报告，对满意度、完成率、及时率薄弱的区域提出并落实整改措施",
      kinds=("order", "visit", "report"))
def monthly_callback_report(ctx):
    """A 月度回访报告 per month with completed orders, due monthly_report_workdays working days after
    the month. A region is weak when an order of the month was not called back by its deadline, was
    called back late, or a callback was 不满意/不属实; the report needs a measure naming that region."""
    n = ctx.threshold("monthly_report_workdays")
    weak = defaultdict(lambda: defaultdict(list))  # month -> region -> order ids
    active = set()
    for o in ctx.records.orders:
        if not judged(ctx, o["completed"]):
            continue
        m = month_key(o["completed"])
        active.add(m)
        cbs = callbacks(ctx, o)
        due = callback_due(o)
        if (not cbs and ctx.passed(due)) or (cbs and _visit_day(cbs[0]) > due) \
                or any(v["result"] in EXCEPTIONS for v in cbs):
            weak[m][region(ctx, o)].append(o.id)
    found = by_period(typed(ctx, "report", "月度回访报告"))
    periodic(ctx, [m for m in months(ctx) if m in active], found, lambda m: after_period(ctx, m, n),
             what=lambda m: "月度回访报告", late=lambda m: "到期没有月度回访报告",
             threshold=f"下月第 {n} 个工作日内", who="总部客服中心")
    for m, recs in found.items():
        for r in recs:
            acted = {a.get("region") for a in r.get("measures", []) if isinstance(a, dict)}
            for reg, ids in sorted(weak.get(m, {}).items()):
                if reg not in acted:
                    ctx.finding(r, "measures" if r["measures"] else "content",
                                f"{m} {reg} 区域回访不及时、漏回访或客户不满意（{'、'.join(ids)}），报告里没有针对该区域的整改措施",
                                threshold="薄弱区域都有整改措施（整改措施写明针对的区域）")


# -- equipment ledger feeds and satisfaction-report reviews -------------------------------------

def _friday(week: str) -> date:
    return week_monday(week) + timedelta(days=4)


@clause("E-FEED-01", "每周五向台帐报送数据", scope="period", modal="负责", source="002 §5.3.1–§5.4.1",
      asks="每周五生产部门报送已发货产品和合同信息，售后服务部门报送安装调试和送电信息，充实回访台帐",
      kinds=("customer", "duty"))
def ledger_feeds(ctx):
    """While the unit keeps an equipment ledger (a customer with lifecycle products), each week
    needs both 台帐报送 feeds, due on its Friday."""
    if not any(products(c) for c in ctx.records.customers):
        return
    duties = [d for d in typed(ctx, "duty", "台帐报送")]
    for feed in ("发货和合同", "安装调试和送电"):
        found = defaultdict(list)
        for d in duties:
            if d["feed"] == feed:
                found[week_key(local_date(d["date"]))].append(d)
        who = "生产部门" if feed == "发货和合同" else "售后服务部门"
        periodic(ctx, weeks(ctx), found, _friday, what=lambda w, f=feed, who=who: f"{who}周五报送{f}信息",
                 late=lambda w, f=feed, who=who: f"本周没有{who}的台帐报送",
                 threshold="每周五", who=who)


@clause("E-CAPA-01", "满意度报告评审与纠正预防措施跟踪", scope="period", modal="程序步骤", source="002 §6.3.1",
      asks="满意度测量报告中产品质量部分由各公司评审，服务质量和建议需求由品质部评审，决定是否采取纠正预防措施，由服务中心跟踪验证",
      kinds=("visit", "report"))
def capa(ctx):
    """A 满意度测量报告 per report month (26th–25th) with equipment or 意见征询 visits, due on the 25th
    (the next working day when the 25th is not one); each report reviewed in all three sections
    (服务质量 and 建议和需求 by 品质部) within a month; every action verified by its due day."""
    active = {report_month(_visit_day(v)) for v in ctx.records.visits
              if v["purpose"] in EQUIPMENT_PURPOSES + ("意见征询",) and judged(ctx, v["date"])}
    found = by_period(typed(ctx, "report", "满意度测量报告"))

    def due(m: str) -> date:
        d = date.fromisoformat(m + "-25")
        try:
            while not ctx.calendar.is_workday(d):
                d += timedelta(days=1)
        except Exception:
            pass
        return d
    periodic(ctx, [m for m in months(ctx) if m in active], found, due, what=lambda m: "满意度测量报告",
             late=lambda m: "本月有设备或意见征询回访，25 日没有出《顾客满意度测量报告》",
             threshold="每月 25 日（非工作日顺延）", who="服务中心")
    for recs in found.values():
        for r in recs:
            done = {x.get("section"): x for x in r.get("reviews", []) if isinstance(x, dict)
                    and happened(ctx, x.get("date")) and x.get("decision")}
            for section in ("产品质量", "服务质量", "建议和需求"):
                x = done.get(section)
                if x is None:
                    ctx.deadline(r, "reviews" if r["reviews"] else "content", add_months(local_date(r["date"]), 1),
                                 f"满意度测量报告 {r.id} 的“{section}”部分没有评审结论", f"评审 {r.id} 的{section}部分",
                                 threshold="一个月内评审")
                elif section != "产品质量" and x.get("department") and x.get("department") != QUALITY_DEPARTMENT:
                    i = r["reviews"].index(x)
                    ctx.finding(r, ("reviews", i), f"“{section}”部分由 {x.get('department')} 评审，应由品质部评审",
                                threshold="服务质量、建议和需求由品质部评审")
            for i, a in enumerate(r.get("measures", [])):
                if isinstance(a, dict) and a.get("due") and not happened(ctx, a.get("verified")):
                    ctx.deadline(r, ("measures", i), a["due"], f"纠正预防措施“{a.get('text')}”到期没有服务中心的跟踪验证",
                                 f"验证措施“{a.get('text')}”", threshold=f"{a['due']} 前完成并验证")


# -- visit schedules of delivered and decorated projects ---------------------------------------

def _customer_visits(ctx, cid: str) -> list[Record]:
    return [v for v in ctx.records.by_customer.get(cid, []) if v.kind.name == "visit"]


@clause("P-PROJ-01", "交付项目：一年内每月、之后每季电话回访", scope="contract", modal="无", source="001 E §5",
      asks="对交付的项目建立回访档案，交付一年内每月、一年后每季度电话回访一次", kinds=("customer", "visit"))
def project_calls(ctx):
    """Counted from the delivery day: each month of the first year, then each quarter, needs a phone
    visit of the customer (a month is delivered + n months .. + n+1, so no partial first month)."""
    start = start_day(ctx)
    for c in ctx.records.customers:
        calls = [_visit_day(v) for v in _customer_visits(ctx, c.id) if v["method"] == "电话"]
        for i, p in enumerate(c.get("projects", [])):
            if not isinstance(p, dict) or not isinstance(p.get("delivered"), date):
                continue
            n = 0
            while (a := add_months(p["delivered"], n)) <= ctx.as_of:
                step = 1 if n < 12 else 3
                b = add_months(p["delivered"], n + step)
                last = b - timedelta(days=1)
                label = f"{a} 至 {last}"
                if last >= start and not any(a <= x < b for x in calls):
                    ctx.deadline(c, ("projects", i), last, f"项目“{p.get('name')}”{label} 没有电话回访",
                                 f"项目“{p.get('name')}”{label} 的电话回访", threshold="交付一年内每月一次，之后每季度一次")
                n += step


@clause("D-VISIT-01", "装饰工程竣工验收 3 个月后回访", scope="contract", modal="程序步骤", source="000 P2 (1)",
      asks="装饰工程竣工验收三个月后，由项目部按质量手册的保修回访制度进行回访", kinds=("customer", "visit"))
def decoration_visit(ctx):
    """Done: the first visit of the customer on or after acceptance + 3 months, no later than
    acceptance + 4 months (§4.5.7). A later first visit is done late; none by the window end is
    overdue (a to-do before). Periods ending before `facts_since` are not judged."""
    start = start_day(ctx)
    for c in ctx.records.customers:
        for i, p in enumerate(c.get("projects", [])):
            if not isinstance(p, dict) or not isinstance(p.get("accepted"), date):
                continue
            a, b = add_months(p["accepted"], 3), add_months(p["accepted"], 4)
            if b < start:
                continue
            hits = [v for v in _customer_visits(ctx, c.id) if a <= _visit_day(v)]
            first = min((_visit_day(v) for v in hits), default=None)
            if first is not None and first > b:
                ctx.finding(c, ("projects", i, "accepted"), f"工程“{p.get('name')}”{p['accepted']} 竣工验收，"
                            f"{first} 才回访，晚于 {b}", threshold=f"{a} 至 {b}", status="done", due=b)
            elif first is None:
                ctx.deadline(c, ("projects", i, "accepted"), b, f"工程“{p.get('name')}”{p['accepted']} 竣工验收，"
                             f"到 {b} 没有回访", f"工程“{p.get('name')}”竣工三个月回访（{a} 起）", threshold=f"{a} 至 {b}")


# -- property duties ---------------------------------------------------------------------------

OWNER_TYPES = ("业主", "住户")
CLIENT_TYPES = ("企业", "经销商")


@clause("P-HOL-01", "节日电话问候", scope="customer", modal="应", source="001 P §3.1.1",
      asks="节日和喜庆日子应电话问候业主和住户", kinds=("customer", "duty"))
def festival_greetings(ctx):
    """For each festival named in `festivals`, every owner or resident is in the contacts of a 节日问候
    dated from greeting_days before the holiday to its last day. Without configured festivals the
    unit has set none, and there is nothing to judge."""
    names = [n.strip() for n in str(ctx.threshold("festivals") or "").replace(",", "、").replace("，", "、").split("、")
             if n.strip()]
    early = ctx.threshold("greeting_days")
    owners = [c for c in ctx.records.customers if c["type"] in OWNER_TYPES]
    greetings = typed(ctx, "duty", "节日问候")
    for name in names:
        for year in range(start_day(ctx).year, ctx.as_of.year + 1):
            span = festival_days(name, year)
            if span is None:
                continue
            a, b = span[0] - timedelta(days=early), span[1]
            if b < start_day(ctx) or fact_instant(a) > ctx.now:
                continue
            greeted = {x.get("customer") for g in greetings if a <= local_date(g["date"]) <= b
                       and (not g["festival"] or g["festival"] == name)
                       for x in g.get("contacts", []) if isinstance(x, dict)}
            for c in owners:
                if c.id not in greeted:
                    ctx.deadline(c, "name", b, f"{year} 年{name}（{span[0]}）没有电话问候 {c['name']}",
                                 f"{name}电话问候", threshold=f"{a} 至 {b}")


@clause("P-YEAR-01", "每年十二月联系客户了解来年需求", scope="customer", modal="无", source="001 E §3",
      asks="每年十二月向新老客户寄送新年礼品，了解客户来年的需求计划", kinds=("customer", "duty"))
def year_end_contact(ctx):
    """Each December from the start day on, every company or dealer customer (001 E serves business
    clients; owners get festival greetings) is in a 年末联系 of that December with its needs noted."""
    clients = [c for c in ctx.records.customers if c["type"] in CLIENT_TYPES]
    contacts = typed(ctx, "duty", "年末联系")
    for year in range(start_day(ctx).year, ctx.as_of.year + 1):
        a, b = date(year, 12, 1), date(year, 12, 31)
        if b < start_day(ctx) or fact_instant(a) > ctx.now:
            continue
        noted = {}
        for d in contacts:
            if a <= local_date(d["date"]) <= b:
                for i, x in enumerate(d.get("contacts", [])):
                    if isinstance(x, dict):
                        noted.setdefault(x.get("customer"), (d, i, x.get("note")))
        for c in clients:
            got = noted.get(c.id)
            if got is None:
                ctx.deadline(c, "name", b, f"{year} 年 12 月没有联系 {c['name']} 了解来年需求",
                             f"{year} 年末联系 {c['name']}", threshold=f"{year}-12-01 至 {year}-12-31")
            elif not got[2]:
                ctx.finding(got[0], ("contacts", got[1]), f"年末联系了 {c['name']}，但没有记下来年的需求计划（note）",
                            threshold="记录来年需求")


@clause("P-RECEP-01", "每月经理接待日，提前一周通知", scope="period", modal="无", source="001 P §3.1.3",
      asks="每月固定一天为服务中心经理接待日，安排在周末或节假日，至少提前一周通知全体业主，并做好接待记录",
      kinds=("duty",))
def reception_day(ctx):
    """Done: a 经理接待日 in every month from `facts_since`, held on a day off by the PRC calendar,
    announced (`notice`) at least reception_notice_days before, with its record (`content`). A month
    without one is overdue at its end; each wrong detail is a finding on the record."""
    days = ctx.threshold("reception_notice_days")
    found = defaultdict(list)
    for d in typed(ctx, "duty", "经理接待日"):
        found[month_key(d["date"])].append(d)
    for m in months(ctx):
        end = as_of_day(period_bounds(m)[1])
        if not found.get(m):
            ctx.period_deadline(m, end, "本月没有经理接待日记录", "经理接待日",
                                threshold="每月一次", who="服务中心经理")
            continue
        for d in found[m]:
            day = local_date(d["date"])
            try:
                off = not ctx.calendar.is_workday(day)
            except Exception:
                off = day.weekday() >= 5
            if not off:
                ctx.finding(d, "date", f"经理接待日 {day} 是工作日，应安排在周末或节假日", threshold="周末或节假日")
            if d["notice"] is None:
                ctx.finding(d, "date", f"经理接待日 {day} 没有记录通知业主的时间（notice）", threshold=f"提前 {days} 天通知")
            elif (day - local_date(d["notice"])).days < days:
                ctx.finding(d, "notice", f"经理接待日 {day} 只提前 {(day - local_date(d['notice'])).days} 天通知业主",
                            threshold=f"提前 {days} 天通知")
            if not d["content"]:
                ctx.finding(d, "date", f"经理接待日 {day} 没有接待记录（content）", threshold="做好接待记录")


@clause("P-MAIL-01", "每周开启经理信箱并跟进", scope="period", modal="无", source="001 P §3.1.4",
      asks="客服助理每周开启经理信箱并登记，信件交经理安排跟进、回访和书面答复", kinds=("duty",))
def mailbox(ctx):
    """One 信箱开启 per ISO week, by its Sunday; each letter found is registered as a record
    (complaint, visit) listed in `related`, so its follow-up is judged there."""
    found = defaultdict(list)
    for d in typed(ctx, "duty", "信箱开启"):
        found[week_key(local_date(d["date"]))].append(d)
    periodic(ctx, weeks(ctx), found, lambda w: as_of_day(period_bounds(w)[1]), what=lambda w: "开启经理信箱",
             late=lambda w: "本周没有开启经理信箱的登记", threshold="每周一次", who="客服助理")
    for recs in found.values():
        for d in recs:
            n, got = d["letters"] or 0, len(d.get("related", []))
            if got < n:
                ctx.finding(d, "related" if d["related"] else "letters",
                            f"信箱里有 {n} 封信，只登记了 {got} 条跟进记录（related）", threshold="每封信都登记并跟进")


@clause("P-OC-01", "业委会座谈与开发商沟通计划", scope="contract", modal="无", source="001 P §3.1.5–§3.1.6",
      asks="有业委会的，每年邀请业委会成员座谈两次并完整记录；没有业委会的商业物业，每年制订与开发商的沟通计划并经服务中心经理批准",
      kinds=("duty", "plan"))
def owners_committee(ctx):
    """With symposiums_per_year > 0: each calendar year needs that many 业委会座谈 (a running year
    shows progress, a closed year its verdict), each with attendees and content. With 0 (no owners'
    committee): a 沟通计划 for the year, approved (approved_by, approved), by the end of its first
    judged month."""
    n = ctx.threshold("symposiums_per_year")
    years = range(start_day(ctx).year, ctx.as_of.year + 1)
    if n:
        for y in years:
            held = [d for d in typed(ctx, "duty", "业委会座谈") if local_date(d["date"]).year == y]
            for d in held:
                if not d["content"] or not d["attendees"]:
                    ctx.finding(d, "date", f"业委会座谈 {d.id} 的记录不完整（缺少参加人员或座谈内容）", threshold="完整记录沟通情况")
            ctx.figure(str(y), "业委会座谈", min(len(held), n), n, 1.0, ">=", f"每年 {n} 次",
                       population="本年的业委会座谈", finding=f"业委会座谈 {len(held)} 次，应 {n} 次")
        return
    for y in years:
        plans = [p for p in typed(ctx, "plan", "沟通计划") if str(p["period"]) == str(y)]
        first = max(date(y, 1, 1), start_day(ctx))
        due = add_months(first.replace(day=1), 1) - timedelta(days=1)
        if not plans:
            ctx.period_deadline(str(y), due, "没有本年与开发商的沟通计划", "制订与开发商的年度沟通计划",
                                threshold="每年一份，经服务中心经理批准", who="服务中心经理")
            continue
        for p in plans:
            if not p["approved_by"] or not happened(ctx, p["approved"]):
                ctx.deadline(p, "date", due, f"沟通计划 {p.id} 还没有服务中心经理批准", f"批准沟通计划 {p.id}",
                             threshold="经服务中心经理批准")


@clause("P-SUP-01", "每月服务监督报告", scope="period", modal="无", source="001 E §1",
      asks="业务部门每月对技术服务部门的工作进行考核，月底编写服务监督报告交总经理", kinds=("report",))
def supervision_report(ctx):
    """Done: a 服务监督报告 for every month from `facts_since`, handed in by monthly_report_workdays
    working days after the month (later: done late; none: overdue), naming whom it went to
    (`submitted_to`, the general manager)."""
    n = ctx.threshold("monthly_report_workdays")
    found = by_period(typed(ctx, "report", "服务监督报告"))
    periodic(ctx, months(ctx), found, lambda m: after_period(ctx, m, n), what=lambda m: "服务监督报告",
             late=lambda m: "到期没有服务监督报告", threshold=f"月底，最迟下月第 {n} 个工作日", who="业务部门")
    for recs in found.values():
        for r in recs:
            if not r["submitted_to"]:
                ctx.finding(r, "by", f"服务监督报告 {r.id} 没有写交给谁（submitted_to），应交总经理", threshold="交总经理")


TECH_ROLE = "技术服务人员"


@clause("P-WEEK-01", "周五提交每周服务情况", scope="period", modal="必需", source="001 E §4",
      asks="每周五下午部门例会，技术服务人员必须提交本周的客户服务情况和客户反馈，由例会汇总分析", kinds=("report",))
def weekly_service(ctx):
    """A 每周服务情况 per ISO week by its Friday; where staff.yml names 技术服务人员, each of them has
    an item in it."""
    found = by_period(typed(ctx, "report", "每周服务情况"))
    periodic(ctx, weeks(ctx), found, _friday, what=lambda w: "周五例会提交每周服务情况",
             late=lambda w: "本周五没有提交每周服务情况", threshold="每周五", who=TECH_ROLE)
    staff = [m.name for m in (ctx.staff.members if ctx.staff else ()) if TECH_ROLE in (roles(ctx, m.name) or ())]
    for recs in found.values():
        for r in recs:
            got = {x.get("by") for x in r.get("items", []) if isinstance(x, dict)}
            missing = [s for s in staff if s not in got]
            if missing:
                ctx.finding(r, "items" if r["items"] else "content", f"{r['period']} 的每周服务情况缺少 {'、'.join(missing)} 的提交",
                            threshold="每位技术服务人员都提交")


@clause("C-MON-01", "每月投诉统计报管理会议", scope="period", modal="程序步骤", source="003 P4 §4.3.1–§4.3.3",
      asks="客服每月统计投诉，形成《客户投诉处理统计分析报告》报客服经理，在下月管理会议上提交，由管理层决定是否采取纠正预防措施",
      kinds=("complaint", "report"))
def complaint_statistics(ctx):
    """A 投诉统计分析 per month with complaints, due monthly_report_workdays working days after it;
    presented at a management meeting (meeting: date, decision) by the end of the next month."""
    n = ctx.threshold("monthly_report_workdays")
    active = {month_key(c["received"]) for c in ctx.records.complaints if c["type"] == "投诉" and judged(ctx, c["received"])}
    found = by_period(typed(ctx, "report", "投诉统计分析"))
    periodic(ctx, [m for m in months(ctx) if m in active], found, lambda m: after_period(ctx, m, n),
             what=lambda m: "投诉统计分析报告", late=lambda m: "到期没有投诉处理统计分析报告",
             threshold=f"下月第 {n} 个工作日内", who="客服人员")
    for m, recs in found.items():
        for r in recs:
            meet = r.get("meeting") if isinstance(r.get("meeting"), dict) else {}
            due = add_months(date.fromisoformat(m + "-01") if len(m) == 7 else local_date(r["date"]), 2) - timedelta(days=1)
            if not happened(ctx, meet.get("date")):
                ctx.deadline(r, "meeting" if r["meeting"] else "content", due, f"投诉统计分析报告 {r.id} 没有提交管理会议",
                             f"{r.id} 提交管理会议", threshold="下月管理会议")
            elif not meet.get("decision"):
                ctx.finding(r, ("meeting", "date"), f"投诉统计分析报告 {r.id} 提交了管理会议，但没有记录会议决定（decision）",
                            threshold="记录是否采取纠正预防措施")
