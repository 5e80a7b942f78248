"""How procedures, clauses and the chosen practice read on the portal.

The rules and the terminal name a clause as the seed procedures number it ("000 P4 Art.4(3)") and the
practice in force by its option code ("PM-70：≤ 70%（000 P4 Art.4(3)）"): a clerk sets that code in
huifang.yml. A manager reading the portal needs neither: `clause_words` names the document in
Chinese with the clause in Chinese numbering, `practice_words` turns every option description a
standard or a finding carries into one sentence naming the practice in force in words.
One table per fact: the documents (also the rule catalogue's list) and the practices.
"""

from __future__ import annotations

import functools
import re

from .config import PARAMS

# What the first part of a rule's `source` names: the procedure documents huifang's rules come from.
DOCUMENTS = {
    "000 P1": "矿山机械公司客户回访管理规定（附件一：回访流程）",
    "000 P2": "装饰工程回访和保修服务规定",
    "000 P3": "物业客服部投诉回访规定",
    "000 P4": "住宅园区回访工作管理规定",
    "000 P5": "C 物业回访工作规定",
    "001 A": "售后服务作业指导书（一）",
    "001 B": "客户诉求作业指导书",
    "001 C": "有偿服务作业指导书",
    "001 E": "客户服务管理制度",
    "001 I": "客服部作业指导书",
    "001 L": "售后服务作业指导书（二）",
    "001 O": "网上客户信息管理作业指导书",
    "001 P": "客户维系作业指导书",
    "001 Q": "客服管理作业指导（物业顾问机构）",
    "002": "电气设备公司顾客回访管理办法",
    "003 P1": "客户细分和不同客户满意度标准及处理流程",
    "003 P3": "客户投诉处理流程（八步）",
    "003 P4": "客户投诉处理程序",
    "003 P5": "零部件制造企业客户投诉处理程序",
    "004": "电器售后客服回访工作方案（附报表三张）",
}

# The practice each profile option stands for, as a reader says it: (parameter, option) -> sentence
# without codes or clause numbers. The document it follows is named from the option's source.
PRACTICES: dict[tuple[str, str], str] = {
    ("phone_letter", "PM-70"): "电话和信函回访合计不超过全年回访的 70%",
    ("phone_letter", "PM-60"): "电话和信函回访合计不超过全年回访的 60%",
    ("spot_check", "SPOT-5"): "每月抽查回访派工单的 5%，且不超过总户数的 5%",
    ("spot_check", "SPOT-30"): "每月抽查回访维修申请单的 30%",
    ("response", "RESP-A"): "紧急的 1 小时内、一般的 24 小时内答复客户",
    ("response", "RESP-B"): "2 小时内联系客户",
    ("response", "RESP-C"): "一般的 24 小时内、重大的 48 小时内答复客户",
    ("signature", "SIGN-STRICT"): "上门回访必须有客户签名，拒签不能代替签名",
    ("signature", "SIGN-REFUSAL"): "上门回访要有客户签名，客户拒签时记下其态度即可",
    ("repeat_visit", "REP-P4"): "第二次以后可以电话回访，“第三类投诉”除外",
    ("repeat_visit", "REP-P5"): "第二次以后可以电话回访",
    ("open_letter", "OL-P3"): "多个业主反映同一问题时可以发公开信",
    ("open_letter", "OL-P45"): "同一问题需要回访时可以发公开信",
    ("anonymous", "ANON-P3"): "只有匿名投诉可以不回访，处理结果写在投诉上",
    ("anonymous", "ANON-P45"): "匿名投诉和只需复函的投诉可以不回访，复函附在投诉上",
    ("review", "REV-P1"): "由部门主管审阅并写出指导意见",
    ("review", "REV-P3"): "由客服主任检查、管理处负责人签署意见",
    ("review", "REV-P4"): "由办公室事务助理检查并签署意见",
    ("off_hours", "VANKE-OLD"): "非工作时间收到的投诉，上班后 1 小时内转交处理",
    ("off_hours", "VANKE-NEW"): "非工作时间收到的投诉不等到上班，按规定的最长时限处理",
    ("scale", "5"): "满意度分五级：非常满意、满意、一般、不太满意、很不满意",
    ("scale", "4"): "满意度分四级：非常满意、满意、一般、不满意",
    ("method", "METH-PROP"): "回访方式为上门、电话、信函（含公开信）",
    ("method", "METH-SALES"): "回访方式为电话、在线沟通工具、邮件",
    ("method", "METH-EQUIP"): "回访方式为电话、上门走访",
    ("method", "METH-CALLBACK"): "只用电话回访",
    ("visit_roles", "ROLE-P3"): "由客户服务部主管回访",
    ("visit_roles", "ROLE-P4"): "由办公室事务助理、维修主管、房管员回访，维修回访由维修主管、房管员",
    ("visit_roles", "ROLE-P5"): "由管理处主任、综合管理部主管、管理员回访，维修回访由管理员",
}

_DOC = re.compile(r"(\d{3}(?: [A-Z]\d?(?![\w.]))?)\s*")
_SUB_DOC = re.compile(r"^(P\d)\s+")


def _cn_range(a: str, b: str, unit: str) -> str:
    return f"第 {a} 至 {b} {unit}"


