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

The work is split by job: :mod:`tip_eval.io.guard` (the guard), :mod:`tip_eval.io.xmlscan` (its
streaming scans of zip members and XML), :mod:`tip_eval.io.limits` (limits and refusals),
:mod:`tip_eval.io.csv` (decoding CSV files), :mod:`tip_eval.io.rawtable` (rows to a
:class:`RawTable`: header detection and locations) and this module (which sheet, and reading it).
The public names are re-exported here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tip_eval.i18n import _, ngettext
from tip_eval.io.csv import _read_csv
from tip_eval.io.guard import (  # DEFUSEDXML_ACTIVE and _GUARD_CACHE: re-exported, tests and benchmarks use them
    _GUARD_CACHE as _GUARD_CACHE,
    DEFUSEDXML_ACTIVE as DEFUSEDXML_ACTIVE,
    SheetInfo,
    WorkbookCheck,
    _calamine_refusal,
    _open_calamine,
    guard_workbook,
)
from tip_eval.io.limits import (
    _OLD_EXCEL_SUFFIXES,
    TEXT_SUFFIXES,
    WORKBOOK_SUFFIXES,
    ReadLimits,
    _check_file,
    _refuse,
    active_limits,
)
from tip_eval.io.rawtable import RawTable, _build_table
from tip_eval.io.text import normalize_header

__all__ = [
    "RawTable",
    "ReadLimits",
    "SheetInfo",
    "WorkbookCheck",
    "guard_workbook",
    "list_sheets",
    "read_table",
]


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
        _check_file(p, str(path), limits or active_limits())
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
        Safety limits; see :class:`ReadLimits`. By default, the limits of the study being read
        (``[limits]`` in its study.toml), else ``ReadLimits()``.
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
    limits = limits or active_limits()
    p = Path(path)
    file = str(path)
    suffix = p.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _read_csv(p, file, header_rows, limits, encoding)
    if suffix in _OLD_EXCEL_SUFFIXES:
        _check_file(p, file, limits)
        _refuse(
            file,
            _("is in the old or binary Excel format ({suffix}), which tip_eval does not read.").format(suffix=suffix),
            _("Open it in Excel and use File > Save As > Excel Workbook (.xlsx)."),
        )
    if suffix not in WORKBOOK_SUFFIXES:
        _check_file(p, file, limits)
        _refuse(
            file,
            _("has a file type tip_eval does not read ('{suffix}').").format(suffix=suffix or _("no extension")),
            _("Save the data as an Excel workbook (.xlsx) or a CSV file (.csv)."),
        )
    check = guard_workbook(path, limits)
    info = _choose_sheet(check, sheet, include_hidden)
    notes: list[str] = []
    if not info.visible:
        notes.append(
            (
                _("Sheet '{name}' is very hidden in Excel; it was read because it was asked for.")
                if info.state == "veryHidden"
                else _("Sheet '{name}' is hidden in Excel; it was read because it was asked for.")
            ).format(name=info.name)
        )
    wb = _open_calamine(p, file, check.format)
    try:
        try:
            cal_sheet = wb.get_sheet_by_name(info.name)
            rows = cal_sheet.to_python()
            start = cal_sheet.start
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # noqa: BLE001 - calamine errors, and pyo3 panics (a BaseException)
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
    listing = ", ".join(f"'{n}'" for n in visible) or _("(none)")
    if sheet is None:
        candidates = [s for s in sheets if s.kind == "worksheet" and (s.visible or include_hidden)]
        if not candidates:
            _refuse(
                check.file,
                _("has no visible worksheet to read."),
                _("Name the sheet to read: read_table(path, sheet='...'); list_sheets(path) shows them all."),
            )
        chosen = candidates[0]
    elif isinstance(sheet, (int, np.integer)) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(sheets):
            _refuse(
                check.file,
                ngettext(
                    "has no sheet number {number} (it has {n} sheet, numbered from 0).",
                    "has no sheet number {number} (it has {n} sheets, numbered from 0).",
                    len(sheets),
                ).format(number=sheet, n=len(sheets)),
                _("Visible sheets: {sheets}.").format(sheets=listing),
            )
        chosen = sheets[int(sheet)]
    else:
        exact = [s for s in sheets if s.name == sheet]
        if not exact:
            key = normalize_header(sheet)
            exact = [s for s in sheets if normalize_header(s.name) == key]
        if len(exact) != 1:
            _refuse(
                check.file,
                _("has no sheet named '{name}'.").format(name=sheet),
                _("Use one of the sheets: {sheets}.").format(sheets=listing),
            )
        chosen = exact[0]
    if chosen.kind != "worksheet":
        _refuse(
            check.file,
            _("sheet '{name}' is a {kind}, not a table of cells.").format(name=chosen.name, kind=chosen.kind),
            _("Use one of the sheets: {sheets}.").format(sheets=listing),
        )
    return chosen
