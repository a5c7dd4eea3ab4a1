"""Sphinx configuration of the tip_eval documentation.

Build it from the repository root::

    pip install -e ".[docs]"
    sphinx-build -W -b html docs docs/_build

The notebooks are shown with the outputs stored in them (``nb_execution_mode = "off"``): the test
suite runs every notebook and fails when its stored outputs are out of date, and
``python notebooks/render.py`` rewrites them, so the build itself runs no notebook and stays fast.
The pages that come from elsewhere in the repository (API reference, notebooks, data dictionary,
SECURITY.md, benchmark results) are written at the start of each build by ``_ext/tip_eval_docs.py``.
The site works offline: plotly.js is a local file, math is MathML, nothing is loaded from the web.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# the package of this checkout, also when it is not installed
sys.path.insert(0, str(HERE.parent / "src"))

import tip_eval  # noqa: E402

project = "tip_eval"
author = "tip_eval developers"
copyright = "tip_eval developers"
release = tip_eval.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
    "tip_eval_docs",
]

root_doc = "index"
# jupyter_execute/ is where myst-nb copies notebooks, next to the output folder (here docs/_build)
exclude_patterns = [
    "_build",
    "_generated/*.md",
    "_generated/*.rst",
    "**.ipynb_checkpoints",
    "jupyter_execute",
    ".jupyter_cache",
]
suppress_warnings = [
    # included Markdown written for GitHub may skip a heading level
    "myst.header",
]

# --- API reference: one page per namespace (api/, written by _ext/tip_eval_docs.py), numpydoc ---
autosummary_generate = False
autodoc_typehints = "none"  # the numpydoc "Parameters" sections give the types, in words
autodoc_member_order = "bysource"
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False

# --- notebooks: shown with their stored outputs, never run by the build ---
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}  # no widgets: load nothing from a CDN
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# --- HTML ---
html_theme = "furo"
html_title = f"tip_eval {release}"
html_static_path = ["_static", "_generated/static"]
html_css_files = ["tip_eval.css"]
html_math_renderer = "mathml"
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navigation_with_keys": True,
}
