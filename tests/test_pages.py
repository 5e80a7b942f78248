"""derive: page data (figures, links, open items, archives, issue groups) for a small real repository."""

from __future__ import annotations

import subprocess
from datetime import date

from generator.letters import letter_draft_yaml
from generator.pages import portal as derive
from generator.render import Address, record_page

AS_OF = date(2026, 11, 30)

# A small but complete record set: two customers with the same issue, an anonymous complaint,
# visits (phone and on-site), an order with its callback, a letter-less issue, hostile text.
FIXTURE = [
    """
    id: CUST-0001
    name: 张明
    class: B
    type: 业主
    phone: "13812345678"
    address: 翠湖花园 3 栋 2 单元 601
    region: 城东
    contract_amount: 3500000
    products:
      - model: KX-200
        quantity: 1
        shipped: 2025-10-01
        energized: 2025-11-10
    """,
    """
    id: CUST-0002
    name: 李华<script>alert(1)</script>
    class: A
    type: 业主
    phone: "13900001111"
    address: 翠湖花园 5 号楼 1 单元 302 室
    region: 城西
    """,
    """
    id: TS-20261102-001
    received: 2026-11-02 10:00:00+08:00
    channel: 电话
    type: 投诉
    category: 工程质量
    customer: CUST-0001
    issue: 地下车库漏水
    description: 车库顶板一直在漏水，电话 13812345678 联系我。[点我](javascript:alert(1)) {{ 1+1 }} {% if x %}坏{% endif %}
    first_response: 2026-11-02 10:30:00+08:00
    reply_by: 2026-11-09 18:00:00+08:00
    actions:
      - at: 2026-11-02 10:30:00+08:00
        by: 王芳
        action: 受理
      - at: 2026-11-03 09:00:00+08:00
        by: 王芳
        action: 回复
        note: 已安排维修
    status: 处理中
    """,
    """
    id: TS-20261105-001
    received: 2026-11-05 15:00:00+08:00
    channel: 来访
    type: 投诉
    category: 工程质量
    customer: CUST-0002
    issue: 地下车库漏水
    description: 地下车库墙面渗水漏水，<b>很严重</b>
    first_response: 2026-11-05 15:30:00+08:00
    reply_by: 2026-11-12 18:00:00+08:00
    status: 处理中
    """,
    """
    id: TS-20261110-001
    received: 2026-11-10 09:00:00+08:00
    channel: 信函
    type: 投诉
    category: 服务过程
    description: 匿名反映保安态度差
    status: 已结案
    resolved: 2026-11-12 09:00:00+08:00
    result: 已对保安进行培训
    """,
    """
    id: WO-20261103-001
    customer: CUST-0001
    type: 维修
    completed: 2026-11-03 16:00:00+08:00
    technician: 赵师傅
    region: 城东
    category: 空调
    service_mode: 上门
    charge: 50
    """,
    """
    id: HF-20261104-001
    date: 2026-11-04 10:00:00+08:00
    method: 电话
    purpose: 维修回访
    customer: CUST-0001
    related: [WO-20261103-001]
    visitor: 刘静
    content: 电话回访，客户对维修满意。
    satisfaction:
      service: 满意
    result: 正常
    signature: 无
    """,
    """
    id: HF-20261106-001
    date: 2026-11-06 14:00:00+08:00
    method: 上门
    purpose: 投诉回访
    customer: CUST-0001
    related: [TS-20261102-001]
    visitor: 刘静
    content: 上门查看漏水处，客户反映仍有渗水。
    satisfaction:
      service: 不太满意
    signature: 已签名
    """,
]


def make_repo(repo, commit: bool = True):
    for text in FIXTURE:
        repo.add(text)
    if commit:
        repo.git("init", "-q", "-b", "main")
        repo.git("-c", "user.name=刘静", "-c", "user.email=liu@example.com", "add", "-A")
        repo.git("-c", "user.name=刘静", "-c", "user.email=liu@example.com", "commit", "-q", "-m", "fixture records")
    return repo


def pages(portal):
    return {p.path: p for p in portal.pages}


