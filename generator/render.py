"""Render: page data → Markdown through the Jinja2 templates in templates/portal/.

Masking and escaping happen here, once: the environment's `finalize` passes every `{{ … }}`
value through `text()`, so no template can forget it. Record text stays text — HTML, Markdown
link/image syntax, `javascript:` links and template syntax show literally — mobile numbers are
masked wherever they appear (with landlines and room numbers, generator/privacy.py), and `Address` values are cut to building level. Only `Markup`
built by this module (links, charts, field reference) is emitted as is.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import posixpath
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import jinja2
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from . import model, shipped
from .cache import cache_folder
from .dates import TZ
from .privacy import mask_private
from .wording import clause_words, practice_words, standard_words

# --- page data types: pages build them, render turns them into Markdown ----------------------

KIND_DIRS = {"customer": "customers", "order": "orders", "complaint": "complaints", "visit": "visits",
             "letter": "letters", "plan": "plans", "duty": "duties", "report": "reports"}


class Address(str):
    """An address: render shows it only to building level."""


class Phone(str):
    """A phone number field: render masks it (free text is masked by pattern too)."""


@dataclass
class Page:
    path: str  # Markdown path inside the docs folder, '/'-separated
    template: str  # file in templates/portal/
    title: str
    data: dict = field(default_factory=dict)
    crumbs: list = field(default_factory=list)  # (label, target) from the home page down; the page itself last


@dataclass
class Portal:
    as_of: str  # the as-of instant as pages show it
    pages: list[Page] = field(default_factory=list)

    def page(self, path: str) -> Page | None:
        return next((p for p in self.pages if p.path == path), None)


def record_page(rid: str, kind: str | None = None) -> str:
    """Where a record's page lives (ids are validated; anything odd is made path-safe)."""
    if kind is None:
        k = model.kind_for_id(rid)
        kind = k.name if k else "order"
    safe = re.sub(r"[^A-Za-z0-9-]", "_", rid)
    if kind == "customer":
        return f"customers/{safe}.md"
    return f"records/{KIND_DIRS[kind]}/{safe}.md"


def record_anchor(rid: str) -> str:
    """The HTML id of a record's section on the page it lives on: its ID in lower case (hf-20260817-001)."""
    return re.sub(r"[^a-z0-9-]", "-", str(rid).lower())


_BUILDING = re.compile(r"^(.*?(?:号楼|栋|幢|座))")
_UNIT = re.compile(r"\s*[0-9０-９一二三四五六七八九十A-Za-z-]*\s*(?:单元|室|层|楼(?!盘)).*$")
# Characters Markdown (or a later template engine) would interpret, as numeric entities.
_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#!|~<>&"}
_ENTITIES["&"] = "&amp;"
_ENTITIES["<"] = "&lt;"
_ENTITIES[">"] = "&gt;"
_ESC_RE = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "建议"}
STATUS_ZH = {"done": "已完成", "late": "已完成（晚于期限）", "due": "未到期", "overdue": "已逾期", "open": "未到期", "missed": "已逾期"}


def cut_address(s: str) -> str:
    """Keep an address up to the building (栋/幢/号楼/座); drop unit and room."""
    m = _BUILDING.match(s)
    if m:
        return m[1].strip()
    return _UNIT.sub("", s).strip()


