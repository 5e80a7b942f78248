"""Faults leave the published portal whole: builds killed at several points, a failing build and two
concurrent builds, each against a real `huifang build` (real MkDocs) in a subprocess."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CUSTOMER

PROJECT = Path(__file__).resolve().parent.parent
VISIT = """
id: HF-20261103-001
date: 2026-11-03 10:00:00+08:00
method: 电话
purpose: 例行回访
customer: CUST-0001
visitor: 李娜
content: 电话回访，业主表示满意。
"""


def _build_cmd(root: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "--root", str(root), "build", "--as-of", "2026-11-30"]


def _start(root: Path) -> subprocess.Popen:
    return subprocess.Popen(_build_cmd(root), cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own process group: MkDocs dies with it


def _portal(root: Path) -> dict[str, str]:
    """Every file of site/ with a digest of its bytes."""
    site = root / "site"
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import Repo
    repo = Repo(tmp_path_factory.mktemp("atomic"))
    repo.add(CUSTOMER)
    repo.add(VISIT)
    done = subprocess.run(_build_cmd(repo.root), cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    before = _portal(repo.root)
    assert "index.html" in before and len(before) > 20
    # the next builds would publish a different portal (one more record), so a half swap would show
    repo.add(VISIT.replace("HF-20261103-001", "HF-20261104-001").replace("11-03", "11-04"))
    return repo, before


def _wait_for(predicate, proc: subprocess.Popen, seconds: float = 300) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    return False


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=60)


def _building(root: Path) -> list[Path]:
    return list((root / ".huifang").glob("site.building-*"))


def _writing(root: Path) -> bool:
    """MkDocs has written a page into a building folder (its folders come and go while we look)."""
    try:
        return any(any(b.rglob("*.html")) for b in _building(root))
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("point", ["analysing", "docs written", "mkdocs started", "mkdocs writing"])
def test_a_killed_build_leaves_the_previous_portal_whole(built, point):
    repo, before = built
    root = repo.root
    docs = root / ".huifang" / "docs"
    docs_mtime = docs.stat().st_mtime_ns if docs.exists() else 0
    points = {
        "analysing": lambda: True,
        "docs written": lambda: docs.exists() and docs.stat().st_mtime_ns != docs_mtime,
        "mkdocs started": lambda: bool(_building(root)),
        "mkdocs writing": lambda: _writing(root),
    }
    proc = _start(root)
    reached = _wait_for(points[point], proc)
    _kill(proc)
    assert reached or proc.returncode == 0, f"build ended before {point}"
    assert _portal(root) == before


def test_a_failing_build_leaves_the_previous_portal_whole(built):
    repo, before = built
    (repo.root / "mkdocs.yml").write_text("site_name: [unclosed\n", encoding="utf-8")
    try:
        done = subprocess.run(_build_cmd(repo.root), cwd=PROJECT, capture_output=True, text=True, timeout=600)
    finally:
        (repo.root / "mkdocs.yml").unlink()
    assert done.returncode == 2 and "Traceback" not in done.stderr.split("MkDocs 构建失败")[-1]
    assert _portal(repo.root) == before
    assert _building(repo.root) == []


def test_concurrent_builds_and_a_build_after_a_kill_publish_one_whole_portal(built):
    repo, before = built
    root = repo.root
    first, second = _start(root), _start(root)
    out = [p.communicate(timeout=600) for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), [o[1][-2000:] for o in out]
    after = _portal(root)
    assert after != before and "index.html" in after
    # the new visit: a section of its customer's archive
    assert 'id="hf-20261104-001"' in (root / "site" / "customers" / "CUST-0001.html").read_text(encoding="utf-8")
    assert _building(root) == []  # nothing left behind, including what killed builds left
