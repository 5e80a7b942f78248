"""Fuzzing: nothing a file, a folder or an argument can hold crashes, hangs or fools huifang.

Hypothesis generates valid repositories (every record kind, references that resolve, dates in the
right month folders), then mutates one file at the YAML-text level (tags, anchors and aliases,
duplicate keys, indentation, encodings, BOM, control characters, huge and deep values), at the
value level (types, ranges, time zones, calendar edges), at the file-system level (names, links,
FIFOs, case of extensions, empty and huge files) or at the command line (--as-of, paths, --changed
bases), and runs `huifang check --format json` in-process. Every run must:

- exit 0 or 1 (2 only for a bad argument), never print a traceback, print valid JSON;
- name every file under records/ that it did not load, with a line inside that file;
- leave a clean file clean (no YAML/SCHEMA finding on a generated valid record, however it is spelled);
- read no file outside the repository (an audit hook watches every open);
- end within a time and memory bound (an alarm and the peak resident size).

Short run (the default test run): a few hundred examples in all, derandomized so CI is repeatable.
Long run: HUIFANG_FUZZ=long selects the 'fuzz-long' profile, 10,000 examples in all (see README).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator import model
from generator.cli import main
from generator.dates import TZ
from generator.load import load, read_regular, shown_name

# --- profiles -------------------------------------------------------------------------------------

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much, HealthCheck.large_base_example])
settings.register_profile("fuzz-short", derandomize=True, **_COMMON)
settings.register_profile("fuzz-long", **_COMMON)
LONG = os.environ.get("HUIFANG_FUZZ") == "long"
PROFILE = settings.get_profile("fuzz-long" if LONG else "fuzz-short")


def examples(short: int, long: int):
    """Per-test example counts: the short run sums to a few hundred, the long run to 10,000."""
    return settings(PROFILE, max_examples=long if LONG else short)


AS_OF = "2026-11-30"
SECONDS = 60  # time bound of one run; the real figure is well under a second
RUN_BYTES = 1024 ** 3  # memory bound of one run: peak resident size during it, above the size before it


# --- generators: valid repositories --------------------------------------------------------------

# Free text without digits (digit runs are phone or room numbers, which `check` rightly warns about)
# and without surrogates (not text at all); everything else, control characters included, is fair.
TEXT = st.text(st.characters(exclude_categories=("Cs", "Nd")), min_size=1, max_size=30) \
    .filter(lambda s: s.strip() and "__" not in s)
PATTERNED = {  # text fields with a format: values that are meant, not just shaped right
    model.PERIOD_PATTERN: st.sampled_from(["2025", "2026", "2025-03", "2026-11", "2026-01-05"]),
    model.HOURS_PATTERN: st.sampled_from(["12:00-14:00", "21:00-08:00", "9:00-9:30"]),
}
OFFSETS = st.sampled_from([8, 0, -5, 14, -12, 5.75, 9])


@st.composite
def instants(draw, lo=date(2024, 1, 1), hi=date(2026, 11, 20)):
    d = draw(st.dates(lo, hi))
    secs = draw(st.integers(0, 86_399))
    hours = draw(OFFSETS)
    tz = timezone(timedelta(hours=hours))
    return datetime.combine(d, time(0), tz) + timedelta(seconds=secs)


def _value(f: model.Field, ids: dict[str, list[str]]):
    t = f.type
    if t == "text" and f.pattern and f.name != "id":
        return PATTERNED[f.pattern] if f.pattern in PATTERNED else st.from_regex(f.pattern, fullmatch=True)
    if t == "text":
        return TEXT
    if t == "ref":
        pool = [i for k in f.refs for i in ids.get(k, [])]
        return st.sampled_from(pool) if pool else st.nothing()
    if t == "enum":
        return st.sampled_from(f.enum)
    if t == "bool":
        return st.booleans()
    if t == "int":
        return st.integers(int(f.minimum or 0), int(f.maximum or 10_000))
    if t == "number":
        top = f.maximum or 1e6
        return st.one_of(st.integers(0, int(top)), st.floats(0, top, allow_nan=False, allow_infinity=False))
    if t == "date":
        return st.dates(date(2024, 1, 1), date(2026, 11, 20))
    if t == "datetime":
        return instants()
    if t == "list":
        return st.lists(_value(f.item, ids), max_size=3)
    if t == "object":
        return _mapping(f.fields, ids)
    raise AssertionError(t)


@st.composite
def _mapping(draw, fields, ids):
    out = {}
    for f in fields:
        if f.name == "id":
            continue
        ref = f if f.type == "ref" else f.item if f.type == "list" and f.item.type == "ref" else None
        if ref is not None and not any(ids.get(k) for k in ref.refs):
            assume(not f.required)
            continue
        if f.required or draw(st.booleans()):
            out[f.name] = draw(_value(f, ids))
    return out


def _month(kind: model.Kind, data: dict) -> str | None:
    when = data.get(kind.main_date) if kind.main_date else None
    if when is None:
        return None
    if isinstance(when, datetime):
        when = when.astimezone(TZ)
    return f"{when:%Y/%m}"


@st.composite
def repositories(draw):
    """{repo path: data} for a valid repository holding every kind (ids unique, references resolve)."""
    files: dict[str, dict] = {}
    ids: dict[str, list[str]] = {}
    counts = {"customer": (1, 3), "visit": (1, 3)}  # every other kind: 0 to 2 records
    for name in model.KINDS:
        lo, hi = counts.get(name, (0, 2))
        kind = model.KINDS[name]
        for n in range(draw(st.integers(lo, hi))):
            rid = f"{kind.prefix}-{n + 1:04d}"
            data = {"id": rid, **draw(_mapping(kind.fields, ids))}
            if name == "complaint" and "issue" in data:
                ids.setdefault("issue", []).append(data["issue"])
            if name == "letter":  # a letter answers an issue some complaint raised
                if not ids.get("issue"):
                    continue
                data["issue"] = draw(st.sampled_from(ids["issue"]))
            month = _month(kind, data)
            folder = f"records/{kind.folder}/{month}/" if month else f"records/{kind.folder}/"
            files[folder + rid + ".yml"] = data
            ids.setdefault(name, []).append(rid)
    return files


def dump(data: dict, **style) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, **style)


def write_repo(root: Path, files: dict[str, dict | str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            content = dump(content)
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


# --- running huifang and checking the properties -------------------------------------------------

_WATCH: dict = {"on": False, "outside": None, "opened": []}


def _audit(event, args):
    if _WATCH["on"] and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0]) if not isinstance(args[0], int) else ""
        outside = _WATCH["outside"]
        if outside and os.path.realpath(path).startswith(outside):
            _WATCH["opened"].append(path)


sys.addaudithook(_audit)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


@contextlib.contextmanager
def fresh_root():
    """A repository folder and, beside it (outside the repository), a folder nothing may read."""
    base = Path(tempfile.mkdtemp(prefix="huifang-fuzz-"))
    try:
        (base / "repo" / "records").mkdir(parents=True)
        (base / "outside").mkdir()
        yield base / "repo", base / "outside"
    finally:
        for p in base.rglob("*"):
            with contextlib.suppress(OSError):
                if not p.is_symlink():
                    os.chmod(p, 0o755 if p.is_dir() else 0o644)
        shutil.rmtree(base, ignore_errors=True)


def _memory() -> tuple[int, int]:
    """(resident size now, peak resident size) of this process in bytes."""
    got = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                got[key] = int(value.split()[0]) * 1024
    return got["VmRSS"], got["VmHWM"]


def _reset_peak() -> None:
    """Start the peak resident size afresh at the current size (Linux: clear_refs 5), so the bound is per run
    and not the high-water mark of the thousands of runs before it."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")


