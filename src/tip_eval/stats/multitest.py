"""Adjusting p-values for multiple comparisons (R's ``p.adjust``)."""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import pandas as pd

from ._checks import as_float_array

#: accepted spellings of each method, mapped to the method used
P_ADJUST_METHODS: dict[str, str] = {
    "holm": "holm",
    "bonferroni": "bonferroni",
    "hochberg": "hochberg",
    "BH": "BH",
    "fdr_bh": "BH",
    "fdr": "BH",
    "BY": "BY",
    "fdr_by": "BY",
    "none": "none",
}


@overload
def p_adjust(pvalues: pd.Series, method: str = "holm") -> pd.Series: ...
@overload
def p_adjust(pvalues: Any, method: str = "holm") -> np.ndarray: ...


def p_adjust(pvalues: Any, method: str = "holm") -> np.ndarray | pd.Series:
    """Adjust p-values for multiple comparisons, as R's ``p.adjust``.

    Parameters
    ----------
    pvalues : array-like of float
        The raw p-values of one family of tests. Missing values (NaN) are allowed.
    method : {"holm", "bonferroni", "hochberg", "BH", "fdr_bh", "fdr", "BY", "fdr_by", "none"}
        Adjustment method; ``"holm"`` by default. ``"fdr_bh"`` and ``"fdr"`` are aliases of
        ``"BH"``, ``"fdr_by"`` of ``"BY"``. (Unlike ``statsmodels.stats.multitest.multipletests``,
        whose default is Holm-Sidak, the default here is Holm, as in R.)

    Returns
    -------
    numpy.ndarray or pandas.Series
        Adjusted p-values, capped at 1, in the input order. A Series comes back as a Series with
        the same index; anything else as a float array.

    Notes
    -----
    With the m non-missing p-values sorted ascending, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`:

    - Bonferroni: :math:`\\min(1, m p_i)`.
    - Holm (1979): :math:`\\tilde p_{(i)} = \\min(1, \\max_{j \\le i} (m - j + 1) p_{(j)})`.
    - Hochberg (1988): :math:`\\tilde p_{(i)} = \\min(1, \\min_{j \\ge i} (m - j + 1) p_{(j)})`.
    - Benjamini & Hochberg (1995): :math:`\\tilde p_{(i)} = \\min(1, \\min_{j \\ge i} m p_{(j)} / j)`.
    - Benjamini & Yekutieli (2001): as BH, multiplied by :math:`q = \\sum_{k=1}^{m} 1/k`.

    Missing-data policy: NaN p-values stay NaN and are not counted in m (R's default
    ``n = length(p[!is.na(p)])``). Ties keep their input order, as R's ``order()`` does.

    References
    ----------
    R Core Team, ``stats::p.adjust``. Holm, S. (1979). Scand. J. Statist. 6, 65-70.
    Hochberg, Y. (1988). Biometrika 75, 800-802. Benjamini, Y. & Hochberg, Y. (1995).
    JRSS B 57, 289-300. Benjamini, Y. & Yekutieli, D. (2001). Ann. Statist. 29, 1165-1188.

    Examples
    --------
    >>> p_adjust([0.01, 0.02, 0.03, 0.04, 0.05], "holm")
    array([0.05, 0.08, 0.09, 0.09, 0.09])
    """
    if not isinstance(method, str) or method not in P_ADJUST_METHODS:
        options = ", ".join(repr(m) for m in P_ADJUST_METHODS)
        raise ValueError(f"`method` must be one of {options}; got {method!r}.")
    kind = P_ADJUST_METHODS[method]
    p = as_float_array(pvalues, "pvalues")
    finite = p[~np.isnan(p)]
    if np.any((finite < 0) | (finite > 1)):
        raise ValueError("`pvalues` must lie between 0 and 1 (NaN allowed); some do not.")
    out = np.full(p.shape, np.nan)
    present = np.flatnonzero(~np.isnan(p))
    m = present.size
    if m:
        out[present] = _adjust(p[present], kind)
    if isinstance(pvalues, pd.Series):
        return pd.Series(out, index=pvalues.index, name=pvalues.name)
    return out


def _adjust(p: np.ndarray, kind: str) -> np.ndarray:
    """Adjust a complete (no NaN) vector of p-values; a line-by-line port of R's p.adjust."""
    m = p.size
    if kind == "none":
        return p.copy()
    if kind == "bonferroni":
        return np.asarray(np.minimum(1.0, m * p))
    if kind == "holm":
        order = np.argsort(p, kind="stable")
        i = np.arange(1, m + 1)
        adjusted = np.minimum(1.0, np.maximum.accumulate((m - i + 1) * p[order]))
    else:
        order = np.argsort(-p, kind="stable")  # decreasing, ties in input order as R's order()
        i = np.arange(m, 0, -1)
        if kind == "hochberg":
            adjusted = np.minimum(1.0, np.minimum.accumulate((m - i + 1) * p[order]))
        elif kind == "BH":
            adjusted = np.minimum(1.0, np.minimum.accumulate(m / i * p[order]))
        else:  # BY
            q = np.sum(1.0 / np.arange(1, m + 1))
            adjusted = np.minimum(1.0, np.minimum.accumulate(q * m / i * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out
