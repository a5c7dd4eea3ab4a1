"""Analyses shared while a study is published: computed once inside the block, never kept outside it."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import tip_eval as te
from tip_eval.analysis import inputs
from tip_eval.analysis._memo import sharing
from tip_eval.datasets import make_study
from tip_eval.report.results import Results


@pytest.fixture()
def small():
    study, _ = make_study(seed=4, n_trainings=3, participants_per_training=12, n_items=8)
    return study


@pytest.fixture()
def counted(monkeypatch):
    """Count the real computations of the matched person scores (what every gains call needs)."""
    calls = []
    real = inputs._from_study

    def spy(*args, **kwargs):
        calls.append(args[1:])
        return real(*args, **kwargs)

    monkeypatch.setattr(inputs, "_from_study", spy)
    return calls


def test_inside_the_block_each_result_is_computed_once_and_equals_a_fresh_one(small, counted):
    fresh = te.gains(small, by="country")
    n_fresh = len(counted)
    with sharing(small):
        first = te.gains(small, by="country")
        again = te.gains(small, by="country", measure="knowledge")  # the same call, defaults spelt out
        n_block = len(counted) - n_fresh
    pdt.assert_frame_equal(first, fresh)
    pdt.assert_frame_equal(again, fresh)
    assert n_block == n_fresh  # the second call computed nothing


def test_callers_get_copies(small):
    with sharing(small):
        first = te.gains(small, by="country")
        first.loc[:, "mean_gain"] = -999.0
        assert (te.gains(small, by="country")["mean_gain"] != -999.0).all()


def test_nothing_is_kept_outside_the_block(small, counted):
    with sharing(small):
        te.gains(small)
    assert not hasattr(small, "_shared_results")
    c0 = len(counted)
    te.gains(small)
    c1 = len(counted)
    te.gains(small)
    assert len(counted) - c1 == c1 - c0 > 0  # each call outside a block computes


def test_a_table_changed_after_the_block_is_seen(small):
    with sharing(small):
        old = te.gains(small)
    small.scores = small.scores.assign(
        pct=small.scores["pct"].where(small.scores["phase"] == "pre", small.scores["pct"] * 0 + 100.0)
    )
    new = te.gains(small)
    assert new["post_mean"].iloc[0] == pytest.approx(100.0)
    assert old["post_mean"].iloc[0] != pytest.approx(100.0)


def test_nested_blocks_and_results_share_one_store(small, counted):
    res = Results(small)
    res("gains", by="sector")
    before = len(counted)
    with res.active():
        with sharing(small):  # a block inside another uses the outer store
            te.gains(small, by="sector")
    assert len(counted) == before


def test_arguments_that_cannot_be_keys_are_computed_without_the_memo(small):
    import numpy as np

    from tip_eval.analysis._memo import memoised

    calls = []

    @memoised()
    def analysis(data, weights=None):
        calls.append(1)
        return pd.DataFrame({"n": [len(data.participants)]})

    with sharing(small):
        analysis(small, weights=np.ones(3))  # an array is no key: computed each time
        analysis(small, weights=np.ones(3))
        analysis(small, weights=(1, 2))
        analysis(small, weights=(1, 2))
    assert len(calls) == 3
    frame = pd.DataFrame(
        {"participant_id": ["a", "a", "b", "b"], "phase": ["pre", "post"] * 2, "score": [1.0, 2.0, 1.0, 3.0]}
    )
    with sharing(frame):  # a plain frame is analysed as usual
        out = te.gains(frame, phase="phase", score="score")
    assert out["mean_gain"].iloc[0] == pytest.approx(1.5)
