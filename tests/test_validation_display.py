"""A validation report as people read it: root causes first, their consequences counted beneath,
the fix in full, and text that wraps between words whatever the width."""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

import pandas as pd
import pytest

import tip_eval as te
from tip_eval.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


@pytest.fixture(scope="module")
def alone():
    """A training workbook checked on its own: its item bank and competencies are in another file."""
    return te.validate(SAMPLE / "trainings" / "KHM-BTB-2023.xlsx")


@pytest.fixture(scope="module")
def typo(tmp_path_factory):
    """The sample study whose item bank keys Q05 with a letter that is not one of its four options.

    (An unknown sector, the former typo here, no longer sets anything aside: it is a problem on that
    cell only.) Every answer to Q05 is set aside: one line per sheet, each pointing to the key's row.
    """
    from openpyxl import load_workbook

    study = tmp_path_factory.mktemp("typo") / "study"
    shutil.copytree(SAMPLE, study, ignore=shutil.ignore_patterns(".tip_eval_cache"))
    path = study / "item_bank.xlsx"
    wb = load_workbook(path)
    assert wb["Items"]["A6"].value == "Q05" and wb["Items"]["F6"].value == 4
    wb["Items"]["D6"] = TYPO
    wb.save(path)
    answers = int((te.load_study(SAMPLE).responses["item_id"] == "Q05").sum())
    return study, te.validate(study), answers


TYPO = "F"


def _cells(sheets: list[str], per_row: int) -> int:
    """Data rows of these sheets of the Battambang workbook (header in row 1) times values per row."""
    from openpyxl import load_workbook

    book = load_workbook(SAMPLE / "trainings" / "KHM-BTB-2023.xlsx", read_only=True)
    return sum(book[s].max_row - 1 for s in sheets) * per_row


def test_a_missing_item_bank_is_one_root_cause(alone):
    roots = alone.root_causes()
    assert len(roots) == 1
    root = roots.iloc[0]
    assert root["problem"] == "no visible sheet named 'Items'" and "check the whole study folder" in root["fix"]
    # what follows from it: the answers and the ratings that cannot be checked
    assert root["consequences"] == 2
    follows = alone.problems[alone.problems["caused_by"].notna()]
    assert set(follows["caused_by"]) == {roots.index[0]}
    # every answer (test rows x 28 items) and every rating (rating rows x 7 competencies) of the workbook
    expected = _cells(["Pre-test", "Post-test", "Delayed post-test"], 28) + _cells(["Confidence"], 7)
    assert root["rows_depending"] == int(follows["rows_set_aside"].sum()) == expected
    text = alone.to_text()
    assert text.count("ERROR") == 1
    assert f"and 2 more problems ({expected:,} rows set aside) that follow from it" in text
    assert "item_id cannot be checked" not in text  # counted beneath, not listed again


def test_a_typo_comes_first_with_what_it_set_aside(typo):
    _, report, answers = typo
    p = report.problems
    root = p.iloc[0]
    assert (root["file"], root["row"], root["value"]) == ("item_bank.xlsx", 6, TYPO) and pd.isna(root["caused_by"])
    later = p[p["caused_by"] == 0]
    assert len(later) >= 2 and later["problem"].str.contains("item_id 'Q05' has a problem in the item bank").all()
    assert later["rows_set_aside"].sum() == answers
    html = report._repr_html_()
    assert html.index("item Q05: the correct answer") < html.index(
        f"and {len(later)} more problems ({answers:,} rows set aside)"
    )
    assert escape(root["fix"]) in html  # the fix in full, never cut off


def test_text_wraps_between_words_at_any_width(alone):
    words = set(alone.to_text(width=None).split())
    for width in (40, 57, 80):
        text = alone.to_text(width=width)
        assert all(len(line) <= width or " " not in line.strip() for line in text.splitlines())
        assert set(text.split()) == words  # no word cut in two


def test_the_command_prints_root_causes_without_cutting_words(typo, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "48")  # a narrow terminal, or a pipe
    assert main(["validate", str(typo[0])]) == 1
    out = capsys.readouterr().out
    assert all(len(line) <= 48 for line in out.splitlines() if " " in line.strip())
    words = out.split()
    for word in ("item_bank.xlsx,", f"({typo[2]:,}"):
        assert word in words
    assert out.index("Q05") < out.index("more problems")


def test_a_report_without_links_shows_every_line_as_a_root():
    from tip_eval.problems import PROBLEM_COLUMNS
    from tip_eval.validation import ValidationReport

    frame = pd.DataFrame(
        [["a.xlsx", "S", 2, "C", "x", "what is wrong", "how to fix it", "error"]], columns=list(PROBLEM_COLUMNS)
    )
    report = ValidationReport(problems=frame)
    assert len(report.root_causes()) == 1 and "how to fix it" in report.to_text()
