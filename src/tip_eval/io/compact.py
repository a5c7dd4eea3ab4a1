"""A large table's cells held once per distinct text while the study is parsed.

A layout maps each sheet to a frame of raw cells: one Python object per cell. Joined, a long table
(10,000 people's answers: 700,000 rows) is a column of Python objects per canonical column, and
parsing built its own distinct values and codes beside them. :func:`join_cells` joins the sources
with ``pandas.concat`` and then holds each column whose cells are all text (or empty) as a
categorical of the same strings, one column at a time: a small code per row and each distinct text
once. Parsing (:func:`tip_eval.io.coerce.coerce_frame`) reads a categorical once per distinct
value, as it read the texts, so the parsed tables, the problems and their order do not change.

:func:`expand_cells` gives a compacted frame its cells back as Python objects (the rows set aside
keep their cells as read). :func:`compact_names` holds the names every row of a joined table repeats
(its file, sheet, phase, training) in the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tip_eval.io.heap import release_after

__all__ = [
    "COMPACT_ROWS",
    "DICTIONARY_COLUMNS",
    "FACTORIZE_CHUNK",
    "compact_names",
    "decode_text",
    "expand_cells",
    "factorize_in_chunks",
    "join_cells",
]

#: a table of at least this many rows in all its sources is joined compacted (below, plain
#: ``pandas.concat``: the sample study's tables are a few thousand rows)
COMPACT_ROWS = 20_000


#: the identifier columns of a large table held as dictionary codes from their parsing to the end of the load
#: (:func:`tip_eval.io.coerce.coerce_frame`): a categorical of the typed text, a small code per row. As
#: pandas' text, the four identifiers of 6.9 million answers took 530 MB (eight bytes of offset and the
#: characters, per row); as codes they take 55 MB. :func:`decode_text` gives the validated tables their
#: canonical text type once every step of the load is done.
DICTIONARY_COLUMNS: dict[str, frozenset[str]] = {
    "responses": frozenset({"participant_id", "training_id", "item_id", "phase"}),
}


def decode_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with each of ``columns`` that is a categorical of text held as pandas' text type again,
    in place.

    The values are those of ``categories.take(codes)`` (a missing code is a missing value), built by
    Arrow from the codes as they are (no 64-bit copy of the codes, no Python string per row). A column
    is decoded and its codes released before the next is decoded.
    """
    for c in columns:
        if c not in frame.columns:
            continue
        values = frame[c]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            continue
        cats = values.cat.categories
        if not (isinstance(cats.dtype, pd.StringDtype) and cats.dtype.storage == "pyarrow"):
            continue
        import pyarrow as pa

        codes = values.cat.codes.to_numpy()
        missing = codes < 0
        indices = pa.array(codes, mask=missing if missing.any() else None)
        del missing
        text = pa.array(cats.array).take(indices)
        del indices, codes
        frame[c] = pd.Series(pd.array(text, dtype=cats.dtype), index=frame.index, name=c, copy=False)
        del text, values
    return frame


#: columns of mapped rows holding one value for many rows, kept dictionary-encoded: the file, the sheet, the
#: header of a melted column, and the phase and training a test sheet gives every one of its answers
_NAME_COLUMNS = ("_file", "_sheet", "_col", "phase", "training_id")


def compact_names(frame: pd.DataFrame) -> None:
    """Hold the repeated text of a mapped frame (:data:`_NAME_COLUMNS`) once, with a small code per row, in place.

    A long table repeats them on every answer (600,000 times for 10,000 people): as text they took more
    memory than the answers. The values are unchanged (a categorical of the same Python strings, which
    :func:`~tip_eval.io.coerce.coerce_frame` parses once per distinct value); a column with a missing
    value (a CSV file has no sheet) or a value that is not text is left as it is.
    """
    for c in _NAME_COLUMNS:
        if c not in frame.columns or isinstance(frame[c].dtype, pd.CategoricalDtype) or not len(frame):
            continue
        codes, uniques = factorize_in_chunks(frame[c].to_numpy())  # no Python string per row
        names = None if (codes < 0).any() else _text_categorical(codes, uniques)
        if names is not None:
            frame[c] = names


#: :func:`factorize_in_chunks` reads a column this many cells at a time
FACTORIZE_CHUNK = 1 << 18


