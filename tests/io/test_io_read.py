"""read_table, list_sheets and guard_workbook on small files built for one behaviour each."""

from __future__ import annotations

import codecs
import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tip_eval.errors import InputRefused
from tip_eval.io import ReadLimits, guard_workbook, list_sheets, read_table
from tip_eval.io.limits import _col_letters
from tip_eval.io.xmlscan import _beyond, _parse_ref
from tip_eval.problems import PROBLEM_COLUMNS, problems_frame

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("make_corpus", HERE / "make_corpus.py")
mc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def workbook_with_sheet(tmp_path: Path, name: str, sheet: bytes) -> Path:
    members = mc.workbook_members(mc.simple_workbook())
    return write(tmp_path / name, mc.pack(mc.replace_member(members, "xl/worksheets/sheet1.xml", sheet)))


def refusal(call, *args, **kwargs) -> InputRefused:
    with pytest.raises(InputRefused) as err:
        call(*args, **kwargs)
    assert " How to fix: " in str(err.value)
    return err.value


# ------------------------------------------------------------------------ files and sheets


def test_missing_file_folder_and_unsupported_types(tmp_path):
    missing = tmp_path / "nope.xlsx"
    assert refusal(read_table, missing).reason == "does not exist."
    assert refusal(read_table, tmp_path / "nope.csv").reason == "does not exist."
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert refusal(read_table, folder).reason == "is a folder, not a file."
    old = write(tmp_path / "old.xls", mc.password_protected())
    err = refusal(read_table, old)
    assert err.reason == "is in the old or binary Excel format (.xls), which tip_eval does not read."
    assert err.fix == "Open it in Excel and use File > Save As > Excel Workbook (.xlsx)."
    pdf = write(tmp_path / "report.pdf", b"%PDF-1.4")
    assert "file type tip_eval does not read ('.pdf')" in refusal(read_table, pdf).reason
    pdf_named = write(tmp_path / "report.xlsx", b"%PDF-1.4\n...")
    assert refusal(read_table, pdf_named).reason == "is a PDF document, not an Excel workbook."
    empty = write(tmp_path / "empty.xlsx", b"")
    assert refusal(read_table, empty).reason == "is empty (0 bytes), so it is not an Excel workbook."


def test_file_size_limit(tmp_path):
    path = write(tmp_path / "scores.xlsx", mc.save_workbook(mc.simple_workbook()))
    err = refusal(read_table, path, limits=ReadLimits(max_file_bytes=1000))
    assert err.reason.startswith("is 0.0 MB, larger than the limit of 0.0 MB") or "larger than the limit" in err.reason
    assert "limits=ReadLimits(max_file_bytes=...)" in err.fix
    csv = write(tmp_path / "big.csv", b"a,b\n" + b"1,2\n" * 1000)
    assert "larger than the limit" in refusal(read_table, csv, limits=ReadLimits(max_file_bytes=100)).reason


def test_zip_that_is_not_a_workbook(tmp_path):
    path = write(
        tmp_path / "letter.xlsx",
        mc.pack([("word/document.xml", b"<w:document/>"), ("[Content_Types].xml", b"<Types/>")]),
    )
    err = refusal(read_table, path)
    assert err.reason.startswith("is a zip file but not an Excel or OpenDocument workbook")


def test_workbook_named_csv(tmp_path):
    path = write(tmp_path / "scores.csv", mc.save_workbook(mc.simple_workbook()))
    err = refusal(read_table, path)
    assert err.reason == "is an Excel workbook (or another zip file), although its name ends in .csv."
    assert err.fix == "Rename it to .xlsx and read it again."


def test_sheet_choice(tmp_path):
    path = write(tmp_path / "hidden.xlsx", mc.hidden_sheet())
    assert read_table(path, "scores").sheet == "Scores"  # case and spaces ignored when unambiguous
    assert read_table(path, " SCORES ").sheet == "Scores"
    err = refusal(read_table, path, "Results")
    assert err.reason == "has no sheet named 'Results'."
    assert err.fix == "Use one of the sheets: 'Scores'."  # hidden sheets are not advertised
    assert refusal(read_table, path, 7).reason == "has no sheet number 7 (it has 3 sheets, numbered from 0)."


