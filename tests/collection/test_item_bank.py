"""The item bank format: headers in any spelling, and its rules as located problems, the same whether the
bank is read for a collection tool or by `tip-eval validate` as a study's source."""

from __future__ import annotations

import openpyxl
import pandas as pd

import tip_eval as te
from tip_eval.cli import main
from tip_eval.io.bank_file import read_item_bank
from tip_eval.io.item_bank import BANK_COLUMNS

from .conftest import ITEM_HEADERS, QUESTIONS, bank_rows, write_bank

CANONICAL = (
    ["item_id", "module", "text", "correct_answer", "points", "n_options"]
    + [f"option_{x}" for x in "abcde"]
    + ["randomize", "text_km"]
    + [f"option_{x}_km" for x in "abcde"]
)
OTHERS = (
    ["Item", "module", "Question text", "Key", "Marks", "Options"]
    + [f"Choice {x}" for x in "ABCDE"]
    + ["Randomise", "Text (km)"]
    + [f"Option {x} (km)" for x in "ABCDE"]
)


def test_headers_in_any_spelling_read_the_same_bank(tmp_path):
    assert len(CANONICAL) == len(OTHERS) == len(ITEM_HEADERS)
    banks = []
    for name, headers in (("officer", ITEM_HEADERS), ("canonical", CANONICAL), ("others", OTHERS)):
        path = write_bank(tmp_path / f"{name}.xlsx")
        wb = openpyxl.load_workbook(path)
        for cell, header in zip(wb["Items"][1], headers):
            cell.value = header
        wb.save(path)
        banks.append(read_item_bank(path))
    assert all(b.ok for b in banks), [b.problems for b in banks]
    cols = [c for c in BANK_COLUMNS if c != "_file"]
    for other in banks[1:]:
        pd.testing.assert_frame_equal(banks[0].items[cols], other.items[cols])
    assert list(banks[0].items["option_c_km"])[:2] == [QUESTIONS[0][7][2], QUESTIONS[1][7][2]]
    # the number of options comes from the texts where it was left empty
    assert list(banks[0].items["n_options"]) == [len(q[5]) for q in QUESTIONS]


def _broken_bank(path):
    rows = bank_rows()
    col = {h: i for i, h in enumerate(ITEM_HEADERS)}
    rows[0][col["Correct answer"]] = "E"  # DEF-1 has four options
    rows[1][col["Option B"]] = None  # DEF-2: A and C without B
    rows[2][col["Number of options"]] = 5  # VI-1 has four option texts
    rows[3][col["Correct answer"]] = QUESTIONS[3][5][2]  # VI-2: the key written as the option's words
    rows[4][col["Option C (Khmer)"]] = None  # PS-1: Khmer A, B, D without C
    rows[5][col["Option D"]] = rows[5][col["Option A"]]  # RR-1: two options with the same words
    return write_bank(path, rows)


EXPECTED = {  # (Excel row, column as written) -> words the problem must say
    (2, "Correct answer"): "'E' is not one of the question's options (A-D)",
    (3, "Option B"): "option B has no text in English although option C has one",
    (4, "Number of options"): "the number of options is 5 but option texts are given for 4 (A-D)",
    (5, "Correct answer"): "is not an option letter (A-D)",
    (6, "Option C (Khmer)"): "option C has no text in Khmer although option D has one",
    (7, "Option D"): "options A and D have the same text in English",
}


def _located(problems: pd.DataFrame) -> dict:
    errors = problems[problems["severity"] == "error"]
    return {(int(r["row"]), r["column"]): r["problem"] for _, r in errors.iterrows()}


def test_bank_rules_are_located_problems_for_the_collection_tools(tmp_path):
    bank = read_item_bank(_broken_bank(tmp_path / "bank.xlsx"))
    got = _located(bank.problem_table())
    assert set(got) == set(EXPECTED), got
    for where, words in EXPECTED.items():
        assert words in got[where]
    assert "write C" in bank.problem_table().set_index("row").loc[5, "fix"]
    # nothing is written from a bank with errors
    for args in (
        ["xlsform", "--items", str(tmp_path / "bank.xlsx"), "--out", str(tmp_path / "form.xlsx")],
        ["template", "--items", str(tmp_path / "bank.xlsx"), "--out", str(tmp_path / "t.xlsx")],
    ):
        assert main(args) == 1
    assert not (tmp_path / "form.xlsx").exists() and not (tmp_path / "t.xlsx").exists()


def test_bank_rules_are_located_problems_in_a_study(tmp_path):
    _broken_bank(tmp_path / "bank.xlsx")
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "Bank only"\n\n[[sources]]\nfile = "bank.xlsx"\nlayout = "item_bank"\n', encoding="utf-8"
    )
    problems = te.validate(tmp_path).problems
    got = _located(problems)
    assert set(got) == set(EXPECTED), got
    assert set(problems["file"]) == {"bank.xlsx"} and set(problems["sheet"]) == {"Items"}


def test_a_form_language_the_bank_lacks_is_one_problem(tmp_path, capsys):
    bank = write_bank(tmp_path / "bank.xlsx")
    assert main(["xlsform", "--items", str(bank), "--languages", "en,km,th", "--out", str(tmp_path / "f.xlsx")]) == 1
    out = capsys.readouterr().out
    assert out.count("error") >= 1 and "Thai" in out and "1 error and 0 warnings found" in out
    assert not (tmp_path / "f.xlsx").exists()