def escape_md(s: str) -> str:
    """Record text as literal text in Markdown: every active character becomes an entity."""
    s = _ESC_RE.sub(lambda m: _ENTITIES[m[0]], s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    # a line break inside a value must not start a new Markdown block
    return s.replace("\n", "<br>")


def fmt(value) -> str:
    """Raw value → plain Chinese text (not yet escaped)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        v = value.astimezone(TZ)
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict):
        return "，".join(f"{k}：{fmt(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, tuple):  # one line of a flow: (time, who, note)
        return " ".join(fmt(v) for v in value if v not in (None, ""))
    if isinstance(value, list):  # one item per line (a list of actions reads as a timeline)
        return ("\n" if any(isinstance(v, dict) for v in value) else "；").join(fmt(v) for v in value)
    return str(value)


def text(value) -> str:
    """The one gate every template value goes through: mask, then escape (Markup passes)."""
    if isinstance(value, Markup):
        return value
    if callable(value):  # a template bug (e.g. d.items is dict.items): fail loudly, never print it
        raise TypeError(f"模板输出了一个函数：{value!r}")
    if isinstance(value, Address):
        return escape_md(mask_private(cut_address(str(value))))
    if isinstance(value, Phone):
        return escape_md(mask_private(str(value)))
    if isinstance(value, dict) and "address" in value:
        value = dict(value, address=cut_address(str(value["address"] or "")))
    return escape_md(mask_private(fmt(value)))


def org_text(value) -> Markup:
    """The organisation's own text to owners (an open letter's body): mobiles and rooms masked,
    landlines kept — they are its service numbers — then escaped like any record text."""
    return Markup(escape_md(mask_private(fmt(value), landlines=False)))


def safe_title(s: str) -> str:
    """A page title for <title> and the header: themes print it unescaped, so no markup characters."""
    s = mask_private(re.sub(r"\s+", " ", str(s)))
    return s.translate(str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "`": "｀"}))


def _field_titles(fields, out: dict) -> dict:
    for f in fields:
        out.setdefault(f.name, f.title)
        _field_titles(f.fields, out)
        if f.item is not None:
            _field_titles((f.item,), out)
    return out


# Every record key with its Chinese label, for text written by rules (findings, standards, rule texts).
FIELD_TITLES = {}
for _kind in model.KINDS.values():
    _field_titles(_kind.fields, FIELD_TITLES)
_KEY_HINT = re.compile(r"[（(]([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(?::\s*[^（）()]*)?[）)]")
_KEY_LEAD = re.compile(r"(?<=[（(])([a-z][a-z0-9]*(?:_[a-z0-9]+)*)[，,、]\s*")
_LABEL_KEY = re.compile(r"(?<=[\u4e00-\u9fff])\s+([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(?=[、，,；）)\s]|$)")
_KEY_VALUE = re.compile(r"(?<![\w.-])([a-z][a-z0-9]*(?:_[a-z0-9]+)*):\s*(true|false)\b")
_WORD_KEY = re.compile(r"(?<![\w.-])([a-z]+)(?=（)")
_COMMAND = re.compile(r"(?:可以)?用\s*huifang new letter --issue \S+\s*起草一封")
_GIT = re.compile(r"在\s*git\s*中|\s?git\s?")
_CONFIG_HINT = re.compile(r"[，,]\s*可在\s*huifang\.yml\s*的\s*[\w.]+\s*调整")
_BARE_KEY = re.compile(r"\s?(?<![\w.])([a-z]+(?:_[a-z]+)+)(?![\w.])")
_WEEK = re.compile(r"(?<![\w-])\d{4}-W\d{2}(?![\w-])")
_FILE_HINT = re.compile(r"[（(]PROCEDURES[^）)]*[）)]|\s*\b[\w-]+\.(?:yml|yaml|md)\b\s*")


def reader_words(value) -> str:
    """Text written by rules, as a reader of the portal needs it: the YAML key hints that help a clerk
    in the terminal ("签名（signature）", "写在 also_received_by", "可在 huifang.yml 的 … 调整", file names)
    become the field's Chinese label only. Record text never goes through this."""
    s = practice_words(fmt(value))
    s = _FILE_HINT.sub("", _CONFIG_HINT.sub("", s))
    s = _WEEK.sub(lambda m: week_label(m[0]), s)
    s = _KEY_HINT.sub(lambda m: "" if m[1] in FIELD_TITLES or "_" in m[1] else m[0], s)
    s = _KEY_LEAD.sub(lambda m: "" if m[1] in FIELD_TITLES else m[0], s)
    s = _LABEL_KEY.sub(lambda m: "" if m[1] in FIELD_TITLES else m[0], s)
    s = _KEY_VALUE.sub(lambda m: f"“{FIELD_TITLES[m[1]]}”为“{'是' if m[2] == 'true' else '否'}”"
                       if m[1] in FIELD_TITLES else m[0], s)
    s = _WORD_KEY.sub(lambda m: f"“{FIELD_TITLES[m[1]]}”" if m[1] in FIELD_TITLES else m[0], s)
    s = _GIT.sub(lambda m: "" if m[0].startswith("在") else "版本库", _COMMAND.sub("可以用“同一问题”页上的公开信草稿起草一封", s))
    s = re.sub(r"(?<=[\u4e00-\u9fff]) (?=“)|(?<=”) (?=[\u4e00-\u9fff])", "", s)
    return _BARE_KEY.sub(lambda m: f"“{FIELD_TITLES[m[1]]}”" if m[1] in FIELD_TITLES else m[0], s)


