"""One truth: walk the built demo portal and compare every figure it prints with the export.

Every figure on a month page, a report or the home page is printed as value with numerator and
denominator, e.g. 91.7%（11/12）. Each one must be a row of `huifang export` for the same as-of
(same period, numerator, denominator and value), and every rule figure of a month must be on
that month's page. The demo's overdue duties must be on its due list and its home page.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"
FIGURE = re.compile(r"(—|\d+\.\d%)（(\d+)/(\d+)）")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(PROJECT / "records", root / "records")
    shutil.copy2(PROJECT / "huifang.yml", root / "huifang.yml")
    run = [sys.executable, "-m", "generator", "--root", str(root)]
    built = subprocess.run(run + ["build", "--as-of", AS_OF], capture_output=True, text=True, encoding="utf-8")
    assert built.returncode == 0, built.stderr[-3000:]
    exported = subprocess.run(run + ["export", "--as-of", AS_OF], capture_output=True, text=True, encoding="utf-8")
    assert exported.returncode == 0, exported.stderr
    return root, json.loads(exported.stdout)


def text(path: Path) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded), search index excluded."""
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<script.*?</script>|<style.*?</style>", "", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def shown(value: float | None, n: int, d: int) -> str:
    return f"{'—' if value is None else f'{value * 100:.1f}%'}（{n}/{d}）"


def periods_of(page: str, as_of_month: str) -> set[str] | None:
    """The periods whose figures a page may print (None: any ISO week of the year, too)."""
    m = re.search(r"(\d{4}-\d{2})\.html$", page)
    if page == "index.html":
        return {as_of_month, as_of_month[:4]}
    if m is None:
        return set()
    month = m[1]
    return {month, month[:4]}


def test_every_figure_on_month_pages_reports_and_home_is_in_the_export(demo):
    root, data = demo
    site = root / "site"
    month = data["as_of_day"][:7]
    rows = data["periods"]
    checked = 0
    pages = [site / "index.html"] + sorted((site / "months").glob("20*.html")) + sorted((site / "reports").glob("*-20*.html"))
    assert len(pages) > 30
    for page in pages:
        rel = page.relative_to(site).as_posix()
        allowed = periods_of(rel, month)
        weeks = rel.startswith("reports/callbacks-")
        for value, n, d in FIGURE.findall(text(page)):
            n, d = int(n), int(d)
            match = [r for r in rows if (r["period"] in allowed or (weeks and "-W" in r["period"]))
                     and (r["numerator"], r["denominator"]) == (n, d)
                     and shown(r["value"], n, d) == f"{value}（{n}/{d}）"]
            assert match, f"{rel}: {value}（{n}/{d}） is in no export row of {sorted(allowed)}"
            checked += 1
    assert checked > 500


def test_every_rule_figure_of_a_month_is_on_its_month_page(demo):
    root, data = demo
    month = data["as_of_day"][:7]
    for r in data["periods"]:
        if r["kind"] != "rule" or len(r["period"]) != 7:
            continue
        page = root / "site" / "months" / f"{r['period']}.html"
        if not page.exists():
            continue
        assert shown(r["value"], r["numerator"], r["denominator"]) in text(page), (r["rule"], r["period"], r["scope"])
    home = text(root / "site" / "index.html")
    for r in data["periods"]:
        if r["kind"] == "rule" and r["period"] in (month, month[:4]):
            assert shown(r["value"], r["numerator"], r["denominator"]) in home, (r["rule"], r["period"], r["scope"])


def test_month_verdicts_match_their_own_errors(demo):
    root, data = demo
    month = data["as_of_day"][:7]
    errors: dict[str, int] = {}
    for f in data["findings"]:
        if f["severity"] == "error" and f["period"] and len(f["period"]) == 7:
            errors[f["period"]] = errors.get(f["period"], 0) + 1
    missed = {r["period"] for r in data["periods"] if r["kind"] == "rule" and r["verdict"] == "missed"}
    for page in sorted((root / "site" / "months").glob("20*.html")):
        m = page.stem
        shown_text = text(page)
        if m == month:
            assert "进行中" in shown_text.split("结论：")[1][:20]
        elif errors.get(m) or m in missed:
            assert "结论：未达标" in shown_text and f"{errors.get(m, 0)} 个错误" in shown_text, m
        else:
            assert "结论：达标" in shown_text, m


def test_the_demo_overdue_duties_are_on_the_due_list_and_the_home_page(demo):
    root, data = demo
    overdue = [o for o in data["open_items"] if o["overdue"]]
    assert len(overdue) >= 5
    due, home = text(root / "site" / "due.html"), text(root / "site" / "index.html")
    assert f"{len(overdue)} 项待办已逾期" in home
    for o in overdue:
        assert o["record"] in due and o["record"] in home
        assert f"{o['days_overdue']} 天" in due
    body = due[due.rindex("已逾期（"):]  # past the table of contents
    first_open = body.index("未到期（")
    assert all(body.index(o["record"]) < first_open for o in overdue)  # overdue first


def test_a_supervisor_explanation_stands_beside_its_breach(demo):
    root, data = demo
    (f,) = [f for f in data["findings"] if (f["rule"], f["record"]) == ("C-DL-01", "TS-20260825-001")]
    assert (f["status"], f["history"], f["explanation"]["by"]) == ("done", True, "周建华")
    for page in ("records/complaints/TS-20260825-001.html", "months/2026-08.html", "customers/CUST-0008.html"):
        shown_text = text(root / "site" / page)
        assert "主管说明：周建华（2026-09-02）" in shown_text and "已成事实" in shown_text, page
