"""The rows of every sheet a study's load read, for the row account, held as a few arrays.

:func:`tip_eval.io.layouts.read_sheet` records, for each sheet, how many rows it had below its header,
the rows the reader handed on, the rows it left out and the rows that took several lines (a CSV record
with a line break in a quoted cell). :func:`tip_eval.validation.row_account` later checks that each
row was used or is named in a problem line.

A study of 2,000 workbooks reads 10,000 sheets. Held as a dictionary of dictionaries and lists per
sheet, those records were 50,000 small Python objects, each made while the sheet's cells were alive
and each outliving them: Python's allocator cannot give back a block of its memory while one object
in it is alive. With the headers of each sheet (see :func:`tip_eval.io.load.load_sources`), they kept
about 90 MB of freed cells resident through validation. :class:`SheetLines` keeps the same records
in arrays, and gives each back as the dictionary it was when it is read.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

__all__ = ["SheetLines", "shared_name"]


def shared_name(name: Any) -> Any:
    """One string object for every equal file or sheet name (the names read repeat on every workbook)."""
    return sys.intern(name) if type(name) is str else name


class SheetLines(Mapping[tuple, dict[str, Any]]):
    """``(file, sheet) -> {"read": n, "rows": [...], "ignored": {row: why}, "row_lines": {row: lines}}``.

    A mapping like the dictionary it replaces: a sheet recorded again replaces its earlier record and
    keeps its place. ``read`` counts the rows below the header before any parsing, ``rows`` are the
    rows the reader handed on (their numbers in the sheet), ``ignored`` the rows it left out and why,
    ``row_lines`` the rows that took more than one line of a CSV file.
    """

    def __init__(self) -> None:
        self._files: list[Any] = []
        self._sheets: list[Any] = []
        self._read = array("q")
        self._bounds = array("q", [0])  # the rows of record i are _rows[_bounds[i]:_bounds[i + 1]]
        self._rows = array("q")
        self._notes: dict[int, tuple[dict, dict]] = {}  # record -> (ignored, row_lines), when not both empty
        self._at: dict[tuple, int] | None = None  # (file, sheet) -> its last record, made when first looked up

    def add(
        self,
        file: str,
        sheet: str | None,
        read: int,
        rows: Any,
        ignored: Mapping[int, str] | None = None,
        row_lines: Mapping[int, int] | None = None,
    ) -> None:
        """Record a sheet: ``read`` rows below its header, ``rows`` handed on (integers), and the rows
        left out (``ignored``) or taking several lines (``row_lines``).
        """
        numbers = np.asarray(rows, dtype=np.int64).ravel()
        if ignored or row_lines:
            self._notes[len(self._read)] = (dict(ignored or {}), dict(row_lines or {}))
        self._files.append(shared_name(file))
        self._sheets.append(shared_name(sheet))
        self._read.append(int(read))
        self._rows.frombytes(numbers.tobytes())  # no Python integer per row
        self._bounds.append(len(self._rows))
        self._at = None

    def _positions(self) -> dict[tuple, int]:
        if self._at is None:
            at: dict[tuple, int] = {}
            for i, key in enumerate(zip(self._files, self._sheets)):
                at[key] = i  # a sheet recorded again: its last record, at the place of its first
            self._at = at
        return self._at

    def __getitem__(self, key: tuple) -> dict[str, Any]:
        i = self._positions()[key]
        ignored, row_lines = self._notes.get(i, ({}, {}))
        return {
            "read": self._read[i],
            "rows": self._rows[self._bounds[i] : self._bounds[i + 1]].tolist(),
            "ignored": dict(ignored),
            "row_lines": dict(row_lines),
        }

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())

    def __repr__(self) -> str:
        return f"SheetLines({len(self)} sheets, {len(self._rows)} rows)"
