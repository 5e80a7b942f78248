"""Profile and thresholds: one committed file (`huifang.yml`), defaults documented in place.

Where the seed procedures disagree (PROCEDURES.md §0.4) each alternative is a named option;
a deployment picks one per parameter and may override any threshold, switch a rule off (with a
reason the portal shows) or downgrade a "shall" (应/要) rule to a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import model
from .load import parse, read_in_repo

CONFIG_FILE = "huifang.yml"


class ConfigError(Exception):
    """A configuration the tool cannot run with; the message is a Chinese sentence naming file and line."""


@dataclass(frozen=True)
class Param:
    """One profile parameter: its options (option -> Chinese description), default and the rules it drives."""

    name: str
    title: str
    options: dict[str, str]
    default: str
    rules: tuple[str, ...]
    why: str


PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("phone_letter", "电话+信函回访占全年回访的上限",
          {"PM-70": "≤ 70%（000 P4 Art.4(3)）", "PM-60": "≤ 60%（000 P5 §4(3)）"},
          "PM-70", ("V-RATE-03",), "住宅园区规定（P4）是物业公司最常用的版本"),
    Param("spot_check", "每月维修质量抽查回访比例",
          {"SPOT-5": "派工单的 5%，且不超过总户数的 5%（000 P4 Art.2(4)）",
           "SPOT-30": "维修申请单的 30%（000 P5 §4(4)）"},
          "SPOT-5", ("W-SPOT-01",), "与 PM-70 同出自 P4，口径一致"),
    Param("response", "售后响应时限",
          {"RESP-A": "紧急 1 小时、一般 24 小时内答复（001 A §3.1）",
           "RESP-B": "2 小时内联系客户（001 L §3.1）",
           "RESP-C": "物业信息流转：一般 24 小时、重大 48 小时（001 Q ch.4）"},
          "RESP-A", ("T-RESP-01", "T-RESP-03"), "按投诉的紧急程度分级，最贴近投诉记录里的 urgency 字段"),
    Param("signature", "上门回访签名",
          {"SIGN-STRICT": "必须有客户签名（000 P3 §2、P4 Art.3(2)）",
           "SIGN-REFUSAL": "客户拒签时记录其态度即可（000 P5 §3(2)）"},
          "SIGN-REFUSAL", ("V-SIGN-01",), "拒签在现实中常见，如实记录态度比逼签更可信"),
    Param("repeat_visit", "第二次之后可用电话回访",
          {"REP-P4": "第二次之后可电话回访，“第三类投诉”除外（000 P4 Art.3(4)）",
           "REP-P5": "第二次之后可电话回访，无例外（000 P5 §3(3)）"},
          "REP-P5", ("V-REP-01",), "“第三类投诉”在程序文件中没有定义"),
    Param("open_letter", "公开信的触发条件",
          {"OL-P3": "多个业主反映同一问题（000 P3 §4）",
           "OL-P45": "同一问题需要回访时（000 P4 Art.3(5)、P5 §3(4)）"},
          "OL-P3", ("V-OL-01",), "“多个业主”可以从记录中直接数出来"),
    Param("anonymous", "不需回访的投诉",
          {"ANON-P3": "只有匿名投诉；处理结果写在投诉上（000 P3 §7）",
           "ANON-P45": "匿名或只需复函；复函附在投诉上（000 P4 Art.3(8)、P5 §3(6)）"},
          "ANON-P45", ("V-ANON-01", "V-ANON-02"), "同时覆盖上级转呈只需复函的情况"),
    Param("review", "回访审阅",
          {"REV-P1": "部门主管审阅并给出指导意见（000 P1）",
           "REV-P3": "客服主任检查、管理处负责人签署意见（000 P3 §2）",
           "REV-P4": "办公室事务助理检查并签署意见（000 P4 Art.3(3)）"},
          "REV-P1", ("V-REV-01", "V-REV-02"), "审阅即合并请求的批准，主管是合并的人"),
    Param("off_hours", "非工作时间收到的投诉",
          {"VANKE-OLD": "上班后 1 小时内转交处理（003 P1 §3.4 旧做法）",
           "VANKE-NEW": "不等到上班，按配置的最长时限处理（003 P1 §3.4 新做法）"},
          "VANKE-OLD", ("C-OFFH-01",), "程序文件只给出了旧做法的具体时限"),
    Param("scale", "满意度量表",
          {"5": "五级：非常满意、满意、一般、不太满意、很不满意（004 附表 2）",
           "4": "四级：非常满意、满意、一般、不满意（003 P4 §4.3.2）"},
          "5", ("S-SCALE-01",), "记录保存五级，统计时可折算为四级"),
    Param("method", "认可的回访方式",
          {"METH-PROP": "上门、电话、信函（含公开信）（000 P4 Art.1、P5 §1）",
           "METH-SALES": "电话、在线沟通工具、邮件（000 P1 §4.3(1)）",
           "METH-EQUIP": "电话、上门走访（002 §1、§6.1）",
           "METH-CALLBACK": "只用电话（004 §2.1）"},
          "METH-PROP", ("V-METH-02",), "与 PM-70、SPOT-5 同出自物业回访规定，口径一致"),
    Param("visit_roles", "由哪些岗位回访",
          {"ROLE-P3": "客户服务部主管（000 P3 §1）",
           "ROLE-P4": "办公室事务助理、维修主管、房管员；维修回访由维修主管、房管员（000 P4 Art.3(1)、Art.2(4)）",
           "ROLE-P5": "管理处主任、综合管理部主管、管理员；维修回访由管理员（000 P5 §3(1)、§4(4)）"},
          "ROLE-P4", ("V-ROLE-01",), "与 PM-70、SPOT-5 同出自住宅园区回访规定"),
)}

# The figure each option stands for (the clause's own number), read by the rules through
# Config.option_value: options choose between the seeds, so their numbers are not thresholds.
OPTION_VALUES: dict[str, dict[str, Any]] = {
    "phone_letter": {"PM-70": 0.70, "PM-60": 0.60},  # V-RATE-03: ceiling of phone and letter visits
    "spot_check": {"SPOT-5": 0.05, "SPOT-30": 0.30},  # W-SPOT-01: share of the month's repair orders
    "response": {  # T-RESP-01: hours from report to first response, by urgency
        "RESP-A": {"紧急": 1, "一般": 24},
        "RESP-B": {"紧急": 2, "一般": 2},
        "RESP-C": {"紧急": 2, "一般": 24},
    },
}

# V-METH-02: the visit methods (record `method` values) each METH-* option recognises.
METHODS_BY_OPTION: dict[str, tuple[str, ...]] = {
    "METH-PROP": ("上门", "电话", "信函"),
    "METH-SALES": ("电话", "在线", "邮件"),
    "METH-EQUIP": ("电话", "上门"),
    "METH-CALLBACK": ("电话",),
}

# name -> (default, unit, Chinese help)
THRESHOLDS: dict[str, tuple[Any, str, str]] = {
    "several_owners": (2, "位客户", "同一问题有几位不同客户反映时建议发公开信（V-OL-01）"),
    "several_complaints": (2, "次", "同一问题被投诉几次须上报负责人（V-ESC-01）"),
    "signed_onsite_min": (0.40, "比例", "有签名的上门回访占全年回访的下限（V-RATE-02）"),
    "households": (1200, "户", "总户数，SPOT-5 的抽查上限按它的一定比例计算（W-SPOT-01）"),
    "spot_cap_share": (0.05, "比例", "SPOT-5：每月抽查总量不超过总户数的这个比例（W-SPOT-01）"),
    "callback_ratio": (1.0, "比例", "完工单回访比例，旺季可统一下调（W-CB-01）"),
    "revisit_workdays": (5, "个工作日", "措施落实后首次回访的期限（C-REV-01）"),
    "quality_revisits": (2, "次", "产品质量投诉至少回访次数（C-REV-02）"),
    "service_revisits_max": (2, "次", "服务质量投诉回访次数上限，超过只作提示（C-REV-02）"),
    "off_hours_max_hours": (2, "小时", "VANKE-NEW：非工作时间投诉最迟多久开始处理（C-OFFH-01）"),
    "work_start": ("09:00", "时刻", "每天上班时间（C-OFFH-01）"),
    "work_end": ("18:00", "时刻", "每天下班时间（C-OFFH-01）"),
    "lifecycle_window_months": (1, "个月", "设备回访最迟可比应回访日期晚几个月（E-LC-05）"),
    "escalation_cycles": (2, "次", "客服经理层面不满意几次后须上报事业部（C-ESC-01）"),
    "same_day_grace_hours": (0, "小时", "当天记录的宽限（0 表示当天 24 点前）（V-DAY-01）"),
    "callback_followup_days": (3, "天", "不属实/不满意的完工回访后须在几天内二次回访（W-CB-05）"),
    "reverify_days": (3, "天", "空号/信息错误的回访须在几天内复核（W-CB-06）"),
    "feedback_days": (2, "天", "回访不满意后几天内开《信息反馈单》（E-FB-01）"),
    "feedback_revisit_workdays": (5, "个工作日", "信息反馈单处理完后几个工作日内再回访（E-FB-01）"),
    "major_customer_amount": (3000000, "元", "累计合同额达到多少为重大顾客（E-MAJOR-01）"),
    "review_days": (7, "天", "回访后几天内须由主管审阅（V-REV-01）"),
    "repeat_visit_workdays": (5, "个工作日", "回访仍不满意时，几个工作日内须再次回访（V-REP-01）"),
    "default_reply_days": (30, "天", "投诉受理后几天内须有结果和答复；答复期限更晚时按答复期限（V-100-01）"),
    "escalation_days": (2, "天", "同一问题投诉达到次数后，几天内须上报负责人（V-ESC-01）"),
    "duplicate_days": (7, "天", "同一客户同一问题几天内的两条投诉视为重复记录（V-DUP-01）"),
    "year_min": (1990, "年", "记录里早于这一年的日期视为写错（读取记录时检查，--as-of 也不能早于它）"),
    "year_max": (2100, "年", "记录里晚于这一年的日期视为写错（读取记录时检查，--as-of 也不能晚于它）"),
    "facts_since": ("", "日期", "从哪天起按计划、定期工作、报告和新增字段检查（如 2026-09-01）；"
                                "空表示不检查这些条款。之前的记录不要求补写当时没有记的事实"),
    "weekly_report_workdays": (1, "个工作日", "周报、每周提交最迟在下周第几个工作日内交（V-WEEK-01、V-RPT-01、W-HQ-01）"),
    "monthly_report_workdays": (3, "个工作日", "月度报告最迟在下月第几个工作日内交（W-MON-01、P-SUP-01、C-MON-01）"),
    "festivals": ("", "节日", "节日问候的节日，用顿号分隔，如 春节、中秋节（P-HOL-01）；空表示本单位没有规定"),
    "greeting_days": (7, "天", "节日问候最早可提前几天（P-HOL-01）"),
    "symposiums_per_year": (2, "次", "每年邀请业委会座谈的次数；0 表示没有业委会，改为制订与开发商的年度沟通计划（P-OC-01）"),
    "reception_notice_days": (7, "天", "经理接待日至少提前几天通知业主（P-RECEP-01）"),
    "service_department": ("客服中心", "部门", "客服部门的名称；其他部门收到的投诉要转交给它（C-CH-01）"),
    "onsite_workdays": (5, "个工作日", "电话解决不了的问题几个工作日内上门（E-FB-02）"),
    "survey_days": (7, "天", "服务完成后几天内发出满意度调查或回访（P-SURV-01）"),
    "handler_hours": (24, "小时", "处理人接到转派后几小时内反馈处理结果（T-RESP-02）"),
    "superior_hours": (2, "小时", "处理不了需请示的，转派后几小时内上报上级（T-RESP-02）"),
    "online_reply_hours": (24, "小时", "网上问题收到后几小时内回复（T-ONL-01）"),
    "reply_hours_general": (24, "小时", "RESP-C：一般问题几小时内把处理结果反馈给客户（T-RESP-03）"),
    "reply_hours_major": (48, "小时", "RESP-C：重大问题几小时内把处理结果反馈给客户并上报（T-RESP-03）"),
    "hq_sample_ratio": (0, "比例", "总部每周对各区域回访的抽访比例；0 表示每个有回访的区域至少抽访 1 单（W-HQ-01）"),
}

SHALL_WORDS = ("应", "应该", "要", "需", "均需", "不应", "不应超过")


@dataclass
class RuleSwitch:
    enabled: bool = True
    reason: str = ""
    severity: str | None = None


@dataclass(frozen=True)
class Holiday:
    """One holiday of a State Council arrangement: the days off (first..last) and its make-up working days."""

    name: str
    first: date
    last: date
    workdays: tuple[date, ...] = ()


@dataclass(frozen=True)
class CalendarYear:
    """A year's official arrangement entered by hand, for a year chinesecalendar does not know yet."""

    year: int
    source: str
    holidays: tuple[Holiday, ...]


