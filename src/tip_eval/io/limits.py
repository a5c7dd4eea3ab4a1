"""Limits and refusals shared by every reader: file size, sheet extent and area, file signatures.

Every refusal is a :class:`tip_eval.InputRefused` whose message names the file and says what to do.
Split from :mod:`tip_eval.io.read`, which re-exports :class:`ReadLimits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from tip_eval.errors import InputRefused

__all__ = ["ReadLimits", "TEXT_SUFFIXES", "WORKBOOK_SUFFIXES"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_OLD_EXCEL_SUFFIXES = (".xls", ".xlsb", ".xlt")

_MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Limits that protect the computer from oversized or malicious files.

    Every limit can be raised for a file that really is that large:
    ``read_table(path, limits=ReadLimits(max_rows=500_000))``.

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
    """

    max_file_bytes: int = 50 * _MB
    max_zip_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * _MB
    max_uncompressed_bytes: int = 500 * _MB
    max_rows: int = 200_000
    max_cols: int = 500
    max_cells: int = 10_000_000
    max_members: int = 10_000

    def __post_init__(self) -> None:
        for name in (
            "max_file_bytes",
            "max_zip_ratio",
            "max_uncompressed_bytes",
            "max_rows",
            "max_cols",
            "max_cells",
            "max_members",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ReadLimits.{name} must be a positive number; got {value!r}")
        if self.ratio_floor_bytes < 0:
            raise ValueError(f"ReadLimits.ratio_floor_bytes must be >= 0; got {self.ratio_floor_bytes!r}")


# ---------------------------------------------------------------------------------- refusals


def _refuse(file: str, reason: str, fix: str) -> NoReturn:
    raise InputRefused(file, reason, fix)


_FRESH_COPY = "Ask the sender for a fresh copy saved from Excel (File > Save As > Excel Workbook)."
_RESAVE = "Open the file in Excel (or LibreOffice) and save it again as an Excel Workbook (.xlsx)."


def _col_letters(n: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _ref(row: int, col: int) -> str:
    """'XFD1048576 (row 1,048,576, column 16,384)'; without letters past Excel's last column."""
    if col <= 16384 and row <= 1_048_576:
        return f"{_col_letters(col)}{row} (row {row:,}, column {col:,})"
    return f"row {row:,}, column {col:,}"


def _check_extent(file: str, where: str, row: int, col: int, limits: ReadLimits, declared: bool = False) -> None:
    if row > limits.max_rows or col > limits.max_cols:
        what = f"says it spans up to cell {_ref(row, col)}" if declared else f"has a cell at {_ref(row, col)}"
        _refuse(
            file,
            f"{where} {what}, beyond the limit of "
            f"{limits.max_rows:,} rows and {limits.max_cols:,} columns. Opening it could use up "
            "the computer's memory and stop Python, so it was not opened.",
            "If the table really is that large, read it with "
            "limits=ReadLimits(max_rows=..., max_cols=...). Otherwise open it in Excel, delete the "
            "empty rows and columns after the end of the table (select them, right-click > Delete), "
            "save, and try again.",
        )


def _check_area(file: str, where: str, rows: int, cols: int, limits: ReadLimits) -> None:
    if rows * cols > limits.max_cells:
        _refuse(
            file,
            f"{where} spans {rows:,} rows x {cols:,} columns = {rows * cols:,} cells, more than the "
            f"limit of {limits.max_cells:,} cells that can safely be loaded into memory.",
            "If the table really is that large, read it with limits=ReadLimits(max_cells=...). "
            "Otherwise delete the empty rows and columns after the end of the table, save, and try again.",
        )


# -------------------------------------------------------------------------- non-zip content

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"


def _check_file(path: Path, file: str, limits: ReadLimits) -> int:
    if not path.exists():
        _refuse(file, "does not exist.", "Check the file name and the folder (and that the file has been copied there).")
    if not path.is_file():
        _refuse(file, "is a folder, not a file.", "Give the path of one workbook or CSV file inside it.")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        _refuse(
            file,
            f"is {size / _MB:,.1f} MB, larger than the limit of {limits.max_file_bytes / _MB:,.1f} MB.",
            "Check that this is the right file. If it is, read it with "
            "limits=ReadLimits(max_file_bytes=...).",
        )
    return size
