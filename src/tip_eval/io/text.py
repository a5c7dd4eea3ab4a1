"""Text normalisation of one cell: the normal form of its text, and the key that matches headers.

:func:`normalize_text` and :func:`normalize_header` are the part of the one cell normaliser
(:mod:`tip_eval.io.clean`, which re-exports them) that the reader needs for header names and
sheet names; they live here, below :mod:`tip_eval.io.read`, so that reading never imports the
cleaning layer above it.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["INVISIBLE", "normalize_header", "normalize_text"]

#: Invisible characters removed by :func:`normalize_text`: zero-width space, non-joiner and joiner,
#: word joiner, byte-order mark (zero-width no-break space), soft hyphen, left-to-right and
#: right-to-left marks and embeddings/isolates, Mongolian vowel separator.
INVISIBLE: frozenset[str] = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u180e\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

_REMOVE = {ord(ch): None for ch in INVISIBLE}
# C0/C1 control characters other than whitespace are removed too (they cannot be typed in Excel,
# but appear in text exported by other systems).
_REMOVE.update({cp: None for cp in range(0x00, 0x20) if chr(cp) not in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"})
_REMOVE.update({cp: None for cp in range(0x7F, 0xA0) if cp != 0x85})
# a zero-width space between two ASCII letters or digits stands for a space ("Phnom\u200bPenh")
_ZWSP_BETWEEN_LATIN = re.compile(r"(?<=[A-Za-z0-9])\u200b(?=[A-Za-z0-9])")
_UNICODE_DIGIT = re.compile(r"\d")  # str patterns: \d is every Unicode decimal digit (category Nd)


def _ascii_digit(match: re.Match[str]) -> str:
    return str(unicodedata.decimal(match.group()))


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, np.floating) and np.isnan(value):
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    return False


def _to_text(value: Any) -> str:
    """Text of a non-string cell: integral floats without '.0', dates in ISO form."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if x.is_integer() and abs(x) < 1e16:
            return str(int(x))
        return repr(x)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    return str(value)


def _normalize_str(s: str) -> str | None:
    if s.isascii():
        # Fast path: printable ASCII with single inner spaces and no outer spaces is already
        # normal (NFKC leaves ASCII unchanged).
        if s.isprintable() and "  " not in s and s[:1] != " " and s[-1:] != " ":
            return s or None
        s = s.translate(_REMOVE)
        out = " ".join(s.split())
        return out or None
    if "\u200b" in s:
        s = _ZWSP_BETWEEN_LATIN.sub(" ", s)
    s = s.translate(_REMOVE)
    s = unicodedata.normalize("NFKC", s)
    s = _UNICODE_DIGIT.sub(_ascii_digit, s)
    s = " ".join(s.split())
    # A removed character or a new digit can let NFKC compose further; stop at the fixed point.
    again = unicodedata.normalize("NFKC", s.translate(_REMOVE))
    if again != s:
        return _normalize_str(again)
    return s or None


def normalize_text(value: Any) -> str | None:
    """Return the normal form of a cell's text, or None for an empty cell.

    Steps: invisible characters (:data:`INVISIBLE`, and control characters) removed; Unicode NFKC
    (full-width letters and digits become ASCII, non-breaking spaces U+00A0, U+202F and U+2007
    become plain spaces, ligatures are split); every Unicode decimal digit (Thai, Khmer, Lao,
    Myanmar, Arabic-Indic, ... anything with a :func:`unicodedata.decimal` value) becomes the
    ASCII digit; runs of whitespace (spaces, tabs, line breaks) become one space; leading and
    trailing spaces are removed. Text that is empty after this becomes None.

    Non-text values are turned into text first: None and NaN give None; a whole-number float gives
    ``"12"`` rather than ``"12.0"``; dates give ISO text (``"2023-04-05"``).

    The function is idempotent: ``normalize_text(normalize_text(x)) == normalize_text(x)``.

    Examples
    --------
    >>> normalize_text("  Phnom\u00a0Penh ")
    'Phnom Penh'
    >>> normalize_text("๘๕")
    '85'
    >>> normalize_text("\u200b") is None
    True
    """
    if _is_missing(value):
        return None
    if not isinstance(value, str):
        value = _to_text(value)
    return _normalize_str(value)


# the separators label matching ignores (the same set as tip_eval.vocab.label_key)
_HEADER_SEPARATORS = re.compile(r"[\s_\-./,;:()]+")


def normalize_header(text: Any) -> str:
    """Return the key used to match a column header or a label: case and separators ignored.

    :func:`normalize_text`, then :meth:`str.casefold`, then every run of spaces and the separators
    ``_ - . / , ; : ( )`` becomes one space, trimmed. An empty header gives ``""``.

    >>> normalize_header("Participant  ID")
    'participant id'
    >>> normalize_header("participant_id")
    'participant id'
    """
    s = normalize_text(text)
    if s is None:
        return ""
    while True:
        key = _HEADER_SEPARATORS.sub(" ", s.casefold()).strip()
        again = normalize_text(key) or ""
        if again == s:
            return key
        s = again
