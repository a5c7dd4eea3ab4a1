"""The impact brief: one self-contained HTML file, with the tables workbook beside it.

The brief inlines plotly.js once and has no external links; the problem report is written beside
it when the data had problems.

Every number is computed from the study here; nothing is typed in. Every table, figure and sentence
is drawn from the publication's disclosure plan (:mod:`tip_eval.report.publication`), shared with
the workbook: rows of groups whose size is hidden are left out (with a note saying how many),
hidden values show the plan's mark with its legend under the table, so no small group of
practitioners can be seen or worked out.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tip_eval.i18n import _, check_language, current_language, ngettext, using
from tip_eval.report import headline as hl
from tip_eval.report.blocks import (
    Block,
    Section,
    _add_figure,
    _ci,
    _figure,
    _gains_columns,
    _hidden_note,
    _label,
    _num,
    _p,
    _pct,
    group_names,
    html_table,
)
from tip_eval.report.methods import METHODS
from tip_eval.report.results import Results
from tip_eval.report.sections import (
    _cost_section,
    _planning_section,
    _retention_section,
    _studies_section,
)

EXIT_OK = 0


# --- the brief --------------------------------------------------------------------------------------


@dataclass
class BriefContext:
    """Everything the brief shows, computed once (tests read it to check the headline)."""

    study: Any
    min_cell: int
    results: dict[str, Any] = field(default_factory=dict)
    headline: list[hl.Finding] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    hidden_groups: dict[str, int] = field(default_factory=dict)
    publication: Any = None


def build_brief(
    study,
    by: Sequence[str] = ("country", "sector"),
    min_cell: int | None = None,
    progress: Callable[[str], None] | None = None,
    results: Results | None = None,
    publication: Any = None,
) -> BriefContext:
    """Compute every result the brief shows and assemble its sections (no HTML page yet).

    ``results`` (a :class:`~tip_eval.report.results.Results`) shares analyses with the workbook;
    ``publication`` (a :class:`~tip_eval.report.publication.Publication`) shares the disclosure
    plan with it, so that the brief and ``tables.xlsx`` are protected together.
    """
    from tip_eval.disclosure import check_min_cell
    from tip_eval.report.publication import Publication

    res = results if results is not None else Results(study)
    if publication is None:
        mc = check_min_cell(
            study.min_cell if min_cell is None else min_cell,
            source="min_cell" if min_cell is not None else "study.min_cell",
        )
        (progress or (lambda m: None))("Disclosure plan")
        publication = Publication(
            study, by=[b for b in by if b not in ("country", "sector")] if by else None, min_cell=mc, results=res
        )
    with res.active():  # the figures' own analyses come from the same store
        return _build_brief(study, progress, res, publication)


def _build_brief(study, progress: Callable[[str], None] | None, res: Results, pub: Any) -> BriefContext:
    from tip_eval.disclosure import footnote
    from tip_eval.report.publication import key_of

    step = progress or (lambda msg: None)
    min_cell = pub.min_cell
    ctx = BriefContext(study=study, min_cell=min_cell)
    ctx.publication = pub
    R = ctx.results

    step("Gains")
    R["knowledge"] = pub.table("gains/knowledge")
    R["confidence"] = pub.table("gains/confidence")
    k = R["knowledge"].iloc[0]
    ctx.headline.append(hl.gain_finding(k, "knowledge", min_cell=min_cell))
    rel = hl.reliable_finding(k, min_cell=min_cell)
    if rel:
        ctx.headline.append(rel)
    if R["confidence"] is not None:
        ctx.headline.append(hl.gain_finding(R["confidence"].iloc[0], "confidence", digits=2, min_cell=min_cell))

    # --- results by group
    sec = Section("groups", _("Results by group"))
    names, alone = [], []
    for g in pub.groupings:
        name = group_names(g)
        shown, hidden = pub.shown(f"gains/knowledge/{key_of(g)}")
        if shown is None:
            continue
        one = _one_group(study, g)
        if one is not None:  # everyone in one country (province, training): the headline's own results
            alone.append(_("one {group} ({name})").format(group=name, name=one))
            continue
        names.append(name)
        R[f"gains_by_{'_'.join(g)}"] = shown
        ctx.hidden_groups[name] = hidden
        sec.add("heading", _("Knowledge gain by {group}").format(group=name))
        if len(g) == 1:
            finding = hl.groups_finding(shown, g[0], name)
            if finding:
                sec.add("text", finding.text)
        disp = shown.copy()
        if len(g) > 1:
            disp["_group"] = [
                " / ".join(_label(c, v) for c, v in zip(g, vals)) for vals in disp[g].itertuples(index=False)
            ]
            cols = {name[:1].upper() + name[1:]: ("text", lambda r: r["_group"]), **_gains_columns(None)}
        else:
            cols = _gains_columns(g[0])
        sec.add("table", html=html_table(disp, cols))
        if hidden:
            sec.add("note", _hidden_note(hidden, "groups", min_cell))
        fig = _figure("pre_post", shown, by=g) if len(g) == 1 and g[0] != "training_id" else None
        if fig:
            sec.add("figure", html=fig)
    if alone:
        sec.blocks.insert(
            0,
            Block(
                "text",
                text=_("Everyone in this study is in {groups}: the results for it are the headline's, above.").format(
                    groups=_and(alone)
                ),
            ),
        )
    sec.title = _("Results by {groups}").format(groups=_and(names)) if names else _("Results by group")
    if sec.blocks:
        ctx.sections.append(sec)

    if pub.programme:
        step("Comparing studies")
        ctx.sections.append(_studies_section(pub, R))
    if "retention/knowledge" in pub:
        step("Does it last?")
        ctx.sections.append(_retention_section(pub, R, ctx.headline))

    # --- fair comparison of trainings
    step("Comparing trainings")
    sec = Section("trainings", _("A fair comparison of trainings"))
    if "compare" in pub:
        comp = pub.raw["comparison"]
        R["comparison"] = comp
        table, hidden = pub.shown("compare")
        from tip_eval.report.workbook import _comparison_notes

        for para in _comparison_notes(pub):
            sec.add("text", para)
        from tip_eval.analysis.compare import VERDICTS, reference_text

        sec.add(
            "table",
            html=html_table(
                table,
                {
                    _("Training"): ("text", lambda r: str(r["training_id"])),
                    "n": ("", lambda r: _num(r["n"], 0)),
                    _("Raw mean gain (95% CI)"): ("", lambda r: _ci(r["raw_gain"], r["raw_ci_low"], r["raw_ci_high"])),
                    _("Difference from the typical training (95% CI)"): (
                        "",
                        lambda r: _ci(r["adjusted_diff"], r["adjusted_ci_low"], r["adjusted_ci_high"]),
                    ),
                    _("Familywise interval (all trainings)"): (
                        "",
                        lambda r: _("{low} to {high}").format(
                            low=_num(r["familywise_ci_low"]), high=_num(r["familywise_ci_high"])
                        ),
                    ),
                    _("Verdict"): ("text", lambda r: _(VERDICTS.get(str(r["verdict"]), str(r["verdict"])))),
                    _("Shrunken gain (95% interval)"): (
                        "",
                        lambda r: _ci(r["shrunken_gain"], r["shrunken_ci_low"], r["shrunken_ci_high"]),
                    ),
                },
            ),
        )
        if hidden:
            sec.add("note", _hidden_note(hidden, "trainings", min_cell))
        fig = _figure("forest", table)
        if fig:
            sec.add("figure", html=fig)
        sec.add(
            "note",
            _(
                "The zero of the differences and of the figure is {reference}. A training is above or below "
                "it only when its familywise interval, which allows for comparing all trainings at once, lies "
                "wholly on one side of 0; the thick bars are each training's own interval. Raw means of small "
                "groups mostly rank noise; the shrunken gains allow for group size, and their intervals hold "
                "for each training whatever its true gain."
            ).format(reference=reference_text(comp)),
        )
        ctx.sections.append(sec)
    elif len(study.trainings) > 1:
        sec.add("text", _("Fewer than two trainings have people who took both tests: there is nothing to compare yet."))
        ctx.sections.append(sec)
    # a study of one training has no comparison of trainings to show: no section

    # --- items and modules
    step("Items and modules")
    from tip_eval.analysis.items import MIN_PEOPLE_FOR_FLAGS

    sec = Section("items", _("Modules and questions that need work"))
    if "items" in pub:
        modules, _hidden = pub.shown("modules")
        items = pub.table("items")
        R["modules"], R["items"] = modules, items
        sec.add("table", html=html_table(modules, _module_columns(modules)))
        flagged = items[items["flags"].fillna("").astype(str) != ""]
        too_few = int(items["too_few_people"].fillna(False).astype(bool).sum()) if "too_few_people" in items else 0
        if len(flagged):
            sec.add("heading", _("Questions flagged for review"))
            sec.add(
                "table",
                html=html_table(
                    flagged,
                    {
                        _("Item"): ("text", lambda r: str(r["item_id"])),
                        _("Module"): ("text", lambda r: _module_name(r["module"])),
                        _("Correct before"): ("", lambda r: _pct(100 * r["difficulty_pre"])),
                        _("Correct after"): ("", lambda r: _pct(100 * r["difficulty_post"])),
                        _("Discrimination (pre)"): ("", lambda r: _num(r["discrimination_pre"], 2)),
                        _("Why flagged"): ("text", lambda r: _flags(r["flags"])),
                    },
                ),
            )
            neg = flagged[
                flagged.get("flag_negative_discrimination", pd.Series(False, index=flagged.index))
                .fillna(False)
                .astype(bool)
            ]
            if len(neg):
                sec.add(
                    "caution",
                    _(
                        "{items}: people who knew more overall got this question wrong more often "
                        "(negative discrimination). Check its answer key and wording before using its "
                        "results."
                    ).format(items=", ".join(neg["item_id"])),
                )
        elif not too_few:
            sec.add("text", _("No question was flagged."))
        if too_few:
            sec.add(
                "note",
                ngettext(
                    "{k} of {n} question was answered by fewer than {min} people before and after: too "
                    "few to judge a question, so they are not flagged (their shares correct are still "
                    "shown).",
                    "{k} of {n} questions were answered by fewer than {min} people before and after: too "
                    "few to judge a question, so they are not flagged (their shares correct are still "
                    "shown).",
                    len(items),
                ).format(k=too_few, n=len(items), min=MIN_PEOPLE_FOR_FLAGS),
            )
        _add_figure(sec, _figure("item_heatmap", items), _("the share answering each item correctly"))
    else:
        sec.add("text", _("The study has total scores only (no item-level answers)."))
    ctx.sections.append(sec)

    # --- confidence vs knowledge
    step("Confidence")
    sec = Section("confidence", _("Confidence against knowledge"))
    if "confidence_gains" in pub:
        conf, hidden = pub.shown("confidence_gains")
        R["confidence_by_competency"] = conf
        sec.add(
            "table",
            html=html_table(
                conf,
                {
                    _("Competency"): ("text", lambda r: _competency(study, r["competency"])),
                    "n": ("", lambda r: _num(r["n"], 0)),
                    _("Median before"): ("", lambda r: _num(r["median_pre"], 1)),
                    _("Median after"): ("", lambda r: _num(r["median_post"], 1)),
                    _("Agree (4-5) before"): ("", lambda r: _pct(r["pct_agree_pre"])),
                    _("Agree (4-5) after"): ("", lambda r: _pct(r["pct_agree_post"])),
                    _("Rank-biserial r"): ("", lambda r: _num(r["rank_biserial"], 2)),
                    _("Odds ratio, after vs before (95% CI)"): (
                        "",
                        lambda r: _ci(r["odds_ratio"], r["or_ci_low"], r["or_ci_high"], 2),
                    ),
                    _("p (Holm)"): ("", lambda r: _p(r["p_adjusted"])),
                },
            ),
        )
        if hidden:
            sec.add("note", _hidden_note(hidden, "ratings", min_cell))
        shown_conf = conf.dropna(subset=["pct_agree_pre", "pct_agree_post"])
        if "competency" in shown_conf:  # the figure names each competency as the table does
            shown_conf = shown_conf.assign(competency=[_competency(study, c) for c in shown_conf["competency"]])
        fig = _figure("likert", shown_conf)
        if fig:
            sec.add("figure", html=fig)
        kvc_shown, hidden = pub.shown("knowledge_vs_confidence/sector")
        if kvc_shown is not None:
            R["knowledge_vs_confidence"] = kvc_shown
            sec.add("heading", _("Did confidence run ahead of knowledge?"))
            sec.add(
                "table",
                html=html_table(
                    kvc_shown,
                    {
                        _("Sector"): ("text", lambda r: _label("sector", r["sector"])),
                        "n": ("", lambda r: _num(r["n"], 0)),
                        _("Mean knowledge change"): ("", lambda r: _num(r["mean_knowledge_change"], 1)),
                        _("Mean confidence change"): ("", lambda r: _num(r["mean_confidence_change"], 2)),
                        _("Spearman r (95% CI)"): (
                            "",
                            lambda r: _ci(r["r_spearman"], r["spearman_ci_low"], r["spearman_ci_high"], 2),
                        ),
                        _("More confident, no knowledge gain"): ("", lambda r: _pct(r["pct_overconfident"])),
                    },
                ),
            )
            known = kvc_shown.dropna(subset=["pct_overconfident"])
            if len(known):
                top = known.sort_values("pct_overconfident", ascending=False).iloc[0]
                sec.add(
                    "text",
                    _(
                        "Among the sectors shown, the share who became more confident without gaining "
                        "knowledge was highest in {sector} ({pct}% of {n})."
                    ).format(
                        sector=_label("sector", top["sector"]),
                        pct=_num(top["pct_overconfident"], 0),
                        n=_num(top["n"], 0),
                    ),
                )
            if hidden:
                sec.add("note", _hidden_note(hidden, "sectors", min_cell))
            _add_figure(
                sec,
                _figure("calibration", kvc_shown.dropna(subset=["mean_knowledge_change"]), by="sector"),
                _("people more confident without a knowledge gain"),
            )
    else:
        sec.add("text", _("No confidence ratings were collected."))
    ctx.sections.append(sec)

    # --- follow-up
    step("Follow-up interviews")
    sec = Section("followup", _("Follow-up interviews: applying the training (Kirkpatrick level 3)"))
    if "followup" in pub:
        fs_shown, _hidden = pub.shown("followup")
        R["followup_summary"] = fs_shown
        ind = fs_shown[fs_shown["kind"] == "indicator"]
        finding = hl.followup_finding(ind.iloc[0] if len(ind) else None, min_cell=min_cell)
        if finding:
            ctx.headline.append(finding)
            sec.add("text", finding.text)
        fig = _figure("kirkpatrick", study, counts=_chain(pub))
        if fig:
            sec.add("figure", html=fig)
        codes = fs_shown[fs_shown["kind"] == "code"]
        sec.add(
            "table",
            html=html_table(
                codes,
                {
                    _("Code"): ("text", lambda r: _code_label(r["label"])),
                    _("Theme"): ("text", lambda r: str(r["theme"])),
                    _("People with the code"): ("", lambda r: _num(r["n_with_code"], 0)),
                    _("Share of interviewees, % (95% CI)"): (
                        "",
                        lambda r: _ci(r["pct_with_code"], r["ci_low"], r["ci_high"], 0),
                    ),
                },
            ),
        )
        fig = _figure("codes", codes.dropna(subset=["pct_with_code"]))
        if fig:
            sec.add("figure", html=fig)
        agree, hidden = pub.shown("agreement")
        sec.add("heading", _("Do the coders agree?"))
        if agree is not None and len(agree):
            R["coder_agreement"] = agree
            sec.add(
                "table",
                html=html_table(
                    agree,
                    {
                        _("Code"): ("text", lambda r: _("All codes") if r["kind"] == "overall" else str(r["label"])),
                        _("Double-coded interviews"): ("", lambda r: _num(r["n_double_coded"], 0)),
                        _("Agreement"): ("", lambda r: _pct(r["pct_agreement"])),
                        _("Cohen's kappa"): ("", lambda r: _num(r["cohen_kappa"], 2)),
                        _("Krippendorff's alpha"): ("", lambda r: _num(r["krippendorff_alpha"], 2)),
                        _("Rating"): (
                            "text",
                            lambda r: _(str(r["rating"])) if isinstance(r["rating"], str) else _num(r["rating"]),
                        ),
                    },
                ),
            )
            weak = agree[(agree["kind"] == "code") & (agree["cohen_kappa"] < 0.41)]
            if len(weak):
                sec.add(
                    "caution",
                    _(
                        "Coders agree poorly on {codes}: refine these codes' definitions before relying on "
                        "their prevalence."
                    ).format(codes=", ".join(weak["label"].astype(str))),
                )
        else:
            sec.add(
                "text",
                _(
                    "Too few interviews were coded by two coders (fewer than {min_cell}, or none) to show "
                    "agreement between coders."
                ).format(min_cell=min_cell),
            )
        tab, _hidden = pub.shown("followup_vs_gains")
        if tab is not None:
            sec.add("heading", _("Do reported changes go with learning gains?"))
            sec.add(
                "table",
                html=html_table(
                    tab[tab["applied_practice"].fillna(False).astype(bool)],
                    {
                        _("Code"): ("text", lambda r: _code_label(r["label"])),
                        _("Gain with the code"): ("", lambda r: _num(r["gain_with"], 1)),
                        _("Gain without"): ("", lambda r: _num(r["gain_without"], 1)),
                        _("Difference (95% CI)"): ("", lambda r: _ci(r["diff"], r["ci_low"], r["ci_high"])),
                        _("Odds ratio per 10 points (95% CI)"): (
                            "",
                            lambda r: _ci(r["odds_ratio_per_10"], r["or_ci_low"], r["or_ci_high"], 2),
                        ),
                        _("p (Holm)"): ("", lambda r: _p(r["p_adjusted"])),
                    },
                ),
            )
            note = pub.notes.get("followup_vs_gains", "")
            if note and not pub.names_hidden(note):
                sec.add("note", note)
    else:
        sec.add("text", _("No follow-up interviews are in this study."))
    ctx.sections.append(sec)

    # --- drop-out and data quality
    step("Drop-out and data quality")
    sec = Section("dropout", _("Drop-out and data quality"))
    att = pub.table("attrition")
    if att is not None:
        R["attrition"] = att
        finding = hl.attrition_finding(att.iloc[0], min_cell=min_cell)
        if finding:
            ctx.headline.append(finding)
            sec.add("text", finding.text)
        att_t, hidden = pub.shown("attrition/training_id")
        R["attrition_by_training"] = att_t
        sec.add(
            "text",
            _(
                "Per training, the table gives the people with both tests; how many registered, took one "
                "test or dropped out is given for the whole study only (per training these are mostly groups "
                "of a few people)."
            ),
        )
        sec.add(
            "table",
            html=html_table(
                att_t,
                {
                    _("Training"): ("text", lambda r: str(r["training_id"])),
                    _("Took both tests"): ("", lambda r: _num(r["matched"], 0)),
                    _("Pre-test gap (SMD)"): ("", lambda r: _num(r["smd"], 2)),
                    _("Complete-case gain"): ("", lambda r: _ci(r["cc_mean_gain"], r["cc_ci_low"], r["cc_ci_high"])),
                    _("With imputation"): ("", lambda r: _ci(r["mi_mean_gain"], r["mi_ci_low"], r["mi_ci_high"])),
                },
            ),
        )
        if hidden:
            sec.add("note", _hidden_note(hidden, "trainings", min_cell))
    q = study.quarantine
    if len(q):
        sec.add(
            "caution",
            _(
                "Some rows were set aside because of data problems; they are not in any result above. "
                "The internal problems file (problems.xlsx, not for publication) lists each one with its "
                "file, sheet, row and column."
            ),
        )
    else:
        sec.add("text", _("No rows were set aside: every row read was used."))
    ctx.sections.append(sec)

    step("Planning the next training")
    ctx.sections.append(_planning_section(study, res, min_cell, R))
    if len(getattr(study, "costs", ())):
        step("Cost")
        ctx.sections.append(_cost_section(pub, res, min_cell, R))

    # --- methods
    sec = Section("methods", _("Methods and definitions"))
    reliab, _hidden = pub.shown("reliability")
    if reliab is not None:
        R["reliability"] = reliab
        for _i, r in reliab.iterrows():
            what = _("Test reliability ({phase}, {method})").format(
                phase=_phase_name(r["phase"]), method="KR-20" if r["method"] == "kr20" else _("Cronbach alpha")
            )
            if pd.isna(r["n"]):  # the number tested is hidden, and its interval with it
                sec.add(
                    "text",
                    _(
                        "{what}: {estimate}, {k} items (the number of people it rests on, and so its "
                        "interval, is not shown: it could reveal a small group)."
                    ).format(what=what, estimate=_num(r["estimate"], 2), k=_num(r["k"], 0)),
                )
            else:
                sec.add(
                    "text",
                    _("{what}: {estimate}, n = {n} people, {k} items.").format(
                        what=what,
                        estimate=_ci(r["estimate"], r["ci_low"], r["ci_high"], 2),
                        n=_num(r["n"], 0),
                        k=_num(r["k"], 0),
                    ),
                )
    sec.add("defs", items=[(_(term), _(text)) for term, text in METHODS])
    sec.add("note", footnote(min_cell))
    ctx.sections.append(sec)
    return ctx


def _chain(pub: Any) -> dict[str, float]:
    """The evaluation chain's counts, from the publication's tables (a hidden count stays hidden: NaN)."""
    import math

    def number(v: Any) -> float:
        return float("nan") if v is None or pd.isna(v) else float(v)

    out: dict[str, float] = {}
    att = pub.table("attrition")
    k = pub.table("gains/knowledge")
    fs = pub.table("followup")
    if att is not None:
        out[_("Trained")] = number(att["registered"].iloc[0])
    if k is not None:
        n = number(k["n"].iloc[0])
        out[_("Tested before and after")] = n
        for name, col in (
            (_("Improved their score"), "pct_improved"),
            (_("Improved beyond measurement error"), "pct_reliable_improved"),
        ):
            p = number(k[col].iloc[0])
            out[name] = float(round(p * n / 100)) if math.isfinite(p) and math.isfinite(n) else float("nan")
    if fs is not None:
        ind = fs[fs["kind"] == "indicator"]
        if len(ind):
            out[_("Interviewed at follow-up")] = number(ind["n_interviewed"].iloc[0])
            out[_("Reported applying the training")] = number(ind["n_with_code"].iloc[0])
    return out


def _and(words: list[str]) -> str:
    """Join words as a sentence lists them: "a", "a and b", "a, b and c"."""
    if not words:
        return ""
    return (
        words[0] if len(words) == 1 else _("{first} and {second}").format(first=", ".join(words[:-1]), second=words[-1])
    )


def _one_group(study: Any, grouping: Sequence[str]) -> str | None:
    """The label of the only group of a one-column grouping when the whole study is in it, else None."""
    if len(grouping) != 1:
        return None
    col = grouping[0]
    table = study.trainings if col in study.trainings.columns else study.participants
    if col not in table.columns:
        return None
    values = table[col].dropna().unique()
    return _label(col, values[0]) if len(values) == 1 and table[col].notna().all() else None


def _module_columns(frame: pd.DataFrame) -> dict:
    cols: dict = {_("Module"): ("text", lambda r: _module_name(r["module"]))}
    if "n_items" in frame:
        cols[_("Items")] = ("", lambda r: _num(r["n_items"], 0))
    if "n" in frame:
        cols["n"] = ("", lambda r: _num(r["n"], 0))
    if "pre_mean_matched" in frame:  # the matched pairs' means: after - before is the gain beside them
        cols[_("Before (%)")] = ("", lambda r: _num(r["pre_mean_matched"], 1))
        cols[_("After (%)")] = ("", lambda r: _num(r["post_mean_matched"], 1))
    if "mean_gain" in frame:
        cols[_("Mean gain (95% CI)")] = ("", lambda r: _ci(r["mean_gain"], r["ci_low"], r["ci_high"]))
    return cols


def _code_label(label: Any) -> str:
    """A code's label as the codebook writes it; tip_eval's own rows (the indicator) in the current language."""
    from tip_eval.analysis.followup._codings import INDICATOR_LABEL

    return _(INDICATOR_LABEL) if str(label) == INDICATOR_LABEL else str(label)


def _module_name(module: Any) -> str:
    """A module of the curriculum in the current language (a partner's own module name as written)."""
    from tip_eval.vocab import MODULES

    text = str(module)
    if text in MODULES:
        return _(MODULES[text])
    return _(text) if text in MODULES.values() else text


def _flags(flags: Any) -> str:
    """The flags of a question ("; "-separated words of :data:`tip_eval.analysis.items.FLAG_WORDS`) translated."""
    return "; ".join(_(f) for f in str(flags).split("; ") if f)


def _phase_name(phase: Any) -> str:
    """Return a phase's name in the current language ("pre" -> "Pre-test")."""
    from tip_eval import vocab
    from tip_eval.i18n import current_language

    return vocab.label("phase", str(phase), current_language())


def _competency(study: Any, value: Any) -> str:
    """A competency's label in the current language when the study gives one (``label_km`` ...), else as written."""
    from tip_eval.i18n import current_language

    lang = current_language()
    comp = getattr(study, "competencies", None)
    column = f"label_{lang}"
    if lang == "en" or comp is None or column not in comp.columns or not len(comp):
        return str(value)
    for key in ("competency_id", "label"):
        if key in comp.columns:
            hit = comp[comp[key].astype(str) == str(value)]
            if len(hit) and isinstance(hit[column].iloc[0], str) and hit[column].iloc[0].strip():
                return hit[column].iloc[0]
    return str(value)


def render_brief(ctx: BriefContext, title: str | None = None, lang: str | None = None) -> str:
    """Render the assembled brief as one self-contained HTML page, in ``lang`` (None: the current language).

    The Khmer, Thai and Lao fonts are embedded, subset to the characters the page uses
    (:func:`tip_eval.report.fonts.font_faces`), so that it renders and prints without installed fonts.
    """
    with using(lang):
        return _render_brief(ctx, title)


def _render_brief(ctx: BriefContext, title: str | None) -> str:
    from importlib.resources import files

    from jinja2 import Environment, select_autoescape
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    import tip_eval
    from tip_eval.i18n import current_language, format_date, install_jinja2
    from tip_eval.report.fonts import font_faces
    from tip_eval.safe_text import xml_chars

    lang = current_language()
    tpl_dir = files("tip_eval.report") / "templates"
    plotlyjs = _script_safe(get_plotlyjs())
    # every text written into the page loses the characters XML forbids (not plotly.js: its code holds some)
    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=lambda v: xml_chars(v) if isinstance(v, str) and v is not plotlyjs else v,
    )
    install_jinja2(env, lang)
    template = env.from_string((tpl_dir / "brief.html.j2").read_text(encoding="utf-8"))
    study = ctx.study
    n_countries = int(study.trainings["country"].nunique())
    n_trainings = len(study.trainings)
    k = ctx.results["knowledge"].iloc[0]
    att = ctx.results.get("attrition")
    registered = att["registered"].iloc[0] if att is not None and len(att) else None
    registered = float("nan") if registered is None or pd.isna(registered) else float(registered)
    people = _num(registered, 0)
    gain = _num(k["mean_gain"], 1)
    kpis = [
        {"value": _num(n_trainings, 0), "label": ngettext("training", "trainings", n_trainings)},
        {"value": people, "label": _("participants registered")},
        {
            "value": f"+{gain}" if not pd.isna(k["mean_gain"]) and k["mean_gain"] >= 0 else gain,
            "label": _("mean knowledge gain (percentage points) of the {n} with both tests").format(n=_num(k["n"], 0))
            if not pd.isna(k["n"])
            else _("mean knowledge gain (percentage points)"),
        },
        {"value": _pct(k["pct_improved"]), "label": _("scored higher after training")},
    ]
    sections = [{"id": "headline", "title": _("Headline findings")}] + [
        {"id": s.id, "title": s.title, "blocks": s.blocks} for s in ctx.sections
    ]
    subtitle = ngettext("{n} training in {countries}", "{n} trainings in {countries}", n_trainings).format(
        n=n_trainings, countries=ngettext("{n} country", "{n} countries", n_countries).format(n=n_countries)
    )
    subtitle += _("; {people} participants.").format(people=people) if not pd.isna(registered) else "."
    values = dict(
        lang=lang,
        title=title or _("Impact brief: {study}").format(study=study.name),
        subtitle=subtitle,
        generated=format_date(_dt.date.today(), lang),
        version=tip_eval.__version__,
        min_cell=ctx.min_cell,
        sections=sections,
        headline=ctx.headline,
        kpis=kpis,
        # the style sheet is the package's own: not escaped (an escaped quote would break its font names)
        css=Markup((tpl_dir / "brief.css").read_text(encoding="utf-8")),
        plotlyjs=plotlyjs,
        fonts=Markup(""),
        footer=_(
            "Produced with tip_eval. Numbers are computed from the validated study data; groups smaller than "
            "the minimum cell size are suppressed everywhere, with one disclosure plan for this brief and its "
            "workbook (check it with tip-eval audit). No names or participant IDs appear in this brief."
        ),
    )
    page = template.render(**values)
    faces = font_faces(page.replace(str(plotlyjs), ""))
    if not faces:
        return page
    return template.render(**{**values, "fonts": Markup(faces)})


