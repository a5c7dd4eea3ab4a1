"""Linking pre and post by name: exact and close matches, uncertain pairs for review, keyed pseudonyms."""

from __future__ import annotations

import json

import pytest

import tip_eval as te
from tip_eval.errors import InputRefused
from tip_eval.io.linking import normalize_name, pseudonym

from .conftest import CORPUS, located

NAMES = [
    "Siti Rahmah",
    "SITI  RAHMAH",
    "Made Wirawan",
    "I Made Wirawan",
    "Dewi Lestari",
    "Dewi Lestiani",
    "Budi Santoso",
    "Agus Salim",
]
TID = "IDN-SUB-2023"


def _pid(key: str, name: str) -> str:
    return pseudonym(key.encode(), TID, normalize_name(name))


def test_names_link_exactly_and_closely_and_become_pseudonyms(corpus, hash_key):
    s = corpus("prepost_names")
    ids = {n: _pid(hash_key, n) for n in ("Siti Rahmah", "Made Wirawan", "Dewi Lestari", "Budi Santoso")}
    assert sorted(s.participants["participant_id"]) == sorted(ids.values())
    phases = s.scores.groupby("participant_id")["phase"].apply(set).to_dict()
    assert phases[ids["Siti Rahmah"]] == {"pre", "post"}  # "SITI  RAHMAH": the same after normalising
    assert phases[ids["Made Wirawan"]] == {"pre", "post"}  # "I Made Wirawan": 92% similar, linked
    assert phases[ids["Budi Santoso"]] == {"pre", "post"}
    assert phases[ids["Dewi Lestari"]] == {"pre"}  # "Dewi Lestiani": 88%, not merged


def test_close_and_uncertain_matches_are_listed_for_review(corpus):
    p = corpus("prepost_names").report.problems
    linked = located(p, "post.csv", None, 3, "Nama")
    assert list(linked["problem"]) == ["linked by a close name match (92% similar) to the person in pre.csv, row 3"]
    assert list(linked["severity"]) == ["warning"]
    uncertain = located(p, "post.csv", None, 4, "Nama")
    review = uncertain[uncertain["severity"] == "warning"]
    assert list(review["problem"]) == [
        "this name is 88% similar to the person in pre.csv, row 4 (below the 90% "
        "needed to link them): kept as two different people, not merged"
    ]
    # kept apart, the post-test of 'Dewi Lestiani' (and of 'Agus Salim') has nobody on the roster
    errors = p[p["severity"] == "error"]
    assert [(r.file, r.row, r.column) for r in errors.itertuples()] == [
        ("post.csv", 4, "Nama"),
        ("post.csv", 6, "Nama"),
    ]
    assert all(v.startswith(f"{TID}-N") for v in errors["value"])


def test_names_are_in_no_table_problem_or_quarantine(corpus):
    s = corpus("prepost_names")
    text = json.dumps([t.astype(str).to_dict("records") for t in s.tables().values()], ensure_ascii=False)
    text += s.report.problems.astype(str).to_json(force_ascii=False) + s.quarantine.astype(str).to_json(
        force_ascii=False
    )
    text += s.sources.astype(str).to_json(force_ascii=False)
    for name in NAMES:
        for part in name.split():
            if len(part) > 2:
                assert part not in text and part.upper() not in text, part


def test_no_key_is_a_clear_refusal(monkeypatch):
    monkeypatch.delenv("TIP_EVAL_HASH_KEY", raising=False)
    with pytest.raises(InputRefused, match="no secret key was found"):
        te.load_study(CORPUS / "prepost_names")
    report = te.validate(CORPUS / "prepost_names")
    assert not report.ok and len(report.problems) == 1
    assert "TIP_EVAL_HASH_KEY" in report.problems["fix"].iloc[0]


def test_short_key_is_refused(monkeypatch):
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "short")
    with pytest.raises(InputRefused, match="too short"):
        te.load_study(CORPUS / "prepost_names")


def test_key_file_gives_the_same_pseudonyms(tmp_path, monkeypatch, hash_key, corpus):
    key_file = tmp_path / "secret.key"
    key_file.write_text(hash_key + "\n", encoding="utf-8")
    monkeypatch.setenv("TIP_EVAL_HASH_KEY", "another-key-entirely-0000")
    s = te.load_study(CORPUS / "prepost_names", on_error="quarantine", config={"hash_key_file": str(key_file)})
    assert sorted(s.participants["participant_id"]) == sorted(corpus("prepost_names").participants["participant_id"])
    assert hash_key not in s.report.problems.to_string() and "hash_key" not in json.dumps(
        {k: str(v) for k, v in s.sources.items()}
    )


def test_normalize_name():
    assert normalize_name("  Ibu  Siti  Rahmah ") == "siti rahmah"
    assert normalize_name("นางสาวสมหญิง ใจดี") == "สมหญิง ใจดี"
    assert normalize_name("Mr. Sok Dara") == "sok dara"
    assert normalize_name("  ") is None
    assert pseudonym(b"k" * 16, "T", "a") == pseudonym(b"k" * 16, "T", "a") != pseudonym(b"j" * 16, "T", "a")
