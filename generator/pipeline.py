"""The pipeline: load → validate → provenance → rules → one `Analysis` for one as-of instant.

Everything downstream — the `check` report, the export, every page — reads the Analysis and
never recomputes a figure, a schedule or a status, re-reads the configuration or reads the clock.
"""

from __future__ import annotations

import gc
import io
import subprocess
import tarfile
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import git

from . import results, site
from .config import CONFIG_FILE, Config, ConfigError, load_config
from .dates import AsOfError, Calendar, as_of_day, as_of_instant, fact_instant, show_instant
from .findings import Explanation, Finding, sort_findings
from .history import History, Staff
from .load import RECORDS_DIR, Entry, Record, RecordSet, Snapshot, load, snapshot
from .pages import portal_stream
from .render import render
from .reports import Reports, compute
from .rules import INTERNAL, Figure, OpenItem, Outcome, check_config_rules, run
from .rules.duties import SINCE_RULES
from .rules.equipment import Plan, plans

FUTURE = "FUTURE"  # pseudo rule id of records dated after the as-of instant


@dataclass
class Analysis:
    """Everything one run knows, computed once: records, findings, open items, period figures, plans.

    `as_of` is the instant judged at; `records` are the records in the analysis (those dated
    after the instant are left out and listed in `future`); `n_files` counts every record file
    read, also broken ones.
    """

    root: Path
    config: Config
    as_of: datetime
    records: RecordSet
    findings: list[Finding]
    outcome: Outcome
    plans: dict[str, list[Plan]] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    history_warnings: list[str] = field(default_factory=list)
    future: list[Record] = field(default_factory=list)
    n_files: int = 0

    @property
    def day(self) -> date:
        """The Shanghai day of the as-of instant."""
        return as_of_day(self.as_of)

    @property
    def open_items(self) -> list[OpenItem]:
        return self.outcome.open_items

    @property
    def figures(self) -> list[Figure]:
        return self.outcome.figures

    @cached_property
    def reports(self) -> Reports:
        """The months' figures and reports, computed once from this analysis (pages and export share them)."""
        return compute(self)


def analyse(root: Path, as_of: datetime | date | str | None = None, *, with_history: bool = True,
            only_rules=None, provenance: dict | None = None, snap: Snapshot | None = None,
            cache_home: Path | None = None, fetch=None) -> Analysis:
    """load → validate → provenance → rules. Raises ConfigError for an unusable huifang.yml.

    `as_of` is decided here once (a date means the end of that day, None means now) and passed down.
    `provenance` given means: use it instead of reading git (the BASE of `check --changed`);
    `snap`: records/ as the caller already scanned it (for the result cache's key); `cache_home`: the
    repository whose parse cache serves the files (root is a snapshot of one of its revisions) and
    `fetch` writes the files it lacks (see load.load).
    """
    config = load_config(root)
    problems = check_config_rules(config)
    if problems:
        raise ConfigError("\n".join(problems))
    instant = as_of_instant(as_of)
    years = (int(config.threshold("year_min")), int(config.threshold("year_max")))
    if not years[0] <= as_of_day(instant).year <= years[1]:
        raise AsOfError(f"--as-of {show_instant(instant)} 不在 {years[0]}–{years[1]} 年之间"
                        f"（可在 huifang.yml 的 thresholds.year_min / year_max 调整）。")
    staff, warnings = _staff(root)
    if not str(config.threshold("facts_since") or "").strip():
        warnings.append(f"huifang.yml 没有设置 facts_since：要求计划、定期工作、报告和新增事实的 {len(SINCE_RULES)} 条规则"
                        f"还没有检查；写上开始在 huifang 登记这些事实的日期（例如 2026-12-01），从那天起检查。")
    # git reads the history (its own process, the other core) while this one parses the records
    with ThreadPoolExecutor(1) as pool, _no_collection():
        history = pool.submit(_provenance, root, staff) if with_history and provenance is None and staff is not None \
            else None
        loaded, findings = load(root, years, snap, cache_home, fetch)
        provenance, more = history.result() if history else (provenance or {}, [])
        warnings += more
    records, future = _until(loaded, instant)
    findings += [_future_finding(r, instant) for r in future]
    ctx = run(records, config, instant, Calendar(config.days_off, config.workdays, config.years), provenance,
              only_rules, staff=staff)
    found = _explained(records, findings + ctx.outcome.findings)
    return Analysis(root, config, instant, records, sort_findings(found), ctx.outcome,
                    plans(ctx), provenance, warnings, future, len(loaded))


