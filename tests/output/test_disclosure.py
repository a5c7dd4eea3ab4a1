"""Small-cell suppression of one table (the plan's engine): examples, and properties checked by an independent linear program."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.optimize import linprog

from tip_eval.disclosure import (
    MARK,
    check_no_identifiers,
    footnote,
    identifier_columns,
    pseudonymise,
    recoverable_cells,
    suppress,
)


def test_one_small_group_and_its_protector_are_blanked():
    t = pd.DataFrame({"country": ["KHM", "IDN", "THA"], "n": [40, 3, 30], "mean": [11.0, 4.0, 9.0]})
    s = suppress(t, 5)
    assert s["suppressed"].tolist() == [False, True, True]  # THA protects IDN: n = total - 40 otherwise
    assert s["n"].isna().tolist() == [False, True, True]
    assert s.attrs["suppressed_cells"]["n"] == [1, 2]
    assert s.attrs["min_cell"] == 5
    assert t["n"].tolist() == [40, 3, 30]  # input untouched


def test_zero_and_large_groups_stay_and_min_cell_below_3_is_refused():
    t = pd.DataFrame({"g": ["a", "b", "c"], "n": [0, 10, 12], "mean": [np.nan, 1.0, 2.0]})
    assert not suppress(t, 5)["suppressed"].any()
    for bad in (0, 1, 2, True, 2.5, "5"):
        with pytest.raises(ValueError, match="min_cell"):
            suppress(t, bad)


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


def test_one_small_competency_does_not_blank_another():
    """Each competency's count is its own cell: 3 people rating one do not hide the 53 rating another."""
    t = pd.DataFrame(
        {
            "competency_id": ["C01", "C02"],
            "competency": ["Identify", "Refer"],
            "n_pre": [53, 3],
            "n_post": [53, 3],
            "n": [53, 3],
            "median_pre": [3.0, 4.0],
            "median_post": [4.0, 4.0],
            "pct_agree_pre": [40.0, 100 / 3],
            "pct_agree_post": [70.0, 200 / 3],
            "rank_biserial": [0.5, 0.2],
            "p_value": [0.01, 0.5],
            "p_adjusted": [0.02, 0.5],
        }
    )
    s = suppress(t, 5)
    assert s.loc[1, ["n", "median_pre", "pct_agree_pre", "rank_biserial"]].isna().all()
    assert s.loc[0, ["n", "median_pre", "pct_agree_pre", "pct_agree_post", "rank_biserial"]].notna().all()
    assert s.loc[0, "n"] == 53


def test_percentages_of_few_people_are_blanked(sample_study):
    from tip_eval.analysis.gains import gains

    g = gains(sample_study)
    s = suppress(g, 5)
    k = g["pct_reliable_declined"] * g["n"] / 100
    assert 0 < round(float(k.iloc[0])) < 5
    assert s["pct_reliable_declined"].isna().all() and s["suppressed"].all()
    assert s["mean_gain"].notna().all()


def test_followup_counts_and_drop_outs(sample_study):
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
    assert few.any()
    # a drop-out count of 1 to 4 is hidden, with the drop-outs' statistics, and cannot be worked out
    assert sa.loc[few, ["n_dropouts", "pre_mean_dropouts", "smd"]].isna().all().all()
    assert not (sa["took_pre"] - sa["matched"] - sa["n_dropouts"]).dropna().ne(0).any()
    assert recoverable_cells(sa, a) == []