def test_workbook_without_visible_sheet(tmp_path):
    # Excel does not let the last sheet be hidden, but other programs write such files
    members = mc.workbook_members(mc.simple_workbook())
    book = dict(members)["xl/workbook.xml"].replace(b'state="visible"', b'state="hidden"')
    path = write(tmp_path / "all_hidden.xlsx", mc.pack(mc.replace_member(members, "xl/workbook.xml", book)))
    err = refusal(read_table, path)
    assert err.reason == "has no visible worksheet to read."
    assert read_table(path, "Scores").frame["Participant ID"].tolist() == ["P001", "P002"]


def test_list_sheets_of_csv_is_empty(tmp_path):
    assert list_sheets(write(tmp_path / "a.csv", b"x,y\n1,2\n")) == []


def test_guard_result_is_cached_until_the_file_changes(tmp_path):
    path = write(tmp_path / "scores.xlsx", mc.save_workbook(mc.simple_workbook()))
    first = guard_workbook(path)
    assert guard_workbook(path) is first
    assert guard_workbook(path, ReadLimits(max_rows=1000)) is not first
    wb = mc.simple_workbook()
    wb["Scores"].append(["P003", 9])
    path.write_bytes(mc.save_workbook(wb))
    os.utime(path, ns=(first_ns := path.stat().st_mtime_ns + 10**9, first_ns))
    assert guard_workbook(path) is not first
    assert guard_workbook(path).extents == {"Scores": (4, 2)}


def test_read_limits_are_checked():
    with pytest.raises(ValueError, match="max_rows must be a positive number"):
        ReadLimits(max_rows=0)
    with pytest.raises(ValueError, match="max_cols"):
        ReadLimits(max_cols=-1)


# ---------------------------------------------------------------------------- the guard


def test_row_and_column_limits_apply_to_ordinary_files(tmp_path):
    path = write(tmp_path / "scores.xlsx", mc.save_workbook(mc.simple_workbook()))
    err = refusal(read_table, path, limits=ReadLimits(max_rows=2))
    assert err.reason.startswith(
        "sheet 'Scores' says it spans up to cell B3 (row 3, column 2), beyond the limit of 2 rows"
    )
    assert read_table(path, limits=ReadLimits(max_rows=3, max_cols=2)).excel_rows.tolist() == [2, 3]


def test_sheet_area_limit(tmp_path):
    far = f"{_col_letters(400)}190000"
    cells = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="190000"><c r="{far}"><v>1</v></c></row>'
    path = workbook_with_sheet(tmp_path, "area.xlsx", mc.sheet_xml(cells))
    err = refusal(guard_workbook, path)
    assert err.reason.startswith(
        "sheet 'Scores' spans 190,000 rows x 400 columns = 76,000,000 cells, more than the limit of 10,000,000 cells"
    )


def test_cells_out_of_order_are_all_checked(tmp_path):
    # many cells in decreasing order defeat the fast "largest so far" search; the scan then
    # reads every reference of that part, and still finds the far cell in the middle
    rows = [f'<row r="{r}"><c r="B{r}"><v>{r}</v></c></row>' for r in range(150, 1, -1)]
    rows.insert(70, '<row r="199999"><c r="SG5"><v>1</v></c></row>')  # column 501
    cells = '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>' + "".join(rows)
    path = workbook_with_sheet(tmp_path, "order.xlsx", mc.sheet_xml(cells))
    assert refusal(guard_workbook, path).reason.startswith("sheet 'Scores' has a cell at SG5 (row 5, column 501)")
    rows.pop(70)
    ok = workbook_with_sheet(
        tmp_path,
        "order_ok.xlsx",
        mc.sheet_xml(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c><c r="B1" t="inlineStr"><is><t>N</t></is></c></row>'
            + "".join(rows)
        ),
    )
    assert guard_workbook(ok).extents == {"Scores": (150, 2)}
    assert read_table(ok).frame["N"].tolist()[:3] == [2.0, 3.0, 4.0]  # in Excel's row order


