"""One disclosure plan per publication: which counts every published table may show.

A brief and its workbook show the same people many times over: overall, by country, by province,
by sector, by training, crossed, as counts, as percentages, in figures and in sentences. A group
hidden in one table can be worked out from the others (a country's total minus its shown
trainings). So suppression is decided once, for all of them together:

1. :meth:`Plan.add` registers every result table the publication will show (and every count a
   figure or sentence uses, which must come from these tables).
2. :meth:`Plan.solve` hides every count of 1 to ``min_cell - 1`` people and every share whose
   count or complement is that small (*primary suppression*), then checks every hidden count,
   and every difference a reader can form (people with the pre-test but not the post-test, people
   who did not improve), by linear programming (:mod:`tip_eval.disclosure.lp`): while one of
   them can be pinned to a range narrower than ``min_cell`` that could hold 1 to ``min_cell - 1``
   people, one more shown count is hidden (*secondary suppression*): among the shown counts that
   bind the range (non-zero dual values of the linear programme), the cheapest, so that small
   counts and detail rows go before totals and group sizes.
3. :meth:`Plan.table` gives each table with its hidden counts blanked, and with them every
   statistic they govern (a mean and its interval go with the number of people they describe).

Person counts of groups are covered like any other count: registered, tested before, after and
both, dropped out, interviewed, with a code, double-coded. Zero is shown: it describes nobody.
"""

from __future__ import annotations

import logging
import numpy as np
import pandas as pd

from tip_eval.disclosure.facts import LABEL_COLUMNS, MISSING, Cell, Mapped, entry_value, map_table
from tip_eval.disclosure.lp import Expression, System, protected
from tip_eval.io.sources import DEFAULT_MIN_CELL, check_min_cell

__all__ = ["Plan", "check_min_cell", "DEFAULT_MIN_CELL"]

log = logging.getLogger(__name__)

