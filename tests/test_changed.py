"""`huifang check --changed BASE` on real git repositories: a pull request is judged by its whole effect.

main holds customers, complaints and visits; a branch adds a broken visit and edits a complaint.
`--changed main` compares the analysis of the merge base with the analysis of the branch: it
reports every finding the change creates (on any record) and every one it resolves, and fails
only on created errors — never on older errors nearby.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from generator import load as loader, pipeline
from generator.rules import all_rules

AS_OF = "2026-11-30"
CLERK = ("张三", "zhangsan@example.com")
SUPERVISOR = ("王丽", "wangli@example.com")

CUST_1 = """
id: CUST-0001
name: 张明
class: B
type: 业主
phone: "13812345678"
region: 城东
"""
CUST_2 = """
id: CUST-0002
name: 李华
class: C
type: 业主
phone: "13900001111"
region: 城西
"""
CUST_3 = """
id: CUST-0003
name: 陈静
class: C
type: 业主
region: 城东
"""
COMPLAINT = """
id: TS-20261102-001
received: 2026-11-02 09:10:00+08:00
channel: 电话
type: 投诉
category: 工程质量
customer: CUST-0001
issue: 电梯噪音
description: 3 栋电梯运行时噪音大。
status: 处理中
"""
# Same issue, another customer: an issue-level finding binds it to the complaint above.
COMPLAINT_SAME_ISSUE = """
id: TS-20261104-001
received: 2026-11-04 10:00:00+08:00
channel: 电话
type: 投诉
customer: CUST-0003
issue: 电梯噪音
description: 电梯噪音仍然很大。
status: 处理中
"""
VISIT_OK = """
id: HF-20261103-001
date: 2026-11-03 14:30:00+08:00
recorded: 2026-11-03 16:00:00+08:00
method: 电话
purpose: 投诉回访
customer: CUST-0001
related: [TS-20261102-001]
visitor: 张三
interviewee: 张明
content: 电话回访。客户说噪音已经小了一些。
signature: 无
"""
# Unrelated and broken on main: on-site without signature (V-SIGN-01), written 3 days late (V-DAY-01).
VISIT_UNRELATED = """
id: HF-20261105-001
date: 2026-11-05 10:00:00+08:00
recorded: 2026-11-08 09:00:00+08:00
method: 上门
purpose: 例行回访
customer: CUST-0002
visitor: 张三
content: 上门回访，检查门窗。
signature: 无
"""
# Added on the branch: written 4 days late (V-DAY-01), on-site without signature (V-SIGN-01).
VISIT_BROKEN = """
id: HF-20261110-001
date: 2026-11-10 15:00:00+08:00
recorded: 2026-11-14 09:00:00+08:00
method: 上门
purpose: 投诉回访
customer: CUST-0001
related: [TS-20261102-001]
visitor: 张三
content: 上门回访，查看电梯。
signature: 无
"""
# A draft that does not even match the format: an unknown method (SCHEMA, line 3).
VISIT_DRAFT = """
id: HF-20261111-001
date: 2026-11-11 15:00:00+08:00
method: 面谈
purpose: 投诉回访
customer: CUST-0001
visitor: 张三
content: 面谈。
"""

P_BROKEN = "records/visits/2026/11/HF-20261110-001.yml"
P_UNRELATED = "records/visits/2026/11/HF-20261105-001.yml"
P_OK = "records/visits/2026/11/HF-20261103-001.yml"
P_COMPLAINT = "records/complaints/2026/11/TS-20261102-001.yml"
P_SAME_ISSUE = "records/complaints/2026/11/TS-20261104-001.yml"


def enforced() -> set[str]:
    return {r.id for r in all_rules() if r.enforced}


# Three small real rules of the scopes `--changed` must follow: customer, issue and period.
# The real customer/issue rules are written elsewhere; these keep the selection logic under test
# whatever those end up flagging. They are registered in the child process that runs the check.
SCOPED_RULES = """
from generator.rules import rule

