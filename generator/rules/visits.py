"""V — visit planning, conduct and recording (PROCEDURES.md §2.A)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..workdays import local_date
from . import catalogue, rule


@rule("V-DAY-01", "回访当天记录（日清日结）", scope="record", modal="必须", source="000 P1 §4.3(3)",
      asks="回访记录必须在回访当天写好并提交（日清日结）", kinds=("visit",))
def same_day(ctx):
    grace = timedelta(hours=ctx.threshold("same_day_grace_hours"))
    for v in ctx.records.visits:
        visited = v["date"]
        if v["recorded"] is not None:
            when, key, how = v["recorded"], "recorded", "记录时间"
        else:
            prov = ctx.provenance.get(v.path)
            if prov is None or prov.first is None:
                continue  # not committed yet, or history cut by a shallow clone: no evidence either way
            when, key, how = prov.first.time, "date", "第一次提交到仓库的时间"
        deadline = datetime.combine(local_date(visited) + timedelta(days=1), datetime.min.time(), visited.tzinfo) + grace
        if when >= deadline:
            days = (local_date(when) - local_date(visited)).days
            ctx.finding(v, key, f"回访在 {local_date(visited)}，{how}却是 {local_date(when)}，晚了 {days} 天",
                        threshold="回访当天 24:00 前")
