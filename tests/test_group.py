"""`huifang group`: real exports of real records repositories, read into DuckDB, built into a group portal
whose every figure equals the estate's own export."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import group
from generator.group import GroupError, estates_from, read_group_file

PROJECT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "PYTHONPATH": str(PROJECT)}
AS_OF = "2026-11-20"


def huifang(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          env=ENV)


SMALL = {
    "records/customers/CUST-0001.yml": 'id: CUST-0001\nname: 张明\nclass: B\ntype: 业主\nphone: "13812345678"\n'
                                       "address: 金桂苑 3 栋 2 单元 601\nregion: 城东\n",
    # repaired, never called back: an overdue callback (W-CB-02) in an estate with one order
    "records/orders/2026/11/WO-20261102-001.yml": "id: WO-20261102-001\ncustomer: CUST-0001\ntype: 维修\n"
                                                  "completed: 2026-11-02 10:00:00+08:00\ntechnician: 李明\nregion: 城东\n",
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    """Two estates' exports made by `huifang export`: the shipped demo (翠湖) and a small second estate."""
    out = tmp_path_factory.mktemp("exports")
    demo = tmp_path_factory.mktemp("demo")
    shutil.copytree(PROJECT / "records", demo / "records")
    for name in ("huifang.yml", "staff.yml"):
        if (PROJECT / name).exists():
            shutil.copy2(PROJECT / name, demo / name)
    small = tmp_path_factory.mktemp("small")
    for rel, text in SMALL.items():
        (small / rel).parent.mkdir(parents=True, exist_ok=True)
        (small / rel).write_text(text, encoding="utf-8")
    for code, root in (("cuihu", demo), ("jingui", small)):
        proc = huifang("--root", str(root), "export", "--as-of", AS_OF, "-o", str(out / f"{code}.json"), cwd=root)
        assert proc.returncode == 0, proc.stderr
    return out


def expected(doc: dict) -> dict:
    """What the portal must say for one export, counted straight from its JSON (not through DuckDB)."""
    months: dict[str, list[int]] = {}
    for p in doc["periods"]:
        if re.fullmatch(r"\d{4}-\d{2}", p["period"]) and not p["label"].startswith("满意率"):
            c = months.setdefault(p["period"], [0, 0, 0])
            c[0] += p["verdict"] == "met"
            c[1] += p["verdict"] == "missed"
            c[2] += p["verdict"] == "running"
    overdue = [o for o in doc["open_items"] if o["overdue"]]
    return {"months": months, "overdue": len(overdue),
            "blocking": sum(1 for f in doc["findings"] if f["severity"] == "error" and not f["history"])}


def test_every_figure_is_the_estates_own(exports):
    estates = estates_from([exports], "https://portal.example.com/{estate}/")
    data = group.summary(group.connect(estates))
    for code in ("cuihu", "jingui"):
        want = expected(json.loads((exports / f"{code}.json").read_text(encoding="utf-8")))
        assert data["overdue"].get(code, 0) == want["overdue"]
        assert data["blocking"].get(code, 0) == want["blocking"]
        got = {m: [c["met"], c["missed"], c["running"]] for (e, m), c in data["cells"].items() if e == code}
        assert got == want["months"]
    assert data["overdue"]["jingui"] == 1 and data["by_rule"][-1][:3] == ("jingui", "W-CB-02", 1)
    assert data["cells"] and any(c["missed"] for c in data["cells"].values())  # the demo misses some months


def test_each_satisfaction_rate_is_its_own_figure(exports):
    """Product and service 满意率 stay apart (adding them up would count a visit twice) and equal the export."""
    doc = json.loads((exports / "cuihu.json").read_text(encoding="utf-8"))
    want: dict[str, dict] = {}
    for p in doc["periods"]:
        if p["label"].startswith("满意率") and re.fullmatch(r"\d{4}-\d{2}", p["period"]):
            n, d = want.setdefault(p["label"], {}).get(p["period"], (0, 0))
            want[p["label"]][p["period"]] = (n + p["numerator"], d + p["denominator"])
    assert len(want) >= 2  # the demo has product and service quality figures
    data = group.summary(group.connect(estates_from([exports], "https://p.example.com/{estate}/")))
    got = {label: {m: v for (e, m), v in cells.items() if e == "cuihu"} for label, cells in data["satisfaction"].items()}
    assert got == want


