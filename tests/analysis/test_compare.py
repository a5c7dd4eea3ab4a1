"""compare_trainings(): the models equal direct statsmodels fits, the verdicts are the familywise
intervals against the median of the other trainings, the planted differences are found, and by a
small seeded simulation the verdicts and intervals are calibrated (the full calibration is
benchmarks/calibration.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.analysis.compare import COMPARISON_COLUMNS, TrainingComparison, compare_trainings


@pytest.fixture(scope="module")
def result(sample):
    return compare_trainings(sample[0])


@pytest.fixture(scope="module")
def matched(sample):
    from tip_eval.analysis.inputs import person_scores

    frame = person_scores(sample[0], by=["training_id", "sector", "country"], with_reliability=False).frame
    frame = frame.dropna(subset=["pre", "post"]).reset_index(drop=True)
    return frame.assign(gain=frame["post"] - frame["pre"])


def test_result_object_and_columns(sample, result):
    study, _ = sample
    assert isinstance(result, TrainingComparison)
    assert list(result.table.columns) == list(COMPARISON_COLUMNS)
    assert result.table["training_id"].tolist() == study.trainings["training_id"].tolist()
    assert set(result.model) == {"ancova", "mixed"}
    # plain tables, no statsmodels objects in the public result
    assert all(isinstance(m, pd.DataFrame) for m in result.model.values())
    assert {"estimate", "se"} <= set(result.model["mixed"].columns)
    assert {"icc", "ci_low", "ci_high"} <= set(result.icc.index)
    assert 0.0 <= result.icc["ci_low"] <= result.icc["icc"] <= result.icc["ci_high"] <= 1.0
    assert (result.table["confidence"] == 0.95).all()
    assert not result.table["small"].any() and (result.table["note"] == "").all()


def test_raw_gains_equal_te_gains_by_training(sample, result):
    from tip_eval.analysis.gains import gains

    g = gains(sample[0], by="training_id").set_index("training_id").reindex(result.table["training_id"])
    t = result.table.set_index("training_id")
    assert (t["n"] == g["n"]).all()
    for ours, theirs in (("raw_gain", "mean_gain"), ("raw_ci_low", "ci_low"), ("raw_ci_high", "ci_high")):
        assert_allclose(t[ours], g[theirs], rtol=1e-12)


def test_adjusted_differences_are_against_the_median_of_the_other_trainings(result, matched):
    import statsmodels.formula.api as smf

    direct = smf.ols("post ~ pre + C(training_id, Sum)", data=matched).fit()
    levels = sorted(matched["training_id"].unique())
    coefs = pd.Series({lev: direct.params[f"C(training_id, Sum)[S.{lev}]"] for lev in levels[:-1]})
    coefs[levels[-1]] = -coefs.sum()  # each training's adjusted mean, up to a common constant
    expected = pd.Series({j: coefs[j] - np.median(coefs.drop(j)) for j in levels})
    t = result.table.set_index("training_id")
    assert_allclose(t["adjusted_diff"], expected.reindex(t.index), rtol=1e-9)
    assert_allclose(
        result.model["ancova"]["estimate"].to_numpy(),
        direct.params.reindex(
            ["Intercept", "pre", *[f"C(training_id, Sum)[S.{lev}]" for lev in levels[:-1]]]
        ).to_numpy(),
        rtol=1e-9,
    )
    # one verdict: the familywise interval, the adjusted p-value and the flag agree
    excl = (t["familywise_ci_low"] > 0) | (t["familywise_ci_high"] < 0)
    assert (excl == (t["p_adjusted"] < 0.05)).all() and (excl == t["distinguishable"]).all()
    assert (t.loc[excl, "verdict"] == np.where(t.loc[excl, "adjusted_diff"] > 0, "above", "below")).all()
    assert (t.loc[~excl, "verdict"] == "not distinguishable").all()
    assert ((t["adjusted_ci_low"] >= t["familywise_ci_low"]) & (t["adjusted_ci_high"] <= t["familywise_ci_high"])).all()


def test_shrunken_effects_equal_a_direct_mixedlm_fit(result, matched):
    import statsmodels.formula.api as smf

    direct = smf.mixedlm("gain ~ 1", data=matched, groups=matched["training_id"]).fit(reml=True)
    t = result.table.set_index("training_id")
    blups = pd.Series({g: float(v.iloc[0]) for g, v in direct.random_effects.items()})
    # equal up to the optimisers' convergence tolerance (ours starts at the profiled REML optimum)
    assert_allclose(t["shrunken_effect"], blups.reindex(t.index), rtol=1e-3, atol=1e-3)
    mean_gain = float(result.model["mixed"].loc["Intercept", "estimate"])
    assert_allclose(mean_gain, float(direct.fe_params.iloc[0]), rtol=1e-5)
    tau2, s2 = float(direct.cov_re.iloc[0, 0]), direct.scale
    assert_allclose(result.icc["icc"], tau2 / (tau2 + s2), rtol=1e-3)
    assert_allclose(t["shrunken_gain"], mean_gain + t["shrunken_effect"])
    # lme4's standard error of the mean gain (see tests/stats/test_items_models.py for the R call)
    assert_allclose(result.model["mixed"].loc["Intercept", "se"], 1.13910235701295, rtol=1e-5)
    # the FAB interval holds the shrunken gain here
    assert ((t["shrunken_ci_low"] <= t["shrunken_gain"]) & (t["shrunken_gain"] <= t["shrunken_ci_high"])).all()


def test_planted_training_differences_come_out(sample, result):
    _, truth = sample
    t = result.table.set_index("training_id")
    planted = truth.trainings.set_index("training_id")["expected_gain_pct"]
    assert planted.idxmin() == "THA-TAK-2022" and planted.idxmax() == "KHM-SRP-2023"
    for col in ("shrunken_effect", "adjusted_diff", "raw_gain"):
        assert t[col].idxmin() == "THA-TAK-2022", col
        assert t[col].idxmax() == "KHM-SRP-2023", col
    # the weaker training is found; the better one (17 people) only on its own interval, not
    # after allowing for comparing seven trainings
    assert t.index[t["distinguishable"]].tolist() == ["THA-TAK-2022"] and t.loc["THA-TAK-2022", "verdict"] == "below"
    assert t.loc["KHM-SRP-2023", "adjusted_ci_low"] > 0 > t.loc["KHM-SRP-2023", "familywise_ci_low"]
    # shrinkage pulls every training toward the average gain
    raw_dev = t["raw_gain"] - t["shrunken_gain"].mean()
    assert (t["shrunken_effect"].abs() < raw_dev.abs()).all()
    assert ((t["shrinkage"] > 0) & (t["shrinkage"] < 1)).all()


def test_summary_words(result):
    text = result.summary()
    assert (
        "Each training is compared with the typical training: the median of the other trainings, comparing "
        "post-test scores adjusted for the pre-test."
    ) in text
    assert (
        "1 of 7 trainings differs from the typical training beyond chance (95% familywise level, allowing for "
        "comparing 7 trainings at once; below: THA-TAK-2022). The other 6 are not distinguishable"
    ) in text
    assert "ICC 0.03" in text and "not that they are equal" in text
    assert "best" not in text and "worst" not in text and "average training" not in text
    assert text in repr(result)


def test_planted_sector_effects_as_fixed_effects(sample):
    _, truth = sample
    res = compare_trainings(sample[0], fixed="sector")
    delta = truth.sectors.set_index("sector")["delta_gain"]
    for name in ("ancova", "mixed"):
        params = res.model[name]["estimate"]
        assert params["sector[T.law_enforcement]"] < 0 < params["sector[T.ngo]"], name
    assert delta["law_enforcement"] < 0 < delta["ngo"]
    assert "Both models include sector as fixed effects." in res.summary()


def test_country_compares_trainings_within_country(sample):
    res = compare_trainings(sample[0], fixed="country")
    t = res.table.set_index("training_id")
    assert res.within == "country"
    assert np.isnan(t.loc["IDN-DPS-2023", "adjusted_diff"])
    assert "the only training of its country" in t.loc["IDN-DPS-2023", "note"]
    assert abs(t.loc["IDN-DPS-2023", "shrunken_effect"]) < 1e-6  # its country mean is its own mean
    for country in ("KHM", "THA"):
        rows = t[t.index.str.startswith(country)]
        assert abs(rows["adjusted_diff"].sum()) < 1e-9
    assert "compared with the others of the same country" in res.summary()
    assert "country" in res.model["mixed"].index[1]
    assert t.loc["IDN-DPS-2023", "verdict"] == ""


def test_small_and_empty_trainings_are_kept_with_a_note(matched):
    frame = matched[["participant_id", "training_id", "pre", "post"]]
    keep = frame[frame["training_id"] != "KHM-BTB-2023"]
    few = frame[frame["training_id"] == "KHM-BTB-2023"].head(3)
    empty = pd.DataFrame(
        {"participant_id": ["X1", "X2"], "training_id": "IDN-NEW-2024", "pre": [50.0, np.nan], "post": [np.nan, 70.0]}
    )
    res = compare_trainings(pd.concat([keep, few, empty], ignore_index=True))
    t = res.table.set_index("training_id")
    assert t.loc["KHM-BTB-2023", "n"] == 3 and t.loc["KHM-BTB-2023", "small"]
    assert "only 3 people took both tests" in t.loc["KHM-BTB-2023", "note"]
    assert t.loc["KHM-BTB-2023", "shrinkage"] < t.drop(index=["KHM-BTB-2023", "IDN-NEW-2024"])["shrinkage"].min()
    assert t.loc["IDN-NEW-2024", "n"] == 0 and t.loc["IDN-NEW-2024", "note"] == "nobody took both tests: no estimate"
    assert t.loc["IDN-NEW-2024", ["raw_gain", "adjusted_diff", "shrunken_effect"]].isna().all()
    text = res.summary()
    assert "(1 more had nobody with both tests)" in text
    assert "1 training (KHM-BTB-2023) had fewer than 5 people with both tests" in text


def test_zero_between_training_variance_is_said_plainly():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 10, size=10)
    base -= base.mean()
    rows = [(f"T{j}-P{i}", f"T{j}", 50.0 + rng.normal(0, 5), None) for j in range(4) for i in range(10)]
    frame = pd.DataFrame(rows, columns=["participant_id", "training_id", "pre", "post"])
    frame["post"] = frame["pre"] + 10.0 + np.tile(base, 4)  # identical gains in every training
    res = compare_trainings(frame)
    assert res.boundary
    assert (res.table["shrunken_effect"] == 0).all()
    assert "estimates the variance between trainings as zero, so it cannot rank the trainings" in res.summary()
    assert "That is not proof that the trainings are equal" in res.summary()


def test_person_covariates_in_the_ancova(sample):
    res = compare_trainings(sample[0], adjust_for=("pre", "years_experience"))
    assert "years_experience" in res.model["ancova"].index
    assert "adjusted for the pre-test and years_experience" in res.summary()
    raw = compare_trainings(sample[0], adjust_for=())
    assert "the median of the other trainings, comparing post-test scores." in raw.summary()
    # without the pre-test the differences are plain post-test means minus the others' median
    t = raw.table.set_index("training_id")
    from tip_eval.analysis.inputs import person_scores

    frame = person_scores(sample[0], by=["training_id"], with_reliability=False).frame.dropna(subset=["pre", "post"])
    post = frame.groupby("training_id")["post"].mean()
    expected = pd.Series({j: post[j] - np.median(post.drop(j)) for j in post.index})
    assert_allclose(t["adjusted_diff"], expected.reindex(t.index), rtol=1e-9)


def test_confidence_measure_and_plain_frames(sample, matched):
    res = compare_trainings(sample[0], measure="confidence")
    assert "rating points" in res.summary() and res.measure == "confidence"
    assert res.table["raw_gain"].between(0, 4).all()
    # a wide plain frame gives the same knowledge comparison as the study
    plain = compare_trainings(matched[["participant_id", "training_id", "pre", "post"]]).table
    study_res = compare_trainings(sample[0]).table
    assert plain["training_id"].tolist() == sorted(study_res["training_id"])  # a plain frame: sorted ids
    cols = ["n", "raw_gain", "adjusted_diff", "shrunken_effect", "shrunken_ci_high", "p_value", "p_adjusted"]
    assert_allclose(
        plain.set_index("training_id")[cols].to_numpy(dtype=float),
        study_res.set_index("training_id").loc[plain["training_id"], cols].to_numpy(dtype=float),
        rtol=1e-9,
    )


def test_bad_arguments(sample):
    study = sample[0]
    with pytest.raises(ValueError, match="measure"):
        compare_trainings(study, measure="skills")
    with pytest.raises(ValueError, match="training_id"):
        compare_trainings(study, fixed="training_id")
    with pytest.raises(ValueError, match="unknown column"):
        compare_trainings(study, fixed="planet")
    with pytest.raises(ValueError, match="use fixed='country'"):
        compare_trainings(study, adjust_for=("pre", "country"))
    with pytest.raises(ValueError, match="confidence"):
        compare_trainings(study, confidence="high")
    with pytest.raises(ValueError, match="min_n"):
        compare_trainings(study, min_n=0)
    with pytest.raises(ValueError, match="at least 2 trainings"):
        compare_trainings(
            pd.DataFrame(
                {"participant_id": ["a", "b"], "training_id": ["T", "T"], "pre": [1.0, 2.0], "post": [2.0, 3.0]}
            )
        )


# --- calibration (small and seeded; the full run is benchmarks/calibration.py) -------------------


def _design(rng: np.random.Generator, u: np.ndarray, n: int) -> pd.DataFrame:
    """The calibration's data model: pre N(60, 12^2), gain 12 + u_j + N(0, 11^2), post = pre + gain."""
    k = u.size
    codes = np.repeat(np.arange(k), n)
    pre = rng.normal(60.0, 12.0, size=k * n)
    return pd.DataFrame(
        {
            "training_id": np.array([f"T{j}" for j in range(k)])[codes],
            "pre": pre,
            "post": pre + 12.0 + u[codes] + rng.normal(0.0, 11.0, size=k * n),
        }
    )


