"""Noncentral-t intervals, Hedges' J, signed-rank test, rank-biserial r and Wilson intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from stats_references import (
    MOTE_D,
    MOTE_DHIGH,
    MOTE_DLOW,
    MOTE_N,
    MOTE_T,
    NEWCOMBE_WILSON,
    SLEEP_GROUP1,
    SLEEP_GROUP2,
    SLEEP_WILCOX_P,
    SLEEP_WILCOX_V,
)

from tip_eval.stats import (
    dz_confidence_interval,
    hedges_correction,
    noncentrality_interval,
    rank_biserial_paired,
    signed_rank_grouped,
    signed_rank_test,
    wilson_interval,
)

pytestmark = pytest.mark.filterwarnings("error")


def test_dz_interval_matches_mote():
    # R, MOTE: d_dep_t_diff_t(t_value = 1.43, n = 7, a = .05):
    # d = 0.5404892, dlow = -0.2770679, dhigh = 1.320576
    dz = MOTE_T / np.sqrt(MOTE_N)
    assert_allclose(dz, MOTE_D, atol=5e-8)
    low, high = dz_confidence_interval(dz, MOTE_N)
    assert_allclose(low, MOTE_DLOW, atol=5e-8)
    assert_allclose(high, MOTE_DHIGH, atol=5e-7)


def test_noncentrality_interval_inverts_the_distribution():
    # the definition: P(T <= t | df, lambda_low) = 1 - alpha/2, P(T <= t | df, lambda_high) = alpha/2,
    # including far tails where scipy's nct.cdf alone returns NaN (t = 50, df = 1)
    t = np.array([-80.0, -3.2, 0.0, 0.4, 2.5, 50.0, 1e3, 12.0])
    df = np.array([1.0, 4.0, 1.0, 29.0, 9.0, 1.0, 3.0, 200.0])
    for confidence in (0.95, 0.80):
        low, high = noncentrality_interval(t, df, confidence)
        tail = (1 - confidence) / 2
        assert np.all(low < high)
        assert_allclose(stats.nct.cdf(t, df, low), 1 - tail, atol=1e-9)
        assert_allclose(stats.nct.cdf(t, df, high), tail, atol=1e-9)


def test_noncentrality_interval_is_symmetric_at_zero():
    # at t = 0 the interval is symmetric, and for huge df it tends to 0 +/- z_{0.975}
    low, high = noncentrality_interval([0.0, 0.0], [5.0, 1e7])
    assert_allclose(low, -high, rtol=1e-10)
    assert_allclose(high[1], stats.norm.ppf(0.975), rtol=1e-5)


def test_noncentrality_interval_nan_inputs():
    low, high = noncentrality_interval([np.nan, np.inf, 2.0], [5.0, 5.0, 0.0])
    assert np.isnan(low).all() and np.isnan(high).all()
    low, high = dz_confidence_interval([0.5, 0.5], [1, 0])
    assert np.isnan(low).all() and np.isnan(high).all()


def test_hedges_correction_is_the_exact_gamma_form_of_r_effectsize():
    # R 4.x, effectsize 0.8.3 (the J inside effectsize:::.effect_size_difference):
    #   J <- function(df) exp(lgamma(df/2) - log(sqrt(df/2)) - lgamma((df - 1)/2))
    #   print(J(c(2, 3, 6, 10, 30, 100)), digits = 15)
    expected = [
        0.564189583547756,
        0.723601254558268,
        0.868626687827413,
        0.922745608053087,
        0.974754378214399,
        0.992478054981413,
    ]
    assert_allclose(hedges_correction([2, 3, 6, 10, 30, 100]), expected, rtol=1e-13)
    # df = 2: Gamma(1) / (1 * Gamma(1/2)) = 1/sqrt(pi), by hand
    assert_allclose(hedges_correction(2), 1 / np.sqrt(np.pi), rtol=1e-14)
    # the approximation 1 - 3/(4 df - 1) is NOT what is computed (it differs by 9.4e-4 at df = 6)
    assert abs(hedges_correction(6) - (1 - 3 / 23)) > 9e-4
    # large df stays finite and tends to 1 (log-gamma, no overflow)
    assert 0.9999 < hedges_correction(1e6) < 1.0
    assert np.isnan(hedges_correction([1, 0, np.nan])).all()


def test_hedges_gz_equals_r_effectsize_paired():
    # effectsize 0.8.3:
    #   x <- c(61, 45, 72, 58, 66, 49, 70); y <- c(70, 52, 71, 69, 80, 50, 83)
    #   hedges_g(y, x, paired = TRUE)$Hedges_g  -> 1.15649557989801
    #   cohens_d(y, x, paired = TRUE)$Cohens_d  -> 1.33140691634815
    from tip_eval.stats import paired_gain

    res = paired_gain([61, 45, 72, 58, 66, 49, 70], [70, 52, 71, 69, 80, 50, 83])
    assert_allclose(res["cohens_dz"], 1.33140691634815, rtol=1e-12)
    assert_allclose(res["hedges_gz"], 1.15649557989801, rtol=1e-12)


# --- Wilcoxon signed-rank ----------------------------------------------------------------------


def test_signed_rank_matches_r_on_sleep():
    # R: wilcox.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE): V = 0, p-value = 0.009091
    # (x - y = group 1 - group 2, so group 1 is "post" here)
    res = signed_rank_test(SLEEP_GROUP2, SLEEP_GROUP1)
    assert res["statistic_v"] == SLEEP_WILCOX_V
    assert_allclose(res["p_value"], SLEEP_WILCOX_P, atol=5e-7)
    assert res["method"] == "normal"
    assert (res["n"], res["n_nonzero"], res["n_zero"]) == (10, 9, 1)


def test_signed_rank_exact_small_sample():
    # D = 1, 2, 3, 4, 5: no ties, no zeros, n = 5 -> exact. V = 15 is the most extreme of 2^5
    # equally likely sign patterns: two-sided p = 2/32 (R: wilcox.test(1:5, rep(0, 5), paired = TRUE)
    # gives V = 15, p-value = 0.0625)
    res = signed_rank_test([0, 0, 0, 0, 0], [1, 2, 3, 4, 5])
    assert res["method"] == "exact"
    assert res["statistic_v"] == 15.0
    assert res["p_value"] == 0.0625
    # D = 1, -2, 3, 4, 5: V = 13; P(V >= 13) = #{subsets of 1..5 with sum >= 13}/32 = 3/32
    res = signed_rank_test([0, 2, 0, 0, 0], [1, 0, 3, 4, 5])
    assert_allclose(res["p_value"], 2 * 3 / 32, rtol=1e-15)


def test_signed_rank_exact_table_equals_scipy():
    rng = np.random.default_rng(11)
    for n in (1, 2, 7, 20, 49):
        d = rng.permutation(np.arange(1, n + 1)) * rng.choice([-1.0, 1.0], n)
        res = signed_rank_test(np.zeros(n), d)
        assert res["method"] == "exact"
        assert_allclose(res["p_value"], stats.wilcoxon(d, method="exact").pvalue, rtol=1e-13)
    # 50 non-zero differences: normal approximation (R switches at n < 50)
    d = np.arange(1, 51) * rng.choice([-1.0, 1.0], 50)
    res = signed_rank_test(np.zeros(50), d)
    assert res["method"] == "normal"
    expected = stats.wilcoxon(d, correction=True, method="asymptotic").pvalue
    assert_allclose(res["p_value"], expected, rtol=1e-13)


def test_signed_rank_all_zero_and_empty():
    res = signed_rank_test([1, 2, 3], [1, 2, 3])
    assert res["n_nonzero"] == 0 and res["method"] is None
    assert np.isnan(res["p_value"]) and np.isnan(res["rank_biserial"])
    assert np.isnan(signed_rank_test([], [])["p_value"])


def test_signed_rank_grouped_layout():
    frame = pd.DataFrame(
        {
            "comp": ["trust"] * 5 + ["refer"] * 4,
            "pre": [2, 3, 3, 4, 2, 1, 2, 3, 3],
            "post": [4, 4, 3, 5, 3, 2, 2, 4, 2],
        }
    )
    res = signed_rank_grouped(frame, "comp")
    assert list(res.index) == ["refer", "trust"]
    assert list(res.columns) == ["n", "n_nonzero", "n_zero", "statistic_v", "method", "p_value", "rank_biserial"]
    for key, g in frame.groupby("comp"):
        single = signed_rank_test(g["pre"].to_numpy(), g["post"].to_numpy())
        assert_allclose(res.loc[key, "p_value"], single["p_value"], rtol=1e-15)
        assert res.loc[key, "statistic_v"] == single["statistic_v"]


# --- rank-biserial ------------------------------------------------------------------------------


def test_rank_biserial_by_hand():
    # D = 3, -1, 2, 0, 5: zero dropped; ranks of |D| = 1, 2, 3, 5 are 1, 2, 3, 4;
    # T+ = 3 + 2 + 4 = 9, T- = 1; r = (9 - 1)/10 = 0.8 (Kerby 2014, simple difference formula)
    assert_allclose(rank_biserial_paired([0, 1, 0, 4, 0], [3, 0, 2, 4, 5]), 0.8, rtol=1e-15)
    # ties: D = 1, 1, -1, 2 -> ranks 2, 2, 2, 4; T+ = 8, T- = 2; r = 6/10
    assert_allclose(rank_biserial_paired([0, 0, 1, 0], [1, 1, 0, 2]), 0.6, rtol=1e-15)
    assert rank_biserial_paired([1, 2], [3, 4]) == 1.0
    assert rank_biserial_paired([3, 4], [1, 2]) == -1.0
    assert np.isnan(rank_biserial_paired([1, np.nan], [1, 2]))


def test_rank_biserial_equals_pingouin():
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(5)
    pre = rng.integers(1, 6, 40).astype(float)
    post = np.clip(pre + rng.integers(-1, 3, 40), 1, 5)
    # pingouin.wilcoxon(x, y) ranks x - y, so x = post, y = pre gives D = post - pre
    expected = pg.wilcoxon(post, pre)["RBC"].iloc[0]
    assert_allclose(rank_biserial_paired(pre, post), expected, rtol=1e-12)


# --- Wilson -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "n", "low", "high"), NEWCOMBE_WILSON)
def test_wilson_matches_newcombe(x, n, low, high):
    # Newcombe (1998), Table I, method 3, printed to 4 decimals
    got_low, got_high = wilson_interval(x, n)
    assert_allclose([got_low, got_high], [low, high], atol=5e-5)


def test_wilson_vectorised_and_edges():
    x = np.array([81, 15, 0, 1])
    n = np.array([263, 148, 20, 29])
    low, high = wilson_interval(x, n)
    assert_allclose(low, [r[2] for r in NEWCOMBE_WILSON], atol=5e-5)
    assert_allclose(high, [r[3] for r in NEWCOMBE_WILSON], atol=5e-5)
    low, high = wilson_interval([0, np.nan, 5], [0, 10, 5])
    assert np.isnan(low[:2]).all() and np.isnan(high[:2]).all()
    assert_allclose(high[2], 1.0, rtol=1e-15)
    assert low[2] < 1.0
    with pytest.raises(ValueError, match="`successes`"):
        wilson_interval(6, 5)


# --- proportional odds of ratings on phase ---------------------------------------------------------


@pytest.fixture(scope="module")
def c01_pairs(sample):
    """C01 ratings of the sample study's people who rated it at both times (R: confidence.csv, same rows)."""
    conf = sample[0].confidence
    c1 = conf[conf["competency_id"] == "C01"]
    wide = c1.pivot(index="participant_id", columns="phase", values="rating")[["pre", "post"]].dropna()
    return wide["pre"].to_numpy(dtype=float), wide["post"].to_numpy(dtype=float)


