"""The command-line contract of RECORDS.md: formats, exit codes, `new`, run as a real subprocess too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from generator.cli import main

from conftest import CUSTOMER

GOOD_VISIT = """
id: HF-20261103-001
date: 2026-11-03 10:00:00+08:00
recorded: 2026-11-03 17:00:00+08:00
method: 电话
purpose: 例行回访
customer: CUST-0001
visitor: 李娜
content: 电话回访，业主表示满意。
review:
  by: 王主管
  date: 2026-11-04
  comment: 记录完整。
"""


# these tests are about the command line, not the yearly visit-mix rules a two-record repo cannot keep
QUIET = "rules:\n" + "".join(f"  {r}:\n    enabled: false\n    reason: 命令行测试\n" for r in ("V-RATE-02", "V-RATE-03"))


def run(repo, *args):
    if not (repo.root / "huifang.yml").exists():
        repo.config(QUIET)
    return main(["--root", str(repo.root), *args])


def test_exit_0_without_errors_and_1_with(repo, capsys):
    repo.add(CUSTOMER)
    repo.add(GOOD_VISIT)
    assert run(repo, "check", "--as-of", "2026-11-05") == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("共检查 2 条记录：0 个错误")
    repo.write("records/visits/2026/11/HF-20261103-002.yml", "id: HF-20261103-002\n")
    assert run(repo, "check", "--as-of", "2026-11-05") == 1


def test_warnings_alone_exit_0(repo, capsys):
    repo.add(CUSTOMER)
    repo.add(GOOD_VISIT + "colour: 蓝\n")
    assert run(repo, "check", "--as-of", "2026-11-05", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["severity"], f["line"]) for f in data["findings"]] == [("SCHEMA", "warning", 13)]


def test_json_shape(repo, capsys):
    repo.add(CUSTOMER)
    rel = repo.add(GOOD_VISIT.replace("method: 电话", "method: 电活"))
    assert run(repo, "check", "--as-of", "2026-11-05", "--format", "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["records"] == 2
    (f,) = data["findings"]
    assert {k: f[k] for k in ("rule", "severity", "file", "line", "record")} == \
        {"rule": "SCHEMA", "severity": "error", "file": rel, "line": 4, "record": "HF-20261103-001"}
    assert "电话" in f["message"]


def test_github_annotations_are_capped_at_10_per_level(repo, capsys):
    repo.add(CUSTOMER)
    for i in range(1, 13):
        repo.write(f"records/visits/2026/11/HF-20261103-{i:03d}.yml", f"id: HF-20261103-{i:03d}\nextra: 1\n")
    assert run(repo, "check", "--as-of", "2026-11-05", "--format", "github") == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 10
    assert "::group::" in out and "records/visits/2026/11/HF-20261103-012.yml" in out  # full list in the log
    first = next(line for line in lines if line.startswith("::error "))
    assert first.startswith("::error file=records/visits/2026/11/HF-20261103-001.yml,line=1,title=SCHEMA::")


def test_paths_limit_the_report(repo, capsys):
    repo.add(CUSTOMER)
    good = repo.add(GOOD_VISIT)
    repo.write("records/visits/2026/11/HF-20261103-002.yml", "id: HF-20261103-002\n")
    assert run(repo, "check", str(repo.root / good), "--as-of", "2026-11-05") == 0
    assert run(repo, "check", str(repo.root / "records" / "visits"), "--as-of", "2026-11-05") == 1


def test_usage_errors_exit_2(repo, capsys):
    repo.add(CUSTOMER)
    assert run(repo, "check", "--as-of", "2026-13-01") == 2
    assert "不是有效日期" in capsys.readouterr().err
    assert run(repo, "check", str(repo.root / "nope.yml")) == 2
    assert main(["--root", str(repo.root / "records"), "check"]) == 2


def test_new_writes_next_free_id_in_month_folder_and_never_overwrites(repo, capsys):
    repo.add(CUSTOMER)
    repo.add(GOOD_VISIT)
    assert run(repo, "new", "visit", "--date", "2026-11-03") == 0
    rel = capsys.readouterr().out.strip()
    assert rel == "records/visits/2026/11/HF-20261103-002.yml"
    text = (repo.root / rel).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../../../templates/schema/visit.json"
    assert "id: HF-20261103-002" in text and "date: 2026-11-03 " in text
    assert run(repo, "new", "customer") == 0
    assert capsys.readouterr().out.strip() == "records/customers/CUST-0002.yml"
    # existing files are never touched
    before = {p: p.read_bytes() for p in repo.root.rglob("*.yml")}
    assert run(repo, "new", "visit", "--date", "2026-11-03") == 0
    assert capsys.readouterr().out.strip() == "records/visits/2026/11/HF-20261103-003.yml"
    assert all(p.read_bytes() == b for p, b in before.items())


def test_console_script_runs_as_a_subprocess(repo):
    repo.config(QUIET)
    repo.add(CUSTOMER)
    repo.add(GOOD_VISIT)
    exe = Path(sys.executable).with_name("huifang")
    proc = subprocess.run([str(exe), "check", "--as-of", "2026-11-05"], cwd=repo.root, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "\033[" not in proc.stdout  # colour only on a terminal
    assert "共检查 2 条记录" in proc.stdout
