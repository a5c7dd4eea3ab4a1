"""Messy partner files: every planted mistake is reported at its exact file, sheet, row and column."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from .conftest import CORPUS, located


def _make_messy():
    spec = importlib.util.spec_from_file_location("make_messy", Path(__file__).with_name("make_messy.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_is_committed_and_byte_stable(tmp_path):
    out = _make_messy().main(tmp_path / "again")
    files = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    assert files, "run python tests/ingest/make_messy.py"
    for rel in files:
        assert (out / rel).read_bytes() == (CORPUS / rel).read_bytes(), f"{rel} differs from make_messy.py's output"
    assert sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()) == files


def _one(problems, *where, startswith: str, severity: str = "error") -> pd.Series:
    hits = located(problems, *where)
    hits = hits[hits["problem"].str.startswith(startswith)]
    assert len(hits) == 1, (where, startswith, problems.to_string())
    row = hits.iloc[0]
    assert row["severity"] == severity
    return row


# --- wide: Indonesian CSV, pre_/_post markers -----------------------------------------------------


def test_unknown_label_lists_the_closest_known_labels(corpus):
    p = corpus("wide").report.problems
    row = _one(p, "tests.csv", None, 3, "Sektor", "Polise", startswith="sector 'Polise' is not a known sector label")
    assert row["fix"].startswith("Correct the cell to a listed value (closest known: police (= law_enforcement)")
    assert 'sectors = { "Polise" = "other" }' in row["fix"]  # or say what it means, once, in study.toml
    assert "the person and their answers are kept" in row["problem"]


def test_ambiguous_decimal_comma_is_refused_not_guessed(corpus):
    p = corpus("wide").report.problems
    row = _one(
        p, "tests.csv", None, 4, "Lama bekerja (tahun)", "1,5", startswith="years_experience '1,5' is not a number"
    )
    assert "ambiguous" in row["problem"]


def test_duplicate_participant_points_at_the_first(corpus):
    p = corpus("wide").report.problems
    _one(
        p,
        "tests.csv",
        None,
        5,
        "ID Peserta",
        "P01",
        startswith="participant_id is repeated: each value may appear only once (first in row 2)",
    )


def test_wide_sheet_reads_phases_ids_and_thai_digits(corpus):
    s = corpus("wide")
    part = s.participants.set_index("participant_id")
    # P02 (sector "Polise") and P03 (years "1,5") are kept without that value; the second P01 is set aside
    assert list(part.index) == ["P01", "P02", "P03", "P05"]
    assert pd.isna(part.loc["P02", "sector"]) and part.loc["P02", "gender"] == "man"
    assert pd.isna(part.loc["P03", "years_experience"]) and part.loc["P03", "sector"] == "ngo"
    assert part.loc["P05", "years_experience"] == 5.0  # "๕", and "p 05" is P05
    assert part.loc["P05", "gender"] == "non_binary"
    assert part.loc["P01", "sector"] == "law_enforcement"  # "Penegak hukum", the first P01 row
    r = s.responses[s.responses["participant_id"] == "P01"].set_index(["phase", "item_id"])["score"]
    assert r.to_dict() == {
        ("pre", "Q01"): 1.0,
        ("pre", "Q02"): 1.0,
        ("pre", "Q03"): 0.0,
        ("post", "Q01"): 1.0,
        ("post", "Q02"): 1.0,
        ("post", "Q03"): 1.0,
    }
    # P05 left the post-test blank: no post-test, no warning
    assert set(s.scores.loc[s.scores["participant_id"] == "P05", "phase"]) == {"pre"}
    conf = s.confidence.set_index(["participant_id", "phase", "competency_id"])["rating"]
    assert conf[("P01", "pre", "C01")] == 4 and conf[("P01", "post", "C01")] == 5


# --- totals: digits, percentages, thousands -------------------------------------------------------


def test_totals_read_thai_and_khmer_digits_percentages_and_thousands(corpus):
    s = corpus("totals")
    sc = s.scores.set_index(["participant_id", "phase"])
    assert (sc.loc[("T01", "pre"), "score"], sc.loc[("T01", "pre"), "max_score"]) == (12.0, 20.0)  # ๑๒ of 20
    assert sc.loc[("T06", "pre"), "score"] == 15.0  # ១៥
    assert (sc.loc[("T02", "pre"), "score"], sc.loc[("T02", "pre"), "max_score"], sc.loc[("T02", "pre"), "pct"]) == (
        85.0,
        100.0,
        85.0,
    )
    assert (sc.loc[("T03", "pre"), "score"], sc.loc[("T03", "pre"), "max_score"]) == (
        1250.0,
        2000.0,
    )  # "1,250" of "2,000"
    assert s.responses.empty


def test_totals_problems_are_located(corpus):
    p = corpus("totals").report.problems
    _one(p, "scores.csv", None, 5, "Pre-test score", "12,5", startswith="score '12,5' is not a number")
    _one(p, "scores.csv", None, 6, "Pre-test score", "25.0", startswith="score is more than the maximum score")
    assert (p["severity"] == "error").sum() == 2, p.to_string()


# --- long: Thai workbook --------------------------------------------------------------------------


def test_buddhist_era_dates_and_thai_headers(corpus):
    s = corpus("long_th")
    tr = s.trainings.iloc[0]
    assert (tr["training_id"], tr["country"], tr["province"]) == ("THA-CRI-2022", "THA", "Chiang Rai")
    assert tr["start_date"] == pd.Timestamp("2022-09-13") and tr["end_date"] == pd.Timestamp("2022-09-15")
    assert s.participants.set_index("participant_id")["sector"].to_dict() == {
        "L01": "law_enforcement",
        "L02": "ngo",
        "L03": "government_social_services",
    }


def test_long_sheet_problems_are_located(corpus):
    p = corpus("long_th").report.problems
    row = _one(p, "answers.xlsx", "คำตอบ", 6, "ช่วง", "หลังอบรม", startswith="phase 'หลังอบรม' is not a known phase label")
    assert "closest known" in row["fix"]
    _one(p, "answers.xlsx", "คำตอบ", 20, "ข้อ", "Q99", startswith="item_id 'Q99' is not in the item bank")
    _one(p, "answers.xlsx", "คำตอบ", 21, "รหัสผู้เข้าอบรม", "L09", startswith="participant_id 'L09' is not in the roster")
    # the post-test answer set aside in row 6 leaves L01's post-test incomplete: no score, said once
    _one(
        p,
        "answers.xlsx",
        "คำตอบ",
        5,
        "รหัสผู้เข้าอบรม",
        "L01",
        startswith="the post-test score of L01 is not computed: 1 of its 3 answers was not read or was set aside (Q02)",
    )
    assert (p["severity"] == "error").sum() == 4, p.to_string()


# --- prepost: two sheets, IDs ----------------------------------------------------------------------


def test_ids_link_across_case_and_spaces_but_keep_leading_zeros(corpus):
    s = corpus("prepost_ids")
    phases = s.scores.groupby("participant_id")["phase"].apply(set).to_dict()
    assert phases == {"P001": {"pre", "post"}, "P002": {"pre", "post"}, "007": {"pre"}}
    p = s.report.problems
    _one(p, "tests.xlsx", "Post", 4, "Participant ID", "7", startswith="participant_id '7' is not in the roster")
    _one(p, "tests.xlsx", "Post", 5, "Participant ID", "P004", startswith="participant_id 'P004' is not in the roster")
    q = s.quarantine
    # their answers are set aside, and no score is derived from answers set aside
    assert set(q.loc[q["table"] == "responses", "row"]) == {4, 5}
    assert not (q["table"] == "scores").any()


# --- kobo: XML names and group paths --------------------------------------------------------------


def test_kobo_export_groups_metadata_and_a_likert_typo(corpus):
    s = corpus("kobo_xml")
    p = s.report.problems
    assert len(p) == 1, p.to_string()  # _uuid, _index, meta/instanceID, start, end: ignored silently
    row = _one(
        p,
        "export.csv",
        None,
        3,
        "confidence_post/C01",
        "Stongly agree",
        startswith="rating 'Stongly agree' is not a 1-5 rating or a known agreement label",
    )
    assert "strongly agree (= 5)" in row["fix"]
    assert set(s.responses["item_id"]) == {"Q01", "Q02", "Q03"}  # pretest/q01 -> Q01
    phases = s.scores.groupby("participant_id")["phase"].apply(set).to_dict()
    assert phases == {"K01": {"pre", "post"}, "K02": {"pre", "post"}, "K03": {"pre"}}
    assert s.scores.set_index(["participant_id", "phase"]).loc[("K01", "pre"), "score"] == 3.0
