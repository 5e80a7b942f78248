"""V — visit planning, conduct and recording (PROCEDURES.md §2.A).

Complaint words used here follow the agreed semantics of complaints.py: a complaint's revisits are
the visits whose `related` names it; its first answer is the earlier of the first 回复 action and
`first_response`; it is closed with status 已结案 (or a final 结案 action); it is anonymous without
`customer`; who is owed a revisit is `needs_visit`. A visit that did not reach the customer is a
failed attempt: it meets no duty and has no verdict (followup.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from ..config import METHODS_BY_OPTION
from ..dates import fact_instant, local_date
from .engine import catalogue, rule
from .complaints import (DISSATISFIED, SATISFIED, actions, closed_at, first_answer, is_closed, is_feedback_form,
                         needs_visit, reply, revisits, satisfaction)
from .complaints import is_resolved as is_done
from .followup import about, first_meeting, judge, reached


def reply_time(c) -> datetime | None:
    """The complaint's first answer (the earlier of the first 回复 action and `first_response`)."""
    return first_answer(c)[0]


def done_time(c) -> datetime:
    """When the outcome came: `resolved`, else the 结案 action, else receipt."""
    return c["resolved"] or closed_at(c) or c["received"]


def _month(d: date | datetime) -> str:
    d = local_date(d) if isinstance(d, datetime) else d
    return f"{d:%Y-%m}"


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().casefold() == b.strip().casefold())


# -- V-DAY-01 ---------------------------------------------------------------------------------

@rule("V-DAY-01", "回访当天记录（日清日结）", scope="record", modal="必须", source="000 P1 §4.3(3)",
      asks="回访记录必须在回访当天写好并提交（日清日结）", kinds=("visit",))
def same_day(ctx):
    """Done: the record written — `recorded`, else the first commit of the file at or after the
    visit (a file added before the visit, e.g. as a plan, records the visit only when it is changed
    afterwards; moves keep the history). Compared: with the end of the visit day + same_day_grace_hours.
    Order: `recorded` before the visit, or a file never changed after the visit it claims, is a
    finding. Missing fact: no `recorded` and no git history for the file (not committed, shallow
    clone) is unknown, not late. Failed attempts are visits too and are recorded the same day."""
    grace = timedelta(hours=ctx.threshold("same_day_grace_hours"))
    for v in ctx.records.visits:
        visited = v["date"]
        deadline = datetime.combine(local_date(visited) + timedelta(days=1), datetime.min.time(), visited.tzinfo) + grace
        th = "回访当天 24:00 前"
        if v["recorded"] is not None:
            when, key, how = v["recorded"], "recorded", "记录时间"
            if fact_instant(when) < fact_instant(visited):
                ctx.finding(v, key, f"记录时间 {when:%Y-%m-%d %H:%M} 早于回访时间 {visited:%Y-%m-%d %H:%M}，"
                                    f"记录的不是这次回访；请核对回访时间（date）和记录时间（recorded）", threshold=th)
                continue
        else:
            prov = ctx.provenance.get(v.path)
            if prov is None or prov.first is None:
                continue  # not committed yet, or history cut by a shallow clone: no evidence either way
            after = [ch for ch in prov.changes if ch.time >= fact_instant(visited)]
            key, how = "date", "第一次提交到仓库的时间"
            if not after:
                ctx.finding(v, key, f"这个文件在 {prov.first.time:%Y-%m-%d %H:%M} 就提交了，早于回访时间 "
                                    f"{visited:%Y-%m-%d %H:%M}，之后再没有修改：仓库里没有这次回访当天的记录", threshold=th)
                continue
            when = after[0].time
            if after[0] is not prov.changes[0]:
                how = "回访后第一次提交修改的时间"
        if when >= deadline:
            days = (local_date(when) - local_date(visited)).days
            ctx.finding(v, key, f"回访在 {local_date(visited)}，{how}却是 {local_date(when)}，晚了 {days} 天",
                        threshold=th, status="done", due=deadline)


# -- review and proof of visit ----------------------------------------------------------------

REVIEWER_ROLES = {"REV-P1": "部门主管", "REV-P3": "客服主任", "REV-P4": "办公室事务助理"}  # the review option's role


@rule("V-REV-01", "主管审阅并提出指导意见", scope="record", modal="负责", source="000 P1 §3.3、§4.4(2)",
      asks="主管审阅每一条回访记录并写出指导意见（审阅人不能是回访人本人）", param="review", kinds=("visit",))
