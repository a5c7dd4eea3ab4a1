"""Knowledge and confidence gains by any grouping, and the reliability of the test.

:func:`gains` answers the headline question of every brief (did knowledge or confidence grow, for
whom, by how much, how sure are we) with one row per group; :func:`reliability` reports the
internal consistency of the test that the reliable-change columns rely on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import By, is_study
from tip_eval.analysis.inputs import SUBJECT, check_measure, item_matrix, module_items, person_scores
from tip_eval.stats.paired import GAIN_COLUMNS as _PAIRED_GAIN_COLUMNS

__all__ = ["gains", "reliability", "GAIN_COLUMNS", "RELIABILITY_COLUMNS"]

#: the result columns of :func:`gains` after the ``by`` columns (DESIGN.md section 3): those of
#: :func:`tip_eval.stats.paired.paired_gain`, which computes them
GAIN_COLUMNS: tuple[str, ...] = _PAIRED_GAIN_COLUMNS

#: the result columns of :func:`reliability`
RELIABILITY_COLUMNS: tuple[str, ...] = (
    "phase",
    "method",
    "n",
    "k",
    "estimate",
    "ci_low",
    "ci_high",
    "confidence",
    "sem",
    "sem_pct",
)


@memoised()
def gains(
    data: object,
    by: By = None,
    measure: str = "knowledge",
    module: str | None = None,
    confidence: float = 0.95,
    p_adjust: str = "holm",
    *,
    subject: str | None = None,
    pre: str | None = None,
    post: str | None = None,
    phase: str | None = None,
    score: str | None = None,
    max_score: float | None = None,
    reliability: float | None = None,
) -> pd.DataFrame:
    """Pre/post gains with intervals, tests, effect sizes, normalised gains and reliable change.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A :class:`~tip_eval.Study`, or an analyst's own tidy frame, either wide (one row per
        person: ``subject``, ``pre``, ``post`` columns) or long (one row per person and phase:
        ``subject``, ``phase``, ``score`` columns, ``phase`` holding ``"pre"``/``"post"``).
    by : str or list of str, optional
        Grouping columns: for a Study any participant or training attribute (``country``,
        ``province``, ``sector``, ``training_id``, ``gender``, ``organisation``, ...); for a plain
        frame any of its other columns. ``None`` gives one overall row.
    measure : {"knowledge", "confidence"}
        ``"knowledge"``: the test score in percent of the maximum (``scores.pct``, 0-100).
        ``"confidence"``: each person's mean self-rating (1-5) over the competencies rated in that
        phase.
    module : str, optional
        Knowledge of one curriculum module only (Study only): each person's percent is recomputed
        from the responses to that module's items, ``100 * points scored / points available``.
    confidence : float, default 0.95
        Level of the intervals, strictly between 0 and 1 (reported in the ``confidence`` column).
    p_adjust : str, default "holm"
        Adjustment of ``p_value`` across the rows of the result (``"holm"``, ``"bonferroni"``,
        ``"hochberg"``, ``"BH"``/``"fdr_bh"``, ``"BY"``/``"fdr_by"``, ``"none"``). Holm is R's
        ``p.adjust(method = "holm")``, not statsmodels' default Holm-Sidak.
    subject, pre, post, phase, score : str, optional (keyword only)
        Column names of a plain frame (``subject`` defaults to ``"participant_id"``). Not allowed
        with a Study.
    max_score : float, optional (keyword only)
        Maximum possible score of a plain frame's scores, needed for the normalised gains
        (use 100 for percent scores). Default: unknown (normalised gains NaN) for knowledge, 5 for
        ``measure="confidence"``. A Study's maximum is known (100 percent; rating 5).
    reliability : float, optional (keyword only)
        Reliability :math:`r_{xx}` of the score for the reliable-change columns. Default: the
        study's own pre-test KR-20 (0/1 items) or Cronbach's alpha (other item scores) from the
        item responses (of the module's items when ``module`` is given; of the pre-training
        ratings across competencies for ``measure="confidence"``). A plain frame has no item
        data: without ``reliability`` the reliable-change columns are NaN.

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted by the group keys; people whose key is missing form their own
        group, last), the ``by`` columns first, then exactly these columns (DESIGN.md section 3).
        Units: percentage points of the maximum for knowledge, rating points (1-5) for
        confidence.

        ``n_pre``, ``n_post``
            People with a pre (post) score, matched or not.
        ``n``
            Matched pairs (same ``participant_id`` in both phases). Every column from
            ``mean_gain`` on uses the matched pairs only.
        ``pre_mean``, ``pre_sd``, ``post_mean``, ``post_sd``
            Mean and sd (``ddof=1``) of all available pre (post) scores, matched or not; so
            ``mean_gain`` need not equal ``post_mean - pre_mean`` when people dropped out (see
            :func:`~tip_eval.attrition`).
        ``pre_mean_matched``, ``post_mean_matched``
            Mean pre and post score of the matched pairs, the people behind ``mean_gain``:
            ``post_mean_matched - pre_mean_matched`` equals ``mean_gain`` (up to floating-point
            rounding). These are the means to show next to the gain.
        ``mean_gain``, ``sd_gain``
            Mean and sd of :math:`D = post - pre` over matched pairs.
        ``ci_low``, ``ci_high``, ``confidence``
            :math:`\\bar D \\pm t_{1-\\alpha/2,\\,n-1}\\, s_D/\\sqrt n`.
        ``t``, ``df``, ``p_value``
            Two-sided paired t-test, ``df = n - 1`` (R ``t.test(paired = TRUE)``).
        ``p_wilcoxon``
            Two-sided Wilcoxon signed-rank test with R's ``wilcox.test`` defaults: zero
            differences dropped (Wilcoxon's method), average ranks for ties, exact below 50
            non-zero differences without ties or zeros, otherwise the normal approximation with
            tie and continuity corrections. **Tie rule:** two absolute differences count as tied
            when they differ by less than 1e-10 relative (``tip_eval.stats.signed_rank.TIE_RTOL``),
            so percent differences that are equal in the raw scores but not in floating point
            (``100 - 66.67`` and ``33.33 - 0``) are tied, as R finds on the raw counts. R's
            ``wilcox.test`` run on the percent columns themselves sees no tie there and may give a
            different p-value; run it on the raw scores (or rounded percents) to reproduce this one.
        ``p_adjusted``
            ``p_value`` adjusted across the rows of this table by ``p_adjust``; rows with no
            p-value are not counted.
        ``cohens_dz``, ``hedges_gz``
            :math:`d_z = \\bar D/s_D`; :math:`g_z = J d_z`, Hedges' exact :math:`J = \\Gamma(m/2)/(\\sqrt{m/2}\\,\\Gamma((m-1)/2))`,
            :math:`m = n - 1` (as R's ``effectsize::hedges_g``; see
            :func:`tip_eval.stats.hedges_correction`).
        ``dz_ci_low``, ``dz_ci_high``
            Interval of :math:`d_z` from the noncentral t (:math:`\\lambda = d_z\\sqrt n`).
        ``d_av``
            :math:`\\bar D / ((s_{pre} + s_{post})/2)` with the sds of the matched pre and post
            scores (Lakens, 2013, eq. 10: the plain average of the two sds, not their root mean
            square as some packages use).
        ``normalized_gain``
            Hake's class-average gain
            :math:`(\\overline{post} - \\overline{pre})/(max - \\overline{pre})` on matched pairs.
        ``mean_normalized_change``
            Marx & Cummings' mean of :math:`c = (post-pre)/(max-pre)` if post > pre,
            :math:`(post-pre)/(pre - floor)` if post < pre, 0 if equal; people with
            pre = post = max or pre = post = floor are left out.
        ``pct_improved``
            Percent of matched pairs with D > 0.
        ``pct_reliable_improved``, ``pct_reliable_declined``
            Percent of matched pairs with :math:`RCI > 1.96` (:math:`< -1.96`),
            :math:`RCI = D / (\\sqrt 2\\, s_{pre}\\sqrt{1 - r_{xx}})` (Jacobson & Truax, 1991),
            with :math:`r_{xx}` as described under ``reliability`` and :math:`s_{pre}` the sd of
            **all** pre scores of the input (the whole study, not the group: the standard error
            of measurement is a property of the test, and a group of 5 would give a noisy one).

    Notes
    -----
    Pairs are matched by ``participant_id`` (``subject``), never by row order; a plain frame
    with a repeated subject (twice in one phase) is refused. For a Study every registered
    participant belongs to a group, so a group where nobody took a test appears with ``n = 0``.

    Confidence ratings have a floor of 1, not 0. Hake's gain needs only the ceiling (5); Marx &
    Cummings' declines are divided by the distance to the floor, ``pre - 1``; people rating 5 (1)
    at both times are left out of ``mean_normalized_change``. Internally the ratings are shifted
    to 0-4 for these two columns; every other column is in the original 1-5 units.

    Missing-data policy: a person missing one phase counts in ``n_pre`` or ``n_post`` and in
    that phase's mean and sd, but not in any gain statistic (complete-case analysis; see
    :func:`~tip_eval.attrition` for what drop-out could do to the gain). For confidence, a
    person's mean rating in a phase is the mean of the competencies rated in that phase.

    Undefined statistics are NaN, never an error: a group of 1 has a mean gain but no sd,
    interval or test; a group of 2 has everything except ``hedges_gz``; when everyone gains the
    same (``sd_gain = 0``, e.g. everyone at the maximum twice) the t-test, its interval and
    :math:`d_z` are NaN (R's ``t.test`` stops: "data are essentially constant"); a group with no
    matched pair has NaN everywhere but the counts and the descriptives of the phase it has.

    All groups are computed in one vectorised pass
    (:func:`tip_eval.stats.paired.paired_gain_grouped`), identical to
    :func:`tip_eval.stats.paired_gain` on each group's pairs (except for the shared
    :math:`s_{pre}` of the reliable-change columns).

    References
    ----------
    Hake, R. R. (1998). Interactive-engagement versus traditional methods. Am. J. Phys., 66,
    64-74. Marx, J. D. & Cummings, K. (2007). Normalized change. Am. J. Phys., 75, 87-91.
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative science.
    Frontiers in Psychology, 4, 863. Jacobson, N. S. & Truax, P. (1991). Clinical significance.
    J. Consulting and Clinical Psychology, 59, 12-19. Holm, S. (1979). Scand. J. Statist., 6,
    65-70.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> table = te.gains(study, by="country")
    >>> list(table.columns[:4])
    ['country', 'n_pre', 'n_post', 'n']
    """
    from tip_eval.stats.paired import paired_gain_grouped

    ps = person_scores(
        data,
        by,
        measure,
        module,
        subject=subject,
        pre=pre,
        post=post,
        phase=phase,
        score=score,
        max_score=max_score,
        with_reliability=reliability is None,
    )
    frame = ps.frame
    rel = ps.reliability if reliability is None else reliability
    shift = ps.floor
    if shift:
        frame = frame.assign(pre=frame["pre"] - shift, post=frame["post"] - shift)
    top = None if ps.max_score is None else ps.max_score - shift
    pre_all = frame["pre"].to_numpy(dtype=np.float64)
    pre_all = pre_all[~np.isnan(pre_all)]
    sd_pre = float(pre_all.std(ddof=1)) if pre_all.size >= 2 else float("nan")
    table = paired_gain_grouped(
        frame,
        ps.by or None,
        "pre",
        "post",
        max_score=top,
        reliability=rel,
        confidence=confidence,
        p_adjust=p_adjust,
        sd_pre=sd_pre,
    )
    if shift:
        for c in ("pre_mean", "post_mean", "pre_mean_matched", "post_mean_matched"):
            table[c] = table[c] + shift
    out = _keys_as_columns(table, ps.by)[[*ps.by, *GAIN_COLUMNS]]
    out.attrs["measure"] = measure  # for displays: units of the means (tip_eval.tables.show)
    return out


def _keys_as_columns(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Group index -> leading columns (none for the single overall row)."""
    if not by:
        return table.reset_index(drop=True)
    return table.reset_index()


