"""Power and sample size for planning a training: paired pre/post tests and two-level cluster designs.

Two questions a proposal has to answer:

- **one training, pre and post**: how many people must take both tests to show a gain of a given
  size (:func:`paired_sample_size`), what power a given number has (:func:`paired_power`), and
  the smallest gain a given number can show (:func:`minimum_detectable_effect`). This is
  G*Power's "t tests - Means: Difference from constant (matched pairs)" and R's
  ``pwr::pwr.t.test(type = "paired")``: the paired t-test on the differences, with the **exact**
  noncentral t distribution (noncentrality :math:`\\delta = d_z\\sqrt n`, ``df = n - 1``), the
  computation of statsmodels' :class:`~statsmodels.stats.power.TTestPower` (see :func:`t_test_power`).
- **two curricula (arms) compared, trainings randomised to them**: people are clustered in
  trainings, so the number of trainings matters more than the number of people
  (:func:`design_effect`). :func:`cluster_mdes`, :func:`cluster_power` and
  :func:`cluster_sample_size` are the two-level cluster-randomised design of PowerUp!
  (Dong & Maynard 2013; R package PowerUpR ``mdes.cra2``, ``power.cra2``, ``mrss.cra2``)
  without covariates.

Effect sizes are standardised: :math:`d_z = \\bar D / s_D` for the paired test (mean gain over the
sd of the gains), and the difference between arms over the **total** sd of the outcome,
:math:`\\sqrt{\\tau^2 + \\sigma^2}`, for the cluster design, with :math:`\\rho = \\tau^2/(\\tau^2 + \\sigma^2)`
the intraclass correlation.

Only numpy and scipy are used, so ``import tip_eval.stats`` stays light.

References
----------
Faul, F., Erdfelder, E., Lang, A.-G. & Buchner, A. (2007). G*Power 3: A flexible statistical power
analysis program. Behavior Research Methods, 39, 175-191.
Cohen, J. (1988). Statistical power analysis for the behavioral sciences (2nd ed.), ch. 2.
Dong, N. & Maynard, R. (2013). PowerUp!: A tool for calculating minimum detectable effect sizes and
minimum required sample sizes for experimental and quasi-experimental design studies. Journal of
Research on Educational Effectiveness, 6(1), 24-67 (the two-level cluster random assignment design,
their eq. for MDES with :math:`M_{J-2}`).
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the statistical power of
experimental designs. Evaluation Review, 19, 547-556.
Kish, L. (1965). Survey sampling. Wiley, section 5.4 (the design effect).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, special

from .effects import _nct_cdf

__all__ = [
    "cluster_mdes",
    "cluster_power",
    "cluster_sample_size",
    "design_effect",
    "minimum_detectable_effect",
    "paired_power",
    "paired_sample_size",
    "t_test_power",
]


# --- argument checks -------------------------------------------------------------------------------


def _number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    what: str = "",
) -> float:
    """Return ``value`` as a finite float within the bounds, or raise a ValueError naming it."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = float("nan")
    ok = math.isfinite(x) and not isinstance(value, bool)
    if ok and low is not None:
        ok = x > low if low_open else x >= low
    if ok and high is not None:
        ok = x < high if high_open else x <= high
    if not ok:
        raise ValueError(f"`{name}` must be {what}; got {value!r}.")
    return x


def _probability(value: Any, name: str, example: str) -> float:
    return _number(
        value,
        name,
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what=f"a number strictly between 0 and 1 (e.g. {example})",
    )


def _alternative(two_sided: Any) -> str:
    if not isinstance(two_sided, (bool, np.bool_)):
        raise TypeError(f"`two_sided` must be True or False; got {two_sided!r}.")
    return "two-sided" if two_sided else "larger"


def _check_target(power: float, alpha: float, two_sided: bool) -> None:
    # at an effect of 0 the power equals alpha (two-sided) or alpha (one-sided, upper tail)
    if power <= alpha:
        raise ValueError(
            f"`power` ({power}) must be larger than `alpha` ({alpha}): even no effect at all is "
            "detected with probability alpha."
        )


