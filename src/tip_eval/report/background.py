"""Work done in a second process while this one goes on.

A first brief spends most of its time importing the libraries that analyse and write (pandas,
scipy, statsmodels, plotly, openpyxl ...) and reading the study. The two need not wait for each other:
:func:`start` forks a child process that reads the study while the command imports the rest, and
:meth:`Pending.result` hands the study over.

Nothing is ever lost or changed by this. If the child cannot be started (no ``fork``, one CPU) or
does not deliver (the work raised, its result could not be sent, the child was killed), the
work is simply done again here, so errors are raised in this process, with the same words, as
without it. Warnings the work gave in the child are given again here.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


class Pending(Generic[T]):
    """The result of ``work()``, computed in a child process (or here, when that was not possible)."""

    def __init__(self, work: Callable[[], T], pid: int | None = None, fd: int | None = None) -> None:
        self._work = work
        self._pid = pid
        self._fd = fd

    @property
    def forked(self) -> bool:
        """True when the work runs in a child process."""
        return self._pid is not None

    def result(self) -> T:
        """Wait for the work and return its result (see the module docstring). Call it once."""
        if self._pid is None or self._fd is None:
            return self._work()
        with os.fdopen(self._fd, "rb") as fh:
            data = fh.read()
        os.waitpid(self._pid, 0)
        self._pid = self._fd = None
        try:
            value, caught = pickle.loads(data) if data else (None, None)
        except Exception:  # noqa: BLE001 - a result that did not arrive whole: the work is done here
            caught = None
        if caught is None:
            return self._work()
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno)
        return cast(T, value)

    def cancel(self) -> None:
        """Stop the child, when the result is no longer wanted (the command failed before it)."""
        if self._pid is None or self._fd is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover - it had ended already
            pass
        os.waitpid(self._pid, 0)
        os.close(self._fd)
        self._pid = self._fd = None


def can_fork() -> bool:
    """Whether work can run beside this process: ``fork`` (Linux) and a second CPU to run it on."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # pragma: no cover - no affinity on this system
        return (os.cpu_count() or 1) > 1


def start(work: Callable[[], T]) -> Pending[T]:
    """Start ``work()`` in a child process; :meth:`Pending.result` returns what it returned.

    Call it before starting threads (a progress display, for one): the child is a copy of this
    process, taken at the call.
    """
    if not can_fork():
        return Pending(work)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no memory or process left for a child: the work is done here
        os.close(read_end)
        os.close(write_end)
        return Pending(work)
    if pid == 0:  # pragma: no cover - runs in the child, which ends without returning
        _run_child(work, read_end, write_end)
    os.close(write_end)
    return Pending(work, pid, read_end)


def _run_child(work: Callable[[], object], read_end: int, write_end: int) -> None:
    """In the child: do the work, send (result, warnings) down the pipe, end. Sends nothing on any failure."""
    try:
        os.close(read_end)
        quiet = os.open(os.devnull, os.O_WRONLY)  # what the work prints is said by the parent if it redoes it
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        with warnings.catch_warnings(record=True) as caught:
            value = work()
        said = [(str(w.message), w.category, w.filename, w.lineno) for w in caught]
        data = pickle.dumps((value, said), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as fh:
            fh.write(data)
    except BaseException:  # noqa: BLE001 - the parent does the work itself and raises there
        pass
    finally:
        os._exit(0)


#: what writing a brief imports, most of it inside the functions that use it: imported while a
#: second process reads the study (see ``run_brief``). A module missing here costs only time.
WRITING_IMPORTS = (
    "tip_eval.study",
    "tip_eval.report.publication",
    "tip_eval.report.workbook",
    "tip_eval.analysis",
    "tip_eval.plots",
    "tip_eval.disclosure.plan",
    "tip_eval.stats.models",
    "scipy.stats",
    "statsmodels.regression.mixed_linear_model",
    "plotly.graph_objects",
    "jinja2",
    "openpyxl",
    "highspy",
)


def import_writers() -> None:
    """Import :data:`WRITING_IMPORTS`."""
    for name in WRITING_IMPORTS:
        importlib.import_module(name)


def start_beside(bar: Any, work: Callable[[], T]) -> Pending[T]:
    """``work()`` in a second process (:func:`~tip_eval.report.background.start`); the progress display
    is paused while the process is copied, as no other thread may run then.
    """
    if not can_fork():
        return Pending(work)
    bar.stop()
    try:
        return start(work)
    finally:
        bar.start()


def read_study(path: str | Path, *, cache: bool, lang: str | None) -> Any:
    """A brief's reading of its study: rows with problems quarantined, not refused (see ``run_brief``)."""
    from tip_eval.study import load_study

    return load_study(path, on_error="quarantine", cache=cache, lang=lang)
