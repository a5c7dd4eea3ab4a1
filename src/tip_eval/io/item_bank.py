"""The item bank: a partner's own test, with the questions' and options' own words, in up to four languages.

One row per question. Headers may be written as the column name or as in brackets, in any case:

``item_id``          (Item ID) the question's identifier, as in the test sheets' headers
``module``           (Module) the curriculum module it tests
``text``             (Text) the question in English
``correct_answer``   (Correct answer) the letter of the correct option: ``A`` ... ``E``
``points``           (Points) for a correct answer; 1 when empty
``n_options``        (Number of options) how many options the question has; when empty, the number
                     of option texts given
``option_a`` ... ``option_e``   (Option A ... Option E) the options' texts in English
``randomize``        (Randomize) yes/no: the XLSForm shows this question's options in random order
``text_km``, ``text_th``, ``text_id``     (Text (Khmer), Text (Thai), Text (Indonesian)) the question
                     in Khmer, Thai, Indonesian
``option_a_km`` ... ``option_e_id``       (Option A (Khmer) ... Option E (Indonesian)) the options in
                     Khmer, Thai, Indonesian

The competency list of the confidence self-rating (a Competencies sheet of the same workbook, or its
own file): ``competency_id, label, label_km, label_th, label_id``.

Rules (:func:`check_item_bank`; each broken rule is a located problem: file, sheet, row, column):

- the correct answer is one of the question's options (``E`` on a four-option question is not), and,
  when option texts are given, it is written as the option's letter, not its text;
- no option text is missing before the last one given (A, B and D without C), in every language
  that has any option text;
- ``n_options`` agrees with the number of option texts given;
- within one language, two options of a question do not have the same text.

The XLSForm and the training template are built from the bank (:mod:`tip_eval.io.xlsform`,
:mod:`tip_eval.io.blank`); :func:`language_gaps` lists the texts a form in a given language would
lack. :func:`header_names` and :func:`answer_index` let the readers recognise the bank's questions
and options where an export writes their words instead of their IDs and letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import _, language_name
from tip_eval.io.columns import BANK_LANGUAGES, OPTION_LETTERS, TEMPLATE_HEADER
from tip_eval.io.text import normalize_text
from tip_eval.problems import Problem
from tip_eval.vocab import label_key

__all__ = [
    "BANK_COLUMNS",
    "COLUMN_WORDS",
    "COMPETENCY_COLUMNS",
    "EXTRA_COLUMNS",
    "ITEM_COLUMNS",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "answer_index",
    "cell_text",
    "check_item_bank",
    "key_problem",
    "form_name",
    "header_names",
    "infer_n_options",
    "label_column",
    "language_gaps",
    "option_column",
    "option_texts",
    "randomized",
    "text_column",
    "words_to_letters",
]

#: the bank's languages: English (the base columns) and the translations
LANGUAGES: tuple[str, ...] = ("en", *BANK_LANGUAGES)
LANGUAGE_NAMES: dict[str, str] = {"en": "English", **BANK_LANGUAGES}


def text_column(lang: str) -> str:
    """The column of the question's text in ``lang`` (``text``, ``text_km`` ...)."""
    return "text" if lang == "en" else f"text_{lang}"


def option_column(letter: str, lang: str = "en") -> str:
    """The column of option ``letter``'s text in ``lang`` (``option_a``, ``option_a_km`` ...)."""
    base = f"option_{letter.lower()}"
    return base if lang == "en" else f"{base}_{lang}"


def label_column(lang: str) -> str:
    """The column of a competency's label in ``lang`` (``label``, ``label_km`` ...)."""
    return "label" if lang == "en" else f"label_{lang}"


ITEM_COLUMNS = ["item_id", "module", "text", "correct_answer", "points", "n_options"]
BANK_COLUMNS = (
    ITEM_COLUMNS
    + [option_column(x) for x in OPTION_LETTERS]
    + ["randomize"]
    + [c for lang in BANK_LANGUAGES for c in (text_column(lang), *(option_column(x, lang) for x in OPTION_LETTERS))]
)
#: columns of the bank beyond the canonical ``items`` table
EXTRA_COLUMNS = [c for c in BANK_COLUMNS if c not in ITEM_COLUMNS]
COMPETENCY_COLUMNS = ["competency_id", *(label_column(lang) for lang in LANGUAGES)]

