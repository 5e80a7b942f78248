"""E — equipment lifecycle visits (002), and D — decoration projects (PROCEDURES.md §2.C, §2.D).

`lifecycle()` is the one schedule of a customer's equipment visits: the rules below judge it and
the customer archive page shows it, so both always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..dates import add_months, deadline_instant, local_date
from ..load import Record
from .engine import catalogue, rule
from .complaints import DISSATISFIED, is_resolved
from .followup import first_meeting, judge, reached

EQUIPMENT_PURPOSES = ("送电前回访", "试运行回访", "质保期回访", "质保期外回访")
# (rule, purpose, months after energization, label); months None = on or before energization
SCHEDULE = (
    ("E-LC-01", "送电前回访", None, "送电前现场回访"),
    ("E-LC-02", "试运行回访", 1, "试运行期回访（送电满 1 个月）"),
    ("E-LC-03", "质保期回访", 6, "质保期回访（送电后 6 个月）"),
    ("E-LC-03", "质保期回访", 12, "质保期回访（送电后 12 个月）"),
    ("E-LC-04", "质保期外回访", 24, "质保期外回访（送电后 24 个月）"),
    ("E-LC-04", "质保期外回访", 36, "质保期外回访（送电后 36 个月）"),
)


@dataclass(frozen=True)
class Milestone:
    """One due lifecycle visit of one product.

    status: "done" (a visit counts for it; `late` when it came after the window, `early` when it
    came before the due day), "open" (not over yet: due in the future or inside its window) or
    "overdue" (window over, no visit).
    For the pre-energization visit `due` and `window_end` are both the energization day.
    """

    customer: str
    product: int  # index in the customer's products list
    model: str
    rule: str
    purpose: str
    label: str
    due: date
    window_end: date
    status: str
    visit: str | None = None
    visit_date: date | None = None
    late: bool = False
    early: bool = False


@dataclass(frozen=True)
class Terms:
    """E-DEF-01's derived dates of one product."""

    trial_end: date | None
    warranty_end: date | None


def terms(product: dict) -> Terms:
    """trial_end = energized + 1 month; warranty_end = min(energized + 12 m, shipped + 18 m)."""
    e, s = product.get("energized"), product.get("shipped")
    ends = [x for x in (add_months(e, 12) if e else None, add_months(s, 18) if s else None) if x]
    return Terms(add_months(e, 1) if e else None, min(ends) if ends else None)


def products(customer: Record) -> list[tuple[int, dict]]:
    """(index, product) of the products the lifecycle applies to (not supporting/internal, E-SCOPE-01)."""
    return [(i, p) for i, p in enumerate(customer.get("products", []))
            if isinstance(p, dict) and not p.get("supporting")]


def lifecycle(ctx, customer: Record) -> list[Milestone]:
    """The six scheduled visits of each energized product, matched to the customer's visits.

    A visit counts if it reached the customer (a failed attempt never does), its purpose is the
    milestone's, its `product` is the model (or empty), and it lies in [due, due + window]
    (pre-energization: on or before the energization day, an on-site one first); failing that, one
    made a little early — after the previous due day of the same purpose (or the energization) —
    counts as done but `early`, and failing that the first later visit before the next due date of
    the same purpose counts as done but `late`.
    Computed once per customer and run (kept in `ctx.memo`), so every rule and page reads one schedule.
    """
    memo = ctx.memo.setdefault("lifecycle", {})
    if customer.id not in memo:
        memo[customer.id] = _schedule(ctx, customer)
    return memo[customer.id]


