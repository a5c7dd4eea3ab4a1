"""Test-score reliability (KR-20, Cronbach's alpha), measurement error and reliable change."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ._checks import as_float_array, check_confidence, check_same_length, check_series_alignment

#: |RCI| beyond this is a reliable change (two-sided 5% level of the standard normal, J&T 1991)
RCI_THRESHOLD = 1.96

#: category labels of :func:`reliable_change`, in order
RCI_CATEGORIES: tuple[str, ...] = ("declined", "no reliable change", "improved")

CRONBACH_COLUMNS: tuple[str, ...] = ("alpha", "ci_low", "ci_high", "confidence", "n", "k", "sem")
RELIABILITY_COLUMNS: tuple[str, ...] = (
    "method",
    "reliability",
    "ci_low",
    "ci_high",
    "confidence",
    "n",
    "k",
    "sem",
)
RELIABLE_CHANGE_COLUMNS: tuple[str, ...] = ("diff", "rci", "category")


def _item_matrix(items: Any) -> tuple[np.ndarray, pd.Index]:
    """Items as a float matrix (people x items) with incomplete rows dropped (listwise)."""
    matrix: np.ndarray
    names: pd.Index
    if isinstance(items, pd.DataFrame):
        names = items.columns
        try:
            frame = items.apply(lambda col: pd.to_numeric(col, errors="raise"))
            matrix = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise ValueError("`items` must hold numbers (item scores); some columns do not.") from None
    else:
        try:
            matrix = np.asarray(items, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("`items` must hold numbers (item scores).") from None
        if matrix.ndim != 2:
            raise ValueError(
                f"`items` must be two-dimensional (rows = people, columns = items); got shape {matrix.shape}."
            )
        names = pd.RangeIndex(matrix.shape[1])
    if np.isinf(matrix).any():
        raise ValueError("`items` must hold finite numbers; it contains infinite values.")
    complete = ~np.isnan(matrix).any(axis=1)
    return matrix[complete], names


def _alpha_from_matrix(x: np.ndarray) -> float:
    """Cronbach's alpha of a complete matrix (NaN if undefined)."""
    n, k = x.shape
    if n < 2 or k < 2:
        return float("nan")
    item_var = x.var(axis=0, ddof=1)
    total_var = x.sum(axis=1).var(ddof=1)
    if not total_var > 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - item_var.sum() / total_var))


def _is_binary(x: np.ndarray) -> bool:
    return bool(np.isin(x, (0.0, 1.0)).all())


def kr20(items: Any) -> float:
    """Kuder-Richardson formula 20 for items scored 0/1.

    Parameters
    ----------
    items : pandas.DataFrame or 2-D array-like
        Rows = people, columns = items, each cell 0 (wrong) or 1 (right); NaN for missing.

    Returns
    -------
    float
        :math:`KR_{20} = \\frac{K}{K-1}\\left(1 - \\frac{\\sum_i p_i q_i}{\\sigma_X^2}\\right)`, with
        :math:`p_i` the share of people right on item i, :math:`q_i = 1 - p_i`, and
        :math:`\\sigma_X^2` the variance of the total scores. Both variances use the same
        denominator N (:math:`p_i q_i` is the item variance with ``ddof=0``, and so is
        :math:`\\sigma_X^2`), as in Kuder & Richardson (1937); the N's cancel, so KR-20 equals
        Cronbach's alpha computed on the same 0/1 data (which uses N - 1 for both). Mixing
        denominators (``p q`` with a total variance over N - 1), as some calculators do, gives a
        different, inconsistent value. NaN with fewer than 2 items or 2 people, or when every
        person has the same total.

    Notes
    -----
    Missing-data policy: people with any missing item are dropped (listwise deletion), so all
    items are computed on the same people. Items other than 0/1 raise ``ValueError``: use
    :func:`cronbach_alpha`.

    References
    ----------
    Kuder, G. F. & Richardson, M. W. (1937). The theory of the estimation of test reliability.
    Psychometrika, 2, 151-160. Cronbach, L. J. (1951). Psychometrika, 16, 297-334.
    """
    x, _ = _item_matrix(items)
    if not _is_binary(x):
        raise ValueError("`items` must be scored 0/1 for KR-20; use cronbach_alpha() for other scores.")
    n, k = x.shape
    if n < 2 or k < 2:
        return float("nan")
    p = x.mean(axis=0)
    total_var = x.sum(axis=1).var(ddof=0)
    if not total_var > 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.sum(p * (1.0 - p)) / total_var))


