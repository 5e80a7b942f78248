"""Result cache: the findings of a whole check, keyed by everything they are computed from.

`check` and `check --changed` look here before analysing: with the same records, configuration,
staff list, git history, as-of instant and huifang version the findings are the same (the
analysis is deterministic), so a second run, or the base side of `--changed` that an earlier
`check` of that tree already judged, costs the computing of the key only.

The key of a result is a digest of

* huifang's version: the source of every module under generator/, PyYAML's and chinesecalendar's
  versions and Python's, and the rules registered in the process (their code);
* the as-of instant (a run without --as-of judges at the clock's instant and is never stored);
* huifang.yml and staff.yml (their git blob ids, also for files git does not know);
* the records: every record file's repository path and git blob id (from ``git ls-files -s`` for
  files git knows unchanged, else computed from the bytes, the way git would), plus what the
  scan of records/ reported (links, other files);
* where provenance comes from: the HEAD commit, its branch name, the shallow boundary and the
  staff list read for it.

The base side of ``--changed REV`` gets the same key from ``git ls-tree REV`` without writing
the tree out, so a `check` run on a clean checkout of REV (with REV at HEAD) serves it.

Like the parse cache this is plain data (zlib-compressed JSON in SQLite with a checksum), never pickle; a damaged
entry is a miss; a result is stored only when its key is the same before and after the analysis
(no file changed meanwhile); only the last few results are kept. Anything wrong here costs speed,
never correctness: the analysis then runs as if there were no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
import zlib
from dataclasses import dataclass, field, fields
from datetime import datetime
from importlib import metadata
from pathlib import Path

import yaml

from .cache import CACHE_DIR, Unsupported, blob_id, cache_folder, _apply_tags, _encode, _git
from .config import CONFIG_FILE
from .findings import Explanation, Finding
from .load import EXTENSIONS, RECORDS_DIR, Snapshot, read_in_repo, read_regular, snapshot
from .rules import REGISTRY

DB_NAME = "results.sqlite3"
STAFF_FILE = "staff.yml"
KEEP = 16  # results kept (a few as-of days, a branch and its base)
_FORMAT = 1


@dataclass
class Result:
    """What `check` reports: the number of record files read, the findings and the run's notes."""

    n_files: int
    findings: list[Finding]
    history_warnings: list[str] = field(default_factory=list)


def _code_version() -> str | None:
    h = hashlib.sha256(f"{_FORMAT}\0{sys.version}\0{yaml.__version__}\0"
                       f"{getattr(yaml, '__with_libyaml__', False)}\0".encode())
    try:
        h.update(metadata.version("chinesecalendar").encode())
    except metadata.PackageNotFoundError:  # pragma: no cover
        pass
    here = Path(__file__).resolve().parent
    try:
        for path in sorted(here.rglob("*.py")):
            h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return h.hexdigest()


CODE_VERSION = _code_version()


def _file_id(path: Path) -> str | None:
    """The blob id of a regular file, "-" when there is none, None when it cannot be read safely
    (a named pipe, a device or a huge file is never opened for reading here: the loader reports it)."""
    if not os.path.lexists(path):
        return "-"
    raw, _ = read_regular(path)
    return None if raw is None else blob_id(raw)


def _repo_file_id(root: Path, rel: str) -> str | None:
    """The blob id of huifang.yml or staff.yml read the way the configuration and the staff list are read
    (a link inside the repository followed, a link out of it never opened), "-" when there is none, None
    when it cannot be read."""
    raw, why = read_in_repo(root, rel)
    if why:
        return None
    return "-" if raw is None else blob_id(raw)


def _provenance_id(root: Path) -> str | None:
    """HEAD, its branch, the shallow boundary and the staff list: what provenance is read from."""
    head = _git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    top = _git(root, "rev-parse", "--show-prefix", "--git-common-dir")
    if not head or top is None:
        return None
    prefix, _, common = top.decode("utf-8", "surrogateescape").partition("\n")
    if prefix.strip():
        return None  # root is a sub-folder of a repository
    branch = _git(root, "symbolic-ref", "-q", "--short", "HEAD") or b""
    try:
        shallow = (root / common.strip() / "shallow").read_bytes()
    except OSError:
        shallow = b""
    staff = _repo_file_id(root, STAFF_FILE)
    if staff is None:
        return None
    return hashlib.sha256(b"\0".join([head.strip(), branch.strip(), shallow, staff.encode()])).hexdigest()