def test_phase_odds_ratio_equals_r_clm_with_a_person_sandwich(c01_pairs):
    # R 4.x, ordinal: the 191 matched people's C01 ratings (382 rows), post = 0/1,
    #   f <- clm(rating ~ post, data = c1, control = clm.control(gradTol = 1e-10))
    #   coef(f)["post"] -> 1.323118443204463; sqrt(diag(vcov(f)))["post"] -> 0.196260848425914
    #   cluster-robust by person: scores of the cumulative logit from clm's estimates by hand,
    #   G <- rowsum(S, c1$participant_id); V <- vcov(f) %*% crossprod(G) %*% vcov(f)
    #   sqrt(V["post", "post"] * ng / (ng - 1)) -> 0.179465858860617 (ng = 191 people)
    from tip_eval.stats.ordinal import cumulative_logit, phase_odds_ratio

    pre, post = c01_pairs
    res = phase_odds_ratio(pre, post)
    assert res["n"] == 191
    assert_allclose(res["log_odds_ratio"], 1.323118443204463, rtol=1e-9)
    assert_allclose(res["se"], 0.179465858860617, rtol=1e-7)
    assert_allclose(res["odds_ratio"], np.exp(1.323118443204463), rtol=1e-9)
    z = 1.959963984540054
    assert_allclose(
        [res["or_ci_low"], res["or_ci_high"]],
        np.exp(1.323118443204463 + np.array([-z, z]) * 0.179465858860617),
        rtol=1e-7,
    )
    levels = np.unique(np.concatenate([pre, post]))
    n = pre.size
    beta, _, bread = cumulative_logit(
        np.searchsorted(levels, np.concatenate([pre, post])), np.r_[np.zeros(n), np.ones(n)], levels.size
    )
    # clm's model-based standard errors: thresholds 1|2 .. 4|5, then post
    assert_allclose(
        np.sqrt(np.diag(bread)),
        [0.279715029906727, 0.171822367739567, 0.138533497129082, 0.164545696985526, 0.196260848425914],
        rtol=1e-7,
    )


