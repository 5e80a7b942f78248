"""C — complaint handling (PROCEDURES.md §2.E).

The helpers at the top (a complaint's revisits, its reply, whether it is closed, who is owed a
visit) are the agreed reading of the records that other areas and the portal share, so every page
counts alike. Populations: a revisit is owed to a complaint (type 投诉) with a named customer —
not to an enquiry (咨询) or a suggestion (建议), not to an anonymous complaint, and under ANON-P45
not to one that only asks for a reply letter. A visit that did not reach the customer is a failed
attempt: it has no verdict and meets no duty (followup.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ..load import Record
from ..dates import CalendarRangeError, fact_instant, local_date
from .engine import catalogue, rule
from .followup import first_meeting, judge, reached

SATISFIED = ("非常满意", "满意")
DISSATISFIED = ("不太满意", "很不满意")
QUALITY = ("产品质量", "工程质量")
TOP_LEVEL = ("事业部", "公司领导", "管理层")  # C-ESC-01: escalation beyond the service manager
FEEDBACK_CHANNEL = "回访发现"  # an information feedback form opened from a visit (E-FB-01), not a new complaint


# -- shared readings of a complaint ----------------------------------------------------------

def _records(ctx_or_records):
    return getattr(ctx_or_records, "records", ctx_or_records)


def revisits(ctx_or_records, complaint: Record) -> list[Record]:
    """Visits whose `related` names the complaint, by date (its 回访; failed attempts included)."""
    return list(_records(ctx_or_records).visits_by_related.get(complaint.id, []))


def actions(complaint: Record, *kinds: str) -> list[tuple[int, dict]]:
    """(index, action) of the complaint's timeline, optionally only some action words."""
    return [(i, a) for i, a in enumerate(complaint.get("actions", []))
            if isinstance(a, dict) and a.get("at") and (not kinds or a.get("action") in kinds)]


def reply(complaint: Record) -> tuple[datetime | None, tuple]:
    """The complaint's answer to the customer: its first 回复 action, else `first_response`; with
    the key path of its line (C-DL-01, C-VALID-01: the answer promised, not an acknowledgement)."""
    got = actions(complaint, "回复")
    if got:
        i, a = min(got, key=lambda x: fact_instant(x[1]["at"]))
        return a["at"], ("actions", i)
    if complaint["first_response"]:
        return complaint["first_response"], ("first_response",)
    return None, ("status",)


def first_answer(record: Record) -> tuple[datetime | None, tuple]:
    """The first time anyone answered the customer: the earlier of `first_response` and the first
    回复 action — the same fact recorded two ways (T-RESP-01, C-OFFH-01)."""
    got = [(a["at"], ("actions", i)) for i, a in actions(record, "回复")] if record.kind.name == "complaint" else []
    if record["first_response"]:
        got.append((record["first_response"], ("first_response",)))
    if not got:
        return None, ("status",)
    return min(got, key=lambda x: fact_instant(x[0]))


def closings(complaint: Record) -> list[datetime]:
    """The times of its 结案 actions, in order (a reopened complaint has an earlier one)."""
    return sorted((a["at"] for _, a in actions(complaint, "结案")), key=fact_instant)


def is_closed(complaint: Record) -> bool:
    """Closed now: status 已结案, or a 结案 action that is the last step of its timeline (status not
    yet updated). A 结案 followed by further handling and another status is a reopened complaint."""
    if complaint["status"] == "已结案":
        return True
    steps = actions(complaint)
    if not steps:
        return False
    last = max(steps, key=lambda x: fact_instant(x[1]["at"]))[1]
    return last.get("action") == "结案"


def closed_at(complaint: Record) -> datetime | None:
    """When the closing in force happened (its last 结案 action); None if open or not recorded."""
    got = closings(complaint)
    return got[-1] if got and is_closed(complaint) else None


def is_resolved(complaint: Record) -> bool:
    return complaint["status"] in ("已解决", "已结案") or complaint["resolved"] is not None or is_closed(complaint)


def anonymous(complaint: Record) -> bool:
    return not complaint["customer"]


def is_feedback_form(complaint: Record) -> bool:
    """An information feedback form a visit opened (channel 回访发现): the same customer's issue
    carried on, not another complaint (not a duplicate, not another occasion for escalation)."""
    return complaint["channel"] == FEEDBACK_CHANNEL


