"""Complaint intake and handling facts: who took it, what was asked for, how it moved and ended.

Complaints received before `facts_since` are not asked for these facts (duties.judged).

Index: C-CH-01 C-INT-01 C-CLS-02 C-CLS-04 C-FLOW-01 C-RESP-01 C-RET-01 C-SOL-01 C-TRF-01 F-FIRST-01
F-CONS-01 T-RESP-02 T-ONL-01.
"""

from __future__ import annotations

from datetime import timedelta

from ..dates import local_date
from .complaints import actions, anonymous, closed_at, is_closed, is_resolved, reply
from .duties import clause, judged, role, roles

SUPERVISOR_WORDS = ("主管", "经理")  # C-TRF-01: 客服主管 / 客服经理
AGENT_ROLES = ("客服专员", "客服人员", "客户接待员", "回访员", "办公室事务助理", "房管员", "管理员")


def complaints(ctx, *types: str):
    return [c for c in ctx.records.complaints if judged(ctx, c["received"]) and (not types or c["type"] in types)]


def _hours(a, b) -> float:
    return (b - a).total_seconds() / 3600


@clause("C-CH-01", "投诉渠道；任何员工收到投诉立即转交客服", scope="record", modal="应", source="003 P4 §4.1.1–§4.1.2",
      asks="公司任何人接到投诉都应礼貌致歉并立即转交客户服务部门", kinds=("complaint",))
def handed_to_service(ctx):
    """A complaint first received by another department (received_by) records when it reached
    customer service (handed_over), not before it was received; the seed sets no hour limit, so the
    finding only reports a missing or impossible hand-over and the page shows the elapsed time."""
    service = str(ctx.threshold("service_department"))
    for c in complaints(ctx):
        first = c["received_by"]
        if not first or first == service:
            continue
        if c["handed_over"] is None:
            ctx.finding(c, "received_by", f"投诉 {c.id} 由{first}受理，没有记录转交{service}的时间（handed_over）",
                        threshold=f"立即转交{service}")
        elif c["handed_over"] < c["received"]:
            ctx.finding(c, "handed_over", f"转交时间 {c['handed_over']:%Y-%m-%d %H:%M} 早于受理时间", threshold="转交在受理之后")


@clause("C-INT-01", "投诉受理步骤与字段", scope="record", modal="应", source="003 P4 §4.1.3",
      asks="受理投诉时应致歉，确认客户身份、姓名、联系方式和具体事项，开出客服工单并登记在异常反馈跟进表",
      kinds=("complaint", "customer"))
def intake_steps(ctx):
    """Done: a 投诉 records the apology (`apologised: true`), the customer-service ticket number and,
    for a named customer, a contact phone on the customer record. Each missing step is named; the
    complaint's other required fields are SCHEMA's."""
    for c in complaints(ctx, "投诉"):
        missing = [t for ok, t in ((c["apologised"] is True, "致歉（apologised: true）"), (c["ticket"], "客服工单号（ticket）"))
                   if not ok]
        cust = ctx.records.by_id.get(c["customer"]) if c["customer"] else None
        if cust is not None and not cust["phone"]:
            missing.append(f"客户 {cust.id} 的联系方式（phone）")
        if missing:
            ctx.finding(c, "received", f"投诉 {c.id} 受理时没有记录{'、'.join(missing)}", threshold="受理步骤齐全")


@clause("C-CLS-02", "月度统计维度（客户分类 A–D 等）", scope="record", modal="程序步骤", source="003 P4 §4.3.2",
      asks="月度投诉统计按客户分类、投诉内容、处理方式和满意度分类", kinds=("complaint",))
def statistics_dimensions(ctx):
    """Content class from intake; handling mode once resolved (customer class is K-CLASS-01's,
    satisfaction comes from the revisits)."""
    for c in complaints(ctx, "投诉"):
        if not c["content_class"]:
            ctx.finding(c, "type", f"投诉 {c.id} 没有内容分类（content_class）", threshold="制度/人员/时效/货物异常/其他")
        if is_resolved(c) and not c["handling_mode"]:
            ctx.finding(c, "status", f"投诉 {c.id} 已处理，没有记录处理方式（handling_mode）", threshold="立即处理/限期处理/多次处理")