#: what each column of the bank holds (the data dictionary, data_schemas/README.md, lists them)
COLUMN_WORDS: dict[str, str] = {
    "item_id": "The question's identifier, as in the test sheets' headers (letters, digits, `-`, `_`, `.`).",
    "module": "The curriculum module it tests (a code from the module vocabulary, or its English name).",
    "text": "The question in English.",
    "correct_answer": "The letter of the correct option (`A` ... `E`).",
    "points": "Points for a correct answer (1 when empty).",
    "n_options": "How many options the question has (when empty: the number of option texts given).",
    "option_a": "Option A's text in English; `option_b` ... `option_e` likewise.",
    "randomize": "yes/no: the XLSForm shows this question's options in random order (`--randomize` for all).",
    "text_km": "The question in Khmer; `text_th` (Thai) and `text_id` (Indonesian) likewise.",
    "option_a_km": "Option A in Khmer; every option in every translation likewise (`option_c_th`, `option_e_id` ...).",
}

_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_LETTER_KEY = re.compile(r"^[(\[]?\s*([A-Za-z])\s*[.)\]:]?$")
_YES = {label_key(x) for x in ("yes", "y", "true", "1", "ya", "ใช่", "បាទ", "ចាស", "បាទ/ចាស")}
_NO = {label_key(x) for x in ("no", "n", "false", "0", "tidak", "ไม่", "ไม่ใช่", "ទេ")}


def _key(text: Any) -> str:
    """The matching key of a text as a header or a cell may hold it: the cell normaliser (Khmer and Thai
    digits as ASCII, invisible characters removed), then case and separators ignored.
    """
    return label_key(normalize_text(text) or "")