@dataclass
class Config:
    """huifang.yml as typed options; every default lives in PARAMS / THRESHOLDS above."""

    profile: dict[str, str] = field(default_factory=lambda: {p.name: p.default for p in PARAMS.values()})
    thresholds: dict[str, Any] = field(default_factory=lambda: {k: v[0] for k, v in THRESHOLDS.items()})
    rules: dict[str, RuleSwitch] = field(default_factory=dict)
    days_off: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)
    years: dict[int, CalendarYear] = field(default_factory=dict)
    third_category: list[str] = field(default_factory=list)  # REP-P4: categories where phone stays barred
    path: str | None = None
    lines: dict[tuple, int] = field(default_factory=dict)  # key path -> line in huifang.yml

    def option(self, param: str) -> str:
        return self.profile[param]

    def option_value(self, param: str):
        """The figure the chosen option stands for (OPTION_VALUES), e.g. 0.7 for PM-70."""
        return OPTION_VALUES[param][self.profile[param]]

    def threshold(self, name: str):
        return self.thresholds[name]

    def describe(self, param: str) -> str:
        """'PM-70：≤ 70%（000 P4 Art.4(3)）' — the profile value a finding or figure was judged against."""
        opt = self.profile[param]
        return f"{opt}：{PARAMS[param].options[opt]}"

    def where(self, *path) -> str:
        """'huifang.yml 第 12 行' for a key path (the file alone when the line is unknown)."""
        line = self.lines.get(tuple(path))
        return f"{CONFIG_FILE} 第 {line} 行" if line else CONFIG_FILE


