"""The Finding type and the reporters of `huifang check` (text, json, github, gitlab)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import IO, Iterable

from .dates import show_instant

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "建议"}
# A time-bound duty is done (a finding only when done late), open (a to-do, not a finding) or
# overdue; a period quota is running until its period ends, then met or missed.
STATUS_ZH = {"done": "已完成但晚于期限", "open": "未到期", "overdue": "已逾期", "running": "期间进行中",
             "met": "已达标", "missed": "未达标"}
# Breaches no edit can repair any more: they stay on record but never make a check fail.
HISTORY = ("done", "missed")


@dataclass(frozen=True)
class Explanation:
    """A supervisor's explanation of a breach, recorded in the record's `explanations`."""

    by: str
    date: date
    reason: str

    def __str__(self) -> str:
        return f"{self.by}（{self.date}）：{self.reason}"


@dataclass(frozen=True)
class Finding:
    """One defect or suggestion: which rule, where, and what the procedure asks for (in Chinese).

    Besides its message a finding carries its facts: `subject` (the record, customer, issue
    key or period it is about), `period` ('YYYY-MM' or 'YYYY'), `due` (the deadline instant of
    a time-bound duty) and `status` (see STATUS_ZH; None for findings that are not about time).
    """

    rule: str
    severity: str
    file: str | None
    line: int | None
    record: str | None
    message: str
    clause: str | None = None  # the seed clause, e.g. "000 P4 Art.4(3)"
    threshold: str | None = None  # what it was judged against, e.g. "≤ 70%（PM-70）"
    status: str | None = None
    due: datetime | None = None
    period: str | None = None
    subject: str | None = None
    related: tuple[str, ...] = ()  # the records a period finding counts against
    explanation: Explanation | None = None
    provisional: bool = False  # the deadline counts days the calendar does not know (weekends only)

    @property
    def history(self) -> bool:
        """A breach that can no longer be repaired (done late, a closed period missed)."""
        return self.status in HISTORY

    @property
    def blocking(self) -> bool:
        """Errors make `check` fail, except history: it stays on record but blocks nobody."""
        return self.severity == "error" and not self.history

    def sort_key(self):
        return (self.file or "~", self.line or 0, SEVERITY_ORDER[self.severity], self.rule, self.message)

    def as_json(self) -> dict:
        out = {name: getattr(self, name) for name in _FIELDS}
        out["due"] = self.due.isoformat() if self.due else None
        out["related"] = list(self.related)
        out["history"] = self.history
        e = self.explanation
        out["explanation"] = {"by": e.by, "date": e.date.isoformat(), "reason": e.reason} if e else None
        return out


_FIELDS = tuple(f.name for f in fields(Finding))


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    c = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        c[f.severity] += 1
    return c


def summary(n_records: int, findings: list[Finding]) -> str:
    c = counts(findings)
    history = sum(1 for f in findings if f.severity == "error" and f.history)
    note = f"（其中 {history} 个是已成事实的违规，保留在记录中但不阻止提交）" if history else ""
    return (f"共检查 {n_records} 条记录：{c['error']} 个错误{note}，{c['warning']} 个警告，{c['info']} 条建议。")


def rule_help(rule: str) -> str:
    """Where to read a finding's rule in full (the command prints it; docs/rules.md and the portal's rules page too)."""
    return f"huifang rules {rule}"


CROSS_MARK = "跨记录"  # a finding on another file (or a period) that involves the files asked about


def _detail(f: Finding) -> str:
    extra = []
    if f.status in ("overdue", "done", "missed", "running"):
        extra.append(STATUS_ZH[f.status] + (f"，期限 {show_instant(f.due)}" if f.due else "")
                     + ("（暂定：按只休周末计算，见 huifang calendar）" if f.provisional else ""))
    if f.threshold:
        extra.append(f"标准：{f.threshold}")
    if f.clause:
        extra.append(f"依据：{f.clause}")
    extra.append(f"规则全文：{rule_help(f.rule)}")
    if f.explanation:
        extra.append(f"主管说明：{f.explanation}")
    return f.message + f"（{'；'.join(extra)}）"


def report_text(n_records: int, findings: list[Finding], out: IO[str], color: bool | None = None,
                cross: frozenset = frozenset()) -> None:
    """Findings grouped by file, then period findings, then one summary line.

    `cross`: findings shown because they involve the files asked about, though they sit on another
    file or on a whole period (`check PATH…`, `check --changed`); they are marked as such."""
    if color is None:
        color = out.isatty() and os.environ.get("NO_COLOR") is None
    paint = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}

    def tag(sev: str) -> str:
        word = SEVERITY_ZH[sev]
        return f"{paint[sev]}{word}\033[0m" if color else word

    groups: dict[str | None, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.file].append(f)
    for file in sorted(groups, key=lambda k: (k is None, k or "")):
        out.write(f"{file if file else '整体（按期间统计）'}\n")
        for f in groups[file]:
            where = f"第 {f.line} 行" if f.line else ""
            rec = f" [{f.record}]" if f.record and not file else ""
            mark = f" [{CROSS_MARK}]" if f in cross else ""
            out.write(f"  {where:<8} {tag(f.severity)} {f.rule}{rec}{mark}：{_detail(f)}\n")
        out.write("\n")
    if cross:
        out.write(f"标 [{CROSS_MARK}] 的 {sum(1 for f in findings if f in cross)} 条在别的文件或整个期间上，"
                  f"因为涉及所查的文件（同一客户、同一问题、相关记录或同一期间）而列出。\n")
    out.write(summary(n_records, findings) + "\n")


def report_json(n_records: int, findings: list[Finding], out: IO[str], cross: frozenset = frozenset()) -> None:
    """One finding per line, each encoded by json's C encoder (an indented dump runs the pure-Python
    encoder: seconds for tens of thousands of findings)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    out.write('{\n  "records": %d,\n  "findings": [' % n_records)
    out.write(",".join("\n    " + encode({**f.as_json(), "help": rule_help(f.rule), "cross_record": f in cross})
                       for f in findings))
    out.write("\n  ]\n}\n" if findings else "]\n}\n")


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


