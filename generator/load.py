"""Load: record files -> Record objects with the line of every key, plus YAML/SCHEMA findings.

Safe YAML only. libyaml's C parser composes the node tree; a small walker turns nodes into
Python values while keeping each key's line, detecting duplicate keys, refusing tags that are
not plain YAML types and bounding alias expansion. One broken file never stops the others.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import model, privacy
from .findings import Finding
from .dates import TZ

try:  # libyaml's C parser when present (it is in the PyPI wheels), else the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader

RECORDS_DIR = "records"
EXTENSIONS = (".yml", ".yaml")
MAX_NODES = 20_000  # a record has a few hundred nodes; more means an alias bomb
_Y = "tag:yaml.org,2002:"
_PLAIN = {_Y + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "value")}
_SC = SafeConstructor()
_TS = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2})(?:\.(?P<f>\d*))?"
    r"(?:[ \t]*(?P<tz>Z|(?P<sign>[-+])(?P<th>\d{1,2})(?::?(?P<tm>\d{2}))?))?)?$")

# libyaml's English problems, said the way a clerk understands them.
_SYNTAX = [
    ("mapping values are not allowed", "这里出现了多余的冒号；文字里含有“: ”时，请用引号把整段文字括起来"),
    ("could not find expected ':'", "缺少冒号“:”，每个字段都要写成“字段: 值”"),
    ("found character '\\t'", "不能用 Tab 缩进，请改用空格"),
    ("cannot start any token", "这一行以 YAML 不允许的字符开头（例如 Tab、@ 或 `），请用引号括起来或改用空格缩进"),
    ("did not find expected key", "缩进不对齐，同一层的字段要用相同数量的空格缩进"),
    ("did not find expected '-'", "列表的缩进不对齐，每一项要以相同缩进的“- ”开头"),
    ("expected <block end>", "缩进不对齐，同一层的字段要用相同数量的空格缩进"),
    ("found unexpected end of stream", "引号或括号没有配对"),
    ("found undefined alias", "引用了没有定义的别名（*名称）"),
    ("did not find expected node content", "这里缺少内容，检查是否多写了“-”或逗号"),
    ("found unknown escape character", "双引号里的反斜杠“\\”被当成转义符了，请改用单引号或写成“\\\\”"),
]


class Record:
    """One loaded record: kind, id, repo-relative path, values and the line of every key."""

    __slots__ = ("kind", "id", "path", "data", "lines", "valid")

    def __init__(self, kind: model.Kind, rid: str, path: str, data: dict, lines: dict):
        self.kind, self.id, self.path, self.data, self.lines = kind, rid, path, data, lines
        self.valid = True

    def line(self, *keys) -> int:
        """Line of a key path (falls back to the nearest enclosing key, then line 1)."""
        for n in range(len(keys), 0, -1):
            ln = self.lines.get(tuple(keys[:n]))
            if ln:
                return ln
        return self.lines.get((), 1)

    def get(self, key, default=None):
        v = self.data.get(key)
        return default if v is None else v

    def __getitem__(self, key):
        return self.data.get(key)

    def __repr__(self):
        return f"<{self.kind.name} {self.id}>"


class _Walk:
    """Turns a composed node tree into values and a line map, collecting problems as it goes."""

    def __init__(self):
        self.lines: dict[tuple, int] = {}
        self.problems: list[tuple[int, str, str]] = []  # (line, rule, message)
        self.nodes = 0
        self.stack: set[int] = set()

    def value(self, node, path: tuple):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Abort(node.start_mark.line + 1,
                         f"文件展开后超过 {MAX_NODES} 个值，可能是恶意的别名（&/*）嵌套，已停止读取。")
        tag = node.tag
        if tag not in _PLAIN:
            self.problems.append((node.start_mark.line + 1, "YAML",
                                  f"不允许使用 YAML 标签“{tag.replace(_Y, '!!')}”：记录里只能写文字、数字、日期、"
                                  f"true/false、列表和键值对。"))
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if id(node) in self.stack:
            raise _Abort(node.start_mark.line + 1, "别名（*）引用了它自己所在的内容，形成了死循环。")
        self.stack.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                out = []
                for i, item in enumerate(node.value):
                    self.lines[path + (i,)] = item.start_mark.line + 1
                    out.append(self.value(item, path + (i,)))
                return out
            out = {}
            seen: dict[str, int] = {}
            for knode, vnode in node.value:
                line = knode.start_mark.line + 1
                if knode.tag == _Y + "merge":
                    self.problems.append((line, "YAML", "不支持 YAML 合并键“<<”，请把字段直接写出来。"))
                    continue
                if not isinstance(knode, ScalarNode) or knode.tag not in _PLAIN:
                    self.problems.append((line, "YAML", "字段名必须是普通文字。"))
                    continue
                key = str(self.scalar(knode))
                if key in seen:
                    self.problems.append((line, "YAML",
                                          f"字段“{key}”写了两次（第 {seen[key]} 行和第 {line} 行），"
                                          f"只会保留后一个；请删掉多余的一个。"))
                seen[key] = line
                self.lines[path + (key,)] = line
                out[key] = self.value(vnode, path + (key,))
            return out
        finally:
            self.stack.discard(id(node))

    def scalar(self, node: ScalarNode):
        tag, text = node.tag, node.value
        if tag == _Y + "str":
            return text
        if tag == _Y + "null":
            return None
        if tag == _Y + "bool":
            return _SC.bool_values[text.lower()]
        if tag == _Y + "int":
            return _SC.construct_yaml_int(node)
        if tag == _Y + "float":
            return _SC.construct_yaml_float(node)
        if tag == _Y + "timestamp":
            return self.timestamp(node)
        return text

    def timestamp(self, node: ScalarNode):
        m = _TS.match(node.value.strip())
        if not m:
            self.problems.append((node.start_mark.line + 1, "SCHEMA", f"“{node.value}”不是有效的日期。"))
            return model.INVALID
        try:
            d = date(int(m["y"]), int(m["m"]), int(m["d"]))
            if m["H"] is None:
                return d
            frac = int((m["f"] or "0")[:6].ljust(6, "0"))
            dt = datetime(d.year, d.month, d.day, int(m["H"]), int(m["M"]), int(m["S"]), frac)
        except ValueError:
            self.problems.append((node.start_mark.line + 1, "SCHEMA",
                                  f"日期“{node.value}”不存在（检查月份和日期，例如 2 月没有 30 日）。"))
            return model.INVALID
        if m["tz"] is None:
            return dt.replace(tzinfo=TZ)  # no zone means Asia/Shanghai
        if m["tz"] == "Z":
            return dt.replace(tzinfo=timezone.utc).astimezone(TZ)
        offset = timedelta(hours=int(m["th"]), minutes=int(m["tm"] or 0))
        tz = timezone(offset if m["sign"] == "+" else -offset)
        return dt.replace(tzinfo=tz).astimezone(TZ)


class _Abort(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def _syntax_message(err: yaml.MarkedYAMLError) -> str:
    text = f"{err.context or ''} {err.problem or ''}"
    for needle, zh in _SYNTAX:
        if needle in text:
            return f"YAML 格式错误：{zh}。"
    return f"YAML 格式错误：{(err.problem or err.context or '无法解析').strip()}。"


def _decode(raw: bytes) -> tuple[str | None, int, str]:
    """UTF-8 text, or (None, line, Chinese explanation) for files in another encoding."""
    try:
        return raw.decode("utf-8-sig"), 0, ""
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        guess = ""
        for enc, name in (("gb18030", "GBK/GB2312"), ("big5", "Big5")):
            try:
                raw.decode(enc)
                guess = f"看起来是 {name} 编码，"
                break
            except UnicodeDecodeError:
                pass
        return None, line, (f"文件不是 UTF-8 编码（第 {line} 行有无法识别的文字），{guess}"
                            f"请用编辑器“另存为”并选择 UTF-8 编码。")


def parse(text: str) -> tuple[dict | None, dict, list[tuple[int, str, str]]]:
    """YAML text -> (mapping or None, line map, problems). Never raises on bad input."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if "another document" in str(e.problem) or "single document" in str(e.context):
            return None, {}, [(mark.line + 1 if mark else 1, "YAML",
                               "一个文件里只能有一条记录，这里出现了第二个文档（---）；请拆成两个文件。")]
        return None, {}, [(mark.line + 1 if mark else 1, "YAML", _syntax_message(e))]
    except yaml.YAMLError as e:
        return None, {}, [(1, "YAML", f"YAML 格式错误：{e}。")]
    finally:
        loader.dispose()
    if node is None:
        return None, {}, [(1, "YAML", "文件是空的：请填写记录内容，或删除这个文件。")]
    if not isinstance(node, MappingNode):
        what = "列表" if isinstance(node, SequenceNode) else "一段文字"
        return None, {}, [(node.start_mark.line + 1, "YAML",
                           f"记录必须是“字段: 值”的键值对，这个文件的最外层却是{what}。")]
    walk = _Walk()
    walk.lines[()] = node.start_mark.line + 1
    try:
        data = walk.value(node, ())
    except _Abort as a:
        return None, {}, walk.problems + [(a.line, "YAML", a.message)]
    except RecursionError:
        return None, {}, [(1, "YAML", "文件嵌套层次太深，无法读取。")]
    return data, walk.lines, walk.problems


