"""T — response times (PROCEDURES.md §2.F)."""

from __future__ import annotations

from datetime import timedelta

from .engine import catalogue, rule
from .complaints import _fmt, actions, first_answer
from .followup import first_meeting

SEVERITY_HOURS = {"一般": "reply_hours_general", "重大": "reply_hours_major"}  # T-RESP-03: the threshold per severity


@rule("T-RESP-01", "售后响应时限", scope="record", modal="应", source="001 A §3.1；001 L §3.1；001 Q ch.4",
      asks="收到报修或投诉后应在规定时限内答复或联系客户", param="response", kinds=("complaint", "order"))
def first_response(ctx):
    """Population: complaints (type 投诉, from `received`) and repair orders with `reported`.
    Done: the first answer — the earlier of `first_response` and a complaint's first 回复 action
    (the same fact recorded two ways). Compared: with the option's hours for the urgency; a missing
    urgency is the procedures' ordinary case (一般). Late says how late; none yet is an open item.
    RESP-B's on-site arrival within 24 h has no field in the records and is not judged."""
    opt = ctx.option("response")
    items = [(c, "received", "投诉") for c in ctx.records.complaints if c["type"] == "投诉"] + \
            [(o, "reported", "报修") for o in ctx.records.orders if o["reported"]]
    for r, start_key, what in items:
        urgency = r["urgency"] or "一般"
        hours = ctx.config.option_value("response")[urgency]
        start = r[start_key]
        deadline = start + timedelta(hours=hours)
        th = f"{urgency}：{hours} 小时内（{ctx.profile_text('response')}）"
        got, key = first_answer(r)
        ctx.deadline(r, key if got is not None else start_key, deadline,
                     f"{what} {r.id}（{urgency}）{_fmt(start)} 收到，超过 {hours} 小时仍没有首次答复",
                     f"首次答复客户（{hours} 小时内）", threshold=th, done=got)


@rule("T-RESP-03", "答复客户：一般 24 小时、重大 48 小时", scope="record", modal="必须", source="001 Q ch.4 §5",
      asks="一般问题必须在 24 小时内、重大问题必须在 48 小时内把处理结果反馈给客户，重大问题还要上报上级领导",
      param="response", kinds=("complaint",))
def result_reply(ctx):
    """Population: under RESP-C (the property information flow of 001 Q ch.4, whose clause this
    is) every complaint, enquiry and suggestion; under RESP-A/RESP-B the clause is not the one in
    force and nothing is judged. A missing `severity` is the clause's ordinary case (一般, 24 h).
    Done: the first 回复 action (the result fed back), and for 重大 also the first 升级 (reported to
    the superior), each compared with receipt + the severity's hours; late says how late."""
    if ctx.option("response") != "RESP-C":
        return
    for c in ctx.records.complaints:
        sev = c["severity"] or "一般"
        hours = ctx.threshold(SEVERITY_HOURS[sev])
        deadline = c["received"] + timedelta(hours=hours)
        th = f"{sev}问题 {hours} 小时内"
        key = "severity" if c["severity"] else "received"
        replies = actions(c, "回复")
        met = first_meeting(replies, when=lambda x: x[1]["at"])
        ctx.deadline(c, ("actions", met.event[0]) if met.event else key, deadline,
                     f"{sev}问题 {c.id} 受理已超过 {hours} 小时，处理过程里还没有“回复”",
                     f"{hours} 小时内回复客户处理结果", threshold=th, done=met.at)
        if sev == "重大":
            up = first_meeting(actions(c, "升级"), when=lambda x: x[1]["at"])
            ctx.deadline(c, ("actions", up.event[0]) if up.event else key, deadline,
                         f"重大问题 {c.id} 没有上报上级领导（处理过程里没有“升级”）",
                         "重大问题上报上级领导", threshold="重大问题须上报上级领导", done=up.at)


_NOT = [
    ("T-ONL-02", "网上回复的责任部门", "record", "程序步骤", "001 O §3.2、§3.4.2",
     "按项目阶段和问题类别由对应部门回复网上问题，其他员工不得以公司名义回复",
     "按项目阶段在营销客户中心、销售团队、支持组、推广组之间分工回复，是开发商营销体系的组织，种子文件之外没有通用的对应关系；"
     "网上问题的回复时限和争议问题的审核由 T-ONL-01 检查"),
]
for _id, _title, _scope, _modal, _source, _asks, _reason in _NOT:
    catalogue(_id, _title, scope=_scope, modal=_modal, source=_source, asks=_asks, reason=_reason)
