"""A step run in a forked child gives what it gives in-process, and anything unexpected there runs it here."""

from __future__ import annotations

import os
import re
import sys
import threading
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tip_eval.report import forked

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="steps are forked on Linux only")


@linux_only
def test_a_step_runs_in_a_child_and_its_result_comes_back_whole():
    frame = pd.DataFrame({"id": pd.array(["a", "b", None], dtype="str"), "n": pd.array([1, None, 3], dtype="Int64")})
    frame.attrs["note"] = "kept"

    def step():
        return os.getpid(), frame.assign(twice=frame["n"] * 2)

    with forked.start(step) as job:
        assert job.forked
        pid, got = job.result()
    assert pid != os.getpid()  # computed elsewhere
    expected = frame.assign(twice=frame["n"] * 2)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == {"note": "kept"}


@linux_only
def test_a_failing_child_step_is_run_again_here_with_its_own_error():
    calls = []

    def step():
        calls.append(os.getpid())
        raise ValueError("the sheet 'Pre-test' has no header row")

    with forked.start(step) as job, pytest.raises(ValueError, match="has no header row"):
        job.result()
    assert calls == [os.getpid()]  # the child's call is not seen here: the step ran here once, and raised


@linux_only
def test_a_child_that_dies_or_cannot_send_its_result_leaves_the_step_to_this_process():
    here = os.getpid()

    def dies():
        if os.getpid() != here:
            os._exit(3)
        return "run here"

    def unpicklable():
        return (lambda: 1) if os.getpid() != here else "run here"

    for step in (dies, unpicklable):
        with forked.start(step) as job:
            assert job.forked
            assert job.result() == "run here"


@linux_only
def test_warnings_raised_in_the_child_are_raised_here():
    def step():
        warnings.warn("the cache could not be written", UserWarning, stacklevel=1)
        return 1

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with forked.start(step) as job:
            assert job.result() == 1
    assert [str(w.message) for w in caught] == ["the cache could not be written"]
    assert caught[0].category is UserWarning


@linux_only
def test_a_child_whose_result_is_not_asked_for_is_stopped():
    with pytest.raises(KeyboardInterrupt), forked.start(lambda: __import__("time").sleep(60)) as job:
        pid = job._pid
        raise KeyboardInterrupt
    with pytest.raises(ChildProcessError):  # reaped: it is no child of this process any more
        os.waitpid(pid, os.WNOHANG)


@linux_only
def test_when_no_second_process_can_be_had_the_step_runs_here(monkeypatch):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    with forked.start(os.getpid) as job:
        assert not job.forked
        assert job.result() == os.getpid()


def test_no_fork_when_turned_off_or_when_threads_run(monkeypatch):
    monkeypatch.setenv(forked.PROCESSES_VARIABLE, "1")
    assert not forked.can_fork()
    job = forked.start(os.getpid)
    assert not job.forked and job.result() == os.getpid()
    monkeypatch.delenv(forked.PROCESSES_VARIABLE)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not forked.can_fork()  # a fork would copy one thread of two
    finally:
        stop.set()
        worker.join()


def _brief_files(out: Path) -> dict[str, bytes]:
    """brief.html (plotly's random ids masked) and every part of tables.xlsx but its creation time."""
    html = re.sub(
        rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", b"ID", (out / "brief.html").read_bytes()
    )
    with zipfile.ZipFile(out / "tables.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
    return {"brief.html": html, **parts}


@linux_only
def test_a_brief_written_with_forked_steps_is_the_brief_written_in_one_process(tmp_path, monkeypatch):
    from tip_eval.report.brief import run_brief

    monkeypatch.setenv("TIP_EVAL_CACHE_DIR", str(tmp_path / "cache"))
    assert forked.can_fork()
    started, ran_here = [], []
    real_start = forked.start

    def spy(fn):  # a step run here (not in its child) leaves its mark in this process
        started.append(fn)
        return real_start(lambda: ran_here.append(fn) or fn())

    monkeypatch.setattr(forked, "start", spy)
    run_brief(ROOT / "sample_data", tmp_path / "forked", cache=False, parallel=True)
    assert len(started) == 2 and ran_here == []  # the study's load and the workbook, each in its child
    monkeypatch.setattr(forked, "start", real_start)
    monkeypatch.setenv(forked.PROCESSES_VARIABLE, "1")
    run_brief(ROOT / "sample_data", tmp_path / "one", cache=False, parallel=True)
    one, two = _brief_files(tmp_path / "one"), _brief_files(tmp_path / "forked")
    assert one.keys() == two.keys()
    assert [k for k in one if one[k] != two[k]] == []


def test_what_a_brief_imports_beside_a_loading_study_is_what_it_imports_anyway(tmp_path):
    """BRIEF_MODULES imports nothing a brief of the sample study would not import in one process."""
    import subprocess

    code = (
        "import sys\n"
        "from tip_eval.report.brief import run_brief\n"
        "from tip_eval.report.forked import BRIEF_MODULES\n"
        f"run_brief({str(ROOT / 'sample_data')!r}, {str(tmp_path / 'out')!r}, cache=False)\n"
        "print([m for m in BRIEF_MODULES if m not in sys.modules])\n"
    )
    env = {**os.environ, forked.PROCESSES_VARIABLE: "1", "TIP_EVAL_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_small_study_is_told_by_its_files_wherever_it_is_reached_from(tmp_path, monkeypatch):
    study = tmp_path / "study"
    (study / "trainings").mkdir(parents=True)
    (study / "study.toml").write_text("[study]\n", encoding="utf-8")
    (study / "trainings" / "a.xlsx").write_bytes(b"x" * 1000)
    link = tmp_path / "link"
    link.symlink_to(study, target_is_directory=True)
    assert forked.small([study]) and forked.small([study / "study.toml"]) and forked.small([link])
    monkeypatch.setattr(forked, "SMALL_STUDY_BYTES", 999)  # the workbook alone is over: not small, however reached
    assert not forked.small([study]) and not forked.small([study / "study.toml"]) and not forked.small([link])
    monkeypatch.setattr(forked, "SMALL_STUDY_BYTES", 10_000)
    assert forked.small([study, study])  # a programme's folders add up: 2,000 bytes and two study.toml
    monkeypatch.setattr(forked, "SMALL_STUDY_ENTRIES", 3)  # a folder of very many files is not small either
    assert not forked.small([study])
