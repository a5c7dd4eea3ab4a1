"""Limits and refusals shared by every reader: file size, sheet extent and area, expanded text, signatures.

Every refusal is a :class:`tip_eval.InputRefused` whose message names the file and says what to do.
Split from :mod:`tip_eval.io.read`, which re-exports :class:`ReadLimits`.

The limits a study's own ``study.toml`` may set (``[limits]``, see :mod:`tip_eval.io.config`) apply
to every file of that study: :func:`tip_eval.io.load.load_sources` reads them
:func:`using_limits`, and every reader that is given no ``limits`` takes :func:`active_limits`.
A study folder comes from someone else, so it may raise a limit only up to :data:`CEILINGS`;
code that calls the readers itself can pass any :class:`ReadLimits`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from tip_eval.errors import InputRefused
from tip_eval.i18n import N_, _, format_integer, format_number

__all__ = ["CEILINGS", "TEXT_SUFFIXES", "WORKBOOK_SUFFIXES", "ReadLimits", "active_limits", "using_limits"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_OLD_EXCEL_SUFFIXES = (".xls", ".xlsb", ".xlt")

_MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Limits that protect the computer from oversized or malicious files.

    Every limit can be raised for a file that really is that large:
    ``read_table(path, limits=ReadLimits(max_rows=500_000))``, or for every file of a study in its
    ``study.toml`` (up to :data:`CEILINGS`)::

        [limits]
        max_rows = 500000

    Attributes
    ----------
    max_file_bytes : int
        Largest file accepted, in bytes (default 50 MB).
    max_zip_ratio : float
        Largest unpacked/packed size ratio of one workbook part (default 100). Parts smaller than
        ``ratio_floor_bytes`` are not checked (tiny parts compress well for innocent reasons).
    ratio_floor_bytes : int
        See ``max_zip_ratio`` (default 1 MB).
    max_uncompressed_bytes : int
        Largest total unpacked size of a workbook (default 500 MB).
    max_rows, max_cols : int
        Largest row and column number a cell may have, in every sheet (defaults 200,000 rows and
        500 columns). The sheet's declared ``<dimension>`` is held to the same limits.
    max_cells : int
        Largest sheet area (rows x columns) that may be loaded into memory (default 10 million).
    max_members : int
        Largest number of parts in a workbook's zip (default 10,000).
    max_cell_chars : int
        Most characters one cell may expand to (default 32,767, Excel's own limit): a shared
        string, an inline string, or an OpenDocument cell with its ``<text:s text:c="N"/>``
        space runs.
    max_sheet_chars : int
        Most characters of text one sheet may expand to, every cell counted with its repeats
        (default 50 million): an .xlsx cell names its text by number in the workbook's shared
        strings, so 12,000 cells naming one 400,000-character string expand a 29 KB file to
        4.8 billion characters; an OpenDocument cell can be repeated across columns and rows.
        Checked while the file is scanned, before the reader allocates anything.
    max_workbook_chars : int
        The same, for all the sheets of one workbook together (default 100 million; the
        OpenDocument reader loads every sheet at once).
    max_merged_ranges : int
        Most merged ranges per sheet (default 100,000).
    """

    max_file_bytes: int = 50 * _MB
    max_zip_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * _MB
    max_uncompressed_bytes: int = 500 * _MB
    max_rows: int = 200_000
    max_cols: int = 500
    max_cells: int = 10_000_000
    max_members: int = 10_000
    max_cell_chars: int = 32_767
    max_sheet_chars: int = 50_000_000
    max_workbook_chars: int = 100_000_000
    max_merged_ranges: int = 100_000

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
                raise ValueError(f"ReadLimits.{f.name} must be a number; got {value!r}")
            if value < (0 if f.name == "ratio_floor_bytes" else 1):
                low = ">= 0" if f.name == "ratio_floor_bytes" else "a positive number"
                raise ValueError(f"ReadLimits.{f.name} must be {low}; got {value!r}")


