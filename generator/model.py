"""The record model: one declaration per kind, the single source of truth.

Validation (`validate`), the Chinese error messages, the JSON Schemas shipped in
`templates/schema/` and the field reference in the docs are all derived from
`KINDS` below, so the format cannot drift from what is enforced.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# Enumerations: the Chinese words of RECORDS.md, exactly.
CLASSES = ("A", "B", "C", "D")
CUSTOMER_TYPES = ("业主", "住户", "企业", "经销商")
ORDER_TYPES = ("安装", "维修")
SERVICE_MODES = ("上门", "送修")
CHANNELS = ("电话", "邮件", "网站", "信函", "来访", "上级转呈", "回访发现")
COMPLAINT_TYPES = ("投诉", "咨询", "建议")
CATEGORIES = ("设计规划", "工程质量", "销售承诺", "服务过程", "产品质量", "其他")
URGENCIES = ("紧急", "一般")
SEVERITIES = ("一般", "重大")
ACTIONS = ("受理", "转派", "处理", "升级", "回复", "批示", "结案", "反馈")  # 反馈: handler reports back (T-RESP-02)
STATUSES = ("处理中", "已解决", "已结案")
METHODS = ("电话", "上门", "信函", "在线", "邮件")
PURPOSES = (
    "投诉回访", "维修回访", "安装回访", "意见征询", "建议回访", "例行回访",
    "送电前回访", "试运行回访", "质保期回访", "质保期外回访",
)
SATISFACTION = ("非常满意", "满意", "一般", "不太满意", "很不满意")
SIGNATURES = ("已签名", "拒签", "无")
CONTACT_PROBLEMS = ("空号", "信息错误", "联系人不符", "无人接听", "无人在家")
# What `huifang new --date D` writes for the unknown time of day (never an invented time).
TIME_PLACEHOLDER = "__:__"
CALLBACK_RESULTS = ("正常", "不属实", "不满意")
# Added for the clauses the five kinds above had no place for (see PLAN, DUTY and REPORT below).
REPAIR_CLASSES = ("入户", "公共")
CONTENT_CLASSES = ("制度", "人员", "时效", "货物异常", "其他")
HANDLING_MODES = ("立即处理", "限期处理", "多次处理")
CAUSE_CATEGORIES = ("退货", "交货延迟", "少交货", "包装破损", "样品延迟", "客户服务", "其他")
SOLUTION_TYPES = ("退货", "换货", "维修", "赔偿", "解释说明", "其他")
RESPONSIBILITIES = ("公司", "客户", "第三方")
PRIORITIES = ("主要", "次要")
PLAN_TYPES = ("回访名单", "设备回访计划", "沟通计划")
DUTY_TYPES = ("经理接待日", "信箱开启", "业委会座谈", "节日问候", "年末联系", "台帐报送")
FEEDS = ("发货和合同", "安装调试和送电")
REPORT_TYPES = ("回访周报", "每周服务情况", "回访日报", "总部抽访周报", "总部通报", "月度回访报告",
                "投诉统计分析", "满意度测量报告", "服务监督报告")
REVIEW_SECTIONS = ("产品质量", "服务质量", "建议和需求")
PERIOD_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?|-W\d{2})?$"
HOURS_PATTERN = r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$"


@dataclass(frozen=True)
class Field:
    """One key of a record: its type, whether it is required, and what it means to staff."""

    name: str
    type: str  # text | int | number | bool | date | datetime | enum | ref | list | object
    title: str  # Chinese label, shown in messages and the field reference
    required: bool = False
    enum: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()  # kinds a `ref` may point to
    item: "Field | None" = None  # element of a list
    fields: tuple["Field", ...] = ()  # keys of an object
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    help: str = ""
    added: bool = False  # optional field added beyond RECORDS.md (documented as such)


@dataclass(frozen=True)
class Kind:
    name: str  # customer | order | complaint | visit | letter | plan | duty | report
    title: str
    folder: str  # under records/
    prefix: str  # id prefix
    main_date: str | None  # field whose month names the YYYY/MM folder
    fields: tuple[Field, ...]
    added: bool = False  # a kind added beyond RECORDS.md (documented as such)

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}


def _id(prefix: str) -> Field:
    return Field("id", "text", "编号", required=True, pattern=rf"^{prefix}-[A-Za-z0-9-]+$",
                 help=f"以 {prefix}- 开头，与文件名相同")


def _text(name, title, required=False, **kw) -> Field:
    return Field(name, "text", title, required=required, **kw)


def _enum(name, title, values, required=False, **kw) -> Field:
    return Field(name, "enum", title, required=required, enum=values, **kw)


def _ref(name, title, *kinds, required=False, **kw) -> Field:
    return Field(name, "ref", title, required=required, refs=kinds, **kw)


CONTACT_FIELDS = (_text("name", "姓名"), _text("phone", "电话", help="门户上只显示 138****5678"))

SATISFACTION_OBJ = Field("satisfaction", "object", "满意度", fields=(
    _enum("product", "产品满意度", SATISFACTION),
    _enum("service", "服务满意度", SATISFACTION),
))

# A supervisor's explanation of a breach that can no longer be repaired (a late reply, a late
# record): who, when, why. It stays beside the finding; it never hides it.
EXPLANATIONS = Field("explanations", "list", "主管说明", added=True,
                     help="已成事实的违规（如答复晚了）由主管写明原因；违规仍留在记录上，说明显示在旁边",
                     item=Field("explanation", "object", "说明", fields=(
                         _text("rule", "规则编号", True, help="说明的是哪条规则的问题，如 C-DL-01"),
                         _text("by", "说明人", True, help="主管姓名"),
                         Field("date", "date", "说明日期", required=True),
                         _text("reason", "原因", True),
                     )))

CUSTOMER = Kind("customer", "客户", "customers", "CUST", None, (
    _id("CUST"),
    _text("name", "客户/业主名称", True),
    _enum("class", "客户分类", CLASSES),
    _enum("type", "客户类型", CUSTOMER_TYPES),
    _text("phone", "电话", help="门户上只显示 138****5678"),
    _text("address", "地址", help="门户上只显示到楼栋"),
    _text("region", "区域"),
    Field("contract_amount", "number", "合同金额（元）", minimum=0, maximum=1e12, help="累计 ≥ 3,000,000 元为重大顾客"),
    Field("products", "list", "设备", item=Field("product", "object", "设备", fields=(
        _text("model", "型号", True),
        Field("quantity", "int", "数量", minimum=0, maximum=1_000_000),
        Field("shipped", "date", "发货日期"),
        Field("energized", "date", "送电日期"),
        Field("supporting", "bool", "配套/自用设备", added=True,
              help="true 表示配套设备或公司自用，不做设备生命周期回访（E-SCOPE-01）"),
        _text("project", "工程名称", added=True, help="回访台帐的工程名称（E-LEDGER-01）"),
        Field("power_contact", "object", "用电管理负责人", added=True, fields=CONTACT_FIELDS,
              help="顾客用电管理负责人及电话（E-LEDGER-01）"),
        Field("substation_contact", "object", "变电站联系人", added=True, fields=CONTACT_FIELDS,
              help="变电站联系人及电话（E-LEDGER-01）"),
    ))),
    Field("quiet_hours", "list", "免打扰时段", added=True,
          item=_text("hours", "时段", pattern=HOURS_PATTERN, help="写成 12:00-14:00；跨夜写 21:00-08:00"),
          help="客户不希望被电话或上门打扰的时段（V-TIME-01）"),
    Field("projects", "list", "交付/装饰工程", added=True, item=Field("project", "object", "工程", fields=(
        _text("name", "工程名称", True),
        Field("delivered", "date", "交付日期", help="交付后一年内每月、之后每季电话回访（P-PROJ-01）"),
        Field("accepted", "date", "竣工验收日期", help="装饰工程竣工验收 3 个月后回访（D-VISIT-01）"),
    )), help="交付的项目或装饰工程，用于定期回访"),
    EXPLANATIONS,
))

ORDER = Kind("order", "完工单", "orders", "WO", "completed", (
    _id("WO"),
    _ref("customer", "客户", "customer", required=True),
    _enum("type", "工单类型", ORDER_TYPES, True),
    Field("completed", "datetime", "完工时间", required=True),
    _text("technician", "安装/维修工"),
    _text("region", "区域"),
    _text("category", "品类"),
    Field("charge", "number", "服务收费（元）", minimum=0, maximum=1e9),
    _enum("service_mode", "服务方式", SERVICE_MODES, added=True, help="上门或送修，用于周报/月报"),
    Field("reported", "datetime", "报修时间", added=True, help="维修单的报修时间，用于响应时限（T-RESP-01）"),
    _enum("urgency", "紧急程度", URGENCIES, added=True),
    Field("first_response", "datetime", "首次答复时间", added=True),
    Field("appointment", "datetime", "预约上门时间", added=True, help="按预约时间 15 分钟内到场（T-RESP-04）；有偿服务须登记（W-PAID-01）"),
    Field("arrived", "datetime", "到场时间", added=True, help="维修人员到达现场的时间（T-RESP-04）"),
    Field("analysis", "object", "技术分析", added=True, fields=(
        Field("start", "datetime", "开始会诊", required=True),
        Field("back", "datetime", "返回现场", help="从会诊到返回现场不超过 30 分钟（T-RESP-04）"),
    ), help="需要班长技术分析时填写"),
    _enum("repair_class", "维修分类", REPAIR_CLASSES, added=True, help="入户维修或公共报修（W-REP-01、W-REP-03）"),
    _enum("signature", "业主签字", SIGNATURES, added=True, help="维修完工业主签字确认（W-REP-01）"),
    _text("signed_by", "签字人", added=True, help="公共报修由片区客服人员签字（W-REP-01）"),
    _enum("satisfaction", "完工满意度评定", SATISFACTION, added=True, help="完工时业主评定（W-REP-01）"),
    Field("materials", "list", "材料", added=True, item=Field("material", "object", "材料", fields=(
        _text("name", "名称"), _text("spec", "规格"), _text("model", "型号"),
        Field("quantity", "number", "数量", minimum=0, maximum=1_000_000),
        Field("price", "number", "单价（元）", minimum=0, maximum=1e9),
    )), help="名称、规格、型号、数量、单价都要填（W-REP-02）"),
    Field("owner_verified", "bool", "业主已当面核实材料", added=True, help="W-REP-02"),
    Field("charge_explained", "bool", "已向业主说明收费", added=True, help="有收费时受理时须说明（W-REP-02）"),
    Field("paid", "bool", "有偿服务", added=True, help="true：有偿服务，须登记、说明价格、派工并回访（W-PAID-01）"),
    Field("price_explained", "bool", "已按价目表说明价格", added=True, help="有偿服务（W-PAID-01）"),
    _text("dispatched_to", "派工部门", added=True, help="有偿服务派给的部门（W-PAID-01）"),
    Field("warranty", "bool", "保修期内质量问题", added=True, help="true：保修通知，一般问题隔日查看、紧急当天派人（D-WARR-01）"),
    Field("inspected", "datetime", "查看时间", added=True, help="管理人员到现场查看的时间（D-WARR-01）"),
    _text("repair_method", "维修方法", added=True, help="查看后书面报告物业管理部的维修方法（D-WARR-01）"),
    Field("survey", "object", "满意度调查", added=True, fields=(
        Field("sent", "date", "发出日期", required=True),
        _enum("result", "调查结果", SATISFACTION),
    ), help="服务完成后发给客户的满意度调查表（P-SURV-01）"),
    EXPLANATIONS,
))

ACTION = Field("action", "object", "处理记录", fields=(
    Field("at", "datetime", "时间", required=True),
    _text("by", "处理人"),
    _enum("action", "动作", ACTIONS, True),
    _text("to", "转交给", added=True, help="转派、升级给谁（姓名或部门）（C-TRF-01）"),
    _text("note", "说明"),
))

COMPLAINT = Kind("complaint", "投诉", "complaints", "TS", "received", (
    _id("TS"),
    Field("received", "datetime", "受理时间", required=True),
    _enum("channel", "渠道", CHANNELS, True),
    _enum("type", "类型", COMPLAINT_TYPES, True),
    _enum("category", "类别", CATEGORIES),
    _enum("urgency", "紧急程度", URGENCIES, default="一般"),
    _ref("customer", "客户", "customer", help="匿名投诉不填"),
    _text("issue", "同一问题键"),
    _text("description", "投诉内容", True),
    Field("valid", "bool", "投诉是否成立"),
    _text("department", "责任部门"),
    Field("first_response", "datetime", "首次答复时间"),
    Field("reply_by", "datetime", "答复期限"),
    Field("actions", "list", "处理过程", item=ACTION),
    Field("resolved", "datetime", "解决时间"),
    _text("solution", "处理方案"),
    _text("approved_by", "主管领导批示"),
    _text("reply_letter", "复函"),
    _enum("status", "状态", STATUSES, True),
    _enum("severity", "问题程度", SEVERITIES, added=True, help="一般 24 小时、重大 48 小时内答复（T-RESP-03）"),
    _text("received_by", "受理部门", added=True, help="最先受理的部门"),
    Field("also_received_by", "list", "同时受理的其他部门", item=_text("department", "部门"), added=True,
          help="同一投诉人向多个部门反映同一问题时只记一条，其余部门写在这里（V-DUP-01）"),
    Field("reply_letter_only", "bool", "只需复函", added=True,
          help="上级转呈且只要求书面复函，可不回访，须附复函（V-ANON-02）"),
    _text("result", "处理结果", added=True, help="匿名投诉的处理结果（V-ANON-01）"),
    Field("handed_over", "datetime", "转交客服时间", added=True, help="其他部门收到投诉后转交客服的时间（C-CH-01）"),
    Field("apologised", "bool", "受理时已致歉", added=True, help="C-INT-01"),
    _text("ticket", "客服工单号", added=True, help="登记在异常反馈跟进表里的工单号（C-INT-01）"),
    _enum("content_class", "内容分类", CONTENT_CLASSES, added=True, help="月度统计用（C-CLS-02）"),
    _enum("handling_mode", "处理方式", HANDLING_MODES, added=True, help="月度统计用（C-CLS-02）"),
    Field("demands", "list", "客户诉求", added=True, item=Field("demand", "object", "诉求", fields=(
        _text("text", "诉求", True), _enum("priority", "主次", PRIORITIES),
    )), help="按性质和紧急程度分主要、次要诉求（C-CLS-04）"),
    _text("cause", "原因分析", added=True, help="责任部门分析的原因和责任人（C-FLOW-01 第 4 步）"),
    _text("summary", "总结评价", added=True, help="结案前的总结评价（C-FLOW-01 第 8 步）"),
    _enum("responsibility", "责任判定", RESPONSIBILITIES, added=True, help="C-RESP-01"),
    _text("formal_letter", "正式电函", added=True, help="公司责任时发给客户的正式电函（编号或摘要）（C-RESP-01）"),
    Field("returned", "date", "退货收到日期", added=True, help="收到客户退回产品的日期（C-RET-01）"),
    Field("analysed", "date", "退货分析完成日期", added=True, help="一周内完成检测分析（C-RET-01）"),
    _enum("solution_type", "解决方案类型", SOLUTION_TYPES, added=True, help="C-SOL-01"),
    Field("opinion_form", "bool", "客户已填意见表", added=True, help="方案告知客户后填写《客户意见表》（C-SOL-01）"),
    _text("first_responder", "首问责任人", added=True, help="客户第一个找到的员工（F-FIRST-01）"),
    Field("in_remit", "bool", "属首问人职责范围", added=True, help="false 时须写 handed_to（F-FIRST-01）"),
    _text("handed_to", "移交给", added=True, help="职责范围外的事项移交的主管领导或同事（F-FIRST-01）"),
    Field("gm_reported", "datetime", "报告总经理时间", added=True, help="重大事项立即报告总经理（F-FIRST-01）"),
    Field("confirmed_satisfied", "bool", "已确认客户满意", added=True, help="咨询结束时询问客户是否满意（F-CONS-01）"),
    Field("controversial", "bool", "可能有争议", added=True, help="网上问题可能有争议的，须经主管审核（批示）后再回复（T-ONL-01）"),
    EXPLANATIONS,
))

VISIT = Kind("visit", "回访记录", "visits", "HF", "date", (
    _id("HF"),
    Field("date", "datetime", "回访时间", required=True),
    Field("recorded", "datetime", "记录时间", help="不填时以文件第一次提交的时间为准"),
    _enum("method", "回访方式", METHODS, True),
    _enum("purpose", "回访类别", PURPOSES, True),
    _ref("customer", "客户", "customer", required=True),
    Field("related", "list", "相关工单/投诉", item=_ref("related", "相关记录", "order", "complaint", "visit"),
          help="回访针对的完工单、投诉；答复以前回访中提出的新问题时写那次回访（V-NEW-01）"),
    _text("visitor", "回访人", True),
    _text("interviewee", "受访人"),
    Field("reachable", "bool", "是否联系上", default=True),
    _enum("contact_problem", "联系问题", CONTACT_PROBLEMS, added=True,
          help="联系不上的原因：空号 / 信息错误 / 联系人不符（须复核，W-CB-06）/ 无人接听 / 无人在家；"
               "没有联系上的回访不算完成回访，回访义务仍然待办"),
    _text("content", "回访内容", True),
    SATISFACTION_OBJ,
    _enum("result", "回访结果", CALLBACK_RESULTS, added=True,
          help="完工回访的结论：正常 / 不属实 / 不满意（W-CB-05）"),
    _text("needs", "建议和需求"),
    _enum("signature", "签名", SIGNATURES),
    _text("refusal_note", "拒签时的客户态度"),
    Field("new_issues", "list", "回访中提出的新问题", item=Field("new_issue", "object", "新问题", fields=(
        _text("text", "问题", True),
        Field("reply_by", "date", "承诺答复日期"),
        Field("answered", "bool", "当场已解答", added=True),
    ))),
    _ref("feedback", "信息反馈单", "complaint"),
    Field("review", "object", "主管审阅", fields=(
        _text("by", "审阅人", True),
        Field("date", "date", "审阅日期", required=True),
        _text("comment", "指导意见"),
    )),
    _text("product", "设备型号", added=True, help="设备生命周期回访针对的型号（E-LC-*）"),
    Field("survey", "bool", "客户已填满意度调查表", added=True, help="送电前回访由客户填写（E-LC-01）"),
    Field("reverified", "date", "复核日期", added=True, help="空号/信息错误已复核的日期（W-CB-06）"),
    _text("method_reason", "改用在线/邮件的原因", added=True, help="优先电话回访；改用在线或邮件时写明原因（V-METH-01）"),
    Field("signoff", "object", "签署意见", added=True, fields=(
        _text("by", "签署人", True),
        Field("date", "date", "签署日期", required=True),
        _text("comment", "意见"),
    ), help="管理处负责人在检查后签署意见（V-REV-02，REV-P3）"),
    _enum("attitude", "服务态度", SATISFACTION, added=True, help="完工回访：安装/维修工的服务态度（W-CB-03）"),
    Field("site_cleaned", "bool", "已清理现场", added=True, help="完工回访（W-CB-03）"),
    Field("charge_ok", "bool", "收费与完工单相符", added=True, help="完工回访：收费情况（W-CB-03）"),
    Field("phone_solved", "bool", "电话已解决", added=True, help="false：电话解决不了，须上门（E-FB-02）"),
    Field("spot_check", "bool", "维修质量抽查", added=True,
          help="true 表示这次回访是维修主管/管理员对维修单的质量抽查（W-SPOT-01）；普通完工回访不算抽查"),
    EXPLANATIONS,
))

LETTER = Kind("letter", "公开信", "letters", "GKX", "date", (
    _id("GKX"),
    _text("issue", "同一问题键", True),
    Field("date", "date", "日期", required=True),
    _text("title", "标题", True),
    _text("body", "正文", True),
    Field("complaints", "list", "答复的投诉", item=_ref("complaint", "投诉", "complaint")),
    _text("approved_by", "批准人"),
    EXPLANATIONS,
))

# -- kinds added for the clauses that need plans, recurring duties and reports ----------------

PLAN = Kind("plan", "计划", "plans", "JH", "date", (
    _id("JH"),
    _enum("type", "计划类型", PLAN_TYPES, True,
          help="回访名单（V-PLAN-01）/ 设备回访计划（E-PLAN-01）/ 与开发商的沟通计划（P-OC-01）"),
    Field("date", "date", "制订日期", required=True),
    _text("period", "计划期间", True, pattern=PERIOD_PATTERN, help="写成 2026-11（月）或 2026（年）"),
    _text("by", "制订人"),
    _text("source", "资料来源", help="如 询盘统计表、客户档案、回访台帐"),
    _text("approved_by", "批准人", help="沟通计划由服务中心经理批准（P-OC-01）"),
    Field("approved", "date", "批准日期"),
    Field("entries", "list", "计划回访", item=Field("entry", "object", "计划项", fields=(
        _ref("customer", "客户", "customer", required=True),
        Field("planned", "date", "计划日期"),
        _enum("method", "回访方式", METHODS),
        _enum("purpose", "回访类别", PURPOSES),
        _text("product", "设备型号"),
        _text("inquiry", "询盘情况", help="询盘详细信息（V-PLAN-01）"),
        _text("topics", "回访问题与内容"),
    ))),
    _text("content", "计划内容", help="沟通计划的事项、时间和方式"),
), added=True)

DUTY = Kind("duty", "定期工作", "duties", "GZ", "date", (
    _id("GZ"),
    _enum("type", "工作类型", DUTY_TYPES, True),
    Field("date", "datetime", "时间", required=True, help="做这项工作的时间（接待日、开箱、座谈、问候、报送）"),
    _text("by", "经办人"),
    _text("department", "部门", help="台帐报送的部门（E-FEED-01）"),
    Field("notice", "datetime", "通知时间", help="经理接待日至少提前一周通知全体业主（P-RECEP-01）"),
    _text("festival", "节日", help="节日问候对应的节日，如 春节、中秋节（P-HOL-01）"),
    _enum("feed", "报送内容", FEEDS, help="台帐报送：生产部门报发货和合同，售后部门报安装调试和送电（E-FEED-01）"),
    Field("letters", "int", "信件数", minimum=0, maximum=100_000, help="经理信箱本次收到的信件数（P-MAIL-01）"),
    Field("related", "list", "相关记录", item=_ref("related", "相关记录", "complaint", "visit", "order"),
          help="信件、接待中登记的投诉或回访"),
    Field("contacts", "list", "联系的客户", item=Field("contact", "object", "联系", fields=(
        _ref("customer", "客户", "customer", required=True),
        _enum("method", "方式", METHODS),
        _text("note", "情况", help="年末联系写客户来年的需求计划（P-YEAR-01）"),
    )), help="节日问候、年末联系的客户"),
    Field("attendees", "list", "参加人员", item=_text("attendee", "人员")),
    _text("content", "记录内容"),
), added=True)

REVIEW_OBJ = Field("review", "object", "审阅", fields=(
    _text("by", "审阅人", True),
    Field("date", "date", "审阅日期", required=True),
    _text("comment", "意见"),
))

REPORT = Kind("report", "报告", "reports", "BG", "date", (
    _id("BG"),
    _enum("type", "报告类型", REPORT_TYPES, True),
    _text("period", "报告期间", True, pattern=PERIOD_PATTERN,
          help="日报写 2026-11-03，周报写 2026-W45（ISO 周），月报写 2026-11"),
    Field("date", "datetime", "提交时间", required=True),
    _text("by", "编写人", True),
    _text("submitted_to", "报送对象", help="交给谁（姓名）：部门主管、总经理、总部客服中心"),
    _text("region", "区域", help="区域日报的区域（W-CB-04）"),
    _text("content", "内容摘要", True, help="总结、主要结论和分析"),
    Field("count", "int", "回访单数", minimum=0, maximum=1_000_000, help="日报上报的当日回访单数（W-CB-04）"),
    Field("records", "list", "涉及的记录", item=_ref("record", "记录", "visit", "order", "complaint"),
          help="总部通报复核过的异常回访（W-HQ-03）"),
    Field("regions", "list", "各区域抽访", item=Field("sample", "object", "抽访", fields=(
        _text("region", "区域", True),
        Field("sampled", "int", "抽访数", minimum=0, maximum=1_000_000),
        _text("note", "结果"),
    )), help="总部按区域大小分配抽访比例（W-HQ-01）"),
    Field("posted", "list", "张贴", item=Field("post", "object", "张贴", fields=(
        _text("region", "区域", True),
        Field("date", "date", "张贴日期", required=True),
    )), help="各区域把总部通报张贴在公告栏（W-HQ-03）"),
    Field("items", "list", "各人情况", item=Field("item", "object", "提交", fields=(
        _text("by", "提交人", True),
        _text("content", "本周服务情况和客户反馈"),
    )), help="每周服务情况：每位技术服务人员的提交（P-WEEK-01）"),
    Field("meeting", "object", "管理会议", fields=(
        Field("date", "date", "会议日期", required=True),
        _text("decision", "会议决定", help="是否采取纠正、预防措施"),
    ), help="投诉统计分析报告提交管理会议（C-MON-01）"),
    Field("reviews", "list", "评审", item=Field("review", "object", "评审", fields=(
        _enum("section", "部分", REVIEW_SECTIONS, True),
        _text("by", "评审人"),
        _text("department", "评审部门", help="产品质量由各公司评审，服务质量和建议需求由品质部评审（E-CAPA-01）"),
        Field("date", "date", "评审日期"),
        _text("decision", "评审结论"),
    ))),
    Field("measures", "list", "整改措施", item=Field("measure", "object", "措施", fields=(
        _text("text", "措施", True),
        _text("region", "区域", help="针对的薄弱区域（W-MON-01）"),
        _text("owner", "负责部门"),
        Field("due", "date", "完成期限"),
        Field("done", "date", "完成日期"),
        _text("verified_by", "验证人", help="服务中心跟踪验证（E-CAPA-01）"),
        Field("verified", "date", "验证日期"),
    )), help="纠正和预防措施"),
    REVIEW_OBJ,
), added=True)

KINDS: dict[str, Kind] = {k.name: k for k in (CUSTOMER, ORDER, COMPLAINT, VISIT, LETTER, PLAN, DUTY, REPORT)}
BY_FOLDER = {k.folder: k for k in KINDS.values()}
BY_PREFIX = {k.prefix: k for k in KINDS.values()}

TYPE_WORDS = {
    "text": "文字", "int": "整数", "number": "数字", "bool": "true 或 false",
    "date": "日期（如 2026-11-03）", "datetime": "日期时间（如 2026-11-03 14:30:00+08:00）",
    "enum": "列表中的取值", "ref": "记录编号", "list": "列表（每项以 - 开头）", "object": "键值对",
}


class _Invalid:
    """A value the loader already reported (e.g. 2026-02-30); validation stays quiet about it."""

    def __repr__(self):
        return "INVALID"


INVALID = _Invalid()


class Bad(_Invalid):
    """A scalar the loader could not turn into a value (1e999, 0755, 2026-02-30, 9999-01-01); `reason` says why.

    A text field takes the scalar's source text instead; any other field reports the reason.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self):
        return f"Bad({self.reason!r})"


