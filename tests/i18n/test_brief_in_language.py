"""The brief in Khmer and Thai: the words a reader sees (text and figures) are in the language, the
Khmer and Thai fonts are embedded as subsets, numbers follow the language."""

from __future__ import annotations

import base64
import html
import io
import json
import re

import pytest

from tip_eval.datasets import make_study
from tip_eval.i18n import using
from tip_eval.report.brief import write_brief

SCRIPTS = {"km": re.compile("[\u1780-\u17ff]"), "th": re.compile("[\u0e00-\u0e7f]")}
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]")
#: names of people, methods, software and abbreviations a translated brief keeps as they are written
KEPT = {
    "CI",
    "ICC",
    "SMD",
    "SEM",
    "KR",
    "sd",
    "dz",
    "gz",
    "kappa",
    "alpha",
    "Cohen's",
    "Hedges",
    "Krippendorff's",
    "Cronbach",
    "Holm",
    "Spearman",
    "Rank-biserial",
    "rank-biserial",
    "Wilcoxon",
    "signed-rank",
    "wilcox",
    "Welch",
    "Wilson",
    "Landis",
    "Koch",
    "Lakens",
    "Hake",
    "Jacobson",
    "Truax",
    "Kerby",
    "Raudenbush",
    "Bryk",
    "Yu",
    "Hoff",
    "Rubin",
    "Dong",
    "Maynard",
    "Power",
    "PowerUp",
    "J-PAL",
    "ANCOVA",
    "FAB",
    "multcomp",
    "single-step",
    "max-t",
    "parametric",
    "bootstrap",
    "proportional-odds",
    "cumulative",
    "logit",
    "point-biserial",
    "t-test",
    "delta",
    "method",
    "gain",
    "training",
    "shrinkage",
    "familywise",
    "Kirkpatrick",
    "tip",
    "eval",
    "tip-eval",
    "audit",
    "toml",
    "md",
    "benchmarks",
    "CALIBRATION",
    "problems",
    "xlsx",
    "study",
}


def _figure_texts(page: str) -> list[str]:
    """Every text of the page's figures a reader sees: titles, axes, ticks, legends, notes, bar labels, hovers."""
    out: list[str] = []

    def walk(o, key=None):
        if isinstance(o, dict):
            for k, v in o.items():
                walk(v, k)
        elif isinstance(o, list):
            for v in o:
                walk(v, key)
        elif isinstance(o, str) and key in ("text", "name", "title", "ticktext", "hovertext", "hovertemplate"):
            out.append(re.sub(r"%\{[^}]*\}|<[^>]+>", " ", html.unescape(o)))

    decoder = json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        data, end = decoder.raw_decode(page, m.end())
        layout, _end = decoder.raw_decode(page, page.index("{", end))
        walk(data)
        walk(layout)
    return out


def _seen(page: str) -> str:
    """The page's text and its figures' texts, as a reader sees them."""
    body = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", body)) + "\n" + "\n".join(_figure_texts(page))


def _own_words(study) -> set[str]:
    """Words of the study's own texts (its name, codebook, IDs): the partner's words, not tip_eval's."""
    texts = [study.name, *study.trainings["training_id"].astype(str)]
    for col in ("label", "theme", "definition"):
        if col in study.codebook:
            texts += study.codebook[col].dropna().astype(str).tolist()
    return {w for t in texts for w in _WORD.findall(t)}


def _english_words(text: str, own: set[str]) -> list[str]:
    return [w for w in _WORD.findall(text) if w not in KEPT and w not in own and not re.search(r"\d", w)]


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    """A small study's brief in English, Khmer and Thai (the study's data are the same in each)."""
    study, _truth = make_study(seed=1, n_trainings=4, participants_per_training=20, n_items=12)
    out = tmp_path_factory.mktemp("briefs")
    paths = {lang: write_brief(study, out / f"brief_{lang}.html", lang=lang) for lang in ("en", "km", "th")}
    return study, {lang: path.read_text(encoding="utf-8") for lang, path in paths.items()}, paths


