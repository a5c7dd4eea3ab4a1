"""Safe spreadsheet writing: every string inert, headers frozen, readable column widths.

openpyxl stores any string that starts with ``=`` as a formula. Text from other people's files
(organisation names, notes) must never become a live formula in a workbook we publish, so every
string cell is written with an explicit string type; cells that begin with ``= + - @``, tab or
carriage return are additionally marked with Excel's quote prefix so that re-typing them in Excel
keeps them text.

Every string written (cells, and the titles of the sheets :func:`write_sheet` and
:func:`write_text_sheet` fill) is cleaned by :func:`inert_text` of the characters XML 1.0 forbids
(control characters, U+FFFE, U+FFFF, lone surrogates): openpyxl writes them as they are, and one
of them in one cell makes the whole file unreadable to Excel, LibreOffice and openpyxl.
Numbers that are not finite (``inf``) are written as the text ``inf`` / ``-inf`` (an .xlsx number
cannot hold them), and dates with a time zone as the local date and time they show.
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
import re
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from tip_eval.safe_text import xml_chars

__all__ = [
    "BOOL_FORMAT",
    "P_FORMAT",
    "inert_text",
    "number_format",
    "sheet_title",
    "write_cell",
    "write_frames",
    "write_sheet",
    "write_text_sheet",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: characters a sheet title cannot hold in Excel
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def inert_text(value: str) -> str:
    """Return ``value`` without the characters XML 1.0 forbids, which no spreadsheet file can store.

    Control characters other than tab, newline and carriage return, U+FFFE, U+FFFF and lone
    surrogates are removed (:func:`tip_eval.safe_text.xml_chars`). A carriage return is kept, but
    XML reads any bare carriage return back as a line feed, so ``"\\r=2"`` reads back from the file
    as ``"\\n=2"`` (still text, never a formula).
    """
    return xml_chars(value)


def sheet_title(name: object, existing: list[str] | tuple[str, ...] = ()) -> str:
    """A sheet title Excel accepts: XML-safe, without ``[ ] : * ? / \\``, at most 31 characters, new.

    >>> sheet_title("By province: <a href='x'>", ["Sheet"])
    "By province_ <a href='x'>"
    """
    title = _TITLE_FORBIDDEN.sub("_", inert_text(str(name))).strip("'")[:31] or "Sheet"
    base, i = title, 2
    while title.casefold() in {t.casefold() for t in existing}:
        title = f"{base[:27]} {i}"
        i += 1
    return title


def _clean_title(ws) -> None:
    """Give ``ws`` a title that Excel and XML accept (titles may come from the data)."""
    others = [t for t in ws.parent.sheetnames if t != ws.title] if ws.parent is not None else []
    title = sheet_title(ws.title, others)
    if title != ws.title:
        ws.title = title


def write_cell(ws, row: int, col: int, value: object):
    """Write one value to ``ws`` at (row, col) so that it can never be a formula."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return cell
    if isinstance(value, (bool,)):
        cell.value = value
        cell.number_format = BOOL_FORMAT
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            cell.value = "inf" if value > 0 else "-inf"
            cell.data_type = "s"
        else:
            cell.value = value
    elif isinstance(value, (pd.Timestamp, _dt.datetime)):
        if value.tzinfo is not None:  # Excel has no time zones: the time as shown where it was recorded
            value = value.replace(tzinfo=None)
        cell.value = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        cell.number_format = "yyyy-mm-dd"
    elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return write_cell(ws, row, col, value.item())
    else:
        raw = str(value)
        text = inert_text(raw)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            from openpyxl.styles import Alignment

            cell.quotePrefix = True
            cell.alignment = Alignment(horizontal="left")
    return cell


#: number formats by column name (first match wins): display only, the cell keeps full precision
#: p-values: three decimals, "<0.001" below that (the cell keeps the exact value)
P_FORMAT = '[<0.001]"<0.001";0.000'
#: booleans display as yes / no (the cell stays a boolean)
BOOL_FORMAT = '"yes";"yes";"no"'

