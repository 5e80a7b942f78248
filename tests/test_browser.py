"""The demo portal in a real browser: Playwright drives Debian's headless Chromium (/usr/bin/chromium,
installed with Chinese fonts by scripts/install-chromium.sh) at a laptop width (1280 px) and a phone
width (390 px).

The site is the shipped demo records/ plus one hostile complaint (markup, script, template syntax,
phone and room numbers in every common spelling), committed to a real git repository and built with
the real CLI. Screenshots of the pages a reader opens first are saved as test artefacts in
build/screenshots/ (or $HUIFANG_SCREENSHOTS); tests/screenshots/ holds a committed reference set.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).parent.parent
CHROMIUM = os.environ.get("HUIFANG_CHROMIUM") or "/usr/bin/chromium"  # any Chromium or Chrome (README)
AS_OF = "2026-11-23"  # the demo's date (records/README.md)
WIDTHS = {1280: 800, 390: 844}
SHOTS = Path(os.environ.get("HUIFANG_SCREENSHOTS") or ROOT / "build" / "screenshots")

HOSTILE_ID = "TS-20261121-901"
HOSTILE_PAGE = f"records/complaints/{HOSTILE_ID}.html"
HOSTILE = f"""\
id: {HOSTILE_ID}
received: 2026-11-21 09:00:00+08:00
channel: 电话
type: 投诉
category: 工程质量
customer: CUST-0001
issue: 翠湖花园1幢2917室-晾衣架
description: |
  阳台晾衣架的固定螺丝松动，差点砸到楼下。<script>window.__hf_pwned = 1</script><img src=x onerror="window.__hf_pwned = 2">
  [点我](javascript:window.__hf_pwned=3) {{{{ 7*7 }}}} {{% if true %}}展开{{% endif %}} **不加粗**
  请回电 139-0652-8848、139 0652 8848、139.0652.8848、+86 139 0652 8848、8613906528848 或 １３９０６５２８８４８，
  座机 0571-8765 4321，住 5幢1836室。
valid: true
department: 工程部
first_response: 2026-11-21 09:20:00+08:00
reply_by: 2026-11-28 18:00:00+08:00
actions:
  - at: 2026-11-21 09:00:00+08:00
    by: 王丽娟
    action: 受理
    note: 业主来电，留了手机 13906528848
