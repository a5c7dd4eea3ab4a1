"""Figures laid out for print: text measured, titles and legends placed where nothing can cover them.

A brief printed on A4 paper gives every figure about :data:`PRINT_WIDTH` pixels. Plotly places
a figure's title in the middle of the top margin and a horizontal legend just above the plot; when
the legend needs two rows, or the title two lines, they overlap, and annotations placed under the
plot (notes) meet rotated axis labels. This module does two jobs with one measure of text:

- :func:`arrange` (applied by every figure builder through ``finish``) stacks the title, wrapped to
  the print width, then the legend, in rows that fit it, at the top of the figure, in pixels of the
  figure itself (plotly's ``container`` coordinates), and the notes under the x axis; it sets the
  margins to hold them and the height so that the plot keeps the size its builder chose.
- :func:`boxes` computes, from the figure's JSON alone, a conservative box for every piece of text
  plotly draws outside the data (title, legend, annotations, axis titles, tick labels, bar labels,
  colour bar) at a given width, following plotly's own rules (axes push the margins to fit their tick
  labels and titles, nothing else moves); :func:`overlaps` lists the pairs of boxes that intersect
  and the boxes that leave the figure. The tests check every figure of a brief with it.

Text widths are estimated per character from the widths of Noto Sans (the first font of the
figures' font stack): lowercase letters 0.55 em, capitals and digits 0.72 and 0.6 em, narrow
letters and spaces 0.32 em, any other script 0.85 em, which comes within 5% of the widths a browser
draws (measured with Chromium's canvas for the labels of the sample brief), then 12% is added
(:data:`SAFETY`); lines are 1.3 em apart, and a line in a script whose marks stack above and below
its letters (Khmer, Myanmar, Lao, Thai) takes the ascent plus descent of that script's Noto Sans font
(Khmer 1.85 em); a title anchored at its top is moved down by how far its first line reaches above
the anchor (:func:`title_rise`) when that would take its glyphs within 2 px of the figure's edge.
The estimates are larger than the text drawn, so boxes that do not intersect here do not intersect
on paper.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PRINT_WIDTH",
    "Box",
    "text_width",
    "text_height",
    "line_height",
    "title_rise",
    "wrap",
    "arrange",
    "boxes",
    "overlaps",
]

#: pixels a figure has on an A4 page in portrait (210 mm less 2 x 14 mm margins at 96 dpi: 688 px)
PRINT_WIDTH = 700
#: font sizes of the tip_eval template (plotly.layout.font, title, axis titles)
FONT, TITLE_FONT, AXIS_TITLE_FONT, NOTE_FONT = 13, 18, 14, 11
LINE = 1.3
#: the template's margins (tip_eval.plots._theme)
MARGIN = {"l": 10, "r": 30, "t": 70, "b": 60}
#: space between stacked pieces of text, and from the figure's edge
GAP, EDGE = 8, 10
#: a legend entry: its symbol and the gaps around its text; the height of a legend row
LEGEND_SYMBOL, LEGEND_ROW = 46, 24

_NARROW = set("iljtfrI.,;:'!|() []-")
_TAG = re.compile(r"<(?!br\s*/?>)[^>]*>", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _lines(text: Any) -> list[str]:
    """The lines plotly draws for ``text``: split at <br>, other tags and entities removed."""
    if text is None:
        return []
    s = _TAG.sub("", str(text))
    return [html.unescape(line) for line in _BR.split(s)]


def _char_em(ch: str) -> float:
    if ch in _NARROW or ch.isspace():
        return 0.32
    if ch.isdigit():
        return 0.6
    if "A" <= ch <= "Z" or ch in "mwMW%&@":
        return 0.72 if ch not in "mwMW" else 0.95
    if ch.isascii():
        return 0.55
    return 0.85


#: the estimates per character come within 5% of Noto Sans as drawn by a browser: a margin on top
SAFETY = 1.12


def text_width(text: Any, size: float = FONT) -> float:
    """Width in pixels of the widest line of ``text`` at ``size`` px (an upper estimate)."""
    lines = _lines(text)
    return max((SAFETY * sum(_char_em(c) for c in line) * size for line in lines), default=0.0)


#: scripts whose marks stack above and below the letters (Noto Sans's ascent and descent, in em):
#: Khmer, Myanmar, Lao, Thai; any other text is taken as Latin (accented capitals 0.93 em high)
_SCRIPTS = (
    (0x1780, 0x17FF, 1.16, 0.69),  # Khmer (Noto Sans Khmer: yMax 1.155, yMin -0.691)
    (0x19E0, 0x19FF, 1.16, 0.69),  # Khmer symbols
    (0x1000, 0x109F, 1.25, 0.69),  # Myanmar (Noto Sans Myanmar: yMax 1.252)
    (0x0E80, 0x0EFF, 1.11, 0.44),  # Lao (Noto Sans Lao: yMax 1.107, yMin -0.438)
    (0x0E00, 0x0E7F, 1.01, 0.43),  # Thai (Noto Sans Thai: yMax 1.009, yMin -0.433)
)
_LATIN_ASCENT, _LATIN_DESCENT = 0.93, 0.39
#: plotly draws a one-line title anchored at its top with its baseline 0.7 em below the anchor
#: (CAP_SHIFT), a title of several lines with its first baseline on the anchor (measured in Chromium)
CAP_SHIFT = 0.7


def _extent(line: str) -> tuple[float, float]:
    """Ascent and descent (em) of the tallest script in ``line``."""
    asc, desc = _LATIN_ASCENT, _LATIN_DESCENT
    for ch in line:
        o = ord(ch)
        if o < 0x0E00 or o > 0x19FF:
            continue
        for lo, hi, a, d in _SCRIPTS:
            if lo <= o <= hi:
                asc, desc = max(asc, a), max(desc, d)
    return asc, desc


def line_height(line: str) -> float:
    """Height of a line in em: :data:`LINE`, or the ascent plus descent of a taller script in it."""
    asc, desc = _extent(line)
    if (asc, desc) == (_LATIN_ASCENT, _LATIN_DESCENT):
        return LINE
    return max(LINE, asc + desc)


def text_height(text: Any, size: float = FONT) -> float:
    """Height in pixels of ``text``'s lines at ``size`` px (taller lines for Khmer, Thai, Lao, Myanmar)."""
    return sum(line_height(line) for line in _lines(text)) * size


