"""Site: write the generated Markdown atomically, then run MkDocs as a subprocess.

MkDocs is only ever called on the command line (`python -m mkdocs build …`), never imported,
so moving to ProperDocs or Zensical needs changes to mkdocs.yml only. Rule violations never
stop a build; `--strict` turns errors into a non-zero exit status after the site is built.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import http.server
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

from . import shipped

try:  # the search index's builder (a binary in its wheel); only `build` needs it, and says so if it is missing
    from pagefind_bin_extended import get_executable as _pagefind_executable
except ImportError:
    _pagefind_executable = None

DOCS_DIR = Path(".huifang") / "docs"
SITE_DIR = "site"
CONFIG = "mkdocs.yml"
INHERITED = Path(".huifang") / "mkdocs.yml"  # used when the repository has no mkdocs.yml of its own


def say(msg: str) -> None:
    Progress.clear()
    print(f"huifang: {msg}", file=sys.stderr, flush=True)


class Progress:
    """A live 'stage n/N' line for long builds: on a terminal only, never in CI logs or pipes."""

    shown = False

    def __init__(self, label: str, total: int):
        self.label, self.total, self.n, self.last = label, total, 0, 0.0
        self.live = sys.stderr.isatty() and not os.environ.get("CI")

    def step(self, k: int = 1) -> None:
        self.n += k
        now = time.monotonic()
        if self.live and (now - self.last > 0.1 or self.n >= self.total):
            self.last = now
            sys.stderr.write(f"\rhuifang: {self.label} {min(self.n, self.total)}/{self.total}\033[K")
            sys.stderr.flush()
            Progress.shown = True

    @classmethod
    def clear(cls) -> None:
        if cls.shown:
            sys.stderr.write("\r\033[K")
            cls.shown = False


def templates_dir(root: Path) -> list[Path]:
    """The portal templates: the repository's own templates/portal/ files first, then the shipped ones."""
    return shipped.search_path(root, "templates", "portal")


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless the file already holds exactly that (then its mtime stays, too);
    a changed file is replaced in one step (temp file + rename), never left half-written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def write_docs(root: Path, pages: dict[str, str], tdirs: list[Path]) -> tuple[Path, int, dict[str, str]]:
    """Bring the docs folder to exactly `pages` (plus the templates' assets): a page whose Markdown is
    unchanged is not rewritten, a changed one is replaced atomically, and a page no longer generated is
    removed, so stale pages never survive. Returns the folder, how many files were written and each
    file's digest (what the next build compares with the site it publishes).

    `pages` is emptied as it is written: one page's bytes at a time, never a second copy of the portal."""
    target = root / DOCS_DIR
    target.mkdir(parents=True, exist_ok=True)
    assets: dict[str, Path] = {}
    for tdir in reversed(tdirs):  # shipped first, the repository's own files over them
        folder = tdir / "assets"
        if folder.is_dir():
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    assets[f"assets/{f.relative_to(folder).as_posix()}"] = f
    names = sorted(set(pages) | set(assets))
    progress = Progress("写入页面", len(names))
    written = 0
    digests: dict[str, str] = {}
    for rel in names:
        data = assets[rel].read_bytes() if rel in assets else pages.pop(rel).replace("\r\n", "\n").encode("utf-8")
        written += _write_if_changed(target / rel, data)
        digests[rel] = hashlib.sha1(data).hexdigest()
        progress.step()
    for dirpath, dirnames, filenames in os.walk(target, topdown=False):  # what is no longer generated
        for n in filenames:
            rel = Path(dirpath, n).relative_to(target).as_posix()
            if rel not in digests:
                Path(dirpath, n).unlink()
        if dirpath != str(target) and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return target, written, digests


# --- an incremental MkDocs run ------------------------------------------------------------------
# Customer, record, month and report pages are not in the navigation, so one page's HTML depends only on
# its own Markdown, the navigation pages, the configuration and the theme. A build after a small change
# therefore copies the published site/, lets MkDocs rebuild (`--dirty`) only the pages whose Markdown
# differs from what that site was built from and deletes the pages no longer generated; Pagefind then
# indexes the whole result (Material's own index holds no page, so nothing is lost to --dirty). Anything
# else — no previous site, another configuration, theme or asset, most pages changed — is a full build.
MANIFEST = Path(".huifang") / "site-manifest.json"
DIRTY_SHARE = 0.8  # above this share of changed pages (navigation pages aside) a full build is as fast


