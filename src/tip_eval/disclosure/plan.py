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

import copy
import logging
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tip_eval.disclosure.facts import (
    LABEL_COLUMNS,
    MISSING,
    OVER,
    Cell,
    Entry,
    Mapped,
    Relation,
    describe,
    entry_value,
    map_table,
)
from tip_eval.disclosure.lp import Expression, Group, System
from tip_eval.io.sources import DEFAULT_MIN_CELL, check_min_cell

__all__ = ["DEFAULT_MIN_CELL", "Plan", "check_min_cell", "granularity"]

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

    def __init__(
        self,
        min_cell: int = DEFAULT_MIN_CELL,
        *,
        atoms: pd.DataFrame | None = None,
        granularity: Mapping[str, tuple[float, float]] | None = None,
    ) -> None:
        self.min_cell = check_min_cell(min_cell)
        self._atoms = atoms
        self.tables: dict[str, tuple[pd.DataFrame, Mapped]] = {}
        self.values: dict[Cell, float] = {}
        self.relations: set[Relation] = set()
        self.hidden: set[Cell] = set()
        self.assumed: set[Cell] = set()  # known to a reader from tables outside this plan (assume_totals)
        self.granularity: dict[str, tuple[float, float]] = dict(granularity or {})
        self._measure_lost: dict[str, int] = {}  # per measure: published numbers one of its counts takes with it
        self._via_closure: set[Cell] = set()
        self.unprotected: list[tuple[Expression, float, float]] = []
        self._solved = False
        self._suppressed: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}  # table() per key, per hidden set

    # -- building ----------------------------------------------------------------------------------
    def add(
        self,
        key: str,
        table: pd.DataFrame,
        *,
        measure: str | None = None,
        by: Sequence[str] | None = None,
        layout: str | None = None,
        sizes: str | Sequence[str] | None = None,
        counts: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
        shares: Mapping[str, str] | None = None,
        strata: str | Sequence[str] | None = None,
    ) -> str:
        """Register a table the publication shows under ``key``; returns the key.

        A result of a tip_eval analysis is recognised by its columns: ``measure`` (``"knowledge"``
        or ``"confidence"``) names the test of a gains table without a ``measure`` column, ``by``
        its grouping columns (default: its leading text columns), ``layout`` the analysis it comes
        from (default: recognised). Any other table is described by ``sizes`` (the columns
        counting each row's people, the group size first), ``counts`` (people with a
        characteristic among them, optionally with the columns computed from each), ``shares``
        (percentage column -> its size column) and ``strata`` (see
        :func:`tip_eval.disclosure.facts.describe`). A table that is neither is refused: a count of
        people must never pass unchecked.
        """
        if self._solved:
            raise RuntimeError("the plan is solved: add every table before calling solve()")
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
        if key in self.tables:
            raise ValueError(f"a table is already registered as {key!r}")
        table = table.drop(columns="suppressed", errors="ignore")
        plain = _bare(table)
        records = plain.to_dict("records")
        mapped: Mapped | None
        if sizes is not None:
            mapped = describe(plain, name=key, sizes=sizes, counts=counts, shares=shares, by=by, strata=strata)
        else:
            by_list = list(by) if by is not None else None
            mapped = map_table(plain, measure=measure, by=by_list, layout=layout, records=records)
        if mapped is None:
            raise ValueError(
                f"table {key!r}: not a result of a tip_eval analysis the plan knows (its columns: "
                f"{', '.join(map(str, table.columns))}); describe its counts with sizes=, counts= and "
                "shares="
            )
        vals = [entry_value(records[e.row], e) for e in mapped.entries]
        clash = {
            e.cell.measure
            for e, v in zip(mapped.entries, vals)
            if not np.isnan(v) and e.cell in self.values and abs(self.values[e.cell] - v) > 0.5
        }
        if clash:  # the same name, other people: a measure of its own for this table
            rename = {m: f"{m}#{key}" for m in clash}
            for e in mapped.entries:
                if e.cell.measure in rename:
                    e.cell = Cell(rename[e.cell.measure], e.cell.group)
            mapped.relations |= {
                (k, tuple(rename.get(m, m) for m in lhs), rename.get(rhs, rhs)) for k, lhs, rhs in mapped.relations
            }
        for e, v in zip(mapped.entries, vals):
            if not np.isnan(v):
                self.values.setdefault(e.cell, float(v))
        self.relations |= mapped.relations
        self.tables[key] = (table, mapped)
        return key

    def assume_totals(self, key: str) -> int:
        """Take the totals of table ``key`` over every coarser grouping as known to a reader; returns how many.

        For a table shown on its own (:func:`tip_eval.disclosure.suppress`): a reader is assumed to
        know, from other tables, every total of its counts for each value of every smaller
        combination of its grouping columns (per country and per sector of a table by country
        and sector, and overall), as those tables would show them: each level of totals is
        suppressed in turn (coarsest first, knowing the coarser ones), and what it shows is known.
        A known total is never hidden to protect a count of this table (the tables that show it
        are not in this plan), and a count of this table that stands for the same people is
        known with it.
        """
        if self._solved:
            raise RuntimeError("the plan is solved: assume totals before calling solve()")
        from itertools import combinations

        _, mapped = self.tables[key]
        dims = list(mapped.by)
        full = {e.cell for e in mapped.entries if len(e.cell.group) == len(dims)}
        sums: dict[tuple[str, ...], dict[Cell, float]] = {}
        for cell in full:
            v = self.values.get(cell, np.nan)
            groups = dict(cell.group)
            for k in range(len(dims)):
                for sub in combinations(dims, k):
                    total = Cell(cell.measure, tuple((d, groups[d]) for d in sorted(sub)))
                    level = sums.setdefault(tuple(sorted(sub)), {})
                    level[total] = level.get(total, 0.0) + v  # NaN when any part is unknown
        known: dict[Cell, float] = {}
        self._canonicalise(None)
        self._lost()
        self.canon: dict[Cell, Cell] = {}  # solve() and verify() canonicalise with the atoms
        measure_lost = dict(self._measure_lost)
        for k in range(len(dims)):
            for sub in combinations(sorted(dims), k):
                level = {c: v for c, v in sums.get(sub, {}).items() if not np.isnan(v) and c not in self.values}
                if not level:
                    continue
                margin = Plan(self.min_cell, atoms=self._atoms)
                margin._measure_lost = measure_lost  # its table would weigh its counts as this one does
                margin.values = {**known, **level}
                margin.assumed = set(known)
                margin.relations = set(self.relations)
                margin.solve()
                known.update({c: v for c, v in level.items() if c not in margin.hidden})
        self.values.update(known)
        self.assumed |= set(known)
        return len(known)

    def atoms(self) -> pd.DataFrame | None:
        """The combinations of the grouping values the plan's cells use, as text (None without ``atoms=``)."""
        if self._atoms is None:
            return None
        dims = sorted({d for c in self.values for d, _ in c.group} & set(self._atoms.columns))
        if not dims:
            return None
        return self._atoms[dims].astype(object).where(self._atoms[dims].notna(), MISSING).astype(str).drop_duplicates()

    # -- solving -----------------------------------------------------------------------------------
    def _canonicalise(self, atoms: pd.DataFrame | None) -> None:
        """One cell for the same people: groups with the same atoms (a province with one training) are one count."""
        self.canon = {}
        if atoms is None:
            self.canon = {c: c for c in self.values}
            return
        cols = {d: atoms[d].to_numpy(dtype=object) for d in atoms.columns}
        # the same atoms, the same people (a group of a dimension the atoms lack stands for itself)
        cache: dict[Group, frozenset[int] | Group] = {}
        first: dict[tuple[str, frozenset[int] | Group], Cell] = {}
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
            for _table, mapped in self.tables.values():
                by_row: dict[int, dict[str, Cell]] = {}
                for e in mapped.entries:
                    by_row.setdefault(e.row, {})[e.column] = e.cell
                for e in mapped.entries:
                    if e.size is not None and e.cell in canon:
                        size = by_row.get(e.row, {}).get(e.size)
                        if size is not None and size in canon:
                            pairs.setdefault(canon[size], set()).add(canon[e.cell])
            self._share_pairs: dict[Cell, set[Cell]] | None = pairs
        for size in [c for c in pairs if c in self.hidden]:
            self._via_closure |= pairs[size] - self.hidden
            self.hidden |= pairs[size]

    def _relation_expressions(self) -> list[tuple[Expression, float]]:
        """Each remainder of a relation a reader could count (people with the pre-test but not both tests, ...).

        Formed for every group any cell of the relation's measures is published for, each count
        taken as its canonical cell (a province with one training is that training).
        """
        out = []
        values, canon = self._cvalues, self.canon
        groups: dict[str, set[Group]] = {}
        for c in self.values:
            groups.setdefault(c.measure, set()).add(c.group)
        seen = set()
        for kind, lhs, rhs in sorted(self.relations):
            if kind != "le":
                continue
            for g in sorted(groups.get(rhs, ())):
                big = canon.get(Cell(rhs, g))
                if big is None:
                    continue
                for parts in sorted({tuple(lhs)} | {(m,) for m in lhs}):
                    found = [canon.get(Cell(m, g)) for m in parts]
                    cells = [c for c in found if c is not None and c in values]
                    if len(cells) < len(found) or big in cells:
                        continue
                    expr = Expression(((big, 1.0),) + tuple((c, -1.0) for c in cells))
                    if expr in seen:
                        continue
                    seen.add(expr)
                    out.append((expr, values[big] - sum(values[c] for c in cells)))
        return out

    def _lost(self) -> dict[Cell, int]:
        """Per canonical cell: how many published numbers hiding it blanks (itself, what it governs, its row)."""
        lost: dict[Cell, int] = {}
        for table, mapped in self.tables.values():
            if mapped is None:
                continue
            stats = [c for c in table.columns if c not in LABEL_COLUMNS and c not in mapped.by]
            for e in mapped.entries:
                whole = e.column == mapped.main or e.column in mapped.row_sizes
                k = len(stats) if whole else 1 + len(mapped.governs.get(e.column, []))
                self._measure_lost[e.cell.measure] = max(self._measure_lost.get(e.cell.measure, 0), k)
                c = self.canon.get(e.cell)
                if c is not None:
                    lost[c] = lost.get(c, 0) + k
        return lost

    def _cost(self, cell: Cell) -> tuple[float, Cell]:
        """What hiding ``cell`` costs a reader: its count times the published numbers that go with it.

        A group size takes every statistic of its rows; an overall count costs four times over.
        """
        v = self._cvalues[cell]
        weight = 1.0 + self._lost_counts.get(cell, self._measure_lost.get(cell.measure, 0))
        if not cell.group:
            weight *= 4.0
        return (v * weight, cell)

    def solve(self, *, give_back: int = 0, min_lost: int = 0) -> Plan:
        """Primary then secondary suppression across every registered table (see the module docstring).

        ``give_back``: after secondary suppression, try to show again up to that many of the cells
        it hid (those whose loss costs readers most first, only those taking at least ``min_lost``
        published numbers with them): one is shown again when everything stays protected without
        it (:meth:`verify`). Secondary suppression picks one cell at a time, so an early pick can
        turn out unnecessary once later ones are made.
        """
        mc = self.min_cell
        atoms = self.atoms()
        self._canonicalise(atoms)
        self._share_pairs = None
        self._cvalues = {c: v for c, v in self.values.items() if self.canon[c] == c}
        values = self._cvalues
        self._lost_counts = self._lost()
        self._via_closure = set()
        self.hidden = {c for c, v in values.items() if 1 <= v <= mc - 1}
        self._closure()
        # totals taken as known from elsewhere (assume_totals) are never hidden to protect anything, nor is a
        # count of the same people
        fixed = {self.canon[c] for c in self.assumed}
        self._fixed = fixed
        # remainders a reader forms from known totals alone are not this plan's to protect
        relation_exprs = [(e, v) for e, v in self._relation_expressions() if not all(c in fixed for c, _ in e.terms)]
        # a remainder shown in full is primary too: hide the cheaper of its counts at once
        for expr, v in relation_exprs:
            cells = [c for c, _ in expr.terms if c not in fixed]
            if 1 <= v <= mc - 1 and not any(c in self.hidden for c, _ in expr.terms):
                self.hidden.add(min(cells, key=self._cost))
        self._closure()
        known = {c: (v, v) for c, v in values.items() if c not in self.hidden}
        system = System(known, values, self.relations, atoms)
        self.unprotected = []
        self.reasons: list[tuple[Cell, Expression, float, float]] = []  # secondary: (hidden, to protect, its range)
        self.given_back: list[Cell] = []  # secondary cells shown again (solve(give_back=...))
        work = [(Expression.of(c), values[c]) for c in sorted(self.hidden)] + relation_exprs
        queued = {e for e, _ in work}
        i = 0
        while i < len(work):
            expr, v = work[i]
            ok, lo, hi, binding = _check(system, expr, v, mc)
            if ok:
                i += 1
                continue
            candidates = [c for c in binding if c not in self.hidden and c in values and c not in fixed]
            if not candidates:
                candidates = [
                    c for c in system.overlapping_known(expr) if c not in self.hidden and c in values and c not in fixed
                ]
            if not candidates:
                self.unprotected.append((expr, lo, hi))
                log.warning("disclosure plan: cannot protect %s (range %s to %s)", expr.describe(), lo, hi)
                i += 1
                continue
            before = set(self.hidden)
            chosen = min(candidates, key=self._cost)
            self.reasons.append((chosen, expr, lo, hi))
            self.hidden.add(chosen)
            self._closure()
            for c in sorted(self.hidden - before):
                system.hide(c)
                e = Expression.of(c)
                if e not in queued:
                    queued.add(e)
                    work.append((e, values[c]))
            # expr is checked again (i unchanged); what passed stays protected: hiding only widens ranges
        self._give_back(give_back, min_lost)
        self.hidden = {c for c in self.values if self.canon[c] in self.hidden}
        self._via_closure = {c for c in self.values if self.canon[c] in self._via_closure}
        self._suppressed = {}
        self._solved = True
        return self

    def _give_back(self, limit: int, min_lost: int) -> None:
        """Show again secondary cells that later choices made unnecessary (see :meth:`solve`); canonical cells."""
        if limit <= 0 or not self.reasons:
            return
        chosen = sorted({c for c, _, _, _ in self.reasons} & self.hidden, key=self._cost, reverse=True)
        pairs = self._share_pairs or {}
        tried = 0
        for c in chosen:
            if tried >= limit:
                break
            if self._lost_counts.get(c, 0) < min_lost:
                continue
            tried += 1
            trial = self.hidden - {c} - (pairs.get(c, set()) & self._via_closure)
            if not self.verify(trial):
                self.given_back.append(c)
                self._via_closure -= pairs.get(c, set())
                self.hidden = trial

    def verify(self, hidden: set[Cell]) -> list[tuple[Expression, float, float]]:
        """Check a choice of hidden cells against the rule, without changing the plan.

        Returns every hidden count, and every difference of counts a reader can form, that can be
        narrowed to fewer than ``min_cell`` values while it could be 1 to ``min_cell - 1``, with
        its range: empty when ``hidden`` protects everything. (Used to check tables suppressed
        elsewhere, and by the tests.)
        """
        atoms = self.atoms()
        if not getattr(self, "canon", None):
            self._canonicalise(atoms)
        if not getattr(self, "_cvalues", None):
            self._cvalues = {c: v for c, v in self.values.items() if self.canon[c] == c}
        values = self._cvalues
        fixed = {self.canon[c] for c in self.assumed}
        gone = {self.canon[c] for c in hidden if c in self.canon} - fixed
        known = {c: (v, v) for c, v in values.items() if c not in gone}
        system = System(known, values, self.relations, atoms)
        work = [(Expression.of(c), values[c]) for c in sorted(gone)]
        work += [(e, v) for e, v in self._relation_expressions() if not all(c in fixed for c, _ in e.terms)]
        out = []
        for expr, v in work:
            ok, lo, hi, _ = system.check(expr, self.min_cell, value=v)
            if not ok:
                out.append((expr, lo, hi))
        return out

    # -- results -----------------------------------------------------------------------------------
    def is_hidden(self, cell: Cell) -> bool:
        """True when ``cell`` is hidden (by the rule, or to protect another)."""
        return cell in self.hidden

    def table(self, key: str) -> pd.DataFrame:
        """The table registered as ``key`` with its hidden counts, and the statistics they govern, blanked.

        Like :func:`tip_eval.disclosure.suppress`: blanked values are NaN (``<NA>`` in integer and
        boolean columns), a last column ``suppressed`` marks the rows that lost anything, and
        ``attrs["suppressed_cells"]`` maps each column to the index labels blanked in it.
        """
        if not self._solved:
            raise RuntimeError("call solve() first")
        # a brief and its workbook ask for the same tables several times: each is blanked once per solve
        stamp = (id(self.hidden), len(self.hidden))
        stamped = self._suppressed.get(key)
        if stamped is None or stamped[0] != stamp:
            stamped = self._suppressed[key] = (stamp, self._table(key))
        done = stamped[1]
        out = _bare(done).copy()
        out.attrs = copy.deepcopy(done.attrs)
        return out

    def _table(self, key: str) -> pd.DataFrame:
        table, mapped = self.tables[key]
        out = _bare(table).copy()
        n = len(out)
        blank = {c: np.zeros(n, dtype=bool) for c in out.columns}
        coarse: dict[tuple[int, str], Entry] = {}  # shares hidden only because their group size is: see OVER
        if mapped is not None and n:
            by = set(mapped.by)
            for e in mapped.entries:
                if e.cell not in self.hidden:
                    continue
                if e.cell in self._via_closure and e.column in OVER.get(mapped.layout, {}):
                    coarse[(e.row, e.column)] = e
                    continue
                blank[e.column][e.row] = True
                for g in mapped.governs.get(e.column, []):
                    if g in blank:
                        blank[g][e.row] = True
                if e.column == mapped.main or e.column in mapped.row_sizes:  # a group size: the row goes with it
                    for c in out.columns:
                        if c not in LABEL_COLUMNS and c not in by:
                            blank[c][e.row] = True
        rounded = self._over(out, mapped, blank, coarse) if mapped is not None and n else {}
        cells: dict[str, list[Hashable]] = {}
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
        out.attrs["rounded_cells"] = rounded
        out.attrs["min_cell"] = self.min_cell
        return out

    def _over(
        self, out: pd.DataFrame, mapped: Mapped, blank: dict[str, np.ndarray], coarse: dict[tuple[int, str], Entry]
    ) -> dict[str, dict[Hashable, float]]:
        """Statistics over a count the table does not show: rounded, kept or blanked (see facts.OVER), in place.

        Returns ``{column: {index label: step}}`` of the values rounded.
        """
        spec = OVER.get(mapped.layout, {})
        if not spec:
            return {}
        at: dict[tuple[int, str], Entry] = {(e.row, e.column): e for e in mapped.entries}
        rounded: dict[str, dict[Hashable, float]] = {}
        for col, (sizes, kind, lower, factor) in spec.items():
            if col not in out.columns:
                continue
            values = out[col].to_numpy(dtype=object).copy()
            changed = False
            for r in range(len(out)):
                if blank[col][r]:
                    continue
                entries = [at.get((r, s)) for s in sizes]
                shown = all(e is not None and e.cell not in self.hidden and e.cell in self.values for e in entries)
                if shown and (r, col) not in coarse:
                    continue  # the count is shown: so is the statistic, as it is
                low_entry = at.get((r, lower)) if lower else None
                low = (
                    self.values.get(low_entry.cell, np.nan)
                    if low_entry is not None and low_entry.cell not in self.hidden
                    else np.nan
                )
                low = 0.0 if np.isnan(low) else low
                step = None
                if kind == "estimate":
                    if low >= self.min_cell:
                        continue
                elif kind == "share":
                    e = coarse.get((r, col)) or entries[0]
                    size = (
                        self.values.get(at[(r, e.size)].cell, np.nan)
                        if e is not None and e.size is not None and (r, e.size) in at
                        else np.nan
                    )
                    k = self.values.get(e.cell, np.nan) if e is not None and e.size else np.nan
                    small = not (np.isnan(k) or np.isnan(size)) and (k < self.min_cell or size - k < self.min_cell)
                    step = None if small else _step(1.0 / low if low else np.inf, 1.0)
                elif kind == "mean":
                    ref = next((e for e in entries if e is not None), low_entry)
                    grain = self.granularity.get(ref.cell.measure.rsplit(".", 1)[0]) if ref is not None else None
                    if grain is not None:
                        step = _step(grain[0] * factor / low if low else np.inf, grain[1] * factor)
                v = values[r]
                if step is None or v is None or pd.isna(v):
                    blank[col][r] = True
                    continue
                # a whole number of steps, without the binary noise of the product (62.65, not 62.650000000000006)
                values[r] = round(round(float(v) / step) * step, 10)
                rounded.setdefault(str(col), {})[out.index[r]] = step
                changed = True
            if changed:
                out[col] = pd.to_numeric(pd.Series(values, index=out.index), errors="coerce")
        return rounded

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
        values = {c: v for c, v in self.values.items() if c not in self.assumed}
        primary = {c for c, v in values.items() if 1 <= v <= self.min_cell - 1}
        hidden = self.hidden & set(values)
        return {
            "counts": len(values),
            "primary": len(primary),
            "secondary": len(hidden - primary),
            "unprotected": len(self.unprotected),
        }


