"""What a published result table tells a reader about counts of people.

Every count a table shows is a *cell*: a number of people with some property (a *measure*, such
as ``knowledge.matched``, the people who took both knowledge tests) in a group (a combination of
grouping values such as ``country=KHM, sector=ngo``; the empty group is everyone). A percentage of
a shown group size is a count too: ``pct_improved`` of ``n`` people gives back the number who
improved. Measures are linked by *relations* a reader knows without being told: the people with
both tests are among those with the pre-test, people who improved are among those with both
tests, and so on. Cells and relations are what :mod:`tip_eval.disclosure.lp` reasons about.

The same measure has one name in every table that shows it (``knowledge.matched`` is the ``n``
of the gains tables, the ``matched`` of the attrition table and the ``n`` of the comparison of
trainings), so a count shown in one table and hidden in another is caught.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ALL",
    "LAYOUT_MAP",
    "MISSING",
    "Cell",
    "Entry",
    "Mapped",
    "describe",
    "detect",
    "map_table",
    "overall_labels",
]

#: grouping value of rows that stand for everyone (the "All trainings" row of the attrition sheet)
ALL = "All trainings"
#: grouping value standing for a missing value
MISSING = "(missing)"
overall_labels = frozenset({ALL, "All participants", "All", "Overall", "All codes"})


@dataclass(frozen=True, order=True)
class Cell:
    """A number of people: those with property ``measure`` in ``group`` (sorted (dimension, value) pairs)."""

    measure: str
    group: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """The cell in words: its measure and its group (``knowledge.matched (country=KHM)``)."""
        where = ", ".join(f"{d}={v}" for d, v in self.group) or "everyone"
        return f"{self.measure} ({where})"


@dataclass
class Entry:
    """One count shown by one cell of a table (row position, column) and what it means."""

    row: int
    column: str
    cell: Cell
    size: str | None = None  # for a share: the column of the group size it is a share of
    scale: float = 100.0  # 100 for percentages, 1 for fractions


@dataclass
class Mapped:
    """A result table seen as counts: its entries, the relations between its measures, the statistics each count governs."""

    layout: str
    by: list[str]
    entries: list[Entry] = field(default_factory=list)
    relations: set[Relation] = field(default_factory=set)  # (kind, lhs measures tuple, rhs measure)
    governs: dict[str, list[str]] = field(default_factory=dict)  # count column -> statistics blanked with it
    main: str | None = None  # the group size column: hidden -> the row is not shown
    kinds: dict[str, str] = field(default_factory=dict)  # column -> "count" or "share"
    row_sizes: set[str] = field(default_factory=set)  # other size columns: hidden -> the row is not shown


def _p(prefix: str, name: str) -> str:
    return f"{prefix}.{name}"


#: a count a layout shows: (column, measure, the size column it is a share of or None, scale of the share)
Shown = tuple[str, str, str | None, float]
#: a relation a reader knows: ("le" or "eq", the measures on the left (summed), the measure on the right)
Relation = tuple[str, tuple[str, ...], str]
#: one row of a result table (``DataFrame.to_dict("records")``)
Row = Mapping[Hashable, Any]
#: what a layout function gives for a row: the counts it shows and the relations between them
RowMeasures = tuple[Sequence[Shown], Set[Relation]]


# --- one function per result layout: (columns -> measures) for a row, the relations, what each count governs


def _gains(row: Row, pre: str) -> RowMeasures:
    def m(s: str) -> str:
        return _p(pre, s)

    cols = [
        ("n_pre", m("pre"), None, 100),
        ("n_post", m("post"), None, 100),
        ("n", m("matched"), None, 100),
        ("pct_improved", m("improved"), "n", 100),
        ("pct_reliable_improved", m("reliable_improved"), "n", 100),
        ("pct_reliable_declined", m("reliable_declined"), "n", 100),
    ]
    rel = {
        ("le", (m("matched"),), m("pre")),
        ("le", (m("matched"),), m("post")),
        ("le", (m("pre"),), "registered"),
        ("le", (m("post"),), "registered"),
        ("le", (m("improved"), m("reliable_declined")), m("matched")),
        ("le", (m("reliable_improved"),), m("improved")),
    }
    return cols, rel


# the pre- and post-test means describe n_pre and n_post people, at least the n matched ones: they
# go with the group (n), so that a hidden count of drop-outs does not blank the group's scores
_GAINS_GOV: dict[str, list[str]] = {
    "n_pre": [],
    "n_post": [],
    "pct_improved": [],
    "pct_reliable_improved": [],
    "pct_reliable_declined": [],
}


def _attrition(row: Row, pre: str) -> RowMeasures:
    cols = [
        ("registered", "registered", None, 100),
        ("took_pre", "knowledge.pre", None, 100),
        ("took_post", "knowledge.post", None, 100),
        ("matched", "knowledge.matched", None, 100),
        ("n_dropouts", "knowledge.dropouts", None, 100),
    ]
    rel = {
        ("le", ("knowledge.matched", "knowledge.dropouts"), "knowledge.pre"),
        ("le", ("knowledge.matched",), "registered"),
        ("le", ("knowledge.matched",), "knowledge.post"),
        ("le", ("knowledge.pre",), "registered"),
        ("le", ("knowledge.post",), "registered"),
    }
    return cols, rel


# the statistics of the people tested before and of the drop-outs: see OVER
_ATTRITION_GOV = {
    "registered": ["matched_pct"],
    "took_pre": [],
    "took_post": [],
    "n_dropouts": [],
    "matched": [
        "matched_pct",
        "pre_mean_completers",
        "cc_mean_gain",
        "cc_ci_low",
        "cc_ci_high",
        "smd",
        "bias_flag",
        "conclusion_changes",
        "mi_mean_gain",
        "mi_ci_low",
        "mi_ci_high",
        "mi_df",
    ],
}


def _competency(row: Row, pre: str) -> RowMeasures:
    c = f"competency:{row['competency_id']}"
    cols = [
        ("n_pre", f"{c}.pre", None, 100),
        ("n_post", f"{c}.post", None, 100),
        ("n", f"{c}.matched", None, 100),
        ("pct_agree_pre", f"{c}.agree_pre", "n", 100),
        ("pct_agree_post", f"{c}.agree_post", "n", 100),
    ]
    rel = {
        ("le", (f"{c}.matched",), f"{c}.pre"),
        ("le", (f"{c}.matched",), f"{c}.post"),
        ("le", (f"{c}.pre",), "confidence.pre"),
        ("le", (f"{c}.post",), "confidence.post"),
        ("le", (f"{c}.agree_pre",), f"{c}.matched"),
        ("le", (f"{c}.agree_post",), f"{c}.matched"),
    }
    return cols, rel


# the medians describe n_pre and n_post people, at least the n with both ratings: they go with the
# group (n), as the gains' means do, so that a hidden count of people rated once does not blank them
_COMPETENCY_GOV = {
    "n_pre": [],
    "n_post": [],
    "pct_agree_pre": ["pct_agree_pre_ci_low", "pct_agree_pre_ci_high"],
    "pct_agree_post": ["pct_agree_post_ci_low", "pct_agree_post_ci_high"],
}


def _kvc(row: Row, pre: str) -> RowMeasures:
    cols = [
        ("n", "kvc.people", None, 100),
        ("n_knowledge_improved", "kvc.knowledge_improved", None, 100),
        ("n_more_confident", "kvc.more_confident", None, 100),
        ("n_overconfident", "kvc.overconfident", None, 100),
    ]
    rel = {
        ("le", ("kvc.knowledge_improved", "kvc.overconfident"), "kvc.people"),
        ("le", ("kvc.overconfident",), "kvc.more_confident"),
        ("le", ("kvc.people",), "knowledge.matched"),
        ("le", ("kvc.people",), "confidence.matched"),
    }
    return cols, rel


_KVC_GOV = {"n_knowledge_improved": [], "n_more_confident": [], "n_overconfident": ["pct_overconfident"]}


def _code_name(row: Row) -> str:
    kind = str(row.get("kind", "code"))
    if kind == "indicator":
        return "followup.indicator"
    if kind == "theme":
        return f"followup.theme:{row.get('theme')}"
    return f"followup.code:{row.get('code_id')}"


def _followup(row: Row, pre: str) -> RowMeasures:
    c = _code_name(row)
    cols = [("n_interviewed", "interviewed", None, 100), ("n_with_code", c, None, 100)]
    return cols, {("le", (c,), "interviewed"), ("le", ("interviewed",), "registered")}


_FOLLOWUP_GOV = {"n_interviewed": ["months_since_training"], "n_with_code": ["pct_with_code", "ci_low", "ci_high"]}


def _cooc(row: Row, pre: str) -> RowMeasures:
    a, b = f"followup.code:{row['code_a']}", f"followup.code:{row['code_b']}"
    both = f"cooccurrence:{row['code_a']}|{row['code_b']}"
    cols = [
        ("n_interviews", "interviewed", None, 100),
        ("n_a", a, None, 100),
        ("n_b", b, None, 100),
        ("n_both", both, None, 100),
    ]
    return cols, {("le", (both,), a), ("le", (both,), b), ("le", (a,), "interviewed"), ("le", (b,), "interviewed")}


_COOC_GOV = {"n_a": ["c_coefficient"], "n_b": ["c_coefficient"], "n_both": ["c_coefficient"]}


def _agreement(row: Row, pre: str) -> RowMeasures:
    if str(row.get("kind")) == "overall":
        # n_either of the overall row counts interview x code decisions, not people: it is the sum
        # of the codes' n_either (a relation added by map_table), never at most n_double_coded
        cols = [("n_double_coded", "double_coded", None, 100), ("n_either", AGREEMENT_ALL, None, 100)]
        return cols, {("le", ("double_coded",), "interviewed")}
    either = f"agreement.either:{row.get('code_id')}"
    cols = [("n_double_coded", "double_coded", None, 100), ("n_either", either, None, 100)]
    return cols, {("le", (either,), "double_coded"), ("le", ("double_coded",), "interviewed")}


#: the overall row's n_either: decisions (interview x code) with a code applied, the sum over codes
AGREEMENT_ALL = "agreement.decisions"


def _fvg(row: Row, pre: str) -> RowMeasures:
    code = row.get("code_id") if str(row.get("kind", "code")) == "code" else f"{row.get('kind')}:{row.get('label')}"
    w, wo = f"fvg.with:{code}", f"fvg.without:{code}"
    cols: list[Shown] = [("n_with", w, None, 100), ("n_without", wo, None, 100)]
    rel: set[Relation] = {("eq", (w, wo), "fvg.people"), ("le", ("fvg.people",), "interviewed")}
    for side, size in (("with", "n_with"), ("without", "n_without")):
        parts = []
        for what in ("reliable_improved", "no_reliable_change", "reliable_declined"):
            col = f"pct_{what}_{side}"
            cell = f"fvg.{side}:{code}.{what}"
            cols.append((col, cell, size, 100))
            parts.append(cell)
        rel.add(("eq", tuple(parts), w if side == "with" else wo))
    return cols, rel


_WITH = [
    "gain_with",
    "diff",
    "ci_low",
    "ci_high",
    "p_mannwhitney",
    "p_adjusted",
    "odds_ratio_per_10",
    "or_ci_low",
    "or_ci_high",
    "p_logit",
]
_FVG_GOV = {"n_with": _WITH, "n_without": [c.replace("gain_with", "gain_without") for c in _WITH]}


def _items(row: Row, pre: str) -> RowMeasures:
    i = f"item:{row['item_id']}"
    cols = [
        ("n_pre", f"{i}.pre", None, 100),
        ("n_post", f"{i}.post", None, 100),
        ("n_matched", f"{i}.matched", None, 100),
        ("difficulty_pre", f"{i}.correct_pre", "n_pre", 1),
        ("difficulty_post", f"{i}.correct_post", "n_post", 1),
    ]
    parts = []
    for s in ("positive", "negative", "retained", "none"):
        cols.append((f"share_{s}", f"{i}.{s}", "n_matched", 1))
        parts.append(f"{i}.{s}")
    rel = {
        ("le", (f"{i}.matched",), f"{i}.pre"),
        ("le", (f"{i}.matched",), f"{i}.post"),
        ("le", (f"{i}.correct_pre",), f"{i}.pre"),
        ("le", (f"{i}.correct_post",), f"{i}.post"),
        ("eq", tuple(parts), f"{i}.matched"),
        ("le", (f"{i}.pre",), "knowledge.pre"),
        ("le", (f"{i}.post",), "knowledge.post"),
    }
    return cols, rel


# an item's discrimination, alpha if deleted and flags describe n_pre (n_post) people, at least the
# n_matched with both tests: they go with the item's row (n_matched), as the gains' means do, so that
# a hidden count of people tested once does not blank them (its difficulty, a share of n_pre, goes)
_ITEMS_GOV = {
    "n_pre": [],
    "n_post": [],
    "n_matched": ["item_gain", "flag_negative_gain"],
    "difficulty_pre": [],
    "difficulty_post": [],
}


def _modules(row: Row, pre: str) -> RowMeasures:
    mo = f"module:{row['module']}"
    cols = [("n_pre", f"{mo}.pre", None, 100), ("n_post", f"{mo}.post", None, 100), ("n", f"{mo}.matched", None, 100)]
    return cols, {
        ("le", (f"{mo}.matched",), f"{mo}.pre"),
        ("le", (f"{mo}.matched",), f"{mo}.post"),
        ("le", (f"{mo}.pre",), "knowledge.pre"),
        ("le", (f"{mo}.post",), "knowledge.post"),
    }


_MODULES_GOV: dict[str, list[str]] = {"n_pre": [], "n_post": []}  # the difficulties and means: see OVER


def _reliability(row: Row, pre: str) -> RowMeasures:
    # the test's reliability is computed over the people tested in that phase: a reader takes its n for
    # the number tested, so it is that count (Plan.add gives it a measure of its own when they differ)
    return [("n", f"knowledge.{row['phase']}", None, 100)], set()


def _compare(row: Row, pre: str) -> RowMeasures:
    return [("n", "knowledge.matched", None, 100)], set()


def _retention(row: Row, pre: str) -> RowMeasures:
    def m(s: str) -> str:
        return _p(pre, s)

    # n_pre_post: the people with both tests (the n of the gains tables); n: those with all three tests
    cols = [
        ("n_pre_post", m("matched"), None, 100),
        ("n_delayed", m("delayed"), None, 100),
        ("n", m("retested"), None, 100),
        ("n_not_retested", m("not_retested"), None, 100),
        ("pct_retested", m("retested"), "n_pre_post", 100),
    ]
    rel = {
        ("le", (m("retested"),), m("matched")),
        ("le", (m("retested"),), m("delayed")),
        ("eq", (m("retested"), m("not_retested")), m("matched")),
        ("le", (m("delayed"),), "registered"),
        ("le", (m("matched"),), "registered"),
    }
    return cols, rel


# the gains and means of the people re-tested go with their row (n); those of the people not re-tested with
# their number
_RETENTION_GOV = {
    "n_pre_post": [],
    "n_delayed": [],
    "pct_retested": [],
    "n_not_retested": [
        "gain_not_retested",
        "retested_gain_diff",
        "retested_gain_diff_ci_low",
        "retested_gain_diff_ci_high",
    ],
}


def _cost(row: Row, pre: str) -> RowMeasures:
    cols = [
        ("n_registered", "registered", None, 100),
        ("n_matched", "knowledge.matched", None, 100),
        ("n_reliably_improved", "knowledge.reliable_improved", None, 100),
    ]
    return cols, {
        ("le", ("knowledge.matched",), "registered"),
        ("le", ("knowledge.reliable_improved",), "knowledge.matched"),
    }


# a cost per person divided into the cost gives the number of people back: it goes with that number
_COST_GOV = {
    "n_registered": ["cost_per_trained", "gain_sd_per_100"],
    "n_matched": ["cost_per_completer", "mean_gain", "gain_sd"],
    "n_reliably_improved": [
        "cost_per_reliably_improved",
        "cost_per_reliably_improved_ci_low",
        "cost_per_reliably_improved_ci_high",
    ],
}


#: Statistics computed over a count a table may not show (the people tested before, not only the n
#: with both tests): layout -> statistic -> (its count columns, kind, a shown count at most as large,
#: factor). When the counts are shown, the statistic is shown as it is. When one is hidden or left
#: out of the table, a full-precision mean or share would give it back (a mean of whole-point
#: scores over d people is a multiple of 1/d of a point), so, by ``kind``:
#:
#: - ``"mean"``: rounded to a step at least the per-person step of the score divided by the
#:   smallest number of people it can describe (the shown count), so that every number of people
#:   in its range is consistent with the value shown (blank when no such step is fine enough);
#: - ``"share"``: the same, a share of people being a mean of 0/1;
#: - ``"spread"``: blank (a standard deviation, or anything computed from one, pins the count);
#: - ``"estimate"``: shown when the shown count is at least ``min_cell`` (a model estimate has no
#:   grid of values to divide back); else blank.
#:
#: ``factor`` converts the score's step to the statistic's scale (module difficulty is the module's
#: mean percentage / 100).
OVER: dict[str, dict[str, tuple[tuple[str, ...], str, str | None, float]]] = {
    "gains": {
        "pre_mean": (("n_pre",), "mean", "n", 1.0),
        "post_mean": (("n_post",), "mean", "n", 1.0),
        "pre_sd": (("n_pre",), "spread", None, 1.0),
        "post_sd": (("n_post",), "spread", None, 1.0),
        "d_av": (("n_pre", "n_post"), "spread", None, 1.0),
        "normalized_gain": (("n_pre", "n_post"), "spread", None, 1.0),
    },
    "item_analysis": {
        "difficulty_pre": (("n_pre",), "share", "n_matched", 1.0),
        "difficulty_post": (("n_post",), "share", "n_matched", 1.0),
    },
    "module_summary": {
        "pre_mean": (("n_pre",), "mean", "n", 1.0),
        "post_mean": (("n_post",), "mean", "n", 1.0),
        "difficulty_pre": (("n_pre",), "mean", "n", 0.01),
        "difficulty_post": (("n_post",), "mean", "n", 0.01),
    },
    "attrition": {
        "pre_mean_dropouts": (("n_dropouts",), "mean", None, 1.0),
        "smd": (("n_dropouts",), "spread", None, 1.0),
        "bias_flag": (("n_dropouts",), "estimate", None, 1.0),
        **{
            c: (("took_pre",), "estimate", "matched", 1.0)
            for c in ("mi_mean_gain", "mi_ci_low", "mi_ci_high", "mi_df", "conclusion_changes")
        },
    },
}


_Spec = tuple[Callable[[Row, str], RowMeasures], Mapping[str, list[str]], str | None, tuple[str, ...]]

#: layout name -> (row measures, governance, main size column, columns that are not groupings)
LAYOUT_MAP: dict[str, _Spec] = {
    "gains": (_gains, _GAINS_GOV, "n", ()),
    "attrition": (_attrition, _ATTRITION_GOV, "registered", ()),
    "confidence_gains": (_competency, _COMPETENCY_GOV, "n", ("competency_id", "competency")),
    "knowledge_vs_confidence": (_kvc, _KVC_GOV, "n", ()),
    "followup_summary": (
        _followup,
        _FOLLOWUP_GOV,
        "n_interviewed",
        ("kind", "code_id", "label", "theme", "level", "applied_practice", "n_codes"),
    ),
    "code_cooccurrence": (_cooc, _COOC_GOV, "n_interviews", ("code_a", "code_b", "label_a", "label_b")),
    "coder_agreement": (_agreement, {"n_either": []}, "n_double_coded", ("kind", "code_id", "label")),
    "followup_vs_gains": (_fvg, _FVG_GOV, None, ("kind", "code_id", "label", "theme", "level", "applied_practice")),
    "item_analysis": (_items, _ITEMS_GOV, "n_matched", ("item_id", "module")),
    "module_summary": (_modules, _MODULES_GOV, "n", ("module",)),
    # a hidden number tested takes the interval and the SEM (they depend on it), not the estimate
    "reliability": (_reliability, {"n": ["ci_low", "ci_high", "sem", "sem_pct"]}, None, ("phase", "method")),
    "compare_trainings": (_compare, {}, "n", ()),
    "cost_effectiveness": (_cost, _COST_GOV, "n_registered", ("currency", "cost_years", "note")),
    "retention": (_retention, _RETENTION_GOV, "n", ()),
}

#: columns that name or describe a row, never blanked
LABEL_COLUMNS = frozenset(
    {
        "measure",
        "confidence",
        "kind",
        "code_id",
        "label",
        "theme",
        "level",
        "applied_practice",
        "competency",
        "competency_id",
        "code_a",
        "code_b",
        "label_a",
        "label_b",
        "phase",
        "method",
        "n_imputations",
        "n_codes",
        "note",
        "k",
        "module",
        "item_id",
        "n_items",
        "n_coders",
        "flags",
        "rating",
        "small",
        "table",
        "problem",
        "currency",
        "cost_years",
    }
)


def _value(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return MISSING
    return str(v)


def group_of(row: Row, by: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The group of a row: its (dimension, value) pairs, without those that stand for everyone."""
    pairs = []
    for d in by:
        v = _value(row.get(d))
        if v in overall_labels:
            continue
        pairs.append((d, v))
    return tuple(sorted(pairs))