@dataclass
class Problem:
    """A schema defect found in one record: where (key path) and what (Chinese sentence)."""

    path: tuple
    message: str
    severity: str = "error"


_NEGATIONS = re.compile(r"不|没|未|无|拒|否|非(?!常)|^un|^not?_|^non|^dis|^in(?=valid|correct|complete)")


def _polarity(text: str) -> int:
    return len(_NEGATIONS.findall(text.lower())) % 2


def nearest(value, choices) -> str | None:
    """The allowed value closest to what was typed, for 'did you mean' hints — never one that flips the
    meaning: a suggestion that adds or drops a negation (很满意 → 很不满意, 未签名 → 已签名) is not offered."""
    text = str(value)
    if not text.strip() or len(text) > 200:
        return None
    for got in difflib.get_close_matches(text, [str(c) for c in choices], n=5, cutoff=0.5):
        if _polarity(got) == _polarity(text):
            return got
    return None


_PLACEHOLDER = re.compile(r"__[A-Z]+__")  # what the record templates hold until `huifang new` fills it in


def _hint(value, choices) -> str:
    near = nearest(value, choices)
    return f"，是不是想写“{near}”？" if near else "。"


def _check_value(f: Field, value: Any, path: tuple, out: list[Problem], refs: list, texts: dict) -> Any:
    """Check one value against its field; returns the value, or None when it is not of the field's type
    (so nothing downstream ever sees a list where a reference belongs)."""
    label = f.title
    t = f.type
    if isinstance(value, Bad) or (value is not None and not isinstance(value, str) and t in ("text", "ref")
                                  and path in texts):  # null / ~ is empty, never the text "null"
        if t in ("text", "ref") and path in texts:
            value = texts[path]  # as typed: 0571 stays 0571, 1:30 stays 1:30
        elif isinstance(value, Bad):
            out.append(Problem(path, f"“{label}”（{f.name}）：{value.reason}。"))
            return None
    if value is INVALID:
        return None
    if value is None:
        if f.required:
            out.append(Problem(path, f"“{label}”（{f.name}）不能为空。"))
        return None
    if t in ("text", "ref"):
        if isinstance(value, (bool, dict, list)):
            out.append(Problem(path, f"“{label}”（{f.name}）应为{TYPE_WORDS[t]}，这里写的是{_describe(value)}。"))
            return None
        if not isinstance(value, str):
            value = str(value)  # a value from an alias or a typed tag: kept as text
        if not value.strip() and (f.required or t == "ref"):
            if f.required:  # one finding for a blank value: not also "format wrong" or "no record numbered ''"
                out.append(Problem(path, f"“{label}”（{f.name}）不能为空。"))
            return None  # a blank reference refers to nothing, like an empty one
        placeholder = _PLACEHOLDER.search(value)
        if placeholder:
            out.append(Problem(path, f"“{label}”（{f.name}）还留着模板里的占位符“{placeholder.group()}”，请填写实际内容。"))
            return None
        if f.pattern and not re.fullmatch(f.pattern.strip("^$"), value):
            out.append(Problem(path, f"“{label}”（{f.name}）“{_shown(value)}”格式不对：{f.help}。"))
            return None
        if t == "ref":
            if value != value.strip():
                out.append(Problem(path, f"“{label}”（{f.name}）“{_shown(value)}”前后有空格或换行，编号里不能有。"))
                return None
            refs.append((path, value, f.refs))
        return value
    if t == "enum":
        if not isinstance(value, str) or value not in f.enum:
            allowed = "、".join(f.enum)
            out.append(Problem(path, f"“{label}”（{f.name}）不能是{_describe(value)}，只能是：{allowed}"
                                     f"{_hint(value, f.enum) if isinstance(value, str) else '。'}"))
            return None
        return value
    if t == "bool":
        if not isinstance(value, bool):
            out.append(Problem(path, f"“{label}”（{f.name}）应为 true 或 false，这里写的是{_describe(value)}。"))
            return None
        return value
    if t in ("int", "number"):
        ok = isinstance(value, int) if t == "int" else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            out.append(Problem(path, f"“{label}”（{f.name}）应为{TYPE_WORDS[t]}，这里写的是{_describe(value)}。"))
            return None
        if f.minimum is not None and value < f.minimum:
            out.append(Problem(path, f"“{label}”（{f.name}）不能小于 {f.minimum:g}。"))
            return None
        if f.maximum is not None and value > f.maximum:
            out.append(Problem(path, f"“{label}”（{f.name}）不能大于 {f.maximum:,.0f}，请检查是否多写了数字。"))
            return None
        return value
    if t == "date":
        if isinstance(value, datetime):
            return value.date()
        if not isinstance(value, date):
            out.append(Problem(path, f"“{label}”（{f.name}）应为{TYPE_WORDS['date']}，这里写的是{_describe(value)}。"))
            return None
        return value
    if t == "datetime":
        if not isinstance(value, datetime):
            if isinstance(value, str) and TIME_PLACEHOLDER in value:
                out.append(Problem(path, f"“{label}”（{f.name}）还没有填时刻：把 {TIME_PLACEHOLDER} 换成实际的"
                                         f"几点几分，例如 {value.split()[0]} 14:30:00+08:00。"))
            elif isinstance(value, date):
                out.append(Problem(path, f"“{label}”（{f.name}）要写到时和分，例如 {value.isoformat()} 14:30:00+08:00。"))
            else:
                out.append(Problem(path, f"“{label}”（{f.name}）应为{TYPE_WORDS['datetime']}，这里写的是{_describe(value)}。"))
            return None
        return value
    if t == "list":
        if not isinstance(value, list):
            out.append(Problem(path, f"“{label}”（{f.name}）应为{TYPE_WORDS['list']}。"))
            return None
        return [_check_value(f.item, v, path + (i,), out, refs, texts) for i, v in enumerate(value)]
    if t == "object":
        if not isinstance(value, dict):
            out.append(Problem(path, f"“{label}”（{f.name}）应为{TYPE_WORDS['object']}。"))
            return None
        return _check_mapping(f.fields, value, path, out, refs, texts)
    raise AssertionError(t)


