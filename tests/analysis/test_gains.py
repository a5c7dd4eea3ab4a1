"""Tests of te.gains() and te.reliability() (tip_eval.analysis.gains).

Reference values carry their source in a comment: R output, or a hand computation written out.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.analysis.gains import GAIN_COLUMNS, gains, reliability
from tip_eval.study import Study

# R's `sleep` data (Student 1908; datasets::sleep), extra sleep under drug 1 and drug 2, paired by ID
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


@pytest.fixture(scope="module")
def tiny() -> Study:
    """Six registered people, a 4-item test (2 modules), two competencies.

    Pre-test item scores (rows p1..p5; p6 took no test):   post-test (p5 dropped out):
        p1: 1 1 1 1   total 4 (100%)                         p1: 1 1 1 1   4 (100%)
        p2: 1 1 1 0         3 (75%)                          p2: 1 1 1 1   4 (100%)
        p3: 1 1 0 0         2 (50%)                          p3: 1 1 1 0   3 (75%)
        p4: 1 0 0 0         1 (25%)                          p4: 0 1 0 0   1 (25%)
        p5: 0 0 0 0         0 (0%)
    Q1, Q2 are "identification", Q3, Q4 "definitions_law".
    """
    trainings = pd.DataFrame(
        {
            "training_id": ["T1", "T2"],
            "country": ["KHM", "THA"],
            "province": ["Siem Reap", "Tak"],
            "venue": ["Siem Reap", "Mae Sot"],
            "organiser": ["Org", "Org"],
            "start_date": pd.to_datetime(["2023-05-01", "2023-06-01"]),
            "end_date": pd.to_datetime(["2023-05-03", "2023-06-03"]),
            "language": ["km", "th"],
            "curriculum_version": ["RTC-2020", "RTC-2020"],
        }
    )
    participants = pd.DataFrame(
        {
            "participant_id": [f"p{i}" for i in range(1, 7)],
            "training_id": ["T1", "T1", "T1", "T2", "T2", "T2"],
            "sector": ["ngo", "ngo", "law_enforcement", "law_enforcement", "ngo", "ngo"],
            "organisation": "Org",
            "role": "Case worker",
            "gender": "woman",
            "years_experience": 3.0,
        }
    )
    items = pd.DataFrame(
        {
            "item_id": ["Q1", "Q2", "Q3", "Q4"],
            "module": ["identification"] * 2 + ["definitions_law"] * 2,
            "text": "?",
            "correct_answer": "A",
            "points": 1.0,
            "n_options": 4,
        }
    )
    pre = {"p1": [1, 1, 1, 1], "p2": [1, 1, 1, 0], "p3": [1, 1, 0, 0], "p4": [1, 0, 0, 0], "p5": [0, 0, 0, 0]}
    post = {"p1": [1, 1, 1, 1], "p2": [1, 1, 1, 1], "p3": [1, 1, 1, 0], "p4": [0, 1, 0, 0]}
    tr = dict(zip(participants["participant_id"], participants["training_id"]))
    rows = [
        {
            "participant_id": p,
            "phase": ph,
            "item_id": f"Q{j + 1}",
            "training_id": tr[p],
            "answer": "A" if v else "B",
            "score": float(v),
        }
        for ph, table in (("pre", pre), ("post", post))
        for p, vals in table.items()
        for j, v in enumerate(vals)
    ]
    conf_pre = {"p1": [3, 4], "p2": [2, 2], "p3": [3, 3], "p4": [1, 2], "p5": [4, 4]}
    conf_post = {"p1": [4, 5], "p2": [3, 4], "p3": [3, 3], "p4": [2, 2]}
    conf = [
        {"participant_id": p, "phase": ph, "competency_id": c, "rating": r}
        for ph, table in (("pre", conf_pre), ("post", conf_post))
        for p, vals in table.items()
        for c, r in zip(["C1", "C2"], vals)
    ]
    competencies = pd.DataFrame(
        {
            "competency_id": ["C1", "C2"],
            "label": ["Identify a victim", "Refer a victim"],
            "label_km": None,
            "label_th": None,
            "label_id": None,
        }
    )
    return Study(
        trainings=trainings,
        participants=participants,
        items=items,
        responses=pd.DataFrame(rows),
        competencies=competencies,
        confidence=pd.DataFrame(conf),
    )


# --- references -----------------------------------------------------------------------------------


def test_sleep_data_matches_r_t_test_and_wilcox_test():
    frame = pd.DataFrame({"id": range(1, 11), "drug1": SLEEP_1, "drug2": SLEEP_2})
    res = gains(frame, subject="id", pre="drug1", post="drug2").iloc[0]
    # R 4.x: t.test(extra ~ group, data = sleep, paired = TRUE)
    #   t = -4.0621, df = 9, p-value = 0.002833, 95 percent CI -2.4598858 -0.7001142, mean difference -1.58
    #   (group 1 - group 2; here post - pre = group 2 - group 1, so the signs flip)
    assert_allclose(res["t"], 4.0621, atol=5e-5)
    assert res["df"] == 9
    assert_allclose(res["p_value"], 0.002833, atol=5e-7)
    assert_allclose([res["ci_low"], res["ci_high"]], [0.7001142, 2.4598858], atol=5e-8)
    assert_allclose(res["mean_gain"], 1.58, atol=1e-12)
    # R 4.x: wilcox.test(sleep$extra[1:10], sleep$extra[11:20], paired = TRUE): V = 0, p-value = 0.009091
    assert_allclose(res["p_wilcoxon"], 0.009091, atol=5e-7)
    assert list(frame.columns) == ["id", "drug1", "drug2"]  # input untouched


def test_pairs_are_matched_by_subject_not_row_order():
    rng = np.random.default_rng(1)
    long = pd.DataFrame(
        {
            "who": [f"s{i}" for i in range(10)] * 2,
            "when": ["pre"] * 10 + ["POST "] * 10,
            "x": SLEEP_1 + SLEEP_2,
        }
    ).iloc[rng.permutation(20)]
    res = gains(long, subject="who", phase="when", score="x").iloc[0]
    wide = gains(pd.DataFrame({"who": range(10), "a": SLEEP_1, "b": SLEEP_2}), subject="who", pre="a", post="b")
    pd.testing.assert_series_equal(res, wide.iloc[0])


def test_normalised_gains_by_hand():
    # Hand computation (DESIGN.md section 4), max 100, pairs (pre, post):
    # (50, 75): c = 25/50 = 0.5;  (80, 60): c = -20/80 = -0.25;  (100, 100): dropped (pre = post = max);
    # (60, 60): c = 0.  mean c = (0.5 - 0.25 + 0)/3 = 0.0833333
    # Hake: pre mean 72.5, post mean 73.75, g = 1.25 / (100 - 72.5) = 0.0454545
    frame = pd.DataFrame({"participant_id": list("abcd"), "pre": [50, 80, 100, 60], "post": [75, 60, 100, 60]})
    res = gains(frame, pre="pre", post="post", max_score=100).iloc[0]
    assert_allclose(res["mean_normalized_change"], 0.25 / 3, rtol=1e-12)
    assert_allclose(res["normalized_gain"], 1.25 / 27.5, rtol=1e-12)
    assert np.isnan(gains(frame, pre="pre", post="post")["normalized_gain"].iloc[0])  # no maximum given


def test_confidence_normalised_gains_use_the_floor_of_one():
    # Hand computation on the 1-5 scale (floor 1, ceiling 5), pairs (pre, post):
    # (2, 4): c = (4-2)/(5-2) = 2/3;  (4, 3): c = (3-4)/(4-1) = -1/3;  (5, 5): dropped (max twice);
    # (1, 1): dropped (floor twice).  mean c = (2/3 - 1/3)/2 = 1/6
    # Hake: pre mean 3, post mean 3.25, g = 0.25/(5 - 3) = 0.125
    frame = pd.DataFrame({"participant_id": list("abcd"), "pre": [2, 4, 5, 1], "post": [4, 3, 5, 1]})
    res = gains(frame, measure="confidence", pre="pre", post="post").iloc[0]
    assert_allclose(res["mean_normalized_change"], 1 / 6, rtol=1e-12)
    assert_allclose(res["normalized_gain"], 0.125, rtol=1e-12)
    assert res["pre_mean"] == 3.0 and res["post_mean"] == 3.25  # reported in rating units, not shifted


def test_reliable_change_by_hand():
    # Jacobson & Truax (1991): SEM = sd_pre * sqrt(1 - r), S_diff = sqrt(2) * SEM, reliable when |D/S_diff| > 1.96.
    # pre = 40, 50, 60, 70: sd = 12.909944; r = 0.8: 1.96 * S_diff = 1.96 * 12.909944 * sqrt(0.2) * sqrt(2) = 16.0033
    # D = 20 (improved), 5, -20 (declined), 1  ->  25% reliably improved, 25% reliably declined
    frame = pd.DataFrame({"participant_id": list("abcd"), "pre": [40, 50, 60, 70], "post": [60, 55, 40, 71]})
    res = gains(frame, pre="pre", post="post", reliability=0.8).iloc[0]
    assert res["pct_reliable_improved"] == 25.0 and res["pct_reliable_declined"] == 25.0
    assert np.isnan(gains(frame, pre="pre", post="post")["pct_reliable_improved"].iloc[0])  # no reliability known


def test_tiny_study_by_hand(tiny):
    study = tiny
    res = gains(study).iloc[0]
    # pre % of p1..p5: 100, 75, 50, 25, 0; post % of p1..p4: 100, 100, 75, 25; p6 took nothing
    assert (res["n_pre"], res["n_post"], res["n"]) == (5, 4, 4)
    assert_allclose(res["pre_mean"], 50.0, rtol=1e-12)  # all available pre scores
    assert_allclose(res["post_mean"], 75.0, rtol=1e-12)
    assert_allclose(res["mean_gain"], 12.5, rtol=1e-12)  # D = 0, 25, 25, 0
    # the four pairs' own means, (100 + 75 + 50 + 25)/4 and (100 + 100 + 75 + 25)/4: post - pre = gain
    assert_allclose(res["pre_mean_matched"], 62.5, rtol=1e-12)
    assert_allclose(res["post_mean_matched"], 75.0, rtol=1e-12)
    assert_allclose(res["sd_gain"], np.sqrt(625 / 3), rtol=1e-12)
    assert_allclose(res["pct_improved"], 50.0, rtol=1e-12)
    by_training = gains(study, by="training_id")
    assert by_training["training_id"].tolist() == ["T1", "T2"]
    t2 = by_training.iloc[1]  # p4 (25 -> 25), p5 (pre only), p6 (nothing): a group of one pair
    assert (t2["n_pre"], t2["n_post"], t2["n"]) == (2, 1, 1)
    assert t2["mean_gain"] == 0.0 and np.isnan(t2["sd_gain"]) and np.isnan(t2["t"]) and np.isnan(t2["p_adjusted"])


def test_module_restricts_to_the_modules_items(tiny):
    study = tiny
    res = gains(study, module="identification").iloc[0]
    # Q1, Q2 pre: p1..p5 = 2, 2, 2, 1, 0 of 2 -> 100, 100, 100, 50, 0 %; post p1..p4 = 100, 100, 100, 50 %
    assert_allclose(res["pre_mean"], 70.0, rtol=1e-12)
    assert res["mean_gain"] == 0.0 and res["sd_gain"] == 0.0
    assert np.isnan(res["t"]) and np.isnan(res["cohens_dz"])  # no variation in the gains: no t-test
    with pytest.raises(ValueError, match="definitions_law, identification"):
        gains(study, module="law")


def test_reliability_kr20_by_hand(tiny):
    study = tiny
    rel = reliability(study)
    assert rel.columns.tolist() == [
        "phase",
        "method",
        "n",
        "k",
        "estimate",
        "ci_low",
        "ci_high",
        "confidence",
        "sem",
        "sem_pct",
    ]
    pre = rel.iloc[0]
    # Hand computation, Kuder & Richardson (1937): p = .8, .6, .4, .2, sum pq = .8; totals 4, 3, 2, 1, 0 with
    # variance (N denominator) 2; KR-20 = 4/3 * (1 - .8/2) = 0.8.
    # SEM = sd(totals, ddof=1) * sqrt(1 - .8) = sqrt(2.5) * sqrt(.2) = 0.7071068 points = 17.67767% of 4
    assert (pre["phase"], pre["method"], pre["n"], pre["k"]) == ("pre", "kr20", 5, 4)
    assert_allclose(pre["estimate"], 0.8, rtol=1e-12)
    assert_allclose(pre["sem"], np.sqrt(0.5), rtol=1e-12)
    assert_allclose(pre["sem_pct"], 100 * np.sqrt(0.5) / 4, rtol=1e-12)
    assert pre["ci_low"] < 0.8 < pre["ci_high"]
    # module identification, Q1 = 1,1,1,1,0 and Q2 = 1,1,1,0,0: sum pq = .16 + .24 = .4; totals 2,2,2,1,0 with
    # variance .64; KR-20 = 2 * (1 - .4/.64) = 0.75
    assert_allclose(reliability(study, module="identification")["estimate"].iloc[0], 0.75, rtol=1e-12)


def test_reliability_plain_frame_equals_study_route(tiny):
    study = tiny
    resp = study.responses[["participant_id", "phase", "item_id", "score"]]
    pd.testing.assert_frame_equal(reliability(resp), reliability(study))
    conf = study.confidence.rename(columns={"competency_id": "item_id"})
    pd.testing.assert_frame_equal(reliability(conf, measure="confidence"), reliability(study, measure="confidence"))


def test_default_reliability_is_the_studys_own_pre_test(sample_study):
    from tip_eval.stats.reliability import reliable_change

    rel = reliability(sample_study)
    r_pre = rel.loc[rel["phase"] == "pre", "estimate"].item()
    default = gains(sample_study, by="country")
    given = gains(sample_study, by="country", reliability=r_pre)
    pd.testing.assert_frame_equal(default, given)
    # by hand from the per-person RCI, with the study-wide pre-test sd
    wide = sample_study.scores.pivot(index="participant_id", columns="phase", values="pct")
    rc = reliable_change(wide["pre"], wide["post"], r_pre).dropna(subset=["rci"])
    country = sample_study.attributes().set_index("participant_id")["country"]
    share = (rc["category"] == "improved").groupby(country.reindex(rc.index)).mean() * 100
    assert_allclose(default.set_index("country")["pct_reliable_improved"], share.sort_index(), rtol=1e-12)


# --- one grouped pass equals a per-group loop ---------------------------------------------------------


@pytest.mark.parametrize("by", ["training_id", ["country", "sector"]])
def test_grouped_equals_scipy_ttest_rel_per_group(sample_study, by):
    from scipy import stats

    res = gains(sample_study, by=by)
    wide = sample_study.scores.pivot(index="participant_id", columns="phase", values="pct")
    people = sample_study.attributes().set_index("participant_id").join(wide).dropna(subset=["pre", "post"])
    keys = [by] if isinstance(by, str) else by
    expected = []
    for _key, grp in people.groupby(keys, sort=True):  # the loop an analyst would write
        tt = stats.ttest_rel(grp["post"], grp["pre"])
        ci = tt.confidence_interval(0.95)
        expected.append([tt.statistic, tt.df, tt.pvalue, ci.low, ci.high, (grp["post"] - grp["pre"]).mean()])
    expected = np.array(expected)
    got = res[["t", "df", "p_value", "ci_low", "ci_high", "mean_gain"]].to_numpy()
    assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_p_adjusted_is_holm_across_the_rows(sample_study):
    from tip_eval.stats.multitest import p_adjust

    res = gains(sample_study, by="training_id")
    assert_allclose(res["p_adjusted"], p_adjust(res["p_value"].to_numpy(), "holm"), rtol=1e-15)
    bh = gains(sample_study, by="training_id", p_adjust="BH")
    assert_allclose(bh["p_adjusted"], p_adjust(res["p_value"].to_numpy(), "BH"), rtol=1e-15)


# --- the simulation recovers the planted effects --------------------------------------------------


def test_recovers_planted_gains_and_the_overconfident_sector(sample):
    from tip_eval.datasets import make_study

    covered = total = 0
    for study, truth in [sample, make_study(seed=1), make_study(seed=2)]:
        table = gains(study, by="training_id").merge(truth.trainings, on="training_id")
        covered += (
            (table["ci_low"] <= table["expected_gain_pct"]) & (table["expected_gain_pct"] <= table["ci_high"])
        ).sum()
        total += len(table)
        assert_allclose(table["mean_gain"], table["expected_gain_pct"], atol=7.0)
        main = ["government_social_services", "law_enforcement", "ngo"]  # "other" has a handful of people
        know = gains(study, by="sector").set_index("sector").loc[main]
        conf = gains(study, by="sector", measure="confidence").set_index("sector").loc[main]
        assert know["mean_gain"].idxmin() == truth.overconfident_sector
        assert conf["mean_gain"].idxmax() == truth.overconfident_sector
        # confidence gain minus knowledge gain, both standardised (d_z), is largest where planted
        assert (conf["cohens_dz"] - know["cohens_dz"]).idxmax() == truth.overconfident_sector
    assert covered / total >= 0.85  # 95% intervals: 21 intervals, expect about 20


# --- Study and plain frames agree --------------------------------------------------------------------


def test_plain_frames_give_the_study_result(sample_study):
    from tip_eval.analysis.inputs import pre_test_reliability

    r = pre_test_reliability(sample_study)
    attrs = sample_study.attributes()[["participant_id", "sector", "country"]]
    long = sample_study.scores[["participant_id", "phase", "pct"]].merge(attrs, on="participant_id")
    wide = attrs.merge(
        long.pivot(index="participant_id", columns="phase", values="pct").reset_index(), on="participant_id", how="left"
    )
    expected = gains(sample_study, by=["country", "sector"])
    from_long = gains(long, by=["country", "sector"], phase="phase", score="pct", max_score=100, reliability=r)
    from_wide = gains(wide, by=["country", "sector"], pre="pre", post="post", max_score=100, reliability=r)
    pd.testing.assert_frame_equal(from_long, expected, check_dtype=False)
    pd.testing.assert_frame_equal(from_wide, expected, check_dtype=False)


def test_matched_means_subtract_to_the_gain(sample_study):
    for measure in ("knowledge", "confidence"):  # confidence: the 1-5 scale, shifted to 0-4 inside
        g = gains(sample_study, by="training_id", measure=measure)
        assert_allclose(g["post_mean_matched"] - g["pre_mean_matched"], g["mean_gain"], atol=1e-10)
        assert (g["pre_mean_matched"] != g["pre_mean"]).any()  # drop-outs: everyone-tested means differ


def test_confidence_measure_is_the_mean_rating(sample_study):
    conf = sample_study.confidence
    mean = conf.assign(r=conf["rating"].astype(float)).groupby(["participant_id", "phase"])["r"].mean().reset_index()
    res = gains(sample_study, measure="confidence").iloc[0]
    from_frame = gains(
        mean,
        measure="confidence",
        phase="phase",
        score="r",
        reliability=reliability(sample_study, measure="confidence")["estimate"].iloc[0],
    ).iloc[0]
    pd.testing.assert_series_equal(res, from_frame)
    assert_allclose(res["pre_mean"], mean.loc[mean["phase"] == "pre", "r"].mean(), rtol=1e-12)


# --- edge cases: NaN rows, not crashes ---------------------------------------------------------------


def test_edge_groups_give_nan_rows():
    frame = pd.DataFrame(
        {
            "participant_id": [f"p{i}" for i in range(12)],
            "g": ["one", "two", "two", "flat", "flat", "flat", "max", "max", "max", "nopost", "nopost", "nopost"],
            "pre": [50, 40, 60, 30, 40, 50, 100, 100, 100, 20, 30, 40],
            "post": [70, 60, 65, 40, 50, 60, 100, 100, 100, np.nan, np.nan, np.nan],
        }
    )
    res = gains(frame, by="g", pre="pre", post="post", max_score=100, reliability=0.8).set_index("g")
    assert res.columns.tolist() == list(GAIN_COLUMNS)
    one, two, flat, top, nopost = (res.loc[k] for k in ["one", "two", "flat", "max", "nopost"])
    assert one["n"] == 1 and one["mean_gain"] == 20 and np.isnan(one[["sd_gain", "t", "ci_low", "cohens_dz"]]).all()
    assert two["n"] == 2 and np.isfinite(two["t"]) and np.isnan(two["hedges_gz"])
    assert flat["sd_gain"] == 0 and flat["mean_gain"] == 10 and np.isnan(flat[["t", "p_value", "cohens_dz"]]).all()
    assert top["mean_gain"] == 0 and np.isnan(top["normalized_gain"]) and np.isnan(top["mean_normalized_change"])
    assert nopost["n_pre"] == 3 and nopost["n"] == 0 and nopost["n_post"] == 0
    assert np.isnan(nopost.drop(["n_pre", "n_post", "n", "pre_mean", "pre_sd", "confidence"]).astype(float)).all()
    # the adjusted p-values count only the rows that have a p-value
    assert np.isnan(res["p_adjusted"]).sum() == 4


def test_missing_phase_everywhere_and_empty_groups():
    frame = pd.DataFrame({"participant_id": ["a", "b"], "phase": ["pre", "pre"], "score": [10.0, 20.0]})
    res = gains(frame, phase="phase", score="score").iloc[0]
    assert (res["n_pre"], res["n_post"], res["n"]) == (2, 0, 0) and np.isnan(res["mean_gain"])


def test_missing_group_key_is_its_own_group():
    frame = pd.DataFrame(
        {"participant_id": list("abcd"), "g": ["x", "x", None, None], "pre": [1.0, 2, 3, 4], "post": [2.0, 4, 3, 6]}
    )
    res = gains(frame, by="g", pre="pre", post="post")
    assert res["n"].tolist() == [2, 2] and res["g"].iloc[0] == "x" and pd.isna(res["g"].iloc[1])


# --- argument errors -----------------------------------------------------------------------------------


def test_unknown_by_names_the_allowed_columns(sample_study):
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['region'\].*country.*sector.*training_id"):
        gains(sample_study, by="region")
    frame = pd.DataFrame({"participant_id": ["a"], "pre": [1.0], "post": [2.0], "site": ["x"]})
    with pytest.raises(ValueError, match=r"\['region'\].*site"):
        gains(frame, by=["region"], pre="pre", post="post")


def test_bad_inputs_are_refused_with_plain_messages(sample_study):
    frame = pd.DataFrame({"participant_id": ["a", "a"], "pre": [1.0, 2.0], "post": [2.0, 3.0]})
    with pytest.raises(ValueError, match="repeats identifiers"):
        gains(frame, pre="pre", post="post")
    with pytest.raises(ValueError, match="either pre= and post="):
        gains(frame)
    with pytest.raises(ValueError, match="'pre', 'post' or 'delayed'"):
        gains(pd.DataFrame({"participant_id": ["a"], "phase": ["mid"], "s": [1.0]}), phase="phase", score="s")
    with pytest.raises(ValueError, match="measure must be one of"):
        gains(sample_study, measure="skills")
    with pytest.raises(ValueError, match="plain DataFrame"):
        gains(sample_study, pre="pre", post="post")
    with pytest.raises(ValueError, match="p_adjust"):
        gains(sample_study, p_adjust="sidak")
    with pytest.raises(TypeError, match="Study or a pandas DataFrame"):
        gains([1, 2, 3])


def test_importing_the_analysis_modules_stays_light():
    code = (
        "import sys, tip_eval.analysis.gains, tip_eval.analysis.confidence, tip_eval.analysis.attrition; "
        "heavy = [m for m in ('scipy.stats', 'statsmodels', 'plotly') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