def test_cumulative_logit_equals_statsmodels_ordered_model(c01_pairs):
    import pandas as pd
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    from tip_eval.stats.ordinal import phase_odds_ratio

    pre, post = c01_pairs
    n = pre.size
    ratings = np.concatenate([pre, post])
    model = OrderedModel(
        pd.Series(pd.Categorical(ratings, categories=np.unique(ratings), ordered=True)),
        pd.DataFrame({"post": np.r_[np.zeros(n), np.ones(n)]}),
        distr="logit",
    )
    fit = model.fit(
        method="newton",
        disp=False,
        cov_type="cluster",
        cov_kwds={"groups": np.r_[np.arange(n), np.arange(n)], "use_correction": False},
    )
    res = phase_odds_ratio(pre, post)
    assert_allclose(res["log_odds_ratio"], fit.params.iloc[0], rtol=1e-7)
    assert_allclose(res["se"] ** 2 * (n - 1) / n, fit.cov_params().iloc[0, 0], rtol=1e-5)  # numerical derivatives


def test_phase_odds_ratio_undefined_cases():
    from tip_eval.stats.ordinal import phase_odds_ratio

    for pre, post in (([1, 2, 1, 2], [4, 5, 4, 5]), ([3, 3, 3], [3, 3, 3]), ([1, 2], [2, 3])):
        res = phase_odds_ratio(pre, post)
        assert np.isnan(res["odds_ratio"]) and np.isnan(res["or_ci_low"])
    # direction: ratings that fall give an odds ratio below 1
    res = phase_odds_ratio([4, 5, 3, 4, 5, 4, 3, 5], [3, 4, 3, 2, 4, 3, 3, 4])
    assert res["odds_ratio"] < 1 < res["or_ci_high"] or res["or_ci_high"] < 1
