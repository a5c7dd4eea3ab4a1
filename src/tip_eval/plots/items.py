"""Figures of the test items and of the confidence ratings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval.i18n import N_, _, current_language
from tip_eval.plots._common import (
    apply_min_cell,
    as_frame,
    check_columns,
    esc,
    finish,
    fmt_n,
    group_columns,
    group_labels,
    titled,
)
from tip_eval.plots._spec import FigureSpec, builds_figure, trace
from tip_eval.plots._theme import LIKERT_COLOURS, sequential_scale

__all__ = ["item_heatmap", "likert"]


@builds_figure
def item_heatmap(
    data: pd.DataFrame,
    by: str | list[str] | None = None,
    *,
    pre: str = "difficulty_pre",
    post: str = "difficulty_post",
    n: str = "n_matched",
    flags: str = "flags",
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Heatmap of the share answering each item correctly, before and after, items grouped by module.

    Parameters
    ----------
    data : pandas.DataFrame
        A result of :func:`tip_eval.item_analysis` (``item_id, module, difficulty_pre,
        difficulty_post, flags, n_pre, n_post, n_matched``).
    by : str or list of str, optional
        Grouping columns of the result (one pair of columns per group); default: the result's own.
    pre, post : str
        Columns of the share correct (0-1) before and after.
    n : str
        Column of the people counted (hover).
    flags : str
        Column of the flag words: flagged items are marked with a "!" after their id and the flags
        are in the hover text.
    title : str, optional
    min_cell : int, optional
        Groups with fewer people (or blanked to protect them) are not drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace (rows: items ordered by module; columns: before / after per group), cells
        labelled with the percent correct.
    """
    frame = as_frame(data)
    check_columns(frame, pre=pre, post=post, item_id="item_id")
    groups = group_columns(frame, by)
    frame, left_out = apply_min_cell(frame, min_cell, [pre, post])
    if "module" in frame:
        frame = frame.sort_values(["module", "item_id"], kind="stable")
    items = list(dict.fromkeys(frame["item_id"].astype(str)))
    flag_of = {}
    if flags in frame:
        for it, f in zip(frame["item_id"].astype(str), frame[flags].fillna("").astype(str)):
            if f:
                flag_of[it] = f
    module_of = dict(zip(frame["item_id"].astype(str), frame["module"].astype(str))) if "module" in frame else {}
    from tip_eval.tables import display_value

    ylab = [f"{it} !" if it in flag_of else it for it in items]
    glabels = group_labels(frame, groups, overall="")
    columns, z, text, hover = [], [], [], []
    for g in dict.fromkeys(glabels):
        part = frame[glabels == g].set_index(frame.loc[glabels == g, "item_id"].astype(str))
        for col, word in ((pre, _("Before")), (post, _("After"))):
            columns.append(f"{g}<br>{word}" if g else word)
            vals = part[col].reindex(items).to_numpy(dtype=float, na_value=np.nan) * 100
            ns = (
                part[n].reindex(items).to_numpy(dtype=float, na_value=np.nan)
                if n in part
                else np.full(len(items), np.nan)
            )
            z.append(vals)
            text.append([f"{v:.0f}" if np.isfinite(v) else "" for v in vals])
            hover.append(
                [
                    f"<b>{esc(it)}</b> ({esc(display_value('module', module_of.get(it, '')))})<br>{word}: "
                    + _("{pct}% correct").format(pct=f"{v:.0f}")
                    + f"<br>n = {fmt_n(k)}"
                    + (f"<br>{_('flag')}: {esc(_flag_words(flag_of[it]))}" if it in flag_of else "")
                    if np.isfinite(v)
                    else ""
                    for it, v, k in zip(items, vals, ns)
                ]
            )
    zt = np.array(z).T if z else np.zeros((0, 0))
    fig = FigureSpec(
        [
            trace(
                "heatmap",
                z=zt,
                x=columns,
                y=ylab,
                text=np.array(text, dtype=object).T.tolist() if text else None,
                texttemplate="%{text}",
                hovertext=np.array(hover, dtype=object).T.tolist() if hover else None,
                hoverinfo="text",
                colorscale=sequential_scale(),
                zmin=0,
                zmax=100,
                colorbar=dict(title=dict(text=_("% correct"))),
            )
        ]
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", type="category")
    fig.update_layout(height=max(350, 120 + 22 * len(items)))
    note = _("! = flagged item (hover for the reason).") if flag_of else None
    return finish(
        fig,
        title or titled(_("Share answering each item correctly (% of people)"), groups),
        "",
        _("Item"),
        left_out,
        min_cell,
        note=note,
    )


def _flag_words(flags: str) -> str:
    """The flags of an item in the current language (the analysis writes them in English)."""
    return "; ".join(_(f) for f in str(flags).split("; ") if f)


def _ratings(data) -> tuple[pd.DataFrame, dict]:
    if hasattr(data, "confidence") and hasattr(data, "competencies"):
        conf = data.confidence
        labels = dict(zip(data.competencies["competency_id"].astype(str), data.competencies["label"].astype(str)))
        attrs = data.attributes()
        frame = conf.merge(attrs, on="participant_id", how="left")
        return frame, labels
    if isinstance(data, pd.DataFrame):
        check_columns(
            data, participant_id="participant_id", phase="phase", competency_id="competency_id", rating="rating"
        )
        labels = (
            dict(zip(data["competency_id"].astype(str), data["competency"].astype(str))) if "competency" in data else {}
        )
        return data, labels
    raise TypeError(f"data must be a Study or a long ratings frame; got {type(data).__name__}")


@builds_figure
def likert(
    data,
    by: str | None = None,
    *,
    title: str | None = None,
    min_cell: int | None = None,
) -> FigureSpec:
    """Diverging stacked bars of the confidence ratings before and after training, per competency.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A Study, or a long frame ``participant_id, phase, competency_id, rating`` (optionally
        ``competency`` labels and grouping columns). Only people who rated a competency at both
        times count (matched pairs, as in :func:`tip_eval.confidence_gains`). A result of
        :func:`tip_eval.confidence_gains` is accepted too: it holds only the share agreeing, so
        the bars then have two parts, "agree (4-5)" to the right and "neutral or disagree (1-3)"
        to the left.
    by : str, optional
        One grouping column: the bars of each competency are repeated per group.
    title : str, optional
    min_cell : int, optional
        Competency-group bars with fewer matched people (or blanked to protect them) are not drawn.

    Returns
    -------
    plotly.graph_objects.Figure
        Five bar traces (ratings 1-5, "Strongly disagree" .. "Strongly agree"); disagreement to
        the left of 0, agreement to the right, "Neutral" split across 0. Hover gives percent and n.
    """
    from tip_eval import vocab
    from tip_eval.tables import display_value

    if isinstance(data, pd.DataFrame) and {"pct_agree_pre", "pct_agree_post"} <= set(data.columns):
        return _agree_bars(data, by, title, min_cell)
    frame, labels = _ratings(data)
    if by is not None and not isinstance(by, str):
        raise ValueError("by: likert takes one grouping column")
    if by is not None:
        check_columns(frame, by=by)
    keys = ["competency_id"] + ([by] if by else [])
    wide = frame.pivot_table(
        index=["participant_id", *keys], columns="phase", values="rating", aggfunc="first", observed=True
    ).reset_index()
    if not {"pre", "post"} <= set(wide.columns):
        wide = wide.assign(**{c: np.nan for c in ("pre", "post") if c not in wide.columns})
    pairs = wide.dropna(subset=["pre", "post"])
    counts = pairs.groupby(keys, dropna=False, observed=True).size().rename("n").reset_index()
    left_out = 0
    if min_cell is not None and len(counts):
        from tip_eval.disclosure import suppress

        shown = suppress(counts, min_cell, n_columns="n", by=[by] if by else [], strata="competency_id")
        bad = shown[shown["suppressed"]]
        left_out = len(bad)
        if left_out:
            drop = pairs.set_index(keys).index.isin(bad.set_index(keys).index)
            pairs = pairs[~drop]
    rows = []  # (y label, phase, shares[5], n)
    order = list(dict.fromkeys(sorted(pairs["competency_id"].astype(str))))
    for comp in order:
        part = pairs[pairs["competency_id"].astype(str) == comp]
        grouped = part.groupby(by, dropna=False, observed=True) if by else [(None, part)]
        for g, gpart in grouped:
            g = g[0] if isinstance(g, tuple) else g
            name = labels.get(comp, comp)
            if by:
                name = f"{name} ({display_value(by, g)})"
            for phase, word in (("pre", _("before")), ("post", _("after"))):
                r = gpart[phase].round().astype(int)
                shares = [100 * float((r == k).mean()) for k in range(1, 6)]
                rows.append((f"{name}<br><i>{word}</i>", shares, len(gpart)))
    ylab = [esc(r[0]).replace("&lt;br&gt;&lt;i&gt;", "<br><i>").replace("&lt;/i&gt;", "</i>") for r in rows]
    fig = FigureSpec()
    ns = [r[2] for r in rows]
    # relative bars stack outward from 0 in trace order: neutral halves first, then (dis)agree
    for level, sign, legend in ((3, -1, False), (2, -1, True), (1, -1, True), (3, 1, True), (4, 1, True), (5, 1, True)):
        name = vocab.label("likert", level, current_language())
        vals = np.array([r[1][level - 1] for r in rows], dtype=float)
        x = sign * (vals / 2 if level == 3 else vals)
        hover = [f"{esc(name)}: {v:.0f}%<br>" + _("n = {n} people").format(n=m) for v, m in zip(vals, ns)]
        fig.add_trace(
            trace(
                "bar",
                x=x,
                y=ylab,
                orientation="h",
                name=name,
                marker=dict(color=LIKERT_COLOURS[level - 1]),
                hovertext=hover,
                hoverinfo="text",
                showlegend=legend,
                legendrank=level,
                legendgroup=f"rating{level}",
            )
        )
    # draw order: neutral halves next to 0, then agree/disagree outward
    fig.update_layout(
        barmode="relative",
        bargap=0.25,
        height=max(350, 120 + 34 * len(rows)),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[-100, 100], tickvals=[-100, -50, 0, 50, 100], ticktext=["100", "50", "0", "50", "100"])
    fig.add_vline(x=0, line=dict(color="#444444", width=1))
    return finish(
        fig,
        title or titled(_("Confidence before and after training"), [by] if by else []),
        _("Percent of people (disagree | agree)"),
        "",
        left_out,
        min_cell,
        what=N_("competency bars"),
    )


def _agree_bars(frame: pd.DataFrame, by, title, min_cell) -> FigureSpec:
    """Two-part diverging bars from a confidence_gains result (share agreeing before and after)."""
    from tip_eval.plots._theme import LIKERT_COLOURS

    groups = group_columns(frame, by)
    frame, left_out = apply_min_cell(frame, min_cell, ["pct_agree_pre", "pct_agree_post"])
    glabels = group_labels(frame, groups, overall="")
    names = frame["competency"].astype(str) if "competency" in frame else frame["competency_id"].astype(str)
    rows = []
    for (_i, r), name, g in zip(frame.iterrows(), names, glabels):
        label = f"{esc(name)} ({esc(g)})" if g else esc(name)
        for phase, word in (("pre", _("before")), ("post", _("after"))):
            rows.append(
                (
                    f"{label}<br><i>{word}</i>",
                    float(r[f"pct_agree_{phase}"]),
                    r.get(f"pct_agree_{phase}_ci_low"),
                    r.get(f"pct_agree_{phase}_ci_high"),
                    r.get("n"),
                )
            )
    y = [r[0] for r in rows]
    agree = np.array([r[1] for r in rows])
    fig = FigureSpec()
    fig.add_trace(
        trace(
            "bar",
            x=-(100 - agree),
            y=y,
            orientation="h",
            name=_("Neutral or disagree (1-3)"),
            marker=dict(color=LIKERT_COLOURS[1]),
            hovertext=[
                _("neutral or disagree: {pct}%").format(pct=f"{100 - a:.0f}") + f"<br>n = {fmt_n(r[4])}"
                for a, r in zip(agree, rows)
            ],
            hoverinfo="text",
        )
    )
    fig.add_trace(
        trace(
            "bar",
            x=agree,
            y=y,
            orientation="h",
            name=_("Agree (4-5)"),
            marker=dict(color=LIKERT_COLOURS[4]),
            hovertext=[
                _("agree: {pct}% (95% CI {low} to {high}%)").format(pct=f"{a:.0f}", low=fmt_n(r[2]), high=fmt_n(r[3]))
                + f"<br>n = {fmt_n(r[4])}"
                for a, r in zip(agree, rows)
            ],
            hoverinfo="text",
        )
    )
    fig.update_layout(
        barmode="relative",
        bargap=0.25,
        height=max(350, 120 + 34 * len(rows)),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(range=[-100, 100], tickvals=[-100, -50, 0, 50, 100], ticktext=["100", "50", "0", "50", "100"])
    fig.add_vline(x=0, line=dict(color="#444444", width=1))
    return finish(
        fig,
        title or titled(_("Confidence before and after training"), groups),
        _("Percent of people (not agreeing | agreeing)"),
        "",
        left_out,
        min_cell,
        what=N_("competency bars"),
    )
