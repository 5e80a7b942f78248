"""V rules on small real record repositories: each rule kept and broken, deadlines on both sides."""

from __future__ import annotations

import os
from datetime import date, datetime

import yaml

import pytest

from conftest import CUSTOMER, only
from generator.dates import TZ


def T(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=TZ)


def dump(fields: dict) -> str:
    return yaml.safe_dump({k: v for k, v in fields.items() if v is not None}, allow_unicode=True, sort_keys=False)


def line_of(text: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first line starting (after indentation) with `needle` [below `after`]."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith(after)) if after else 0
    return next(i + 1 for i, ln in enumerate(lines) if i >= start and ln.lstrip().startswith(needle))


REVIEW = {"by": "王丽", "date": date(2026, 11, 5), "comment": "回访及时，注意记录业主原话"}


def visit(vid="HF-20261103-001", when="2026-11-03 10:00", **kw) -> str:
    fields = {"id": vid, "date": T(when), "method": "上门", "purpose": "例行回访", "customer": "CUST-0001",
              "visitor": "李娜", "content": "上门了解入住后的使用情况", "signature": "已签名", "review": REVIEW}
    fields.update(kw)
    return dump(fields)


def complaint(cid="TS-20261102-001", received="2026-11-02 09:00", **kw) -> str:
    fields = {"id": cid, "received": T(received), "channel": "电话", "type": "投诉", "category": "工程质量",
              "customer": "CUST-0001", "issue": "3栋电梯噪音", "description": "电梯运行噪音大", "status": "处理中"}
    fields.update(kw)
    return dump(fields)


def customer(cid: str, **kw) -> str:
    fields = {"id": cid, "name": f"客户{cid[-1]}", "class": "B", "phone": "13912345678"}
    fields.update(kw)
    return dump(fields)


def setup(repo, *texts: str) -> list[str]:
    repo.add(CUSTOMER)
    return [repo.add(t) for t in texts]


def due_items(analysis, rule: str):
    return [o for o in analysis.outcome.open_items if o.rule == rule]


def figure(analysis, rule: str, period: str):
    return next(f for f in analysis.outcome.figures if f.rule == rule and f.period == period)


# -- V-DAY-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("V-DAY-01")
def test_day_recorded_same_day_passes(repo):
    setup(repo, visit(recorded=T("2026-11-03 18:00")))
    assert only(repo.analyse().findings, "V-DAY-01") == []


@pytest.mark.breaks("V-DAY-01")
def test_day_recorded_next_day_is_a_finding(repo):
    text = visit(recorded=T("2026-11-04 09:00"))
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-DAY-01")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "recorded:"))


# -- V-REV-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("V-REV-01")
def test_review_block_by_supervisor_passes(repo):
    setup(repo, visit())
    assert only(repo.analyse().findings, "V-REV-01") == []


@pytest.mark.breaks("V-REV-01")
def test_review_by_the_visitor_is_a_finding(repo):
    text = visit(review={"by": "李娜", "date": date(2026, 11, 4), "comment": "已阅"})
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-REV-01")
    assert (f.rule, f.record, f.file, f.line) == ("V-REV-01", "HF-20261103-001", path, line_of(text, "by:", "review:"))
    assert "李娜" in f.message and f.threshold


@pytest.mark.breaks("V-REV-01")
def test_review_without_comment_is_a_finding(repo):
    text = visit(review={"by": "王丽", "date": date(2026, 11, 4), "comment": ""})
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-REV-01")
    assert (f.file, f.line) == (path, line_of(text, "comment:", "review:"))


@pytest.mark.breaks("V-REV-01")
def test_review_after_the_deadline_is_a_finding(repo):
    text = visit(review={"by": "王丽", "date": date(2026, 11, 20), "comment": "补审"})
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-REV-01")
    assert (f.file, f.line) == (path, line_of(text, "date:", "review:"))


@pytest.mark.breaks("V-REV-01")
def test_missing_review_is_open_before_the_deadline_and_a_finding_after(repo):
    text = visit("HF-20261125-001", "2026-11-25 10:00", review=None)
    path, = setup(repo, text)
    clerk = ("李娜", "lina@example.com")
    repo.git("init", "-q", "-b", "main", env=_git_env(clerk, clerk, "2026-11-25T18:00:00+08:00"))
    repo.git("add", "-A", env=_git_env(clerk, clerk, "2026-11-25T18:00:00+08:00"))
    repo.git("commit", "-q", "-m", "回访", env=_git_env(clerk, clerk, "2026-11-25T18:00:00+08:00"))
    before = repo.analyse(date(2026, 11, 30))
    assert only(before.findings, "V-REV-01") == []
    item, = due_items(before, "V-REV-01")
    assert (item.record, item.due) == ("HF-20261125-001", date(2026, 12, 2))
    f, = only(repo.analyse(date(2026, 12, 3)).findings, "V-REV-01")
    assert (f.record, f.file, f.line) == ("HF-20261125-001", path, line_of(text, "visitor:"))


def _git_env(who: tuple[str, str], committer: tuple[str, str], when: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME=who[0], GIT_AUTHOR_EMAIL=who[1], GIT_AUTHOR_DATE=when,
               GIT_COMMITTER_NAME=committer[0], GIT_COMMITTER_EMAIL=committer[1], GIT_COMMITTER_DATE=when,
               GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    return env


@pytest.mark.breaks("V-REV-01")
def test_git_merge_by_supervisor_is_the_review_and_self_merge_is_not(repo):
    clerk, boss = ("李娜", "lina@example.com"), ("王丽", "wangli@example.com")
    repo.git("init", "-q", "-b", "main", env=_git_env(clerk, clerk, "2026-11-01T09:00:00+08:00"))
    repo.add(CUSTOMER)
    repo.git("add", "-A", env=_git_env(clerk, clerk, "2026-11-01T09:00:00+08:00"))
    repo.git("commit", "-q", "-m", "客户档案", env=_git_env(boss, boss, "2026-11-01T09:00:00+08:00"))

    def submit(text: str, branch: str, day: str, merger: tuple[str, str]) -> str:
        repo.git("checkout", "-q", "-b", branch, env=_git_env(clerk, clerk, f"{day}T17:00:00+08:00"))
        path = repo.add(text)
        repo.git("add", path, env=_git_env(clerk, clerk, f"{day}T17:00:00+08:00"))
        repo.git("commit", "-q", "-m", f"回访 {branch}", env=_git_env(clerk, clerk, f"{day}T18:00:00+08:00"))
        repo.git("checkout", "-q", "main", env=_git_env(clerk, clerk, f"{day}T19:00:00+08:00"))
        repo.git("merge", "-q", "--no-ff", "-m", f"合并 {branch}", branch,
                 env=_git_env(merger, merger, f"{day}T20:00:00+08:00"))
        return path

    good = submit(visit(review=None), "hf-001", "2026-11-03", boss)
    bad_text = visit("HF-20261104-001", "2026-11-04 10:00", review=None)
    bad = submit(bad_text, "hf-002", "2026-11-04", clerk)
    analysis = repo.analyse(date(2026, 12, 31))
    assert analysis.provenance[good].approval.reviewer == "王丽"
    findings = only(analysis.findings, "V-REV-01")
    assert [(f.record, f.file, f.line) for f in findings] == [("HF-20261104-001", bad, line_of(bad_text, "visitor:"))]
    assert "李娜" in findings[0].message

    # a plain commit on main after the approval: the review no longer covers the record
    (repo.root / good).write_text(visit(review=None, content="上门了解入住后的使用情况（补记）"), encoding="utf-8")
    repo.git("commit", "-q", "-am", "补记", env=_git_env(clerk, clerk, "2026-11-06T09:00:00+08:00"))
    amended = [f for f in only(repo.analyse(date(2026, 12, 31)).findings, "V-REV-01") if f.file == good]
    assert [(f.severity, f.line) for f in amended] == [("warning", 1)] and "审阅后又被修改" in amended[0].message


CLERK, BOSS, COLLEAGUE = ("李娜", "lina@example.com"), ("王丽", "wangli@example.com"), ("刘佳", "liujia@example.com")
GITHUB = ("GitHub", "noreply@github.com")


def _git_repo(repo, staff: str | None = None):
    """A real repository whose first commit holds the customer (and staff.yml when given)."""
    env = _git_env(BOSS, BOSS, "2026-11-01T09:00:00+08:00")
    repo.git("init", "-q", "-b", "main", env=env)
    repo.add(CUSTOMER)
    if staff:
        repo.write("staff.yml", staff)
    repo.git("add", "-A", env=env)
    repo.git("commit", "-q", "-m", "初始化", env=env)


def _pull_request(repo, text: str, branch: str, submitted: str, merged: str, merger, committer=None,
                  message: str | None = None) -> str:
    """The clerk commits `text` on a branch at `submitted`; `merger` merges it into main at `merged`."""
    repo.git("checkout", "-q", "-b", branch, env=_git_env(CLERK, CLERK, submitted))
    path = repo.add(text)
    repo.git("add", path, env=_git_env(CLERK, CLERK, submitted))
    repo.git("commit", "-q", "-m", f"回访 {branch}", env=_git_env(CLERK, CLERK, submitted))
    repo.git("checkout", "-q", "main", env=_git_env(CLERK, CLERK, submitted))
    repo.git("merge", "-q", "--no-ff", "-m", message or f"Merge pull request #1 from cuihu/{branch}", branch,
             env=_git_env(merger, committer or merger, merged))
    return path


@pytest.mark.breaks("V-REV-01")
def test_web_merge_by_the_visitor_herself_is_a_self_review(repo):
    """GitHub's merge button: committer GitHub, author the person; the person is judged."""
    _git_repo(repo)
    ok = _pull_request(repo, visit(review=None), "hf-001", "2026-11-03T18:00:00+08:00",
                       "2026-11-04T09:00:00+08:00", BOSS, GITHUB)
    text = visit("HF-20261104-001", "2026-11-04 10:00", review=None)
    bad = _pull_request(repo, text, "hf-002", "2026-11-04T18:00:00+08:00", "2026-11-05T09:00:00+08:00", CLERK, GITHUB)
    analysis = repo.analyse(date(2026, 12, 31))
    assert analysis.provenance[ok].approval.reviewer == "王丽"
    f, = only(analysis.findings, "V-REV-01")
    assert (f.rule, f.record, f.file, f.line) == ("V-REV-01", "HF-20261104-001", bad, line_of(text, "visitor:"))
    assert "李娜" in f.message and "本人" in f.message and "GitHub" not in f.message


@pytest.mark.breaks("V-REV-01")
def test_only_staff_with_the_reviewer_role_review(repo):
    staff = ("- name: 王丽\n  role: 客服主管\n  reviewer: true\n  emails: [wangli@example.com]\n"
             "- name: 刘佳\n  role: 客服专员\n  emails: [liujia@example.com]\n")
    _git_repo(repo, staff)
    _pull_request(repo, visit(review=None), "hf-001", "2026-11-03T18:00:00+08:00", "2026-11-04T09:00:00+08:00", BOSS)
    text = visit("HF-20261104-001", "2026-11-04 10:00", review=None)
    bad = _pull_request(repo, text, "hf-002", "2026-11-04T18:00:00+08:00", "2026-11-05T09:00:00+08:00", COLLEAGUE)
    f, = only(repo.analyse(date(2026, 12, 31)).findings, "V-REV-01")
    assert (f.record, f.file, f.line) == ("HF-20261104-001", bad, line_of(text, "visitor:"))
    assert "刘佳" in f.message and "reviewer: true" in f.message


@pytest.mark.breaks("V-REV-01")
def test_a_review_not_done_yet_is_the_reviewers_to_do_then_overdue(repo):
    """Who must act on a missing review is the supervisor (staff.yml's reviewers), not the visitor."""
    staff = ("- name: 王丽\n  role: 客服主管\n  reviewer: true\n  emails: [wangli@example.com]\n"
             "- name: 李娜\n  role: 客服专员\n  emails: [lina@example.com]\n")
    _git_repo(repo, staff)
    text = visit(review=None)
    path = repo.add(text)
    repo.git("add", path, env=_git_env(CLERK, CLERK, "2026-11-03T18:00:00+08:00"))
    repo.git("commit", "-q", "-m", "回访", env=_git_env(CLERK, CLERK, "2026-11-03T18:00:00+08:00"))
    early = repo.analyse(date(2026, 11, 4))
    assert only(early.findings, "V-REV-01") == []
    todo, = due_items(early, "V-REV-01")
    assert (todo.record, todo.overdue, todo.responsible) == ("HF-20261103-001", False, "部门主管（王丽）")
    late = repo.analyse(date(2026, 12, 31))
    f, = only(late.findings, "V-REV-01")
    assert (f.record, f.file, f.line, f.status) == ("HF-20261103-001", path, line_of(text, "visitor:"), "overdue")
    item, = due_items(late, "V-REV-01")
    assert (item.overdue, item.responsible) == (True, "部门主管（王丽）")


@pytest.mark.keeps("V-REV-01")
def test_first_on_time_review_stands_after_a_late_reapproval(repo):
    _git_repo(repo)
    path = _pull_request(repo, visit(review=None), "hf-001", "2026-11-03T18:00:00+08:00",
                         "2026-11-04T09:00:00+08:00", BOSS)
    # amended on a branch weeks later and approved again: the first review was on time
    repo.git("checkout", "-q", "-b", "fix", env=_git_env(CLERK, CLERK, "2026-11-20T09:00:00+08:00"))
    (repo.root / path).write_text(visit(review=None, content="上门了解入住后的使用情况（补记）"), encoding="utf-8")
    repo.git("commit", "-q", "-am", "补记", env=_git_env(CLERK, CLERK, "2026-11-20T09:00:00+08:00"))
    repo.git("checkout", "-q", "main", env=_git_env(CLERK, CLERK, "2026-11-20T09:00:00+08:00"))
    repo.git("merge", "-q", "--no-ff", "-m", "合并补记", "fix", env=_git_env(BOSS, BOSS, "2026-11-21T09:00:00+08:00"))
    assert only(repo.analyse(date(2026, 12, 31)).findings, "V-REV-01") == []


@pytest.mark.breaks("V-REV-01")
def test_late_review_says_how_late(repo):
    _git_repo(repo)
    text = visit(review=None)
    path = _pull_request(repo, text, "hf-001", "2026-11-03T18:00:00+08:00", "2026-11-13T09:00:00+08:00", BOSS)
    f, = only(repo.analyse(date(2026, 12, 31)).findings, "V-REV-01")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "visitor:"))
    assert "2026-11-13" in f.message and "晚了 3 天" in f.message


