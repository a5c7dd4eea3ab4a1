"""The brief on partner data: no traceback when a post-test has not happened yet, or for a crossing."""

from __future__ import annotations

import openpyxl

from tip_eval.cli import main

from .conftest import fill_template, study_toml


def _two_trainings(tmp_path, blank):
    fill_template(blank, tmp_path / "PNH.xlsx")
    fill_template(blank, tmp_path / "SRP.xlsx", training_id="KHM-SRP-2023", seed=2)
    wb = openpyxl.load_workbook(tmp_path / "SRP.xlsx")
    for sheet in ("Participants", "Pre-test", "Post-test", "Confidence"):
        ws = wb[sheet]
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, 1).value:
                ws.cell(r, 1).value = "S" + ws.cell(r, 1).value
    wb["Post-test"].delete_rows(2, 50)  # the post-test has not happened yet
    wb.save(tmp_path / "SRP.xlsx")
    return study_toml(
        tmp_path,
        '[[sources]]\nfile = "PNH.xlsx"\nlayout = "template"\n\n[[sources]]\nfile = "SRP.xlsx"\nlayout = "template"\n',
    )


def test_brief_with_one_training_of_matched_people(tmp_path, blank_template, capsys):
    folder = _two_trainings(tmp_path, blank_template)
    assert main(["brief", str(folder), "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    html = (tmp_path / "out" / "brief.html").read_text(encoding="utf-8")
    assert "Fewer than two trainings have people who took both tests" in html


def test_brief_by_a_crossing(tmp_path, blank_template):
    fill_template(blank_template, tmp_path / "KHM.xlsx")
    folder = study_toml(tmp_path, '[[sources]]\nfile = "KHM.xlsx"\nlayout = "template"\n')
    assert main(["brief", str(folder), "--out", str(tmp_path / "out"), "--by", "country+sector", "--no-cache"]) == 0
    html = (tmp_path / "out" / "brief.html").read_text(encoding="utf-8")
    assert "Knowledge gain by country and sector" in html


def test_brief_by_an_unknown_column_is_a_plain_refusal(tmp_path, blank_template, capsys):
    fill_template(blank_template, tmp_path / "KHM.xlsx")
    folder = study_toml(tmp_path, '[[sources]]\nfile = "KHM.xlsx"\nlayout = "template"\n')
    assert main(["brief", str(folder), "--out", str(tmp_path / "out"), "--by", "contry", "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "contry" in err and "Traceback" not in err
