"""Headline findings in words, computed from result frames (never hard-coded), hedged honestly.

Each function takes a result row or frame and returns a :class:`Finding`: the sentence and the
numbers it quotes, so tests can check every number in the headline against the table it came from.

Hedging rules:

- an interval that includes zero: "we cannot tell whether ... changed" instead of "rose";
- fewer than ``SMALL_N`` matched people: the sentence says the group is small;
- groups below ``min_cell`` are never named (the caller passes frames suppressed by the
  publication's disclosure plan);
- a count or share the plan hid (NaN) is never quoted: the sentence leaves it out, so no share of
  a handful of people (and no complement of one) reaches the headline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

SMALL_N = 30


@dataclass
class Finding:
    """One headline sentence and the numbers it quotes (name -> value at full precision)."""

    text: str
    numbers: dict[str, float] = field(default_factory=dict)
    hedged: bool = False


def _f(x: float, digits: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _ci_words(low: float, high: float, digits: int = 1, confidence: float = 0.95) -> str:
    return f"{round(confidence * 100):d}% CI {_f(low, digits)} to {_f(high, digits)}"


def _shown(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and not pd.isna(x)


def gain_finding(row: pd.Series, what: str, level_unit: str, gain_unit: str, digits: int = 1, scale: str = "",
                 min_cell: int = 5) -> Finding:
    """A sentence about one gains() row: direction, size, interval, effect size, how many improved."""
    if not _shown(row["n"]):
        return Finding(f"Fewer than {min_cell} people took both tests, or their number is hidden to protect a small "
                       f"group: the change in {what} is not reported.", {}, True)
    n = int(row["n"])
    # the matched pairs' means (the people behind the gain), so that after - before is the gain quoted
    pre, post = (("pre_mean_matched", "post_mean_matched") if "pre_mean_matched" in row.index
                 else ("pre_mean", "post_mean"))
    nums = {k: float(row[k]) for k in (pre, post, "mean_gain", "ci_low", "ci_high", "cohens_dz", "pct_improved")
            if k in row.index}
    nums["n"] = n
    if n < 2 or pd.isna(row["ci_low"]):
        return Finding(f"Too few people took both the pre- and post-test to estimate the change in {what} (n = {n}).", nums, True)
    ci = _ci_words(row["ci_low"], row["ci_high"], digits, float(row.get("confidence", 0.95)))
    small = f" This rests on a small group (n = {n}), so the interval is wide." if n < SMALL_N else ""
    improved = (f" {_f(row['pct_improved'], 0)}% of them scored higher after the training."
                if _shown(row.get("pct_improved")) else "")
    if row["ci_low"] > 0:
        text = (f"Among the {n} people tested before and after, {what} rose from {_f(row[pre], digits)}{level_unit} to "
                f"{_f(row[post], digits)}{level_unit}{scale} on average, a gain of {_f(row['mean_gain'], digits)}{gain_unit} ({ci}; "
                f"standardised effect Cohen's dz = {_f(row['cohens_dz'], 2)}).{improved}{small}")
        hedged = bool(small)
    elif row["ci_high"] < 0:
        text = (f"Among the {n} people tested before and after, {what} fell from {_f(row[pre], digits)}{level_unit} to "
                f"{_f(row[post], digits)}{level_unit}{scale} on average ({ci}).{small}")
        hedged = bool(small)
    else:
        text = (f"We cannot tell whether {what} changed: the average change was {_f(row['mean_gain'], digits)}{gain_unit} "
                f"but the interval includes zero ({ci}; n = {n}).{small}")
        hedged = True
    return Finding(text, nums, hedged)


def reliable_finding(row: pd.Series, min_cell: int = 5) -> Finding | None:
    """How many improved by more than measurement error (reliable change, Jacobson & Truax 1991).

    A share the disclosure plan hid (a handful of people, or all but a handful) is left out.
    """
    up, down = row.get("pct_reliable_improved", float("nan")), row.get("pct_reliable_declined", float("nan"))
    parts, nums = [], {}
    if _shown(up):
        parts.append(f"{_f(up, 0)}% improved by more than the test's measurement error (reliable change)")
        nums["pct_reliable_improved"] = float(up)
    if _shown(down):
        parts.append(f"{_f(down, 0)}% declined by more than it" if parts else
                     f"{_f(down, 0)}% declined by more than the test's measurement error (reliable change)")
        nums["pct_reliable_declined"] = float(down)
    if not parts:
        return None
    return Finding(", and ".join(parts) + ".", nums)


def groups_finding(table: pd.DataFrame, by: str, label: str) -> Finding | None:
    """Which shown groups gained beyond chance (adjusted p < 0.05) and which we cannot tell about."""
    shown = table[~table.get("suppressed", pd.Series(False, index=table.index)).astype(bool)]
    shown = shown[shown["n"].notna()]
    if shown.empty:
        return None
    clear = shown[(shown["ci_low"] > 0) & (shown["p_adjusted"] < 0.05)]
    unclear = shown[~shown.index.isin(clear.index)]
    from tip_eval import vocab

    def name(v: object) -> str:
        return vocab.label(by, v) if by in ("country", "sector", "gender") and isinstance(v, str) else str(v)

    names = ", ".join(name(v) for v in clear[by])
    text = f"By {label}: {len(clear)} of {len(shown)} groups shown gained beyond chance (after adjusting for multiple comparisons)"
    text += f" ({names})." if len(clear) else "."
    if len(unclear):
        text += f" For {', '.join(name(v) for v in unclear[by])}, the data cannot tell (small groups or intervals that include zero)."
    return Finding(text, {"n_groups": len(shown), "n_clear": len(clear)}, bool(len(unclear)))


def followup_finding(indicator: pd.Series | None, min_cell: int = 5) -> Finding | None:
    """The level-3 indicator: share of interviewees reporting at least one applied-practice code."""
    if indicator is None or pd.isna(indicator.get("n_interviewed", float("nan"))) or not indicator["n_interviewed"]:
        return None
    if not _shown(indicator.get("pct_with_code")):
        return None
    n = int(indicator["n_interviewed"])
    nums = {"pct_with_code": float(indicator["pct_with_code"]), "ci_low": float(indicator["ci_low"]),
            "ci_high": float(indicator["ci_high"]), "n_interviewed": n}
    text = (f"Months later, {_f(indicator['pct_with_code'], 0)}% of the {n} people interviewed described applying the training "
            f"in their work ({_ci_words(indicator['ci_low'], indicator['ci_high'], 0)}). Interviewees may not represent everyone trained.")
    return Finding(text, nums, True)


def attrition_finding(row: pd.Series, min_cell: int = 5) -> Finding | None:
    """Drop-out in words, and whether it changes the conclusion."""
    if row is None or not all(_shown(row.get(c, float("nan"))) for c in ("registered", "matched", "matched_pct")):
        return None
    nums = {"registered": float(row["registered"]), "matched": float(row["matched"]), "matched_pct": float(row["matched_pct"])}
    text = (f"{int(row['matched'])} of {int(row['registered'])} registered participants ({_f(row['matched_pct'], 0)}%) "
            "took both tests.")
    if _shown(row.get("bias_flag")) and bool(row["bias_flag"]):
        text += (" Those who missed the post-test had started lower, so the complete-case gain may be biased.")
    if "conclusion_changes" in row.index and _shown(row["conclusion_changes"]) and _shown(row.get("mi_mean_gain")):
        if bool(row["conclusion_changes"]):
            text += " Imputing the missing post-tests changes the conclusion: read the gain with caution."
        else:
            text += (f" Imputing the missing post-tests gives a gain of {_f(row['mi_mean_gain'])} points "
                     f"({_ci_words(row['mi_ci_low'], row['mi_ci_high'])}), the same conclusion.")
            nums["mi_mean_gain"] = float(row["mi_mean_gain"])
    return Finding(text, nums)


def retention_finding(row: pd.Series, what: str = "knowledge", unit: str = " percentage points",
                      digits: int = 1) -> Finding | None:
    """The share of the gain still there at the delayed post-test, in words (a row of :func:`tip_eval.retention`).

    Hedged when few people were re-tested (fewer than ``SMALL_N``, or fewer than half of those who
    took the pre- and post-test), when the re-tested people had learned clearly more than the others
    (the retained gain then flatters the group), or when the intervals are wide or missing.
    """
    if row is None or pd.isna(row.get("n", float("nan"))) or not row["n"]:
        return None
    n = int(row["n"])
    pairs = None if pd.isna(row.get("n_pre_post")) else int(row["n_pre_post"])  # hidden by the disclosure plan
    nums = {k: float(row[k]) for k in ("n", "n_pre_post", "pct_retested", "immediate_gain", "retained_gain",
                                        "retained_gain_ci_low", "retained_gain_ci_high", "decay", "retention_ratio",
                                        "retention_ratio_ci_low", "retention_ratio_ci_high", "months_since_training")
            if k in row.index and not pd.isna(row[k])}
    when = (f" about {_f(row['months_since_training'], 0)} months after the training"
            if not pd.isna(row.get("months_since_training", float("nan"))) else " months after the training")
    if pd.isna(row["retained_gain_ci_low"]):
        return Finding(f"Too few people took the delayed post-test{when} to say whether the {what} gain lasted "
                       f"(n = {n}).", nums, True)
    ci = _ci_words(row["retained_gain_ci_low"], row["retained_gain_ci_high"], digits, float(row.get("confidence", 0.95)))
    if not pd.isna(row.get("retention_ratio", float("nan"))):
        share = (f"about {_f(100 * row['retention_ratio'], 0)}% of the gain they had at the end of the training "
                 f"(95% interval {_f(100 * row['retention_ratio_ci_low'], 0)}% to "
                 f"{_f(100 * row['retention_ratio_ci_high'], 0)}%)")
    else:
        share = "a share of a gain that was itself not clear"
    if row["retained_gain_ci_low"] > 0:
        text = (f"The {what} gain lasted in part: {n} people tested again{when} were still "
                f"{_f(row['retained_gain'], digits)}{unit} above their pre-test ({ci}), {share}.")
    elif row["retained_gain_ci_high"] < 0:
        text = (f"{what.capitalize()} did not last: {n} people tested again{when} scored "
                f"{_f(-row['retained_gain'], digits)}{unit} below their pre-test ({ci}).")
    else:
        text = (f"We cannot tell whether the {what} gain lasted: {n} people tested again{when} were "
                f"{_f(row['retained_gain'], digits)}{unit} from their pre-test, an interval that includes zero ({ci}).")
    hedges = []
    if pairs is not None and (n < SMALL_N or n < 0.5 * pairs):
        hedges.append(f"only {n} of the {pairs} people with both earlier tests took the delayed test, so this may not "
                      "hold for everyone trained")
    elif pairs is None and n < SMALL_N:
        hedges.append(f"only {n} people took the delayed test, so this may not hold for everyone trained")
    if not pd.isna(row.get("retested_gain_diff_ci_low", float("nan"))) and row["retested_gain_diff_ci_low"] > 0:
        hedges.append("those re-tested had gained more at the end of the training than those who were not, so the "
                      "lasting gain of the whole group is probably smaller")
    if hedges:
        text += " Read with caution: " + "; ".join(hedges) + "."
    return Finding(text, nums, bool(hedges) or not row["retained_gain_ci_low"] > 0)
