"""privacy: every common spelling of a mainland phone number and room numbers after a building are masked;
dates, times, record IDs, amounts and floor numbers are left alone."""

from __future__ import annotations

import pytest

from generator.privacy import find_private, mask_private


@pytest.mark.parametrize("written, shown", [
    ("13906528848", "139****8848"),
    ("139-0652-8848", "139****8848"),
    ("139 0652 8848", "139****8848"),
    ("139.0652.8848", "139****8848"),
    ("139·0652·8848", "139****8848"),
    ("+86 139 0652 8848", "+86 139****8848"),
    ("+8613906528848", "+86139****8848"),
    ("8613906528848", "86139****8848"),
    ("0086-13906528848", "0086-139****8848"),
    ("１３９０６５２８８４８", "139****8848"),
    ("＋８６ １３９－０６５２－８８４８", "+86 139****8848"),
    ("手机13906528848。", "手机139****8848。"),
    ("0571-8765 4321", "0571-****4321"),
    ("0571-87654321", "0571-****4321"),
    ("057187654321", "0571-****4321"),
    ("(0571)87654321", "(0571)****4321"),
    ("（0571）8765-4321", "(0571)****4321"),
    ("010 8765 4321", "010-****4321"),
    ("座机021-6543210。", "座机021-****3210。"),
    ("1幢2602", "1幢***"),
    ("楼上2702室漏水", "楼上***室漏水"),
    ("5幢1802室", "5幢***室"),
    ("3 栋 2 单元 601", "3 栋 2 单元 ***"),
    ("B座1208", "B座***"),
    ("5号楼302", "5号楼***"),
    ("3-2-601 业主", "3-2-*** 业主"),
])
def test_personal_numbers_are_masked(written, shown):
    assert mask_private(written) == shown
    assert find_private(written)


@pytest.mark.parametrize("s", [
    "2026-11-21 09:00", "2026-11-21", "TS-20261121-001", "HF-20260817-001", "CUST-0025", "WO-20261103-001",
    "订单号 213812345678901", "合同额 3,280,000 元", "3 栋 2 单元电梯运行到 8 到 10 楼之间", "18 楼", "3栋-电梯异响",
    "100.0%（56/131）", "客服热线 400-888-6666", "2 台 KYN28A-12 开关柜", "第 1202 次", "12 层",
])
def test_ordinary_text_is_left_alone(s):
    assert mask_private(s) == s
    assert find_private(s) == []


def test_find_private_names_the_kind():
    assert [k for k, _ in find_private("请拨 139-0652-8848，住 5幢1802室，座机 0571-8765 4321")] == ["phone", "phone", "room"]


def test_check_warns_where_free_text_holds_a_phone_or_room(repo):
    """`check` names the field, the line and the structured field where the number belongs, quoting it masked."""
    from tests.conftest import CUSTOMER
    repo.add(CUSTOMER)
    complaint = repo.add("""
        id: TS-20261102-001
        received: 2026-11-02 10:00:00+08:00
        channel: 电话
        type: 投诉
        customer: CUST-0001
        issue: 翠湖花园1幢2602-漏水
        description: 楼上漏水，请回电 139-0652-8848
        actions:
          - at: 2026-11-02 10:00:00+08:00
            action: 受理
            note: 座机 0571-8765 4321
        status: 处理中
    """)
    letter = repo.add("""
        id: GKX-20261110-001
        issue: 翠湖花园1幢2602-漏水
        date: 2026-11-10
        title: 关于漏水的公开信
        body: 如有疑问请拨打客服中心 0571-88216600。
    """)
    warned = [f for f in repo.analyse().findings if f.rule == "SCHEMA" and f.severity == "warning"]
    got = sorted((f.file, f.line, f.message.split("：")[0]) for f in warned)
    assert got == [(complaint, 6, "同一问题键（issue）里写了房号 翠湖花园1幢***"),
                   (complaint, 7, "投诉内容（description）里写了电话号码 139****8848"),
                   (complaint, 11, "处理过程·说明（note）里写了电话号码 0571-****4321"),
                   # the letter's landline is the organisation's service number: only the room is warned about
                   (letter, 2, "同一问题键（issue）里写了房号 翠湖花园1幢***")]
    assert all("0652" not in f.message and "8765" not in f.message for f in warned)
    assert any("客户档案的“电话”（phone）字段" in f.message for f in warned)
    # the customer's own phone and address fields are the right place: no warning there
    assert not [f for f in warned if f.file.startswith("records/customers/")]
