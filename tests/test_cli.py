"""The command-line contract of RECORDS.md: formats, exit codes, `new`, run as a real subprocess too."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


# -- check PATH…: the files asked about, plus the cross-record findings that involve them ------------

COMPLAINT_A = """
id: TS-20261102-001
received: 2026-11-02 10:00:00+08:00
channel: 电话
type: 投诉
category: 工程质量
customer: CUST-0001
issue: 电梯噪音
description: 电梯噪音很大。
status: 处理中
"""
COMPLAINT_B = COMPLAINT_A.replace("TS-20261102-001", "TS-20261103-001").replace("11-02 10", "11-03 10") \
    .replace("CUST-0001", "CUST-0002")
CUSTOMER_B = CUSTOMER.replace("CUST-0001", "CUST-0002").replace("张明", "李华")


def two_complaints(repo):
    repo.config(QUIET)
    repo.add(CUSTOMER)
    repo.add(CUSTOMER_B)
    a = repo.add(COMPLAINT_A)
    b = repo.add(COMPLAINT_B)
    return a, b


def test_check_path_reports_that_file_and_marks_cross_record_findings(repo, capsys):
    a, b = two_complaints(repo)
    assert run(repo, "check", "--as-of", "2026-11-30", "--format", "json") == 1
    everything = json.loads(capsys.readouterr().out)["findings"]
    assert run(repo, "check", str(repo.root / a), "--as-of", "2026-11-30", "--format", "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["records"] == 1
    found = data["findings"]
    own = [f for f in found if not f["cross_record"]]
    cross = [f for f in found if f["cross_record"]]
    assert own and {f["file"] for f in own} == {a}
    assert own == [dict(f, cross_record=False) for f in everything if f["file"] == a]
    # the same-issue escalation (V-ESC-01) and open-letter hint (V-OL-01) sit on the other complaint:
    # listed, and marked as cross-record
    assert sorted((f["rule"], f["file"]) for f in cross) == [("V-ESC-01", b), ("V-OL-01", b)]
    # nothing about the other complaint alone (its own missing reply time) is shown
    assert not [f for f in found if f["file"] == b and not f["cross_record"]]
    assert run(repo, "check", str(repo.root / a), "--as-of", "2026-11-30") == 1
    text = capsys.readouterr().out
    line = next(ln for ln in text.splitlines() if "V-ESC-01" in ln)
    assert "[跨记录]" in line
    assert not [ln for ln in text.splitlines() if "T-RESP-01" in ln and "[跨记录]" in ln]


@pytest.mark.parametrize("rel, why", [
    ("README.md", "不是记录"),
    ("huifang.yml", "配置文件"),
    ("records/notes.txt", "扩展名"),
    ("records/notes.yml", "不在任何记录类别的文件夹里"),
    ("templates/records/visit.yml", "不是记录"),
    ("templates", "不是记录文件夹"),
])
def test_check_refuses_paths_that_are_not_records(repo, capsys, rel, why):
    repo.config(QUIET)
    repo.add(CUSTOMER)
    target = repo.root / rel
    if rel == "templates":
        target.mkdir()
    elif not target.exists():
        repo.write(rel, "id: x\n")
    assert run(repo, "check", str(target)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing is counted as "1 record"
    assert why in captured.err and str(target) in captured.err


def test_check_accepts_record_folders_and_the_repository_root(repo, capsys):
    a, b = two_complaints(repo)
    assert run(repo, "check", str(repo.root / "records" / "complaints"), "--as-of", "2026-11-30") == 1
    assert "共检查 2 条记录" in capsys.readouterr().out
    assert run(repo, "check", str(repo.root), "--as-of", "2026-11-30") == 1
    assert "共检查 4 条记录" in capsys.readouterr().out


def test_every_finding_names_where_to_read_its_rule(repo, capsys):
    two_complaints(repo)
    repo.write("records/visits/2026/11/HF-20261103-009.yml", "id: HF-20261103-009\nmethod: 面谈\n")
    assert run(repo, "check", "--as-of", "2026-11-30", "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert found and all(f["help"] == f"huifang rules {f['rule']}" for f in found)
    assert run(repo, "check", "--as-of", "2026-11-30") == 1
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("  ")]
    assert lines and all(re.search(r"规则全文：huifang rules [A-Z]+(-[A-Z0-9]+-\d+)?）$", ln) for ln in lines), lines
    for rid in {f["rule"] for f in found}:
        assert main(["--root", str(repo.root), "rules", rid]) == 0  # and that command knows every one of them
    capsys.readouterr()


def test_gitlab_code_quality_report(repo, capsys):
    a, b = two_complaints(repo)
    assert run(repo, "check", "--as-of", "2026-11-30", "--format", "json") == 1
    expected = json.loads(capsys.readouterr().out)["findings"]
    assert run(repo, "check", "--as-of", "2026-11-30", "--format", "gitlab") == 1
    report = json.loads(capsys.readouterr().out)
    assert isinstance(report, list) and len(report) == len(expected)
    severity = {"error": "critical", "warning": "minor", "info": "info"}
    for issue, f in zip(report, expected):
        assert set(issue) == {"type", "check_name", "description", "severity", "fingerprint", "location"}
        assert issue["check_name"] == f["rule"] and issue["severity"] == severity[f["severity"]]
        assert issue["location"] == {"path": f["file"] or "records", "lines": {"begin": f["line"] or 1}}
        assert issue["description"].startswith(f["rule"]) and f["message"] in issue["description"]
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
    assert len({i["fingerprint"] for i in report}) == len(report)
    assert run(repo, "check", "--as-of", "2026-11-30", "--format", "gitlab") == 1
    assert json.loads(capsys.readouterr().out) == report  # stable fingerprints: GitLab tells new from old


def test_gitlab_report_of_a_clean_repository_is_an_empty_list(repo, capsys):
    repo.config(QUIET)
    repo.add(CUSTOMER.replace("class: B", "class: B"))
    code = run(repo, "check", "--as-of", "2026-11-30", "--format", "gitlab")
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out) == []