def _schedule(ctx, customer: Record) -> list[Milestone]:
    as_of, window = ctx.as_of, ctx.threshold("lifecycle_window_months")
    visits = [v for v in ctx.records.by_customer.get(customer.id, []) if v.kind.name == "visit"]
    out: list[Milestone] = []
    for i, p in products(customer):
        energized = p.get("energized")
        if not energized:
            continue
        model = p.get("model")
        used: set[str] = set()
        for n, (rid, purpose, months, label) in enumerate(SCHEDULE):
            cands = [v for v in visits if v["purpose"] == purpose and v.id not in used and reached(v)
                     and (not v["product"] or v["product"] == model)]
            early = late = False
            if months is None:
                due = end = energized
                before = [v for v in cands if local_date(v["date"]) <= energized]
                hit = next((v for v in before if v["method"] == "上门"), None) or next(iter(before), None)
            else:
                due = add_months(energized, months)
                end = add_months(due, window)
                nxt = next((add_months(energized, m2) for _, p2, m2, _ in SCHEDULE[n + 1:] if p2 == purpose), None)
                prev = max([add_months(energized, m2) for _, p2, m2, _ in SCHEDULE[:n] if p2 == purpose and m2],
                           default=energized)
                dated = [v for v in cands if due <= local_date(v["date"]) and local_date(v["date"]) <= as_of]
                hit = next((v for v in dated if local_date(v["date"]) <= end), None)
                if hit is None:
                    hit = next((v for v in cands if prev < local_date(v["date"]) < due), None)
                    early = hit is not None
                if hit is None:
                    hit = next((v for v in dated if nxt is None or local_date(v["date"]) < nxt), None)
                    late = hit is not None
            if hit is not None:
                used.add(hit.id)
                out.append(Milestone(customer.id, i, model, rid, purpose, label, due, end, "done",
                                     hit.id, local_date(hit["date"]), late, early))
            else:
                out.append(Milestone(customer.id, i, model, rid, purpose, label, due, end,
                                     "overdue" if ctx.passed(end) else "open"))
    return out


@dataclass(frozen=True)
class Plan:
    """One product of a customer as the portal shows it: E-DEF-01's dates and the E-LC schedule."""

    customer: str
    product: int
    model: str | None
    terms: Terms
    milestones: tuple[Milestone, ...]

    @property
    def next(self) -> Milestone | None:
        """The first milestone not done yet (what the due list shows for this product)."""
        return next((m for m in self.milestones if m.status != "done"), None)


def plans(ctx) -> dict[str, list[Plan]]:
    """Every customer's lifecycle products (supporting ones excluded): terms and schedule, once."""
    out: dict[str, list[Plan]] = {}
    for c in ctx.records.customers:
        schedule = lifecycle(ctx, c)
        rows = [Plan(c.id, i, p.get("model"), terms(p), tuple(m for m in schedule if m.product == i))
                for i, p in products(c)]
        if rows:
            out[c.id] = rows
    return out


def _judge(ctx, rid: str) -> None:
    """E-LC-01..04: an overdue milestone is a finding on products[i] (and overdue on the due list);
    of the milestones still ahead only each product's next one is a to-do, the rest wait on the
    customer page."""
    for c in ctx.records.customers:
        schedule = lifecycle(ctx, c)
        upcoming = {}
        for ms in schedule:
            if ms.status == "open":
                upcoming.setdefault(ms.product, ms)
        for ms in schedule:
            if ms.rule != rid:
                continue
            if ms.status == "open" and upcoming.get(ms.product) is not ms:
                continue
            when = f"{ms.due}" if ms.due == ms.window_end else f"{ms.due} 至 {ms.window_end}"
            th = "送电当天或之前" if ms.due == ms.window_end else f"{ms.due} 至 {ms.window_end} 之间"
            if ms.status == "done":
                if ms.early and ms.visit:
                    ctx.finding(ctx.records.by_id[ms.visit], "date",
                                f"设备 {ms.model} 的{ms.label}应在 {when} 进行，{ms.visit_date} 就回访了，"
                                f"早了 {(ms.due - ms.visit_date).days} 天（按已回访计）", threshold=th, severity="info")
                continue
            ctx.deadline(c, ("products", ms.product), ms.window_end,
                         f"设备 {ms.model} 的{ms.label}应在 {when} 完成，没有找到回访记录",
                         f"设备 {ms.model} 的{ms.label}（{when}）", threshold=th)


@rule("E-DEF-01", "试运行期与质保期的界定", scope="contract", modal="规定", source="002 §4.1–§4.2",
      asks="试运行期为送电之日起一个月；质保期为送电之日起一年或发货之日起 18 个月内（取先到者）",
      kinds=("customer",))