def supervisor_review(ctx):
    """Done: a `review` block {by, date, comment} by someone else, or a git approval (see history.py)
    by someone else who holds the reviewer role in staff.yml (where staff.yml marks reviewers).

    Deadline: the visit day + review_days, compared with the review's `date` or the approval's
    time; the FIRST valid review decides (a later re-approval after an amendment does not make an
    on-time review late), and a review dated before the visit reviews nothing.  Verdict: the
    reviewer's identity against the visitor and the submitter (git email or name), whatever way
    the merge was made.  Missing fact: with no git history for the file (shallow clone, no
    repository) the git review is unknown, not missing: only a wrong `review` block is reported.
    A late review stays a finding that says how late.
    """
    days = ctx.threshold("review_days")
    limit = f"回访后 {days} 天内，审阅人不是回访人（{ctx.profile_text('review')}）"
    history_known = bool(ctx.provenance)
    reviewer = ctx.holders(REVIEWER_ROLES.get(ctx.option("review"), "主管"), reviewers=True)  # who must act
    for v in ctx.records.visits:
        visited = local_date(v["date"])
        due = visited + timedelta(days=days)
        prov = ctx.provenance.get(v.path)
        visitor = v["visitor"]
        ok: list = []  # on-time, valid
        late: list[tuple[date, object, str]] = []  # (when, key, who)
        wrong: list[tuple[object, str]] = []  # (key, problem)
        block = v.get("review") if isinstance(v.get("review"), dict) else {}
        if block:
            by, when = block.get("by"), block.get("date")
            when = local_date(when) if isinstance(when, datetime) else when
            if _same(by, visitor) or (prov is not None and prov.is_submitter(by)):
                wrong.append((("review", "by"), f"审阅人“{by}”就是这条回访记录的回访人或提交人，不能自己审阅自己"))
            elif not str(block.get("comment") or "").strip():
                wrong.append((("review", "comment"), "主管审阅（review）没有写指导意见（comment）"))
            elif isinstance(when, date) and when < visited:
                wrong.append((("review", "date"), f"主管审阅日期 {when} 早于回访日期 {visited}，审阅的不是这次回访"))
            elif isinstance(when, date) and when > due:
                late.append((when, ("review", "date"), f"主管 {by}"))
            else:
                ok.append(block)
        for a in (prov.approvals if prov is not None else ()):
            when = local_date(a.time)
            if _same(a.reviewer, visitor) or _same(a.git_name, visitor) or prov.is_submitter(a):
                wrong.append(("visitor", f"在 git 中批准（合并）这条记录的“{a.reviewer}”就是回访人或提交人本人，不算主管审阅"))
            elif a.authorized is False:
                role = f"（{a.role}）" if a.role else ""
                wrong.append(("visitor", f"在 git 中批准（合并）这条记录的“{a.reviewer}”{role}在 staff.yml 里没有审阅资格"
                                         f"（reviewer: true），不算主管审阅"))
            elif when < visited:
                wrong.append(("visitor", f"{a.reviewer} 在 {when} 批准的是回访（{visited}）之前的版本，审阅的不是这次回访"))
            elif when > due:
                late.append((when, "visitor", f"主管 {a.reviewer} 在 git 中"))
            else:
                ok.append(a)
        if prov is not None and prov.amended_after_approval:
            ctx.finding(v, "id", "审阅后又被修改：这条记录在主管批准后又有改动，改动还没有经过审阅",
                        threshold=limit, severity="warning")
        if ok:
            continue
        if late:
            when, key, who = min(late, key=lambda t: t[0])
            ctx.finding(v, key, f"{who}在 {when} 才审阅，晚于期限 {due}（回访后 {days} 天），晚了 {(when - due).days} 天",
                        threshold=limit)
            continue
        if wrong:
            key, problem = wrong[0]
            ctx.finding(v, key, problem, threshold=limit)
            continue
        if not history_known or (prov is not None and prov.partial):
            continue  # no git history for this record: its review is unknown, not missing
        ctx.deadline(v, "visitor", due, f"到 {due} 还没有主管审阅：记录里没有 review（审阅人 by、日期 date、"
                                        f"指导意见 comment），也没有主管在 git 中合并批准",
                     "主管审阅回访记录并写指导意见", threshold=limit, who=reviewer)


@rule("V-SIGN-01", "上门回访须有业主签名或记录拒签态度", scope="record", modal="必须", source="000 P4 Art.3(2)",
      asks="上门回访记录必须有业主签名；业主拒签时怎样处理，按本单位选定的做法", param="signature", kinds=("visit",))
