"""One function per command; pipeline.py runs load → validate → rules → Analysis (→ pages → render → build)."""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path

from . import catalogue, export, group, model, shipped, site
from .config import Config, load_config
from .dates import TZ, Calendar, today
from .findings import Finding, report
from .history import HistoryError, changed_files
from .letters import letter_draft_yaml
from .load import EXTENSIONS, RECORDS_DIR, RecordSet, record_files
from .pipeline import Analysis, analyse, check_result, compare, generate, merge_base
from .rules import INTERNAL, REGISTRY, all_rules, threshold_for
from .rules.profile import option_notes
from .scaffold import init, stale_schemas

TEMPLATES_DIR = "templates"


class UsageError(Exception):
    """Wrong arguments or an unusable repository layout (exit status 2)."""


def find_root(given: Path | None) -> Path:
    """The records repository: --root, else the nearest directory upwards that holds records/."""
    if given is not None:
        if not (given / RECORDS_DIR).is_dir():
            raise UsageError(f"{given} 下没有 records/ 文件夹。")
        return given.resolve()
    here = Path.cwd().resolve()
    for d in (here, *here.parents):
        if (d / RECORDS_DIR).is_dir():
            return d
    raise UsageError("当前目录及其上级都没有 records/ 文件夹；请在记录仓库里运行，或用 --root 指定。")


def _related_ids(records: RecordSet, selected: set[str]) -> set[str]:
    """Selected records plus those they share a customer, an issue or a reference with."""
    out = set(selected)
    customers, issues = set(), set()
    for rid in selected:
        r = records.by_id.get(rid)
        if r is None:
            continue
        if r.kind.name == "customer":
            customers.add(r.id)
        if r["customer"]:
            customers.add(r["customer"])
        if r["issue"]:
            issues.add(r["issue"])
        out.update(r.get("related", []))
        out.update(r.get("complaints", []))
    for r in records.all:
        if r["customer"] in customers or (r["issue"] and r["issue"] in issues) \
                or selected.intersection(r.get("related", [])) or r.id in customers:
            out.add(r.id)
    return out


def _select(analysis: Analysis, paths: list[str]) -> tuple[list[Finding], set]:
    """Findings about the selected files, plus the customer-, issue- and period-level findings
    the selected records take part in.

    Returns the findings and, among them, those that sit on another file or on a period (cross-record)."""
    files = set(paths)
    selected = {r.id for r in analysis.records.all if r.path in files}
    related = _related_ids(analysis.records, selected)
    keep, cross = [], set()
    for f in analysis.findings:
        rule = REGISTRY.get(f.rule)
        if f.file in files:
            keep.append(f)
            continue
        if f.file is None:
            involved = bool(selected.intersection(f.related))
        else:
            involved = f.record in related and rule is not None and rule.scope != "record"
        if involved:
            keep.append(f)
            cross.add(f)
    return keep, cross


def _paths_from_args(root: Path, args_paths: list[Path]) -> list[str] | None:
    """The record files named on the command line (folders expand to the records in them).

    Anything that is not a record — a file outside records/, another extension, a file outside the
    kind folders, a folder without records — is refused with one sentence per path (exit status 2)."""
    if not args_paths:
        return None
    all_files = record_files(root)
    known = set(all_files)
    chosen: list[str] = []
    refused: list[str] = []
    for given in args_paths:
        p = given.resolve()
        try:
            rel = p.relative_to(root).as_posix()
        except ValueError:
            refused.append(f"{given} 不在记录仓库 {root} 里。")
            continue
        if not p.exists():
            refused.append(f"找不到 {given}。")
        elif p.is_dir():
            if rel == "." or rel == RECORDS_DIR or rel.startswith(RECORDS_DIR + "/"):
                prefix = "" if rel == "." else rel + "/"
                chosen += [f for f in all_files if f.startswith(prefix)]
            else:
                refused.append(f"{given} 不是记录文件夹：记录都在 {RECORDS_DIR}/ 下。")
        elif rel in known and model.BY_FOLDER.get(rel.split("/")[1]) is not None:
            chosen.append(rel)
        else:
            refused.append(_not_a_record(given, rel))
    if refused:
        raise UsageError("\n".join(refused) + "\n只能检查记录：records/ 下各类文件夹里扩展名为 .yml 或 .yaml 的文件"
                         "（或这些文件夹本身）；不写路径时检查全部记录。")
    return chosen


