"""The synthetic study generator: deterministic, programme-shaped, scalable, with planted effects."""

from __future__ import annotations

import numpy as np

from tip_eval.datasets import make_study


def test_default_mirrors_the_programme(sample_study, sample_truth):
    s = sample_study
    assert list(s.trainings["country"].value_counts().sort_index().items()) == [("IDN", 1), ("KHM", 3), ("THA", 3)]
    assert set(s.trainings["province"]) >= {"Phnom Penh", "Siem Reap", "Battambang", "Bali"}
    assert 200 <= len(s.participants) <= 240
    assert 25 <= len(s.items) <= 30 and 5 <= s.items["module"].nunique() <= 6
    assert 6 <= len(s.competencies) <= 8
    assert set(s.participants["sector"]) >= {"government_social_services", "law_enforcement", "ngo"}
    assert len(s.codebook) == 12
    # attrition: some post-tests and a few pre-tests missing
    took = s.scores.groupby("phase")["participant_id"].nunique()
    assert 0.80 * len(s.participants) < took["post"] < 0.97 * len(s.participants)
    assert 0.93 * len(s.participants) < took["pre"] < len(s.participants)
    # about 40% interviewed, about 20% double-coded
    assert 0.33 < len(s.interviews) / len(s.participants) < 0.47
    double = s.followup_codes.groupby("interview_id")["coder"].nunique().gt(1).mean()
    assert 0.1 < double < 0.3
    assert sample_truth.flawed_item in set(s.items["item_id"])


def test_same_seed_same_study_other_seed_other_study():
    a, _ = make_study(seed=3, n_trainings=4, participants_per_training=10, n_items=8)
    b, _ = make_study(seed=3, n_trainings=4, participants_per_training=10, n_items=8)
    c, _ = make_study(seed=4, n_trainings=4, participants_per_training=10, n_items=8)
    assert a.equals(b)
    assert not a.equals(c)


def test_scaled_study_has_the_requested_size():
    s, truth = make_study(seed=1, n_trainings=40, participants_per_training=12, n_items=10)
    assert len(s.trainings) == 40 and s.trainings["training_id"].is_unique
    assert len(s.participants) == 480 and len(s.items) == 10
    assert len(truth.trainings) == 40


def test_planted_training_differences_show_in_raw_means(sample_study, sample_truth):
    wide = sample_study.scores.pivot(index="participant_id", columns="phase", values="pct")[["pre", "post"]].dropna()
    gain = (wide["post"] - wide["pre"]).rename("gain").reset_index()
    gain = gain.merge(sample_study.participants[["participant_id", "training_id"]], on="participant_id")
    by_training = gain.groupby("training_id")["gain"].mean()
    truth = sample_truth.trainings.set_index("training_id")["expected_gain_pct"]
    # the planted extremes are the observed extremes
    assert by_training.idxmin() == truth.idxmin() == "THA-TAK-2022"
    assert by_training.idxmax() == truth.idxmax() == "KHM-SRP-2023"
    assert np.corrcoef(by_training.reindex(truth.index), truth)[0, 1] > 0.8
