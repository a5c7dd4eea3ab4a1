"""A fair comparison of trainings: one verdict per training, against the typical training.

With 15-40 people a training and different starting points, raw rankings of mean gains mostly
rank noise. :func:`compare_trainings` gives each training:

- the **raw** mean gain with its t interval (what a league table would show);
- its **difference from the typical training**: its post-test mean adjusted for the pre-test
  (ANCOVA), minus the median of the other trainings' adjusted means, with an interval for the
  training on its own and a familywise interval for all trainings at once; the **verdict**
  ("above", "below", "not distinguishable") is whether the familywise interval excludes 0;
- its **shrunken gain** from a linear mixed model (empirical Bayes), with an interval that covers
  every training's true mean gain 95% of the time, also a training far from the others (FAB).

and it reports the intraclass correlation (how much of the variation in gains lies between
trainings at all) and a plain-words summary that does not overstate. The table, the figure
(:func:`tip_eval.plots.forest`), the brief and the workbook all use the one ``verdict`` column.
The calibration of the verdicts and intervals by simulation is in ``benchmarks/CALIBRATION.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import is_study, number_text
from tip_eval.i18n import N_, _, ngettext

__all__ = ["compare_trainings", "TrainingComparison", "COMPARISON_COLUMNS", "VERDICTS", "reference_text"]

TRAINING = "training_id"
SUBJECT = "participant_id"

#: columns of :attr:`TrainingComparison.table`
COMPARISON_COLUMNS: tuple[str, ...] = (
    "training_id",
    "n",
    "raw_gain",
    "raw_ci_low",
    "raw_ci_high",
    "adjusted_diff",
    "adjusted_ci_low",
    "adjusted_ci_high",
    "familywise_ci_low",
    "familywise_ci_high",
    "p_value",
    "p_adjusted",
    "verdict",
    "distinguishable",
    "shrunken_gain",
    "shrunken_ci_low",
    "shrunken_ci_high",
    "shrunken_effect",
    "shrinkage",
    "small",
    "confidence",
    "note",
)

#: the values of the ``verdict`` column, in plain words
VERDICTS: dict[str, str] = {
    "above": N_("above the typical training"),
    "below": N_("below the typical training"),
    "not distinguishable": N_("not distinguishable from the typical training"),
    "": N_("no comparison"),
}

_UNITS = {"knowledge": N_("percentage points"), "confidence": N_("rating points (1-5 scale)")}


@dataclass
class TrainingComparison:
    """Result of :func:`compare_trainings`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per training (see :func:`compare_trainings` for the columns).
    icc : pandas.Series
        ``icc, ci_low, ci_high, confidence, between_var, within_var, f, df1, df2, n0, n_groups, n``
        (see :func:`tip_eval.stats.models.intraclass_correlation`).
    model : dict of pandas.DataFrame
        The models' fixed effects as plain tables (no statsmodels objects): ``"ancova"`` (the OLS
        coefficients: ``estimate, se, t, p_value``) and ``"mixed"`` (``estimate, se, t`` of the
        mixed model's fixed effects, the standard error being the GLS value that lme4 reports).
    measure : str
        ``"knowledge"`` or ``"confidence"``.
    adjust_for, fixed : list of str
        The ANCOVA covariates and the fixed effects used.
    within : str or None
        The training-level fixed effect (e.g. ``country``) within which trainings are compared.
    confidence : float
        Level of all intervals.
    min_n : int
        Trainings with fewer matched people are marked ``small``.
    boundary : bool
        True when the mixed model estimates the between-training variance as zero.
    warnings : list of str
        Warnings raised while fitting the mixed model (kept, not printed).
    """

    table: pd.DataFrame
    icc: pd.Series
    model: dict[str, Any]
    measure: str
    adjust_for: list[str]
    fixed: list[str]
    within: str | None
    confidence: float
    min_n: int
    boundary: bool
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The comparison in plain words, worded so that it never claims more than the data show.

        The sentences, in order: what was compared; how many trainings differ from the average
        beyond chance (ANCOVA, Holm-adjusted) and which, in which direction; the share of the
        variation in gains that lies between trainings (ICC) or, when the mixed model estimates
        it as zero, that the data show no difference beyond chance; the range of the shrunken
        effects and how many of their intervals exclude the average; small trainings; fixed
        effects; and that "indistinguishable" is not "equal".
        """
        return _summary(self)

    def __repr__(self) -> str:
        return f"TrainingComparison(measure={self.measure!r}, trainings={len(self.table)})\n{self.summary()}"


def _as_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out = list(value)
    if not all(isinstance(v, str) for v in out):
        raise TypeError(f"{name} must be a column name or a list of column names; got {value!r}")
    return out


def _person_frame(data: object, measure: str, columns: list[str]) -> tuple[pd.DataFrame, list[Any]]:
    """Matched-or-not person frame (participant_id, training_id, columns..., pre, post) and all trainings."""
    from tip_eval.analysis.inputs import person_scores

    by = [TRAINING, *[c for c in columns if c != TRAINING]]
    if is_study(data):
        ps = person_scores(data, by=by, measure=measure, with_reliability=False)
        trainings = data.trainings[TRAINING].tolist()
    elif isinstance(data, pd.DataFrame):
        if TRAINING not in data.columns:
            raise ValueError(f"a plain DataFrame for compare_trainings needs a {TRAINING!r} column")
        if {"pre", "post"} <= set(data.columns):
            ps = person_scores(data, by=by, measure=measure, pre="pre", post="post", with_reliability=False)
        elif {"phase", "score"} <= set(data.columns):
            ps = person_scores(data, by=by, measure=measure, phase="phase", score="score", with_reliability=False)
        else:
            raise ValueError(
                "a plain DataFrame for compare_trainings needs either pre and post columns (one row per "
                "person) or phase and score columns (one row per person and phase), with "
                f"{SUBJECT!r} and {TRAINING!r}"
            )
        trainings = sorted(pd.unique(data[TRAINING].dropna()).tolist(), key=str)
    else:
        raise TypeError(f"data must be a tip_eval Study or a pandas DataFrame; got {type(data).__name__}")
    return ps.frame, trainings


@memoised()
def compare_trainings(
    data: object,
    measure: str = "knowledge",
    adjust_for: Sequence[str] | str = ("pre",),
    fixed: Sequence[str] | str | None = None,
    confidence: float = 0.95,
    min_n: int = 5,
) -> TrainingComparison:
    """Compare trainings fairly: raw, pre-test-adjusted and shrunken training effects, and the ICC.

    Parameters
    ----------
    data : Study or pandas.DataFrame
        A :class:`~tip_eval.Study`, or a plain frame with ``participant_id``, ``training_id`` and
        either ``pre``/``post`` columns (one row per person) or ``phase``/``score`` columns (one
        row per person and phase), plus any ``fixed`` / ``adjust_for`` columns.
    measure : {"knowledge", "confidence"}
        ``"knowledge"``: test score in percent of the maximum (0-100). ``"confidence"``: the
        person's mean self-rating (1-5) over the competencies rated in that phase.
    adjust_for : str or list of str, default ("pre",)
        Covariates of the ANCOVA: ``"pre"`` is the person's pre-training score; other names are
        participant attributes (numeric ones enter linearly, others as dummies, e.g.
        ``"years_experience"``). ``()`` compares raw post-test means.
    fixed : str or list of str, optional
        Fixed effects in both models, e.g. ``"sector"`` (a characteristic of the person: the
        training effects are then adjusted for each training's mix of sectors) or ``"country"``
        (a characteristic of the training: each training is then compared with the average
        training **of its own country**; a training alone in its country has no ANCOVA
        comparison). Any participant or training attribute can be given.
    confidence : float, default 0.95
        Level of every interval (reported in the ``confidence`` column).
    min_n : int, default 5
        Trainings with fewer matched people are kept, marked ``small`` and given a note.

    Returns
    -------
    TrainingComparison
        ``.table``: one row per training of the study (in the study's order), columns exactly
        :data:`COMPARISON_COLUMNS`. Units: percentage points for knowledge, rating points for
        confidence.

        ``training_id``
            The training.
        ``n``
            Matched people (pre and post test both present).
        ``raw_gain``, ``raw_ci_low``, ``raw_ci_high``
            Mean of post - pre over the training's matched people, with the t interval
            :math:`\\bar D \\pm t_{1-a/2,n-1} s_D/\\sqrt n` (as :func:`~tip_eval.gains`).
        ``adjusted_diff``, ``adjusted_ci_low``, ``adjusted_ci_high``
            The training's **difference from the typical training**: ANCOVA ``post ~ pre + fixed
            + C(training)`` by ordinary least squares on the matched people gives each training's
            post-test mean adjusted for the pre-test (at a common pre-test score; person-level
            ``fixed`` columns and other ``adjust_for`` covariates too); ``adjusted_diff`` is the
            training's adjusted mean minus the **median of the adjusted means of the other
            trainings** (of the same ``within`` category, e.g. country, with a training-level
            ``fixed`` column). A median is not pulled by one or two very different trainings, so an
            ordinary training is not made to look "below average" by one excellent one. The
            interval is :math:`d \\pm t_{1-a/2,\\,df}\\,se` for this training looked at on its own,
            ``se`` from a parametric bootstrap of the adjusted means (see
            :func:`tip_eval.stats.verdict.median_contrasts`).
        ``familywise_ci_low``, ``familywise_ci_high``
            The same difference with the familywise interval: all trainings' intervals hold
            together with probability ``confidence`` (single-step max-t adjustment (largest absolute t), as
            ``multcomp``, by the same bootstrap).
        ``p_value``, ``p_adjusted``
            Two-sided p-value of "no difference from the typical training", for the training
            alone and adjusted for comparing all trainings (single-step max-t).
        ``verdict``
            ``"above"`` / ``"below"`` when the familywise interval lies wholly above / below 0
            (equivalently ``p_adjusted < 1 - confidence``), ``"not distinguishable"`` otherwise,
            ``""`` without a comparison (no matched people, alone in its category). The table,
            the figure, the summary and the workbook all show this column. In simulations the
            chance of calling any identical training different stayed at or below 4% (nominal 5%)
            also with one or two very different trainings, and a training 15 points better than six
            others of 25 people was found in every simulated study; each training's 95% intervals
            covered its truth 92.6-96.8% of the time (``benchmarks/CALIBRATION.md``).
        ``distinguishable``
            ``verdict`` is ``"above"`` or ``"below"``.
        ``shrunken_gain``, ``shrunken_ci_low``, ``shrunken_ci_high``
            The linear mixed model ``gain ~ 1 + fixed + (1 | training)`` (statsmodels ``MixedLM``,
            REML) on the matched people: the training's shrunken (empirical Bayes) mean gain, the
            model's mean gain plus the BLUP of its random intercept (with person-level ``fixed``
            columns: for the study's average mix of people); a training's own mean is pulled
            toward the others in proportion to how little its own data say. The interval is the
            FAB interval of Yu & Hoff (2018), from the training's own mean gain and a prior with
            the model's between-training variance centred on the **other** trainings: it keeps
            about 95% coverage for **every** training, whatever its true gain (91.8-96.4% for each
            training in the calibration designs; the usual empirical Bayes
            interval covers 95% only on average over trainings, and missed a training far from
            the others in 16% of simulated studies), is shorter than the t interval where the
            other trainings are a good guide, and always holds the shrunken gain. See
            :func:`tip_eval.stats.models.random_intercept_effects`.
        ``shrunken_effect``
            The BLUP alone: the shrunken gain minus the model's mean gain.
        ``shrinkage``
            :math:`\\lambda_j = \\tau^2/(\\tau^2 + \\sigma^2/n_j)`: 1 = the training's own mean is
            trusted fully, 0 = it is replaced by the overall mean.
        ``small``
            ``n < min_n``.
        ``confidence``
            The level of the intervals.
        ``note``
            Plain words for trainings that need them (too few people, no matched people, alone
            in their country); empty otherwise.

        ``.icc``: the intraclass correlation of the gains, :math:`\\tau^2/(\\tau^2 + \\sigma^2)`, the
        share of the variation in individual gains that lies between trainings (residual ICC
        given ``fixed``), with an F-based interval (Searle 1971; approximate for unequal
        training sizes): see :func:`tip_eval.stats.models.intraclass_correlation`.

        ``.model``: the fixed effects of both models as plain tables (see
        :class:`TrainingComparison`); the mixed model's standard errors are lme4's GLS values.

        ``.summary()``: plain words (see :meth:`TrainingComparison.summary`).

    Notes
    -----
    The two models answer different questions: the ANCOVA compares post-test scores of people
    who started at the same pre-test score (it allows for regression to the mean and for
    trainings starting lower) and gives the verdicts; the mixed model describes gains and
    borrows strength across trainings, so a training of 6 people is not ranked first on luck.
    Both use the people with both tests only (complete cases; see :func:`~tip_eval.attrition`).
    The bootstrap uses a fixed seed: the same data always give the same table.

    A training without any matched person is kept in the table with ``n = 0`` and no estimate.
    A training with a few matched people is kept: its shrunken gain stays near the overall mean
    (its ``shrinkage`` is small) and its note says so.

    References
    ----------
    Raudenbush, S. W. & Bryk, A. S. (2002). Hierarchical linear models (2nd ed.), ch. 3-4.
    Yu, C. & Hoff, P. D. (2018). Adaptive multigroup confidence intervals with constant coverage.
    Biometrika, 105, 319-335. Hothorn, T., Bretz, F. & Westfall, P. (2008). Simultaneous
    inference in general parametric models. Biometrical Journal, 50, 346-363. Searle, S. R.
    (1971). Linear models, 9.7. Senn, S. (2006). Change from baseline and analysis of covariance
    revisited. Statistics in Medicine, 25, 4334-4344.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> result = te.compare_trainings(study)
    >>> result.table.set_index("training_id").loc["THA-TAK-2022", "verdict"]
    'below'
    """
    from tip_eval.analysis.inputs import check_measure
    from tip_eval.stats.models import ancova_effects, intraclass_correlation, random_intercept_effects
    from tip_eval.stats.verdict import median_contrasts

    measure = check_measure(measure)
    covs = _as_list(adjust_for, "adjust_for")
    fix = _as_list(fixed, "fixed")
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        level = float("nan")
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}")
    confidence = level
    if not isinstance(min_n, (int, np.integer)) or min_n < 1:
        raise ValueError(f"min_n must be a whole number of 1 or more; got {min_n!r}")
    if TRAINING in fix or TRAINING in covs:
        raise ValueError(f"{TRAINING!r} is what is compared; it cannot also be in fixed or adjust_for")
    attr_covs = [c for c in covs if c != "pre"]
    frame, trainings = _person_frame(data, measure, [*fix, *attr_covs])
    both = frame["pre"].notna() & frame["post"].notna()
    people = frame.loc[both].copy()
    people["gain"] = people["post"] - people["pre"]
    ids_with_data = set(people[TRAINING])
    if len(ids_with_data) < 2:
        raise ValueError(
            f"compare_trainings needs at least 2 trainings with people who took both tests; found {len(ids_with_data)}"
        )

    # training-level columns (constant within every training) are absorbed by the training effects
    def per_training(col: str) -> bool:
        return bool((people.groupby(TRAINING)[col].nunique(dropna=False) <= 1).all())

    absorbed = [c for c in attr_covs if per_training(c)]
    if absorbed:
        raise ValueError(
            f"adjust_for: {absorbed} describe the training, not the person, so the training effects "
            f"already absorb them; use fixed={absorbed[0]!r} to compare trainings within each "
            f"{absorbed[0]}"
        )
    training_level = [c for c in fix if per_training(c)]
    person_level = [c for c in fix if c not in training_level]
    within = None
    if len(training_level) == 1:
        within = training_level[0]
    elif training_level:
        within = "__within__"
        people[within] = people[training_level].astype(str).agg(" / ".join, axis=1)

    # raw gains: mean of post - pre with its t interval, as te.gains (one pass over trainings)
    raw = _raw_gains(people, confidence)

    # ANCOVA adjusted means -> difference from the median of the other trainings, familywise verdict
    anc = ancova_effects(
        people, outcome="post", covariates=covs, group=TRAINING, fixed=person_level, confidence=confidence
    )
    strata = None
    if within is not None:
        strata = people.groupby(TRAINING, sort=True)[within].first().reindex(anc.effects.index).to_numpy(dtype=object)
    verdict = median_contrasts(
        anc.adjusted, (anc.adjusted_diag, anc.adjusted_factor), anc.df, strata=strata, confidence=confidence
    )
    verdict.index = anc.effects.index
    # mixed model, ICC
    mixed = random_intercept_effects(people, outcome="gain", group=TRAINING, fixed=fix, confidence=confidence)
    icc = intraclass_correlation(people, "gain", TRAINING, fixed=fix, within=within, confidence=confidence, mixed=mixed)

    idx = pd.Index(trainings, name=TRAINING)
    v = verdict.reindex(idx)
    m = mixed.effects.reindex(idx)
    r = raw.reindex(idx)
    n = r["n"].fillna(0).astype(np.int64).to_numpy()

    def col(frame: pd.DataFrame, name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=np.float64)

    table = pd.DataFrame(
        {
            TRAINING: trainings,
            "n": n,
            "raw_gain": col(r, "mean_gain"),
            "raw_ci_low": col(r, "ci_low"),
            "raw_ci_high": col(r, "ci_high"),
            "adjusted_diff": col(v, "estimate"),
            "adjusted_ci_low": col(v, "ci_low"),
            "adjusted_ci_high": col(v, "ci_high"),
            "familywise_ci_low": col(v, "familywise_ci_low"),
            "familywise_ci_high": col(v, "familywise_ci_high"),
            "p_value": col(v, "p_value"),
            "p_adjusted": col(v, "p_adjusted"),
            "verdict": v["verdict"].fillna("").astype(str).to_numpy(dtype=object),
            "shrunken_gain": col(m, "fitted_mean"),
            "shrunken_ci_low": col(m, "ci_low"),
            "shrunken_ci_high": col(m, "ci_high"),
            "shrunken_effect": col(m, "effect"),
            "shrinkage": col(m, "shrinkage"),
        }
    )
    table["distinguishable"] = table["verdict"].isin(["above", "below"]).to_numpy(dtype=bool)
    table["small"] = table["n"] < int(min_n)
    table["confidence"] = float(confidence)
    alone = (table["n"].to_numpy() > 0) & (table["verdict"].to_numpy() == "") & (within is not None)
    table["note"] = _notes(table, int(min_n), alone, within, training_level)
    model = {"ancova": _coefficients(anc.result), "mixed": mixed.fixed.copy()}
    return TrainingComparison(
        table=table[list(COMPARISON_COLUMNS)],
        icc=icc,
        model=model,
        measure=measure,
        adjust_for=covs,
        fixed=fix,
        within=training_level[0]
        if len(training_level) == 1
        else (" / ".join(training_level) if training_level else None),
        confidence=float(confidence),
        min_n=int(min_n),
        boundary=mixed.boundary,
        warnings=mixed.warnings,
    )


