"""CSV and text files: decoding, delimiter and encoding detection, for :func:`~tip_eval.io.read.read_table`.

The bytes are decoded with a byte-order mark for UTF-8/UTF-16; otherwise strict UTF-8; otherwise Thai
Windows cp874. The separator is ``,`` ``;`` or tab, whichever gives the most consistent table (or
the one an Excel ``sep=`` line names). Every cell is read as text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np

from tip_eval.i18n import _, format_integer
from tip_eval.io.limits import _OLE2, _ZIP, ReadLimits, _check_area, _check_file, _refuse
from tip_eval.io.rawtable import ArrowColumns, RawTable, _build_table
from tip_eval.problems import Problem

# -------------------------------------------------------------------------------------- CSV

_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _decode_csv(data: bytes, file: str, encoding: str | None) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if encoding:
        try:
            return data.decode(encoding), encoding, notes
        except (UnicodeDecodeError, LookupError) as err:
            _refuse(
                file,
                _("cannot be decoded as {encoding} ({reason}).").format(encoding=encoding, reason=err),
                _("Give the right encoding, or save the file as 'CSV UTF-8' in Excel."),
            )
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
                _(
                    "The file is not UTF-8; it was read as Thai Windows text (cp874). If letters look "
                    "wrong, save the file in Excel as 'CSV UTF-8 (Comma delimited)' and read it again, "
                    "or give encoding='...'."
                )
            )
        return text, {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(enc, enc), notes
    _refuse(
        file,
        _("is a text file in an encoding tip_eval cannot recognise (it is not UTF-8, UTF-16 or Thai Windows cp874)."),
        _("Open it in Excel and use File > Save As > 'CSV UTF-8 (Comma delimited)', or give encoding='...'."),
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


def _broken_records(rows: list[list[str]], starts: list[int], ends: list[int], delimiter: str) -> dict[int, str | None]:
    """Records that swallowed other rows through a quote that is never closed: index -> the column.

    A record spanning several lines is broken when it has a different number of cells than the
    header, or when a line inside one of its cells looks like a row of its own (as many separators
    as the header has). A quoted cell with ordinary line breaks (an address, a comment) is not.
    """
    first = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if first is None:
        return {}
    width = len(rows[first])
    header = rows[first]
    out: dict[int, str | None] = {}
    for i in range(first + 1, len(rows)):
        if ends[i] == starts[i]:
            continue
        r = rows[i]
        at = next((j for j, c in enumerate(r) if "\n" in c or "\r" in c), None)
        inner = [ln for c in r for ln in c.splitlines()[1:]]
        if len(r) != width or any(ln.count(delimiter) >= max(1, width - 1) for ln in inner):
            out[i] = header[at] if at is not None and at < width and header[at].strip() else None
    return out


def _arrow_columns(text: str, delimiter: str, limits: ReadLimits) -> ArrowColumns | None:
    """The cells of a plain CSV text as Arrow text columns, or None when the text needs the careful reader.

    Arrow's CSV reader is used only where it must give exactly the records of :mod:`csv`: no
    quote character anywhere (so no record spans lines and none is broken by a stray quote),
    and every line with the first line's number of cells (a blank line, a short or a long row
    falls back to the careful reader, which pads them and names them). Every cell stays text:
    empty cells are empty strings, nothing is parsed or inferred.
    """
    if '"' in text or len(delimiter) != 1 or delimiter in "\r\n" or not text:
        return None
    first = re.match(r"[^\r\n]*", text)
    width = (first.group(0).count(delimiter) + 1) if first else 1
    if width > limits.max_cols or width < 2:
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{j}" for j in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char=False,
                escape_char=False,
                double_quote=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    return ArrowColumns([col.combine_chunks() for col in table.columns])


def _read_csv(p: Path, file: str, header_rows: int, limits: ReadLimits, encoding: str | None) -> RawTable:
    _check_file(p, file, limits)
    data = p.read_bytes()
    if data.startswith(_ZIP):
        _refuse(
            file,
            _("is an Excel workbook (or another zip file), although its name ends in {suffix}.").format(
                suffix=p.suffix
            ),
            _("Rename it to .xlsx and read it again."),
        )
    if data.startswith(_OLE2):
        _refuse(
            file,
            _("is an Excel 97-2003 (.xls) or other Office file, not a text file."),
            _("Open it in Excel and save it as .xlsx or as 'CSV UTF-8'."),
        )
    text, used, notes = _decode_csv(data, file, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines_head = text[:200]
    sep_line = re.match(r'"?sep=(.)"?\r?\n', lines_head)
    rows_offset = 0
    if sep_line:
        delimiter = sep_line.group(1)
        text = text[sep_line.end() :]
        rows_offset = 1
    else:
        delimiter = _choose_delimiter(text)
    if "\x00" in text:
        text = text.replace("\x00", "")
    fast = _arrow_columns(text, delimiter, limits)
    if fast is not None:
        if len(fast) > limits.max_rows:
            _refuse(
                file,
                f"has more than {limits.max_rows:,} rows, the limit.",
                "If the table really is that large, read it with limits=ReadLimits(max_rows=...).",
            )
        _check_area(file, "the file", len(fast), len(fast.columns), limits)
        del text
        table = _build_table(
            fast,
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
        if delimiter not in (",", ";", "\t"):
            table.notes.append(f"Columns are separated by {delimiter!r} (from the file's 'sep=' line).")
        return table
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    starts: list[int] = []  # the line each record starts on (1 = the first line after a 'sep=' line)
    ends: list[int] = []
    try:
        for record in reader:
            starts.append((ends[-1] if ends else 0) + 1)
            ends.append(reader.line_num)
            rows.append(record)
            if len(rows) > limits.max_rows:
                _refuse(
                    file,
                    _("has more than {n} rows, the limit.").format(n=format_integer(limits.max_rows)),
                    _("If the table really is that large, read it with limits=ReadLimits(max_rows=...)."),
                )
    except csv.Error as err:
        _refuse(
            file,
            _("is not a well-formed CSV file ({reason}, near row {row}).").format(reason=err, row=len(rows) + 1),
            _("Open it in Excel and save it again as 'CSV UTF-8'."),
        )
    width = max((len(r) for r in rows), default=0)
    if width > limits.max_cols:
        _refuse(
            file,
            _("has {n} columns, more than the limit of {limit}.").format(
                n=format_integer(width), limit=format_integer(limits.max_cols)
            ),
            _("Check the file; if it really has that many columns, read it with limits=ReadLimits(max_cols=...)."),
        )
    _check_area(file, _("the file"), len(rows), width, limits)
    broken = _broken_records(rows, starts, ends, delimiter)
    # rows are numbered as Excel shows them (one per record); lines are the file's own lines
    spans = {1 + rows_offset + i: ends[i] - starts[i] + 1 for i in range(len(rows)) if ends[i] > starts[i]}
    keep = [i for i in range(len(rows)) if i not in broken]
    rows = [rows[i] for i in keep]
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
        row_numbers=[1 + rows_offset + i for i in keep],
    )
    table.row_lines = spans
    for i, column in broken.items():
        first, last = starts[i] + rows_offset, ends[i] + rows_offset
        table.ignored_rows[1 + rows_offset + i] = "a quote is not closed"
        table.problems.append(
            Problem(
                file,
                None,
                1 + rows_offset + i,
                column,
                None,
                _(
                    'a quote (") in line {first} of the file is not closed until line {last}, so lines {first}-{last} were '
                    "read as one row and their {n} lines are not read"
                ).format(first=first, last=last, n=last - first + 1),
                _("Remove the stray quote in line {line} (or close it) and read the file again.").format(line=first),
                "error",
            )
        )
    table.ignored_rows = dict(sorted(table.ignored_rows.items()))
    table.encoding = used
    table.delimiter = delimiter
    if delimiter not in names:
        table.notes.append(
            _("Columns are separated by {delimiter} (from the file's 'sep=' line).").format(delimiter=repr(delimiter))
        )
    return table
