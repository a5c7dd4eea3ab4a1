"""Located data problems: the one record every layer uses to tell a user what to fix and where."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

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
    """

    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    problem: str
    fix: str = ""
    severity: str = "error"


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """Return the problems as a DataFrame with exactly :data:`PROBLEM_COLUMNS`."""
    rows = [asdict(p) for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame
