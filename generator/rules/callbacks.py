"""W — repairs and work-order callbacks (PROCEDURES.md §2.B).

A callback is a visit with purpose 安装回访/维修回访 whose `related` names the order; only one that
reached the customer (followup.reached) meets a callback duty. An order's callback is due completed
+ 1 day (install) or within completed + 1..3 days (repair). A repair-quality spot check is a
visit marked `spot_check: true` on a repair order — an ordinary callback is not a spot check.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta

from ..load import Record
from ..dates import local_date
from ..dates import month_key as _month
from .engine import catalogue, rule
from .complaints import DISSATISFIED
from .followup import Met, first_meeting, judge, reached

CALLBACK_PURPOSES = ("安装回访", "维修回访")
LAST_DAY = {"安装": 1, "维修": 3}  # calendar days after completion
NO_REGION = "未填区域"
# W-SPOT-01: the methods each option allows for a spot check (000 P4 Art.2(4) phone; 000 P5 §4(4) on-site or phone)
SPOT_METHODS = {"SPOT-5": ("电话",), "SPOT-30": ("电话", "上门")}
# W-CB-06: contact problems that mean the customer's data are wrong (nobody answering is not one)
DATA_PROBLEMS = ("空号", "信息错误", "联系人不符")


def callbacks(ctx_or_records, order: Record) -> list[Record]:
    """The order's callback visits (reached or not), by date."""
    records = getattr(ctx_or_records, "records", ctx_or_records)
    return [v for v in records.visits_by_related.get(order.id, []) if v["purpose"] in CALLBACK_PURPOSES]


def callback_due(order: Record) -> date:
    """Last day the first callback is on time."""
    return local_date(order["completed"]) + timedelta(days=LAST_DAY[order["type"]])


def called_back(ctx_or_records, order: Record):
    """The order's first callback that reached the customer (duty.Met)."""
    return first_meeting(callbacks(ctx_or_records, order))


def region(ctx, order: Record) -> str:
    if order["region"]:
        return order["region"]
    cust = ctx.records.by_id.get(order["customer"])
    return (cust["region"] if cust is not None else None) or NO_REGION


def unsatisfied(visit: Record) -> bool:
    """A reached callback that needs a second one: result 不属实/不满意 or a dissatisfied rating."""
    if not reached(visit):
        return False
    s = visit.get("satisfaction", {})
    rated = [s.get("product"), s.get("service")] if isinstance(s, dict) else []
    return visit["result"] in ("不属实", "不满意") or any(x in DISSATISFIED for x in rated)


def verdict_missing(visit: Record) -> bool:
    """A reached callback that records neither a result nor a rating: nobody can tell if it needs a second one."""
    s = visit.get("satisfaction", {})
    rated = isinstance(s, dict) and any(s.get(k) for k in ("product", "service"))
    return reached(visit) and not visit["result"] and not rated


@rule("W-SPOT-01", "每月维修质量抽查回访", scope="period", modal="规定", source="000 P4 Art.2(4)；000 P5 §4(4)",
      asks="每月按规定比例抽查维修单做维修质量回访，并记录在回访记录中", param="spot_check",
      kinds=("order", "visit"))
def spot_check(ctx):
    """Done: a repair order of the month has a visit marked `spot_check: true` that reached the
    customer in the method the option allows (SPOT-5 phone; SPOT-30 phone or on-site) — an ordinary
    callback is no spot check. Compared: the month's sample (orders by completion month) with
    ceil(rate × orders), SPOT-5 capped at floor(5% × households) (the cap wins, §4.4; a sample above
    it is only noted). A running month shows progress, a closed one its verdict. A spot check in a
    method the option does not allow is a finding on that visit and does not count.
    """
    opt = ctx.option("spot_check")
    rate = ctx.config.option_value("spot_check")
    methods = SPOT_METHODS[opt]
    share = ctx.threshold("spot_cap_share")
    cap = math.floor(share * ctx.threshold("households")) if opt == "SPOT-5" else None
    by_month = defaultdict(list)
    for o in ctx.records.orders:
        if o["type"] == "维修":
            by_month[_month(o["completed"])].append(o)
    th0 = ctx.profile_text("spot_check")
    for v in ctx.records.visits:
        if v.get("spot_check") and v["method"] not in methods:
            ctx.finding(v, "method", f"维修质量抽查回访 {v.id} 用的是“{v['method']}”，按所选做法只认{'、'.join(methods)}",
                        threshold=th0)
    for m in ctx.months():
        orders = by_month.get(m, [])
        sampled = [o for o in orders if any(v.get("spot_check") and reached(v) and v["method"] in methods
                                            for v in ctx.records.visits_by_related.get(o.id, []))]
        need = math.ceil(rate * len(orders))
        th = th0
        if cap is not None and cap < need:
            need = cap
            th += f"；按总户数 {ctx.threshold('households')} 户的 {share:.0%} 封顶为 {cap} 单"
        target = need / len(orders) if orders else rate
        missed = [o.id for o in orders if o not in sampled]
        ctx.figure(m, "维修质量抽查", len(sampled), len(orders), target, ">=", th, missed,
                   population="本月完工的维修单（只算标明 spot_check 的抽查回访）",
                   finding=f"维修单 {len(orders)} 张，抽查回访了 {len(sampled)} 张，应至少 {need} 张")
        if cap is not None and len(sampled) > cap:
            ctx.period_finding(m, f"抽查回访 {len(sampled)} 张，超过了总户数 {share:.0%} 的上限 {cap} 张",
                               [o.id for o in sampled], threshold=th, severity="info")


