"""Bounds a reader can put on a count from everything published: linear programming, as sdcTable and tau-argus.

The unknowns are the numbers of people of each measure in each *block*: the finest combination of
grouping values that any published table of that measure (or of a measure related to it) uses.
Everything published is a linear fact about them: a shown count is the sum of its blocks, a share
rounded for display bounds that sum, and the relations between measures (people with both tests
are among those with the pre-test) hold block by block. Blocks known to be empty (a training has
one country) are left out, as a reader who knows the programme would.

For a count (or a difference of counts, such as the people who took the pre-test but not the
post-test), :meth:`System.range` gives its smallest and largest value consistent with every fact:
two linear programmes, solved exactly but cheaply (:mod:`tip_eval.disclosure.solver`). A count
is *protected* when that range cannot point at fewer than ``min_cell`` people: it is at least
``min_cell`` wide, or it lies wholly at zero or at ``min_cell`` and above (:func:`protected`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tip_eval.disclosure.facts import Cell, Relation

if TYPE_CHECKING:  # imported when a programme is first built (it brings scipy and highspy with it)
    from tip_eval.disclosure.solver import Programme

#: a group: its sorted (dimension, value) pairs
Group = tuple[tuple[str, str], ...]

__all__ = ["Expression", "System", "protected"]

_TOL = 1e-6


@dataclass(frozen=True)
class Expression:
    """A linear combination of cells: ``sum(coef * cell)``; one cell, or a relation's remainder."""

    terms: tuple[tuple[Cell, float], ...]

    @classmethod
    def of(cls, cell: Cell) -> Expression:
        """The expression of one cell."""
        return cls(((cell, 1.0),))

    def describe(self) -> str:
        """The expression in words (a cell, or the measures added and taken away, and the group)."""
        if len(self.terms) == 1:
            return self.terms[0][0].describe()
        big = [c for c, a in self.terms if a > 0]
        small = [c for c, a in self.terms if a < 0]
        where = ", ".join(f"{d}={v}" for d, v in self.terms[0][0].group) or "everyone"
        return f"{' + '.join(c.measure for c in big)} minus {' and '.join(c.measure for c in small)} ({where})"


def protected(lo: float, hi: float, min_cell: int) -> bool:
    """True when the range [lo, hi] of a count does not let a reader count 1 to ``min_cell - 1`` people."""
    if hi < 1 - _TOL:
        return True  # nobody
    if lo > min_cell - 1 + _TOL:
        return True  # at least min_cell people
    return hi - lo >= min_cell - _TOL