def _check_mapping(fields, data: dict, path: tuple, out: list[Problem], refs: list, texts: dict) -> dict:
    known = {f.name: f for f in fields}
    result = {}
    for key, value in data.items():
        f = known.get(key)
        if f is None:
            near = nearest(key, known)
            hint = f"，是不是“{near}”（{known[near].title}）？" if near else "，系统会忽略它。"
            out.append(Problem(path + (key,), f"不认识的字段“{_shown(key)}”{hint}", "warning"))
            continue  # ignored, as the warning says: a customer's stray `related:` must not reach the rules
        result[key] = _check_value(f, value, path + (key,), out, refs, texts)
    for f in fields:
        if f.required and f.name not in data:
            out.append(Problem(path, f"缺少必填字段“{f.title}”（{f.name}）。"))
    return result


def _shown(text: str, n: int = 60) -> str:
    """Text quoted inside a message: control characters visible, long text cut."""
    text = text.encode("unicode_escape").decode("ascii") if any(ord(c) < 32 for c in text) else text
    return text if len(text) <= n else text[:n] + "…"


def _describe(value) -> str:
    if isinstance(value, dict):
        return "键值对"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, bool):
        return f"“{str(value).lower()}”"
    return f"“{_shown(str(value))}”"


def validate(kind: Kind, data: dict, texts: dict | None = None) -> tuple[dict, list[Problem], list]:
    """Check a record's data against its kind; returns (well-typed data, problems, references to resolve).

    `texts` holds the source text of scalars that YAML resolved to something other than text (the loader's
    Parsed.texts); text fields take it, so an unquoted 0571 or 1:30 stays as typed."""
    out: list[Problem] = []
    refs: list = []
    result = _check_mapping(kind.fields, data, (), out, refs, texts or {})
    return result, out, refs


