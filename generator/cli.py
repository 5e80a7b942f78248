"""The `huifang` command: thin — parse arguments, call one function per command, set the exit status."""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path

from . import commands, model
from .config import ConfigError
from .dates import TZ, AsOfError, as_of_instant

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
NO_ROOT = {"init", "rules", "group"}  # commands that do not need an existing records repository


# argparse's own words (usage, group titles, -h, its error messages) come through gettext; these are
# their Chinese versions, installed while the command line is parsed (see `_chinese`).
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示这段帮助后退出",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "not allowed with argument %s": "不能和 %s 同时使用",
    "ignored explicit argument %r": "多余的值 %r",
    "the following arguments are required: %s": "缺少必填的参数：%s",
    "one of the arguments %s is required": "%s 必须写一个",
    "expected one argument": "后面要写一个值",
    "expected at most one argument": "后面最多写一个值",
    "expected at least one argument": "后面至少要写一个值",
    "expected %s argument": "后面要写 %s 个值",
    "expected %s arguments": "后面要写 %s 个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "unexpected option string: %s": "不该出现的选项：%s",
    "invalid %(type)s value: %(value)r": "“%(value)s”无效",
    "invalid choice: %(value)r (choose from %(choices)s)": "不能是“%(value)s”，只能是 %(choices)s 之一",
    "%(prog)s: error: %(message)s\n": "%(prog)s：参数错误：%(message)s\n",
}


def _zh(message: str) -> str:
    return ARGPARSE_ZH.get(message, message)


