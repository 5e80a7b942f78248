"""Changes: what one commit changed in a record, field by field, in words a reader follows.

A record page shows its history as a list — field, old value, new value — instead of a YAML diff.
Both versions are parsed with the loader's safe parser; values stay raw (render formats, masks and
escapes them), so a phone number in an old version is as masked as in the current one.
"""

from __future__ import annotations

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
            out.append({"field": label, "key": f.name, "old": removed or None, "new": added or None})
        else:
            out.append({"field": label, "key": f.name, "old": a, "new": b})