@pytest.mark.breaks("V-REV-01")
def test_review_dated_before_the_visit_is_no_review(repo):
    text = visit(review={"by": "王丽", "date": date(2026, 11, 1), "comment": "已阅"})
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-REV-01")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "date:", "review:"))
    assert "早于回访日期" in f.message


def test_review_unknown_without_git_history(repo, tmp_path):
    """No repository, or a shallow clone cut before the record: unknown, neither a finding nor a to-do."""
    text = visit(review=None)
    setup(repo, text)
    analysis = repo.analyse(date(2026, 12, 31))
    assert only(analysis.findings, "V-REV-01") == [] and due_items(analysis, "V-REV-01") == []

    _git_repo(repo)  # the visit committed straight to main: known, and not reviewed
    assert [f.record for f in only(repo.analyse(date(2026, 12, 31)).findings, "V-REV-01")] == ["HF-20261103-001"]
    repo.git("commit", "-q", "--allow-empty", "-m", "其他", env=_git_env(CLERK, CLERK, "2026-11-04T09:00:00+08:00"))
    shallow = tmp_path / "shallow"
    import subprocess
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(shallow)], check=True,
                   env=_git_env(CLERK, CLERK, "2026-11-07T09:00:00+08:00"))
    from generator.commands import analyse
    analysis = analyse(shallow, date(2026, 12, 31))
    assert only(analysis.findings, "V-REV-01") == [] and due_items(analysis, "V-REV-01") == []