@rule("Z-CUST-01", "测试：客户级", scope="customer", modal="应", source="test",
      asks="测试用客户级规则", kinds=("customer", "visit"))
def per_customer(ctx):
    for cid, recs in ctx.records.by_customer.items():
        customer = ctx.records.by_id.get(cid)
        if customer is not None and any(r.kind.name == "visit" for r in recs):
            ctx.finding(customer, "name", f"客户 {cid} 有回访")

@rule("Z-ISSUE-01", "测试：同一问题", scope="issue", modal="应", source="test",
      asks="测试用同一问题规则", kinds=("complaint",))
def per_issue(ctx):
    for c in ctx.records.complaints:
        if c["issue"]:
            ctx.finding(c, "issue", f"同一问题“{c['issue']}”")

@rule("Z-PER-01", "测试：期间", scope="period", modal="应", source="test",
      asks="测试用期间规则", kinds=("visit",))
def per_period(ctx):
    for v in ctx.records.visits:
        if v["method"] != "电话":
            ctx.period_finding("2026-11", "上门或面谈回访", [v.id])
"""


def run(root, *args: str, scoped: bool = False, env: dict | None = None) -> subprocess.CompletedProcess:
    """`huifang --root ROOT ARGS…` in a child process (the reporters write to the real stdout)."""
    code = (SCOPED_RULES if scoped else "") + "\nimport sys\nfrom generator.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    return subprocess.run([sys.executable, "-c", code, "--root", str(root), *args],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1", **(env or {})})


def commit(repo, message: str, who=CLERK, when: str = "2026-11-20T10:00:00+08:00") -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1], "GIT_AUTHOR_DATE": when,
           "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1], "GIT_COMMITTER_DATE": when}
    repo.git("add", "--", "records", env=env)
    repo.git("commit", "-q", "-m", message, env=env)


def init(repo) -> None:
    repo.git("init", "-q", "-b", "main")


def check(repo, *args: str, scoped: bool = False, env: dict | None = None) -> tuple[int, list[dict], str]:
    p = run(repo.root, "check", "--as-of", AS_OF, "--format", "json", *args, scoped=scoped, env=env)
    return p.returncode, json.loads(p.stdout)["findings"] if p.stdout.strip() else [], p.stderr


def keys(findings: list[dict]) -> set[tuple[str, str | None]]:
    return {(f["rule"], f["record"]) for f in findings}


@pytest.fixture
def pr(repo):
    """main with five records plus one unrelated broken visit; branch `pr` adds one and edits one."""
    init(repo)
    for text in (CUST_1, CUST_2, CUST_3, COMPLAINT, COMPLAINT_SAME_ISSUE, VISIT_OK, VISIT_UNRELATED):
        repo.add(text)
    commit(repo, "main: 客户、投诉和回访", when="2026-11-08T10:00:00+08:00")
    repo.git("checkout", "-q", "-b", "pr")
    repo.add(VISIT_BROKEN)
    repo.add(COMPLAINT.replace("status: 处理中", "status: 处理中\nfirst_response: 2026-11-02 11:00:00+08:00"))
    commit(repo, "回访 HF-20261110-001，投诉首次答复")
    return repo


def test_changed_reports_what_the_branch_creates_and_nothing_that_was_there(pr):
    status, found, _ = check(pr, "--changed", "main", scoped=True)
    assert status == 1
    got = keys(found)
    # the broken visit's own findings, at the offending line
    day = [f for f in found if f["record"] == "HF-20261110-001" and f["rule"] == "V-DAY-01"]
    assert [(f["file"], f["line"]) for f in day] == [(P_BROKEN, 3)]  # the `recorded:` line
    if "V-SIGN-01" in enforced():
        assert ("V-SIGN-01", "HF-20261110-001") in got
    # CUST-0001 already had a visit, the issue already had two complaints and the period already had
    # an on-site visit on main: those findings are not the change's
    assert not {("Z-CUST-01", "CUST-0001"), ("Z-ISSUE-01", "TS-20261102-001"), ("Z-ISSUE-01", "TS-20261104-001")} & got
    # the period rule speaks once per on-site visit: the change adds one, about the new visit
    period = [f for f in found if f["rule"] == "Z-PER-01"]
    assert [f["related"] for f in period] == [["HF-20261110-001"]]
    # nothing about the untouched, unrelated customer and visit
    assert not [f for f in found if f["record"] in ("HF-20261105-001", "CUST-0002")]
    assert not [f for f in found if f["file"] == P_UNRELATED]


def test_changed_reports_what_it_creates_on_untouched_records_and_what_it_resolves(pr):
    pr.git("checkout", "-q", "main")
    pr.git("checkout", "-q", "-b", "move")
    # the unrelated on-site visit moves to CUST-0003 (now in the customer rule) and becomes a phone
    # visit (its V-SIGN-01 and the period finding's only member go away)
    pr.add(VISIT_UNRELATED.replace("customer: CUST-0002", "customer: CUST-0003").replace("method: 上门", "method: 电话")
           .replace("content: 上门回访，检查门窗。", "content: 电话回访，询问门窗。"))
    commit(pr, "改成电话回访，客户改为 CUST-0003")
    p = run(pr.root, "check", "--as-of", AS_OF, "--format", "json", "--changed", "main", scoped=True)
    data = json.loads(p.stdout)
    created, resolved = keys(data["findings"]), keys(data["resolved"])
    assert ("Z-CUST-01", "CUST-0003") in created  # on a record the change did not touch
    assert ("Z-CUST-01", "CUST-0002") in resolved
    assert ("Z-PER-01", None) in resolved
    if "V-SIGN-01" in enforced():
        assert ("V-SIGN-01", "HF-20261105-001") in resolved
    assert p.returncode == 1  # Z-CUST-01 is an error the change created


def test_unrelated_broken_visit_only_reported_without_changed(pr):
    rules = {"V-DAY-01", "V-SIGN-01"} & enforced()
    assert "V-DAY-01" in rules
    _, full, _ = check(pr)
    _, changed, _ = check(pr, "--changed", "main")
    for rid in rules:  # V-SIGN-01 joins once the signature rule is registered
        assert (rid, "HF-20261105-001") in keys(full), rid
        assert (rid, "HF-20261105-001") not in keys(changed), rid
    assert ("V-DAY-01", "HF-20261110-001") in keys(full) & keys(changed)


def test_changed_includes_staged_and_untracked_work(pr):
    """Before committing, the clerk's new file already counts as changed."""
    pr.git("checkout", "-q", "main")
    pr.git("checkout", "-q", "-b", "draft")
    pr.add(VISIT_BROKEN)
    pr.git("add", P_BROKEN)  # staged
    draft = pr.add(VISIT_DRAFT)  # untracked
    status, found, _ = check(pr, "--changed", "main")
    assert status == 1
    assert ("SCHEMA", draft, 3) in {(f["rule"], f["file"], f["line"]) for f in found}
    assert ("V-DAY-01", P_BROKEN) in {(f["rule"], f["file"]) for f in found}
    assert P_UNRELATED not in {f["file"] for f in found}


