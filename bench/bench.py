"""The benchmark of issue "Fast at 100,000 records": every target next to its measured figure and floor.

Builds (once, kept for the next run) a synthetic repository of N records with ``bench/synth.py``,
then measures, each command in its own process (wall time, CPU time and peak memory from the
kernel's accounting of that process and its children):

* floor: libyaml's C loader parsing every record file, nothing else;
* cold ``check`` (no cache), warm ``check`` with nothing changed and after editing one record,
  ``check --changed HEAD`` for that one-record change (both sides then judged by the checks before it)
  and for another one-record change no check has judged (only the base side cached);
* the provenance pass (cold, cached, after one new commit) next to ``git log`` alone;
* cold and warm ``build`` (after one new record), derivation, MkDocs and the search index separately,
  pages written, site size, the memory of huifang and its children together, and the search data one
  query fetches in a real browser (bench_search.py's queries in headless Chromium).

Prints a table and the JSON of every figure (also written to ``--json``). Targets are checked on
wall time; on a machine shared with other work, CPU time is the steadier figure and is printed
beside it.

    .venv/bin/python bench/bench.py 10000            # check and provenance; build up to 10,000
    .venv/bin/python bench/bench.py 100000 --build   # the full run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
import bench_search  # noqa: E402
from synth import AS_OF, GIT_ENV, make_repo  # noqa: E402

MB = 1024 * 1024


def _tree_rss(pid: int) -> int:
    """Memory of a process and all its descendants now: the sum of their proportional set sizes (PSS,
    /proc/PID/smaps_rollup: a page shared by k processes counts 1/k in each, so pages a forked child
    shares with its parent are counted once), else their resident sizes; 0 where nothing can be read."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo, page = 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/smaps_rollup", "rb") as fh:
                total += next(int(ln.split()[1]) * 1024 for ln in fh if ln.startswith(b"Pss:"))
            continue
        except (OSError, ValueError, IndexError, StopIteration):
            pass
        try:
            with open(f"/proc/{p}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
    return total


def measure(cmd: list[str], cwd: Path, out: Path | None = None, tree: bool = False) -> dict:
    """Run one command; its wall time, CPU time (user+sys, children included) and peak RSS (the largest
    single process, from the kernel). `tree`: also sample, every 0.2 s, the resident memory of the
    command and all its running children together (a build runs MkDocs and Pagefind while huifang
    itself is still alive): tree_rss_mb."""
    t0 = time.perf_counter()
    peak = [0]
    with open(out or os.devnull, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.PIPE, env=GIT_ENV)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], _tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        if tree:
            sampler.start()
        err = proc.stderr.read()
        done.set()
        if tree:
            sampler.join()
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    r = {"wall": round(wall, 3), "cpu": round(usage.ru_utime + usage.ru_stime, 3),
         "rss_mb": round(usage.ru_maxrss / 1024, 1), "rc": proc.returncode,
         "stderr": err.decode("utf-8", "replace")}
    if tree:
        r["tree_rss_mb"] = round(peak[0] / MB, 1)
    return r


def huifang(root: Path, *args: str, out: Path | None = None, tree: bool = False) -> dict:
    return measure([sys.executable, "-m", "generator", "--root", str(root), *args], PROJECT, out, tree)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=GIT_ENV).stdout


# --- modes run in a child process, so that they are measured like the commands --------------

def floor_parse(root: Path) -> None:
    """libyaml's C loader on every record file: the floor of any loader."""
    import yaml
    n = 0
    for dirpath, dirnames, filenames in os.walk(root / "records"):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".yml", ".yaml")):
                with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                    yaml.load(fh.read(), Loader=yaml.CSafeLoader)
                n += 1
    print(n)


def provenance_pass(root: Path, cache: bool) -> None:
    sys.path.insert(0, str(PROJECT))
    from generator.history import History
    with History(root, cache=cache) as h:
        print(len(h.provenance()))


def child(mode: str, root: Path, *extra: str) -> dict:
    return measure([sys.executable, str(Path(__file__).resolve()), f"--{mode}", str(root), *extra], PROJECT)


# --- the run --------------------------------------------------------------------------------

def edit_one(root: Path, n: int, at: float = 0.5) -> str:
    """Change one visit's content in the work tree (not committed); returns its path."""
    visits = sorted(p for p in (root / "records" / "visits").rglob("*.yml"))
    path = visits[int(len(visits) * at)]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("content: |\n", "content: |\n  （基准测试补记一句。）\n", 1), encoding="utf-8")
    return path.relative_to(root).as_posix()


