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


def test_section_only_when_there_is_a_delayed_test(with_and_without, tmp_path):
    study, without = with_and_without
    ctx = build_brief(study)
    assert "retention" in [s.id for s in ctx.sections]
    row = te.retention(study).iloc[0]
    said = next(f for f in ctx.headline if "tested again" in f.text)
    assert said.numbers["retained_gain"] == pytest.approx(row["retained_gain"])
    assert said.numbers["n"] == row["n"]
    assert f"{row['retained_gain']:.1f} percentage points above their pre-test" in said.text
    page = render_brief(ctx)
    assert 'id="retention"' in page and "Does it last?" in page
    assert "still there at the delayed test" in page  # the figure's title
    bare = build_brief(without)
    assert "retention" not in [s.id for s in bare.sections]
    assert not any("tested again" in f.text for f in bare.headline)
    assert "Does it last?" not in render_brief(bare).split("Methods and definitions")[0]
    path = te.write_workbook(without, tmp_path / "tables.xlsx")
    from openpyxl import load_workbook

    assert load_workbook(path)["Does it last"]["A3"].value.startswith("No delayed post-test")


def test_few_re_tested_is_hedged():
    from tip_eval.report.headline import retention_finding

    row = te.retention(te.datasets.make_study(seed=5, n_trainings=2, participants_per_training=30)[0]).iloc[0]
    small = row.copy()
    small["n"], small["n_pre_post"] = 12, 40
    finding = retention_finding(small)
    assert finding.hedged and "only 12 of the 40 people" in finding.text
    assert retention_finding(None) is None
