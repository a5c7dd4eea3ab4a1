"""Guarded reading of workbooks (.xlsx, .xlsm, .ods) and text tables (.csv, .txt, .tsv).

Files reach tip_eval from other people's computers, so they are treated as untrusted:

1. :func:`guard_workbook` checks a workbook *before* any parser opens it: file size; that it is a
   zip at all (a CSV, web page or PDF renamed to .xlsx, an encrypted/password-protected workbook
   and an old .xls file are told apart and refused with a plain message); every zip member's
   compression ratio and the total unpacked size (zip bombs); that the unpacked sizes are what the
   zip says they are; no XML ``DOCTYPE``/``ENTITY`` declaration in any part (entity-expansion
   "billion laughs" and external-entity attacks; Excel never writes them); and, streaming through
   every worksheet, the declared ``<dimension>`` and the real position of every cell. A single cell
   at XFD1048576 makes the Rust reader allocate the whole sheet and abort the Python process (and
   the Jupyter kernel), so such a file is refused in milliseconds instead of being opened.
2. :func:`read_table` then reads cell values with python-calamine (fast, Rust) and returns a
   :class:`RawTable`: the cells as the reader gives them, plus where each came from (file, sheet,
   the row number Excel shows, the column header), and the located problems found while reading.
   Sheet visibility, merged cells and formulas without a saved result come from the same guarded
   scan, so openpyxl is never run on the cell data.

CSV and text files are decoded from their bytes (a byte-order mark for UTF-8/UTF-16; otherwise
strict UTF-8; otherwise Thai Windows cp874) and split on ``,`` ``;`` or tab, whichever gives the most
consistent table. Every CSV cell is read as text; :mod:`tip_eval.io.clean` decides what it means.

Refusals are :class:`tip_eval.InputRefused`: the message names the file and says what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, NamedTuple, NoReturn, Sequence

import numpy as np
import pandas as pd

from tip_eval.errors import InputRefused
from tip_eval.io.clean import INVISIBLE, _normalize_str, normalize_header, normalize_text
from tip_eval.problems import Problem

__all__ = [
    "RawTable",
    "ReadLimits",
    "SheetInfo",
    "WorkbookCheck",
    "guard_workbook",
    "list_sheets",
    "read_table",
]

# ------------------------------------------------------------------------ defusedxml is required

try:  # openpyxl decides at import whether it parses XML through defusedxml
    import openpyxl as _openpyxl

    DEFUSEDXML_ACTIVE: bool = bool(getattr(_openpyxl, "DEFUSEDXML", False))
except ImportError:  # pragma: no cover - openpyxl is a dependency
    DEFUSEDXML_ACTIVE = False

if not DEFUSEDXML_ACTIVE:
    warnings.warn(
        "openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML=False set, or defusedxml not "
        "installed?). tip_eval will refuse to read workbooks until it is.",
        RuntimeWarning,
        stacklevel=2,
    )

import defusedxml.ElementTree as _safe_et  # noqa: E402  (after the check above on purpose)

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


class SheetInfo(NamedTuple):
    """A sheet of a workbook: its name and ``state`` (``"visible"``, ``"hidden"`` or ``"veryHidden"``).

    ``kind`` is ``"worksheet"`` for a table and ``"chartsheet"``/``"dialogsheet"`` otherwise.
    """

    name: str
    state: str = "visible"
    kind: str = "worksheet"

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass
class WorkbookCheck:
    """What :func:`guard_workbook` found out about a workbook that passed every check.

    Attributes
    ----------
    file : str
        The file, as the user named it.
    format : {"xlsx", "ods"}
        The workbook format found from the content (not the file name).
    sheets : list of SheetInfo
        Every sheet, in workbook order, with its visibility.
    date1904 : bool
        True when the workbook uses Excel's 1904 date system (dates stored as days since 1904-01-01).
    extents : dict
        Sheet name -> (last row, last column) of any cell, 1-based, as found by the scan.
    merged : dict
        Sheet name -> list of merged ranges ``(first_row, first_col, last_row, last_col)``, 1-based.
    formulas_without_result : dict
        Sheet name -> list of ``(row, col)`` (1-based) of formula cells with no saved result.
    """

    file: str
    format: str
    sheets: list[SheetInfo]
    date1904: bool = False
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)
    merged: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    formulas_without_result: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # sheet name -> zip member path (xlsx only)
    _members: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class RawTable:
    """One table as read from a sheet or a CSV file, remembering where every cell came from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The cells below the header, one row per data row, with a fresh ``RangeIndex``. Columns are
        the header texts (tidied by :func:`~tip_eval.io.clean.normalize_text`; two header rows are
        joined as ``"Pre-test / Q1"``). A column with values but no header is named
        ``"column D"`` (and reported as a warning); a header that repeats an earlier one once case,
        spaces and separators are ignored keeps its data under ``"score (column C)"`` (and is
        reported as an error naming both columns) - never ``"Score.1"``. Values are as the reader gives them: from a workbook, text
        (``str``), numbers (``float``), ``bool``, and ``datetime.date``/``datetime.datetime``/
        ``datetime.time`` for cells Excel formats as dates or times; from a CSV file, always text.
        Column dtypes: float64 when every non-empty cell is a number, pandas' string dtype when
        every non-empty cell is text, object otherwise. Empty cells (also cells holding only
        spaces or invisible characters) are missing values - test them with :func:`pandas.isna`
        (NaN in number and text columns, None in object columns). Text is *not* normalised yet:
        use :func:`~tip_eval.io.clean.clean_frame`.
    file : str
        The file, as the user named it.
    sheet : str or None
        The sheet read; None for CSV files.
    header_row : int
        Row number (as Excel shows it) of the last header row.
    excel_rows : pandas.Series
        For each row of ``frame`` (same index), the row number Excel shows (1-based). For CSV
        files, the row Excel shows when it opens the file: the line number, unless a quoted cell
        spans several lines.
    columns_as_written : dict
        Frame column -> the header text exactly as written in the file.
    column_letters : dict
        Frame column -> the column letter(s) as Excel shows them (``"A"``, ``"AB"``).
    problems : list of Problem
        Located problems found while reading (duplicate headers, formulas without a saved result,
        values in a column without a header).
    notes : list of str
        Plain-language notes about what was skipped or assumed (blank rows, notes under the table,
        the text encoding guessed for a CSV file, a hidden sheet read on request).
    ignored_rows : dict
        Row number (as Excel shows it) -> why that row below the header is not in ``frame``
        (``"blank"`` or ``"notes under the table"``). Rows read = ``len(frame)`` + ``len(ignored_rows)``.
    date1904 : bool
        True when the workbook uses the 1904 date system: pass it to
        :func:`~tip_eval.io.clean.parse_date` for date columns that hold plain numbers.
    encoding, delimiter : str or None
        For CSV files, the text encoding and the column separator used.
    """

    frame: pd.DataFrame
    file: str
    sheet: str | None
    header_row: int
    excel_rows: pd.Series
    columns_as_written: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    column_letters: dict[str, str] = field(default_factory=dict)
    ignored_rows: dict[int, str] = field(default_factory=dict)
    date1904: bool = False
    encoding: str | None = None
    delimiter: str | None = None

    def excel_row(self, index: Any) -> int:
        """Row number as Excel shows it of the frame row with label ``index``."""
        return int(self.excel_rows.loc[index])


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


def _decode_head(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return head[3:].decode("utf-8", "replace")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", "replace")
    if len(head) >= 4 and head[1:2] == b"\x00" and head[3:4] == b"\x00":
        return head.decode("utf-16-le", "replace")
    if len(head) >= 4 and head[0:1] == b"\x00" and head[2:3] == b"\x00":
        return head.decode("utf-16-be", "replace")
    return head.decode("utf-8", "replace")


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    return bad <= len(text) // 100


def _guess_delimiter_name(text: str) -> str:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    names = {",": "commas", ";": "semicolons", "\t": "tabs"}
    if counts[best] == 0:
        return "plain text"
    return f"CSV: values separated by {names[best]}"


def _describe_non_workbook(path: Path, head: bytes) -> tuple[str, str]:
    """(reason, fix) for a file named like a workbook whose bytes are not a zip."""
    if not head:
        return (
            "is empty (0 bytes), so it is not an Excel workbook.",
            "Copy or download the file again; it may not have been saved completely.",
        )
    if head.startswith(_OLE2):
        with open(path, "rb") as fh:
            content = fh.read(8 * _MB)
        if "EncryptedPackage".encode("utf-16-le") in content or "EncryptionInfo".encode("utf-16-le") in content:
            return (
                "is a password-protected (encrypted) workbook, which cannot be read without the password.",
                "Open it in Excel with the password, then File > Info > Protect Workbook > Encrypt with "
                "Password, delete the password, click OK and save. Then read the saved copy.",
            )
        return (
            "is an old Excel 97-2003 workbook (.xls) or another Office file, not an Excel Workbook (.xlsx).",
            "Open it in Excel and use File > Save As > Excel Workbook (.xlsx) (without a password).",
        )
    if head.startswith(b"%PDF"):
        return ("is a PDF document, not an Excel workbook.", "Ask for the data as an Excel workbook (.xlsx).")
    with open(path, "rb") as fh:
        head = fh.read(4096)
    text = _decode_head(head)
    low = text.lstrip().lower()
    if low.startswith("<!doctype html") or "<html" in low[:2000] or "<table" in low[:2000]:
        return (
            "is not an Excel workbook: it is a web page (HTML), as some systems produce when they "
            "'export to Excel'.",
            "Open it in Excel and use File > Save As > Excel Workbook (.xlsx), then read the saved copy.",
        )
    if low.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in low:
        return (
            "is not an Excel workbook: it is an 'XML Spreadsheet 2003' file.",
            "Open it in Excel and use File > Save As > Excel Workbook (.xlsx), then read the saved copy.",
        )
    if low.startswith("<"):
        return ("is not an Excel workbook: it is an XML or web file.", _RESAVE)
    if _looks_like_text(text):
        kind = _guess_delimiter_name(text)
        return (
            f"is not an Excel workbook: it is a text file (it looks like {kind}), although its name "
            f"ends in {path.suffix}.",
            "Rename it to .csv (tip_eval reads CSV files), or open it in Excel and use File > Save As > "
            "Excel Workbook (.xlsx).",
        )
    return (
        "is not an Excel workbook: its content is not in any spreadsheet format tip_eval knows.",
        "Check that this is the right file; " + _RESAVE,
    )


# ------------------------------------------------------------------- zip members, streamed safely

_CHUNK_IN = 256 * 1024
_CHUNK_OUT = 1 * _MB


def _member_chunks(fh: Any, info: zipfile.ZipInfo, file: str) -> Iterator[bytes]:
    """Yield the unpacked bytes of one zip member, checking they are what the zip says they are.

    The member is inflated here (not by :mod:`zipfile`) so that a member that unpacks to more
    than its declared size, or whose data is cut short, is refused rather than trusted.
    """
    damaged = (
        f"is damaged: the part '{info.filename}' inside the workbook is incomplete or inconsistent.",
        "Copy or download the file again; if it still fails, open it in Excel and save it again.",
    )
    try:
        fh.seek(info.header_offset)
        header = fh.read(30)
    except (OSError, ValueError, OverflowError):
        _refuse(file, *damaged)
    if len(header) != 30 or header[:4] != _ZIP:
        _refuse(file, *damaged)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    total = 0
    crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            _refuse(file, *damaged)
        while remaining > 0:
            data = fh.read(min(_CHUNK_OUT, remaining))
            if not data:
                _refuse(file, *damaged)
            remaining -= len(data)
            crc = zlib.crc32(data, crc)
            yield data
        total = info.file_size
    else:
        inflater = zlib.decompressobj(-15)
        while True:
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            elif remaining > 0 and not inflater.eof:
                data = fh.read(min(_CHUNK_IN, remaining))
                if not data:
                    _refuse(file, *damaged)
                remaining -= len(data)
            else:
                break
            try:
                out = inflater.decompress(data, _CHUNK_OUT)
            except zlib.error:
                _refuse(file, *damaged)
            total += len(out)
            if total > info.file_size:
                _refuse(
                    file,
                    f"is not safe to open: the part '{info.filename}' unpacks to more than the "
                    f"{info.file_size:,} bytes the file declares for it (a sign of a crafted file).",
                    _FRESH_COPY,
                )
            if out:
                crc = zlib.crc32(out, crc)
                yield out
        if not inflater.eof:
            _refuse(file, *damaged)
    if total != info.file_size or (crc & 0xFFFFFFFF) != info.CRC:
        _refuse(file, *damaged)


def _refuse_doctype(file: str, member: str) -> NoReturn:
    _refuse(
        file,
        f"is not safe to open: its part '{member}' contains an XML DOCTYPE or ENTITY declaration. "
        "Excel never writes these; they are used to attack the computer that opens the file "
        "(entity expansion or reading local files).",
        "Do not open this file. " + _FRESH_COPY,
    )


_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)


class _DoctypeScan:
    """Refuse a part whose XML prolog holds a ``<!DOCTYPE`` (and so ``<!ENTITY``) declaration.

    Entities can only be declared in a document type declaration, and XML allows one only in the
    prolog, before the root element; so the prolog is all that needs reading (the Rust reader
    never expands entities, and any later ``<!DOCTYPE`` is a syntax error for other XML parsers).
    UTF-16/UTF-32 XML is refused, since it could hide a declaration from a byte-level check.
    """

    def __init__(self, file: str, member: str) -> None:
        self.file = file
        self.member = member
        self.head = b""
        self.done = False

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        self.head += chunk
        head = self.head
        if len(head) < 4 and chunk:
            return
        self._check_encoding(head[:4])
        if head.startswith(codecs.BOM_UTF8):
            head = head[3:]
        if not head.lstrip()[:1] == b"<":
            self.done = True  # not XML (an image, a binary part)
            return
        end = _PROLOG.match(head).end()
        if end == len(head) and len(head) < _MAX_TAG:
            return  # the prolog goes on in the next chunk
        rest = head[end : end + 9].upper()
        if rest.startswith(b"<!DOCTYPE") or rest.startswith(b"<!ENTITY"):
            _refuse_doctype(self.file, self.member)
        if rest.startswith(b"<!") and not rest.startswith(b"<![CDATA["):
            _refuse_doctype(self.file, self.member)
        self.done = True
        self.head = b""

    def close(self) -> None:
        if not self.done and self.head:
            self.feed(b"")
            rest = self.head[_PROLOG.match(self.head).end() :][:9].upper()
            if rest.startswith(b"<!"):
                _refuse_doctype(self.file, self.member)

    def _check_encoding(self, head: bytes) -> None:
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\x00", b"\x00<") or head == b"\x00\x00\x00<":
            _refuse(
                self.file,
                f"is not in the form Excel writes: its part '{self.member}' is UTF-16/UTF-32 "
                "encoded XML, which tip_eval does not accept (it cannot check such parts safely).",
                _RESAVE,
            )


# ----------------------------------------------------------------------- xlsx worksheet scanning

_REF = re.compile(rb"([A-Za-z]+)0*([0-9]+)")


def _parse_ref(ref: bytes) -> tuple[int, int] | None:
    """``b"AB12"`` -> (12, 28), 1-based; None when the reference is not a cell reference."""
    m = _REF.fullmatch(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + (ch - 64)
    return int(m.group(2)), col


def _parse_row_only(ref: bytes) -> int | None:
    """Row number of a ``<row r=...>`` value (calamine also accepts ``"A5"``)."""
    m = re.fullmatch(rb"[A-Za-z]*0*([0-9]+)", ref)
    return int(m.group(1)) if m else None


def _ci(text: str) -> str:
    return "".join(f"[{ch}{ch.lower()}]" for ch in text)


def _letters_greater(col: int) -> bytes:
    """Regex for column letters naming a column greater than ``col`` (followed by a digit)."""
    letters = _col_letters(col) if col > 0 else ""
    n = len(letters)
    alts = [f"[A-Za-z]{{{n + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            nxt = chr(ord(ch) + 1)
            alts.append(f"{_ci(letters[:i])}[{nxt}-Z{nxt.lower()}-z][A-Za-z]{{{n - i - 1}}}")
    return ("(?:" + "|".join(alts) + ")(?=[0-9])").encode()


def _number_greater(n: int) -> bytes:
    """Regex for a decimal number greater than ``n`` (no leading zeros; followed by a non-digit)."""
    s = str(n)
    alts = [f"[1-9][0-9]{{{len(s)},}}"]
    for i, ch in enumerate(s):
        d = int(ch)
        if d < 9:
            alts.append(f"{s[:i]}[{d + 1}-9][0-9]{{{len(s) - i - 1}}}")
    return ("(?:" + "|".join(alts) + ")(?![0-9])").encode()


@lru_cache(maxsize=1024)
def _beyond(row: int, col: int) -> re.Pattern[bytes]:
    """Matches a ``<c r="...">`` beyond (row, col), or a cell written in any other form."""
    return re.compile(
        rb'<c(?: r="(?:(?P<col>' + _letters_greater(col) + rb")|[A-Za-z]++0*+"
        + _number_greater(row)
        + rb')|(?P<odd>(?! r=")[\s/>]))'
    )


_ANY_CELL_REF = re.compile(rb'<c r="([A-Za-z]+)0*([0-9]+)"')
_ODD_CELL = re.compile(rb'<c(?! r=")[\s/>]')
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s/>]")
_FORMULA_TAG = re.compile(rb"<f[\s/>]")
_CELL_WITH_BODY = re.compile(rb'<c r="([A-Za-z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
_V_TAG = re.compile(rb"<v(?:\s[^>]*?)?(/?)>([^<]*)")
_T_ATTR = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?dimension\s[^>]*?ref\s*=\s*["']([^"']*)["']""")
_MERGE = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?mergeCell\s[^>]*?ref\s*=\s*["']([^"']*)["']""")
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|f|v)(?=[\s/>])([^>]*)>")
_MAX_TAG = 4 * _MB


class _NeedExact(Exception):
    """The fast scan met a sheet written in an unusual form; rescan with the exact tokenizer."""


class _SheetScan:
    """Stream through one worksheet's XML: the extent of its cells, merges, formulas without results.

    The fast mode relies on cells written as ``<c r="A1" ...>`` (as Excel, LibreOffice, openpyxl
    and other writers do) and finds only the cells *beyond* the largest row and column seen so
    far, with one regular-expression pass per megabyte. Anything else (cells without a reference,
    attributes in another order, namespace prefixes) raises :class:`_NeedExact`, and the sheet is
    scanned again by :class:`_ExactSheetScan`, which follows every row and cell the way the Rust
    reader does.
    """

    def __init__(self, file: str, where: str, limits: ReadLimits) -> None:
        self.file = file
        self.where = where
        self.limits = limits
        self.max_row = 0
        self.max_col = 0
        self.merges: list[tuple[int, int, int, int]] = []
        self.formulas: list[tuple[int, int]] = []
        self.carry = b""
        self.dimension_seen = False

    # -- helpers shared with the exact scan
    def _seen(self, row: int, col: int) -> None:
        if row > self.max_row or col > self.max_col:
            _check_extent(self.file, self.where, row, col, self.limits)
            self.max_row = max(self.max_row, row)
            self.max_col = max(self.max_col, col)

    def _dimension(self, part: bytes) -> None:
        # <dimension> comes before <sheetData>; stop looking once the cells have started
        if self.dimension_seen or b"dimension" not in part:
            if not self.dimension_seen and b"sheetData" in part:
                self.dimension_seen = True
            return
        m = _DIMENSION.search(part)
        if not m:
            return
        self.dimension_seen = True
        last = m.group(1).split(b":")[-1]
        pos = _parse_ref(last.replace(b"$", b""))
        if pos is not None:
            _check_extent(self.file, self.where, pos[0], pos[1], self.limits, declared=True)
            first = _parse_ref(m.group(1).split(b":")[0].replace(b"$", b""))
            if first is not None:
                _check_area(
                    self.file,
                    self.where,
                    pos[0] - first[0] + 1,
                    pos[1] - first[1] + 1,
                    self.limits,
                )

    def _merges(self, part: bytes) -> None:
        if b"mergeCell" not in part:
            return
        for m in _MERGE.finditer(part):
            ends = [_parse_ref(x.replace(b"$", b"")) for x in m.group(1).split(b":")]
            if len(ends) == 2 and ends[0] and ends[1]:
                (r0, c0), (r1, c1) = ends[0], ends[1]
                self.merges.append((min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))

    # -- fast mode
    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = buf.rfind(b'<c r="')
        if cut <= 0:
            cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_TAG:
                self.carry = b""
                self._part(buf)
            else:
                self.carry = buf
            return
        self.carry = buf[cut:]
        self._part(buf[:cut])

    def close(self) -> None:
        if self.carry:
            part, self.carry = self.carry, b""
            self._part(part)
        _check_area(self.file, self.where, self.max_row, self.max_col, self.limits)

    def _part(self, part: bytes) -> None:
        self._dimension(part)
        if b":" in part and _PREFIXED_CELL.search(part):
            raise _NeedExact
        last = part.rfind(b'<c r="')
        if last >= 0:
            m = _ANY_CELL_REF.match(part, last)
            if m:
                pos = _parse_ref(m.group(1) + m.group(2))
                if pos:
                    self._seen(*pos)
        start = 0
        for _ in range(64):
            m = _beyond(self.max_row, self.max_col).search(part, start)
            if m is None:
                break
            if m.group("odd") is not None:
                raise _NeedExact
            ref = _REF.match(part, m.start() + 6)
            if ref is None:  # pragma: no cover - the pattern guarantees letters and digits
                raise _NeedExact
            pos = _parse_ref(ref.group(0))
            if pos:
                self._seen(*pos)
            start = m.end()
        else:  # many cells out of order: take every reference of this part
            if _ODD_CELL.search(part):
                raise _NeedExact
            for m in _ANY_CELL_REF.finditer(part, start):
                pos = _parse_ref(m.group(1) + m.group(2))
                if pos:
                    self._seen(*pos)
        if b"<f" in part and _FORMULA_TAG.search(part):
            self._formula_cells(part)
        self._merges(part)

    def _formula_cells(self, part: bytes) -> None:
        for m in _CELL_WITH_BODY.finditer(part):
            body = m.group(3)
            if not body or b"<f" not in body or not _FORMULA_TAG.search(body):
                continue
            t = _T_ATTR.search(m.group(2))
            v = _V_TAG.search(body)
            if _formula_has_result(v is not None and not v.group(1), bool(v and v.group(2).strip()), t.group(1) if t else None):
                continue
            pos = _parse_ref(m.group(1))
            if pos:
                self.formulas.append(pos)


def _formula_has_result(v_present: bool, v_text: bool, cell_type: bytes | None) -> bool:
    """A formula cell has a saved result when ``<v>`` holds a value, or is empty for a text result."""
    return v_text or (v_present and cell_type == b"str")


class _ExactSheetScan(_SheetScan):
    """Follow every ``<row>`` and ``<c>`` like the Rust reader (cells without ``r`` take the next position)."""

    def __init__(self, file: str, where: str, limits: ReadLimits) -> None:
        super().__init__(file, where, limits)
        self.row_index = 0  # 0-based, as in the reader
        self.col_index = 0
        self.cell: tuple[int, int] | None = None
        self.cell_formula = False
        self.cell_v_present = False
        self.cell_v_text = False
        self.cell_type: bytes | None = None

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_TAG:
                _refuse(self.file, f"{self.where} is not in the form Excel writes (a single XML tag longer than 4 MB).", _RESAVE)
            self.carry = buf
            return
        self.carry = buf[cut:]
        self._part(buf[:cut])

    def close(self) -> None:
        if self.carry:
            part, self.carry = self.carry, b""
            self._part(part)
        self._end_cell()
        _check_area(self.file, self.where, self.max_row, self.max_col, self.limits)

    def _end_cell(self) -> None:
        if self.cell is not None and self.cell_formula:
            if not _formula_has_result(self.cell_v_present, self.cell_v_text, self.cell_type):
                self.formulas.append(self.cell)
        self.cell = None

    def _part(self, part: bytes) -> None:
        self._dimension(part)
        self._merges(part)
        for m in _TAG.finditer(part):
            closing, name, attrs = m.group(1), m.group(2), m.group(3)
            self_closing = attrs.endswith(b"/")
            if name == b"row":
                if closing:
                    self.row_index += 1
                    self.col_index = 0
                    continue
                r = _R_ATTR.search(attrs)
                if r:
                    row = _parse_row_only(r.group(2))
                    if row is None:
                        continue  # the reader stops with an error on such a sheet
                    self.row_index = row - 1
                if self_closing:
                    self.row_index += 1
                    self.col_index = 0
            elif name == b"c":
                if closing:
                    self._end_cell()
                    continue
                self._end_cell()
                r = _R_ATTR.search(attrs)
                if r:
                    pos = _parse_ref(r.group(2))
                    if pos is None:
                        continue
                    row, col = pos
                    self.col_index = col - 1
                else:
                    row, col = self.row_index + 1, self.col_index + 1
                self.col_index += 1
                self._seen(row, col)
                self.cell = (row, col)
                t = _T_ATTR.search(attrs)
                self.cell_type = t.group(1) if t else None
                self.cell_formula = self.cell_v_present = self.cell_v_text = False
                if self_closing:
                    self._end_cell()
            elif self.cell is not None and not closing:
                if name == b"f":
                    self.cell_formula = True
                elif name == b"v" and not self_closing:
                    self.cell_v_present = True
                    end = part.find(b"<", m.end())
                    text = part[m.end() : end if end != -1 else len(part)]
                    self.cell_v_text = bool(text.strip())


# ----------------------------------------------------------------------------- ods content scan

_ODS_TAG = re.compile(
    rb"<(/?)(table:table-row|table:table-cell|table:covered-table-cell|table:table|text:s)(?=[\s/>])([^>]*)>"
)
_ODS_ROWS_REPEATED = re.compile(rb"""table:number-rows-repeated\s*=\s*["']\s*([0-9]+)""")
_ODS_COLS_REPEATED = re.compile(rb"""table:number-columns-repeated\s*=\s*["']\s*([0-9]+)""")
_ODS_SPAN_COLS = re.compile(rb"""table:number-columns-spanned\s*=\s*["']\s*([0-9]+)""")
_ODS_SPAN_ROWS = re.compile(rb"""table:number-rows-spanned\s*=\s*["']\s*([0-9]+)""")
_ODS_NAME = re.compile(rb"""table:name\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_ODS_TEXT_C = re.compile(rb"""text:c\s*=\s*["']\s*([0-9]+)""")


class _OdsScan:
    """Stream through ``content.xml``: the area the reader will fill for every table.

    The reader expands ``number-columns-repeated`` and ``number-rows-repeated`` for cells that
    hold a value, so one cell repeated a billion times would be a billion cells in memory.
    """

    def __init__(self, file: str, limits: ReadLimits) -> None:
        self.file = file
        self.limits = limits
        self.carry = b""
        self.table: str | None = None
        self.extents: dict[str, tuple[int, int]] = {}
        self.merges: dict[str, list[tuple[int, int, int, int]]] = {}
        self._reset_table()

    def _reset_table(self) -> None:
        self.rows_done = 0  # rows so far (with repeats)
        self.last_row = 0  # 1-based last row holding a value
        self.width = 0
        self.row_repeats = 1
        self.col_pos = 0
        self.row_extent = 0

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_TAG:
                _refuse(self.file, "is not in the form spreadsheet programs write (a single XML tag longer than 4 MB).", _RESAVE)
            self.carry = buf
            return
        self.carry = buf[cut:]
        self._part(buf[:cut])

    def close(self) -> None:
        if self.carry:
            part, self.carry = self.carry, b""
            self._part(part)

    def _where(self) -> str:
        return f"sheet '{self.table}'"

    def _part(self, part: bytes) -> None:
        lim = self.limits
        for m in _ODS_TAG.finditer(part):
            closing, name, attrs = m.group(1), m.group(2), m.group(3)
            self_closing = attrs.endswith(b"/")
            if name == b"table:table":
                if closing:
                    if self.table is not None:
                        self.extents[self.table] = (self.last_row, self.width)
                        _check_area(self.file, self._where(), self.last_row, self.width, lim)
                    self.table = None
                    continue
                n = _ODS_NAME.search(attrs)
                self.table = n.group(2).decode("utf-8", "replace") if n else f"table {len(self.extents) + 1}"
                self._reset_table()
            elif name == b"table:table-row":
                if closing or self_closing:
                    if self.row_extent:
                        self.last_row = self.rows_done + self.row_repeats
                        self.width = max(self.width, self.row_extent)
                        _check_extent(self.file, self._where(), self.last_row, self.width, lim)
                    self.rows_done += self.row_repeats
                    if self.rows_done > 10 * lim.max_rows + 2_000_000:
                        # trailing empty rows are normal (LibreOffice writes a million); this many
                        # row elements is not
                        _refuse(self.file, f"{self._where()} has an implausible number of rows.", _RESAVE)
                    self.row_repeats, self.col_pos, self.row_extent = 1, 0, 0
                    continue
                r = _ODS_ROWS_REPEATED.search(attrs)
                self.row_repeats = int(r.group(1)) if r else 1
                self.col_pos, self.row_extent = 0, 0
            elif name in (b"table:table-cell", b"table:covered-table-cell"):
                if closing:
                    continue
                c = _ODS_COLS_REPEATED.search(attrs)
                repeats = int(c.group(1)) if c else 1
                has_value = b"office:" in attrs or b"table:formula" in attrs
                if has_value:
                    self.row_extent = self.col_pos + repeats
                    _check_extent(self.file, self._where(), self.rows_done + 1, self.row_extent, lim)
                if self.table is not None and (b"spanned" in attrs):
                    sc = _ODS_SPAN_COLS.search(attrs)
                    sr = _ODS_SPAN_ROWS.search(attrs)
                    ncols = int(sc.group(1)) if sc else 1
                    nrows = int(sr.group(1)) if sr else 1
                    if ncols > 1 or nrows > 1:
                        r0, c0 = self.rows_done + 1, self.col_pos + 1
                        self.merges.setdefault(self.table, []).append((r0, c0, r0 + nrows - 1, c0 + ncols - 1))
                self.col_pos += repeats
            elif name == b"text:s" and not closing:
                c = _ODS_TEXT_C.search(attrs)
                if c and int(c.group(1)) > 100_000:
                    _refuse(self.file, f"{self._where()} has a cell with an implausible number of spaces.", _FRESH_COPY)


# --------------------------------------------------------------------------------- the guard

_GUARD_CACHE: dict[tuple[Any, ...], WorkbookCheck] = {}
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_SHEET_DIRS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _require_defusedxml(file: str) -> None:
    if not DEFUSEDXML_ACTIVE:
        _refuse(
            file,
            "was not opened: openpyxl's protection against malicious XML (defusedxml) is switched "
            "off in this Python session (the environment variable OPENPYXL_DEFUSEDXML is set to "
            "False, or defusedxml is not installed).",
            "Remove OPENPYXL_DEFUSEDXML from the environment (or run: pip install defusedxml), "
            "then restart the kernel or Python.",
        )


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


def _parse_small_xml(data: bytes, file: str, member: str) -> Any:
    try:
        return _safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except _safe_et.ParseError:
        _refuse(file, f"is damaged: its part '{member}' is not valid XML.", _RESAVE)
    except Exception:  # defusedxml's DTDForbidden and friends
        _refuse_doctype(file, member)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_sheets(
    file: str, workbook_xml: bytes, rels_xml: bytes | None, names: dict[str, str]
) -> tuple[list[SheetInfo], dict[str, str], bool]:
    """Sheets (with visibility), sheet -> member path, and the 1904 flag from workbook.xml."""
    root = _parse_small_xml(workbook_xml, file, "xl/workbook.xml")
    targets: dict[str, str] = {}
    if rels_xml is not None:
        rels = _parse_small_xml(rels_xml, file, "xl/_rels/workbook.xml.rels")
        for rel in rels:
            if _local(rel.tag) == "Relationship":
                targets[rel.get("Id", "")] = rel.get("Target", "")
    date1904 = False
    sheets: list[SheetInfo] = []
    members: dict[str, str] = {}
    for el in root.iter():
        local = _local(el.tag)
        if local == "workbookPr":
            date1904 = (el.get("date1904") or "").strip().lower() in ("1", "true")
        elif local == "sheet":
            name = el.get("name") or ""
            state = el.get("state") or "visible"
            rid = el.get(f"{_REL_NS}id") or el.get("id") or ""
            target = targets.get(rid, "")
            # resolved as the Rust reader resolves it (no '..' handling: a literal member name)
            if target.startswith("/xl/"):
                path = target[1:]
            elif target.startswith("xl/"):
                path = target
            else:
                path = "xl/" + target
            kind = "worksheet"
            low = path.lower()
            if low.startswith("xl/chartsheets/"):
                kind = "chartsheet"
            elif low.startswith("xl/dialogsheets/"):
                kind = "dialogsheet"
            elif low.startswith("xl/macrosheets/"):
                kind = "macrosheet"
            sheets.append(SheetInfo(name, state, kind))
            members[name] = names.get(low, path)
    return sheets, members, date1904


def guard_workbook(path: str | os.PathLike[str], limits: ReadLimits | None = None) -> WorkbookCheck:
    """Check a workbook before any parser opens it; refuse it with a plain message if it is unsafe.

    Checks, in order: the file exists and is within ``limits.max_file_bytes``; it is a zip (else
    it says what the file is: a CSV or web page renamed to .xlsx, a password-protected workbook,
    an old .xls file, a truncated download); the zip has no encrypted or oddly compressed parts,
    no duplicate names, no part compressed more than ``max_zip_ratio`` to 1 and no more than
    ``max_uncompressed_bytes`` in total; every part unpacks to exactly its declared size; no part
    contains an XML ``DOCTYPE``/``ENTITY`` declaration or UTF-16 XML; and every worksheet's
    declared dimension and every cell's position are within ``max_rows`` x ``max_cols`` (and the
    sheet area within ``max_cells``). Cell positions are found by streaming through the sheet XML,
    so a hostile file with a single cell at XFD1048576 is refused in milliseconds.

    The result is cached for an unchanged file (same size and modification time) and limits.

    Parameters
    ----------
    path : str or path-like
    limits : ReadLimits, optional
        Defaults to ``ReadLimits()``.

    Returns
    -------
    WorkbookCheck
        The sheets with their visibility, the 1904 date flag, merged ranges and formulas without
        a saved result, per sheet.

    Raises
    ------
    tip_eval.InputRefused
        When any check fails; the message names the file and says what to do.
    """
    limits = limits or ReadLimits()
    file = str(path)
    p = Path(path)
    _require_defusedxml(file)
    size = _check_file(p, file, limits)
    stat = p.stat()
    key = (str(p.resolve()), size, stat.st_mtime_ns, limits)
    cached = _GUARD_CACHE.get(key)
    if cached is not None:
        return cached
    with open(p, "rb") as fh:
        head = fh.read(8)
    if not (head.startswith(_ZIP) or head.startswith(_ZIP_EMPTY)):
        _refuse(file, *_describe_non_workbook(p, head))
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, NotImplementedError):
        _refuse(
            file,
            "is damaged or incomplete (it may have been cut short while being copied, downloaded "
            "or sent by email), so it cannot be opened as a workbook.",
            "Copy or download the file again; if it still fails, ask the sender to save it again in Excel and resend it.",
        )
    check = _guard_zip(p, file, infos, size, limits)
    if len(_GUARD_CACHE) > 32:
        _GUARD_CACHE.clear()
    _GUARD_CACHE[key] = check
    return check


