"""Shared fixtures: small real record repositories written to a temp dir, analysed end to end."""

from __future__ import annotations

import subprocess
import textwrap
from datetime import date
from pathlib import Path

import pytest

from generator.commands import analyse, record_path
from generator.model import KINDS, kind_for_id

FIXTURES = Path(__file__).parent / "fixtures"


class Repo:
    """A records repository in a temp dir. `add()` writes a record; `analyse()` runs the pipeline."""

    def __init__(self, root: Path):
        self.root = root
        (root / "records").mkdir(parents=True, exist_ok=True)

    def write(self, rel: str, text: str) -> str:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return rel

    def add(self, text: str) -> str:
        """Write a record given as YAML text; its path follows from its id and main date."""
        body = textwrap.dedent(text).lstrip("\n")
        rid = next(line.split(":", 1)[1].strip() for line in body.splitlines() if line.startswith("id:"))
        kind = kind_for_id(rid)
        day = date(2026, 1, 1)
        if kind.main_date:
            for line in body.splitlines():
                if line.startswith(kind.main_date + ":"):
                    day = date.fromisoformat(line.split(":", 1)[1].strip()[:10])
        return self.write(record_path(kind, rid, day), body)

    def config(self, text: str) -> None:
        self.write("huifang.yml", text)

    def analyse(self, as_of: date = date(2026, 11, 30), **kw):
        return analyse(self.root, as_of, **kw)

    def git(self, *args: str, env: dict | None = None) -> str:
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True,
                              env=env).stdout


@pytest.fixture
def repo(tmp_path) -> Repo:
    return Repo(tmp_path)


def only(findings, rule: str) -> list:
    """Findings of one rule (so each test asserts exactly what its rule says)."""
    return [f for f in findings if f.rule == rule]


CUSTOMER = """
id: CUST-0001
name: 张明
class: B
type: 业主
phone: "13812345678"
address: 翠湖花园 3 栋 2 单元 601
region: 城东
"""


# -- keep and break claims ---------------------------------------------------------------------
# A rule test says what it shows with a marker: `@pytest.mark.breaks("W-CB-02")` (the records break
# the rule) or `@pytest.mark.keeps("W-CB-02")` (they keep it). The claim is checked against what the
# analyses run in the test actually produced, so a marker cannot stand on a test that shows nothing:
# - breaks: some analysis found the rule (an error or warning; a suggestion for a 可 rule) on a named
#   record at a line (period rules: on a period);
# - keeps: some analysis over records of the kinds the rule reads found no error or warning of the
#   rule and nothing of it overdue.
# test_rules_catalogue then asks every enforced rule for at least one test of each.

def pytest_configure(config):
    config.addinivalue_line("markers", "keeps(*rules): the test's records keep these rules (checked when it runs)")
    config.addinivalue_line("markers", "breaks(*rules): the test's records break these rules, on a record and "
                                       "line (checked when it runs)")


def claimed(node, name: str) -> set[str]:
    return {rid for m in node.iter_markers(name) for rid in m.args}


def _kept(rule, seen) -> bool:
    kinds, findings, overdue = seen
    if rule.kinds and not set(rule.kinds) & kinds or not kinds:
        return False
    return not any(f.rule == rule.id and f.severity in ("error", "warning") for f in findings) \
        and not any(o.rule == rule.id and o.overdue for o in overdue)


def _broken(rule, seen) -> bool:
    return any(f.rule == rule.id and (f.severity in ("error", "warning") or rule.default_severity == "info")
               and (f.record and f.file and f.line or f.file is None and f.period and rule.scope == "period")
               for f in seen[1])


@pytest.fixture(autouse=True)
def rule_claims(request, monkeypatch):
    keeps, breaks = claimed(request.node, "keeps"), claimed(request.node, "breaks")
    if not keeps and not breaks:
        yield
        return
    import generator.pipeline as pipeline
    from generator.rules import REGISTRY
    runs, real = [], pipeline.run

    def watched(records, *args, **kw):
        ctx = real(records, *args, **kw)
        runs.append(({r.kind.name for r in records.all}, list(ctx.outcome.findings), list(ctx.outcome.open_items)))
        return ctx

    monkeypatch.setattr(pipeline, "run", watched)
    yield
    unknown = sorted((keeps | breaks) - {r for r, x in REGISTRY.items() if x.enforced})
    assert not unknown, f"claims for rules that are not enforced: {unknown}"
    assert not [r for r in sorted(breaks) if not any(_broken(REGISTRY[r], s) for s in runs)], \
        f"marked breaks{sorted(breaks)} but no analysis in the test found it on a record and line"
    assert not [r for r in sorted(keeps) if not any(_kept(REGISTRY[r], s) for s in runs)], \
        f"marked keeps{sorted(keeps)} but no analysis of records it reads kept it"