SECTIONS = {"profile": "程序选项", "thresholds": "阈值", "rules": "规则开关", "calendar": "日历",
            "third_category": "第三类投诉"}
CALENDAR_KEYS = ("days_off", "workdays", "years")
RULE_KEYS = ("enabled", "reason", "severity")
YEAR_KEYS = ("source", "holidays")
HOLIDAY_KEYS = ("name", "from", "to", "workdays")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class _Problems:
    """Collects every problem of the file with its line, so one run names them all."""

    def __init__(self, lines: dict, texts: dict | None = None):
        self.lines, self.texts, self.items = lines, texts or {}, []

    def add(self, path: tuple, text: str) -> None:
        for n in range(len(path), 0, -1):
            line = self.lines.get(path[:n])
            if line:
                break
        else:
            line = None
        self.items.append(f"{CONFIG_FILE}{f' 第 {line} 行' if line else ''}：{text}")

    def show(self, path: tuple, value) -> str:
        """A value the way the clerk typed it, for a message: “text”, or what it is (列表, 键值对, 空的)."""
        if path in self.texts and self.texts[path].strip():
            return f"“{_short(self.texts[path])}”"
        if isinstance(value, dict):
            return "键值对"
        if isinstance(value, list):
            return "列表"
        if value is None or value is model.INVALID or (isinstance(value, str) and not value.strip()):
            return "空的"
        if isinstance(value, bool):
            return f"“{str(value).lower()}”"
        return f"“{_short(str(value))}”"


