"""Figures of the follow-up interviews and of the whole evaluation chain."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval.i18n import N_, _
from tip_eval.plots._common import (
    apply_min_cell,
    as_frame,
    check_columns,
    esc,
    finish,
    fmt,
    fmt_n,
    group_columns,
    group_labels,
    titled,
)
from tip_eval.plots._spec import FigureSpec, builds_figure, trace
from tip_eval.plots._theme import PALETTE, sequential_scale

__all__ = ["codes", "cooccurrence", "kirkpatrick"]


@builds_figure
def codes(
    data: pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    estimate: str = "pct_with_code",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    n: str = "n_interviewed",
    kinds: tuple[str, ...] = ("code", "indicator"),
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Share of interviewed people reporting each follow-up code, by group, with Wilson intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        A result of :func:`tip_eval.followup_summary`.
    by : str or list of str, optional
        Grouping columns (one colour per group); default: the result's own.
    estimate, ci_low, ci_high : str
        Columns of the percentage and its interval.
    n : str
        Column of the people interviewed.
    kinds : tuple of str, default ("code", "indicator")
        Which rows to draw (``"theme"`` rows roll codes up).
    title : str, optional
    min_cell : int, optional
        Suppress first: groups with fewer interviewed people, and counts of fewer people with a
        code (or blanked to protect them), are not drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace per group (bars = codes), error bars = intervals; hover gives
        the count, n and the interval.
    """
    frame = as_frame(data)
    check_columns(frame, estimate=estimate, ci_low=ci_low, ci_high=ci_high, label="label")
    groups = group_columns(frame, by)
    if "kind" in frame:
        frame = frame[frame["kind"].isin(kinds)]
    frame, left_out = apply_min_cell(frame, min_cell, [estimate])
    glabels = group_labels(frame, groups)
    order = list(dict.fromkeys(frame["label"].astype(str)))
    fig = FigureSpec()
    for i, g in enumerate(dict.fromkeys(glabels)):
        part = frame[glabels == g]
        est = part[estimate].to_numpy(dtype=float, na_value=np.nan)
        lo = part[ci_low].to_numpy(dtype=float, na_value=np.nan)
        hi = part[ci_high].to_numpy(dtype=float, na_value=np.nan)
        ns = part[n].to_numpy(dtype=float, na_value=np.nan) if n in part else np.full(len(part), np.nan)
        ks = part["n_with_code"].to_numpy(dtype=float, na_value=np.nan) if "n_with_code" in part else ns * np.nan
        nint = int(np.nanmax(ns)) if np.isfinite(ns).any() else None
        hover = [
            f"<b>{esc(lab)}</b><br>{esc(g)}: "
            + _("{pct}% ({k} of {n} interviewed)").format(pct=fmt(e, 0), k=fmt_n(k), n=fmt_n(m))
            + "<br>"
            + _("95% CI {low} to {high}%").format(low=fmt(a, 0), high=fmt(b, 0))
            for lab, e, a, b, k, m in zip(part["label"].astype(str), est, lo, hi, ks, ns)
        ]
        fig.add_trace(
            trace(
                "bar",
                x=est,
                y=[esc(v) for v in part["label"].astype(str)],
                orientation="h",
                name=f"{g} (n = {nint})" if nint is not None else g,
                marker=dict(color=PALETTE[i % len(PALETTE)]),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=hi - est,
                    arrayminus=est - lo,
                    color="#444444",
                    thickness=1,
                    width=3,
                ),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.update_yaxes(
        autorange="reversed", type="category", categoryorder="array", categoryarray=[esc(v) for v in order]
    )
    fig.update_xaxes(range=[0, 100])
    fig.update_layout(
        barmode="group",
        height=max(350, 120 + (12 + 10 * max(1, len(fig.data))) * len(order)),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
    )
    return finish(
        fig,
        title or titled(_("What interviewed participants reported"), groups),
        _("Interviewed people with the code (%)"),
        "",
        left_out,
        min_cell,
        what=N_("groups or codes"),
    )


@builds_figure
def cooccurrence(
    data: pd.DataFrame,
    *,
    value: str = "c_coefficient",
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Heatmap of how often two codes are applied to the same interview.

    Parameters
    ----------
    data : pandas.DataFrame
        A result of :func:`tip_eval.code_cooccurrence` (one row per pair of codes).
    value : str, default "c_coefficient"
        Column to colour by (``"n_both"`` for counts).
    title : str, optional
    min_cell : int, optional
        Pairs whose counts describe fewer people (or are blanked to protect them) are left blank.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace, codes in codebook order on both axes (symmetric, empty diagonal); hover
        gives both codes, n with both and the coefficient.
    """
    frame = as_frame(data)
    check_columns(frame, value=value, code_a="code_a", code_b="code_b")
    left_out = 0
    if min_cell is not None:
        from tip_eval.disclosure import suppress

        frame = suppress(frame, min_cell)
        left_out = int(frame[value].isna().sum())
    la = frame["label_a"].astype(str) if "label_a" in frame else frame["code_a"].astype(str)
    lb = frame["label_b"].astype(str) if "label_b" in frame else frame["code_b"].astype(str)
    names = list(dict.fromkeys(list(la) + list(lb)))
    idx = {c: i for i, c in enumerate(names)}
    k = len(names)
    z = np.full((k, k), np.nan)
    hover = np.full((k, k), "", dtype=object)
    for a, b, v, nb in zip(
        la,
        lb,
        frame[value].to_numpy(dtype=float, na_value=np.nan),
        frame["n_both"].to_numpy(dtype=float, na_value=np.nan) if "n_both" in frame else np.full(len(frame), np.nan),
    ):
        i, j = idx[a], idx[b]
        z[i, j] = z[j, i] = v
        text = f"{esc(a)}<br>{esc(b)}<br>{esc(value)}: {fmt(v, 2)}<br>interviews with both: {fmt_n(nb)}"
        hover[i, j] = hover[j, i] = text
    # the codes numbered: full labels on the rows, their numbers on the columns (no clipped or slanted text)
    rows = [f"{esc(n)} ({i + 1})" for i, n in enumerate(names)]
    cols = [str(i + 1) for i in range(k)]
    heat = trace(
        "heatmap",
        z=z,
        x=cols,
        y=rows,
        hovertext=hover,
        hoverinfo="text",
        colorscale=sequential_scale(),
        zmin=0,
        colorbar=dict(title=dict(text="c" if value == "c_coefficient" else esc(value))),
    )
    if value == "c_coefficient":
        heat["zmax"] = 1
    fig = FigureSpec([heat])
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    fig.update_layout(height=max(350, 100 + 28 * k))
    return finish(
        fig,
        title or "Codes reported together (c-coefficient)",
        "Code (the numbers of the rows)",
        "",
        left_out,
        min_cell,
        what="pairs of codes",
        note="c = interviews with both codes / interviews with either (0 never together, 1 always).",
    )


@builds_figure
def kirkpatrick(
    study,
    by: None = None,
    *,
    title: str | None = None,
    min_cell: int | None = None,
    counts: dict | None = None,
) -> FigureSpec:
    """The evaluation chain: trained, tested before and after, improved, reliably improved, interviewed, applying.

    Parameters
    ----------
    study : Study
        The whole study (the chain combines gains, reliable change and follow-up codes).
    by : None
        Reserved (one chain for the study).
    title : str, optional
    min_cell : int, optional
        Steps with fewer than ``min_cell`` people show "not shown" instead of a bar.
    counts : dict, optional
        The steps' counts as published (step name -> count, NaN for a count the publication's
        disclosure plan hid): the brief passes them so the chain shows nothing its tables do not.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace, one bar per step (Kirkpatrick level 2 learning, level 3 behaviour), with
        the count and the percent of those trained.
    """
    if by is not None:
        raise ValueError("by: kirkpatrick draws one chain for the study; filter the study first")
    if not (hasattr(study, "participants") and hasattr(study, "scores")):
        raise TypeError(f"study must be a tip_eval Study; got {type(study).__name__}")
    if counts is not None:
        return _chain_figure(
            list(counts.items()),
            title,
            min_cell,
            None
            if any("nterview" in k for k in counts)
            else _("No follow-up interviews in this study: the behaviour steps are not shown."),
        )
    from tip_eval.analysis.gains import gains

    trained = len(study.participants)
    g = gains(study).iloc[0]
    n = float(g["n"])
    steps = [
        (_("Trained"), trained),
        (_("Tested before and after"), n),
        (_("Improved their score"), round(g["pct_improved"] * n / 100) if np.isfinite(g["pct_improved"]) else np.nan),
        (
            _("Improved beyond measurement error"),
            round(g["pct_reliable_improved"] * n / 100) if np.isfinite(g["pct_reliable_improved"]) else np.nan,
        ),
    ]
    note = None
    if len(study.interviews) and len(study.followup_codes):
        from tip_eval.analysis.followup import followup_summary

        fs = followup_summary(study)
        ind = fs[fs["kind"] == "indicator"].iloc[0]
        steps += [
            (_("Interviewed at follow-up"), float(ind["n_interviewed"])),
            (_("Reported applying the training"), float(ind["n_with_code"])),
        ]
    else:
        note = _("No follow-up interviews in this study: the behaviour steps are not shown.")
    return _chain_figure(steps, title, min_cell, note)


def _chain_figure(steps: list, title, min_cell, note) -> FigureSpec:
    names = [s for s, _v in steps]
    values = np.array([v for _s, v in steps], dtype=float)
    trained = values[0] if len(values) and np.isfinite(values[0]) else np.nan
    shown = values.copy()
    text = []
    for i, v in enumerate(values):
        if not np.isfinite(v) or (min_cell is not None and 0 < v < min_cell):
            shown[i] = np.nan
            text.append(_("not shown"))
        else:
            text.append(f"{int(v)} ({100 * v / trained:.0f}%)" if np.isfinite(trained) and trained else f"{int(v)}")
    colours = [PALETTE[0]] * 4 + [PALETTE[2]] * (len(steps) - 4)
    fig = FigureSpec(
        [
            trace(
                "bar",
                x=shown,
                y=names,
                orientation="h",
                text=text,
                textposition="outside",
                marker=dict(color=colours),
                hovertext=[f"{esc(a)}: {esc(b)}" for a, b in zip(names, text)],
                hoverinfo="text",
                cliponaxis=False,
            )
        ]
    )
    fig.update_yaxes(autorange="reversed", type="category")
    top = np.nanmax(shown) if np.isfinite(shown).any() else 1.0
    fig.update_xaxes(range=[0, max(top, 1) * 1.2])
    fig.update_layout(height=120 + 50 * len(steps), showlegend=False)
    if len(names) > 1:
        fig.add_annotation(
            text=_("Learning (level 2)"),
            x=1,
            xref="paper",
            y=names[1],
            yref="y",
            showarrow=False,
            xanchor="right",
            font=dict(color=PALETTE[0], size=12),
        )
    if len(steps) > 4:
        fig.add_annotation(
            text=_("Behaviour (level 3)"),
            x=1,
            xref="paper",
            y=names[4],
            yref="y",
            showarrow=False,
            xanchor="right",
            font=dict(color=PALETTE[2], size=12),
        )
    return finish(fig, title or _("From training to practice"), _("People"), "", 0, min_cell, note=note)