def t_test_power(ncp: Any, df: Any, alpha: float = 0.05, two_sided: bool = True) -> float:
    """Power of a t-test from the exact noncentral t distribution.

    Parameters
    ----------
    ncp : float
        Noncentrality parameter :math:`\\lambda` (the true effect over its standard error).
    df : float
        Degrees of freedom (> 0).
    alpha : float, default 0.05
        Significance level.
    two_sided : bool, default True
        Two-sided: both rejection regions count (as G*Power, ``pwr`` and PowerUp!); False: the
        upper one only.

    Returns
    -------
    float
        :math:`1 - F(t_{1-\\alpha/2,\\,df}; df, \\lambda) + F(-t_{1-\\alpha/2,\\,df}; df, \\lambda)`
        (two-sided) or :math:`1 - F(t_{1-\\alpha,\\,df}; df, \\lambda)`, with :math:`F` the noncentral
        t distribution function (``scipy.special.nctdtr``). This is statsmodels' ``ttest_power``,
        except far in a tail, where ``nctdtr`` returns NaN (e.g. ``df = 190``, :math:`\\lambda = 13.8`:
        the lower region's probability is below 1e-40) and statsmodels then returns NaN; here the
        limiting value is used (the same fallback as the noncentral-t intervals of ``d_z``).
    """
    df = _number(df, "df", low=0.0, low_open=True, what="degrees of freedom above 0")
    ncp = _number(ncp, "ncp", what="a finite noncentrality parameter")
    alpha = _probability(alpha, "alpha", "0.05")
    _alternative(two_sided)
    crit = float(special.stdtrit(df, 1.0 - (alpha / 2.0 if two_sided else alpha)))
    args = (np.array([crit, -crit]), np.array([df, df]), np.array([ncp, ncp]))
    upper_cdf, lower_cdf = _nct_cdf(*args)
    power = 1.0 - float(upper_cdf)
    if two_sided:
        power += float(lower_cdf)
    return min(max(power, 0.0), 1.0)


# --- paired pre/post test --------------------------------------------------------------------------


def paired_power(n: Any, dz: Any, alpha: float = 0.05, two_sided: bool = True) -> float:
    """Power of the paired t-test with ``n`` pairs for a true standardised gain ``dz``.

    Parameters
    ----------
    n : float
        Number of people with both tests (pairs), at least 2. A fractional ``n`` (an effective
        sample size, e.g. ``n / design_effect``) is allowed.
    dz : float
        True standardised mean gain :math:`d_z = \\mu_D / \\sigma_D` (mean over sd of the gains).
    alpha : float, default 0.05
        Significance level.
    two_sided : bool, default True
        Two-sided test (both rejection regions count, as G*Power and ``pwr.t.test``); False: the
        one-sided test of a gain (``alternative = "greater"``).

    Returns
    -------
    float
        :math:`P(|T| > t_{1-\\alpha/2,\\,n-1})` (two-sided) or :math:`P(T > t_{1-\\alpha,\\,n-1})`
        with :math:`T` noncentral t, ``df = n - 1``, noncentrality :math:`d_z\\sqrt n`
        (:func:`t_test_power`; statsmodels ``TTestPower().power``, R ``pwr.t.test(type = "paired")``).

    Examples
    --------
    >>> round(paired_power(34, 0.5), 4)   # G*Power: actual power 0.8078 at n = 34
    0.8078
    """
    n = _number(n, "n", low=2.0, what="a number of pairs of at least 2")
    dz = _number(dz, "dz", what="a finite standardised gain (e.g. 0.5)")
    return t_test_power(dz * math.sqrt(n), n - 1.0, alpha, two_sided)


