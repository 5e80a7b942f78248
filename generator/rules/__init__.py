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

import sys
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


def run(records: RecordSet, config: Config, as_of: datetime | date, calendar: Calendar | None = None,
        provenance: dict | None = None, only: Iterable[str] | None = None, staff=None) -> Context:
    """Apply every enabled rule at the as-of instant; a rule that fails becomes a finding, never a traceback.

    Returns the Context: its `outcome` holds findings, open items and figures, its `memo` what
    the areas computed once for everyone (the equipment schedule)."""
    if calendar is None:
        calendar = Calendar(config.days_off, config.workdays, config.years)
    ctx = Context(records, config, as_of, calendar, provenance, staff)
    selected = set(only) if only else None
    for r in all_rules():
        sw = config.rules.get(r.id)
        if r.check is None or (sw and not sw.enabled) or (selected and r.id not in selected):
            continue
        ctx.current = r
        try:
            r.check(ctx)
        except Exception as e:  # a bug in one rule must not hide the others: one INTERNAL finding, no traceback
            tb = e.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb is not None else "?"
            print(f"huifang: 内部错误：规则 {r.id} 出错（{type(e).__name__}，{where}），本次检查结果不完整。",
                  file=sys.stderr)
            ctx.outcome.findings.append(Finding(
                INTERNAL, "error", None, None, None,
                f"规则 {r.id}（{r.title}）运行时出错（{type(e).__name__}，{where}），没有检查完，本次检查结果不完整；"
                f"请把这条信息反馈给维护人员。", subject=r.id))
    ctx.current = None
    ctx.outcome.open_items.sort(key=lambda o: (o.due_at, o.record, o.rule))
    return ctx


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
