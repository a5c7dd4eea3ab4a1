"""Work in a second process (tip_eval.report.background): the same result as doing it here, always.

A brief reads its study in a forked child while it imports what writes it, and writes its workbook
in another while it writes the brief. Whatever happens in the child, the caller gets what the work
itself would give: the value, or the work done again here (and its error raised here).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from tip_eval.report import background
from tip_eval.report.background import WRITING_IMPORTS
from tip_eval.report.brief import run_brief

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
needs_fork = pytest.mark.skipif(not background.can_fork(), reason="runs only where fork and a second CPU exist")


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"id": ["P1", "P2", None], "score": [0.5, 1.0, float("nan")], "pid": os.getpid()})


@needs_fork
def test_the_result_comes_from_the_child_and_equals_the_works():
    pending = background.start(_frame)
    assert pending.forked
    got = pending.result()
    assert got["pid"].iloc[0] != os.getpid()  # computed in the child ...
    pd.testing.assert_frame_equal(got.drop(columns="pid"), _frame().drop(columns="pid"))  # ... and the same


def test_without_fork_the_work_is_done_here(monkeypatch):
    monkeypatch.setattr(background, "can_fork", lambda: False)
    pending = background.start(_frame)
    assert not pending.forked
    assert pending.result()["pid"].iloc[0] == os.getpid()


@needs_fork
def test_an_error_in_the_child_is_raised_here_by_doing_the_work_again(tmp_path):
    marks = tmp_path / "runs"

    def work():
        with open(marks, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        raise ValueError("the study cannot be read")

    pending = background.start(work)
    with pytest.raises(ValueError, match="the study cannot be read"):
        pending.result()
    pids = marks.read_text().split()
    assert len(pids) == 2 and pids[1] == str(os.getpid()) != pids[0]  # tried in the child, then here


@needs_fork
def test_a_result_that_cannot_be_sent_is_computed_here():
    pending = background.start(lambda: (lambda: "a closure cannot be pickled", os.getpid()))
    _fn, pid = pending.result()
    assert pid == os.getpid()


@needs_fork
def test_warnings_given_in_the_child_are_given_here():
    def work():
        warnings.warn("a setting was ignored", UserWarning, stacklevel=1)
        return 7

    with pytest.warns(UserWarning, match="a setting was ignored"):
        assert background.start(work).result() == 7


@needs_fork
def test_cancel_ends_the_child(tmp_path):
    done = tmp_path / "done"

    def slow():
        import time

        time.sleep(30)
        done.write_text("finished")

    pending = background.start(slow)
    pending.cancel()
    assert not done.exists()
    pending.cancel()  # a second cancel does nothing


def test_every_module_a_brief_imports_beforehand_exists():
    for name in WRITING_IMPORTS:
        importlib.import_module(name)


def _text(path: Path) -> str:
    """brief.html without the figures' random element ids."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", path.read_text("utf-8"))


def _cells(path: Path) -> dict[str, list[tuple]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


@pytest.fixture(scope="module")
def brief_here(tmp_path_factory) -> Path:
    """The sample brief written in this process alone."""
    out = tmp_path_factory.mktemp("here")
    assert run_brief(SAMPLE, out, cache=False) == 0
    return out


def _same(a: Path, b: Path) -> None:
    assert _text(a / "brief.html") == _text(b / "brief.html")
    assert _cells(a / "tables.xlsx") == _cells(b / "tables.xlsx")


@needs_fork
def test_a_brief_written_with_second_processes_is_the_same(tmp_path, brief_here):
    reading = background.start(lambda: background.read_study(SAMPLE, cache=False, lang=None))
    assert run_brief(SAMPLE, tmp_path, cache=False, reading=reading, beside=True) == 0
    _same(tmp_path, brief_here)


@needs_fork
def test_the_command_reads_and_writes_beside_itself_and_writes_the_same_brief(tmp_path, brief_here):
    """``tip-eval brief`` as its own process (where it forks), against the brief written here."""
    run = subprocess.run(
        [sys.executable, "-c", "from tip_eval.cli import main; main()", "brief", str(SAMPLE), "--no-cache"]
        + ["--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Brief written to" in run.stdout
    _same(tmp_path, brief_here)