def paired_sample_size(dz: Any, power: float = 0.8, alpha: float = 0.05, two_sided: bool = True) -> int:
    """Smallest number of people with both tests for the paired t-test to reach ``power``.

    G*Power's a priori analysis for "Means: Difference from constant (matched pairs)"
    (Faul et al. 2007) and ``ceiling(pwr::pwr.t.test(d = dz, power = power, type = "paired")$n)``.

    Parameters
    ----------
    dz : float
        Standardised gain to detect, :math:`d_z = \\mu_D / \\sigma_D`; the expected gain in points
        divided by the sd of the gains (for example this study's ``sd_gain``). Not 0; for a
        one-sided test it must be positive.
    power : float, default 0.8
        Wanted power, larger than ``alpha``.
    alpha : float, default 0.05
        Significance level.
    two_sided : bool, default True
        Two-sided test (the default of G*Power and ``pwr``); False: one-sided test of a gain.

    Returns
    -------
    int
        The smallest whole ``n >= 2`` with :func:`paired_power` ``(n, dz) >= power`` (found by
        stepping from the normal approximation with the exact power, so never off by one).
        People who drop out are not included: divide by the share expected to take both tests.

    Examples
    --------
    >>> paired_sample_size(0.5), paired_sample_size(0.3), paired_sample_size(0.5, power=0.95)
    (34, 90, 54)
    """
    dz = _number(dz, "dz", what="a finite standardised gain other than 0 (e.g. 0.5)")
    power = _probability(power, "power", "0.8")
    alpha = _probability(alpha, "alpha", "0.05")
    alternative = _alternative(two_sided)
    _check_target(power, alpha, two_sided)
    if dz == 0 or (alternative == "larger" and dz < 0):
        raise ValueError(
            f"`dz` must be {'positive for a one-sided test of a gain' if dz else 'other than 0'}; "
            f"got {dz!r}. No number of people can show an effect of {dz!r}."
        )
    z = special.ndtri(1.0 - alpha / (2.0 if two_sided else 1.0)) + special.ndtri(power)
    n = max(2, math.ceil((z / abs(dz)) ** 2))
    while paired_power(n, dz, alpha, two_sided) < power:
        n += 1
    while n > 2 and paired_power(n - 1, dz, alpha, two_sided) >= power:
        n -= 1
    return int(n)


def minimum_detectable_effect(
    n: Any, power: float = 0.8, alpha: float = 0.05, two_sided: bool = True, *, sd: float | None = None
) -> float:
    """Smallest true gain the paired t-test with ``n`` pairs detects with probability ``power``.

    Parameters
    ----------
    n : float
        Number of people with both tests, at least 2 (fractional allowed, e.g. an effective
        sample size).
    power : float, default 0.8
        Wanted power, larger than ``alpha``.
    alpha : float, default 0.05
        Significance level.
    two_sided : bool, default True
        Two-sided or one-sided (a gain) test.
    sd : float, optional (keyword only)
        Standard deviation of the gains, in points. When given, the result is in points.

    Returns
    -------
    float
        The positive :math:`d_z` with :func:`paired_power` ``(n, d_z) = power`` (solved to 1e-12
        by Brent's method on the exact power, as ``pwr.t.test(n = n, power = power,
        type = "paired")$d``), or, with ``sd``, :math:`d_z \\times sd` in the points of ``sd``.

    Examples
    --------
    >>> round(minimum_detectable_effect(34), 4)
    0.495
    >>> round(minimum_detectable_effect(34, sd=10.0), 2)   # points, for gains with sd 10
    4.95
    """
    n = _number(n, "n", low=2.0, what="a number of pairs of at least 2")
    power = _probability(power, "power", "0.8")
    alpha = _probability(alpha, "alpha", "0.05")
    _check_target(power, alpha, two_sided)
    if sd is not None:
        sd = _number(sd, "sd", low=0.0, what="a standard deviation of the gains, 0 or more")

    def gap(d: float) -> float:
        return paired_power(n, d, alpha, two_sided) - power

    high = 1.0
    while gap(high) < 0:
        high *= 2.0
    dz = float(optimize.brentq(gap, 0.0, high, xtol=1e-12, rtol=4 * np.finfo(float).eps, maxiter=500))
    return dz if sd is None else dz * sd


def design_effect(cluster_size: Any, icc: Any) -> Any:
    """Design effect of people clustered in trainings: :math:`1 + (m - 1)\\rho` (Kish 1965).

    The factor by which clustering inflates the variance of a mean over people, compared with
    the same number of independent people: ``n`` clustered people carry the information of
    ``n / design_effect`` independent ones.

    Parameters
    ----------
    cluster_size : float or array-like
        People per training, :math:`m \\ge 1` (the mean size when sizes differ: an approximation).
    icc : float or array-like
        Intraclass correlation :math:`\\rho` in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        :math:`1 + (m - 1)\\rho`, a float for scalar input.

    Examples
    --------
    >>> design_effect(21, 0.05)   # 21 people per training carry the information of 10.5
    2.0
    """
    m = np.asarray(cluster_size, dtype=np.float64)
    rho = np.asarray(icc, dtype=np.float64)
    if not np.all(np.isfinite(m)) or np.any(m < 1):
        raise ValueError(f"`cluster_size` must be people per training, 1 or more; got {cluster_size!r}.")
    if not np.all(np.isfinite(rho)) or np.any((rho < 0) | (rho > 1)):
        raise ValueError(f"`icc` must be an intraclass correlation between 0 and 1; got {icc!r}.")
    out = 1.0 + (m - 1.0) * rho
    return float(out) if out.ndim == 0 else out


