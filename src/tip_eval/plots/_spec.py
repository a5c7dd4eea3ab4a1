"""Figures as plain data: the builders write plotly's figure JSON, plotly validates it into a Figure.

Every figure builder of :mod:`tip_eval.plots` assembles its figure as a :class:`FigureSpec`, a
``{"data": [...], "layout": {...}}`` dict in plotly's JSON schema with the few ``Figure`` methods
the builders use (``add_trace``, ``update_layout``, ``update_xaxes``, ``add_vline``, ...). The
public function (made by :func:`builds_figure`) turns it into a ``plotly.graph_objects.Figure``,
which validates every property against plotly's schema; the tests build every figure that way.

The impact brief only needs the JSON: it takes the spec (``builder.spec(...)``) and writes it
with ``plotly.io.to_html(..., validate=False)``. Validating ten figures (and loading plotly's
validators the first time) is a large part of writing a brief, and adds nothing to figures the
test suite already validates.

Properties are always written nested (``marker=dict(color=...)``), never with plotly's
"magic underscores" (``marker_color=...``), which only a validating ``Figure`` understands.

Every string of a figure is finalised in :meth:`FigureSpec.to_dict` (which both the brief and
``figure()`` use) by :func:`tip_eval.safe_text.plain_text`: labels come from other people's
files, and plotly would read a province written as ``<a href=...>`` as a link. Only the bare
tags the builders write themselves (``<br>``, ``<b>``, ``<i>``, ...) are kept.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from tip_eval.safe_text import plain_text

__all__ = ["FigureSpec", "trace", "builds_figure"]


def trace(kind: str, **props: Any) -> dict:
    """A trace of type ``kind`` (``"bar"``, ``"scatter"``, ``"heatmap"``, ``"box"``) as a dict."""
    return {"type": kind, **props}


def _merge(target: dict, props: dict) -> None:
    """Deep-merge ``props`` into ``target`` (nested dicts merged, anything else replaced)."""
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


class FigureSpec:
    """A plotly figure as plain data (see the module docstring).

    Parameters
    ----------
    data : list of dict, optional
        Traces (see :func:`trace`).
    layout : dict, optional
        The layout.
    """

    def __init__(self, data: list[dict] | None = None, layout: dict | None = None) -> None:
        self.data: list[dict] = list(data or [])
        self.layout: dict = {}
        _merge(self.layout, dict(layout or {}))

    def add_trace(self, item: dict) -> FigureSpec:
        self.data.append(item)
        return self

    def update_layout(self, props: dict | None = None, **kwargs: Any) -> FigureSpec:
        _merge(self.layout, {**(props or {}), **kwargs})
        return self

    def update_xaxes(self, **props: Any) -> FigureSpec:
        _merge(self.layout.setdefault("xaxis", {}), props)
        return self

    def update_yaxes(self, **props: Any) -> FigureSpec:
        _merge(self.layout.setdefault("yaxis", {}), props)
        return self

    def add_annotation(self, **props: Any) -> FigureSpec:
        self.layout.setdefault("annotations", []).append(props)
        return self

    def add_shape(self, **props: Any) -> FigureSpec:
        self.layout.setdefault("shapes", []).append(props)
        return self

    def add_vline(self, x: float, line: dict | None = None, annotation_text: str | None = None) -> FigureSpec:
        """A vertical line across the plot at ``x`` (as ``Figure.add_vline``), labelled at the top."""
        self.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=dict(line or {}))
        if annotation_text is not None:
            self.add_annotation(
                text=annotation_text,
                x=x,
                xref="x",
                y=1,
                yref="y domain",
                showarrow=False,
                xanchor="center",
                yanchor="bottom",
            )
        return self

    def add_hline(self, y: float, line: dict | None = None) -> FigureSpec:
        """A horizontal line across the plot at ``y`` (as ``Figure.add_hline``)."""
        return self.add_shape(type="line", y0=y, y1=y, yref="y", x0=0, x1=1, xref="x domain", line=dict(line or {}))

    def to_dict(self, template: Any = None) -> dict:
        """The figure JSON; ``template`` (a template dict) replaces the layout's template name."""
        layout = _plain(dict(self.layout))
        if template is not None:
            layout["template"] = copy.deepcopy(template)
        return {"data": _plain(list(self.data)), "layout": layout}

    def figure(self):
        """The validated ``plotly.graph_objects.Figure`` (the tip_eval template registered first)."""
        import plotly.graph_objects as go

        from tip_eval.plots._theme import register

        register()
        return go.Figure(self.to_dict())


def _plain(value: Any) -> Any:
    """``value`` with every string made plain figure text (nested dicts, lists and arrays copied)."""
    if isinstance(value, str):
        return plain_text(value, keep_markup=True)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if getattr(getattr(value, "dtype", None), "kind", "") in ("O", "U", "S", "T") and hasattr(value, "tolist"):
        return [_plain(v) for v in value.tolist()]  # arrays, Series and Index of labels
    return value


def builds_figure(build: Callable[..., FigureSpec]) -> Callable[..., Any]:
    """Make the public builder: same call and docstring, returns a validated ``go.Figure``.

    The public builder also takes ``lang`` (``"en"``, ``"km"``, ``"th"``, ``"id"``; default: the
    current language, see :func:`tip_eval.i18n.using`): the figure's titles, axes, legends, notes,
    hovers, group labels and numbers are then in that language. The spec builder stays reachable as
    ``public.spec`` (what the brief uses, inside the brief's language).
    """

    @functools.wraps(build)
    def public(*args: Any, lang: str | None = None, **kwargs: Any):
        from tip_eval.i18n import using

        with using(lang):
            return build(*args, **kwargs).figure()

    public.__annotations__ = {**build.__annotations__, "lang": "str | None", "return": "plotly.graph_objects.Figure"}
    public.spec = build  # type: ignore[attr-defined]
    return public
