"""Shared argument handling of the analysis functions: ``by`` groupings and Study-or-frame inputs; numbers in sentences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from tip_eval.study import Study

By = str | Sequence[str] | None


def as_by(by: By) -> list[str]:
    """Return ``by`` as a list of column names (``None`` -> ``[]``, one overall group)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    out = list(by)
    if not all(isinstance(b, str) for b in out):
        raise TypeError(f"by must be a column name or a list of column names; got {by!r}")
    return out


def is_study(data: object) -> bool:
    """True when ``data`` is a :class:`~tip_eval.Study` (checked without importing it eagerly)."""
    return hasattr(data, "participants") and hasattr(data, "trainings") and hasattr(data, "scores")


def person_attributes(study: Study) -> pd.DataFrame:
    """One row per participant with participant and training attributes (what ``by`` groups on)."""
    return study.attributes()


def check_by(by: list[str], available: Iterable[str], what: str = "participants or trainings") -> None:
    """Raise a ValueError naming the unknown grouping columns and the allowed ones."""
    available = list(available)
    unknown = [b for b in by if b not in available]
    if unknown:
        raise ValueError(
            f"by: unknown column(s) {unknown}; use column(s) of {what}: {', '.join(sorted(map(str, available)))}"
        )


def group_keys(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Return the group key columns (a constant ``"all"`` column named ``group`` when by is empty)."""
    if not by:
        return pd.DataFrame({"group": "all"}, index=frame.index)
    return frame[by]


def number_text(value: float, spec: str = ".1f") -> str:
    """``value`` written for a sentence in the current language: ``format(value, spec)`` with its decimal sign.

    The rounding is the same in every language; only the decimal sign is the language's (CLDR, through
    Babel), as in the tables (:func:`tip_eval.tables.format_number`): ``11.6`` in English, ``11,6`` in
    Indonesian (:func:`tip_eval.i18n.using`). No grouping separator is added.

    Examples
    --------
    >>> from tip_eval.i18n import using
    >>> with using("id"):
    ...     number_text(11.64), number_text(-0.5, "+.2f"), number_text(0.0123, ".3g")
    ('11,6', '-0,50', '0,0123')
    """
    from babel.numbers import get_decimal_symbol

    from tip_eval.i18n import current_language

    text = format(value, spec)
    lang = current_language()
    if lang == "en":
        return text
    return text.replace(".", get_decimal_symbol(lang))
