"""FAB intervals: exact coverage for every group, narrower where the other groups say what to expect.

A shrunken (empirical Bayes) interval covers the true group means 95% of the time *on average over
the groups*, but not for each group: a group far from the others is pulled toward them and its
interval misses its true mean far more often than 5% (Hoff 2022). The FAB ("frequentist, assisted
by Bayes") interval of Yu & Hoff (2018) keeps the **exact** 1 - alpha coverage for every group,
whatever its true mean, and uses what the *other* groups suggest (a normal prior estimated from
them alone) to make the interval shorter where that suggestion is right. It is the interval of
smallest prior-expected width among all intervals with exact coverage.

References
----------
Yu, C. & Hoff, P. D. (2018). Adaptive multigroup confidence intervals with constant coverage.
*Biometrika*, 105(2), 319-335. Pratt, J. W. (1963). Shorter confidence intervals for the mean of a
normal distribution with known variance. *Annals of Mathematical Statistics*, 34, 574-586.
Hoff, P. (2022). Coverage properties of empirical Bayes intervals: a discussion of "Confidence
intervals for nonparametric empirical Bayes analysis" by Ignatiadis and Wager. *JASA*, 117,
1186-1190. The reference implementation is Hoff's R package ``fabCI`` (``fabzCI``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_confidence

__all__ = ["EXACT_LOO_GROUPS", "fab_interval", "fab_intervals", "loo_prior", "reml_between_variance"]

#: up to this many groups the prior's variance is re-estimated without each group in turn; beyond,
#: one estimate from all groups is used (a group's influence on it is then about 1/k) and only the
#: prior mean leaves the group out
EXACT_LOO_GROUPS = 60

_LIMIT = 700.0  # logit of the spending function: expit(+-700) is still a positive double


def fab_interval(
    y: float, se: float, prior_mean: float, prior_var: float, confidence: float = 0.95, df: float = np.inf
) -> tuple[float, float]:
    """The FAB interval for a mean :math:`\\theta` from one estimate and a prior not based on it.

    Parameters
    ----------
    y : float
        The estimate, :math:`y \\sim N(\\theta, se^2)` (with ``df``: :math:`(y - \\theta)/se \\sim
        t_{df}`, ``se`` estimated independently of ``y``).
    se : float
        Its standard error (> 0).
    prior_mean, prior_var : float
        The prior :math:`\\theta \\sim N(\\mu, \\tau^2)` that the interval is tuned to (e.g.
        estimated from other groups). ``prior_var = inf`` gives the usual symmetric interval;
        ``prior_var = 0`` the limit of a prior sure of :math:`\\mu`.
    confidence : float
        Coverage :math:`1 - \\alpha`.
    df : float
        Degrees of freedom of ``se`` (``inf``: known).

    Returns
    -------
    (low, high) : tuple of float
        :math:`C(y) = \\{\\theta : \\theta + se\\,q(\\alpha w(\\theta)) < y < \\theta + se\\,q(1 -
        \\alpha(1 - w(\\theta)))\\}`, with :math:`q` the normal (t) quantile function and the
        Bayes-optimal spending function :math:`w(\\theta) = g^{-1}(2\\,se(\\theta - \\mu)/\\tau^2)`,
        :math:`g(w) = q(\\alpha w) - q(\\alpha(1 - w))` (Yu & Hoff 2018, sec. 2). For every
        :math:`\\theta` the acceptance region has probability exactly :math:`1 - \\alpha`, so the
        interval covers :math:`\\theta` with probability :math:`1-\\alpha`, whatever :math:`\\theta`
        is and whatever the prior; the prior only moves where the interval is short. For
        :math:`y` near :math:`\\mu` it is shorter than :math:`y \\pm q_{1-\\alpha/2} se`; for
        :math:`y` far from :math:`\\mu` it is asymmetric, longer on the side of :math:`\\mu`.
        With :math:`\\tau^2 = 0` (the limit): :math:`[\\min(\\mu, y - q_{1-\\alpha} se),
        \\max(\\mu, y + q_{1-\\alpha} se)]`.

    Notes
    -----
    The ends are found by Brent's method on the logit of :math:`w` (each side is one equation in
    :math:`w`, since :math:`\\theta(w) = \\mu + \\tau^2 g(w)/(2 se)`), to about 1e-12. With ``df``
    finite the t quantile replaces the normal one in the acceptance region and in :math:`g`: the
    coverage stays exact (any spending function that does not use ``y`` keeps it).
    """
    confidence = check_confidence(confidence)
    from scipy import optimize, special

    y, se, mu, tau2 = float(y), float(se), float(prior_mean), float(prior_var)
    if not (np.isfinite(y) and np.isfinite(se) and se > 0):
        return float("nan"), float("nan")
    alpha = 1.0 - confidence
    if np.isfinite(df):

        def q(p: Any) -> Any:
            return special.stdtrit(df, p)
    else:
        q = special.ndtri
    if not np.isfinite(tau2) or not np.isfinite(mu):
        half = float(q(1.0 - alpha / 2.0)) * se
        return y - half, y + half
    z = float(q(1.0 - alpha))
    if tau2 <= 0:
        return min(mu, y - z * se), max(mu, y + z * se)

    def theta(lw: float) -> float:  # w = expit(lw) and 1 - w = expit(-lw), both accurate
        return float(mu + tau2 * (q(alpha * special.expit(lw)) - q(alpha * special.expit(-lw))) / (2.0 * se))

    def lower_eq(lw: float) -> float:
        return float(theta(lw) + se * q(1.0 - alpha * special.expit(-lw)) - y)

    def upper_eq(lw: float) -> float:
        return float(theta(lw) + se * q(alpha * special.expit(lw)) - y)

    # prior variances so small that w leaves double precision: the tau2 = 0 limit
    if lower_eq(-_LIMIT) > 0 or lower_eq(_LIMIT) < 0:
        low = min(mu, y - z * se)
    else:
        low = theta(optimize.brentq(lower_eq, -_LIMIT, _LIMIT, xtol=1e-13))
    if upper_eq(-_LIMIT) > 0 or upper_eq(_LIMIT) < 0:
        high = max(mu, y + z * se)
    else:
        high = theta(optimize.brentq(upper_eq, -_LIMIT, _LIMIT, xtol=1e-13))
    return float(low), float(high)


def reml_between_variance(y: Any, var: Any, design: Any = None) -> tuple[float, np.ndarray, np.ndarray]:
    """REML estimate of :math:`\\tau^2` in :math:`y_i \\sim N(x_i'\\beta, \\tau^2 + v_i)`, v known.

    The random-effects meta-analysis (Fay-Herriot) model. Returns ``(tau2, beta, cov_beta)``:
    :math:`\\hat\\tau^2 \\ge 0` maximising :math:`-\\tfrac12[\\sum\\log(\\tau^2 + v_i) + \\log|X'WX| +
    \\sum w_i (y_i - x_i'\\hat\\beta)^2]`, :math:`w_i = 1/(\\tau^2 + v_i)`, by a bounded search (0 when
    the criterion is best there), and the GLS :math:`\\hat\\beta` with :math:`(X'WX)^{-1}`.
    ``design`` defaults to a column of ones (a common mean). This is what R's
    ``metafor::rma(yi, vi, method = "REML")`` estimates.
    """
    from scipy import optimize

    y = np.asarray(y, dtype=np.float64)
    v = np.asarray(var, dtype=np.float64)
    x = np.ones((y.size, 1)) if design is None else np.asarray(design, dtype=np.float64).reshape(y.size, -1)

    def gls(t2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = 1.0 / (t2 + v)
        xtwx = (x * w[:, None]).T @ x
        cov = np.linalg.pinv(xtwx)
        return cov @ ((x * w[:, None]).T @ y), cov, w

    def crit(t2: float) -> float:
        beta, cov, w = gls(t2)
        r = y - x @ beta
        _, logdet = np.linalg.slogdet(np.linalg.pinv(cov))
        return float(np.sum(np.log(t2 + v)) + logdet + np.sum(w * r * r))

    if y.size <= x.shape[1]:
        beta, cov, _ = gls(0.0)
        return 0.0, beta, cov
    spread = float(np.var(y)) if y.size > 1 else 0.0
    upper = max(10.0 * spread, 10.0 * float(np.max(v)), 1e-12)
    res = optimize.minimize_scalar(crit, bounds=(0.0, upper), method="bounded", options={"xatol": 1e-10 * upper})
    t2 = float(res.x) if crit(float(res.x)) < crit(0.0) else 0.0
    beta, cov, _ = gls(t2)
    return t2, beta, cov


def loo_prior(y: Any, var: Any, strata: Any = None, tau2: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each group, a normal prior estimated from the **other** groups only.

    Parameters
    ----------
    y, var : array-like of float
        The groups' direct estimates and their sampling variances.
    strata : array-like, optional
        Group-level categories (e.g. country): the prior mean of group j is then the mean of the
        other groups **of its stratum** (one mean per stratum, a common :math:`\\tau^2`). A group
        alone in its stratum gets no prior (mean NaN, variance inf).
    tau2 : float, optional
        The prior variance to use for every group (e.g. a mixed model's :math:`\\hat\\tau^2` from
        all groups); then only the prior mean leaves the group out: the GLS mean of the others
        with weights :math:`1/(\\tau^2 + v_i)`.

    Returns
    -------
    (mean, var) : tuple of numpy.ndarray
        :math:`\\hat\\mu_{-j}` and :math:`\\hat\\tau^2_{-j}` of :func:`reml_between_variance` fitted
        to the other groups. Fewer than two other groups: no prior. Above
        :data:`EXACT_LOO_GROUPS` groups, :math:`\\tau^2` is estimated once from all groups and the
        mean without group j is the GLS mean of the others with that :math:`\\tau^2` (one pass).
    """
    y = np.asarray(y, dtype=np.float64)
    v = np.asarray(var, dtype=np.float64)
    k = y.size
    codes = (
        np.zeros(k, dtype=np.int64)
        if strata is None
        else pd.factorize(pd.Series(np.asarray(strata, dtype=object).ravel()), use_na_sentinel=False)[0]
    )
    mean = np.full(k, np.nan)
    prior_var = np.full(k, np.inf)
    if tau2 is not None or k > EXACT_LOO_GROUPS:
        used = np.unique(codes)
        design = (codes[:, None] == used[None, :]).astype(np.float64)
        t2 = max(float(tau2), 0.0) if tau2 is not None else reml_between_variance(y, v, design)[0]
        w = 1.0 / (t2 + v)
        sw = np.bincount(codes, weights=w)
        swy = np.bincount(codes, weights=w * y)
        rest = sw[codes] - w
        has = rest > 0
        mean[has] = (swy[codes] - w * y)[has] / rest[has]
        prior_var[has] = t2
        return mean, prior_var
    for j in range(k):
        keep = np.arange(k) != j
        same = keep & (codes == codes[j])
        if keep.sum() < 2 or not same.any():
            continue
        used = np.unique(codes[keep])
        design = (codes[keep][:, None] == used[None, :]).astype(np.float64)
        t2, beta, _ = reml_between_variance(y[keep], v[keep], design)
        prior_var[j] = t2
        mean[j] = float(beta[int(np.flatnonzero(used == codes[j])[0])])
    return mean, prior_var


