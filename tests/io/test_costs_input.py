"""Costs as study input: the costs layout (CSV or a Costs sheet), located problems, and the rates of study.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import tip_eval as te
from tip_eval.errors import InputRefused

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

TOML = """[study]
name = "two trainings"
{settings}
[[sources]]
file = "item_bank.xlsx"
layout = "item_bank"

[[sources]]
file = "THA-CMI-2022.xlsx"
layout = "template"

[[sources]]
file = "KHM-PNH-2023.xlsx"
layout = "template"

[[sources]]
file = "{costs}"
layout = "costs"
{extra}"""

RATES = 'currency = "USD"\nrates = { KHR = 0.000245, THB = 0.028 }'


def _folder(
    tmp: Path, costs_csv: str | None = None, settings: str = RATES, costs: str = "costs.csv", extra: str = ""
) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "item_bank.xlsx", tmp)
    for t in ("THA-CMI-2022", "KHM-PNH-2023"):
        shutil.copy(SAMPLE / "trainings" / f"{t}.xlsx", tmp)
    if costs_csv is not None:
        (tmp / costs).write_text(costs_csv, encoding="utf-8")
    (tmp / "study.toml").write_text(TOML.format(settings=settings, costs=costs, extra=extra), encoding="utf-8")
    return tmp


GOOD = """training_id,cost,currency,year,category
THA-CMI-2022,98000,THB,2022,venue and meals
THA-CMI-2022,"45,000",THB,2022,trainers
KHM-PNH-2023,6600000,KHR,2023,
"""


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return te.load_study(_folder(tmp_path_factory.mktemp("costs") / "study", GOOD))


def test_costs_are_read_and_converted(good):
    assert good.costs["cost"].tolist() == [98000.0, 45000.0, 6600000.0]  # "45,000": the thousands separator
    assert good.costs["currency"].tolist() == ["THB", "THB", "KHR"]
    rates = dict(zip(good.exchange_rates["currency"], good.exchange_rates["rate"]))
    assert rates == {"USD": 1.0, "KHR": 0.000245, "THB": 0.028}
    assert (good.exchange_rates["reporting_currency"] == "USD").all()
    table = te.cost_effectiveness(good, by="training_id").set_index("training_id")
    assert_allclose(table.loc["THA-CMI-2022", "cost_total"], 143000 * 0.028, rtol=1e-12)
    assert_allclose(table.loc["KHM-PNH-2023", "cost_total"], 6600000 * 0.000245, rtol=1e-12)
    assert (table["currency"] == "USD").all()
    assert table.loc["THA-CMI-2022", "cost_years"] == "2022"
    registered = good.participants["training_id"].value_counts()
    assert_allclose(table["cost_per_trained"], table["cost_total"] / registered[table.index], rtol=1e-12)


def test_problems_are_located_and_bad_rows_set_aside(tmp_path):
    bad = (
        "training_id,cost,currency,year,notes\n"
        "THA-CMI-2022,98000,THB,2022,x\n"
        "THA-CMI-2022,lots,THB,2022,\n"
        "THA-CMI-2022,-5,THB,2022,\n"
        "KHM-PNH-2023,4100000,IDR,2023,\n"
        "KHM-XXX-2023,100,USD,2023,\n"
        "KHM-PNH-2023,3900,US$,20233,\n"
    )
    report = te.validate(_folder(tmp_path / "s", bad))
    p = report.problems[report.problems["file"] == "costs.csv"]
    located = {(int(r.row), r.column, r.severity) for r in p.itertuples()}
    assert located == {
        (1, "notes", "warning"),  # a column that is not part of the table
        (3, "cost", "error"),  # "lots"
        (4, "cost", "error"),  # -5
        (5, "currency", "error"),  # IDR: no exchange rate
        (6, "training_id", "error"),  # not a training of the study
        (7, "currency", "error"),  # "US$": a symbol, not a code
        (7, "year", "error"),  # 20233
    }
    rate = p[(p["row"] == 5)].iloc[0]
    assert "no exchange rate for IDR" in rate["problem"] and "rates = { IDR = ... }" in rate["fix"]
    symbol = p[(p["row"] == 7) & (p["column"] == "currency")].iloc[0]
    assert "currency code" in symbol["problem"]
    rec = report.reconciliation.set_index(["file", "table"]).loc[("costs.csv", "costs")]
    assert (rec["rows_read"], rec["rows_kept"], rec["rows_quarantined"]) == (6, 2, 4)


def test_a_costs_sheet_in_a_workbook(tmp_path):
    frame = pd.DataFrame(
        {
            "Training ID": ["THA-CMI-2022", "KHM-PNH-2023"],
            "Amount": [143000, 6600000],
            "Currency": ["thb", "KHR"],
            "Year": [2022, 2023],
        }
    )
    folder = _folder(tmp_path / "s", None, costs="budget.xlsx")
    with pd.ExcelWriter(folder / "budget.xlsx") as xl:
        pd.DataFrame({"note": ["totals from the finance office"]}).to_excel(xl, sheet_name="Read me", index=False)
        frame.to_excel(xl, sheet_name="Costs", index=False)
    study = te.load_study(folder)
    assert study.costs["currency"].tolist() == ["THB", "KHR"]  # upper-cased
    assert study.costs["cost"].tolist() == [143000.0, 6600000.0]


def test_no_currency_column_means_the_reporting_currency(tmp_path):
    csv = "training_id,cost\nTHA-CMI-2022,5000\nKHM-PNH-2023,1621\n"
    report = te.validate(_folder(tmp_path / "s", csv))
    assert report.ok
    report = te.validate(_folder(tmp_path / "t", csv, settings=""))
    p = report.problems[report.problems["file"] == "costs.csv"]
    assert "no currency column" in p.iloc[0]["problem"]


@pytest.mark.parametrize(("settings", "message"), [
    ('currency = "US dollars"', "three-letter currency code"),
    ('currency = "USD"\nrates = { KHR = 0 }', "rate of KHR must be a positive number"),
    ('currency = "USD"\nrates = { KHR = "0.000245" }', "rate of KHR must be a positive number"),
    ('currency = "USD"\nrates = { riel = 0.000245 }', "not a three-letter currency code"),
    ("rates = { KHR = 0.000245 }", "not the currency they convert to"),
])  # fmt: skip
def test_bad_settings_are_refused_before_reading(tmp_path, settings, message):
    folder = _folder(tmp_path / "s", GOOD, settings=settings)
    with pytest.raises(InputRefused, match=message):
        te.load_study(folder)
