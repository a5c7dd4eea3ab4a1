"""Run the example notebooks and store them with their outputs, each figure with a PNG copy.

Usage, from the repository root (the ``docs`` extra installs kaleido, which draws the PNGs with an
installed Chrome or Chromium)::

    pip install -e ".[docs]"
    python notebooks/render.py                                  # every notebook in notebooks/
    python notebooks/render.py notebooks/01_quickstart.ipynb    # one or more notebooks
    python notebooks/render.py --check                          # only report stale notebooks

Why the notebooks are stored with their outputs: GitHub and static exports (nbconvert HTML or PDF)
never run code, so a notebook stored without outputs shows them no results. And a plotly figure's
output carries only plotly's own type (``application/vnd.plotly.v1+json``), which JupyterLab and
VS Code draw but static renderers skip. So this script runs each notebook from top to bottom in a
fresh kernel, in ``notebooks/`` as a reader would, and adds to every figure output a PNG of the
same figure (``image/png``, drawn from the output's own JSON):

- JupyterLab, Jupyter Notebook 7 and VS Code draw the interactive figure (plotly's type);
- GitHub, nbconvert (HTML, PDF, Markdown) and other static viewers show the PNG;
- the documentation site (``docs/``) draws the interactive figure from the same JSON, with one
  local copy of plotly.js for the whole site.

No copy of plotly.js is stored in a notebook: a PNG is tens of kB, plotly.js is 3.5 MB.

``tests/test_notebooks.py`` runs every notebook again and fails when its stored outputs differ from
what it produces now (numbers compared at the precision they are shown, so that rounding noise of
another machine is not a difference). After changing a notebook, or anything its outputs show,
run this script and commit the notebooks. A figure whose JSON did not change keeps its stored PNG,
so a re-run changes only the outputs that changed.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLOTLY_MIME = "application/vnd.plotly.v1+json"
PNG_MIME = "image/png"
#: kernel time limit per cell, in seconds
TIMEOUT = 600
#: width of the PNG copy when the figure does not set its own (px); height likewise
PNG_WIDTH = 900
PNG_HEIGHT = 500

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
# a folder made by tempfile.mkdtemp(), e.g. /tmp/tmpk3j_x9a1 or C:\...\Temp\tmpk3j_x9a1
_TEMP_DIR = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s'\"<>\\/]+)*?[\\/]tmp[a-z0-9_]{8}(?![a-z0-9_])")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def notebooks() -> list[Path]:
    """Every notebook of ``notebooks/``, in order."""
    return sorted(HERE.glob("*.ipynb"))


def execute(path: Path) -> Any:
    """Run a copy of the notebook at ``path`` from a clean state; return it with its new outputs.

    The kernel runs in the notebook's folder, with plotly's renderer fixed to plotly's own type
    (the default in a Jupyter kernel; fixed here so that a ``PLOTLY_RENDERER`` set by the user does
    not change what is stored). Cells are not timed, so that a re-run stores the same file.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    saved = os.environ.get("PLOTLY_RENDERER")
    os.environ["PLOTLY_RENDERER"] = "plotly_mimetype"
    try:
        client = NotebookClient(
            nb,
            timeout=TIMEOUT,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    finally:
        if saved is None:
            os.environ.pop("PLOTLY_RENDERER", None)
        else:
            os.environ["PLOTLY_RENDERER"] = saved
    return nb


def _figure_outputs(nb: Any) -> list[dict]:
    """The outputs of every plotly figure of a notebook, in order."""
    return [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if PLOTLY_MIME in out.get("data", {})
    ]


def _figures(nb: Any) -> list[dict]:
    """The output bundles (``output.data``) of every plotly figure of a notebook, in order."""
    return [out["data"] for out in _figure_outputs(nb)]


def _title(figure: dict) -> str:
    title = figure.get("layout", {}).get("title", "")
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    return re.sub(r"<[^>]+>", " ", text).strip()


def add_pngs(nb: Any, stored: Any | None = None) -> tuple[int, int]:
    """Give every figure output of ``nb`` a PNG copy; return (PNGs drawn, PNGs kept from ``stored``).

    A figure whose JSON equals the one at the same place in ``stored`` (the notebook as it was on
    disk) keeps its stored PNG; the others are drawn with kaleido.
    """
    old = {
        json.dumps(b[PLOTLY_MIME], sort_keys=True): b[PNG_MIME]
        for b in (_figures(stored) if stored is not None else [])
        if PNG_MIME in b
    }
    todo = []
    kept = 0
    for out in _figure_outputs(nb):
        bundle = out["data"]
        # the PNG's alternative text, for nbconvert's HTML
        out.setdefault("metadata", {})[PNG_MIME] = {"alt": _title(bundle[PLOTLY_MIME]) or "Figure"}
        key = json.dumps(bundle[PLOTLY_MIME], sort_keys=True)
        if key in old:
            bundle[PNG_MIME] = old[key]
            kept += 1
        else:
            todo.append(bundle)
    if todo:
        import plotly.io as pio

        try:
            import kaleido
        except ImportError:
            sys.exit('render.py needs kaleido to draw the PNGs: pip install -e ".[docs]"')
        try:
            kaleido.start_sync_server(silence_warnings=True)
        except Exception as err:  # noqa: BLE001 - no Chrome or Chromium on this machine (kaleido's errors vary)
            sys.exit(
                f"kaleido could not start a browser ({err}). Install Chrome or Chromium, or run "
                "`plotly_get_chrome` (comes with plotly) to download one."
            )
        try:
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            for bundle in todo:
                fig = {k: v for k, v in bundle[PLOTLY_MIME].items() if k in ("data", "layout")}
                layout = fig.get("layout", {})
                png = pio.to_image(
                    fig,
                    format="png",
                    width=layout.get("width") or PNG_WIDTH,
                    height=layout.get("height") or PNG_HEIGHT,
                    validate=False,
                )
                bundle[PNG_MIME] = base64.b64encode(png).decode("ascii")
        finally:
            kaleido.stop_sync_server(silence_warnings=True)
    return len(todo), kept


# --- stale outputs ----------------------------------------------------------------------------------


def _normalise_text(text: str) -> str:
    """Text of an output without what changes from run to run: temporary folders, memory addresses."""
    return _ADDRESS.sub(" at 0x…", _TEMP_DIR.sub("<temporary folder>", text))


def _decimals(token: str) -> int:
    mantissa = re.split(r"[eE]", token)[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def _same_number_text(a: str, b: str) -> bool:
    """Two printed numbers are the same when they differ by at most one unit of their last digit.

    Whole numbers (counts, row labels) must be equal.
    """
    if a == b:
        return True
    if not re.search(r"[.eE]", a + b):
        return False
    ea = int(re.split(r"[eE]", a)[1]) if re.search(r"[eE]", a) else 0
    eb = int(re.split(r"[eE]", b)[1]) if re.search(r"[eE]", b) else 0
    if ea != eb:
        return math.isclose(float(a), float(b), rel_tol=1e-6)
    unit = 10.0 ** (-max(_decimals(a), _decimals(b)) + ea)
    return abs(float(a) - float(b)) <= unit * 1.000001


def _text_difference(stored: str, fresh: str) -> str | None:
    """``None`` when two texts are the same up to rounding of their printed numbers, else a hint."""
    stored, fresh = _normalise_text(stored), _normalise_text(fresh)
    if stored == fresh:
        return None
    if _NUMBER.sub("#", stored) != _NUMBER.sub("#", fresh):
        for i, (x, y) in enumerate(zip(stored, fresh, strict=False)):
            if x != y:
                return f"stored {stored[max(0, i - 40) : i + 40]!r}, now {fresh[max(0, i - 40) : i + 40]!r}"
        return f"stored text has {len(stored)} characters, now {len(fresh)}"
    for x, y in zip(_NUMBER.findall(stored), _NUMBER.findall(fresh), strict=True):
        if not _same_number_text(x, y):
            return f"stored number {x}, now {y}"
    return None


def _typed_array(value: Any) -> Any:
    """The numbers of a plotly typed array (``{"dtype": "f8", "bdata": <base64>}``) as a list."""
    import numpy as np

    array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    if "shape" in value:
        shape = value["shape"]
        array = array.reshape([int(n) for n in shape.split(",")] if isinstance(shape, str) else shape)
    return array.tolist()


def _value_difference(stored: Any, fresh: Any, where: str = "") -> str | None:
    """Compare JSON values: numbers to 1e-6 relative, strings as printed text, the rest exactly.

    Plotly stores numeric arrays as base64 typed arrays; they are compared as numbers.
    """
    if isinstance(stored, dict) and "bdata" in stored:
        stored = _typed_array(stored)
    if isinstance(fresh, dict) and "bdata" in fresh:
        fresh = _typed_array(fresh)
    if isinstance(stored, dict) and isinstance(fresh, dict):
        if stored.keys() != fresh.keys():
            return f"{where or 'figure'}: keys {sorted(stored)} stored, {sorted(fresh)} now"
        for key in stored:
            diff = _value_difference(stored[key], fresh[key], f"{where}.{key}" if where else key)
            if diff:
                return diff
        return None
    if isinstance(stored, list) and isinstance(fresh, list):
        if len(stored) != len(fresh):
            return f"{where}: {len(stored)} values stored, {len(fresh)} now"
        for i, (x, y) in enumerate(zip(stored, fresh, strict=True)):
            diff = _value_difference(x, y, f"{where}[{i}]")
            if diff:
                return diff
        return None
    numbers = (int, float)
    if (
        isinstance(stored, numbers)
        and isinstance(fresh, numbers)
        and not isinstance(stored, bool)
        and not isinstance(fresh, bool)
    ):
        if math.isclose(stored, fresh, rel_tol=1e-6, abs_tol=1e-9) or (math.isnan(stored) and math.isnan(fresh)):
            return None
        return f"{where}: stored {stored!r}, now {fresh!r}"
    if isinstance(stored, str) and isinstance(fresh, str):
        diff = _text_difference(stored, fresh)
        return f"{where}: {diff}" if diff else None
    return None if stored == fresh else f"{where}: stored {stored!r}, now {fresh!r}"


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_difference(stored: dict, fresh: dict) -> str | None:
    if stored.get("output_type") != fresh.get("output_type"):
        return f"a {stored.get('output_type')} output stored, a {fresh.get('output_type')} output now"
    kind = fresh["output_type"]
    if kind == "stream":
        if stored.get("name") != fresh.get("name"):
            return f"{stored.get('name')} stored, {fresh.get('name')} now"
        return _text_difference(_joined(stored.get("text", "")), _joined(fresh.get("text", "")))
    if kind == "error":
        return f"an error now: {fresh.get('ename')}: {fresh.get('evalue')}"
    sdata, fdata = stored.get("data", {}), fresh.get("data", {})
    if PLOTLY_MIME in sdata and PNG_MIME not in sdata:
        return "a figure without its PNG copy"
    skeys, fkeys = set(sdata) - {PNG_MIME}, set(fdata) - {PNG_MIME}
    if skeys != fkeys:
        return f"output types {sorted(skeys)} stored, {sorted(fkeys)} now"
    for mime in sorted(fkeys):
        if mime.endswith("json"):
            diff = _value_difference(sdata[mime], fdata[mime])
        else:
            diff = _text_difference(_joined(sdata[mime]), _joined(fdata[mime]))
        if diff:
            return f"{mime}: {diff}"
    return None


def stale_outputs(stored: Any, fresh: Any) -> list[str]:
    """What differs between the stored notebook and a fresh run of it (empty when they agree).

    Code, outputs and execution counts are compared cell by cell; printed numbers may differ by one
    unit of their last digit, figure numbers by 1e-6 relative; temporary folder names and memory
    addresses are ignored; every figure must carry its PNG copy.
    """
    problems = []
    scode = [c for c in stored.cells if c.cell_type == "code"]
    fcode = [c for c in fresh.cells if c.cell_type == "code"]
    if [c.source for c in scode] != [c.source for c in fcode]:
        return ["the code cells differ from the notebook that was run"]
    for number, (s, f) in enumerate(zip(scode, fcode, strict=True), start=1):
        where = f"code cell {number} ({s.source.splitlines()[0][:60] if s.source else 'empty'!r})"
        if s.get("execution_count") != f.get("execution_count"):
            problems.append(
                f"{where}: execution count {s.get('execution_count')} stored, "
                f"{f.get('execution_count')} now (run every cell, in order)"
            )
            continue
        souts, fouts = s.get("outputs", []), f.get("outputs", [])
        if len(souts) != len(fouts):
            problems.append(f"{where}: {len(souts)} outputs stored, {len(fouts)} now")
            continue
        for so, fo in zip(souts, fouts, strict=True):
            diff = _output_difference(so, fo)
            if diff:
                problems.append(f"{where}: {diff}")
                break
    return problems


def render(path: Path, check: bool = False) -> list[str]:
    """Run the notebook at ``path``; store it with its outputs (or, with ``check``, only compare)."""
    import nbformat

    stored = nbformat.read(path, as_version=4)
    fresh = execute(path)
    if check:
        return stale_outputs(stored, fresh)
    drawn, kept = add_pngs(fresh, stored)
    nbformat.validate(fresh)
    nbformat.write(fresh, path)
    print(f"{path.name}: stored; {drawn} figure(s) drawn, {kept} kept")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every notebook in notebooks/)")
    parser.add_argument("--check", action="store_true", help="only report notebooks whose stored outputs are stale")
    args = parser.parse_args(argv)
    stale = 0
    for path in args.paths or notebooks():
        problems = render(path.resolve(), check=args.check)
        if problems:
            stale += 1
            print(f"{path.name}: stored outputs are out of date:")
            print("\n".join(f"  {p}" for p in problems))
        elif args.check:
            print(f"{path.name}: up to date")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
