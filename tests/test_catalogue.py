"""docs/ is generated from the code's own rule and model definitions, and `huifang rules RULE-ID` prints one rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import catalogue
from generator.cli import main
from generator.config import PARAMS, THRESHOLDS
from generator.rules import REGISTRY, all_rules

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(catalogue.DOCS))
def test_docs_are_generated_from_the_code(name):
    shipped = (PROJECT / "docs" / name).read_text(encoding="utf-8")
    assert shipped == catalogue.DOCS[name](), f"docs/{name} is stale: run python -m generator.catalogue"


def test_every_rule_source_names_a_document():
    assert [r.id for r in all_rules() if not catalogue.source_title(r.source)] == []


def test_every_option_and_threshold_reaches_a_rule_in_the_catalogue():
    text = (PROJECT / "docs" / "rules.md").read_text(encoding="utf-8")
    for p in PARAMS.values():
        assert f"`profile.{p.name}`" in text, p.name
        assert all(rid in REGISTRY for rid in p.rules)
    for name in THRESHOLDS:
        assert f"`thresholds.{name}`" in text, name


def test_rules_that_are_not_checked_say_why_in_the_catalogue():
    text = (PROJECT / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in all_rules():
        section = text.split(f"### {r.id} ", 1)[1].split("\n### ", 1)[0]
        if r.enforced:
            assert "- **怎样检查**：从记录中检查" in section
        else:
            assert f"- **怎样检查**：不从记录中检查：{r.reason}" in section


def test_format_doc_lists_every_field_of_every_kind():
    from generator.model import KINDS
    text = (PROJECT / "docs" / "format.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        assert f"### {kind.title}（{kind.name}）" in text
        for f in kind.fields:
            assert f"| `{f.name}` |" in text


def test_no_count_of_rules_is_written_down():
    """Counts are printed by `huifang rules`, never typed into docs or the README (they would drift)."""
    for path in [PROJECT / "README.md", *(PROJECT / "docs").glob("*.md"), *(PROJECT / "kit").rglob("*.md"),
                 *(PROJECT / "templates" / "portal").rglob("*")]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"\d+\s*条规则", text), path


# -- huifang rules RULE-ID --------------------------------------------------------------------------

def test_rules_prints_one_rule_in_full_with_the_repository_settings(repo, capsys):
    repo.config("profile:\n  signature: SIGN-STRICT\nrules:\n  V-DAY-01:\n    enabled: false\n    reason: 夜班统一录入\n")
    assert main(["--root", str(repo.root), "rules", "V-SIGN-01"]) == 0
    out = capsys.readouterr().out
    r = REGISTRY["V-SIGN-01"]
    assert out.startswith(f"V-SIGN-01  {r.title}\n")
    for word in (r.asks, r.source, "住宅园区回访工作管理规定", "不能降级", "profile.signature", "SIGN-REFUSAL（默认）",
                 "当前：SIGN-STRICT"):
        assert word in out, word
    assert main(["--root", str(repo.root), "rules", "v-day-01"]) == 0
    assert "已在 huifang.yml 关闭，原因：夜班统一录入" in capsys.readouterr().out


def test_rules_explains_format_findings_and_works_outside_a_repository(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["rules", "SCHEMA"]) == 0
    assert "记录格式" in capsys.readouterr().out
    assert main(["rules", "E-DEF-01"]) == 0
    out = capsys.readouterr().out
    assert "当前：" not in out or "profile" in out  # defaults only: no repository settings to show
    assert "002" in out


def test_rules_refuses_an_unknown_id_with_a_suggestion(repo, capsys):
    assert main(["--root", str(repo.root), "rules", "V-SIGN-1"]) == 2
    err = capsys.readouterr().err
    assert "没有编号为“V-SIGN-1”的规则" in err and "V-SIGN-01" in err


def test_not_checkable_rule_says_why(repo, capsys):
    r = next(r for r in all_rules() if not r.enforced)
    assert main(["--root", str(repo.root), "rules", r.id]) == 0
    assert f"不从记录中检查：{r.reason}" in capsys.readouterr().out
