"""A question whose answers cannot be judged is left out of every score, never scored 0 for everyone.

Every file here is written by hand in the test (csv and openpyxl), not by tip_eval's own tools: an
item bank CSV with a key that is not an option, a training workbook whose Items sheet keys a
question with its words, a KoboToolbox-style export (groups as ``/``) read against a bank whose
true/false key meets answers that are not true or false.
"""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd

import tip_eval as te

from .conftest import study_toml

TRAINING = """
[sources.training]
training_id = "{tid}"
country = "KHM"
province = "Kampot"
start_date = 2024-03-04
end_date = 2024-03-06
language = "km"
"""

KEYS = {"K1": "A", "K2": "B", "K3": "C", "K4": "D"}
#: each person's answers (pre, post) to K1..K4; scores are counted by hand below
ANSWERS = {
    "P01": ("ABCA", "ABCD"),
    "P02": ("BBCD", "ABCD"),
    "P03": ("CCCC", "ABCC"),
    "P04": ("AAAA", "ABAD"),
    "P05": ("DCBA", "ABCD"),
    "P06": ("ABDD", "BBCD"),
}


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _hand_score(answers: str, items: list[str]) -> int:
    return sum(a == KEYS[i] for a, i in zip(answers, KEYS) if i in items)


def _wide(path):
    rows = [["Participant ID", "Sector", *(f"pre_{i}" for i in KEYS), *(f"post_{i}" for i in KEYS)]]
    rows += [[p, "NGO", *pre, *post] for p, (pre, post) in ANSWERS.items()]
    _csv(path, rows)


def test_a_key_that_is_not_an_option_leaves_the_question_out(tmp_path):
    """Bank CSV: K3 keyed E on a 4-option question. Quarantine mode scores the other three, out of 3."""
    _csv(
        tmp_path / "bank.csv",
        [
            ["Item ID", "Module", "Correct answer", "Points", "Number of options"],
            ["K1", "definitions_law", "A", 1, 4],
            ["K2", "identification", "B", 1, 4],
            ["K3", "protection_support", "E", 1, 4],
            ["K4", "recovery_reintegration", "D", 1, 4],
        ],
    )
    _wide(tmp_path / "tests.csv")
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "bank.csv"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "tests.csv"\nlayout = "wide"\n' + TRAINING.format(tid="KHM-KPT-2024"),
    )
    report = te.validate(tmp_path)
    p = report.problems
    key = p[p["column"] == "Correct answer"]
    assert len(key) == 1
    assert (key.iloc[0]["file"], key.iloc[0]["row"], key.iloc[0]["value"]) == ("bank.csv", 4, "E")
    assert "not one of the question's options (A-D)" in key.iloc[0]["problem"]
    assert "left out of every score" in key.iloc[0]["problem"] and key.iloc[0]["fix"]
    # its answers are set aside: one line per sheet (each row is named in the quarantine), not one per cell
    answers = p[p["problem"].str.contains("item_id 'K3' has a problem in the item bank")]
    assert list(zip(answers["file"], answers["column"], answers["row"])) == [("tests.csv", "pre_K3", 2)]
    assert answers.iloc[0]["problem"].startswith(f"{2 * len(ANSWERS)} responses rows set aside")
    assert not report.ok

    study = te.load_study(tmp_path, on_error="quarantine")
    assert "K3" not in set(study.items["item_id"])
    q = study.quarantine
    assert len(q[(q["table"] == "items") & (q["row"] == 4)]) == 1
    assert len(q[(q["table"] == "responses") & q["problem"].str.contains("K3")]) == 2 * len(ANSWERS)
    s = study.scores.set_index(["participant_id", "phase"])
    assert (s["max_score"] == 3).all() and len(s) == 2 * len(ANSWERS)
    for pid, (pre, post) in ANSWERS.items():
        assert s.loc[(pid, "pre"), "score"] == _hand_score(pre, ["K1", "K2", "K4"])
        assert s.loc[(pid, "post"), "score"] == _hand_score(post, ["K1", "K2", "K4"])
    assert set(te.item_analysis(study)["item_id"]) == {"K1", "K2", "K4"}