def _short(text: str, n: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n] + "…"


def _dotted(path: tuple) -> str:
    """('calendar', 'days_off', 0) -> 'calendar.days_off 第 1 项'."""
    keys = ".".join(str(k) for k in path if not isinstance(k, int))
    items = "".join(f" 第 {k + 1} 项" for k in path if isinstance(k, int))
    return keys + items


def _is_text(path: tuple) -> bool:
    """Whether the value at this key path is text (then an unquoted 0755 or .nan stays as typed)."""
    match path:
        case ("profile", str()) | ("third_category", int()) | ("rules", str(), "reason") \
                | ("calendar", "years", str(), "source") | ("calendar", "years", str(), "holidays", int(), "name"):
            return True
        case ("thresholds", str() as name) if name in THRESHOLDS:
            default, unit, _ = THRESHOLDS[name]
            return isinstance(default, str) and unit != "日期"
    return False


_DROP = object()


def _settle(value, path: tuple, out: _Problems):
    """Every scalar the YAML reader could not turn into a value (.nan, 0755, 2026-02-30, !!int '') becomes the
    source text where text is expected, or one Chinese sentence naming its key; nothing internal reaches a message."""
    if isinstance(value, model.Bad):
        if _is_text(path) and path in out.texts:
            return out.texts[path]
        out.add(path, f"{_dotted(path)}：{value.reason}。")
        return _DROP if path and not isinstance(path[-1], int) else model.INVALID
    if isinstance(value, dict):
        return {k: v for k, v in ((k, _settle(v, path + (k,), out)) for k, v in value.items()) if v is not _DROP}
    if isinstance(value, list):
        return [_settle(v, path + (i,), out) for i, v in enumerate(value)]
    if _is_text(path) and path in out.texts and not isinstance(value, (dict, list)):
        return out.texts[path]  # scale: 5 is the option "5", festivals: 春节 stays text
    return value


