"""Sphinx extension of the tip_eval documentation.

Before Sphinx reads the sources (``config-inited``) it writes the pages that come from elsewhere in
the repository, so that they are always those of the checkout being built:

- ``api/``: one page for the package's public names (``tip_eval._EXPORTS``) and one per public
  submodule (``tip_eval._SUBMODULES``, its ``__all__``): a summary table, then every docstring;
- ``quickstart.ipynb`` and ``examples/``: the notebooks of ``notebooks/`` with their stored outputs,
  each plotly figure given an HTML output that draws it with the site's own copy of plotly.js;
- ``_generated/``: Markdown included by the hand-written pages (the data dictionary, SECURITY.md,
  the README's disclosure section, the benchmark and calibration results; each only if the file
  exists), the list of modules whose docstrings explain the methods, and ``static/plotly.min.js``.

It also adds:

- the ``tip-eval-figure`` directive: runs its code with ``te`` (tip_eval) and ``study`` (the sample
  study, ``sample_data/``) and shows the code and the figure it ends with. The build warns (an
  error under ``-W``) when a figure builder of :mod:`tip_eval.plots` is missing from every page;
- plotly.js and ``tip_eval_figures.js`` on the pages that have figures, and on no other;
- math as MathML written at build time (docutils' LaTeX converter), so that no page loads MathJax
  from the internet.
"""

from __future__ import annotations

import ast
import html
import inspect
import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.utils.math.latex2mathml import tex2mathml
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: the notebook that is the quick start page (docs/quickstart.ipynb); the others go to examples/
QUICKSTART = "01_quickstart"
#: order of the submodule pages of the API reference (others follow, alphabetically)
SUBMODULE_ORDER = ["stats", "plots", "tables", "disclosure", "datasets", "io", "schemas", "vocab", "i18n"]
#: sections of the page of top-level names: (title, module prefixes)
EXPORT_GROUPS = [
    ("Loading and checking a study", ("tip_eval.study", "tip_eval.errors", "tip_eval.validation", "tip_eval.io")),
    ("Analysis", ("tip_eval.analysis",)),
    ("Publishing", ("tip_eval.report", "tip_eval.disclosure")),
]


# --- writing generated files ------------------------------------------------------------------------