def definitions(ctx):
    """Facts the lifecycle needs: every product has `shipped` (the warranty's other end); `energized`
    is not before `shipped`; and a product visited as energised (a trial, warranty or post-warranty
    visit for its model) must have its `energized` day — without it no schedule can be judged, so
    its absence is a finding, not a pass."""
    later = ("试运行回访", "质保期回访", "质保期外回访")
    for c in ctx.records.customers:
        visits = [v for v in ctx.records.by_customer.get(c.id, []) if v.kind.name == "visit"
                  and v["purpose"] in later and reached(v)]
        for i, p in products(c):
            seen = [v for v in visits if not v["product"] or v["product"] == p.get("model")]
            if not p.get("energized") and seen:
                ctx.finding(c, ("products", i), f"设备 {p.get('model')} 已有送电后的回访（{seen[0].id}），"
                                                f"却没有送电日期（energized），无法排出和检查回访计划",
                            threshold="送电后须填写送电日期")
            if not p.get("shipped"):
                ctx.finding(c, ("products", i), f"设备 {p.get('model')} 没有发货日期（shipped），无法计算质保期",
                            threshold="每台设备须有发货日期")
            elif p.get("energized") and p["energized"] < p["shipped"]:
                ctx.finding(c, ("products", i, "energized"),
                            f"设备 {p.get('model')} 的送电日期 {p['energized']} 早于发货日期 {p['shipped']}",
                            threshold="送电日期不早于发货日期")


@rule("E-LC-01", "送电前现场回访，客户填写满意度调查表", scope="contract", modal="应", source="002 §6.1.1.1",
      asks="产品安装调试后、送电验收时，应对顾客现场负责人上门回访，并由顾客填写《顾客满意度调查表》",
      kinds=("customer", "visit"))
def pre_energization(ctx):
    """Done: a visit on or before the energization day that reached the customer — an on-site one
    when there is one (a call that arranged it does not stand in for it); the visit must be on site
    and record the survey (`survey: true`). None by the energization day is overdue (lifecycle)."""
    _judge(ctx, "E-LC-01")
    for c in ctx.records.customers:
        for ms in lifecycle(ctx, c):
            v = ctx.records.by_id.get(ms.visit) if ms.rule == "E-LC-01" and ms.visit else None
            if v is None:
                continue
            if v["method"] != "上门":
                ctx.finding(v, "method", f"送电前回访 {v.id} 是“{v['method']}”，应上门现场回访", threshold="上门")
            if v["survey"] is not True:
                ctx.finding(v, "survey" if v["survey"] is not None else "purpose",
                            f"送电前回访 {v.id} 没有记录客户已填写满意度调查表（survey: true）", threshold="客户填写满意度调查表")


@rule("E-LC-02", "试运行期回访（送电满 1 个月）", scope="contract", modal="应", source="002 §6.1.1.2",
      asks="产品送电满一个月后，应对顾客配电室负责人进行第二次回访", kinds=("customer", "visit"))
def trial_visit(ctx):
    """Done: the lifecycle's match (a reached 试运行回访 for the model) in [energized + 1 month, + window];
    early counts as done with a note, late is E-LC-05's; none by the window end is overdue."""
    _judge(ctx, "E-LC-02")


@rule("E-LC-03", "质保期内 6 个月、12 个月回访", scope="contract", modal="应", source="002 §6.1.1.3",
      asks="质保期（一年）内应在半年、一年各回访一次，共两次", kinds=("customer", "visit"))
def warranty_visits(ctx):
    """As E-LC-02, for the 6- and 12-month 质保期回访: each met by a reached visit in
    [due, due + window], early after the previous due day (a note), late before the next (E-LC-05);
    none by the window end is overdue on products[i]."""
    _judge(ctx, "E-LC-03")


@rule("E-LC-04", "质保期外 24 个月、36 个月回访", scope="contract", modal="应", source="002 §6.1.1.4",
      asks="质保期满后至第 36 个月，每隔一年回访一次，共两次", kinds=("customer", "visit"))
def post_warranty_visits(ctx):
    """As E-LC-02, for the 24- and 36-month 质保期外回访 (months counted from energization, §4.5.3):
    early is a note, late is E-LC-05's, none by the window end is overdue."""
    _judge(ctx, "E-LC-04")


@rule("E-LC-05", "集中回访不晚于规定日期一个月", scope="record", modal="不应超过", source="002 §6.1.2 注",
      asks="试运行期以后的回访可以集中进行，但不应晚于规定日期一个月", kinds=("customer", "visit"))
def batched_late(ctx):
    """A lifecycle visit matched after its window (due + lifecycle_window_months) is a finding on
    that visit saying how late; it stays once made (history)."""
    for c in ctx.records.customers:
        for ms in lifecycle(ctx, c):
            if ms.late and ms.visit:
                v = ctx.records.by_id[ms.visit]
                ctx.finding(v, "date", f"设备 {ms.model} 的{ms.label}应在 {ms.due} 至 {ms.window_end} 之间，"
                                       f"实际 {ms.visit_date} 才回访", threshold=f"不晚于 {ms.window_end}",
                            status="done", due=ms.window_end)


