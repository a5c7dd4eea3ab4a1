"""The loader's columns in their schema types: the same values as validation's own conversion, held once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tip_eval import schemas
from tip_eval.io.coerce import coerce_frame
from tip_eval.scoring import factorize_codes
from tip_eval.validation_checks import _maps_to, coerce_columns


def _items(n_options: list) -> pd.DataFrame:
    """An Items sheet as the loader holds it: every cell a Python object."""
    n = len(n_options)
    frame = pd.DataFrame(
        {
            "item_id": [f"q{i}" for i in range(n)],
            "module": ["identification"] * n,
            "text": [None] * n,
            "correct_answer": ["a"] * n,
            "points": [1] * n,
            "n_options": n_options,
            "_file": "bank.xlsx",
            "_sheet": "Items",
            "_row": list(range(2, n + 2)),
        },
        dtype=object,
    )
    return frame


def test_parsed_columns_have_the_schema_types_and_the_values_validation_gives():
    frame = _items([4, None, 4, 5])
    typed, problems, bad = coerce_frame(frame, {}, table="items")
    assert not problems and not bad.any()
    cols = schemas.schema("items").columns
    for c in cols:
        assert typed[c].dtype == cols[c].dtype.type, c
    # the same as the objects converted by validation's own conversion
    objects, _p, _b = coerce_frame(frame, {})
    assert all(objects[c].dtype == object for c in cols)
    pd.testing.assert_frame_equal(typed[list(cols)], coerce_columns("items", objects[list(cols)]))
    assert typed["n_options"].isna().tolist() == [False, True, False, False]
    assert typed["item_id"].tolist() == [f"q{i}" for i in range(4)]
    assert typed["correct_answer"].tolist() == ["a"] * 4 and typed["points"].tolist() == [1.0] * 4


def test_a_column_its_type_cannot_hold_stays_as_objects_for_validation_to_describe():
    typed, _problems, _bad = coerce_frame(_items([4, 1e30]), {}, table="items")
    assert typed["n_options"].dtype == object  # too large for Int64: validation names the value
    assert typed["n_options"].tolist() == [4, int(1e30)]
    assert typed["points"].dtype == np.float64


def test_validation_keeps_a_column_already_of_its_type():
    typed, _p, _b = coerce_frame(_items([4, 4]), {}, table="items")
    frame = typed[list(schemas.schema("items").columns)]
    again = coerce_columns("items", frame)
    assert again is not None
    for c in frame.columns:
        assert again[c].array is frame[c].array or np.shares_memory(again[c].to_numpy(), frame[c].to_numpy()), c


def test_factorize_codes_is_pandas_factorize():
    rng = np.random.default_rng(23)
    cases = [np.array([], dtype=np.int64), np.array([5, -1, 5], dtype=np.int64), np.array([10**9, 3], dtype=np.int64)]
    cases += [rng.integers(0, hi, n).astype(np.int64) for n, hi in [(1, 1), (50, 7), (20_000, 300), (20_000, 20_000)]]
    for values in cases:
        codes, uniques = factorize_codes(values)
        want_codes, want_uniques = pd.factorize(values)
        np.testing.assert_array_equal(codes, want_codes)
        np.testing.assert_array_equal(uniques, want_uniques)
        assert codes.dtype == want_codes.dtype and uniques.dtype == want_uniques.dtype


def test_maps_to_on_arrow_text_is_the_pandas_comparison():
    rng = np.random.default_rng(7)
    people = np.array([f"P{i}" for i in range(60)] + [None], dtype=object)
    trainings = np.array(["T1", "T2", "T3", None], dtype=object)
    registered = pd.Series(rng.choice(trainings, 50), index=pd.Index([f"P{i}" for i in range(50)]), dtype=object)
    for kind in ("str", object):
        values = pd.Series(rng.choice(people, 12_000), dtype=kind)
        target = pd.Series(rng.choice(trainings, 12_000), dtype=kind)
        got = _maps_to(values, registered, target)
        # a person not registered, or a missing training on either side, never matches
        want = [
            isinstance(p, str) and p in registered.index and isinstance(t, str) and registered[p] == t
            for p, t in zip(values.astype(object), target.astype(object))
        ]
        np.testing.assert_array_equal(got, np.array(want))