def _write(path: Path, content: str | bytes) -> None:
    """Write ``path`` only when its content changes (so that Sphinx re-reads only what changed)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _prune(folder: Path, keep: set[Path]) -> None:
    """Remove files of a generated folder that were not written by this build."""
    if folder.exists():
        for path in folder.rglob("*"):
            if path.is_file() and path not in keep:
                path.unlink()


# --- Markdown from elsewhere in the repository ------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def _lines_outside_code(text: str):
    """Yield (line, inside_code_fence) for every line of Markdown."""
    fence = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match and (fence is None or match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence)):
            yield line, True
            fence = None if fence else match.group(1)
            continue
        yield line, fence is not None


def adapt_markdown(text: str, source: Path, shift: int = 0) -> str:
    """Markdown of a repository file made fit for inclusion in a page.

    Headings go ``shift`` levels down; a link to a file of the repository becomes its text with the
    path beside it (the site does not publish the repository's files), a link to a heading of the
    file its text; links to web pages stay.
    """
    out = []
    for line, in_code in _lines_outside_code(text):
        if not in_code:
            heading = _HEADING.match(line)
            if heading and shift:
                line = "#" * max(1, min(6, len(heading.group(1)) + shift)) + " " + heading.group(2)

            def relink(match: re.Match) -> str:
                label, target = match.groups()
                if re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I):  # a web page
                    return match.group(0)
                if target.startswith("#"):  # a heading of the file, which the page may not have
                    return label
                path = (source.parent / target.split("#")[0]).resolve()
                try:
                    shown = path.relative_to(ROOT).as_posix()
                except ValueError:
                    shown = target
                return label if label.strip("`") == shown else f"{label} (`{shown}`)"

            line = _LINK.sub(relink, line)
        out.append(line)
    return "\n".join(out) + "\n"


def markdown_sections(text: str, pattern: str) -> list[str]:
    """The sections of a Markdown text whose heading matches ``pattern`` (case-insensitive).

    A section runs from its heading to the next heading of the same or a higher level.
    """
    lines = list(_lines_outside_code(text))
    found = []
    i = 0
    while i < len(lines):
        line, in_code = lines[i]
        heading = None if in_code else _HEADING.match(line)
        if heading and re.search(pattern, heading.group(2), flags=re.I):
            level = len(heading.group(1))
            j = i + 1
            while j < len(lines):
                other = None if lines[j][1] else _HEADING.match(lines[j][0])
                if other and len(other.group(1)) <= level:
                    break
                j += 1
            found.append("\n".join(line for line, _ in lines[i:j]).strip() + "\n")
            i = j
        else:
            i += 1
    return found


def _include(name: str, source: Path, missing: str, shift: int = 0, keep_title: bool = True) -> Path:
    """Write ``_generated/<name>`` from a repository file, or the sentence ``missing`` if it is absent."""
    target = GENERATED / name
    if source.exists():
        text = source.read_text(encoding="utf-8")
        if not keep_title:  # the page has its own title: drop the file's first-level heading
            text = re.sub(r"\A\s*#\s[^\n]*\n", "", text)
        _write(target, adapt_markdown(text, source, shift))
    else:
        _write(target, missing + "\n")
    return target


def _generate_includes() -> set[Path]:
    written = {
        _include(
            "data_dictionary.md",
            ROOT / "data_schemas" / "README.md",
            "The data dictionary (`data_schemas/README.md`) is not in this checkout.",
        ),
        _include(
            "security.md",
            ROOT / "SECURITY.md",
            "This checkout has no `SECURITY.md` yet. How tip_eval reads files from other people "
            "(limits on size and compression, hidden sheets, formulas without values) is described in "
            "the docstrings of {mod}`tip_eval.io`.",
            shift=1,
            keep_title=False,
        ),
        _include(
            "benchmarks_results.md",
            ROOT / "benchmarks" / "RESULTS.md",
            "No benchmark results yet: run `python benchmarks/run.py --quick`.",
            shift=1,
            keep_title=False,
        ),
        _include("benchmarks_readme.md", ROOT / "benchmarks" / "README.md", "", shift=1, keep_title=False),
        _include(
            "calibration.md",
            ROOT / "benchmarks" / "CALIBRATION.md",
            "No calibration results in this checkout yet.",
            shift=1,
            keep_title=False,
        ),
    }
    readme = ROOT / "README.md"
    sections = (
        markdown_sections(readme.read_text(encoding="utf-8"), r"disclos|small (group|cell)|privacy")
        if readme.exists()
        else []
    )
    target = GENERATED / "readme_disclosure.md"
    if sections:
        # each section becomes a level-3 section, inside the page's "Disclosure control" section
        body = "\n".join(
            adapt_markdown(s, readme, shift=3 - len(_HEADING.match(s.splitlines()[0]).group(1))) for s in sections
        )
    else:
        body = (
            "The README of this checkout has no section on disclosure control; the rule is "
            "stated in full below, from {mod}`tip_eval.disclosure`.\n"
        )
    _write(target, body)
    written.add(target)
    return written


# --- notebooks --------------------------------------------------------------------------------------


def figure_html(figure: dict, div_id: str) -> str:
    """HTML of one interactive figure: an empty div and the figure's JSON, drawn by tip_eval_figures.js."""
    layout = figure.get("layout", {})
    height = int(layout.get("height") or 450)
    payload = json.dumps({"data": figure.get("data", []), "layout": layout}, separators=(",", ":"))
    payload = payload.replace("</", "<\\/")  # the JSON cannot end its script element
    return (
        f'<div class="tip-eval-figure"><div id="{div_id}" class="tip-eval-plotly" '
        f'style="height:{height}px;width:100%"></div>'
        f'<script type="application/json" id="{div_id}-json">{payload}</script></div>'
    )


def _generate_notebooks() -> set[Path]:
    import nbformat

    written = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        count = 0
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = out.get("data", {})
                if PLOTLY_MIME in data:
                    count += 1
                    # the site draws the figure itself; the PNG copy is for static viewers
                    out["data"] = {"text/html": figure_html(data[PLOTLY_MIME], f"{path.stem}-figure-{count}")}
        target = DOCS / "quickstart.ipynb" if path.stem == QUICKSTART else DOCS / "examples" / path.name
        _write(target, nbformat.writes(nb))
        written.add(target)
    return written


# --- API reference ----------------------------------------------------------------------------------


def _public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == module.__name__
        ]
    return list(names)


