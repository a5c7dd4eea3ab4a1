"""The ``tip-eval`` command: validate a study, write the impact brief, templates and sample data.

Exit codes: 0 success (validate: no problems), 1 problems found, 2 input that cannot be read or
was refused, or bad usage. Heavy libraries are imported only by the command that needs them, so
``tip-eval --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE = 0, 1, 2


def _console():
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def _print_problems(report, limit: int = 40) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    problems = report.problems
    if problems.empty:
        console.print(f"[green]OK[/green]: {report.summary()}")
        return
    table = Table(title=f"Problems ({len(problems)})", show_lines=False)
    for col in ("severity", "file", "sheet", "row", "column", "value", "problem", "fix"):
        table.add_column(col, overflow="fold")
    for _, r in problems.head(limit).iterrows():
        table.add_row(*["" if (v is None or (not isinstance(v, str) and v != v)) else escape(str(v))
                        for v in (r["severity"], r["file"], r["sheet"], r["row"], r["column"], r["value"], r["problem"], r["fix"])])
    console.print(table)
    if len(problems) > limit:
        console.print(f"... and {len(problems) - limit} more: write them all with --report problems.xlsx")
    console.print(report.summary())


def cmd_validate(args: argparse.Namespace) -> int:
    from tip_eval.errors import InputRefused
    from tip_eval.study import validate

    try:
        report = validate(args.path)
    except InputRefused as err:
        print(f"Cannot read: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    refused = report.problems["row"].isna() & report.problems["sheet"].isna() & (report.problems["severity"] == "error") \
        if len(report.problems) else None
    _print_problems(report)
    if args.report:
        report.to_excel(args.report)
        print(f"Problem report written to {args.report}")
    if refused is not None and refused.any() and report.reconciliation.empty:
        return EXIT_UNREADABLE
    return EXIT_OK if report.problems.empty else EXIT_PROBLEMS


def cmd_brief(args: argparse.Namespace) -> int:
    from tip_eval.errors import InputRefused
    from tip_eval.report.brief import run_brief

    try:
        return run_brief(args.path, args.out, min_cell=args.min_cell, title=args.title, by=args.by,
                         cache=not args.no_cache)
    except InputRefused as err:
        print(f"Cannot read: {err}", file=sys.stderr)
        return EXIT_UNREADABLE


def cmd_sample_data(args: argparse.Namespace) -> int:
    from tip_eval.io.template import write_sample_data

    paths = write_sample_data(args.out, seed=args.seed)
    print(f"Wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from tip_eval.io.blank import write_blank_template

    write_blank_template(args.out, lang=args.lang)
    print(f"Blank training workbook written to {args.out}")
    return EXIT_OK


def cmd_xlsform(args: argparse.Namespace) -> int:
    from tip_eval.io.xlsform import write_xlsform

    write_xlsform(args.out)
    print(f"XLSForm written to {args.out}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tip-eval",
        description="Evaluate counter-trafficking practitioner trainings: check the data, write the impact brief.",
    )
    from tip_eval import __version__

    parser.add_argument("--version", action="version", version=f"tip-eval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check a study's files and list every problem",
                       description="Check a study folder, a study.toml or one workbook. Exit 0 clean, 1 problems found, 2 unreadable.")
    p.add_argument("path", help="study folder (with study.toml), a study.toml, or one training workbook")
    p.add_argument("--report", metavar="FILE.xlsx", help="also write the problems to an Excel file")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("brief", help="write the impact brief (brief.html) and tables (tables.xlsx)",
                       description="Load and validate a study, then write DIR/brief.html, DIR/tables.xlsx and, when the data had problems, DIR/problems.xlsx.")
    p.add_argument("path", help="study folder (with study.toml), a study.toml, or one training workbook")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if needed)")
    p.add_argument("--min-cell", type=int, default=None, metavar="N", help="smallest group shown (default: study.toml, else 5)")
    p.add_argument("--title", default=None, help="title of the brief")
    p.add_argument("--by", nargs="+", default=None, metavar="COLUMN", help="groupings for the results tables (default: country sector)")
    p.add_argument("--no-cache", action="store_true",
                   help="read and check every file again, without using or writing the cache of the validated study "
                        "(kept in .tip_eval_cache/ in the study folder and reused only while no file or setting changes)")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("template", help="write a blank training workbook in the project's template",
                       description="A blank workbook with dropdowns for the vocabularies, an instructions sheet and the item bank sheet.")
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.add_argument("--lang", default="en", choices=["en", "km", "th", "id"], help="language of headers and instructions")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("xlsform", help="write an XLSForm (KoboToolbox/ODK) for the pre/post test and confidence items")
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.set_defaults(func=cmd_xlsform)

    p = sub.add_parser("sample-data", help="regenerate the synthetic sample study (byte-for-byte stable)")
    p.add_argument("--out", default="sample_data", metavar="DIR")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_sample_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, bad usage exits 2
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_UNREADABLE
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
