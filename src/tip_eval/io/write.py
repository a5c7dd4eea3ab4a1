"""Safe spreadsheet writing: every string inert, headers frozen, readable column widths.

openpyxl stores any string that starts with ``=`` as a formula. Text from other people's files
(organisation names, notes) must never become a live formula in a workbook we publish, so every
string cell is written with an explicit string type; cells that begin with ``= + - @``, tab or
carriage return are additionally marked with Excel's quote prefix so that re-typing them in Excel
keeps them text.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"}


def inert_text(value: str) -> str:
    """Return ``value`` without characters Excel cannot store (control characters other than tab/newline)."""
    return "".join(ch for ch in value if ch not in _ILLEGAL)


def write_cell(ws, row: int, col: int, value: object):
    """Write one value to ``ws`` at (row, col) so that it can never be a formula."""
    from openpyxl.styles import Alignment

    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return cell
    if isinstance(value, (bool,)):
        cell.value = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    elif isinstance(value, pd.Timestamp):
        cell.value = value.to_pydatetime()
        cell.number_format = "yyyy-mm-dd"
    elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return write_cell(ws, row, col, value.item())
    else:
        text = inert_text(str(value))
        cell.value = text
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True
            cell.alignment = Alignment(horizontal="left")
    return cell


def write_sheet(ws, frame: pd.DataFrame, *, number_formats: Mapping[str, str] | None = None, freeze: bool = True) -> None:
    """Write ``frame`` (header + rows) into worksheet ``ws`` with inert strings and tidy layout."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF4")
    for j, name in enumerate(frame.columns, start=1):
        c = write_cell(ws, 1, j, str(name))
        c.font = bold
        c.fill = fill
    values = frame.to_numpy(dtype=object)
    for i, row in enumerate(values, start=2):
        for j, v in enumerate(row, start=1):
            write_cell(ws, i, j, v)
    for j, name in enumerate(frame.columns, start=1):
        fmt = (number_formats or {}).get(str(name))
        if fmt:
            for i in range(2, len(frame) + 2):
                ws.cell(row=i, column=j).number_format = fmt
        sample = [str(name)] + [str(v) for v in values[:200, j - 1] if v is not None]
        width = min(max(len(s) for s in sample) + 2, 60) if sample else 10
        ws.column_dimensions[get_column_letter(j)].width = max(width, 8)
    if freeze:
        ws.freeze_panes = "A2"


def write_frames(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> Path:
    """Write several frames to one xlsx workbook, one sheet each, every string inert."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=str(name)[:31])
        write_sheet(ws, frame)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
