"""`huifang group`: one portal over many records repositories, from their exports.

A property group or a service network keeps one records repository per estate or branch, each
checked and built by its own CI job, which also writes ``huifang export`` (a versioned JSON
document: findings, open items, period figures). This module reads those exports into DuckDB and
builds a small group portal with MkDocs: compliance per estate and month, overdue duties,
satisfaction, and links into each estate's own portal. It never reads records or git: every
figure is the one the estate's own analysis computed (one truth), only summed or set side by side.

Which exports belong to the group and how each estate is named and linked is said either on the
command line (export files or folders of them; the file name is the estate's code) or in a group
file (``group.yml``)::

    title: 翠湖物业集团 回访合规总览
    portal: https://portal.example.com/{estate}/     # optional; {estate} is the estate's code
    estates:
      - code: cuihu
        name: 翠湖花园
        export: exports/cuihu.json                   # relative to this file
        portal: https://cuihu.example.com/           # optional, overrides the pattern above

DuckDB is an optional dependency (``pip install "huifang[group]"``): only this command needs it.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import shipped
from .export import SCHEMA_ID, TABLES, VERSION
from .load import parse

GROUP_FILE = "group.yml"
SUPPORTED = (VERSION,)  # export versions this module reads
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DUCK = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}


class GroupError(Exception):
    """A group file or an export that cannot be used; the message says which and why (Chinese)."""


@dataclass(frozen=True)
class Estate:
    code: str
    name: str
    export: Path
    portal: str | None = None


# --- which exports -----------------------------------------------------------------------------

def _portal(pattern: str | None, code: str) -> str | None:
    if not pattern:
        return None
    url = pattern.replace("{estate}", code)
    return url if url.endswith("/") else url + "/"


def read_group_file(path: Path, portal: str | None = None) -> tuple[str | None, list[Estate]]:
    """(title, estates) from a group file; GroupError names the line of anything wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GroupError(f"无法读取 {path}：{getattr(e, 'strerror', None) or e}。")
    parsed = parse(text)
    if parsed.problems or not isinstance(parsed.data, dict):
        line, _, message = (parsed.problems or [(1, "", "文件是空的或不是“字段: 值”的格式。")])[0]
        raise GroupError(f"{path} 第 {line} 行：{message}")
    data, lines = parsed.data, parsed.lines

    def fail(keys: tuple, message: str):
        line = next((lines[keys[:n]] for n in range(len(keys), -1, -1) if keys[:n] in lines), 1)
        raise GroupError(f"{path} 第 {line} 行：{message}")

    title = data.get("title")
    if title is not None and not isinstance(title, str):
        fail(("title",), "title（标题）应为文字。")
    pattern = data.get("portal", portal)
    if pattern is not None and not isinstance(pattern, str):
        fail(("portal",), "portal（门户地址）应为文字，例如 https://portal.example.com/{estate}/。")
    items = data.get("estates")
    if not isinstance(items, list) or not items:
        fail(("estates",), "estates（各项目）应为列表，每项写明 code、name、export。")
    out: list[Estate] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            fail(("estates", i), "每个项目应写成 code、name、export 几个字段。")
        code, name, export = item.get("code"), item.get("name"), item.get("export")
        if not isinstance(code, str) or not _CODE.match(code):
            fail(("estates", i, "code"), "code（项目代码）必填，只能用字母、数字、“-”“_”“.”，例如 cuihu。")
        if not isinstance(export, str) or not export.strip():
            fail(("estates", i, "export"), "export（导出文件）必填：该项目 huifang export 写出的 JSON 文件。")
        if name is not None and not isinstance(name, str):
            fail(("estates", i, "name"), "name（项目名称）应为文字。")
        own = item.get("portal")
        if own is not None and not isinstance(own, str):
            fail(("estates", i, "portal"), "portal（门户地址）应为文字。")
        out.append(Estate(code, name or code, (path.parent / export), _portal(own, code) or _portal(pattern, code)))
    return title, out


def estates_from(sources: list[Path], portal: str | None = None) -> list[Estate]:
    """Export files, or folders of them (*.json); each file's name is its estate's code."""
    out: list[Estate] = []
    for src in sources:
        if src.is_dir():
            files = sorted(p for p in src.iterdir() if p.suffix == ".json" and p.is_file())
            if not files:
                raise GroupError(f"文件夹 {src} 里没有导出文件（*.json）。")
        elif src.is_file():
            files = [src]
        else:
            raise GroupError(f"找不到 {src}。")
        for f in files:
            code = f.stem
            if not _CODE.match(code):
                raise GroupError(f"{f}：文件名就是项目代码，只能用字母、数字、“-”“_”“.”。")
            out.append(Estate(code, code, f, _portal(portal, code)))
    return out


# --- exports into DuckDB -------------------------------------------------------------------------

