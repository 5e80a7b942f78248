"""Open-letter drafts: what the complaints of one issue say, for the portal and `huifang new letter --issue`.

A draft reads as a letter to owners: each building once, no internal record IDs in its body, the
title once. When the issue already has a letter, the draft answers only the complaints received after
the latest one (a follow-up letter), and says which letter it follows.
"""

from __future__ import annotations

import json
import re
from datetime import date

import yaml

from .dates import as_of_day
from .render import cut_address, render_letter_draft


def _day(value):
    return as_of_day(value) if hasattr(value, "hour") else value


def _buildings(addresses) -> list[str]:
    """Each building once (an address cut to its building; '3栋' and '3 栋' are the same building)."""
    seen: dict[str, str] = {}
    for a in addresses:
        b = cut_address(str(a))
        seen.setdefault(re.sub(r"\s+", "", b), b)
    return sorted(seen.values())


def later_complaints(analysis, issue: str) -> tuple[object | None, list]:
    """(the issue's latest letter, the complaints received after its date and not answered by it);
    (None, every complaint) when the issue has no letter yet."""
    rs = analysis.records
    complaints = rs.issues.get(issue, [])
    letters = sorted(rs.letters_by_issue.get(issue, []), key=lambda l: (str(l["date"]), l.id))
    if not letters:
        return None, list(complaints)
    last = letters[-1]
    answered = {x for l in letters for x in l.get("complaints", [])}
    day = _day(last["date"])
    return last, [c for c in complaints if c.id not in answered and c["received"] is not None
                  and day is not None and _day(c["received"]) > day]


def letter_draft(analysis, issue: str, day: date | None = None) -> dict:
    """The draft of a letter answering the complaints of `issue` (raw values; render masks them): all of
    them, or after a letter only those received since (a follow-up)."""
    rs = analysis.records
    last, complaints = later_complaints(analysis, issue)
    return {"issue": issue, "date": day or analysis.day,
            "complaints": [c.id for c in complaints],
            "descriptions": [c["description"] for c in complaints],
            "solutions": list(dict.fromkeys(c["solution"] or c["result"] for c in complaints
                                            if c["solution"] or c["result"])),
            "departments": sorted({c["department"] for c in complaints if c["department"]}),
            "buildings": _buildings(rs.by_id[c["customer"]]["address"] for c in complaints
                                    if c["customer"] in rs.by_id and rs.by_id[c["customer"]]["address"]),
            "count": len(complaints),
            "follows": {"title": last["title"], "date": _day(last["date"])} if last is not None else None}


def suggested(analysis) -> set[str]:
    """Issue keys V-OL-01 suggests a letter for (its findings are about the issue: their subject)."""
    return {f.subject for f in analysis.findings if f.rule == "V-OL-01" and f.subject}


def letter_draft_yaml(analysis, issue: str, rid: str, day: date, template_text: str) -> str:
    """A new letter record for `issue`, pre-filled from the portal's draft (huifang new letter --issue)."""
    d = letter_draft(analysis, issue, day)
    body = render_letter_draft(d, analysis.root)
    title = f"关于“{issue}”问题{'处理进展' if d['follows'] else '处理情况'}的公开信"
    lines = []
    for line in template_text.splitlines():
        key = line.split(":", 1)[0].strip() if ":" in line and not line.startswith((" ", "#", "-")) else None
        if key == "issue":
            line = f"issue: {_yaml_scalar(issue)}"
        elif key == "title":
            line = f"title: {_yaml_scalar(title)}"
        elif key == "body":
            line = "body: |\n" + "\n".join("  " + b if b else "" for b in body.rstrip("\n").splitlines())
            lines.append(line)
            lines.append("__SKIP_BLOCK__")
            continue
        elif key == "complaints":
            line = "complaints:\n" + "\n".join(f"  - {c}" for c in d["complaints"]) if d["complaints"] else line
            lines.append(line)
            lines.append("__SKIP_BLOCK__")
            continue
        lines.append(line)
    # drop the template's own continuation lines after a replaced block key
    out, skipping = [], False
    for line in lines:
        if line == "__SKIP_BLOCK__":
            skipping = True
            continue
        if skipping and (line.startswith(" ") or line.startswith("-") or not line.strip()):
            continue
        skipping = False
        out.append(line)
    text = "\n".join(out) + "\n"
    yaml.safe_load(text)  # never hand out a broken record
    return text


def _yaml_scalar(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)
