"""Provenance of record files from git history: who submitted, who approved, what changed.

Clerks submit records by pull (merge) request and supervisors approve them; that approval
is the supervisor review (主管审阅) the procedures demand.  This module turns the git
history of ``records/`` into, per record file:

* the commit that added it (submitter and time) and every commit that changed it, following
  the file when it is moved (a rename keeping the file name, e.g. to another month folder);
* every review on the main line that covered it (``approvals``, oldest first), so a rule can
  take the first on-time one; ``approval`` is the latest;
* whether the file changed on main after its latest review without a new one
  (``amended_after_approval``).

Who approved a main-line commit, however it was merged:

* ``Approved-by:`` / ``Reviewed-by:`` trailers (``name <email>``; GitHub, GitLab's
  ``%{approved_by}`` / ``%{reviewed_by}`` templates, or added by hand) name the approvers;
* the person who pressed "merge" approves the merge commit too: its AUTHOR (on GitHub and
  GitLab the committer of a web merge is the forge, e.g. ``GitHub <noreply@github.com>``,
  while the author is the person), or a ``Merged-by:`` trailer.  A forge's bot identity never
  approves: when it is all git knows, the approver is unknown (no approval);
* a non-merge main-line commit approves only through a trailer (a squash merge with one);
  without one it amends.

The main line is the first-parent chain from HEAD, except that a clerk's ``git pull`` merge
pushed to main ("Merge branch 'main' of …", "Merge remote-tracking branch 'origin/main'")
is seen for what it is: the chain continues on its second parent (the real main), and the
clerk's own changes it brings in count as unreviewed direct pushes, not as a review.

``Approval.authorized`` says whether the approver holds the reviewer role: in ``staff.yml``
a member marked ``reviewer: true``.  Where no member is so marked it is ``None`` (anyone
counts).  Whether an approval is a self-approval (approver = submitter or visitor) is for the
rule to judge; ``Provenance.is_submitter`` compares identities.

In a shallow clone a file whose history lies beyond the cut is ``partial``: its submitter,
first time and approvals are unknown (not "absent"), and callers must read them so.

The whole history is read by ONE streamed ``git log`` over ``records/`` plus one
``git log`` of commit parents and subjects for the main line (and one small ``git diff``
per pull merge); per-file git calls would be hundreds of times slower with 10,000
records.  Results are cached under ``<root>/.huifang/cache/`` keyed by HEAD, the staff list
and the shallow boundary, since only commits (never the work tree) are read.

Staff names come from the optional committed file ``staff.yml`` at the repository root,
mapping git identities to the names and roles people know::

    - name: 王丽
      role: 客服主管
      reviewer: true
      emails: [wangli@example.com]
      git_names: [wangli, Wang Li]

``name`` is required; ``role``, ``reviewer``, ``emails`` and ``git_names`` are optional (a
single string is accepted for the lists).  Emails match case-insensitively and take
precedence over git names; the staff name itself also counts as a git name.  An email
or git name may belong to one person only.

Only ``.yml`` / ``.yaml`` files under the records directory are records.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import yaml

from .load import read_in_repo

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
_CACHE_FILE = "provenance.json"
# Bump whenever the cached structure or the provenance rules change.
_CACHE_FORMAT = 4
_RECORD_SUFFIXES = (".yml", ".yaml")
_TRAILER_RE = re.compile(
    r"^\s*(?P<kind>reviewed|approved|merged)-by\s*:\s*(?P<name>[^<\n]*?)\s*(?:<(?P<email>[^>\n]*)>)?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# Which pull/merge request a main-line commit closed: GitHub "Merge pull request #7 from …",
# a squash subject "… (#7)", GitLab "See merge request group/project!12".
_REQUEST_RES = (
    re.compile(r"^Merge pull request (#\d+)", re.MULTILINE),
    re.compile(r"^See merge request (\S*![0-9]+)", re.MULTILINE),
    re.compile(r"\((#\d+)\)\s*$", re.MULTILINE),
)
# A merge of the main branch into itself: `git pull` on a local main, or merging the
# remote-tracking main.  (git writes these subjects in English whatever the locale.)
_SYNC_RE = re.compile(
    r"^Merge (?:(?:remote-tracking )?branch '(?P<branch>[^']+)'(?P<of> of \S+)?)(?: into (?P<into>\S+))?\s*$"
)
_MAIN_NAMES = ("main", "master")
# Identities of forges and bots: they carry out a merge, they never approve one.
_BOT_NAMES = {"github", "gitlab", "gitea", "forgejo", "bitbucket", "web-flow", "gitee"}
_BOT_LOCALS = {"noreply", "no-reply", "donotreply", "do-not-reply"}
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
    path: str | None = None  # the file's path in this commit (it may have moved since)
    old_path: str | None = None  # where it was before, when this commit moved it


@dataclass(frozen=True)
class Approval:
    """One person's review that let a record (or a change to it) onto main."""

    reviewer: str  # staff display name (git/trailer name when not in staff.yml)
    email: str | None
    time: datetime  # committer time of the approving commit
    commit: str
    source: str  # "trailer" (Approved-by/Reviewed-by) | "merge" (the person who merged)
    role: str | None = None  # from staff.yml
    authorized: bool | None = None  # holds the reviewer role; None: staff.yml marks no reviewers
    request: str | None = None  # "#7" (GitHub) or "group/project!12" (GitLab), when recorded
    git_name: str = ""  # the raw name in git, for identity comparisons


