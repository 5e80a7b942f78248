"""Failures the fuzzing campaign found, kept as plain tests: each names the class it guards against."""

from __future__ import annotations

import json
import os
import sys

import pytest

from generator.cli import main
from generator.load import load

from conftest import CUSTOMER, Repo


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


@pytest.fixture
def raising_rule(monkeypatch):
    """A real rule registered for the test whose check raises, as an out-of-range value once made several do."""
    from generator.rules import REGISTRY, Rule

    def check(ctx):
        raise OverflowError("date value out of range")

    monkeypatch.setitem(REGISTRY, "V-BOOM-01", Rule("V-BOOM-01", "测试用：总是出错", "record", "应", "test",
                                                     "测试", check, kinds=("visit",)))


def test_a_rule_that_raises_is_one_internal_finding_and_exit_2(repo, capsys, raising_rule):
    repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    internal = [f for f in json.loads(out)["findings"] if f["rule"] == "INTERNAL"]
    assert len(internal) == 1 and "V-BOOM-01" in internal[0]["message"] and "不完整" in internal[0]["message"]
    assert internal[0]["severity"] == "error"
    assert "Traceback" not in err and "V-BOOM-01" in err and "OverflowError" in err


def test_a_check_of_one_file_still_says_the_report_is_incomplete(repo, capsys, raising_rule):
    rel = repo.add(CUSTOMER)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json",
                 str(repo.root / rel)]) == 2
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["INTERNAL"]


def test_the_portal_pages_show_the_internal_finding(repo, raising_rule):
    from generator.pipeline import generate
    repo.add(CUSTOMER)
    analysis, pages = generate(repo.root, "2026-11-30")
    assert [f.rule for f in analysis.findings if f.rule == "INTERNAL"] == ["INTERNAL"]
    assert any("V-BOOM-01" in text for text in pages.values())


def test_an_unknown_key_named_like_another_kinds_field_reaches_nobody(repo, capsys):
    """A customer with `customer: [x]` crashed `check --changed` (unhashable list in the related-records walk)."""
    repo.add(CUSTOMER + "customer: [x]\nrelated: [TS-404]\n")
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=李娜", "-c", "user.email=li@example.com", "commit", "-q", "-m", "x")
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json",
                 "--changed", "HEAD"]) in (0, 1)
    records = json.loads(capsys.readouterr().out)
    assert records is not None
    from generator.load import load
    r = load(repo.root)[0].by_id["CUST-0001"]
    assert "customer" not in r.data and "related" not in r.data


# --- half-filled records and suggestions that keep the meaning -----------------------------------------

COMPLAINT = """
id: TS-20261102-001
received: 2026-11-02 09:00:00+08:00
channel: 电话
type: 投诉
customer: CUST-0001
issue: 3栋-电梯异响
description: 电梯运行有异响。
status: 处理中
"""
LETTER = """
id: GKX-20261110-001
issue: 3栋-电梯异响
date: 2026-11-10
title: 关于电梯异响的公开信
body: 尊敬的业主：电梯已检修。
complaints: [TS-20261102-001]
approved_by: 钱文斌
"""


def _schema(repo, rel):
    from generator.load import load
    return [(f.line, f.severity, f.message) for f in load(repo.root)[1] if f.file == rel]


def test_template_placeholders_left_in_place_are_errors(repo):
    repo.add(CUSTOMER)
    rel = repo.add(COMPLAINT.replace("电梯运行有异响。", "__ID__ 的描述"))
    assert [(line, sev) for line, sev, msg in _schema(repo, rel) if "占位符“__ID__”" in msg] == [(7, "error")]


