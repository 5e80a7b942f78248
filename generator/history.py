"""Provenance of record files from git history: who submitted, who approved, what changed.

Clerks submit records by pull request and supervisors approve them by merging; that
merge is the supervisor review (主管审阅) the procedures demand.  This module turns the
git history of ``records/`` into, per record file:

* the commit that added it (submitter and time) and every commit that changed it;
* the latest review on the main line (first-parent chain from HEAD) that covered it:
  a merge brings files into main, its reviewer is the ``Reviewed-by:`` /
  ``Approved-by:`` trailer of the merge message (``name <email>``) or, without a
  trailer, the merge's committer (the person who pressed "merge" on a hosted
  platform).  A non-merge main-line commit carrying such a trailer (squash merge)
  approves the files it changes as well;
* whether the file changed on main after that review without a new one
  (``amended_after_approval``).

The whole history is read by ONE streamed ``git log`` over ``records/`` plus one
``git rev-list --first-parent`` for the main line; per-file git calls would be
hundreds of times slower with 10,000 records.  Results are cached under
``<root>/.huifang/cache/`` keyed by HEAD, the staff list and the shallow boundary,
since only commits (never the work tree) are read.

Staff names come from the optional committed file ``staff.yml`` at the repository root,
mapping git identities to the names and roles people know::

    - name: 王丽
      role: 客服主管
      emails: [wangli@example.com]
      git_names: [wangli, Wang Li]

``name`` is required; ``role``, ``emails`` and ``git_names`` are optional (a single
string is accepted for the lists).  Emails match case-insensitively and take
precedence over git names; the staff name itself also counts as a git name.  An email
or git name may belong to one person only.

Only ``.yml`` / ``.yaml`` files under the records directory are records.  Renames are
treated as delete + add (``--no-renames``): a renamed record starts a new history.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import yaml

try:  # GitPython is a hard dependency, but keep the import error readable.
    import git
    from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError
except ImportError as exc:  # pragma: no cover
    raise ImportError("缺少依赖 GitPython，请先安装项目依赖（pip install -e .）") from exc

__all__ = [
    "Approval",
    "Change",
    "History",
    "HistoryError",
    "Provenance",
    "Staff",
    "StaffFileError",
    "StaffMember",
    "changed_files",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
STAFF_FILE = "staff.yml"
CACHE_DIR = Path(".huifang") / "cache"
# Bump whenever the cached structure or the provenance rules change.
_CACHE_FORMAT = 1
_RECORD_SUFFIXES = (".yml", ".yaml")
_TRAILER_RE = re.compile(
    r"^\s*(?:reviewed|approved)-by\s*:\s*(?P<name>[^<\n]*?)\s*(?:<(?P<email>[^>\n]*)>)?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# Field separators for the log format: control characters never found in names/paths.
_REC, _FLD, _END = b"\x1e", b"\x1f", b"\x1d"
_LOG_FORMAT = "--format=%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%B%x1d"


class HistoryError(Exception):
    """A git question could not be answered (bad base, not a repository…); message is Chinese."""


class StaffFileError(ValueError):
    """staff.yml is malformed; the message names the file and line so a clerk can fix it."""

    def __init__(self, path: Path | str, line: int | None, problem: str):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f" 第 {line} 行" if line else ""
        super().__init__(f"人员名单文件 {self.path}{where}有误：{problem}")


@dataclass(frozen=True)
class Change:
    """One commit that touched a record file."""

    commit: str
    author: str  # raw git author name (map through Staff for display)
    email: str
    time: datetime  # committer time, aware (Asia/Shanghai)
    author_time: datetime
    message: str  # first line of the commit message


@dataclass(frozen=True)
class Approval:
    """The supervisor review that let a record onto main."""

    reviewer: str  # staff display name (git/trailer name when not in staff.yml)
    email: str | None
    time: datetime  # committer time of the approving commit
    commit: str
    source: str  # "trailer" | "merge"


@dataclass
class Provenance:
    """Everything the portal shows about where a record came from."""

    path: str
    first: Change | None
    partial: bool
    changes: list[Change]
    approval: Approval | None
    amended_after_approval: bool
    submitter: str | None


# --------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: str | None = None
    emails: tuple[str, ...] = ()
    git_names: tuple[str, ...] = ()


class Staff:
    """Maps git identities to staff names and roles, so pages show people, not accounts."""

    def __init__(self, members: Iterable[StaffMember] = ()):
        self.members: tuple[StaffMember, ...] = tuple(members)
        self._by_email: dict[str, StaffMember] = {}
        self._by_name: dict[str, StaffMember] = {}
        for m in self.members:
            for e in m.emails:
                self._by_email.setdefault(e.strip().casefold(), m)
            for n in (m.name, *m.git_names):
                self._by_name.setdefault(n.strip().casefold(), m)

    @classmethod
    def load(cls, root: Path) -> "Staff":
        """Read ``<root>/staff.yml``; a missing file simply means nobody is mapped."""
        path = Path(root) / STAFF_FILE
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise StaffFileError(path, None, f"无法读取（{exc.strerror or exc}）") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise StaffFileError(path, line, "不是 UTF-8 编码，请用 UTF-8 保存") from exc
        return cls(_parse_staff(text, path))

    @property
    def fingerprint(self) -> str:
        """Stable digest of the mapping, part of the provenance cache key."""
        return hashlib.sha256(repr(self.members).encode("utf-8")).hexdigest()

    def _find(self, git_name: str | None, email: str | None) -> StaffMember | None:
        if email:
            m = self._by_email.get(email.strip().casefold())
            if m is not None:
                return m
        if git_name:
            return self._by_name.get(git_name.strip().casefold())
        return None

    def name(self, git_name: str, email: str | None) -> str:
        m = self._find(git_name, email)
        return m.name if m is not None else git_name

    def role(self, git_name: str, email: str | None) -> str | None:
        m = self._find(git_name, email)
        return m.role if m is not None else None

    def __len__(self) -> int:
        return len(self.members)

    def __repr__(self) -> str:
        return f"Staff({len(self.members)} members)"


_STAFF_KEYS = {"name", "role", "emails", "git_names"}
_NULL_TAG = "tag:yaml.org,2002:null"


def _parse_staff(text: str, path: Path) -> list[StaffMember]:
    """Validate on the node tree (not plain data) so every error can name its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise StaffFileError(path, line, f"YAML 格式错误（{exc.problem or exc.context}）") from exc
    except yaml.YAMLError as exc:
        raise StaffFileError(path, None, f"YAML 格式错误（{exc}）") from exc
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL_TAG):
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise StaffFileError(path, _line(root), "顶层应是人员列表，每人一项，以“- name: 姓名”开头")

    def scalar(node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            raise StaffFileError(path, _line(node), f"{what}应是一段文字")
        if node.tag == _NULL_TAG:
            return None
        value = node.value.strip()
        return value or None

    def strings(node: yaml.Node, what: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            v = scalar(node, what)
            return (v,) if v else ()
        if not isinstance(node, yaml.SequenceNode):
            raise StaffFileError(path, _line(node), f"{what}应是列表，例如 [a@example.com]")
        return tuple(v for v in (scalar(item, what) for item in node.value) if v)

    members: list[StaffMember] = []
    owner: dict[str, tuple[str, int]] = {}  # identity -> (member name, line)
    for item in root.value:
        if not isinstance(item, yaml.MappingNode):
            raise StaffFileError(path, _line(item), "每一项应包含 name、role、emails、git_names 字段")
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in item.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in _STAFF_KEYS:
                raise StaffFileError(
                    path, _line(key_node), f"未知字段“{key}”，只允许 name、role、emails、git_names"
                )
            if key in fields:
                raise StaffFileError(path, _line(key_node), f"字段“{key}”重复")
            fields[key] = value_node
        if "name" not in fields or not scalar(fields["name"], "name"):
            raise StaffFileError(path, _line(item), "缺少姓名（name）")
        member = StaffMember(
            name=scalar(fields["name"], "name") or "",
            role=scalar(fields["role"], "role") if "role" in fields else None,
            emails=strings(fields["emails"], "emails") if "emails" in fields else (),
            git_names=strings(fields["git_names"], "git_names") if "git_names" in fields else (),
        )
        line = _line(item)
        idents = [("邮箱", e) for e in member.emails] + [
            ("git 用户名", n) for n in {member.name, *member.git_names}
        ]
        for kind, ident in idents:
            key = f"{kind}\0{ident.casefold()}"
            prev = owner.get(key)
            if prev is not None and prev[0] != member.name:
                raise StaffFileError(
                    path, line, f"{kind}“{ident}”同时属于 {prev[0]}（第 {prev[1]} 行）和 {member.name}"
                )
            owner[key] = (member.name, line)
        members.append(member)
    return members


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


# --------------------------------------------------------------------------- git helpers


def _is_record(path: str, prefix: str) -> bool:
    return path.startswith(prefix) and path.endswith(_RECORD_SUFFIXES)


def _when(epoch: bytes | str) -> datetime:
    return datetime.fromtimestamp(int(epoch), SHANGHAI)


_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


def _unquote(raw: bytes) -> str:
    """Undo git's C-style quoting of unusual paths (core.quotePath is off for UTF-8)."""
    if len(raw) < 2 or not (raw.startswith(b'"') and raw.endswith(b'"')):
        return raw.decode("utf-8", "surrogateescape")
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i : i + 1]
        if c == b"\\" and i + 1 < len(body):
            nxt = body[i + 1 : i + 2]
            octal = body[i + 1 : i + 4]
            if len(octal) == 3 and all(0x30 <= b <= 0x37 for b in octal):
                out.append(int(octal, 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt[0]))
            i += 2
            continue
        out += c
        i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def _trailer(body: str) -> tuple[str, str | None] | None:
    """Last Reviewed-by/Approved-by trailer in a message body (the final say wins)."""
    found = None
    for m in _TRAILER_RE.finditer(body):
        name = m.group("name").strip()
        email = (m.group("email") or "").strip() or None
        if name or email:
            found = (name or email or "", email)
    return found


@dataclass
class _Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    author_time: bytes
    committer: str
    committer_email: str
    commit_time: bytes
    body: str
    files: list[tuple[str, str]] = field(default_factory=list)

    def change(self) -> Change:
        subject = self.body.strip().split("\n", 1)[0].strip() if self.body.strip() else ""
        return Change(
            commit=self.sha,
            author=self.author,
            email=self.email,
            time=_when(self.commit_time),
            author_time=_when(self.author_time),
            message=subject,
        )


def _parse_log(lines: Iterable[bytes]) -> Iterator[_Commit]:
    """Parse the streamed log (see _LOG_FORMAT) into commits with their name-status lists."""
    current: _Commit | None = None
    header: list[bytes] | None = None
    for line in lines:
        if header is not None:  # inside a commit message, until the end marker
            header.append(line)
            if _END in line:
                current = _make_commit(b"".join(header))
                header = None
            continue
        if line.startswith(_REC):
            if current is not None:
                yield current
                current = None
            header = [line[1:]]
            if _END in line:
                current = _make_commit(b"".join(header))
                header = None
            continue
        if current is None:
            continue
        line = line.rstrip(b"\r\n")
        tab = line.find(b"\t")
        if tab <= 0:
            continue
        current.files.append((chr(line[0]), _unquote(line[tab + 1 :])))
    if current is not None:
        yield current


def _make_commit(raw: bytes) -> _Commit:
    raw = raw[: raw.rfind(_END)]
    parts = raw.split(_FLD, 8)
    if len(parts) < 9:
        parts += [b""] * (9 - len(parts))
    sha, parents, an, ae, at, cn, ce, ct, body = parts

    def d(b: bytes) -> str:
        return b.decode("utf-8", "replace")

    return _Commit(
        sha=d(sha).strip(),
        parents=tuple(d(parents).split()),
        author=d(an),
        email=d(ae),
        author_time=at or b"0",
        committer=d(cn),
        committer_email=d(ce),
        commit_time=ct or b"0",
        body=d(body),
    )


# --------------------------------------------------------------------------- history


class History:
    """Read-only view of a records repository's git history.

    Use as a context manager: git's helper processes (blob reader) are closed on exit.
    """

    def __init__(
        self,
        root: Path,
        staff: Staff | None = None,
        records_dir: str = "records",
        cache: bool = True,
    ):
        self.root = Path(root)
        self.staff = staff if staff is not None else Staff.load(self.root)
        self.records_dir = records_dir.strip("/") or "records"
        self.cache = cache
        self.warnings: list[str] = []
        self.shallow = False
        self.head: str | None = None
        self._shallow_commits: frozenset[str] = frozenset()
        self._provenance: dict[str, Provenance] | None = None
        self._repo: git.Repo | None = None
        self._open()

    # -- lifecycle

    def _open(self) -> None:
        try:
            self._repo = git.Repo(self.root, search_parent_directories=False)
        except (InvalidGitRepositoryError, NoSuchPathError):
            self.warnings.append(
                f"{self.root} 不是 git 仓库（或不是仓库根目录），无法显示记录的提交人、审阅人和修改历史。"
            )
            return
        except Exception as exc:  # never crash the portal build over history
            self.warnings.append(f"无法打开 git 仓库 {self.root}：{exc}，记录来源信息将缺失。")
            return
        try:
            self.head = self._repo.git.rev_parse("--verify", "-q", "HEAD^{commit}").strip() or None
        except GitCommandError as exc:
            self.head = None
            detail = str(exc.stderr or "").strip()
            if detail:  # e.g. "dubious ownership": git refused, the repository is not empty
                self.warnings.append(f"读取 git 仓库 {self.root} 失败，记录来源信息将缺失：{detail}")
                return
        except Exception as exc:
            self.warnings.append(f"读取 git 仓库 {self.root} 失败：{exc}，记录来源信息将缺失。")
            self.head = None
            return
        if self.head is None:
            self.warnings.append("git 仓库中还没有任何提交，无法显示记录的提交人和审阅人。")
            return
        shallow_file = Path(self._repo.common_dir) / "shallow"
        try:
            boundary = shallow_file.read_text("ascii").split()
        except OSError:
            boundary = []
        if boundary:
            self.shallow = True
            self._shallow_commits = frozenset(boundary)
            self.warnings.append(
                "当前仓库是浅克隆（shallow clone），只含部分 git 历史：记录来源信息不完整，"
                "部分记录的首次提交人、提交时间和审阅人无法确定。"
                "请用完整克隆（或 git fetch --unshallow）后重新生成。"
            )

    def close(self) -> None:
        """Stop GitPython's persistent cat-file processes so nothing outlives us."""
        if self._repo is not None:
            self._repo.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    # -- provenance

    def provenance(self) -> dict[str, Provenance]:
        """Provenance of every record file present at HEAD; computed once, cached by HEAD."""
        if self._provenance is not None:
            return self._provenance
        if self._repo is None or self.head is None:
            self._provenance = {}
            return self._provenance
        key = self._cache_key()
        cached = self._cache_read(key) if self.cache else None
        if cached is not None:
            self._provenance, extra = cached
            self.warnings.extend(w for w in extra if w not in self.warnings)
            return self._provenance
        extra: list[str] = []
        try:
            result = self._compute(extra)
        except (GitCommandError, OSError, ValueError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self.warnings.append(f"读取 git 历史失败，记录来源信息将缺失：{str(detail).strip()}")
            self._provenance = {}
            return self._provenance
        self.warnings.extend(w for w in extra if w not in self.warnings)
        self._provenance = result
        if self.cache:
            self._cache_write(key, result, extra)
        return result

    def _compute(self, warnings: list[str]) -> dict[str, Provenance]:
        assert self._repo is not None and self.head is not None
        g = self._repo.git
        prefix = self.records_dir + "/"
        mainline = set(g.rev_list("--first-parent", self.head).split())
        boundary = self._shallow_commits

        first: dict[str, Change] = {}
        partial: set[str] = set()
        seen: set[str] = set()
        changes: dict[str, list[Change]] = {}
        present: set[str] = set()
        approval: dict[str, Approval] = {}
        amended: dict[str, bool] = {}

        proc = g.execute(
            [
                g.GIT_PYTHON_GIT_EXECUTABLE or "git",
                "-c", "core.quotePath=false",
                "-c", "log.showSignature=false",
                "log", self.head,
                "--full-history", "--topo-order", "--reverse",
                "--no-renames", "--no-color", "--no-relative", "--encoding=UTF-8",
                "--diff-merges=first-parent", "--name-status",
                _LOG_FORMAT,
                "--", f":(literal){self.records_dir}",
            ],
            as_process=True,
        )
        try:
            for c in _parse_log(proc.stdout):
                files = [(s, p) for s, p in c.files if _is_record(p, prefix)]
                if not files:
                    continue
                is_boundary = c.sha in boundary
                is_merge = len(c.parents) > 1
                change: Change | None = None
                for status, path in files:
                    if path not in seen:
                        seen.add(path)
                        if is_boundary:
                            partial.add(path)  # its real first add lies beyond the shallow cut
                    if is_boundary:
                        continue
                    if status == "A" and path not in first and path not in partial:
                        change = change or c.change()
                        first[path] = change
                        if is_merge:  # content born in the merge itself
                            changes.setdefault(path, []).append(change)
                    if not is_merge:
                        change = change or c.change()
                        changes.setdefault(path, []).append(change)
                if c.sha in mainline:
                    self._apply_mainline(c, files, is_boundary, is_merge, present, approval, amended)
        except BaseException:
            proc.proc.kill()
            proc.proc.wait()
            raise
        else:
            proc.wait()  # raises GitCommandError on failure
        finally:
            for stream in (proc.proc.stdout, proc.proc.stderr):
                if stream is not None:
                    stream.close()

        result: dict[str, Provenance] = {}
        for path in sorted(present):
            f = first.get(path)
            is_partial = path in partial or (self.shallow and f is None)
            result[path] = Provenance(
                path=path,
                first=None if is_partial else f,
                partial=is_partial,
                changes=changes.get(path, []),
                approval=approval.get(path),
                amended_after_approval=amended.get(path, False),
                submitter=self.staff.name(f.author, f.email) if f and not is_partial else None,
            )
        if not result:
            warnings.append(f"在 git 历史中没有找到 {prefix} 下已提交的记录文件。")
        return result

    def _apply_mainline(self, c, files, is_boundary, is_merge, present, approval, amended) -> None:
        """Main-line commits decide approval: reviewed merges approve, plain commits amend."""
        for status, path in files:
            if status == "D":
                present.discard(path)
                approval.pop(path, None)
                amended.pop(path, None)
            else:
                present.add(path)
        if is_boundary:
            return  # parents unknown: cannot tell whether this was a review
        trailer = _trailer(c.body.split("\n", 1)[1] if "\n" in c.body else "")
        appr: Approval | None = None
        if trailer is not None:
            name, email = trailer
            appr = Approval(
                reviewer=self.staff.name(name, email),
                email=email,
                time=_when(c.commit_time),
                commit=c.sha,
                source="trailer",
            )
        elif is_merge:
            appr = Approval(
                reviewer=self.staff.name(c.committer, c.committer_email),
                email=c.committer_email or None,
                time=_when(c.commit_time),
                commit=c.sha,
                source="merge",
            )
        for status, path in files:
            if status == "D":
                continue
            if appr is not None:
                approval[path] = appr
                amended[path] = False
            elif path in approval:
                amended[path] = True

    # -- cache

    def _cache_key(self) -> str:
        shallow = ",".join(sorted(self._shallow_commits))
        raw = f"{_CACHE_FORMAT}\0{self.head}\0{self.records_dir}\0{self.staff.fingerprint}\0{shallow}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def _cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    def _cache_read(self, key: str):
        path = self._cache_dir() / f"provenance-{key[:32]}.pickle"
        try:
            with path.open("rb") as fh:
                data = pickle.load(fh)
            if data.get("key") == key:
                return data["provenance"], data.get("warnings", [])
        except Exception:  # missing, stale or corrupt cache: just recompute
            pass
        return None

    def _cache_write(self, key: str, provenance: dict[str, Provenance], warnings: list[str]) -> None:
        """Best effort: a read-only checkout must still build, only slower."""
        directory = self._cache_dir()
        target = directory / f"provenance-{key[:32]}.pickle"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# huifang 缓存，不要提交\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".provenance-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump(
                        {"key": key, "provenance": provenance, "warnings": warnings},
                        fh,
                        protocol=pickle.HIGHEST_PROTOCOL,
                    )
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            for old in directory.glob("provenance-*.pickle"):
                if old != target:
                    old.unlink(missing_ok=True)
        except Exception:  # noqa: BLE001 - caching must never break a build
            pass

    # -- per-record pages

    def _blob(self, rev_path: str) -> str | None:
        """Text of ``<rev>:<path>`` through the persistent cat-file process, None if absent."""
        assert self._repo is not None
        try:
            _, kind, _, data = self._repo.git.get_object_data(rev_path)
        except (ValueError, GitCommandError):
            return None
        if kind not in (b"blob", "blob"):  # GitPython returns bytes here
            return None
        return data.decode("utf-8", "replace")

    def versions(self, path: str) -> list[tuple[Change, str]]:
        """Full YAML text after each change, oldest first (empty for unknown paths)."""
        prov = self.provenance().get(path)
        if prov is None or self._repo is None:
            return []
        return [(ch, self._blob(f"{ch.commit}:{path}") or "") for ch in prov.changes]

    def diffs(self, path: str) -> list[tuple[Change, str]]:
        """Unified diff of each change against its commit's first parent (the real edit)."""
        prov = self.provenance().get(path)
        if prov is None or self._repo is None:
            return []
        out: list[tuple[Change, str]] = []
        for ch in prov.changes:
            new = self._blob(f"{ch.commit}:{path}")
            old = self._blob(f"{ch.commit}^:{path}")
            diff = difflib.unified_diff(
                _lines(old),
                _lines(new),
                fromfile=f"a/{path}" if old is not None else "/dev/null",
                tofile=f"b/{path}" if new is not None else "/dev/null",
            )
            out.append((ch, "".join(diff)))
        return out


def _lines(text: str | None) -> list[str]:
    if not text:
        return []
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


# --------------------------------------------------------------------------- changed files


def changed_files(root: Path, base: str, records_dir: str = "records", deleted: bool = False) -> list[str]:
    """Record files added or modified since the branch left ``base``, for validating a PR.

    Compares merge-base(base, HEAD) with the work tree, so committed, staged, unstaged
    and untracked edits all count. With ``deleted=True`` it lists the deleted records
    instead (their ids may still be referenced by records the change did not touch).
    """
    root = Path(root)
    records_dir = records_dir.strip("/") or "records"
    try:
        repo = git.Repo(root, search_parent_directories=False)
    except (InvalidGitRepositoryError, NoSuchPathError) as exc:
        raise HistoryError(f"{root} 不是 git 仓库（或不是仓库根目录），无法找出改动的记录。") from exc
    try:
        g = repo.git
        try:
            base_sha = g.rev_parse("--verify", "-q", f"{base}^{{commit}}").strip()
        except GitCommandError as exc:
            raise HistoryError(
                f"找不到基准分支或提交“{base}”，请确认名称正确并已获取（例如 git fetch origin {base}）。"
            ) from exc
        try:
            g.rev_parse("--verify", "-q", "HEAD^{commit}")
        except GitCommandError as exc:
            raise HistoryError("当前仓库还没有任何提交，无法与基准比较。") from exc
        try:
            merge_base = g.merge_base(base_sha, "HEAD").strip()
        except GitCommandError as exc:
            raise HistoryError(
                f"当前分支与“{base}”没有共同的历史（或浅克隆缺少历史），无法找出改动的记录。"
            ) from exc
        spec = f":(literal){records_dir}"
        diff = g.execute(
            [
                g.GIT_PYTHON_GIT_EXECUTABLE or "git", "diff", "--name-only", "-z",
                "--no-renames", "--no-relative", "--diff-filter=" + ("D" if deleted else "d"), merge_base,
                "--", spec,
            ],
            strip_newline_in_stdout=False,
        )
        untracked = "" if deleted else g.execute(
            [
                g.GIT_PYTHON_GIT_EXECUTABLE or "git", "ls-files", "-z", "--others",
                "--exclude-standard", "--", spec,
            ],
            strip_newline_in_stdout=False,
        )
        prefix = records_dir + "/"
        names = {n for n in (diff + "\0" + untracked).split("\0") if n}
        return sorted(n for n in names if _is_record(n, prefix))
    except GitCommandError as exc:
        raise HistoryError(f"执行 git 命令失败：{str(exc.stderr or exc).strip()}") from exc
    finally:
        repo.close()
