"""From rows of cells to a :class:`RawTable`: header detection and the location of every cell.

The header starts at the first non-empty row (a title above the table is skipped; two header rows
are joined); blank rows and a block of notes under the table are left out and named; every kept row
remembers the row number Excel shows and every column its letter. Used for workbook sheets
(:mod:`tip_eval.io.read`) and CSV files (:mod:`tip_eval.io.csv`) alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import _, ngettext
from tip_eval.io.limits import _col_letters
from tip_eval.io.text import INVISIBLE, _normalize_str, normalize_header, normalize_text
from tip_eval.problems import Problem

__all__ = ["RawTable"]


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
        (``"blank"``, ``"notes under the table"``, or a CSV record broken by an unclosed quote).
        Rows read = ``len(frame)`` + ``len(ignored_rows)``; see also ``lines_read``.
    date1904 : bool
        True when the workbook uses the 1904 date system: pass it to
        :func:`~tip_eval.io.clean.parse_date` for date columns that hold plain numbers.
    encoding, delimiter : str or None
        For CSV files, the text encoding and the column separator used.
    row_lines : dict
        For CSV files, row number -> number of lines of the file the row took, for rows that took
        more than one (a quoted cell with line breaks, or a quote that is never closed).
    """

    _frame: pd.DataFrame | None = field(repr=False)
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
    row_lines: dict[int, int] = field(default_factory=dict)
    #: the cells of each column as read (column -> (values, kind)), when ``frame`` is built on first use
    _cells: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict, repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        """The cells below the header (see the class docstring), built on first use."""
        if self._frame is None:
            self._frame = _frame_of(self._cells, len(self.excel_rows))
        return self._frame

    @frame.setter
    def frame(self, value: pd.DataFrame) -> None:
        self._frame, self._cells = value, {}

    @property
    def columns(self) -> list[str]:
        """The column names of :attr:`frame`, without building it."""
        return list(self._cells) if self._frame is None else list(self._frame.columns)

    def values(self, column: str) -> np.ndarray:
        """The cells of one column as an object array: ``frame[column].to_numpy(dtype=object)``
        (missing text as NaN, numbers as ``float``), without building :attr:`frame`.
        """
        if self._frame is not None or column not in self._cells:
            return self.frame[column].to_numpy(dtype=object)
        values, kind = self._cells[column]
        # a copy, as to_numpy gives, with one object per distinct number or text (the cells outlive the
        # sheet in the frames mapped from it: see _shared_numbers)
        out = None
        if isinstance(values, np.ndarray):  # (a CSV file's columns are Arrow's: no object per cell to share)
            out = _shared_numbers(values) if kind == "float" else _shared_texts(values) if kind == "text" else None
        if out is None or out is values:
            out = values.astype(object)
        if kind == "text":
            out[pd.isna(out)] = np.nan  # pandas' text dtype gives a missing value as NaN
        return out

    def block(self, columns: Sequence[str]) -> np.ndarray:
        """Several columns as a 2-D object array: ``frame[columns].to_numpy(dtype=object)``."""
        out = np.empty((len(self.excel_rows), len(columns)), dtype=object)
        for j, c in enumerate(columns):
            out[:, j] = self.values(c)
        return out

    @property
    def lines_read(self) -> int:
        """Source rows below the header, counted before any parsing: rows kept, rows left out (blank,
        notes, a CSV record broken by a quote) and every extra line a record took in a CSV file.
        """
        return len(self.excel_rows) + len(self.ignored_rows) + sum(n - 1 for n in self.row_lines.values())

    def excel_row(self, index: Any) -> int:
        """Row number as Excel shows it of the frame row with label ``index``."""
        return int(self.excel_rows.loc[index])


# --------------------------------------------------------------------------- table from rows