def cell_text(v: Any) -> str | None:
    """A cell's text with its spaces tidied, or None for an empty cell (None, NaN, pd.NA, blank)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    s = " ".join(str(v).split())
    return s or None


def _whole(v: Any) -> int | None:
    t = cell_text(v)
    if t is None:
        return None
    try:
        x = float(t)
    except ValueError:
        return None
    return int(x) if x.is_integer() else None


def form_name(identifier: Any, prefix: str = "Q") -> str:
    """The name of a question in the XLSForm for an item or competency ID.

    XLSForm names start with a letter or ``_``; an ID that does not (``1``, ``2.3``) is prefixed
    (``Q_1``, ``C_2.3``). The readers know both (:func:`header_names`).
    """
    s = str(identifier)
    if _XML_NAME.match(s) and not s.casefold().startswith("xml"):
        return s
    return f"{prefix}_{s}"


def option_texts(row: Mapping[str, Any], lang: str) -> dict[str, str]:
    """``{letter: text}`` of the options written in ``lang`` for one bank row."""
    out = {}
    for letter in OPTION_LETTERS:
        t = cell_text(row.get(option_column(letter, lang)))
        if t is not None:
            out[letter] = t
    return out


def _last_option(row: Mapping[str, Any]) -> int:
    """How many options the texts describe: the position of the last option with a text, any language."""
    last = 0
    for lang in LANGUAGES:
        for i, letter in enumerate(OPTION_LETTERS, start=1):
            if cell_text(row.get(option_column(letter, lang))) is not None:
                last = max(last, i)
    return last


def infer_n_options(frame: pd.DataFrame) -> pd.Series:
    """``n_options`` with the empty ones filled by the number of option texts given (when any)."""
    given = frame["n_options"] if "n_options" in frame else pd.Series(None, index=frame.index, dtype=object)
    out = given.astype(object).copy()
    for i, (_i, row) in enumerate(frame.iterrows()):
        if cell_text(given.iloc[i]) is None:
            n = _last_option(row)
            if n:
                out.iloc[i] = n
    return out


def randomized(value: Any) -> bool | None:
    """The ``randomize`` cell as yes (True), no (False) or None (empty or not a yes/no)."""
    t = cell_text(value)
    if t is None:
        return None
    k = label_key(t)
    return True if k in _YES else False if k in _NO else None


def _header(headers: Mapping[str, str] | None, column: str) -> str:
    return (headers or {}).get(column) or TEMPLATE_HEADER.get(column, column)


def _where(row: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    r = row.get("_row")
    return (
        row.get("_file"),
        row.get("_sheet") if isinstance(row.get("_sheet"), str) else None,
        None if r is None or pd.isna(r) else int(r),
    )


def key_problem(row: Mapping[str, Any] | pd.Series) -> tuple[str, str] | None:
    """Why the answer key of one bank row cannot be used to judge answers, or None when it can.

    Returns ``(problem, fix)`` in plain words when the key is not one of the question's options
    (``E`` on a four-option question, ``7`` on a five-option question keyed with numbers) or is
    written as an option's words where the options are lettered. Such a question cannot be scored:
    every answer would be judged wrong.
    """
    n_texts = _last_option(row)
    n = n_texts or _whole(row.get("n_options"))
    key = cell_text(row.get("correct_answer"))
    if key is None:
        return None  # a missing key is the schema's problem (correct_answer is required)
    m = _LETTER_KEY.match(key)
    if m:
        letter = m.group(1).upper()
        if n and letter not in OPTION_LETTERS[:n]:
            return (
                _("the correct answer '{key}' is not one of the question's options ({options})").format(
                    key=key, options=f"A-{OPTION_LETTERS[n - 1]}"
                ),
                _("Write the letter of the correct option."),
            )
    elif n_texts:
        matches = [x for lang in LANGUAGES for x, t in option_texts(row, lang).items() if _key(t) == _key(key)]
        fix = (
            _("The correct answer is the option's letter: write {letter}.").format(letter=matches[0])
            if matches
            else _("The correct answer is the option's letter: write the letter of the correct option.")
        )
        return (
            _("the correct answer '{key}' is not an option letter ({options})").format(
                key=key, options=f"A-{OPTION_LETTERS[n_texts - 1]}"
            ),
            fix,
        )
    elif key.isdigit() and n and not 1 <= int(key) <= n:
        return (
            _("the correct answer '{key}' is not one of the question's options ({options})").format(
                key=key, options=f"1-{n}"
            ),
            _("Write the number of the correct option."),
        )
    return None


def check_item_bank(
    frame: pd.DataFrame, headers: Mapping[str, str] | None = None, *, key_consequence: str = ""
) -> list[Problem]:
    """The item bank's rules (see the module docstring), as located problems.

    Parameters
    ----------
    frame : DataFrame
        Bank rows as read (columns of :data:`BANK_COLUMNS` that the sheet has), with the provenance
        columns ``_file, _sheet, _row``.
    headers : mapping, optional
        Canonical column -> header as written, to name the column in each problem.
    key_consequence : str, optional
        Added to the problem of a key that cannot judge answers (:func:`key_problem`): what the
        caller does with the question (a study sets it aside and scores the others).

    Returns
    -------
    list of Problem
    """
    problems: list[Problem] = []
    for row in frame.to_dict("records"):  # each row as a dict (a Series per row cost most of the time)
        f, sh, r = _where(row)
        item = cell_text(row.get("item_id")) or "?"

        def add(
            column: str, value: Any, text: str, fix: str, severity: str = "error", where: tuple = (f, sh, r, item)
        ) -> None:
            problems.append(
                Problem(
                    *where[:3],
                    _header(headers, column),
                    None if value is None else str(value),
                    _("item {item}: {problem}").format(item=where[3], problem=text),
                    fix,
                    severity,
                )
            )

        n_texts = _last_option(row)
        for lang in LANGUAGES:
            texts = option_texts(row, lang)
            if not texts:
                continue
            for letter in OPTION_LETTERS[:n_texts]:
                if letter not in texts:
                    later = [x for x in OPTION_LETTERS[:n_texts] if x > letter]
                    add(
                        option_column(letter, lang),
                        None,
                        _("option {letter} has no text in {language} although option {later} has one").format(
                            letter=letter, language=language_name(lang), later=later[-1]
                        ),
                        _(
                            "Write option {letter}'s text in {language}, or move the options up so that none is "
                            "skipped."
                        ).format(letter=letter, language=language_name(lang)),
                    )
            seen: dict[str, str] = {}
            for letter, t in texts.items():
                k = _key(t)
                if k in seen:
                    add(
                        option_column(letter, lang),
                        t,
                        _("options {first} and {second} have the same text in {language}").format(
                            first=seen[k], second=letter, language=language_name(lang)
                        ),
                        _("Give each option its own words: the form would show two identical choices."),
                    )
                else:
                    seen[k] = letter
        declared = _whole(row.get("n_options"))
        if n_texts and declared is not None and declared != n_texts:
            add(
                "n_options",
                row.get("n_options"),
                _("the number of options is {declared} but option texts are given for {n} ({letters})").format(
                    declared=declared, n=n_texts, letters=f"{OPTION_LETTERS[0]}-{OPTION_LETTERS[n_texts - 1]}"
                ),
                _("Write {n} as the number of options, or correct the option texts.").format(n=n_texts),
            )
        bad_key = key_problem(row)
        if bad_key is not None:
            add("correct_answer", cell_text(row.get("correct_answer")), bad_key[0] + key_consequence, bad_key[1])
        if cell_text(row.get("randomize")) is not None and randomized(row.get("randomize")) is None:
            add(
                "randomize",
                row.get("randomize"),
                _("randomize '{value}' is not yes or no").format(value=row.get("randomize")),
                _("Write yes (show the options in random order) or no."),
                "warning",
            )
    return problems


def language_gaps(
    items: pd.DataFrame,
    competencies: pd.DataFrame | None,
    languages: Iterable[str],
    headers: Mapping[tuple, Mapping[str, str]] | None = None,
    *,
    options: bool = True,
) -> list[Problem]:
    """The texts a form or template in ``languages`` would lack, as located problems.

    Every question needs its text (and, with ``options``, each of its options' texts) in every
    language asked for, and every competency its label, so that nobody reads English under a
    Khmer heading.
    """
    problems: list[Problem] = []
    langs = list(languages)

    def add(row: Mapping[str, Any], kind: str, ident: str, column: str, what: str, lang: str) -> None:
        f, sh, r = _where(row)
        hdr = _header((headers or {}).get((f, sh)), column)
        problems.append(
            Problem(
                f,
                sh,
                r,
                hdr,
                None,
                _("{what} has no {text} in {language} ({column}), and the form is asked in {language}").format(
                    what=kind.format(ident=ident), text=what, language=language_name(lang), column=hdr
                ),
                _("Write the {language} text in {column}, or leave {code} out of the languages.").format(
                    language=language_name(lang), column=hdr, code=lang
                ),
                "error",
            )
        )

    absent = [lang for lang in langs if _absent(items, competencies, lang)]
    for lang in absent:  # a language the bank does not have at all: one line, not one per cell
        f, sh = _where(items.iloc[0])[:2] if len(items) else (None, None)
        problems.append(
            Problem(
                f,
                sh,
                None,
                _header((headers or {}).get((f, sh)), text_column(lang)),
                None,
                _("the item bank has no {language} texts ({columns}, ...), and the form is asked in {language}").format(
                    language=language_name(lang),
                    columns=", ".join(
                        [
                            TEMPLATE_HEADER.get(text_column(lang), lang),
                            TEMPLATE_HEADER.get(option_column("A", lang), lang),
                        ]
                    ),
                ),
                _("Add the {language} columns to the bank, or leave {code} out of the languages.").format(
                    language=language_name(lang), code=lang
                ),
                "error",
            )
        )
    langs = [lang for lang in langs if lang not in absent]
    for _i, row in items.iterrows():
        ident = cell_text(row.get("item_id")) or "?"
        n = _whole(row.get("n_options")) or _last_option(row)
        for lang in langs:
            if cell_text(row.get(text_column(lang))) is None:
                add(row, _("item {ident}"), ident, text_column(lang), _("question text"), lang)
            if options:
                have = option_texts(row, lang)
                for letter in OPTION_LETTERS[:n]:
                    if letter not in have:
                        add(
                            row,
                            _("item {ident}"),
                            ident,
                            option_column(letter, lang),
                            _("text for option {letter}").format(letter=letter),
                            lang,
                        )
    if competencies is not None:
        for _i, row in competencies.iterrows():
            ident = cell_text(row.get("competency_id")) or "?"
            for lang in langs:
                if cell_text(row.get(label_column(lang))) is None:
                    add(row, _("competency {ident}"), ident, label_column(lang), _("label"), lang)
    return problems


def _absent(items: pd.DataFrame, competencies: pd.DataFrame | None, lang: str) -> bool:
    """True when the bank has no text at all in ``lang`` (no question, option or competency label)."""
    cols = [c for c in (text_column(lang), *(option_column(x, lang) for x in OPTION_LETTERS)) if c in items]
    if any(cell_text(v) is not None for c in cols for v in items[c]):
        return False
    if competencies is not None and label_column(lang) in competencies:
        return not any(cell_text(v) is not None for v in competencies[label_column(lang)])
    return True


def header_names(items: pd.DataFrame | None, competencies: pd.DataFrame | None) -> dict[str, tuple[str, str]]:
    """How an export may write the bank's questions and competencies as headers: ``{label key: (kind, ID)}``.

    ``kind`` is ``"item"`` or ``"competency"``. Each is known by its ID, its XLSForm name
    (:func:`form_name`) and its label in every language of the bank (a question also as the form
    labels it, ``"Q01. text"``). A name shared by two of them is left out (it says neither).
    """
    from tip_eval.io.coerce import normalize_id

    names: dict[str, tuple[str, str]] = {}
    clash: set[str] = set()

    def put(text: Any, target: tuple[str, str]) -> None:
        t = cell_text(text)
        if t is None:
            return
        k = _key(t)
        if names.get(k, target) != target:
            clash.add(k)
        names.setdefault(k, target)

    for frame, kind, id_col, prefix in (
        (items, "item", "item_id", "Q"),
        (competencies, "competency", "competency_id", "C"),
    ):
        if frame is None or id_col not in frame:
            continue
        for _i, row in frame.iterrows():
            ident = normalize_id(row.get(id_col))
            if not ident:
                continue
            target = (kind, ident)
            put(ident, target)
            put(form_name(ident, prefix), target)
            for lang in LANGUAGES:
                text = cell_text(row.get(text_column(lang) if kind == "item" else label_column(lang)))
                put(text, target)
                if text is not None and kind == "item":
                    put(f"{ident}. {text}", target)
    return {k: v for k, v in names.items() if k not in clash}


def answer_index(items: pd.DataFrame | Iterable[pd.DataFrame] | None) -> dict[str, dict[str, str]]:
    """``{item ID: {label key of an option's words: its letter}}`` from the bank's option texts.

    An export with labels as values (KoboToolbox "Labels") writes the option's text in the form's
    language; the template's dropdowns write ``"B. text"``. Both are read as the letter. Words that
    two options of one question share are left out. ``items``: one bank frame or several.
    """
    from tip_eval.io.coerce import normalize_id

    out: dict[str, dict[str, str]] = {}
    frames = [items] if isinstance(items, pd.DataFrame) else [f for f in (items or []) if "item_id" in f]
    if not frames:
        return out
    for _i, row in pd.concat(frames, ignore_index=True).iterrows():
        ident = normalize_id(row.get("item_id"))
        if not ident:
            continue
        index: dict[str, str] = {}
        clash: set[str] = set()
        for lang in LANGUAGES:
            for letter, t in option_texts(row, lang).items():
                for k in (_key(t), _key(f"{letter}. {t}")):
                    if index.get(k, letter) != letter:
                        clash.add(k)
                    index.setdefault(k, letter)
        index = {k: v for k, v in index.items() if k not in clash}
        if index:
            out.setdefault(ident, {}).update(index)
    return out


def words_to_letters(item_ids: pd.Series, answers: pd.Series, index: Mapping[str, Mapping[str, str]]) -> pd.Series:
    """Answers written as an option's words (see :func:`answer_index`) replaced by the option's letter;
    every other answer unchanged. Each distinct (item, answer) is looked up once.
    """
    values = answers.to_numpy(dtype=object).copy()
    if not index or not len(values):
        return pd.Series(values, index=answers.index, dtype=object)
    i_codes, i_values = pd.factorize(pd.Series(item_ids.to_numpy(dtype=object), dtype=object), use_na_sentinel=True)
    a_codes, a_values = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    width = len(a_values) + 1
    pair_codes, first = pd.factorize((i_codes.astype(np.int64) + 1) * width + (a_codes + 1))
    found = []
    for p in first:
        it = i_values[p // width - 1] if p // width else None
        v = a_values[p % width - 1] if p % width else None
        found.append(index.get(it, {}).get(_key(v)) if isinstance(v, str) and it in index else None)
    replace = np.array(found + [None], dtype=object)[pair_codes]
    hit = np.array([x is not None for x in found] + [False], dtype=bool)[pair_codes]
    values[hit] = replace[hit]
    return pd.Series(values, index=answers.index, dtype=object)
