"""What ``study.toml`` says, as data: the study's settings and one :class:`SourceConfig` per file.

:func:`tip_eval.io.config.read_config` parses ``study.toml`` into these classes (and re-exports them);
they live here, below the layouts that take a :class:`SourceConfig`, so that the parser can check
layout names against :data:`tip_eval.io.registry.LAYOUTS` without an import cycle. The keys a
``study.toml`` may hold, and what each may hold, are the schema of :mod:`tip_eval.io.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SourceConfig", "StudyConfig", "DEFAULT_MIN_CELL", "MIN_CELL_FLOOR", "check_min_cell", "min_cell_problem"]


@dataclass
class SourceConfig:
    """One source file and how to read it.

    ``file`` is the study folder joined with ``name``, the path as study.toml gives it in normal
    form (``/`` separators, no ``.`` or ``..``); :func:`~tip_eval.io.config.read_config` has
    checked that it lies inside the study folder.
    """

    file: Path
    layout: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """The source's option ``key`` (from its ``[[sources]]`` table), or ``default``."""
        return self.options.get(key, default)


@dataclass
class StudyConfig:
    """The parsed ``study.toml``.

    ``limits`` is the :class:`tip_eval.io.limits.ReadLimits` of its ``[limits]`` section (None:
    the defaults); typed ``Any`` because this module sits below :mod:`tip_eval.io.limits`.
    """

    root: Path
    name: str
    min_cell: int
    sources: list[SourceConfig]
    settings: dict[str, Any] = field(default_factory=dict)
    limits: Any = None


#: default smallest number of people a published count may describe (see the README: why 5)
DEFAULT_MIN_CELL = 5
#: smallest ``min_cell`` accepted: groups of 1 or 2 people point at them
MIN_CELL_FLOOR = 3
#: largest ``min_cell`` accepted (a study of a few thousand people)
MIN_CELL_CEILING = 10_000


def min_cell_problem(value: Any) -> str | None:
    """What is wrong with ``value`` as ``min_cell``, in words (``"must be ...; got ..."``), or None.

    The one rule for ``min_cell``, wherever it is given (``study.toml``, ``--min-cell``,
    ``write_brief``, :class:`tip_eval.disclosure.Plan`, :func:`tip_eval.disclosure.suppress`): a
    whole number of people, at least 3 and at most 10,000. Booleans are refused (``true`` would otherwise be
    read as 1, which suppresses nothing); 5.0 is the whole number 5.
    """
    import numpy as np

    words = (
        f"must be a whole number of people, at least {MIN_CELL_FLOOR} and at most {MIN_CELL_CEILING:,} "
        f"({DEFAULT_MIN_CELL} is the default)"
    )
    if isinstance(value, (bool, np.bool_)):
        return f"{words}; got {value!r}"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    if not isinstance(value, (int, np.integer)):
        return f"{words}; got {value!r}"
    if value < MIN_CELL_FLOOR:
        return f"{words}; got {int(value)}: groups of 1 or 2 people point at the people in them"
    if value > MIN_CELL_CEILING:
        return f"{words}; got {int(value):,}"
    return None


def check_min_cell(value: Any, *, source: str = "min_cell") -> int:
    """Return ``value`` as an int when it is a valid ``min_cell`` (:func:`min_cell_problem`), else raise ValueError.

    ``source`` names where the value came from (``"[study] min_cell"``, ``"--min-cell"``) so that
    the message says what to fix. The rule lives here, below the settings parser, so that every
    layer applies the same one.
    """
    problem = min_cell_problem(value)
    if problem is not None:
        raise ValueError(f"{source} {problem}.")
    return int(value)
