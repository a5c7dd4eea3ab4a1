"""Suppression of one table on its own, for notebooks and figures outside a publication.

A publication (the brief and its workbook) is protected by one :class:`~tip_eval.disclosure.Plan`
over everything it shows. :func:`suppress` applies the same plan, with the same rule and the same
linear-programming engine, to one table: the table is registered with a plan of its own, together
with what a reader can be assumed to know from other tables, namely its totals over every coarser
grouping (for a table by country and sector: each country's, each sector's and the overall total
of every count it shows). Such a total is hidden only when it is itself a small count; it is never
hidden to protect another, since the tables that show it are not in this plan.

The rule (the plan's, see :mod:`tip_eval.disclosure.plan`): no count of 1 to ``min_cell - 1``
people is shown, nor a share whose count or complement is that small; no hidden count, nor a
difference a reader can form (people tested before but not after), can be narrowed to a range of
fewer than ``min_cell`` values. Each count is its own cell: one competency rated by 3 people is
hidden without touching another rated by 53.

Blanked values are NaN (``<NA>`` in integer and boolean columns); the rows that lost anything
have ``suppressed = True``. ``result.attrs["suppressed_cells"]`` maps each column to the index
labels blanked in it (a blank that was already missing for another reason is not listed), and
``result.attrs["min_cell"]`` holds the threshold. Published tables show :data:`MARK` in a blanked
cell, with the legend of :func:`footnote`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from tip_eval.disclosure.facts import Cell
    from tip_eval.disclosure.plan import Plan

__all__ = ["MARK", "detect_layout", "footnote", "grouping_columns", "recoverable_cells", "suppress"]

#: the mark of a hidden value in every published table, the brief's and the workbook's alike
MARK = "\u2013"
_KEY = "table"


def footnote(min_cell: int = 5) -> str:
    """The legend of :data:`MARK`, for tables, sheets and briefs."""
    from tip_eval.i18n import gettext

    return gettext("{mark} hidden: fewer than {min_cell} people, or could reveal such a group.").format(
        mark=MARK, min_cell=min_cell
    )


def detect_layout(table: pd.DataFrame) -> str | None:
    """The name of the tip_eval result ``table`` is (``"gains"``, ``"confidence_gains"``, ...), or None."""
    from tip_eval.disclosure.facts import detect

    return detect(table)


def grouping_columns(table: pd.DataFrame) -> list[str]:
    """The grouping columns of a tip_eval result (``["country", "sector"]`` of gains by both); [] for another table."""
    from tip_eval.disclosure.facts import LAYOUT_MAP, detect, grouping_columns as leading

    name = detect(table)
    if name is None:
        return []
    return [c for c in leading(table) if c not in LAYOUT_MAP[name][3]]


def _plan(
    table: pd.DataFrame,
    min_cell: int,
    n_columns: str | Sequence[str] | None,
    by: str | Sequence[str] | None,
    counts: Mapping[str, Sequence[str]] | Sequence[str] | None,
    strata: str | Sequence[str] | None,
    granularity: Mapping[str, tuple[float, float]] | None = None,
) -> Plan:
    """A plan holding ``table`` (under the key "table") and the totals a reader knows from other tables."""
    from tip_eval.disclosure.facts import MISSING, detect, overall_labels
    from tip_eval.disclosure.plan import Plan

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    table = table.drop(columns="suppressed", errors="ignore")
    by_list = None if by is None else ([by] if isinstance(by, str) else list(by))
    if by_list is not None:
        bad = [c for c in by_list if c not in table.columns]
        if bad:
            raise ValueError(
                f"by: column(s) {bad} not in the table; its columns are: {', '.join(map(str, table.columns))}"
            )
    kw: dict[str, Any] = {}
    if n_columns is None and counts is None and detect(table) is not None:
        pass  # a tip_eval result: its layout knows its counts
    else:
        sizes = n_columns if n_columns is not None else ("n" if "n" in table.columns else None)
        if sizes is None:
            raise ValueError(
                "n_columns: the table is not a tip_eval result and has no column 'n'; name its "
                "group-size column(s) with n_columns="
            )
        missing = [c for c in ([sizes] if isinstance(sizes, str) else list(sizes)) if c not in table.columns]
        if missing:
            raise ValueError(
                f"n_columns: column(s) {missing} not in the table; its columns are: "
                f"{', '.join(map(str, table.columns))}"
            )
        kw = {"sizes": sizes, "counts": counts, "strata": strata}
    plan = Plan(min_cell, granularity=granularity)
    plan.add(_KEY, table, by=by_list, **kw)
    _, mapped = plan.tables[_KEY]
    dims = list(mapped.by)
    if dims and len(table):
        rows = table[dims].astype(object).where(table[dims].notna(), MISSING).astype(str)
        rows = rows[~rows.isin(overall_labels).any(axis=1)].drop_duplicates()
        plan._atoms = rows if len(rows) else None
    plan.assume_totals(_KEY)
    return plan


def suppress(
    table: pd.DataFrame,
    min_cell: int = 5,
    n_columns: str | Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    counts: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    strata: str | Sequence[str] | None = None,
    granularity: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Blank every count of fewer than ``min_cell`` people in one table, and whatever would reveal it.

    Parameters
    ----------
    table : pandas.DataFrame
        A result frame (one row per group). The outputs of the tip_eval analysis functions are
        recognised by their columns, also after columns were dropped.
    min_cell : int, default 5
        Smallest number of people a shown count may describe (a whole number, at least 3).
    n_columns : str or list of str, optional
        For a frame of your own: its group-size column(s), the first being the group size
        (default ``"n"``). Giving it (or ``counts``) describes the frame instead of recognising it.
    by : str or list of str, optional
        The grouping columns, whose totals a reader is assumed to know (default: the leading text
        columns).
    counts : list of str or mapping, optional
        Counts of people with a characteristic in a frame of your own (a mapping gives, per
        count, the columns computed from it).
    strata : str or list of str, optional
        Columns that split a frame of your own into separate tables (each competency, each code).
    granularity : mapping, optional
        The per-person step of the study's scores, :func:`tip_eval.disclosure.granularity`
        (``granularity(study)``). A mean over people whose number is hidden (the pre-test mean
        of a group whose number tested before is hidden) is then rounded so that it cannot give
        that number back; without it, such a mean is blanked.

    Returns
    -------
    pandas.DataFrame
        A copy with blanked values, a boolean ``suppressed`` column (last), and
        ``attrs["suppressed_cells"]``, ``attrs["min_cell"]`` (see the module docstring). Number
        columns keep full precision.

    Examples
    --------
    >>> import pandas as pd
    >>> from tip_eval.disclosure import suppress
    >>> t = pd.DataFrame({"country": ["KHM", "IDN", "THA"], "n": [40, 3, 30], "mean": [11.0, 4.0, 9.0]})
    >>> suppress(t, 5)["suppressed"].tolist()   # IDN, and THA so IDN's n cannot be worked out from the total
    [False, True, True]
    """
    plan = _plan(table, min_cell, n_columns, by, counts, strata, granularity)
    out = plan.solve(give_back=40).table(_KEY)
    out.index = table.index
    out.attrs["suppression_layout"] = plan.tables[_KEY][1].layout  # the result it was recognised as ("custom")
    return out


