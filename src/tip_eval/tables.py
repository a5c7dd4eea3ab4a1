"""Formatted summary tables from result frames, for notebooks, terminals and briefs.

Results keep full precision; rounding happens here, for display only. A :class:`FormattedTable`
holds the display strings (``.frame``), a title and footnotes, and renders as escaped HTML in a
notebook (``_repr_html_``) and as aligned plain text in a terminal (``str(table)``).

Conventions: an estimate with its interval reads ``12.3 (8.1 to 16.5)`` (the word "to", since a
hyphen is ambiguous next to negative numbers); p-values ``p < 0.001`` below 0.001, else three
decimals; counts as whole numbers; a value blanked by small-cell suppression shows as ``<5`` (for
``min_cell = 5``) with a footnote, a value that does not exist (e.g. no interval for one person) as
an en dash.

>>> import tip_eval as te
>>> from tip_eval import tables
>>> study, _ = te.datasets.make_study()
>>> t = tables.gains_table(te.gains(study, by="country"), min_cell=5)
>>> list(t.frame.columns)[:3]
['Country', 'People tested before and after', 'Before']
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tip_eval import column_titles as _column_titles
from tip_eval.i18n import N_

__all__ = [
    "FormattedTable",
    "format_table",
    "gains_table",
    "confidence_table",
    "compare_table",
    "items_table",
    "followup_table",
    "attrition_table",
    "display_value",
    "column_title",
    "format_number",
    "format_p",
    "format_ci",
    "MISSING",
    "show",
    "grouping_title",
    "reliability_table",
    "modules_table",
    "agreement_table",
    "cooccurrence_table",
    "knowledge_confidence_table",
    "followup_gains_table",
    "retention_table",
]

#: shown for a statistic that does not exist (not for a suppressed one)
MISSING = "\u2013"
#: what a formatted table shows for a value that cannot be computed (its "\u2013" is a hidden value:
#: tip_eval.disclosure.MARK)
NOT_AVAILABLE = "n/a"

#: readable column headers: :data:`tip_eval.column_titles.COLUMN_TITLES` (one mapping for these tables and
#: ``tables.xlsx``)
COLUMN_TITLES: dict[str, str] = _column_titles.COLUMN_TITLES

#: readable titles of the groupings a table or figure is split by (``"by country"``)
GROUPING_WORDS: dict[str, str] = {  # translated where they are used
    "country": N_("country"),
    "province": N_("province"),
    "sector": N_("sector"),
    "training_id": N_("training"),
    "gender": N_("gender"),
    "organisation": N_("organisation"),
    "role": N_("role"),
    "language": N_("language"),
    "study": N_("study"),
    "year": N_("year"),
}

_ESTIMATE_CI: dict[str, tuple[str, str]] = {
    "mean_gain": ("ci_low", "ci_high"),
    "cohens_dz": ("dz_ci_low", "dz_ci_high"),
    "pct_agree_pre": ("pct_agree_pre_ci_low", "pct_agree_pre_ci_high"),
    "pct_agree_post": ("pct_agree_post_ci_low", "pct_agree_post_ci_high"),
    "raw_gain": ("raw_ci_low", "raw_ci_high"),
    "adjusted_diff": ("adjusted_ci_low", "adjusted_ci_high"),
    "shrunken_gain": ("shrunken_ci_low", "shrunken_ci_high"),
    "pct_with_code": ("ci_low", "ci_high"),
    "cc_mean_gain": ("cc_ci_low", "cc_ci_high"),
    "mi_mean_gain": ("mi_ci_low", "mi_ci_high"),
    "estimate": ("ci_low", "ci_high"),
    "diff": ("ci_low", "ci_high"),
    "odds_ratio": ("or_ci_low", "or_ci_high"),
    "odds_ratio_per_10": ("or_ci_low", "or_ci_high"),
    "r_spearman": ("spearman_ci_low", "spearman_ci_high"),
}


def grouping_title(by) -> str:
    """Words naming a grouping: ``"by country"``, ``"by country and sector"``; empty for none."""
    from tip_eval.i18n import gettext

    cols = [by] if isinstance(by, str) else [str(c) for c in (by or [])]
    if not cols:
        return ""
    words = [gettext(GROUPING_WORDS[c]) if c in GROUPING_WORDS else c.replace("_", " ") for c in cols]
    names = (
        words[0]
        if len(words) == 1
        else gettext("{first} and {second}").format(first=", ".join(words[:-1]), second=words[-1])
    )
    return gettext("by {groups}").format(groups=names)


def _titled(title: str, by) -> str:
    """``title`` naming its grouping: "Knowledge gain, by country"; "Did it grow, by sector?"."""
    from tip_eval.i18n import gettext

    words = grouping_title(by)
    if not words:
        return title
    if title.endswith("?"):
        return gettext("{title}, {by}?").format(title=title[:-1], by=words)
    return gettext("{title}, {by}").format(title=title, by=words)


def display_value(column: str, value) -> str:
    """Readable label of a code in a grouping column (``KHM`` -> ``Cambodia``, ``ngo`` -> ``NGO``)."""
    from tip_eval import vocab
    from tip_eval.i18n import current_language, gettext

    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return gettext("(missing)")
    if column in ("country", "sector", "gender", "phase", "province"):
        return vocab.label(column, value, current_language())
    if column == "module":
        return gettext(vocab.MODULES[str(value)]) if str(value) in vocab.MODULES else str(value)
    return str(value)


def column_title(column: str) -> str:
    """The header a reader sees for result column ``column`` (:func:`tip_eval.column_titles.title`)."""
    return _column_titles.title(column)


def _is_missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(np.isnan(value))
    except (TypeError, ValueError):
        return False


def format_number(value, digits: int = 1) -> str:
    """Round for display: ``digits`` decimals, a minus sign for negatives, an en dash when missing.

    In a block of another language than English (:func:`tip_eval.i18n.using`), the decimal and
    grouping symbols are that language's (CLDR, through Babel): ``12,5`` in Indonesian.
    """
    from tip_eval.i18n import current_language, format_number as cldr_number, gettext

    if _is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return gettext("yes") if value else gettext("no")
    v = float(value)
    if not math.isfinite(v):
        return MISSING
    text = f"{v:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    lang = current_language()
    if lang != "en":
        text = cldr_number(float(text), lang, digits=digits)
    return text.replace("-", "\u2212")


def format_p(value) -> str:
    """``p < 0.001`` style: below 0.001 as "< 0.001", otherwise three decimals."""
    if _is_missing(value):
        return MISSING
    v = float(value)
    if v < 0.001:
        return "< " + format_number(0.001, 3)
    return format_number(v, 3)


def format_ci(estimate, low, high, digits: int = 1) -> str:
    """``12.3 (8.1 to 16.5)``; the estimate alone when the interval is missing (words in the current language)."""
    from tip_eval.i18n import gettext

    est = format_number(estimate, digits)
    if est == MISSING:
        return MISSING
    if _is_missing(low) or _is_missing(high):
        return est
    return gettext("{estimate} ({low} to {high})").format(
        estimate=est, low=format_number(low, digits), high=format_number(high, digits)
    )


def _format_count(value) -> str:
    if _is_missing(value):
        return MISSING
    return f"{int(round(float(value)))}"


@dataclass
class FormattedTable:
    """Display strings of a result table, with its title and footnotes.

    Attributes
    ----------
    frame : pandas.DataFrame
        The cells as display strings, headers readable.
    title : str
    notes : list of str
        Footnotes (units, definitions, the suppression mark).
    """

    frame: pd.DataFrame
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """Aligned plain text for terminals (title, table, footnotes)."""
        cols = [str(c) for c in self.frame.columns]
        rows = [[str(v) for v in r] for r in self.frame.to_numpy(dtype=object)]
        widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
        numeric = [all(_looks_numeric(r[j]) for r in rows) and rows != [] for j in range(len(cols))]

        def line(values):
            return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

        out = []
        if self.title:
            out += [self.title, ""]
        out.append(line(cols))
        out.append("  ".join("-" * w for w in widths))
        out += [line(r) for r in rows]
        if self.notes:
            out.append("")
            out += self.notes
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def to_html(self) -> str:
        """An escaped HTML table (caption = title, footnotes below); no scripts, inline styles only.

        Numbers are right-aligned and text left-aligned, so that a notebook shows it as a printed
        table would; the cells hold the display strings (the result frame keeps full precision).
        """
        rows = [[str(v) for v in r] for r in self.frame.to_numpy(dtype=object)]
        numeric = [bool(rows) and all(_looks_numeric(r[j]) for r in rows) for j in range(len(self.frame.columns))]
        align = ["right" if n else "left" for n in numeric]
        head = "".join(
            f"<th scope='col' style='text-align:{a};vertical-align:bottom'>{html.escape(str(c))}</th>"
            for c, a in zip(self.frame.columns, align)
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td style='text-align:{a};white-space:{'nowrap' if a == 'right' else 'normal'}'>{html.escape(v)}</td>"
                for v, a in zip(row, align)
            )
            + "</tr>"
            for row in rows
        )
        caption = (
            f"<caption style='text-align:left;font-weight:bold;caption-side:top'>{html.escape(self.title)}</caption>"
            if self.title
            else ""
        )
        notes = "".join(
            f"<p class='tip-eval-note' style='text-align:left;margin:0.2em 0'><small>{html.escape(n)}</small></p>"
            for n in self.notes
        )
        return (
            f"<div class='tip-eval-table'><table>{caption}<thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{notes}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def _looks_numeric(text: str) -> bool:
    t = text.replace("\u2212", "-").replace("< ", "").replace("<", "").strip()
    if t in (MISSING, ""):
        return True
    try:
        float(t.split(" ")[0])
        return True
    except ValueError:
        return False


def _suppressed_cells(frame: pd.DataFrame) -> dict[str, set]:
    return {c: set(v) for c, v in (frame.attrs.get("suppressed_cells") or {}).items()}


def format_table(
    frame: pd.DataFrame,
    columns: Sequence[str] | Mapping[str, str] | None = None,
    ci: Mapping[str, tuple[str, str]] | None = None,
    *,
    digits: int | Mapping[str, int] = 1,
    p_columns: Sequence[str] | None = None,
    count_columns: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    title: str = "",
    notes: Sequence[str] = (),
    min_cell: int | None = None,
) -> FormattedTable:
    """Format any result frame for display.

    Parameters
    ----------
    frame : pandas.DataFrame
        A result frame (full precision), optionally already passed through
        :func:`tip_eval.disclosure.suppress`.
    columns : list of str or mapping, optional
        Columns to show, in order (a mapping gives their headers). Default: every column.
    ci : mapping, optional
        ``{estimate: (low, high)}``: show ``estimate (low to high)`` in the estimate's column.
        Default: the known pairs (``mean_gain`` with ``ci_low``/``ci_high``, ...) when present.
    digits : int or mapping, default 1
        Decimals (per column with a mapping).
    p_columns, count_columns : list of str, optional
        Columns formatted as p-values / whole numbers (default: names starting with ``p_`` or
        ``p``; names starting with ``n`` and the attendance counts).
    labels : list of str, optional
        Grouping columns whose codes are shown as labels (Cambodia, NGO).
    title : str
    notes : list of str
        Footnotes.
    min_cell : int, optional
        Suppress ``frame`` first (:func:`tip_eval.disclosure.suppress`). Cells hidden by
        suppression (in ``frame.attrs["suppressed_cells"]``) show the mark
        :data:`tip_eval.disclosure.MARK` with its legend (:func:`tip_eval.disclosure.footnote`)
        among the notes; a value that cannot be computed shows :data:`NOT_AVAILABLE`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    if min_cell is not None:
        from tip_eval.disclosure import suppress

        frame = suppress(frame, min_cell)
    mc = frame.attrs.get("min_cell", min_cell)
    blanked = _suppressed_cells(frame)
    if columns is None:
        headers = {c: column_title(c) for c in frame.columns if c != "suppressed"}
    elif isinstance(columns, Mapping):
        headers = dict(columns)
    else:
        headers = {c: column_title(c) for c in columns}
    missing = [c for c in headers if c not in frame.columns]
    if missing:
        raise ValueError(f"columns: {missing} not in the frame; its columns are: {', '.join(map(str, frame.columns))}")
    pairs = (
        dict(ci)
        if ci is not None
        else {e: lh for e, lh in _ESTIMATE_CI.items() if e in headers and set(lh) <= set(frame.columns)}
    )
    hidden = {c for lh in pairs.values() for c in lh}
    p_cols = (
        set(p_columns)
        if p_columns is not None
        else {c for c in frame.columns if str(c) in ("p", "t") or str(c).startswith("p_")}
    )
    p_cols.discard("t")
    count_cols = (
        set(count_columns)
        if count_columns is not None
        else {
            c
            for c in frame.columns
            if (str(c) == "n" or str(c).startswith("n_"))
            or str(c) in ("registered", "took_pre", "took_post", "matched", "df", "k", "n_items")
        }
    )
    label_cols = (
        set(labels)
        if labels is not None
        else {c for c in ("country", "sector", "gender", "module") if c in frame.columns}
    )
    from tip_eval.disclosure import MARK

    used_mark = used_na = False
    out = {}
    for col, header in headers.items():
        if col in hidden and col not in pairs:
            continue
        d = digits.get(col, 1) if isinstance(digits, Mapping) else digits
        values = []
        for label, row in frame.iterrows():
            v = row[col]
            if label in blanked.get(col, ()) and mc is not None:
                values.append(MARK)
                used_mark = True
                continue
            if col in pairs:
                lo, hi = pairs[col]
                text = format_ci(v, row[lo], row[hi], d)
            elif col in p_cols:
                text = format_p(v)
            elif col in count_cols:
                text = _format_count(v)
            elif col in label_cols:
                text = display_value(col, v)
            elif isinstance(v, (bool, np.bool_)):
                text = "yes" if v else "no"
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                text = format_number(v, d)
            elif _is_missing(v):
                text = MISSING
            else:
                text = str(v)
            if text == MISSING:  # not hidden: a value that cannot be computed
                text = NOT_AVAILABLE
                used_na = True
            values.append(text)
        out[
            header
            + (
                " (95% CI)"
                if col in pairs and _level(frame) == 0.95
                else f" ({_level(frame):.0%} CI)"
                if col in pairs and _level(frame)
                else ""
            )
        ] = values
    shown = pd.DataFrame(out, index=range(len(frame)))
    all_notes = list(notes)
    if used_mark or (mc is not None and bool(frame.get("suppressed", pd.Series(dtype=bool)).any())):
        from tip_eval.disclosure import footnote

        all_notes.append(footnote(mc))
    if used_na:
        all_notes.append(f"{NOT_AVAILABLE}: cannot be computed (too few answers or no variation).")
    return FormattedTable(shown, title, all_notes)