@pytest.mark.parametrize("lang", ["km", "th"])
def test_at_least_95_percent_of_the_words_a_reader_sees_are_in_the_language(briefs, lang):
    study, pages, _paths = briefs
    own = _own_words(study)
    english = _english_words(_seen(pages["en"]), own)
    left = _english_words(_seen(pages[lang]), own)
    assert len(english) > 1500  # the English brief says a lot: the measure is not of an empty page
    share = 1 - len(left) / len(english)
    assert share >= 0.95, (share, sorted(set(left))[:60])
    assert SCRIPTS[lang].search(pages[lang])
    assert f'<html lang="{lang}">' in pages[lang]


@pytest.mark.parametrize("lang", ["km", "th"])
def test_no_english_sentence_is_left(briefs, lang):
    study, pages, _paths = briefs
    own = _own_words(study)
    seen = _seen(pages[lang])
    for text in [study.name, *study.codebook.get("label", []), *study.codebook.get("theme", [])]:
        seen = seen.replace(str(text), " ")  # the partner's own words (codebook, study name)
    # four English words in a row (names of methods and people aside) would be an untranslated phrase
    runs = re.findall(r"(?:\b[A-Za-z][A-Za-z'\u2019-]+\b[ ,;:]+){3}\b[A-Za-z][A-Za-z'\u2019-]+\b", seen)
    runs = [r for r in runs if len(_english_words(r, own)) >= 3]
    assert not runs, runs[:10]


@pytest.mark.parametrize(
    "lang, family, block", [("km", "Noto Sans Khmer", (0x1780, 0x17FF)), ("th", "Noto Sans Thai", (0x0E00, 0x0E7F))]
)
def test_the_script_font_is_embedded_as_a_subset_covering_every_character(briefs, lang, family, block):
    from fontTools.ttLib import TTFont

    _study, pages, _paths = briefs
    page = pages[lang]
    faces = re.findall(r'@font-face \{ font-family: "([^"]+)"; font-weight: (\d+);[^}]*base64,([A-Za-z0-9+/=]+)', page)
    ours = [(w, data) for fam, w, data in faces if fam == family]
    assert {w for w, _d in ours} == {"400", "700"}
    used = {ord(c) for c in page if block[0] <= ord(c) <= block[1]}
    for _weight, data in ours:
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        cmap = font.getBestCmap()
        assert used <= set(cmap), sorted(hex(c) for c in used - set(cmap))
        assert len(cmap) < 200  # a subset, not the whole font
    assert len(page.encode("utf-8")) < 8 * 1024 * 1024
    assert "@font-face" not in pages["en"]  # an English brief needs none


def test_numbers_follow_the_language():
    from tip_eval.tables import format_ci, format_number, format_p

    assert format_number(12.345, 1) == "12.3" and format_ci(12.3, 8.14, 16.5) == "12.3 (8.1 to 16.5)"
    with using("id"):
        assert format_number(-1234.56, 1) == "\u22121.234,6"
        assert format_ci(12.3, 8.14, 16.5) == "12,3 (8,1 sampai 16,5)"
        assert format_p(0.0004) == "< 0,001"
    with using("th"):
        assert format_ci(12.3, 8.14, 16.5) == "12.3 (8.1 ถึง 16.5)"


@pytest.mark.parametrize("lang", ["km", "th"])
def test_the_audit_reads_a_translated_brief_as_the_english_one(briefs, lang):
    # the auditor reads the brief's tables, shares in sentences and hidden names in the brief's own language
    import tip_eval as te

    _study, _pages, paths = briefs
    english, translated = te.disclosure.audit(paths["en"]), te.disclosure.audit(paths[lang])
    assert english.checked["brief tables"] >= 8 and english.checked["shares in sentences"] >= 3
    assert translated.checked == english.checked
    assert [(x.kind, repr(x.low), repr(x.high)) for x in translated.leaks] == [
        (x.kind, repr(x.low), repr(x.high)) for x in english.leaks
    ]