@pytest.mark.breaks("V-DAY-01")
def test_day_without_recorded_is_judged_from_the_first_commit_time(repo):
    """No `recorded`: the time the file first entered git decides V-DAY-01 (later edits do not)."""
    clerk = ("李娜", "lina@example.com")
    repo.git("init", "-q", "-b", "main", env=_git_env(clerk, clerk, "2026-11-01T09:00:00+08:00"))
    on_time = visit()                                        # visit 2026-11-03 10:00
    late_text = visit("HF-20261104-001", "2026-11-04 10:00")
    path = setup(repo, on_time)[0]
    repo.git("add", "-A", env=_git_env(clerk, clerk, "2026-11-03T23:30:00+08:00"))
    repo.git("commit", "-q", "-m", "当天回访", env=_git_env(clerk, clerk, "2026-11-03T23:30:00+08:00"))
    late = repo.add(late_text)
    repo.git("add", "-A", env=_git_env(clerk, clerk, "2026-11-06T09:00:00+08:00"))
    repo.git("commit", "-q", "-m", "补录", env=_git_env(clerk, clerk, "2026-11-06T09:00:00+08:00"))
    # an amendment days later does not make the on-time record late
    (repo.root / path).write_text(visit(content="上门了解入住后的使用情况（补充）"), encoding="utf-8")
    repo.git("commit", "-q", "-am", "补充", env=_git_env(clerk, clerk, "2026-11-09T09:00:00+08:00"))
    f, = only(repo.analyse().findings, "V-DAY-01")
    assert (f.record, f.file, f.line) == ("HF-20261104-001", late, line_of(late_text, "date:"))
    assert "2026-11-06" in f.message and "提交" in f.message


