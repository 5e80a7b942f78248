"""Load: record files -> Record objects with the line of every key, plus YAML/SCHEMA findings.

Safe YAML only, and nothing a file can hold escapes as an exception. Only regular files inside the
repository are opened, and only up to MAX_BYTES. libyaml's C parser yields events; a small
iterative builder (no recursion, so no nesting depth can crash the process) turns them into
values while keeping each key's line, enforcing depth and size limits as it goes, detecting
duplicate keys, refusing tags that are not plain YAML types and bounding alias expansion.
Every scalar goes through `_scalar`, the one place that turns YAML text into a value or a
`model.Bad` carrying the Chinese reason. One broken file never stops the others.
"""

from __future__ import annotations

import bisect
import errno
import math
import os
import re
import stat
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import model, privacy
from .cache import ParseCache, git_blob_ids
from .findings import Finding
from .dates import TZ

try:  # libyaml's C parser when present (it is in the PyPI wheels), else the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader

RECORDS_DIR = "records"
EXTENSIONS = (".yml", ".yaml")
MAX_NODES = 20_000  # values after alias expansion; a record has a few hundred, more means an alias bomb
MAX_DEPTH = 50  # a record nests three or four levels; deeper is a mistake or an attack
MAX_BYTES = 1_000_000  # the largest real record is a few KB; a bigger file is not read at all
MAX_DIGITS = 18  # no field holds a longer number; longer ones are pasted IDs or garbage
YEARS = (1990, 2100)  # time stamps outside this window are typing mistakes (load(..., years=) changes it)
APPROVERS = {"letter": (("approved_by", "公开信的批准人"),)}  # a key written but left empty means a half-filled record
_ID = re.compile(r"[A-Za-z]+-[A-Za-z0-9-]+")
_Y = "tag:yaml.org,2002:"
_PLAIN = {_Y + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "value")}
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
    ("control characters are not allowed", "文件里有不可见的控制字符，请删除它们（常见于从其他软件复制的文字）"),
    ("special characters are not allowed", "文件里有不可见的控制字符，请删除它们（常见于从其他软件复制的文字）"),
    ("did not find expected ',' or ']'", "方括号 [ ] 没有配对，或列表的两项之间缺少逗号"),
    ("did not find expected ',' or '}'", "花括号 { } 没有配对，或两组“字段: 值”之间缺少逗号"),
    ("block sequence entries are not allowed", "这里不能开始一个“- ”列表；列表要另起一行，并比字段名多缩进"),
    ("found unexpected ':'", "这里出现了多余的冒号；文字里含有冒号时，请用引号把整段文字括起来"),
    ("did not find expected comment or line break", "引号结束后同一行还有别的内容；整段文字要放在一对引号里"),
    ("did not find expected whitespace or line break", "这里缺少空格或换行"),
    ("found undefined tag handle", "这里用了没有定义的 YAML 标签（以 ! 开头），请删掉它"),
    ("did not find expected tag URI", "这里的 YAML 标签（以 ! 开头）写得不完整，请删掉它"),
    ("while scanning an anchor", "“&”或“*”后面要紧跟名称；文字以 & 或 * 开头时，请用引号括起来"),
    ("while scanning an alias", "“&”或“*”后面要紧跟名称；文字以 & 或 * 开头时，请用引号括起来"),
    ("found incompatible YAML document", "文件开头的 %YAML 版本写错了，请删掉这一行"),
    ("found duplicate", "文件开头的 %YAML 或 %TAG 写了两次，请删掉多余的一行"),
    ("while scanning a directive", "以 % 开头的行是 YAML 指令；文字以 % 开头时，请用引号括起来"),
    ("did not find expected <document start>", "文档结束符“...”或指令之后缺少“---”；请删掉多余的“...”或 % 开头的行"),
    ("expected <document start>", "文档结束符“...”之后还有内容；请删掉多余的“...”"),
    ("while scanning a block scalar", "“|”或“>”后面只能写在行尾，多行文字从下一行开始并多缩进"),
    ("while scanning a quoted scalar", "引号没有配对"),
    ("did not find expected hexdecimal number", "双引号里的“\\x”或“\\u”后面要跟十六进制数字；文字里的反斜杠请改用单引号括起来"),
    ("found a tab character", "不能用 Tab 缩进，请改用空格"),
]