#: columns whose joint presence identifies a result layout (most specific first); they survive
#: the columns a publication leaves out (a gains table without n_pre and n_post is still gains)
SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("compare_trainings", frozenset({"raw_gain", "adjusted_diff"})),
    ("cost_effectiveness", frozenset({"n_registered", "cost_total"})),
    ("retention", frozenset({"n_pre_post", "n_delayed", "retained_gain"})),
    ("item_analysis", frozenset({"item_id", "difficulty_pre"})),
    ("module_summary", frozenset({"module", "n_items"})),
    ("followup_vs_gains", frozenset({"n_with", "n_without"})),
    ("confidence_gains", frozenset({"competency_id", "median_pre"})),
    ("knowledge_vs_confidence", frozenset({"n_overconfident"})),
    ("knowledge_vs_confidence", frozenset({"mean_knowledge_change", "mean_confidence_change"})),
    ("gains", frozenset({"n", "mean_gain", "pre_mean"})),
    ("attrition", frozenset({"matched", "cc_mean_gain"})),
    ("attrition", frozenset({"registered", "matched"})),
    ("followup_summary", frozenset({"n_interviewed", "n_with_code"})),
    ("code_cooccurrence", frozenset({"code_a", "code_b"})),
    ("coder_agreement", frozenset({"n_double_coded"})),
    ("reliability", frozenset({"phase", "method", "k"})),
)


