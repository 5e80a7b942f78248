"""Rules that cannot be fooled, as properties over generated repositories and the demo.

Each example is a real records repository (YAML files in git) analysed end to end. From it a
mutation makes the record set *worse or equal* for every duty:

* moving a follow-up event later (a revisit, a callback, a reply, an escalation, an instruction, a
  first answer — with the paperwork that travels with it);
* removing a fact (an optional field, an action, a link);
* marking a visit unreachable (空号, nobody home: a failed attempt).

None of these may turn a finding into a pass: every error or warning on a record must still be
reported by the same rule on that record or on a record linked to it (the visit's order or
complaint, or the visits that follow a record up); only where the mutation removed a link or a
verdict, or made a visit a failed attempt, may the duty be reported under another rule of the case.
Information notes ("early") are not verdicts and are left out. Moves keep the order of a customer's
events (an event that overtakes its trigger changes role, not lateness), and visits move by whole
days with their paperwork. Generated records are consistent (S-SCALE-01), so removing a fact never
resolves a contradiction. HUIFANG_PROPERTY_EXAMPLES sets the number of examples (default 25).
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.commands import analyse, record_path
from generator.model import KINDS, kind_for_id
from generator.dates import TZ

AS_OF = date(2026, 11, 30)
START = datetime(2026, 9, 1, 9, 0, tzinfo=TZ)
LIMIT = datetime(2026, 11, 30, 20, 0, tzinfo=TZ)  # events stay before the end of the as-of day
DEMO = Path(__file__).resolve().parents[1] / "records"
DEMO_AS_OF = date(2026, 11, 23)
DEMO_LIMIT = datetime(2026, 11, 23, 20, 0, tzinfo=TZ)
GIT_DATE = "2026-11-30T23:00:00+08:00"
SETTINGS = settings(max_examples=int(os.environ.get("HUIFANG_PROPERTY_EXAMPLES", "25")), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])


# --------------------------------------------------------------------------- repositories as data


@dataclass
class Repo:
    """Records by id as plain dicts (what the YAML files hold)."""

    records: dict[str, dict]

    def copy(self) -> "Repo":
        return Repo(copy.deepcopy(self.records))

    def write(self, root: Path) -> None:
        if root.exists():
            shutil.rmtree(root)
        (root / "records").mkdir(parents=True)
        for rid, data in self.records.items():
            kind = kind_for_id(rid)
            main = data.get(kind.main_date) if kind.main_date else None
            day = main.date() if isinstance(main, datetime) else (main or date(2026, 1, 1))
            path = root / record_path(kind, rid, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_AUTHOR_NAME="李娜", GIT_AUTHOR_EMAIL="lina@example.com", GIT_AUTHOR_DATE=GIT_DATE,
                   GIT_COMMITTER_NAME="李娜", GIT_COMMITTER_EMAIL="lina@example.com", GIT_COMMITTER_DATE=GIT_DATE,
                   GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "记录"]):
            subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    def links(self) -> dict[str, set[str]]:
        """Record id -> ids linked to it either way (related, feedback, the letter's complaints)."""
        out: dict[str, set[str]] = {rid: {rid} for rid in self.records}
        for rid, data in self.records.items():
            targets = list(data.get("related") or []) + list(data.get("complaints") or [])
            if data.get("feedback"):
                targets.append(data["feedback"])
            for t in targets:
                if t in out:
                    out[rid].add(t)
                    out[t].add(rid)
        return out


class Verdicts(list):
    """Errors and warnings on records (notes and period figures are not record verdicts), and `todo`:
    (rule, record) of the duties still open (not yet due)."""

    todo: set = set()


def verdicts(root: Path, as_of: date = AS_OF) -> Verdicts:
    analysis = analyse(root, as_of)
    bad = [f for f in analysis.findings if f.severity == "info" or f.record is None]
    out = Verdicts(f for f in analysis.findings if f not in bad and f.rule not in ("YAML", "SCHEMA", "REF", "INTERNAL"))
    out.todo = {(o.rule, o.record) for o in analysis.outcome.open_items if not o.overdue}
    return out


def assert_not_fooled(before: list, after: Verdicts, links: dict[str, set[str]], what: str,
                      moved: str | None = None, own: str | None = None) -> None:
    """Every error or warning is still reported by the same rule on its record or a linked one.

    Only on the record the mutation touched (`moved`: a visit marked unreachable, a link removed)
    may the breach change rules — the duty it met is then open under the duty's own rule — but it
    must still be reported there by a rule other than the record-keeping ones (same day, review).
    A visit moved later (`own`) moves the clock of its own duties with it (its review is due so many
    days after the visit): such a duty may turn from overdue into a to-do, still on the due list —
    never into a pass."""
    got = {(f.rule, f.record) for f in after}
    for f in before:
        near = links.get(f.record, {f.record})
        if any((f.rule, r) in got for r in near):
            continue
        if own is not None and f.record == own and f.status == "overdue" and (f.rule, own) in after.todo:
            continue
        if moved is not None and f.record in links.get(moved, {moved}) and any(
                r in near and rule not in BOOKKEEPING for rule, r in got):
            continue
        raise AssertionError(f"{what}：{f.rule} 对 {f.record} 的问题消失了（{f.message}）；"
                             f"之后的问题：{sorted(got)}")


BOOKKEEPING = ("V-DAY-01", "V-REV-01", "V-SIGN-02", "V-METH-02", "E-REC-01")


# --------------------------------------------------------------------------- generation

CUSTOMERS = ("CUST-0001", "CUST-0002", "CUST-0003")
ISSUES = ("3栋-电梯异响", "地下车库渗水")
SAT = ("非常满意", "满意", "一般", "不太满意", "很不满意")


def at(hours: int) -> datetime:
    return min(START + timedelta(hours=hours), LIMIT)


class Ids:
    def __init__(self):
        self.n: dict[str, int] = {}

    def __call__(self, prefix: str, when: datetime) -> str:
        key = f"{prefix}-{when:%Y%m%d}"
        self.n[key] = self.n.get(key, 0) + 1
        return f"{key}-{self.n[key]:03d}"


@st.composite
def visit_fields(draw, ids: Ids, customer: str, when: datetime, purpose: str, related: list[str]) -> tuple[str, dict]:
    method = draw(st.sampled_from(("电话", "上门")))
    reached = draw(st.integers(0, 4)) > 0
    v = {"id": ids("HF", when), "date": when, "method": method, "purpose": purpose, "customer": customer}
    if related:
        v["related"] = related
    v["visitor"] = draw(st.sampled_from(("李娜", "刘佳")))
    v["interviewee"] = draw(st.sampled_from((None, "业主本人")))
    v["content"] = ("电话回访。" if method == "电话" else "上门回访。") + "询问处理情况"
    v["recorded"] = when + timedelta(hours=draw(st.integers(0, 40)))
    if not reached:
        v["reachable"] = False
        v["contact_problem"] = draw(st.sampled_from(("空号", "信息错误", "联系人不符")))
    else:
        sat = draw(st.sampled_from(SAT + (None,)))
        product = draw(st.sampled_from(SAT))
        if sat:
            v["satisfaction"] = {"service": sat, "product": product}
        unhappy = sat in ("不太满意", "很不满意") or (sat and product in ("不太满意", "很不满意"))
        if unhappy and purpose in ("安装回访", "维修回访"):  # 不满意 with a satisfied rating contradicts (S-SCALE-01)
            v["satisfaction"] = {k: (x if x not in ("非常满意", "满意") else "一般") for k, x in v["satisfaction"].items()}
        if purpose in ("安装回访", "维修回访"):  # a result that agrees with the ratings (S-SCALE-01)
            v["result"] = draw(st.sampled_from(("不满意", "不属实"))) if unhappy else \
                draw(st.sampled_from(("正常", "不满意", "不属实"))) if sat is None else "正常"
    if method == "上门" and not reached:
        v["signature"] = "无"  # nobody home: nobody signs (S-SCALE-01)
    elif method == "上门":
        v["signature"] = draw(st.sampled_from(("已签名", "已签名", "拒签", "无")))
        if v["signature"] == "拒签":
            v["refusal_note"] = "业主说忙，不愿签字"
    if draw(st.booleans()):
        v["review"] = {"by": "王丽", "date": (when + timedelta(days=draw(st.integers(0, 10)))).date(),
                       "comment": "已阅，注意跟进"}
    v = {k: x for k, x in v.items() if x is not None}
    return v["id"], v


@st.composite
def repositories(draw) -> Repo:
    ids = Ids()
    records: dict[str, dict] = {}
    for cid in CUSTOMERS:
        records[cid] = {"id": cid, "name": f"业主{cid[-1]}", "class": "B", "type": "业主",
                        "phone": "13812345678", "address": "翠湖花园 3 栋", "region": "城西"}
    for _ in range(draw(st.integers(0, 3))):
        done = at(draw(st.integers(0, 2000)))
        kind = draw(st.sampled_from(("安装", "维修")))
        o = {"id": ids("WO", done), "customer": draw(st.sampled_from(CUSTOMERS)), "type": kind, "completed": done}
        if draw(st.booleans()):
            o["reported"] = done - timedelta(hours=draw(st.integers(2, 72)))
            o["urgency"] = draw(st.sampled_from(("紧急", "一般")))
            if draw(st.booleans()):
                o["first_response"] = o["reported"] + timedelta(hours=draw(st.integers(0, 30)))
        records[o["id"]] = o
        t = done
        for _ in range(draw(st.integers(0, 2))):
            t = min(t + timedelta(hours=draw(st.integers(1, 120))), LIMIT)
            vid, v = draw(visit_fields(ids, o["customer"], t, "安装回访" if kind == "安装" else "维修回访", [o["id"]]))
            records[vid] = v
    for _ in range(draw(st.integers(0, 3))):
        got = at(draw(st.integers(0, 2000)))
        anonymous = draw(st.integers(0, 5)) == 0
        c = {"id": ids("TS", got), "received": got, "channel": "电话",
             "type": draw(st.sampled_from(("投诉", "投诉", "投诉", "咨询", "建议"))),
             "category": draw(st.sampled_from(("工程质量", "服务过程", "产品质量")))}
        if not anonymous:
            c["customer"] = draw(st.sampled_from(CUSTOMERS))
        c["issue"] = draw(st.sampled_from(ISSUES))
        c["description"] = "电梯运行有异响"
        if draw(st.booleans()):
            c["reply_by"] = got + timedelta(hours=draw(st.integers(4, 200)))
        if draw(st.booleans()):
            c["first_response"] = got + timedelta(hours=draw(st.integers(0, 48)))
        actions = []
        t = got
        for _ in range(draw(st.integers(0, 3))):
            t = min(t + timedelta(hours=draw(st.integers(1, 72))), LIMIT)
            actions.append({"at": t, "by": "王丽", "action": draw(st.sampled_from(("回复", "升级", "批示", "处理"))),
                            "note": "处理"})
        if draw(st.booleans()):
            c["solution"] = "更换导轨"
            if draw(st.booleans()):
                c["approved_by"] = "林慧"
        resolved = draw(st.booleans())
        if resolved:
            t = min(t + timedelta(hours=draw(st.integers(1, 200))), LIMIT)
            c["resolved"] = t
            if anonymous:
                c["result"] = "已更换导轨"
        closed = resolved and draw(st.booleans())
        c["status"] = "已结案" if closed else ("已解决" if resolved else "处理中")
        records[c["id"]] = c
        if not anonymous:
            for _ in range(draw(st.integers(0, 3))):
                t = min(t + timedelta(hours=draw(st.integers(1, 200))), LIMIT)
                vid, v = draw(visit_fields(ids, c["customer"], t, "投诉回访", [c["id"]]))
                records[vid] = v
        if closed:
            t = min(t + timedelta(hours=draw(st.integers(0, 100))), LIMIT)
            actions.append({"at": t, "by": "王丽", "action": "结案", "note": "结案"})
        if actions:
            c["actions"] = sorted(actions, key=lambda a: a["at"])
    return Repo(records)


# --------------------------------------------------------------------------- mutations

MOVABLE_ACTIONS = ("回复", "升级", "批示")
REMOVABLE = {
    "complaint": ("first_response", "reply_by", "resolved", "solution", "approved_by", "result", "reply_letter"),
    "order": ("first_response",),
    "visit": ("satisfaction", "result", "interviewee", "signature", "refusal_note", "review", "recorded",
              "related", "feedback", "needs", "survey", "reverified", "new_issues"),
    "customer": ("class", "phone"),
}


def _follow_ups(repo: Repo) -> list[str]:
    """Visits that only meet duties: the last of their chain, reached, not dissatisfied, raising nothing."""
    last: dict[str, tuple[datetime, str]] = {}
    for rid, v in repo.records.items():
        if not rid.startswith("HF-"):
            continue
        sat = v.get("satisfaction") or {}
        if v.get("reachable") is False or v.get("new_issues") or v.get("result") in ("不满意", "不属实") \
                or sat.get("service") in ("不太满意", "很不满意", "一般") or sat.get("product") in ("不太满意", "很不满意", "一般"):
            continue
        for parent in v.get("related") or ():
            if parent not in last or last[parent][0] < v["date"]:
                last[parent] = (v["date"], rid)
    chains: dict[str, datetime] = {}
    for rid, v in repo.records.items():
        for parent in v.get("related") or ():
            chains[parent] = max(chains.get(parent, v["date"]), v["date"])
    return sorted({rid for parent, (when, rid) in last.items() if chains[parent] == when})


def _instants(data, out: list) -> None:
    """Every date-time a record holds, nested ones included."""
    if isinstance(data, datetime):
        out.append(data)
    elif isinstance(data, dict):
        for v in data.values():
            _instants(v, out)
    elif isinstance(data, list):
        for v in data:
            _instants(v, out)


def move_later(repo: Repo, data, limit: datetime = LIMIT) -> tuple[Repo, str, str | None, str | None] | None:
    """Move one follow-up event later (with the paperwork that belongs to it), never past another
    event of the same customer: lateness changes, the order of events does not."""
    out = repo.copy()
    hours = data.draw(st.integers(1, 600), label="hours")
    choices = [("visit", rid) for rid in _follow_ups(repo)]
    for rid, c in repo.records.items():
        for i, a in enumerate(c.get("actions") or ()):
            if a["action"] in MOVABLE_ACTIONS:
                choices.append(("action", (rid, i)))
        if c.get("first_response"):
            choices.append(("first_response", rid))
    if not choices:
        return None
    what, target = data.draw(st.sampled_from(choices), label="event")
    rid = target[0] if what == "action" else target
    record = repo.records[rid]
    old = {"visit": lambda: record["date"], "action": lambda: record["actions"][target[1]]["at"],
           "first_response": lambda: record["first_response"]}[what]()
    others: list[datetime] = []
    for other_id, other in repo.records.items():
        if other.get("customer") != record.get("customer") or (other.get("customer") is None and other_id != rid):
            continue
        if other_id == rid:
            mine = copy.deepcopy(other)
            if what == "visit":
                mine.pop("date"), mine.pop("recorded", None)
            elif what == "action":
                mine["actions"].pop(target[1])
            else:
                mine.pop("first_response")
            _instants(mine, others)
        else:
            _instants(other, others)
    if any(t == old for t in others):
        return None  # a tie: moving it would reorder events, not delay one
    ceiling = min([t for t in others if t > old] + [limit + timedelta(minutes=1)]) - timedelta(minutes=1)
    new = min(old + timedelta(hours=hours), ceiling)
    if what == "visit":  # whole days: the visit, its record and its review keep their calendar days apart
        new = old + timedelta(days=(new - old).days)
    if new <= old:
        return None
    delta = new - old
    if what == "visit":
        v = out.records[target]
        v["date"] = new
        if "recorded" in v:
            v["recorded"] = v["recorded"] + delta
        if "review" in v:  # the review keeps its distance in days from the visit day
            v["review"]["date"] = v["review"]["date"] + (new.date() - old.date())
        return out, f"把回访 {target} 推迟 {delta}", None, target
    if what == "action":
        a = out.records[rid]["actions"][target[1]]
        a["at"] = new
        return out, f"把 {rid} 的“{a['action']}”推迟 {delta}", None, None
    out.records[rid]["first_response"] = new
    return out, f"把 {rid} 的首次答复推迟 {delta}", None, None


def remove_fact(repo: Repo, data, limit: datetime = LIMIT) -> tuple[Repo, str, str | None, None] | None:
    out = repo.copy()
    choices = []
    for rid, r in repo.records.items():
        kind = kind_for_id(rid).name
        choices += [(rid, key) for key in REMOVABLE.get(kind, ()) if key in r]
        for i, a in enumerate(r.get("actions") or ()):
            if a["action"] in MOVABLE_ACTIONS:
                choices.append((rid, ("actions", i)))
    if not choices:
        return None
    rid, key = data.draw(st.sampled_from(choices), label="fact")
    if isinstance(key, tuple):
        out.records[rid]["actions"].pop(key[1])
        if not out.records[rid]["actions"]:
            del out.records[rid]["actions"]
        return out, f"删掉 {rid} 的一条处理记录", None, None
    del out.records[rid][key]
    # a link or a verdict removed: the duty it carried may be reported under another rule of the case
    return out, f"删掉 {rid} 的 {key}", (rid if key in ("related", "feedback", "satisfaction", "result") else None), None


def mark_unreachable(repo: Repo, data, limit: datetime = LIMIT) -> tuple[Repo, str, str | None, None] | None:
    visits = sorted(rid for rid, v in repo.records.items() if rid.startswith("HF-") and v.get("related")
                    and v.get("reachable", True))
    if not visits:
        return None
    rid = data.draw(st.sampled_from(visits), label="visit")
    out = repo.copy()
    v = out.records[rid]
    v["reachable"] = False
    v["contact_problem"] = data.draw(st.sampled_from(("空号", "无人接听", "无人在家")), label="problem")
    return out, f"把回访 {rid} 标为没有联系上（{v['contact_problem']}）", rid, None


MUTATIONS = {"move_later": move_later, "remove_fact": remove_fact, "mark_unreachable": mark_unreachable}


# --------------------------------------------------------------------------- the properties


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@SETTINGS
@given(repo=repositories(), data=st.data())
def test_generated_repositories_cannot_be_fooled(tmp_path_factory, mutation, repo, data):
    base = tmp_path_factory.mktemp("base")
    repo.write(base)
    before = verdicts(base)
    got = MUTATIONS[mutation](repo, data)
    assume(got is not None)
    worse, what, touched, own = got
    root = tmp_path_factory.mktemp("mutated")
    worse.write(root)
    assert_not_fooled(before, verdicts(root), repo.links(), what, touched, own)


def _demo() -> Repo:
    records = {}
    for path in sorted(DEMO.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("id"):
            records[data["id"]] = data
    return Repo(records)


@pytest.fixture(scope="module")
def demo_verdicts(tmp_path_factory):
    repo = _demo()
    root = tmp_path_factory.mktemp("demo")
    repo.write(root)
    return repo, verdicts(root, DEMO_AS_OF)


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@settings(max_examples=int(os.environ.get("HUIFANG_PROPERTY_EXAMPLES", "25")) // 2 + 1, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_the_demo_cannot_be_fooled(tmp_path_factory, demo_verdicts, mutation, data):
    repo, before = demo_verdicts
    got = MUTATIONS[mutation](repo, data, DEMO_LIMIT)
    assume(got is not None)
    worse, what, touched, own = got
    root = tmp_path_factory.mktemp("demo-mutated")
    worse.write(root)
    assert_not_fooled(before, verdicts(root, DEMO_AS_OF), repo.links(), what, touched, own)


# --------------------------------------------------------------------------- counter-examples found

def _base(*records: dict) -> Repo:
    cust = {"id": "CUST-0001", "name": "业主1", "class": "B", "type": "业主", "phone": "13812345678",
            "address": "翠湖花园 3 栋", "region": "城西"}
    return Repo({r["id"]: r for r in (cust,) + records})


def _verdicts(tmp_path, name: str, repo: Repo) -> Verdicts:
    repo.write(tmp_path / name)
    return verdicts(tmp_path / name)


def test_counter_example_removing_a_callbacks_order_link(tmp_path):
    """Found by remove_fact: a dissatisfied callback without `related` dropped out of W-CB-05."""
    done = datetime(2026, 11, 2, 14, 0, tzinfo=TZ)
    repo = _base({"id": "WO-20261102-001", "customer": "CUST-0001", "type": "维修", "completed": done},
                 {"id": "HF-20261103-001", "date": done + timedelta(days=1), "method": "电话", "purpose": "维修回访",
                  "customer": "CUST-0001", "related": ["WO-20261102-001"], "visitor": "李娜", "interviewee": "业主本人",
                  "content": "电话回访。询问处理情况", "result": "不满意"})
    before = _verdicts(tmp_path, "base", repo)
    assert ("W-CB-05", "HF-20261103-001") in {(f.rule, f.record) for f in before}
    worse = repo.copy()
    del worse.records["HF-20261103-001"]["related"]
    after = _verdicts(tmp_path, "mutated", worse)
    assert_not_fooled(before, after, repo.links(), "删掉 related", "HF-20261103-001")
    assert ("W-CB-05", "HF-20261103-001") in {(f.rule, f.record) for f in after}


def test_counter_example_moving_a_visit_later_moves_its_own_review_deadline(tmp_path):
    """Found by move_later: an unreviewed visit moved later is no longer overdue for V-REV-01 — its
    review is due review_days after the visit. The duty stays on the due list as a to-do; a pass it
    is not (an unrelated promise answered by any later visit, by contrast, was a loophole: V-NEW-01)."""
    visit = {"id": "HF-20261120-001", "date": datetime(2026, 11, 20, 10, 0, tzinfo=TZ), "method": "电话",
             "purpose": "例行回访", "customer": "CUST-0001", "visitor": "李娜", "content": "电话回访。询问处理情况",
             "recorded": datetime(2026, 11, 20, 12, 0, tzinfo=TZ)}
    repo = _base(visit)
    before = _verdicts(tmp_path, "base", repo)
    assert ("V-REV-01", "HF-20261120-001") in {(f.rule, f.record) for f in before}
    worse = repo.copy()
    worse.records["HF-20261120-001"]["date"] += timedelta(days=5)
    worse.records["HF-20261120-001"]["recorded"] += timedelta(days=5)
    after = _verdicts(tmp_path, "mutated", worse)
    assert ("V-REV-01", "HF-20261120-001") in after.todo
    assert_not_fooled(before, after, repo.links(), "把回访推迟 5 天", own="HF-20261120-001")
    with pytest.raises(AssertionError):  # only the moved visit's own duties may turn into to-dos
        assert_not_fooled(before, after, repo.links(), "把回访推迟 5 天")


# --------------------------------------------------------------------------- fields a rule reads


def test_every_field_a_rule_reads_is_in_the_model_the_template_and_the_format(demo_verdicts, tmp_path,
                                                                               monkeypatch):
    """A rule asking for a field no clerk can find fails a correct record with no way to fix it."""
    from generator import model
    from generator.load import Record
    from generator.rules import run

    read: set[tuple[str, str]] = set()
    get, item = Record.get, Record.__getitem__

    def by_a_rule() -> bool:  # the engine's own bookkeeping (who is responsible…) is not a rule's fact
        caller = sys._getframe(2).f_code.co_filename.replace("\\", "/")
        return "/generator/rules/" in caller and not caller.endswith("/engine.py")

    def spy_get(self, key, default=None):
        if by_a_rule():
            read.add((self.kind.name, key))
        return get(self, key, default)

    def spy_item(self, key):
        if by_a_rule():
            read.add((self.kind.name, key))
        return item(self, key)

    repo, _ = demo_verdicts
    repo.write(tmp_path / "demo")
    analysis = analyse(tmp_path / "demo", DEMO_AS_OF)
    monkeypatch.setattr(Record, "get", spy_get)
    monkeypatch.setattr(Record, "__getitem__", spy_item)
    run(analysis.records, analysis.config, analysis.as_of)
    monkeypatch.undo()
    assert len(read) > 40
    reference = model.field_reference()
    templates = Path(__file__).resolve().parents[1] / "templates" / "records"
    for kind, key in sorted(read):
        assert key in model.KINDS[kind].by_name, (kind, key)
        text = (templates / f"{kind}.yml").read_text(encoding="utf-8")
        assert f"\n{key}:" in text or f"\n# {key}:" in text, f"{kind}.{key} 不在记录模板里"
        assert f"`{key}`" in reference, f"{kind}.{key} 不在记录格式说明里"
