"""Profiles and thresholds: every setting is documented, the shipped file is the defaults, errors are exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.config import PARAMS, THRESHOLDS, Config, ConfigError, default_config_text, load_config

PROJECT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_the_shipped_file():
    text = (PROJECT / "huifang.yml").read_text(encoding="utf-8")
    lines = text.splitlines()
    for name in list(PARAMS) + list(THRESHOLDS):
        i = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{name}:"))
        assert lines[i - 1].strip().startswith("#"), f"{name} has no comment above it"
    for p in PARAMS.values():
        for option in p.options:
            assert f"#   {option}:" in text


def test_shipped_file_is_the_defaults():
    assert (PROJECT / "huifang.yml").read_text(encoding="utf-8") == default_config_text()
    cfg = load_config(PROJECT)
    assert cfg.profile == Config().profile and cfg.thresholds == Config().thresholds


def test_profile_and_threshold_overrides(repo):
    repo.config("profile:\n  phone_letter: PM-60\nthresholds:\n  several_owners: 3\n")
    cfg = load_config(repo.root)
    assert cfg.option("phone_letter") == "PM-60" and cfg.threshold("several_owners") == 3
    assert cfg.describe("phone_letter") == "PM-60：≤ 60%（000 P5 §4(3)）"


@pytest.mark.parametrize("text, words", [
    ("profile:\n  phone_letter: PM-80\n", "PM-70、PM-60"),
    ("profile:\n  colour: red\n", "没有参数"),
    ("thresholds:\n  several_owners: 两个\n", "应为数字"),
    ("rules:\n  V-DAY-01:\n    enabled: false\n", "必须写明原因"),
    ("rules:\n  V-NOPE-01:\n    enabled: false\n    reason: x\n", "不是已知的规则编号"),
    ("rules:\n  V-DAY-01:\n    severity: warning\n", "不能降级"),
    ("profile: [\n", "无法读取"),
])
def test_bad_config_exits_2_with_a_chinese_sentence(repo, capsys, text, words):
    repo.config(text)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30"]) == 2
    assert words in capsys.readouterr().err


def test_disabled_rule_is_listed_with_its_reason(repo, capsys):
    repo.config("rules:\n  V-DAY-01:\n    enabled: false\n    reason: 夜班统一录入\n")
    assert main(["--root", str(repo.root), "rules"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("V-DAY-01"))
    assert "已关闭" in line and "夜班统一录入" in line


def test_local_days_off_must_be_dates(repo):
    repo.config("calendar:\n  days_off: [2026-13-01]\n")
    with pytest.raises(ConfigError):
        load_config(repo.root)