def _level(frame: pd.DataFrame) -> float | None:
    if "confidence" in frame.columns and len(frame):
        vals = pd.to_numeric(frame["confidence"], errors="coerce").dropna().unique()
        if len(vals) == 1:
            return float(vals[0])
    return None


def _measure_note(measure: str) -> str:
    if measure == "confidence":
        return "Means are of the 1-5 self-ratings; gains in rating points."
    return "Scores in percent of the maximum; gains in percentage points (post-test minus pre-test, same people)."


def gains_table(
    result: pd.DataFrame,
    *,
    measure: str = "knowledge",
    min_cell: int | None = None,
    title: str | None = None,
    detail: bool = False,
) -> FormattedTable:
    """The gains of :func:`tip_eval.gains` as a summary table (one row per group)."""
    by = _lead(result, "n_pre")
    matched = {"pre_mean_matched", "post_mean_matched"} <= set(result.columns)
    means = ["pre_mean_matched", "post_mean_matched"] if matched else ["pre_mean", "post_mean"]
    cols = [*by, "n", *means, "mean_gain", "p_adjusted", "cohens_dz", "pct_improved", "pct_reliable_improved"]
    if detail:
        cols += ["p_value", "p_wilcoxon", "hedges_gz", "normalized_gain", "pct_reliable_declined"]
        if matched:
            cols += ["n_pre", "pre_mean", "n_post", "post_mean"]
    cols = [c for c in cols if c in result.columns]
    digits = {"cohens_dz": 2, "normalized_gain": 2, "hedges_gz": 2}
    if measure == "confidence":  # ratings 1-5: a tenth hides most of a change
        digits.update({c: 2 for c in ("pre_mean", "post_mean", "pre_mean_matched", "post_mean_matched", "mean_gain")})
    word = "Confidence" if measure == "confidence" else "Knowledge"
    notes = [_measure_note(measure)]
    if matched:
        notes.append(
            "Before and after: means of the people who took both tests, so after minus before is the gain."
            + (" Everyone tested: means of all who took that test, with or without the other." if detail else "")
        )
    notes.append(
        "p (adjusted): paired t-test, Holm-adjusted across the rows. Cohen's dz: mean gain / SD of gains. "
        "Reliably improved: change beyond measurement error (Jacobson & Truax 1991)."
    )
    return format_table(
        result,
        cols,
        digits=digits,
        title=title or _titled(f"{word} before and after training", by),
        min_cell=min_cell,
        notes=notes,
    )


