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

__all__ = ["SourceConfig", "StudyConfig"]


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
