"""Model-based comparison of groups (trainings): ANCOVA effects, random-intercept shrinkage, the ICC.

Three tools, each on a plain person-level frame (one row per person):

- :func:`ancova_effects`: ordinary least squares ``outcome ~ covariates + fixed + C(group, Sum)``;
  each group's effect is its difference from the **unweighted mean of the groups** (sum-to-zero,
  "deviation" coding), with a t interval;
- :func:`random_intercept_effects`: the linear mixed model ``outcome ~ fixed + (1 | group)``
  (statsmodels ``MixedLM``, REML); each group's effect is the BLUP of its random intercept, its
  shrunken difference from the model's mean; each group's mean gets a FAB interval (exact
  coverage for every group, Yu & Hoff 2018) and the fixed effects their GLS standard errors;
- :func:`intraclass_correlation`: the share of the outcome's variance that lies between groups,
  with an F-based interval.

statsmodels and scipy.stats are imported inside the functions, so importing this module is cheap.

References
----------
Raudenbush, S. W. & Bryk, A. S. (2002). *Hierarchical linear models* (2nd ed.), ch. 3-4
(empirical Bayes estimates of group effects, shrinkage toward the grand mean, reliability
:math:`\\lambda_j`).
Henderson, C. R. (1975). Best linear unbiased estimation and prediction under a selection model.
*Biometrics*, 31, 423-447 (prediction error variance from the mixed model equations).
Prasad, N. G. N. & Rao, J. N. K. (1990). The estimation of the mean squared error of small-area
estimators. *JASA*, 85, 163-171; Datta, G. S. & Lahiri, P. (2000). A unified measure of uncertainty
of estimated best linear unbiased predictors in small area estimation problems. *Statistica
Sinica*, 10, 613-627 (the allowance for estimating the variance components).
Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications. *JASA*, 78, 47-55.
Searle, S. R. (1971). *Linear models*, section 9.7 (confidence interval of the intraclass
correlation in the one-way random model); Shrout, P. E. & Fleiss, J. L. (1979). Intraclass
correlations: uses in assessing rater reliability. *Psychological Bulletin*, 86, 420-428.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: above this many cells (people x parameters) the ANCOVA is fitted by the within-group route
DENSE_CELLS = 1_000_000

#: columns of the effects table of :func:`ancova_effects`
ANCOVA_COLUMNS: tuple[str, ...] = ("n", "effect", "se", "ci_low", "ci_high", "t", "df", "p_value")
#: columns of the effects table of :func:`random_intercept_effects`
MIXED_COLUMNS: tuple[str, ...] = (
    "n",
    "effect",
    "conditional_var",
    "prediction_var",
    "mse",
    "shrinkage",
    "fitted_mean",
    "direct_mean",
    "direct_se",
    "prior_mean",
    "prior_var",
    "ci_low",
    "ci_high",
)
#: columns of :attr:`MixedFit.fixed`
FIXED_COLUMNS: tuple[str, ...] = ("estimate", "se", "t")
#: entries of :func:`intraclass_correlation`
ICC_FIELDS: tuple[str, ...] = (
    "icc",
    "ci_low",
    "ci_high",
    "confidence",
    "between_var",
    "within_var",
    "f",
    "df1",
    "df2",
    "n0",
    "n_groups",
    "n",
)


# --- design matrices -------------------------------------------------------------------------------


def _check_confidence(confidence: Any) -> float:
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 < value < 1.0:
        raise ValueError(f"`confidence` must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    return value


def _as_list(cols: Any, name: str) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    out = list(cols)
    if not all(isinstance(c, str) for c in out):
        raise TypeError(f"`{name}` must be a column name or a list of column names; got {cols!r}.")
    return out


def _is_numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _levels(col: pd.Series) -> list[Any]:
    return sorted(pd.unique(col.dropna()).tolist(), key=lambda v: (str(type(v)), v))


def _treatment(frame: pd.DataFrame, col: str) -> pd.DataFrame:
    """Treatment (dummy) coding of a categorical column, first sorted level as reference."""
    levels = _levels(frame[col])
    values = frame[col].to_numpy(dtype=object)
    return pd.DataFrame(
        {f"{col}[T.{lev}]": (values == lev).astype(np.float64) for lev in levels[1:]}, index=frame.index
    )


def sum_coding(levels: Sequence[Any]) -> np.ndarray:
    """Sum-to-zero (deviation) contrast matrix: ``k x (k-1)``, last level coded -1 everywhere.

    With this coding the coefficient of level i (i < k) is its effect, the difference between its
    mean and the unweighted mean of the k level means; the last level's effect is minus the sum of
    the others (R's ``contr.sum``, patsy's ``Sum``).
    """
    k = len(levels)
    mat = np.zeros((k, max(k - 1, 0)))
    if k > 1:
        mat[: k - 1] = np.eye(k - 1)
        mat[k - 1] = -1.0
    return mat


def _covariate_columns(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    parts = []
    for c in cols:
        if _is_numeric(frame[c]):
            parts.append(frame[[c]].astype(np.float64))
        else:
            parts.append(_treatment(frame, c))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def _complete(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    missing = [c for c in dict.fromkeys(cols) if c not in frame.columns]
    if missing:
        raise KeyError(
            f"column(s) {missing} are not in the frame; its columns are: {', '.join(map(str, frame.columns))}"
        )
    return frame.loc[frame[list(dict.fromkeys(cols))].notna().all(axis=1)]


def _check_rank(x: np.ndarray, names: Iterable[Hashable], what: str) -> None:
    rank = np.linalg.matrix_rank(x.T @ x, hermitian=True) if x.size else 0  # p x p: cheap for tall designs
    if rank < x.shape[1]:
        raise ValueError(
            f"{what}: the design is rank deficient ({x.shape[1]} columns, rank {rank}); some of "
            f"{', '.join(map(str, names))} are determined by the others (for example a characteristic of the "
            "group itself, such as the country of a training, entered as a person-level covariate: pass it "
            "as `within=` instead), or there are too few people."
        )


# --- ANCOVA ----------------------------------------------------------------------------------------


@dataclass
class AncovaFit:
    """Result of :func:`ancova_effects`.

    Attributes
    ----------
    result : statsmodels RegressionResultsWrapper or None
        The OLS fit (its exog columns are named: ``Intercept``, the covariates, treatment dummies
        ``col[T.level]`` of categorical covariates, and ``group[S.level]`` for the sum-coded groups).
        With very many people x groups (above :data:`DENSE_CELLS` cells) it is instead the
        within-group regression of the demeaned outcome on the demeaned covariates (same slopes;
        its standard errors ignore the absorbed group means), or None without covariates.
    effects : pandas.DataFrame
        One row per group (index: the group levels, sorted), columns :data:`ANCOVA_COLUMNS`.
    contrast : numpy.ndarray or None
        The matrix L (groups x parameters) with ``effects.effect = L @ result.params``; None on
        the within-group route.
    adjusted : numpy.ndarray
        The groups' sum-to-zero effects before any ``within`` re-expression: each group's
        adjusted mean minus the unweighted mean of all groups' adjusted means (any contrast
        between groups is the same as between their adjusted means).
    adjusted_cov : numpy.ndarray
        Their estimated covariance matrix (groups x groups), from the OLS covariance.
    adjusted_diag, adjusted_factor : numpy.ndarray
        The same covariance up to a common shift of all groups (which no contrast between
        groups sees), as ``diag(adjusted_diag) + adjusted_factor @ adjusted_factor.T``:
        :math:`s^2/n_j` and :math:`(\\bar x_j - \\bar x)' R` with :math:`R R' = V_b`, the
        covariance of the covariates' slopes (adjusted means :math:`\\bar y_j - \\hat b'(\\bar x_j -
        \\bar x)`, :math:`\\bar y_j` and :math:`\\hat b` uncorrelated). Cheap to draw from for many
        groups.
    df : float
        Residual degrees of freedom.
    """

    result: Any
    effects: pd.DataFrame
    contrast: np.ndarray | None
    adjusted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    adjusted_cov: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    adjusted_diag: np.ndarray = field(default_factory=lambda: np.zeros(0))
    adjusted_factor: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    df: float = float("nan")


def ancova_effects(
    frame: pd.DataFrame,
    outcome: str = "post",
    covariates: Sequence[str] | str = ("pre",),
    group: str = "training_id",
    fixed: Sequence[str] | str = (),
    within: str | None = None,
    confidence: float = 0.95,
) -> AncovaFit:
    """Covariate-adjusted group effects: each group's difference from the average group (ANCOVA).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per person. Rows with a missing value in any column used are left out.
    outcome : str
        The outcome column (e.g. the post-test score).
    covariates : str or list of str
        Covariates (e.g. the pre-test score). Numeric columns enter linearly; text or categorical
        columns as treatment dummies.
    group : str
        The grouping column (e.g. ``training_id``), sum-to-zero coded.
    fixed : str or list of str
        Further person-level categorical fixed effects (e.g. ``sector``), treatment coded.
    within : str, optional
        A characteristic of the groups (constant within each group, e.g. ``country``). It is
        absorbed by the group effects (adding it to the model would change nothing), so instead
        each effect is re-expressed as the group's difference from the unweighted mean of the
        groups **with the same value** of ``within``. Groups alone in their category get NaN.
    confidence : float
        Level of the t intervals.

    Returns
    -------
    AncovaFit
        ``.result`` (the statsmodels OLS results), ``.effects`` and ``.contrast``. The effects
        table has one row per group with people, columns:

        - ``n``: people in the model;
        - ``effect``: :math:`\\hat\\alpha_j`, the group's adjusted mean minus the **unweighted**
          mean of all groups' adjusted means (each group counts once, whatever its size; the
          adjusted means are taken at any common covariate value, the model having parallel
          slopes). From ``y = b0 + b'x + sum_j alpha_j g_j + e`` with :math:`\\sum_j \\alpha_j = 0`;
        - ``se``, ``ci_low``, ``ci_high``, ``t``, ``df``, ``p_value``: standard error from the OLS
          covariance of the estimates, :math:`\\hat\\alpha_j \\pm t_{1-a/2,\\,df}\\,se`, ``df`` the
          residual degrees of freedom, two-sided p-value of :math:`\\alpha_j = 0`.

    Notes
    -----
    The model is ``outcome ~ covariates + fixed + C(group, Sum)``. The coefficient of level i
    (i < k) equals statsmodels' ``smf.ols("post ~ pre + C(group, Sum)")`` coefficient
    ``C(group, Sum)[S.i]``; the last level's effect is minus the sum of the others, and its
    standard error comes from the same covariance matrix. It assumes the covariate's slope is
    the same in every group (no group x covariate interaction).

    With more than :data:`DENSE_CELLS` cells in the design (e.g. thousands of trainings), the same
    estimates and standard errors are computed without the people x groups dummy matrix
    (Frisch-Waugh-Lovell): slopes from the within-group regression, adjusted means
    :math:`a_j = \\bar y_j - \\bar x_j'\\hat b`,
    :math:`\\operatorname{Var}(a) = s^2\\operatorname{diag}(1/n_j) + \\bar X V_b \\bar X'`.
    """
    confidence = _check_confidence(confidence)
    from scipy import stats
    from statsmodels.regression.linear_model import OLS  # not statsmodels.api, which adds ~0.3 s of imports

    covs, fix = _as_list(covariates, "covariates"), _as_list(fixed, "fixed")
    used = [outcome, *covs, group, *fix] + ([within] if within else [])
    data = _complete(frame, used)
    levels = _levels(data[group])
    if len(levels) < 2:
        raise ValueError(f"ancova_effects needs at least 2 groups in {group!r} with complete data; got {len(levels)}.")
    gvals = data[group].to_numpy(dtype=object)
    gcode = pd.Index(levels).get_indexer(gvals)
    k = len(levels)
    xc = pd.concat([_covariate_columns(data, covs), _covariate_columns(data, fix)], axis=1)
    if within:
        varying = data.groupby(group, sort=True)[within].nunique()
        if (varying > 1).any():
            raise ValueError(
                f"within: {within!r} must be constant within each {group}; it varies in "
                f"{varying.index[varying > 1][0]!r}."
            )
        cat = data.groupby(group, sort=True)[within].agg(lambda s: s.iloc[0]).reindex(levels).to_numpy(dtype=object)
        _, ccode = np.unique(cat.astype(str), return_inverse=True)
    else:
        ccode = np.zeros(k, dtype=np.int64)
    size = np.bincount(ccode).astype(np.float64)
    alone = size[ccode] < 2
    y = data[outcome].to_numpy(dtype=np.float64)
    n = np.bincount(gcode, minlength=k).astype(np.float64)
    if len(data) * (k + xc.shape[1]) <= DENSE_CELLS:
        sc = sum_coding(levels)
        xg = pd.DataFrame(sc[gcode], index=data.index, columns=[f"{group}[S.{lev}]" for lev in levels[:-1]])
        exog = pd.concat([pd.DataFrame({"Intercept": 1.0}, index=data.index), xc, xg], axis=1)
        _check_rank(exog.to_numpy(), exog.columns, "ancova_effects")
        result = OLS(pd.Series(y, index=data.index, name=outcome), exog).fit()
        p = exog.shape[1]
        L = np.zeros((k, p))
        L[:, p - (k - 1) :] = sc
        cov0 = result.cov_params().to_numpy()
        adjusted = L @ result.params.to_numpy()
        adjusted_cov = L @ cov0 @ L.T
        s2 = float(result.scale)
        vb = cov0[1 : 1 + xc.shape[1], 1 : 1 + xc.shape[1]]
        xbar = np.zeros((k, xc.shape[1]))
        np.add.at(xbar, gcode, xc.to_numpy(dtype=np.float64))
        xbar /= n[:, None]
        if within:  # W averages the groups of the same category: effects = (I - W) alpha
            same = (ccode[:, None] == ccode[None, :]).astype(np.float64)
            L = (np.eye(k) - same / same.sum(axis=1, keepdims=True)) @ L
        est = L @ result.params.to_numpy()
        cov = result.cov_params().to_numpy()
        var = np.einsum("ij,jk,ik->i", L, cov, L)
        df = float(result.df_resid)
    else:
        # many groups: the same estimates by the within-group (Frisch-Waugh-Lovell) route, without
        # the N x k dummy matrix. a_j = ybar_j - xbar_j'b; effects (I - W) a; Var(a) = s2 diag(1/n) +
        # Xbar V_b Xbar'.
        L = None
        x = xc.to_numpy(dtype=np.float64)
        xd, yd = _demean(x, gcode, k) if x.shape[1] else x, _demean(y, gcode, k)
        if x.shape[1]:
            _check_rank(xd, list(xc.columns), "ancova_effects")
        result = (
            OLS(
                pd.Series(yd, index=data.index, name=outcome), pd.DataFrame(xd, index=data.index, columns=xc.columns)
            ).fit()
            if x.shape[1]
            else None
        )
        b = result.params.to_numpy() if result is not None else np.zeros(0)
        df = float(len(data) - k - x.shape[1])
        rss = float(np.sum((yd - xd @ b) ** 2)) if x.shape[1] else float(np.sum(yd**2))
        s2 = rss / df if df > 0 else np.nan
        xbar = np.zeros((k, x.shape[1]))
        np.add.at(xbar, gcode, x)
        xbar /= n[:, None]
        a = np.bincount(gcode, weights=y, minlength=k) / n - xbar @ b
        csize = size[ccode]

        def cat_mean(v: np.ndarray) -> np.ndarray:
            out: np.ndarray = (np.bincount(ccode, weights=v, minlength=len(size)) / size)[ccode]
            return out

        est = a - cat_mean(a)
        m_xbar = xbar - np.column_stack([cat_mean(xbar[:, j]) for j in range(x.shape[1])]) if x.shape[1] else xbar
        vb = s2 * np.linalg.pinv(xd.T @ xd, hermitian=True) if x.shape[1] else np.zeros((0, 0))
        # diag of (I - W) diag(1/n) (I - W)': (1 - 2/|c|)/n_j + (1/|c|^2) sum_{l in c} 1/n_l
        diag_part = (1.0 - 2.0 / csize) / n + cat_mean(1.0 / n) / csize
        var = s2 * diag_part + np.einsum("ij,jk,ik->i", m_xbar, vb, m_xbar)
        centre = np.eye(k) - 1.0 / k
        adjusted = centre @ a
        adjusted_cov = centre @ (s2 * np.diag(1.0 / n) + xbar @ vb @ xbar.T) @ centre.T
    se = np.sqrt(np.maximum(var, 0.0))
    q = stats.t.ppf(0.5 + confidence / 2.0, df) if df > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        t = est / se
    effects = pd.DataFrame(
        {
            "n": pd.Series(gcode).value_counts().reindex(range(len(levels)), fill_value=0).to_numpy(dtype=np.int64),
            "effect": est,
            "se": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "t": t,
            "df": df,
            "p_value": 2.0 * stats.t.sf(np.abs(t), df) if df > 0 else np.nan,
        },
        index=pd.Index(levels, name=group),
    )
    effects.loc[alone, ["effect", "se", "ci_low", "ci_high", "t", "p_value"]] = np.nan
    shift = xbar - xbar.mean(axis=0) if xbar.shape[1] else xbar
    if xbar.shape[1]:
        vals, vecs = np.linalg.eigh((vb + vb.T) / 2.0)
        factor = shift @ (vecs * np.sqrt(np.clip(vals, 0.0, None)))
    else:
        factor = np.zeros((k, 0))
    return AncovaFit(
        result=result,
        effects=effects,
        contrast=L,
        adjusted=adjusted,
        adjusted_cov=adjusted_cov,
        adjusted_diag=s2 / n,
        adjusted_factor=factor,
        df=df,
    )


# --- random-intercept model ------------------------------------------------------------------------


@dataclass
class MixedFit:
    """Result of :func:`random_intercept_effects`.

    Attributes
    ----------
    result : statsmodels MixedLMResultsWrapper
        The REML fit. Its ``bse`` of the fixed effects is **not** the usual GLS standard error
        (statsmodels takes it from the joint information of the fixed effects and the variance
        parameters); use :attr:`fixed` for the value lme4 reports.
    effects : pandas.DataFrame
        One row per group (sorted), columns :data:`MIXED_COLUMNS`.
    fixed : pandas.DataFrame
        The fixed effects (index: the terms), columns :data:`FIXED_COLUMNS`: the REML estimate and
        its GLS standard error :math:`\\sqrt{[(X'\\hat V^{-1}X)^{-1}]_{ii}}` with the variance
        components plugged in, as ``summary(lme4::lmer(...))`` reports it, and ``t`` = estimate/se.
    between_var, within_var : float
        Estimated variance of the group intercepts (:math:`\\tau^2`) and of the residuals
        (:math:`\\sigma^2`).
    boundary : bool
        True when :math:`\\tau^2` is estimated as (practically) zero: every BLUP is then 0.
    direct_df : float
        Degrees of freedom of the direct estimates' standard errors (people - groups - person-level
        fixed effects).
    warnings : list of str
        Warnings raised while fitting (convergence, boundary), kept rather than printed.
    """

    result: Any
    effects: pd.DataFrame
    fixed: pd.DataFrame
    between_var: float
    within_var: float
    boundary: bool
    direct_df: float = float("nan")
    warnings: list[str] = field(default_factory=list)


#: optimisers tried in turn when the fit started at the profiled optimum does not converge
MIXED_FALLBACK_METHODS: tuple[str | None, ...] = (None, "powell", "nm")


def profile_variance_ratio(y: np.ndarray, x: np.ndarray, codes: np.ndarray, n_groups: int, reml: bool = True) -> float:
    """Maximise the (restricted) likelihood of a random-intercept model over :math:`r = \\tau^2/\\sigma^2`.

    With :math:`V_j = \\sigma^2(I + r J)`, :math:`V_j^{-1} = \\sigma^{-2}(I - w_j J)`,
    :math:`w_j = r/(1 + n_j r)`, the fixed effects and :math:`\\sigma^2` are profiled out, and every
    quantity is a sum over groups, so one evaluation costs :math:`O(N p^2)`: the REML criterion is
    :math:`-\\tfrac12[(N-p)\\log\\hat\\sigma^2 + \\sum_j \\log(1 + n_j r) + \\log|X'V_0^{-1}X|]`
    (ML: :math:`N\\log\\hat\\sigma^2` and no determinant). A bounded one-dimensional search on
    :math:`\\log r \\in [-25, 10]` finds the optimum; a value at the lower end is the boundary
    :math:`\\tau^2 = 0`. Used to start statsmodels' optimiser at the optimum, which its gradient
    methods otherwise often fail to reach for this model.
    """
    from scipy import optimize

    negll, _ = _reml_profile(y, x, codes, n_groups, reml)
    res = optimize.minimize_scalar(negll, bounds=(-25.0, 10.0), method="bounded", options={"xatol": 1e-9})
    return float(np.exp(res.x))


def _reml_profile(y: np.ndarray, x: np.ndarray, codes: np.ndarray, n_groups: int, reml: bool = True) -> tuple[Any, Any]:
    """The profiled criterion of :func:`profile_variance_ratio` and the closed-form fit at a ratio.

    Returns ``(negll, solve)``: ``negll(log r)`` is minus the profiled (restricted) log-likelihood
    (up to a constant); ``solve(r)`` returns ``(beta, sigma2)``, the GLS fixed effects
    :math:`(X'V_0^{-1}X)^{-1}X'V_0^{-1}y` and :math:`\\hat\\sigma^2` = the GLS residual sum of squares
    over N - p (REML) or N (ML), with :math:`V_0 = I + rJ` per group.
    """
    n_obs, p = x.shape
    n = np.bincount(codes, minlength=n_groups).astype(np.float64)
    sx = np.zeros((n_groups, p))
    np.add.at(sx, codes, x)
    ty = np.bincount(codes, weights=y, minlength=n_groups)
    xtx, xty, yty = x.T @ x, x.T @ y, float(y @ y)
    dof = n_obs - p if reml else n_obs

    def parts(r: float) -> tuple[np.ndarray, np.ndarray, float]:
        w = r / (1.0 + n * r)
        a = xtx - (sx * w[:, None]).T @ sx
        b = xty - (sx * w[:, None]).T @ ty
        beta = np.linalg.lstsq(a, b, rcond=None)[0]
        rss = max(yty - float(np.sum(w * ty * ty)) - float(b @ beta), 1e-300)
        return a, beta, rss

    def negll(logr: float) -> float:
        r = float(np.exp(logr))
        a, _, rss = parts(r)
        val = dof * np.log(rss / dof) + float(np.sum(np.log1p(n * r)))
        if reml:
            val += np.linalg.slogdet(a)[1]
        return float(0.5 * val)

    def solve(r: float) -> tuple[np.ndarray, float]:
        _, beta, rss = parts(r)
        return beta, rss / dof

    return negll, solve


def _fit_mixed(model: Any, reml: bool, start_ratio: float | None = None) -> tuple[Any, list[str]]:
    """Fit a MixedLM, started at the profiled optimum, falling back to other optimisers.

    The first converged fit is returned; if none converges, the one with the highest
    (restricted) log-likelihood, with a warning.
    """
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    caught: list[str] = []
    tried: list[Any] = []
    attempts: list[tuple[str, dict[str, Any]]] = []
    if start_ratio is not None:
        fe0 = _ls(model.exog, model.endog)[0]
        start = MixedLMParams.from_components(fe_params=fe0, cov_re=np.array([[start_ratio]]))
        attempts.append(("profiled start", {"start_params": start}))
    attempts += [(m or "default", {} if m is None else {"method": m}) for m in MIXED_FALLBACK_METHODS]
    for label, kwargs in attempts:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                result = model.fit(reml=reml, **kwargs)
            except (np.linalg.LinAlgError, ValueError, FloatingPointError) as err:
                caught.append(f"{label} fit failed: {err}")
                continue
        if result.converged and np.isfinite(result.llf):
            if tried or len(caught):
                caught.append(f"fitted with the {label} optimiser after the earlier attempts failed")
            caught.extend(str(w.message) for w in record if str(w.message) not in caught)
            return result, caught
        caught.append(f"{label} fit did not converge")
        tried.append(result)
    if not tried:
        raise ValueError("the mixed model could not be fitted with any optimiser: " + "; ".join(caught))
    best = max(tried, key=lambda r: r.llf if np.isfinite(r.llf) else -np.inf)
    caught.append("no optimiser converged; the fit with the highest likelihood is used, treat it with caution")
    return best, caught


def random_intercept_effects(
    frame: pd.DataFrame,
    outcome: str = "gain",
    group: str = "training_id",
    fixed: Sequence[str] | str = (),
    confidence: float = 0.95,
    reml: bool = True,
) -> MixedFit:
    """Shrunken group effects from a random-intercept linear mixed model (empirical Bayes).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per person. Rows with a missing value in any column used are left out.
    outcome : str
        The outcome column (e.g. the person's gain).
    group : str
        The grouping column with a random intercept (e.g. ``training_id``).
    fixed : str or list of str
        Fixed effects: numeric columns linearly, categorical ones as treatment dummies (e.g.
        ``sector`` of the person, ``country`` of the training).
    confidence : float
        Coverage of the groups' intervals (``ci_low``, ``ci_high``).
    reml : bool
        Fit by REML (default) or maximum likelihood.

    Returns
    -------
    MixedFit
        The effects table has one row per group with people:

        - ``n``: people in the model;
        - ``effect``: the BLUP :math:`\\hat u_j` of the group's random intercept, its predicted
          difference from the fixed part of the model (with no fixed effects: from the overall
          mean :math:`\\hat\\gamma_0`). For the model :math:`y_{ij} = x_{ij}'\\gamma + u_j + e_{ij}`,
          :math:`u_j \\sim N(0, \\tau^2)`, :math:`e_{ij} \\sim N(0, \\sigma^2)`:
          :math:`\\hat u_j = \\lambda_j\\,\\overline{(y - x'\\hat\\gamma)}_j` with reliability
          :math:`\\lambda_j = \\tau^2 / (\\tau^2 + \\sigma^2/n_j)` (Raudenbush & Bryk 2002, eq. 3.57): a
          small or noisy group is pulled strongly toward 0;
        - ``conditional_var``: :math:`\\tau^2(1-\\lambda_j) = \\tau^2\\sigma^2/(\\sigma^2 + n_j\\tau^2)`, the
          variance of :math:`u_j` given the data with :math:`\\gamma` known; this is statsmodels'
          ``MixedLMResults.random_effects_cov``;
        - ``prediction_var``: ``conditional_var`` plus the variance added by estimating
          :math:`\\gamma` (Henderson's prediction error variance :math:`\\operatorname{Var}(\\hat u_j -
          u_j)`, the group block of the inverse of the mixed model equations), still with
          :math:`\\tau^2, \\sigma^2` known;
        - ``mse``: ``prediction_var`` plus :math:`2 g_{3j}`, the Prasad-Rao (1990) / Datta-Lahiri
          (2000) allowance for estimating :math:`\\tau^2`:
          :math:`g_{3j} = D_j^2 (\\tau^2 + D_j)^{-3}\\,\\bar V(\\hat\\tau^2)`, :math:`D_j = \\sigma^2/n_j`,
          :math:`\\bar V(\\hat\\tau^2) = 2 / \\sum_k (\\tau^2 + D_k)^{-2}` (the asymptotic variance of the
          REML estimate, :math:`\\sigma^2` treated as known);
        - ``shrinkage``: :math:`\\lambda_j` (1 = no shrinkage, 0 = pulled all the way to the mean);
        - ``fitted_mean``: the model's shrunken estimate of the group's mean outcome,
          :math:`x_j^{*\\prime}\\hat\\gamma + \\hat u_j`, with :math:`x_j^*` the group's own values of
          group-level fixed effects (e.g. its country) and the mean over **all** people of
          person-level ones (e.g. the study's mix of sectors); without fixed effects
          :math:`\\hat\\gamma_0 + \\hat u_j`;
        - ``direct_mean``, ``direct_se``: the group's own (unshrunken) estimate of the same mean,
          :math:`\\bar y_j - (\\bar x_j - \\bar x)'\\hat\\beta_W` with :math:`\\hat\\beta_W` the
          within-group slopes of person-level fixed effects (none: :math:`\\bar y_j`), and its
          standard error from the pooled within-group variance (``direct_df`` degrees of freedom);
        - ``prior_mean``, ``prior_var``: what the **other** groups suggest for this group's mean:
          the GLS mean of the other groups' direct means (of the same category of group-level
          fixed effects) with weights :math:`1/(\\hat\\tau^2 + se_i^2)`, and the model's
          :math:`\\hat\\tau^2` (:func:`tip_eval.stats.fab.loo_prior`); no prior (``inf``) for a group
          alone in its category;
        - ``ci_low``, ``ci_high``: the FAB interval of Yu & Hoff (2018) for the group's mean, from
          ``direct_mean`` and that prior (:func:`tip_eval.stats.fab.fab_interval`): it keeps about
          95% coverage for each group whatever its true mean (also a group far from the others; a
          FAB interval's coverage is exact when its prior ignores the group, here only the mean
          does, and the simulations of ``benchmarks/CALIBRATION.md`` put every training between
          91.8% and 96.4%, the lowest a training 10 points below the rest whose mirror image, 10
          points above, had 94.6%), and is shorter than the t interval where the others are a good guide. It
          always holds ``fitted_mean``: the interval holds the group's own mean and the
          posterior mean under the prior, and the BLUP lies between them.

    Notes
    -----
    Why not the usual empirical Bayes interval :math:`\\hat u_j \\pm z\\sqrt{\\text{mse}}`: it covers
    95% on average over groups, not for each group. A group far from the others is shrunk toward
    them and its interval missed its true mean in 16% of simulated studies (one training 15
    points better than six identical ones), 23% for the top three of 30 trainings, while the
    ordinary groups were covered nearly always (Morris 1983; Hoff 2022). The FAB interval's
    coverage holds for each group (``benchmarks/CALIBRATION.md``).
    When :math:`\\tau^2` is estimated as 0 every effect is 0 (the model then cannot rank the
    groups); the FAB intervals remain valid.
    """
    confidence = _check_confidence(confidence)
    from statsmodels.regression.mixed_linear_model import MixedLM  # not statsmodels.api (~0.3 s of imports)

    from .fab import fab_intervals

    fix = _as_list(fixed, "fixed")
    data = _complete(frame, [outcome, group, *fix])
    levels = _levels(data[group])
    if len(levels) < 2:
        raise ValueError(f"random_intercept_effects needs at least 2 groups in {group!r}; got {len(levels)}.")
    exog = pd.concat([pd.DataFrame({"Intercept": 1.0}, index=data.index), _covariate_columns(data, fix)], axis=1)
    _check_rank(exog.to_numpy(), exog.columns, "random_intercept_effects")
    y = data[outcome].astype(np.float64)
    groups = data[group].to_numpy(dtype=object)
    gcode = pd.Index(levels).get_indexer(groups)
    k = len(levels)
    x = exog.to_numpy(dtype=np.float64)
    yv = y.to_numpy()
    ratio = profile_variance_ratio(yv, x, gcode, k, reml)
    result, caught = _fit_mixed(MixedLM(y, exog, groups=groups), reml, ratio)
    # The estimates are computed in closed form at the better of two REML optima: statsmodels' and the
    # profiled one. At the boundary (tau2 = 0) statsmodels' optimiser can stop, "converged", at a point
    # with a lower likelihood and fixed effects off their GLS values (seen in simulations with no
    # differences between groups); the GLS fixed effects and BLUPs at the chosen variance ratio are
    # exactly what lme4 reports.
    negll, solve = _reml_profile(yv, x, gcode, k, reml)
    sm_sigma2 = float(result.scale)
    sm_ratio = max(float(np.asarray(result.cov_re)[0, 0]), 0.0) / max(sm_sigma2, 1e-300)
    floor = float(np.exp(-25.0))
    chosen = ratio
    if negll(np.log(max(sm_ratio, floor))) <= negll(np.log(max(ratio, floor))):
        chosen = sm_ratio
    elif negll(np.log(max(sm_ratio, floor))) > negll(np.log(max(ratio, floor))) + 1e-6:
        caught.append("statsmodels' optimiser stopped short of the REML optimum; the profiled optimum is used")
    fe, sigma2 = solve(chosen)
    tau2 = chosen * sigma2
    boundary = not tau2 > 1e-8 * max(sigma2, 1e-300)
    if boundary:
        tau2 = 0.0
        fe, sigma2 = solve(0.0)
    n = np.bincount(gcode, minlength=k).astype(np.float64)
    sx = np.zeros((k, x.shape[1]))
    np.add.at(sx, gcode, x)
    b = sx / sigma2  # rows: B' (q x p)
    if boundary:
        d_inv = np.zeros(k)
        blup = np.zeros(k)
        extra = np.zeros(k)
        s = x.T @ x / sigma2
    else:
        d_inv = tau2 * sigma2 / (sigma2 + n * tau2)  # conditional variance tau2 (1 - lambda)
        lam_j = n * tau2 / (sigma2 + n * tau2)
        ybar = np.bincount(gcode, weights=yv, minlength=k) / n
        blup = lam_j * (ybar - (sx / n[:, None]) @ fe)  # Raudenbush & Bryk (2002), eq. 3.57
        # Henderson: C22 = D^-1 + D^-1 B' S^-1 B D^-1, with A = X'X/s2, B = X'Z/s2, S = A - B D^-1 B'
        s = x.T @ x / sigma2 - (b * d_inv[:, None]).T @ b
        db = b * d_inv[:, None]
        extra = np.einsum("ij,jk,ik->i", db, np.linalg.pinv(s), db)
    # S = X' V^-1 X: its inverse is the GLS covariance of the fixed effects (lme4's vcov)
    fe_cov = np.linalg.pinv(s)
    fe_se = np.sqrt(np.clip(np.diag(fe_cov), 0.0, None))
    fixed_table = pd.DataFrame(
        {"estimate": fe, "se": fe_se, "t": fe / fe_se}, index=pd.Index(exog.columns, name="term")
    )
    lam = np.where(boundary, 0.0, tau2 / (tau2 + sigma2 / np.where(n > 0, n, np.nan)))
    pev = d_inv + extra
    # Prasad-Rao / Datta-Lahiri term for estimating tau2: g3 = D_j^2 / (tau2 + D_j)^3 Var(tau2_hat),
    # D_j = sigma2 / n_j, Var(tau2_hat) ~ 2 / sum_j (tau2 + D_j)^-2 (REML, asymptotic); MSE ~ g1 + g2 + 2 g3
    dj = sigma2 / n
    var_tau2 = 2.0 / np.sum((tau2 + dj) ** -2.0)
    g3 = dj**2 / (tau2 + dj) ** 3 * var_tau2
    mse = pev + 2.0 * g3
    # group-level columns (constant within every group) vs person-level ones
    xbar = sx / n[:, None]
    person_cols = [
        c for c in range(1, x.shape[1]) if np.any(np.abs(x[:, c] - xbar[gcode, c]) > 1e-12 * (1.0 + np.abs(x[:, c])))
    ]
    group_cols = [c for c in range(1, x.shape[1]) if c not in person_cols]
    x_star = xbar.copy()
    if person_cols:
        x_star[:, person_cols] = x[:, person_cols].mean(axis=0)
    fitted = x_star @ fe + blup
    direct, direct_se, direct_df = _direct_means(y.to_numpy(), x[:, person_cols], gcode, n)
    strata = (
        pd.DataFrame(np.round(xbar[:, group_cols], 12)).astype(str).agg("|".join, axis=1).to_numpy()
        if group_cols
        else None
    )
    fab = fab_intervals(direct, direct_se, strata, confidence, direct_df, tau2=0.0 if boundary else tau2)
    effects = pd.DataFrame(
        {
            "n": n.astype(np.int64),
            "effect": blup,
            "conditional_var": d_inv,
            "prediction_var": pev,
            "mse": mse,
            "shrinkage": lam,
            "fitted_mean": fitted,
            "direct_mean": direct,
            "direct_se": direct_se,
            "prior_mean": fab["prior_mean"].to_numpy(),
            "prior_var": fab["prior_var"].to_numpy(),
            "ci_low": fab["ci_low"].to_numpy(),
            "ci_high": fab["ci_high"].to_numpy(),
        },
        index=pd.Index(levels, name=group),
    )
    return MixedFit(
        result=result,
        effects=effects[list(MIXED_COLUMNS)],
        fixed=fixed_table,
        between_var=max(tau2, 0.0),
        within_var=sigma2,
        boundary=bool(boundary),
        direct_df=float(direct_df),
        warnings=caught,
    )


def _direct_means(
    y: np.ndarray, xp: np.ndarray, codes: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Each group's own mean outcome at the overall mean of the person-level covariates ``xp``.

    Fixed-effects (group dummies) least squares: slopes :math:`\\hat\\beta_W` from the
    within-group regression, :math:`\\bar y_j - (\\bar x_j - \\bar x)'\\hat\\beta_W`, variance
    :math:`s^2/n_j + (\\bar x_j - \\bar x)' V_W (\\bar x_j - \\bar x)`, with the pooled
    residual variance :math:`s^2` on N - k - p degrees of freedom.
    """
    k = n.size
    ybar = np.bincount(codes, weights=y, minlength=k) / n
    yd = y - ybar[codes]
    if xp.shape[1]:
        xd = _demean(xp, codes, k)
        xtx = xd.T @ xd
        pinv = np.linalg.pinv(xtx, hermitian=True)
        beta = pinv @ (xd.T @ yd)
        rank = int(np.linalg.matrix_rank(xtx, hermitian=True))
        resid = yd - xd @ beta
        sums = np.zeros((k, xp.shape[1]))
        np.add.at(sums, codes, xp)
        shift = sums / n[:, None] - xp.mean(axis=0)
    else:
        beta, pinv, rank, resid, shift = np.zeros(0), np.zeros((0, 0)), 0, yd, np.zeros((k, 0))
    dof = float(y.size - k - rank)
    s2 = float(resid @ resid) / dof if dof > 0 else float("nan")
    est = ybar - shift @ beta
    var = s2 / n + s2 * np.einsum("ij,jk,ik->i", shift, pinv, shift)
    return est, np.sqrt(var), dof if dof > 0 else float("nan")


