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
ACTIONS = ("受理", "转派", "处理", "升级", "回复", "批示", "结案")
STATUSES = ("处理中", "已解决", "已结案")
METHODS = ("电话", "上门", "信函", "在线", "邮件")
PURPOSES = (
    "投诉回访", "维修回访", "安装回访", "意见征询", "建议回访", "例行回访",
    "送电前回访", "试运行回访", "质保期回访", "质保期外回访",
)
SATISFACTION = ("非常满意", "满意", "一般", "不太满意", "很不满意")
SIGNATURES = ("已签名", "拒签", "无")
CONTACT_PROBLEMS = ("空号", "信息错误", "联系人不符")
# What `huifang new --date D` writes for the unknown time of day (never an invented time).
TIME_PLACEHOLDER = "__:__"
CALLBACK_RESULTS = ("正常", "不属实", "不满意")


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
    name: str  # customer | order | complaint | visit | letter
    title: str
    folder: str  # under records/
    prefix: str  # id prefix
    main_date: str | None  # field whose month names the YYYY/MM folder
    fields: tuple[Field, ...]

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


SATISFACTION_OBJ = Field("satisfaction", "object", "满意度", fields=(
    _enum("product", "产品满意度", SATISFACTION),
    _enum("service", "服务满意度", SATISFACTION),
))

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
    ))),
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
))

ACTION = Field("action", "object", "处理记录", fields=(
    Field("at", "datetime", "时间", required=True),
    _text("by", "处理人"),
    _enum("action", "动作", ACTIONS, True),
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
))

VISIT = Kind("visit", "回访记录", "visits", "HF", "date", (
    _id("HF"),
    Field("date", "datetime", "回访时间", required=True),
    Field("recorded", "datetime", "记录时间", help="不填时以文件第一次提交的时间为准"),
    _enum("method", "回访方式", METHODS, True),
    _enum("purpose", "回访类别", PURPOSES, True),
    _ref("customer", "客户", "customer", required=True),
    Field("related", "list", "相关工单/投诉", item=_ref("related", "相关记录", "order", "complaint")),
    _text("visitor", "回访人", True),
    _text("interviewee", "受访人"),
    Field("reachable", "bool", "是否联系上", default=True),
    _enum("contact_problem", "联系问题", CONTACT_PROBLEMS, added=True,
          help="联系不上的原因：空号 / 信息错误 / 联系人不符（W-CB-06）"),
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
))

LETTER = Kind("letter", "公开信", "letters", "GKX", "date", (
    _id("GKX"),
    _text("issue", "同一问题键", True),
    Field("date", "date", "日期", required=True),
    _text("title", "标题", True),
    _text("body", "正文", True),
    Field("complaints", "list", "答复的投诉", item=_ref("complaint", "投诉", "complaint")),
    _text("approved_by", "批准人"),
))

KINDS: dict[str, Kind] = {k.name: k for k in (CUSTOMER, ORDER, COMPLAINT, VISIT, LETTER)}
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


def _hint(value, choices) -> str:
    near = nearest(value, choices)
    return f"，是不是想写“{near}”？" if near else "。"


def _check_value(f: Field, value: Any, path: tuple, out: list[Problem], refs: list, texts: dict) -> Any:
    """Check one value against its field; returns the value, or None when it is not of the field's type
    (so nothing downstream ever sees a list where a reference belongs)."""
    label = f.title
    t = f.type
    if isinstance(value, Bad) or (not isinstance(value, str) and t in ("text", "ref") and path in texts):
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
        if f.required and not value.strip():
            out.append(Problem(path, f"“{label}”（{f.name}）不能为空。"))
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
            result[key] = _plain(value, path + (key,), texts)  # shown as written, never read by rules
            continue
        result[key] = _check_value(f, value, path + (key,), out, refs, texts)
    for f in fields:
        if f.required and f.name not in data:
            out.append(Problem(path, f"缺少必填字段“{f.title}”（{f.name}）。"))
    return result


def _plain(value, path: tuple, texts: dict):
    """An unknown key's value with every unreadable scalar replaced by its source text."""
    if isinstance(value, _Invalid):
        return texts.get(path)
    if isinstance(value, dict):
        return {k: _plain(v, path + (k,), texts) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, path + (i,), texts) for i, v in enumerate(value)]
    return value


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
        lines += [f"### {k.title}（{k.name}）", "", f"文件位置：`records/{k.folder}/`，编号以 `{k.prefix}-` 开头。", "",
                  "| 字段 | 含义 | 取值 | 必填 | 说明 |", "|---|---|---|---|---|"]
        for f in k.fields:
            row(f)
        lines.append("")
    return "\n".join(lines)
