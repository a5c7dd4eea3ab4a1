"""Free text that may be a person's name is located, never repeated: read notes, document names, problem files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from tip_eval.errors import InputRefused
from tip_eval.io.read import read_table

NAMES = ("Sok Dara", "Chan Sok Sophea")


def test_a_title_row_and_a_name_under_the_table_are_located_not_quoted(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = f"Pre-test, trainer {NAMES[0]}"  # a one-cell title row
    ws.append(["Participant ID", "Score"])
    ws.append(["P001", 12])
    ws.append(["P002", 15])
    ws.append([])
    ws.append([NAMES[1]])  # a row holding only a name, after a blank line
    wb.save(tmp_path / "pre.xlsx")
    table = read_table(tmp_path / "pre.xlsx")
    assert table.frame["Participant ID"].tolist() == ["P001", "P002"]
    assert table.ignored_rows == {5: "blank", 6: "notes under the table"}
    text = " ".join(table.notes) + " ".join(str(p) for p in table.problems)
    assert not any(name in text for name in NAMES), table.notes
    assert any("column A, row 1" in n for n in table.notes) and any("column A, row 6" in n for n in table.notes)


def test_problems_file_quotes_checked_values_and_locates_free_text(tmp_path):
    from tip_eval.problems_file import INTERNAL, write_problems_file
    from tip_eval.validation import ValidationReport

    problems = pd.DataFrame(
        [
            {
                "file": "a.xlsx",
                "sheet": "Pre",
                "row": 40,
                "column": "Name",
                "value": NAMES[0],
                "problem": f"'{NAMES[0]}' appears twice",
                "fix": "Remove one.",
                "severity": "warning",
            },
            {
                "file": "a.xlsx",
                "sheet": "Pre",
                "row": 7,
                "column": "Sector",
                "value": "Pirates",
                "problem": "sector 'Pirates' is not a known sector label",
                "fix": "Use a sector.",
                "severity": "error",
            },
            {
                "file": "h.csv",
                "sheet": None,
                "row": 3,
                "column": "document",
                "value": f"{NAMES[1]}.docx",
                "problem": f"document '{NAMES[1]}.docx' is odd",
                "fix": "",
                "severity": "warning",
            },
        ]
    )
    quarantine = pd.DataFrame(
        [
            {
                "table": "followup_codes",
                "file": "h.csv",
                "sheet": None,
                "row": 3,
                "problem": f"set aside: document '{NAMES[1]}.docx' is odd",
            }
        ]
    )
    report = ValidationReport(problems=problems)
    path = write_problems_file(report, quarantine, tmp_path / "problems.xlsx")
    book = load_workbook(path, read_only=True)
    assert book.sheetnames[0] == "INTERNAL - not for publication"
    assert INTERNAL in [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any(name in c for c in cells for name in NAMES)
    assert "Pirates" in cells  # a checked column's value is what the officer must fix
    assert "(text in column Name, row 40; not copied)" in cells
    assert "(text in column document, row 3; not copied)" in cells
    # ValidationReport.to_excel (tip-eval validate --report) writes the same internal file
    again = load_workbook(report.to_excel(str(tmp_path / "report.xlsx")), read_only=True)
    assert again.sheetnames == ["INTERNAL - not for publication", "Problems", "Rows set aside", "Rows per file"]


def test_transcripts_named_after_people_become_neutral_interview_ids(tmp_path, monkeypatch):
    """A document named after the person interviewed gets an ID that neither repeats nor lets anyone check the name."""
    import hashlib

    from tip_eval.io.layouts_coding import document_ids, document_key
    from tip_eval.io.load import load_sources

    here = Path(__file__).resolve().parents[1] / "ingest" / "corpus"
    folder = tmp_path / "coding"
    shutil.copytree(here / "coding", folder)
    shutil.copytree(here / "common", tmp_path / "common")
    toml = (folder / "study.toml").read_text(encoding="utf-8")
    (folder / "study.toml").write_text(toml.replace('documents = "documents.csv"\n', ""), encoding="utf-8")
    csv = (folder / "highlights.csv").read_text(encoding="utf-8-sig")
    (folder / "highlights.csv").write_text(csv.replace("interview_A.docx", f"{NAMES[0]}.docx"), encoding="utf-8")
    name = document_key(f"{NAMES[0]}.docx")
    guessed = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10].upper()

    # without a key: DOC-001, DOC-002, ... in the order of the documents' names, the same on every load
    monkeypatch.delenv("TIP_EVAL_HASH_KEY", raising=False)
    loaded = load_sources(folder)
    ids = set(loaded.tables["followup_codes"]["interview_id"].dropna())
    docs = {i for i in ids if i.startswith("DOC-")}
    assert docs == {f"DOC-{k:03d}" for k in range(1, len(docs) + 1)} and len(docs) >= 2
    assert set(load_sources(folder).tables["followup_codes"]["interview_id"].dropna()) == ids
    text = " ".join(f"{p.value} {p.problem}" for p in loaded.problems)
    assert NAMES[0] not in text and "DOC-pending" not in text
    assert all(not i.startswith(NAMES[0]) and guessed not in i for i in ids)

    # with the study's key: a keyed hash, which a guessed name cannot be checked against without the key
    key = "a-study-key-of-32-bytes-or-more-0123456789"
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", key)
    keyed = set(load_sources(folder).tables["followup_codes"]["interview_id"].dropna())
    expected = document_ids([name], key.encode())[name]
    assert expected in keyed and guessed not in expected and not keyed & docs
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "too-short")
    with pytest.raises(InputRefused, match="too short"):
        load_sources(folder)