#: The most a study's own ``study.toml`` may raise each limit to (``[limits]``): a study folder
#: comes from someone else, and a limit it could lift without bound would protect nothing. Code
#: that calls the readers itself may pass any :class:`ReadLimits`.
CEILINGS: dict[str, int | float] = {
    "max_file_bytes": 200 * 1024 * 1024,
    "max_zip_ratio": 1000.0,
    "ratio_floor_bytes": 10 * 1024 * 1024,
    "max_uncompressed_bytes": 1024 * 1024 * 1024,
    "max_rows": 1_048_576,
    "max_cols": 16_384,
    "max_cells": 20_000_000,
    "max_members": 10_000,
    "max_cell_chars": 1_000_000,
    "max_sheet_chars": 100_000_000,
    "max_workbook_chars": 200_000_000,
    "max_merged_ranges": 1_000_000,
}

_ACTIVE: ContextVar[ReadLimits | None] = ContextVar("tip_eval_read_limits", default=None)


def active_limits() -> ReadLimits:
    """The limits readers use when given none: a study's (inside :func:`using_limits`), else the defaults."""
    return _ACTIVE.get() or ReadLimits()


@contextlib.contextmanager
def using_limits(limits: ReadLimits | None) -> Iterator[None]:
    """Within the block, readers given no ``limits`` use ``limits`` (None: the defaults)."""
    token = _ACTIVE.set(limits)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


# ---------------------------------------------------------------------------------- refusals


def _refuse(file: str, reason: str, fix: str) -> NoReturn:
    raise InputRefused(file, reason, fix)


_FRESH_COPY = N_("Ask the sender for a fresh copy saved from Excel (File > Save As > Excel Workbook).")
_RESAVE = N_("Open the file in Excel (or LibreOffice) and save it again as an Excel Workbook (.xlsx).")


