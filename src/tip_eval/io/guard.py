"""The hostile-file guard: :func:`guard_workbook` checks a workbook before any parser opens it.

File size; that it is a zip at all (a CSV, web page or PDF renamed to .xlsx, an encrypted workbook
and an old .xls file are told apart and refused with a plain message); every zip member's
compression ratio and the total unpacked size; no XML ``DOCTYPE``/``ENTITY`` declaration; and, through
the scans of :mod:`tip_eval.io.xmlscan`, the extent of every worksheet. See :mod:`tip_eval.io.read`
for the whole reading process; it re-exports the public names defined here.
"""

from __future__ import annotations

import codecs
import io
import os
import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from tip_eval.i18n import _, format_integer
from tip_eval.io.limits import (
    _FRESH_COPY,
    _MB,
    _OLE2,
    _RESAVE,
    _ZIP,
    _ZIP_EMPTY,
    ReadLimits,
    TextBudget,
    _check_file,
    _refuse,
    active_limits,
)
from tip_eval.io.xmlscan import (
    _DoctypeScan,
    _ExactSheetScan,
    _member_chunks,
    _NeedExact,
    _NeedPrecise,
    _OdsScan,
    _refuse_doctype,
    _SharedStrings,
    _SheetScan,
    _XlsxText,
)

__all__ = ["DEFUSEDXML_ACTIVE", "SheetInfo", "WorkbookCheck", "guard_workbook"]

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

import defusedxml.ElementTree as _safe_et
from defusedxml import DefusedXmlException


class SheetInfo(NamedTuple):
    """A sheet of a workbook: its name and ``state`` (``"visible"``, ``"hidden"`` or ``"veryHidden"``).

    ``kind`` is ``"worksheet"`` for a table and ``"chartsheet"``/``"dialogsheet"`` otherwise.
    """

    name: str
    state: str = "visible"
    kind: str = "worksheet"

    @property
    def visible(self) -> bool:
        """Whether the sheet is shown (not hidden or very hidden)."""
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
    if counts[best] == 0:
        return _("plain text")
    names = {
        ",": _("CSV: values separated by commas"),
        ";": _("CSV: values separated by semicolons"),
        "\t": _("CSV: values separated by tabs"),
    }
    return names[best]


def _describe_non_workbook(path: Path, head: bytes) -> tuple[str, str]:
    """(reason, fix) for a file named like a workbook whose bytes are not a zip."""
    if not head:
        return (
            _("is empty (0 bytes), so it is not an Excel workbook."),
            _("Copy or download the file again; it may not have been saved completely."),
        )
    if head.startswith(_OLE2):
        with open(path, "rb") as fh:
            content = fh.read(8 * _MB)
        if "EncryptedPackage".encode("utf-16-le") in content or "EncryptionInfo".encode("utf-16-le") in content:
            return (
                _("is a password-protected (encrypted) workbook, which cannot be read without the password."),
                _(
                    "Open it in Excel with the password, then File > Info > Protect Workbook > Encrypt with "
                    "Password, delete the password, click OK and save. Then read the saved copy."
                ),
            )
        return (
            _("is an old Excel 97-2003 workbook (.xls) or another Office file, not an Excel Workbook (.xlsx)."),
            _("Open it in Excel and use File > Save As > Excel Workbook (.xlsx) (without a password)."),
        )
    if head.startswith(b"%PDF"):
        return (_("is a PDF document, not an Excel workbook."), _("Ask for the data as an Excel workbook (.xlsx)."))
    with open(path, "rb") as fh:
        head = fh.read(4096)
    text = _decode_head(head)
    low = text.lstrip().lower()
    if low.startswith("<!doctype html") or "<html" in low[:2000] or "<table" in low[:2000]:
        return (
            _(
                "is not an Excel workbook: it is a web page (HTML), as some systems produce when they "
                "'export to Excel'."
            ),
            _("Open it in Excel and use File > Save As > Excel Workbook (.xlsx), then read the saved copy."),
        )
    if low.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in low:
        return (
            _("is not an Excel workbook: it is an 'XML Spreadsheet 2003' file."),
            _("Open it in Excel and use File > Save As > Excel Workbook (.xlsx), then read the saved copy."),
        )
    if low.startswith("<"):
        return (_("is not an Excel workbook: it is an XML or web file."), _(_RESAVE))
    if _looks_like_text(text):
        kind = _guess_delimiter_name(text)
        return (
            _(
                "is not an Excel workbook: it is a text file (it looks like {kind}), although its name "
                "ends in {suffix}."
            ).format(kind=kind, suffix=path.suffix),
            _(
                "Rename it to .csv (tip_eval reads CSV files), or open it in Excel and use File > Save As > "
                "Excel Workbook (.xlsx)."
            ),
        )
    return (
        _("is not an Excel workbook: its content is not in any spreadsheet format tip_eval knows."),
        _("Check that this is the right file; {fix}").format(fix=_(_RESAVE)),
    )


