"""Figures laid out at the width of an A4 page: no text on text, nothing cut off, notes off the plot.

Plotly's layout is data: :mod:`tip_eval.plots._layout` computes a box for every piece of text a
figure draws outside its data (title, legend, annotations, axis titles, tick labels, bar labels,
colour bar) from the figure's JSON and conservative text widths, following plotly's rules for
margins. Each figure a brief can show is checked at 700 px, the width of a printed page.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tip_eval import plots
from tip_eval.plots._layout import EDGE, PRINT_WIDTH, boxes, overlaps, text_height, text_width, title_rise, wrap
from tip_eval.plots._spec import FigureSpec, trace


def _problems(spec) -> list[str]:
    found, plot, size = boxes(spec, PRINT_WIDTH)
    return overlaps(found, plot, size)


@pytest.fixture(scope="module")
def figures(sample_study):
    from tip_eval.analysis.attrition import attrition
    from tip_eval.analysis.compare import compare_trainings
    from tip_eval.analysis.confidence import confidence_gains
    from tip_eval.analysis.followup import code_cooccurrence, followup_summary
    from tip_eval.analysis.gains import gains
    from tip_eval.analysis.items import item_analysis
    from tip_eval.analysis.retention import retention

    s = sample_study
    return {
        "dumbbell by country": plots.pre_post.spec(gains(s, by="country"), min_cell=5),
        "dumbbell by sector": plots.pre_post.spec(gains(s, by="sector"), min_cell=5),
        "dumbbell by country and sector": plots.pre_post.spec(gains(s, by=["country", "sector"]), min_cell=5),
        "dumbbell of confidence": plots.pre_post.spec(
            gains(s, by="sector", measure="confidence"), measure="confidence", min_cell=5
        ),
        "verdicts": plots.forest.spec(compare_trainings(s)),
        "forest of gains": plots.forest.spec(gains(s, by="training_id"), min_cell=5),
        "gain distribution": plots.gain_distribution.spec(s, by="country", min_cell=5),
        "slopes": plots.gain_distribution.spec(s, by="country", kind="slopes", min_cell=5),
        "calibration": plots.calibration.spec(s, by="sector", min_cell=5),
        "item heatmap": plots.item_heatmap.spec(item_analysis(s)),
        "item heatmap by country": plots.item_heatmap.spec(item_analysis(s, by="country"), min_cell=5),
        "likert": plots.likert.spec(s, min_cell=5),
        "likert of shares": plots.likert.spec(confidence_gains(s), min_cell=5),
        "codes": plots.codes.spec(followup_summary(s, by="country"), min_cell=5),
        "co-occurrence": plots.cooccurrence.spec(code_cooccurrence(s), min_cell=5),
        "attrition": plots.attrition.spec(attrition(s, by="training_id"), min_cell=5),
        "retention by country": plots.retention.spec(retention(s, by="country"), min_cell=5),
        "retention": plots.retention.spec(retention(s), min_cell=5),
    }


def test_every_figure_lays_out_cleanly_on_a_printed_page(figures):
    bad = {name: _problems(spec) for name, spec in figures.items()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_layout_of_before_is_caught():
    """The figures the issue showed: a two-row legend just above the plot, the title in the middle of
    the top margin (plotly's defaults), and a note placed under the plot on slanted labels."""
    names = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree", "Neutral or disagree (1-3)"]
    fig = FigureSpec(
        [trace("bar", x=[1, 2], y=["a", "b"], orientation="h", name=n) for n in names],
        {
            "title": {"text": "Confidence before and after training", "x": 0, "xanchor": "left", "xref": "paper"},
            "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
            "margin": {"t": 70, "b": 60, "l": 10, "r": 30},
            "height": 400,
        },
    )
    assert any("legend overlaps title" in p or "title overlaps legend" in p for p in _problems(fig))
    labels = [f"A long name of a code number {i}" for i in range(6)]
    heat = FigureSpec(
        [trace("heatmap", z=[[1] * 6] * 6, x=labels, y=labels)],
        {
            "xaxis": {"tickangle": -45},
            "height": 450,
            "annotations": [
                {
                    "text": "c = interviews with both codes / interviews with either",
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": -0.02,
                    "yanchor": "top",
                    "xanchor": "left",
                    "yshift": -40,
                    "showarrow": False,
                    "font": {"size": 11},
                }
            ],
        },
    )
    assert any("x tick labels" in p and "annotation" in p for p in _problems(heat))


def test_long_titles_wrap_and_long_legends_take_rows(sample_study):
    from tip_eval.analysis.gains import gains

    g = gains(sample_study, by="sector")
    title = "Knowledge before and after the regional curriculum's training on victim identification, by sector"
    fig = plots.pre_post.spec(g, title=title)
    assert "<br>" in fig.layout["title"]["text"] and _problems(fig) == []
    assert max(text_width(line, 18) for line in fig.layout["title"]["text"].split("<br>")) <= PRINT_WIDTH - 20
    frame = pd.DataFrame(
        {
            "participant_id": [f"P{i}" for i in range(40)],
            "pre": range(40),
            "post": range(1, 41),
            "sector": [f"ក្រុមការងារ {i % 8} សេវាសង្គមរដ្ឋាភិបាលខេត្ត" for i in range(40)],
        }
    )
    slopes = plots.gain_distribution.spec(frame, by="sector", kind="slopes")  # 8 entries in Khmer
    assert slopes.layout["legend"]["orientation"] == "h" and _problems(slopes) == []


@pytest.mark.parametrize(
    "title",
    [
        # Khmer: vowels above and consonants stacked below the letters (Noto Sans Khmer 1.16 em above
        # the baseline, 0.69 below); wrapped to two lines at 700 px
        "ចំណេះដឹងមុន និងក្រោយវគ្គបណ្តុះបណ្តាល ស្ត្រី ក្ស័ត្រ តាមប្រទេស និងវិស័យ និងខេត្ត និងវគ្គបណ្តុះបណ្តាល",
        "ความรู้ก่อนและหลังการฝึกอบรม ผู้ใหญ่ ปู่ ญี่ปุ่น ตามประเทศ และภาคส่วน และจังหวัด และการฝึกอบรม",
        "ចំណេះដឹងមុន និងក្រោយ",  # one line
    ],
)
def test_titles_in_tall_scripts_fit_the_top_margin(sample_study, title):
    """The first line of a Khmer or Thai title reaches higher than a Latin one: it must stay in the figure."""
    from tip_eval.analysis.gains import gains

    fig = plots.pre_post.spec(gains(sample_study, by="sector"), title=title)
    found, plot, size = boxes(fig, PRINT_WIDTH)
    box = next(b for b in found if b.name == "title")
    assert overlaps(found, plot, size) == []
    assert box.y0 >= 2 and box.y1 <= plot.y0  # in the top margin
    text = fig.layout["title"]["text"]
    assert fig.layout["title"]["pad"]["t"] == pytest.approx(max(EDGE, title_rise(text) + 2))
    lines = text.split("<br>")
    assert text_height(lines[0], 18) > 1.3 * 18
    assert len(lines) > 1 or len(title) < 30  # the long titles wrap
    # plotly puts the first baseline of a title of several lines on its anchor: a wrapped title placed
    # at the edge (as before) is caught leaving the figure
    fig.layout["title"]["pad"]["t"] = EDGE
    if len(lines) > 1:
        assert any(p.startswith("title leaves the figure") for p in _problems(fig))


def test_wrap_breaks_between_words_only():
    text = wrap("Difference from the median of the other trainings, adjusted for the pre-test", 14, 200)
    lines = text.split("<br>")
    assert (
        len(lines) > 1
        and " ".join(lines) == "Difference from the median of the other trainings, adjusted for the pre-test"
    )
    assert all(text_width(line, 14) <= 200 for line in lines if " " in line)


def test_titles_name_their_grouping(sample_study):
    from tip_eval.analysis.attrition import attrition
    from tip_eval.analysis.gains import gains

    for by, words in (
        ("country", "by country"),
        ("sector", "by sector"),
        ("province", "by province"),
        ("training_id", "by training"),
        (["country", "sector"], "by country and sector"),
    ):
        g = gains(sample_study, by=by)
        assert plots.pre_post.spec(g).layout["title"]["text"].replace("<br>", " ").endswith(words)
        assert words in plots.forest.spec(g).layout["title"]["text"].replace("<br>", " ")
    assert plots.pre_post.spec(gains(sample_study)).layout["title"]["text"] == "Knowledge before and after training"
    assert "by training" in plots.attrition.spec(attrition(sample_study, by="training_id")).layout["title"]["text"]
    assert plots.likert.spec(sample_study, by="country").layout["title"]["text"].endswith("by country")