def detect(table: pd.DataFrame) -> str | None:
    """The name of the result layout ``table`` has (see :data:`SIGNATURES`), or None."""
    cols = set(map(str, table.columns))
    for name, sig in SIGNATURES:
        if sig <= cols:
            return name
    return None


def grouping_columns(table: pd.DataFrame) -> list[str]:
    """The leading text columns of a result table that are not labels: its groupings."""
    out = []
    for c in table.columns:
        c = str(c)
        if c in LABEL_COLUMNS:
            continue
        col = table[c]
        if c == "suppressed" or pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
            break
        if c.startswith("n_") or c in ("n", "registered", "matched", "took_pre", "took_post"):
            break
        out.append(c)
    return out


def map_table(
    table: pd.DataFrame,
    *,
    measure: str | None = None,
    by: list[str] | None = None,
    layout: str | None = None,
    records: Sequence[Row] | None = None,
) -> Mapped | None:
    """The counts a result table shows, as :class:`Entry` objects (None for a table that counts nobody).

    Parameters
    ----------
    table : pandas.DataFrame
        A result frame of a tip_eval analysis (recognised by its columns), as computed or as read
        back from a published workbook.
    measure : str, optional
        ``"knowledge"`` or ``"confidence"`` for a gains table without a ``measure`` column.
    by : list of str, optional
        Its grouping columns (default: the columns before the layout's first result column).
    records : sequence of dict, optional
        ``table.to_dict("records")``, when the caller has it already (it is only read).
    """
    name = layout or detect(table)
    if name is None:
        return None
    fn, gov, main, not_by = LAYOUT_MAP[name]
    cols = [str(c) for c in table.columns]
    if by is None:
        by = [c for c in grouping_columns(table) if c not in not_by]
    if name == "cost_effectiveness" and main not in cols:
        main = "n_matched"  # a cost table per group without the numbers registered (published overall only)
    out = Mapped(name, list(by), main=main if main in cols else None)
    out.governs = {k: list(v) for k, v in gov.items()}
    if records is None:
        records = table.to_dict("records")
    for pos, row in enumerate(records):
        pre = str(row.get("measure") or measure or "knowledge")
        group = group_of(row, out.by)
        row_cols, rel = fn(row, pre)
        out.relations |= rel
        for col, cell_measure, size, scale in row_cols:
            if col not in row:
                continue
            out.kinds[col] = "share" if size else "count"
            if size and size not in row:
                continue
            out.entries.append(Entry(pos, col, Cell(cell_measure, group), size, scale))
    if name == "coder_agreement":
        codes = tuple(sorted({e.cell.measure for e in out.entries if e.cell.measure.startswith("agreement.either:")}))
        if codes and any(e.cell.measure == AGREEMENT_ALL for e in out.entries):
            out.relations.add(("eq", codes, AGREEMENT_ALL))
    return out


