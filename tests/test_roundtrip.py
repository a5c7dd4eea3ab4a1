"""sample_data/ is the generator's study, written as partners' files: loading it gives it back exactly."""

from __future__ import annotations

import filecmp
from pathlib import Path

import tip_eval as te
from tip_eval.io.template import write_sample_data

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def test_load_study_returns_exactly_the_generator_tables(sample_study):
    loaded = te.load_study(SAMPLE)
    for table in sample_study.tables():
        assert loaded.tables()[table].shape == getattr(sample_study, table).shape, table
    assert loaded.equals(sample_study)
    assert loaded.report.ok and loaded.quarantine.empty


def test_rows_reconcile_per_file(sample_study):
    report = te.validate(SAMPLE)
    assert report.ok and report.problems.empty
    rec = report.reconciliation
    assert (rec["rows_read"] == rec["rows_kept"] + rec["rows_quarantined"]).all()
    assert set(rec["file"]) == {"item_bank.xlsx", "followup.xlsx"} | {
        f"trainings/{t}.xlsx" for t in sample_study.trainings["training_id"]
    }


def test_sample_data_regenerates_byte_for_byte(tmp_path):
    write_sample_data(tmp_path / "again")
    # a brief written from the sample keeps its cache in sample_data/.tip_eval_cache: not sample data
    cmp = filecmp.dircmp(SAMPLE, tmp_path / "again", ignore=[*filecmp.DEFAULT_IGNORES, ".tip_eval_cache"])
    files = [
        p.relative_to(SAMPLE)
        for p in SAMPLE.rglob("*")
        if p.is_file() and ".tip_eval_cache" not in p.relative_to(SAMPLE).parts
    ]
    for rel in files:
        assert (tmp_path / "again" / rel).read_bytes() == (SAMPLE / rel).read_bytes(), f"{rel} is not reproducible"
    assert not cmp.left_only and not cmp.right_only


def test_sample_readme_says_it_is_synthetic():
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in text.lower() and "invented" in text.lower()
