"""Provenance from real git repositories: submitter, supervisor approval, amendments."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from generator.history import (
    SHANGHAI,
    History,
    HistoryError,
    Staff,
    StaffFileError,
    StaffMember,
    changed_files,
)

VISIT = "records/visits/2026/11/HF-20261103-001.yml"
ORDER = "records/orders/2026/11/WO-20261101-001.yml"
CUSTOMER = "records/customers/CUST-0001.yml"

CLERK = ("张三", "zhangsan@example.com")
SUPERVISOR = ("王丽", "wangli@example.com")
BOT = ("GitHub", "noreply@github.com")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


class GitRepo:
    """A real repository driven through the git CLI with fixed identities and dates."""

    def __init__(self, path: Path, init: bool = True):
        self.path = path
        self.env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C",
        }
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    def git(self, *args: str, who=CLERK, committer=None, when: datetime = at(1, 9)) -> str:
        committer = committer or who
        env = {
            **self.env,
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_AUTHOR_DATE": when.isoformat(),
            "GIT_COMMITTER_NAME": committer[0],
            "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_COMMITTER_DATE": when.isoformat(),
        }
        out = subprocess.run(
            ["git", *args], cwd=self.path, env=env, check=True, capture_output=True, text=True
        )
        return out.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")

    def commit(self, files: dict[str, str], message: str, who=CLERK, committer=None, when=at(1, 9)) -> str:
        for rel, text in files.items():
            self.write(rel, text)
        self.git("add", "--", *files, who=who, when=when)
        self.git("commit", "-q", "-m", message, who=who, committer=committer, when=when)
        return self.sha()

    def merge(self, branch: str, message: str, who=SUPERVISOR, committer=None, when=at(1, 18)) -> str:
        self.git("merge", "-q", "--no-ff", branch, "-m", message, who=who, committer=committer, when=when)
        return self.sha()

    def sha(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev)


def visit(status: str = "待回访", note: str = "首次回访") -> str:
    return f"id: HF-20261103-001\ncustomer: CUST-0001\nstatus: {status}\nnote: {note}\n"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit({"README.md": "回访记录\n"}, "初始化仓库", who=SUPERVISOR, when=at(1, 8))
    return r


def submit_visit(repo: GitRepo, branch: str = "visit/hf-001", text: str | None = None) -> str:
    repo.git("checkout", "-q", "-b", branch)
    sha = repo.commit({VISIT: text or visit()}, "新增回访 HF-20261103-001", when=at(3, 9, 15))
    repo.git("checkout", "-q", "main")
    return sha


def provenance(root: Path, **kw):
    with History(root, cache=False, **kw) as h:
        return h.provenance(), h


# --------------------------------------------------------------------------- approval


def test_merge_by_supervisor_is_the_approval(repo: GitRepo):
    clerk_sha = submit_visit(repo)
    merge_sha = repo.merge("visit/hf-001", "合并回访 HF-20261103-001", when=at(3, 17, 30))

    prov, h = provenance(repo.path)
    assert h.warnings == []
    assert h.head == merge_sha and h.shallow is False
    assert list(prov) == [VISIT]  # README is not a record
    p = prov[VISIT]
    assert p.path == VISIT
    assert p.submitter == "张三"
    assert p.first is not None and p.first.commit == clerk_sha
    assert p.first.email == "zhangsan@example.com"
    assert p.first.time == at(3, 9, 15) and p.first.author_time == at(3, 9, 15)
    assert p.first.time.tzinfo is not None and p.first.time.utcoffset().total_seconds() == 8 * 3600
    assert p.first.message == "新增回访 HF-20261103-001"
    assert p.changes == [p.first]
    assert p.partial is False
    assert p.approval is not None
    assert p.approval.reviewer == "王丽"
    assert p.approval.email == "wangli@example.com"
    assert p.approval.time == at(3, 17, 30)
    assert p.approval.commit == merge_sha
    assert p.approval.source == "merge"
    assert p.amended_after_approval is False


def test_reviewed_by_trailer_wins_over_committer(repo: GitRepo):
    submit_visit(repo)
    merge_sha = repo.merge(
        "visit/hf-001",
        "Merge pull request #7 from visit/hf-001\n\n新增回访\n\nReviewed-by: 李主管 <li@x.com>",
        who=BOT,
        when=at(4, 10),
    )
    p = provenance(repo.path)[0][VISIT]
    assert p.approval is not None
    assert (p.approval.reviewer, p.approval.email, p.approval.source) == ("李主管", "li@x.com", "trailer")
    assert p.approval.commit == merge_sha and p.approval.time == at(4, 10)


def test_direct_push_after_approval_is_flagged_and_new_review_clears_it(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    amend_sha = repo.commit({VISIT: visit("已回访")}, "直接修改状态", when=at(4, 9))

    p = provenance(repo.path)[0][VISIT]
    assert p.amended_after_approval is True
    assert p.approval is not None and p.approval.time == at(3, 17)  # still the old review
    assert [c.commit for c in p.changes][-1] == amend_sha

    repo.git("checkout", "-q", "-b", "visit/fix")
    fix_sha = repo.commit({VISIT: visit("已回访", "客户满意")}, "补充回访结果", when=at(5, 9))
    repo.git("checkout", "-q", "main")
    merge_sha = repo.merge("visit/fix", "合并补充\n\nApproved-by: 王丽 <wangli@example.com>", who=BOT, when=at(5, 11))

    p = provenance(repo.path)[0][VISIT]
    assert p.amended_after_approval is False
    assert p.approval is not None and p.approval.commit == merge_sha and p.approval.source == "trailer"
    assert len(p.changes) == 3 and p.changes[-1].commit == fix_sha
    assert p.submitter == "张三"  # still the one who first added it


def test_file_committed_straight_to_main_has_no_approval(repo: GitRepo):
    sha = repo.commit({ORDER: "id: WO-20261101-001\n"}, "直接提交完工单", when=at(2, 10))
    p = provenance(repo.path)[0][ORDER]
    assert p.approval is None
    assert p.amended_after_approval is False
    assert p.first is not None and p.first.commit == sha and p.submitter == "张三"


def test_squash_commit_with_trailer_counts_as_approval(repo: GitRepo):
    sha = repo.commit(
        {CUSTOMER: "id: CUST-0001\nname: 某客户\n"},
        "新增客户档案 (#12)\n\nReviewed-by: 王丽 <wangli@example.com>",
        committer=BOT,
        when=at(2, 14),
    )
    p = provenance(repo.path)[0][CUSTOMER]
    assert p.approval is not None
    assert (p.approval.reviewer, p.approval.commit, p.approval.source) == ("王丽", sha, "trailer")
    assert p.submitter == "张三"


def test_branch_syncing_main_does_not_approve_or_amend(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    # A clerk's branch merges main into itself; only merges on main count as reviews.
    repo.git("checkout", "-q", "-b", "order/wo-001", "HEAD~1")
    repo.commit({ORDER: "id: WO-20261101-001\n"}, "新增完工单", when=at(4, 9))
    repo.git("merge", "-q", "--no-ff", "main", "-m", "同步 main", when=at(4, 10))
    repo.git("checkout", "-q", "main")
    repo.merge("order/wo-001", "合并完工单", when=at(4, 12))

    prov = provenance(repo.path)[0]
    assert prov[VISIT].approval is not None and prov[VISIT].approval.time == at(3, 17)
    assert prov[VISIT].amended_after_approval is False
    assert len(prov[VISIT].changes) == 1
    assert prov[ORDER].approval is not None and prov[ORDER].approval.time == at(4, 12)


def test_deleted_records_are_not_reported(repo: GitRepo):
    repo.commit({ORDER: "id: WO-20261101-001\n"}, "新增", when=at(2, 9))
    repo.git("rm", "-q", ORDER)
    repo.git("commit", "-q", "-m", "删除", when=at(2, 10))
    prov, h = provenance(repo.path)
    assert prov == {}
    assert any("没有找到" in w for w in h.warnings)


# --------------------------------------------------------------------------- staff


def test_staff_file_maps_identities_to_names_and_roles(repo: GitRepo):
    repo.git("config", "user.name", "x")  # irrelevant; identities come from env
    (repo.path / "staff.yml").write_text(
        "- name: 王丽\n"
        "  role: 客服主管\n"
        "  emails: [WangLi@Example.com]\n"
        "  git_names: [wangli, Wang Li]\n"
        "- name: 张三\n"
        "  role: 客服专员\n"
        "  git_names: zs\n",
        encoding="utf-8",
    )
    repo.git("checkout", "-q", "-b", "visit/hf-001")
    repo.commit({VISIT: visit()}, "新增回访", who=("zs", "zs@laptop.local"), when=at(3, 9))
    repo.git("checkout", "-q", "main")
    repo.merge("visit/hf-001", "合并", who=("Wang Li", "wangli@example.com"), when=at(3, 18))

    staff = Staff.load(repo.path)
    assert staff.name("wangli", None) == "王丽"
    assert staff.name("someone", "wangli@EXAMPLE.com") == "王丽"
    assert staff.role("Wang Li", None) == "客服主管"
    assert staff.role("王丽", None) == "客服主管"
    assert staff.name("陌生人", "x@y.z") == "陌生人" and staff.role("陌生人", None) is None

    p = provenance(repo.path)[0][VISIT]
    assert p.submitter == "张三"
    assert p.first is not None and p.first.author == "zs"  # Change keeps the raw git identity
    assert p.approval is not None and p.approval.reviewer == "王丽"


def test_missing_staff_file_is_empty(tmp_path: Path):
    staff = Staff.load(tmp_path)
    assert len(staff) == 0 and staff.name("wangli", "w@x") == "wangli"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("- name: 王丽\n  role: [主管\n", 3, "YAML"),
        ("name: 王丽\n", 1, "顶层应是人员列表"),
        ("- name: 王丽\n- role: 主管\n", 2, "缺少姓名"),
        ("- name: 王丽\n  mail: a@b\n", 2, "未知字段"),
        ("- name: 王丽\n  emails: [a@b]\n- name: 李四\n  emails: [A@B]\n", 3, "同时属于"),
    ],
)
def test_malformed_staff_file_names_file_and_line(tmp_path: Path, text: str, line: int, fragment: str):
    (tmp_path / "staff.yml").write_text(text, encoding="utf-8")
    with pytest.raises(StaffFileError) as info:
        Staff.load(tmp_path)
    msg = str(info.value)
    assert "staff.yml" in msg and f"第 {line} 行" in msg and fragment in msg
    assert info.value.line == line


# --------------------------------------------------------------------------- degraded repositories


def test_shallow_clone_is_partial_with_warning(repo: GitRepo, tmp_path: Path):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    repo.commit({ORDER: "id: WO-20261101-001\n"}, "新增完工单", when=at(4, 9))
    repo.commit({CUSTOMER: "id: CUST-0001\n"}, "新增客户", when=at(4, 10))

    clone = GitRepo(tmp_path / "shallow1", init=False)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone.path)],
        check=True, env=clone.env, capture_output=True,
    )
    prov, h = provenance(clone.path)
    assert h.shallow is True
    assert any("浅克隆" in w and "不完整" in w for w in h.warnings)
    assert set(prov) == {VISIT, ORDER, CUSTOMER}
    for p in prov.values():
        assert p.partial is True and p.first is None and p.submitter is None
        assert p.approval is None

    # Deeper clone: the customer file was added inside the fetched history, so it is exact.
    clone2 = GitRepo(tmp_path / "shallow2", init=False)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone2.path)],
        check=True, env=clone2.env, capture_output=True,
    )
    with History(clone2.path, cache=False) as h2:
        prov2 = h2.provenance()
        assert h2.versions(VISIT) == []  # nothing known beyond the boundary
    assert prov2[CUSTOMER].partial is False
    assert prov2[CUSTOMER].first is not None and prov2[CUSTOMER].first.time == at(4, 10)
    assert prov2[VISIT].partial is True and prov2[VISIT].first is None


def test_not_a_repository_gives_warning_and_nothing(tmp_path: Path):
    (tmp_path / "records").mkdir()
    with History(tmp_path) as h:
        assert h.provenance() == {}
        assert h.head is None
        assert h.versions(VISIT) == [] and h.diffs(VISIT) == []
    assert any("不是 git 仓库" in w for w in h.warnings)


def test_repository_without_commits_gives_warning(tmp_path: Path):
    GitRepo(tmp_path / "empty")
    with History(tmp_path / "empty") as h:
        assert h.provenance() == {}
    assert any("还没有任何提交" in w for w in h.warnings)


# --------------------------------------------------------------------------- versions and diffs


def test_versions_and_diffs(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    repo.commit({VISIT: visit("已回访")}, "更新状态", when=at(4, 9))
    repo.commit({VISIT: visit("已回访", "客户满意")}, "补充备注", when=at(5, 9))

    with History(repo.path, cache=False) as h:
        versions = h.versions(VISIT)
        diffs = h.diffs(VISIT)
    assert [v[1] for v in versions] == [visit(), visit("已回访"), visit("已回访", "客户满意")]
    assert [v[0].message for v in versions] == ["新增回访 HF-20261103-001", "更新状态", "补充备注"]
    assert len(diffs) == 3
    assert "--- /dev/null" in diffs[0][1] and f"+++ b/{VISIT}" in diffs[0][1]
    assert "+id: HF-20261103-001" in diffs[0][1]
    assert "-status: 待回访" in diffs[1][1] and "+status: 已回访" in diffs[1][1]
    assert "note" not in "".join(l for l in diffs[1][1].splitlines() if l[:1] in "+-" and "note" in l)
    assert "+note: 客户满意" in diffs[2][1] and "-status" not in diffs[2][1]


# --------------------------------------------------------------------------- changed files


def test_changed_files_against_base(repo: GitRepo):
    repo.commit({VISIT: visit(), ORDER: "id: WO-20261101-001\n", CUSTOMER: "id: CUST-0001\n"}, "基线", when=at(2, 9))
    repo.git("checkout", "-q", "-b", "work")
    complaint = "records/complaints/2026/11/TS-20261104-001.yml"
    letter = "records/letters/2026/11/GKX-20261104-001.yml"
    repo.commit({VISIT: visit("已回访"), complaint: "id: TS-20261104-001\n"}, "分支提交", when=at(4, 9))
    repo.write(ORDER, "id: WO-20261101-001\nstatus: 已完工\n")  # uncommitted edit
    repo.write(letter, "id: GKX-20261104-001\n")  # untracked
    repo.write("records/notes.txt", "not a record\n")
    repo.git("rm", "-q", CUSTOMER)  # deletions are nothing to validate
    # main moves on: its new records are not this branch's changes
    repo.git("stash", "-q", "-u")
    repo.git("checkout", "-q", "main")
    repo.commit({"records/visits/2026/11/HF-20261105-009.yml": "id: x\n"}, "main 上的新记录", when=at(5, 9))
    repo.git("checkout", "-q", "work")
    repo.git("stash", "pop", "-q")

    assert changed_files(repo.path, "main") == sorted([VISIT, complaint, ORDER, letter])
    assert changed_files(repo.path, "main", records_dir="records/visits") == [VISIT]

    with pytest.raises(HistoryError) as info:
        changed_files(repo.path, "no-such-branch")
    assert "no-such-branch" in str(info.value) and "找不到" in str(info.value)


def test_changed_files_outside_a_repository(tmp_path: Path):
    with pytest.raises(HistoryError, match="不是 git 仓库"):
        changed_files(tmp_path, "main")


# --------------------------------------------------------------------------- cache and processes


def test_provenance_cache_is_plain_data_extended_by_new_commits(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    with History(repo.path) as h:
        cold = h.provenance()
        assert h.provenance() is cold and h.rebuilt  # computed once per History
    cache_dir = repo.path / ".huifang" / "cache"
    assert [p.name for p in cache_dir.glob("provenance*")] == ["provenance.json"]
    header = (cache_dir / "provenance.json").read_bytes().split(b"\n", 1)[0]
    assert json.loads(header)["format"] >= 3  # JSON text, never pickle
    stamp = (cache_dir / "provenance.json").stat().st_mtime_ns
    assert repo.git("status", "--porcelain") == ""  # the cache ignores itself

    with History(repo.path) as h:
        assert h.provenance() == cold and not h.rebuilt
    assert (cache_dir / "provenance.json").stat().st_mtime_ns == stamp  # reused, not rewritten

    # A different staff mapping must not reuse names computed with the old one.
    staff = Staff([StaffMember(name="张三（专员）", git_names=("张三",))])
    with History(repo.path, staff=staff) as h:
        assert h.provenance()[VISIT].submitter == "张三（专员）" and h.rebuilt
    with History(repo.path) as h:
        assert h.provenance() == cold and h.rebuilt  # one state is kept: the last one

    repo.commit({ORDER: "id: WO-20261101-001\n"}, "新增完工单", when=at(4, 9))
    with History(repo.path) as h:
        assert set(h.provenance()) == {VISIT, ORDER} and not h.rebuilt  # only the new commit was read
    assert [p.name for p in cache_dir.glob("provenance*")] == ["provenance.json"]


def _same_as_without_cache(repo: GitRepo) -> bool:
    """Provenance through the cache (extended or rebuilt) equals a full read without it; returns whether
    the cached run had to read everything again."""
    with History(repo.path) as h:
        cached, rebuilt = h.provenance(), h.rebuilt
    full, _ = provenance(repo.path)
    assert cached == full
    return rebuilt


def test_extending_the_cache_gives_what_a_full_read_gives(repo: GitRepo):
    """Commits of every shape after the cached HEAD: direct pushes, a pull request branched before the
    cached HEAD and merged after it, a squash with a trailer, a move to another month, a pull merge
    pushed to main, a deletion."""
    submit_visit(repo)
    repo.merge("visit/hf-001", "Merge pull request #1 from clerk/hf-001", when=at(3, 17))
    repo.git("checkout", "-q", "-b", "old-branch")
    repo.commit({ORDER: "id: WO-20261101-001\nnote: 分支上新增\n"}, "新增完工单", when=at(4, 9))
    repo.commit({VISIT: visit("已回访", "分支上补充")}, "补充回访", when=at(4, 10))
    repo.git("checkout", "-q", "main")
    assert _same_as_without_cache(repo)  # the first run reads everything

    repo.commit({CUSTOMER: "id: CUST-0001\nname: 张明\n"}, "新增客户", when=at(5, 9))
    assert not _same_as_without_cache(repo)
    repo.merge("old-branch", "Merge pull request #2 from clerk/old-branch", when=at(6, 9))
    assert not _same_as_without_cache(repo)
    repo.commit({VISIT: visit("已回访", "主线修改")}, "修正 (#3)\n\nReviewed-by: 王丽 <wangli@example.com>",
                when=at(7, 9))
    assert not _same_as_without_cache(repo)
    moved = "records/visits/2026/12/HF-20261103-001.yml"
    (repo.path / moved).parent.mkdir(parents=True)
    repo.git("mv", VISIT, moved)
    repo.git("commit", "-q", "-m", "移到 12 月", when=at(8, 9))
    assert not _same_as_without_cache(repo)
    main_before = repo.sha()
    repo.git("checkout", "-q", "-b", "clerk", "HEAD~1")
    repo.commit({"records/orders/2026/11/WO-20261102-001.yml": "id: WO-20261102-001\n"}, "本地新增", when=at(9, 9))
    repo.git("merge", "-q", "--no-ff", main_before, "-m", "Merge branch 'main' of https://example.com/records",
             when=at(9, 10))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "clerk")
    assert not _same_as_without_cache(repo)
    repo.git("rm", "-q", ORDER)
    repo.git("commit", "-q", "-m", "删除完工单", when=at(10, 9))
    assert not _same_as_without_cache(repo)


def test_rewritten_history_is_detected_and_read_again(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    repo.commit({ORDER: "id: WO-20261101-001\n"}, "新增完工单", when=at(4, 9))
    assert _same_as_without_cache(repo)
    repo.git("reset", "-q", "--hard", "HEAD~1")  # force push / reset: the cached HEAD is gone
    repo.commit({ORDER: "id: WO-20261101-001\nnote: 重写\n"}, "重写完工单", who=SUPERVISOR, when=at(4, 10))
    assert _same_as_without_cache(repo)
    repo.git("commit", "-q", "--amend", "-m", "改写说明", when=at(4, 11))
    assert _same_as_without_cache(repo)
    repo.git("reset", "-q", "--hard", "HEAD~1")  # back to an ancestor of the cached HEAD
    assert _same_as_without_cache(repo)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "body", "shape", "empty"])
def test_a_damaged_provenance_cache_is_never_trusted(repo: GitRepo, damage):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    full, _ = provenance(repo.path)
    with History(repo.path) as h:
        h.provenance()
    path = repo.path / ".huifang" / "cache" / "provenance.json"
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n")
    if damage == "garbage":
        path.write_bytes(b"\x80\x04garbage" * 100)
    elif damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "body":  # a changed value, the old checksum
        path.write_bytes(head + b"\n" + body.replace("张三".encode(), "李四".encode()))
    elif damage == "shape":  # a matching checksum over data of the wrong shape
        meta = json.loads(head)
        bad = b'{"head": "x", "lives": 7}'
        meta["sha256"] = hashlib.sha256(bad).hexdigest()
        path.write_bytes(json.dumps(meta).encode() + b"\n" + bad)
    else:
        path.write_bytes(b"")
    with History(repo.path) as h:
        assert h.provenance() == full and h.rebuilt


def test_a_pickle_in_the_cache_folder_is_never_loaded(repo: GitRepo, tmp_path: Path):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    cache_dir = repo.path / ".huifang" / "cache"
    cache_dir.mkdir(parents=True)
    for name in ("provenance.json", "provenance-0123456789abcdef0123456789abcdef.pickle"):
        (cache_dir / name).write_bytes(pickle.dumps({"key": "x", "provenance": Evil()}))
    full, _ = provenance(repo.path)
    with History(repo.path) as h:
        assert h.provenance() == full
    assert not marker.exists()


def _git_children() -> list[int]:
    """Child processes of this test process that run git (via /proc, no psutil)."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        if ppid == me and comm.startswith("git"):
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_history_leaves_no_git_process_behind(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    before = set(_git_children())
    with History(repo.path, cache=False) as h:
        h.provenance()
        assert h.versions(VISIT)  # starts GitPython's persistent cat-file reader
        assert set(_git_children()) - before  # the probe really sees it
    assert set(_git_children()) - before == set()
    assert h._repo is not None and h._repo.git.cat_file_all is None


def test_unusual_file_names_survive_the_log(repo: GitRepo):
    odd = ['records/customers/客户 "张三".yml', "records/customers/tab\there.yml"]
    repo.commit({p: "id: x\n" for p in odd}, "特殊文件名", when=at(2, 9))
    prov = provenance(repo.path)[0]
    assert set(prov) == set(odd)
    with History(repo.path, cache=False) as h:
        assert h.versions(odd[0])[0][1] == "id: x\n"


# --------------------------------------------------------------------------- review that means review

HEAD_CLERK = ("李四", "lisi@example.com")


def move(repo: GitRepo, old: str, new: str, message: str, when: datetime, text: str | None = None) -> str:
    (repo.path / new).parent.mkdir(parents=True, exist_ok=True)
    repo.git("mv", old, new, when=when)
    if text is not None:
        repo.write(new, text)
        repo.git("add", new, when=when)
    repo.git("commit", "-q", "-m", message, when=when)
    return repo.sha()


def staff_file(repo: GitRepo, reviewers: bool = True) -> None:
    flag = "  reviewer: true\n" if reviewers else ""
    repo.write(
        "staff.yml",
        "- name: 王丽\n  role: 客服主管\n" + flag + "  emails: [wangli@example.com]\n"
        "- name: 张三\n  role: 客服专员\n  emails: [zhangsan@example.com]\n"
        "- name: 李四\n  role: 客服专员\n  emails: [lisi@example.com]\n",
    )


def test_web_merge_names_the_person_who_pressed_merge_not_the_forge(repo: GitRepo):
    """GitHub's merge button: author = the person, committer = GitHub <noreply@github.com>."""
    submit_visit(repo)
    sha = repo.merge("visit/hf-001", "Merge pull request #7 from cuihu/visit/hf-001\n\n新增回访",
                     who=SUPERVISOR, committer=BOT, when=at(3, 17))
    p = provenance(repo.path)[0][VISIT]
    assert p.approval is not None
    assert (p.approval.reviewer, p.approval.email, p.approval.source) == ("王丽", "wangli@example.com", "merge")
    assert (p.approval.commit, p.approval.request, p.approval.time) == (sha, "#7", at(3, 17))
    assert [a.reviewer for a in p.approvals] == ["王丽"]
    assert not p.is_submitter(p.approval)


def test_web_merge_of_ones_own_pull_request_is_a_self_approval(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001", "Merge pull request #8 from cuihu/visit/hf-001", who=CLERK, committer=BOT,
               when=at(3, 17))
    p = provenance(repo.path)[0][VISIT]
    assert p.approval is not None and p.approval.reviewer == "张三"
    assert p.is_submitter(p.approval) and p.is_submitter("张三") and not p.is_submitter("王丽")


def test_a_bot_never_approves(repo: GitRepo):
    """A merge queue or bot merge without a trailer: the approver is not recorded, so no approval."""
    submit_visit(repo)
    repo.merge("visit/hf-001", "Merge pull request #9 from cuihu/visit/hf-001",
               who=("github-merge-queue[bot]", "118344674+github-merge-queue@users.noreply.github.com"),
               committer=BOT, when=at(3, 17))
    p = provenance(repo.path)[0][VISIT]
    assert p.approval is None and p.approvals == ()
    # a trailer naming the bot does not help either; one naming a person does
    repo.git("checkout", "-q", "-b", "fix")
    repo.commit({VISIT: visit("已回访")}, "补充", when=at(4, 9))
    repo.git("checkout", "-q", "main")
    repo.merge("fix", "Merge pull request #10\n\nApproved-by: GitHub <noreply@github.com>\n"
               "Approved-by: 王丽 <wangli@example.com>", who=BOT, when=at(4, 10))
    p = provenance(repo.path)[0][VISIT]
    assert [(a.reviewer, a.source) for a in p.approvals] == [("王丽", "trailer")]


def test_only_staff_marked_reviewer_approve(repo: GitRepo):
    staff_file(repo)
    repo.commit({"staff.yml": (repo.path / "staff.yml").read_text("utf-8")}, "人员名单", who=SUPERVISOR,
                when=at(1, 10))
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并", who=HEAD_CLERK, when=at(3, 17))  # a colleague, not a supervisor
    p = provenance(repo.path)[0][VISIT]
    assert p.approval is not None
    assert (p.approval.reviewer, p.approval.role, p.approval.authorized) == ("李四", "客服专员", False)

    repo.git("checkout", "-q", "-b", "fix")
    repo.commit({VISIT: visit("已回访")}, "补充", when=at(4, 9))
    repo.git("checkout", "-q", "main")
    repo.merge("fix", "合并补充", who=SUPERVISOR, when=at(4, 18))
    p = provenance(repo.path)[0][VISIT]
    assert [(a.reviewer, a.authorized) for a in p.approvals] == [("李四", False), ("王丽", True)]


def test_without_reviewer_marks_everyone_may_approve_and_a_warning_says_so(repo: GitRepo):
    staff_file(repo, reviewers=False)
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并", who=HEAD_CLERK, when=at(3, 17))
    prov, h = provenance(repo.path)
    assert prov[VISIT].approval is not None and prov[VISIT].approval.authorized is None
    assert any("reviewer: true" in w for w in h.warnings)


def test_reapproval_keeps_the_first_approval(repo: GitRepo):
    submit_visit(repo)
    first = repo.merge("visit/hf-001", "合并", when=at(3, 17))
    repo.commit({VISIT: visit("已回访")}, "直接修改", when=at(12, 9))
    second = repo.commit({VISIT: visit("已回访", "复核")}, "再次审阅\n\nApproved-by: 王丽 <wangli@example.com>",
                         committer=BOT, when=at(12, 10))
    p = provenance(repo.path)[0][VISIT]
    assert [(a.commit, a.time) for a in p.approvals] == [(first, at(3, 17)), (second, at(12, 10))]
    assert p.approval is not None and p.approval.commit == second and p.amended_after_approval is False


def test_history_follows_a_moved_record(repo: GitRepo):
    """A record moved to another month folder keeps its submitter, first time and reviews."""
    clerk_sha = submit_visit(repo)
    merge = repo.merge("visit/hf-001", "合并", when=at(3, 17))
    moved = VISIT.replace("/2026/11/", "/2026/12/")
    repo.git("checkout", "-q", "-b", "move")
    move_sha = move(repo, VISIT, moved, "移到 12 月目录", when=at(4, 9))
    repo.git("checkout", "-q", "main")
    repo.merge("move", "合并移动", who=HEAD_CLERK, when=at(4, 10))

    prov = provenance(repo.path)[0]
    assert list(prov) == [moved]
    p = prov[moved]
    assert p.first is not None and (p.first.commit, p.first.time) == (clerk_sha, at(3, 9, 15))
    assert p.submitter == "张三"
    assert [a.commit for a in p.approvals] == [merge]  # an unchanged move needs no new review
    assert p.amended_after_approval is False
    assert [(c.commit, c.path, c.old_path) for c in p.changes] == [(clerk_sha, VISIT, None), (move_sha, moved, VISIT)]
    with History(repo.path, cache=False) as h:
        assert [text for _, text in h.versions(moved)] == [visit(), visit()]
        diffs = h.diffs(moved)
    assert "+id: HF-20261103-001" in diffs[0][1] and diffs[1][1] == ""

    # moved and edited straight on main: the edit is an amendment after review
    back = move(repo, moved, VISIT, "移回", when=at(5, 9), text=visit("已回访"))
    p = provenance(repo.path)[0][VISIT]
    assert p.amended_after_approval is True and p.first is not None and p.first.commit == clerk_sha
    assert [c.commit for c in p.changes] == [clerk_sha, move_sha, back]


def test_a_different_record_is_not_a_move(repo: GitRepo):
    """git may pair a deleted record with a similar new one; a new file name starts a new history."""
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并", when=at(3, 17))
    other = VISIT.replace("HF-20261103-001", "HF-20261103-002")
    sha = move(repo, VISIT, other, "改编号", when=at(4, 9))
    p = provenance(repo.path)[0][other]
    assert p.first is not None and p.first.commit == sha and p.approvals == ()


def test_a_clerks_pull_merge_pushed_to_main_is_not_a_review(repo: GitRepo, tmp_path: Path):
    """`git pull` on a clerk's main makes "Merge branch 'main' of …" with the clerk as author;
    the real main is its second parent, and what the clerk pushed is unreviewed."""
    clerk = GitRepo(tmp_path / "clerk", init=False)
    repo.commit({ORDER: "id: WO-20261101-001\n"}, "完工单", who=SUPERVISOR, when=at(2, 9))
    repo.git("checkout", "-q", "-b", "review/order")
    repo.commit({ORDER: "id: WO-20261101-001\nstatus: 已回访\n"}, "完工单回访", when=at(2, 10))
    repo.git("checkout", "-q", "main")
    repo.merge("review/order", "合并完工单", when=at(2, 11))
    subprocess.run(["git", "clone", "-q", f"file://{repo.path}", str(clerk.path)], check=True, env=clerk.env,
                   capture_output=True)
    # upstream: the supervisor merges a colleague's visit
    submit_visit(repo)
    upstream_merge = repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    # the clerk, meanwhile, commits on her own main: a new complaint and an edit of the approved order
    complaint = "records/complaints/2026/11/TS-20261103-001.yml"
    clerk.commit({complaint: "id: TS-20261103-001\n", ORDER: "id: WO-20261101-001\nstatus: 已结案\n"},
                 "直接提交", who=HEAD_CLERK, when=at(3, 18))
    clerk.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main", who=HEAD_CLERK, when=at(3, 19))
    subject = clerk.git("log", "-1", "--format=%s")
    assert subject.startswith("Merge branch 'main' of ")

    prov = provenance(clerk.path)[0]
    assert set(prov) == {VISIT, ORDER, complaint}
    visit_p = prov[VISIT]
    assert [(a.reviewer, a.commit) for a in visit_p.approvals] == [("王丽", upstream_merge)]
    assert visit_p.amended_after_approval is False
    assert prov[complaint].approvals == () and prov[complaint].submitter == "李四"
    assert prov[ORDER].amended_after_approval is True
    assert [a.reviewer for a in prov[ORDER].approvals] == ["王丽"]


def test_merging_the_remote_main_by_hand_is_a_pull_merge_too(repo: GitRepo):
    submit_visit(repo)
    repo.git("checkout", "-q", "-b", "upstream")
    upstream = repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    repo.git("checkout", "-q", "main")
    repo.commit({ORDER: "id: WO-20261101-001\n"}, "直接提交", who=HEAD_CLERK, when=at(3, 18))
    repo.git("merge", "-q", "--no-ff", "upstream", "-m", "Merge remote-tracking branch 'origin/main'",
             who=HEAD_CLERK, when=at(3, 19))
    prov = provenance(repo.path)[0]
    assert [(a.reviewer, a.commit) for a in prov[VISIT].approvals] == [("王丽", upstream)]
    assert prov[ORDER].approvals == ()


def test_gitlab_merge_commit_reads_like_githubs(repo: GitRepo):
    """GitLab: author = the person who merged; "See merge request …"; approvers as trailers."""
    submit_visit(repo)
    sha = repo.merge(
        "visit/hf-001",
        "Merge branch 'visit/hf-001' into 'main'\n\n新增回访\n\nSee merge request cuihu/records!12\n\n"
        "Approved-by: 王丽 <wangli@example.com>\nApproved-by: 赵强 <zhaoqiang@example.com>\n",
        who=CLERK, when=at(3, 17),  # the clerk merged her own request after the approvals
    )
    p = provenance(repo.path)[0][VISIT]
    assert [(a.reviewer, a.source) for a in p.approvals] == [("王丽", "trailer"), ("赵强", "trailer"), ("张三", "merge")]
    assert {a.request for a in p.approvals} == {"cuihu/records!12"} and {a.commit for a in p.approvals} == {sha}
    assert [p.is_submitter(a) for a in p.approvals] == [False, False, True]


def test_gitlab_merge_without_approvers_and_merged_by_trailer(repo: GitRepo):
    submit_visit(repo)
    repo.merge("visit/hf-001",
               "Merge branch 'visit/hf-001' into 'main'\n\nSee merge request cuihu/records!13\n\n"
               "Merged-by: 王丽 <wangli@example.com>", who=("GitLab", "noreply@gitlab.example.com"), when=at(3, 17))
    p = provenance(repo.path)[0][VISIT]
    assert [(a.reviewer, a.source, a.request) for a in p.approvals] == [("王丽", "merge", "cuihu/records!13")]


def test_shallow_clone_keeps_known_approvals_but_stays_partial(repo: GitRepo, tmp_path: Path):
    submit_visit(repo)
    repo.merge("visit/hf-001", "合并回访", when=at(3, 17))
    repo.git("checkout", "-q", "-b", "fix")
    repo.commit({VISIT: visit("已回访")}, "补充", when=at(4, 9))
    repo.git("checkout", "-q", "main")
    merge = repo.merge("fix", "合并补充", when=at(4, 10))
    clone = GitRepo(tmp_path / "shallow", init=False)
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone.path)],
                   check=True, env=clone.env, capture_output=True)
    p = provenance(clone.path)[0][VISIT]
    assert p.partial is True and p.first is None
    assert p.approvals == ()  # the boundary commit's parents are unknown: unknown, not "not reviewed"
    clone2 = GitRepo(tmp_path / "shallow2", init=False)
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone2.path)],
                   check=True, env=clone2.env, capture_output=True)
    p2 = provenance(clone2.path)[0][VISIT]
    assert p2.partial is True and [a.commit for a in p2.approvals] == [merge]


def test_staff_reviewer_flag_is_checked():
    staff = Staff([StaffMember("王丽", "客服主管", ("wangli@example.com",), reviewer=True),
                   StaffMember("李四", "客服专员", ("lisi@example.com",))])
    assert staff.authorized("x", "WANGLI@example.com") is True
    assert staff.authorized("李四", None) is False and staff.authorized("陌生人", "a@b") is False
    assert Staff([StaffMember("李四")]).authorized("李四", None) is None
    for name, email in [("GitHub", "noreply@github.com"), ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
                        ("GitLab", "noreply@gitlab.com"), ("", "")]:
        assert staff.is_bot(name, email), (name, email)
    for name, email in [("张三", "zhangsan@users.noreply.github.com"), ("王丽", "wangli@example.com")]:
        assert not staff.is_bot(name, email)


def test_malformed_reviewer_flag_names_the_line(tmp_path: Path):
    (tmp_path / "staff.yml").write_text("- name: 王丽\n  reviewer: 主管\n", encoding="utf-8")
    with pytest.raises(StaffFileError) as info:
        Staff.load(tmp_path)
    assert info.value.line == 2 and "reviewer" in str(info.value)