def onsite_signature(ctx):
    """Population: on-site visits that reached the customer (nobody home: nobody to sign; a
    signature on such a visit is S-SCALE-01's contradiction). Done: `signature: 已签名`; under
    SIGN-REFUSAL also `拒签` with the owner's attitude in `refusal_note` (a refusal without it is a
    finding). Missing fact: no signature is a finding, never a pass. No deadline."""
    strict = ctx.option("signature") == "SIGN-STRICT"
    limit = ctx.profile_text("signature")
    for v in ctx.records.visits:
        if v["method"] != "上门" or not reached(v):
            continue  # nobody home: no one to sign (S-SCALE-01 catches a signature on such a visit)
        sig = v["signature"]
        key = "signature" if sig else "method"
        if sig == "已签名":
            continue
        if sig == "拒签" and not strict:
            if not str(v.get("refusal_note", "")).strip():
                ctx.finding(v, "signature", "业主拒签，但没有在 refusal_note 里记下业主的态度", threshold=limit)
            continue
        got = f"签名（signature）是“{sig}”" if sig else "没有填写签名（signature）"
        want = "应为“已签名”（本单位的做法不接受以拒签代替签名）" if strict else \
            "应为“已签名”，业主拒签时写“拒签”并记下其态度"
        ctx.finding(v, key, f"这是上门回访，{got}，{want}", threshold=limit)


@rule("V-SIGN-02", "电话回访须注明“电话回访”", scope="record", modal="应", source="000 P4 Art.3(2)",
      asks="电话回访不要求签名，但回访记录里要写明“电话回访”", kinds=("visit",))
def phone_marker(ctx):
    """Population: every phone visit, failed attempts included (the record still says how the visit
    was made). Done: the content says 电话回访; a phone visit carrying a signature or refusal is a
    contradiction. No deadline."""
    for v in ctx.records.visits:
        if v["method"] != "电话":
            continue
        if "电话回访" not in (v["content"] or ""):
            ctx.finding(v, "content", "这是电话回访，回访内容（content）里没有写明“电话回访”",
                        threshold="回访内容含“电话回访”四个字")
        if v["signature"] in ("已签名", "拒签"):
            ctx.finding(v, "signature", f"电话回访不可能有业主当面签名或拒签，签名（signature）却写了“{v['signature']}”，"
                                        f"请改为“无”", threshold="电话回访不签名（签名为“无”或不填）")


# -- follow-up of what the visit raised -------------------------------------------------------

@rule("V-NEW-01", "回访中的新问题须告知答复时间", scope="record", modal="应", source="000 P4 Art.3(4)",
      asks="回访中业主又提出、当场答复不了的问题，应告知业主答复时间，并按时答复", kinds=("visit",))
def new_issue_reply(ctx):
    """Population: each new issue a visit records that was not answered on the spot (`answered`).
    Done: a promised date (`reply_by`, its absence is a finding) kept by the first later visit to
    the same customer that reached them AND is about the promise: its `related` names the visit that
    promised, or an order or complaint that visit followed up — an unrelated visit to the customer
    answers nothing. Compared with the end of reply_by (late says how late; failed attempts on the
    case are named and never count)."""
    for v in ctx.records.visits:
        for i, item in enumerate(v.get("new_issues", [])):
            if not isinstance(item, dict) or item.get("answered"):
                continue
            text, rb = item.get("text", ""), item.get("reply_by")
            if rb is None:
                ctx.finding(v, ("new_issues", i), f"回访中提出的新问题“{text}”既没有承诺答复日期（reply_by），"
                                                  f"也没有注明当场已解答（answered: true）", threshold="每个新问题都有答复日期")
                continue
            linked = about(v)
            later = [w for w in ctx.records.by_customer.get(v["customer"], []) if w.kind.name == "visit" and linked(w)]
            judge(ctx, v, ("new_issues", i, "reply_by"), rb, first_meeting(later, since=v["date"], after=True),
                  late=f"答应在 {rb} 前答复新问题“{text}”，到期后没有答复它的回访记录（后续回访的 related 写明 {v.id} "
                       f"或同一工单/投诉）",
                  what=f"答复回访中提出的新问题“{text}”", threshold=f"{rb} 前再次回访答复")


@rule("V-REP-01", "未解决须再次回访；第二次后可电话回访", scope="issue", modal="必须", source="000 P4 Art.3(4)",
      asks="回访后问题仍未解决、业主仍不满意的，必须再次回访，直到解决；第二次以后可用电话回访",
      param="repeat_visit", kinds=("complaint", "visit"))