def week_label(value) -> str:
    """An ISO week (2026-W47, or any date in it) as a reader says it: 11月第3周（11-16至11-22）.
    A week belongs to the month of its Monday and is that month's n-th Monday."""
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})-W(\d{2})", value.strip())
        if not m:
            return value
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
    else:
        day = value.astimezone(TZ).date() if isinstance(value, datetime) else value
        monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    return (f"{monday.month}月第{(monday.day - 1) // 7 + 1}周"
            f"（{monday:%m-%d}至{sunday:%m-%d}）")


def percent(v, digits: int = 1) -> str:
    if v is None:
        return "—"
    return f"{v * 100:.{digits}f}%"


def share(f) -> str:
    """A figure as value with numerator and denominator: '91.7%（11/12）', '—（0/0）' without data."""
    return f"{percent(f.get('value'))}（{f.get('numerator', 0)}/{f.get('denominator', 0)}）"


VERDICT_ZH = {"met": "达标", "missed": "未达标", "running": "进行中", None: "—"}


# Search indexes each page's title and the sentence under it; only these pages index every section
# (the rules page: one section per rule). Tables and charts never go into the index: Pagefind leaves
# every table, figure and marked heading out (site.SEARCH_SKIP); a table needs no wrapper of its own
# (one <div markdown> per table cost MkDocs a Markdown-in-HTML pass each).
SEARCH_SECTIONS = {"rules.md.j2"}
_HEADING = re.compile(r"^(#{2,6} .*?)(?: \{ ([^}]*) \})?[ \t]*$", re.M)



def search_title_and_lead_only(markdown: str) -> str:
    """Mark every heading below the page title `data-search-exclude` (Material leaves its section out),
    except a record's own section (.hf-record): its heading and lead sentence are what search finds."""
    return _HEADING.sub(lambda m: m[0] if m[2] and ".hf-record" in m[2].split() else
                        f"{m[1]} {{ {(m[2] + ' ') if m[2] else ''}data-search-exclude }}", markdown)


def sentence(value, limit: int = 80) -> str:
    """The first sentence of a text (for a page's lead line and search snippets), at most `limit` characters."""
    s = re.sub(r"\s+", " ", fmt(value)).strip()
    m = re.search(r"[。！？!?；;]", s)
    if m:
        s = s[:m.end()]
    return s if len(s) <= limit else s[:limit].rstrip("，、,;；：: ") + "……"


# Finding IDs that are not procedure rules: what a reader sees instead, and where it links.
NOT_RULES = {"YAML": ("文件格式", "format.md"), "SCHEMA": ("记录格式", "format.md"), "INTERNAL": ("程序内部错误", None)}


def beyond_sentence(value) -> bool:
    """True when a text says more than its first sentence (the page shows it whole, then)."""
    return sentence(value) != re.sub(r"\s+", " ", fmt(value)).strip()


