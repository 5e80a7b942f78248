"""The portal's search in a real browser: what a reader downloads and waits for.

Serves a built portal (site/) on 127.0.0.1 and drives Debian's headless Chromium (Playwright): each
query opens the home page with ?q= in a fresh browser (empty cache), so the portal's search box asks it
(assets/huifang.js → Pagefind) as a reader would. Prints, per query, the wall time from opening the
page to the results shown and the search bytes the server sent for it (Pagefind's scripts, WebAssembly,
page list, index chunks and fragments, plus Material's search worker and emptied index; as stored,
without HTTP compression), and the index on disk.

    python bench/bench_search.py /tmp/huifang-bench/repo-10000/site [--query 漏水 --query TS-…] [--json out.json]

Without --query it asks an exact record ID (the first complaint in the site), a Chinese word from the
middle of sentences (漏水), a word on nearly every record (回访) and a customer's name.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("HUIFANG_CHROMIUM") or "/usr/bin/chromium"
MB = 1024 * 1024

# Counted at the server: every byte of the search's files served (Pagefind's scripts, worker and
# WebAssembly, page list, index chunks, fragments; Material's search worker and its emptied index),
# whoever fetched them.
SEARCH_PATHS = ("/pagefind/", "/search/", "/javascripts/workers/", "/javascripts/lunr/")
SERVED: dict[str, int] = {"bytes": 0}
_LOCK = threading.Lock()


class _Counting(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        data = source.read()
        outputfile.write(data)
        if any(part in self.path for part in SEARCH_PATHS):
            with _LOCK:
                SERVED["bytes"] += len(data)


def served() -> int:
    with _LOCK:
        return SERVED["bytes"]


def on_disk(site: Path) -> dict:
    pf = site / "pagefind"
    files = [f for f in pf.rglob("*") if f.is_file()]
    size = lambda fs: sum(f.stat().st_size for f in fs)  # noqa: E731
    start = [f for f in files if f.parent == pf]
    return {"pages_html": sum(1 for _ in site.rglob("*.html")),
            "index_total": size(files),
            "start_files": size(start),
            "chunks": sum(1 for f in files if f.suffix == ".pf_index"),
            "chunk_max": max((f.stat().st_size for f in files if f.suffix == ".pf_index"), default=0),
            "fragments": sum(1 for f in files if f.suffix == ".pf_fragment"),
            "fragment_max": max((f.stat().st_size for f in files if f.suffix == ".pf_fragment"), default=0),
            "meta": size([f for f in files if f.suffix == ".pf_meta"]),
            "material_index": (site / "search" / "search_index.json").stat().st_size
            if (site / "search" / "search_index.json").exists() else 0}


def default_queries(site: Path) -> list[str]:
    complaint = next(iter(sorted((site / "records" / "complaints").glob("TS-*.html"))), None)
    customer = next(iter(sorted((site / "customers").glob("CUST-*.html"))), None)
    name = None
    if customer is not None:
        m = re.search(r"<h1[^>]*>([^<·]+?) · CUST-", customer.read_text(encoding="utf-8"))  # "姚秀英 · CUST-00001"
        name = m[1].strip() if m else None
    return [q for q in (complaint.stem if complaint else None, "漏水", "回访", name) if q]


@contextmanager
def _served_browser(site: Path):
    """The portal served on 127.0.0.1 (bytes counted) and a headless Chromium: (base URL, browser)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Counting, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                yield f"http://127.0.0.1:{server.server_address[1]}", browser
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()