# --- intraclass correlation ------------------------------------------------------------------------


def icc_f_interval(f: float, df1: float, df2: float, n0: float, confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of the one-way intraclass correlation from the F ratio.

    Parameters
    ----------
    f : float
        :math:`F = MS_{between} / MS_{within}` of the one-way analysis of variance of the groups.
    df1, df2 : float
        Its degrees of freedom (groups - 1, people - groups, in the plain one-way case).
    n0 : float
        People per group: the common size when balanced, otherwise the adjusted mean size
        :math:`n_0 = (N - \\sum_j n_j^2 / N) / (k - 1)`.
    confidence : float
        Level of the interval.

    Returns
    -------
    (low, high) : tuple of float
        :math:`F_L = F / F_{1-a/2}(df_1, df_2)`, :math:`F_U = F \\cdot F_{1-a/2}(df_2, df_1)`,
        :math:`low = (F_L - 1)/(F_L + n_0 - 1)`, :math:`high = (F_U - 1)/(F_U + n_0 - 1)`, not
        truncated (the lower limit can be negative). Exact for balanced groups under normality
        (Searle 1971); with unequal group sizes, :math:`n_0` makes it an approximation (Donner &
        Wells 1986). This is ``psych::ICC``'s interval of ICC1.

    References
    ----------
    Searle (1971), section 9.7; Shrout & Fleiss (1979), ICC(1,1); Donner, A. & Wells, G. (1986). A
    comparison of confidence interval methods for the intraclass correlation coefficient.
    Biometrics, 42, 401-412.
    """
    confidence = _check_confidence(confidence)
    from scipy import stats

    if not (np.isfinite(f) and df1 > 0 and df2 > 0 and n0 > 0):
        return float("nan"), float("nan")
    upper_q = 0.5 + confidence / 2.0
    f_low = f / stats.f.ppf(upper_q, df1, df2)
    f_high = f * stats.f.ppf(upper_q, df2, df1)
    return float((f_low - 1.0) / (f_low + n0 - 1.0)), float((f_high - 1.0) / (f_high + n0 - 1.0))


def _ls(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, int]:
    """Least squares through the normal equations (p x p: cheap for tall designs), with the rank.

    A pseudo-inverse of X'X handles rank deficiency (minimum-norm solution, same fitted values).
    """
    xtx = x.T @ x
    return np.linalg.pinv(xtx, hermitian=True) @ (x.T @ y), int(np.linalg.matrix_rank(xtx, hermitian=True))


def _demean(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_groups).astype(np.float64)
    out: np.ndarray
    if values.ndim == 1:
        out = values - (np.bincount(codes, weights=values, minlength=n_groups) / counts)[codes]
        return out
    sums = np.zeros((n_groups, values.shape[1]))
    np.add.at(sums, codes, values)
    out = values - (sums / counts[:, None])[codes]
    return out


def group_f_test(
    frame: pd.DataFrame,
    outcome: str,
    group: str = "training_id",
    fixed: Sequence[str] | str = (),
    within: str | None = None,
) -> dict[str, float]:
    """F test of the groups after the fixed effects, and the adjusted mean group size.

    Compares ``outcome ~ fixed + within`` with ``outcome ~ fixed + C(group)`` by ordinary least
    squares (the group dummies absorb ``within``, a group characteristic). Without ``fixed`` and
    ``within`` this is the one-way analysis of variance. Returns ``f, df1, df2, n0, n_groups, n``,
    with :math:`n_0 = (N - \\sum_c \\sum_{j \\in c} n_j^2 / N_c) / df_1` over the categories c of
    ``within`` (one category without it).
    """
    fix = _as_list(fixed, "fixed")
    data = _complete(frame, [outcome, group, *fix] + ([within] if within else []))
    levels = _levels(data[group])
    codes = pd.Index(levels).get_indexer(data[group].to_numpy(dtype=object))
    k, n = len(levels), len(data)
    y = data[outcome].to_numpy(dtype=np.float64)
    xf = _covariate_columns(data, fix).to_numpy(dtype=np.float64)
    # full model: group dummies + person-level fixed effects, by the within-group transformation
    yd = _demean(y, codes, k)
    if xf.shape[1]:
        xd = _demean(xf, codes, k)
        keep = np.linalg.norm(xd, axis=0) > 1e-10
        xd = xd[:, keep]
        coef, rank_xd = _ls(xd, yd)
        rank_f = k + rank_xd
        rss_full = float(np.sum((yd - xd @ coef) ** 2)) if xd.size else float(np.sum(yd**2))
    else:
        rank_f, rss_full = k, float(np.sum(yd**2))
    # reduced model: intercept + fixed effects + categories of `within`
    cat_frame = data[[within]] if within else pd.DataFrame(index=data.index)
    xr = pd.concat(
        [
            pd.DataFrame({"Intercept": 1.0}, index=data.index),
            _covariate_columns(data, fix),
            _covariate_columns(cat_frame, [within] if within else []),
        ],
        axis=1,
    ).to_numpy(dtype=np.float64)
    coef_r, rank_r = _ls(xr, y)
    rss_red = float(np.sum((y - xr @ coef_r) ** 2))
    df1, df2 = float(rank_f - rank_r), float(n - rank_f)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = ((rss_red - rss_full) / df1) / (rss_full / df2) if df1 > 0 and df2 > 0 else float("nan")
    nj = np.bincount(codes, minlength=k).astype(np.float64)
    if within:
        cat = data.groupby(group, sort=True)[within].agg(lambda s: s.iloc[0]).reindex(levels).to_numpy(dtype=object)
        _, ccode = np.unique(cat.astype(str), return_inverse=True)
        nc = np.bincount(ccode, weights=nj)
        sum_sq = float(np.sum(np.bincount(ccode, weights=nj**2) / nc))
    else:
        sum_sq = float(np.sum(nj**2) / n)
    n0 = (n - sum_sq) / df1 if df1 > 0 else float("nan")
    return {"f": float(f), "df1": df1, "df2": df2, "n0": float(n0), "n_groups": float(k), "n": float(n)}


def intraclass_correlation(
    frame: pd.DataFrame,
    outcome: str = "gain",
    group: str = "training_id",
    fixed: Sequence[str] | str = (),
    within: str | None = None,
    confidence: float = 0.95,
    mixed: MixedFit | None = None,
) -> pd.Series:
    """Intraclass correlation: the share of the outcome's variance that lies between groups.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per person.
    outcome, group : str
        Outcome and grouping columns.
    fixed : str or list of str
        Fixed effects of the mixed model (person-level or group-level columns).
    within : str, optional
        The group-level column among ``fixed`` (e.g. ``country``), needed for the F test's
        degrees of freedom; the caller names it (it is constant within groups).
    confidence : float
        Level of the interval.
    mixed : MixedFit, optional
        An existing fit of :func:`random_intercept_effects` on the same data (else one is fitted).

    Returns
    -------
    pandas.Series
        ``icc`` :math:`= \\hat\\tau^2 / (\\hat\\tau^2 + \\hat\\sigma^2)` from the REML variance components
        of ``outcome ~ fixed + (1 | group)`` (the residual, or conditional, ICC when there are
        fixed effects); ``ci_low``, ``ci_high``: the F-based interval of :func:`icc_f_interval`
        from :func:`group_f_test`, truncated to [0, 1]; ``confidence``; ``between_var``
        (:math:`\\tau^2`), ``within_var`` (:math:`\\sigma^2`); ``f, df1, df2, n0``; ``n_groups``, ``n``.

    Notes
    -----
    The point estimate (REML) and the interval (analysis of variance) come from different
    estimators. For balanced groups and a positive estimate they agree exactly (REML equals the
    ANOVA estimator :math:`(F-1)/(F+n-1)`), and then the interval is exact under normality. With
    unequal group sizes or fixed effects the interval is an approximation (Donner & Wells 1986)
    and the point estimate may, rarely, lie just outside it. A parametric bootstrap would be
    more general but far slower; this choice keeps the analysis instant.
    """
    confidence = _check_confidence(confidence)
    fix = _as_list(fixed, "fixed")
    if mixed is None:
        mixed = random_intercept_effects(frame, outcome, group, fix, confidence)
    person_fixed = [c for c in fix if c != within]
    ft = group_f_test(frame, outcome, group, person_fixed, within)
    tau2, sigma2 = mixed.between_var, mixed.within_var
    icc = tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else float("nan")
    low, high = icc_f_interval(ft["f"], ft["df1"], ft["df2"], ft["n0"], confidence)
    return pd.Series(
        {
            "icc": icc,
            "ci_low": min(max(low, 0.0), 1.0) if np.isfinite(low) else np.nan,
            "ci_high": min(max(high, 0.0), 1.0) if np.isfinite(high) else np.nan,
            "confidence": confidence,
            "between_var": tau2,
            "within_var": sigma2,
            **{k: ft[k] for k in ("f", "df1", "df2", "n0", "n_groups", "n")},
        },
        dtype=np.float64,
    )[list(ICC_FIELDS)]