def repeat_visit(ctx):
    """Population: complaints owed a revisit. Trigger: each revisit that reached the customer whose
    verdict (the fact the category names) is dissatisfied. Done: the next revisit that reached the
    customer, compared with the trigger's day + repeat_visit_workdays working days (late says how
    late); a complaint closed before that deadline with no further revisit is C-CLOSE-01's finding,
    not this one. Missing fact: a complaint still open whose latest reached revisit has no verdict is
    a finding asking for it (nobody can tell whether another visit is needed). REP-P4: for the
    configured third categories the 3rd and later revisits may not be by phone; REP-P5 allows it."""
    n = ctx.threshold("repeat_visit_workdays")
    p4 = ctx.option("repeat_visit") == "REP-P4"
    third = set(ctx.config.third_category)
    th = f"不满意后 {n} 个工作日内再次回访"
    for c in ctx.records.complaints:
        if not needs_visit(c, ctx):
            continue
        revs = [v for v in revisits(ctx, c) if reached(v)]
        end = closed_at(c)
        for v in revisits(ctx, c):
            verdict = satisfaction(v, c)
            if verdict not in DISSATISFIED:
                continue
            due = ctx.add_workdays(c, "status", local_date(v["date"]), n)
            if due is None:
                continue
            met = first_meeting(revisits(ctx, c), since=v["date"], after=True)
            if met.event is None and is_closed(c) and (end is None or fact_instant(end) <= fact_instant(due)):
                continue  # closed while dissatisfied: C-CLOSE-01
            judge(ctx, c, "status", due, met, threshold=th,
                  late=f"回访 {v.id}（{local_date(v['date'])}）客户仍“{verdict}”，到 {due} 还没有再次回访",
                  what=f"回访 {v.id} 客户仍不满意，须再次回访")
        if revs and not is_closed(c) and satisfaction(revs[-1], c) is None:
            ctx.finding(revs[-1], "content", f"投诉 {c.id} 还没有结案，最近一次回访 {revs[-1].id} 却没有记录满意度，"
                                             f"无法判断是否需要再次回访", threshold=th)
        if p4 and c["category"] in third:
            for v in revs[2:]:
                if v["method"] == "电话":
                    ctx.finding(v, "method", f"投诉 {c.id} 的类别“{c['category']}”属于第三类投诉，第三次及以后的回访"
                                             f"也不能用电话", threshold=ctx.profile_text("repeat_visit"))


# -- open letters -----------------------------------------------------------------------------

@rule("V-OL-01", "多个业主反映同一问题可发公开信", scope="issue", modal="可以", source="000 P3 §4",
      asks="多个业主提出同一问题时，管理处可以用公开信答复", param="open_letter", kinds=("complaint", "letter"))
def open_letter_suggestion(ctx):
    """A suggestion (可以), never an error. Trigger: an issue without an open letter raised by at
    least several_owners distinct customers (OL-P3) or by two complaints (OL-P45). Done: any open
    letter on the issue. No deadline."""
    p3 = ctx.option("open_letter") == "OL-P3"
    owners = ctx.threshold("several_owners")
    for issue, cs in ctx.records.issues.items():
        if ctx.records.letters_by_issue.get(issue):
            continue
        customers = sorted({c["customer"] for c in cs if c["customer"]})
        if p3 and len(customers) >= owners:
            why = f"有 {len(customers)} 位客户（{'、'.join(customers)}）反映同一问题“{issue}”"
        elif not p3 and len(cs) >= 2:
            why = f"同一问题“{issue}”有 {len(cs)} 条投诉"
        else:
            continue
        ctx.finding(cs[-1], "issue", f"{why}，还没有公开信；可以用 huifang new letter --issue {issue} 起草一封",
                    threshold=(f"≥ {owners} 位客户" if p3 else "≥ 2 条投诉") + f"（{ctx.profile_text('open_letter')}）")


@rule("V-OL-02", "公开信存入回访档案", scope="record", modal="应", source="000 P3 §4",
      asks="公开信应写明答复的投诉，存入这些客户的回访档案", kinds=("letter",))
def letter_filed(ctx):
    """Done: the letter lists the complaints it answers (`complaints`), which is how it reaches
    those customers' archives; an empty list is a finding. No deadline."""
    for letter in ctx.records.letters:
        if not letter.get("complaints"):
            ctx.finding(letter, "issue", f"公开信没有列出答复的投诉（complaints），无法存入相关客户的回访档案；"
                                         f"请列出问题“{letter['issue']}”的投诉编号", threshold="至少一条投诉")


# -- every case answered, and the rates -------------------------------------------------------

