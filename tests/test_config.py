"""Profiles and thresholds: every setting is documented, the shipped file is the defaults, errors are exit 2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# What the demo unit chose beyond the defaults (records/README.md says why).
DEMO_VALUES = {"facts_since": "2026-09-01", "festivals": "中秋节、国庆节、春节"}


def test_shipped_file_is_the_defaults():
    assert (PROJECT / "huifang.yml").read_text(encoding="utf-8") == default_config_text(DEMO_VALUES)
    cfg = load_config(PROJECT)
    assert cfg.profile == Config().profile and cfg.thresholds == {**Config().thresholds, **DEMO_VALUES}


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


@pytest.mark.parametrize("text, line, words", [
    ("profil:\n  phone_letter: PM-60\n", 1, "是不是“profile”"),
    ("profile: [PM-60]\n", 1, "键值对"),
    ("thresholds:\n  several_owners: 2\n  signed_onsite_min: 40\n", 3, "0 到 1 之间"),
    ("thresholds:\n  review_days: -1\n", 2, "不能是负数"),
    ("thresholds:\n  review_days: 2.5\n", 2, "整数"),
    ("thresholds:\n  work_start: \"25:00\"\n", 2, "24 小时制"),
    ("thresholds:\n  work_start: \"19:00\"\n", 1, "必须晚于"),
    ("thresholds:\n  reveiw_days: 3\n", 2, "是不是“review_days”"),
    ("rules:\n  V-DAY-01:\n    enabled: \"false\"\n    reason: x\n", 3, "true 或 false"),
    ("rules:\n  V-DAY-01:\n    enable: false\n", 3, "没有“enable”"),
    ("rules:\n  V-DAY-01: off\n", 2, "键值对"),
    ("rules:\n  C-REV-02:\n    severity: low\n", 3, "error、warning 或 info"),
    ("calendar:\n  days_off: 2026-10-01\n", 2, "日期列表"),
    ("calendar:\n  holidays: []\n", 2, "没有“holidays”"),
    ("calendar:\n  days_off: [2026-10-09]\n  workdays: [2026-10-09]\n", 3, "同时写在"),
    ("calendar:\n  years:\n    2027:\n      holidays:\n        - name: 元旦\n          from: 2027-01-01\n", 3,
     "须写明 source"),
    ("calendar:\n  years:\n    2027:\n      source: 通知\n      holidays:\n        - name: 元旦\n"
     "          from: 2027-01-03\n          to: 2027-01-01\n", 6, "from 不晚于 to"),
    ("calendar:\n  years:\n    2027:\n      source: 通知\n      holidays:\n        - name: 元旦\n"
     "          off: [2027-01-01, 2027-01-03]\n", 7, "只能写 name"),
    ("calendar:\n  years:\n    二〇二七: {}\n", 3, "应是年份"),
    ("third_category: 工程质量\n", 1, "列表"),
    ("rules:\n  V-NOPE-01:\n    enabled: false\n    reason: x\n", 2, "不是已知的规则编号"),
])
def test_every_bad_key_names_its_line_in_chinese(repo, capsys, text, line, words):
    repo.config(text)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30"]) == 2
    err = capsys.readouterr().err
    assert words in err and f"huifang.yml 第 {line} 行" in err and "Traceback" not in err


def test_all_problems_are_named_at_once(repo, capsys):
    repo.config("profile:\n  phone_letter: PM-80\nthresholds:\n  review_days: 两天\n")
    assert main(["--root", str(repo.root), "check"]) == 2
    err = capsys.readouterr().err
    assert "第 2 行" in err and "第 4 行" in err


def test_typed_values(repo):
    repo.config("thresholds:\n  work_start: 08:30\n  signed_onsite_min: 0.5\n"
                "calendar:\n  years:\n    2027:\n      source: 国办发明电〔2026〕1号\n      holidays:\n"
                "        - name: 春节\n          from: 2027-02-06\n          to: 2027-02-12\n          workdays: [2027-02-14]\n")
    cfg = load_config(repo.root)
    assert cfg.threshold("work_start") == "08:30"  # unquoted 08:30 is 510 minutes in YAML 1.1
    assert cfg.threshold("signed_onsite_min") == 0.5
    (h,) = cfg.years[2027].holidays
    assert (h.name, h.first, h.last, h.workdays) == ("春节", date(2027, 2, 6), date(2027, 2, 12), (date(2027, 2, 14),))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 3000) | st.floats(allow_nan=False, width=32)
    | st.text(max_size=8) | st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
keys = st.sampled_from(["profile", "thresholds", "rules", "calendar", "third_category", "x"])
subkeys = st.sampled_from(list(PARAMS) + list(THRESHOLDS) + ["V-DAY-01", "days_off", "workdays", "years",
                                                               "enabled", "reason", "severity", "2027"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(keys, yaml_values | st.dictionaries(subkeys, yaml_values, max_size=3), max_size=4))
def test_any_config_is_typed_options_or_a_chinese_config_error(tmp_path, data):
    (tmp_path / "huifang.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        cfg = load_config(tmp_path)
    except ConfigError as e:
        assert str(e).startswith("huifang.yml")
        return
    assert set(cfg.thresholds) == set(THRESHOLDS) and set(cfg.profile) == set(PARAMS)