def _explained(records: RecordSet, findings: list[Finding]) -> list[Finding]:
    """Findings with the supervisor's explanation their record gives for that rule, shown beside them."""
    out = []
    for f in findings:
        r = records.by_id.get(f.record) if f.record else None
        given = [e for e in (r.get("explanations", []) if r is not None else []) if isinstance(e, dict)]
        e = next((e for e in given if e.get("rule") == f.rule), None)
        out.append(replace(f, explanation=Explanation(str(e["by"]), e["date"], str(e["reason"]))) if e else f)
    return out


def check_result(root: Path, as_of: datetime | date | str | None = None) -> results.Result:
    """What `check` of the whole work tree reports, from the result cache when nothing it depends on
    changed (generator/results.py), else from a full analysis (then stored)."""
    instant = as_of_instant(as_of)
    snap = snapshot(root) if as_of is not None else None
    key = results.worktree_key(root, instant, snap) if snap is not None else None
    got = results.get(root, key)
    if got is not None:
        return got
    got = _result(analyse(root, instant, snap=snap))
    _store(root, key, got, lambda: results.worktree_key(root, instant))
    return got


def _store(root: Path, key: str | None, result: results.Result, again) -> None:
    """Store a result whose inputs did not change while it was computed (the key is the same after)."""
    if key is None or any(f.rule == INTERNAL for f in result.findings):
        return  # a rule that raised: the report is incomplete and says so on stderr, run it again
    if again() == key:
        results.put(root, key, result)


@dataclass
class Change:
    """What a change does to the analysis: findings it creates and findings it resolves."""

    base: results.Result
    branch: results.Result
    created: list[Finding]
    resolved: list[Finding]

    @property
    def failing(self) -> list[Finding]:
        """Created errors that block: anything repairable, and history nobody has explained yet."""
        return [f for f in self.created if f.severity == "error" and (not f.history or f.explanation is None)]


def _identity(f: Finding) -> tuple:
    """What a finding is about, the same in both analyses: not its line (it moves when a file is
    edited) nor its message (counts and lists in it change when a neighbour is added)."""
    return (f.rule, f.severity, f.record or f.file, f.subject, f.period, f.status, f.due)


def _beyond(findings: list[Finding], other: list[Finding]) -> list[Finding]:
    """The findings of `findings` that `other` does not have, counted per identity; where several
    share an identity, the ones with the same message and records are matched first."""
    exact = Counter((_identity(f), f.message, f.related) for f in other)
    rest = []
    for f in findings:
        k = (_identity(f), f.message, f.related)
        if exact[k]:
            exact[k] -= 1
        else:
            rest.append(f)
    left = Counter(k[0] for k, n in exact.items() for _ in range(n))
    out = []
    for f in rest:
        k = _identity(f)
        if left[k]:
            left[k] -= 1
        else:
            out.append(f)
    return out


