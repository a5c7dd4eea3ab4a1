"""paired_gain and paired_gain_grouped against R, scipy, hand computations and simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from stats_references import (
    SLEEP_CI,
    SLEEP_DF,
    SLEEP_GROUP1,
    SLEEP_GROUP2,
    SLEEP_MEAN_DIFF,
    SLEEP_P,
    SLEEP_T,
    SLEEP_WILCOX_P,
)

from tip_eval.stats import GAIN_COLUMNS, paired_gain, paired_gain_grouped

pytestmark = pytest.mark.filterwarnings("error")


def test_gain_columns_are_the_contract():
    # DESIGN.md section 3: result columns of gains() and te.stats.paired_gain()
    assert GAIN_COLUMNS == (
        "n_pre", "n_post", "n", "pre_mean", "pre_sd", "post_mean", "post_sd", "pre_mean_matched",
        "post_mean_matched", "mean_gain", "sd_gain", "ci_low", "ci_high", "confidence", "t", "df", "p_value", "p_wilcoxon",
        "p_adjusted", "cohens_dz", "hedges_gz", "dz_ci_low", "dz_ci_high", "d_av",
        "normalized_gain", "mean_normalized_change", "pct_improved", "pct_reliable_improved",
        "pct_reliable_declined",
    )  # fmt: skip
    res = paired_gain([1, 2, 3], [2, 4, 5])
    assert tuple(res.index) == GAIN_COLUMNS
    assert res.dtype == np.float64


def test_sleep_t_test_matches_r():
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) takes group 1 - group 2,
    # so group 2 is "pre" and group 1 is "post" here.
    res = paired_gain(SLEEP_GROUP2, SLEEP_GROUP1)
    assert_allclose(res["t"], SLEEP_T, atol=5e-5)
    assert res["df"] == SLEEP_DF
    assert_allclose(res["p_value"], SLEEP_P, atol=5e-7)
    assert_allclose([res["ci_low"], res["ci_high"]], SLEEP_CI, atol=5e-8)
    assert_allclose(res["mean_gain"], SLEEP_MEAN_DIFF, atol=5e-3)
    assert res["confidence"] == 0.95
    assert np.isnan(res["p_adjusted"])


def test_sleep_wilcoxon_matches_r():
    # R: wilcox.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE): p-value = 0.009091
    res = paired_gain(SLEEP_GROUP2, SLEEP_GROUP1)
    assert_allclose(res["p_wilcoxon"], SLEEP_WILCOX_P, atol=5e-7)
    # the same whichever way round
    assert_allclose(paired_gain(SLEEP_GROUP1, SLEEP_GROUP2)["p_wilcoxon"], SLEEP_WILCOX_P, atol=5e-7)


def test_sleep_effect_sizes_by_hand():
    res = paired_gain(SLEEP_GROUP1, SLEEP_GROUP2)
    d = SLEEP_GROUP2 - SLEEP_GROUP1
    dz = d.mean() / d.std(ddof=1)
    assert_allclose(res["cohens_dz"], dz, rtol=1e-14)
    # exact J(9) = exp(lgamma(4.5) - log(sqrt(4.5)) - lgamma(4)) = 0.913874891792553 (R), and R's
    # effectsize::hedges_g(extra ~ 1, data = data.frame(extra = sleep$extra[11:20] - sleep$extra[1:10]))
    # gives 1.1739249035142 for these pairs
    assert_allclose(res["hedges_gz"], dz * 0.913874891792553, rtol=1e-13)
    assert_allclose(res["hedges_gz"], 1.1739249035142, rtol=1e-12)
    # d_av (Lakens 2013, eq. 10): mean(D) / ((sd_pre + sd_post) / 2)
    d_av = d.mean() / ((SLEEP_GROUP1.std(ddof=1) + SLEEP_GROUP2.std(ddof=1)) / 2)
    assert_allclose(res["d_av"], d_av, rtol=1e-14)
    # noncentral-t interval: P(T <= t_obs | df = 9, lambda) = 0.975 at the lower and 0.025 at the
    # upper limit (lambda = dz * sqrt(10))
    t_obs = dz * np.sqrt(10)
    assert_allclose(stats.nct.cdf(t_obs, 9, res["dz_ci_low"] * np.sqrt(10)), 0.975, atol=1e-10)
    assert_allclose(stats.nct.cdf(t_obs, 9, res["dz_ci_high"] * np.sqrt(10)), 0.025, atol=1e-10)
    # 9 of the 10 patients slept more on drug 2 (one difference is 0)
    assert res["pct_improved"] == 90.0


def test_descriptives_use_all_available_scores_and_gains_use_pairs():
    pre = [10.0, 20.0, 30.0, np.nan, 50.0]
    post = [15.0, np.nan, 40.0, 45.0, 50.0]
    res = paired_gain(pre, post)
    assert (res["n_pre"], res["n_post"], res["n"]) == (4, 4, 3)
    # pre: 10, 20, 30, 50 -> mean 27.5; post: 15, 40, 45, 50 -> mean 37.5
    assert_allclose(res["pre_mean"], 27.5, rtol=1e-15)
    assert_allclose(res["post_mean"], 37.5, rtol=1e-15)
    assert_allclose(res["pre_sd"], np.std([10, 20, 30, 50], ddof=1), rtol=1e-15)
    # matched pairs: (10, 15), (30, 40), (50, 50): D = 5, 10, 0
    assert_allclose(res["mean_gain"], 5.0, rtol=1e-15)
    # their own means: pre (10 + 30 + 50)/3 = 30, post (15 + 40 + 50)/3 = 35, and 35 - 30 is the gain
    assert_allclose(res["pre_mean_matched"], 30.0, rtol=1e-15)
    assert_allclose(res["post_mean_matched"], 35.0, rtol=1e-15)
    assert_allclose(res["sd_gain"], 5.0, rtol=1e-15)
    assert_allclose(res["pct_improved"], 200 / 3, rtol=1e-15)


def test_hake_and_marx_cummings_by_hand():
    # max 10; people: 2->6, 4->4, 6->9, 10->10 (at max twice), 0->0 (zero twice), 8->6
    pre = [2, 4, 6, 10, 0, 8]
    post = [6, 4, 9, 10, 0, 6]
    res = paired_gain(pre, post, max_score=10)
    # Hake: mean pre = 30/6 = 5, mean post = 35/6; <g> = (35/6 - 5) / (10 - 5) = 1/6
    assert_allclose(res["normalized_gain"], 1 / 6, rtol=1e-14)
    # Marx & Cummings: c = 4/8, 0, 3/4, (dropped), (dropped), (6-8)/8 = -1/4
    # mean over the 4 kept = (0.5 + 0 + 0.75 - 0.25) / 4 = 0.25
    assert_allclose(res["mean_normalized_change"], 0.25, rtol=1e-14)
    # 2 of 6 improved
    assert_allclose(res["pct_improved"], 100 / 3, rtol=1e-14)


def test_normalised_gains_with_per_person_maximum():
    pre = [2, 4, 6, 10, 0, 8]
    post = [6, 4, 9, 10, 0, 6]
    maxima = [10, 10, 10, 10, 10, 20]
    res = paired_gain(pre, post, max_score=maxima)
    # Hake with the mean maximum 70/6: (35/6 - 30/6) / (70/6 - 30/6) = 5/40
    assert_allclose(res["normalized_gain"], 5 / 40, rtol=1e-14)
    # c of the last person is (6 - 8)/8 whatever the maximum: unchanged 0.25
    assert_allclose(res["mean_normalized_change"], 0.25, rtol=1e-14)
    frame = pd.DataFrame({"pre": pre, "post": post, "mx": maxima})
    grouped = paired_gain_grouped(frame, None, max_score="mx")
    assert_allclose(grouped["normalized_gain"].iloc[0], 5 / 40, rtol=1e-14)


def test_normalised_gains_need_a_maximum():
    res = paired_gain([1, 2], [2, 3])
    assert np.isnan(res["normalized_gain"]) and np.isnan(res["mean_normalized_change"])


def test_reliable_change_shares_by_hand():
    # pre sd = sd(10, 12, 14, 16, 18) = sqrt(10); r = 0.8: SEM = sqrt(10 * 0.2) = sqrt(2),
    # S_diff = sqrt(2) * SEM = 2, RCI = D / 2
    pre = [10, 12, 14, 16, 18]
    post = [15, 12, 13, 20, 13]
    # D = 5, 0, -1, 4, -5 -> RCI = 2.5, 0, -0.5, 2.0, -2.5: 2 improved (> 1.96), 1 declined
    res = paired_gain(pre, post, reliability=0.8)
    assert_allclose(res["pct_reliable_improved"], 40.0, rtol=1e-15)
    assert_allclose(res["pct_reliable_declined"], 20.0, rtol=1e-15)
    # a larger reference sd (S_diff = 4 with sd_pre = 2 sqrt(10)): only |D| > 7.84 counts
    res = paired_gain(pre, post, reliability=0.8, sd_pre=2 * np.sqrt(10))
    assert res["pct_reliable_improved"] == 0.0 and res["pct_reliable_declined"] == 0.0
    assert np.isnan(paired_gain(pre, post)["pct_reliable_improved"])


def test_confidence_level_is_a_column_and_changes_the_interval():
    res90 = paired_gain(SLEEP_GROUP1, SLEEP_GROUP2, confidence=0.90)
    res95 = paired_gain(SLEEP_GROUP1, SLEEP_GROUP2)
    assert res90["confidence"] == 0.90
    assert res95["ci_low"] < res90["ci_low"] < res90["ci_high"] < res95["ci_high"]
    half = stats.t.ppf(0.95, 9) * res90["sd_gain"] / np.sqrt(10)
    assert_allclose(res90["ci_high"] - res90["mean_gain"], half, rtol=1e-12)


# --- grouped: equal to scipy per group and to paired_gain row by row -------------------------


def _random_study(seed: int, n_groups: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 45, n_groups)
    group = np.repeat(np.arange(n_groups), sizes)
    pre = rng.normal(50, 15, group.size).round(1)
    post = (pre + rng.normal(rng.normal(8, 6, n_groups)[group], 10)).round(1)
    pre[rng.random(group.size) < 0.05] = np.nan
    post[rng.random(group.size) < 0.08] = np.nan
    return pd.DataFrame({"training": [f"T{g:03d}" for g in group], "pre": pre, "post": post})


def test_grouped_equals_scipy_ttest_rel_per_group():
    frame = _random_study(1, 120)
    res = paired_gain_grouped(frame, "training")
    rows = []
    for _, g in frame.groupby("training"):
        both = g.dropna(subset=["pre", "post"])
        if len(both) < 2:
            rows.append((np.nan,) * 5)
            continue
        tt = stats.ttest_rel(both["post"], both["pre"])
        ci = tt.confidence_interval(0.95)
        rows.append((tt.statistic, tt.df, tt.pvalue, ci.low, ci.high))
    expected = np.array(rows)
    got = res[["t", "df", "p_value", "ci_low", "ci_high"]].to_numpy()
    assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_grouped_wilcoxon_equals_scipy_per_group():
    # R's rule: exact below 50 non-zero differences without ties or zeros, else the normal
    # approximation with tie and continuity corrections
    rng = np.random.default_rng(7)
    sizes = rng.integers(3, 90, 80)
    group = np.repeat(np.arange(80), sizes)
    pre = rng.integers(0, 20, group.size).astype(float)
    post = pre + rng.integers(-3, 6, group.size)
    continuous = group % 3 == 0
    post[continuous] = pre[continuous] + rng.normal(1, 2, continuous.sum())
    frame = pd.DataFrame({"g": group, "pre": pre, "post": post})
    res = paired_gain_grouped(frame, "g")
    for key, g in frame.groupby("g"):
        d = (g["post"] - g["pre"]).to_numpy()
        nonzero = d[d != 0]
        tied = np.unique(np.abs(nonzero)).size < nonzero.size
        if nonzero.size < 50 and not tied and nonzero.size == d.size:
            expected = stats.wilcoxon(d, method="exact").pvalue
        else:
            expected = stats.wilcoxon(d, zero_method="wilcox", correction=True, method="asymptotic").pvalue
        assert_allclose(res.loc[key, "p_wilcoxon"], expected, rtol=1e-12)


def test_grouped_rows_equal_paired_gain():
    frame = _random_study(2, 40)
    frame["mx"] = 100.0
    res = paired_gain_grouped(frame, "training", max_score="mx", reliability=0.7)
    for key, g in frame.groupby("training"):
        single = paired_gain(g["pre"].to_numpy(), g["post"].to_numpy(), max_score=100, reliability=0.7)
        row = res.loc[key, list(GAIN_COLUMNS)].astype(float)
        keep = [c for c in GAIN_COLUMNS if c != "p_adjusted"]
        assert_allclose(row[keep].to_numpy(), single[keep].to_numpy(), rtol=1e-12, atol=0)


def test_grouped_layout_index_and_holm():
    frame = _random_study(3, 6)
    frame["country"] = np.where(frame["training"] < "T003", "KHM", "THA")
    res = paired_gain_grouped(frame, ["country", "training"])
    assert res.index.names == ["country", "training"]
    assert list(res.columns) == list(GAIN_COLUMNS)
    assert res["n"].dtype == np.int64
    assert res.index.is_monotonic_increasing
    # p_adjusted is Holm across the rows (R: p.adjust(p, "holm"))
    p = res["p_value"].to_numpy()
    order = np.argsort(p)
    holm = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]))
    expected = np.empty_like(p)
    expected[order] = holm
    assert_allclose(res["p_adjusted"].to_numpy(), expected, rtol=1e-15)
    bh = paired_gain_grouped(frame, "training", p_adjust="BH")["p_adjusted"]
    assert (bh <= paired_gain_grouped(frame, "training")["p_adjusted"] + 1e-15).all()


def test_grouped_by_none_gives_one_overall_row():
    frame = _random_study(4, 5)
    res = paired_gain_grouped(frame, None)
    assert len(res) == 1 and isinstance(res.index, pd.RangeIndex)
    single = paired_gain(frame["pre"], frame["post"])
    assert_allclose(res.iloc[0]["mean_gain"], single["mean_gain"], rtol=1e-12)
    # a family of one: the adjusted p-value is the p-value
    assert res.iloc[0]["p_adjusted"] == res.iloc[0]["p_value"]


def test_grouped_missing_key_is_its_own_group():
    frame = pd.DataFrame({"sector": ["ngo", None, "ngo", None], "pre": [1, 2, 3, 4], "post": [2, 4, 5, 7]})
    res = paired_gain_grouped(frame, "sector")
    assert res["n"].tolist() == [2, 2]
    assert res.index[0] == "ngo" and pd.isna(res.index[1])


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="`pre` and `post` are paired by position"):
        paired_gain([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="different indexes"):
        paired_gain(pd.Series([1, 2], index=["a", "b"]), pd.Series([1, 2], index=["b", "a"]))
    with pytest.raises(ValueError, match="`confidence`"):
        paired_gain([1, 2], [2, 3], confidence=95)
    with pytest.raises(ValueError, match="`max_score`"):
        paired_gain([1, 2], [2, 3], max_score=0)
    with pytest.raises(ValueError, match="`p_adjust`"):
        paired_gain_grouped(pd.DataFrame({"pre": [1.0], "post": [2.0]}), None, p_adjust="sidak")
    with pytest.raises(KeyError, match="`by`"):
        paired_gain_grouped(pd.DataFrame({"pre": [1.0], "post": [2.0]}), "country")
    with pytest.raises(ValueError, match="`pre` must contain numbers"):
        paired_gain(["a", "b"], [1, 2])


# --- edge cases: NaN results, never an exception or a warning ---------------------------------


@pytest.mark.parametrize(
    ("pre", "post"),
    [
        ([], []),
        ([5.0], [7.0]),
        ([np.nan, 3.0], [4.0, np.nan]),
        ([1.0, 2.0, 3.0], [np.nan, np.nan, np.nan]),
    ],
)
def test_too_few_pairs_give_nan(pre, post):
    res = paired_gain(pre, post, max_score=10, reliability=0.8)
    for column in ("sd_gain", "ci_low", "ci_high", "t", "df", "p_value", "cohens_dz", "hedges_gz",
                   "dz_ci_low", "dz_ci_high", "d_av"):  # fmt: skip
        assert np.isnan(res[column]), column


def test_two_pairs():
    res = paired_gain([1.0, 2.0], [3.0, 5.0])
    # D = 2, 3: t = 2.5 / (sqrt(0.5) / sqrt(2)) = 5, df = 1
    assert_allclose(res["t"], 5.0, rtol=1e-14)
    assert res["df"] == 1
    assert np.isnan(res["hedges_gz"])  # J with df = 1 is 0: undefined for n < 3
    assert np.isfinite(res["dz_ci_low"]) and np.isfinite(res["dz_ci_high"])
    # exact Wilcoxon, n = 2, V = 3: p = 2 * P(V >= 3) = 2 * 1/4
    assert res["p_wilcoxon"] == 0.5


def test_identical_gains_give_nan_inference():
    # everyone gains exactly 2: sd(D) = 0, no t-test (R: "data are essentially constant")
    res = paired_gain([1.0, 3.0, 5.0, 7.0], [3.0, 5.0, 7.0, 9.0])
    assert res["mean_gain"] == 2.0 and res["sd_gain"] == 0.0
    for column in ("ci_low", "ci_high", "t", "p_value", "cohens_dz", "hedges_gz", "dz_ci_low", "dz_ci_high"):
        assert np.isnan(res[column]), column
    assert res["df"] == 3
    assert np.isfinite(res["d_av"]) and np.isfinite(res["p_wilcoxon"])


def test_gains_that_differ_only_by_rounding_are_identical():
    # everyone gained one item of three, in percent: 33.33 - 0, 66.67 - 33.33, 100 - 66.67,
    # which differ in the last bits of the floating-point numbers
    pre = np.array([0, 100 / 3, 200 / 3])
    post = np.array([100 / 3, 200 / 3, 100])
    assert np.unique(post - pre).size > 1
    res = paired_gain(pre, post)
    assert res["sd_gain"] == 0.0 and np.isnan(res["t"]) and np.isnan(res["cohens_dz"])
    assert_allclose(res["mean_gain"], 100 / 3, rtol=1e-15)
    # and they are tied for the Wilcoxon test: V = 6, normal approximation with 3 tied ranks,
    # sigma^2 = 3*4*7/24 - (27 - 3)/48 = 3; z = (6 - 3 - 0.5)/sqrt(3)
    assert_allclose(res["p_wilcoxon"], 2 * stats.norm.sf(2.5 / np.sqrt(3)), rtol=1e-14)


def test_everyone_at_maximum_twice():
    res = paired_gain([10, 10, 10], [10, 10, 10], max_score=10, reliability=0.8)
    assert res["mean_gain"] == 0.0 and res["pct_improved"] == 0.0
    for column in ("t", "p_value", "p_wilcoxon", "cohens_dz", "d_av", "normalized_gain",
                   "mean_normalized_change", "pct_reliable_improved"):  # fmt: skip
        assert np.isnan(res[column]), column


def test_grouped_edge_groups_together():
    frame = pd.DataFrame(
        {
            "g": ["one", "two", "two", "flat", "flat", "flat", "nopost", "nopost", "max", "max"],
            "pre": [1, 1, 2, 1, 2, 3, 4, 5, 10, 10],
            "post": [2, 3, 5, 2, 3, 4, np.nan, np.nan, 10, 10],
        }
    )
    res = paired_gain_grouped(frame, "g", max_score=10, reliability=0.8)
    assert res.loc["nopost", "n"] == 0 and res.loc["nopost", "n_pre"] == 2
    assert np.isnan(res.loc["one", "t"]) and np.isnan(res.loc["flat", "t"])
    assert_allclose(res.loc["two", "t"], 5.0, rtol=1e-14)
    assert np.isnan(res.loc["max", "normalized_gain"])
    # only the group with a finite p-value counts in the Holm family
    assert res["p_adjusted"].notna().sum() == 1


# --- simulation: the intervals cover the truth about 95% of the time --------------------------


def test_intervals_cover_the_true_gain_in_simulation():
    rng = np.random.default_rng(20240601)
    n_sims = 1000
    sizes = rng.integers(5, 41, n_sims)
    group = np.repeat(np.arange(n_sims), sizes)
    true_gain, sd_pre, sd_change = 8.0, 12.0, 10.0
    pre = rng.normal(55, sd_pre, group.size)
    post = pre + rng.normal(true_gain, sd_change, group.size)
    res = paired_gain_grouped(pd.DataFrame({"sim": group, "pre": pre, "post": post}), "sim")
    covered = (res["ci_low"] < true_gain) & (true_gain < res["ci_high"])
    assert 0.93 <= covered.mean() <= 0.97
    true_dz = true_gain / sd_change
    covered_dz = (res["dz_ci_low"] < true_dz) & (true_dz < res["dz_ci_high"])
    assert 0.93 <= covered_dz.mean() <= 0.97


def test_empty_frame():
    empty = pd.DataFrame({"g": pd.Series([], dtype=str), "pre": [], "post": []}).astype({"pre": float, "post": float})
    res = paired_gain_grouped(empty, "g")
    assert res.shape == (0, len(GAIN_COLUMNS))
    overall = paired_gain_grouped(empty, None)
    assert overall["n"].tolist() == [0] and np.isnan(overall["mean_gain"].iloc[0])