@clause("C-CLS-04", "主要与次要诉求", scope="record", modal="程序步骤", source="001 B §3.2",
      asks="对收集的客户诉求按性质和紧急程度分析，分为主要诉求和次要诉求", kinds=("complaint",))
def demands(ctx):
    """Done: a complaint or suggestion lists the customer's demands, each marked 主要 or 次要, at
    least one 主要. No demands at all, an unmarked demand, or only secondary ones are findings."""
    for c in complaints(ctx, "投诉", "建议"):
        rows = [d for d in c.get("demands", []) if isinstance(d, dict)]
        if not rows:
            ctx.finding(c, "description", f"{c['type']} {c.id} 没有记录客户诉求（demands）", threshold="至少一项主要诉求")
            continue
        for i, d in enumerate(rows):
            if not d.get("priority"):
                ctx.finding(c, ("demands", i), f"诉求“{d.get('text')}”没有分主次（priority）", threshold="主要 / 次要")
        if not any(d.get("priority") == "主要" for d in rows):
            ctx.finding(c, "demands", f"{c['type']} {c.id} 的诉求里没有一项是主要诉求", threshold="至少一项主要诉求")


FLOW = (("valid", "判断是否成立（valid）"), ("department", "确定责任部门（department）"), ("cause", "原因分析（cause）"),
        ("solution", "处理方案（solution）"), ("approval", "主管领导批示（approved_by）"),
        ("resolved", "方案实施（resolved）"), ("summary", "总结评价（summary）"))


@clause("C-FLOW-01", "投诉处理八个步骤依次进行", scope="record", modal="程序步骤", source="003 P3 steps 1–8",
      asks="投诉按记录、判断是否成立、确定责任部门、分析原因、提出方案、主管领导批示、实施并告知客户、总结评价八个步骤依次处理",
      kinds=("complaint",))
def eight_steps(ctx):
    """At closure every step is on record (an invalid complaint leaves after step 2, C-VALID-01),
    and the dated ones are in order: received ≤ 批示 ≤ resolved ≤ 结案."""
    for c in complaints(ctx, "投诉"):
        if not is_closed(c) or c["valid"] is False:
            continue
        approvals = [a["at"] for _, a in actions(c, "批示")]
        have = {"valid": c["valid"] is not None, "department": c["department"], "cause": c["cause"],
                "solution": c["solution"], "approval": c["approved_by"] or approvals,
                "resolved": c["resolved"], "summary": c["summary"]}
        missing = [t for k, t in FLOW if not have[k]]
        if missing:
            ctx.finding(c, "status", f"投诉 {c.id} 已结案，缺少步骤：{'、'.join(missing)}", threshold="八个步骤齐全")
        done = closed_at(c)
        if approvals and c["resolved"] and min(approvals) > c["resolved"]:
            ctx.finding(c, "resolved", f"投诉 {c.id} 的方案在 {c['resolved']:%Y-%m-%d %H:%M} 实施，"
                                       f"{min(approvals):%Y-%m-%d %H:%M} 才批示", threshold="先批示后实施")
        if c["resolved"] and done and c["resolved"] > done:
            ctx.finding(c, "resolved", f"投诉 {c.id} 结案在实施之前", threshold="实施后再结案")


@clause("C-RESP-01", "责任判定与答复形式", scope="record", modal="程序步骤", source="003 P5 §7",
      asks="判定责任：客户原因的由经办人写答复说明，经主管领导审批后发出；公司责任的以正式电函详细说明并承担责任",
      kinds=("complaint",))
def responsibility(ctx):
    """Done: a valid, resolved 投诉 carries its responsibility: 公司 with the formal letter
    (`formal_letter`), 客户 with the leader's approval of the reply (approved_by or a 批示), 第三方 as
    is. Invalid complaints are C-VALID-01's."""
    for c in complaints(ctx, "投诉"):
        if c["valid"] is not True or not is_resolved(c):
            continue
        r = c["responsibility"]
        if not r:
            ctx.finding(c, "valid", f"成立的投诉 {c.id} 没有责任判定（responsibility）", threshold="公司 / 客户 / 第三方")
        elif r == "公司" and not c["formal_letter"]:
            ctx.finding(c, "responsibility", f"投诉 {c.id} 判定为公司责任，没有正式电函（formal_letter）", threshold="正式电函")
        elif r == "客户" and not (c["approved_by"] or actions(c, "批示")):
            ctx.finding(c, "responsibility", f"投诉 {c.id} 判定为客户原因，答复说明没有经主管领导审批", threshold="主管领导审批")


