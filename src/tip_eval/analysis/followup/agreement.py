"""Whether two coders apply the codebook the same way.

:func:`coder_agreement`: percent agreement, Cohen's kappa, Krippendorff's alpha.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis.followup._codings import _code_table, _codings, _Tables

__all__ = ["AGREEMENT_COLUMNS", "NOT_COMPUTABLE", "coder_agreement"]
AGREEMENT_COLUMNS: tuple[str, ...] = (
    "kind",
    "code_id",
    "label",
    "n_double_coded",
    "n_coders",
    "n_either",
    "pct_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "rating",
)


# --------------------------------------------------------------------------------------------------
# coder_agreement
# --------------------------------------------------------------------------------------------------
@memoised()
def coder_agreement(data: Any) -> pd.DataFrame:
    """Agreement between coders on the double-coded interviews, per code and overall.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study` or a dict with ``followup_codes`` (and ``interviews`` for the
        coder order, ``codebook`` for the labels).

    Returns
    -------
    pandas.DataFrame
        One row per code (codebook order), then one ``"overall"`` row:

        ``kind``
            ``"code"`` or ``"overall"``.
        ``code_id``, ``label``
            The code (missing on the overall row; its label is ``"All codes (pooled)"``).
        ``n_double_coded``
            Interviews coded by two or more coders (the units compared).
        ``n_coders``
            Largest number of coders on one interview.
        ``n_either``
            Double-coded interviews to which at least one coder applied the code (on the overall
            row: interview x code decisions with at least one coder applying the code). Agreement
            on a code almost nobody applies rests on these few interviews.
        ``pct_agreement``
            Percent agreement (``te.stats.percent_agreement``): per double-coded interview, the
            share of coder pairs making the same decision (applied / not applied), averaged over
            interviews; with two coders, the percent of interviews on which they agree. Chance
            agreement is not removed: a rare code gets a high percent agreement for free.
        ``cohen_kappa``
            Cohen's (1960) kappa between the first two coders of each interview:
            :math:`\\kappa = (p_o - p_e)/(1 - p_e)`, :math:`p_e` from each coder's marginal rate.
        ``krippendorff_alpha``
            Krippendorff's alpha (nominal) over all coders of each interview:
            :math:`\\alpha = 1 - D_o/D_e` (Krippendorff 2011).
        ``rating``
            Plain words for the kappa on the Landis & Koch (1977) scale (poor, slight, fair,
            moderate, substantial, almost perfect), from ``te.stats.agreement_label``;
            ``"not computable"`` where kappa is NaN.

    Notes
    -----
    Coder order: the coders of an interview are ordered as listed in ``interviews.coders`` (see
    the module notes). Kappa is computed on coder *positions*: the primary coding against the
    second coding of each double-coded interview, whoever the two coders are. When coder pairs vary
    between interviews (a/b on some, a/c on others), kappa treats "first" and "second" coder as
    two raters; Krippendorff's alpha makes no such assumption, allows any number of coders and
    missing codings, and is the better summary. With more than two coders on an interview, kappa
    uses the first two and alpha uses all.

    Overall row: every interview x code decision of the double-coded interviews is one unit, and
    the same three statistics are computed on these pooled decisions (not an average of the
    per-code values).

    Kappa and alpha are NaN when they are undefined: no double-coded interview, or a code that no
    coder (or every coder on every interview) applied, since then expected disagreement is 0. Such a
    code shows ``pct_agreement`` 100 and NaN kappa: agreement cannot be judged from it.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educ. Psychol. Meas., 20,
    37-46. Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
    for Communication, University of Pennsylvania. Landis, J. R. & Koch, G. G. (1977). The
    measurement of observer agreement for categorical data. Biometrics, 33, 159-174.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> ag = te.coder_agreement(study)
    >>> ag.loc[ag["code_id"] == "TRUST_BUILDING", "rating"].item()  # a planted low-agreement code
    'fair'
    """
    t = _Tables(data)
    codes = _code_table(t)
    codings = _codings(t, codes["code_id"].tolist())
    pairs = codings.pairs
    n_per = pairs.groupby("interview_id", sort=False)["position"].transform("size").to_numpy()
    keep = n_per >= 2
    sub = pairs[keep].reset_index(drop=True)
    mat = codings.matrix[keep]
    units = pd.unique(sub["interview_id"])
    n_units = len(units)
    n_coders = int(sub["position"].max() + 1) if len(sub) else 0
    # cube: units x positions x codes, NaN where a position has no coder
    cube = np.full((n_units, max(n_coders, 2), len(codes)), np.nan)
    if n_units:
        u = pd.Index(units).get_indexer(sub["interview_id"])
        cube[u, sub["position"].to_numpy()] = mat.astype(float)

    rows = []
    for j, c in enumerate(codes.itertuples(index=False)):
        rows.append(
            {
                "kind": "code",
                "code_id": c.code_id,
                "label": c.label,
                **_agreement_stats(cube[:, :, j], n_units, n_coders),
            }
        )
    pooled = cube.transpose(0, 2, 1).reshape(-1, cube.shape[1])
    overall = _agreement_stats(pooled, n_units, n_coders)
    rows.append({"kind": "overall", "code_id": pd.NA, "label": "All codes (pooled)", **overall})
    out = pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
    out["code_id"] = out["code_id"].astype(object)
    return out


def _agreement_stats(m: np.ndarray, n_units: int, n_coders: int) -> dict[str, Any]:
    """Statistics of one units x positions matrix (0/1, NaN where a position has no coder)."""
    from tip_eval import stats

    nan = float("nan")
    if m.shape[0] == 0:
        return {
            "n_double_coded": n_units,
            "n_coders": n_coders,
            "n_either": 0,
            "pct_agreement": nan,
            "cohen_kappa": nan,
            "krippendorff_alpha": nan,
            "rating": _rating(nan),
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        either = int((np.nanmax(m, axis=1) > 0).sum())
        pct = float(stats.percent_agreement(m))
        a, b = m[:, 0], m[:, 1]
        ok = ~np.isnan(a) & ~np.isnan(b)
        kappa = float(stats.cohen_kappa(a[ok], b[ok])) if ok.any() else nan
        alpha = float(stats.krippendorff_alpha(m, level="nominal"))
    return {
        "n_double_coded": n_units,
        "n_coders": n_coders,
        "n_either": either,
        "pct_agreement": pct,
        "cohen_kappa": kappa,
        "krippendorff_alpha": alpha,
        "rating": _rating(kappa),
    }


#: ``rating`` when kappa is undefined
NOT_COMPUTABLE = "not computable"


def _rating(kappa: float) -> str:
    from tip_eval import stats

    label = stats.agreement_label(kappa)
    return NOT_COMPUTABLE if label is None else str(label)
