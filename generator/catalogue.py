"""The rule catalogue and the record format in huifang's own words, generated from the code.

One source for `huifang rules`, `huifang rules RULE-ID` and the pages in docs/ (rules.md, format.md):
the rule definitions (`generator/rules/`), the profile options and thresholds (`config.py`) and the
record model (`model.py`). A test fails when docs/ drifts from them; regenerate with
`python -m generator.catalogue`.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

from . import model
from .config import PARAMS, THRESHOLDS, Config
from .findings import SEVERITY_ZH
from .rules import AREAS, MUST, REGISTRY, SCOPES, Rule, all_rules
from .rules.profile import option_notes
from .wording import DOCUMENTS as SOURCES
from .wording import document_title as source_title

# Findings that are not about a procedure rule but about the file itself.
FORMAT_RULES = {
    "YAML": ("文件本身读不了", "文件不是合格的 YAML：缩进不齐、缺冒号、引号不配对、不是 UTF-8 编码，或用了记录里不允许的写法"
             "（YAML 标签、合并键、别名嵌套）。检查结果写明行号和怎样改；这个文件里的其他内容要等它能读了才检查。"),
    "SCHEMA": ("记录格式不对", "文件能读，但不符合记录格式：缺少必填字段、类型或取值不对、编号与文件名或文件夹不一致、"
               "引用了不存在的记录、放错了月份文件夹、时刻还是占位符 __:__，或者在自由文字里写了完整的手机号。"
               "每种记录有哪些字段、可以填什么，见“记录格式”（docs/format.md，门户的“帮助 → 记录格式”）。"),
}

_RULE_ID = re.compile(r"[A-Z]-[A-Z0-9]+-\d+")


def thresholds_of(rule_id: str) -> list[str]:
    """The thresholds (huifang.yml `thresholds:` keys) whose description names the rule."""
    return [name for name, (_, _, text) in THRESHOLDS.items() if rule_id in _RULE_ID.findall(text)]


def params_of(rule_id: str) -> list[str]:
    return [p.name for p in PARAMS.values() if rule_id in p.rules]


def severity_text(r: Rule) -> str:
    sev = SEVERITY_ZH[r.default_severity]
    if r.default_severity == "error":
        if r.downgradable:
            return f"{sev}（程序用语“{r.modal}”：可在 huifang.yml 降为警告）"
        return f"{sev}（程序用语“{r.modal}”：不能降级，只能写明原因后关闭）"
    if r.default_severity == "info":
        return f"{sev}（程序用语“{r.modal}”：只是提示，从不影响检查是否通过）"
    return f"{sev}（程序用语“{r.modal}”）"


def _threshold_value(name: str, config: Config | None) -> str:
    default, unit, _ = THRESHOLDS[name]
    value = config.threshold(name) if config is not None else default
    unit = "" if unit in ("比例", "时刻") else f" {unit}"
    shown = f"{value}{unit}"
    return shown if value == default else f"{shown}（默认 {default}{unit}）"


def _plain(text: str) -> str:
    return text


def _without_ids(text: str) -> str:
    """A threshold's description without the rule ids it names (the rule is the one being described)."""
    return re.sub(r"（(?:[A-Z]-[A-Z0-9]+-\d+、?)+）", "", text)


def rule_lines(r: Rule, config: Config | None = None, code=_plain) -> list[tuple[str, str]]:
    """(label, text) pairs describing one rule; with a config, its current settings too.

    `code` marks configuration keys (backticks in Markdown, nothing on the terminal)."""
    out = [("检查什么", r.asks),
           ("范围", f"{SCOPES.get(r.scope, r.scope)}（{AREAS.get(r.area, r.area)}）"),
           ("依据", r.source + (f"（{source_title(r.source)}）" if source_title(r.source) else "")),
           ("严重程度", severity_text(r))]
    if r.enforced:
        kinds = "、".join(model.KINDS[k].title for k in r.kinds if k in model.KINDS)
        out.append(("怎样检查", "从记录中检查" + (f"，读{kinds}" if kinds else "")))
    else:
        out.append(("怎样检查", f"不从记录中检查：{r.reason}"))
    for name in params_of(r.id):
        p = PARAMS[name]
        chosen = config.option(name) if config is not None else p.default
        opts = "；".join(f"{opt}{'（默认）' if opt == p.default else ''}：{desc}" for opt, desc in p.options.items())
        text = f"{code('profile.' + name)}（{p.title}）可选 {opts}。默认 {p.default}，因为{p.why}。"
        if config is not None:
            text += f"当前：{chosen}。"
        out.append(("程序选项", text))
    for name in thresholds_of(r.id):
        out.append(("阈值", f"{code('thresholds.' + name)}（{_without_ids(THRESHOLDS[name][2])}）："
                            f"{_threshold_value(name, config)}"))
    if config is not None:
        note = option_notes(config).get(r.id) if r.enforced else None
        if note:
            out.append(("按所选做法", note))
        sw = config.rules.get(r.id)
        if sw and not sw.enabled:
            out.append(("本仓库", f"已在 huifang.yml 关闭，原因：{sw.reason}"))
        elif sw and sw.severity:
            out.append(("本仓库", f"huifang.yml 把严重程度设为{SEVERITY_ZH.get(sw.severity, sw.severity)}"))
    return out


