"""Tests of te.attrition() (tip_eval.analysis.attrition)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.analysis.attrition import ATTRITION_COLUMNS, attrition
from tip_eval.analysis.gains import gains


def test_counts_and_smd_by_hand():
    # a: both tests, b: both, c: both, d: pre only, e: pre only, f: post only, g: registered, no test
    frame = pd.DataFrame(
        {
            "participant_id": list("abcdefg"),
            "pre": [60, 70, 80, 40, 50, np.nan, np.nan],
            "post": [70, 75, 95, np.nan, np.nan, 80, np.nan],
        }
    )
    res = attrition(frame, pre="pre", post="post")
    assert res.columns.tolist() == list(ATTRITION_COLUMNS)
    row = res.iloc[0]
    assert (row["registered"], row["took_pre"], row["took_post"], row["matched"], row["n_dropouts"]) == (7, 5, 4, 3, 2)
    assert_allclose(row["matched_pct"], 300 / 7, rtol=1e-12)
    # Hand computation: completers' pre 60, 70, 80 (mean 70, SS 200); drop-outs' pre 40, 50 (mean 45, SS 50)
    # pooled sd = sqrt((200 + 50)/(3 + 2 - 2)) = 9.128709; smd = (70 - 45)/9.128709 = 2.738613
    assert row["pre_mean_completers"] == 70 and row["pre_mean_dropouts"] == 45
    assert_allclose(row["smd"], 25 / np.sqrt(250 / 3), rtol=1e-12)
    assert not row["bias_flag"]  # a big difference, but only 2 drop-outs
    # complete case: D = 10, 5, 15: mean 10, sd 5, t(2) 97.5% = 4.302653 (R: qt(0.975, 2))
    assert_allclose(
        [row["cc_ci_low"], row["cc_ci_high"]], 10 + np.array([-1, 1]) * 4.302653 * 5 / np.sqrt(3), atol=5e-6
    )


def test_complete_case_equals_gains(sample_study):
    res = attrition(sample_study, by="training_id")
    g = gains(sample_study, by="training_id")
    assert (res["training_id"] == g["training_id"]).all()
    assert_allclose(
        res[["cc_mean_gain", "cc_ci_low", "cc_ci_high"]].to_numpy(),
        g[["mean_gain", "ci_low", "ci_high"]].to_numpy(),
        rtol=1e-12,
    )
    assert (res["matched"] == g["n"]).all() and (res["took_pre"] == g["n_pre"]).all()
    assert res["registered"].sum() == len(sample_study.participants)


def test_no_dropouts_gives_the_complete_case_interval():
    rng = np.random.default_rng(5)
    pre = rng.normal(50, 10, 30)
    frame = pd.DataFrame(
        {"participant_id": range(30), "g": ["a", "b"] * 15, "pre": pre, "post": pre + rng.normal(5, 5, 30)}
    )
    frame.loc[0, "post"] = np.nan  # one drop-out in group a only
    res = attrition(frame, by="g", pre="pre", post="post").set_index("g")
    b = res.loc["b"]
    assert b["n_dropouts"] == 0 and np.isnan(b["smd"]) and not b["bias_flag"]
    assert_allclose(
        b[["mi_mean_gain", "mi_ci_low", "mi_ci_high"]].astype(float),
        b[["cc_mean_gain", "cc_ci_low", "cc_ci_high"]].astype(float),
        rtol=1e-12,
    )
    assert b["mi_df"] == 14 and b["conclusion_changes"] == False  # noqa: E712 (a pandas boolean)
    assert res.loc["a", "mi_df"] < 14


def test_imputations_are_reproducible_and_stable(sample_study):
    a = attrition(sample_study, by="country")
    pd.testing.assert_frame_equal(a, attrition(sample_study, by="country"))
    b = attrition(sample_study, by="country", seed=123, n_imputations=50)
    assert_allclose(a["mi_mean_gain"], b["mi_mean_gain"], atol=0.5)  # Monte Carlo error only
    assert (b["n_imputations"] == 50).all()


def test_conclusion_changes_when_dropouts_would_have_lost():
    # Completers: low pre-tests and small gains that shrink as the pre-test rises
    # (post = 20 + 0.5 * pre + noise, so gain = 20 - 0.5 * pre). Many drop-outs started high (pre 85-95):
    # imputed from the same relation they lose about 25 points, so the overall gain is no longer positive.
    rng = np.random.default_rng(0)
    pre_c = rng.uniform(10, 50, 40)
    post_c = 20 + 0.5 * pre_c + rng.normal(0, 2, 40)
    pre_d = rng.uniform(85, 95, 30)
    frame = pd.DataFrame(
        {"participant_id": range(70), "pre": np.r_[pre_c, pre_d], "post": np.r_[post_c, [np.nan] * 30]}
    )
    row = attrition(frame, pre="pre", post="post").iloc[0]
    assert row["cc_ci_low"] > 0
    assert row["mi_mean_gain"] < 0 and row["conclusion_changes"] == True  # noqa: E712
    assert row["bias_flag"] and row["smd"] < -0.2


def test_multiple_imputation_covers_the_truth_under_mar():
    # Seeded simulation: pre ~ N(50, 10), gain = 15 - 0.3 (pre - 50) + N(0, 6); the post-test is missing with
    # probability 0.6 when pre < 45, else 0.1 (missing at random given pre). True mean gain = 15.
    # The complete-case mean is biased downwards (low scorers gain more and leave more); MI is not.
    rng = np.random.default_rng(2024)
    sims, n = 200, 80
    pre = rng.normal(50, 10, (sims, n))
    post = pre + 15 - 0.3 * (pre - 50) + rng.normal(0, 6, (sims, n))
    post[rng.random((sims, n)) < np.where(pre < 45, 0.6, 0.1)] = np.nan
    frame = pd.DataFrame(
        {
            "participant_id": np.arange(sims * n),
            "sim": np.repeat(np.arange(sims), n),
            "pre": pre.ravel(),
            "post": post.ravel(),
        }
    )
    cover = cc_bias = mi_bias = 0.0
    for _, one in frame.groupby("sim"):
        r = attrition(one, pre="pre", post="post", seed=1).iloc[0]
        cover += r["mi_ci_low"] <= 15 <= r["mi_ci_high"]
        cc_bias += (r["cc_mean_gain"] - 15) / sims
        mi_bias += (r["mi_mean_gain"] - 15) / sims
    # E[pre | observed] = 52.36 (truncated normals: P(pre < 45) = 0.3085, means 38.59 and 55.09, kept with
    # probability 0.4 and 0.9), so the expected complete-case bias is -0.3 * 2.36 = -0.71
    assert cc_bias < -0.4
    assert abs(mi_bias) < 0.25  # observed about 0.01
    assert 0.90 <= cover / sims <= 0.99  # observed 0.945


def test_edge_groups_do_not_crash():
    frame = pd.DataFrame(
        {
            "participant_id": range(9),
            "g": ["all_gone"] * 3 + ["single"] + ["ok"] * 5,
            "pre": [40, 50, 60, 50, 40, 50, 60, 70, 80],
            "post": [np.nan] * 3 + [60, 45, 60, 62, 80, np.nan],
        }
    )
    res = attrition(frame, by="g", pre="pre", post="post").set_index("g")
    gone = res.loc["all_gone"]
    assert gone["matched"] == 0 and gone["n_dropouts"] == 3 and np.isnan(gone["mi_mean_gain"])
    assert np.isnan(gone["smd"]) and pd.isna(gone["conclusion_changes"])
    single = res.loc["single"]
    assert single["matched"] == 1 and np.isnan(single["cc_ci_low"]) and pd.isna(single["conclusion_changes"])
    assert np.isfinite(res.loc["ok", "mi_ci_low"])
    # too few completers to fit the imputation model at all: NaN, no error
    tiny = attrition(frame.iloc[:4], pre="pre", post="post").iloc[0]
    assert np.isnan(tiny["mi_mean_gain"]) and tiny["registered"] == 4


def test_plain_frame_equals_study_route(sample_study):
    attrs = sample_study.attributes()[["participant_id", "sector"]]
    long = sample_study.scores[["participant_id", "phase", "pct"]].merge(attrs)
    expected = attrition(sample_study, by="sector")
    got = attrition(long, by="sector", phase="phase", score="pct")
    # the roster has people with no score at all; a long frame of scores cannot know them
    no_score = set(attrs["participant_id"]) - set(long["participant_id"])
    expected_registered = expected["registered"] - attrs[attrs["participant_id"].isin(no_score)].groupby(
        "sector"
    ).size().reindex(expected["sector"]).fillna(0).to_numpy().astype(int)
    assert (got["registered"].to_numpy() == expected_registered).all()
    cols = [c for c in ATTRITION_COLUMNS if c not in ("registered", "matched_pct")]
    pd.testing.assert_frame_equal(got[cols], expected[cols])


def test_argument_errors(sample_study):
    with pytest.raises(ValueError, match="n_imputations"):
        attrition(sample_study, n_imputations=1)
    with pytest.raises(ValueError, match="confidence"):
        attrition(sample_study, confidence=95)
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['site'\]"):
        attrition(sample_study, by="site")