def test_nothing_changed_reports_nothing(pr):
    pr.git("checkout", "-q", "main")
    status, found, _ = check(pr, "--changed", "main")
    assert (status, found) == (0, [])
    status, full, _ = check(pr)
    assert status == 1 and full  # the unrelated broken visit is still there


def test_changed_after_base_moved_on(pr):
    """A later commit on main is not the branch's change: the merge base is the reference."""
    pr.git("checkout", "-q", "main")
    pr.add(VISIT_UNRELATED.replace("例行回访", "意见征询"))
    commit(pr, "main 上的另一个改动", when="2026-11-21T10:00:00+08:00")
    pr.git("checkout", "-q", "pr")
    _, found, _ = check(pr, "--changed", "main")
    assert P_UNRELATED not in {f["file"] for f in found}
    assert P_BROKEN in {f["file"] for f in found}


def test_unknown_base_exits_2_in_chinese(pr):
    p = run(pr.root, "check", "--changed", "origin/不存在", "--format", "json")
    out, err = p.stdout, p.stderr
    assert p.returncode == 2
    assert out == ""
    assert "找不到基准" in err and "origin/不存在" in err


def test_changed_outside_git_exits_2(repo):
    repo.add(CUST_1)
    p = run(repo.root, "check", "--changed", "main")
    assert p.returncode == 2
    assert "git 仓库" in p.stderr


