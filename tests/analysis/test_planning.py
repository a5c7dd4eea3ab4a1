"""plan_next(): every number follows from the study's own SD of gains, ICC and re-test share."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import tip_eval as te
from tip_eval.analysis.planning import (
    INPUT_COLUMNS,
    OPTION_COLUMNS,
    PLAN_COLUMNS,
    TrainingPlan,
)
from tip_eval.stats import (
    cluster_sample_size,
    design_effect,
    minimum_detectable_effect,
    paired_sample_size,
)


@pytest.fixture(scope="module")
def plan(sample_study):
    return te.plan_next(sample_study)


@pytest.fixture(scope="module")
def components(sample_study):
    """The variance components of gain ~ 1 + (1 | training), fitted here directly with statsmodels."""
    import statsmodels.formula.api as smf

    from tip_eval.analysis.inputs import person_scores

    frame = person_scores(sample_study, by=["training_id"], with_reliability=False).frame.dropna(subset=["pre", "post"])
    frame = frame.assign(gain=frame["post"] - frame["pre"], training=frame["training_id"].astype(str))
    fit = smf.mixedlm("gain ~ 1", frame, groups="training").fit(reml=True)
    return {
        "sigma2": float(fit.scale),
        "tau2": float(fit.cov_re.iloc[0, 0]),
        "n": len(frame),
        "trainings": frame["training"].nunique(),
    }


def _row(plan, name):
    return plan.table.set_index("plan").loc[name]


def test_shape(plan):
    assert isinstance(plan, TrainingPlan)
    assert list(plan.table.columns) == list(PLAN_COLUMNS)
    assert plan.table["plan"].tolist() == ["gain", "difference", "detectable_gain"]
    assert list(plan.inputs.columns) == list(INPUT_COLUMNS)
    assert list(plan.options.columns) == list(OPTION_COLUMNS)
    assert (plan.table["low"] <= plan.table["value"]).all() and (plan.table["value"] <= plan.table["high"]).all()
    assert all(plan.table["in_words"].str.len() > 50)


def test_inputs_are_the_study_estimates(sample_study, plan, components):
    inp = plan.inputs.set_index("quantity")["value"]
    g = te.gains(sample_study).iloc[0]
    att = te.attrition(sample_study).iloc[0]
    assert inp["mean_gain"] == g["mean_gain"] and inp["sd_gain"] == g["sd_gain"]
    # REML variance components equal a direct statsmodels fit (optimiser tolerance)
    assert_allclose(inp["sd_within"], math.sqrt(components["sigma2"]), rtol=1e-5)
    assert_allclose(inp["sd_between"], math.sqrt(components["tau2"]), rtol=1e-3)
    assert_allclose(inp["icc"], components["tau2"] / (components["tau2"] + components["sigma2"]), rtol=1e-3)
    assert inp["share_retested"] == att["matched"] / att["registered"] == 191 / 222
    assert inp["attrition_rate"] == att["n_dropouts"] / att["took_pre"]
    assert inp["people_per_training"] == 26  # median of 22, 24, 24, 26, 40, 42, 44 registered


def test_gain_plan_follows_from_the_sd_of_gains(sample_study, plan):
    inp = plan.inputs.set_index("quantity")
    row = _row(plan, "gain")
    gain = te.gains(sample_study).iloc[0]["mean_gain"] / 2  # default: half this study's gain
    assert row["target"] == gain
    sigma = inp.at["sd_within", "value"]
    share = inp.at["share_retested", "value"]
    tested = paired_sample_size(gain / sigma)
    assert row["people_tested"] == tested
    assert row["value"] == row["people_to_enrol"] == math.ceil(tested / share)
    # the range: the same at the ends of the 95% chi-square interval of sigma (df = n - trainings)
    df = 191 - 7
    low_sd = sigma * math.sqrt(df / stats.chi2.ppf(0.975, df))
    high_sd = sigma * math.sqrt(df / stats.chi2.ppf(0.025, df))
    assert_allclose([inp.at["sd_within", "low"], inp.at["sd_within", "high"]], [low_sd, high_sd], rtol=1e-12)
    assert row["low"] == math.ceil(paired_sample_size(gain / low_sd) / share)
    assert row["high"] == math.ceil(paired_sample_size(gain / high_sd) / share)


def test_difference_plan_follows_from_the_icc_and_sd(sample_study, plan):
    inp = plan.inputs.set_index("quantity")
    row = _row(plan, "difference")
    share = inp.at["share_retested", "value"]
    m_tested = 26 * share

    def trainings(sigma, rho):
        j = cluster_sample_size(row["target"] / (sigma / math.sqrt(1 - rho)), m_tested, rho)
        return j + j % 2

    assert row["value"] == trainings(inp.at["sd_within", "value"], inp.at["icc", "value"]) == row["trainings"]
    assert row["low"] == trainings(inp.at["sd_within", "low"], inp.at["icc", "low"])
    assert row["high"] == trainings(inp.at["sd_within", "high"], inp.at["icc", "high"])
    assert row["people_to_enrol"] == 26 and row["value"] % 2 == 0
    # the options hold the same computation for other numbers of people per training
    opt = plan.options.set_index("people_to_enrol").loc[26.0]
    assert opt["trainings"] == row["value"] and opt["per_curriculum"] == row["value"] / 2
    # more people per training never need more trainings
    assert plan.options["trainings"].is_monotonic_decreasing


def test_detectable_gain_allows_for_clustering(plan):
    inp = plan.inputs.set_index("quantity")["value"]
    row = _row(plan, "detectable_gain")
    rho = inp["icc"]
    n_eff = 191 / design_effect(191 / 7, rho)
    expected = minimum_detectable_effect(n_eff, sd=inp["sd_within"] / math.sqrt(1 - rho))
    assert_allclose(row["value"], expected, rtol=1e-12)
    # without clustering it would be smaller
    assert row["value"] > minimum_detectable_effect(191, sd=inp["sd_within"])


def test_given_targets_are_used(sample_study):
    small = te.plan_next(sample_study, gain=3.0, difference=4.0, people_per_training=30, power=0.9)
    large = te.plan_next(sample_study, gain=6.0, difference=8.0, people_per_training=30, power=0.9)
    s, g = _row(small, "gain"), _row(large, "gain")
    assert s["target"] == 3.0 and g["target"] == 6.0
    assert s["people_tested"] > g["people_tested"]
    assert _row(small, "difference")["value"] > _row(large, "difference")["value"]
    assert _row(small, "difference")["people_to_enrol"] == 30
    sigma = small.inputs.set_index("quantity").at["sd_within", "value"]
    assert s["people_tested"] == paired_sample_size(3.0 / sigma, power=0.9)


def test_summary_states_the_assumptions(plan):
    text = plan.summary()
    assert "Assumptions" in text and "ICC" in text and "not confidence intervals themselves" in text
    assert "enrol about" in text and "trainings" in text


def test_one_training_has_no_comparison_plan():
    study, _ = te.datasets.make_study(seed=3, n_trainings=1, participants_per_training=30)
    plan = te.plan_next(study)
    diff = _row(plan, "difference")
    assert np.isnan(diff["value"]) and diff["in_words"] == ""
    assert any("one training" in n for n in plan.notes)
    assert np.isfinite(_row(plan, "gain")["value"]) and np.isfinite(_row(plan, "detectable_gain")["value"])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"gain": -2}, "gain must be a positive"),
    ({"difference": "big"}, "difference must be a positive"),
    ({"power": 0.01}, "larger than alpha"),
    ({"alpha": 1.0}, "alpha must be"),
    ({"people_per_training": 1}, "people_per_training"),
    ({"measure": "skills"}, "measure"),
])  # fmt: skip
def test_bad_arguments(sample_study, kwargs, message):
    with pytest.raises(ValueError, match=message):
        te.plan_next(sample_study, **kwargs)


def test_needs_a_study():
    with pytest.raises(TypeError, match="Study"):
        te.plan_next({"gain": 3})
