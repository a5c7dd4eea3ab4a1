"""Typed canonical columns from raw cells: numbers, dates, booleans, identifiers and vocabularies.

Every cell goes through the one normaliser (:mod:`tip_eval.io.clean`) and then through the parser of
its column's type. A value that cannot be understood becomes a located problem (file, sheet, row,
column as written, the value, what was expected and how to fix it) and its row is set aside; nothing
is silently turned into a missing value. Parsing works on unique values, so large sheets stay fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from tip_eval import vocab
from tip_eval.i18n import N_, _
from tip_eval.io import clean
from tip_eval.io.phases import lookup_phase
from tip_eval.io.text import _to_text
from tip_eval.problems import Problem

ID_COLUMNS = {"training_id", "participant_id", "item_id", "competency_id", "interview_id", "code_id", "coder"}
UPPER_ID_COLUMNS = {"participant_id"}
VOCAB_COLUMNS = {"country": "country", "sector": "sector", "gender": "gender", "phase": "phase", "language": "language"}
FLOAT_COLUMNS = {"years_experience", "points", "score", "max_score", "pct", "cost", "delayed_test_months"}
INT_COLUMNS = {"n_options", "level", "year"}
DATE_COLUMNS = {"start_date", "end_date", "interview_date", "test_date"}
BOOL_COLUMNS = {"applied_practice", "present"}

_TRUE = {"1", "true", "yes", "y", "x", "✓", "ya", "ใช่", "មាន", "បាទ", "ចាស", "benar", "present"}
_FALSE = {"0", "false", "no", "n", "tidak", "ไม่ใช่", "ไม่", "គ្មាន", "ទេ", "salah", "absent"}


#: said of a training's attribute that cannot be used: the cell is left out, not the training
SOFT_WORDS = N_("; the training and its people are kept, without this value")
#: the columns of each table whose bad value is a problem on that cell only (see coerce_frame)
SOFT_COLUMNS: dict[str, frozenset[str]] = {
    "trainings": frozenset(
        {
            "country",
            "province",
            "venue",
            "organiser",
            "start_date",
            "end_date",
            "language",
            "curriculum_version",
            "delayed_test_months",
            "study",
        }
    ),
    # a person's attribute: the person, their answers and ratings are kept; grouped by it, they are
    # counted as "(missing)" and in every other grouping and the overall results as usual
    "participants": frozenset({"sector", "gender", "organisation", "role", "years_experience"}),
    # the date of a test is optional: a date that cannot be read leaves the test without it
    "responses": frozenset({"test_date"}),
    "scores": frozenset({"test_date"}),
}
#: what is said of a soft cell of these columns instead of SOFT_WORDS
SOFT_COLUMN_WORDS: dict[str, str] = {"test_date": N_("; the test is kept, without its date")}
#: what is said of a soft cell of these tables instead of SOFT_WORDS
SOFT_TABLE_WORDS: dict[str, str] = {
    "participants": N_(
        "; the person and their answers are kept, with this value missing (shown as '(missing)' "
        "when results are grouped by it)"
    )
}


def soft_words(table: str | None, column: str) -> str:
    """What is said when a cell of ``table.column`` cannot be used but its row is kept (in the current language)."""
    return _(SOFT_COLUMN_WORDS.get(column) or SOFT_TABLE_WORDS.get(table or "", SOFT_WORDS))


#: the vocabularies as a problem names them ("is not a known sector label")
_KIND_WORDS = {
    "country": N_("country"),
    "sector": N_("sector"),
    "gender": N_("gender"),
    "phase": N_("phase"),
    "language": N_("language"),
    "likert": N_("agreement"),
}


class CellProblem(ValueError):
    """A cell value that cannot be parsed: ``problem`` in plain words and a ``fix``."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


def _is_blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and clean.normalize_text(v) is None


def normalize_id(value: Any, upper: bool = False) -> str | None:
    """Normalise an identifier: the cell normaliser, whole numbers without ``.0``, no inner spaces.

    Policy (documented in the README): leading zeros are kept as written ("007" stays "007"; Excel
    numbers lose them before we see them, so type IDs as text); participant IDs are compared in upper
    case.
    """
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean.normalize_text(str(value))
    if text is None:
        return None
    text = "".join(text.split())
    return text.upper() if upper else text