class ArrowColumns:
    """The rows of a text table held as Arrow text columns (a CSV file read by Arrow's reader).

    :func:`_build_table` reads the header rows one by one (``rows[i]``, ``rows[a:b]``) and takes
    the body column by column, without turning millions of cells into Python objects.
    """

    def __init__(self, columns: list[Any]) -> None:
        self.columns = columns
        self.n = len(columns[0]) if columns else 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.n))]
        return [c[i].as_py() for c in self.columns]


def _cell(column: Any, i: int) -> Any:
    """One value of a column of cells: a numpy array, or an Arrow array (its Python value)."""
    v = column[i]
    return v.as_py() if hasattr(v, "as_py") else v


def _arrow_text_column(column: Any) -> tuple[Any, np.ndarray]:
    """(values with blanks as null, blank mask) of an Arrow text column without nulls.

    The same blanks as :func:`_blank_strings`: a cell holding any ASCII letter or digit is not
    blank (found by Arrow in one pass), and the few distinct others are matched in Python.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(column)
    maybe = pc.invert(pc.match_substring_regex(column, "[0-9A-Za-z]"))
    if not pc.any(maybe).as_py():
        return column, np.zeros(n, dtype=bool)
    candidates = pc.unique(pc.filter(column, maybe)).to_pylist()
    fullmatch = _BLANK_TEXT.fullmatch
    blank_values = [u for u in candidates if fullmatch(u) is not None]
    if not blank_values:
        return column, np.zeros(n, dtype=bool)
    mask = pc.is_in(column, value_set=pa.array(blank_values, type=column.type))
    blank = mask.to_numpy(zero_copy_only=False)
    return pc.if_else(mask, pa.scalar(None, column.type), column), blank


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
    fullmatch = _BLANK_TEXT.fullmatch
    blank = {u for u in set(strings.tolist()) if fullmatch(u) is not None}
    if not blank:
        return np.zeros(len(strings), dtype=bool)
    return np.fromiter((v in blank for v in strings), dtype=bool, count=len(strings))


def _shared_numbers(values: np.ndarray) -> np.ndarray:
    """``values.astype(object)`` of a column of numbers, with one Python float for each distinct number.

    The frames mapped from a sheet hold its cells until every source is read and the tables are joined.
    As one object per cell (a rating on every answer of 100,000 people), they filled hundreds of blocks
    of Python's allocator; the few objects that outlive the load are scattered among them, and a block
    is given back only when nothing in it is alive: 240 MB stayed resident, unused, to the end of the
    load. A distinct value once, the cells take a few blocks.
    """
    if len(values) < 2 or (np.signbit(values) & (values == 0)).any():  # -0.0 would be shared with 0.0
        return values.astype(object)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    numbers = np.append(distinct.astype(object), np.nan)  # the last: an empty cell (code -1)
    return numbers[codes]


def _shared_texts(values: np.ndarray) -> np.ndarray:
    """``values`` (Python strings and missing values), each distinct text one object (the first cell's):
    a test's date on every row, a sector, a gender (see :func:`_shared_numbers`). The values, their
    types and the missing values (None or NaN) are those read.
    """
    if len(values) < 2:
        return values
    backwards = values[::-1]
    first = dict(zip(backwards, backwards))  # each text -> its first cell (the last written of the reversed)
    if len(first) == len(values):
        return values
    return np.fromiter(map(first.__getitem__, values), dtype=object, count=len(values))


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
    rows: list[list[Any]] | ArrowColumns,
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
    row_numbers: Sequence[int] | None = None,
) -> RawTable:
    """Rows of cells -> :class:`RawTable`. ``row_numbers`` gives the source row (line) number of each
    element of ``rows`` when they are not consecutive from ``first_row`` (a CSV record that spans
    several lines).
    """
    problems: list[Problem] = []
    nums = (
        np.asarray(row_numbers, dtype=np.int64)
        if row_numbers is not None
        else first_row + np.arange(len(rows), dtype=np.int64)
    )
    formula_set = {(r, c) for r, c in formulas}
    formula_rows = {f[0] for f in formulas}
    columnar = isinstance(rows, ArrowColumns)
    width = len(rows.columns) if columnar else max((len(r) for r in rows), default=0)

    # the header starts at the first row with anything in it ...
    def filled_cells(i: int) -> int:
        if int(nums[i]) in formula_rows:
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
            notes.append(
                _(
                    "Title above the table ignored (column {column}, row {row}; its text is not repeated here, "
                    "as it may name a person)."
                ).format(column=_col_letters(first_col + _first_filled_at(rows[h])), row=int(nums[h]))
            )
            h = later[0]
    if h >= len(rows):
        empty = pd.DataFrame()
        notes.append(_("The sheet is empty.") if sheet is not None else _("The file is empty."))
        problems.append(
            Problem(
                file,
                sheet,
                None,
                None,
                None,
                _("There is no table here: the sheet or file is empty."),
                _("Check that this is the right file and sheet."),
                "error",
            )
        )
        return RawTable(
            empty,
            file,
            sheet,
            first_row,
            pd.Series([], dtype="int64", name="excel_row"),
            {},
            problems,
            notes,
            {},
            {},
            date1904,
        )
    header = [list(r) + [""] * (width - len(r)) for r in rows[h : h + header_rows]]
    while len(header) < header_rows:
        header.append([""] * width)
    header_excel_rows = [int(nums[h + k]) if h + k < len(nums) else int(nums[h]) + k for k in range(header_rows)]
    header_row = header_excel_rows[-1]
    names, written = _header_names(header, header_excel_rows, first_col, merges)

    body = range(len(rows) - h - header_rows) if columnar else rows[h + header_rows :]
    body_nums = nums[h + header_rows :]
    body_first_row = int(body_nums[0]) if len(body_nums) else header_excel_rows[-1] + 1
    n = len(body)
    columns_data: list[Any] = []
    blanks = np.zeros((n, width), dtype=bool)
    kinds: list[str] = []
    if columnar:  # text columns (a CSV file): blanks found by Arrow, cells never become Python objects
        for j, column in enumerate(rows.columns):
            values, blank = _arrow_text_column(column[h + header_rows :])
            columns_data.append(values)
            blanks[:, j] = blank
            kinds.append("text")
    else:
        grid = np.empty((n, width), dtype=object)
        if n and width:
            try:
                grid[:, :] = body
            except ValueError:  # ragged rows
                for i, r in enumerate(body):
                    grid[i, : len(r)] = r
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
    blank_rows = [int(body_nums[k]) for k in np.flatnonzero(row_blank)]
    for r in blank_rows:
        ignored[int(r)] = "blank"
    for k in note_rows:
        ignored[int(body_nums[k])] = "notes under the table"
    if blank_rows:
        notes.append(
            ngettext(
                "{n} blank row ignored (row {rows}).", "{n} blank rows ignored (rows {rows}).", len(blank_rows)
            ).format(n=len(blank_rows), rows=_ranges(blank_rows))
        )
    if note_rows:
        first_note = next(j for j in range(width) if not _blank_value(_cell(columns_data[j], note_rows[0])))
        excel_note_rows = [int(body_nums[k]) for k in note_rows]
        notes.append(
            ngettext(
                "Notes under the table ignored (column {column}, row {rows}; their text is not repeated "
                "here, as it may name a person).",
                "Notes under the table ignored (column {column}, rows {rows}; their text is not repeated "
                "here, as it may name a person).",
                len(note_rows),
            ).format(column=_col_letters(first_col + first_note), rows=_ranges(excel_note_rows))
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
            name = _("column {letter}").format(letter=letter)
            problems.append(
                Problem(
                    file,
                    sheet,
                    header_row,
                    name,
                    None,
                    _("Column {letter} has values but no header, so tip_eval cannot tell what they are.").format(
                        letter=letter
                    ),
                    _("Type a header in cell {cell}, or delete the column if it is not needed.").format(
                        cell=f"{letter}{header_row}"
                    ),
                    "warning",
                )
            )
        key = normalize_header(name)
        if key in seen:
            other_name, other_letter = seen[key]
            problems.append(
                Problem(
                    file,
                    sheet,
                    header_row,
                    name,
                    written[j] or name,
                    _(
                        "Columns {first} ('{first_name}') and {second} ('{second_name}') have the same header once "
                        "case and spaces are ignored, so tip_eval cannot tell which one to use."
                    ).format(first=other_letter, first_name=other_name, second=letter, second_name=written[j] or name),
                    _("Rename one of the two columns, or delete the one that is not needed."),
                    "error",
                )
            )
            name = "{name} ({column})".format(name=name, column=_("column {letter}").format(letter=letter))
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
    kept_rows = {int(body_nums[k]) for k in keep_idx}
    for r, c in sorted(formula_set):
        if r in header_excel_rows:
            col_of.setdefault(c, _("column {letter}").format(letter=_col_letters(c)))
        elif c not in col_of:
            continue
        if r in kept_rows or r in header_excel_rows:
            problems.append(
                Problem(
                    file,
                    sheet,
                    r,
                    col_of[c],
                    None,
                    _(
                        "Cell {cell} has a formula but no saved result (the file was written by a program that does "
                        "not calculate formulas), so its value is unknown."
                    ).format(cell=f"{_col_letters(c)}{r}"),
                    _("Open the file in Excel, let it calculate, save it, and read it again."),
                    "error",
                )
            )

    cells: dict[str, tuple[Any, str]] = {}
    all_kept = bool(keep.all())
    for k, j in enumerate(keep_cols):
        if all_kept:
            values = columns_data[j]
        else:
            values = columns_data[j].take(keep_idx) if columnar else columns_data[j][keep_idx]
        cells[final_names[k]] = (values, kinds[j])
    n_kept = int(keep.sum())
    excel_rows = pd.Series(body_nums[keep_idx], index=pd.RangeIndex(n_kept), name="excel_row", dtype="int64")
    # a sheet's frame is built when first asked for: the layouts take its columns as arrays
    frame = _frame_of(cells, n_kept) if columnar else None
    return RawTable(
        _frame=frame,
        _cells={} if columnar else cells,
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


def _frame_of(cells: dict[str, tuple[Any, str]], n: int) -> pd.DataFrame:
    """The frame of a table's columns (name -> (values, kind)): float64, pandas' text dtype or object."""
    data: dict[str, Any] = {}
    for name, (values, kind) in cells.items():
        if kind == "float":
            data[name] = pd.Series(values, dtype="float64", copy=False)
        elif kind == "text":
            data[name] = pd.Series(values, dtype=_TEXT_DTYPE)
        else:
            data[name] = pd.Series(values, dtype=object, copy=False)
    if not data:
        return pd.DataFrame(index=pd.RangeIndex(n))
    return pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)


def _first_filled(row: Sequence[Any]) -> Any:
    return next((v for v in row if not _blank_value(v)), None)


def _first_filled_at(row: Sequence[Any]) -> int:
    """Position of the first non-empty cell of ``row`` (0 when none)."""
    return next((j for j, v in enumerate(row) if not _blank_value(v)), 0)


def _note_like(filled: int, blank_row: np.ndarray, columns: list[np.ndarray], i: int) -> bool:
    """One non-empty cell holding text of at least two words (a sentence, not a data value)."""
    if filled != 1:
        return False
    j = int(np.flatnonzero(~blank_row)[0])
    value = _cell(columns[j], i)
    if not isinstance(value, str):
        return False
    text = normalize_text(value)
    if text is None:
        return False
    return text.count(" ") >= 2 or len(text) >= 30 or ":" in text or text[0] in "*(#"
