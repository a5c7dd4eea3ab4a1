"""Canonical schemas: committed data_schemas/ match the models; valid and invalid frames."""

from __future__ import annotations

import pandas as pd
import pytest

from tip_eval import schemas
from tip_eval._data_dictionary import expected_files
from tip_eval.errors import ValidationError
from tip_eval.study import Study
from tip_eval.validation import check_tables

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_committed_data_schemas_match_the_models():
    folder = ROOT / "data_schemas"
    expected = expected_files()
    on_disk = {p.name for p in folder.iterdir() if p.is_file()}
    assert on_disk == set(expected), "regenerate with: python -m tip_eval._data_dictionary data_schemas"
    for name, text in expected.items():
        assert (folder / name).read_text(encoding="utf-8") == text, (
            f"data_schemas/{name} differs from the models; regenerate with: python -m tip_eval._data_dictionary data_schemas"
        )


def test_every_table_is_a_study_attribute_with_canonical_columns(sample_study):
    for table in schemas.TABLES:
        frame = getattr(sample_study, table)
        assert list(frame.columns) == list(schemas.schema(table).columns)
        schemas.schema(table).validate(frame)


def _participants(**overrides):
    base = {
        "participant_id": ["P1", "P2"],
        "training_id": ["T1", "T1"],
        "sector": ["ngo", "law_enforcement"],
        "organisation": ["Org", None],
        "role": [None, "Investigator"],
        "gender": ["woman", "prefer_not_to_say"],
        "years_experience": [3.0, None],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def _trainings():
    return pd.DataFrame(
        {
            "training_id": ["T1"],
            "country": ["KHM"],
            "province": ["Phnom Penh"],
            "venue": [None],
            "organiser": [None],
            "start_date": [pd.Timestamp("2023-04-18")],
            "end_date": [pd.Timestamp("2023-04-20")],
            "language": ["km"],
            "curriculum_version": [None],
        }
    )


def test_valid_minimal_frames_pass():
    out = check_tables({"trainings": _trainings(), "participants": _participants()})
    assert out.problems == []
    assert len(out.kept["participants"]) == 2
    assert out.kept["participants"]["years_experience"].dtype == "float64"


@pytest.mark.parametrize(
    "override, column, value, words",
    [
        ({"sector": ["ngo", "police officer"]}, "sector", "police officer", "sector is not an allowed value"),
        ({"gender": ["woman", "x"]}, "gender", "x", "gender is not an allowed value"),
        (
            {"years_experience": [3.0, -1.0]},
            "years_experience",
            "-1.0",
            "years_experience is out of range: it must be at least 0",
        ),
        ({"participant_id": ["P1", "P 2"]}, "participant_id", "P 2", "participant_id is not a valid identifier"),
        ({"participant_id": ["P1", "P1"]}, "participant_id", "P1", "participant_id is repeated"),
    ],
)
def test_invalid_participants_give_the_exact_failure(override, column, value, words):
    frame = _participants(**override)
    frame["_file"], frame["_sheet"], frame["_row"] = "roster.xlsx", "Participants", [2, 3]
    out = check_tables({"trainings": _trainings(), "participants": frame})
    assert len(out.problems) >= 1
    p = out.problems[-1]
    assert (p.file, p.sheet, p.row, p.column, p.value) == ("roster.xlsx", "Participants", 3, column, value)
    assert p.problem.startswith(words)
    rec = out.reconciliation.set_index("table").loc["participants"]
    if column != "participant_id":
        # a person's attribute: that cell is left empty, the person kept (and counted as kept)
        assert "the person and their answers are kept" in p.problem
        assert list(out.kept["participants"]["participant_id"]) == ["P1", "P2"] and out.quarantine.empty
        assert pd.isna(out.kept["participants"].loc[1, column])
        assert (rec["rows_read"], rec["rows_kept"], rec["rows_quarantined"]) == (2, 2, 0)
        return
    # the bad row is set aside, the good one kept, and rows reconcile
    assert list(out.kept["participants"]["participant_id"]) == ["P1"]
    assert len(out.quarantine) == 1 and out.quarantine.loc[0, "row"] == 3
    assert (rec["rows_read"], rec["rows_kept"], rec["rows_quarantined"]) == (2, 1, 1)


def test_cross_table_rules_are_checked_in_one_place():
    scores = pd.DataFrame(
        {
            "participant_id": ["P1", "P9", "P1"],
            "phase": ["pre", "pre", "post"],
            "training_id": ["T1", "T1", "T1"],
            "score": [10.0, 10.0, 30.0],
            "max_score": [28.0, 28.0, 28.0],
            "pct": [35.7, 35.7, 107.1],
        }
    )
    out = check_tables({"trainings": _trainings(), "participants": _participants(), "scores": scores})
    words = sorted(p.problem for p in out.problems)
    assert words == [
        "participant_id 'P9' is not in the roster",
        "pct is out of range: it must be at most 100",
        "score is more than the maximum score",
    ]
    assert len(out.kept["scores"]) == 1


def test_phase_must_be_pre_or_post_and_keys_unique():
    conf = pd.DataFrame(
        {
            "participant_id": ["P1", "P1", "P1"],
            "phase": ["pre", "pre", "mid"],
            "competency_id": ["C01", "C01", "C01"],
            "rating": [3, 4, 5],
        }
    )
    comps = pd.DataFrame(
        {"competency_id": ["C01"], "label": ["Identify"], "label_km": [None], "label_th": [None], "label_id": [None]}
    )
    out = check_tables(
        {"trainings": _trainings(), "participants": _participants(), "competencies": comps, "confidence": conf}
    )
    words = sorted(p.problem for p in out.problems)
    assert (
        words[0]
        == "participant_id repeats the key (participant_id, phase, competency_id): each combination may appear only once"
    )
    assert any(w.startswith("phase is not an allowed value") for w in words)


def test_study_refuses_invalid_tables_with_the_report():
    with pytest.raises(ValidationError) as info:
        Study(trainings=_trainings(), participants=_participants(sector=["ngo", "pirate"]))
    problems = info.value.report.problems
    assert list(problems["column"]) == ["sector"] and list(problems["value"]) == ["pirate"]