def _data_doc(value: Any, name: str, package: str) -> list[str]:
    """The ``#:`` comment above the assignment of a constant, found in the module that defines it."""
    import sys

    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    for modname, module in sorted(sys.modules.items()):
        if modname.startswith(package) and getattr(module, name, None) is value:
            try:
                docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
            except PycodeError:  # no source to read
                continue
            if ("", name) in docs:
                return [line for line in docs[("", name)] if line.strip()]
    return []


def _entries(module_name: str, names: list[str]) -> str:
    """A summary table of ``names`` (one line each), then the full docstring of each, on one page.

    Constants (``GAIN_COLUMNS``, ``PALETTE``, ...) follow under their own heading, with the comment
    written above them in the source and their value.
    """
    import importlib
    import pprint

    module = importlib.import_module(module_name)
    objects = {name: getattr(module, name) for name in names}
    documented = [name for name, obj in objects.items() if callable(obj)]
    constants = [name for name in names if name not in documented]
    text = ""
    if documented:
        text += ".. autosummary::\n   :nosignatures:\n\n" + "".join(f"   {name}\n" for name in documented) + "\n"
    for name in documented:
        obj = objects[name]
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            text += f".. autoexception:: {name}\n\n"
        elif inspect.isclass(obj):
            text += f".. autoclass:: {name}\n   :members:\n\n"
        else:
            text += f".. autofunction:: {name}\n\n"
    if constants:
        text += ".. rubric:: Constants\n\n"
    for name in constants:
        value = objects[name]
        doc = _data_doc(value, name, "tip_eval") or ["A constant."]
        shown = pprint.pformat(value, width=100, compact=True)
        text += f".. data:: {name}\n\n" + "".join(f"   {line}\n" for line in doc) + "\n"
        if len(shown) <= 2000:
            text += "   .. code-block:: python\n\n" + "".join(f"      {line}\n" for line in shown.splitlines()) + "\n"
    return text


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n\n"