def add_one(root: Path, k: int) -> str:
    """Commit one new visit record (a clerk's next submission)."""
    rid = f"HF-20261130-9{k:02d}"
    rel = f"records/visits/2026/11/{rid}.yml"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(
        f"id: {rid}\ndate: 2026-11-30 10:00:00+08:00\nrecorded: 2026-11-30 10:40:00+08:00\nmethod: 电话\n"
        f"purpose: 例行回访\ncustomer: CUST-00001\nvisitor: 孙婷婷\ninterviewee: 业主本人\n"
        f"content: |\n  例行回访，业主对保洁比较满意。\nsatisfaction:\n  service: 满意\n", encoding="utf-8")
    git(root, "add", rel)
    git(root, "-c", "user.name=孙婷婷", "-c", "user.email=sunting@example.com", "commit", "-q", "-m",
        f"提交记录 {rid}\n\nReviewed-by: 吴雅琴 <wuyaqin@example.com>")
    return rel


def du(path: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for n in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, n)).st_size
            except OSError:
                pass
    return total


def count_files(path: Path, suffix: str) -> int:
    return sum(1 for _ in path.rglob(f"*{suffix}")) if path.exists() else 0


def search_queries(site: Path) -> dict:
    """What a browser really fetches for one query: bench_search.py's queries (a complaint ID, 漏水,
    回访, a customer's name), each in a fresh headless Chromium (empty cache) through the portal's
    search box; the bytes the server sent for the search's files, and the time to results."""
    try:
        r = bench_search.run(site, bench_search.default_queries(site), timeout=300)
    except Exception as e:  # no browser here: said, never guessed
        return {"error": f"{type(e).__name__}: {e}"[:500], "queries": [], "disk": bench_search.on_disk(site)}
    return r


_SECS = re.compile(r"用时 ([0-9.]+) 秒")


_SEARCH_SECS = re.compile(r"搜索索引用时 ([0-9.]+) 秒")


def build_phases(stderr: str) -> tuple[float | None, float | None, float | None]:
    """(derivation, MkDocs, search index) seconds as `huifang build` reports them."""
    found = [float(x) for x in _SECS.findall(stderr)]
    search = _SEARCH_SECS.search(stderr)
    return ((found[0], found[1]) if len(found) >= 2 else (None, None)) + (float(search[1]) if search else None,)


_WRITTEN = re.compile(r"其中 (\d+) 个文件有改动")


def run(n: int, work: Path, with_build: bool, only_build: bool = False) -> dict:
    root = work / f"repo-{n}"
    if not (root / ".git").exists():
        shutil.rmtree(root, ignore_errors=True)
        t0 = time.perf_counter()
        made = make_repo(root, n)
        print(f"生成仓库 {root}：{made} 条记录，{time.perf_counter() - t0:.0f} 秒", file=sys.stderr)
    git(root, "checkout", "-q", "-f", "main")
    git(root, "reset", "-q", "--hard", "main")
    git(root, "clean", "-q", "-fdx", "-e", ".huifang")
    cache = root / ".huifang" / "cache"
    shutil.rmtree(root / ".huifang", ignore_errors=True)
    shutil.rmtree(root / "site", ignore_errors=True)
    out = work / "check.json"
    r: dict = {"records": n, "repository": str(root)}
    if only_build:
        return build_part(root, r)

    r["floor_parse"] = child("floor", root)
    log_cmd = ["git", "log", "--full-history", "--topo-order", "--reverse", "--find-renames",
               "--diff-merges=first-parent", "--name-status", "--format=%H%x1f%P%x1f%B", "HEAD", "--", "records"]
    r["floor_git_log"] = measure(log_cmd, root)

    r["check_cold"] = huifang(root, "check", "--as-of", AS_OF, "--format", "json", out=out, tree=True)
    r["check_findings"] = len(json.loads(out.read_text(encoding="utf-8")).get("findings", []))
    r["check_warm_same"] = huifang(root, "check", "--as-of", AS_OF, "--format", "json", out=out)
    edited = edit_one(root, n)
    r["check_warm_one_change"] = huifang(root, "check", "--as-of", AS_OF, "--format", "json", out=out, tree=True)
    r["check_text"] = huifang(root, "check", "--as-of", AS_OF, out=out)
    r["check_changed_one"] = huifang(root, "check", "--changed", "HEAD", "--as-of", AS_OF, out=out)
    git(root, "checkout", "-q", "--", edited)
    other = edit_one(root, n, 0.25)  # another one-record change no check has judged: the branch side is analysed
    r["check_changed_fresh"] = huifang(root, "check", "--changed", "HEAD", "--as-of", AS_OF, out=out)
    git(root, "checkout", "-q", "--", other)
    third = edit_one(root, n, 0.75)  # no stored result on either side: both analysed, the base through the parse cache
    for stale in cache.glob("results.sqlite3*"):
        stale.unlink()
    r["check_changed_uncached"] = huifang(root, "check", "--changed", "HEAD", "--as-of", AS_OF, out=out, tree=True)
    git(root, "checkout", "-q", "--", third)

    shutil.rmtree(cache, ignore_errors=True)
    r["provenance_cold"] = child("provenance", root)
    r["provenance_first_cached"] = child("provenance", root, "--cache")  # reads everything, writes the cache
    r["provenance_cached"] = child("provenance", root, "--cache")
    add_one(root, 1)
    r["provenance_one_commit"] = child("provenance", root, "--cache")

    if with_build:
        build_part(root, r, reset=False)
    git(root, "reset", "-q", "--hard", "HEAD~2" if with_build else "HEAD~1")
    return finish(r)