@dataclass
class Provenance:
    """Everything the portal shows about where a record came from."""

    path: str
    first: Change | None
    partial: bool
    changes: list[Change]
    approval: Approval | None  # the latest review (what the portal shows)
    amended_after_approval: bool
    submitter: str | None
    approvals: tuple[Approval, ...] = ()  # every review on main, oldest first

    def is_submitter(self, person: Approval | str | None) -> bool:
        """True when `person` (an approval or a name) is the one who first added the file."""
        if person is None or self.first is None:
            return False
        if isinstance(person, Approval):
            if person.email and self.first.email and _fold(person.email) == _fold(self.first.email):
                return True
            names = (person.reviewer, person.git_name)
        else:
            names = (person,)
        mine = self.__dict__.get("_mine")
        if mine is None:  # folded once per record: rules ask for every visit and every approval
            mine = self.__dict__["_mine"] = frozenset(_fold(m) for m in (self.first.author, self.submitter) if m)
        return any(n and _fold(n) in mine for n in names)


def _fold(text: str) -> str:
    return text.strip().casefold()


# --------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: str | None = None
    emails: tuple[str, ...] = ()
    git_names: tuple[str, ...] = ()
    reviewer: bool = False  # may approve records (主管审阅)


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
        raw, why = read_in_repo(root, STAFF_FILE)  # never a FIFO, a device, a link out of the repository
        if why:
            raise StaffFileError(path, None, f"无法读取（{why}）")
        if raw is None:
            return cls()
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

    def member(self, name: str | None) -> StaffMember | None:
        """The staff member a record names (visitor, reviewer, 处理人) by name or git name."""
        return self._find(name, None) if name else None

    def name(self, git_name: str, email: str | None) -> str:
        m = self._find(git_name, email)
        return m.name if m is not None else git_name

    def role(self, git_name: str, email: str | None) -> str | None:
        m = self._find(git_name, email)
        return m.role if m is not None else None

    @property
    def has_reviewers(self) -> bool:
        """Whether staff.yml names who may review; without that, nobody's approval is refused for role."""
        return any(m.reviewer for m in self.members)

    def authorized(self, git_name: str, email: str | None) -> bool | None:
        """Holds the reviewer role (True/False); None when staff.yml marks no reviewer at all."""
        if not self.has_reviewers:
            return None
        m = self._find(git_name, email)
        return bool(m is not None and m.reviewer)

    def is_bot(self, git_name: str, email: str | None) -> bool:
        """A forge or bot identity (GitHub <noreply@github.com>, dependabot[bot] …), unless staff.yml maps it."""
        if self._find(git_name, email) is not None:
            return False
        name = (git_name or "").strip().casefold()
        mail = (email or "").strip().casefold()
        local, _, domain = mail.partition("@")
        return (
            not name and not mail
            or name.endswith("[bot]") or local.endswith("[bot]")
            or name in _BOT_NAMES
            or local in _BOT_LOCALS
            or (domain.startswith(("github.", "gitlab.")) and local.startswith("noreply"))
        )

    def __len__(self) -> int:
        return len(self.members)

    def __repr__(self) -> str:
        return f"Staff({len(self.members)} members)"


