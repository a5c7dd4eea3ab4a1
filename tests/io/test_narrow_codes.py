"""The codes a large load counts with are 32-bit where they fit, and are pandas' codes all the same."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tip_eval.scoring import column_codes, combined_key, factorize_codes, narrowed


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("use_na_sentinel", [True, False])
def test_column_codes_are_pandas_factorize(dtype, use_na_sentinel):
    rng = np.random.default_rng(5)
    pool = np.array(["a", "b", None, "c", "A", "é", "b "], dtype=object)
    for n in (0, 1, 9, 200):
        values = pd.Series(pool[rng.integers(0, len(pool), n)], dtype=dtype)
        codes, uniques = column_codes(values, use_na_sentinel=use_na_sentinel)
        want_codes, want_uniques = pd.factorize(values, use_na_sentinel=use_na_sentinel)
        assert codes.tolist() == want_codes.tolist()
        assert codes.dtype == (np.int32 if n else want_codes.dtype)
        want = np.asarray(want_uniques, dtype=object)
        assert [type(u) for u in uniques] == [type(u) for u in want]
        assert all(a == b or (pd.isna(a) and pd.isna(b)) for a, b in zip(uniques, want, strict=True))


def test_narrow_codes_of_factorize_codes_are_its_codes_in_32_bits():
    rng = np.random.default_rng(11)
    for n, hi in [(0, 1), (1, 1), (50, 7), (20_000, 300), (20_000, 20_000)]:
        values = rng.integers(0, hi, n).astype(np.int64)
        codes, uniques = factorize_codes(values, narrow=True)
        want_codes, want_uniques = pd.factorize(values)
        np.testing.assert_array_equal(codes, want_codes)
        np.testing.assert_array_equal(uniques, want_uniques)
        assert codes.dtype == (np.int32 if n else want_codes.dtype)
    assert narrowed(np.array([3, -1, 0])).dtype == np.int32
    assert narrowed(np.array([2**31], dtype=np.int64)).dtype == np.int64  # too large: left as it is


def test_combined_key_counts_the_combinations_pandas_counts():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "person": pd.Series(rng.choice(np.array(["P1", "P2", None, "P3"], dtype=object), 5_000), dtype="str"),
            "phase": pd.Series(rng.choice(np.array(["pre", "post"], dtype=object), 5_000), dtype="str"),
            "item": pd.Series(rng.choice(np.array(["Q1", "Q2", "Q3", None], dtype=object), 5_000), dtype=object),
        }
    )
    key, size = combined_key(frame, ["person", "phase", "item"])
    assert key.dtype == np.int32 and size == 4 * 2 * 4
    # the same rows share a key exactly when pandas calls them duplicates (missing values equal)
    first_of_key = ~pd.Series(key).duplicated().to_numpy()
    np.testing.assert_array_equal(first_of_key, ~frame.duplicated().to_numpy())


def test_spread_is_numpy_take(monkeypatch):
    from tip_eval import scoring

    monkeypatch.setattr(scoring, "SPREAD_ROWS", 7)
    rng = np.random.default_rng(2)
    values = np.array(["2024-01-02", "2024-03-04", "NaT"], dtype="datetime64[ns]")
    for n in (0, 6, 7, 8, 50):
        rows = rng.integers(0, len(values), n).astype(np.int32)
        got = scoring.spread(values, rows)
        np.testing.assert_array_equal(got, values[rows])
        assert got.dtype == values.dtype


def test_a_part_of_the_rows_at_a_time_gives_what_the_whole_column_gives(monkeypatch):
    from tip_eval import scoring

    rng = np.random.default_rng(8)
    values = rng.integers(0, 40, 1_000).astype(np.int32)
    mask = rng.random(1_000) < 0.7
    # the first row of each value where the mask holds, as pandas finds it
    want_first = pd.Series(np.flatnonzero(mask), index=values[mask]).groupby(level=0).first()
    people = np.array([f"P{i}" for i in range(60)], dtype=object)
    responses = pd.DataFrame(
        {
            "participant_id": pd.Series(rng.choice(people, 3_000), dtype="str"),
            "phase": pd.Series(rng.choice(np.array(["pre", "post"], dtype=object), 3_000), dtype="str"),
            "item_id": pd.Series(rng.choice(np.array(["Q1", "Q2", "Q3", "Q9"], dtype=object), 3_000), dtype="str"),
            "training_id": pd.Series(rng.choice(np.array(["T1", None], dtype=object), 3_000), dtype="str"),
            "score": np.where(rng.random(3_000) < 0.1, np.nan, rng.integers(0, 2, 3_000).astype(float)),
            "test_date": pd.to_datetime(rng.choice(np.array(["2024-01-02", None], dtype=object), 3_000)),
        }
    )
    items = pd.DataFrame({"item_id": ["Q1", "Q2", "Q3"], "points": [1.0, 2.0, 0.5]})
    whole = scoring.complete_scores(responses, items)
    assert len(whole[0]) and len(whole[1])  # complete and incomplete tests both found

    monkeypatch.setattr(scoring, "SPREAD_ROWS", 7)
    codes, uniques = scoring.factorize_codes(values, narrow=True)
    want_codes, want_uniques = pd.factorize(values)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(uniques, want_uniques)
    groups, first = scoring._first_rows(mask, values, 40)
    np.testing.assert_array_equal(groups, want_first.index.to_numpy())
    np.testing.assert_array_equal(first, want_first.to_numpy())
    parts = scoring.complete_scores(responses, items)
    pd.testing.assert_frame_equal(parts[0], whole[0])
    pd.testing.assert_frame_equal(parts[1], whole[1])


@pytest.mark.parametrize("n_files", [3, 5_000])  # few places: counted in an array; many: sorted
def test_records_per_row_counts_what_a_groupby_counts(monkeypatch, n_files):
    from tip_eval import scoring, validation_checks

    monkeypatch.setattr(validation_checks, "SPREAD_ROWS", 11)
    monkeypatch.setattr(scoring, "SPREAD_ROWS", 11)
    rng = np.random.default_rng(n_files)
    n = 400
    files = pd.Series(rng.choice(np.array([f"f{i}.xlsx" for i in range(n_files)], dtype=object), n))
    sheets = pd.Series(rng.choice(np.array(["Pre-test", "Post-test", None], dtype=object), n))
    rows = pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(2, 2_000, n)), dtype="Int64")
    per_sheet = validation_checks._records_per_row(files.astype("category"), sheets, pd.Series(rows))
    got = {(f, sh, r): k for (f, sh), counts in per_sheet.items() for r, k in counts.items()}
    frame = pd.DataFrame({"f": files, "sh": sheets, "r": rows}).dropna(subset=["r"])
    want = frame.groupby(["f", "sh", "r"], dropna=False).size()
    assert got == {(f, None if pd.isna(sh) else sh, int(r)): int(k) for (f, sh, r), k in want.items()}


def test_flagged_sets_what_indexing_sets(monkeypatch):
    from tip_eval import scoring

    monkeypatch.setattr(scoring, "SPREAD_ROWS", 7)
    rng = np.random.default_rng(4)
    positions = rng.integers(0, 30, 100).astype(np.int32)
    keep = rng.random(100) < 0.4
    want, want_kept = np.zeros(40, dtype=bool), np.zeros(40, dtype=bool)
    want[positions] = True
    want_kept[positions[keep]] = True
    np.testing.assert_array_equal(scoring.flagged(40, positions), want)
    np.testing.assert_array_equal(scoring.flagged(40, positions, keep=keep), want_kept)
