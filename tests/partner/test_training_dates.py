"""Dates as partners' Excel stores them, and a bad training attribute that must not cost its people."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
from openpyxl.utils.datetime import CALENDAR_MAC_1904

import tip_eval as te

from .conftest import fill_template, study_toml

TOML = '[[sources]]\nfile = "KHM.xlsx"\nlayout = "template"\n'


def _study(tmp_path, blank, edit):
    fill_template(blank, tmp_path / "KHM.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "KHM.xlsx")
    edit(wb)
    wb.save(tmp_path / "KHM.xlsx")
    return study_toml(tmp_path, TOML)


def test_buddhist_era_years_in_date_cells(tmp_path, blank_template):
    def edit(wb):
        wb["Training"]["F2"] = dt.datetime(2566, 4, 18)  # Excel with Thai settings stores 18/4/2566 so
        wb["Training"]["G2"] = dt.datetime(2566, 4, 20)

    folder = _study(tmp_path, blank_template, edit)
    report = te.validate(folder)  # never raises
    assert report.problems.empty, report.problems.to_string()
    tr = te.load_study(folder).trainings.iloc[0]
    assert (tr["start_date"], tr["end_date"]) == (pd.Timestamp("2023-04-18"), pd.Timestamp("2023-04-20"))


def test_impossible_year_in_a_date_cell_is_a_problem_not_a_crash(tmp_path, blank_template):
    def edit(wb):
        wb["Training"]["G2"] = dt.datetime(3023, 4, 20)

    report = te.validate(_study(tmp_path, blank_template, edit))
    p = report.problems
    assert len(p) == 1 and (p.iloc[0]["sheet"], p.iloc[0]["row"], p.iloc[0]["column"]) == ("Training", 2, "End date")


def test_numbers_in_a_1904_workbook_are_1904_serials(tmp_path, blank_template):
    def edit(wb):
        wb.epoch = CALENDAR_MAC_1904
        wb["Training"]["F2"] = dt.datetime(2023, 4, 18)
        wb["Training"]["G2"] = (dt.date(2023, 4, 20) - dt.date(1904, 1, 1)).days  # a plain number, not a date cell
        wb["Training"]["G2"].number_format = "General"

    folder = _study(tmp_path, blank_template, edit)
    study = te.load_study(folder)
    assert study.trainings.iloc[0]["end_date"] == pd.Timestamp("2023-04-20")


def test_end_before_start_is_one_problem_and_keeps_the_people(tmp_path, blank_template):
    def edit(wb):
        wb["Training"]["G2"] = dt.datetime(2023, 4, 10)

    study = te.load_study(_study(tmp_path, blank_template, edit), on_error="quarantine")
    p = study.report.problems
    assert len(p) == 1, p.to_string()
    assert (p.iloc[0]["sheet"], p.iloc[0]["row"], p.iloc[0]["column"]) == ("Training", 2, "End date")
    assert "kept" in p.iloc[0]["problem"]
    assert len(study.participants) == 12 and len(study.scores) == 24 and len(study.confidence) == 12 * 2 * 7
    assert pd.isna(study.trainings.iloc[0]["end_date"]) and study.quarantine.empty


def test_unreadable_training_attribute_keeps_the_people(tmp_path, blank_template):
    def edit(wb):
        wb["Training"]["B2"] = "Cambodja"  # not a country label
        wb["Training"]["F2"] = "sometime in April"

    study = te.load_study(_study(tmp_path, blank_template, edit), on_error="quarantine")
    p = study.report.problems
    assert set(p["column"]) == {"Country", "Start date"} and len(p) == 2
    assert len(study.participants) == 12 and len(study.scores) == 24