def run(site: Path, queries: list[str], timeout: float = 60) -> dict:
    """Each query in a fresh browser context (empty cache), through the portal's search box (?q=): the
    time from opening the page to the results shown, and the search bytes served for it."""
    out = {"site": str(site), "disk": on_disk(site), "queries": []}
    with _served_browser(site) as (base, browser):
        for q in queries:
            ctx = browser.new_context(viewport={"width": 1280, "height": 800})
            page = ctx.new_page()
            before = served()
            t0 = time.perf_counter()
            page.goto(f"{base}/index.html?q={urllib.parse.quote(q)}", wait_until="load")
            loaded = time.perf_counter()
            try:
                page.wait_for_function(
                    "() => { const m = document.querySelector('.md-search-result__meta');"
                    " return document.querySelector('.md-search-result__item') || (m && /没有/.test(m.textContent)); }",
                    timeout=timeout * 1000)
            except PlaywrightTimeout:  # no answer in time: said, and its bytes so far still counted
                out["queries"].append({"query": q, "results": None, "first": None,
                                       "page_load_s": round(loaded - t0, 2), "results_s": None,
                                       "timeout_s": timeout, "bytes": served() - before})
                ctx.close()
                continue
            shown = time.perf_counter()
            first = page.eval_on_selector_all(
                ".md-search-result__item", "li => li.length ? (li[0].querySelector('a[href*=\"#\"]') ||"
                " li[0].querySelector('a')).getAttribute('href') : null")
            meta = page.inner_text(".md-search-result__meta")  # "找到 N 个符合条件的结果" (10 shown at first)
            n = int(re.sub(r"\D", "", meta) or (1 if first else 0))
            page.wait_for_load_state("networkidle")
            out["queries"].append({"query": q, "results": n, "first": first,
                                   "page_load_s": round(loaded - t0, 2), "results_s": round(shown - t0, 2),
                                   "bytes": served() - before})
            ctx.close()
    return out


ENGINE = """async q => {
  const pf = await import('/pagefind/pagefind.js');
  await pf.options({baseUrl: '/'});
  await pf.init();
  try { await pf.mergeIndex('/pagefind/customers/', {baseUrl: '/'}); } catch (e) { /* a portal without customers */ }
  const t0 = performance.now();
  const found = await pf.search(q);
  return {results: found.results.length, ms: performance.now() - t0};
}"""


def engine(site: Path, queries: list[str]) -> list[dict]:
    """Pagefind's own search alone (no portal script, no result fragments): how long it ranks a query."""
    out = []
    with _served_browser(site) as (base, browser):
        for q in queries:
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(f"{base}/404.html")
            page.set_default_timeout(900_000)
            out.append({"query": q, **page.evaluate(ENGINE, q)})
            ctx.close()
    return out


def row(q: dict) -> str:
    """One query as a table row: results, where the first lands, the times and the bytes."""
    first = urllib.parse.urlsplit(q["first"] or "")
    where = first.path.lstrip("/") + (f"#{first.fragment}" if first.fragment else "")
    shown = f"{q['results_s']:.2f}" if q["results_s"] is not None else f"{q['timeout_s']:g} 秒内没有结果"
    return (f"| {q['query']} | {q['results'] if q['results'] is not None else '—'} | {where} | "
            f"{q['page_load_s']:.2f} | {shown} | {q['bytes'] / 1024:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--query", action="append", default=[])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--engine", action="append", default=[], metavar="QUERY",
                    help="只测 Pagefind 自己排序一个查询的时间（不经过门户脚本）")
    args = ap.parse_args()
    if args.engine:
        for e in engine(args.site, args.engine):
            print(f"Pagefind 直接查询“{e['query']}”：{e['results']} 个结果，用时 {e['ms'] / 1000:.2f} 秒")
        return None
    r = run(args.site, args.query or default_queries(args.site))
    d = r["disk"]
    print(f"门户：{args.site}（{d['pages_html']} 个 HTML 页面）")
    print(f"Pagefind 索引（磁盘上）：共 {d['index_total'] / MB:.2f} MB；启动文件 {d['start_files'] / 1024:.0f} KB"
          f"（其中页面清单 {d['meta'] / 1024:.0f} KB）；{d['chunks']} 个索引块（最大 {d['chunk_max'] / 1024:.0f} KB）；"
          f"{d['fragments']} 个页面片段（最大 {d['fragment_max'] / 1024:.0f} KB）；"
          f"Material 的索引 {d['material_index']} 字节")
    print("| 查询 | 结果数 | 第一条 | 页面打开（秒） | 打开页面到结果出现（秒） | 这次搜索下载（KB） |")
    print("|---|---:|---|---:|---:|---:|")
    for q in r["queries"]:
        print(row(q))
    worst = max((q["bytes"] for q in r["queries"]), default=0)
    print(f"目标“一次搜索下载的数据 ≤ 2 MB”：最多 {worst / MB:.2f} MB，{'达标' if worst <= 2 * MB else '未达标'}")
    if args.json:
        args.json.write_text(json.dumps(r, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
