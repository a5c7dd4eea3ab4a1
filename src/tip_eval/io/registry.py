"""Every layout tip_eval knows, by the name ``study.toml`` gives it (``layout = "template"``).

:data:`LAYOUTS` is the registry of :mod:`tip_eval.io.layouts`; importing this module imports every
module that registers layouts into it, so the registry is complete. The layout modules import
:mod:`tip_eval.io.layouts` and never this module: the registry is filled from above, without an
import cycle. :func:`register` adds a layout of one's own.
"""

from __future__ import annotations

from tip_eval.io import layouts_coding, layouts_costs, layouts_partner  # noqa: F401  (each registers its layouts)
from tip_eval.io.layouts import LAYOUTS, Layout, register

__all__ = ["LAYOUTS", "Layout", "register"]
