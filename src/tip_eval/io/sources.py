"""What ``study.toml`` says, as data: the study's settings and one :class:`SourceConfig` per file.

:func:`tip_eval.io.config.read_config` parses ``study.toml`` into these classes (and re-exports them);
they live here, below the layouts that take a :class:`SourceConfig`, so that the parser can check
layout names against :data:`tip_eval.io.registry.LAYOUTS` without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SOURCE_KEYS", "STUDY_KEYS", "SourceConfig", "StudyConfig"]

STUDY_KEYS = {"name", "min_cell", "thousands", "decimal", "dayfirst", "id_case", "hash_key_env", "hash_key_file",
              "name_match", "name_review", "currency", "rates"}
SOURCE_KEYS = {"file", "layout", "sheet", "sheets", "columns", "training_id", "training", "phase", "header_rows",
               "answers", "score_column", "max_score", "name_column", "documents", "coder", "form_language",
               "item_prefix", "confidence_prefix", "pre_prefix", "post_prefix", "pre_suffix", "post_suffix",
               "present", "cleared_for_publication", "roster", "codes", "document_column"}


@dataclass
class SourceConfig:
    """One source file and how to read it."""

    file: Path
    layout: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass
class StudyConfig:
    """The parsed ``study.toml``."""

    root: Path
    name: str
    min_cell: int
    sources: list[SourceConfig]
    settings: dict[str, Any] = field(default_factory=dict)
