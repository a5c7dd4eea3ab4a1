"""Pre/post learning gains: the paired t-test, Wilcoxon, effect sizes and normalised gains.

:func:`paired_gain` describes one set of pairs; :func:`paired_gain_grouped` computes the same
columns for every group of a table at once (vectorised: no Python loop over groups), and both go
through the same code, so a group's row equals :func:`paired_gain` on that group's pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ._checks import as_float_array, check_confidence, check_same_length, check_series_alignment
from ._groups import check_columns, group_codes
from .effects import dz_confidence_interval, hedges_correction
from .multitest import P_ADJUST_METHODS, p_adjust as _p_adjust
from .reliability import RCI_THRESHOLD, _reliability_value
from .signed_rank import TIE_RTOL, signed_rank_core

#: the result columns of :func:`paired_gain` and :func:`paired_gain_grouped`, in order
GAIN_COLUMNS: tuple[str, ...] = (
    "n_pre",
    "n_post",
    "n",
    "pre_mean",
    "pre_sd",
    "post_mean",
    "post_sd",
    "pre_mean_matched",
    "post_mean_matched",
    "mean_gain",
    "sd_gain",
    "ci_low",
    "ci_high",
    "confidence",
    "t",
    "df",
    "p_value",
    "p_wilcoxon",
    "p_adjusted",
    "cohens_dz",
    "hedges_gz",
    "dz_ci_low",
    "dz_ci_high",
    "d_av",
    "normalized_gain",
    "mean_normalized_change",
    "pct_improved",
    "pct_reliable_improved",
    "pct_reliable_declined",
)

_COUNT_COLUMNS = ("n_pre", "n_post", "n")

_COLUMNS_DOC = """
    ``n_pre``, ``n_post``
        Non-missing pre scores and non-missing post scores (matched or not).
    ``n``
        Matched pairs: both scores present. Everything from ``mean_gain`` on uses these pairs.
    ``pre_mean``, ``pre_sd``, ``post_mean``, ``post_sd``
        Mean and standard deviation (``ddof=1``) of **all available** pre (post) scores, matched
        or not, so that people who missed one test still describe the group at the other. The
        gain columns use matched pairs only; ``mean_gain`` is therefore not always
        ``post_mean - pre_mean``.
    ``pre_mean_matched``, ``post_mean_matched``
        Mean pre and post score of the matched pairs only (the people behind ``mean_gain``), so
        that ``post_mean_matched - pre_mean_matched == mean_gain`` (up to floating-point
        rounding). Report these next to the gain.
    ``mean_gain``, ``sd_gain``
        Mean and standard deviation (``ddof=1``) of :math:`D = post - pre` over matched pairs.
    ``ci_low``, ``ci_high``, ``confidence``
        :math:`\\bar D \\pm t_{1-\\alpha/2,\\,n-1}\\, s_D/\\sqrt n` at the level ``confidence``
        (the level is a column, never part of a name).
    ``t``, ``df``, ``p_value``
        Two-sided paired t-test: :math:`t = \\bar D / (s_D/\\sqrt n)`, ``df = n - 1``,
        :math:`p = 2\\,P(T_{df} > |t|)` (``scipy.stats.ttest_rel``, R ``t.test(paired = TRUE)``).
    ``p_wilcoxon``
        Two-sided Wilcoxon signed-rank test on D with R's ``wilcox.test`` defaults: zero
        differences dropped before ranking (Wilcoxon's method), average ranks for ties, the exact
        distribution when fewer than 50 non-zero differences remain and there are no ties or
        zeros, otherwise the normal approximation with tie correction and continuity correction
        (scipy: ``wilcoxon(d, zero_method="wilcox", correction=True, method="exact"`` or
        ``"asymptotic")``). See :mod:`tip_eval.stats.signed_rank`.
    ``p_adjusted``
        ``p_value`` adjusted across the rows of a table (:func:`paired_gain_grouped`); NaN from
        :func:`paired_gain`, which has no family of tests.
    ``cohens_dz``, ``hedges_gz``
        :math:`d_z = \\bar D / s_D`; :math:`g_z = J d_z` with Hedges' exact :math:`J = \\Gamma(m/2)/(\\sqrt{m/2}\\,\\Gamma((m-1)/2))`, :math:`m = n - 1`
        (df = n - 1), NaN for n < 3 where J is undefined (Hedges, 1981; Lakens, 2013).
    ``dz_ci_low``, ``dz_ci_high``
        Interval for :math:`d_z` from the noncentral t: the interval for the noncentrality
        :math:`\\lambda` of :math:`t = d_z\\sqrt n` (df = n - 1), divided by :math:`\\sqrt n`
        (Steiger & Fouladi, 1997; MBESS ``ci.sm``, MOTE ``d.dep.t.diff``).
    ``d_av``
        :math:`\\bar D / ((s_{pre} + s_{post})/2)`, the standard deviations of the **matched**
        pre and post scores (Lakens, 2013; Cumming, 2012), NaN when both sds are 0. Other
        packages call other formulas d_av (e.g. the root mean square of the two sds): this is
        the plain average.
    ``normalized_gain``
        Hake's (1998) class-average normalised gain on matched pairs:
        :math:`\\langle g\\rangle = (\\overline{post} - \\overline{pre}) / (\\overline{max} - \\overline{pre})`,
        with :math:`\\overline{max}` the mean maximum score of the pairs (the maximum itself when
        it is a scalar). NaN without ``max_score`` or when the pre mean is at (or above) the maximum.
    ``mean_normalized_change``
        Marx & Cummings (2007): the mean over people of :math:`c = (post - pre)/(max - pre)` if
        post > pre, :math:`(post - pre)/pre` if post < pre, and 0 if equal; people with
        pre = post = max or pre = post = 0 are left out, and so are impossible cases (a score
        above the maximum). NaN without ``max_score`` or when nobody is left.
    ``pct_improved``
        :math:`100 \\times` share of matched pairs with D > 0.
    ``pct_reliable_improved``, ``pct_reliable_declined``
        :math:`100 \\times` share of matched pairs with RCI > 1.96 (< -1.96), where
        :math:`RCI = D / (\\sqrt2\\, s_{pre}\\sqrt{1 - r_{xx}})` (Jacobson & Truax, 1991); see
        :func:`tip_eval.stats.reliable_change`. :math:`s_{pre}` is ``sd_pre`` when given, else the
        group's ``pre_sd``. NaN when ``reliability`` is None or outside [0, 1).
"""

_EDGE_DOC = """
    Missing-data policy: pre and post are paired by position; a missing score (NaN/None/pd.NA)
    removes that person from the matched pairs but not from ``n_pre``/``n_post`` and the pre/post
    descriptives. Undefined statistics are NaN, never an error or a warning:

    - ``n = 0``: every matched-pair statistic is NaN (``pct_*`` too).
    - ``n = 1``: ``mean_gain``, the normalised gains and ``pct_*`` are given; the sds, the
      interval, t, p and the effect sizes are NaN.
    - ``n = 2``: everything except ``hedges_gz`` (J needs n >= 3).
    - :math:`s_D = 0` (everyone gained exactly the same, e.g. everyone at the maximum twice;
      differences equal to a relative 1e-10 count as equal, so percent scores that differ only
      by floating-point rounding do not produce a spurious, enormous t):
      the interval, t, p_value, p_adjusted, d_z, g_z and its interval are NaN, because the
      t-test is not defined without variation in the differences (R's ``t.test`` stops with
      "data are essentially constant"). ``mean_gain``, ``sd_gain = 0`` and the shares are still
      given, and so are, where defined, ``d_av`` (needs spread in the scores), the normalised
      gains and the Wilcoxon p-value (needs a non-zero difference; tied differences use the
      normal approximation). Everyone at the maximum twice leaves only the counts, the means,
      ``mean_gain = 0``, ``sd_gain = 0`` and ``pct_improved = 0``.
"""

_REFERENCES_DOC = """
    Hake, R. R. (1998). Interactive-engagement versus traditional methods. Am. J. Phys., 66, 64-74.
    Marx, J. D. & Cummings, K. (2007). Normalized change. Am. J. Phys., 75, 87-91.
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative science.
    Frontiers in Psychology, 4, 863. Jacobson, N. S. & Truax, P. (1991). J. Consulting and
    Clinical Psychology, 59, 12-19. Steiger, J. H. & Fouladi, R. T. (1997). Noncentrality interval
    estimation and the evaluation of statistical models. Hedges, L. V. (1981). Journal of
    Educational Statistics, 6, 107-128. Cumming, G. (2012). Understanding the new statistics.
    Wilcoxon, F. (1945). Biometrics Bulletin, 1, 80-83.
"""


def paired_gain(
    pre: Any,
    post: Any,
    max_score: Any = None,
    reliability: float | None = None,
    confidence: float = 0.95,
    *,
    sd_pre: float | None = None,
) -> pd.Series:
    """Learning gain of one group from paired pre and post scores.

    Parameters
    ----------
    pre, post : array-like of float
        Scores before and after training, **paired by position**: element i of ``pre`` and of
        ``post`` belong to the same person (match them on participant_id first). Two pandas
        Series must have the same index, otherwise a ``ValueError`` asks to align them.
        Missing values (NaN, None, pd.NA) are allowed.
    max_score : float or array-like, optional
        Maximum possible score, a scalar or one value per person (aligned like ``pre``); needed
        for ``normalized_gain`` and ``mean_normalized_change``. Use 100 for percent scores.
    reliability : float, optional
        Test reliability :math:`r_{xx}` (KR-20/alpha) for the reliable change percentages.
    confidence : float
        Level of the intervals, strictly between 0 and 1 (default 0.95).
    sd_pre : float, optional (keyword only)
        Standard deviation of pre scores for the RCI; defaults to ``pre_sd``.

    Returns
    -------
    pandas.Series (float64)
        Indexed by :data:`GAIN_COLUMNS` (counts are stored as floats):
    {columns}

    Notes
    -----
    {edge}

    References
    ----------
    {references}

    Examples
    --------
    R's sleep data, ``t.test(extra ~ group, data = sleep, paired = TRUE)`` with group 2 as post:

    >>> g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> res = paired_gain(g1, g2)
    >>> [round(float(res[c]), 6) for c in ("mean_gain", "t", "df", "p_value")]
    [1.58, 4.062128, 9.0, 0.002833]
    """
    check_series_alignment(pre, post, "pre", "post")
    x = _scores(pre, "pre")
    y = _scores(post, "post")
    check_same_length(x, y, "pre", "post")
    m = None
    if max_score is not None:
        if np.ndim(max_score) == 0:
            m = np.full(x.shape, _scalar_max(max_score))
        else:
            check_series_alignment(pre, max_score, "pre", "max_score")
            m = _max_values(as_float_array(max_score, "max_score"))
            check_same_length(x, m, "pre", "max_score")
    table = _gain_table(np.zeros(x.size, dtype=np.int64), 1, x, y, m, reliability, sd_pre, confidence)
    return pd.Series({c: float(table[c][0]) for c in GAIN_COLUMNS}, dtype=np.float64)


def paired_gain_grouped(
    frame: pd.DataFrame,
    by: Any,
    pre: str = "pre",
    post: str = "post",
    max_score: Any = None,
    reliability: float | None = None,
    confidence: float = 0.95,
    *,
    p_adjust: str = "holm",
    sd_pre: float | None = None,
) -> pd.DataFrame:
    """Learning gains for every group of a table at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per person (matched on participant_id by the caller), with the pre and post
        scores side by side; missing scores allowed.
    by : column name, list of column names, or None
        Grouping columns; ``None`` (or ``[]``) gives one overall row.
    pre, post : str
        Names of the score columns (default ``"pre"``, ``"post"``).
    max_score : float or str, optional
        Maximum possible score: a number for everyone, or the name of a column with one
        maximum per row.
    reliability : float, optional
        Test reliability for the reliable change percentages.
    confidence : float
        Level of the intervals (default 0.95).
    p_adjust : str (keyword only)
        Method to adjust ``p_value`` across the rows into ``p_adjusted``: ``"holm"`` (default),
        ``"bonferroni"``, ``"hochberg"``, ``"BH"``/``"fdr_bh"``, ``"BY"``/``"fdr_by"``, ``"none"``
        (see :func:`tip_eval.stats.p_adjust`). Rows with a NaN p-value are not counted.
    sd_pre : float, optional (keyword only)
        One pre-test standard deviation used for the RCI in every group (e.g. the study-wide
        one); by default each group's own ``pre_sd``.

    Returns
    -------
    pandas.DataFrame
        One row per group, columns :data:`GAIN_COLUMNS` (``n_pre``, ``n_post``, ``n`` are
        int64, the rest float64). The index holds the group keys, sorted: an ``Index`` named
        after the column for one key, a ``MultiIndex`` for several; rows whose key is missing
        form their own group (last); unused categories are left out. With ``by=None`` the index
        is ``RangeIndex(1)``. Use ``.reset_index()`` to get the keys as columns.

        The columns are those of :func:`paired_gain`:
    {columns}

    Notes
    -----
    Computed without a Python loop over groups: group sums and sums of squared deviations by
    :func:`numpy.bincount` (two passes, so no cancellation), t quantiles and tail probabilities
    by vectorised ``scipy.special`` calls, the :math:`d_z` interval by a vectorised root search
    on ``scipy.stats.nct.cdf``, and the Wilcoxon test by ranking within groups after one sort
    (exact p-values from a precomputed table of the signed-rank distribution for n < 50).
    ``p_adjusted`` is the only column that depends on the other rows.
    {edge}

    References
    ----------
    {references}
    """
    check_confidence(confidence)
    if not isinstance(p_adjust, str) or p_adjust not in P_ADJUST_METHODS:
        options = ", ".join(repr(m) for m in P_ADJUST_METHODS)
        raise ValueError(f"`p_adjust` must be one of {options}; got {p_adjust!r}.")
    check_columns(frame, [pre, post], "pre/post")
    codes, index = group_codes(frame, by)
    x = _scores(frame[pre], "pre")
    y = _scores(frame[post], "post")
    m = None
    if max_score is not None:
        if isinstance(max_score, str) or (np.ndim(max_score) == 0 and max_score in frame.columns):
            check_columns(frame, [max_score], "max_score")
            m = _max_values(as_float_array(frame[max_score], "max_score"))
        else:
            m = np.full(x.shape, _scalar_max(max_score))
    table = _gain_table(codes, len(index), x, y, m, reliability, sd_pre, confidence)
    table["p_adjusted"] = _p_adjust(table["p_value"], p_adjust)
    out = pd.DataFrame({c: table[c] for c in GAIN_COLUMNS}, index=index)
    return out.astype({c: np.int64 for c in _COUNT_COLUMNS})


def _fill_doc(doc: str | None) -> str | None:
    """Insert the shared column, edge-case and reference texts into a docstring."""
    if doc is None:  # python -OO
        return None
    return doc.replace("{columns}", _COLUMNS_DOC).replace("{edge}", _EDGE_DOC).replace("{references}", _REFERENCES_DOC)


paired_gain.__doc__ = _fill_doc(paired_gain.__doc__)
paired_gain_grouped.__doc__ = _fill_doc(paired_gain_grouped.__doc__)


def _scores(values: Any, name: str) -> np.ndarray:
    x = as_float_array(values, name)
    if np.isinf(x).any():
        raise ValueError(f"`{name}` must hold finite scores; it contains infinite values.")
    return x


def _scalar_max(value: Any) -> float:
    try:
        m = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"`max_score` must be a positive number or the name of a column; got {value!r}.") from None
    if not (np.isfinite(m) and m > 0):
        raise ValueError(f"`max_score` must be a positive number; got {value!r}.")
    return m


def _max_values(m: np.ndarray) -> np.ndarray:
    if np.any(~np.isnan(m) & ~(m > 0)) or np.isinf(m).any():
        raise ValueError("`max_score` values must be positive finite numbers (NaN for unknown).")
    return m


def _group_mean_sd(
    codes: np.ndarray, values: np.ndarray, n_groups: int, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group mean and sd (ddof=1) by two passes of bincount: NaN where undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, weights=values, minlength=n_groups) / counts
        dev = values - mean[codes]
        ss = np.bincount(codes, weights=dev * dev, minlength=n_groups)
        sd = np.sqrt(ss / (counts - 1.0))
    mean = np.where(counts > 0, mean, np.nan)
    sd = np.where(counts > 1, sd, np.nan)
    return mean, sd


def _gain_table(
    codes: np.ndarray,
    n_groups: int,
    x: np.ndarray,
    y: np.ndarray,
    m: np.ndarray | None,
    reliability: Any,
    sd_pre: Any,
    confidence: Any,
) -> dict[str, np.ndarray]:
    """All gain columns for all groups: the one implementation behind both public functions."""
    confidence = check_confidence(confidence)
    r = _reliability_value(reliability)
    G = n_groups
    nan = np.full(G, np.nan)
    has_pre = ~np.isnan(x)
    has_post = ~np.isnan(y)
    both = has_pre & has_post

    n_pre = np.bincount(codes[has_pre], minlength=G).astype(np.float64)
    n_post = np.bincount(codes[has_post], minlength=G).astype(np.float64)
    pre_mean, pre_sd = _group_mean_sd(codes[has_pre], x[has_pre], G, n_pre)
    post_mean, post_sd = _group_mean_sd(codes[has_post], y[has_post], G, n_post)

    cb = codes[both]
    xb = x[both]
    yb = y[both]
    d = yb - xb
    n = np.bincount(cb, minlength=G).astype(np.float64)
    mean_d, sd_d = _group_mean_sd(cb, d, G, n)
    # groups whose differences are all equal (up to floating-point rounding, e.g. percent scores
    # 100 - 66.67 and 33.33 - 0): sd is exactly 0, so rounding cannot turn "no variation" into
    # a huge t
    d_min = np.full(G, np.inf)
    d_max = np.full(G, -np.inf)
    np.minimum.at(d_min, cb, d)
    np.maximum.at(d_max, cb, d)
    with np.errstate(invalid="ignore"):
        spread_tol = TIE_RTOL * np.maximum(np.abs(d_min), np.abs(d_max))
        constant = (n > 0) & (d_max - d_min <= spread_tol)
    mean_d = np.where((n > 0) & (d_min == d_max), d_min, mean_d)
    sd_d = np.where(constant & (n > 1), 0.0, sd_d)

    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(n >= 2, n - 1.0, np.nan)
        inferable = (n >= 2) & (sd_d > 0)
        se = sd_d / np.sqrt(n)
        t_crit = special.stdtrit(df, 1.0 - (1.0 - confidence) / 2.0)
        ci_low = np.where(inferable, mean_d - t_crit * se, np.nan)
        ci_high = np.where(inferable, mean_d + t_crit * se, np.nan)
        t = np.where(inferable, mean_d / se, np.nan)
        p_value = np.where(inferable, 2.0 * special.stdtr(df, -np.abs(t)), np.nan)
        dz = np.where(inferable, mean_d / sd_d, np.nan)
    gz = hedges_correction(df) * dz
    dz_low, dz_high = dz_confidence_interval(dz, n, confidence)

    # the matched pairs' own means (post - pre = mean gain) and d_av on matched pairs
    pre_mean_matched, sd_pre_matched = _group_mean_sd(cb, xb, G, n)
    post_mean_matched, sd_post_matched = _group_mean_sd(cb, yb, G, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        av = (sd_pre_matched + sd_post_matched) / 2.0
        d_av = np.where(av > 0, mean_d / av, np.nan)

    # normalised gains (need a maximum)
    if m is None:
        hake = nan.copy()
        c_mean = nan.copy()
    else:
        hake, c_mean = _normalised_gains(codes, G, x, y, m, both)

    # shares of people improving, reliably improving, reliably declining
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_improved = np.where(n > 0, 100.0 * np.bincount(cb, weights=d > 0, minlength=G) / n, np.nan)
        s_pre = pre_sd if sd_pre is None else np.full(G, float(sd_pre))
        s_diff = np.sqrt(2.0) * s_pre * np.sqrt(1.0 - r) if 0.0 <= r < 1.0 else nan.copy()
        usable = (n > 0) & (s_diff > 0)
        rci = d / s_diff[cb]
        up = np.bincount(cb, weights=rci > RCI_THRESHOLD, minlength=G)
        down = np.bincount(cb, weights=rci < -RCI_THRESHOLD, minlength=G)
        pct_rel_up = np.where(usable, 100.0 * up / n, np.nan)
        pct_rel_down = np.where(usable, 100.0 * down / n, np.nan)

    wilcoxon = signed_rank_core(cb, d, G)

    return {
        "n_pre": n_pre,
        "n_post": n_post,
        "n": n,
        "pre_mean": pre_mean,
        "pre_sd": pre_sd,
        "post_mean": post_mean,
        "post_sd": post_sd,
        "pre_mean_matched": pre_mean_matched,
        "post_mean_matched": post_mean_matched,
        "mean_gain": mean_d,
        "sd_gain": sd_d,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "confidence": np.full(G, confidence),
        "t": t,
        "df": df,
        "p_value": p_value,
        "p_wilcoxon": wilcoxon.p_value,
        "p_adjusted": nan.copy(),
        "cohens_dz": dz,
        "hedges_gz": gz,
        "dz_ci_low": dz_low,
        "dz_ci_high": dz_high,
        "d_av": d_av,
        "normalized_gain": hake,
        "mean_normalized_change": c_mean,
        "pct_improved": pct_improved,
        "pct_reliable_improved": pct_rel_up,
        "pct_reliable_declined": pct_rel_down,
    }


def _normalised_gains(
    codes: np.ndarray, G: int, x: np.ndarray, y: np.ndarray, m: np.ndarray, both: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hake's class-average g and Marx & Cummings' mean c, per group."""
    known = both & ~np.isnan(m)
    ck = codes[known]
    xk, yk, mk = x[known], y[known], m[known]
    nk = np.bincount(ck, minlength=G).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_pre = np.bincount(ck, weights=xk, minlength=G) / nk
        mean_post = np.bincount(ck, weights=yk, minlength=G) / nk
        mean_max = np.bincount(ck, weights=mk, minlength=G) / nk
        room = mean_max - mean_pre
        hake = np.where((nk > 0) & (room > 0), (mean_post - mean_pre) / room, np.nan)

        c = np.where(yk > xk, (yk - xk) / (mk - xk), np.where(yk < xk, (yk - xk) / xk, 0.0))
        dropped = (xk == yk) & ((xk == mk) | (xk == 0))
        keep = ~dropped & np.isfinite(c) & (yk <= mk) & (xk <= mk)
        n_c = np.bincount(ck[keep], minlength=G).astype(np.float64)
        c_mean = np.bincount(ck[keep], weights=c[keep], minlength=G) / n_c
    c_mean = np.where(n_c > 0, c_mean, np.nan)
    return hake, c_mean
