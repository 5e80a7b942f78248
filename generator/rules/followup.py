"""Which event met a duty, and was it on time: one answer for every follow-up rule.

A follow-up duty starts at an instant (a completion, a resolution, a dissatisfied visit, a
promise) and is met by the FIRST later event that satisfies it — of the kind the clause names
(a callback, a revisit with a verdict, a reply, an escalation), in the method it allows. A visit
that did not reach the customer (空号, wrong number, nobody home: `reachable: false`) is a failed
attempt: it is recorded, named on the due list, and never meets a duty.  The meeting event's time
is then compared with the deadline through `Context.deadline`: on time nothing, late a finding
that says how late (a late fix never erases the breach), none yet an open item that becomes an
overdue finding once the deadline has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable

from ..dates import fact_instant, local_date
from ..load import Record


def reached(event) -> bool:
    """A visit reached the customer unless it says `reachable: false` (other events always count)."""
    return not (isinstance(event, Record) and event.kind.name == "visit" and event.get("reachable", True) is False)


def about(record: Record) -> Callable[[Record], bool]:
    """Whether a visit is about `record`: its `related` names it, or an order or complaint `record`
    itself follows up. A visit to the same customer on another matter is not (V-NEW-01, E-FB-02)."""
    case = {record.id} | set(record.get("related", []))
    return lambda w: bool(case & set(w.get("related", [])))


def visit_time(v: Record) -> datetime:
    return v["date"]


@dataclass(frozen=True)
class Met:
    """The first event that met a duty (None: not met yet), when, and the failed attempts before it."""

    event: object | None
    at: datetime | date | None
    failed: tuple[Record, ...] = ()

    def note(self) -> str:
        """'（其间 2 次没有联系上：HF-…（空号）…）' for messages and the due list; '' without failures."""
        if not self.failed:
            return ""
        listed = "、".join(f"{v.id}（{v['contact_problem'] or '没有联系上'}，{local_date(v['date'])}）"
                          for v in self.failed[:5])
        more = f" 等 {len(self.failed)} 次" if len(self.failed) > 5 else f" 共 {len(self.failed)} 次"
        return f"（其间没有联系上客户：{listed}{more}，不算完成）"


def first_meeting(events: Iterable, *, since: datetime | date | None = None, after: bool = False,
                  when: Callable = visit_time, meets: Callable | None = None) -> Met:
    """The first event at/after `since` (strictly after with `after=True`) that reached the customer
    and passes `meets`; failed attempts (unreachable visits) in that span are collected on the way."""
    start = fact_instant(since) if since is not None else None
    failed: list[Record] = []
    timed = [(fact_instant(t), i, e) for i, e in enumerate(events) if (t := when(e)) is not None]
    for t, _, e in sorted(timed, key=lambda x: (x[0], x[1])):
        if start is not None and (t < start or (after and t == start)):
            continue
        if not reached(e):
            failed.append(e)
            continue
        if meets is None or meets(e):
            return Met(e, when(e), tuple(failed))
    return Met(None, None, tuple(failed))


def judge(ctx, record: Record, key, due: datetime | date, met: Met, *, late: str, what: str,
          threshold: str | None = None) -> None:
    """The duty of `record` due at `due`, met by `met`: Context.deadline with the failed attempts named."""
    note = met.note()
    if met.event is not None and getattr(met.event, "id", None):
        what = f"{what}（{met.event.id}）"
    ctx.deadline(record, key, due, late + note, what + note, threshold=threshold, done=met.at)
