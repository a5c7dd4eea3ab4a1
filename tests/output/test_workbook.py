"""The tables workbook: sheets, suppression everywhere, inert text, formats, and it opens in LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from tip_eval.column_titles import COLUMN_TITLES, SHEET_TITLES, code, title
from tip_eval.disclosure import MARK, footnote
from tip_eval.i18n import LANGUAGES, using
from tip_eval.report.workbook import sheet_name, write_workbook

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1", "=1+1", "\r=2"]


@pytest.fixture(scope="module")
def sample_book(sample_study, tmp_path_factory):
    path = write_workbook(sample_study, tmp_path_factory.mktemp("wb") / "tables.xlsx")
    return path, load_workbook(path)


def _cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws, cell


def _frame(ws) -> pd.DataFrame:
    """A sheet's table with its columns named by the result columns its headers stand for."""
    rows = list(ws.values)
    return pd.DataFrame(rows[1:], columns=[code(h, ws.title) if h is not None else h for h in rows[0]])


def _header(ws) -> dict[str, int]:
    """Result column -> column number, read from the header of words."""
    return {code(c.value, ws.title): c.column for c in ws[1] if c.value is not None}


#: what a header may not look like: a code such as mean_gain or pct_reliable_improved
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def test_every_header_a_reader_sees_is_words(sample_book):
    _, wb = sample_book
    tables = 0
    for ws in wb.worksheets[1:]:
        if ws.max_column < 2:  # a sheet of one sentence: "no follow-up interviews in this study"
            continue
        tables += 1
        heads = [c.value for c in ws[1]]
        assert all(isinstance(h, str) and h for h in heads), (ws.title, heads)
        assert not [h for h in heads if SNAKE.match(h) or "_" in h], ws.title
        # every header is a title of the mapping, none the code with its underscores replaced
        assert [h for h in heads if code(h, ws.title) == h] == [], ws.title
        assert len(set(heads)) == len(heads), ws.title
    assert tables >= 20
    readme = [c.value for c in wb["README"]["A"] if isinstance(c.value, str)]
    assert not [h for h in readme if re.search(r"\b[a-z0-9]+(_[a-z0-9]+)+\b", h)]
    assert {"Mean gain, points", "People tested before and after"} <= {c.value for c in wb["Gains by country"][1]}


