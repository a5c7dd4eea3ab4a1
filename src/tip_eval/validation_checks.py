"""Schema checks of the canonical tables in plain words: pandera's failures located and explained.

The helpers :func:`tip_eval.validation.check_tables` runs on each table: its schema without the uniqueness
checks (done once, across sources), the failures translated into a problem and a fix a person can act on,
and where each row came from (file, sheet, row).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from tip_eval import schemas
from tip_eval.i18n import _
from tip_eval.problems import (
    Problem,
)
from tip_eval.scoring import SPREAD_ROWS, code_type, spread

# --- translating pandera failures into plain words ---------------------------------------------------


def _words_for_check(check: str, column: str, value: object, table: str) -> tuple[str, str]:
    """What a failed pandera check means for ``column``, and how to fix it, in the current language."""
    s = schemas.schema(table)
    col = s.columns.get(column)
    if check == "not_nullable":
        return (
            _("{column} is empty, but a value is required").format(column=column),
            _("Fill in {column}.").format(column=column),
        )
    if check in ("field_uniqueness", "multiple_fields_uniqueness") or check.startswith("unique"):
        return (
            _("{column} is repeated: each value may appear only once").format(column=column),
            _("Remove the duplicate row or correct the identifier."),
        )
    if check.startswith("str_matches") and column == "currency":
        return (
            _("{column} is not a currency code (three capital letters, ISO 4217)").format(column=column),
            _("Write the code, not a symbol: USD, KHR, THB, IDR, ..."),
        )
    if check.startswith("str_matches"):
        return (
            _(
                "{column} is not a valid identifier (use letters, digits, '-', '_' or '.', starting with a letter "
                "or digit)"
            ).format(column=column),
            _("Remove spaces and other characters from the identifier."),
        )
    if check.startswith("str_length"):
        return (
            _("{column} is too long for an identifier (at most 64 characters)").format(column=column),
            _("Use a shorter identifier."),
        )
    if check.startswith("isin"):
        allowed = []
        if col is not None:
            for c in col.checks:
                if c.name == "isin":
                    allowed = list(c.statistics.get("allowed_values", []))
        shown = ", ".join(map(str, allowed[:12])) + (" ..." if len(allowed) > 12 else "")
        return (
            _("{column} is not an allowed value (allowed: {allowed})").format(column=column, allowed=shown),
            _("Use one of the allowed values (see data_schemas/README.md)."),
        )
    m = re.match(r"(greater_than_or_equal_to|greater_than|less_than_or_equal_to|less_than|in_range)\((.*)\)", check)
    if m:
        bound = m.group(2)
        words = {
            "greater_than_or_equal_to": _("{column} is out of range: it must be at least {bound}"),
            "greater_than": _("{column} is out of range: it must be more than {bound}"),
            "less_than_or_equal_to": _("{column} is out of range: it must be at most {bound}"),
            "less_than": _("{column} is out of range: it must be less than {bound}"),
            "in_range": _("{column} is out of range: it must be within {bound}"),
        }[m.group(1)]
        return words.format(column=column, bound=bound), _("Correct the value.")
    if check == "score_within_max":
        return (_("{column} is more than the maximum score").format(column=column), _("Check the score and max_score."))
    if check == "dates_in_order":
        return (_("{column} is before the start date").format(column=column), _("Check start_date and end_date."))
    if check.startswith("coerce_dtype") or check.startswith("dtype"):
        return (
            _("{column} has the wrong type (expected {type})").format(
                column=column, type=check[check.find("(") + 1 : -1]
            ),
            _("Correct the value."),
        )
    if check == "column_in_dataframe":
        return _("{column} is missing").format(column=column), _("Add a column {column}.").format(column=column)
    return _("{column} failed the check {check}").format(column=column, check=check), _("Correct the value.")


_DF_CHECK_COLUMN = {"score_within_max": "score", "dates_in_order": "end_date"}


@cache
def _schema_without_uniqueness(table: str):
    """The table's pandera schema minus its uniqueness rules.

    Duplicates are found by :func:`check_tables` itself (it keeps the first occurrence and names
    its row), so pandera's own uniqueness checks would only repeat the most expensive work on
    large tables.
    """
    s = schemas.schema(table)
    unique_cols = {c: {"unique": False} for c, col in s.columns.items() if col.unique}
    s = s.update_columns(unique_cols) if unique_cols else copy.deepcopy(s)
    s.unique = None
    return s


def _isin(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """``values.isin(allowed)`` as a boolean array, fast for long text columns.

    pandas' ``isin`` on Arrow-backed text converts every allowed value to a Python object first;
    with a parent table of 100,000 identifiers that dominates the cross-table checks, so text is
    matched with Arrow's hash-based ``is_in`` instead (same result: missing values never match).
    """
    if _coded_text(values) and pd.api.types.is_string_dtype(allowed.dtype):
        # a categorical: its categories are matched, and each row takes its category's answer (a missing
        # value, code -1, takes the last: no match)
        from tip_eval.scoring import spread

        hit = _isin(values.cat.categories.to_series(index=None), allowed)
        return spread(np.append(hit, False), values.cat.codes.to_numpy())
    if (
        len(values) >= 10_000
        and pd.api.types.is_string_dtype(values.dtype)
        and pd.api.types.is_string_dtype(allowed.dtype)
    ):
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            v = pa.array(values, from_pandas=True)
            a = pa.array(allowed, from_pandas=True)
            if isinstance(a, pa.ChunkedArray):
                a = a.combine_chunks()
            if pa.types.is_string(v.type) or pa.types.is_large_string(v.type):
                a = pc.unique(a.cast(v.type)).drop_null()
                return pc.is_in(v, value_set=a).to_numpy(zero_copy_only=False).astype(bool, copy=False)
        except Exception:  # noqa: BLE001 - only a faster route: any surprise falls back to pandas
            pass
    return values.isin(allowed).to_numpy(dtype=bool)


def _coded_text(values: pd.Series) -> bool:
    """Whether ``values`` is a categorical of text (a large table's identifiers while a study loads)."""
    return isinstance(values.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(values.cat.categories.dtype)


def _positions(values: pd.Series, value_set) -> np.ndarray:
    """Each row's position in the Arrow array ``value_set`` (-1: missing, or not in it); a categorical's
    categories are looked up, and each row takes its category's position.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if _coded_text(values):
        from tip_eval.scoring import spread

        cats = pa.array(values.cat.categories.to_numpy(dtype=object), from_pandas=True, type=value_set.type)
        per = pc.fill_null(pc.index_in(cats, value_set=value_set), -1).to_numpy(zero_copy_only=False)
        return spread(np.append(per, -1), values.cat.codes.to_numpy())
    found = pc.index_in(pa.array(values, from_pandas=True).cast(value_set.type), value_set=value_set)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False)


_FAILURE_COLUMNS = ["schema_context", "column", "check", "failure_case", "index"]


def _run_schema(s, frame: pd.DataFrame) -> pd.DataFrame:
    import pandera.errors as pe

    try:
        s.validate(frame, lazy=True)
    except pe.SchemaErrors as err:
        return err.failure_cases.copy()
    return pd.DataFrame(columns=_FAILURE_COLUMNS)


def _maps_to(values: pd.Series, mapping: pd.Series, target: pd.Series) -> np.ndarray:
    """``(values.map(mapping) == target)`` as a boolean array (unmatched values: False), fast for
    long text columns (Arrow's hash lookup instead of pandas' ``map`` and an object comparison).

    Text columns pandas holds in Arrow are used as they are (``pa.array`` of them copies nothing), and
    the comparison is made on small integer codes (the position of each value among the distinct
    mapped values), so that no column of mapped text is made per row.
    """
    if (
        (_coded_text(values) or _coded_text(target))
        and mapping.index.is_unique
        and all(_coded_text(s) or pd.api.types.is_string_dtype(s.dtype) for s in (values, target))
    ):
        # a categorical among them (identifiers held as codes): the same comparison on positions
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            from tip_eval.scoring import spread

            keys = pa.array(mapping.index.to_numpy(dtype=object), from_pandas=True, type=pa.large_string())
            mapped = pa.array(mapping.to_numpy(dtype=object), from_pandas=True, type=pa.large_string())
            distinct = pc.unique(mapped).drop_null()
            to_distinct = pc.fill_null(pc.index_in(mapped, value_set=distinct), -1).to_numpy(zero_copy_only=False)
            got = spread(np.append(to_distinct, -1), _positions(values, keys))  # (-1: the last, no match)
            want = _positions(target, distinct)
            return (got == want) & (want >= 0)
        except Exception:  # noqa: BLE001 - only a faster route: any surprise falls back to pandas
            pass
    if _coded_text(values) or _coded_text(target):  # pandas compares categoricals only of the same categories
        values, target = values.astype(object), target.astype(object)
    if (
        len(values) >= 10_000
        and mapping.index.is_unique
        and pd.api.types.is_string_dtype(values.dtype)
        and pd.api.types.is_string_dtype(target.dtype)
    ):
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            v = pa.array(values, from_pandas=True)
            t = pa.array(target, from_pandas=True)
            keys = pa.array(mapping.index.to_numpy(dtype=object), from_pandas=True, type=v.type)
            mapped = pa.array(mapping.to_numpy(dtype=object), from_pandas=True, type=t.type)
            # a missing mapped or target value matches nothing (as a comparison with it is missing)
            distinct = pc.unique(mapped).drop_null()
            got = pc.take(pc.index_in(mapped, value_set=distinct), pc.index_in(v, value_set=keys))
            want = pc.index_in(t, value_set=distinct)
            return pc.fill_null(pc.equal(got, want), False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
        except Exception:  # noqa: BLE001 - only a faster route: any surprise falls back to pandas
            pass
    return (values.map(mapping) == target).to_numpy(dtype=bool)


def coerce_columns(table: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    """``frame`` with every column converted to its type in the table's schema, or None.

    The conversion is the schema's own (each column's pandera type, ``try_coerce``), so the result
    is what ``schema.coerce_dtype`` gives, without its per-column copies of the schema. None when a
    column is not in the schema or holds a value its type cannot take: the caller then leaves the
    frame to pandera, which names the values.
    """
    columns = schemas.schema(table).columns
    out = {}
    for c in frame.columns:
        col = columns.get(c)
        if col is None or col.dtype is None or col.parsers or col.regex:
            return None
        try:
            out[c] = _coerce_column(col.dtype, frame[c])
        except Exception:  # noqa: BLE001 - any failure to convert: pandera's full run says which values
            return None
    return pd.DataFrame(out, index=frame.index, columns=frame.columns, copy=False)


#: pandera's built-in checks that judge each value on its own
_VALUE_CHECKS = frozenset(
    {
        "equal_to",
        "not_equal_to",
        "greater_than",
        "greater_than_or_equal_to",
        "less_than",
        "less_than_or_equal_to",
        "in_range",
        "isin",
        "notin",
        "str_matches",
        "str_contains",
        "str_startswith",
        "str_endswith",
        "str_length",
    }
)


@cache
def _engine_dtype(dtype):
    """The pandera type of a pandas dtype (``Engine.dtype``, which looks it up anew each time)."""
    from pandera.engines.pandas_engine import Engine

    return Engine.dtype(dtype)


def _coerce_column(dtype, values: pd.Series) -> pd.Series:
    """``dtype.try_coerce(values)``; for a long column of dates held as objects (a test's date on each
    of its answers), converted once per distinct value: dates are converted one by one, and the few
    distinct values then spread back to every row.
    """
    if values.dtype == dtype.type or _coded_as(values, dtype):
        return values  # already of its type (the loader's typed columns): converting would copy it
    if values.dtype == object and len(values) >= 1_000 and "datetime" in str(dtype):
        codes, uniques = pd.factorize(values.to_numpy(), use_na_sentinel=False)
        if len(uniques) * 4 <= len(values):
            converted = dtype.try_coerce(pd.Series(uniques, dtype=object))
            return pd.Series(converted.array.take(codes), index=values.index, name=values.name)
    return dtype.try_coerce(values)


def _coded_as(values: pd.Series, dtype) -> bool:
    """Whether ``values`` is a categorical whose categories are of the pandera type ``dtype`` (a large
    table's identifiers, held as codes while a study loads: :data:`tip_eval.io.compact.DICTIONARY_COLUMNS`).
    """
    return isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.dtype == dtype.type


def _checked_values(values: pd.Series) -> pd.Series:
    """The values the schema's rules judge: a categorical's distinct values in its categories' type (a
    missing value among them if a row has none), which are its rows' values; other columns as they are.
    """
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values
    codes = values.cat.codes.to_numpy()
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)))
    distinct = values.cat.categories[used].to_series(index=None, name=values.name).reset_index(drop=True)
    if (codes < 0).any():
        distinct = pd.concat([distinct, pd.Series([None], dtype=distinct.dtype, name=values.name)], ignore_index=True)
    return distinct


def _check_passes(check, data: pd.Series | pd.DataFrame) -> bool:
    """True when the pandera ``check`` holds for every value of ``data``, computed as pandera does
    (its check function on the data without missing values when the check ignores them).
    """
    if check.element_wise or check.groupby is not None or check._check_fn is None:
        return False
    if isinstance(data, pd.Series) and check.ignore_na and data.hasnans:
        data = data.dropna()
    fn = check._check_fn
    name = getattr(fn, "__name__", None)
    if name is not None and check.is_builtin_check(name):
        fn = check.get_builtin_check_fn(name)  # as Check.__call__ does: the function registered for pandas
    out = fn(data, **check._check_kwargs)
    if isinstance(out, (bool, np.bool_)):
        return bool(out)
    if isinstance(out, pd.DataFrame):
        return bool(out.all(axis=None))
    if isinstance(out, pd.Series):
        return bool(out.all()) and not bool(out.isna().any())
    return False


def schema_holds(table: str, coerced: pd.DataFrame, passed: dict[tuple, set] | None = None) -> bool:
    """True when the table's schema (without its uniqueness rules) finds nothing in ``coerced``.

    ``coerced`` is a frame already converted by :func:`coerce_columns`. Every rule of the schema is
    evaluated with pandera's own check functions, vectorised, without pandera's per-column
    machinery; a rule that judges one value at a time is evaluated once over the distinct values of
    every column it applies to, leaving out those ``passed`` (rule -> values that passed it, shared
    by the tables of one validation and filled here) already holds. False means "not sure":
    something failed, or the schema uses a feature this shortcut does not evaluate; the caller then
    runs pandera itself, so that failures are always described by pandera.
    """
    s = _schema_without_uniqueness(table)
    from pandera.api.checks import Check

    Check.get_backend(coerced)  # registers pandera's check functions for pandas data, as Check.__call__ does
    if (
        s.index is not None
        or s.dtype is not None
        or s.parsers
        or s.add_missing_columns
        or getattr(s, "drop_invalid_rows", False)
        or not coerced.columns.is_unique
    ):
        return False
    names = set(coerced.columns)
    if names - set(s.columns) or any(col.required and c not in names for c, col in s.columns.items()):
        return False  # strict: no other column; every required column present
    for check in s.checks:  # rules on whole rows (dates in order, score within the maximum)
        if not _check_passes(check, coerced):
            return False
    same_rule: dict[tuple, tuple[Any, list[pd.Series]]] = {}
    for c, col in s.columns.items():
        if c not in names:
            continue
        # a categorical's distinct values: the rules look at one value at a time (or at the column's type)
        values = _checked_values(coerced[c])
        if col.unique or col.parsers or col.regex or col.dtype is None:
            return False
        try:
            engine_dtype = _engine_dtype(values.dtype)
        except TypeError:  # a dtype that cannot be a key
            return False
        dtype_ok = col.dtype.check(engine_dtype, values)  # a bool, or one per value
        if not bool(np.all(dtype_ok)):
            return False
        if not col.nullable and values.hasnans:
            return False
        for check in col.checks:
            if check.name in _VALUE_CHECKS:
                # a rule that looks at one value at a time: checked once over every column it applies to
                key = (check.name, repr(check._check_kwargs), check.ignore_na, str(values.dtype))
                same_rule.setdefault(key, (check, []))[1].append(values)
            elif isinstance(coerced[c].dtype, pd.CategoricalDtype) or not _check_passes(check, values):
                return False  # (a rule on the whole column is not judged from a categorical's distinct values)
    for key, (check, parts) in same_rule.items():
        values = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        # its distinct values are enough, and of those the ones no earlier table showed to pass
        seen = passed.setdefault(key, set()) if passed is not None else set()
        new = [v for v in values.unique().tolist() if v not in seen]
        if not new:
            continue
        if not _check_passes(check, pd.Series(new, dtype=values.dtype)):
            return False
        seen.update(new)
    return True


def _schema_failures(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Run the table's pandera schema lazily (without its uniqueness rules); return failure cases.

    When the schema has no rule that looks at whole rows, every rule looks at one value at a time,
    so pandera checks each column's *distinct* values once (a response table repeats each
    participant identifier once per item and phase) and each failure is then reported for every
    row holding that value: the same failure cases, indexed by the rows of ``frame``, at a
    fraction of the cost for large tables.
    """
    s = _schema_without_uniqueness(table)
    if s.checks or len(frame) < 2 or not len(frame.columns):
        return _run_schema(s, frame)
    # the codes are found again for a column that fails (rare), rather than kept for every column: on a
    # large table they took as much memory as the table
    firsts: dict[str, np.ndarray] = {}
    for c in frame.columns:
        k = pd.factorize(frame[c], use_na_sentinel=False)[0]
        firsts[c] = pd.Series(k).drop_duplicates(keep="first").index.to_numpy()
        del k
    m = max(len(f) for f in firsts.values())
    # one row per distinct value of each column; shorter columns repeat their first value (the
    # uniqueness rules are not part of this schema, so repeats change nothing)
    distinct = pd.DataFrame(
        {
            c: frame[c].iloc[firsts[c][np.minimum(np.arange(m), len(firsts[c]) - 1)]].reset_index(drop=True)
            for c in frame.columns
        }
    )
    fc = _run_schema(s, distinct)
    if fc.empty:
        return fc
    at_row = pd.to_numeric(fc["index"], errors="coerce")
    keep = [fc.loc[at_row.isna()]]  # failures of a whole column (no row)
    rows_fc = fc.loc[at_row.notna()]
    for (context, column, check), group in rows_fc.groupby(
        ["schema_context", "column", "check"], sort=False, dropna=False
    ):
        if column not in firsts:
            keep.append(group)
            continue
        pos = pd.to_numeric(group["index"]).astype(int).to_numpy()
        pos = np.unique(pos[pos < len(firsts[column])])
        codes = pd.factorize(frame[column], use_na_sentinel=False)[0]
        failing = codes[firsts[column][pos]]
        rows = np.flatnonzero(np.isin(codes, failing))
        keep.append(
            pd.DataFrame(
                {
                    "schema_context": context,
                    "column": column,
                    "check": check,
                    "failure_case": frame[column].to_numpy(dtype=object)[rows],
                    "index": rows,
                }
            )
        )
    return pd.concat(
        [k[_FAILURE_COLUMNS] if set(_FAILURE_COLUMNS) <= set(k.columns) else k for k in keep], ignore_index=True
    )


def _unique_keys(table: str) -> list[list[str]]:
    model = schemas.TABLES[table]
    keys = []
    unique = getattr(model.Config, "unique", None)
    if unique:
        keys.append(list(unique))
    keys += [[c] for c, col in schemas.schema(table).columns.items() if col.unique]
    return keys


def may_repeat(frame: pd.DataFrame, key: list[str]) -> bool:
    """False when no two rows of ``frame`` hold the same values in ``key`` (missing values equal, as
    ``DataFrame.duplicated`` counts them); True when some may (the caller then asks pandas which).

    ``DataFrame.duplicated`` sizes a hash table for every row of every key column: for 6.9 million
    answers it held 600 MB. Here the rows' values are counted as one number per row
    (:func:`tip_eval.scoring.combined_key`).
    """
    if len(frame) < 100_000 or not key or any(c not in frame.columns for c in key):
        return True  # small tables: pandas' own check is cheap
    from tip_eval.scoring import combined_key

    found = combined_key(frame, key)
    if found is None:
        return True  # too many combinations to count: left to pandas
    combined, size = found
    seen = np.zeros(size, dtype=bool)  # (a flag per possible value, not a 64-bit count)
    seen[combined] = True
    return int(np.count_nonzero(seen)) < len(combined)


def _own_key(table: str) -> str | None:
    """The identifier column of a table that other tables refer to (None for tables without one)."""
    return next((k[0] for k in _unique_keys(table) if len(k) == 1), None)


def _loc(prov: pd.DataFrame, idx: int) -> tuple[str | None, str | None, int | None]:
    if prov is None or idx not in prov.index:
        return None, None, None
    r = prov.loc[idx]
    row = r["_row"]
    return (
        r["_file"],
        r["_sheet"] if isinstance(r["_sheet"], str) else None,
        int(row) if row is not None and not pd.isna(row) else None,
    )


# values melted out of wide sheets (one column per item, competency or code): the header of the
# cell's own column is where to look, and it is kept in the provenance column ``_col``
_MELTED = {"answer", "item_id", "rating", "competency_id", "present", "code_id"}


def _header(
    headers: Mapping[tuple, Mapping[str, str]] | None,
    file: str | None,
    sheet: str | None,
    column: str,
    prov: pd.DataFrame | None = None,
    idx: int | None = None,
) -> str:
    if prov is not None and idx is not None and column in _MELTED and "_col" in prov.columns:
        written = prov.at[idx, "_col"] if idx in prov.index else None
        if isinstance(written, str):
            return written
    if headers:
        h = headers.get((file, sheet)) or {}
        if column in h:
            return h[column]
    return column


def factorized(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's codes and distinct values (missing included, as ``pd.factorize(values,
    use_na_sentinel=False)`` gives them, up to the order of the values).

    A categorical column (the loader holds file and sheet names so) gives its own codes: no Python
    object per row is made. The codes are 32-bit integers while they fit.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        names = np.append(col.cat.categories.to_numpy(dtype=object), np.nan)
        codes = col.cat.codes.to_numpy().astype(code_type(len(names)))
        codes[codes < 0] = len(names) - 1
        return codes, names
    codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=False)
    return codes.astype(code_type(len(uniques))), np.asarray(uniques, dtype=object)


