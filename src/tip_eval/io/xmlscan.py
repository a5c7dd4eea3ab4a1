"""Streaming scans of a workbook's parts, before any parser opens them (used by :mod:`tip_eval.io.guard`).

Zip members are inflated here, in bounded chunks, and checked against the sizes and checksums the
zip declares; the XML is scanned for ``DOCTYPE``/``ENTITY`` declarations and, sheet by sheet, for
the declared ``<dimension>``, the real position of every cell, merged ranges and formulas without a
saved result (:class:`_SheetScan`, :class:`_ExactSheetScan`; :class:`_OdsScan` for OpenDocument).

The same scans count the text every sheet expands to (:class:`tip_eval.io.limits.TextBudget`):
in .xlsx, each cell that names a shared string by number counts that string's length, measured by
:class:`_SharedStrings` before any sheet; in OpenDocument, each cell counts its text, its
``<text:s text:c="N"/>`` space runs and its formula, times its column and row repeats. Counts are
upper bounds (markup inside a cell, XML entities and forms the scan does not recognise count in
full or as the longest string), so the reader never gets more than the limits allow.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from functools import lru_cache
from itertools import repeat
from typing import Any, NoReturn

import numpy as np

from tip_eval.i18n import N_, _, format_integer
from tip_eval.io.limits import (
    _FRESH_COPY,
    _MB,
    _RESAVE,
    _ZIP,
    ReadLimits,
    TextBudget,
    _check_area,
    _check_extent,
    _check_merges,
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
        _("is damaged: the part '{part}' inside the workbook is incomplete or inconsistent.").format(
            part=info.filename
        ),
        _("Copy or download the file again; if it still fails, open it in Excel and save it again."),
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
                    _(
                        "is not safe to open: the part '{part}' unpacks to more than the {n} bytes the file declares "
                        "for it (a sign of a crafted file)."
                    ).format(part=info.filename, n=format_integer(info.file_size)),
                    _(_FRESH_COPY),
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
        _(
            "is not safe to open: its part '{part}' contains an XML DOCTYPE or ENTITY declaration. "
            "Excel never writes these; they are used to attack the computer that opens the file "
            "(entity expansion or reading local files)."
        ).format(part=member),
        _("Do not open this file.") + " " + _(_FRESH_COPY),
    )


_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)


def _refuse_hidden_markup(file: str, where: str, part: bytes, first: bool) -> None:
    """Refuse XML comments, CDATA sections and processing instructions after the prolog.

    The scans read tags in the raw XML; a tag inside a comment (``<!-- </table:table-row> -->``)
    is not a tag to the reader, so it could make the scans count rows, cells or strings other
    than the reader does. Excel and LibreOffice never write these in sheets and shared strings.
    """
    if first:
        body = part.removeprefix(codecs.BOM_UTF8)
        part = body[_PROLOG.match(body).end() :]
    if b"<!" in part or b"<?" in part:
        _refuse(
            file,
            _(
                "is not in the form spreadsheet programs write: {where} holds XML comments, CDATA sections "
                "or processing instructions, which could hide what the file really holds."
            ).format(where=where),
            _(_RESAVE),
        )


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
                _(
                    "is not in the form Excel writes: its part '{part}' is UTF-16/UTF-32 encoded XML, which tip_eval "
                    "does not accept (it cannot check such parts safely)."
                ).format(part=self.member),
                _(_RESAVE),
            )


# ------------------------------------------------------------------------- text of cells, counted

#: UTF-8 continuation bytes: the characters of UTF-8 bytes are the bytes that are not these
_CONTINUATION = bytes(range(0x80, 0xC0))
#: an element's start, end or empty tag (not a comment, CDATA section or processing instruction,
#: whose content is counted as text: an upper bound)
_ELEMENT_TAG = re.compile(rb"</?[A-Za-z_][\w.:-]*(?:\s[^<>]*)?/?>")
_ENTITY_REF = re.compile(rb"&(?:#[0-9]{1,10}|#x[0-9A-Fa-f]{1,8}|[A-Za-z][\w.-]{0,31});")


def _chars(data: bytes) -> int:
    """Characters of UTF-8 ``data`` (bytes that are not continuation bytes)."""
    return len(data.translate(None, _CONTINUATION))


def _text_chars(xml: bytes) -> int:
    """Characters of the text outside element tags of ``xml``; an entity counts as one character."""
    text = _ELEMENT_TAG.sub(b"", xml)
    if b"&" in text:
        text = _ENTITY_REF.sub(b"&", text)
    return _chars(text)


def _longest_run(xml: bytes, limit: int) -> int:
    """Characters of the longest text between two tags of ``xml`` if it may pass ``limit``, else 0.

    A run of more than ``limit`` bytes contains one of the windows of ``limit // 2`` bytes looked
    at here without a ``<``; only then is the run measured.
    """
    step = max(limit // 2, 1)
    longest = 0
    for start in range(0, len(xml), step):
        if b"<" in xml[start : start + step]:
            continue
        lo = xml.rfind(b"<", 0, start) + 1
        hi = xml.find(b"<", start + step)
        run = xml[lo : hi if hi >= 0 else len(xml)]
        gt = run.find(b">")
        longest = max(longest, _text_chars(b"<" + run) if gt >= 0 else _text_chars(run))
    return longest


_SI_TAG = re.compile(rb"<(/?)((?:[A-Za-z_][\w.-]*:)?si)(?=[\s/>])([^<>]*)>")
_SST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst(?=[\s/>])([^<>]*)>")
_UNIQUE_COUNT = re.compile(rb"""(?:^|\s)(?:uniqueCount|count)\s*=\s*["']\s*([0-9]+)""")
#: a string of at most this many bytes (markup included) is counted by its bytes, an upper bound
_SHORT_STRING = 1024