def needs_visit(complaint: Record, ctx=None) -> bool:
    """Owed a revisit: a complaint (not an enquiry or a suggestion) with a named customer that does
    not only ask for a reply letter (an exemption under ANON-P45 only, V-ANON-02)."""
    if complaint["type"] != "投诉" or anonymous(complaint):
        return False
    letter_only = bool(complaint.get("reply_letter_only", False))
    if letter_only and ctx is not None and ctx.option("anonymous") == "ANON-P3":
        return True
    return not letter_only


def satisfaction(visit: Record, complaint: Record | None = None) -> str | None:
    """A visit's verdict: for a quality complaint (产品质量/工程质量) its product satisfaction, else
    its service satisfaction, each falling back to the other when only one is recorded. A visit
    that did not reach the customer has no verdict."""
    if not reached(visit):
        return None
    s = visit.get("satisfaction", {})
    if not isinstance(s, dict):
        return None
    first, second = ("product", "service") if complaint is not None and complaint["category"] in QUALITY \
        else ("service", "product")
    return s.get(first) or s.get(second)


def _clock(value) -> time:
    """A configured time of day; YAML 1.1 reads an unquoted 09:00 as the number 540 (minutes)."""
    if isinstance(value, int):
        return time(value // 60, value % 60)
    return time.fromisoformat(str(value).strip().zfill(5))


def _fmt(dt) -> str:
    return dt.strftime("%Y-%m-%d %H:%M") if isinstance(dt, datetime) else str(dt)


def _action_time(a) -> datetime:
    return a[1]["at"]


# -- rules -----------------------------------------------------------------------------------

@rule("C-CLS-01", "投诉的类型与类别", scope="record", modal="要", source="003 P1 §3.4",
      asks="接到投诉时要分为投诉、咨询或建议，再细分到设计规划、工程质量、销售承诺、服务过程等类别",
      kinds=("complaint",))
def classified(ctx):
    """Population: every complaint, enquiry and suggestion. Done: `type` and `category` both filled
    (type is also required by the format); a missing one is a finding. No deadline."""
    for c in ctx.records.complaints:
        if not c["type"] or not c["category"]:
            missing = "、".join(n for n, k in (("类型（type）", "type"), ("类别（category）", "category")) if not c[k])
            ctx.finding(c, "type", f"投诉 {c.id} 没有填写{missing}",
                        threshold="类型和类别都要填写")


@rule("C-VALID-01", "投诉不成立也要答复", scope="record", modal="返回调查意见", source="003 P5 §4",
      asks="投诉不成立时也要向客户返回调查意见，婉转答复、取得谅解", kinds=("complaint",))
def invalid_answered(ctx):
    """Population: complaints marked `valid: false`, judged once closed. Done: an answer (the
    earlier of a 回复 action and first_response) no later than the closing in force; none, or one
    after it, is a finding."""
    for c in ctx.records.complaints:
        if c["valid"] is not False or not is_closed(c):
            continue
        when, key = reply(c)
        end = closed_at(c)
        if when is None:
            ctx.finding(c, "valid", f"投诉 {c.id} 判定不成立并已结案，但没有记录给客户的答复",
                        threshold="结案前须有“回复”")
        elif end is not None and fact_instant(when) > fact_instant(end):
            ctx.finding(c, key, f"投诉 {c.id} 判定不成立，答复时间 {_fmt(when)} 晚于结案时间 {_fmt(end)}",
                        threshold="结案前须有“回复”")


@rule("C-APPR-01", "处理方案须经主管领导批示", scope="record", modal="应", source="003 P3 step 6",
      asks="主管领导应对每个投诉处理方案过目并及时批示，批示后再实施", kinds=("complaint",))
def plan_approved(ctx):
    """Population: complaints (type 投诉) not found invalid, once the plan is implemented — `resolved`,
    a 处理 action, or a resolved/closed status. Done: a plan (`solution`), the leader (`approved_by`)
    and a 批示 action whose time is before the implementation (`resolved`, else the last 处理 action:
    earlier 处理 steps may be investigation or a stop-gap). Missing fact: an implemented complaint without a plan or without the
    leader's instruction is a finding — omission never passes."""
    th = "实施前须有处理方案（solution）、批示人（approved_by）和“批示”"
    for c in ctx.records.complaints:
        if c["type"] != "投诉" or c["valid"] is False:
            continue
        handled = [a["at"] for _, a in actions(c, "处理")]
        done = c["resolved"] or (max(handled, key=fact_instant) if handled else None)
        if done is None and not is_resolved(c):
            continue  # the plan is not implemented yet: the leader may still instruct
        if not c["solution"]:
            ctx.finding(c, "status", f"投诉 {c.id} 已经处理（{c['status']}），却没有记录处理方案（solution），"
                                     f"也就无从证明方案经过主管领导批示", threshold=th)
            continue
        if not c["approved_by"]:
            ctx.finding(c, "solution", f"投诉 {c.id} 的处理方案没有主管领导批示（approved_by 为空）", threshold=th)
            continue
        notes = actions(c, "批示")
        if not notes:
            ctx.finding(c, "approved_by", f"投诉 {c.id} 填写了批示人，但处理过程里没有“批示”这一步及其时间",
                        threshold=th)
        elif done is not None and fact_instant(min(a["at"] for _, a in notes)) >= fact_instant(done):
            i, a = min(notes, key=_action_time)
            ctx.finding(c, ("actions", i), f"投诉 {c.id} 的批示时间 {_fmt(a['at'])} 不早于方案实施时间 {_fmt(done)}",
                        threshold=th)


@rule("C-ESC-01", "不满意时逐级上报，直到客户满意", scope="issue", modal="应", source="003 P4 §4.2 C–E",
      asks="客户对处理不满意时应及时报告客服经理；反复仍不满意的，上报事业部更高管理层，直到客户满意",
      kinds=("complaint", "visit"))
def escalation(ctx):
    """Population: complaints (type 投诉). Trigger: each revisit that reached the customer with a
    dissatisfied verdict (the fact the complaint's category names, see `satisfaction`). Done: the
    NEXT event of the case — an action or another reached revisit; failed attempts are no event —
    is an 升级; from the escalation_cycles-th dissatisfied revisit on, one naming 事业部/公司领导/
    管理层. Closed with no event after the dissatisfaction is a finding."""
    n = ctx.threshold("escalation_cycles")
    for c in ctx.records.complaints:
        if c["type"] != "投诉":
            continue
        visits = [v for v in revisits(ctx, c) if reached(v)]
        events = sorted([(fact_instant(a["at"]), "a", i, a) for i, a in actions(c)]
                        + [(fact_instant(v["date"]), "v", 0, v) for v in visits], key=lambda e: e[0])
        count = 0
        for v in visits:
            if satisfaction(v, c) not in DISSATISFIED:
                continue
            count += 1
            top = count >= n
            nxt = next((e for e in events if e[0] > fact_instant(v["date"])), None)
            need = "上报事业部/公司领导的“升级”" if top else "“升级”（报告客服经理）"
            th = f"第 {n} 次不满意起须上报事业部（escalation_cycles={n}）"
            if nxt is None:
                if is_closed(c):
                    ctx.finding(c, "status", f"回访 {v.id} 客户不满意，之后没有{need}就结案了", threshold=th)
                continue
            ok = nxt[1] == "a" and nxt[3].get("action") == "升级" and (
                not top or any(w in f"{nxt[3].get('note', '')}{nxt[3].get('by', '')}" for w in TOP_LEVEL))
            if not ok:
                what = f"“{nxt[3].get('action')}”" if nxt[1] == "a" else f"又一次回访 {nxt[3].id}"
                key = ("actions", nxt[2]) if nxt[1] == "a" else "status"
                ctx.finding(c, key, f"回访 {v.id}（第 {count} 次不满意）之后的下一步是{what}，不是{need}",
                            threshold=th)


@rule("C-DL-01", "告知答复期限并按期答复", scope="record", modal="应", source="003 P4 §4.2 B",
      asks="不能当场处理的投诉应告知客户答复期限，并在期限内答复", kinds=("complaint",))
def reply_deadline(ctx):
    """Population: named complaints not handled on their receipt day — resolved that day or, for an
    enquiry or a suggestion, answered that day (answering is handling them). Done: `reply_by` set
    (not before receipt) and the first answer (回复 action or first_response, whichever came first)
    no later than it; late says how late. Anonymous complaints are exempt: there is nobody to tell a
    deadline to (their result is V-ANON-01's business)."""
    for c in ctx.records.complaints:
        day = local_date(c["received"])
        when, key = reply(c)
        same_day = (c["resolved"] and local_date(c["resolved"]) == day) or (
            c["type"] in ("咨询", "建议") and when is not None and local_date(when) == day)
        if anonymous(c) or same_day or ctx.as_of <= day:
            continue
        deadline = c["reply_by"]
        if deadline is None:
            ctx.finding(c, "received", f"投诉 {c.id} 没有在受理当天（{day}）解决，却没有填写答复期限（reply_by）",
                        threshold="当天未解决须告知答复期限")
            continue
        th = f"答复不晚于 {_fmt(deadline)}"
        if fact_instant(deadline) < fact_instant(c["received"]):
            ctx.finding(c, "reply_by", f"投诉 {c.id} 的答复期限 {_fmt(deadline)} 早于受理时间 {_fmt(c['received'])}",
                        threshold=th)
            continue
        ctx.deadline(c, key if when is not None else "reply_by", deadline,
                     f"投诉 {c.id} 的答复期限 {_fmt(deadline)} 已过，仍没有答复客户",
                     "在答复期限内答复客户", threshold=th, done=when)


@rule("C-REV-01", "措施落实后 5 个工作日内首次回访", scope="record", modal="程序步骤", source="003 P5 §9",
      asks="责任部门的方案实施完毕后 5 个工作日内，由客户服务部进行第一次回访并填写满意度调查表",
      kinds=("complaint", "visit"))
def first_revisit(ctx):
    """Population: complaints owed a revisit (`needs_visit`). Trigger: the implementation (`resolved`);
    a resolved or closed complaint without that time is a finding asking for it. Done: the first
    revisit after it that reached the customer AND records the satisfaction survey (a call that
    only arranged the visit, or a failed attempt, does not meet it). Compared: its time with the
    resolution day + revisit_workdays working days (PRC calendar with 调休; the last allowed day
    passes); late says how late."""
    n = ctx.threshold("revisit_workdays")
    for c in ctx.records.complaints:
        if not needs_visit(c, ctx):
            continue
        if not c["resolved"]:
            if is_resolved(c):
                ctx.finding(c, "status", f"投诉 {c.id} 状态是“{c['status']}”，却没有填写解决时间（resolved），"
                                         f"无法计算首次回访期限", threshold=f"解决后 {n} 个工作日内")
            continue
        start = local_date(c["resolved"])
        due = ctx.add_workdays(c, "resolved", start, n)
        if due is None:
            continue
        met = first_meeting(revisits(ctx, c), since=c["resolved"], meets=lambda v: satisfaction(v, c) is not None)
        judge(ctx, c, "resolved", due, met, threshold=f"解决后 {n} 个工作日内（最迟 {due}）",
              late=f"投诉 {c.id} 于 {start} 解决，到 {due} 仍没有回访（带满意度调查）",
              what=f"首次回访并调查满意度（解决后 {n} 个工作日内）")


@rule("C-REV-02", "回访次数：质量投诉至少 2 次，服务投诉 1–2 次", scope="issue", modal="需",
      source="003 P5 §9", asks="产品质量投诉至少回访 2 次，服务质量投诉需回访 1–2 次", kinds=("complaint", "visit"))
def revisit_count(ctx):
    """Population: complaints owed a revisit, counted once closed. Counted: revisits that reached the
    customer up to the closing in force (failed attempts are not visits); 工程质量 counts as
    quality. More than service_revisits_max on a non-quality complaint is only a note."""
    q, most = ctx.threshold("quality_revisits"), ctx.threshold("service_revisits_max")
    for c in ctx.records.complaints:
        if not is_closed(c) or not needs_visit(c, ctx):
            continue
        end = closed_at(c)
        got = len([v for v in revisits(ctx, c) if reached(v) and (end is None or fact_instant(v["date"]) <= fact_instant(end))])
        if c["category"] in QUALITY:
            if got < q:
                ctx.finding(c, "category", f"{c['category']}投诉 {c.id} 已结案，只回访了 {got} 次",
                            threshold=f"质量类投诉 ≥ {q} 次")
        elif got < 1:
            ctx.finding(c, "status", f"投诉 {c.id} 已结案，却没有任何回访记录", threshold=f"≥ 1 次（质量类 ≥ {q} 次）")
        elif got > most:
            ctx.finding(c, "status", f"服务类投诉 {c.id} 回访了 {got} 次，多于通常的 {most} 次",
                        threshold=f"服务类 1–{most} 次", severity="info")


@rule("C-CLOSE-01", "客户满意才可结案", scope="issue", modal="程序步骤", source="003 P5 §10",
      asks="客户满意或非常满意，投诉才正式结案；不满意的重新从判断投诉是否成立开始处理",
      kinds=("complaint", "visit"))
def close_when_satisfied(ctx):
    """Population: complaints owed a revisit. Judged at each closing (every 结案 action; status
    已结案 without one: the latest revisit) on the state the complaint had THEN: the last revisit
    that reached the customer before that closing must be satisfied (the fact the category names).
    A survey after the closing does not repair it; a complaint closed satisfied and later reopened
    is not judged on the later dissatisfaction."""
    for c in ctx.records.complaints:
        if not needs_visit(c, ctx):
            continue
        times = closings(c) or ([None] if is_closed(c) else [])
        visits = [v for v in revisits(ctx, c) if reached(v)]
        for end in times:
            before = [v for v in visits if end is None or fact_instant(v["date"]) <= fact_instant(end)]
            verdict = satisfaction(before[-1], c) if before else None
            if verdict in SATISFIED:
                continue
            why = f"最后一次回访 {before[-1].id} 的满意度是“{verdict or '未填'}”" if before else "没有回访满意度"
            when = f"在 {_fmt(end)} " if end is not None else ""
            key = ("actions", next(i for i, a in actions(c, "结案") if a["at"] == end)) if end is not None else "status"
            ctx.finding(c, key, f"投诉 {c.id} {when}结案时，{why}", threshold="满意度为 非常满意 或 满意")


@rule("C-OFFH-01", "非工作时间收到的投诉", scope="record", modal="应", source="003 P1 §3.4",
      asks="非工作时间收到的投诉，应告知客户反馈时间，并及时（按所选做法）交给客服中心和责任部门处理",
      param="off_hours", kinds=("complaint",))
def off_hours(ctx):
    """Trigger: a complaint received outside working time (PRC calendar, work_start–work_end).
    Done: its first handling — the earlier of first_response and the first 回复 action. Compared:
    VANKE-OLD one hour after the next working start; VANKE-NEW off_hours_max_hours after receipt.
    Late says how late; none yet is an open item, overdue after the deadline."""
    start, end = _clock(ctx.threshold("work_start")), _clock(ctx.threshold("work_end"))
    old = ctx.option("off_hours") == "VANKE-OLD"
    hours = ctx.threshold("off_hours_max_hours")
    for c in ctx.records.complaints:
        got = c["received"]
        try:
            if ctx.calendar.is_working_time(got, start, end):
                continue
            deadline = ctx.calendar.next_workday_start(got, start) + timedelta(hours=1) if old \
                else got + timedelta(hours=hours)
        except CalendarRangeError as e:
            ctx.uncovered(c, "received", e)
            continue
        th = (f"上班后 1 小时内（{_fmt(deadline)} 前）" if old else f"收到后 {hours} 小时内") + f"（{ctx.profile_text('off_hours')}）"
        first, key = first_answer(c)
        ctx.deadline(c, key if first is not None else "received", deadline,
                     f"投诉 {c.id} 在非工作时间 {_fmt(got)} 收到，到 {_fmt(deadline)} 仍没有首次答复",
                     "非工作时间收到的投诉：首次答复", threshold=th, done=first)


# -- not checkable from the records ----------------------------------------------------------

_NOT = [
    ("C-CLS-03", "质量/非质量投诉分流；原因分类", "record", "程序步骤", "003 P5 §5–§6",
     "质量投诉由品质部处理，非质量投诉由市场部处理，原因按六类分析",
     "品质部 / 市场部分流和退货、交货延迟、少交货、包装破损、样品延迟、客户服务六类原因是零部件制造商的分工，"
     "别的单位没有对应的部门和类别；投诉类别由 C-CLS-01、原因分析由 C-FLOW-01 检查"),
    ("C-PEN-01", "记录责任追究", "record", "程序步骤", "003 P3 step 7",
     "对直接责任人和部门负责人按规定处罚，处理拖延者也要追责",
     "处罚（扣工资、奖金）是人事档案，不应写进全体客服人员都能看到的客户服务记录；结案前的总结评价由 C-FLOW-01 检查"),
]
for _id, _title, _scope, _modal, _source, _asks, _reason in _NOT:
    catalogue(_id, _title, scope=_scope, modal=_modal, source=_source, asks=_asks, reason=_reason)