def _kind_of_path(rel: str) -> model.Kind | None:
    parts = rel.split("/")
    return model.BY_FOLDER.get(parts[1]) if len(parts) > 2 and parts[0] == RECORDS_DIR else None


def load_file(root: Path, rel: str) -> tuple[Record | None, list[Finding], list]:
    """One file -> (record or None, findings, unresolved references to check later)."""
    findings: list[Finding] = []

    def add(rule, line, message, severity="error", rid=None):
        findings.append(Finding(rule, severity, rel, line, rid, message))

    folder_kind = _kind_of_path(rel)
    if folder_kind is None:
        kinds = "、".join(f"{k.folder}/（{k.title}）" for k in model.KINDS.values())
        add("SCHEMA", 1, f"文件不在任何记录类别的文件夹里，没有读取；记录应放在 records/ 下的 {kinds}。", "warning")
        return None, findings, []
    try:
        raw = (root / rel).read_bytes()
    except OSError as e:
        add("YAML", 1, f"无法读取文件：{e.strerror}。")
        return None, findings, []
    text, line, why = _decode(raw)
    if text is None:
        add("YAML", line, why)
        return None, findings, []
    data, lines, problems = parse(text)
    for pline, rule, msg in problems:
        add(rule, pline, msg)
    if data is None:
        return None, findings, []

    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    rid = data.get("id")
    kind = folder_kind
    if isinstance(rid, str) and rid:
        id_kind = model.kind_for_id(rid)
        if id_kind is not None and id_kind is not folder_kind:
            add("SCHEMA", lines.get(("id",), 1),
                f"编号 {rid} 是{id_kind.title}的编号，文件却放在 {folder_kind.folder}/（{folder_kind.title}）下；"
                f"请移到 records/{id_kind.folder}/。", rid=rid)
            kind = id_kind
        if rid != stem:
            add("SCHEMA", lines.get(("id",), 1),
                f"编号“{rid}”与文件名“{stem}”不一致；两者必须相同（改文件名或改编号）。", rid=rid)
    else:
        rid = stem
    values, schema_problems, refs = model.validate(kind, data)
    for p in schema_problems:
        ln = _line_for(lines, p.path)
        add("SCHEMA", ln, p.message, p.severity, rid)
    for path, msg in privacy.free_text_problems(kind, values):  # a phone or room number typed into free text
        add("SCHEMA", _line_for(lines, path), msg, "warning", rid)
    record = Record(kind, rid, rel, values, lines)
    record.valid = not any(f.severity == "error" for f in findings)
    _check_month_folder(record, add)
    return record, findings, [(record, path, value, kinds) for path, value, kinds in refs]


