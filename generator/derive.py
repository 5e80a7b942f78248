"""Derive: Analysis → plain page data for the portal (no text formatting, no escaping).

Every page is a `Page(path, template, title, data)`; `render` turns it into Markdown. Values stay
raw (dates, numbers, record text) so masking and escaping happen once, in render. Addresses are
tagged with `Address` so render knows to cut them to building level. Nothing here reads YAML;
git is read only for the per-record version history (`History.diffs`).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import yaml

from . import model
from .history import History
from .render import Address, Page, Phone, Portal, record_page, render_letter_draft
from .rules import SCOPES, all_rules, threshold_for
from .rules.complaints import DISSATISFIED, SATISFIED
from .rules.complaints import satisfaction as _satisfaction
from .dates import add_months, as_of_day, local_date, show_instant

EQUIPMENT_PURPOSES = ("送电前回访", "试运行回访", "质保期回访", "质保期外回访")
# Complaint flow steps: (key, Chinese label, rules judged at that step).
FLOW = (
    ("intake", "受理", ("C-CLS-01", "T-RESP-01", "C-OFFH-01", "V-DUP-01", "K-CLASS-01")),
    ("validity", "投诉是否成立", ("C-VALID-01",)),
    ("department", "责任部门", ()),
    ("plan", "处理方案与批示", ("C-APPR-01",)),
    ("actions", "处理过程", ("C-FLOW-01",)),
    ("escalation", "升级", ("C-ESC-01", "V-ESC-01", "T-RESP-03")),
    ("deadline", "答复期限与答复", ("C-DL-01", "V-100-01")),
    ("revisits", "回访", ("C-REV-01", "C-REV-02", "V-REP-01", "V-RATE-01")),
    ("satisfaction", "满意度", ("S-SCALE-01", "E-FB-01")),
    ("closing", "结案", ("C-CLOSE-01", "V-ANON-01", "V-ANON-02")),
)


def month_of(value) -> str | None:
    if isinstance(value, datetime):
        value = local_date(value)
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    return None


def day_of(value) -> date | None:
    if isinstance(value, datetime):
        return local_date(value)
    if isinstance(value, date):
        return value
    return None


def main_date(r) -> Any:
    return r[r.kind.main_date] if r.kind.main_date else None


def _fig_dict(f, link_ids=True) -> dict:
    return {"rule": f.rule, "period": f.period, "label": f.label, "numerator": f.numerator,
            "denominator": f.denominator, "value": f.value, "target": f.target, "op": f.op,
            "threshold": f.threshold, "passed": f.passed, "status": f.status, "scope": f.scope,
            "population": f.population, "offenders": list(f.offenders)}


def due_value(instant: datetime | None):
    """A deadline as pages show it: the day for an end-of-day deadline, else the time."""
    if instant is None:
        return None
    return as_of_day(instant) if instant.timetz().replace(tzinfo=None) == time(0) else instant


def _finding_dict(f) -> dict:
    return {"rule": f.rule, "severity": f.severity, "file": f.file, "line": f.line, "record": f.record,
            "message": f.message, "clause": f.clause, "threshold": f.threshold, "status": f.status,
            "due": due_value(f.due), "period": f.period, "subject": f.subject}


def _item_dict(o) -> dict:
    return {"rule": o.rule, "record": o.record, "due": due_value(o.due_at), "due_at": o.due_at, "what": o.what,
            "customer": o.customer,
            "overdue": o.overdue, "days_overdue": o.days_overdue, "responsible": o.responsible}


class _Deriver:
    def __init__(self, analysis):
        self.a = analysis
        self.rs = analysis.records
        self.as_of = analysis.day
        self.now = analysis.as_of
        self.outcome = analysis.outcome
        self.findings_by_record: dict[str, list[dict]] = defaultdict(list)
        self.period_findings: list[dict] = []
        for f in analysis.findings:
            d = _finding_dict(f)
            if f.record:
                self.findings_by_record[f.record].append(d)
            elif f.file and f.file in self.rs.by_path:
                self.findings_by_record[self.rs.by_path[f.file].id].append(d)
            else:
                self.period_findings.append(d)
        self.items_by_record: dict[str, list[dict]] = defaultdict(list)
        for o in getattr(self.outcome, "open_items", []) or []:
            self.items_by_record[o.record].append(_item_dict(o))
        self.figures = list(getattr(self.outcome, "figures", []) or [])
        self.history = None
        self.pages: list[Page] = []

    # -- helpers ---------------------------------------------------------------------------
    def fig(self, f) -> dict:
        d = _fig_dict(f)
        d["offenders"] = [self.ref(o) for o in d["offenders"]]
        return d

    def ref(self, rid: str | None) -> dict | None:
        """A link target for a record id (page only if the record loaded)."""
        if not rid:
            return None
        r = self.rs.by_id.get(rid)
        return {"id": rid, "page": record_page(rid, r.kind.name) if r is not None and r.valid else None}

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
                "findings": self.findings_by_record.get(r.id, []),
                "open_items": self.items_by_record.get(r.id, []),
                "provenance": self.provenance(r)}

    def customer_name(self, cid):
        c = self.rs.by_id.get(cid) if cid else None
        return c["name"] if c is not None else None

    # -- pages -----------------------------------------------------------------------------
    def run(self) -> Portal:
        try:
            self.history = History(self.a.root, cache=True)
            if getattr(self.history, "_repo", None) is None or self.history.head is None:
                self.history.close()
                self.history = None
        except Exception:
            self.history = None
        try:
            self.months = self._months()
            self.records_pages()
            self.customers()
            self.anonymous()
            self.issues()
            self.month_pages()
            self.reports()
            self.rules_page()
            self.due_page()
            self.home()
            self.format_page()
        finally:
            if self.history is not None:
                self.history.close()
        self.pages.sort(key=lambda p: p.path)
        return Portal(show_instant(self.now), self.pages)

    def _months(self) -> list[str]:
        ms = set()
        for r in self.rs.visits + self.rs.complaints + self.rs.orders:
            m = month_of(main_date(r))
            if m:
                ms.add(m)
        for f in self.figures:
            if re.fullmatch(r"\d{4}-\d{2}", f.period):
                ms.add(f.period)
        cur = f"{self.as_of.year:04d}-{self.as_of.month:02d}"
        return sorted(m for m in ms if m <= cur)

    def timeline_entry(self, r) -> dict:
        when = main_date(r)
        summary = {"order": lambda: f"{r['type'] or ''}完工单",
                   "complaint": lambda: r["description"],
                   "visit": lambda: f"{r['purpose'] or ''}（{r['method'] or ''}）",
                   "letter": lambda: r["title"]}[r.kind.name]()
        return {"id": r.id, "kind": r.kind.name, "kind_title": r.kind.title, "when": when,
                "page": record_page(r.id, r.kind.name), "summary": summary,
                "findings": self.findings_by_record.get(r.id, []),
                "open_items": self.items_by_record.get(r.id, []),
                "provenance": self.provenance(r)}

    def records_pages(self) -> None:
        for r in self.rs.orders + self.rs.complaints + self.rs.visits + self.rs.letters:
            d = self.base(r)
            d["fields"] = self.fields(r)
            d["history"] = self.diffs(r)
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
            title = f"{r.kind.title} {r.id}"
            self.pages.append(Page(record_page(r.id, r.kind.name), "record.md.j2", title, d))

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
        actions = [a for a in c.get("actions", []) if isinstance(a, dict)]
        revisits = self.rs.visits_by_related.get(c.id, [])
        fs = self.findings_by_record.get(c.id, [])
        by_step = {
            "intake": [("受理时间", c["received"]), ("渠道", c["channel"]), ("类型", c["type"]),
                       ("类别", c["category"]), ("紧急程度", c["urgency"]), ("受理部门", c["received_by"]),
                       ("同时受理的其他部门", "、".join(c.get("also_received_by", [])) or None),
                       ("首次答复时间", c["first_response"])],
            "validity": [("投诉是否成立", {True: "成立", False: "不成立"}.get(c["valid"]))],
            "department": [("责任部门", c["department"])],
            "plan": [("处理方案", c["solution"]), ("主管领导批示", c["approved_by"])]
                    + [("批示", (a.get('at'), a.get('by'), a.get('note')))
                       for a in actions if a.get("action") == "批示"],
            "actions": [(a.get("action"), (a.get('at'), a.get('by'), a.get('note')))
                        for a in actions],
            "escalation": [("升级", (a.get('at'), a.get('by'), a.get('note')))
                           for a in actions if a.get("action") == "升级"] + [("问题程度", c["severity"])],
            "deadline": [("答复期限", c["reply_by"])]
                        + [("回复", (a.get('at'), a.get('by'), a.get('note')))
                           for a in actions if a.get("action") == "回复"]
                        + [("复函", c["reply_letter"]), ("处理结果", c["result"])],
            "revisits": [(f"第 {i} 次回访", None) for i, _ in enumerate(revisits, 1)],
            "satisfaction": [(v.id, _satisfaction(v)) for v in revisits],
            "closing": [("解决时间", c["resolved"]), ("状态", c["status"])]
                       + [("结案", (a.get("at"), a.get("by"), a.get("note"))) for a in actions if a.get("action") == "结案"],
        }
        out = []
        for key, label, rules in FLOW:
            rows = [{"label": k, "value": v} for k, v in by_step[key] if v not in (None, "", [])]
            links = [self.timeline_entry(v) for v in revisits] if key == "revisits" else []
            step_f = [f for f in fs if f["rule"] in rules]
            items = [o for o in self.items_by_record.get(c.id, []) if o["rule"] in rules]
            out.append({"key": key, "label": label, "rules": list(rules), "rows": rows, "visits": links,
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

    def customers(self) -> None:
        major_min = self.a.config.thresholds.get("major_customer_amount", 3000000)
        index = []
        for c in self.rs.customers:
            entries = [self.timeline_entry(r) for r in self.rs.by_customer.get(c.id, [])]
            letters = [l for l in self.rs.letters if c.id in {x["id"] for x in self.letter_customers(l)}]
            entries += [self.timeline_entry(l) for l in letters]
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
                      "fields": self.fields(c), "history": self.diffs(c)})
            self.pages.append(Page(record_page(c.id, "customer"), "customer.md.j2", f"客户档案 {c.id}", d))
            index.append({"id": c.id, "page": record_page(c.id, "customer"), "name": c["name"],
                          "class": c["class"], "region": c["region"], "major": d["major"],
                          "records": len(entries), "findings": d["n_findings"], "n_items": len(d["items"])})
        self.pages.append(Page("customers/index.md", "customers_index.md.j2", "客户档案", {"customers": index}))

    def anonymous(self) -> None:
        rows = [self.timeline_entry(c) | {"status": c["status"], "result": c["result"],
                                          "reply_letter": c["reply_letter"]}
                for c in self.rs.complaints if not c["customer"]]
        self.pages.append(Page("anonymous.md", "anonymous.md.j2", "匿名投诉登记", {"complaints": rows}))

    def issues(self) -> None:
        several_owners = self.a.config.thresholds.get("several_owners", 2)
        groups = []
        ol_findings = [f for f in self.a.findings if f.rule == "V-OL-01"]
        for key, complaints in self.rs.issues.items():
            owners = sorted({c["customer"] for c in complaints if c["customer"]})
            if len(complaints) < 2 and len(owners) < 2:
                continue
            letters = self.rs.letters_by_issue.get(key, [])
            flagged = any(re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", f.message)
                          or (f.record and f.record in {c.id for c in complaints}) for f in ol_findings)
            g = {"key": key, "slug": _slug(key), "complaints": [self.timeline_entry(c) | {
                     "customer": self.ref(c["customer"]), "customer_name": self.customer_name(c["customer"]),
                     "status": c["status"]} for c in complaints],
                 "owners": [self.ref(o) | {"name": self.customer_name(o)} for o in owners],
                 "letters": [self.ref(l.id) | {"title": l["title"], "date": l["date"]} for l in letters],
                 "draft": None, "suggested": flagged or (not letters and len(owners) >= several_owners)}
            if not letters and g["suggested"]:
                g["draft"] = self.letter_draft(key)
            groups.append(g)
        self.pages.append(Page("issues/index.md", "issues.md.j2", "同一问题", {"groups": groups}))

    def letter_draft(self, key: str) -> dict:
        complaints = self.rs.issues.get(key, [])
        return {"issue": key, "date": self.as_of,
                "complaints": [c.id for c in complaints],
                "descriptions": [c["description"] for c in complaints],
                "solutions": [c["solution"] or c["result"] for c in complaints if c["solution"] or c["result"]],
                "departments": sorted({c["department"] for c in complaints if c["department"]}),
                "buildings": sorted({Address(self.rs.by_id[c["customer"]]["address"] or "")
                                     for c in complaints if c["customer"] in self.rs.by_id
                                     and self.rs.by_id[c["customer"]]["address"]}),
                "count": len(complaints)}

    # -- months and reports ----------------------------------------------------------------
    def month_records(self, m: str, kind: str) -> list:
        src = {"visit": self.rs.visits, "complaint": self.rs.complaints, "order": self.rs.orders}[kind]
        return [r for r in src if month_of(main_date(r)) == m]

    def month_pages(self) -> None:
        rows = []
        for m in self.months:
            year = m[:4]
            figs = [f for f in self.figures if f.period == m]
            # a year's figure belongs to the page of its as-of month (running) or of its December (verdict)
            ytd = [f for f in self.figures if f.period == year
                   and (m == f"{self.as_of:%Y-%m}" or (m.endswith("-12") and f.status != "running"))]
            month_ids = {r.id for k in ("visit", "complaint", "order") for r in self.month_records(m, k)}
            by_rule: dict[str, list[dict]] = defaultdict(list)
            for rid in sorted(month_ids):
                for f in self.findings_by_record.get(rid, []):
                    by_rule[f["rule"]].append(f)
            for f in self.period_findings:
                if f["period"] == m or (f["period"] == year and any(x.period == year for x in ytd)):
                    by_rule[f["rule"]].append(f)
            visits = self.month_records(m, "visit")
            methods = Counter(v["method"] for v in visits)
            purposes = Counter(v["purpose"] for v in visits)
            sat = Counter(_satisfaction(v) for v in visits if _satisfaction(v))
            d = {"month": m, "figures": [self.fig(f) for f in figs], "ytd": [self.fig(f) for f in ytd],
                 "violations": [{"rule": k, "findings": v} for k, v in sorted(by_rule.items())],
                 "methods": _dist(methods, model.METHODS), "purposes": _dist(purposes, model.PURPOSES),
                 "satisfaction": _dist(sat, model.SATISFACTION), "n_visits": len(visits),
                 "n_complaints": len(self.month_records(m, "complaint")),
                 "n_orders": len(self.month_records(m, "order")),
                 "callbacks": self.callback_groups(m),
                 "trend": self.trend(m)}
            failed = sum(1 for f in figs + ytd if f.passed is False)
            rows.append({"month": m, "page": f"months/{m}.md", "figures": len(figs), "failed": failed,
                         "violations": sum(len(v) for v in by_rule.values())})
            self.pages.append(Page(f"months/{m}.md", "month.md.j2", f"{m} 月度合规", d))
        self.pages.append(Page("months/index.md", "months_index.md.j2", "月度合规",
                               {"months": list(reversed(rows)), "trend": self.trend(self.months[-1]) if self.months else []}))

    def trend(self, m: str) -> list[dict]:
        """Share of passing period figures in each of the 12 months up to m (for the chart)."""
        out = []
        y, mo = int(m[:4]), int(m[5:])
        for i in range(11, -1, -1):
            yy, mm = divmod(mo - 1 - i, 12)
            key = f"{y + yy:04d}-{mm + 1:02d}"
            figs = [f for f in self.figures if f.period == key and f.passed is not None]
            ok = sum(1 for f in figs if f.passed)
            out.append({"month": key, "passed": ok, "total": len(figs),
                        "share": ok / len(figs) if figs else None})
        return out

    def callback_groups(self, m: str) -> dict:
        """W-CB figures per region and per technician: completed orders and those called back."""
        def group(key):
            acc: dict[str, dict] = {}
            for o in self.month_records(m, "order"):
                k = o[key] or "（未填）"
                row = acc.setdefault(k, {"name": k, "orders": 0, "called": 0})
                row["orders"] += 1
                if any(v["purpose"] in ("安装回访", "维修回访") for v in self.rs.visits_by_related.get(o.id, [])):
                    row["called"] += 1
            rows = [acc[k] for k in sorted(acc)]
            for r in rows:
                r["share"] = r["called"] / r["orders"] if r["orders"] else None
            return rows
        figs = [self.fig(f) for f in self.figures if f.period == m and f.rule.startswith("W-CB")]
        return {"regions": group("region"), "technicians": group("technician"), "figures": figs}

    def reports(self) -> None:
        index = []
        for m in self.months:
            self.pages.append(Page(f"reports/satisfaction-{m}.md", "report_satisfaction.md.j2",
                                   f"{m} 顾客满意度测量报告", self.satisfaction_report(m)))
            self.pages.append(Page(f"reports/complaints-{m}.md", "report_complaints.md.j2",
                                   f"{m} 投诉处理统计分析报告", self.complaint_report(m)))
            self.pages.append(Page(f"reports/callbacks-{m}.md", "report_callbacks.md.j2",
                                   f"{m} 售后回访日报、周报、月报", self.callback_report(m)))
            index.append({"month": m})
        self.pages.append(Page("reports/index.md", "reports_index.md.j2", "报告", {"months": list(reversed(index))}))

    def satisfaction_report(self, m: str) -> dict:
        y, mo = int(m[:4]), int(m[5:])
        end = date(y, mo, 25)
        start = add_months(end, -1) + timedelta(days=1)
        visits = [v for v in self.rs.visits if start <= day_of(v["date"]) <= end
                  and (v["purpose"] in EQUIPMENT_PURPOSES or v["purpose"] == "意见征询")]
        def dist(key):
            c = Counter((v.get("satisfaction", {}) or {}).get(key) for v in visits
                        if isinstance(v.get("satisfaction", {}), dict))
            c.pop(None, None)
            rows = _dist(c, model.SATISFACTION)
            total = sum(c.values())
            return {"rows": rows, "total": total,
                    "satisfied": (sum(c[s] for s in SATISFIED) / total) if total else None}
        unhappy = []
        for v in visits:
            s = v.get("satisfaction", {}) or {}
            if isinstance(s, dict) and (s.get("product") in DISSATISFIED or s.get("service") in DISSATISFIED):
                fb = self.rs.by_id.get(v["feedback"]) if v["feedback"] else None
                unhappy.append(self.timeline_entry(v) | {"product": s.get("product"), "service": s.get("service"),
                                                        "feedback": self.ref(v["feedback"]),
                                                        "feedback_status": fb["status"] if fb is not None else None})
        needs = [self.timeline_entry(v) | {"needs": v["needs"]} for v in visits if v["needs"]]
        missing = [self.timeline_entry(v) for v in visits
                   if not isinstance(v.get("satisfaction", {}), dict)
                   or not (v.get("satisfaction", {}) or {}).get("product")
                   or not (v.get("satisfaction", {}) or {}).get("service")]
        return {"month": m, "start": start, "end": end, "n": len(visits), "product": dist("product"),
                "service": dist("service"), "unhappy": unhappy, "needs": needs, "missing": missing}

    def complaint_report(self, m: str) -> dict:
        cs = self.month_records(m, "complaint")
        by_class = Counter((self.rs.by_id[c["customer"]]["class"] if c["customer"] in self.rs.by_id else None)
                           or ("匿名" if not c["customer"] else "未分类") for c in cs)
        by_cat = Counter(c["category"] or "未分类" for c in cs)
        by_type = Counter(c["type"] for c in cs)
        modes = Counter()
        sat = Counter()
        scale4 = self.a.config.profile.get("scale") == "4"
        for c in cs:
            revisits = self.rs.visits_by_related.get(c.id, [])
            unhappy = sum(1 for v in revisits if _satisfaction(v) in DISSATISFIED)
            res = c["resolved"]
            if res is not None and day_of(res) == day_of(c["received"]):
                modes["即时处理"] += 1
            elif unhappy >= 1 and len(revisits) >= 2:
                modes["反复处理"] += 1
            elif res is not None and (c["reply_by"] is None or res <= c["reply_by"]):
                modes["限期内处理"] += 1
            else:
                modes["其他"] += 1
            s = _satisfaction(revisits[-1]) if revisits else None
            if s:
                sat["不满意" if (scale4 and s in DISSATISFIED) else s] += 1
        sat_order = ("非常满意", "满意", "一般", "不满意") if scale4 else model.SATISFACTION
        return {"month": m, "n": len(cs),
                "by_class": _dist(by_class, ("A", "B", "C", "D", "未分类", "匿名")),
                "by_category": _dist(by_cat, model.CATEGORIES + ("未分类",)),
                "by_type": _dist(by_type, model.COMPLAINT_TYPES),
                "modes": _dist(modes, ("即时处理", "限期内处理", "反复处理", "其他")),
                "satisfaction": _dist(sat, sat_order),
                "complaints": [self.timeline_entry(c) | {"status": c["status"], "category": c["category"],
                                                        "customer": self.ref(c["customer"])} for c in cs]}

    def callback_report(self, m: str) -> dict:
        orders = self.month_records(m, "order")

        def visits_of(o):
            return [v for v in self.rs.visits_by_related.get(o.id, []) if v["purpose"] in ("安装回访", "维修回访")]

        daily: dict[tuple, dict] = {}
        for o in orders:
            for v in visits_of(o)[:1]:
                key = (day_of(v["date"]), o["region"] or "（未填）", o["category"] or "（未填）", v["visitor"])
                row = daily.setdefault(key, {"day": key[0], "region": key[1], "category": key[2], "visitor": key[3],
                                             "dispatched": 0, "completed": 0, "attitude": Counter(),
                                             "charges": 0.0, "remarks": []})
                row["dispatched"] += 1
                row["completed"] += 1 if day_of(o["completed"]) == key[0] else 0
                if _satisfaction(v):
                    row["attitude"][_satisfaction(v)] += 1
                row["charges"] += float(o["charge"] or 0)
                if v["result"] and v["result"] != "正常":
                    row["remarks"].append(f"{o.id}：{v['result']}")
        daily_rows = []
        for k in sorted(daily, key=lambda k: (k[0], k[1], k[2], k[3] or "")):
            r = daily[k]
            r["attitude"] = "、".join(f"{s} {r['attitude'][s]}" for s in model.SATISFACTION if r["attitude"][s])
            r["remarks"] = "；".join(r["remarks"])
            daily_rows.append(r)

        def per_person(rows_of):
            acc: dict[tuple, dict] = {}
            for o in rows_of:
                key = (o["region"] or "（未填）", o["category"] or "（未填）", o["technician"] or "（未填）")
                row = acc.setdefault(key, {"region": key[0], "category": key[1], "name": key[2], "onsite": 0,
                                           "carry_in": 0, "total": 0, "sat": Counter(), "called": 0})
                row["carry_in" if o["service_mode"] == "送修" else "onsite"] += 1
                row["total"] += 1
                vs = visits_of(o)
                if vs:
                    row["called"] += 1
                    if _satisfaction(vs[-1]):
                        row["sat"][_satisfaction(vs[-1])] += 1
            out = []
            for k in sorted(acc):
                r = acc[k]
                r["sat"] = [r["sat"][s] for s in model.SATISFACTION]
                rated = sum(r["sat"])
                r["satisfied_share"] = (r["sat"][0] + r["sat"][1]) / rated if rated else None
                r["completion"] = r["called"] / r["total"] if r["total"] else None
                out.append(r)
            return out

        weeks: dict[str, list] = defaultdict(list)
        for o in orders:
            iso = day_of(o["completed"]).isocalendar()
            weeks[f"{iso[0]}-W{iso[1]:02d}"].append(o)
        return {"month": m, "daily": daily_rows,
                "weekly": [{"week": w, "rows": per_person(weeks[w])} for w in sorted(weeks)],
                "monthly": per_person(orders), "n_orders": len(orders)}

    # -- rules, due list, home -------------------------------------------------------------
    def rules_page(self) -> None:
        counts = Counter(f.rule for f in self.a.findings)
        rows = []
        for r in all_rules():
            sw = self.a.config.rules.get(r.id)
            status = "不检查" if r.check is None else ("已关闭" if sw and not sw.enabled else "检查")
            rows.append({"id": r.id, "title": r.title, "source": r.source, "scope": SCOPES.get(r.scope, r.scope),
                         "profile": threshold_for(r, self.a.config), "status": status,
                         "reason": (sw.reason if sw and not sw.enabled else r.reason),
                         "findings": counts.get(r.id, 0), "asks": r.asks})
        self.pages.append(Page("rules.md", "rules.md.j2", "规则", {"rules": rows}))

    def due_items(self) -> list[dict]:
        items = [_item_dict(o) | {"ref": self.ref(o.record), "customer_ref": self.ref(o.customer)}
                 for o in getattr(self.outcome, "open_items", []) or []]
        return sorted(items, key=lambda o: (not o["overdue"], o["due_at"], o["record"], o["rule"]))

    def due_page(self) -> None:
        self.pages.append(Page("due.md", "due.md.j2", "待办清单", {"items": self.due_items()}))

    def home(self) -> None:
        m = f"{self.as_of.year:04d}-{self.as_of.month:02d}"
        week_end = self.as_of + timedelta(days=7)  # "this week" is the next seven days
        items = self.due_items()
        newest = sorted(self.rs.orders + self.rs.complaints + self.rs.visits + self.rs.letters,
                        key=lambda r: (str(main_date(r)), r.id), reverse=True)[:10]
        figs = [f for f in self.figures if f.period in (m, m[:4])]
        self.pages.append(Page("index.md", "home.md.j2", "首页", {
            "month": m, "figures": [self.fig(f) for f in figs], "has_month_page": m in self.months,
            "week": [o for o in items if not o["overdue"] and _day(o["due"]) <= week_end],
            "week_end": week_end,
            "overdue": [o for o in items if o["overdue"]],
            "newest": [self.timeline_entry(r) for r in newest],
            "n_records": len(self.rs), "n_findings": len(self.a.findings),
            "errors": sum(1 for f in self.a.findings if f.severity == "error"),
            "trend": self.trend(m)}))

    def format_page(self) -> None:
        self.pages.append(Page("format.md", "format.md.j2", "记录格式", {"reference": model.field_reference()}))


def _day(v) -> date:
    return v.date() if isinstance(v, datetime) else v


def _dist(counter: Counter, order) -> list[dict]:
    """A distribution in a fixed order (then any unexpected values, sorted), with shares."""
    total = sum(counter.values())
    keys = [k for k in order] + sorted(k for k in counter if k not in order and k is not None)
    return [{"label": k, "count": counter.get(k, 0), "share": counter.get(k, 0) / total if total else None}
            for k in keys if k in order or counter.get(k)]


def _slug(key: str) -> str:
    return re.sub(r"[^0-9A-Za-z\u4e00-\u9fff-]+", "-", key).strip("-") or "issue"


def derive(analysis) -> Portal:
    """All page data for one analysis; deterministic for the same records and --as-of."""
    return _Deriver(analysis).run()


def letter_draft_yaml(analysis, issue: str, rid: str, day: date, template_text: str) -> str:
    """A new letter record for `issue`, pre-filled from the portal's draft (huifang new letter --issue)."""
    d = _Deriver(analysis).letter_draft(issue)
    d["date"] = day
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


def _titled(f, value):
    """Nested values keyed by their Chinese field titles, so pages never show English keys."""
    if f.type == "object" and isinstance(value, dict):
        known = {c.name: c for c in f.fields}
        return {(known[k].title if k in known else k): _titled(known[k], v) if k in known else v
                for k, v in value.items() if v is not None}
    if f.type == "list" and isinstance(value, list) and f.item is not None:
        return [_titled(f.item, v) for v in value]
    return value
