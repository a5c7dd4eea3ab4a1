"""Direct identifiers: refuse columns that look like names or contacts; keyed pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pandas as pd

__all__ = ["IDENTIFIER_WORDS", "check_no_identifiers", "identifier_columns", "pseudonymise"]


#: column-name words that signal a direct identifier (English, Indonesian, Thai, Khmer)
IDENTIFIER_WORDS: frozenset[str] = frozenset(
    {
        "name",
        "names",
        "fullname",
        "firstname",
        "lastname",
        "surname",
        "givenname",
        "familyname",
        "forename",
        "middlename",
        "nickname",
        "email",
        "mail",
        "phone",
        "telephone",
        "tel",
        "mobile",
        "whatsapp",
        "line",
        "address",
        "passport",
        "nik",
        "ktp",
        "dob",
        "birthdate",
        "birthday",
        "signature",
        "nama",
        "alamat",
        "telepon",
        "hp",
    }
)
_IDENTIFIER_SCRIPTS = ("ชื่อ", "นามสกุล", "โทรศัพท์", "อีเมล", "ឈ្មោះ", "ទូរស័ព្ទ", "អ៊ីមែល", "នាមត្រកូល")
_PAIRS = {
    ("first", "name"),
    ("last", "name"),
    ("full", "name"),
    ("given", "name"),
    ("family", "name"),
    ("date", "birth"),
    ("national", "id"),
    ("id", "card"),
    ("phone", "number"),
    ("e", "mail"),
}
_ALLOWED = frozenset({"label", "label_a", "label_b", "filename", "file", "sheet", "username_hash"})


def identifier_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of ``frame`` whose names look like direct identifiers (names, e-mail, phone, address)."""
    found = []
    for col in frame.columns:
        text = unicodedata.normalize("NFKC", str(col)).strip().lower()
        if text in _ALLOWED:
            continue
        if any(w in text for w in _IDENTIFIER_SCRIPTS):
            found.append(str(col))
            continue
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(col)).lower()
        words = [w for w in re.split(r"[^0-9a-z]+", spaced) if w]
        joined = "".join(words)
        if (
            (set(words) & IDENTIFIER_WORDS)
            or joined in IDENTIFIER_WORDS
            or any((a, b) in _PAIRS for a, b in pairwise(words))
        ):
            found.append(str(col))
    return found


def check_no_identifiers(frame: pd.DataFrame, what: str = "table") -> pd.DataFrame:
    """Return ``frame`` unchanged, or raise ValueError naming any column that looks like a direct identifier.

    Published tables carry pseudonymous IDs only. Column names are checked in English,
    Indonesian, Thai and Khmer ("name", "first_name", "email", "phone", "nama", "ชื่อ", "ឈ្មោះ", ...).
    """
    bad = identifier_columns(frame)
    if bad:
        raise ValueError(
            f"{what}: column(s) {bad} look like names or contact details, which must never be "
            "published; drop them, or replace them with pseudonymous IDs (tip_eval.disclosure.pseudonymise)"
        )
    return frame


def pseudonymise(
    values: pd.Series | Iterable[object], key: bytes | str, *, prefix: str = "P-", length: int = 12
) -> pd.Series:
    """Replace identifying values by a keyed hash: ``prefix`` + the first ``length`` hex digits of HMAC-SHA256.

    The same value and key always give the same pseudonym (so pre and post link); without the key
    the pseudonym cannot be reversed or recomputed by guessing names. The key must be at least 32
    bytes, as for linking by name (:mod:`tip_eval.io.linking`). Keep the key outside the
    data folder and out of every output. Values are normalised (Unicode NFKC, case, inner spaces)
    before hashing, so ``"Sok  Dara"`` and ``"sok dara"`` link. Missing values stay missing (None).
    """
    from tip_eval.io.linking import MIN_KEY_BYTES

    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_BYTES:
        got = f"{len(key)} bytes" if isinstance(key, (bytes, bytearray)) else type(key).__name__
        raise ValueError(
            f"key must be a secret of at least {MIN_KEY_BYTES} bytes, as for linking names (kept "
            f'outside the data and the outputs; make one with: python -c "import secrets; '
            f'print(secrets.token_hex(32))"); got {got}'
        )
    if not 6 <= int(length) <= 64:
        raise ValueError(f"length must be between 6 and 64 hex digits; got {length!r}")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        text = " ".join(unicodedata.normalize("NFKC", str(v)).casefold().split())
        return prefix + hmac.new(bytes(key), text.encode("utf-8"), hashlib.sha256).hexdigest()[: int(length)]

    return pd.Series([one(v) for v in series], index=series.index, dtype=object, name=series.name)