# --- JSON Schema (for editors, via the yaml-language-server modeline in templates/) ---

def _schema(f: Field) -> dict:
    s: dict[str, Any] = {"title": f.title}
    if f.help:
        s["description"] = f.help
    t = f.type
    if t in ("text", "ref"):
        s["type"] = "string"
        if f.pattern:
            s["pattern"] = f.pattern
    elif t == "enum":
        s["enum"] = list(f.enum)
    elif t == "bool":
        s["type"] = "boolean"
    elif t == "int":
        s["type"] = "integer"
    elif t == "number":
        s["type"] = "number"
    elif t in ("date", "datetime"):
        s["type"] = "string"
        s["format"] = "date" if t == "date" else "date-time"
        if t == "datetime":
            s["pattern"] = r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"
    elif t == "list":
        s["type"] = "array"
        s["items"] = _schema(f.item)
    elif t == "object":
        s.update(_object_schema(f.fields))
    if f.minimum is not None:
        s["minimum"] = f.minimum
    if f.maximum is not None:
        s["maximum"] = f.maximum
    if f.default is not None:
        s["default"] = f.default
    return s


def _object_schema(fields) -> dict:
    return {
        "type": "object",
        "properties": {f.name: _schema(f) for f in fields},
        "required": [f.name for f in fields if f.required],
    }


