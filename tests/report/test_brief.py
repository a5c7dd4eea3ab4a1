"""The impact brief: renders, is self-contained, quotes the tables it came from, hides small groups."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

import tip_eval as te
from tip_eval.report.brief import build_brief, render_brief, write_brief

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.refs.append((tag, name, value))

    def handle_data(self, data):
        self.text.append(data)


def _first_column_cells(html: str, header: str) -> list[str]:
    """Text of the first cell of every body row of tables whose first header is ``header``."""
    cells = []
    for table in re.findall(r"<table class='result'>(.*?)</table>", html, flags=re.S):
        heads = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table, flags=re.S)
        if heads and heads[0] == header:
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S):
                first = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
                if first:
                    cells.append(first[0])
    return cells


def _parse(html: str) -> _Refs:
    p = _Refs()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def sample_brief(sample_study):
    ctx = build_brief(sample_study)
    return ctx, render_brief(ctx)


def test_brief_is_self_contained(sample_brief):
    _, html = sample_brief
    refs = _parse(html).refs
    external = [r for r in refs if not r[2].startswith("#")]
    assert external == [], external
    assert html.count("<script") >= 1
    # plotly.js is inlined exactly once
    assert html.count("Plotly") > 0 and html.count("plotly.js v") <= 2
    assert "fonts.googleapis" not in html and "@import" not in html


def test_headline_numbers_match_the_tables(sample_brief, sample_study):
    ctx, html = sample_brief
    k = te.gains(sample_study).iloc[0]
    first = ctx.headline[0]
    np.testing.assert_allclose(first.numbers["mean_gain"], k["mean_gain"], rtol=1e-12)
    np.testing.assert_allclose(
        [first.numbers["ci_low"], first.numbers["ci_high"]], [k["ci_low"], k["ci_high"]], rtol=1e-12
    )
    assert f"{k['mean_gain']:.1f} percentage points" in first.text
    assert f"95% CI {k['ci_low']:.1f} to {k['ci_high']:.1f}" in first.text
    text = " ".join(_parse(html).text)
    assert first.text in text
    # the follow-up indicator quotes the follow-up table
    ind = te.followup_summary(sample_study)
    ind = ind[ind["kind"] == "indicator"].iloc[0]
    fu = [f for f in ctx.headline if "interviewed" in f.text][0]
    assert f"{ind['pct_with_code']:.0f}% of the {int(ind['n_interviewed'])} people interviewed" in fu.text
    # the drop-out sentence quotes attrition()
    att = te.attrition(sample_study).iloc[0]
    drop = [f for f in ctx.headline if "registered participants" in f.text][0]
    assert f"{int(att['matched'])} of {int(att['registered'])} registered" in drop.text


def _tables(html: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every result table of the page: its headers and its body rows' cell texts."""
    out = []
    for table in re.findall(r"<table class='result'>(.*?)</table>", html, flags=re.S):
        heads = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table, flags=re.S)
        rows = [
            re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)
            for r in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)
        ]
        out.append((heads, rows))
    return out


def test_a_reader_can_subtract_before_from_after(sample_brief, sample_study):
    """Every before and after shown beside a gain are the same people's: after - before = gain within rounding."""
    ctx, html = sample_brief
    first = ctx.headline[0]
    m = re.search(r"rose from ([\d.]+)% to ([\d.]+)% .*?a gain of ([\d.]+) percentage points", first.text)
    assert m, first.text
    before, after, gain = map(float, m.groups())
    assert abs(after - before - gain) <= 0.1 + 1e-9
    k = te.gains(sample_study).iloc[0]
    assert f"{k['pre_mean_matched']:.1f}%" in first.text and f"Among the {int(k['n'])} people" in first.text
    checked = 0
    for heads, rows in _tables(html):
        if "Before (%)" not in heads:
            continue
        b, a = heads.index("Before (%)"), heads.index("After (%)")
        g = next(i for i, h in enumerate(heads) if h.startswith("Mean gain"))
        for row in rows:
            if row[b] and row[b][0].isdigit():
                gain = float(row[g].split(" ")[0].replace("\u2212", "-"))
                assert abs(float(row[a]) - float(row[b]) - gain) <= 0.1 + 1e-9, (heads, row)
                checked += 1
    assert checked >= 3 + 7 + 4 + 7 + 6  # countries, provinces, sectors, trainings, modules
    assert "Pre-test (%)" not in html and "Pre-test mean" not in html


