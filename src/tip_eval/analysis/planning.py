"""Planning the next training from the study just analysed: people, trainings, detectable gains.

:func:`plan_next` answers the questions of a proposal with this study's own numbers: the spread of
individual gains, how much trainings differ (the ICC of the mixed model of
:func:`~tip_eval.compare_trainings`), and how many enrolled people took both tests. Each plan comes
with a range from the uncertainty of those estimates, and the assumptions are stated in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import is_study, number_text
from tip_eval.i18n import N_, _

if TYPE_CHECKING:  # pragma: no cover
    from tip_eval.study import Study

__all__ = ["INPUT_COLUMNS", "OPTION_COLUMNS", "PLAN_COLUMNS", "TrainingPlan", "plan_next"]

#: columns of :attr:`TrainingPlan.table`
PLAN_COLUMNS: tuple[str, ...] = (
    "plan",
    "question",
    "target",
    "value",
    "low",
    "high",
    "unit",
    "people_tested",
    "people_to_enrol",
    "trainings",
    "in_words",
)
#: columns of :attr:`TrainingPlan.inputs`
INPUT_COLUMNS: tuple[str, ...] = ("quantity", "value", "low", "high", "source")
#: columns of :attr:`TrainingPlan.options`
OPTION_COLUMNS: tuple[str, ...] = (
    "people_to_enrol",
    "people_tested",
    "trainings",
    "trainings_low",
    "trainings_high",
    "per_curriculum",
)

#: people enrolled per training offered in :attr:`TrainingPlan.options` (besides the study's own)
OPTION_SIZES = (15, 20, 25, 30, 40)

_UNITS = {"knowledge": N_("percentage points"), "confidence": N_("rating points")}
_DIGITS = {"knowledge": 1, "confidence": 2}


@dataclass
class TrainingPlan:
    """Result of :func:`plan_next`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per plan (columns :data:`PLAN_COLUMNS`; see :func:`plan_next`).
    inputs : pandas.DataFrame
        The study's estimates the plans use, with their intervals and where they come from
        (columns :data:`INPUT_COLUMNS`).
    options : pandas.DataFrame
        Trainings needed to compare two curricula for several numbers of people per training
        (columns :data:`OPTION_COLUMNS`).
    measure : str
        ``"knowledge"`` or ``"confidence"``.
    power, alpha, confidence : float
        Wanted power, significance level (two-sided tests), and the level of the intervals that
        give the ranges.
    notes : list of str
        What could not be planned, and why.
    """

    table: pd.DataFrame
    inputs: pd.DataFrame
    options: pd.DataFrame
    measure: str
    power: float
    alpha: float
    confidence: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The plans in plain words, then the assumptions they rest on."""
        lines = [s for s in self.table["in_words"] if s]
        lines += self.assumptions()
        lines += self.notes
        return "\n".join(lines)

    def assumptions(self) -> list[str]:
        """The assumptions of the plans, one sentence each."""
        return _assumptions(self)

    def __repr__(self) -> str:
        return f"TrainingPlan(measure={self.measure!r})\n{self.summary()}"


def _chi2_sd_interval(sd: float, df: float, confidence: float) -> tuple[float, float]:
    """Interval of a standard deviation with ``df`` degrees of freedom (chi-square, normal data)."""
    from scipy import stats

    if not (np.isfinite(sd) and df > 0):
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low = sd * math.sqrt(df / stats.chi2.ppf(1.0 - tail, df))
    high = sd * math.sqrt(df / stats.chi2.ppf(tail, df))
    return low, high