_FORMAT_RULES: tuple[tuple[str, str], ...] = (
    (r"^(n|k|df|n_.*|registered|took_pre|took_post|matched|n_items|n_codes|n_imputations|level|row)$", "0"),
    (r"^(p|p_.*)$", P_FORMAT),
    (r"^confidence$", "0.00"),
    (r"^(pct_.*|.*_pct|.*pct_.*)$", "0.0"),
    (
        r"^(cohens_dz|hedges_gz|d_av|dz_ci_.*|smd|rank_biserial|r_.*|.*_ci_(low|high)_r|normalized_gain|"
        r"mean_normalized_change|shrinkage|c_coefficient|cohen_kappa|krippendorff_alpha|difficulty_.*|"
        r"discrimination_.*|alpha_if_deleted|item_gain|share_.*|spearman_.*|pearson_.*|icc|estimate|odds_ratio.*|"
        r"or_ci_.*|sem)$",
        "0.00",
    ),
    (r".*", "0.0"),
)


def number_format(column: str) -> str:
    """The display format of a result column (``0`` counts, ``0.000`` p-values, ``0.0`` percentages ...)."""
    import re

    for pattern, fmt in _FORMAT_RULES:
        if re.match(pattern, str(column)):
            return fmt
    return "0.0"


def write_sheet(
    ws,
    frame: pd.DataFrame,
    *,
    number_formats: Mapping[str, str] | None = None,
    freeze: bool = True,
    marks: Mapping[str, object] | None = None,
    mark_text: str | None = None,
    auto_formats: bool = False,
    wrap: Mapping[str, int] | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Write ``frame`` (header + rows) into worksheet ``ws`` with inert strings and tidy layout.

    Parameters
    ----------
    number_formats : mapping, optional
        Column -> Excel number format (the value keeps full precision).
    freeze : bool
        Freeze the header row.
    marks, mark_text : optional
        ``{column: index labels}`` of cells to show as ``mark_text`` (e.g. ``"<5"``) instead of
        their (blank) value: the suppression marks of :func:`tip_eval.disclosure.suppress`.
    auto_formats : bool
        Give every numeric column without an explicit format the format of :func:`number_format`.
    wrap : mapping, optional
        Column -> width in characters beyond which its text wraps.
    headers : mapping, optional
        Column -> the header written for it (the words a reader sees); default the column name.
        Formats, marks and ``wrap`` still go by the column names.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    _clean_title(ws)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF4")
    formats = dict(number_formats or {})
    if auto_formats:
        # dtypes, not frame[name]: each column taken out of a result frame deep-copies its attrs
        for name, dtype in zip(frame.columns, frame.dtypes):
            if (
                str(name) not in formats
                and pd.api.types.is_numeric_dtype(dtype)
                and not pd.api.types.is_bool_dtype(dtype)
            ):
                formats[str(name)] = number_format(str(name))
    shown = [str((headers or {}).get(str(name), name)) for name in frame.columns]
    top = Alignment(wrap_text=True, vertical="top")
    heading: dict[tuple, object] = {}  # as the cells' styles below: each combination assigned once
    for j, head in enumerate(shown, start=1):
        c = write_cell(ws, 1, j, head)
        key = _style_key(c)
        if key not in heading:
            c.font = bold
            c.fill = fill
            c.alignment = top
            heading[key] = copy.copy(c._style)
        else:
            c._style = copy.copy(heading[key])
    values = frame.to_numpy(dtype=object)
    positions = {}
    if marks and mark_text is not None:
        where = {label: i for i, label in enumerate(frame.index)}
        for col, labels in marks.items():
            if col in frame.columns:
                j = list(frame.columns).index(col)
                for label in labels:
                    if label in where:
                        positions[(where[label], j)] = mark_text
    right = Alignment(horizontal="right")
    wrapped = Alignment(wrap_text=True, vertical="top")
    limits = [(wrap or {}).get(str(name)) for name in frame.columns]
    fmts = [formats.get(str(name)) for name in frame.columns]
    # openpyxl looks every style it is given up in the workbook's tables of styles (hashing an
    # alignment field by field) on every assignment; a cell's style is an array of indexes into those
    # tables, so the array that the same assignments make of the same array is the same: each
    # combination is assigned once and copied to the other cells of the sheet
    styled: dict[tuple, object] = {}
    for i, row in enumerate(values, start=2):
        for j, v in enumerate(row, start=1):
            mark = positions.get((i - 2, j - 1))
            cell = write_cell(ws, i, j, mark if mark is not None else v)
            fmt, limit = fmts[j - 1], limits[j - 1]
            if mark is None and not fmt and not limit:
                continue
            key = (_style_key(cell), mark is not None, fmt, bool(limit))
            style = styled.get(key)
            if style is None:
                if mark is not None:
                    cell.alignment = right
                if fmt:
                    cell.number_format = fmt
                if limit:
                    cell.alignment = wrapped
                styled[key] = copy.copy(cell._style)
            else:
                cell._style = copy.copy(style)
    header_lines = 1
    for j in range(1, len(frame.columns) + 1):
        fmt, limit = fmts[j - 1], limits[j - 1]
        # a header of words (``headers``) widens its column up to 14 characters and wraps beyond
        head = len(shown[j - 1]) if headers is None else min(len(shown[j - 1]), 14)
        sample = [_shown(v, fmt) for v in values[:200, j - 1] if v is not None]
        width = min(max([len(s) for s in sample] + [head]) + 2, 60)
        if limit:
            width = min(width, limit)
        width = max(width, 8)
        ws.column_dimensions[get_column_letter(j)].width = width
        if headers is not None:  # bold text: about one character less per line than the width
            header_lines = max(header_lines, len(textwrap.wrap(shown[j - 1], max(int(width) - 3, 4))))
    if header_lines > 1:  # an explicit height: not every spreadsheet program grows a row for wrapped text
        ws.row_dimensions[1].height = 15 * header_lines + 2
    if freeze:
        ws.freeze_panes = "A2"
    total = sum(ws.column_dimensions[get_column_letter(j)].width or 8 for j in range(1, len(frame.columns) + 1))
    _print_setup(ws, repeat_header=True, pages_wide=max(1, math.ceil(total / 190)))


def _style_key(cell) -> tuple | None:
    """The style a cell has (the indexes of its font, fill, number format ...; None for none yet)."""
    style = cell._style
    return None if style is None else tuple(style)


def _print_setup(ws, repeat_header: bool = False, pages_wide: int = 1) -> None:
    """Landscape, one page wide, header row repeated: a printed or PDF copy reads like the screen."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    if repeat_header:
        ws.print_title_rows = "1:1"


def _shown(value, fmt: str | None) -> str:
    """Roughly what Excel displays for ``value`` (for column widths)."""
    if isinstance(value, float) and fmt:
        if math.isnan(value):
            return ""
        decimals = len(fmt.split(".")[1]) if "." in fmt else 0
        return f"{value:.{decimals}f}"
    return str(value)


def write_text_sheet(ws, lines, *, width: int = 110) -> None:
    """Write lines of text (one per row, column A; a tuple gives a (heading, text) pair) as inert strings."""
    from openpyxl.styles import Alignment, Font

    _clean_title(ws)
    bold, title, top = Font(bold=True), Font(bold=True, size=14), Alignment(vertical="top", wrap_text=True)
    row = 1
    for line in lines:
        if isinstance(line, tuple):
            head, text = line
            # explicit heights: not every spreadsheet program grows a row for wrapped text
            n_lines = max(math.ceil(len(str(text)) / (width * 0.95)), math.ceil(len(str(head)) / 26), 1)
            if n_lines > 1:
                ws.row_dimensions[row].height = 15 * n_lines + 2
            c = write_cell(ws, row, 1, head)
            c.font = bold
            c.alignment = top
            c = write_cell(ws, row, 2, text)
            c.alignment = top
        else:
            c = write_cell(ws, row, 1, line)
            if row == 1:
                c.font = title
        row += 1
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = width
    _print_setup(ws)


def write_frames(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> Path:
    """Write several frames to one xlsx workbook, one sheet each, every string inert."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=sheet_title(name, wb.sheetnames))
        write_sheet(ws, frame)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
