"""Follow-up interview analyses: prevalence, co-occurrence, coder agreement, link to knowledge gains.

References are given beside each expected value. Small hand-made studies are passed as a mapping of
canonical tables (the analyses accept a Study or such a mapping).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval import schemas
from tip_eval.analysis.followup import (
    AGREEMENT_COLUMNS,
    COOCCURRENCE_COLUMNS,
    DAYS_PER_MONTH,
    GAINS_COLUMNS,
    POOLED_COLUMNS,
    SELECTION_COLUMNS,
    SUMMARY_COLUMNS,
    FollowupGains,
    code_cooccurrence,
    coder_agreement,
    followup_summary,
    followup_vs_gains,
)


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _codebook(codes, applied=None, themes=None, levels=None):
    applied = applied or {}
    themes = themes or {}
    levels = levels or {}
    return pd.DataFrame(
        {
            "code_id": list(codes),
            "label": [f"label {c}" for c in codes],
            "theme": [themes.get(c, f"Theme {c}") for c in codes],
            "level": pd.array([levels.get(c, 3) for c in codes], dtype="Int64"),
            "applied_practice": [bool(applied.get(c, True)) for c in codes],
            "definition": "",
        }
    )


def _tables(
    codings, codes, coders=None, applied=None, themes=None, participants=None, dates=None, scores=None, trainings=None
):
    """A mapping of canonical tables.

    codings: {interview_id: {coder: set of codes applied}} (dict order = row order of the codings);
    coders: {interview_id: "a;b"} (default: the codings' coder order).
    """
    iv_ids = list(codings)
    coders = coders or {i: ";".join(codings[i]) for i in iv_ids}
    participants_of = participants or {i: f"P{k:03d}" for k, i in enumerate(iv_ids)}
    rows = []
    for i, by_coder in codings.items():
        for coder, applied_codes in by_coder.items():
            for c in codes:
                rows.append((i, coder, c, c in applied_codes))
    fc = pd.DataFrame(rows, columns=["interview_id", "coder", "code_id", "present"])
    interviews = pd.DataFrame(
        {
            "interview_id": iv_ids,
            "participant_id": [participants_of[i] for i in iv_ids],
            "interview_date": pd.to_datetime([(dates or {}).get(i, "2023-06-01") for i in iv_ids]),
            "coders": [coders[i] for i in iv_ids],
        }
    )
    people = sorted(set(interviews["participant_id"]) | set(scores["participant_id"] if scores is not None else []))
    out = {
        "interviews": interviews,
        "codebook": _codebook(codes, applied, themes),
        "followup_codes": fc,
        "participants": pd.DataFrame({"participant_id": people, "training_id": "T1", "sector": "ngo"}),
        "trainings": trainings
        if trainings is not None
        else pd.DataFrame({"training_id": ["T1"], "country": ["KHM"], "end_date": pd.to_datetime(["2023-01-01"])}),
    }
    if scores is not None:
        out["scores"] = scores
    return out


def _scores(pre: dict, post: dict) -> pd.DataFrame:
    rows = [(p, "pre", v) for p, v in pre.items()] + [(p, "post", v) for p, v in post.items()]
    s = pd.DataFrame(rows, columns=["participant_id", "phase", "pct"])
    s["training_id"] = "T1"
    s["max_score"] = 100.0
    s["score"] = s["pct"]
    return s[["participant_id", "phase", "training_id", "score", "max_score", "pct"]]


def _primary_person_codes(study) -> pd.DataFrame:
    """Person x code presence by the first-listed coder, computed independently of the module."""
    iv = study.interviews.assign(primary=study.interviews["coders"].str.split(";").str[0])
    m = study.followup_codes.merge(iv[["interview_id", "participant_id", "primary"]], on="interview_id")
    m = m[m["coder"] == m["primary"]]
    return m.pivot_table(index="participant_id", columns="code_id", values="present", aggfunc="max").astype(bool)


def _gain(study) -> pd.Series:
    w = study.scores.pivot(index="participant_id", columns="phase", values="pct")
    return (w["post"] - w["pre"]).dropna()


@pytest.fixture(scope="module")
def vs_gains(sample_study):
    return followup_vs_gains(sample_study)


# --------------------------------------------------------------------------------------------------
# followup_summary
# --------------------------------------------------------------------------------------------------
def test_wilson_interval_against_newcombe_examples():
    # Newcombe (1998), Stat. Med. 17:857-872, Table II, method 3 (Wilson score, no continuity
    # correction); also R: prop.test(x, n, correct = FALSE)$conf.int.
    # By hand for 81/263: p = 0.307985, z = 1.959964, z^2 = 3.841459; centre = (p + z^2/(2n)) /
    # (1 + z^2/n) = (0.307985 + 0.007303) / 1.014606 = 0.310749; half = z * sqrt(p(1-p)/n +
    # z^2/(4n^2)) / (1 + z^2/n) = 1.959964 * sqrt(0.00081039 + 0.00001388) / 1.014606 = 0.055461;
    # interval 0.2553 to 0.3662.
    cases = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)]
    for x, n, lo, hi in cases:
        codings = {f"I{i:03d}": {"a": {"X"} if i < x else set()} for i in range(n)}
        s = followup_summary(_tables(codings, ["X"]))
        row = s[s["kind"] == "code"].iloc[0]
        assert row["n_interviewed"] == n and row["n_with_code"] == x
        assert_allclose(row["pct_with_code"], 100 * x / n)
        assert_allclose([row["ci_low"], row["ci_high"]], [100 * lo, 100 * hi], atol=0.005)


def test_summary_columns_and_person_level(sample_study):
    s = followup_summary(sample_study)
    assert list(s.columns) == list(SUMMARY_COLUMNS)
    assert s.attrs["rule"] == "primary"
    codes = s[s["kind"] == "code"]
    assert codes["code_id"].tolist() == sample_study.codebook["code_id"].tolist()
    expected = _primary_person_codes(sample_study).sum()
    assert codes.set_index("code_id")["n_with_code"].to_dict() == expected.to_dict()
    assert (codes["n_interviewed"] == sample_study.interviews["participant_id"].nunique()).all()
    # the level-3 indicator: at least one applied-practice code (by hand from the primary codings)
    applied = sample_study.codebook.loc[sample_study.codebook["applied_practice"], "code_id"]
    ind = s[s["kind"] == "indicator"].iloc[0]
    assert ind["n_with_code"] == int(_primary_person_codes(sample_study)[applied].any(axis=1).sum())
    assert ind["n_codes"] == len(applied) and ind["level"] == 3 and bool(ind["applied_practice"])


def test_person_level_not_mentions():
    # P1 has the code in two interviews: one person, not two mentions
    codings = {"I1": {"a": {"X"}}, "I2": {"a": {"X"}}, "I3": {"a": set()}}
    t = _tables(codings, ["X"], participants={"I1": "P1", "I2": "P1", "I3": "P2"})
    row = followup_summary(t).iloc[0]
    assert (row["n_interviewed"], row["n_with_code"]) == (2, 1)
    assert_allclose(row["pct_with_code"], 50.0)


def test_theme_rollup_nested():
    codes = ["C", "T", "R"]
    themes = {"C": "Special groups > Children", "T": "Special groups > Transgender", "R": "Results"}
    codings = {"I1": {"a": {"C"}}, "I2": {"a": {"T"}}, "I3": {"a": {"C", "T"}}, "I4": {"a": {"R"}}}
    t = _tables(codings, codes, applied={"R": False}, themes=themes)
    s = followup_summary(t)
    themes_rows = s[s["kind"] == "theme"].set_index("theme")
    assert themes_rows.index.tolist() == [
        "Special groups",
        "Special groups > Children",
        "Special groups > Transgender",
        "Results",
    ]
    assert themes_rows.loc["Special groups", "n_with_code"] == 3  # I1, I2, I3 (people, not mentions: 4)
    assert themes_rows.loc["Special groups", "n_codes"] == 2
    assert themes_rows.loc["Special groups > Children", "n_with_code"] == 2
    ind = s[s["kind"] == "indicator"].iloc[0]
    assert ind["n_with_code"] == 3  # R is not applied practice


def test_rules_primary_any_all():
    # coders listed b;a for I1: b is primary even though a's rows come first
    codings = {"I1": {"a": {"X"}, "b": set()}, "I2": {"a": {"X"}, "b": {"X"}}, "I3": {"a": set()}}
    coders = {"I1": "b;a", "I2": "a;b", "I3": "a"}
    t = _tables(codings, ["X"], coders=coders)
    n = {rule: followup_summary(t, rule=rule).iloc[0]["n_with_code"] for rule in ("primary", "any", "all")}
    assert n == {"primary": 1, "any": 2, "all": 1}
    with pytest.raises(ValueError, match="rule must be one of"):
        followup_summary(t, rule="majority")


def test_rule_order_on_sample(sample_study):
    p = {
        r: followup_summary(sample_study, rule=r).query("kind == 'code'")["n_with_code"].to_numpy()
        for r in ("primary", "any", "all")
    }
    assert (p["any"] >= p["primary"]).all() and (p["primary"] >= p["all"]).all()
    assert (p["any"] > p["all"]).any()


def test_months_since_training_by_hand():
    codings = {"I1": {"a": set()}, "I2": {"a": set()}, "I3": {"a": set()}}
    # training ends 2023-01-01; interviews 90, 181 and 120 days later -> median 120 days
    dates = {"I1": "2023-04-01", "I2": "2023-07-01", "I3": "2023-05-01"}
    s = followup_summary(_tables(codings, ["X"], dates=dates))
    assert_allclose(s["months_since_training"], 120 / (365.25 / 12))
    assert DAYS_PER_MONTH == 365.25 / 12


def test_by_groups_include_groups_without_interviews(sample_study):
    s = followup_summary(sample_study, by=["country", "training_id"])
    assert list(s.columns[:2]) == ["country", "training_id"]
    assert set(s["training_id"]) == set(sample_study.trainings["training_id"])
    ind = s[s["kind"] == "indicator"]
    assert ind["n_interviewed"].sum() == sample_study.interviews["participant_id"].nunique()
    # a group on the roster with nobody interviewed: n 0, shares NaN
    codings = {"I1": {"a": {"X"}}}
    t = _tables(codings, ["X"])
    t["participants"] = pd.DataFrame(
        {"participant_id": ["P000", "P999"], "training_id": "T1", "sector": ["ngo", "law_enforcement"]}
    )
    g = followup_summary(t, by="sector").query("kind == 'code'").set_index("sector")
    assert g.loc["law_enforcement", "n_interviewed"] == 0
    assert np.isnan(g.loc["law_enforcement", ["pct_with_code", "ci_low", "ci_high"]].astype(float)).all()
    with pytest.raises(ValueError, match="unknown column"):
        followup_summary(t, by="planet")


def test_interviewee_off_the_roster_forms_a_missing_group_last():
    codings = {"I1": {"a": {"X"}}, "I2": {"a": set()}, "I3": {"a": {"X"}}}
    t = _tables(codings, ["X"], participants={"I1": "P1", "I2": "P2", "I3": "GHOST"})
    t["participants"] = pd.DataFrame(
        {"participant_id": ["P1", "P2"], "training_id": "T1", "sector": ["ngo", "law_enforcement"]}
    )
    g = followup_summary(t, by="sector").query("kind == 'code'")
    assert g["sector"].iloc[:2].tolist() == ["law_enforcement", "ngo"] and pd.isna(g["sector"].iloc[2])
    assert g["n_interviewed"].tolist() == [1, 1, 1] and g["n_with_code"].tolist() == [0, 1, 1]


# --------------------------------------------------------------------------------------------------
# code_cooccurrence
# --------------------------------------------------------------------------------------------------
def test_cooccurrence_by_hand():
    # A in I1-I3, B in I2-I4, C in I5 only, D never
    codings = {
        "I1": {"a": {"A"}},
        "I2": {"a": {"A", "B"}},
        "I3": {"a": {"A", "B"}},
        "I4": {"a": {"B"}},
        "I5": {"a": {"C"}},
    }
    co = code_cooccurrence(_tables(codings, ["A", "B", "C", "D"]))
    assert list(co.columns) == list(COOCCURRENCE_COLUMNS)
    assert len(co) == 6  # 4 choose 2
    got = co.set_index(["code_a", "code_b"])
    # c = n12 / (n1 + n2 - n12): A,B: 2 / (3 + 3 - 2) = 0.5
    assert tuple(got.loc[("A", "B"), ["n_a", "n_b", "n_both"]]) == (3, 3, 2)
    assert_allclose(got.loc[("A", "B"), "c_coefficient"], 0.5)
    assert_allclose(got.loc[("A", "C"), "c_coefficient"], 0.0)  # 0 / (3 + 1 - 0)
    assert_allclose(got.loc[("C", "D"), "c_coefficient"], 0.0)
    assert (co["n_interviews"] == 5).all()


def test_cooccurrence_nan_when_neither_code_applied():
    codings = {"I1": {"a": {"A"}}, "I2": {"a": set()}}
    co = code_cooccurrence(_tables(codings, ["A", "B", "C"])).set_index(["code_a", "code_b"])
    assert np.isnan(co.loc[("B", "C"), "c_coefficient"])  # 0 / (0 + 0 - 0)
    assert_allclose(co.loc[("A", "B"), "c_coefficient"], 0.0)


def test_cooccurrence_sample_matches_matrix(sample_study):
    co = code_cooccurrence(sample_study)
    iv = sample_study.interviews.assign(primary=sample_study.interviews["coders"].str.split(";").str[0])
    m = sample_study.followup_codes.merge(iv[["interview_id", "primary"]], on="interview_id")
    w = m[m["coder"] == m["primary"]].pivot(index="interview_id", columns="code_id", values="present")
    row = co.set_index(["code_a", "code_b"]).loc[("ID_SCREENING", "ENG_SERVICES_SAFETY")]
    a, b = w["ID_SCREENING"], w["ENG_SERVICES_SAFETY"]
    n12 = int((a & b).sum())
    assert row["n_both"] == n12
    assert_allclose(row["c_coefficient"], n12 / (a.sum() + b.sum() - n12))
    assert ((co["c_coefficient"] >= 0) & (co["c_coefficient"] <= 1)).all()


# --------------------------------------------------------------------------------------------------
# coder_agreement
# --------------------------------------------------------------------------------------------------
def test_agreement_against_krippendorff_2011_binary_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section A (binary data,
    # two observers, no missing data): A = 0 1 0 0 0 0 0 0 1 0, B = 1 1 1 0 0 1 0 0 0 0;
    # alpha = 0.095 (printed). By hand: n0 = 14, n1 = 6, n = 20, 4 disagreeing units ->
    # alpha = 1 - (n - 1) * 8 / (2 * 14 * 6) = 1 - 19 * 8 / 168 = 0.095238.
    # Cohen's kappa by hand: p_o = 6/10, p_e = 0.2 * 0.4 + 0.8 * 0.6 = 0.56 ->
    # kappa = (0.6 - 0.56) / 0.44 = 0.090909 (R: irr::kappa2 on the same data).
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    codings = {f"I{u}": {"A": {"X"} if a[u] else set(), "B": {"X"} if b[u] else set()} for u in range(10)}
    ag = coder_agreement(_tables(codings, ["X"]))
    assert list(ag.columns) == list(AGREEMENT_COLUMNS)
    row = ag[ag["kind"] == "code"].iloc[0]
    assert row["n_double_coded"] == 10 and row["n_coders"] == 2 and row["n_either"] == 5
    assert_allclose(row["krippendorff_alpha"], 0.095, atol=5e-4)
    assert_allclose(row["krippendorff_alpha"], 1 - 19 * 8 / 168, rtol=1e-12)
    assert_allclose(row["cohen_kappa"], 0.04 / 0.44, rtol=1e-12)
    assert_allclose(row["pct_agreement"], 60.0)
    assert row["rating"] == "slight"  # Landis & Koch (1977): 0.00-0.20 slight


def test_agreement_three_coders_kappa_first_two_alpha_all():
    from tip_eval import stats

    rng = np.random.default_rng(3)
    truth = rng.random(12) < 0.5
    third = truth ^ (rng.random(12) < 0.5)
    second = truth ^ (rng.random(12) < 0.2)
    codings = {}
    for u in range(12):
        coders = {"c1": {"X"} if truth[u] else set(), "c2": {"X"} if second[u] else set()}
        if u < 6:
            coders["c3"] = {"X"} if third[u] else set()
        codings[f"I{u:02d}"] = coders
    # listed order c2;c1(;c3): kappa uses positions 1-2 = c2, c1
    listed = {i: ";".join(["c2", "c1", *(["c3"] if "c3" in c else [])]) for i, c in codings.items()}
    ag = coder_agreement(_tables(codings, ["X"], coders=listed))
    row = ag[ag["kind"] == "code"].iloc[0]
    m = np.column_stack([second, truth, np.where(np.arange(12) < 6, third, np.nan)]).astype(float)
    m[6:, 2] = np.nan
    assert row["n_coders"] == 3 and row["n_double_coded"] == 12
    assert_allclose(row["cohen_kappa"], stats.cohen_kappa(second.astype(int), truth.astype(int)))
    assert_allclose(row["krippendorff_alpha"], stats.krippendorff_alpha(m))
    assert_allclose(row["pct_agreement"], stats.percent_agreement(m))


def test_planted_disagreement_shows(sample_study, sample_truth):
    ag = coder_agreement(sample_study)
    codes = ag[ag["kind"] == "code"].set_index("code_id")
    low = list(sample_truth.low_agreement_codes)
    assert set(low) == {"TRUST_BUILDING", "SG_TRANSGENDER"}
    others = codes.drop(index=low)
    for col in ("cohen_kappa", "krippendorff_alpha"):
        assert codes.loc[low, col].max() < others[col].min(), col
    assert codes.loc[low, "pct_agreement"].max() < others["pct_agreement"].min()
    n_double = int((sample_study.interviews["coders"].str.count(";") >= 1).sum())
    assert (ag["n_double_coded"] == n_double).all()
    overall = ag[ag["kind"] == "overall"].iloc[0]
    assert pd.isna(overall["code_id"]) and overall["label"] == "All codes (pooled)"
    assert codes.loc[low, "cohen_kappa"].max() < overall["cohen_kappa"] < others["cohen_kappa"].max()


def test_agreement_pooled_overall_equals_stacked_decisions():
    from tip_eval import stats

    codings = {
        "I1": {"a": {"X"}, "b": {"X", "Y"}},
        "I2": {"a": {"Y"}, "b": {"Y"}},
        "I3": {"a": set(), "b": {"X"}},
        "I4": {"a": {"X"}},
    }
    ag = coder_agreement(_tables(codings, ["X", "Y"]))
    overall = ag[ag["kind"] == "overall"].iloc[0]
    # units = (I1,X) (I1,Y) (I2,X) (I2,Y) (I3,X) (I3,Y); I4 is single-coded
    a = [1, 0, 0, 1, 0, 0]
    b = [1, 1, 0, 1, 1, 0]
    assert overall["n_double_coded"] == 3
    assert_allclose(overall["cohen_kappa"], stats.cohen_kappa(a, b))
    assert_allclose(overall["krippendorff_alpha"], stats.krippendorff_alpha(np.column_stack([a, b])))
    assert_allclose(overall["pct_agreement"], 100 * 4 / 6)


def test_agreement_code_never_applied_and_no_double_coding():
    codings = {"I1": {"a": {"X"}, "b": {"X"}}, "I2": {"a": set(), "b": set()}}
    ag = coder_agreement(_tables(codings, ["X", "NEVER"])).set_index("code_id", drop=False)
    never = ag.loc["NEVER"]
    assert never["pct_agreement"] == 100.0 and never["n_either"] == 0
    assert np.isnan(never["cohen_kappa"]) and np.isnan(never["krippendorff_alpha"])
    assert never["rating"] == "not computable"

    single = coder_agreement(_tables({"I1": {"a": {"X"}}, "I2": {"a": set()}}, ["X", "Y"]))
    assert len(single) == 3 and (single["n_double_coded"] == 0).all()
    assert single[["pct_agreement", "cohen_kappa", "krippendorff_alpha"]].isna().all().all()
    assert (single["rating"] == "not computable").all()


# --------------------------------------------------------------------------------------------------
# followup_vs_gains
# --------------------------------------------------------------------------------------------------
def test_vs_gains_shape(vs_gains, sample_study):
    r = vs_gains
    assert isinstance(r, FollowupGains)
    assert list(r.table.columns) == list(GAINS_COLUMNS)
    assert list(r.pooled.columns) == list(POOLED_COLUMNS)
    assert list(r.selection.columns) == list(SELECTION_COLUMNS)
    assert r.table["kind"].tolist() == ["code"] * len(sample_study.codebook) + ["indicator"]
    assert r.rule == "primary" and r.confidence == 0.95
    assert 0 < r.reliability < 1
    n = r.table["n_with"] + r.table["n_without"]
    assert (n == r.n_interviewed_with_gain).all()
    shares = r.table[["pct_reliable_improved_with", "pct_no_reliable_change_with", "pct_reliable_declined_with"]]
    assert_allclose(shares.sum(axis=1)[r.table["n_with"] > 0], 100.0)
    assert "random sample" in r.note


def test_planted_link_is_found(vs_gains, sample_truth):
    assert sample_truth.followup_slope > 0
    t = vs_gains.table
    applied = t[(t["kind"] == "code") & t["applied_practice"].astype(bool)]
    assert (applied["odds_ratio_per_10"] > 1).sum() >= len(applied) - 1
    assert (applied["diff"] > 0).sum() >= len(applied) - 1
    pooled = vs_gains.pooled.iloc[0]
    assert pooled["n_codes"] == len(applied)
    assert pooled["or_ci_low"] > 1 and pooled["p_value"] < 0.001
    ind = t[t["kind"] == "indicator"].iloc[0]
    assert ind["diff"] > 0 and ind["ci_low"] > 0 and ind["p_mannwhitney"] < 0.01 and ind["odds_ratio_per_10"] > 1
    # codes with no planted link (not applied practice) are not all significant
    not_applied = t[(t["kind"] == "code") & ~t["applied_practice"].astype(bool)]
    assert (not_applied["p_adjusted"] > 0.05).all()


def test_vs_gains_equals_direct_scipy_and_statsmodels(vs_gains, sample_study):
    import statsmodels.api as sm
    from scipy import stats as sps

    from tip_eval.stats import p_adjust

    codes = _primary_person_codes(sample_study)
    gain = _gain(sample_study)
    people = codes.index.intersection(gain.index)
    t = vs_gains.table.set_index("code_id", drop=False)
    for code in ("ID_SCREENING", "TRUST_BUILDING", "BAR_AUTHORITY"):
        y = codes.loc[people, code].to_numpy(dtype=bool)
        g = gain.loc[people].to_numpy()
        row = t.loc[code]
        assert (row["n_with"], row["n_without"]) == (y.sum(), (~y).sum())
        assert_allclose(row["gain_with"], g[y].mean())
        assert_allclose(row["p_mannwhitney"], sps.mannwhitneyu(g[y], g[~y], alternative="two-sided").pvalue)
        welch = sps.ttest_ind(g[y], g[~y], equal_var=False).confidence_interval(0.95)
        assert_allclose([row["ci_low"], row["ci_high"]], [welch.low, welch.high])
        fit = sm.Logit(y.astype(float), sm.add_constant(g / 10.0)).fit(disp=0)
        assert_allclose(row["odds_ratio_per_10"], np.exp(fit.params[1]), rtol=1e-6)
        assert_allclose([row["or_ci_low"], row["or_ci_high"]], np.exp(fit.conf_int(0.05)[1]), rtol=1e-6)
        assert_allclose(row["p_logit"], fit.pvalues[1], rtol=1e-5)
    code_rows = vs_gains.table[vs_gains.table["kind"] == "code"]
    assert_allclose(code_rows["p_adjusted"], p_adjust(code_rows["p_mannwhitney"].to_numpy(), "holm"))
    ind = vs_gains.table[vs_gains.table["kind"] == "indicator"].iloc[0]
    assert ind["p_adjusted"] == ind["p_mannwhitney"]


def test_reliable_change_shares_match_stats(vs_gains, sample_study):
    from tip_eval import stats
    from tip_eval.analysis.inputs import pre_test_reliability

    w = sample_study.scores.pivot(index="participant_id", columns="phase", values="pct")
    both = w.dropna()
    r = pre_test_reliability(sample_study)
    assert_allclose(vs_gains.reliability, r)
    rc = stats.reliable_change(both["pre"], both["post"], r, sd_pre=float(w["pre"].dropna().std(ddof=1)))
    codes = _primary_person_codes(sample_study)
    people = codes.index.intersection(both.index)
    y = codes.loc[people, "ID_SCREENING"]
    cat = rc["category"].reindex(people)
    row = vs_gains.table.set_index("code_id").loc["ID_SCREENING"]
    assert_allclose(row["pct_reliable_improved_with"], 100 * (cat[y.to_numpy()] == "improved").mean())
    assert_allclose(row["pct_reliable_improved_without"], 100 * (cat[~y.to_numpy()] == "improved").mean())


def test_selection_check(vs_gains, sample_study):
    from scipy import stats as sps

    gain = _gain(sample_study)
    inter = gain.index.isin(sample_study.interviews["participant_id"])
    sel = vs_gains.selection.iloc[0]
    assert (sel["n_interviewed"], sel["n_not_interviewed"]) == (inter.sum(), (~inter).sum())
    res = sps.ttest_ind(gain[inter], gain[~inter], equal_var=False)
    assert_allclose(sel["p_value"], res.pvalue)
    assert_allclose([sel["ci_low"], sel["ci_high"]], list(res.confidence_interval(0.95)))
    assert_allclose(sel["diff"], gain[inter].mean() - gain[~inter].mean())
    # the generator interviews at random among people with both tests: no clear difference
    assert sel["p_value"] > 0.05 and "do not differ clearly" in vs_gains.note


def test_selection_note_says_when_gains_differ():
    # interviewed people gained 20-29 points, the others 0-9
    pre = {f"P{k:03d}": 50.0 + k % 4 for k in range(20)}  # pre-test sd > 0, needed for the RCI
    post = {p: v + (20 + k if k < 10 else k - 10) for k, (p, v) in enumerate(pre.items())}
    codings = {f"I{k}": {"a": {"X"} if k % 2 else set()} for k in range(10)}
    t = _tables(codings, ["X"], participants={f"I{k}": f"P{k:03d}" for k in range(10)}, scores=_scores(pre, post))
    r = followup_vs_gains(t)
    assert r.selection.iloc[0]["diff"] == pytest.approx(20.0)
    assert "differ" in r.note and "overstate" in r.note
    assert np.isnan(r.reliability) and "reliability" in r.note  # no item responses
    assert r.table[["pct_reliable_improved_with", "pct_reliable_improved_without"]].isna().all().all()
    r2 = followup_vs_gains(t, reliability=0.8)
    assert r2.table["pct_reliable_improved_with"].notna().all()


def test_separation_and_tiny_counts_give_nan_and_note():
    pre = {f"P{k:03d}": 40.0 for k in range(12)}
    post = {f"P{k:03d}": 40.0 + 2 * k for k in range(12)}
    # SEP: exactly the 4 largest gains (perfect separation); ONE: one person; NONE: nobody
    codings = {f"I{k}": {"a": ({"SEP"} if k >= 8 else set()) | ({"ONE"} if k == 3 else set())} for k in range(12)}
    t = _tables(
        codings,
        ["SEP", "ONE", "NONE", "MIX"],
        participants={f"I{k}": f"P{k:03d}" for k in range(12)},
        scores=_scores(pre, post),
    )
    with np.errstate(all="raise"):
        r = followup_vs_gains(t)
    rows = r.table.set_index("code_id")
    assert np.isnan(rows.loc["SEP", "odds_ratio_per_10"]) and "separation" in rows.loc["SEP", "note"]
    assert rows.loc["SEP", "diff"] > 0 and np.isfinite(rows.loc["SEP", "p_mannwhitney"])
    assert np.isnan(rows.loc["ONE", "odds_ratio_per_10"]) and "too few" in rows.loc["ONE", "note"]
    assert rows.loc["ONE", "n_with"] == 1 and np.isnan(rows.loc["ONE", "ci_low"])
    none = rows.loc["NONE"]
    assert none["n_with"] == 0 and np.isnan(none["gain_with"]) and np.isnan(none["p_mannwhitney"])
    assert "too few" in none["note"]
    pooled = r.pooled.iloc[0]
    assert pooled["n_codes"] == 2  # SEP and ONE; NONE and MIX (nobody has them) are left out
    assert "left out" in pooled["note"] and "NONE, MIX" in pooled["note"]


def test_quasi_separation_is_caught_without_warnings():
    pre = {f"P{k:03d}": 40.0 for k in range(10)}
    post = {f"P{k:03d}": 40.0 + (10 if k < 6 else 30) for k in range(10)}  # gains 10 or 30
    codings = {f"I{k}": {"a": {"Q"} if k >= 5 else set()} for k in range(10)}  # overlap only at gain 10
    t = _tables(codings, ["Q"], participants={f"I{k}": f"P{k:03d}" for k in range(10)}, scores=_scores(pre, post))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = followup_vs_gains(t)
    row = r.table.iloc[0]
    assert np.isnan(row["odds_ratio_per_10"]) and "separation" in row["note"]


# --------------------------------------------------------------------------------------------------
# no data
# --------------------------------------------------------------------------------------------------
def test_no_interviews_gives_nan_and_empty_not_errors(sample_study):
    tables = sample_study.tables()
    tables["interviews"] = schemas.empty("interviews")
    tables["followup_codes"] = schemas.empty("followup_codes")
    s = followup_summary(tables)
    assert (s["n_interviewed"] == 0).all() and s["pct_with_code"].isna().all() and s["ci_low"].isna().all()
    assert s["months_since_training"].isna().all()
    by = followup_summary(tables, by="country")
    assert set(by["country"]) == {"KHM", "THA", "IDN"} and (by["n_interviewed"] == 0).all()
    co = code_cooccurrence(tables)
    assert (co["n_interviews"] == 0).all() and co["c_coefficient"].isna().all()
    ag = coder_agreement(tables)
    assert (ag["n_double_coded"] == 0).all() and ag["cohen_kappa"].isna().all()
    r = followup_vs_gains(tables)
    assert (r.table["n_with"] == 0).all() and (r.table["n_without"] == 0).all()
    assert r.table[["diff", "p_mannwhitney", "p_adjusted", "odds_ratio_per_10"]].isna().all().all()
    assert r.pooled.iloc[0]["n_people"] == 0 and np.isnan(r.pooled.iloc[0]["odds_ratio_per_10"])
    assert r.selection.iloc[0]["n_interviewed"] == 0
    assert "cannot be checked" in r.note


def test_empty_codebook_and_codings():
    empty = {name: schemas.empty(name) for name in ("interviews", "codebook", "followup_codes")}
    s = followup_summary(empty)
    assert s["kind"].tolist() == ["indicator"] and s.iloc[0]["n_interviewed"] == 0
    assert code_cooccurrence(empty).empty
    assert list(code_cooccurrence(empty).columns) == list(COOCCURRENCE_COLUMNS)
    ag = coder_agreement(empty)
    assert ag["kind"].tolist() == ["overall"]
    r = followup_vs_gains(empty)
    assert r.table["kind"].tolist() == ["indicator"]
    assert followup_summary(empty, by="sector").empty


def test_bad_arguments(sample_study):
    with pytest.raises(ValueError, match="confidence"):
        followup_summary(sample_study, confidence=95)
    with pytest.raises(ValueError, match="method"):
        followup_vs_gains(sample_study, p_adjust="sidak-ish")
    with pytest.raises(TypeError, match="Study"):
        followup_summary([1, 2, 3])
    with pytest.raises(ValueError, match="unknown table"):
        code_cooccurrence({"interview": pd.DataFrame()})
