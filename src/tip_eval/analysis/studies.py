"""Comparing the studies of a programme with the fair-comparison rules of trainings.

:func:`compare_studies` is :func:`~tip_eval.compare_trainings` with each study in the place of a
training: the pre-test-adjusted post-test of each study against the typical study (the median of
the others), a verdict only where its familywise interval excludes 0, shrunken gains with their
intervals, and studies with few people marked instead of ranked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tip_eval._memo import memoised
from tip_eval.analysis._common import is_study
from tip_eval.analysis.compare import TrainingComparison, compare_trainings
from tip_eval.analysis.inputs import check_measure, person_scores

__all__ = ["StudyComparison", "compare_studies"]

_UNITS = {"knowledge": "percentage points", "confidence": "rating points (1-5 scale)"}


@dataclass
class StudyComparison:
    """Result of :func:`compare_studies`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per study: ``study`` then the columns of :func:`~tip_eval.compare_trainings`
        after its ``training_id`` (``n, raw_gain ... verdict ... note``), each study in the place
        of a training.
    comparison : TrainingComparison
        The comparison as :func:`~tip_eval.compare_trainings` returned it (studies as
        ``training_id``): its ``icc`` is the share of the variation in gains between studies.
    training_icc : pandas.Series or None
        The ICC between the trainings of the programme (None with fewer than two trainings with
        people who took both tests), for the caveat: see :func:`compare_studies`.
    measure : str
    """

    table: pd.DataFrame
    comparison: TrainingComparison
    training_icc: pd.Series | None
    measure: str

    def summary(self) -> str:
        """The comparison in plain words, never claiming more than the data show."""
        return _summary(self)

    def __repr__(self) -> str:
        return f"StudyComparison(measure={self.measure!r}, studies={len(self.table)})\n{self.summary()}"


@memoised()
def compare_studies(
    data: object,
    measure: str = "knowledge",
    adjust_for: Sequence[str] | str = ("pre",),
    confidence: float = 0.95,
    min_n: int = 5,
) -> StudyComparison:
    """Compare the studies of a programme as :func:`~tip_eval.compare_trainings` compares trainings.

    Parameters
    ----------
    data : Study
        A programme of :func:`~tip_eval.load_studies` (its trainings carry ``study``); a single
        study is one study and has nothing to be compared with.
    measure : {"knowledge", "confidence"}
    adjust_for : str or list of str, default ("pre",)
        Covariates of the ANCOVA (``"pre"``: the person's pre-test; other participant or training
        attributes, e.g. ``"years_experience"``).
    confidence : float, default 0.95
    min_n : int, default 5
        Studies with fewer people who took both tests are kept, marked ``small`` and given a note.

    Returns
    -------
    StudyComparison
        ``.table`` (one row per study), ``.summary()``, ``.comparison`` and ``.training_icc``.

    Notes
    -----
    Everything :func:`~tip_eval.compare_trainings` says of its estimates holds with "study" for
    "training": raw gains, the ANCOVA difference from the typical study (the median of the
    others) with a familywise interval that the ``verdict`` is read from, and shrunken gains
    (mixed model, FAB intervals). One more caveat: the people of one training are more alike than
    people of different trainings, and these models treat the people of a study as independent.
    When the trainings of a study differ (``training_icc`` clearly above 0), the intervals are too
    narrow and the verdicts too bold; the summary says so.
    """
    measure = check_measure(measure)
    if not is_study(data):
        raise TypeError(f"data must be a tip_eval Study (a programme of load_studies); got {type(data).__name__}")
    covariates = [c for c in ([adjust_for] if isinstance(adjust_for, str) else list(adjust_for)) if c != "pre"]
    frame = person_scores(data, by=["study", *covariates], measure=measure, with_reliability=False).frame
    plain = frame.rename(columns={"study": "training_id"})
    res = compare_trainings(plain, measure=measure, adjust_for=adjust_for, confidence=confidence, min_n=min_n)
    table = res.table.rename(columns={"training_id": "study"})
    with_pairs = person_scores(data, by=["training_id"], measure=measure, with_reliability=False).frame
    matched = with_pairs.dropna(subset=["pre", "post"])["training_id"].nunique()
    training_icc = compare_trainings(data, measure=measure, confidence=confidence).icc if matched >= 2 else None
    return StudyComparison(table=table, comparison=res, training_icc=training_icc, measure=measure)


def _summary(res: StudyComparison) -> str:
    t = res.table
    units = _UNITS[res.measure]
    conf = f"{res.comparison.confidence:.0%}"
    with_data = t[t["n"] > 0]
    what = "Knowledge-test gains" if res.measure == "knowledge" else "Confidence gains (mean self-rating)"
    out = [(f"{what} were compared across {len(with_data)} studies with {int(with_data['n'].sum())} people who "
            "took both tests.")]
    if len(with_data) < 2:
        out.append("A comparison needs at least two studies with people who took both tests.")
        return "\n".join(out)
    out.append("Each study is compared with the typical study (the median of the other studies), comparing "
               "post-test scores adjusted for the pre-test.")
    comparable = with_data[with_data["verdict"] != ""]
    dist = comparable[comparable["verdict"].isin(["above", "below"])]
    how = f"{conf} familywise level, allowing for comparing {len(comparable)} studies at once"
    if dist.empty:
        out.append(f"None of the {len(comparable)} studies differs from the typical study beyond chance ({how}).")
    else:
        parts = [f"{v}: {', '.join(dist.loc[dist['verdict'] == v, 'study'].astype(str))}" for v in ("above", "below")
                 if (dist["verdict"] == v).any()]
        out.append(f"{len(dist)} of {len(comparable)} studies differ from the typical study beyond chance ({how}; "
                   f"{'; '.join(parts)}).")
    digits = 1 if res.measure == "knowledge" else 2
    g = with_data["raw_gain"]
    out.append(f"Their raw mean gains range from {g.min():.{digits}f} to {g.max():.{digits}f} {units}.")
    icc = res.training_icc
    if icc is not None and np.isfinite(icc["icc"]) and icc["icc"] >= 0.05:
        out.append(f"Trainings differ within the programme (ICC between trainings {icc['icc']:.2f}): the people of a "
                   "study are not independent, so these intervals are too narrow and a verdict should be read with "
                   "caution.")
    elif icc is not None and np.isfinite(icc["icc"]):
        out.append(f"Trainings differ little within the programme (ICC between trainings {icc['icc']:.2f}), so "
                   "treating the people of a study as independent changes these intervals little.")
    small = t[(t["n"] > 0) & t["small"]]
    if len(small):
        out.append(f"{', '.join(small['study'].astype(str))} had fewer than {res.comparison.min_n} people with both "
                   "tests and should not be ranked.")
    out.append("\"Not distinguishable\" means these data cannot tell the study apart from the typical study, not that "
               "they are equal.")
    return "\n".join(out)
