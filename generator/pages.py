"""Pages: Analysis → plain page data for the portal (no text formatting, no escaping).

Every page is a `Page(path, template, title, data)`; `render` turns it into Markdown. Values stay
raw (dates, numbers, record text) so masking and escaping happen once, in render. Addresses are
tagged with `Address` so render knows to cut them to building level. Every figure, status,
schedule and verdict comes from the Analysis (the rules' findings, open items, figures and
plans) or from `reports` (computed once from it); nothing here counts, judges or reads the
configuration's defaults. Nothing here reads YAML; git is read only for the per-record version
history (`History.diffs`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from typing import Any, Iterator

from . import model
from .changes import approver_of, field_changes, titled
from .dates import as_of_day, month_key, show_instant
from .history import History
from .letters import later_complaints, letter_draft, suggested
from .render import Address, Page, Phone, Portal, record_anchor, record_page, week_label
from .reports import Share
from .rules import SCOPES, all_rules, threshold_for
from .rules.engine import responsible
from .rules.complaints import satisfaction as _satisfaction
# Complaint flow steps: (key, Chinese label, rules judged at that step).
FLOW = (
    ("intake", "受理", ("C-CLS-01", "T-RESP-01", "C-OFFH-01", "V-DUP-01", "K-CLASS-01")),
    ("validity", "投诉是否成立", ("C-VALID-01",)),
    ("department", "责任部门", ()),
    ("plan", "处理方案与批示", ("C-APPR-01",)),
    ("actions", "处理过程", ("C-FLOW-01", "C-ESC-01", "V-ESC-01", "T-RESP-03")),
    ("deadline", "答复期限与答复", ("C-DL-01", "V-100-01")),
    ("revisits", "回访", ("C-REV-01", "C-REV-02", "V-REP-01", "V-RATE-01", "S-SCALE-01", "E-FB-01")),
    ("closing", "结案", ("C-CLOSE-01", "V-ANON-01", "V-ANON-02")),
)
# Actions shown at their own step of the flow (the rest are the handling itself).
STEP_ACTIONS = {"受理": "intake", "转派": "department", "批示": "plan", "回复": "deadline", "结案": "closing"}


# How a record is named to a reader: its kind and date (回访 2026-08-17), the ID beside it.
SHORT_KIND = {"customer": "客户", "order": "完工单", "complaint": "投诉", "visit": "回访", "letter": "公开信",
              "plan": "计划", "duty": "定期工作", "report": "报告"}
# Kinds that are sections of their customer's archive (or of their month's page), not pages of their own:
# the portal grows with customers and months, not with records.
SECTION_KINDS = ("visit", "order")


HOME = ("首页", "index.md")
CUSTOMERS = ("客户档案", "customers/index.md")
MONTHS = ("月度合规", "months/index.md")
REPORTS = ("报告", "reports/index.md")


def main_date(r) -> Any:
    return r[r.kind.main_date] if r.kind.main_date else None


def _fig_dict(f) -> dict:
    return {"rule": f.rule, "period": f.period, "label": f.label, "numerator": f.numerator,
            "denominator": f.denominator, "value": f.value, "target": f.target, "op": f.op,
            "threshold": f.threshold, "passed": f.passed, "status": f.status, "scope": f.scope,
            "population": f.population, "offenders": list(f.offenders)}


def share_rows(shares: list[Share]) -> list[dict]:
    """A report's Shares as table rows: the value with its numerator and denominator, and what is counted."""
    return [{"label": x.item, "count": x.numerator, "total": x.denominator, "numerator": x.numerator,
             "denominator": x.denominator, "share": x.value, "value": x.value, "population": x.population,
             "rule": x.rule} for x in shares]


def share(x: Share) -> dict:
    return share_rows([x])[0] | {"label": x.label}


def due_value(instant: datetime | None):
    """A deadline as pages show it: the day for an end-of-day deadline, else the time."""
    if instant is None:
        return None
    return as_of_day(instant) if instant.timetz().replace(tzinfo=None) == time(0) else instant


def _finding_dict(f) -> dict:
    return {"rule": f.rule, "severity": f.severity, "file": f.file, "line": f.line, "record": f.record,
            "message": f.message, "clause": f.clause, "threshold": f.threshold, "status": f.status,
            "due": due_value(f.due), "period": f.period, "subject": f.subject, "history": f.history,
            "explanation": f.explanation}


def _item_dict(o) -> dict:
    return {"rule": o.rule, "record": o.record, "due": due_value(o.due_at), "due_at": o.due_at, "what": o.what,
            "customer": o.customer,
            "overdue": o.overdue, "days_overdue": o.days_overdue, "responsible": o.responsible}