def test_means_over_a_hidden_number_of_people_cannot_give_it_back(sample_study):
    """A pre-test mean over n_pre people is a multiple of (100/28)/n_pre: in full it gives n_pre back.

    Shown rounded (with the study's granularity) every n_pre from n upwards stays possible;
    without the granularity such a mean is blanked.
    """
    from tip_eval.analysis.gains import gains
    from tip_eval.disclosure import granularity

    g = gains(sample_study, by="training_id")
    grain = granularity(sample_study)
    step = grain["knowledge"][0]  # 100 / 28: one point of the 28-point test
    assert step == pytest.approx(100 / 28)
    s = suppress(g, 5, granularity=grain)
    hidden = s["n_pre"].isna() & s["n"].notna()
    assert hidden.any()
    rounded = s.attrs["rounded_cells"]["pre_mean"]
    for label in s.index[hidden]:
        n, mean, unit = int(s.at[label, "n"]), float(s.at[label, "pre_mean"]), rounded[label]
        assert mean != g.at[label, "pre_mean"]
        for d in range(n, n + 12):  # every possible number tested has a sum of whole points that rounds to it
            sums = np.arange(0, 28 * d + 1)
            assert (np.abs(sums * step / d - mean) <= unit / 2 + 1e-9).any(), (label, d)
        assert s.at[label, "pre_sd"] != s.at[label, "pre_sd"]  # a standard deviation would: blank
    assert suppress(g, 5).loc[hidden, "pre_mean"].isna().all()


def test_bad_arguments_name_the_argument():
    t = pd.DataFrame({"g": ["a"], "n": [3]})
    with pytest.raises(ValueError, match="min_cell"):
        suppress(t, 0)
    with pytest.raises(ValueError, match="n_columns"):
        suppress(pd.DataFrame({"g": ["a"], "x": [1.0]}), 5)
    with pytest.raises(ValueError, match="by"):
        suppress(t, 5, by="nope")


def test_footnote_is_the_legend_of_the_one_mark():
    assert footnote(3) == f"{MARK} hidden: fewer than 3 people, or could reveal such a group."


def test_identifier_columns_and_pseudonyms():
    frame = pd.DataFrame(
        columns=[
            "participant_id",
            "Full Name",
            "email",
            "organisation",
            "label",
            "ชื่อ",
            "nama",
            "role",
            "phone_number",
            "online",
        ]
    )
    assert identifier_columns(frame) == ["Full Name", "email", "ชื่อ", "nama", "phone_number"]
    with pytest.raises(ValueError, match="Full Name"):
        check_no_identifiers(frame)
    ok = pd.DataFrame(columns=["participant_id", "organisation", "label"])
    assert check_no_identifiers(ok) is ok
    p = pseudonymise(["Sok  Dara", "sok dara", "Dara Sok"], key="k" * 32)
    assert p[0] == p[1] != p[2] and p[0].startswith("P-") and len(p[0]) == 14
    assert pseudonymise(["Sok Dara"], key="x" * 32)[0] != p[0]  # another key, another pseudonym
    for short in ("short", "k" * 31, b"k" * 16):  # as the linking code: at least 32 bytes
        with pytest.raises(ValueError, match="32 bytes"):
            pseudonymise(["a"], key=short)


# --- properties ------------------------------------------------------------------------------------


def _unprotected(
    values: np.ndarray,
    blanked: np.ndarray,
    facts: list[tuple[np.ndarray, float]],
    min_cell: int,
    within: list[tuple[int, int]] = (),
) -> list[int]:
    """Independent audit (plain linprog): blanked counts a reader can narrow to fewer than min_cell values
    while they could be 1 to min_cell - 1 (the plan's rule). ``within``: (count, size) pairs, count <= size."""
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
    A_ub, b_ub = [], []
    for c, size in within:
        if c in pos:
            row = np.zeros(len(idx))
            row[pos[c]] = 1
            rhs = 0.0
            if size in pos:
                row[pos[size]] = -1
            else:
                rhs = values[size]
            A_ub.append(row)
            b_ub.append(rhs)
    out = []
    kw = {
        "A_eq": np.array(A) if A else None,
        "b_eq": np.array(b) if b else None,
        "A_ub": np.array(A_ub) if A_ub else None,
        "b_ub": np.array(b_ub) if b_ub else None,
        "bounds": (0, None),
        "method": "highs",
    }
    for c in idx:
        obj = np.zeros(len(idx))
        obj[pos[c]] = 1
        lo, hi = linprog(obj, **kw), linprog(-obj, **kw)
        assert lo.status == 0 and hi.status in (0, 3)  # 3: unbounded above
        low, high = lo.fun, (-hi.fun if hi.status == 0 else np.inf)
        if high >= 1 - 1e-6 and low <= min_cell - 1 + 1e-6 and high - low < min_cell - 1e-6:
            out.append(int(c))
    return out


