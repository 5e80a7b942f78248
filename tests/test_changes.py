"""changes: a record's edit as field, old value, new value — never a YAML diff."""

from __future__ import annotations

from datetime import date

from generator.changes import field_changes
from generator.commands import analyse
from generator.model import KINDS
from generator.pages import portal
from generator.render import record_page
from test_history import CLERK, SUPERVISOR, GitRepo, at

BEFORE = """\
id: HF-20261104-001
date: 2026-11-04 10:00:00+08:00
method: 上门
purpose: 投诉回访
customer: CUST-0001
visitor: 刘佳
content: 业主说漏水已修好
satisfaction:
  product: 满意
  service: 一般
"""

AFTER = """\
id: HF-20261104-001
date: 2026-11-04 10:00:00+08:00
method: 上门
purpose: 投诉回访
customer: CUST-0001
visitor: 刘佳
content: 业主说漏水已修好，墙面已干
satisfaction:
  product: 满意
  service: 满意
signature: 已签名
review:
  by: 周建华
  date: 2026-11-05
"""


def test_changes_name_each_field_in_chinese_with_old_and_new_value():
    got = [{k: v for k, v in c.items() if k != "key"} for c in field_changes(KINDS["visit"], BEFORE, AFTER)]
    assert got == [
        {"field": "回访内容", "old": "业主说漏水已修好", "new": "业主说漏水已修好，墙面已干"},
        {"field": "满意度·服务满意度", "old": "一般", "new": "满意"},
        {"field": "签名", "old": None, "new": "已签名"},
        {"field": "主管审阅·审阅人", "old": None, "new": "周建华"},
        {"field": "主管审阅·审阅日期", "old": None, "new": date(2026, 11, 5)},
    ]


def test_a_new_file_lists_every_field_and_lists_show_added_items():
    got = field_changes(KINDS["visit"], None, BEFORE)
    assert [c["field"] for c in got][:3] == ["编号", "回访时间", "回访方式"] and all(c["old"] is None for c in got)
    complaint = "id: TS-1\nactions:\n  - at: 2026-11-02 10:00:00+08:00\n    action: 受理\n"
    more = complaint + "  - at: 2026-11-03 10:00:00+08:00\n    action: 回复\n"
    (c,) = field_changes(KINDS["complaint"], complaint, more)
    assert c["field"] == "处理过程" and c["old"] is None and [x["动作"] for x in c["new"]] == ["回复"]
    assert "action" not in c["new"][0] and "at" not in c["new"][0]  # nested keys read in Chinese


def test_unparseable_versions_change_nothing_and_unknown_keys_show_as_written():
    assert field_changes(KINDS["visit"], "a: [", AFTER)[0]["field"] == "编号"
    assert field_changes(KINDS["visit"], BEFORE, BEFORE + "extra: 1\n") == [{"field": "extra", "key": "extra", "old": None, "new": 1}]


COMPLAINT = """\
id: TS-20261102-001
received: 2026-11-02 10:00:00+08:00
channel: 电话
type: 投诉
category: 工程质量
description: 车库顶板漏水
status: {status}
"""


def test_each_change_names_who_made_it_when_and_who_approved_it(tmp_path):
    """A real repository: the clerk adds the complaint on a branch, the supervisor merges it (the approval),
    then the clerk edits it on main without a review: that change says it was never approved."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit({"README.md": "回访记录\n"}, "初始化仓库", who=SUPERVISOR, when=at(1, 8))
    rel = "records/complaints/2026/11/TS-20261102-001.yml"
    repo.git("checkout", "-q", "-b", "ts-001")
    repo.commit({rel: COMPLAINT.format(status="处理中")}, "新增投诉", who=CLERK, when=at(2, 11))
    repo.git("checkout", "-q", "main")
    repo.merge("ts-001", "合并投诉 TS-20261102-001", who=SUPERVISOR, when=at(2, 17))
    repo.commit({rel: COMPLAINT.format(status="已结案")}, "结案", who=CLERK, when=at(5, 9))
    page = next(p for p in portal(analyse(repo.path, date(2026, 11, 30))).pages
                if p.path == record_page("TS-20261102-001"))
    got = [(h["author"], h["time"], h["approver"], h["approved"], [(c["field"], c["old"], c["new"]) for c in h["fields"]])
           for h in page.data["changes"]]
    assert got == [
        ("张三", at(2, 11), "王丽", at(2, 17), [("新建记录", None, None)]),
        ("张三", at(5, 9), None, None, [("状态", "处理中", "已结案")]),
    ]