class _SharedStrings:
    """Stream through ``sharedStrings.xml``: the length (in characters) of every shared string.

    Strings are numbered as the reader numbers them: every ``<si>`` after the ``<sst>`` start, an
    empty ``<si/>`` included. A string's length is its text (rich-text runs and phonetic text
    included, an upper bound) or, for a short string, its bytes with their markup. Shared strings
    Excel never writes (an ``<si>`` inside another, an end tag of another name) are refused, since
    the reader would number the strings differently; so is a declared ``count``/``uniqueCount``
    far above the strings really there (the reader reserves memory for as many as declared).
    """

    def __init__(self, file: str, limits: ReadLimits, member: str = "xl/sharedStrings.xml") -> None:
        self.file = file
        self.limits = limits
        self.member = member
        self.first = True
        self.lengths = array("q")
        self.longest = 0
        self.carry = b""
        self.started = False
        self.inside: bytes | None = None  # the name of the open <si> (with its prefix)
        self.current = 0
        self.declared = 0

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = buf.rfind(b"<si>")  # parts of whole strings, when the strings are written as Excel writes them
        if cut <= 0:
            cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_TAG:  # a long text: count it now, keep scanning
                self._part(buf)
                self.carry = b""
            else:
                self.carry = buf
            return
        self.carry = buf[cut:]
        self._part(buf[:cut])

    def close(self) -> None:
        if self.carry:
            part, self.carry = self.carry, b""
            self._part(part)
        if self.inside is not None:
            self._end()
        found = len(self.lengths)
        if self.declared > max(2 * found, found + 100_000):
            _refuse(
                self.file,
                _(
                    "is not safe to open: its shared strings declare {declared} strings but hold {found} "
                    "(a sign of a crafted file)."
                ).format(declared=format_integer(self.declared), found=format_integer(found)),
                _(_FRESH_COPY),
            )

    def _end(self) -> None:
        self.lengths.append(self.current)
        self.longest = max(self.longest, self.current)
        self.current = 0
        self.inside = None

    def _odd(self) -> NoReturn:
        _refuse(
            self.file, _("is not in the form Excel writes: its shared strings are nested or badly closed."), _(_RESAVE)
        )

    def _text(self, xml: bytes) -> int:
        return len(xml) - 3 * xml.count(b"<") - xml.count(b"</") if len(xml) <= _SHORT_STRING else _text_chars(xml)

    def _part(self, part: bytes) -> None:
        _refuse_hidden_markup(self.file, _("its shared strings ('{part}')").format(part=self.member), part, self.first)
        self.first = False
        pos = 0
        if not self.started:
            m = _SST_TAG.search(part)
            if m is None:
                return
            self.started = True
            self.declared = max((int(x) for x in _UNIQUE_COUNT.findall(m.group(1))), default=0)
            pos = m.end()
        if self.inside is None and self._plain(part[pos:] if pos else part):
            return
        for m in _SI_TAG.finditer(part, pos):
            if self.inside is not None:
                self.current += self._text(part[pos : m.start()])
            closing, name, attrs = m.group(1), m.group(2), m.group(3)
            if closing:
                if self.inside != name:
                    self._odd()
                self._end()
            else:
                if self.inside is not None:
                    self._odd()
                self.inside = name
                if attrs.rstrip().endswith(b"/"):  # <si/>: an empty string
                    self._end()
            pos = m.end()
        if self.inside is not None:
            self.current += self._text(part[pos:])

    def _plain(self, part: bytes) -> bool:
        """Count the strings of ``part`` at C speed when they are written as Excel writes them.

        That is: every string starts with a bare ``<si>`` and ends with ``</si>`` before the next
        one starts. Returns False (nothing counted) for any other form.
        """
        n = part.count(b"<si")
        if b":si" in part or n != part.count(b"<si>") or part.count(b"</si") != part.count(b"</si>"):
            return False
        pieces = part.split(b"<si>")
        if b"</si" in pieces[0]:
            return False
        strings = pieces[1:]
        if strings:
            closes = list(map(bytes.count, strings, repeat(b"</si>")))
            if min(closes) != 1 or max(closes) != 1:
                return False
            # bytes less the shortest a tag can be (3 bytes, 4 for an end tag): an upper bound of the characters
            lengths = [
                n - 3 * t - c
                for n, t, c in zip(
                    map(len, strings), map(bytes.count, strings, repeat(b"<")), map(bytes.count, strings, repeat(b"</"))
                )
            ]
            if max(lengths) > _SHORT_STRING:
                lengths = [n if n <= _SHORT_STRING else _text_chars(s) for n, s in zip(lengths, strings)]
            self.lengths.extend(lengths)
            self.longest = max(self.longest, max(lengths))
        return True


