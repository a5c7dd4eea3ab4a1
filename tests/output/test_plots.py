"""Figure structure: traces, axis titles, groups drawn, and no small group drawn with min_cell."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from tip_eval import plots


@pytest.fixture(scope="module")
def results(sample_study):
    from tip_eval.analysis.attrition import attrition
    from tip_eval.analysis.compare import compare_trainings
    from tip_eval.analysis.followup import code_cooccurrence, followup_summary
    from tip_eval.analysis.gains import gains
    from tip_eval.analysis.items import item_analysis

    s = sample_study
    return {
        "country": gains(s, by="country"),
        "cross": gains(s, by=["country", "sector"]),
        "training": gains(s, by="training_id"),
        "compare": compare_trainings(s),
        "items": item_analysis(s),
        "codes": followup_summary(s, by="country"),
        "cooc": code_cooccurrence(s),
        "attrition": attrition(s, by="training_id"),
    }


def test_importing_tip_eval_does_not_import_plotly():
    code = "import sys, tip_eval, tip_eval.disclosure, tip_eval.tables; print('plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_one_template_with_colour_blind_palette_and_khmer_thai_fonts(results):
    plots.pre_post(results["country"])  # the first figure built registers the template
    assert plots.TEMPLATE_NAME in pio.templates
    family = pio.templates["tip_eval"].layout.font.family
    for font in ("Noto Sans Khmer", "Noto Sans Thai", "Khmer OS", "Leelawadee UI"):
        assert font in family
    assert "http" not in family and "@import" not in family
    assert pio.templates["tip_eval"].layout.colorway[:2] == ("#0072B2", "#E69F00")
    assert pio.templates.default != "tip_eval"  # a user's own figures are left alone


def _names(fig, axis="y"):
    out = []
    for t in fig.data:
        vals = getattr(t, axis)
        if vals is not None:
            out += [str(v) for v in vals if v is not None]
    return out


def test_pre_post_dumbbell(results):
    fig = plots.pre_post(results["country"])
    assert isinstance(fig, go.Figure)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in markers] == ["Before", "After"]
    assert list(markers[0].y) == ["Indonesia", "Cambodia", "Thailand"]
    assert fig.layout.xaxis.title.text == "Knowledge score (% of maximum)"
    assert fig.layout.template.layout.font.family.startswith('"Noto Sans"')
    assert all("n = " in h for h in markers[0].hovertext) and all("95% CI" in h for h in markers[1].hovertext)
    # the matched pairs' means: after - before is the gain, and After's bar is the gain's interval
    g = results["country"]
    assert np.allclose(np.asarray(markers[1].x) - np.asarray(markers[0].x), g["mean_gain"])
    assert np.allclose(
        np.asarray(markers[1].x) + np.asarray(markers[1].error_x.array), g["pre_mean_matched"] + g["ci_high"]
    )
    everyone = plots.pre_post(g, pre="pre_mean", post="post_mean")
    before = [t for t in everyone.data if t.mode == "markers"][0]
    assert np.allclose(before.x, g["pre_mean"]) and before.error_x.array is not None


def test_min_cell_leaves_out_small_groups_and_says_so(results):
    cross = results["cross"]
    full = plots.pre_post(cross)
    safe = plots.pre_post(cross, min_cell=5)
    small = cross["n"].between(1, 4)
    assert small.any()
    drawn = set(_names(safe))
    from tip_eval.plots._common import group_labels

    labels = group_labels(cross, ["country", "sector"])
    assert not drawn & set(labels[small])
    assert len(set(_names(full))) == len(cross)
    assert safe.layout.meta["tip_eval_left_out"] >= int(small.sum())
    assert any("not shown" in a.text for a in safe.layout.annotations)


def test_forest_sorted_with_overall_line(results):
    fig = plots.forest(results["training"], min_cell=5)
    (trace,) = fig.data
    est = np.asarray(trace.x, dtype=float)
    assert list(est) == sorted(est, reverse=True)
    assert len(est) == 7 and all("(n = " in y for y in trace.y)
    assert fig.layout.xaxis.title.text == "Knowledge gain (percentage points)"
    assert len(fig.layout.shapes) == 1  # the overall line
    cmp = plots.forest(results["compare"])
    assert cmp.layout.xaxis.title.text.startswith("Difference from the median of the other trainings")
    assert cmp.layout.title.text.startswith("Each training against the typical training")
    assert cmp.layout.shapes[0].x0 == 0
    # the figure shows the verdict column's estimate, one marker trace per verdict
    table = results["compare"].table.set_index("training_id")
    for tr in cmp.data[2:]:
        ids = [y.split(" (n = ")[0] for y in tr.y]
        np.testing.assert_allclose(np.asarray(tr.x, dtype=float), table.loc[ids, "adjusted_diff"].to_numpy())
        from tip_eval.analysis.compare import VERDICTS

        assert {VERDICTS[table.loc[i, "verdict"]] for i in ids} == {tr.name[0].lower() + tr.name[1:]}


def test_gain_distribution_and_calibration(sample_study):
    fig = plots.gain_distribution(sample_study, by="country", min_cell=5)
    assert [type(t).__name__ for t in fig.data] == ["Box"] * 3
    assert fig.layout.xaxis.title.text == "Knowledge gain (percentage points)"
    slopes = plots.gain_distribution(sample_study, kind="slopes")
    assert len(slopes.data) == 1 and slopes.layout.yaxis.title.text == "Knowledge score (% of maximum)"
    hover = " ".join(str(t.hovertemplate) for t in fig.data)
    assert "P0" not in hover and "participant" not in hover  # no identifiers
    cal = plots.calibration(sample_study, by="country")
    assert len(cal.data) == 3
    # wrapped to the plot's height on paper
    assert cal.layout.yaxis.title.text.replace("<br>", " ") == "Confidence change (rating points, 1-5 scale)"
    with pytest.raises(ValueError, match="kind"):
        plots.gain_distribution(sample_study, kind="violin")


def test_small_groups_of_people_are_not_drawn(sample_study):
    from tip_eval.analysis.inputs import person_scores

    frame = person_scores(sample_study, by=["country", "sector"]).frame
    fig = plots.gain_distribution(frame, by=["country", "sector"], min_cell=5)
    drawn = {t.name.split(" (n")[0] for t in fig.data}
    assert "Indonesia / Government social services" not in drawn  # 4 people
    assert all(int(t.name.split("n = ")[1].rstrip(")")) >= 5 for t in fig.data)


def test_item_heatmap_marks_flags(results):
    items = results["items"].copy()
    items.loc[0, "flags"] = "too easy before training"
    fig = plots.item_heatmap(items)
    (hm,) = fig.data
    assert np.asarray(hm.z).shape == (28, 2)
    assert list(hm.x) == ["Before", "After"]
    assert list(hm.y).count("Q01 !") == 1
    assert np.nanmax(np.asarray(hm.z, dtype=float)) <= 100


def test_likert_diverging_bars(sample_study):
    fig = plots.likert(sample_study, min_cell=5)
    assert len(fig.data) == 6 and fig.layout.barmode == "relative"
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert sorted(legend, key=["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"].index) == [
        "Strongly disagree",
        "Disagree",
        "Neutral",
        "Agree",
        "Strongly agree",
    ]
    disagree = next(t for t in fig.data if t.name == "Disagree")
    assert (np.asarray(disagree.x) <= 0).all()
    assert len(disagree.y) == 14  # 7 competencies, before and after
    by_country = plots.likert(sample_study, by="country")
    assert len(by_country.data[0].y) == 42
    from tip_eval.analysis.confidence import confidence_gains

    from_result = plots.likert(confidence_gains(sample_study), min_cell=5)  # the result holds shares only
    assert [t.name for t in from_result.data] == ["Neutral or disagree (1-3)", "Agree (4-5)"]
    assert len(from_result.data[1].y) == 14 and (np.asarray(from_result.data[0].x) <= 0).all()


def test_codes_cooccurrence_kirkpatrick_attrition(results, sample_study):
    codes = plots.codes(results["codes"], min_cell=5)
    assert len(codes.data) == 3  # one trace per country
    for t in codes.data:
        assert not np.isnan(np.asarray(t.x, dtype=float)).any()
    assert codes.layout.xaxis.title.text == "Interviewed people with the code (%)"
    co = plots.cooccurrence(results["cooc"], min_cell=5)
    z = np.asarray(co.data[0].z, dtype=float)
    assert z.shape == (12, 12) and np.allclose(np.nan_to_num(z), np.nan_to_num(z.T))
    kirk = plots.kirkpatrick(sample_study, min_cell=5)
    assert list(kirk.data[0].y)[0] == "Trained" and len(kirk.data[0].y) == 6
    assert kirk.data[0].text[0].startswith("222")
    att = plots.attrition(results["attrition"], min_cell=5)
    assert [t.name for t in att.data][0] == "Took both tests" and att.layout.barmode == "stack"


def test_unknown_column_names_the_argument(results):
    with pytest.raises(ValueError, match="estimate='nope'"):
        plots.forest(results["country"], estimate="nope")
    with pytest.raises(ValueError, match="measure"):
        plots.pre_post(results["country"], measure="skill")


def test_titles_are_escaped(results):
    fig = plots.pre_post(results["country"], title="<script>alert(1)</script>")
    assert "<script>" not in fig.layout.title.text


def test_heatmap_scale_is_plotlys_cividis():
    import plotly.colors

    from tip_eval.plots._theme import sequential_scale

    ours, theirs = sequential_scale(), plotly.colors.get_colorscale("Cividis")
    assert [c for _, c in ours] == [c for _, c in theirs]
    np.testing.assert_allclose([p for p, _ in ours], [p for p, _ in theirs], atol=1e-12)
