"""Blank template and XLSForm: what partners fill in loads back without problems."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

import tip_eval as te
from tip_eval.cli import main
from tip_eval.io.template import training_frames

SHEETS = {"training": "Training", "participants": "Participants", "pre": "Pre-test", "post": "Post-test",
          "confidence": "Confidence"}


@pytest.mark.parametrize("lang", ["en", "km", "th", "id"])
def test_blank_template_filled_in_loads_cleanly(tmp_path, sample_study, lang):
    path = tmp_path / f"blank_{lang}.xlsx"
    assert main(["template", "--out", str(path), "--lang", lang]) == 0
    wb = load_workbook(path)
    assert wb["Lists"].sheet_state == "hidden"
    assert wb["Participants"].data_validations.dataValidation, "sector and gender need dropdowns"
    frames = training_frames(sample_study, "IDN-DPS-2023")
    for key, sheet in SHEETS.items():
        ws = wb[sheet]
        for i, row in enumerate(frames[key].itertuples(index=False), start=2):
            for j, v in enumerate(row, start=1):
                v = v.to_pydatetime() if hasattr(v, "to_pydatetime") else v
                ws.cell(row=i, column=j, value=None if v is None or v != v else v)
    wb.save(path)
    report = te.validate(path)
    assert report.ok and report.problems.empty, report.problems
    study = te.load_study(path)
    expected = sample_study.participants[sample_study.participants["training_id"] == "IDN-DPS-2023"]
    assert sorted(study.participants["participant_id"]) == sorted(expected["participant_id"])
    assert len(study.items) == len(sample_study.items)


def test_xlsform_is_a_valid_form(tmp_path):
    xls2xform = pytest.importorskip("pyxform.xls2xform")
    path = tmp_path / "form.xlsx"
    assert main(["xlsform", "--out", str(path)]) == 0
    result = xls2xform.convert(str(path))
    assert result.warnings == []
    xml = result.xform
    for lang in ("English (en)", "Khmer (km)", "Thai (th)", "Indonesian (id)"):
        assert f'lang="{lang}"' in xml
    assert "/test/Q01" in xml and "/confidence/C01" in xml