def run_check(root: Path, outside: Path, *args: str) -> tuple[int, dict | None, str, str]:
    """`huifang check --format json` in-process, watched: (exit, parsed JSON or None, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    _reset_peak()
    before, _ = _memory()
    _WATCH.update(on=True, outside=os.path.realpath(outside) + os.sep, opened=[])
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--root", str(root), "check", "--format", "json", *args])
    except _Timeout:
        pytest.fail(f"huifang check did not end within {SECONDS} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        _WATCH["on"] = False
    assert not _WATCH["opened"], f"read a file outside the repository: {_WATCH['opened']}"
    _, peak = _memory()
    assert peak - before < RUN_BYTES, f"one run took {(peak - before) // 2 ** 20} MiB"
    text = out.getvalue()
    assert "Traceback" not in err.getvalue() and "Traceback" not in text, err.getvalue()
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        pytest.fail(f"invalid JSON on stdout: {text[:500]!r}")
    return code, data, text, err.getvalue()


def files_under_records(root: Path) -> list[str]:
    """Every non-hidden entry under records/ the way huifang names it (escaped), links not followed."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root / "records"):
        rel_dir = shown_name(Path(dirpath).relative_to(root).as_posix())
        keep = []
        for d in dirnames:
            if d.startswith("."):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                out.append(f"{rel_dir}/{shown_name(d)}")
            else:
                keep.append(d)
        dirnames[:] = keep
        out += [f"{rel_dir}/{shown_name(n)}" for n in filenames
                if not n.startswith(".") and not n.lower().endswith(".md")]
    return sorted(out)