def _read_export(e: Estate) -> dict:
    try:
        with open(e.export, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as err:
        raise GroupError(f"项目 {e.code}：无法读取导出文件 {e.export}：{err.strerror or err}。")
    except (UnicodeDecodeError, ValueError):
        raise GroupError(f"项目 {e.code}：{e.export} 不是 JSON 文件（请用 huifang export --format json 生成）。")
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_ID:
        raise GroupError(f"项目 {e.code}：{e.export} 不是 huifang 的导出文件（缺少 \"schema\": \"{SCHEMA_ID}\"）。")
    if doc.get("version") not in SUPPORTED:
        raise GroupError(f"项目 {e.code}：导出格式版本 {doc.get('version')!r} 不受支持（这个 huifang 读取版本 "
                         f"{'、'.join(map(str, SUPPORTED))}）；请用同一版本的 huifang 重新导出。")
    for table in TABLES:
        if not isinstance(doc.get(table), list) or not all(isinstance(r, dict) for r in doc[table]):
            raise GroupError(f"项目 {e.code}：导出文件缺少“{table}”表或格式不对。")
    if not isinstance(doc.get("as_of"), str):
        raise GroupError(f"项目 {e.code}：导出文件缺少判断时刻 as_of。")
    return doc


def connect(estates: list[Estate]):
    """An in-memory DuckDB with the tables estates, findings, open_items and periods (each row
    carrying its estate's code), typed as the export's schema declares."""
    try:  # optional, and 0.1 s to import: loaded by this command only, never by check or build
        duckdb = importlib.import_module("duckdb")
    except ImportError:
        raise GroupError("huifang group 需要 DuckDB：请运行 pip install \"huifang[group]\"（或 pip install duckdb）。")
    codes = [e.code for e in estates]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise GroupError(f"项目代码重复：{'、'.join(dup)}；每个项目的代码必须不同。")
    con = duckdb.connect(":memory:")
    with tempfile.TemporaryDirectory(prefix="huifang-group-") as tmp:
        files = {t: open(Path(tmp) / f"{t}.jsonl", "w", encoding="utf-8") for t in (*TABLES, "estates")}
        try:
            for e in estates:
                doc = _read_export(e)
                files["estates"].write(json.dumps({
                    "estate": e.code, "name": e.name, "portal": e.portal, "as_of": doc["as_of"],
                    "as_of_day": doc.get("as_of_day"), "records": doc.get("records")}, ensure_ascii=False) + "\n")
                for table, fields in TABLES.items():
                    names = [n for n, _, _ in fields]
                    fh = files[table]
                    for row in doc[table]:
                        fh.write(json.dumps({"estate": e.code, **{n: row.get(n) for n in names}},
                                            ensure_ascii=False) + "\n")
        finally:
            for fh in files.values():
                fh.close()
        schemas = {t: {"estate": "VARCHAR", **{n: _type(t_) for n, t_, _ in fields}} for t, fields in TABLES.items()}
        schemas["estates"] = {"estate": "VARCHAR", "name": "VARCHAR", "portal": "VARCHAR", "as_of": "VARCHAR",
                              "as_of_day": "VARCHAR", "records": "BIGINT"}
        for table, cols in schemas.items():
            spec = "{" + ", ".join(f"'{n}': '{t}'" for n, t in cols.items()) + "}"
            path = (Path(tmp) / f"{table}.jsonl").as_posix()
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_json(?, format = 'newline_delimited', "
                        f"columns = {spec})", [path])
    return con


def _type(t) -> str:
    kinds = [k for k in (t if isinstance(t, list) else [t]) if k != "null"]
    return _DUCK.get(kinds[0], "VARCHAR") if kinds else "VARCHAR"


# --- the figures ---------------------------------------------------------------------------------

def summary(con) -> dict:
    """Everything the group pages show, as plain data; every number from one SQL query."""
    estates = [dict(zip(("code", "name", "portal", "as_of_day", "records"), r)) for r in con.execute(
        "SELECT estate, name, portal, as_of_day, records FROM estates ORDER BY estate").fetchall()]
    monthly = con.execute("""
        SELECT estate, period,
               count(*) FILTER (WHERE verdict = 'met') AS met,
               count(*) FILTER (WHERE verdict = 'missed') AS missed,
               count(*) FILTER (WHERE verdict = 'running') AS running
        FROM periods WHERE regexp_full_match(period, '\\d{4}-\\d{2}') AND NOT starts_with(label, '满意率')
        GROUP BY estate, period ORDER BY period, estate""").fetchall()
    months = sorted({m for _, m, *_ in monthly})
    cells = {(e, m): {"met": met, "missed": missed, "running": running} for e, m, met, missed, running in monthly}
    overdue = dict(con.execute("""
        SELECT estate, count(*) FROM open_items WHERE overdue GROUP BY estate""").fetchall())
    oldest = dict(con.execute("""
        SELECT estate, max(days_overdue) FROM open_items WHERE overdue GROUP BY estate""").fetchall())
    upcoming = dict(con.execute("""
        SELECT estate, count(*) FROM open_items WHERE NOT overdue GROUP BY estate""").fetchall())
    blocking = dict(con.execute("""
        SELECT estate, count(*) FROM findings WHERE severity = 'error' AND NOT coalesce(history, false)
        GROUP BY estate""").fetchall())
    by_rule = con.execute("""
        SELECT estate, rule, count(*) AS n, max(days_overdue) AS oldest FROM open_items WHERE overdue
        GROUP BY estate, rule ORDER BY estate, n DESC, rule""").fetchall()
    overdue_items: dict[str, list] = {}
    for code, *row in con.execute("""
            SELECT estate, rule, record, due, days_overdue FROM open_items WHERE overdue
            ORDER BY estate, days_overdue DESC, record, rule""").fetchall():
        overdue_items.setdefault(code, []).append(row)
    # Each 满意率 figure stays its own table (product and service quality are different questions:
    # adding them up would count one visit twice).
    satisfaction = con.execute("""
        SELECT label, estate, period, sum(numerator), sum(denominator)
        FROM periods WHERE starts_with(label, '满意率') AND regexp_full_match(period, '\\d{4}-\\d{2}')
        GROUP BY label, estate, period ORDER BY label, period, estate""").fetchall()
    sat: dict[str, dict] = {}
    for label, e, m, n, d in satisfaction:
        sat.setdefault(label, {})[(e, m)] = (int(n), int(d))
    latest = {}
    for (code, m), c in sorted(cells.items(), key=lambda kv: kv[0][1]):
        if c["met"] + c["missed"]:
            latest[code] = m  # the last month with a verdict
    return {"estates": estates, "names": {e["code"]: e for e in estates}, "latest": latest,
            "months": months, "cells": cells, "overdue": overdue, "oldest": oldest,
            "upcoming": upcoming, "blocking": blocking, "by_rule": by_rule, "overdue_items": overdue_items,
            "satisfaction": sat,
            "sat_months": {label: sorted({m for _, m in cells}) for label, cells in sat.items()}}


# --- pages and the site ----------------------------------------------------------------------------

_MD = str.maketrans({"|": "&#124;", "<": "&lt;", ">": "&gt;", "&": "&amp;", "*": "&#42;", "_": "&#95;",
                     "[": "&#91;", "]": "&#93;", "`": "&#96;", "\\": "&#92;", "\n": " ", "#": "&#35;"})


def md(value) -> str:
    """Text from an export or a group file, safe inside Markdown and HTML (tables included)."""
    return "" if value is None else str(value).translate(_MD)


def share(n: int, d: int) -> str:
    return f"{n / d:.1%}（{n}/{d}）" if d else "—"


def cell(c: dict | None) -> str:
    """One estate-month: the share of decided figures that were met, or that the month is running."""
    if not c or not (c["met"] + c["missed"] + c["running"]):
        return "—"
    if not c["met"] + c["missed"]:
        return "进行中"
    text = share(c["met"], c["met"] + c["missed"])
    return text + (f"，{c['running']} 项进行中" if c["running"] else "")


def pages(title: str, data: dict, templates: list[Path]) -> dict[str, str]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(t) for t in templates]), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["md"] = md
    env.globals["share"] = share
    env.globals["cell"] = cell
    out = {"index.md": env.get_template("index.md.j2").render(title=title, **data),
           "months.md": env.get_template("months.md.j2").render(title=title, **data),
           "overdue.md": env.get_template("overdue.md.j2").render(title=title, **data)}
    for e in data["estates"]:
        out[f"estates/{e['code']}.md"] = env.get_template("estate.md.j2").render(title=title, estate=e, **data)
    return out