@rule("W-CB-01", "完工单 100% 回访", scope="period", modal="要求", source="004 §3.1、§4.5",
      asks="安装、维修完工的有效单据原则上要求 100% 回访（旺季比例统一调整）", kinds=("order", "visit"))
def callback_ratio(ctx):
    """Done: the order has a callback that reached the customer (a failed attempt is not a callback).
    Population, per month of completion, overall and per region (order region, else the customer's):
    orders whose callback deadline has passed or that are called back. Timeliness is W-CB-02's; the
    open callback itself is on W-CB-02's due list."""
    ratio = ctx.threshold("callback_ratio")
    th = f"≥ {ratio:.0%}（完工单回访比例，可在 huifang.yml 的 callback_ratio 调整）"
    due = defaultdict(list)  # (month, region) -> [(order, called_back)]
    regions = set()
    for o in ctx.records.orders:
        done = called_back(ctx, o).event is not None
        regions.add(region(ctx, o))
        if done or ctx.passed(callback_due(o)):
            due[(_month(o["completed"]), region(ctx, o))].append((o, done))
    population = "本月完工、回访期限已到或已回访（联系上客户）的完工单"
    for m in ctx.months():
        rows = [x for (mm, _), xs in due.items() if mm == m for x in xs]
        ctx.figure(m, "全部区域", sum(d for _, d in rows), len(rows), ratio, ">=", th,
                   [o.id for o, d in rows if not d], population=population)
        for reg in sorted(regions):
            rows = due.get((m, reg), [])
            missed = [o.id for o, d in rows if not d]
            ctx.figure(m, f"{reg} 区域", len(rows) - len(missed), len(rows), ratio, ">=", th, missed, scope=reg,
                       population=population,
                       finding=f"到期应回访的完工单 {len(rows)} 张，已回访 {len(rows) - len(missed)} 张")


@rule("W-CB-02", "安装次日回访，维修完工 1–3 天内回访", scope="record", modal="要求", source="004 §4.5",
      asks="安装单在安装完毕后的第二天回访，维修单在修复完工后的 1–3 天内回访", kinds=("order", "visit"))
def callback_timing(ctx):
    """Done: the first callback that reached the customer (failed attempts are named, never count).
    Compared: its local day with completed + 1 day (install) / + 3 days (repair); late is a finding
    on the order saying how late; none yet is an open item, overdue after the last day. A callback
    on the completion day (day 0) meets the duty but is noted as early (§4.1 leaves it open)."""
    for o in ctx.records.orders:
        done = local_date(o["completed"])
        last = LAST_DAY[o["type"]]
        th = "完工后第 1 天" if last == 1 else f"完工后 1–{last} 天"
        met = called_back(ctx, o)
        judge(ctx, o, "completed", callback_due(o), met, threshold=th,
              late=f"{o['type']}单 {o.id} {done} 完工，到 {callback_due(o)} 仍没有回访",
              what=f"{o['type']}完工回访")
        if met.event is not None and (local_date(met.at) - done).days <= 0:
            ctx.finding(met.event, "date", f"{o['type']}单 {o.id} 在完工当天就回访了，比规定的时间早", threshold=th,
                        severity="info")


@rule("W-CB-05", "不属实/不满意：注明受访人，二次回访直到满意", scope="record", modal="要求", source="004 §4.6",
      asks="不属实、不满意的回访要如实登记并注明受访人，处理后二次回访，必须跟踪到客户答复满意为止",
      kinds=("order", "visit"))
