"""`tip-eval xlsform --items BANK`: the form built from the user's own item bank (with Khmer translations)
converts with pyxform without errors or warnings and asks what the issue lists."""

from __future__ import annotations

import openpyxl
import pytest

from tip_eval.cli import main
from tip_eval.io.bank_file import read_item_bank
from tip_eval.io.xlsform import CONFIDENCE_GROUP, TEST_GROUP, form_problems

from .conftest import COMPETENCIES, QUESTIONS, write_bank
from .test_kobo_roundtrip import questions, read_form

LANGS = ["English (en)", "Khmer (km)"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsform")
    bank = write_bank(folder / "my_item_bank.xlsx")
    out = {}
    for name, extra in (("form", []), ("shuffled", ["--randomize"]), ("names", ["--link-by-name", "--min-cell", "8"])):
        out[name] = folder / f"{name}.xlsx"
        assert main(["xlsform", "--items", str(bank), "--out", str(out[name]), *extra]) == 0
    return out


def test_pyxform_converts_it_without_errors_or_warnings(built):
    xls2xform = pytest.importorskip("pyxform.xls2xform")
    for path in built.values():
        result = xls2xform.convert(str(path))
        assert result.warnings == []
        for lang in LANGS:
            assert f'lang="{lang}"' in result.xform
        assert 'lang="Thai (th)"' not in result.xform  # the bank has no Thai: the form is not in Thai


def test_languages_are_the_complete_ones_in_kobotoolbox_columns(built):
    langs = read_form(built["form"])[2]
    assert langs == LANGS  # the default: every language the bank is complete in
    assert openpyxl.load_workbook(built["form"])["settings"]["D2"].value == "English (en)"


def test_roster_and_phase_questions(built):
    qs = {q["name"]: q for q in questions(read_form(built["form"])[0])}
    for name in (
        "training_id",
        "participant_id",
        "phase",
        "sector",
        "gender",
        "organisation",
        "role",
        "years_experience",
    ):
        assert name in qs, name
    assert "name" not in qs  # names only when the study links by name
    assert (
        qs["participant_id"]["constraint"].startswith("regex(")
        and qs["participant_id"]["constraint_message::Khmer (km)"]
    )
    assert qs["years_experience"]["type"] == "integer"
    _, choices, _ = read_form(built["form"])
    assert [c["name"] for c in choices["phase"]] == ["pre", "post", "delayed"]
    assert {c["name"] for c in choices["gender"]} >= {"woman", "man", "non_binary", "prefer_not_to_say"}
    named = {q["name"] for q in questions(read_form(built["names"])[0])}
    assert "name" in named and "participant_id" not in named


def test_the_form_starts_with_a_note_on_how_the_data_are_used(built):
    survey, _, _ = read_form(built["names"])
    first = next(r for r in survey if r["type"] not in ("start", "end"))
    assert first["type"] == "note"
    assert "evaluation" in first["label::English (en)"] and "at least 8 people" in first["label::English (en)"]
    assert "replaced by a code" in first["label::English (en)"]  # the name-linked form says what happens to names
    assert "8" in first["label::Khmer (km)"] and first["label::Khmer (km)"] != first["label::English (en)"]


def test_every_question_with_its_options_in_every_language_and_required(built):
    survey, choices, _ = read_form(built["form"])
    items = [q for q in questions(survey) if q["groups"] and q["groups"][-1]["name"] == TEST_GROUP]
    assert len(items) == len(QUESTIONS)
    for q, (qid, _m, _k, _r, text, options, text_km, options_km) in zip(items, QUESTIONS):
        kind, list_name = q["type"].split()
        assert kind == "select_one"
        assert q["label::English (en)"] == f"{qid}. {text}" and q["label::Khmer (km)"] == f"{qid}. {text_km}"
        listed = choices[list_name]
        assert [c["name"] for c in listed] == list("ABCDE")[: len(options)]
        assert [c["label::English (en)"] for c in listed] == options
        assert [c["label::Khmer (km)"] for c in listed] == options_km
    answerable = [q for q in questions(survey) if q["type"] not in ("start", "end", "note")]
    assert all(q["required"] == "yes" and q["required_message::Khmer (km)"] for q in answerable)
    assert q["name"] == "VC-1" and items[6]["name"] == "Q_7a"  # an ID that starts with a digit gets a valid name


def test_confidence_on_a_labelled_confidence_scale(built):
    survey, choices, _ = read_form(built["form"])
    comps = [q for q in questions(survey) if q["groups"] and q["groups"][-1]["name"] == CONFIDENCE_GROUP]
    assert [(q["name"], q["label::English (en)"], q["label::Khmer (km)"]) for q in comps] == COMPETENCIES
    assert {q["type"] for q in comps} == {"select_one confidence"}
    scale = choices["confidence"]
    assert [c["name"] for c in scale] == ["1", "2", "3", "4", "5"]
    english = [c["label::English (en)"] for c in scale]
    assert english[0] == "1 - Not at all confident" and english[-1] == "5 - Completely confident"
    assert not any("agree" in x.casefold() for x in english)
    assert all(
        c["label::Khmer (km)"].startswith(c["name"] + " - ") and c["label::Khmer (km)"] != c["label::English (en)"]
        for c in scale
    )


def test_randomized_options_per_question_or_for_all(built):
    def shuffled(path):
        return {q["name"] for q in questions(read_form(path)[0]) if (q.get("parameters") or "") == "randomize=true"}

    assert shuffled(built["form"]) == {"VI-2"}  # the bank's Randomize column: yes
    assert shuffled(built["shuffled"]) == {q[0] for q in QUESTIONS} - {"7a"}  # the bank says no for 7a


def test_no_competencies_no_confidence_rating(tmp_path, capsys):
    bank = write_bank(tmp_path / "bank.xlsx", competencies=False)
    assert main(["xlsform", "--items", str(bank), "--out", str(tmp_path / "f.xlsx")]) == 0
    assert "no confidence rating" in capsys.readouterr().out
    survey, choices, _ = read_form(tmp_path / "f.xlsx")
    assert CONFIDENCE_GROUP not in {r["name"] for r in survey} and "confidence" not in choices


def test_a_question_named_like_a_roster_question_is_a_problem(tmp_path):
    from .conftest import bank_rows

    rows = bank_rows()
    rows[2][0] = "sector"
    bank = read_item_bank(write_bank(tmp_path / "bank.xlsx", rows))
    problems = form_problems(bank, ["en"])
    assert [(p.row, p.column) for p in problems] == [(4, "item_id")]
    assert "same name in the form" in problems[0].problem