def load_config(root: Path) -> Config:
    """Read huifang.yml once into typed options (missing file = defaults).

    Raises ConfigError naming every bad key with its line, in Chinese; never a traceback.
    """
    cfg = Config()
    raw, why = read_in_repo(root, CONFIG_FILE)  # never a FIFO, a device, a link out of the repository, a huge file
    if why:
        raise ConfigError(f"{CONFIG_FILE} 无法读取：{why}。")
    if raw is None:
        return cfg
    cfg.path = CONFIG_FILE
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise ConfigError(f"{CONFIG_FILE} 第 {line} 行：文件不是 UTF-8 编码，请用编辑器“另存为”UTF-8 后再试。")
    parsed = parse(text)
    data, lines, parse_problems = parsed.data, parsed.lines, parsed.problems
    cfg.lines = lines
    if data is None:
        if parsed.shape == "empty":  # nothing but comments: every default applies
            return cfg
        if parsed.shape in ("list", "text"):
            line = parse_problems[0][0]
            raise ConfigError(f"{CONFIG_FILE} 第 {line} 行：配置应由 {'、'.join(SECTIONS)} 这些“段落: 内容”组成，"
                              f"这个文件的最外层却是{'列表' if parsed.shape == 'list' else '一段文字'}。")
        line, _, message = parse_problems[0]
        raise ConfigError(f"{CONFIG_FILE} 第 {line} 行无法读取：{message}")
    out = _Problems(lines, parsed.texts)
    for line, _, message in parse_problems:
        out.items.append(f"{CONFIG_FILE} 第 {line} 行：{message}")
    data = _settle(data, (), out)
    for key in data:
        if key not in SECTIONS:
            near = model.nearest(str(key), SECTIONS)
            out.add((key,), f"不认识的段落“{key}”" + (f"，是不是“{near}”？" if near else "，")
                    + f"可用的有：{'、'.join(SECTIONS)}。")
    _profile(cfg, data.get("profile"), out)
    _thresholds(cfg, data.get("thresholds"), out)
    _rules(cfg, data.get("rules"), out)
    _calendar(cfg, data.get("calendar"), out)
    third = data.get("third_category")
    if third is not None:
        if not isinstance(third, list) or not all(isinstance(c, str) or c is model.INVALID for c in third):
            out.add(("third_category",), "third_category 应是投诉类别的列表，例如 [工程质量]。")
        else:
            cfg.third_category = [c for c in third if isinstance(c, str)]
    if out.items:
        raise ConfigError("\n".join(out.items))
    return cfg