#: study.toml ``[study]`` keys holding a study's own labels of a vocabulary (see io.config)
OWN_LABELS: dict[str, str] = {"sector": "sectors", "gender": "genders"}


def _parse_vocab(kind: str, column: str, settings: Mapping[str, Any] | None = None) -> Callable[[Any], Any]:
    setting = OWN_LABELS.get(kind)
    own = (
        {vocab.label_key(k): vocab.lookup(kind, v) for k, v in dict((settings or {}).get(setting) or {}).items()}
        if setting
        else {}
    )

    def parse(v: Any) -> Any:
        text = clean.normalize_text(str(v)) if isinstance(v, str) else v
        code = own.get(vocab.label_key(text)) if own and text is not None else None
        if code is None:
            code = vocab.lookup(kind, text)
        if code is None:
            hints = vocab.closest(kind, str(v))
            shown = _to_text(v)
            fix = _("Use a listed value; closest known: {hints}.").format(hints="; ".join(hints))
            if setting:
                fix = _(
                    "Correct the cell to a listed value (closest known: {hints}), or, if '{value}' is your own "
                    "name for one of them, say which in study.toml under [study], e.g. {example}."
                ).format(hints="; ".join(hints), value=shown, example=f'{setting} = {{ "{shown}" = "other" }}')
            raise CellProblem(
                _("{column} '{value}' is not a known {kind} label").format(
                    column=column, value=shown, kind=_(_KIND_WORDS.get(kind, kind))
                ),
                fix,
            )
        return code

    return parse


def _parse_phase(settings: Mapping[str, Any]) -> Callable[[Any], Any]:
    def parse(v: Any) -> Any:
        code = lookup_phase(v, settings)
        if code is None:
            # the nearest label of each phase, so that a test taken months later is not made the post-test
            hints = vocab.closest("phase", str(v), n=3)
            near = next((h.rsplit("(= ", 1)[1].rstrip(")") for h in hints if "(= " in h), "delayed")
            text = _to_text(v)
            raise CellProblem(
                _(
                    "phase '{value}' is not a known phase label (phases: pre-test, post-test, and delayed post-test: a "
                    "retention test taken weeks or months after the training)"
                ).format(value=text),
                _(
                    "Use a phase label; closest known: {hints}. If '{value}' is your own name for one of the tests, say "
                    "which in study.toml under [study], e.g. {example}."
                ).format(hints="; ".join(hints), value=text, example=f'phases = {{ "{text}" = "{near}" }}'),
            )
        return code

    return parse


def _parse_float(column: str, settings: Mapping[str, Any]) -> Callable[[Any], Any]:
    thousands = settings.get("thousands", ",")
    decimal = settings.get("decimal", ".")

    def parse(v: Any) -> Any:
        try:
            return clean.parse_number(v, thousands=thousands, decimal=decimal)
        except (ValueError, TypeError) as err:
            raise CellProblem(
                _("{column} '{value}' is not a number ({reason})").format(column=column, value=v, reason=_reason(err)),
                _("Type a plain number, such as 12 or 12.5."),
            ) from None

    return parse


def _reason(err: Exception) -> str:
    return getattr(err, "reason", None) or getattr(err, "problem", None) or str(err)


def _parse_int(column: str, settings: Mapping[str, Any]) -> Callable[[Any], Any]:
    as_float = _parse_float(column, settings)

    def parse(v: Any) -> Any:
        x = as_float(v)
        if x is None:
            return None
        if not float(x).is_integer():
            raise CellProblem(
                _("{column} '{value}' is not a whole number").format(column=column, value=_to_text(v)),
                _("Type a whole number."),
            )
        return int(x)

    return parse


_NUMBERED_LABEL = re.compile(r"^([1-5])\s*[-–:.)]\s*(\S.*)$")