def _letters_about(ctx, c) -> list:
    """The letters that list the complaint or share its issue, in the order of ctx.records.letters
    (an index instead of every letter for every complaint: at 100,000 records that loop took 100 s)."""
    index = ctx.memo.get("letters_about")
    if index is None:
        by_complaint, by_issue = defaultdict(list), defaultdict(list)
        for i, letter in enumerate(ctx.records.letters):
            for cid in letter.get("complaints", []) if isinstance(letter.get("complaints"), list) else ():
                if isinstance(cid, str):
                    by_complaint[cid].append(i)
            by_issue[letter["issue"]].append(i)
        index = ctx.memo["letters_about"] = (by_complaint, by_issue)
    by_complaint, by_issue = index
    found = set(by_complaint.get(c.id, ()))
    if c["issue"]:
        found.update(by_issue.get(c["issue"], ()))
    return [ctx.records.letters[i] for i in sorted(found)]


def _answers(ctx, c) -> list[datetime]:
    """Every time the customer was answered, in any of the equivalent ways: a 回复 action or
    first_response, a revisit that reached them, an open letter covering the complaint (its day),
    and — without a time of their own — a reply letter or an anonymous complaint's result (counted
    at the outcome)."""
    got = [t for t in (reply_time(c),) if t is not None]
    got += [v["date"] for v in revisits(ctx, c) if reached(v)]
    for letter in _letters_about(ctx, c):
        if c.id in letter.get("complaints", []) or (
                c["issue"] and letter["issue"] == c["issue"] and letter["date"] >= local_date(c["received"])):
            got.append(letter["date"])
    if str(c.get("reply_letter", "")).strip() or (not c["customer"] and str(c.get("result", "")).strip()):
        if c["resolved"] or closed_at(c):
            got.append(c["resolved"] or closed_at(c))
    return got


def _outcome(c) -> datetime | None:
    """When the case reached its outcome: `resolved`, else its closing; an enquiry or a suggestion
    is settled by its answer."""
    if c["resolved"] or closed_at(c):
        return c["resolved"] or closed_at(c)
    if c["type"] in ("咨询", "建议") and is_done(c):
        return reply_time(c)
    return None


def handled_at(ctx, c) -> datetime | date | None:
    """When the case had both an outcome and an answer (the later of the two), None if not yet."""
    out, answers = _outcome(c), _answers(ctx, c)
    if out is None or not answers:
        return None
    first = min(answers, key=fact_instant)
    return max(out, first, key=fact_instant)


@rule("V-100-01", "件件有着落，事事有回音", scope="issue", modal="要", source="000 P3 §5",
      asks="业主反映的每个问题都要有处理结果并答复业主，回访处理率达 100%", kinds=("complaint", "visit", "letter"))
def every_case_answered(ctx):
    """Population: every case an owner raised — complaints, enquiries and suggestions alike. Done:
    an outcome (`resolved` or the closing; an enquiry's or suggestion's answer) AND an answer in any
    equivalent form (see `_answers`); the later of the two is compared with default_reply_days
    after receipt, or with `reply_by` when the customer was promised a later date (answering by
    `reply_by` itself is C-DL-01's). Late says how late; the month figure counts the cases due that
    month, handled on time in the numerator (the same verdict as the records). Missing fact: a
    status saying resolved without a time of the outcome is not handled."""
    days = ctx.threshold("default_reply_days")
    due_by_month = defaultdict(list)
    for c in ctx.records.complaints:
        due = c["received"] + timedelta(days=days)
        limit = f"受理后 {days} 天内"
        if c["reply_by"] and fact_instant(c["reply_by"]) > fact_instant(due):
            due, limit = c["reply_by"], f"答复期限 {local_date(c['reply_by'])} 前（晚于受理后 {days} 天）"
        when = handled_at(ctx, c)
        on_time = when is not None and fact_instant(when) <= fact_instant(due)
        if ctx.passed(due) or on_time:
            due_by_month[_month(due)].append((c, on_time))
        missing = []
        if _outcome(c) is None:
            missing.append(f"还没有处理结果（状态是“{c['status']}”，没有解决时间 resolved）")
        if not _answers(ctx, c):
            missing.append("还没有答复客户（没有“回复”处理记录、首次答复时间、联系上客户的回访、公开信或复函）")
        late = f"已过期限 {local_date(due)}（{limit}）"
        ctx.deadline(c, "reply_by" if due is c["reply_by"] else "received", due, f"{late}：" + "；".join(missing),
                     "投诉须有处理结果并答复客户", threshold=limit, done=when)
    for m in ctx.months():
        rows = due_by_month.get(m, [])
        ctx.figure(m, "到期投诉中按期有结果并答复的比例", sum(h for _, h in rows), len(rows), 1.0, ">=",
                   "100%（件件有着落，事事有回音）", [c.id for c, h in rows if not h],
                   population="答复期限在本月且已到期（或已按期办结）的投诉、咨询和建议")


