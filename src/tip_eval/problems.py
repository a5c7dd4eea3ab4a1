"""Located data problems: the one record every layer uses to tell a user what to fix and where."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

#: Columns of every problem table, in order.
PROBLEM_COLUMNS: tuple[str, ...] = ("file", "sheet", "row", "column", "value", "problem", "fix", "severity")


@dataclass(frozen=True)
class Problem:
    """One located problem.

    Attributes
    ----------
    file : str
        File name as the user gave it (relative to the study folder where there is one).
    sheet : str or None
        Sheet name (None for CSV files).
    row : int or None
        Row number as Excel shows it (1-based, header rows counted); None for a whole-file problem.
    column : str or None
        Column header as written in the file.
    value : str or None
        The offending value, as text.
    problem : str
        What is wrong, in plain words.
    fix : str
        How to fix it.
    severity : {"error", "warning"}
        Errors stop a study from loading (or quarantine the row); warnings do not.
    key : str, optional
        What kind of root cause this is, for the problems that follow from it to point to (e.g.
        ``"no-sheet:items"`` for a workbook without its Items sheet). Not compared.
    cause : Problem, optional
        The problem this one follows from (rows set aside because a row they refer to was set
        aside, answers that cannot be checked because the item bank is missing). Not compared.
    rows : int, optional
        How many records this line sets aside (a line may stand for many rows). Not compared.
    """

    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    problem: str
    fix: str = ""
    severity: str = "error"
    key: str | None = field(default=None, compare=False)
    cause: Problem | None = field(default=None, compare=False, repr=False)
    rows: int | None = field(default=None, compare=False)

    def root(self) -> Problem:
        """The problem at the start of the chain of causes (this one when it has no cause)."""
        p, seen = self, set()
        while p.cause is not None and id(p) not in seen:
            seen.add(id(p))
            p = p.cause
        return p


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """Return the problems as a DataFrame with exactly :data:`PROBLEM_COLUMNS`."""
    rows = [{c: getattr(p, c) for c in PROBLEM_COLUMNS} for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


# --- problems as people read them: root causes first, what follows from each counted beneath --------

#: the columns of a report's problems that link a line to its root cause (see :func:`link_causes`)
LINK_COLUMNS: tuple[str, ...] = ("caused_by", "rows_set_aside")


def link_causes(problems: Iterable[Problem]) -> pd.DataFrame:
    """The problems as a frame, root causes first, each other line pointing to its root cause.

    Parameters
    ----------
    problems : iterable of Problem
        Equal problems are reported once.

    Returns
    -------
    pandas.DataFrame
        :data:`PROBLEM_COLUMNS` then :data:`LINK_COLUMNS`: ``caused_by`` is the index label (in this
        frame) of the root cause a line follows from, missing for a root cause itself;
        ``rows_set_aside`` the records the line sets aside (missing when it sets none aside). Root
        causes come first, then the lines that follow from them, each part sorted by file, sheet
        and row.
    """
    unique = list(dict.fromkeys(problems))
    position = {p: i for i, p in enumerate(unique)}
    cause = []
    for i, p in enumerate(unique):
        r = position.get(p.root())
        cause.append(None if r is None or r == i else r)
    frame = problems_frame(unique)
    frame["caused_by"] = pd.array(cause, dtype="Int64")
    frame["rows_set_aside"] = pd.array([p.rows for p in unique], dtype="Int64")
    if not len(frame):
        return frame
    order = (
        frame.assign(_follows=frame["caused_by"].notna())
        .sort_values(["_follows", "file", "sheet", "row"], na_position="first", kind="stable")
        .index
    )
    new_label = {old: new for new, old in enumerate(order)}
    frame = frame.loc[order].reset_index(drop=True)
    frame["caused_by"] = pd.array(
        [None if pd.isna(c) else new_label[int(c)] for c in frame["caused_by"]], dtype="Int64"
    )
    return frame


def root_causes(frame: pd.DataFrame) -> pd.DataFrame:
    """The root causes of a problems frame, with what follows from each.

    Returns
    -------
    pandas.DataFrame
        The lines that follow from no other (``caused_by`` missing), with two more columns:
        ``consequences`` (lines that follow from it) and ``rows_depending`` (records those lines
        set aside). A frame without the link columns is all root causes.
    """
    if "caused_by" not in frame.columns:
        return frame.assign(consequences=0, rows_depending=0)
    follows = frame[frame["caused_by"].notna()]
    roots = frame[frame["caused_by"].isna()].copy()
    key = follows["caused_by"].astype("int64")
    roots["consequences"] = key.value_counts().reindex(roots.index, fill_value=0).astype(int).to_numpy()
    rows = follows["rows_set_aside"].fillna(0).astype("int64").groupby(key).sum()
    roots["rows_depending"] = rows.reindex(roots.index, fill_value=0).astype(int).to_numpy()
    return roots


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def located(row) -> str:
    """Where a problem is, in words: ``file, sheet Participants, row 5, column Sector``."""
    from tip_eval.i18n import gettext

    parts = [_text(row.get("file")) or gettext("(the study)")]
    if _text(row.get("sheet")):
        parts.append(gettext("sheet {sheet}").format(sheet=_text(row.get("sheet"))))
    if _text(row.get("row")):
        parts.append(gettext("row {row}").format(row=_text(row.get("row"))))
    if _text(row.get("column")):
        parts.append(gettext("column {column}").format(column=_text(row.get("column"))))
    if len(parts) == 1 and _text(row.get("file")):
        parts.append(gettext("the whole file"))
    return ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def depending(consequences: int, rows: int) -> str:
    """``and 2 more problems (1,680 rows set aside) that follow from it``; empty when none."""
    from tip_eval.i18n import ngettext

    if not consequences:
        return ""
    if rows:
        return ngettext(
            "and {n} more problem ({rows}) that follows from it: fix this first",
            "and {n} more problems ({rows}) that follow from it: fix this first",
            consequences,
        ).format(
            n=f"{consequences:,}", rows=ngettext("{n} row set aside", "{n} rows set aside", rows).format(n=f"{rows:,}")
        )
    return ngettext(
        "and {n} more problem that follows from it: fix this first",
        "and {n} more problems that follow from it: fix this first",
        consequences,
    ).format(n=f"{consequences:,}")


def problem_blocks(frame: pd.DataFrame, limit: int | None = None) -> tuple[list[dict], int]:
    """Root causes (errors first) as dicts ``severity, where, value, problem, fix, depending``; and how many were left out."""
    roots = root_causes(frame)
    if len(roots):
        roots = roots.assign(_warn=roots["severity"] != "error").sort_values("_warn", kind="stable")
    shown = roots if limit is None else roots.head(limit)
    blocks = [
        {
            "severity": _text(r["severity"]),
            "where": located(r),
            "value": _text(r.get("value")),
            "problem": _text(r["problem"]),
            "fix": _text(r.get("fix")),
            "depending": depending(int(r["consequences"]), int(r["rows_depending"])),
        }
        for _, r in shown.iterrows()
    ]
    return blocks, len(roots) - len(shown)


def problems_text(frame: pd.DataFrame, *, title: str = "", limit: int | None = 20, width: int | None = None) -> str:
    """Root causes as plain text blocks, wrapped at ``width`` between words (never inside one).

    ``width=None`` leaves lines unwrapped (for pipes and log files).
    """
    import textwrap

    def wrap(text: str, indent: str) -> list[str]:
        if width is None:
            return [indent + text]
        return textwrap.wrap(
            text,
            width=max(width, 40),
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [indent]

    blocks, more = problem_blocks(frame, limit)
    out = [*(wrap(title, "") if title else [])]
    for b in blocks:
        out.append("")
        out += wrap(f"{b['severity'].upper()}: {b['where']}" + (f" (value: {b['value']})" if b["value"] else ""), "")
        out += wrap(b["problem"], "    ")
        if b["fix"]:
            out += wrap(f"Fix: {b['fix']}", "    ")
        if b["depending"]:
            out += wrap(f"... {b['depending']}.", "    ")
    if more:
        out += [
            "",
            *wrap(
                f"... and {more:,} more root causes: every line is in report.problems, "
                "or write them all to Excel with report.to_excel('problems.xlsx').",
                "",
            ),
        ]
    return "\n".join(out)


def problems_html(frame: pd.DataFrame, *, title: str = "", limit: int | None = 50) -> str:
    """Root causes as an escaped HTML table (full fix text, consequences counted beneath each)."""
    import html

    blocks, more = problem_blocks(frame, limit)
    esc = html.escape
    cell = "style='text-align:left;vertical-align:top;white-space:normal'"
    rows = []
    for b in blocks:
        colour = "#b00020" if b["severity"] == "error" else "#8a5a00"
        rows.append(
            f"<tr><td {cell}><b style='color:{colour}'>{esc(b['severity'])}</b></td><td {cell}>{esc(b['where'])}</td>"
            f"<td {cell}>{esc(b['value'])}</td><td {cell}>{esc(b['problem'])}</td><td {cell}>{esc(b['fix'])}</td></tr>"
        )
        if b["depending"]:
            rows.append(
                f"<tr><td></td><td colspan='4' {cell}><i style='color:#555'>{esc(b['depending'])}.</i></td></tr>"
            )
    head = "".join(f"<th {cell}>{h}</th>" for h in ("Severity", "Where", "Value", "Problem", "How to fix it"))
    note = (
        (
            f"<p><i>... and {more:,} more root causes: every line is in <code>report.problems</code>; "
            "<code>report.to_excel('problems.xlsx')</code> writes them all.</i></p>"
        )
        if more
        else ""
    )
    caption = f"<p>{esc(title)}</p>" if title else ""
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>" if rows else ""
    return f"<div class='tip-eval-problems'>{caption}{table}{note}</div>"