def test_github_format_annotates_changed_file(pr):
    p = run(pr.root, "check", "--as-of", AS_OF, "--changed", "main", "--format", "github")
    out = p.stdout
    assert p.returncode == 1
    assert f"::error file={P_BROKEN},line=3,title=V-DAY-01::" in out
    assert P_UNRELATED not in out


def test_record_findings_of_untouched_siblings_are_not_reported(repo):
    init(repo)
    repo.add(CUST_1)
    repo.add(COMPLAINT)
    late = VISIT_OK.replace("recorded: 2026-11-03 16:00:00+08:00", "recorded: 2026-11-06 09:00:00+08:00")
    repo.add(late)
    commit(repo, "main")
    repo.git("checkout", "-q", "-b", "pr")
    repo.add(VISIT_BROKEN.replace("method: 上门", "method: 电话").replace("signature: 无", "signature: 无")
             .replace("recorded: 2026-11-14 09:00:00+08:00", "recorded: 2026-11-10 16:00:00+08:00"))
    commit(repo, "一条没有问题的新回访")
    _, found, _ = check(repo, "--changed", "main")
    assert ("V-DAY-01", "HF-20261103-001") not in keys(found)


def test_deleting_a_referenced_record_is_reported(pr):
    pr.git("checkout", "-q", "main")
    pr.git("checkout", "-q", "-b", "delete")
    pr.git("rm", "-q", P_COMPLAINT)  # HF-20261103-001 on main still follows it up
    commit(pr, "删除投诉")
    status, full, _ = check(pr)
    assert status == 1
    assert ("SCHEMA", "HF-20261103-001") in keys(full)  # related: TS-20261102-001 no longer resolves
    status, changed, _ = check(pr, "--changed", "main")
    assert ("SCHEMA", "HF-20261103-001") in keys(changed)
    assert status == 1


ORDER = """
id: WO-20261102-001
customer: CUST-0001
type: 维修
completed: 2026-11-02 14:00:00+08:00
region: 城东
"""
CALLBACK = """
id: HF-20261103-002
date: 2026-11-03 10:00:00+08:00
recorded: 2026-11-03 12:00:00+08:00
method: 电话
purpose: 维修回访
customer: CUST-0001
related: [WO-20261102-001]
visitor: 李芳
interviewee: 张明
content: 电话回访，询问维修工服务态度和收费情况
signature: 无
"""
P_CALLBACK = "records/visits/2026/11/HF-20261103-002.yml"


def test_deleting_a_callback_fails_on_the_order_it_leaves_without_one(pr):
    pr.git("checkout", "-q", "main")
    pr.add(ORDER)
    pr.add(CALLBACK)
    commit(pr, "完工单和回访")
    pr.git("checkout", "-q", "-b", "delete-callback")
    pr.git("rm", "-q", P_CALLBACK)
    commit(pr, "删除回访")
    status, found, err = check(pr, "--changed", "main")
    assert status == 1
    (cb,) = [f for f in found if f["rule"] == "W-CB-02"]
    assert (cb["record"], cb["status"]) == ("WO-20261102-001", "overdue")  # a record the change did not touch
    assert "新增了" in err


