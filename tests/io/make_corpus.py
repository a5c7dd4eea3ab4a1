"""Generate the corpus of hostile and messy input files used by the tests in tests/io/.

Run from the repository root:

    python tests/io/make_corpus.py            # (re)writes tests/io/corpus/
    python tests/io/make_corpus.py OUTDIR     # writes somewhere else (the tests compare the two)

Every file is small (a few KB) and byte-stable: workbooks are built with openpyxl and then
re-packed with fixed zip timestamps, a fixed member order and fixed document properties, so
regenerating the corpus gives the same bytes. Hostile files are made by replacing parts of a
valid workbook with crafted XML (entity bombs, external entities, a cell at XFD1048576, ...).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import struct
import sys
import warnings
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2023, 4, 5, 0, 0, 0)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>tip_eval corpus</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">2023-04-05T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2023-04-05T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)


# ----------------------------------------------------------------------------- zip helpers


def _zipinfo(name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = compress
    info.create_system = 3
    info.external_attr = 0o600 << 16
    return info


def pack(members: list[tuple[str, bytes]], *, stored: tuple[str, ...] = ()) -> bytes:
    """A zip with fixed timestamps and attributes, members in the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            compress = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(_zipinfo(name, compress), data, compresslevel=6 if compress else None)
    return buf.getvalue()


def workbook_members(wb: openpyxl.Workbook) -> list[tuple[str, bytes]]:
    """The parts openpyxl writes for ``wb``, with fixed document properties."""
    raw = io.BytesIO()
    wb.save(raw)
    out = []
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as zf:
        for info in zf.infolist():
            data = zf.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = CORE_XML.encode()
            out.append((info.filename, data))
    return out


def save_workbook(wb: openpyxl.Workbook) -> bytes:
    return pack(workbook_members(wb))


def replace_member(members: list[tuple[str, bytes]], name: str, data: bytes) -> list[tuple[str, bytes]]:
    assert any(n == name for n, _ in members), name
    return [(n, data if n == name else d) for n, d in members]


def simple_workbook(title: str = "Scores") -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["Participant ID", "Score"])
    ws.append(["P001", 12])
    ws.append(["P002", 15])
    return wb


