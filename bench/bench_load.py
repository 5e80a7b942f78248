"""Benchmark: loading 10,000 records vs libyaml's C loader alone on the same files.

Goal (issue "Records you can trust"): huifang's load (parse + line map + validation +
references) takes no more than twice the time of `yaml.load(..., Loader=CSafeLoader)`.
Prints both figures and their ratio. Run: .venv/bin/python bench/bench_load.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generator.load import load, record_files  # noqa: E402

TEXTS = ["业主反映卫生间漏水已修好，表示满意。", "电话回访，住户说空调安装后噪音较大，已约师傅复查。",
         "上门回访，检查楼道照明维修情况，业主签名确认。", "客户对维修人员态度较满意，建议缩短上门等待时间。"]


def make_repo(root: Path, n: int) -> None:
    rnd = random.Random(7)
    customers = max(30, n // 50)
    cdir = root / "records" / "customers"
    cdir.mkdir(parents=True)
    for i in range(1, customers + 1):
        (cdir / f"CUST-{i:05d}.yml").write_text(
            f'id: CUST-{i:05d}\nname: 客户{i}\nclass: {"ABCD"[i % 4]}\ntype: 业主\nphone: "138{i:08d}"\n'
            f"address: 翠湖花园 {i % 30 + 1} 栋 {i % 4 + 1} 单元 {i % 30 + 1}01\nregion: 城东\n", encoding="utf-8")
    for i in range(n - customers):
        day = 1 + i % 28
        vid = f"HF-202611{day:02d}-{i:05d}"
        folder = root / "records" / "visits" / "2026" / "11"
        folder.mkdir(parents=True, exist_ok=True)
        text = rnd.choice(TEXTS)
        (folder / f"{vid}.yml").write_text(
            f"id: {vid}\ndate: 2026-11-{day:02d} 10:{i % 60:02d}:00+08:00\n"
            f"recorded: 2026-11-{day:02d} 17:00:00+08:00\nmethod: 电话\npurpose: 例行回访\n"
            f"customer: CUST-{1 + i % customers:05d}\nvisitor: 李娜\ninterviewee: 业主本人\n"
            f"content: |\n  电话回访。{text}\n  业主联系电话 13812345678。\n"
            f"satisfaction:\n  product: 满意\n  service: 非常满意\nsignature: 无\n"
            f"new_issues:\n  - text: 希望增加夜间照明\n    reply_by: 2026-12-{day:02d}\n"
            f"review:\n  by: 王主管\n  date: 2026-11-{day:02d}\n  comment: 记录完整。\n", encoding="utf-8")


def best_of(fn, runs=3) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_repo(root, n)
        files = [root / f for f in record_files(root)]

        def baseline():
            for f in files:
                yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        def ours():
            records, findings = load(root)
            assert len(records) == n and not findings, findings[:3]

        base, mine = best_of(baseline), best_of(ours)
    b, m = statistics.median(base), statistics.median(mine)
    print(f"记录数：{n}")
    print(f"libyaml C 加载器单独读取：中位数 {b:.2f} 秒（{', '.join(f'{t:.2f}' for t in base)}）")
    print(f"huifang 读取+行号+校验+引用：中位数 {m:.2f} 秒（{', '.join(f'{t:.2f}' for t in mine)}）")
    print(f"比值：{m / b:.2f}（目标 ≤ 2.00，{'达标' if m / b <= 2 else '未达标'}）")


if __name__ == "__main__":
    main()