class System:
    """Everything a reader knows about counts of people: shown cells, ranges of rounded shares, relations.

    Parameters
    ----------
    known : mapping of Cell to (low, high)
        Every published cell with the range a reader can read off it (low == high for a count
        shown exactly). Cells that are published blank are simply not in it.
    cells : iterable of Cell
        Every cell of the publication, shown or hidden (they decide the measures and blocks).
    relations : iterable of (kind, lhs measures, rhs measure)
        ``("le", (a, b), c)``: a + b <= c for the same people; ``("eq", ...)``: equal.
    atoms : pandas.DataFrame, optional
        The non-empty combinations of grouping values (one row each, text values); default: every
        combination of the values seen in the cells (a reader who knows nothing of the programme).

    Notes
    -----
    Each measure has its own blocks: the combinations of the grouping columns it is published
    by. A relation between measures published by different groupings holds on the finest sets of
    atoms that are unions of blocks of each (a training's people are within its country's).
    Measures linked by relations form one linear programme; unlinked ones are solved apart.
    """

    def __init__(
        self,
        known: Mapping[Cell, tuple[float, float]],
        cells: Iterable[Cell],
        relations: Iterable[Relation],
        atoms: pd.DataFrame | None = None,
    ) -> None:
        self.known = dict(known)
        self.cells = set(cells) | set(self.known)
        measures = {c.measure for c in self.cells}
        # relations touching a published measure; their unpublished measures are unknowns too
        self.relations = sorted(r for r in set(relations) if r[2] in measures or any(m in measures for m in r[1]))
        for _, lhs, rhs in self.relations:
            measures.add(rhs)
            measures.update(lhs)
        dims_of: dict[str, set[str]] = {m: set() for m in measures}
        values: dict[str, set[str]] = {}
        for c in self.cells:
            dims_of[c.measure].update(d for d, _ in c.group)
            for d, v in c.group:
                values.setdefault(d, set()).add(v)
        all_dims = sorted(set().union(*dims_of.values())) if dims_of else []
        self.atoms = _blocks(all_dims, atoms, values)
        n_atoms = len(self.atoms)
        cols = {d: self.atoms[d].to_numpy(dtype=object) for d in self.atoms.columns}
        self.block_of: dict[str, np.ndarray] = {}
        self.dims_key: dict[str, tuple[str, ...]] = {}
        self._joins: dict[tuple[tuple[str, ...], ...], np.ndarray] = {}
        self.offset: dict[str, int] = {}
        self.n_blocks: dict[str, int] = {}
        k = 0
        blocks: dict[
            tuple[str, ...], tuple[np.ndarray, int]
        ] = {}  # measures published by the same groupings share blocks
        for m in sorted(measures):
            dims = sorted(dims_of[m])
            self.dims_key[m] = tuple(dims)
            if tuple(dims) not in blocks:
                codes, nb = np.zeros(n_atoms, dtype=np.int64), 1
                for d in dims:
                    code, uniq = pd.factorize(cols[d])
                    codes, _ = pd.factorize(codes * len(uniq) + code)
                    nb = int(codes.max()) + 1 if len(codes) else 1
                blocks[tuple(dims)] = (np.asarray(codes, dtype=np.int64), nb)
            codes, nb = blocks[tuple(dims)]
            self.block_of[m] = codes
            self.offset[m], self.n_blocks[m] = k, nb
            k += nb
        self.n_vars = k
        self._cols = cols
        self._match: dict[Group, np.ndarray] = {}
        # a check asks for the same cell's blocks and the same expression's objective several times
        # (the values seen, then one side, then the other); the blocks and the programmes never change
        self._cell_vars: dict[Cell, np.ndarray] = {}
        self._objectives: dict[Expression, tuple[np.ndarray, np.ndarray]] = {}
        parent = {m: m for m in measures}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for _, lhs, rhs in self.relations:
            for m in lhs:
                ra, rb = find(m), find(rhs)
                if ra != rb:
                    parent[ra] = rb
        self.family_of = {m: find(m) for m in measures}
        self._built: dict[str, Programme] = {}

    def _join(self, key: tuple[tuple[str, ...], ...], measures: tuple[str, ...]) -> np.ndarray:
        hit = self._joins.get(key)
        if hit is None:
            hit = self._joins[key] = _join([self.block_of[m] for m in measures])
        return hit

    def _atoms_of(self, group: Group) -> np.ndarray:
        hit = self._match.get(group)
        if hit is None:
            mask = np.ones(len(self.atoms), dtype=bool)
            for d, v in group:
                mask &= (self._cols[d] == v) if d in self._cols else False
            hit = mask
            self._match[group] = hit
        return hit

    def _vars(self, cell: Cell) -> np.ndarray:
        """Variable numbers of the blocks that make up ``cell`` (read-only: kept for the next call)."""
        variables = self._cell_vars.get(cell)
        if variables is None:
            blocks = np.unique(self.block_of[cell.measure][self._atoms_of(cell.group)])
            variables = self.offset[cell.measure] + blocks
            variables.flags.writeable = False
            self._cell_vars[cell] = variables
        return variables

    def _problem(self, root: str) -> Programme:
        if root in self._built:
            return self._built[root]
        ms = [m for m in sorted(self.block_of) if self.family_of[m] == root]
        local: dict[int, int] = {}
        for m in ms:
            for b in range(self.n_blocks[m]):
                local[self.offset[m] + b] = len(local)
        rows: list[np.ndarray] = []
        coefs: list[np.ndarray] = []
        lower: list[float] = []
        upper: list[float] = []
        row_cells: list[Cell | None] = []

        def add(variables: np.ndarray, coef: np.ndarray, lo: float, hi: float, cell: Cell | None = None) -> None:
            rows.append(np.asarray(variables, dtype=np.int64))
            coefs.append(np.asarray(coef, dtype=float))
            lower.append(lo)
            upper.append(hi)
            row_cells.append(cell)

        loc = np.full(self.n_vars, -1, dtype=np.int64)
        loc[list(local)] = list(local.values())
        for cell, (lo, hi) in sorted(self.known.items()):
            if self.family_of.get(cell.measure) != root:
                continue
            v = loc[self._vars(cell)]
            if abs(hi - lo) < _TOL:
                add(v, np.ones(len(v)), lo, lo, cell)
            elif np.isfinite(hi) or lo > 0:
                add(v, np.ones(len(v)), max(lo, 0.0) if lo > 0 else -np.inf, hi if np.isfinite(hi) else np.inf)
        for kind, lhs, rhs in self.relations:
            if self.family_of[rhs] != root:
                continue
            comp = self._join(tuple(self.dims_key[m] for m in (*lhs, rhs)), (*lhs, rhs))
            for j in range(int(comp.max()) + 1 if len(comp) else 0):
                atoms_j = comp == j
                variables, coef = [], []
                for m in lhs:
                    b = loc[self.offset[m] + np.unique(self.block_of[m][atoms_j])]
                    variables.append(b)
                    coef.append(np.ones(len(b)))
                b = loc[self.offset[rhs] + np.unique(self.block_of[rhs][atoms_j])]
                variables.append(b)
                coef.append(-np.ones(len(b)))
                add(np.concatenate(variables), np.concatenate(coef), 0.0 if kind == "eq" else -np.inf, 0.0)
        from tip_eval.disclosure.solver import Programme

        model = Programme(
            len(local), rows, coefs, np.array(lower, dtype=float), np.array(upper, dtype=float), row_cells
        )
        model.local = loc
        self._built[root] = model
        return model

    def hide(self, cell: Cell) -> None:
        """Forget a shown cell (it is hidden after all): its fact leaves the linear programme."""
        self.known.pop(cell, None)
        family = self.family_of.get(cell.measure)
        model = self._built.get(family) if family is not None else None
        if model is not None:
            model.free(cell)

    def objective(self, expr: Expression) -> tuple[np.ndarray, np.ndarray]:
        """Local variable numbers and coefficients of ``expr`` in the programme of its family (read-only arrays)."""
        hit = self._objectives.get(expr)
        if hit is not None:
            return hit
        model = self._problem(self.family_of[expr.terms[0][0].measure])
        obj: dict[int, float] = {}
        for cell, coef in expr.terms:
            for x in model.local[self._vars(cell)]:
                obj[int(x)] = obj.get(int(x), 0.0) + coef
        idx = np.array([k for k, a in obj.items() if a != 0.0], dtype=np.int64)
        coefs = np.array([obj[int(k)] for k in idx], dtype=float)
        idx.flags.writeable = False
        coefs.flags.writeable = False
        self._objectives[expr] = (idx, coefs)
        return idx, coefs

    def matrices(self, expr: Expression) -> dict[str, Any]:
        """The linear programme of ``expr``'s family as :func:`scipy.optimize.linprog` takes it (for checks)."""
        return self._problem(self.family_of[expr.terms[0][0].measure]).matrices()

    def seen(self, expr: Expression) -> tuple[float, float]:
        """Values ``expr`` is known to reach: its smallest and largest over feasible points found so far.

        Every point an earlier :meth:`range` found satisfies everything published (hiding a cell
        only removes facts), so the true range of ``expr`` holds ``[low, high]`` of this answer:
        when that is already ``min_cell`` wide, the count is protected without solving anything.
        (nan, nan) before any point is found.
        """
        model = self._problem(self.family_of[expr.terms[0][0].measure])
        idx, coef = self.objective(expr)
        if not len(idx):
            return 0.0, 0.0
        return model.seen(idx, coef)

    def range(self, expr: Expression, *, want: str = "both") -> tuple[float, float, set[Cell]]:
        """Smallest and largest value of ``expr`` consistent with everything known, and the shown cells that bind it.

        ``want`` = ``"low"`` or ``"high"`` solves one side only (the other is returned as -inf/inf).
        The binding cells are the shown counts whose value limits the range (non-zero dual values):
        hiding one of them may widen it. An infeasible system (published numbers that contradict
        each other) returns (nan, nan, set()).
        """
        model = self._problem(self.family_of[expr.terms[0][0].measure])
        idx, coef = self.objective(expr)
        if not len(idx):
            return 0.0, 0.0, set()
        lo, hi, binding = -np.inf, np.inf, set[Cell]()
        for side, sign in (("low", 1.0), ("high", -1.0)):
            if want not in ("both", side):
                continue
            status, val, cells = model.minimise(idx, sign * coef)
            if status == "infeasible":
                return np.nan, np.nan, set()
            binding |= cells
            val = sign * val
            if side == "low":
                lo = max(0.0, val) if np.isfinite(val) else 0.0
            else:
                hi = val
        return lo, hi, binding

    @property
    def solves(self) -> int:
        """How many linear programmes were solved so far."""
        return sum(m.solves for m in self._built.values())

    def check(
        self, expr: Expression, min_cell: int, value: float | None = None
    ) -> tuple[bool, float, float, set[Cell]]:
        """Is ``expr`` protected (:func:`protected`)? ``(ok, low, high, binding cells)``, solving as little as it can.

        ``value`` is its true value when known (the plan knows it; a reader does not). Values
        ``expr`` is known to take (the true value, and its values at feasible points found by
        earlier solves, :meth:`seen`) settle most questions without a solve: a range already
        ``min_cell`` wide is protected. Otherwise the smallest value is solved for, and the largest
        only when the answer still depends on it. ``low`` and ``high`` are the exact bounds when
        both were solved, else the values that settled the answer.
        """
        mc, tol = min_cell, 1e-6
        if value is not None and value >= 2 * mc - 1:
            return True, value, value, set()  # its range holds it: cannot both reach below min_cell and be narrower
        a, b = self.seen(expr)
        known = [x for x in (a, b, value) if x is not None and not np.isnan(x)]
        low_seen, high_seen = (min(known), max(known)) if known else (np.inf, -np.inf)
        if value is not None and value <= 0:
            if high_seen >= mc - tol:
                return True, 0.0, high_seen, set()
            _, hi, binding = self.range(expr, want="high")
            return bool(not np.isnan(hi) and protected(0.0, hi, mc)), 0.0, hi, binding
        if high_seen - low_seen >= mc - tol:
            return True, low_seen, high_seen, set()
        lo, _, binding = self.range(expr, want="low")
        if np.isnan(lo):
            # the facts about it contradict each other (a relation that does not hold): it cannot
            # be shown to be protected, so it is not
            return False, lo, lo, set()
        if lo > mc - 1 + tol:
            return True, lo, np.inf, set()
        high_seen = max(high_seen, self.seen(expr)[1])
        if high_seen - lo >= mc - tol:
            return True, lo, high_seen, set()
        _, hi, binding_hi = self.range(expr, want="high")
        return protected(lo, hi, mc), lo, hi, binding | binding_hi

    def overlapping_known(self, expr: Expression) -> list[Cell]:
        """Shown cells of the expression's family that share people with it (fallback candidates)."""
        mine = np.zeros(len(self.atoms), dtype=bool)
        measures = {c.measure for c, _ in expr.terms}
        for cell, _ in expr.terms:
            mine |= self._atoms_of(cell.group)
        root = self.family_of[expr.terms[0][0].measure]
        out = [
            cell
            for cell, (lo, hi) in self.known.items()
            if self.family_of.get(cell.measure) == root
            and abs(hi - lo) < _TOL
            and lo > 0
            and (self._atoms_of(cell.group) & mine).any()
        ]
        out.sort(key=lambda c: (c.measure not in measures, c))
        return out