def rule_text(rule_id: str, config: Config | None = None) -> str | None:
    """One rule in full for the terminal (`huifang rules RULE-ID`); None for an unknown id."""
    if rule_id in FORMAT_RULES:
        title, text = FORMAT_RULES[rule_id]
        return f"{rule_id}  {title}\n\n{text}\n"
    r = REGISTRY.get(rule_id)
    if r is None:
        return None
    width = max(len(label) for label, _ in rule_lines(r, config))
    body = "\n".join(f"{label:　<{width}}  {text}" for label, text in rule_lines(r, config))
    return f"{r.id}  {r.title}\n\n{body}\n"


def nearest_ids(text: str) -> list[str]:
    ids = [*REGISTRY, *FORMAT_RULES]
    return difflib.get_close_matches(text.upper(), ids, n=3, cutoff=0.6)


# -- docs/ ---------------------------------------------------------------------------------------

def _md(text: str) -> str:
    return text.replace("<", "&lt;")


def _code(text: str) -> str:
    return f"`{text}`"


def rules_markdown() -> str:
    """docs/rules.md: every rule with what it checks, its source, severity, profile options and reason."""
    rules = all_rules()
    lines = ["# 规则目录", "",
             "huifang 检查的全部程序规则，由代码里的规则定义生成（`python -m generator.catalogue`），"
             "与检查时用的是同一份定义。每条检查结果都写明规则编号；在记录仓库里运行 "
             "`huifang rules 编号` 可以打印一条规则及本仓库的当前设置。", "",
             "- **严重程度**：程序说“必须、严禁、不少于……”的是错误，不能降级；说“应、要、需”的是错误，可在 "
             "`huifang.yml` 的 `rules:` 里降为警告；说“可以”的只是建议；没有情态词的程序步骤是警告。",
             "- **程序选项**：几份程序对同一件事规定不同时，`huifang.yml` 的 `profile:` 选定一种；"
             "**阈值**在 `thresholds:` 里调整。",
             "- **不从记录中检查**的规则也列在这里，并写明原因（多数需要记录格式里还没有的记录种类）。",
             "- 格式问题的编号是 `YAML`（文件读不了）和 `SCHEMA`（不符合记录格式），见文末。", "",
             "## 依据的文件", "", "| 编号 | 文件 |", "|---|---|"]
    lines += [f"| {key} | {title} |" for key, title in SOURCES.items()]
    lines.append("")
    for area, area_title in AREAS.items():
        in_area = [r for r in rules if r.area == area]
        if not in_area:
            continue
        lines += [f"## {area} — {area_title}", ""]
        for r in in_area:
            lines += [f"### {r.id} {_md(r.title)}", ""]
            lines += [f"- **{label}**：{_md(text)}" for label, text in rule_lines(r, code=_code)]
            lines.append("")
    general = [name for name, (_, _, text) in THRESHOLDS.items() if not _RULE_ID.search(text)]
    if general:
        lines += ["## 不属于某一条规则的设置", "", "`huifang.yml` 的 `thresholds:` 里还有这些设置，作用于全部记录：", ""]
        lines += [f"- `thresholds.{name}`：{_md(THRESHOLDS[name][2])}（默认 {THRESHOLDS[name][0]!r}）".replace("'", "“", 1)
                  .replace("'", "”", 1) for name in general]
        lines.append("")
    lines += ["## 格式问题", ""]
    for rid, (title, text) in FORMAT_RULES.items():
        lines += [f"### {rid} {title}", "", _md(text), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def format_markdown() -> str:
    """docs/format.md: the record format, from the record model."""
    kinds = "、".join(f"`{k.folder}/`（{k.title}）" for k in model.KINDS.values())
    lines = ["# 记录格式", "",
             "每条记录是 `records/` 下的一个 YAML 文件（UTF-8，扩展名 `.yml` 或 `.yaml`），由记录模型"
             "（`generator/model.py`）生成，与检查时用的是同一份定义（`python -m generator.catalogue`）。", "",
             f"- 文件夹决定种类：{kinds}；除客户外按主要日期放在 `年/月/` 文件夹里。",
             "- 文件名（不含扩展名）就是编号 `id`；编号在所有种类中唯一。",
             "- 字段名是英文，固定取值是下表里的中文词。",
             "- 日期时间写成 `2026-11-03 14:30:00+08:00`；不带时区的时间按北京时间；只写日期的字段写成 `2026-11-03`。"
             "`huifang new --date` 只给日期时，时刻写成占位符 `__:__`，填好之前检查会报告。",
             "- 手机号写成带引号的文字（`\"13812345678\"`）；门户上一律打码（`138****5678`），地址只显示到楼栋。",
             "- 标着“扩展字段”的是 huifang 在原有表格之外增加的可选字段。",
             "- 编辑器补全：新记录第一行的 `$schema` 指向记录仓库的 `templates/schema/`（`huifang init` 写入，"
             "`huifang schema` 更新）。", ""]
    lines.append(model.field_reference().rstrip("\n"))
    return "\n".join(lines) + "\n"


DOCS = {"rules.md": rules_markdown, "format.md": format_markdown}


def write_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, make in DOCS.items():
        path = folder / name
        path.write_text(make(), encoding="utf-8", newline="\n")
        out.append(path)
    return out


if __name__ == "__main__":  # python -m generator.catalogue [FOLDER]: regenerate docs/
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs"
    for p in write_docs(target):
        print(p)