def _zh_n(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


class _chinese:
    """argparse speaks Chinese inside this block (it looks its words up through gettext at call time)."""

    def __enter__(self):
        self.saved = argparse._, argparse.ngettext
        argparse._, argparse.ngettext = _zh, _zh_n

    def __exit__(self, *exc):
        argparse._, argparse.ngettext = self.saved


def _cells(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


class _Formatter(argparse.HelpFormatter):
    """Wraps help text by display width: a Chinese character takes two columns, and words stay whole."""

    def _format_action(self, action):
        """Keep the help column aligned when the option's value name is in Chinese (two columns each)."""
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = sum(_cells(c) - 1 for c in header)
        first, nl, rest = text.partition("\n")
        i = first.find(header)
        if extra and i >= 0:
            after = first[i + len(header):]
            gap = len(after) - len(after.lstrip(" "))
            if after.strip() and gap - extra >= 2:
                first = first[:i + len(header)] + after[extra:]
            elif after.strip():  # too wide now: the help goes on the next line, at its column
                first = first[:i + len(header)] + "\n" + " " * (i + len(header) + gap) + after.strip()
        return first + nl + rest

    def _split_lines(self, text, width):
        tokens = re.findall(r"[\x21-\x7e]+|\s+|.", " ".join(text.split()))
        lines, line, used = [], "", 0
        for tok in tokens:
            w = sum(_cells(c) for c in tok)
            if tok.isspace():
                if line:
                    line, used = line + " ", used + 1
                continue
            if used + w > width and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
            line, used = line + tok, used + w
        if line.strip():
            lines.append(line.rstrip())
        return lines


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message):  # usage errors exit 2, in Chinese
        self.print_usage(sys.stderr)
        print(f"huifang: 参数错误：{message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _as_of(text: str) -> datetime:
    """A date (the end of that day) or a date-time (that instant; without a zone, Beijing time)."""
    try:
        return as_of_instant(text)
    except AsOfError as e:
        raise argparse.ArgumentTypeError(str(e))


def _when(text: str) -> date | datetime:
    """A date, or a date with a time of day (Beijing time unless a zone is written)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是有效的日期或时间，应写成 2026-11-20 或 \"2026-11-20 14:30\"")
    if len(text.strip()) == 10:
        return value.date()
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"端口“{text}”无效，应是 1 到 65535 之间的整数，例如 8000")
    return port


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="huifang", description="回访：客服记录即代码。校验 records/ 下的记录并生成内部门户。")
    p.add_argument("--root", type=Path, default=None, metavar="文件夹", help="记录仓库的根目录（默认：当前目录或其上级中含 records/ 的目录）")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    def judged(sp, reported: bool = True):
        sp.add_argument("--as-of", type=_as_of, default=None, metavar="日期或时间",
                        help="按哪个时刻判断期限：2026-11-30 表示当天结束时，2026-11-30T15:00 表示该时刻"
                             "（北京时间）；默认：现在")
        if not reported:  # build and serve publish findings on the portal; they print no report to format
            return
        sp.add_argument("--format", choices=("text", "json", "github", "gitlab"), default="text",
                        help="输出格式：text 文字；json；github 流水线注释；gitlab 代码质量报告（GitLab Code Quality）")

    c = sub.add_parser("check", help="校验记录并应用程序规则")
    c.add_argument("paths", nargs="*", type=Path, metavar="路径", help="只报告这些文件或文件夹的问题（默认：全部 records/）")
    c.add_argument("--changed", metavar="分支", help="只检查相对这个分支（如 origin/main）改动过的记录及其关联规则")
    judged(c)

    b = sub.add_parser("build", help="检查、生成页面并用 MkDocs 构建门户到 site/")
    judged(b, reported=False)
    b.add_argument("--strict", action="store_true", help="有错误时构建失败")

    s = sub.add_parser("serve", help="在本机浏览门户，记录改动后自动重建")
    judged(s, reported=False)
    s.add_argument("--port", type=_port, default=8000, metavar="端口", help="本机端口，1–65535（默认：8000）")

    k = sub.add_parser("calendar", help="显示判断工作日用的日历覆盖哪些年份、数据来自哪里")
    k.add_argument("--format", choices=("text", "json"), default="text", help="输出格式")

    e = sub.add_parser("export", help="把分析结果导出为数据（JSON 或 CSV，格式有版本号），供汇总多个记录仓库使用")
    e.add_argument("--as-of", type=_as_of, default=None, metavar="日期或时间",
                   help="按哪个时刻判断：2026-11-30 表示当天结束时，2026-11-30T15:00 表示该时刻（北京时间）；默认：现在")
    e.add_argument("--format", choices=("json", "csv"), default="json", help="json：一个文件；csv：每张表一个文件")
    e.add_argument("--table", choices=("findings", "open_items", "periods"), default="periods",
                   help="--format csv 且没有 -o 时输出哪张表（默认 periods）")
    e.add_argument("-o", "--output", type=Path, default=None, metavar="路径",
                   help="json：写到这个文件；csv：在这个文件夹里写 findings.csv、open_items.csv、periods.csv。默认：标准输出")
    e.add_argument("--schema", action="store_true", help="只输出 JSON 导出格式的 JSON Schema")

    n = sub.add_parser("new", help="从模板新建一条记录（自动取下一个编号）")
    n.add_argument("kind", choices=tuple(model.KINDS), metavar="种类",
                   help="记录种类：" + "、".join(f"{k.name}（{k.title}）" for k in model.KINDS.values()))
    n.add_argument("--date", type=_when, default=None, metavar="日期或日期时间",
                   help="补录：事情发生的日期，可带时刻，如 2026-11-20 或 \"2026-11-20 14:30\"（北京时间）；"
                        "只写日期时时刻留作 __:__，填好之前 check 会提示。默认：上海时间的现在")
    n.add_argument("--issue", default=None, metavar="问题键", help="公开信：按同一问题键预填草稿")

    i = sub.add_parser("init", help="把一个文件夹变成记录仓库（records/、huifang.yml、审阅工具包、git），从不覆盖已有文件")
    i.add_argument("dir", nargs="?", type=Path, default=None, metavar="文件夹", help="记录仓库的文件夹（默认：当前文件夹）")

    sub.add_parser("schema", help="按当前版本的记录模型重写 templates/schema/ 下编辑器用的 JSON Schema")

    r = sub.add_parser("rules", help="列出全部规则；写上编号（如 huifang rules V-SIGN-01）时打印这条规则的全文")
    r.add_argument("rule", nargs="?", default=None, metavar="规则编号",
                   help="只看这一条：检查什么、依据、严重程度、程序选项和阈值，以及本仓库的当前设置")
    r.add_argument("--format", choices=("text", "json"), default="text", help="列出全部规则时的格式")

    g = sub.add_parser("group", help="汇总多个记录仓库的导出（huifang export），用 DuckDB 统计并生成集团门户")
    g.add_argument("sources", nargs="*", type=Path, metavar="导出文件或文件夹",
                   help="各项目的导出 JSON 文件，或放着它们的文件夹（文件名就是项目代码）；不写时读 --config")
    g.add_argument("--config", type=Path, default=None, metavar="group.yml",
                   help="集团文件：标题、各项目的代码、名称、导出文件和门户地址（默认：当前文件夹的 group.yml）")
    g.add_argument("--portal", default=None, metavar="地址",
                   help="各项目门户的地址，{estate} 换成项目代码，例如 https://portal.example.com/{estate}/")
    g.add_argument("--title", default=None, help="集团门户的标题")
    g.add_argument("-o", "--output", type=Path, default=Path("group-site"), metavar="文件夹",
                   help="集团门户写到这个文件夹（默认 group-site/）")
    return p


def main(argv: list[str] | None = None) -> int:
    with _chinese():
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help, or a usage error already explained on stderr
            return e.code if isinstance(e.code, int) else EXIT_USAGE
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
    try:
        root = None if args.command in NO_ROOT else commands.find_root(args.root)
        handler = getattr(commands, f"cmd_{args.command}")
        return handler(root, args)
    except (ConfigError, commands.UsageError, AsOfError) as e:
        print(f"huifang: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