def title_rise(text: Any, size: float = TITLE_FONT) -> float:
    """How far (px) the glyphs of a title anchored at its top reach above the anchor (see :data:`CAP_SHIFT`)."""
    lines = _lines(text)
    if not lines:
        return 0.0
    baseline = 0.0 if len(lines) > 1 else CAP_SHIFT
    return max(0.0, _extent(lines[0])[0] - baseline) * size


def wrap(text: str, size: float, width: float) -> str:
    """``text`` with ``<br>`` between words so that no line is wider than ``width`` pixels."""
    out = []
    for line in _BR.split(text):
        words, current = line.split(" "), ""
        for word in words:
            trial = f"{current} {word}" if current else word
            if current and text_width(trial, size) > width:
                out.append(current)
                current = word
            else:
                current = trial
        out.append(current)
    return "<br>".join(out)


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the figure (x to the right, y down from the top edge)."""

    name: str
    x0: float
    y0: float
    x1: float
    y1: float
    inside_plot: bool = False  # text placed at data coordinates, meant to lie on the plot

    def intersects(self, other: Box, pad: float = 1.0) -> bool:
        return (
            self.x0 < other.x1 - pad
            and other.x0 < self.x1 - pad
            and self.y0 < other.y1 - pad
            and other.y0 < self.y1 - pad
        )


# ------------------------------------------------------------------------------- the figure's parts


def _get(d: dict | None, *path, default=None):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def _legend_items(data: list[dict], layout: dict) -> list[str]:
    """Names of the legend's entries (plotly: traces not hidden from it; none when only one trace)."""
    shown = [
        t
        for t in data
        if t.get("showlegend", True) is not False
        and t.get("name") not in (None, "")
        and t.get("type", "scatter") not in ("heatmap",)
    ]
    if layout.get("showlegend") is False:
        return []
    if layout.get("showlegend") is not True and len([t for t in data if t.get("showlegend", True) is not False]) < 2:
        return []
    return [str(t["name"]) for t in shown]