status: 处理中
"""
# every digit run that must never reach a reader (the masked forms keep only the first 3 / last 4 digits)
SECRETS = ("0652", "０６５２", "8765", "1836", "2917")

# the pages a reader opens first: saved as screenshots at both widths
SCREENS = {
    "home": "index.html",
    "due": "due.html",
    "month": "months/2026-10.html",
    "customer": "customers/CUST-0001.html",
    "complaint": "records/complaints/TS-20261102-001.html",
}


def _git(root: Path, *args: str, name: str = "王丽娟", email: str = "wanglj@example.com") -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email, GIT_COMMITTER_NAME=name,
               GIT_COMMITTER_EMAIL=email, GIT_AUTHOR_DATE="2026-11-22T10:00:00+08:00",
               GIT_COMMITTER_DATE="2026-11-22T10:00:00+08:00")
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The demo records plus the hostile complaint, in a real git repository, built with the CLI."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "records", root / "records")
    for f in ("huifang.yml", "staff.yml"):
        if (ROOT / f).exists():
            shutil.copy2(ROOT / f, root / f)
    p = root / "records" / "complaints" / "2026" / "11" / f"{HOSTILE_ID}.yml"
    p.write_text(HOSTILE, encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "演示记录")
    proc = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build", "--as-of", AS_OF],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return root / "site"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base(site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} 不存在：请先运行 scripts/install-chromium.sh（scripts/test.sh 会自动运行），"
                    f"或用 HUIFANG_CHROMIUM 指向已有的 Chromium/Chrome（见 README）。")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Visitor:
    """One browser context at one width; every request that is not for 127.0.0.1 is recorded and refused,
    every dialog (alert/confirm/prompt) is recorded and dismissed."""

    def __init__(self, browser, base: str, width: int):
        self.base, self.width = base, width
        self.ctx = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, locale="zh-CN",
                                       timezone_id="Asia/Shanghai")
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.page.on("dialog", self._dialog)

    def _route(self, route):
        url = route.request.url
        if urllib.parse.urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def _dialog(self, d):
        self.dialogs.append(d.message)
        d.dismiss()

    def open(self, path: str):
        self.page.goto(f"{self.base}/{path}", wait_until="load")
        return self.page


@pytest.fixture(scope="module", params=sorted(WIDTHS, reverse=True), ids=lambda w: f"{w}px")
def visitor(request, browser, base):
    v = Visitor(browser, base, request.param)
    yield v
    v.ctx.close()


def reader_pages(site: Path) -> list[str]:
    """Every index-like page, every month, one page of each report and record kind, and a few customers."""
    pages = [p.relative_to(site).as_posix() for p in sorted(site.glob("*.html")) if p.name != "404.html"]
    for folder in ("months", "reports", "issues", "help"):
        pages += [p.relative_to(site).as_posix() for p in sorted((site / folder).glob("*.html"))]
    pages += ["customers/index.html", "customers/CUST-0001.html", "customers/CUST-0012.html",
              "customers/CUST-0025.html", HOSTILE_PAGE]  # (visits and orders are sections of customer pages)
    for kind in ("complaints", "letters"):
        pages += [p.relative_to(site).as_posix() for p in sorted((site / "records" / kind).glob("*.html"))[:2]]
    return pages


# Columns a reader needs without scrolling sideways: what is due when, its state, its verdict.
KEY_COLUMNS = ("期限", "状态", "结果")

MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const rect = el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.width]; };
  const tables = [...document.querySelectorAll("article table")].filter(t => !t.closest("details:not([open])"))
    .map(t => {
      const cs = getComputedStyle(t), thead = t.querySelector("thead");
      const cards = !!thead && getComputedStyle(thead).display === "none";
      const heads = [...t.querySelectorAll("thead th")].map(th => th.textContent.trim());
      const first = t.querySelector("tbody tr");
      const cells = cards ? [...(first ? first.children : [])].map(rect) : [...t.querySelectorAll("thead th")].map(rect);
      // the table scrolls itself, or inside Material's wrapper: either way in its own box
      const wrap = t.closest(".md-typeset__scrollwrap") || t;
      const own = el => /(auto|scroll)/.test(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1;
      const r = t.getBoundingClientRect(), w = wrap.getBoundingClientRect();
      return {heads, cards, box: [Math.max(r.left, w.left), Math.min(r.right, w.right)],
              scrolls: own(t) || own(wrap), cells};
    });
  const charts = [...document.querySelectorAll("article svg.hf-chart")].map(svg => ({
    viewBox: svg.getAttribute("viewBox"), box: rect(svg),
    label: svg.getAttribute("aria-label"),
    data: svg.closest("figure") ? svg.closest("figure").querySelectorAll("details table tbody tr").length : 0,
    axes: [...svg.querySelectorAll("text")].map(x => x.textContent).filter(x => /[（%]/.test(x)).length}));
  return {vw, body: document.documentElement.scrollWidth, tables, charts};
}"""


@pytest.fixture(scope="module")
def layout(visitor, site):
    """Each reader page measured once per width: page width, every table, every chart."""
    return {path: visitor.open(path).evaluate(MEASURE) for path in reader_pages(site)}


def test_no_page_body_is_wider_than_the_screen(layout, visitor):
    wide = {p: m["body"] for p, m in layout.items() if m["body"] > visitor.width}
    assert not wide, f"页面比 {visitor.width} px 宽：{wide}"


def test_tables_keep_key_columns_in_sight_and_scroll_in_their_own_box(layout, visitor):
    problems = []
    for path, m in layout.items():
        for t in m["tables"]:
            left, right = t["box"]
            if left < -1 or right > m["vw"] + 1:
                problems.append((path, t["heads"][:3], "表格框超出屏幕", t["box"]))
                continue
            visible_right = right
            for head, (cl, cr, cw) in zip(t["heads"] or [""] * len(t["cells"]), t["cells"]):
                if t["cards"]:
                    if cw and (cl < -1 or cr > m["vw"] + 1):
                        problems.append((path, head, "卡片里的一栏超出屏幕"))
                elif cr > visible_right + 1:
                    if head in KEY_COLUMNS:
                        problems.append((path, head, "关键列要横向滚动才看得到"))
                    elif not t["scrolls"]:
                        problems.append((path, head, "列被截掉，表格本身也不能滚动"))
    assert not problems, problems[:20]
    if visitor.width < 700:  # on a phone, wide tables read as cards
        assert any(t["cards"] for m in layout.values() for t in m["tables"])


def test_charts_scale_with_the_screen_and_carry_axes_and_data(layout):
    charts = [(p, c) for p, m in layout.items() for c in m["charts"]]
    assert len(charts) >= 5
    for path, c in charts:
        assert c["viewBox"] and c["label"], (path, c)
        left, right, width = c["box"]
        assert width > 200 and left >= 0 and right <= layout[path]["vw"], (path, c["label"], c["box"])
        assert c["axes"] >= 1, (path, c["label"], "no axis label with a unit")
        assert c["data"] >= 1, (path, c["label"], "no data table")


