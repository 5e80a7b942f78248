"""How a visit is made and by whom, and what the equipment ledger holds.

People's roles come from staff.yml (Context.staff); a person it does not name is not judged for
role, and without staff.yml the role rules have nothing to judge.

Index: V-METH-01 V-TIME-01 V-ROLE-01 V-REV-02 E-FB-02 E-LEDGER-01.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ..dates import local, local_date
from .duties import clause, judged, role, roles
from .followup import about, first_meeting, judge
from .equipment import EQUIPMENT_PURPOSES, products

LOWER_METHODS = ("在线", "邮件")  # 000 P1 §4.3(1): phone first, then online chat, then e-mail
CALLBACK_ROLES = ("区域售后回访员", "客户接待员", "客服前台")  # 004 §2.1, 001 Q ch.3 §7, 001 C §3.1
EQUIPMENT_ROLES = ("回访员", "服务人员", "区域业务人员", "售后服务部负责人")  # 002 §5.2, §6.1.2, §6.2.7
ROLES = {  # V-ROLE-01 by profile: (roles for all property visits, roles for repair visits)
    "ROLE-P3": (("客户服务部主管",), ("客户服务部主管",)),
    "ROLE-P4": (("办公室事务助理", "维修主管", "房管员"), ("维修主管", "房管员")),
    "ROLE-P5": (("管理处主任", "综合管理部主管", "管理员"), ("管理员",)),
}
REV_ROLES = {  # V-REV-02: (inspector roles, signer roles); REV-P3 for complaint revisits, REV-P4 for 房管员's visits
    "REV-P3": (("客服主任",), ("管理处负责人",)),
    "REV-P4": (("办公室事务助理",), ("办公室事务助理",)),
}


@clause("V-METH-01", "回访方式优先顺序：电话、在线、邮件", scope="record", modal="优先", source="000 P1 §4.3(1)",
      asks="回访优先用电话，其次在线沟通工具，再次邮件；改用在线或邮件时写明原因", kinds=("visit",))
def method_priority(ctx):
    """Done: a visit by phone, or by 在线/邮件 with `method_reason` saying why phone was not used.
    Compared: the visit's method against the seed's order; a missing reason is the finding, the
    method itself is V-METH-02's."""
    for v in ctx.records.visits:
        if v["method"] in LOWER_METHODS and judged(ctx, v["date"]) and not v["method_reason"]:
            ctx.finding(v, "method", f"回访 {v.id} 用了“{v['method']}”而不是电话，没有写明原因（method_reason）",
                        threshold="电话优先")


def _window(text: str) -> tuple[time, time] | None:
    try:
        a, b = (time.fromisoformat(x.strip().zfill(5)) for x in str(text).split("-", 1))
        return a, b
    except ValueError:
        return None


def _inside(t: time, a: time, b: time) -> bool:
    return a <= t < b if a <= b else (t >= a or t < b)  # 21:00-08:00 spans midnight


@clause("V-TIME-01", "回访时间不打扰客户", scope="record", modal="要", source="000 P1 §4.2(2)",
      asks="回访时间要充分考虑客户的时间安排，以不打扰客户为基本原则", kinds=("visit", "customer"))
def quiet_hours(ctx):
    """A phone call or home visit inside a do-not-disturb window the customer asked for (quiet_hours)."""
    for v in ctx.records.visits:
        if v["method"] not in ("电话", "上门") or not judged(ctx, v["date"]) or not isinstance(v["date"], datetime):
            continue
        cust = ctx.records.by_id.get(v["customer"])
        at = local(v["date"]).time()
        for text in (cust.get("quiet_hours", []) if cust is not None else []):
            w = _window(text)
            if w and _inside(at, *w):
                ctx.finding(v, "date", f"回访 {v.id} 在 {at:%H:%M}，是客户 {cust['name']} 要求免打扰的时段 {text}",
                            threshold=f"避开 {text}")
                break


@clause("V-ROLE-01", "由规定的岗位回访", scope="record", modal="负责", source="000 P4 Art.3(1)",
      asks="回访由程序规定的岗位人员进行", param="visit_roles", kinds=("visit",))
def visit_roles(ctx):
    """The visitor's role (staff.yml) is one the procedures name for the visit: 002's roles for every
    visit of the equipment business (lifecycle visits, customers with lifecycle equipment, dealers:
    002 §2 covers all visits on product use and after-sales service), else the profile's property
    roles (repair visits: its repair roles), plus the callback roles for order callbacks. A visitor
    staff.yml does not name is reported once staff.yml exists."""
    if not ctx.staff:
        return
    general, repair = ROLES[ctx.option("visit_roles")]
    for v in ctx.records.visits:
        if not judged(ctx, v["date"]):
            continue
        p = v["purpose"]
        cust = ctx.records.by_id.get(v["customer"])
        equipment = p in EQUIPMENT_PURPOSES or (cust is not None and (products(cust) or cust["type"] == "经销商"))
        allowed = EQUIPMENT_ROLES if equipment else (repair + CALLBACK_ROLES) if p == "维修回访" \
            else (general + CALLBACK_ROLES) if p == "安装回访" else general
        member = ctx.staff.member(v["visitor"])
        if member is None:
            ctx.finding(v, "visitor", f"回访人“{v['visitor']}”不在人员名单 staff.yml 里，无法确认岗位",
                        threshold="、".join(allowed))
        elif not roles(ctx, v["visitor"]) & set(allowed):
            ctx.finding(v, "visitor", f"{p}由 {member.name}（{member.role or '未写岗位'}）进行，不是规定的岗位",
                        threshold="、".join(allowed))