def rule_anchor(rid: str) -> str:
    """The HTML id of a rule's section on the rules page: the rule ID itself (V-100-01)."""
    return re.sub(r"[^A-Za-z0-9-]", "_", str(rid))


def _safe_url(target: str) -> str:
    return re.sub(r"[^A-Za-z0-9/._\-\u4e00-\u9fff]", "_", target)


class _Environment(Environment):
    """Jinja's `d.name` tries the attribute first and, on the page data's plain dicts, fails with an
    exception every time before it reads the key: read a plain dict's key first. (The templates write
    d["items"] and d["class"] for keys that are also names of dict methods or Python words, so no
    template asks a plain dict for one of its methods by `.name`.)"""

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


class _Renderer:
    def __init__(self, templates_dir: Path | list[Path]):
        # autoescape only so that macro output comes back as Markup; `text` does the real escaping
        self.env = _Environment(loader=FileSystemLoader(_dirs(templates_dir)), finalize=lambda v: Markup(text(v)),
                               autoescape=True, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True)
        self.env.filters.update(percent=percent, share=share, verdict=lambda s: VERDICT_ZH.get(s, s), fmt=lambda v: fmt(v),
                                sentence=sentence, beyond_sentence=beyond_sentence, week=week_label, words=reader_words, clause=clause_words,
                                standard=lambda v: standard_words(reader_words(v)), sev=lambda s: SEVERITY_ZH.get(s, s),
                                status=lambda s: STATUS_ZH.get(s, s or ""),
                                join=lambda xs, sep="": Markup(text(sep).join(text(x) for x in xs)))
        self.current = ""
        self.env.globals.update(link=self.link, rec=self.rec, rule=self.rule, rule_anchor=rule_anchor, org_text=org_text, bar_chart=bar_chart, trend_chart=trend_chart,
                                diff=diff_html, raw_markdown=Markup)

    def url(self, target: str) -> str:
        target, _, anchor = target.partition("#")
        rel = posixpath.relpath(_safe_url(target), posixpath.dirname(self.current) or ".")
        return rel + (f"#{rule_anchor(anchor)}" if anchor else "")

    def rule(self, rid, label=None) -> Markup:
        """A link to one rule's own section on the rules page (its ID is the anchor); a finding about
        the file itself (YAML, SCHEMA) links to the record format page instead."""
        if not rid:
            return Markup("")
        if rid in NOT_RULES:
            name, target = NOT_RULES[rid]
            return self.link(label if label is not None else name, target)
        return self.link(label if label is not None else rid, f"rules.md#{rid}")

    def link(self, label, target: str | None) -> Markup:
        """[label](relative url) with the label escaped; plain text when there is no page."""
        if not target:
            return Markup(text(label))
        return Markup(f"[{text(label)}]({self.url(target)})")

    def rec(self, ref, label=None) -> Markup:
        """Link to a record reference dict {id, page, label} from pages: by default named as a reader names
        it (回访 2026-08-17, 张明 · CUST-0001), a record's ID beside its kind and date."""
        if not ref:
            return Markup("")
        if label is None:
            label = ref.get("label") or ref.get("id")
            if ref.get("kind") not in (None, "customer") and ref.get("id") and ref.get("id") not in label:
                label = f"{label} · {ref['id']}"
        return self.link(label, ref.get("page"))

    def crumbs(self, items) -> str:
        """Breadcrumbs for a page outside the navigation: home › index page › this page."""
        parts = [self.link(label, target) if target else Markup(text(label)) for label, target in items]
        return ('<div class="hf-path" markdown data-search-exclude>\n\n' + " › ".join(parts) + "\n\n</div>\n\n")

    def page(self, p: Page, extra: dict) -> str:
        self.current = p.path
        tpl = self.env.get_template(p.template)
        body = tpl.render(page=p, title=p.title, d=p.data, **extra)
        if p.crumbs:  # under the page title (above it, the title would lose its lead sentence in search)
            m = re.search(r"^# .*\n", body, re.M)
            at = m.end() if m else 0
            body = f"{body[:at]}\n{self.crumbs(p.crumbs)}{body[at:].lstrip(chr(10))}"
        if p.template not in SEARCH_SECTIONS:
            body = search_title_and_lead_only(body)
        # the top tabs are the navigation: the left sidebar is hidden so tables get the width. Search is
        # Pagefind's (site/pagefind/): Material's search plugin leaves the page out of its own single-file
        # index ("search: exclude", documented in Material's "Setting up site search"), so it does not
        # parse every page's HTML for an index nobody downloads
        return (f"---\ntitle: {json.dumps(safe_title(p.title), ensure_ascii=False)}\nhide:\n  - navigation\n"
                f"search:\n  exclude: true\n---\n\n{body}")