def search(visitor, query: str) -> list[dict]:
    """Type-free search through Material's own ?q= parameter (the search box, answered by Pagefind):
    each result, best first, as its page link, the link it lands on (a section's anchor when it has
    one), and the snippet under that link."""
    page = visitor.open(f"index.html?q={urllib.parse.quote(query)}")
    page.wait_for_selector(".md-search-result__item", timeout=30_000)
    return page.eval_on_selector_all(".md-search-result__item", """items => items.map(li => {
        const links = [...li.querySelectorAll(':scope > a, :scope > details > a')];
        const land = links.find(a => a.getAttribute('href').includes('#')) || links[0];
        return {page: links[0].getAttribute('href'), land: land.getAttribute('href'),
                snippet: [...land.querySelector('article').childNodes]
                  .filter(n => !(n.nodeType === 1 && /^(H1|H2|DIV|NAV)$/.test(n.tagName)))
                  .map(n => n.textContent).join('').trim()};
    })""")


def home_of(site: Path, rid: str) -> str:
    """Where a record lives in the built portal: its own page, or a section (anchor = its ID in lower
    case) of a customer's archive or a month's page."""
    own = sorted(site.glob(f"records/*/{rid}.html"))
    if own:
        return own[0].relative_to(site).as_posix()
    anchor = f'id="{rid.lower()}"'
    for f in sorted(site.rglob("*.html")):
        if anchor in f.read_text(encoding="utf-8"):
            return f"{f.relative_to(site).as_posix()}#{rid.lower()}"
    raise AssertionError(f"{rid} 在门户里没有页面也没有小节")


@pytest.mark.parametrize("query, rid", [
    ("挡风玻璃", "TS-20260609-001"),  # in the middle of a complaint's sentence
    ("晾衣架", HOSTILE_ID),
    ("TS-20260309-001", "TS-20260309-001"),  # an exact ID, also named on other pages
    ("HF-20260817-001", "HF-20260817-001"),  # a visit: its own page, or a section of its customer's archive
    ("CUST-0025", "CUST-0025"),
    ("陈国强", "CUST-0001"),  # a name: the browser cuts it 陈|国|强, the index holds it whole
])
def test_search_lands_on_the_record_first(visitor, site, query, rid):
    results = search(visitor, query)
    want = home_of(site, rid) if not rid.startswith("CUST-") else f"customers/{rid}.html"
    first = urllib.parse.urlsplit(results[0]["land"])
    path, anchor = want.partition("#")[::2]
    assert first.path.endswith("/" + path) and first.fragment == anchor, (want, results[:5])
    if "-" in query:  # an ID: the pages that name it, not every page with "001" in an ID
        assert len(results) <= 10, results
    snippet = results[0]["snippet"].replace("\u200b", "")
    assert snippet and "|" not in snippet and len(snippet) <= 120, snippet  # one sentence, no table dump
    assert len(re.findall(r"[。！？；!?]", snippet[:-1])) == 0, snippet
    # following the link lands on the record: the page (or the section its anchor names) shows its ID
    page = visitor.open(results[0]["land"].split("://", 1)[-1].split("/", 1)[1])
    target = f"#{first.fragment}" if first.fragment else "article h1"
    assert page.locator(target).count() == 1, target
    shown = page.locator(target).inner_text() if first.fragment else page.inner_text("article")
    assert rid in shown or (first.fragment and rid in page.inner_text("article")), (target, shown[:200])
    if not rid.startswith("CUST-") and "-" not in query:
        assert query in page.inner_text("article")


def test_search_result_text_runs_nothing(visitor):
    """Record text in the index comes back as text: the hostile complaint's markup neither runs nor renders."""
    results = search(visitor, "不加粗")
    assert urllib.parse.urlsplit(results[0]["land"]).path.endswith("/" + HOSTILE_PAGE), results[:3]
    page = visitor.page
    assert page.locator(".md-search-result img, .md-search-result script, .md-search-result strong").count() == 0
    assert page.evaluate("typeof window.__hf_pwned") == "undefined"
    assert not visitor.dialogs


def _pagefind_texts(site: Path) -> list[tuple[str, str]]:
    """(file, text) of every Pagefind fragment and index chunk, decompressed."""
    import gzip
    out = []
    for f in sorted((site / "pagefind").rglob("*")):
        if f.is_file() and f.suffix in (".pf_fragment", ".pf_index", ".pf_meta"):
            out.append((f.name, gzip.decompress(f.read_bytes()).decode("utf-8", "replace")))
    return out