def test_sections_are_all_there(sample_brief):
    _, html = sample_brief
    for title in (
        "Headline findings",
        "Results by country, province, sector and training",
        "A fair comparison of trainings",
        "Modules and questions that need work",
        "Confidence against knowledge",
        "Follow-up interviews",
        "Drop-out and data quality",
        "Planning the next training",
        "Methods and definitions",
    ):
        assert title in html
    assert '<section id="cost">' not in html  # the sample study has no costs
    assert "@media print" in html


def test_flawed_item_is_called_out(sample_brief, sample_truth):
    _, html = sample_brief
    assert re.search(rf"{sample_truth.flawed_item}: people who knew more overall got this question wrong", html)


@pytest.fixture(scope="module")
def messy_brief(tmp_path_factory):
    """A study with small groups, no follow-up data and quarantined rows, loaded from files."""
    from tip_eval.datasets import make_study
    from tip_eval.io.template import write_study_folder

    study, _ = make_study(seed=11, n_trainings=3, participants_per_training=9, n_items=10)
    folder = tmp_path_factory.mktemp("messy")
    write_study_folder(study, folder)
    toml = (folder / "study.toml").read_text(encoding="utf-8")
    (folder / "study.toml").write_text(toml.split('\n[[sources]]\nfile = "followup.xlsx"')[0] + "\n", encoding="utf-8")
    tid = study.trainings["training_id"].iloc[0]
    wb_path = folder / "trainings" / f"{tid}.xlsx"
    wb = load_workbook(wb_path)
    wb["Participants"]["B3"] = "Astronaut"  # an unknown sector: kept, with the sector missing
    pre = wb["Pre-test"]
    pre.cell(3, pre.max_column).value = "Z"  # an answer that is not an option: set aside, that test has no score
    wb.save(wb_path)
    loaded = te.load_study(folder, on_error="quarantine")
    out = tmp_path_factory.mktemp("messy_out")
    path = write_brief(loaded, out / "brief.html", min_cell=5)
    return loaded, path.read_text(encoding="utf-8")


def test_messy_study_renders_and_says_what_was_set_aside(messy_brief):
    study, html = messy_brief
    assert len(study.quarantine) > 0 and study.interviews.empty
    assert "No follow-up interviews are in this study." in html
    assert "were set aside because of data problems" in html
    assert "Astronaut" not in html  # values of set-aside rows are not published


def test_no_suppressed_group_appears(messy_brief):
    study, html = messy_brief
    by_sector = te.gains(study, by="sector")
    small = by_sector.loc[(by_sector["n"] > 0) & (by_sector["n"] < 5), "sector"].tolist()
    assert small, "the fixture should have a small sector"
    first_cells = _first_column_cells(html, "Sector")
    from tip_eval import vocab

    small = [vocab.label("sector", s) if isinstance(s, str) else "(missing)" for s in small]
    assert first_cells, "the brief shows tables by sector"
    assert not set(small) & set(first_cells), (small, first_cells)


def test_cli_brief_writes_brief_tables_and_problems(tmp_path):
    from tip_eval.cli import main

    study = tmp_path / "study"
    shutil.copytree(SAMPLE, study, ignore=shutil.ignore_patterns(".tip_eval_cache"))
    wb_path = study / "trainings" / "KHM-BTB-2023.xlsx"
    wb = load_workbook(wb_path)
    wb["Participants"]["E4"] = "Dragon"  # unknown gender
    wb.save(wb_path)
    out = tmp_path / "out"
    assert main(["brief", str(study), "--out", str(out)]) == 0
    assert (out / "brief.html").exists() and (out / "problems.xlsx").exists()
    # what a reader of tables.xlsx sees is words: every sheet's headers, the README's headings (the data
    # sources' tables among them), never a code such as mean_gain or followup_codes
    from tip_eval.column_titles import code

    book = load_workbook(out / "tables.xlsx", read_only=True)
    code_like = re.compile(r"\b[a-z0-9]+(_[a-z0-9]+)+\b")
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if ws.title == "README":
            heads = [r[0] for r in rows if r and isinstance(r[0], str)]
            assert "Follow-up codes" in heads and "Test answers" in heads
        elif len(rows[0]) > 1:
            heads = list(rows[0])
            assert [h for h in heads if not isinstance(h, str) or code(h, ws.title) == h] == [], ws.title
        else:
            continue
        assert [h for h in heads if code_like.search(h)] == [], ws.title