def _legend_rows(names: list[str], width: float, size: float = FONT) -> list[list[str]]:
    rows: list[list[str]] = [[]]
    used = 0.0
    for name in names:
        w = LEGEND_SYMBOL + text_width(name, size)
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append(name)
        used += w
    return [r for r in rows if r]


def _legend_size(names: list[str], width: float, horizontal: bool, size: float = FONT) -> tuple[float, float]:
    if not names:
        return 0.0, 0.0
    if horizontal:
        rows = _legend_rows(names, width, size)
        w = max(sum(LEGEND_SYMBOL + text_width(n, size) for n in r) for r in rows)
        return w + 10, len(rows) * LEGEND_ROW + 10
    return max(LEGEND_SYMBOL + text_width(n, size) for n in names) + 10, len(names) * LEGEND_ROW + 10


def _categories(data: list[dict], axis: str) -> list[str]:
    """The category labels on an axis (strings in the traces' x or y, heatmap axes included)."""
    out: list[str] = []
    for t in data:
        vals = t.get(axis)
        if vals is None:
            continue
        for v in list(vals):
            if isinstance(v, str) and v not in out:
                out.append(v)
    return out


def _tick_labels(data: list[dict], layout: dict, axis: str) -> list[str]:
    ax = layout.get(f"{axis}axis", {}) or {}
    if ax.get("visible") is False or ax.get("showticklabels") is False:
        return []
    if ax.get("ticktext") is not None:
        return [str(v) for v in ax["ticktext"]]
    cats = _categories(data, axis)
    if cats:
        return cats
    rng = ax.get("range")
    if rng is not None and len(rng) == 2:
        big = max(abs(float(rng[0])), abs(float(rng[1])))
        return (
            ["\u2212" + "8" * max(1, int(math.log10(big + 1e-9)) + 1) + ".5"]
            if big < 10
            else ["\u2212" + "8" * max(1, int(math.log10(big + 1e-9)) + 1)]
        )
    return ["\u22128888"]


def _tick_font(layout: dict, axis: str) -> float:
    return float(_get(layout, f"{axis}axis", "tickfont", "size", default=FONT) or FONT)


def _axis_title(layout: dict, axis: str) -> str:
    title = _get(layout, f"{axis}axis", "title")
    text = title.get("text") if isinstance(title, dict) else title
    return "" if text is None else str(text)


def _xtick_band_height(data: list[dict], layout: dict) -> tuple[float, float]:
    """Height of the x tick labels (rotated ones included) and how far they reach left of the plot."""
    labels = _tick_labels(data, layout, "x")
    size = _tick_font(layout, "x")
    if not labels:
        return 0.0, 0.0
    angle = _get(layout, "xaxis", "tickangle", default=0) or 0
    if angle in ("auto",):
        angle = 0
    a = math.radians(abs(float(angle)))
    w = max(text_width(v, size) for v in labels)
    h = max(text_height(v, size) for v in labels)
    return w * math.sin(a) + h * math.cos(a) + 6, (w * math.cos(a) if a else 0.0)