@clause("C-RET-01", "退货一周内完成分析", scope="record", modal="必须", source="003 P5 §6(1)",
      asks="客户退回的产品必须在一周内完成检测和分析", kinds=("complaint",))
def returned_goods(ctx):
    """Done: goods returned (`returned`) analysed (`analysed`) within 7 calendar days. Analysed later
    is done late; not analysed is overdue after the 7th day and a to-do before it."""
    for c in complaints(ctx):
        if c["returned"] is None:
            continue
        due = c["returned"] + timedelta(days=7)
        ctx.deadline(c, "analysed" if c["analysed"] else "returned", due, f"退货 {c['returned']} 收到，到 {due} 没有完成检测分析",
                     f"投诉 {c.id} 的退货分析", threshold="一周（7 天）内", done=c["analysed"])


@clause("C-SOL-01", "解决方案类型与客户意见表", scope="record", modal="程序步骤", source="003 P5 §8",
      asks="经办人结合客户诉求提出退货、换货、维修、赔偿等具体方案，及时告知客户并由客户填写《客户意见表》",
      kinds=("complaint",))
def solution(ctx):
    """Done: a valid 投诉 with a handling plan names its type (`solution_type`) and, once resolved
    for a named customer, records the customer's opinion form (`opinion_form: true`). Anonymous
    complaints have nobody to fill the form."""
    for c in complaints(ctx, "投诉"):
        if not c["solution"] or c["valid"] is False:
            continue
        if not c["solution_type"]:
            ctx.finding(c, "solution", f"投诉 {c.id} 的处理方案没有注明类型（solution_type）", threshold="退货/换货/维修/赔偿等")
        if not anonymous(c) and is_resolved(c) and c["opinion_form"] is not True:
            ctx.finding(c, "solution", f"投诉 {c.id} 的方案告知客户后，没有记录客户填写《客户意见表》（opinion_form: true）",
                        threshold="客户填写意见表")


@clause("C-TRF-01", "处理不了的转主管或经理", scope="record", modal="必须", source="003 P4 §4.1.4",
      asks="客服人员处理不了的投诉，必须转给客服主管或经理处理", kinds=("complaint",))
def transfer(ctx):
    """An 升级 by a customer-service agent (staff.yml role) names who took it over (`to`), and that is
    a 主管 or 经理 where staff.yml knows them. Unknown people are not judged."""
    for c in complaints(ctx, "投诉"):
        for i, a in actions(c, "升级"):
            by_role = role(ctx, a.get("by"))
            if not (roles(ctx, a.get("by")) or set()) & set(AGENT_ROLES) \
                    or any(w in (by_role or "") for w in SUPERVISOR_WORDS):
                continue
            to = a.get("to")
            if not to:
                ctx.finding(c, ("actions", i), f"{a.get('by')}（{by_role}）升级了投诉 {c.id}，没有写转给谁（to）",
                            threshold="转客服主管或经理")
                continue
            to_role = role(ctx, to)
            if to_role is not None and not any(w in to_role for w in SUPERVISOR_WORDS):
                ctx.finding(c, ("actions", i, "to"), f"投诉 {c.id} 由{by_role}转给了 {to}（{to_role}），不是客服主管或经理",
                            threshold="转客服主管或经理")


@clause("F-FIRST-01", "首问负责制", scope="record", modal="必须", source="001 E §2(1)–(6)",
      asks="客户首先询问的员工为首问责任人：记录问题，职责内的一次办结，职责外的登记后移交主管领导或同事，重大事项立即报告总经理",
      kinds=("complaint",))
def first_responder(ctx):
    """Done: every contact names its first responder; a matter outside their remit (`in_remit:
    false`) names whom it was handed to; a 重大 matter records when the general manager was told
    (`gm_reported`), not before it was received."""
    for c in complaints(ctx):
        if not c["first_responder"]:
            ctx.finding(c, "received", f"{c['type']} {c.id} 没有记录首问责任人（first_responder）", threshold="记录首问人")
            continue
        if c["in_remit"] is False and not c["handed_to"]:
            ctx.finding(c, "in_remit", f"首问人 {c['first_responder']} 职责范围外的事项没有写移交给谁（handed_to）",
                        threshold="登记后移交")
        if c["severity"] == "重大":
            if c["gm_reported"] is None:
                ctx.finding(c, "severity", f"重大事项 {c.id} 没有记录报告总经理的时间（gm_reported）", threshold="立即报告总经理")
            elif c["gm_reported"] < c["received"]:
                ctx.finding(c, "gm_reported", f"报告总经理的时间早于受理时间", threshold="受理后立即报告")