def cronbach_alpha(items: Any, confidence: float = 0.95) -> pd.Series:
    """Cronbach's coefficient alpha with Feldt's confidence interval and the SEM.

    Parameters
    ----------
    items : pandas.DataFrame or 2-D array-like
        Rows = people, columns = items (item scores); NaN for missing.
    confidence : float
        Confidence level of the interval, strictly between 0 and 1.

    Returns
    -------
    pandas.Series (float)
        ``alpha``
            :math:`\\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i s_i^2}{s_X^2}\\right)`, item
            and total-score variances with ``ddof=1``.
        ``ci_low``, ``ci_high``
            Feldt (1965): :math:`1 - (1-\\alpha) F_{1-\\gamma/2}` and
            :math:`1 - (1-\\alpha) F_{\\gamma/2}`, with :math:`F_q` the q-quantile of the F
            distribution on :math:`(n-1, (n-1)(k-1))` degrees of freedom and
            :math:`\\gamma = 1 -` ``confidence`` (as ``pingouin.cronbach_alpha``).
        ``confidence``
            The confidence level.
        ``n``, ``k``
            People used (complete rows) and items.
        ``sem``
            Standard error of measurement :math:`s_X\\sqrt{1 - \\alpha}` (``s_X`` with ``ddof=1``),
            in total-score units; NaN when alpha is outside [0, 1].

    Notes
    -----
    Missing-data policy: listwise deletion (people with any missing item are dropped); ``n``
    reports how many remain. Everything is NaN with fewer than 2 items or 2 people, or when the
    total score does not vary.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika,
    16, 297-334. Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. Psychometrika, 30, 357-370.
    """
    confidence = check_confidence(confidence)
    x, _ = _item_matrix(items)
    n, k = x.shape
    alpha = _alpha_from_matrix(x)
    low = high = float("nan")
    if np.isfinite(alpha):
        tail = (1.0 - confidence) / 2.0
        df1, df2 = n - 1.0, (n - 1.0) * (k - 1.0)
        low = 1.0 - (1.0 - alpha) * special.fdtri(df1, df2, 1.0 - tail)
        high = 1.0 - (1.0 - alpha) * special.fdtri(df1, df2, tail)
    sd_total = float(x.sum(axis=1).std(ddof=1)) if n >= 2 else float("nan")
    return pd.Series(
        {
            "alpha": alpha,
            "ci_low": float(low),
            "ci_high": float(high),
            "confidence": confidence,
            "n": float(n),
            "k": float(k),
            "sem": float(sem(sd_total, alpha)),
        },
        dtype=np.float64,
    )


def reliability(items: Any, confidence: float = 0.95) -> pd.Series:
    """Internal-consistency reliability: KR-20 for 0/1 items, Cronbach's alpha otherwise.

    Parameters
    ----------
    items : pandas.DataFrame or 2-D array-like
        Rows = people, columns = items; NaN for missing.
    confidence : float
        Confidence level of the Feldt interval.

    Returns
    -------
    pandas.Series (object)
        ``method`` (``"kr20"`` when every remaining cell is 0 or 1, else ``"cronbach_alpha"``),
        ``reliability`` (the coefficient), ``ci_low``, ``ci_high``, ``confidence``, ``n``, ``k``
        and ``sem``, as in :func:`cronbach_alpha` (KR-20 equals alpha on 0/1 data, and Feldt's
        interval was derived for KR-20).

    Notes
    -----
    Missing-data policy: listwise deletion, as in :func:`cronbach_alpha`.
    """
    x, _ = _item_matrix(items)
    result = cronbach_alpha(x, confidence=confidence)
    method = "kr20" if x.size and _is_binary(x) else "cronbach_alpha"
    value = kr20(x) if method == "kr20" else result["alpha"]
    return pd.Series(
        {
            "method": method,
            "reliability": float(value),
            "ci_low": result["ci_low"],
            "ci_high": result["ci_high"],
            "confidence": result["confidence"],
            "n": int(result["n"]),
            "k": int(result["k"]),
            "sem": result["sem"],
        },
        dtype=object,
    )


def alpha_if_deleted(items: Any) -> pd.Series:
    """Cronbach's alpha of the scale with each item left out in turn.

    Parameters
    ----------
    items : pandas.DataFrame or 2-D array-like
        Rows = people, columns = items; NaN for missing.

    Returns
    -------
    pandas.Series (float), name ``"alpha_if_deleted"``
        One value per item (indexed by the column names, or 0..k-1 for an array): alpha of the
        other k - 1 items, computed on the same people. NaN where fewer than 2 items would remain.

    Notes
    -----
    Missing-data policy: listwise deletion over all items first, so every value uses the same
    people (as ``psych::alpha``'s ``alpha.drop`` with complete data).
    """
    x, names = _item_matrix(items)
    k = x.shape[1]
    values = [_alpha_from_matrix(np.delete(x, j, axis=1)) for j in range(k)]
    return pd.Series(values, index=names, name="alpha_if_deleted", dtype=np.float64)


