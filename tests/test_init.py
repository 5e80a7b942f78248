"""`huifang init`, `huifang new` in a new records repository, and repository files overriding shipped ones."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from generator import __version__, model
from generator.cli import main
from generator.config import PARAMS, THRESHOLDS, default_config_text
from generator.dates import today
from generator.scaffold import planned_files
from generator.dates import TZ

from conftest import CUSTOMER

HUIFANG = Path(sys.executable).with_name("huifang")
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def init(path: Path, capsys) -> tuple[int, str]:
    code = main(["init", str(path)])
    return code, capsys.readouterr().out


def test_init_makes_a_records_repository_that_checks_clean(tmp_path, capsys):
    target = tmp_path / "kefu"
    code, out = init(target, capsys)
    assert code == 0
    for kind in model.KINDS.values():
        assert (target / "records" / kind.folder).is_dir()
        assert f"新建　records/{kind.folder}/" in out
        schema = json.loads((target / "templates" / "schema" / f"{kind.name}.json").read_text(encoding="utf-8"))
        assert schema == model.json_schema(kind)
    assert (target / "huifang.yml").read_text(encoding="utf-8") == default_config_text({"facts_since": today().isoformat()})
    ignored = (target / ".gitignore").read_text(encoding="utf-8").split()
    assert "/site/" in ignored and "/.huifang/" in ignored
    for rel in (".github/workflows/huifang.yml", ".gitlab-ci.yml", ".pre-commit-config.yaml", "CODEOWNERS",
                "staff.yml", "deploy/nginx.conf", "README.md"):
        text = (target / rel).read_text(encoding="utf-8")
        assert "__HUIFANG_VERSION__" not in text
        assert f"新建　{rel}" in out
    assert yaml.safe_load((target / ".gitlab-ci.yml").read_text(encoding="utf-8"))["variables"]["HUIFANG"] \
        == f"huifang=={__version__}"
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert "个人信息" in readme and "绝不能公开发布" in readme and "huifang new visit" in readme
    assert (target / ".git").is_dir() and "已新建 git 仓库" in out
    head = subprocess.run(["git", "symbolic-ref", "HEAD"], cwd=target, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()
    assert head == "refs/heads/main"
    assert main(["--root", str(target), "check"]) == 0
    assert "共检查 0 条记录：0 个错误" in capsys.readouterr().out


def test_every_option_is_in_the_written_config_with_a_chinese_comment(tmp_path, capsys):
    init(tmp_path, capsys)
    lines = (tmp_path / "huifang.yml").read_text(encoding="utf-8").splitlines()
    for name in [*PARAMS, *THRESHOLDS]:
        i = next(i for i, ln in enumerate(lines) if re.match(rf"^  {name}: ", ln))
        comments = []
        j = i - 1
        while j >= 0 and lines[j].lstrip().startswith("#"):
            comments.append(lines[j])
            j -= 1
        assert comments and all(re.search(r"[\u4e00-\u9fff]", c) for c in comments[-1:]), name
    for p in PARAMS.values():
        assert f"默认 {p.default}" in "\n".join(lines)
    # written in the project's own words: nothing points at documents a team does not have
    text = "\n".join(lines)
    assert "PROCEDURES" not in text and "种子" not in text


def test_init_never_overwrites_and_says_what_it_left(tmp_path, capsys):
    (tmp_path / "README.md").write_text("我们自己的说明\n", encoding="utf-8")
    (tmp_path / "huifang.yml").write_text("profile:\n  signature: SIGN-STRICT\n", encoding="utf-8")
    (tmp_path / "records" / "visits").mkdir(parents=True)
    (tmp_path / "records" / "visits" / "keep.txt").write_text("x", encoding="utf-8")
    code, out = init(tmp_path, capsys)
    assert code == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "我们自己的说明\n"
    assert (tmp_path / "huifang.yml").read_text(encoding="utf-8") == "profile:\n  signature: SIGN-STRICT\n"
    assert "已有　README.md（没有改动）" in out and "已有　huifang.yml（没有改动）" in out
    assert "已有　records/visits/（没有改动）" in out
    assert not (tmp_path / "records" / "visits" / ".gitkeep").exists()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and ".git" not in p.parts}
    code, out = init(tmp_path, capsys)
    assert code == 0 and "新建　" not in out and "没有新建任何文件" in out
    assert {p: p.read_bytes() for p in before} == before


def test_init_in_an_existing_git_repository_keeps_its_history(tmp_path, capsys):
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": "张三", "GIT_AUTHOR_EMAIL": "z@example.com",
           "GIT_COMMITTER_NAME": "张三", "GIT_COMMITTER_EMAIL": "z@example.com"}
    subprocess.run(["git", "init", "-q", "-b", "trunk"], cwd=tmp_path, check=True, env=env)
    (tmp_path / "notes.txt").write_text("旧文件\n", encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "旧提交"], cwd=tmp_path, check=True, env=env)
    code, out = init(tmp_path, capsys)
    assert code == 0 and "已是 git 仓库，没有改动" in out
    log = subprocess.run(["git", "log", "--format=%s"], cwd=tmp_path, capture_output=True, text=True, env=env).stdout
    assert log.split() == ["旧提交"]
    branch = subprocess.run(["git", "symbolic-ref", "--short", "HEAD"], cwd=tmp_path, capture_output=True,
                            text=True, env=env).stdout.strip()
    assert branch == "trunk"


def test_init_refuses_a_file(tmp_path, capsys):
    f = tmp_path / "a.txt"
    f.write_text("x", encoding="utf-8")
    assert main(["init", str(f)]) == 2
    assert "是一个文件" in capsys.readouterr().err


def test_planned_files_cover_the_kit():
    kit = Path(__file__).resolve().parent.parent / "kit"
    shipped = {p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.is_file()}
    assert shipped <= set(planned_files())


# -- new -------------------------------------------------------------------------------------------

def new_in(repo: Path, *args: str, tz: str) -> tuple[subprocess.CompletedProcess, datetime, datetime]:
    before = datetime.now(TZ).replace(second=0, microsecond=0)
    proc = subprocess.run([str(HUIFANG), "new", *args], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV, "TZ": tz})
    after = datetime.now(TZ)
    assert proc.returncode == 0, proc.stderr
    return proc, before, after


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Shanghai"])
def test_new_writes_shanghai_time_whatever_the_machine_zone(tmp_path, capsys, tz):
    init(tmp_path, capsys)
    proc, before, after = new_in(tmp_path, "visit", tz=tz)
    rel = proc.stdout.strip()
    text = (tmp_path / rel).read_text(encoding="utf-8")
    written = yaml.safe_load(text)["date"]
    assert written.utcoffset() == timedelta(hours=8)
    assert before <= written <= after
    assert rel == f"records/visits/{written:%Y/%m}/HF-{written:%Y%m%d}-001.yml"
    schema = re.match(r"# yaml-language-server: \$schema=(\S+)$", text.splitlines()[0]).group(1)
    assert (tmp_path / rel).parent.joinpath(schema).resolve() == tmp_path / "templates" / "schema" / "visit.json"


def test_new_with_a_date_and_time_uses_them(tmp_path, capsys):
    init(tmp_path, capsys)
    proc, _, _ = new_in(tmp_path, "complaint", "--date", "2026-11-20 09:05", tz="UTC")
    rel = proc.stdout.strip()
    assert rel == "records/complaints/2026/11/TS-20261120-001.yml"
    data = yaml.safe_load((tmp_path / rel).read_text(encoding="utf-8"))
    assert data["received"] == datetime(2026, 11, 20, 9, 5, tzinfo=TZ)
    assert "__:__" not in (tmp_path / rel).read_text(encoding="utf-8")


def test_new_with_a_bare_date_leaves_a_placeholder_that_check_reports(tmp_path, capsys):
    init(tmp_path, capsys)
    (tmp_path / "records" / "customers" / "CUST-0001.yml").write_text(CUSTOMER.lstrip(), encoding="utf-8")
    proc, _, _ = new_in(tmp_path, "visit", "--date", "2026-11-20", tz="UTC")
    rel = proc.stdout.strip()
    assert "时刻还没有填" in proc.stderr
    text = (tmp_path / rel).read_text(encoding="utf-8")
    line_no = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("date:"))
    assert text.splitlines()[line_no - 1] == "date: 2026-11-20 __:__:00+08:00"
    # fill in everything else: the placeholder alone keeps the record failing
    filled = (text.replace("customer: CUST-\n", "customer: CUST-0001\n").replace("visitor: \n", "visitor: 李娜\n"))
    (tmp_path / rel).write_text(filled, encoding="utf-8")
    assert main(["--root", str(tmp_path), "check", str(tmp_path / rel), "--as-of", "2026-11-20", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    errors = [(f["rule"], f["line"]) for f in found if f["severity"] == "error"]
    assert errors == [("SCHEMA", line_no)]
    assert "还没有填时刻" in found[0]["message"] or any("还没有填时刻" in f["message"] for f in found)
    (tmp_path / rel).write_text(filled.replace("__:__", "14:30"), encoding="utf-8")
    assert main(["--root", str(tmp_path), "check", str(tmp_path / rel), "--as-of", "2026-11-20", "--format", "json"]) in (0, 1)
    found = json.loads(capsys.readouterr().out)["findings"]
    assert not [f for f in found if f["rule"] == "SCHEMA"]


def test_new_rejects_a_date_that_is_not_one(tmp_path, capsys):
    init(tmp_path, capsys)
    assert main(["--root", str(tmp_path), "new", "visit", "--date", "2026-11-31"]) == 2
    assert "不是有效的日期或时间" in capsys.readouterr().err


# -- the repository's own templates and mkdocs.yml win ------------------------------------------

def test_repository_templates_and_mkdocs_config_override_the_shipped_ones(tmp_path, capsys):
    init(tmp_path, capsys)
    (tmp_path / "records" / "customers" / "CUST-0001.yml").write_text(CUSTOMER.lstrip(), encoding="utf-8")
    own = tmp_path / "templates" / "portal"
    own.mkdir(parents=True)
    (own / "home.md.j2").write_text("# 我们的首页\n\n本仓库自己的首页模板，共 {{ d.n_records }} 条记录。\n",
                                    encoding="utf-8")
    (tmp_path / "templates" / "records").mkdir()
    shipped_visit = (Path(__file__).resolve().parent.parent / "templates" / "records" / "visit.yml")
    (tmp_path / "templates" / "records" / "visit.yml").write_text(
        shipped_visit.read_text(encoding="utf-8").replace("visitor: \n", "visitor: 本仓库默认回访人\n"),
        encoding="utf-8")
    # without its own mkdocs.yml the repository builds with the shipped one, and nothing is copied in
    assert main(["--root", str(tmp_path), "build", "--as-of", "2026-11-23"]) == 0
    assert not (tmp_path / "mkdocs.yml").exists()
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "本仓库自己的首页模板，共 1 条记录。" in index
    assert (tmp_path / "site" / "customers" / "CUST-0001.html").is_file()  # other templates: the shipped ones
    assert "<title>首页 - 回访门户</title>" in index
    shipped_cfg = (Path(__file__).resolve().parent.parent / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(shipped_cfg.replace("site_name: 回访门户", "site_name: 翠湖客服门户"),
                                         encoding="utf-8")
    assert main(["--root", str(tmp_path), "build", "--as-of", "2026-11-23"]) == 0
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>首页 - 翠湖客服门户</title>" in index
    capsys.readouterr()
    assert main(["--root", str(tmp_path), "new", "visit"]) == 0
    rel = capsys.readouterr().out.strip()
    assert "visitor: 本仓库默认回访人" in (tmp_path / rel).read_text(encoding="utf-8")


def test_check_says_when_the_editor_schemas_are_older_than_huifang(tmp_path, capsys):
    init(tmp_path, capsys)
    assert main(["--root", str(tmp_path), "check"]) == 0
    assert "huifang schema" not in capsys.readouterr().err
    path = tmp_path / "templates" / "schema" / "visit.json"
    path.write_text(path.read_text(encoding="utf-8").replace("回访时间", "旧版回访时间"), encoding="utf-8")
    assert main(["--root", str(tmp_path), "check"]) == 0
    err = capsys.readouterr().err
    assert "templates/schema/visit.json" in err and "运行 huifang schema 更新" in err
    assert main(["--root", str(tmp_path), "schema"]) == 0
    capsys.readouterr()
    assert main(["--root", str(tmp_path), "check"]) == 0
    assert "huifang schema" not in capsys.readouterr().err