def _check_level(value: Any, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = float("nan")
    if not 0.0 < x < 1.0:
        raise ValueError(f"{name} must be a number strictly between 0 and 1; got {value!r}")
    return x


def _check_points(value: Any, name: str) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = float("nan")
    if isinstance(value, bool) or not (np.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be a positive number of points (e.g. 5 for 5 percentage points); got {value!r}")
    return x


@memoised(words=True)
def plan_next(
    study: Study,
    gain: float | None = None,
    difference: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    *,
    measure: str = "knowledge",
    people_per_training: int | None = None,
    confidence: float = 0.95,
) -> TrainingPlan:
    """Plan the next training from this study's own estimates.

    Parameters
    ----------
    study : Study
        The study just analysed.
    gain : float, optional
        Gain to be able to show in one training, in points of ``measure`` (percentage points for
        knowledge). Default: half this study's mean gain.
    difference : float, optional
        Difference in mean gain between two curricula (or any two arms) to be able to show, in
        points. Default: the same as ``gain``'s default, half this study's mean gain.
    power : float, default 0.8
        Wanted probability of showing the gain or difference when it is real.
    alpha : float, default 0.05
        Significance level of the two-sided tests.
    measure : {"knowledge", "confidence"} (keyword only)
        Knowledge-test score (percent) or mean confidence rating (1-5).
    people_per_training : int, optional (keyword only)
        People enrolled per training in the comparison of curricula. Default: the median number
        registered per training in this study.
    confidence : float, default 0.95 (keyword only)
        Level of the intervals of the SD and the ICC that give the ranges.

    Returns
    -------
    TrainingPlan
        ``.table``, one row per plan, columns exactly :data:`PLAN_COLUMNS`:

        ``plan``
            ``"gain"``: people to enrol in **one** training to show a gain of ``gain`` points
            (paired t-test, :func:`tip_eval.stats.paired_sample_size` with
            :math:`d_z = gain / \\sigma_w`, :math:`\\sigma_w` the sd of gains **within** trainings),
            divided by the share of enrolled people who took both tests in this study and rounded
            up. ``"difference"``: trainings (both curricula together, an even number, half each)
            to show a difference of ``difference`` points in mean gain between two curricula, with
            trainings allocated at random to the curricula and ``people_per_training`` enrolled in
            each: :func:`tip_eval.stats.cluster_sample_size` (PowerUp!'s two-level design, exact
            noncentral t) with effect :math:`difference / \\sqrt{\\tau^2 + \\sigma_w^2}`, the ICC
            :math:`\\rho = \\tau^2 / (\\tau^2 + \\sigma_w^2)`, and ``people_per_training`` times the
            share re-tested people with both tests per training. ``"detectable_gain"``: the
            smallest mean gain this study could show with ``power``:
            :func:`tip_eval.stats.minimum_detectable_effect` for the effective number of people
            :math:`n / (1 + (\\bar m - 1)\\rho)` (Kish's design effect, :math:`\\bar m` the mean
            number of people with both tests per training), times :math:`\\sqrt{\\tau^2 + \\sigma_w^2}`.
        ``question``
            The question the row answers, in words.
        ``target``
            The gain or difference in points (NaN for ``detectable_gain``).
        ``value``, ``low``, ``high``
            The answer (people to enrol; trainings; points) and its range: the answer recomputed
            at the ends of the ``confidence`` intervals of :math:`\\sigma_w` and :math:`\\rho`
            (low: both at their lower end; high: both at their upper end). It is a sensitivity
            range over two intervals, not itself a confidence interval.
        ``unit``
            What ``value`` counts.
        ``people_tested``, ``people_to_enrol``, ``trainings``
            People with both tests needed (per training for ``difference``), people to enrol (per
            training for ``difference``), and trainings, for the central answer.
        ``in_words``
            The plan in a sentence.

        ``.inputs``: the estimates used, with intervals and sources: ``mean_gain``, ``sd_gain``
        (all people), ``sd_within`` (:math:`\\sigma_w`: square root of the REML within-training
        variance of the mixed model ``gain ~ 1 + (1 | training)`` of
        :func:`~tip_eval.compare_trainings`; interval from the chi-square distribution with
        :math:`n - J` degrees of freedom), ``sd_between`` (:math:`\\tau`), ``icc`` (with its
        F-based interval, see :func:`tip_eval.stats.intraclass_correlation`), ``attrition_rate``
        (share of those who took the pre-test who missed the post-test), ``share_retested``
        (share of registered people who took both tests), ``people_per_training`` (median
        registered), ``trainings``, ``matched``.

        ``.options``: trainings needed to compare two curricula (``trainings``, with the range
        ``trainings_low`` to ``trainings_high`` and ``per_curriculum``) for 15, 20, 25, 30, 40 and
        this study's median number of people enrolled per training.

        ``.summary()``: the plans and assumptions in plain words.

    Notes
    -----
    Assumptions, stated in the summary: the next trainings resemble this study's (same test, same
    spread of gains, same differences between trainings, same share of people taking both tests);
    the gains are roughly normal; trainings, not people, are allocated to curricula; the tests are
    two-sided. A study with one training has no ICC: the comparison of curricula is then not
    planned (a note says so) and the detectable gain assumes no clustering.

    References
    ----------
    Dong, N. & Maynard, R. (2013). PowerUp!. Journal of Research on Educational Effectiveness, 6,
    24-67. Kish, L. (1965). Survey sampling. Faul, F. et al. (2007). G*Power 3. Behavior Research
    Methods, 39, 175-191. Searle, S. R. (1971). Linear models, 9.7.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, truth = te.datasets.make_study()
    >>> plan = te.plan_next(study)
    >>> plan.table["plan"].tolist()
    ['gain', 'difference', 'detectable_gain']
    """
    from tip_eval.analysis.attrition import attrition
    from tip_eval.analysis.compare import compare_trainings
    from tip_eval.analysis.gains import gains
    from tip_eval.analysis.inputs import check_measure

    if not is_study(study):
        raise TypeError(f"plan_next needs a tip_eval Study (te.load_study(folder)); got {type(study).__name__}")
    measure = check_measure(measure)
    power = _check_level(power, "power")
    alpha = _check_level(alpha, "alpha")
    confidence = _check_level(confidence, "confidence")
    if power <= alpha:
        raise ValueError(f"power ({power}) must be larger than alpha ({alpha})")
    gain = _check_points(gain, "gain")
    difference = _check_points(difference, "difference")
    if people_per_training is not None and (
        isinstance(people_per_training, bool)
        or not isinstance(people_per_training, (int, np.integer))
        or people_per_training < 2
    ):
        raise ValueError(f"people_per_training must be a whole number of 2 or more; got {people_per_training!r}")

    g = gains(study, measure=measure).iloc[0]
    if not (g["n"] >= 2 and np.isfinite(g["sd_gain"])):
        raise ValueError(
            "plan_next needs at least 2 people who took both tests: this study has "
            f"{int(g['n'])}; the spread of gains cannot be estimated"
        )
    att = attrition(study, measure=measure).iloc[0]
    sizes = study.participants.groupby("training_id", observed=True).size()
    notes: list[str] = []
    icc_row = _icc(study, measure, confidence, notes, compare_trainings)
    est = _estimates(g, att, sizes, icc_row, confidence)

    default = abs(float(g["mean_gain"])) / 2.0 if g["mean_gain"] > 0 else float("nan")
    if gain is None and not np.isfinite(default):
        notes.append(
            _(
                "This study showed no mean gain, so there is no default gain to plan for: give gain= and "
                "difference= in points."
            )
        )
    gain = default if gain is None else gain
    difference = default if difference is None else difference
    m_enrol = int(people_per_training) if people_per_training is not None else round(est["people_per_training"])

    unit = _UNITS[measure]
    rows = [
        _gain_row(gain, est, power, alpha, unit, _DIGITS[measure], confidence),
        _difference_row(difference, est, m_enrol, power, alpha, unit, _DIGITS[measure], confidence),
        _detectable_row(est, power, alpha, unit, _DIGITS[measure], g, confidence),
    ]
    table = pd.DataFrame(rows, columns=list(PLAN_COLUMNS))
    sizes_offered = sorted({*OPTION_SIZES, round(est["people_per_training"]), m_enrol})
    options = pd.DataFrame(
        [_option(difference, est, m, power, alpha) for m in sizes_offered], columns=list(OPTION_COLUMNS)
    )
    return TrainingPlan(
        table=table,
        inputs=_inputs_frame(est, g, confidence),
        options=options,
        measure=measure,
        power=power,
        alpha=alpha,
        confidence=confidence,
        notes=notes,
    )


# --- the study's estimates -------------------------------------------------------------------------


def _icc(study: Any, measure: str, confidence: float, notes: list[str], compare_trainings: Any) -> pd.Series | None:
    if study.trainings["training_id"].nunique() < 2:
        notes.append(
            _(
                "With one training there is no estimate of how much trainings differ (ICC): the comparison "
                "of curricula is not planned, and the detectable gain assumes people are independent."
            )
        )
        return None
    try:
        return compare_trainings(study, measure=measure, confidence=confidence).icc
    except ValueError as err:
        notes.append(
            _(
                "How much trainings differ (ICC) could not be estimated ({reason}): the comparison of curricula "
                "is not planned, and the detectable gain assumes people are independent."
            ).format(reason=err)
        )
        return None


def _estimates(
    g: pd.Series, att: pd.Series, sizes: pd.Series, icc_row: pd.Series | None, confidence: float
) -> dict[str, float]:
    n = float(g["n"])
    registered = float(att["registered"])
    est: dict[str, float] = {
        "mean_gain": float(g["mean_gain"]),
        "sd_gain": float(g["sd_gain"]),
        "matched": n,
        "registered": registered,
        "trainings": float(len(sizes)),
        "people_per_training": float(np.median(sizes.to_numpy())) if len(sizes) else float("nan"),
        "share_retested": float(att["matched"]) / registered if registered else float("nan"),
        "attrition_rate": float(att["n_dropouts"]) / float(att["took_pre"]) if att["took_pre"] else float("nan"),
    }
    if icc_row is not None and np.isfinite(icc_row["within_var"]):
        sigma = math.sqrt(float(icc_row["within_var"]))
        df = float(icc_row["n"]) - float(icc_row["n_groups"])
        est.update(
            icc=float(icc_row["icc"]),
            icc_low=float(icc_row["ci_low"]),
            icc_high=float(icc_row["ci_high"]),
            sd_between=math.sqrt(max(float(icc_row["between_var"]), 0.0)),
            sd_within=sigma,
            icc_trainings=float(icc_row["n_groups"]),
            icc_people=float(icc_row["n"]),
        )
        est["sd_within_low"], est["sd_within_high"] = _chi2_sd_interval(sigma, df, confidence)
        for end in ("icc_low", "icc_high"):  # an interval that could not be computed: the point estimate
            if not np.isfinite(est[end]):
                est[end] = est["icc"]
    else:
        sigma = est["sd_gain"]
        est.update(
            icc=float("nan"),
            icc_low=float("nan"),
            icc_high=float("nan"),
            sd_between=float("nan"),
            sd_within=sigma,
            icc_trainings=float("nan"),
            icc_people=float("nan"),
        )
        est["sd_within_low"], est["sd_within_high"] = _chi2_sd_interval(sigma, n - 1.0, confidence)
    est["sd_gain_low"], est["sd_gain_high"] = _chi2_sd_interval(est["sd_gain"], n - 1.0, confidence)
    return est


def _corners(est: dict[str, float]) -> dict[str, tuple[float, float]]:
    """(sd_within, icc) at the central estimate and at the low and high ends of both intervals."""
    return {
        "value": (est["sd_within"], est["icc"]),
        "low": (est["sd_within_low"], est["icc_low"]),
        "high": (est["sd_within_high"], est["icc_high"]),
    }


def _total_sd(sigma: float, rho: float) -> float:
    """Total sd of gains from the within-training sd and the ICC: sigma / sqrt(1 - rho)."""
    return sigma / math.sqrt(1.0 - rho) if rho < 1.0 else float("inf")


# --- the plans -------------------------------------------------------------------------------------


def _fmt(x: float, digits: int) -> str:
    return number_text(x, f".{digits}f")


def _people_for_gain(gain: float, sigma: float, power: float, alpha: float, share: float) -> tuple[int, int]:
    from tip_eval.stats.power import paired_sample_size

    tested = paired_sample_size(gain / sigma, power, alpha) if sigma > 0 else 2
    return tested, math.ceil(tested / share - 1e-9)


def _gain_row(
    gain: float, est: dict[str, float], power: float, alpha: float, unit: str, digits: int, confidence: float
) -> list[Any]:
    question = "People to enrol in one training to show a gain"
    share = est["share_retested"]
    if not (np.isfinite(gain) and np.isfinite(share) and share > 0):
        return ["gain", question, gain, np.nan, np.nan, np.nan, "people to enrol", np.nan, np.nan, 1.0, ""]
    out = {
        k: _people_for_gain(gain, s, power, alpha, share) for k, (s, _rho) in _corners(est).items() if np.isfinite(s)
    }
    tested, enrol = out["value"]
    low = out.get("low", (np.nan, np.nan))[1]
    high = out.get("high", (np.nan, np.nan))[1]
    words = _(
        "To show a gain of {gain} {unit} in one training ({power} power, two-sided {alpha} test), about "
        "{tested} people need to take both tests; since {share} of the people enrolled in this study took "
        "both, enrol about {enrol} (between {low} and {high}, given the uncertainty about how much individual "
        "gains vary)."
    ).format(
        gain=_fmt(gain, digits),
        unit=_(unit),
        power=f"{power:.0%}",
        alpha=f"{alpha:.0%}",
        tested=tested,
        share=f"{share:.0%}",
        enrol=enrol,
        low=low,
        high=high,
    )
    return [
        "gain",
        question,
        gain,
        float(enrol),
        float(low),
        float(high),
        "people to enrol",
        float(tested),
        float(enrol),
        1.0,
        words,
    ]


def _trainings_for_difference(
    difference: float, sigma: float, rho: float, m_tested: float, power: float, alpha: float
) -> int:
    from tip_eval.stats.power import cluster_sample_size

    total = _total_sd(sigma, rho)
    j = cluster_sample_size(difference / total, max(m_tested, 1.0), min(max(rho, 0.0), 1.0), power, alpha)
    return j + (j % 2)  # half the trainings in each curriculum


def _difference_row(
    difference: float,
    est: dict[str, float],
    m_enrol: int,
    power: float,
    alpha: float,
    unit: str,
    digits: int,
    confidence: float,
) -> list[Any]:
    question = "Trainings to show a difference between two curricula"
    m_tested = m_enrol * est["share_retested"]
    if not (np.isfinite(difference) and np.isfinite(est["icc"]) and np.isfinite(m_tested) and m_tested >= 1):
        return [
            "difference",
            question,
            difference,
            np.nan,
            np.nan,
            np.nan,
            "trainings (both curricula)",
            np.nan,
            float(m_enrol),
            np.nan,
            "",
        ]
    j = {k: _trainings_for_difference(difference, s, r, m_tested, power, alpha) for k, (s, r) in _corners(est).items()}
    words = _(
        "To show a difference of {difference} {unit} in mean gain between two curricula ({power} power, "
        "two-sided {alpha} test), with {people} people enrolled in each training and trainings allocated at "
        "random to the curricula, run about {trainings} trainings, {half} with each curriculum (between {low} "
        "and {high}, given the uncertainty about how much trainings differ). More trainings help more than "
        "more people per training."
    ).format(
        difference=_fmt(difference, digits),
        unit=_(unit),
        power=f"{power:.0%}",
        alpha=f"{alpha:.0%}",
        people=m_enrol,
        trainings=j["value"],
        half=j["value"] // 2,
        low=j["low"],
        high=j["high"],
    )
    return [
        "difference",
        question,
        difference,
        float(j["value"]),
        float(j["low"]),
        float(j["high"]),
        "trainings (both curricula)",
        float(m_tested),
        float(m_enrol),
        float(j["value"]),
        words,
    ]


def _detectable(est: dict[str, float], sigma: float, rho: float, power: float, alpha: float) -> float:
    from tip_eval.stats.power import design_effect, minimum_detectable_effect

    n = est["matched"]
    if np.isfinite(rho):
        m_bar = n / est["icc_trainings"]
        n_eff = n / design_effect(max(m_bar, 1.0), min(max(rho, 0.0), 1.0))
        total = _total_sd(sigma, rho)
    else:
        n_eff, total = n, sigma
    return minimum_detectable_effect(max(n_eff, 2.0), power, alpha, sd=total)


def _detectable_row(
    est: dict[str, float], power: float, alpha: float, unit: str, digits: int, g: pd.Series, confidence: float
) -> list[Any]:
    mde = {k: _detectable(est, s, r, power, alpha) for k, (s, r) in _corners(est).items()}
    template = (
        _(
            "This study ({n} people with both tests) could show a mean gain of {gain} {unit} or more with "
            "{power} power (allowing for the differences between trainings, between {low} and {high}); it "
            "found {found}."
        )
        if np.isfinite(est["icc"])
        else _(
            "This study ({n} people with both tests) could show a mean gain of {gain} {unit} or more with "
            "{power} power (between {low} and {high}); it found {found}."
        )
    )
    words = template.format(
        n=int(est["matched"]),
        gain=_fmt(mde["value"], digits),
        unit=_(unit),
        power=f"{power:.0%}",
        low=_fmt(mde["low"], digits),
        high=_fmt(mde["high"], digits),
        found=_fmt(float(g["mean_gain"]), digits),
    )
    return [
        "detectable_gain",
        "Smallest mean gain this study could show",
        np.nan,
        mde["value"],
        mde["low"],
        mde["high"],
        unit,
        est["matched"],
        est["registered"],
        est["trainings"],
        words,
    ]


def _option(difference: float, est: dict[str, float], m_enrol: int, power: float, alpha: float) -> list[float]:
    m_tested = m_enrol * est["share_retested"]
    if not (np.isfinite(difference) and np.isfinite(est["icc"]) and np.isfinite(m_tested) and m_tested >= 1):
        return [float(m_enrol), m_tested, np.nan, np.nan, np.nan, np.nan]
    j = {k: _trainings_for_difference(difference, s, r, m_tested, power, alpha) for k, (s, r) in _corners(est).items()}
    return [float(m_enrol), m_tested, float(j["value"]), float(j["low"]), float(j["high"]), float(j["value"] / 2)]


def _inputs_frame(est: dict[str, float], g: pd.Series, confidence: float) -> pd.DataFrame:
    level = f"{confidence:.0%}"
    nan = float("nan")
    rows = [
        (
            "mean_gain",
            est["mean_gain"],
            float(g["ci_low"]),
            float(g["ci_high"]),
            f"mean gain of the people with both tests, {level} t interval (te.gains)",
        ),
        (
            "sd_gain",
            est["sd_gain"],
            est["sd_gain_low"],
            est["sd_gain_high"],
            f"sd of the individual gains of all people with both tests, {level} chi-square interval",
        ),
        (
            "sd_within",
            est["sd_within"],
            est["sd_within_low"],
            est["sd_within_high"],
            "sd of gains within trainings: REML residual sd of the mixed model gain ~ 1 + (1 | training) "
            f"(te.compare_trainings), {level} chi-square interval with n - trainings degrees of freedom"
            if np.isfinite(est["icc"])
            else f"sd of gains (one training: no mixed model), {level} chi-square interval",
        ),
        ("sd_between", est["sd_between"], nan, nan, "sd of the trainings' true mean gains (REML, the same model)"),
        (
            "icc",
            est["icc"],
            est["icc_low"],
            est["icc_high"],
            f"share of the variation in gains between trainings (te.compare_trainings), {level} F-based interval",
        ),
        (
            "attrition_rate",
            est["attrition_rate"],
            nan,
            nan,
            "share of the people who took the pre-test who missed the post-test (te.attrition)",
        ),
        (
            "share_retested",
            est["share_retested"],
            nan,
            nan,
            "share of the registered people who took both tests (te.attrition)",
        ),
        ("people_per_training", est["people_per_training"], nan, nan, "median number registered per training"),
        ("trainings", est["trainings"], nan, nan, "trainings in this study"),
        ("matched", est["matched"], nan, nan, "people with both tests"),
    ]
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS))