def boxes(figure: Any, width: float = PRINT_WIDTH) -> tuple[list[Box], Box, tuple[float, float]]:
    """Boxes of the text of a figure laid out at ``width`` pixels, as plotly would place it.

    Parameters
    ----------
    figure : dict, FigureSpec or plotly Figure
        The figure (its JSON is read; nothing is drawn).
    width : float
        Width of the figure in pixels (default :data:`PRINT_WIDTH`, an A4 page).

    Returns
    -------
    (list of Box, Box, (width, height))
        The boxes of title, legend, annotations, axis titles, tick labels, bar labels and colour
        bar; the plot area; the figure's size.
    """
    spec = figure.to_dict() if hasattr(figure, "to_dict") else dict(figure)
    data = [dict(t) for t in spec.get("data", [])]
    layout = dict(spec.get("layout", {}))
    W = float(layout.get("width") or width)
    H = float(layout.get("height") or 450)
    m = {k: float(_get(layout, "margin", k, default=MARGIN[k])) for k in MARGIN}
    out: list[Box] = []

    # the y axis pushes the left margin to fit its tick labels and title (automargin)
    ylabels = _tick_labels(data, layout, "y")
    ysize = _tick_font(layout, "y")
    ytick_w = max((text_width(v, ysize) for v in ylabels), default=0.0)
    ytitle = _axis_title(layout, "y")
    ytitle_h = text_height(ytitle, AXIS_TITLE_FONT)
    L, R = _side_margins(data, layout, m, W)
    legend = layout.get("legend", {}) or {}
    names = _legend_items(data, layout)
    horizontal = legend.get("orientation") == "h"
    colorbar = any(t.get("type") == "heatmap" and t.get("showscale", True) is not False for t in data)
    # the x axis pushes the bottom (or top) margin to fit its tick labels and title
    xband, xleft = _xtick_band_height(data, layout)
    xtitle = _axis_title(layout, "x")
    xtitle_h = text_height(xtitle, AXIS_TITLE_FONT)
    top_axis = _get(layout, "xaxis", "side") == "top"
    T, B = m["t"], m["b"]
    if top_axis:
        T = max(T, xband + (xtitle_h + 10 if xtitle else 0) + 2)
    else:
        B = max(B, xband + (xtitle_h + 10 if xtitle else 0) + 2)
    plot = Box("plot area", L, T, W - R, H - B)
    pw, ph = plot.x1 - plot.x0, plot.y1 - plot.y0

    # tick labels and axis titles
    if ylabels:
        out.append(Box("y tick labels", L - 6 - ytick_w, T, L - 4, H - B))
    if ytitle:
        w = text_width(ytitle, AXIS_TITLE_FONT)
        cy = T + ph / 2
        out.append(Box("y axis title", L - 8 - ytick_w - ytitle_h, cy - w / 2, L - 8 - ytick_w, cy + w / 2))
    if xband:
        if top_axis:
            out.append(Box("x tick labels", L - xleft, T - xband, W - R + 4, T - 2))
        else:
            out.append(Box("x tick labels", L - xleft, H - B + 2, W - R + 4, H - B + xband))
    if xtitle:
        w = text_width(xtitle, AXIS_TITLE_FONT)
        cx = L + pw / 2
        y0 = (T - xband - xtitle_h - 4) if top_axis else (H - B + xband + 4)
        out.append(Box("x axis title", cx - w / 2, y0, cx + w / 2, y0 + xtitle_h))
    if colorbar:
        out.append(Box("colour bar", W - R + 10, T, W - R + 100, H - B))

    # the title
    title = layout.get("title") or {}
    ttext = title.get("text") if isinstance(title, dict) else title
    if ttext:
        size = float(_get(title, "font", "size", default=TITLE_FONT))
        w, h = text_width(ttext, size), text_height(ttext, size)
        pad = title.get("pad", {}) if isinstance(title, dict) else {}
        x = float(title.get("x", 0.5)) if isinstance(title, dict) else 0.5
        xref = title.get("xref", "container") if isinstance(title, dict) else "container"
        anchor = title.get("xanchor", "auto") if isinstance(title, dict) else "auto"
        px = (x * W if xref == "container" else L + x * pw) + float(pad.get("l", 0)) - float(pad.get("r", 0))
        x0 = _anchored(px, w, anchor, x)
        y = title.get("y", "auto") if isinstance(title, dict) else "auto"
        if y == "auto":  # plotly: the title's middle in the middle of the top margin
            y0 = T / 2 - h / 2
        else:
            yref = title.get("yref", "container")
            py = (1 - float(y)) * H if yref == "container" else T + (1 - float(y)) * ph
            yanchor = title.get("yanchor", "auto")
            y0 = _anchored(py + float(pad.get("t", 0)) - float(pad.get("b", 0)), h, yanchor, 1 - float(y))
            if yanchor == "top":  # the glyphs reach above the anchor (tall scripts; titles of several lines)
                y0 -= title_rise(ttext, size)
        out.append(Box("title", x0, y0, x0 + w, y0 + h))

    # the legend
    if names:
        room = W - 2 * EDGE if legend.get("xref") == "container" else pw
        lw, lh = _legend_size(names, room, horizontal)
        if horizontal:
            x = float(legend.get("x", 0))
            y = float(legend.get("y", 1.02))
            xanchor, yanchor = legend.get("xanchor", "left"), legend.get("yanchor", "bottom" if y >= 1 else "top")
        else:
            x, y = float(legend.get("x", 1.02)), float(legend.get("y", 1))
            xanchor, yanchor = legend.get("xanchor", "left"), legend.get("yanchor", "top" if y >= 1 else "auto")
        px = x * W if legend.get("xref") == "container" else L + x * pw
        py = (1 - y) * H if legend.get("yref") == "container" else T + (1 - y) * ph
        x0, y0 = _anchored(px, lw, xanchor, x), _anchored(py, lh, yanchor, 1 - y)
        out.append(Box("legend", x0, y0, x0 + lw, y0 + lh))

    # annotations
    for a in layout.get("annotations", []) or []:
        text = a.get("text")
        if not text or a.get("visible") is False:
            continue
        size = float(_get(a, "font", "size", default=FONT))
        w, h = text_width(text, size) + 4, text_height(text, size) + 2
        px, in_x = _position(a.get("x", 0.5), a.get("xref", "paper"), "x", L, pw, W, layout, data, horizontal=True)
        py, in_y = _position(a.get("y", 0.5), a.get("yref", "paper"), "y", T, ph, H, layout, data, horizontal=False)
        px += float(a.get("xshift", 0))
        py -= float(a.get("yshift", 0))
        x0 = _anchored(px, w, a.get("xanchor", "auto"), _frac(a.get("x", 0.5), a.get("xref", "paper")))
        y0 = _anchored(py, h, a.get("yanchor", "auto"), 1 - _frac(a.get("y", 0.5), a.get("yref", "paper")))
        name = "annotation: " + " ".join(_lines(text))[:40]
        out.append(Box(name, x0, y0, x0 + w, y0 + h, inside_plot=in_x and in_y))

    # labels written outside bars
    for t in data:
        if t.get("type") != "bar" or t.get("textposition") != "outside" or t.get("text") is None:
            continue
        if t.get("orientation") != "h":
            continue
        xs, ys, texts = list(t.get("x", [])), list(t.get("y", [])), list(t.get("text", []))
        for xv, yv, tv in zip(xs, ys, texts):
            px, _ = _position(xv if _finite(xv) else 0, "x", "x", L, pw, W, layout, data, horizontal=True)
            py, _ = _position(yv, "y", "y", T, ph, H, layout, data, horizontal=False)
            w, h = text_width(tv, FONT), text_height(tv, FONT)
            out.append(
                Box(
                    f"bar label: {_lines(tv)[0] if _lines(tv) else ''}",
                    px + 3,
                    py - h / 2,
                    px + 3 + w,
                    py + h / 2,
                    inside_plot=True,
                )
            )
    return out, plot, (W, H)


