"""The checks validation runs on long tables in fewer bytes give what pandas gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval.scoring import first_rows
from tip_eval.validation_checks import _count_rows, _groups_in_order, may_repeat


def _answers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant_id": pd.array(rng.integers(0, 3_000, n).astype(str), dtype="str"),
            "phase": pd.array(rng.choice(["pre", "post", "delayed"], n), dtype="str"),
            "item_id": pd.array(rng.integers(0, 40, n).astype(str), dtype="str"),
        }
    )


def test_may_repeat_is_false_only_where_pandas_finds_no_repeated_key():
    rng = np.random.default_rng(3)
    key = ["participant_id", "phase", "item_id"]
    repeated = _answers(rng, 150_000)
    once = repeated.drop_duplicates().reset_index(drop=True)
    assert repeated.duplicated(key).any() and may_repeat(repeated, key)
    assert not once.duplicated(key).any() and not may_repeat(once, key)
    # missing values are equal to each other, as DataFrame.duplicated counts them
    two_missing = once.copy()
    two_missing.loc[[0, 1], "participant_id"] = np.nan
    two_missing.loc[1, ["phase", "item_id"]] = two_missing.loc[0, ["phase", "item_id"]].to_numpy()
    assert two_missing.duplicated(key).any() and may_repeat(two_missing, key)
    one_missing = once.copy()
    one_missing.loc[0, "participant_id"] = np.nan
    assert not one_missing.duplicated(key).any() and not may_repeat(one_missing, key)
    # a small table, or a key of too many combinations, is left to pandas
    assert may_repeat(once.head(10), key)
    wide = once.assign(participant_id=pd.array(np.arange(len(once)).astype(str), dtype="str"))
    assert may_repeat(wide, key)


def test_groups_in_order_are_pandas_factorize_and_a_count():
    rng = np.random.default_rng(4)
    for _ in range(200):
        size = int(rng.integers(1, 12))
        runs = rng.integers(0, size, size=int(rng.integers(0, 40)))
        key = np.repeat(runs, rng.integers(1, 5, size=len(runs))).astype(np.int64)
        group, first = pd.factorize(key)
        got = _groups_in_order(key, size)
        assert got is not None
        np.testing.assert_array_equal(got[0], first)
        np.testing.assert_array_equal(got[1], np.bincount(group, minlength=len(first)))
    assert _groups_in_order(np.arange(10, dtype=np.int64), 10**9) is None  # far more values than rows


def test_rows_are_counted_per_file_and_sheet_in_order_of_appearance():
    prov = pd.DataFrame(
        {
            "_file": pd.Categorical(["b.xlsx", "b.xlsx", "a.csv", "b.xlsx", "a.csv"]),
            "_sheet": pd.Series(["Post", "Post", None, "Pre", None], dtype=object),
        }
    )
    got = _count_rows(prov, "responses")
    assert got["_file"].tolist() == ["b.xlsx", "a.csv", "b.xlsx"]
    assert [s if isinstance(s, str) else None for s in got["_sheet"]] == ["Post", None, "Pre"]  # a CSV: no sheet
    assert got["_table"].tolist() == ["responses"] * 3
    assert got["_n"].tolist() == [2, 2, 1]


def test_first_rows_are_the_rows_drop_duplicates_keeps():
    rng = np.random.default_rng(6)
    for _ in range(200):
        n = int(rng.integers(0, 80))
        tests = pd.DataFrame(
            {
                "participant_id": pd.array(rng.choice(["P1", "P2", "P3", None], n), dtype="str"),
                "phase": pd.array(rng.choice(["pre", "post", None], n), dtype="str"),
            },
            index=rng.permutation(n) + 10,
        )
        rows = first_rows(tests, ["participant_id", "phase"])
        pd.testing.assert_frame_equal(tests.iloc[rows], tests.drop_duplicates(["participant_id", "phase"]))
    many = pd.DataFrame({"a": np.arange(50).astype(str), "b": np.arange(50).astype(str)})
    assert first_rows(many, ["a", "b"]) is None  # more combinations than rows: left to drop_duplicates