class _NeedPrecise(Exception):
    """The quick bound of a sheet's shared-string text is past a limit: count it cell by cell."""


#: a cell naming a shared string in the form every writer uses: ... t="s"><v>N</v>
_SHARED_CELL = re.compile(rb't="s"><v>([0-9]{1,18})<')


class _XlsxText:
    """The text one worksheet expands to through the shared strings its cells name.

    A cell naming a shared string has ``t="s"``, so every ``"s"``/``'s'`` in the sheet's XML is
    counted as such a cell (an upper bound). First each counts as the longest shared string; when
    that bound passes a limit, :class:`_NeedPrecise` makes the sheet be scanned again counting each
    cell's own string (cells written in another form than ``t="s"><v>N</v>`` still count as the
    longest). Text written in the cells themselves is not multiplied by anything: the size limits
    of the zip bound it, and a single cell's text is held to ``max_cell_chars``.
    """

    def __init__(self, budget: TextBudget, shared: _SharedStrings | None, size: int = 0) -> None:
        self.budget = budget
        self.lengths = (
            np.frombuffer(shared.lengths, dtype=np.int64)
            if shared is not None and len(shared.lengths)
            else np.zeros(0, dtype=np.int64)
        )
        self.longest = shared.longest if shared is not None else 0
        # a sheet of ``size`` bytes has at most size // 3 cells naming a shared string: when even that
        # many copies of the longest string fit, the quick bound is enough; else count precisely at once
        self.precise = (size // 3) * self.longest > budget.limits.max_sheet_chars // 2

    def feed(self, part: bytes) -> None:
        budget = self.budget
        budget.cell(_longest_run(part, budget.limits.max_cell_chars))
        typed = part.count(b'"s"') + part.count(b"'s'")
        if not typed:
            return
        if not self.precise:
            if self.longest > budget.limits.max_cell_chars or not budget.fits(typed * self.longest):
                raise _NeedPrecise
            budget.add(typed * self.longest)
            return
        found = _SHARED_CELL.findall(part)
        named = np.fromstring(b" ".join(found), dtype=np.int64, sep=" ") if found else np.zeros(0, dtype=np.int64)
        n = len(self.lengths)
        known = named[named < n]
        total = int(self.lengths[known].sum()) if len(known) else 0
        most = int(self.lengths[known].max()) if len(known) else 0
        odd = typed - len(known)  # other forms, and numbers past the end of the table
        if odd > 0:
            total += odd * self.longest
            most = max(most, self.longest)
        budget.cell(most, N_("a cell naming a shared string"))
        budget.add(total)


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
        rb'<c(?: r="(?:(?P<col>'
        + _letters_greater(col)
        + rb")|[A-Za-z]++0*+"
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
#: the attributes of a tag, up to its end: quoted values may hold a ">"
_ATTRS = rb"""((?:[^>"']|"[^"]*"|'[^']*')*)"""
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|f|v)(?=[\s/>])" + _ATTRS + rb">")
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

    def __init__(self, file: str, where: str, limits: ReadLimits, text: _XlsxText | None = None) -> None:
        self.file = file
        self.where = where
        self.limits = limits
        self.max_row = 0
        self.max_col = 0
        self.merges: list[tuple[int, int, int, int]] = []
        self.formulas: list[tuple[int, int]] = []
        self.carry = b""
        self.dimension_seen = False
        self.text = text
        self.first = True

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
        _check_merges(self.file, self.where, len(self.merges), self.limits)

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
        _refuse_hidden_markup(self.file, self.where, part, self.first)
        self.first = False
        self._dimension(part)
        if b":" in part and _PREFIXED_CELL.search(part):
            raise _NeedExact
        if self.text is not None:
            self.text.feed(part)
        last = part.rfind(b'<c r="')
        if last >= 0:
            m = _ANY_CELL_REF.match(part, last)
            if m:
                pos = _parse_ref(m.group(1) + m.group(2))
                if pos:
                    self._seen(*pos)
        start = 0
        for _attempt in range(64):
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
            if _formula_has_result(
                v is not None and not v.group(1), bool(v and v.group(2).strip()), t.group(1) if t else None
            ):
                continue
            pos = _parse_ref(m.group(1))
            if pos:
                self.formulas.append(pos)