def test_small_calibration_one_outlier_and_identical_trainings():
    # 7 trainings x 25 people, training T0 15 points better, the others identical, 100 seeded studies,
    # with the statistics compare_trainings uses (ANCOVA + median contrasts; FAB intervals of the
    # training means, prior variance the REML tau2 of all trainings, prior mean the others'). Observed (seed 16): 1 study with a false verdict (the old rule, the ANCOVA
    # against the mean of all trainings with Holm, gave 36% in the same design), the outlier found
    # in 100, its difference interval covering in 98 and its FAB interval in 98 (the old empirical
    # Bayes interval: about 84%); all trainings together 0.964 and 0.963.
    from scipy import stats

    from tip_eval.stats.fab import fab_intervals, reml_between_variance
    from tip_eval.stats.models import ancova_effects
    from tip_eval.stats.verdict import loo_median, median_contrasts

    rng = np.random.default_rng(16)
    u = np.array([15.0, 0, 0, 0, 0, 0, 0])
    mu = 12.0 + u
    theta = mu - loo_median(mu)
    false = found = 0
    cover_d = np.zeros(7)
    cover_g = np.zeros(7)
    reps = 100
    for _ in range(reps):
        frame = _design(rng, u, 25)
        fit = ancova_effects(frame, "post", ["pre"], "training_id")
        v = median_contrasts(fit.adjusted, (fit.adjusted_diag, fit.adjusted_factor), fit.df, draws=4000)
        sign = np.where(v["verdict"] == "above", 1, np.where(v["verdict"] == "below", -1, 0))
        false += bool(np.any((sign != 0) & ((theta == 0) | (np.sign(theta) != sign))))
        found += sign[0] == 1
        cover_d += (v["ci_low"].to_numpy() <= theta) & (theta <= v["ci_high"].to_numpy())
        gain = frame["post"] - frame["pre"]
        means = gain.groupby(frame["training_id"]).mean().to_numpy()
        s2 = float(((gain - gain.groupby(frame["training_id"]).transform("mean")) ** 2).sum()) / (len(frame) - 7)
        tau2 = reml_between_variance(means, np.full(7, s2 / 25))[0]  # as the mixed model's REML tau2
        fab = fab_intervals(means, np.sqrt(s2 / 25), confidence=0.95, df=len(frame) - 7, tau2=tau2)
        cover_g += (fab["ci_low"].to_numpy() <= mu) & (mu <= fab["ci_high"].to_numpy())
    assert false <= 8  # 5% nominal: 8 of 100 is 1.4 Monte-Carlo SE above; the old rule ~36
    assert found >= 95
    assert cover_d[0] >= 89 and cover_g[0] >= 89  # the outlier itself (old EB interval: ~84)
    assert 0.92 <= cover_d.sum() / (7 * reps) <= 0.98 and 0.92 <= cover_g.sum() / (7 * reps) <= 0.98
    assert stats.binomtest(int(cover_g[1:].sum()), 6 * reps, 0.95).pvalue > 0.001  # identical ones: not 100%