def _join(labels: list[np.ndarray]) -> np.ndarray:
    """Component of each atom when atoms in the same block of any labelling are linked."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n = len(labels[0]) if labels else 0
    if not n:
        return np.zeros(0, dtype=np.int64)
    rows, cols, offset = [], [], n
    for lab in labels:
        rows.append(np.arange(n))
        cols.append(offset + lab)
        offset += int(lab.max()) + 1
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(offset, offset))
    _, comp = connected_components(graph, directed=False)
    component: np.ndarray = pd.factorize(comp[:n])[0]
    return component


def _blocks(dims: list[str], atoms: pd.DataFrame | None, values: dict[str, set[str]]) -> pd.DataFrame:
    if not dims:
        return pd.DataFrame(index=[0])
    if atoms is not None and set(dims) <= set(atoms.columns):
        return atoms[dims].astype(str).drop_duplicates().reset_index(drop=True)
    # dims not in the atoms (or no atoms): the atoms' combinations crossed with every value seen
    known = [d for d in dims if atoms is not None and d in atoms.columns]
    base = (
        atoms[known].astype(str).drop_duplicates().reset_index(drop=True)
        if atoms is not None and known
        else pd.DataFrame(index=[0])
    )
    for d in dims:
        if d in known:
            continue
        vals = pd.DataFrame({d: sorted(values.get(d, set()))})
        base = base.merge(vals, how="cross") if len(base.columns) else vals
    return base.reset_index(drop=True)
