"""Group codes for vectorised per-group statistics.

The grouped functions of this package never loop over groups: they turn the grouping columns into
one integer code per row (0 .. n_groups - 1) and aggregate with :func:`numpy.bincount` and friends.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd


def normalise_by(by: Any) -> list[Hashable]:
    """Return ``by`` as a list of column names (``None`` or ``[]`` give an empty list)."""
    if by is None:
        return []
    if isinstance(by, (list, tuple)):
        return list(by)
    return [by]


def check_columns(frame: pd.DataFrame, columns: Sequence[Hashable], argument: str) -> None:
    """Raise ``KeyError`` naming the argument and the missing columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(repr(c) for c in frame.columns)
        raise KeyError(
            f"`{argument}` names column(s) {missing!r} that are not in the frame; available columns: {available}."
        )


def group_codes(frame: pd.DataFrame, by: Any) -> tuple[np.ndarray, pd.Index]:
    """Integer group code per row and the index of the groups, in sorted key order.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data.
    by : column name, list of column names, or None
        Grouping columns. ``None`` (or ``[]``) puts every row in one group.

    Returns
    -------
    codes : numpy.ndarray of int64, one per row
        ``codes[i]`` is the position of row ``i``'s group in ``index``.
    index : pandas.Index
        The group keys, sorted: an ``Index`` named after the column for one key, a ``MultiIndex``
        for several, a one-element ``RangeIndex`` for ``by=None``. Missing keys form their own
        group (``dropna=False``); unused categories of a categorical key are left out
        (``observed=True``).
    """
    keys = normalise_by(by)
    if not keys:
        return np.zeros(len(frame), dtype=np.int64), pd.RangeIndex(1)
    check_columns(frame, keys, "by")
    # one key alone, not a list of one: pandas then labels the groups by the value, not a 1-tuple.
    # pandas-stubs accept only a scalar as one column label; pandas accepts any hashable label.
    grouped = frame.groupby(
        keys if len(keys) > 1 else keys[0],  # type: ignore[arg-type]
        sort=True,
        dropna=False,
        observed=True,
    )
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    index = grouped.size().index
    return codes, index
