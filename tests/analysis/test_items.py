"""item_analysis() and module_summary() on the sample study and on small hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.analysis.items import FLAG_WORDS, ITEM_COLUMNS, MODULE_COLUMNS, item_analysis, module_summary


@pytest.fixture(scope="module")
def table(sample):
    return item_analysis(sample[0])


def _matrix(study, phase):
    r = study.responses
    return r[r["phase"] == phase].pivot(index="participant_id", columns="item_id", values="score")


def test_one_row_per_item_with_the_documented_columns(sample, table):
    study, _ = sample
    assert list(table.columns) == list(ITEM_COLUMNS)
    assert table["item_id"].tolist() == study.items["item_id"].tolist()
    assert table["module"].tolist() == study.items["module"].tolist()
    shares = table[["share_positive", "share_negative", "share_retained", "share_none"]].sum(axis=1)
    assert_allclose(shares, 1.0, rtol=1e-12)
    # 0/1 items: the item gain is the net of the learning disaggregation
    assert_allclose(table["item_gain"], table["share_positive"] - table["share_negative"], atol=1e-12)


def test_the_planted_flawed_item_is_the_only_one_with_negative_discrimination(sample, table):
    _, truth = sample
    flagged = table.loc[table["flag_negative_discrimination"], "item_id"].tolist()
    assert flagged == [truth.flawed_item]
    row = table.set_index("item_id").loc[truth.flawed_item]
    assert row["discrimination_pre"] < 0 and row["discrimination_post"] < 0
    assert FLAG_WORDS["flag_negative_discrimination"] in row["flags"]
    # the miskeyed item also loses people after training and lowers the test's consistency
    assert row["flag_negative_gain"]
    assert row["alpha_if_deleted"] == table["alpha_if_deleted"].max()
    # the generator's other items discriminate positively in both phases
    others = table[table["item_id"] != truth.flawed_item]
    assert (others["discrimination_pre"] > 0).all() and (others["discrimination_post"] > 0).all()
    # items with no flag have an empty flags text
    assert (table.loc[~table[list(FLAG_WORDS)].any(axis=1), "flags"] == "").all()


def test_columns_equal_direct_computations(sample, table):
    study, _ = sample
    pre, post = _matrix(study, "pre"), _matrix(study, "post")
    t = table.set_index("item_id")
    assert_allclose(t["difficulty_pre"], pre.mean().reindex(t.index), rtol=1e-12)
    assert_allclose(t["difficulty_post"], post.mean().reindex(t.index), rtol=1e-12)
    assert (t["n_pre"] == len(pre)).all() and (t["n_post"] == len(post)).all()
    for item in ("Q01", "Q12", "Q20"):
        for phase, mat in (("pre", pre), ("post", post)):
            expected = np.corrcoef(mat[item], mat.sum(axis=1) - mat[item])[0, 1]
            assert_allclose(t.loc[item, f"discrimination_{phase}"], expected, rtol=1e-10)
    from tip_eval.stats import alpha_if_deleted

    assert_allclose(t["alpha_if_deleted"], alpha_if_deleted(pre).reindex(t.index), rtol=1e-10)
    both = pre.index.intersection(post.index)
    a, b = pre.loc[both, "Q10"], post.loc[both, "Q10"]
    assert t.loc["Q10", "n_matched"] == len(both)
    assert_allclose(t.loc["Q10", "share_positive"], ((a == 0) & (b == 1)).mean())
    assert_allclose(t.loc["Q10", "share_negative"], ((a == 1) & (b == 0)).mean())
    assert_allclose(t.loc["Q10", "share_retained"], ((a == 1) & (b == 1)).mean())


def test_by_group_equals_the_analysis_of_each_group(sample):
    study, _ = sample
    by = item_analysis(study, by="country")
    assert list(by.columns) == ["country", *ITEM_COLUMNS]
    countries = sorted(study.trainings["country"].unique())
    assert by["country"].tolist() == [c for c in countries for _ in range(len(study.items))]
    # the KHM rows equal an item analysis of a plain frame with only KHM's responses
    people = study.attributes()
    khm = set(people.loc[people["country"] == "KHM", "participant_id"])
    resp = study.responses[study.responses["participant_id"].isin(khm)]
    alone = item_analysis(resp.merge(study.items[["item_id", "module"]], on="item_id"))
    rows = by[by["country"] == "KHM"].drop(columns="country").reset_index(drop=True)
    pd.testing.assert_frame_equal(rows, alone, check_exact=False, rtol=1e-10)


def test_plain_long_frame_gives_the_same_table(sample, table):
    study, _ = sample
    frame = study.responses.merge(study.items[["item_id", "module", "points"]], on="item_id")
    frame = frame.sample(frac=1.0, random_state=1)  # row order must not matter
    plain = item_analysis(frame)
    pd.testing.assert_frame_equal(plain, table, check_exact=False, rtol=1e-10)


def test_thresholds_are_parameters(sample, table):
    study, _ = sample
    strict = item_analysis(study, easy_pre=0.5, hard_post=0.9, low_discrimination=0.5, negative_gain=0.2)
    assert strict["flag_too_easy"].sum() > table["flag_too_easy"].sum()
    assert strict["flag_too_hard"].sum() > table["flag_too_hard"].sum()
    assert strict["flag_low_discrimination"].sum() > table["flag_low_discrimination"].sum()
    assert (strict["flag_negative_gain"] == (strict["item_gain"] < 0.2)).all()
    assert (strict["flag_too_easy"] == (strict["difficulty_pre"] >= 0.5)).all()
    # an item is never both low and negative
    assert not (strict["flag_low_discrimination"] & strict["flag_negative_discrimination"]).any()


def test_flags_need_enough_people_and_say_when_too_few(sample):
    study, truth = sample
    by = item_analysis(study, by="training_id")
    small = by[by["n_matched"] < 30]
    assert len(small) and not small[
        [
            "flag_too_easy",
            "flag_too_hard",
            "flag_low_discrimination",
            "flag_negative_discrimination",
            "flag_negative_gain",
        ]
    ].any(axis=None)
    assert (small["flags"] == "").all()
    # a training of 16-24 people: too few before, after and both times, said so
    tiny = by[(by["n_pre"] < 30) & (by["n_post"] < 30)]
    assert tiny["too_few_people"].all() and not by.loc[by["n_pre"] >= 30, "too_few_people"].any()
    # the same statistics, flagged when the minimum allows it
    loose = item_analysis(study, by="training_id", min_people=5)
    assert loose["flags"].ne("").sum() > by["flags"].ne("").sum()
    assert (loose["flag_too_easy"] == (loose["difficulty_pre"] >= 0.9)).all()
    whole = item_analysis(study)
    assert not whole["too_few_people"].any()
    assert whole.loc[whole["flag_negative_discrimination"], "item_id"].tolist() == [truth.flawed_item]
    with pytest.raises(ValueError, match="min_people"):
        item_analysis(study, min_people=0)


def test_items_not_asked_are_missing_not_wrong():
    # two people, three items each phase; p2 was not asked item c after training
    rows = []
    for pid, pre, post in (("p1", [1, 0, 1], [1, 1, 1]), ("p2", [0, 0, 1], [1, 0, None]), ("p3", [1, 1, 0], [1, 1, 1])):
        for item, a, b in zip("abc", pre, post):
            rows.append((pid, "pre", item, a))
            if b is not None:
                rows.append((pid, "post", item, b))
    frame = pd.DataFrame(rows, columns=["participant_id", "phase", "item_id", "score"])
    out = item_analysis(frame).set_index("item_id")
    assert out.loc["c", "n_post"] == 2 and out.loc["c", "n_matched"] == 2
    assert out.loc["c", "difficulty_post"] == 1.0
    assert out.loc["a", "n_matched"] == 3
    assert out["module"].isna().all()


def test_scores_above_one_need_points():
    frame = pd.DataFrame(
        {"participant_id": ["p1", "p1"], "phase": ["pre", "post"], "item_id": ["a", "a"], "score": [2.0, 1.0]}
    )
    with pytest.raises(ValueError, match="points"):
        item_analysis(frame)
    out = item_analysis(frame.assign(points=2.0))
    assert out["difficulty_pre"].iloc[0] == 1.0 and out["item_gain"].iloc[0] == -0.5
    # half marks are not "right": the shares count full marks only
    assert out["share_negative"].iloc[0] == 1.0


def test_bad_arguments(sample):
    study, _ = sample
    with pytest.raises(ValueError, match="unknown column"):
        item_analysis(study, by="nope")
    with pytest.raises(ValueError, match="item_id"):
        item_analysis(pd.DataFrame({"participant_id": ["p"], "phase": ["pre"], "score": [1]}))
    with pytest.raises(TypeError, match="Study or a pandas DataFrame"):
        item_analysis([1, 2, 3])


# --- modules ---------------------------------------------------------------------------------------


def test_module_summary_uses_the_module_gains(sample, table):
    import tip_eval.analysis.gains as g

    study, _ = sample
    out = module_summary(study)
    assert list(out.columns) == list(MODULE_COLUMNS)
    assert out["module"].tolist() == list(dict.fromkeys(study.items["module"]))
    assert out["n_items"].sum() == len(study.items)
    mean_diff = table.groupby("module")["difficulty_pre"].mean()
    assert_allclose(out.set_index("module")["difficulty_pre"], mean_diff.reindex(out["module"]), rtol=1e-12)
    for mod in ("identification", "protection_support"):
        direct = g.gains(study, module=mod)
        row = out.set_index("module").loc[mod]
        for col in ("n", "pre_mean", "post_mean", "mean_gain", "ci_low", "ci_high", "p_value"):
            assert_allclose(row[col], direct[col].iloc[0], rtol=1e-12)
    # the module with the miskeyed item gains least
    assert out.loc[out["mean_gain"].idxmin(), "module"] == "protection_support"
    from tip_eval.stats import p_adjust

    assert_allclose(out["p_adjusted"], p_adjust(out["p_value"].to_numpy(), "holm"))


def test_module_summary_of_a_plain_frame_equals_the_study(sample):
    study, _ = sample
    attrs = study.attributes()[["participant_id", "country"]]
    frame = study.responses.merge(study.items[["item_id", "module", "points"]], on="item_id").merge(
        attrs, on="participant_id"
    )
    from_study = module_summary(study, by="country")
    # a plain frame only knows people with responses; the sample study has no one without any
    from_frame = module_summary(frame, by="country")
    pd.testing.assert_frame_equal(from_frame, from_study, check_exact=False, rtol=1e-10, check_dtype=False)


def test_module_summary_needs_modules():
    frame = pd.DataFrame(
        {"participant_id": ["p1", "p1"], "phase": ["pre", "post"], "item_id": ["a", "a"], "score": [0.0, 1.0]}
    )
    with pytest.raises(ValueError, match="module"):
        module_summary(frame)