def _line_for(lines: dict, path: tuple) -> int:
    for n in range(len(path), -1, -1):
        if tuple(path[:n]) in lines:
            return lines[tuple(path[:n])]
    return 1


def _check_month_folder(record: Record, add) -> None:
    field = record.kind.main_date
    when = record.data.get(field) if field else None
    if not isinstance(when, date):
        return
    expected = f"{when.year:04d}/{when.month:02d}"
    parts = record.path.split("/")
    actual = "/".join(parts[2:4]) if len(parts) == 5 else None
    if actual != expected:
        add("SCHEMA", record.line(field),
            f"文件应放在 records/{record.kind.folder}/{expected}/ 月份文件夹下（按“{model.KINDS[record.kind.name].by_name[field].title}”的月份）。",
            "warning", record.id)


def record_files(root: Path) -> list[str]:
    """Every record file under records/, repo-relative with '/' separators, sorted."""
    base = root / RECORDS_DIR
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        out.extend(f"{rel_dir}/{n}" for n in filenames if n.endswith(EXTENSIONS) and not n.startswith("."))
    return sorted(out)


class RecordSet:
    """All records that loaded, with the indexes rules and pages share."""

    def __init__(self, records: list[Record]):
        self.all = sorted(records, key=lambda r: r.id)
        self.by_id = {r.id: r for r in self.all}
        self.by_path = {r.path: r for r in self.all}
        groups = defaultdict(list)
        for r in self.all:
            if r.valid:
                groups[r.kind.name].append(r)
        self.customers = groups["customer"]
        self.orders = sorted(groups["order"], key=lambda r: (r["completed"], r.id))
        self.complaints = sorted(groups["complaint"], key=lambda r: (r["received"], r.id))
        self.visits = sorted(groups["visit"], key=lambda r: (r["date"], r.id))
        self.letters = sorted(groups["letter"], key=lambda r: (r["date"], r.id))

    def __len__(self):
        return len(self.all)

    @cached_property
    def visits_by_related(self) -> dict[str, list[Record]]:
        """order/complaint id -> visits that follow it up (via related or feedback), by date."""
        out = defaultdict(list)
        for v in self.visits:
            for rid in v.get("related", []):
                out[rid].append(v)
        return out

    @cached_property
    def by_customer(self) -> dict[str, list[Record]]:
        out = defaultdict(list)
        for r in self.orders + self.complaints + self.visits:
            if r["customer"]:
                out[r["customer"]].append(r)
        return out

    @cached_property
    def issues(self) -> dict[str, list[Record]]:
        """issue key -> complaints raising it (同一问题), by receipt time."""
        out = defaultdict(list)
        for c in self.complaints:
            if c["issue"]:
                out[c["issue"]].append(c)
        return dict(sorted(out.items()))

    @cached_property
    def letters_by_issue(self) -> dict[str, list[Record]]:
        out = defaultdict(list)
        for letter in self.letters:
            out[letter["issue"]].append(letter)
        return out