def _coefficients(result: Any) -> pd.DataFrame:
    """The OLS coefficients as a plain table: ``estimate, se, t, p_value`` by term."""
    if result is None:
        return pd.DataFrame(columns=["estimate", "se", "t", "p_value"], index=pd.Index([], name="term"))
    out = pd.DataFrame({"estimate": result.params, "se": result.bse, "t": result.tvalues, "p_value": result.pvalues})
    out.index.name = "term"
    return out


def _raw_gains(people: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """n, mean_gain, ci_low, ci_high per training: mean(D) +/- t(1-a/2, n-1) sd(D)/sqrt(n) (NaN for n < 2)."""
    from scipy import stats

    g = people.groupby(TRAINING, sort=False)["gain"].agg(["size", "mean", "std"])
    n = g["size"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + confidence / 2.0, n - 1) * g["std"].to_numpy() / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return pd.DataFrame(
        {
            "n": g["size"].to_numpy(),
            "mean_gain": g["mean"].to_numpy(),
            "ci_low": g["mean"].to_numpy() - half,
            "ci_high": g["mean"].to_numpy() + half,
        },
        index=g.index,
    )


def _notes(
    table: pd.DataFrame, min_n: int, alone: np.ndarray, within: str | None, training_level: list[str]
) -> list[str]:
    what = " / ".join(training_level) or "group"
    notes = []
    for n, lam, is_alone in zip(table["n"], table["shrinkage"], alone):
        parts = []
        if n == 0:
            parts.append("nobody took both tests: no estimate")
        elif n < min_n:
            people = "person" if n == 1 else "people"
            parts.append(
                f"only {n} {people} took both tests: the shrunken effect is pulled strongly toward the "
                f"average (shrinkage {lam:.2f}) and the raw gain is unreliable; do not rank it"
            )
        if is_alone:
            parts.append(f"the only training of its {what}: no within-{what} comparison")
        notes.append("; ".join(parts))
    return notes


# --- summary ---------------------------------------------------------------------------------------


def _names(ids: list[str], limit: int = 8) -> str:
    """'a', 'a and b', 'a, b and c'; beyond ``limit`` names: 'a, b, ... and 5 more'."""
    ids = [str(i) for i in ids]
    if len(ids) <= 1:
        return "".join(ids)
    if len(ids) > limit:
        return _("{names} and {n} more").format(names=", ".join(ids[:limit]), n=len(ids) - limit)
    return _("{first} and {second}").format(first=", ".join(ids[:-1]), second=ids[-1])


def reference_text(res: TrainingComparison) -> str:
    """What the zero of ``adjusted_diff`` is, in plain words (used by the summary, figure and brief)."""
    adjusted = [(_("the pre-test") if c == "pre" else c) for c in res.adjust_for]
    scores = (
        _("post-test scores adjusted for {names}").format(names=_names(adjusted)) if adjusted else _("post-test scores")
    )
    others = (
        _("the other trainings of the same {group}").format(group=res.within)
        if res.within
        else _("the other trainings")
    )
    return _("the typical training: the median of {others}, comparing {scores}").format(others=others, scores=scores)


def _summary(res: TrainingComparison) -> str:
    t = res.table
    conf = f"{res.confidence:.0%}"
    units = _(_UNITS[res.measure])
    with_data = t[t["n"] > 0]
    k, n_people = len(with_data), int(with_data["n"].sum())
    what = _("Knowledge-test gains") if res.measure == "knowledge" else _("Confidence gains (mean self-rating)")
    first = _("{what} were compared across {k} trainings with {n} people who took both tests").format(
        what=what, k=k, n=n_people
    )
    out = [first + (" " + _("({n} more had nobody with both tests).").format(n=len(t) - k) if len(t) > k else ".")]

    comparable = with_data[with_data["verdict"] != ""]
    m = len(comparable)
    out.append(_("Each training is compared with {reference}.").format(reference=reference_text(res)))
    how = _("{level} familywise level, allowing for comparing {m} trainings at once").format(level=conf, m=m)
    dist = comparable[comparable["verdict"].isin(["above", "below"])]
    if m == 0:
        out.append(_("No training could be compared with others of its kind."))
    elif dist.empty:
        out.append(
            _("None of the {m} trainings differs from the typical training beyond chance ({how}).").format(m=m, how=how)
        )
    else:
        above = dist.loc[dist["verdict"] == "above", "training_id"].tolist()
        below = dist.loc[dist["verdict"] == "below", "training_id"].tolist()
        which = "; ".join(
            x
            for x in (
                _("above: {names}").format(names=_names(above)) if above else "",
                _("below: {names}").format(names=_names(below)) if below else "",
            )
            if x
        )
        rest = m - len(dist)
        tail = (
            " "
            + ngettext(
                "The other {n} is not distinguishable from the typical training.",
                "The other {n} are not distinguishable from the typical training.",
                rest,
            ).format(n=rest)
            if rest
            else ""
        )
        out.append(
            ngettext(
                "{k} of {m} trainings differs from the typical training beyond chance ({how}; {which}).",
                "{k} of {m} trainings differ from the typical training beyond chance ({how}; {which}).",
                len(dist),
            ).format(k=len(dist), m=m, how=how, which=which)
            + tail
        )

    icc = res.icc
    digits = 1 if res.measure == "knowledge" else 2
    if res.boundary:
        mean_gain = float(with_data["shrunken_gain"].mean()) if k else float("nan")
        out.append(
            _(
                "The mixed model estimates the variance between trainings as zero, so it cannot rank the "
                "trainings: every shrunken gain equals the overall mean gain ({gain} {units}). That is not proof "
                "that the trainings are equal; with groups of this size, moderate differences can go "
                "undetected."
            ).format(gain=number_text(mean_gain, f".{digits}f"), units=units)
        )
    else:
        lo, hi = icc["ci_low"], icc["ci_high"]
        interval = (
            _(", {level} interval {low} to {high}").format(
                level=conf, low=number_text(lo, ".2f"), high=number_text(hi, ".2f")
            )
            if np.isfinite(lo) and np.isfinite(hi)
            else ""
        )
        share = (
            _("an estimated share of under 1%")
            if icc["icc"] < 0.01
            else _("an estimated {share}").format(share=f"{icc['icc']:.0%}")
        )
        value = number_text(icc["icc"], ".3f" if icc["icc"] < 0.01 else ".2f")
        if res.fixed:
            out.append(
                _(
                    "Differences between trainings (beyond what {names} explain) account for {share} of the "
                    "variation in individual gains (ICC {value}{interval})."
                ).format(names=_names(res.fixed), share=share, value=value, interval=interval)
            )
        else:
            out.append(
                _(
                    "Differences between trainings account for {share} of the variation in individual gains "
                    "(ICC {value}{interval})."
                ).format(share=share, value=value, interval=interval)
            )
        g = with_data["shrunken_gain"]
        out.append(
            _(
                "Allowing for their sizes (shrinkage), the mixed model estimates the trainings' mean gains at "
                "{low} to {high} {units}; each training's {level} interval in the table holds for that training "
                "whatever its true gain."
            ).format(
                low=number_text(g.min(), f".{digits}f"),
                high=number_text(g.max(), f".{digits}f"),
                units=units,
                level=conf,
            )
        )

    small = t[(t["n"] > 0) & t["small"]]
    if len(small):
        out.append(
            ngettext(
                "{n} training ({names}) had fewer than {min_n} people with both tests; its estimates are "
                "pulled strongly toward the average and should not be ranked.",
                "{n} trainings ({names}) had fewer than {min_n} people with both tests; their estimates "
                "are pulled strongly toward the average and should not be ranked.",
                len(small),
            ).format(n=len(small), names=_names(small["training_id"].tolist()), min_n=res.min_n)
        )
    if res.fixed:
        if res.within:
            out.append(
                _(
                    "Both models include {names} as fixed effects; trainings are compared with the others of the "
                    "same {group}."
                ).format(names=_names(res.fixed), group=res.within)
            )
        else:
            out.append(_("Both models include {names} as fixed effects.").format(names=_names(res.fixed)))
    out.append(
        _(
            '"Not distinguishable" means these data cannot tell the training apart from the typical training, '
            "not that they are equal."
        )
    )
    return "\n".join(out)