def _one_clause(c: str) -> str:
    """'Art.3(8)' -> '第 3 条第（8）项'; '§4.2(3)1)' -> '第 4.2 节第（3）项第 1）目'; 'ch.3 §6' -> '第 3 章第 6 节'."""
    c = c.strip()
    out = []
    m = re.match(r"ch\.(\d+)\s*", c)
    if m:
        out.append(f"第 {m[1]} 章")
        c = c[m.end():]
    m = re.match(r"steps? (\d+)(?:–(\d+))?\s*", c)
    if m:
        out.append(_cn_range(m[1], m[2], "步") if m[2] else f"第 {m[1]} 步")
        c = c[m.end():]
    m = re.match(r"(?:Art\.|§)([\d.]+)(?:–(?:Art\.|§)?([\d.]+))?", c)
    if m:
        unit = "条" if c.startswith("Art.") else "节"
        out.append(_cn_range(m[1], m[2], unit) if m[2] else f"第 {m[1]} {unit}")
        c = c[m.end():]
    m = re.match(r"\((\d+)\)(?:–\((\d+)\))?", c)
    if m:
        out.append(f"第（{m[1]}）至（{m[2]}）项" if m[2] else f"第（{m[1]}）项")
        c = c[m.end():]
    m = re.match(r"(\d+)\)", c)
    if m:
        out.append(f"第 {m[1]} 目")
        c = c[m.end():]
    rest = c.strip()
    if rest:
        m = re.fullmatch(r"([A-Za-z])(?:–([A-Za-z]))?", rest)
        if m:
            rest = f"{m[1]} 至 {m[2]} 项" if m[2] else f"{m[1]} 项"
        out.append((" " if out and rest[0].isascii() else "") + rest)
    return "".join(out)


def clause_words(source: str) -> str:
    """A rule's or option's source as a reader names it: '000 P4 Art.4(3)' -> '《住宅园区回访工作管理规定》第 4 条第（3）项'.
    Several documents are joined with '；' ('000 P4 Art.1、P5 §1' names both documents)."""
    parts = []
    for piece in (p.strip() for p in str(source).split("；") if p.strip()):
        m = _DOC.match(piece)
        if not m or m[1] not in DOCUMENTS and m[1].split(" ")[0] not in DOCUMENTS:
            parts.append(piece)
            continue
        doc = m[1] if m[1] in DOCUMENTS else m[1].split(" ")[0]
        series = doc.split(" ")[0]
        groups: list[tuple[str, list[str]]] = [(doc, [])]
        for c in (c for c in piece[len(doc):].split("、") if c.strip()):
            c = c.strip()
            sub = _SUB_DOC.match(c) or (re.fullmatch(r"P\d", c) and re.match(r"(P\d)", c))
            if sub and f"{series} {sub[1]}" in DOCUMENTS:
                groups.append((f"{series} {sub[1]}", []))
                c = c[sub.end():]
            if c.strip():
                groups[-1][1].append(_one_clause(c))
        for d, cs in groups:
            parts.append(f"《{DOCUMENTS[d]}》" + "、".join(cs))
    return "；".join(parts)


def document_title(source: str) -> str:
    """'000 P4 Art.3(2)' -> '住宅园区回访工作管理规定'; '' when the document is unknown."""
    for key in sorted(DOCUMENTS, key=len, reverse=True):
        if source == key or source.startswith(key + " ") or source.startswith(key + "，"):
            return DOCUMENTS[key]
    return ""


@functools.cache
def _option_sources() -> dict[tuple[str, str], tuple[str, str]]:
    """(parameter, option) -> (the description huifang.yml's option carries, the document it follows)."""
    out = {}
    for p in PARAMS.values():
        for opt, desc in p.options.items():
            m = re.search(r"（([^（）]*(?:（[^（）]*）[^（）]*)*)）$", desc)
            src = m[1] if m else ""
            out[(p.name, opt)] = (f"{opt}：{desc}", document_title(src.split("、")[0].split(" 旧")[0].split(" 新")[0]))
    return out


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def practice_sentence(param: str, option: str) -> str:
    """The practice in force as one sentence naming the procedure it follows (no code, no clause)."""
    said, doc = _option_sources()[(param, option)]
    words = PRACTICES[(param, option)]
    return f"{words}（按《{doc}》）" if doc else words


def practice_words(text: str) -> str:
    """Every option description in a standard or finding text ('PM-70：≤ 70%（000 P4 Art.4(3)）') as the
    practice in words. A standard that was only the option becomes its sentence; one with a figure
    before it ('≤ 70%（PM-70：…）') keeps the figure only when the practice does not already say it."""
    s = str(text)
    for (param, opt), (said, doc) in _option_sources().items():
        if said not in s:
            continue
        words = PRACTICES[(param, opt)]
        follows = f"（按《{doc}》）" if doc else ""
        i = s.index(said)
        before, after = s[:i], s[i + len(said):]
        if before.endswith("（") and after.startswith("）"):
            head = before[:-1]
            start = max(head.rfind("；") + 1, 0)
            lead, head = head[:start], head[start:]
            covered = set(_NUMBER.findall(head)) <= set(_NUMBER.findall(words)) and len(head) <= 12
            head = re.sub(r"^≥\s*", "不少于 ", re.sub(r"^≤\s*", "不超过 ", head))
            s = lead + (f"{words}{follows}" if covered else f"{head}；{words}{follows}") + after[1:]
        else:
            s = before + f"{words}{follows}" + after
    return s


_COMPARE = re.compile(r"^([≥≤])\s*([\d.]+\s*%?)(?:（([^（）]+)）)?(.*)$", re.S)


def standard_words(text: str) -> str:
    """A standard as a sentence: the practice in words, and '≥ 40%（有签名的上门回访）' read out as
    '有签名的上门回访不少于 40%'."""
    s = practice_words(text)
    m = _COMPARE.match(s)
    if m:
        word = "不少于" if m[1] == "≥" else "不超过"
        s = f"{m[3]}{word} {m[2]}{m[4]}" if m[3] else f"{word} {m[2]}{m[4]}"
    return s
