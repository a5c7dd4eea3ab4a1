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
    (FAB intervals). One difference: the people of one training are more alike than people of
    different trainings, so every interval here treats the trainings of a study as clusters
    (cluster-robust standard errors; see :func:`_clustered` for each column). A study with a single
    training has no interval and no verdict. In a seeded simulation of programmes whose trainings
    differ, the 95% intervals of the difference from the typical study covered the truth in the
    share reported in ``benchmarks/STUDIES.md`` (``python benchmarks/studies_coverage.py``).
    """
    measure = check_measure(measure)
    if not is_study(data):
        raise TypeError(f"data must be a tip_eval Study (a programme of load_studies); got {type(data).__name__}")
    covariates = [c for c in ([adjust_for] if isinstance(adjust_for, str) else list(adjust_for)) if c != "pre"]
    frame = person_scores(data, by=["study", "training_id", *covariates], measure=measure, with_reliability=False).frame
    plain = frame.rename(columns={"training_id": _TRAINING, "study": "training_id"})
    res = compare_trainings(plain, measure=measure, adjust_for=adjust_for, confidence=confidence, min_n=min_n)
    res.table = _clustered(
        res.table, plain, ["pre", *covariates] if "pre" in _as_list(adjust_for) else covariates, res.confidence
    )
    table = res.table.rename(columns={"training_id": "study"})
    with_pairs = person_scores(data, by=["training_id"], measure=measure, with_reliability=False).frame
    matched = with_pairs.dropna(subset=["pre", "post"])["training_id"].nunique()
    training_icc = compare_trainings(data, measure=measure, confidence=confidence).icc if matched >= 2 else None
    return StudyComparison(table=table, comparison=res, training_icc=training_icc, measure=measure)


_TRAINING = "_training"


def _as_list(value: Sequence[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _clustered(table: pd.DataFrame, people: pd.DataFrame, covariates: list[str], confidence: float) -> pd.DataFrame:
    """The intervals of the studies' comparison with the people of one training as a cluster.

    People trained together are more alike than people of different trainings, so each study's
    estimates get cluster-robust (CR1) standard errors with trainings as clusters
    (:mod:`tip_eval.stats.cluster`), and t quantiles on clusters - 1 degrees of freedom:

    - raw gain: the study's mean gain, CR1 standard error over its trainings, t on
      (its trainings - 1) df;
    - difference from the typical study: the same ANCOVA as :func:`~tip_eval.compare_trainings`
      (``post ~ pre + C(study, Sum)``), with the CR1 covariance of the adjusted means, then the
      median contrasts and familywise verdict of :func:`tip_eval.stats.verdict.median_contrasts`
      on (all trainings - studies) df;
    - shrunken gain: the FAB interval (:func:`tip_eval.stats.fab.fab_intervals`) of the study's
      mean gain with its CR1 standard error, on (its trainings - 1) df; ``shrunken_gain`` is its
      posterior mean, ``shrinkage`` its weight on the study's own mean and ``shrunken_effect`` the
      shrunken gain minus the prior mean from the other studies (0 without a prior).

    A study with a single training gives no information on how much its trainings vary: its
    intervals are NaN and it gets no verdict (its note says so).
    """
    from scipy import stats

    from tip_eval.stats.cluster import cluster_mean_se, cluster_robust_cov
    from tip_eval.stats.fab import fab_intervals
    from tip_eval.stats.models import ancova_effects
    from tip_eval.stats.verdict import median_contrasts

    out = table.copy()
    both = people.dropna(subset=["pre", "post", *covariates]).copy()
    both["gain"] = both["post"] - both["pre"]
    if both["training_id"].nunique() < 2:
        return out
    ids = out["training_id"].to_numpy(dtype=object)
    # raw gains
    raw = {sid: cluster_mean_se(g["gain"], g[_TRAINING]) for sid, g in both.groupby("training_id", sort=False)}
    a = 0.5 + confidence / 2.0
    for i, sid in enumerate(ids):
        mean, se, g = raw.get(sid, (np.nan, np.nan, 0))
        half = stats.t.ppf(a, g - 1) * se if g >= 2 else np.nan
        out.loc[out.index[i], ["raw_ci_low", "raw_ci_high"]] = [mean - half, mean + half]
    # ANCOVA: adjusted means with the cluster-robust covariance, median contrasts, verdicts
    single = np.array([raw.get(sid, (0, 0, 0))[2] < 2 for sid in ids])
    covs = [c for c in covariates if c in both.columns]
    anc = ancova_effects(both, outcome="post", covariates=covs, group="training_id", confidence=confidence)
    if anc.contrast is not None and both[_TRAINING].nunique() - len(anc.effects) >= 1:
        fit = anc.result
        rows = both.loc[fit.model.data.row_labels] if hasattr(fit.model.data, "row_labels") else both
        v, g_all = cluster_robust_cov(fit.model.exog, fit.resid, rows[_TRAINING])
        cov = anc.contrast @ v @ anc.contrast.T
        # df: clusters minus the study means estimated (the residual df of the trainings' level)
        verdict = median_contrasts(anc.adjusted, cov, g_all - float(len(anc.effects)), confidence=confidence)
        verdict.index = anc.effects.index
        verdict = verdict.reindex(pd.Index(ids))
        cols = {
            "adjusted_diff": "estimate",
            "adjusted_ci_low": "ci_low",
            "adjusted_ci_high": "ci_high",
            "familywise_ci_low": "familywise_ci_low",
            "familywise_ci_high": "familywise_ci_high",
            "p_value": "p_value",
            "p_adjusted": "p_adjusted",
        }
        for mine, theirs in cols.items():
            out[mine] = verdict[theirs].to_numpy(dtype=np.float64)
        out["verdict"] = verdict["verdict"].fillna("").astype(str).to_numpy(dtype=object)
    # shrunken gains: FAB with the cluster-robust standard errors
    direct = np.array([raw.get(sid, (np.nan, np.nan, 0))[0] for sid in ids])
    ses = np.array([raw.get(sid, (np.nan, np.nan, 0))[1] for sid in ids])
    ok = np.isfinite(direct) & np.isfinite(ses) & (ses > 0)
    n_clusters = int(both[_TRAINING].nunique())
    if ok.sum() >= 2 and n_clusters - ok.sum() > 0:
        dfs = np.array([raw[sid][2] - 1.0 for sid in ids[ok]])
        # each study's interval on its own df (its trainings - 1); the priors are the same in every call
        fab: pd.DataFrame = pd.concat(
            [fab_intervals(direct[ok], ses[ok], None, confidence, float(d)).iloc[[j]] for j, d in enumerate(dfs)]
        )
        prior = fab["prior_mean"].to_numpy(dtype=np.float64)
        for col, vals in (
            ("shrunken_gain", fab["shrunken"]),
            ("shrunken_ci_low", fab["ci_low"]),
            ("shrunken_ci_high", fab["ci_high"]),
            ("shrinkage", fab["weight"]),
            ("shrunken_effect", np.where(np.isfinite(prior), fab["shrunken"] - prior, 0.0)),
        ):
            full = np.full(len(ids), np.nan)
            full[ok] = np.asarray(vals, dtype=np.float64)
            out[col] = full
    else:
        out[["shrunken_gain", "shrunken_ci_low", "shrunken_ci_high", "shrinkage", "shrunken_effect"]] = np.nan
    if anc.contrast is None or both[_TRAINING].nunique() - len(anc.effects) < 1:
        single[:] = True  # no study has two trainings: no interval allows for them
    if single.any():  # one training: how much trainings vary is unknown, so no interval and no verdict
        blank = [
            "raw_ci_low",
            "raw_ci_high",
            "adjusted_ci_low",
            "adjusted_ci_high",
            "familywise_ci_low",
            "familywise_ci_high",
            "p_value",
            "p_adjusted",
        ]
        out.loc[single, blank] = np.nan
        out.loc[single, "verdict"] = ""
        words = (
            "a single training: how much its trainings vary cannot be estimated, so it has no interval and no verdict"
        )
        out.loc[single, "note"] = [f"{n}; {words}" if n else words for n in out.loc[single, "note"]]
    out["distinguishable"] = out["verdict"].isin(["above", "below"]).to_numpy(dtype=bool)
    return out


def _summary(res: StudyComparison) -> str:
    t = res.table
    units = _UNITS[res.measure]
    conf = f"{res.comparison.confidence:.0%}"
    with_data = t[t["n"] > 0]
    what = "Knowledge-test gains" if res.measure == "knowledge" else "Confidence gains (mean self-rating)"
    out = [
        (
            f"{what} were compared across {len(with_data)} studies with {int(with_data['n'].sum())} people who "
            "took both tests."
        )
    ]
    if len(with_data) < 2:
        out.append("A comparison needs at least two studies with people who took both tests.")
        return "\n".join(out)
    out.append(
        "Each study is compared with the typical study (the median of the other studies), comparing "
        "post-test scores adjusted for the pre-test."
    )
    comparable = with_data[with_data["verdict"] != ""]
    dist = comparable[comparable["verdict"].isin(["above", "below"])]
    how = f"{conf} familywise level, allowing for comparing {len(comparable)} studies at once"
    if dist.empty:
        out.append(f"None of the {len(comparable)} studies differs from the typical study beyond chance ({how}).")
    else:
        parts = [
            f"{v}: {', '.join(dist.loc[dist['verdict'] == v, 'study'].astype(str))}"
            for v in ("above", "below")
            if (dist["verdict"] == v).any()
        ]
        out.append(
            f"{len(dist)} of {len(comparable)} studies differ from the typical study beyond chance ({how}; "
            f"{'; '.join(parts)})."
        )
    digits = 1 if res.measure == "knowledge" else 2
    g = with_data["raw_gain"]
    out.append(f"Their raw mean gains range from {g.min():.{digits}f} to {g.max():.{digits}f} {units}.")
    icc = res.training_icc
    shown = f" (ICC between trainings {icc['icc']:.2f})" if icc is not None and np.isfinite(icc["icc"]) else ""
    out.append(
        f"People trained together are more alike than people of different trainings{shown}: every interval "
        "allows for it (the trainings of a study count as clusters), so it is wider than one that treats "
        "each person as independent."
    )
    single = t[(t["n"] > 0) & t["note"].str.contains("a single training", regex=False)]
    if len(single):
        out.append(
            f"{', '.join(single['study'].astype(str))} had a single training: how much its trainings vary "
            "cannot be estimated, so it has no interval and no verdict."
        )
    small = t[(t["n"] > 0) & t["small"]]
    if len(small):
        out.append(
            f"{', '.join(small['study'].astype(str))} had fewer than {res.comparison.min_n} people with both "
            "tests and should not be ranked."
        )
    out.append(
        '"Not distinguishable" means these data cannot tell the study apart from the typical study, not that '
        "they are equal."
    )
    return "\n".join(out)
