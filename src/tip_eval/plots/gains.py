"""Figures of change: pre/post dumbbells, forest plots, individual gains, confidence against knowledge."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval.i18n import _
from tip_eval.plots._common import (
    GAIN_TITLE,
    SCORE_TITLE,
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
    t_interval,
    titled,
)
from tip_eval.plots._spec import FigureSpec, builds_figure, trace
from tip_eval.plots._theme import NEUTRAL_COLOUR, PALETTE, POST_COLOUR, PRE_COLOUR

__all__ = ["pre_post", "forest", "gain_distribution", "calibration"]


@builds_figure
def pre_post(
    data: pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    measure: str = "knowledge",
    pre: str | None = None,
    post: str | None = None,
    n: str = "n",
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Dumbbell of the mean score before and after training, per group, with 95% intervals.

    By default the means are those of the matched pairs (``pre_mean_matched``,
    ``post_mean_matched``: the people behind the gain), so that a reader who subtracts the two
    points gets the gain; ``pre="pre_mean", post="post_mean"`` draws the means of everyone tested
    in each phase instead.

    Parameters
    ----------
    data : pandas.DataFrame
        A result of :func:`tip_eval.gains` (``pre_mean, pre_sd, n_pre, post_mean, post_sd, n_post,
        n, mean_gain, ci_low, ci_high``).
    by : str or list of str, optional
        Grouping columns that label the rows (default: the result's own grouping columns).
    measure : {"knowledge", "confidence"}
        Sets the axis title and units.
    pre, post : str, optional
        Columns of the two means (default: the matched pairs' means when the result has them,
        else ``pre_mean`` and ``post_mean``).
    n : str
        Column of the matched pairs.
    title : str, optional
    min_cell : int, optional
        Suppress first (:func:`tip_eval.disclosure.suppress`): groups with fewer people, or
        blanked to protect them, are not drawn, and a note says how many were left out.

    Returns
    -------
    plotly.graph_objects.Figure
        Two marker traces (``Before``, ``After``) and one line trace (drawn first, under the
        markers) joining each group's two means, the groups separated by gaps; hover shows n, the
        mean and, on ``After``, the gain with its interval. With the matched pairs' means the
        ``After`` marker carries the 95% interval of the gain measured from the ``Before`` point
        (:math:`\\bar x_{pre} + [\\text{ci\\_low}, \\text{ci\\_high}]`: a bar that does not reach the
        ``Before`` point is a gain beyond chance); with the means of everyone tested each marker
        carries its mean's own interval (:math:`\\bar x \\pm t_{0.975, n-1} s/\\sqrt n`).
    """
    frame = as_frame(data)
    measure = check_measure(measure)
    matched = {"pre_mean_matched", "post_mean_matched"} <= set(frame.columns)
    pre = pre or ("pre_mean_matched" if matched else "pre_mean")
    post = post or ("post_mean_matched" if matched else "post_mean")
    of_pairs = pre == "pre_mean_matched" and post == "post_mean_matched"
    check_columns(frame, pre=pre, post=post, n=n)
    groups = group_columns(frame, by)
    frame, left_out = apply_min_cell(frame, min_cell, [pre, post])
    labels = group_labels(frame, groups).tolist()
    level = frame["confidence"].to_numpy(dtype=float) if "confidence" in frame else 0.95
    pre_v = frame[pre].to_numpy(dtype=float, na_value=np.nan)
    post_v = frame[post].to_numpy(dtype=float, na_value=np.nan)
    # the connecting lines first (under the markers): one trace, the groups separated by gaps
    line_x = [v for a, b in zip(pre_v, post_v) for v in (a, b, None)]
    line_y = [v for lab in labels for v in (lab, lab, None)]
    traces = [
        trace(
            "scatter",
            x=line_x,
            y=line_y,
            mode="lines",
            line=dict(color=NEUTRAL_COLOUR, width=2),
            showlegend=False,
            hoverinfo="skip",
            name=_("Change"),
        )
    ]
    gain_ci = (
        frame["ci_low"].to_numpy(dtype=float, na_value=np.nan) if "ci_low" in frame else None,
        frame["ci_high"].to_numpy(dtype=float, na_value=np.nan) if "ci_high" in frame else None,
    )
    for phase, mean, colour, name in (
        ("pre", pre_v, PRE_COLOUR, _("Before")),
        ("post", post_v, POST_COLOUR, _("After")),
    ):
        sd_col, n_col = f"{phase}_sd", f"n_{phase}"
        if of_pairs:
            n_phase = frame[n].to_numpy(dtype=float, na_value=np.nan)
            if phase == "post" and gain_ci[0] is not None and gain_ci[1] is not None:
                lo, hi = pre_v + gain_ci[0], pre_v + gain_ci[1]
            else:
                lo = hi = np.full(len(frame), np.nan)
        elif sd_col in frame and n_col in frame:
            lo, hi = t_interval(
                mean,
                frame[sd_col].to_numpy(dtype=float, na_value=np.nan),
                frame[n_col].to_numpy(dtype=float, na_value=np.nan),
                level,
            )
            n_phase = frame[n_col].to_numpy(dtype=float, na_value=np.nan)
        else:
            lo = hi = np.full(len(frame), np.nan)
            n_phase = frame[n].to_numpy(dtype=float, na_value=np.nan)
        if of_pairs:
            hover = [
                f"<b>{esc(lab)}</b><br>{name}: {fmt(m)}<br>"
                + _("n = {n} people with both tests").format(n=fmt_n(k))
                + (
                    "<br>"
                    + _("gain {gain} (95% CI {low} to {high})").format(
                        gain=fmt(m - b0), low=fmt(a - b0), high=fmt(b - b0)
                    )
                    if phase == "post"
                    else ""
                )
                for lab, m, a, b, k, b0 in zip(labels, mean, lo, hi, n_phase, pre_v)
            ]
        else:
            hover = [
                f"<b>{esc(lab)}</b><br>{name}: {fmt(m)} ("
                + _("95% CI {low} to {high}").format(low=fmt(a), high=fmt(b))
                + f")<br>n = {fmt_n(k)}"
                for lab, m, a, b, k in zip(labels, mean, lo, hi, n_phase)
            ]
        traces.append(
            trace(
                "scatter",
                x=mean,
                y=labels,
                mode="markers",
                name=name,
                marker=dict(color=colour, size=11),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=hi - mean,
                    arrayminus=mean - lo,
                    color=colour,
                    thickness=1.5,
                    width=4,
                ),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig = FigureSpec(
        data=traces,
        layout=dict(
            yaxis=dict(autorange="reversed", type="category"),
            xaxis=dict(range=[0, 100] if measure == "knowledge" else [1, 5]),
            legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
            height=max(300, 90 + 40 * len(labels)),
        ),
    )
    default = (
        _("Confidence before and after training")
        if measure == "confidence"
        else _("Knowledge before and after training")
    )
    note = (
        _("Means of the people who took both tests; the bar on After is the 95% interval of the gain.")
        if of_pairs
        else _("Means of everyone tested in each phase, with their 95% intervals.")
    )
    return finish(fig, title or titled(default, groups), _(SCORE_TITLE[measure]), "", left_out, min_cell, note=note)


@builds_figure
def forest(
    data,
    by: str | list[str] | None = None,
    *,
    measure: str = "knowledge",
    estimate: str | None = None,
    ci_low: str | None = None,
    ci_high: str | None = None,
    n: str = "n",
    overall: float | str | None = "weighted",
    sort: bool = True,
    title: str | None = None,
    x_title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Forest plot: an estimate with its interval per group, sorted, with the overall line.

    Parameters
    ----------
    data : pandas.DataFrame or TrainingComparison
        Any result frame with an estimate and interval per row: :func:`tip_eval.gains`
        (default ``mean_gain, ci_low, ci_high``) or :func:`tip_eval.compare_trainings` (the
        object or its ``.table``). For a comparison the default is the estimate the verdicts are
        about, ``adjusted_diff`` (difference from the typical training: the median of the other
        trainings, pre-test adjusted), drawn with its interval for each training (thick) and its
        familywise interval (thin whiskers, what the verdict is read from), each point coloured
        by its ``verdict``; the reference line at 0 is the typical training.
    by : str or list of str, optional
        Columns that label the rows (default: the result's grouping columns; ``training_id``
        for a comparison).
    measure : {"knowledge", "confidence"}
        Units of the axis title.
    estimate, ci_low, ci_high : str, optional
        Columns of the estimate and its interval.
    n : str, default "n"
        Column of the number of people, shown in the labels and hover.
    overall : float, "weighted" or None, default "weighted"
        Vertical reference line: a value, the n-weighted mean of the estimate over every row
        (before suppression: the mean of all people, itself published), or None. 0 for a
        comparison.
    sort : bool, default True
        Order rows by the estimate (largest on top).
    title, x_title : str, optional
    min_cell : int, optional
        Rows with fewer people (or blanked to protect them) are not drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        One marker trace with horizontal error bars (one point per shown group), plus the
        reference line as a layout shape.
    """
    comparison = hasattr(data, "table") and hasattr(data, "icc")
    frame = as_frame(data)
    measure = check_measure(getattr(data, "measure", measure) if comparison else measure)
    if estimate is None:
        estimate = (
            "adjusted_diff"
            if "verdict" in frame
            else ("shrunken_effect" if "shrunken_effect" in frame else "mean_gain")
        )
    if ci_low is None or ci_high is None:
        from tip_eval.tables import _ESTIMATE_CI

        lo_hi = _ESTIMATE_CI.get(estimate, ("ci_low", "ci_high"))
        ci_low = ci_low or lo_hi[0]
        ci_high = ci_high or lo_hi[1]
    check_columns(frame, estimate=estimate, ci_low=ci_low, ci_high=ci_high)
    groups = group_columns(frame, by)
    if not groups and "training_id" in frame:
        groups = ["training_id"]
    if overall == "weighted":
        if estimate in ("shrunken_effect", "adjusted_diff"):
            overall = 0.0
        elif n in frame:
            w = frame[n].to_numpy(dtype=float, na_value=np.nan)
            e = frame[estimate].to_numpy(dtype=float, na_value=np.nan)
            ok = np.isfinite(w) & np.isfinite(e) & (w > 0)
            overall = float(np.sum(w[ok] * e[ok]) / np.sum(w[ok])) if ok.any() else None
        else:
            overall = None
    frame, left_out = apply_min_cell(frame, min_cell, [estimate])
    if sort:
        frame = frame.sort_values(estimate, ascending=False, kind="stable", na_position="last")
    labels = group_labels(frame, groups).tolist()
    est = frame[estimate].to_numpy(dtype=float, na_value=np.nan)
    lo = frame[ci_low].to_numpy(dtype=float, na_value=np.nan)
    hi = frame[ci_high].to_numpy(dtype=float, na_value=np.nan)
    ns = frame[n].to_numpy(dtype=float, na_value=np.nan) if n in frame else np.full(len(frame), np.nan)
    ticks = [f"{lab} (n = {fmt_n(k)})" if np.isfinite(k) else lab for lab, k in zip(labels, ns)]
    verdicts = estimate == "adjusted_diff" and {"verdict", "familywise_ci_low", "familywise_ci_high"} <= set(frame)
    if verdicts:
        traces = _verdict_traces(frame, ticks, labels, est, lo, hi, ns)
    else:
        hover = [
            f"<b>{esc(lab)}</b><br>{esc(estimate)}: {fmt(e)}<br>"
            + _("95% CI {low} to {high}").format(low=fmt(a), high=fmt(b))
            + f"<br>n = {fmt_n(k)}"
            for lab, e, a, b, k in zip(labels, est, lo, hi, ns)
        ]
        traces = [
            trace(
                "scatter",
                x=est,
                y=ticks,
                mode="markers",
                name=estimate,
                marker=dict(color=PALETTE[0], size=10, symbol="square"),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=hi - est,
                    arrayminus=est - lo,
                    color=PALETTE[0],
                    thickness=1.5,
                    width=5,
                ),
                hovertext=hover,
                hoverinfo="text",
                showlegend=False,
            )
        ]
    fig = FigureSpec(traces)
    if overall is not None and np.isfinite(overall):
        label = (
            _("0 = the typical training (median of the others)")
            if estimate == "adjusted_diff"
            else _("average training")
            if comparison or estimate == "shrunken_effect"
            else _("all participants: {value}").format(value=fmt(overall))
        )
        fig.add_vline(
            x=float(overall), line=dict(color=NEUTRAL_COLOUR, dash="dash", width=1.5), annotation_text=esc(label)
        )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(300, 100 + 36 * len(labels)))
    unit = _("percentage points") if measure == "knowledge" else _("rating points")
    if x_title is None:
        if estimate == "adjusted_diff":
            x_title = _(
                "Difference from the median of the other trainings, post-test adjusted for the pre-test ({unit})"
            ).format(unit=unit)
        elif estimate == "shrunken_effect":
            x_title = _("Difference from the average training ({unit})").format(unit=unit)
        else:
            x_title = _(GAIN_TITLE[measure])
    if title is None:
        default = _("Knowledge gain") if measure == "knowledge" else _("Confidence gain")
        title = (
            _("Each training against the typical training (the verdicts of the table)")
            if verdicts
            else _("Trainings compared")
            if comparison
            else titled(default, groups)
        )
    if verdicts:
        fig.update_layout(height=max(300, 150 + 36 * len(labels)))
    return finish(fig, title, x_title, "", left_out, min_cell)


#: marker colour and symbol of each verdict
_VERDICT_STYLE = {
    "above": (PALETTE[2], "triangle-right"),
    "below": (PALETTE[5], "triangle-left"),
    "not distinguishable": (NEUTRAL_COLOUR, "circle"),
    "": (NEUTRAL_COLOUR, "circle-open"),
}


def _verdict_traces(frame, ticks, labels, est, lo, hi, ns) -> list:
    """Thin familywise whiskers (the verdict) under thick per-training bars, one marker trace per verdict."""
    from tip_eval.analysis.compare import VERDICTS

    flo = frame["familywise_ci_low"].to_numpy(dtype=float, na_value=np.nan)
    fhi = frame["familywise_ci_high"].to_numpy(dtype=float, na_value=np.nan)
    verdict = frame["verdict"].fillna("").astype(str).to_numpy()
    level = float(frame["confidence"].iloc[0]) if "confidence" in frame and len(frame) else 0.95
    # line markers: they sit on the bars (so vanish there) and give the legend a sample of each bar
    traces = [
        trace(
            "scatter",
            x=est,
            y=ticks,
            mode="markers",
            marker=dict(symbol="line-ew", size=18, color=NEUTRAL_COLOUR, line=dict(color=NEUTRAL_COLOUR, width=1.2)),
            error_x=dict(
                type="data",
                symmetric=False,
                array=fhi - est,
                arrayminus=est - flo,
                color=NEUTRAL_COLOUR,
                thickness=1.2,
                width=7,
            ),
            name=_("{level} familywise interval (all trainings at once: the verdict)").format(level=f"{level:.0%}"),
            hoverinfo="skip",
        ),
        trace(
            "scatter",
            x=est,
            y=ticks,
            mode="markers",
            marker=dict(symbol="line-ew", size=18, color=PALETTE[0], line=dict(color=PALETTE[0], width=5)),
            error_x=dict(
                type="data",
                symmetric=False,
                array=hi - est,
                arrayminus=est - lo,
                color=PALETTE[0],
                thickness=5,
                width=0,
            ),
            name=_("{level} interval of the training on its own").format(level=f"{level:.0%}"),
            hoverinfo="skip",
        ),
    ]
    for key in ("above", "below", "not distinguishable", ""):
        rows = np.flatnonzero(verdict == key)
        if not rows.size:
            continue
        colour, symbol = _VERDICT_STYLE[key]
        hover = [
            f"<b>{esc(labels[i])}</b><br>"
            + _("difference from the typical training: {value}").format(value=fmt(est[i]))
            + "<br>"
            + _("{level} interval {low} to {high}").format(level=f"{level:.0%}", low=fmt(lo[i]), high=fmt(hi[i]))
            + "<br>"
            + _("familywise {low} to {high}").format(low=fmt(flo[i]), high=fmt(fhi[i]))
            + "<br>"
            + _("verdict: {verdict}").format(verdict=esc(_(VERDICTS[key])))
            + f"<br>n = {fmt_n(ns[i])}"
            for i in rows
        ]
        name = _(VERDICTS[key])
        traces.append(
            trace(
                "scatter",
                x=est[rows],
                y=[ticks[i] for i in rows],
                mode="markers",
                name=name[:1].upper() + name[1:],
                marker=dict(color=colour, size=12, symbol=symbol, line=dict(color="white", width=1)),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    return traces


def _person_frame(data, by, measure):
    if hasattr(data, "participants") and hasattr(data, "scores"):
        from tip_eval.analysis.inputs import person_scores

        ps = person_scores(data, by=by, measure=measure, with_reliability=False)
        return ps.frame, ps.by
    if isinstance(data, pd.DataFrame):
        check_columns(data, pre="pre", post="post")
        groups = [by] if isinstance(by, str) else list(by or [])
        check_columns(data, **{f"by[{i}]": c for i, c in enumerate(groups)})
        return data, groups
    raise TypeError(f"data must be a Study or a person frame with pre and post columns; got {type(data).__name__}")


def _small_groups(
    frame: pd.DataFrame, groups: list[str], min_cell: int | None, count_col: str
) -> tuple[pd.DataFrame, int]:
    """Drop the people of groups with fewer than min_cell counted people (and those protecting them)."""
    if min_cell is None:
        return frame, 0
    from tip_eval.disclosure import suppress

    key = groups or None
    counts = (
        frame.groupby(groups, dropna=False, observed=True)[count_col].count().rename("n").reset_index()
        if groups
        else pd.DataFrame({"n": [int(frame[count_col].count())]})
    )
    shown = suppress(counts, min_cell, n_columns="n", by=groups)
    bad = shown[shown["suppressed"]]
    if bad.empty:
        return frame, 0
    if not key:
        return frame.iloc[0:0], 1
    drop = frame.set_index(groups).index.isin(bad.set_index(groups).index)
    return frame[~drop], len(bad)


@builds_figure
def gain_distribution(
    data,
    by: str | list[str] | None = None,
    *,
    measure: str = "knowledge",
    kind: str = "distribution",
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Individual gains: their distribution per group, or each person's pre-to-post line.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A Study, or a person frame with ``pre`` and ``post`` columns (one row per person) and the
        grouping columns.
    by : str or list of str, optional
        Grouping (participant or training attributes of a Study).
    measure : {"knowledge", "confidence"}
    kind : {"distribution", "slopes"}, default "distribution"
        ``"distribution"``: one box with the individual gains as points per group (people with
        both tests); ``"slopes"``: one line per person from before to after, coloured by group.
    title : str, optional
    min_cell : int, optional
        Groups with fewer matched people (or blanked to protect them) are not drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per group. No identifiers appear in the figure or its hover text.
    """
    measure = check_measure(measure)
    if kind not in ("distribution", "slopes"):
        raise ValueError(f"kind must be 'distribution' or 'slopes'; got {kind!r}")
    frame, groups = _person_frame(data, by, measure)
    frame = frame.dropna(subset=["pre", "post"]).assign(gain=lambda f: f["post"] - f["pre"])
    frame, left_out = _small_groups(frame, groups, min_cell, "gain")
    labels = group_labels(frame, groups)
    fig = FigureSpec()
    for i, (lab, part) in enumerate(frame.groupby(labels, sort=True)):
        colour = PALETTE[i % len(PALETTE)]
        if kind == "distribution":
            g = part["gain"].to_numpy(dtype=float)
            fig.add_trace(
                trace(
                    "box",
                    x=g,
                    name=f"{lab} (n = {len(g)})",
                    orientation="h",
                    boxpoints="all",
                    jitter=0.4,
                    pointpos=0,
                    marker=dict(color=colour, size=5, opacity=0.6),
                    line=dict(color=colour),
                    hovertemplate=f"{esc(lab)}<br>gain %{{x:.1f}}<extra></extra>",
                )
            )
        else:
            xs, ys = [], []
            for a, b in zip(part["pre"].to_numpy(dtype=float), part["post"].to_numpy(dtype=float)):
                xs += ["Before", "After", None]
                ys += [a, b, None]
            fig.add_trace(
                trace(
                    "scatter",
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=f"{lab} (n = {len(part)})",
                    line=dict(color=colour, width=1),
                    marker=dict(size=4),
                    opacity=0.45,
                    hovertemplate=f"{esc(lab)}<br>%{{x}}: %{{y:.1f}}<extra></extra>",
                )
            )
    if kind == "distribution":
        fig.add_vline(x=0, line=dict(color=NEUTRAL_COLOUR, dash="dot"))
        fig.update_yaxes(autorange="reversed")
        fig.update_layout(showlegend=False, height=max(300, 100 + 60 * len(fig.data)))
        x_title, y_title = GAIN_TITLE[measure], ""
    else:
        x_title, y_title = "", SCORE_TITLE[measure]
    word = "knowledge" if measure == "knowledge" else "confidence"
    return finish(fig, title or titled(f"Individual change in {word}", groups), x_title, y_title, left_out, min_cell)


@builds_figure
def calibration(
    data,
    by: str | list[str] | None = None,
    *,
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Confidence change against knowledge change: per group (for publishing), or one point per person.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A result of :func:`tip_eval.knowledge_vs_confidence` (one row per group): the figure then
        shows, per group, the share who became more confident without a knowledge gain, with its
        n, and no per-person marks (this is the form the brief publishes). Or, for exploring
        data that is not published, a Study or a frame with one row per person and columns
        ``knowledge_change`` and ``confidence_change`` (plus grouping columns): one point per
        person.
    by : str or list of str, optional
        Colour the points by group.
    title : str, optional
    min_cell : int, optional
        Groups with fewer people (or blanked to protect them) are not drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        One scatter trace per group, zero lines, and the quadrant "more confident without a
        knowledge gain" (see :func:`tip_eval.knowledge_vs_confidence`) shaded.
    """
    groups = [by] if isinstance(by, str) else list(by or [])
    if isinstance(data, pd.DataFrame) and "mean_knowledge_change" in data.columns:
        return _calibration_groups(data, groups, title, min_cell)
    if hasattr(data, "participants") and hasattr(data, "scores"):
        from tip_eval.analysis.inputs import person_scores

        k = person_scores(data, by=groups, measure="knowledge", with_reliability=False).frame
        c = person_scores(data, by=[], measure="confidence", with_reliability=False).frame
        people = k.merge(c, on="participant_id", suffixes=("_k", "_c"))
        frame = people[groups].copy()
        frame["knowledge_change"] = people["post_k"] - people["pre_k"]
        frame["confidence_change"] = people["post_c"] - people["pre_c"]
    elif isinstance(data, pd.DataFrame):
        check_columns(data, knowledge_change="knowledge_change", confidence_change="confidence_change")
        check_columns(data, **{f"by[{i}]": c for i, c in enumerate(groups)})
        frame = data
    else:
        raise TypeError(f"data must be a Study or a person frame; got {type(data).__name__}")
    frame = frame.dropna(subset=["knowledge_change", "confidence_change"])
    frame, left_out = _small_groups(frame, groups, min_cell, "knowledge_change")
    labels = group_labels(frame, groups)
    fig = FigureSpec()
    fig.add_shape(
        type="rect",
        xref="x",
        yref="y",
        x0=-100,
        x1=0,
        y0=0,
        y1=4,
        fillcolor="#F0E442",
        opacity=0.15,
        line=dict(width=0),
        layer="below",
    )
    fig.add_annotation(
        x=0,
        y=1,
        xref="x",
        yref="y domain",
        text=_("more confident, no knowledge gain"),
        showarrow=False,
        xanchor="right",
        yanchor="top",
        font=dict(size=11, color="#555555"),
    )
    for i, (lab, part) in enumerate(frame.groupby(labels, sort=True)):
        fig.add_trace(
            trace(
                "scatter",
                x=part["knowledge_change"].to_numpy(dtype=float),
                y=part["confidence_change"].to_numpy(dtype=float),
                mode="markers",
                name=f"{lab} (n = {len(part)})",
                marker=dict(color=PALETTE[i % len(PALETTE)], size=7, opacity=0.7),
                hovertemplate=f"{esc(lab)}<br>knowledge %{{x:.1f}} points<br>confidence %{{y:.2f}}<extra></extra>",
            )
        )
    fig.add_hline(y=0, line=dict(color=NEUTRAL_COLOUR, width=1))
    fig.add_vline(x=0, line=dict(color=NEUTRAL_COLOUR, width=1))
    x = frame["knowledge_change"].to_numpy(dtype=float)
    y = frame["confidence_change"].to_numpy(dtype=float)
    if len(x):
        pad = 5
        fig.update_xaxes(range=[min(x.min(), 0) - pad, max(x.max(), 0) + pad])
        fig.update_yaxes(range=[min(y.min(), 0) - 0.3, max(y.max(), 0) + 0.3])
    return finish(
        fig,
        title or titled(_("Did confidence grow with knowledge?"), groups),
        _(GAIN_TITLE["knowledge"]),
        _(GAIN_TITLE["confidence"]),
        left_out,
        min_cell,
    )


def _calibration_groups(frame: pd.DataFrame, groups: list[str], title, min_cell) -> FigureSpec:
    """Per group: the share more confident without a knowledge gain (bars with n; no per-person marks)."""
    groups = groups or group_columns(frame, None)
    frame, left_out = apply_min_cell(frame, min_cell, ["pct_overconfident"])
    frame = frame.dropna(subset=["pct_overconfident"])
    labels = group_labels(frame, groups).tolist()
    pct = frame["pct_overconfident"].to_numpy(dtype=float)
    n = frame["n"].to_numpy(dtype=float, na_value=np.nan)
    hover = [
        f"<b>{esc(lab)}</b><br>"
        + _("more confident, no knowledge gain: {pct}% of {n} people").format(pct=f"{p:.0f}", n=fmt(m, 0))
        for lab, p, m in zip(labels, pct, n)
    ]
    fig = FigureSpec(
        [
            trace(
                "bar",
                x=pct,
                y=labels,
                orientation="h",
                marker=dict(color=PALETTE[5 % len(PALETTE)]),
                text=[_("{pct}% of {n}").format(pct=f"{p:.0f}", n=fmt(m, 0)) for p, m in zip(pct, n)],
                textposition="outside",
                hovertext=hover,
                hoverinfo="text",
                cliponaxis=False,
            )
        ]
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[0, 100])
    fig.update_layout(showlegend=False, height=max(260, 120 + 40 * len(labels)))
    return finish(
        fig,
        title or _("Did confidence run ahead of knowledge?"),
        _("People more confident without a knowledge gain (%)"),
        "",
        left_out,
        min_cell,
    )
