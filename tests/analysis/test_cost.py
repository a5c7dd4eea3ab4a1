"""cost_effectiveness(): costs per result on the sample study, currencies, notes and the bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import tip_eval as te
from tip_eval.analysis.cost import COST_COLUMNS


@pytest.fixture(scope="module")
def costs(sample_study):
    ids = sample_study.trainings["training_id"].astype(str)
    return pd.DataFrame(
        {
            "training_id": ids,
            "cost": 1000.0,
            "currency": "USD",
            "year": [2022 if t.startswith("THA") else 2023 for t in ids],
        }
    )


def _reliably_improved(gains_row) -> int:
    k = gains_row["pct_reliable_improved"] * gains_row["n"] / 100
    assert abs(k - round(k)) < 1e-9
    return round(k)


def test_costs_of_1000_per_training(sample_study, costs):
    table = te.cost_effectiveness(sample_study, costs)
    assert list(table.columns) == list(COST_COLUMNS)
    row = table.iloc[0]
    g = te.gains(sample_study).iloc[0]
    k = _reliably_improved(g)
    assert k == 25
    assert row["currency"] == "USD" and row["cost_total"] == 7000.0 and row["cost_years"] == "2022, 2023"
    assert row["n_registered"] == 222 and row["n_matched"] == g["n"] == 191
    assert row["n_reliably_improved"] == k
    assert row["cost_per_trained"] == 7000 / 222
    assert row["cost_per_completer"] == 7000 / 191
    assert row["cost_per_reliably_improved"] == 7000 / k
    assert row["cost_per_reliably_improved_ci_low"] < 7000 / k < row["cost_per_reliably_improved_ci_high"]
    # gain per 100 spent per participant: mean gain in sds of the study's pre-test, per 100 per person
    pre = te.gains(sample_study)  # pre_sd: the sd of every pre-test score of the study
    gain_sd = g["mean_gain"] / pre.iloc[0]["pre_sd"]
    assert_allclose(row["gain_sd"], gain_sd, rtol=1e-12)
    assert_allclose(row["gain_sd_per_100"], 100 * gain_sd / (7000 / 222), rtol=1e-12)
    assert row["note"] == ""


@pytest.mark.parametrize("by", ["training_id", "country", "sector", ["country", "sector"]])
def test_groups_add_up_and_match_gains(sample_study, costs, by):
    table = te.cost_effectiveness(sample_study, costs, by=by)
    g = te.gains(sample_study, by=by)
    keys = [by] if isinstance(by, str) else by
    assert table[keys].astype(str).equals(g[keys].astype(str))
    assert_allclose(table["cost_total"].sum(), 7000.0, rtol=1e-12)
    assert table["n_registered"].sum() == 222
    assert table["n_matched"].tolist() == g["n"].astype(int).tolist()
    assert table["n_reliably_improved"].tolist() == [_reliably_improved(r) for _, r in g.iterrows()]
    assert table["n_reliably_improved"].sum() == 25
    with np.errstate(divide="ignore"):
        expected = np.where(
            table["n_reliably_improved"] > 0, table["cost_total"] / table["n_reliably_improved"], np.nan
        )
    assert_allclose(table["cost_per_reliably_improved"], expected, rtol=1e-12)
    assert np.isfinite(
        table.select_dtypes("number").to_numpy(dtype=float)[
            ~np.isnan(table.select_dtypes("number").to_numpy(dtype=float))
        ]
    ).all()  # NaN at most, never infinite


def test_a_training_cost_is_shared_among_its_people(sample_study, costs):
    table = te.cost_effectiveness(sample_study, costs, by="sector").set_index("sector")
    att = te.attrition(sample_study, by=["training_id", "sector"])
    per_training = att.groupby("training_id")["registered"].sum()
    expected = (att["registered"] * 1000.0 / att["training_id"].map(per_training)).groupby(att["sector"]).sum()
    assert len(expected) == 4
    assert_allclose(table.loc[expected.index, "cost_total"], expected, rtol=1e-12)


def test_currencies_are_converted_with_the_given_rates(sample_study):
    ids = sample_study.trainings["training_id"].astype(str).tolist()
    frame = pd.DataFrame({
        "training_id": ids + [ids[0]],
        "cost": [4_000_000.0 if t.startswith("KHM") else 30_000.0 if t.startswith("THA") else 900.0 for t in ids] + [500.0],
        "currency": ["KHR" if t.startswith("KHM") else "THB" if t.startswith("THA") else "USD" for t in ids] + ["usd"],
        "year": 2023, "category": ["training"] * len(ids) + ["travel"],
    })  # fmt: skip
    rates = {"KHR": 0.000245, "THB": 0.028}
    table = te.cost_effectiveness(sample_study, frame, by="country", rates=rates, currency="USD").set_index("country")
    assert_allclose(table.loc["KHM", "cost_total"], 3 * 4_000_000 * 0.000245, rtol=1e-12)
    thai_extra = 500.0 if ids[0].startswith("THA") else 0.0
    assert_allclose(table.loc["THA", "cost_total"], 3 * 30_000 * 0.028 + thai_extra, rtol=1e-12)
    assert (table["currency"] == "USD").all()
    with pytest.raises(ValueError, match="THB, which has no exchange rate"):
        te.cost_effectiveness(sample_study, frame, rates={"KHR": 0.000245}, currency="USD")
    with pytest.raises(ValueError, match="several currencies"):
        te.cost_effectiveness(sample_study, frame)


def test_trainings_without_cost_are_left_out_with_a_note(sample_study):
    table = te.cost_effectiveness(sample_study, {"THA-CMI-2022": 1000, "KHM-PNH-2023": 1000})
    row = table.iloc[0]
    registered = sample_study.participants["training_id"].value_counts()
    assert row["n_registered"] == registered["THA-CMI-2022"] + registered["KHM-PNH-2023"]
    assert row["cost_total"] == 2000.0
    assert "no cost given for" in row["note"] and "IDN-DPS-2023" in row["note"]


def _no_gain_study(study, training):
    """The sample study with the post-test answers of one training replaced by its pre-test answers."""
    tables = study.tables()
    resp = tables["responses"].copy()
    people = set(study.participants.loc[study.participants["training_id"] == training, "participant_id"])
    pre = resp[(resp["phase"] == "pre") & resp["participant_id"].isin(people)].set_index(["participant_id", "item_id"])
    post_rows = (resp["phase"] == "post") & resp["participant_id"].isin(people)
    keys = pd.MultiIndex.from_frame(resp.loc[post_rows, ["participant_id", "item_id"]])
    keep = keys.isin(pre.index)
    idx = resp.index[post_rows][keep]
    for col in ("answer", "score"):
        resp.loc[idx, col] = pre.loc[keys[keep], col].to_numpy()
    resp = resp.drop(index=resp.index[post_rows][~keep])
    tables["responses"] = resp
    tables.pop("scores")
    return te.Study(name="no gain", **tables)


def test_nobody_reliably_improved_gives_nan_with_a_note(sample_study):
    study = _no_gain_study(sample_study, "IDN-DPS-2023")
    table = te.cost_effectiveness(study, 1000, by="training_id").set_index("training_id")
    row = table.loc["IDN-DPS-2023"]
    assert row["n_reliably_improved"] == 0
    for col in (
        "cost_per_reliably_improved",
        "cost_per_reliably_improved_ci_low",
        "cost_per_reliably_improved_ci_high",
    ):
        assert math.isnan(row[col])
    assert "nobody in this group reliably improved" in row["note"]
    assert row["cost_per_trained"] == 1000 / row["n_registered"]


def test_bootstrap_is_seeded_and_resamples_people(sample_study, costs):
    a = te.cost_effectiveness(sample_study, costs, by="country", seed=1)
    b = te.cost_effectiveness(sample_study, costs, by="country", seed=1)
    pd.testing.assert_frame_equal(a, b)
    # the same interval from resampling the people one by one (within trainings), 4000 times
    from tip_eval.analysis.inputs import person_scores

    ps = person_scores(sample_study, by=["training_id", "country"])
    f = ps.frame
    sd_pre = f["pre"].std(ddof=1)
    improved = ((f["post"] - f["pre"]) / (math.sqrt(2) * sd_pre * math.sqrt(1 - ps.reliability)) > 1.96).to_numpy()
    rng = np.random.default_rng(5)
    row = a.set_index("country").loc["THA"]
    counts = np.zeros(4000)
    for _, people in f[f["country"] == "THA"].groupby("training_id"):
        flags = improved[people.index.to_numpy()]
        draws = rng.integers(0, len(flags), size=(4000, len(flags)))
        counts += flags[draws].sum(axis=1)
    lo, hi = np.quantile(counts, [0.025, 0.975])
    # percentiles of a count of about 14: Monte Carlo error of at most one person at either end
    assert abs(row["cost_total"] / row["cost_per_reliably_improved_ci_high"] - lo) <= 1
    assert abs(row["cost_total"] / row["cost_per_reliably_improved_ci_low"] - hi) <= 1


@pytest.mark.parametrize(("costs", "message"), [
    (pd.DataFrame({"training_id": ["XYZ"], "cost": [5]}), "not in the study"),
    (pd.DataFrame({"training_id": ["THA-CMI-2022"], "cost": ["1,000 $"]}), "not a number"),
    (pd.DataFrame({"training": ["THA-CMI-2022"], "cost": [5]}), "needs the column"),
    ("lots", "costs must be"),
])  # fmt: skip
def test_bad_costs(sample_study, costs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        te.cost_effectiveness(sample_study, costs)


def test_no_costs_at_all(sample_study):
    with pytest.raises(ValueError, match="no costs"):
        te.cost_effectiveness(sample_study)


def test_disclosure_recognises_the_cost_table(sample_study, costs):
    table = te.cost_effectiveness(sample_study, costs, by="training_id")
    shown = te.disclosure.suppress(table, 5)
    assert shown.attrs["suppression_layout"] == "cost_effectiveness"
    small = (table["n_reliably_improved"] > 0) & (table["n_reliably_improved"] < 5)
    assert small.any()
    for col in (
        "n_reliably_improved",
        "cost_per_reliably_improved",
        "cost_per_reliably_improved_ci_low",
        "cost_per_reliably_improved_ci_high",
    ):
        assert shown.loc[small, col].isna().all()
    # every training has at least 5 people, but registered minus tested (2 to 5 per training) is a count of
    # people too: where it is 1 to 4, the two are never both shown
    few = (table["n_registered"] - table["n_matched"]).between(1, 4)
    assert few.any()
    assert (shown.loc[few, "n_registered"].isna() | shown.loc[few, "n_matched"].isna()).all()
