"""Sections of the impact brief after the core results: lasting gains, studies compared, planning, cost.

Each takes the publication (:class:`tip_eval.report.publication.Publication`) whose disclosure plan
covers the brief and its workbook, and shows only what the plan shows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tip_eval.i18n import N_, _
from tip_eval.report import headline as hl
from tip_eval.report.blocks import (
    Section,
    _ci,
    _figure,
    _gains_columns,
    _hidden_note,
    _label,
    _num,
    group_label,
    html_table,
)
from tip_eval.report.results import Results

#: the verdict of a study against the typical study, in words (as the comparison of trainings')
STUDY_VERDICTS = {
    "above": N_("above the typical study"),
    "below": N_("below the typical study"),
    "not distinguishable": N_("not distinguishable from the typical study"),
}


def _retention_section(pub: Any, R: dict, headline: list) -> Section:
    """Build "Does it last?": the delayed post-test against the pre- and post-test of the same people (from the plan)."""
    sec = Section("retention", _("Does it last?"))
    min_cell = pub.min_cell
    group = pub.retention_group
    overall = pub.table("retention/knowledge").drop(columns="suppressed")
    shown, hidden = pub.shown(f"retention/knowledge/{group}")
    shown = shown if shown is not None else overall.iloc[0:0]
    R["retention"], R[f"retention_by_{group}"] = overall, shown
    row = overall.iloc[0] if len(overall) else None
    finding = hl.retention_finding(row)
    if finding:
        headline.append(finding)
        sec.add("text", finding.text)
    if (
        row is not None
        and not pd.isna(row["n"])
        and not pd.isna(row["gain_not_retested"])
        and not pd.isna(row["retested_gain_diff_ci_low"])
    ):
        who = (
            _("Who was re-tested: {n} of the {pairs} people with both earlier tests.").format(
                n=_num(row["n"], 0), pairs=_num(row["n_pre_post"], 0)
            )
            if not pd.isna(row["n_pre_post"])
            else _("Who was re-tested: {n} people with both earlier tests.").format(n=_num(row["n"], 0))
        )
        sec.add(
            "text",
            who
            + " "
            + _(
                "At the end of the training they had gained {gain} points, those not re-tested "
                "{other} (difference {diff})."
            ).format(
                gain=_num(row["immediate_gain"]),
                other=_num(row["gain_not_retested"]),
                diff=_ci(
                    row["retested_gain_diff"], row["retested_gain_diff_ci_low"], row["retested_gain_diff_ci_high"]
                ),
            ),
        )
    rows = pd.concat([overall.assign(**{group: "All"}), shown], ignore_index=True) if len(overall) else shown
    cells: dict[str, list] = {}  # what each part hid, where its rows land (the overall row first)
    for part, offset in ((overall, 0), (shown, len(overall))):
        where = {label: i + offset for i, label in enumerate(part.index)}
        for col, labels in (part.attrs.get("suppressed_cells") or {}).items():
            cells.setdefault(col, []).extend(where[x] for x in labels if x in where)
    rows.attrs = {"suppressed_cells": cells, "min_cell": min_cell}
    label = group_label(group, capital=True)
    table = html_table(
        rows,
        {
            label: ("text", lambda r: _label(group, r[group])),
            _("Re-tested"): (
                "",
                lambda r: (
                    _("{n} of {pairs}").format(n=_num(r["n"], 0), pairs=_num(r["n_pre_post"], 0))
                    if not pd.isna(r["n_pre_post"])
                    else _num(r["n"], 0)
                ),
            ),
            _("Gain at the end (95% CI)"): (
                "",
                lambda r: _ci(r["immediate_gain"], r["immediate_gain_ci_low"], r["immediate_gain_ci_high"]),
            ),
            _("Gain at the delayed test (95% CI)"): (
                "",
                lambda r: _ci(r["retained_gain"], r["retained_gain_ci_low"], r["retained_gain_ci_high"]),
            ),
            _("Change since the end (95% CI)"): ("", lambda r: _ci(r["decay"], r["decay_ci_low"], r["decay_ci_high"])),
            _("Share of the gain retained (95% CI)"): (
                "",
                lambda r: _ci(
                    100 * r["retention_ratio"], 100 * r["retention_ratio_ci_low"], 100 * r["retention_ratio_ci_high"], 0
                ),
            ),
            _("Months later"): ("", lambda r: _num(r["months_since_training"], 1)),
        },
    )
    if not table and finding is None:
        sec.add(
            "text",
            _(
                "Too few people took the delayed test (fewer than {min_cell}, or hidden to protect such a "
                "group) to say whether the gain lasted."
            ).format(min_cell=min_cell),
        )
        return sec
    sec.add("table", html=table)
    if hidden:
        sec.add("note", _hidden_note(hidden, "groups", min_cell))
    fig = _figure("retention", shown, by=group)
    if fig:
        sec.add("figure", html=fig)
    conf = pub.table("retention/confidence")
    if conf is not None and len(conf):
        said = hl.retention_finding(conf.iloc[0], "confidence", 2)
        if said:
            R["retention_confidence"] = conf
            sec.add("text", said.text)
    sec.add(
        "note",
        _(
            "Gains are those of the people who took all three tests, from the same people's pre-test; "
            "share retained = gain at the delayed test / gain at the end of the training (not given when the "
            "gain at the end is itself unclear). See Methods."
        ),
    )
    return sec


def _summary(pub: Any, comp: Any) -> list[str]:
    """A comparison's summary in words, without any paragraph that names a group whose size is hidden."""
    try:
        paras = [p for p in comp.summary().split("\n") if p.strip()]
    except Exception:  # noqa: BLE001 - the summary is a courtesy
        return []
    kept = [p for p in paras if not pub.names_hidden(p)]
    if len(kept) < len(paras):
        kept.append(
            _("Groups with fewer than {min_cell} people (or hidden to protect them) are not named.").format(
                min_cell=pub.min_cell
            )
        )
    return kept