def line_count(root: Path, rel: str) -> int:
    """Lines of a file named in a finding (1 for anything that is not a readable regular file)."""
    raw, _ = read_regular(root / rel, 5_000_000)
    return raw.count(b"\n") + 1 if raw is not None else 1


def assert_report_is_whole(root: Path, code: int, data: dict | None, *, usage_ok: bool = False) -> None:
    """Exit status, no INTERNAL finding, every finding's file and line real, no file silently skipped."""
    assert code in ((0, 1, 2) if usage_ok else (0, 1)), code
    if code == 2 and usage_ok and data is None:
        return
    assert data is not None and isinstance(data["findings"], list)
    assert not [f for f in data["findings"] if f["rule"] == "INTERNAL"], data["findings"]
    for f in data["findings"]:
        if f["file"] is not None:
            assert f["line"] is None or 1 <= f["line"] <= line_count(root, f["file"]), f
    records, findings = load(root)
    named = {f.file.rstrip("/") for f in findings}
    loaded = set(records.by_path)
    for rel in files_under_records(root):
        parent_named = any(rel.startswith(n + "/") for n in named)
        assert rel in loaded or rel in named or parent_named, f"silently skipped: {rel}"


def format_findings(data: dict) -> list[tuple]:
    return [(f["rule"], f["file"], f["line"], f["message"]) for f in data["findings"]
            if f["rule"] in ("YAML", "SCHEMA")]


# --- 1. clean files stay clean, however they are spelled ------------------------------------------

STYLES = st.fixed_dictionaries({
    "default_flow_style": st.sampled_from([False, True, None]),
    "explicit_start": st.booleans(),
    "explicit_end": st.booleans(),
    "width": st.sampled_from([80, 20, 4096]),
    "indent": st.sampled_from([2, 4, 7]),
    "allow_unicode": st.booleans(),
})


@examples(30, 900)
@given(repositories(), STYLES, st.booleans(), st.booleans(), st.booleans())
def test_a_clean_repository_has_no_format_findings_however_it_is_spelled(files, style, bom, crlf, comment):
    with fresh_root() as (root, outside):
        for rel, data in files.items():
            text = yaml.safe_dump(data, sort_keys=False, **style)
            if comment:
                text = "# yaml-language-server: $schema=../schema/x.json\n" + text + "# 结束\n"
            if crlf:
                text = text.replace("\n", "\r\n")
            raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
            write_repo(root, {rel: raw})
        code, data, _, _ = run_check(root, outside, "--as-of", AS_OF)
        assert_report_is_whole(root, code, data)
        assert format_findings(data) == []
        records, _ = load(root)
        assert sorted(records.by_id) == sorted(d["id"] for d in files.values())


# --- 2. YAML-text mutations -----------------------------------------------------------------------

TOKENS = [
    "!!int", "!!int ''", "!!bool maybe", "!!binary aGVsbG8=", "!!python/object:os.system", "!!float x",
    "!!timestamp 明天", "!!null x", "!!str", "!!set {a}", "!!omap [a: 1]", "!<tag:x>", "!local",
    "&a", "*a", "&a [1, *a]", "<<: *a", "---", "...", "%YAML 1.2\n---", "%TAG ! tag:x:",
    "[", "]", "{", "}", "- ", ": ", "? ", "#", "\"", "'", "|", ">-", "\t", "\\", "@", "`",
    "0b_", "0x", "0o17", "0755", "1:30", "190:20:30", "9" * 5000, ".nan", "-.inf", "1.0e+999", "1e309",
    "0001-01-01", "9999-12-31 23:59:59-23:59", "2026-02-30", "2026-11-01 10:00:00+24:00",
    "2026-11-01 25:61:61", "2024-02-29", "2026-12-31 23:59:59.999999+14:00", "1989-12-31",
    "\x00", "\x07", "\x1b[31m", "\u200b", "\u2028", "\ufeff", "\ud7ff", "\U0001f600", "\x85",
    "null", "~", "yes", "no", "on", "off", "y", "=", "<<", "__ID__", "__:__", "CUST-", "\n  - - - x",
]


