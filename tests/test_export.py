"""`huifang export`: the analysis as versioned data; the same figures and findings `check` reports."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from generator import export
from generator.cli import main
from generator.pipeline import analyse

PROJECT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(PROJECT / "records", root / "records")
    shutil.copy2(PROJECT / "huifang.yml", root / "huifang.yml")
    return root


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(cwd), *args], capture_output=True,
                          text=True, encoding="utf-8")


def test_json_export_follows_its_published_schema_and_is_deterministic(demo):
    first = run("export", "--as-of", AS_OF, cwd=demo)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    schema = json.loads(run("export", "--schema", cwd=demo).stdout)
    jsonschema.validate(data, schema)
    assert (data["schema"], data["version"], data["as_of"], data["as_of_day"]) == \
        ("huifang-export", 1, "2026-11-21T00:00:00+08:00", "2026-11-20")
    assert run("export", "--as-of", AS_OF, cwd=demo).stdout == first.stdout


def test_export_and_check_read_the_same_analysis(demo):
    data = json.loads(run("export", "--as-of", AS_OF, cwd=demo).stdout)
    checked = json.loads(run("check", "--as-of", AS_OF, "--format", "json", cwd=demo).stdout)
    key = ("rule", "severity", "file", "line", "record", "message", "status", "due", "period", "subject")
    assert sorted((tuple(f[k] for k in key) for f in data["findings"]), key=repr) == \
        sorted((tuple(f[k] for k in key) for f in checked["findings"]), key=repr)
    a = analyse(demo, AS_OF)
    kinds = [r["kind"] for r in data["periods"]]
    assert kinds.count("rule") == len(a.figures) and kinds.count("report") == len(a.reports.shares())
    assert len(data["open_items"]) == len(a.open_items)
    # the demo's overdue duties are in the export, with days overdue and who must act
    overdue = {(o["rule"], o["record"]) for o in data["open_items"] if o["overdue"]}
    assert {("W-CB-02", "WO-20260728-001"), ("V-NEW-01", "HF-20260817-001"), ("W-CB-06", "HF-20260827-001"),
            ("E-LC-03", "CUST-0025")} <= overdue
    # whole days late; a deadline of hours that passed earlier on the as-of day is overdue by 0 days
    assert all(o["days_overdue"] > 0 or o["due"][:10] == AS_OF for o in data["open_items"] if o["overdue"])
    # visits name their visitor; this copy has no git history, so orders and customers name nobody
    assert {o["record"]: o["responsible"] for o in data["open_items"] if o["overdue"] and o["record"].startswith("HF")} \
        == {"HF-20260730-001": "刘佳", "HF-20260817-001": "陈晓燕", "HF-20260827-001": "刘佳", "HF-20261009-001": "赵敏"}
    # a period duty no record shows names the role its clause makes responsible
    assert all(o["responsible"] for o in data["open_items"] if not o["record"])


def test_period_rows_say_what_they_count_and_their_verdict(demo):
    rows = json.loads(run("export", "--as-of", AS_OF, cwd=demo).stdout)["periods"]
    by = {(r["rule"], r["period"], r["scope"]): r for r in rows}
    july = by[("W-CB-01", "2026-07", "滨江")]
    assert (july["numerator"], july["denominator"], july["verdict"]) == (1, 2, "missed")
    year = by[("V-RATE-02", "2026", "")]
    assert year["verdict"] == "running" and year["population"]
    assert by[("V-RATE-03", "2026", "")]["denominator"] > year["denominator"]  # letters count there, and it says so
    assert "公开信" in by[("V-RATE-03", "2026", "")]["population"]
    assert all(r["verdict"] in ("met", "missed", "running", None) for r in rows)
    assert all(r["verdict"] != "running" for r in rows if r["period"] < "2026-11" and len(r["period"]) == 7)


def test_csv_tables_match_the_json_rows(demo, tmp_path):
    data = json.loads(run("export", "--as-of", AS_OF, cwd=demo).stdout)
    got = run("export", "--as-of", AS_OF, "--format", "csv", "-o", str(tmp_path / "out"), cwd=demo)
    assert got.returncode == 0, got.stderr
    for table, fields in export.TABLES.items():
        with open(tmp_path / "out" / f"{table}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(data[table])
        assert list(rows[0]) == ["version", "as_of"] + [n for n, _, _ in fields] if rows else True
        for row, want in zip(rows, data[table]):
            assert row["version"] == "1" and row["as_of"] == data["as_of"]
            assert row["rule"] == want["rule"]
    periods = run("export", "--as-of", AS_OF, "--format", "csv", cwd=demo).stdout
    assert periods == (tmp_path / "out" / "periods.csv").read_text(encoding="utf-8")


def test_exports_of_several_repositories_union_into_one_table(demo, tmp_path, repo):
    """What a group roll-up does: read every repository's periods.csv and add them up by rule and period."""
    from conftest import CUSTOMER
    repo.add(CUSTOMER)
    tables = []
    for root in (demo, repo.root):
        tables.append(list(csv.DictReader(io.StringIO(run("export", "--as-of", AS_OF, "--format", "csv",
                                                            cwd=root).stdout))))
    assert {tuple(t[0]) for t in tables if t} == {tuple(tables[0][0])}  # same columns, same version
    union = [r for t in tables for r in t]
    total = sum(int(r["denominator"]) for r in union if (r["rule"], r["period"]) == ("V-RATE-02", "2026"))
    assert total == sum(int(r["denominator"]) for r in tables[0] if (r["rule"], r["period"]) == ("V-RATE-02", "2026"))


def test_export_usage_errors(demo, tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    assert main(["--root", str(demo), "export", "--format", "csv", "-o", str(tmp_path / "file.txt")]) == 2
    assert "文件夹" in capsys.readouterr().err
    assert main(["--root", str(demo), "export", "--as-of", "2026-02-30"]) == 2