def test_the_workbook_in_thai_has_thai_sheet_names_readme_and_notes(briefs, tmp_path):
    import openpyxl

    from tip_eval.report.workbook import write_workbook

    study, _pages, _paths = briefs
    path = write_workbook(study, tmp_path / "tables.xlsx", lang="th")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["อ่านก่อน", "คะแนนเพิ่มโดยรวม", "คะแนนเพิ่มตามประเทศ"]
    assert all(SCRIPTS["th"].search(name) and len(name) <= 31 for name in wb.sheetnames)
    readme = [str(v) for row in wb.worksheets[0].iter_rows(values_only=True) for v in row if v]
    # code names, and the English column titles quoted, are kept as written
    words = [
        v
        for v in readme
        if not re.search(r"te\.\w|study\.toml|_|'[A-Z][a-z]", v)
        and v not in ("Cohen's dz, Hedges' gz", "p, p (adjusted)")
    ]
    assert all(SCRIPTS["th"].search(v) for v in words[1:] if _WORD.search(v) and v != study.name), words
    # the column headers are Thai too (statistics' names and symbols stay as they are written), and
    # read back to the same columns as the English workbook's headers
    from tip_eval.column_titles import COLUMN_TITLES, SHEET_TITLES, code

    english_path = write_workbook(study, tmp_path / "tables_en.xlsx", lang="en")
    english = openpyxl.load_workbook(english_path)
    titles = set(COLUMN_TITLES.values()) | {t for own in SHEET_TITLES.values() for t in own.values()}
    names = r"Cohen's (dz|kappa)|Hedges' gz|(Spearman|Pearson|Rank-biserial) r|Krippendorff's alpha"
    symbols = re.compile(rf"^(p|p \((Wilcoxon|Mann-Whitney|Pearson|Spearman)\)|SEM|{names})$")
    assert len(wb.worksheets) == len(english.worksheets)
    tables = 0
    for thai, eng in zip(wb.worksheets[1:], english.worksheets[1:], strict=True):
        if eng.max_column < 2:  # a sheet of one sentence
            continue
        tables += 1
        heads, english_heads = [c.value for c in thai[1]], [c.value for c in eng[1]]
        assert [h for h in heads if h in titles and not symbols.match(h)] == [], thai.title
        assert sum(bool(SCRIPTS["th"].search(h)) for h in heads) >= len(heads) / 2, (thai.title, heads)
        assert [code(h, thai.title) for h in heads] == [code(h, eng.title) for h in english_heads], thai.title
        assert len(set(heads)) == len(heads), thai.title
    assert tables >= 15
    assert "ค่าเฉลี่ยที่เพิ่มขึ้น, คะแนน" in [c.value for c in wb["คะแนนเพิ่มโดยรวม"][1]]
    # and tip-eval audit reads the Thai workbook's tables as it reads the English ones
    import tip_eval as te

    audited, audited_english = te.disclosure.audit(path), te.disclosure.audit(english_path)
    assert audited_english.checked["workbook tables"] >= 15 and audited_english.checked["counts"] > 100
    # (the number of linear programmes solved depends on the order the facts come in, not on what is read)
    read = {k: v for k, v in audited.checked.items() if k != "linear programmes"}
    assert read == {k: v for k, v in audited_english.checked.items() if k != "linear programmes"}
    assert [(x.kind, repr(x.low), repr(x.high)) for x in audited.leaks] == [
        (x.kind, repr(x.low), repr(x.high)) for x in audited_english.leaks
    ]


def test_a_figure_builder_speaks_the_language_it_is_given(briefs):
    import tip_eval as te

    study, _pages, _paths = briefs
    thai = te.plots.pre_post(te.gains(study, by="country"), lang="th")
    english = te.plots.pre_post(te.gains(study, by="country"))
    assert thai.layout.title.text.startswith("ความรู้ก่อนและหลังการอบรม")
    assert {t.name for t in thai.data if t.name} >= {"ก่อน", "หลัง"}
    assert english.layout.title.text.startswith("Knowledge before and after training")
    assert SCRIPTS["th"].search(" ".join(map(str, thai.data[1].y)))  # the countries in Thai