def _assumptions(plan: TrainingPlan) -> list[str]:
    frame = plan.inputs.set_index("quantity")
    inp = {str(q): float(v) for q, v in frame["value"].items()}
    icc_low, icc_high = (float(v) for v in frame.loc["icc", ["low", "high"]].to_numpy(dtype=np.float64))
    digits = _DIGITS[plan.measure]
    unit = _UNITS[plan.measure]
    level = f"{plan.confidence:.0%}"
    out = [
        _(
            "Assumptions: the next trainings resemble this study's: the same test, the same spread of individual gains "
            "(sd {sd} {unit} within a training), the same share of enrolled people taking both tests ({share}; here "
            "{attrition} of those who took the pre-test missed the post-test); gains are roughly normal; the tests are "
            "two-sided."
        ).format(
            sd=_fmt(inp["sd_within"], digits),
            unit=_(unit),
            share=f"{inp['share_retested']:.0%}",
            attrition=f"{inp['attrition_rate']:.0%}",
        ),
    ]
    icc = inp["icc"]
    if np.isfinite(icc):
        share = _("under 1%") if icc < 0.01 else f"{icc:.0%}"
        out.append(
            _(
                "How much trainings differ: an estimated {share} of the variation in gains lay between trainings "
                "(ICC {icc}, {level} interval {low} to {high}). Curricula are compared with whole trainings "
                "allocated at random to each."
            ).format(
                share=share,
                icc=number_text(icc, ".3f"),
                level=level,
                low=number_text(icc_low, ".2f"),
                high=number_text(icc_high, ".2f"),
            )
        )
    out.append(
        _(
            "The ranges recompute each plan at the ends of the {level} intervals of the within-training sd and "
            "of the ICC; they show how much the plans depend on these estimates; they are not confidence intervals "
            "themselves."
        ).format(level=level)
    )
    return out