@st.composite
def text_mutation(draw, text: str) -> str:
    op = draw(st.sampled_from(["insert", "replace_value", "delete", "dup_line", "swap_lines", "indent",
                               "truncate", "deep", "alias_bomb", "wide", "many_keys", "control"]))
    lines = text.split("\n")
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    pos = draw(st.integers(0, len(text)))
    token = draw(st.sampled_from(TOKENS) | st.text(max_size=8))
    if op == "insert":
        return text[:pos] + token + text[pos:]
    if op == "replace_value":
        key = lines[i].split(":", 1)[0]
        lines[i] = f"{key}: {token}"
    elif op == "delete":
        end = draw(st.integers(pos, min(len(text), pos + 40)))
        return text[:pos] + text[end:]
    elif op == "dup_line":
        lines.insert(i, lines[i])
    elif op == "swap_lines":
        j = draw(st.integers(0, max(0, len(lines) - 1)))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "indent":
        lines[i] = " " * draw(st.integers(1, 9)) + lines[i]
    elif op == "truncate":
        return text[:pos]
    elif op == "deep":
        n = draw(st.sampled_from([10, 49, 50, 51, 1000, 100_000]))
        opener = draw(st.sampled_from(["[", "{a: ", "- "]))
        closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
        lines.append("deep: " + opener * n + "x" + closer * n)
    elif op == "alias_bomb":
        lines.append("a0: &a0 [x,x,x,x,x,x,x,x,x]")
        for k in range(1, draw(st.integers(2, 9))):
            lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 9) + "]")
    elif op == "wide":
        lines.append("content: " + "长" * draw(st.sampled_from([1000, 100_000, 1_100_000])))
    elif op == "many_keys":
        lines += [f"k{n}: v" for n in range(draw(st.sampled_from([100, 25_000])))]
    elif op == "control":
        lines[i] += draw(st.sampled_from(["\x00", "\x01", "\x7f", "\x9b", "\ufffe"]))
    return "\n".join(lines)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030", "big5", "latin-1", "cut"])


@examples(50, 2600)
@given(st.data(), repositories())
def test_text_mutations_never_crash_and_every_file_is_accounted_for(data, files):
    rel = data.draw(st.sampled_from(sorted(files)))
    text = data.draw(text_mutation(dump(files[rel])))
    enc = data.draw(ENCODINGS)
    if enc == "cut":  # a UTF-8 file cut in the middle of a character
        raw = text.encode("utf-8", "surrogatepass")
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    else:
        raw = text.encode(enc, "replace")
    with fresh_root() as (root, outside):
        write_repo(root, {**files, rel: raw})
        code, report, _, _ = run_check(root, outside, "--as-of", AS_OF)
        assert_report_is_whole(root, code, report)
        others = [f for f in format_findings(report) if f[1] not in (rel, None) and "找不到" not in f[3]
                  and "重复" not in f[3] and "应填" not in f[3] and "同一问题键" not in f[3]]
        assert others == [], others  # untouched files stay clean (except references to the broken one)


# --- 3. value mutations ---------------------------------------------------------------------------

HOSTILE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.just(""), st.just(" "), st.just("\n"), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30),
                 timezones=st.sampled_from([timezone(timedelta(hours=h)) for h in (-23, -12, 0, 8, 14, 23)])),
    st.sampled_from([date(2024, 2, 29), date(2026, 12, 31), date(1990, 1, 1), date(2100, 12, 31),
                     date(1989, 12, 31), date(2101, 1, 1), "CUST-0001\n", " CUST-0001", "cust-0001",
                     "HF-0001", "TS-0001", "WO-0001", "GKX-0001", "CUST-9999", "很满意", "不满意", "未签名",
                     "已签名 ", "满意\n", 10 ** 30, -1, 1e308, float("inf"), float("nan")]),
)


@st.composite
def value_mutation(draw, files):
    rel = draw(st.sampled_from(sorted(files)))
    data = dict(files[rel])
    kind = model.BY_FOLDER[rel.split("/")[1]]
    keys = [f.name for f in kind.fields] + ["unknown", "reachabel", "unreachable"]
    key = draw(st.sampled_from(keys))
    where = draw(st.sampled_from(["top", "nested", "list"]))
    value = draw(HOSTILE_VALUES)
    if where == "nested" and isinstance(data.get(key), dict) and data[key]:
        sub = dict(data[key])
        sub[draw(st.sampled_from(sorted(sub)))] = value
        data[key] = sub
    elif where == "list" and isinstance(data.get(key), list) and data[key]:
        items = list(data[key])
        items[draw(st.integers(0, len(items) - 1))] = value
        data[key] = items
    else:
        data[key] = value
    return rel, data


