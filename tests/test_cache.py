"""Parse cache: an unchanged file is never parsed twice, and a damaged, stale or half-written cache is
never trusted (the result is always what a run without any cache gives)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from generator import cache as cache_mod
from generator import load as load_mod
from generator.cache import ParseCache, Unsupported, decode_entry, encode_entry
from generator.findings import Finding
from generator.load import Record, load
from generator.dates import TZ

PROJECT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
       "GIT_AUTHOR_NAME": "孙婷婷", "GIT_AUTHOR_EMAIL": "sun@example.com",
       "GIT_COMMITTER_NAME": "孙婷婷", "GIT_COMMITTER_EMAIL": "sun@example.com"}

CUSTOMER = """\
id: CUST-0001
name: 张明
class: B
type: 业主
phone: "13812345678"
address: 翠湖花园 3 栋 2 单元 601
"""


def visit(n: int, extra: str = "") -> str:
    return textwrap.dedent(f"""\
        id: HF-20261103-{n:03d}
        date: 2026-11-03 10:{n % 60:02d}:00+08:00
        method: 电话
        purpose: 例行回访
        customer: CUST-0001
        visitor: 李娜
        content: |
          电话回访，业主表示满意。{extra}
        satisfaction:
          service: 满意
        review:
          by: 王丽
          date: 2026-11-04
        """)


def settle(root: Path) -> None:
    """Files written just now are not cached (they might still be changing): date them back."""
    old = time.time() - 60
    for p in (root / "records").rglob("*"):
        os.utime(p, (old, old))


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=ENV).stdout


@pytest.fixture
def records(tmp_path) -> Path:
    """A committed records repository: one customer, 30 visits (one with an unknown key), one broken file."""
    root = tmp_path / "repo"
    (root / "records" / "customers").mkdir(parents=True)
    (root / "records" / "customers" / "CUST-0001.yml").write_text(CUSTOMER, encoding="utf-8")
    v = root / "records" / "visits" / "2026" / "11"
    v.mkdir(parents=True)
    for n in range(1, 31):
        (v / f"HF-20261103-{n:03d}.yml").write_text(visit(n) + ("mood: 好\n" if n == 7 else ""), encoding="utf-8")
    (v / "HF-20261103-031.yml").write_text("id: HF-20261103-031\ndate: [oops\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "记录")
    settle(root)
    return root


def snapshot(result) -> tuple:
    """Everything the loader hands on, in comparable form."""
    records, findings = result
    rows = [(r.kind.name, r.id, r.path, repr(r.data), sorted(r.lines.items(), key=repr), r.valid) for r in records.all]
    return rows, sorted(findings, key=lambda f: f.sort_key())


class Counter:
    """Stands in for load_file and counts the files actually parsed."""

    def __init__(self, monkeypatch):
        self.parsed: list[str] = []
        real = load_mod.load_file

        def counted(root, rel, *a, **kw):
            self.parsed.append(rel)
            return real(root, rel, *a, **kw)

        monkeypatch.setattr(load_mod, "load_file", counted)


def db_path(root: Path) -> Path:
    return root / ".huifang" / "cache" / "parse.sqlite3"


def test_second_load_parses_nothing_and_gives_the_same_result(records, monkeypatch):
    first = snapshot(load(records))
    assert db_path(records).exists()
    count = Counter(monkeypatch)
    second = snapshot(load(records))
    assert count.parsed == []
    assert second == first
    assert any(f.rule == "YAML" for f in second[1]) and any("mood" in f.message for f in second[1])


def test_one_edited_file_is_the_only_one_parsed(records, monkeypatch):
    load(records)
    rel = "records/visits/2026/11/HF-20261103-005.yml"
    (records / rel).write_text(visit(5, "补记一句。"), encoding="utf-8")
    settle(records)
    count = Counter(monkeypatch)
    result = load(records)
    assert count.parsed == [rel]
    assert "补记一句" in result[0].by_id["HF-20261103-005"]["content"]
    count.parsed.clear()
    assert snapshot(load(records)) == snapshot(result) and count.parsed == []  # the edit is cached too


def test_untracked_files_and_folders_without_git_are_cached_by_content(records, monkeypatch, tmp_path):
    rel = "records/visits/2026/11/HF-20261103-040.yml"
    (records / rel).write_text(visit(40), encoding="utf-8")
    settle(records)
    load(records)
    count = Counter(monkeypatch)
    load(records)
    assert count.parsed == []
    plain = tmp_path / "plain"
    plain.mkdir()
    os.rename(records / "records", plain / "records")
    settle(plain)
    load(plain)
    count.parsed.clear()
    load(plain)
    assert count.parsed == []


def test_a_file_changed_just_before_the_run_is_parsed_again_next_time(records, monkeypatch):
    rel = "records/visits/2026/11/HF-20261103-002.yml"
    (records / rel).write_text(visit(2, "刚刚改的。"), encoding="utf-8")  # mtime: now
    load(records)
    count = Counter(monkeypatch)
    load(records)
    assert count.parsed == [rel]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "directory"])
def test_a_damaged_database_is_ignored_and_rebuilt(records, monkeypatch, damage):
    expected = snapshot(load(records))
    path = db_path(records)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    if damage == "garbage":
        path.write_bytes(b"\x00\xffnot a database" * 500)
    elif damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
        path.mkdir()
    assert snapshot(load(records)) == expected
    if damage != "directory":
        count = Counter(monkeypatch)
        assert snapshot(load(records)) == expected and count.parsed == []  # rebuilt


def test_a_damaged_entry_is_a_miss_never_a_wrong_record(records, monkeypatch):
    expected = snapshot(load(records))
    db = sqlite3.connect(db_path(records))
    rows = [r for r in db.execute("SELECT rowid, data FROM parse").fetchall() if "满意".encode() in r[1]]
    for rowid, data in rows[:10]:  # change a value, keep the shape, leave the checksum
        db.execute("UPDATE parse SET data = ? WHERE rowid = ?", (data.replace("满意".encode(), "很不满意".encode()), rowid))
    for rowid, _ in rows[10:13]:  # not JSON at all, with a matching checksum
        bad = b"{]"
        key = db.execute("SELECT key FROM parse WHERE rowid = ?", (rowid,)).fetchone()[0]
        db.execute("UPDATE parse SET data = ?, lines = ?, sum = ? WHERE rowid = ?",
                   (bad, b"[]", ParseCache._sum(key, bad, b"[]"), rowid))
    db.commit()
    db.close()
    count = Counter(monkeypatch)
    assert snapshot(load(records)) == expected
    assert len(count.parsed) == 13


def test_loader_version_and_settings_are_part_of_the_key(records, monkeypatch):
    load(records)
    count = Counter(monkeypatch)
    monkeypatch.setattr(cache_mod, "LOADER_VERSION", "another loader")
    load(records)
    assert len(count.parsed) == 32
    count.parsed.clear()
    c = ParseCache(records, ("years", 2000, 2050), Record)
    c.prefetch([("records/customers/CUST-0001.yml", None)])
    assert c.get("records/customers/CUST-0001.yml") is None
    c.close()


KILL_IN_WRITE = """
import os, signal, sys
sys.path.insert(0, {project!r})
from generator import cache
from generator.load import load