def _generate_api() -> set[Path]:
    """Write the pages of the API reference: one per namespace, every public name on it."""
    import importlib

    import tip_eval

    written = set()
    pages = []

    top = _title("tip_eval") + ".. automodule:: tip_eval\n   :no-members:\n\n.. currentmodule:: tip_eval\n\n"
    groups: dict[str, list[str]] = {title: [] for title, _ in EXPORT_GROUPS}
    other = []
    for name, module in tip_eval._EXPORTS.items():
        for title, prefixes in EXPORT_GROUPS:
            if module.startswith(prefixes):
                groups[title].append(name)
                break
        else:
            other.append(name)
    for title, names in [*groups.items(), ("Other", other)]:
        if names:
            top += _title(title, "-") + _entries("tip_eval", names)
    _write(DOCS / "api" / "tip_eval.rst", top)
    written.add(DOCS / "api" / "tip_eval.rst")
    pages.append("tip_eval")

    subs = sorted(
        tip_eval._SUBMODULES,
        key=lambda s: (SUBMODULE_ORDER.index(s) if s in SUBMODULE_ORDER else len(SUBMODULE_ORDER), s),
    )
    for sub in subs:
        name = f"tip_eval.{sub}"
        names = _public_names(importlib.import_module(name))
        text = _title(name) + f".. automodule:: {name}\n   :no-members:\n\n.. currentmodule:: {name}\n\n"
        if names:
            text += _title("Contents", "-") + _entries(name, names)
        target = DOCS / "api" / f"{name}.rst"
        _write(target, text)
        written.add(target)
        pages.append(name)

    index = (
        _title("API reference")
        + "Every public name of the package, with its docstring: what it computes, every output\n"
        "column, the missing-data policy and the references. ``import tip_eval as te`` gives\n"
        "the names of the first page; the others are submodules (``te.stats``, ``te.plots``, ...).\n\n"
        + ".. toctree::\n   :maxdepth: 1\n\n"
        + "".join(f"   {page}\n" for page in pages)
    )
    _write(DOCS / "api" / "index.rst", index)
    written.add(DOCS / "api" / "index.rst")
    return written


def _generate_method_modules() -> set[Path]:
    """``_generated/method_modules.rst``: the docstrings of the statistics and analysis modules."""
    import importlib
    import pkgutil

    import tip_eval.analysis
    import tip_eval.stats

    text = ""
    for package in (tip_eval.stats, tip_eval.analysis):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            name = f"{package.__name__}.{info.name}"
            doc = inspect.getdoc(importlib.import_module(name)) or ""
            # a one-line docstring only names the module: the functions' own pages say more
            if len(doc.splitlines()) > 2:
                text += f".. rubric:: {name}\n\n.. automodule:: {name}\n   :no-members:\n   :no-index:\n\n"
    target = GENERATED / "method_modules.rst"
    _write(target, text)
    return {target}


def generate(app: Sphinx, config: Any) -> None:
    """Write every generated source of the site (see the module docstring)."""
    import plotly

    written = set()
    written |= _generate_includes()
    written |= _generate_method_modules()
    static = GENERATED / "static" / "plotly.min.js"
    _write(static, (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes())
    written.add(static)
    _prune(GENERATED, written)
    notebooks = _generate_notebooks()
    _prune(DOCS / "examples", notebooks)
    _prune(DOCS / "api", _generate_api())


# --- the tip-eval-figure directive --------------------------------------------------------------------

_NAMESPACE: dict[str, Any] = {}


def _namespace() -> dict[str, Any]:
    """``te`` and ``study`` (the sample study), loaded once per build."""
    if not _NAMESPACE:
        import tip_eval as te

        _NAMESPACE.update(te=te, study=te.load_study(ROOT / "sample_data"))
    return dict(_NAMESPACE)


def figure_builders() -> list[str]:
    """The figure builders of :mod:`tip_eval.plots` (its public functions that make a figure)."""
    import tip_eval.plots as plots

    return sorted(
        name for name in plots.__all__ if callable(getattr(plots, name)) and hasattr(getattr(plots, name), "spec")
    )


class FigureDirective(SphinxDirective):
    """Run Python code (its last line an expression giving a plotly figure); show the code and the figure."""

    has_content = True
    option_spec = {"height": directives.positive_int}

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        tree = ast.parse(code)
        if not tree.body or not isinstance(tree.body[-1], ast.Expr):
            raise self.error("tip-eval-figure: the last line must be an expression that gives the figure")
        namespace = _namespace()
        body = ast.Module(body=tree.body[:-1], type_ignores=[])
        exec(compile(body, f"<{self.env.docname}>", "exec"), namespace)
        figure = eval(compile(ast.Expression(tree.body[-1].value), f"<{self.env.docname}>", "eval"), namespace)
        if not hasattr(figure, "to_plotly_json"):
            raise self.error(f"tip-eval-figure: the code gives a {type(figure).__name__}, not a plotly figure")
        import plotly.io as pio

        used = getattr(self.env, "tip_eval_figures", {})
        used.setdefault(self.env.docname, set()).update(re.findall(r"te\.plots\.(\w+)\(", code))
        self.env.tip_eval_figures = used
        serial = self.env.new_serialno("tip-eval-figure")
        div_id = f"{self.env.docname.replace('/', '-')}-figure-{serial + 1}"
        source = nodes.literal_block(code, code, language="python")
        figure_node = nodes.raw("", figure_html(json.loads(pio.to_json(figure, validate=False)), div_id), format="html")
        container = nodes.container(classes=["tip-eval-gallery-item"])
        container += [source, figure_node]
        return [container]


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "tip_eval_figures", {}).pop(docname, None)