def _not_a_record(given: Path, rel: str) -> str:
    folders = "、".join(f"{k.folder}/" for k in model.KINDS.values())
    if rel == "huifang.yml":
        return f"{given} 是 huifang 的配置文件，不是记录；它在每次检查时都会被读取，有问题会直接报告。"
    if not rel.startswith(RECORDS_DIR + "/"):
        return f"{given} 不是记录：记录都在 {RECORDS_DIR}/ 的 {folders} 文件夹里。"
    if not rel.endswith(EXTENSIONS):
        return f"{given} 不是记录：记录文件的扩展名是 .yml 或 .yaml。"
    if given.name.startswith("."):
        return f"{given} 以点开头，huifang 不读这样的文件。"
    return f"{given} 不在任何记录类别的文件夹里：记录应放在 {RECORDS_DIR}/ 下的 {folders}。"


def cmd_check(root: Path, args) -> int:
    if args.changed:
        return _check_changed(root, args)
    paths = _paths_from_args(root, args.paths)
    analysis = check_result(root, args.as_of) if paths is None else analyse(root, args.as_of)
    for w in analysis.history_warnings:
        print(f"huifang: 提示：{w}", file=sys.stderr)
    findings, cross = (analysis.findings, set()) if paths is None else _select(analysis, paths)
    internal = [f for f in analysis.findings if f.rule == INTERNAL]
    if paths is not None:
        findings = findings + [f for f in internal if f not in findings]
    n = analysis.n_files if paths is None else len(set(paths))
    report(args.format, n, findings, cross=cross)
    _stale_schemas_note(root)
    if internal:
        return 2  # the report is incomplete: neither "clean" nor "errors found" can be claimed
    return 1 if any(f.blocking for f in findings) else 0


def _stale_schemas_note(root: Path) -> None:
    stale = stale_schemas(root)
    if stale:
        print(f"huifang: 提示：编辑器用的 {'、'.join(stale)} 与这个版本的记录格式不一致，运行 huifang schema 更新。",
              file=sys.stderr)


