"""A filled-in `tip-eval template` listed in study.toml validates and briefs with no other source."""

from __future__ import annotations

import openpyxl

import tip_eval as te

from .conftest import fill_template, study_toml


def test_filled_template_validates_and_briefs(tmp_path, blank_template):
    fill_template(blank_template, tmp_path / "KHM.xlsx")
    study_toml(tmp_path, '[[sources]]\nfile = "KHM.xlsx"\nlayout = "template"\n')
    report = te.validate(tmp_path)
    assert report.problems.empty, report.problems.to_string()
    study = te.load_study(tmp_path)
    assert len(study.participants) == 12 and len(study.items) == 28
    assert set(study.scores["phase"]) == {"pre", "post"} and len(study.scores) == 24
    out = te.write_brief(study, tmp_path / "out" / "brief.html")
    assert out.exists() if hasattr(out, "exists") else True


def test_template_and_item_bank_declare_the_items_once(tmp_path, blank_template):
    """The same answer key in the template and in an item bank source counts once."""
    fill_template(blank_template, tmp_path / "KHM.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "KHM.xlsx")
    for name in list(wb.sheetnames):
        if name not in ("Items", "Competencies"):
            del wb[name]
    wb.save(tmp_path / "bank.xlsx")
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "bank.xlsx"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "KHM.xlsx"\nlayout = "template"\n',
    )
    report = te.validate(tmp_path)
    assert report.problems.empty, report.problems.to_string()


def test_conflicting_answer_key_is_one_located_problem(tmp_path, blank_template):
    fill_template(blank_template, tmp_path / "KHM.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "KHM.xlsx")
    for name in list(wb.sheetnames):
        if name not in ("Items", "Competencies"):
            del wb[name]
    ws = wb["Items"]
    ws["D3"] = "B" if ws["D3"].value != "B" else "C"  # Q02's key differs from the template's
    wb.save(tmp_path / "bank.xlsx")
    study_toml(
        tmp_path,
        '[[sources]]\nfile = "bank.xlsx"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "KHM.xlsx"\nlayout = "template"\n',
    )
    p = te.validate(tmp_path).problems
    errors = p[p["severity"] == "error"]
    # one line for the declaration that disagrees; the question's answers are set aside, one line per sheet
    declared = errors[errors["sheet"] == "Items"]
    assert len(declared) == 1, errors.to_string()
    assert tuple(declared.iloc[0][["file", "sheet", "row", "column"]]) == ("KHM.xlsx", "Items", 3, "Correct answer")
    assert "left out of every score" in declared.iloc[0]["problem"] and "bank.xlsx row 3" in declared.iloc[0]["problem"]
    rest = errors[errors["sheet"] != "Items"]
    assert sorted(rest["sheet"]) == ["Post-test", "Pre-test"] and set(rest["column"]) == {"Q02"}
    # which key is right is not known: the question is in no score, and the others are scored
    study = te.load_study(tmp_path, on_error="quarantine")
    assert "Q02" not in set(study.items["item_id"]) and "Q02" not in set(study.responses["item_id"])
    n_items = len(study.items)
    assert len(study.scores) and (study.scores["max_score"] == n_items).all()


def test_missing_item_bank_is_one_problem_line(tmp_path, blank_template):
    fill_template(blank_template, tmp_path / "KHM.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "KHM.xlsx")
    del wb["Items"]
    wb.save(tmp_path / "KHM.xlsx")
    study_toml(tmp_path, '[[sources]]\nfile = "KHM.xlsx"\nlayout = "template"\n')
    p = te.validate(tmp_path).problems
    items = p[p["problem"].str.contains("item")]
    assert len(items) == 1, items.to_string()
    assert items.iloc[0]["file"] == "KHM.xlsx" and "no item bank" in items.iloc[0]["problem"]
    study = te.load_study(tmp_path, on_error="quarantine")
    assert study.scores.empty  # no answer key: no score, never a zero
    te.write_brief(study, tmp_path / "out" / "brief.html")  # and the brief still writes