@clause("V-REV-02", "管理处检查回访并签署意见", scope="record", modal="签署", source="000 P3 §2",
      asks="按本单位选定的做法，由管理处客服主任检查回访工作、管理处负责人签署意见，或由办公室事务助理检查并签署意见",
      param="review", kinds=("visit",))
def office_signoff(ctx):
    """Where the clause applies: REV-P3 (000 P3 §2, the property office's complaint-revisit rules)
    to complaint revisits (投诉回访); REV-P4 (000 P4 Art.3(3)) to the visits of estate officers
    (房管员) — a visitor staff.yml does not name is held to it, a missing role never exempts; never
    to the equipment business's visits (002 has no such sign-off). Done: REV-P3 a review by a 客服主任
    and a signoff (by, date) by a 管理处负责人; REV-P4 the review by an 办公室事务助理, within
    review_days of the visit (none yet: a to-do, then overdue). Roles are judged where staff.yml
    names the person. REV-P1 asks only the supervisor review of V-REV-01: nothing more to check."""
    opt = ctx.option("review")
    if opt not in REV_ROLES:
        return
    inspectors, signers = REV_ROLES[opt]
    th = ctx.profile_text("review")
    for v in ctx.records.visits:
        if not judged(ctx, v["date"]) or v["purpose"] in EQUIPMENT_PURPOSES:
            continue
        if opt == "REV-P3" and v["purpose"] != "投诉回访":
            continue
        if opt == "REV-P4" and (held := roles(ctx, v["visitor"])) is not None and "房管员" not in held:
            continue
        review = v.get("review") if isinstance(v.get("review"), dict) else {}
        sign = review if opt == "REV-P4" else (v.get("signoff") if isinstance(v.get("signoff"), dict) else {})
        if not review.get("by"):
            ctx.deadline(v, "visitor", local_date(v["date"]) + _days(ctx), f"回访 {v.id} 没有{inspectors[0]}的检查（review）",
                         f"{inspectors[0]}检查回访 {v.id}", threshold=th)
            continue
        got = role(ctx, review["by"])
        if got is not None and not roles(ctx, review["by"]) & set(inspectors):
            ctx.finding(v, ("review", "by"), f"检查人 {review['by']}（{got}）不是{'、'.join(inspectors)}", threshold=th)
        if opt == "REV-P3":
            if not sign.get("by") or not sign.get("date"):
                ctx.deadline(v, "review", local_date(v["date"]) + _days(ctx), f"回访 {v.id} 没有管理处负责人签署意见（signoff）",
                             f"管理处负责人签署回访 {v.id}", threshold=th)
            elif (r := role(ctx, sign["by"])) is not None and not roles(ctx, sign["by"]) & set(signers):
                ctx.finding(v, ("signoff", "by"), f"签署人 {sign['by']}（{r}）不是{'、'.join(signers)}", threshold=th)


def _days(ctx) -> timedelta:
    return timedelta(days=ctx.threshold("review_days"))


@clause("E-FB-02", "电话解决不了的问题必须上门", scope="issue", modal="必须", source="002 §6.2.6",
      asks="电话无法解决的问题必须上门服务，反馈的信息要跟踪验证", kinds=("visit",))
def onsite_after_phone(ctx):
    """Trigger: a visit marked `phone_solved: false`. Done: the first later on-site visit to the same
    customer that reached them and is about it (its `related` names the visit, or the order or
    complaint the visit followed up) — a visit on another matter or a failed attempt (nobody home)
    does not count. Compared with the visit day + onsite_workdays working days; late says how late,
    none yet is a to-do, then overdue."""
    n = ctx.threshold("onsite_workdays")
    for v in ctx.records.visits:
        if v["phone_solved"] is not False or not judged(ctx, v["date"]):
            continue
        linked = about(v)
        later = [w for w in ctx.records.by_customer.get(v["customer"], []) if w.kind.name == "visit"
                 and w["method"] == "上门" and linked(w)]
        due = ctx.add_workdays(v, "phone_solved", local_date(v["date"]), n)
        if due is None:
            continue
        judge(ctx, v, "phone_solved", due, first_meeting(later, since=v["date"], after=True),
              threshold=f"{n} 个工作日内上门",
              late=f"回访 {v.id} 电话没有解决问题，到 {due} 没有为此上门（上门回访的 related 写明 {v.id}）",
              what=f"上门解决回访 {v.id} 的问题")


LEDGER = (("project", "工程名称"), ("quantity", "数量"), ("shipped", "发货日期"))
CONTACTS = (("power_contact", "用电管理负责人"), ("substation_contact", "变电站联系人"))


@clause("E-LEDGER-01", "顾客回访台帐字段齐全", scope="contract", modal="程序步骤", source="002 §5.1.1、§6.2.1",
      asks="建立并维护含工程名称、型号、数量/合同额、发货和送电时间、回访记录编号、用电负责人和变电站联系人的回访台帐",
      kinds=("customer",))
def ledger(ctx):
    """Each lifecycle product carries the ledger's columns; the visit record numbers are the visits
    themselves, and the energization date is E-DEF-01's once it happened."""
    for c in ctx.records.customers:
        for i, p in products(c):
            missing = [t for k, t in LEDGER if p.get(k) in (None, "")]
            for k, t in CONTACTS:
                x = p.get(k) if isinstance(p.get(k), dict) else {}
                if not x.get("name") or not x.get("phone"):
                    missing.append(f"{t}及电话")
            if missing:
                ctx.finding(c, ("products", i), f"设备 {p.get('model')} 的台帐缺少{'、'.join(missing)}",
                            threshold="台帐八项齐全")
