"""`huifang init`: turn an empty folder (or an existing git repository) into a records repository.

Writes only files that do not exist yet, and says what it wrote and what it left alone. The kit files
come from the shipped kit/ folder, laid out as they go into the records repository; huifang.yml comes
from the config's own parameter definitions and the JSON Schemas from the record model, so neither is
a second copy that could drift.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, model, shipped
from .config import CONFIG_FILE, default_config_text
from .dates import today
from .load import RECORDS_DIR

VERSION_MARK = "__HUIFANG_VERSION__"
GITIGNORE = """\
# huifang：构建出的门户（含客户个人信息，不提交）和 huifang 的工作文件夹
/site/
/.huifang/
"""
KEEP = ".gitkeep"  # git does not keep empty folders


@dataclass
class Result:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # existed already: left as they were
    git: str = ""  # what was done about git


def planned_files() -> dict[str, str]:
    """Every file init writes: repository-relative path -> text."""
    files: dict[str, str] = {}
    for kind in model.KINDS.values():
        files[f"{RECORDS_DIR}/{kind.folder}/{KEEP}"] = ""
    files[CONFIG_FILE] = default_config_text({"facts_since": today().isoformat()})  # judged from day one
    files[".gitignore"] = GITIGNORE
    for kind in model.KINDS.values():
        files[f"templates/schema/{kind.name}.json"] = schema_text(kind)
    kit = shipped.path("kit")
    for p in sorted(kit.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            files[p.relative_to(kit).as_posix()] = p.read_text(encoding="utf-8").replace(VERSION_MARK, __version__)
    return files


def schema_text(kind: model.Kind) -> str:
    return json.dumps(model.json_schema(kind), ensure_ascii=False, indent=2) + "\n"


def stale_schemas(root: Path) -> list[str]:
    """The repository's editor schemas (templates/schema/*.json) that differ from this huifang's model."""
    out = []
    for kind in model.KINDS.values():
        path = root / "templates" / "schema" / f"{kind.name}.json"
        try:
            if path.is_file() and path.read_text(encoding="utf-8") != schema_text(kind):
                out.append(path.relative_to(root).as_posix())
        except (OSError, UnicodeDecodeError):
            out.append(path.relative_to(root).as_posix())
    return out


def init(target: Path) -> Result:
    """Create the records repository in `target` (made if missing); never overwrite a file."""
    target.mkdir(parents=True, exist_ok=True)
    result = Result()
    for rel, text in planned_files().items():
        path = target / rel
        shown = rel[: -len(KEEP)] if rel.endswith("/" + KEEP) else rel
        if path.exists() or (rel.endswith(KEEP) and path.parent.is_dir() and any(path.parent.iterdir())):
            result.kept.append(shown)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as f:
                f.write(text)
        except FileExistsError:  # appeared meanwhile: still never overwrite
            result.kept.append(shown)
            continue
        result.created.append(shown)
    result.git = _git_init(target)
    return result


def _git_init(target: Path) -> str:
    try:
        return _git_init_or_raise(target)
    except OSError as e:  # no git on this machine
        return f"没能运行 git（{e.strerror or e}）；请安装 git 后在这个文件夹里运行 git init。"


def _git_init_or_raise(target: Path) -> str:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    inside = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=target, capture_output=True, text=True,
                            env=env)
    if inside.returncode == 0:
        top = Path(inside.stdout.strip()).resolve()
        if top == target.resolve():
            return "已是 git 仓库，没有改动。"
        return f"这个文件夹在 git 仓库 {top} 里面；huifang 以 {target} 为记录仓库的根目录。"
    made = subprocess.run(["git", "init", "-q", "-b", "main"], cwd=target, capture_output=True, text=True, env=env)
    if made.returncode != 0:  # git older than 2.28 has no -b
        made = subprocess.run(["git", "init", "-q"], cwd=target, capture_output=True, text=True, env=env)
        if made.returncode == 0:
            subprocess.run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], cwd=target, env=env)
    if made.returncode != 0:
        return f"没能运行 git init（{made.stderr.strip()}）；请自己初始化 git 仓库。"
    return "已新建 git 仓库（分支 main）。"
