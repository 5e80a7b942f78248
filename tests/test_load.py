"""Loader: every malformed-input class gives one finding with rule, file and line; the rest still load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

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
    (V + "HF-20261101-004.yml", "YAML", 5, "别名"),                  # alias bomb: where it crosses the limit
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
    p = parse(text)
    assert p.data is None and [x[1] for x in p.problems] == ["YAML"]


def test_self_referencing_alias_does_not_hang():
    p = parse("a: &a\n  b: *a\n")
    assert p.data is None and "死循环" in p.problems[0][2]


def test_lines_of_nested_keys():
    p = parse("id: X\nsatisfaction:\n  product: 满意\nactions:\n  - at: 2026-11-01\n    action: 受理\n")
    assert p.problems == []
    assert p.lines[("satisfaction", "product")] == 3
    assert p.lines[("actions", 0)] == 5 and p.lines[("actions", 0, "action")] == 6


def test_timestamps_default_to_shanghai_and_convert_zones():
    data = parse("a: 2026-11-03 14:30:00\nb: 2026-11-03T06:30:00Z\nc: 2026-11-03\n").data
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


# --- hostile values: every YAML scalar becomes a value or one finding at its line ---------------------

VISIT = """id: HF-20261101-001
date: 2026-11-01 10:00:00+08:00
method: 电话
purpose: 例行回访
customer: CUST-0001
visitor: 李娜
content: 电话回访。
"""
CUST = "id: CUST-0001\nname: 张明\n"


def _load_one(repo, rel: str, text: str):
    repo.write("records/customers/CUST-0001.yml", CUST)
    (repo.root / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / rel).write_text(text, encoding="utf-8")
    records, findings = load(repo.root)
    return records, [f for f in findings if f.file == rel]


@pytest.mark.parametrize("line, words", [
    ("date: 0001-01-01 10:00:00+08:00", "1990–2100"),               # year 1: OverflowError before
    ("date: 9999-12-31 23:59:59-12:00", "1990–2100"),               # year 9999
    ("date: 2026-11-01 10:00:00+24:00", "时区"),                      # offset of 24 h: ValueError before
    ("date: 2026-11-01 25:00:00", "不存在"),                          # hour 25
    ("date: !!timestamp 明天", "不是有效的日期"),
    ("reachable: !!bool maybe", "true 或 false"),                     # KeyError before
    ("reachable: !!int", "没有填写"),                                 # IndexError before
    ("reachable: 0b_", "整数"),                                       # ValueError before
    ("reachable: " + "9" * 5000, "位数太多"),                         # int-conversion limit before
    ("reachable: .nan", "有限"),
    ("reachable: -.inf", "有限"),
    ("reachable: !!binary aGVsbG8=", "!!binary"),
    ("survey: !!float abc", "数字"),
])
def test_hostile_scalar_is_one_finding_at_its_line(repo, line, words):
    rel = "records/visits/2026/11/HF-20261101-001.yml"
    _, found = _load_one(repo, rel, VISIT + line + "\n")
    assert [(f.rule, f.line) for f in found if words in f.message] in ([("SCHEMA", 8)], [("YAML", 8)]), found
    assert all(f.severity == "error" for f in found if words in f.message)


@pytest.mark.parametrize("field, text, words", [
    ("charge", "1.0e+999", "超出范围"),
    ("charge", ".inf", "有限"),
    ("charge", "2000000000", "不能大于"),          # finite, but no order is charged a trillion yuan
    ("charge", "-5", "不能小于"),
    ("charge", "1:30", "六十进制"),             # YAML 1.1 reads 1:30 as 90
    ("charge", "0755", "八进制"),               # and 0755 as 493
])
def test_numbers_are_finite_and_in_range(repo, field, text, words):
    rel = "records/orders/2026/11/WO-20261101-001.yml"
    order = ("id: WO-20261101-001\ncustomer: CUST-0001\ntype: 维修\ncompleted: 2026-11-01 10:00:00+08:00\n"
             f"{field}: {text}\n")
    records, found = _load_one(repo, rel, order)
    assert [(f.rule, f.line) for f in found if words in f.message] == [("SCHEMA", 5)], found
    assert records.by_id["WO-20261101-001"][field] is None


def test_text_fields_keep_what_was_typed(repo):
    rel = "records/customers/CUST-0002.yml"
    records, found = _load_one(repo, rel, "id: CUST-0002\nname: 2026-11-01\nphone: 01234567\nregion: 1:30\n"
                                          "address: yes\n")
    assert found == []
    r = records.by_id["CUST-0002"]
    assert (r["name"], r["phone"], r["region"], r["address"]) == ("2026-11-01", "01234567", "1:30", "yes")


def test_a_list_where_a_reference_belongs_reaches_nobody(repo):
    rel = "records/visits/2026/11/HF-20261101-001.yml"
    records, found = _load_one(repo, rel, VISIT.replace("customer: CUST-0001", "customer: [CUST-0001]")
                               + "related:\n  - {a: 1}\n")
    assert [(f.line, "记录编号" in f.message) for f in found if f.severity == "error"] == [(5, True), (9, True)]
    r = records.by_id["HF-20261101-001"]
    assert r["customer"] is None and r["related"] == [None] and not r.valid


def test_an_id_with_a_trailing_newline_is_not_accepted(repo):
    rel = "records/visits/2026/11/HF-20261101-001.yml"
    records, found = _load_one(repo, rel, VISIT.replace("id: HF-20261101-001", 'id: "HF-20261101-001\\n"')
                               .replace("customer: CUST-0001", 'customer: "CUST-0001\\n"'))
    assert sorted((f.line, f.severity) for f in found) == [(1, "error"), (5, "error")], found
    assert all("\n" not in f.message for f in found)  # shown escaped, not as a line break


def test_years_window_is_configurable(repo):
    rel = "records/visits/1985/11/HF-19851101-001.yml"
    text = VISIT.replace("HF-20261101-001", "HF-19851101-001").replace("2026-11-01", "1985-11-01")
    _, found = _load_one(repo, rel, text)
    assert [f.line for f in found] == [2]
    _, found = load(repo.root, years=(1980, 2100))
    assert [f for f in found if f.file == rel] == []


def _deep(n: int) -> str:
    return "id: HF-1\nx: " + "[" * n + "]" * n + "\n"


@pytest.mark.parametrize("n", [51, 100_000])
def test_deep_nesting_is_refused_before_it_can_crash(n):
    """The C composer recursed: 100,000 levels killed the process with signal 11."""
    code = f"from generator.load import parse\nimport sys\nsys.path.insert(0, '.')\n" \
           f"p = parse('id: HF-1\\nx: ' + '[' * {n} + ']' * {n})\nprint(p.problems[0][2])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0 and "嵌套超过" in out.stdout, out.stderr


def test_fifty_levels_still_load():
    p = parse(_deep(48))
    assert p.problems == [] and p.data["id"] == "HF-1"


def test_alias_expansion_counts_values_not_lines():
    """An alias bomb built inside a discarded (bad-key) context is counted all the same."""
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{k}: &{k} [{','.join(['*' + p] * 9)}]\n" for p, k in zip("abcdefgh", "bcdefghi"))
    p = parse(bomb)
    assert p.data is None and "别名" in p.problems[-1][2]


# --- the file system: only regular files inside the repository are read, nothing is skipped silently ------

def _fs_repo(repo):
    repo.write("records/customers/CUST-0001.yml", CUST)
    repo.write("records/visits/2026/11/HF-20261101-001.yml", VISIT)
    return repo.root / "records" / "visits" / "2026" / "11"


def _by_file(findings):
    return {f.file: (f.rule, f.severity, f.line) for f in findings}


def test_a_fifo_is_reported_not_opened(repo):
    """A FIFO named *.yml made `check` wait forever for a writer."""
    folder = _fs_repo(repo)
    os.mkfifo(folder / "HF-20261101-002.yml")
    records, findings = load(repo.root)
    assert _by_file(findings)["records/visits/2026/11/HF-20261101-002.yml"] == ("YAML", "error", 1)
    assert "HF-20261101-001" in records.by_id


@pytest.mark.parametrize("target, words", [("/dev/zero", "仓库之外"), ("/etc/hostname", "仓库之外"),
                                           ("/nonexistent/x.yml", "仓库之外")])
def test_links_that_leave_the_repository_are_not_read(repo, target, words):
    folder = _fs_repo(repo)
    (folder / "HF-20261101-002.yml").symlink_to(target)
    records, findings = load(repo.root)
    f = next(f for f in findings if f.file == "records/visits/2026/11/HF-20261101-002.yml")
    assert (f.rule, f.severity, f.line) == ("YAML", "error", 1) and words in f.message
    assert "HF-20261101-002" not in records.by_id


def test_a_link_to_a_record_inside_the_repository_is_read(repo):
    folder = _fs_repo(repo)
    repo.write("archive/HF-20261101-002.yml", VISIT.replace("-001", "-002"))
    (folder / "HF-20261101-002.yml").symlink_to(repo.root / "archive" / "HF-20261101-002.yml")
    (folder / "HF-20261101-003.yml").symlink_to("HF-nothing.yml")  # dangling, inside
    records, findings = load(repo.root)
    assert records.by_id["HF-20261101-002"].valid
    assert _by_file(findings) == {"records/visits/2026/11/HF-20261101-003.yml": ("YAML", "error", 1)}


def test_a_linked_folder_is_reported_not_followed(repo):
    folder = _fs_repo(repo)
    (folder.parent / "12").symlink_to(folder)
    _, findings = load(repo.root)
    assert _by_file(findings) == {"records/visits/2026/12": ("YAML", "warning", 1)}


def test_upper_case_extensions_are_checked_and_reported(repo):
    folder = _fs_repo(repo)
    (folder / "HF-20261101-002.YML").write_text(VISIT.replace("-001", "-002"), encoding="utf-8")
    records, findings = load(repo.root)
    assert records.by_id["HF-20261101-002"].valid
    assert _by_file(findings) == {"records/visits/2026/11/HF-20261101-002.YML": ("SCHEMA", "warning", 1)}


def test_other_files_are_named_hidden_files_and_notes_are_not(repo):
    folder = _fs_repo(repo)
    for name in ("HF-20261101-002.yml.bak", "visits.xlsx", ".HF-20261101-001.yml.swp", "README.md", ".gitkeep"):
        (folder / name).write_text("x", encoding="utf-8")
    _, findings = load(repo.root)
    assert _by_file(findings) == {"records/visits/2026/11/HF-20261101-002.yml.bak": ("SCHEMA", "warning", 1),
                                  "records/visits/2026/11/visits.xlsx": ("SCHEMA", "warning", 1)}


def test_empty_and_huge_files(repo):
    folder = _fs_repo(repo)
    (folder / "HF-20261101-002.yml").write_bytes(b"")
    with open(folder / "HF-20261101-003.yml", "wb") as fh:
        fh.write(b"id: HF-20261101-003\ncontent: " + b"x" * 2_000_000 + b"\n")
    _, findings = load(repo.root)
    got = {f.file.rsplit("/", 1)[-1]: f.message for f in findings}
    assert "空的" in got["HF-20261101-002.yml"] and "上限" in got["HF-20261101-003.yml"]


def test_a_name_that_is_not_utf8_is_reported_escaped_and_json_stays_valid(repo, capsys):
    from generator.cli import main
    folder = _fs_repo(repo)
    with open(os.path.join(os.fsencode(folder), b"HF-\xff\xfe.yml"), "wb") as fh:
        fh.write(VISIT.encode())
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json"]) == 1
    out = capsys.readouterr().out
    data = json.loads(out)
    bad = [f for f in data["findings"] if "UTF-8" in f["message"] and f["line"] == 1]
    assert [f["file"] for f in bad] == ["records/visits/2026/11/HF-\\xff\\xfe.yml"]


def _load_as_unprivileged(root: Path) -> list:
    """load() in a forked child that gave up root (root reads every folder), findings back through a pipe."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        try:
            os.close(r)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            _, findings = load(root)
            os.write(w, json.dumps([[f.file, f.rule, f.severity] for f in findings]).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def test_an_unreadable_folder_is_reported():
    import shutil
    import tempfile
    root = Path(tempfile.mkdtemp(prefix="huifang-perm-"))
    try:
        (root / "records" / "customers").mkdir(parents=True)
        (root / "records" / "customers" / "CUST-0001.yml").write_text(CUST, encoding="utf-8")
        locked = root / "records" / "visits"
        locked.mkdir()
        (locked / "HF-20261101-001.yml").write_text(VISIT, encoding="utf-8")
        for p in (root, root / "records", root / "records" / "customers"):
            os.chmod(p, 0o755)
        os.chmod(root / "records" / "customers" / "CUST-0001.yml", 0o644)
        os.chmod(locked, 0o000)
        assert _load_as_unprivileged(root) == [["records/visits/", "YAML", "error"]]
    finally:
        os.chmod(root / "records" / "visits", 0o755)
        shutil.rmtree(root)


@pytest.mark.parametrize("text", [
    "id: TS-0001\nstatus: 处理中\ndescription: ':'\nstatus: 处",        # cut short: libyaml's mark was past the end
    "a: 1\r\nb: [\r\n",
    "名字: 张三\u2028\nb: 1\nb: 2\n",
])
def test_problem_lines_are_lines_of_the_file(text):
    """Lines count '\\n' like an editor, and a problem at the end of the stream is on the last line."""
    p = parse(text)
    assert p.problems and all(1 <= line <= text.count("\n") + 1 for line, _, _ in p.problems)