def _without_ids(html: str) -> str:
    """The page without plotly's random element ids."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", html)


def test_cli_brief_reuses_the_validated_study_and_writes_the_same_brief(tmp_path, monkeypatch):
    import tip_eval.io.load as load_module
    from tip_eval.cli import main

    study = tmp_path / "study"
    shutil.copytree(SAMPLE, study, ignore=shutil.ignore_patterns(".tip_eval_cache"))
    reads = []
    real = load_module.load_sources
    monkeypatch.setattr(load_module, "load_sources", lambda *a, **k: reads.append(1) or real(*a, **k))

    monkeypatch.setenv("TIP_EVAL_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["brief", str(study), "--out", str(tmp_path / "plain"), "--no-cache"]) == 0
    assert not (tmp_path / "cache" / "studies").exists()  # --no-cache neither reads nor writes the cache
    assert main(["brief", str(study), "--out", str(tmp_path / "first")]) == 0
    assert (tmp_path / "cache" / "studies").is_dir() and not (study / ".tip_eval_cache").exists()
    assert main(["brief", str(study), "--out", str(tmp_path / "again")]) == 0
    assert len(reads) == 2  # the third brief read no file
    pages = [
        _without_ids((tmp_path / d / "brief.html").read_text(encoding="utf-8")) for d in ("plain", "first", "again")
    ]
    assert pages[0] == pages[1] == pages[2]
    books = [
        [[row for row in ws.iter_rows(values_only=True)] for ws in load_workbook(tmp_path / d / "tables.xlsx")]
        for d in ("plain", "again")
    ]
    assert books[0] == books[1]


def test_every_figure_in_the_brief_is_valid_plotly(sample_brief):
    """The brief writes its figures' JSON without validating it; plotly's own validation accepts every one."""
    import json

    import plotly.graph_objects as go

    _, html = sample_brief
    calls = re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo', html, flags=re.S)
    # a figure that suppression leaves with nothing to draw is left out with a line saying so, never silently
    assert len(calls) + html.count("is left out: every value it would show") >= 8 and len(calls) >= 6
    for data, layout in calls:
        fig = go.Figure(data=json.loads(data), layout=json.loads(layout))  # raises on any invalid property
        assert fig.layout.template.layout.font.family.startswith('"Noto Sans"')
        assert len(fig.data) >= 1


def test_a_study_of_one_training_reads_right():
    """One training of 12 registered: no plural of one, no repeated or empty section, items too few to judge."""
    from tip_eval.datasets import make_study

    study, _ = make_study(seed=3, n_trainings=1, participants_per_training=12)
    ctx = build_brief(study)
    html = render_brief(ctx)
    text = " ".join(_parse(html).text)
    assert "1 trainings" not in text and "1 training in 1 country" in text
    for heading in (
        "Knowledge gain by country",
        "Knowledge gain by province",
        "Knowledge gain by training",
        "A fair comparison of trainings",
    ):
        assert heading not in text
    assert "Everyone in this study is in one country (Thailand), one province (Chiang Mai) and one training" in text
    # every table shown has rows with something besides their labels
    for heads, rows in _tables(html):
        assert rows and len(heads) > 1, heads
    items = ctx.results["items"]
    assert items["too_few_people"].all() and (items["flags"].fillna("") == "").all()
    assert f"{len(items)} of {len(items)} questions were answered by fewer than 30 people" in text
    assert "No question was flagged" not in text
