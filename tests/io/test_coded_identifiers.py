"""A large table's identifiers are held as codes while a study loads, and the study is the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import tip_eval as te
import tip_eval.study as study_module
from tip_eval.io import compact
from tip_eval.io.compact import DICTIONARY_COLUMNS, decode_text
from tip_eval.scoring import column_codes
from tip_eval.validation_checks import _isin, _maps_to

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _coded(values: list, extra: tuple = ("zz",)) -> pd.Series:
    """``values`` as a categorical of text with unused categories too (as a table keeps them once
    rows are set aside)."""
    categories = sorted({v for v in values if v is not None} | set(extra))
    return pd.Series(pd.Categorical(values, categories=pd.Index(categories, dtype="str")))


@pytest.mark.parametrize("use_na_sentinel", [True, False])
def test_column_codes_of_a_categorical_are_those_of_its_text(use_na_sentinel):
    rng = np.random.default_rng(3)
    pool = np.array(["b", "a", None, "c", "dd"], dtype=object)
    for n in (1, 2, 9, 300):
        values = list(pool[rng.integers(0, len(pool), n)])
        want_codes, want_uniques = column_codes(pd.Series(values, dtype="str"), use_na_sentinel=use_na_sentinel)
        codes, uniques = column_codes(_coded(values), use_na_sentinel=use_na_sentinel)
        assert codes.tolist() == want_codes.tolist()
        assert codes.dtype == want_codes.dtype
        assert [type(u) for u in uniques] == [type(u) for u in want_uniques]
        assert all(a == b or (pd.isna(a) and pd.isna(b)) for a, b in zip(uniques, want_uniques, strict=True))


def test_matching_a_categorical_gives_what_matching_its_text_gives():
    rng = np.random.default_rng(8)
    people = np.array(["p1", "p2", "p3", "p4", None], dtype=object)
    trainings = np.array(["t1", "t2", "t3", None], dtype=object)
    mapping = pd.Series(["t1", "t2", None], index=pd.Index(["p1", "p2", "p3"], dtype="str"), dtype="str")
    allowed = pd.Series(["p2", "p3", "q"], dtype="str")
    for n in (1, 5, 40):
        who = list(people[rng.integers(0, len(people), n)])
        where = list(trainings[rng.integers(0, len(trainings), n)])
        text_who, text_where = pd.Series(who, dtype="str"), pd.Series(where, dtype="str")
        want = (text_who.map(mapping) == text_where).to_numpy(dtype=bool)
        for a, b in ((_coded(who), _coded(where)), (_coded(who), text_where), (text_who, _coded(where))):
            assert _maps_to(a, mapping, b).tolist() == want.tolist()
        # a missing identifier matches nothing
        assert _isin(_coded(who), allowed).tolist() == [w is not None and w in {"p2", "p3", "q"} for w in who]


def test_decoded_codes_are_the_text_they_name():
    values = ["IDN-1", None, "THA-22", "IDN-1", None]
    frame = pd.DataFrame({"participant_id": _coded(values), "score": [1.0, 0.0, 1.0, 0.5, 0.0]})
    decode_text(frame, ["participant_id", "not_a_column"])
    pd.testing.assert_series_equal(
        frame["participant_id"], pd.Series(values, dtype="str", name="participant_id"), check_exact=True
    )
    assert frame["score"].tolist() == [1.0, 0.0, 1.0, 0.5, 0.0]


@pytest.fixture(scope="module")
def damaged_study(tmp_path_factory) -> Path:
    """sample_data with identifiers a partner gets wrong on the answer sheets: a person not on the
    roster, an ID typed with a space and in lower case, an ID that is no ID, a person of another
    training, a person twice."""
    folder = tmp_path_factory.mktemp("coded") / "study"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("programme"))
    path = folder / "trainings" / "THA-CMI-2022.xlsx"
    wb = openpyxl.load_workbook(path)
    pre, post = wb["Pre-test"], wb["Post-test"]
    pre.cell(3, 1).value = "THA-CMI-2022-P999"  # not on the roster
    pre.cell(4, 1).value = " " + str(pre.cell(4, 1).value).lower()  # the same person, spelled otherwise
    pre.cell(5, 1).value = "P 12/3!"  # not an identifier
    people = te.load_study(SAMPLE, cache=False).participants
    pre.cell(6, 1).value = people.loc[people["training_id"] != "THA-CMI-2022", "participant_id"].iloc[0]
    post.cell(6, 1).value = post.cell(7, 1).value  # one person twice
    wb.save(path)
    return folder


def _everything(folder: Path) -> dict:
    study = te.load_study(folder, cache=False, on_error="quarantine")
    out = {t: getattr(study, t) for t in ("participants", "responses", "scores", "confidence")}
    out["quarantine"] = study.quarantine
    out["problems"] = study.report.problems
    out["reconciliation"] = study.report.reconciliation
    out["row_sources"] = study.row_sources
    return out


def test_a_study_with_coded_identifiers_is_the_study_read_as_text(damaged_study, monkeypatch):
    monkeypatch.setattr(compact, "COMPACT_ROWS", 10**12)  # every table as text
    plain = _everything(damaged_study)
    monkeypatch.setattr(compact, "COMPACT_ROWS", 0)  # every table compacted: the answers' identifiers coded
    seen = {}
    check_tables = study_module.check_tables

    def spy(tables, **kwargs):
        seen.update({c: tables["responses"][c].dtype for c in DICTIONARY_COLUMNS["responses"]})
        return check_tables(tables, **kwargs)

    monkeypatch.setattr(study_module, "check_tables", spy)
    coded = _everything(damaged_study)
    # the identifiers were codes through validation, and are the canonical text in the study
    assert set(seen) == {"participant_id", "training_id", "item_id", "phase"}
    assert all(isinstance(dtype, pd.CategoricalDtype) for dtype in seen.values())
    # the damage was found: the unknown person, the ID that is no ID, the other training's person, the
    # person twice
    records = " ".join(plain["quarantine"]["record"])
    assert "THA-CMI-2022-P999" in records and "P12/3!" in records
    assert plain["problems"]["problem"].str.contains("is registered for training").any()
    assert len(plain["problems"]) >= 4
    for key in ("participants", "responses", "scores", "confidence", "quarantine", "problems", "reconciliation"):
        pd.testing.assert_frame_equal(plain[key], coded[key], check_exact=True)
    assert set(plain["row_sources"]) == set(coded["row_sources"])
    for t in plain["row_sources"]:
        pd.testing.assert_frame_equal(plain["row_sources"][t], coded["row_sources"][t], check_exact=True)
    # the row sources share the decoded columns of the table (one copy of the text)
    responses, where = coded["responses"], coded["row_sources"]["responses"]
    for c in ("participant_id", "item_id"):
        assert np.shares_memory(
            np.frombuffer(responses[c].array._pa_array.chunk(0).buffers()[2], dtype=np.uint8),
            np.frombuffer(where[c].array._pa_array.chunk(0).buffers()[2], dtype=np.uint8),
        )