def compare(root: Path, rev: str, as_of: datetime | date | str | None = None) -> Change:
    """Analyse the records at git revision `rev` and as they are now (work tree), at one instant.

    Both sides use the work tree's provenance, so findings that come from git history only
    differ where the records do. Every finding the change creates or resolves is reported, on
    any record: a deleted callback leaves its order without one, a moved visit leaves its old
    customer short.

    Either side comes from the result cache when an earlier run judged the same inputs (with
    --as-of): the base tree is often the one an earlier `check` judged."""
    instant = as_of_instant(as_of)
    cached = as_of is not None
    snap = snapshot(root) if cached else None
    branch_key = results.worktree_key(root, instant, snap) if cached else None
    base_key = results.revision_key(root, rev, instant) if cached else None
    branch = results.get(root, branch_key)
    base = results.get(root, base_key)
    if base is None:
        provenance = None
        if branch is None:
            analysis = analyse(root, instant, snap=snap)
            branch = _result(analysis)
            _store(root, branch_key, branch, lambda: results.worktree_key(root, instant))
            provenance = analysis.provenance
            del analysis  # its records are not needed while the base is analysed (peak memory)
        else:
            staff, _ = _staff(root)
            provenance = _provenance(root, staff)[0] if staff is not None else {}
        with tempfile.TemporaryDirectory(prefix="huifang-base-") as tmp:
            dest = Path(tmp)
            tree = results.plain_tree(root, rev)
            if tree is None:  # links, odd files: written out and scanned like a work tree
                _snapshot(root, rev, dest)
                a = analyse(dest, instant, provenance=provenance)
            else:  # read through the work tree's parse cache by blob id: only what it lacks is written out
                blobs = dict(tree.files)
                _write_blobs(root, dest, [(n, b) for n, b in ((CONFIG_FILE, tree.config),
                                                              (results.STAFF_FILE, tree.staff)) if b != "-"])
                (dest / RECORDS_DIR).mkdir()
                a = analyse(dest, instant, provenance=provenance, cache_home=root,
                            snap=Snapshot([Entry(n) for n, _ in tree.files], [], blobs),
                            fetch=lambda rels: _write_blobs(root, dest, [(r, blobs[r]) for r in rels]))
        base = _result(a)
        _store(root, base_key, base, lambda: results.revision_key(root, rev, instant))
    elif branch is None:
        branch = _result(analyse(root, instant, snap=snap))
        _store(root, branch_key, branch, lambda: results.worktree_key(root, instant))
    return Change(base, branch, _beyond(branch.findings, base.findings), _beyond(base.findings, branch.findings))


def _result(analysis: Analysis) -> results.Result:
    return results.Result(analysis.n_files, analysis.findings, analysis.history_warnings)


def merge_base(root: Path, base: str) -> str:
    """The commit the work tree's branch left `base` at (check with history.changed_files first)."""
    repo = git.Repo(root, search_parent_directories=False)
    try:
        return repo.git.merge_base(base, "HEAD").strip()
    finally:
        repo.close()


def _snapshot(root: Path, rev: str, dest: Path) -> None:
    """records/, huifang.yml and staff.yml as they are at `rev`, written under `dest`."""
    repo = git.Repo(root, search_parent_directories=False)
    try:
        present = [p for p in (RECORDS_DIR, CONFIG_FILE, "staff.yml")
                   if repo.git.ls_tree("--name-only", rev, "--", p).strip()]
        if not present:
            (dest / RECORDS_DIR).mkdir()
            return
        data = repo.git.archive("--format=tar", rev, "--", *present, stdout_as_string=False)
    finally:
        repo.close()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    (dest / RECORDS_DIR).mkdir(exist_ok=True)


def _write_blobs(root: Path, dest: Path, files: list[tuple[str, str]]) -> None:
    """Write git blobs (repository path, blob id) under `dest`, all through one ``git cat-file --batch``."""
    if not files:
        return
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=root, input="".join(f"{b}\n" for _, b in files).encode(),
                          capture_output=True, check=True)
    out, at = proc.stdout, 0
    for rel, _ in files:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split(b" ")[2])
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out[header_end + 1:header_end + 1 + size])
        at = header_end + 1 + size + 1


# Dated facts inside a record (not deadlines such as reply_by): as of an earlier instant they had not
# happened yet. kind -> top-level keys, and (list key, item key) pairs.
FACTS = {
    "order": (("reported", "first_response"), ()),
    "complaint": (("first_response", "resolved"), (("actions", "at"),)),
    "visit": (("recorded", "reverified"), ()),
    "customer": ((), (("products", "shipped"), ("products", "energized"))),
}


def _until(records: RecordSet, instant: datetime) -> tuple[RecordSet, list[Record]]:
    """The records as known at the as-of instant: those dated at or after it are split off, and
    facts inside a record dated after it (a later reply, a closing, a review) are not known yet."""
    kept, future, changed = [], [], False
    for r in records.all:
        main = r.kind.main_date
        value = r[main] if main else None
        if isinstance(value, (date, datetime)) and fact_instant(value) >= instant:
            future.append(r)
            changed = True
            continue
        known = _known(r, instant)
        changed |= known is not r
        kept.append(known)
    return (RecordSet(kept) if changed else records), future


