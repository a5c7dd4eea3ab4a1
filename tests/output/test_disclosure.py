"""Small-cell suppression: examples, and properties checked by an independent linear program."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from tip_eval.disclosure import (check_no_identifiers, footnote, identifier_columns, pseudonymise, recoverable_cells,
                                 suppress)


def test_one_small_group_and_its_protector_are_blanked():
    t = pd.DataFrame({"country": ["KHM", "IDN", "THA"], "n": [40, 3, 30], "mean": [11.0, 4.0, 9.0]})
    s = suppress(t, 5)
    assert s["suppressed"].tolist() == [False, True, True]  # THA protects IDN: n = total - 40 otherwise
    assert s["n"].isna().tolist() == [False, True, True]
    assert s.attrs["suppressed_cells"]["n"] == [1, 2]
    assert s.attrs["min_cell"] == 5
    assert t["n"].tolist() == [40, 3, 30]  # input untouched


def test_zero_and_large_groups_stay_and_min_cell_one_changes_nothing():
    t = pd.DataFrame({"g": ["a", "b", "c"], "n": [0, 10, 12], "mean": [np.nan, 1.0, 2.0]})
    assert not suppress(t, 5)["suppressed"].any()
    t2 = pd.DataFrame({"g": ["a", "b"], "n": [1, 2], "mean": [1.0, 2.0]})
    assert not suppress(t2, 1)["suppressed"].any()


def test_gains_group_is_blanked_whole(sample_study):
    from tip_eval.analysis.gains import gains

    g = gains(sample_study, by=["country", "sector"])
    s = suppress(g, 5)
    small = g["n"].between(1, 4)
    assert small.any()
    for col in ("n", "n_pre", "mean_gain", "ci_low", "df", "p_value"):
        assert s.loc[small, col].isna().all()
    assert s.loc[small, "country"].notna().all()  # labels stay so the reader sees the group exists
    shown = s[~s["n"].isna()]
    assert (shown["n"] >= 5).all()
    assert recoverable_cells(s, g) == []


def test_percentages_of_few_people_are_blanked(sample_study):
    from tip_eval.analysis.gains import gains

    g = gains(sample_study)
    s = suppress(g, 5)
    k = g["pct_reliable_declined"] * g["n"] / 100
    assert 0 < round(float(k.iloc[0])) < 5
    assert s["pct_reliable_declined"].isna().all() and s["suppressed"].all()
    assert s["mean_gain"].notna().all()


def test_followup_counts_and_subset_statistics(sample_study):
    from tip_eval.analysis.attrition import attrition
    from tip_eval.analysis.followup import followup_summary

    f = followup_summary(sample_study, by="country")
    s = suppress(f, 5)
    shown = s["n_with_code"].dropna()
    assert not shown.between(1, 4).any()
    blanked = s["n_with_code"].isna() & f["n_with_code"].notna()
    assert s.loc[blanked, "pct_with_code"].isna().all() and s.loc[blanked, "ci_low"].isna().all()
    assert recoverable_cells(s, f) == []
    a = attrition(sample_study, by="training_id")
    sa = suppress(a, 5)
    few = a["n_dropouts"].between(1, 4)
    assert sa.loc[few, "pre_mean_dropouts"].isna().all()
    assert sa.loc[few, "n_dropouts"].notna().all()  # counts of attendance stay
    assert sa.loc[~few & (a["n_dropouts"] >= 5), "pre_mean_dropouts"].notna().all()


def test_bad_arguments_name_the_argument():
    t = pd.DataFrame({"g": ["a"], "n": [3]})
    with pytest.raises(ValueError, match="min_cell"):
        suppress(t, 0)
    with pytest.raises(ValueError, match="n_columns"):
        suppress(pd.DataFrame({"g": ["a"], "x": [1.0]}), 5)
    with pytest.raises(ValueError, match="by"):
        suppress(t, 5, by="nope")


def test_footnote_names_the_threshold():
    assert footnote(3).startswith("<3:") and "fewer than 3 people" in footnote(3)


def test_identifier_columns_and_pseudonyms():
    frame = pd.DataFrame(columns=["participant_id", "Full Name", "email", "organisation", "label", "ชื่อ", "nama",
                                  "role", "phone_number", "online"])
    assert identifier_columns(frame) == ["Full Name", "email", "ชื่อ", "nama", "phone_number"]
    with pytest.raises(ValueError, match="Full Name"):
        check_no_identifiers(frame)
    ok = pd.DataFrame(columns=["participant_id", "organisation", "label"])
    assert check_no_identifiers(ok) is ok
    p = pseudonymise(["Sok  Dara", "sok dara", "Dara Sok"], key="k" * 16)
    assert p[0] == p[1] != p[2] and p[0].startswith("P-") and len(p[0]) == 14
    assert pseudonymise(["Sok Dara"], key="x" * 16)[0] != p[0]  # another key, another pseudonym
    with pytest.raises(ValueError, match="key"):
        pseudonymise(["a"], key="short")


# --- properties ------------------------------------------------------------------------------------


def _pinned(values: np.ndarray, blanked: np.ndarray, facts: list[tuple[np.ndarray, float]]) -> list[int]:
    """Independent audit: blanked cells whose value the shown cells and known totals fix exactly."""
    idx = np.flatnonzero(blanked)
    if not len(idx):
        return []
    pos = {c: i for i, c in enumerate(idx)}
    A, b = [], []
    for members, total in facts:
        row = np.zeros(len(idx))
        rhs = total
        for m in members:
            if m in pos:
                row[pos[m]] = 1
            else:
                rhs -= values[m]
        if row.any():
            A.append(row)
            b.append(rhs)
    out = []
    for c in idx:
        if not A:
            break
        obj = np.zeros(len(idx))
        obj[pos[c]] = 1
        lo = linprog(obj, A_eq=np.array(A), b_eq=np.array(b), bounds=(0, None), method="highs")
        hi = linprog(-obj, A_eq=np.array(A), b_eq=np.array(b), bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        if -hi.fun - lo.fun < 1 - 1e-6 and 0 < values[c]:
            out.append(int(c))
    return out


counts = st.integers(min_value=0, max_value=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(counts, min_size=1, max_size=8), min_cell=st.integers(2, 6))
def test_one_way_table_never_shows_or_reveals_a_small_group(sizes, min_cell):
    t = pd.DataFrame({"group": [f"g{i}" for i in range(len(sizes))], "n": sizes,
                      "mean": np.linspace(1, 2, len(sizes))})
    s = suppress(t, min_cell)
    shown = s["n"].dropna().astype(int)
    assert not shown.between(1, min_cell - 1).any()
    assert s.loc[s["n"].isna(), "mean"].isna().all()
    values = t["n"].to_numpy(dtype=float)
    blanked = s["n"].isna().to_numpy()
    total = values.sum()
    facts = [(np.arange(len(values)), total)] if total == 0 or total >= min_cell else []
    small_blanked = [c for c in _pinned(values, blanked, facts) if values[c] < min_cell]
    assert small_blanked == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), rows=st.integers(2, 3), cols=st.integers(2, 3), min_cell=st.integers(3, 5))
def test_two_way_table_with_published_margins_reveals_no_small_group(data, rows, cols, min_cell):
    sizes = data.draw(st.lists(st.integers(0, 25), min_size=rows * cols, max_size=rows * cols))
    t = pd.DataFrame({"a": np.repeat([f"a{i}" for i in range(rows)], cols),
                      "b": np.tile([f"b{j}" for j in range(cols)], rows), "n": sizes})
    s = suppress(t, min_cell)
    assert not s["n"].dropna().between(1, min_cell - 1).any()
    values = t["n"].to_numpy(dtype=float)
    blanked = s["n"].isna().to_numpy()
    # what a reader knows: the shown cells, and the totals the one-way tables show after their own suppression
    facts = []
    for key in ("a", "b"):
        margin = t.groupby(key, sort=False)["n"].sum().reset_index()
        shown = suppress(margin, min_cell)
        for _, row in shown.dropna(subset=["n"]).iterrows():
            facts.append((np.flatnonzero(t[key].to_numpy() == row[key]), float(row["n"])))
    total = values.sum()
    if total == 0 or total >= min_cell:
        facts.append((np.arange(len(values)), total))
    assert [c for c in _pinned(values, blanked, facts) if values[c] < min_cell] == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), groups=st.integers(1, 5), min_cell=st.integers(3, 5))
def test_counts_and_percentages_of_people_with_a_code(data, groups, min_cell):
    n = data.draw(st.lists(st.integers(0, 20), min_size=groups, max_size=groups))
    k = [data.draw(st.integers(0, m)) for m in n]
    pct = [100 * a / b if b else np.nan for a, b in zip(k, n)]
    t = pd.DataFrame({"country": [f"c{i}" for i in range(groups)], "kind": "code", "code_id": "X", "label": "X",
                      "n_interviewed": n, "n_with_code": k, "pct_with_code": pct, "ci_low": pct, "ci_high": pct})
    s = suppress(t, min_cell)
    # nothing shown describes 1 to min_cell - 1 people: groups, counts, or counts implied by a percentage
    assert not s["n_interviewed"].dropna().between(1, min_cell - 1).any()
    assert not s["n_with_code"].dropna().between(1, min_cell - 1).any()
    implied = (s["pct_with_code"] * s["n_interviewed"] / 100).round()
    assert not implied.dropna().between(1, min_cell - 1).any()
    assert s.loc[s["pct_with_code"].isna(), "ci_low"].isna().all()
    # and no blanked small count can be worked out from the group total
    values = np.array(k, dtype=float)
    blanked = s["n_with_code"].isna().to_numpy()
    total = values.sum()
    facts = [(np.arange(groups), total)] if groups > 1 and (total == 0 or total >= min_cell) else []
    assert [c for c in _pinned(values, blanked, facts) if values[c] < min_cell] == []


@settings(max_examples=200, deadline=None)
@given(data=st.data(), k=st.integers(1, 6))
def test_closed_form_range_of_one_sum_is_the_linear_programme(data, k):
    """A part made of one weighted total of bounded counts is solved without a solver; same answer."""
    from tip_eval.disclosure.cells import _single_sum_range

    a = np.array(data.draw(st.lists(st.sampled_from([1.0, 1.0, 2.0, 0.5]), min_size=k, max_size=k)))
    truth = np.array(data.draw(st.lists(st.integers(0, 30), min_size=k, max_size=k)), dtype=float)
    bounded = data.draw(st.lists(st.booleans(), min_size=k, max_size=k))
    slack = data.draw(st.lists(st.integers(0, 10), min_size=k, max_size=k))
    rows = [np.eye(k)[i] for i in range(k) if bounded[i]]
    rhs = [truth[i] + slack[i] for i in range(k) if bounded[i]]
    prob = {"A_eq": a[None, :], "b_eq": np.array([float(a @ truth)]),
            "A_ub": np.array(rows) if rows else None, "b_ub": np.array(rhs) if rows else None}
    for t in range(k):
        low, high = _single_sum_range(prob, t)
        obj = np.eye(k)[t]
        kw = dict(A_ub=prob["A_ub"], b_ub=prob["b_ub"], A_eq=prob["A_eq"], b_eq=prob["b_eq"], bounds=(0, None),
                  method="highs")
        lo, hi = linprog(obj, **kw), linprog(-obj, **kw)
        assert lo.status == 0 and hi.status == 0
        assert low == pytest.approx(lo.fun, abs=1e-7)
        assert high == pytest.approx(-hi.fun, abs=1e-7)


def test_closed_form_declines_what_it_cannot_solve():
    from tip_eval.disclosure.cells import _single_sum_range

    two_facts = {"A_eq": np.ones((2, 2)), "b_eq": np.array([3.0, 3.0]), "A_ub": None, "b_ub": None}
    mixed_signs = {"A_eq": np.array([[1.0, -1.0]]), "b_eq": np.array([0.0]), "A_ub": None, "b_ub": None}
    linked = {"A_eq": np.ones((1, 2)), "b_eq": np.array([3.0]), "A_ub": np.array([[1.0, -1.0]]),
              "b_ub": np.array([0.0])}
    infeasible = {"A_eq": np.ones((1, 2)), "b_eq": np.array([9.0]), "A_ub": np.eye(2), "b_ub": np.array([1.0, 1.0])}
    for prob in (two_facts, mixed_signs, linked, infeasible):
        assert _single_sum_range(prob, 0) is None


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["x", "y", None, np.nan]), st.sampled_from([1.0, 2.0, np.nan]),
                               st.sampled_from(["p", "q", None])), max_size=25))
def test_group_numbers_are_those_of_groupby_ngroup(rows):
    """The suppression's own group numbering equals pandas' (first appearance, missing as a group)."""
    from tip_eval.disclosure.cells import _group_ids

    frame = pd.DataFrame(rows, columns=["a", "b", "c"]).astype({"a": object, "c": "string"})
    for by in (["a"], ["b"], ["a", "b"], ["c", "a", "b"]):
        keys = frame[by].astype(object).where(frame[by].notna(), "\x00<missing>")
        expected = keys.groupby(by, sort=False, dropna=False).ngroup().to_numpy()
        np.testing.assert_array_equal(_group_ids(frame, by), expected)
