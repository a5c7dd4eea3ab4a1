"""Classical item statistics of a knowledge test, vectorised over items (and groups of people).

Everything works on a **people x items** matrix of item scores in points (rows = people, columns =
items; NaN where an item was not administered to that person). A skipped item that was asked
scores 0 in the canonical tables, so NaN means "not asked", never "wrong".

- difficulty: share of the points obtained (for 0/1 items, the share of people right);
- discrimination: the corrected item-total (item-rest) point-biserial correlation, i.e. the
  Pearson correlation of the item with the total of the *other* items (``r.drop`` in
  ``psych::alpha``, "Excluded" in ``ltm::descript``);
- alpha if the item is deleted;
- learning disaggregation of matched pre/post answers: wrong->right (positive), right->wrong
  (negative), right->right (retained), wrong->wrong (none).

No function loops over items in Python; the grouped versions do not loop over groups either (group
sums are one sparse matrix product).

References
----------
Crocker, L. & Algina, J. (1986). *Introduction to classical and modern test theory*, ch. 14 (item
analysis: difficulty, point-biserial and corrected item-total correlations).
Walstad, W. B. & Wagner, J. (2016). The disaggregation of value-added test scores to assess
learning outcomes in economics courses. *Journal of Economic Education*, 47(2), 121-131.
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika*,
16, 297-334.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

#: columns of :func:`learning_disaggregation`
DISAGGREGATION_COLUMNS: tuple[str, ...] = (
    "n_matched",
    "share_positive",
    "share_negative",
    "share_retained",
    "share_none",
    "item_gain",
)


# --- input handling --------------------------------------------------------------------------------


def _matrix(scores: Any, name: str = "scores") -> tuple[np.ndarray, pd.Index, pd.Index]:
    """A people x items float matrix (NaN = not asked), its item names and its row index."""
    mat: np.ndarray
    items: pd.Index
    rows: pd.Index
    if isinstance(scores, pd.DataFrame):
        try:
            mat = scores.apply(lambda col: pd.to_numeric(col, errors="raise")).to_numpy(
                dtype=np.float64, na_value=np.nan
            )
        except (TypeError, ValueError):
            raise ValueError(f"`{name}` must hold item scores (numbers); some columns do not.") from None
        items, rows = scores.columns, scores.index
    else:
        try:
            mat = np.asarray(scores, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"`{name}` must hold item scores (numbers).") from None
        if mat.ndim != 2:
            raise ValueError(
                f"`{name}` must be two-dimensional (rows = people, columns = items); got shape {mat.shape}."
            )
        items, rows = pd.RangeIndex(mat.shape[1]), pd.RangeIndex(mat.shape[0])
    if np.isinf(mat).any():
        raise ValueError(f"`{name}` must hold finite numbers; it contains infinite values.")
    if (mat < 0).any():
        raise ValueError(f"`{name}` must hold scores of 0 or more points; it contains negative values.")
    return mat, items, rows


def _points(points: Any, k: int, mat: np.ndarray | None = None) -> np.ndarray:
    """Points per item: given, or 1 for every item (then scores must be 0/1)."""
    if points is None:
        if mat is not None and np.nanmax(np.where(np.isnan(mat), 0.0, mat), initial=0.0) > 1.0:
            raise ValueError(
                "`points` is needed when item scores go above 1: give the points of each item "
                "(a number or one per column)."
            )
        return np.ones(k)
    pts = (
        np.broadcast_to(np.asarray(points, dtype=np.float64), (k,)).copy()
        if np.ndim(points) == 0
        else np.asarray(points, dtype=np.float64)
    )
    if pts.shape != (k,):
        raise ValueError(f"`points` must be one number or one per item ({k}); got {pts.shape[0]} values.")
    if not (np.isfinite(pts).all() and (pts > 0).all()):
        raise ValueError("`points` must be positive numbers.")
    return pts


def _codes(groups: Any, n: int) -> tuple[np.ndarray, pd.Index]:
    """Integer group codes (0..G-1) and the sorted group labels; one group when ``groups`` is None."""
    if groups is None:
        return np.zeros(n, dtype=np.int64), pd.RangeIndex(1)
    labels = pd.Series(np.asarray(groups, dtype=object) if not isinstance(groups, pd.Series) else groups.to_numpy())
    if len(labels) != n:
        raise ValueError(f"`groups` must have one label per row ({n}); got {len(labels)}.")
    codes, uniques = pd.factorize(labels, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), pd.Index(uniques, name=getattr(groups, "name", None))


def _group_sum(codes: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    """Column sums of ``values`` (n x k) within groups: a (n_groups x k) array, one sparse product."""
    if n_groups == 1:
        return np.asarray(values.sum(axis=0, keepdims=True))
    from scipy import sparse

    onehot = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes)))
    return np.asarray(onehot @ values)


def _group_count(codes: np.ndarray, n_groups: int, mask: np.ndarray) -> np.ndarray:
    """Column counts of True in ``mask`` (n x k) within groups, as floats: ``_group_sum`` of the mask
    as 0/1 (counted without a float copy when there is one group; sums of 0 and 1 are exact).
    """
    if n_groups == 1:
        return np.asarray(np.count_nonzero(mask, axis=0), dtype=np.float64).reshape(1, -1)
    return _group_sum(codes, n_groups, mask.astype(np.float64))


def _per_row(values: np.ndarray, codes: np.ndarray, n_groups: int, like: np.ndarray) -> np.ndarray:
    """Each row's group's row of ``values`` (n_groups x k), to combine with ``like`` (n x k):
    ``values[codes]``, or the one row to broadcast when there is one group and ``like`` is in C
    order (the same numbers and the same C-ordered result, without an n x k copy).
    """
    return values if n_groups == 1 and like.flags.c_contiguous else values[codes]


def _complete(seen: np.ndarray, *mats: np.ndarray) -> bool:
    """True when every cell is seen and the matrices are C-ordered float64: then ``np.where(seen,
    mat, 0.0)`` is ``mat`` itself (the same numbers in the same layout, so the same sums).
    """
    return all(m.dtype == np.float64 and m.flags.c_contiguous for m in mats) and bool(seen.all())


# --- difficulty and discrimination -----------------------------------------------------------------


def _difficulty_core(
    mat: np.ndarray, pts: np.ndarray, codes: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """(n, difficulty) per group x item."""
    seen = ~np.isnan(mat)
    n = _group_count(codes, n_groups, seen)
    total = _group_sum(codes, n_groups, (mat if _complete(seen, mat) else np.where(seen, mat, 0.0)) / pts[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        return n, np.where(n > 0, total / n, np.nan)


def _rest_correlation_core(mat: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Item-rest Pearson correlation per group x item, pairwise over the people asked the item.

    Two passes (group means, then sums of products of deviations), so no cancellation.
    """
    seen = ~np.isnan(mat)
    complete = _complete(seen, mat)  # then no cell needs setting to 0
    x = mat if complete else np.where(seen, mat, 0.0)
    total = x.sum(axis=1, keepdims=True)  # each person's total over the items they were asked
    rest = total - x if complete else np.where(seen, total - x, 0.0)
    n = _group_count(codes, n_groups, seen)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = _group_sum(codes, n_groups, x) / n
        mr = _group_sum(codes, n_groups, rest) / n
    dx = x - _per_row(mx, codes, n_groups, x)
    dr = rest - _per_row(mr, codes, n_groups, rest)
    if not complete:
        dx, dr = np.where(seen, dx, 0.0), np.where(seen, dr, 0.0)
    sxx = _group_sum(codes, n_groups, dx * dx)
    srr = _group_sum(codes, n_groups, dr * dr)
    sxr = _group_sum(codes, n_groups, dx * dr)
    # relative tolerance: a constant column has sums of squares of rounding size only
    tiny = 1e-12 * np.maximum(1.0, n)
    r: np.ndarray
    with np.errstate(invalid="ignore", divide="ignore"):
        r = sxr / np.sqrt(sxx * srr)
    r[(n < 2) | (sxx <= tiny) | (srr <= tiny)] = np.nan
    return np.asarray(np.clip(r, -1.0, 1.0))


