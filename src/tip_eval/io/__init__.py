"""Reading partners' files: guarded workbook/CSV reading and the one cell normaliser.

:mod:`tip_eval.io.read` opens files safely and keeps the location of every cell;
:mod:`tip_eval.io.clean` normalises text, numbers and dates the same way for every cell.
"""

from tip_eval.io.clean import (
    CellError,
    clean_frame,
    normalize_header,
    normalize_text,
    parse_date,
    parse_number,
)
from tip_eval.io.read import (
    RawTable,
    ReadLimits,
    SheetInfo,
    WorkbookCheck,
    guard_workbook,
    list_sheets,
    read_table,
)

__all__ = [
    "CellError",
    "RawTable",
    "ReadLimits",
    "SheetInfo",
    "WorkbookCheck",
    "clean_frame",
    "guard_workbook",
    "list_sheets",
    "normalize_header",
    "normalize_text",
    "parse_date",
    "parse_number",
    "read_table",
]
