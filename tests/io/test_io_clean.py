"""The cell normaliser: text, headers, numbers and dates (tip_eval.io.clean)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from tip_eval.io.clean import (
    CellError,
    clean_frame,
    normalize_header,
    normalize_text,
    parse_date,
    parse_number,
)
from tip_eval.problems import Problem

FAST = settings(max_examples=200, deadline=None)


# ----------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Phnom\u00a0Penh ", "Phnom Penh"),  # non-breaking space, outer spaces
        ("Ministry  of\u202fSocial\u2007Affairs", "Ministry of Social Affairs"),  # narrow/figure NBSP
        ("a\tb\r\nc", "a b c"),  # tabs and line breaks
        ("๘๕", "85"),  # Thai digits
        ("៨៥", "85"),  # Khmer digits
        ("໘໕", "85"),  # Lao digits
        ("၈၅", "85"),  # Myanmar digits
        ("٨٥", "85"),  # Arabic-Indic digits
        ("８５", "85"),  # full-width digits (NFKC)
        ("ﬁle", "file"),  # ligature (NFKC)
        ("\ufeffP002", "P002"),  # byte-order mark
        ("NGO\u200d", "NGO"),  # zero-width joiner
        ("ប្រទេស\u200bកម្ពុជា", "ប្រទេសកម្ពុជា"),  # Khmer word separator removed
        ("Phnom\u200bPenh", "Phnom Penh"),  # between Latin letters: a space
        ("\u200b", None),
        ("   ", None),
        ("", None),
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
        (12.0, "12"),
        (3.5, "3.5"),
        (7, "7"),
        (True, "TRUE"),
        (dt.datetime(2023, 4, 5), "2023-04-05"),
        (dt.date(2023, 4, 5), "2023-04-05"),
    ],
)
def test_normalize_text(value, expected):
    assert normalize_text(value) == expected


@FAST
@given(st.text())
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@FAST
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_normalize_text_has_no_outer_or_double_spaces(text):
    out = normalize_text(text)
    if out is not None:
        assert out == out.strip() and "  " not in out and out


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Participant  ID", "participant id"),
        ("participant_id", "participant id"),
        ("Participant\u00a0ID ", "participant id"),
        ("PARTICIPANT-ID", "participant id"),
        ("Pre-test / Q1", "pre test q1"),
        ("Score (%)", "score %"),
        ("Score ", "score"),
        ("ពិន្ទុ", "ពិន្ទុ"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_header(header, key):
    assert normalize_header(header) == key


@FAST
@given(st.text())
def test_normalize_header_is_idempotent(text):
    once = normalize_header(text)
    assert normalize_header(once) == once


# -------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("85%", 85.0),
        ("90 %", 90.0),
        ("1,234", 1234.0),
        ("1,234.5", 1234.5),
        ("12,345,678", 12345678.0),
        ("๘๕", 85.0),
        ("៨៥.៥", 85.5),
        ("\u00a012\u00a0", 12.0),
        ("-2", -2.0),
        ("\u22123", -3.0),  # Unicode minus sign
        ("+4", 4.0),
        (".5", 0.5),
        ("1E+03", 1000.0),
        (85, 85.0),
        (85.25, 85.25),
        (np.int64(7), 7.0),
        (np.float32(0.5), 0.5),
        ("N/A", None),
        ("n.a.", None),
        ("-", None),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_number(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("3,5", "'3,5' is ambiguous: the ',' could be a decimal point or a thousands separator."),
        ("12,34", "'12,34' is ambiguous: the ',' could be a decimal point or a thousands separator."),
        ("1234,567", "'1234,567' is ambiguous: the ',' could be a decimal point or a thousands separator."),
        (
            "1 234",
            "'1 234' is not a number in the expected form (decimal point '.', thousands separator ',' in groups of three digits).",
        ),
        (
            "1,23,456",
            "'1,23,456' is not a number in the expected form (decimal point '.', thousands separator ',' in groups of three digits).",
        ),
        ("abc", "'abc' is not a number."),
        (
            "12 points",
            "'12 points' is not a number in the expected form (decimal point '.', thousands separator ',' in groups of three digits).",
        ),
        (True, "TRUE is a yes/no value, not a number."),
        (dt.date(2023, 4, 5), "a date or time is not a number."),
        (float("inf"), "the number is infinite."),
    ],
)
def test_parse_number_refuses_with_a_reason(value, reason):
    with pytest.raises(CellError) as err:
        parse_number(value)
    assert err.value.reason == reason
    assert err.value.fix


def test_parse_number_decimal_comma_policy():
    assert parse_number("3,5", decimal=",", thousands=".") == 3.5
    assert parse_number("1.234,5", decimal=",", thousands=".") == 1234.5
    assert parse_number("1.234", decimal=",", thousands=".") == 1234.0
    assert parse_number("1 234,5", decimal=",", thousands=" ") == 1234.5
    assert parse_number("3,5", decimal=",", thousands=None) == 3.5
    with pytest.raises(CellError, match="ambiguous"):
        parse_number("1.5", decimal=",", thousands=".")
    with pytest.raises(ValueError, match="decimal must be"):
        parse_number("1", decimal=";")
    with pytest.raises(ValueError, match="must differ"):
        parse_number("1", decimal=",", thousands=",")


def test_parse_number_without_thousands_separators():
    with pytest.raises(CellError):
        parse_number("1,234", thousands=None)


def test_cell_error_becomes_a_located_problem():
    with pytest.raises(CellError) as err:
        parse_number("3,5")
    problem = err.value.problem("scores.xlsx", "Scores", 7, "Score")
    assert problem == Problem(
        file="scores.xlsx",
        sheet="Scores",
        row=7,
        column="Score",
        value="3,5",
        problem="'3,5' is ambiguous: the ',' could be a decimal point or a thousands separator.",
        fix=err.value.fix,
        severity="error",
    )


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@FAST
@given(finite)
def test_parse_number_round_trips_repr(x):
    assert parse_number(repr(x)) == x


@FAST
@given(finite)
def test_parse_number_round_trips_thousands_formatting(x):
    text = f"{x:,.2f}"
    assert parse_number(text) == float(f"{x:.2f}")
    assert parse_number(text + "%") == float(f"{x:.2f}")


@FAST
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_parse_number_round_trips_integers(n):
    assert parse_number(f"{n:,}") == float(n)
    assert parse_number(str(n)) == float(n)
    assert parse_number(n) == float(n)


@FAST
@given(finite)
def test_parse_number_round_trips_decimal_comma(x):
    text = f"{x:,.3f}".replace(",", " ").replace(".", ",")
    assert parse_number(text, decimal=",", thousands=" ") == float(f"{x:.3f}")


# ---------------------------------------------------------------------------------- dates

D = dt.date(2023, 4, 5)


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (45021, {}, D),  # Excel 1900 system
        (45021.75, {}, D),  # the time of day is dropped
        (43559, {"date1904": True}, D),  # Excel 1904 system
        (0, {"date1904": True}, dt.date(1904, 1, 1)),
        (1, {}, dt.date(1900, 1, 1)),
        (59, {}, dt.date(1900, 2, 28)),
        (61, {}, dt.date(1900, 3, 1)),
        (dt.datetime(2023, 4, 5, 10, 30), {}, D),
        (D, {}, D),
        (pd.Timestamp("2023-04-05"), {}, D),
        (np.datetime64("2023-04-05"), {}, D),
        ("2023-04-05", {}, D),
        ("2023/04/05", {}, D),
        ("2023-04-05 00:00:00", {}, D),
        ("2023-04-05T10:30:00", {}, D),
        ("20230405", {}, D),
        ("5/4/2023", {}, D),
        ("05.04.2023", {}, D),
        ("5-4-2023", {}, D),
        ("4/5/2023", {"dayfirst": False}, D),
        ("5 April 2023", {}, D),
        ("5 Apr 2023", {}, D),
        ("05-Apr-2023", {}, D),
        ("April 5, 2023", {}, D),
        ("5th April 2023", {}, D),
        ("5 Mei 2023", {}, dt.date(2023, 5, 5)),  # Indonesian
        ("17 Agustus 2023", {}, dt.date(2023, 8, 17)),
        ("5 เม.ย. 2566", {}, D),  # Thai month, Buddhist era
        ("5 เมษายน 2566", {}, D),
        ("5 เมษายน พ.ศ. 2566", {}, D),
        ("๕ เม.ย. ๒๕๖๖", {}, D),  # Thai digits too
        ("05/04/2566", {}, D),
        ("2566-04-05", {}, D),
        ("5 មេសា 2023", {}, D),  # Khmer month
        ("៥ មេសា ២០២៣", {}, D),
        ("", {}, None),
        (None, {}, None),
        ("N/A", {}, None),
        (float("nan"), {}, None),
    ],
)
def test_parse_date(value, kwargs, expected):
    assert parse_date(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (60, "Excel date number 60 is 29 February 1900, a day that does not exist (an old Excel quirk)."),
        (0, "0 is not a valid Excel date number."),
        (-5, "-5 is not a valid Excel date number."),
        ("31/4/2023", "'31/4/2023' is not a real date (day 31 does not exist in April 2023)."),
        ("29/2/2023", "'29/2/2023' is not a real date (day 29 does not exist in February 2023)."),
        ("4/25/2023", "'4/25/2023' has month 25, which does not exist. Dates are read day first (dd/mm/yyyy)."),
        ("5/4/23", "'5/4/23' has a two-digit year, which is ambiguous (2023? 1923? a Buddhist-era year?)."),
        ("2023-13-01", "'2023-13-01' has month 13, which does not exist."),
        ("yesterday", "'yesterday' is not a date tip_eval can read."),
        ("5 Foo 2023", "'5 Foo 2023' is not a date tip_eval can read."),
        (True, "TRUE is a yes/no value, not a date."),
        (dt.time(10, 30), "a time of day is not a date."),
    ],
)
def test_parse_date_refuses_with_a_reason(value, reason):
    with pytest.raises(CellError) as err:
        parse_date(value)
    assert err.value.reason == reason
    assert err.value.fix


def test_parse_date_accepts_buddhist_era_leap_day():
    # B.E. 2567 = C.E. 2024, a leap year: the conversion happens before the calendar check
    assert parse_date("29/02/2567") == dt.date(2024, 2, 29)


dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 12, 31))


@FAST
@given(dates)
def test_parse_date_round_trips_text_forms(d):
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.day}/{d.month}/{d.year}") == d
    assert parse_date(f"{d.month}/{d.day}/{d.year}", dayfirst=False) == d
    assert parse_date(f"{d.day} {d:%B} {d.year}") == d


@FAST
@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2300, 12, 31)))
def test_parse_date_round_trips_excel_serials(d):
    serial_1900 = (d - dt.date(1899, 12, 30)).days
    serial_1904 = (d - dt.date(1904, 1, 1)).days
    assert parse_date(serial_1900) == d
    if serial_1904 >= 0:
        assert parse_date(serial_1904, date1904=True) == d


@FAST
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2300, 12, 31)))
def test_parse_date_reads_buddhist_era_years(d):
    assert parse_date(f"{d.day}/{d.month}/{d.year + 543}") == d


# --------------------------------------------------------------------------------- frames


def test_clean_frame_normalises_text_cells_only():
    frame = pd.DataFrame(
        {
            "id": pd.Series(["P\u00a0001", " P002", "\u200b"], dtype="str"),
            "mixed": pd.Series(["๘๕", 12.0, None], dtype=object),
            "score": [1.0, np.nan, 3.0],
            "when": [dt.date(2023, 4, 5), None, "5 เม.ย. 2566"],
        }
    )
    out = clean_frame(frame)
    assert out["id"].tolist()[:2] == ["P 001", "P002"] and pd.isna(out["id"].iloc[2])
    assert out["id"].dtype == frame["id"].dtype
    assert out["mixed"].tolist() == ["85", 12.0, None]
    assert out["score"].equals(frame["score"])
    assert out["when"].tolist() == [dt.date(2023, 4, 5), None, "5 เม.ย. 2566"]
    assert list(out.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(clean_frame(out), out)  # idempotent
    assert frame["id"].iloc[0] == "P\u00a0001"  # the input is not modified


def test_clean_frame_keeps_duplicate_column_labels():
    frame = pd.DataFrame([["a ", "b "]], columns=["x", "x"])
    out = clean_frame(frame)
    assert list(out.columns) == ["x", "x"] and out.iloc[0].tolist() == ["a", "b"]


def test_clean_frame_is_computed_per_distinct_value():
    labels = ["Phnom\u00a0Penh", "Siem Reap", "Battambang "] * 40_000
    out = clean_frame(pd.DataFrame({"province": labels}))
    assert out["province"].value_counts().to_dict() == {"Phnom Penh": 40_000, "Siem Reap": 40_000, "Battambang": 40_000}


def test_missing_markers_can_be_changed():
    assert parse_number("none") is None
    with pytest.raises(CellError):
        parse_number("none", missing=())
    assert math.isclose(parse_number("0.1"), 0.1)