def _parse_rating(v: Any) -> Any:
    text = clean.normalize_text(str(v)) if isinstance(v, str) else None
    code = vocab.lookup("likert", text) if isinstance(v, str) else vocab.lookup("likert", v)
    if code is None and isinstance(v, (int, float)) and float(v).is_integer():
        code = vocab.lookup("likert", str(int(v)))
    if code is None and text is not None:  # a choice label such as "5 - Strongly agree" (KoboToolbox)
        m = _NUMBERED_LABEL.match(text)
        if m:
            said = vocab.lookup("likert", m.group(2))
            if said is None or said == int(m.group(1)):
                code = int(m.group(1))
            else:
                raise CellProblem(
                    _("rating '{value}' says both {number} and '{label}' (= {said})").format(
                        value=v, number=m.group(1), label=m.group(2), said=said
                    ),
                    _("Use one rating from 1 to 5."),
                )
    if code is None:
        raise CellProblem(
            _("rating '{value}' is not a 1-5 rating or a known agreement label").format(value=_to_text(v)),
            _("Use 1 to 5 or a label such as 'Agree'; closest known: {hints}.").format(
                hints="; ".join(vocab.closest("likert", str(v)))
            ),
        )
    return code


def _parse_date(column: str, settings: Mapping[str, Any]) -> Callable[[Any], Any]:
    def parse(v: Any) -> Any:
        try:
            d = clean.parse_date(
                v, date1904=bool(settings.get("_date1904", False)), dayfirst=bool(settings.get("dayfirst", True))
            )
        except (ValueError, TypeError, OverflowError) as err:
            raise CellProblem(
                _("{column} '{value}' is not a date ({reason})").format(column=column, value=v, reason=_reason(err)),
                _("Type the date as 2023-04-18 or 18/04/2023."),
            ) from None
        if d is None:
            return None
        if not 1900 <= d.year <= 2200:  # outside what a date column holds (and pandas can represent)
            raise CellProblem(
                _("{column} '{value}' has the year {year}, which cannot be right").format(
                    column=column, value=v, year=d.year
                ),
                _("Correct the year (Buddhist-era years such as 2566 are read as 2023)."),
            )
        return pd.Timestamp(d)

    return parse


def _parse_bool(column: str) -> Callable[[Any], Any]:
    def parse(v: Any) -> Any:
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        key = vocab.label_key(v)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise CellProblem(
            _("{column} '{value}' is not yes/no").format(column=column, value=v), _("Use 1 or 0 (or yes/no).")
        )

    return parse


def _parse_module(v: Any) -> Any:
    key = vocab.label_key(v)
    for code, words in vocab.MODULES.items():
        if key in (vocab.label_key(code), vocab.label_key(words)):
            return code
    raise CellProblem(
        _("module '{value}' is not a curriculum module").format(value=v),
        _("Use one of: {values}.").format(values=", ".join(vocab.MODULES)),
    )


