"""The package a team installs: the sdist and the wheel carry every file huifang opens, and a wheel
installed (not editable) into a fresh virtual environment works from any folder.

Nothing goes over the network: the sdist and the wheel are built with `python -m build --no-isolation`
from a copy of this source tree, using the setuptools of the test environment; the fresh venv gets the
wheel with `pip install --no-deps --no-index`, and borrows the already installed dependencies
(mkdocs, jinja2, …) through a .pth line pointing at this environment's site-packages. huifang itself
comes only from the wheel (a test asserts where it was imported from).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from generator.shipped import PACKAGED, SHIPPED

PROJECT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", ".git", "site", ".huifang", "build", "dist", "*.egg-info", "__pycache__",
                                "*.pyc", ".pytest_cache", ".hypothesis")


def run(cmd, cwd, env=None, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """sdist and wheel built the standard way (wheel from the unpacked sdist), without the network."""
    tmp = tmp_path_factory.mktemp("dist")
    src = tmp / "src"
    shutil.copytree(PROJECT, src, ignore=IGNORE)
    out = tmp / "out"
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)], cwd=tmp)
    (sdist,) = out.glob("huifang-*.tar.gz")
    (wheel,) = out.glob("huifang-*.whl")
    return {"sdist": sdist, "wheel": wheel}


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def sdist_names(sdist: Path) -> set[str]:
    with tarfile.open(sdist) as t:
        names = [m.name for m in t.getmembers() if m.isfile()]
    top = names[0].split("/", 1)[0]
    return {n.split("/", 1)[1] for n in names if n.startswith(top + "/")}


def in_wheel(rel: str) -> str:
    """Where a file of this repository lives inside the wheel."""
    first = rel.split("/", 1)[0]
    return f"generator/{PACKAGED}/{rel}" if first in SHIPPED else rel


def shipped_files() -> list[str]:
    out = []
    for name in SHIPPED:
        p = PROJECT / name
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts]
        out += [f.relative_to(PROJECT).as_posix() for f in files]
    return sorted(out)


def test_wheel_and_sdist_carry_every_shipped_file(dist):
    wheel, sdist = wheel_names(dist["wheel"]), sdist_names(dist["sdist"])
    files = shipped_files()
    assert "mkdocs.yml" in files and "templates/portal/home.md.j2" in files and "kit/.github/workflows/huifang.yml" in files
    assert [f for f in files if in_wheel(f) not in wheel] == []
    assert [f for f in files if f not in sdist] == []
    code = [f.relative_to(PROJECT).as_posix() for f in (PROJECT / "generator").rglob("*.py")]
    assert [f for f in code if f not in wheel] == []
    assert [f for f in code if f not in sdist] == []
    assert not [n for n in wheel if "__pycache__" in n or n.startswith(("tests/", "records/"))]


# A run of huifang's commands with an audit hook that notes every file the process opens.
AUDIT = textwrap.dedent("""
    import json, os, sys
    opened = set()
    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes)):
            p = os.fsdecode(args[0])
            opened.add(os.path.realpath(p))
    sys.addaudithook(hook)
    from generator.cli import main
    codes = [main(argv) for argv in json.loads(sys.argv[1])]
    json.dump({"codes": codes, "opened": sorted(opened)}, open(sys.argv[2], "w"))