counts = st.integers(min_value=0, max_value=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(counts, min_size=1, max_size=8), min_cell=st.integers(3, 6))
def test_one_way_table_never_shows_or_reveals_a_small_group(sizes, min_cell):
    t = pd.DataFrame({"group": [f"g{i}" for i in range(len(sizes))], "n": sizes, "mean": np.linspace(1, 2, len(sizes))})
    s = suppress(t, min_cell)
    shown = s["n"].dropna().astype(int)
    assert not shown.between(1, min_cell - 1).any()
    assert s.loc[s["n"].isna(), "mean"].isna().all()
    values = t["n"].to_numpy(dtype=float)
    blanked = s["n"].isna().to_numpy()
    total = values.sum()
    facts = [(np.arange(len(values)), total)] if total == 0 or total >= min_cell else []
    assert _unprotected(values, blanked, facts, min_cell) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), rows=st.integers(2, 3), cols=st.integers(2, 3), min_cell=st.integers(3, 5))
def test_two_way_table_with_published_margins_reveals_no_small_group(data, rows, cols, min_cell):
    sizes = data.draw(st.lists(st.integers(0, 25), min_size=rows * cols, max_size=rows * cols))
    t = pd.DataFrame(
        {
            "a": np.repeat([f"a{i}" for i in range(rows)], cols),
            "b": np.tile([f"b{j}" for j in range(cols)], rows),
            "n": sizes,
        }
    )
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
    assert _unprotected(values, blanked, facts, min_cell) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), groups=st.integers(1, 5), min_cell=st.integers(3, 5))
def test_counts_and_percentages_of_people_with_a_code(data, groups, min_cell):
    n = data.draw(st.lists(st.integers(0, 20), min_size=groups, max_size=groups))
    k = [data.draw(st.integers(0, m)) for m in n]
    pct = [100 * a / b if b else np.nan for a, b in zip(k, n)]
    t = pd.DataFrame(
        {
            "country": [f"c{i}" for i in range(groups)],
            "kind": "code",
            "code_id": "X",
            "label": "X",
            "n_interviewed": n,
            "n_with_code": k,
            "pct_with_code": pct,
            "ci_low": pct,
            "ci_high": pct,
        }
    )
    s = suppress(t, min_cell)
    # nothing shown describes 1 to min_cell - 1 people: groups, counts, their complements, or counts implied by a percentage
    assert not s["n_interviewed"].dropna().between(1, min_cell - 1).any()
    assert not s["n_with_code"].dropna().between(1, min_cell - 1).any()
    assert not (s["n_interviewed"] - s["n_with_code"]).dropna().between(1, min_cell - 1).any()
    implied = (s["pct_with_code"] * s["n_interviewed"] / 100).round()
    assert not implied.dropna().between(1, min_cell - 1).any()
    assert s.loc[s["pct_with_code"].isna(), "ci_low"].isna().all()
    # and no blanked count (of people with the code, or interviewed) can be narrowed from the totals
    values = np.array(k + n, dtype=float)
    blanked = np.concatenate([s["n_with_code"].isna().to_numpy(), s["n_interviewed"].isna().to_numpy()])
    facts = []
    with_code, interviewed = sum(k), sum(n)

    def shown(count: float) -> bool:  # the overall table shows a total, and the people without the code, when not small
        return count == 0 or count >= min_cell

    if groups > 1 and shown(interviewed):
        facts.append((np.arange(groups, 2 * groups), interviewed))
        if shown(with_code) and shown(interviewed - with_code):
            facts.append((np.arange(groups), with_code))
    within = [(i, groups + i) for i in range(groups)]
    assert _unprotected(values, blanked, facts, min_cell, within) == []
