"""Drop-out between the pre- and the post-test, and whether it could change the conclusion.

:func:`attrition` counts who took which test, compares the pre-test of those who finished with
that of those who did not, and sets a multiple-imputation estimate of the gain beside the
complete-case one, so a brief can say in one line whether drop-out changes what it reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import By
from tip_eval.analysis.inputs import person_scores

__all__ = ["attrition", "ATTRITION_COLUMNS"]

#: result columns of :func:`attrition` after the ``by`` columns
ATTRITION_COLUMNS: tuple[str, ...] = (
    "registered",
    "took_pre",
    "took_post",
    "matched",
    "matched_pct",
    "n_dropouts",
    "pre_mean_completers",
    "pre_mean_dropouts",
    "smd",
    "bias_flag",
    "cc_mean_gain",
    "cc_ci_low",
    "cc_ci_high",
    "mi_mean_gain",
    "mi_ci_low",
    "mi_ci_high",
    "mi_df",
    "n_imputations",
    "confidence",
    "conclusion_changes",
)

#: |SMD| at or above which drop-out is flagged (a "small" difference, Cohen 1988)
SMD_THRESHOLD = 0.2
#: fewest drop-outs for the flag: below this the SMD is too noisy to act on
MIN_DROPOUTS = 5


@memoised()
def attrition(
    data: object,
    by: By = None,
    confidence: float = 0.95,
    *,
    measure: str = "knowledge",
    module: str | None = None,
    n_imputations: int = 20,
    seed: int | None = 0,
    subject: str | None = None,
    pre: str | None = None,
    post: str | None = None,
    phase: str | None = None,
    score: str | None = None,
) -> pd.DataFrame:
    """Who dropped out, whether they differed, and whether drop-out changes the gain's conclusion.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A Study (``registered`` counts its participants roster), or a plain frame as for
        :func:`~tip_eval.gains` (wide ``subject, pre, post`` or long ``subject, phase, score``;
        every subject in it counts as registered).
    by : str or list of str, optional
        Grouping columns; ``None`` gives one overall row.
    confidence : float, default 0.95
        Level of both gain intervals.
    measure : {"knowledge", "confidence"} (keyword only)
        Knowledge in percent of the maximum, or the mean confidence rating.
    module : str, optional (keyword only)
        Knowledge of one module only (Study only).
    n_imputations : int, default 20 (keyword only)
        Number of imputations M (at least 2).
    seed : int or None, default 0 (keyword only)
        Seed of the imputation draws, so a brief is reproducible; change it to see the Monte Carlo
        variation (small with M = 20), ``None`` for fresh randomness.
    subject, pre, post, phase, score : str, optional (keyword only)
        Column names of a plain frame.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted by the keys), the ``by`` columns first, then:

        ``registered``
            People on the roster (Study) or in the frame.
        ``took_pre``, ``took_post``
            People with a pre-test (post-test) score.
        ``matched``
            People with both, the pairs every gain uses.
        ``matched_pct``
            ``100 * matched / registered``.
        ``n_dropouts``
            People with a pre-test but no post-test (the ones whose absence could bias the gain).
        ``pre_mean_completers``, ``pre_mean_dropouts``
            Mean pre-test score of the matched people and of the drop-outs.
        ``smd``
            Standardised mean difference of the pre-test, completers minus drop-outs, over the
            pooled sd: :math:`(\\bar x_c - \\bar x_d)/s_p`,
            :math:`s_p = \\sqrt{((n_c-1)s_c^2 + (n_d-1)s_d^2)/(n_c + n_d - 2)}`. Positive when
            those who stayed had started higher. NaN without both kinds of people or without
            variation.
        ``bias_flag``
            True when :math:`|smd| \\ge 0.2` and at least 5 people dropped out: those who left
            differed from those who stayed by at least a "small" effect (Cohen, 1988), in a group
            where enough left for the difference to matter. False otherwise (including NaN smd).
        ``cc_mean_gain``, ``cc_ci_low``, ``cc_ci_high``
            Complete-case mean gain of the matched pairs and its t interval
            :math:`\\bar D \\pm t_{1-\\alpha/2,\\,n-1} s_D/\\sqrt n` (equal to
            :func:`~tip_eval.gains`' ``mean_gain``, ``ci_low``, ``ci_high``).
        ``mi_mean_gain``, ``mi_ci_low``, ``mi_ci_high``, ``mi_df``
            Mean gain of **everyone who took the pre-test**, the drop-outs' post-tests multiply
            imputed, pooled by Rubin's rules, with its t interval and the Barnard-Rubin degrees
            of freedom (see Notes). Equal to the complete-case values in a group without
            drop-outs.
        ``n_imputations``
            M.
        ``confidence``
            Level of the intervals.
        ``conclusion_changes``
            Whether the two intervals lead to different conclusions. Each interval is read as
            "gain" (low > 0), "loss" (high < 0) or "unclear" (contains 0); True when the two
            readings differ. Missing (``pd.NA``) when either interval is undefined.

    Notes
    -----
    **Imputation model** (normal linear regression, "norm" in van Buuren 2018, Algorithm 3.1):
    ``post = a_g + b * pre + e``, ``e ~ N(0, sigma^2)``, fitted on the matched people of all
    groups at once: one intercept per ``by`` group, a common slope and a common residual variance
    (small groups borrow strength). Each of the M imputations draws the parameters from their
    posterior under a flat prior, so that parameter uncertainty is carried forward (proper MI,
    Rubin 1987): :math:`\\sigma^{2*} = RSS/\\chi^2_{\\nu}` (:math:`\\nu = n_{obs} - G - 1`),
    :math:`b^* \\sim N(\\hat b, \\sigma^{2*}/S_{xx})` (:math:`S_{xx}` the within-group sum of
    squares of pre), :math:`a_g^* \\sim N(\\bar y_g - b^*\\bar x_g, \\sigma^{2*}/n_g)`, and each
    missing post-test is :math:`a_g^* + b^* x + N(0, \\sigma^{2*})`. Imputed values are not
    clipped to the scale (clipping would bias the mean). This assumes the post-test is missing
    at random given the pre-test and the group; drop-out that depends on what the person would
    have scored at the post-test itself is not corrected by any imputation, so read a stable
    conclusion as "robust to drop-out explained by the pre-test", not as proof.

    **Pooling** (Rubin's rules): per imputation m the group's mean gain :math:`Q_m` and its
    variance :math:`U_m = s_D^2/N`; :math:`\\bar Q` = mean of :math:`Q_m`,
    :math:`T = \\bar U + (1 + 1/M) B` with :math:`B` the variance of the :math:`Q_m`; the interval
    is :math:`\\bar Q \\pm t_{1-\\alpha/2,\\,\\nu} \\sqrt T` with Barnard & Rubin's (1999)
    :math:`\\nu = (\\nu_{old}^{-1} + \\nu_{obs}^{-1})^{-1}`, :math:`\\nu_{old} = (M-1)/\\lambda^2`,
    :math:`\\lambda = (1+1/M)B/T`, :math:`\\nu_{obs} = \\frac{\\nu_{com}+1}{\\nu_{com}+3}\\nu_{com}(1-\\lambda)`,
    :math:`\\nu_{com} = N - 1`. In a group with no drop-outs B = 0 and :math:`\\nu = \\nu_{com}`.

    Missing-data policy: people without a pre-test cannot be imputed from it; they are counted
    (``registered``, ``took_post``) but left out of both gain estimates. The MI estimate is NaN in
    a group with drop-outs but no matched person (its intercept cannot be estimated) and
    everywhere when the model cannot be fitted (fewer than ``G + 2`` matched people, or no
    variation in pre within groups).

    References
    ----------
    Rubin, D. B. (1987). Multiple imputation for nonresponse in surveys. Wiley. Barnard, J. &
    Rubin, D. B. (1999). Small-sample degrees of freedom with multiple imputation. Biometrika,
    86, 948-955. van Buuren, S. (2018). Flexible imputation of missing data, 2nd ed., section
    3.2 and Algorithm 3.1. Cohen, J. (1988). Statistical power analysis for the behavioral
    sciences, 2nd ed. Austin, P. C. (2009). Balance diagnostics for comparing the distribution of
    baseline covariates. Statistics in Medicine, 28, 3083-3107.
    """
    from scipy import special

    level = _check_level(confidence)
    m_imp = _check_imputations(n_imputations)
    ps = person_scores(
        data, by, measure, module, subject=subject, pre=pre, post=post, phase=phase, score=score, with_reliability=False
    )
    frame, keys = ps.frame, ps.by
    if keys:
        grouped = frame.groupby(keys, sort=True, dropna=False, observed=True)
        codes = grouped.ngroup().to_numpy(dtype=np.int64)
        index = grouped.size().index
    else:
        codes = np.zeros(len(frame), dtype=np.int64)
        index = pd.RangeIndex(1)
    G = len(index)
    x = frame["pre"].to_numpy(dtype=np.float64)
    y = frame["post"].to_numpy(dtype=np.float64)
    has_pre, has_post = ~np.isnan(x), ~np.isnan(y)
    both = has_pre & has_post
    drop = has_pre & ~has_post

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=G).astype(np.float64)

    registered = count(np.ones(len(frame), dtype=bool))
    n_pre, n_post, n_c, n_d = count(has_pre), count(has_post), count(both), count(drop)
    mean_c, ss_c = _mean_ss(codes[both], x[both], G, n_c)
    mean_d, ss_d = _mean_ss(codes[drop], x[drop], G, n_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = np.sqrt((ss_c + ss_d) / (n_c + n_d - 2.0))
        smd = np.where((n_c > 0) & (n_d > 0) & (n_c + n_d > 2) & (pooled > 0), (mean_c - mean_d) / pooled, np.nan)
        matched_pct = np.where(registered > 0, 100.0 * n_c / registered, np.nan)
    bias_flag = (np.abs(np.nan_to_num(smd, nan=0.0)) >= SMD_THRESHOLD) & (n_d >= MIN_DROPOUTS)

    # complete case
    d = y[both] - x[both]
    cc_mean, ss_dd = _mean_ss(codes[both], d, G, n_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        cc_se = np.sqrt(ss_dd / (n_c - 1.0) / n_c)
        t_cc = special.stdtrit(n_c - 1.0, 1.0 - (1.0 - level) / 2.0)
        ok_cc = (n_c >= 2) & (cc_se > 0)
        cc_low = np.where(ok_cc, cc_mean - t_cc * cc_se, np.nan)
        cc_high = np.where(ok_cc, cc_mean + t_cc * cc_se, np.nan)

    # multiple imputation of the drop-outs' post-tests
    mi_mean, mi_low, mi_high, mi_df = _multiple_imputation(
        codes, x, y, has_pre, both, drop, G, n_c, n_d, m_imp, level, seed
    )

    concl_cc = _reading(cc_low, cc_high)
    concl_mi = _reading(mi_low, mi_high)
    changes = pd.array(np.where(np.isnan(concl_cc) | np.isnan(concl_mi), False, concl_cc != concl_mi), dtype="boolean")
    changes[np.isnan(concl_cc) | np.isnan(concl_mi)] = pd.NA

    out = pd.DataFrame(
        {
            "registered": registered.astype(np.int64),
            "took_pre": n_pre.astype(np.int64),
            "took_post": n_post.astype(np.int64),
            "matched": n_c.astype(np.int64),
            "matched_pct": matched_pct,
            "n_dropouts": n_d.astype(np.int64),
            "pre_mean_completers": np.where(n_c > 0, mean_c, np.nan),
            "pre_mean_dropouts": np.where(n_d > 0, mean_d, np.nan),
            "smd": smd,
            "bias_flag": bias_flag,
            "cc_mean_gain": np.where(n_c > 0, cc_mean, np.nan),
            "cc_ci_low": cc_low,
            "cc_ci_high": cc_high,
            "mi_mean_gain": mi_mean,
            "mi_ci_low": mi_low,
            "mi_ci_high": mi_high,
            "mi_df": mi_df,
            "n_imputations": np.int64(m_imp),
            "confidence": level,
            "conclusion_changes": changes,
        },
        index=index,
    )
    out = out.reset_index(drop=not keys)
    return out[[*keys, *ATTRITION_COLUMNS]]


def _check_level(confidence: object) -> float:
    try:
        value = float(confidence)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 < value < 1.0:
        raise ValueError(f"confidence must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}")
    return value


def _check_imputations(n_imputations: object) -> int:
    if isinstance(n_imputations, bool) or not isinstance(n_imputations, (int, np.integer)) or n_imputations < 2:
        raise ValueError(f"n_imputations must be a whole number of at least 2 (e.g. 20); got {n_imputations!r}")
    return int(n_imputations)


def _mean_ss(codes: np.ndarray, v: np.ndarray, G: int, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-group mean and sum of squared deviations (two passes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, weights=v, minlength=G) / n
        dev = v - mean[codes]
        ss = np.bincount(codes, weights=dev * dev, minlength=G)
    return mean, ss


def _reading(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """1 = gain (low > 0), -1 = loss (high < 0), 0 = unclear; NaN when undefined."""
    read = np.where(low > 0, 1.0, np.where(high < 0, -1.0, 0.0))
    return np.where(np.isnan(low) | np.isnan(high), np.nan, read)


def _multiple_imputation(
    codes: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    has_pre: np.ndarray,
    both: np.ndarray,
    drop: np.ndarray,
    G: int,
    n_c: np.ndarray,
    n_d: np.ndarray,
    M: int,
    level: float,
    seed: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Proper MI (Bayesian normal regression with group intercepts) and Rubin's rules, all groups at once."""
    from scipy import special

    nan = np.full(G, np.nan)
    cb, xb, yb = codes[both], x[both], y[both]
    x_bar, ssx = _mean_ss(cb, xb, G, n_c)
    y_bar = np.bincount(cb, weights=yb, minlength=G) / np.where(n_c > 0, n_c, 1.0)
    sxx = float(ssx[n_c > 0].sum())
    dx = xb - x_bar[cb]
    sxy = float(np.sum(dx * (yb - y_bar[cb])))
    g_obs = int((n_c > 0).sum())
    nu = int(both.sum()) - g_obs - 1
    if nu < 1 or not sxx > 0:
        return nan, nan.copy(), nan.copy(), nan.copy()
    b_hat = sxy / sxx
    resid = yb - (y_bar[cb] + b_hat * dx)
    rss = float(np.sum(resid * resid))

    rng = np.random.default_rng(seed)
    sigma2 = rss / rng.chisquare(nu, size=M)  # M draws
    b_star = b_hat + rng.standard_normal(M) * np.sqrt(sigma2 / sxx)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_star = (
            y_bar[None, :]
            - b_star[:, None] * x_bar[None, :]
            + rng.standard_normal((M, G)) * np.sqrt(sigma2[:, None] / n_c[None, :])
        )
    cd, xd = codes[drop], x[drop]
    y_imp = a_star[:, cd] + b_star[:, None] * xd[None, :] + rng.standard_normal((M, cd.size)) * np.sqrt(sigma2)[:, None]

    # per imputation: everyone with a pre-test; completers' differences are the same in every m
    n_all = n_c + n_d
    d_obs = yb - xb
    sum_obs = np.bincount(cb, weights=d_obs, minlength=G)
    d_imp = y_imp - xd[None, :]
    flat = (cd[None, :] + G * np.arange(M)[:, None]).ravel()
    sum_imp = np.bincount(flat, weights=d_imp.ravel(), minlength=M * G).reshape(M, G)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (sum_obs[None, :] + sum_imp) / n_all[None, :]  # M x G
        dev_obs = d_obs[None, :] - q[:, cb]
        ss_obs = np.bincount(
            (cb[None, :] + G * np.arange(M)[:, None]).ravel(), weights=(dev_obs**2).ravel(), minlength=M * G
        ).reshape(M, G)
        dev_imp = d_imp - q[:, cd]
        ss_imp = np.bincount(flat, weights=(dev_imp**2).ravel(), minlength=M * G).reshape(M, G)
        u = (ss_obs + ss_imp) / (n_all - 1.0)[None, :] / n_all[None, :]
        q_bar = q.mean(axis=0)
        u_bar = u.mean(axis=0)
        b_var = q.var(axis=0, ddof=1)
        b_var = np.where(n_d > 0, b_var, 0.0)
        q_bar = np.where(n_d > 0, q_bar, q[0])  # no one imputed: the complete-case value, exactly
        total = u_bar + (1.0 + 1.0 / M) * b_var
        lam = (1.0 + 1.0 / M) * b_var / total
        nu_com = n_all - 1.0
        nu_obs = (nu_com + 1.0) / (nu_com + 3.0) * nu_com * (1.0 - lam)
        nu_old = (M - 1.0) / lam**2
        df = np.where(b_var > 0, 1.0 / (1.0 / nu_old + 1.0 / nu_obs), nu_com)
        half = special.stdtrit(df, 1.0 - (1.0 - level) / 2.0) * np.sqrt(total)
        ok = (n_c > 0) & (n_all >= 2) & (total > 0) & np.isfinite(q_bar)
    mean = np.where((n_c > 0) & np.isfinite(q_bar), q_bar, np.nan)
    return mean, np.where(ok, q_bar - half, np.nan), np.where(ok, q_bar + half, np.nan), np.where(ok, df, np.nan)
