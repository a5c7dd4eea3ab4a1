"""Which column of a partner's sheet holds what: the roles of the columns of a person sheet.

Split from :mod:`tip_eval.io.layouts_partner` (the partner layouts themselves): the column vocabulary
(training columns, roster attributes, Kobo metadata and group names) and the classifier that gives each
header its role (an attribute, a test's item or total, a confidence rating, an ignored column).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tip_eval.io.columns import header_index
from tip_eval.io.layouts import SHEET_NAMES, _extra_columns
from tip_eval.io.phases import (
    _DATE_WORDS,
    SEPARATORS as _SEP,
    followup_word,
    phase_of,
    split_phase,
)
from tip_eval.io.sources import SourceConfig
from tip_eval.vocab import label_key

TRAINING_COLUMNS = [
    "training_id",
    "country",
    "province",
    "venue",
    "organiser",
    "start_date",
    "end_date",
    "language",
    "curriculum_version",
    "delayed_test_months",
]
ROSTER = ["sector", "organisation", "role", "gender", "years_experience"]
PERSON_ATTRS = ("participant_id", "training_id", "phase", *ROSTER, "score", "max_score", "name", "test_date")
LONG_ATTRS = PERSON_ATTRS + ("item_id", "answer", "competency_id", "rating")

_KOBO_META = frozenset(
    label_key(x)
    for x in (
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "simserial",
        "subscriberid",
        "phonenumber",
        "audit",
        "instanceID",
        "instanceName",
        "formhub uuid",
        "meta instanceID",
        "meta rootUuid",
        "meta deprecatedID",
    )
)
_CONFIDENCE_GROUPS = frozenset(
    label_key(x)
    for x in (
        *SHEET_NAMES["confidence"],
        "confidence",
        "confidence rating",
        "self rating",
        "self assessment",
        "How confident are you that you can...",
        "តើអ្នកមានទំនុកចិត្តប៉ុណ្ណាថាអ្នកអាច...",
        "คุณมั่นใจเพียงใดว่าคุณสามารถ...",
        "Seberapa yakin Anda bahwa Anda dapat...",
        "Kepercayaan diri",
    )
)
_TEST_GROUPS = frozenset(
    label_key(x)
    for x in (
        "test",
        "knowledge test",
        "knowledge",
        "items",
        "questions",
        "quiz",
        "Tes pengetahuan",
        "Tes",
        "Soal",
        "แบบทดสอบความรู้",
        "แบบทดสอบ",
        "ข้อสอบ",
        "តេស្តចំណេះដឹង",
        "តេស្ត",
        "សំណួរ",
    )
)
_ANY_ID = re.compile(r"^\s*([A-Za-z]{0,6}\s?\d+(?:\.\d+)*[A-Za-z]?)(?![A-Za-z0-9])")


# ------------------------------------------------------------------------------------ headers


@dataclass
class Role:
    """What one column of a partner's sheet holds."""

    header: str
    kind: str  # attr, total, date, name, name_auto, item, competency, meta, ignore
    target: str | None = None
    phase: str | None = None


def _id_regex(prefix: Any) -> re.Pattern[str]:
    """An item or competency ID at the start of a header: the prefix, digits (1, 01, 1.2), one optional
    letter (Q1a); what follows is either nothing, a phase (``Q01_post``) or the question's text.
    """
    return re.compile(rf"^\s*({re.escape(str(prefix))}\s?\d+(?:\.\d+)*[A-Za-z]?)(?![A-Za-z0-9])", re.IGNORECASE)


def name_headers(source: SourceConfig) -> list[str]:
    """The name column(s) declared with ``name_column`` (a header or a list of headers)."""
    nc = source.get("name_column")
    if nc is None:
        return []
    return [str(x) for x in (nc if isinstance(nc, (list, tuple)) else [nc])]