def _studies_section(pub: Any, R: dict) -> Section:
    """A comparison of the studies of a programme: gains by study and year, and the fair comparison (from the plan)."""
    sec = Section("studies", _("Comparing the studies"))
    min_cell = pub.min_cell
    table, hidden = pub.shown("gains/knowledge/study and year")
    if table is not None:
        R["gains_by_study_year"] = table
        sec.add("heading", _("Knowledge gain by study and year"))
        disp = table.assign(_group=[f"{a} / {b}" for a, b in zip(table["study"], table["year"])])
        sec.add(
            "table", html=html_table(disp, {_("Study / year"): ("text", lambda r: r["_group"]), **_gains_columns(None)})
        )
        if hidden:
            sec.add("note", _hidden_note(hidden, "groups", min_cell))
    comp = pub.raw.get("study_comparison")
    if comp is None:
        return sec
    R["study_comparison"] = comp
    for para in _summary(pub, comp):
        sec.add("text", para)
    shown, hidden = pub.shown("compare_studies")
    sec.add(
        "table",
        html=html_table(
            shown,
            {
                _("Study"): ("text", lambda r: str(r["study"])),
                "n": ("", lambda r: _num(r["n"], 0)),
                _("Raw mean gain (95% CI)"): ("", lambda r: _ci(r["raw_gain"], r["raw_ci_low"], r["raw_ci_high"])),
                _("Difference from the typical study (95% CI)"): (
                    "",
                    lambda r: _ci(r["adjusted_diff"], r["adjusted_ci_low"], r["adjusted_ci_high"]),
                ),
                _("Familywise interval (all studies)"): (
                    "",
                    lambda r: _("{low} to {high}").format(
                        low=_num(r["familywise_ci_low"]), high=_num(r["familywise_ci_high"])
                    ),
                ),
                _("Verdict"): ("text", lambda r: _(STUDY_VERDICTS.get(str(r["verdict"]), str(r["verdict"])))),
                _("Shrunken gain (95% interval)"): (
                    "",
                    lambda r: _ci(r["shrunken_gain"], r["shrunken_ci_low"], r["shrunken_ci_high"]),
                ),
            },
        ),
    )
    if hidden:
        sec.add("note", _hidden_note(hidden, "studies", min_cell))
    fig = _figure(
        "forest",
        shown.rename(columns={"study": "training_id"}),
        title=_("Each study against the typical study"),
        x_title=_("Difference from the median of the other studies, post-test adjusted for the pre-test"),
    )
    if fig:
        sec.add("figure", html=fig)
    return sec