@clause("F-CONS-01", "咨询结束时确认客户是否满意", scope="record", modal="无", source="001 I §3.1 d、§3.2",
      asks="咨询结束时询问客户对答复是否满意并记录", kinds=("complaint",))
def consultation_satisfied(ctx):
    """Done: an answered 咨询 records whether the customer said they were satisfied
    (`confirmed_satisfied`); not recorded is a finding, and a consultation closed while the customer
    was not satisfied is one too."""
    for c in complaints(ctx, "咨询"):
        if is_resolved(c) and c["confirmed_satisfied"] is None:
            ctx.finding(c, "status", f"咨询 {c.id} 已答复，没有记录是否确认客户满意（confirmed_satisfied）",
                        threshold="结束时询问并记录")
        elif c["confirmed_satisfied"] is False and is_closed(c):
            ctx.finding(c, "confirmed_satisfied", f"咨询 {c.id} 客户对答复不满意，却已结案", threshold="客户满意后结束")


@clause("T-RESP-02", "处理人时限：24 小时；需请示的 2 小时内上报", scope="record", modal="必须", source="001 Q ch.4 §4",
      asks="处理人必须在 24 小时内把结果反馈给客户接待员；处理不了需请示的，2 小时内上报上级", kinds=("complaint",))
def handler_deadline(ctx):
    """Each 转派 starts the handler's clock: a 反馈 (the handler's report back) within handler_hours
    (24 h); an 升级 after it (needs the superior) within superior_hours (2 h)."""
    handler, superior = ctx.threshold("handler_hours"), ctx.threshold("superior_hours")
    for c in complaints(ctx):
        steps = actions(c)
        for i, a in steps:
            if a.get("action") != "转派":
                continue
            start = a["at"]
            later = [(j, b) for j, b in steps if b["at"] >= start and j != i]
            back = next((b for _, b in later if b.get("action") == "反馈"), None)
            ctx.deadline(c, ("actions", i), start + timedelta(hours=handler),
                         f"{a.get('to') or '处理人'}接到转派 {handler} 小时内没有反馈处理结果", f"{c.id} 处理人反馈",
                         threshold=f"{handler} 小时内反馈", done=back["at"] if back else None)
            up = next(((j, b) for j, b in later if b.get("action") == "升级"), None)
            if up and _hours(start, up[1]["at"]) > superior:
                ctx.finding(c, ("actions", up[0]), f"需请示上级的投诉 {c.id} 在转派 {_hours(start, up[1]['at']):.1f} 小时后才上报",
                            threshold=f"{superior} 小时内上报")


@clause("T-ONL-01", "网上问题：每天巡查、24 小时内回复", scope="record", modal="程序步骤", source="001 O §3.3",
      asks="每天巡查网站、论坛收集客户问题，24 小时内回复；可能有争议的问题须经主管审核后再回复", kinds=("complaint",))
def online_reply(ctx):
    """Questions from the website (channel 网站): reply within online_reply_hours (24 h) of receipt; a
    controversial one carries a 批示 (the supervisor's review) before the reply."""
    hours = ctx.threshold("online_reply_hours")
    for c in complaints(ctx):
        if c["channel"] != "网站":
            continue
        when, key = reply(c)
        ctx.deadline(c, key if when else "received", c["received"] + timedelta(hours=hours),
                     f"网上问题 {c.id} {hours} 小时内没有回复", f"回复网上问题 {c.id}", threshold=f"{hours} 小时内",
                     done=when)
        if c["controversial"] and when is not None:
            reviewed = [a["at"] for _, a in actions(c, "批示") if a["at"] <= when]
            if not reviewed:
                ctx.finding(c, "controversial", f"可能有争议的网上问题 {c.id} 回复前没有主管审核（批示）", threshold="先审核后回复")
