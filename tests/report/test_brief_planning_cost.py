"""The brief's "Planning the next training" box and "Cost" section, and their workbook sheets."""

from __future__ import annotations

import html as htmllib

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import tip_eval as te
from tip_eval.column_titles import code
from tip_eval.io.cost_settings import exchange_rate_table
from tip_eval.report.brief import build_brief, render_brief
from tip_eval.report.results import Results


@pytest.fixture(scope="module")
def costed(sample_study):
    """The sample study with a cost of 1,000 per training: half in US dollars, the rest in riel and baht."""
    tables = sample_study.tables()
    ids = sample_study.trainings["training_id"].astype(str)
    currency = ["KHR" if t.startswith("KHM") else "THB" if t.startswith("THA") else "USD" for t in ids]
    rate = {"KHR": 0.000245, "THB": 0.028, "USD": 1.0}
    tables["costs"] = pd.DataFrame(
        {
            "training_id": ids,
            "cost": [1000.0 / rate[c] for c in currency],
            "currency": currency,
            "year": 2023,
            "category": None,
        }
    )
    return te.Study(
        name=sample_study.name,
        min_cell=5,
        **tables,
        exchange_rates=exchange_rate_table({"currency": "USD", "rates": {"KHR": 0.000245, "THB": 0.028}}),
    )


@pytest.fixture(scope="module")
def published(costed, tmp_path_factory):
    res = Results(costed)
    ctx = build_brief(costed, results=res)
    path = te.write_workbook(costed, tmp_path_factory.mktemp("wb") / "tables.xlsx", results=res)
    return ctx, render_brief(ctx), load_workbook(path)


def _section(html: str, section: str) -> str:
    start = html.index(f'<section id="{section}">')
    return html[start : html.index("</section>", start)]


def test_planning_box_states_the_plans_and_assumptions(published, costed):
    _, html, _ = published
    part = htmllib.unescape(_section(html, "planning"))
    assert "<h2>Planning the next training</h2>" in part and 'class="box"' in part
    plan = te.plan_next(costed)
    for sentence in plan.table["in_words"]:
        assert sentence in part
    for sentence in plan.assumptions():
        assert sentence in part
    assert "(as in this study)" in part  # the study's own training size among the options


def test_cost_section_costs_1000_per_training(published, costed):
    ctx, html, _ = published
    part = htmllib.unescape(_section(html, "cost"))
    # 7 trainings x 1,000 (converted back from riel and baht); 222 registered; 191 with both
    # tests; 25 reliably improved (te.gains: pct_reliable_improved x n / 100)
    g = te.gains(costed).iloc[0]
    k = round(float(g["pct_reliable_improved"]) * float(g["n"]) / 100)
    assert k == 25
    assert "came to USD 7,000 in all (spent in 2023)" in part
    assert f"USD {7000 / 222:,.0f} per person registered" in part
    assert f"USD {7000 / 191:,.0f} per person who took both tests" in part
    assert f"cost about USD {7000 / k:,.0f} ({k} people;" in part
    assert "1 KHR = 0.000245 USD, 1 THB = 0.028 USD" in part and "not adjusted for inflation" in part
    shown = ctx.results["cost"]
    assert shown["training_id"].iloc[0] == "All trainings"
    assert np.isclose(shown["cost_total"].iloc[0], 7000.0, rtol=1e-12)


def test_cost_section_hides_small_counts(published, costed):
    ctx, _, _ = published
    shown = ctx.results["cost"].set_index("training_id")
    raw = te.cost_effectiveness(costed, by="training_id").set_index("training_id")
    small = raw.index[(raw["n_reliably_improved"] > 0) & (raw["n_reliably_improved"] < 5)]
    assert len(small)  # the sample has trainings where 1 to 4 people reliably improved
    for t in small:
        assert pd.isna(shown.at[t, "n_reliably_improved"])
        assert pd.isna(shown.at[t, "cost_per_reliably_improved"])
        assert pd.isna(shown.at[t, "cost_per_reliably_improved_ci_low"])
    counts = shown["n_reliably_improved"].dropna()
    assert not ((counts > 0) & (counts < 5)).any()


def test_workbook_has_the_planning_and_cost_sheets(published):
    _, _, wb = published
    for name in ("Planning", "Planning inputs", "Planning options", "Cost"):
        assert name in wb.sheetnames
    cost = wb["Cost"]
    header = [c.value for c in cost[1]]
    col = header.index("People who reliably improved") + 1
    values = [cost.cell(row=r, column=col).value for r in range(2, 10)]
    assert "\u2013" in values and 25 in values  # the mark of a hidden value, and the overall count
    plan = wb["Planning"]
    assert [c.value for c in plan[1]][:4] == ["Plan", "Question", "Target", "Value"]
    # headers in words, as every sheet of the workbook (none a code such as cost_per_trained)
    for name in ("Planning", "Planning inputs", "Planning options", "Cost"):
        heads = [c.value for c in wb[name][1]]
        assert all(isinstance(h, str) and "_" not in h for h in heads), (name, heads)
        assert [h for h in heads if code(h, name) == h] == [], name
    notes = [plan.cell(row=r, column=1).value for r in range(1, plan.max_row + 1)]
    assert any(str(n).startswith("Assumptions:") for n in notes)
