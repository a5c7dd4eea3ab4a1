"""Equal cells of a column as read are one Python object, and the same values."""

from __future__ import annotations

import numpy as np

from tip_eval.io.rawtable import _shared_numbers, _shared_texts


def _same_values(got: np.ndarray, want: np.ndarray) -> bool:
    return len(got) == len(want) and all(
        type(a) is type(b) and (a == b or (a != a and b != b)) for a, b in zip(got, want, strict=True)
    )


def test_equal_texts_are_one_object_and_missing_cells_stay_as_read():
    rng = np.random.default_rng(4)
    pool = ["2022-08-23", "Woman", None, "Police officer", float("nan"), "Woman "]
    for n in (0, 1, 2, 7, 300):
        # every text a new object, as a reader makes one per cell
        cells = np.array(
            [
                None if v is None else (v if isinstance(v, float) else "".join(v))
                for v in (pool[i] for i in rng.integers(0, len(pool), n))
            ],
            dtype=object,
        )
        got = _shared_texts(cells.copy())
        assert _same_values(got, cells)
        texts = [v for v in got if isinstance(v, str)]
        assert len({id(v) for v in texts}) == len(set(texts))  # one object per distinct text
        assert all(a is b for a, b in zip(got, cells, strict=True) if not isinstance(a, str))  # None and NaN as read


def test_equal_numbers_are_one_float_of_the_same_value():
    values = np.array([5.0, 3.0, np.nan, 5.0, 1.5, 3.0, np.nan])
    got = _shared_numbers(values)
    assert _same_values(got, values.astype(object))
    assert got[0] is got[3] and got[1] is got[5]
    # -0.0 is not 0.0 to a reader of the cell: such a column is converted cell by cell
    signed = np.array([0.0, -0.0, 0.0])
    assert [str(v) for v in _shared_numbers(signed)] == ["0.0", "-0.0", "0.0"]