@pytest.mark.keeps("V-DAY-01")
def test_day_from_a_shallow_clone_reports_nothing_it_cannot_know(repo, tmp_path):
    clerk = ("李娜", "lina@example.com")
    repo.git("init", "-q", "-b", "main", env=_git_env(clerk, clerk, "2026-11-01T09:00:00+08:00"))
    setup(repo, visit("HF-20261104-001", "2026-11-04 10:00"))
    repo.git("add", "-A", env=_git_env(clerk, clerk, "2026-11-06T09:00:00+08:00"))
    repo.git("commit", "-q", "-m", "补录", env=_git_env(clerk, clerk, "2026-11-06T09:00:00+08:00"))
    repo.git("commit", "-q", "--allow-empty", "-m", "其他", env=_git_env(clerk, clerk, "2026-11-07T09:00:00+08:00"))
    shallow = tmp_path / "shallow"
    import subprocess
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(shallow)], check=True,
                   env=_git_env(clerk, clerk, "2026-11-07T09:00:00+08:00"))
    from generator.commands import analyse
    analysis = analyse(shallow, date(2026, 11, 30))
    assert only(analysis.findings, "V-DAY-01") == []
    assert any("浅克隆" in w or "部分" in w for w in analysis.history_warnings)


# -- V-SIGN-01 / V-SIGN-02 --------------------------------------------------------------------

@pytest.mark.keeps("V-SIGN-01")
def test_onsite_signed_passes(repo):
    setup(repo, visit())
    assert only(repo.analyse().findings, "V-SIGN-01") == []


@pytest.mark.breaks("V-SIGN-01")
def test_refusal_with_attitude_passes_under_sign_refusal_but_not_strict(repo):
    text = visit(signature="拒签", refusal_note="业主表示不愿签字，对维修结果基本认可")
    path, = setup(repo, text)
    assert only(repo.analyse().findings, "V-SIGN-01") == []
    repo.config("profile:\n  signature: SIGN-STRICT\n")
    f, = only(repo.analyse().findings, "V-SIGN-01")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "signature:"))
    assert "SIGN-STRICT" in f.threshold


@pytest.mark.breaks("V-SIGN-01")
def test_refusal_without_attitude_is_a_finding(repo):
    text = visit(signature="拒签")
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-SIGN-01")
    assert (f.file, f.line) == (path, line_of(text, "signature:"))
    assert "refusal_note" in f.message


@pytest.mark.breaks("V-SIGN-01")
def test_onsite_without_signature_points_at_method(repo):
    text = visit(signature=None)
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-SIGN-01")
    assert (f.file, f.line) == (path, line_of(text, "method:"))


