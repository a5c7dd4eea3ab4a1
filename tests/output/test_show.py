"""te.show(): results as a reader wants them (labels, rounding, "a to b"), the result itself untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tip_eval as te
from tip_eval import tables


def test_gains_show_labels_rounding_intervals_and_matched_means(sample_study):
    g = te.gains(sample_study, by="sector")
    before = g.copy()
    t = te.show(g)
    pd.testing.assert_frame_equal(g, before)  # the result keeps its columns and full precision
    assert t.title == "Knowledge before and after training, by sector"
    assert list(t.frame.columns[:5]) == [
        "Sector",
        "People tested before and after",
        "Before",
        "After",
        "Mean gain, points (95% CI)",
    ]
    assert t.frame["Sector"].tolist() == ["Government social services", "Law enforcement", "NGO", "Other"]
    row = g.iloc[0]
    assert t.frame.loc[0, "Mean gain, points (95% CI)"] == (
        f"{row['mean_gain']:.1f} ({row['ci_low']:.1f} to {row['ci_high']:.1f})"
    )
    # the means shown are the matched pairs' own: after minus before is the gain, within rounding
    shown = t.frame[["Before", "After"]].astype(float)
    gain = t.frame["Mean gain, points (95% CI)"].str.split(" ").str[0].astype(float)
    assert np.all(np.abs(shown["After"] - shown["Before"] - gain) <= 0.1 + 1e-9)
    assert any("took both tests" in n for n in t.notes)
    assert "Before, everyone tested" not in t.frame.columns
    detail = te.show(g, detail=True)
    assert {"Before, mean of everyone tested", "After, mean of everyone tested"} <= set(detail.frame.columns) and any(
        "Everyone tested" in n for n in detail.notes
    )


def test_confidence_keeps_two_decimals(sample_study):
    g = te.gains(sample_study, by="country", measure="confidence")
    t = te.show(g)  # the result remembers its measure
    assert t.title.startswith("Confidence") and t.frame["Before"].str.match(r"^\d\.\d\d$").all()


@pytest.mark.parametrize(
    "name",
    [
        "confidence_gains",
        "item_analysis",
        "module_summary",
        "reliability",
        "attrition",
        "compare_trainings",
        "followup_summary",
        "coder_agreement",
        "code_cooccurrence",
        "knowledge_vs_confidence",
        "followup_vs_gains",
        "retention",
    ],
)
def test_every_result_shows_with_readable_headers(sample_study, name):
    result = getattr(te, name)(sample_study)
    t = te.show(result)
    assert isinstance(t, tables.FormattedTable) and t.title and len(t.frame)
    heads = " ".join(map(str, t.frame.columns))
    assert "_" not in heads  # no snake_case header
    cells = " ".join(t.frame.astype(str).to_numpy().ravel())
    for code in ("definitions_law", "protection_support", "government_social_services", "law_enforcement", "kr20"):
        assert code not in cells
    html = t._repr_html_()
    assert "text-align:right" in html and "<script" not in html


def test_module_labels_and_html_alignment(sample_study):
    t = te.show(te.module_summary(sample_study))
    assert t.frame["Module"].iloc[0] == "Trafficking definitions and law"
    html = t.to_html()
    assert "<th scope='col' style='text-align:left" in html and "text-align:right" in html


def test_show_refuses_what_is_not_a_result():
    with pytest.raises(TypeError, match="result frame"):
        te.show([1, 2, 3])


def test_retention_shows_the_same_peoples_means_in_their_units(sample_study):
    t = te.show(te.retention(sample_study, by="country", measure="confidence"))
    assert t.title == "Does it last? Confidence before, after and later, by country"
    assert list(t.frame.columns[2:6]) == ["% re-tested", "Before", "After", "Later"]
    assert t.frame["Later"].str.match(r"^\d\.\d\d$").all()


def test_titles_with_a_question_keep_it_last(sample_study):
    t = te.show(te.knowledge_vs_confidence(sample_study, by="sector"))
    assert t.title == "Did confidence grow with knowledge, by sector?"