def test_group_values_a_reader_sees_are_words(sample_book):
    """Countries, sectors, modules and measures are written by name, not as codes (KHM, ngo, definitions_law)."""
    from tip_eval import vocab

    _, wb = sample_book
    codes = {*vocab.codes("country"), *vocab.codes("sector"), *vocab.MODULES, "knowledge", "confidence"}
    seen = 0
    for ws in wb.worksheets[1:]:
        if ws.max_column < 2:
            continue
        frame = _frame(ws)
        for column in ("country", "sector", "module", "measure"):
            if column in frame.columns:
                values = {v for v in frame[column] if isinstance(v, str)}
                seen += len(values)
                assert not values & codes, (ws.title, column, values & codes)
    assert seen >= 10
    assert {"Cambodia", "NGO"} <= {v for v in _frame(wb["Gains by country"])["country"]} | {
        v for v in _frame(wb["Gains by sector"])["sector"]
    }
    assert "Trafficking definitions and law" in set(_frame(wb["Modules"])["module"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_title_reads_back_to_its_column(lang):
    # in every language the titles of a sheet are unique, and each reads back to its column, also
    # by the sheet's name in that language
    for sheet in [None, *SHEET_TITLES]:
        columns = set(COLUMN_TITLES) | set(SHEET_TITLES.get(sheet, {}))
        with using(lang):
            titles = {c: title(c, sheet) for c in columns}
            written = sheet_name(sheet) if sheet else None
        for column in columns:
            assert code(titles[column], sheet) == column, (lang, sheet, column)
            assert code(titles[column], written) == column, (lang, written, column)
        clashes = {t for t in titles.values() if list(titles.values()).count(t) > 1}
        assert not clashes, (lang, sheet, sorted(clashes))
    if lang != "en":  # the titles are translated: at most the statistics' names and symbols stay English
        with using(lang):
            same = [c for c in COLUMN_TITLES if title(c) == COLUMN_TITLES[c]]
        assert len(same) <= 20, same
    # the sheets' names the workbook cuts to 31 characters keep their titles
    assert title("n", "Knowledge vs confidence by sect") == SHEET_TITLES["Knowledge vs confidence"]["n"]
    # headers written before they were words read back unchanged
    assert code("mean_gain") == "mean_gain" and code("n_pre", "Items") == "n_pre"


def test_sheets_readme_first_and_frozen_headers(sample_book):
    _, wb = sample_book
    names = wb.sheetnames
    assert names[0] == "README"
    for sheet in (
        "Gains overall",
        "Gains by country",
        "Gains by sector",
        "Gains by training",
        "Confidence by competency",
        "Items",
        "Trainings compared",
        "Follow-up codes",
        "Coder agreement",
        "Attrition",
        "Trainings",
    ):
        assert sheet in names
    for name in ("Gains by country", "Items", "Attrition"):
        assert wb[name].freeze_panes == "A2"
    readme = " ".join(str(c.value) for _, c in _cells(wb) if _.title == "README" and c.value)
    for words in ("fewer than 5 people", "Gains by country", "Definitions", "Data sources", "Written"):
        assert words in readme


def test_no_formulas_and_number_formats(sample_book):
    _, wb = sample_book
    assert not [c.coordinate for _, c in _cells(wb) if c.data_type == "f"]
    ws = wb["Gains by country"]
    col = _header(ws)
    assert ws.cell(2, col["mean_gain"]).number_format == "0.0"
    assert "0.000" in ws.cell(2, col["p_value"]).number_format
    assert ws.cell(2, col["n"]).number_format == "0"
    value = ws.cell(2, col["mean_gain"]).value
    assert isinstance(value, float) and len(repr(value)) > 6  # full precision in the cell
    assert 8 <= ws.column_dimensions["A"].width <= 60
    # a 1-5 rating's means and gain in two decimals, as the brief gives them; percentages in one
    rows = [
        r for r in range(2, ws.max_row + 1) if ws.cell(r, col["measure"]).value == "Confidence"
    ]  # the measure by its name
    assert rows
    for r in rows:
        for name in ("pre_mean_matched", "post_mean_matched", "mean_gain", "ci_low"):
            assert ws.cell(r, col[name]).number_format == "0.00", name
        assert ws.cell(r, col["pct_improved"]).number_format == "0.0"


def test_suppression_on_every_results_sheet(sample_book, sample_study):
    _, wb = sample_book
    for name in ("Gains by country", "Gains by sector", "Gains by training", "Attrition"):
        frame = _frame(wb[name])
        for col in ("n", "n_pre", "n_post", "registered"):
            if col in frame:
                numbers = pd.to_numeric(frame[col], errors="coerce").dropna()
                assert not numbers.between(1, 4).any(), (name, col)
    sector = _frame(wb["Gains by sector"])
    assert "suppressed" in sector.columns
    codes = _frame(wb["Follow-up by country"])
    notes = codes.iloc[:, 0].dropna().tolist()[-1:]  # under the table, after an empty row
    codes = codes[codes["suppressed"].notna()]
    counts = pd.to_numeric(codes["n_with_code"], errors="coerce")
    assert not counts.between(1, 4).any()
    assert (codes["n_with_code"] == MARK).any()  # the one mark of a hidden value, the brief's too
    assert codes.loc[codes["n_with_code"] == MARK, "suppressed"].all()
    assert notes == [footnote(5)]  # its legend under the sheet


def _hostile_study():
    from tip_eval.datasets import make_study
    from tip_eval.study import Study

    s, _ = make_study(seed=1, n_trainings=3, participants_per_training=12)
    t = s.tables()
    p = t["participants"].copy()
    p["organisation"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(p))]
    p["role"] = [PAYLOADS[(i + 1) % len(PAYLOADS)] for i in range(len(p))]
    t["participants"] = p
    cb = t["codebook"].copy()
    cb["label"] = [f"{PAYLOADS[i % len(PAYLOADS)]} {i}" for i in range(len(cb))]
    t["codebook"] = cb
    comp = t["competencies"].copy()
    comp["label"] = [f"{PAYLOADS[i % len(PAYLOADS)]} c{i}" for i in range(len(comp))]
    t["competencies"] = comp
    return Study(name='=cmd|"/c calc"!A1', **t)


def test_formula_payloads_stay_plain_text(tmp_path):
    study = _hostile_study()
    path = write_workbook(
        study, tmp_path / "hostile.xlsx", by=("organisation", "role"), min_cell=3
    )  # labels stay: suppression blanks numbers, never row labels
    wb = load_workbook(path)
    assert not [(ws.title, c.coordinate) for ws, c in _cells(wb) if c.data_type == "f"]
    texts = {c.value for _, c in _cells(wb) if isinstance(c.value, str)}
    # the payloads, verbatim, as text (XML reads a bare carriage return back as a line feed)
    orgs = {o.replace("\r", "\n") for o in study.participants["organisation"]}
    assert orgs <= texts
    for _ws, c in _cells(wb):
        if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
            assert c.data_type == "s"
    labels = {v.replace("\r", "\n") for v in study.codebook["label"]}
    assert labels <= texts
    assert any(str(v).startswith("=cmd") for v in texts)
    # the raw file holds no <f> element at all
    import zipfile

    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_missing_parts_are_explained_in_words(tmp_path):
    from tip_eval.datasets import make_study
    from tip_eval.study import Study

    s, _ = make_study(seed=2, n_trainings=2, participants_per_training=10)
    t = s.tables()
    for name in ("interviews", "followup_codes"):
        t[name] = t[name].iloc[0:0]
    study = Study(name="No interviews", **t)
    wb = load_workbook(write_workbook(study, tmp_path / "no_interviews.xlsx"))
    text = " ".join(str(c.value) for c in wb["Follow-up codes"]["A"] if c.value)
    assert "no follow-up interviews" in text.lower()
    assert "Gains overall" in wb.sheetnames


def test_opens_in_libreoffice(sample_book, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path, _ = sample_book
    out = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "tables.pdf"
    assert out.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, out.stderr
