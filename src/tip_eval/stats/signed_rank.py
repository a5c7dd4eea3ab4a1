"""Wilcoxon signed-rank test and matched-pairs rank-biserial correlation, vectorised over groups.

The test follows R's ``wilcox.test(post, pre, paired = TRUE)`` defaults exactly, so results can be
checked against R (and against ``scipy.stats.wilcoxon`` called with the matching arguments):

- differences ``D = post - pre``; pairs with a missing value are dropped; zero differences are
  dropped before ranking (Wilcoxon's method, ``zero_method="wilcox"`` in scipy);
- ``|D|`` is ranked within each group, tied values get their average rank;
- the statistic is :math:`V = T^+`, the sum of the ranks of the positive differences;
- the **exact** null distribution is used when fewer than 50 non-zero differences remain and
  there are neither ties nor zeros (R's rule; scipy ``method="exact"``);
- otherwise the **normal approximation** with the tie correction of the variance and a continuity
  correction of 1/2 (R's ``correct = TRUE``; scipy ``method="asymptotic", correction=True``):
  :math:`z = (V - \\mu - \\tfrac12\\operatorname{sign}(V - \\mu)) / \\sigma`,
  :math:`\\mu = n(n+1)/4`, :math:`\\sigma^2 = n(n+1)(2n+1)/24 - \\sum_j (t_j^3 - t_j)/48`.

scipy's own default (``method="auto"``) differs: for n <= 13 with ties or zeros it runs a
permutation test, and it applies no continuity correction. R's rule is used here so that the
p-values match the software most evaluators check against, and because it vectorises.

Ties are judged with a relative tolerance of 1e-10 on ``|D|``, so that differences of percent
scores which are equal but for floating-point rounding (``100 - 66.67`` and ``33.33 - 0``) are
tied, as they are in the raw scores. Zero differences are exact zeros.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import special

from ._checks import as_float_array, check_same_length, check_series_alignment
from ._groups import check_columns, group_codes

#: below this many non-zero differences (and without ties or zeros) the exact distribution is used
EXACT_BELOW = 50
#: relative tolerance under which two absolute differences count as tied
TIE_RTOL = 1e-10

SIGNED_RANK_COLUMNS: tuple[str, ...] = (
    "n",
    "n_nonzero",
    "n_zero",
    "statistic_v",
    "method",
    "p_value",
    "rank_biserial",
)


class SignedRank(NamedTuple):
    """Per-group results of :func:`signed_rank_core` (arrays of length ``n_groups``)."""

    n_nonzero: np.ndarray
    n_zero: np.ndarray
    v: np.ndarray
    exact: np.ndarray
    p_value: np.ndarray
    rank_biserial: np.ndarray


@cache
def _exact_cdf_table() -> np.ndarray:
    """``table[n, k] = P(T+ <= k)`` under H0 for n = 0 .. EXACT_BELOW - 1 non-zero differences.

    Counts of subsets of {1..n} with sum k by the usual recursion; the counts stay below 2**49,
    so they and their cumulative sums are exact in float64.
    """
    n_max = EXACT_BELOW - 1
    k_max = n_max * (n_max + 1) // 2
    table = np.ones((n_max + 1, k_max + 1))
    counts = np.zeros(k_max + 1, dtype=np.int64)
    counts[0] = 1
    for n in range(1, n_max + 1):
        shifted = np.zeros_like(counts)
        shifted[n:] = counts[:-n]
        counts = counts + shifted
        table[n] = np.cumsum(counts) / 2.0**n
    return table


def signed_rank_core(codes: np.ndarray, d: np.ndarray, n_groups: int) -> SignedRank:
    """Wilcoxon signed-rank statistics for many groups at once.

    Parameters
    ----------
    codes : numpy.ndarray of int
        Group code (0 .. n_groups - 1) of each difference.
    d : numpy.ndarray of float
        Differences ``post - pre`` without missing values.
    n_groups : int
        Number of groups.

    Returns
    -------
    SignedRank
        ``n_nonzero``, ``n_zero``, ``v`` (:math:`T^+`), ``exact`` (bool: exact distribution used),
        ``p_value`` (two-sided) and ``rank_biserial`` (Kerby, 2014:
        :math:`r = (T^+ - T^-)/(T^+ + T^-)`), each an array with one value per group. Groups with
        no non-zero difference get NaN for ``v``, ``p_value`` and ``rank_biserial``.
    """
    codes = np.asarray(codes, dtype=np.int64)
    d = np.asarray(d, dtype=np.float64)
    nonzero = d != 0
    n_zero = np.bincount(codes[~nonzero], minlength=n_groups).astype(np.float64)
    g = codes[nonzero]
    dd = d[nonzero]
    absd = np.abs(dd)
    order = np.lexsort((absd, g))
    g = g[order]
    absd = absd[order]
    positive = dd[order] > 0
    counts = np.bincount(g, minlength=n_groups)
    n = counts.astype(np.float64)
    v: np.ndarray = np.zeros(n_groups)
    tie_term: np.ndarray = np.zeros(n_groups)
    if g.size:
        start = np.cumsum(counts) - counts
        within = np.arange(g.size) - start[g]  # 0-based position inside the group
        new_run = np.ones(g.size, dtype=bool)
        new_run[1:] = (g[1:] != g[:-1]) | ((absd[1:] - absd[:-1]) > TIE_RTOL * absd[1:])
        run_id = np.cumsum(new_run) - 1
        run_len = np.bincount(run_id).astype(np.float64)
        mean_rank = within[new_run] + (run_len + 1.0) / 2.0
        ranks = mean_rank[run_id]
        v = np.bincount(g, weights=ranks * positive, minlength=n_groups)
        tie_term = np.bincount(g[new_run], weights=run_len**3 - run_len, minlength=n_groups)
    has_ties = tie_term > 0
    total = n * (n + 1.0) / 2.0
    exact = (n > 0) & (n < EXACT_BELOW) & ~has_ties & (n_zero == 0)
    p = np.full(n_groups, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        # normal approximation with tie and continuity corrections (R's wilcox.test)
        mu = total / 2.0
        sigma = np.sqrt(n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - tie_term / 48.0)
        dev = v - mu
        z = (dev - 0.5 * np.sign(dev)) / sigma
        approx = (n > 0) & ~exact
        p[approx] = np.minimum(1.0, 2.0 * special.ndtr(-np.abs(z[approx])))
        if exact.any():
            table = _exact_cdf_table()
            nn = n[exact].astype(np.int64)
            vv = np.rint(v[exact]).astype(np.int64)
            k = np.minimum(vv, nn * (nn + 1) // 2 - vv)
            p[exact] = np.minimum(1.0, 2.0 * table[nn, k])
        r = np.where(n > 0, (2.0 * v - total) / total, np.nan)
    v = np.where(n > 0, v, np.nan)
    return SignedRank(n, n_zero, v, exact, p, r)


def signed_rank_test(pre: Any, post: Any) -> pd.Series:
    """Wilcoxon signed-rank test of ``post`` against ``pre`` (paired), with the rank-biserial r.

    Parameters
    ----------
    pre, post : array-like of float
        Scores before and after, paired by position (match them by participant id first). Two
        Series must share their index. Missing values allowed.

    Returns
    -------
    pandas.Series
        ``n`` (pairs with both values), ``n_nonzero`` (pairs with a non-zero difference, the n of
        the test), ``n_zero``, ``statistic_v`` (:math:`T^+` of ``post - pre``, R's V),
        ``method`` (``"exact"`` or ``"normal"``), ``p_value`` (two-sided) and ``rank_biserial``
        (matched-pairs rank-biserial correlation, Kerby 2014; positive when post is higher).

    Notes
    -----
    See the module docstring for the exact rules (R's ``wilcox.test`` defaults: zeros dropped,
    exact below 50 non-zero differences without ties or zeros, otherwise normal approximation
    with tie and continuity corrections). Missing-data policy: pairs with a missing value are
    dropped. With no non-zero difference the statistic, p-value and r are NaN.

    References
    ----------
    Wilcoxon, F. (1945). Biometrics Bulletin, 1, 80-83. Kerby, D. S. (2014). The simple difference
    formula. Comprehensive Psychology, 3, 11.IT.3.1. R Core Team, ``stats::wilcox.test``.
    """
    check_series_alignment(pre, post, "pre", "post")
    x = as_float_array(pre, "pre")
    y = as_float_array(post, "post")
    check_same_length(x, y, "pre", "post")
    both = ~np.isnan(x) & ~np.isnan(y)
    d = y[both] - x[both]
    res = signed_rank_core(np.zeros(d.size, dtype=np.int64), d, 1)
    return pd.Series(
        {
            "n": int(both.sum()),
            "n_nonzero": int(res.n_nonzero[0]),
            "n_zero": int(res.n_zero[0]),
            "statistic_v": float(res.v[0]),
            "method": ("exact" if res.exact[0] else "normal") if res.n_nonzero[0] > 0 else None,
            "p_value": float(res.p_value[0]),
            "rank_biserial": float(res.rank_biserial[0]),
        },
        dtype=object,
    )


def signed_rank_grouped(frame: pd.DataFrame, by: Any, pre: str = "pre", post: str = "post") -> pd.DataFrame:
    """Wilcoxon signed-rank test and rank-biserial r for every group at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per person (per item, competency, ...), pre and post side by side.
    by : column name, list of column names, or None
        Grouping columns; ``None`` gives one overall row.
    pre, post : str
        Names of the score columns.

    Returns
    -------
    pandas.DataFrame
        One row per group, indexed by the group keys (see :func:`paired_gain_grouped` for the
        index layout), with the columns of :func:`signed_rank_test`: ``n, n_nonzero, n_zero,
        statistic_v, method, p_value, rank_biserial``. No Python loop over groups.
    """
    check_columns(frame, [pre, post], "pre/post")
    codes, index = group_codes(frame, by)
    x = as_float_array(frame[pre], "pre")
    y = as_float_array(frame[post], "post")
    both = ~np.isnan(x) & ~np.isnan(y)
    n_groups = len(index)
    res = signed_rank_core(codes[both], y[both] - x[both], n_groups)
    method = np.where(res.exact, "exact", "normal").astype(object)
    method[res.n_nonzero == 0] = None
    out = pd.DataFrame(
        {
            "n": np.bincount(codes[both], minlength=n_groups),
            "n_nonzero": res.n_nonzero.astype(np.int64),
            "n_zero": res.n_zero.astype(np.int64),
            "statistic_v": res.v,
            "method": method,
            "p_value": res.p_value,
            "rank_biserial": res.rank_biserial,
        },
        index=index,
    )
    return out