def fab_intervals(
    y: Any, se: Any, strata: Any = None, confidence: float = 0.95, df: float = np.inf, tau2: float | None = None
) -> pd.DataFrame:
    """FAB intervals for every group, each tuned by a prior estimated from the other groups.

    Parameters
    ----------
    y, se : array-like of float
        The groups' direct (unshrunken) estimates and their standard errors.
    strata : array-like, optional
        See :func:`loo_prior`.
    confidence : float
        Coverage of each interval.
    df : float
        Degrees of freedom of the standard errors.
    tau2 : float, optional
        A common prior variance (see :func:`loo_prior`); by default each group's is re-estimated
        without it, which makes every interval's coverage exact.

    Returns
    -------
    pandas.DataFrame
        ``prior_mean, prior_var, weight, shrunken, ci_low, ci_high`` per group (in input order):
        the leave-one-out prior of :func:`loo_prior`; the posterior mean under it,
        ``shrunken`` :math:`= \\mu + w (y - \\mu)` with ``weight`` :math:`w = \\tau^2/(\\tau^2 + se^2)`
        (1 and ``y`` without a prior), which is the limit of the FAB interval as its level falls
        and so lies inside it; and the interval of :func:`fab_interval`. Each interval covers its
        group's true mean with probability ``confidence`` for every value of it (Yu & Hoff
        2018), because the prior does not use the group's own data.
    """
    confidence = check_confidence(confidence)
    y = np.asarray(y, dtype=np.float64).ravel()
    se = np.broadcast_to(np.asarray(se, dtype=np.float64), y.shape)
    mean, prior_var = loo_prior(y, se**2, strata, tau2)
    bounds = [fab_interval(a, s, m, t, confidence, df) for a, s, m, t in zip(y, se, mean, prior_var)]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(np.isinf(prior_var), 1.0, prior_var / (prior_var + se**2))
    shrunken = np.where(np.isinf(prior_var), y, mean + weight * (y - mean))
    return pd.DataFrame(
        {
            "prior_mean": mean,
            "prior_var": prior_var,
            "weight": weight,
            "shrunken": shrunken,
            "ci_low": [b[0] for b in bounds],
            "ci_high": [b[1] for b in bounds],
        }
    )
