"""Everything the command line says is Chinese: help for every command, argparse's own errors, and the
progress of a long build, which shows on a terminal and stays out of CI logs."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import build_parser, main

from conftest import CUSTOMER

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # every subcommand, as registered


def _names(parser) -> set[str]:
    """Every word the parser itself defines: commands, option names, choices (they stay as typed)."""
    out = set()
    for action in parser._actions:
        out.update(re.findall(r"[A-Za-z_]+", " ".join(action.option_strings)))
        for choice, sub in (action.choices.items() if isinstance(action.choices, dict) else
                            [(c, None) for c in (action.choices or ())]):
            out.update(re.findall(r"[A-Za-z_]+", str(choice)))
            if sub is not None:
                out |= _names(sub)
    return out


NAMES = _names(build_parser())
# Besides those: addresses, {placeholders}, acronyms (JSON, CSV), file and folder names, rule ids,
# product names and the dates' T.
OTHER = re.compile(r"https?://\S+|\{\w+\}|\b[A-Z]{2,}\b|[\w./-]*\.(yml|json|md|csv)\b|[\w-]+/|[A-Z]+-[A-Z0-9]+-\d+|\bT\d\d|"
                   r"\b(huifang|MkDocs|GitLab|Code|Quality|Schema|DuckDB|origin|main|git)\b")


def english_words(line: str) -> list[str]:
    rest = OTHER.sub(" ", line)
    return [w for w in re.findall(r"[A-Za-z_]{3,}", rest) if w not in NAMES]


def help_of(*argv: str, capsys) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_is_in_chinese(command, capsys):
    out = help_of(*([command] if command else []), capsys=capsys)
    assert out.startswith("用法：huifang")
    for english in ("usage:", "positional arguments", "options:", "show this help message", "optional arguments"):
        assert english not in out
    # every help line says something in Chinese, and no English prose is left once names are taken out
    body = [ln for ln in out.splitlines()[1:] if ln.strip() and not ln.startswith(("用法", " " * 10))]
    for ln in body:
        assert english_words(ln) == [], ln


@pytest.mark.parametrize("argv, words", [
    (["nope"], "不能是“nope”，只能是"),
    (["check", "--format", "xml"], "--format：不能是“xml”"),
    (["new"], "缺少必填的参数：种类"),
    (["new", "memo"], "种类：不能是“memo”"),
    (["check", "--as-of"], "--as-of：后面要写一个值"),
    (["check", "--bogus"], "不认识的参数：--bogus"),
    (["serve", "--port", "x"], "端口“x”无效"),
])
def test_argparse_errors_are_in_chinese(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err, err
    assert "error:" not in err and "usage:" not in err and "invalid" not in err
    assert err.splitlines()[0].startswith("用法：huifang")


def test_argparse_speaks_english_again_outside_huifang(capsys):
    import argparse
    main(["nope"])
    capsys.readouterr()
    p = argparse.ArgumentParser(prog="other")
    assert "usage:" in p.format_usage()


# -- build progress -----------------------------------------------------------------------------------

def build_in_terminal(root: Path, env: dict) -> str:
    """Run `huifang build` with a pseudo-terminal as stdout and stderr; returns what the terminal showed."""
    exe = str(Path(sys.executable).with_name("huifang"))
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(root)
        os.execve(exe, [exe, "build", "--as-of", "2026-11-30"], env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, b"".join(chunks).decode("utf-8", "replace")
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def small_repo(repo):
    repo.add(CUSTOMER)
    return repo


def test_build_shows_stage_and_count_on_a_terminal(small_repo):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    shown = build_in_terminal(small_repo.root, {**env, "NO_COLOR": "1"})
    pages = re.findall(r"\rhuifang: MkDocs 构建页面 (\d+)/(\d+)", shown)
    assert pages, shown
    n, total = map(int, pages[-1])
    assert n == total and total > 10
    assert re.search(r"\rhuifang: 写入页面 \d+/\d+", shown)
    assert "MkDocs 构建完成" in shown


def test_build_is_quiet_in_ci_even_on_a_terminal(small_repo):
    shown = build_in_terminal(small_repo.root, {**os.environ, "CI": "true", "NO_COLOR": "1"})
    assert "\r" not in shown.replace("\r\n", "\n")
    assert "构建页面" not in shown and "MkDocs 构建完成" in shown


def test_build_is_quiet_when_not_on_a_terminal(small_repo):
    exe = str(Path(sys.executable).with_name("huifang"))
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.run([exe, "build", "--as-of", "2026-11-30"], cwd=small_repo.root, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0
    assert "\r" not in proc.stderr and "构建页面" not in proc.stderr
    assert len(proc.stderr.splitlines()) <= 8