#: steps a statistic may be rounded to: 1, 2 and 5 times a power of ten
_STEPS = tuple(m * 10.0**k for k in range(-4, 4) for m in (1, 2, 5))


def _step(finest: float, scale: float) -> float | None:
    """The smallest step of :data:`_STEPS` at least ``finest``; None when it would exceed 5% of ``scale``.

    A percentage to the nearest 5 points still informs; coarser, the value is left out.
    """
    for step in _STEPS:
        if step >= finest - 1e-12:
            return step if step <= 0.05 * scale + 1e-12 else None
    return None


def granularity(study: object) -> dict[str, tuple[float, float]]:
    """The per-person step of each score of ``study``, and its range: what :class:`Plan` rounds means to.

    A mean of scores over ``d`` people is a multiple of ``step / d``: shown in full it gives ``d``
    back. Keys are the measures of the plan: ``"knowledge"`` (percent of the maximum: 100 times
    the grid of the raw scores over the smallest maximum score), ``"confidence"`` (a person's
    mean rating: 1 over the fewest competencies anyone rated) and ``"module:<module>"``
    (100 times the grid of the item points over the module's points). A measure whose grid
    cannot be found (scores with arbitrary decimals) is left out: its means are blanked instead
    of rounded when the number of people is hidden.
    """
    from fractions import Fraction
    from math import gcd

    def grid(values: Any) -> float | None:
        num, den = 0, 1
        for v in pd.Series(values, dtype=float).dropna().unique():
            f = Fraction(float(v)).limit_denominator(1000)
            if abs(float(f) - float(v)) > 1e-9:
                return None
            den_new = den * f.denominator // gcd(den, f.denominator)
            num = gcd(num * (den_new // den), f.numerator * (den_new // f.denominator))
            den = den_new
        return num / den if num else None

    out: dict[str, tuple[float, float]] = {}
    scores = getattr(study, "scores", None)
    if scores is not None and len(scores):
        unit, top = grid(scores["score"]), pd.to_numeric(scores["max_score"], errors="coerce").min()
        if unit and top and top > 0:
            out["knowledge"] = (100.0 * unit / float(top), 100.0)
    conf = getattr(study, "confidence", None)
    if conf is not None and len(conf):
        fewest = int(conf.groupby(["participant_id", "phase"]).size().min())
        if fewest > 0:
            out["confidence"] = (1.0 / fewest, 4.0)
    items = getattr(study, "items", None)
    if items is not None and len(items) and "module" in items:
        for module, part in items.groupby("module"):
            unit, total = grid(part["points"]), pd.to_numeric(part["points"], errors="coerce").sum()
            if unit and total > 0:
                out[f"module:{module}"] = (100.0 * unit / float(total), 100.0)
    return out


def _check(system: System, expr: Expression, v: float, mc: int) -> tuple[bool, float, float, set[Cell]]:
    """Is ``expr`` (true value ``v``) protected? See :meth:`System.check`."""
    return system.check(expr, mc, value=v)


def _bare(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s columns and index without its ``attrs`` (no copy of the data).

    pandas deep-copies a frame's ``attrs`` into every column taken out of it and every frame made
    from it; a result table's attrs (its notes, the cells hidden in it) are not read here.
    """
    return pd.DataFrame(frame, copy=False)


def _blank_column(series: pd.Series, mask: np.ndarray) -> pd.Series:
    if not mask.any():
        return series
    dtype = series.dtype
    s: pd.Series
    if pd.api.types.is_bool_dtype(dtype):
        s = series.astype("boolean")
    elif pd.api.types.is_integer_dtype(dtype):
        s = series.astype("Int64")
    elif pd.api.types.is_float_dtype(dtype):
        s = series.copy()
    else:
        s = series.astype(object)
    s = s.copy()
    # pandas-stubs take no missing-value scalar (NaN, pd.NA) for a masked assignment; pandas does
    s[mask] = np.nan if pd.api.types.is_float_dtype(s.dtype) else pd.NA  # type: ignore[call-overload]
    return s