def build_part(root: Path, r: dict, reset: bool = True) -> dict:
    """Cold build, then a build after one new record (how many generated files it rewrote)."""
    shutil.rmtree(root / ".huifang", ignore_errors=True)
    shutil.rmtree(root / "site", ignore_errors=True)
    b = r["build_cold"] = huifang(root, "build", "--as-of", AS_OF, tree=True)
    b["derive"], b["mkdocs"], b["search"] = build_phases(b["stderr"])
    r["pages_written"] = count_files(root / ".huifang" / "docs", ".md")
    r["site_bytes"] = du(root / "site")
    r["search"] = search_queries(root / "site")
    found = [q["bytes"] for q in r["search"]["queries"]]
    r["search_bytes_per_query"] = max(found) if found else None
    add_one(root, 2)
    b = r["build_warm_one_record"] = huifang(root, "build", "--as-of", AS_OF, tree=True)
    b["derive"], b["mkdocs"], b["search"] = build_phases(b["stderr"])
    found = _WRITTEN.search(b["stderr"])
    r["files_rewritten_warm"] = int(found[1]) if found else None
    if reset:
        git(root, "reset", "-q", "--hard", "HEAD~1")
        return finish(r)
    return r


def finish(r: dict) -> dict:
    for key, v in r.items():
        if isinstance(v, dict) and "rc" in v:
            err = v.pop("stderr", "")
            if v.get("rc") not in (0, 1) or (v.get("rc") and not key.startswith("check")):
                v["error"] = err[-2000:]  # check exits 1 when it finds errors; nothing else should
    return r


def run_group(work: Path, estates: int, per: int) -> dict:
    """`huifang group` over `estates` exports of `per` records each (after the exports exist).

    One repository is generated and exported; its export stands for every estate (the group reads
    exports only, so what matters is their number and size)."""
    root = work / f"repo-{per}"
    if not (root / ".git").exists():
        shutil.rmtree(root, ignore_errors=True)
        make_repo(root, per)
    exports = work / f"exports-{estates}x{per}"
    shutil.rmtree(exports, ignore_errors=True)
    exports.mkdir()
    first = exports / "estate-01.json"
    r: dict = {"estates": estates, "records_each": per}
    r["export_one"] = huifang(root, "export", "--as-of", AS_OF, "-o", str(first))
    for i in range(2, estates + 1):
        shutil.copy2(first, exports / f"estate-{i:02d}.json")
    r["export_bytes_each"] = first.stat().st_size
    out = work / "group-site"
    r["group"] = measure([sys.executable, "-m", "generator", "group", str(exports), "--portal",
                          "https://portal.example.com/{estate}/", "-o", str(out)], PROJECT)
    r["group_pages"] = count_files(out, ".html")
    for v in r.values():
        if isinstance(v, dict):
            err = v.pop("stderr", "")
            if v.get("rc"):
                v["error"] = err[-2000:]
    return r