def _nav_page(rel: str) -> bool:
    """Pages in (or always near) the navigation: top-level pages and section indexes; always rebuilt."""
    return "/" not in rel or rel.endswith("/index.md")


def _html(rel: str) -> str:
    return rel[:-3] + ".html"


def _config_key(root: Path, digests: dict[str, str]) -> str:
    """What every page's HTML depends on besides its own Markdown."""
    h = hashlib.sha1()
    cfg = root / mkdocs_config(root)
    h.update(cfg.read_bytes())
    h.update(shipped.path(CONFIG).read_bytes())
    for pkg in ("mkdocs", "mkdocs-material"):
        try:
            h.update(version(pkg).encode())
        except Exception:
            h.update(pkg.encode())
    for rel in sorted(digests):
        if not rel.endswith(".md"):
            h.update(f"{rel}={digests[rel]}\n".encode())
    return h.hexdigest()


def _read_manifest(root: Path) -> dict | None:
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and isinstance(data.get("pages"), dict) else None
    except (OSError, ValueError):
        return None


def _write_manifest(root: Path, key: str, digests: dict[str, str]) -> None:
    _write_if_changed(root / MANIFEST, json.dumps({"key": key, "pages": digests}, ensure_ascii=False,
                                                  sort_keys=True).encode("utf-8"))


def _dirty_plan(root: Path, key: str, digests: dict[str, str]) -> tuple[set[str], set[str]] | None:
    """(pages to rebuild, pages to delete) against the published site, or None for a full build."""
    site = root / SITE_DIR
    old = _read_manifest(root)
    if old is None or old.get("key") != key or not (site / "index.html").is_file():
        return None
    before = old["pages"]
    pages = {rel for rel in digests if rel.endswith(".md")}
    changed = {rel for rel in pages if before.get(rel) != digests[rel] or _nav_page(rel)
               or not (site / _html(rel)).is_file()}
    others = [rel for rel in pages if not _nav_page(rel)]
    if sum(1 for rel in others if rel in changed) > DIRTY_SHARE * max(len(others), 1):
        return None
    return changed, {rel for rel in before if rel.endswith(".md") and rel not in pages}


def _prepare_dirty(root: Path, out: Path, changed: set[str], deleted: set[str]) -> None:
    """Copy the published site to `out` and mark what MkDocs must rebuild: the copied HTML of a changed
    page is made older than its Markdown, every other page's newer (the Markdown is never touched);
    delete what is gone. (Material's own search index needs no merging: every generated page is left out
    of it and the build empties it, see index_search.)"""
    docs = root / DOCS_DIR
    site = root / SITE_DIR
    # not the search index: Pagefind writes it anew after MkDocs (index_search)
    shutil.copytree(site, out, symlinks=True,
                    ignore=lambda folder, names: [SEARCH_DIR] if Path(folder) == site and SEARCH_DIR in names else [])
    for md in docs.rglob("*.md"):
        rel = md.relative_to(docs).as_posix()
        html = out / _html(rel)
        if not html.is_file():
            continue
        t = md.stat().st_mtime
        os.utime(html, (t - 10, t - 10) if rel in changed else (t + 10, t + 10))
    for rel in deleted:
        (out / _html(rel)).unlink(missing_ok=True)


def mkdocs_config(root: Path) -> str:
    """The MkDocs configuration to build with, relative to the root.

    The repository's own mkdocs.yml when it has one; else a file in huifang's work folder that
    inherits the shipped configuration (nothing is written outside .huifang/ and site/).
    """
    if (root / CONFIG).is_file():
        return CONFIG
    target = root / INHERITED
    target.parent.mkdir(parents=True, exist_ok=True)
    text = (f"# Written by huifang build: the shipped MkDocs configuration, with this repository's folders.\n"
            f"# To change it, copy the shipped file to mkdocs.yml at the repository root.\n"
            f"INHERIT: {json.dumps(str(shipped.path(CONFIG)), ensure_ascii=False)}\n"
            f"docs_dir: docs\nsite_dir: ../{SITE_DIR}\n")
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return INHERITED.as_posix()


BUILDING = "site.building-"  # a build writes into .huifang/<this><pid> (ignored by git, same disk) before the swap