def recoverable_cells(
    table: pd.DataFrame, original: pd.DataFrame, **kwargs: Any
) -> list[tuple[Hashable, str, float, float]]:
    """Blanked counts of a suppressed table that a reader could narrow to fewer than ``min_cell`` values (should be empty).

    ``table`` is the output of :func:`suppress`; ``original`` the frame before suppression;
    ``kwargs`` the ``n_columns``, ``by``, ``counts`` and ``strata`` given to :func:`suppress`.
    Checks the blanks of ``table`` afresh, with the same knowledge of totals, and returns
    ``(index label, column, lowest, highest)`` for every hidden count (or difference of counts,
    reported at its first cell) that is not protected.
    """
    min_cell = int(table.attrs.get("min_cell", 5))
    plan = _plan(
        original, min_cell, kwargs.get("n_columns"), kwargs.get("by"), kwargs.get("counts"), kwargs.get("strata")
    )
    _, mapped = plan.tables[_KEY]
    shown = table.drop(columns="suppressed", errors="ignore").reset_index(drop=True)
    hidden: set[Cell] = set()
    where: dict[Cell, tuple[Hashable, str]] = {}
    missing = shown.isna()
    for e in mapped.entries:
        blank = bool(missing.at[e.row, e.column]) or (e.size is not None and bool(missing.at[e.row, e.size]))
        if blank and not np.isnan(plan.values.get(e.cell, np.nan)):
            hidden.add(e.cell)
        where.setdefault(e.cell, (original.index[e.row], e.column))
    out = []
    for expr, lo, hi in plan.verify(hidden):
        label, column = where.get(expr.terms[0][0], (None, expr.describe()))
        out.append((label, column, lo, hi))
    return out