def sheet_xml(cells: str, dimension: str | None = None, prefix: str = "") -> bytes:
    """A worksheet part whose <sheetData> holds ``cells`` (raw XML)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<{p}worksheet {xmlns}>{dim}<{p}sheetData>{cells}</{p}sheetData></{p}worksheet>"
    ).encode()


# ------------------------------------------------------------------------------ hostile files


def entity_bomb() -> bytes:
    """Billion laughs: nested entities in sharedStrings.xml."""
    members = workbook_members(simple_workbook())
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    ents = ents.replace("&lol0;", "&lol;")
    sst = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!DOCTYPE sst [{ents}]>"
        f'<sst xmlns="{MAIN_NS}" count="3" uniqueCount="3"><si><t>Participant ID</t></si>'
        "<si><t>&lol9;</t></si><si><t>P002</t></si></sst>"
    ).encode()
    # openpyxl writes text inline; the reader still loads xl/sharedStrings.xml when it is there
    return pack(members + [("xl/sharedStrings.xml", sst)])


def external_entity() -> bytes:
    """An external entity that would read /etc/passwd into a cell."""
    members = workbook_members(simple_workbook())
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c>'
        "</row></sheetData></worksheet>"
    ).encode()
    return pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet))


def zip_ratio_bomb() -> bytes:
    """A worksheet padded with 4 MB of spaces: it compresses about 1000 to 1."""
    members = workbook_members(simple_workbook())
    cells = '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>' + " " * (4 * 1024 * 1024)
    return pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet_xml(cells, "A1")))


FAR_CELLS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Participant ID</t></is></c></row>'
    '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
)


def far_cell() -> bytes:
    """A valid workbook whose sheet declares A1:XFD1048576 and has a cell at XFD1048576."""
    members = workbook_members(simple_workbook())
    return pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet_xml(FAR_CELLS, "A1:XFD1048576")))


def far_cell_no_dimension() -> bytes:
    """The same far cell, without a <dimension> element (nothing declared to check)."""
    members = workbook_members(simple_workbook())
    return pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet_xml(FAR_CELLS)))


def far_cell_lying_dimension() -> bytes:
    """A dimension that says A1:B3 while a cell sits at XFD1048576."""
    members = workbook_members(simple_workbook())
    return pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet_xml(FAR_CELLS, "A1:B3")))


def far_cell_without_refs() -> bytes:
    """Cells without r="..." (their position follows from the rows and cells before them)."""
    cells = (
        '<row><c t="inlineStr"><is><t>Participant ID</t></is></c></row>'
        '<row r="1048576">' + "<c><v>1</v></c>" * 3 + "</row>"
        "<row>" + "<c/>" * 16383 + "<c><v>1</v></c></row>"
    )
    members = workbook_members(simple_workbook())
    return pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet_xml(cells)))


def far_cell_prefixed() -> bytes:
    """Elements with a namespace prefix (<x:c>), as some .NET writers produce."""
    cells = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Participant ID</x:t></x:is></x:c></x:row>'
        '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
    )
    members = workbook_members(simple_workbook())
    return pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet_xml(cells, prefix="x")))


def lying_size() -> bytes:
    """A part that unpacks to far more than the size the zip declares for it."""
    members = workbook_members(simple_workbook())
    cells = '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>' + "<!-- x -->" * 2000
    data = pack(replace_member(members, "xl/worksheets/sheet1.xml", sheet_xml(cells, "A1")))
    name = b"xl/worksheets/sheet1.xml"
    # central directory entry of the sheet: its uncompressed size is at offset 24
    pos = 0
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        name_len = struct.unpack("<H", data[pos + 28 : pos + 30])[0]
        if data[pos + 46 : pos + 46 + name_len] == name:
            break
        pos += 4
    return data[: pos + 24] + struct.pack("<I", 100) + data[pos + 28 :]


def duplicate_member() -> bytes:
    """Two parts with the same name: readers disagree about which one counts."""
    members = workbook_members(simple_workbook())
    sheet = dict(members)["xl/worksheets/sheet1.xml"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate name
        return pack(members + [("xl/worksheets/sheet1.xml", sheet)])


def csv_named_xlsx() -> bytes:
    return b"Participant ID,Score\r\nP001,12\r\nP002,15\r\n"


def html_named_xlsx() -> bytes:
    return (
        b"<html><head><meta charset='utf-8'></head><body><table>"
        b"<tr><td>Participant ID</td><td>Score</td></tr><tr><td>P001</td><td>12</td></tr>"
        b"</table></body></html>"
    )


def truncated() -> bytes:
    data = save_workbook(simple_workbook())
    return data[: len(data) // 2]


def password_protected() -> bytes:
    """The start of an encrypted Office file: an OLE2 (CFB) container with an EncryptedPackage stream.

    Only the parts tip_eval looks at are real (the header signature and the stream's directory
    entry); the file is never handed to a parser.
    """
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = struct.pack("<H", 0x003E)  # minor version
    header[26:28] = struct.pack("<H", 0x0003)  # major version 3
    header[28:30] = struct.pack("<H", 0xFFFE)  # little-endian
    header[30:32] = struct.pack("<H", 9)  # sector size 512
    header[32:34] = struct.pack("<H", 6)  # mini sector size 64
    directory = bytearray(512)
    for i, name in enumerate(["Root Entry", "EncryptionInfo", "EncryptedPackage"]):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[0 : len(encoded)] = encoded
        entry[64:66] = struct.pack("<H", len(encoded))
        entry[66] = 5 if i == 0 else 2
        directory[i * 128 : (i + 1) * 128] = entry
    return bytes(header) + bytes(directory) + bytes(512)


# -------------------------------------------------------------------------------- messy files


def hidden_sheet() -> bytes:
    wb = openpyxl.Workbook()
    lists = wb.active
    lists.title = "Lists"
    lists.append(["Sector"])
    lists.append(["ngo"])
    lists.sheet_state = "hidden"
    ws = wb.create_sheet("Scores")
    ws.append(["Participant ID", "Score"])
    ws.append(["P001", 12])
    secret = wb.create_sheet("Secret")
    secret.append(["Name"])
    secret.append(["Somchai"])
    secret.sheet_state = "veryHidden"
    return save_workbook(wb)


def formula_no_cache() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws.append(["Participant ID", "Pre", "Post", "Gain"])
    ws.append(["P001", 10, 14, "=C2-B2"])
    ws.append(["P002", 11, 12, "=C3-B3"])
    ws.append(["P003", 9, 15, 6])
    return save_workbook(wb)


def merged_two_row_header() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Test"
    ws.append(["Participant ID", "Pre-test", None, None, "Post-test", None, None])
    ws.append([None, "Q1", "Q2", "Q3", "Q1", "Q2", "Q3"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:D1")
    ws.merge_cells("E1:G1")
    ws.append(["P001", 1, 0, 1, 1, 1, 1])
    ws.append(["P002", 0, 0, 1, 1, 0, 1])
    return save_workbook(wb)


def duplicate_headers() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws.append(["Participant ID", "Score", "score "])
    ws.append(["P001", 12, 13])
    return save_workbook(wb)


def blank_rows_and_notes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws.append(["Participant ID", "Province", "Score"])
    ws.append(["P001", "Phnom Penh", 12])
    ws.append([None, None, None])
    ws.append(["P002", "Siem Reap", 15])
    ws.append(["P003", "Battambang", 11])
    ws.append([None, None, None])  # row 6
    ws.append([None, None, None])  # row 7
    ws.append(["Note: scores are out of 20."])  # row 8
    ws.append(["Source: post-test sheets, June 2023"])  # row 9
    ws["B3"] = "   "  # a cell holding only spaces is blank too
    return save_workbook(wb)


def leading_empty_rows() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws["C4"] = "Participant ID"
    ws["D4"] = "Score"
    ws["C5"] = "P001"
    ws["D5"] = 12
    ws["C6"] = "P002"
    ws["D6"] = 15
    return save_workbook(wb)


def thai() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "คะแนน"
    ws.append(["รหัสผู้เข้าอบรม", "คะแนน", "วันที่"])
    ws.append(["P001", "๘๕", "5 เม.ย. 2566"])
    ws.append(["P002", "๙๐", "05/04/2566"])
    ws.append(["P003", "๗๒", "๕/๔/๒๕๖๖"])
    return save_workbook(wb)


def khmer() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ពិន្ទុ"
    ws.append(["លេខកូដអ្នកចូលរួម", "ពិន្ទុ"])
    ws.append(["P001", "៨៥"])
    ws.append(["P002", "១២"])
    return save_workbook(wb)


def odd_spaces() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Roster"
    ws.append(["Participant\u00a0ID", "\u200bProvince", "Organisation"])
    ws.append(["P\u00a0001", "Phnom\u200bPenh", "Ministry  of\u202fSocial Affairs "])
    ws.append(["\ufeffP002", "Siem\u2007Reap", "NGO\u200d"])
    return save_workbook(wb)


def percent_thousands() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws.append(["Participant ID", "Score (%)", "Budget"])
    ws.append(["P001", "85%", "1,234"])
    ws.append(["P002", "90 %", "12,345.50"])
    ws.append(["P003", 0.75, "3,5"])
    return save_workbook(wb)


def date_1904() -> bytes:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Trainings"
    ws.append(["Training ID", "Start date", "Start serial"])
    ws.append(["KHM-1", dt.date(2023, 4, 5), 43559])  # 43559 days after 1904-01-01 = 2023-04-05
    ws.append(["KHM-2", dt.date(2023, 6, 12), 43627])
    ws["B2"].number_format = "yyyy-mm-dd"
    ws["B3"].number_format = "yyyy-mm-dd"
    return save_workbook(wb)


# ------------------------------------------------------------------------------------- ODS


def _ods(content_body: str, automatic_styles: str = "") -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">'
        f"<office:automatic-styles>{automatic_styles}</office:automatic-styles>"
        f"<office:body><office:spreadsheet>{content_body}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return pack(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest.encode()),
            ("content.xml", content.encode()),
        ],
        stored=("mimetype",),
    )


def _ods_cell(value: str | float) -> str:
    if isinstance(value, str):
        return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'


def _ods_row(*values: str | float) -> str:
    return "<table:table-row>" + "".join(_ods_cell(v) for v in values) + "</table:table-row>"


def ods_simple() -> bytes:
    styles = (
        '<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>'
        '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>'
    )
    hidden = (
        '<table:table table:name="Lists" table:style-name="ta2">'
        + _ods_row("Sector")
        + _ods_row("ngo")
        + "</table:table>"
    )
    scores = (
        '<table:table table:name="Scores" table:style-name="ta1">'
        + _ods_row("Participant ID", "Score")
        + _ods_row("P001", 12)
        + _ods_row("P002", 15)
        # LibreOffice writes the rest of the sheet as one repeated empty row
        + '<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        + "</table:table>"
    )
    return _ods(hidden + scores, styles)


def ods_repeat_bomb() -> bytes:
    """One value repeated across a billion columns: the reader would fill them all."""
    body = (
        '<table:table table:name="Scores">'
        + _ods_row("Participant ID", "Score")
        + '<table:table-row><table:table-cell office:value-type="float" office:value="1" '
        'table:number-columns-repeated="1000000000"/></table:table-row>' + "</table:table>"
    )
    return _ods(body)


# ------------------------------------------------------------------------------------- CSV

CSV_ROWS = [
    ["Participant ID", "Province", "Score"],
    ["P001", "Phnom Penh", "12"],
    ["P002", "Siem Reap", "15,5"],
]
THAI_ROWS = [
    ["รหัสผู้เข้าอบรม", "จังหวัด", "คะแนน"],
    ["P001", "เชียงใหม่", "๘๕"],
    ["P002", "สงขลา", "90"],
]


def _csv(rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    import csv

    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def utf8_bom_csv() -> bytes:
    rows = [r[:] for r in CSV_ROWS]
    rows[2][2] = "15"
    return codecs.BOM_UTF8 + _csv(rows, ",").encode("utf-8")


def utf16_tab_txt() -> bytes:
    """Excel's 'Unicode Text' export: UTF-16 LE with a byte-order mark, tab-separated."""
    return codecs.BOM_UTF16_LE + _csv(THAI_ROWS, "\t").encode("utf-16-le")


