"""Open-letter drafts: what the complaints of one issue say, for the portal and `huifang new letter --issue`."""

from __future__ import annotations

import json
from datetime import date

import yaml

from .render import Address, render_letter_draft


def letter_draft(analysis, issue: str, day: date | None = None) -> dict:
    """The draft of a letter answering every complaint of `issue` (raw values; render masks them)."""
    rs = analysis.records
    complaints = rs.issues.get(issue, [])
    return {"issue": issue, "date": day or analysis.day,
            "complaints": [c.id for c in complaints],
            "descriptions": [c["description"] for c in complaints],
            "solutions": [c["solution"] or c["result"] for c in complaints if c["solution"] or c["result"]],
            "departments": sorted({c["department"] for c in complaints if c["department"]}),
            "buildings": sorted({Address(rs.by_id[c["customer"]]["address"] or "")
                                 for c in complaints if c["customer"] in rs.by_id
                                 and rs.by_id[c["customer"]]["address"]}),
            "count": len(complaints)}


def suggested(analysis) -> set[str]:
    """Issue keys V-OL-01 suggests a letter for (its findings are about the issue: their subject)."""
    return {f.subject for f in analysis.findings if f.rule == "V-OL-01" and f.subject}


def letter_draft_yaml(analysis, issue: str, rid: str, day: date, template_text: str) -> str:
    """A new letter record for `issue`, pre-filled from the portal's draft (huifang new letter --issue)."""
    d = letter_draft(analysis, issue, day)
    body = render_letter_draft(d, analysis.root)
    title = f"关于“{issue}”问题处理情况的公开信"
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
