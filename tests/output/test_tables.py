"""Formatted tables: display rounding, intervals, p-values, suppression marks, escaped HTML."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval import tables
from tip_eval.disclosure import MARK, footnote


def test_number_formats():
    assert tables.format_ci(12.34, 8.06, 16.55) == "12.3 (8.1 to 16.6)"
    assert tables.format_ci(-1.26, -3.5, 1.0) == "\u22121.3 (\u22123.5 to 1.0)"
    assert tables.format_ci(5.0, np.nan, np.nan) == "5.0"
    assert tables.format_ci(np.nan, 1, 2) == tables.MISSING
    assert tables.format_p(0.0004) == "< 0.001"
    assert tables.format_p(0.0381) == "0.038"
    assert tables.format_p(None) == tables.MISSING
    assert tables.format_number(-0.04) == "0.0"  # no negative zero


def test_gains_table_marks_suppressed_cells_and_explains_them(sample_study):
    from tip_eval.analysis.gains import gains

    g = gains(sample_study, by=["country", "sector"])
    t = tables.gains_table(g, min_cell=5)
    assert list(t.frame.columns[:3]) == ["Country", "Sector", "People tested before and after"]
    assert "Mean gain, points (95% CI)" in t.frame.columns
    assert (t.frame["People tested before and after"] == MARK).sum() >= int(g["n"].between(1, 4).sum())
    assert footnote(5) in t.notes
    shown = t.frame.loc[t.frame["People tested before and after"] != MARK, "People tested before and after"].astype(int)
    assert (shown >= 5).all()
    assert "Cambodia" in t.frame["Country"].tolist()
    text = str(t)
    assert "Mean gain, points (95% CI)" in text and f"{MARK} hidden: fewer than 5 people" in text
    full = g.iloc[[5]]
    assert t.frame["Mean gain, points (95% CI)"].iloc[5] == tables.format_ci(
        full["mean_gain"].item(), full["ci_low"].item(), full["ci_high"].item()
    )


def test_html_is_escaped():
    frame = pd.DataFrame(
        {
            "organisation": ["<script>alert(1)</script>", "A & B"],
            "n": [10, 12],
            "mean_gain": [1.0, 2.0],
            "ci_low": [0.0, 1.0],
            "ci_high": [2.0, 3.0],
        }
    )
    t = tables.format_table(frame, title="<b>x</b>")
    html = t._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "A &amp; B" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "1.0 (0.0 to 2.0)" in html


def test_compare_and_other_tables(sample_study):
    from tip_eval.analysis.attrition import attrition
    from tip_eval.analysis.compare import compare_trainings
    from tip_eval.analysis.confidence import confidence_gains
    from tip_eval.analysis.followup import followup_summary
    from tip_eval.analysis.items import item_analysis

    c = tables.compare_table(compare_trainings(sample_study), min_cell=5)
    assert len(c.frame) == 7 and "Shrunken gain (95% CI)" in c.frame.columns and "Verdict" in c.frame.columns
    assert any("trainings" in n for n in c.notes)
    assert len(tables.confidence_table(confidence_gains(sample_study), min_cell=5).frame) == 7
    items = tables.items_table(item_analysis(sample_study))
    assert items.frame["% correct before"].str.match(r"^\d+\.\d$").all()
    f = tables.followup_table(followup_summary(sample_study, by="country"), min_cell=5)
    assert (f.frame["With code"] == MARK).any()
    a = tables.attrition_table(attrition(sample_study, by="training_id"), min_cell=5)
    assert "Took both" in a.frame.columns