def entry_value(row: Row, entry: Entry) -> float:
    """The count an entry shows in ``row`` (a share times its group size), NaN when blank."""
    v = _num(row.get(entry.column))
    if entry.size is None:
        return v
    n = _num(row.get(entry.size))
    if np.isnan(v) or np.isnan(n):
        return np.nan
    return float(np.round(v * n / entry.scale))


def _num(v: Any) -> float:
    if v is None or v is pd.NA or isinstance(v, (str, bool, np.bool_)):
        try:
            return float(v) if isinstance(v, str) else np.nan
        except ValueError:
            return np.nan
    try:
        f = float(v)
    except (TypeError, ValueError):
        return np.nan
    return f


def describe(
    table: pd.DataFrame,
    *,
    name: str,
    sizes: str | Sequence[str],
    counts: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    shares: Mapping[str, str] | None = None,
    by: Sequence[str] | None = None,
    strata: str | Sequence[str] | None = None,
) -> Mapped:
    """A table that is not the result of a tip_eval analysis, described as counts of people.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per group (and stratum).
    name : str
        Prefix of its measures: the count in column ``c`` is the measure ``"{name}:{c}"``.
    sizes : str or list of str
        Columns counting the people of the row's group. The first is the group size: when it is
        hidden, every statistic of the row goes with it; so does every other size column.
    counts : list of str or mapping, optional
        Counts of people with a characteristic among the group (at most the group size); a
        mapping gives, per count, the columns computed from it (blanked with it).
    shares : mapping, optional
        Percentage column -> the size column it is a percentage of (a percentage of a shown
        group size gives a count back, so it is protected as one).
    by : list of str, optional
        Grouping columns (default: the leading text columns).
    strata : str or list of str, optional
        Columns that split the rows into separate tables (each competency, each code): their
        values are part of the measure.
    """
    sizes = [sizes] if isinstance(sizes, str) else list(sizes)
    cols = [str(c) for c in table.columns]
    missing = [c for c in sizes if c not in cols]
    if not sizes or missing:
        raise ValueError(f"sizes: column(s) {missing or sizes} not in the table; its columns are: {', '.join(cols)}")
    counts_map: dict[str, list[str]] = (
        {str(k): list(v) for k, v in counts.items()}
        if isinstance(counts, Mapping)
        else {str(c): [] for c in (counts or [])}
    )
    shares = dict(shares or {})
    strata = [strata] if isinstance(strata, str) else list(strata or [])
    for what, names in (("counts", list(counts_map)), ("shares", list(shares)), ("strata", strata)):
        bad = [c for c in names if c not in cols]
        if bad:
            raise ValueError(f"{what}: column(s) {bad} not in the table; its columns are: {', '.join(cols)}")
    bad = [s for s in shares.values() if s not in sizes]
    if bad:
        raise ValueError(f"shares: {bad} must be size columns (sizes={sizes})")
    if by is None:
        by = [c for c in grouping_columns(table) if c not in strata]
    else:
        by = [by] if isinstance(by, str) else list(by)
        bad = [c for c in by if c not in cols]
        if bad:
            raise ValueError(f"by: column(s) {bad} not in the table; its columns are: {', '.join(cols)}")
    out = Mapped("custom", by, main=sizes[0])
    out.row_sizes = set(sizes[1:])
    out.governs = {c: list(g) for c, g in counts_map.items()}
    for pos, row in enumerate(table.to_dict("records")):
        group = group_of(row, by)
        tag = "|".join(_value(row.get(s)) for s in strata)

        def measure(col: str, tag: str = tag) -> str:
            return f"{name}:{col}" + (f"[{tag}]" if strata else "")

        for col in sizes:
            out.kinds[col] = "count"
            out.entries.append(Entry(pos, col, Cell(measure(col), group)))
        for col in counts_map:
            out.kinds[col] = "count"
            out.entries.append(Entry(pos, col, Cell(measure(col), group)))
            out.relations.add(("le", (measure(col),), measure(sizes[0])))
        for col, size in shares.items():
            out.kinds[col] = "share"
            out.entries.append(Entry(pos, col, Cell(measure(col), group), size, 100.0))
            out.relations.add(("le", (measure(col),), measure(size)))
    return out
