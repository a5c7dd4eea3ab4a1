"""Does the learning last? The delayed post-test (a retention test months after the training).

:func:`retention` sets each group's delayed post-test beside its pre- and post-test, for the people
who took all three: how much of the gain remained (the retained gain), how much was lost since the
end of the training (the decay), their ratio, and, beside them, who was re-tested at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import By, is_study
from tip_eval.analysis.inputs import ALL_PHASES, SUBJECT, person_scores

__all__ = ["DAYS_PER_MONTH", "RETENTION_COLUMNS", "retention"]

#: result columns of :func:`retention` after the ``by`` columns
RETENTION_COLUMNS: tuple[str, ...] = (
    "n_pre_post",
    "n_delayed",
    "n",
    "pct_retested",
    "pre_mean",
    "post_mean",
    "delayed_mean",
    "immediate_gain",
    "immediate_gain_ci_low",
    "immediate_gain_ci_high",
    "retained_gain",
    "retained_gain_ci_low",
    "retained_gain_ci_high",
    "retained_p_value",
    "retained_p_adjusted",
    "decay",
    "decay_ci_low",
    "decay_ci_high",
    "decay_p_value",
    "decay_p_adjusted",
    "retention_ratio",
    "retention_ratio_ci_low",
    "retention_ratio_ci_high",
    "confidence",
    "months_since_training",
    "n_not_retested",
    "gain_not_retested",
    "retested_gain_diff",
    "retested_gain_diff_ci_low",
    "retested_gain_diff_ci_high",
    "note",
)

#: average length of a month in days (365.25 / 12), for the months between a training and a test
DAYS_PER_MONTH = 365.25 / 12


@memoised()
def retention(
    data: object,
    by: By = None,
    measure: str = "knowledge",
    confidence: float = 0.95,
    p_adjust: str = "holm",
    *,
    subject: str | None = None,
    pre: str | None = None,
    post: str | None = None,
    delayed: str | None = None,
    phase: str | None = None,
    score: str | None = None,
    months: str | None = None,
) -> pd.DataFrame:
    """How much of the gain remains at the delayed post-test, with intervals, per group.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A :class:`~tip_eval.Study` whose tests include the phase ``delayed`` (a delayed post-test or
        retention test), or an analyst's own frame: wide (one row per person: ``subject``,
        ``pre``, ``post``, ``delayed`` columns) or long (one row per person and phase:
        ``subject``, ``phase``, ``score`` columns, ``phase`` holding ``"pre"``, ``"post"`` and
        ``"delayed"``).
    by : str or list of str, optional
        Grouping columns (for a Study any participant or training attribute, ``study`` in a
        programme); ``None`` gives one overall row.
    measure : {"knowledge", "confidence"}
        The test score in percent of the maximum, or the person's mean confidence rating (1-5)
        over the competencies rated in that phase (when the delayed test asked for ratings).
    confidence : float, default 0.95
        Level of every interval (the ``confidence`` column).
    p_adjust : str, default "holm"
        Adjustment of ``retained_p_value`` and of ``decay_p_value`` across the rows (each its own
        family), as in :func:`~tip_eval.gains` (R ``p.adjust``).
    subject, pre, post, delayed, phase, score : str, optional (keyword only)
        Column names of a plain frame (``subject`` defaults to ``"participant_id"``; wide:
        ``pre``, ``post`` and ``delayed``; long: ``phase`` and ``score``).
    months : str, optional (keyword only)
        Column of a plain frame with each person's months from the end of the training to the
        delayed test (constant within a person in the long form).

    Returns
    -------
    pandas.DataFrame
        One row per group (as :func:`~tip_eval.gains`: sorted by the keys; for a Study every
        registered participant belongs to a group), the ``by`` columns, then exactly
        :data:`RETENTION_COLUMNS`. Units: percentage points for knowledge, rating points for
        confidence.

        ``n_pre_post``
            People with both the pre- and the post-test: those who could have been re-tested.
        ``n_delayed``
            People with a delayed post-test (whatever their other tests).
        ``n``
            People with all three tests. Every column from ``pre_mean`` to ``months_since_training``
            uses them only.
        ``pct_retested``
            ``100 * n / n_pre_post``.
        ``pre_mean``, ``post_mean``, ``delayed_mean``
            Mean score of the ``n`` people at each test.
        ``immediate_gain`` and its interval
            Mean of post - pre.
        ``retained_gain``, ``retained_gain_ci_low``, ``retained_gain_ci_high``, ``retained_p_value``
            Mean of :math:`R = delayed - pre`, with the paired t interval
            :math:`\\bar R \\pm t_{1-\\alpha/2,\\,n-1}\\, s_R/\\sqrt n` and the two-sided paired t-test
            of :math:`\\bar R = 0` (R ``t.test(delayed - pre)``), as the gain of
            :func:`~tip_eval.gains`.
        ``decay``, ``decay_ci_low``, ``decay_ci_high``, ``decay_p_value``
            The same for :math:`delayed - post` (negative when knowledge was lost).
        ``retained_p_adjusted``, ``decay_p_adjusted``
            The p-values adjusted across the rows of this table by ``p_adjust`` (Holm by
            default); rows without a p-value are not counted.
        ``retention_ratio``, ``retention_ratio_ci_low``, ``retention_ratio_ci_high``
            :math:`\\rho = \\bar R / \\bar G`, the share of the immediate gain :math:`G = post - pre`
            still there at the delayed test (1 = all of it, 0 = none). Interval by the **delta
            method** with a t quantile: :math:`\\rho \\pm t_{1-\\alpha/2,\\,n-1}\\, s_U/(\\sqrt n\\,
            \\bar G)`, where :math:`U_i = R_i - \\rho\\, G_i` (the linearisation of the ratio of two
            means of the same people, so the covariance of R and G is allowed for). NaN, with a
            note, when the immediate gain's own interval includes 0 or is missing: a share of a
            gain that may be nothing has no meaning.
        ``confidence``
            The level of the intervals.
        ``months_since_training``
            Mean, over the ``n`` people, of the months from the last day of their training to
            their delayed test: from the test's date where the files give it (``test_date``),
            otherwise the training's ``delayed_test_months`` (study.toml); NaN when neither is
            known. A month is 365.25/12 days.
        ``n_not_retested``, ``gain_not_retested``
            The people with a pre- and post-test who were **not** re-tested
            (``n_pre_post - n``), and their mean immediate gain (beside ``immediate_gain`` of those
            who were).
        ``retested_gain_diff`` and its interval
            ``immediate_gain - gain_not_retested``, with Welch's interval: a clear positive
            difference means the better learners were re-tested, and the retained gain is then
            likely an overestimate for the whole group.
        ``note``
            Plain words when a row needs them (nobody or too few re-tested, no ratio); empty
            otherwise.

    Notes
    -----
    Pre/post analyses (:func:`~tip_eval.gains`, :func:`~tip_eval.attrition`,
    :func:`~tip_eval.item_analysis` ...) never read the delayed test; this function is where it
    is read. Complete cases: a person counts only with all three tests (their pre- and post-test
    are those of the same people, so the immediate gain here can differ from
    :func:`~tip_eval.gains`, which uses everyone with a pre- and a post-test).

    The intervals of the retained gain and of the decay are exact under normality of the person
    differences. The ratio's delta-method interval is an approximation; in the seeded simulation
    of the test suite (synthetic studies of :func:`tip_eval.datasets.make_study`, about 15
    people re-tested per training) the 95% intervals of retained gain, decay and ratio covered
    the planted truth 93-97% of the time.

    References
    ----------
    Student (1908). Biometrika, 6, 1-25. Holm, S. (1979). Scand. J. Statist., 6, 65-70. Cox, C.
    (1990). Fieller's theorem, the likelihood and the delta method. Biometrics, 46, 709-718.
    Welch, B. L. (1947). Biometrika, 34, 28-35.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> table = te.retention(study, by="country")
    >>> list(table.columns[:4])
    ['country', 'n_pre_post', 'n_delayed', 'n']
    """
    from tip_eval.stats._checks import check_confidence
    from tip_eval.stats.multitest import P_ADJUST_METHODS

    level = check_confidence(confidence)
    if not isinstance(p_adjust, str) or p_adjust not in P_ADJUST_METHODS:
        raise ValueError(f"p_adjust must be one of {', '.join(map(repr, P_ADJUST_METHODS))}; got {p_adjust!r}")
    if is_study(data) and months is not None:
        raise ValueError(
            "months= names a column of a plain DataFrame; a Study knows its test dates and "
            "study.toml's delayed_test_months"
        )
    ps = person_scores(
        data,
        by,
        measure,
        subject=subject,
        pre=pre,
        post=post,
        delayed=delayed,
        phase=phase,
        score=score,
        with_reliability=False,
        phases=ALL_PHASES,
    )
    frame, keys = ps.frame, ps.by
    month = _months(data, frame, measure) if is_study(data) else _plain_months(data, frame, subject, months)
    out = _table(frame, keys, month, level, p_adjust)
    out.attrs["measure"] = measure  # for displays: units of the means (tip_eval.tables.show)
    return out


# --- months since training --------------------------------------------------------------------------


def _months(study: object, frame: pd.DataFrame, measure: str) -> np.ndarray:
    """Per person: months from the end of their training to their delayed test (NaN when unknown)."""
    people = frame[[SUBJECT]].merge(_months_by_person(study), on=SUBJECT, how="left", validate="one_to_one")
    return people["months"].to_numpy(dtype=np.float64, na_value=np.nan)


@memoised()
def _months_by_person(study: object) -> pd.DataFrame:
    """Every participant's months from the end of their training to their delayed test (NaN when unknown).

    The same for every retention table of a study (by any grouping, of either measure): inside a
    block of shared results (:func:`tip_eval._memo.sharing`) it is worked out once.
    """
    people = study.attributes()[[SUBJECT, "end_date", "delayed_test_months"]].reset_index(drop=True)  # type: ignore[attr-defined]
    scores = study.scores  # type: ignore[attr-defined]
    dates = scores.loc[(scores["phase"] == "delayed").to_numpy(dtype=bool, na_value=False), [SUBJECT, "test_date"]]
    # ratings carry no date of their own: for confidence, the date of the same person's delayed test
    when = people[[SUBJECT]].merge(dates.drop_duplicates(SUBJECT), on=SUBJECT, how="left")["test_date"]
    days = (pd.to_datetime(when) - pd.to_datetime(people["end_date"])).dt.days.to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    from_dates = days / DAYS_PER_MONTH
    setting = pd.to_numeric(people["delayed_test_months"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.DataFrame({SUBJECT: people[SUBJECT], "months": np.where(np.isnan(from_dates), setting, from_dates)})


def _plain_months(data: pd.DataFrame, frame: pd.DataFrame, subject: str | None, months: str | None) -> np.ndarray:
    if months is None:
        return np.full(len(frame), np.nan)
    subject = subject or SUBJECT
    if months not in data.columns:
        raise ValueError(
            f"months={months!r}: not a column of the frame; its columns are: {', '.join(map(str, data.columns))}"
        )
    try:
        values = pd.to_numeric(data[months], errors="raise")
    except (TypeError, ValueError):
        raise ValueError(f"column {months!r} must hold numbers of months (missing values allowed)") from None
    per = pd.DataFrame({SUBJECT: data[subject].to_numpy(), "m": values.to_numpy(dtype=np.float64, na_value=np.nan)})
    per = per.dropna(subset=["m"])
    if (per.groupby(SUBJECT)["m"].nunique() > 1).any():
        raise ValueError(f"column {months!r} changes between the rows of one subject; give one number per subject")
    first = per.drop_duplicates(SUBJECT).set_index(SUBJECT)["m"]
    return frame[SUBJECT].map(first).to_numpy(dtype=np.float64, na_value=np.nan)


# --- the table ----------------------------------------------------------------------------------------


def _paired(codes: np.ndarray, G: int, d: np.ndarray, level: float, p_adjust: str) -> dict[str, np.ndarray]:
    """Per group: mean of the paired differences ``d`` (NaN = not counted), its t interval, the two-sided
    t-test and its adjustment across groups; as :func:`tip_eval.gains` computes them (an interval and
    a test only with two people or more and differences that vary).
    """
    from scipy import special

    from tip_eval.stats.multitest import p_adjust as adjust
    from tip_eval.stats.signed_rank import TIE_RTOL

    ok = ~np.isnan(d)
    c, v = codes[ok], d[ok]
    n = np.bincount(c, minlength=G).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(c, weights=v, minlength=G) / n
        ss = np.bincount(c, weights=(v - mean[c]) ** 2, minlength=G)
        sd = np.sqrt(ss / (n - 1.0))
        low, high = np.full(G, np.inf), np.full(G, -np.inf)
        np.minimum.at(low, c, v)
        np.maximum.at(high, c, v)
        varies = (high - low) > TIE_RTOL * np.maximum(np.abs(low), np.abs(high))
        mean = np.where(n > 0, np.where(low == high, low, mean), np.nan)
        usable = (n >= 2) & varies & (sd > 0)
        se = sd / np.sqrt(n)
        half = special.stdtrit(n - 1.0, 1.0 - (1.0 - level) / 2.0) * se
        t = mean / se
        p = np.where(usable, 2.0 * special.stdtr(n - 1.0, -np.abs(t)), np.nan)
    return {
        "n": n,
        "mean": mean,
        "sd": np.where(usable, sd, np.nan),
        "low": np.where(usable, mean - half, np.nan),
        "high": np.where(usable, mean + half, np.nan),
        "p": p,
        "p_adjusted": adjust(p, p_adjust),
    }


def _table(frame: pd.DataFrame, keys: list[str], months: np.ndarray, level: float, p_adjust: str) -> pd.DataFrame:
    from scipy import special

    from tip_eval.stats._groups import group_codes

    x = frame["pre"].to_numpy(dtype=np.float64)
    y = frame["post"].to_numpy(dtype=np.float64)
    z = frame["delayed"].to_numpy(dtype=np.float64)
    pairs = ~np.isnan(x) & ~np.isnan(y)
    all3 = pairs & ~np.isnan(z)
    nan = np.nan
    codes, index = group_codes(frame, keys or None)  # the groups of te.gains, in its order
    G = len(index)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=G).astype(np.float64)

    def mean_of(values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.bincount(codes[all3], weights=values[all3], minlength=G) / count(all3)

    g = y - x
    r = z - x
    imm = _paired(codes, G, np.where(all3, g, nan), level, p_adjust)
    ret = _paired(codes, G, np.where(all3, r, nan), level, p_adjust)
    dec = _paired(codes, G, np.where(all3, z - y, nan), level, p_adjust)
    n_pairs, n_delayed, n = count(pairs), count(~np.isnan(z)), count(all3)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(n_pairs > 0, 100.0 * n / n_pairs, nan)
        mean_g, mean_r = imm["mean"], ret["mean"]
        ratio = mean_r / mean_g
        # delta method: U = R - ratio * G; se(ratio) = sd(U) / (sqrt(n) * mean G)
        u = np.where(all3, r - ratio[codes] * g, nan)
        u_mean = np.bincount(codes[all3], weights=u[all3], minlength=G) / n
        u_ss = np.bincount(codes[all3], weights=(u[all3] - u_mean[codes[all3]]) ** 2, minlength=G)
        se_ratio = np.sqrt(u_ss / (n - 1.0)) / (np.sqrt(n) * mean_g)
        z_crit = special.ndtri(1.0 - (1.0 - level) / 2.0)
        meaningful = (imm["low"] > 0) & (n >= 2)
        ratio_low = np.where(meaningful & (se_ratio > 0), ratio - z_crit * se_ratio, nan)
        ratio_high = np.where(meaningful & (se_ratio > 0), ratio + z_crit * se_ratio, nan)
        ratio = np.where(meaningful, ratio, nan)
        # months: mean over the people with all three tests, where known
        known = all3 & ~np.isnan(months)
        n_months = count(known)
        month_mean = np.where(
            n_months > 0, np.bincount(codes[known], weights=months[known], minlength=G) / n_months, nan
        )
        # the people with a pre- and post-test who were not re-tested
        rest = pairs & ~all3
        n_rest = count(rest)
        m_rest = np.bincount(codes[rest], weights=g[rest], minlength=G) / n_rest
        ss_rest = np.bincount(codes[rest], weights=(g[rest] - m_rest[codes[rest]]) ** 2, minlength=G)
        v_rest = ss_rest / (n_rest - 1.0) / n_rest
        v_ret = imm["sd"] ** 2 / n
        diff = mean_g - m_rest
        se_diff = np.sqrt(v_ret + v_rest)
        welch_df = se_diff**4 / (v_ret**2 / (n - 1.0) + v_rest**2 / (n_rest - 1.0))
        ok_diff = (n >= 2) & (n_rest >= 2) & (se_diff > 0)
        half = special.stdtrit(welch_df, 1.0 - (1.0 - level) / 2.0) * se_diff
    out = pd.DataFrame(
        {
            "n_pre_post": n_pairs.astype(np.int64),
            "n_delayed": n_delayed.astype(np.int64),
            "n": n.astype(np.int64),
            "pct_retested": pct,
            "pre_mean": mean_of(x),
            "post_mean": mean_of(y),
            "delayed_mean": mean_of(z),
            "immediate_gain": mean_g,
            "immediate_gain_ci_low": imm["low"],
            "immediate_gain_ci_high": imm["high"],
            "retained_gain": mean_r,
            "retained_gain_ci_low": ret["low"],
            "retained_gain_ci_high": ret["high"],
            "retained_p_value": ret["p"],
            "retained_p_adjusted": ret["p_adjusted"],
            "decay": dec["mean"],
            "decay_ci_low": dec["low"],
            "decay_ci_high": dec["high"],
            "decay_p_value": dec["p"],
            "decay_p_adjusted": dec["p_adjusted"],
            "retention_ratio": ratio,
            "retention_ratio_ci_low": ratio_low,
            "retention_ratio_ci_high": ratio_high,
            "confidence": level,
            "months_since_training": month_mean,
            "n_not_retested": n_rest.astype(np.int64),
            "gain_not_retested": np.where(n_rest > 0, m_rest, nan),
            "retested_gain_diff": np.where((n > 0) & (n_rest > 0), diff, nan),
            "retested_gain_diff_ci_low": np.where(ok_diff, diff - half, nan),
            "retested_gain_diff_ci_high": np.where(ok_diff, diff + half, nan),
            "note": [_note(int(a), int(b), int(c), bool(m)) for a, b, c, m in zip(n_pairs, n_delayed, n, meaningful)],
        },
        index=index,
    )
    out = out.reset_index(drop=not keys)
    return out[[*keys, *RETENTION_COLUMNS]]


def _note(n_pairs: int, n_delayed: int, n: int, meaningful: bool) -> str:
    if n_delayed == 0:
        return "no delayed post-test in this group"
    if n == 0:
        return "nobody with a delayed post-test also took both the pre- and the post-test"
    if n < 2:
        return "too few people took all three tests for an interval"
    if not meaningful:
        return "the immediate gain of the people re-tested is not distinguishable from 0, so no share of it is given"
    return ""
