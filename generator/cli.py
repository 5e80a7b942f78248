"""The `huifang` command: thin — parse arguments, call one function per command, set the exit status."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from . import commands, model
from .config import ConfigError
from .dates import TZ, AsOfError, as_of_instant

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
NO_ROOT = {"init", "group"}  # commands that do not need an existing records repository


class _Parser(argparse.ArgumentParser):
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


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="huifang", description="回访：客服记录即代码。校验 records/ 下的记录并生成内部门户。")
    p.add_argument("--root", type=Path, default=None, help="记录仓库的根目录（默认：当前目录或其上级中含 records/ 的目录）")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    def judged(sp):
        sp.add_argument("--as-of", type=_as_of, default=None, metavar="日期或时间",
                        help="按哪个时刻判断期限：2026-11-30 表示当天结束时，2026-11-30T15:00 表示该时刻"
                             "（北京时间）；默认：现在")
        sp.add_argument("--format", choices=("text", "json", "github"), default="text", help="输出格式")

    c = sub.add_parser("check", help="校验记录并应用程序规则")
    c.add_argument("paths", nargs="*", type=Path, help="只报告这些文件或文件夹的问题（默认：全部 records/）")
    c.add_argument("--changed", metavar="BASE", help="只检查相对 BASE（如 origin/main）改动过的记录及其关联规则")
    judged(c)

    b = sub.add_parser("build", help="检查、生成页面并用 MkDocs 构建门户到 site/")
    judged(b)
    b.add_argument("--strict", action="store_true", help="有错误时构建失败")

    s = sub.add_parser("serve", help="在本机浏览门户，记录改动后自动重建")
    judged(s)
    s.add_argument("--port", type=int, default=8000)

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
    n.add_argument("kind", choices=tuple(model.KINDS), help="记录种类")
    n.add_argument("--date", type=_when, default=None, metavar="日期[ 时:分]",
                   help="补录：事情发生的日期，可带时刻，如 2026-11-20 或 \"2026-11-20 14:30\"（北京时间）；"
                        "只写日期时时刻留作 __:__，填好之前 check 会提示。默认：上海时间的现在")
    n.add_argument("--issue", default=None, help="公开信：按同一问题键预填草稿")

    i = sub.add_parser("init", help="把一个文件夹变成记录仓库（records/、huifang.yml、审阅工具包、git），从不覆盖已有文件")
    i.add_argument("dir", nargs="?", type=Path, default=None, metavar="文件夹", help="记录仓库的文件夹（默认：当前文件夹）")

    sub.add_parser("schema", help="按当前版本的记录模型重写 templates/schema/ 下编辑器用的 JSON Schema")

    r = sub.add_parser("rules", help="列出全部规则：编号、标题、范围、严重程度、配置值和依据条款")
    r.add_argument("--format", choices=("text", "json"), default="text")

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
