"""The review kit users copy into their records repository: valid files, and a pre-commit hook that works.

The hook is run the way pre-commit runs a `language: system` hook — its `entry` split into words,
the staged file names that match `files` appended, in the repository root — with this venv's
`huifang` on PATH. Nothing is installed and nothing goes over the network.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from generator.history import Staff

from conftest import CUSTOMER

KIT = Path(__file__).resolve().parent.parent / "kit"
PAGES = Path(__file__).resolve().parent.parent / "templates" / "portal" / "static"

VISIT = """
# yaml-language-server: $schema=../../../../templates/schema/visit.json
id: HF-20261103-001
date: 2026-11-03 14:30:00+08:00
recorded: 2026-11-03 17:00:00+08:00
method: 上门
purpose: 例行回访
customer: CUST-0001
visitor: 张三
interviewee: 张明
content: 上门回访，检查门窗和电梯，业主表示满意。
satisfaction:
  product: 满意
  service: 非常满意
signature: 已签名
review:
  by: 王丽
  date: 2026-11-04
  comment: 记录完整，继续保持。
"""
VISIT_PATH = "records/visits/2026/11/HF-20261103-001.yml"


def workflow() -> dict:
    return yaml.safe_load((KIT / ".github" / "workflows" / "huifang.yml").read_text(encoding="utf-8"))


def hook() -> dict:
    config = yaml.safe_load((KIT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local"
    (h,) = repo["hooks"]
    return h


def steps(job: dict) -> list[dict]:
    return job["steps"]


def runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def test_workflow_checks_pull_requests_with_full_history():
    wf = workflow()
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    check = wf["jobs"]["check"]
    assert "pull_request" in check["if"]
    checkout = next(s for s in steps(check) if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert "huifang check --changed origin/${{ github.base_ref }} --format github" in runs(check)
    assert 'pip install "$HUIFANG"' in runs(check)
    assert wf["env"]["HUIFANG"] == "huifang==__HUIFANG_VERSION__"  # init writes the installed version
    text = (KIT / ".github" / "workflows" / "huifang.yml").read_text(encoding="utf-8")
    assert "浅克隆" in text  # the comment that a shallow checkout makes provenance partial


def test_workflow_builds_the_portal_on_main():
    build = workflow()["jobs"]["build"]
    assert "push" in build["if"]
    assert re.search(r"^huifang build\b", runs(build), re.M)
    upload = next(s for s in steps(build) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].rstrip("/") == "site"


def test_actions_pinned_by_major_version():
    wf = workflow()
    uses = [s["uses"] for job in wf["jobs"].values() for s in steps(job) if "uses" in s]
    assert uses
    for u in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", u), u


def test_pre_commit_hook_is_local_and_offline():
    h = hook()
    assert h["language"] == "system"
    assert h["pass_filenames"] is True
    assert h["files"] == r"^records/.*\.ya?ml$"
    assert shlex.split(h["entry"])[:2] == ["huifang", "check"]
    pattern = re.compile(h["files"])
    assert pattern.search("records/visits/2026/11/HF-20261103-001.yml")
    assert pattern.search("records/customers/CUST-0001.yaml")
    assert not pattern.search("huifang.yml") and not pattern.search("docs/records/x.md")


def test_staff_sample_is_empty_and_its_commented_example_loads(tmp_path):
    text = (KIT / "staff.yml").read_text(encoding="utf-8")
    assert len(Staff.load(KIT)) == 0  # nobody is mapped until the team writes its own names
    example = "\n".join(line[2:] for line in text.splitlines() if re.match(r"^# (- |  )\w+: ", line))
    (tmp_path / "staff.yml").write_text(example, encoding="utf-8")
    staff = Staff.load(tmp_path)
    assert len(staff) >= 2 and all(m.name for m in staff.members)
    assert any(m.role and "主管" in m.role for m in staff.members)


def test_codeowners_maps_record_folders():
    owners = {}
    for line in (KIT / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            path, *who = line.split()
            assert who and all(w.startswith("@") for w in who), line
            owners[path] = who
    assert owners["/records/visits/"] == ["@cuihu/kefu-zhuguan"]
    assert {"/records/complaints/", "/records/orders/", "/records/customers/", "/records/letters/"} <= set(owners)
    readme = (KIT / "README.md").read_text(encoding="utf-8")
    for name in (".pre-commit-config.yaml", "CODEOWNERS", "staff.yml", "huifang.yml", ".gitlab-ci.yml",
                 "deploy/nginx.conf"):
        assert name in readme


# -- the hook really works ---------------------------------------------------------------------

class Records:
    """A temp records repository with git, staged files and the kit's hook."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True)
        self.env = {
            **os.environ,
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "张三", "GIT_AUTHOR_EMAIL": "zhangsan@example.com",
            "GIT_COMMITTER_NAME": "张三", "GIT_COMMITTER_EMAIL": "zhangsan@example.com",
            "NO_COLOR": "1",
        }
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def stage(self, rel: str, text: str) -> None:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        self.git("add", "--", rel)

    def run_hook(self) -> subprocess.CompletedProcess:
        """What pre-commit does: staged names matching `files`, appended to `entry`, run in the root."""
        h = hook()
        staged = self.git("diff", "--cached", "--name-only", "-z").split("\0")
        files = [f for f in staged if f and re.search(h["files"], f)]
        assert files
        return subprocess.run([*shlex.split(h["entry"]), *files], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=120)