GITHUB_LIMIT = 10  # the platform shows at most 10 annotations of each level per step


def report_github(n_records: int, findings: list[Finding], out: IO[str], cross: frozenset = frozenset()) -> None:
    """Workflow annotations for the first 10 errors and 10 warnings, then the full list for the log."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    shown = {"error": 0, "warning": 0}
    for f in findings:
        if f.severity not in shown or shown[f.severity] >= GITHUB_LIMIT:
            continue
        shown[f.severity] += 1
        props = []
        if f.file:
            props.append(f"file={_escape_prop(f.file)}")
            if f.line:
                props.append(f"line={f.line}")
        props.append(f"title={_escape_prop(f.rule)}")
        mark = f"{CROSS_MARK}：" if f in cross else ""
        out.write(f"::{level[f.severity]} {','.join(props)}::{_escape_data(mark + _detail(f))}\n")
    hidden = sum(1 for f in findings if f.severity in shown) - sum(shown.values())
    if hidden:
        out.write(f"另有 {hidden} 条未作为注释显示（平台每类最多显示 {GITHUB_LIMIT} 条），完整列表如下：\n")
    out.write("::group::完整检查结果\n")
    report_text(n_records, findings, out, color=False, cross=cross)
    out.write("::endgroup::\n")


GITLAB_SEVERITY = {"error": "critical", "warning": "minor", "info": "info"}


def report_gitlab(n_records: int, findings: list[Finding], out: IO[str], cross: frozenset = frozenset()) -> None:
    """GitLab's Code Quality report (a JSON array), so findings appear in the merge request.

    A finding about a whole period has no file; it is reported on `records` (the records folder).
    The fingerprint is stable across runs, so GitLab can tell new findings from old ones."""
    rows = []
    for f in findings:
        key = "\x1f".join(str(x) for x in (f.rule, f.file, f.line, f.record, f.message))
        mark = f"{CROSS_MARK}：" if f in cross else ""
        rows.append({
            "type": "issue",
            "check_name": f.rule,
            "description": f"{f.rule} {SEVERITY_ZH[f.severity]}：{mark}{_detail(f)}",
            "severity": GITLAB_SEVERITY[f.severity],
            "fingerprint": hashlib.sha256(key.encode("utf-8")).hexdigest(),
            "location": {"path": f.file or "records", "lines": {"begin": f.line or 1}},
        })
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")


REPORTERS = {"text": report_text, "json": report_json, "github": report_github, "gitlab": report_gitlab}


def report(fmt: str, n_records: int, findings: list[Finding], out: IO[str] | None = None,
           cross: Iterable[Finding] = ()) -> None:
    REPORTERS[fmt](n_records, findings, out or sys.stdout, cross=frozenset(cross))