def _count_rows(prov: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows per file and sheet of one table (``_file, _sheet, _table, _n``), for the reconciliation."""
    parts = []
    for c in ("_file", "_sheet"):
        codes, names = factorized(prov[c]) if c in prov.columns else (None, None)
        if codes is None or names is None or pd.isna(names)[codes].all():  # generated tables: one group
            parts.append((np.zeros(len(prov), dtype=np.int64), np.array([None], dtype=object)))
        else:
            parts.append((codes, names))
    (fcodes, files), (scodes, sheets) = parts
    key = fcodes.astype(code_type(len(files) * (len(sheets) + 1)))
    key *= len(sheets) + 1
    key += scodes  # the file and sheet of each row as one number (in place: a table's rows are millions)
    del parts, fcodes, scodes
    found = _groups_in_order(key, len(files) * (len(sheets) + 1))
    if found is None:
        group, first = pd.factorize(key)  # in order of appearance
        n = np.bincount(group, minlength=len(first))
    else:
        first, n = found
    return pd.DataFrame(
        {
            "_file": np.asarray(files, dtype=object)[first // (len(sheets) + 1)],
            "_sheet": np.asarray(sheets, dtype=object)[first % (len(sheets) + 1)],
            "_table": table,
            "_n": n,
        }
    )


#: :func:`_groups_in_order` reads at most this many runs of rows of one file and sheet
_MAX_RUNS = 100_000


def _groups_in_order(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct values of ``key`` (integers from 0 to ``size - 1``) in order of appearance, and how
    many rows hold each: what ``pd.factorize`` and a count give, without a code per row.

    A table's rows come sheet by sheet, so a value is looked for only where the value changes.
    None when the rows change file or sheet more than :data:`_MAX_RUNS` times, or ``size`` is far
    above the number of rows (the caller factorizes them).
    """
    if size > 4 * len(key) + 1024:
        return None
    if not len(key):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    changes = np.flatnonzero(key[1:] != key[:-1]) + 1
    if len(changes) > _MAX_RUNS:
        return None
    starts = np.concatenate([key[:1], key[changes]])
    first = np.fromiter(dict.fromkeys(starts.tolist()), dtype=np.int64)
    n = np.bincount(key, minlength=int(first.max()) + 1)[first]
    return first, n


def _sheet_codes(codes: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code per value, names) of sheet names given as codes into ``names``, anything but text (no
    sheet: a CSV file) as None.
    """
    named = [sh if isinstance(sh, str) else None for sh in names]
    distinct = list(dict.fromkeys(named))
    at = {sh: i for i, sh in enumerate(distinct)}
    return spread(np.asarray([at[sh] for sh in named], dtype=np.int32), codes), np.asarray(distinct, dtype=object)


def _records_per_row(files: pd.Series, sheets: pd.Series, rows: pd.Series) -> dict[tuple, dict[int, int]]:
    """``(file, sheet or None) -> {row: records}`` of one table's records (rows without a number left out).

    Per sheet, not per ``(file, sheet, row)``: the row numbers of a sheet are small integers Python
    already holds, where a key per row is a tuple of its own (80 MB for the rows of 2,000 workbooks).

    Each row's place (file, sheet and row as one number) is made a part of the rows at a time, and
    the places are counted in an array of every possible place when it is small (a sheet's rows are
    few): a table's rows are millions, and a column of 64-bit places, with its sort, several of its
    columns large.
    """
    has_row = rows.notna().to_numpy()
    if not has_row.any():
        return {}
    numbers = pd.to_numeric(rows)
    row_min, row_max = int(numbers.min()), int(numbers.max())
    file_codes, file_names = factorized(files)  # codes of its own, made here
    sheet_codes, sheet_names = _sheet_codes(*factorized(sheets))
    n_rows, n_sheets = row_max - row_min + 1, len(sheet_names)
    size = len(file_names) * n_sheets * n_rows
    counted = np.zeros(size, dtype=np.int64) if size <= len(rows) // 4 + 1_000_000 else None
    parts: list[np.ndarray] = []
    for start in range(0, len(rows), SPREAD_ROWS):
        stop = start + SPREAD_ROWS
        # (file * sheets + sheet) * rows + (row - first row)
        place = file_codes[start:stop].astype(np.int64)
        place *= n_sheets
        place += sheet_codes[start:stop]
        place *= n_rows
        place += numbers.iloc[start:stop].to_numpy(dtype=np.int64, na_value=row_min)
        place -= row_min
        own = has_row[start:stop]
        if not own.all():  # rows without a number: left out
            place = place[own]
        if counted is None:
            parts.append(place)
        elif len(place):  # a part's rows are of a few sheets: counted from its first place on
            low = int(place.min())
            place -= low
            found = np.bincount(place)
            counted[low : low + len(found)] += found
    del file_codes, sheet_codes
    file_names = np.asarray(file_names, dtype=object)
    if counted is not None:
        places = np.flatnonzero(counted)
        counts = counted[places]
    else:
        place = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        del parts
        place.sort()
        starts = np.concatenate([[0], np.flatnonzero(place[1:] != place[:-1]) + 1])
        places, counts = place[starts], np.diff(np.append(starts, len(place)))
        del place
    out: dict[tuple, dict[int, int]] = {}
    for p, n in zip(places.tolist(), counts.tolist()):
        sheet = (file_names[p // n_rows // n_sheets], sheet_names[p // n_rows % n_sheets])
        out.setdefault(sheet, {})[p % n_rows + row_min] = n
    return out


@dataclass
class _Checked:
    kept: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame
    problems: list[Problem]
    reconciliation: pd.DataFrame
    #: where each kept row came from: table -> ``file, sheet, row``, row for row with ``kept[table]``
    provenance: dict[str, pd.DataFrame] = field(default_factory=dict)