def _planning_section(study, res: Results, min_cell: int, R: dict) -> Section:
    """The "Planning the next training" box: the plans, the options for comparing curricula, the assumptions."""
    sec = Section("planning", _("Planning the next training"))
    n = R["knowledge"].iloc[0]["n"]
    if pd.isna(n) or not n >= max(min_cell, 2):
        sec.add("text", _("Fewer than {n} people took both tests: too few to plan from.").format(n=max(min_cell, 2)))
        return sec
    try:
        plan = res("plan_next")
    except ValueError as err:
        sec.add("text", _("The next training could not be planned from these data: {reason}.").format(reason=err))
        return sec
    R["plan"] = plan
    sec.add(
        "box",
        text=_("How many people and trainings the next round needs"),
        items=[s for s in plan.table["in_words"] if s],
    )
    opts = plan.options[plan.options["trainings"].notna()]
    own = round(float(plan.inputs.set_index("quantity").at["people_per_training", "value"]))
    if len(opts):
        target = plan.table.set_index("plan").at["difference", "target"]
        sec.add(
            "heading",
            _("Trainings needed to show a difference of {points} points between two curricula").format(
                points=_num(target, 1)
            ),
        )
        sec.add(
            "table",
            html=html_table(
                opts,
                {
                    _("People enrolled per training"): (
                        "",
                        lambda r: (
                            _num(r["people_to_enrol"], 0)
                            + (" " + _("(as in this study)") if r["people_to_enrol"] == own else "")
                        ),
                    ),
                    _("Expected with both tests"): ("", lambda r: _num(r["people_tested"], 0)),
                    _("Trainings in all"): ("", lambda r: _num(r["trainings"], 0)),
                    _("Range"): (
                        "",
                        lambda r: _("{low} to {high}").format(
                            low=_num(r["trainings_low"], 0), high=_num(r["trainings_high"], 0)
                        ),
                    ),
                    _("Trainings per curriculum"): ("", lambda r: _num(r["per_curriculum"], 0)),
                },
            ),
        )
    for line in [*plan.assumptions(), *plan.notes]:
        sec.add("note", line)
    return sec


def _money(x: Any, currency: str = "") -> str:
    """An amount for display: whole units with thousands separators (two decimals below 10)."""
    if pd.isna(x):
        return _num(float("nan"))
    return f"{currency} {x:,.0f}".strip() if abs(x) >= 10 else f"{currency} {x:,.2f}".strip()


def _money_ci(est: Any, low: Any, high: Any) -> str:
    if pd.isna(est):
        return _num(float("nan"))
    return f"{_money(est)} ({_money(low)} to {_money(high) if pd.notna(high) else 'no upper end'})"