@examples(50, 2600)
@given(st.data(), repositories())
def test_value_mutations_never_crash_and_never_pass_a_wrong_value(data, files):
    rel, mutated = data.draw(value_mutation(files))
    with fresh_root() as (root, outside):
        write_repo(root, {**files, rel: dump(mutated)})
        code, report, _, _ = run_check(root, outside, "--as-of", AS_OF)
        assert_report_is_whole(root, code, report)
        records, _ = load(root)
        for r in records.all:  # whatever was written, the rules only ever see values of the field's type
            for f in r.kind.fields:
                v = r.data.get(f.name)
                if v is None:
                    continue
                ok = {"text": str, "ref": str, "enum": str, "bool": bool, "int": int, "number": (int, float),
                      "date": date, "datetime": datetime, "list": list, "object": dict}[f.type]
                assert isinstance(v, ok), (f.name, v)
                if f.type == "number":
                    assert v == v and abs(v) != float("inf")
                if f.type in ("date", "datetime"):
                    assert 1990 <= v.year <= 2100
        rec = records.by_path.get(rel)
        if rec is not None and rel not in {f["file"] for f in report["findings"]}:
            for key, written in mutated.items():  # nothing said about the file: everything written arrived
                assert key in rec.kind.by_name, f"unknown key {key!r} dropped without a word"
                assert _arrived(written, rec.data.get(key)), (key, written, rec.data.get(key))


def _arrived(written, got) -> bool:
    """Whether a loaded value is what was written (text fields keep any scalar as its text)."""
    if written is None or written == "" or written == [] or written == {}:
        return got in (None, "", [], {})
    if isinstance(written, str) and not written.strip():  # blank: kept as typed in text, nothing in a reference
        return got in (None, written)
    if isinstance(written, dict):
        return isinstance(got, dict) and all(_arrived(v, got.get(k)) for k, v in written.items())
    if isinstance(written, list):
        return isinstance(got, list) and len(got) == len(written) and all(map(_arrived, written, got))
    if isinstance(got, str):  # a text field keeps what was typed: false stays the text "false" (test_load)
        return not isinstance(written, bool) or got.lower() == str(written).lower()
    return type(got) is type(written) and got == written or (isinstance(got, (int, float)) and got == written
                                                            and not isinstance(got, bool))


# --- 4. file-system mutations ---------------------------------------------------------------------

# Names as bytes (not valid UTF-8 in general): a failing example must stay printable for the report.
NAMES = st.one_of(
    st.sampled_from(["HF-0009.yml", "HF-0009.YML", "HF-0009.Yaml", "HF-0009.yml.bak", "HF 0009.yml",
                     "HF-0009.yml\n", "README.md", ".hidden.yml", "x.txt", "HF-0009", "访问.yml", "-.yml"])
    .map(os.fsencode),
    st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b".."))
    .map(lambda b: b + b".yml"),
)
FS_KINDS = st.sampled_from(["file", "empty", "huge", "fifo", "link_outside", "link_dev_zero", "link_inside",
                            "link_dangling", "link_loop", "link_dir", "dir", "unreadable_file", "socket"])


@examples(30, 1300)
@given(repositories(), st.lists(st.tuples(NAMES, FS_KINDS, st.sampled_from(["visits", "customers", "", "visits/2026"])),
                                min_size=1, max_size=4, unique_by=lambda t: (t[0], t[2])))
def test_file_system_entries_are_read_or_named_never_hang(files, entries):
    import socket
    with fresh_root() as (root, outside):
        write_repo(root, files)
        secret = outside / "HF-0099.yml"
        secret.write_text("id: HF-0099\ncontent: 机密\n", encoding="utf-8")
        sample = dump(next(iter(files.values())))
        for raw_name, how, folder in entries:
            name = os.fsdecode(raw_name)
            d = root / "records" / folder
            d.mkdir(parents=True, exist_ok=True)
            p = d / name
            if p.exists() or p.is_symlink():
                continue
            if how == "file":
                p.write_text(sample, encoding="utf-8")
            elif how == "empty":
                p.touch()
            elif how == "huge":
                with open(p, "wb") as fh:
                    fh.truncate(3_000_000)  # sparse: cheap to make, still too big to read
            elif how == "fifo":
                os.mkfifo(p)
            elif how == "link_outside":
                p.symlink_to(secret)
            elif how == "link_dev_zero":
                p.symlink_to("/dev/zero")
            elif how == "link_inside":
                p.symlink_to(root / "records")
            elif how == "link_dangling":
                p.symlink_to(root / "nothing.yml")
            elif how == "link_loop":
                p.symlink_to(p)
            elif how == "link_dir":
                p.symlink_to(outside)
            elif how == "dir":
                p.mkdir()
                (p / "HF-0010.yml").write_text(sample, encoding="utf-8")
            elif how == "unreadable_file":
                p.write_text(sample, encoding="utf-8")
                os.chmod(p, 0)
            elif how == "socket":
                s = socket.socket(socket.AF_UNIX)
                try:
                    s.bind(str(p)) if len(str(p)) < 100 else p.touch()
                finally:
                    s.close()
        code, report, text, _ = run_check(root, outside, "--as-of", AS_OF)
        assert_report_is_whole(root, code, report)
        assert "机密" not in text and "HF-0099" not in text


