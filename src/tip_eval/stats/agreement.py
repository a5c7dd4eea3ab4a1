"""Agreement between coders: Cohen's kappa, Krippendorff's alpha, percent agreement, labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import N_

from ._checks import check_choice, check_same_length

KRIPPENDORFF_LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
AGREEMENT_SCALES: tuple[str, ...] = ("landis_koch", "krippendorff")


def _labels(values: Any, name: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"`{name}` must be one-dimensional (one code per unit); got a DataFrame.")
    series = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return series


def cohen_kappa(a: Any, b: Any) -> float:
    """Cohen's kappa for two coders assigning nominal codes to the same units.

    Parameters
    ----------
    a, b : array-like
        The two coders' codes, paired by position (unit i is ``a[i]`` and ``b[i]``). Codes may be
        numbers or text; missing codes are NaN/None.

    Returns
    -------
    float
        :math:`\\kappa = (p_o - p_e) / (1 - p_e)`, with :math:`p_o` the share of units on which the
        coders agree and :math:`p_e = \\sum_c p_{a,c}\\, p_{b,c}` the agreement expected from each
        coder's own marginal shares. Unweighted (nominal) kappa, as R ``irr::kappa2(x, "unweighted")``.
        NaN when no unit has both codes, or when :math:`p_e = 1` (both coders used one and the
        same code throughout, so chance agreement is already perfect).

    Notes
    -----
    Missing-data policy: units where either code is missing are dropped.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement, 20, 37-46.
    """
    sa = _labels(a, "a")
    sb = _labels(b, "b")
    check_same_length(sa.to_numpy(), sb.to_numpy(), "a", "b")
    keep = sa.notna().to_numpy() & sb.notna().to_numpy()
    if not keep.any():
        return float("nan")
    codes, _ = pd.factorize(pd.concat([sa[keep], sb[keep]], ignore_index=True), sort=False)
    n = int(keep.sum())
    ca, cb = codes[:n], codes[n:]
    k = int(codes.max()) + 1
    table = np.bincount(ca * k + cb, minlength=k * k).reshape(k, k) / n
    p_o = float(np.trace(table))
    p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    if p_e >= 1.0:
        return float("nan")
    return (p_o - p_e) / (1.0 - p_e)


def _unit_value_counts(data: Any, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Counts of each value per unit (units x values) and the sorted values (numeric levels)."""
    if isinstance(data, pd.DataFrame):
        array = data.to_numpy(dtype=object)
    else:
        array = np.asarray(data, dtype=object)
    if array.ndim != 2:
        raise ValueError(f"`data` must be two-dimensional (rows = units, columns = coders); got shape {array.shape}.")
    present = ~pd.isna(array)
    unit_codes, _ = np.nonzero(present)
    values = array[present]
    if level == "nominal":
        value_codes, uniques = pd.factorize(values, sort=False)
        numeric = np.asarray([], dtype=np.float64)
    else:
        try:
            numeric_values = pd.to_numeric(pd.Series(values, dtype=object), errors="raise").to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"level={level!r} needs numeric codes (e.g. 1-5); `data` holds text. "
                "Recode to numbers in their natural order, or use level='nominal'."
            ) from None
        numeric, value_codes = np.unique(numeric_values, return_inverse=True)
        uniques = numeric
    n_units = array.shape[0]
    n_values = len(uniques)
    counts = np.bincount(unit_codes * n_values + value_codes, minlength=n_units * n_values)
    return counts.reshape(n_units, n_values).astype(np.float64), np.asarray(numeric, dtype=np.float64)