class _Classifier:
    def __init__(
        self,
        source: SourceConfig,
        allowed: tuple[str, ...],
        kobo: bool,
        bank: dict | None = None,
        own: Mapping[str, str] | None = None,
    ) -> None:
        extra, self.bank = _extra_columns(source), bank or {}
        if source.get("score_column"):
            extra.setdefault(str(source.get("score_column")), "score")
        # one canonical column per header: the first candidate this layout allows
        self.index = {
            key: next((c for c in cands if c in allowed), cands[0]) for key, cands in header_index(extra).items()
        }
        if "name" in allowed:  # "Name", "Nama", "ชื่อ" are also a codebook's label: here they are names
            from tip_eval.io.columns import HEADERS

            for h in HEADERS["name"]:
                if label_key(h) not in {label_key(k) for k in extra}:
                    self.index[label_key(h)] = "name"
        self.allowed = set(allowed)
        self.kobo = kobo
        self.names = {label_key(h) for h in name_headers(source)}
        self.own = dict(own or {})
        self.explicit = {p: (source.get(f"{p}_prefix"), source.get(f"{p}_suffix")) for p in ("pre", "post", "delayed")}
        self.has_explicit = any(a or b for a, b in self.explicit.values())
        self.item_re = _id_regex(source.get("item_prefix", "Q"))
        self.comp_re = _id_regex(source.get("confidence_prefix", "C"))

    def split(self, text: str) -> tuple[str | None, str]:
        if not self.has_explicit:
            return split_phase(text, self.own)
        t = text.casefold()
        for p, (pre, suf) in self.explicit.items():
            if pre and t.startswith(str(pre).casefold()):
                return p, text[len(str(pre)) :].strip(" _-./")
            if suf and t.endswith(str(suf).casefold()):
                return p, text[: len(text) - len(str(suf))].strip(" _-./")
        return None, text

    def meta(self, header: str, segs: list[str]) -> bool:
        if header.startswith("_"):
            return True
        return label_key(header) in _KOBO_META or (len(segs) > 1 and label_key(segs[0]) in ("meta", "formhub"))

    def recognise(self, var: str, hint: str | None) -> tuple[str, str, str | None] | None:
        """(kind, target, phase written after an ID) of a header part, or None."""
        col = self.index.get(label_key(var))
        if col == "test_date" and "test_date" in self.allowed:
            return "date", col, None
        if col in self.allowed and col != "phase":
            kind = "total" if col in ("score", "max_score") else ("name_auto" if col == "name" else "attr")
            return kind, col, None
        hit = self.bank.get(label_key(var))  # a question or competency of the item bank, by ID, form name or words
        if hit and hint in (None, hit[0]):
            return hit[0], hit[1], None
        for kind, regex in (("item", self.item_re), ("competency", self.comp_re)):
            if hint != ("competency" if kind == "item" else "item"):
                m = regex.match(var)
                if m and not (followup_word(var[m.end() :]) and self.trailing_phase(var[m.end() :]) is None):
                    return kind, m.group(1), self.trailing_phase(var[m.end() :])  # (Q01_followup: not read)
        if hint == "item":
            m = _ANY_ID.match(var)
            return ("item", m.group(1), self.trailing_phase(var[m.end() :])) if m else ("item", var.strip(), None)
        if hint == "competency":
            return "competency", var.strip(), None
        return None

    def trailing_phase(self, rest: str) -> str | None:
        """The phase when what follows an ID is only a phase (``_post``, `` (Pre-test)``)."""
        if self.has_explicit:
            return self.split("x" + rest)[0] if rest else None
        tokens = [t for t in _SEP.split(rest) if t]
        return phase_of(" ".join(tokens), self.own) if tokens else None

    def role(self, h: str) -> Role:
        key = label_key(h)
        segs = [s.strip() for s in h.split("/")] if "/" in h else [h]
        segs = [s for s in segs if s] or [h]
        if key in self.names:
            return Role(h, "name")
        if self.kobo and key == "today" and "test_date" in self.allowed:
            return Role(h, "date", "test_date")  # the day the form was filled in: the test's date
        if self.kobo and self.meta(h, segs):
            return Role(h, "meta")
        col = self.index.get(key)
        if col in self.allowed:
            kind = (
                "total"
                if col in ("score", "max_score")
                else "name_auto"
                if col == "name"
                else "date"
                if col == "test_date"
                else "attr"
            )
            return Role(h, kind, col)
        for k in range(len(segs)):
            groups, var = segs[:k], "/".join(segs[k:])
            gphase, hint, clash = None, None, False
            for g in groups:
                p, rest = self.split(g)
                if p:
                    clash = clash or (gphase is not None and gphase != p)
                    gphase = p
                rk = label_key(rest)
                if rk in _CONFIDENCE_GROUPS:
                    hint = "competency"
                elif rk in _TEST_GROUPS:
                    hint = "item"
            if clash:
                continue
            if gphase and label_key(var) in _DATE_WORDS and "test_date" in self.allowed:
                return Role(h, "date", "test_date", gphase)  # "Post-test / Date" under two header rows
            got = self.recognise(var, hint)
            if got and not (got[0] == "attr" and gphase):
                phase = got[2] or gphase
                if got[2] and gphase and got[2] != gphase:
                    continue
                return Role(h, got[0], got[1], phase)
            p, rest = self.split(var)
            if (
                p
                and rest
                and (gphase is None or gphase == p)
                and label_key(rest) in _DATE_WORDS
                and "test_date" in self.allowed
            ):
                return Role(h, "date", "test_date", p)  # "Post-test date", "Date (delayed)"
            if p and rest and (gphase is None or gphase == p):
                got = self.recognise(rest, hint)
                if got and got[0] in ("item", "competency", "total", "date"):
                    return Role(h, got[0], got[1], p)
        return Role(h, "ignore")


def classify(
    headers: list[str],
    source: SourceConfig,
    allowed: tuple[str, ...] = PERSON_ATTRS,
    kobo: bool = False,
    bank: dict | None = None,
    own: Mapping[str, str] | None = None,
) -> list[Role]:
    """Decide what every column holds (see the module docstring); the first of two columns for the
    same attribute wins, the other is ignored. ``bank``: the item bank's names (``LayoutContext.bank``).
    ``own``: the study's own phase labels (matching key -> phase, from study.toml ``phases``).
    """
    c = _Classifier(source, allowed, kobo, bank, own)
    roles = [c.role(h) for h in headers]
    seen: set[tuple] = set()
    for r in roles:
        if r.kind in ("attr", "total", "name_auto", "item", "competency", "date"):
            k = (r.kind, r.target, r.phase)
            if k in seen:
                r.kind = "duplicate"
            seen.add(k)
    return roles
