"""A large load's joins hold less at once, and give what they gave before.

The compaction of a joined column (io.compact) was changed so that a study of 2,000 workbooks holds
less memory; it is compared here with what pandas gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tip_eval.io import compact
from tip_eval.io.compact import factorized, join_cells


@pytest.mark.parametrize("seed", range(3))
def test_a_column_factorized_in_chunks_is_what_pandas_factorize_gives(monkeypatch, seed):
    monkeypatch.setattr(compact, "FACTORIZE_CHUNK", 7)
    rng = np.random.default_rng(seed)
    # texts, missing cells of every kind, and values pandas holds equal (1, 1.0 and True)
    pool = np.array(["a", "b", "b ", "A", None, np.nan, pd.NA, 1, 1.0, True, "c"], dtype=object)
    for n in (0, 5, 7, 8, 60, 200):
        values = pool[rng.integers(0, len(pool), n)]
        codes, uniques = factorized(values)
        want_codes, want_uniques = pd.factorize(values, use_na_sentinel=True)
        np.testing.assert_array_equal(codes, want_codes)
        assert codes.dtype == want_codes.dtype
        assert [(type(u), u) for u in uniques] == [(type(u), u) for u in want_uniques]  # the first of equals


def test_a_join_that_consumes_its_frames_gives_the_same_table_and_empties_the_list(monkeypatch):
    monkeypatch.setattr(compact, "COMPACT_ROWS", 0)
    monkeypatch.setattr(compact, "FACTORIZE_CHUNK", 2)

    def frames():
        return [
            pd.DataFrame(
                {
                    "answer": pd.Series(np.array(answers, dtype=object), dtype=object),
                    "_file": pd.Series(np.array([f] * len(answers), dtype=object), dtype=object),
                    "_row": pd.array(range(2, 2 + len(answers)), dtype="Int64"),
                }
            )
            for f, answers in (("a.xlsx", ["A", None, "B"]), ("b.xlsx", ["C", "A"]), ("c.xlsx", ["D"]))
        ]

    kept = frames()
    given = frames()
    joined = join_cells(given, consume=True)
    assert given == []
    pd.testing.assert_frame_equal(joined, join_cells(kept))
    assert len(kept) == 3  # without consume, the caller's list is left as it was
    assert list(joined["answer"].cat.categories) == ["A", "B", "C", "D"]