def _later(value, instant: datetime) -> bool:
    return isinstance(value, (date, datetime)) and fact_instant(value) >= instant


def _known(r: Record, instant: datetime) -> Record:
    """`r` without the facts dated at or after the instant (the same object when there are none)."""
    if not r.valid:
        return r
    keys, items = FACTS.get(r.kind.name, ((), ()))
    if not _any_later(r, keys, items, instant):
        return r  # the common case: nothing to take out, no copy
    data = dict(r)
    for k in keys:
        if _later(data.get(k), instant):
            data.pop(k)
    review = data.get("review")
    if isinstance(review, dict) and _later(review.get("date"), instant):
        data.pop("review")
    for lk, ik in items:
        rows = data.get(lk)
        if not isinstance(rows, list):
            continue
        if lk == "actions":
            data[lk] = [a for a in rows if not (isinstance(a, dict) and _later(a.get(ik), instant))]
        else:
            data[lk] = [{k: v for k, v in x.items() if not (k == ik and _later(v, instant))}
                        if isinstance(x, dict) else x for x in rows]
    if r.kind.name == "complaint":
        closing = [a for a in r["actions"] or [] if isinstance(a, dict) and a.get("action") == "结案"]
        if data.get("status") == "已结案" and closing and not any(a in data["actions"] for a in closing):
            data["status"] = "已解决" if data.get("resolved") else "处理中"
        if data.get("status") == "已解决" and r["resolved"] and not data.get("resolved"):
            data["status"] = "处理中"
    if dict.__eq__(data, r):
        return r
    known = Record(r.kind, r.id, r.path, data, r.lines)
    known.valid = r.valid
    return known


def _any_later(r: Record, keys, items, instant: datetime) -> bool:
    """Whether `_known` would take anything out of `r` (checked without copying it)."""
    if any(_later(r.get(k), instant) for k in keys):
        return True
    review = r.get("review")
    if isinstance(review, dict) and _later(review.get("date"), instant):
        return True
    for lk, ik in items:
        rows = r.get(lk)
        if isinstance(rows, list) and any(isinstance(x, dict) and _later(x.get(ik), instant) for x in rows):
            return True
    return False


def _future_finding(r: Record, instant: datetime) -> Finding:
    main = r.kind.main_date
    value = r[main]
    when = fact_instant(value).strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value.isoformat()
    return Finding(FUTURE, "info", r.path, r.line(main), r.id,
                   f"记录日期 {when} 晚于判断时间 {show_instant(instant)}，"
                   f"本次检查、待办和统计都不计入这条记录", subject=r.id)


@contextmanager
def _no_collection():
    """Load without Python's cycle collector, then freeze what was loaded.

    Records, provenance and their indexes are millions of small acyclic objects that live until the
    run ends; the collector would walk them again and again while they are made (more than half the
    time of loading 100,000 cached records) and in every later collection.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was:
            gc.enable()


def _staff(root: Path) -> tuple[Staff | None, list[str]]:
    try:
        return Staff.load(root), []
    except Exception as e:  # a broken staff file must not stop the check
        return None, [str(e)]


def _provenance(root: Path, staff: Staff) -> tuple[dict, list[str]]:
    with History(root, staff) as h:
        return h.provenance(), list(h.warnings)


def generate(root: Path, as_of=None) -> tuple[Analysis, dict[str, str]]:
    """analyse → page data → Markdown pages (keyed by their path in the docs folder)."""
    analysis = analyse(root, as_of)
    for w in analysis.history_warnings:
        site.say(f"提示：{w}")
    site.say(f"已读取 {analysis.n_files} 条记录，判断时间 {show_instant(analysis.as_of)}。")
    c = {"error": 0, "warning": 0, "info": 0}
    for f in analysis.findings:
        c[f.severity] += 1
    overdue = sum(1 for o in analysis.open_items if o.overdue)
    site.say(f"检查结果：{c['error']} 个错误，{c['warning']} 个警告，{c['info']} 条建议；"
             f"{len(analysis.open_items)} 项待办（其中 {overdue} 项已逾期），{len(analysis.figures)} 个期间指标。")
    # one page's data at a time; pages whose inputs are unchanged since the last build are not rendered again
    return analysis, render(portal_stream(analysis), site.templates_dir(root), root)