def second_callback(ctx):
    """Trigger: a reached callback with result 不属实/不满意 or a dissatisfied rating. Done: the
    next callback on the same order that reached the customer, compared with the unsatisfied one's
    day + callback_followup_days (late says how late); a satisfied one ends the chain, an unsatisfied
    one starts the next round. The interviewee must be named. Missing fact: a reached callback with
    neither `result` nor a rating cannot be judged and is a finding asking for it. A callback that
    names no order (`related`) is judged all the same, but nothing can be shown to follow it up: its
    second callback stays owed (and overdue) until the order is named."""
    days = ctx.threshold("callback_followup_days")
    th = f"{days} 天内二次回访，直到满意"

    def judge_one(v, visits, order_id):
        if verdict_missing(v):
            ctx.finding(v, "content", f"完工回访 {v.id} 联系上了客户，却没有记录回访结果（result）或满意度，"
                                      f"无法判断是否需要二次回访", threshold=th)
            return
        if not unsatisfied(v):
            return
        key = "result" if v["result"] else "satisfaction"
        if not v["interviewee"]:
            ctx.finding(v, key, f"回访 {v.id} 结果为不属实/不满意，但没有注明受访人（interviewee）", threshold=th)
        due = local_date(v["date"]) + timedelta(days=days)
        if order_id is None:
            judge(ctx, v, key, due, Met(None, None), threshold=th,
                  late=f"回访 {v.id} 结果为不属实/不满意，却没有写明是哪张完工单的回访（related），"
                       f"到 {due} 看不出对它做过二次回访",
                  what="二次回访（上次不属实/不满意；先在 related 写明完工单）")
            return
        judge(ctx, v, key, due, first_meeting(visits, since=v["date"], after=True), threshold=th,
              late=f"回访 {v.id} 结果为不属实/不满意，到 {due} 仍没有对 {order_id} 进行二次回访",
              what=f"{order_id} 二次回访（上次不属实/不满意）")

    linked = set()
    for o in ctx.records.orders:
        visits = callbacks(ctx, o)
        for v in visits:
            linked.add(v.id)
            judge_one(v, visits, o.id)
    for v in ctx.records.visits:  # a missing link must not let the duty pass
        if v["purpose"] in CALLBACK_PURPOSES and v.id not in linked:
            judge_one(v, [], None)


@rule("W-CB-06", "空号、信息错误 100% 复核", scope="record", modal="要求", source="004 §4.7",
      asks="电话空号、信息错误、电话与联系人和地址均不符的，要 100% 复核", kinds=("visit",))
def reverify(ctx):
    """Trigger: a visit with `reachable: false` whose contact problem is a data problem (空号, 信息错误,
    联系人不符) or unstated (nobody answering is no data problem). Done: `reverified` (a day not before
    the visit) or a later visit to the same customer that reached them — whichever came first,
    compared with the visit day + reverify_days; late says how late. The month figure counts the
    flags that are due or done, re-verified on time in the numerator (the same verdict as the records)."""
    days = ctx.threshold("reverify_days")
    th = f"{days} 天内复核（复核率 100%）"
    by_month = defaultdict(list)
    for v in ctx.records.visits:
        if reached(v) or (v["contact_problem"] and v["contact_problem"] not in DATA_PROBLEMS):
            continue
        due = local_date(v["date"]) + timedelta(days=days)
        later = [w for w in ctx.records.by_customer.get(v["customer"], []) if w.kind.name == "visit" and w is not v]
        met = first_meeting(later, since=v["date"], after=True)
        when = met.at
        if v["reverified"] is not None and v["reverified"] >= local_date(v["date"]) and (
                when is None or v["reverified"] < local_date(when)):
            when = v["reverified"]
        on_time = when is not None and (local_date(when) if hasattr(when, "hour") else when) <= due
        if when is not None or ctx.passed(due):
            by_month[_month(v["date"])].append((v, on_time))
        judge(ctx, v, "reachable", due, type(met)(None, when, met.failed), threshold=th,
              late=f"回访 {v.id} 没有联系上客户（{v['contact_problem'] or '原因未填'}），到 {due} 仍没有复核",
              what="复核客户联系信息")
    for m in ctx.months():
        rows = by_month.get(m, [])
        ctx.figure(m, "联系信息复核", sum(f for _, f in rows), len(rows), 1.0, ">=", th,
                   [v.id for v, f in rows if not f], population="本月没有联系上客户、复核已到期或已复核的回访")


_NOT = [
    ("W-HQ-02", "总部每周核对日报与 ERP", "period", "程序步骤", "004 §3.3",
     "总部根据区域日报表通过 ERP 查询核对，每周做成周报表", "核对的另一方是 ERP 系统里的完工数据，它在 ERP 里，不在记录仓库里；记录仓库这边的日报和回访数字由 W-CB-04 核对"),
    ("W-MET-01", "回访考核指标", "period", "程序步骤", "004 §2.1–§2.2",
     "按完成率、真实性、满意度、不满意投诉解决率、及时率考核区域回访工作",
     "程序文件没有给出公式和目标值；门户只展示各项指标（见 W-CB-01、W-CB-02）"),
]
for _id, _title, _scope, _modal, _source, _asks, _reason in _NOT:
    catalogue(_id, _title, scope=_scope, modal=_modal, source=_source, asks=_asks, reason=_reason)