# --- two-level cluster-randomised design (PowerUp! CRA2) ----------------------------------------


def _cluster_args(
    n_clusters: Any, cluster_size: Any, icc: Any, treated_share: Any
) -> tuple[float, float, float, float]:
    j = _number(n_clusters, "n_clusters", low=3.0, what="a number of trainings in both arms together, at least 3")
    m = _number(cluster_size, "cluster_size", low=1.0, what="people per training, 1 or more")
    rho = _number(icc, "icc", low=0.0, high=1.0, what="an intraclass correlation between 0 and 1")
    p = _probability(treated_share, "treated_share", "0.5")
    return j, m, rho, p


def _cluster_se(j: float, m: float, rho: float, p: float) -> float:
    """Standardised standard error of the difference between arms (PowerUp!'s SSE, no covariates)."""
    return math.sqrt(rho / (p * (1.0 - p) * j) + (1.0 - rho) / (p * (1.0 - p) * j * m))


def cluster_mdes(
    n_clusters: Any,
    cluster_size: Any,
    icc: Any,
    power: float = 0.8,
    alpha: float = 0.05,
    two_sided: bool = True,
    treated_share: float = 0.5,
) -> float:
    """Minimum detectable effect size of a two-arm design with trainings as the unit (PowerUp! CRA2).

    Trainings are randomised (or allocated) to two curricula (arms); everyone in a training gets
    its arm; the outcome (e.g. each person's gain) is compared between arms.

    Parameters
    ----------
    n_clusters : float
        Trainings in both arms together, :math:`J \\ge 3`.
    cluster_size : float
        People with the outcome per training, :math:`n`.
    icc : float
        Intraclass correlation of the outcome between trainings, :math:`\\rho_2`.
    power : float, default 0.8
        Wanted power.
    alpha : float, default 0.05
        Significance level.
    two_sided : bool, default True
        Two-sided test.
    treated_share : float, default 0.5
        Share of trainings in the new curriculum, :math:`P`.

    Returns
    -------
    float
        :math:`MDES = M_{J-2}\\sqrt{\\rho_2/(P(1-P)J) + (1-\\rho_2)/(P(1-P)Jn)}`, in sd units of
        the outcome (total sd), with the multiplier :math:`M_{J-2} = t_{1-\\alpha/2} + t_{power}`
        (``df = J - 2``; :math:`t_{1-\\alpha}` one-sided; :math:`t_{1-\\alpha/2} - t_{1-power}` for
        power below 0.5): Dong & Maynard (2013), PowerUp! "CRA2_2r", R ``PowerUpR::mdes.cra2(rho2,
        n, J, p, power, alpha, two.tailed)`` with no covariates (``g2 = 0, r21 = r22 = 0``).

    Notes
    -----
    The multiplier is Bloom's (1995) approximation: at this MDES the exact power
    (:func:`cluster_power`) is close to, not exactly, ``power``.

    Examples
    --------
    >>> round(cluster_mdes(20, 15, 0.17), 3)   # PowerUpR: mdes.cra2(rho2 = .17, n = 15, J = 20)
    0.629
    """
    j, m, rho, p = _cluster_args(n_clusters, cluster_size, icc, treated_share)
    power = _probability(power, "power", "0.8")
    alpha = _probability(alpha, "alpha", "0.05")
    _alternative(two_sided)
    df = j - 2.0
    t1 = abs(float(special.stdtrit(df, alpha / 2.0 if two_sided else alpha)))
    t2 = abs(float(special.stdtrit(df, power)))
    multiplier = t1 + t2 if power >= 0.5 else t1 - t2
    return float(multiplier * _cluster_se(j, m, rho, p))


