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
