"""A person's attribute that cannot be read (an unknown sector or gender label, years of experience as
words) is a problem on that cell: the person, their answers and ratings are kept, counted in the
overall results and every other grouping, and grouped by that attribute they are "(missing)".
A partner's own label is mapped once in study.toml (``sectors = { "Fire brigade" = "other" }``).

The files are written by hand here (csv), in an Indonesian partner's words.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd

import tip_eval as te

from .conftest import study_toml

TRAINING = """
[sources.training]
training_id = "IDN-SBY-2024"
country = "IDN"
province = "Jawa Timur"
start_date = 2024-05-06
end_date = 2024-05-08
language = "id"
"""
BANK = [
    ["ID Soal", "Modul", "Kunci jawaban"],
    ["S1", "definitions_law", "A"],
    ["S2", "identification", "B"],
    ["S3", "protection_support", "C"],
]
#: (ID, sector as written, gender as written, years as written, pre answers, post answers)
ROSTER = [
    ("A01", "Polisi", "Perempuan", "4", "ABD", "ABC"),
    ("A02", "Pemadam kebakaran", "Laki-laki", "7", "AAD", "ABC"),
    ("A03", "LSM", "Perempuan", "sepuluh", "CBC", "ABC"),
    ("A04", "Dinas Sosial", "Waria", "2", "DDD", "ABD"),
    ("A05", "Pemadam kebakaran", "Perempuan", "3", "ABC", "ABC"),
    ("A06", "LSM", "Laki-laki", "12", "BBB", "ABB"),
]
KEY = "ABC"


def _write(folder, extra_settings: str = ""):
    with open(folder / "bank.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(BANK)
    rows = [
        [
            "ID Peserta",
            "Sektor",
            "Jenis kelamin",
            "Pengalaman (tahun)",
            "Pra-tes / S1",
            "Pra-tes / S2",
            "Pra-tes / S3",
            "Pasca-tes / S1",
            "Pasca-tes / S2",
            "Pasca-tes / S3",
        ]
    ]
    rows += [[pid, sec, gen, yrs, *pre, *post] for pid, sec, gen, yrs, pre, post in ROSTER]
    with open(folder / "peserta.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    text = (
        '[[sources]]\nfile = "bank.csv"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "peserta.csv"\nlayout = "wide"\n' + TRAINING
    )
    study_toml(folder, text)
    if extra_settings:
        toml = (folder / "study.toml").read_text(encoding="utf-8")
        (folder / "study.toml").write_text(
            toml.replace("[study]\n", f"[study]\n{extra_settings}\n", 1), encoding="utf-8"
        )


def _gain(pid):
    _, _, _, _, pre, post = next(r for r in ROSTER if r[0] == pid)
    return 100 * (sum(a == k for a, k in zip(post, KEY)) - sum(a == k for a, k in zip(pre, KEY))) / len(KEY)


def test_an_unknown_roster_label_keeps_the_person(tmp_path):
    _write(tmp_path)
    study = te.load_study(tmp_path, on_error="quarantine")
    p = study.report.problems
    errors = p[p["severity"] == "error"]
    # one line per cell, located, with both fixes: correct the cell or map the label in study.toml
    assert set(zip(errors["row"], errors["column"], errors["value"])) == {
        (3, "Sektor", "Pemadam kebakaran"),
        (6, "Sektor", "Pemadam kebakaran"),
        (5, "Jenis kelamin", "Waria"),
        (4, "Pengalaman (tahun)", "sepuluh"),
    }
    assert set(errors["file"]) == {"peserta.csv"}
    sector = errors[errors["column"] == "Sektor"].iloc[0]
    assert "the person and their answers are kept" in sector["problem"]
    assert 'sectors = { "Pemadam kebakaran" = "other" }' in sector["fix"] and "Correct the cell" in sector["fix"]
    # nobody set aside: every person, answer and score is kept
    assert study.quarantine.empty
    assert sorted(study.participants["participant_id"]) == [r[0] for r in ROSTER]
    part = study.participants.set_index("participant_id")
    assert part.loc["A02", "sector"] is None or pd.isna(part.loc["A02", "sector"])
    assert pd.isna(part.loc["A04", "gender"]) and pd.isna(part.loc["A03", "years_experience"])
    assert part.loc["A04", "sector"] == "government_social_services"
    overall = te.gains(study).iloc[0]
    assert overall["n"] == len(ROSTER)
    np.testing.assert_allclose(overall["mean_gain"], np.mean([_gain(r[0]) for r in ROSTER]), rtol=1e-12)
    by = te.gains(study, by="sector")
    missing = by[by["sector"].isna()].iloc[0]
    assert missing["n"] == 2
    np.testing.assert_allclose(missing["mean_gain"], np.mean([_gain("A02"), _gain("A05")]), rtol=1e-12)
    assert by["n"].sum() == len(ROSTER)


def test_a_partner_label_mapped_in_study_toml_loads_clean(tmp_path):
    _write(tmp_path, 'sectors = { "Pemadam kebakaran" = "other" }\ngenders = { "Waria" = "transgender_woman" }')
    p = te.validate(tmp_path).problems
    assert list(p["value"][p["severity"] == "error"]) == ["sepuluh"]
    study = te.load_study(tmp_path, on_error="quarantine")
    part = study.participants.set_index("participant_id")
    assert part.loc["A02", "sector"] == "other" and part.loc["A05", "sector"] == "other"
    assert part.loc["A04", "gender"] == "transgender_woman"