class _Pages:
    def __init__(self, analysis):
        self.a = analysis
        self.reports = analysis.reports
        self.rs = analysis.records
        self.as_of = analysis.day
        self.now = analysis.as_of
        self.outcome = analysis.outcome
        self.months = self.reports.months
        self.place()
        self.findings_by_record: dict[str, list[dict]] = defaultdict(list)
        self.period_findings: list[dict] = []
        for f in analysis.findings:
            d = self.finding(f)
            if f.record:
                self.findings_by_record[f.record].append(d)
            elif f.file and f.file in self.rs.by_path:
                self.findings_by_record[self.rs.by_path[f.file].id].append(d)
            else:
                self.period_findings.append(d)
        self.items_by_record: dict[str, list[dict]] = defaultdict(list)
        for o in analysis.open_items:
            self.items_by_record[o.record].append(_item_dict(o))
        self.figures = analysis.figures
        self.history = None
        self._added: list | None = None
        self._letters_of: dict[str, list] | None = None
        self._added_of: dict[str, list] | None = None

    # -- where each record lives -----------------------------------------------------------
    def place(self) -> None:
        """Each record's place in the portal: customers, complaints, letters, plans, duties and reports
        have a page; a visit or an order is a section (anchor = its ID in lower case) of its customer's
        archive, or of its month's page when it names no customer that loaded."""
        self.where: dict[str, str] = {}
        self.sections: dict[str, list] = defaultdict(list)
        months = set(self.months)
        for r in self.rs.all:
            if not r.valid:
                continue
            kind = r.kind.name
            if kind in SECTION_KINDS:
                c = self.rs.by_id.get(r["customer"]) if r["customer"] else None
                target = None
                if c is not None and c.valid and c.kind.name == "customer":
                    target = record_page(c.id, "customer")
                elif main_date(r) is not None and month_key(main_date(r)) in months:
                    target = f"months/{month_key(main_date(r))}.md"
                if target is not None:
                    self.where[r.id] = f"{target}#{record_anchor(r.id)}"
                    self.sections[target].append(r)
                    continue
            self.where[r.id] = record_page(r.id, kind)

    def label(self, r) -> str:
        """A record as a reader names it: 回访 2026-08-17; a customer: 张明 · CUST-0001."""
        if r.kind.name == "customer":
            return f"{r['name']} · {r.id}" if r["name"] else r.id
        when = main_date(r)
        day = as_of_day(when) if isinstance(when, datetime) else when
        return f"{SHORT_KIND.get(r.kind.name, r.kind.title)} {day}" if day else f"{SHORT_KIND.get(r.kind.name, r.kind.title)} {r.id}"

    def finding(self, f) -> dict:
        """A finding as pages show it: where its record lives and who must act on it."""
        d = _finding_dict(f)
        r = self.rs.by_id.get(f.record) if f.record else (self.rs.by_path.get(f.file) if f.file else None)
        d["ref"] = self.ref(r.id) if r is not None else None
        d["who"] = responsible(r, self.a.provenance) if r is not None else None
        return d

    # -- helpers ---------------------------------------------------------------------------
    def fig(self, f) -> dict:
        d = _fig_dict(f)
        d["offenders"] = [self.ref(o) for o in d["offenders"]]
        return d

    def ref(self, rid: str | None) -> dict | None:
        """A link target for a record id: where it lives (page or section; none if it did not load) and
        how a reader names it (label), the ID kept beside it."""
        if not rid:
            return None
        r = self.rs.by_id.get(rid)
        if r is None:
            return {"id": rid, "page": None, "label": rid}
        return {"id": rid, "page": self.where.get(rid) if r.valid else None, "label": self.label(r),
                "kind": r.kind.name}

    def provenance(self, r) -> dict | None:
        p = (self.a.provenance or {}).get(r.path)
        if p is None:
            return None
        first = getattr(p, "first", None)
        appr = getattr(p, "approval", None)
        return {
            "submitter": getattr(p, "submitter", None) or (first.author if first else None),
            "submitted": first.time if first else None,
            "reviewer": appr.reviewer if appr else None,
            "approved": appr.time if appr else None,
            "amended": bool(getattr(p, "amended_after_approval", False)),
            "partial": bool(getattr(p, "partial", False)),
            "changes": len(getattr(p, "changes", []) or []),
        }

    def diffs(self, r) -> list[dict]:
        if self.history is None:
            return []
        try:
            out = []
            for ch, text in self.history.diffs(r.path):
                out.append({"author": ch.author, "time": ch.time, "message": ch.message,
                            "commit": ch.commit[:10], "diff": text})
            return out
        except Exception:  # history is a courtesy: never fail the build over it
            return []

    def changes(self, r) -> list[dict]:
        """Each commit that changed the record: who, when, and field / old value / new value."""
        if self.history is None:
            return []
        try:
            out, before = [], None
            prov = (self.a.provenance or {}).get(r.path)
            approvals = getattr(prov, "approvals", ()) or ()
            mine = self.history.provenance().get(r.path)
            if mine is not None and len(mine.changes) == 1:  # only the commit that added it: no text to compare
                ch = mine.changes[0]
                appr = approver_of(ch, approvals)
                return [{"author": ch.author, "time": ch.time, "approver": appr.reviewer if appr else None,
                         "approved": appr.time if appr else None,
                         "fields": [{"field": "新建记录", "key": None, "old": None, "new": None}]}]
            for ch, text in self.history.versions(r.path):
                appr = approver_of(ch, approvals)
                who = {"approver": appr.reviewer if appr else None, "approved": appr.time if appr else None}
                if before is None:  # the commit that added the file: its content is the page itself
                    out.append({"author": ch.author, "time": ch.time, **who, "fields": [
                        {"field": "新建记录", "key": None, "old": None, "new": None}]})
                else:
                    fields = [dict(c, old=self._tag(c["key"], c["old"]), new=self._tag(c["key"], c["new"]))
                              for c in field_changes(r.kind, before, text)]
                    if fields:
                        out.append({"author": ch.author, "time": ch.time, **who, "fields": fields})
                before = text
            return out
        except Exception:  # history is a courtesy: never fail the build over it
            return []

    def fields(self, r) -> list[dict]:
        """Every field of the record in model order (unknown keys last), value kept raw."""
        out = []
        known = r.kind.by_name
        for f in r.kind.fields:
            if f.name in r.data and r.data[f.name] is not None:
                out.append({"name": f.name, "title": f.title, "value": _titled(f, self._tag(f.name, r.data[f.name]))})
        for k in sorted(set(r.data) - set(known)):
            out.append({"name": k, "title": k, "value": r.data[k]})
        return out

    @staticmethod
    def _tag(name, value):
        if name == "address" and isinstance(value, str):
            return Address(value)
        if name == "phone" and isinstance(value, str):
            return Phone(value)
        return value

    def base(self, r) -> dict:
        return {"id": r.id, "kind": r.kind.name, "kind_title": r.kind.title, "path": r.path,
                "label": self.label(r), "when": main_date(r) if r.kind.main_date else None,
                "who": responsible(r, self.a.provenance),
                "findings": self.findings_by_record.get(r.id, []),
                "open_items": self.items_by_record.get(r.id, []),
                "provenance": self.provenance(r)}

    def customer_name(self, cid):
        c = self.rs.by_id.get(cid) if cid else None
        return c["name"] if c is not None else None

    # -- pages ---------------------------------------------------------------------------
    def stream(self) -> Iterator[Page]:
        """Every page, each handed over as soon as it is made: a caller that renders and drops each page
        holds one page's data at a time, not the whole portal's (100,000 records: gigabytes)."""
        try:
            self.history = History(self.a.root, cache=True)
            if getattr(self.history, "_repo", None) is None or self.history.head is None:
                self.history.close()
                self.history = None
        except Exception:
            self.history = None
        try:
            for step in (self.records_pages, self.customers, self.anonymous, self.issues, self.month_pages,
                         self.report_pages, self.rules_page, self.due_page, self.home, self.format_page):
                yield from step()
        finally:
            if self.history is not None:
                self.history.close()

    def run(self) -> Portal:
        return Portal(show_instant(self.now), sorted(self.stream(), key=lambda p: p.path))

    def added(self) -> list:
        """The plans, recurring duties and reports (kinds beyond the first five), by date then id
        (found once: customer and month pages ask for them again and again)."""
        if self._added is None:
            rows = [r for r in self.rs.all if r.kind.name in ("plan", "duty", "report") and r.valid]
            self._added = sorted(rows, key=lambda r: (str(main_date(r)), r.id))
        return self._added

    def customer_letters(self, cid: str) -> list:
        """The open letters that cover a customer (letter_customers), in the records' order; the map is
        made once (per customer it would read every letter's customers again)."""
        if self._letters_of is None:
            self._letters_of = defaultdict(list)
            for l in self.rs.letters:
                for x in self.letter_customers(l):
                    self._letters_of[x["id"]].append(l)
        return self._letters_of.get(cid, [])

    def customer_added(self, cid: str) -> list:
        """The plans, duties and reports that name a customer, in added() order (the map is made once)."""
        if self._added_of is None:
            self._added_of = defaultdict(list)
            for r in self.added():
                for c in dict.fromkeys(self.named_customers(r)):
                    self._added_of[c].append(r)
        return self._added_of.get(cid, [])

    @staticmethod
    def named_customers(r) -> list[str]:
        """Customers a plan (entries) or a duty (contacts) names."""
        rows = r.get("entries", []) + r.get("contacts", []) if r.kind.name in ("plan", "duty") else []
        return [x.get("customer") for x in rows if isinstance(x, dict) and x.get("customer")]

    def timeline_entry(self, r) -> dict:
        when = main_date(r)
        summary = {"order": lambda: f"{r['type'] or ''}完工单",
                   "complaint": lambda: r["description"],
                   "visit": lambda: f"{r['purpose'] or ''}（{r['method'] or ''}）",
                   "letter": lambda: r["title"],
                   "plan": lambda: f"{r['type'] or ''}（{week_label(str(r['period'] or ''))}）",
                   "duty": lambda: f"{r['type'] or ''}{'（' + r['festival'] + '）' if r['festival'] else ''}",
                   "report": lambda: f"{r['type'] or ''}（{week_label(str(r['period'] or ''))}）"}[r.kind.name]()
        return {"id": r.id, "kind": r.kind.name, "kind_title": r.kind.title, "when": when,
                "page": self.where.get(r.id), "label": self.label(r), "summary": summary,
                "who": responsible(r, self.a.provenance),
                "findings": self.findings_by_record.get(r.id, []),
                "open_items": self.items_by_record.get(r.id, []),
                "provenance": self.provenance(r)}

    def records_pages(self) -> Iterator[Page]:
        """A page for each record that is not a section (sections are made with their page)."""
        for r in self.rs.orders + self.rs.complaints + self.rs.visits + self.rs.letters + self.added():
            page, _, anchor = self.where[r.id].partition("#")
            if not anchor:
                d = self.record_data(r)
                yield Page(page, "record.md.j2", f"{d['label']} · {r.id}", d, self.crumbs_of(r))

    def section_data(self, page: str) -> list[dict]:
        """The records that are sections of `page` (a customer's archive, a month), by date then ID."""
        return sorted((self.record_data(r) for r in self.sections.get(page, [])),
                      key=lambda d: (str(d["when"]), d["id"]))

    def crumbs_of(self, r) -> list:
        """Breadcrumbs of a record's own page: through its customer's archive, the anonymous register,
        the issue groups (letters) or its month."""
        if r.kind.name == "complaint":
            c = self.rs.by_id.get(r["customer"]) if r["customer"] else None
            if c is not None and c.valid and c.kind.name == "customer":
                return [HOME, CUSTOMERS, (self.label(c), record_page(c.id, "customer")), (self.label(r), None)]
            return [HOME, CUSTOMERS, ("匿名投诉登记", "anonymous.md"), (self.label(r), None)]
        if r.kind.name == "letter":
            return [HOME, ("同一问题", "issues/index.md"), (self.label(r), None)]
        m = month_key(main_date(r)) if main_date(r) is not None else None
        if m in self.months:
            return [HOME, MONTHS, (m, f"months/{m}.md"), (self.label(r), None)]
        return [HOME, (self.label(r), None)]

    def record_data(self, r) -> dict:
        """Everything one record shows, on its page or as a section: fields, findings, open items,
        provenance once, changes as a list."""
        d = self.base(r)
        d["fields"] = self.fields(r)
        d["changes"] = self.changes(r)
        d["history"] = [] if d["changes"] else self.diffs(r)
        d["customer"] = self.ref(r["customer"])
        d["customer_name"] = self.customer_name(r["customer"])
        d["visits"] = [self.timeline_entry(v) for v in self.rs.visits_by_related.get(r.id, [])]
        if r.kind.name == "complaint":
            d["flow"] = self.complaint_flow(r)
            d["letters"] = [self.ref(l.id) for l in self.rs.letters if r.id in l.get("complaints", [])]
        if r.kind.name == "visit":
            d["phone"] = r["method"] == "电话"
            d["related"] = [self.ref(x) for x in r.get("related", [])]
            d["feedback"] = self.ref(r["feedback"])
            d["new_issues"] = [i for i in r.get("new_issues", []) if isinstance(i, dict)]
            d["review"] = r["review"] if isinstance(r["review"], dict) else None
        if r.kind.name == "letter":
            d["complaints"] = [self.ref(x) for x in r.get("complaints", [])]
            d["covered"] = self.letter_customers(r)
        if r.kind.name in ("plan", "duty", "report"):
            d["named"] = [self.ref(c) | {"name": self.customer_name(c)} for c in dict.fromkeys(self.named_customers(r))]
            d["linked"] = [self.ref(x) for x in r.get("related", []) + r.get("records", [])]
        d["anchor"] = self.where[r.id].partition("#")[2]
        return d

    def letter_customers(self, letter) -> list[dict]:
        ids = set()
        for cid in letter.get("complaints", []):
            c = self.rs.by_id.get(cid)
            if c is not None and c["customer"]:
                ids.add(c["customer"])
        for c in self.rs.issues.get(letter["issue"], []):
            if c["customer"]:
                ids.add(c["customer"])
        return [dict(self.ref(i), name=self.customer_name(i)) for i in sorted(ids)]

    def complaint_flow(self, c) -> list[dict]:
        """The complaint in the order it was handled (受理 → 是否成立 → 责任部门 → 方案与批示 → 处理过程 →
        答复 → 回访 → 结案), each fact once: every action at its own step, each revisit with its
        satisfaction, and the rules judged at each step named by their titles."""
        actions = [a for a in c.get("actions", []) if isinstance(a, dict)]

        def step(name):
            return [(a.get("action"), (a.get("at") if not (name == "intake" and a.get("at") == c["received"]) else None,
                                       a.get("by"), a.get("note")))
                    for a in actions if STEP_ACTIONS.get(a.get("action")) == name]
        revisits = self.rs.visits_by_related.get(c.id, [])
        fs = self.findings_by_record.get(c.id, [])
        by_step = {
            "intake": [("受理时间", c["received"]), ("渠道", c["channel"]), ("类型", c["type"]),
                       ("类别", c["category"]), ("紧急程度", c["urgency"]), ("受理部门", c["received_by"]),
                       ("同时受理的其他部门", "、".join(c.get("also_received_by", [])) or None)]
                      + step("intake") + [("首次答复时间", c["first_response"])],
            "validity": [("投诉是否成立", {True: "成立", False: "不成立"}.get(c["valid"]))],
            "department": [("责任部门", c["department"])] + step("department"),
            "plan": [("处理方案", c["solution"]), ("主管领导批示", c["approved_by"])] + step("plan"),
            "actions": [(a.get("action"), (a.get("at"), a.get("by"), a.get("note")))
                        for a in actions if a.get("action") not in STEP_ACTIONS] + [("问题程度", c["severity"])],
            "deadline": [("答复期限", c["reply_by"])] + step("deadline")
                        + [("复函", c["reply_letter"]), ("处理结果", c["result"])],
            "revisits": [],
            "closing": [("解决时间", c["resolved"]), ("状态", c["status"])] + step("closing"),
        }
        titles = {r.id: r.title for r in all_rules()}
        last, later = later_complaints(self.a, c["issue"]) if c["issue"] else (None, [])
        follow_up = {"letter": self.ref(last.id), "title": last["title"]} if last is not None and c in later else None
        out = []
        for key, label, rules in FLOW:
            rows = [{"label": k, "value": v} for k, v in by_step[key] if v not in (None, "", [])]
            links = []
            if key == "revisits":
                for v in revisits:
                    e = self.timeline_entry(v)
                    sat = _satisfaction(v, c)
                    links.append(e | {"summary": f"{e['summary']}，满意度：{sat}" if sat else e["summary"]})
            step_f = [f | {"rule_title": titles.get(f["rule"])} for f in fs if f["rule"] in rules]
            items = [o for o in self.items_by_record.get(c.id, []) if o["rule"] in rules]
            out.append({"key": key, "label": label, "rules": list(rules), "rows": rows, "visits": links,
                        "titles": {r: titles.get(r, r) for r in rules},
                        "follow_up": follow_up if key == "deadline" else None,
                        "findings": step_f, "open_items": items})
        return out

    def equipment(self, cust) -> list[dict]:
        """The customer's products with E-DEF-01's dates and the E-LC schedule, as the rules computed them."""
        plans = {p.product: p for p in self.a.plans.get(cust.id, [])}
        out = []
        for i, p in enumerate(cust.get("products", [])):
            if not isinstance(p, dict):
                continue
            plan = plans.get(i)
            rows = []
            for m in plan.milestones if plan else ():
                status = "late" if m.status == "done" and m.late else m.status
                rows.append({"label": m.label, "due": m.due, "window_end": m.window_end, "rule": m.rule,
                             "visit": self.ref(m.visit) if m.visit else None, "status": status,
                             "next": plan.next is m})
            out.append({"model": p.get("model"), "quantity": p.get("quantity"), "shipped": p.get("shipped"),
                        "energized": p.get("energized"), "supporting": bool(p.get("supporting")),
                        "trial_end": plan.terms.trial_end if plan else None,
                        "warranty_end": plan.terms.warranty_end if plan else None, "plan": rows})
        return out

    def customers(self) -> Iterator[Page]:
        major_min = self.a.config.threshold("major_customer_amount")
        index = []
        for c in self.rs.customers:
            entries = [self.timeline_entry(r) for r in self.rs.by_customer.get(c.id, [])]
            letters = self.customer_letters(c.id)
            entries += [self.timeline_entry(l) for l in letters]
            entries += [self.timeline_entry(r) for r in self.customer_added(c.id)]
            entries.sort(key=lambda e: (str(e["when"]), e["id"]))
            amount = c["contract_amount"]
            d = self.base(c)
            d.update({"name": c["name"], "class": c["class"], "type": c["type"], "phone": Phone(c["phone"] or ""),
                      "address": Address(c["address"] or ""), "region": c["region"], "amount": amount,
                      "major": isinstance(amount, (int, float)) and amount >= major_min, "major_min": major_min,
                      "equipment": self.equipment(c), "timeline": entries,
                      "letters": [self.ref(l.id) | {"title": l["title"]} for l in letters],
                      "items": sorted([o for e in entries for o in e["open_items"]] + d["open_items"],
                                      key=lambda o: (o["due_at"], o["record"], o["rule"])),
                      "n_findings": len(d["findings"]) + sum(len(e["findings"]) for e in entries),
                      "timeline_findings": Counter(f["severity"] for e in entries for f in e["findings"]),
                      "sections": self.section_data(record_page(c.id, "customer")),
                      "fields": self.fields(c), "changes": self.changes(c)})
            yield Page(record_page(c.id, "customer"), "customer.md.j2", d["label"], d,
                       [HOME, CUSTOMERS, (d["label"], None)])
            index.append({"id": c.id, "page": record_page(c.id, "customer"), "name": c["name"], "label": d["label"],
                          "class": c["class"], "region": c["region"], "major": d["major"],
                          "records": len(entries), "findings": d["n_findings"], "n_items": len(d["items"])})
        yield Page("customers/index.md", "customers_index.md.j2", "客户档案", {"customers": index})

    def anonymous(self) -> Iterator[Page]:
        rows = [self.timeline_entry(c) | {"status": c["status"], "result": c["result"],
                                          "reply_letter": c["reply_letter"]}
                for c in self.rs.complaints if not c["customer"]]
        yield Page("anonymous.md", "anonymous.md.j2", "匿名投诉登记", {"complaints": rows})

    def issues(self) -> Iterator[Page]:
        groups = []
        flagged = suggested(self.a)
        for key, complaints in self.rs.issues.items():
            owners = sorted({c["customer"] for c in complaints if c["customer"]})
            if len(complaints) < 2 and len(owners) < 2:
                continue
            letters = self.rs.letters_by_issue.get(key, [])
            g = {"key": key, "slug": _slug(key), "complaints": [self.timeline_entry(c) | {
                     "customer": self.ref(c["customer"]), "customer_name": self.customer_name(c["customer"]),
                     "status": c["status"]} for c in complaints],
                 "owners": [self.ref(o) | {"name": self.customer_name(o)} for o in owners],
                 "letters": [self.ref(l.id) | {"title": l["title"], "date": l["date"]} for l in letters],
                 "draft": None, "suggested": key in flagged}
            if (not letters and g["suggested"]) or (letters and later_complaints(self.a, key)[1]):
                g["draft"] = letter_draft(self.a, key)  # after a letter: a follow-up for the later complaints
                g["answers"] = [self.ref(x) for x in g["draft"]["complaints"]]
            groups.append(g)
        yield Page("issues/index.md", "issues.md.j2", "同一问题", {"groups": groups})

    # -- months and reports ----------------------------------------------------------------
    def trend(self, m: str) -> list[dict]:
        """The 12 months up to m: figures met of figures judged, per month (reports' MONTH shares)."""
        out = []
        y, mo = int(m[:4]), int(m[5:])
        for i in range(11, -1, -1):
            yy, mm = divmod(mo - 1 - i, 12)
            key = f"{y + yy:04d}-{mm + 1:02d}"
            month = self.reports.month.get(key)
            t = month.trend if month else None
            out.append({"month": key, "passed": t.numerator if t else 0, "total": t.denominator if t else 0,
                        "share": t.value if t else None, "status": month.status if month else None})
        return out

    def month_pages(self) -> Iterator[Page]:
        rows = []
        for m in self.months:
            mo = self.reports.month[m]
            by_rule: dict[str, list[dict]] = defaultdict(list)
            for f in mo.errors:
                by_rule[f.rule].append(self.finding(f))
            regions = [f for f in mo.figures if f.rule == "W-CB-01"]
            d = {"month": m, "status": mo.status,
                 "figures": [self.fig(f) for f in mo.figures if f.rule != "W-CB-01"],
                 "ytd": [self.fig(f) for f in mo.year_figures],
                 "missed": [self.fig(f) for f in mo.missed],
                 "n_errors": len(mo.errors),
                 "violations": [{"rule": k, "findings": v} for k, v in sorted(by_rule.items())],
                 "methods": share_rows(mo.methods), "purposes": share_rows(mo.purposes),
                 "satisfaction": share_rows(mo.satisfaction), "n_visits": len(mo.visits),
                 "n_complaints": len(mo.complaints), "n_orders": len(mo.orders),
                 "callbacks": {"figures": [self.fig(f) for f in regions], "technicians": share_rows(mo.technicians)},
                 "duties": [self.timeline_entry(r) for r in self.added() if month_key(main_date(r)) == m],
                 "records": [self.timeline_entry(r) | {"customer": self.ref(r["customer"])}
                             for r in sorted(mo.orders + mo.visits, key=lambda r: (str(main_date(r)), r.id))],
                 "sections": self.section_data(f"months/{m}.md"),
                 "trend": self.trend(m)}
            rows.append({"month": m, "page": f"months/{m}.md", "status": mo.status, "figures": len(mo.figures),
                         "failed": len(mo.missed), "errors": len(mo.errors), "trend": share(mo.trend)})
            yield Page(f"months/{m}.md", "month.md.j2", f"{m} 月度合规", d, [HOME, MONTHS, (m, None)])
        yield Page("months/index.md", "months_index.md.j2", "月度合规",
                   {"months": list(reversed(rows)), "trend": self.trend(self.months[-1]) if self.months else []})

    def report_pages(self) -> Iterator[Page]:
        index = []
        for m in self.months:
            yield Page(f"reports/satisfaction-{m}.md", "report_satisfaction.md.j2",
                       f"{m} 顾客满意度测量报告", self.satisfaction_report(m),
                       [HOME, REPORTS, (f"{m} 顾客满意度测量报告", None)])
            yield Page(f"reports/complaints-{m}.md", "report_complaints.md.j2",
                       f"{m} 投诉处理统计分析报告", self.complaint_report(m),
                       [HOME, REPORTS, (f"{m} 投诉处理统计分析报告", None)])
            yield Page(f"reports/callbacks-{m}.md", "report_callbacks.md.j2",
                       f"{m} 售后回访日报、周报、月报", self.callback_report(m),
                       [HOME, REPORTS, (f"{m} 售后回访日报、周报、月报", None)])
            index.append({"month": m})
        yield Page("reports/index.md", "reports_index.md.j2", "报告", {"months": list(reversed(index))})

    def satisfaction_report(self, m: str) -> dict:
        r = self.reports.satisfaction[m]

        def unhappy(v):
            s = v.get("satisfaction", {}) if isinstance(v.get("satisfaction", {}), dict) else {}
            fb = self.rs.by_id.get(v["feedback"]) if v["feedback"] else None
            return self.timeline_entry(v) | {"product": s.get("product"), "service": s.get("service"),
                                             "feedback": self.ref(v["feedback"]),
                                             "feedback_status": fb["status"] if fb is not None else None}

        return {"month": m, "start": r.start, "end": r.end, "n": len(r.visits),
                "product": {"rows": share_rows(r.product), "total": r.product_ok.denominator,
                            "satisfied": share(r.product_ok)},
                "service": {"rows": share_rows(r.service), "total": r.service_ok.denominator,
                            "satisfied": share(r.service_ok)},
                "unhappy": [unhappy(v) for v in r.unhappy],
                "needs": [self.timeline_entry(v) | {"needs": v["needs"]} for v in r.needs],
                "missing": [self.timeline_entry(v) for v in r.missing]}

    def complaint_report(self, m: str) -> dict:
        r = self.reports.complaints[m]
        return {"month": m, "n": len(r.complaints),
                "by_class": share_rows(r.by_class), "by_category": share_rows(r.by_category),
                "by_type": share_rows(r.by_type), "modes": share_rows(r.modes),
                "satisfaction": share_rows(r.satisfaction),
                "complaints": [self.timeline_entry(c) | {"status": c["status"], "category": c["category"],
                                                        "customer": self.ref(c["customer"])} for c in r.complaints]}

    def callback_report(self, m: str) -> dict:
        r = self.reports.callbacks[m]

        def person(p):
            return {"region": p.region, "category": p.category, "name": p.name, "onsite": p.onsite,
                    "carry_in": p.carry_in, "total": p.total, "called": p.called, "sat": list(p.ratings),
                    "completion": share(p.completion), "satisfied": share(p.satisfied)}

        daily = [{"day": x.day, "region": x.region, "category": x.category, "visitor": x.visitor,
                  "callbacks": x.callbacks, "same_day": x.same_day,
                  "attitude": "、".join(f"{s} {x.attitude[s]}" for s in model.SATISFACTION if x.attitude.get(s)),
                  "charges": x.charges, "remarks": "；".join(x.remarks)} for x in r.daily]
        return {"month": m, "daily": daily, "n_orders": len(r.orders),
                "weekly": [{"week": w, "rows": [person(p) for p in rows]} for w, rows in r.weekly.items()],
                "monthly": [person(p) for p in r.monthly]}

    # -- rules, due list, home -------------------------------------------------------------
    def rules_page(self) -> Iterator[Page]:
        counts = Counter(f.rule for f in self.a.findings)
        rows = []
        for r in all_rules():
            sw = self.a.config.rules.get(r.id)
            status = "不检查" if r.check is None else ("已关闭" if sw and not sw.enabled else "检查")
            rows.append({"id": r.id, "title": r.title, "source": r.source, "scope": SCOPES.get(r.scope, r.scope),
                         "profile": threshold_for(r, self.a.config), "status": status,
                         "reason": (sw.reason if sw and not sw.enabled else r.reason),
                         "findings": counts.get(r.id, 0), "asks": r.asks})
        yield Page("rules.md", "rules.md.j2", "规则", {"rules": rows})

    def due_items(self) -> list[dict]:
        """Overdue first (longest overdue first), then open ones by deadline."""
        items = [_item_dict(o) | {"ref": self.ref(o.record), "customer_ref": self.ref(o.customer)}
                 for o in self.a.open_items]
        return sorted(items, key=lambda o: (not o["overdue"], o["due_at"], o["record"], o["rule"]))

    def due_page(self) -> Iterator[Page]:
        items = self.due_items()
        yield Page("due.md", "due.md.j2", "待办清单", {
            "overdue": [o for o in items if o["overdue"]], "open": [o for o in items if not o["overdue"]],
            "items": items})

    def home(self) -> Iterator[Page]:
        m = month_key(self.as_of)
        week_end = self.now + timedelta(days=7)  # "this week" is the next seven days, not the calendar week
        items = self.due_items()
        newest = sorted(self.rs.orders + self.rs.complaints + self.rs.visits + self.rs.letters,
                        key=lambda r: (str(main_date(r)), r.id), reverse=True)[:10]
        month = self.reports.month.get(m)
        figs = [f for f in self.figures if f.period in (m, m[:4])]
        yield Page("index.md", "home.md.j2", "首页", {
            "month": m, "status": month.status if month else None,
            "figures": [self.fig(f) for f in figs], "has_month_page": m in self.months,
            "week": [o for o in items if not o["overdue"] and o["due_at"] <= week_end],
            "week_end": as_of_day(week_end),
            "overdue": [o for o in items if o["overdue"]],
            "n_overdue": sum(1 for o in items if o["overdue"]),
            "newest": [self.timeline_entry(r) for r in newest],
            "n_records": len(self.rs), "n_findings": len(self.a.findings),
            "errors": sum(1 for f in self.a.findings if f.severity == "error"),
            "history": sum(1 for f in self.a.findings if f.severity == "error" and f.history),
            "trend": self.trend(m)})

    def format_page(self) -> Iterator[Page]:
        yield Page("format.md", "format.md.j2", "记录格式", {"reference": model.field_reference()})


def _slug(key: str) -> str:
    return re.sub(r"[^0-9A-Za-z\u4e00-\u9fff-]+", "-", key).strip("-") or "issue"


def portal(analysis) -> Portal:
    """All page data for one analysis; deterministic for the same records and --as-of."""
    return _Pages(analysis).run()


def portal_stream(analysis) -> Portal:
    """The same pages as portal(), made one at a time while they are read (pages is an iterator, in
    no particular order): what a build renders, so it never holds every page's data at once."""
    pages = _Pages(analysis)
    return Portal(show_instant(pages.now), pages.stream())


def _titled(f, value):
    """Nested values keyed by their Chinese field titles, so pages never show English keys; a report's
    ISO week (2026-W45) as a reader says it."""
    if f.name == "period" and isinstance(value, str):
        return week_label(value)
    return titled(f, value)