# --------------------------------------------------------------------------------- the guard

_GUARD_CACHE: dict[tuple[Any, ...], WorkbookCheck] = {}
_SHARED_STRINGS = "xl/sharedstrings.xml"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_SHEET_DIRS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _require_defusedxml(file: str) -> None:
    if not DEFUSEDXML_ACTIVE:
        _refuse(
            file,
            _(
                "was not opened: openpyxl's safeguard against malicious XML (defusedxml) is switched "
                "off in this Python session (the environment variable OPENPYXL_DEFUSEDXML is set to "
                "False, or defusedxml is not installed)."
            ),
            _(
                "Remove OPENPYXL_DEFUSEDXML from the environment (or run: pip install defusedxml), "
                "then restart the kernel or Python."
            ),
        )


def _parse_small_xml(data: bytes, file: str, member: str) -> Any:
    try:
        return _safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except _safe_et.ParseError:
        _refuse(file, _("is damaged: its part '{part}' is not valid XML.").format(part=member), _(_RESAVE))
    except DefusedXmlException:  # DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
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


def _check_office_document(file: str, rels_xml: bytes | None) -> None:
    """Refuse a workbook whose package points its reader at another workbook part than ``xl/workbook.xml``.

    The checks read ``xl/workbook.xml`` and the sheets it names; a reader that follows
    ``_rels/.rels`` to another folder would read parts the checks never saw. Excel and every other
    writer put the workbook at ``xl/workbook.xml``.
    """
    if rels_xml is None:
        return
    root = _parse_small_xml(rels_xml, file, "_rels/.rels")
    for rel in root:
        if _local(rel.tag) == "Relationship" and rel.get("Type", "").endswith("/officeDocument"):
            target = rel.get("Target", "").replace("\\", "/").lstrip("/").lower()
            if target not in ("xl/workbook.xml", "./xl/workbook.xml"):
                _refuse(
                    file,
                    _("is not in the form Excel writes: its workbook part is not xl/workbook.xml ('{target}').").format(
                        target=rel.get("Target", "")
                    ),
                    _(_RESAVE),
                )