class Record(dict):
    """One loaded record: kind, id, repo-relative path, values and the line of every key.

    The record is its own mapping of values, so `record[key]` (None for a missing key) is one C call:
    the rules read fields millions of times at 100,000 records. Records compare and hash by identity
    (two files with the same text are still two records); `data` is a plain copy of the values.
    """

    __slots__ = ("kind", "id", "path", "lines", "valid")

    def __init__(self, kind: model.Kind, rid: str, path: str, data: dict, lines: dict):
        dict.__init__(self, data)
        self.kind, self.id, self.path, self.lines = kind, rid, path, lines
        self.valid = True

    __getitem__ = dict.get  # a missing key reads as None
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __bool__(self):
        return True

    @property
    def data(self) -> dict:
        """The values as a plain dict (a copy)."""
        return dict(self)

    def line(self, *keys) -> int:
        """Line of a key path (falls back to the nearest enclosing key, then line 1)."""
        for n in range(len(keys), 0, -1):
            ln = self.lines.get(tuple(keys[:n]))
            if ln:
                return ln
        return self.lines.get((), 1)

    def get(self, key, default=None):
        v = dict.get(self, key)
        return default if v is None else v

    def __repr__(self):
        return f"<{self.kind.name} {self.id}>"


# --- scalars: the one place YAML text becomes a value -------------------------------------------

def _scalar(tag: str, text: str, years: tuple[int, int] = YEARS):
    """A resolved scalar -> its value, or model.Bad with the Chinese reason. Never raises.

    YAML 1.1 turns some typed text into surprising numbers (0755 is octal, 1:30 is 90); those are
    refused here instead of passing silently. Text fields get the source text back (see model).
    """
    try:
        if tag == _Y + "str" or tag == _Y + "value":
            return text
        if tag == _Y + "null":
            return None
        if tag == _Y + "bool":
            value = SafeConstructor.bool_values.get(text.strip().lower())
            return value if value is not None else model.Bad(f"“{text}”不是 true 或 false")
        if tag == _Y + "int":
            return _int(text)
        if tag == _Y + "float":
            return _float(text)
        if tag == _Y + "timestamp":
            return _timestamp(text, years)
    except (ValueError, ArithmeticError, IndexError, TypeError):
        pass
    word = _TAG_WORDS.get(tag, "值")
    return model.Bad(f"标明是{word}，却没有填写" if not text.strip() else f"“{_short(text)}”无法读取为{word}")


_TAG_WORDS = {_Y + "int": "整数", _Y + "float": "数字", _Y + "timestamp": "日期", _Y + "bool": "true 或 false"}