def _mapping(value, path: tuple, out: _Problems, what: str) -> dict:
    if value is None or value is model.INVALID:
        return {}
    if not isinstance(value, dict):
        out.add(path, f"{what}应写成“名称: 值”的键值对。")
        return {}
    return value


def _text(value, path: tuple, out: _Problems, what: str) -> str:
    """Free text of the file (a reason, a source, a name); a list or a mapping there is a problem."""
    if value is None or value is model.INVALID:
        return ""
    if isinstance(value, (dict, list)):
        out.add(path, f"{what}应是一段文字，这里写的是{out.show(path, value)}。")
        return ""
    return str(value).strip()


def _profile(cfg: Config, value, out: _Problems) -> None:
    for name, opt in _mapping(value, ("profile",), out, "profile ").items():
        if name not in PARAMS:
            near = model.nearest(str(name), PARAMS)
            out.add(("profile", name), f"profile 里没有参数“{name}”" + (f"，是不是“{near}”？" if near else "，")
                    + f"可用的有：{'、'.join(PARAMS)}。")
            continue
        if not isinstance(opt, str) or opt.strip() not in PARAMS[name].options:
            out.add(("profile", name), f"profile.{name} 不能是{out.show(('profile', name), opt)}，"
                                       f"只能是：{'、'.join(PARAMS[name].options)}。")
            continue
        cfg.profile[name] = opt.strip()


# The largest value that still means something, per unit (a bigger one is a typing mistake, and would
# overflow the date arithmetic of the rules); year_min / year_max have their own window.
MAXIMA = {"位客户": 100_000, "次": 1_000, "户": 10_000_000, "个工作日": 2_500, "天": 3_660, "小时": 8_784,
          "个月": 120, "元": 10 ** 13}
YEAR_WINDOW = (1900, 2200)
MINIMA = {"several_owners": 1, "several_complaints": 1, "escalation_cycles": 1}  # "how many times": 0 means nothing


def _threshold_value(name: str, value):
    """The value in its declared type, or a Chinese reason why it cannot be."""
    default, unit, _ = THRESHOLDS[name]
    if unit == "时刻":  # the text as typed (an unquoted 10:30 would be a base-60 number in YAML 1.1)
        m = _CLOCK.match(value.strip()) if isinstance(value, str) else None
        if not m:
            return None, "应为 24 小时制时刻，例如 \"09:00\""
        return f"{int(m[1]):02d}:{m[2]}", None
    if unit == "日期":
        if value in ("", None):
            return "", None
        if isinstance(value, datetime) or not isinstance(value, (date, str)):
            return None, "应为日期，例如 2026-09-01（留空表示不限）"
        try:  # kept as text like the default: "2026-09-01"
            return date.fromisoformat(str(value).strip()).isoformat(), None
        except ValueError:
            return None, "应为日期，例如 2026-09-01（留空表示不限）"
    if isinstance(default, str):
        if isinstance(value, (dict, list)) or value is None:
            return None, "应为一段文字"
        return str(value), None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, "应为数字"
    if unit == "比例":
        if not 0 <= value <= 1:
            return None, "应为 0 到 1 之间的比例，例如 0.4 表示 40%"
        return float(value), None
    if value < MINIMA.get(name, 0):
        return None, "不能是负数" if value < 0 else f"至少是 {MINIMA[name]}"
    if isinstance(default, int) and not float(value).is_integer():
        return None, f"应为整数（单位：{unit}）"
    if unit == "年" and not YEAR_WINDOW[0] <= value <= YEAR_WINDOW[1]:
        return None, f"应在 {YEAR_WINDOW[0]} 到 {YEAR_WINDOW[1]} 年之间"
    if unit in MAXIMA and value > MAXIMA[unit]:
        return None, f"太大了，最多 {MAXIMA[unit]:,}（单位：{unit}），请检查是否写错"
    return (int(value) if isinstance(default, int) else value), None


