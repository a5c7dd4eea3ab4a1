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

from tip_eval.i18n import N_, _, ngettext

SMALL_N = 30

#: what a finding is about: (the noun in a sentence, the noun that starts a sentence)
MEASURES = {
    "knowledge": (N_("knowledge"), N_("Knowledge")),
    "confidence": (N_("confidence (mean self-rating, 1-5)"), N_("Confidence (mean self-rating, 1-5)")),
}


@dataclass
class Finding:
    """One headline sentence and the numbers it quotes (name -> value at full precision)."""

    text: str
    numbers: dict[str, float] = field(default_factory=dict)
    hedged: bool = False


def _f(x: float, digits: int = 1) -> str:
    from tip_eval.tables import format_number

    return _("n/a") if x is None or (isinstance(x, float) and math.isnan(x)) else format_number(x, digits)


def _ci_words(low: float, high: float, digits: int = 1, confidence: float = 0.95) -> str:
    return _("{level}% CI {low} to {high}").format(
        level=round(confidence * 100), low=_f(low, digits), high=_f(high, digits)
    )


def _shown(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and not pd.isna(x)


def _what(what: str) -> tuple[str, str]:
    """The noun of a measure in the current language: (in a sentence, at its start)."""
    low, cap = MEASURES.get(what, (what, what.capitalize()))
    return _(low), _(cap)


def _level(x: float, what: str, digits: int) -> str:
    """A mean score: a percentage of the maximum for knowledge, a rating for confidence."""
    return _("{value}%").format(value=_f(x, digits)) if what == "knowledge" else _f(x, digits)


def _points(x: float, what: str, digits: int) -> str:
    """A change: percentage points of knowledge, points of confidence."""
    if what == "knowledge":
        return _("{value} percentage points").format(value=_f(x, digits))
    return _("{value} points").format(value=_f(x, digits))


def gain_finding(row: pd.Series, what: str = "knowledge", digits: int = 1, min_cell: int = 5) -> Finding:
    """A sentence about one gains() row: direction, size, interval, effect size, how many improved.

    ``what`` is ``"knowledge"`` (scores in percent of the maximum) or ``"confidence"`` (mean
    self-rating, 1-5); the sentence is in the current language.
    """
    low, cap = _what(what)
    if not _shown(row["n"]):
        return Finding(
            _(
                "Fewer than {min_cell} people took both tests, or their number is hidden to protect a small "
                "group: the change in {what} is not reported."
            ).format(min_cell=min_cell, what=low),
            {},
            True,
        )
    n = int(row["n"])
    # the matched pairs' means (the people behind the gain), so that after - before is the gain quoted
    pre, post = (
        ("pre_mean_matched", "post_mean_matched") if "pre_mean_matched" in row.index else ("pre_mean", "post_mean")
    )
    nums = {
        k: float(row[k])
        for k in (pre, post, "mean_gain", "ci_low", "ci_high", "cohens_dz", "pct_improved")
        if k in row.index
    }
    nums["n"] = n
    if n < 2 or pd.isna(row["ci_low"]):
        return Finding(
            _("Too few people took both the pre- and post-test to estimate the change in {what} (n = {n}).").format(
                what=low, n=n
            ),
            nums,
            True,
        )
    ci = _ci_words(row["ci_low"], row["ci_high"], digits, float(row.get("confidence", 0.95)))
    small = (
        (" " + _("This rests on a small group (n = {n}), so the interval is wide.").format(n=n)) if n < SMALL_N else ""
    )
    improved = (
        " " + _("{pct}% of them scored higher after the training.").format(pct=_f(row["pct_improved"], 0))
        if _shown(row.get("pct_improved"))
        else ""
    )
    before, after = _level(row[pre], what, digits), _level(row[post], what, digits)
    if row["ci_low"] > 0:
        template = (
            _(
                "Among the {n} people tested before and after, {what} rose from {pre} to {post} of the maximum "
                "score on average, a gain of {gain} ({ci}; standardised effect Cohen's dz = {dz})."
            )
            if what == "knowledge"
            else _(
                "Among the {n} people tested before and after, {what} rose from {pre} to {post} on average, a "
                "gain of {gain} ({ci}; standardised effect Cohen's dz = {dz})."
            )
        )
        text = (
            template.format(
                what=low,
                pre=before,
                post=after,
                gain=_points(row["mean_gain"], what, digits),
                ci=ci,
                n=n,
                dz=_f(row["cohens_dz"], 2),
            )
            + improved
            + small
        )
        hedged = bool(small)
    elif row["ci_high"] < 0:
        template = (
            _(
                "Among the {n} people tested before and after, {what} fell from {pre} to {post} of the maximum "
                "score on average ({ci})."
            )
            if what == "knowledge"
            else _("Among the {n} people tested before and after, {what} fell from {pre} to {post} on average ({ci}).")
        )
        text = template.format(what=low, pre=before, post=after, ci=ci, n=n) + small
        hedged = bool(small)
    else:
        text = (
            _(
                "We cannot tell whether {what} changed: the average change was {change} but the interval includes "
                "zero ({ci}; n = {n})."
            ).format(what=low, change=_points(row["mean_gain"], what, digits), ci=ci, n=n)
            + small
        )
        hedged = True
    return Finding(text, nums, hedged)


def reliable_finding(row: pd.Series, min_cell: int = 5) -> Finding | None:
    """How many improved by more than measurement error (reliable change, Jacobson & Truax 1991).

    A share the disclosure plan hid (a handful of people, or all but a handful) is left out.
    """
    up, down = row.get("pct_reliable_improved", float("nan")), row.get("pct_reliable_declined", float("nan"))
    nums = {}
    if _shown(up):
        nums["pct_reliable_improved"] = float(up)
    if _shown(down):
        nums["pct_reliable_declined"] = float(down)
    if _shown(up) and _shown(down):
        text = _(
            "{up}% improved by more than the test's measurement error (reliable change), and {down}% declined "
            "by more than it."
        ).format(up=_f(up, 0), down=_f(down, 0))
    elif _shown(up):
        text = _("{up}% improved by more than the test's measurement error (reliable change).").format(up=_f(up, 0))
    elif _shown(down):
        text = _("{down}% declined by more than the test's measurement error (reliable change).").format(
            down=_f(down, 0)
        )
    else:
        return None
    return Finding(text, nums)


def groups_finding(table: pd.DataFrame, by: str, label: str) -> Finding | None:
    """Which shown groups gained beyond chance (adjusted p < 0.05) and which we cannot tell about."""
    shown = table[~table.get("suppressed", pd.Series(False, index=table.index)).astype(bool)]
    shown = shown[shown["n"].notna()]
    if shown.empty:
        return None
    clear = shown[(shown["ci_low"] > 0) & (shown["p_adjusted"] < 0.05)]
    unclear = shown[~shown.index.isin(clear.index)]
    from tip_eval import vocab
    from tip_eval.i18n import current_language

    def name(v: object) -> str:
        if by in ("country", "sector", "gender", "province") and isinstance(v, str):
            return vocab.label(by, v, current_language())
        return str(v)

    names = ", ".join(name(v) for v in clear[by])
    if len(clear):
        text = ngettext(
            "By {group}: {k} of {n} group shown gained beyond chance (after adjusting for multiple "
            "comparisons) ({names}).",
            "By {group}: {k} of {n} groups shown gained beyond chance (after adjusting for multiple "
            "comparisons) ({names}).",
            len(shown),
        ).format(group=label, k=len(clear), n=len(shown), names=names)
    else:
        text = ngettext(
            "By {group}: {k} of {n} group shown gained beyond chance (after adjusting for multiple comparisons).",
            "By {group}: {k} of {n} groups shown gained beyond chance (after adjusting for multiple comparisons).",
            len(shown),
        ).format(group=label, k=len(clear), n=len(shown))
    if len(unclear):
        text += " " + _("For {names}, the data cannot tell (small groups or intervals that include zero).").format(
            names=", ".join(name(v) for v in unclear[by])
        )
    return Finding(text, {"n_groups": len(shown), "n_clear": len(clear)}, bool(len(unclear)))


def followup_finding(indicator: pd.Series | None, min_cell: int = 5) -> Finding | None:
    """The level-3 indicator: share of interviewees reporting at least one applied-practice code."""
    if indicator is None or pd.isna(indicator.get("n_interviewed", float("nan"))) or not indicator["n_interviewed"]:
        return None
    if not _shown(indicator.get("pct_with_code")):
        return None
    n = int(indicator["n_interviewed"])
    nums = {
        "pct_with_code": float(indicator["pct_with_code"]),
        "ci_low": float(indicator["ci_low"]),
        "ci_high": float(indicator["ci_high"]),
        "n_interviewed": n,
    }
    text = ngettext(
        "Months later, {pct}% of the {n} person interviewed described applying the training in their "
        "work ({ci}). Interviewees may not represent everyone trained.",
        "Months later, {pct}% of the {n} people interviewed described applying the training in their "
        "work ({ci}). Interviewees may not represent everyone trained.",
        n,
    ).format(pct=_f(indicator["pct_with_code"], 0), n=n, ci=_ci_words(indicator["ci_low"], indicator["ci_high"], 0))
    return Finding(text, nums, True)


def attrition_finding(row: pd.Series, min_cell: int = 5) -> Finding | None:
    """Drop-out in words, and whether it changes the conclusion."""
    if row is None or not all(_shown(row.get(c, float("nan"))) for c in ("registered", "matched", "matched_pct")):
        return None
    nums = {
        "registered": float(row["registered"]),
        "matched": float(row["matched"]),
        "matched_pct": float(row["matched_pct"]),
    }
    text = ngettext(
        "{matched} of {registered} registered participant ({pct}%) took both tests.",
        "{matched} of {registered} registered participants ({pct}%) took both tests.",
        int(row["registered"]),
    ).format(matched=int(row["matched"]), registered=int(row["registered"]), pct=_f(row["matched_pct"], 0))
    if _shown(row.get("bias_flag")) and bool(row["bias_flag"]):
        text += " " + _("Those who missed the post-test had started lower, so the complete-case gain may be biased.")
    if "conclusion_changes" in row.index and _shown(row["conclusion_changes"]) and _shown(row.get("mi_mean_gain")):
        if bool(row["conclusion_changes"]):
            text += " " + _("Imputing the missing post-tests changes the conclusion: read the gain with caution.")
        else:
            text += " " + _(
                "Imputing the missing post-tests gives a gain of {gain} points ({ci}), the same conclusion."
            ).format(gain=_f(row["mi_mean_gain"]), ci=_ci_words(row["mi_ci_low"], row["mi_ci_high"]))
            nums["mi_mean_gain"] = float(row["mi_mean_gain"])
    return Finding(text, nums)


def retention_finding(row: pd.Series, what: str = "knowledge", digits: int = 1) -> Finding | None:
    """The share of the gain still there at the delayed post-test, in words (a row of :func:`tip_eval.retention`).

    ``what`` is ``"knowledge"`` or ``"confidence"``. Hedged when few people were re-tested (fewer
    than ``SMALL_N``, or fewer than half of those who took the pre- and post-test), when the
    re-tested people had learned clearly more than the others (the retained gain then flatters the
    group), or when the intervals are wide or missing.
    """
    if row is None or pd.isna(row.get("n", float("nan"))) or not row["n"]:
        return None
    low, cap = _what(what)
    n = int(row["n"])
    pairs = None if pd.isna(row.get("n_pre_post")) else int(row["n_pre_post"])  # hidden by the disclosure plan
    nums = {
        k: float(row[k])
        for k in (
            "n",
            "n_pre_post",
            "pct_retested",
            "immediate_gain",
            "retained_gain",
            "retained_gain_ci_low",
            "retained_gain_ci_high",
            "decay",
            "retention_ratio",
            "retention_ratio_ci_low",
            "retention_ratio_ci_high",
            "months_since_training",
        )
        if k in row.index and not pd.isna(row[k])
    }
    when = (
        _("about {months} months after the training").format(months=_f(row["months_since_training"], 0))
        if not pd.isna(row.get("months_since_training", float("nan")))
        else _("months after the training")
    )
    if pd.isna(row["retained_gain_ci_low"]):
        return Finding(
            _(
                "Too few people took the delayed post-test {when} to say whether the {what} gain lasted (n = {n})."
            ).format(when=when, what=low, n=n),
            nums,
            True,
        )
    ci = _ci_words(
        row["retained_gain_ci_low"], row["retained_gain_ci_high"], digits, float(row.get("confidence", 0.95))
    )
    if not pd.isna(row.get("retention_ratio", float("nan"))):
        share = _(
            "about {pct}% of the gain they had at the end of the training (95% interval {low}% to {high}%)"
        ).format(
            pct=_f(100 * row["retention_ratio"], 0),
            low=_f(100 * row["retention_ratio_ci_low"], 0),
            high=_f(100 * row["retention_ratio_ci_high"], 0),
        )
    else:
        share = _("a share of a gain that was itself not clear")
    if row["retained_gain_ci_low"] > 0:
        text = _(
            "The {what} gain lasted in part: {n} people tested again {when} were still {gain} above their "
            "pre-test ({ci}), {share}."
        ).format(what=low, n=n, when=when, gain=_points(row["retained_gain"], what, digits), ci=ci, share=share)
    elif row["retained_gain_ci_high"] < 0:
        text = _(
            "{What} did not last: {n} people tested again {when} scored {loss} below their pre-test ({ci})."
        ).format(What=cap, n=n, when=when, loss=_points(-row["retained_gain"], what, digits), ci=ci)
    else:
        text = _(
            "We cannot tell whether the {what} gain lasted: {n} people tested again {when} were {gain} from "
            "their pre-test, an interval that includes zero ({ci})."
        ).format(what=low, n=n, when=when, gain=_points(row["retained_gain"], what, digits), ci=ci)
    hedges = []
    if pairs is not None and (n < SMALL_N or n < 0.5 * pairs):
        hedges.append(
            _(
                "only {n} of the {pairs} people with both earlier tests took the delayed test, so this may "
                "not hold for everyone trained"
            ).format(n=n, pairs=pairs)
        )
    elif pairs is None and n < SMALL_N:
        hedges.append(_("only {n} people took the delayed test, so this may not hold for everyone trained").format(n=n))
    if not pd.isna(row.get("retested_gain_diff_ci_low", float("nan"))) and row["retested_gain_diff_ci_low"] > 0:
        hedges.append(
            _(
                "those re-tested had gained more at the end of the training than those who were not, so the "
                "lasting gain of the whole group is probably smaller"
            )
        )
    if hedges:
        text += " " + _("Read with caution: {reasons}.").format(reasons="; ".join(hedges))
    return Finding(text, nums, bool(hedges) or not row["retained_gain_ci_low"] > 0)
