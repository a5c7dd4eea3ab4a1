"""Figure of who took which test."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval.i18n import _
from tip_eval.plots._common import (
    apply_min_cell,
    as_frame,
    check_columns,
    esc,
    finish,
    fmt,
    group_columns,
    group_labels,
    titled,
)
from tip_eval.plots._spec import FigureSpec, builds_figure, trace
from tip_eval.plots._theme import NEUTRAL_COLOUR, POST_COLOUR, PRE_COLOUR

__all__ = ["attrition"]


@builds_figure
def attrition(
    data: pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    n: str = "registered",
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Stacked bars per group: took both tests, pre-test only (drop-outs), post-test only, no test.

    Parameters
    ----------
    data : pandas.DataFrame
        A result of :func:`tip_eval.attrition` (``registered, took_pre, took_post, matched``,
        ``pre_mean_completers, pre_mean_dropouts, smd, bias_flag``).
    by : str or list of str, optional
        Grouping columns (default: the result's own).
    n : str, default "registered"
        Column of the group size.
    title : str, optional
    min_cell : int, optional
        Groups with fewer registered people (or blanked to protect them) are not drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        Four bar traces; hover gives the counts, the pre-test means of completers and drop-outs
        and whether drop-out is flagged as biased.
    """
    frame = as_frame(data)
    check_columns(frame, n=n, took_pre="took_pre", took_post="took_post", matched="matched")
    groups = group_columns(frame, by)
    frame, left_out = apply_min_cell(frame, min_cell, [n])
    labels = group_labels(frame, groups).tolist()
    reg = frame[n].to_numpy(dtype=float, na_value=np.nan)
    pre = frame["took_pre"].to_numpy(dtype=float, na_value=np.nan)
    post = frame["took_post"].to_numpy(dtype=float, na_value=np.nan)
    both = frame["matched"].to_numpy(dtype=float, na_value=np.nan)
    parts = [
        ("Took both tests", both, POST_COLOUR),
        ("Pre-test only (dropped out)", pre - both, PRE_COLOUR),
        ("Post-test only", post - both, "#56B4E9"),
        ("No test", reg - pre - post + both, NEUTRAL_COLOUR),
    ]
    extra = []
    for _i, row in frame.iterrows():
        bits = [
            f"pre-test mean: completers {fmt(row.get('pre_mean_completers'))}, drop-outs "
            f"{fmt(row.get('pre_mean_dropouts'))}"
        ]
        if "bias_flag" in row and row["bias_flag"] is True:
            bits.append("drop-outs differed (|SMD| >= 0.2)")
        extra.append("<br>".join(bits))
    fig = FigureSpec()
    for name, vals, colour in parts:
        hover = [
            f"<b>{esc(lab)}</b><br>{esc(name)}: {fmt(v, 0)} of {fmt(r, 0)}<br>{x}"
            for lab, v, r, x in zip(labels, vals, reg, extra)
        ]
        fig.add_trace(
            trace(
                "bar",
                x=vals,
                y=labels,
                orientation="h",
                name=name,
                marker=dict(color=colour),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=max(300, 120 + 36 * len(labels)),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return finish(
        fig, title or titled(_("Who took which test"), groups), _("People registered"), "", left_out, min_cell
    )
