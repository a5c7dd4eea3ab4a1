"""The brief's "Does it last?" section: shown only when a delayed post-test exists, its numbers from te.retention."""

from __future__ import annotations

import pytest

import tip_eval as te
from tip_eval.report.brief import build_brief, render_brief


@pytest.fixture(scope="module")
def with_and_without():
    study, _ = te.datasets.make_study(seed=5, n_trainings=2, participants_per_training=30)
    tables = study.tables()
    for t in ("responses", "scores", "confidence"):
        tables[t] = tables[t][tables[t]["phase"] != "delayed"]
    return study, te.Study(name="Without a delayed test", check=False, **tables)


def test_no_section_without_a_delayed_test(with_and_without, tmp_path):
    """(With a delayed test the section is there: tests/test_programme.py checks it in a programme brief.)"""
    _, without = with_and_without
    bare = build_brief(without)
    assert "retention" not in [s.id for s in bare.sections]
    assert not any("tested again" in f.text for f in bare.headline)
    assert "Does it last?" not in render_brief(bare).split("Methods and definitions")[0]
    path = te.write_workbook(without, tmp_path / "tables.xlsx")
    from openpyxl import load_workbook

    assert load_workbook(path)["Does it last"]["A3"].value.startswith("No delayed post-test")


def test_the_headline_quotes_te_retention(with_and_without):
    from tip_eval.report.headline import retention_finding

    study, _ = with_and_without
    row = te.retention(study).iloc[0]
    said = retention_finding(row)
    assert said.numbers["retained_gain"] == row["retained_gain"] and said.numbers["n"] == row["n"]
    assert f"{row['retained_gain']:.1f} percentage points above their pre-test" in said.text
    assert f"about {100 * row['retention_ratio']:.0f}% of the gain" in said.text


def test_few_re_tested_is_hedged(with_and_without):
    from tip_eval.report.headline import retention_finding

    row = te.retention(with_and_without[0]).iloc[0]
    small = row.copy()
    small["n"], small["n_pre_post"] = 12, 40
    finding = retention_finding(small)
    assert finding.hedged and "only 12 of the 40 people" in finding.text
    assert retention_finding(None) is None
