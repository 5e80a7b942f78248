"""The rule catalogue: every rule is registered, documented (docs/rules.md), and tested when enforced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.cli import main
from generator.rules import REGISTRY, all_rules

PROJECT = Path(__file__).resolve().parent.parent

# The rules issue 4 requires to be enforced fully.
REQUIRED = """V-DAY-01 V-REV-01 V-SIGN-01 V-SIGN-02 V-NEW-01 V-REP-01 V-OL-01 V-100-01 V-RATE-01 V-RATE-02 V-RATE-03
V-ESC-01 V-DUP-01 V-ANON-01 V-ANON-02 W-SPOT-01 W-CB-01 W-CB-02 W-CB-05 W-CB-06 E-DEF-01 E-LC-01 E-LC-02 E-LC-03
E-LC-04 E-LC-05 E-FB-01 E-MON-01 C-CLS-01 C-VALID-01 C-APPR-01 C-ESC-01 C-DL-01 C-REV-01 C-REV-02 C-CLOSE-01
C-OFFH-01 T-RESP-01 T-RESP-03 S-SCALE-01 K-CLASS-01""".split()


def test_docs_catalogue_lists_exactly_the_registered_rules():
    """docs/rules.md is the shipped catalogue: one section per registered rule, none more, none less."""
    text = (PROJECT / "docs" / "rules.md").read_text(encoding="utf-8")
    listed = re.findall(r"^### ([A-Z]+-[A-Z0-9]+-\d+) ", text, re.M)
    assert sorted(listed) == sorted(r.id for r in all_rules())
    assert len(listed) == len(set(listed))


def test_required_rules_are_enforced():
    all_rules()
    assert [r for r in REQUIRED if not REGISTRY[r].enforced] == []


@pytest.mark.parametrize("rule", [r.id for r in all_rules()])
def test_rule_is_documented(rule):
    r = REGISTRY[rule]
    assert re.search(r"[\u4e00-\u9fff]", r.title) and re.search(r"[\u4e00-\u9fff]", r.asks)
    assert re.match(r"^(000|001|002|003|004)\b", r.source), r.source
    assert r.scope in ("record", "customer", "issue", "period", "contract")
    if not r.enforced:
        assert re.search(r"[\u4e00-\u9fff]", r.reason), "a rule that is not checked says why"


def test_rules_command_lists_every_rule_as_json(capsys):
    assert main(["--root", str(PROJECT), "rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rules"]
    assert len(rows) == len(REGISTRY)
    row = next(r for r in rows if r["id"] == "V-RATE-03")
    assert row["status"] == "enforced" and row["profile"].startswith("PM-70") and row["source"]
    assert {r["status"] for r in rows} <= {"enforced", "not-checkable", "disabled"}
    assert all(r["reason"] for r in rows if r["status"] == "not-checkable")


def test_every_enforced_rule_states_its_audit_in_its_docstring():
    """What counts as done, what is compared, which fact decides, what a missing fact means: in the code."""
    from generator.rules import all_rules
    thin = [r.id for r in all_rules() if r.check is not None and len((r.check.__doc__ or "").strip()) < 80]
    assert thin == []


def claims() -> dict[str, dict[str, list[str]]]:
    """rule id -> {"keeps": tests, "breaks": tests}: the markers of the rule test modules (conftest checks
    each claim against what the analyses in that test produced when it runs)."""
    import importlib
    import inspect
    out: dict[str, dict[str, list[str]]] = {}
    for p in sorted((PROJECT / "tests").glob("test_rules_*.py")):
        mod = importlib.import_module(p.stem)
        for name, fn in sorted(vars(mod).items()):
            if not name.startswith("test_") or getattr(fn, "__module__", None) != mod.__name__:
                continue
            for m in getattr(fn, "pytestmark", []):
                if m.name in ("keeps", "breaks"):
                    for rid in m.args:
                        out.setdefault(rid, {"keeps": [], "breaks": []})[m.name].append(
                            (f"{p.stem}::{name}", inspect.getsource(fn)))
    return out


def test_every_enforced_rule_has_a_keep_test_and_a_break_test():
    got = claims()
    lacking = [(r.id, kind) for r in all_rules() if r.enforced for kind in ("keeps", "breaks")
               if not got.get(r.id, {}).get(kind)]
    assert lacking == []


def test_break_tests_assert_the_rule_and_where():
    """A break test names its rule and asserts where: the line on the record, or the period of a period rule."""
    vague = []
    for rid, kinds in claims().items():
        r = REGISTRY[rid]
        for test, src in kinds["breaks"]:
            where_ok = "line" in src or (r.scope == "period" and "period" in src)
            if f'"{rid}"' not in src.split(":", 1)[1] or not where_ok:
                vague.append((rid, test))
    assert vague == []
