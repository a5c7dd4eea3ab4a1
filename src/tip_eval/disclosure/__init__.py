"""Disclosure control for everything tip_eval publishes.

The data are about practitioners in a sensitive field: a table that says "the 3 police officers
from province X gained 2 points", or "1 person in group Y reported that superiors prevent change",
can point at a person. Three parts:

- :class:`Plan` (:mod:`tip_eval.disclosure.plan`): one plan per publication (the brief and its
  workbook), computed once from every table, figure and sentence they show, with primary and
  secondary suppression solved across all of them by linear programming;
- :func:`audit` (:mod:`tip_eval.disclosure.auditor`): reads a written brief and workbook back, as a
  reader would, and reports every count, share or figure mark that lets a reader count fewer than
  ``min_cell`` people (``tip-eval audit DIR``);
- :func:`suppress` (:mod:`tip_eval.disclosure.cells`): suppression of one table on its own, for
  notebooks and figures drawn outside a publication; and the identifier checks
  (:func:`check_no_identifiers`, :func:`pseudonymise`).

Why ``min_cell = 5`` by default, and never below 3: see the README ("Small groups").
"""

from __future__ import annotations

from tip_eval.disclosure.auditor import AuditReport, audit
from tip_eval.disclosure.cells import MARK, detect_layout, footnote, grouping_columns, recoverable_cells, suppress
from tip_eval.disclosure.facts import Cell
from tip_eval.disclosure.identifiers import (IDENTIFIER_WORDS, check_no_identifiers, identifier_columns,
                                             pseudonymise)
from tip_eval.disclosure.lp import Expression, System, protected
from tip_eval.disclosure.plan import DEFAULT_MIN_CELL, Plan, check_min_cell, granularity

__all__ = [
    "DEFAULT_MIN_CELL", "MARK", "Plan", "Cell", "Expression", "System", "protected",
    "check_min_cell", "granularity", "suppress", "footnote", "detect_layout", "grouping_columns", "recoverable_cells", "check_no_identifiers",
    "identifier_columns", "pseudonymise", "IDENTIFIER_WORDS", "audit", "AuditReport",
]

