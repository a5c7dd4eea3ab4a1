"""The smallest value of a linear objective over the counts a reader can infer: fast and exact.

A :class:`Programme` holds rows ``lower <= a . x <= upper`` over non-negative unknowns (the
blocks of :mod:`tip_eval.disclosure.lp`) and answers many questions about it: the smallest value
of ``c . x`` for one objective after another, while rows are freed one by one (a cell hidden by
secondary suppression). The answer is the linear programme's optimum, exactly as
:func:`scipy.optimize.linprog` gives it; it is found by cheaper means where the programme allows:

1. **Fixed unknowns.** An equality row with one unknown left fixes it (a shown count of a block,
   a total minus its shown parts); propagated until nothing more is fixed. An objective made of
   fixed unknowns is a number, and the rows that fixed them are what binds it.
2. **Independent parts.** Once fixed unknowns are substituted, the rows split into connected
   components that share no unknown; an objective only needs the components it touches.
3. **One total.** A component that is a single equality ``a . x = b`` with ``a > 0`` (a shown
   total over hidden parts) has the range ``b * min(c_i / a_i)`` to ``b * max(c_i / a_i)``: the
   corners of a simplex. No solver is called.
4. **A reused solver.** Any other component is solved with HiGHS (:mod:`highspy`), one instance
   per component kept between questions: a new objective starts the simplex from the last
   optimal basis instead of from scratch.

Every optimum found is part of a feasible point of the whole programme (components share no
unknown); :meth:`Programme.seen` gives the values an objective takes at those points,
which settle most protection questions without solving anything (freeing rows only enlarges the
feasible set, so the points stay feasible). ``tests/output/test_disclosure_solver.py`` checks the
answers against plain :func:`scipy.optimize.linprog` on random programmes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Programme"]

_TOL = 1e-6
_INF = 1e30  # HiGHS's infinity (kHighsInf): bounds at or beyond it are none
_CACHE = 64  # solver instances kept per programme (one per component seen recently)


class Programme:
    """Rows ``lower <= a . x <= upper`` over ``x >= 0``; minimise objectives, free rows.

    Parameters
    ----------
    n : int
        Number of unknowns.
    rows, coefs : sequence of arrays
        Per row, the unknowns it holds and their coefficients.
    lower, upper : array
        Row bounds (``-inf`` / ``inf`` for none); ``lower == upper`` is an equality.
    row_cells : sequence
        Per row, the published cell it states (or None for a relation): the answer names the
        cells whose rows bind an optimum.
    """

    #: the local unknown of each unknown of the whole system (-1: not in this programme); set by
    #: :class:`tip_eval.disclosure.lp.System`, which numbers the unknowns of all its programmes
    local: np.ndarray

    def __init__(
        self,
        n: int,
        rows: Sequence[np.ndarray],
        coefs: Sequence[np.ndarray],
        lower: np.ndarray,
        upper: np.ndarray,
        row_cells: Sequence[Any],
    ) -> None:
        from scipy import sparse

        self.n = int(n)
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        indices = np.concatenate(list(rows)).astype(np.int64) if len(rows) else np.zeros(0, dtype=np.int64)
        data = np.concatenate(list(coefs)).astype(float) if len(coefs) else np.zeros(0)
        a = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), self.n))
        a.sum_duplicates()
        a.eliminate_zeros()
        self.a = a
        self.lower = np.asarray(lower, dtype=float).copy()
        self.upper = np.asarray(upper, dtype=float).copy()
        self.row_cells = list(row_cells)
        self.row_of = {c: i for i, c in enumerate(self.row_cells) if c is not None}
        self.active = np.ones(a.shape[0], dtype=bool)
        self._entry_row = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))  # the row of each entry
        self.solves = 0
        self._structure: dict[str, Any] | None = None
        self._solvers: OrderedDict[tuple[bytes, bytes], dict[str, Any]] = OrderedDict()
        self._current: np.ndarray | None = None
        self.points = np.zeros((0, self.n))
        self.n_points = 0

    # -- changes ---------------------------------------------------------------------------------
    def free(self, cell: Any) -> None:
        """Free the row stating ``cell`` (the cell is hidden after all)."""
        i = self.row_of.pop(cell, None)
        if i is None or not self.active[i]:
            return
        self.active[i] = False
        self.lower[i], self.upper[i] = -np.inf, np.inf
        self._structure = None

    def matrices(self) -> dict[str, Any]:
        """The active rows as :func:`scipy.optimize.linprog` arguments (``A_eq``, ``b_eq``, ``A_ub``, ``b_ub``)."""
        from scipy import sparse

        act = self.active
        eq = act & (self.lower == self.upper)
        up = act & ~eq & np.isfinite(self.upper)
        down = act & ~eq & np.isfinite(self.lower)
        a_ub = sparse.vstack([self.a[up], -self.a[down]]).tocsr() if (up | down).any() else None
        return {
            "A_eq": self.a[eq] if eq.any() else None,
            "b_eq": self.lower[eq] if eq.any() else None,
            "A_ub": a_ub,
            "b_ub": np.concatenate([self.upper[up], -self.lower[down]]) if a_ub is not None else None,
        }

    # -- structure: fixed unknowns and components ---------------------------------------------------
    def structure(self) -> dict[str, Any]:
        """Fixed unknowns (value, the row that fixed each) and the components of the others."""
        if self._structure is not None:
            return self._structure
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        n, n_rows = self.n, self.a.shape[0]
        r, c, d = self._entry_row, self.a.indices, self.a.data
        act = self.active
        eq_row = act & (self.lower == self.upper) & np.isfinite(self.lower)
        fixed = np.zeros(n, dtype=bool)
        value = np.zeros(n)
        fixed_by = np.full(n, -1, dtype=np.int64)
        in_eq = eq_row[r]
        open_row = eq_row.copy()
        while in_eq.any():
            free_entry = in_eq & ~fixed[c]
            free_count = np.bincount(r[free_entry], minlength=n_rows)
            one = open_row & (free_count == 1)
            if not one.any():
                break
            pick = free_entry & one[r]
            known = np.bincount(r[in_eq & fixed[c]], weights=(d * value[c])[in_eq & fixed[c]], minlength=n_rows)
            rows_one, cols_one, coef_one = r[pick], c[pick], d[pick]
            x = (self.lower[rows_one] - known[rows_one]) / coef_one
            open_row[rows_one] = False
            # in row order, the first row that fixes an unknown sets it; a contradicted value (below 0)
            # is left to the LP
            ok = np.flatnonzero(~(x < -_TOL) & ~fixed[cols_one])
            if not len(ok):
                break
            _, first = np.unique(cols_one[ok], return_index=True)
            take = ok[first]
            j = cols_one[take]
            fixed[j], value[j], fixed_by[j] = True, np.maximum(x[take], 0.0), rows_one[take]
        # components of the unknowns left, over the active rows that hold any of them
        live = act[r] & ~fixed[c]
        holds = np.bincount(r[live], minlength=n_rows) > 0
        label = np.full(n, -1, dtype=np.int64)
        rows_of: dict[int, np.ndarray] = {}
        cols_of: dict[int, np.ndarray] = {}
        if live.any():
            # row i -- unknown j for every live entry, given in compressed rows directly (the entries are
            # already in row order): building it through scipy's coordinate format cost more than the search
            indptr = np.concatenate([[0], np.cumsum(np.bincount(r[live], minlength=n_rows + n))])
            graph = sparse.csr_matrix(
                (np.ones(int(live.sum())), n_rows + c[live], indptr), shape=(n_rows + n, n_rows + n)
            )
            _, comp = connected_components(graph, directed=False)
            label[~fixed] = comp[n_rows:][~fixed]
            rows_of = _groups(comp[:n_rows][holds], np.flatnonzero(holds))
            in_rows = np.unique(c[live])  # free unknowns that some active row holds
            cols_of = _groups(label[in_rows], in_rows)
        else:
            label[~fixed] = np.arange(int((~fixed).sum()))
        # an active row with no free unknown left must hold as it is
        done = act & ~holds
        got = np.bincount(r, weights=d * value[c], minlength=n_rows)
        contradiction = bool(((got[done] < self.lower[done] - _TOL) | (got[done] > self.upper[done] + _TOL)).any())
        self._structure = {
            "fixed": fixed,
            "value": value,
            "fixed_by": fixed_by,
            "label": label,
            "rows_of": rows_of,
            "cols_of": cols_of,
            "contradiction": contradiction,
        }
        return self._structure

    def _fixing_cells(self, cols: np.ndarray) -> set[Any]:
        """Published cells whose rows fixed the unknowns ``cols`` (following the rows they needed in turn)."""
        st = self.structure()
        out: set[Any] = set()
        seen_rows: set[int] = set()
        stack = [int(st["fixed_by"][j]) for j in cols if st["fixed"][j]]
        a = self.a
        while stack:
            r = stack.pop()
            if r < 0 or r in seen_rows:
                continue
            seen_rows.add(r)
            if self.row_cells[r] is not None:
                out.add(self.row_cells[r])
            for j in a.indices[a.indptr[r] : a.indptr[r + 1]]:
                if st["fixed"][j] and st["fixed_by"][j] != r:
                    stack.append(int(st["fixed_by"][j]))
        return out

    # -- answers ---------------------------------------------------------------------------------
    def seen(self, idx: np.ndarray, coef: np.ndarray) -> tuple[float, float]:
        """Smallest and largest value of ``coef . x[idx]`` over the feasible points found so far."""
        if not self.n_points:
            return np.nan, np.nan
        values = self.points[: self.n_points, idx] @ coef
        values = values[~np.isnan(values)]
        if not len(values):
            return np.nan, np.nan
        return float(values.min()), float(values.max())

    def minimise(self, idx: np.ndarray, coef: np.ndarray) -> tuple[str, float, set[Any]]:
        """Smallest value of ``coef . x[idx]``.

        ``("optimal", value, binding cells)``, ``("unbounded", -inf, set())`` or
        ``("infeasible", nan, set())``.
        """
        st = self.structure()
        if st["contradiction"]:
            return "infeasible", np.nan, set()  # published numbers that contradict each other
        idx = np.asarray(idx, dtype=np.int64)
        coef = np.asarray(coef, dtype=float)
        fixed = st["fixed"][idx]
        const = float(coef[fixed] @ st["value"][idx[fixed]]) if fixed.any() else 0.0
        binding = self._fixing_cells(idx[fixed]) if fixed.any() else set()
        free_idx, free_coef = idx[~fixed], coef[~fixed]
        if not len(free_idx):
            return "optimal", const, binding
        comps = [int(c) for c in np.unique(st["label"][free_idx]) if int(c) in st["rows_of"]]
        empty = np.zeros(0, dtype=np.int64)
        rows = np.concatenate([st["rows_of"][c] for c in comps]) if comps else empty
        cols = np.sort(np.concatenate([st["cols_of"][c] for c in comps])) if comps else empty
        # an unknown in no row can grow without limit: a negative weight on it has no minimum
        in_rows = _sorted_isin(free_idx, cols)
        if (free_coef[~in_rows] < 0).any():
            return "unbounded", -np.inf, set()
        free_idx, free_coef = free_idx[in_rows], free_coef[in_rows]
        if not len(free_idx):
            return "optimal", const, binding
        closed = self._one_total(rows, free_idx, free_coef, st)
        if closed is not None:
            status, val, cells = closed
            return status, const + val, binding | cells
        status, val, cells = self._solve(rows, cols, free_idx, free_coef, st)
        return status, const + val, (binding | cells) if status == "optimal" else set()

    def _gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries of ``rows``: (position of the row in ``rows``, unknown, coefficient)."""
        a = self.a
        starts, ends = a.indptr[rows], a.indptr[rows + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        which = np.repeat(np.arange(len(rows)), lengths)
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        pos = starts[which] + offsets
        return which, a.indices[pos], a.data[pos]

    def _cols_of(self, rows: np.ndarray) -> np.ndarray:
        st = self.structure()
        cols = np.unique(self._gather(rows)[1])
        free: np.ndarray = cols[~st["fixed"][cols]]
        return free

    def _rhs(self, rows: np.ndarray, st: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Row bounds less the contribution of fixed unknowns."""
        which, cols, data = self._gather(rows)
        shift = np.bincount(
            which, weights=data * np.where(st["fixed"][cols], st["value"][cols], 0.0), minlength=len(rows)
        )
        return self.lower[rows] - shift, self.upper[rows] - shift

    def _one_total(
        self, rows: np.ndarray, idx: np.ndarray, coef: np.ndarray, st: dict[str, Any]
    ) -> tuple[str, float, set[Any]] | None:
        """Closed form for one equality row ``a . x = b`` with every ``a > 0``: corners of a simplex."""
        if len(rows) != 1:
            return None
        r = int(rows[0])
        lo, hi = self._rhs(rows, st)
        if not (np.isfinite(lo[0]) and lo[0] == hi[0]):
            return None
        _, cols, a = self._gather(rows)
        keep = ~st["fixed"][cols]
        cols, a = cols[keep], a[keep]
        if not len(cols) or (a <= 0).any():
            return None
        b = float(lo[0])
        if b < -_TOL:
            return "infeasible", np.nan, set()
        c = np.zeros(len(cols))
        pos = {int(j): k for k, j in enumerate(cols)}
        for j, w in zip(idx.tolist(), coef.tolist()):
            c[pos[j]] += w
        ratio = c / a
        best = int(np.argmin(ratio))
        value = max(b, 0.0) * float(ratio[best])
        # the corner: everything on the best unknown; a feasible point of the whole programme
        point = np.zeros(len(cols))
        point[best] = max(b, 0.0) / a[best]
        self._remember(cols, point)
        cells = set()
        if abs(ratio[best]) > _TOL:
            if self.row_cells[r] is not None:
                cells.add(self.row_cells[r])
            cells |= self._fixing_cells(self._gather(rows)[1])
        return "optimal", value, cells

    def _solve(
        self, rows: np.ndarray, cols: np.ndarray, idx: np.ndarray, coef: np.ndarray, st: dict[str, Any]
    ) -> tuple[str, float, set[Any]]:
        key = (rows.tobytes(), cols.tobytes())
        entry = self._solvers.get(key)
        if entry is None:
            entry = self._build(rows, cols, st)
            self._solvers[key] = entry
            if len(self._solvers) > _CACHE:
                self._solvers.popitem(last=False)
        else:
            self._solvers.move_to_end(key)
        h, position = entry["highs"], entry["position"]
        local = position[idx]
        if len(entry["cost"]):
            h.changeColsCost(len(entry["cost"]), entry["cost"], np.zeros(len(entry["cost"])))
        order = np.argsort(local)
        entry["cost"] = local[order].astype(np.int32)
        h.changeColsCost(len(entry["cost"]), entry["cost"], coef[order].astype(float))
        status = self._run(h)
        if status == "optimal":
            solution = h.getSolution()
            value = float(h.getInfo().objective_function_value)
            dual = np.asarray(solution.row_dual)
            binding_rows = rows[np.abs(dual) > _TOL]
            cells = {self.row_cells[r] for r in binding_rows.tolist() if self.row_cells[r] is not None}
            cells |= self._fixing_cells(np.unique(self._gather(binding_rows)[1]))
            self._remember(cols, np.asarray(solution.col_value, dtype=float))
            return "optimal", value, cells
        if status == "unbounded":
            return "unbounded", -np.inf, set()
        return "infeasible", np.nan, set()

    def _build(self, rows: np.ndarray, cols: np.ndarray, st: dict[str, Any]) -> dict[str, Any]:
        h = _new_highs()
        which, c, data = self._gather(rows)
        position = np.full(self.n, -1, dtype=np.int64)
        position[cols] = np.arange(len(cols))
        keep = position[c] >= 0
        k = len(cols)
        # the rows' entries by column (compressed sparse columns), rows ascending within a column: what
        # scipy.sparse.csc_matrix builds (the rows are distinct, so no entry repeats), at a fraction of its cost
        row_k, col_k, data_k = which[keep], position[c[keep]], data[keep]
        order = np.lexsort((row_k, col_k))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(col_k, minlength=k))])
        lo, hi = self._rhs(rows, st)
        lo = np.where(np.isfinite(lo), lo, -_INF)
        hi = np.where(np.isfinite(hi), hi, _INF)
        h.passModel(
            int(k),
            len(rows),
            len(order),
            1,
            1,
            0.0,
            np.zeros(k),
            np.zeros(k),
            np.full(k, _INF),
            lo,
            hi,
            indptr.astype(np.int32),
            row_k[order].astype(np.int32),
            data_k[order].astype(float),
            np.zeros(k, dtype=np.int32),
        )
        return {"highs": h, "position": position, "cost": np.zeros(0, dtype=np.int32)}

    def _run(self, h: Any) -> str:
        import highspy

        status = highspy.HighsModelStatus
        h.run()
        self.solves += 1
        got = h.getModelStatus()
        if got not in (status.kOptimal, status.kUnbounded, status.kInfeasible):
            h.clearSolver()  # unbounded-or-infeasible, or a numerical failure: again from scratch
            h.run()
            self.solves += 1
            got = h.getModelStatus()
        if got == status.kOptimal:
            return "optimal"
        if got == status.kUnbounded:
            return "unbounded"
        return "infeasible"

    # -- feasible points ---------------------------------------------------------------------------
    def _remember(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Record the point made of the last one with ``cols`` set to an optimum found for them.

        Points are partial (NaN where no component was solved yet). Each holds whole components and
        the fixed unknowns, which is what makes it extendable to a feasible point of the programme:
        components share no unknown, and freeing rows only enlarges the feasible set.
        """
        if self._current is None:
            self._current = np.full(self.n, np.nan)
        point = self._current.copy()
        point[cols] = np.maximum(values, 0.0)
        st = self.structure()
        point[st["fixed"]] = st["value"][st["fixed"]]
        self._current = point
        if self.n_points == len(self.points):
            grown = np.full((max(8, 2 * len(self.points)), self.n), np.nan)
            grown[: self.n_points] = self.points[: self.n_points]
            self.points = grown
        self.points[self.n_points] = point
        self.n_points += 1


def _sorted_isin(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``numpy.isin(values, sorted_set)`` for a sorted ``sorted_set``, by binary search (isin sorts both)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    found: np.ndarray = sorted_set[pos] == values
    return found


def _groups(keys: np.ndarray, values: np.ndarray) -> dict[int, np.ndarray]:
    """``values`` grouped by ``keys`` (integers), each group in its original order."""
    if not len(keys):
        return {}
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    splits = np.flatnonzero(np.diff(keys)) + 1
    return {int(k[0]): v for k, v in zip(np.split(keys, splits), np.split(values, splits))}


_QUIET = {"done": False}


def _new_highs() -> Any:
    """A silent HiGHS instance that starts every solve after the first from the last basis."""
    import os
    import sys

    import highspy

    if _QUIET["done"]:
        h = highspy.Highs()
    else:
        # HiGHS writes a banner to the process's standard output when its first instance is made,
        # before any option can be set; it is not ours to print (tip-eval audit prints a report)
        _QUIET["done"] = True
        try:
            saved = os.dup(1)
        except OSError:
            saved = None
        if saved is None:
            h = highspy.Highs()
        else:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                sys.stdout.flush()
                os.dup2(null, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    # primal simplex: a new objective leaves the last optimal basis primal feasible, so the primal
    # simplex goes on from it (a few dozen pivots where the default, dual, takes hundreds)
    h.setOptionValue("simplex_strategy", 4)
    h.setOptionValue("threads", 1)
    return h