def test_search_index_is_small_and_clean(site):
    """Pagefind's index (all of it, not only what a query fetches) stays small; it holds no table dump,
    no chart, no phone or room number; Material's own single-file index is empty."""
    import json
    total = sum(f.stat().st_size for f in (site / "pagefind").rglob("*") if f.is_file())
    assert total <= 1_500_000, total
    assert json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"] == []
    texts = _pagefind_texts(site)
    assert any(name.endswith(".pf_fragment") for name, _ in texts)
    for name, text in texts:
        assert "<table" not in text and "<svg" not in text and "数据表" not in text, name
        plain = text.replace("\u200b", "")
        for s in SECRETS:
            assert s not in plain, (name, s)
    assert not any(f.name.startswith("pagefind-ui") or "component-ui" in f.name for f in (site / "pagefind").iterdir())


def article_text(html_text: str) -> str:
    """What a reader sees in a page's content (record history diffs aside: they show the file as stored)."""
    import html as h
    a = html_text.split("<article", 1)[-1].split(">", 1)[-1].split("</article>", 1)[0]
    a = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", a, flags=re.S)
    a = re.sub(r'<pre class="hf-diff">.*?</pre>', " ", a, flags=re.S)
    return h.unescape(re.sub(r"<[^>]+>", " ", a))


def test_reader_pages_speak_chinese_not_keys_files_or_markup(site):
    """No raw Markdown from templates, no YAML or configuration keys, no file names, no ISO week codes,
    no profile option codes (SPOT-5), no clause numbering (000 P4 Art.2(4)), no English words.
    (The record format and help pages explain keys and files on purpose and are left out.)"""
    from generator.config import PARAMS
    from generator.render import FIELD_TITLES
    keys = "|".join(sorted((re.escape(k) for k in FIELD_TITLES if len(k) > 2), key=len, reverse=True))
    leaks = {
        "标记": re.compile(r"\*\*(?:未达标|达标)\*\*|^!!! |\]\((?:\.\./)*[\w/.-]+\)", re.M),
        "字段键": re.compile(rf"[（(](?:{keys})[）)]|(?<![\w.-])[a-z]+_[a-z_]+(?![\w.-])"),
        "文件名": re.compile(r"\b[\w-]+\.(?:yml|yaml|md|py)\b|PROCEDURES"),
        "周编号": re.compile(r"\b\d{4}-W\d{2}\b"),
        "做法代码": re.compile(r"(?<![\w-])(?:" + "|".join(sorted(
            (re.escape(o) for p in PARAMS.values() for o in p.options if not o.isdigit()), key=len, reverse=True))
            + r")(?![\w-])"),
        "条款编号": re.compile(r"Art\.|§|\bch\.\s?\d|\bsteps? \d|\b00\d(?: [A-Z]\d?)? (?:§|Art|ch|step|\()"),
        "英文键值": re.compile(r"(?<![\w-])[a-z][a-z_]+[：:]"),
        "英文词": re.compile(r"(?<![\w-])[a-z]{3,}(?![\w-])"),
    }
    found = []
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        if rel in ("format.html", "404.html") or rel.startswith(("help/", "assets/", "search/")):
            continue
        shown = article_text(f.read_text(encoding="utf-8"))
        for what, pattern in leaks.items():
            found += [(rel, what, m[0]) for m in pattern.finditer(shown)
                      if not (what.startswith("英文") and m[0].rstrip("：:") in HOSTILE)]  # its own text
    assert not found, "\n".join(sorted(set(f"{w} {m} {r}" for r, w, m in found)))


def test_complaint_page_reads_in_flow_order_with_each_fact_once(site):
    shown = article_text((site / "records/complaints/TS-20260309-001.html").read_text(encoding="utf-8"))
    steps = ["受理", "投诉是否成立", "责任部门", "处理方案与批示", "处理过程", "答复期限与答复", "回访", "结案"]
    at = [shown.find(f". {s}") for s in steps]
    assert -1 not in at and at == sorted(at), dict(zip(steps, at))
    assert shown.count("晚上特别明显") == 1  # the complaint's text once (lead), not again in a field table
    revisits = shown.split(". 回访", 1)[1].split(". 结案", 1)[0]
    assert shown.count("HF-20260323-001") == 1 and "HF-20260323-001" in revisits  # with its satisfaction
    assert "满意度：满意" in revisits and "没有记录" not in revisits
    for action in ("同意更换导靴靴衬", "电话告知陈先生", "两次回访业主均满意", "登记投诉", "通知电梯维保单位"):
        assert shown.count(action) == 1, action  # each action once, at its own step
    reply = shown.split(". 答复期限与答复", 1)[1].split(". 回访", 1)[0]
    assert "以公开信答复" in reply and "GKX-20260316-001" in reply  # the letter that answered it, at the reply
    assert "C-APPR-01" not in shown and "已检查“处理方案须经主管领导批示”" in re.sub(r"\s+", "", shown)