def _script_safe(js: str) -> Any:
    from markupsafe import Markup

    return Markup(js.replace("</script", "<\\/script"))


def write_brief(
    study,
    path: str | Path,
    by: Sequence[str] = ("country", "sector"),
    min_cell: int | None = None,
    title: str | None = None,
    progress: Callable[[str], None] | None = None,
    results: Results | None = None,
    publication: Any = None,
    lang: str | None = None,
) -> Path:
    """Write the impact brief of ``study`` to ``path`` (one self-contained HTML file).

    Parameters
    ----------
    study : Study
        The validated study (see :func:`tip_eval.load_study`).
    path : str or Path
        Where to write the ``.html`` file.
    by : sequence of str, default ("country", "sector")
        Groupings of the results tables: each name gives a one-way table and a tuple inside the
        sequence a crossed one, e.g. ``("gender", ("country", "sector"))``, as in
        :func:`~tip_eval.write_workbook`. Country, province, sector and training are always shown.
    min_cell : int, optional
        Smallest group shown: a whole number of people, at least 3 (default: ``study.min_cell``).
    title : str, optional
        Title of the brief.
    progress : callable, optional
        Called with the name of each step (the CLI shows a progress display).
    results : Results, optional
        Analyses already computed for this study (shared with :func:`~tip_eval.write_workbook`).
    publication : Publication, optional
        The disclosure plan shared with the workbook (see :mod:`tip_eval.report.publication`).
    lang : {"en", "km", "th", "id"}, optional
        The language of every word of the brief, its numbers and dates (CLDR) and its figures.
        Default: the language the study was loaded in (its ``language`` setting in ``study.toml``,
        unless :func:`~tip_eval.load_study` was given ``lang=``), else English. The Khmer, Thai and
        Lao fonts are embedded, subset to the characters used.

    Returns
    -------
    Path
        The file written.
    """
    with using(brief_language(study, lang)):
        ctx = build_brief(study, by=by, min_cell=min_cell, progress=progress, results=results, publication=publication)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_brief(ctx, title=title), encoding="utf-8")
    return path