def close(self):
    db = self._db
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT OR REPLACE INTO parse (key, sum, data, lines) VALUES (?, ?, ?, ?)", self._new)
    os.kill(os.getpid(), signal.SIGKILL)

cache.ParseCache.close = close
load({root!r})
"""


def test_a_run_killed_while_writing_leaves_a_usable_cache(records, monkeypatch):
    expected = snapshot(load(records))
    db_path(records).unlink()
    proc = subprocess.run([sys.executable, "-c", KILL_IN_WRITE.format(project=str(PROJECT), root=str(records))],
                          capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(load(records)) == expected  # the half-written transaction is rolled back
    count = Counter(monkeypatch)
    assert snapshot(load(records)) == expected and count.parsed == []


def test_runs_killed_at_any_moment_and_concurrent_runs_never_give_a_wrong_report(records):
    def check() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "generator", "--root", str(records), "check", "--as-of",
                                 "2026-11-30", "--format", "json"], cwd=PROJECT, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env={**ENV, "PYTHONPATH": str(PROJECT)})

    expected = json.loads(check().communicate()[0])
    for delay in (0.05, 0.2, 0.4, 0.6, 0.9):
        proc = check()
        time.sleep(delay)
        proc.kill()
        proc.wait()
    runs = [check() for _ in range(3)]
    for proc in runs:
        assert json.loads(proc.communicate()[0]) == expected
    assert json.loads(check().communicate()[0]) == expected


def test_values_round_trip_exactly():
    data = {"id": "HF-1", "when": datetime(2026, 11, 3, 10, 0, tzinfo=TZ), "day": date(2026, 2, 28),
            "utc": datetime(2026, 1, 1, tzinfo=timezone.utc), "off": datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))),
            "naive": datetime(2026, 1, 1, 8), "n": [1, 2.5, True, None, "文字", {"inner": date(2026, 1, 2)}],
            "empty": {}, "big": 10 ** 17}
    rec = Record(load_mod.model.KINDS["visit"], "HF-1", "records/visits/HF-1.yml", data,
                 {(): 1, ("id",): 1, ("n", 5, "inner"): 9})
    rec.valid = False
    f = Finding("SCHEMA", "warning", rec.path, 9, rec.id, "说明")
    got, findings, refs = decode_entry(*encode_entry(rec, [f], [(rec, ("n", 4), "CUST-1", ("customer",))]), Record)
    assert repr(got.data) == repr(data) and got.data == data
    assert got.data["when"].tzinfo == TZ and got.data["when"].utcoffset() == timedelta(hours=8)
    assert dict(got.lines) == rec.lines and got.line("n", 5, "inner") == 9 and got.valid is False
    assert findings == [f] and refs == [(got, ("n", 4), "CUST-1", ("customer",))]


def test_values_it_cannot_store_exactly_are_not_stored():
    rec = Record(load_mod.model.KINDS["visit"], "HF-1", "p", {"x": object()}, {})
    with pytest.raises(Unsupported):
        encode_entry(rec, [], [])
    rec = Record(load_mod.model.KINDS["visit"], "HF-1", "p", {"x": ("a", "b")}, {})
    with pytest.raises(Unsupported):
        encode_entry(rec, [], [])


def test_the_cache_holds_no_pickle_and_can_be_deleted_any_time(records):
    expected = snapshot(load(records))
    folder = records / ".huifang" / "cache"
    assert not list(folder.rglob("*.pickle"))
    assert (folder / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    with open(db_path(records), "rb") as fh:
        assert fh.read(16) == b"SQLite format 3\x00"
    subprocess.run(["rm", "-rf", str(records / ".huifang")], check=True)
    assert snapshot(load(records)) == expected


def test_every_module_the_loader_uses_is_part_of_the_loader_version():
    import re
    text = (PROJECT / "generator" / "load.py").read_text(encoding="utf-8")
    used = set()
    for m in re.finditer(r"^from \.(\w*) import ([\w, ]+)", text, re.MULTILINE):
        used.update([m.group(1)] if m.group(1) else [n.strip() for n in m.group(2).split(",")])
    assert {f"{name}.py" for name in used} <= set(cache_mod._SOURCES)


def test_many_new_files_are_parsed_by_worker_processes_with_the_same_result(records, monkeypatch):
    monkeypatch.setenv("HUIFANG_NO_CACHE", "1")
    expected = snapshot(load(records))
    monkeypatch.delenv("HUIFANG_NO_CACHE")
    monkeypatch.setattr(cache_mod, "PARALLEL_MIN", 1)
    stored = []
    real_ahead = ParseCache.parse_ahead

    def ahead(self, *a, **kw):
        real_ahead(self, *a, **kw)
        stored.append(len(self._ahead))

    monkeypatch.setattr(ParseCache, "parse_ahead", ahead)
    assert snapshot(load(records)) == expected
    assert stored == [32]  # every file came from a worker (the broken one too)
    count = Counter(monkeypatch)
    assert snapshot(load(records)) == expected and count.parsed == []