def test_pages_exist_for_every_record_and_index(repo):
    make_repo(repo)
    portal = derive(repo.analyse(AS_OF))
    ps = pages(portal)
    for rid in ("TS-20261102-001", "TS-20261105-001", "TS-20261110-001"):  # complaints keep their pages
        assert record_page(rid) in ps, rid
    # visits and orders are sections of their customer's archive, not pages: no records/visits|orders/
    assert not [p for p in ps if p.startswith(("records/visits/", "records/orders/"))]
    sections = {d["id"]: d for d in ps["customers/CUST-0001.md"].data["sections"]}
    assert list(sections) == ["WO-20261103-001", "HF-20261104-001", "HF-20261106-001"]  # by date
    assert sections["HF-20261104-001"]["anchor"] == "hf-20261104-001"
    assert sections["HF-20261104-001"]["label"] == "回访 2026-11-04"
    assert sections["HF-20261106-001"]["provenance"]["submitter"] == "刘静"
    for path in ("index.md", "due.md", "rules.md", "format.md", "anonymous.md", "issues/index.md",
                 "customers/index.md", "customers/CUST-0001.md", "months/index.md", "months/2026-11.md",
                 "reports/satisfaction-2026-11.md", "reports/complaints-2026-11.md",
                 "reports/callbacks-2026-11.md"):
        assert path in ps, path


def test_customer_archive_links_timeline_equipment_and_tags_address(repo):
    make_repo(repo)
    c = pages(derive(repo.analyse(AS_OF)))["customers/CUST-0001.md"].data
    assert isinstance(c["address"], Address)
    assert c["major"] is True
    ids = [e["id"] for e in c["timeline"]]
    assert ids == sorted(ids, key=lambda i: [e["when"] for e in c["timeline"] if e["id"] == i][0].isoformat())
    assert {"TS-20261102-001", "WO-20261103-001", "HF-20261104-001", "HF-20261106-001"} <= set(ids)
    where = {e["id"]: e["page"] for e in c["timeline"]}
    assert where["TS-20261102-001"] == "records/complaints/TS-20261102-001.md"
    assert where["HF-20261104-001"] == "customers/CUST-0001.md#hf-20261104-001"
    assert where["WO-20261103-001"] == "customers/CUST-0001.md#wo-20261103-001"
    eq = c["equipment"][0]
    assert eq["trial_end"] == date(2025, 12, 10)
    assert eq["warranty_end"] == date(2026, 11, 10)
    assert eq["plan"], "lifecycle plan rows"
    # provenance from the real git commit
    prov = c["timeline"][0]["provenance"]
    assert prov is not None and prov["submitted"] is not None


def test_anonymous_register_and_issue_group_with_draft(repo):
    make_repo(repo)
    ps = pages(derive(repo.analyse(AS_OF)))
    anon = ps["anonymous.md"].data["complaints"]
    assert [a["id"] for a in anon] == ["TS-20261110-001"]
    groups = ps["issues/index.md"].data["groups"]
    g = next(g for g in groups if g["key"] == "地下车库漏水")
    assert [c["id"] for c in g["complaints"]] == ["TS-20261102-001", "TS-20261105-001"]
    assert {o["id"] for o in g["owners"]} == {"CUST-0001", "CUST-0002"}
    assert g["draft"] is not None and g["draft"]["complaints"] == ["TS-20261102-001", "TS-20261105-001"]


def test_complaint_flow_and_visit_links(repo):
    make_repo(repo)
    ps = pages(derive(repo.analyse(AS_OF)))
    d = ps[record_page("TS-20261102-001")].data
    keys = [s["key"] for s in d["flow"]]
    assert keys[0] == "intake" and keys[-1] == "closing"
    rev = next(s for s in d["flow"] if s["key"] == "revisits")
    assert [v["id"] for v in rev["visits"]] == ["HF-20261106-001"]
    assert d["changes"] and d["changes"][0]["fields"][0]["field"] == "新建记录" and d["history"] == []
    v = next(x for x in ps["customers/CUST-0001.md"].data["sections"] if x["id"] == "HF-20261104-001")
    assert v["phone"] is True
    assert v["related"] == [{"id": "WO-20261103-001", "page": "customers/CUST-0001.md#wo-20261103-001",
                             "label": "完工单 2026-11-03", "kind": "order"}]


