"""S — satisfaction scales, K — customer classes (PROCEDURES.md §2.I).

This module also holds the catalogue entries of areas F (first contact and intake, §2.G) and
P (periodic management activities, §2.H and P-PROJ-01): they are small and mostly need kinds
of records the format does not have, so they live here rather than in files of their own.
"""

from __future__ import annotations

from collections import Counter

from .engine import catalogue, rule
from .complaints import DISSATISFIED, SATISFIED, is_feedback_form
from .followup import reached
from .visits import reply_time

# S-SCALE-01: records store the 5-level value; reports map it to the configured scale (§4.4.6).
TO_FOUR = {"不太满意": "不满意", "很不满意": "不满意"}
TO_THREE = {"不太满意": "不满意", "很不满意": "不满意"}  # 一般 stays: an extra column so shares reconcile


def report_level(value: str | None, scale: str = "5") -> str | None:
    """The stored 5-level value as the report shows it: '5' as is, '4'/'3' fold the two dissatisfied levels."""
    if value is None or scale == "5":
        return value
    return (TO_FOUR if scale == "4" else TO_THREE).get(value, value)


@rule("S-SCALE-01", "满意度取自规定的量表", scope="record", modal="无", source="004 附表 2；003 P4 §4.3.2",
      asks="满意度按规定的量表记录，回访结论与满意度不能互相矛盾", param="scale", kinds=("visit",))
def scale_consistent(ctx):
    """Values off the 5-level scale are already SCHEMA errors; what is left are contradictions a
    verdict could be read from: a callback's `result: 不满意` with a satisfied rating or `result:
    正常` with a dissatisfied one, and a visit
    that did not reach the customer (`reachable: false`) yet carries a rating, a result or a
    signature — a failed attempt has no verdict, and no rule reads one from it. The option (5- or
    4-level) changes only how reports fold the levels, nothing checkable here."""
    for v in ctx.records.visits:
        if not reached(v):
            sat = v.get("satisfaction", {})
            said = [name for key, name in (("product", "产品满意度"), ("service", "服务满意度"))
                    if isinstance(sat, dict) and sat.get(key)]
            said += ["回访结果（result）"] if v["result"] else []
            said += ["签名"] if v["signature"] in ("已签名", "拒签") else []
            if said:
                ctx.finding(v, "reachable", f"回访 {v.id} 没有联系上客户（reachable: false），却记了{'、'.join(said)}，"
                                            f"两者矛盾；没有联系上就没有客户的评价，请核对后改正其中一项",
                            threshold="没有联系上的回访不记满意度、结果和签名")
            continue
        if v["result"] == "正常":
            sat = v.get("satisfaction", {})
            unhappy = [f"{name}“{sat[key]}”" for key, name in (("product", "产品满意度"), ("service", "服务满意度"))
                       if isinstance(sat, dict) and sat.get(key) in DISSATISFIED]
            if unhappy:
                ctx.finding(v, "result", f"回访结果（result）是“正常”，满意度却是{'、'.join(unhappy)}，两者矛盾；"
                                         f"请核对后改正其中一项", threshold=f"“正常”不对应不太满意或很不满意（{ctx.profile_text('scale')}）")
            continue
        if v["result"] != "不满意":
            continue
        sat = v.get("satisfaction", {})
        happy = [f"{name}“{sat[key]}”" for key, name in (("product", "产品满意度"), ("service", "服务满意度"))
                 if isinstance(sat, dict) and sat.get(key) in SATISFIED]
        if happy:
            ctx.finding(v, "result", f"回访结果（result）是“不满意”，满意度却是{'、'.join(happy)}，两者矛盾；请核对后改正其中一项",
                        threshold=f"“不满意”对应不太满意或很不满意（{ctx.profile_text('scale')}）")


@rule("K-CLASS-01", "客户分类（A–D）", scope="customer", modal="无", source="003 P4 §4.3.2 A",
      asks="每位客户都有分类（A、B、C、D），投诉按客户分类统计，档案按分类建立", kinds=("customer", "complaint"))
def customer_class(ctx):
    """Every customer has a class (A–D); a missing class is a finding, naming the complaints it
    keeps out of the class statistics."""
    complaints = Counter(c["customer"] for c in ctx.records.complaints if c["customer"])
    for cust in ctx.records.customers:
        if cust["class"]:
            continue
        extra = f"；该客户有 {complaints[cust.id]} 条投诉，月度统计无法按分类计入" if complaints[cust.id] else ""
        ctx.finding(cust, "class", f"客户档案 {cust.id}（{cust['name']}）没有填写客户分类（class，A/B/C/D）{extra}",
                    threshold="A、B、C、D 之一")


@rule("F-FIRST-02", "不让客户第二次来电", scope="issue", modal="不应", source="001 E §2",
      asks="接到客户来电的员工应详细记录并及时转交，不应让客户为同一件事再打第二次电话", kinds=("complaint",))
def no_second_call(ctx):
    """A later complaint of the same customer on the same issue that arrives before the earlier
    one had any answer (the earlier of 回复 and first_response) or outcome means the customer had to
    ask twice. The feedback form a visit opens (channel 回访发现) is staff carrying the issue on, not
    the customer calling again."""
    seen: dict[tuple, list] = {}
    for c in ctx.records.complaints:
        if not (c["customer"] and c["issue"]) or is_feedback_form(c):
            continue
        for a in seen.setdefault((c["customer"], c["issue"]), []):
            answered = [t for t in (reply_time(a), a["resolved"]) if t is not None]
            if not answered or min(answered) > c["received"]:
                ctx.finding(c, "received", f"客户 {c['customer']} 在 {a.id} 受理后、得到答复之前，又为同一问题“{c['issue']}”来反映了一次",
                            threshold="同一问题在答复前不应再来第二次")
                break
        seen[(c["customer"], c["issue"])].append(c)


# F — first contact and intake (PROCEDURES.md §2.G)
catalogue("F-INTAKE-01", "物业信息由前台受理并分类登记", scope="record", modal="无", source="001 Q ch.4 §1–§3",
          asks="所有信息交前台客户接待员，分为报修、投诉、员工反馈三类分别登记，并开出工作联系单或维修单",
          reason="三本登记簿就是记录本身：报修登记是完工单，投诉及建议登记是投诉记录，员工反馈的信息登记为投诉记录（咨询/建议）；"
                 "派工和处理时限由 T-RESP-01、T-RESP-02 检查，没有另外可查的事实")