def _thresholds(cfg: Config, value, out: _Problems) -> None:
    for name, v in _mapping(value, ("thresholds",), out, "thresholds ").items():
        if name not in THRESHOLDS:
            near = model.nearest(str(name), THRESHOLDS)
            out.add(("thresholds", name), f"thresholds 里没有“{name}”" + (f"，是不是“{near}”？" if near else "。")
                    + "全部阈值见 huifang.yml 的注释或 README。")
            continue
        typed, problem = _threshold_value(name, v)
        if problem:
            out.add(("thresholds", name), f"thresholds.{name} 是{out.show(('thresholds', name), v)}，{problem}。")
            continue
        cfg.thresholds[name] = typed
    if _as_minutes(cfg.thresholds["work_start"]) >= _as_minutes(cfg.thresholds["work_end"]):
        out.add(("thresholds", "work_end"), "下班时间（work_end）必须晚于上班时间（work_start）。")
    if cfg.thresholds["year_min"] > cfg.thresholds["year_max"]:
        out.add(("thresholds", "year_max"), "year_max 不能早于 year_min。")


def _as_minutes(clock: str) -> int:
    h, m = str(clock).split(":")
    return int(h) * 60 + int(m)


def _rules(cfg: Config, value, out: _Problems) -> None:
    for rid, sw in _mapping(value, ("rules",), out, "rules ").items():
        path = ("rules", rid)
        if not isinstance(sw, dict):
            out.add(path, f"rules.{rid} 应写成 enabled / reason / severity 键值对。")
            continue
        bad = [k for k in sw if k not in RULE_KEYS]
        for k in bad:
            out.add(path + (k,), f"rules.{rid} 里没有“{k}”，只能写 enabled（true/false）、reason（原因）、"
                                 f"severity（error/warning/info）。")
        enabled = sw.get("enabled", True)
        if not isinstance(enabled, bool):
            out.add(path + ("enabled",), f"rules.{rid}.enabled 只能是 true 或 false。")
            continue
        severity = sw.get("severity")
        switch = RuleSwitch(enabled, _text(sw.get("reason"), path + ("reason",), out, f"rules.{rid}.reason "),
                            severity if isinstance(severity, str) else None)
        if not switch.enabled and not switch.reason:
            out.add(path, f"关闭规则 {rid} 时必须写明原因（reason），门户上会显示。")
        if severity not in (None, "error", "warning", "info"):
            out.add(path + ("severity",), f"rules.{rid}.severity 只能是 error、warning 或 info。")
            continue
        cfg.rules[str(rid)] = switch


def _dates(value, path: tuple, out: _Problems, what: str) -> list[date]:
    if value is None or value is model.INVALID:
        return []
    if not isinstance(value, list):
        out.add(path, f"{what}应是日期列表，例如 [2027-01-04]。")
        return []
    got = []
    for i, d in enumerate(value):
        if isinstance(d, date) and not isinstance(d, datetime):
            got.append(d)
        elif d is not model.INVALID:  # INVALID: already named with its reason
            out.add(path + (i,), f"{what}里的{out.show(path + (i,), d)}不是日期，应写成 2027-01-04。")
    return got


