"""Benchmark History.provenance() on a repository the size of a busy customer-service team.

Builds (once, with ``git fast-import`` so it takes seconds) a repository with ~10,000
record files and ~3,300 commits: every pull request is two clerk commits on a branch
plus a --no-ff merge by a supervisor (half carry a Reviewed-by trailer), some PRs edit
older records, and some commits go straight to main.  Then times a cold
History.provenance() (cache off) against the 2-second goal.

Usage: .venv/bin/python bench/bench_history.py [--prs 1000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.history import History, Staff, StaffMember  # noqa: E402

GOAL_SECONDS = 2.0
BASE_EPOCH = 1767225600  # 2026-01-01 08:00 +0800
CLERKS = [(f"clerk{i}", f"clerk{i}@example.com") for i in range(12)]
SUPERVISORS = [("王丽", "wangli@example.com"), ("李主管", "li@example.com")]
KINDS = [("visits", "HF"), ("complaints", "TS"), ("orders", "WO"), ("letters", "GKX")]


class Stream:
    """Accumulates a fast-import stream; marks let merges reuse the branch's blobs."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0
        self.tick = 0

    def next_mark(self) -> int:
        self.mark += 1
        return self.mark

    def blob(self, text: str) -> int:
        mark = self.next_mark()
        data = text.encode("utf-8")
        self.parts.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        return mark

    def commit(self, ref, author, committer, message, parents, files) -> int:
        mark = self.next_mark()
        self.tick += 1
        when = BASE_EPOCH + self.tick * 600
        msg = message.encode("utf-8")
        out = [b"commit %s\nmark :%d\n" % (ref.encode(), mark)]
        out.append(("author %s <%s> %d +0800\n" % (*author, when)).encode("utf-8"))
        out.append(("committer %s <%s> %d +0800\n" % (*committer, when)).encode("utf-8"))
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if parents:
            out.append(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                out.append(b"merge :%d\n" % p)
        for path, blob in files.items():
            out.append(b"M 100644 :%d %s\n" % (blob, path.encode("utf-8")))
        out.append(b"\n")
        self.parts.append(b"".join(out))
        return mark


def record(path: str, rid: str, version: int) -> str:
    return (
        f"id: {rid}\ncustomer: CUST-{hash(rid) % 9000 + 1000:04d}\nstatus: {'已回访' if version else '待回访'}\n"
        f"version: {version}\nnote: 第 {version} 次修改\n"
    )


def build(root: Path, prs: int, seed: int = 7) -> tuple[int, int]:
    """Write the repository at ``root``; returns (record files, commits)."""
    rnd = random.Random(seed)
    s = Stream()
    all_files: list[str] = []
    versions: dict[str, int] = {}

    def new_file(n: int) -> str:
        kind, prefix = KINDS[n % len(KINDS)]
        month = n % 12 + 1
        day = n % 28 + 1
        path = f"records/{kind}/2026/{month:02d}/{prefix}-2026{month:02d}{day:02d}-{n:05d}.yml"
        return path

    def touch(path: str) -> int:
        v = versions.get(path, -1) + 1
        versions[path] = v
        return s.blob(record(path, Path(path).stem, v))

    main = s.commit("refs/heads/main", SUPERVISORS[0], SUPERVISORS[0], "初始化仓库", [], {
        "README.md": s.blob("回访记录\n")
    })
    n = 0
    for pr in range(prs):
        clerk = CLERKS[pr % len(CLERKS)]
        sup = SUPERVISORS[pr % len(SUPERVISORS)]
        tip, merged = main, {}
        for _ in range(2):
            files = {}
            for _ in range(5):
                path = new_file(n)
                n += 1
                files[path] = touch(path)
            if pr % 10 == 3 and all_files:  # occasionally correct older records in a PR
                for path in rnd.sample(all_files, min(3, len(all_files))):
                    files[path] = touch(path)
            tip = s.commit("refs/heads/pr", clerk, clerk, f"提交记录 PR #{pr}", [tip], files)
            merged.update(files)
        all_files.extend(p for p in merged if p not in all_files[-20:])
        message = f"Merge pull request #{pr} from clerk/pr-{pr}\n\n提交 {len(merged)} 条记录\n"
        if pr % 2:
            message += f"\nReviewed-by: {sup[0]} <{sup[1]}>\n"
        main = s.commit("refs/heads/main", sup, sup if pr % 2 == 0 else ("GitHub", "noreply@github.com"),
                        message, [main, tip], merged)
        if pr % 10 in (1, 6, 8):  # direct pushes to main amend approved records
            files = {p: touch(p) for p in rnd.sample(all_files, 2)}
            main = s.commit("refs/heads/main", clerk, clerk, "直接修正记录", [main], files)

    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=root, input=b"".join(s.parts), check=True, env=env
    )
    subprocess.run(["git", "update-ref", "-d", "refs/heads/pr"], cwd=root, check=True, env=env)
    commits = int(
        subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, check=True, env=env,
                       capture_output=True, text=True).stdout
    )
    return len(versions), commits


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prs", type=int, default=1000, help="pull requests (10 new records each)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the generated repository")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="huifang-bench-"))
    root = tmp / "repo"
    try:
        t0 = time.perf_counter()
        files, commits = build(root, args.prs)
        print(f"构建测试仓库：{files} 个记录文件，{commits} 个提交，用时 {time.perf_counter() - t0:.1f} 秒（{root}）")

        staff = Staff([StaffMember(name="王丽", role="客服主管", emails=("wangli@example.com",)),
                       StaffMember(name="李主管", role="客服主管", emails=("li@example.com",))])
        t0 = time.perf_counter()
        subprocess.run(
            ["git", "log", "--full-history", "--topo-order", "--reverse", "--find-renames",
             "--diff-merges=first-parent", "--name-status", "--format=%H%x1f%P%x1f%B", "--",
             "records"], cwd=root, check=True, stdout=subprocess.DEVNULL,
        )
        git_only = time.perf_counter() - t0

        timings, prov = [], {}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with History(root, staff=staff, cache=False) as h:
                prov = h.provenance()
            timings.append(time.perf_counter() - t0)
        approved = sum(1 for p in prov.values() if p.approval)
        amended = sum(1 for p in prov.values() if p.amended_after_approval)
        best, median = min(timings), statistics.median(timings)
        print(f"provenance（冷启动，无缓存）：{len(prov)} 个文件，{commits} 个提交")
        print(f"  其中已审阅 {approved} 个，审阅后被直接修改 {amended} 个")
        print(f"  用时：最快 {best:.2f} 秒，中位数 {median:.2f} 秒（{args.repeat} 次）；单独 git log 约 {git_only:.2f} 秒")
        print(f"  目标 {GOAL_SECONDS:.0f} 秒：中位数为目标的 {median / GOAL_SECONDS:.0%}"
              f"（{'达标' if median <= GOAL_SECONDS else '未达标'}）")

        t0 = time.perf_counter()
        with History(root, staff=staff, cache=True) as h:
            h.provenance()
        t1 = time.perf_counter()
        with History(root, staff=staff, cache=True) as h:
            h.provenance()
        t2 = time.perf_counter()
        print(f"  有缓存：首次（含写缓存）{t1 - t0:.2f} 秒，再次读取 {t2 - t1:.2f} 秒")
        return 0 if median <= GOAL_SECONDS else 1
    finally:
        if args.keep:
            print(f"保留测试仓库：{root}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