@memoised()
def reliability(
    data: object,
    confidence: float = 0.95,
    *,
    measure: str = "knowledge",
    module: str | None = None,
    subject: str | None = None,
    phase: str | None = None,
    item: str | None = None,
    score: str | None = None,
    max_score: float | None = None,
) -> pd.DataFrame:
    """Internal-consistency reliability of the test in each phase: KR-20 or Cronbach's alpha.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A Study (its item ``responses``; its ``confidence`` ratings for ``measure="confidence"``),
        or a long item-level frame with one row per person, phase and item.
    confidence : float, default 0.95
        Level of Feldt's interval.
    measure : {"knowledge", "confidence"} (keyword only)
        The knowledge test's items, or the confidence ratings (one "item" per competency).
    module : str, optional (keyword only)
        Only the items of one curriculum module (Study, knowledge only).
    subject, phase, item, score : str, optional (keyword only)
        Column names of a plain frame; defaults ``participant_id``, ``phase``, ``item_id``,
        ``score`` (``rating`` for ``measure="confidence"`` when the frame has that column).
    max_score : float, optional (keyword only)
        Maximum possible total of a plain frame's test, for ``sem_pct`` (default: the number of
        items when every item is scored 0/1, otherwise unknown).

    Returns
    -------
    pandas.DataFrame
        One row per phase present (``pre`` then ``post``):

        ``phase``
            ``"pre"`` or ``"post"``.
        ``method``
            ``"kr20"`` when every item score is 0 or 1, else ``"cronbach_alpha"``.
        ``n``, ``k``
            People with every item answered (listwise) and items.
        ``estimate``
            KR-20 :math:`= \\frac{K}{K-1}(1 - \\sum p_i q_i / \\sigma_X^2)` (Kuder & Richardson,
            1937) or :math:`\\alpha = \\frac{k}{k-1}(1 - \\sum s_i^2 / s_X^2)` (Cronbach, 1951).
        ``ci_low``, ``ci_high``, ``confidence``
            Feldt's (1965) interval: :math:`1 - (1 - \\hat\\rho) F_{1-\\gamma/2}` and
            :math:`1 - (1 - \\hat\\rho) F_{\\gamma/2}`, F on :math:`(n-1, (n-1)(k-1))` df.
        ``sem``
            Standard error of measurement :math:`s_X\\sqrt{1 - \\hat\\rho}` of the **total**
            score (sum of item points; sum of ratings), in its units.
        ``sem_pct``
            The SEM in the units :func:`gains` uses: percent of the maximum total for knowledge
            (``100 * sem / max``, max = the points of the items), and rating points of the mean
            rating for confidence (``sem / k``). NaN when the maximum of a plain frame's test is
            unknown.

    Notes
    -----
    Missing-data policy: people missing any item of a phase are left out of that phase
    (listwise deletion; ``n`` says how many remain), as in ``psych::alpha`` with complete data.
    Undefined values (fewer than 2 people or items, no variation in totals) are NaN.

    The pre-test estimate is what :func:`gains` uses for its reliable-change columns.

    References
    ----------
    Kuder, G. F. & Richardson, M. W. (1937). Psychometrika, 2, 151-160. Cronbach, L. J. (1951).
    Psychometrika, 16, 297-334. Feldt, L. S. (1965). Psychometrika, 30, 357-370.
    """
    from tip_eval.stats.reliability import reliability as _reliability

    measure = check_measure(measure)
    mats: dict[str, pd.DataFrame] = {}
    maxima: dict[str, float] = {}
    if is_study(data):
        if any(v is not None for v in (subject, phase, item, score)):
            raise ValueError(
                "subject, phase, item and score name columns of a plain DataFrame; leave them out for a Study"
            )
        if measure == "confidence":
            if module is not None:
                raise ValueError("module= applies to the knowledge test, not to measure='confidence'")
            conf = data.confidence
            for ph in ("pre", "post"):
                sub = conf[conf["phase"] == ph]
                if len(sub):
                    mats[ph] = sub.pivot(index=SUBJECT, columns="competency_id", values="rating").astype(np.float64)
        else:
            items = module_items(data, module) if module is not None else data.items
            points = items.set_index("item_id")["points"].astype(np.float64)
            for ph in ("pre", "post"):
                mat = item_matrix(data, ph, module)
                if mat.shape[1]:
                    mats[ph] = mat
                    maxima[ph] = float(points.reindex(mat.columns).sum())
    elif isinstance(data, pd.DataFrame):
        if module is not None:
            raise ValueError("module= needs a Study's item bank; filter a plain frame to the module's items yourself")
        default_score = "rating" if measure == "confidence" and "rating" in data.columns else "score"
        cols = {
            "subject": subject or SUBJECT,
            "phase": phase or "phase",
            "item": item or "item_id",
            "score": score or default_score,
        }
        missing = {k: v for k, v in cols.items() if v not in data.columns}
        if missing:
            what = ", ".join(f"{k}={v!r}" for k, v in missing.items())
            raise ValueError(f"{what}: not a column of the frame; its columns are: {', '.join(map(str, data.columns))}")
        labels = data[cols["phase"]].astype("string").str.strip().str.lower()
        frame = pd.DataFrame(
            {
                SUBJECT: data[cols["subject"]].to_numpy(),
                "phase": labels.to_numpy(dtype=object),
                "item": data[cols["item"]].to_numpy(),
                "score": pd.to_numeric(data[cols["score"]], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan),
            }
        )
        if frame.duplicated([SUBJECT, "phase", "item"]).any():
            raise ValueError("the frame has more than one row for a subject, phase and item")
        for ph in ("pre", "post"):
            sub = frame[frame["phase"] == ph]
            if len(sub):
                mats[ph] = sub.pivot(index=SUBJECT, columns="item", values="score")
                if max_score is not None:
                    maxima[ph] = float(max_score)
    else:
        raise TypeError(f"data must be a tip_eval Study or a pandas DataFrame; got {type(data).__name__}")

    rows = []
    for ph, mat in mats.items():  # at most two phases
        res = _reliability(mat, confidence=confidence)
        k = int(res["k"])
        if measure == "confidence":
            sem_pct = res["sem"] / k if k else float("nan")
        else:
            top = maxima.get(ph)
            if top is None and res["method"] == "kr20":
                top = float(k)
            sem_pct = 100.0 * res["sem"] / top if top else float("nan")
        rows.append(
            {
                "phase": ph,
                "method": res["method"],
                "n": int(res["n"]),
                "k": k,
                "estimate": float(res["reliability"]),
                "ci_low": float(res["ci_low"]),
                "ci_high": float(res["ci_high"]),
                "confidence": float(res["confidence"]),
                "sem": float(res["sem"]),
                "sem_pct": float(sem_pct),
            }
        )
    out = pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))
    return out.astype({"n": np.int64, "k": np.int64})
