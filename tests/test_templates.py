"""The template built from an item bank, and a Kobo export with a separate roster: what partners fill in
loads back without problems (the form built from a partner's own bank: tests/collection)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import tip_eval as te
from tip_eval.cli import main
from tip_eval.io.columns import template_header, template_sheet
from tip_eval.io.template import training_frames

SHEETS = {
    "training": "Training",
    "participants": "Participants",
    "pre": "Pre-test",
    "post": "Post-test",
    "confidence": "Confidence",
}


@pytest.mark.parametrize("lang", ["en", "km", "th", "id"])
def test_blank_template_filled_in_loads_cleanly(tmp_path, sample_study, lang):
    """The template built from the sample's item bank (letters only: the bank has no option texts)."""
    path = tmp_path / f"blank_{lang}.xlsx"
    bank = Path(__file__).resolve().parents[1] / "sample_data" / "item_bank.xlsx"
    assert main(["template", "--items", str(bank), "--out", str(path), "--lang", lang]) == 0
    wb = load_workbook(path)
    assert wb["Lists"].sheet_state == "hidden"
    # sheet names and headers in the language asked for, read back in any language
    assert wb[template_sheet("participants", lang)].data_validations.dataValidation, "sector and gender need dropdowns"
    assert [c.value for c in wb[template_sheet("participants", lang)][1]][:2] == [
        template_header("participant_id", lang),
        template_header("sector", lang),
    ]
    frames = training_frames(sample_study, "IDN-DPS-2023")
    for key in SHEETS:
        frames[key] = frames[key].drop(columns=["Test date"], errors="ignore")  # the blank's test sheets have none
        ws = wb[template_sheet(key, lang)]
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


def test_kobo_export_of_the_xlsform_loads_with_the_kobo_layout(tmp_path, sample_study):
    """A synthetic KoboToolbox export of our XLSForm (XML names with group paths) round-trips."""
    import numpy as np
    import pandas as pd

    from tip_eval.io.template import write_item_bank, write_training_workbook
    from tip_eval.io.xlsform import CONFIDENCE_GROUP, TEST_GROUP

    tid = "KHM-PNH-2023"
    s = sample_study
    write_item_bank(s, tmp_path / "item_bank.xlsx")
    roster = tmp_path / "roster.xlsx"
    write_training_workbook(s, tid, roster)
    wb = load_workbook(roster)
    for sheet in ("Pre-test", "Post-test", "Delayed post-test", "Confidence"):
        del wb[sheet]
    wb.save(roster)
    # one submission per participant and phase, as Kobo exports it
    resp = s.responses[s.responses["training_id"] == tid]
    answers = resp.pivot(index=["participant_id", "phase"], columns="item_id", values="answer")
    conf = s.confidence[s.confidence["participant_id"].isin(resp["participant_id"])]
    ratings = conf.pivot(index=["participant_id", "phase"], columns="competency_id", values="rating")
    sub = answers.join(ratings, how="outer").reset_index()
    export = pd.DataFrame(
        {
            "start": "2023-04-18T08:00:00",
            "participant_id": sub["participant_id"].str.lower(),
            "training_id": tid,
            "phase": sub["phase"],
        }
    )
    for item in s.items["item_id"]:
        export[f"{TEST_GROUP}/{item}"] = sub[item]
    for comp in s.competencies["competency_id"]:
        export[f"{CONFIDENCE_GROUP}/{comp}"] = sub[comp].astype("Int64")
    export["_id"] = np.arange(len(export)) + 1000
    export["_uuid"] = [f"uuid-{i}" for i in range(len(export))]
    export["_submission_time"] = "2023-04-18T09:00:00"
    export["_index"] = np.arange(len(export)) + 1
    export.to_csv(tmp_path / "kobo_export.csv", index=False)
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "Kobo round trip"\n\n'
        '[[sources]]\nfile = "item_bank.xlsx"\nlayout = "item_bank"\n\n'
        '[[sources]]\nfile = "roster.xlsx"\nlayout = "template"\n\n'
        '[[sources]]\nfile = "kobo_export.csv"\nlayout = "kobo"\nroster = false\ntraining_id = "KHM-PNH-2023"\n',
        encoding="utf-8",
    )
    report = te.validate(tmp_path)
    assert report.problems[report.problems["severity"] == "error"].empty, report.problems
    loaded = te.load_study(tmp_path)
    key = ["participant_id", "phase", "item_id"]
    got = loaded.responses.sort_values(key).reset_index(drop=True)
    want = resp.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.drop(columns="test_date"), want[got.columns].drop(columns="test_date"))
    ckey = ["participant_id", "phase", "competency_id"]
    pd.testing.assert_frame_equal(
        loaded.confidence.sort_values(ckey).reset_index(drop=True), conf.sort_values(ckey).reset_index(drop=True)
    )