def test_an_older_error_nearby_does_not_fail_a_good_change(pr):
    """CUST-0002's visit is broken on main; a correct new visit to the same customer passes."""
    pr.git("checkout", "-q", "main")
    pr.git("checkout", "-q", "-b", "good")
    pr.add(VISIT_OK.replace("HF-20261103-001", "HF-20261106-001").replace("2026-11-03", "2026-11-06")
           .replace("customer: CUST-0001", "customer: CUST-0002").replace("related: [TS-20261102-001]\n", "")
           .replace("purpose: 投诉回访", "purpose: 例行回访").replace("interviewee: 张明\n", ""))
    commit(pr, "一条正确的回访")
    status, found, _ = check(pr, "--changed", "main")
    assert [f for f in found if f["severity"] == "error"] == [] and status == 0


LATE_REPLY = "first_response: 2026-11-04 09:00:00+08:00\n"  # type 投诉, 一般: due within 24 hours (RESP-A)
EXPLAINED = """explanations:
  - rule: T-RESP-01
    by: 王丽
    date: 2026-11-20
    reason: 受理人病假，电话记录在纸质台账上，补录时已晚
"""


def test_a_created_breach_fails_until_a_supervisor_explains_it_and_later_edits_pass(pr):
    pr.git("checkout", "-q", "main")
    pr.git("checkout", "-q", "-b", "late")
    pr.add(COMPLAINT + LATE_REPLY)
    commit(pr, "补录首次答复（晚了）")
    status, found, err = check(pr, "--changed", "main")
    (late,) = [f for f in found if f["rule"] == "T-RESP-01"]
    assert (late["status"], late["history"], late["explanation"]) == ("done", True, None)
    assert status == 1 and "主管" in err
    # the pre-commit gate (check PATH) does not block the clerk recording the truth: the breach is
    # reported, but only the errors that can still be repaired decide the exit status
    status, found, _ = check(pr, str(pr.root / P_COMPLAINT))
    (late,) = [f for f in found if f["rule"] == "T-RESP-01"]
    assert late["history"] is True
    assert status == (1 if [f for f in found if f["severity"] == "error" and not f["history"]] else 0)
    pr.add(COMPLAINT + LATE_REPLY + EXPLAINED)
    commit(pr, "主管说明")
    status, found, _ = check(pr, "--changed", "main")
    (late,) = [f for f in found if f["rule"] == "T-RESP-01"]
    assert late["explanation"] == {"by": "王丽", "date": "2026-11-20", "reason": "受理人病假，电话记录在纸质台账上，补录时已晚"}
    assert status == 0
    # merged: a later edit of the same complaint creates nothing and passes
    pr.git("checkout", "-q", "main")
    pr.git("merge", "-q", "--ff-only", "late")
    pr.git("checkout", "-q", "-b", "later")
    pr.add(COMPLAINT.replace("3 栋电梯运行时噪音大。", "3 栋电梯运行时噪音大，晚上更明显。") + LATE_REPLY + EXPLAINED)
    commit(pr, "补充描述")
    status, found, _ = check(pr, "--changed", "main")
    assert not [f for f in found if f["rule"] == "T-RESP-01"]
    assert status == 0


def test_the_base_side_is_read_through_the_work_trees_parse_cache(pr, monkeypatch):
    """With no stored result for the base, its files are not parsed again: the base snapshot finds
    them in the work tree's parse cache by their blob ids; only the base version of the file the
    branch edited is parsed (and the report is the same as without any cache)."""
    status, uncached, _ = check(pr, "--changed", "main", env={"HUIFANG_NO_CACHE": "1"})
    for path in (pr.root / "records").rglob("*.yml"):  # written an hour ago (files written just now are not cached)
        os.utime(path, (path.stat().st_mtime - 3600,) * 2)
    assert check(pr)[0] == 1  # a check of the branch: every file of the work tree is in the parse cache
    parsed = []
    real = loader.load_file
    monkeypatch.setattr(loader, "load_file", lambda root, rel, *a: parsed.append(rel) or real(root, rel, *a))
    change = pipeline.compare(pr.root, "main", AS_OF)
    assert sorted(set(parsed)) == sorted({"records/complaints/2026/11/TS-20261102-001.yml"})
    assert keys([{"rule": f.rule, "record": f.record} for f in change.created]) == keys(uncached)
