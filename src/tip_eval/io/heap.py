"""One memory allocator for a load: Arrow's buffers and Python's objects from the same heap.

pyarrow allocates its buffers from its own pool (mimalloc or jemalloc), separate from the C library's
``malloc`` that Python's objects and numpy's arrays use. A load first holds millions of small
Python objects (the cells as read and mapped), frees them, and then builds Arrow text columns
(the typed tables): with two allocators, the memory the first step freed cannot be reused by the
second, so both stay resident and the load's peak is their sum. While a study is loaded,
:func:`one_heap` makes the system allocator Arrow's default pool, so that the freed memory is reused.

Buffers remember the pool they came from, so switching the default pool back afterwards is safe.

The C library itself keeps freed memory for reuse. Its threshold for giving a large array memory
of its own (glibc's ``M_MMAP_THRESHOLD``) rises, by design, to the size of the largest array freed:
after a load frees its first column of 700,000 rows, every later column came from the shared heap,
and the holes the steps left there stayed resident. :func:`one_heap` fixes the threshold at
:data:`LOAD_MMAP_THRESHOLD` while a study loads (an array of 1 MB or more is returned to the system
as soon as it is freed), and sets it to glibc's own largest threshold afterwards.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: while a study loads, an array of at least this many bytes has memory of its own, given back when freed
LOAD_MMAP_THRESHOLD = 1 << 20
#: glibc's largest threshold on a 64-bit system (DEFAULT_MMAP_THRESHOLD_MAX), which it reaches by itself
#: once a large array has been freed: the threshold after a load
MMAP_THRESHOLD_MAX = 32 << 20
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library if it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # pragma: no cover - musl and other C libraries
        return None
    return libc


def mmap_threshold(nbytes: int) -> bool:
    """Set glibc's ``M_MMAP_THRESHOLD`` (see the module docstring); False where it cannot be set."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(_M_MMAP_THRESHOLD, nbytes))


@contextmanager
def one_heap() -> Iterator[None]:
    """Within the block, Arrow allocates from the system allocator and large arrays are given back
    when freed (see the module docstring).

    Arrow's previous default pool is restored on leaving, and the C library's threshold set to
    :data:`MMAP_THRESHOLD_MAX`. Does nothing where pyarrow has no system pool or the C library is
    not glibc.
    """
    mmap_threshold(LOAD_MMAP_THRESHOLD)
    try:
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
    finally:
        mmap_threshold(MMAP_THRESHOLD_MAX)


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
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