@rule("E-FB-01", "不满意 → 信息反馈单 → 处理 → 再回访", scope="record", modal="程序步骤", source="002 §6.2.5",
      asks="回访中顾客对质量或服务不满意，由回访人员填写《信息反馈单》传递相关部门，处理后对顾客重新回访并调查满意度",
      kinds=("visit", "complaint"))
def feedback_loop(ctx):
    """Trigger: a visit that reached the customer with a dissatisfied product or service rating —
    complaint revisits and order callbacks are left to C-ESC-01/V-REP-01 and W-CB-05, which chase
    their dissatisfaction. Done (1): the information feedback form it links (`feedback`), received
    within feedback_days (a form opened late is a finding saying how late), channel 回访发现.
    Done (2): once the form is handled (`resolved`; a handled form without that time is a finding),
    the first revisit related to the form after it that reached the customer and records a
    satisfaction, within feedback_revisit_workdays working days; late says how late."""
    days, wd = ctx.threshold("feedback_days"), ctx.threshold("feedback_revisit_workdays")
    for v in ctx.records.visits:
        s = v.get("satisfaction", {})
        if v["purpose"] in ("投诉回访", "安装回访", "维修回访") or not reached(v) or not isinstance(s, dict) \
                or not any(s.get(k) in DISSATISFIED for k in ("product", "service")):
            continue
        fb = ctx.records.by_id.get(v["feedback"]) if v["feedback"] else None
        due = local_date(v["date"]) + timedelta(days=days)
        ctx.deadline(v, "feedback" if fb is not None else "satisfaction", due,
                     f"回访 {v.id} 客户不满意，到 {due} 仍没有开《信息反馈单》（feedback）",
                     "填写《信息反馈单》", threshold=f"{days} 天内开信息反馈单",
                     done=fb["received"] if fb is not None else None)
        if fb is None:
            continue
        if fb["channel"] != "回访发现":
            ctx.finding(v, "feedback", f"信息反馈单 {fb.id} 的渠道是“{fb['channel']}”，应为“回访发现”",
                        threshold="渠道为“回访发现”的信息反馈单")
        if not fb["resolved"]:
            if is_resolved(fb):
                ctx.finding(v, "feedback", f"信息反馈单 {fb.id} 状态是“{fb['status']}”，却没有填写解决时间（resolved），"
                                           f"无法计算再回访期限", threshold=f"处理后 {wd} 个工作日内再回访")
            continue
        start = local_date(fb["resolved"])
        due = ctx.add_workdays(v, "feedback", start, wd)
        if due is None:
            continue
        rated = lambda w: isinstance(w.get("satisfaction", {}), dict) and bool(  # noqa: E731
            w.get("satisfaction", {}).get("product") or w.get("satisfaction", {}).get("service"))
        met = first_meeting(ctx.records.visits_by_related.get(fb.id, []), since=fb["resolved"], meets=rated)
        judge(ctx, v, "feedback", due, met, threshold=f"处理后 {wd} 个工作日内再回访",
              late=f"信息反馈单 {fb.id} 已于 {start} 处理完，到 {due} 仍没有带满意度的再次回访",
              what=f"信息反馈单 {fb.id} 处理后再回访并调查满意度")


def report_month(d: date) -> str:
    """E-MON-01's report month: the 26th of M-1 .. the 25th of M belong to month M."""
    if d.day >= 26:
        d = add_months(d.replace(day=1), 1)
    return f"{d.year:04d}-{d.month:02d}"


@rule("E-MON-01", "每月 25 日分类统计，出满意度测量报告", scope="period", modal="程序步骤", source="002 §6.3.1",
      asks="每月 25 日按产品质量满意度、服务质量满意度、建议和需求分类整理回访记录，形成《顾客满意度测量报告》",
      kinds=("visit",))
