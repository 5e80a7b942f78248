"""Personal numbers in free text: mainland mobile and landline numbers in every common spelling, and
room numbers after a building. One set of patterns serves both the portal (render masks them) and
`check` (a rule warns where they were typed into free text instead of the structured field).

Spellings covered: separators (space, -, ., ·), +86 / 86 / 0086 in front, full-width digits,
landlines with an area code (0571-8765 4321, (0571)87654321, 010 8765 4321); rooms after
幢/栋/号楼/座/单元 (1幢2602, 3栋2单元601), before 室 (楼上2702室) and as 3-2-601.
"""

from __future__ import annotations

import re

_D = "[0-9０-９]"
_SEP = r"[ \u3000\-－.．·]?"  # at most one separator between groups
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９])"

MOBILE = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"(?P<cc>(?:(?:\+|＋|00|００)[ \u3000]?)?[8８][6６][ \u3000\-－]?)?"
    + rf"(?P<a>[1１][3-9３-９]{_D}){_SEP}(?P<b>{_D}{{4}}){_SEP}(?P<c>{_D}{{4}})"
    + _NOT_DIGIT_AFTER)
# area code 0xx / 0xxx, then a 7- or 8-digit subscriber number (optionally split 3/4 or 4/4)
LANDLINE = re.compile(
    _NOT_DIGIT_BEFORE
    + rf"(?P<area>[(（]?[0０][1-9１-９]{_D}{{1,2}}[)）]?)[ \u3000\-－]?"
    + rf"(?P<s1>[1-9１-９]{_D}{{2,3}}){_SEP}(?P<s2>{_D}{{4}})"
    + _NOT_DIGIT_AFTER)
# a room number: 3-4 digits after a building/unit word, or before 室, or the last part of 3-2-601
ROOM = re.compile(
    rf"(?P<pre>(?:幢|栋|号楼|座|单元)[ \u3000\-－]?)(?P<room>{_D}{{3,4}})(?![0-9０-９]|\s*(?:单元|层|楼|栋|幢|座|号楼))"
    rf"|(?P<room2>{_D}{{3,4}})(?P<post>\s*室)"
    rf"|(?<![0-9０-９\-－])(?P<bu>{_D}{{1,2}}[\-－]{_D}{{1,2}}[\-－])(?P<room3>{_D}{{3,4}})(?![0-9０-９\-－])")

_FULL = str.maketrans("０１２３４５６７８９＋－（）", "0123456789+-()")


def _ascii(s: str) -> str:
    return s.translate(_FULL)


def _mobile(m: re.Match) -> str:
    cc = _ascii(m["cc"] or "")
    return f"{cc}{_ascii(m['a'])}****{_ascii(m['c'])}"


def _landline(m: re.Match) -> str:
    area = _ascii(m["area"])
    return f"{area}{'' if area.endswith(')') else '-'}****{_ascii(m['s2'])}"


def _room(m: re.Match) -> str:
    if m["room"] is not None:
        return f"{m['pre']}***"
    if m["room2"] is not None:
        return f"***{m['post']}"
    return f"{m['bu']}***"


# Every pattern above needs three digits in a row: text without them has nothing to mask (most of a
# portal's values: names, sentences), and one search tells.
_THREE_DIGITS = re.compile(f"{_D}{{3}}")


def mask_private(s: str, landlines: bool = True) -> str:
    """Mobile and landline numbers as 139****8848 / 0571-****4321, room numbers as ***.
    `landlines=False` for the organisation's own text (an open letter's service number)."""
    if not _THREE_DIGITS.search(s):
        return s
    s = MOBILE.sub(_mobile, s)
    if landlines:
        s = LANDLINE.sub(_landline, s)
    return ROOM.sub(_room, s)


def find_private(s: str) -> list[tuple[str, str]]:
    """What mask_private would hide, as (kind, text) with kind 'phone' or 'room' — for check's warning.
    A room is quoted with the building before it (1幢2602), so the masked quote still says where."""
    out = []
    for pattern, kind in ((MOBILE, "phone"), (LANDLINE, "phone"), (ROOM, "room")):
        for m in pattern.finditer(s):
            start = m.start()
            if kind == "room":
                while start > 0 and s[start - 1] not in "，。；、,;:：\n（(" and m.start() - start < 6:
                    start -= 1
            out.append((kind, s[start:m.end()].strip()))
        s = pattern.sub(lambda m: " " * len(m[0]), s)
    return out


# Text fields that ARE the structured place for a phone or an address (never warned about).
STRUCTURED = {("customer", "phone"), ("customer", "address")}
# An open letter is the organisation's own text to owners: a landline there is its service number.
ORG_TEXT = {("letter", "body"), ("letter", "title")}
WHERE = {"phone": "电话请写在客户档案的“电话”（phone）字段", "room": "房号请写在客户档案的“地址”（address）字段"}
WHAT = {"phone": "电话号码", "room": "房号"}


def free_text_problems(kind, data: dict) -> list[tuple[tuple, str]]:
    """(key path, Chinese warning) for every free-text value of a record (a `model.Kind`) that holds a
    phone or room number. The number is quoted masked, so the warning itself publishes nothing."""
    out: list[tuple[tuple, str]] = []

    def walk(fields, values, path, titles):
        if not isinstance(values, dict):
            return
        for f in fields:
            v = values.get(f.name)
            if v is None:
                continue
            here, label = path + (f.name,), titles + (f.title,)
            if f.type == "text" and isinstance(v, str) and (kind.name, f.name) not in STRUCTURED:
                check(v, here, label, f.name, org=(kind.name, f.name) in ORG_TEXT)
            elif f.type == "object":
                walk(f.fields, v, here, label)
            elif f.type == "list" and isinstance(v, list) and f.item is not None:
                for i, item in enumerate(v):
                    if f.item.type == "object":
                        walk(f.item.fields, item, here + (i,), label)
                    elif f.item.type == "text" and isinstance(item, str):
                        check(item, here + (i,), label, f.name)

    def check(value, path, titles, key, org=False):
        found = [(k, t) for k, t in find_private(value) if not (org and k == "phone" and not MOBILE.search(t))]
        for what in ("phone", "room"):
            hits = [mask_private(t) for k, t in found if k == what]
            if hits:
                out.append((path, f"{'·'.join(titles)}（{key}）里写了{WHAT[what]} {'、'.join(hits)}："
                                  f"{WHERE[what]}；门户会把自由文字里的{WHAT[what]}隐去"))

    walk(kind.fields, data, (), ())
    return out
