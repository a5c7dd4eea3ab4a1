"""te.retention: the delayed post-test against R, hand computation and the truth planted by make_study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import tip_eval as te
from tip_eval.analysis.retention import RETENTION_COLUMNS

# Ten people tested before, at the end of and some months after a training (invented numbers).
PRE = [40, 55, 62, 48, 70, 35, 58, 66, 51, 44]
POST = [62, 71, 75, 60, 82, 59, 70, 80, 69, 58]
DELAYED = [55, 66, 70, 52, 80, 50, 61, 77, 60, 57]

# R 4.2:
# > r <- t.test(delayed - pre); r$estimate; r$conf.int; r$p.value
# 9.9;  6.97081946630848 12.82918053369152;  3.17308919672238e-05
RETAINED = (9.9, 6.97081946630848, 12.82918053369152, 3.17308919672238e-05)
# > d <- t.test(delayed - post); d$estimate; d$conf.int; d$p.value
# -5.8;  -7.98024178180376 -3.61975821819624;  0.00019810275118429
DECAY = (-5.8, -7.98024178180376, -3.61975821819624, 0.00019810275118429)
# > t.test(post - pre)$conf.int
# 12.6083852108425 18.7916147891575
IMMEDIATE_CI = (12.6083852108425, 18.7916147891575)
# delta method, computed in R from its definition:
# > R <- delayed - pre; G <- post - pre; rho <- mean(R) / mean(G)
# > se <- sd(R - rho * G) / (sqrt(length(R)) * mean(G)); rho; rho + c(-1, 1) * qnorm(0.975) * se
# 0.630573248407643;  0.521025232209063 0.740121264606224
RATIO = (0.630573248407643, 0.521025232209063, 0.740121264606224)
# people 1-5 and 6-10 as two groups:
# > a <- 1:5; b <- 6:10
# > p.adjust(c(t.test(delayed[a] - pre[a])$p.value, t.test(delayed[b] - pre[b])$p.value), method = "holm")
# 0.0120358603717842 0.0120358603717842   (raw: 0.00601793018589211 0.00774154770848986)
# > p.adjust(c(t.test(delayed[a] - post[a])$p.value, t.test(delayed[b] - post[b])$p.value), method = "holm")
# 0.0126378586851925 0.0236719747267182   (raw: 0.00631892934259627 0.02367197472671817)
HOLM_RETAINED = (0.0120358603717842, 0.0120358603717842)
HOLM_DECAY = (0.0126378586851925, 0.0236719747267182)
# Three more people with a pre- and post-test who were not re-tested:
# > pre2 <- c(pre, 60, 52, 47); post2 <- c(post, 66, 71, 50)
# > w <- t.test((post2 - pre2)[1:10], (post2 - pre2)[11:13], var.equal = FALSE); w$estimate; w$conf.int
# 15.7 9.33333333333333;  -12.9135108105257 25.6468441438591
WELCH = (15.7, 9.33333333333333, -12.9135108105257, 25.6468441438591)


def _wide() -> pd.DataFrame:
    return pd.DataFrame(
        {"participant_id": [f"P{i:02d}" for i in range(10)], "pre": PRE, "post": POST, "delayed": DELAYED}
    )


def test_retained_gain_decay_and_ratio_equal_r():
    row = te.retention(_wide(), pre="pre", post="post", delayed="delayed").iloc[0]
    assert list(row.index) == list(RETENTION_COLUMNS)
    assert (row["n_pre_post"], row["n_delayed"], row["n"], row["pct_retested"]) == (10, 10, 10, 100.0)
    assert_allclose(
        [row["retained_gain"], row["retained_gain_ci_low"], row["retained_gain_ci_high"], row["retained_p_value"]],
        RETAINED,
        rtol=1e-12,
    )
    assert_allclose([row["decay"], row["decay_ci_low"], row["decay_ci_high"], row["decay_p_value"]], DECAY, rtol=1e-12)
    assert_allclose([row["immediate_gain_ci_low"], row["immediate_gain_ci_high"]], IMMEDIATE_CI, rtol=1e-12)
    assert_allclose(
        [row["retention_ratio"], row["retention_ratio_ci_low"], row["retention_ratio_ci_high"]], RATIO, rtol=1e-12
    )
    assert_allclose(
        [row["pre_mean"], row["post_mean"], row["delayed_mean"], row["immediate_gain"]],
        [np.mean(PRE), np.mean(POST), np.mean(DELAYED), np.mean(POST) - np.mean(PRE)],
        rtol=1e-12,
    )
    assert row["note"] == "" and np.isnan(row["months_since_training"])


def test_holm_across_groups_as_r():
    frame = _wide().assign(group=["a"] * 5 + ["b"] * 5)
    table = te.retention(frame, by="group", pre="pre", post="post", delayed="delayed")
    assert table["group"].tolist() == ["a", "b"]
    assert_allclose(table["retained_p_adjusted"], HOLM_RETAINED, rtol=1e-10)
    assert_allclose(table["decay_p_adjusted"], HOLM_DECAY, rtol=1e-10)


def test_who_was_retested_is_reported_beside_it():
    frame = pd.concat(
        [
            _wide(),
            pd.DataFrame(
                {
                    "participant_id": ["Q1", "Q2", "Q3", "Q4"],
                    "pre": [60, 52, 47, np.nan],
                    "post": [66, 71, 50, 70],
                    "delayed": [np.nan, np.nan, np.nan, 65],
                }
            ),
        ]
    )
    row = te.retention(frame, pre="pre", post="post", delayed="delayed", months=None).iloc[0]
    assert (row["n_pre_post"], row["n_delayed"], row["n"]) == (13, 11, 10)
    assert_allclose(row["pct_retested"], 100 * 10 / 13)
    assert_allclose(
        [
            row["immediate_gain"],
            row["gain_not_retested"],
            row["retested_gain_diff_ci_low"],
            row["retested_gain_diff_ci_high"],
        ],
        WELCH,
        rtol=1e-10,
    )
    assert_allclose(row["retested_gain_diff"], WELCH[0] - WELCH[1])
    # the three tests of the person without a pre-test do not count: everything is of the ten
    assert_allclose(row["retained_gain"], RETAINED[0])


def test_long_frame_and_months_column():
    wide = _wide()
    long = wide.melt(id_vars="participant_id", var_name="phase", value_name="score")
    long["months"] = 3.0
    long.loc[long["participant_id"] == "P00", "months"] = 5.0
    a = te.retention(long, phase="phase", score="score", months="months")
    b = te.retention(wide, pre="pre", post="post", delayed="delayed")
    cols = [c for c in RETENTION_COLUMNS if c != "months_since_training"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert_allclose(a["months_since_training"], (5 + 9 * 3) / 10)
    with pytest.raises(ValueError, match="delayed="):
        te.retention(wide, pre="pre", post="post")
    long.loc[0, "months"] = 7.0
    with pytest.raises(ValueError, match="changes between the rows of one subject"):
        te.retention(long, phase="phase", score="score", months="months")


def test_undefined_ratio_and_empty_groups_have_notes():
    frame = _wide()
    frame["post"] = frame["pre"] + np.array([3, -4, 2, -1, 5, -3, 1, 0, 2, -2])  # no clear immediate gain
    row = te.retention(frame, pre="pre", post="post", delayed="delayed").iloc[0]
    assert np.isnan(row["retention_ratio"]) and np.isnan(row["retention_ratio_ci_low"])
    assert "not distinguishable from 0" in row["note"]
    frame["delayed"] = np.nan
    row = te.retention(frame, pre="pre", post="post", delayed="delayed").iloc[0]
    assert (row["n"], row["note"]) == (0, "no delayed post-test in this group")
    assert np.isnan(row["retained_gain"]) and row["n_pre_post"] == 10


# --- a Study -------------------------------------------------------------------------------------------


@pytest.fixture()
def study_and_truth(sample):
    return sample


def test_study_equals_hand_computation(study_and_truth):
    study, _ = study_and_truth
    table = te.retention(study, by="training_id")
    wide = study.scores.pivot(index="participant_id", columns="phase", values="pct").dropna()
    trainings = study.participants.set_index("participant_id")["training_id"]
    wide["training_id"] = trainings.reindex(wide.index).to_numpy()
    hand = wide.assign(r=wide["delayed"] - wide["pre"], d=wide["delayed"] - wide["post"]).groupby("training_id")
    got = table.set_index("training_id")
    assert_allclose(got["retained_gain"], hand["r"].mean().reindex(got.index), rtol=1e-12)
    assert_allclose(got["decay"], hand["d"].mean().reindex(got.index), rtol=1e-12)
    assert (got["n"] == hand.size().reindex(got.index)).all()
    # months from the dates of the delayed tests (the interview days) to the end of each training
    dates = study.scores[study.scores["phase"] == "delayed"].set_index("participant_id")["test_date"]
    end = study.attributes().set_index("participant_id")["end_date"]
    months = ((dates - end.reindex(dates.index)).dt.days / (365.25 / 12)).reindex(wide.index)
    assert_allclose(got["months_since_training"], months.groupby(wide["training_id"]).mean().reindex(got.index))


def test_delayed_test_does_not_leak_into_pre_post_analyses(study_and_truth):
    study, _ = study_and_truth
    tables = {t: getattr(study, t) for t in te.schemas.TABLES}
    for t in ("responses", "scores", "confidence"):
        tables[t] = tables[t][tables[t]["phase"] != "delayed"]
    without = te.Study(**tables, check=False)
    assert (study.scores["phase"] == "delayed").sum() > 50
    for fn, kwargs in [
        (te.gains, {"by": "training_id"}),
        (te.gains, {"measure": "confidence"}),
        (te.attrition, {"by": "country"}),
        (te.item_analysis, {}),
        (te.reliability, {}),
        (te.confidence_gains, {"by": "country"}),
        (te.module_summary, {}),
    ]:
        pd.testing.assert_frame_equal(fn(study, **kwargs), fn(without, **kwargs), obj=fn.__name__)
    # a plain long frame with delayed rows gives the gains of its pre- and post-test rows
    long = study.scores[["participant_id", "phase", "pct"]]
    pd.testing.assert_frame_equal(
        te.gains(long, phase="phase", score="pct"),
        te.gains(long[long["phase"] != "delayed"], phase="phase", score="pct"),
    )


def test_confidence_at_the_delayed_test(study_and_truth):
    study, _ = study_and_truth
    row = te.retention(study, measure="confidence").iloc[0]
    means = (
        study.confidence.assign(rating=study.confidence["rating"].astype(float))
        .groupby(["participant_id", "phase"])["rating"]
        .mean()
        .unstack()
        .dropna()
    )
    assert row["n"] == len(means)
    assert_allclose(row["retained_gain"], (means["delayed"] - means["pre"]).mean(), rtol=1e-12)
    assert_allclose(row["delayed_mean"], means["delayed"].mean(), rtol=1e-12)


def test_months_from_the_setting_when_no_dates():
    study, _ = te.datasets.make_study(seed=1, n_trainings=2, participants_per_training=12)
    tables = {t: getattr(study, t) for t in te.schemas.TABLES}
    tables["scores"] = tables["scores"].assign(test_date=pd.NaT)
    tables["trainings"] = tables["trainings"].assign(delayed_test_months=[3.0, 6.0])
    undated = te.Study(**tables, check=False)
    got = te.retention(undated, by="training_id").set_index("training_id")["months_since_training"]
    assert got.tolist() == [3.0, 6.0]


def test_intervals_cover_the_planted_truth():
    """Seeded simulation: 4 synthetic studies of 200 trainings (40 registered, about 17 re-tested each).

    The 95% intervals of the immediate gain, the retained gain and the decay (paired t) and of the
    retention ratio (delta method) hold the truth make_study planted for each training about 95% of
    the time (the ratio only where the immediate gain is clear). Seeds 18000-18003, 800 trainings:
    0.9525, 0.9425, 0.9525 and 0.952 (724 ratios).
    """
    hits: dict[str, list[bool]] = {"immediate": [], "retained": [], "decay": [], "ratio": []}
    pairs = {
        "immediate": ("immediate_gain", "expected_retested_gain_pct"),
        "retained": ("retained_gain", "expected_retained_gain_pct"),
        "decay": ("decay", "expected_decay_pct"),
        "ratio": ("retention_ratio", "expected_retention_ratio"),
    }
    for seed in range(18000, 18004):
        study, truth = te.datasets.make_study(seed=seed, n_trainings=200, participants_per_training=40)
        table = te.retention(study, by="training_id").merge(truth.trainings, on="training_id")
        for name, (col, true) in pairs.items():
            ok = table[f"{col}_ci_low"].notna()
            low, high, value = (table.loc[ok, c].to_numpy() for c in (f"{col}_ci_low", f"{col}_ci_high", true))
            hits[name] += list((low <= value) & (value <= high))
    assert len(hits["retained"]) == 800 and len(hits["ratio"]) > 600
    for name, got in hits.items():
        assert 0.93 <= np.mean(got) <= 0.97, (name, np.mean(got))
