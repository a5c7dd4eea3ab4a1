"""Every file of the hostile and messy corpus (tests/io/corpus/) gives its exact outcome.

Hostile files must be refused with a message that names the file and says what to do; the
far-away-cell files must be refused by the guard, before the Rust reader sees them (it would
abort the whole test process). Messy files must read to the exact table, with the exact located
problems and notes.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tip_eval.errors import InputRefused
from tip_eval.io import CellError, clean_frame, guard_workbook, list_sheets, parse_date, parse_number, read_table
from tip_eval.io.read import SheetInfo
from tip_eval.problems import Problem

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


def _load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", HERE / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_is_up_to_date_and_byte_stable(tmp_path):
    make_corpus = _load_make_corpus()
    fresh = make_corpus.generate(tmp_path)
    committed = {p.name for p in CORPUS.iterdir()}
    assert committed == set(fresh), "run: python tests/io/make_corpus.py"
    for name, data in fresh.items():
        assert (CORPUS / name).read_bytes() == data, f"{name} differs; run: python tests/io/make_corpus.py"
    assert sum(len(d) for d in fresh.values()) < 300_000  # small files


# ---------------------------------------------------------------------------- refusals

FAR = "beyond the limit of 200,000 rows and 500 columns. Opening it could use up the computer's memory and stop Python, so it was not opened."
NOT_SAFE_FIX = (
    "Do not open this file. Ask the sender for a fresh copy saved from Excel (File > Save As > Excel Workbook)."
)

REFUSALS = {
    "entity_bomb.xlsx": (
        "is not safe to open: its part 'xl/sharedStrings.xml' contains an XML DOCTYPE or ENTITY declaration.",
        NOT_SAFE_FIX,
    ),
    "external_entity.xlsx": (
        "is not safe to open: its part 'xl/worksheets/sheet1.xml' contains an XML DOCTYPE or ENTITY declaration.",
        NOT_SAFE_FIX,
    ),
    "zip_ratio_bomb.xlsx": (
        "is not safe to open: its part 'xl/worksheets/sheet1.xml' unpacks from 4,314 to 4,194,556 bytes "
        "(972 to 1; the limit is 100 to 1).",
        NOT_SAFE_FIX,
    ),
    "far_cell.xlsx": (
        f"sheet 'Scores' says it spans up to cell XFD1048576 (row 1,048,576, column 16,384), {FAR}",
        "If the table really is that large, read it with limits=ReadLimits(max_rows=..., max_cols=...).",
    ),
    "far_cell_no_dimension.xlsx": (
        f"sheet 'Scores' has a cell at XFD1048576 (row 1,048,576, column 16,384), {FAR}",
        "delete the empty rows and columns after the end of the table",
    ),
    "far_cell_lying_dimension.xlsx": (
        f"sheet 'Scores' has a cell at XFD1048576 (row 1,048,576, column 16,384), {FAR}",
        "delete the empty rows and columns after the end of the table",
    ),
    "far_cell_without_refs.xlsx": (
        f"sheet 'Scores' has a cell at A1048576 (row 1,048,576, column 1), {FAR}",
        "delete the empty rows and columns after the end of the table",
    ),
    "far_cell_prefixed.xlsx": (
        f"sheet 'Scores' has a cell at XFD1048576 (row 1,048,576, column 16,384), {FAR}",
        "delete the empty rows and columns after the end of the table",
    ),
    "lying_size.xlsx": (
        "is not safe to open: the part 'xl/worksheets/sheet1.xml' unpacks to more than the 100 bytes the "
        "file declares for it (a sign of a crafted file).",
        "Ask the sender for a fresh copy saved from Excel",
    ),
    "duplicate_member.xlsx": (
        "is not safe to open: it contains two parts named 'xl/worksheets/sheet1.xml' (a sign of a crafted file).",
        "Ask the sender for a fresh copy saved from Excel",
    ),
    "csv_named.xlsx": (
        "is not an Excel workbook: it is a text file (it looks like CSV: values separated by commas), "
        "although its name ends in .xlsx.",
        "Rename it to .csv (tip_eval reads CSV files), or open it in Excel and use File > Save As > Excel Workbook (.xlsx).",
    ),
    "html_named.xlsx": (
        "is not an Excel workbook: it is a web page (HTML), as some systems produce when they 'export to Excel'.",
        "Open it in Excel and use File > Save As > Excel Workbook (.xlsx)",
    ),
    "truncated.xlsx": (
        "is damaged or incomplete (it may have been cut short while being copied, downloaded or sent by email)",
        "Copy or download the file again",
    ),
    "password_protected.xlsx": (
        "is a password-protected (encrypted) workbook, which cannot be read without the password.",
        "Open it in Excel with the password, then File > Info > Protect Workbook > Encrypt with Password, delete the password",
    ),
    "ods_repeat_bomb.ods": (
        f"sheet 'Scores' has a cell at row 2, column 1,000,000,000, {FAR}",
        "If the table really is that large",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_hostile_file_is_refused_by_the_guard(name):
    path = CORPUS / name
    reason, fix = REFUSALS[name]
    with pytest.raises(InputRefused) as err:
        guard_workbook(path)
    refusal = err.value
    assert refusal.file == str(path)
    assert refusal.reason.startswith(reason), refusal.reason
    assert fix in refusal.fix
    assert str(refusal).startswith(f"{path}: {reason}")  # the message names the file ...
    assert " How to fix: " in str(refusal)  # ... and says what to do


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_hostile_file_is_refused_by_read_table_and_list_sheets(name):
    path = CORPUS / name
    with pytest.raises(InputRefused, match="How to fix"):
        read_table(path)
    with pytest.raises(InputRefused, match="How to fix"):
        list_sheets(path)


@pytest.mark.parametrize("name", ["far_cell.xlsx", "far_cell_no_dimension.xlsx", "far_cell_lying_dimension.xlsx"])
def test_far_away_cell_is_refused_quickly(name, capsys):
    # timed for information only (timings are not asserted in tests)
    start = time.perf_counter()
    with pytest.raises(InputRefused):
        guard_workbook(CORPUS / name)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[info] {name} refused in {elapsed * 1000:.1f} ms")


# ------------------------------------------------------------------------- messy files


def _problem(name, sheet, row, column, value, problem, fix, severity="error"):
    return Problem(str(CORPUS / name), sheet, row, column, value, problem, fix, severity)


def test_hidden_sheets_are_skipped_unless_named():
    path = CORPUS / "hidden_sheet.xlsx"
    assert list_sheets(path) == [
        SheetInfo("Lists", "hidden", "worksheet"),
        SheetInfo("Scores", "visible", "worksheet"),
        SheetInfo("Secret", "veryHidden", "worksheet"),
    ]
    table = read_table(path)
    assert table.sheet == "Scores"
    assert table.frame.to_dict("list") == {"Participant ID": ["P001"], "Score": [12.0]}
    assert table.notes == []
    hidden = read_table(path, "Lists")
    assert hidden.frame.to_dict("list") == {"Sector": ["ngo"]}
    assert hidden.notes == ["Sheet 'Lists' is hidden in Excel; it was read because it was asked for."]
    very = read_table(path, 2)
    assert very.sheet == "Secret"
    assert very.notes == ["Sheet 'Secret' is very hidden in Excel; it was read because it was asked for."]
    assert read_table(path, include_hidden=True).sheet == "Lists"


def test_formula_without_saved_result_is_a_located_problem():
    name = "formula_no_cache.xlsx"
    table = read_table(CORPUS / name)
    fix = "Open the file in Excel, let it calculate, save it, and read it again."
    assert table.problems == [
        _problem(
            name,
            "Scores",
            2,
            "Gain",
            None,
            "Cell D2 has a formula but no saved result (the file was written by a program that does not "
            "calculate formulas), so its value is unknown.",
            fix,
        ),
        _problem(
            name,
            "Scores",
            3,
            "Gain",
            None,
            "Cell D3 has a formula but no saved result (the file was written by a program that does not "
            "calculate formulas), so its value is unknown.",
            fix,
        ),
    ]
    # the cells themselves are missing, never a made-up value; the saved value of D4 is kept
    assert table.frame["Gain"].isna().tolist() == [True, True, False]
    assert table.frame["Gain"].iloc[2] == 6.0
    assert table.excel_rows.tolist() == [2, 3, 4]


def test_merged_two_row_header_is_flattened():
    table = read_table(CORPUS / "merged_two_row_header.xlsx", header_rows=2)
    assert list(table.frame.columns) == [
        "Participant ID",
        "Pre-test / Q1",
        "Pre-test / Q2",
        "Pre-test / Q3",
        "Post-test / Q1",
        "Post-test / Q2",
        "Post-test / Q3",
    ]
    assert table.header_row == 2
    assert table.excel_rows.tolist() == [3, 4]
    assert table.problems == []
    assert table.frame["Participant ID"].tolist() == ["P001", "P002"]
    assert table.frame["Post-test / Q2"].tolist() == [1.0, 0.0]
    assert table.column_letters["Post-test / Q3"] == "G"


def test_merged_header_read_as_one_row_reports_the_repeated_headers():
    name = "merged_two_row_header.xlsx"
    table = read_table(CORPUS / name)
    assert [(p.row, p.column, p.severity) for p in table.problems] == [(1, "Pre-test", "error")] * 2 + [
        (1, "Post-test", "error")
    ] * 2
    assert table.problems[0].problem == (
        "Columns B ('Pre-test') and C ('Pre-test') have the same header once case and spaces are ignored, "
        "so tip_eval cannot tell which one to use."
    )


def test_duplicate_headers_after_normalisation_are_an_error_naming_both():
    name = "duplicate_headers.xlsx"
    table = read_table(CORPUS / name)
    assert table.problems == [
        _problem(
            name,
            "Scores",
            1,
            "score",
            "score ",
            "Columns B ('Score') and C ('score ') have the same header once case and spaces are ignored, "
            "so tip_eval cannot tell which one to use.",
            "Rename one of the two columns, or delete the one that is not needed.",
        ),
    ]
    assert list(table.frame.columns) == ["Participant ID", "Score", "score (column C)"]
    assert not any(c.endswith(".1") for c in table.frame.columns)
    assert table.columns_as_written == {
        "Participant ID": "Participant ID",
        "Score": "Score",
        "score (column C)": "score ",
    }


def test_blank_rows_and_notes_under_the_table_are_ignored_with_notes():
    table = read_table(CORPUS / "blank_rows_and_notes.xlsx")
    assert table.frame.to_dict("list") == {
        "Participant ID": ["P001", "P002", "P003"],
        "Province": ["Phnom Penh", "Siem Reap", "Battambang"],
        "Score": [12.0, 15.0, 11.0],
    }
    assert table.excel_rows.tolist() == [2, 4, 5]
    assert table.notes == [
        "3 blank rows ignored (rows 3, 6-7).",
        # where the notes are, never their text: a row holding only a name looks like a note too
        "Notes under the table ignored (column A, rows 8-9; their text is not repeated here, as it may name a person).",
    ]
    assert table.ignored_rows == {
        3: "blank",
        6: "blank",
        7: "blank",
        8: "notes under the table",
        9: "notes under the table",
    }
    assert table.problems == []
    # rows read below the header = rows kept + rows ignored
    assert len(table.frame) + len(table.ignored_rows) == 9 - table.header_row


def test_leading_empty_rows_and_columns():
    table = read_table(CORPUS / "leading_empty_rows.xlsx")
    assert table.header_row == 4
    assert table.excel_rows.tolist() == [5, 6]
    assert table.column_letters == {"Participant ID": "C", "Score": "D"}
    assert table.frame.to_dict("list") == {"Participant ID": ["P001", "P002"], "Score": [12.0, 15.0]}


def test_thai_digits_and_buddhist_era_dates():
    table = read_table(CORPUS / "thai.xlsx")
    assert table.sheet == "คะแนน"
    assert list(table.frame.columns) == ["รหัสผู้เข้าอบรม", "คะแนน", "วันที่"]
    assert [parse_number(v) for v in table.frame["คะแนน"]] == [85.0, 90.0, 72.0]
    assert [parse_date(v) for v in table.frame["วันที่"]] == [dt.date(2023, 4, 5)] * 3


def test_khmer_digits():
    table = read_table(CORPUS / "khmer.xlsx")
    assert table.sheet == "ពិន្ទុ"
    assert [parse_number(v) for v in table.frame["ពិន្ទុ"]] == [85.0, 12.0]


def test_non_breaking_and_zero_width_spaces():
    table = read_table(CORPUS / "odd_spaces.xlsx")
    assert list(table.frame.columns) == ["Participant ID", "Province", "Organisation"]
    assert table.columns_as_written["Participant ID"] == "Participant\u00a0ID"
    assert table.columns_as_written["Province"] == "\u200bProvince"
    # the frame holds the cells as read; clean_frame normalises them
    assert table.frame["Participant ID"].tolist() == ["P\u00a0001", "\ufeffP002"]
    cleaned = clean_frame(table.frame)
    assert cleaned.to_dict("list") == {
        "Participant ID": ["P 001", "P002"],
        "Province": ["Phnom Penh", "Siem Reap"],
        "Organisation": ["Ministry of Social Affairs", "NGO"],
    }


def test_percent_and_thousands_separators():
    table = read_table(CORPUS / "percent_thousands.xlsx")
    assert table.frame["Score (%)"].tolist() == ["85%", "90 %", 0.75]
    # a cell formatted as percent in Excel holds the fraction (0.75), text "85%" is 85
    assert [parse_number(v) for v in table.frame["Score (%)"]] == [85.0, 90.0, 0.75]
    budget = table.frame["Budget"].tolist()
    assert [parse_number(v) for v in budget[:2]] == [1234.0, 12345.5]
    with pytest.raises(CellError) as err:
        parse_number(budget[2])
    problem = err.value.problem(table.file, table.sheet, table.excel_row(2), "Budget")
    assert (problem.row, problem.column, problem.value) == (4, "Budget", "3,5")
    assert "ambiguous" in problem.problem


def test_1904_date_system():
    table = read_table(CORPUS / "date1904.xlsx")
    assert table.date1904 is True
    assert table.frame["Start date"].tolist() == [dt.date(2023, 4, 5), dt.date(2023, 6, 12)]
    serials = table.frame["Start serial"].tolist()
    assert [parse_date(s, date1904=table.date1904) for s in serials] == [dt.date(2023, 4, 5), dt.date(2023, 6, 12)]
    assert parse_date(serials[0]) != dt.date(2023, 4, 5)  # the 1900 system would be four years off


def test_ods_with_hidden_sheet_and_trailing_empty_rows():
    path = CORPUS / "simple.ods"
    assert list_sheets(path) == [SheetInfo("Lists", "hidden"), SheetInfo("Scores", "visible")]
    table = read_table(path)
    assert table.sheet == "Scores"
    assert table.frame.to_dict("list") == {"Participant ID": ["P001", "P002"], "Score": [12.0, 15.0]}
    assert table.excel_rows.tolist() == [2, 3]


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "notes"),
    [
        ("utf8_bom.csv", "utf-8-sig", ",", []),
        ("utf16_tab.txt", "utf-16", "\t", []),
        (
            "cp874_semicolon.csv",
            "cp874",
            ";",
            [
                "The file is not UTF-8; it was read as Thai Windows text (cp874). If letters look wrong, save the "
                "file in Excel as 'CSV UTF-8 (Comma delimited)' and read it again, or give encoding='...'."
            ],
        ),
        ("utf8_semicolon_decimal_comma.csv", "utf-8", ";", []),
    ],
)
def test_csv_encodings_and_delimiters(name, encoding, delimiter, notes):
    table = read_table(CORPUS / name)
    assert (table.encoding, table.delimiter, table.notes) == (encoding, delimiter, notes)
    assert table.sheet is None
    assert table.header_row == 1
    assert table.excel_rows.tolist() == [2, 3]
    assert all(isinstance(v, str) for col in table.frame for v in table.frame[col])  # CSV cells are text
    if name in ("utf16_tab.txt", "cp874_semicolon.csv"):
        assert table.frame.to_dict("list") == {
            "รหัสผู้เข้าอบรม": ["P001", "P002"],
            "จังหวัด": ["เชียงใหม่", "สงขลา"],
            "คะแนน": ["๘๕", "90"],
        }
    else:
        assert list(table.frame.columns) == ["Participant ID", "Province", "Score"]
        assert table.frame["Province"].tolist() == ["Phnom Penh", "Siem Reap"]


def test_csv_decimal_commas_are_read_with_the_decimal_option():
    table = read_table(CORPUS / "utf8_semicolon_decimal_comma.csv")
    assert [parse_number(v, decimal=",", thousands=".") for v in table.frame["Score"]] == [12.0, 15.5]


def test_csv_blank_lines_and_notes():
    table = read_table(CORPUS / "blank_lines.csv")
    assert table.header_row == 3
    assert table.excel_rows.tolist() == [4, 6]
    assert table.frame.to_dict("list") == {"Participant ID": ["P001", "P002"], "Score": ["12", "15"]}
    assert table.ignored_rows == {5: "blank", 7: "blank", 8: "notes under the table"}
    assert table.notes == [
        "2 blank rows ignored (rows 5, 7).",
        "Notes under the table ignored (column A, row 8; their text is not repeated here, as it may name a person).",
    ]


def test_every_messy_file_reads_without_refusal():
    for path in sorted(CORPUS.iterdir()):
        if path.name in REFUSALS:
            continue
        table = read_table(path, header_rows=2 if "two_row" in path.name else 1)
        assert len(table.frame) == len(table.excel_rows)
        assert isinstance(table.frame.index, pd.RangeIndex)
        assert table.excel_rows.index.equals(table.frame.index)
        assert np.all(np.diff(table.excel_rows.to_numpy()) > 0)