@pytest.mark.keeps("V-SIGN-02")
def test_phone_visit_marked_passes(repo):
    setup(repo, visit(method="电话", signature="无", content="电话回访：业主对维修满意"))
    assert only(repo.analyse().findings, "V-SIGN-02") == []


@pytest.mark.breaks("V-SIGN-02")
def test_phone_visit_without_marker_or_with_signature_is_a_finding(repo):
    text = visit(method="电话", signature="已签名", content="业主对维修满意")
    path, = setup(repo, text)
    findings = only(repo.analyse().findings, "V-SIGN-02")
    assert sorted((f.record, f.file, f.line) for f in findings) == [
        ("HF-20261103-001", path, line_of(text, "content:")), ("HF-20261103-001", path, line_of(text, "signature:"))]


# -- V-NEW-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("V-NEW-01")
def test_new_issue_answered_by_a_later_visit_passes(repo):
    setup(repo, visit(new_issues=[{"text": "车库漏水", "reply_by": date(2026, 11, 10)}, {"text": "绿化", "answered": True}]),
          visit("HF-20261108-001", "2026-11-08 10:00", related=["HF-20261103-001"]))
    assert only(repo.analyse().findings, "V-NEW-01") == []


@pytest.mark.keeps("V-NEW-01")
def test_new_issue_answered_by_a_visit_on_the_same_case_passes(repo):
    setup(repo, complaint(), visit(new_issues=[{"text": "车库漏水", "reply_by": date(2026, 11, 10)}],
                                   related=["TS-20261102-001"]),
          visit("HF-20261108-001", "2026-11-08 10:00", related=["TS-20261102-001"]))
    assert only(repo.analyse().findings, "V-NEW-01") == []


@pytest.mark.breaks("V-NEW-01")
def test_an_unrelated_later_visit_answers_no_promise(repo):
    """Regression: any later visit to the customer counted as the answer to a promise it never mentions."""
    text = visit(new_issues=[{"text": "车库漏水", "reply_by": date(2026, 11, 10)}])
    path, _ = setup(repo, text, visit("HF-20261108-001", "2026-11-08 10:00", purpose="意见征询"))
    f, = only(repo.analyse().findings, "V-NEW-01")
    assert (f.record, f.file, f.line, f.status) == ("HF-20261103-001", path, line_of(text, "reply_by:"), "overdue")


@pytest.mark.breaks("V-NEW-01")
def test_new_issue_without_reply_time_is_a_finding(repo):
    text = visit(new_issues=[{"text": "车库漏水"}])
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-NEW-01")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "- text: 车库漏水"))


@pytest.mark.breaks("V-NEW-01")
def test_new_issue_promise_open_before_and_finding_after(repo):
    text = visit(new_issues=[{"text": "车库漏水", "reply_by": date(2026, 12, 5)}])
    path, = setup(repo, text)
    before = repo.analyse(date(2026, 12, 5))
    assert only(before.findings, "V-NEW-01") == []
    assert [(o.record, o.due) for o in due_items(before, "V-NEW-01")] == [("HF-20261103-001", date(2026, 12, 5))]
    f, = only(repo.analyse(date(2026, 12, 6)).findings, "V-NEW-01")
    assert (f.file, f.line) == (path, line_of(text, "reply_by:"))


# -- V-REP-01 ---------------------------------------------------------------------------------

def _revisit(vid: str, when: str, sat: str, method="上门") -> str:
    return visit(vid, when, method=method, purpose="投诉回访", related=["TS-20261102-001"],
                 content="电话回访：回访投诉处理结果" if method == "电话" else "上门回访投诉处理结果",
                 signature="无" if method == "电话" else "已签名", satisfaction={"service": sat})


@pytest.mark.breaks("V-REP-01")
def test_dissatisfied_revisit_needs_another_visit(repo):
    ctext = complaint(status="已解决", resolved=T("2026-11-18 10:00"))
    cpath, _ = setup(repo, ctext, _revisit("HF-20261120-001", "2026-11-20 10:00", "不太满意"))
    before = repo.analyse(date(2026, 11, 27))
    assert only(before.findings, "V-REP-01") == []
    assert [(o.record, o.due) for o in due_items(before, "V-REP-01")] == [("TS-20261102-001", date(2026, 11, 27))]
    f, = only(repo.analyse(date(2026, 11, 30)).findings, "V-REP-01")
    assert (f.record, f.file, f.line) == ("TS-20261102-001", cpath, line_of(ctext, "status:"))


@pytest.mark.keeps("V-REP-01")
def test_satisfied_last_revisit_or_closed_complaint_passes(repo):
    setup(repo, complaint(status="已解决"), _revisit("HF-20261110-001", "2026-11-10 10:00", "不太满意"),
          _revisit("HF-20261112-001", "2026-11-12 10:00", "满意"))
    assert only(repo.analyse().findings, "V-REP-01") == []