@rule("V-RATE-01", "投诉回访处理率 100%", scope="period", modal="应该", source="000 P4 Art.4(1)",
      asks="投诉和意见征询的回访处理率应达到 100%", kinds=("complaint", "visit"))
def complaint_visit_rate(ctx):
    """Population: complaints owed a revisit (the same `needs_visit` as C-REV-01: no enquiries,
    suggestions, anonymous or, under ANON-P45, reply-letter-only ones), by month of the outcome;
    one whose first revisit is not yet due (revisit_workdays after the outcome) is not counted yet.
    Done: a revisit after the outcome that reached the customer (failed attempts do not count)."""
    n = ctx.threshold("revisit_workdays")
    by_month = defaultdict(list)
    for c in ctx.records.complaints:
        if not is_done(c) or not needs_visit(c, ctx):
            continue
        visited = first_meeting(revisits(ctx, c), since=done_time(c)).event is not None
        if not visited:
            due = ctx.add_workdays(c, "resolved", local_date(done_time(c)), n)
            if due is not None and not ctx.passed(due):
                continue
        by_month[_month(done_time(c))].append((c, visited))
    for m in ctx.months():
        rows = by_month.get(m, [])
        ctx.figure(m, "已解决的投诉中有回访的比例", sum(v for _, v in rows), len(rows), 1.0, ">=",
                   "100%", [c.id for c, v in rows if not v], population="本月解决、须回访且回访已到期的投诉",
                   finding=f"已解决的投诉 {len(rows)} 条，有回访的 {sum(v for _, v in rows)} 条")


def _year_figures(ctx, label: str, items, offender_is: bool, target: float, op: str, limit: str, what: str,
                  population: str) -> None:
    """One figure per calendar year: running (progress, never an error) until the year ends, then met or missed.

    `items` are (day, record id, counts-for-numerator); offenders are the records whose flag is `offender_is`.
    """
    for y in sorted({int(m[:4]) for m in ctx.months()}):
        rows = [(rid, ok) for d, rid, ok in items if d.year == y]
        ctx.figure(str(y), f"{label}（{y} 年累计）", sum(ok for _, ok in rows), len(rows), target, op, limit,
                   [rid for rid, ok in rows if ok == offender_is], population=population, finding=f"{label}{what}")


@rule("V-RATE-02", "有签名的上门回访不少于 40%", scope="period", modal="不少于", source="000 P4 Art.4(1)",
      asks="有业主签名的上门回访记录不少于全年回访的 40%", kinds=("visit",))
def signed_onsite_rate(ctx):
    """Denominator: every visit of the calendar year that reached the customer (PROCEDURES §4.4.1;
    a failed attempt is no visit); numerator: on-site visits with the signature (refusals do not
    count as signed). Not applicable when the method option allows no on-site visit (see
    `option_notes`)."""
    if "上门" not in METHODS_BY_OPTION[ctx.option("method")]:
        return
    floor = ctx.threshold("signed_onsite_min")
    items = [(local_date(v["date"]), v.id, v["method"] == "上门" and v["signature"] == "已签名")
             for v in ctx.records.visits if reached(v)]
    _year_figures(ctx, "有签名的上门回访占全年回访", items, False, floor, ">=", f"≥ {floor:.0%}",
                  f"低于 {floor:.0%}", "全年联系上客户的回访记录（公开信不计）")


@rule("V-RATE-03", "电话和信函回访不超过全年回访的 70%/60%", scope="period", modal="不超过", source="000 P4 Art.4(3)",
      asks="电话回访和信函回访合计不超过全年回访总数的上限", param="phone_letter", kinds=("visit", "letter"))
def phone_letter_rate(ctx):
    """The sum of phone and letter visits (§4.4.2) over the year's visits that reached the customer
    (a failed attempt is no visit); each open letter counts as one letter visit (§4.4.3). Not
    applicable when the method option allows nothing but phone and letters (see `option_notes`)."""
    if not set(METHODS_BY_OPTION[ctx.option("method")]) - {"电话", "信函"}:
        return
    ceiling = ctx.config.option_value("phone_letter")
    items = [(local_date(v["date"]), v.id, v["method"] in ("电话", "信函")) for v in ctx.records.visits if reached(v)]
    items += [(letter["date"], letter.id, True) for letter in ctx.records.letters]
    _year_figures(ctx, "电话和信函回访占全年回访", items, True, ceiling, "<=",
                  f"≤ {ceiling:.0%}（{ctx.profile_text('phone_letter')}）", f"超过 {ceiling:.0%}",
                  "全年联系上客户的回访记录加公开信（每封公开信按一次信函回访计，所以比有签名上门回访的分母多）")


