"""A long table's cells held once per distinct text (io.compact) change nothing a load produces."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import tip_eval as te
from tip_eval.io import compact
from tip_eval.io.compact import expand_cells, join_cells

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _cells(*values):
    return pd.Series(np.array(values, dtype=object), dtype=object)


@pytest.fixture
def compact_all(monkeypatch):
    monkeypatch.setattr(compact, "COMPACT_ROWS", 0)


def test_text_and_empty_cells_are_joined_as_codes_and_come_back_as_they_were(compact_all):
    one = pd.DataFrame(
        {
            "answer": _cells("A", None, "B"),
            "rating": _cells(3, "3", None),  # a number and a text: kept, 3 and "3" differ
            "item_id": _cells("Q1", np.nan, "Q2"),  # NaN is not None: kept
            "_file": _cells("a.xlsx", "a.xlsx", "a.xlsx"),  # provenance: kept
        }
    )
    two = pd.DataFrame(
        {
            "answer": _cells("C", "A"),
            "rating": _cells("4", "5"),
            "item_id": _cells("Q1", "Q3"),
            "_file": _cells("b.xlsx", "b.xlsx"),
        }
    )
    expected = pd.concat([one, two], ignore_index=True)
    joined = join_cells([one, two])
    assert list(joined.columns) == list(expected.columns)
    assert isinstance(joined["answer"].dtype, pd.CategoricalDtype)
    assert list(joined["answer"].cat.categories) == ["A", "B", "C"]
    assert joined["answer"].cat.codes.tolist() == [0, -1, 1, 2, 0]
    for c in ("rating", "item_id", "_file"):
        assert joined[c].dtype == object
    back = expand_cells(joined)
    pd.testing.assert_frame_equal(back, expected)
    assert back["answer"].tolist() == ["A", None, "B", "C", "A"]  # None, not NaN
    assert back["rating"].tolist()[:2] == [3, "3"]


def test_joined_frames_hold_what_pandas_concat_holds(compact_all):
    one = pd.DataFrame({"answer": _cells("A", None), "item_id": _cells("Q1", "Q2"), "_row": [2, 3]})
    two = pd.DataFrame({"answer": _cells("C", "A", "D"), "item_id": pd.array(["Q1", "Q3", "Q4"]), "_row": [2, 3, 4]})
    three = pd.DataFrame({"answer": _cells(None, "B"), "_row": [5, 6], "score": [1.0, 0.0]})  # no item_id
    for frames in ([one, two], [one, two, three], [three], [one[["answer"]], three[["answer"]]]):
        joined = join_cells(frames)
        assert isinstance(joined["answer"].dtype, pd.CategoricalDtype)
        pd.testing.assert_frame_equal(expand_cells(joined), pd.concat(frames, ignore_index=True))
    # an empty cell of a frame without the column is NaN: that column is kept as it is
    assert join_cells([one, two, three])["item_id"].dtype == object


def test_small_tables_are_joined_by_pandas_alone():
    one = pd.DataFrame({"answer": _cells("A", None)})
    joined = join_cells([one, one])
    assert joined["answer"].dtype == object
    pd.testing.assert_frame_equal(joined, pd.concat([one, one], ignore_index=True))


def _load_everything(folder: Path) -> dict:
    study = te.load_study(folder, cache=False, on_error="quarantine")
    out = {t: getattr(study, t) for t in ("participants", "responses", "confidence", "scores", "followup_codes")}
    out["quarantine"] = study.quarantine
    out["problems"] = study.report.problems
    out["reconciliation"] = study.report.reconciliation
    out["row_sources"] = study.row_sources
    return out


@pytest.fixture(scope="module")
def messy_study(tmp_path_factory) -> Path:
    """sample_data with answers and IDs of every kind a partner writes, right and wrong."""
    folder = tmp_path_factory.mktemp("messy") / "study"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("programme"))
    path = folder / "trainings" / "THA-CMI-2022.xlsx"
    wb = openpyxl.load_workbook(path)
    pre, post = wb["Pre-test"], wb["Post-test"]
    # answers: out of range, read as an option, a number, a boolean, blank, words; a participant
    # not on the roster, an ID typed as a number, a test date that is no date
    for (r, c), v in {
        (2, 3): "E",
        (3, 4): "a",
        (4, 5): "D.",
        (5, 6): 3,
        (6, 7): True,
        (7, 8): None,
        (8, 9): "AB",
        (9, 1): "THA-CMI-2022-P999",
        (10, 1): 12345,
        (11, 2): "not a date",
        (12, 2): dt.datetime(2022, 8, 23),
    }.items():
        pre.cell(r, c).value = v
    for r in range(2, 6):
        post.cell(r, 3).value = None
    wb.save(path)
    return folder


def test_a_study_loads_the_same_with_and_without_compacted_cells(messy_study, monkeypatch):
    monkeypatch.setattr(compact, "COMPACT_ROWS", 10**12)  # nothing compacted
    plain = _load_everything(messy_study)
    monkeypatch.setattr(compact, "COMPACT_ROWS", 0)  # every table compacted
    compacted = _load_everything(messy_study)
    assert len(plain["quarantine"]) > 0 and len(plain["problems"]) > 5  # the messy cells were found
    for key in (
        "problems",
        "participants",
        "responses",
        "confidence",
        "scores",
        "followup_codes",
        "quarantine",
        "reconciliation",
    ):
        pd.testing.assert_frame_equal(plain[key], compacted[key], check_exact=True)
    assert set(plain["row_sources"]) == set(compacted["row_sources"])
    for t in plain["row_sources"]:
        pd.testing.assert_frame_equal(plain["row_sources"][t], compacted["row_sources"][t], check_exact=True)


def test_frames_with_the_same_columns_are_joined_column_by_column_to_the_same_table(compact_all):
    # every sheet of a layout gives the same columns: the join builds one column at a time, and must
    # give what pandas.concat and the compaction of the whole table give
    def frame(answers, items, rows, file):
        return pd.DataFrame(
            {
                "answer": _cells(*answers),
                "item_id": _cells(*items),
                "_file": _cells(*[file] * len(rows)),
                "_row": pd.array(rows, dtype="Int64"),
                "score": np.array([1.0] * len(rows)),
            }
        )

    one = frame(["A", None, 3], ["Q1", "Q2", "Q1"], [2, 3, None], "a.xlsx")  # a number among the answers
    two = frame(["B", "C"], ["Q2", np.nan], [2, 3], "b.xlsx")  # NaN is not None: item_id kept as objects
    three = frame(["A", "D"], ["Q3", "Q1"], [4, 5], "c.xlsx")
    frames = [one, two, three]
    joined = join_cells(frames)
    assert joined["answer"].dtype == object and joined["item_id"].dtype == object  # neither all text
    pd.testing.assert_frame_equal(joined, pd.concat(frames, ignore_index=True))
    text = join_cells([one.iloc[:2], three])  # all text or empty: compacted, in the order of appearance
    assert list(text["answer"].cat.categories) == ["A", "D"] and text["answer"].cat.codes.tolist() == [0, -1, 0, 1]
    assert list(text["item_id"].cat.categories) == ["Q1", "Q2", "Q3"]
    pd.testing.assert_frame_equal(expand_cells(text), pd.concat([one.iloc[:2], three], ignore_index=True))
    assert text["_file"].dtype == object  # provenance is left to compact_names