# --- 5. the command line --------------------------------------------------------------------------

AS_OFS = st.one_of(
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(["9999-12-31", "0001-01-01", "1990-01-01", "2100-12-31", "2026-02-29", "2026-13-01",
                     "2026-11-30T25:00", "2026-11-30T23:59:59+14:00", "2026-11-30T00:00-23:59", "", " ",
                     "today", "2026-11-30T12:00:00.123456", "2026-W48", "+2026-11-30", "２０２６-１１-３０"]),
    st.text(max_size=20),
)


@examples(30, 900)
@given(repositories(), AS_OFS, st.lists(st.sampled_from(["records", "records/visits", "nope.yml", "/etc/passwd",
                                                         "..", "records/../..", "records/customers/CUST-0001.yml",
                                                         "-x", "--", b"records/\xff.yml"]), max_size=3))
def test_command_line_arguments_never_crash(files, as_of, paths):
    paths = [os.fsdecode(p) if isinstance(p, bytes) else p for p in paths]
    with fresh_root() as (root, outside):
        write_repo(root, files)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            code, report, _, err = run_check(root, outside, f"--as-of={as_of}", *paths)
        finally:
            os.chdir(cwd)
        assert_report_is_whole(root, code, report, usage_ok=True)
        if code == 2:
            assert err.strip() and "huifang" in err  # a usage error says what is wrong


def _git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="李娜", GIT_AUTHOR_EMAIL="li@example.com", GIT_COMMITTER_NAME="李娜",
               GIT_COMMITTER_EMAIL="li@example.com", GIT_AUTHOR_DATE="2026-11-20T10:00:00+08:00",
               GIT_COMMITTER_DATE="2026-11-20T10:00:00+08:00")
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


@examples(10, 400)
@given(repositories(), st.one_of(
    st.sampled_from(["HEAD", "HEAD~1", "HEAD~99", "main", "origin/main", "nonexistent", "HEAD^{tree}",
                     "--output=/tmp/x", "-p", "HEAD..HEAD", "@{upstream}", ":/", "", "a b", b"\xff"]),
    st.text(max_size=12)), st.booleans())
def test_changed_bases_never_crash(files, base, edit):
    base = os.fsdecode(base) if isinstance(base, bytes) else base
    with fresh_root() as (root, outside):
        write_repo(root, files)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "记录")
        if edit:
            rel = sorted(files)[0]
            (root / rel).write_text(dump(files[rel]) + "related: [TS-404]\ncustomer: [x]\n", encoding="utf-8")
        code, report, _, err = run_check(root, outside, "--as-of", AS_OF, f"--changed={base}")
        assert_report_is_whole(root, code, report, usage_ok=True)
        if code == 2:
            assert err.strip()


# --- 6. huifang.yml: generated valid configurations, and mutated ones -------------------------------------

from generator.config import MAXIMA, MINIMA, PARAMS, THRESHOLDS, YEAR_WINDOW, load_config  # noqa: E402
from generator.rules import REGISTRY  # noqa: E402

# No YAML line breaks (NEL, LS, PS) inside values: PyYAML's emitter with allow_unicode writes them raw in a
# single-quoted scalar, which YAML folds on reading ('x\x85' comes back as 'x ') — the dump, not huifang, loses them.
# No control characters either: a valid configuration is one a person types (the mutated-config tests below
# feed control characters and check for a clean refusal).
_FREE = TEXT.filter(lambda s: not s.strip().startswith("#") and not set(s) & {"\x85", "\u2028", "\u2029"}
                    and not any(unicodedata.category(c) == "Cc" for c in s))


