"""Answers that cannot be read are located problems; no score is built from answers set aside."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

import tip_eval as te
from tip_eval.scoring import read_answer

from .conftest import study_toml

BANK = [
    ("Q01", "definitions_law", "A", 1, 4),
    ("Q02", "identification", "B", 1, 4),
    ("Q03", "protection_support", "C", 1, 4),
    ("Q04", "recovery_reintegration", "D", 1, 4),
]
TRAINING = """
[sources.training]
training_id = "{tid}"
country = "KHM"
province = "Phnom Penh"
start_date = 2023-04-18
end_date = 2023-04-20
language = "km"
"""


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _bank(folder):
    _csv(folder / "items.csv", [["Item ID", "Module", "Correct answer", "Points", "Number of options"], *BANK])
    return '[[sources]]\nfile = "items.csv"\nlayout = "item_bank"\n\n'


@pytest.mark.parametrize(
    ("answer", "key", "n", "expected"),
    [
        ("a", "A", 4, ("A", None)),
        ("D.", "B", 4, ("D", None)),
        (" D ", "B", 4, ("D", None)),
        ("A)", "A", 4, ("A", None)),
        ("(b)", "A", 4, ("B", None)),
        ("2", "2", 4, ("2", None)),
        ("TRUE", "True", None, ("TRUE", None)),
        (None, "A", 4, (None, None)),
    ],
)
def test_unambiguous_answers_are_read_as_their_option(answer, key, n, expected):
    assert read_answer(answer, key, n) == expected


@pytest.mark.parametrize(
    ("answer", "key", "n"),
    [("E", "A", 4), ("3", "A", 4), ("AB", "A", 4), ("A/B", "C", 4), ("F", "A", None), ("6", "2", 5), ("B", "2", 4)],
)
def test_malformed_answers_are_problems(answer, key, n):
    option, problem = read_answer(answer, key, n)
    assert option is None and "is not one of this question's options" in problem


def test_malformed_answers_are_located_and_leave_no_score(tmp_path):
    rows = [
        [
            "Participant ID",
            "Sector",
            "pre_Q01",
            "pre_Q02",
            "pre_Q03",
            "pre_Q04",
            "post_Q01",
            "post_Q02",
            "post_Q03",
            "post_Q04",
        ]
    ]
    rows += [[f"P{i:02d}", "NGO", "A", "B", "A", "D", "A", "B", "C", "D"] for i in range(1, 7)]
    rows[1][4] = "E"  # P01 pre Q03: not an option of a 4-option item
    rows[2][7] = "3"  # P02 post Q02
    rows[3][9] = "AB"  # P03 post Q04
    rows[4][3] = "a"  # P04 pre Q02 (key B): read as A, a note
    rows[5][8] = " C. "  # P05 post Q03: read as C
    _csv(tmp_path / "tests.csv", rows)
    study_toml(
        tmp_path,
        _bank(tmp_path) + '[[sources]]\nfile = "tests.csv"\nlayout = "wide"\n' + TRAINING.format(tid="KHM-A-2023"),
    )
    study = te.load_study(tmp_path, on_error="quarantine")
    p = study.report.problems
    errors = p[p["severity"] == "error"]
    bad = errors[errors["problem"].str.contains("is not one of this question's options")]
    assert set(zip(bad["row"], bad["column"], bad["value"])) == {
        (2, "pre_Q03", "E"),
        (3, "post_Q02", "3"),
        (4, "post_Q04", "AB"),
    }
    s = study.scores.set_index(["participant_id", "phase"])["score"]
    assert ("P01", "pre") not in s.index and ("P02", "post") not in s.index and ("P03", "post") not in s.index
    assert s[("P01", "post")] == 4 and s[("P04", "pre")] == 2 and s[("P05", "post")] == 4
    missing = errors[errors["problem"].str.contains("not computed")]
    assert len(missing) == 2
    one = missing[missing["row"] == 2].iloc[0]
    assert one["problem"].startswith("the pre-test score of P01 is not computed")
    # it follows from the answer set aside on its row, listed first among the root causes
    assert p.loc[one["caused_by"], "value"] == "E" and p.loc[one["caused_by"], "row"] == 2
    two = missing[missing["row"] == 3].iloc[0]
    assert "post-test scores of 2 people (rows 3-4)" in two["problem"]
    notes = p[
        p["problem"].str.startswith("answer 'a' was read as 'A'")
        | p["problem"].str.startswith("answer 'C.' was read as 'C'")
    ]
    assert set(notes["severity"]) == {"warning"} and len(notes) == 2


def test_answers_set_aside_never_become_zero_scores(tmp_path):
    """A long file numbering its items 1..4 where the bank says Q01..Q04: no scores, not zeros."""
    _csv(
        tmp_path / "good.csv",
        [
            [
                "Participant ID",
                "Sector",
                "pre_Q01",
                "pre_Q02",
                "pre_Q03",
                "pre_Q04",
                "post_Q01",
                "post_Q02",
                "post_Q03",
                "post_Q04",
            ]
        ]
        + [[f"G{i:02d}", "NGO", "A", "B", "A", "A", "A", "B", "C", "D"] for i in range(1, 7)],
    )
    long = [["Participant ID", "Sector", "Phase", "Item", "Answer"]]
    for i in range(1, 7):
        for phase in ("pre", "post"):
            for k, (_, _, key, _, _) in enumerate(BANK, start=1):
                long.append([f"L{i:02d}", "Police", phase, str(k), key])
    _csv(tmp_path / "long.csv", long)
    study_toml(
        tmp_path,
        _bank(tmp_path)
        + '[[sources]]\nfile = "good.csv"\nlayout = "wide"\n'
        + TRAINING.format(tid="KHM-A-2023")
        + '\n[[sources]]\nfile = "long.csv"\nlayout = "long"\n'
        + TRAINING.format(tid="KHM-B-2023"),
    )
    study = te.load_study(tmp_path, on_error="quarantine")
    assert set(study.scores["training_id"]) == {"KHM-A-2023"}
    g = te.gains(study, by="training_id").set_index("training_id")
    assert "KHM-B-2023" not in g.index or g.loc["KHM-B-2023", "n"] == 0
    p = study.report.problems
    unknown = p[p["problem"].str.contains("is not in the item bank")]
    assert len(unknown) == 4 and set(unknown["file"]) == {"long.csv"}  # one line per unknown item, not per row
    lost = p[p["problem"].str.contains("scores of 6 people")]
    assert len(lost) == 2 and set(lost["file"]) == {"long.csv"}


def test_score_needs_every_item(tmp_path):
    """A sheet without a column for one item of the bank gives no score (one line), not a total of the rest."""
    rows = [
        ["Participant ID", "Sector", "pre_Q01", "pre_Q02", "pre_Q03", "post_Q01", "post_Q02", "post_Q03", "post_Q04"]
    ]
    rows += [[f"P{i:02d}", "NGO", "A", "B", "C", "A", "B", "C", "D"] for i in range(1, 6)]
    _csv(tmp_path / "tests.csv", rows)
    study_toml(
        tmp_path,
        _bank(tmp_path) + '[[sources]]\nfile = "tests.csv"\nlayout = "wide"\n' + TRAINING.format(tid="KHM-A-2023"),
    )
    study = te.load_study(tmp_path, on_error="quarantine")
    assert set(study.scores["phase"]) == {"post"} and len(study.scores) == 5
    p = study.report.problems
    line = p[p["problem"].str.contains("pre-test scores of 5 people")]
    assert len(line) == 1 and "Q04" in line.iloc[0]["problem"] and line.iloc[0]["row"] == 2
    assert pd.isna(line.iloc[0]["value"])