def _merge(app: Sphinx, env: Any, docnames: Any, other: Any) -> None:
    used = getattr(env, "tip_eval_figures", {})
    used.update(getattr(other, "tip_eval_figures", {}))
    env.tip_eval_figures = used


def _check_gallery(app: Sphinx, env: Any) -> None:
    shown = set().union(*getattr(env, "tip_eval_figures", {}).values())
    missing = [name for name in figure_builders() if name not in shown]
    if missing:
        logger.warning(
            "the gallery shows no figure of %s: add a tip-eval-figure to docs/gallery.md",
            ", ".join(f"te.plots.{name}" for name in missing),
        )


# --- pages with figures: plotly.js and the drawing script --------------------------------------------


def _add_figure_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if "tip-eval-plotly" in context.get("body", ""):
        app.add_js_file("plotly.min.js", priority=900)
        app.add_js_file("tip_eval_figures.js", priority=901)


# --- math as MathML ---------------------------------------------------------------------------------

#: LaTeX docutils' converter does not read, rewritten to LaTeX it reads
_TEX_REWRITES = [
    (re.compile(r"\\dots(?![A-Za-z])"), r"\\ldots"),
    (re.compile(r"\\([td]?frac)\s*(\d)\s*(\d)"), r"\\\1{\2}{\3}"),  # \tfrac12 = \tfrac{1}{2}
    (re.compile(r"\\[Bb]igg?[lrm]?(?![A-Za-z])"), ""),  # delimiter sizes: \big( \Bigr] ...
]
#: formulas shown as written because the converter could not read them
UNCONVERTED: list[str] = []


def _mathml(tex: str, block: bool) -> str:
    converted = tex
    for pattern, replacement in _TEX_REWRITES:
        converted = pattern.sub(replacement, converted)
    try:
        return tex2mathml(converted, as_block=block)
    except Exception:  # noqa: BLE001 - LaTeX the converter does not know (any error of it): show it as written
        UNCONVERTED.append(tex)
        return f"<code>{html.escape(tex)}</code>"


def _visit_math(self: Any, node: nodes.Element) -> None:
    self.body.append(_mathml(node.astext(), block=False))
    raise nodes.SkipNode


def _visit_displaymath(self: Any, node: nodes.Element) -> None:
    if node.get("label"):
        self.body.append(f'<span class="eqno">({node["number"]})</span>')
    self.body.append(f'<div class="math">{_mathml(node.astext(), block=True)}</div>')
    raise nodes.SkipNode


def _report_math(app: Sphinx, exception: Exception | None) -> None:
    if UNCONVERTED:
        logger.info(
            "math shown as LaTeX (not readable by docutils' MathML converter): %s", "; ".join(sorted(set(UNCONVERTED)))
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", generate, priority=100)
    app.add_directive("tip-eval-figure", FigureDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check_gallery)
    app.connect("html-page-context", _add_figure_scripts)
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    app.connect("build-finished", _report_math)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["adapt_markdown", "figure_builders", "figure_html", "markdown_sections", "setup"]
