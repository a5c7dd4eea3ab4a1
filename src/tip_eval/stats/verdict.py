"""Each group against the typical group: differences from the median of the others, with a familywise verdict.

:func:`median_contrasts` answers "is this training better or worse than the typical training?" for
every training at once, without letting one very good (or very poor) training make ordinary ones
look "below average". The reference of training j is the **median of the other trainings**; the
family of comparisons is protected by a single-step max-t adjustment (largest absolute t) (as R's ``multcomp`` does
for linear contrasts), computed by a parametric bootstrap because a median is not a linear
contrast.

References
----------
Hothorn, T., Bretz, F. & Westfall, P. (2008). Simultaneous inference in general parametric
models. *Biometrical Journal*, 50, 346-363 (single-step max-t adjustment, multcomp).
Westfall, P. H. & Young, S. S. (1993). *Resampling-based multiple testing*. Wiley (max-t
resampling adjustment).
Efron, B. & Tibshirani, R. J. (1993). *An introduction to the bootstrap*, ch. 6 (parametric
bootstrap standard errors).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_confidence

__all__ = ["DEFAULT_DRAWS", "DEFAULT_SEED", "VERDICT_COLUMNS", "loo_median", "median_contrasts"]

#: columns of :func:`median_contrasts`
VERDICT_COLUMNS: tuple[str, ...] = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "familywise_ci_low",
    "familywise_ci_high",
    "t",
    "df",
    "p_value",
    "p_adjusted",
    "critical_value",
    "verdict",
)
#: bootstrap draws of :func:`median_contrasts` up to 1,000 groups (Monte-Carlo error of the critical
#: value about 0.01); beyond, ``DRAW_CELLS / k`` draws, at least :data:`MIN_DRAWS`
DEFAULT_DRAWS = 20_000
#: draw x group cells generated at most, when ``draws`` is not given
DRAW_CELLS = 4_000_000
#: the fewest draws
MIN_DRAWS = 2_000
#: the fixed seed that makes every result reproducible
DEFAULT_SEED = 20_160_116
#: at most this many draw x group cells are held at once
_CHUNK_CELLS = 4_000_000


def loo_median(values: np.ndarray) -> np.ndarray:
    """The median of the *other* elements, for every element along the last axis.

    ``loo_median(a)[..., j] = median(a[..., i] for i != j)``; with an even number of others, the
    mean of the two middle ones (``numpy.median``). Vectorised over leading axes.

    With :math:`s_0 \\le \\dots \\le s_{k-1}` the sorted values and :math:`p` a middle position of
    the :math:`m = k - 1` others, the others' p-th value is :math:`s_{p+1}` when
    :math:`a_j \\le s_p` (removing :math:`a_j` shifts it) and :math:`s_p` otherwise; so only the
    order statistics at :math:`(m-1)/2` and :math:`m/2` and their successors are needed
    (``numpy.partition``, linear time), and ties give the same values as removing any copy.
    """
    a = np.asarray(values, dtype=np.float64)
    k = a.shape[-1]
    if k < 2:
        return np.full(a.shape, np.nan)
    m = k - 1
    p1, p2 = (m - 1) // 2, m // 2
    part = np.partition(a, sorted({p1, p1 + 1, p2, p2 + 1}), axis=-1)

    def at(p: int) -> np.ndarray:
        return part[..., p : p + 1]

    first = np.where(a <= at(p1), at(p1 + 1), at(p1))
    second = np.where(a <= at(p2), at(p2 + 1), at(p2))
    return 0.5 * (first + second)


def _contrasts(values: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    out = np.full(values.shape, np.nan)
    for idx in members:
        sub = values[..., idx]
        out[..., idx] = sub - loo_median(sub)
    return out


def _root(cov: np.ndarray) -> np.ndarray:
    """A matrix R with R R' = cov (Cholesky, or the symmetric square root if cov is singular)."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh((cov + cov.T) / 2.0)
        root: np.ndarray = vecs * np.sqrt(np.clip(vals, 0.0, None))
        return root