_STAFF_KEYS = {"name", "role", "emails", "git_names", "reviewer"}
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
    except RecursionError as exc:  # the pure-Python composer recurses once per level of nesting
        raise StaffFileError(path, None, "嵌套层数太多，无法读取；人员名单只需要两层") from exc
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

    def flag(node: yaml.Node, what: str) -> bool:
        value = scalar(node, what)
        if value is None:
            return False
        low = value.casefold()
        if low in ("true", "yes", "on", "是"):
            return True
        if low in ("false", "no", "off", "否"):
            return False
        raise StaffFileError(path, _line(node), f"{what} 只能写 true（可以审阅）或 false")

    members: list[StaffMember] = []
    owner: dict[str, tuple[str, int]] = {}  # identity -> (member name, line)
    for item in root.value:
        if not isinstance(item, yaml.MappingNode):
            raise StaffFileError(path, _line(item), "每一项应包含 name、role、reviewer、emails、git_names 字段")
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in item.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in _STAFF_KEYS:
                raise StaffFileError(
                    path, _line(key_node), f"未知字段“{key}”，只允许 name、role、reviewer、emails、git_names"
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
            reviewer=flag(fields["reviewer"], "reviewer") if "reviewer" in fields else False,
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


# One file in a commit's name-status list: status is A, M, D, T, "R" (moved, same content) or
# "RM" (moved and edited); `old` is the previous path of a move.
_File = tuple[str, str, "str | None"]


def _record_files(files: Iterable[_File], prefix: str) -> list[_File]:
    """Keep record files; a move is a move only when it keeps the file name (e.g. another month
    folder) inside the records: git pairing two different records by similarity is delete + add."""
    out: list[_File] = []
    for status, path, old in files:
        if old is None:
            if _is_record(path, prefix):
                out.append((status, path, None))
            continue
        old_ok, new_ok = _is_record(old, prefix), _is_record(path, prefix)
        if old_ok and new_ok and old.rsplit("/", 1)[-1] == path.rsplit("/", 1)[-1]:
            out.append((status, path, old))
            continue
        if old_ok:
            out.append(("D", old, None))
        if new_ok:
            out.append(("A", path, None))
    return out


def _name_status(line: bytes) -> _File | None:
    """One `--name-status` line: "M\tpath", "R087\told\tnew" (paths C-quoted when unusual)."""
    line = line.rstrip(b"\r\n")
    parts = line.split(b"\t")
    if len(parts) < 2 or not parts[0]:
        return None
    code = chr(parts[0][0])
    if code in "RC" and len(parts) >= 3:
        if code == "C":  # copies are not asked for; read one as a new file
            return ("A", _unquote(parts[2]), None)
        same = parts[0][1:] == b"100"
        return ("R" if same else "RM", _unquote(parts[2]), _unquote(parts[1]))
    return (code, _unquote(parts[1]), None)


def _is_sync(subject: str, main_names: set[str]) -> bool:
    """A merge of the main branch into itself ("Merge branch 'main' of …", "… 'origin/main'")."""
    m = _SYNC_RE.match(subject.strip())
    if not m or (m.group("into") and m.group("into").strip("'") not in main_names):
        return False
    branch = m.group("branch")
    if m.group("of"):
        return branch in main_names
    return "/" in branch and branch.split("/", 1)[1] in main_names and subject.startswith("Merge remote-tracking")


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


def _trailers(body: str) -> tuple[list[tuple[str, str | None]], tuple[str, str | None] | None]:
    """(approvers, merger) from a message body: every Reviewed-by/Approved-by identity, in
    order and without repeats, and the last Merged-by identity."""
    approvers: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    merger = None
    for m in _TRAILER_RE.finditer(body):
        name = m.group("name").strip()
        email = (m.group("email") or "").strip() or None
        if not (name or email):
            continue
        ident = (name or email or "", email)
        if m.group("kind").lower() == "merged":
            merger = ident
            continue
        key = _fold(email or name)
        if key not in seen:
            seen.add(key)
            approvers.append(ident)
    return approvers, merger


def _request(body: str) -> str | None:
    for pattern in _REQUEST_RES:
        m = pattern.search(body)
        if m:
            return m.group(1)
    return None


@dataclass
class _Life:
    """A record file's history while it is read, whatever paths it had."""

    first: Change | None = None
    partial: bool = False
    changes: list[Change] = field(default_factory=list)


class _Rewritten(Exception):
    """The cached HEAD is no longer part of the main line's history (rebase, force push, reset)."""


@dataclass
class _State:
    """What provenance is computed from, as of one HEAD: kept in the cache so that the next run only
    reads the commits since (plain JSON, see to_data/from_data)."""

    head: str | None = None
    lives: dict[str, _Life] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)
    approvals: dict[str, list[Approval]] = field(default_factory=dict)
    amended: dict[str, bool] = field(default_factory=dict)
    dirty: bool = False  # changed since it was read

    def to_data(self) -> dict:
        commits: dict[str, int] = {}
        table: list[list] = []

        def change(c: Change | None):
            if c is None:
                return None
            i = commits.get(c.commit)
            if i is None:
                i = commits[c.commit] = len(table)
                table.append([c.commit, c.author, c.email, int(c.time.timestamp()), int(c.author_time.timestamp()),
                              c.message])
            return [i, c.path, c.old_path]

        life_ids: dict[int, int] = {}
        lives: list[list] = []
        paths: dict[str, int] = {}
        for path, life in self.lives.items():
            i = life_ids.get(id(life))
            if i is None:
                i = life_ids[id(life)] = len(lives)
                lives.append([change(life.first), life.partial, [change(c) for c in life.changes]])
            paths[path] = i
        approving: dict[str, int] = {}
        atable: list[list] = []

        def approval(a: Approval) -> list:
            i = approving.get(a.commit)
            if i is None:
                i = approving[a.commit] = len(atable)
                atable.append([a.commit, int(a.time.timestamp()), a.request])
            return [i, a.reviewer, a.email, a.source, a.role, a.authorized, a.git_name]

        return {"head": self.head, "commits": table, "lives": lives, "paths": paths,
                "present": sorted(self.present), "approving": atable,
                "approvals": {p: [approval(a) for a in appr] for p, appr in self.approvals.items()},
                "amended": sorted(p for p, v in self.amended.items() if v)}

    @classmethod
    def from_data(cls, data: dict) -> "_State":
        d = _Decoder(data)
        lives = [d.life(i) for i in range(len(data["lives"]))]
        state = cls(head=str(data["head"]))
        state.lives = {p: lives[i] for p, i in data["paths"].items()}
        state.present = set(data["present"])
        state.approvals = {p: d.approvals(p) for p in data["approvals"]}
        state.amended = {p: True for p in data["amended"]}
        return state


