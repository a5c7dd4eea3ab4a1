"""`tip-eval template`: built from the user's item bank (options as dropdowns per question, in the chosen
language), and without a bank an empty, explained Items sheet: never an answer key the user did not give."""

from __future__ import annotations

import datetime as dt
import random
import re

import openpyxl
import pytest

import tip_eval as te
from tip_eval.cli import main
from tip_eval.io.columns import template_header, template_sheet

from .conftest import COMPETENCIES, QUESTIONS


def _dropdowns(wb, sheet: str) -> dict[str, list[str]]:
    """Column letter -> the values of its list dropdown (read from the hidden Lists sheet)."""
    out = {}
    for dv in wb[sheet].data_validations.dataValidation:
        m = re.match(r"=Lists!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", dv.formula1 or "")
        if dv.type != "list" or not m:
            continue
        values = [c.value for (c,) in wb["Lists"][f"{m.group(1)}{m.group(2)}:{m.group(3)}{m.group(4)}"]]
        for rng in str(dv.sqref).split():
            out[re.match(r"[A-Z]+", rng).group(0)] = values
    return out


@pytest.mark.parametrize("lang", ["en", "km"])
def test_without_items_the_answer_key_is_empty_and_explained(tmp_path, lang):
    path = tmp_path / "blank.xlsx"
    assert main(["template", "--out", str(path), "--lang", lang]) == 0
    wb = openpyxl.load_workbook(path)
    for sheet in (template_sheet("items", lang), template_sheet("competencies", lang)):
        assert wb[sheet].max_row == 1, f"{sheet} has rows nobody gave"
        assert wb[sheet]["A1"].comment is not None
    assert [c.value for c in wb[template_sheet("pre", lang)][1]] == [template_header("participant_id", lang)]
    instructions = " ".join(c.value for (c,) in wb.worksheets[0].iter_rows(max_col=1) if c.value)
    assert "tip-eval template --items" in instructions
    assert ("EMPTY" if lang == "en" else "ទទេ") in instructions
    # not one of the sample's question IDs anywhere in the workbook
    cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert not any(re.fullmatch(r"Q\d\d|C\d\d", v) for v in cells)


def test_from_the_bank_with_khmer_options_as_dropdowns(tmp_path, own_bank):
    path = tmp_path / "KHM-KPT-2024.xlsx"
    assert main(["template", "--items", str(own_bank), "--lang", "km", "--out", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    # every sheet name and header in Khmer
    assert wb.sheetnames == [
        "ការណែនាំ",
        "វគ្គបណ្តុះបណ្តាល",
        "អ្នកចូលរួម",
        "តេស្តមុន",
        "តេស្តក្រោយ",
        "តេស្តតាមដាន",
        "ទំនុកចិត្ត",
        "សំណួរ",
        "សមត្ថភាព",
        "Lists",
    ]
    items = [r for r in wb["សំណួរ"].iter_rows(min_row=2, values_only=True)]
    header = [c.value for c in wb["សំណួរ"][1]]
    assert [r[0] for r in items] == [q[0] for q in QUESTIONS]
    assert [r[header.index("ចម្លើយត្រឹមត្រូវ")] for r in items] == [q[2] for q in QUESTIONS]
    assert "ជម្រើស A (ខ្មែរ)" in header and "អត្ថបទសំណួរ (ខ្មែរ)" in header
    assert [c.value for c in wb["តេស្តមុន"][1]] == ["លេខកូដអ្នកចូលរួម"] + [q[0] for q in QUESTIONS]
    assert [c.value for c in wb["ទំនុកចិត្ត"][1]] == ["លេខកូដអ្នកចូលរួម", "ដំណាក់កាល"] + [c[0] for c in COMPETENCIES]
    for sheet in ("តេស្តមុន", "តេស្តក្រោយ"):
        lists = _dropdowns(wb, sheet)
        for j, q in enumerate(QUESTIONS):
            letter = openpyxl.utils.get_column_letter(2 + j)
            assert lists[letter] == [f"{x}. {t}" for x, t in zip("ABCDE", q[7])], (sheet, q[0])
    assert _dropdowns(wb, "អ្នកចូលរួម")["B"][0] == te.vocab.label("sector", "government_social_services", "km")


def test_filled_in_from_its_dropdowns_it_validates_and_scores_the_answers(tmp_path, own_bank):
    path = tmp_path / "KHM-KPT-2024.xlsx"
    assert main(["template", "--items", str(own_bank), "--lang", "km", "--out", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    rng = random.Random(5)
    sheets = {key: template_sheet(key, "km") for key in ("training", "participants", "pre", "post", "confidence")}
    lists = {key: _dropdowns(wb, sheet) for key, sheet in sheets.items()}
    for j, v in enumerate(
        [
            "KHM-KPT-2024",
            lists["training"]["B"][0],
            "Kampong Thom",
            "Provincial hall",
            "NGO network",
            dt.datetime(2024, 3, 4),
            dt.datetime(2024, 3, 6),
            "km",
            "2020",
        ],
        start=1,
    ):
        wb[sheets["training"]].cell(2, j, v)
    expected = {}
    for i in range(10):
        pid = f"KPT-{i + 1:02d}"
        for j, v in enumerate(
            [pid, lists["participants"]["B"][i % 3], "Org", "Officer", lists["participants"]["E"][i % 2], 2 + i],
            start=1,
        ):
            wb[sheets["participants"]].cell(2 + i, j, v)
        for phase in ("pre", "post"):
            wb[sheets[phase]].cell(2 + i, 1, pid)
            score = 0
            for k, q in enumerate(QUESTIONS):
                choice = rng.choice(lists[phase][openpyxl.utils.get_column_letter(2 + k)])  # "B. <Khmer words>"
                wb[sheets[phase]].cell(
                    2 + i, 2 + k, choice if k else choice[0]
                )  # the first question typed as its letter
                score += choice[0] == q[2]
            expected[(pid, phase)] = score
        for phase in lists["confidence"]["B"][:2]:
            wb[sheets["confidence"]].append([pid, phase] + [rng.randint(1, 5) for _ in COMPETENCIES])
    wb.save(path)
    report = te.validate(path)
    assert report.problems.empty, report.problems.to_string()
    study = te.load_study(path)
    assert {(r.participant_id, r.phase): r.score for r in study.scores.itertuples()} == pytest.approx(expected)
    assert set(study.responses["answer"].dropna()) <= set("ABCDE")
