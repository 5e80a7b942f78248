"""Failures the fuzzing campaign found, kept as plain tests: each names the class it guards against."""

from __future__ import annotations

import json

import pytest

from generator.cli import main

from conftest import CUSTOMER


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1989-12-31", "2101-01-01"])
def test_as_of_outside_the_years_window_is_a_usage_error(repo, capsys, as_of):
    """--as-of 9999-12-31 overflowed inside the rules."""
    repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", as_of]) == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "Traceback" not in err


def test_the_years_window_is_configurable(repo, capsys):
    repo.add(CUSTOMER)
    repo.config("thresholds:\n  year_min: 1980\n")
    assert main(["--root", str(repo.root), "check", "--as-of", "1985-06-01"]) == 0


@pytest.fixture
def raising_rule(monkeypatch):
    """A real rule registered for the test whose check raises, as an out-of-range value once made several do."""
    from generator.rules import REGISTRY, Rule

    def check(ctx):
        raise OverflowError("date value out of range")

    monkeypatch.setitem(REGISTRY, "V-BOOM-01", Rule("V-BOOM-01", "测试用：总是出错", "record", "应", "test",
                                                     "测试", check, kinds=("visit",)))


def test_a_rule_that_raises_is_one_internal_finding_and_exit_2(repo, capsys, raising_rule):
    repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    internal = [f for f in json.loads(out)["findings"] if f["rule"] == "INTERNAL"]
    assert len(internal) == 1 and "V-BOOM-01" in internal[0]["message"] and "不完整" in internal[0]["message"]
    assert internal[0]["severity"] == "error"
    assert "Traceback" not in err and "V-BOOM-01" in err and "OverflowError" in err


def test_a_check_of_one_file_still_says_the_report_is_incomplete(repo, capsys, raising_rule):
    rel = repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json",
                 str(repo.root / rel)]) == 2
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["INTERNAL"]


def test_the_portal_pages_show_the_internal_finding(repo, raising_rule):
    from generator.site import generate
    repo.add(CUSTOMER)
    analysis, pages = generate(repo.root, "2026-11-30")
    assert [f.rule for f in analysis.findings if f.rule == "INTERNAL"] == ["INTERNAL"]
    assert any("V-BOOM-01" in text for text in pages.values())


def test_an_unknown_key_named_like_another_kinds_field_reaches_nobody(repo, capsys):
    """A customer with `customer: [x]` crashed `check --changed` (unhashable list in the related-records walk)."""
    repo.add(CUSTOMER + "customer: [x]\nrelated: [TS-404]\n")
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=李娜", "-c", "user.email=li@example.com", "commit", "-q", "-m", "x")
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json",
                 "--changed", "HEAD"]) in (0, 1)
    records = json.loads(capsys.readouterr().out)
    assert records is not None
    from generator.load import load
    r = load(repo.root)[0].by_id["CUST-0001"]
    assert "customer" not in r.data and "related" not in r.data