def json_schema(kind: Kind) -> dict:
    """The JSON Schema of one kind, derived from the same fields `validate` uses."""
    s = {"$schema": "https://json-schema.org/draft/2020-12/schema",
         "$id": f"https://huifang.local/schema/{kind.name}.json",
         "title": f"{kind.title}（{kind.name}）"}
    s.update(_object_schema(kind.fields))
    return s


def kind_for_id(record_id: str) -> Kind | None:
    prefix = record_id.split("-", 1)[0]
    return BY_PREFIX.get(prefix)


def field_reference() -> str:
    """The record format as Markdown tables, generated so the docs cannot drift from the model."""
    lines: list[str] = []

    def row(f: Field, prefix: str = ""):
        kind = TYPE_WORDS[f.type]
        if f.type == "enum":
            kind = " ".join(f"`{v}`" for v in f.enum)
        elif f.type == "ref":
            kind = "编号：" + "、".join(KINDS[k].title for k in f.refs)
        req = "必填" if f.required else ""
        note = f.help + ("（扩展字段）" if f.added else "")
        lines.append(f"| `{prefix}{f.name}` | {f.title} | {kind} | {req} | {note} |")
        children = f.fields or (f.item.fields if f.item is not None else ())
        for c in children:
            row(c, prefix + f.name + ("[]." if f.type == "list" else "."))

    for k in KINDS.values():
        extra = "（扩展类别）" if k.added else ""
        lines += [f"### {k.title}（{k.name}）{extra}", "", f"文件位置：`records/{k.folder}/`，编号以 `{k.prefix}-` 开头。", "",
                  "| 字段 | 含义 | 取值 | 必填 | 说明 |", "|---|---|---|---|---|"]
        for f in k.fields:
            row(f)
        lines.append("")
    return "\n".join(lines)
