"""``study.toml``: which files make up a study and how each one is laid out.

Example::

    [study]
    name = "Regional curriculum roll-out 2022-2023"
    min_cell = 5                 # smallest group any published output shows
    thousands = ","              # thousands separator in typed numbers ("" for none)
    decimal = "."
    currency = "USD"             # reporting currency of costs (optional)
    rates = { KHR = 0.000245, THB = 0.028 }   # USD for one unit of each; given, never looked up

    [[sources]]
    file = "item_bank.xlsx"
    layout = "item_bank"

    [[sources]]
    file = "trainings/KHM-PNH-2023.xlsx"
    layout = "template"

    [[sources]]
    file = "followup.xlsx"
    layout = "followup"

Each source may also give ``sheet`` (or ``sheets``), ``columns`` (a partner's header -> canonical
column) and layout-specific settings; unknown keys are an error, so a typo never passes silently.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Mapping

from tip_eval.errors import InputRefused
from tip_eval.io.cost_settings import check_cost_settings
from tip_eval.io.sources import SOURCE_KEYS, STUDY_KEYS, SourceConfig, StudyConfig  # defined below the layouts

__all__ = ["SOURCE_KEYS", "STUDY_KEYS", "SourceConfig", "StudyConfig", "read_config"]


def read_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> StudyConfig:
    """Parse a study folder, a ``study.toml`` or a single template workbook into a :class:`StudyConfig`.

    Raises
    ------
    tip_eval.InputRefused
        The path does not exist, the TOML cannot be parsed, or a key is unknown.
    """
    from tip_eval.io.registry import LAYOUTS

    p = Path(path)
    if not p.exists():
        raise InputRefused(str(path), "does not exist.", "Check the path: give a study folder with a study.toml, a study.toml, or one workbook.")
    if p.is_dir():
        toml = p / "study.toml"
        if not toml.exists():
            raise InputRefused(str(path), "is a folder without a study.toml.",
                               "Add a study.toml listing the files (see sample_data/study.toml), or give one workbook.")
        p = toml
    if p.suffix.lower() != ".toml":
        # one workbook in the template layout
        # one workbook in the template layout; its Items (and Competencies) sheets are the item bank
        return StudyConfig(root=p.parent, name=p.stem, min_cell=int((overrides or {}).get("min_cell", 5)),
                           sources=[SourceConfig(file=p, layout="item_bank", name=p.name),
                                    SourceConfig(file=p, layout="template", name=p.name)],
                           settings=dict(overrides or {}))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise InputRefused(str(p), f"is not valid TOML ({err}).", "Fix the line it names; compare with sample_data/study.toml.") from None
    study = dict(data.get("study", {}))
    study.update(overrides or {})
    unknown = set(study) - STUDY_KEYS
    if unknown:
        raise InputRefused(str(p), f"has unknown key(s) in [study]: {', '.join(sorted(unknown))}.",
                           f"Allowed keys: {', '.join(sorted(STUDY_KEYS))}.")
    check_cost_settings(study, str(p))
    extra_top = set(data) - {"study", "sources"}
    if extra_top:
        raise InputRefused(str(p), f"has unknown section(s): {', '.join(sorted(extra_top))}.", "Use [study] and [[sources]].")
    sources = []
    for i, src in enumerate(data.get("sources", []), start=1):
        if "file" not in src or "layout" not in src:
            raise InputRefused(str(p), f"source number {i} needs both 'file' and 'layout'.", "Add the missing key.")
        unknown = set(src) - SOURCE_KEYS
        if unknown:
            raise InputRefused(str(p), f"source {src['file']!r} has unknown key(s): {', '.join(sorted(unknown))}.",
                               f"Allowed keys: {', '.join(sorted(SOURCE_KEYS))}.")
        if src["layout"] not in LAYOUTS:
            raise InputRefused(str(p), f"source {src['file']!r} has unknown layout {src['layout']!r}.",
                               f"Use one of: {', '.join(sorted(LAYOUTS))}.")
        opts = {k: v for k, v in src.items() if k not in ("file", "layout")}
        sources.append(SourceConfig(file=p.parent / src["file"], layout=src["layout"], name=str(src["file"]), options=opts))
    if not sources:
        raise InputRefused(str(p), "lists no [[sources]].", "Add one [[sources]] block per file.")
    min_cell = study.get("min_cell", 5)
    if not isinstance(min_cell, int) or min_cell < 1:
        raise InputRefused(str(p), f"min_cell must be a whole number of at least 1; got {min_cell!r}.", "Set min_cell = 5 (the default).")
    return StudyConfig(root=p.parent, name=str(study.get("name", p.parent.name)), min_cell=min_cell,
                       sources=sources, settings=study)
