"""Truth recovery: messy partner studies, generated with their truth; every published number matches.

The studies come from :mod:`tests.partner.make_partner_studies`, which computes the truth from its
own people (never with tip_eval). The numbers checked are those the brief's tables publish, taken
from the functions that feed them (the brief computes each through ``Results``).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import tip_eval as te
from tip_eval.cli import main
from tip_eval.report.results import Results
from tip_eval.validation import SOURCE_ROWS

from .make_partner_studies import make_partner_study

SEEDS = (0, 1)
GAIN_COLUMNS = ("n_pre", "n_post", "n", "pre_mean", "post_mean", "mean_gain")


@pytest.fixture(scope="module", params=SEEDS)
def partner(request, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("TIP_EVAL_HASH_KEY", "partner-test-key-0123456789abcdef0123")
    folder = tmp_path_factory.mktemp(f"partner{request.param}")
    truth = make_partner_study(folder, seed=request.param)
    assert json.loads((folder / "truth.json").read_text(encoding="utf-8")) == truth
    study = te.load_study(folder, on_error="quarantine")
    yield folder, truth, study, Results(study)
    mp.undo()


def _check(table: pd.DataFrame, expected: dict, key: str | None) -> None:
    rows = table.set_index(key) if key else table.assign(_k="all").set_index("_k")
    assert set(rows.index) == set(expected), (list(rows.index), list(expected))
    for group, want in expected.items():
        got = rows.loc[group]
        for col in GAIN_COLUMNS:
            if want[col] is None:
                assert pd.isna(got[col]), (group, col)
            else:
                # the generator's own arithmetic: equal to rounding error only
                np.testing.assert_allclose(float(got[col]), want[col], rtol=0, atol=1e-9, err_msg=f"{group} {col}")


@pytest.mark.parametrize("by", ["overall", "training_id", "country", "sector"])
def test_published_gains_equal_the_truth(partner, by):
    _, truth, _, results = partner
    table = results("gains", by=None if by == "overall" else by)
    _check(table, truth["gains"][by], None if by == "overall" else by)


def test_published_confidence_equals_the_truth(partner):
    _, truth, _, results = partner
    table = results("confidence_gains").set_index("competency_id")
    for c, want in truth["confidence"].items():
        for col, value in want.items():
            np.testing.assert_allclose(float(table.loc[c, col]), value, rtol=0, atol=1e-9, err_msg=f"{c} {col}")


def test_published_followup_indicator_equals_the_truth(partner):
    _, truth, _, results = partner
    ind = results("followup_summary").query("kind == 'indicator'").iloc[0]
    assert (int(ind["n_interviewed"]), int(ind["n_with_code"])) == (
        truth["followup"]["n_interviewed"],
        truth["followup"]["n_with_code"],
    )


def test_the_flawed_item_is_flagged(partner):
    _, truth, _, results = partner
    items = results("item_analysis").set_index("item_id")
    assert bool(items.loc[truth["flawed_item"], "flag_negative_discrimination"])
    assert int(items["flag_negative_discrimination"].sum()) == 1


def test_every_planted_error_is_a_problem_at_its_location(partner):
    _, truth, study, _ = partner
    p = study.report.problems
    for want in truth["problems"]:
        sheet = p["sheet"].isna() if want["sheet"] is None else p["sheet"] == want["sheet"]
        hit = p[
            (p["file"] == want["file"])
            & sheet
            & (p["row"] == want["row"])
            & (p["column"] == want["column"])
            & p["problem"].str.contains(want["words"], regex=False)
            & (p["severity"] == "error")
        ]
        assert len(hit) == 1, (want, p.to_string())
    # and nothing else is an error except what those errors leave behind (a test with no score)
    errors = p[p["severity"] == "error"]
    consequences = errors["problem"].str.contains("is not computed")
    assert len(errors) - int(consequences.sum()) == len(truth["problems"]), errors.to_string()


def test_every_row_is_accounted_for(partner):
    _, truth, study, _ = partner
    rec = study.report.reconciliation
    assert (rec["rows_read"] == rec["rows_kept"] + rec["rows_quarantined"]).all()
    sheets = rec[rec["table"] == SOURCE_ROWS]
    csv_files = {f for f in sheets["file"] if f.endswith(".csv")}
    for f in csv_files:  # the source's own lines below the header, before parsing
        path = next(p for p in [*truth_files(partner)] if p.name == f)
        lines = path.read_text(encoding="utf-8").splitlines()
        assert int(sheets.loc[sheets["file"] == f, "rows_read"].iloc[0]) == len(lines) - 1, f
    assert len(study.participants) == truth["n_participants"]


def truth_files(partner):
    folder = partner[0]
    return sorted(folder.glob("*.csv"))


def test_the_command_line_on_the_study(partner, tmp_path, capsys):
    folder = partner[0]
    assert main(["validate", str(folder)]) == 1
    assert main(["brief", str(folder), "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert (tmp_path / "out" / "brief.html").exists()