def confidence_table(result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """The ordinal confidence change of :func:`tip_eval.confidence_gains` (one row per group and competency)."""
    by = _lead(result, "competency_id")
    cols = [
        c
        for c in [
            *by,
            "competency",
            "n",
            "median_pre",
            "median_post",
            "pct_agree_pre",
            "pct_agree_post",
            "p_adjusted",
            "rank_biserial",
        ]
        if c in result.columns
    ]
    return format_table(
        result,
        cols,
        digits={"rank_biserial": 2},
        title=title or _titled("Confidence by competency", by),
        min_cell=min_cell,
        notes=[
            "Ratings 1-5; agreeing = rating 4 or 5 (Wilson intervals). p: Wilcoxon signed-rank, "
            "Holm-adjusted across the rows."
        ],
    )


def compare_table(comparison, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """The trainings comparison of :func:`tip_eval.compare_trainings` (its ``.table`` or the object)."""
    table = comparison.table if hasattr(comparison, "table") else comparison
    cols = [
        c
        for c in [
            "training_id",
            "n",
            "raw_gain",
            "adjusted_diff",
            "p_adjusted",
            "verdict",
            "shrunken_gain",
            "shrinkage",
            "note",
        ]
        if c in table.columns
    ]
    notes = [
        "Raw gain: mean of post minus pre. Adjusted difference: post-test compared with the typical training "
        "(the median of the other trainings) at the same pre-test score (ANCOVA). Verdict: above or below the "
        "typical training when the familywise interval excludes 0. Shrunken gain: mean gain from a mixed model, "
        "pulled toward the others for small or noisy trainings."
    ]
    if hasattr(comparison, "summary"):
        try:
            notes.append(comparison.summary())
        except Exception:  # noqa: BLE001 - a summary is a courtesy; the table stands without it
            pass
    return format_table(
        table, cols, digits={"shrinkage": 2}, title=title or "Trainings compared", min_cell=min_cell, notes=notes
    )


def items_table(result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """Item analysis (:func:`tip_eval.item_analysis`): difficulty before/after, discrimination, flags."""
    frame = result.copy()
    for c in ("difficulty_pre", "difficulty_post"):
        if c in frame:
            frame[c] = 100 * frame[c]
    by = _lead(result, "item_id")
    cols = [
        c
        for c in [
            *by,
            "item_id",
            "module",
            "n_matched",
            "difficulty_pre",
            "difficulty_post",
            "discrimination_pre",
            "alpha_if_deleted",
            "flags",
        ]
        if c in frame.columns
    ]
    return format_table(
        frame,
        cols,
        digits={"discrimination_pre": 2, "alpha_if_deleted": 3},
        min_cell=min_cell,
        title=title or _titled("Test items", by),
        notes=_item_notes(result),
    )


def _item_notes(result: pd.DataFrame) -> list[str]:
    from tip_eval.analysis.items import MIN_PEOPLE_FOR_FLAGS

    notes = [
        "Discrimination: corrected item-total correlation.",
        f"Flags need at least {MIN_PEOPLE_FOR_FLAGS} people behind the statistic (with the default threshold).",
    ]
    if "too_few_people" in result and result["too_few_people"].any():
        k = int(result["too_few_people"].sum())
        notes.append(f"{k} of {len(result)} rows: too few people to judge the item; no flag raised.")
    return notes


def followup_table(result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """Follow-up code prevalence (:func:`tip_eval.followup_summary`)."""
    by = _lead(result, "kind")
    cols = [c for c in [*by, "label", "n_interviewed", "n_with_code", "pct_with_code"] if c in result.columns]
    return format_table(
        result,
        cols,
        title=title or _titled("Follow-up interviews: what people reported", by),
        min_cell=min_cell,
        notes=["Share of interviewed people with the code (Wilson intervals)."],
    )


def attrition_table(result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """Drop-out (:func:`tip_eval.attrition`)."""
    by = _lead(result, "registered")
    cols = [
        c
        for c in [
            *by,
            "registered",
            "took_pre",
            "took_post",
            "matched",
            "matched_pct",
            "n_dropouts",
            "smd",
            "bias_flag",
            "cc_mean_gain",
            "mi_mean_gain",
            "conclusion_changes",
        ]
        if c in result.columns
    ]
    return format_table(
        result, cols, digits={"smd": 2}, title=title or _titled("Who took which test", by), min_cell=min_cell
    )


def _lead(result: pd.DataFrame, first: str) -> list[str]:
    names = [str(c) for c in result.columns]
    return names[: names.index(first)] if first in names else []


def modules_table(result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """Curriculum modules (:func:`tip_eval.module_summary`): items, matched before/after means and the gain."""
    by = _lead(result, "module")
    matched = {"pre_mean_matched", "post_mean_matched"} <= set(result.columns)
    means = ["pre_mean_matched", "post_mean_matched"] if matched else ["pre_mean", "post_mean"]
    cols = [c for c in [*by, "module", "n_items", "n", *means, "mean_gain", "p_adjusted"] if c in result.columns]
    return format_table(
        result,
        cols,
        min_cell=min_cell,
        title=title or _titled("Knowledge by curriculum module", by),
        notes=[
            "Module score: percent of the module's points. Before and after: means of the people "
            "who took both tests. p (adjusted): paired t-test, Holm-adjusted across the rows."
        ],
    )


def reliability_table(result: pd.DataFrame, *, title: str | None = None) -> FormattedTable:
    """Test reliability (:func:`tip_eval.reliability`): KR-20 or Cronbach's alpha per test, with its SEM."""
    heads = {
        "phase": "Test",
        "method": "Method",
        "n": "People",
        "k": "Items",
        "estimate": "Reliability",
        "sem_pct": "SEM (percentage points)",
    }
    cols = {c: h for c, h in heads.items() if c in result.columns}
    frame = result.copy()
    if "phase" in frame:
        frame["phase"] = frame["phase"].map(lambda v: display_value("phase", v))
    if "method" in frame:
        frame["method"] = frame["method"].map(lambda v: {"kr20": "KR-20", "alpha": "Cronbach's alpha"}.get(v, v))
    return format_table(
        frame,
        cols,
        digits={"estimate": 2, "sem_pct": 1},
        labels=[],
        title=title or "Reliability of the test",
        notes=[
            "KR-20 for right/wrong items, Cronbach's alpha otherwise; SEM: standard error of "
            "measurement in percentage points."
        ],
    )


def agreement_table(result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """Coder agreement (:func:`tip_eval.coder_agreement`), one row per code."""
    cols = [
        c
        for c in ["label", "n_double_coded", "pct_agreement", "cohen_kappa", "krippendorff_alpha", "rating"]
        if c in result.columns
    ]
    return format_table(
        result,
        cols,
        digits={"pct_agreement": 0, "cohen_kappa": 2, "krippendorff_alpha": 2},
        min_cell=min_cell,
        title=title or "Do the coders agree?",
        notes=["Rating of kappa after Landis & Koch (1977)."],
    )


def cooccurrence_table(
    result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None
) -> FormattedTable:
    """Codes applied to the same interview (:func:`tip_eval.code_cooccurrence`), one row per pair."""
    cols = [c for c in ["label_a", "label_b", "n_a", "n_b", "n_both", "c_coefficient"] if c in result.columns]
    return format_table(
        result,
        cols,
        digits={"c_coefficient": 2},
        min_cell=min_cell,
        title=title or "Codes reported together",
        notes=["c = interviews with both codes / interviews with either (0 never together, 1 always)."],
    )


def knowledge_confidence_table(
    result: pd.DataFrame, *, min_cell: int | None = None, title: str | None = None
) -> FormattedTable:
    """Confidence against knowledge (:func:`tip_eval.knowledge_vs_confidence`), one row per group."""
    by = _lead(result, "n")
    cols = [
        c
        for c in [*by, "n", "mean_knowledge_change", "mean_confidence_change", "r_spearman", "pct_overconfident"]
        if c in result.columns
    ]
    return format_table(
        result,
        cols,
        digits={"mean_confidence_change": 2, "r_spearman": 2, "pct_overconfident": 0},
        min_cell=min_cell,
        title=title or _titled("Did confidence grow with knowledge?", by),
        notes=["Changes: after minus before, knowledge in percentage points, confidence in rating points (1-5)."],
    )


def followup_gains_table(result, *, min_cell: int | None = None, title: str | None = None) -> FormattedTable:
    """Reported changes against learning gains (:func:`tip_eval.followup_vs_gains`: the object or its ``.table``)."""
    table = result.table if hasattr(result, "table") else result
    cols = [
        c
        for c in [
            "label",
            "n_with",
            "n_without",
            "gain_with",
            "gain_without",
            "diff",
            "odds_ratio_per_10",
            "p_adjusted",
        ]
        if c in table.columns
    ]
    notes = ["Gains in percentage points among the interviewed; difference with its interval (Welch)."]
    if getattr(result, "note", None):
        notes.append(str(result.note))
    return format_table(
        table,
        cols,
        digits={"odds_ratio_per_10": 2},
        min_cell=min_cell,
        title=title or "Do reported changes go with learning gains?",
        notes=notes,
    )


def retention_table(
    result: pd.DataFrame, *, measure: str = "knowledge", min_cell: int | None = None, title: str | None = None
) -> FormattedTable:
    """Does it last (:func:`tip_eval.retention`): the means of the people re-tested at each test and the gains."""
    by = _lead(result, "n_pre_post")
    cols = {
        **{c: column_title(c) for c in by},
        "n": "Re-tested (all three tests)",
        "pct_retested": "% re-tested",
        "pre_mean": "Before",
        "post_mean": "After",
        "delayed_mean": "Later",
        "immediate_gain": "Gain by the end",
        "retained_gain": "Gain still there later",
        "retention_ratio": "Share of the gain kept",
        "months_since_training": "Months later",
    }
    cols = {c: h for c, h in cols.items() if c in result.columns}
    digits = {"retention_ratio": 2, "pct_retested": 0, "months_since_training": 1}
    if measure == "confidence":
        digits.update({c: 2 for c in ("pre_mean", "post_mean", "delayed_mean", "immediate_gain", "retained_gain")})
    pairs = {
        c: (f"{c}_ci_low", f"{c}_ci_high")
        for c in ("immediate_gain", "retained_gain", "retention_ratio")
        if {f"{c}_ci_low", f"{c}_ci_high"} <= set(result.columns)
    }
    word = "Confidence" if measure == "confidence" else "Knowledge"
    return format_table(
        result,
        cols,
        ci=pairs,
        digits=digits,
        min_cell=min_cell,
        title=title or _titled(f"Does it last? {word} before, after and later", by),
        notes=["Means and gains of the same people, who took all three tests; later = the delayed post-test."],
    )


def _kind(frame: pd.DataFrame) -> str:
    cols = set(frame.columns)
    if {"retained_gain", "n_pre_post"} <= cols:
        return "retention"
    if {"mean_gain", "n_pre", "pre_sd"} <= cols:
        return "gains"
    checks = (
        ("adjusted_diff", "comparison"),
        ("pct_agree_pre", "confidence"),
        ("difficulty_pre", "items"),
        ("pct_with_code", "followup"),
        ("took_pre", "attrition"),
        ("cohen_kappa", "agreement"),
        ("c_coefficient", "cooccurrence"),
        ("pct_overconfident", "knowledge_confidence"),
        ("gain_with", "followup_gains"),
    )
    for column, kind in checks:
        if column in cols:
            return "modules" if kind == "items" and "n_items" in cols else kind
    if {"method", "estimate", "sem"} <= cols:
        return "reliability"
    return "other"


def show(
    result, *, detail: bool = False, measure: str | None = None, title: str | None = None, min_cell: int | None = None
) -> FormattedTable:
    """A result as a reader wants to see it: labels, rounded numbers, intervals as "a to b".

    The result itself is not changed: it keeps every column at full precision. In a notebook the
    returned table displays as HTML; printed, as aligned text.

    Parameters
    ----------
    result : pandas.DataFrame or result object
        Any result of tip_eval's analyses: :func:`tip_eval.gains`, :func:`tip_eval.confidence_gains`,
        :func:`tip_eval.item_analysis`, :func:`tip_eval.module_summary`, :func:`tip_eval.reliability`,
        :func:`tip_eval.attrition`, :func:`tip_eval.compare_trainings`, :func:`tip_eval.followup_summary`,
        :func:`tip_eval.coder_agreement`, :func:`tip_eval.code_cooccurrence`,
        :func:`tip_eval.knowledge_vs_confidence`, :func:`tip_eval.followup_vs_gains`,
        :func:`tip_eval.retention`; any other frame
        is shown with readable headers and rounded numbers.
    detail : bool, default False
        Gains: also the unadjusted and Wilcoxon p-values, Hedges' g, the normalised gain, the
        share reliably declined and the means of everyone tested (labelled as such).
    measure : {"knowledge", "confidence"}, optional
        Units of a gains table (default: the one the result was computed for).
    title : str, optional
        Default: what the table shows, with its grouping ("Knowledge before and after training,
        by country").
    min_cell : int, optional
        Suppress small groups first (:func:`tip_eval.disclosure.suppress`), as a publication does.

    Returns
    -------
    FormattedTable
        ``.frame`` holds the display strings; ``.notes`` the footnotes.

    Examples
    --------
    >>> import tip_eval as te
    >>> study, _ = te.datasets.make_study()
    >>> table = te.show(te.gains(study, by="country"))
    >>> list(table.frame.columns[:4])
    ['Country', 'People tested before and after', 'Before', 'After']
    """
    if hasattr(result, "table") and hasattr(result, "icc"):
        return compare_table(result, min_cell=min_cell, title=title)
    if hasattr(result, "table") and isinstance(result.table, pd.DataFrame) and "gain_with" in result.table:
        return followup_gains_table(result, min_cell=min_cell, title=title)
    if not isinstance(result, pd.DataFrame):
        raise TypeError(f"result must be a result frame or result object of tip_eval; got {type(result).__name__}")
    kind = _kind(result)
    if kind in ("gains", "retention"):
        m = measure or result.attrs.get("measure") or "knowledge"
        if m not in ("knowledge", "confidence"):
            raise ValueError(f"measure must be 'knowledge' or 'confidence'; got {m!r}")
        if kind == "retention":
            return retention_table(result, measure=m, min_cell=min_cell, title=title)
        return gains_table(result, measure=m, min_cell=min_cell, title=title, detail=detail)
    simple = {
        "comparison": compare_table,
        "confidence": confidence_table,
        "items": items_table,
        "modules": modules_table,
        "followup": followup_table,
        "attrition": attrition_table,
        "agreement": agreement_table,
        "cooccurrence": cooccurrence_table,
        "knowledge_confidence": knowledge_confidence_table,
        "followup_gains": followup_gains_table,
    }
    if kind in simple:
        return simple[kind](result, min_cell=min_cell, title=title)
    if kind == "reliability":
        return reliability_table(result, title=title)
    return format_table(result, title=title or "", min_cell=min_cell)