# -- same issue, duplicates, no-visit complaints ----------------------------------------------

def _occasions(cs) -> list:
    """The complaint occasions of an issue: each complaint (type 投诉, not a feedback form a visit
    opened) once, plus once per other department it also reached (§4.3.3), by receipt."""
    out = []
    for c in cs:
        if c["type"] != "投诉" or is_feedback_form(c):
            continue
        out += [c] * (1 + len([d for d in c.get("also_received_by", []) if str(d).strip()]))
    return sorted(out, key=lambda c: fact_instant(c["received"]))


@rule("V-ESC-01", "同一问题多次投诉须上报负责人", scope="issue", modal="应", source="000 P3 §6",
      asks="同一问题被多次投诉的，应提高重视并上报负责人（在投诉里记一条“升级”处理记录）", kinds=("complaint",))
def repeated_escalated(ctx):
    """Population: complaint occasions of one issue (`_occasions`: enquiries, suggestions and the
    feedback forms visits open are not complaints). Trigger: the several_complaints-th occasion.
    Done: the first 升级 action in any complaint of the issue at or after it, compared with its day
    + escalation_days; late says how late."""
    n, days = ctx.threshold("several_complaints"), ctx.threshold("escalation_days")
    for issue, cs in ctx.records.issues.items():
        occ = _occasions(cs)
        if len(occ) < n:
            continue
        nth = occ[n - 1]
        ups = [(a["at"], a) for c in cs for _, a in actions(c, "升级")]
        met = first_meeting(ups, since=nth["received"], when=lambda e: e[0])
        due = local_date(nth["received"]) + timedelta(days=days)
        limit = f"第 {n} 次投诉后 {days} 天内上报"
        ids = "、".join(dict.fromkeys(c.id for c in occ))
        ctx.deadline(nth, "issue", due, f"同一问题“{issue}”已被投诉 {len(occ)} 次（{ids}），到 {due} 还没有“升级”"
                                        f"（上报负责人）的处理记录",
                     f"同一问题“{issue}”多次投诉，上报负责人", threshold=limit, done=met.at)


@rule("V-DUP-01", "同一投诉人向多个部门投诉同一问题只记一次", scope="issue", modal="应", source="000 P4 Art.3(7)",
      asks="同一业主就同一问题向不同部门投诉的，应只登记一条投诉，其他受理部门写在 also_received_by", kinds=("complaint",))
def duplicate_complaint(ctx):
    """Population: complaints (type 投诉) with a customer and an issue — not the feedback form a
    dissatisfied visit must open (channel 回访发现), which carries the same issue on purpose. Two of
    one customer's complaints on one issue received within duplicate_days are one complaint recorded
    twice: a finding on the later one."""
    days = ctx.threshold("duplicate_days")
    groups = defaultdict(list)
    for c in ctx.records.complaints:
        if c["customer"] and c["issue"] and c["type"] == "投诉" and not is_feedback_form(c):
            groups[(c["customer"], c["issue"])].append(c)
    for cs in groups.values():
        for a, b in zip(cs, cs[1:]):
            if b["received"] - a["received"] <= timedelta(days=days):
                ctx.finding(b, "issue", f"与 {a.id} 是同一客户 {b['customer']} 的同一问题“{b['issue']}”，受理时间相差不到 {days} 天，"
                                        f"应合并为一条记录，把其他受理部门写在 also_received_by",
                            threshold=f"同一客户同一问题 {days} 天内只记一条")


@rule("V-ANON-01", "匿名投诉可不回访，但要记下处理结果", scope="record", modal="要", source="000 P3 §7",
      asks="没有留下姓名、地址的投诉可以不回访，但要把处理结果写在投诉上并保存", param="anonymous", kinds=("complaint",))
def anonymous_result(ctx):
    """Population: anonymous complaints (no `customer`) with an outcome (resolved or closed status,
    `resolved` or a closing). Done: the handling result written on the complaint (`result`), under
    ANON-P45 also a reply letter (`reply_letter`). Missing fact: an outcome without either is a
    finding. No revisit is owed (needs_visit), so nothing else is asked of it."""
    p45 = ctx.option("anonymous") == "ANON-P45"
    for c in ctx.records.complaints:
        if c["customer"] or not is_done(c):
            continue
        if str(c.get("result", "")).strip() or (p45 and str(c.get("reply_letter", "")).strip()):
            continue
        need = "处理结果（result）或复函（reply_letter）" if p45 else "处理结果（result）"
        ctx.finding(c, "status", f"匿名投诉已“{c['status']}”，但没有写{need}", threshold=ctx.profile_text("anonymous"))


