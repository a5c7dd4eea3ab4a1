"""Problems, fixes and the command line's own messages in the language asked for (``--lang``, ``lang=``,
or the study's ``language`` setting), for a study with problems of many kinds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

import tip_eval as te
from tip_eval.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
SCRIPTS = {"th": re.compile("[\u0e00-\u0e7f]"), "km": re.compile("[\u1780-\u17ff]")}
# three English words in a row (placeholders filled with names, IDs and values aside): an untranslated sentence
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# words a Thai or Khmer message keeps as they are: the names of files, settings, columns and tables
CODE = re.compile(
    r"\b(?:[\w-]+\.(?:xlsx|toml|csv|md)|[a-z]+_[a-z_]+|study\.toml|responses|participants|"
    r"trainings|confidence|scores)\b"
)


@pytest.fixture(scope="module")
def broken_study(tmp_path_factory):
    """The sample study with problems of many kinds: an unknown sector, a date that does not exist, a
    number written in words, an answer that is not an option, a repeated participant, a blank column
    with values, a rating out of the scale, and a setting for an unknown column."""
    study = tmp_path_factory.mktemp("i18n") / "study"
    shutil.copytree(SAMPLE, study)
    path = study / "trainings" / "KHM-SRP-2023.xlsx"
    wb = load_workbook(path)
    wb["Training"]["F2"] = "31/02/2023"  # start date: no 31 February
    part = wb["Participants"]
    part["B5"] = "Pirates"  # sector
    part["F6"] = "ten"  # years of experience
    part["A8"] = part["A7"].value  # the same participant twice
    part["H3"] = "a note nobody labelled"  # a column with a value and no header
    wb["Pre-test"]["C4"] = "Z"  # not an option
    conf = wb["Confidence"]
    conf.cell(3, 3, 9)  # not on the 1-5 scale
    wb.save(path)
    return study


def _problems(report):
    return list(zip(report.problems["problem"], report.problems["fix"]))


def _english_left(text: str) -> list[str]:
    return ENGLISH_RUN.findall(CODE.sub(" ", _QUOTED.sub(" ", text)))


@pytest.mark.parametrize("lang", ["th", "km"])
def test_validate_reports_every_problem_and_fix_in_the_language(broken_study, lang):
    report = te.validate(broken_study, lang=lang)
    english = te.validate(broken_study)
    assert report.language == lang and len(report.problems) == len(english.problems) >= 7
    for problem, fix in _problems(report):
        for text in (problem, fix):
            if not text:
                continue
            assert SCRIPTS[lang].search(text), f"no {lang} script in {text!r}"
            assert not _english_left(text), f"untranslated English in {text!r}: {_english_left(text)}"
    # the same problems as in English, located at the same cells (a column without a header is named in
    # the language: "column H")
    cols = ["file", "sheet", "row", "value", "severity"]
    assert report.problems[cols].equals(english.problems[cols])
    named = ~english.problems["column"].fillna("").str.startswith("column ")
    assert report.problems["column"][named].equals(english.problems["column"][named])
    assert SCRIPTS[lang].search(report.summary())


def test_indonesian_problems_are_not_the_english_ones(broken_study):
    report = te.validate(broken_study, lang="id")
    english = te.validate(broken_study)
    for (p_id, f_id), (p_en, f_en) in zip(_problems(report), _problems(english)):
        assert p_id != p_en and (f_id != f_en or not f_en), (p_id, p_en)
    assert any("tidak" in p for p, _f in _problems(report))


def test_the_command_reports_problems_and_fixes_in_thai(broken_study, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    out_file = tmp_path / "problems.xlsx"
    assert main(["validate", str(broken_study), "--lang", "th", "--report", str(out_file)]) == 1
    out = capsys.readouterr().out
    assert "พบปัญหา:" in out and "พบข้อผิดพลาด" in out and "เขียนรายงานปัญหาลงใน" in out
    wb = load_workbook(out_file)
    assert wb.sheetnames == ["ภายใน - ห้ามเผยแพร่", "ปัญหา", "แถวที่กันไว้", "แถวต่อไฟล์"]
    about = [c.value for (c,) in wb.worksheets[0].iter_rows(max_col=1)]
    assert about[1].startswith("ภายในเท่านั้น - ห้ามเผยแพร่") and all(SCRIPTS["th"].search(v) for v in about)
    assert [c.value for c in wb["แถวที่กันไว้"][1]][0] == "ตาราง"
    rows = list(wb["ปัญหา"].iter_rows(values_only=True))
    assert rows[0][:8] == ("ไฟล์", "ชีต", "แถว", "คอลัมน์", "ค่า", "ปัญหา", "วิธีแก้ไข", "ระดับ")
    assert {r[7] for r in rows[1:]} <= {"ข้อผิดพลาด", "คำเตือน"}
    for r in rows[1:]:
        assert SCRIPTS["th"].search(r[5]) and not _english_left(r[5]), r
        assert not r[6] or (SCRIPTS["th"].search(r[6]) and not _english_left(r[6])), r
    pirate = [r for r in rows if r[4] == "Pirates"]
    assert pirate and pirate[0][5].startswith("sector 'Pirates' ไม่ใช่ค่าภาคส่วนที่รู้จัก")


def test_the_study_language_setting_is_the_default_and_lang_overrides_it(broken_study, tmp_path, capsys):
    study = tmp_path / "study"
    shutil.copytree(broken_study, study)
    toml = study / "study.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("min_cell = 5", 'min_cell = 5\nlanguage = "km"'), encoding="utf-8"
    )
    assert te.validate(study).language == "km"
    assert SCRIPTS["km"].search(te.validate(study).problems["problem"].iloc[0])
    assert te.validate(study, lang="en").language == "en"
    assert main(["validate", str(study)]) == 1
    assert "រកឃើញបញ្ហា:" in capsys.readouterr().out
    toml.write_text(toml.read_text(encoding="utf-8").replace('language = "km"', 'language = "fr"'), encoding="utf-8")
    assert main(["validate", str(study)]) == 2  # a setting outside the schema is refused, in English
    assert "language must be one of 'en', 'km', 'th', 'id'; got 'fr'" in capsys.readouterr().err


def test_the_cache_keeps_each_language_apart(broken_study):
    thai = te.load_study(broken_study, on_error="quarantine", cache=True, lang="th")
    english = te.load_study(broken_study, on_error="quarantine", cache=True, lang="en")
    again = te.load_study(broken_study, on_error="quarantine", cache=True, lang="th")
    assert SCRIPTS["th"].search(thai.report.problems["problem"].iloc[0])
    assert not SCRIPTS["th"].search(" ".join(english.report.problems["problem"]))
    assert again.report.problems.equals(thai.report.problems) and again.report.language == "th"
    assert SCRIPTS["th"].search(" ".join(thai.quarantine["problem"].astype(str)))


def test_refusals_and_usage_errors_of_the_command_in_the_language(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere"), "--lang", "id"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Ditolak: ") and "tidak ada." in err and "Yang perlu dilakukan:" in err
    folder = tmp_path / "a_folder"
    folder.mkdir()
    assert main(["validate", str(SAMPLE), "--lang", "th", "--report", str(folder)]) == 2
    assert "เป็นโฟลเดอร์" in capsys.readouterr().err
