"""Disclosure control for everything tip_eval publishes.

The data are about practitioners in a sensitive field: a table that says "the 3 police officers
from province X gained 2 points", or "1 person in group Y reported that superiors prevent change",
can point at a person.

The rule
--------
Nothing published (a count, a share, a statistic, a sentence, a figure mark) may let a reader count
1 to ``min_cell - 1`` people, directly or as a complement (the people *not* in a shown share, the
people tested before but not after), from everything published together:

- *primary*: a count of 1 to ``min_cell - 1`` people is hidden, and so is a share whose count or
  complement is that small; zero is shown (it describes nobody);
- *secondary*: every hidden count, and every difference of counts a reader can form, is bounded by
  linear programming over every published table at once (as sdcTable and tau-argus); while one can
  be narrowed to a range of fewer than ``min_cell`` values that holds 1 to ``min_cell - 1``, one
  more shown count is hidden (the one whose loss costs readers least);
- a statistic goes with the people it describes: a group size hidden takes its row's statistics
  with it; a mean or share over people whose number is hidden is rounded so that it cannot give the
  number back, or left out (see :data:`tip_eval.disclosure.facts.OVER`).

``min_cell`` is a whole number of at least 3 (:func:`check_min_cell`; why 5 by default: README,
"Small groups"). A hidden value shows :data:`MARK` ("\u2013") in the brief and the workbook alike,
with the legend :func:`footnote` under every table that uses it.

The parts
---------
- :class:`Plan` (:mod:`~tip_eval.disclosure.plan`): one plan per publication (the brief and its
  workbook, :class:`tip_eval.report.publication.Publication`), computed once from every table they
  show and applied to all of them;
- :func:`suppress` (:mod:`~tip_eval.disclosure.cells`): the same plan on one table shown on its
  own (notebooks, figures drawn outside a publication), the totals of its coarser groupings taken as
  known to the reader;
- :func:`audit` (:mod:`~tip_eval.disclosure.auditor`, ``tip-eval audit DIR``): reads a written
  brief and workbook back, as a reader would, and reports anything that lets a reader count fewer
  than ``min_cell`` people;
- :func:`check_no_identifiers` and :func:`pseudonymise` (:mod:`~tip_eval.disclosure.identifiers`).

Adding a published table
------------------------
Every table the brief or workbook shows must pass through the publication's plan, before
:meth:`Plan.solve`, and be read back from it::

    # in Publication._build (tip_eval/report/publication.py)
    self._add("retention", res("retention"))                    # a tip_eval result
    self._add("retention/training_id", table, sizes="n",
              counts={"n_retained": ["pct_retained"]})          # any other table, described
    ...
    shown = publication.table("retention")                      # blanked as the plan decided

A result of a tip_eval analysis is recognised by its columns
(:data:`tip_eval.disclosure.facts.SIGNATURES`): to add a new kind of result, give it a signature and
a row function in :data:`~tip_eval.disclosure.facts.LAYOUT_MAP` that maps its count columns to
measures shared with the other tables (``knowledge.matched`` is the ``n`` of every gains table), so
that a difference across tables is caught. Any other table is described by ``sizes`` (the columns
counting each row's people, the group size first), ``counts`` (people with a characteristic among
them, with the columns computed from each, a percentage of the group among them) and ``shares``
(a percentage column -> its size column, for a percentage shown without its count); its counts then
form measures of their own. A table the plan does not know is refused, never
published unchecked; then write it through :func:`tip_eval.io.write.write_sheet` with
``marks=table.attrs["suppressed_cells"]`` and ``mark_text=MARK``, and run ``tip-eval audit``.
"""

from __future__ import annotations

from tip_eval.disclosure.auditor import AuditReport, audit
from tip_eval.disclosure.cells import (
    MARK,
    detect_layout,
    footnote,
    grouping_columns,
    recoverable_cells,
    suppress,
)
from tip_eval.disclosure.facts import Cell
from tip_eval.disclosure.identifiers import (
    IDENTIFIER_WORDS,
    check_no_identifiers,
    identifier_columns,
    pseudonymise,
)
from tip_eval.disclosure.lp import Expression, System, protected
from tip_eval.disclosure.plan import DEFAULT_MIN_CELL, Plan, check_min_cell, granularity

__all__ = [
    "DEFAULT_MIN_CELL",
    "IDENTIFIER_WORDS",
    "MARK",
    "AuditReport",
    "Cell",
    "Expression",
    "Plan",
    "System",
    "audit",
    "check_min_cell",
    "check_no_identifiers",
    "detect_layout",
    "footnote",
    "granularity",
    "grouping_columns",
    "identifier_columns",
    "protected",
    "pseudonymise",
    "recoverable_cells",
    "suppress",
]
