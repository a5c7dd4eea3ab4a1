"""The pieces behind the hostile-study suite, one by one: the text limits (exact where it matters,
never a false refusal of an ordinary workbook), limits from study.toml, containment, the cleaners."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tip_eval.errors import InputRefused
from tip_eval.io.guard import guard_workbook
from tip_eval.io.limits import ReadLimits, active_limits, using_limits

HERE = Path(__file__).resolve().parent


def _mh():
    spec = importlib.util.spec_from_file_location("make_hostile", HERE / "make_hostile.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_hostile"] = module
    spec.loader.exec_module(module)
    return module


mh = _mh()
mc = mh.mc


def _shared_book(path: Path, strings: list[str], refs: list[int], quote: str = '"') -> Path:
    """A workbook whose one sheet has a cell per entry of ``refs``, naming that shared string."""
    members = mc.workbook_members(mc.simple_workbook())
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{mc.MAIN_NS}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings)
        + "</sst>"
    ).encode()
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t={quote}s{quote}><v>{i}</v></c></row>' for r, i in enumerate(refs, start=1)
    )
    members = mc.replace_member(members, "xl/worksheets/sheet1.xml", mc.sheet_xml(rows))
    path.write_bytes(mc.pack(members + [("xl/sharedStrings.xml", sst)]))
    return path


LIMITS = ReadLimits(max_sheet_chars=1_000_000, max_workbook_chars=2_000_000)


def test_one_long_string_named_once_is_not_a_bomb(tmp_path):
    """The quick bound (every cell as long as the longest string: 15 million) passes the limit; the
    exact count (5,000 + 3,000 short ones) does not, and the workbook is read."""
    book = _shared_book(tmp_path / "ok.xlsx", ["a" * 5000, "x"], [0] + [1] * 3000)
    assert guard_workbook(book, LIMITS).extents["Scores"] == (3001, 1)


def test_the_same_string_named_by_every_cell_is(tmp_path):
    book = _shared_book(tmp_path / "bomb.xlsx", ["a" * 5000, "x"], [0] * 3001)
    with pytest.raises(InputRefused, match="max_sheet_chars"):
        guard_workbook(book, LIMITS)


def test_cells_in_an_unusual_form_count_as_the_longest_string(tmp_path):
    """t='s' (single quotes) is not the form the exact count reads: such cells count in full."""
    book = _shared_book(tmp_path / "odd.xlsx", ["a" * 5000, "x"], [0] + [1] * 3000, quote="'")
    with pytest.raises(InputRefused, match="max_sheet_chars"):
        guard_workbook(book, LIMITS)


def test_nested_shared_strings_are_refused(tmp_path):
    members = mc.workbook_members(mc.simple_workbook())
    sst = (f'<sst xmlns="{mc.MAIN_NS}"><si><t>a</t><si><t>b</t></si></si></sst>').encode()
    path = tmp_path / "nested.xlsx"
    path.write_bytes(mc.pack(members + [("xl/sharedStrings.xml", sst)]))
    with pytest.raises(InputRefused, match="nested"):
        guard_workbook(path)


def test_ods_rows_repeat_their_text(tmp_path):
    """A row of 600 characters repeated 2,000 times is 1.2 million characters: over a 1 million limit."""
    cell = '<table:table-cell office:value-type="string"><text:p>' + "x" * 600 + "</text:p></table:table-cell>"
    path = tmp_path / "rows.ods"
    path.write_bytes(mh._ods_table(f'<table:table-row table:number-rows-repeated="2000">{cell}</table:table-row>'))
    with pytest.raises(InputRefused, match="max_sheet_chars"):
        guard_workbook(path, LIMITS)
    assert guard_workbook(path, ReadLimits(max_sheet_chars=1_300_000)).extents["Scores"][0] == 2001


def test_study_limits_reach_every_reader_and_stop_there(tmp_path):
    import tip_eval as te

    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "a.csv").write_text(mh.ROSTER_CSV, encoding="utf-8")
    (folder / "study.toml").write_text(
        '[limits]\nmax_file_bytes = 10\n\n[[sources]]\nfile = "a.csv"\nlayout = "wide"\n' + mh.TRAINING,
        encoding="utf-8",
    )
    with pytest.raises(InputRefused, match="larger than the limit"):
        te.load_study(folder)
    assert active_limits() == ReadLimits()  # the study's limits end with its load
    with using_limits(ReadLimits(max_rows=5)):
        assert active_limits().max_rows == 5
    assert active_limits().max_rows == ReadLimits().max_rows


@pytest.mark.parametrize(
    "value, says",
    [
        ("/etc/passwd", "absolute"),
        (r"C:\x.csv", "absolute"),
        ("C:x.csv", "absolute"),
        (r"\\srv\s\x.csv", "absolute"),
        ("~/x.csv", "absolute"),
        ("../x.csv", "'..'"),
        (r"a\..\..\x.csv", "'..'"),
        ("", "empty"),
    ],
)
def test_paths_outside_are_refused(tmp_path, value, says):
    from tip_eval.io.config import contained_path

    with pytest.raises(InputRefused, match=says):
        contained_path(tmp_path, value, "file")


def test_paths_inside_are_normalised(tmp_path):
    from tip_eval.io.config import contained_path

    assert contained_path(tmp_path, r"trainings\KHM.xlsx", "file") == (
        tmp_path / "trainings" / "KHM.xlsx",
        "trainings/KHM.xlsx",
    )
    assert contained_path(tmp_path, "a/../b.csv", "file")[1] == "b.csv"


def test_plain_text_and_sheet_titles():
    from tip_eval.io.write import inert_text, sheet_title
    from tip_eval.safe_text import plain_text, terminal_text, xml_chars

    hostile = '<a href="http://x">A &amp; B</a>\ufffe\x07'
    once = plain_text(hostile)
    assert once == '&lt;a href="http://x"&gt;A &amp; B&lt;/a&gt;' and plain_text(once) == once
    assert plain_text("<b>n</b><br>x<span style='c'>", keep_markup=True) == "<b>n</b><br>x&lt;span style='c'&gt;"
    assert xml_chars("a\ud800b\uffffc") == "abc" and inert_text("=1\x00") == "=1"
    assert sheet_title("By: [x]*?\ufffe" + "y" * 40, ["By_ _x___" + "y" * 22]).endswith(" 2")
    assert terminal_text("ok\x1b]0;title\x07\u202edone") == "ok]0;titledone"