@pytest.mark.breaks("V-REP-01")
def test_third_phone_revisit_of_a_third_category_complaint_under_rep_p4(repo):
    third = _revisit("HF-20261114-001", "2026-11-14 10:00", "满意", method="电话")
    setup(repo, complaint(status="已结案"), _revisit("HF-20261110-001", "2026-11-10 10:00", "不太满意"),
          _revisit("HF-20261112-001", "2026-11-12 10:00", "不太满意"))
    path = repo.add(third)
    assert only(repo.analyse().findings, "V-REP-01") == []  # REP-P5: phone allowed after the 2nd
    repo.config("profile:\n  repeat_visit: REP-P4\nthird_category: [工程质量]\n")
    f, = only(repo.analyse().findings, "V-REP-01")
    assert (f.record, f.file, f.line) == ("HF-20261114-001", path, line_of(third, "method:"))


# -- V-OL-01 / V-OL-02 ------------------------------------------------------------------------

def _letter(**kw) -> str:
    fields = {"id": "GKX-20261110-001", "issue": "3栋电梯噪音", "date": date(2026, 11, 10), "title": "致3栋业主的公开信",
              "body": "电梯噪音问题已安排维保单位处理。", "complaints": ["TS-20261102-001", "TS-20261103-001"]}
    fields.update(kw)
    return dump(fields)


@pytest.mark.breaks("V-OL-01")
def test_several_owners_on_one_issue_suggest_a_letter(repo):
    second = complaint("TS-20261103-001", "2026-11-03 09:00", customer="CUST-0002")
    repo.add(customer("CUST-0002"))
    _, path = setup(repo, complaint(), second)
    f, = only(repo.analyse().findings, "V-OL-01")
    assert (f.severity, f.record, f.file, f.line) == ("info", "TS-20261103-001", path, line_of(second, "issue:"))


@pytest.mark.keeps("V-OL-01")
def test_letter_on_the_issue_or_single_owner_needs_no_suggestion(repo):
    setup(repo, complaint(), complaint("TS-20261110-001", "2026-11-10 09:00"))
    assert only(repo.analyse().findings, "V-OL-01") == []  # OL-P3: one owner only
    repo.config("profile:\n  open_letter: OL-P45\n")
    assert len(only(repo.analyse().findings, "V-OL-01")) == 1  # OL-P45: two complaints are enough
    repo.add(_letter(complaints=["TS-20261102-001"]))
    assert only(repo.analyse().findings, "V-OL-01") == []


@pytest.mark.keeps("V-OL-02")
def test_letter_lists_its_complaints(repo):
    repo.add(customer("CUST-0002"))
    setup(repo, complaint(), complaint("TS-20261103-001", "2026-11-03 09:00", customer="CUST-0002"), _letter())
    assert only(repo.analyse().findings, "V-OL-02") == []


@pytest.mark.breaks("V-OL-02")
def test_letter_without_complaints_is_a_finding(repo):
    text = _letter(complaints=None)
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-OL-02")
    assert (f.record, f.file, f.line) == ("GKX-20261110-001", path, line_of(text, "issue:"))


# -- V-100-01 ---------------------------------------------------------------------------------

@pytest.mark.keeps("V-100-01")
def test_answered_and_resolved_complaint_passes(repo):
    setup(repo, complaint(first_response=T("2026-11-02 11:00"), resolved=T("2026-11-05 10:00"), status="已解决",
                          reply_by=T("2026-11-06 18:00")))
    analysis = repo.analyse(date(2026, 12, 31))
    assert only(analysis.findings, "V-100-01") == []
    fig = figure(analysis, "V-100-01", "2026-12")  # due default_reply_days (30) after receipt: 2026-12-02
    assert (fig.numerator, fig.denominator, fig.passed) == (1, 1, True)


@pytest.mark.breaks("V-100-01")
def test_a_case_handled_after_its_due_time_stays_a_finding(repo):
    """A late outcome never erases the breach: the finding stays, saying how late."""
    text = complaint(first_response=T("2026-11-02 11:00"), resolved=T("2026-12-10 10:00"), status="已解决")
    path, = setup(repo, text)
    analysis = repo.analyse(date(2026, 12, 31))
    f, = only(analysis.findings, "V-100-01")
    assert (f.record, f.file, f.line, f.status) == ("TS-20261102-001", path, line_of(text, "received:"), "done")
    assert "晚了 8 天" in f.message
    fig = figure(analysis, "V-100-01", "2026-12")
    assert (fig.numerator, fig.denominator, fig.offenders) == (0, 1, ("TS-20261102-001",))


@pytest.mark.breaks("V-100-01")
def test_unanswered_complaint_open_before_reply_by_and_finding_after(repo):
    text = complaint(reply_by=T("2026-12-05 18:00"))
    path, = setup(repo, text)
    before = repo.analyse(date(2026, 12, 4))  # reply_by 18:00 on 12-05: as-of 12-05 is judged at day end
    assert only(before.findings, "V-100-01") == []
    assert [(o.record, o.due) for o in due_items(before, "V-100-01")] == [("TS-20261102-001", date(2026, 12, 5))]
    after = repo.analyse(date(2026, 12, 6))
    f, = only(after.findings, "V-100-01")
    assert (f.record, f.file, f.line) == ("TS-20261102-001", path, line_of(text, "reply_by:"))
    fig = figure(after, "V-100-01", "2026-12")
    assert (fig.numerator, fig.denominator, fig.passed, fig.offenders) == (0, 1, False, ("TS-20261102-001",))
    assert figure(after, "V-100-01", "2026-11").denominator == 0