def build(estates: list[Estate], out: Path, title: str | None = None, root: Path | None = None) -> dict:
    """Read the exports, write the pages and build the group site into `out` with MkDocs."""
    t0 = time.monotonic()
    con = connect(estates)
    data = summary(con)
    con.close()
    t1 = time.monotonic()
    title = title or "集团回访合规总览"
    docs = pages(title, data, shipped.search_path(root, "templates", "group"))
    out = out.resolve()
    work = Path(tempfile.mkdtemp(prefix="huifang-group-"))
    try:
        for rel, text in docs.items():
            p = work / "docs" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8", newline="\n")
        assets = shipped.path("templates", "portal", "assets")
        if assets.is_dir():
            shutil.copytree(assets, work / "docs" / "assets", dirs_exist_ok=True)
        config = work / "mkdocs.yml"
        config.write_text(
            f"INHERIT: {json.dumps(str(shipped.find(root, 'templates', 'group', 'mkdocs.yml')), ensure_ascii=False)}\n"
            f"site_name: {json.dumps(title, ensure_ascii=False)}\ndocs_dir: docs\n"
            f"site_dir: {json.dumps(str(out), ensure_ascii=False)}\n", encoding="utf-8")
        env = dict(os.environ, PYTHONHASHSEED="0", NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(config)], cwd=work,
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise GroupError(f"MkDocs 构建集团门户失败：\n{proc.stderr[-3000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"estates": len(estates), "pages": len(docs), "read_seconds": t1 - t0,
            "total_seconds": time.monotonic() - t0}
