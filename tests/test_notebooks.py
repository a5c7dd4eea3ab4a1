"""The notebooks in notebooks/ run from top to bottom, and the outputs stored in them are current.

Notebooks are stored with their outputs (every figure with a PNG copy) so that GitHub and static
exports show their results; ``python notebooks/render.py`` writes them. Each test here runs a
notebook again and compares what it produces now with what is stored.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WORKED_EXAMPLES = ["01_quickstart", "02_compare_trainings", "03_followup_interviews"]


def _render():
    spec = importlib.util.spec_from_file_location("notebooks_render", ROOT / "notebooks" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _render()


def _read(name: str):
    import nbformat

    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def test_there_are_notebooks():
    assert [p.stem for p in NOTEBOOKS][:3] == WORKED_EXAMPLES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_its_stored_outputs_are_current(path):
    import nbformat

    stored = nbformat.read(path, as_version=4)
    fresh = render.execute(path)  # raises CellExecutionError on any error
    problems = render.stale_outputs(stored, fresh)
    assert not problems, (
        f"{path.name}: the stored outputs are not what the notebook produces now. Run "
        f"`python notebooks/render.py notebooks/{path.name}` and commit the notebook.\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("name", WORKED_EXAMPLES)
def test_worked_example_ends_with_a_table_or_a_figure(name):
    last = [c for c in _read(name).cells if c.cell_type == "code"][-1]
    shown = {mime for out in last.outputs for mime in out.get("data", {})}
    assert shown & {"text/html", render.PLOTLY_MIME}, f"{name} ends with {sorted(shown) or 'no output'}"


def test_every_stored_figure_has_a_png_copy():
    for path in NOTEBOOKS:
        import nbformat

        for bundle in render._figures(nbformat.read(path, as_version=4)):
            png = base64.b64decode(bundle[render.PNG_MIME])
            assert png[:8] == b"\x89PNG\r\n\x1a\n", path.name


# --- the staleness check itself, on a stored notebook (no kernel) ---------------------------------


def _outputs(nb):
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _first_text_output(nb, mime="text/plain"):
    return next(out for out in _outputs(nb) if mime in out.get("data", {}) and render.PLOTLY_MIME not in out["data"])


def test_a_stored_notebook_agrees_with_itself():
    stored = _read("01_quickstart")
    assert render.stale_outputs(stored, copy.deepcopy(stored)) == []


def test_a_changed_number_is_stale_but_rounding_in_the_last_digit_is_not():
    stored = _read("01_quickstart")
    # the overall gains row: "191  64.660796  77.503682  11.611818 ..." at pandas' six decimals
    out = next(o for o in _outputs(stored) if "11.611818" in "".join(o.get("data", {}).get("text/plain", "")))
    text = "".join(out["data"]["text/plain"])

    noisy = copy.deepcopy(stored)
    next(o for o in _outputs(noisy) if "11.611818" in "".join(o.get("data", {}).get("text/plain", "")))["data"][
        "text/plain"
    ] = text.replace("11.611818", "11.611819")
    changed = copy.deepcopy(stored)
    next(o for o in _outputs(changed) if "11.611818" in "".join(o.get("data", {}).get("text/plain", "")))["data"][
        "text/plain"
    ] = text.replace("11.611818", "11.611821")
    count = copy.deepcopy(stored)
    next(o for o in _outputs(count) if "11.611818" in "".join(o.get("data", {}).get("text/plain", "")))["data"][
        "text/plain"
    ] = text.replace("191", "192")

    assert render.stale_outputs(noisy, stored) == []
    assert render.stale_outputs(changed, stored) == [
        "code cell 5 ('overall = te.gains(study)'): text/plain: stored number 11.611821, now 11.611818"
    ]
    assert render.stale_outputs(count, stored) == [
        "code cell 5 ('overall = te.gains(study)'): text/plain: stored number 192, now 191"
    ]


def test_a_changed_figure_or_a_missing_png_is_stale():
    stored = _read("01_quickstart")
    moved = copy.deepcopy(stored)
    bars = render._figures(moved)[-1][render.PLOTLY_MIME]["data"][0]
    people = render._typed_array(bars["x"])  # plotly stores arrays as base64 typed arrays
    bars["x"] = [people[0] + 1, *people[1:]]  # one more person trained
    without_png = copy.deepcopy(stored)
    del render._figures(without_png)[-1][render.PNG_MIME]

    assert render.stale_outputs(moved, stored) == [
        "code cell 14 ('te.plots.kirkpatrick(study, min_cell=study.min_cell)'): "
        f"application/vnd.plotly.v1+json: data[0].x[0]: stored {people[0] + 1!r}, now {people[0]!r}"
    ]
    assert render.stale_outputs(without_png, stored) == [
        "code cell 14 ('te.plots.kirkpatrick(study, min_cell=study.min_cell)'): a figure without its PNG copy"
    ]


def test_temporary_folders_and_memory_addresses_are_not_differences():
    stored = _read("01_quickstart")
    a, b = copy.deepcopy(stored), copy.deepcopy(stored)
    _first_text_output(a)["data"]["text/plain"] = "'/tmp/tmpwq34j0ln/problems.xlsx' <Study at 0x7f3a2c>"
    _first_text_output(b)["data"]["text/plain"] = "'/tmp/tmp_8k2m1qz/problems.xlsx' <Study at 0x7f99aa>"
    assert render.stale_outputs(a, b) == []
    _first_text_output(b)["data"]["text/plain"] = "'/tmp/tmp_8k2m1qz/answers.xlsx' <Study at 0x7f99aa>"
    assert len(render.stale_outputs(a, b)) == 1