""")


def opened_by_commands(tmp_path: Path, steps: list[list[str]]) -> tuple[list[int], list[str]]:
    """Exit codes of the steps, and the files of this repository they opened (repo-relative)."""
    out = tmp_path / "opened.json"
    env = dict(os.environ, PYTHONPATH=str(PROJECT), PYTHONDONTWRITEBYTECODE="1")
    run([sys.executable, "-c", AUDIT, json.dumps(steps), str(out)], cwd=tmp_path, env=env)
    result = json.loads(out.read_text())
    project = str(PROJECT.resolve()) + os.sep
    rel = [p[len(project):].replace(os.sep, "/") for p in result["opened"] if p.startswith(project)]
    return result["codes"], sorted(r for r in rel if "__pycache__" not in r and not r.startswith((".venv/", "tests/")))


def test_every_file_the_commands_open_is_in_the_sdist_and_the_wheel(dist, tmp_path):
    repo = tmp_path / "team"
    (repo / "records" / "customers").mkdir(parents=True)
    shutil.copy(PROJECT / "tests" / "fixtures" / "load" / "records" / "customers" / "CUST-0001.yml",
                repo / "records" / "customers")
    r = str(repo)
    steps = [["init", r],
             ["--root", r, "new", "visit", "--date", "2026-11-03"],
             ["--root", r, "check", "--as-of", "2026-11-23", "--format", "json"],
             ["--root", r, "rules"],
             ["--root", r, "build", "--as-of", "2026-11-23"]]
    codes, opened = opened_by_commands(tmp_path, steps)
    assert codes == [0, 0, 1, 0, 0]  # the new visit is a draft with empty required fields: check says so
    assert (repo / "site" / "index.html").is_file()
    assert "templates/records/visit.yml" in opened and "templates/portal/home.md.j2" in opened
    assert "generator/cli.py" in opened and "kit/.gitlab-ci.yml" in opened
    wheel, sdist = wheel_names(dist["wheel"]), sdist_names(dist["sdist"])
    assert [f for f in opened if in_wheel(f) not in wheel] == []
    assert [f for f in opened if f not in sdist] == []



@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed (not editable); returns its bin folder."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", str(env_dir)], cwd=env_dir.parent)
    py = env_dir / "bin" / "python"
    run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--disable-pip-version-check",
         str(dist["wheel"])], cwd=env_dir.parent)
    purelib = Path(run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       cwd=env_dir.parent).stdout.strip())
    (purelib / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = run([str(py), "-c", "import generator; print(generator.__file__)"], cwd=env_dir.parent).stdout
    assert where.startswith(str(env_dir)), where  # huifang itself comes from the wheel, not this checkout
    return env_dir / "bin"


def test_done_when_flow_with_the_installed_wheel(venv, tmp_path):
    """The adoption path of a new team, run with the installed wheel from an unrelated folder."""
    team = tmp_path / "kefu-records"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=str(venv) + os.pathsep + env.get("PATH", ""), GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1")
    huifang = str(venv / "huifang")

    init = run([huifang, "init", str(team)], cwd=tmp_path, env=env)
    assert "新建　huifang.yml" in init.stdout and (team / ".git").is_dir()

    check = run([huifang, "check"], cwd=team, env=env)
    assert "0 个错误" in check.stdout

    new = run([huifang, "new", "visit"], cwd=team, env={**env, "TZ": "UTC"})
    rel = new.stdout.strip()
    text = (team / rel).read_text(encoding="utf-8")
    date_line = next(ln for ln in text.splitlines() if ln.startswith("date: "))
    assert date_line.endswith("+08:00")
    from datetime import datetime, timedelta, timezone
    written = datetime.fromisoformat(date_line[6:])
    now = datetime.now(timezone(timedelta(hours=8)))
    assert timedelta(0) <= now - written < timedelta(minutes=5)  # Shanghai wall time, not UTC's
    schema = text.splitlines()[0].split("$schema=", 1)[1]
    resolved = (team / rel).parent / schema
    assert resolved.resolve().is_file()
    assert json.loads(resolved.read_text(encoding="utf-8"))["title"].startswith("回访记录")

    build = run([huifang, "build"], cwd=team, env=env)
    assert (team / "site" / "index.html").is_file() and (team / "site" / "rules.html").is_file()
    assert "MkDocs 构建完成" in build.stderr
    assert not (team / "mkdocs.yml").exists()

    refused = run([huifang, "check", "README.md"], cwd=team, env=env, check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "README.md 不是记录" in refused.stderr

    rule = run([huifang, "rules", "V-SIGN-01"], cwd=team, env=env)
    assert rule.stdout.startswith("V-SIGN-01  ") and "当前：SIGN-REFUSAL" in rule.stdout
