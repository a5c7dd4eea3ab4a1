"""A plain CSV file read by Arrow gives exactly what the careful reader gives.

``read_table`` reads a CSV file without quote characters, whose lines are all as wide as the first,
with Arrow's CSV reader (see ``tip_eval.io.csv._arrow_columns``); every other file goes through
Python's :mod:`csv` reader with its line bookkeeping. The two must agree on every cell, location,
note and problem, for every encoding and header layout.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tip_eval.io import csv as tcsv
from tip_eval.io.read import read_table

CASES = {
    "plain": "id,score,name\nA1,3,x\nA2,,y\n",
    "blank-looking cells": "id,score,name\nA1, ,x\nA2,\u00a0,\u200b\nA3,\t ,  z \n",
    "control characters": "id,score\nA1,\x01\nA2,\x7f\n",
    "notes under the table": "id,score,name\nA1,3,x\nA2,4,y\n,,\nNote: scores are out of 20.,,\n",
    "old Mac line ends": "id,score,name\rA1,3,x\rA2,4,y",
    "Windows line ends": "id,score,name\r\nA1,3,x\r\nA2,4,y\r\n",
    "semicolons": "id;score;name\nA1;3;x\nA2;4;y\n",
    "tabs": "id\tscore\tname\nA1\t3\tx\n",
    "sep line": "sep=|\nid|score|name\nA1|3|x\n",
    "same header twice": "id,Score,score\nA1,3,4\n",
    "values without a header": "id,,name\nA1,5,x\nA2,,y\n",
    "two header rows": "Pre,,Post,\nQ1,Q2,Q1,Q2\n1,0,1,1\n",
    "Thai": "รหัส,คะแนน\nก1,๕\nก2,\u3000\n",
    "a blank row": "id,score\nA1,3\n,\nA2,4\n",
    "an empty line": "id,score\nA1,3\n\nA2,4\n",
    "header only": "id,score,name\n",
    "nothing but separators": ",,\n,,\n",
    "a NUL byte": "id,score\nA1,3\x00\nA2,4\n",
    "a short row": "id,score,name\nA1,3\nA2,4,y\n",
    "a title above": "My study\n\nid,score\nA1,3\n",
}


def _read(path, header_rows, careful):
    def run():
        t = read_table(path, header_rows=header_rows)
        return (
            t.frame,
            t.excel_rows,
            t.columns_as_written,
            t.column_letters,
            t.problems,
            t.notes,
            t.ignored_rows,
            t.encoding,
            t.delimiter,
            t.row_lines,
            t.header_row,
            t.lines_read,
        )

    if not careful:
        return run()
    original = tcsv._arrow_columns
    tcsv._arrow_columns = lambda *args, **kwargs: None
    try:
        return run()
    finally:
        tcsv._arrow_columns = original


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("name", list(CASES))
def test_arrow_reader_agrees_with_the_careful_reader(tmp_path, name, encoding):
    path = tmp_path / "table.csv"
    path.write_bytes(CASES[name].encode(encoding))
    for header_rows in (1, 2):
        fast, careful = _read(path, header_rows, False), _read(path, header_rows, True)
        pd.testing.assert_frame_equal(fast[0], careful[0], check_exact=True)
        pd.testing.assert_series_equal(fast[1], careful[1])
        assert fast[2:] == careful[2:]


def test_the_arrow_reader_is_used_for_plain_files_only():
    assert tcsv._arrow_columns("id,score\nA1,3\n", ",", tcsv.ReadLimits()) is not None
    assert tcsv._arrow_columns('id,score\n"A,1",3\n', ",", tcsv.ReadLimits()) is None  # a quote
    assert tcsv._arrow_columns("id,score\nA1,3,4\n", ",", tcsv.ReadLimits()) is None  # a longer row
