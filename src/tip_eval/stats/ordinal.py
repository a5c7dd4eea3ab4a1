"""Statistics for ordinal ratings and proportions: rank-biserial r and the Wilson interval."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from ._checks import as_float_array, check_confidence, check_same_length, check_series_alignment
from .signed_rank import signed_rank_core


def rank_biserial_paired(pre: Any, post: Any) -> float:
    """Matched-pairs rank-biserial correlation of ``post`` against ``pre``.

    Parameters
    ----------
    pre, post : array-like of float
        Ratings (e.g. Likert 1-5) before and after, paired by position; two Series must share
        their index. Missing values allowed.

    Returns
    -------
    float
        :math:`r = (T^+ - T^-) / (T^+ + T^-)`, where the ranks are those of :math:`|D|`,
        :math:`D = post - pre`, with zero differences dropped and ties given their average rank;
        :math:`T^+` and :math:`T^-` are the rank sums of the positive and negative differences, so
        :math:`T^+ + T^- = n(n+1)/2` for the n non-zero differences. Ranges from -1 (everyone
        lower after) to +1 (everyone higher after). NaN when no non-zero difference is left.

    Notes
    -----
    Missing-data policy: pairs with a missing value are dropped. Zeros are dropped, as in the
    Wilcoxon test reported beside it (Wilcoxon's method); ties are judged as in
    :mod:`tip_eval.stats.signed_rank`.

    References
    ----------
    Kerby, D. S. (2014). The simple difference formula: an approach to teaching nonparametric
    correlation. Comprehensive Psychology, 3, 11.IT.3.1.
    """
    check_series_alignment(pre, post, "pre", "post")
    x = as_float_array(pre, "pre")
    y = as_float_array(post, "post")
    check_same_length(x, y, "pre", "post")
    both = ~np.isnan(x) & ~np.isnan(y)
    d = y[both] - x[both]
    res = signed_rank_core(np.zeros(d.size, dtype=np.int64), d, 1)
    return float(res.rank_biserial[0])


def wilson_interval(successes: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score confidence interval for a proportion, vectorised.

    Parameters
    ----------
    successes : array-like of float
        Number of successes (e.g. people agreeing), 0 <= successes <= n.
    n : array-like of float
        Number of trials (people answering). Broadcast against ``successes``.
    confidence : float
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
        Limits as proportions (0-1):
        :math:`\\dfrac{\\hat p + z^2/(2n) \\mp z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}`,
        with :math:`z = \\Phi^{-1}(1 - \\alpha/2)`. This is R's
        ``prop.test(x, n, correct = FALSE)$conf.int``. NaN where ``n`` is 0 or either input is
        missing. A 0-d input gives 0-d arrays.

    References
    ----------
    Wilson, E. B. (1927). JASA, 22, 209-212. Newcombe, R. G. (1998). Two-sided confidence
    intervals for the single proportion: comparison of seven methods. Statistics in Medicine, 17,
    857-872 (method 3).
    """
    confidence = check_confidence(confidence)
    x, m = np.broadcast_arrays(np.asarray(successes, dtype=np.float64), np.asarray(n, dtype=np.float64))
    known = ~np.isnan(x) & ~np.isnan(m)
    if np.any(known & ((m < 0) | (x < 0) | (x > m))):
        raise ValueError("`successes` must lie between 0 and `n` (and `n` must not be negative).")
    z = special.ndtri(1.0 - (1.0 - confidence) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / m
        denom = 1.0 + z**2 / m
        centre = (p + z**2 / (2.0 * m)) / denom
        half = z * np.sqrt(p * (1.0 - p) / m + z**2 / (4.0 * m**2)) / denom
        low = np.where(m > 0, np.maximum(0.0, centre - half), np.nan)
        high = np.where(m > 0, np.minimum(1.0, centre + half), np.nan)
    return low, high