def guard_workbook(path: str | os.PathLike[str], limits: ReadLimits | None = None) -> WorkbookCheck:
    """Check a workbook before any parser opens it; refuse it with a plain message if it is unsafe.

    Checks, in order: the file exists and is within ``limits.max_file_bytes``; it is a zip (else
    it says what the file is: a CSV or web page renamed to .xlsx, a password-protected workbook,
    an old .xls file, a truncated download); the zip has no encrypted or oddly compressed parts,
    no duplicate names, no part compressed more than ``max_zip_ratio`` to 1 and no more than
    ``max_uncompressed_bytes`` in total; every part unpacks to exactly its declared size; no part
    contains an XML ``DOCTYPE``/``ENTITY`` declaration or UTF-16 XML; and every worksheet's
    declared dimension and every cell's position are within ``max_rows`` x ``max_cols`` (and the
    sheet area within ``max_cells``); and the text each cell, each sheet and the whole workbook
    expand to (shared strings named by many cells, OpenDocument space runs and repeated cells) is
    within ``max_cell_chars``, ``max_sheet_chars`` and ``max_workbook_chars``. Cell positions and
    text are found by streaming through the sheet XML, so a hostile file with a single cell at
    XFD1048576, or a 29 KB file whose cells expand to gigabytes of text, is refused in
    milliseconds, before any reader allocates memory for it.

    The result is cached for an unchanged file (same size and modification time) and limits.

    Parameters
    ----------
    path : str or path-like
    limits : ReadLimits, optional
        Defaults to the limits of the study being read (``[limits]`` in its study.toml), else
        ``ReadLimits()``.

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
    limits = limits or active_limits()
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
            _(
                "is damaged or incomplete (it may have been cut short while being copied, downloaded "
                "or sent by email), so it cannot be opened as a workbook."
            ),
            _(
                "Copy or download the file again; if it still fails, ask the sender to save it again in Excel and "
                "resend it."
            ),
        )
    check = _guard_zip(p, file, infos, size, limits)
    if len(_GUARD_CACHE) > 32:
        _GUARD_CACHE.clear()
    _GUARD_CACHE[key] = check
    return check


def _guard_zip(p: Path, file: str, infos: list[zipfile.ZipInfo], size: int, limits: ReadLimits) -> WorkbookCheck:
    if len(infos) > limits.max_members:
        _refuse(
            file,
            _("has {n} parts inside, more than a workbook plausibly has.").format(n=format_integer(len(infos))),
            _(_FRESH_COPY),
        )
    names: dict[str, str] = {}
    total = 0
    for info in infos:
        low = info.filename.replace("\\", "/").lower()
        if low in names:
            _refuse(
                file,
                _("is not safe to open: it contains two parts named '{part}' (a sign of a crafted file).").format(
                    part=info.filename
                ),
                _(_FRESH_COPY),
            )
        names[low] = info.filename
        if info.flag_bits & 0x1:
            _refuse(
                file,
                _("is a password-protected (encrypted) zip file, not a workbook that can be read."),
                _("Open it in Excel with the password and save a copy without one."),
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _refuse(
                file,
                _("uses a compression method Excel does not use (part '{part}').").format(part=info.filename),
                _(_RESAVE),
            )
        if info.header_offset < 0 or info.compress_size < 0 or info.header_offset + info.compress_size > size:
            _refuse(
                file,
                _("is damaged or incomplete (it may have been cut short while being copied or downloaded)."),
                _("Copy or download the file again."),
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_zip_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            _refuse(
                file,
                _(
                    "is not safe to open: its part '{part}' unpacks from {packed} to {unpacked} bytes ({ratio} to 1; "
                    "the limit is {limit} to 1). Such 'zip bombs' can fill the computer's memory."
                ).format(
                    part=info.filename,
                    packed=format_integer(info.compress_size),
                    unpacked=format_integer(info.file_size),
                    ratio=format_integer(ratio),
                    limit=format_integer(limits.max_zip_ratio),
                ),
                _("Do not open this file.") + " " + _(_FRESH_COPY),
            )
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            _refuse(
                file,
                _("unpacks to more than {n} MB, the limit for one workbook.").format(
                    n=format_integer(limits.max_uncompressed_bytes / _MB)
                ),
                _(
                    "If the workbook really is that large, read it with limits=ReadLimits(max_uncompressed_bytes=...); "
                    "otherwise delete unneeded sheets, save, and try again."
                ),
            )

    if "xl/workbook.bin" in names:
        _refuse(
            file,
            _("is a binary Excel workbook (.xlsb), which tip_eval does not read."),
            _("Open it in Excel and use File > Save As > Excel Workbook (.xlsx)."),
        )
    is_xlsx = "xl/workbook.xml" in names
    is_ods = "content.xml" in names and "mimetype" in names
    if not is_xlsx and not is_ods:
        _refuse(
            file,
            _(
                "is a zip file but not an Excel or OpenDocument workbook (it may be a Word document, or a zipped "
                "folder)."
            ),
            _("Check that this is the right file; a workbook must be saved as .xlsx (or .ods)."),
        )

    by_name = {info.filename: info for info in infos}
    check = WorkbookCheck(file=file, format="xlsx" if is_xlsx else "ods", sheets=[])
    small: dict[str, bytes] = {}
    wanted_small = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "mimetype", "_rels/.rels"}
    shared: _SharedStrings | None = None
    with open(p, "rb") as fh:
        # small parts first: the workbook part tells which parts are worksheets
        for low in wanted_small:
            if low in names:
                info = by_name[names[low]]
                if info.file_size > 10 * _MB:
                    _refuse(
                        file, _("has an implausibly large part '{part}'.").format(part=info.filename), _(_FRESH_COPY)
                    )
                scan = _DoctypeScan(file, info.filename)
                parts = []
                for chunk in _member_chunks(fh, info, file):
                    scan.feed(chunk)
                    parts.append(chunk)
                scan.close()
                small[low] = b"".join(parts)
        if is_ods and not small.get("mimetype", b"").strip().startswith(_ODS_MIMETYPE):
            _refuse(
                file, _("is a zip file but not an OpenDocument spreadsheet."), _("Check that this is the right file.")
            )
        sheet_member_to_name: dict[str, str] = {}
        budget = TextBudget(file, limits)
        if is_xlsx:
            _check_office_document(file, small.get("_rels/.rels"))
            check.sheets, check._members, check.date1904 = _xlsx_sheets(
                file, small["xl/workbook.xml"], small.get("xl/_rels/workbook.xml.rels"), names
            )
            sheet_member_to_name = {m.lower(): n for n, m in check._members.items()}
            if _SHARED_STRINGS in names:  # before any sheet: the sheets' cells name these strings by number
                info = by_name[names[_SHARED_STRINGS]]
                shared = _SharedStrings(file, limits, info.filename)
                doctype = _DoctypeScan(file, info.filename)
                for chunk in _member_chunks(fh, info, file):
                    doctype.feed(chunk)
                    shared.feed(chunk)
                doctype.close()
                shared.close()
        ods_scan = _OdsScan(file, limits) if is_ods else None
        for info in infos:
            low = info.filename.replace("\\", "/").lower()
            if low in wanted_small or (shared is not None and low == _SHARED_STRINGS):
                continue
            doctype = _DoctypeScan(file, info.filename)
            if is_xlsx and (low in sheet_member_to_name or low.startswith(_SHEET_DIRS)):
                name = sheet_member_to_name.get(low)
                where = (
                    _("sheet '{name}'").format(name=name)
                    if name
                    else _("the workbook part '{part}'").format(part=info.filename)
                )
                result = _scan_sheet(fh, info, file, where, limits, _XlsxText(budget, shared, info.file_size))
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


def _scan_sheet(
    fh: Any, info: zipfile.ZipInfo, file: str, where: str, limits: ReadLimits, text: _XlsxText
) -> _SheetScan:
    """Scan one worksheet; again with the exact scan (an unusual form) or the precise text count (long text)."""
    exact = False
    text.budget.sheet(where)
    while True:
        scan: _SheetScan = (_ExactSheetScan if exact else _SheetScan)(file, where, limits, text)
        doctype = _DoctypeScan(file, info.filename)
        try:
            for chunk in _member_chunks(fh, info, file):
                doctype.feed(chunk)
                scan.feed(chunk)
            doctype.close()
            scan.close()
            return scan
        except _NeedExact:
            exact = True
        except _NeedPrecise:
            text.precise = True
        text.budget.restart()


def _calamine_refusal(file: str, err: BaseException) -> NoReturn:
    detail = str(err).strip() or type(err).__name__
    if "password" in detail.lower():
        _refuse(file, _("is password-protected."), _("Open it in Excel with the password and save a copy without one."))
    _refuse(file, _("could not be read as a workbook ({detail}).").format(detail=detail), _(_RESAVE))


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
    except BaseException as err:  # noqa: BLE001 - calamine errors, and pyo3 panics (a BaseException)
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
