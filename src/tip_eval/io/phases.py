"""How a test's phase is written: pre-test, post-test, or a delayed post-test (a retention test).

The phase of a test appears in a cell (a Phase column), in a header (``Q01_post``, ``Retention test
/ Q01``, ``คะแนนก่อนอบรม``), in a sheet's name (``Post-test``, ``Tes retensi``) and in study.toml
(``phase = "delayed"`` of a source). All of them are read here, in English, Khmer, Thai and
Indonesian (:data:`tip_eval.vocab.PHASES`), and with the study's own labels::

    [study]
    phases = { "Retention (3 months)" = "delayed" }

A label that names no phase is never matched to the nearest one: a retention test months later is
not the post-test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tip_eval import vocab
from tip_eval.i18n import N_
from tip_eval.io import clean
from tip_eval.vocab import label_key

__all__ = [
    "FOLLOWUP_WORDS",
    "PHASE_SHEET_NAMES",
    "SEPARATORS",
    "attach_dates",
    "followup_word",
    "ignored_column",
    "lookup_phase",
    "own_phases",
    "phase_of",
    "split_phase",
]

#: names of the template's sheet of each phase, in the four languages
PHASE_SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "pre": ("Pre-test", "Pretest", "Pre test", "Before", "แบบทดสอบก่อน", "តេស្តមុន", "Pra-tes", "Pretes"),
    "post": ("Post-test", "Posttest", "Post test", "After", "แบบทดสอบหลัง", "តេស្តក្រោយ", "Pasca-tes", "Postes"),
    "delayed": (
        "Delayed post-test",
        "Delayed test",
        "Retention test",
        "Retention",
        "Follow-up test",
        "3-month test",
        "Retest",
        "แบบทดสอบติดตามผล",
        "ทดสอบซ้ำ",
        "តេស្តតាមដាន",
        "Tes retensi",
        "Tes tunda",
    ),
}
_PHASE_SHEETS = {label_key(n): p for p, names in PHASE_SHEET_NAMES.items() for n in names}

#: what separates the words of a header
SEPARATORS = re.compile(r"[\s_\-./()\[\]:,;]+")

# phase words of scripts written without spaces between words (Thai, Khmer), longest first: found
# inside a header such as "คะแนนก่อนอบรม" (score before the training)
_UNSPACED_PHASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [(w, "pre") for w in ("ก่อนการอบรม", "ก่อนอบรม", "ก่อนเข้าอบรม", "ก่อน", "តេស្តមុន", "មុនវគ្គបណ្តុះបណ្តាល", "មុនវគ្គ", "មុន")]
        + [
            (w, "post")
            for w in ("หลังการอบรม", "หลังอบรม", "หลังเข้าอบรม", "หลัง", "តេស្តក្រោយ", "ក្រោយវគ្គបណ្តុះបណ្តាល", "ក្រោយវគ្គ", "ក្រោយ")
        ]
        # a delayed post-test: follow-up (ติดตามผล, តាមដាន), retest (ทดสอบซ้ำ), retention (ความคงทน); longer
        # than the post-test words they may contain, so found first
        + [
            (w, "delayed")
            for w in ("แบบทดสอบติดตามผล", "ทดสอบติดตามผล", "ทดสอบซ้ำ", "ความคงทน", "តេស្តតាមដាន", "តេស្តម្តងទៀត")
        ],
        key=lambda x: -len(x[0]),
    )
)

#: a date, in the four languages: with a phase ("Post-test date") the date that test was taken
_DATE_WORDS = frozenset(
    label_key(w)
    for w in ("date", "test date", "tanggal", "tanggal tes", "วันที่", "วันที่ทดสอบ", "កាលបរិច្ឆេទ", "កាលបរិច្ឆេទតេស្ត")
)

#: a source's fixed phase that is not one ({source}: its name); translated where it is said (tip_eval.i18n)
_FIXED_PHASE_WORDS = N_('phase of source {source} must be "pre", "post" or "delayed" (or a label of study.toml phases)')
_FIXED_PHASE_FIX = N_(
    'Write phase = "pre", phase = "post" or phase = "delayed" (a delayed post-test or retention test '
    "taken weeks or months after the training)."
)


def own_phases(settings: Mapping[str, Any] | None) -> dict[str, str]:
    """A study's own phase labels (study.toml ``phases = { "Retention (3 months)" = "delayed" }``), by
    matching key (:func:`tip_eval.vocab.label_key`) -> phase code. Labels that name no phase are left
    out here: :func:`tip_eval.io.config.read_config` refuses them before anything is read.
    """
    out: dict[str, str] = {}
    for label, code in dict((settings or {}).get("phases") or {}).items():
        found = vocab.lookup("phase", code)
        if found is not None:
            out[label_key(label)] = str(found)
    return out


def lookup_phase(value: Any, settings: Mapping[str, Any] | None = None) -> str | None:
    """The phase code (``pre``, ``post``, ``delayed``) of a cell: the study's own labels first, then
    the labels of :data:`tip_eval.vocab.PHASES` in any of the four languages; None when unknown.
    """
    text = clean.normalize_text(str(value)) if isinstance(value, str) else value
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    own = own_phases(settings)
    if own:
        hit = own.get(label_key(text))
        if hit is not None:
            return hit
    found = vocab.lookup("phase", text)
    if found is None and isinstance(text, str):
        return _phase_with_time(text)
    return None if found is None else str(found)


#: words of a time span written beside a phase: "Retention (3 months)", "Tes retensi 6 bulan"
_TIME_WORDS = frozenset(
    label_key(w)
    for w in (
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "m",
        "mo",
        "later",
        "after",
        "hari",
        "minggu",
        "bulan",
        "tahun",
        "kemudian",
        "วัน",
        "สัปดาห์",
        "เดือน",
        "ปี",
        "ថ្ងៃ",
        "សប្តាហ៍",
        "ខែ",
        "ឆ្នាំ",
    )
)


def _phase_with_time(text: str) -> str | None:
    """The phase of a cell that is a delayed-test label plus a time span, or None.

    "Retention (3 months)", "Retest after 6 weeks": every other word must be a number or a time word.
    A pre- or post-test label with a time span ("Post-test 3 months later") is left unknown: it may
    be a retention test.
    """
    tokens = [t for t in SEPARATORS.split(text) if t]
    for n in range(len(tokens), 0, -1):
        for s in range(len(tokens) - n + 1):
            found = vocab.lookup("phase", " ".join(tokens[s : s + n]))
            if found is None:
                continue
            rest = tokens[:s] + tokens[s + n :]
            # only the delayed test: "Post-test 3 months later" may well be a retention test, so it is asked
            if found == "delayed" and rest and all(t.isdigit() or label_key(t) in _TIME_WORDS for t in rest):
                return str(found)
            return None
    return None


def phase_of(text: str, own: Mapping[str, str] | None = None) -> str | None:
    """``"pre"``, ``"post"`` or ``"delayed"`` when ``text`` names a phase (any of the four languages,
    or one of the study's own labels ``own``: matching key -> phase, see :func:`own_phases`), else None.
    """
    key = label_key(text)
    if not key:
        return None
    if own and key in own:
        return own[key]
    found = vocab.lookup("phase", text)
    return str(found) if found is not None else _PHASE_SHEETS.get(key)


#: "follow-up" alone, in the four languages: the follow-up interviews as often as a test taken months
#: later, so never read as the delayed post-test unless the study says so (study.toml ``phases``)
FOLLOWUP_WORDS: tuple[str, ...] = ("Follow-up", "Followup", "Tindak lanjut", "ติดตามผล", "តាមដាន")


def followup_word(text: str) -> str | None:
    """The word for "follow-up" in a header (``"Follow-up score"``, ``"คะแนนติดตามผล"``), or None."""
    key = f" {label_key(text)} "
    for word in FOLLOWUP_WORDS:
        k = label_key(word)
        if f" {k} " in key or (not k.isascii() and k in key):
            return word
    return None


def ignored_column(header: str, fix: str) -> tuple[str, str]:
    """What to say of a column that was not read: ``(problem, fix)``.

    A header that names the follow-up gets its own words: it may hold the follow-up interviews or a
    delayed post-test, and only the study can say which (``phases = { "Follow-up" = "delayed" }``).
    """
    from tip_eval.i18n import gettext

    word = followup_word(header)
    if word is None:
        return gettext("column '{header}' was not recognised and was ignored").format(header=header), fix
    return (
        gettext(
            "column '{header}' names the follow-up ('{word}'), which may be the follow-up interviews or a "
            "test taken months after the training: it was not read"
        ).format(header=header, word=word),
        gettext(
            "If it is a delayed post-test (a retention test), say so in study.toml under [study]: "
            "{example}. Interview codes are read with a follow-up layout; otherwise remove the column or "
            "map it under columns."
        ).format(example=f'phases = {{ "{word}" = "delayed" }}'),
    )


def split_phase(text: str, own: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """Find a phase word anywhere in a header: ``"Q01_post"`` -> ("post", "Q01"); in Thai and Khmer,
    written without spaces, also inside a word: ``"คะแนนก่อนอบรม"`` -> ("pre", "คะแนน"). ``own``: the
    study's own phase labels (see :func:`phase_of`).
    """
    tokens = [t for t in SEPARATORS.split(text) if t]
    for n in range(len(tokens), 0, -1):
        for s in range(len(tokens) - n + 1):
            p = phase_of(" ".join(tokens[s : s + n]), own)
            if p:
                return p, " ".join(tokens[:s] + tokens[s + n :])
    own_unspaced = [(w, p) for w, p in (own or {}).items() if w and not w.isascii() and " " not in w]
    for word, p in sorted(own_unspaced, key=lambda x: -len(x[0])) + list(_UNSPACED_PHASES):
        at = text.find(word)
        if at >= 0:
            rest = (text[:at] + " " + text[at + len(word) :]).strip(" _-./()[]:,;")
            if rest:
                return p, " ".join(rest.split())
    return None, text


def attach_dates(f: pd.DataFrame, idx: np.ndarray, raw: Any, dates: list) -> dict[str, str]:
    """Add ``test_date`` to ``f`` (rows ``idx`` of the sheet ``raw``, each with its ``phase``): the date
    column of the row's phase (``Post-test date``), else the sheet's one Test date column.

    ``dates`` are the date columns found in the sheet (each with a ``header`` and a ``phase``, None
    for a date of every phase). Returns ``{"test_date": header}`` (empty without a date column).
    """
    if not dates:
        return {}
    row_date = next((d for d in dates if d.phase is None), None)
    n = len(idx)
    values = raw.values(row_date.header)[idx] if row_date is not None else np.full(n, None, dtype=object)
    phases = f["phase"].to_numpy(dtype=object) if "phase" in f.columns else np.full(n, None, dtype=object)
    keys = np.array([label_key(p) if isinstance(p, str) else None for p in phases], dtype=object)
    for d in dates:
        if d.phase is None:
            continue
        at = keys == label_key(d.phase)
        values = np.where(at, raw.values(d.header)[idx], values)
    f["test_date"] = values
    return {"test_date": (row_date or dates[0]).header}
