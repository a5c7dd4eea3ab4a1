"""The cells of a large table held once per distinct text while the study is read.

A layout maps each sheet to a frame of raw cells: one Python object per cell. For a long table
(10,000 people's answers: 700,000 rows) those objects are most of a load's memory, and they are
all alive when the tables are joined and parsed. :func:`compact_cells` holds a column whose cells
are all text (or empty) as a categorical of the same strings: one small code per row and each
distinct text once. Parsing (:func:`tip_eval.io.coerce.coerce_frame`) already reads a categorical
once per distinct value, so the parsed tables, the problems and their order do not change.

:func:`join_cells` joins the frames of one table as ``pandas.concat`` does, and :func:`expand_cells`
gives a compacted frame its cells back as Python objects (the rows set aside keep their cells as read).
:func:`compact_names` does the same for the names every row of a joined table repeats (its file,
sheet, phase, training).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["COMPACT_ROWS", "compact_cells", "compact_names", "expand_cells", "join_cells"]

#: a table with at least this many rows in all its sources is compacted (below, the codes cost more
#: time than the memory they save)
COMPACT_ROWS = 20_000


def compact_cells(frame: pd.DataFrame) -> None:
    """Hold each canonical column of Python text (``None`` for an empty cell) as a categorical, in place.

    Columns of provenance (``_file``, ``_row`` ...) and columns holding anything but text and ``None``
    (numbers, dates, ``NaN``) are left as they are: a categorical would lose the difference between
    ``1`` and ``1.0`` or ``None`` and ``NaN``, which parsing and the rows set aside keep.
    """
    for c in frame.columns:
        if c.startswith("_"):
            continue
        if frame[c].dtype != object or not len(frame):
            continue
        cells = frame[c].to_numpy()
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        if not all(isinstance(u, str) for u in uniques):
            continue  # a number, a date, a boolean among the texts: kept as it is
        missing = codes < 0
        if missing.any() and any(v is not None for v in cells[missing]):
            continue  # an empty cell as NaN: kept as it is
        frame[c] = pd.Categorical.from_codes(
            codes, categories=pd.Index(np.asarray(uniques, dtype=object), dtype=object)
        )


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
        codes, uniques = pd.factorize(frame[c], use_na_sentinel=True)  # no Python string per row
        names = np.asarray(uniques, dtype=object)
        if (codes < 0).any() or not all(isinstance(n, str) for n in names):
            continue
        frame[c] = pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))


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


def join_cells(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``pandas.concat(frames, ignore_index=True)`` of frames some of whose columns are compacted.

    A column compacted in every frame stays compacted (the frames' texts joined); a column
    compacted in some frames only is given back as Python objects in those, so that the joined
    column holds the same cells as the frames' columns joined before compaction.
    """
    frames = [f.copy(deep=False) for f in frames]
    names: dict[str, None] = {}
    categories: dict[str, pd.Index] = {}
    for f in frames:
        names.update(dict.fromkeys(f.columns))
    for c in names:
        if c.startswith("_"):
            continue
        have = [f for f in frames if c in f.columns]
        compact = [_is_compact(f[c]) for f in have]
        if not any(compact):
            continue
        if all(compact) and len(have) == len(frames):
            # each frame's codes onto the joined texts: the frames are joined as small integer columns
            joined_cats = pd.Index(
                pd.unique(np.concatenate([np.asarray(f[c].cat.categories, dtype=object) for f in have])),
                dtype=object,
            )
            for f in have:
                recode = np.append(joined_cats.get_indexer(f[c].cat.categories), -1).astype(np.int32)
                codes = f[c].cat.codes.to_numpy()
                f[c] = recode[np.where(codes < 0, len(recode) - 1, codes)]
            categories[c] = joined_cats
        else:
            for f, is_compact in zip(have, compact):
                if is_compact:
                    f[c] = pd.Series(_expanded(f[c]), index=f.index, dtype=object)
    out = pd.concat(frames, ignore_index=True)
    for c, cats in categories.items():
        out[c] = pd.Categorical.from_codes(out[c].to_numpy(), categories=cats)
    return out
