"""Loader: every malformed-input class gives one finding with rule, file and line; the rest still load."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from generator.load import load, parse
from generator.dates import TZ

from conftest import FIXTURES

ROOT = FIXTURES / "load"
V = "records/visits/2026/11/"


@pytest.fixture(scope="module")
def loaded():
    records, findings = load(ROOT)
    return records, findings


def at(findings, file):
    return [(f.rule, f.severity, f.line) for f in findings if f.file == file]


@pytest.mark.parametrize("file, rule, line, words", [
    (V + "HF-20261101-002.yml", "YAML", 11, "缩进"),                 # syntax error
    (V + "HF-20261101-003.yml", "YAML", 9, "写了两次"),              # duplicate key
    (V + "HF-20261101-004.yml", "YAML", 1, "别名"),                  # alias bomb
    (V + "HF-20261101-005.yml", "YAML", 9, "python/object"),         # unsafe tag
    (V + "HF-20261101-006.yml", "YAML", 1, "空的"),                  # empty file
    (V + "HF-20261101-007.yml", "YAML", 1, "列表"),                  # list at top level
    (V + "HF-20261101-008.yml", "YAML", 1, "一段文字"),              # scalar at top level
    (V + "HF-20261101-009.yml", "YAML", 9, "第二个文档"),            # several documents
    (V + "HF-20261101-010.yml", "YAML", 4, "UTF-8"),                 # not UTF-8 (GBK)
    (V + "TS-20261101-001.yml", "SCHEMA", 1, "records/complaints/"),  # wrong kind's folder
    (V + "HF-20261101-011.yml", "SCHEMA", 1, "与文件名"),            # id != file name
    (V + "HF-20261101-013.yml", "SCHEMA", 1, "回访人"),              # missing required field
    (V + "HF-20261101-014.yml", "SCHEMA", 9, "true 或 false"),       # wrong type
    (V + "HF-20261101-015.yml", "SCHEMA", 4, "是不是想写“上门”"),    # enum, nearest value
    (V + "HF-20261101-016.yml", "SCHEMA", 2, "不存在"),              # impossible date
    (V + "HF-20261101-018.yml", "SCHEMA", 6, "CUST-0009"),           # visit -> customer
    (V + "HF-20261101-019.yml", "SCHEMA", 10, "TS-20261031-001"),    # visit -> related
    (V + "HF-20261101-020.yml", "SCHEMA", 9, "应填投诉"),            # visit -> feedback of wrong kind
    ("records/orders/2026/11/WO-20261101-001.yml", "SCHEMA", 2, "CUST-0404"),      # order -> customer
    ("records/letters/2026/11/GKX-20261101-001.yml", "SCHEMA", 7, "TS-20261101-777"),  # letter -> complaints
])
def test_each_malformed_class_is_one_error_at_its_line(loaded, file, rule, line, words):
    _, findings = loaded
    errors = [f for f in findings if f.file == file and f.severity == "error"]
    assert [(f.rule, f.line) for f in errors if words in f.message] == [(rule, line)], errors


def test_duplicate_ids_name_both_files(loaded):
    _, findings = loaded
    dup = [f for f in findings if "重复" in f.message]
    assert sorted(f.file for f in dup) == ["records/visits/2026/10/HF-20261101-012.yml",
                                          V + "HF-20261101-012.yml"]
    assert all("2026/10/HF-20261101-012.yml" in f.message and "2026/11/HF-20261101-012.yml" in f.message
               for f in dup)


def test_unknown_key_is_a_warning_with_the_nearest_key(loaded):
    _, findings = loaded
    assert [(f.rule, f.severity, f.line) for f in findings if f.file == V + "HF-20261101-017.yml"] == \
        [("SCHEMA", "warning", 9)]
    assert "visitor" in next(f.message for f in findings if f.file == V + "HF-20261101-017.yml")


def test_wrong_month_folder_and_stray_file_are_warnings(loaded):
    _, findings = loaded
    assert at(findings, "records/visits/2026/12/HF-20261101-021.yml") == [("SCHEMA", "warning", 2)]
    assert at(findings, "records/notes.yml") == [("SCHEMA", "warning", 1)]


def test_good_records_beside_broken_ones_still_load(loaded):
    records, findings = loaded
    good = records.by_id["HF-20261101-001"]
    assert good.valid and at(findings, good.path) == []
    assert good["date"] == datetime(2026, 11, 1, 10, 0, tzinfo=TZ)
    assert [v.id for v in records.visits] == ["HF-20261101-001", "HF-20261101-017", "HF-20261101-021"]
    assert records.by_id["CUST-0001"]["phone"] == "13812345678"


def test_broken_records_are_kept_out_of_the_rules(loaded):
    records, _ = loaded
    assert not records.by_id["HF-20261101-018"].valid  # unresolved customer
    assert "HF-20261101-018" not in {v.id for v in records.visits}


def test_no_finding_is_a_traceback(loaded):
    _, findings = loaded
    assert all("Traceback" not in f.message and f.file and f.line for f in findings)


def test_alias_bomb_is_bounded():
    text = (ROOT / V / "HF-20261101-004.yml").read_text(encoding="utf-8")
    data, _, problems = parse(text)
    assert data is None and [p[1] for p in problems] == ["YAML"]


def test_self_referencing_alias_does_not_hang():
    data, _, problems = parse("a: &a\n  b: *a\n")
    assert data is None and "死循环" in problems[0][2]


def test_lines_of_nested_keys():
    data, lines, problems = parse("id: X\nsatisfaction:\n  product: 满意\nactions:\n  - at: 2026-11-01\n    action: 受理\n")
    assert problems == []
    assert lines[("satisfaction", "product")] == 3
    assert lines[("actions", 0)] == 5 and lines[("actions", 0, "action")] == 6


def test_timestamps_default_to_shanghai_and_convert_zones():
    data, _, _ = parse("a: 2026-11-03 14:30:00\nb: 2026-11-03T06:30:00Z\nc: 2026-11-03\n")
    assert data["a"] == data["b"] == datetime(2026, 11, 3, 14, 30, tzinfo=TZ)
    assert data["c"] == date(2026, 11, 3)


def test_datetime_field_given_a_bare_date_says_add_the_time(repo):
    repo.add("""
    id: CUST-0001
    name: 张明
    class: A
    """)
    rel = repo.add("""
    id: WO-20261101-001
    customer: CUST-0001
    type: 安装
    completed: 2026-11-01
    """)
    _, findings = load(repo.root)
    assert [(f.rule, f.file, f.line) for f in findings] == [("SCHEMA", rel, 4)]
    assert "时和分" in findings[0].message