def _check_changed(root: Path, args) -> int:
    """Compare the analysis of the branch's merge base with BASE and the analysis of the work tree:
    report every finding the change creates and every one it resolves, on any record; fail only on
    created errors (history the change creates fails until a supervisor explains it)."""
    if "\0" in args.changed or args.changed.startswith("-"):  # git cannot take it (or would read an option)
        shown = args.changed.replace("\0", "\\0")
        raise UsageError(f"--changed 后面要写基准分支或提交的名称（例如 origin/main），“{shown}”不是。")
    try:
        paths = changed_files(root, args.changed) + changed_files(root, args.changed, deleted=True)
        base = merge_base(root, args.changed)
    except HistoryError as e:
        raise UsageError(str(e))
    if args.paths:
        raise UsageError("--changed 检查整个改动的影响，不能同时指定文件；只看某些文件请去掉 --changed。")
    change = compare(root, base, args.as_of)
    for w in change.branch.history_warnings:
        print(f"huifang: 提示：{w}", file=sys.stderr)
    created, resolved = change.created, change.resolved
    if args.format == "json":
        json.dump({"base": base, "records": len(paths), "findings": [f.as_json() for f in created],
                   "resolved": [f.as_json() for f in resolved]}, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        out = sys.stdout if args.format == "text" else sys.stderr
        if args.format == "text":
            print(f"与 {args.changed}（合并基点 {base[:10]}）相比，本次改动涉及 {len(paths)} 个记录文件。\n", file=out)
            print("本次改动新增的问题：\n" if created else "本次改动没有新增问题。\n", file=out)
        report(args.format, len(paths), created)
        if resolved:
            print(f"\n本次改动解决了 {len(resolved)} 个问题：", file=out)
            for f in resolved:
                where = f"{f.file} " if f.file else ""
                print(f"  {where}{f.rule}{f' [{f.record}]' if f.record else ''}：{f.message}", file=out)
    failing = change.failing
    if failing:
        unexplained = sum(1 for f in failing if f.history)
        note = f"，其中 {unexplained} 个是已成事实的违规，需要主管在记录的 explanations 里写明原因" if unexplained else ""
        print(f"huifang: 本次改动新增了 {len(failing)} 个错误{note}。", file=sys.stderr)
    _stale_schemas_note(root)
    return 1 if failing else 0


def cmd_export(root: Path, args) -> int:
    """The analysis as data (JSON or CSV); the same Analysis `check` and the portal read."""
    if args.schema:
        json.dump(export.json_schema(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    analysis = analyse(root, args.as_of)
    for w in analysis.history_warnings:
        print(f"huifang: 提示：{w}", file=sys.stderr)
    if args.format == "json":
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="\n") as f:
                export.write_json(analysis, f)
            print(f"huifang: 已导出到 {args.output}", file=sys.stderr)
        else:
            export.write_json(analysis, sys.stdout)
        return 0
    if args.output:
        if args.output.exists() and not args.output.is_dir():
            raise UsageError(f"{args.output} 是一个文件；--format csv 要写到一个文件夹里。")
        for p in export.write_csv_dir(analysis, args.output):
            print(f"huifang: 已导出 {p}", file=sys.stderr)
    else:
        sys.stdout.write(export.csv_text(analysis, args.table))
    return 0


def cmd_calendar(root: Path, args) -> int:
    """Which years the working-day calendar knows, and from which source."""
    config = load_config(root)
    cal = Calendar(config.days_off, config.workdays, config.years)
    through = max([today().year + 1, *config.years])
    rows = cal.sources(through)
    if args.format == "json":
        json.dump({"years": [{"first": a, "last": b, "source": src or None, "detail": detail or None}
                             for a, b, src, detail in rows],
                   "days_off": [d.isoformat() for d in config.days_off],
                   "workdays": [d.isoformat() for d in config.workdays]}, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print("判断工作日用的日历：")
    for a, b, src, detail in rows:
        years = f"{a} 年" if a == b else f"{a}–{b} 年"
        if src == "chinesecalendar":
            print(f"  {years}：{detail}（国务院办公厅每年发布的节假日安排）")
        elif src:
            print(f"  {years}：huifang.yml calendar.years（{detail}）")
        else:
            print(f"  {years}：没有数据。用到这些日子的工作日期限按只休周末计算，标为“暂定”；"
                  f"国务院办公厅发布安排后，填进 huifang.yml 的 calendar.years（或升级 chinesecalendar）。")
    if config.days_off or config.workdays:
        print(f"本单位另外的休息日 {len(config.days_off)} 天、上班日 {len(config.workdays)} 天（huifang.yml calendar）。")
    return 0


def cmd_rules(root: Path | None, args) -> int:
    """All rules as a table (or JSON), or one rule in full; with the repository's settings when in one."""
    if root is None:
        try:
            root = find_root(args.root)
        except UsageError:
            root = None  # outside a records repository: the defaults
    config = load_config(root) if root is not None else Config()
    if args.rule:
        text = catalogue.rule_text(args.rule.strip().upper(), config)
        if text is None:
            near = catalogue.nearest_ids(args.rule)
            hint = f"是不是 {'、'.join(near)}？" if near else "运行 huifang rules 列出全部规则。"
            raise UsageError(f"没有编号为“{args.rule}”的规则；{hint}")
        print(text, end="")
        return 0
    notes = option_notes(config)
    rows = []
    for r in all_rules():
        sw = config.rules.get(r.id)
        if r.check is None:
            status = "not-checkable"
        elif sw and not sw.enabled:
            status = "disabled"
        else:
            status = "enforced"
        rows.append({
            "id": r.id, "title": r.title, "scope": r.scope, "modal": r.modal,
            "severity": (sw.severity if sw and sw.severity else r.default_severity),
            "profile": threshold_for(r, config), "source": r.source, "status": status,
            "reason": (sw.reason if sw and not sw.enabled else r.reason), "asks": r.asks,
            "note": notes.get(r.id, "") if r.check is not None else "",
        })
    if args.format == "json":
        json.dump({"rules": rows}, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    status_zh = {"enforced": "检查", "disabled": "已关闭", "not-checkable": "不检查"}
    for row in rows:
        line = f"{row['id']:<12} {status_zh[row['status']]:<4} {row['severity']:<8} {row['title']}｜{row['scope']}｜依据 {row['source']}"
        if row["profile"]:
            line += f"｜{row['profile']}"
        if row["reason"]:
            line += f"｜原因：{row['reason']}"
        if row["note"]:
            line += f"｜按所选做法：{row['note']}"
        print(line)
    enforced = sum(r["status"] == "enforced" for r in rows)
    print(f"\n共 {len(rows)} 条规则，其中 {enforced} 条从记录中检查。一条规则的全文：huifang rules 编号（例如 huifang rules {rows[0]['id']}）。")
    return 0


# --- new -------------------------------------------------------------------------------------

def next_id(root: Path, kind: model.Kind, day: date) -> str:
    """The next free id of a kind for a day (customers are numbered without a date)."""
    stems = {f.rsplit("/", 1)[-1].rsplit(".", 1)[0] for f in record_files(root)}
    if kind.name == "customer":
        nums = [int(s[5:]) for s in stems if re.fullmatch(r"CUST-\d+", s)]
        return f"CUST-{(max(nums, default=0) + 1):04d}"
    prefix = f"{kind.prefix}-{day:%Y%m%d}-"
    nums = [int(s[len(prefix):]) for s in stems if s.startswith(prefix) and s[len(prefix):].isdigit()]
    return f"{prefix}{(max(nums, default=0) + 1):03d}"


def record_path(kind: model.Kind, rid: str, day: date) -> str:
    if kind.main_date is None:
        return f"{RECORDS_DIR}/{kind.folder}/{rid}.yml"
    return f"{RECORDS_DIR}/{kind.folder}/{day:%Y/%m}/{rid}.yml"


def cmd_new(root: Path, args) -> int:
    """A new record from its template, with the next free id, in its month folder; never overwrites.

    Times are Shanghai times whatever the machine's zone: now (read once) when no --date is given,
    the time given with --date, or, for a bare --date, a placeholder that `check` reports until filled.
    """
    kind = model.KINDS[args.kind]
    when = args.date if args.date is not None else datetime.now(TZ)
    day = when.date() if isinstance(when, datetime) else when
    clock = f"{when.astimezone(TZ):%H:%M}" if isinstance(when, datetime) else model.TIME_PLACEHOLDER
    template = shipped.find(root, TEMPLATES_DIR, "records", f"{kind.name}.yml")
    if not template.exists():
        raise UsageError(f"找不到模板 {template}。")
    rid = next_id(root, kind, day)
    rel = record_path(kind, rid, day)
    target = root / rel
    text = template.read_text(encoding="utf-8")
    schema = schema_link(rel, kind)
    text = (text.replace(f"../schema/{kind.name}.json", schema)
            .replace("__ID__", rid).replace("__DATE__", day.isoformat())
            .replace("__DATETIME__", f"{day.isoformat()} {clock}:00+08:00"))
    if kind.name == "letter" and args.issue:
        analysis = analyse(root, day, with_history=False)
        if args.issue not in analysis.records.issues:  # a draft for nothing would say "0 次"
            near = model.nearest(args.issue, analysis.records.issues)
            raise UsageError(f"没有哪条投诉的同一问题键是“{args.issue}”"
                             + (f"，是不是“{near}”？" if near else "；请先登记投诉，或检查问题键的写法。"))
        text = letter_draft_yaml(analysis, args.issue, rid, day, text)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as f:  # never overwrite
            f.write(text)
    except FileExistsError:
        raise UsageError(f"{rel} 已存在，不会覆盖。")
    print(rel)
    if clock == model.TIME_PLACEHOLDER and "__DATETIME__" in template.read_text(encoding="utf-8"):
        print(f"huifang: 提示：时刻还没有填，请把文件里的 {model.TIME_PLACEHOLDER} 换成实际时刻（例如 14:30）；"
              f"填好之前 huifang check 会一直报告。", file=sys.stderr)
    if not (target.parent / schema).resolve().is_file():
        print(f"huifang: 提示：编辑器提示要用的 {TEMPLATES_DIR}/schema/{kind.name}.json 还不存在，"
              f"运行 huifang schema 生成。", file=sys.stderr)
    return 0


def schema_link(rel: str, kind: model.Kind) -> str:
    """The `$schema` path of a new record: from its folder to templates/schema/ at the repository root."""
    return "../" * rel.count("/") + f"{TEMPLATES_DIR}/schema/{kind.name}.json"


def cmd_schema(root: Path, args) -> int:
    """Write templates/schema/*.json of the records repository from the model (editor completion).

    In huifang's own checkout these are the shipped schemas (the test suite fails when they drift).
    """
    out = root / TEMPLATES_DIR / "schema"
    out.mkdir(parents=True, exist_ok=True)
    for kind in model.KINDS.values():
        path = out / f"{kind.name}.json"
        path.write_text(json.dumps(model.json_schema(kind), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(path)
    return 0


def cmd_init(root: Path | None, args) -> int:
    """Turn a folder into a records repository; never overwrites, says what it did."""
    target = (args.dir or Path.cwd()).resolve()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} 是一个文件，不是文件夹。")
    result = init(target)
    print(f"记录仓库：{target}")
    for rel in result.created:
        print(f"  新建　{rel}")
    for rel in result.kept:
        print(f"  已有　{rel}（没有改动）")
    print(result.git)
    if not result.created:
        print("没有新建任何文件：这里已经是记录仓库。")
        return 0
    print("\n下一步：\n"
          "  1. 读 README.md：每天怎样提交记录、怎样设置审阅、怎样只给员工发布门户；\n"
          "  2. 改 CODEOWNERS 和 staff.yml 里的示例账号，按需要改 huifang.yml；\n"
          "  3. huifang check，然后 git add -A && git commit -m \"建立记录仓库\"。")
    return 0


def cmd_group(root: Path | None, args) -> int:
    """One portal over several records repositories, from their exports (see generator/group.py)."""
    try:
        title, estates = None, []
        config = args.config or (Path(group.GROUP_FILE) if not args.sources and Path(group.GROUP_FILE).is_file()
                                  else None)
        if config is not None:
            title, estates = group.read_group_file(config, args.portal)
        estates += group.estates_from(args.sources, args.portal)
        if not estates:
            raise UsageError(f"没有要汇总的导出：请给出导出文件或文件夹，或在当前文件夹放一个 {group.GROUP_FILE}。")
        done = group.build(estates, args.output, args.title or title)
    except group.GroupError as e:
        raise UsageError(str(e))
    print(f"集团门户：{done['estates']} 个项目，{done['pages']} 个页面，用时 {done['total_seconds']:.1f} 秒"
          f"（读取导出 {done['read_seconds']:.1f} 秒）→ {args.output / 'index.html'}")
    return 0


def cmd_build(root: Path, args) -> int:
    return site.build(root, args, generate)


def cmd_serve(root: Path, args) -> int:
    return site.serve(root, args, generate)