class Plan:
    """The disclosure plan of one publication (see the module docstring).

    Parameters
    ----------
    min_cell : int, default 5
        Smallest number of people a shown count may describe (at least 3).
    atoms : pandas.DataFrame, optional
        One row per participant (or per non-empty combination) with the grouping columns
        (``study.attributes()``): which combinations of groups exist. A reader is assumed to know
        them (which trainings are in which country).

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> plan = te.disclosure.Plan(5, atoms=study.attributes())
    >>> _ = plan.add("by country", te.gains(study, by="country"))
    >>> _ = plan.add("overall", te.gains(study))
    >>> plan.solve().table("by country")["n"].notna().all()
    True
    """

    def __init__(self, min_cell: int = DEFAULT_MIN_CELL, *, atoms: pd.DataFrame | None = None) -> None:
        self.min_cell = check_min_cell(min_cell)
        self._atoms = atoms
        self.tables: dict[str, tuple[pd.DataFrame, Mapped | None]] = {}
        self.values: dict[Cell, float] = {}
        self.relations: set = set()
        self.hidden: set[Cell] = set()
        self.unprotected: list[tuple[Expression, float, float]] = []
        self._solved = False

    # -- building ----------------------------------------------------------------------------------
    def add(self, key: str, table: pd.DataFrame, *, measure: str | None = None, by: list[str] | None = None,
            layout: str | None = None) -> str:
        """Register a result table under ``key``; returns the key.

        ``measure`` (``"knowledge"`` or ``"confidence"``) names the test of a gains table without a
        ``measure`` column; ``by`` its grouping columns (default: its leading text columns);
        ``layout`` the analysis it comes from (default: recognised by its columns). A table that is
        not recognised is refused: a count of people must never pass unchecked.
        """
        if self._solved:
            raise RuntimeError("the plan is solved: add every table before calling solve()")
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
        table = table.drop(columns="suppressed", errors="ignore")
        mapped = map_table(table, measure=measure, by=by, layout=layout)
        if mapped is None:
            raise ValueError(f"table {key!r}: not a result of a tip_eval analysis the plan knows (its columns: "
                             f"{', '.join(map(str, table.columns))}); give layout= or publish it another way")
        if mapped is not None:
            records = table.to_dict("records")
            vals = [entry_value(records[e.row], e) for e in mapped.entries]
            clash = {e.cell.measure for e, v in zip(mapped.entries, vals)
                     if not np.isnan(v) and e.cell in self.values and abs(self.values[e.cell] - v) > 0.5}
            if clash:  # the same name, other people: a measure of its own for this table
                rename = {m: f"{m}#{key}" for m in clash}
                for e in mapped.entries:
                    if e.cell.measure in rename:
                        e.cell = Cell(rename[e.cell.measure], e.cell.group)
                mapped.relations |= {(k, tuple(rename.get(m, m) for m in lhs), rename.get(rhs, rhs))
                                     for k, lhs, rhs in mapped.relations}
            for e, v in zip(mapped.entries, vals):
                if not np.isnan(v):
                    self.values.setdefault(e.cell, float(v))
            self.relations |= mapped.relations
        self.tables[key] = (table, mapped)
        return key

    def atoms(self) -> pd.DataFrame | None:
        if self._atoms is None:
            return None
        dims = sorted({d for c in self.values for d, _ in c.group} & set(self._atoms.columns))
        if not dims:
            return None
        return self._atoms[dims].astype(object).where(self._atoms[dims].notna(), MISSING).astype(str).drop_duplicates()

    # -- solving -----------------------------------------------------------------------------------
    def _canonicalise(self, atoms: pd.DataFrame | None) -> None:
        """One cell for the same people: groups with the same atoms (a province with one training) are one count."""
        self.canon: dict[Cell, Cell] = {}
        if atoms is None:
            self.canon = {c: c for c in self.values}
            return
        cols = {d: atoms[d].to_numpy(dtype=object) for d in atoms.columns}
        cache: dict[tuple, frozenset] = {}
        first: dict[tuple, Cell] = {}
        for c in sorted(self.values, key=lambda c: (len(c.group), c)):
            key = cache.get(c.group)
            if key is None:
                mask = np.ones(len(atoms), dtype=bool)
                for d, v in c.group:
                    mask &= (cols[d] == v) if d in cols else False
                key = frozenset(np.flatnonzero(mask).tolist()) if all(d in cols for d, _ in c.group) else c.group
                cache[c.group] = key
            self.canon[c] = first.setdefault((c.measure, key), c)

    def _closure(self) -> None:
        """A share of a hidden group size is hidden too (a ratio of hidden counts tells their ratio)."""
        pairs = getattr(self, "_share_pairs", None)
        if pairs is None:
            canon, pairs = self.canon, {}
            for table, mapped in self.tables.values():
                if mapped is None:
                    continue
                by_row: dict[int, dict[str, Cell]] = {}
                for e in mapped.entries:
                    by_row.setdefault(e.row, {})[e.column] = e.cell
                for e in mapped.entries:
                    if e.size is not None and e.cell in canon:
                        size = by_row.get(e.row, {}).get(e.size)
                        if size is not None and size in canon:
                            pairs.setdefault(canon[size], set()).add(canon[e.cell])
            self._share_pairs = pairs
        for size in [c for c in pairs if c in self.hidden]:
            self.hidden |= pairs[size]

    def _relation_expressions(self) -> list[tuple[Expression, float]]:
        """Each remainder of a relation a reader could count (people with the pre-test but not both tests, ...)."""
        out = []
        values = self._cvalues
        groups: dict[str, set] = {}
        for c in values:
            groups.setdefault(c.measure, set()).add(c.group)
        seen = set()
        for kind, lhs, rhs in sorted(self.relations):
            if kind != "le":
                continue
            for g in sorted(groups.get(rhs, ())):
                big = Cell(rhs, g)
                for parts in sorted({tuple(lhs)} | {(m,) for m in lhs}):
                    cells = [self.canon.get(Cell(m, g)) for m in parts]
                    if not all(c is not None and c in values for c in cells):
                        continue
                    expr = Expression(((big, 1.0),) + tuple((c, -1.0) for c in cells))
                    if expr in seen:
                        continue
                    seen.add(expr)
                    out.append((expr, values[big] - sum(values[c] for c in cells)))
        return out

    def _cost(self, cell: Cell) -> tuple:
        """What hiding ``cell`` costs a reader: its count, ten times over for a group size (hiding one blanks
        every statistic of its row), four times over again for an overall count."""
        v = self._cvalues[cell]
        weight = 1.0
        if cell.measure.endswith(".matched") or cell.measure in ("registered", "interviewed", "double_coded",
                                                                  "kvc.people"):
            weight = 10.0
        if not cell.group:
            weight *= 4.0
        return (v * weight, cell)

    def solve(self) -> "Plan":
        """Primary then secondary suppression across every registered table (see the module docstring)."""
        mc = self.min_cell
        atoms = self.atoms()
        self._canonicalise(atoms)
        self._share_pairs = None
        self._cvalues = {c: v for c, v in self.values.items() if self.canon[c] == c}
        values = self._cvalues
        self.hidden = {c for c, v in values.items() if 1 <= v <= mc - 1}
        self._closure()
        relation_exprs = self._relation_expressions()
        # a remainder shown in full is primary too: hide the cheaper of its counts at once
        for expr, v in relation_exprs:
            cells = [c for c, _ in expr.terms]
            if 1 <= v <= mc - 1 and not any(c in self.hidden for c in cells):
                self.hidden.add(min(cells, key=self._cost))
        self._closure()
        known = {c: (v, v) for c, v in values.items() if c not in self.hidden}
        system = System(known, values, self.relations, atoms)
        self.unprotected = []
        work = [(Expression.of(c), values[c]) for c in sorted(self.hidden)] + relation_exprs
        queued = {e for e, _ in work}
        i = 0
        while i < len(work):
            expr, v = work[i]
            ok, lo, hi, binding = _check(system, expr, v, mc)
            if ok:
                i += 1
                continue
            candidates = [c for c in binding if c not in self.hidden and c in values]
            if not candidates:
                candidates = [c for c in system.overlapping_known(expr) if c not in self.hidden and c in values]
            if not candidates:
                self.unprotected.append((expr, lo, hi))
                log.warning("disclosure plan: cannot protect %s (range %s to %s)", expr.describe(), lo, hi)
                i += 1
                continue
            before = set(self.hidden)
            self.hidden.add(min(candidates, key=self._cost))
            self._closure()
            for c in sorted(self.hidden - before):
                system.hide(c)
                e = Expression.of(c)
                if e not in queued:
                    queued.add(e)
                    work.append((e, values[c]))
            # expr is checked again (i unchanged); what passed stays protected: hiding only widens ranges
        self.hidden = {c for c in self.values if self.canon[c] in self.hidden}
        self._solved = True
        return self

    # -- results -----------------------------------------------------------------------------------
    def is_hidden(self, cell: Cell) -> bool:
        return cell in self.hidden

    def table(self, key: str) -> pd.DataFrame:
        """The table registered as ``key`` with its hidden counts, and the statistics they govern, blanked.

        Like :func:`tip_eval.disclosure.suppress`: blanked values are NaN (``<NA>`` in integer and
        boolean columns), a last column ``suppressed`` marks the rows that lost anything, and
        ``attrs["suppressed_cells"]`` maps each column to the index labels blanked in it.
        """
        if not self._solved:
            raise RuntimeError("call solve() first")
        from tip_eval.disclosure.cells import _blank_column

        table, mapped = self.tables[key]
        out = table.copy()
        out.attrs = {}
        n = len(out)
        blank = {c: np.zeros(n, dtype=bool) for c in out.columns}
        if mapped is not None and n:
            by = set(mapped.by)
            for e in mapped.entries:
                if e.cell not in self.hidden:
                    continue
                blank[e.column][e.row] = True
                for g in mapped.governs.get(e.column, []):
                    if g in blank:
                        blank[g][e.row] = True
                if e.column == mapped.main:  # the group size: every statistic of the row goes with it
                    for c in out.columns:
                        if c not in LABEL_COLUMNS and c not in by:
                            blank[c][e.row] = True
        cells: dict[str, list] = {}
        for c, m in blank.items():
            if not m.any():
                continue
            already = out[c].isna().to_numpy()
            labels = out.index[m & ~already].tolist()
            if labels:
                cells[str(c)] = labels
            out[c] = _blank_column(out[c], m)
        row = np.zeros(n, dtype=bool)
        for m in blank.values():
            row |= m
        out["suppressed"] = row
        out.attrs = dict(table.attrs)
        out.attrs["suppressed_cells"] = cells
        out.attrs["min_cell"] = self.min_cell
        return out

    def group_hidden(self, key: str) -> np.ndarray:
        """Per row of table ``key``: True when its group size (the main count) is hidden."""
        table, mapped = self.tables[key]
        out = np.zeros(len(table), dtype=bool)
        if mapped is None or mapped.main is None:
            return out
        for e in mapped.entries:
            if e.column == mapped.main and e.cell in self.hidden:
                out[e.row] = True
        return out

    def value(self, cell: Cell) -> float | None:
        """The count of ``cell`` when shown, else None (hidden or never published)."""
        if cell in self.hidden or cell not in self.values:
            return None
        return self.values[cell]

    def summary(self) -> dict[str, int]:
        """How many counts are published, hidden by the rule, and hidden to protect them."""
        primary = {c for c, v in self.values.items() if 1 <= v <= self.min_cell - 1}
        return {"counts": len(self.values), "primary": len(primary), "secondary": len(self.hidden - primary),
                "unprotected": len(self.unprotected)}


def _check(system: System, expr: Expression, v: float, mc: int) -> tuple[bool, float, float, set]:
    """Is ``expr`` (true value ``v``) protected? See :meth:`System.check`."""
    return system.check(expr, mc, value=v)