def _guard_zip(p: Path, file: str, infos: list[zipfile.ZipInfo], size: int, limits: ReadLimits) -> WorkbookCheck:
    if len(infos) > limits.max_members:
        _refuse(file, f"has {len(infos):,} parts inside, more than a workbook plausibly has.", _FRESH_COPY)
    names: dict[str, str] = {}
    total = 0
    for info in infos:
        low = info.filename.replace("\\", "/").lower()
        if low in names:
            _refuse(
                file,
                f"is not safe to open: it contains two parts named '{info.filename}' (a sign of a crafted file).",
                _FRESH_COPY,
            )
        names[low] = info.filename
        if info.flag_bits & 0x1:
            _refuse(
                file,
                "is a password-protected (encrypted) zip file, not a workbook that can be read.",
                "Open it in Excel with the password and save a copy without one.",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _refuse(file, f"uses a compression method Excel does not use (part '{info.filename}').", _RESAVE)
        if info.header_offset < 0 or info.compress_size < 0 or info.header_offset + info.compress_size > size:
            _refuse(
                file,
                "is damaged or incomplete (it may have been cut short while being copied or downloaded).",
                "Copy or download the file again.",
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            _refuse(
                file,
                f"is not safe to open: its part '{info.filename}' unpacks from {info.compress_size:,} to "
                f"{info.file_size:,} bytes ({ratio:,.0f} to 1; the limit is {limits.max_zip_ratio:,.0f} to 1). "
                "Such 'zip bombs' can fill the computer's memory.",
                "Do not open this file. " + _FRESH_COPY,
            )
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            _refuse(
                file,
                f"unpacks to more than {limits.max_uncompressed_bytes / _MB:,.0f} MB, the limit for one workbook.",
                "If the workbook really is that large, read it with limits=ReadLimits(max_uncompressed_bytes=...); "
                "otherwise delete unneeded sheets, save, and try again.",
            )

    if "xl/workbook.bin" in names:
        _refuse(file, "is a binary Excel workbook (.xlsb), which tip_eval does not read.", "Open it in Excel and use File > Save As > Excel Workbook (.xlsx).")
    is_xlsx = "xl/workbook.xml" in names
    is_ods = "content.xml" in names and "mimetype" in names
    if not is_xlsx and not is_ods:
        _refuse(
            file,
            "is a zip file but not an Excel or OpenDocument workbook (it may be a Word document, or a zipped folder).",
            "Check that this is the right file; a workbook must be saved as .xlsx (or .ods).",
        )

    by_name = {info.filename: info for info in infos}
    check = WorkbookCheck(file=file, format="xlsx" if is_xlsx else "ods", sheets=[])
    small: dict[str, bytes] = {}
    wanted_small = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "mimetype"}
    with open(p, "rb") as fh:
        # small parts first: the workbook part tells which parts are worksheets
        for low in wanted_small:
            if low in names:
                info = by_name[names[low]]
                if info.file_size > 10 * _MB:
                    _refuse(file, f"has an implausibly large part '{info.filename}'.", _FRESH_COPY)
                scan = _DoctypeScan(file, info.filename)
                parts = []
                for chunk in _member_chunks(fh, info, file):
                    scan.feed(chunk)
                    parts.append(chunk)
                scan.close()
                small[low] = b"".join(parts)
        if is_ods and not small.get("mimetype", b"").strip().startswith(_ODS_MIMETYPE):
            _refuse(file, "is a zip file but not an OpenDocument spreadsheet.", "Check that this is the right file.")
        sheet_member_to_name: dict[str, str] = {}
        if is_xlsx:
            check.sheets, check._members, check.date1904 = _xlsx_sheets(
                file, small["xl/workbook.xml"], small.get("xl/_rels/workbook.xml.rels"), names
            )
            sheet_member_to_name = {m.lower(): n for n, m in check._members.items()}
        ods_scan = _OdsScan(file, limits) if is_ods else None
        for info in infos:
            low = info.filename.replace("\\", "/").lower()
            if low in wanted_small:
                continue
            doctype = _DoctypeScan(file, info.filename)
            if is_xlsx and (low in sheet_member_to_name or low.startswith(_SHEET_DIRS)):
                name = sheet_member_to_name.get(low)
                where = f"sheet '{name}'" if name else f"the workbook part '{info.filename}'"
                result = _scan_sheet(fh, info, file, where, limits, doctype)
                if name is not None:
                    check.extents[name] = (result.max_row, result.max_col)
                    check.merged[name] = result.merges
                    check.formulas_without_result[name] = result.formulas
            elif ods_scan is not None and low == "content.xml":
                for chunk in _member_chunks(fh, info, file):
                    doctype.feed(chunk)
                    ods_scan.feed(chunk)
                doctype.close()
                ods_scan.close()
                check.extents.update(ods_scan.extents)
                check.merged.update(ods_scan.merges)
            else:
                for chunk in _member_chunks(fh, info, file):
                    doctype.feed(chunk)
                doctype.close()
    if is_ods:
        check.sheets = _ods_sheets(p, file)
    return check


def _scan_sheet(fh: Any, info: zipfile.ZipInfo, file: str, where: str, limits: ReadLimits, doctype: _DoctypeScan) -> _SheetScan:
    scan: _SheetScan = _SheetScan(file, where, limits)
    try:
        for chunk in _member_chunks(fh, info, file):
            doctype.feed(chunk)
            scan.feed(chunk)
        doctype.close()
        scan.close()
        return scan
    except _NeedExact:
        pass
    exact = _ExactSheetScan(file, where, limits)
    doctype = _DoctypeScan(file, info.filename)
    for chunk in _member_chunks(fh, info, file):
        doctype.feed(chunk)
        exact.feed(chunk)
    doctype.close()
    exact.close()
    return exact


def _calamine_refusal(file: str, err: BaseException) -> NoReturn:
    detail = str(err).strip() or type(err).__name__
    if "password" in detail.lower():
        _refuse(file, "is password-protected.", "Open it in Excel with the password and save a copy without one.")
    _refuse(file, f"could not be read as a workbook ({detail}).", _RESAVE)


def _open_calamine(p: Path, file: str, fmt: str) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        suffix = p.suffix.lower()
        if (fmt == "xlsx" and suffix in (".xlsx", ".xlsm", ".xltx", ".xltm")) or (fmt == "ods" and suffix == ".ods"):
            return CalamineWorkbook.from_path(str(p))
        with open(p, "rb") as fh:
            return CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # calamine errors, and pyo3 panics (a BaseException)
        _calamine_refusal(file, err)


def _ods_sheets(p: Path, file: str) -> list[SheetInfo]:
    wb = _open_calamine(p, file, "ods")
    try:
        out = []
        for meta in wb.sheets_metadata:
            state = {"Visible": "visible", "Hidden": "hidden", "VeryHidden": "veryHidden"}.get(
                str(meta.visible).rsplit(".", 1)[-1], "visible"
            )
            out.append(SheetInfo(meta.name, state, "worksheet"))
        return out
    finally:
        wb.close()


def list_sheets(path: str | os.PathLike[str], limits: ReadLimits | None = None) -> list[SheetInfo]:
    """The sheets of a workbook, in workbook order, with their visibility.

    The workbook is checked by :func:`guard_workbook` first. A CSV or text file has no sheets:
    the result is an empty list.

    >>> list_sheets("scores.xlsx")  # doctest: +SKIP
    [SheetInfo(name='Scores', state='visible', kind='worksheet'),
     SheetInfo(name='Lists', state='hidden', kind='worksheet')]
    """
    p = Path(path)
    if p.suffix.lower() in TEXT_SUFFIXES:
        _check_file(p, str(path), limits or ReadLimits())
        return []
    return list(guard_workbook(path, limits).sheets)


# ------------------------------------------------------------------------------------ reading


def read_table(
    path: str | os.PathLike[str],
    sheet: str | int | None = None,
    *,
    header_rows: int = 1,
    limits: ReadLimits | None = None,
    include_hidden: bool = False,
    encoding: str | None = None,
) -> RawTable:
    """Read one table from a workbook sheet or a CSV/text file, safely, remembering cell locations.

    Parameters
    ----------
    path : str or path-like
        An ``.xlsx``/``.xlsm``/``.ods`` workbook or a ``.csv``/``.txt``/``.tsv`` file.
    sheet : str or int, optional
        The sheet to read, by name (exact, or ignoring case and spaces when that is unambiguous)
        or by position (0 = first sheet in workbook order). By default, the first *visible*
        sheet. Hidden and "very hidden" sheets are read only when named (or numbered) here.
        Ignored for CSV files.
    header_rows : {1, 2}
        Number of header rows. The header starts at the first non-empty row; with one header
        row, a title above the table (a row with a single text cell, followed by a wider row) is
        skipped with a note. With 2, the two
        rows are joined as ``"Pre-test / Q1"``; a top cell merged across several columns (or,
        when the header has no merged cells, a top cell followed by empty ones) is repeated over
        its columns.
    limits : ReadLimits, optional
        Safety limits; see :class:`ReadLimits`.
    include_hidden : bool, default False
        When True and ``sheet`` is None, the first sheet is read even if it is hidden.
    encoding : str, optional
        For CSV files only: the text encoding, when the automatic choice (BOM, UTF-8, cp874) is wrong.

    Returns
    -------
    RawTable
        Rows below the header that hold nothing (empty cells, or only spaces) are left out and
        counted in ``.notes``; so is a block of notes under the table: after a blank row, rows
        that each hold a single text cell of several words (``"Note: scores are out of 20."``).
        Every row left out is in ``.ignored_rows`` with its reason, so rows read = rows kept +
        rows ignored. A formula without a saved result (files written by programs that do not
        calculate) reads as missing and is reported in ``.problems``; it never becomes a value.

    Raises
    ------
    tip_eval.InputRefused
        When the file cannot or must not be read (see :func:`guard_workbook`), or the sheet does
        not exist. Problems with individual cells are never raised: they are in ``.problems``.

    Examples
    --------
    >>> table = read_table("pre_post.xlsx", sheet="Scores")  # doctest: +SKIP
    >>> table.problems                       # located problems found while reading
    >>> table.excel_rows[table.frame["Score"].isna()]   # Excel rows with no score
    """
    if header_rows not in (1, 2):
        raise ValueError(f"header_rows must be 1 or 2; got {header_rows!r}")
    limits = limits or ReadLimits()
    p = Path(path)
    file = str(path)
    suffix = p.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _read_csv(p, file, header_rows, limits, encoding)
    if suffix in _OLD_EXCEL_SUFFIXES:
        _check_file(p, file, limits)
        _refuse(
            file,
            f"is in the old or binary Excel format ({suffix}), which tip_eval does not read.",
            "Open it in Excel and use File > Save As > Excel Workbook (.xlsx).",
        )
    if suffix not in WORKBOOK_SUFFIXES:
        _check_file(p, file, limits)
        _refuse(
            file,
            f"has a file type tip_eval does not read ('{suffix or 'no extension'}').",
            "Save the data as an Excel workbook (.xlsx) or a CSV file (.csv).",
        )
    check = guard_workbook(path, limits)
    info = _choose_sheet(check, sheet, include_hidden)
    notes: list[str] = []
    if not info.visible:
        notes.append(f"Sheet '{info.name}' is {info.state} in Excel; it was read because it was asked for.")
    wb = _open_calamine(p, file, check.format)
    try:
        try:
            cal_sheet = wb.get_sheet_by_name(info.name)
            rows = cal_sheet.to_python()
            start = cal_sheet.start
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:
            _calamine_refusal(file, err)
    finally:
        wb.close()
    first_row, first_col = (start[0] + 1, start[1] + 1) if start else (1, 1)
    return _build_table(
        rows,
        first_row=first_row,
        first_col=first_col,
        header_rows=header_rows,
        merges=check.merged.get(info.name, []),
        formulas=check.formulas_without_result.get(info.name, []),
        file=file,
        sheet=info.name,
        notes=notes,
        date1904=check.date1904,
    )


def _choose_sheet(check: WorkbookCheck, sheet: str | int | None, include_hidden: bool) -> SheetInfo:
    sheets = check.sheets
    visible = [s.name for s in sheets if s.visible]
    listing = ", ".join(f"'{n}'" for n in visible) or "(none)"
    if sheet is None:
        candidates = [s for s in sheets if s.kind == "worksheet" and (s.visible or include_hidden)]
        if not candidates:
            _refuse(
                check.file,
                "has no visible worksheet to read.",
                "Name the sheet to read: read_table(path, sheet='...'); list_sheets(path) shows them all.",
            )
        chosen = candidates[0]
    elif isinstance(sheet, (int, np.integer)) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(sheets):
            _refuse(check.file, f"has no sheet number {sheet} (it has {len(sheets)} sheets, numbered from 0).", f"Visible sheets: {listing}.")
        chosen = sheets[int(sheet)]
    else:
        exact = [s for s in sheets if s.name == sheet]
        if not exact:
            key = normalize_header(sheet)
            exact = [s for s in sheets if normalize_header(s.name) == key]
        if len(exact) != 1:
            _refuse(check.file, f"has no sheet named '{sheet}'.", f"Use one of the sheets: {listing}.")
        chosen = exact[0]
    if chosen.kind != "worksheet":
        _refuse(check.file, f"sheet '{chosen.name}' is a {chosen.kind}, not a table of cells.", f"Use one of the sheets: {listing}.")
    return chosen


# -------------------------------------------------------------------------------------- CSV

_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _decode_csv(data: bytes, file: str, encoding: str | None) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if encoding:
        try:
            return data.decode(encoding), encoding, notes
        except (UnicodeDecodeError, LookupError) as err:
            _refuse(file, f"cannot be decoded as {encoding} ({err}).", "Give the right encoding, or save the file as 'CSV UTF-8' in Excel.")
    candidates: list[str]
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith(_UTF32_BOMS):
        candidates = ["utf-32"]
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        candidates = ["utf-16"]
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0:1] != b"\x00":
        candidates = ["utf-16-le"]
    elif len(data) >= 4 and data[0:4:2] == b"\x00\x00" and data[1:2] != b"\x00":
        candidates = ["utf-16-be"]
    else:
        candidates = ["utf-8", "cp874"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "cp874":
            notes.append(
                "The file is not UTF-8; it was read as Thai Windows text (cp874). If letters look "
                "wrong, save the file in Excel as 'CSV UTF-8 (Comma delimited)' and read it again, "
                "or give encoding='...'."
            )
        return text, {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(enc, enc), notes
    _refuse(
        file,
        "is a text file in an encoding tip_eval cannot recognise (it is not UTF-8, UTF-16 or Thai Windows cp874).",
        "Open it in Excel and use File > Save As > 'CSV UTF-8 (Comma delimited)', or give encoding='...'.",
    )


def _choose_delimiter(text: str) -> str:
    sample_lines = []
    for line in text[: 256 * 1024].splitlines():
        if line.strip():
            sample_lines.append(line)
        if len(sample_lines) >= 50:
            break
    if not sample_lines:
        return ","
    best, best_score = ",", (-1.0, -1)
    for delim in (",", ";", "\t"):
        try:
            counts = [len(r) for r in csv.reader(sample_lines, delimiter=delim)]
        except csv.Error:
            continue
        values, freq = np.unique(counts, return_counts=True)
        modal = int(values[np.argmax(freq)])
        if modal < 2:
            continue
        score = (float(freq.max()) / len(counts), modal)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(p: Path, file: str, header_rows: int, limits: ReadLimits, encoding: str | None) -> RawTable:
    _check_file(p, file, limits)
    data = p.read_bytes()
    if data.startswith(_ZIP):
        _refuse(file, "is an Excel workbook (or another zip file), although its name ends in " + p.suffix + ".", "Rename it to .xlsx and read it again.")
    if data.startswith(_OLE2):
        _refuse(file, "is an Excel 97-2003 (.xls) or other Office file, not a text file.", "Open it in Excel and save it as .xlsx or as 'CSV UTF-8'.")
    text, used, notes = _decode_csv(data, file, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines_head = text[:200]
    sep_line = re.match(r'"?sep=(.)"?\r?\n', lines_head)
    rows_offset = 0
    if sep_line:
        delimiter = sep_line.group(1)
        text = text[sep_line.end():]
        rows_offset = 1
    else:
        delimiter = _choose_delimiter(text)
    if "\x00" in text:
        text = text.replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for record in reader:
            rows.append(record)
            if len(rows) > limits.max_rows:
                _refuse(
                    file,
                    f"has more than {limits.max_rows:,} rows, the limit.",
                    "If the table really is that large, read it with limits=ReadLimits(max_rows=...).",
                )
    except csv.Error as err:
        _refuse(file, f"is not a well-formed CSV file ({err}, near row {len(rows) + 1}).", "Open it in Excel and save it again as 'CSV UTF-8'.")
    width = max((len(r) for r in rows), default=0)
    if width > limits.max_cols:
        _refuse(
            file,
            f"has {width:,} columns, more than the limit of {limits.max_cols:,}.",
            "Check the file; if it really has that many columns, read it with limits=ReadLimits(max_cols=...).",
        )
    _check_area(file, "the file", len(rows), width, limits)
    for r in rows:
        if len(r) < width:
            r.extend([""] * (width - len(r)))
    names = {",": "commas", ";": "semicolons", "\t": "tabs"}
    table = _build_table(
        rows,
        first_row=1 + rows_offset,
        first_col=1,
        header_rows=header_rows,
        merges=[],
        formulas=[],
        file=file,
        sheet=None,
        notes=notes,
        date1904=False,
    )
    table.encoding = used
    table.delimiter = delimiter
    if delimiter not in names:
        table.notes.append(f"Columns are separated by {delimiter!r} (from the file's 'sep=' line).")
    return table


# --------------------------------------------------------------------------- table from rows


def _blank_value(v: Any) -> bool:
    if v is None or v == "":
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, str) and _normalize_str(v) is None


def _text_of(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _header_names(
    header: list[list[Any]],
    header_excel_rows: list[int],
    first_col: int,
    merges: Sequence[tuple[int, int, int, int]],
) -> tuple[list[str | None], list[str]]:
    """Header text per column (None when empty), and the text as written."""
    width = len(header[0]) if header else 0
    grid = [list(r) for r in header]
    top, bottom = header_excel_rows[0], header_excel_rows[-1]
    touched = False
    for r0, c0, r1, c1 in merges:
        if r1 < top or r0 > bottom:
            continue
        if not (top <= r0 <= bottom):
            continue  # the merged value sits above the header; nothing to fill with
        value = grid[r0 - top][c0 - first_col] if 0 <= c0 - first_col < width else None
        for r in range(max(r0, top), min(r1, bottom) + 1):
            for c in range(max(c0, first_col), min(c1, first_col + width - 1) + 1):
                grid[r - top][c - first_col] = value
                touched = True
    if len(grid) == 2 and not touched:
        # no merged cells: a top label followed by empty top cells covers the columns under it
        last = None
        for j in range(width):
            if not _blank_value(grid[0][j]):
                last = grid[0][j]
            elif last is not None and not _blank_value(grid[1][j]):
                grid[0][j] = last
            else:
                last = None
    names: list[str | None] = []
    written: list[str] = []
    for j in range(width):
        parts: list[str] = []
        raw: list[str] = []
        for r in range(len(grid)):
            text = normalize_text(grid[r][j])
            if text is not None and (not parts or parts[-1] != text):
                parts.append(text)
            if not _blank_value(grid[r][j]) and (not raw or raw[-1] != _text_of(grid[r][j])):
                raw.append(_text_of(grid[r][j]))
        names.append(" / ".join(parts) if parts else None)
        written.append(" / ".join(raw))
    return names, written


#: pandas' default text dtype, resolved once (a dtype given by name is looked up in a registry per call)
_TEXT_DTYPE = pd.api.types.pandas_dtype("str")
_FLOATISH = frozenset({"floating", "integer", "mixed-integer-float", "decimal"})
# text that normalize_text turns into nothing: whitespace, control and invisible characters
_BLANK_TEXT = re.compile("[\\s\x00-\x1f\x7f-\x9f" + "".join(sorted(INVISIBLE)) + "]*")


def _blank_strings(strings: np.ndarray) -> np.ndarray:
    """Blank mask of an object array of str, computed once per distinct value."""
    codes, uniques = pd.factorize(strings)
    fullmatch = _BLANK_TEXT.fullmatch
    blank_u = np.fromiter((fullmatch(u) is not None for u in uniques), dtype=bool, count=len(uniques))
    if not blank_u.any():
        return np.zeros(len(strings), dtype=bool)
    return blank_u[codes]


def _column_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """(values with blanks as None/NaN, blank mask, kind) for one column of cells as read.

    kind is ``"float"`` (every non-blank cell is a number), ``"text"`` (every non-blank cell is
    text) or ``"mixed"``. A blank cell is an empty one, or text that holds only spaces or
    invisible characters.
    """
    n = len(values)
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in _FLOATISH:
        out = values.astype(float)
        return out, np.isnan(out), "float"
    if inferred == "empty":
        out = np.empty(n, dtype=object)
        return out, np.ones(n, dtype=bool), "text"
    if inferred == "string":
        missing = pd.isna(values)
        blank = _blank_strings(values[~missing]) if missing.any() else _blank_strings(values)
        if missing.any():
            full = np.ones(n, dtype=bool)
            full[~missing] = blank
            blank = full
        if blank.any():
            values = values.copy()
            values[blank] = None
        return values, blank, "text"
    if inferred not in ("mixed", "mixed-integer"):
        # one non-text type throughout (dates, times, booleans): only missing values are blank
        blank = pd.isna(values)
        if blank.any():
            values = values.copy()
            values[blank] = None
        return values, blank, "mixed"
    is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=n)
    blank = pd.isna(values) & ~is_str
    if is_str.any():
        blank[is_str] = _blank_strings(values[is_str])
    others = values[~blank]
    rest_kind = pd.api.types.infer_dtype(others, skipna=True) if len(others) else "empty"
    if rest_kind in _FLOATISH:
        out = np.full(n, np.nan)
        out[~blank] = others.astype(float)
        return out, blank, "float"
    if blank.any():
        values = values.copy()
        values[blank] = None
    return values, blank, "text" if rest_kind in ("string", "empty") else "mixed"


def _ranges(rows: Sequence[int]) -> str:
    """[5, 6, 7, 9] -> '5-7, 9' (at most 10 pieces)."""
    pieces: list[str] = []
    start = prev = None
    for r in list(rows) + [None]:
        if r is not None and prev is not None and r == prev + 1:
            prev = r
            continue
        if start is not None:
            pieces.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = r
    if len(pieces) > 10:
        pieces = pieces[:10] + ["..."]
    return ", ".join(pieces)


def _build_table(
    rows: list[list[Any]],
    *,
    first_row: int,
    first_col: int,
    header_rows: int,
    merges: Sequence[tuple[int, int, int, int]],
    formulas: Sequence[tuple[int, int]],
    file: str,
    sheet: str | None,
    notes: list[str],
    date1904: bool,
) -> RawTable:
    problems: list[Problem] = []
    formula_set = {(r, c) for r, c in formulas}
    formula_rows = {r for r, _ in formulas}
    width = max((len(r) for r in rows), default=0)

    # the header starts at the first row with anything in it ...
    def filled_cells(i: int) -> int:
        if (first_row + i) in formula_rows:
            return 2
        return sum(1 for v in rows[i] if not _blank_value(v))

    h = 0
    while h < len(rows) and filled_cells(h) == 0:
        h += 1
    # ... unless that row is a title: one cell of text above a wider table (one header row only)
    if header_rows == 1:
        while h < len(rows) and filled_cells(h) == 1 and isinstance(_first_filled(rows[h]), str):
            later = [i for i in range(h + 1, min(len(rows), h + 20)) if filled_cells(i) > 0]
            if not later or filled_cells(later[0]) < 2:
                break
            notes.append(f"Title above the table ignored (row {first_row + h}): '{normalize_text(_first_filled(rows[h]))}'.")
            h = later[0]
    if h >= len(rows):
        empty = pd.DataFrame()
        notes.append("The sheet is empty." if sheet is not None else "The file is empty.")
        problems.append(
            Problem(file, sheet, None, None, None, "There is no table here: the sheet or file is empty.",
                    "Check that this is the right file and sheet.", "error")
        )
        return RawTable(empty, file, sheet, first_row, pd.Series([], dtype="int64", name="excel_row"), {}, problems, notes,
                        {}, {}, date1904)
    header = [list(r) + [""] * (width - len(r)) for r in rows[h : h + header_rows]]
    while len(header) < header_rows:
        header.append([""] * width)
    header_excel_rows = [first_row + h + k for k in range(header_rows)]
    header_row = header_excel_rows[-1]
    names, written = _header_names(header, header_excel_rows, first_col, merges)

    body = rows[h + header_rows :]
    body_first_row = first_row + h + header_rows
    n = len(body)
    grid = np.empty((n, width), dtype=object)
    if n and width:
        try:
            grid[:, :] = body
        except ValueError:  # ragged rows
            for i, r in enumerate(body):
                grid[i, : len(r)] = r
    columns_data: list[np.ndarray] = []
    blanks = np.zeros((n, width), dtype=bool)
    kinds: list[str] = []
    for j in range(width):
        values, blank, kind = _column_values(np.ascontiguousarray(grid[:, j]))
        columns_data.append(values)
        blanks[:, j] = blank
        kinds.append(kind)
    # a formula cell without a saved result reads as empty, but its row is not blank
    for r, c in formula_set:
        i, j = r - body_first_row, c - first_col
        if 0 <= i < n and 0 <= j < width:
            blanks[i, j] = False
    filled = (~blanks).sum(axis=1)
    row_blank = filled == 0

    # notes under the table: after a blank gap, rows that each hold one sentence
    ignored: dict[int, str] = {}
    notes_from = n
    if width >= 2 and n:
        i = n - 1
        while i >= 0 and (row_blank[i] or _note_like(filled[i], blanks[i], columns_data, i)):
            i -= 1
        # i is the last data row (-1: none); the notes start after the first blank row below it
        if i >= 0:
            gaps = [k for k in range(i + 1, n) if row_blank[k]]
            if gaps:
                after = [k for k in range(gaps[0] + 1, n) if not row_blank[k]]
                if after:
                    notes_from = after[0]
    note_rows = [k for k in range(notes_from, n) if not row_blank[k]]
    keep = ~row_blank
    keep[notes_from:] = False
    blank_rows = [int(body_first_row + k) for k in np.flatnonzero(row_blank)]
    for r in blank_rows:
        ignored[int(r)] = "blank"
    for k in note_rows:
        ignored[int(body_first_row + k)] = "notes under the table"
    if blank_rows:
        notes.append(
            f"{len(blank_rows)} blank row{'s' if len(blank_rows) != 1 else ''} ignored (row{'s' if len(blank_rows) != 1 else ''} {_ranges(blank_rows)})."
        )
    if note_rows:
        first_note = next(v for v in (columns_data[j][note_rows[0]] for j in range(width)) if not _blank_value(v))
        excel_note_rows = [body_first_row + k for k in note_rows]
        notes.append(
            f"Notes under the table ignored (row{'s' if len(note_rows) != 1 else ''} {_ranges(excel_note_rows)}): "
            f"'{normalize_text(first_note)}'" + (" ..." if len(note_rows) > 1 else "") + "."
        )

    # columns: names, unnamed columns, duplicates
    final_names: list[str] = []
    keep_cols: list[int] = []
    seen: dict[str, tuple[str, str]] = {}
    as_written: dict[str, str] = {}
    letters: dict[str, str] = {}
    keep_idx = np.flatnonzero(keep)
    for j in range(width):
        letter = _col_letters(first_col + j)
        name = names[j]
        col_has_data = bool((~blanks[keep_idx, j]).any()) if len(keep_idx) else False
        if name is None:
            if not col_has_data:
                continue
            name = f"column {letter}"
            problems.append(
                Problem(file, sheet, header_row, name, None,
                        f"Column {letter} has values but no header, so tip_eval cannot tell what they are.",
                        f"Type a header in cell {letter}{header_row}, or delete the column if it is not needed.",
                        "warning")
            )
        key = normalize_header(name)
        if key in seen:
            other_name, other_letter = seen[key]
            problems.append(
                Problem(file, sheet, header_row, name, written[j] or name,
                        f"Columns {other_letter} ('{other_name}') and {letter} ('{written[j] or name}') have the "
                        "same header once case and spaces are ignored, so tip_eval cannot tell which one to use.",
                        "Rename one of the two columns, or delete the one that is not needed.",
                        "error")
            )
            name = f"{name} (column {letter})"
            while normalize_header(name) in seen:
                name += "'"
        else:
            seen[key] = (name, letter)
        seen.setdefault(normalize_header(name), (name, letter))
        final_names.append(name)
        keep_cols.append(j)
        as_written[name] = written[j] if written[j] else ""
        letters[name] = letter

    # formulas with no saved result, where the table uses them
    col_of = {first_col + j: final_names[k] for k, j in enumerate(keep_cols)}
    kept_rows = {body_first_row + k for k in keep_idx}
    for r, c in sorted(formula_set):
        if r in header_excel_rows:
            col_of.setdefault(c, f"column {_col_letters(c)}")
        elif c not in col_of:
            continue
        if r in kept_rows or r in header_excel_rows:
            problems.append(
                Problem(file, sheet, r, col_of[c], None,
                        f"Cell {_col_letters(c)}{r} has a formula but no saved result (the file was written "
                        "by a program that does not calculate formulas), so its value is unknown.",
                        "Open the file in Excel, let it calculate, save it, and read it again.",
                        "error")
            )

    data: dict[str, Any] = {}
    all_kept = bool(keep.all())
    for k, j in enumerate(keep_cols):
        values = columns_data[j] if all_kept else columns_data[j][keep_idx]
        if kinds[j] == "float":
            data[final_names[k]] = pd.Series(values, dtype="float64", copy=False)
        elif kinds[j] == "text":
            data[final_names[k]] = pd.Series(values, dtype=_TEXT_DTYPE)
        else:
            data[final_names[k]] = pd.Series(values, dtype=object, copy=False)
    frame = pd.DataFrame(data, index=pd.RangeIndex(int(keep.sum())), copy=False)
    if not keep_cols:
        frame = pd.DataFrame(index=pd.RangeIndex(int(keep.sum())))
    excel_rows = pd.Series(body_first_row + keep_idx, index=frame.index, name="excel_row", dtype="int64")
    return RawTable(
        frame=frame,
        file=file,
        sheet=sheet,
        header_row=header_row,
        excel_rows=excel_rows,
        columns_as_written=as_written,
        problems=problems,
        notes=notes,
        column_letters=letters,
        ignored_rows=dict(sorted(ignored.items())),
        date1904=date1904,
    )


def _first_filled(row: Sequence[Any]) -> Any:
    return next((v for v in row if not _blank_value(v)), None)


def _note_like(filled: int, blank_row: np.ndarray, columns: list[np.ndarray], i: int) -> bool:
    """One non-empty cell holding text of at least two words (a sentence, not a data value)."""
    if filled != 1:
        return False
    j = int(np.flatnonzero(~blank_row)[0])
    value = columns[j][i]
    if not isinstance(value, str):
        return False
    text = normalize_text(value)
    if text is None:
        return False
    return text.count(" ") >= 2 or len(text) >= 30 or ":" in text or text[0] in "*(#"
