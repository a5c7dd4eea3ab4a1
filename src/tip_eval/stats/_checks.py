"""Argument checks shared by the statistics modules.

Every error names the argument, what is allowed and what was given, so that a user reading the
message knows what to change without opening the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd


def check_confidence(confidence: Any, name: str = "confidence") -> float:
    """Return ``confidence`` as a float strictly between 0 and 1, or raise ``ValueError``."""
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}."
        ) from None
    if not 0.0 < value < 1.0:
        raise ValueError(f"`{name}` must be a number strictly between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    return value


def check_choice(value: Any, name: str, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, or raise ``ValueError`` listing the options."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"`{name}` must be one of {options}; got {value!r}.")
    return value


def as_float_array(values: Any, name: str) -> np.ndarray:
    """Convert a 1-D array-like of numbers to a float64 array, missing values as NaN.

    Accepts lists, numpy arrays and pandas Series, including nullable dtypes (``pd.NA`` becomes
    NaN). Text that is not a number raises ``ValueError`` naming the argument.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        if values.ndim != 1:
            raise ValueError(f"`{name}` must be one-dimensional; got an array of shape {values.shape}.")
        return values.astype(np.float64, copy=False)
    if isinstance(values, pd.Series):
        series = values
    elif isinstance(values, pd.Index):
        series = pd.Series(values, copy=False)
    elif isinstance(values, pd.DataFrame):
        raise ValueError(f"`{name}` must be one-dimensional (a list, array or Series); got a DataFrame.")
    else:
        array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim != 1:
            raise ValueError(f"`{name}` must be one-dimensional; got an array of shape {array.shape}.")
        series = pd.Series(array, copy=False)
    try:
        numeric = pd.to_numeric(series, errors="raise")
        return np.asarray(numeric.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must contain numbers (missing values allowed as NaN/None); it holds values that are not numbers."
        ) from None


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` if two arrays that are paired by position differ in length."""
    if len(a) != len(b):
        raise ValueError(
            f"`{name_a}` and `{name_b}` are paired by position and must have the same length; "
            f"got {len(a)} and {len(b)}."
        )


def check_series_alignment(a: Any, b: Any, name_a: str, name_b: str) -> None:
    """Refuse two Series with different indexes: pairing by position would then be silent."""
    if isinstance(a, pd.Series) and isinstance(b, pd.Series) and not a.index.equals(b.index):
        raise ValueError(
            f"`{name_a}` and `{name_b}` are pandas Series with different indexes. They are paired by "
            "position, so align them first (e.g. on participant_id: "
            f"`{name_a}, {name_b} = {name_a}.align({name_b})`)."
        )