@pytest.mark.keeps("V-100-01")
def test_anonymous_complaint_answered_by_its_result(repo):
    setup(repo, complaint(customer=None, status="已解决", resolved=T("2026-11-03 10:00"), result="已更换电梯导轨"))
    assert only(repo.analyse(date(2026, 12, 31)).findings, "V-100-01") == []


# -- V-RATE-01 --------------------------------------------------------------------------------

@pytest.mark.keeps("V-RATE-01")
def test_resolved_complaints_with_revisits_make_100_percent(repo):
    setup(repo, complaint(status="已解决", resolved=T("2026-11-03 10:00")),
          _revisit("HF-20261105-001", "2026-11-05 10:00", "满意"))
    analysis = repo.analyse()
    assert only(analysis.findings, "V-RATE-01") == []
    fig = figure(analysis, "V-RATE-01", "2026-11")
    assert (fig.numerator, fig.denominator, fig.passed) == (1, 1, True)


@pytest.mark.breaks("V-RATE-01")
def test_resolved_complaint_without_revisit_fails_the_month(repo):
    setup(repo, complaint(status="已解决", resolved=T("2026-11-03 10:00")),
          _revisit("HF-20261105-001", "2026-11-05 10:00", "满意"),
          complaint("TS-20261104-001", "2026-11-04 09:00", issue="水压低", status="已解决", resolved=T("2026-11-05 10:00")),
          complaint("TS-20261127-001", "2026-11-27 09:00", issue="门禁", status="已解决", resolved=T("2026-11-27 10:00")))
    analysis = repo.analyse()
    fig = figure(analysis, "V-RATE-01", "2026-11")  # TS-20261127-001 is not yet due for its revisit
    assert (fig.numerator, fig.denominator, fig.passed, fig.offenders) == (1, 2, False, ("TS-20261104-001",))
    f, = only(analysis.findings, "V-RATE-01")
    assert (f.file, f.line, f.record) == (None, None, None)
    assert "TS-20261104-001" in f.message and f.threshold == "100%"


# -- V-RATE-02 / V-RATE-03 --------------------------------------------------------------------

def _visits(onsite: int, phone: int) -> list[str]:
    out = [visit(f"HF-202611{d:02d}-001", f"2026-11-{d:02d} 10:00") for d in range(1, onsite + 1)]
    out += [visit(f"HF-202611{d:02d}-002", f"2026-11-{d:02d} 15:00", method="电话", signature="无",
                  content="电话回访：了解使用情况") for d in range(1, phone + 1)]
    return out


@pytest.mark.keeps("V-RATE-02")
def test_signed_onsite_share_at_40_percent_passes(repo):
    setup(repo, *_visits(2, 3))
    analysis = repo.analyse()
    assert only(analysis.findings, "V-RATE-02") == []
    fig = figure(analysis, "V-RATE-02", "2026")
    assert (fig.numerator, fig.denominator, fig.passed, fig.status) == (2, 5, True, "running")


@pytest.mark.keeps("V-RATE-02")
def test_signed_onsite_share_below_40_percent_is_progress_while_the_year_runs(repo):
    setup(repo, *_visits(2, 4))
    analysis = repo.analyse()
    year = figure(analysis, "V-RATE-02", "2026")
    assert (year.numerator, year.denominator, year.passed, year.status) == (2, 6, False, "running")
    assert not [f for f in analysis.figures if f.rule == "V-RATE-02" and f.period != "2026"]
    f, = only(analysis.findings, "V-RATE-02")
    assert (f.severity, f.status, f.period, f.file) == ("info", "running", "2026", None)
    assert f.message.startswith("2026：") and "还需 1 项达标" in f.message and f.threshold == "≥ 40%"


@pytest.mark.breaks("V-RATE-02")
def test_signed_onsite_share_below_40_percent_fails_the_closed_year(repo):
    setup(repo, *_visits(2, 4))
    analysis = repo.analyse(date(2026, 12, 31))
    assert figure(analysis, "V-RATE-02", "2026").status == "missed"
    f, = only(analysis.findings, "V-RATE-02")
    assert (f.severity, f.status, f.period, f.subject) == ("error", "missed", "2026", "2026")


@pytest.mark.breaks("V-RATE-03")
def test_phone_share_pm70_passes_pm60_fails(repo):
    setup(repo, *_visits(2, 4))
    analysis = repo.analyse()
    assert only(analysis.findings, "V-RATE-03") == []
    fig = figure(analysis, "V-RATE-03", "2026")
    assert (fig.numerator, fig.denominator, fig.passed) == (4, 6, True)
    repo.config("profile:\n  phone_letter: PM-60\n")
    analysis = repo.analyse(date(2026, 12, 31))
    fig = figure(analysis, "V-RATE-03", "2026")
    assert (fig.numerator, fig.denominator, fig.passed, fig.status) == (4, 6, False, "missed")
    f, = only(analysis.findings, "V-RATE-03")
    assert f.file is None and f.period == "2026" and "PM-60" in f.threshold and f.severity == "error"


