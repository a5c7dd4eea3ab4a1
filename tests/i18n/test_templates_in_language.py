"""`tip-eval template --lang` writes every word of the workbook in that language (sheet names, headers,
every instruction line, dropdowns, their error messages, notes), and `tip-eval xlsform` takes its fixed
texts from the same catalogs. Filled in, the Khmer, Thai and Indonesian workbooks load back: see
tests/test_templates.py and tests/collection/test_template.py."""

from __future__ import annotations

import re

import openpyxl
import pytest

from tip_eval.cli import main
from tip_eval.io.blank import instructions
from tip_eval.io.columns import TEMPLATE_SHEETS, template_header, template_sheet

SCRIPTS = {"th": re.compile("[\u0e00-\u0e7f]"), "km": re.compile("[\u1780-\u17ff]")}


def _in_language(text: str, lang: str, english: str) -> bool:
    return bool(SCRIPTS[lang].search(text)) if lang in SCRIPTS else text != english


@pytest.mark.parametrize("lang", ["km", "th", "id"])
def test_every_word_of_the_blank_workbook_is_in_the_language(tmp_path, lang, capsys):
    path = tmp_path / f"blank_{lang}.xlsx"
    assert main(["template", "--out", str(path), "--lang", lang]) == 0
    assert _in_language(capsys.readouterr().out, lang, "")
    wb = openpyxl.load_workbook(path)
    keys = ["instructions", "training", "participants", "pre", "post", "delayed", "confidence", "items", "competencies"]
    assert wb.sheetnames == [template_sheet(k, lang) for k in keys] + ["Lists"]
    assert all(_in_language(template_sheet(k, lang), lang, TEMPLATE_SHEETS[k]) for k in keys)
    # every instruction line, the one about IDs typed as text included
    lines = [c.value for (c,) in wb.worksheets[0].iter_rows(max_col=1)]
    english_lines = instructions("en", None)
    assert len(lines) == len(english_lines) == 9
    for line, en in zip(lines, english_lines):
        assert _in_language(line, lang, en), line
    assert any("007" in line for line in lines)
    # headers of the data sheets
    from tip_eval.io.template import PARTICIPANT_COLUMNS, TRAINING_COLUMNS

    for key, columns in (
        ("training", TRAINING_COLUMNS),
        ("participants", PARTICIPANT_COLUMNS),
        ("confidence", ["participant_id", "phase"]),
    ):
        written = [c.value for c in wb[template_sheet(key, lang)][1]]
        assert written == [template_header(c, lang) for c in columns]
        assert all(_in_language(w, lang, template_header(c, "en")) for w, c in zip(written, columns)), written
    # dropdowns: their values (sector, gender, phase, country) and their messages
    for ws in (wb[template_sheet("participants", lang)], wb[template_sheet("confidence", lang)]):
        for dv in ws.data_validations.dataValidation:
            assert _in_language(dv.error, lang, "Pick a value from the list.")
            assert _in_language(dv.errorTitle, lang, "Not in the list")
    lists = wb["Lists"]
    values = [c.value for col in lists.iter_cols(min_row=2) for c in col if c.value]
    assert sum(bool(_in_language(v, lang, "")) for v in values) > len(values) // 2
    note = wb[template_sheet("items", lang)]["A1"].comment.text
    assert _in_language(note, lang, "Empty: your own test goes here. See the Instructions sheet.")


def test_the_form_s_fixed_texts_come_from_the_catalogs(tmp_path, capsys):
    from tip_eval.io.bank_file import as_item_bank
    from tip_eval.io.xlsform import xlsform_frames

    bank = tmp_path / "bank.csv"
    bank.write_text(
        "Item ID,Module,Text,Correct answer,Option A,Option B,Text (Thai),Option A (Thai),Option B (Thai)\n"
        "Q1,identification,Who?,A,Yes,No,ใคร,ใช่,ไม่ใช่\n",
        encoding="utf-8",
    )
    frames = xlsform_frames(as_item_bank(bank), ["en", "th"])
    survey = frames["survey"].set_index("name")
    assert survey.at["participant_id", "label::Thai (th)"] == template_header("participant_id", "th") == "รหัสผู้เข้าอบรม"
    assert survey.at["phase", "label::Thai (th)"] == "นี่คือแบบทดสอบครั้งใด"
    assert survey.at["intro", "label::Thai (th)"].startswith("แบบสอบถามนี้เป็นส่วนหนึ่งของการประเมินผลการอบรมครั้งนี้")
    assert "5 คน" in survey.at["intro", "label::Thai (th)"]
    out = tmp_path / "form.xlsx"
    assert main(["xlsform", "--items", str(bank), "--languages", "en,th", "--lang", "th", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "เขียน XLSForm ลงใน" in printed and "สมรรถนะ" in printed  # no competencies: the note says so in Thai