def krippendorff_alpha(data: Any, level: str = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, with missing codings.

    Parameters
    ----------
    data : pandas.DataFrame or 2-D array-like
        Rows = units (e.g. interviews x codes), columns = coders; each cell the code a coder gave
        the unit, NaN/None where that coder did not code it.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, which sets the difference function :math:`\\delta^2_{ck}`:
        nominal :math:`[c \\ne k]`; ordinal
        :math:`(\\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2` over the ordered values; interval
        :math:`(c - k)^2`; ratio :math:`((c - k)/(c + k))^2`. Non-nominal levels need numeric codes.

    Returns
    -------
    float
        :math:`\\alpha = 1 - D_o/D_e = 1 - (n - 1)\\dfrac{\\sum_{c,k} o_{ck}\\,\\delta^2_{ck}}
        {\\sum_{c,k} n_c n_k\\,\\delta^2_{ck}}`, from the coincidence matrix
        :math:`o_{ck} = \\sum_u (\\text{number of } c\\text{-}k \\text{ pairs in unit } u)/(m_u - 1)`,
        :math:`n_c = \\sum_k o_{ck}`, :math:`n = \\sum_c n_c`. NaN when fewer than two pairable
        values remain or all pairable values are the same (no expected disagreement).

    Notes
    -----
    Missing-data policy: missing codings are skipped; units coded by fewer than 2 coders
    (:math:`m_u < 2`) are not pairable and do not count.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
    Communication Departmental Papers 43. Hayes, A. F. & Krippendorff, K. (2007). Communication
    Methods and Measures, 1, 77-89.
    """
    check_choice(level, "level", KRIPPENDORFF_LEVELS)
    counts, values = _unit_value_counts(data, level)
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    counts = counts[pairable]
    m_u = m_u[pairable]
    if counts.size == 0:
        return float("nan")
    weighted = counts / (m_u - 1.0)[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    delta2 = _difference(level, values, n_c)
    observed = float(np.sum(coincidence * delta2))
    expected = float(n_c @ delta2 @ n_c)
    if not expected > 0:
        return float("nan")
    return float(1.0 - (n - 1.0) * observed / expected)


def _difference(level: str, values: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """Squared difference matrix delta^2 for the given level of measurement."""
    k = n_c.size
    out: np.ndarray
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "interval":
        out = (values[:, None] - values[None, :]) ** 2
        return out
    if level == "ratio":
        total = values[:, None] + values[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(total != 0, (values[:, None] - values[None, :]) / total, 0.0)
        return ratio**2
    # ordinal: cumulative marginal counts between the two ranks
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    lo = np.minimum.outer(np.arange(k), np.arange(k))
    hi = np.maximum.outer(np.arange(k), np.arange(k))
    between = cum[hi + 1] - cum[lo]
    out = (between - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2
    return out


def percent_agreement(data: Any) -> float:
    """Percent agreement among coders, averaged over units.

    Parameters
    ----------
    data : pandas.DataFrame or 2-D array-like
        Rows = units, columns = coders, NaN/None for a missing coding.

    Returns
    -------
    float
        In percent (0-100): for each unit coded by :math:`m_u \\ge 2` coders, the share of coder
        pairs that gave the same code, :math:`\\sum_c n_{uc}(n_{uc} - 1) / (m_u(m_u - 1))`;
        then the mean over those units. With two coders this is the share of units on which they
        agree. NaN when no unit has two codings.

    Notes
    -----
    Missing-data policy: missing codings are skipped; units with fewer than two codings are left
    out. Percent agreement ignores agreement by chance: report it beside kappa or alpha, never
    alone.
    """
    counts, _ = _unit_value_counts(data, "nominal")
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    if not pairable.any():
        return float("nan")
    c = counts[pairable]
    m = m_u[pairable]
    share = (c * (c - 1.0)).sum(axis=1) / (m * (m - 1.0))
    return float(100.0 * share.mean())


_LANDIS_KOCH = (
    (0.20, N_("slight")),
    (0.40, N_("fair")),
    (0.60, N_("moderate")),
    (0.80, N_("substantial")),
    (np.inf, N_("almost perfect")),
)


def _label_one(value: float, scale: str) -> str | None:
    if value is None or not np.isfinite(value):
        return None
    if scale == "krippendorff":
        if value >= 0.800:
            return N_("reliable")
        if value >= 0.667:
            return N_("tentative conclusions only")
        return N_("unreliable")
    if value < 0:
        return N_("poor")
    for upper, label in _LANDIS_KOCH:
        if value <= upper:
            return label
    return "almost perfect"  # pragma: no cover


def agreement_label(value: Any, scale: str = "landis_koch") -> Any:
    """Words for an agreement coefficient.

    Parameters
    ----------
    value : float or array-like of float
        Kappa or alpha value(s).
    scale : {"landis_koch", "krippendorff"}
        ``"landis_koch"`` (for kappa; Landis & Koch, 1977): below 0 "poor", 0-0.20 "slight",
        0.21-0.40 "fair", 0.41-0.60 "moderate", 0.61-0.80 "substantial", 0.81-1 "almost perfect"
        (a value is in the band whose upper bound it does not exceed, e.g. 0.205 is "fair").
        ``"krippendorff"`` (for alpha; Krippendorff, 2004, p. 241): at least 0.800 "reliable",
        0.667 to below 0.800 "tentative conclusions only", below 0.667 "unreliable".

    Returns
    -------
    str, None, numpy.ndarray or pandas.Series
        The label (None for a missing value). A scalar gives a str; a Series gives a Series with
        the same index; other array-likes give an object array.

    References
    ----------
    Landis, J. R. & Koch, G. G. (1977). The measurement of observer agreement for categorical
    data. Biometrics, 33, 159-174. Krippendorff, K. (2004). Content analysis: an introduction to
    its methodology (2nd ed.), section 11.4.
    """
    check_choice(scale, "scale", AGREEMENT_SCALES)
    if np.ndim(value) == 0:
        return _label_one(float(value) if value is not None else np.nan, scale)
    array = np.asarray(value, dtype=np.float64)
    labels = np.array([_label_one(v, scale) for v in array.ravel()], dtype=object).reshape(array.shape)
    if isinstance(value, pd.Series):
        return pd.Series(labels, index=value.index, name=value.name, dtype=object)
    return labels