class _Decoder:
    """Objects from the cached data, built on demand (a run that reads the history of a few records
    builds only theirs)."""

    def __init__(self, data: dict):
        self.data = data
        self._when: dict[int, datetime] = {}
        self._commits: dict[int, tuple] = {}
        self._approving: dict[int, tuple] = {}

    def time(self, epoch: int) -> datetime:
        got = self._when.get(epoch)
        if got is None:
            got = self._when[epoch] = _when(int(epoch))
        return got

    def change(self, x) -> Change | None:
        if x is None:
            return None
        c = self._commits.get(x[0])
        if c is None:
            sha, author, email, ct, at, msg = self.data["commits"][x[0]]
            c = self._commits[x[0]] = (sha, str(author), str(email), self.time(ct), self.time(at), str(msg))
        sha, author, email, ct, at, msg = c
        return Change(commit=sha, author=author, email=email, time=ct, author_time=at, message=msg,
                      path=x[1], old_path=x[2])

    def life(self, i: int) -> _Life:
        first, partial, changes = self.data["lives"][i]
        first_c = self.change(first)
        history = [self.change(c) for c in changes]
        if first_c is not None and history and history[0] == first_c:
            first_c = history[0]
        return _Life(first=first_c, partial=bool(partial), changes=history)

    def approvals(self, path: str) -> list[Approval]:
        out = []
        for i, reviewer, email, source, role, authorized, git_name in self.data["approvals"].get(path, ()):
            a = self._approving.get(i)
            if a is None:
                sha, ct, request = self.data["approving"][i]
                a = self._approving[i] = (sha, self.time(ct), request)
            out.append(Approval(reviewer=reviewer, email=email, time=a[1], commit=a[0], source=source, role=role,
                                authorized=authorized, request=a[2], git_name=git_name))
        return out