@st.composite
def configs(draw):
    """(huifang.yml data, the options and thresholds it must load to) for a valid configuration."""
    data: dict = {}
    profile = {name: draw(st.sampled_from(sorted(p.options)))
               for name, p in PARAMS.items() if draw(st.booleans())}
    thresholds: dict = {}
    expected: dict = {}
    for name, (default, unit, _) in THRESHOLDS.items():
        if unit == "时刻" or not draw(st.booleans()):
            continue
        if unit == "日期":
            value = draw(st.one_of(st.just(""), st.dates(date(2020, 1, 1), date(2026, 11, 30))))
            expected[name] = value.isoformat() if value else ""
        elif isinstance(default, str):
            value = expected[name] = draw(_FREE)
        elif unit == "比例":
            value = draw(st.floats(0, 1))
            expected[name] = float(value)
        elif unit == "年":
            value = expected[name] = draw(st.integers(YEAR_WINDOW[0], 2024) if name == "year_min"
                                          else st.integers(2026, YEAR_WINDOW[1]))
        else:
            value = expected[name] = draw(st.integers(MINIMA.get(name, 0), MAXIMA[unit]))
        thresholds[name] = value
    if draw(st.booleans()):
        start, end = sorted(draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=2, max_size=2, unique=True)))
        for name, minute in (("work_start", start), ("work_end", end)):
            thresholds[name] = f"{minute // 60}:{minute % 60:02d}"
            expected[name] = f"{minute // 60:02d}:{minute % 60:02d}"
    rules = {}
    for rid in draw(st.lists(st.sampled_from(sorted(REGISTRY)), max_size=4, unique=True)):
        r = REGISTRY[rid]
        how = draw(st.sampled_from(["off", "on", "severity"]))
        if how == "off":
            rules[rid] = {"enabled": False, "reason": draw(_FREE)}
        elif how == "severity" and (r.default_severity != "error" or r.downgradable):
            rules[rid] = {"severity": draw(st.sampled_from(["warning", "info"]))}
        else:
            rules[rid] = {"enabled": True}
    days = draw(st.lists(st.dates(date(2024, 1, 1), date(2026, 12, 31)), max_size=6, unique=True))
    cut = draw(st.integers(0, len(days)))
    calendar: dict = {"days_off": days[:cut], "workdays": days[cut:]}
    years = {}
    for year in draw(st.lists(st.integers(2028, 2100), max_size=2, unique=True)):
        first = draw(st.dates(date(year, 1, 1), date(year, 12, 31)))
        last = draw(st.dates(first, date(year, 12, 31)))
        years[year] = {"source": draw(_FREE), "holidays": [
            {"name": draw(_FREE), "from": first, "to": last,
             "workdays": draw(st.lists(st.dates(date(year, 1, 1), date(year, 12, 31)), max_size=2))}]}
    if years:
        calendar["years"] = years
    third = draw(st.lists(_FREE, max_size=3))
    for key, value in (("profile", profile), ("thresholds", thresholds), ("rules", rules),
                       ("calendar", calendar), ("third_category", third)):
        if value or draw(st.booleans()):
            data[key] = value
    return data, {"profile": profile, "thresholds": expected, "rules": rules, "calendar": calendar,
                  "third_category": third}


def config_text(data: dict, style: dict, unquote: bool) -> str:
    """huifang.yml as a person might write it: any dump style, clock times and profile options unquoted."""
    text = yaml.safe_dump(data, sort_keys=False, **style)
    if unquote:
        for section, names in (("thresholds", ("work_start", "work_end")), ("profile", PARAMS)):
            for name in names:
                value = data.get(section, {}).get(name)
                if isinstance(value, str):
                    text = text.replace(f"{name}: '{value}'", f"{name}: {value}")
    return text


def assert_config_loaded_as_written(root: Path, expected: dict) -> None:
    cfg = load_config(root)
    for name, option in expected["profile"].items():
        assert cfg.option(name) == option
    for name, value in expected["thresholds"].items():
        assert cfg.threshold(name) == value, (name, cfg.threshold(name), value)
    for rid, sw in expected["rules"].items():
        got = cfg.rules[rid]
        assert (got.enabled, got.reason, got.severity) == (sw.get("enabled", True), sw.get("reason", "").strip(),
                                                           sw.get("severity"))
    assert cfg.days_off == expected["calendar"]["days_off"] and cfg.workdays == expected["calendar"]["workdays"]
    for year, spec in expected["calendar"].get("years", {}).items():
        (h,) = cfg.years[year].holidays
        want = spec["holidays"][0]
        assert (cfg.years[year].source, h.name, h.first, h.last, h.workdays) == \
            (spec["source"].strip(), want["name"].strip(), want["from"], want["to"], tuple(want["workdays"]))
    assert cfg.third_category == expected["third_category"]


@examples(20, 300)
@given(repositories(), configs(), STYLES, st.booleans())
def test_a_valid_config_loads_as_written_and_the_check_runs_whole(files, config, style, unquote):
    data, expected = config
    with fresh_root() as (root, outside):
        write_repo(root, {**files, "huifang.yml": config_text(data, style, unquote)})
        assert_config_loaded_as_written(root, expected)
        code, report, _, err = run_check(root, outside, "--as-of", AS_OF)
        assert_report_is_whole(root, code, report)  # exit 0 or 1, no INTERNAL finding: no rule chokes on it


# Python spellings that must never reach a clerk: an internal marker, a repr, an exception's name.
_INTERNAL = ("Bad(", "INVALID", "None", "object at 0x", "{'", "['", "Traceback", "Error:", "Error。", "datetime.")