def _side_margins(data: list[dict], layout: dict, m: dict, W: float) -> tuple[float, float]:
    """Left and right margins as plotly pushes them: y tick labels and title; colour bar, side legend."""
    ylabels = _tick_labels(data, layout, "y")
    ysize = _tick_font(layout, "y")
    ytick_w = max((text_width(v, ysize) for v in ylabels), default=0.0)
    ytitle = _axis_title(layout, "y")
    ytitle_h = text_height(ytitle, AXIS_TITLE_FONT)
    L = max(m["l"], ytick_w + 8 + (ytitle_h + 8 if ytitle else 0) + 2)
    legend = layout.get("legend", {}) or {}
    names = _legend_items(data, layout)
    colorbar = any(t.get("type") == "heatmap" and t.get("showscale", True) is not False for t in data)
    R = m["r"] + (110 if colorbar else 0)
    if (
        names
        and legend.get("orientation") != "h"
        and legend.get("xref") != "container"
        and float(legend.get("x", 1.02)) >= 1
    ):
        R += _legend_size(names, W, False)[0] + 10
    return L, R


def _finite(v) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _frac(v, ref: str) -> float:
    """Where a position lies in its reference, for plotly's 'auto' anchors (0.5 for data values)."""
    if ref in ("paper", "container") or str(ref).endswith("domain"):
        try:
            return float(v)
        except (TypeError, ValueError):
            return 0.5
    return 0.5


