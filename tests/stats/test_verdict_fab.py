"""The verdict machinery (median contrasts, max-t bootstrap) and FAB intervals against R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.stats.fab import (
    fab_interval,
    fab_intervals,
    loo_prior,
    reml_between_variance,
)
from tip_eval.stats.verdict import VERDICT_COLUMNS, loo_median, median_contrasts

THREE = ["KHM-SRP-2023", "THA-CMI-2022", "THA-TAK-2022"]


@pytest.fixture(scope="module")
def three(sample):
    """The sample study's matched people of three trainings (R: the same rows written to three.csv)."""
    from tip_eval.analysis.inputs import person_scores

    frame = person_scores(sample[0], by=["training_id"], with_reliability=False).frame
    frame = frame.dropna(subset=["pre", "post"])
    return frame[frame["training_id"].isin(THREE)].reset_index(drop=True)


def test_loo_median_equals_numpy_with_ties():
    rng = np.random.default_rng(3)
    for k in (2, 3, 4, 7, 8, 30):
        a = np.round(rng.normal(size=(40, k)), 0)  # many ties
        expected = [[np.median(np.delete(row, j)) for j in range(k)] for row in a]
        assert_allclose(loo_median(a), expected, rtol=0, atol=0)


def test_three_trainings_equal_multcomp_single_step(three):
    # With three trainings the median of the two others is their mean, so the differences are
    # linear contrasts and multcomp's exact single-step result is the reference. R 4.x, multcomp:
    #   t3 <- read.csv("three.csv"); t3$training_id <- factor(t3$training_id)
    #   fit <- lm(post ~ 0 + training_id + pre, data = t3)
    #   K <- rbind(c(1, -0.5, -0.5, 0), c(-0.5, 1, -0.5, 0), c(-0.5, -0.5, 1, 0))
    #   set.seed(1); s <- summary(glht(fit, linfct = K)); set.seed(1); ci <- confint(glht(fit, linfct = K))
    est = [9.74243639946758, 1.78955326293629, -11.53198966240387]
    se = [2.93852511006305, 2.38733509786259, 2.48678389678123]
    p_adj = [0.003695002949481552, 0.732323817275542854, 0.000030877944196761]
    lwr = [2.76015279474206, -3.88303760780639, -17.44088265485424]
    calpha = 2.37611840743321  # attr(ci$confint, "calpha"); df.residual(fit) = 91
    from tip_eval.stats.models import ancova_effects

    fit = ancova_effects(three, "post", ["pre"], "training_id")
    assert fit.df == 91
    res = median_contrasts(fit.adjusted, fit.adjusted_cov, fit.df, draws=400_000)
    assert list(res.columns) == list(VERDICT_COLUMNS)
    assert_allclose(res["estimate"], est, rtol=1e-10)
    # Monte-Carlo error of the bootstrap: about 0.11% for the SEs and 0.005 for calpha at 400,000 draws
    assert_allclose(res["se"], se, rtol=5e-3)
    assert_allclose(res["critical_value"], calpha, atol=0.015)
    assert_allclose(res["familywise_ci_low"], lwr, atol=0.06)
    assert_allclose(res["p_adjusted"].iloc[[0, 1]], p_adj[:2], rtol=0.05)
    assert res["p_adjusted"].iloc[2] < 1e-4
    assert res["verdict"].tolist() == ["above", "not distinguishable", "below"]
    # the cheap parts form of the covariance gives the same draws' law
    parts = median_contrasts(fit.adjusted, (fit.adjusted_diag, fit.adjusted_factor), fit.df, draws=400_000)
    assert_allclose(parts["se"], se, rtol=5e-3)


def test_verdict_is_the_familywise_interval_and_the_adjusted_p():
    rng = np.random.default_rng(7)
    est = np.array([0.0, 0.3, -0.2, 5.0, 0.1, -4.0, 0.4, 2.2])
    cov = np.diag(rng.uniform(0.5, 1.5, est.size))
    res = median_contrasts(est, cov, df=200)
    excl = (res["familywise_ci_low"] > 0) | (res["familywise_ci_high"] < 0)
    assert (excl == (res["p_adjusted"] < 0.05)).all()
    assert (excl == res["verdict"].isin(["above", "below"])).all()
    assert res.loc[3, "verdict"] == "above" and res.loc[5, "verdict"] == "below"
    # nested intervals: the training's own interval lies inside the familywise one
    assert (res["ci_low"] >= res["familywise_ci_low"]).all() and (res["ci_high"] <= res["familywise_ci_high"]).all()
    # reproducible: the same seed gives the same table
    pd.testing.assert_frame_equal(res, median_contrasts(est, cov, df=200))


def test_strata_compare_within_and_leave_singletons_out():
    est = np.array([1.0, 2.0, 6.0, 10.0, 3.0])
    res = median_contrasts(est, np.eye(5), strata=["a", "a", "a", "b", "c"])
    assert_allclose(res["estimate"].iloc[:3], [1 - 4, 2 - 3.5, 6 - 1.5])
    assert res["estimate"].iloc[3:].isna().all() and (res["verdict"].iloc[3:] == "").all()


