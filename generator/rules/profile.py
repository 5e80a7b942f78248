"""What the profile in force leaves a rule to check: options that change nothing, options that
cannot hold together, and rules the chosen clause does not contain.

`huifang rules` prints these notes next to each rule, so a deployment sees why a rule reports
nothing under its profile instead of taking silence for compliance.
"""

from __future__ import annotations

from ..config import METHODS_BY_OPTION, Config


def option_notes(config: Config) -> dict[str, str]:
    """Rule id -> a Chinese sentence on what the options in force mean for that rule."""
    notes: dict[str, str] = {}
    method = config.option("method")
    methods = METHODS_BY_OPTION[method]
    if "上门" not in methods:
        notes["V-RATE-02"] = (f"所选回访方式 {method} 不含上门回访，做不到“有签名的上门回访不少于 "
                              f"{config.threshold('signed_onsite_min'):.0%}”：两者不能同时成立，按所选方式不检查本条")
        notes["V-SIGN-01"] = f"所选回访方式 {method} 不含上门回访，没有要签名的回访；出现上门回访时由 V-METH-02 报告"
    if not set(methods) - {"电话", "信函"}:
        notes["V-RATE-03"] = (f"所选回访方式 {method} 只有电话（或信函），电话和信函回访必然占全部，"
                              f"与本条上限不能同时成立，按所选方式不检查本条")
    if config.option("response") != "RESP-C":
        notes["T-RESP-03"] = (f"本条出自物业信息流转（001 Q ch.4），属于 RESP-C；所选 {config.option('response')} "
                              f"不含本条，不检查")
    notes["V-REV-01"] = (f"审阅链选项 {config.option('review')} 不改变可检查的内容：三种选项都按“审阅人不是回访人、"
                         f"按期审阅、写指导意见”检查；REV-P3（投诉回访：客服主任检查、管理处负责人签署）和 REV-P4"
                          f"（房管员的回访：办公室事务助理检查签署）另由 V-REV-02 检查")
    notes["S-SCALE-01"] = (f"量表选项 {config.option('scale')} 只改变报表里满意度的折算，不改变可检查的内容"
                           f"（记录一律按五级填写）")
    return notes
