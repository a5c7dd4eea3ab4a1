"""Tests of te.confidence_gains() and te.knowledge_vs_confidence() (tip_eval.analysis.confidence)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.analysis.confidence import (
    CONFIDENCE_GAIN_COLUMNS,
    KNOWLEDGE_CONFIDENCE_COLUMNS,
    confidence_gains,
    knowledge_vs_confidence,
)


def ratings_frame(pre, post, competency="C1", prefix="p"):
    return pd.DataFrame(
        {
            "participant_id": [f"{prefix}{i}" for i in range(len(pre))] + [f"{prefix}{i}" for i in range(len(post))],
            "phase": ["pre"] * len(pre) + ["post"] * len(post),
            "competency_id": competency,
            "rating": list(pre) + list(post),
        }
    )


# --- confidence_gains -----------------------------------------------------------------------------


def test_ordinal_statistics_by_hand():
    # pre  = 2 3 3 4 1 2,  post = 4 3 4 5 3 1  ->  D = 2 0 1 1 2 -1
    # Hand computation: medians 2.5 and 3.5; agree (4-5): 1/6 before, 3/6 after.
    # Wilcoxon's method drops the zero: |D| = 2 1 1 2 1, average ranks 4.5 2 2 4.5 2; T+ = 13, T- = 2
    # rank-biserial (Kerby 2014) = (13 - 2)/15 = 0.7333333
    # R's wilcox.test(post, pre, paired = TRUE) (normal approximation, ties and zeros present):
    # n = 5, mu = 7.5, sigma^2 = 5*6*11/24 - (3^3 - 3 + 2^3 - 2)/48 = 13.125,
    # z = (13 - 7.5 - 0.5)/sqrt(13.125) = 1.380131, p = 2 * (1 - pnorm(z)) = 0.1675463
    res = confidence_gains(ratings_frame([2, 3, 3, 4, 1, 2], [4, 3, 4, 5, 3, 1]))
    assert res.columns.tolist() == list(CONFIDENCE_GAIN_COLUMNS)
    row = res.iloc[0]
    assert (row["n_pre"], row["n_post"], row["n"]) == (6, 6, 6)
    assert (row["median_pre"], row["median_post"]) == (2.5, 3.5)
    assert_allclose([row["pct_agree_pre"], row["pct_agree_post"]], [100 / 6, 50.0], rtol=1e-12)
    assert_allclose(row["rank_biserial"], 11 / 15, rtol=1e-12)
    assert_allclose(row["p_wilcoxon"], 0.1675463, atol=5e-8)
    assert row["competency"] == "C1"  # a plain frame has no labels: the id stands in
    # proportional odds: R ordinal::clm(r ~ post) on these 12 ratings, coef "post" = 1.46676076426832
    # (ordered factor r <- c(2,3,3,4,1,2, 4,3,4,5,3,1), post <- rep(0:1, each = 6))
    assert_allclose(np.log(row["odds_ratio"]), 1.46676076426832, rtol=1e-8)
    assert row["or_ci_low"] < row["odds_ratio"] < row["or_ci_high"] and 0 < row["p_ordinal"] < 1


def test_wilson_interval_of_the_share_agreeing():
    # Newcombe (1998), Table I, method 3 (Wilson, no continuity correction): 15 of 148 -> 0.0624 to 0.1605
    pre = [4] * 15 + [2] * 133
    res = confidence_gains(ratings_frame(pre, [3] * 148)).iloc[0]
    assert_allclose([res["pct_agree_pre_ci_low"], res["pct_agree_pre_ci_high"]], [6.24, 16.05], atol=5e-3)
    assert res["pct_agree_post"] == 0.0 and res["pct_agree_post_ci_low"] == 0.0


def test_grouped_equals_scipy_per_group_and_holm_over_all_rows(sample_study):
    from scipy import stats

    from tip_eval.stats.multitest import p_adjust

    res = confidence_gains(sample_study, by="country")
    assert res.columns.tolist() == ["country", *CONFIDENCE_GAIN_COLUMNS]
    assert len(res) == 3 * 7
    conf = sample_study.confidence.merge(sample_study.attributes()[["participant_id", "country"]])
    wide = conf.pivot_table(
        index=["country", "competency_id", "participant_id"], columns="phase", values="rating", aggfunc="first"
    )[["pre", "post"]].dropna()
    for (country, comp), grp in wide.groupby(level=[0, 1]):  # the per-group loop an analyst would write
        row = res[(res["country"] == country) & (res["competency_id"] == comp)].iloc[0]
        d = (grp["post"] - grp["pre"]).astype(float)
        p = stats.wilcoxon(d, zero_method="wilcox", correction=True, method="asymptotic").pvalue
        assert_allclose(row["p_wilcoxon"], p, rtol=1e-12)
        assert row["n"] == len(grp)
        assert row["median_post"] == grp["post"].astype(float).median()
        assert_allclose(row["pct_agree_post"], 100 * (grp["post"] >= 4).mean(), rtol=1e-12)
    assert_allclose(res["p_adjusted"], p_adjust(res["p_wilcoxon"].to_numpy(), "holm"), rtol=1e-15)
    labels = dict(zip(sample_study.competencies["competency_id"], sample_study.competencies["label"]))
    assert (res["competency"] == res["competency_id"].map(labels)).all()


def test_plain_frame_equals_study_route(sample_study):
    attrs = sample_study.attributes()[["participant_id", "sector"]]
    frame = sample_study.confidence.merge(attrs).rename(columns={"competency_id": "skill", "rating": "score"})
    expected = confidence_gains(sample_study, by="sector").drop(columns="competency")
    got = confidence_gains(frame, by="sector", competency="skill", rating="score").drop(columns="competency")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_edge_cases_give_nan_not_errors():
    frame = pd.concat(
        [
            ratings_frame([3], [4], "C1", "a"),  # one pair
            ratings_frame([3, 3], [3, 3], "C2", "b"),  # no change at all
            ratings_frame([2, 4], [], "C3", "c"),  # nobody rated after
        ]
    )
    res = confidence_gains(frame).set_index("competency_id")
    assert res.loc["C1", "n"] == 1 and res.loc["C1", "rank_biserial"] == 1.0
    assert np.isnan(res.loc["C2", "p_wilcoxon"]) and np.isnan(res.loc["C2", "rank_biserial"])
    c3 = res.loc["C3"]
    assert (c3["n_pre"], c3["n_post"], c3["n"]) == (2, 0, 0)
    assert np.isnan(c3[["median_pre", "pct_agree_pre", "pct_agree_pre_ci_low", "p_wilcoxon"]].astype(float)).all()


def test_confidence_gains_errors(sample_study):
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['region'\].*country"):
        confidence_gains(sample_study, by="region")
    with pytest.raises(ValueError, match="rating='rating': not a column"):
        confidence_gains(pd.DataFrame({"participant_id": ["a"], "phase": ["pre"], "competency_id": ["C1"]}))
    dup = pd.concat([ratings_frame([3], [4]), ratings_frame([3], [4])])
    with pytest.raises(ValueError, match="more than one rating"):
        confidence_gains(dup)


# --- knowledge_vs_confidence ---------------------------------------------------------------------------


def test_overconfidence_counts_by_hand():
    # knowledge change  +10, 0, -5, +20, 0;  confidence change +1, +0.5, +1, 0, -0.5
    # more confident: people 1, 2, 3; over-confident (more confident, knowledge change <= 0): people 2 and 3
    frame = pd.DataFrame(
        {
            "participant_id": list("abcde"),
            "k0": [50, 60, 70, 40, 80],
            "k1": [60, 60, 65, 60, 80],
            "c0": [3, 3, 2, 4, 4.5],
            "c1": [4, 3.5, 3, 4, 4],
        }
    )
    res = knowledge_vs_confidence(
        frame, knowledge_pre="k0", knowledge_post="k1", confidence_pre="c0", confidence_post="c1"
    )
    assert res.columns.tolist() == list(KNOWLEDGE_CONFIDENCE_COLUMNS)
    row = res.iloc[0]
    assert (row["n"], row["n_knowledge_improved"], row["n_more_confident"], row["n_overconfident"]) == (5, 2, 3, 2)
    assert row["pct_overconfident"] == 40.0
    assert_allclose(row["mean_knowledge_change"], 5.0, rtol=1e-12)
    assert_allclose(row["mean_confidence_change"], 0.4, rtol=1e-12)


def test_correlations_equal_scipy_per_group(sample_study):
    from scipy import stats

    res = knowledge_vs_confidence(sample_study, by="training_id")
    scores = sample_study.scores.pivot(index="participant_id", columns="phase", values="pct")
    conf = (
        sample_study.confidence.assign(r=lambda f: f["rating"].astype(float))
        .groupby(["participant_id", "phase"])["r"]
        .mean()
        .unstack()
    )
    people = sample_study.attributes().set_index("participant_id")[["training_id"]]
    people["dk"] = scores["post"] - scores["pre"]
    people["dc"] = conf["post"] - conf["pre"]
    people = people.dropna()
    for i, (training, grp) in enumerate(people.groupby("training_id", sort=True)):
        row = res.iloc[i]
        assert row["training_id"] == training and row["n"] == len(grp)
        sp = stats.spearmanr(grp["dk"], grp["dc"])
        pr = stats.pearsonr(grp["dk"], grp["dc"])
        ci = pr.confidence_interval(0.95)  # Fisher z, 1/sqrt(n - 3)
        assert_allclose([row["r_spearman"], row["p_spearman"]], [sp.statistic, sp.pvalue], rtol=1e-10)
        assert_allclose(
            [row["r_pearson"], row["p_pearson"], row["pearson_ci_low"], row["pearson_ci_high"]],
            [pr.statistic, pr.pvalue, ci.low, ci.high],
            rtol=1e-10,
        )
        # Spearman interval: Fisher z with the Fieller-Hartley-Pearson (1957) standard error sqrt(1.06/(n-3))
        half = 1.959963984540054 * np.sqrt(1.06 / (len(grp) - 3))
        assert_allclose(
            [row["spearman_ci_low"], row["spearman_ci_high"]],
            np.tanh(np.arctanh(sp.statistic) + np.array([-half, half])),
            rtol=1e-12,
        )


def test_overconfident_sector_is_recovered(sample):
    from tip_eval.datasets import make_study

    for study, truth in [sample, make_study(seed=3)]:
        res = knowledge_vs_confidence(study, by="sector").set_index("sector")
        main = res.loc[["government_social_services", "law_enforcement", "ngo"]]
        assert main["pct_overconfident"].idxmax() == truth.overconfident_sector
        assert (
            main["mean_confidence_change"] - main["mean_knowledge_change"] / 25
        ).idxmax() == truth.overconfident_sector


def test_plain_frame_equals_study_route_and_small_groups(sample_study):
    scores = sample_study.scores.pivot(index="participant_id", columns="phase", values="pct")
    conf = (
        sample_study.confidence.assign(r=lambda f: f["rating"].astype(float))
        .groupby(["participant_id", "phase"])["r"]
        .mean()
        .unstack()
    )
    frame = sample_study.attributes()[["participant_id", "country"]].set_index("participant_id")
    frame = frame.join(scores.add_prefix("k_")).join(conf.add_prefix("c_")).reset_index()
    got = knowledge_vs_confidence(
        frame,
        by="country",
        knowledge_pre="k_pre",
        knowledge_post="k_post",
        confidence_pre="c_pre",
        confidence_post="c_post",
    )
    pd.testing.assert_frame_equal(got, knowledge_vs_confidence(sample_study, by="country"))
    tiny = frame.iloc[:3].assign(country=["A", "B", "B"], k_post=[np.nan, 80, 80])
    res = knowledge_vs_confidence(
        tiny,
        by="country",
        knowledge_pre="k_pre",
        knowledge_post="k_post",
        confidence_pre="c_pre",
        confidence_post="c_post",
    ).set_index("country")
    assert (
        res.loc["A", "n"] == 0 and np.isnan(res.loc["A", "r_pearson"]) and np.isnan(res.loc["A", "pct_overconfident"])
    )
    assert (
        res.loc["B", "n"] == 2
        and np.isnan(res.loc["B", ["r_spearman", "p_pearson", "pearson_ci_low"]].astype(float)).all()
    )
