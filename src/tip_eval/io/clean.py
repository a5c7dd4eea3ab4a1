"""The one cell normaliser: text, numbers and dates as partners type them, made comparable.

Every cell that tip_eval reads goes through the functions here, whichever layout or language it
came in:

* :func:`normalize_text` - Unicode NFKC, every script's decimal digits to ASCII (Thai ``๐-๙``,
  Khmer ``០-៩``, Lao, Myanmar, Arabic-Indic, ...), non-breaking and zero-width spaces, runs of
  whitespace collapsed, trimmed; empty text becomes None.
* :func:`normalize_header` - the key used to match column headers and labels (case, spaces and
  separators ignored).
* :func:`parse_number` and :func:`parse_date` - values for numeric and date columns, with an
  explicit policy for thousands separators, percent signs, Excel serial dates (1900 and 1904
  systems) and Thai Buddhist-era years. Invalid values raise :class:`CellError`, whose
  ``reason`` and ``fix`` become a located :class:`~tip_eval.problems.Problem`.
* :func:`clean_frame` - :func:`normalize_text` applied to every text cell of a frame, computed once
  per distinct value so that large sheets stay fast.

Zero-width characters: Khmer and Thai are written without spaces between words, and some
keyboards insert ZERO WIDTH SPACE (U+200B) as an invisible word separator. tip_eval removes it
(and the other invisible characters listed in :data:`INVISIBLE`) rather than turning it into a
space, so that ``"ប្រទេស\u200bកម្ពុជា"`` and ``"ប្រទេសកម្ពុជា"`` match. The text still reads the same; only
invisible line-breaking hints are lost. The one exception: a zero-width space between two ASCII
letters or digits (``"Phnom\u200bPenh"``, pasted from a web page) becomes a plain space.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.i18n import _, format_month
from tip_eval.io.text import INVISIBLE, _is_missing, _normalize_str, _to_text, normalize_header, normalize_text
from tip_eval.problems import Problem

__all__ = [
    "CellError",
    "DEFAULT_MISSING",
    "INVISIBLE",
    "clean_frame",
    "normalize_header",
    "normalize_text",
    "parse_date",
    "parse_number",
]

#: Text that :func:`parse_number` and :func:`parse_date` read as an empty cell (compared after
#: :func:`normalize_header`, so case and surrounding dots do not matter).
DEFAULT_MISSING: frozenset[str] = frozenset(
    {"na", "n a", "n/a", "nil", "none", "null", "missing", "-", "--", "---", "—", "–", "?"}
)


_MISSING_KEYS: dict[frozenset[str], frozenset[str]] = {}


def _missing_keys(missing: Iterable[str]) -> frozenset[str]:
    markers = frozenset(missing)
    keys = _MISSING_KEYS.get(markers)
    if keys is None:
        keys = _MISSING_KEYS[markers] = frozenset(normalize_header(m) for m in markers)
    return keys


class CellError(ValueError):
    """A cell value that cannot be read as the number or date a column needs.

    Attributes
    ----------
    value : object
        The value as found.
    reason : str
        What is wrong, in plain words (e.g. ``"'3,5' could be 3.5 or 35"``).
    fix : str
        What to do about it.
    """

    def __init__(self, value: Any, reason: str, fix: str) -> None:
        self.value = value
        self.reason = reason
        self.fix = fix
        super().__init__(f"{reason} {fix}".strip())

    def problem(
        self,
        file: str,
        sheet: str | None,
        row: int | None,
        column: str | None,
        severity: str = "error",
    ) -> Problem:
        """Return this error as a located :class:`~tip_eval.problems.Problem`."""
        value = None if _is_missing(self.value) else _to_text(self.value)
        return Problem(
            file=file,
            sheet=sheet,
            row=row,
            column=column,
            value=value,
            problem=self.reason,
            fix=self.fix,
            severity=severity,
        )


# ------------------------------------------------------------------------------------- numbers

_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})


def parse_number(
    value: Any,
    *,
    thousands: str | None = ",",
    decimal: str = ".",
    missing: Iterable[str] = DEFAULT_MISSING,
) -> float | None:
    """Read a cell as a number; return None for an empty cell, raise :class:`CellError` otherwise.

    Policy (explicit, so that no number changes silently):

    * Numbers from the workbook (int, float, numpy numbers) are returned as float; NaN is an empty
      cell. ``True``/``False`` are refused (a tick box is not a score), as are dates.
    * Text is first put through :func:`normalize_text`, so Thai, Khmer and other digits and
      non-breaking spaces are accepted (``"๘๕"`` is 85).
    * A trailing percent sign is dropped and the number kept on the 0-100 scale: ``"85%"`` is 85.0.
      (A cell *formatted* as percent in Excel stores a fraction, 0.85, and arrives as 0.85.)
    * Thousands separators (``thousands``, default ``","``) are accepted only in groups of three
      digits after a first group of one to three digits: ``"1,234.5"`` is 1234.5, ``"12,345,678"``
      is 12345678. Anything else with a comma is refused: ``"3,5"`` could be 3.5 or 35 and is
      ambiguous unless ``decimal=","`` is given (then ``"3,5"`` is 3.5 and ``thousands`` should be
      ``"."``, ``" "`` or None). Spaces between digit groups are refused unless ``thousands=" "``.
    * A leading ``+``/``-`` (also the Unicode minus sign) and exponents (``"1E+03"``) are accepted.
    * Text in ``missing`` (default :data:`DEFAULT_MISSING`: ``N/A``, ``NA``, ``-``, ``none``, ...,
      compared with :func:`normalize_header`) is an empty cell.

    Returns
    -------
    float or None

    Raises
    ------
    CellError
        With ``reason`` and ``fix`` in plain words; use :meth:`CellError.problem` to locate it.
    """
    if decimal not in (".", ","):
        raise ValueError(f"decimal must be '.' or ','; got {decimal!r}")
    if thousands == decimal:
        raise ValueError(f"thousands and decimal must differ; both are {decimal!r}")
    if _is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        raise CellError(
            value, _("{value} is a yes/no value, not a number.").format(value=_to_text(value)), _("Type the number.")
        )
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            raise CellError(value, _("the number is infinite."), _("Type a finite number."))
        return x
    if isinstance(value, (_dt.date, _dt.time, _dt.timedelta, np.datetime64, pd.Timestamp)):
        raise CellError(
            value,
            _("a date or time is not a number."),
            _("Type the number; if Excel shows a date, format the cell as Number (Home > Number)."),
        )
    text = normalize_text(value)
    if text is None:
        return None
    if normalize_header(text) in _missing_keys(missing):
        return None
    s = text.translate(_SIGNS).replace(" %", "%")
    if s.endswith("%"):  # "85%" -> 85.0: the percent sign is dropped, the scale kept
        s = s[:-1].rstrip()
    d = re.escape(decimal)
    if re.fullmatch(rf"[+-]?(?:\d+(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?", s):
        return float(s.replace(decimal, "."))
    if thousands:
        t = re.escape(thousands)
        if re.fullmatch(rf"[+-]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?", s):
            return float(s.replace(thousands, "").replace(decimal, "."))
    return _number_error(value, text, thousands, decimal)


def _number_error(value: Any, text: str, thousands: str | None, decimal: str) -> float:
    other = "," if decimal == "." else "."
    if re.fullmatch(rf"[+-]?\d+{re.escape(other)}\d+%?", text):
        raise CellError(
            value,
            _("'{text}' is ambiguous: the '{other}' could be a decimal point or a thousands separator.").format(
                text=text, other=other
            ),
            _(
                "Type the number without thousands separators and with '{decimal}' as the decimal point "
                "(e.g. 3{decimal}5 or 1234), or read the file with decimal='{other}' if the whole file "
                "uses '{other}' as the decimal point."
            ).format(decimal=decimal, other=other),
        )
    if any(ch in text for ch in ",. "):
        raise CellError(
            value,
            _(
                "'{text}' is not a number in the expected form (decimal point '{decimal}', "
                "thousands separator {thousands} in groups of three digits)."
            ).format(text=text, decimal=decimal, thousands=repr(thousands)),
            _("Type the number with digits and at most one decimal point, e.g. 1234{decimal}5.").format(
                decimal=decimal
            ),
        )
    raise CellError(
        value,
        _("'{text}' is not a number.").format(text=text),
        _("Type a number (digits only), or leave the cell empty."),
    )


# --------------------------------------------------------------------------------------- dates

_EPOCH_1900 = _dt.date(1899, 12, 30)  # serial 61 -> 1900-03-01 after the 1900-02-29 bug
_EPOCH_1904 = _dt.date(1904, 1, 1)
_MAX_SERIAL = 2958465  # 9999-12-31

# month names: English, Indonesian, Thai (full and abbreviated), Khmer, Lao (full and abbreviated) and
# Burmese (the Gregorian months, as CLDR writes them; August also with သြ for ဩ)
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("january", "jan", "januari", "มกราคม", "ม.ค.", "มค", "មករា", "ມັງກອນ", "ມ.ກ.", "ဇန်နဝါရီ"),
        ("february", "feb", "februari", "กุมภาพันธ์", "ก.พ.", "กพ", "កុម្ភៈ", "កុម្ភះ", "ກຸມພາ", "ກ.ພ.", "ဖေဖော်ဝါရီ"),
        ("march", "mar", "maret", "มีนาคม", "มี.ค.", "มีค", "មីនា", "ມີນາ", "ມ.ນ.", "မတ်"),
        ("april", "apr", "เมษายน", "เม.ย.", "เมย", "មេសា", "ເມສາ", "ມ.ສ.", "ဧပြီ"),
        ("may", "mei", "พฤษภาคม", "พ.ค.", "พค", "ឧសភា", "ພຶດສະພາ", "ພ.ພ.", "မေ"),
        ("june", "jun", "juni", "มิถุนายน", "มิ.ย.", "มิย", "មិថុនា", "ມິຖຸນາ", "ມິ.ຖ.", "ဇွန်"),
        ("july", "jul", "juli", "กรกฎาคม", "ก.ค.", "กค", "កក្កដា", "ກໍລະກົດ", "ກ.ລ.", "ဇူလိုင်"),
        ("august", "aug", "agustus", "agu", "agt", "สิงหาคม", "ส.ค.", "สค", "សីហា", "ສິງຫາ", "ສ.ຫ.", "ဩဂုတ်", "သြဂုတ်"),
        ("september", "sep", "sept", "กันยายน", "ก.ย.", "กย", "កញ្ញា", "ກັນຍາ", "ກ.ຍ.", "စက်တင်ဘာ"),
        ("october", "oct", "oktober", "okt", "ตุลาคม", "ต.ค.", "ตค", "តុលា", "ຕຸລາ", "ຕ.ລ.", "အောက်တိုဘာ"),
        ("november", "nov", "พฤศจิกายน", "พ.ย.", "พย", "វិច្ឆិកា", "ພະຈິກ", "ພ.ຈ.", "နိုဝင်ဘာ"),
        ("december", "dec", "desember", "des", "ธันวาคม", "ธ.ค.", "ธค", "ធ្នូ", "ທັນວາ", "ທ.ວ.", "ဒီဇင်ဘာ"),
    ],
    start=1,
):
    for _name in _names:
        _MONTHS[_name.replace(".", "")] = _number

# Eras written before a year. Thailand and Laos count the Buddhist era from 543 BCE (B.E. 2566 =
# C.E. 2023, the year starting on 1 January); Cambodia and Myanmar count it one year further (544)
# and start its year at the full moon of Visakha (April to June); the Myanmar era (ME, Kawzar
# thekkayit) is C.E. - 638, its year starting at Thingyan (mid-April).
_LATIN = r"(?<![A-Za-z])"
_ERAS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:พ\.?\s?ศ\.?|ພ\.?\s?ສ\.?|" + _LATIN + r"b\.?\s?e\.?)\s*(?=\d{4})", re.IGNORECASE), "be543"),
    (re.compile(r"(?:ពុទ្ធសករាជ|ព\.?\s?ស\.?|သာသနာ(?:သက္ကရာဇ်|နှစ်)?)\s*(?=\d{4})"), "be544"),
    (
        re.compile(r"(?:မြန်မာ(?:သက္ကရာဇ်|နှစ်)|ကောဇာ(?:သက္ကရာဇ်)?|" + _LATIN + r"m\.?\s?e\.?)\s*(?=\d{4})", re.IGNORECASE),
        "me",
    ),
    (
        re.compile(
            r"(?:ค\.?\s?ศ\.?|ຄ\.?\s?ສ\.?|គ\.?\s?ស\.?|ខ្រិស្តសករាជ|ခရစ်(?:သက္ကရာဇ်|နှစ်)?|"
            + _LATIN
            + r"(?:c\.?\s?e\.?|a\.?\s?d\.?))\s*(?=\d{4})",
            re.IGNORECASE,
        ),
        "ce",
    ),
)
#: words around the parts of a date that carry no value: "day", "month", "year" in Khmer, Thai, Lao,
#: Burmese and Indonesian (ថ្ងៃទី ១៨ ខែ មេសា ឆ្នាំ ២០២៣; ၂၀၂၃ ခုနှစ်၊ ဧပြီလ ၁၈ ရက်)
_DATE_WORDS = re.compile(
    r"ថ្ងៃទី|ខែ|ឆ្នាំ|วันที่|เดือน|ปี|ວັນທີ|ເດືອນ|ປີ|ခုနှစ်|ရက်နေ့|ရက်|နေ့|[၊။]|"
    r"(?<![A-Za-z])(?:tanggal|tgl|bulan|tahun)(?![A-Za-z])",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_WORDS_DMY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.,]*([^\d\s\-/,]+?)\.?[\s\-/.,]+(\d{4}|\d{2})")
_WORDS_MDY = re.compile(r"([^\d\s\-/,]+?)\.?[\s\-/.,]+(\d{1,2})(?:st|nd|rd|th)?,?[\s\-/.,]+(\d{4}|\d{2})")
_WORDS_YMD = re.compile(r"(\d{4})[\s\-/.,]+([^\d\s\-/,]+?)\.?[\s\-/.,]+(\d{1,2})")


def _serial_to_date(serial: float, date1904: bool, value: Any) -> _dt.date:
    if not math.isfinite(serial):
        raise CellError(value, _("the date is not a finite number."), _("Type the date as a date, e.g. 2023-04-05."))
    whole = math.floor(serial)
    if date1904:
        if whole < 0 or whole > _MAX_SERIAL - 1462:
            raise CellError(
                value,
                _("{value} is outside the range of Excel dates.").format(value=_to_text(value)),
                _("Type the date as a date, e.g. 2023-04-05."),
            )
        return _EPOCH_1904 + _dt.timedelta(days=whole)
    if whole < 1 or whole > _MAX_SERIAL:
        raise CellError(
            value,
            _("{value} is not a valid Excel date number.").format(value=_to_text(value)),
            _("Type the date as a date, e.g. 2023-04-05."),
        )
    if whole == 60:
        raise CellError(
            value,
            _("Excel date number 60 is 29 February 1900, a day that does not exist (an old Excel quirk)."),
            _("Type the correct date."),
        )
    if whole < 60:
        return _dt.date(1899, 12, 31) + _dt.timedelta(days=whole)
    return _EPOCH_1900 + _dt.timedelta(days=whole)


def _make_date(
    year: int, month: int, day: int, value: Any, text: str, dayfirst: bool | None, era: str | None = None
) -> _dt.date:
    if 1 <= month <= 12:
        year = _common_era(year, month, day, value, text, era)
    if not 1 <= month <= 12:
        hint = (
            ""
            if dayfirst is None
            else " "
            + (
                _("Dates are read day first (dd/mm/yyyy).")
                if dayfirst
                else _("Dates are read month first (mm/dd/yyyy).")
            )
        )
        raise CellError(
            value,
            _("'{text}' has month {month}, which does not exist.").format(text=text, month=month) + hint,
            _("Type the date as yyyy-mm-dd, e.g. 2023-04-05."),
        )
    try:
        return _dt.date(year, month, day)
    except ValueError:
        raise CellError(
            value,
            _("'{text}' is not a real date (day {day} does not exist in {month}).").format(
                text=text, day=day, month=format_month(year, month)
            ),
            _("Correct the day, or type the date as yyyy-mm-dd."),
        ) from None


def _common_era(year: int, month: int, day: int, value: Any, text: str, era: str | None) -> int:
    """The Common Era year of a day whose year is written in ``era`` (None: no era marker)."""
    if era == "be543" or (era is None and year >= 2400):  # B.E. 2400 is C.E. 1857
        return year - 543
    if era == "be544":
        if month <= 3:
            return year - 543
        if month >= 7:
            return year - 544
        raise CellError(
            value,
            _(
                "'{text}' has a year of the Buddhist era as Cambodia and Myanmar count it, whose year begins at the full "
                "moon of Visakha (April to June): for a day in April, May or June the Common Era year cannot be told "
                "without the lunar date."
            ).format(text=text),
            _("Type the date with its Common Era year, e.g. 2023-05-18."),
        )
    if era == "me":
        if (month, day) <= (4, 9):
            return year + 639
        if (month, day) >= (4, 21):
            return year + 638
        raise CellError(
            value,
            _(
                "'{text}' has a year of the Myanmar era, whose year begins at Thingyan (the water festival in mid-April): "
                "for a day from 10 to 20 April the Common Era year cannot be told."
            ).format(text=text),
            _("Type the date with its Common Era year, e.g. 2023-04-18."),
        )
    if era is None and 1300 <= year < 1500:
        raise CellError(
            value,
            _(
                "'{text}' has the year {year}, which cannot be right for a training (is it a year of the Myanmar era?)."
            ).format(text=text, year=year),
            _("Type the Common Era year (e.g. 2023); for a Myanmar-era year write ME before it (ME {year}).").format(
                year=year
            ),
        )
    return year


def _full_year(y: str, value: Any, text: str) -> int:
    if len(y) == 2:
        raise CellError(
            value,
            _("'{text}' has a two-digit year, which is ambiguous (20{y}? 19{y}? a Buddhist-era year?).").format(
                text=text, y=y
            ),
            _("Type the full year, e.g. 2023 or 2566."),
        )
    return int(y)


def _date_cell(d: _dt.date, value: Any) -> _dt.date:
    """A date from a date cell: a Buddhist-era year (2400 or more, as Excel with Thai settings
    stores 18/4/2566) is converted like typed text; a year tip_eval cannot hold is refused.
    """
    if d.year >= 2400:
        try:
            d = d.replace(year=d.year - 543)
        except ValueError:  # 29 February of a year that is not a leap year once converted
            raise CellError(
                value,
                _("{value} is not a real date once its Buddhist-era year is converted ({year} B.E. = {ce}).").format(
                    value=_to_text(value), year=d.year, ce=d.year - 543
                ),
                _("Correct the day."),
            ) from None
    return d


def _month(name: str) -> int | None:
    """The month a name means (any language of :data:`_MONTHS`; Burmese also with its ``လ``, "month")."""
    key = name.casefold().replace(".", "")
    return _MONTHS.get(key) or (_MONTHS.get(key[:-1]) if key.endswith("လ") else None)


def parse_date(value: Any, *, date1904: bool = False, dayfirst: bool = True) -> _dt.date | None:
    """Read a cell as a calendar date; return None for an empty cell, raise :class:`CellError` otherwise.

    Accepted:

    * dates and datetimes from the workbook (the time of day is dropped), pandas Timestamps; a date
      cell whose year is 2400 or more holds a Buddhist-era year (Excel with Thai settings stores
      18/4/2566 so) and is converted like text;
    * Excel serial numbers: the 1900 system (Windows default; serial 60 is Excel's non-existent
      1900-02-29 and is refused) or, with ``date1904=True`` (a workbook setting, see
      ``RawTable.date1904``), the 1904 system; a fraction (time of day) is dropped;
    * ISO text ``2023-04-05`` (also with ``/`` or ``.``, and with a time after it), and ``20230405``;
    * numeric text read day first by default: ``5/4/2023``, ``05.04.2023``, ``5-4-2023`` are
      5 April 2023 (``dayfirst=False`` reads month first). Impossible combinations are refused,
      never swapped: with day first, ``4/25/2023`` is refused (there is no month 25);
    * month names in English, Indonesian, Thai, Khmer, Lao and Burmese, full or abbreviated, day
      first, month first or year first (as Burmese writes it): ``5 April 2023``, ``April 5, 2023``,
      ``05-Apr-2023``, ``5 เม.ย. 2566``, ``5 Mei 2023``, ``18 ເມສາ 2023``, ``2023 ဧပြီ 18``; the words
      for day, month and year around them are ignored (``ថ្ងៃទី១៨ ខែមេសា ឆ្នាំ២០២៣``, ``tanggal 18 April
      2023``, ``၂၀၂၃ ခုနှစ်၊ ဧပြီလ ၁၈ ရက်``);
    * Buddhist-era years as Thailand and Laos count them: a year of 2400 or more is B.E. and has 543
      subtracted (``2566`` -> 2023); a ``พ.ศ.``, ``ພ.ສ.`` or ``B.E.`` marker before the year is
      accepted, and a Common Era marker (``ค.ศ.``, ``ຄ.ສ.``, ``គ.ស.``, ``ခရစ်နှစ်``, ``C.E.``, ``A.D.``)
      keeps the year as written;
    * the Buddhist era as Cambodia and Myanmar count it, marked ``ព.ស.``/``ពុទ្ធសករាជ`` or
      ``သာသနာနှစ်``: 544 years ahead, its year starting at the full moon of Visakha, so a day in
      January to March has 543 subtracted, a day in July to December 544, and a day in April to June
      (when the lunar date decides) is refused;
    * the Myanmar era, marked ``ME``, ``မြန်မာသက္ကရာဇ်`` or ``ကောဇာ``: 638 added from Thingyan (21 April
      on) and 639 up to 9 April; a day from 10 to 20 April is refused. An unmarked year from 1300 to
      1499 is refused with a hint to mark it.

    Two-digit years are refused as ambiguous. Thai, Khmer and other digits are accepted.
    Text in :data:`DEFAULT_MISSING` is an empty cell.

    Raises
    ------
    CellError
        With ``reason`` and ``fix``; use :meth:`CellError.problem` to locate it.
    """
    if _is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        raise CellError(
            value,
            _("{value} is a yes/no value, not a date.").format(value=_to_text(value)),
            _("Type the date, e.g. 2023-04-05."),
        )
    if isinstance(value, pd.Timestamp):
        return _date_cell(value.date(), value)
    if isinstance(value, np.datetime64):
        return _date_cell(pd.Timestamp(value).date(), value)
    if isinstance(value, _dt.datetime):
        return _date_cell(value.date(), value)
    if isinstance(value, _dt.date):
        return _date_cell(value, value)
    if isinstance(value, (_dt.time, _dt.timedelta)):
        raise CellError(value, _("a time of day is not a date."), _("Type the date, e.g. 2023-04-05."))
    if isinstance(value, numbers.Real):
        return _serial_to_date(float(value), date1904, value)
    text = normalize_text(value)
    if text is None:
        return None
    if normalize_header(text) in _missing_keys(DEFAULT_MISSING):
        return None
    era = None
    s = text
    for marker, name in _ERAS:
        s, found = marker.subn("", s)
        if found:
            era = name
    s = " ".join(_DATE_WORDS.sub(" ", s).split())
    m = _ISO.fullmatch(s)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value, text, None, era)
    m = _COMPACT.fullmatch(s)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value, text, None, era)
    m = _NUMERIC.fullmatch(s)
    if m:
        a, b, y = int(m[1]), int(m[2]), _full_year(m[3], value, text)
        day, month = (a, b) if dayfirst else (b, a)
        return _make_date(y, month, day, value, text, dayfirst, era)
    for pattern, order in ((_WORDS_DMY, "dmy"), (_WORDS_MDY, "mdy"), (_WORDS_YMD, "ymd")):
        m = pattern.fullmatch(s)
        if m:
            if order == "dmy":
                day_s, name, year_s = m[1], m[2], m[3]
            elif order == "mdy":
                name, day_s, year_s = m[1], m[2], m[3]
            else:
                year_s, name, day_s = m[1], m[2], m[3]
            month = _month(name)
            if month is None:
                continue
            return _make_date(_full_year(year_s, value, text), month, int(day_s), value, text, None, era)
    raise CellError(
        value,
        _("'{text}' is not a date tip_eval can read.").format(text=text),
        _("Type the date as yyyy-mm-dd (e.g. 2023-04-05) or dd/mm/yyyy, or format the cell as a date in Excel."),
    )


# ---------------------------------------------------------------------------------------- frames


def _normalized_uniques(uniques: np.ndarray) -> tuple[np.ndarray, bool]:
    """Normalised text of each distinct value (non-text values kept); and whether any changed."""
    out = np.empty(len(uniques) + 1, dtype=object)  # last slot: for pandas' missing code -1
    changed = False
    for i, u in enumerate(uniques):
        if isinstance(u, str):
            n = _normalize_str(u)
            if n != u:
                changed = True
            out[i] = n
        else:
            out[i] = u
    out[-1] = None
    return out, changed


def normalize_column(column: pd.Series) -> pd.Series:
    """:func:`normalize_text` applied to the text cells of one column (other values kept).

    The normaliser runs once per distinct value, not once per cell. Numeric and datetime columns
    are returned unchanged.
    """
    if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
        return column
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values, changed = _normalized_uniques(np.asarray(uniques, dtype=object))
    if not changed:
        return column
    new = values[codes]
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return pd.Series(new, index=column.index, name=column.name, dtype=column.dtype)
    return pd.Series(new, index=column.index, name=column.name, dtype=object)


def clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with :func:`normalize_text` applied to every text cell.

    Numbers, dates and booleans are kept as they are; text that becomes empty becomes missing
    (None/NA). Column names are not changed. The work is done once per distinct value of each
    column, so a sheet with 100,000 rows and few distinct labels cleans quickly.
    """
    out = {}
    for i in range(frame.shape[1]):
        out[i] = normalize_column(frame.iloc[:, i])
    result = pd.DataFrame(out, index=frame.index)
    result.columns = frame.columns
    return result
