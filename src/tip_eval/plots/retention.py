"""The before-after-later figure of :func:`tip_eval.retention`: how much of the gain is still there."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval.i18n import N_, _
from tip_eval.plots._common import (
    GAIN_TITLE,
    apply_min_cell,
    as_frame,
    check_columns,
    check_measure,
    esc,
    finish,
    fmt,
    fmt_n,
    group_columns,
    group_labels,
    titled,
)
from tip_eval.plots._spec import FigureSpec, builds_figure, trace
from tip_eval.plots._theme import NEUTRAL_COLOUR, PALETTE

__all__ = ["retention"]

_STAGES = (N_("Before the training"), N_("End of the training"), N_("Delayed post-test"))


@builds_figure
def retention(
    data: pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    measure: str = "knowledge",
    n: str = "n",
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Before, after and later: each group's gain at the end of the training and at the delayed test.

    Parameters
    ----------
    data : pandas.DataFrame
        A result of :func:`tip_eval.retention` (``immediate_gain`` and ``retained_gain`` with their
        intervals, ``n``, ``months_since_training``).
    by : str or list of str, optional
        Grouping columns that label the lines (default: the result's own grouping columns).
    measure : {"knowledge", "confidence"}
        Sets the axis title and units.
    n : str
        Column of the people with all three tests.
    title : str, optional
    min_cell : int, optional
        Suppress first (:func:`tip_eval.disclosure.suppress`): groups with fewer people are not
        drawn, and a note says how many were left out.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per group through three points: 0 before the training (the reference: each gain
        is measured from the same people's pre-test), the immediate gain at the end of the
        training and the retained gain at the delayed post-test, each with its paired t interval
        (the intervals of :func:`tip_eval.retention`). The third point's label gives the mean
        months since the training. Hover shows n, both gains with their intervals and the share
        retained.
    """
    frame = as_frame(data)
    measure = check_measure(measure)
    need = [
        "immediate_gain",
        "immediate_gain_ci_low",
        "immediate_gain_ci_high",
        "retained_gain",
        "retained_gain_ci_low",
        "retained_gain_ci_high",
    ]
    check_columns(frame, n=n, **{c: c for c in need})
    groups = group_columns(frame, by)
    frame = frame[frame[n].fillna(0).to_numpy(dtype=float) > 0]
    frame, left_out = apply_min_cell(frame, min_cell, ["immediate_gain", "retained_gain"])
    labels = group_labels(frame, groups).tolist()
    months = (
        frame["months_since_training"].to_numpy(dtype=float, na_value=np.nan)
        if "months_since_training" in frame
        else np.full(len(frame), np.nan)
    )
    known = months[~np.isnan(months)]
    # on two lines: one line, centred on the last tick, runs past the plot's right edge and plotly drops it
    later = _(_STAGES[2]) + (
        "<br>" + _("(about {months} months)").format(months=f"{known.mean():.0f}") if known.size else ""
    )
    stages = [_(_STAGES[0]), _(_STAGES[1]), later]
    traces = [
        trace(
            "scatter",
            x=[-0.1, 2.1],
            y=[0, 0],
            mode="lines",
            showlegend=False,
            hoverinfo="skip",
            line=dict(color=NEUTRAL_COLOUR, width=1, dash="dot"),
            name=_("No change"),
        )
    ]
    k = len(labels)
    for i, (label, (_i, row)) in enumerate(zip(labels, frame.iterrows())):
        colour = PALETTE[i % len(PALETTE)]
        shift = (i - (k - 1) / 2) * min(0.06, 0.3 / max(k, 1))  # side by side, so that bars do not hide each other
        y = [0.0, float(row["immediate_gain"]), float(row["retained_gain"])]
        lo = [0.0, float(row["immediate_gain_ci_low"]), float(row["retained_gain_ci_low"])]
        hi = [0.0, float(row["immediate_gain_ci_high"]), float(row["retained_gain_ci_high"])]
        ratio = row.get("retention_ratio")
        kept = (
            "<br>" + _("Share of the gain retained: {pct}%").format(pct=fmt(100 * ratio, 0))
            if ratio is not None and np.isfinite(ratio)
            else ""
        )
        when = (
            " " + _("({months} months)").format(months=fmt(row["months_since_training"]))
            if np.isfinite(months[i])
            else ""
        )
        ci = _("95% CI {low} to {high}")
        hover = [
            (f"<b>{esc(label)}</b><br>" + _("Before the training: the reference (0)") + f"<br>n = {fmt_n(row[n])}"),
            (
                f"<b>{esc(label)}</b><br>"
                + _("Gain at the end")
                + f": {fmt(y[1])} ("
                + ci.format(low=fmt(lo[1]), high=fmt(hi[1]))
                + f")<br>n = {fmt_n(row[n])}"
            ),
            (
                f"<b>{esc(label)}</b><br>"
                + _("Gain at the delayed test")
                + f"{when}: {fmt(y[2])} ("
                + ci.format(low=fmt(lo[2]), high=fmt(hi[2]))
                + f"){kept}<br>n = {fmt_n(row[n])}"
            ),
        ]
        traces.append(
            trace(
                "scatter",
                x=[j + shift for j in range(3)],
                y=y,
                mode="lines+markers",
                name=f"{label} (n = {fmt_n(row[n])})",
                line=dict(color=colour, width=2),
                marker=dict(color=colour, size=9),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[h - v for h, v in zip(hi, y)],
                    arrayminus=[v - lo_ for v, lo_ in zip(y, lo)],
                    color=colour,
                    thickness=1.5,
                    width=5,
                ),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig = FigureSpec(
        data=traces,
        layout=dict(
            xaxis=dict(tickmode="array", tickvals=[0, 1, 2], ticktext=stages, range=[-0.25, 2.25], zeroline=False),
            legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
            height=460,
        ),
    )
    default = (
        _("Confidence gained by the end of the training, and still there at the delayed test")
        if measure == "confidence"
        else _("Knowledge gained by the end of the training, and still there at the delayed test")
    )
    return finish(
        fig,
        title or titled(default, groups),
        "",
        _(GAIN_TITLE[measure]),
        left_out,
        min_cell,
        note=_("Gains of the same people, who took all three tests; bars: 95% intervals."),
    )