def _rules_id() -> str:
    """The rules registered in this process (a program may register its own besides huifang's)."""
    h = hashlib.sha256()
    for rid in sorted(REGISTRY):
        r = REGISTRY[rid]
        code = getattr(r.check, "__code__", None)
        facts = (r.id, r.title, r.scope, r.modal, r.source, r.asks, r.param, r.kinds, r.reason,
                 getattr(r.check, "__module__", None), getattr(r.check, "__qualname__", None))
        h.update(repr(facts).encode("utf-8", "surrogateescape") + b"\0")
        if code is not None:
            _code_digest(code, h)
    return h.hexdigest()


def _code_digest(code, h) -> None:
    h.update(code.co_code)
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            _code_digest(c, h)  # a nested function or comprehension (its repr holds an address)
        elif isinstance(c, frozenset):  # `x in {…}`: its order changes with string hashing
            h.update(repr(sorted(repr(x) for x in c)).encode("utf-8", "surrogateescape") + b"\0")
        else:
            h.update(repr(c).encode("utf-8", "surrogateescape") + b"\0")


def _key(instant: datetime, config: str, staff: str, records: str, provenance: str) -> str:
    raw = "\0".join([CODE_VERSION or "", _rules_id(), instant.isoformat(), config, staff, records, provenance])
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def _digest(rows: list[str]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(row.encode("utf-8", "surrogateescape") + b"\n")
    return h.hexdigest()


def worktree_key(root: Path, instant: datetime, snap: Snapshot | None = None) -> str | None:
    """The key of a check of the work tree at `instant` (records/ as `snap` found them, when given),
    or None when it cannot be stored."""
    if CODE_VERSION is None or os.environ.get("HUIFANG_NO_CACHE"):
        return None
    root = Path(root)
    provenance = _provenance_id(root)
    config, staff = _repo_file_id(root, CONFIG_FILE), _repo_file_id(root, STAFF_FILE)
    if provenance is None or config is None or staff is None:
        return None
    snap = snap or snapshot(root)
    entries, found, blobs = snap.entries, snap.findings, snap.blobs
    rows = []
    for e in entries:
        bid = blobs.get(e.rel) if e.real is None else None
        if bid is None:
            bid = _file_id(e.real or (root / e.rel))
            if bid is None or bid == "-":
                return None  # unreadable or gone: the loader reports it; not worth storing
            if e.real is not None:
                bid = "L" + bid
        rows.append(f"{e.rel}\0{bid}")
    rows += [f"!{f.rule}\0{f.severity}\0{f.file}\0{f.message}" for f in found]
    return _key(instant, config, staff, _digest(rows), provenance)


@dataclass(frozen=True)
class Tree:
    """A revision's huifang.yml, staff.yml ("-" when absent) and record files (path, blob id), sorted."""

    config: str
    staff: str
    files: list[tuple[str, str]]


def plain_tree(root: Path, rev: str) -> Tree | None:
    """What `rev` holds for a check, from ``git ls-tree`` without writing anything out; None when the
    tree holds anything the scan of records/ would report (links, other files, odd names) or git
    cannot tell: such a tree is written out and scanned instead."""
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", rev, "--", RECORDS_DIR, CONFIG_FILE, STAFF_FILE)
    if listing is None:
        return None
    config = staff = "-"
    rows = []
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, _, raw = item.partition(b"\t")
        mode, kind, bid = meta.split(b" ")
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if name == CONFIG_FILE or name == STAFF_FILE:
            if mode not in (b"100644", b"100755"):
                return None
            if name == CONFIG_FILE:
                config = bid.decode("ascii")
            else:
                staff = bid.decode("ascii")
            continue
        parts = name.split("/")
        if any(p.startswith(".") for p in parts):
            continue  # the scan passes over hidden files and folders
        if parts[-1].lower().endswith(".md"):
            continue  # notes, not records
        if mode not in (b"100644", b"100755") or kind != b"blob" or not parts[-1].endswith(EXTENSIONS):
            return None  # the scan would report it: leave this to a full analysis
        rows.append((name, bid.decode("ascii")))
    rows.sort()
    return Tree(config, staff, rows)


def revision_key(root: Path, rev: str, instant: datetime) -> str | None:
    """The key of the analysis of the files at `rev` (records/, huifang.yml, staff.yml) with the
    work tree's provenance, as `check --changed` makes it; None when the tree is not plain (above)."""
    if CODE_VERSION is None or os.environ.get("HUIFANG_NO_CACHE"):
        return None
    root = Path(root)
    provenance = _provenance_id(root)
    tree = plain_tree(root, rev) if provenance is not None else None
    if tree is None:
        return None
    return _key(instant, tree.config, tree.staff, _digest([f"{n}\0{b}" for n, b in tree.files]), provenance)


# --- storage --------------------------------------------------------------------------------

_FIELDS = tuple(f.name for f in fields(Finding))


def _encode_result(result: Result) -> bytes:
    """Every field of every finding (whatever fields Finding has), dates and times tagged."""
    tags: list = []
    rows = []
    for i, f in enumerate(result.findings):
        row = []
        for j, name in enumerate(_FIELDS):
            value = getattr(f, name)
            if name == "related":
                value = [str(x) for x in value]
            elif name == "explanation":
                value = None if value is None else [value.by, _encode(value.date, [1, i, j, 1], tags), value.reason]
            else:
                value = _encode(value, [1, i, j], tags)
            row.append(value)
        rows.append(row)
    text = json.dumps([list(_FIELDS), result.n_files, rows, list(result.history_warnings), tags],
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return zlib.compress(text, 1)  # findings repeat their words: a tenth of the size


def _decode_result(data: bytes) -> Result:
    obj = json.loads(zlib.decompress(data))
    names, n_files, rows, warnings, tags = obj
    if names != list(_FIELDS) or type(n_files) is not int or not all(type(w) is str for w in warnings):
        raise ValueError("shape")
    body = obj[1:]  # the tags' paths count from the rows' list
    if tags:
        _apply_tags(body, tags)
    findings = []
    for row in rows:
        values = dict(zip(names, row))
        values["related"] = tuple(values["related"])
        e = values["explanation"]
        values["explanation"] = Explanation(*e) if e else None
        findings.append(Finding(**values))
    return Result(n_files, findings, list(warnings))


def _sum(key: str, data: bytes) -> int:
    return zlib.crc32(data, zlib.crc32(key.encode("ascii")))


def _connect(root: Path) -> sqlite3.Connection | None:
    folder = cache_folder(root)
    if folder is None:
        return None
    path = folder / DB_NAME
    for attempt in range(2):
        try:
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("CREATE TABLE IF NOT EXISTS result (key TEXT PRIMARY KEY, sum INTEGER NOT NULL,"
                       " data BLOB NOT NULL, used INTEGER NOT NULL)")
            db.execute("SELECT count(*) FROM result").fetchone()
            return db
        except sqlite3.DatabaseError:
            if attempt:
                return None
            for suffix in ("", "-wal", "-shm", "-journal"):  # damaged beyond SQLite's recovery: start over
                try:
                    os.unlink(str(path) + suffix)
                except OSError:
                    pass
        except sqlite3.Error:
            return None
    return None


def get(root: Path, key: str | None) -> Result | None:
    if key is None or not (Path(root) / CACHE_DIR / DB_NAME).exists():
        return None
    db = _connect(root)
    if db is None:
        return None
    try:
        row = db.execute("SELECT sum, data FROM result WHERE key = ?", (key,)).fetchone()
        if row is None or type(row[1]) is not bytes or _sum(key, row[1]) != row[0]:
            return None
        result = _decode_result(row[1])
        db.execute("UPDATE result SET used = ? WHERE key = ?", (time.time_ns(), key))
        return result
    except Exception:  # noqa: BLE001 - a damaged entry is a miss
        return None
    finally:
        db.close()


def put(root: Path, key: str | None, result: Result) -> None:
    """Store a result (best effort: busy, read-only or full disk leave it unstored)."""
    if key is None:
        return
    try:
        data = _encode_result(result)
    except (Unsupported, TypeError, ValueError):
        return
    db = _connect(root)
    if db is None:
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR REPLACE INTO result (key, sum, data, used) VALUES (?, ?, ?, ?)",
                   (key, _sum(key, data), data, time.time_ns()))
        db.execute("DELETE FROM result WHERE key NOT IN (SELECT key FROM result ORDER BY used DESC LIMIT ?)",
                   (KEEP,))
        db.execute("COMMIT")
    except sqlite3.Error:
        pass
    finally:
        db.close()