def cluster_power(
    effect: Any,
    n_clusters: Any,
    cluster_size: Any,
    icc: Any,
    alpha: float = 0.05,
    two_sided: bool = True,
    treated_share: float = 0.5,
) -> float:
    """Power of a two-arm design with trainings as the unit (PowerUp! CRA2), from the exact noncentral t.

    Parameters
    ----------
    effect : float
        True difference between arms in sd units of the outcome (total sd).
    n_clusters, cluster_size, icc, treated_share
        As for :func:`cluster_mdes`.
    alpha : float, default 0.05
        Significance level.
    two_sided : bool, default True
        Two-sided test (both rejection regions count).

    Returns
    -------
    float
        :math:`P(|T| > t_{1-\\alpha/2,\\,J-2})` with :math:`T` noncentral t, ``df = J - 2``,
        noncentrality :math:`\\lambda = effect / SSE`, :math:`SSE` the standardised standard
        error of :func:`cluster_mdes` (:func:`t_test_power`; R
        ``PowerUpR::power.cra2(es, rho2, n, J, p, alpha, two.tailed)``).

    Examples
    --------
    >>> round(cluster_power(0.629, 20, 15, 0.17), 3)   # PowerUpR: power.cra2(es = .629, rho2 = .17, n = 15, J = 20)
    0.8
    """
    effect = _number(effect, "effect", what="a finite standardised difference between arms (e.g. 0.4)")
    j, m, rho, p = _cluster_args(n_clusters, cluster_size, icc, treated_share)
    alpha = _probability(alpha, "alpha", "0.05")
    ncp = effect / _cluster_se(j, m, rho, p)
    return t_test_power(ncp, j - 2.0, alpha, two_sided)


def cluster_sample_size(
    effect: Any,
    cluster_size: Any,
    icc: Any,
    power: float = 0.8,
    alpha: float = 0.05,
    two_sided: bool = True,
    treated_share: float = 0.5,
) -> int:
    """Smallest number of trainings (both arms together) for a two-arm design to reach ``power``.

    Parameters
    ----------
    effect : float
        Difference between arms to detect, in sd units of the outcome (total sd); positive.
    cluster_size, icc, treated_share
        As for :func:`cluster_mdes`.
    power : float, default 0.8
        Wanted power, larger than ``alpha``.
    alpha : float, default 0.05
        Significance level.
    two_sided : bool, default True
        Two-sided test.

    Returns
    -------
    int
        The smallest whole :math:`J \\ge 3` with :func:`cluster_power` ``>= power`` (the exact
        noncentral t of PowerUp!'s ``power.cra2``). Split them between arms as ``treated_share``
        says; with ``treated_share = 0.5`` and an odd ``J``, run one more training.

    Notes
    -----
    PowerUpR's ``mrss.cra2`` solves :math:`MDES(J) = effect` with the approximate multiplier of
    :func:`cluster_mdes` and rounds to the **nearest** J, so it can be one below this exact
    answer (e.g. ``mrss.cra2(es = .5, rho2 = .05, n = 25)`` gives 13, whose exact power is 0.790;
    14 reach 0.825). With a very small ``icc`` and very large trainings J can stay small while
    ``cluster_size`` does the work; with a large ``icc`` only more trainings help.

    Examples
    --------
    >>> cluster_sample_size(0.629, 15, 0.17)
    20
    """
    effect = _number(
        effect, "effect", low=0.0, low_open=True, what="a positive standardised difference between arms (e.g. 0.4)"
    )
    _, m, rho, p = _cluster_args(3, cluster_size, icc, treated_share)
    power = _probability(power, "power", "0.8")
    alpha = _probability(alpha, "alpha", "0.05")
    _check_target(power, alpha, two_sided)
    z = special.ndtri(1.0 - alpha / (2.0 if two_sided else 1.0)) + special.ndtri(power)
    unit = rho / (p * (1.0 - p)) + (1.0 - rho) / (p * (1.0 - p) * m)  # SSE^2 * J
    j = max(3, math.ceil((z / effect) ** 2 * unit))
    while cluster_power(effect, j, m, rho, alpha, two_sided, p) < power:
        j += 1
    while j > 3 and cluster_power(effect, j - 1, m, rho, alpha, two_sided, p) >= power:
        j -= 1
    return int(j)
