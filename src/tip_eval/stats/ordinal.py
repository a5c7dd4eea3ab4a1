"""Statistics for ordinal ratings and proportions.

Rank-biserial r, the proportional-odds model of ratings on phase (cluster-robust by person) and the
Wilson interval.
"""

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


#: fields of :func:`phase_odds_ratio`
ODDS_RATIO_FIELDS: tuple[str, ...] = ("n", "log_odds_ratio", "se", "odds_ratio", "or_ci_low", "or_ci_high", "p_value")


def phase_odds_ratio(pre: Any, post: Any, confidence: float = 0.95) -> dict[str, float]:
    """Proportional-odds (cumulative logit) model of ordinal ratings on phase, for paired ratings.

    Parameters
    ----------
    pre, post : array-like of float
        Ratings (e.g. Likert 1-5) before and after, paired by position; two Series must share
        their index. Pairs with a missing value are dropped.
    confidence : float, default 0.95
        Level of the odds ratio's interval.

    Returns
    -------
    dict
        :data:`ODDS_RATIO_FIELDS`: ``n`` (pairs used); ``log_odds_ratio`` :math:`\\hat\\beta` of the
        model :math:`\\operatorname{logit} P(Y \\le j) = \\theta_j - \\beta\\,\\text{post}` (one slope for
        every threshold: proportional odds; the categories are the ratings observed), fitted by
        maximum likelihood (:func:`cumulative_logit`); ``se``: its **cluster-robust**
        standard error with the person as cluster (the sandwich :math:`B^{-1} M B^{-1}` with
        :math:`M = \\sum_g s_g s_g'` over people and the small-sample factor :math:`G/(G-1)`, as R's
        ``sandwich::vcovCL`` default), since each person rates twice; ``odds_ratio``
        :math:`e^{\\hat\\beta}`: the odds of a rating above any given level after training, divided
        by the same odds before (> 1: ratings rose); ``or_ci_low``, ``or_ci_high``:
        :math:`e^{\\hat\\beta \\pm z_{1-a/2}\\,se}`; ``p_value``: two-sided Wald test of
        :math:`\\beta = 0`. All NaN with fewer than 3 pairs, a single rating value, or when the
        ratings of the two phases do not overlap at all (the estimate is then infinite).

    Notes
    -----
    This is the marginal (population-averaged) odds ratio: how the distribution of ratings in
    the group moved. A model with a random intercept per person (R ``ordinal::clmm``) estimates
    the larger, person-specific odds ratio; the marginal one is what the shares of the table
    describe, and needs no distributional assumption about people. Point estimate and
    model-based standard error equal R's ``ordinal::clm(rating ~ post)``; the cluster-robust
    standard error equals the sandwich computed from clm's scores (tested).

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. JRSS B, 42, 109-142. Agresti, A.
    (2010). Analysis of ordinal categorical data (2nd ed.), ch. 3 and 9. Liang, K.-Y. & Zeger,
    S. L. (1986). Longitudinal data analysis using generalized linear models. Biometrika, 73,
    13-22 (the robust sandwich).
    """
    confidence = check_confidence(confidence)
    check_series_alignment(pre, post, "pre", "post")
    x = as_float_array(pre, "pre")
    y = as_float_array(post, "post")
    check_same_length(x, y, "pre", "post")
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[both], y[both]
    n = int(x.size)
    out = dict.fromkeys(ODDS_RATIO_FIELDS, float("nan"))
    out["n"] = float(n)
    levels = np.unique(np.concatenate([x, y]))
    if n < 3 or levels.size < 2 or x.max() < y.min() or y.max() < x.min():
        return out
    ratings = np.concatenate([x, y])
    codes = np.searchsorted(levels, ratings)
    phase = np.concatenate([np.zeros(n), np.ones(n)])
    person = np.concatenate([np.arange(n), np.arange(n)])
    fit = cumulative_logit(codes, phase, levels.size)
    if fit is None:
        return out
    beta, scores, bread = fit
    meat_scores = np.zeros((n, scores.shape[1]))
    np.add.at(meat_scores, person, scores)
    cov = bread @ (meat_scores.T @ meat_scores) @ bread * (n / (n - 1.0))
    var = float(cov[-1, -1])
    if not (np.isfinite(beta) and np.isfinite(var) and abs(beta) < 20.0 and var > 0):
        return out
    se = float(np.sqrt(var))
    z = float(special.ndtri(0.5 + confidence / 2.0))
    out.update(
        log_odds_ratio=beta,
        se=se,
        odds_ratio=float(np.exp(beta)),
        or_ci_low=float(np.exp(beta - z * se)),
        or_ci_high=float(np.exp(beta + z * se)),
        p_value=float(2.0 * special.ndtr(-abs(beta) / se)),
    )
    return out


