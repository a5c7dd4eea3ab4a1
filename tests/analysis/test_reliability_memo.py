"""The pre-test reliability kept on a Study is recomputed when its responses are replaced."""

from __future__ import annotations

import numpy as np

from tip_eval.analysis.inputs import pre_test_reliability
from tip_eval.datasets import make_study
from tip_eval.stats import reliability


def test_memo_matches_a_fresh_computation_and_follows_new_tables():
    study, _ = make_study(seed=2, n_trainings=3, participants_per_training=12, n_items=8)
    first = pre_test_reliability(study)
    pre = study.responses[study.responses["phase"] == "pre"].pivot(
        index="participant_id", columns="item_id", values="score"
    )
    np.testing.assert_allclose(first, reliability(pre)["reliability"], rtol=1e-12)
    assert pre_test_reliability(study) == first  # served from the study's memo
    other, _ = make_study(seed=3, n_trainings=3, participants_per_training=12, n_items=8)
    study.responses = other.responses  # a new table: the memo must not be reused
    np.testing.assert_allclose(pre_test_reliability(study), pre_test_reliability(other), rtol=1e-12)
    assert pre_test_reliability(study) != first