def targets(r: dict) -> list[tuple[str, float | None, str, float, bool | None]]:
    """(what, measured, unit, limit, met) for every target of the issue."""
    rows = []

    def add(what, measured, unit, limit):
        rows.append((what, measured, unit, limit, None if measured is None else measured <= limit))

    if "check_cold" in r:
        add("冷启动 check ÷ C 加载器解析", r["check_cold"]["wall"] / r["floor_parse"]["wall"], "倍", 1.5)
        add("改一条后 check ÷ 冷启动 check", r["check_warm_one_change"]["wall"] / r["check_cold"]["wall"], "倍", 0.15)
        add("check --changed（一条记录；两侧的结果都已缓存）", r["check_changed_one"]["wall"], "秒", 3.0)
        add("check --changed（一条记录；改动后第一次，只有基准已缓存）", r["check_changed_fresh"]["wall"], "秒", 3.0)
        add("check --changed（一条记录；两侧都没有存下的结果）", r["check_changed_uncached"]["wall"], "秒", 3.0)
        add("check 峰值内存（进程及其子进程合计）",
            max(max(r[k]["rss_mb"], r[k].get("tree_rss_mb", 0)) for k in ("check_cold", "check_warm_one_change",
                                                                          "check_changed_uncached")), "MB", 1024)
    if "group" in r:
        add(f"huifang group（{r['estates']} 个项目 × {r['records_each']:,} 条）", r["group"]["wall"], "秒", 60)
    if "build_cold" in r:
        add("冷启动 build", r["build_cold"]["wall"], "秒", 600)
        add("网站大小", r["site_bytes"] / MB, "MB", 1024)
        add("新增一条后 build ÷ 冷启动 build", r["build_warm_one_record"]["wall"] / r["build_cold"]["wall"], "倍", 0.3)
        add("build 峰值内存（huifang 与它同时运行的子进程合计）",
            max(max(r[k]["rss_mb"], r[k].get("tree_rss_mb", 0)) for k in ("build_cold", "build_warm_one_record")),
            "MB", 2048)
        add("一次搜索下载的数据（Chromium 实测，几个查询中最多的一次）",
            None if r["search_bytes_per_query"] is None else r["search_bytes_per_query"] / MB, "MB", 2.0)
    return rows


def cpu_view(r: dict) -> list[tuple[str, float, str]]:
    """The time targets on CPU time (user + system, children included): on a shared machine the
    steadier view. Printed beside the targets, never instead of them."""
    rows = []
    if "check_cold" in r:
        rows.append(("冷启动 check ÷ C 加载器解析（CPU）", r["check_cold"]["cpu"] / r["floor_parse"]["cpu"], "倍"))
        rows.append(("改一条后 check ÷ 冷启动 check（CPU）",
                     r["check_warm_one_change"]["cpu"] / r["check_cold"]["cpu"], "倍"))
        rows.append(("check --changed（两侧已缓存，CPU）", r["check_changed_one"]["cpu"], "秒"))
        rows.append(("check --changed（只有基准已缓存，CPU）", r["check_changed_fresh"]["cpu"], "秒"))
        rows.append(("check --changed（两侧都没有存下的结果，CPU）", r["check_changed_uncached"]["cpu"], "秒"))
    return rows


