"""Bounds a reader can put on a count from everything published: linear programming, as sdcTable and tau-argus.

The unknowns are the numbers of people of each measure in each *block*: the finest combination of
grouping values that any published table of that measure (or of a measure related to it) uses.
Everything published is a linear fact about them: a shown count is the sum of its blocks, a share
rounded for display bounds that sum, and the relations between measures (people with both tests
are among those with the pre-test) hold block by block. Blocks known to be empty (a training has
one country) are left out, as a reader who knows the programme would.

For a count (or a difference of counts, such as the people who took the pre-test but not the
post-test), :meth:`System.range` solves two linear programmes, with HiGHS through
:func:`scipy.optimize.linprog`: its smallest and largest value consistent with every fact. A count
is *protected* when that range cannot point at fewer than ``min_cell`` people: it is at least
``min_cell`` wide, or it lies wholly at zero or at ``min_cell`` and above (:func:`protected`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from tip_eval.disclosure.facts import Cell

__all__ = ["System", "Expression", "protected"]

_TOL = 1e-6


@dataclass(frozen=True)
class Expression:
    """A linear combination of cells: ``sum(coef * cell)``; one cell, or a relation's remainder."""

    terms: tuple[tuple[Cell, float], ...]

    @classmethod
    def of(cls, cell: Cell) -> "Expression":
        return cls(((cell, 1.0),))

    def describe(self) -> str:
        if len(self.terms) == 1:
            return self.terms[0][0].describe()
        big = [c for c, a in self.terms if a > 0]
        small = [c for c, a in self.terms if a < 0]
        where = ", ".join(f"{d}={v}" for d, v in self.terms[0][0].group) or "everyone"
        return (f"{' + '.join(c.measure for c in big)} minus {' and '.join(c.measure for c in small)} "
                f"({where})")


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

    def __init__(self, known: Mapping[Cell, tuple[float, float]], cells: Iterable[Cell], relations: Iterable,
                 atoms: pd.DataFrame | None = None) -> None:
        self.known = dict(known)
        self.cells = set(cells) | set(self.known)
        measures = {c.measure for c in self.cells}
        # relations touching a published measure; their unpublished measures are unknowns too
        self.relations = sorted(r for r in set(relations) if r[2] in measures or any(m in measures for m in r[1]))
        for _, lhs, rhs in self.relations:
            measures.add(rhs)
            measures.update(lhs)
        dims_of: dict[str, set] = {m: set() for m in measures}
        values: dict[str, set] = {}
        for c in self.cells:
            dims_of[c.measure].update(d for d, _ in c.group)
            for d, v in c.group:
                values.setdefault(d, set()).add(v)
        all_dims = sorted(set().union(*dims_of.values())) if dims_of else []
        self.atoms = _blocks(all_dims, atoms, values)
        n_atoms = len(self.atoms)
        cols = {d: self.atoms[d].to_numpy(dtype=object) for d in self.atoms.columns}
        self.block_of: dict[str, np.ndarray] = {}
        self.offset: dict[str, int] = {}
        self.n_blocks: dict[str, int] = {}
        k = 0
        for m in sorted(measures):
            dims = sorted(dims_of[m])
            if dims:
                keys = pd.MultiIndex.from_arrays([cols[d] for d in dims]) if len(dims) > 1 else pd.Index(cols[dims[0]])
                codes, uniq = pd.factorize(keys)
                nb = len(uniq)
            else:
                codes, nb = np.zeros(n_atoms, dtype=np.int64), 1
            self.block_of[m] = np.asarray(codes, dtype=np.int64)
            self.offset[m], self.n_blocks[m] = k, nb
            k += nb
        self.n_vars = k
        self._cols = cols
        self._match: dict = {}
        parent = {m: m for m in measures}

        def find(x):
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
        self._built: dict[str, dict] = {}

    def _atoms_of(self, group) -> np.ndarray:
        hit = self._match.get(group)
        if hit is None:
            mask = np.ones(len(self.atoms), dtype=bool)
            for d, v in group:
                mask &= (self._cols[d] == v) if d in self._cols else False
            hit = mask
            self._match[group] = hit
        return hit

    def _vars(self, cell: Cell) -> np.ndarray:
        """Variable numbers of the blocks that make up ``cell``."""
        blocks = np.unique(self.block_of[cell.measure][self._atoms_of(cell.group)])
        return self.offset[cell.measure] + blocks

    def _problem(self, root: str) -> dict:
        if root in self._built:
            return self._built[root]
        from scipy import sparse

        ms = [m for m in sorted(self.block_of) if self.family_of[m] == root]
        local: dict[int, int] = {}
        for m in ms:
            for b in range(self.n_blocks[m]):
                local[self.offset[m] + b] = len(local)
        n = len(local)
        eq = ([], [], [])
        ub = ([], [], [])
        eq_rhs: list[float] = []
        ub_rhs: list[float] = []
        eq_cells: list = []

        def add(target, r, variables, coef):
            for x in variables:
                target[0].append(r)
                target[1].append(local[int(x)])
                target[2].append(coef)

        for cell, (lo, hi) in sorted(self.known.items()):
            if self.family_of.get(cell.measure) != root:
                continue
            v = self._vars(cell)
            if abs(hi - lo) < _TOL:
                add(eq, len(eq_rhs), v, 1.0)
                eq_rhs.append(lo)
                eq_cells.append(cell)
            else:
                if np.isfinite(hi):
                    add(ub, len(ub_rhs), v, 1.0)
                    ub_rhs.append(hi)
                if lo > 0:
                    add(ub, len(ub_rhs), v, -1.0)
                    ub_rhs.append(-lo)
        for kind, lhs, rhs in self.relations:
            if self.family_of[rhs] != root:
                continue
            comp = _join([self.block_of[m] for m in (*lhs, rhs)])
            for j in range(int(comp.max()) + 1 if len(comp) else 0):
                atoms_j = comp == j
                target, rhs_list = (eq, eq_rhs) if kind == "eq" else (ub, ub_rhs)
                r = len(rhs_list)
                for m in lhs:
                    add(target, r, self.offset[m] + np.unique(self.block_of[m][atoms_j]), 1.0)
                add(target, r, self.offset[rhs] + np.unique(self.block_of[rhs][atoms_j]), -1.0)
                rhs_list.append(0.0)
                if kind == "eq":
                    eq_cells.append(None)
        a_eq = sparse.csr_matrix((eq[2], (eq[0], eq[1])), shape=(len(eq_rhs), n)) if eq_rhs else None
        a_ub = sparse.csr_matrix((ub[2], (ub[0], ub[1])), shape=(len(ub_rhs), n)) if ub_rhs else None
        prob = {"n": n, "local": local, "A_eq": a_eq, "b_eq": np.array(eq_rhs), "eq_cells": eq_cells, "A_ub": a_ub,
                "b_ub": np.array(ub_rhs) if ub_rhs else None, "active": np.ones(len(eq_rhs), dtype=bool),
                "row_of": {c: i for i, c in enumerate(eq_cells) if c is not None}}
        self._built[root] = prob
        return prob

    def hide(self, cell: Cell) -> None:
        """Forget a shown cell (it is hidden after all): its fact leaves the linear programme."""
        self.known.pop(cell, None)
        prob = self._built.get(self.family_of.get(cell.measure))
        if prob is None:
            return
        i = prob["row_of"].get(cell)
        if i is not None:
            prob["active"][i] = False

    def range(self, expr: Expression, *, want: str = "both") -> tuple[float, float, set]:
        """Smallest and largest value of ``expr`` consistent with everything known, and the shown cells that bind it.

        ``want`` = ``"low"`` or ``"high"`` solves one side only (the other is returned as -inf/inf).
        The binding cells are the shown counts whose value limits the range (non-zero dual values):
        hiding one of them may widen it. An infeasible system (published numbers that contradict
        each other) returns (nan, nan, set()).
        """
        from scipy.optimize import linprog

        root = self.family_of[expr.terms[0][0].measure]
        prob = self._problem(root)
        obj = np.zeros(prob["n"])
        for cell, coef in expr.terms:
            for x in self._vars(cell):
                obj[prob["local"][int(x)]] += coef
        if not obj.any():
            return 0.0, 0.0, set()
        active = prob["active"]
        a_eq = prob["A_eq"][np.flatnonzero(active)] if prob["A_eq"] is not None and active.any() else None
        b_eq = prob["b_eq"][active] if a_eq is not None else None
        eq_cells = [c for c, a in zip(prob["eq_cells"], active) if a]
        kw = dict(A_ub=prob["A_ub"], b_ub=prob["b_ub"], A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        lo, hi, binding = -np.inf, np.inf, set()
        for side, sign in (("low", 1.0), ("high", -1.0)):
            if want not in ("both", side):
                continue
            res = linprog(sign * obj, **kw)
            if res.status == 2:
                return np.nan, np.nan, set()
            if res.status == 3:
                val = -np.inf * sign
            elif res.status == 0:
                val = sign * float(res.fun)
                marg = getattr(getattr(res, "eqlin", None), "marginals", None)
                if marg is not None:
                    for cell, mu in zip(eq_cells, marg):
                        if cell is not None and abs(mu) > _TOL:
                            binding.add(cell)
            else:
                continue
            if side == "low":
                lo = max(0.0, val) if np.isfinite(val) else 0.0
            else:
                hi = val
        return lo, hi, binding

    def overlapping_known(self, expr: Expression) -> list[Cell]:
        """Shown cells of the expression's family that share people with it (fallback candidates)."""
        mine = np.zeros(len(self.atoms), dtype=bool)
        measures = {c.measure for c, _ in expr.terms}
        for cell, _ in expr.terms:
            mine |= self._atoms_of(cell.group)
        root = self.family_of[expr.terms[0][0].measure]
        out = [cell for cell, (lo, hi) in self.known.items()
               if self.family_of.get(cell.measure) == root and abs(hi - lo) < _TOL and lo > 0
               and (self._atoms_of(cell.group) & mine).any()]
        out.sort(key=lambda c: (c.measure not in measures, c))
        return out


def _join(labels: list[np.ndarray]) -> np.ndarray:
    """Component of each atom when atoms in the same block of any labelling are linked (union-find)."""
    n = len(labels[0]) if labels else 0
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for lab in labels:
        first: dict[int, int] = {}
        for i, b in enumerate(lab.tolist()):
            j = first.setdefault(b, i)
            if j != i:
                ra, rb = find(i), find(j)
                if ra != rb:
                    parent[ra] = rb
    return pd.factorize(np.array([find(i) for i in range(n)]))[0]


def _blocks(dims: list[str], atoms: pd.DataFrame | None, values: dict[str, set]) -> pd.DataFrame:
    if not dims:
        return pd.DataFrame(index=[0])
    if atoms is not None and set(dims) <= set(atoms.columns):
        return atoms[dims].astype(str).drop_duplicates().reset_index(drop=True)
    # dims not in the atoms (or no atoms): the atoms' combinations crossed with every value seen
    known = [d for d in dims if atoms is not None and d in atoms.columns]
    base = atoms[known].astype(str).drop_duplicates().reset_index(drop=True) if known else pd.DataFrame(index=[0])
    for d in dims:
        if d in known:
            continue
        vals = pd.DataFrame({d: sorted(values.get(d, set()))})
        base = base.merge(vals, how="cross") if len(base.columns) else vals
    return base.reset_index(drop=True)