def _col_letters(n: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _ref(row: int, col: int) -> str:
    """'XFD1048576 (row 1,048,576, column 16,384)'; without letters past Excel's last column."""
    place = _("row {row}, column {column}").format(row=format_integer(row), column=format_integer(col))
    if col <= 16384 and row <= 1_048_576:
        return f"{_col_letters(col)}{row} ({place})"
    return place


def _check_extent(file: str, where: str, row: int, col: int, limits: ReadLimits, declared: bool = False) -> None:
    if row > limits.max_rows or col > limits.max_cols:
        what = (_("{where} says it spans up to cell {cell}") if declared else _("{where} has a cell at {cell}")).format(
            where=where, cell=_ref(row, col)
        )
        _refuse(
            file,
            _(
                "{what}, beyond the limit of {rows} rows and {columns} columns. Opening it could use up the computer's "
                "memory and stop Python, so it was not opened."
            ).format(what=what, rows=format_integer(limits.max_rows), columns=format_integer(limits.max_cols)),
            _(
                "If the table really is that large, read it with limits=ReadLimits(max_rows=..., max_cols=...). "
                "Otherwise open it in Excel, delete the empty rows and columns after the end of the table (select "
                "them, right-click > Delete), save, and try again."
            ),
        )


def _check_area(file: str, where: str, rows: int, cols: int, limits: ReadLimits) -> None:
    if rows * cols > limits.max_cells:
        _refuse(
            file,
            _(
                "{where} spans {rows} rows x {columns} columns = {cells} cells, more than the limit of {limit} cells "
                "that can safely be loaded into memory."
            ).format(
                where=where,
                rows=format_integer(rows),
                columns=format_integer(cols),
                cells=format_integer(rows * cols),
                limit=format_integer(limits.max_cells),
            ),
            _(
                "If the table really is that large, read it with limits=ReadLimits(max_cells=...). "
                "Otherwise delete the empty rows and columns after the end of the table, save, and try again."
            ),
        )


# -------------------------------------------------------------------------- non-zip content

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"


def _check_file(path: Path, file: str, limits: ReadLimits) -> int:
    if not path.exists():
        _refuse(
            file,
            _("does not exist."),
            _("Check the file name and the folder (and that the file has been copied there)."),
        )
    if not path.is_file():
        _refuse(file, _("is a folder, not a file."), _("Give the path of one workbook or CSV file inside it."))
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        _refuse(
            file,
            _("is {size} MB, larger than the limit of {limit} MB.").format(
                size=format_number(size / _MB, digits=1), limit=format_number(limits.max_file_bytes / _MB, digits=1)
            ),
            _("Check that this is the right file. If it is, read it with limits=ReadLimits(max_file_bytes=...)."),
        )
    return size


# ----------------------------------------------------------------------------- expanded text

_RAISE = N_(
    "If the file is genuine and really holds that much text, raise {key} under [limits] in study.toml "
    "(or ReadLimits({key}=...)); otherwise do not open it and ask the sender for a copy saved from Excel."
)


class TextBudget:
    """The text a workbook's sheets expand to, counted while their XML is scanned (before reading).

    One per workbook; :meth:`sheet` starts the count of a sheet. Counts are upper bounds (XML
    entities and markup inside a cell count in full), compared with ``max_cell_chars``,
    ``max_sheet_chars`` and ``max_workbook_chars``.
    """

    def __init__(self, file: str, limits: ReadLimits) -> None:
        self.file = file
        self.limits = limits
        self.total = 0
        self.where = ""
        self.sheet_total = 0

    def sheet(self, where: str) -> TextBudget:
        """Start counting a new sheet."""
        self.where = where
        self.sheet_total = 0
        return self

    def restart(self) -> None:
        """Count the current sheet again from its start (its first count is forgotten)."""
        self.total -= self.sheet_total
        self.sheet_total = 0

    def cell(self, chars: int, what: str = N_("a cell")) -> None:
        """Refuse a single cell that expands to more than ``max_cell_chars``; ``what`` (marked with
        ``N_``) names it.
        """
        if chars > self.limits.max_cell_chars:
            _refuse(
                self.file,
                _(
                    "{where} has {what} that expands to {n} characters, more than the limit of {limit} for one cell "
                    "(Excel itself holds at most {excel}). Such files are made to fill the computer's memory, so it "
                    "was not opened."
                ).format(
                    where=self.where,
                    what=_(what),
                    n=format_integer(chars),
                    limit=format_integer(self.limits.max_cell_chars),
                    excel=format_integer(32767),
                ),
                _(_RAISE).format(key="max_cell_chars"),
            )

    def fits(self, chars: int) -> bool:
        """Whether ``chars`` more characters stay within the sheet's and the workbook's limits."""
        return (
            self.sheet_total + chars <= self.limits.max_sheet_chars
            and self.total + chars <= self.limits.max_workbook_chars
        )

    def add(self, chars: int) -> None:
        """Count ``chars`` more characters of the current sheet (and workbook); refuse past a limit."""
        if chars <= 0:
            return
        self.sheet_total += chars
        self.total += chars
        lim = self.limits
        if self.sheet_total > lim.max_sheet_chars:
            _refuse(
                self.file,
                _(
                    "{where} expands to more than {limit} characters of text (cells that repeat long text), more than "
                    "the limit for one sheet. Opening it could use up the computer's memory and stop Python, so it was "
                    "not opened."
                ).format(where=self.where, limit=format_integer(lim.max_sheet_chars)),
                _(_RAISE).format(key="max_sheet_chars"),
            )
        if self.total > lim.max_workbook_chars:
            _refuse(
                self.file,
                _(
                    "expands to more than {limit} characters of text in all its sheets, more than the limit for one "
                    "workbook. Opening it could use up the computer's memory and stop Python, so it was not "
                    "opened."
                ).format(limit=format_integer(lim.max_workbook_chars)),
                _(_RAISE).format(key="max_workbook_chars"),
            )


def _check_merges(file: str, where: str, count: int, limits: ReadLimits) -> None:
    if count > limits.max_merged_ranges:
        _refuse(
            file,
            _("{where} has more than {limit} merged ranges, far more than a table has.").format(
                where=where, limit=format_integer(limits.max_merged_ranges)
            ),
            _(_RAISE).format(key="max_merged_ranges"),
        )
