"""Normal set-ups that must not produce false errors."""

from __future__ import annotations

import csv

import openpyxl

import tip_eval as te

from .conftest import study_toml

ITEMS = [("Q01", "definitions_law", "A"), ("Q02", "identification", "B"), ("Q03", "protection_support", "C")]


def _rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _bank(folder):
    _rows(folder / "items.csv", [["Item ID", "Module", "Correct answer"], *ITEMS])
    return '[[sources]]\nfile = "items.csv"\nlayout = "item_bank"\n\n'


def test_one_workbook_read_by_two_prepost_sources(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Training"
    ws.append(["Training ID", "Country", "Province", "Start date", "End date", "Language"])
    ws.append(["IDN-DPS-2023", "Indonesia", "Bali", "2023-05-02", "2023-05-04", "id"])
    roster = wb.create_sheet("Participants")
    roster.append(["Participant ID", "Sector"])
    for sheet in ("Pre", "Post"):
        wb.create_sheet(sheet).append(["Participant ID", "Q01", "Q02", "Q03"])
    for i in range(1, 7):
        roster.append([f"D{i:02d}", "NGO"])
        wb["Pre"].append([f"D{i:02d}", "A", "C", "C"])
        wb["Post"].append([f"D{i:02d}", "A", "B", "C"])
    wb.save(tmp_path / "tests.xlsx")
    study_toml(
        tmp_path,
        _bank(tmp_path)
        + '[[sources]]\nfile = "tests.xlsx"\nlayout = "prepost"\nsheet = "Pre"\nphase = "pre"\n\n'
        + '[[sources]]\nfile = "tests.xlsx"\nlayout = "prepost"\nsheet = "Post"\nphase = "post"\n',
    )
    report = te.validate(tmp_path)
    assert report.problems.empty, report.problems.to_string()
    study = te.load_study(tmp_path)
    assert len(study.trainings) == 1 and len(study.participants) == 6 and len(study.scores) == 12


def test_one_documents_table_shared_by_two_coding_exports(tmp_path):
    _rows(tmp_path / "roster.csv", [["Participant ID", "Sector"]] + [[f"P{i}", "NGO"] for i in range(1, 5)])
    _rows(
        tmp_path / "documents.csv",
        [["Document", "Interview ID", "Participant ID", "Interview date"]]
        + [[f"interview {i}.docx", f"INT-{i}", f"P{i}", "2023-09-0" + str(i)] for i in range(1, 5)],
    )
    _rows(
        tmp_path / "taguette.csv",
        [["id", "document", "tag", "content"]] + [[i, f"interview {i}.docx", "ID_APPLY", "..."] for i in range(1, 5)],
    )
    _rows(
        tmp_path / "qualcoder.csv",
        [["File", "Coder", "Codename", "Coded"]]
        + [[f"interview {i}.docx", "coder_b", "ID_APPLY", "..."] for i in range(1, 5)],
    )
    _rows(
        tmp_path / "codebook.csv",
        [["Code ID", "Label", "Theme", "Level"], ["ID_APPLY", "Applied identification", "Applying", 3]],
    )
    wb = openpyxl.Workbook()
    wb.active.title = "Codebook"
    with open(tmp_path / "codebook.csv", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            wb.active.append(row)
    wb.save(tmp_path / "codebook.xlsx")
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "codebook.xlsx"\nlayout = "codebook"\n\n'
        '[[sources]]\nfile = "roster.csv"\nlayout = "wide"\n\n[sources.training]\ntraining_id = "KHM-A-2023"\n'
        'country = "KHM"\nprovince = "Phnom Penh"\nstart_date = 2023-04-18\nend_date = 2023-04-20\nlanguage = "km"\n\n'
        '[[sources]]\nfile = "taguette.csv"\nlayout = "taguette"\ncoder = "coder_a"\ndocuments = "documents.csv"\n\n'
        '[[sources]]\nfile = "qualcoder.csv"\nlayout = "qualcoder"\ndocuments = "documents.csv"\n',
    )
    study = te.load_study(tmp_path, on_error="quarantine")
    errors = study.report.problems[study.report.problems["severity"] == "error"]
    assert errors.empty, errors.to_string()
    assert len(study.interviews) == 4 and set(study.interviews["coders"]) == {"coder_a;coder_b"}


def test_thai_total_headers_without_a_phase_option(tmp_path):
    _rows(
        tmp_path / "totals.csv",
        [["รหัสผู้เข้าอบรม", "ภาคส่วน", "คะแนนก่อนอบรม", "คะแนนหลังอบรม"]]
        + [[f"T{i:02d}", "เอ็นจีโอ", 10 + i, 14 + i] for i in range(1, 7)],
    )
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "totals.csv"\nlayout = "totals"\nmax_score = 20\n\n'
        '[sources.training]\ntraining_id = "THA-CMI-2022"\ncountry = "THA"\nprovince = "Chiang Mai"\n'
        'start_date = 2022-08-09\nend_date = 2022-08-11\nlanguage = "th"\n',
    )
    report = te.validate(tmp_path)
    assert report.ok, report.problems.to_string()
    study = te.load_study(tmp_path)
    s = study.scores.set_index(["participant_id", "phase"])["score"]
    assert s[("T01", "pre")] == 11 and s[("T06", "post")] == 20