def load(root: Path) -> tuple[RecordSet, list[Finding]]:
    """Load every record under root/records; one broken file never stops the others."""
    root = Path(root)
    records: list[Record] = []
    findings: list[Finding] = []
    pending: list = []
    for rel in record_files(root):
        rec, found, refs = load_file(root, rel)
        findings.extend(found)
        pending.extend(refs)
        if rec is not None:
            records.append(rec)
    findings.extend(_cross_checks(records, pending))
    return RecordSet(records), findings


def _cross_checks(records: list[Record], pending: list) -> list[Finding]:
    """Checks that need every record: unique ids and references that resolve."""
    out: list[Finding] = []
    owners = defaultdict(list)
    for r in records:
        owners[r.id].append(r)
    by_id = {}
    for rid, rs in owners.items():
        by_id[rid] = rs[0]
        if len(rs) > 1:
            files = "、".join(r.path for r in rs)
            for r in rs:
                r.valid = False
                out.append(Finding("SCHEMA", "error", r.path, r.line("id"), rid,
                                   f"编号 {rid} 重复：{files} 都用了这个编号；每条记录的编号必须唯一。"))
    ids_by_kind = defaultdict(list)
    for r in records:
        ids_by_kind[r.kind.name].append(r.id)
    for rec, path, value, kinds in pending:
        target = by_id.get(value)
        if target is not None and target.kind.name in kinds:
            continue
        names = "或".join(model.KINDS[k].title for k in kinds)
        if target is not None:
            msg = f"“{value}”是{target.kind.title}，这里应填{names}的编号。"
        else:
            near = model.nearest(value, [i for k in kinds for i in ids_by_kind[k]])
            hint = f"是不是“{near}”？" if near else f"请先建立这条{names}记录，或改正编号。"
            msg = f"找不到编号为“{value}”的{names}，{hint}"
        rec.valid = False
        out.append(Finding("SCHEMA", "error", rec.path, rec.line(*path), rec.id, msg))
    return out
