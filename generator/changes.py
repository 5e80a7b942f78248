"""Changes: what one commit changed in a record, field by field, in words a reader follows.

A record page shows its history as a list — field, old value, new value, who, when and who approved
it — instead of a YAML diff.
Both versions are parsed with the loader's safe parser; values stay raw (render formats, masks and
escapes them), so a phone number in an old version is as masked as in the current one.
"""

from __future__ import annotations

from datetime import datetime

from . import model
from .load import parse


def _titles(fields) -> dict[str, "model.Field"]:
    return {f.name: f for f in fields}


def _same(a, b) -> bool:
    return a == b or (a in (None, "", [], {}) and b in (None, "", [], {}))


def field_changes(kind: "model.Kind", before: str | None, after: str | None) -> list[dict]:
    """[{"field": Chinese label, "key": the key, "old": value or None, "new": value or None}] from one version of a
    record file to the next, in the model's field order; a list shows the items added and removed,
    an object (review, satisfaction) its changed keys. A file that does not parse changes nothing here."""
    old = (parse(before).data if before else None) or {}
    new = (parse(after).data if after else None) or {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    out: list[dict] = []
    _compare(kind.fields, old, new, (), out)
    known = {f.name for f in kind.fields}
    for key in sorted((set(old) | set(new)) - known, key=str):
        if not _same(old.get(key), new.get(key)):
            out.append({"field": str(key), "key": str(key), "old": old.get(key), "new": new.get(key)})
    return out


def titled(f: "model.Field", value):
    """A value with the Chinese titles of its nested keys (an action reads 时间、经办人、动作, not at, by, action)."""
    if f.type == "object" and isinstance(value, dict) and f.fields:
        known = {c.name: c for c in f.fields}
        return {(known[k].title if k in known else k): titled(known[k], v) if k in known else v
                for k, v in value.items() if v is not None}
    if f.type == "list" and isinstance(value, list) and f.item is not None:
        return [titled(f.item, v) for v in value]
    return value


def approver_of(change, approvals) -> "object | None":
    """The review that brought a change onto the main line: the first approval (oldest first) made at or
    after the change; None when the change was never approved (made after the last approval)."""
    when = getattr(change, "time", None)
    for a in approvals or ():
        if a.commit == getattr(change, "commit", None) or (isinstance(when, datetime) and a.time >= when):
            return a
    return None


def _compare(fields, old: dict, new: dict, titles: tuple, out: list) -> None:
    for f in fields:
        a, b = old.get(f.name), new.get(f.name)
        if _same(a, b):
            continue
        label = "·".join(titles + (f.title,))
        if f.type == "object" and isinstance(a or {}, dict) and isinstance(b or {}, dict) and f.fields:
            _compare(f.fields, a or {}, b or {}, titles + (f.title,), out)
        elif f.type == "list" and isinstance(a or [], list) and isinstance(b or [], list):
            a, b = a or [], b or []
            removed = [x for x in a if x not in b]
            added = [x for x in b if x not in a]
            out.append({"field": label, "key": f.name, "old": titled(f, removed) or None,
                        "new": titled(f, added) or None})
        else:
            out.append({"field": label, "key": f.name, "old": titled(f, a), "new": titled(f, b)})