def test_month_figures_open_items_and_due_list_match_the_analysis(repo):
    make_repo(repo)
    a = repo.analyse(AS_OF)
    ps = pages(derive(a))
    m = ps["months/2026-11.md"].data
    assert len(m["figures"]) + len(m["callbacks"]["figures"]) == len([f for f in a.figures if f.period == "2026-11"])
    assert {x["label"]: (x["count"], x["total"]) for x in m["methods"]}["电话"] == (1, 2)
    due = ps["due.md"].data["items"]
    assert len(due) == len(a.open_items)
    assert [o["overdue"] for o in due] == sorted([o["overdue"] for o in due], reverse=True)
    cb = m["callbacks"]["figures"]
    assert {r["scope"]: (r["numerator"], r["denominator"]) for r in cb if r["scope"]} == {"城东": (1, 1)}
    assert [(r["label"], r["numerator"], r["denominator"]) for r in m["callbacks"]["technicians"]] == [("赵师傅", 1, 1)]
    rules = ps["rules.md"].data["rules"]
    assert any(r["id"] == "V-DAY-01" for r in rules)


def test_customer_summary_agrees_with_its_timeline_and_everyone_named_who_must_act(repo):
    make_repo(repo)
    ps = pages(derive(repo.analyse(AS_OF)))
    c = ps["customers/CUST-0001.md"].data
    listed = [f["severity"] for e in c["timeline"] for f in e["findings"]]
    assert listed and sum(c["timeline_findings"].values()) == len(listed)
    assert dict(c["timeline_findings"]) == {s: listed.count(s) for s in set(listed)}
    assert ps["customers/CUST-0001.md"].title == "张明 · CUST-0001"
    assert ps["customers/CUST-0001.md"].crumbs == [("首页", "index.md"), ("客户档案", "customers/index.md"),
                                                  ("张明 · CUST-0001", None)]
    # each finding on a record names who must act (the record's owner), the month page's too
    for e in c["timeline"]:
        for f in e["findings"]:
            assert f["who"], (e["id"], f["rule"])
    month = ps["months/2026-11.md"].data
    assert all(f["who"] for g in month["violations"] for f in g["findings"] if f["record"])
    assert {e["id"] for e in month["records"]} == {"WO-20261103-001", "HF-20261104-001", "HF-20261106-001"}


def test_deterministic_page_data(repo):
    make_repo(repo)
    a1 = [(p.path, repr(p.data)) for p in derive(repo.analyse(AS_OF)).pages]
    a2 = [(p.path, repr(p.data)) for p in derive(repo.analyse(AS_OF)).pages]
    assert a1 == a2


def test_letter_draft_yaml_is_a_valid_letter(repo):
    make_repo(repo)
    from pathlib import Path
    tpl = (Path(__file__).parent.parent / "templates" / "records" / "letter.yml").read_text(encoding="utf-8")
    text = letter_draft_yaml(repo.analyse(AS_OF), "地下车库漏水", "GKX-20261130-001", AS_OF, tpl)
    import yaml
    data = yaml.safe_load(text)
    assert data["issue"] == "地下车库漏水"
    assert data["complaints"] == ["TS-20261102-001", "TS-20261105-001"]
    assert "地下车库漏水" in data["body"]
    assert "13812345678" not in text


def test_shipped_but_not_energized_equipment_has_its_warranty_end_from_the_rule(repo):
    make_repo(repo, commit=False)
    repo.write("records/customers/CUST-0001.yml", FIXTURE[0].replace(
        "        energized: 2025-11-10\n", "").replace("    ", "", 0))
    text = (repo.root / "records/customers/CUST-0001.yml").read_text(encoding="utf-8")
    assert "energized" not in text
    c = pages(derive(repo.analyse(AS_OF)))["customers/CUST-0001.md"].data
    eq = c["equipment"][0]
    assert (eq["energized"], eq["trial_end"], eq["warranty_end"], eq["plan"]) == (None, None, date(2027, 4, 1), [])


def test_home_lists_overdue_and_the_next_seven_days(repo):
    make_repo(repo, commit=False)
    a = repo.analyse(date(2026, 11, 20))
    home = pages(derive(a))["index.md"].data
    assert home["n_overdue"] == len(home["overdue"]) == sum(o.overdue for o in a.open_items) > 0
    week_end = date(2026, 11, 27)
    assert home["week_end"] == week_end
    assert {(o["rule"], o["record"]) for o in home["week"]} == {
        (o.rule, o.record) for o in a.open_items if not o.overdue and o.due <= week_end}
