"""Coding data from Taguette, QualCoder and 0/1 matrices: located problems, excerpts kept out."""

from __future__ import annotations

import pandas as pd

from tip_eval.io.layouts_coding import document_ids, document_key
from tip_eval.io.load import load_sources

from .conftest import CORPUS, KEY, located

EXCERPTS = [
    "I used the screening form with a fisherman.",
    "We met three times before asking.",
    "Later I checked the indicators again.",
    "There is no shelter in our district.",
    "No budget for transport.",
    "An interview nobody listed.",
    "An untagged highlight.",
    "I used the screening form.",
    "We met three times.",
    "No shelter.",
]


def test_codings_from_three_tools(corpus):
    s = corpus("coding")
    fc = s.followup_codes.set_index(["interview_id", "coder", "code_id"])["present"].to_dict()
    assert fc == {
        # Taguette: two highlights of ID_SCREENING are one coding; a tag written as the code's label
        ("INT-1", "coder_a", "ID_SCREENING"): True,
        ("INT-1", "coder_a", "TRUST_BUILDING"): True,
        # QualCoder: code names by ID or label
        ("INT-1", "coder_b", "ID_SCREENING"): True,
        ("INT-1", "coder_b", "TRUST_BUILDING"): True,
        ("INT-2", "coder_b", "BAR_RESOURCES"): True,
        # 0/1 matrix: an empty cell is 0, "x" is 1
        ("INT-1", "coder_c", "ID_SCREENING"): True,
        ("INT-1", "coder_c", "TRUST_BUILDING"): False,
        ("INT-1", "coder_c", "BAR_RESOURCES"): True,
        ("INT-2", "coder_c", "ID_SCREENING"): False,
        ("INT-2", "coder_c", "TRUST_BUILDING"): True,
    }
    iv = s.interviews.set_index("interview_id")
    assert iv.loc["INT-1", "participant_id"] == "R01" and iv.loc["INT-1", "interview_date"] == pd.Timestamp(
        "2023-10-01"
    )
    assert iv.loc["INT-1", "coders"] == "coder_a;coder_b;coder_c"


def test_coding_problems_are_located(corpus):
    p = corpus("coding").report.problems

    def one(*where, startswith, severity="error"):
        hits = located(p, *where)
        hits = hits[hits["problem"].str.startswith(startswith) & (hits["severity"] == severity)]
        assert len(hits) == 1, (where, startswith, p.to_string())

    one("highlights.csv", None, 5, "tag", "Barriers", startswith="code_id 'Barriers' is not in the codebook")
    one("documents.csv", None, 4, "Participant ID", "R09", startswith="participant_id 'R09' is not in the roster")
    one(
        "highlights.csv",
        None,
        6,
        "document",
        "INT-3",
        startswith="1 followup_codes row set aside because interview_id 'INT-3' has a problem in the interview list",
    )
    # a document the documents table does not map gets a neutral ID: its name (often the name of the
    # person interviewed) is repeated in no problem and becomes no ID
    # (the corpus has a pseudonym key: the ID is keyed, so a guessed name cannot be checked against it)
    name = document_key("interview_Z.docx")
    neutral = document_ids([name], KEY.encode())[name]
    assert neutral.startswith("DOC-") and len(neutral) == 14 and name == document_key(" INTERVIEW_Z ")
    one(
        "highlights.csv",
        None,
        7,
        "document",
        severity="warning",
        startswith=f"the document in this cell is not in the documents list: the neutral ID {neutral} stands for it",
    )
    one(
        "highlights.csv",
        None,
        7,
        "document",
        neutral,
        startswith=f"interview_id '{neutral}' is not in the interview list",
    )
    assert (
        not p["problem"].str.contains("interview_Z").any()
        and not p["value"].fillna("").str.contains("interview_Z").any()
    )
    one("highlights.csv", None, 8, "tag", None, severity="warning", startswith="1 highlight has no tag and was ignored")
    one("matrix.xlsx", "Codes", 3, "BAR_RESOURCES", "maybe", startswith="present 'maybe' is not yes/no")
    assert (p["severity"] == "error").sum() == 5, p.to_string()
    # QualCoder's repeated Category columns and its memo are not problems
    assert not p["file"].eq("coded_text.csv").any(), p.to_string()


def test_rows_reconcile_per_file(corpus):
    rec = corpus("coding").report.reconciliation.set_index(["file", "table"])
    assert (rec["rows_read"] == rec["rows_kept"] + rec["rows_quarantined"]).all()
    # 7 highlights: 2 codings of INT-1, 1 each for Barriers, INT-3 and interview_Z; 1 untagged (a warning)
    assert tuple(rec.loc[("highlights.csv", "followup_codes"), ["rows_read", "rows_kept", "rows_quarantined"]]) == (
        5,
        2,
        3,
    )
    assert tuple(rec.loc[("documents.csv", "interviews"), ["rows_read", "rows_kept", "rows_quarantined"]]) == (3, 2, 1)


def test_excerpts_stay_out_unless_cleared(corpus, hash_key):
    s = corpus("coding")
    text = " ".join(t.astype(str).to_string() for t in s.tables().values())
    text += s.report.problems.to_string() + s.quarantine.to_string()
    for e in EXCERPTS:
        assert e not in text
    ex = load_sources(CORPUS / "coding").excerpts
    assert ex[["interview_id", "coder", "code_id", "excerpt", "file", "row"]].values.tolist() == [
        ["INT-1", "coder_a", "ID_SCREENING", "I used the screening form with a fisherman.", "highlights.csv", 2]
    ]