def test_an_items_sheet_keyed_with_words_leaves_the_question_out(tmp_path):
    """A training workbook made in Excel, not with tip-eval template: its Items sheet keys K2 with the option's words."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Training"
    ws.append(["Training ID", "Country", "Province", "Start date", "End date", "Language"])
    ws.append(["KHM-KPT-2024", "Cambodia", "Kampot", "2024-03-04", "2024-03-06", "km"])
    ws = wb.create_sheet("Participants")
    ws.append(["Participant ID", "Sector", "Gender"])
    for pid in ANSWERS:
        ws.append([pid, "Law enforcement", "Woman"])
    for sheet, k in (("Pre-test", 0), ("Post-test", 1)):
        ws = wb.create_sheet(sheet)
        ws.append(["Participant ID", *KEYS])
        for pid, answers in ANSWERS.items():
            ws.append([pid, *answers[k]])
    ws = wb.create_sheet("Items")
    ws.append(["Item ID", "Module", "Correct answer", "Option A", "Option B", "Option C", "Option D"])
    for item, letter in KEYS.items():
        options = [f"{item} option {x}" for x in "ABCD"]
        ws.append([item, "identification", f"{item} option B" if item == "K2" else letter, *options])
    wb.save(tmp_path / "kampot.xlsx")
    study_toml(tmp_path, '[[sources]]\nfile = "kampot.xlsx"\nlayout = "template"\n')
    p = te.validate(tmp_path).problems
    key = p[p["column"] == "Correct answer"]
    assert list(zip(key["sheet"], key["row"], key["value"])) == [("Items", 3, "K2 option B")]
    assert "write B" in key.iloc[0]["fix"] and "left out of every score" in key.iloc[0]["problem"]
    study = te.load_study(tmp_path, on_error="quarantine")
    s = study.scores.set_index(["participant_id", "phase"])["score"]
    assert (study.scores["max_score"] == 3).all()
    assert [s[(pid, "post")] for pid in ANSWERS] == [
        _hand_score(post, ["K1", "K3", "K4"]) for _, post in ANSWERS.values()
    ]


def test_true_false_answers_are_judged_by_meaning_and_others_set_aside(tmp_path):
    """A Kobo-style export (group/question headers) of a true/false question keyed "Benar"."""
    _csv(
        tmp_path / "bank.csv",
        [
            ["Item ID", "Module", "Correct answer", "Points"],
            ["K1", "definitions_law", "A", 1],
            ["TF1", "identification", "Benar", 1],
        ],
    )
    rows = [["start", "Participant ID", "Phase", "participant/sector", "test/K1", "test/TF1"]]
    tf = {
        "P01": ("Benar", "true"),
        "P02": ("Salah", "Ya"),
        "P03": ("maybe", "Benar"),
        "P04": ("C", "Salah"),
        "P05": ("False", "BENAR"),
    }
    for pid, (pre, post) in tf.items():
        rows.append(["2024-03-04", pid, "pre", "NGO", "B", pre])
        rows.append(["2024-03-06", pid, "post", "NGO", "A", post])
    _csv(tmp_path / "export.csv", rows)
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "bank.csv"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "export.csv"\nlayout = "kobo"\n' + TRAINING.format(tid="IDN-DPS-2024"),
    )
    study = te.load_study(tmp_path, on_error="quarantine")
    p = study.report.problems
    bad = p[p["problem"].str.contains("is not one of this question's options")]
    assert set(zip(bad["row"], bad["column"], bad["value"])) == {(6, "test/TF1", "maybe"), (8, "test/TF1", "C")}
    assert all("true or false" in x for x in bad["problem"])
    s = study.scores.set_index(["participant_id", "phase"])["score"]
    # K1 keyed A: B before (0), A after (1); TF1 by meaning
    expected = {
        ("P01", "pre"): 1,
        ("P01", "post"): 2,
        ("P02", "pre"): 0,
        ("P02", "post"): 2,
        ("P03", "post"): 2,
        ("P04", "post"): 1,
        ("P05", "pre"): 0,
        ("P05", "post"): 2,
    }
    assert s.to_dict() == expected  # P03 and P04 have no pre-test score: never a 0
    assert pd.isna(s.get(("P03", "pre"))) and pd.isna(s.get(("P04", "pre")))
