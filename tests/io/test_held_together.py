"""What a large load keeps beside its tables is held compactly, and says what it said before.

The records of the sheets read (io.sheet_lines), the headers of each sheet and the compaction of a
joined column (io.compact) were changed so that a study of 2,000 workbooks holds less memory; each is
compared here with what the code before it gave.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tip_eval.io import compact
from tip_eval.io.compact import factorize_in_chunks, join_cells
from tip_eval.io.load import _headers_held_together
from tip_eval.io.sheet_lines import SheetLines


def _old_record(read, rows, ignored, row_lines):
    # what read_sheet recorded per sheet before SheetLines
    return {"read": read, "rows": [int(r) for r in rows], "ignored": dict(ignored), "row_lines": dict(row_lines)}


def test_sheet_lines_give_back_each_sheet_as_the_dictionary_it_replaced():
    sheets = [
        ("a.xlsx", "Pre-test", 3, pd.Series([2, 3, 5]), {4: "blank row"}, {}),
        ("a.xlsx", "Post-test", 0, pd.Series([], dtype="int64"), {}, {}),
        ("b.csv", None, 4, np.array([2, 3, 4]), {}, {3: 2}),  # a CSV file: no sheet; a record of two lines
        ("a.xlsx", "Pre-test", 2, [7, 8], {}, {}),  # the same sheet again: replaces it, keeps its place
    ]
    lines, old = SheetLines(), {}
    for f, sh, read, rows, ignored, row_lines in sheets:
        lines.add(f, sh, read, rows, ignored, row_lines)
        old[(f, sh)] = _old_record(read, rows, ignored, row_lines)
    assert list(lines) == list(old) and len(lines) == 3
    assert dict(lines.items()) == old
    assert all(type(r) is int for r in lines[("a.xlsx", "Pre-test")]["rows"])
    assert lines[("b.csv", None)]["row_lines"] == {3: 2}
    with pytest.raises(KeyError):
        lines[("a.xlsx", "Confidence")]
    lines[("a.xlsx", "Post-test")]["ignored"][9] = "changed"  # a copy: the record is unchanged
    assert lines[("a.xlsx", "Post-test")]["ignored"] == {}


def test_headers_held_together_are_the_same_headers_with_equal_ones_shared():
    headers = {
        ("a.xlsx", "Pre-test"): {"participant_id": "ID", "test_date": "Date"},
        ("b.xlsx", "Pre-test"): {"participant_id": "ID", "test_date": "Date"},
        ("b.xlsx", "Post-test"): {"participant_id": "Code"},
        ("c.csv", None): {},
    }
    held = _headers_held_together(headers)
    assert held == headers and list(held) == list(headers)
    assert held[("a.xlsx", "Pre-test")] is held[("b.xlsx", "Pre-test")]


@pytest.mark.parametrize("seed", range(3))
def test_a_column_factorized_in_chunks_is_what_pandas_factorize_gives(monkeypatch, seed):
    monkeypatch.setattr(compact, "FACTORIZE_CHUNK", 7)
    rng = np.random.default_rng(seed)
    # texts, missing cells of every kind, and values pandas holds equal (1, 1.0 and True)
    pool = np.array(["a", "b", "b ", "A", None, np.nan, pd.NA, 1, 1.0, True, "c"], dtype=object)
    for n in (0, 5, 7, 8, 60, 200):
        values = pool[rng.integers(0, len(pool), n)]
        codes, uniques = factorize_in_chunks(values)
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