def _dirs(templates_dir: Path | list[Path]) -> list[str]:
    """A template search path: one folder, or the repository's own folder before the shipped one."""
    dirs = templates_dir if isinstance(templates_dir, (list, tuple)) else [templates_dir]
    return [str(d) for d in dirs]


# Rendering is most of a build's page generation. A page whose data, template, title and breadcrumbs are
# those of the last build is not rendered again: its Markdown is read back from the docs folder, when the
# file still holds exactly what that build wrote (its digest is kept beside the key). The key is the
# repr() of the page data (dicts, lists, strings, numbers, dates, dataclasses: values, never addresses),
# salted with the as-of instant, the templates, huifang's own code, Jinja's and Python's versions.
PAGES_CACHE = "pages.json"


def _digest(text: str) -> str:
    return hashlib.sha1(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def _salt(templates_dir: Path | list[Path], as_of: str) -> str:
    h = hashlib.sha1(f"{sys.version}\0{jinja2.__version__}\0{as_of}\0".encode())
    for folder in [*_dirs(templates_dir), str(Path(__file__).parent)]:
        for f in sorted(Path(folder).rglob("*")):
            if f.is_file() and f.suffix not in (".pyc",):
                h.update(f"{f.relative_to(folder).as_posix()}\0".encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _read_pages_cache(path: Path, salt: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("salt") != salt or not isinstance(data.get("pages"), dict):
        return {}
    return data["pages"]


def _write_pages_cache(path: Path, salt: str, pages: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"salt": salt, "pages": pages}, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a cache that cannot be written is only slower next time
        tmp.unlink(missing_ok=True)


def render(portal: Portal, templates_dir: Path | list[Path], work: Path | None = None) -> dict[str, str]:
    """Every page as Markdown, keyed by its path in the docs folder. `work` (the repository root, for a
    build): reuse the Markdown of pages whose inputs are unchanged since the last build (see above)."""
    r = _Renderer(templates_dir)
    extra = {"as_of": portal.as_of}
    folder = None if work is None or os.environ.get("HUIFANG_NO_CACHE") else cache_folder(work)
    if folder is None:
        out = {p.path: r.page(p, extra) for p in portal.pages}
    else:
        docs = Path(work) / ".huifang" / "docs"
        salt = _salt(templates_dir, portal.as_of)
        before, now, out = _read_pages_cache(folder / PAGES_CACHE, salt), {}, {}
        for p in portal.pages:
            key = hashlib.sha1(f"{p.template}\0{p.title}\0{p.crumbs!r}\0{p.data!r}".encode("utf-8",
                                                                                     "surrogatepass")).hexdigest()
            text = None
            if before.get(p.path, [None])[0] == key:
                try:
                    kept = (docs / p.path).read_bytes()
                except OSError:
                    kept = None
                if kept is not None and hashlib.sha1(kept).hexdigest() == before[p.path][1]:
                    text = kept.decode("utf-8")
            if text is None:
                text = r.page(p, extra)
            out[p.path] = text
            now[p.path] = [key, _digest(text)]
        _write_pages_cache(folder / PAGES_CACHE, salt, now)
    static_pages: dict[str, Path] = {}
    for d in reversed(_dirs(templates_dir)):  # the repository's own help pages replace shipped ones
        static = Path(d) / "static"
        if static.is_dir():  # hand-written help pages (trusted Markdown, copied as they are)
            static_pages.update((f.name, f) for f in static.glob("*.md"))
    for name, f in sorted(static_pages.items()):
        out[f"help/{name}"] = f.read_text(encoding="utf-8")
    names = sorted(k for k in out if k.startswith("help/") and k != "help/index.md")
    titles = {}
    for k in names:
        first = next((ln[2:].strip() for ln in out[k].splitlines() if ln.startswith("# ")), k[5:-3])
        titles[k] = first
    r.current = "help/index.md"
    out["help/index.md"] = r.env.get_template("help_index.md.j2").render(
        pages=[{"path": k, "title": titles[k]} for k in names], **extra)
    return out


def render_letter_draft(draft: dict, root: Path | None = None) -> str:
    """The draft letter as plain text for a YAML record (masked, not Markdown-escaped)."""
    env = Environment(loader=FileSystemLoader(_dirs(shipped.search_path(root, "templates", "portal"))), finalize=lambda v: mask_private(
        cut_address(str(v)) if isinstance(v, Address) else fmt(v)), trim_blocks=True, lstrip_blocks=True)
    return env.get_template("letter_draft.md.j2").render(d=draft, plain=True)


# --- inline SVG charts (built here, never loaded from the internet) -----------------------
# Each chart is a <figure>: an SVG that scales with the page (viewBox, width 100%) with axis labels
# and units, a caption, and the same numbers as a table under "数据表" for readers and printers.

def _e(v) -> str:
    return html.escape(mask_private(fmt(v)))


def _figure(svg: str, title: str, head: list[str], rows: list[list]) -> Markup:
    table = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return Markup(f'<figure class="hf-figure" data-search-exclude>{svg}<figcaption>{_e(title)}</figcaption>'
                  f'<details><summary>数据表</summary><table><thead><tr>{table}</tr></thead>'
                  f'<tbody>{body}</tbody></table></details></figure>')


def _ticks(top: int) -> list[int]:
    """0, a round middle and a round top for a count axis."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10**4, 10**5, 10**6)
                if top / s <= 4) if top else 1
    n = -(-top // step) if top else 1
    return [i * step for i in range(n + 1)]


def bar_chart(rows, label_key="label", value_key="count", title="", unit="次") -> Markup:
    """A horizontal bar chart of a distribution: count axis with its unit, value at each bar."""
    rows = [r for r in rows]
    if not rows or not any(r.get(value_key) for r in rows):
        return Markup("")
    ticks = _ticks(max(r.get(value_key) or 0 for r in rows))
    top = ticks[-1] or 1
    w, lw, rw, bh, gap = 360, 76, 44, 18, 6
    plot = w - lw - rw
    h = len(rows) * (bh + gap) + 34
    parts = [f'<svg class="hf-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
             f'aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for t in ticks:
        x = lw + plot * t / top
        parts.append(f'<line class="hf-grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{h - 30}"></line>'
                     f'<text x="{x:.1f}" y="{h - 18}" font-size="10" text-anchor="middle">{t}</text>')
    parts.append(f'<line class="hf-axis" x1="{lw}" y1="{h - 30}" x2="{lw + plot}" y2="{h - 30}"></line>'
                 f'<text x="{lw + plot / 2:.0f}" y="{h - 3}" font-size="10" text-anchor="middle">数量（{html.escape(unit)}）</text>')
    for i, r in enumerate(rows):
        v = r.get(value_key) or 0
        y = i * (bh + gap) + 4
        bw = plot * v / top
        parts.append(f'<text x="{lw - 6}" y="{y + 13}" font-size="11" text-anchor="end">{_e(r.get(label_key))}</text>'
                     f'<rect class="hf-bar" x="{lw}" y="{y}" width="{bw:.1f}" height="{bh}"></rect>'
                     f'<text x="{lw + bw + 4:.1f}" y="{y + 13}" font-size="11">{v} {html.escape(unit)}</text>')
    parts.append("</svg>")
    shares = any("share" in r for r in rows)
    head = ["项目", f"数量（{unit}）"] + (["占比"] if shares else [])
    data = [[r.get(label_key), r.get(value_key) or 0] + ([percent(r.get("share"))] if shares else []) for r in rows]
    return _figure("".join(parts), title, head, data)


def _month_label(key: str) -> str:
    return f"{int(key[5:7])}月"


def trend_chart(points, title="近 12 个月期间指标达标率") -> Markup:
    """Share of passing period figures per month: y axis 0–100 %, x axis months, gaps where none."""
    if not points:
        return Markup("")
    w, h, left, right, top, bottom = 360, 190, 40, 10, 12, 44
    plot_w, plot_h = w - left - right, h - top - bottom
    n = len(points)
    step = plot_w / max(n - 1, 1)
    parts = [f'<svg class="hf-chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
             f'aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line class="{"hf-axis" if pct == 0 else "hf-grid"}" x1="{left}" y1="{y:.1f}" '
                     f'x2="{w - right}" y2="{y:.1f}"></line>'
                     f'<text x="{left - 4}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end">{pct}%</text>')
    parts.append(f'<text x="10" y="{top + plot_h / 2:.0f}" font-size="10" text-anchor="middle" '
                 f'transform="rotate(-90 10 {top + plot_h / 2:.0f})">达标率</text>')
    line: list[list[str]] = [[]]
    for i, p in enumerate(points):
        x = left + i * step
        parts.append(f'<text x="{x:.1f}" y="{h - bottom + 14}" font-size="9" text-anchor="middle">'
                     f'{_month_label(p["month"])}</text>')
        if p.get("share") is None:
            line.append([])
            continue
        y = top + plot_h * (1 - p["share"])
        line[-1].append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle class="hf-dot" cx="{x:.1f}" cy="{y:.1f}" r="3"></circle>')
    for seg in line:
        if len(seg) > 1:
            parts.append(f'<polyline class="hf-line" points="{" ".join(seg)}"></polyline>')
    first, last = points[0]["month"], points[-1]["month"]
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{h - 6}" font-size="10" text-anchor="middle">'
                 f'月份（{first[:4]}年{int(first[5:])}月至{last[:4]}年{int(last[5:])}月）</text>')
    parts.append("</svg>")
    data = [[f'{p["month"][:4]}年{int(p["month"][5:])}月', f'{p.get("passed", "")}/{p.get("total", "")}' if p.get("total") else "无指标",
             percent(p.get("share"))] for p in points]
    return _figure("".join(parts), title, ["月份", "达标指标数/指标数", "达标率"], data)


def diff_html(text_: str) -> Markup:
    """A unified diff as an escaped <pre> block, phones masked and address lines cut."""
    lines = []
    for ln in (text_ or "").splitlines():
        m = re.match(r"^([+\- ]\s*address:\s*)(.*)$", ln)
        if m:
            ln = m[1] + cut_address(m[2].strip().strip("\"'"))
        ln = mask_private(ln)
        cls = "add" if ln.startswith("+") and not ln.startswith("+++") else \
              "del" if ln.startswith("-") and not ln.startswith("---") else ""
        esc = html.escape(ln).replace("{", "&#123;").replace("}", "&#125;")
        lines.append(f'<span class="hf-{cls}">{esc}</span>' if cls else esc)
    return Markup('<pre class="hf-diff">' + "\n".join(lines) + "</pre>")