def _calendar(cfg: Config, value, out: _Problems) -> None:
    cal = _mapping(value, ("calendar",), out, "calendar ")
    for k in cal:
        if k not in CALENDAR_KEYS:
            out.add(("calendar", k), f"calendar 里没有“{k}”，只能写 days_off（本单位额外休息日）、workdays（额外上班日）"
                                     f"和 years（官方日历还没有的年份的放假安排）。")
    cfg.days_off = _dates(cal.get("days_off"), ("calendar", "days_off"), out, "calendar.days_off ")
    cfg.workdays = _dates(cal.get("workdays"), ("calendar", "workdays"), out, "calendar.workdays ")
    for d in sorted(set(cfg.days_off) & set(cfg.workdays)):
        out.add(("calendar", "workdays"), f"{d} 同时写在了 days_off 和 workdays 里，只能是其中一种。")
    for year, spec in _mapping(cal.get("years"), ("calendar", "years"), out, "calendar.years ").items():
        path = ("calendar", "years", year)
        if not str(year).isdigit() or not 2000 <= int(year) <= 2100:
            out.add(path, f"calendar.years 的“{year}”应是年份，例如 2027。")
            continue
        year = int(year)
        spec = _mapping(spec, path, out, f"calendar.years.{year} ")
        if not spec:
            out.add(path, f"calendar.years.{year} 须写明 source 和 holidays。")
            continue
        for k in spec:
            if k not in YEAR_KEYS:
                out.add(path + (k,), f"calendar.years.{year} 里没有“{k}”，只能写 source（通知的名称和文号）和 holidays。")
        source = _text(spec.get("source"), path + ("source",), out, f"calendar.years.{year}.source ")
        if not source:
            out.add(path, f"calendar.years.{year} 须写明 source：国务院办公厅通知的名称和文号，门户上会显示来源。")
        rows = spec.get("holidays")
        if not isinstance(rows, list) or not rows:
            out.add(path + ("holidays",), f"calendar.years.{year}.holidays 应列出当年每个节日的放假日期和调休上班日。")
            continue
        holidays = []
        for i, h in enumerate(rows):
            hp = path + ("holidays", i)
            if h is model.INVALID:
                continue
            h = _mapping(h, hp, out, "每个节日")
            for k in h:
                if k not in HOLIDAY_KEYS:
                    out.add(hp + (k,), f"节日里没有“{k}”，只能写 name（名称）、from（放假第一天）、to（最后一天）"
                                       f"和 workdays（调休上班日）。")
            first, last = h.get("from"), h.get("to", h.get("from"))
            if not all(isinstance(d, date) and not isinstance(d, datetime) and d.year == year for d in (first, last)) \
                    or first > last:
                out.add(hp, f"节日要写 from（放假第一天）和 to（最后一天，只放一天可不写），都是 {year} 年的日期，"
                            f"且 from 不晚于 to。")
                continue
            name = _text(h.get("name"), hp + ("name",), out, "节日的 name ")
            holidays.append(Holiday(name or f"第 {i + 1} 个节日", first, last,
                                    tuple(_dates(h.get("workdays"), hp + ("workdays",), out, "workdays "))))
        cfg.years[year] = CalendarYear(year, source, tuple(holidays))


def default_config_text(values: dict[str, Any] | None = None) -> str:
    """The commented huifang.yml a new deployment starts from; the shipped demo's file is this text
    with the few thresholds the demo unit chose (`values`)."""
    values = values or {}
    lines = ["# huifang 配置：程序文件之间有分歧的地方，在这里选定一种做法。",
             "# 每条检查结果和每项月度指标都会写明按哪个选项、哪个阈值判断；huifang rules 编号 打印一条规则的全文。",
             "", "profile:"]
    for p in PARAMS.values():
        lines.append(f"  # {p.title}（{'、'.join(p.rules)}）；默认 {p.default}，因为{p.why}。")
        for opt, desc in p.options.items():
            lines.append(f"  #   {opt}: {desc}")
        lines.append(f"  {p.name}: {p.default}")
    lines += ["", "thresholds:"]
    for name, (default, unit, help_) in THRESHOLDS.items():
        lines.append(f"  # {help_}；单位：{unit}")
        lines.append(f"  {name}: {values.get(name, default)!r}".replace("'", '"'))
    lines += ["", "# 关闭某条规则（必须写原因，门户上会显示），或把“应/要”类规则降为警告：",
              "rules: {}", "#  V-DAY-01:", "#    enabled: false", "#    reason: 本部门回访记录由夜班统一录入",
              "#  C-REV-02:", "#    severity: warning", "",
              "# 本单位额外的休息日 / 上班日（在国家法定节假日安排之外）；",
              "# years：chinesecalendar 还不知道的年份，按国务院办公厅通知填写放假日期和调休上班日（huifang calendar 查看覆盖情况）：",
              "calendar:", "  days_off: []", "  workdays: []", "  years: {}",
              "#  2027:", "#    source: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕○号）",
              "#    holidays:", "#      - name: 元旦", "#        from: 2027-01-01", "#        to: 2027-01-03",
              "#      - name: 春节", "#        from: 2027-02-06", "#        to: 2027-02-12", "#        workdays: [2027-02-14]",
              "",
              "# REP-P4 下第二次之后仍不可电话回访的投诉类别（“第三类投诉”，程序文件未定义，默认为空）：",
              "third_category: []", ""]
    return "\n".join(lines)
