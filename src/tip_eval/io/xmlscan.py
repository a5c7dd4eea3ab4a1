"""Streaming scans of a workbook's parts, before any parser opens them (used by :mod:`tip_eval.io.guard`).

Zip members are inflated here, in bounded chunks, and checked against the sizes and checksums the
zip declares; the XML is scanned for ``DOCTYPE``/``ENTITY`` declarations and, sheet by sheet, for
the declared ``<dimension>``, the real position of every cell, merged ranges and formulas without a
saved result (:class:`_SheetScan`, :class:`_ExactSheetScan`; :class:`_OdsScan` for OpenDocument).
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from functools import lru_cache
from typing import Any, Iterator, NoReturn

from tip_eval.io.limits import (
    _FRESH_COPY,
    _MB,
    _RESAVE,
    _ZIP,
    ReadLimits,
    _check_area,
    _check_extent,
    _col_letters,
    _refuse,
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
