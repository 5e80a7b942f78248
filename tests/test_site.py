"""site: real `huifang build` runs (MkDocs subprocess) and a real headless Chromium check of the portal."""

from __future__ import annotations

import functools
import hashlib
import html as h
import http.server
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.test_pages import make_repo

ROOT = Path(__file__).parent.parent
AS_OF = "2026-11-30"
CHROMIUM = "/usr/bin/chromium"
DOCS = Path(".huifang") / "docs"


def huifang(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


def tree(d: Path) -> dict[str, str]:
    return {p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The fixture record set, committed to git and built once with the real CLI."""
    root = tmp_path_factory.mktemp("portal")
    make_repo(Repo(root))
    proc = huifang(root, "build", "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    return root, proc


def md(root, rel):
    return (root / DOCS / rel).read_text(encoding="utf-8")


def page(root, rel):
    return (root / "site" / rel).read_text(encoding="utf-8")


def visible(html_text: str) -> str:
    return h.unescape(re.sub(r"<[^>]+>", " ", html_text))


def test_build_reports_progress_in_chinese(built):
    root, proc = built
    for words in ("已读取 8 条记录", "个错误", "已生成", "MkDocs 构建完成", "site/index.html"):
        assert words in proc.stderr


def test_home_shows_month_figures_and_due_items(built):
    root, _ = built
    text = md(root, "index.md")
    assert "本期指标（2026-11" in text and "已逾期" in text
    assert "<svg" in text  # trend chart drawn at build time
    html = page(root, "index.html")
    assert "回访门户" in html and "最新记录" in visible(html)


def test_customer_archive_masks_and_links(built):
    root, _ = built
    text = md(root, "customers/CUST-0001.md")
    assert "13812345678" not in text and "601" not in text
    html = page(root, "customers/CUST-0001.html")
    shown = visible(html)
    assert "138****5678" in shown and "翠湖花园 3 栋" in shown and "2 单元" not in shown
    assert "重大顾客" in shown and "试运行结束" in shown and "2025-12-10" in shown
    assert 'href="../records/complaints/TS-20261102-001.html"' in html
    assert "地下车库漏水" in shown or "漏水" in shown
    other = page(root, "customers/CUST-0002.html")
    assert "<script>alert(1)</script>" not in other and "李华<script>alert(1)</script>" in visible(other)
    assert "翠湖花园 5 号楼" in visible(other) and "302" not in visible(other)


def test_record_page_escapes_hostile_text_and_shows_flow(built):
    root, _ = built
    html = page(root, "records/complaints/TS-20261102-001.html")
    shown = visible(html)
    assert "[点我](javascript:alert(1))" in shown and "{{ 1+1 }}" in shown and "{% if x %}" in shown
    article = html.split("<article", 1)[1].split("</article>", 1)[0]
    assert 'href="javascript' not in article and "<script" not in article and "13812345678" not in html
    for step in ("受理", "投诉是否成立", "责任部门", "处理方案与批示", "处理过程", "答复期限与答复", "回访", "结案"):
        assert step in shown
    assert "HF-20261106-001" in shown and "修改记录" in shown and "新建记录" in shown and "+id:" not in shown
    other = page(root, "records/complaints/TS-20261105-001.html")
    assert "<b>很严重</b>" not in other and "<b>很严重</b>" in visible(other)
    assert not (root / "site" / "records" / "visits").exists()  # visits are sections of their customer
    archive = page(root, "customers/CUST-0001.html")
    section = archive.split('id="hf-20261104-001"', 1)[1].split('class="hf-record"', 1)[0]
    assert "电话回访" in visible(section) and "提交" in visible(section)
    assert visible(archive).count("提交：刘静") == 1 + 3  # provenance once per record: the archive's and each section's


def test_issue_group_has_draft_letter_and_anonymous_register(built):
    root, _ = built
    shown = visible(page(root, "issues/index.html"))
    assert "地下车库漏水" in shown and "公开信草稿" in shown and "TS-20261105-001" in shown
    assert "13812345678" not in shown
    anon = visible(page(root, "anonymous.html"))
    assert "TS-20261110-001" in anon and "已对保安进行培训" in anon


def test_month_reports_rules_due_and_format_pages(built):
    root, _ = built
    month = visible(page(root, "months/2026-11.html"))
    for words in ("期间指标", "本月的错误", "回访方式构成", "满意度分布", "城东", "结论："):
        assert words in month
    assert "V-" in month and ("达标" in month or "本期没有期间指标" in month)
    assert "顾客满意度测量报告" in visible(page(root, "reports/satisfaction-2026-11.html"))
    comp = visible(page(root, "reports/complaints-2026-11.html"))
    assert "按客户分类" in comp and "按处理方式" in comp
    cb = visible(page(root, "reports/callbacks-2026-11.html"))
    assert "回访单数" in cb and "完工当天回访" in cb and "赵师傅" in cb
    rules = visible(page(root, "rules.html"))
    assert "V-DAY-01" in rules and "《矿山机械公司客户回访管理规定（附件一：回访流程）》第 4.3 节第（3）项" in rules
    assert "待办清单" in visible(page(root, "due.html"))
    assert "同一问题键" in visible(page(root, "format.html"))
    # customer and record pages stay out of the navigation
    assert "CUST-0001" not in page(root, "rules.html") and "TS-20261102-001" not in page(root, "rules.html")


def test_no_internet_resources(built):
    root, _ = built
    bad = []
    for p in (root / "site").rglob("*"):
        if p.suffix in (".html", ".css") and p.is_file():
            t = p.read_text(encoding="utf-8", errors="replace")
            if re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?https?:""", t):
                bad.append(p.relative_to(root).as_posix())
    assert not bad, bad


def test_rebuild_is_byte_identical_and_drops_stale_pages(built, tmp_path):
    root, _ = built
    before = tree(root / DOCS)
    mtimes = {p: p.stat().st_mtime_ns for p in (root / DOCS).rglob("*.md")}
    index = tree(root / "site" / "pagefind") | tree(root / "site" / "search")  # the search index
    assert any(k.startswith("fragment/") for k in index)
    (root / DOCS / "stale.md").write_text("# 旧页面\n", encoding="utf-8")
    (root / DOCS / "old" / "gone").mkdir(parents=True)
    (root / DOCS / "old" / "gone" / "x.md").write_text("# 旧\n", encoding="utf-8")
    proc = huifang(root, "build", "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    assert tree(root / DOCS) == before and not (root / DOCS / "old").exists()
    assert tree(root / "site" / "pagefind") | tree(root / "site" / "search") == index
    assert not (root / "site" / "stale.html").exists()
    # unchanged Markdown is not rewritten: same files, same modification times
    assert "其中 0 个文件有改动" in proc.stderr
    assert {p: p.stat().st_mtime_ns for p in (root / DOCS).rglob("*.md")} == mtimes
    # a changed page is rewritten, the others are left alone
    month = root / DOCS / "months" / "2026-11.md"
    month.write_text(month.read_text(encoding="utf-8") + "改动\n", encoding="utf-8")
    proc = huifang(root, "build", "--as-of", AS_OF)
    assert "其中 1 个文件有改动" in proc.stderr and tree(root / DOCS) == before


def test_a_build_after_one_new_record_rebuilds_only_changed_pages_and_equals_a_full_build(tmp_path):
    repo = make_repo(Repo(tmp_path))
    assert huifang(tmp_path, "build", "--as-of", AS_OF).returncode == 0
    repo.add("""
    id: HF-20261120-001
    date: 2026-11-20 10:00:00+08:00
    method: 电话
    purpose: 例行回访
    customer: CUST-0002
    visitor: 刘静
    content: 例行回访，业主说车库墙面已经不渗水了。
    """)
    repo.git("-c", "user.name=刘静", "-c", "user.email=liu@example.com", "add", "-A")
    repo.git("-c", "user.name=刘静", "-c", "user.email=liu@example.com", "commit", "-q", "-m", "新回访")
    next((tmp_path / "records" / "complaints").rglob("TS-20261110-001.yml")).unlink()  # and one page goes away
    proc = huifang(tmp_path, "build", "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"重建有改动的 (\d+) 个页面（其余 (\d+) 个", proc.stderr)
    assert m and int(m[1]) > 0 and int(m[2]) > 0, proc.stderr
    incremental = tree(tmp_path / "site")
    assert 'id="hf-20261120-001"' in page(tmp_path, "customers/CUST-0002.html")
    assert "records/complaints/TS-20261110-001.html" not in incremental
    (tmp_path / ".huifang" / "site-manifest.json").unlink()  # no manifest: a full build
    proc = huifang(tmp_path, "build", "--as-of", AS_OF)
    assert "重建有改动的" not in proc.stderr and tree(tmp_path / "site") == incremental


def test_strict_fails_on_errors_but_still_builds(tmp_path):
    make_repo(Repo(tmp_path), commit=False)
    proc = huifang(tmp_path, "build", "--as-of", AS_OF, "--strict")
    assert proc.returncode == 1
    assert (tmp_path / "site" / "index.html").exists()


def broken_links(site: Path) -> tuple[int, list]:
    """Every <a href> inside the site that does not lead to a file, or to an id on that page."""
    ids: dict[Path, set[str]] = {}

    def anchors(p: Path) -> set[str]:
        if p not in ids:
            ids[p] = set(re.findall(r'\bid="([^"]+)"', p.read_text(encoding="utf-8")))
        return ids[p]

    bad, n = [], 0
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        for href in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', f.read_text(encoding="utf-8")):
            u = urllib.parse.urlsplit(h.unescape(href))
            if u.scheme or u.netloc:
                continue
            n += 1
            path = urllib.parse.unquote(u.path)
            if not path:
                target = f
            elif path.startswith("/"):  # the 404 page links from the site's root
                target = site / path.lstrip("/")
            else:
                target = site / posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                bad.append((rel, href, "没有这个页面"))
            elif u.fragment and target.suffix == ".html" and urllib.parse.unquote(u.fragment) not in anchors(target):
                bad.append((rel, href, "页面上没有这个锚点"))
    return n, bad


def test_demo_records_build(tmp_path):
    """The shipped demo records/ (when present) build; same --as-of gives the same Markdown."""
    demo = ROOT / "records"
    if not demo.is_dir() or not any(demo.rglob("*.yml")):
        pytest.skip("demo records/ not present yet")
    shutil.copytree(demo, tmp_path / "records")
    for f in ("huifang.yml", "staff.yml"):
        if (ROOT / f).exists():
            shutil.copy2(ROOT / f, tmp_path / f)
    t0 = time.monotonic()
    proc = huifang(tmp_path, "build", "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    first = tree(tmp_path / DOCS)
    assert any(k.startswith("customers/CUST-") for k in first)
    assert huifang(tmp_path, "build", "--as-of", AS_OF).returncode == 0
    assert tree(tmp_path / DOCS) == first
    # every internal link and anchor of the built portal resolves; no record-page link of old is left
    checked, bad = broken_links(tmp_path / "site")
    assert checked > 5000 and not bad, bad[:20]
    old = [k for k in first if k.startswith(("records/visits/", "records/orders/"))]
    assert not old, old[:5]
    anywhere = [p.relative_to(tmp_path).as_posix() for p in (tmp_path / "site").rglob("*.html")
                if re.search(r'href="[^"]*records/(?:visits|orders)/', p.read_text(encoding="utf-8"))]
    assert not anywhere, anywhere[:5]
    print(f"demo build: {time.monotonic() - t0:.1f}s for two builds")


# --- a real browser ---------------------------------------------------------------------------

class _Handler(http.server.SimpleHTTPRequestHandler):
    """http.server serving site/ quietly (search is tested with Playwright in test_browser.py)."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser_url(built):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} 不存在：请先运行 scripts/install-chromium.sh 安装 Chromium。")
        pytest.skip("chromium not installed (run scripts/install-chromium.sh)")
    root, _ = built
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=str(root / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def dump_dom(url: str, tmp_path: Path) -> str:
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'chromium'}",
         "--dump-dom", "--virtual-time-budget=20000", url],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_browser_renders_customer_archive(browser_url, tmp_path):
    dom = dump_dom(f"{browser_url}/customers/CUST-0001.html", tmp_path)
    shown = visible(dom)
    assert "张明 · CUST-0001" in shown and "138****5678" in shown
    assert "13812345678" not in dom



def test_a_configuration_error_in_the_page_generation_is_reported_like_any_other(tmp_path):
    """The pages are made in a child process (its memory goes back to the system before MkDocs runs);
    an error there is still one Chinese line and exit status 2, never a traceback, and the site stays."""
    make_repo(Repo(tmp_path))
    env = dict(os.environ, HUIFANG_FORK_MIN="1")  # a child process even for these few records

    def build() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "generator", "--root", str(tmp_path), "build", "--as-of", AS_OF],
                              capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    proc = build()
    assert proc.returncode == 0 and proc.stderr.count("已生成") == 1, proc.stderr
    before = tree(tmp_path / "site")
    (tmp_path / "huifang.yml").write_text("thresholds: [\n", encoding="utf-8")
    proc = build()
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "huifang.yml" in proc.stderr
    assert tree(tmp_path / "site") == before


def test_search_uses_pagefind_only_material_indexes_no_page(built):
    """Every generated page is left out of Material's single-file index at build time (front matter
    search: exclude), so MkDocs does not parse every page for an index the portal never downloads."""
    root, _ = built
    for f in (root / DOCS).rglob("*.md"):
        if not f.relative_to(root / DOCS).as_posix().startswith("help/"):
            assert "\nsearch:\n  exclude: true\n---\n" in f.read_text(encoding="utf-8").split("\n\n", 1)[0] + "\n", f
    assert '"docs": []' in page(root, "search/search_index.json")
    assert any((root / "site" / "pagefind" / "fragment").iterdir())
    # the customers' archives are a bundle of their own (indexing needs half the memory), merged in the browser
    assert (root / "site" / "pagefind" / "customers" / "pagefind-entry.json").is_file()
    customers = {f.name for f in (root / "site" / "pagefind" / "customers" / "fragment").iterdir()}
    main = {f.name for f in (root / "site" / "pagefind" / "fragment").iterdir()}
    assert customers and main and not customers & main


def test_mkdocs_in_several_processes_builds_the_same_site(tmp_path):
    """A large site is built by several MkDocs processes at once, each rendering its share of the pages
    (HUIFANG_MKDOCS_PROCESSES forces it on this small one): the same bytes as one process."""
    make_repo(Repo(tmp_path))
    env = dict(os.environ, HUIFANG_MKDOCS_PROCESSES="3")
    proc = subprocess.run([sys.executable, "-m", "generator", "--root", str(tmp_path), "build", "--as-of", AS_OF],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    assert proc.returncode == 0 and "3 个进程同时构建" in proc.stderr, proc.stderr
    parallel = tree(tmp_path / "site")
    assert not list((tmp_path / ".huifang").glob("site.building-*"))
    shutil.rmtree(tmp_path / "site")
    (tmp_path / ".huifang" / "site-manifest.json").unlink()
    env["HUIFANG_MKDOCS_PROCESSES"] = "1"
    proc = subprocess.run([sys.executable, "-m", "generator", "--root", str(tmp_path), "build", "--as-of", AS_OF],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    assert proc.returncode == 0 and "同时构建" not in proc.stderr, proc.stderr
    assert tree(tmp_path / "site") == parallel


def test_pages_with_unchanged_inputs_are_read_back_and_equal_a_fresh_render(tmp_path):
    """After one new record, only the pages whose data changed are rendered again (the others' Markdown
    is read back, .huifang/cache/pages.json); the docs equal those of a build with no cache at all."""
    repo = make_repo(Repo(tmp_path))
    assert huifang(tmp_path, "build", "--as-of", AS_OF).returncode == 0
    assert (tmp_path / ".huifang" / "cache" / "pages.json").is_file()
    repo.add("""
    id: HF-20261121-001
    date: 2026-11-21 10:00:00+08:00
    method: 电话
    purpose: 例行回访
    customer: CUST-0002
    visitor: 刘静
    content: 例行回访，业主说楼道灯已经修好了。
    """)
    repo.git("-c", "user.name=刘静", "-c", "user.email=liu@example.com", "add", "-A")
    repo.git("-c", "user.name=刘静", "-c", "user.email=liu@example.com", "commit", "-q", "-m", "新回访")
    assert huifang(tmp_path, "build", "--as-of", AS_OF).returncode == 0
    warm = tree(tmp_path / DOCS)
    assert "楼道灯已经修好了" in md(tmp_path, "customers/CUST-0002.md")
    proc = subprocess.run([sys.executable, "-m", "generator", "--root", str(tmp_path), "build", "--as-of", AS_OF],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env=dict(os.environ, HUIFANG_NO_CACHE="1"))
    assert proc.returncode == 0, proc.stderr
    assert tree(tmp_path / DOCS) == warm
