"""Confidence self-ratings: ordinal change per competency, and confidence against knowledge.

:func:`confidence_gains` treats each 1-5 rating as ordinal (medians, the share agreeing, the
Wilcoxon signed-rank test and the matched-pairs rank-biserial correlation);
:func:`knowledge_vs_confidence` asks whether those who became more confident also learned more,
and counts who became more confident without improving their knowledge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import By, as_by, check_by, is_study
from tip_eval.analysis.inputs import (
    AGREE_FROM,
    ALL_PHASES,
    PHASES,
    SUBJECT,
    person_scores,
    plain_person_frame,
    study_people,
)

__all__ = ["confidence_gains", "knowledge_vs_confidence", "CONFIDENCE_GAIN_COLUMNS", "KNOWLEDGE_CONFIDENCE_COLUMNS"]

#: result columns of :func:`confidence_gains` after the ``by`` columns
CONFIDENCE_GAIN_COLUMNS: tuple[str, ...] = (
    "competency_id",
    "competency",
    "n_pre",
    "n_post",
    "n",
    "median_pre",
    "median_post",
    "pct_agree_pre",
    "pct_agree_pre_ci_low",
    "pct_agree_pre_ci_high",
    "pct_agree_post",
    "pct_agree_post_ci_low",
    "pct_agree_post_ci_high",
    "confidence",
    "p_wilcoxon",
    "rank_biserial",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "p_ordinal",
    "p_adjusted",
)

#: result columns of :func:`knowledge_vs_confidence` after the ``by`` columns
KNOWLEDGE_CONFIDENCE_COLUMNS: tuple[str, ...] = (
    "n",
    "mean_knowledge_change",
    "mean_confidence_change",
    "r_spearman",
    "p_spearman",
    "spearman_ci_low",
    "spearman_ci_high",
    "r_pearson",
    "p_pearson",
    "pearson_ci_low",
    "pearson_ci_high",
    "confidence",
    "n_knowledge_improved",
    "n_more_confident",
    "n_overconfident",
    "pct_overconfident",
)


def _check_confidence(confidence: object) -> float:
    try:
        value = float(confidence)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 < value < 1.0:
        raise ValueError(f"confidence must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}")
    return value


# --- confidence_gains --------------------------------------------------------------------------------


@memoised()
def confidence_gains(
    data: object,
    by: By = None,
    confidence: float = 0.95,
    p_adjust: str = "holm",
    *,
    subject: str | None = None,
    competency: str | None = None,
    phase: str | None = None,
    rating: str | None = None,
) -> pd.DataFrame:
    """Change in confidence self-ratings per group and competency, treated as ordinal.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A Study (its ``confidence`` and ``competencies`` tables), or a long frame with one row per
        person, phase and competency.
    by : str or list of str, optional
        Grouping columns (participant or training attributes of a Study; columns of a plain
        frame). ``None``: one row per competency.
    confidence : float, default 0.95
        Level of the Wilson intervals of the shares agreeing.
    p_adjust : str, default "holm"
        Adjustment of ``p_wilcoxon`` across **all rows** of the table (every group and
        competency): ``"holm"``, ``"bonferroni"``, ``"hochberg"``, ``"BH"``, ``"BY"``, ``"none"``
        (see :func:`tip_eval.stats.p_adjust`).
    subject, competency, phase, rating : str, optional (keyword only)
        Column names of a plain frame; defaults ``participant_id``, ``competency_id``, ``phase``
        (values ``"pre"``/``"post"``) and ``rating``.

    Returns
    -------
    pandas.DataFrame
        One row per group and competency (sorted by the keys), the ``by`` columns first, then:

        ``competency_id``, ``competency``
            The competency and its English label (the id again for a plain frame).
        ``n_pre``, ``n_post``
            People who rated the competency before (after) training.
        ``n``
            Matched pairs: people who rated it at both times. The medians, shares, test and
            effect size below use these pairs only, so that before and after describe the same
            people.
        ``median_pre``, ``median_post``
            Median rating (with an even n, the midpoint of the two middle ratings, e.g. 3.5).
        ``pct_agree_pre``, ``pct_agree_post``
            Percent of pairs rating 4 or 5 ("agree", "strongly agree").
        ``pct_agree_pre_ci_low``, ``pct_agree_pre_ci_high``, ``pct_agree_post_ci_low``, ``pct_agree_post_ci_high``
            Wilson score intervals of those percentages (R ``prop.test(correct = FALSE)``).
        ``confidence``
            The level of those intervals.
        ``p_wilcoxon``
            Two-sided Wilcoxon signed-rank test of post against pre with R's ``wilcox.test``
            defaults: zero differences dropped (Wilcoxon's method), average ranks for ties; with
            the ties and zeros of ratings this is almost always the normal approximation with tie
            and continuity corrections (exact only below 50 non-zero differences with no ties or
            zeros). **Tie rule:** two absolute differences count as tied when they differ by less
            than 1e-10 relative (``tip_eval.stats.signed_rank.TIE_RTOL``); whole-number ratings
            give exact ties, so R's ``wilcox.test`` on the same pairs gives the same p-value.
        ``rank_biserial``
            Matched-pairs rank-biserial correlation :math:`r = (T^+ - T^-)/(T^+ + T^-)` over the
            non-zero differences (Kerby, 2014): +1 when everyone who changed rated higher.
        ``odds_ratio``, ``or_ci_low``, ``or_ci_high``, ``p_ordinal``
            Proportional-odds (cumulative logit) model of the pairs' ratings on phase,
            :math:`\\operatorname{logit} P(\\text{rating} \\le j) = \\theta_j - \\beta\\,\\text{post}`:
            the odds ratio :math:`e^{\\beta}` of rating above any given level after training
            rather than before (> 1: ratings rose), its interval at level ``confidence`` and Wald
            p-value, with standard errors robust to each person rating twice (cluster-robust by
            person); NaN with fewer than 3 pairs, one rating value, or no overlap between the two
            phases' ratings. Equal to R's ``ordinal::clm`` estimate with the sandwich by person
            (see :func:`tip_eval.stats.ordinal.phase_odds_ratio`). Not adjusted for multiplicity.
        ``p_adjusted``
            ``p_wilcoxon`` adjusted across the rows of this table.

    Notes
    -----
    Ratings are ordinal: no means or t-tests here (for a mean-rating summary use
    :func:`~tip_eval.gains` with ``measure="confidence"``). Missing-data policy: a person who
    rated a competency at one time only counts in ``n_pre`` or ``n_post`` but in nothing else.
    A competency with no non-zero change in a group has NaN ``p_wilcoxon`` and
    ``rank_biserial``; a group without pairs has NaN medians and shares.

    References
    ----------
    Wilcoxon, F. (1945). Biometrics Bulletin, 1, 80-83. Kerby, D. S. (2014). The simple
    difference formula. Comprehensive Psychology, 3, 11.IT.3.1. Wilson, E. B. (1927). JASA, 22,
    209-212. Holm, S. (1979). Scand. J. Statist., 6, 65-70. McCullagh, P. (1980). Regression
    models for ordinal data. JRSS B, 42, 109-142.
    """
    from tip_eval.stats.multitest import p_adjust as _p_adjust
    from tip_eval.stats.ordinal import wilson_interval
    from tip_eval.stats.signed_rank import signed_rank_grouped

    level = _check_confidence(confidence)
    by_list = list(dict.fromkeys(as_by(by)))
    wide, labels = _ratings_wide(data, by_list, subject=subject, competency=competency, phase=phase, rating=rating)
    keys = [*by_list, "competency_id"]
    pairs = wide.dropna(subset=["pre", "post"])
    grouped_all = wide.groupby(keys, sort=True, dropna=False, observed=True)
    counts = pd.DataFrame({"n_pre": grouped_all["pre"].count(), "n_post": grouped_all["post"].count()})
    grouped = pairs.assign(agree_pre=pairs["pre"] >= AGREE_FROM, agree_post=pairs["post"] >= AGREE_FROM).groupby(
        keys, sort=True, dropna=False, observed=True
    )
    stats = pd.DataFrame(
        {
            "n": grouped["pre"].size(),
            "median_pre": grouped["pre"].median(),
            "median_post": grouped["post"].median(),
            "k_pre": grouped["agree_pre"].sum(),
            "k_post": grouped["agree_post"].sum(),
        }
    )
    test = signed_rank_grouped(pairs, keys, "pre", "post")[["p_value", "rank_biserial"]]
    ordinal = _odds_ratios(pairs, keys, level)
    out = counts.join(stats, how="left").join(test, how="left").join(ordinal, how="left")
    out["n"] = out["n"].fillna(0).astype(np.int64)
    n = out["n"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        for ph in PHASES:
            k = out[f"k_{ph}"].to_numpy(dtype=np.float64)
            k = np.where(n > 0, k, np.nan)
            low, high = wilson_interval(k, n, level)
            out[f"pct_agree_{ph}"] = 100.0 * k / n
            out[f"pct_agree_{ph}_ci_low"] = 100.0 * low
            out[f"pct_agree_{ph}_ci_high"] = 100.0 * high
    out["confidence"] = level
    out = out.rename(columns={"p_value": "p_wilcoxon"})
    out["p_adjusted"] = _p_adjust(out["p_wilcoxon"].to_numpy(dtype=np.float64), p_adjust)
    out = out.reset_index()
    out["competency"] = out["competency_id"].map(lambda c: labels.get(c, c))
    out = out.astype({"n_pre": np.int64, "n_post": np.int64})
    return out[[*by_list, *CONFIDENCE_GAIN_COLUMNS]]


def _odds_ratios(pairs: pd.DataFrame, keys: list[str], level: float) -> pd.DataFrame:
    """The proportional-odds odds ratio of post vs pre for every group and competency."""
    from tip_eval.stats.ordinal import phase_odds_ratio

    rows = {}
    for key, part in pairs.groupby(keys, sort=True, dropna=False, observed=True):
        res = phase_odds_ratio(part["pre"].to_numpy(dtype=np.float64), part["post"].to_numpy(dtype=np.float64), level)
        rows[key if isinstance(key, tuple) else (key,)] = (
            res["odds_ratio"],
            res["or_ci_low"],
            res["or_ci_high"],
            res["p_value"],
        )
    index = (
        pd.MultiIndex.from_tuples(list(rows), names=keys)
        if len(keys) > 1
        else pd.Index([k[0] for k in rows], name=keys[0])
    )
    return pd.DataFrame(
        list(rows.values()), index=index, columns=["odds_ratio", "or_ci_low", "or_ci_high", "p_ordinal"]
    )


def _ratings_wide(
    data: object,
    by: list[str],
    *,
    subject: str | None,
    competency: str | None,
    phase: str | None,
    rating: str | None,
) -> tuple[pd.DataFrame, dict]:
    """``participant_id, by..., competency_id, pre, post`` (one row per person and competency) and labels."""
    if is_study(data):
        if any(v is not None for v in (subject, competency, phase, rating)):
            raise ValueError(
                "subject, competency, phase and rating name columns of a plain DataFrame; leave them out for a Study"
            )
        people = study_people(data, by)
        conf = data.confidence
        long = pd.DataFrame(
            {
                SUBJECT: conf[SUBJECT].to_numpy(dtype=object),
                "phase": conf["phase"].to_numpy(dtype=object),
                "competency_id": conf["competency_id"].to_numpy(dtype=object),
                "rating": conf["rating"].to_numpy(dtype=np.float64, na_value=np.nan),
            }
        )
        comps = data.competencies
        labels = dict(zip(comps["competency_id"].astype(object), comps["label"].astype(object)))
    elif isinstance(data, pd.DataFrame):
        cols = {
            "subject": subject or SUBJECT,
            "competency": competency or "competency_id",
            "phase": phase or "phase",
            "rating": rating or "rating",
        }
        missing = {k: v for k, v in cols.items() if v not in data.columns}
        if missing:
            what = ", ".join(f"{k}={v!r}" for k, v in missing.items())
            raise ValueError(f"{what}: not a column of the frame; its columns are: {', '.join(map(str, data.columns))}")
        check_by(by, [c for c in data.columns if c not in cols.values()], "the frame")
        labels_ = data[cols["phase"]].astype("string").str.strip().str.lower()
        if not labels_.isin(ALL_PHASES).all():
            shown = data.loc[~labels_.isin(ALL_PHASES).fillna(False), cols["phase"]].iloc[0]
            raise ValueError(f"phase column {cols['phase']!r} must hold 'pre', 'post' or 'delayed'; found {shown!r}")
        try:
            values = pd.to_numeric(data[cols["rating"]], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise ValueError(f"rating column {cols['rating']!r} must hold numbers 1-5") from None
        long = pd.DataFrame(
            {
                SUBJECT: data[cols["subject"]].to_numpy(),
                "phase": labels_.to_numpy(dtype=object),
                "competency_id": data[cols["competency"]].to_numpy(),
                "rating": values,
            }
        )
        people = pd.DataFrame({SUBJECT: data[cols["subject"]].to_numpy(), **{b: data[b].to_numpy() for b in by}})
        if by and (people.groupby(SUBJECT, sort=False, dropna=False).nunique(dropna=False) > 1).to_numpy().any():
            raise ValueError(
                "a by column changes between the rows of one subject; grouping columns must be "
                "the same in every row of a subject"
            )
        people = people.drop_duplicates(SUBJECT)
        labels = {}
    else:
        raise TypeError(f"data must be a tip_eval Study or a pandas DataFrame; got {type(data).__name__}")
    if long.duplicated([SUBJECT, "phase", "competency_id"]).any():
        raise ValueError("more than one rating for a subject, phase and competency; each must be unique")
    long = long[long["phase"].isin(PHASES)]  # a delayed rating is read by retention() only
    wide = long.pivot(index=[SUBJECT, "competency_id"], columns="phase", values="rating").reindex(columns=list(PHASES))
    wide.columns.name = None
    wide = wide.reset_index().merge(people, on=SUBJECT, how="inner", validate="many_to_one")
    return wide, labels


# --- knowledge_vs_confidence -------------------------------------------------------------------------


@memoised()
def knowledge_vs_confidence(
    data: object,
    by: By = None,
    confidence: float = 0.95,
    *,
    subject: str | None = None,
    knowledge_pre: str | None = None,
    knowledge_post: str | None = None,
    confidence_pre: str | None = None,
    confidence_post: str | None = None,
) -> pd.DataFrame:
    """Does confidence grow with knowledge? Correlation of the two changes, and over-confidence.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A Study, or a wide frame with one row per person and the four score columns named below.
    by : str or list of str, optional
        Grouping columns; ``None`` gives one overall row.
    confidence : float, default 0.95
        Level of the correlation intervals.
    subject, knowledge_pre, knowledge_post, confidence_pre, confidence_post : str, optional (keyword only)
        Column names of a plain frame (``subject`` defaults to ``participant_id``); the knowledge
        columns are test scores (percent of the maximum), the confidence columns mean ratings.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted by the keys), the ``by`` columns first, then:

        ``n``
            People with both knowledge scores and both confidence ratings.
        ``mean_knowledge_change``
            Mean of :math:`\\Delta K` = post - pre knowledge score (percentage points).
        ``mean_confidence_change``
            Mean of :math:`\\Delta C` = post - pre mean confidence rating (rating points, 1-5 scale).
        ``r_spearman``, ``p_spearman``
            Spearman's rank correlation of :math:`\\Delta K` and :math:`\\Delta C` (average ranks
            for ties) and its two-sided p-value from
            :math:`t = r\\sqrt{(n-2)/(1-r^2)}` on n - 2 df (as ``scipy.stats.spearmanr``).
        ``spearman_ci_low``, ``spearman_ci_high``
            Fisher-z interval with the Fieller, Hartley & Pearson (1957) standard error
            :math:`\\sqrt{1.06/(n-3)}`: :math:`\\tanh(\\operatorname{atanh} r \\pm z_{1-\\alpha/2} SE)`.
        ``r_pearson``, ``p_pearson``
            Pearson's correlation and its two-sided p-value (same t; ``scipy.stats.pearsonr``).
        ``pearson_ci_low``, ``pearson_ci_high``
            Fisher-z interval, :math:`SE = 1/\\sqrt{n-3}` (Fisher, 1921).
        ``confidence``
            Level of the intervals.
        ``n_knowledge_improved``
            People with :math:`\\Delta K > 0`.
        ``n_more_confident``
            People with :math:`\\Delta C > 0`.
        ``n_overconfident``, ``pct_overconfident``
            People (and percent of ``n``) who became **more confident without improving their
            knowledge**: :math:`\\Delta C > 0` and :math:`\\Delta K \\le 0`.

    Notes
    -----
    Definition of over-confidence: the plain, observable one above, so a reader can recount it.
    A stricter version that demands a *reliable* knowledge change (RCI, Jacobson & Truax 1991)
    was not used: with a 28-item test it needs a gain of about 18 percentage points, and would
    label most people who did learn as over-confident.

    Missing-data policy: only people with all four scores count (complete cases). Correlations
    need n >= 3 and some variation in both changes (else NaN); the intervals need n >= 4.
    With :math:`|r| = 1` the p-value is 0 and the interval collapses to r.
    All groups are computed at once (ranks within groups, grouped sums), without a loop.

    References
    ----------
    Fisher, R. A. (1921). On the probable error of a coefficient of correlation. Metron, 1, 3-32.
    Fieller, E. C., Hartley, H. O. & Pearson, E. S. (1957). Tests for rank correlation
    coefficients I. Biometrika, 44, 470-481. Kruger, J. & Dunning, D. (1999). Unskilled and
    unaware of it. J. Personality and Social Psychology, 77, 1121-1134.
    """
    level = _check_confidence(confidence)
    by_list = list(dict.fromkeys(as_by(by)))
    if is_study(data):
        if any(v is not None for v in (subject, knowledge_pre, knowledge_post, confidence_pre, confidence_post)):
            raise ValueError(
                "subject and the knowledge_/confidence_ column names are for a plain DataFrame; "
                "leave them out for a Study"
            )
        know = person_scores(data, by_list, "knowledge", with_reliability=False).frame
        conf = person_scores(data, [], "confidence", with_reliability=False).frame
        people = know.merge(conf, on=SUBJECT, how="left", suffixes=("_k", "_c"), validate="one_to_one")
        dk = people["post_k"] - people["pre_k"]
        dc = people["post_c"] - people["pre_c"]
    elif isinstance(data, pd.DataFrame):
        names = {
            "knowledge_pre": knowledge_pre,
            "knowledge_post": knowledge_post,
            "confidence_pre": confidence_pre,
            "confidence_post": confidence_post,
        }
        if any(v is None for v in names.values()):
            raise ValueError(
                "for a plain DataFrame name its four score columns: knowledge_pre=, knowledge_post=, "
                "confidence_pre=, confidence_post= (one row per subject)"
            )
        k = plain_person_frame(data, by_list, subject=subject, pre=knowledge_pre, post=knowledge_post)
        c = plain_person_frame(data, [], subject=subject, pre=confidence_pre, post=confidence_post)
        people = k
        dk = k["post"] - k["pre"]
        dc = c["post"] - c["pre"]
    else:
        raise TypeError(f"data must be a tip_eval Study or a pandas DataFrame; got {type(data).__name__}")

    frame = people[by_list].copy()
    frame["dk"] = dk.to_numpy(dtype=np.float64)
    frame["dc"] = dc.to_numpy(dtype=np.float64)
    if by_list:
        grouped = frame.groupby(by_list, sort=True, dropna=False, observed=True)
        codes = grouped.ngroup().to_numpy(dtype=np.int64)
        index = grouped.size().index
    else:
        codes = np.zeros(len(frame), dtype=np.int64)
        index = pd.RangeIndex(1)
    G = len(index)
    ok = frame["dk"].notna().to_numpy() & frame["dc"].notna().to_numpy()
    c_ok = codes[ok]
    x = frame["dk"].to_numpy()[ok]
    y = frame["dc"].to_numpy()[ok]
    n = np.bincount(c_ok, minlength=G).astype(np.float64)
    ranks = pd.DataFrame({"g": c_ok, "x": x, "y": y}).groupby("g")[["x", "y"]].rank(method="average")
    r_p, p_p = _grouped_corr(c_ok, x, y, n, G)
    r_s, p_s = _grouped_corr(c_ok, ranks["x"].to_numpy(), ranks["y"].to_numpy(), n, G)
    p_lo, p_hi = _fisher_ci(r_p, n, level, 1.0)
    s_lo, s_hi = _fisher_ci(r_s, n, level, 1.06)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_k = np.where(n > 0, np.bincount(c_ok, weights=x, minlength=G) / n, np.nan)
        mean_c = np.where(n > 0, np.bincount(c_ok, weights=y, minlength=G) / n, np.nan)
        n_k_up = np.bincount(c_ok, weights=x > 0, minlength=G)
        n_c_up = np.bincount(c_ok, weights=y > 0, minlength=G)
        n_over = np.bincount(c_ok, weights=(y > 0) & (x <= 0), minlength=G)
        pct_over = np.where(n > 0, 100.0 * n_over / n, np.nan)
    out = pd.DataFrame(
        {
            "n": n.astype(np.int64),
            "mean_knowledge_change": mean_k,
            "mean_confidence_change": mean_c,
            "r_spearman": r_s,
            "p_spearman": p_s,
            "spearman_ci_low": s_lo,
            "spearman_ci_high": s_hi,
            "r_pearson": r_p,
            "p_pearson": p_p,
            "pearson_ci_low": p_lo,
            "pearson_ci_high": p_hi,
            "confidence": level,
            "n_knowledge_improved": n_k_up.astype(np.int64),
            "n_more_confident": n_c_up.astype(np.int64),
            "n_overconfident": n_over.astype(np.int64),
            "pct_overconfident": pct_over,
        },
        index=index,
    )
    out = out.reset_index(drop=not by_list)
    return out[[*by_list, *KNOWLEDGE_CONFIDENCE_COLUMNS]]


def _grouped_corr(
    codes: np.ndarray, x: np.ndarray, y: np.ndarray, n: np.ndarray, G: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r per group (two-pass sums) and its two-sided t-test p-value."""
    from scipy import special

    with np.errstate(divide="ignore", invalid="ignore"):
        mx = np.bincount(codes, weights=x, minlength=G) / n
        my = np.bincount(codes, weights=y, minlength=G) / n
        dx = x - mx[codes]
        dy = y - my[codes]
        sxx = np.bincount(codes, weights=dx * dx, minlength=G)
        syy = np.bincount(codes, weights=dy * dy, minlength=G)
        sxy = np.bincount(codes, weights=dx * dy, minlength=G)
        r = sxy / np.sqrt(sxx * syy)
        r = np.clip(r, -1.0, 1.0)
        ok = (n >= 3) & (sxx > 0) & (syy > 0)
        r = np.where(ok, r, np.nan)
        df = n - 2.0
        t = r * np.sqrt(df / ((1.0 - r) * (1.0 + r)))
        p = np.where(np.abs(r) == 1.0, 0.0, 2.0 * special.stdtr(df, -np.abs(t)))
    return r, np.where(ok, p, np.nan)


def _fisher_ci(r: np.ndarray, n: np.ndarray, level: float, var_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Fisher-z interval ``tanh(atanh(r) -/+ z sqrt(var_factor / (n - 3)))``; NaN for n < 4."""
    from scipy import special

    z = special.ndtri(1.0 - (1.0 - level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(var_factor / (n - 3.0))
        zr = np.arctanh(r)
        low = np.tanh(zr - z * se)
        high = np.tanh(zr + z * se)
    usable = n >= 4
    return np.where(usable, low, np.nan), np.where(usable, high, np.nan)
