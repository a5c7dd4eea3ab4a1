"""Shared helpers of the figure builders: groups, labels, units, suppression, hover text."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from tip_eval.i18n import N_, _
from tip_eval.plots._layout import arrange
from tip_eval.plots._spec import FigureSpec
from tip_eval.plots._theme import TEMPLATE_NAME
from tip_eval.safe_text import plain_text

#: axis titles with units, per measure
#: (translated where they are used: ``_(SCORE_TITLE[measure])``)
SCORE_TITLE = {"knowledge": N_("Knowledge score (% of maximum)"), "confidence": N_("Mean confidence rating (1-5)")}
GAIN_TITLE = {
    "knowledge": N_("Knowledge gain (percentage points)"),
    "confidence": N_("Confidence change (rating points, 1-5 scale)"),
}
UNIT = {"knowledge": N_("points"), "confidence": N_("rating points")}
MEASURES = ("knowledge", "confidence")


def check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(map(repr, MEASURES))}; got {measure!r}")
    return measure


def check_columns(frame: pd.DataFrame, **columns: str | None) -> None:
    """Raise a ValueError naming the argument whose column is missing."""
    for arg, col in columns.items():
        if col is not None and col not in frame.columns:
            raise ValueError(
                f"{arg}={col!r} is not a column of the result frame; its columns are: "
                f"{', '.join(map(str, frame.columns))}"
            )


def as_frame(data, what: str = "data") -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    table = getattr(data, "table", None)
    if isinstance(table, pd.DataFrame):
        return table
    raise TypeError(f"{what} must be a result DataFrame (or a result object with a .table); got {type(data).__name__}")


def group_columns(frame: pd.DataFrame, by) -> list[str]:
    """The grouping columns: ``by`` as given, else the columns before the result columns."""
    if by is not None:
        cols = [by] if isinstance(by, str) else list(by)
        check_columns(frame, **{f"by[{i}]": c for i, c in enumerate(cols)})
        return cols
    from tip_eval.disclosure import grouping_columns

    return grouping_columns(frame)


def group_labels(frame: pd.DataFrame, by: list[str], overall: str | None = None) -> pd.Series:
    """One readable label per row: vocabulary labels (Cambodia, NGO) joined with ' / ', in the current language."""
    from tip_eval.tables import display_value

    overall = _("All participants") if overall is None else overall
    if not by:
        return pd.Series([overall] * len(frame), index=frame.index, dtype=object)
    parts = [frame[c].map(lambda v, c=c: display_value(c, v)) for c in by]
    out = parts[0].astype(str)
    for p in parts[1:]:
        out = out + " / " + p.astype(str)
    return out


def apply_min_cell(
    frame: pd.DataFrame, min_cell: int | None, required: Sequence[str], **kwargs
) -> tuple[pd.DataFrame, int]:
    """Suppress ``frame`` (tip_eval.disclosure) and drop the rows whose plotted values were blanked.

    Returns the kept rows and how many rows were left out.
    """
    if min_cell is None:
        return frame, 0
    from tip_eval.disclosure import suppress

    shown = suppress(frame, min_cell, **kwargs)
    blanked = shown["suppressed"].to_numpy() & shown[list(required)].isna().any(axis=1).to_numpy()
    return shown[~blanked], int(blanked.sum())


def finish(
    fig: FigureSpec,
    title: str | None,
    x_title: str | None,
    y_title: str | None,
    left_out: int = 0,
    min_cell: int | None = None,
    what: str = N_("groups"),
    note: str | None = None,
) -> FigureSpec:
    """Apply the template, titles, and the note on groups left out for small numbers; lay out for print.

    The title, the legend and the notes are stacked where nothing covers them at the width of an A4
    page (:func:`tip_eval.plots._layout.arrange`).
    """
    layout: dict = {"template": TEMPLATE_NAME, "meta": {"tip_eval_left_out": left_out, "min_cell": min_cell}}
    if title:
        layout["title"] = dict(text=html.escape(title))
    if x_title is not None:
        layout["xaxis"] = dict(title=dict(text=_(x_title) if x_title else x_title))
    if y_title is not None:
        layout["yaxis"] = dict(title=dict(text=_(y_title) if y_title else y_title))
    notes = []
    if left_out and min_cell is not None:
        notes.append(
            _("{n} {what} not shown: fewer than {min_cell} people (or needed to protect such a group).").format(
                n=left_out, what=_(what), min_cell=min_cell
            )
        )
    if note:
        notes.append(note)
    fig.update_layout(layout)
    return arrange(fig, notes=notes)


def titled(title: str, groups) -> str:
    """A default title naming the grouping of its rows: "Knowledge before and after training, by sector"."""
    from tip_eval.tables import _titled

    return _titled(title, groups)


def fmt(value, digits: int = 1) -> str:
    """A number for hover text (``-`` when missing), with the current language's decimal sign."""
    from tip_eval.i18n import current_language, format_number

    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    if not np.isfinite(v):
        return "-"
    text = f"{v:.{digits}f}"
    lang = current_language()
    return text if lang == "en" else format_number(float(text), lang, digits=digits)


def fmt_n(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if not np.isfinite(v) else f"{int(round(v))}"


def esc(text) -> str:
    """Data written into figure text: every tag escaped (:func:`tip_eval.safe_text.plain_text`)."""
    return plain_text(text)


def t_interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: np.ndarray | float = 0.95):
    """Mean +/- t(1 - alpha/2, n - 1) * sd / sqrt(n); NaN below n = 2."""
    from scipy import stats

    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    level = np.broadcast_to(np.asarray(level, dtype=float), mean.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(1 - (1 - level) / 2, n - 1)
        half = np.where(n >= 2, q * sd / np.sqrt(n), np.nan)
    return mean - half, mean + half