def _formula_has_result(v_present: bool, v_text: bool, cell_type: bytes | None) -> bool:
    """A formula cell has a saved result when ``<v>`` holds a value, or is empty for a text result."""
    return v_text or (v_present and cell_type == b"str")


class _ExactSheetScan(_SheetScan):
    """Follow every ``<row>`` and ``<c>`` like the Rust reader (cells without ``r`` take the next position)."""

    def __init__(self, file: str, where: str, limits: ReadLimits, text: _XlsxText | None = None) -> None:
        super().__init__(file, where, limits, text)
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
                _refuse(
                    self.file,
                    _("{where} is not in the form Excel writes (a single XML tag longer than 4 MB).").format(
                        where=self.where
                    ),
                    _(_RESAVE),
                )
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
        _refuse_hidden_markup(self.file, self.where, part, self.first)
        self.first = False
        self._dimension(part)
        self._merges(part)
        if self.text is not None:
            self.text.feed(part)
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
    rb"<(/?)(table:table-row|table:table-cell|table:covered-table-cell|table:table|text:s)(?=[\s/>])" + _ATTRS + rb">"
)
#: attributes whose text the reader keeps for a cell (and copies for each repeat)
_ODS_TEXT_ATTRS = re.compile(
    rb"""(?:office:string-value|office:date-value|office:time-value|table:formula)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_ODS_ROWS_REPEATED = re.compile(rb"""table:number-rows-repeated\s*=\s*["']\s*([0-9]+)""")
_ODS_COLS_REPEATED = re.compile(rb"""table:number-columns-repeated\s*=\s*["']\s*([0-9]+)""")
_ODS_SPAN_COLS = re.compile(rb"""table:number-columns-spanned\s*=\s*["']\s*([0-9]+)""")
_ODS_SPAN_ROWS = re.compile(rb"""table:number-rows-spanned\s*=\s*["']\s*([0-9]+)""")
_ODS_NAME = re.compile(rb"""table:name\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_ODS_TEXT_C = re.compile(rb"""text:c\s*=\s*["']\s*([0-9]+)""")


class _OdsScan:
    """Stream through ``content.xml``: the area and the text the reader will fill for every table.

    The reader expands ``number-columns-repeated`` and ``number-rows-repeated`` for cells that
    hold a value, so one cell repeated a billion times would be a billion cells in memory; it
    copies a cell's text (and formula) for every repeat, and writes ``<text:s text:c="N"/>`` as N
    spaces. Each cell's text is counted (its text, the text attributes the reader keeps, the space
    runs) and multiplied by its repeats, and refused past the limits of :class:`ReadLimits` as
    soon as the count passes them.
    """

    def __init__(self, file: str, limits: ReadLimits) -> None:
        self.file = file
        self.limits = limits
        self.carry = b""
        self.table: str | None = None
        self.extents: dict[str, tuple[int, int]] = {}
        self.merges: dict[str, list[tuple[int, int, int, int]]] = {}
        self.text = TextBudget(file, limits)
        self.first = True
        self._reset_table()

    def _reset_table(self) -> None:
        self.rows_done = 0  # rows so far (with repeats)
        self.last_row = 0  # 1-based last row holding a value
        self.width = 0
        self.row_repeats = 1
        self.col_pos = 0
        self.row_extent = 0
        self.row_chars = 0  # text of the current row, once
        self.cell_open = False  # inside a cell with a value, between its tags
        self.cell_start = 0  # where its text starts in the current part
        self.cell_chars = 0  # its text so far
        self.cell_repeats = 1
        self.text.sheet(self._where())

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = buf.rfind(b"<")
        if cut <= 0:
            if len(buf) > _MAX_TAG:
                _refuse(
                    self.file,
                    _("is not in the form spreadsheet programs write (a single XML tag longer than 4 MB)."),
                    _(_RESAVE),
                )
            self.carry = buf
            return
        self.carry = buf[cut:]
        self._part(buf[:cut])

    def close(self) -> None:
        if self.carry:
            part, self.carry = self.carry, b""
            self._part(part)

    def _where(self) -> str:
        return _("sheet '{name}'").format(name=self.table)

    def _cell_done(self, chars: int) -> None:
        """A cell with a value ends: ``chars`` of text, copied for each of its column repeats."""
        self.text.cell(chars)
        copies = chars * self.cell_repeats
        self.row_chars += copies
        self.text.add(copies)
        self.cell_open = False

    def _part(self, part: bytes) -> None:
        _refuse_hidden_markup(self.file, _("its content ('{part}')").format(part="content.xml"), part, self.first)
        self.first = False
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
                self.table = (
                    n.group(2).decode("utf-8", "replace") if n else _("table {n}").format(n=len(self.extents) + 1)
                )
                self._reset_table()
            elif name == b"table:table-row":
                if closing or self_closing:
                    if self.row_extent:
                        self.last_row = self.rows_done + self.row_repeats
                        self.width = max(self.width, self.row_extent)
                        _check_extent(self.file, self._where(), self.last_row, self.width, lim)
                    # the row's text was counted once: the reader copies it for every repeat
                    self.text.add(self.row_chars * (self.row_repeats - 1))
                    self.rows_done += self.row_repeats
                    if self.rows_done > 10 * lim.max_rows + 2_000_000:
                        # trailing empty rows are normal (LibreOffice writes a million); this many
                        # row elements is not
                        _refuse(
                            self.file,
                            _("{where} has an implausible number of rows.").format(where=self._where()),
                            _(_RESAVE),
                        )
                    self.row_repeats, self.col_pos, self.row_extent, self.row_chars = 1, 0, 0, 0
                    continue
                r = _ODS_ROWS_REPEATED.search(attrs)
                self.row_repeats = int(r.group(1)) if r else 1
                self.col_pos, self.row_extent, self.row_chars = 0, 0, 0
            elif name in (b"table:table-cell", b"table:covered-table-cell"):
                if closing:
                    if self.cell_open:
                        self._cell_done(self.cell_chars + _ods_text(part[self.cell_start : m.start()]))
                    continue
                if self.cell_open:  # a cell inside a cell: count what came before it
                    self._cell_done(self.cell_chars + _ods_text(part[self.cell_start : m.start()]))
                c = _ODS_COLS_REPEATED.search(attrs)
                repeats = int(c.group(1)) if c else 1
                has_value = b"office:" in attrs or b"table:formula" in attrs
                if has_value:
                    self.row_extent = self.col_pos + repeats
                    _check_extent(self.file, self._where(), self.rows_done + 1, self.row_extent, lim)
                    kept = sum(_chars(a or b) for a, b in _ODS_TEXT_ATTRS.findall(attrs))
                    self.cell_repeats = repeats
                    if self_closing:
                        self._cell_done(kept)
                    else:
                        self.cell_open, self.cell_start, self.cell_chars = True, m.end(), kept
                if self.table is not None and (b"spanned" in attrs):
                    sc = _ODS_SPAN_COLS.search(attrs)
                    sr = _ODS_SPAN_ROWS.search(attrs)
                    ncols = int(sc.group(1)) if sc else 1
                    nrows = int(sr.group(1)) if sr else 1
                    if ncols > 1 or nrows > 1:
                        r0, c0 = self.rows_done + 1, self.col_pos + 1
                        merges = self.merges.setdefault(self.table, [])
                        merges.append((r0, c0, r0 + nrows - 1, c0 + ncols - 1))
                        _check_merges(self.file, self._where(), len(merges), lim)
                self.col_pos += repeats
            elif name == b"text:s" and not closing and self.cell_open:
                c = _ODS_TEXT_C.search(attrs)
                self.cell_chars += _ods_text(part[self.cell_start : m.start()]) + (int(c.group(1)) if c else 1)
                self.cell_start = m.end()
                self.text.cell(self.cell_chars)
        if self.cell_open:  # the cell goes on in the next part
            self.cell_chars += _ods_text(part[self.cell_start :])
            self.cell_start = 0
            self.text.cell(self.cell_chars)


def _ods_text(xml: bytes) -> int:
    """Characters the reader makes of a stretch of a cell: its text, and a line break per paragraph."""
    return _text_chars(xml) + xml.count(b"<text:p")