def _cost_section(pub: Any, res: Results, min_cell: int, R: dict) -> Section:
    """The "Cost" section: cost per person trained, completer and reliably improved person, overall and per training.

    The cost tables are part of the publication's disclosure plan (their counts of people per
    training are counts like any other); a training whose count is hidden is left out.
    """
    sec = Section("cost", "Cost")
    if "cost" not in pub:
        sec.add(
            "caution",
            f"The costs could not be used: {pub.notes.get('cost', 'no usable cost')}. The problems file "
            "lists every problem in the costs.",
        )
        return sec
    overall = pub.table("cost").drop(columns="suppressed")
    per, hidden = pub.shown("cost/training_id")
    top_row = overall.assign(training_id="All trainings")
    both = pd.concat([top_row, per], ignore_index=True)[["training_id", *[c for c in overall.columns]]]
    # what each part hid, where its rows land (the overall row first)
    cells: dict[str, list] = {}
    for part, offset in ((overall, 0), (per, len(overall))):
        where = {label: i + offset for i, label in enumerate(part.index)}
        for col, labels in (part.attrs.get("suppressed_cells") or {}).items():
            cells.setdefault(col, []).extend(where[x] for x in labels if x in where)
    both.attrs = {"suppressed_cells": cells, "min_cell": min_cell}
    shown = both[both["n_matched"].notna() | (both["training_id"] == "All trainings")]
    R["cost"] = shown
    cur = str(overall["currency"].iloc[0])
    top = shown[shown["training_id"] == "All trainings"]
    if len(top):
        t = top.iloc[0]
        k = len(per)
        years = str(t["cost_years"]).rsplit(", ", 1)
        years = f" (spent in {' and '.join(years)})" if years[0] else ""
        text = (
            f"The {k} training{'s' if k != 1 else ''} with a recorded cost came to {_money(t['cost_total'], cur)} in all"
            f"{years}: {_money(t['cost_per_trained'], cur)} per person registered and "
            f"{_money(t['cost_per_completer'], cur)} per person who took both tests."
        )
        sec.add("text", text)
        if pd.notna(t["cost_per_reliably_improved"]):
            high = t["cost_per_reliably_improved_ci_high"]
            upper = _money(high, cur) if pd.notna(high) else "an unbounded upper end"
            sec.add(
                "text",
                f"Each person whose knowledge reliably improved cost about "
                f"{_money(t['cost_per_reliably_improved'], cur)} ({_num(t['n_reliably_improved'], 0)} people; "
                f"95% interval {_money(t['cost_per_reliably_improved_ci_low'], cur)} to {upper}).",
            )
        elif pd.notna(t["n_reliably_improved"]) and t["n_reliably_improved"] == 0:
            sec.add("text", "Nobody's knowledge reliably improved, so there is no cost per reliably improved person.")
        if pd.notna(t["gain_sd_per_100"]):
            sec.add(
                "text",
                f"Put another way: for every {cur} 100 spent per participant, knowledge grew by "
                f"{_num(t['gain_sd_per_100'], 2)} standard deviations of the pre-test scores.",
            )
    sec.add(
        "table",
        html=html_table(
            shown,
            {
                "Training": ("text", lambda r: str(r["training_id"])),
                f"Cost ({cur})": ("", lambda r: _money(r["cost_total"])),
                # per training, the number registered (and what divides by it) would give it back: all trainings only
                "Registered": ("", lambda r: _num(r["n_registered"], 0) if r["training_id"] == "All trainings" else ""),
                "Both tests": ("", lambda r: _num(r["n_matched"], 0)),
                "Reliably improved": ("", lambda r: _num(r["n_reliably_improved"], 0)),
                "Per person registered": (
                    "",
                    lambda r: _money(r["cost_per_trained"]) if r["training_id"] == "All trainings" else "",
                ),
                "Per person reliably improved (95% interval)": (
                    "",
                    lambda r: _money_ci(
                        r["cost_per_reliably_improved"],
                        r["cost_per_reliably_improved_ci_low"],
                        r["cost_per_reliably_improved_ci_high"],
                    ),
                ),
                f"SDs gained per {cur} 100 per participant": (
                    "",
                    lambda r: _num(r["gain_sd_per_100"], 2) if r["training_id"] == "All trainings" else "",
                ),
            },
        ),
    )
    sec.add(
        "note",
        "Registered, cost per person registered and SDs gained per 100 are given for all trainings only: "
        "per training they would give the number registered back, and with it the few who did not take "
        "both tests.",
    )
    if hidden:
        sec.add("note", _hidden_note(hidden, "training(s)", min_cell))
    rates = getattr(res.study, "exchange_rates", None)
    conv = ""
    if rates is not None and len(rates) > 1:
        conv = (
            "; converted at the rates given in study.toml ("
            + ", ".join(f"1 {c} = {r:g} {cur}" for c, r in zip(rates["currency"], rates["rate"]) if c != cur)
            + ")"
        )
    sec.add(
        "note",
        f"Assumptions: costs are as recorded, in the years they were spent, not adjusted for inflation{conv}. "
        "A training's cost is shared equally among the people it registered. People who did not take both "
        "tests count as not improved. Reliable improvement is a gain larger than the test's measurement "
        "error (see Methods). The interval resamples people within each training (2,000 times).",
    )
    notes = sorted({n for n in shown["note"].fillna("") if n and "no cost given" in n})
    for note in notes:
        sec.add("note", note[0].upper() + note[1:] + ".")
    return sec
