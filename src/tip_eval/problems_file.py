"""The internal problems file: data problems and rows set aside, row by row, never for publication.

``tip-eval brief`` writes it as ``problems.xlsx`` beside the brief when the data had problems or
rows were set aside, and ``tip-eval validate --report FILE`` (:meth:`ValidationReport.to_excel
<tip_eval.validation.ValidationReport.to_excel>`) writes the same file. It lists individual rows
(file, sheet, row, column), so its first sheet says that it is internal and must not be published.

Values are quoted only from cells tip_eval checks against a format or a list: IDs, codes, numbers,
dates, sectors, answers (columns whose header is one of the recognised headers of such a column,
:data:`tip_eval.io.columns.HEADERS`). A value from any other cell (a note under a table, a title
row, a document name, a name, a label, an unrecognised column) may be free text such as a person's
name, so it is replaced by its place ("text in column C, row 12; not copied"), also inside the
problem's words and in the list of rows set aside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tip_eval.i18n import N_, translator

__all__ = ["FREE_TEXT_COLUMNS", "INTERNAL", "quoted_safely", "report_headers", "write_problems_file"]

INTERNAL = N_(
    "INTERNAL - NOT FOR PUBLICATION. This file lists individual rows of the study's files (where each "
    "problem is, and which rows were set aside). Share it only with the people who fix the data; never "
    "publish it or send it with the brief."
)

#: canonical columns that hold free text (names, labels, descriptions): their values are never quoted
FREE_TEXT_COLUMNS = frozenset(
    {
        "name",
        "label",
        "label_km",
        "label_th",
        "label_id",
        "text",
        "definition",
        "organisation",
        "role",
        "venue",
        "organiser",
        "coder",
        "coders",
        "theme",
    }
)


def report_headers(lang: str | None = None) -> dict[str, str]:
    """The headers of the problems, rows set aside and reconciliation tables in ``lang`` (None: the current language)."""
    t = translator(lang)
    return {
        "file": t.pgettext("column header", "file"),
        "sheet": t.pgettext("column header", "sheet"),
        "row": t.pgettext("column header", "row"),
        "column": t.pgettext("column header", "column"),
        "value": t.pgettext("column header", "value"),
        "problem": t.pgettext("column header", "problem"),
        "fix": t.pgettext("column header", "fix"),
        "severity": t.pgettext("column header", "severity"),
        "table": t.pgettext("column header", "table"),
        "rows_read": t.pgettext("column header", "rows_read"),
        "rows_kept": t.pgettext("column header", "rows_kept"),
        "rows_quarantined": t.pgettext("column header", "rows_quarantined"),
    }


def _checked(column: Any, index: dict[str, list[str]]) -> bool:
    from tip_eval.vocab import label_key

    if not isinstance(column, str) or not column.strip():
        return False
    candidates = index.get(label_key(column), [])
    return bool(candidates) and not any(c in FREE_TEXT_COLUMNS for c in candidates)


def quoted_safely(problems: pd.DataFrame, lang: str | None = None) -> tuple[pd.DataFrame, dict[tuple, dict[str, str]]]:
    """The problems with every value from an unchecked cell replaced by its place (column and row).

    The value is taken out of the problem's own words too. Returns the new frame and, per place
    ``(file, sheet, row)``, ``{text: its place}`` for the values replaced there, so that the same
    text can be taken out of the list of rows set aside. The place is written in ``lang`` (None:
    the current language).
    """
    t = translator(lang)
    if problems is None or not len(problems) or "value" not in problems.columns:
        return problems, {}
    from tip_eval.io.columns import header_index

    index = header_index()
    out = problems.copy()
    out["value"] = out["value"].astype(object)
    replaced: dict[tuple, dict[str, str]] = {}
    for i, r in out.iterrows():
        value = r.get("value")
        if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
            continue
        column = r.get("column")
        if _checked(column, index):
            continue
        row = r.get("row")
        place = t.gettext("(text in column {column}, row {row}; not copied)").format(
            column=column if isinstance(column, str) and column else "?",
            row=row if row is not None and not pd.isna(row) else "?",
        )
        out.at[i, "value"] = place
        for c in ("problem", "fix"):
            if c in out.columns:
                out.at[i, c] = _scrub(r.get(c), {str(value): place})
        replaced.setdefault(_where(r), {})[str(value)] = place
    return out, replaced


def _where(r: Any) -> tuple:
    """(file, sheet, row) of a problem or a row set aside, with missing values as None."""

    def plain(v: Any) -> Any:
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else v

    row = plain(r.get("row"))
    return plain(r.get("file")), plain(r.get("sheet")), None if row is None else int(row)


def _scrub(text: Any, replaced: dict[str, str]) -> Any:
    if not isinstance(text, str):
        return text
    for value in sorted(replaced, key=len, reverse=True):
        if value and value in text:
            text = text.replace(value, replaced[value])
    return text


def _excel_rows(problems: pd.DataFrame) -> pd.DataFrame:
    """``caused_by`` as the Excel row of the cause in the Problems sheet (header in row 1)."""
    if problems is None or "caused_by" not in problems.columns:
        return problems
    position = {label: i for i, label in enumerate(problems.index)}
    rows = [None if pd.isna(c) or int(c) not in position else position[int(c)] + 2 for c in problems["caused_by"]]
    return problems.assign(caused_by=pd.array(rows, dtype="Int64"))


def write_problems_file(
    report: Any, quarantine: pd.DataFrame | None, path: str | Path, lang: str | None = None
) -> Path:
    """Write the internal problems file: an "INTERNAL" first sheet, the problems, the rows set aside, rows per file.

    Parameters
    ----------
    report : ValidationReport
        Its ``problems``, ``reconciliation`` and ``summary()``.
    quarantine : pandas.DataFrame or None
        The rows set aside (``study.quarantine``): table, file, sheet, row and the problem.
    path : str or Path
        Where to write the ``.xlsx`` (folders are created).
    lang : {"en", "km", "th", "id"}, optional
        The language of the sheet names, headers, severities and explanations (default: the
        report's ``language``). The problems and fixes are in the language the report was made in.
    """
    from tip_eval.io.write import write_frames

    t = translator(lang or getattr(report, "language", None))
    about = pd.DataFrame(
        {
            t.gettext("About this file"): [
                t.gettext(INTERNAL),
                t.gettext(
                    "Problems found in the study's files. Fix each row in the file, sheet, row and column it names, "
                    "then run the check again."
                ),
                t.gettext(
                    "severity 'error': the row cannot be used until fixed (it was set aside). 'warning': worth "
                    "checking, the row was used."
                ),
                t.gettext(
                    "Values are quoted only from the columns tip_eval checks (IDs, codes, numbers, dates, answers); "
                    "any other text is shown by its place (column and row), never copied, since it may be a name."
                ),
                t.gettext(
                    "Root causes come first. caused_by: the row of this sheet holding the problem a line follows from "
                    "(fix that one first); rows_set_aside: the records the line sets aside."
                ),
                report.summary(t.lang),
            ]
        }
    )
    problems, replaced = quoted_safely(_excel_rows(report.problems), t.lang)
    q = quarantine if quarantine is not None else pd.DataFrame()
    q_cols = [c for c in ("table", "file", "sheet", "row", "problem") if c in q.columns]
    aside = q[q_cols].reset_index(drop=True) if len(q) else pd.DataFrame({"table": []})
    if "problem" in aside.columns and replaced:
        aside["problem"] = [_scrub(r["problem"], replaced.get(_where(r), {})) for _i, r in aside.iterrows()]
    reconciliation = report.reconciliation
    if t.lang != "en":
        severity = {"error": t.pgettext("severity", "error"), "warning": t.pgettext("severity", "warning")}
        if "severity" in problems.columns:
            problems = problems.assign(severity=problems["severity"].map(lambda v: severity.get(v, v)))
        headers = report_headers(t.lang)
        problems, aside, reconciliation = (f.rename(columns=headers) for f in (problems, aside, reconciliation))
    frames = {
        t.pgettext("sheet", "INTERNAL - not for publication"): about,
        t.pgettext("sheet", "Problems"): problems,
        t.pgettext("sheet", "Rows set aside"): aside,
        t.pgettext("sheet", "Rows per file"): reconciliation,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_frames(path, frames)
    return path
