"""Plotly figures of tip_eval results, in one style.

Every builder takes a result frame first (or the Study, where noted) and returns a
``plotly.graph_objects.Figure``; none shows it. One vocabulary across them:

- ``data``: the result frame (``te.gains(...)``, ``te.followup_summary(...)``, ...);
- ``by``: the grouping column(s) that label groups (default: the result's own grouping columns);
- ``measure``: ``"knowledge"`` or ``"confidence"`` (axis titles and units);
- ``estimate``, ``ci_low``, ``ci_high``, ``n``: the columns drawn, defaulting to the analysis output's;
- ``title``;
- ``min_cell``: when given, the result is passed through :func:`tip_eval.disclosure.suppress`
  first and groups under ``min_cell`` people (or blanked to protect them) are not drawn; a note
  under the figure says how many were left out. Publishing code always passes it.

The figures use the template ``"tip_eval"`` (:mod:`tip_eval.plots._theme`): Okabe-Ito colours,
axis titles with units, hover text with n and intervals, and system fonts that render Khmer and
Thai. To embed one in HTML offline: ``fig.to_html(full_html=False, include_plotlyjs=False)`` for
each figure, plus plotly.js inlined once in the page (``plotly.offline.get_plotlyjs()``).

Each builder writes its figure as plain plotly JSON first (``builder.spec(...)`` returns it as a
:class:`~tip_eval.plots._spec.FigureSpec`); the builder itself returns it validated by plotly. The
impact brief embeds the JSON directly (see :mod:`tip_eval.plots._spec`).
"""

from __future__ import annotations

from tip_eval.plots._theme import FONT_FAMILY, PALETTE, TEMPLATE_NAME, register, template
from tip_eval.plots.attrition import attrition
from tip_eval.plots.followup import codes, cooccurrence, kirkpatrick
from tip_eval.plots.gains import calibration, forest, gain_distribution, pre_post
from tip_eval.plots.items import item_heatmap, likert
from tip_eval.plots.retention import retention

__all__ = [
    "pre_post",
    "forest",
    "gain_distribution",
    "item_heatmap",
    "likert",
    "codes",
    "cooccurrence",
    "kirkpatrick",
    "calibration",
    "attrition",
    "retention",
    "template",
    "register",
    "TEMPLATE_NAME",
    "PALETTE",
    "FONT_FAMILY",
]