class _Stored(Mapping):
    """Provenance per record path straight from the cached data, each built when first asked for:
    with nothing new in git, a run pays only for the records it looks at."""

    def __init__(self, data: dict, make):
        self._decoder = _Decoder(data)
        self._present: list[str] = data["present"]
        self._paths: dict[str, int] = data["paths"]
        self._amended = set(data["amended"])
        self._set: set[str] | None = None
        self._memo: dict[str, Provenance] = {}
        self._make = make
        if not isinstance(self._present, list) or not isinstance(self._paths, dict):
            raise ValueError("shape")

    def __contains__(self, path) -> bool:
        if self._set is None:
            self._set = set(self._present)
        return path in self._set

    def __getitem__(self, path: str) -> Provenance:
        got = self._memo.get(path)
        if got is None:
            if path not in self:
                raise KeyError(path)
            i = self._paths.get(path)
            life = self._decoder.life(i) if i is not None else _Life()
            got = self._memo[path] = self._make(path, life, self._decoder.approvals(path), path in self._amended)
        return got

    def __iter__(self):
        return iter(self._present)

    def __len__(self) -> int:
        return len(self._present)


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
    files: list[_File] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.body.strip().split("\n", 1)[0].strip() if self.body.strip() else ""

    def change(self, path: str | None = None, old: str | None = None) -> Change:
        return Change(
            commit=self.sha,
            author=self.author,
            email=self.email,
            time=_when(self.commit_time),
            author_time=_when(self.author_time),
            message=self.subject,
            path=path,
            old_path=old,
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
        entry = _name_status(line)
        if entry is not None:
            current.files.append(entry)
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
        self._names: set[str] | None = None
        self._repo: git.Repo | None = None
        self.rebuilt = False  # True when the last provenance() read the whole history
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
        if len(self.staff) and not self.staff.has_reviewers:
            self.warnings.append(
                "staff.yml 里没有人标明 reviewer: true（可以审阅）：任何人（回访人、提交人本人除外）的批准"
                "都会算作主管审阅。请给主管加上 reviewer: true。"
            )
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
        """Provenance of every record file present at HEAD; computed once per run.

        With the cache on, the state of the last run is read back and only the commits since its
        HEAD are read (``git log <cached>..HEAD``); a rewritten history (rebase, force push, a reset)
        or any change of the inputs (staff list, shallow boundary, branch) reads everything again.
        """
        if self._provenance is not None:
            return self._provenance
        if self._repo is None or self.head is None:
            self._provenance = {}
            return self._provenance
        base = self._cache_key()
        data = self._cache_read(base) if self.cache else None
        if data is not None and data.get("head") == self.head:
            try:
                self._provenance = _Stored(data, self._make)
                if not self._provenance:
                    self.warnings.append(self._nothing_found())
                return self._provenance
            except Exception:  # noqa: BLE001 - wrong shape: read everything again
                data = None
        try:
            state = _State.from_data(data) if data is not None else None
        except Exception:  # noqa: BLE001
            state = None
        try:
            if state is not None and state.head != self.head:
                try:
                    self._advance(state, since=state.head)
                except _Rewritten:
                    state = None
            if state is None:
                state = _State()
                self._advance(state, since=None)
                self.rebuilt = True
        except (GitCommandError, OSError, ValueError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self.warnings.append(f"读取 git 历史失败，记录来源信息将缺失：{str(detail).strip()}")
            self._provenance = {}
            return self._provenance
        extra: list[str] = []
        result = self._result(state, extra)
        self.warnings.extend(w for w in extra if w not in self.warnings)
        self._provenance = result
        if self.cache and state.dirty:
            self._cache_write(base, state)
        return result

    def _advance(self, state: "_State", since: str | None) -> None:
        """Read the commits after `since` (all of them when None) into `state`, which then describes HEAD."""
        assert self._repo is not None and self.head is not None
        g = self._repo.git
        prefix = self.records_dir + "/"
        if since is not None and not self._is_ancestor(since, self.head):
            raise _Rewritten(since)
        chain, syncs = self._mainline(since)
        mainline = set(chain)
        boundary = self._shallow_commits

        # per file, following moves: one life per file, shared by every path it was moved to (a branch
        # may move a file that main still edits: the same life, so nothing is lost whichever way the
        # merge goes)
        lives = state.lives
        main_files: dict[str, tuple[_Commit, list[_File]]] = {}

        proc = g.execute(
            [
                g.GIT_PYTHON_GIT_EXECUTABLE or "git",
                "-c", "core.quotePath=false",
                "-c", "log.showSignature=false",
                "-c", "diff.renameLimit=2000",
                "log", self.head if since is None else f"{since}..{self.head}",
                "--full-history", "--topo-order", "--reverse",
                "--find-renames", "--no-color", "--no-relative", "--encoding=UTF-8",
                "--diff-merges=first-parent", "--name-status",
                _LOG_FORMAT,
                "--", f":(literal){self.records_dir}",
            ],
            as_process=True,
        )
        try:
            for c in _parse_log(proc.stdout):
                files = _record_files(c.files, prefix)
                if c.sha in mainline:
                    main_files[c.sha] = (c, files)
                if not files:
                    continue
                is_boundary = c.sha in boundary
                is_merge = len(c.parents) > 1
                for status, path, old in files:
                    life = lives.get(path)
                    if old is not None and old in lives and life is not lives[old]:
                        life = lives[path] = lives[old]  # moved: the history travels with the file
                    if life is None:
                        # first seen at the shallow cut: its real first add lies beyond it
                        life = lives[path] = _Life(partial=is_boundary)
                    if is_boundary:
                        continue
                    if status == "A" and life.first is None and not life.partial:
                        life.first = c.change(path)
                        if is_merge:  # content born in the merge itself
                            life.changes.append(life.first)
                    if not is_merge and status != "D":
                        life.changes.append(c.change(path, old))
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

        # the main line, oldest first: reviews approve, plain commits amend
        for sha in reversed(chain):
            got = main_files.get(sha)
            if sha in syncs:
                commit = got[0] if got else None
                files = self._diff(syncs[sha], sha, prefix)
                self._apply_mainline(commit, files, sha in boundary, False, state.present, state.approvals,
                                     state.amended, reviews=False)
            elif got is not None:
                c, files = got
                self._apply_mainline(c, files, sha in boundary, len(c.parents) > 1, state.present,
                                     state.approvals, state.amended)
        state.head = self.head
        state.dirty = True

    def _result(self, state: "_State", warnings: list[str]) -> dict[str, Provenance]:
        result: dict[str, Provenance] = {}
        for path in sorted(state.present):
            result[path] = self._make(path, state.lives.get(path) or _Life(), state.approvals.get(path, ()),
                                      state.amended.get(path, False))
        if not result:
            warnings.append(self._nothing_found())
        return result

    def _nothing_found(self) -> str:
        return f"在 git 历史中没有找到 {self.records_dir}/ 下已提交的记录文件。"

    def _make(self, path: str, life: _Life, approvals, amended: bool) -> Provenance:
        f = life.first
        is_partial = life.partial or (self.shallow and f is None)
        appr = tuple(approvals)
        return Provenance(
            path=path,
            first=None if is_partial else f,
            partial=is_partial,
            changes=list(life.changes),
            approval=appr[-1] if appr else None,
            amended_after_approval=amended,
            submitter=self.staff.name(f.author, f.email) if f and not is_partial else None,
            approvals=appr,
        )

    def _is_ancestor(self, old: str, new: str) -> bool:
        assert self._repo is not None
        g = self._repo.git
        try:
            g.execute([g.GIT_PYTHON_GIT_EXECUTABLE or "git", "merge-base", "--is-ancestor", old, new])
            return True
        except GitCommandError:
            return False  # not an ancestor, or the cached commit is gone (rewritten and collected)

    def _mainline(self, since: str | None = None) -> tuple[list[str], dict[str, str]]:
        """The main line from HEAD back (newest first) and its pull merges (sha -> the real main parent);
        with `since`, only down to that commit (excluded), which must lie on it.

        First parents, except through a merge of the main branch into itself (a clerk's `git pull`
        pushed to main): there the real main is the second parent, the clerk's side is not.
        """
        assert self._repo is not None and self.head is not None
        g = self._repo.git
        out = g.execute(
            [g.GIT_PYTHON_GIT_EXECUTABLE or "git", "log", "--format=%H%x1f%P%x1f%s", "--encoding=UTF-8",
             self.head if since is None else f"{since}..{self.head}"],
        )
        graph: dict[str, tuple[list[str], str]] = {}
        for line in out.splitlines():
            sha, _, rest = line.partition("\x1f")
            parents, _, subject = rest.partition("\x1f")
            graph[sha.strip()] = (parents.split(), subject)
        names = self._main_names()
        chain: list[str] = []
        syncs: dict[str, str] = {}
        sha: str | None = self.head
        visited: set[str] = set()
        while sha and sha in graph and sha not in visited:
            visited.add(sha)
            chain.append(sha)
            parents, subject = graph[sha]
            if not parents:
                sha = None
                break
            if len(parents) > 1 and _is_sync(subject, names):
                syncs[sha] = parents[1]
                sha = parents[1]
            else:
                sha = parents[0]
        if since is not None and sha != since:
            raise _Rewritten(since)  # the old HEAD is not on today's main line: read it all again
        return chain, syncs

    def _main_names(self) -> set[str]:
        if self._names is None:
            assert self._repo is not None
            names = set(_MAIN_NAMES)
            try:
                branch = self._repo.git.symbolic_ref("-q", "--short", "HEAD").strip()
                if branch:
                    names.add(branch)
            except GitCommandError:
                pass  # detached HEAD (CI): main/master only
            self._names = names
        return self._names

    def _diff(self, base: str, sha: str, prefix: str) -> list[_File]:
        """Record files changed between two commits (a pull merge against the real main)."""
        assert self._repo is not None
        g = self._repo.git
        out = g.execute(
            [
                g.GIT_PYTHON_GIT_EXECUTABLE or "git", "-c", "core.quotePath=false", "diff", "--name-status",
                "--find-renames", "--no-color", "--no-relative", base, sha, "--", f":(literal){self.records_dir}",
            ],
            stdout_as_string=False,
        )
        entries = (_name_status(line) for line in out.split(b"\n") if line)
        return _record_files((e for e in entries if e is not None), prefix)

    def _approvers(self, c: _Commit, is_merge: bool) -> list[Approval]:
        """Who approved a main-line commit: trailer approvers, then the person who merged."""
        body = c.body.split("\n", 1)[1] if "\n" in c.body else ""
        named, merger = _trailers(body)
        when, request = _when(c.commit_time), _request(c.body)

        def make(name: str, email: str | None, source: str) -> Approval:
            return Approval(
                reviewer=self.staff.name(name, email), email=email, time=when, commit=c.sha, source=source,
                role=self.staff.role(name, email), authorized=self.staff.authorized(name, email),
                request=request, git_name=name,
            )

        out = [make(n, e, "trailer") for n, e in named if not self.staff.is_bot(n, e)]
        if is_merge:
            if merger is None and not self.staff.is_bot(c.author, c.email):
                merger = (c.author, c.email or None)
            if merger is not None and not self.staff.is_bot(*merger):
                m = make(merger[0], merger[1], "merge")
                if not any(a.reviewer == m.reviewer for a in out):
                    out.append(m)
        return out

    def _apply_mainline(self, c, files, is_boundary, is_merge, present, approvals, amended,
                        reviews: bool = True) -> None:
        """One main-line commit: reviewed commits approve what they bring, others amend it."""
        for status, path, old in files:
            if old is not None:
                present.discard(old)
                if old in approvals:
                    approvals[path] = approvals.pop(old)
                if old in amended:
                    amended[path] = amended.pop(old)
            if status == "D":
                present.discard(path)
                approvals.pop(path, None)
                amended.pop(path, None)
            else:
                present.add(path)
        if is_boundary:
            return  # parents unknown: cannot tell whether this was a review
        appr = self._approvers(c, is_merge) if reviews and c is not None else []
        for status, path, _ in files:
            if status == "D" or status == "R":  # deleted, or moved unchanged: nothing to review
                continue
            if appr:
                approvals.setdefault(path, []).extend(appr)
                amended[path] = False
            elif path in approvals:
                amended[path] = True

    # -- cache

    def _cache_key(self) -> str:
        """Everything besides the commits that the state depends on; HEAD is kept inside the state."""
        shallow = ",".join(sorted(self._shallow_commits))
        names = ",".join(sorted(self._main_names()))
        raw = f"{_CACHE_FORMAT}\0{self.records_dir}\0{self.staff.fingerprint}\0{shallow}\0{names}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def _cache_dir(self) -> Path:
        return self.root / CACHE_DIR

    def _cache_read(self, key: str) -> dict | None:
        """The last run's state as data, or None when it is missing, for other inputs, or damaged."""
        try:
            raw = (self._cache_dir() / _CACHE_FILE).read_bytes()
            head, _, body = raw.partition(b"\n")
            meta = json.loads(head)
            if meta.get("format") != _CACHE_FORMAT or meta.get("key") != key:
                return None
            if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
                return None
            data = json.loads(body)
            return data if isinstance(data, dict) else None
        except Exception:  # noqa: BLE001 - missing, stale, truncated or tampered: recompute
            return None

    def _cache_write(self, key: str, state: "_State") -> None:
        """Best effort, atomic (a temporary file renamed over the old one): a read-only checkout must
        still build, only slower, and a run killed while writing leaves the previous file."""
        directory = self._cache_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# huifang 缓存，不要提交，可以随时删除\n*\n", encoding="utf-8")
            body = json.dumps(state.to_data(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            meta = json.dumps({"format": _CACHE_FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()})
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".provenance-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(meta.encode("ascii") + b"\n" + body)
                os.replace(tmp, directory / _CACHE_FILE)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            for old in directory.glob("provenance-*.pickle"):  # earlier versions' cache: never read
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
        return [(ch, self._blob(f"{ch.commit}:{ch.path or path}") or "") for ch in prov.changes]

    def diffs(self, path: str) -> list[tuple[Change, str]]:
        """Unified diff of each change against its commit's first parent (the real edit)."""
        prov = self.provenance().get(path)
        if prov is None or self._repo is None:
            return []
        out: list[tuple[Change, str]] = []
        for ch in prov.changes:
            here, before = ch.path or path, ch.old_path or ch.path or path
            new = self._blob(f"{ch.commit}:{here}")
            old = self._blob(f"{ch.commit}^:{before}")
            diff = difflib.unified_diff(
                _lines(old),
                _lines(new),
                fromfile=f"a/{before}" if old is not None else "/dev/null",
                tofile=f"b/{here}" if new is not None else "/dev/null",
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