def run_mkdocs(root: Path, n_pages: int = 0, out: Path | None = None, dirty: bool = False) -> tuple[int, float, str]:
    """Run MkDocs into `out` (default site/); on a terminal its verbose log drives a page counter,
    elsewhere it runs quietly. `dirty`: rebuild only pages whose Markdown is newer than their HTML."""
    out = out or root.resolve() / SITE_DIR
    cmd = [sys.executable, "-m", "mkdocs", "build", "--dirty" if dirty else "--clean", "-f", mkdocs_config(root),
           "-d", str(out)]
    t0 = time.monotonic()
    env = dict(os.environ, PYTHONHASHSEED="0", NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
    progress = Progress("MkDocs 构建页面", n_pages)
    if not (progress.live and n_pages):
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
        return proc.returncode, time.monotonic() - t0, proc.stderr + proc.stdout
    kept = []
    with subprocess.Popen([*cmd, "--verbose"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=env) as proc:
        for line in proc.stdout:
            if line.startswith("DEBUG"):
                if "Building page" in line:
                    progress.step()
                continue
            kept.append(line)
    Progress.clear()
    return proc.returncode, time.monotonic() - t0, "".join(kept)


PARALLEL_MIN = 400  # pages: below this, one MkDocs process is as fast (each one pays MkDocs' start-up)


def mkdocs_processes(n_pages: int) -> int:
    """How many MkDocs processes build a full site at once: HUIFANG_MKDOCS_PROCESSES when it is set,
    else one per processor this process may use (at most 4) for a site of PARALLEL_MIN pages or more."""
    wanted = os.environ.get("HUIFANG_MKDOCS_PROCESSES", "").strip()
    if wanted.isdigit() and int(wanted) >= 1:
        return min(int(wanted), 8)
    if n_pages < PARALLEL_MIN:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def run_mkdocs_parallel(root: Path, digests: dict[str, str], out: Path, n: int) -> tuple[int, float, str]:
    """A full build by `n` MkDocs processes at once. Each renders every n-th page outside the navigation,
    and all navigation pages (every page's navigation needs their titles): it runs MkDocs' --dirty build
    into a folder of its own where the other processes' pages already have a newer placeholder, so it
    neither reads nor renders them. Their pages are then moved into `out`. A page's HTML depends only on
    its own Markdown, the navigation and the configuration (what the incremental build relies on), so
    the site is byte for byte the one a single process builds (tests/test_site.py compares them)."""
    docs = root / DOCS_DIR
    rest = sorted(rel for rel in digests if rel.endswith(".md") and not _nav_page(rel))
    groups = [set(rest[i::n]) for i in range(n)]
    outs = [out] + [out.with_name(f"{out.name}.{i}") for i in range(1, n)]
    t0 = time.monotonic()
    try:
        for i, folder in enumerate(outs):
            shutil.rmtree(folder, ignore_errors=True)
            for rel in rest:
                if rel not in groups[i]:
                    html = folder / _html(rel)
                    html.parent.mkdir(parents=True, exist_ok=True)
                    html.touch()
                    t = (docs / rel).stat().st_mtime + 10
                    os.utime(html, (t, t))
        env = dict(os.environ, PYTHONHASHSEED="0", NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
        running = []
        for folder in outs:
            log = tempfile.TemporaryFile()
            cmd = [sys.executable, "-m", "mkdocs", "build", "--dirty", "-f", mkdocs_config(root), "-d", str(folder)]
            running.append((subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=env), log))
        codes, logs = [], []
        for proc, log in running:
            codes.append(proc.wait())
            log.seek(0)
            logs.append(log.read().decode("utf-8", "replace"))
            log.close()
        text = "".join(dict.fromkeys(line for part in logs for line in part.splitlines(keepends=True)))
        code = next((c for c in codes if c != 0), 0)
        if code == 0:
            for i in range(1, n):
                for rel in groups[i]:
                    os.replace(outs[i] / _html(rel), out / _html(rel))
        return code, time.monotonic() - t0, text
    finally:
        for folder in outs[1:]:
            shutil.rmtree(folder, ignore_errors=True)


# Search: Pagefind (extended build: segments Chinese) indexes the built pages into site/pagefind/, a
# static index in small chunks: a browser loads a few hundred kilobytes to start, then only the chunks
# and page fragments a query needs. Material's search box stays the user interface (assets/huifang.js
# answers its queries from Pagefind); Material's own single-file index is emptied, so no browser
# downloads it. Only the article is indexed, without tables, charts, code, collapsed blocks, breadcrumbs
# or what the pages mark `data-search-exclude`: result text is record text, and the index grows with
# records, not with tables. Classes, not the data-search-exclude attribute, name what stays out:
# Material's search plugin strips every data-search-*="…" attribute from the HTML it writes (md_in_html
# gives the attribute a value), so a record's body inside its customer's archive (.hf-record-body)
# reached Pagefind whole — its labels and boilerplate on every page (at 100,000 records: 14,000 pages).
SEARCH_DIR = "pagefind"
SEARCH_ROOT = "article"
SEARCH_SKIP = ("table, figure, svg, pre, details, .headerlink, .md-source-file, .md-path, .hf-path, "
               ".hf-record-body, .hf-quiet, [data-search-exclude]")  # breadcrumbs, a section's record
# body (its heading and lead sentence are what search finds), boilerplate, what pages mark as no search text
SEARCH_KEEP = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json")  # + wasm, meta, index/, fragment/


def pagefind_binary() -> str:
    """The extended Pagefind binary shipped in the pagefind-bin-extended wheel (Chinese segmentation)."""
    if _pagefind_executable is None:
        raise FileNotFoundError("没有安装 pagefind[extended]")
    return str(_pagefind_executable())


# Pagefind's memory grows with the pages it indexes (about 2.1 GB for the 14,000 pages of 100,000
# records, bench.py): the customers' archives are indexed apart into pagefind/customers/, a second
# bundle the portal's script merges into the first (Pagefind's mergeIndex), each run about half of it.
SEARCH_PARTS = ("customers",)  # top folders indexed as bundles of their own, under pagefind/<folder>/
_NOT_PAGES = {"assets", "search", SEARCH_DIR}


def _search_runs(site: Path) -> list[tuple[str, str]]:
    """(output folder, glob) of each Pagefind run: the main bundle for every page outside SEARCH_PARTS,
    then one bundle per part that the site has."""
    folders = sorted(d.name for d in site.iterdir() if d.is_dir() and d.name not in _NOT_PAGES)
    rest = ["*.html"] + [f"{d}/**/*.html" for d in folders if d not in SEARCH_PARTS]
    runs = [(SEARCH_DIR, "{" + ",".join(rest) + "}")]
    return runs + [(f"{SEARCH_DIR}/{d}", f"{d}/**/*.html") for d in SEARCH_PARTS if d in folders]


def index_search(site: Path) -> tuple[int, float, str]:
    """Index the built site with Pagefind (in parts, see SEARCH_PARTS); drop its unused UI bundles;
    empty Material's index."""
    t0 = time.monotonic()
    try:
        binary = pagefind_binary()
    except (ImportError, FileNotFoundError) as e:
        return 127, 0.0, f"找不到 Pagefind（{e}）：请运行 scripts/setup.sh 重新安装依赖。\n"
    shutil.rmtree(site / SEARCH_DIR, ignore_errors=True)  # an incremental build starts from the last site's copy
    for subdir, pattern in _search_runs(site):
        cmd = [binary, "--site", str(site), "--output-subdir", subdir, "--glob", pattern,
               "--root-selector", SEARCH_ROOT, "--exclude-selectors", SEARCH_SKIP, "--force-language", "zh",
               "--keep-index-url", "--silent"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            return proc.returncode, time.monotonic() - t0, proc.stderr + proc.stdout
        for f in (site / subdir).iterdir():
            if f.is_file() and not (f.name in SEARCH_KEEP or f.suffix in (".pagefind", ".pf_meta")):
                f.unlink()
    material = site / "search" / "search_index.json"
    if material.is_file():
        config = json.loads(material.read_text(encoding="utf-8")).get("config", {})
        material.write_text(json.dumps({"config": config, "docs": []}, ensure_ascii=False), encoding="utf-8")
    return 0, time.monotonic() - t0, ""


@contextlib.contextmanager
def _build_lock(root: Path):
    """One build at a time per repository (a second one waits): builds never interleave their swaps."""
    lock = root / ".huifang" / "build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def publish(new: Path, site: Path) -> None:
    """Put the freshly built `new` where `site` is, so a reader sees the old portal or the new one, never a mix."""
    if site.is_dir() and not site.is_symlink() and _exchange(new, site):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the previous portal
        return
    old = new.parent / f"{BUILDING}old-{os.getpid()}"
    if site.exists() or site.is_symlink():
        site.rename(old)
    new.rename(site)
    if old.is_symlink() or old.is_file():
        old.unlink()
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _derive(root: Path, args, generate) -> dict:
    """Analyse, make the pages and write them; what the rest of a build needs, as plain data."""
    t0 = time.monotonic()
    analysis, pages = generate(root, getattr(args, "as_of", None))
    n = len(pages)
    _, written, digests = write_docs(root, pages, templates_dir(root))
    say(f"已生成 {n} 个页面（{DOCS_DIR.as_posix()}/，其中 {written} 个文件有改动、已重写），"
        f"用时 {time.monotonic() - t0:.1f} 秒。")
    return {"pages": n, "digests": digests, "blocking": any(f.blocking for f in analysis.findings)}


CHILD_FAILED = 3  # a derivation child's exit status when its work raised (the parent runs it again itself)
FORK_MIN = 2000  # record files: below this the pages are made in this process (their memory is small)


def _large(root: Path) -> bool:
    """True when records/ holds FORK_MIN files or more (HUIFANG_FORK_MIN sets another number); counting
    stops there, so a large repository costs one short walk."""
    wanted = os.environ.get("HUIFANG_FORK_MIN", "").strip()
    limit = int(wanted) if wanted.isdigit() else FORK_MIN
    n = 0
    for _, _, filenames in os.walk(root / "records"):
        n += len(filenames)
        if n >= limit:
            return True
    return n >= limit


def _in_child(fn, *args) -> dict:
    """`fn(*args)` in a forked child process, its result (plain JSON data) read back through a pipe.
    The analysis and the page data of a large repository take gigabytes; in a child that has exited
    they are back with the system before MkDocs and Pagefind start, so a build's peak memory is the
    largest of its stages, not their sum. When the work raises in the child, it is run once more here,
    where the error is reported as usual (a configuration error, an interrupted run). Where forking is
    not safe (another thread is running: huifang serve's web server) or not available, it runs here."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return fn(*args)
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = CHILD_FAILED
        try:
            os.close(r)
            data = json.dumps(fn(*args), ensure_ascii=False).encode("utf-8")
            with os.fdopen(w, "wb") as fh:
                fh.write(data)
            status = 0
        except BaseException:  # noqa: BLE001 - reported by the parent's own run
            pass
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return json.loads(data.decode("utf-8"))
    if os.waitstatus_to_exitcode(status) == CHILD_FAILED:
        return fn(*args)
    raise ChildProcessError(os.waitstatus_to_exitcode(status))


def build(root: Path, args, generate) -> int:
    """Write the pages `generate(root, as_of)` returns (with their analysis), run MkDocs into a folder
    beside site/ and swap it in at the end: a killed, failed or concurrent build leaves the previous
    portal whole where the web server reads it.

    The caller passes the generator in, so this module stays a leaf of the import graph."""
    root = Path(root)
    with _build_lock(root):
        for stale in (root / ".huifang").glob(BUILDING + "*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        try:
            derived = _in_child(_derive, root, args, generate) if _large(root) else _derive(root, args, generate)
        except ChildProcessError as e:
            say(f"生成页面的进程意外退出（{_ended(e.args[0])}），{SITE_DIR}/ 保持上一次的门户不变。")
            return 2
        n_pages, digests = derived["pages"], derived["digests"]
        out = root.resolve() / ".huifang" / f"{BUILDING}{os.getpid()}"
        key = _config_key(root, digests)
        plan = None if getattr(args, "full", False) else _dirty_plan(root, key, digests)
        try:
            code = None
            if plan is not None:
                changed, deleted = plan
                say(f"正在用 MkDocs 重建有改动的 {len(changed)} 个页面（其余 {len(digests) - len(changed)} 个沿用上一次的门户）……")
                try:
                    _prepare_dirty(root, out, changed, deleted)
                    code, secs, log = run_mkdocs(root, len(changed), out, dirty=True)
                except (OSError, ValueError) as e:
                    say(f"增量构建没有成功（{e}），改为完整构建。")
                    code = None
                if code != 0:
                    shutil.rmtree(out, ignore_errors=True)
                    code = None
            if code is None:
                workers = mkdocs_processes(n_pages)
                if workers > 1:
                    say(f"正在用 MkDocs 构建网站（{workers} 个进程同时构建）……")
                    code, secs, log = run_mkdocs_parallel(root, digests, out, workers)
                else:
                    say("正在用 MkDocs 构建网站……")
                    code, secs, log = run_mkdocs(root, n_pages, out)
            if code != 0:
                sys.stderr.write(log)
                say(f"MkDocs 构建失败（退出码 {code}），{SITE_DIR}/ 保持上一次的门户不变。")
                return 2
            (root / MANIFEST).unlink(missing_ok=True)  # the site and its manifest change together
            code, search_secs, search_log = index_search(out)
            if code != 0:
                sys.stderr.write(search_log)
                say(f"搜索索引生成失败（退出码 {code}），{SITE_DIR}/ 保持上一次的门户不变。")
                return 2
            publish(out, root.resolve() / SITE_DIR)
            _write_manifest(root, key, digests)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    warnings = [ln for ln in log.splitlines() if ln.startswith("WARNING") and "'dirty' build" not in ln]
    for ln in warnings[:20]:
        sys.stderr.write(ln + "\n")
    say(f"MkDocs 构建完成，用时 {secs:.1f} 秒；搜索索引用时 {search_secs:.1f} 秒。")
    say(f"打开 {(root / SITE_DIR / 'index.html')} 查看门户，或运行 huifang serve 在浏览器中浏览（含搜索）。")
    if getattr(args, "strict", False) and derived["blocking"]:
        say("--strict：记录中有错误，构建返回非零状态。")
        return 1
    return 0


def _ended(code: int) -> str:
    """How a child process ended, in words: a negative exit code is the signal that ended it."""
    if code < 0:
        return "被系统终止，可能是内存不足" if -code == signal.SIGKILL else f"收到信号 {-code}"
    return f"退出码 {code}"


def _snapshot(root: Path) -> dict[str, float]:
    out = {}
    for sub in ("records", "templates", "huifang.yml", CONFIG):
        p = root / sub
        if p.is_file():
            out[str(p)] = p.stat().st_mtime
        elif p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for n in filenames:
                    fp = os.path.join(dirpath, n)
                    try:
                        out[fp] = os.stat(fp).st_mtime
                    except OSError:
                        pass
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - keep the terminal for build messages
        pass

    def send_head(self):
        """Before the first build has finished there is no site yet: say so instead of a bare 404."""
        if not Path(self.directory, "index.html").is_file():
            body = "<!doctype html><meta charset=utf-8><title>回访门户</title><p>正在构建门户，请稍候刷新。</p>".encode()
            self.send_response(503)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Retry-After", "2")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


def serve(root: Path, args, generate) -> int:
    """Build, serve site/ on 127.0.0.1, rebuild when records/ or templates/ change (Ctrl-C stops).

    The port is taken before the build: a busy port is said in one line, not after a full build."""
    root = Path(root)
    port = getattr(args, "port", 8000) or 8000
    handler = functools.partial(_Quiet, directory=str(root / SITE_DIR))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            why = "已被占用（也许另一个 huifang serve 还在运行）"
        elif e.errno == errno.EACCES:
            why = "没有权限使用（1024 以下的端口需要管理员权限）"
        else:
            why = f"不能使用（{e.strerror or e}）"
        say(f"端口 {port} {why}，没有构建；换一个端口，例如 huifang serve --port {port + 1 if port < 65535 else 8001}。")
        return 2
    threading.Thread(target=server.serve_forever, daemon=True).start()  # "please wait" until the site exists
    seen = _snapshot(root)  # taken before each build: a change made while it runs triggers the next one
    try:
        build(root, args, generate)
    except BaseException:
        server.shutdown()
        server.server_close()
        raise
    say(f"门户已启动：http://127.0.0.1:{port}/ （按 Ctrl-C 停止；records/ 或 templates/ 有改动时自动重建）")
    try:
        while True:
            time.sleep(1)
            now = _snapshot(root)
            if now != seen:
                seen = now
                say("检测到改动，重新构建……")
                try:
                    build(root, args, generate)
                except Exception as e:  # keep serving the last good site
                    say(f"重建失败：{e}")
    except KeyboardInterrupt:
        say("已停止。")
    finally:
        server.shutdown()
        server.server_close()
    return 0
