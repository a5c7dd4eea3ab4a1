"""Disclosure control for everything tip_eval publishes: small-cell suppression and identifiers.

The data are about practitioners in a sensitive field. A table that says "the 3 police officers
from province X gained 2 points", or "1 person in group Y reported that superiors prevent change",
can point at a person. Every publishing path (the workbook, the brief, plots called with
``min_cell=``) therefore passes its result frames through :func:`suppress` first.

The rule
--------
**Primary suppression.** A statistic computed from fewer than ``min_cell`` people is not shown:

- *group sizes* (``n`` of :func:`~tip_eval.gains`, ``n_interviewed`` of
  :func:`~tip_eval.followup_summary`, ...): a group of 1 to ``min_cell - 1`` people is blanked as
  a whole, every count and statistic of it, in every row it has (e.g. every competency). A group
  is shown in full or not at all, so the width of an interval or a ``df`` cannot reveal its size;
- *counts of people with a characteristic* inside a shown group (people with a follow-up code,
  people who became over-confident, people who reliably improved, also when given as a
  percentage of the group): a count of 1 to ``min_cell - 1`` is blanked with the percentage and
  interval computed from it;
- *statistics of a subset* (the mean pre-test of the drop-outs, the gain of the people with a
  code): blanked when the subset has fewer than ``min_cell`` people.

Zero counts are shown: they describe nobody.

**Secondary suppression.** No blanked count may be recoverable from what is shown. Every total
of a set of groups (the overall total, and for ``by=["country", "sector"]`` every country's and
every sector's total) is assumed to be known, because tip_eval publishes those tables too, and so
are counts that add up within a row (people with and without a code) and percentages (a
percentage of a shown group size gives the count back). After primary suppression, each blanked
count is checked by linear programming: its smallest and largest value consistent with every
shown number and known total are computed (``scipy.optimize.linprog``). While any blanked count is
pinned to one value, the smallest other count in a set that pins it is blanked too (group sizes
blank their whole group). Both kinds of suppression carry the same mark, so that the mark itself
tells nothing.

Blanked values are NaN (``<NA>`` in integer and boolean columns); the rows that lost anything
have ``suppressed = True``. ``result.attrs["suppressed_cells"]`` maps each column to the index
labels blanked in it (a blank that was already missing for another reason is not listed), and
``result.attrs["min_cell"]`` holds the threshold. Use :func:`footnote` for the sentence that
explains the mark.

Known result frames (the outputs of ``te.gains``, ``te.confidence_gains``,
``te.knowledge_vs_confidence``, ``te.attrition``, ``te.followup_summary``,
``te.code_cooccurrence``, ``te.coder_agreement``, ``te.followup_vs_gains(...).table``,
``te.item_analysis``, ``te.reliability``, ``te.cost_effectiveness``) are recognised by their columns (:data:`LAYOUTS`);
for a frame of your own name its size column(s) with ``n_columns=`` and its grouping columns
with ``by=``.

"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_MIN_CELL",
    "MARK",
    "Layout",
    "LAYOUTS",
    "suppress",
    "footnote",
    "detect_layout",
    "recoverable_cells",
]

#: default smallest number of people a published statistic may describe
DEFAULT_MIN_CELL = 5
#: the symbol shown in formatted tables for a blanked value
MARK = "<5"  # replaced by "<{min_cell}" in footnote()/tables


@dataclass(frozen=True)
class Layout:
    """How one kind of result frame describes people, for :func:`suppress`.

    Attributes
    ----------
    name : str
        Name of the layout (e.g. ``"gains"``).
    signature : tuple of str
        Columns whose joint presence identifies the layout.
    first : str
        The first result column after the ``by`` columns: columns before it are the groups.
    sizes : tuple of str
        Group-size columns: a group with any of them between 1 and ``min_cell - 1`` is blanked as
        a whole (in all its rows).
    counts : mapping of str to tuple of str
        Counts of people with a characteristic -> the columns computed from them (blanked with
        the count).
    percents : mapping of str to (str, tuple of str)
        Percent column -> (the size column it is a percentage of, the columns computed from it).
        The implied count ``round(pct * size / 100)`` is protected like a count.
    subsets : mapping of str to tuple of str
        Size of a subset of the group -> statistics of that subset, blanked when the subset is
        small (the size itself stays, being a shown count of attendance and the like).
    row_sums : tuple of tuple of str
        Counts of one row that add up to a number known from the table (e.g. people with plus
        people without a code).
    within : tuple of (str, str)
        (count, size) pairs with count <= size in every row.
    strata : tuple of str
        Columns that split the frame into separate tables (each competency, each code).
    """

    name: str
    signature: tuple[str, ...]
    first: str
    sizes: tuple[str, ...] = ()
    counts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    percents: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    subsets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    row_sums: tuple[tuple[str, ...], ...] = ()
    within: tuple[tuple[str, str], ...] = ()
    strata: tuple[str, ...] = ()
    pct_partitions: tuple[tuple[str, ...], ...] = ()


_GAIN_STATS = (
    "mean_gain", "sd_gain", "ci_low", "ci_high", "t", "df", "p_value", "p_wilcoxon", "p_adjusted", "cohens_dz",
    "hedges_gz", "dz_ci_low", "dz_ci_high", "d_av", "normalized_gain", "mean_normalized_change",
)
_WITH = ("gain_with", "diff", "ci_low", "ci_high", "p_mannwhitney", "p_adjusted", "odds_ratio_per_10",
         "or_ci_low", "or_ci_high", "p_logit")
_WITHOUT = ("gain_without", "diff", "ci_low", "ci_high", "p_mannwhitney", "p_adjusted", "odds_ratio_per_10",
            "or_ci_low", "or_ci_high", "p_logit")

#: the result frames :func:`suppress` recognises, most specific first
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "compare_trainings", ("raw_gain", "adjusted_diff", "shrunken_effect"), "n",
        sizes=("n",),
    ),
    Layout(
        "item_analysis", ("item_id", "difficulty_pre", "n_matched"), "item_id",
        sizes=("n_pre", "n_post", "n_matched"), strata=("item_id", "module"),
    ),
    Layout(
        "module_summary", ("module", "n_items", "difficulty_pre", "mean_gain"), "module",
        sizes=("n_pre", "n_post", "n"), strata=("module",),
    ),
    Layout(
        "followup_vs_gains", ("n_with", "n_without", "gain_with", "gain_without"), "kind",
        counts={"n_with": (), "n_without": ()},
        percents={
            "pct_reliable_improved_with": ("n_with", ()), "pct_no_reliable_change_with": ("n_with", ()),
            "pct_reliable_declined_with": ("n_with", ()), "pct_reliable_improved_without": ("n_without", ()),
            "pct_no_reliable_change_without": ("n_without", ()), "pct_reliable_declined_without": ("n_without", ()),
        },
        subsets={"n_with": _WITH, "n_without": _WITHOUT},
        row_sums=(("n_with", "n_without"),),
        pct_partitions=(("pct_reliable_improved_with", "pct_no_reliable_change_with", "pct_reliable_declined_with"),
                        ("pct_reliable_improved_without", "pct_no_reliable_change_without",
                         "pct_reliable_declined_without")),
        strata=("kind", "code_id", "label"),
    ),
    Layout(
        "confidence_gains", ("competency_id", "median_pre", "pct_agree_pre"), "competency_id",
        sizes=("n_pre", "n_post", "n"),
        percents={"pct_agree_pre": ("n", ("pct_agree_pre_ci_low", "pct_agree_pre_ci_high")),
                  "pct_agree_post": ("n", ("pct_agree_post_ci_low", "pct_agree_post_ci_high"))},
        strata=("competency_id", "competency"),
    ),
    Layout(
        "gains", ("n_pre", "n_post", "n", "mean_gain", "pre_mean"), "n_pre",
        sizes=("n_pre", "n_post", "n"),
        percents={"pct_improved": ("n", ()), "pct_reliable_improved": ("n", ()),
                  "pct_reliable_declined": ("n", ())},
    ),
    Layout(
        "retention", ("n_pre_post", "n_delayed", "retained_gain"), "n_pre_post",
        sizes=("n_pre_post", "n_delayed", "n"),
        subsets={"n_not_retested": ("gain_not_retested", "retested_gain_diff", "retested_gain_diff_ci_low",
                                    "retested_gain_diff_ci_high")},
        within=(("n", "n_pre_post"), ("n", "n_delayed"), ("n_not_retested", "n_pre_post")),
    ),
    Layout(
        "knowledge_vs_confidence", ("n_overconfident", "mean_knowledge_change"), "n",
        sizes=("n",),
        counts={"n_knowledge_improved": (), "n_more_confident": (), "n_overconfident": ("pct_overconfident",)},
        within=(("n_knowledge_improved", "n"), ("n_more_confident", "n"), ("n_overconfident", "n")),
    ),
    Layout(
        "attrition", ("registered", "took_pre", "matched", "n_dropouts"), "registered",
        sizes=("registered",),
        subsets={
            "matched": ("pre_mean_completers", "cc_mean_gain", "cc_ci_low", "cc_ci_high", "smd", "bias_flag",
                        "conclusion_changes"),
            "n_dropouts": ("pre_mean_dropouts", "smd", "bias_flag"),
            "took_pre": ("mi_mean_gain", "mi_ci_low", "mi_ci_high", "mi_df", "conclusion_changes"),
        },
    ),
    Layout(
        "followup_summary", ("n_interviewed", "n_with_code", "pct_with_code"), "kind",
        sizes=("n_interviewed",),
        counts={"n_with_code": ("pct_with_code", "ci_low", "ci_high")},
        within=(("n_with_code", "n_interviewed"),),
        strata=("kind", "code_id", "label", "theme"),
    ),
    Layout(
        "code_cooccurrence", ("code_a", "code_b", "n_both"), "code_a",
        sizes=("n_interviews",),
        counts={"n_a": ("c_coefficient",), "n_b": ("c_coefficient",), "n_both": ("c_coefficient",)},
        strata=("code_a", "code_b", "label_a", "label_b"),
    ),
    Layout(
        "coder_agreement", ("n_double_coded", "n_either", "cohen_kappa"), "kind",
        sizes=("n_double_coded",),
        counts={"n_either": ()},
        strata=("kind", "code_id", "label"),
    ),
    Layout(
        "reliability", ("phase", "method", "k", "sem"), "phase",
        sizes=("n",), strata=("phase", "method"),
    ),
    Layout(
        "cost_effectiveness", ("cost_total", "n_registered", "cost_per_trained"), "currency",
        sizes=("n_registered", "n_matched"),
        counts={"n_reliably_improved": ("cost_per_reliably_improved", "cost_per_reliably_improved_ci_low",
                                        "cost_per_reliably_improved_ci_high")},
        within=(("n_reliably_improved", "n_matched"), ("n_matched", "n_registered")),
    ),
)


def detect_layout(table: pd.DataFrame) -> Layout | None:
    """Return the :class:`Layout` whose signature columns ``table`` has, or None."""
    cols = set(map(str, table.columns))
    for layout in LAYOUTS:
        if set(layout.signature) <= cols:
            return layout
    return None


def footnote(min_cell: int = DEFAULT_MIN_CELL) -> str:
    """The sentence that explains the suppression mark, for tables, sheets and briefs."""
    return (f"<{min_cell}: not shown because it describes fewer than {min_cell} people, or because it would "
            f"let such a number be worked out from totals or other cells (small-cell suppression).")


# --------------------------------------------------------------------------------------------------
# suppress
# --------------------------------------------------------------------------------------------------


def suppress(
    table: pd.DataFrame,
    min_cell: int = DEFAULT_MIN_CELL,
    n_columns: str | Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
    counts: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    strata: str | Sequence[str] | None = None,
    secondary: bool = True,
) -> pd.DataFrame:
    """Blank every statistic that describes fewer than ``min_cell`` people, and whatever would reveal it.

    Parameters
    ----------
    table : pandas.DataFrame
        A result frame (one row per group). The outputs of the tip_eval analysis functions are
        recognised by their columns (see :data:`LAYOUTS`), also after columns were dropped.
    min_cell : int, default 5
        Smallest number of people a shown statistic may describe (at least 1; 1 disables
        suppression).
    n_columns : str or list of str, optional
        Group-size column(s) of a frame of your own (default: the layout's, else ``"n"`` when the
        frame has it). Giving it overrides the layout's sizes.
    by : str or list of str, optional
        The grouping columns, whose marginal totals are assumed known for secondary suppression
        (default: the columns before the layout's first result column; for a frame of your own,
        its text columns).
    counts : list of str or mapping, optional
        Counts of people with a characteristic in a frame of your own (a mapping gives, per
        count, the columns computed from it).
    strata : str or list of str, optional
        Columns that split the frame into separate tables (default: the layout's).
    secondary : bool, default True
        Apply secondary suppression (only turn off to inspect primary suppression).

    Returns
    -------
    pandas.DataFrame
        A copy with blanked values, a boolean ``suppressed`` column (last), and
        ``attrs["suppressed_cells"]``, ``attrs["min_cell"]`` (see the module docstring). Number
        columns keep full precision.

    Examples
    --------
    >>> import pandas as pd
    >>> from tip_eval.disclosure import suppress
    >>> t = pd.DataFrame({"country": ["KHM", "IDN", "THA"], "n": [40, 3, 30], "mean": [11.0, 4.0, 9.0]})
    >>> suppress(t, 5)["suppressed"].tolist()   # IDN, and THA so IDN's n cannot be worked out
    [False, True, True]
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number of people, at least 1; got {min_cell!r}")
    min_cell = int(min_cell)
    out = table.copy()
    out.attrs = {}  # restored below; pandas deep-copies attrs into every column taken out of a frame
    if "suppressed" in out.columns:
        out = out.drop(columns="suppressed")
    out.index = table.index
    spec = _spec(out, n_columns, by, counts, strata)
    blank = {c: np.zeros(len(out), dtype=bool) for c in out.columns}
    if len(out) and min_cell > 1:
        _apply(out, spec, min_cell, blank, secondary)
    cells: dict[str, list] = {}
    for c, m in blank.items():
        if not m.any():
            continue
        already = out[c].isna().to_numpy()
        shown_labels = out.index[m & ~already].tolist()
        if shown_labels:
            cells[str(c)] = shown_labels
        out[c] = _blank_column(out[c], m)
    row = np.zeros(len(out), dtype=bool)
    for m in blank.values():
        row |= m
    out["suppressed"] = row
    out.attrs = dict(table.attrs)
    out.attrs["suppressed_cells"] = cells
    out.attrs["min_cell"] = min_cell
    out.attrs["suppression_layout"] = spec.name
    return out


@dataclass
class _Spec:
    name: str
    by: list[str]
    strata: list[str]
    sizes: list[str]
    counts: dict[str, list[str]]          # protected counts (real columns) -> governed
    percents: dict[str, tuple[str, list[str]]]  # pct col -> (size col, governed)
    subsets: dict[str, list[str]]
    row_sums: list[tuple[str, ...]]
    within: list[tuple[str, str]]
    pct_partitions: list[tuple[str, ...]] = field(default_factory=list)


def _listify(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _spec(table: pd.DataFrame, n_columns, by, counts, strata) -> _Spec:
    cols = [str(c) for c in table.columns]
    present = set(cols)
    layout = detect_layout(table)
    if layout is not None:
        sizes = [c for c in layout.sizes if c in present]
        cnt = {c: [g for g in gov if g in present] for c, gov in layout.counts.items() if c in present}
        pct = {p: (s, [g for g in gov if g in present]) for p, (s, gov) in layout.percents.items()
               if p in present and s in present}
        sub = {s: [g for g in gov if g in present] for s, gov in layout.subsets.items() if s in present}
        row_sums = [rs for rs in layout.row_sums if set(rs) <= present]
        within = [w for w in layout.within if set(w) <= present]
        strat = [c for c in layout.strata if c in present]
        parts = [pp for pp in layout.pct_partitions if set(pp) <= set(pct)]
        default_by = cols[: cols.index(layout.first)] if layout.first in present else []
        name = layout.name
    else:
        sizes = ["n"] if "n" in present else []
        cnt, pct, sub, row_sums, within, strat, parts = {}, {}, {}, [], [], [], []
        default_by = None
        name = "custom"
    if n_columns is not None:
        sizes = _listify(n_columns)
    if counts is not None:
        cnt = ({str(k): _listify(v) for k, v in counts.items()} if isinstance(counts, Mapping)
               else {c: [] for c in _listify(counts)})
    if strata is not None:
        strat = _listify(strata)
    numeric_roles = set(sizes) | set(cnt) | set(pct) | set(sub)
    if by is not None:
        by_cols = _listify(by)
    elif default_by is not None:
        by_cols = [c for c in default_by if c not in strat]
    else:
        by_cols = [c for c in cols if c not in numeric_roles and c not in strat
                   and not pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]
    for role, names in (("n_columns", sizes), ("by", by_cols), ("strata", strat), ("counts", list(cnt))):
        missing = [c for c in names if c not in present]
        if missing:
            raise ValueError(f"{role}: column(s) {missing} not in the table; its columns are: {', '.join(cols)}")
    if not sizes and not cnt and not pct:
        raise ValueError("n_columns: the table has no column saying how many people each row describes; "
                         f"name it with n_columns= (its columns are: {', '.join(cols)})")
    return _Spec(name, by_cols, strat, sizes, cnt, pct, sub, row_sums, within, parts)


def _as_float(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


#: stands for a missing value in group keys, so that missing keys form a group of their own
_MISSING_KEY = "\x00<missing>"


def _group_ids(table: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Group number of each row over the ``by`` columns, in order of first appearance (missing = a value).

    The numbering of ``groupby(by, sort=False, dropna=False).ngroup()``, by factorising each
    column and then the combined codes (a groupby costs more than the small tables it sees here).
    """
    if not by:
        return np.zeros(len(table), dtype=np.int64)
    combined = np.zeros(len(table), dtype=np.int64)
    for c in by:
        col = table[c]
        values = col.to_numpy(dtype=object, na_value=_MISSING_KEY) if col.isna().any() else col.to_numpy(dtype=object)
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        combined = pd.factorize(combined * len(uniques) + codes)[0].astype(np.int64)
    return combined



def _stratum_ids(table: pd.DataFrame, strata: list[str]) -> np.ndarray:
    return _group_ids(table, strata)


class _Cells:
    """The protected counts of a table as one array (rows x count-columns) with their blank mask."""

    def __init__(self, table: pd.DataFrame, spec: _Spec):
        self.names: list[str] = []
        values = []
        self.kind: list[str] = []
        for c in spec.sizes:
            self.names.append(c)
            values.append(_as_float(table[c]))
            self.kind.append("size")
        for c in spec.counts:
            if c in self.names:
                continue
            self.names.append(c)
            values.append(_as_float(table[c]))
            self.kind.append("count")
        for p, (s, _) in spec.percents.items():
            self.names.append(p)
            values.append(np.round(_as_float(table[p]) * _as_float(table[s]) / 100.0))
            self.kind.append("percent")
        self.values = np.column_stack(values) if values else np.zeros((len(table), 0))
        self.col = {n: j for j, n in enumerate(self.names)}


@dataclass
class _Problem:
    """The protected counts of one table, as numbers: what suppression works on."""

    values: np.ndarray                 # rows x counts (float, NaN where undefined)
    kinds: list[str]                   # "size", "count" or "percent" per column of values
    keys: pd.DataFrame                 # the by columns (for marginal totals)
    stratum: np.ndarray                # separate tables within the frame
    min_cell: int
    pairs: list[tuple[int, int]]       # (count, size) with count <= size in every row
    row_facts: list = field(default_factory=list)

    @cached_property
    def groups(self) -> np.ndarray:
        return _group_ids(self.keys, list(self.keys.columns))


def _problem(table: pd.DataFrame, spec: _Spec, cells: _Cells, min_cell: int) -> _Problem:
    stratum = _stratum_ids(table, spec.strata)
    keys = table[spec.by].astype(object).where(table[spec.by].notna(), _MISSING_KEY).reset_index(drop=True)
    prob = _Problem(cells.values, list(cells.kind), keys, stratum, min_cell, _within_pairs(cells, spec))
    prob.row_facts = _row_facts(cells, spec)
    return prob


def _protect(prob: _Problem, secondary: bool = True) -> np.ndarray:
    """Primary suppression, the closure over groups, and secondary suppression: the blank mask."""
    v = prob.values
    mask = (v > 0) & (v < prob.min_cell) & ~np.isnan(v)
    mask = _close(prob, mask)
    if secondary and v.size:
        mask = _secondary(prob, mask)
    return mask


def _close(prob: _Problem, mask: np.ndarray) -> np.ndarray:
    """Any blanked group size blanks its whole group: every row (all strata) and every count."""
    size_j = [j for j, k in enumerate(prob.kinds) if k == "size"]
    if size_j:
        hit = mask[:, size_j].any(axis=1)
        if hit.any():
            groups = prob.groups
            rows = np.isin(groups, np.unique(groups[hit]))
            mask[rows, :] = True
    return mask


def _apply(table: pd.DataFrame, spec: _Spec, min_cell: int, blank: dict[str, np.ndarray], secondary: bool) -> None:
    cells = _Cells(table, spec)
    n_rows = len(table)
    prob = _problem(table, spec, cells, min_cell)
    mask = _protect(prob, secondary) if cells.values.size else np.zeros((n_rows, 0), dtype=bool)
    size_j = [j for j, k in enumerate(cells.kind) if k == "size"]
    row_blank = mask[:, size_j].any(axis=1) if size_j else np.zeros(n_rows, dtype=bool)
    # statistics of small subsets (the drop-outs' mean pre-test, the gain of people with a code)
    for sub, governed in spec.subsets.items():
        sv = _as_float(table[sub])
        bad = (sv > 0) & (sv < min_cell)
        for g in governed:
            blank[g] |= bad
    for j, name in enumerate(cells.names):
        m = mask[:, j]
        blank[name] |= m
        governed = spec.percents[name][1] if cells.kind[j] == "percent" else spec.counts.get(name, [])
        for g in governed:
            blank[g] |= m
    if row_blank.any():
        keep = set(spec.by) | set(spec.strata) | _LABELS
        for c in table.columns:
            if c not in keep:
                blank[c] |= row_blank


#: columns that name a row rather than describe people: never blanked
_LABELS = frozenset({"confidence", "kind", "code_id", "label", "theme", "level", "applied_practice", "competency",
                     "competency_id", "code_a", "code_b", "label_a", "label_b", "phase", "method", "n_imputations",
                     "n_codes", "note", "k", "module", "item_id"})


def _row_facts(cells: _Cells, spec: _Spec) -> list:
    """Facts inside a row: counts adding to a known number, percentages adding to 100."""
    v = cells.values
    facts = []
    for rs in spec.row_sums:
        js = [cells.col[c] for c in rs if c in cells.col]
        for r in range(v.shape[0]):
            vals = v[r, js]
            if not np.isnan(vals).any():
                # the sum is the same in every row of the table: known from any shown row
                facts.append(([(r, j) for j in js], [1.0] * len(js), float(vals.sum())))
    for parts in spec.pct_partitions:
        js = [cells.col[p] for p in parts if p in cells.col]
        size = spec.percents[parts[0]][0] if parts[0] in spec.percents else None
        if len(js) != len(parts) or size not in cells.col:
            continue
        sj = cells.col[size]
        for r in range(v.shape[0]):
            if not (np.isnan(v[r, js]).any() or np.isnan(v[r, sj])):
                facts.append(([(r, j) for j in js] + [(r, sj)], [1.0] * len(js) + [-1.0], 0.0))
    return facts


def _facts(prob: _Problem) -> list:
    """Every linear fact a reader knows: marginal totals as their own tables show them, and row facts.

    The totals of each set of groups (per stratum: all groups; and for several ``by`` columns,
    each value of every smaller combination of them) are taken as known exactly where the table
    of that coarser grouping would show them, i.e. after suppressing that table in turn.
    """
    v = prob.values
    n_rows, k = v.shape
    by = list(prob.keys.columns)
    facts = list(prob.row_facts)
    if n_rows < 2:
        return facts
    from itertools import combinations

    for size in range(len(by)):
        for sub in combinations(by, size):
            sub = list(sub)
            keys = _group_ids(prob.keys, sub) if sub else np.zeros(n_rows, dtype=np.int64)
            codes, uniq = pd.factorize(prob.stratum * (int(keys.max()) + 1) + keys)  # (stratum, keys) pairs
            m = len(uniq)
            totals = np.zeros((m, k))
            undefined = np.zeros((m, k), dtype=bool)
            for j in range(k):
                col = v[:, j]
                totals[:, j] = np.bincount(codes, weights=np.nan_to_num(col), minlength=m)
                undefined[:, j] = np.bincount(codes, weights=np.isnan(col).astype(float), minlength=m) > 0
            totals[undefined] = np.nan
            first = np.unique(codes, return_index=True)[1]  # first row of each set
            marg = _Problem(totals, prob.kinds, prob.keys.iloc[first][sub].reset_index(drop=True),
                            prob.stratum[first], prob.min_cell,
                            prob.pairs)
            shown = ~_protect(marg) & ~undefined
            for g in range(m):
                rows = np.flatnonzero(codes == g)
                if len(rows) < 2:
                    continue  # a set of one row: its total is the row itself
                for j in range(k):
                    if shown[g, j]:
                        facts.append(([(int(r), j) for r in rows], [1.0] * len(rows), float(totals[g, j])))
    return facts


def _within_pairs(cells: _Cells, spec: _Spec) -> list[tuple[int, int]]:
    pairs = [(cells.col[c], cells.col[s]) for c, s in spec.within if c in cells.col and s in cells.col]
    for p, (s, _) in spec.percents.items():
        if s in cells.col:
            pairs.append((cells.col[p], cells.col[s]))
    return pairs


class _Audit:
    """Ranges of blanked counts under the known facts, computed per connected component."""

    def __init__(self, prob: _Problem, facts, mask: np.ndarray):
        self.prob, self.facts, self.mask = prob, facts, mask
        parent: dict[tuple[int, int], tuple[int, int]] = {(int(r), int(j)): (int(r), int(j))
                                                          for r, j in np.argwhere(mask)}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for members, _coefs, _rhs in facts:
            blanked = [m for m in members if m in parent]
            for m in blanked[1:]:
                ra, rb = find(blanked[0]), find(m)
                if ra != rb:
                    parent[rb] = ra
        self.root = {c: find(c) for c in parent}
        self.members: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for c, r in self.root.items():
            self.members.setdefault(r, []).append(c)
        self.comp_facts: dict[tuple[int, int], list[int]] = {}
        for i, (members, _c, _r) in enumerate(facts):
            for r in {self.root[m] for m in members if m in self.root}:
                self.comp_facts.setdefault(r, []).append(i)
        self._lp: dict = {}

    def _lp_problem(self, root) -> dict | None:
        if root in self._lp:
            return self._lp[root]
        v, mask = self.prob.values, self.mask
        var_cells = self.members[root]
        index = {c: i for i, c in enumerate(var_cells)}
        rows_eq, rhs_eq = [], []
        for fi in self.comp_facts.get(root, []):
            members, coefs, rhs = self.facts[fi]
            row = np.zeros(len(var_cells))
            shown = 0.0
            for m, a in zip(members, coefs):
                if m in index:
                    row[index[m]] += a
                else:
                    shown += a * v[m]
            rows_eq.append(row)
            rhs_eq.append(rhs - shown)
        prob = None
        if rows_eq:
            rows_ub, rhs_ub = [], []
            for cj, sj in self.prob.pairs:
                for (r, j) in var_cells:
                    if j != cj:
                        continue
                    row = np.zeros(len(var_cells))
                    row[index[(r, j)]] = 1.0
                    if (r, sj) in index:
                        row[index[(r, sj)]] = -1.0
                        rows_ub.append(row)
                        rhs_ub.append(0.0)
                    elif not mask[r, sj] and not np.isnan(v[r, sj]):
                        rows_ub.append(row)
                        rhs_ub.append(float(v[r, sj]))
            prob = {"index": index, "A_eq": np.array(rows_eq), "b_eq": np.array(rhs_eq),
                    "A_ub": np.array(rows_ub) if rows_ub else None, "b_ub": np.array(rhs_ub) if rows_ub else None}
        self._lp[root] = prob
        return prob

    def range(self, target: tuple[int, int]) -> tuple[float, float]:
        """Smallest and largest value of the blanked count ``target`` consistent with everything shown."""
        from scipy.optimize import linprog

        prob = self._lp_problem(self.root[target])
        if prob is None:
            return 0.0, np.inf
        closed = _single_sum_range(prob, prob["index"][target])
        if closed is not None:
            return closed
        obj = np.zeros(len(prob["index"]))
        obj[prob["index"][target]] = 1.0
        kw = dict(A_ub=prob["A_ub"], b_ub=prob["b_ub"], A_eq=prob["A_eq"], b_eq=prob["b_eq"], bounds=(0, None),
                  method="highs")
        lo = linprog(obj, **kw)
        hi = linprog(-obj, **kw)
        low = float(lo.fun) if lo.status == 0 else 0.0
        high = float(-hi.fun) if hi.status == 0 else np.inf
        return low, high


def _single_sum_range(prob: dict, t: int) -> tuple[float, float] | None:
    """The range of variable ``t`` in closed form when the facts are one weighted sum of bounded counts.

    Most connected parts of a published table are one total (``a . x = b`` with every weight
    ``a_i > 0``) over blanked counts that are ``>= 0`` and at most a shown group size
    (``x_i <= u_i``, possibly unbounded). Then ``x_t`` ranges over
    ``[max(0, (b - sum_{i != t} a_i u_i) / a_t), min(u_t, b / a_t)]``: the others at their
    bounds. This is what the linear programme returns, without solving one (two per blanked
    count). Anything else (several facts, mixed signs, a count bounded by another blanked
    count, an infeasible system) returns None and is left to the linear programme.
    """
    a_eq = prob["A_eq"]
    if a_eq.shape[0] != 1:
        return None
    a = a_eq[0]
    b = float(prob["b_eq"][0])
    if not (a > 0).all():
        return None
    upper = np.full(len(a), np.inf)
    if prob["A_ub"] is not None:
        for row, rhs in zip(prob["A_ub"], prob["b_ub"]):
            nz = np.flatnonzero(row)
            if len(nz) != 1 or row[nz[0]] <= 0:
                return None  # a count bounded by another blanked count
            j = int(nz[0])
            upper[j] = min(upper[j], float(rhs) / row[j])
    if b < -1e-9 or (upper < -1e-9).any() or b > float(np.sum(a * upper)) + 1e-9:
        return None  # infeasible as written: let the solver say so
    others = float(np.sum(np.delete(a * upper, t)))
    low = max(0.0, (b - others) / a[t]) if np.isfinite(others) else 0.0
    high = min(float(upper[t]), b / a[t])
    return low, high


def _pinned(prob: _Problem, facts, mask: np.ndarray, skip=frozenset(), per_component: bool = True):
    """Blanked counts of 1 to min_cell - 1 people whose value can be worked out exactly."""
    v = prob.values
    sensitive = mask & (v >= 1) & (v < prob.min_cell)
    if not sensitive.any():
        return [], None
    audit = _Audit(prob, facts, mask)
    out, seen = [], set()
    for r, j in np.argwhere(sensitive):
        c = (int(r), int(j))
        root = audit.root[c]
        if c in skip or (per_component and root in seen):
            continue
        lo, hi = audit.range(c)
        if hi - lo < 1.0 - 1e-6:
            out.append((c, lo, hi))
            seen.add(root)
    return out, audit


_DEBUG = False


def _secondary(prob: _Problem, mask: np.ndarray) -> np.ndarray:
    """Blank further counts until no blanked small count can be worked out exactly.

    Heuristic (each round checked again by linear programming): among the facts linked to a
    pinned count, those with a single blanked cell pin it; blank the shown cell that sits in most
    such facts, preferring non-zero and small counts. One fix per connected part per round.
    """
    facts = _facts(prob)
    v = prob.values
    size_js = [k for k, kind in enumerate(prob.kinds) if kind == "size"]
    unfixable: set = set()
    for _ in range(v.size + 1):
        pinned, audit = _pinned(prob, facts, mask, frozenset(unfixable))
        if not pinned:
            break
        for target, _lo, _hi in pinned:
            if audit.root[target] not in audit.members:
                continue
            linked = [facts[i] for i in audit.comp_facts.get(audit.root[target], [])]
            score: dict[tuple[int, int], list] = {}
            for members, _coefs, _rhs in linked:
                n_blank = sum(1 for m in members if mask[m])
                direct = target in members
                for m in members:
                    if mask[m] or np.isnan(v[m]):
                        continue
                    s = score.setdefault(m, [0, 0, 99])
                    s[0] += n_blank == 1
                    s[1] += direct
                    s[2] = min(s[2], n_blank)
            if score:
                best = min(score, key=lambda m: (-score[m][0], -score[m][1], score[m][2], v[m] == 0, v[m], m))
                if _DEBUG:
                    print("pinned", target, "->", best, score[best])
                mask[best] = True
            elif size_js and not mask[target[0], size_js].all():
                mask[target[0], size_js] = True  # pinned inside its own row: blank the group
            else:
                unfixable.add(target)
        mask = _close(prob, mask)
    return mask


def recoverable_cells(table: pd.DataFrame, original: pd.DataFrame, **kwargs) -> list[tuple]:
    """Blanked small counts of a suppressed table that could still be worked out exactly (should be empty).

    ``table`` is the output of :func:`suppress`; ``original`` the frame before suppression.
    Returns ``(index label, column, lowest, highest)`` for every blanked count of 1 to
    ``min_cell - 1`` people whose range of possible values, given everything shown and every
    total a reader can know, holds a single whole number. ``kwargs`` are the ``n_columns``,
    ``by``, ``counts`` and ``strata`` given to :func:`suppress`.
    """
    min_cell = int(table.attrs.get("min_cell", DEFAULT_MIN_CELL))
    original = original.drop(columns="suppressed", errors="ignore")
    spec = _spec(original, kwargs.get("n_columns"), kwargs.get("by"), kwargs.get("counts"), kwargs.get("strata"))
    cells = _Cells(original, spec)
    prob = _problem(original, spec, cells, min_cell)
    shown = _Cells(table, spec).values
    mask = np.isnan(shown) & ~np.isnan(cells.values)
    pinned, _ = _pinned(prob, _facts(prob), mask, per_component=False)
    return [(original.index[r], cells.names[j], lo, hi) for (r, j), lo, hi in pinned]


def _blank_column(series: pd.Series, mask: np.ndarray) -> pd.Series:
    if not mask.any():
        return series
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        s = series.astype("boolean")
    elif pd.api.types.is_integer_dtype(dtype):
        s = series.astype("Int64")
    elif pd.api.types.is_float_dtype(dtype):
        s = series.copy()
    else:
        s = series.astype(object)
    s = s.copy()
    s[mask] = np.nan if pd.api.types.is_float_dtype(s.dtype) else pd.NA
    return s