def factorize_in_chunks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(values, use_na_sentinel=True)`` of an array of Python objects, read in chunks of
    :data:`FACTORIZE_CHUNK` cells.

    The same codes and distinct values (in order of first appearance, missing values coded -1), with the
    memory of one chunk: for a column of text, pandas first copies a pointer to every cell's characters
    (and sizes its table for every cell), which for 6.9 million answers took 160 MB above the column.
    """
    if len(values) <= FACTORIZE_CHUNK or values.dtype != object:
        return pd.factorize(values, use_na_sentinel=True)
    codes = np.empty(len(values), dtype=np.intp)
    starts = range(0, len(values), FACTORIZE_CHUNK)
    distinct = []
    for start in starts:
        local, seen = pd.factorize(values[start : start + FACTORIZE_CHUNK], use_na_sentinel=True)
        codes[start : start + len(local)] = local
        distinct.append(np.asarray(seen, dtype=object))
    common, uniques = pd.factorize(np.concatenate(distinct), use_na_sentinel=True)  # none missing
    first = 0
    for start, seen in zip(starts, distinct):
        lookup = np.append(common[first : first + len(seen)], -1)  # a missing cell (-1) stays -1
        first += len(seen)
        part = codes[start : start + FACTORIZE_CHUNK]
        part[:] = lookup[part]
    return codes, np.asarray(uniques, dtype=object)


def _is_compact(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.dtype == object


def _expanded(values: pd.Series) -> np.ndarray:
    """The cells of a compacted column as Python objects, ``None`` where a cell was empty."""
    codes = values.cat.codes.to_numpy()
    cats = np.append(np.asarray(values.cat.categories, dtype=object), np.array([None], dtype=object))
    return cats[np.where(codes < 0, len(cats) - 1, codes)]


def expand_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose compacted columns hold their cells as Python objects again."""
    out = frame.copy()
    for c in out.columns:
        if not c.startswith("_") and _is_compact(out[c]):
            out[c] = pd.Series(_expanded(out[c]), index=out.index, dtype=object)
    return out


def _compacted(cells: np.ndarray) -> pd.Categorical | None:
    """``cells`` (Python objects) as a categorical of the same strings, or None if they are not all text.

    An empty cell must be ``None``: a ``NaN`` or a number, a date, a boolean among the texts keeps
    the column as it is (a categorical would lose the difference between ``None`` and ``NaN``, or
    ``1`` and ``1.0``, which parsing and the rows set aside keep).
    """
    if not len(cells):
        return None
    codes, uniques = factorize_in_chunks(cells)
    missing = codes < 0
    if missing.any() and any(v is not None for v in cells[missing]):
        return None
    return _text_categorical(codes, uniques)


def _text_categorical(codes: np.ndarray, uniques: object) -> pd.Categorical | None:
    """``pandas.factorize``'s codes and uniques as a categorical of the same Python strings, or None
    when a unique value is not text.
    """
    names = np.asarray(uniques, dtype=object)
    if not all(isinstance(n, str) for n in names):
        return None
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))


def join_cells(frames: Sequence[pd.DataFrame], *, consume: bool = False) -> pd.DataFrame:
    """``pandas.concat(frames, ignore_index=True)``, with the text columns of a large table compacted.

    Below :data:`COMPACT_ROWS` rows in all, exactly ``pandas.concat``. Above, each canonical column
    that the join holds as Python objects is then compacted, one column at a time, when its cells
    are all text (:func:`_compacted`). When the frames have the same columns (every sheet of a
    layout does), each column is joined and compacted before the next is joined
    (:func:`_joined_column`): the same table, without all its cells as objects at once.

    ``consume=True`` (``frames`` a list, which is then emptied): each source's column is released
    as soon as it has been joined, so that the sources and the joined table are not held whole at
    the same time (the caller must hold no other reference to the frames).
    """
    sources = frames if consume and isinstance(frames, list) else list(frames)
    if (
        len(sources) > 1
        and sum(len(f) for f in sources) >= COMPACT_ROWS
        and sources[0].columns.is_unique
        and all(len(f) and f.columns.equals(sources[0].columns) for f in sources)
    ):
        columns = sources[0].columns
        parts = {i: [f[c] for f in sources] for i, c in enumerate(columns)}
        sources.clear()  # each source's cells now live only in ``parts``, released column by column
        joined = {}
        for i, c in enumerate(columns):
            joined[i] = _joined_column(c, parts.pop(i))
            if consume:  # the sources' cells of this column, freed: given back before the next is joined
                release_after(len(joined[i]))
        out = pd.DataFrame(joined, copy=False)
        out.columns = columns
        return out
    out = pd.concat(sources, ignore_index=True) if len(sources) > 1 else sources[0].reset_index(drop=True)
    sources.clear()
    if len(out) < COMPACT_ROWS:
        return out
    for c in out.columns:
        if str(c).startswith("_") or out[c].dtype != object:
            continue
        compact = _compacted(out[c].to_numpy())
        if compact is not None:
            out[c] = compact
        del compact
    return out


def _joined_column(name: object, parts: list[pd.Series]) -> pd.Series:
    """One column of a large table joined from frames with the same columns, compacted as
    :func:`join_cells` compacts it: the join holds one column's cells as objects at a time, not
    the whole table's.
    """
    joined = pd.concat(parts, ignore_index=True)
    if not str(name).startswith("_") and joined.dtype == object:
        compact = _compacted(joined.to_numpy())
        if compact is not None:
            return pd.Series(compact, name=joined.name)
    return joined
