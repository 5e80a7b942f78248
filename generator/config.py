"""Profile and thresholds: one committed file (`huifang.yml`), defaults documented in place.

Where the seed procedures disagree (PROCEDURES.md §0.4) each alternative is a named option;
a deployment picks one per parameter and may override any threshold, switch a rule off (with a
reason the portal shows) or downgrade a "shall" (应/要) rule to a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

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
          "REP-P5", ("V-REP-01",), "“第三类投诉”在种子文件中没有定义（§4.6）"),
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
          "VANKE-OLD", ("C-OFFH-01",), "种子文件只给出了旧做法的具体时限"),
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
)}

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
    "households": (1200, "户", "总户数，SPOT-5 的抽查上限按它的 5% 计算（W-SPOT-01）"),
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
    "default_reply_days": (30, "天", "投诉没有答复期限时，受理后几天内须有结果和答复（V-100-01）"),
    "escalation_days": (2, "天", "同一问题投诉达到次数后，几天内须上报负责人（V-ESC-01）"),
    "duplicate_days": (7, "天", "同一客户同一问题几天内的两条投诉视为重复记录（V-DUP-01）"),
    "year_min": (1990, "年", "记录里早于这一年的日期视为写错（读取记录时检查，--as-of 也不能早于它）"),
    "year_max": (2100, "年", "记录里晚于这一年的日期视为写错（读取记录时检查，--as-of 也不能晚于它）"),
}

SHALL_WORDS = ("应", "应该", "要", "需", "均需", "不应", "不应超过")


@dataclass
class RuleSwitch:
    enabled: bool = True
    reason: str = ""
    severity: str | None = None


@dataclass
class Config:
    profile: dict[str, str] = field(default_factory=lambda: {p.name: p.default for p in PARAMS.values()})
    thresholds: dict[str, Any] = field(default_factory=lambda: {k: v[0] for k, v in THRESHOLDS.items()})
    rules: dict[str, RuleSwitch] = field(default_factory=dict)
    days_off: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)
    third_category: list[str] = field(default_factory=list)  # REP-P4: categories where phone stays barred
    path: str | None = None

    def option(self, param: str) -> str:
        return self.profile[param]

    def threshold(self, name: str):
        return self.thresholds[name]

    def describe(self, param: str) -> str:
        """'PM-70：≤ 70%（000 P4 Art.4(3)）' — the profile value a finding or figure was judged against."""
        opt = self.profile[param]
        return f"{opt}：{PARAMS[param].options[opt]}"


def load_config(root: Path) -> Config:
    """Read huifang.yml (missing file = defaults); raise ConfigError with a Chinese sentence on bad values."""
    path = Path(root) / CONFIG_FILE
    cfg = Config()
    if not path.exists():
        return cfg
    cfg.path = CONFIG_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ConfigError(f"{CONFIG_FILE} {where}无法读取：请检查 YAML 格式（{getattr(e, 'problem', e)}）。")
    if not isinstance(data, dict):
        raise ConfigError(f"{CONFIG_FILE} 的最外层必须是键值对。")
    unknown = set(data) - {"profile", "thresholds", "rules", "calendar", "third_category"}
    if unknown:
        raise ConfigError(f"{CONFIG_FILE} 里有不认识的段落：{'、'.join(sorted(unknown))}。")
    for name, opt in (data.get("profile") or {}).items():
        if name not in PARAMS:
            raise ConfigError(f"{CONFIG_FILE} profile 里没有参数“{name}”，可用的有：{'、'.join(PARAMS)}。")
        opt = str(opt)
        if opt not in PARAMS[name].options:
            raise ConfigError(f"{CONFIG_FILE} profile.{name} 不能是“{opt}”，只能是：{'、'.join(PARAMS[name].options)}。")
        cfg.profile[name] = opt
    for name, value in (data.get("thresholds") or {}).items():
        if name not in THRESHOLDS:
            raise ConfigError(f"{CONFIG_FILE} thresholds 里没有“{name}”，可用的有：{'、'.join(THRESHOLDS)}。")
        default = THRESHOLDS[name][0]
        if isinstance(default, (int, float)) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ConfigError(f"{CONFIG_FILE} thresholds.{name} 应为数字。")
        cfg.thresholds[name] = value
    for rid, sw in (data.get("rules") or {}).items():
        if not isinstance(sw, dict):
            raise ConfigError(f"{CONFIG_FILE} rules.{rid} 应写成 enabled / reason / severity 键值对。")
        switch = RuleSwitch(bool(sw.get("enabled", True)), str(sw.get("reason") or ""), sw.get("severity"))
        if not switch.enabled and not switch.reason:
            raise ConfigError(f"{CONFIG_FILE} 关闭规则 {rid} 时必须写明原因（reason），门户上会显示。")
        if switch.severity not in (None, "error", "warning", "info"):
            raise ConfigError(f"{CONFIG_FILE} rules.{rid}.severity 只能是 error、warning 或 info。")
        cfg.rules[str(rid)] = switch
    cal = data.get("calendar") or {}
    try:
        cfg.days_off = [_as_date(d) for d in cal.get("days_off") or []]
        cfg.workdays = [_as_date(d) for d in cal.get("workdays") or []]
    except ValueError as e:
        raise ConfigError(f"{CONFIG_FILE} calendar 里的日期“{e}”无效，应写成 2026-12-31。")
    cfg.third_category = [str(c) for c in data.get("third_category") or []]
    return cfg


def _as_date(v) -> date:
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError:
        raise ValueError(v)


def default_config_text() -> str:
    """The commented huifang.yml a new deployment starts from (also the shipped demo's file)."""
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
        lines.append(f"  {name}: {default!r}".replace("'", '"'))
    lines += ["", "# 关闭某条规则（必须写原因，门户上会显示），或把“应/要”类规则降为警告：",
              "rules: {}", "#  V-DAY-01:", "#    enabled: false", "#    reason: 本部门回访记录由夜班统一录入",
              "#  C-REV-02:", "#    severity: warning", "",
              "# 本单位额外的休息日 / 上班日（在国家法定节假日安排之外）：",
              "calendar:", "  days_off: []", "  workdays: []", "",
              "# REP-P4 下第二次之后仍不可电话回访的投诉类别（“第三类投诉”，种子文件未定义，默认为空）：",
              "third_category: []", ""]
    return "\n".join(lines)
