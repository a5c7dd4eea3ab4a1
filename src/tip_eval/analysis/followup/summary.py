"""What the interviews report, and which codes go together.

How many interviewed people report each code, theme and the level-3 indicator
(:func:`followup_summary`), and which codes go together in the same interview (:func:`code_cooccurrence`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import By, as_by, check_by, group_keys
from tip_eval.analysis.followup._codings import (
    DAYS_PER_MONTH,
    _check_confidence,
    _check_rule,
    _coded_people,
    _empty,
    _group_index,
    _nullable_bool,
    _prepare_codes,
    _Tables,
)

__all__ = ["COOCCURRENCE_COLUMNS", "SUMMARY_COLUMNS", "code_cooccurrence", "followup_summary"]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "kind",
    "code_id",
    "label",
    "theme",
    "level",
    "applied_practice",
    "n_codes",
    "n_interviewed",
    "n_with_code",
    "pct_with_code",
    "ci_low",
    "ci_high",
    "confidence",
    "months_since_training",
)
COOCCURRENCE_COLUMNS: tuple[str, ...] = (
    "code_a",
    "code_b",
    "label_a",
    "label_b",
    "n_interviews",
    "n_a",
    "n_b",
    "n_both",
    "c_coefficient",
)


# --------------------------------------------------------------------------------------------------
# followup_summary
# --------------------------------------------------------------------------------------------------
@memoised()
def followup_summary(data: Any, by: By = None, confidence: float = 0.95, rule: str = "primary") -> pd.DataFrame:
    """Share of interviewed people reporting each code, theme and the level-3 indicator, per group.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study`, or a dict of canonical tables with at least ``interviews``,
        ``codebook`` and ``followup_codes`` (plus ``participants`` and ``trainings`` for ``by`` and
        ``months_since_training``).
    by : str or list of str, optional
        Grouping column(s) of participants or their training (``country``, ``province``,
        ``sector``, ``training_id``, ``gender``, ...). ``None`` gives one overall group.
    confidence : float, default 0.95
        Confidence level of the Wilson intervals.
    rule : {"primary", "any", "all"}, default "primary"
        How double-coded interviews become one coding: the primary (first-listed) coder's codes,
        codes applied by any coder, or codes applied by all coders (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per group and summary row, at full precision. The ``by`` columns first (none when
        ``by`` is None, as in ``te.gains``); groups sorted by their keys, a missing key last.
        Every group of the roster appears, also those with nobody interviewed
        (``n_interviewed`` 0, shares NaN).
        Then, per group, the code rows (codebook order), the theme rows, and the indicator row:

        ``kind``
            ``"code"``, ``"theme"`` or ``"indicator"``.
        ``code_id``
            The code (missing on theme and indicator rows).
        ``label``
            The code's label; the theme path on theme rows; ``"At least one applied-practice
            code"`` on the indicator row.
        ``theme``
            The code's theme; on theme rows the theme path the row rolls up. Nested themes
            ``"Theme > Subtheme"`` are rolled up at every level: ``"Special groups"`` covers
            ``"Special groups > Children"`` and ``"Special groups > Transgender and other groups"``.
        ``level``
            Kirkpatrick level (3 behaviour, 4 results); on theme rows the level shared by all its
            codes (missing if mixed); 3 on the indicator row.
        ``applied_practice``
            Whether the code is evidence of applying the training; on theme rows True/False when
            all its codes agree (missing if mixed); True on the indicator row.
        ``n_codes``
            Number of codes the row covers (1 for a code).
        ``n_interviewed``
            People in the group with at least one coded interview.
        ``n_with_code``
            Of these, people with the code (for a theme: with any code of the theme; for the
            indicator: with at least one applied-practice code) in at least one interview.
        ``pct_with_code``
            ``100 * n_with_code / n_interviewed`` (NaN when nobody was interviewed).
        ``ci_low``, ``ci_high``
            Wilson score interval of that share, in percent (NaN when ``n_interviewed`` is 0).
        ``confidence``
            The confidence level used.
        ``months_since_training``
            Median, over the group's coded interviews, of the months between the end of the
            person's training (``trainings.end_date``) and ``interview_date``; months of
            365.25/12 days. Repeated on every row of the group.

        ``result.attrs["rule"]`` records the consensus rule.

    Notes
    -----
    The level-3 indicator is the share of interviewees who report at least one code marked
    ``applied_practice`` in the codebook: evidence that training content was used at work
    (Kirkpatrick level 3, behaviour). Codes missing from the codebook (an unvalidated input) are
    shown with missing metadata and never count towards the indicator.

    Wilson (1927) score interval, with :math:`\\hat p = x/n` and :math:`z = \\Phi^{-1}(1-\\alpha/2)`:

    .. math:: \\frac{\\hat p + z^2/(2n) \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}

    It stays inside [0, 1] and keeps close to its nominal coverage for the small groups and the
    shares near 0 or 100% typical of follow-up interviews (Newcombe 1998), where the Wald interval
    fails. The intervals describe sampling uncertainty only; they assume interviewees are a random
    sample of the group, which :func:`followup_vs_gains` checks.

    Missing-data policy: an interview counts as coded when a coder applied codes to it or when the
    interview list names its coders (an interview coded without any code applied has no rows in a
    Taguette or QualCoder export, and counts in the denominator with no code). Interviews nobody
    coded, and interviews not linked to a participant, are left out; a participant not on the
    roster is kept with missing group values.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    JASA, 22, 209-212. Newcombe, R. G. (1998). Two-sided confidence intervals for the single
    proportion: comparison of seven methods. Statistics in Medicine, 17, 857-872.
    Kirkpatrick, D. L. & Kirkpatrick, J. D. (2006). Evaluating training programs (3rd ed.).

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> s = te.followup_summary(study, by="country")
    >>> s[s["kind"] == "indicator"][["country", "n_interviewed", "n_with_code"]]
       country  n_interviewed  n_with_code
    21     IDN             10            8
    43     KHM             27           25
    65     THA             63           51
    """
    from tip_eval import stats

    t = _Tables(data)
    rule = _check_rule(rule)
    confidence = _check_confidence(confidence)
    by_cols = as_by(by)
    attrs = t.attributes()
    check_by(by_cols, attrs.columns)
    key_cols = by_cols or ["group"]

    person, items, membership, interview_codes = _coded_people(t, rule)

    if "participant_id" in attrs:
        attrs_p = attrs.drop_duplicates("participant_id").astype({"participant_id": object}).set_index("participant_id")
    else:
        attrs_p = pd.DataFrame(index=pd.Index([], dtype=object))
    person_attrs = attrs_p.reindex(person.index)
    person_keys = group_keys(person_attrs, by_cols).reset_index(drop=True)
    roster_keys = group_keys(attrs_p, by_cols).reset_index(drop=True)
    if not by_cols:
        roster_keys = pd.DataFrame({"group": ["all"]})
    groups = pd.concat([roster_keys, person_keys], ignore_index=True).drop_duplicates()
    groups = groups.sort_values(key_cols, na_position="last", kind="stable").reset_index(drop=True)

    has = (
        (person.to_numpy(dtype=np.int64) @ membership.T.astype(np.int64)) > 0
        if len(person)
        else np.zeros((0, len(items)), dtype=bool)
    )

    # months since training, per coded interview
    iv = t.interviews
    months = pd.Series(np.nan, index=pd.RangeIndex(0))
    month_keys = pd.DataFrame(columns=key_cols)
    if len(interview_codes) and {"interview_id", "participant_id", "interview_date"} <= set(iv.columns):
        coded_iv = iv[iv["interview_id"].isin(interview_codes.index)].astype({"participant_id": object})
        ia = attrs_p.reindex(coded_iv["participant_id"])
        end = pd.to_datetime(ia["end_date"], errors="coerce") if "end_date" in ia else pd.Series(pd.NaT, index=ia.index)
        date = pd.to_datetime(coded_iv["interview_date"], errors="coerce")
        months = pd.Series((date.to_numpy() - end.to_numpy()) / np.timedelta64(1, "D") / DAYS_PER_MONTH)
        month_keys = group_keys(ia, by_cols).reset_index(drop=True)

    n_groups, n_items = len(groups), len(items)
    if n_groups == 0:
        return _empty(by_cols + list(SUMMARY_COLUMNS), attrs={"rule": rule})
    gidx = _group_index(person_keys, groups, key_cols)
    n_people = np.bincount(gidx, minlength=n_groups)
    n_with = np.zeros((n_groups, n_items), dtype=np.int64)
    np.add.at(n_with, gidx, has.astype(np.int64))
    med = np.full(n_groups, np.nan)
    if len(month_keys):
        m_idx = _group_index(month_keys, groups, key_cols)
        by_group = pd.Series(months.to_numpy(dtype=float)).groupby(m_idx).median()
        med[by_group.index.to_numpy(dtype=np.int64)] = by_group.to_numpy(dtype=float)

    out = groups.loc[np.repeat(np.arange(n_groups), n_items), key_cols].reset_index(drop=True)
    tiled = items.iloc[np.tile(np.arange(n_items), n_groups)].reset_index(drop=True)
    out = pd.concat([out, tiled], axis=1)
    out["n_interviewed"] = np.repeat(n_people, n_items).astype(np.int64)
    out["n_with_code"] = n_with.ravel()
    n_arr = out["n_interviewed"].to_numpy(dtype=float)
    x_arr = out["n_with_code"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_with_code"] = np.where(n_arr > 0, 100.0 * x_arr / n_arr, np.nan)
    low, high = stats.wilson_interval(x_arr, n_arr, confidence)
    out["ci_low"] = 100.0 * np.asarray(low, dtype=float)
    out["ci_high"] = 100.0 * np.asarray(high, dtype=float)
    out["confidence"] = confidence
    out["months_since_training"] = np.repeat(med, n_items)
    out["level"] = pd.array(pd.to_numeric(out["level"], errors="coerce"), dtype="Int64")
    out["applied_practice"] = _nullable_bool(out["applied_practice"])
    out = out[by_cols + list(SUMMARY_COLUMNS)].reset_index(drop=True)
    out.attrs["rule"] = rule
    return out


# --------------------------------------------------------------------------------------------------
# code_cooccurrence
# --------------------------------------------------------------------------------------------------
@memoised()
def code_cooccurrence(data: Any, rule: str = "primary") -> pd.DataFrame:
    """How often two codes are applied to the same interview: counts and the c-coefficient.

    Parameters
    ----------
    data : Study or mapping of DataFrames
        A :class:`~tip_eval.Study` or a dict with ``interviews``, ``codebook``, ``followup_codes``.
    rule : {"primary", "any", "all"}, default "primary"
        How a double-coded interview becomes one coding (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair of codes (``code_a`` before ``code_b`` in codebook order; every
        pair, also those never co-occurring; no row of a code with itself):

        ``code_a``, ``code_b``
            The two codes.
        ``label_a``, ``label_b``
            Their labels.
        ``n_interviews``
            Coded interviews (the units counted).
        ``n_a``, ``n_b``
            Interviews with code a, with code b.
        ``n_both``
            Interviews with both codes.
        ``c_coefficient``
            :math:`c = n_{12} / (n_1 + n_2 - n_{12})`: interviews with both codes as a share of
            interviews with either (0 = never together, 1 = always together). NaN when neither
            code was applied (denominator 0).

        ``result.attrs["rule"]`` records the consensus rule.

    Notes
    -----
    The unit is the interview (a document), not the person and not the coded passage: two codes
    co-occur when both are applied to the same interview. The c-coefficient is the co-occurrence
    coefficient of qualitative data analysis (ATLAS.ti's "c-coefficient", a Jaccard index of
    the two codes' interview sets); it does not depend on the number of interviews with neither
    code. ATLAS.ti computes it over coded quotations; here it is computed over interviews. With
    few interviews, a high c from two rare codes is weak evidence: read it with ``n_both``.

    References
    ----------
    Friese, S. (2019). Qualitative Data Analysis with ATLAS.ti (3rd ed.), on the c-coefficient.
    ATLAS.ti user manual, "Code Co-occurrence Table": c = n12 / (n1 + n2 - n12).
    Jaccard, P. (1912). The distribution of the flora in the alpine zone. New Phytologist, 11, 37-50.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> co = te.code_cooccurrence(study)
    >>> top = co.sort_values("c_coefficient", ascending=False).iloc[0]
    >>> top["code_a"], top["code_b"], int(top["n_both"]), round(float(top["c_coefficient"]), 2)
    ('ID_DEFINITIONS', 'ENG_SERVICES_SAFETY', 16, 0.32)
    """
    t = _Tables(data)
    rule = _check_rule(rule)
    codes, _, interview_codes = _prepare_codes(t, rule)
    ids = codes["code_id"].tolist()
    labels = codes["label"].tolist()
    k = len(ids)
    x = interview_codes.to_numpy(dtype=np.int64)
    both = x.T @ x if len(x) else np.zeros((k, k), dtype=np.int64)
    single = np.diag(both).copy()
    ia, ib = np.triu_indices(k, 1)
    n12 = both[ia, ib]
    n1, n2 = single[ia], single[ib]
    denom = (n1 + n2 - n12).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(denom > 0, n12 / denom, np.nan)
    out = pd.DataFrame(
        {
            "code_a": pd.Series([ids[i] for i in ia], dtype=object),
            "code_b": pd.Series([ids[j] for j in ib], dtype=object),
            "label_a": pd.Series([labels[i] for i in ia], dtype=object),
            "label_b": pd.Series([labels[j] for j in ib], dtype=object),
            "n_interviews": np.full(len(ia), len(x), dtype=np.int64),
            "n_a": n1.astype(np.int64),
            "n_b": n2.astype(np.int64),
            "n_both": n12.astype(np.int64),
            "c_coefficient": c.astype(float),
        },
        columns=list(COOCCURRENCE_COLUMNS),
    )
    out.attrs["rule"] = rule
    return out