def median_contrasts(
    estimates: Any,
    cov: Any,
    df: float = np.inf,
    strata: Any = None,
    confidence: float = 0.95,
    draws: int | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Difference of each group from the median of the other groups, with a familywise verdict.

    Parameters
    ----------
    estimates : array-like of float, length k
        The groups' estimates on a common scale (e.g. pre-test-adjusted mean post-test scores of
        the trainings, from an ANCOVA; any constant shift cancels).
    cov : array-like, k x k, or tuple (diag, factor)
        Their estimated covariance matrix (e.g. from the ANCOVA's ordinary least squares fit),
        or its parts ``diag(diag) + factor @ factor.T`` (k and k x r), much cheaper to draw from
        when there are many groups (see :class:`tip_eval.stats.models.AncovaFit`).
    df : float, default inf
        Degrees of freedom of the variance estimate (the ANCOVA's residual df); ``inf`` for
        known variances.
    strata : array-like, length k, optional
        Compare each group only with the other groups of the same stratum (e.g. the trainings of
        the same country). A group alone in its stratum gets NaN and the verdict ``""``.
    confidence : float, default 0.95
        Level of the per-group intervals and the familywise level of the verdicts.
    draws : int, optional
        Parametric bootstrap draws; default :data:`DEFAULT_DRAWS`, fewer for very many groups
        (``DRAW_CELLS / k``, at least :data:`MIN_DRAWS`).
    seed : int
        Seed of the draws: the same input always gives the same result.

    Returns
    -------
    pandas.DataFrame
        One row per group (in the input order), columns :data:`VERDICT_COLUMNS`:

        ``estimate``
            :math:`d_j = \\hat a_j - \\operatorname{med}_{i \\ne j} \\hat a_i`, the difference from
            the median of the other groups (of the same stratum); it estimates
            :math:`\\theta_j = a_j - \\operatorname{med}_{i \\ne j} a_i`. With an even number of others
            the median is the mean of the two middle ones.
        ``se``
            Parametric-bootstrap standard error: the standard deviation of :math:`d^*_j` over
            draws :math:`\\hat a^* \\sim N(\\hat a, \\hat V)`, so the median's own randomness, and
            which groups are in the middle, are allowed for.
        ``ci_low``, ``ci_high``
            :math:`d_j \\pm t_{1-\\alpha/2,\\,df}\\,se_j`: the interval for this group looked at
            on its own.
        ``familywise_ci_low``, ``familywise_ci_high``
            :math:`d_j \\pm c\\,se_j`, with :math:`c` the familywise critical value: all these
            intervals cover their :math:`\\theta_j` together with probability ``confidence``.
        ``t``, ``df``, ``p_value``
            :math:`t_j = d_j / se_j`, the degrees of freedom, and the two-sided p-value from the t
            distribution (for this group alone).
        ``p_adjusted``
            Single-step max-t adjusted p-value: the share of draws in which
            :math:`\\max_i |d^*_i - \\tilde d_i| / se_i \\ge |t_j|` (:math:`\\tilde d` the differences
            of the bootstrap's true values :math:`\\hat a`), the draws scaled by
            :math:`\\sqrt{df/\\chi^2_{df}}` so that the maximum has the multivariate t law, as in
            ``multcomp::glht(..., test = adjusted("single-step"))``.
        ``critical_value``
            :math:`c`: the smallest order statistic of the draws' maxima with fewer than
            :math:`(1 - \\text{confidence}) \\times \\text{draws}` maxima at or above it, so that
            ``p_adjusted < 1 - confidence`` exactly when the familywise interval excludes 0.
        ``verdict``
            ``"above"`` or ``"below"`` when the familywise interval lies wholly above or below 0,
            ``"not distinguishable"`` otherwise; ``""`` when there is no estimate.

    Notes
    -----
    The verdicts keep the chance of calling **any** group different from the typical group,
    when it is not, at or below ``1 - confidence`` (familywise), also when one or two groups
    are very different from the rest: a median is not pulled by them, whereas a mean of all
    groups is (then ordinary groups look "below average"). Simulations of this guarantee, and
    of the per-group coverage of the intervals, are in ``benchmarks/CALIBRATION.md``.

    When the differences are linear (three groups: the median of two others is their mean),
    the result equals ``multcomp``'s single-step intervals up to Monte-Carlo error (tested).
    """
    confidence = check_confidence(confidence)
    est = np.asarray(estimates, dtype=np.float64).ravel()
    k = est.size
    if isinstance(cov, tuple):
        diag = np.asarray(cov[0], dtype=np.float64).ravel()
        factor = np.asarray(cov[1], dtype=np.float64).reshape(k, -1)
        root = None
    else:
        root = _root(np.asarray(cov, dtype=np.float64).reshape(k, k))
    df = float(df)
    if not (np.isfinite(df) or df == np.inf) or df <= 0:
        raise ValueError(f"`df` must be positive (or inf); got {df!r}.")
    if draws is None:
        draws = int(min(DEFAULT_DRAWS, max(MIN_DRAWS, DRAW_CELLS // max(k, 1))))
    if not isinstance(draws, (int, np.integer)) or draws < 1000:
        raise ValueError(f"`draws` must be a whole number of at least 1000; got {draws!r}.")
    codes = (
        np.zeros(k, dtype=np.int64)
        if strata is None
        else pd.factorize(pd.Series(np.asarray(strata, dtype=object).ravel()), use_na_sentinel=False)[0]
    )
    members = [np.flatnonzero(codes == c) for c in np.unique(codes)]
    members = [m for m in members if m.size >= 2]
    d = _contrasts(est, members)
    ok = np.isfinite(d)
    out = pd.DataFrame({c: np.full(k, np.nan) for c in VERDICT_COLUMNS if c != "verdict"})
    out["df"] = df
    out["verdict"] = ""
    if not ok.any():
        return out[list(VERDICT_COLUMNS)]
    from scipy import stats

    truth = d  # the contrasts of the bootstrap world's true values (the estimates)
    chunk = max(1000, _CHUNK_CELLS // max(k, 1))

    def passes() -> Any:
        """The same draws on every call (one seed): chunks of (contrast errors, t scale factors)."""
        rng = np.random.default_rng(seed)
        done = 0
        while done < draws:
            b = min(chunk, draws - done)
            if root is not None:
                z = rng.standard_normal((b, k)) @ root.T
            else:
                z = rng.standard_normal((b, k)) * np.sqrt(diag)
                if factor.shape[1]:
                    z += rng.standard_normal((b, factor.shape[1])) @ factor.T
            scale = np.sqrt(df / rng.chisquare(df, size=b)) if np.isfinite(df) else np.ones(b)
            yield _contrasts(est[None, :] + z, members)[:, ok] - truth[None, ok], scale
            done += b

    # two passes over the same draws: the standard errors, then the maxima (nothing stored)
    sums = np.zeros(int(ok.sum()))
    sq = np.zeros(int(ok.sum()))
    for err, _ in passes():
        sums += err.sum(axis=0)
        sq += (err**2).sum(axis=0)
    mean = sums / draws
    se_ok = np.sqrt(np.maximum(sq - draws * mean**2, 0.0) / (draws - 1))
    se = np.full(k, np.nan)
    se[ok] = se_ok
    t_max = np.concatenate([np.max(np.abs(err) / se_ok, axis=1) * scale for err, scale in passes()])
    t_sorted = np.sort(t_max)
    alpha = 1.0 - confidence
    crit = float(t_sorted[draws - int(np.ceil(alpha * draws))])
    q = stats.t.ppf(0.5 + confidence / 2.0, df) if np.isfinite(df) else stats.norm.ppf(0.5 + confidence / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = d / se
    out["estimate"] = d
    out["se"] = np.where(ok, se, np.nan)
    out["ci_low"] = d - q * se
    out["ci_high"] = d + q * se
    out["familywise_ci_low"] = d - crit * se
    out["familywise_ci_high"] = d + crit * se
    out["t"] = t
    out["p_value"] = 2.0 * (stats.t.sf(np.abs(t), df) if np.isfinite(df) else stats.norm.sf(np.abs(t)))
    at_least = draws - np.searchsorted(t_sorted, np.abs(np.where(ok, t, np.inf)), side="left")
    out["p_adjusted"] = np.where(ok, at_least / draws, np.nan)
    out["critical_value"] = np.where(ok, crit, np.nan)
    verdict = np.where(
        out["familywise_ci_low"] > 0, "above", np.where(out["familywise_ci_high"] < 0, "below", "not distinguishable")
    )
    out["verdict"] = np.where(ok, verdict, "")
    out.loc[~ok, ["estimate", "se", "ci_low", "ci_high", "familywise_ci_low", "familywise_ci_high", "t", "p_value"]] = (
        np.nan
    )
    return out[list(VERDICT_COLUMNS)]
