"""The link to learning gains: :func:`followup_vs_gains`.

Do the people who report applying the training learn more on the knowledge test, and are
interviewees like the people not interviewed?
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import number_text
from tip_eval.analysis.followup._codings import (
    INDICATOR_LABEL,
    _check_confidence,
    _check_rule,
    _coded_people,
    _nullable_bool,
    _prepare_codes,
    _Tables,
)
from tip_eval.i18n import _

__all__ = ["FollowupGains", "GAINS_COLUMNS", "POOLED_COLUMNS", "SELECTION_COLUMNS", "followup_vs_gains"]
GAINS_COLUMNS: tuple[str, ...] = (
    "kind",
    "code_id",
    "label",
    "theme",
    "level",
    "applied_practice",
    "n_with",
    "n_without",
    "gain_with",
    "gain_without",
    "diff",
    "ci_low",
    "ci_high",
    "confidence",
    "p_mannwhitney",
    "p_adjusted",
    "pct_reliable_improved_with",
    "pct_no_reliable_change_with",
    "pct_reliable_declined_with",
    "pct_reliable_improved_without",
    "pct_no_reliable_change_without",
    "pct_reliable_declined_without",
    "odds_ratio_per_10",
    "or_ci_low",
    "or_ci_high",
    "p_logit",
    "note",
)
POOLED_COLUMNS: tuple[str, ...] = (
    "n_people",
    "n_codes",
    "odds_ratio_per_10",
    "or_ci_low",
    "or_ci_high",
    "p_value",
    "confidence",
    "note",
)
SELECTION_COLUMNS: tuple[str, ...] = (
    "n_interviewed",
    "n_not_interviewed",
    "gain_interviewed",
    "gain_not_interviewed",
    "diff",
    "ci_low",
    "ci_high",
    "confidence",
    "p_value",
    "p_mannwhitney",
)


# --------------------------------------------------------------------------------------------------
# followup_vs_gains
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowupGains:
    """Result of :func:`followup_vs_gains`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per code, then the level-3 indicator row; columns in :func:`followup_vs_gains`.
    pooled : pandas.DataFrame
        One row: the pooled logistic model of all applied-practice codes on knowledge gain.
    selection : pandas.DataFrame
        One row: knowledge gain of the interviewed against the not interviewed.
    note : str
        Plain-words statement on whether interviewees may not be a random sample, and on any
        people or models left out.
    reliability : float
        Test reliability used for the reliable-change categories (NaN when unknown).
    confidence : float
        Confidence level of every interval.
    rule : str
        Consensus rule used for double-coded interviews.
    """

    table: pd.DataFrame
    pooled: pd.DataFrame
    selection: pd.DataFrame
    note: str
    reliability: float
    confidence: float
    rule: str
    n_interviewed: int = 0
    n_interviewed_with_gain: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        return (
            f"FollowupGains({len(self.table)} rows, {self.n_interviewed_with_gain} of {self.n_interviewed} "
            f"interviewed people with a knowledge gain; rule={self.rule!r})\n{self.note}"
        )


@memoised(words=True)
def followup_vs_gains(
    data: Any,
    confidence: float = 0.95,
    p_adjust: str = "holm",
    rule: str = "primary",
    reliability: float | None = None,
) -> FollowupGains:
    """Whether the people who report applying the training have larger knowledge gains.

    For each code, interviewed people with the code are compared with interviewed people without
    it on their knowledge gain (post-test minus pre-test, percentage points); each code is modelled
    on knowledge gain by logistic regression; and the interviewed are compared with the people not
    interviewed, because interviewees may not be a random sample.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study`, or a dict of canonical tables with ``scores``, ``interviews``,
        ``codebook``, ``followup_codes`` (and ``responses`` for the reliability).
    confidence : float, default 0.95
        Confidence level of every interval.
    p_adjust : str, default "holm"
        Method of ``te.stats.p_adjust`` for the Mann-Whitney p-values across the code rows
        ("holm", "bonferroni", "hochberg", "BH", "BY", "none").
    rule : {"primary", "any", "all"}, default "primary"
        How a double-coded interview becomes one coding (see the module notes).
    reliability : float, optional
        Reliability of the test for the reliable-change categories. By default the study's own
        pre-test KR-20 (0/1 items) or Cronbach's alpha, from ``responses``; when the study has
        only total scores the reliable-change shares are NaN unless this is given.

    Returns
    -------
    FollowupGains
        ``.table``: one row per code (codebook order, ``kind`` ``"code"``), then the level-3
        indicator row (``kind`` ``"indicator"``: at least one applied-practice code). Columns:

        ``kind, code_id, label, theme, level, applied_practice``
            As in :func:`followup_summary` (``code_id`` missing on the indicator row).
        ``n_with``, ``n_without``
            Interviewed people with a knowledge gain (matched pre- and post-test) who have / do not
            have the code.
        ``gain_with``, ``gain_without``
            Their mean knowledge gain, percentage points (post pct minus pre pct).
        ``diff``
            ``gain_with - gain_without``.
        ``ci_low``, ``ci_high``
            Welch interval of ``diff``: :math:`diff \\pm t_{1-\\alpha/2,\\nu} \\sqrt{s_1^2/n_1 +
            s_2^2/n_2}` with Welch-Satterthwaite :math:`\\nu` (NaN unless both groups have 2 or
            more people and some spread).
        ``confidence``
            The confidence level.
        ``p_mannwhitney``
            Two-sided Mann-Whitney U test of the gains with against without, as
            ``scipy.stats.mannwhitneyu(with, without)`` (``method="auto"``: exact without ties
            and under 8 per group, otherwise the normal approximation with tie correction and
            continuity correction).
        ``p_adjusted``
            ``p_mannwhitney`` adjusted across the code rows by ``p_adjust``. The indicator row
            is one pre-specified test and keeps its raw p.
        ``pct_reliable_improved_with``, ``pct_no_reliable_change_with``, ``pct_reliable_declined_with``
            Percent of the people with the code in each reliable-change category (Jacobson &
            Truax 1991; ``te.stats.reliable_change`` with the pre-test reliability and the standard
            deviation of every pre-test score of the study, as in ``te.gains``). NaN when the
            reliability is unknown.
        ``pct_reliable_improved_without``, ``pct_no_reliable_change_without``, ``pct_reliable_declined_without``
            The same for the people without the code.
        ``odds_ratio_per_10``
            :math:`\\exp(10\\beta)` from the logistic regression ``logit P(code) = a + \\beta\\,gain``
            (statsmodels ``Logit``, maximum likelihood): the multiplicative change in the odds of
            reporting the code for every 10 percentage points more knowledge gain. Above 1: people
            who learned more report the code more often. Fitted for every code: the
            applied-practice rows test the level-3 link; the other rows (sharing, results,
            barriers) are descriptive.
        ``or_ci_low``, ``or_ci_high``
            Wald interval, :math:`\\exp(10(\\hat\\beta \\pm z\\,SE))`.
        ``p_logit``
            Wald p-value of :math:`\\beta` (not adjusted).
        ``note``
            Why a row's model or test is missing, in plain words (empty when nothing is missing):
            fewer than 2 people with or without the code, or perfect separation (everyone with
            the code gained more, or less, than everyone without it), where the maximum-likelihood
            odds ratio does not exist.

        ``.pooled`` (one row): ``n_people, n_codes, odds_ratio_per_10, or_ci_low, or_ci_high,
        p_value, confidence, note``: one logistic model of all applied-practice codes stacked (one
        row per person x code, a separate intercept per code, a common slope on gain), with
        standard errors robust to the clustering of codes within people. Codes nobody or
        everybody reports are left out (named in ``note``). This is the single summary of the
        link "more learning, more applied behaviour change".

        ``.selection`` (one row): ``n_interviewed, n_not_interviewed`` (people with a knowledge
        gain who were / were not interviewed), ``gain_interviewed, gain_not_interviewed`` (mean
        gains), ``diff`` (interviewed minus not), ``ci_low, ci_high`` (Welch), ``confidence``,
        ``p_value`` (Welch t-test), ``p_mannwhitney``.

        ``.note``: plain words on the selection check, and on people left out.

    Notes
    -----
    Knowledge gain is :math:`D = post\\_pct - pre\\_pct` per person, matched by participant_id,
    as in ``te.gains``. A person's code status is the consensus coding (``rule``) in any of their
    interviews. Interviewees without both tests are left out of the comparisons (counted in the
    note).

    The comparisons are associations among volunteers, not effects: people who learned more may
    also be more motivated, more senior, or better at describing their work. And interviewees are
    often those easiest to reach or most positive, so shares of behaviour change among them can
    overstate the programme's reach; ``.selection`` shows whether they learned more than the rest.

    References
    ----------
    Welch, B. L. (1947). Biometrika, 34, 28-35. Mann, H. B. & Whitney, D. R. (1947). Ann. Math.
    Statist., 18, 50-60. Jacobson, N. S. & Truax, P. (1991). J. Consult. Clin. Psychol., 59,
    12-19. Hosmer, D. W., Lemeshow, S. & Sturdivant, R. X. (2013). Applied Logistic Regression
    (3rd ed.). Albert, A. & Anderson, J. A. (1984). On the existence of maximum likelihood
    estimates in logistic regression models. Biometrika, 71, 1-10 (separation).
    Kirkpatrick, D. L. & Kirkpatrick, J. D. (2006). Evaluating training programs.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> res = te.followup_vs_gains(study)
    >>> bool(res.pooled["or_ci_low"].item() > 1)  # more learning, more applied practice reported
    True
    """
    from tip_eval import stats

    t = _Tables(data)
    rule = _check_rule(rule)
    confidence = _check_confidence(confidence)
    if not isinstance(p_adjust, str):
        raise ValueError(f"p_adjust must be the name of a method such as 'holm'; got {p_adjust!r}")
    stats.p_adjust([0.5], p_adjust)  # validates the method name with a clear message

    pre, post = _knowledge_scores(t)
    gain = (post - pre).dropna()
    matched = gain.index

    # reliable change over everyone with both tests
    if reliability is None:
        from tip_eval.analysis.inputs import pre_test_reliability

        reliability = pre_test_reliability(t)
    r_xx = float("nan") if reliability is None else float(reliability)
    pre_all = pre.dropna().to_numpy(dtype=float)
    sd_pre = float(pre_all.std(ddof=1)) if pre_all.size >= 2 else float("nan")
    if len(matched) and np.isfinite(r_xx):
        rc = stats.reliable_change(pre.reindex(matched), post.reindex(matched), r_xx, sd_pre=sd_pre)
        category = rc["category"].astype(object)
    else:
        category = pd.Series(np.nan, index=matched, dtype=object)

    codes = _prepare_codes(t, rule)[0]
    person = _coded_people(t, rule)[0]
    n_interviewed = len(person)
    with_gain = person.index[person.index.isin(matched)]
    p_codes = person.loc[with_gain]
    g = gain.reindex(with_gain).to_numpy(dtype=float)
    cat = category.reindex(with_gain).to_numpy(dtype=object)

    applied_mask = codes["applied_practice"].fillna(False).to_numpy(dtype=bool)
    indicator = p_codes.to_numpy(dtype=bool)[:, applied_mask].any(axis=1) if len(p_codes) else np.zeros(0, dtype=bool)

    rows = []
    for j, c in enumerate(codes.itertuples(index=False)):
        y = p_codes.iloc[:, j].to_numpy(dtype=bool) if len(p_codes) else np.zeros(0, dtype=bool)
        rows.append(
            {
                "kind": "code",
                "code_id": c.code_id,
                "label": c.label,
                "theme": c.theme,
                "level": c.level,
                "applied_practice": c.applied_practice,
                **_compare(y, g, cat, confidence),
            }
        )
    rows.append(
        {
            "kind": "indicator",
            "code_id": pd.NA,
            "label": INDICATOR_LABEL,
            "theme": pd.NA,
            "level": 3,
            "applied_practice": True,
            **_compare(indicator, g, cat, confidence),
        }
    )
    table = pd.DataFrame(rows)
    is_code = (table["kind"] == "code").to_numpy()
    adj = np.full(len(table), np.nan)
    if is_code.any():
        adj[is_code] = np.asarray(
            stats.p_adjust(table.loc[is_code, "p_mannwhitney"].to_numpy(dtype=float), p_adjust), dtype=float
        )
    adj[~is_code] = table.loc[~is_code, "p_mannwhitney"].to_numpy(dtype=float)
    table["p_adjusted"] = adj
    table["confidence"] = confidence
    table["code_id"] = table["code_id"].astype(object)
    table["level"] = pd.array(pd.to_numeric(table["level"], errors="coerce"), dtype="Int64")
    table["applied_practice"] = _nullable_bool(table["applied_practice"])
    table = table[list(GAINS_COLUMNS)]

    applied_codes = [cid for cid, a in zip(codes["code_id"], applied_mask) if a]
    pooled = _pooled_logit(p_codes[applied_codes] if applied_codes else p_codes.iloc[:, :0], g, confidence)

    interviewed_ids = set(t.interviews["participant_id"].dropna()) if "participant_id" in t.interviews else set()
    iv_mask = np.asarray(matched.isin(list(interviewed_ids)), dtype=bool)
    gv = gain.to_numpy(dtype=float)
    selection, sel_note = _selection(gv[iv_mask], gv[~iv_mask], confidence)

    notes = [sel_note]
    if n_interviewed > len(with_gain):
        notes.append(
            f"{n_interviewed - len(with_gain)} of {n_interviewed} interviewed people lack a pre- or "
            "post-test and are left out of the comparison of gains."
        )
    if not np.isfinite(r_xx):
        notes.append(
            "The test's reliability is unknown (no item responses), so reliable-change shares are "
            "missing; pass reliability= to compute them."
        )
    return FollowupGains(
        table=table,
        pooled=pooled,
        selection=selection,
        note=" ".join(notes),
        reliability=r_xx,
        confidence=confidence,
        rule=rule,
        n_interviewed=n_interviewed,
        n_interviewed_with_gain=len(with_gain),
        notes=tuple(notes),
    )


def _knowledge_scores(t: _Tables) -> tuple[pd.Series, pd.Series]:
    """Pre- and post-test percent per participant (NaN where a test is missing)."""
    sc = t.scores
    empty = pd.Series([], dtype=float, index=pd.Index([], dtype=object, name="participant_id"))
    if sc.empty or not {"participant_id", "phase", "pct"} <= set(sc.columns):
        return empty, empty.copy()
    s = sc[["participant_id", "phase", "pct"]].dropna(subset=["participant_id", "phase"])
    s = s.astype({"participant_id": object, "phase": object})
    wide = s.pivot_table(index="participant_id", columns="phase", values="pct", aggfunc="mean")
    pre = wide["pre"].astype(float) if "pre" in wide else pd.Series(np.nan, index=wide.index)
    post = wide["post"].astype(float) if "post" in wide else pd.Series(np.nan, index=wide.index)
    return pre, post


def _compare(y: np.ndarray, g: np.ndarray, cat: np.ndarray, confidence: float) -> dict[str, Any]:
    """With-versus-without comparison of gains for one code (y: bool per person)."""
    nan = float("nan")
    a, b = g[y], g[~y]
    out: dict[str, Any] = {
        "n_with": int(a.size),
        "n_without": int(b.size),
        "gain_with": float(a.mean()) if a.size else nan,
        "gain_without": float(b.mean()) if b.size else nan,
    }
    out["diff"] = out["gain_with"] - out["gain_without"]
    _, lo, hi, _ = _welch(a, b, confidence)
    out["ci_low"], out["ci_high"] = lo, hi
    out["p_mannwhitney"] = _mannwhitney(a, b)
    for side, mask in (("with", y), ("without", ~y)):
        c = cat[mask]
        known = np.array([isinstance(v, str) for v in c], dtype=bool)
        k = int(known.sum())
        for name, label in (
            ("improved", "improved"),
            ("no_reliable_change", "no reliable change"),
            ("declined", "declined"),
        ):
            col = f"pct_reliable_{name}_{side}" if name != "no_reliable_change" else f"pct_no_reliable_change_{side}"
            out[col] = 100.0 * float(np.sum(c[known] == label)) / k if k else nan
    orr, lo, hi, p, note = _logit_or(y, g, confidence)
    out.update({"odds_ratio_per_10": orr, "or_ci_low": lo, "or_ci_high": hi, "p_logit": p, "note": note})
    return out


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float, float, float]:
    """Welch's t-test of mean(a) - mean(b): (diff, ci_low, ci_high, p); NaN when not computable."""
    nan = float("nan")
    if a.size < 2 or b.size < 2:
        return (float(a.mean() - b.mean()) if a.size and b.size else nan), nan, nan, nan
    if np.var(a, ddof=1) + np.var(b, ddof=1) <= 0:
        return float(a.mean() - b.mean()), nan, nan, nan
    from scipy import stats as sps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's precision warning when a group is constant
        res = sps.ttest_ind(a, b, equal_var=False)
        ci = res.confidence_interval(confidence_level=confidence)
    return float(a.mean() - b.mean()), float(ci.low), float(ci.high), float(res.pvalue)


def _mannwhitney(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 or b.size == 0:
        return float("nan")
    from scipy import stats as sps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def _separated(y: np.ndarray, x: np.ndarray) -> bool:
    """True when a threshold on x splits y perfectly (complete or quasi-complete separation)."""
    x1, x0 = x[y], x[~y]
    return bool(x1.max() <= x0.min() or x1.min() >= x0.max())


def _logit_or(y: np.ndarray, g: np.ndarray, confidence: float) -> tuple[float, float, float, float, str]:
    """Odds ratio per 10 points of gain from ``Logit(y ~ 1 + gain/10)``, or NaNs and a note."""
    nan = float("nan")
    n1 = int(y.sum())
    n0 = int(y.size - n1)
    if n1 < 2 or n0 < 2:
        who = "with" if n1 < 2 else "without"
        return (
            nan,
            nan,
            nan,
            nan,
            (
                f"too few interviewed people {who} the code ({min(n1, n0)}) for a "
                "logistic model; at least 2 with and 2 without are needed"
            ),
        )
    x = g / 10.0
    if np.ptp(x) == 0:
        return nan, nan, nan, nan, "everyone has the same knowledge gain; no logistic model"
    if _separated(y, x):
        return (
            nan,
            nan,
            nan,
            nan,
            (
                "perfect separation: the knowledge gains of people with the code do not "
                "overlap those without it, so the odds ratio cannot be estimated"
            ),
        )
    fit = _fit_logit(y.astype(float), np.column_stack([np.ones_like(x), x]), confidence)
    if isinstance(fit, str):
        return nan, nan, nan, nan, fit
    beta, lo, hi, p = fit
    return math.exp(beta), math.exp(lo), math.exp(hi), p, ""


def _fit_logit(
    y: np.ndarray, X: np.ndarray, confidence: float, groups: np.ndarray | None = None
) -> tuple[float, float, float, float] | str:
    """Fit a Logit; return (beta, ci_low, ci_high, p) of the last column, or a note on failure."""
    # the module that defines Logit, not statsmodels.api (which also imports its time series,
    # graphics and datasets)
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools import sm_exceptions as sme

    problems = tuple(
        getattr(sme, n)
        for n in ("ConvergenceWarning", "PerfectSeparationWarning", "HessianInversionWarning")
        if hasattr(sme, n)
    )
    errors = tuple(getattr(sme, n) for n in ("PerfectSeparationError",) if hasattr(sme, n))
    kwargs: dict[str, Any] = {"disp": 0, "maxiter": 200}
    if groups is not None:
        kwargs.update(cov_type="cluster", cov_kwds={"groups": groups})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = Logit(y, X).fit(**kwargs)
        except (np.linalg.LinAlgError, ValueError, *errors) as exc:  # pragma: no cover - depends on data
            return f"logistic model failed ({type(exc).__name__}); odds ratio not estimated"
    if any(issubclass(w.category, problems) for w in caught) or not res.mle_retvals.get("converged", True):
        return "logistic model did not converge (near-perfect separation or too few people); odds ratio not estimated"
    params = np.asarray(res.params, dtype=float)
    ci = np.asarray(res.conf_int(alpha=1.0 - confidence), dtype=float)
    p = float(np.asarray(res.pvalues, dtype=float)[-1])
    if not (np.isfinite(params[-1]) and np.all(np.isfinite(ci[-1]))):
        return "logistic model gave no finite estimate; odds ratio not estimated"
    return float(params[-1]), float(ci[-1, 0]), float(ci[-1, 1]), p


def _pooled_logit(p_codes: pd.DataFrame, g: np.ndarray, confidence: float) -> pd.DataFrame:
    """Stacked logistic model of the applied-practice codes on gain, code intercepts, cluster-robust SE."""
    nan = float("nan")
    y_all = p_codes.to_numpy(dtype=bool)
    n = y_all.shape[0]
    usable = [j for j in range(y_all.shape[1]) if 0 < y_all[:, j].sum() < n]
    dropped = [str(p_codes.columns[j]) for j in range(y_all.shape[1]) if j not in usable]
    row: dict[str, Any] = {
        "n_people": int(n),
        "n_codes": len(usable),
        "odds_ratio_per_10": nan,
        "or_ci_low": nan,
        "or_ci_high": nan,
        "p_value": nan,
        "confidence": confidence,
        "note": "",
    }
    notes = []
    if dropped:
        notes.append(f"left out (reported by nobody or by everybody): {', '.join(dropped)}")
    if n < 3 or not usable:
        notes.append(
            "too few interviewed people with a knowledge gain or no usable applied-practice code; no pooled model"
        )
        row["note"] = "; ".join(notes)
        return pd.DataFrame([row], columns=list(POOLED_COLUMNS))
    k = len(usable)
    y = y_all[:, usable].T.ravel().astype(float)  # code-major stacking
    x = np.tile(g / 10.0, k)
    dummies = np.kron(np.eye(k), np.ones((n, 1)))
    groups = np.tile(np.arange(n), k)
    fit = _fit_logit(y, np.column_stack([dummies, x]), confidence, groups=groups)
    if isinstance(fit, str):
        notes.append(fit)
    else:
        beta, lo, hi, p = fit
        row.update(odds_ratio_per_10=math.exp(beta), or_ci_low=math.exp(lo), or_ci_high=math.exp(hi), p_value=p)
    row["note"] = "; ".join(notes)
    return pd.DataFrame([row], columns=list(POOLED_COLUMNS))


def _selection(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[pd.DataFrame, str]:
    """Gains of the interviewed (a) against the not interviewed (b), and the plain-words note."""
    diff, lo, hi, p = _welch(a, b, confidence)
    row = {
        "n_interviewed": int(a.size),
        "n_not_interviewed": int(b.size),
        "gain_interviewed": float(a.mean()) if a.size else float("nan"),
        "gain_not_interviewed": float(b.mean()) if b.size else float("nan"),
        "diff": diff,
        "ci_low": lo,
        "ci_high": hi,
        "confidence": confidence,
        "p_value": p,
        "p_mannwhitney": _mannwhitney(a, b),
    }
    frame = pd.DataFrame([row], columns=list(SELECTION_COLUMNS))
    pct = f"{100 * confidence:g}%"
    head = _(
        "Interviewees may not be a random sample of the people trained: those who agree to a follow-up "
        "interview are often the more engaged or the easier to reach."
    )
    if a.size == 0:
        return frame, head + " " + _("Nobody with both knowledge tests was interviewed, so this cannot be checked.")
    if b.size == 0:
        return frame, head + " " + _(
            "Everyone with both knowledge tests was interviewed, so there is nobody to compare them with."
        )
    if not np.isfinite(p):
        return frame, head + " " + _(
            "Interviewed people gained {gain} points on the knowledge test and the others "
            "{other}; too few people to test the difference."
        ).format(gain=number_text(row["gain_interviewed"]), other=number_text(row["gain_not_interviewed"]))
    detail = _(
        "interviewed people gained {gain} points on the knowledge test on average, those not interviewed "
        "{other} (difference {diff} points, {level} CI {low} to {high}; Welch p = {p})"
    ).format(
        gain=number_text(row["gain_interviewed"]),
        other=number_text(row["gain_not_interviewed"]),
        diff=number_text(diff, "+.1f"),
        level=pct,
        low=number_text(lo),
        high=number_text(hi),
        p=number_text(p, ".3g"),
    )
    if p < 1.0 - confidence:
        if diff > 0:
            verdict = _(
                "Their gains differ: {detail}. Interviewees learned more than the rest, so shares of "
                "behaviour change among them probably overstate those of all participants."
            ).format(detail=detail)
        else:
            verdict = _(
                "Their gains differ: {detail}. Interviewees learned less than the rest, so shares of "
                "behaviour change among them probably understate those of all participants."
            ).format(detail=detail)
    else:
        verdict = _(
            "Their gains do not differ clearly: {detail}. This is reassuring but does not prove the "
            "interviewees are representative; they may differ in ways the test does not measure."
        ).format(detail=detail)
    verdict = " " + verdict
    return frame, head + verdict