@rule("V-ANON-02", "只需复函的投诉可不回访，但要附复函", scope="record", modal="应", source="000 P4 Art.3(8)",
      asks="上级转呈、只要求书面复函的投诉可不回访，但应把复函附在投诉上", param="anonymous", kinds=("complaint",))
def reply_letter_only(ctx):
    """Population: complaints marked `reply_letter_only`. Under ANON-P45 they owe no revisit but,
    once they have an outcome, the reply letter (`reply_letter`) must be attached — its absence is a
    finding. Under ANON-P3 the mark exempts nothing (a note says so and needs_visit keeps the
    revisit duties)."""
    p45 = ctx.option("anonymous") == "ANON-P45"
    for c in ctx.records.complaints:
        if not c.get("reply_letter_only"):
            continue
        if not p45:
            ctx.finding(c, "reply_letter_only", "按 ANON-P3，只有匿名投诉可以不回访；“只需复函”（reply_letter_only）不能免除回访",
                        threshold=ctx.profile_text("anonymous"), severity="info")
        elif is_done(c) and not str(c.get("reply_letter", "")).strip():
            ctx.finding(c, "reply_letter_only", f"只需复函的投诉已“{c['status']}”，但没有附复函（reply_letter）",
                        threshold=ctx.profile_text("anonymous"))


# -- cheap checks of the record format --------------------------------------------------------

@rule("V-PLAN-03", "回访前准备客户资料", scope="record", modal="无", source="000 P1 §4.2(3)1)",
      asks="回访前准备客户的基本资料：名称和联系方式", kinds=("visit", "customer"))
def customer_prepared(ctx):
    """Done: the visited customer's archive has a name (required) and at least one contact (phone
    or address); a missing customer record is the loader's REF finding. No deadline."""
    for v in ctx.records.visits:
        cust = ctx.records.by_id.get(v["customer"])
        if cust is not None and not (cust["phone"] or cust["address"]):
            ctx.finding(v, "customer", f"客户档案 {cust.id} 没有电话（phone）也没有地址（address），回访前无法准备联系方式",
                        threshold="客户档案有名称和至少一种联系方式")


@rule("V-METH-02", "回访方式是程序认可的方式", scope="record", modal="无", source="000 P4 Art.1",
      asks="回访只用所选程序规定的方式", param="method", kinds=("visit",))
def method_allowed(ctx):
    """Done: the visit's method is one the method option recognises (METHODS_BY_OPTION); failed
    attempts are judged too — they were still made in some method. No deadline."""
    allowed = METHODS_BY_OPTION[ctx.option("method")]
    for v in ctx.records.visits:
        if v["method"] not in allowed:
            ctx.finding(v, "method", f"回访方式“{v['method']}”不在本单位认可的方式（{'、'.join(allowed)}）之内",
                        threshold=ctx.profile_text("method"))


# -- not checkable from the records -----------------------------------------------------------

catalogue("V-PLAN-02", "回访目的明确", scope="record", modal="要", source="000 P1 §4.2(1)",
          asks="每次回访要有明确的目的",
          reason="回访类别（purpose）是必填字段，已由格式检查（SCHEMA）保证，无需另外检查")
catalogue("V-REC-01", "每次回访都有书面记录和必备内容", scope="record", modal="必须", source="000 P1 §4.3(3)",
          asks="每次回访都要有书面记录，写明客户基本信息、要求、服务评价和所提问题的原始记录",
          reason="客户和回访内容是必填字段，格式检查（SCHEMA）已保证每条回访都有；要求和服务评价记在建议和需求、满意度里，"
                 "程序没有规定哪一项可以空缺，设备回访的必填内容由 E-REC-02 检查")
catalogue("V-RATE-04", "意见、建议回访率由管理处确定", scope="period", modal="可", source="000 P4 Art.4(2)",
          asks="意见、建议的回访率可由管理处根据需要调整",
          reason="程序没有给出目标值，本单位也没有配置目标，只能在门户显示实际比例")
catalogue("V-ARCH-01", "按客户分类建立档案", scope="customer", modal="负责", source="000 P1 §3.4",
          asks="把回访计划、记录和报告按客户分类归档，建立客户档案",
          reason="档案由门户按客户自动生成；客户分类由 K-CLASS-01 检查")