def sem(sd: Any, reliability: Any) -> Any:
    """Standard error of measurement, :math:`SEM = s\\sqrt{1 - r_{xx}}`.

    Parameters
    ----------
    sd : float or array-like
        Standard deviation of the scores (e.g. of the pre-test).
    reliability : float or array-like
        Reliability :math:`r_{xx}` of the scores (KR-20 or alpha).

    Returns
    -------
    float or numpy.ndarray
        The SEM in score units; NaN where the reliability is missing or outside [0, 1] or the sd is
        missing or negative.

    References
    ----------
    Lord, F. M. & Novick, M. R. (1968). Statistical theories of mental test scores, ch. 3.
    Jacobson, N. S. & Truax, P. (1991), p. 14.
    """
    s = np.asarray(sd, dtype=np.float64)
    r = np.asarray(reliability, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        ok = (r >= 0) & (r <= 1) & (s >= 0)
        out = np.where(ok, s * np.sqrt(np.where(ok, 1.0 - r, 0.0)), np.nan)
    return float(out) if out.ndim == 0 else out


def reliable_change(pre: Any, post: Any, reliability: float, sd_pre: float | None = None) -> pd.DataFrame:
    """Reliable change index per person (Jacobson & Truax, 1991).

    Parameters
    ----------
    pre, post : array-like of float
        Scores before and after, paired by position (two Series must share their index).
        Missing values allowed.
    reliability : float
        Reliability :math:`r_{xx}` of the test (KR-20 or alpha, ideally of the pre-test).
    sd_pre : float, optional
        Standard deviation of the pre-test scores in the reference population. By default the
        sample standard deviation (``ddof=1``) of all available ``pre`` values.

    Returns
    -------
    pandas.DataFrame
        One row per person, indexed like ``pre`` (when a Series) or 0..n-1:

        ``diff``
            :math:`D = post - pre` (NaN if either is missing).
        ``rci``
            :math:`RCI = D / S_{diff}`, :math:`S_{diff} = \\sqrt{2}\\,SEM`,
            :math:`SEM = s_{pre}\\sqrt{1 - r_{xx}}`.
        ``category``
            Ordered categorical ``"declined" < "no reliable change" < "improved"``: improved when
            RCI > 1.96, declined when RCI < -1.96; missing where RCI is missing.

    Notes
    -----
    Missing-data policy: a person with a missing score gets NaN ``diff``/``rci`` and a missing
    category. ``rci`` is NaN for everyone when :math:`S_{diff}` is not positive (reliability
    outside [0, 1), or ``sd_pre`` zero or unavailable).

    References
    ----------
    Jacobson, N. S. & Truax, P. (1991). Clinical significance: a statistical approach to defining
    meaningful change in psychotherapy research. J. Consulting and Clinical Psychology, 59, 12-19.
    """
    check_series_alignment(pre, post, "pre", "post")
    x = as_float_array(pre, "pre")
    y = as_float_array(post, "post")
    check_same_length(x, y, "pre", "post")
    r = _reliability_value(reliability)
    if sd_pre is None:
        available = x[~np.isnan(x)]
        s = float(available.std(ddof=1)) if available.size >= 2 else float("nan")
    else:
        s = float(sd_pre)
    s_diff = np.sqrt(2.0) * sem(s, r)
    diff = y - x
    with np.errstate(divide="ignore", invalid="ignore"):
        rci = diff / s_diff if s_diff > 0 else np.full(diff.shape, np.nan)
    codes = np.where(rci > RCI_THRESHOLD, 2, np.where(rci < -RCI_THRESHOLD, 0, 1))
    codes = np.where(np.isnan(rci), -1, codes)
    category = pd.Categorical.from_codes(codes, categories=pd.Index(RCI_CATEGORIES), ordered=True)
    index = pre.index if isinstance(pre, pd.Series) else pd.RangeIndex(len(x))
    return pd.DataFrame({"diff": diff, "rci": rci, "category": category}, index=index)


def _reliability_value(reliability: Any) -> float:
    """Reliability as a float (None -> NaN), refusing text."""
    if reliability is None:
        return float("nan")
    try:
        return float(reliability)
    except (TypeError, ValueError):
        raise ValueError(
            f"`reliability` must be a number between 0 and 1 (e.g. the test's KR-20); got {reliability!r}."
        ) from None
