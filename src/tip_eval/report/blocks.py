"""The building blocks of the impact brief: sections, escaped HTML tables, numbers for display, figures.

Shared by :mod:`tip_eval.report.brief` and :mod:`tip_eval.report.sections`. Numbers are rounded
here, for display only; a table of the publication's disclosure plan shows the plan's mark for a
hidden value, with its legend (:func:`html_table`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tip_eval.i18n import N_, _, ngettext

#: the name of each grouping as a brief writes it (translated where it is shown: :func:`group_label`)
GROUP_LABELS = {
    "country": N_("country"),
    "province": N_("province"),
    "sector": N_("sector"),
    "training_id": N_("training"),
    "gender": N_("gender"),
    "organisation": N_("organisation"),
    "study": N_("study"),
    "year": N_("year"),
}


def group_label(column: str, capital: bool = False) -> str:
    """The name of a grouping column in the current language (``Country`` with ``capital``)."""
    text = _(GROUP_LABELS[column]) if column in GROUP_LABELS else column
    return text[:1].upper() + text[1:] if capital else text


def group_names(columns: Any) -> str:
    """The names of a crossing of groupings: "country and sector" in the current language."""
    names = [group_label(c) for c in columns]
    return (
        names[0] if len(names) == 1 else _("{first} and {second}").format(first=", ".join(names[:-1]), second=names[-1])
    )


@dataclass
class Block:
    """One piece of a brief section: a paragraph, a table, a figure or a list."""

    kind: str
    text: str = ""
    html: str = ""
    items: list = field(default_factory=list)


@dataclass
class Section:
    """A section of the brief: its id, title and blocks in reading order."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, kind: str, text: str = "", html: str = "", items: list | None = None) -> None:
        """Append a block (a table with nothing to show is left out; its caller says why)."""
        if kind == "table" and not html:
            return  # a table with nothing to show is left out (its caller says why)
        self.blocks.append(Block(kind, text=text, html=html, items=list(items or [])))


# --- formatting for display only ------------------------------------------------------------------


def _num(x: Any, digits: int = 1) -> str:
    from tip_eval.tables import format_number

    return format_number(x, digits)


def _p(x: Any) -> str:
    from tip_eval.tables import format_p

    return format_p(x)


def _pct(x: Any, digits: int = 0) -> str:
    """A percentage for display; the missing mark alone when blank or suppressed."""
    text = _num(x, digits)
    return text if text == _num(float("nan")) else f"{text}%"


def _ci(est: Any, low: Any, high: Any, digits: int = 1) -> str:
    from tip_eval.tables import format_ci

    return format_ci(est, low, high, digits)


class _Read(dict):
    """A table row that remembers which columns a cell's formatter read."""

    def __init__(self, row: dict) -> None:
        super().__init__(row)
        self.read: set = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def html_table(
    frame: pd.DataFrame, columns: dict[str, tuple[str, Callable[[pd.Series], str]]], caption: str = ""
) -> str:
    """Render rows as an escaped HTML table: ``columns`` maps header -> (css class, row formatter).

    For a table of the publication's disclosure plan (``frame.attrs["min_cell"]`` set), a cell
    left without a number shows the plan's mark (:data:`tip_eval.disclosure.MARK`) when a value it
    is made from is hidden, and ``n/a`` when it cannot be computed; a column hidden in every row is
    left out, and the legend of each is written under the table. A table without rows, or whose
    rows would show nothing but their labels, is the empty string (:meth:`Section.add` leaves it out).
    """
    from markupsafe import escape

    from tip_eval.disclosure import MARK, footnote
    from tip_eval.tables import MISSING, NOT_AVAILABLE

    min_cell = frame.attrs.get("min_cell")
    hidden: dict = {}
    for col, labels in (frame.attrs.get("suppressed_cells") or {}).items():
        for label in labels:
            hidden.setdefault(label, set()).add(col)
    cells: dict[str, list[str]] = {h: [] for h in columns}
    # plain dicts, read from the frame without its attrs: pandas copies a frame's attrs into each
    # row and each column taken out of it
    for label, row in zip(frame.index, pd.DataFrame(frame, copy=False).to_dict("records")):
        for h, (_css, fmt) in columns.items():
            seen = _Read(row)
            text = fmt(seen)
            if min_cell is not None and text == MISSING:
                text = MARK if seen.read & hidden.get(label, set()) else _(NOT_AVAILABLE)
            cells[h].append(text)
    gone = [
        h for i, (h, v) in enumerate(cells.items()) if i and min_cell is not None and v and all(t == MARK for t in v)
    ]
    shown = [h for h in columns if h not in gone]
    if not len(frame) or (min_cell is not None and len(shown) <= 1):
        return ""  # no row, or rows that would show nothing but their labels: no empty table
    head = "".join(f"<th class='{columns[h][0]}'>{escape(h)}</th>" for h in shown)
    body = [
        "<tr>" + "".join(f"<td class='{columns[h][0]}'>{escape(cells[h][r])}</td>" for h in shown) + "</tr>"
        for r in range(len(frame))
    ]
    cap = f"<caption class='note'>{escape(caption)}</caption>" if caption else ""
    notes = []
    if gone:
        notes.append(
            _("Not shown for any row: {columns} (fewer than {min_cell} people, or could reveal such a group).").format(
                columns=", ".join(gone), min_cell=min_cell
            )
        )
    if min_cell is not None and any(t == MARK for h in shown for t in cells[h]):
        notes.append(footnote(min_cell))
    if min_cell is not None and any(t == _(NOT_AVAILABLE) for h in shown for t in cells[h]):
        notes.append(_("{mark}: cannot be computed (too few answers or no variation).").format(mark=_(NOT_AVAILABLE)))
    foot = "".join(f"<p class='note'>{escape(n)}</p>" for n in notes)
    return f"<table class='result'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}"


