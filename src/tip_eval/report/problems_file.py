"""The internal problems file: data problems and rows set aside, row by row, never for publication.

``tip-eval brief`` writes it as ``problems.xlsx`` beside the brief when the data had problems or
rows were set aside. It lists individual rows (file, sheet, row, column), so its first sheet says
that it is internal and must not be published. Values are quoted only from the columns tip_eval
checks (IDs, codes, scores, dates: the canonical columns of ``data_schemas/``); a value from any
other cell (a note under a table, a title row, an unrecognised column) may be free text such as a
person's name, so it is replaced by where it is ("text in column C, row 12") and never copied.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_problems_file", "quoted_safely", "INTERNAL"]

INTERNAL = ("INTERNAL - NOT FOR PUBLICATION. This file lists individual rows of the study's files (where each "
            "problem is, and which rows were set aside). Share it only with the people who fix the data; never "
            "publish it or send it with the brief.")


def _checked_columns() -> set[str]:
    from tip_eval import schemas

    cols: set[str] = set()
    for t in schemas.TABLES:
        cols.update(str(c) for c in schemas.schema(t).columns)
    return cols


def quoted_safely(problems: pd.DataFrame) -> pd.DataFrame:
    """The problems with every value from an unchecked cell replaced by its place (column and row)."""
    if problems is None or not len(problems) or "value" not in problems.columns:
        return problems
    checked = _checked_columns()
    out = problems.copy()
    out["value"] = out["value"].astype(object)
    for i, r in out.iterrows():
        value = r.get("value")
        if value is None or (isinstance(value, float) and pd.isna(value)) or str(value) == "":
            continue
        column = r.get("column")
        if isinstance(column, str) and column in checked:
            continue
        where = f"text in column {column if isinstance(column, str) and column else '?'}, row {r.get('row', '?')}"
        place = f"({where}; not copied)"
        text = str(value)
        out.at[i, "value"] = place
        for c in ("problem", "fix"):
            if c in out.columns and isinstance(r.get(c), str) and text and text in r[c]:
                out.at[i, c] = r[c].replace(text, place)
    return out


def write_problems_file(report, quarantine: pd.DataFrame | None, path: str | Path) -> Path:
    """Write ``problems.xlsx``: an "INTERNAL" first sheet, the problems, the rows set aside, rows per file."""
    from tip_eval.io.write import write_frames

    about = pd.DataFrame({"About this file": [
        INTERNAL,
        "Problems found in the study's files. Fix each row in the file, sheet, row and column it names, then run the "
        "check again.",
        "severity 'error': the row cannot be used until fixed (it was set aside). 'warning': worth checking, the row "
        "was used.",
        "Values are quoted only from the columns tip_eval checks; any other text is shown by its place (column and "
        "row), never copied, since it may be a name.",
        report.summary(),
    ]})
    q = quarantine if quarantine is not None else pd.DataFrame()
    q_cols = [c for c in ("table", "file", "sheet", "row", "problem") if c in q.columns]
    frames = {"INTERNAL - not for publication": about, "Problems": quoted_safely(report.problems),
              "Rows set aside": q[q_cols].reset_index(drop=True) if len(q) else pd.DataFrame({"table": []}),
              "Rows per file": report.reconciliation}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_frames(path, frames)
    return path