def monthly_measurement(ctx):
    """Population: equipment and 意见征询 visits that reached the customer, by report window (the
    26th of the previous month to the 25th). Done: both ratings (product and service) recorded —
    a missing one is a finding, the report cannot classify the visit. The figure (rated ÷ visits)
    closes on the 25th."""
    rows: dict[str, list] = {}
    for v in ctx.records.visits:
        if v["purpose"] not in EQUIPMENT_PURPOSES + ("意见征询",) or not v.get("reachable", True):
            continue
        s = v.get("satisfaction", {})
        ok = isinstance(s, dict) and bool(s.get("product")) and bool(s.get("service"))
        m = report_month(local_date(v["date"]))
        rows.setdefault(m, []).append((v, ok))
        if not ok:
            ctx.finding(v, "satisfaction" if v["satisfaction"] else "purpose",
                        f"{v['purpose']} {v.id} 缺少产品或服务满意度，{m} 的满意度测量报告无法归类",
                        threshold="产品、服务满意度都要填写")
    for m in ctx.months():
        got = rows.get(m, [])
        prev = add_months(date.fromisoformat(m + "-01"), -1)
        ctx.figure(m, f"满意度测量报告（{prev:%Y-%m}-26 至 {m}-25）", sum(ok for _, ok in got), len(got), 1.0, ">=",
                   "产品、服务满意度都要填写", [v.id for v, ok in got if not ok],
                   population=f"{prev:%Y-%m}-26 至 {m}-25 的设备回访和意见征询回访（联系上的）",
                   end=deadline_instant(date.fromisoformat(m + "-25")))


@rule("E-REC-01", "回访记录编号含年份和月份", scope="record", modal="程序步骤", source="002 §6.2.4",
      asks="回访记录的编号要包含年号和月份，并登记在顾客回访台帐中", kinds=("visit",))
def record_number(ctx):
    """Population: equipment visits. Done: the id contains the visit's YYYYMM (HF-20261103-001) or
    YYYY-MM; the ledger column has no field and is not judged. No deadline."""
    for v in ctx.records.visits:
        if v["purpose"] not in EQUIPMENT_PURPOSES:
            continue
        d = local_date(v["date"])
        if f"{d:%Y%m}" not in v.id.replace("-", ""):
            ctx.finding(v, "id", f"设备回访 {v.id} 的编号里没有回访年月 {d:%Y%m}", threshold="编号含年份和月份")


@rule("E-REC-02", "设备回访记录的必填内容", scope="record", modal="应", source="002 §6.2.4 a–d",
      asks="回访记录应重点记录产品和服务质量满意度、建议或需求，质保期外还要记录维修、改造等需求",
      kinds=("visit",))
def record_content(ctx):
    """Population: equipment visits that reached the customer (a failed attempt has nobody's
    needs to record). Done: the customer's suggestions and needs (`needs`) are written; ratings are
    E-MON-01's. Missing fact: empty `needs` is a finding."""
    for v in ctx.records.visits:
        if v["purpose"] in EQUIPMENT_PURPOSES and v.get("reachable", True) and not v["needs"]:
            extra = "（质保期外须写明是否需要维修、改造等）" if v["purpose"] == "质保期外回访" else ""
            ctx.finding(v, "content", f"{v['purpose']} {v.id} 没有记录客户的建议和需求（needs）{extra}",
                        threshold="needs 不能为空")


@rule("E-MAJOR-01", "重大顾客可现场回访", scope="customer", modal="可", source="002 §6.1.2 a",
      asks="合同额 300 万元以上的重大顾客，可由服务人员或区域业务人员现场回访", kinds=("customer", "visit"))
def major_customer(ctx):
    """A permission (可), only a note: a customer whose contract_amount reaches
    major_customer_amount and has lifecycle products, with no on-site visit that reached them
    (other than the pre-energization one), is reminded that one may be made."""
    limit = ctx.threshold("major_customer_amount")
    for c in ctx.records.customers:
        if c["contract_amount"] is None or c["contract_amount"] < limit or not products(c):
            continue  # no amount written: not known to be major, even with a threshold of 0
        visits = [v for v in ctx.records.by_customer.get(c.id, []) if v.kind.name == "visit"]
        if not any(v["method"] == "上门" and v["purpose"] != "送电前回访" and reached(v) for v in visits):
            ctx.finding(c, "contract_amount", f"{c['name']} 合同额 {c['contract_amount']:,.0f} 元，是重大顾客，"
                                              f"可以安排一次现场回访", threshold=f"≥ {limit:,.0f} 元")


_NOT = [
    ("E-SCOPE-01", "设备回访不含配套/自用设备", "contract", "不适用", "002 §2",
     "设备回访规定不适用于配套设备和公司内部使用的产品",
     "这是适用范围：标记 supporting: true 的设备由 E-LC-* 自动排除，本身没有可检查的义务"),
]
for _id, _title, _scope, _modal, _source, _asks, _reason in _NOT:
    catalogue(_id, _title, scope=_scope, modal=_modal, source=_source, asks=_asks, reason=_reason)
