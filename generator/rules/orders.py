"""Work orders and their callbacks: what the repair order, the paid-service log and the callback
must hold, whatever the procedure area.

Orders completed before `facts_since` are not asked for these facts (duties.judged).

Index: W-REP-01 W-REP-02 W-REP-03 W-PAID-01 W-CB-03 T-RESP-04 D-WARR-01 P-SURV-01 E-AS-01.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..dates import fact_instant, local_date
from .callbacks import callback_due, callbacks
from .duties import clause, judged, role, roles
from .equipment import products

RECEPTIONIST = "客户接待员"  # 001 Q ch.3 §7
APPLIANCE_VISITOR = "区域售后回访员"  # 004 §2.1: appliance repairs are called back by the regional visitor
AFTERSALES_HEAD = "售后服务部负责人"  # 002 §6.2.7
ARRIVAL_MINUTES, ANALYSIS_MINUTES = 15, 30  # 001 Q ch.3 §2, §4
MATERIAL_KEYS = (("name", "名称"), ("spec", "规格"), ("model", "型号"), ("quantity", "数量"), ("price", "单价"))


def repairs(ctx):
    return [o for o in ctx.records.orders if o["type"] == "维修" and judged(ctx, o["completed"])]


@clause("W-REP-01", "维修完工由业主签字并评定满意度", scope="record", modal="程序步骤", source="001 Q ch.3 §6",
      asks="维修完毕请业主签字确认并评定满意度；公共报修由片区客服人员到场确认、签字并评定",
      kinds=("order",))
def completion_signature(ctx):
    """Done: a repair order signed 已签名 at completion (public repairs: by the area's service
    officer, `signed_by`) with the customer's satisfaction rating. 拒签 or no signature is a
    finding; a missing rating is a rating not asked for."""
    for o in repairs(ctx):
        public = o["repair_class"] == "公共"
        who = "片区客服人员" if public else "业主"
        if o["signature"] != "已签名":
            got = f"签字（signature）是“{o['signature']}”" if o["signature"] else "没有业主签字（signature）"
            ctx.finding(o, "signature" if o["signature"] else "completed", f"维修单 {o.id} 完工{got}，应由{who}签字确认",
                        threshold=f"{who}签字")
        elif public and not o["signed_by"]:
            ctx.finding(o, "signature", f"公共报修 {o.id} 没有写签字的片区客服人员（signed_by）", threshold="片区客服人员签字")
        if not o["satisfaction"]:
            ctx.finding(o, "completed", f"维修单 {o.id} 完工时没有{who}的满意度评定（satisfaction）", threshold="完工时评定满意度")


@clause("W-REP-02", "维修单填写完整：材料、收费不漏填", scope="record", modal="不能漏填", source="001 Q ch.3 §1–§6",
      asks="维修单不能漏填：维修工、收费要写明并在受理时向业主说明；用料写明名称、规格、型号、数量、单价，由业主当面核实",
      kinds=("order",))
def order_complete(ctx):
    """Done: technician and charge filled in (0 when free), a charge explained at intake
    (`charge_explained`), every material with name, spec, model, quantity and price, and materials
    verified by the owner (`owner_verified`). Each blank is named in the finding."""
    for o in repairs(ctx):
        blanks = [t for k, t in (("technician", "维修工（technician）"), ("charge", "收费（charge），没有收费写 0")) if o[k] is None]
        if blanks:
            ctx.finding(o, "completed", f"维修单 {o.id} 漏填了{'、'.join(blanks)}", threshold="不能漏填")
        if (o["charge"] or 0) > 0 and o["charge_explained"] is not True:
            ctx.finding(o, "charge", f"维修单 {o.id} 收费 {o['charge']:g} 元，没有记录受理时已向业主说明（charge_explained: true）",
                        threshold="有收费的须事先说明")
        for i, m in enumerate(o.get("materials", [])):
            if isinstance(m, dict):
                missing = [t for k, t in MATERIAL_KEYS if m.get(k) in (None, "")]
                if missing:
                    ctx.finding(o, ("materials", i), f"维修单 {o.id} 的第 {i + 1} 项材料缺少{'、'.join(missing)}",
                                threshold="名称、规格、型号、数量、单价都要写")
        if o.get("materials") and o["owner_verified"] is not True:
            ctx.finding(o, "materials", f"维修单 {o.id} 用了材料，没有记录业主当面核实（owner_verified: true）",
                        threshold="业主当面核实材料")


@clause("W-REP-03", "客户接待员对入户维修回访并分类日报", scope="record", modal="负责", source="001 Q ch.3 §7",
      asks="客户接待员负责对入户维修进行回访并签字，在客服中心日报表中按入户维修、公共报修分类汇总",
      kinds=("order", "visit"))
def receptionist_callback(ctx):
    """Every repair order says 入户 or 公共 (the daily report's split); an in-home repair's callback
    is made by someone staff.yml names 客户接待员, or 区域售后回访员 for the appliance repairs 004
    governs (unknown people are not judged). A missing callback is W-CB-01/02's."""
    for o in repairs(ctx):
        if not o["repair_class"]:
            ctx.finding(o, "type", f"维修单 {o.id} 没有注明入户维修还是公共报修（repair_class）", threshold="入户 / 公共")
            continue
        if o["repair_class"] != "入户":
            continue
        for v in callbacks(ctx, o)[:1]:
            got = role(ctx, v["visitor"])
            if got is not None and not roles(ctx, v["visitor"]) & {RECEPTIONIST, APPLIANCE_VISITOR}:
                ctx.finding(v, "visitor", f"入户维修 {o.id} 由 {v['visitor']}（{got}）回访，应由客户接待员回访",
                            threshold="客户接待员（家电售后为区域售后回访员）")


@clause("W-PAID-01", "有偿服务登记、派工、回访", scope="record", modal="应", source="001 C §3.1、§4.1.2",
      asks="有偿服务应按价目表说明价格，经客户同意后登记服务项目、预约时间、客户姓名、地址、电话，派工到相关部门并回访",
      kinds=("order", "customer", "visit"))
def paid_service(ctx):
    """Done: a paid order (`paid: true`) whose log has the price explained, the appointment, the
    service item, the customer's address and phone and the department it was dispatched to, and a
    callback by the repair callback deadline (a to-do until then, overdue after)."""
    for o in ctx.records.orders:
        if o["paid"] is not True or not judged(ctx, o["completed"]):
            continue
        cust = ctx.records.by_id.get(o["customer"])
        missing = [t for ok, t in ((o["price_explained"] is True, "已按价目表说明价格（price_explained）"),
                                   (o["appointment"] is not None, "预约时间（appointment）"),
                                   (o["category"] or o["type"], "服务项目"),
                                   (cust is not None and cust["address"], "客户地址"),
                                   (cust is not None and cust["phone"], "客户电话"),
                                   (o["dispatched_to"], "派工部门（dispatched_to）")) if not ok]
        if missing:
            ctx.finding(o, "paid", f"有偿服务 {o.id} 的登记缺少{'、'.join(missing)}", threshold="登记齐全并派工")
        if not callbacks(ctx, o):
            ctx.deadline(o, "paid", callback_due(o), f"有偿服务 {o.id} 到 {callback_due(o)} 没有回访",
                         f"有偿服务 {o.id} 回访", threshold="完成后回访")


@clause("W-CB-03", "完工回访的内容", scope="record", modal="程序步骤", source="004 §4.1–§4.2",
      asks="完工回访要问安装/维修人员的服务态度、有无清理现场、服务收费情况和用户满意度", kinds=("order", "visit"))
def callback_content(ctx):
    """Done: a completion callback that reached the customer records all four answers: attitude,
    site_cleaned, charge_ok and the service satisfaction. A missing answer is a question not asked;
    unreachable callbacks asked nothing and are W-CB-06's."""
    seen = set()
    for o in ctx.records.orders:
        for v in callbacks(ctx, o):
            if v.id in seen or not v.get("reachable", True) or not judged(ctx, v["date"]):
                continue
            seen.add(v.id)
            s = v.get("satisfaction", {})
            missing = [t for ok, t in ((v["attitude"], "服务态度（attitude）"),
                                       (v["site_cleaned"] is not None, "是否清理现场（site_cleaned）"),
                                       (v["charge_ok"] is not None, "收费情况（charge_ok）"),
                                       (isinstance(s, dict) and s.get("service"), "服务满意度（satisfaction.service）")) if not ok]
            if missing:
                ctx.finding(v, "content", f"完工回访 {v.id} 没有问到{'、'.join(missing)}", threshold="四项都要问")


@clause("T-RESP-04", "维修人员 15 分钟到场；技术分析不超过 30 分钟", scope="record", modal="不能超过",
      source="001 Q ch.3 §2、§4", asks="维修人员按预约时间 15 分钟内到场；需班长技术分析的，从会诊到返回现场不能超过 30 分钟",
      kinds=("order",))
def arrival(ctx):
    """Measured from the appointment (§4.1.9; no dispatch time is recorded); carry-in repairs (送修)
    have no visit to arrive at."""
    for o in repairs(ctx):
        if o["service_mode"] == "送修":
            continue
        appt, came = o["appointment"], o["arrived"]
        if appt is None or came is None:
            what = "预约时间（appointment）" if appt is None else "到场时间（arrived）"
            ctx.finding(o, "appointment" if appt is not None else "completed", f"维修单 {o.id} 没有记录{what}，无法判断是否按时到场",
                        threshold=f"预约后 {ARRIVAL_MINUTES} 分钟内到场")
        elif came > appt + timedelta(minutes=ARRIVAL_MINUTES):
            late = int((came - appt).total_seconds() // 60)
            ctx.finding(o, "arrived", f"维修单 {o.id} 预约 {appt:%H:%M}，{came:%H:%M} 才到场，晚了 {late} 分钟",
                        threshold=f"{ARRIVAL_MINUTES} 分钟内")
        a = o.get("analysis")
        if isinstance(a, dict) and a.get("start"):
            back = a.get("back")
            if back is None:
                ctx.finding(o, ("analysis",), f"维修单 {o.id} 做了技术分析，没有记录返回现场的时间（analysis.back）",
                            threshold=f"{ANALYSIS_MINUTES} 分钟内返回现场")
            elif back > a["start"] + timedelta(minutes=ANALYSIS_MINUTES):
                ctx.finding(o, ("analysis", "back"), f"维修单 {o.id} 技术分析用了 {int((back - a['start']).total_seconds() // 60)} 分钟",
                            threshold=f"{ANALYSIS_MINUTES} 分钟内")


@clause("D-WARR-01", "保修期质量问题隔日查看，紧急当天派人", scope="record", modal="程序步骤", source="000 P2 (2)",
      asks="保修期内公司责任的质量问题，业主通知后一般问题隔日派管理人员查看并书面报告维修方法，紧急问题当天派人",
      kinds=("order",))
def warranty_inspection(ctx):
    """From the notification (`reported`) to the inspection, in local calendar days: 紧急 0, else 1."""
    for o in ctx.records.orders:
        if o["warranty"] is not True or not judged(ctx, o["completed"]):
            continue
        if o["reported"] is None:
            ctx.finding(o, "warranty", f"保修问题 {o.id} 没有记录业主通知的时间（reported）", threshold="记录通知时间")
            continue
        urgent = o["urgency"] == "紧急"
        due = local_date(o["reported"]) + timedelta(days=0 if urgent else 1)
        th = "紧急问题当天派人" if urgent else "一般问题隔日查看"
        ctx.deadline(o, "inspected" if o["inspected"] else "warranty", due, f"保修问题 {o.id} 到 {due} 没有派人查看",
                     f"查看保修问题 {o.id}", threshold=th, done=o["inspected"])
        if o["inspected"] is not None and not urgent and not o["repair_method"]:
            ctx.finding(o, "inspected", f"保修问题 {o.id} 查看后没有书面报告维修方法（repair_method）", threshold="书面报告维修方法")


@clause("P-SURV-01", "服务完成后做满意度调查", scope="record", modal="无", source="001 A §2.4、§3.4",
      asks="售后服务完成后向客户发满意度调查表或问卷，记录客户的反馈", kinds=("order", "visit"))
def after_service_survey(ctx):
    """A survey sent (survey.sent) or a callback with a satisfaction rating within survey_days of
    completion; the customer's answer itself is theirs to give."""
    days = ctx.threshold("survey_days")
    for o in ctx.records.orders:
        if not judged(ctx, o["completed"]):
            continue
        due = local_date(o["completed"]) + timedelta(days=days)
        asked = [o["survey"]["sent"]] if isinstance(o.get("survey"), dict) and o["survey"].get("sent") else []
        asked += [v["date"] for v in callbacks(ctx, o) if isinstance(v.get("satisfaction"), dict)
                  and (v["satisfaction"].get("service") or v["satisfaction"].get("product"))]
        first = min(asked, key=fact_instant, default=None)
        ctx.deadline(o, "survey" if o["survey"] else "completed", due, f"{o['type']}单 {o.id} 完成后到 {due} 没有做满意度调查",
                     f"{o.id} 满意度调查", threshold=f"完成后 {days} 天内", done=first)


@clause("E-AS-01", "售后服务期间由事业部售后负责人回访", scope="record", modal="程序步骤", source="002 §6.2.7",
      asks="售后服务期间由各事业部售后服务部门负责人对顾客进行回访，调查对产品和服务质量的满意程度",
      kinds=("order", "visit", "customer"))
def aftersales_head(ctx):
    """A service case is an order of a customer with lifecycle equipment; within survey_days of its
    completion someone staff.yml names 售后服务部负责人 visits it (a visit related to the order).
    Without staff.yml nobody's role is known and the rule cannot tell."""
    if not ctx.staff:
        return
    days = ctx.threshold("survey_days")
    for o in ctx.records.orders:
        cust = ctx.records.by_id.get(o["customer"])
        if cust is None or not products(cust) or not judged(ctx, o["completed"]):
            continue
        heads = [v for v in ctx.records.visits_by_related.get(o.id, []) if AFTERSALES_HEAD in (roles(ctx, v["visitor"]) or ())]
        due = local_date(o["completed"]) + timedelta(days=days)
        ctx.deadline(o, "completed", due, f"设备售后服务 {o.id} 到 {due} 没有售后服务部负责人的回访",
                     f"售后服务部负责人回访 {o.id}", threshold=f"完成后 {days} 天内",
                     done=min((v["date"] for v in heads), default=None))