def _anchored(p: float, size: float, anchor: str, frac: float) -> float:
    """Start of a box of ``size`` anchored at ``p`` (plotly's anchors; 'auto' by the position's third)."""
    if anchor in ("left", "top"):
        return p
    if anchor in ("right", "bottom"):
        return p - size
    if anchor in ("center", "middle"):
        return p - size / 2
    # auto: plotly anchors by which third of the reference the position lies in
    if frac <= 1 / 3:
        return p
    if frac >= 2 / 3:
        return p - size
    return p - size / 2


def _position(
    v, ref: str, axis: str, start: float, length: float, full: float, layout: dict, data: list[dict], horizontal: bool
) -> tuple[float, bool]:
    """Pixel position of a coordinate and whether it lies on the plot (data coordinates)."""
    ref = str(ref)
    if ref == "paper" or ref.endswith("domain"):
        f = float(v)
        return (start + f * length) if horizontal else (start + (1 - f) * length), 0 <= f <= 1
    if ref == "container":
        f = float(v)
        return (f * full) if horizontal else ((1 - f) * full), False
    # data coordinates
    ax = layout.get(f"{axis}axis", {}) or {}
    cats = _categories(data, axis)
    reversed_ = ax.get("autorange") == "reversed"
    if isinstance(v, str) and cats:
        i = cats.index(v) if v in cats else 0
        f = (i + 0.5) / len(cats)
        if not horizontal:
            f = f if reversed_ else 1 - f
            return start + f * length, True
        return start + f * length, True
    rng = ax.get("range")
    if rng is None:
        vals = [float(x) for t in data for x in (list(t[axis]) if t.get(axis) is not None else []) if _finite(x)]
        rng = [min(vals + [0.0]), max(vals + [1.0])]
    lo, hi = float(rng[0]), float(rng[1])
    f = (float(v) - lo) / (hi - lo) if hi != lo else 0.5
    if horizontal:
        return start + f * length, True
    return start + (1 - f) * length, True


def overlaps(found: list[Box], plot: Box, size: tuple[float, float]) -> list[str]:
    """What a reader would see as broken: text on text, text outside the figure, notes on the plot.

    Returns a list of plain sentences (empty when the figure lays out cleanly).
    """
    W, H = size
    problems = []
    if plot.x1 - plot.x0 < 150 or plot.y1 - plot.y0 < 80:
        problems.append(f"the plot area is only {plot.x1 - plot.x0:.0f} x {plot.y1 - plot.y0:.0f} px")
    for b in found:
        if b.x0 < -1 or b.y0 < -1 or b.x1 > W + 1 or b.y1 > H + 1:
            problems.append(
                f"{b.name} leaves the figure ({b.x0:.0f}, {b.y0:.0f}) to ({b.x1:.0f}, {b.y1:.0f}) in {W:.0f} x {H:.0f}"
            )
        if not b.inside_plot and b.name in ("title", "legend") or b.name.startswith("annotation") and not b.inside_plot:
            if b.intersects(plot, pad=2):
                problems.append(f"{b.name} lies on the plot")
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            if (
                a.inside_plot
                and b.inside_plot
                and not (a.name.startswith("annotation") or b.name.startswith("annotation"))
            ):
                continue  # bar labels among themselves
            if a.intersects(b):
                problems.append(f"{a.name} overlaps {b.name}")
    return problems


# ------------------------------------------------------------------------------- laying out for print


