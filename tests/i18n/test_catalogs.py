"""The message catalogs: complete, consistent with the code and the glossary, compiled, and marked as drafts.

Every check is a function over catalogs, run on the real ones and on a small made-up catalog with the
fault it looks for, so that a check that could not fail would show here.
"""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "tip_eval" / "locale"
LANGS = ("km", "th", "id")
GLOSSARY = ROOT / "docs" / "glossary.csv"


def _mapping():
    from babel.messages import frontend

    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        return parse(fh)


def _key(msgid, context):
    return (context, msgid if isinstance(msgid, str) else msgid[0])


def _code_messages() -> dict[tuple, object]:
    """(context, msgid) -> msgid of every message marked in the code and templates, as pybabel extracts them."""
    method_map, options_map = _mapping()
    out = {}
    for _file, _line, message, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        msgid = message if isinstance(message, str) else tuple(m for m in message if m is not None)
        if isinstance(msgid, tuple) and len(msgid) == 1:
            msgid = msgid[0]
        out[_key(msgid, context)] = msgid
    return out


def _catalog(lang: str) -> Catalog:
    with open(LOCALE / lang / "LC_MESSAGES" / "tip_eval.po", "rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def code_messages():
    return _code_messages()


@pytest.fixture(scope="module")
def catalogs():
    return {lang: _catalog(lang) for lang in LANGS}


# ----------------------------------------------------------------------------------- the checks


def untranslated(catalog: Catalog, wanted) -> list[tuple]:
    """The messages of ``wanted`` ((context, msgid) keys) that ``catalog`` does not translate (missing,
    empty, or marked fuzzy, which gettext ignores)."""
    out = []
    for key in wanted:
        context, msgid = key
        m = catalog.get(msgid, context=context)
        strings = [] if m is None else ([m.string] if isinstance(m.string, str) else list(m.string))
        if m is None or m.fuzzy or not strings or not all(s and s.strip() for s in strings):
            out.append(key)
    return out


_BRACE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}(?!\})")
_PERCENT = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message: ``{name}`` (str.format; ``{{`` is a brace) and ``%(name)s``
    (Jinja2's new-style gettext)."""
    return set(_BRACE.findall(text)) | set(_PERCENT.findall(text))


def _formats(text: str, names: set[str]) -> bool:
    try:
        text.format(**{name: "x" for name in names})
    except (ValueError, KeyError, IndexError):
        return False
    return True


def placeholder_mismatches(catalog: Catalog) -> list[str]:
    """Messages whose translation names other placeholders than the English, or that str.format cannot fill."""
    bad = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        want = set().union(*(placeholders(i) for i in ids))
        for s in strings:
            if s and placeholders(s) != want:
                bad.append(f"{m.id!r}: {sorted(placeholders(s))} != {sorted(want)}")
            elif s and _formats(ids[0], want):  # the English is filled with str.format: so must the translation be
                try:
                    s.format(**{name: "x" for name in want})
                except (ValueError, KeyError, IndexError) as err:
                    bad.append(f"{m.id!r}: the translation cannot be formatted ({err})")
    return bad


def _glossary() -> list[dict[str, str]]:
    with open(GLOSSARY, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\{[^{}]*\}")


def glossary_mismatches(catalog: Catalog, lang: str, glossary: list[dict[str, str]]) -> list[str]:
    """Messages that use a glossary term in English and whose translation lacks the glossary's words for it.

    The longest terms are matched first (``confidence interval`` before ``confidence``), with an
    English plural ``s``; quoted text, placeholders and code (``sources.training``, ``roster = true``,
    ``training_id``) are not terms.
    """
    terms = sorted(glossary, key=lambda g: -len(g["term"]))
    patterns = [
        (
            re.compile(
                r"(?<![\w.])" + r"[\s-]+".join(map(re.escape, g["term"].split())) + r"(?:s|es)?(?![\w.]|\s*=)",
                re.IGNORECASE,
            ),
            g,
        )
        for g in terms
    ]
    bad = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        english = " ".join([m.id] if isinstance(m.id, str) else m.id)
        english = _QUOTED.sub(" ", english)
        translations = [m.string] if isinstance(m.string, str) else list(m.string)
        for pattern, g in patterns:
            found = pattern.search(english)
            if not found:
                continue
            english = pattern.sub(" ", english)  # a longer term hides the shorter ones inside it
            want = g[lang].casefold()
            for t in translations:
                if t and want not in t.casefold():
                    bad.append(f"{m.id!r} uses '{g['term']}' but its translation lacks '{g[lang]}': {t}")
    return bad


# ------------------------------------------------------------------------------ on the catalogs


def test_the_template_has_every_message_of_the_code(code_messages):
    with open(LOCALE / "tip_eval.pot", "rb") as fh:
        pot = read_po(fh)
    in_pot = {_key(m.id, m.context) for m in pot if m.id}
    assert set(code_messages) == in_pot, (
        "src/tip_eval/locale/tip_eval.pot is out of date; run the pybabel extract command of the README "
        f"(section Languages). Only in the code: {sorted(set(code_messages) - in_pot)[:5]}; "
        f"only in the template: {sorted(in_pot - set(code_messages))[:5]}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_has_a_translation(code_messages, catalogs, lang):
    missing = untranslated(catalogs[lang], code_messages)
    assert not missing, (
        f"{len(missing)} message(s) have no {lang} translation (pybabel update, then translate "
        f"them in src/tip_eval/locale/{lang}/LC_MESSAGES/tip_eval.po): {missing[:5]}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_are_the_same_in_every_language(catalogs, lang):
    assert placeholder_mismatches(catalogs[lang]) == []


@pytest.mark.parametrize("lang", LANGS)
def test_glossary_terms_are_translated_as_the_glossary_says(catalogs, lang):
    assert glossary_mismatches(catalogs[lang], lang, _glossary()) == []


@pytest.mark.parametrize("lang", LANGS)
def test_sheet_names_fit_excel(catalogs, lang):
    # Excel refuses a sheet name over 31 characters or with any of : \ / ? * [ ]
    bad = [
        (m.id, m.string)
        for m in catalogs[lang]
        if m.context == "sheet" and m.string and (len(m.string) > 31 or any(c in m.string for c in ":\\/?*[]"))
    ]
    assert not bad, bad


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalog_is_the_po_file(catalogs, lang):
    with open(LOCALE / lang / "LC_MESSAGES" / "tip_eval.mo", "rb") as fh:
        mo = read_mo(fh)

    def strings(m):
        return m.string if isinstance(m.string, str) else tuple(m.string)

    as_po = {_key(m.id, m.context): strings(m) for m in catalogs[lang] if m.id and m.string and not m.fuzzy}
    as_mo = {_key(m.id, m.context): strings(m) for m in mo if m.id}
    assert as_mo == as_po, (
        f"tip_eval.mo of {lang} is out of date: run pybabel compile -d src/tip_eval/locale "
        "-D tip_eval (README, section Languages)"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_each_catalog_says_it_is_a_draft_and_has_the_language_plural_rule(catalogs, lang):
    text = (LOCALE / lang / "LC_MESSAGES" / "tip_eval.po").read_text(encoding="utf-8")
    assert "DRAFT - FOR REVIEW BY THE PARTNERS' STAFF" in text.split("msgid", 1)[0]
    plural = get_plural(lang)
    assert catalogs[lang].plural_forms == f"nplurals={plural.num_plurals}; plural={plural.plural_expr};"


def test_the_glossary_has_every_language_and_the_key_terms():
    rows = _glossary()
    assert set(rows[0]) == {"term", "definition", "km", "th", "id"}
    assert all(r[c].strip() for r in rows for c in ("term", "definition", "km", "th", "id"))
    terms = {r["term"] for r in rows}
    assert {
        "trafficking in persons",
        "victim identification",
        "protection",
        "reintegration",
        "practitioner",
        "pre-test",
        "post-test",
        "retention test",
        "knowledge gain",
        "confidence",
        "reliable change",
        "confidence interval",
        "effect size",
        "suppressed",
    } <= terms


def test_no_function_hides_the_translation_function():
    """``_`` is the translation function: a function that also assigns ``_`` (``for _, row in ...``) would
    call an integer or a row when it translates."""
    bad = []
    for path in sorted((ROOT / "src" / "tip_eval").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            own = list(ast.walk(fn))  # comprehensions too: a loop variable "_" hides the function inside them
            stores = [n.lineno for n in own if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)]
            calls = [n for n in own if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"]
            if stores and calls:
                bad.append(f"{path.relative_to(ROOT)}:{stores[0]} ({fn.name})")
    assert not bad, bad


# ------------------------------------------------------------ the checks catch what they look for


def _made_up() -> Catalog:
    cat = Catalog(locale="th")
    cat.add("Type a whole number.", "พิมพ์จำนวนเต็ม")
    cat.add("{column} '{value}' is not a number", "{column} ไม่ใช่ตัวเลข", flags=["python-brace-format"])
    cat.add("the training {training}", "{training} }", flags=["python-brace-format"])
    cat.add("no pre-test score", "ไม่มีคะแนน")
    cat.add("Add the sheet", "")
    return cat


def test_the_completeness_check_finds_a_missing_and_an_empty_translation():
    wanted = [(None, "Type a whole number."), (None, "Add the sheet"), (None, "Not in the catalog")]
    assert untranslated(_made_up(), wanted) == [(None, "Add the sheet"), (None, "Not in the catalog")]


def test_the_placeholder_check_finds_a_lost_placeholder_and_a_stray_brace():
    bad = sorted(placeholder_mismatches(_made_up()))
    assert len(bad) == 2 and "['column'] != ['column', 'value']" in bad[0] and "cannot be formatted" in bad[1], bad
    assert placeholders("{{ {code} = ... }} %(n)s { ... }") == {"code", "n"}


def test_the_glossary_check_finds_a_term_translated_otherwise():
    glossary = [
        {"term": "pre-test", "th": "แบบทดสอบก่อน"},
        {"term": "training", "th": "การอบรม"},
        {"term": "confidence", "th": "ความมั่นใจ"},
        {"term": "confidence interval", "th": "ช่วงความเชื่อมั่น"},
    ]
    bad = glossary_mismatches(_made_up(), "th", glossary)
    assert len(bad) == 2 and any("'pre-test'" in b for b in bad) and any("'training'" in b for b in bad), bad
    cat = Catalog(locale="th")
    cat.add("the confidence interval", "ช่วงความเชื่อมั่น")  # not also "confidence"
    cat.add("set roster = true in sources.training", "ตั้ง roster = true")  # code, not terms
    cat.add("Add a 'Training ID' column", "เพิ่มคอลัมน์ 'Training ID'")  # quoted, not a term
    assert glossary_mismatches(cat, "th", glossary + [{"term": "roster", "th": "ทะเบียน"}]) == []