def brief_language(study: Any, lang: str | None = None) -> str:
    """``lang`` if given (checked), else the language ``study`` was loaded in, else English."""
    if lang is not None:
        return check_language(lang)
    report = getattr(study, "report", None)
    return check_language(getattr(report, "language", None) or "en")


def run_brief(
    path: str | Path | Sequence[str | Path],
    out: str | Path,
    *,
    min_cell: int | None = None,
    title: str | None = None,
    by: Sequence[str] | None = None,
    cache: bool = True,
    lang: str | None = None,
    parallel: bool = False,
) -> int:
    """``tip-eval brief``: load (bad rows quarantined), write brief.html, tables.xlsx and problems.xlsx.

    Everything is written in ``lang`` (default: the study's ``language`` setting, else English).

    Several study folders make one programme brief (:func:`tip_eval.load_studies`): its tables are
    by study as well, and it compares the studies.

    With ``cache`` (the default) the validated study is kept in the user's cache directory (never
    the study folder) and reused while no source file, setting or tip_eval version changes (see
    :mod:`tip_eval.io.cache`): a brief written again from unchanged files skips reading and
    validating them, and is identical.

    With ``parallel`` (the ``tip-eval`` command's own process sets it), a study whose folders hold at
    most :data:`tip_eval.report.forked.SMALL_STUDY_BYTES` is read in a second process while this one imports what the brief
    uses, and the workbook is written in a second process while this one writes the brief (on Linux,
    unless ``TIP_EVAL_PROCESSES=1``; see :mod:`tip_eval.report.forked`). The files are the same.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from tip_eval.disclosure import check_min_cell
    from tip_eval.report import forked

    if min_cell is not None:
        check_min_cell(min_cell, source="--min-cell")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    if len(paths) > 1:
        by = by or ("study", "country", "sector")
    # a small study is read in a second process while this one imports what the brief uses (forked);
    # the spinner is then redrawn at each step, by no thread of its own (a fork copies one thread only)
    beside = parallel and forked.can_fork() and forked.small(paths)
    load = forked.start if beside else forked.Job
    with (
        forked.no_cycle_collection(beside),
        load(lambda: _load(paths, cache=cache, lang=lang)) as job,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            transient=True,
            auto_refresh=not beside,
        ) as bar,
    ):
        task = bar.add_task("Reading and checking the study", total=None)
        if job.forked:
            forked.preload(forked.BRIEF_MODULES)
        study = job.result()
        with using(brief_language(study, lang)):
            brief, tables, internal = _write_all(
                study, out, bar, task, min_cell=min_cell, title=title, by=by, beside=beside
            )
    with using(brief_language(study, lang)):
        print(_("Brief written to {file}").format(file=brief))
        if tables:
            print(_("Tables written to {file}").format(file=tables))
        if internal:
            print(
                _(
                    "Data problems and rows set aside ({summary}) written to {file} (internal: not for publication)"
                ).format(summary=study.report.summary(), file=internal)
            )
    return EXIT_OK


def _load(paths: Sequence[str | Path], *, cache: bool, lang: str | None) -> Any:
    """The study (or the programme of several) a brief is written from, bad rows quarantined."""
    if len(paths) > 1:
        from tip_eval.programme import load_studies

        return load_studies(paths, on_error="quarantine", cache=cache, lang=lang)
    from tip_eval.study import load_study

    return load_study(paths[0], on_error="quarantine", cache=cache, lang=lang)


def _write_all(
    study: Any,
    out: Path,
    bar: Any,
    task: Any,
    *,
    min_cell: int | None,
    title: str | None,
    by: Sequence[str] | None,
    beside: bool = False,
) -> tuple[Path, Path | None, Path | None]:
    """The brief, the workbook and the internal problems file of a loaded study, in the current language.

    ``beside``: the workbook may be written in a second process (:mod:`tip_eval.report.forked`).
    """
    from tip_eval.disclosure import check_min_cell
    from tip_eval.report import forked

    if min_cell is not None:
        study.min_cell = check_min_cell(min_cell, source="--min-cell")
    internal = write_problems(study, out / "problems.xlsx")

    def step(msg: str) -> None:
        bar.update(task, description=msg, refresh=True)

    from tip_eval.report.publication import Publication

    shared = Results(study)
    by = _by_option(study, by)
    step("Disclosure plan")
    pub = Publication(
        study, by=[b for b in by if b not in ("country", "sector")], min_cell=study.min_cell, results=shared
    )
    # with the study read beside (run_brief), the workbook is written in a second process while this one
    # writes the brief: both only read the solved plan (forked)
    write = forked.start if beside else forked.Job
    with write(lambda: _write_workbook(study, out / "tables.xlsx", by=by, results=shared, publication=pub)) as workbook:
        brief = write_brief(
            study,
            out / "brief.html",
            by=by,
            title=title,
            progress=step,
            results=shared,
            publication=pub,
            lang=current_language(),
        )
        step("Workbook")
        tables = workbook.result()
    return brief, tables, internal


def _by_option(study, by: Sequence[str] | None) -> tuple:
    """``--by`` as groupings: ``country+sector`` is a crossing; an unknown column is refused in words."""
    from tip_eval.errors import InputRefused

    groups = [tuple(b.split("+")) if isinstance(b, str) and "+" in b else b for b in (by or ("country", "sector"))]
    known = set(study.attributes().columns)
    unknown = sorted({c for g in groups for c in ([g] if isinstance(g, str) else g)} - known)
    if unknown:
        raise InputRefused(
            "--by",
            f"names {', '.join(unknown)}, which is not a column of the participants or trainings.",
            f"Use one or more of: {', '.join(sorted(known - {'participant_id'}))}; cross two with '+', "
            "e.g. --by country+sector.",
        )
    return tuple(groups)


def _write_workbook(study, path: Path, by: Sequence[str], results: Results, publication: Any = None) -> Path:
    from tip_eval.report.workbook import write_workbook

    return Path(write_workbook(study, path, by=by, results=results, publication=publication, lang=current_language()))


def write_problems(study, path: Path) -> Path | None:
    """Write the internal ``problems.xlsx`` (data problems and rows set aside) when there are any.

    The file lists individual rows, so it is marked internal (not for publication) on its first
    sheet; see :func:`tip_eval.problems_file.write_problems_file`.
    """
    from tip_eval.problems_file import write_problems_file

    if not len(study.report.problems) and not len(study.quarantine):
        return None
    return write_problems_file(study.report, study.quarantine, path)