def assert_config_problems_are_sentences(root: Path, err: str) -> None:
    """Exit 2 for a bad huifang.yml: every line names the file (and a line inside it), in words a clerk reads."""
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("huifang: 提示")]
    assert lines, err
    count = line_count(root, "huifang.yml") if (root / "huifang.yml").exists() else 1
    for ln in lines:
        ln = ln.removeprefix("huifang: ")
        assert ln.startswith("huifang.yml"), err
        assert not any(m in ln for m in _INTERNAL), ln
        for n in re.findall(r"第 (\d+) 行", ln.split("：", 1)[0]):
            assert 1 <= int(n) <= count, (ln, count)


def assert_config_is_typed(root: Path) -> None:
    """A configuration that loaded holds only values of each setting's type and range."""
    cfg = load_config(root)
    for name, (default, unit, _) in THRESHOLDS.items():
        v = cfg.threshold(name)
        if isinstance(default, str):
            assert isinstance(v, str), (name, v)
        else:
            assert isinstance(v, (int, float)) and not isinstance(v, bool) and v == v, (name, v)
            assert v >= 0 and v <= MAXIMA.get(unit, YEAR_WINDOW[1] if unit == "年" else 1), (name, v)
    for name, p in PARAMS.items():
        assert cfg.option(name) in p.options
    assert all(isinstance(d, date) for d in cfg.days_off + cfg.workdays)
    assert all(isinstance(c, str) for c in cfg.third_category)


CONFIG_FS = st.sampled_from(["fifo", "dev_zero", "outside", "folder", "huge", "empty", "gb18030", "bom", "dangling"])


@st.composite
def config_mutation(draw, data: dict):
    """Mutated huifang.yml bytes (or a file-system object in its place): text, value or file-system level."""
    level = draw(st.sampled_from(["text", "value", "fs"]))
    if level == "text":
        text = draw(text_mutation(yaml.safe_dump(data, allow_unicode=True, sort_keys=False)))
        return "text", text.encode(draw(st.sampled_from(["utf-8", "utf-16", "gb18030"])), "replace")
    if level == "value":
        section = draw(st.sampled_from(["profile", "thresholds", "rules", "calendar", "third_category", "prof1le"]))
        names = {"profile": list(PARAMS), "thresholds": list(THRESHOLDS),
                 "rules": ["V-DAY-01", "C-REV-02", "V-NOPE-01"],
                 "calendar": ["days_off", "workdays", "years", "holidays"]}.get(section, [])
        mutated = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
        value = draw(HOSTILE_VALUES)
        if names and draw(st.booleans()):
            name = draw(st.sampled_from(names))
            inner = mutated.get(section)
            inner = dict(inner) if isinstance(inner, dict) else {}
            if section == "rules" and draw(st.booleans()):
                value = {draw(st.sampled_from(["enabled", "reason", "severity", "enable"])): value}
            elif section == "calendar" and name == "years" and draw(st.booleans()):
                value = {draw(st.sampled_from([2027, 2030, "二〇二七", 1999])): value}
            inner[name] = value
            mutated[section] = inner
        else:
            mutated[section] = value
        return "value", yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False).encode("utf-8")
    return "fs", draw(CONFIG_FS)


@examples(40, 1000)
@given(repositories(), configs(), st.data())
def test_a_mutated_config_is_a_clean_chinese_refusal_or_a_whole_check(files, config, data):
    level, what = data.draw(config_mutation(config[0]))
    with fresh_root() as (root, outside):
        write_repo(root, files)
        path = root / "huifang.yml"
        secret = outside / "huifang.yml"
        secret.write_text("thresholds:\n  festivals: 机密节\n", encoding="utf-8")
        if level != "fs":
            path.write_bytes(what)
        elif what == "fifo":
            os.mkfifo(path)
        elif what == "dev_zero":
            path.symlink_to("/dev/zero")
        elif what == "outside":
            path.symlink_to(secret)
        elif what == "dangling":
            path.symlink_to(root / "nothing.yml")
        elif what == "folder":
            path.mkdir()
        elif what == "huge":
            with open(path, "wb") as fh:
                fh.truncate(3_000_000)
        elif what == "empty":
            path.touch()
        else:
            text = yaml.safe_dump(config[0], allow_unicode=True, sort_keys=False)
            path.write_bytes(text.encode("gb18030") if what == "gb18030" else b"\xef\xbb\xbf" + text.encode("utf-8"))
        code, report, text, err = run_check(root, outside, "--as-of", AS_OF)
        assert "机密节" not in text + err
        if code == 2:
            assert report is None
            assert_config_problems_are_sentences(root, err)
        else:
            assert_report_is_whole(root, code, report)
            if what != "empty":
                assert_config_is_typed(root)
        if level == "fs" and what in ("bom", "empty"):
            assert code in (0, 1)  # a BOM or an empty file is a configuration like any other
