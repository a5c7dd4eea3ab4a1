"""The load's single heap: Arrow allocates from the system allocator during a load, and only then."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pytest

import tip_eval as te
import tip_eval.study as study_module
from tip_eval.io import heap

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def test_one_heap_switches_arrows_pool_and_restores_it():
    before = pa.default_memory_pool().backend_name
    with heap.one_heap():
        assert pa.default_memory_pool().backend_name == "system"
        buf = pa.array(["a string held by Arrow"] * 100)
    assert pa.default_memory_pool().backend_name == before
    assert buf.to_pylist()[0] == "a string held by Arrow"  # a buffer outlives the switch back


def test_one_heap_restores_the_pool_when_the_block_fails():
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), heap.one_heap():
        raise RuntimeError("a load that fails")
    assert pa.default_memory_pool().backend_name == before


def test_load_study_allocates_from_the_system_heap(monkeypatch):
    seen = []
    real = study_module._load_study

    def spy(*args, **kwargs):
        seen.append(pa.default_memory_pool().backend_name)
        return real(*args, **kwargs)

    monkeypatch.setattr(study_module, "_load_study", spy)
    before = pa.default_memory_pool().backend_name
    study = te.load_study(SAMPLE, cache=False)
    assert seen == ["system"]
    assert pa.default_memory_pool().backend_name == before
    assert len(study.responses) > 0


def test_a_step_over_a_large_table_gives_back_what_it_freed(monkeypatch):
    trims = []
    monkeypatch.setattr(heap, "release_free_memory", lambda: trims.append(1))
    heap.release_after(heap.LARGE_ROWS - 1)  # the sample study's tables: not worth a walk of the heap
    assert trims == []
    heap.release_after(heap.LARGE_ROWS)
    assert trims == [1]


def test_one_heap_gives_large_arrays_their_own_memory_during_a_load_only(monkeypatch):
    set_to = []
    monkeypatch.setattr(heap, "mmap_threshold", lambda nbytes: set_to.append(nbytes) or True)
    with pytest.raises(RuntimeError), heap.one_heap():
        assert set_to == [heap.LOAD_MMAP_THRESHOLD]
        raise RuntimeError("a load that fails")
    assert set_to == [heap.LOAD_MMAP_THRESHOLD, heap.MMAP_THRESHOLD_MAX]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_the_threshold_is_set_with_glibc():
    assert heap.mmap_threshold(heap.MMAP_THRESHOLD_MAX) is True