def section(site: Path, page: str, rid: str) -> str:
    """The text of one record's section (a visit or an order) on its customer's archive."""
    raw = (site / page).read_text(encoding="utf-8")
    part = raw.split(f'id="{rid.lower()}"', 1)[1]
    return article_text("<article>" + re.split(r'<h[23][^>]*\bid="', part, maxsplit=1)[0] + "</article>")


def test_visit_shows_recorded_review_and_git_approval_apart(site):
    reviewed = section(site, "customers/CUST-0001.html", "HF-20260323-001")
    assert "记录里的主管审阅：" in reviewed and "合并批准：" in reviewed and "尚未审阅" not in reviewed
    assert reviewed.count("提交：") == 1  # provenance once per record
    missing = section(site, "customers/CUST-0007.html", "HF-20260814-001")
    assert "记录里没有写主管审阅" in missing  # the demo's V-REV-01 case


def test_open_letter_keeps_its_service_number_and_reads_as_a_letter(site):
    shown = article_text((site / "records/letters/GKX-20260316-001.html").read_text(encoding="utf-8"))
    assert "0571-88216600" in shown  # the organisation's own number, for owners to call
    assert shown.count("关于翠湖花园 3 栋电梯异响检修安排的公开信") == 1


def test_every_rule_link_lands_on_its_rule(site):
    """Every link to the rules page (in page content) names a rule, and that rule has its own anchor."""
    ids = set(re.findall(r'\bid="([A-Z]+-[A-Z0-9]+-\d+)"', (site / "rules.html").read_text(encoding="utf-8")))
    assert len(ids) >= 100
    links, bare = 0, []
    for f in site.rglob("*.html"):
        article = f.read_text(encoding="utf-8").split("<article", 1)[-1].split("</article>", 1)[0]
        for target in re.findall(r'href="(?:\.\./)*rules\.html(#[^"]*)?"', article):
            links += 1
            if target and target[1:] not in ids:  # (a bare link to the rules page is the page itself)
                bare.append((f.relative_to(site).as_posix(), target))
    assert links > 100 and not bare, bare[:10]


def test_hostile_record_text_runs_nothing_and_shows_no_phone_or_room(visitor, site):
    for path in (HOSTILE_PAGE, "customers/CUST-0001.html", "issues/index.html", "index.html", "due.html"):
        page = visitor.open(path)
        assert page.evaluate("typeof window.__hf_pwned") == "undefined", path
        shown = page.inner_text("body")
        for s in SECRETS:
            assert s not in shown, (path, s)
        assert "13906528848" not in page.content(), path
    page = visitor.open(HOSTILE_PAGE)
    shown = page.inner_text("article")
    assert "<script>window.__hf_pwned = 1</script>" in shown and "{{ 7*7 }}" in shown and "**不加粗**" in shown
    assert "139****8848" in shown
    assert page.locator("article a[href^='javascript']").count() == 0
    assert page.locator("article img[src='x'], article strong:has-text('不加粗')").count() == 0
    assert not visitor.dialogs


def test_no_request_leaves_the_machine(visitor, site):
    for path in list(SCREENS.values()) + ["rules.html", "months/index.html", f"index.html?q={HOSTILE_ID}"]:
        page = visitor.open(path)
        page.wait_for_load_state("networkidle")
    assert visitor.outside == []


def test_month_page_prints_to_pdf(browser, base, tmp_path):
    v = Visitor(browser, base, 1280)
    try:
        page = v.open(SCREENS["month"])
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True)
        out = tmp_path / "month.pdf"
        out.write_bytes(pdf)
        assert pdf.startswith(b"%PDF-")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages >= 2, pages  # a month page has figures, findings and charts: more than one sheet
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out, SHOTS / "month-print.pdf")
        assert v.outside == []
    finally:
        v.ctx.close()


def test_screenshots_of_the_pages_a_reader_opens_first(visitor):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in SCREENS.items():
        page = visitor.open(path)
        page.wait_for_load_state("networkidle")
        height = min(page.evaluate("document.documentElement.scrollHeight"), 4000)
        out = SHOTS / f"{name}-{visitor.width}.png"
        page.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": visitor.width, "height": height})
        assert out.stat().st_size > 10_000, out
