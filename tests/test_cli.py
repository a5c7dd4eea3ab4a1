"""The tip-eval command line: exit codes, help, and problems shown with their location."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tip_eval.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def test_validate_clean_study_exits_0(capsys):
    assert main(["validate", str(SAMPLE)]) == 0
    assert "No problems found" in capsys.readouterr().out


def test_validate_missing_path_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 2


def test_validate_problems_exit_1_and_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    from openpyxl import load_workbook

    study = tmp_path / "study"
    shutil.copytree(SAMPLE, study, ignore=shutil.ignore_patterns(".tip_eval_cache"))
    wb_path = study / "trainings" / "KHM-SRP-2023.xlsx"
    wb = load_workbook(wb_path)
    ws = wb["Participants"]
    ws["B5"] = "Pirates"  # sector
    wb.save(wb_path)
    report = tmp_path / "problems.xlsx"
    assert main(["validate", str(study), "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "Pirates" in out and "KHM-SRP-2023.xlsx" in out
    book = load_workbook(report)
    assert book.sheetnames[0] == "INTERNAL - not for publication"  # the same internal file as tip-eval brief's
    rows = list(book["Problems"].iter_rows(values_only=True))
    assert rows[0] == (
        "file",
        "sheet",
        "row",
        "column",
        "value",
        "problem",
        "fix",
        "severity",
        "caused_by",
        "rows_set_aside",
    )
    pirate = [r for r in rows if r[4] == "Pirates"]
    assert len(pirate) == 1
    assert pirate[0][:5] == ("trainings/KHM-SRP-2023.xlsx", "Participants", 5, "Sector", "Pirates")
    assert pirate[0][5].startswith("sector 'Pirates' is not a known sector label")
    # a person's unknown sector is a problem on that cell: their tests and ratings are kept (no more lines)
    assert "the person and their answers are kept" in pirate[0][5]
    assert not [r for r in rows if r[4] == "KHM-SRP-2023-P004"]
    assert rows[1][4] == "Pirates"


def test_bad_usage_exits_2():
    assert main(["validate"]) == 2
    assert main([]) == 2


def test_help_is_fast_and_light():
    code = (
        "import sys, time; t=time.perf_counter(); from tip_eval.cli import main; "
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n"
        "print(','.join(m for m in sys.modules if m.startswith(('pandas','statsmodels','plotly','scipy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_validate_imports_neither_statsmodels_nor_plotly():
    code = (
        "import sys, contextlib, io\nfrom tip_eval.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): rc = main(['validate', {str(SAMPLE)!r}])\n"
        "print(rc, ','.join(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('statsmodels', 'plotly'))})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "0"


def test_validate_refused_workbook_exits_2_with_a_plain_message(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    corpus = ROOT / "tests" / "io" / "corpus"
    assert main(["validate", str(corpus / "far_cell.xlsx")]) == 2
    said = capsys.readouterr()
    assert "XFD1048576" in said.err and "Traceback" not in said.out + said.err
    assert main(["validate", str(corpus / "entity_bomb.xlsx")]) == 2