def test_fab_interval_equals_hoff_fabci():
    # R, fabCI (P. Hoff, CRAN) fabzCI(y, mu, t2, s2, alpha), run with uniroot(tol = 1e-13):
    #   fabzCI(0, 0, 10, 1)       -> -1.81061708196959  1.81061708196959
    #   fabzCI(0, 0, 1/10, 1)     -> -1.64485362695157  1.64485362695157
    #   fabzCI(0, 2, 10, 1)       -> -1.71637799047959  1.96361541622401
    #   fabzCI(3.2, 1, 2.5, 0.8)  ->  1.32942825877491  4.67128585467271
    #   fabzCI(-1.5, 0.4, 0.3, 1.7, alpha = 0.1) -> -3.170938809697916  0.442022252554766
    cases = [
        ((0, 1, 0, 10, 0.95), (-1.81061708196959, 1.81061708196959)),
        ((0, 1, 0, 0.1, 0.95), (-1.64485362695157, 1.64485362695157)),
        ((0, 1, 2, 10, 0.95), (-1.71637799047959, 1.96361541622401)),
        ((3.2, np.sqrt(0.8), 1, 2.5, 0.95), (1.32942825877491, 4.67128585467271)),
        ((-1.5, np.sqrt(1.7), 0.4, 0.3, 0.90), (-3.170938809697916, 0.442022252554766)),
    ]
    for (y, se, mu, t2, conf), expected in cases:
        assert_allclose(fab_interval(y, se, mu, t2, conf), expected, rtol=1e-9, atol=1e-10)


def test_fab_interval_has_exact_coverage_for_every_mean():
    # P(theta in C(Y)) = 1 - alpha for every theta (Yu & Hoff 2018), also with t quantiles: the
    # interval is the set of theta whose acceptance region holds y, so coverage is the probability
    # of the acceptance region; checked here by integrating over a fine grid of y.
    from scipy import stats

    for df in (np.inf, 12.0):
        dist = stats.t(df) if np.isfinite(df) else stats.norm()
        ys = np.linspace(-12, 18, 6001)
        dens = dist.pdf(ys[:, None] - np.array([-3.0, 0.0, 1.5, 6.0])[None, :])
        bounds = np.array([fab_interval(y, 1.0, 0.5, 2.0, 0.95, df) for y in ys])
        for i, theta in enumerate((-3.0, 0.0, 1.5, 6.0)):
            covered = (bounds[:, 0] <= theta) & (theta <= bounds[:, 1])
            assert_allclose(np.trapezoid(dens[:, i] * covered, ys), 0.95, atol=2e-3)


def test_fab_limits():
    assert_allclose(fab_interval(5.0, 1.0, 0.0, 0.0), (0.0, 5.0 + 1.6448536269514722))  # prior sure of mu
    lo, hi = fab_interval(2.0, 1.0, 0.0, np.inf)  # no prior: the usual interval
    assert_allclose((lo, hi), (2.0 - 1.959963984540054, 2.0 + 1.959963984540054))
    assert np.isnan(fab_interval(np.nan, 1.0, 0.0, 1.0)).all()


def test_reml_between_variance_equals_metafor():
    # R, metafor: yi <- c(10.5, 11.8, 9.97, 18.1, 12.3, 13.4, 7.89); vi <- c(6.31, 8.28, 5.52, 7.80, 3.31, 3.79, 3.49)
    #   r <- rma(yi, vi, method = "REML", control = list(tol = 1e-12, threshold = 1e-12)); c(r$tau2, r$beta, r$se)
    #   -> 4.03702812730268 11.75825378418085 1.14431408358025
    #   rma(c(1, 1.2, 0.9, 1.1), c(1, 1, 1, 1), method = "REML")$tau2 -> 0
    t2, beta, cov = reml_between_variance(
        [10.5, 11.8, 9.97, 18.1, 12.3, 13.4, 7.89], [6.31, 8.28, 5.52, 7.80, 3.31, 3.79, 3.49]
    )
    assert_allclose(t2, 4.03702812730268, rtol=1e-6)
    assert_allclose(beta[0], 11.75825378418085, rtol=1e-8)
    assert_allclose(np.sqrt(cov[0, 0]), 1.14431408358025, rtol=1e-7)
    t2, beta, _ = reml_between_variance([1, 1.2, 0.9, 1.1], [1, 1, 1, 1])
    assert t2 == 0.0
    assert_allclose(beta[0], 1.05)


def test_loo_prior_leaves_the_group_out():
    y = np.array([10.5, 11.8, 9.97, 18.1, 12.3, 13.4, 7.89])
    v = np.array([6.31, 8.28, 5.52, 7.80, 3.31, 3.79, 3.49])
    mean, tau2 = loo_prior(y, v)
    for j in range(y.size):
        t2, beta, _ = reml_between_variance(np.delete(y, j), np.delete(v, j))
        assert_allclose((mean[j], tau2[j]), (beta[0], t2), rtol=1e-12)
    # by stratum: the mean of the others of the same stratum; alone: no prior
    mean, tau2 = loo_prior(y, v, strata=list("aaabbbc"))
    assert np.isnan(mean[6]) and np.isinf(tau2[6])
    out = fab_intervals(y, np.sqrt(v), strata=list("aaabbbc"))
    assert_allclose(
        out.loc[6, ["ci_low", "ci_high"]].to_numpy(float), 7.89 + np.array([-1, 1]) * 1.959963984540054 * np.sqrt(3.49)
    )