def _alpha_if_deleted_core(mat: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Cronbach's alpha without each item, per group x item, on people asked every item (listwise).

    With item variances :math:`v_j`, total variance :math:`V` and :math:`c_j = Cov(X, x_j)`:
    :math:`\\alpha_{-j} = \\frac{k-1}{k-2}\\left(1 - \\frac{\\sum_i v_i - v_j}{V - 2c_j + v_j}\\right)`.
    """
    k = mat.shape[1]
    complete = ~np.isnan(mat).any(axis=1)
    out = np.full((n_groups, k), np.nan)
    if k < 3 or not complete.any():
        return out
    # (a copy of every row is in C order, so the matrix itself only when it is too)
    x, g = (mat, codes) if complete.all() and mat.flags.c_contiguous else (mat[complete], codes[complete])
    total = x.sum(axis=1, keepdims=True)
    n = _group_sum(g, n_groups, np.ones((len(x), 1)))[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = _group_sum(g, n_groups, x) / n[:, None]
        mt = _group_sum(g, n_groups, total) / n[:, None]
    dx = x - _per_row(mx, g, n_groups, x)
    dt = total - _per_row(mt, g, n_groups, total)
    v = _group_sum(g, n_groups, dx * dx)  # (n-1) * item variances
    vt = _group_sum(g, n_groups, dt * dt)[:, 0]  # (n-1) * total variance
    c = _group_sum(g, n_groups, dx * dt)  # (n-1) * Cov(total, item)
    var_rest = vt[:, None] - 2.0 * c + v
    sum_other = v.sum(axis=1, keepdims=True) - v
    a: np.ndarray
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (k - 1) / (k - 2) * (1.0 - sum_other / var_rest)
    a[(n < 2)[:, None] | ~(var_rest > 1e-12 * np.maximum(1.0, n)[:, None])] = np.nan
    return a


def _wrap(values: np.ndarray, items: pd.Index, groups: pd.Index, grouped: bool, name: str) -> pd.Series | pd.DataFrame:
    if not grouped:
        return pd.Series(values[0], index=items, name=name, dtype=np.float64)
    return pd.DataFrame(values, index=groups, columns=items)


def item_difficulty(scores: Any, points: Any = None, groups: Any = None) -> pd.Series | pd.DataFrame:
    """Item difficulty: the share of the item's points obtained, per item.

    Parameters
    ----------
    scores : pandas.DataFrame or 2-D array-like
        People x items matrix of item scores in points; NaN where the item was not asked.
    points : float or array-like, optional
        Points of each item (one number, or one per column). Default 1 (0/1 items); required when
        any score is above 1.
    groups : array-like, optional
        One group label per row: compute per group, without a loop over groups.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        :math:`p_j = \\frac{1}{n_j}\\sum_i x_{ij} / \\text{points}_j` over the :math:`n_j` people asked
        item j: the share correct for 0/1 items (a higher "difficulty" means an *easier* item, as
        is conventional). A Series indexed by item; with ``groups`` a DataFrame with one row per
        group (sorted) and one column per item. NaN where nobody was asked the item.

    References
    ----------
    Crocker & Algina (1986), section 14.2.
    """
    mat, items, _ = _matrix(scores)
    pts = _points(points, mat.shape[1], mat)
    codes, gindex = _codes(groups, mat.shape[0])
    _, p = _difficulty_core(mat, pts, codes, len(gindex))
    return _wrap(p, items, gindex, groups is not None, "difficulty")


def item_rest_correlation(scores: Any, groups: Any = None) -> pd.Series | pd.DataFrame:
    """Corrected item-total point-biserial correlation (item discrimination), per item.

    Parameters
    ----------
    scores : pandas.DataFrame or 2-D array-like
        People x items matrix of item scores in points; NaN where the item was not asked.
    groups : array-like, optional
        One group label per row: compute within each group, without a loop over groups.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        :math:`r_{j} = \\operatorname{corr}(x_j, X - x_j)`, the Pearson correlation between the item
        score and the rest score (the person's total over the other items asked), over the people
        asked item j. For a 0/1 item this is the point-biserial correlation
        :math:`r_{pb} = \\frac{M_1 - M_0}{s_n}\\sqrt{p q}` of the rest score (Crocker & Algina,
        eq. 14.4), "corrected" because the item is left out of the total it is correlated with
        (it equals ``r.drop`` of R's ``psych::alpha`` and "Excluded" of ``ltm::descript`` on
        complete data). Values near 0 mean the item does not separate stronger from weaker
        candidates; negative values usually mean a wrong answer key or a misleading question.
        NaN with fewer than 2 people, or when the item or the rest score does not vary.

    Notes
    -----
    Missing-data policy: pairwise. Each item uses the people asked it; the rest score is the sum
    over the other items *they* were asked.

    References
    ----------
    Crocker & Algina (1986), section 14.3. Henrysson, S. (1963). Correction of item-total
    correlations in item analysis. Psychometrika, 28, 211-218.
    """
    mat, items, _ = _matrix(scores)
    codes, gindex = _codes(groups, mat.shape[0])
    r = _rest_correlation_core(mat, codes, len(gindex))
    return _wrap(r, items, gindex, groups is not None, "discrimination")


def alpha_if_item_deleted(scores: Any, groups: Any = None) -> pd.Series | pd.DataFrame:
    """Cronbach's alpha of the other items, for each item left out, in one vectorised pass.

    Parameters
    ----------
    scores : pandas.DataFrame or 2-D array-like
        People x items matrix of item scores; NaN where the item was not asked.
    groups : array-like, optional
        One group label per row: compute within each group.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        With :math:`k` items, item variances :math:`v_i`, total-score variance :math:`V` and
        :math:`c_j = \\operatorname{Cov}(X, x_j)`, the alpha of the other :math:`k-1` items is
        :math:`\\alpha_{-j} = \\frac{k-1}{k-2}\\left(1 - \\frac{\\sum_i v_i - v_j}{V - 2c_j + v_j}\\right)`
        (the rest score's variance is :math:`V - 2c_j + v_j`). Same values as
        :func:`tip_eval.stats.alpha_if_deleted`, which refits alpha once per item. NaN with fewer
        than 3 items or 2 people. An item whose removal *raises* alpha lowers the test's
        internal consistency.

    Notes
    -----
    Missing-data policy: listwise, as in :func:`tip_eval.stats.cronbach_alpha`: only people asked
    every item count (within each group).

    References
    ----------
    Cronbach (1951); ``psych::alpha``'s ``alpha.drop`` (Revelle).
    """
    mat, items, _ = _matrix(scores)
    codes, gindex = _codes(groups, mat.shape[0])
    a = _alpha_if_deleted_core(mat, codes, len(gindex))
    return _wrap(a, items, gindex, groups is not None, "alpha_if_deleted")


# --- learning disaggregation -----------------------------------------------------------------------


def _disaggregation_core(
    pre: np.ndarray, post: np.ndarray, pts: np.ndarray, codes: np.ndarray, n_groups: int
) -> dict[str, np.ndarray]:
    both = ~np.isnan(pre) & ~np.isnan(post)
    complete = _complete(both, pre, post)  # then no cell needs setting to 0
    pre0 = pre if complete else np.where(both, pre, 0.0)
    post0 = post if complete else np.where(both, post, 0.0)
    right_pre = both & (pre0 >= pts[None, :])
    right_post = both & (post0 >= pts[None, :])

    def count(m: np.ndarray) -> np.ndarray:
        return _group_count(codes, n_groups, m)

    n = count(both)
    change = (post0 - pre0) / pts[None, :]
    if not complete:
        change = np.where(both, change, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "n_matched": n,
            "share_positive": count(~right_pre & right_post) / n,
            "share_negative": count(right_pre & ~right_post) / n,
            "share_retained": count(right_pre & right_post) / n,
            "share_none": count(both & ~right_pre & ~right_post) / n,
            "item_gain": _group_sum(codes, n_groups, change) / n,
        }
    for key in DISAGGREGATION_COLUMNS[1:]:
        out[key] = np.where(n > 0, out[key], np.nan)
    return out


def learning_disaggregation(pre: Any, post: Any, points: Any = None, groups: Any = None) -> pd.DataFrame:
    """Disaggregate each item's pre/post change among the people who took both tests.

    Parameters
    ----------
    pre, post : pandas.DataFrame or 2-D array-like
        People x items matrices of item scores before and after training, with the **same
        people in the same rows** and the same items in the same columns (DataFrames must have
        equal indexes and columns: align them on participant_id first). NaN where not asked.
    points : float or array-like, optional
        Points of each item (default 1: 0/1 items).
    groups : array-like, optional
        One group label per row: compute within each group.

    Returns
    -------
    pandas.DataFrame
        One row per item (per group and item with ``groups``: a MultiIndex ``(group, item)``):

        - ``n_matched``: people asked the item in both tests;
        - ``share_positive``: wrong before, right after (learned);
        - ``share_negative``: right before, wrong after (unlearned, or guessed right before);
        - ``share_retained``: right both times (already known);
        - ``share_none``: wrong both times (not learned);
        - ``item_gain``: mean change in the share of the item's points,
          :math:`\\frac{1}{n}\\sum_i (post_{ij} - pre_{ij})/\\text{points}_j`; for 0/1 items
          ``share_positive - share_negative``.

        The four shares sum to 1. "Right" means full marks on the item (score >= points), so a
        partly-credited answer counts as wrong in the shares but contributes its part to
        ``item_gain``.

    References
    ----------
    Walstad & Wagner (2016): the four categories of positive, negative, retained and zero
    learning, and why a small net gain can hide much learning offset by guessing.
    """
    a, items, rows_a = _matrix(pre, "pre")
    b, items_b, rows_b = _matrix(post, "post")
    if a.shape != b.shape:
        raise ValueError(
            f"`pre` and `post` must have the same shape (same people, same items); got {a.shape} and {b.shape}."
        )
    if (
        isinstance(pre, pd.DataFrame)
        and isinstance(post, pd.DataFrame)
        and not (pre.index.equals(post.index) and pre.columns.equals(post.columns))
    ):
        raise ValueError(
            "`pre` and `post` are DataFrames with different rows or columns. They are paired by "
            "position, so align them first (e.g. `pre, post = pre.align(post)`)."
        )
    pts = _points(points, a.shape[1], np.where(np.isnan(a), b, a))
    codes, gindex = _codes(groups, a.shape[0])
    res = _disaggregation_core(a, b, pts, codes, len(gindex))
    if groups is None:
        frame = pd.DataFrame({k: v[0] for k, v in res.items()}, index=items)
    else:
        names: list[Hashable] = [gindex.name or "group", items.name or "item"]
        idx = pd.MultiIndex.from_product([gindex, items], names=names)
        frame = pd.DataFrame({k: v.ravel() for k, v in res.items()}, index=idx)
    frame["n_matched"] = frame["n_matched"].round().astype(np.int64)
    return frame[list(DISAGGREGATION_COLUMNS)]
