"""The ``tip-eval`` command: validate a study, write the impact brief, templates and sample data.

Exit codes, for every command:

- 0: done (``validate``: no problems found; ``audit``: nothing published lets a reader count
  fewer than ``min_cell`` people);
- 1: ``validate`` found data problems, listed with their file, sheet, row and column; ``audit``
  found leaks, each listed with where it is;
- 2: the input was refused (unsafe, unreadable, outside the study folder; for ``audit``, a path
  with no brief or workbook), the settings in ``study.toml`` are not valid, or the command was
  used wrongly (an unknown ``--by`` column, ``--min-cell`` below 3, an ``--out`` folder that
  cannot be written): one plain message says what is wrong and what to do;
- 3: an internal error (a bug, or the computer ran out of memory or disk): a short message names
  a log file holding the details, in the ``logs`` folder of tip_eval's cache directory
  (``TIP_EVAL_CACHE_DIR`` when set). ``--debug`` also prints them.

No command ever ends in a Python traceback unless ``--debug`` is given. Heavy libraries are
imported only by the command that needs them, so ``tip-eval --help`` answers at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tip_eval.i18n import LANGUAGES, _, ngettext, using
from tip_eval.safe_text import terminal_text

EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, EXIT_INTERNAL = 0, 1, 2, 3
#: the former name of :data:`EXIT_REFUSED`
EXIT_UNREADABLE = EXIT_REFUSED
#: smallest ``--min-cell``, for the help text (the rule itself: tip_eval.io.sources.check_min_cell)
MIN_CELL_FLOOR = 3
#: log files of internal errors kept
MAX_LOGS = 20


class UsageError(Exception):
    """The command was used wrongly; the message says what to do (exit 2)."""


def _console():
    from rich.console import Console

    return Console(stderr=False, highlight=False)


def _say(text: str) -> None:
    """Print a message for the user to standard error (without control characters)."""
    print(terminal_text(text), file=sys.stderr)


def _print_problems(report, limit: int = 40) -> None:
    """Root causes first, each with where it is, the value, what is wrong, the fix and what follows
    from it; lines wrap between words at the console's width (never inside a word when piped).
    """
    import textwrap

    from rich.text import Text

    from tip_eval.i18n import translator
    from tip_eval.problems import problem_blocks

    console = _console()
    problems = report.problems
    t = translator()
    if problems.empty:
        console.print(Text(_("OK: {summary}").format(summary=report.summary(t.lang)), style="green"))
        return
    width = max(console.width, 40)
    out = Text()  # printed at once (one output in a notebook, not one per line)

    def say(text: str, indent: str = "", style: str = "") -> None:
        for line in textwrap.wrap(
            terminal_text(text),
            width=width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ):
            out.append(line + "\n", style=style)

    severity = {"error": t.pgettext("severity", "error"), "warning": t.pgettext("severity", "warning")}
    blocks, more = problem_blocks(problems, limit)
    say(_("Problems found: {summary}").format(summary=report.summary(t.lang)), style="bold")
    for b in blocks:
        out.append("\n")
        colour = "bold red" if b["severity"] == "error" else "bold yellow"
        say(
            f"{severity.get(b['severity'], b['severity']).upper()}: {b['where']}"
            + (" " + _("(value: {value})").format(value=b["value"]) if b["value"] else ""),
            style=colour,
        )
        say(b["problem"], "    ")
        if b["fix"]:
            say(_("Fix: {fix}").format(fix=b["fix"]), "    ")
        if b["depending"]:
            say(f"... {b['depending']}.", "    ", "italic")
    if more:
        out.append("\n")
        say(
            ngettext(
                "... and {n} more root cause: write every line with --report problems.xlsx",
                "... and {n} more root causes: write every line with --report problems.xlsx",
                more,
            ).format(n=more)
        )
    out.rstrip()
    console.print(out, soft_wrap=True)


# ------------------------------------------------------------------------------------ checks


def _min_cell(text: str) -> int:
    """``--min-cell``: a whole number of people, by the one rule of :func:`tip_eval.io.sources.check_min_cell`."""
    from tip_eval.io.sources import min_cell_problem

    try:
        value = int(text)
    except ValueError:
        value = text
    problem = min_cell_problem(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return int(value)


def _writable_folder(folder: str, option: str = "--out") -> Path:
    """Create ``folder`` if needed and check that files can be written in it."""
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".tip-eval-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise UsageError(
            _("Cannot write to {option} {folder} ({reason}). Choose a folder you can write to with {option}.").format(
                option=option, folder=folder, reason=err.strerror or err
            )
        ) from None
    return out


def _writable_file(file: str, option: str) -> Path:
    path = Path(file)
    if path.is_dir():
        raise UsageError(
            _("{option} {file} is a folder. Give the name of a file to write, such as problems.xlsx.").format(
                option=option, file=file
            )
        )
    _writable_folder(str(path.parent) if str(path.parent) else ".", _("the folder of {option}").format(option=option))
    return path


def _check_by(by: Sequence[str] | None) -> None:
    """``--by``: columns of the participants or the trainings (``country+sector`` crosses two), checked
    before anything is read.
    """
    if not by:
        return
    from tip_eval import schemas

    allowed = [c for t in ("participants", "trainings") for c in schemas.schema(t).columns]
    unknown = [c for b in by for c in b.split("+") if c not in allowed]
    if unknown:
        raise UsageError(
            _(
                "--by {columns}: no such column. Group by columns of the participants or trainings: "
                "{allowed}; cross two with '+', e.g. --by country+sector."
            ).format(columns=" ".join(unknown), allowed=", ".join(dict.fromkeys(allowed)))
        )


# ---------------------------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    """Run ``tip-eval validate``: check a study or workbook and list its problems; exit 1 when errors remain."""
    from tip_eval.study import load_study

    report_path = _writable_file(args.report, "--report") if args.report else None
    report = load_study(args.path, on_error="quarantine", lang=args.lang).report  # refusals raise: exit 2
    _print_problems(report)
    if report_path is not None:
        try:
            report.to_excel(str(report_path))
        except OSError as err:
            raise UsageError(
                _("Cannot write the report {file} ({reason}). Choose a file you can write with --report.").format(
                    file=args.report, reason=err.strerror or err
                )
            ) from None
        print(_("Problem report written to {file}").format(file=terminal_text(args.report)))
    return EXIT_OK if report.problems.empty else EXIT_PROBLEMS


def cmd_brief(args: argparse.Namespace) -> int:
    """Run ``tip-eval brief``: write the impact brief and its tables workbook for a study."""
    _check_by(args.by)
    out = _writable_folder(args.out)
    from tip_eval.report.brief import run_brief

    return run_brief(
        args.path,
        out,
        min_cell=args.min_cell,
        title=args.title,
        by=args.by,
        cache=not args.no_cache,
        lang=args.lang,
        parallel=bool(getattr(args, "own_process", False)),
    )


def cmd_audit(args: argparse.Namespace) -> int:
    """``tip-eval audit DIR``: exit 0 when nothing published lets a reader count under min_cell, 1 when it does."""
    from tip_eval.disclosure import audit

    try:
        report = audit(args.path, min_cell=args.min_cell)
    except (FileNotFoundError, ValueError) as err:
        raise UsageError(f"Cannot audit: {err}") from None
    code = EXIT_OK if report.ok else EXIT_PROBLEMS
    try:
        print(terminal_text(report.summary()))
        for leak in report.leaks[: args.limit]:
            print(f"  {terminal_text(str(leak))}")
        if len(report.leaks) > args.limit:
            print(f"  ... and {len(report.leaks) - args.limit} more (--limit N to see more)")
        sys.stdout.flush()
    except BrokenPipeError:  # the list piped into a pager or `head` that stopped reading: the answer stands
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def cmd_sample_data(args: argparse.Namespace) -> int:
    """Run ``tip-eval sample-data``: write the synthetic sample study to a folder."""
    from tip_eval.io.template import write_sample_data

    _writable_folder(args.out)
    paths = write_sample_data(args.out, seed=args.seed)
    print(
        ngettext("Wrote {n} file to {folder}", "Wrote {n} files to {folder}", len(paths)).format(
            n=len(paths), folder=terminal_text(args.out)
        )
    )
    return EXIT_OK


def _bank(args: argparse.Namespace):
    """The item bank of ``--items`` (and ``--competencies``), its notes printed (a refused file: exit 2)."""
    from tip_eval.io.bank_file import read_item_bank

    bank = read_item_bank(args.items, args.competencies)
    for p in bank.problems:
        if p.severity == "warning":
            print(
                terminal_text(
                    _("Note: {file}, sheet {sheet}, row {row}, {column}: {problem}. {fix}").format(
                        file=p.file, sheet=p.sheet, row=p.row, column=p.column, problem=p.problem, fix=p.fix
                    )
                )
            )
    return bank


def cmd_template(args: argparse.Namespace) -> int:
    """Run ``tip-eval template``: write a blank data-entry workbook, in the language asked."""
    from tip_eval.io.blank import dropdown_language, write_blank_template

    _writable_file(args.out, "--out")
    bank = _bank(args) if args.items else None
    write_blank_template(args.out, lang=args.lang, items=bank)  # a bank with errors: they are listed, exit 1
    note = dropdown_language(bank, args.lang)[1] if bank is not None else None
    if note:
        print(_("Note: {note}.").format(note=note))
    if bank is not None:
        print(_("Training workbook written to {file}").format(file=terminal_text(args.out)))
    else:
        from tip_eval.io.columns import template_sheet

        print(
            _(
                "Training workbook written to {file} (its {items} sheet is empty: fill it in with your test's "
                "questions and answer key, or use --items)"
            ).format(file=terminal_text(args.out), items=template_sheet("items", args.lang))
        )
    return EXIT_OK


def cmd_xlsform(args: argparse.Namespace) -> int:
    """Run ``tip-eval xlsform``: write a KoboToolbox/ODK form built from the item bank."""
    from tip_eval.io.xlsform import write_xlsform

    _writable_file(args.out, "--out")
    bank = _bank(args)
    write_xlsform(
        args.out,
        bank,
        languages=args.languages,
        randomize=args.randomize,
        link_by_name=args.link_by_name,
        min_cell=args.min_cell,
        title=args.title,
    )  # a bank with errors: they are listed, exit 1
    if bank.competencies.empty:
        print(
            _(
                "Note: no competencies were given (a Competencies sheet in the bank, or --competencies FILE): "
                "the form has no confidence rating."
            )
        )
    print(
        _("XLSForm written to {file}: upload it to KoboToolbox, or convert it with xls2xform for ODK.").format(
            file=terminal_text(args.out)
        )
    )
    return EXIT_OK


def _languages(text: str) -> list[str]:
    """``--languages``: form languages among en, km, th, id, separated by commas."""
    langs = [x.strip() for x in text.split(",") if x.strip()]
    if not langs or any(x not in ("en", "km", "th", "id") for x in langs):
        raise argparse.ArgumentTypeError(f"languages are among en, km, th, id, separated by commas; got {text!r}")
    return langs


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser of ``tip-eval`` with its subcommands."""
    parser = argparse.ArgumentParser(
        prog="tip-eval",
        description="Evaluate counter-trafficking practitioner trainings: check the data, write the impact brief.",
        epilog="Exit codes: 0 done, 1 data problems found (validate) or leaks found (audit), 2 input refused, "
        "invalid settings or wrong usage, 3 internal error (a log file has the details).",
    )
    from tip_eval import __version__

    parser.add_argument("--version", action="version", version=f"tip-eval {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an internal error, also print the details (traceback)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on an internal error, also print the details (traceback)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        parents=[common],
        help="check a study's files and list every problem",
        description="Check a study folder, a study.toml or one workbook. Exit 0 clean, 1 problems found, "
        "2 refused or invalid settings, 3 internal error.",
    )
    p.add_argument("path", help="study folder (with study.toml), a study.toml, or one training workbook")
    p.add_argument("--report", metavar="FILE.xlsx", help="also write the problems to an Excel file")
    p.add_argument(
        "--lang",
        default=None,
        choices=LANGUAGES,
        help="language of the problems, fixes and messages (default: language in study.toml, else en)",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "brief",
        parents=[common],
        help="write the impact brief (brief.html) and tables (tables.xlsx)",
        description="Load and validate a study, then write DIR/brief.html, DIR/tables.xlsx and, when the data had problems, DIR/problems.xlsx. "
        "Several study folders make one programme brief that compares the studies.",
    )
    p.add_argument(
        "path",
        nargs="+",
        help="study folder (with study.toml), a study.toml, or one training workbook; "
        "several for a programme of studies",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if needed)")
    p.add_argument(
        "--min-cell",
        type=_min_cell,
        default=None,
        metavar="N",
        help=f"smallest group shown, at least {MIN_CELL_FLOOR} (default: study.toml, else 5)",
    )
    p.add_argument("--title", default=None, help="title of the brief")
    p.add_argument(
        "--by",
        nargs="+",
        default=None,
        metavar="COLUMN",
        help="groupings for the results tables (default: country sector)",
    )
    p.add_argument(
        "--lang",
        default=None,
        choices=LANGUAGES,
        help="language of the brief, its figures and workbook, and of the messages (default: language in "
        "study.toml, else en)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="read and check every file again, without using or writing the cache of validated studies "
        "(kept in tip_eval's cache directory, never in the study folder, and reused only while no "
        "file or setting changes)",
    )
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser(
        "audit",
        parents=[common],
        help="check a written brief and workbook for anything that counts fewer than min_cell people",
        description="Read DIR/brief.html (text, tables, every figure's data) and DIR/tables.xlsx (every sheet) "
        "as a reader would, bound every blank count by linear programming, and list every count, "
        "share, figure mark or sentence that lets a reader count fewer than min_cell people. "
        "Exit 0 when none, 1 when some, 2 when DIR cannot be read.",
    )
    p.add_argument("path", metavar="DIR", help="folder written by 'tip-eval brief' (or its brief.html or tables.xlsx)")
    p.add_argument(
        "--min-cell", type=_min_cell, default=None, metavar="N", help="threshold (default: the one the outputs state)"
    )
    p.add_argument("--limit", type=int, default=50, metavar="N", help="list at most N leaks (default 50)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "template",
        parents=[common],
        help="write the training workbook (template) for your test",
        description="A training workbook to fill in: Training, Participants, Pre-test, Post-test and "
        "Confidence sheets with dropdowns, instructions, and your item bank (--items). "
        "Without --items the Items sheet is empty, for you to fill in.",
    )
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.add_argument(
        "--lang",
        default="en",
        choices=LANGUAGES,
        help="language of the sheet names, headers, instructions, dropdowns and messages",
    )
    p.add_argument("--items", metavar="BANK", help="your item bank (.xlsx or .csv): questions, options, answer key")
    p.add_argument(
        "--competencies", metavar="FILE", help="the competency list, if not a Competencies sheet of the bank"
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "xlsform",
        parents=[common],
        help="write a KoboToolbox/ODK form (XLSForm) from your item bank",
        description="One form for the study: roster questions, the test (pre, post or delayed), every "
        "question of the bank with its options in each language, and the confidence rating.",
    )
    p.add_argument("--items", required=True, metavar="BANK", help="your item bank (.xlsx or .csv)")
    p.add_argument(
        "--competencies", metavar="FILE", help="the competency list, if not a Competencies sheet of the bank"
    )
    p.add_argument(
        "--languages",
        type=_languages,
        default=None,
        metavar="en,km,th,id",
        help="the form's languages, the first the default (default: every language the bank is complete in)",
    )
    p.add_argument(
        "--randomize",
        action="store_true",
        help="show every question's options in random order (a Randomize column in the bank decides per question)",
    )
    p.add_argument(
        "--link-by-name",
        action="store_true",
        help="ask the full name instead of the participant ID (a study that links pre and post by name)",
    )
    p.add_argument(
        "--min-cell",
        type=_min_cell,
        default=5,
        metavar="N",
        help="smallest group results are shown for, as the form's first note says",
    )
    p.add_argument("--title", default=None, help="the form's title in KoboToolbox")
    p.add_argument(
        "--lang",
        default="en",
        choices=LANGUAGES,
        help="language of the messages (the form's own languages: --languages)",
    )
    p.add_argument("--out", required=True, metavar="FORM.xlsx")
    p.set_defaults(func=cmd_xlsform)

    p = sub.add_parser(
        "sample-data", parents=[common], help="regenerate the synthetic sample study (byte-for-byte stable)"
    )
    p.add_argument("--out", default="sample_data", metavar="DIR")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_sample_data)
    return parser