def _short(text: str, n: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[:n] + "…"


def _int(text: str):
    t = text.strip().replace("_", "")
    sign = -1 if t[:1] == "-" else 1
    digits = t.lstrip("+-")
    if len(digits) > MAX_DIGITS:
        return model.Bad(f"数字“{_short(text)}”位数太多（超过 {MAX_DIGITS} 位）；如果是编号或电话，请加引号写成文字")
    if ":" in digits:
        return model.Bad(f"“{text}”会被当成六十进制数字；如果是时间或文字，请加引号")
    if digits[:2] in ("0b", "0x"):
        return sign * int(digits[2:], 2 if digits[1] == "b" else 16)
    if len(digits) > 1 and digits[0] == "0":
        return model.Bad(f"“{text}”以 0 开头，会被当成八进制数字；请去掉开头的 0，编号或电话请加引号")
    return sign * int(digits)


def _float(text: str):
    t = text.strip().replace("_", "").lower()
    if t.lstrip("+-") in (".inf", ".nan"):
        return model.Bad(f"“{text}”不是一个有限的数字")
    if ":" in t:
        return model.Bad(f"“{text}”会被当成六十进制数字；如果是时间或文字，请加引号")
    if len(t.lstrip("+-").split("e")[0].replace(".", "")) > MAX_DIGITS + 2:
        return model.Bad(f"数字“{_short(text)}”位数太多")
    value = float(t)
    if not math.isfinite(value):
        return model.Bad(f"数字“{_short(text)}”超出范围")
    return value


def _timestamp(text: str, years: tuple[int, int]):
    m = _TS.match(text.strip())
    if not m:
        return model.Bad(f"“{_short(text)}”不是有效的日期")
    y = int(m["y"])
    if not years[0] <= y <= years[1]:
        return model.Bad(f"日期“{text}”的年份 {y} 不在 {years[0]}–{years[1]} 年之间，请检查是否写错")
    try:
        d = date(y, int(m["m"]), int(m["d"]))
        if m["H"] is None:
            return d
        frac = int((m["f"] or "0")[:6].ljust(6, "0"))
        dt = datetime(d.year, d.month, d.day, int(m["H"]), int(m["M"]), int(m["S"]), frac)
    except ValueError:
        return model.Bad(f"日期“{text}”不存在（检查月份、日期和时间，例如 2 月没有 30 日、一天没有 25 点）")
    if m["tz"] is None:
        return dt.replace(tzinfo=TZ)  # no zone means Asia/Shanghai
    if m["tz"] == "Z":
        return dt.replace(tzinfo=timezone.utc).astimezone(TZ)
    hours, minutes = int(m["th"]), int(m["tm"] or 0)
    if hours > 14 or minutes > 59:
        return model.Bad(f"日期时间“{text}”的时区“{m['tz']}”不存在（时区在 -12:00 到 +14:00 之间，北京时间是 +08:00）")
    offset = timedelta(hours=hours, minutes=minutes)
    return dt.replace(tzinfo=timezone(offset if m["sign"] == "+" else -offset)).astimezone(TZ)


# --- YAML text -> values, iteratively -----------------------------------------------------------

@dataclass
class Parsed:
    """What one YAML text holds: values (or None), the line of every key path, the source text of
    every scalar that did not resolve to text (for text fields), and problems (line, rule, message)."""

    data: dict | None
    lines: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    shape: str = ""  # when data is None for want of a mapping: "empty", "list" or "text" (the outermost value)


class _Abort(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _Frame:
    __slots__ = ("value", "path", "anchor", "tag_ok", "as_key", "key", "seen", "mark", "size")

    def __init__(self, value, path, anchor, tag_ok, as_key, mark):
        self.value, self.path, self.anchor, self.tag_ok, self.as_key = value, path, anchor, tag_ok, as_key
        self.key: object = _NOKEY  # mapping: the pending key, _BADKEY, or _NOKEY while a key is expected
        self.seen: dict = {}
        self.mark = mark  # index into _Builder.order where this collection's line entries start
        self.size = 1  # values inside, aliases expanded


_NOKEY, _BADKEY = object(), object()


class _Builder:
    """Events -> values and a line map with an explicit stack; every limit is checked before it is exceeded."""

    def __init__(self, loader, years, line_of):
        self.loader, self.years, self.line_of = loader, years, line_of
        self.lines: dict[tuple, int] = {}
        self.order: list[tuple] = []  # line-map keys in the order they were added
        self.texts: dict[tuple, str] = {}
        self.problems: list[tuple[int, str, str]] = []
        self.nodes = 0
        self.anchors: dict[str, tuple | None] = {}  # name -> (value, path, first, last, size); None while open
        self.stack: list[_Frame] = []
        self.root = None
        self.root_line = 1

    def _count(self, n: int, line: int) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise _Abort(line, f"文件展开后超过 {MAX_NODES} 个值，可能是恶意的别名（&/*）嵌套，已停止读取。")

    def _line(self, path, line) -> None:
        if path is not None:
            self.lines[path] = line
            self.order.append(path)

    def _slot(self, line: int):
        """Where the next value goes: (its path or None when discarded, whether it is a mapping key)."""
        if not self.stack:
            self.root_line = line
            return (), False
        top = self.stack[-1]
        if isinstance(top.value, list):
            path = None if top.path is None else top.path + (len(top.value),)
            self._line(path, line)
            return path, False
        if top.key is _NOKEY:
            return None, True
        if top.key is _BADKEY or top.path is None:
            return None, False
        return top.path + (top.key,), False

    def _attach(self, value, size: int) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.size += size
        if isinstance(top.value, list):
            top.value.append(value)
            return
        if top.key is not _BADKEY:
            top.value[top.key] = value
        top.key = _NOKEY

    def _tag(self, tag, kind, value, implicit, line) -> tuple[str, bool]:
        if tag is None or tag == "!":
            tag = self.loader.resolve(kind, value, implicit)
        if tag not in _PLAIN and tag != _Y + "merge":
            self.problems.append((line, "YAML", f"不允许使用 YAML 标签“{tag.replace(_Y, '!!')}”：只能写文字、"
                                                f"数字、日期、true/false、列表和键值对。"))
            return tag, False
        return tag, True

    def _key(self, top: _Frame, text, line: int) -> None:
        if not isinstance(text, str):
            self.problems.append((line, "YAML", "字段名必须是普通文字。"))
            top.key = _BADKEY
            return
        if text in top.seen:
            self.problems.append((line, "YAML", f"字段“{text}”写了两次（第 {top.seen[text]} 行和第 {line} 行），"
                                                f"只会保留后一个；请删掉多余的一个。"))
        top.seen[text] = line
        top.key = text
        if top.path is not None:
            self._line(top.path + (text,), line)

    def event(self, ev) -> None:
        line = self.line_of(ev.start_mark)
        if isinstance(ev, ScalarEvent):
            path, is_key = self._slot(line)
            self._count(1, line)
            tag, ok = self._tag(ev.tag, ScalarNode, ev.value, ev.implicit, line)
            if is_key:
                top = self.stack[-1]
                if tag == _Y + "merge":
                    self.problems.append((line, "YAML", "不支持 YAML 合并键“<<”，请把字段直接写出来。"))
                    top.key = _BADKEY
                else:
                    self._key(top, ev.value if ok else None, line)
                return
            value = _scalar(tag, ev.value, self.years) if ok and tag != _Y + "merge" else (ev.value if ok else None)
            if path is not None and ok and not isinstance(value, str):
                self.texts[path] = ev.value
            if ev.anchor:
                self.anchors[ev.anchor] = (value, path, len(self.order), len(self.order), 1)
            self._attach(value, 1)
        elif isinstance(ev, (MappingStartEvent, SequenceStartEvent)):
            path, is_key = self._slot(line)
            self._count(1, line)
            if len(self.stack) >= MAX_DEPTH:
                raise _Abort(line, f"文件嵌套超过 {MAX_DEPTH} 层，已停止读取；记录只需要几层键值对和列表。")
            is_map = isinstance(ev, MappingStartEvent)
            _, ok = self._tag(ev.tag, MappingNode if is_map else SequenceNode, None, ev.implicit, line)
            if is_key:
                self.problems.append((line, "YAML", "字段名必须是普通文字。"))
            if ev.anchor:
                self.anchors[ev.anchor] = None  # open: an alias to it from inside would be a loop
            self.stack.append(_Frame({} if is_map else [], path if ok and not is_key else None,
                                     ev.anchor, ok, is_key, len(self.order)))
        elif isinstance(ev, (MappingEndEvent, SequenceEndEvent)):
            frame = self.stack.pop()
            value = frame.value if frame.tag_ok else None
            if frame.anchor:
                self.anchors[frame.anchor] = (value, frame.path, frame.mark, len(self.order), frame.size)
            if frame.as_key:
                self.stack[-1].key = _BADKEY  # the collection was a key; the value that follows is dropped
                return
            self._attach(value, frame.size)
        elif isinstance(ev, AliasEvent):
            path, is_key = self._slot(line)
            if ev.anchor not in self.anchors:
                raise _Abort(line, f"引用了没有定义的别名“*{ev.anchor}”。")
            target = self.anchors[ev.anchor]
            if target is None:
                raise _Abort(line, "别名（*）引用了它自己所在的内容，形成了死循环。")
            value, apath, first, last, size = target
            self._count(size, line)
            if is_key:
                self._key(self.stack[-1], value, line)
                return
            if path is not None and apath is not None:
                n = len(apath)
                for k in self.order[first:last]:
                    self._line(path + k[n:], self.lines[k])
                if apath in self.texts:
                    self.texts[path] = self.texts[apath]
            self._attach(value, size)


def _syntax_message(err: yaml.MarkedYAMLError) -> str:
    text = f"{err.context or ''} {err.problem or ''}"
    for needle, zh in _SYNTAX:
        if needle in text:
            return f"YAML 格式错误：{zh}。"
    detail = " ".join(text.split())
    return f"YAML 格式错误：这一行的写法不符合 YAML 格式，请检查这一行的冒号、引号、括号和缩进（{detail}）。"


def _reader_problem(text: str, err) -> tuple[int, str, str]:
    """libyaml refuses a character (a control character, U+FFFE): the line it is on and which one it is."""
    position = err.position if isinstance(err.position, int) else 0
    if _Loader is not yaml.SafeLoader:  # libyaml counts bytes of the UTF-8 text
        line = text.encode("utf-8", "surrogatepass")[:position].count(b"\n") + 1
    else:
        line = text[:position].count("\n") + 1
    code = err.character if isinstance(err.character, int) else None
    which = f"（U+{code:04X}）" if code is not None else ""
    return (line, "YAML", f"这一行有不可见的控制字符{which}，YAML 不允许；请删除它（常见于从其他软件复制的文字）。")


def _decode(raw: bytes) -> tuple[str | None, int, str]:
    """UTF-8 text, or (None, line, Chinese explanation) for files in another encoding."""
    try:
        return raw.decode("utf-8-sig"), 0, ""
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        guess = ""
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            guess = "看起来是 UTF-16 编码，"
        else:
            for enc, name in (("gb18030", "GBK/GB2312"), ("big5", "Big5")):
                try:
                    raw.decode(enc)
                    guess = f"看起来是 {name} 编码，"
                    break
                except UnicodeDecodeError:
                    pass
        return None, line, (f"文件不是 UTF-8 编码（第 {line} 行有无法识别的文字），{guess}"
                            f"请用编辑器“另存为”并选择 UTF-8 编码。")


def _line_counter(text: str):
    """Mark -> 1-based line as an editor counts it (by '\\n'), never past the last line.

    libyaml also breaks lines at \\r, \\x85, \\u2028 and \\u2029; only when the text holds one of
    those is the line computed from the mark's character index.
    """
    last = text.count("\n") + 1
    if not any(c in text for c in "\r\x85\u2028\u2029"):
        return lambda mark: min(mark.line + 1, last)
    breaks = [i for i, c in enumerate(text) if c == "\n"]
    return lambda mark: min(bisect.bisect_right(breaks, mark.index - 1) + 1, last)


def parse(text: str, years: tuple[int, int] = YEARS) -> Parsed:
    """YAML text -> Parsed (values, line map, source texts, problems). Never raises on any text."""
    loader = _Loader(text)
    b = _Builder(loader, years, _line_counter(text))
    docs = 0
    try:
        while True:
            ev = loader.get_event()
            if ev is None or isinstance(ev, StreamEndEvent):
                break
            if isinstance(ev, DocumentStartEvent):
                docs += 1
                if docs > 1:
                    return Parsed(None, problems=b.problems + [(
                        b.line_of(ev.start_mark), "YAML",
                        "一个文件里只能有一条记录，这里出现了第二个文档（---）；请拆成两个文件。")])
                continue
            if isinstance(ev, (ScalarEvent, AliasEvent, MappingStartEvent, MappingEndEvent,
                               SequenceStartEvent, SequenceEndEvent)):
                b.event(ev)
    except _Abort as a:
        return Parsed(None, problems=b.problems + [(a.line, "YAML", a.message)])
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return Parsed(None, problems=[(b.line_of(mark) if mark else 1, "YAML", _syntax_message(e))])
    except yaml.reader.ReaderError as e:
        return Parsed(None, problems=[_reader_problem(text, e)])
    except (yaml.YAMLError, ValueError, UnicodeError, MemoryError, RecursionError):
        return Parsed(None, problems=[(1, "YAML", "YAML 格式错误：文件无法解析，请检查是否混入了二进制内容。")])
    finally:
        loader.dispose()
    root = b.root
    if root is None and b.problems:  # e.g. the whole file carries a tag that is not allowed
        return Parsed(None, problems=b.problems)
    if docs == 0 or root is None or (root == "" and not isinstance(root, (dict, list))):
        return Parsed(None, problems=[(1, "YAML", "文件是空的：请填写记录内容，或删除这个文件。")], shape="empty")
    if not isinstance(root, dict):
        what = "列表" if isinstance(root, list) else "一段文字"
        return Parsed(None, problems=[(b.root_line, "YAML",
                                       f"记录必须是“字段: 值”的键值对，这个文件的最外层却是{what}。")],
                      shape="list" if isinstance(root, list) else "text")
    b.lines[()] = b.root_line
    return Parsed(root, b.lines, b.texts, b.problems)


def _kind_of_path(rel: str) -> model.Kind | None:
    parts = rel.split("/")
    return model.BY_FOLDER.get(parts[1]) if len(parts) > 2 and parts[0] == RECORDS_DIR else None


_OS_ERRORS = {errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "文件在读取时不见了",
              errno.ELOOP: "它是一个链接（symlink）", errno.EISDIR: "它是一个文件夹", errno.ENXIO: "它不是普通文件"}


def _os_reason(e: OSError) -> str:
    return _OS_ERRORS.get(e.errno, f"系统错误 {errno.errorcode.get(e.errno, e.errno)}")


def read_regular(path: Path, limit: int = MAX_BYTES) -> tuple[bytes | None, str]:
    """The bytes of a regular file of at most `limit` bytes, or (None, Chinese reason).

    Opened without following a final symlink and without blocking (a FIFO would hang a plain
    open); the type and size are checked on the open descriptor, so a file swapped in between
    cannot slip through, and at most limit + 1 bytes are ever read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        return None, _os_reason(e)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "它不是普通文件（例如命名管道、设备或套接字）"
        if st.st_size > limit:
            return None, f"文件有 {st.st_size:,} 字节，超过了 {limit:,} 字节的上限；一条记录只需要几千字节"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return None, f"文件超过了 {limit:,} 字节的上限"
        return b"".join(chunks), ""
    except OSError as e:
        return None, _os_reason(e)
    finally:
        os.close(fd)


def read_in_repo(root: Path, rel: str) -> tuple[bytes | None, str]:
    """A repository file such as huifang.yml: (bytes, "") ; (None, "") when there is none; (None, Chinese reason)
    when it is not a regular file inside the repository (a FIFO, a device, a link that leaves it) or is too big."""
    path = Path(root) / rel
    if not os.path.lexists(path):
        return None, ""
    real = path
    if path.is_symlink():
        base, target = os.path.realpath(root), os.path.realpath(path)
        if os.path.commonpath([base, target]) != base:
            return None, "它是指向仓库之外的链接（symlink）；这个文件必须是仓库里的普通文件"
        real = Path(target)
    raw, why = read_regular(real)
    return (raw, "") if raw is not None else (None, why)


def load_file(root: Path, rel: str, years: tuple[int, int] = YEARS,
              real: Path | None = None) -> tuple[Record | None, list[Finding], list]:
    """One file -> (record or None, findings, unresolved references to check later).

    `real` is the file to read when `rel` is a link to another file inside the repository.
    """
    findings: list[Finding] = []

    def add(rule, line, message, severity="error", rid=None):
        findings.append(Finding(rule, severity, rel, line, rid, message))

    folder_kind = _kind_of_path(rel)
    if folder_kind is None:
        kinds = "、".join(f"{k.folder}/（{k.title}）" for k in model.KINDS.values())
        add("SCHEMA", 1, f"文件不在任何记录类别的文件夹里，没有读取；记录应放在 records/ 下的 {kinds}。", "warning")
        return None, findings, []
    raw, why = read_regular(real or (Path(root) / rel))
    if raw is None:
        add("YAML", 1, f"无法读取这个文件：{why}。")
        return None, findings, []
    text, line, why = _decode(raw)
    if text is None:
        add("YAML", line, why)
        return None, findings, []
    parsed = parse(text, years)
    data, lines = parsed.data, parsed.lines
    for pline, rule, msg in parsed.problems:
        add(rule, pline, msg)
    if data is None:
        return None, findings, []

    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    rid = data.get("id")
    kind = folder_kind
    if isinstance(rid, str) and _ID.fullmatch(rid):  # a malformed id is reported by the model; the stem stands in
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
    values, schema_problems, refs = model.validate(kind, data, parsed.texts)
    for p in schema_problems:
        ln = _line_for(lines, p.path)
        add("SCHEMA", ln, p.message, p.severity, rid)
    for path, msg in privacy.free_text_problems(kind, values):  # a phone or room number typed into free text
        add("SCHEMA", _line_for(lines, path), msg, "warning", rid)
    for key, who in APPROVERS.get(kind.name, ()):
        if key in data and not (isinstance(values.get(key), str) and values[key].strip()):
            add("SCHEMA", lines.get((key,), 1), f"{who}（{key}）是空的：请填写批准人的姓名，还没批准的不要放进 records/。",
                rid=rid)
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
    when = dict.get(record, field) if field else None
    if not isinstance(when, date):
        return
    expected = f"{when.year:04d}/{when.month:02d}"
    parts = record.path.split("/")
    actual = "/".join(parts[2:4]) if len(parts) == 5 else None
    if actual != expected:
        add("SCHEMA", record.line(field),
            f"文件应放在 records/{record.kind.folder}/{expected}/ 月份文件夹下（按“{model.KINDS[record.kind.name].by_name[field].title}”的月份）。",
            "warning", record.id)


def shown_name(name: str) -> str:
    """A file name as text that is always valid UTF-8: undecodable bytes become \\xNN escapes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Entry:
    """A file to load: its repository path, and the file to read when it is a link inside the repository."""

    rel: str
    real: Path | None = None


def scan(root: Path) -> tuple[list[Entry], list[Finding]]:
    """Every file under records/ is either returned for loading or named in a finding; none is skipped silently.

    Hidden files and folders (.gitkeep, .git) and Markdown notes (README.md) are not records and are passed over.
    Only regular files are returned; a link is followed only to a regular file inside the repository.
    """
    root = Path(root)
    base = root / RECORDS_DIR
    entries: list[Entry] = []
    findings: list[Finding] = []
    real_root = os.path.realpath(root)

    def report(rel: str, message: str, severity: str = "error", rule: str = "YAML") -> None:
        findings.append(Finding(rule, severity, rel, 1, None, message))

    todo = [base]
    while todo:
        folder = todo.pop()
        rel_dir = folder.relative_to(root).as_posix()
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError as e:
            report(rel_dir + "/", f"无法读取这个文件夹（{_os_reason(e)}），其中的记录都没有检查。")
            continue
        for item in items:
            name = item.name
            if name.startswith("."):
                continue
            shown = name if name.isascii() else shown_name(name)
            rel = f"{rel_dir}/{shown}"
            if shown != name:
                report(rel, "文件名不是 UTF-8 编码的文字，没有读取；请用只含字母、数字和“-”的名字重新命名（记录的文件名就是它的编号）。")
                continue
            try:
                if item.is_symlink():
                    target = os.path.realpath(item.path)
                    if os.path.commonpath([real_root, target]) != real_root:
                        report(rel, "这是一个指向仓库之外的链接（symlink），没有读取；记录必须是仓库里的普通文件。")
                        continue
                    if os.path.isdir(target):
                        report(rel, "这是一个指向文件夹的链接（symlink），没有读取其中的文件；请把记录直接放在 records/ 下。",
                               "warning")
                        continue
                    if not os.path.isfile(target):
                        report(rel, "这个链接（symlink）指向的不是普通文件（或目标不存在），没有读取。")
                        continue
                    real = Path(target)
                elif item.is_dir(follow_symlinks=False):
                    todo.append(Path(item.path))
                    continue
                elif not item.is_file(follow_symlinks=False):
                    report(rel, "这不是普通文件（例如命名管道、设备或套接字），没有读取。")
                    continue
                else:
                    real = None
            except OSError as e:
                report(rel, f"无法读取这个文件（{_os_reason(e)}）。")
                continue
            lower = name.lower()
            if lower.endswith(EXTENSIONS):
                if not name.endswith(EXTENSIONS):
                    report(rel, f"扩展名“{name[name.rfind('.'):]}”应写成小写的 .yml；这条记录已照常检查。",
                           "warning", "SCHEMA")
                entries.append(Entry(rel, real))
            elif not lower.endswith(".md"):
                report(rel, "这不是记录文件（扩展名不是 .yml 或 .yaml），没有读取；记录文件请改用 .yml，其他文件请移出 records/。",
                       "warning", "SCHEMA")
    entries.sort(key=lambda e: e.rel)
    findings.sort(key=lambda f: f.file)
    return entries, findings


@dataclass(frozen=True)
class Snapshot:
    """records/ at one moment: the files to load, what the scan reported, and git's blob ids of the
    tracked files that are unchanged in the work tree. One run takes it once: the result cache's key
    and the loader read the same files."""

    entries: list[Entry]
    findings: list[Finding]
    blobs: dict[str, str]


def snapshot(root: Path) -> Snapshot:
    entries, findings = scan(root)
    return Snapshot(entries, findings, git_blob_ids(Path(root), RECORDS_DIR))


def record_files(root: Path) -> list[str]:
    """Every record file under records/ that `load` reads, repo-relative with '/' separators, sorted."""
    return [e.rel for e in scan(root)[0]]


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


def load(root: Path, years: tuple[int, int] = YEARS, snap: Snapshot | None = None,
         cache_home: Path | None = None, fetch=None) -> tuple[RecordSet, list[Finding]]:
    """Load every record under root/records (as `snap` found them, when given); one broken file never
    stops the others. `cache_home`: the repository whose parse cache to use (for a snapshot of one of
    its revisions), by default root's own; `fetch(rels)` writes the files the cache does not hold
    (a snapshot taken from git's listing has no files until then)."""
    root = Path(root)
    records: list[Record] = []
    snap = snap or snapshot(root)
    entries, findings = snap.entries, list(snap.findings)
    pending: list = []
    cache = ParseCache(root, years, Record, blobs=snap.blobs, home=cache_home)  # each file is parsed once (cache.py)
    cache.prefetch([(e.rel, e.real) for e in entries])
    if fetch is not None:
        fetch([e.rel for e in entries if not cache.holds(e.rel)])
    cache.parse_ahead([(e.rel, e.real) for e in entries], load_file, years)  # many new files: every core
    for entry in entries:
        got = cache.get(entry.rel, entry.real)
        if got is None:
            got = load_file(root, entry.rel, years, entry.real)
            cache.put(entry.rel, entry.real, got)
        rec, found, refs = got
        findings.extend(found)
        pending.extend(refs)
        if rec is not None:
            records.append(rec)
    cache.close()
    findings.extend(_cross_checks(records, pending))
    return RecordSet(records), findings


def _id_key(text: str) -> str:
    """An id as meant: case, full-width characters, spaces and leading zeros of numbers do not matter."""
    text = unicodedata.normalize("NFKC", str(text)).upper().replace(" ", "").replace("_", "-")
    return re.sub(r"\d+", lambda m: str(int(m.group())), text)


def _same_id(value: str, ids: list[str]) -> str | None:
    """The existing id that `value` means (cust-1 → CUST-0001), never merely a similar one: a near miss
    such as WO-…-003 for WO-…-002 is another record, and suggesting it would mislead."""
    key = _id_key(value)
    hits = [i for i in ids if _id_key(i) == key]
    return hits[0] if len(hits) == 1 else None


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
    issues = {r["issue"] for r in records if r.kind.name == "complaint"}
    for r in records:
        key = r["issue"]
        if r.kind.name == "letter" and isinstance(key, str) and key not in issues:
            near = model.nearest(key, sorted(i for i in issues if isinstance(i, str)))
            out.append(Finding("SCHEMA", "warning", r.path, r.line("issue"), r.id,
                               f"没有哪条投诉的同一问题键是“{key}”"
                               + (f"，是不是“{near}”？" if near else "；公开信要答复已登记的投诉，请检查问题键的写法。")))
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
            near = _same_id(value, [i for k in kinds for i in ids_by_kind[k]])
            hint = f"是不是“{near}”？" if near else f"请先建立这条{names}记录，或改正编号。"
            msg = f"找不到编号为“{value}”的{names}，{hint}"
        rec.valid = False
        out.append(Finding("SCHEMA", "error", rec.path, rec.line(*path), rec.id, msg))
    return out