@pytest.fixture
def records(tmp_path) -> Records:
    r = Records(tmp_path / "records-repo")
    (r.root / "README.md").write_text("记录仓库\n", encoding="utf-8")
    r.git("add", "README.md")
    r.git("commit", "-q", "-m", "初始化")
    return r


def test_hook_passes_a_good_staged_record(records):
    records.stage("records/customers/CUST-0001.yml", CUSTOMER)
    records.stage(VISIT_PATH, VISIT)
    p = records.run_hook()
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 个错误" in p.stdout


def test_hook_blocks_a_broken_staged_record(records):
    records.stage("records/customers/CUST-0001.yml", CUSTOMER)
    records.git("commit", "-q", "-m", "客户档案")
    # written three days after the visit (V-DAY-01 at the `recorded:` line) and unsigned (V-SIGN-01)
    records.stage(VISIT_PATH, VISIT.replace("recorded: 2026-11-03 17:00:00+08:00",
                                            "recorded: 2026-11-06 09:00:00+08:00")
                  .replace("signature: 已签名", "signature: 无"))
    p = records.run_hook()
    assert p.returncode == 1, p.stdout + p.stderr
    out = p.stdout
    assert VISIT_PATH in out
    line = next(l for l in out.splitlines() if "V-DAY-01" in l)
    assert "第 4 行" in line and "错误" in line
    assert "V-SIGN-01" in out


def test_hook_blocks_a_record_that_breaks_the_format(records):
    records.stage("records/customers/CUST-0001.yml", CUSTOMER)
    records.stage(VISIT_PATH, VISIT.replace("method: 上门", "method: 面谈"))
    p = records.run_hook()
    assert p.returncode == 1
    assert VISIT_PATH in p.stdout
    line = next(l for l in p.stdout.splitlines() if "SCHEMA" in l)
    assert "第 5 行" in line and "面谈" in line


# -- the how-to pages --------------------------------------------------------------------------

@pytest.mark.parametrize("name, title", [("submit.md", "如何提交记录"), ("review.md", "如何审阅记录"),
                                         ("kit.md", "审阅工具包")])
def test_pages_have_a_level_one_title(name, title):
    text = (PAGES / name).read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# {title}"
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)  # a `# comment` in code is no heading
    assert len(re.findall(r"^# ", prose, re.M)) == 1


def test_submit_page_covers_the_common_findings():
    text = (PAGES / "submit.md").read_text(encoding="utf-8")
    for word in ("huifang new visit", "huifang check", "huifang rules", "yaml-language-server",
                 "SCHEMA", "YAML", "V-DAY-01", "V-SIGN-01", "V-SIGN-02", "V-NEW-01", "W-CB-02", "C-DL-01",
                 "标准", "依据", "合并请求"):
        assert word in text, word


def test_review_page_explains_merge_as_review():
    text = (PAGES / "review.md").read_text(encoding="utf-8")
    for word in ("V-REV-01", "Reviewed-by:", "Approved-by:", "审阅后又被修改", "--changed", "自己"):
        assert word in text, word


# -- GitLab and publishing ---------------------------------------------------------------------

def gitlab() -> dict:
    return yaml.safe_load((KIT / ".gitlab-ci.yml").read_text(encoding="utf-8"))


def test_gitlab_pipeline_reports_code_quality_on_merge_requests_with_full_history():
    ci = gitlab()
    assert ci["variables"]["GIT_DEPTH"] == "0"
    assert ci["variables"]["HUIFANG"] == "huifang==__HUIFANG_VERSION__"
    assert 'pip install "$HUIFANG"' in ci["default"]["before_script"]
    job = ci["huifang-check"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    script = "\n".join(job["script"])
    assert '--changed "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" --format gitlab > gl-code-quality-report.json' in script
    assert "refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in script  # the base branch is fetched
    assert script.rstrip().endswith("exit ${status:-0}")  # errors still fail the job, after the report is saved
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"


def test_gitlab_pages_publishes_only_after_warning_about_access():
    ci = gitlab()
    pages = ci["pages"]
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert pages["script"] == ["huifang build", "mv site public"]
    assert pages["artifacts"]["paths"] == ["public"]
    text = (KIT / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert "仅项目成员" in text and "私有" in text and "access_control" in text


def test_nginx_example_requires_login_over_https():
    text = (KIT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    live = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    live = [ln for ln in live if ln]
    assert any(ln.startswith("auth_basic ") for ln in live)
    assert any(ln.startswith("auth_basic_user_file ") for ln in live)
    assert "listen 443 ssl;" in live and "return 301 https://$host$request_uri;" in live
    assert any("X-Robots-Tag" in ln for ln in live)
    body = "\n".join(live)
    assert body.count("{") == body.count("}")
    assert "htpasswd" in text


def test_github_workflow_never_publishes_to_pages():
    wf = workflow()
    uses = [s.get("uses", "") for job in wf["jobs"].values() for s in steps(job)]
    assert not [u for u in uses if "pages" in u]
    publish = wf["jobs"]["publish"]
    assert "vars.HUIFANG_DEPLOY_TARGET" in publish["if"] and publish["needs"] == "build"
    assert "rsync -a --delete" in runs(publish)
