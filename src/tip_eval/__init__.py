"""tip_eval: evaluate counter-trafficking practitioner trainings.

Pre/post knowledge tests, confidence self-ratings and follow-up interview codes become validated
canonical tables (:class:`Study`), honest statistics, plotly figures, summary tables, an Excel
workbook and a self-contained impact brief.

The public API is listed in ``_EXPORTS`` below. Names are imported on first use so that
``import tip_eval`` stays light: it never imports statsmodels, plotly or scipy.stats.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (explicit re-exports, loaded lazily)
_EXPORTS: dict[str, str] = {
    # data model and loading
    "Study": "tip_eval.study",
    "load_study": "tip_eval.study",
    "load_studies": "tip_eval.programme",
    "validate": "tip_eval.study",
    "ValidationError": "tip_eval.errors",
    "InputRefused": "tip_eval.errors",
    "ValidationReport": "tip_eval.validation",
    # analysis (tidy result frames)
    "gains": "tip_eval.analysis.gains",
    "reliability": "tip_eval.analysis.gains",
    "confidence_gains": "tip_eval.analysis.confidence",
    "knowledge_vs_confidence": "tip_eval.analysis.confidence",
    "attrition": "tip_eval.analysis.attrition",
    "retention": "tip_eval.analysis.retention",
    "item_analysis": "tip_eval.analysis.items",
    "module_summary": "tip_eval.analysis.items",
    "compare_trainings": "tip_eval.analysis.compare",
    "TrainingComparison": "tip_eval.analysis.compare",
    "compare_studies": "tip_eval.analysis.studies",
    "StudyComparison": "tip_eval.analysis.studies",
    "followup_summary": "tip_eval.analysis.followup",
    "code_cooccurrence": "tip_eval.analysis.followup",
    "coder_agreement": "tip_eval.analysis.followup",
    "followup_vs_gains": "tip_eval.analysis.followup",
    "plan_next": "tip_eval.analysis.planning",
    "TrainingPlan": "tip_eval.analysis.planning",
    "cost_effectiveness": "tip_eval.analysis.cost",
    # presenting and publishing
    "show": "tip_eval.tables",
    "write_brief": "tip_eval.report.brief",
    "write_workbook": "tip_eval.report.workbook",
}

# public submodules, imported on first attribute access
_SUBMODULES = {
    "plots",
    "tables",
    "disclosure",
    "schemas",
    "vocab",
    "datasets",
    "stats",
    "io",
    "i18n",
}

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "__version__"])  # noqa: PLE0605 - built from the explicit lists above


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"tip_eval.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tip_eval' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