def test_unusual_but_valid_sheet_xml_is_scanned_exactly_and_read(tmp_path):
    # namespace prefixes, cells without references, attributes in another order, a formula
    # whose saved result is an empty text, and one with no result at all
    cells = (
        '<x:row r="1"><x:c t="inlineStr"><x:is><x:t>ID</x:t></x:is></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>Score</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Note</x:t></x:is></x:c></x:row>'
        '<x:row><x:c t="inlineStr"><x:is><x:t>P001</x:t></x:is></x:c><x:c s="0" r="B2"><x:v>12</x:v></x:c>'
        '<x:c r="C2" t="str"><x:f>IF(B2&gt;20,"high","")</x:f><x:v></x:v></x:c></x:row>'
        '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>P002</x:t></x:is></x:c><x:c><x:f>B2+1</x:f></x:c></x:row>'
    )
    path = workbook_with_sheet(tmp_path, "prefixed.xlsx", mc.sheet_xml(cells, prefix="x"))
    check = guard_workbook(path)
    assert check.extents == {"Scores": (3, 3)}
    assert check.formulas_without_result == {"Scores": [(3, 2)]}
    table = read_table(path)
    assert table.frame.columns.tolist() == ["ID", "Score", "Note"]
    assert table.frame["ID"].tolist() == ["P001", "P002"]
    assert [(p.row, p.column) for p in table.problems] == [(3, "Score")]


def test_utf16_xml_part_is_refused(tmp_path):
    sheet = (
        mc.sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
        .decode()
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
    )
    path = workbook_with_sheet(tmp_path, "utf16.xlsx", codecs.BOM_UTF16_LE + sheet.encode("utf-16-le"))
    err = refusal(guard_workbook, path)
    assert err.reason.startswith(
        "is not in the form Excel writes: its part 'xl/worksheets/sheet1.xml' is UTF-16/UTF-32 encoded XML"
    )


def test_doctype_in_any_part_is_refused(tmp_path):
    members = mc.workbook_members(mc.simple_workbook())
    styles = dict(members)["xl/styles.xml"].replace(b"<styleSheet", b'<!DOCTYPE s [<!ENTITY e "x">]><styleSheet', 1)
    path = write(tmp_path / "styles.xlsx", mc.pack(mc.replace_member(members, "xl/styles.xml", styles)))
    assert (
        "its part 'xl/styles.xml' contains an XML DOCTYPE or ENTITY declaration" in refusal(guard_workbook, path).reason
    )
    # a comment is not a declaration
    styles = dict(members)["xl/styles.xml"].replace(b"<styleSheet", b"<!-- made by hand --><styleSheet", 1)
    ok = write(tmp_path / "comment.xlsx", mc.pack(mc.replace_member(members, "xl/styles.xml", styles)))
    assert guard_workbook(ok).format == "xlsx"


def test_beyond_pattern_matches_only_larger_references():
    pattern = _beyond(850, 40)  # row 850, column AN

    def hit(ref: str) -> bool:
        return pattern.search(f'<c r="{ref}">'.encode()) is not None

    assert not any(hit(r) for r in ["A1", "AN850", "an850", "B0850", "AM849", "Z9"])
    assert all(hit(r) for r in ["AO1", "ao1", "BA5", "AAA1", "A851", "A1000", "A0000851", "AN9999999"])
    assert pattern.search(b'<c t="s">') is not None  # a cell without a reference: scanned exactly
    assert _parse_ref(b"XFD1048576") == (1048576, 16384) and _parse_ref(b"a01") == (1, 1) and _parse_ref(b"1A") is None


# ------------------------------------------------------------------- defusedxml is required


def test_workbooks_are_refused_when_defusedxml_is_switched_off(tmp_path):
    path = write(tmp_path / "scores.xlsx", mc.save_workbook(mc.simple_workbook()))
    csv = write(tmp_path / "scores.csv", b"ID,Score\nP001,12\n")
    code = textwrap.dedent(
        f"""
        import warnings
        warnings.simplefilter("ignore")
        from tip_eval.errors import InputRefused
        from tip_eval.io import read_table
        try:
            read_table({str(path)!r})
        except InputRefused as err:
            print("REFUSED", err)
        print("CSV", read_table({str(csv)!r}).frame.shape)
        """
    )
    env = dict(os.environ, OPENPYXL_DEFUSEDXML="False")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "REFUSED" in out.stdout
    assert "safeguard against malicious XML (defusedxml) is switched off" in out.stdout
    assert "Remove OPENPYXL_DEFUSEDXML from the environment" in out.stdout
    assert "CSV (1, 2)" in out.stdout


def test_defusedxml_is_active_in_this_session():
    from tip_eval.io import read

    assert openpyxl.DEFUSEDXML is True
    assert read.DEFUSEDXML_ACTIVE is True