# ------------------------------------------------------------------------------ the handler


def _log_internal_error(argv: Sequence[str] | None) -> Path | None:
    """Write the traceback of the error being handled to a new log file; its path, or None."""
    import traceback

    try:
        try:
            from tip_eval.io.cache import cache_root

            folder = cache_root() / "logs"
        except Exception:  # noqa: BLE001 - the cache module itself may be what failed
            import tempfile

            folder = Path(tempfile.gettempdir()) / "tip_eval-logs"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        from tip_eval import __version__

        path = folder / f"tip-eval-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(f"tip-eval {__version__}, Python {sys.version.split()[0]}, {sys.platform}\n")
            fh.write(f"command: tip-eval {' '.join(map(str, argv if argv is not None else sys.argv[1:]))}\n\n")
            fh.write(traceback.format_exc())
        old = sorted(folder.glob("tip-eval-*.log"))[:-MAX_LOGS]
        for f in old:
            f.unlink(missing_ok=True)
        return path
    except Exception:  # noqa: BLE001 - no log: the message says so
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tip-eval`` with ``argv`` (default: the command line); return the exit code.

    Run on the command line (``argv`` not given), the process ends as soon as the command is done:
    see :func:`_leave`.
    """
    if argv is None:  # the process is the command's: see _collect_less
        _collect_less()
    code = _main(argv)
    if argv is None:
        _leave(code)
    return code


def _collect_less() -> None:
    """Run Python's cycle collector less often in the ``tip-eval`` process.

    A command allocates millions of objects (the modules it imports, pandas' frames) and most of
    them live until it ends; at Python's default thresholds (700, 10, 10) the collector scanned all
    of them again and again, about 0.6 s of the 5 s of CPU of a first brief of the sample study.
    At these thresholds a brief's collections are a few scans of the youngest objects, each object
    scanned about once (0.15 s where (10000, 20, 20) took 0.19 s, same peak memory; a brief of
    10,000 people peaked at 734 MB against 755 MB). Garbage freed by reference counting, which is
    nearly all of it (the collector finds a few thousand objects in cycles), is freed at once
    either way.
    """
    import gc

    gc.set_threshold(100_000, 50, 50)


def _leave(code: int) -> None:
    """End the ``tip-eval`` process with ``code`` without tearing down the interpreter.

    Everything the command writes is closed by then. Python would next take apart every module it
    imported, one object at a time: half a second after a brief (pandas, scipy, statsmodels ...),
    spent on nothing the user sees. The output streams are flushed and the exit handlers run
    (logging, openpyxl's temporary files, ...) as on a normal exit; only the teardown is skipped.
    Returns (and the interpreter ends as usual) while another thread still runs.
    """
    import atexit
    import threading

    if threading.active_count() > 1:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more can be said there
            pass
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help and --version exit 0, bad usage prints why and exits 2
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_REFUSED
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_REFUSED
    debug = bool(getattr(args, "debug", False))
    args.own_process = argv is None  # the command line's own process (see main), not a call from Python
    with using(_command_language(args)):
        return _run(args, argv, debug)


def _command_language(args: argparse.Namespace) -> str:
    """``--lang``; for ``validate`` without it, the study's ``language`` setting; else English."""
    lang = getattr(args, "lang", None)
    if lang is None and getattr(args, "command", None) in ("validate", "brief"):
        from tip_eval.io.config import study_language

        path = args.path[0] if isinstance(args.path, list) else args.path
        return study_language(path)
    return lang if lang in LANGUAGES else "en"


def _run(args: argparse.Namespace, argv: Sequence[str] | None, debug: bool) -> int:
    """Run the command; every refusal, data problem and error becomes a message and an exit code."""
    from tip_eval.errors import InputRefused, ValidationError

    try:
        return int(args.func(args))
    except InputRefused as err:
        _say(
            _("Refused: {file}: {reason}").format(file=err.file, reason=err.reason)
            + (" " + _("What to do: {fix}").format(fix=err.fix) if err.fix else "")
        )
        return EXIT_REFUSED
    except UsageError as err:
        _say(str(err))
        return EXIT_REFUSED
    except ValidationError as err:  # the data has errors (a brief is written with them set aside)
        _print_problems(err.report)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        _say(_("Stopped."))
        return 130
    except BaseException as err:  # noqa: BLE001 - every other error: a short message and a log
        if isinstance(err, SystemExit):
            return int(err.code) if isinstance(err.code, int) else EXIT_INTERNAL
        log = _log_internal_error(argv)
        if debug:
            import traceback

            traceback.print_exc()
        what = (
            type(err).__name__
            if isinstance(err, (MemoryError, RecursionError)) or not str(err)
            else f"{type(err).__name__}: {str(err)[:200]}"
        )
        text = _("tip-eval stopped on an internal error ({error}).").format(error=what)
        if log:
            text += " " + _("The details are in {log}.").format(log=log)
        _say(
            text
            + " "
            + _(
                "Please report it with that file (see SECURITY.md for problems that look like a security "
                "issue); run again with --debug to see the details."
            )
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