def cp874_semicolon_csv() -> bytes:
    """Thai Windows encoding, semicolon-separated (as Excel writes with a decimal-comma locale)."""
    return _csv(THAI_ROWS, ";").encode("cp874")


def utf8_semicolon_decimal_comma_csv() -> bytes:
    return _csv(CSV_ROWS, ";").encode("utf-8")


def blank_lines_csv() -> bytes:
    text = "\r\n\r\nParticipant ID,Score\r\nP001,12\r\n,\r\nP002,15\r\n\r\nNote: scores are out of 20.,\r\n"
    return text.encode("utf-8")


# ---------------------------------------------------------------------------------- writing

FILES = {
    # hostile
    "entity_bomb.xlsx": entity_bomb,
    "external_entity.xlsx": external_entity,
    "zip_ratio_bomb.xlsx": zip_ratio_bomb,
    "far_cell.xlsx": far_cell,
    "far_cell_no_dimension.xlsx": far_cell_no_dimension,
    "far_cell_lying_dimension.xlsx": far_cell_lying_dimension,
    "far_cell_without_refs.xlsx": far_cell_without_refs,
    "far_cell_prefixed.xlsx": far_cell_prefixed,
    "lying_size.xlsx": lying_size,
    "duplicate_member.xlsx": duplicate_member,
    "csv_named.xlsx": csv_named_xlsx,
    "html_named.xlsx": html_named_xlsx,
    "truncated.xlsx": truncated,
    "password_protected.xlsx": password_protected,
    "ods_repeat_bomb.ods": ods_repeat_bomb,
    # messy
    "hidden_sheet.xlsx": hidden_sheet,
    "formula_no_cache.xlsx": formula_no_cache,
    "merged_two_row_header.xlsx": merged_two_row_header,
    "duplicate_headers.xlsx": duplicate_headers,
    "blank_rows_and_notes.xlsx": blank_rows_and_notes,
    "leading_empty_rows.xlsx": leading_empty_rows,
    "thai.xlsx": thai,
    "khmer.xlsx": khmer,
    "odd_spaces.xlsx": odd_spaces,
    "percent_thousands.xlsx": percent_thousands,
    "date1904.xlsx": date_1904,
    "simple.ods": ods_simple,
    "utf8_bom.csv": utf8_bom_csv,
    "utf16_tab.txt": utf16_tab_txt,
    "cp874_semicolon.csv": cp874_semicolon_csv,
    "utf8_semicolon_decimal_comma.csv": utf8_semicolon_decimal_comma_csv,
    "blank_lines.csv": blank_lines_csv,
}


def generate(out_dir: Path) -> dict[str, bytes]:
    """Write every corpus file into ``out_dir``; return name -> bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, make in FILES.items():
        data = make()
        (out_dir / name).write_bytes(data)
        written[name] = data
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "corpus"
    files = generate(target)
    for name, data in files.items():
        print(f"{len(data):>8,}  {name}")