# -- V-ESC-01 / V-DUP-01 ----------------------------------------------------------------------

@pytest.mark.keeps("V-ESC-01")
def test_repeated_issue_escalated_passes(repo):
    repo.add(customer("CUST-0002"))
    setup(repo, complaint(), complaint("TS-20261110-001", "2026-11-10 09:00", customer="CUST-0002",
                                       actions=[{"at": T("2026-11-11 09:00"), "by": "客服主管", "action": "升级",
                                                 "note": "上报管理处负责人"}]))
    assert only(repo.analyse().findings, "V-ESC-01") == []


@pytest.mark.breaks("V-ESC-01")
def test_repeated_issue_not_escalated_open_then_finding(repo):
    repo.add(customer("CUST-0002"))
    second = complaint("TS-20261110-001", "2026-11-10 09:00", customer="CUST-0002")
    _, path = setup(repo, complaint(), second)
    before = repo.analyse(date(2026, 11, 12))
    assert only(before.findings, "V-ESC-01") == []
    assert [(o.record, o.due) for o in due_items(before, "V-ESC-01")] == [("TS-20261110-001", date(2026, 11, 12))]
    f, = only(repo.analyse(date(2026, 11, 13)).findings, "V-ESC-01")
    assert (f.record, f.file, f.line) == ("TS-20261110-001", path, line_of(second, "issue:"))


@pytest.mark.breaks("V-DUP-01")
def test_same_customer_same_issue_within_a_week_is_a_duplicate(repo):
    second = complaint("TS-20261105-001", "2026-11-05 09:00")
    _, path = setup(repo, complaint(), second)
    f, = only(repo.analyse().findings, "V-DUP-01")
    assert (f.record, f.file, f.line) == ("TS-20261105-001", path, line_of(second, "issue:"))


@pytest.mark.keeps("V-DUP-01")
def test_same_issue_weeks_apart_is_not_a_duplicate(repo):
    setup(repo, complaint(), complaint("TS-20261120-001", "2026-11-20 09:00"))
    assert only(repo.analyse().findings, "V-DUP-01") == []


# -- V-ANON-01 / V-ANON-02 --------------------------------------------------------------------

@pytest.mark.breaks("V-ANON-01")
def test_anonymous_resolved_needs_a_result(repo):
    text = complaint(customer=None, status="已解决", reply_letter="已书面答复")
    path, = setup(repo, text)
    assert only(repo.analyse().findings, "V-ANON-01") == []  # ANON-P45: the reply letter will do
    repo.config("profile:\n  anonymous: ANON-P3\n")
    f, = only(repo.analyse().findings, "V-ANON-01")
    assert (f.record, f.file, f.line) == ("TS-20261102-001", path, line_of(text, "status:"))


@pytest.mark.keeps("V-ANON-01")
def test_anonymous_with_result_passes(repo):
    setup(repo, complaint(customer=None, status="已结案", result="已调整电梯运行参数"))
    repo.config("profile:\n  anonymous: ANON-P3\n")
    assert only(repo.analyse().findings, "V-ANON-01") == []


@pytest.mark.breaks("V-ANON-02")
def test_reply_letter_only_needs_the_letter(repo):
    text = complaint(status="已结案", reply_letter_only=True)
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-ANON-02")
    assert (f.severity, f.record, f.file, f.line) == ("error", "TS-20261102-001", path, line_of(text, "reply_letter_only:"))


@pytest.mark.keeps("V-ANON-02")
def test_reply_letter_only_with_letter_passes_and_is_info_under_p3(repo):
    path, = setup(repo, complaint(status="已结案", reply_letter_only=True, reply_letter="复函全文见附件"))
    assert only(repo.analyse().findings, "V-ANON-02") == []
    repo.config("profile:\n  anonymous: ANON-P3\n")
    f, = only(repo.analyse().findings, "V-ANON-02")
    assert (f.severity, f.file) == ("info", path)


# -- V-PLAN-03 / V-METH-02 --------------------------------------------------------------------

@pytest.mark.keeps("V-PLAN-03")
def test_customer_with_contact_passes(repo):
    setup(repo, visit())
    assert only(repo.analyse().findings, "V-PLAN-03") == []


@pytest.mark.breaks("V-PLAN-03")
def test_customer_without_any_contact_is_a_finding(repo):
    repo.add(customer("CUST-0009", phone=None))
    text = visit(customer="CUST-0009")
    path = repo.add(text)
    f, = only(repo.analyse().findings, "V-PLAN-03")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "customer:"))


@pytest.mark.breaks("V-METH-02")
@pytest.mark.keeps("V-METH-02")
def test_method_follows_the_profile(repo):
    text = visit(method="在线", signature=None)
    path, = setup(repo, text)
    f, = only(repo.analyse().findings, "V-METH-02")
    assert (f.record, f.file, f.line) == ("HF-20261103-001", path, line_of(text, "method:"))
    repo.config("profile:\n  method: METH-SALES\n")
    assert only(repo.analyse().findings, "V-METH-02") == []
