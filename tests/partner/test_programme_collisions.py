"""Two partners' studies that reuse participant IDs: every row set aside is named at its file, sheet and row.

The two study folders are written by hand (openpyxl), as two partners' officers would fill their
own workbooks: both number their people P01, P02, ...
"""

from __future__ import annotations

import datetime

import openpyxl

import tip_eval as te

from .conftest import study_toml

KEYS = "ABCA"


def _workbook(path, training, province, people):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Training"
    ws.append(["Training ID", "Country", "Province", "Start date", "End date", "Language"])
    ws.append([training, "Cambodia", province, datetime.date(2024, 3, 4), datetime.date(2024, 3, 6), "km"])
    ws = wb.create_sheet("Participants")
    ws.append(["Participant ID", "Sector"])
    for pid in people:
        ws.append([pid, "NGO"])
    for sheet, answers in (("Pre-test", "ABDD"), ("Post-test", "ABCA")):
        ws = wb.create_sheet(sheet)
        ws.append(["Participant ID", "K1", "K2", "K3", "K4"])
        for pid in people:
            ws.append([pid, *answers])
    ws = wb.create_sheet("Confidence")
    ws.append(["Participant ID", "Phase", "C1"])
    for pid in people:
        ws.append([pid, "Pre-test", 2])
        ws.append([pid, "Post-test", 4])
    ws = wb.create_sheet("Items")
    ws.append(["Item ID", "Module", "Correct answer"])
    for i, k in enumerate(KEYS, start=1):
        ws.append([f"K{i}", "identification", k])
    ws = wb.create_sheet("Competencies")
    ws.append(["Competency ID", "Label"])
    ws.append(["C1", "Identify a victim"])
    wb.save(path)


def test_colliding_participant_ids_name_every_row_set_aside(tmp_path):
    a, b = tmp_path / "kampot", tmp_path / "kep"
    a.mkdir()
    b.mkdir()
    _workbook(a / "kampot.xlsx", "KHM-KPT-2024", "Kampot", [f"P{i:02d}" for i in range(1, 7)])
    # the second partner reuses P02 and P05 (rows 3 and 5 of its roster) for other people
    _workbook(b / "kep.xlsx", "KHM-KEP-2024", "Kep", ["Q01", "P02", "Q03", "P05", "Q05"])
    study_toml(a, '[[sources]]\nfile = "kampot.xlsx"\nlayout = "template"\n', name="Kampot")
    study_toml(b, '[[sources]]\nfile = "kep.xlsx"\nlayout = "template"\n', name="Kep")
    assert te.validate(a).ok and te.validate(b).ok
    programme = te.load_studies([a, b], on_error="quarantine")
    p = programme.report.problems
    errors = p[p["severity"] == "error"]
    where = f"{b}: kep.xlsx"
    clash = errors[errors["problem"].str.contains("is also in study Kampot")]
    assert set(zip(clash["file"], clash["sheet"], clash["row"], clash["value"])) == {
        (where, "Participants", 3, "P02"),
        (where, "Participants", 5, "P05"),
    }
    # every dependent row: each pre/post answer row, each confidence row, each derived total, by sheet and rows
    q = programme.quarantine
    assert set(q["file"]) == {where} and q["row"].notna().all()
    located = {(t, sh, int(r)) for t, sh, r in zip(q["table"], q["sheet"], q["row"])}
    expected = {("participants", "Participants", 3), ("participants", "Participants", 5)}
    expected |= {("responses", sh, r) for sh in ("Pre-test", "Post-test") for r in (3, 5)}
    expected |= {("scores", sh, r) for sh in ("Pre-test", "Post-test") for r in (3, 5)}
    expected |= {("confidence", "Confidence", r) for r in (4, 5, 8, 9)}  # P02 and P05, pre and post
    assert located == expected
    assert (q["table"] == "responses").sum() == 2 * 2 * len(KEYS)
    lines = errors[errors["problem"].str.contains("set aside: it belongs to participant")]
    # one line per sheet and person, naming the rows
    assert {(sh, r, t.split(" set aside")[0]) for sh, r, t in zip(lines["sheet"], lines["row"], lines["problem"])} == {
        ("Pre-test", 3, "4 responses row(s) (row 3)"),
        ("Post-test", 3, "4 responses row(s) (row 3)"),
        ("Pre-test", 5, "4 responses row(s) (row 5)"),
        ("Post-test", 5, "4 responses row(s) (row 5)"),
        ("Pre-test", 3, "1 test total(s) derived from the answers (row 3)"),
        ("Post-test", 3, "1 test total(s) derived from the answers (row 3)"),
        ("Pre-test", 5, "1 test total(s) derived from the answers (row 5)"),
        ("Post-test", 5, "1 test total(s) derived from the answers (row 5)"),
        ("Confidence", 4, "2 confidence row(s) (rows 4-5)"),
        ("Confidence", 8, "2 confidence row(s) (rows 8-9)"),
    }
    # the programme keeps the first study's people and the second study's others
    kept = programme.participants.set_index("participant_id")["training_id"]
    assert kept["P02"] == "KHM-KPT-2024" and kept["Q03"] == "KHM-KEP-2024" and len(kept) == 9
