"""Item statistics (tip_eval.stats.items) and the training-comparison models (tip_eval.stats.models).

Reference values: hand computations written out in the comments (exact fractions), and R's
``psych::ICC`` output as published (source above each value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.stats import items as si, models as sm_

# --- a tiny test, worked by hand -------------------------------------------------------------------
# 5 people x 3 items, 0/1:            totals
#   p1: 1 1 1                         3
#   p2: 1 1 0                         2
#   p3: 1 0 0                         1
#   p4: 0 1 0                         1
#   p5: 0 0 0                         0
TINY = pd.DataFrame({"i1": [1, 1, 1, 0, 0], "i2": [1, 1, 0, 1, 0], "i3": [1, 0, 0, 0, 0]}, dtype=float)
# Corrected item-total (item-rest) correlations by the point-biserial formula
# r = (M1 - M0) / s_n * sqrt(p q), M1/M0 = mean rest score of those right/wrong, s_n the sd (over n) of
# the rest score (Crocker & Algina 1986, eq. 14.4):
# i1: rest = total - i1 = [2,1,0,1,0]; M1 = (2+1+0)/3 = 1, M0 = (1+0)/2 = 0.5,
#     mean 0.8, s_n^2 = (4+1+0+1+0)/5 - 0.64 = 0.56, p q = 0.24 -> r = 0.5 * sqrt(0.24/0.56) = sqrt(3/28)
# i2: rest = [2,1,1,0,0]; M1 = (2+1+0)/3 = 1, M0 = (1+0)/2 = 0.5, s_n^2 = 0.56 -> r = sqrt(3/28)
# i3: rest = [2,2,1,1,0]; M1 = 2, M0 = (2+1+1+0)/4 = 1, mean 1.2, s_n^2 = 10/5 - 1.44 = 0.56,
#     p q = 0.16 -> r = 1 * sqrt(0.16/0.56) = sqrt(2/7)
TINY_R_DROP = [np.sqrt(3 / 28), np.sqrt(3 / 28), np.sqrt(2 / 7)]
# Alpha with one item left out = alpha of two items = 2 (1 - (v_a + v_b) / var(a + b)) (variances over n):
# without i1: v2 = .24, v3 = .16, i2+i3 = [2,1,0,1,0], var = 1.2 - .64 = .56 -> 2 (1 - .40/.56) = 4/7
# without i2: v1 = .24, v3 = .16, i1+i3 = [2,1,1,0,0], var = .56           -> 4/7
# without i3: v1 = v2 = .24,       i1+i2 = [2,2,1,1,0], var = 2 - 1.44 = .56 -> 2 (1 - .48/.56) = 2/7
TINY_ALPHA_DROP = [4 / 7, 4 / 7, 2 / 7]
# A miskeyed fourth item, right only for the two weakest people: i4 = [0,0,0,1,1].
# rest = total(i1..i3) = [3,2,1,1,0]; M1 = (1+0)/2 = 0.5, M0 = (3+2+1)/3 = 2, mean 1.4,
# s_n^2 = (9+4+1+1+0)/5 - 1.96 = 1.04, p q = 0.24 -> r = -1.5 * sqrt(0.24/1.04) = -1.5 sqrt(3/13)
I4 = [0.0, 0.0, 0.0, 1.0, 1.0]
I4_R_DROP = -1.5 * np.sqrt(3 / 13)


def test_item_rest_correlation_equals_hand_computation():
    assert_allclose(si.item_rest_correlation(TINY).to_numpy(), TINY_R_DROP, rtol=1e-12)
    with_miskeyed = TINY.assign(i4=I4)
    assert_allclose(si.item_rest_correlation(with_miskeyed)["i4"], I4_R_DROP, rtol=1e-12)


def test_item_rest_correlation_equals_pearson_of_item_and_rest():
    rng = np.random.default_rng(3)
    x = pd.DataFrame((rng.random((40, 7)) < 0.6).astype(float), columns=[f"q{j}" for j in range(7)])
    expected = [np.corrcoef(x[c], x.sum(axis=1) - x[c])[0, 1] for c in x]
    assert_allclose(si.item_rest_correlation(x).to_numpy(), expected, rtol=1e-12)


def test_alpha_if_item_deleted_hand_and_refit():
    from tip_eval.stats import alpha_if_deleted

    assert_allclose(si.alpha_if_item_deleted(TINY).to_numpy(), TINY_ALPHA_DROP, rtol=1e-12)
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.integers(0, 3, size=(30, 6)).astype(float))
    # the one-pass formula equals refitting alpha without each item
    assert_allclose(si.alpha_if_item_deleted(x).to_numpy(), alpha_if_deleted(x).to_numpy(), rtol=1e-12)


def test_difficulty_with_points_and_not_asked():
    scores = pd.DataFrame({"a": [2.0, 1.0, 0.0, np.nan], "b": [1.0, 0.0, 1.0, 1.0]})
    # a: (2 + 1 + 0) / 2 points / 3 people asked = 0.5; b: 3/4
    assert_allclose(si.item_difficulty(scores, points=[2.0, 1.0]).to_numpy(), [0.5, 0.75])
    with pytest.raises(ValueError, match="points"):
        si.item_difficulty(scores)


def test_not_asked_items_are_pairwise_for_discrimination():
    x = TINY.assign(i4=I4)
    x.loc[4, "i1"] = np.nan  # p5 was not asked i1: i1 uses p1-p4, rest over the items p1-p4 were asked
    rest = x.drop(columns="i1").sum(axis=1).iloc[:4]
    expected = np.corrcoef(x["i1"].iloc[:4], rest)[0, 1]
    assert_allclose(si.item_rest_correlation(x)["i1"], expected, rtol=1e-12)


def test_learning_disaggregation_hand_example():
    # 4 people, one item: wrong->right, right->wrong, right->right, wrong->wrong; a second item all
    # wrong->right except one person not asked after training
    pre = pd.DataFrame({"x": [0, 1, 1, 0], "y": [0, 0, 0, 0]}, dtype=float)
    post = pd.DataFrame({"x": [1, 0, 1, 0], "y": [1, 1, 1, np.nan]}, dtype=float)
    out = si.learning_disaggregation(pre, post)
    assert list(out.columns) == list(si.DISAGGREGATION_COLUMNS)
    assert out.loc["x"].tolist() == [4, 0.25, 0.25, 0.25, 0.25, 0.0]
    assert out.loc["y"].tolist() == [3, 1.0, 0.0, 0.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="align"):
        si.learning_disaggregation(pre, post.set_axis([9, 8, 7, 6]))


def test_grouped_statistics_equal_per_group_computation():
    rng = np.random.default_rng(5)
    x = pd.DataFrame((rng.random((60, 5)) < 0.55).astype(float), columns=list("abcde"))
    x.iloc[3, 2] = np.nan
    groups = np.array(["g2", "g1", "g3"] * 20)
    grouped_r = si.item_rest_correlation(x, groups=groups)
    grouped_a = si.alpha_if_item_deleted(x, groups=groups)
    grouped_p = si.item_difficulty(x, groups=groups)
    assert list(grouped_r.index) == ["g1", "g2", "g3"]
    for g in ("g1", "g2", "g3"):
        sub = x[groups == g]
        assert_allclose(grouped_r.loc[g].to_numpy(), si.item_rest_correlation(sub).to_numpy(), rtol=1e-10)
        assert_allclose(grouped_a.loc[g].to_numpy(), si.alpha_if_item_deleted(sub).to_numpy(), rtol=1e-10)
        assert_allclose(grouped_p.loc[g].to_numpy(), si.item_difficulty(sub).to_numpy(), rtol=1e-12)


def test_constant_item_has_no_discrimination():
    x = TINY.assign(i1=1.0)
    r = si.item_rest_correlation(x)
    assert np.isnan(r["i1"]) and np.isfinite(r["i3"])


# --- models ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def people(sample):
    from tip_eval.analysis.inputs import person_scores

    study, _ = sample
    frame = person_scores(study, by=["training_id", "country", "sector"], with_reliability=False).frame
    frame = frame.dropna(subset=["pre", "post"]).reset_index(drop=True)
    return frame.assign(gain=frame["post"] - frame["pre"])


def test_sum_coding_matrix():
    assert_allclose(sm_.sum_coding(["a", "b", "c"]), [[1, 0], [0, 1], [-1, -1]])


def test_ancova_effects_equal_direct_statsmodels_ols(people):
    import statsmodels.formula.api as smf

    fit = sm_.ancova_effects(people, "post", ["pre"], "training_id", confidence=0.9)
    direct = smf.ols("post ~ pre + C(training_id, Sum)", data=people).fit()
    levels = sorted(people["training_id"].unique())
    coefs = np.array([direct.params[f"C(training_id, Sum)[S.{lev}]"] for lev in levels[:-1]])
    assert_allclose(fit.effects["effect"].to_numpy(), [*coefs, -coefs.sum()], rtol=1e-9)
    assert_allclose(fit.result.params["pre"], direct.params["pre"], rtol=1e-10)
    # intervals: statsmodels' t_test of the same contrasts
    names = list(direct.params.index)
    rows = []
    for lev in levels:
        row = np.zeros(len(names))
        if lev != levels[-1]:
            row[names.index(f"C(training_id, Sum)[S.{lev}]")] = 1.0
        else:
            for other in levels[:-1]:
                row[names.index(f"C(training_id, Sum)[S.{other}]")] = -1.0
        rows.append(row)
    tt = direct.t_test(np.array(rows))
    ci = tt.conf_int(alpha=0.1)
    assert_allclose(fit.effects[["ci_low", "ci_high"]].to_numpy(), ci, rtol=1e-8)
    assert_allclose(fit.effects["p_value"].to_numpy(), np.asarray(tt.pvalue).ravel(), rtol=1e-7)
    assert fit.effects["n"].sum() == len(people)


def test_ancova_within_country_is_the_contrast_of_the_sum_coded_effects(people):
    plain = sm_.ancova_effects(people, within=None, fixed="sector").effects
    within = sm_.ancova_effects(people, within="country", fixed="sector").effects
    country = people.groupby("training_id")["country"].first()
    expected = plain["effect"] - plain["effect"].groupby(country).transform("mean")
    single = country.map(country.value_counts()) == 1
    assert_allclose(within.loc[~single, "effect"], expected[~single], rtol=1e-9, atol=1e-12)
    assert within.loc[single, "effect"].isna().all()  # IDN: one training, nothing to compare within


@pytest.mark.parametrize("kwargs", [{}, {"fixed": "sector", "within": "country"}, {"covariates": []}])
def test_ancova_within_group_route_for_many_groups_gives_the_same_effects(people, monkeypatch, kwargs):
    dense = sm_.ancova_effects(people, **kwargs).effects
    monkeypatch.setattr(sm_, "DENSE_CELLS", 10)  # force the route used for thousands of trainings
    routed = sm_.ancova_effects(people, **kwargs)
    assert routed.contrast is None
    assert_allclose(routed.effects.to_numpy(dtype=float), dense.to_numpy(dtype=float), rtol=1e-8, atol=1e-10)


def test_ancova_refuses_a_group_characteristic_as_person_covariate(people):
    with pytest.raises(ValueError, match="within="):
        sm_.ancova_effects(people, fixed="country")


def test_mixed_model_equals_direct_mixedlm_fit(people):
    import statsmodels.formula.api as smf

    fit = sm_.random_intercept_effects(people, "gain", "training_id")
    direct = smf.mixedlm("gain ~ 1", data=people, groups=people["training_id"]).fit(reml=True)
    assert direct.converged
    # both are REML optima: equal up to the optimisers' tolerance, ours at least as high
    assert fit.result.llf >= direct.llf - 1e-8
    assert_allclose(fit.result.fe_params.to_numpy(), direct.fe_params.to_numpy(), rtol=1e-5)
    assert_allclose(fit.between_var, float(direct.cov_re.iloc[0, 0]), rtol=1e-3)
    assert_allclose(fit.within_var, direct.scale, rtol=1e-5)
    blup = np.array([float(direct.random_effects[g].iloc[0]) for g in fit.effects.index])
    assert_allclose(fit.effects["effect"].to_numpy(), blup, rtol=1e-3, atol=1e-4)
    # exactly statsmodels' own BLUPs and conditional variances of the returned fit
    own = fit.result
    assert_allclose(
        fit.effects["effect"].to_numpy(), [float(own.random_effects[g].iloc[0]) for g in fit.effects.index], rtol=1e-12
    )
    assert_allclose(
        fit.effects["conditional_var"].to_numpy(),
        [float(own.random_effects_cov[g].iloc[0, 0]) for g in fit.effects.index],
        rtol=1e-8,
    )


def test_prediction_variance_equals_inverse_of_mixed_model_equations(people):
    # Henderson (1975): Var(u_hat - u) is the random-effect block of the inverse of
    # [[X'X/s2, X'Z/s2], [Z'X/s2, Z'Z/s2 + I/tau2]]; built densely here, independently of the code.
    fit = sm_.random_intercept_effects(people, "gain", "training_id", fixed="sector")
    s2, tau2 = fit.within_var, fit.between_var
    levels = list(fit.effects.index)
    z = (people["training_id"].to_numpy()[:, None] == np.array(levels)[None, :]).astype(float)
    x = fit.result.model.exog
    c = np.block([[x.T @ x / s2, x.T @ z / s2], [z.T @ x / s2, z.T @ z / s2 + np.eye(len(levels)) / tau2]])
    pev = np.diag(np.linalg.inv(c))[x.shape[1] :]
    assert_allclose(fit.effects["prediction_var"].to_numpy(), pev, rtol=1e-8)
    # and the shrinkage weight is tau2 / (tau2 + s2 / n_j) (Raudenbush & Bryk 2002, eq. 3.57)
    n = fit.effects["n"].to_numpy()
    assert_allclose(fit.effects["shrinkage"].to_numpy(), tau2 / (tau2 + s2 / n), rtol=1e-12)
    # Prasad & Rao (1990): mse = g1 + g2 + 2 g3, g3 = D^2/(tau2 + D)^3 * 2/sum((tau2 + D)^-2), D = s2/n
    d = s2 / n
    g3 = d**2 / (tau2 + d) ** 3 * 2.0 / np.sum((tau2 + d) ** -2.0)
    assert_allclose(fit.effects["mse"].to_numpy(), pev + 2.0 * g3, rtol=1e-10)


def test_fixed_effect_se_is_the_gls_value_of_lme4(people):
    # R 4.x, lme4 (the sample study's matched people written to CSV):
    #   m <- lmer(gain ~ 1 + (1 | training_id), data = d, REML = TRUE); summary(m)$coefficients
    #   (Intercept) 11.760696955635  SE 1.13910235701295
    #   as.data.frame(VarCorr(m))$vcov -> 3.94957487593062 132.73582024599250
    # statsmodels' own bse of this fit is 1.1460 (it comes from the joint information of the fixed
    # effects and the variance parameters); the GLS value (X' V^-1 X)^-1 is what lme4 reports.
    fit = sm_.random_intercept_effects(people, "gain", "training_id")
    assert_allclose(fit.fixed.loc["Intercept", "estimate"], 11.760696955635, rtol=1e-7)
    assert_allclose(fit.fixed.loc["Intercept", "se"], 1.13910235701295, rtol=1e-5)
    assert_allclose([fit.between_var, fit.within_var], [3.94957487593062, 132.73582024599250], rtol=1e-4)
    assert abs(float(fit.result.bse_fe.iloc[0]) - 1.13910235701295) > 5e-3  # the raw object differs


def test_group_intervals_are_fab_intervals_of_the_direct_means(people):
    from tip_eval.stats.fab import fab_intervals

    fit = sm_.random_intercept_effects(people, "gain", "training_id")
    e = fit.effects
    n = e["n"].to_numpy()
    means = people.groupby("training_id")["gain"].mean().reindex(e.index).to_numpy()
    assert_allclose(e["direct_mean"], means, rtol=1e-12)
    within = people["gain"] - people.groupby("training_id")["gain"].transform("mean")
    s2 = float((within**2).sum()) / (len(people) - len(e))
    assert_allclose(e["direct_se"], np.sqrt(s2 / n), rtol=1e-10)
    fab = fab_intervals(means, np.sqrt(s2 / n), confidence=0.95, df=len(people) - len(e), tau2=fit.between_var)
    # the prior: the model's tau2, centred on the GLS mean of the other trainings
    w = 1.0 / (fit.between_var + s2 / n)
    loo = np.array([np.sum(np.delete(w * means, j)) / np.sum(np.delete(w, j)) for j in range(len(e))])
    assert_allclose(e["prior_mean"], loo, rtol=1e-12)
    assert_allclose(e["prior_var"], fit.between_var, rtol=1e-12)
    assert_allclose(e[["ci_low", "ci_high"]].to_numpy(), fab[["ci_low", "ci_high"]].to_numpy(), rtol=1e-10)
    assert_allclose(e["fitted_mean"], fit.fixed.loc["Intercept", "estimate"] + e["effect"], rtol=1e-12)
    # the interval holds the BLUP (it lies between the own mean and the prior's posterior mean)
    assert ((e["ci_low"] <= e["fitted_mean"]) & (e["fitted_mean"] <= e["ci_high"])).all()


def test_profiled_variance_ratio_is_the_reml_optimum(people):
    import statsmodels.api as sm

    codes, levels = pd.factorize(people["training_id"])
    x = np.ones((len(people), 1))
    ratio = sm_.profile_variance_ratio(people["gain"].to_numpy(), x, codes, len(levels))
    powell = sm.MixedLM(people["gain"], x, groups=people["training_id"]).fit(reml=True, method="powell")
    assert_allclose(ratio, float(powell.cov_re.iloc[0, 0]) / powell.scale, rtol=1e-4)


def test_boundary_when_groups_do_not_differ():
    # every group has exactly the same mean: tau2 is estimated as 0, every BLUP is 0
    base = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    frame = pd.DataFrame({"g": np.repeat(list("abcd"), 5), "y": np.tile(base, 4) + 10.0})
    fit = sm_.random_intercept_effects(frame, "y", "g")
    assert fit.boundary
    assert (fit.effects["effect"] == 0).all() and (fit.effects["prediction_var"] == 0).all()
    # the groups' intervals keep their width and hold each group's own mean (10)
    assert ((fit.effects["ci_low"] < 10) & (fit.effects["ci_high"] > 10)).all()


# R 4.3, psych 2.3 (published in a MATLAB port's verification comment, McGraw & Wong 1996, Table 6 data):
# > psych::ICC(cbind(c(103,82,116,102,99,98,104,62,97,107), c(119,65,106,102,105,100,107,85,101,110)))
#                          type   est F-val df1 df2   p-val lwr.ci upr.ci
# Single_raters_absolute   ICC1 0.722  6.18   9  10 0.00437  0.241  0.922
MW_DATA = np.array(
    [[103, 119], [82, 65], [116, 106], [102, 102], [99, 105], [98, 100], [104, 107], [62, 85], [97, 101], [107, 110]],
    dtype=float,
)
# psych::ICC(sf) (Shrout & Fleiss 1979, Table 2: 6 targets x 4 judges; psych's `sf` data):
#                          type  ICC    F df1 df2    p lower bound upper bound
# Single_raters_absolute   ICC1 0.17 1.79   5  18 0.16       -0.13        0.72
# (ICC1 = 0.166 to three decimals: Shrout & Fleiss 1979, Table 4)
SF_DATA = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)


@pytest.mark.parametrize(
    "data, icc, f, ci, digits",
    [
        (MW_DATA, 0.722, 6.18, (0.241, 0.922), 3),
        (SF_DATA, 0.166, 1.79, (-0.13, 0.72), 2),
    ],
)
def test_icc_and_interval_match_psych_icc1(data, icc, f, ci, digits):
    k, m = data.shape
    frame = pd.DataFrame({"g": np.repeat(np.arange(k), m), "y": data.ravel()})
    ft = sm_.group_f_test(frame, "y", "g")
    assert (ft["df1"], ft["df2"]) == (k - 1, k * (m - 1))
    assert round(ft["f"], 2) == f
    low, high = sm_.icc_f_interval(ft["f"], ft["df1"], ft["df2"], ft["n0"], 0.95)
    assert (round(low, digits), round(high, digits)) == ci
    # balanced data, positive estimate: REML equals the ANOVA estimator (MSB - MSW)/(MSB + (m-1) MSW)
    out = sm_.intraclass_correlation(frame, "y", "g")
    assert round(out["icc"], 3) == icc
    assert_allclose([out["ci_low"], out["ci_high"]], [max(low, 0.0), high], rtol=1e-12)


def test_group_f_test_equals_nested_ols_anova(people):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    ft = sm_.group_f_test(people, "gain", "training_id", fixed="sector")
    reduced = smf.ols("gain ~ C(sector)", data=people).fit()
    full = smf.ols("gain ~ C(sector) + C(training_id)", data=people).fit()
    table = sm.stats.anova_lm(reduced, full)
    assert_allclose(ft["f"], table["F"].iloc[1], rtol=1e-9)
    assert (ft["df1"], ft["df2"]) == (table["df_diff"].iloc[1], table["df_resid"].iloc[1])
    # within a group characteristic: trainings compared within country
    ft_c = sm_.group_f_test(people, "gain", "training_id", within="country")
    reduced_c = smf.ols("gain ~ C(country)", data=people).fit()
    full_c = smf.ols("gain ~ C(training_id)", data=people).fit()
    table_c = sm.stats.anova_lm(reduced_c, full_c)
    assert_allclose(ft_c["f"], table_c["F"].iloc[1], rtol=1e-9)
    n = people.groupby("training_id").size()
    assert_allclose(
        sm_.group_f_test(people, "gain", "training_id")["n0"],
        (n.sum() - (n**2).sum() / n.sum()) / (len(n) - 1),
        rtol=1e-12,
    )


def test_arguments_are_checked(people):
    with pytest.raises(ValueError, match="confidence"):
        sm_.ancova_effects(people, confidence=95)
    with pytest.raises(KeyError, match="nope"):
        sm_.random_intercept_effects(people, "nope")
    with pytest.raises(ValueError, match="at least 2 groups"):
        sm_.random_intercept_effects(people[people["training_id"] == "THA-TAK-2022"], "gain")