def test_an_open_letter_with_an_empty_approver_is_an_error(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    rel = repo.add(LETTER.replace("approved_by: 钱文斌", "approved_by: "))
    assert [(line, sev) for line, sev, msg in _schema(repo, rel)] == [(7, "error")]


def test_a_letter_for_an_issue_no_complaint_has_is_named_with_a_real_suggestion(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    rel = repo.add(LETTER.replace("issue: 3栋-电梯异响", "issue: 3栋-电梯异常"))
    found = _schema(repo, rel)
    assert [(line, sev) for line, sev, _ in found] == [(2, "warning")] and "是不是“3栋-电梯异响”" in found[0][2]


def test_new_letter_for_an_unknown_issue_is_refused(repo, capsys):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    assert main(["--root", str(repo.root), "new", "letter", "--issue", "3栋-电梯", "--date", "2026-11-20"]) == 2
    assert "3栋-电梯异响" in capsys.readouterr().err
    assert not list((repo.root / "records").glob("letters/**/*.yml"))


@pytest.mark.parametrize("typed, field, never", [
    ("很满意", ("satisfaction", "service"), "很不满意"),
    ("不太满", ("satisfaction", "service"), "满意"),
    ("属实", ("result",), "不属实"),
    ("未签名", ("signature",), "已签名"),
])
def test_suggestions_never_flip_the_meaning(typed, field, never):
    from generator.model import KINDS, validate
    data = {field[0]: {field[1]: typed}} if len(field) == 2 else {field[0]: typed}
    _, problems, _ = validate(KINDS["visit"], data)
    msg = next(p.message for p in problems if p.path == field)
    import re
    hint = re.search(r"是不是想写“(.+?)”", msg)
    assert hint is None or hint.group(1) != never, msg


def test_id_suggestions_only_name_the_record_that_was_meant(repo):
    repo.add(CUSTOMER)
    repo.add(COMPLAINT)
    rel = repo.add(LETTER.replace("complaints: [TS-20261102-001]", "complaints: [ts-20261102-1, TS-20261102-002]"))
    msgs = [msg for _, _, msg in _schema(repo, rel)]
    assert any("ts-20261102-1" in m and "是不是“TS-20261102-001”" in m for m in msgs)
    assert any("TS-20261102-002" in m and "是不是" not in m for m in msgs)  # a near miss is another record


# --- huifang.yml: every bad key is one clean Chinese sentence, and only a regular file is read -----------

def _config_error(repo, capsys, text: str) -> str:
    repo.add(CUSTOMER)
    repo.config(text)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("value, words", [
    (".nan", "“.nan”不是一个有限的数字"),
    ("-.inf", "“-.inf”不是一个有限的数字"),
    ("0755", "“0755”以 0 开头"),
    ("2026-02-30", "日期“2026-02-30”不存在"),
    ("!!int ''", "标明是整数，却没有填写"),
    ("1:30", "“1:30”会被当成六十进制数字"),
    ("9999-01-01", "日期“9999-01-01”的年份 9999 不在 1990–2100 年之间"),
])
def test_a_threshold_the_reader_refuses_is_named_with_its_reason(repo, capsys, value, words):
    """review_days: .nan showed an internal marker (Bad('…')) instead of a sentence."""
    err = _config_error(repo, capsys, f"thresholds:\n  several_owners: 2\n  review_days: {value}\n")
    assert f"huifang.yml 第 3 行：thresholds.review_days：{words}" in err
    assert "Bad(" not in err and "INVALID" not in err


@pytest.mark.parametrize("text, line, shown", [
    ("thresholds:\n  review_days: [1, 2]\n", 2, "thresholds.review_days 是列表，应为数字"),
    ("thresholds:\n  review_days: {a: 1}\n", 2, "thresholds.review_days 是键值对，应为数字"),
    ("thresholds:\n  review_days:\n", 2, "thresholds.review_days 是空的，应为数字"),
    ("thresholds:\n  review_days: yes\n", 2, "thresholds.review_days 是“yes”，应为数字"),
    ("profile:\n  scale:\n", 2, "profile.scale 不能是空的"),
    ("profile:\n  scale: [5]\n", 2, "profile.scale 不能是列表"),
    ("calendar:\n  days_off: [[2026-10-09]]\n", 2, "calendar.days_off 里的列表不是日期"),
    ("calendar:\n  days_off: [.nan]\n", 2, "calendar.days_off 第 1 项：“.nan”不是一个有限的数字"),
    ("rules:\n  V-DAY-01:\n    enabled: false\n    reason: [夜班]\n", 4, "rules.V-DAY-01.reason 应是一段文字，这里写的是列表"),
    ("calendar:\n  years:\n    2027:\n      source: [通知]\n      holidays:\n        - from: 2027-01-01\n", 4,
     "calendar.years.2027.source 应是一段文字"),
])
def test_a_bad_value_is_shown_as_typed_never_as_python(repo, capsys, text, line, shown):
    """Lists, mappings and empty values were shown as [1, 2], {'a': 1} and None."""
    err = _config_error(repo, capsys, text)
    assert f"huifang.yml 第 {line} 行：{shown}" in err
    assert not any(m in err for m in ("None", "['", "{'", "Bad(", "INVALID"))


@pytest.mark.parametrize("text, words", [
    ("thresholds:\n  review_days: 1.0e+300\n", "太大了，最多 3,660（单位：天）"),
    ("thresholds:\n  households: 100000000000\n", "太大了"),
    ("thresholds:\n  year_min: 0\n", "应在 1900 到 2200 年之间"),
    ("thresholds:\n  year_max: 99999\n", "应在 1900 到 2200 年之间"),
    ("thresholds:\n  year_min: 2050\n  year_max: 2040\n", "year_max 不能早于 year_min"),
])
def test_numbers_are_in_range_per_threshold(repo, capsys, text, words):
    """review_days: 1.0e+300 passed as a whole number of days and overflowed the rules' date arithmetic."""
    assert words in _config_error(repo, capsys, text)


def test_an_unquoted_clock_time_is_the_time_typed(repo):
    """work_start: 10:30 (unquoted) is a base-60 number in YAML 1.1; it was refused."""
    from generator.config import load_config
    repo.config("thresholds:\n  work_start: 10:30\n  work_end: 19:00\nprofile:\n  scale: 4\n")
    cfg = load_config(repo.root)
    assert (cfg.threshold("work_start"), cfg.threshold("work_end"), cfg.option("scale")) == ("10:30", "19:00", "4")


def test_a_config_of_comments_only_is_the_defaults(repo, capsys):
    repo.add(CUSTOMER)
    repo.config("# 以后再填\n# profile:\n")
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30"]) == 0


def test_a_config_that_is_a_list_says_what_a_config_is(repo, capsys):
    err = _config_error(repo, capsys, "- profile\n- thresholds\n")
    assert "huifang.yml 第 1 行：配置应由 profile、thresholds" in err and "最外层却是列表" in err


@pytest.mark.parametrize("how", ["fifo", "dev_zero", "outside", "folder", "huge"])
def test_huifang_yml_is_read_only_when_it_is_a_regular_file_of_the_repository(repo, capsys, tmp_path_factory, how):
    """A FIFO named huifang.yml hung the check; a link to /dev/zero ate memory; a link out of the repository
    was read and trusted."""
    import os
    repo.add(CUSTOMER)
    path = repo.root / "huifang.yml"
    if how == "fifo":
        os.mkfifo(path)
    elif how == "dev_zero":
        path.symlink_to("/dev/zero")
    elif how == "outside":
        secret = tmp_path_factory.mktemp("outside") / "huifang.yml"
        secret.write_text("thresholds:\n  review_days: 30\n", encoding="utf-8")
        path.symlink_to(secret)
    elif how == "folder":
        path.mkdir()
    else:
        with open(path, "wb") as fh:
            fh.truncate(50_000_000)
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30"]) == 2
    err = capsys.readouterr().err
    assert "huifang.yml 无法读取：" in err and "Traceback" not in err


def test_a_link_to_a_config_inside_the_repository_is_read(repo):
    from generator.config import load_config
    repo.write("conf/huifang.yml", "thresholds:\n  review_days: 9\n")
    (repo.root / "huifang.yml").symlink_to(repo.root / "conf" / "huifang.yml")
    assert load_config(repo.root).threshold("review_days") == 9


@pytest.mark.parametrize("how", ["fifo", "deep"])
def test_a_staff_file_that_cannot_be_read_is_a_warning_not_a_hang(repo, capsys, how):
    """A FIFO named staff.yml hung the check; 100,000 levels of nesting reached the recursion limit."""
    import os
    repo.add(CUSTOMER)
    if how == "fifo":
        os.mkfifo(repo.root / "staff.yml")
    else:
        repo.write("staff.yml", "- " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30"]) == 0
    err = capsys.readouterr().err
    assert "staff.yml" in err and ("不是普通文件" in err or "嵌套层数太多" in err) and "Traceback" not in err


# --- YAML messages a clerk can read, on the line that holds the problem -----------------------------------

@pytest.mark.parametrize("text, line, words", [
    ("id: CUST-0001\nname: 张\x07三\n", 2, "不可见的控制字符（U+0007）"),
    ("id: CUST-0001\nname: 长长长\x00\n", 2, "不可见的控制字符（U+0000）"),
    ("id: CUST-0001\nname: [张三\n", 3, "方括号 [ ] 没有配对"),
    ("id: CUST-0001\nname: {a: 1\n", 3, "花括号 { } 没有配对"),
    ("%TAG ! tag:x:\n--- !x\nid: CUST-0001\n", 2, "不允许使用 YAML 标签"),
    ("id: CUST-0001\nname: \"\\xzz\"\n", 2, "后面要跟十六进制数字"),
    ("id: CUST-0001\nname: a\n  b: c\n", 3, "这里出现了多余的冒号"),
])
def test_yaml_problems_are_chinese_sentences_on_their_line(repo, text, line, words):
    """A control character was 'YAML 格式错误：ReaderError' on line 1; libyaml's English came through as is;
    a tag on the whole document was reported as an empty file."""
    from generator.load import load
    rel = repo.write("records/customers/CUST-0001.yml", text)
    found = [(f.line, f.message) for f in load(repo.root)[1] if f.file == rel]
    assert len(found) == 1 and found[0][0] == line and words in found[0][1], found
    assert "Error" not in found[0][1]


@pytest.mark.parametrize("base", ["main\0x", "\0", "-p", "--output=/tmp/x"])
def test_a_changed_base_git_cannot_take_is_a_usage_error(repo, capsys, base):
    """--changed with a NUL byte raised ValueError (embedded null byte) out of the git call."""
    repo.add(CUSTOMER)
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=李娜", "-c", "user.email=li@example.com", "commit", "-q", "-m", "x")
    assert main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", f"--changed={base}"]) == 2
    err = capsys.readouterr().err
    assert "--changed 后面要写基准分支或提交的名称" in err and "Traceback" not in err


@pytest.mark.parametrize("spelled", ["null", "~", "Null", "NULL"])
def test_null_in_a_text_field_is_empty_not_the_word_null(repo, spelled):
    """`visitor: null` loaded as a visitor named “null” (the source text of a non-text scalar kept for text fields)."""
    from generator.load import load
    repo.add(CUSTOMER)
    rel = repo.add(f"""
id: HF-20261103-001
date: 2026-11-03 10:00:00+08:00
method: 电话
purpose: 例行回访
customer: CUST-0001
visitor: {spelled}
content: 电话回访，业主表示满意。
needs: {spelled}
""")
    records, findings = load(repo.root)
    assert records.by_id["HF-20261103-001"].data.get("needs") is None
    assert [(f.line, f.message) for f in findings if f.file == rel] == [(6, "“回访人”（visitor）不能为空。")]


@pytest.mark.parametrize("name", ["several_owners", "several_complaints", "escalation_cycles"])
def test_a_count_threshold_of_zero_is_refused(repo, capsys, name):
    """several_complaints: 0 loaded, then V-ESC-01 raised IndexError (an INTERNAL finding, exit 2)."""
    err = _config_error(repo, capsys, f"thresholds:\n  {name}: 0\n")
    assert f"huifang.yml 第 2 行：thresholds.{name} 是“0”，至少是 1。" in err


@pytest.mark.parametrize("blank", ['""', "''", "' '"])
def test_a_blank_required_value_is_one_finding(repo, blank):
    """An empty plan or report period said both “不能为空” and “格式不对” on one line; an empty id and an
    empty reference likewise (“不能为空” and “找不到编号为“”的客户”)."""
    repo.add(CUSTOMER)
    plan = repo.write("records/plans/2026/10/JH-20261028-001.yml", f"""
id: JH-20261028-001
type: 回访名单
date: 2026-10-28
period: {blank}
""")
    report = repo.write("records/reports/2026/11/BG-20261109-001.yml", f"""
id: BG-20261109-001
type: 回访周报
period: {blank}
date: 2026-11-09 09:00:00+08:00
by: 小王
content: 本周回访总结。
""")
    visit = repo.write("records/visits/2026/11/HF-20261103-001.yml", f"""
id: HF-20261103-001
date: 2026-11-03 10:00:00+08:00
method: 电话
purpose: 例行回访
customer: {blank}
visitor: 小王
content: 电话回访，业主表示满意。
""")
    customer = repo.write("records/customers/CUST-0002.yml", f"id: {blank}\nname: 张三\n")
    records, findings = load(repo.root)
    said = {rel: [(f.rule, f.line, f.message) for f in findings if f.file == rel]
            for rel in (plan, report, visit, customer)}
    assert said == {plan: [("SCHEMA", 4, "“计划期间”（period）不能为空。")],
                    report: [("SCHEMA", 3, "“报告期间”（period）不能为空。")],
                    visit: [("SCHEMA", 5, "“客户”（customer）不能为空。")],
                    customer: [("SCHEMA", 1, "“编号”（id）不能为空。")]}
    assert records.by_id["HF-20261103-001"].data.get("customer") is None


def test_a_blank_optional_reference_refers_to_nothing(repo):
    """A blank optional reference was looked up as the record numbered “” (找不到编号为“”的…)."""
    repo.add(CUSTOMER)
    rel = repo.add("""
id: HF-20261103-001
date: 2026-11-03 10:00:00+08:00
method: 电话
purpose: 例行回访
customer: CUST-0001
visitor: 小王
content: 电话回访，业主表示满意。
feedback: " "
""")
    records, findings = load(repo.root)
    assert [f.message for f in findings if f.file == rel] == []
    assert records.by_id["HF-20261103-001"].data.get("feedback") is None


_OPENED: dict = {"outside": None, "paths": []}


def _watch_opens(event, args):
    if event == "open" and _OPENED["outside"] and args and isinstance(args[0], (str, bytes, os.PathLike)):
        if os.path.realpath(os.fsdecode(args[0])).startswith(_OPENED["outside"]):
            _OPENED["paths"].append(os.fsdecode(args[0]))


sys.addaudithook(_watch_opens)


@pytest.mark.parametrize("git", [False, True])
def test_a_configuration_linked_out_of_the_repository_is_never_opened(tmp_path, capsys, git):
    """huifang.yml and staff.yml linking out of the repository: the result cache's key opened them (O_NOFOLLOW,
    yet an open of a file outside all the same) before the loader refused them."""
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = Repo(tmp_path / "repo")
    repo.add(CUSTOMER)
    if git:
        repo.git("init", "-q", "-b", "main")
        repo.git("add", "-A")
        repo.git("-c", "user.name=李娜", "-c", "user.email=li@example.com", "commit", "-q", "-m", "x")
    for name, text in (("huifang.yml", "thresholds:\n  festivals: 机密节\n"), ("staff.yml", "机密: x\n")):
        (outside / name).write_text(text, encoding="utf-8")
        (repo.root / name).symlink_to(outside / name)
    _OPENED.update(outside=os.path.realpath(outside) + os.sep, paths=[])
    try:
        code = main(["--root", str(repo.root), "check", "--as-of", "2026-11-30", "--format", "json"])
    finally:
        _OPENED["outside"] = None
    assert _OPENED["paths"] == []
    err = capsys.readouterr().err
    assert code == 2 and "huifang.yml 无法读取：它是指向仓库之外的链接" in err and "机密" not in err
