"""One memory allocator for a load: Arrow's buffers and Python's objects from the same heap.

pyarrow allocates its buffers from its own pool (mimalloc or jemalloc), separate from the C library's
``malloc`` that Python's objects and numpy's arrays use. A load first holds millions of small
Python objects (the cells as read and mapped), frees them, and then builds Arrow text columns
(the typed tables): with two allocators, the memory the first step freed cannot be reused by the
second, so both stay resident and the load's peak is their sum. While a study is loaded,
:func:`one_heap` makes the system allocator Arrow's default pool, so that the freed memory is reused.

Buffers remember the pool they came from, so switching the default pool back afterwards is safe.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_heap() -> Iterator[None]:
    """Within the block, Arrow allocates from the system allocator (see the module docstring).

    The previous default pool is restored on leaving. Does nothing if pyarrow has no system pool.
    """
    try:
        import pyarrow as pa

        previous = pa.default_memory_pool()
        pa.set_memory_pool(pa.system_memory_pool())
    except (ImportError, AttributeError, NotImplementedError):  # pragma: no cover - pyarrow without it
        yield
        return
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


#: a step over a table of at least this many rows gives back what it freed (:func:`release_after`)
LARGE_ROWS = 20_000


def release_after(n_rows: int) -> None:
    """:func:`release_free_memory` after a step of a load over a table of ``n_rows`` rows, if it is large.

    A step's temporaries (a column's codes, a copy of a table) are freed when it ends, but the C
    library keeps them for reuse, and the next step's large arrays are given fresh memory: without a
    trim between them, the load's resident size grows by every step's temporaries. A small table's
    step frees too little to be worth the walk of the heap.
    """
    if n_rows >= LARGE_ROWS:
        release_free_memory()


def release_free_memory() -> None:
    """Give the memory a large load freed back to the operating system (glibc's ``malloc_trim``).

    Without it, the freed heap of the cells as read stays part of the process's resident size until
    the allocator happens to reuse it. Does nothing where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - musl and other C libraries
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