def arrange(fig: Any, width: float = PRINT_WIDTH, notes: Iterable[str] = ()) -> Any:
    """Stack the title, the legend and the notes of a figure so that nothing covers anything at ``width``.

    The title (wrapped to the width) and then the legend (horizontal, in as many rows as its entries
    need) go at the top of the figure, the notes at its bottom, all placed in pixels of the figure
    (plotly's ``container`` coordinates) so that no margin pushed by an axis can move them onto each
    other. The top and bottom margins are set to hold them (the bottom one also the x axis's labels
    and title) and the height grows by what the margins gained, so the plot keeps its size.

    Parameters
    ----------
    fig : FigureSpec
        The figure, titles and traces set; changed in place and returned.
    width : float
        The narrowest width the figure must read at (default: an A4 page).
    notes : iterable of str
        Plain-text notes for under the figure (escaped here).
    """
    layout = fig.layout
    m = dict(MARGIN)
    m.update({k: float(v) for k, v in (layout.get("margin") or {}).items() if k in MARGIN})
    height = float(layout.get("height") or 450)
    plot_h = max(height - m["t"] - m["b"], 120.0)
    room = width - 2 * EDGE
    top = float(EDGE)
    title = layout.get("title") or {}
    text = title.get("text") if isinstance(title, dict) else None
    title_y = top
    if text:
        text = wrap(str(text), TITLE_FONT, room)
        # the anchor low enough that the first line's glyphs stay 2 px inside the figure
        title_y = max(top, title_rise(text, TITLE_FONT) + 2)
        top += text_height(text, TITLE_FONT) + GAP
    names = _legend_items(fig.data, layout)
    legend_y = top
    if names:
        top += _legend_size(names, room, True)[1] + GAP
    # axis titles wrapped to the plot's width and height (plotly draws them on one line)
    axes: dict = {}
    for axis in ("x", "y"):
        t_axis = _get(layout, f"{axis}axis", "title")
        if isinstance(t_axis, dict) and t_axis.get("text"):
            axes[axis] = t_axis["text"]
    if axes:
        margins = {**m, "r": m["r"]}
        if names:  # the legend goes to the top: it no longer takes the right margin
            layout.setdefault("legend", {})["orientation"] = "h"
        left, right = _side_margins(fig.data, layout, margins, width)
        if "x" in axes:
            layout["xaxis"]["title"]["text"] = wrap(
                str(axes["x"]), AXIS_TITLE_FONT, max(width - left - right - 10, 150)
            )
        if "y" in axes:
            layout["yaxis"]["title"]["text"] = wrap(str(axes["y"]), AXIS_TITLE_FONT, max(plot_h - 10, 100))
    xband, _ = _xtick_band_height(fig.data, layout)
    xtitle_h = text_height(_axis_title(layout, "x"), AXIS_TITLE_FONT)
    axis_room = xband + (xtitle_h + 12 if xtitle_h else 0) + 4
    if _get(layout, "xaxis", "side") == "top":
        top += axis_room
    # labels written just above the plot (a reference line's label)
    if any(
        str(a.get("yref", "")).endswith("domain") and float(a.get("y", 0)) >= 1 and a.get("yanchor") == "bottom"
        for a in layout.get("annotations", []) or []
    ):
        top += FONT * LINE + 4
    t = max(top + 6, 30.0)
    notes = [n for n in notes if n]
    left, right = _side_margins(fig.data, layout, m, width)
    note_text = "<br>".join(wrap(html.escape(n), NOTE_FONT, max(width - left - EDGE, 250)) for n in notes)
    note_h = text_height(note_text, NOTE_FONT) if notes else 0.0
    bottom_axis = 0.0 if _get(layout, "xaxis", "side") == "top" else axis_room
    b = max(m["b"], bottom_axis + (note_h + GAP + 4 if notes else 0) + EDGE)
    H = plot_h + t + b
    # the left margin as measured: plotly's automargin can fall short of a long rotated axis title
    update: dict = {"height": round(H), "margin": {"t": round(t), "b": round(b), "l": round(left)}}
    if text:
        update["title"] = {
            "text": text,
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"l": EDGE, "t": title_y},
        }
    if names:
        update["legend"] = {
            "orientation": "h",
            "x": EDGE / width,
            "xref": "container",
            "xanchor": "left",
            "y": 1 - legend_y / H,
            "yref": "container",
            "yanchor": "top",
            "traceorder": _get(layout, "legend", "traceorder", default="normal"),
        }
    if notes:  # under the x axis (annotations have no container coordinates): the margin holds them
        update["annotations"] = [
            *layout.get("annotations", []),
            {
                "text": note_text,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yshift": -(bottom_axis + 2),
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "align": "left",
                "font": {"size": NOTE_FONT, "color": "#555555"},
            },
        ]
    fig.update_layout(update)
    return fig
