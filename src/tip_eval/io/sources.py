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

__all__ = ["SourceConfig", "StudyConfig", "DEFAULT_MIN_CELL", "check_min_cell"]


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


def check_min_cell(value, *, source: str = "min_cell") -> int:
    """Return ``value`` as an int if it is a whole number of people of at least 3, else raise ValueError.

    The one rule for ``min_cell`` (study.toml, ``--min-cell``, ``write_brief``, the disclosure
    plan); here, below the settings parser, so that every layer can apply it.

    Booleans are refused (``True`` would otherwise be read as 1, which suppresses nothing).
    ``source`` names where the value came from (``"study.toml, [study] min_cell"``,
    ``"--min-cell"``) so the message says what to fix.
    """
    import numpy as np

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer() and not isinstance(value, bool):
            value = int(value)
        else:
            raise ValueError(f"{source}: the smallest group shown must be a whole number of people, at least 3 "
                             f"(5 is the default); got {value!r}. Write a number such as 5.")
    if int(value) < 3:
        raise ValueError(f"{source}: the smallest group shown must be at least 3 people (5 is the default); got "
                         f"{int(value)}. Groups of 1 or 2 people identify them; use 3 or more.")
    return int(value)