def cumulative_logit(
    codes: np.ndarray, x: np.ndarray, n_levels: int, tol: float = 1e-10, max_iter: int = 100
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Maximum likelihood of :math:`\\operatorname{logit} P(Y \\le j) = \\theta_j - \\beta x` (one covariate).

    Newton-Raphson with the analytic gradient and Hessian (step halving when the likelihood would
    fall), started at the pooled cumulative logits and :math:`\\beta = 0`. ``codes`` are the
    categories 0..n_levels-1. Returns ``(beta, scores, bread)``: the slope, each observation's
    score vector (thresholds then :math:`\\beta`) at the optimum, and the inverse of the observed
    information, or None when it does not converge. The same model and parametrisation as R's
    ``ordinal::clm(y ~ x)`` and statsmodels' ``OrderedModel(distr="logit")`` (tested against both;
    written out here because theirs take numerical derivatives, some 100 times slower).
    """
    k = n_levels - 1
    counts = np.bincount(codes, minlength=n_levels).astype(np.float64)
    cum = np.cumsum(counts)[:-1] / codes.size
    params = np.append(np.log(cum / (1.0 - cum)), 0.0)
    up_idx = np.minimum(codes, k - 1)
    lo_idx = np.maximum(codes - 1, 0)
    has_up = codes < k
    has_lo = codes > 0

    def parts(par: np.ndarray) -> tuple[np.ndarray, ...]:
        theta, beta = par[:k], par[k]
        eta_u = np.where(has_up, theta[up_idx] - beta * x, np.inf)
        eta_l = np.where(has_lo, theta[lo_idx] - beta * x, -np.inf)
        f_u_cdf, f_l_cdf = special.expit(eta_u), special.expit(eta_l)
        prob = f_u_cdf - f_l_cdf
        return eta_u, eta_l, f_u_cdf, f_l_cdf, prob

    def loglik(par: np.ndarray) -> float:
        prob = parts(par)[4]
        return float(np.sum(np.log(prob))) if np.all(prob > 0) else -np.inf

    for _ in range(max_iter):
        _, _, fu, fl, prob = parts(params)
        du, dl = fu * (1.0 - fu), fl * (1.0 - fl)  # logistic densities (0 at +-inf)
        d2u, d2l = du * (1.0 - 2.0 * fu), dl * (1.0 - 2.0 * fl)
        rows = np.arange(codes.size)
        dp = np.zeros((codes.size, k + 1))  # dP_i / d params
        dp[rows[has_up], up_idx[has_up]] += du[has_up]
        dp[rows[has_lo], lo_idx[has_lo]] -= dl[has_lo]
        dp[:, k] = -x * (du - dl)
        scores = dp / prob[:, None]
        hess = -scores.T @ scores
        w_u, w_l = d2u / prob, d2l / prob  # second derivatives of P, over P
        diag = np.zeros(k + 1)
        np.add.at(diag, up_idx[has_up], w_u[has_up])
        np.add.at(diag, lo_idx[has_lo], -w_l[has_lo])
        cross = np.zeros(k)
        np.add.at(cross, up_idx[has_up], -(x * w_u)[has_up])
        np.add.at(cross, lo_idx[has_lo], (x * w_l)[has_lo])
        hess[np.arange(k), np.arange(k)] += diag[:k]
        hess[:k, k] += cross
        hess[k, :k] += cross
        hess[k, k] += float(np.sum(x * x * (w_u - w_l)))
        try:
            step = np.linalg.solve(hess, scores.sum(axis=0))
        except np.linalg.LinAlgError:
            return None
        current = loglik(params)
        t = 1.0
        while t > 1e-8:
            trial = params - t * step
            if np.all(np.diff(trial[:k]) > 0) and loglik(trial) >= current - 1e-12:
                break
            t /= 2.0
        else:
            return None
        params = params - t * step
        if np.max(np.abs(t * step)) < tol:
            _, _, fu, fl, prob = parts(params)
            du, dl = fu * (1.0 - fu), fl * (1.0 - fl)
            dp = np.zeros((codes.size, k + 1))
            dp[rows[has_up], up_idx[has_up]] += du[has_up]
            dp[rows[has_lo], lo_idx[has_lo]] -= dl[has_lo]
            dp[:, k] = -x * (du - dl)
            try:
                bread = np.linalg.inv(-hess)
            except np.linalg.LinAlgError:
                return None
            return float(params[k]), dp / prob[:, None], bread
    return None
