"""Parse cache: what the loader made of a file, keyed by the file's git blob id, so an unchanged record
is never parsed twice.

One SQLite file, ``.huifang/cache/parse.sqlite3``, which the user may delete at any time. Entries are
plain data (JSON with a checksum), never pickle: the cache lies in the working tree, where a file
can arrive from anyone, and reading it must not run code. The key of an entry is a digest of

* the loader's version: the source of the modules that decide what a file becomes (load and
  what it imports from huifang, and this one), PyYAML's version and whether libyaml is used, so any change to them
  leaves old entries unused;
* the loader's settings from the configuration (e.g. the accepted range of years);
* the file's repository path and its content id: the blob id from ``git ls-files -s`` for a file
  git knows unchanged (``git diff-files`` lists the changed ones), else a digest of its bytes
  (untracked or edited files, links, no git at all).

Safety: an entry whose checksum or shape is wrong is a miss, never an error; an unreadable or
corrupt database is set aside and rebuilt; writes are one SQLite transaction (a run killed while
writing leaves the previous state, which SQLite restores on the next open) and concurrent runs
wait for each other's short write instead of failing. A file changed during the run or in the
second before it is not stored (it may have changed between its key and its parse). Anything that goes
wrong here costs speed only: the loader then parses as if there were no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import zlib
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from multiprocessing import get_context
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from . import model
from .findings import Finding

CACHE_DIR = Path(".huifang") / "cache"


def cache_folder(root: Path) -> Path | None:
    """The cache folder, made on first use with a .gitignore so it is never committed; None if it cannot be."""
    folder = Path(root) / CACHE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# huifang 缓存，不要提交，可以随时删除\n*\n", encoding="utf-8")
    except OSError:
        return None
    return folder
DB_NAME = "parse.sqlite3"
_SOURCES = ("load.py", "model.py", "privacy.py", "findings.py", "dates.py", "cache.py")
# loading findings never count records against a period or carry an explanation (rules add those)
_FINDING_FIELDS = tuple(f.name for f in fields(Finding) if f.name not in ("related", "explanation", "provisional"))
_BATCH = 500
PARALLEL_MIN = 2000  # files to parse before worker processes pay for their start (~0.3 s each)
_SETTLE_NS = 1_000_000_000  # a file changed less than this before the run (or during it) is not stored
_GIT_ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


def _loader_version() -> str:
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    h.update(f"{yaml.__version__}\0{getattr(yaml, '__with_libyaml__', False)}\0{sys.version}".encode())
    return h.hexdigest()


try:
    LOADER_VERSION: str | None = _loader_version()
except OSError:  # sources not shipped (e.g. a zipped install): no cache rather than a wrong one
    LOADER_VERSION = None


class Unsupported(Exception):
    """A value this cache cannot store exactly; the file is simply not cached."""


# --- plain data <-> values ------------------------------------------------------------------

def _encode(value, path: list, tags: list):
    """Values as JSON-ready data; dates and times become text, their places and kinds go to `tags`."""
    t = type(value)
    if t is str or t is int or t is bool or t is float or value is None:
        return value
    if t is datetime:
        tz = value.tzinfo
        if tz is None:
            tag = "n"
        elif isinstance(tz, ZoneInfo) and tz.key:
            tag = "z" + tz.key
        elif isinstance(tz, timezone):
            tag = "o%d" % tz.utcoffset(None).total_seconds()
        else:
            raise Unsupported(repr(tz))
        tags.append([path, tag])
        return value.replace(tzinfo=None).isoformat()
    if t is date:
        tags.append([path, "d"])
        return value.isoformat()
    if t is list:
        return [_encode(v, path + [i], tags) for i, v in enumerate(value)]
    if t is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                raise Unsupported(repr(k))
            out[k] = _encode(v, path + [k], tags)
        return out
    raise Unsupported(type(value).__name__)


_ZONES: dict[str, ZoneInfo] = {}


def _decode_one(text: str, tag: str):
    if tag == "d":
        return date.fromisoformat(text)
    dt = datetime.fromisoformat(text)
    if tag == "n":
        return dt
    if tag[0] == "z":
        zone = _ZONES.get(tag)
        if zone is None:
            zone = _ZONES[tag] = ZoneInfo(tag[1:])
        return dt.replace(tzinfo=zone)
    if tag[0] == "o":
        return dt.replace(tzinfo=timezone(timedelta(seconds=int(tag[1:]))))
    raise ValueError(tag)


def _apply_tags(data, tags: list) -> None:
    for path, tag in tags:
        *parents, last = path
        node = data
        for p in parents:
            node = node[p]
        node[last] = _decode_one(node[last], tag)


class LazyLines(Mapping):
    """A record's line map, built from its stored form only when a finding asks for a line:
    most records never need it, and building 100,000 of them costs more than the rest of a hit."""

    __slots__ = ("_raw", "_map")

    def __init__(self, raw: bytes):
        self._raw, self._map = raw, None

    def _get(self) -> dict:
        if self._map is None:
            self._map = {tuple(x[:-1]): x[-1] for x in json.loads(self._raw)}
            self._raw = None
        return self._map

    def __getitem__(self, key):
        return self._get()[key]

    def get(self, key, default=None):
        return self._get().get(key, default)

    def __contains__(self, key):
        return key in self._get()

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


def encode_entry(record, findings: list[Finding], refs: list) -> tuple[bytes, bytes]:
    """One loader outcome (record or None, findings, pending references) as (data, lines) JSON bytes."""
    tags: list = []
    rec = None
    lines = b"[]"
    if record is not None:
        rec = [record.kind.name, record.id, record.path, record.valid, _encode(dict(record), [0, 4], tags)]
        lines = json.dumps([[*k, v] for k, v in record.lines.items()], ensure_ascii=False,
                           separators=(",", ":")).encode("utf-8", "surrogatepass")
    found = [[_encode(getattr(f, n), [1, i, j], tags) for j, n in enumerate(_FINDING_FIELDS)]
             for i, f in enumerate(findings)]
    pending = [[list(path), _encode(value, [2, i, 1], tags), list(kinds)]
               for i, (_, path, value, kinds) in enumerate(refs)]
    data = json.dumps([rec, found, pending, tags], ensure_ascii=False, separators=(",", ":"))
    return data.encode("utf-8", "surrogatepass"), lines


_KINDS_SEEN: dict[str, tuple] = {}


def decode_entry(data, lines: bytes, make_record):
    """Stored bytes (or their JSON already decoded) -> (record or None, findings, refs); raises on
    anything malformed."""
    obj = json.loads(data) if isinstance(data, (bytes, str)) else data
    rec, found, pending, tags = obj
    if tags:
        _apply_tags(obj, tags)
    record = None
    if rec is not None:
        kind_name, rid, path, valid, values = rec
        if type(values) is not dict or type(rid) is not str or type(path) is not str:
            raise ValueError("shape")
        record = make_record(model.KINDS[kind_name], rid, path, values, LazyLines(lines))
        record.valid = bool(valid)
    findings = [Finding(*row) for row in found] if found else []
    refs = []
    for path, value, kinds in pending:
        k = "\0".join(kinds)
        t = _KINDS_SEEN.get(k)
        if t is None:
            t = _KINDS_SEEN[k] = tuple(kinds)
        refs.append((record, tuple(path), value, t))
    if refs and record is None:
        raise ValueError("references without a record")
    return record, findings, refs


def _parse_encoded(job):
    """In a worker process: parse one file and return its entry in stored form (None: not storable)."""
    parse_file, root, rel, real, settings = job
    outcome = parse_file(root, rel, settings, real)
    try:
        return rel, encode_entry(*outcome)
    except (Unsupported, TypeError, ValueError):
        return rel, None


# --- content ids ----------------------------------------------------------------------------

def _git(root: Path, *args: str) -> bytes | None:
    try:
        proc = subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=root, capture_output=True,
                              env=_GIT_ENV, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a file (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def git_blob_ids(root: Path, folder: str) -> dict[str, str]:
    """Repository path -> blob id for files under `folder` that git tracks and that are unchanged
    in the work tree; empty when git is missing or this is not the top of a repository."""
    top = _git(root, "rev-parse", "--show-prefix")
    if top is None or top.strip():
        return {}  # not a repository, or root is a sub-folder of one: paths would not match
    staged = _git(root, "ls-files", "-s", "-z", "--", f":(literal){folder}")
    changed = _git(root, "diff-files", "--name-only", "-z", "--", f":(literal){folder}")
    if staged is None or changed is None:
        return {}
    dirty = set(changed.split(b"\0"))
    out: dict[str, str] = {}
    for item in staged.split(b"\0"):
        if not item:
            continue
        meta, _, name = item.partition(b"\t")
        mode, blob, stage = meta.split(b" ")
        if stage != b"0" or mode not in (b"100644", b"100755") or name in dirty:
            continue  # conflicts, links and edited files are read and hashed instead
        out[name.decode("utf-8", "surrogateescape")] = blob.decode("ascii")
    return out


# --- the cache ------------------------------------------------------------------------------

class ParseCache:
    """Use: ``cache = ParseCache(root, settings, Record)``; ``cache.get(rel, real)`` before parsing a file,
    ``cache.put(rel, real, outcome)`` after, ``cache.close()`` at the end (writes, prunes)."""

    def __init__(self, root: Path, settings, make_record, folder: str = "records", enabled: bool = True,
                 blobs: dict[str, str] | None = None, home: Path | None = None):
        self.root = Path(root)
        self.home = Path(home) if home is not None else self.root  # whose .huifang/cache holds the entries
        self.make_record = make_record
        self.started = time.time_ns()
        self.hits = self.misses = 0
        self._new: list[tuple] = []
        self._ahead: list[tuple] = []  # entries parsed by workers, stored when they were used
        self._keys: dict[str, str] = {}
        self._found: dict[str, tuple] = {}
        self._db: sqlite3.Connection | None = None
        if not enabled or LOADER_VERSION is None or os.environ.get("HUIFANG_NO_CACHE"):
            return
        self._prefix = hashlib.sha256(f"{LOADER_VERSION}\0{settings!r}".encode()).hexdigest()[:16]
        self._blobs = git_blob_ids(self.root, folder) if blobs is None else blobs
        self._db = self._open()

    # -- database

    def _path(self) -> Path:
        return self.home / CACHE_DIR / DB_NAME

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path(), timeout=10, isolation_level=None)
        db.execute("PRAGMA busy_timeout=10000")
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError:
            pass  # a file system without shared memory: the default rollback journal is atomic too
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS parse (key TEXT NOT NULL UNIQUE, sum INTEGER NOT NULL,"
                   " data BLOB NOT NULL, lines BLOB NOT NULL)")
        db.execute("SELECT count(*) FROM (SELECT 1 FROM parse LIMIT 1)").fetchone()
        return db

    def _open(self) -> sqlite3.Connection | None:
        if cache_folder(self.home) is None:
            return None
        try:
            return self._connect()
        except sqlite3.DatabaseError:  # not a database, or damaged beyond SQLite's own recovery: start over
            for suffix in ("", "-wal", "-shm", "-journal"):
                try:
                    os.unlink(str(self._path()) + suffix)
                except OSError:
                    pass
            try:
                return self._connect()
            except sqlite3.Error:
                return None
        except sqlite3.Error:
            return None

    def _disable(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None

    # -- keys

    def _key(self, rel: str, real: Path | None) -> str | None:
        blob = self._blobs.get(rel) if real is None else None
        if blob is None:
            try:
                with open(real or (self.root / rel), "rb") as fh:
                    blob = blob_id(fh.read())  # what git would call it: the same key once it is committed
            except OSError:
                return None  # the loader will report it; nothing to cache
        return hashlib.blake2b(f"{self._prefix}\0{rel}\0{blob}".encode("utf-8", "surrogateescape"),
                               digest_size=16).hexdigest()

    @staticmethod
    def _sum(key: str, data: bytes, lines: bytes) -> int:
        """A checksum of the whole row: a damaged page never passes for an entry."""
        return zlib.crc32(lines, zlib.crc32(data, zlib.crc32(key.encode("ascii"))))

    def prefetch(self, entries: list[tuple[str, Path | None]]) -> None:
        """Look up every file's entry in a few queries (faster than one query per file)."""
        if self._db is None:
            return
        for rel, real in entries:
            key = self._key(rel, real)
            if key is not None:
                self._keys[rel] = key
        keys = list(self._keys.values())
        try:
            for i in range(0, len(keys), _BATCH):
                chunk = keys[i:i + _BATCH]
                rows = self._db.execute(
                    f"SELECT key, sum, data, lines FROM parse WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                good = [(key, data, lines) for key, total, data, lines in rows
                        if type(data) is bytes and type(lines) is bytes and self._sum(key, data, lines) == total]
                try:  # one decode for the whole batch: per-call overhead dominates small documents
                    objs = json.loads(b"[" + b",".join(data for _, data, _ in good) + b"]")
                    if len(objs) != len(good):
                        raise ValueError("batch")
                except ValueError:
                    objs = [data for _, data, _ in good]  # each decoded (and judged) on its own
                for (key, _, lines), obj in zip(good, objs):
                    self._found[key] = (obj, lines)
        except sqlite3.DatabaseError:
            self._found.clear()
            self._disable()

    def parse_ahead(self, entries: list[tuple[str, Path | None]], parse_file, settings) -> None:
        """Parse the files the cache does not hold in worker processes, one per core, when there are
        enough of them to pay for starting the workers (a first run, a new loader version): their
        entries then come out of `get` like cached ones, and are stored at `close`.

        `parse_file(root, rel, settings, real)` must be a module-level function (it is sent to the
        workers by name). Anything going wrong here leaves the files to be parsed in this process.
        As always with spawned workers, a script that calls `load` must keep its own work under
        ``if __name__ == "__main__":`` (the workers import the main module).
        """
        if self._db is None or (os.cpu_count() or 1) < 2:
            return
        todo = [(rel, real) for rel, real in entries if self._keys.get(rel) and self._keys[rel] not in self._found]
        if len(todo) < PARALLEL_MIN:
            return
        jobs = [(parse_file, self.root, rel, real, settings) for rel, real in todo]
        reals = dict(todo)
        try:
            with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=get_context("spawn")) as pool:
                for rel, stored in pool.map(_parse_encoded, jobs, chunksize=64):
                    if stored is None:
                        continue
                    key = self._keys[rel]
                    data, lines = stored
                    self._found[key] = (data, lines)
                    try:
                        fresh = os.stat(reals[rel] or (self.root / rel)).st_mtime_ns >= self.started - _SETTLE_NS
                    except OSError:
                        fresh = True
                    if not fresh:
                        self._ahead.append((key, self._sum(key, data, lines), data, lines))
        except Exception:  # noqa: BLE001 - no workers (sandbox, no /dev/shm…): parse here instead
            return

    def holds(self, rel: str) -> bool:
        """Whether `get` will answer for this file without parsing it (after `prefetch`)."""
        key = self._keys.get(rel)
        return key is not None and key in self._found

    def get(self, rel: str, real: Path | None = None):
        """The cached (record, findings, refs) for a file, or None."""
        key = self._keys.get(rel)
        row = self._found.pop(key, None) if key else None
        if row is not None:
            try:
                got = decode_entry(*row, self.make_record)
                self.hits += 1
                return got
            except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
                pass
        self.misses += 1
        return None

    def put(self, rel: str, real: Path | None, outcome) -> None:
        key = self._keys.get(rel)
        if key is None or self._db is None:
            return
        try:
            st = os.stat(real or (self.root / rel))
            if st.st_mtime_ns >= self.started - _SETTLE_NS:
                return  # changed just now: its key may not describe what was parsed
            data, lines = encode_entry(*outcome)
        except (OSError, Unsupported, TypeError, ValueError):
            return
        self._new.append((key, self._sum(key, data, lines), data, lines))
        if outcome[0] is not None:
            outcome[0].lines = LazyLines(lines)  # the stored form is smaller than the dict it replaces

    def close(self) -> None:
        """Store the new entries in one transaction; drop entries no run uses any more."""
        db, self._db = self._db, None
        if db is None:
            return
        try:
            if self._new or self._ahead:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO parse (key, sum, data, lines) VALUES (?, ?, ?, ?)",
                               self._ahead + self._new)
                db.execute("COMMIT")
            used = len(self._keys)
            total = db.execute("SELECT count(*) FROM parse").fetchone()[0]
            if total > 2 * used + 1000:
                db.execute("BEGIN IMMEDIATE")
                db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
                db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in self._keys.values()))
                db.execute("DELETE FROM parse WHERE key NOT IN (SELECT key FROM used)")
                db.execute("COMMIT")
        except sqlite3.Error:
            pass  # busy for too long, read-only or full disk: the next run tries again
        finally:
            self._new.clear()
            self._ahead.clear()
            try:
                db.close()
            except sqlite3.Error:
                pass