def table(r: dict) -> str:
    head = (f"记录数 {r['records']:,}（{r['repository']}）" if "records" in r else
            f"集团：{r['estates']} 个项目，每个 {r['records_each']:,} 条记录，导出每个 {r['export_bytes_each'] / MB:.1f} MB")
    lines = [head, "",
             "| 测量 | 墙钟（秒） | CPU（秒） | 峰值内存（MB；括号里是与子进程同时的合计） |", "|---|---:|---:|---:|"]
    names = {
        "floor_parse": "下限：libyaml C 加载器解析全部记录", "floor_git_log": "下限：单独一次 git log",
        "check_cold": "check 冷启动（无缓存，JSON 输出）", "check_warm_same": "check 再次运行（无改动，结果缓存命中）",
        "check_warm_one_change": "check 改动一条记录后（JSON 输出）", "check_text": "check 改动一条记录后（文本输出，同一状态，结果缓存命中）",
        "check_changed_one": "check --changed HEAD（改动一条，前面的 check 已判断过这个状态）",
        "check_changed_fresh": "check --changed HEAD（改另一条，这个状态第一次判断）",
        "check_changed_uncached": "check --changed HEAD（改第三条，删掉结果缓存：两侧都要分析，基准读解析缓存）",
        "provenance_cold": "来源信息（冷启动，不用缓存）",
        "provenance_first_cached": "来源信息（冷启动并写缓存）", "provenance_cached": "来源信息（有缓存）", "provenance_one_commit": "来源信息（缓存后新增一个提交）",
        "build_cold": "build 冷启动", "build_warm_one_record": "build 新增一条记录后",
        "export_one": "huifang export（一个项目）", "group": "huifang group（读取导出 + DuckDB + MkDocs）",
    }
    for key, label in names.items():
        v = r.get(key)
        if v:
            extra = ""
            if v.get("derive") is not None:
                extra = f"（生成页面 {v['derive']:.1f} + MkDocs {v['mkdocs']:.1f}"
                extra += f" + 搜索索引 {v['search']:.1f}）" if v.get("search") is not None else "）"
            mem = f"{v['rss_mb']:.0f}"
            if v.get("tree_rss_mb"):
                mem += f"（合计 {v['tree_rss_mb']:.0f}）"
            lines.append(f"| {label}{extra} | {v['wall']:.2f} | {v['cpu']:.2f} | {mem} |")
    if "pages_written" in r:
        lines += ["", f"页面 {r['pages_written']:,} 个；网站 {r['site_bytes'] / MB:.1f} MB；"
                      f"新增一条后重写的文件 {r.get('files_rewritten_warm')} 个"]
    if "search" in r:
        s = r["search"]
        d = s["disk"]
        lines += ["", f"搜索（Chromium 实测，每个查询一个新的浏览器上下文、空缓存）：Pagefind 索引共 "
                      f"{d['index_total'] / MB:.2f} MB，启动文件 {d['start_files'] / 1024:.0f} KB"
                      f"（其中页面清单 {d['meta'] / 1024:.0f} KB），{d['chunks']} 个索引块，{d['fragments']} 个页面片段"]
        if s.get("error"):
            lines += [f"没有测成：{s['error']}"]
        else:
            lines += ["", "| 查询 | 结果数 | 第一条 | 页面打开（秒） | 打开页面到结果出现（秒） | 这次搜索下载（KB） |",
                      "|---|---:|---|---:|---:|---:|"]
            lines += [bench_search.row(q) for q in s["queries"]]
    lines += ["", "| 目标 | 实测 | 上限 | 结果 |", "|---|---:|---:|---|"]
    for what, measured, unit, limit, met in targets(r):
        shown = "—" if measured is None else f"{measured:.2f} {unit}"
        lines.append(f"| {what} | {shown} | {limit:g} {unit} | {'达标' if met else '未达标'} |")
    cpu = cpu_view(r)
    if cpu:
        lines += ["", "同样的比值按 CPU 时间算（机器忙时更稳定，仅供参考）：", ""]
        lines += [f"- {what}：{value:.2f} {unit}" for what, value, unit in cpu]
    return "\n".join(lines)


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(),
            "load_average": [round(x, 2) for x in load]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=10_000, help="记录数（默认 10000）")
    ap.add_argument("--work", type=Path, default=Path("/tmp/huifang-bench"), help="放生成仓库的目录（保留复用）")
    ap.add_argument("--build", action="store_true", help="也测 build（记录数 ≤ 10000 时默认测）")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--only-build", action="store_true", help="只测 build（冷启动、新增一条后）")

    ap.add_argument("--json", type=Path, default=None, help="把全部数字写入这个 JSON 文件")
    ap.add_argument("--group", type=int, default=0, metavar="K",
                    help="改测 huifang group：K 个项目的导出，每个 N 条记录（如 --group 20 5000）")
    ap.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--provenance", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--cache", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor:
        floor_parse(args.floor)
        return 0
    if args.provenance:
        provenance_pass(args.provenance, args.cache)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    with_build = (args.build or args.n <= 10_000) and not args.no_build
    before = machine()
    r = run_group(args.work, args.group, args.n) if args.group else \
        run(args.n, args.work, with_build or args.only_build, args.only_build)
    r["machine"] = {**before, "load_average_after": machine()["load_average"]}
    r["targets"] = [{"what": w, "measured": m, "unit": u, "limit": lim, "met": ok} for w, m, u, lim, ok in targets(r)]
    r["cpu_view"] = [{"what": w, "value": round(v, 3), "unit": u} for w, v, u in cpu_view(r)]
    print(table(r))
    print(f"\n机器：{r['machine']['cpus']} 核，Python {r['machine']['python']}，"
          f"负载 {r['machine']['load_average']} → {r['machine']['load_average_after']}")
    text = json.dumps(r, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