def _parse_text(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return clean.normalize_text(str(v))


def parser_for(column: str, settings: Mapping[str, Any]) -> Callable[[Any], Any]:
    """Return the cell parser of a canonical column (raises CellProblem on a bad value)."""
    if column in ID_COLUMNS:
        upper = column in UPPER_ID_COLUMNS and settings.get("id_case", "upper") == "upper"
        return lambda v: normalize_id(v, upper=upper)
    if column == "phase":
        return _parse_phase(settings)
    if column in VOCAB_COLUMNS:
        return _parse_vocab(VOCAB_COLUMNS[column], column, settings)
    if column == "province":
        return lambda v: vocab.lookup("province", v) or clean.normalize_text(str(v))
    if column == "rating":
        return _parse_rating
    if column == "module":
        return _parse_module
    if column in FLOAT_COLUMNS:
        return _parse_float(column, settings)
    if column in INT_COLUMNS:
        return _parse_int(column, settings)
    if column in DATE_COLUMNS:
        return _parse_date(column, settings)
    if column in BOOL_COLUMNS:
        return _parse_bool(column)
    if column == "correct_answer" or column == "answer":
        return lambda v: normalize_id(v) if not _is_blank(v) else None
    return _parse_text


def coerce_frame(
    frame: pd.DataFrame,
    headers: Mapping[tuple, Mapping[str, str]],
    settings: Mapping[str, Any] | None = None,
    soft: frozenset[str] | set[str] = frozenset(),
    table: str | None = None,
    dictionary: frozenset[str] | set[str] = frozenset(),
) -> tuple[pd.DataFrame, list[Problem], np.ndarray]:
    """Parse every canonical column of ``frame``; return (parsed frame, problems, rows with an error).

    ``frame`` holds raw cells in canonical columns plus provenance ``_file, _sheet, _row`` (and
    optionally ``_col``, the header of a melted wide column). Blank cells become missing values (the
    schema then decides whether a value was required). A value of a column in ``soft`` that cannot
    be read is a located problem too, but only that cell becomes missing: the row is kept (a
    training's wrong date must not set aside its people; ``table`` names the table for the words).
    A column in ``dictionary`` whose schema type is text is given as a categorical of that text (a
    small code per row; :data:`tip_eval.io.compact.DICTIONARY_COLUMNS`), with the same values.
    """
    settings = dict(settings or {})
    target = _schema_types(table)
    out = frame.copy(deep=False)  # columns are replaced whole (copy-on-write keeps ``frame`` as it was)
    bad = np.zeros(len(frame), dtype=bool)
    problems: list[Problem] = []
    for column in [c for c in frame.columns if not c.startswith("_")]:
        parse = parser_for(column, settings)
        values = frame[column]
        fast = _distinct_codes(values)
        if fast is not None:  # one type of value: pandas' factorize finds the distinct values
            codes, uniques = fast
            parsed_u = np.empty(len(uniques) + 1, dtype=object)  # the last slot is for missing cells (code -1)
            failed_at: dict[int, CellProblem] = {}
            for j, v in enumerate(uniques):
                if _is_blank(v):
                    continue
                try:
                    parsed_u[j] = parse(v)
                except CellProblem as err:
                    failed_at[j] = err
            typed = _typed_column(target.get(column), parsed_u, codes, frame.index, coded=column in dictionary)
            out[column] = typed if typed is not None else pd.Series(parsed_u[codes], index=frame.index, dtype=object)
            del typed
            failed: dict[Any, CellProblem] = failed_at
            keys: Any = codes
            failed_rows = np.flatnonzero(np.isin(codes, list(failed))) if failed else []
        else:
            parsed: dict[Any, Any] = {}
            failed = {}
            keys = [_hashable(v) for v in values.astype(object)]
            # distinct by type and value: pd.unique would take True for 1.0 and False for 0
            for key, v in dict(zip(keys, values.astype(object))).items():
                if key in parsed or key in failed:
                    continue
                if _is_blank(v):
                    parsed[key] = None
                    continue
                try:
                    parsed[key] = parse(v)
                except CellProblem as err:
                    failed[key] = err
            out[column] = pd.Series([parsed.get(k) for k in keys], index=frame.index, dtype=object)
            failed_rows = [i for i, k in enumerate(keys) if k in failed] if failed else []
        for i in failed_rows:
            err = failed[keys[i]]
            row = frame.iloc[i]
            f, sh = row.get("_file"), row.get("_sheet")
            col_written = (
                row.get("_col")
                if isinstance(row.get("_col"), str) and column in ("answer", "rating", "present", "score")
                else None
            )
            header = col_written or (headers.get((f, sh), {}) or {}).get(column, column)
            r = row.get("_row")
            problems.append(
                Problem(
                    f,
                    sh if isinstance(sh, str) else None,
                    None if r is None or pd.isna(r) else int(r),
                    header,
                    _to_text(values.iloc[i]),
                    err.problem + (soft_words(table, column) if column in soft else ""),
                    err.fix,
                    "error",
                )
            )
            if column in soft:
                out.iat[i, out.columns.get_loc(column)] = None
                if "_softened" not in out.columns:
                    out["_softened"] = None
                prev = out.iat[i, out.columns.get_loc("_softened")]
                out.iat[i, out.columns.get_loc("_softened")] = f"{prev};{column}" if isinstance(prev, str) else column
            else:
                bad[i] = True
    return out, problems, bad


def _schema_types(table: str | None) -> dict[str, Any]:
    """The pandera type of each column of ``table`` that validation converts with the type alone (as
    :func:`tip_eval.validation_checks.coerce_columns` does), or an empty dict (no table named).
    """
    if table is None:
        return {}
    from tip_eval import schemas

    if table not in schemas.TABLES:
        return {}
    return {
        c: col.dtype
        for c, col in schemas.schema(table).columns.items()
        if col.dtype is not None and not col.parsers and not col.regex
    }


def _typed_column(
    dtype: Any, parsed_u: np.ndarray, codes: np.ndarray, index: pd.Index, *, coded: bool = False
) -> pd.Series | None:
    """The parsed column in its schema type (``dtype``), or None to keep it as Python objects.

    The few distinct parsed values are converted by the schema's own conversion (``try_coerce``, as
    validation converts each column) and then spread to every row: the table is held once, in the type
    validation gives it, instead of as one Python object per cell and then again as the validated
    copy. Any failure leaves the column as objects, so that validation sees and describes the values
    exactly as before. ``coded``: a column of text is given as a categorical of its distinct typed
    values (distinct after parsing: two spellings of one identifier are one category).
    """
    if dtype is None or not len(codes):
        return None
    missing = bool((codes < 0).any())
    # the slot for missing cells only when there are some: the conversion sees exactly the column's values
    distinct = parsed_u if missing else parsed_u[:-1]
    try:
        converted = dtype.try_coerce(pd.Series(distinct, dtype=object))
        rows = np.where(codes < 0, len(parsed_u) - 1, codes) if missing else codes
        if isinstance(converted.dtype, np.dtype) and converted.dtype != object:  # numbers, dates
            from tip_eval.scoring import spread  # (with the schemas: not on the path of a bare import)

            return pd.Series(spread(converted.to_numpy(), rows), index=index, dtype=converted.dtype, copy=False)
        if coded and isinstance(converted.dtype, pd.StringDtype):
            return _categorical_text(converted, rows, index)
        return pd.Series(converted.array.take(rows), index=index)
    except Exception:  # noqa: BLE001 - any failure: the column stays as objects (validation names the values)
        return None


def _categorical_text(converted: pd.Series, rows: np.ndarray, index: pd.Index) -> pd.Series:
    """``converted.array.take(rows)`` as a categorical: the distinct values of ``converted`` as its
    categories (missing values coded -1), each row's code spread a part of the rows at a time.
    """
    from tip_eval.scoring import spread

    local, distinct = pd.factorize(converted, use_na_sentinel=True)
    categories = pd.Index(distinct, dtype=converted.dtype)
    # the codes' type that pandas would choose for so many categories (it would copy the codes to it)
    narrow = next(t for t in (np.int8, np.int16, np.int32, np.int64) if len(categories) < np.iinfo(t).max)
    row_codes = spread(local.astype(narrow), rows)
    return pd.Series(pd.Categorical.from_codes(row_codes, categories=categories, validate=False), index=index)


def _distinct_codes(values: pd.Series) -> tuple[np.ndarray, list[Any]] | None:
    """(codes, distinct values as Python objects) when every non-missing cell has one type, else None.

    Then equal values are the same cell content (no True/1.0 or False/0 ambiguity), and pandas'
    factorize finds them without a Python call per cell; missing cells get code -1.
    """
    kind = values.dtype
    if isinstance(kind, pd.CategoricalDtype):  # dictionary-encoded by the loader: its categories are the values
        cats = values.cat.categories
        inferred = pd.api.types.infer_dtype(cats, skipna=True)
        if inferred not in ("string", "floating", "integer", "boolean", "empty"):
            return None
        codes = values.cat.codes.to_numpy()  # int8 to int32 by the number of categories
        return codes.astype(np.int32) if codes.itemsize < 4 else codes, list(cats.tolist())
    if not (
        pd.api.types.is_float_dtype(kind) or pd.api.types.is_string_dtype(kind) or pd.api.types.is_object_dtype(kind)
    ):
        return None
    if pd.api.types.is_object_dtype(kind):
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred not in ("string", "floating", "integer", "boolean", "empty"):
            return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)


def _hashable(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return ("nan",)
    try:
        hash(v)
    except TypeError:
        return repr(v)
    return (type(v).__name__, v)
