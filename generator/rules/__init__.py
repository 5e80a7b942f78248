"""The rules: every rule of PROCEDURES.md as data plus one small function.

A rule is registered with `@rule(...)` in the module of its procedure area
(visits.py = V, callbacks.py = W, equipment.py = E, complaints.py = C,
response.py = T, scales.py = S/K), or in the module of the facts it reads:
duties.py (plans, recurring duties and reports), orders.py (work orders and their callbacks),
intake.py (complaint intake and handling), conduct.py (how and by whom visits are made);
each of these lists its rule IDs at the top. followup.py decides, for every follow-up
rule, which later event met a duty and whether in time. Rules that cannot be checked from records are
listed with `catalogue(...)` and the reason. `run()` judges all records at one as-of
instant and returns findings, open items (duties with a due time) and period figures.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from ..config import Config
from ..dates import Calendar
from ..findings import Finding
from ..load import RecordSet
from . import (callbacks, complaints, conduct, duties, equipment, intake, orders, response,  # noqa: F401
               scales, visits)  # (importing the modules registers the rules)
from .engine import (AREAS, MUST, REGISTRY, SCOPES, Context, Figure, OpenItem, Outcome, Rule, catalogue,
                     months_of, rule)

__all__ = ["INTERNAL", "AREAS", "MUST", "REGISTRY", "SCOPES", "Context", "Figure", "OpenItem", "Outcome", "Rule",
           "all_rules", "catalogue", "check_config_rules", "months_of", "rule", "run", "threshold_for",
           "unknown_rule_ids"]

INTERNAL = "INTERNAL"  # the rule id of the one finding a rule that raised leaves; the report is incomplete


def all_rules() -> list[Rule]:
    order = list(AREAS)
    return sorted(REGISTRY.values(), key=lambda r: (order.index(r.area) if r.area in order else 99, r.id))


PARALLEL_MIN = 20_000  # records before a second process pays for itself (a fork costs ~0.05 s)
_AHEAD_AREA = "V"  # the area a forked child judges while this process judges the others (about half the time)


def run(records: RecordSet, config: Config, as_of: datetime | date, calendar: Calendar | None = None,
        provenance: dict | None = None, only: Iterable[str] | None = None, staff=None) -> Context:
    """Apply every enabled rule at the as-of instant; a rule that fails becomes a finding, never a traceback.

    Returns the Context: its `outcome` holds findings, open items and figures, its `memo` what
    the areas computed once for everyone (the equipment schedule). On a large repository one area's
    rules run in a forked copy of this process (the other core) while this one runs the rest; the
    outcome is the same, in the same order, as when they run one after another."""
    if calendar is None:
        calendar = Calendar(config.days_off, config.workdays, config.years)
    ctx = Context(records, config, as_of, calendar, provenance, staff)
    selected = set(only) if only else None
    todo = [r for r in all_rules() if r.check is not None and (selected is None or r.id in selected)
            and not (config.rules.get(r.id) and not config.rules[r.id].enabled)]
    ahead = [r for r in todo if r.area == _AHEAD_AREA]
    rest = [r for r in todo if r.area != _AHEAD_AREA]
    child = _Forked.start(ctx, ahead) if len(records) >= PARALLEL_MIN and ahead and rest else None
    if child is None:
        parts = [_judge(ctx, todo)]
    else:
        mine = _judge(ctx, rest)
        parts = [child.result() or _judge(ctx, ahead), mine]  # a child that failed: judge its rules here
    ctx.outcome = Outcome([f for o, _ in parts for f in o.findings], [i for o, _ in parts for i in o.open_items],
                          [g for o, _ in parts for g in o.figures])
    for _, said in parts:
        for line in said:
            print(line, file=sys.stderr)
    ctx.current = None
    ctx.outcome.open_items.sort(key=lambda o: (o.due_at, o.record, o.rule))
    return ctx


def _judge(ctx: Context, todo: list[Rule]) -> tuple[Outcome, list[str]]:
    """Run `todo` in order into a fresh outcome; a rule that raises leaves one INTERNAL finding and a
    line for stderr (returned, so that both processes' lines come out in rule order)."""
    ctx.outcome = Outcome()
    said: list[str] = []
    for r in todo:
        ctx.current = r
        try:
            r.check(ctx)
        except Exception as e:  # a bug in one rule must not hide the others: one INTERNAL finding, no traceback
            tb = e.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb is not None else "?"
            said.append(f"huifang: 内部错误：规则 {r.id} 出错（{type(e).__name__}，{where}），本次检查结果不完整。")
            ctx.outcome.findings.append(Finding(
                INTERNAL, "error", None, None, None,
                f"规则 {r.id}（{r.title}）运行时出错（{type(e).__name__}，{where}），没有检查完，本次检查结果不完整；"
                f"请把这条信息反馈给维护人员。", subject=r.id))
    return ctx.outcome, said


class _Forked:
    """Rules judged in a forked copy of this process; its outcome comes back through a pipe.

    The copy shares the loaded records (copy-on-write; they were frozen out of the cycle collector)
    and sends back only findings, open items and figures: our own objects between our own processes,
    never read from a file. Anything going wrong (no fork on this system, other threads running, the
    child killed) makes `start` or `result` give None, and the caller judges those rules itself."""

    def __init__(self, pid: int, fd: int):
        self.pid, self.fd = pid, fd

    @classmethod
    def start(cls, ctx: Context, todo: list[Rule]) -> "_Forked | None":
        if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
            return None
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        if pid == 0:  # the child: judge, send, and leave without running the parent's exit handlers
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(_judge(ctx, todo), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        return cls(pid, read)

    def result(self) -> tuple[Outcome, list[str]] | None:
        try:
            with os.fdopen(self.fd, "rb") as got:
                data = got.read()
        finally:
            _, status = os.waitpid(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            outcome, said = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a truncated message: judge here instead
            return None
        return (outcome, said) if isinstance(outcome, Outcome) else None


def unknown_rule_ids(config: Config) -> list[str]:
    return sorted(set(config.rules) - set(REGISTRY))


def check_config_rules(config: Config) -> list[str]:
    """Chinese problems with the rules section of the config (unknown ids, illegal downgrades), with lines."""
    problems = []
    for rid, sw in config.rules.items():
        r = REGISTRY.get(rid)
        where = config.where("rules", rid)
        if r is None:
            problems.append(f"{where}：rules 里的“{rid}”不是已知的规则编号（用 huifang rules 查看）。")
        elif sw.severity and sw.severity != "error" and r.default_severity == "error" and not r.downgradable:
            problems.append(f"{where}：规则 {rid} 的依据是“{r.modal}”，不能降级，只能在写明原因后关闭。")
    return problems


def threshold_for(r: Rule, config: Config) -> str:
    text = config.describe(r.param) if r.param else ""
    if r.id in duties.SINCE_RULES:
        day = str(config.threshold("facts_since") or "")
        note = f"自 {day} 起检查（facts_since）" if day else "设置 facts_since 后检查"
        text = f"{text}；{note}" if text else note
    return text
