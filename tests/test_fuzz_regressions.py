"""Failures the fuzzing campaign found, kept as plain tests: each names the class it guards against."""

from __future__ import annotations

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
