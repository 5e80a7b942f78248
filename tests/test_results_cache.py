"""Result cache: a check whose inputs did not change is served from `.huifang/cache/results.sqlite3`,
and whatever the cache holds, `check` and `check --changed` say exactly what a run without any
cache says (records, configuration, staff list, git history and the rules in the process are all
part of the key; a damaged entry is a miss)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from test_changed import (AS_OF, COMPLAINT, CUST_1, CUST_2, P_UNRELATED, VISIT_BROKEN, VISIT_OK, VISIT_UNRELATED,
                          commit, init)

RESULTS = (".huifang", "cache", "results.sqlite3")
EXTRA_RULE = """
from generator.rules import rule

@rule("Z-EXTRA-01", "测试：进程里另加的规则", scope="record", modal="应", source="test",
      asks="测试用规则", kinds=("customer",))
def extra(ctx):
    for c in ctx.records.customers:
        ctx.finding(c, "name", "另加的规则看到了客户")
"""


def huifang(root, *args: str, cache: bool = True, extra: bool = False) -> subprocess.CompletedProcess:
    code = (EXTRA_RULE if extra else "") + "\nimport sys\nfrom generator.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("HUIFANG_NO_CACHE", None)
    if not cache:
        env["HUIFANG_NO_CACHE"] = "1"
    return subprocess.run([sys.executable, "-c", code, "--root", str(root), *args], capture_output=True, text=True,
                          env=env)


def check_json(root, *args: str, **kw) -> tuple[int, str]:
    p = huifang(root, "check", "--as-of", AS_OF, "--format", "json", *args, **kw)
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, p.stdout


def rows(root) -> int:
    db = sqlite3.connect(root.joinpath(*RESULTS))
    try:
        return db.execute("SELECT count(*) FROM result").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def main(repo):
    init(repo)
    for text in (CUST_1, CUST_2, COMPLAINT, VISIT_OK, VISIT_UNRELATED):
        repo.add(text)
    commit(repo, "客户、投诉和回访", when="2026-11-08T10:00:00+08:00")
    return repo


def test_a_second_check_is_served_from_the_cache_and_says_the_same(main):
    plain = check_json(main.root, cache=False)
    assert not main.root.joinpath(*RESULTS).exists()
    first = check_json(main.root)
    assert rows(main.root) == 1
    second = check_json(main.root)
    assert first == second == plain
    assert json.loads(plain[1])["findings"]  # the unrelated visit is broken: there is something to cache
    text_plain = huifang(main.root, "check", "--as-of", AS_OF, cache=False)
    text_cached = huifang(main.root, "check", "--as-of", AS_OF)
    assert (text_cached.returncode, text_cached.stdout) == (text_plain.returncode, text_plain.stdout)


def test_without_as_of_nothing_is_stored(main):
    huifang(main.root, "check")
    assert not main.root.joinpath(*RESULTS).exists() or rows(main.root) == 0


def test_a_damaged_entry_is_a_miss(main):
    plain = check_json(main.root, cache=False)
    check_json(main.root)
    db = sqlite3.connect(main.root.joinpath(*RESULTS))
    db.execute("UPDATE result SET data = CAST('[1,[],[],[]]' AS BLOB)")  # plausible, but not what the checksum says
    db.commit()
    db.close()
    assert check_json(main.root) == plain
    main.root.joinpath(*RESULTS).write_bytes(b"not a database at all")
    assert check_json(main.root) == plain


@pytest.mark.parametrize("edit", ["record", "untracked", "config", "staff", "commit"])
def test_every_input_is_part_of_the_key(main, edit):
    check_json(main.root)
    if edit == "record":  # an edited, uncommitted record: now written on the visit day
        main.add(VISIT_UNRELATED.replace("recorded: 2026-11-08 09:00:00+08:00", "recorded: 2026-11-05 19:00:00+08:00"))
    elif edit == "untracked":
        main.add(VISIT_BROKEN)
    elif edit == "config":
        main.config("rules:\n  V-DAY-01:\n    enabled: false\n    reason: 夜班统一录入\n")
    elif edit == "staff":
        main.write("staff.yml", "- name: 张三\n  role: 客服\n  emails: [zhangsan@example.com]\n")
    else:
        main.add(VISIT_BROKEN)
        commit(main, "新回访")
    assert check_json(main.root) == check_json(main.root, cache=False)
    assert rows(main.root) == 2


def test_rules_registered_in_the_process_are_part_of_the_key(main):
    check_json(main.root)
    _, out = check_json(main.root, extra=True)
    assert "Z-EXTRA-01" in {f["rule"] for f in json.loads(out)["findings"]}


def test_changed_with_the_base_from_an_earlier_check_says_what_a_run_without_cache_says(main):
    check_json(main.root)  # judges the clean tree: the base of --changed HEAD below
    assert rows(main.root) == 1
    # resolve the unrelated visit's late record, and add a visit written late
    main.add(VISIT_UNRELATED.replace("recorded: 2026-11-08 09:00:00+08:00", "recorded: 2026-11-05 19:00:00+08:00"))
    main.add(VISIT_BROKEN)
    args = ("check", "--as-of", AS_OF, "--format", "json", "--changed", "HEAD")
    plain = huifang(main.root, *args, cache=False)
    cached = huifang(main.root, *args)
    again = huifang(main.root, *args)  # both sides cached now
    assert rows(main.root) == 2
    assert (plain.returncode, plain.stdout) == (cached.returncode, cached.stdout) == (again.returncode, again.stdout)
    data = json.loads(plain.stdout)
    assert ("V-DAY-01", P_UNRELATED) in {(f["rule"], f["file"]) for f in data["resolved"]}
    assert ("V-DAY-01", "HF-20261110-001") in {(f["rule"], f["record"]) for f in data["findings"]}
    text = ("check", "--as-of", AS_OF, "--changed", "HEAD")
    assert huifang(main.root, *text).stdout == huifang(main.root, *text, cache=False).stdout
