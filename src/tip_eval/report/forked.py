"""A step run in a second process while this one goes on (``tip-eval brief`` of a small study).

A first brief of a small study spends most of its time on two things that do not depend on each
other: reading and checking the study, and importing the libraries the analyses, the plan, the
figures and the workbook use (scipy, statsmodels, plotly, openpyxl, HiGHS ...), each about as long
as the other. :func:`start` runs the first in a forked child process while this process imports the
second (:func:`preload`); the study comes back through a pipe. Once the disclosure plan is solved,
the workbook is written the same way, in a child, while this process writes the brief.

When a step runs in a child, and what the child may do
------------------------------------------------------
- Only on Linux, and only while the process runs a single Python thread (:func:`can_fork`): a
  Jupyter kernel, or a program with threads of its own, runs every step in-process, as before. The
  environment variable ``TIP_EVAL_PROCESSES=1`` turns it off.
- The child runs the very function the process would have run, on the same inputs; its result comes
  back pickled through a pipe that only the two processes hold. Warnings it raised are recorded
  there and raised again here.
- Nothing unexpected in the child is reported from there: when it raises, cannot send its result
  or dies, the step runs again here, in-process, so an error, its message and its traceback are
  those of an ordinary run. A refused study is refused by this process, as before.
- The child ends with ``os._exit``: it never flushes this process's buffered output, runs its exit
  handlers or writes anything but its result.
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import signal
import stat
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Generic, TypeVar

__all__ = ["BRIEF_MODULES", "SMALL_STUDY_BYTES", "Job", "can_fork", "no_cycle_collection", "preload", "small", "start"]

T = TypeVar("T")

#: the environment variable that, set to 1, keeps every step in this process
PROCESSES_VARIABLE = "TIP_EVAL_PROCESSES"

#: what a brief imports to receive its study and after (its analyses, plan, figures, brief and workbook),
#: imported while a small study loads in a second process (``run_brief``); a test checks a brief imports each anyway
BRIEF_MODULES = (
    "tip_eval.study",  # the study's own classes, to unpickle it (pandera with them)
    "scipy.special",
    "scipy.stats",
    "scipy.optimize",
    "scipy.sparse.csgraph",
    "statsmodels.regression.linear_model",
    "statsmodels.regression.mixed_linear_model",
    "statsmodels.discrete.discrete_model",
    "statsmodels.stats.multitest",
    "highspy",
    "plotly.io",
    "plotly.offline",
    "jinja2",
    "tip_eval.analysis",
    "tip_eval.stats.models",
    "tip_eval.disclosure.plan",
    "tip_eval.disclosure.solver",
    "tip_eval.tables",
    "tip_eval.plots",
    "tip_eval.io.write",
    "tip_eval.problems_file",
    "tip_eval.report.publication",
    "tip_eval.report.workbook",
    "tip_eval.report.fonts",
)

#: the most a study's files may hold for it to be read in a second process: a larger study takes far
#: longer to read than the imports it would overlap, and its tables would be copied through the pipe
SMALL_STUDY_BYTES = 4 << 20
#: the most files and folders :func:`small` looks at before it says a study is not small
SMALL_STUDY_ENTRIES = 2_000


def can_fork() -> bool:
    """True when a step may run in a forked child (see the module docstring)."""
    if os.environ.get(PROCESSES_VARIABLE, "").strip() == "1":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def small(paths: Iterable[str | Path]) -> bool:
    """True when the study folders ``paths`` hold at most SMALL_STUDY_BYTES in SMALL_STUDY_ENTRIES files.

    A ``study.toml`` given instead of its folder counts its folder; links inside are not followed (the
    study's own reading refuses them anyway).
    """
    total, entries = 0, 0
    roots = [Path(p).resolve() for p in paths]  # a study reached through a link is measured where it is
    stack = [p.parent if p.suffix.lower() == ".toml" else p for p in roots]
    while stack:
        p = stack.pop()
        entries += 1
        try:
            info = p.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            try:
                stack.extend(p.iterdir())
            except OSError:
                continue
        elif stat.S_ISREG(info.st_mode):
            total += info.st_size
        if total > SMALL_STUDY_BYTES or entries > SMALL_STUDY_ENTRIES:
            return False
    return True


@contextmanager
def no_cycle_collection(on: bool) -> Iterator[None]:
    """Python's cycle collector off inside the block when ``on``; as it was, afterwards.

    For the brief of a small study: the sample study's brief ran it 20 times (0.10 s) to find 1,260
    objects in cycles. Off, the forked children do not run it either. What the block keeps is then
    moved to the oldest generation, so that the first collection after it does not scan it all.
    """
    was = gc.isenabled()
    if on:
        gc.disable()
    try:
        yield
    finally:
        if on:
            gc.freeze()
            gc.unfreeze()
        if was:
            gc.enable()


def preload(modules: Iterable[str]) -> None:
    """Import ``modules`` now (one not installed is skipped: the step that needs it says so)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


class Job(Generic[T]):
    """A step started by :func:`start`; :meth:`result` returns what it returned.

    Used as a context manager: on the way out the child is waited for, and stopped first when its
    result was never asked for (this process raised before it needed it).
    """

    def __init__(self, fn: Callable[[], T], pid: int | None = None, fd: int | None = None) -> None:
        self._fn = fn
        self._pid = pid
        self._fd = fd
        self._read = False

    @property
    def forked(self) -> bool:
        """True when the step runs in a child process."""
        return self._pid is not None

    def result(self) -> T:
        """The step's return value: the child's, or, when it had none to give, the step run here."""
        if self._pid is None:
            return self._fn()
        fd, self._fd = self._fd, None
        assert fd is not None
        with os.fdopen(fd, "rb") as pipe:  # the child closes its end once its result is written
            data = pipe.read()
        self._read = True
        try:  # a child that failed wrote nothing, one that died midway an incomplete pickle
            value, caught = pickle.loads(data)
        except Exception:  # noqa: BLE001 - no result to use: the step runs here
            self.close()
            return self._fn()
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno)
        return value

    def close(self) -> None:
        """Wait for the child to end, stopping it first when its result was not read."""
        if self._pid is None:
            return
        if not self._read:  # this process is leaving before it needed the result (an error, Ctrl-C)
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        # after the result was used: the child's own exit (freeing its memory) was not waited for before
        os.waitpid(self._pid, 0)
        self._pid = None

    def __enter__(self) -> Job[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def start(fn: Callable[[], T]) -> Job[T]:
    """Start ``fn()`` in a forked child when :func:`can_fork`; else it runs when its result is asked for.

    Parameters
    ----------
    fn : callable
        The step, without arguments. Its result must pickle (a :class:`~tip_eval.Study`, a path).

    Returns
    -------
    Job
        ``job.result()`` returns ``fn()``'s value, or raises what ``fn()`` raises when run here.
    """
    if not can_fork():
        return Job(fn)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered here may be written twice
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    read_end, write_end = os.pipe()
    # Ctrl-C stops this process, which stops the child (Job.close): the child ignores it, set before
    # the signal can reach it
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except OSError:  # no second process to be had (memory, process limits): the step runs here
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(read_end)
        os.close(write_end)
        return Job(fn)
    if pid == 0:  # the child: run the step, send its result, end without touching anything else
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_end)
            with warnings.catch_warnings(record=True) as caught:
                value = fn()
            sent = [(w.message, w.category, w.filename, w.lineno) for w in caught]
            data = pickle.dumps((value, sent), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # noqa: BLE001 - reported by running the step again in the parent
            code = 1
        finally:
            os._exit(code)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    os.close(write_end)
    return Job(fn, pid, read_end)
