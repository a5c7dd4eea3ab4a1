"""Names that differ only in spacing are the same person (the documented policy), not drop-outs."""

from __future__ import annotations

import csv

import tip_eval as te

from .conftest import study_toml

ITEMS = [("Q01", "definitions_law", "A"), ("Q02", "identification", "B")]
PEOPLE = [
    ("Lim Srey Pov", "Lim Sreypov"),
    ("สมชาย ใจดี", "สมชายใจดี"),
    ("Siti Rahmah", "Siti  Rahmah"),
    ("Sok Dara", "Sok Dara"),
    ("Chan Thida", "Chanthida"),
    ("Nguyen Van An", "Nguyen VanAn"),
]


def _rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_names_differing_only_in_spacing_are_linked(tmp_path, hash_key):
    _rows(tmp_path / "items.csv", [["Item ID", "Module", "Correct answer"], *ITEMS])
    _rows(tmp_path / "pre.csv", [["Name", "Sector", "Q01", "Q02"]] + [[a, "NGO", "A", "A"] for a, _ in PEOPLE])
    _rows(tmp_path / "post.csv", [["Name", "Q01", "Q02"]] + [[b, "A", "B"] for _, b in PEOPLE])
    training = (
        '\n[sources.training]\ntraining_id = "KHM-BTB-2023"\ncountry = "KHM"\nprovince = "Battambang"\n'
        'start_date = 2023-06-06\nend_date = 2023-06-08\nlanguage = "km"\n'
    )
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "items.csv"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "pre.csv"\nlayout = "prepost"\nphase = "pre"\nname_column = "Name"\n'
        + training
        + '\n[[sources]]\nfile = "post.csv"\nlayout = "prepost"\nphase = "post"\nname_column = "Name"\n'
        'training_id = "KHM-BTB-2023"\n',
    )
    study = te.load_study(tmp_path, on_error="quarantine")
    errors = study.report.problems[study.report.problems["severity"] == "error"]
    assert errors.empty, errors.to_string()
    pairs = study.scores.pivot(index="participant_id", columns="phase", values="score")
    assert len(pairs) == len(PEOPLE) and pairs.notna().all().all()  # every pre linked to its post


def test_same_name_twice_in_one_list_differing_in_spacing_is_flagged(tmp_path, hash_key):
    _rows(tmp_path / "items.csv", [["Item ID", "Module", "Correct answer"], *ITEMS])
    _rows(
        tmp_path / "pre.csv",
        [
            ["Name", "Sector", "Q01", "Q02"],
            ["Lim Srey Pov", "NGO", "A", "B"],
            ["Lim Sreypov", "NGO", "A", "B"],
            ["Sok Dara", "NGO", "A", "B"],
        ],
    )
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "items.csv"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "pre.csv"\nlayout = "prepost"\nphase = "pre"\nname_column = "Name"\n'
        '\n[sources.training]\ntraining_id = "KHM-BTB-2023"\ncountry = "KHM"\nprovince = "Battambang"\n'
        'start_date = 2023-06-06\nend_date = 2023-06-08\nlanguage = "km"\n',
    )
    p = te.load_study(tmp_path, on_error="quarantine").report.problems
    flagged = p[p["problem"].str.contains("differs only in spacing")]
    assert len(flagged) == 1 and flagged.iloc[0]["row"] == 3 and flagged.iloc[0]["severity"] == "warning"
    assert "Lim" not in p.to_string()  # names are in no problem line
