"""`huifang export`: the Analysis as data, with a documented, versioned schema.

The export is what a group roll-up reads: several records repositories each export their
analysis, and DuckDB or a spreadsheet unions the files. Every table carries the schema version
and the as-of instant, so rows from different repositories and runs stay comparable. The
fields are declared once below; the JSON Schema (`huifang export --schema`) and the README
table come from the same declaration.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import IO

from .dates import as_of_day, period_bounds

SCHEMA_ID = "huifang-export"
VERSION = 1

# table -> [(field, JSON type, Chinese description)]
TABLES: dict[str, list[tuple[str, str | list, str]]] = {
    "findings": [
        ("rule", "string", "规则编号（格式问题为 YAML / SCHEMA，判断时刻之后的记录为 FUTURE）"),
        ("severity", "string", "error（错误）| warning（警告）| info（建议）"),
        ("file", ["string", "null"], "记录文件（相对仓库根目录）；期间问题为空"),
        ("line", ["integer", "null"], "行号"),
        ("record", ["string", "null"], "记录编号"),
        ("message", "string", "问题说明（中文）"),
        ("clause", ["string", "null"], "依据的程序条款"),
        ("threshold", ["string", "null"], "判断标准"),
        ("status", ["string", "null"], "有期限的义务：done（完成但晚于期限）| overdue（已逾期）；"
                                       "期间指标：running（进行中）| met | missed；其他问题为空"),
        ("due", ["string", "null"], "期限（ISO 8601 时刻，只写日期的期限为次日 00:00）"),
        ("period", ["string", "null"], "所属期间：YYYY、YYYY-Qn、YYYY-MM 或 YYYY-Www"),
        ("subject", ["string", "null"], "问题涉及的对象：记录、客户、同一问题的键或期间"),
        ("history", "boolean", "已成事实的违规（迟了的完成、已结束且未达标的期间）：保留在记录中，但不阻止提交"),
        ("explanation", ["object", "null"], "主管对这条违规的说明：by（说明人）、date（日期）、reason（原因）"),
        ("provisional", "boolean", "期限用到了日历还不知道的日子（按只休周末计算），是暂定的"),
    ],
    "open_items": [
        ("rule", "string", "规则编号"),
        ("record", "string", "须处理的记录；一个期间的定期工作（周报、接待日等）还没有记录时为空"),
        ("customer", ["string", "null"], "客户编号"),
        ("due", "string", "期限（ISO 8601 时刻）"),
        ("overdue", "boolean", "是否已逾期"),
        ("days_overdue", "integer", "逾期天数（按日历日，未逾期为 0）"),
        ("responsible", ["string", "null"], "由谁处理：记录里的负责人字段，否则 git 提交人（staff.yml 中的姓名）；期间义务为条款规定的岗位及 staff.yml 中担任该岗位的人"),
        ("what", "string", "要做什么（中文）"),
        ("file", ["string", "null"], "记录文件；期间的定期工作还没有记录时为空"),
        ("provisional", "boolean", "期限是暂定的：用到了日历还不知道的日子，按只休周末计算"),
    ],
    "periods": [
        ("kind", "string", "rule：规则按期间的指标（有标准和结论）；report：月度页面和报告里的统计（没有标准，verdict 为空）"),
        ("rule", "string", "规则编号（报告统计为它所服务的条款，MONTH 为月度结论：已有结论的指标中达标的）"),
        ("period", "string", "期间：YYYY、YYYY-Qn、YYYY-MM 或 YYYY-Www"),
        ("scope", "string", "子范围，如区域；空表示全部"),
        ("label", "string", "指标名称（中文）"),
        ("population", "string", "分母统计的是什么（中文）"),
        ("numerator", "integer", "分子"),
        ("denominator", "integer", "分母"),
        ("value", ["number", "null"], "分子 ÷ 分母（6 位小数）；分母为 0 时为空"),
        ("target", ["number", "null"], "目标值"),
        ("op", ["string", "null"], ">= 或 <="),
        ("threshold", "string", "判断标准（中文，含配置选项）；报告统计为空"),
        ("verdict", ["string", "null"], "met（达标）| missed（未达标）| running（期间进行中）；没有数据时为空"),
        ("end", "string", "期间结束的时刻（ISO 8601）"),
    ],
}


def _iso(v):
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def _ratio(v: float | None) -> float | None:
    return round(v, 6) if v is not None else None


def rows(analysis) -> dict[str, list[dict]]:
    """The three tables of the export, rows sorted so the output is deterministic."""
    findings = [{
        "rule": f.rule, "severity": f.severity, "file": f.file, "line": f.line, "record": f.record,
        "message": f.message, "clause": f.clause, "threshold": f.threshold, "status": f.status,
        "due": _iso(f.due), "period": f.period, "subject": f.subject, "history": f.history,
        "explanation": f.as_json()["explanation"], "provisional": f.provisional,
    } for f in analysis.findings]
    items = [{
        "rule": o.rule, "record": o.record, "customer": o.customer, "due": _iso(o.due_at), "overdue": o.overdue,
        "days_overdue": o.days_overdue, "responsible": o.responsible, "what": o.what, "file": o.file,
        "provisional": o.provisional,
    } for o in sorted(analysis.open_items, key=lambda o: (not o.overdue, o.due_at, o.record, o.rule))]
    periods = [{
        "kind": "rule", "rule": g.rule, "period": g.period, "scope": g.scope, "label": g.label,
        "population": g.population, "numerator": g.numerator, "denominator": g.denominator,
        "value": _ratio(g.value), "target": g.target, "op": g.op, "threshold": g.threshold, "verdict": g.status,
        "end": _iso(g.end),
    } for g in analysis.figures] + [{
        "kind": "report", "rule": x.rule, "period": x.period, "scope": x.scope, "label": x.label,
        "population": x.population, "numerator": x.numerator, "denominator": x.denominator,
        "value": _ratio(x.value), "target": None, "op": None, "threshold": "", "verdict": None,
        "end": _iso(period_bounds(x.period)[1]),
    } for x in analysis.reports.shares()]
    periods.sort(key=lambda r: (r["period"], r["kind"], r["rule"], r["scope"], r["label"]))
    return {"findings": findings, "open_items": items, "periods": periods}


def document(analysis) -> dict:
    """The whole export as one JSON document."""
    return {"schema": SCHEMA_ID, "version": VERSION, "as_of": analysis.as_of.isoformat(),
            "as_of_day": as_of_day(analysis.as_of).isoformat(), "records": analysis.n_files,
            "profile": dict(sorted(analysis.config.profile.items())), **rows(analysis)}


def write_json(analysis, out: IO[str]) -> None:
    json.dump(document(analysis), out, ensure_ascii=False, indent=2)
    out.write("\n")


def csv_text(analysis, table: str) -> str:
    """One table as CSV; every row also carries the schema version and the as-of instant."""
    buf = io.StringIO()
    names = ["version", "as_of"] + [name for name, _, _ in TABLES[table]]
    w = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    w.writeheader()
    for row in rows(analysis)[table]:
        w.writerow({"version": VERSION, "as_of": analysis.as_of.isoformat(),
                    **{k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()}})
    return buf.getvalue()


def write_csv_dir(analysis, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for table in TABLES:
        p = folder / f"{table}.csv"
        p.write_text(csv_text(analysis, table), encoding="utf-8", newline="")
        out.append(p)
    return out


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of the JSON export, from TABLES."""
    def table(fields):
        return {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": [n for n, _, _ in fields],
            "properties": {n: {"type": t, "description": d} for n, t, d in fields}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_ID}/v{VERSION}",
        "title": "huifang 分析导出",
        "type": "object",
        "additionalProperties": False,
        "required": ["schema", "version", "as_of", "as_of_day", "records", "profile", *TABLES],
        "properties": {
            "schema": {"const": SCHEMA_ID},
            "version": {"const": VERSION, "description": "导出格式的版本；字段含义改变时加一"},
            "as_of": {"type": "string", "description": "判断时刻（ISO 8601）；只写日期时为次日 00:00"},
            "as_of_day": {"type": "string", "description": "判断时刻所在的日期（北京时间）"},
            "records": {"type": "integer", "description": "读取的记录文件数"},
            "profile": {"type": "object", "description": "huifang.yml 里选定的程序选项",
                        "additionalProperties": {"type": "string"}},
            **{name: table(fields) for name, fields in TABLES.items()},
        },
    }
