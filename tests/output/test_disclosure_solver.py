"""The disclosure solver's fast paths give exactly the bounds of plain linear programming."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.optimize import linprog

from tip_eval.disclosure.solver import Programme


def _plain(prog: Programme, idx: np.ndarray, coef: np.ndarray) -> tuple[int, float]:
    """(status, minimum) of coef . x[idx] by scipy's linprog on the programme's active rows."""
    c = np.zeros(prog.n)
    np.add.at(c, idx, coef)
    res = linprog(c, bounds=(0, None), method="highs", **prog.matrices())
    return res.status, (float(res.fun) if res.status == 0 else np.nan)


@st.composite
def programmes(draw):
    """A programme stated from a true point, as published counts are: always feasible."""
    n = draw(st.integers(1, 9))
    truth = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), dtype=float)
    rows, coefs, lower, upper, cells = [], [], [], [], []
    for k in range(draw(st.integers(0, 10))):
        members = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=min(n, 5), unique=True))
        kind = draw(st.sampled_from(["count", "count", "count", "total", "relation", "range"]))
        if kind == "relation":  # parts <= whole, or parts == whole
            if len(members) < 2:
                continue
            a = np.array([1.0] * (len(members) - 1) + [-1.0])
            value = float(a @ truth[members])
            eq = draw(st.booleans()) and value == 0
            lo, hi = (0.0, 0.0) if eq else (-np.inf, max(0.0, value))
            if not eq and value > 0:
                continue  # the whole is at least its parts in a true relation
            cell = None
        elif kind == "range":  # a rounded share: a range around the true count
            a = np.ones(len(members))
            value = float(a @ truth[members])
            slack = draw(st.integers(0, 3))
            lo, hi = max(0.0, value - slack), value + draw(st.integers(0, 3))
            cell = None
        else:  # a shown count (or a total of several blocks), weights 1 or 2
            a = np.array(draw(st.lists(st.sampled_from([1.0, 1.0, 2.0]), min_size=len(members), max_size=len(members))))
            value = float(a @ truth[members])
            lo = hi = value
            cell = f"cell{k}"
        rows.append(np.array(members))
        coefs.append(a)
        lower.append(lo)
        upper.append(hi)
        cells.append(cell)
    prog = Programme(n, rows, coefs, np.array(lower, dtype=float), np.array(upper, dtype=float), cells)
    return prog, truth, [c for c in cells if c is not None]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=programmes(), data=st.data())
def test_fast_bounds_equal_plain_linear_programming(case, data):
    prog, truth, cells = case
    for _ in range(data.draw(st.integers(1, 4))):
        # hide some shown cells first, as secondary suppression does between questions
        for cell in data.draw(st.lists(st.sampled_from(cells), max_size=2, unique=True)) if cells else []:
            prog.free(cell)
        idx = np.array(data.draw(st.lists(st.integers(0, prog.n - 1), min_size=1, max_size=4, unique=True)))
        coef = np.array(data.draw(st.lists(st.sampled_from([1.0, -1.0, 2.0]), min_size=len(idx), max_size=len(idx))))
        for sign in (1.0, -1.0):
            status, value, _ = prog.minimise(idx, sign * coef)
            plain_status, plain_value = _plain(prog, idx, sign * coef)
            assert plain_status in (0, 3)  # stated from a true point: never infeasible
            if plain_status == 3:
                assert status == "unbounded" and value == -np.inf
            else:
                assert status == "optimal"
                assert value == pytest.approx(plain_value, abs=1e-6)
        # values seen at remembered points are values the objective can take
        low, high = prog.seen(idx, coef)
        if not np.isnan(low):
            st_lo, lo = _plain(prog, idx, coef)
            st_hi, hi = _plain(prog, idx, -coef)
            assert st_lo == 3 or low >= lo - 1e-6  # 3: no smallest value
            assert st_hi == 3 or high <= -hi + 1e-6
        # the truth is always within the bounds
        true_value = float(coef @ truth[idx])
        assert prog.minimise(idx, coef)[1] <= true_value + 1e-6


def test_a_pinned_count_names_the_cells_that_pin_it():
    # x0 + x1 + x2 = 10 (a total), x1 = 4 and x2 = 5 shown: x0 = 1 exactly, bound by all three
    prog = Programme(
        3,
        [np.array([0, 1, 2]), np.array([1]), np.array([2])],
        [np.ones(3), np.ones(1), np.ones(1)],
        np.array([10.0, 4.0, 5.0]),
        np.array([10.0, 4.0, 5.0]),
        ["total", "b", "c"],
    )
    status, value, cells = prog.minimise(np.array([0]), np.array([1.0]))
    assert (status, value, cells) == ("optimal", 1.0, {"total", "b", "c"})
    prog.free("b")  # hidden: x0 ranges over 0 to 5 now
    assert prog.minimise(np.array([0]), np.array([1.0]))[1] == 0.0
    assert prog.minimise(np.array([0]), np.array([-1.0]))[1] == -5.0


def test_contradicting_facts_are_reported_not_bounded():
    prog = Programme(
        2,
        [np.array([0, 1]), np.array([0]), np.array([1])],
        [np.ones(2), np.ones(1), np.ones(1)],
        np.array([3.0, 2.0, -np.inf]),
        np.array([3.0, 2.0, 0.5]),
        ["total", "a", None],
    )
    assert prog.minimise(np.array([1]), np.array([1.0]))[0] == "infeasible"
