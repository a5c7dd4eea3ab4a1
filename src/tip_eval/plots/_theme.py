"""The one plotly template of tip_eval: colour-blind-safe colours, readable text, Khmer and Thai fonts.

Every figure builder applies the template named ``"tip_eval"`` (registered in ``plotly.io.templates``
by the first figure built, or by :func:`register`; it is not made the session default, so a user's
own figures are left alone).

- Colours: the Okabe-Ito palette (Okabe & Ito 2008), distinguishable with the common colour-vision
  deficiencies; before = orange, after = blue everywhere. Diverging Likert colours from ColorBrewer
  BrBG, sequential heatmaps in cividis (designed for colour-vision deficiency).
- Fonts: a stack of system fonts that cover Latin, Khmer and Thai script, no web fonts (a brief
  must render offline): "Noto Sans", "Noto Sans Khmer", "Noto Sans Thai", "Khmer OS",
  "Leelawadee UI", then the platform's sans-serif.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

TEMPLATE_NAME = "tip_eval"

#: Okabe-Ito colours, in the order groups receive them
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PRE_COLOUR = "#E69F00"
POST_COLOUR = "#0072B2"
NEUTRAL_COLOUR = "#7F7F7F"
#: Likert 1..5 (strongly disagree .. strongly agree), ColorBrewer BrBG
LIKERT_COLOURS: tuple[str, ...] = ("#A6611A", "#DFC27D", "#D9D9D9", "#80CDC1", "#018571")
#: sequential colour scale of heatmaps: cividis (Nunez, Anderton & Renslow 2018), plotly's 10 stops
SEQUENTIAL = "Cividis"
CIVIDIS: tuple[str, ...] = (
    "#00224e",
    "#123570",
    "#3b496c",
    "#575d6d",
    "#707173",
    "#8a8678",
    "#a59c74",
    "#c3b369",
    "#e1cc55",
    "#fee838",
)


def sequential_scale() -> list[list]:
    """The heatmap colour scale as plotly JSON (``[[0.0, colour], ..., [1.0, colour]]``)."""
    return [[i / (len(CIVIDIS) - 1), c] for i, c in enumerate(CIVIDIS)]


FONT_FAMILY = (
    '"Noto Sans", "Noto Sans Khmer", "Noto Sans Thai", "Noto Sans Lao", "Khmer OS", "Leelawadee UI", sans-serif'
)


def template_spec() -> dict:
    """The tip_eval template as plain plotly JSON (a new dict each call): what :func:`template` validates."""
    axis = dict(
        showgrid=True,
        gridcolor="#E5E5E5",
        zeroline=False,
        linecolor="#444444",
        ticks="outside",
        tickcolor="#444444",
        title=dict(font=dict(size=14)),
        automargin=True,
    )
    return dict(
        layout=dict(
            font=dict(family=FONT_FAMILY, size=13, color="#222222"),
            title=dict(font=dict(size=18), x=0.0, xanchor="left", xref="paper"),
            colorway=list(PALETTE),
            paper_bgcolor="white",
            plot_bgcolor="white",
            xaxis=dict(axis),
            yaxis=dict(axis),
            legend=dict(title=dict(font=dict(size=13)), bgcolor="rgba(255,255,255,0.8)"),
            hoverlabel=dict(font=dict(family=FONT_FAMILY, size=13), align="left"),
            margin=dict(l=10, r=30, t=70, b=60),
            colorscale=dict(sequential=sequential_scale()),
        ),
        data=dict(
            bar=[dict(type="bar", marker=dict(line=dict(width=0)))],
            heatmap=[dict(type="heatmap", colorscale=sequential_scale())],
        ),
    )


def template() -> go.layout.Template:
    """Build the tip_eval template (a new, validated object each call)."""
    import plotly.graph_objects as go

    return go.layout.Template(template_spec())


def register() -> str:
    """Register the template as ``plotly.io.templates["tip_eval"]`` and return its name.

    Every figure builder calls it before returning its figure (validating the template loads
    plotly's validators, so it is not done on import).
    """
    import plotly.io as pio

    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = template()
    return TEMPLATE_NAME