def _label(column: str, value: Any) -> str:
    """Display label of a group value: country, sector and gender names instead of codes, and
    provinces in the script of the current language, where the vocabulary has them.
    """
    from tip_eval import vocab
    from tip_eval.i18n import current_language

    if value == "All":  # the overall row of a table by group
        return _("All")
    if column in ("country", "sector", "gender", "province") and isinstance(value, str):
        return vocab.label(column, value, current_language())
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return _("(missing)")  # a value that could not be read (see the problem list), as in the tables
    return str(value)


def _gains_columns(group: str | None, digits: int = 1) -> dict:
    cols: dict = {}
    if group:
        cols[group_label(group, capital=True)] = ("text", lambda r, g=group: _label(g, r[g]))
    cols.update(
        {
            "n": ("", lambda r: _num(r["n"], 0)),
            # the matched pairs' means: after - before is the gain a reader sees beside them
            _("Before (%)"): ("", lambda r: _num(r["pre_mean_matched"], digits)),
            _("After (%)"): ("", lambda r: _num(r["post_mean_matched"], digits)),
            _("Mean gain, points (95% CI)"): ("", lambda r: _ci(r["mean_gain"], r["ci_low"], r["ci_high"], digits)),
            "dz": ("", lambda r: _num(r["cohens_dz"], 2)),
            _("Improved"): ("", lambda r: _pct(r["pct_improved"])),
            _("p (Holm)"): ("", lambda r: _p(r["p_adjusted"])),
        }
    )
    return cols


def _hidden_note(hidden: int, what: str, min_cell: int) -> str:
    """The note under a table whose ``hidden`` rows are left out; ``what``: groups, trainings, ratings,
    sectors or studies.
    """
    n = int(hidden)
    if what == "trainings":
        text = ngettext(
            "{n} training with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, is not shown.",
            "{n} trainings with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, are not shown.",
            n,
        )
    elif what == "ratings":
        text = ngettext(
            "{n} competency rating with fewer than {min_cell} people, or hidden so that such a group "
            "cannot be worked out from the other tables, is not shown.",
            "{n} competency ratings with fewer than {min_cell} people, or hidden so that such a group "
            "cannot be worked out from the other tables, are not shown.",
            n,
        )
    elif what == "sectors":
        text = ngettext(
            "{n} sector with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, is not shown.",
            "{n} sectors with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, are not shown.",
            n,
        )
    elif what == "studies":
        text = ngettext(
            "{n} study with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, is not shown.",
            "{n} studies with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, are not shown.",
            n,
        )
    else:
        text = ngettext(
            "{n} group with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, is not shown.",
            "{n} groups with fewer than {min_cell} people, or hidden so that such a group cannot be "
            "worked out from the other tables, are not shown.",
            n,
        )
    return text.format(n=n, min_cell=min_cell)


def _figure(name: str, data: Any, **kwargs: Any) -> str | None:
    """HTML of a project figure (without plotly.js: the page inlines it once); None when there is no data."""
    if data is None or (isinstance(data, pd.DataFrame) and data.empty):
        return None
    import plotly.io as pio

    import tip_eval.plots as plots
    from tip_eval.plots._theme import template_spec

    # the figure's JSON as the builder wrote it: the test suite validates every builder through
    # plotly.graph_objects, so it is not validated again here (see tip_eval.plots._spec)
    spec = getattr(plots, name).spec(data, **kwargs)
    figure = spec.to_dict(template=template_spec())
    if not any(_has_values(trace) for trace in figure.get("data", [])):
        return None  # every value it would draw is hidden: no empty frame
    return pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        validate=False,
        config={"displaylogo": False, "responsive": True},
    )


def _has_values(trace: dict) -> bool:
    """Whether a figure trace draws any finite number (bars, points, heatmap cells)."""
    import math

    def finite(values: Any) -> bool:
        if hasattr(values, "tolist"):
            values = values.tolist()
        if isinstance(values, (list, tuple)):
            return any(finite(v) for v in values)
        return isinstance(values, (int, float)) and not isinstance(values, bool) and math.isfinite(values)

    return any(finite(trace.get(k)) for k in ("x", "y", "z", "values"))


def _add_figure(sec: Section, fig: str | None, what: str) -> None:
    """Add a figure, or one line saying why it is left out (suppression left it nothing to draw)."""
    if fig:
        sec.add("figure", html=fig)
    else:
        sec.add(
            "note",
            _(
                "The figure of {what} is left out: every value it would show describes, or would let a "
                "reader work out, fewer than the minimum number of people."
            ).format(what=what),
        )