# -------------------------------------------------------------------------- table shape


def test_empty_sheet_is_a_problem(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Empty"
    path = write(tmp_path / "empty_sheet.xlsx", mc.save_workbook(wb))
    table = read_table(path)
    assert table.frame.empty
    assert [(p.problem, p.severity) for p in table.problems] == [
        ("There is no table here: the sheet or file is empty.", "error")
    ]


def test_values_without_a_header_are_a_warning(tmp_path):
    wb = mc.simple_workbook()
    wb["Scores"]["D2"] = "late"
    path = write(tmp_path / "no_header.xlsx", mc.save_workbook(wb))
    table = read_table(path)
    assert list(table.frame.columns) == ["Participant ID", "Score", "column D"]
    (problem,) = table.problems
    assert (problem.row, problem.column, problem.severity) == (1, "column D", "warning")
    assert problem.fix == "Type a header in cell D1, or delete the column if it is not needed."


def test_a_short_value_after_a_blank_row_is_data_not_a_note(tmp_path):
    wb = mc.simple_workbook()
    ws = wb["Scores"]
    ws.append([None, None])
    ws.append(["P009", None])  # a participant whose score is missing
    path = write(tmp_path / "gap.xlsx", mc.save_workbook(wb))
    table = read_table(path)
    assert table.frame["Participant ID"].tolist() == ["P001", "P002", "P009"]
    assert table.ignored_rows == {4: "blank"}


def test_problems_table_has_the_agreed_columns(tmp_path):
    table = read_table(Path(__file__).parent / "corpus" / "formula_no_cache.xlsx")
    frame = problems_frame(table.problems)
    assert tuple(frame.columns) == PROBLEM_COLUMNS
    assert frame["row"].tolist() == [2, 3]
    assert str(frame["row"].dtype) == "Int64"


def test_column_types(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "T"
    ws.append(["text", "number", "mixed", "flag", "blank"])
    ws.append(["a", 1, "x", True, None])
    ws.append([" ", 2.5, 3, False, None])
    ws.append(["b", None, None, None, None])
    path = write(tmp_path / "types.xlsx", mc.save_workbook(wb))
    frame = read_table(path).frame
    assert list(frame.columns) == ["text", "number", "mixed", "flag", "blank"]
    assert frame["number"].dtype == "float64" and pd.isna(frame["number"].iloc[2])
    assert pd.api.types.is_string_dtype(frame["text"].dtype)
    assert frame["text"].iloc[0] == "a" and frame["text"].isna().tolist() == [
        False,
        True,
        False,
    ]  # spaces only: missing
    assert frame["mixed"].dtype == object and frame["mixed"].tolist() == ["x", 3.0, None]
    assert frame["flag"].tolist() == [True, False, None]
    assert frame["blank"].isna().all()


# ------------------------------------------------------------------------------------ CSV


def test_csv_encoding_that_cannot_be_recognised(tmp_path):
    path = write(tmp_path / "odd.csv", b"ID,Name\r\nP001,\xdb\xdc\xdd\r\n")
    err = refusal(read_table, path)
    assert (
        err.reason
        == "is a text file in an encoding tip_eval cannot recognise (it is not UTF-8, UTF-16 or Thai Windows cp874)."
    )
    table = read_table(path, encoding="cp1252")
    assert table.encoding == "cp1252" and table.frame["Name"].tolist() == ["ÛÜÝ"]


def test_csv_utf16_without_bom_and_sep_line(tmp_path):
    path = write(tmp_path / "u16.csv", "ID\tScore\r\nP001\t12\r\n".encode("utf-16-le"))
    table = read_table(path)
    assert (table.encoding, table.delimiter) == ("utf-16-le", "\t")
    sep = write(tmp_path / "sep.csv", b"sep=;\r\nID;Score\r\nP001;12,5\r\n")
    table = read_table(sep)
    assert table.delimiter == ";" and table.header_row == 2 and table.excel_rows.tolist() == [3]
    assert table.frame["Score"].tolist() == ["12,5"]


def test_csv_rows_are_numbered_as_excel_shows_them(tmp_path):
    path = write(tmp_path / "multiline.csv", b'ID,Comment\r\nP001,"two\r\nlines"\r\nP002,ok\r\n')
    table = read_table(path)
    assert table.excel_rows.tolist() == [2, 3]
    assert table.frame["Comment"].tolist() == ["two\r\nlines", "ok"]


def test_csv_ragged_rows_and_row_limit(tmp_path):
    path = write(tmp_path / "ragged.csv", b"ID,Score,Extra\r\nP001,12\r\nP002,13,x\r\n")
    frame = read_table(path).frame
    assert frame[["ID", "Score"]].to_dict("list") == {"ID": ["P001", "P002"], "Score": ["12", "13"]}
    assert frame["Extra"].isna().tolist() == [True, False] and frame["Extra"].iloc[1] == "x"
    err = refusal(read_table, path, limits=ReadLimits(max_rows=2))
    assert err.reason == "has more than 2 rows, the limit."


def test_csv_two_row_header_without_merges_fills_the_top_label(tmp_path):
    path = write(tmp_path / "two.csv", b"ID,Pre-test,,Post-test,\r\n,Q1,Q2,Q1,Q2\r\nP001,1,0,1,1\r\n")
    table = read_table(path, header_rows=2)
    assert list(table.frame.columns) == ["ID", "Pre-test / Q1", "Pre-test / Q2", "Post-test / Q1", "Post-test / Q2"]
    assert table.header_row == 2 and table.excel_rows.tolist() == [3]
    with pytest.raises(ValueError, match="header_rows must be 1 or 2"):
        read_table(path, header_rows=3)


def test_a_title_above_the_table_is_skipped(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws["A1"] = "Knowledge test, Phnom Penh training, April 2023"
    ws.merge_cells("A1:C1")
    ws.append([])
    ws.append(["Participant ID", "Pre", "Post"])
    ws.append(["P001", 10, 14])
    path = write(tmp_path / "title.xlsx", mc.save_workbook(wb))
    table = read_table(path)
    assert table.header_row == 3 and table.excel_rows.tolist() == [4]
    assert list(table.frame.columns) == ["Participant ID", "Pre", "Post"]
    # where the title is, never its text ("Pre-test, trainer <name>" is a title too)
    assert table.notes == [
        "Title above the table ignored (column A, row 1; its text is not repeated here, as it may name a person)."
    ]
    # a one-column table keeps its header
    one = write(tmp_path / "one.csv", b"Participant ID\r\nP001\r\n")
    assert list(read_table(one).frame.columns) == ["Participant ID"]


FUZZ = r"""
import random, sys, zipfile
from pathlib import Path
sys.path.insert(0, {here!r})
import make_corpus as mc
from tip_eval.io import read_table
from tip_eval.errors import InputRefused
random.seed(20230405)
corpus = Path({here!r}) / "corpus"
sources = [corpus / n for n in ("hidden_sheet.xlsx", "formula_no_cache.xlsx", "simple.ods", "thai.xlsx", "date1904.xlsx")]
tokens = [b'r="XFD1048576"', b"<c>", b"</row>", b'<row r="99999999999">', b"&", b"<", b'"', b"\xff",
          b'table:number-columns-repeated="100000000"', b'office:value-type="float" office:value="1"',
          b'<c r="A1" t="s"><v>-1</v></c>', b'<mergeCell ref="A1:XFD1048576"/>', b"<v>1e999</v>", b't="d"']
out = Path({tmp!r})
for i in range(80):
    src = random.choice(sources)
    with zipfile.ZipFile(src) as zf:
        members = [(n, zf.read(n)) for n in zf.namelist()]
    k = random.randrange(len(members))
    name, data = members[k]
    data = bytearray(data)
    for _ in range(random.randint(1, 3)):
        pos = random.randrange(len(data) + 1)
        if random.random() < 0.5:
            data[pos:pos] = random.choice(tokens)
        else:
            del data[pos:pos + random.randint(1, 8)]
    members[k] = (name, bytes(data))
    raw = bytearray(mc.pack(members, stored=("mimetype",)))
    if random.random() < 0.3:
        raw[random.randrange(len(raw))] = random.randrange(256)
    path = out / f"m{{i}}{{src.suffix}}"
    path.write_bytes(bytes(raw))
    try:
        read_table(path)
    except InputRefused:
        pass
print("survived")
"""


def test_damaged_and_crafted_variants_are_read_or_refused(tmp_path):
    # run in a child process: if anything made the Rust reader abort, only the child would die
    code = FUZZ.format(here=str(HERE), tmp=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("survived")