def test_group_cli_builds_the_portal_with_links_into_each_estate(exports, tmp_path):
    (tmp_path / "group.yml").write_text(
        "title: 示例物业集团 回访合规总览\nportal: https://portal.example.com/{estate}/\nestates:\n"
        f"  - code: cuihu\n    name: 翠湖花园\n    export: {exports / 'cuihu.json'}\n"
        f"  - code: jingui\n    name: 金桂苑 <b>|</b>\n    export: {exports / 'jingui.json'}\n"
        "    portal: https://jingui.example.com/records\n", encoding="utf-8")
    proc = huifang("group", "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 个项目" in proc.stdout
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "示例物业集团 回访合规总览" in index and "翠湖花园" in index
    assert 'href="https://portal.example.com/cuihu/index.html"' in index
    assert 'href="https://jingui.example.com/records/index.html"' in index
    assert "<b>|</b>" not in index and "金桂苑 &lt;b&gt;" in index.replace("&amp;lt;", "&lt;").replace("&amp;gt;", "&gt;")
    estate = (tmp_path / "out" / "estates" / "jingui.html").read_text(encoding="utf-8")
    assert "WO-20261102-001" in estate and "W-CB-02" in estate
    assert 'href="https://jingui.example.com/records/due.html"' in estate
    months = (tmp_path / "out" / "months.html").read_text(encoding="utf-8")
    want = expected(json.loads((exports / "cuihu.json").read_text(encoding="utf-8")))
    for m, (met, missed, _) in want["months"].items():
        if met + missed:
            assert f"{met / (met + missed):.1%}（{met}/{met + missed}）" in months
    assert not re.search(r'(src|href)="(https?:)?//(?!portal\.example\.com|jingui\.example\.com)', index)  # offline


def test_group_reads_folders_and_fills_the_portal_pattern(exports, tmp_path):
    proc = huifang("group", str(exports), "--portal", "https://p.example.com/{estate}", "--title", "集团",
                   "-o", str(tmp_path / "g"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    index = (tmp_path / "g" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://p.example.com/jingui/index.html"' in index


@pytest.mark.parametrize("content, words", [
    ("not json", "不是 JSON"),
    ('{"schema": "something-else", "version": 1}', "不是 huifang 的导出文件"),
    ('{"schema": "huifang-export", "version": 99, "as_of": "x"}', "版本 99 不受支持"),
    ('{"schema": "huifang-export", "version": 1, "as_of": "2026-11-20T00:00:00+08:00", "findings": [],'
     ' "open_items": 3, "periods": []}', "open_items"),
])
def test_an_unusable_export_is_named_with_the_reason(tmp_path, content, words):
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    proc = huifang("group", str(tmp_path / "bad.json"), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "项目 bad" in proc.stderr and words in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("text, line, words", [
    ("estates: []\n", 1, "estates"),
    ("title: 集团\nestates:\n  - name: 翠湖\n    export: a.json\n", 3, "code"),
    ("estates:\n  - code: a\n    name: 翠湖\n", 2, "export"),
    ("estates:\n  - code: 翠湖 花园\n    export: a.json\n", 2, "code"),
    ("estates:\n  - code: a\n  export: [\n", 3, ""),
])
def test_a_wrong_group_file_names_its_line(tmp_path, text, line, words):
    path = tmp_path / "group.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GroupError) as info:
        read_group_file(path)
    assert f"第 {line} 行" in str(info.value) and words in str(info.value)


def test_two_estates_with_one_code_are_refused(exports, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy2(exports / "cuihu.json", other / "cuihu.json")
    with pytest.raises(GroupError, match="项目代码重复：cuihu"):
        group.connect(estates_from([exports, other]))


def test_markdown_from_exports_is_inert():
    assert group.md("<script>alert(1)</script> | [x](javascript:1) *a* `b`") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &#124; &#91;x&#93;(javascript:1) &#42;a&#42; &#96;b&#96;")
