"""The impact brief: one self-contained HTML file (plotly.js inlined once, no external links), the
tables workbook beside it, and the problem report when the data had problems.

Every number is computed from the study here; nothing is typed in. Every table, figure and sentence
is drawn from the publication's disclosure plan (:mod:`tip_eval.report.publication`), shared with
the workbook: rows of groups whose size is hidden are left out (with a note saying how many),
hidden values show the plan's mark with its legend under the table, so no small group of
practitioners can be seen or worked out.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from tip_eval.report import headline as hl
from tip_eval.report.results import Results

EXIT_OK = 0

GROUP_LABELS = {"country": "country", "province": "province", "sector": "sector", "training_id": "training",
                "gender": "gender", "organisation": "organisation", "study": "study", "year": "year"}

METHODS = [
    ("Matched pairs", "Gains use people who took both the pre- and post-test, matched by participant ID (never by row order). "
                      "Pre- and post-test means use everyone tested in that phase."),
    ("Knowledge score", "Percent of the maximum score (0-100), so tests of different lengths compare."),
    ("Mean gain and its interval", "Mean of post minus pre; interval mean ± t(0.975, n-1)·sd/√n (paired t-test, two-sided)."),
    ("Effect size", "Cohen's dz = mean gain / sd of gains; Hedges' gz = J·dz with Hedges' exact J = Γ(m/2)/(√(m/2)·Γ((m-1)/2)), m = n - 1; "
                    "dz's interval from the noncentral t distribution (Lakens 2013)."),
    ("Normalised gain", "Hake (1998): (post mean - pre mean)/(100 - pre mean), the share of the possible gain achieved."),
    ("Reliable change", "Jacobson & Truax (1991): a change larger than 1.96 × √2 × SEM, SEM = sd(pre)·√(1 - reliability), "
                        "with the test's own pre-test KR-20 as reliability."),
    ("Multiple comparisons", "p-values in a table are adjusted across its rows with Holm's method."),
    ("Confidence ratings", "Ordinal 1-5 ratings: medians, share agreeing (4-5), Wilcoxon signed-rank test (zeros dropped, "
                           "normal approximation with tie and continuity correction when needed, as R's wilcox.test) "
                           "and the matched-pairs rank-biserial correlation (Kerby 2014); a proportional-odds "
                           "(cumulative logit) model of rating on phase gives the odds ratio of rating higher after "
                           "training, with standard errors robust to each person rating twice."),
    ("Comparing trainings", "Each training is compared with the typical training: its post-test mean adjusted for the "
                            "pre-test (ANCOVA) minus the median of the other trainings' adjusted means, so one very good "
                            "or very poor training cannot make ordinary ones look different. Intervals and the verdict come "
                            "from a parametric bootstrap of the adjusted means; a training is above or below the typical "
                            "training only when its familywise interval (all trainings at once, single-step max-t as in "
                            "multcomp) excludes 0. A linear mixed model gain ~ 1 + (1 | training) gives the ICC and "
                            "shrunken gains (Raudenbush & Bryk 2002), with FAB intervals (Yu & Hoff 2018) that cover "
                            "each training's true gain about 95% of the time. Calibrated by simulation: false verdicts "
                            "in at most 4% of simulated studies, each training's intervals covering 92-97% "
                            "(benchmarks/CALIBRATION.md)."),
    ("Item analysis", "Difficulty = share correct; discrimination = corrected item-total point-biserial correlation; "
                      "learning disaggregation per item (wrong→right, right→wrong, right→right, wrong→wrong)."),
    ("Follow-up interviews", "Prevalence per person (not per mention) with Wilson intervals; coder agreement by Cohen's kappa "
                             "(Landis & Koch 1977 wording) and Krippendorff's alpha (2011); co-occurrence c = n12/(n1 + n2 - n12)."),
    ("Drop-out", "Pre-test of completers vs drop-outs as a standardised mean difference; missing post-tests multiply imputed "
                 "from the pre-test and group (Rubin's rules) as a sensitivity analysis beside the complete-case gain."),
    ("Does it last?", "People who took the pre-test, the post-test and a delayed post-test (a retention test months "
                      "later): retained gain = mean of delayed minus pre, decay = mean of delayed minus post, each with "
                      "the paired t interval; share retained = retained gain / gain at the end, with a delta-method "
                      "interval; the gain at the end of those re-tested against those not re-tested (Welch)."),
    ("Comparing studies", "In a programme of several studies, each study is compared with the typical study as trainings "
                          "are with the typical training (above); the people of a study are treated as independent, so "
                          "the intervals are too narrow when its trainings differ (the ICC between trainings is given)."),
    ("Small groups", "No count, share or statistic describes fewer than the minimum number of people, directly or as "
                     "the rest of a group: one disclosure plan covers this brief and its workbook, and checks by linear "
                     "programming that no hidden count can be narrowed to fewer than that many values from everything "
                     "published (tip-eval audit checks it again). A mean or share over people whose number is hidden is "
                     "rounded so that it cannot give the number back."),
    ("Planning the next training", "Paired t-test power from the exact noncentral t (as G*Power, matched pairs), with "
                                   "the sd of gains within trainings; comparisons of curricula as a two-level design "
                                   "with trainings as the unit (PowerUp!, Dong & Maynard 2013), using the ICC of the "
                                   "mixed model; ranges at the ends of the 95% intervals of that sd and the ICC."),
    ("Cost", "Each training's cost converted at the exchange rates of study.toml and shared equally among the people it "
             "registered; cost per person registered, per person with both tests and per person who reliably improved "
             "(bootstrap interval over people within trainings); mean gain in sds of the pre-test per 100 spent per "
             "participant (J-PAL's cost-effectiveness ratio)."),
]


@dataclass
class Block:
    kind: str
    text: str = ""
    html: str = ""
    items: list = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, kind: str, text: str = "", html: str = "", items: list | None = None) -> None:
        self.blocks.append(Block(kind, text=text, html=html, items=list(items or [])))


# --- formatting for display only ------------------------------------------------------------------

def _num(x: Any, digits: int = 1) -> str:
    from tip_eval.tables import format_number

    return format_number(x, digits)


def _p(x: Any) -> str:
    from tip_eval.tables import format_p

    return format_p(x)


def _pct(x: Any, digits: int = 0) -> str:
    """A percentage for display; the missing mark alone when blank or suppressed."""
    text = _num(x, digits)
    return text if text == _num(float("nan")) else f"{text}%"


def _ci(est: Any, low: Any, high: Any, digits: int = 1) -> str:
    from tip_eval.tables import format_ci

    return format_ci(est, low, high, digits)


class _Read(dict):
    """A table row that remembers which columns a cell's formatter read."""

    def __init__(self, row: dict) -> None:
        super().__init__(row)
        self.read: set = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def html_table(frame: pd.DataFrame, columns: dict[str, tuple[str, Callable[[pd.Series], str]]], caption: str = "") -> str:
    """Render rows as an escaped HTML table: ``columns`` maps header -> (css class, row formatter).

    For a table of the publication's disclosure plan (``frame.attrs["min_cell"]`` set), a cell
    left without a number shows the plan's mark (:data:`tip_eval.disclosure.MARK`) when a value it
    is made from is hidden, and ``n/a`` when it cannot be computed; a column hidden in every row is
    left out, and the legend of each is written under the table.
    """
    from markupsafe import escape

    from tip_eval.disclosure import MARK, footnote
    from tip_eval.tables import MISSING, NOT_AVAILABLE

    min_cell = frame.attrs.get("min_cell")
    hidden: dict = {}
    for col, labels in (frame.attrs.get("suppressed_cells") or {}).items():
        for label in labels:
            hidden.setdefault(label, set()).add(col)
    cells: dict[str, list[str]] = {h: [] for h in columns}
    for label, row in zip(frame.index, frame.to_dict("records")):  # plain dicts: no per-row copy of attrs
        for h, (_, fmt) in columns.items():
            seen = _Read(row)
            text = fmt(seen)
            if min_cell is not None and text == MISSING:
                text = MARK if seen.read & hidden.get(label, set()) else NOT_AVAILABLE
            cells[h].append(text)
    gone = [h for i, (h, v) in enumerate(cells.items()) if i and min_cell is not None and v and all(t == MARK for t in v)]
    shown = [h for h in columns if h not in gone]
    head = "".join(f"<th class='{columns[h][0]}'>{escape(h)}</th>" for h in shown)
    body = ["<tr>" + "".join(f"<td class='{columns[h][0]}'>{escape(cells[h][r])}</td>" for h in shown) + "</tr>"
            for r in range(len(frame))]
    cap = f"<caption class='note'>{escape(caption)}</caption>" if caption else ""
    notes = []
    if gone:
        notes.append(f"Not shown for any row: {', '.join(gone)} (fewer than {min_cell} people, or could reveal such "
                     "a group).")
    if min_cell is not None and any(t == MARK for h in shown for t in cells[h]):
        notes.append(footnote(min_cell))
    if min_cell is not None and any(t == NOT_AVAILABLE for h in shown for t in cells[h]):
        notes.append(f"{NOT_AVAILABLE}: cannot be computed (too few answers or no variation).")
    foot = "".join(f"<p class='note'>{escape(n)}</p>" for n in notes)
    return f"<table class='result'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}"


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


def _label(column: str, value: Any) -> str:
    """Display label of a group value: country and sector names instead of codes."""
    from tip_eval import vocab

    if column in ("country", "sector", "gender") and isinstance(value, str):
        return vocab.label(column, value)
    return str(value)


def _gains_columns(group: str | None, digits: int = 1) -> dict:
    cols: dict = {}
    if group:
        cols[GROUP_LABELS.get(group, group).capitalize()] = ("text", lambda r, g=group: _label(g, r[g]))
    cols.update({
        "n": ("", lambda r: _num(r["n"], 0)),
        "Pre-test (%)": ("", lambda r: _num(r["pre_mean"], digits)),
        "Post-test (%)": ("", lambda r: _num(r["post_mean"], digits)),
        "Mean gain, points (95% CI)": ("", lambda r: _ci(r["mean_gain"], r["ci_low"], r["ci_high"], digits)),
        "dz": ("", lambda r: _num(r["cohens_dz"], 2)),
        "Improved": ("", lambda r: _pct(r['pct_improved'])),
        "p (Holm)": ("", lambda r: _p(r["p_adjusted"])),
    })
    return cols


def build_brief(study, by: Sequence[str] = ("country", "sector"), min_cell: int | None = None,
                progress: Callable[[str], None] | None = None, results: Results | None = None,
                publication: Any = None) -> BriefContext:
    """Compute every result the brief shows and assemble its sections (no HTML page yet).

    ``results`` (a :class:`~tip_eval.report.results.Results`) shares analyses with the workbook;
    ``publication`` (a :class:`~tip_eval.report.publication.Publication`) shares the disclosure
    plan with it, so that the brief and ``tables.xlsx`` are protected together.
    """
    from tip_eval.disclosure import check_min_cell
    from tip_eval.report.publication import Publication

    res = results if results is not None else Results(study)
    if publication is None:
        mc = check_min_cell(study.min_cell if min_cell is None else min_cell,
                            source="min_cell" if min_cell is not None else "study.min_cell")
        (progress or (lambda m: None))("Disclosure plan")
        publication = Publication(study, by=[b for b in by if b not in ("country", "sector")] if by else None,
                                  min_cell=mc, results=res)
    with res.active():  # the figures' own analyses come from the same store
        return _build_brief(study, progress, res, publication)


def _hidden_note(hidden: int, what: str, min_cell: int) -> str:
    return (f"{hidden} {what} with fewer than {min_cell} people, or hidden so that such a group cannot be worked "
            "out from the other tables, are not shown.")


def _build_brief(study, progress: Callable[[str], None] | None, res: Results, pub: Any) -> BriefContext:
    from tip_eval.disclosure import footnote
    from tip_eval.report.publication import key_of

    step = progress or (lambda msg: None)
    min_cell = pub.min_cell
    ctx = BriefContext(study=study, min_cell=min_cell)
    ctx.publication = pub
    R = ctx.results
    hidden_names = pub.hidden_names()

    step("Gains")
    R["knowledge"] = pub.table("gains/knowledge")
    R["confidence"] = pub.table("gains/confidence")
    k = R["knowledge"].iloc[0]
    ctx.headline.append(hl.gain_finding(k, "knowledge", "%", " percentage points", scale=" of the maximum score",
                                        min_cell=min_cell))
    rel = hl.reliable_finding(k, min_cell=min_cell)
    if rel:
        ctx.headline.append(rel)
    if R["confidence"] is not None:
        ctx.headline.append(hl.gain_finding(R["confidence"].iloc[0], "confidence (mean self-rating, 1-5)", "",
                                            " points", digits=2, min_cell=min_cell))

    # --- results by group
    sec = Section("groups", "Results by country, province, sector and training")
    for g in pub.groupings:
        name = " and ".join(GROUP_LABELS.get(x, x) for x in g)
        shown, hidden = pub.shown(f"gains/knowledge/{key_of(g)}")
        if shown is None:
            continue
        R[f"gains_by_{'_'.join(g)}"] = shown
        ctx.hidden_groups[name] = hidden
        sec.add("heading", f"Knowledge gain by {name}")
        if len(g) == 1:
            finding = hl.groups_finding(shown, g[0], name)
            if finding:
                sec.add("text", finding.text)
        disp = shown.copy()
        if len(g) > 1:
            disp["_group"] = [" / ".join(_label(c, v) for c, v in zip(g, vals)) for vals in disp[g].itertuples(index=False)]
            cols = {name.capitalize(): ("text", lambda r: r["_group"]), **_gains_columns(None)}
        else:
            cols = _gains_columns(g[0])
        sec.add("table", html=html_table(disp, cols))
        if hidden:
            sec.add("note", _hidden_note(hidden, "group(s)", min_cell))
        fig = _figure("pre_post", shown, by=g) if len(g) == 1 and g[0] != "training_id" else None
        if fig:
            sec.add("figure", html=fig)
    ctx.sections.append(sec)

    if _programme(study):
        step("Comparing studies")
        ctx.sections.append(_studies_section(res, min_cell, R))
    if _has_delayed(study):
        step("Does it last?")
        ctx.sections.append(_retention_section(study, res, min_cell, R, ctx))

    # --- fair comparison of trainings
    step("Comparing trainings")
    sec = Section("trainings", "A fair comparison of trainings")
    if "compare" in pub:
        comp = pub.raw["comparison"]
        R["comparison"] = comp
        table, hidden = pub.shown("compare")
        from tip_eval.report.workbook import _comparison_notes

        for para in _comparison_notes(pub):
            sec.add("text", para)
        from tip_eval.analysis.compare import VERDICTS, reference_text

        sec.add("table", html=html_table(table, {
            "Training": ("text", lambda r: str(r["training_id"])),
            "n": ("", lambda r: _num(r["n"], 0)),
            "Raw mean gain (95% CI)": ("", lambda r: _ci(r["raw_gain"], r["raw_ci_low"], r["raw_ci_high"])),
            "Difference from the typical training (95% CI)": ("", lambda r: _ci(r["adjusted_diff"], r["adjusted_ci_low"],
                                                                                 r["adjusted_ci_high"])),
            "Familywise interval (all trainings)": ("", lambda r: f"{_num(r['familywise_ci_low'])} to "
                                                                 f"{_num(r['familywise_ci_high'])}"),
            "Verdict": ("text", lambda r: VERDICTS.get(str(r["verdict"]), str(r["verdict"]))),
            "Shrunken gain (95% interval)": ("", lambda r: _ci(r["shrunken_gain"], r["shrunken_ci_low"],
                                                               r["shrunken_ci_high"])),
        }))
        if hidden:
            sec.add("note", _hidden_note(hidden, "training(s)", min_cell))
        fig = _figure("forest", table)
        if fig:
            sec.add("figure", html=fig)
        sec.add("note", f"The zero of the differences and of the figure is {reference_text(comp)}. A training is "
                        "above or below it only when its familywise interval, which allows for comparing all "
                        "trainings at once, lies wholly on one side of 0; the thick bars are each training's own "
                        "interval. Raw means of small groups mostly rank noise; the shrunken gains allow for group "
                        "size, and their intervals hold for each training whatever its true gain.")
    else:
        sec.add("text", "Fewer than two trainings have people who took both tests: there is nothing to compare yet.")
    ctx.sections.append(sec)

    # --- items and modules
    step("Items and modules")
    sec = Section("items", "Modules and questions that need work")
    if "items" in pub:
        modules, _ = pub.shown("modules")
        items = pub.table("items")
        R["modules"], R["items"] = modules, items
        sec.add("table", html=html_table(modules, _module_columns(modules)))
        flagged = items[items["flags"].fillna("").astype(str) != ""]
        if len(flagged):
            sec.add("heading", "Questions flagged for review")
            sec.add("table", html=html_table(flagged, {
                "Item": ("text", lambda r: str(r["item_id"])),
                "Module": ("text", lambda r: str(r["module"])),
                "Correct before": ("", lambda r: _pct(100 * r['difficulty_pre'])),
                "Correct after": ("", lambda r: _pct(100 * r['difficulty_post'])),
                "Discrimination (pre)": ("", lambda r: _num(r["discrimination_pre"], 2)),
                "Why flagged": ("text", lambda r: str(r["flags"])),
            }))
            neg = flagged[flagged.get("flag_negative_discrimination", pd.Series(False, index=flagged.index)).fillna(False).astype(bool)]
            if len(neg):
                sec.add("caution", f"{', '.join(neg['item_id'])}: people who knew more overall got this question wrong more often "
                                   "(negative discrimination). Check its answer key and wording before using its results.")
        else:
            sec.add("text", "No question was flagged.")
        _add_figure(sec, _figure("item_heatmap", items), "the share answering each item correctly")
    else:
        sec.add("text", "The study has total scores only (no item-level answers).")
    ctx.sections.append(sec)

    # --- confidence vs knowledge
    step("Confidence")
    sec = Section("confidence", "Confidence against knowledge")
    if "confidence_gains" in pub:
        conf, hidden = pub.shown("confidence_gains")
        R["confidence_by_competency"] = conf
        sec.add("table", html=html_table(conf, {
            "Competency": ("text", lambda r: str(r["competency"])),
            "n": ("", lambda r: _num(r["n"], 0)),
            "Median before": ("", lambda r: _num(r["median_pre"], 1)),
            "Median after": ("", lambda r: _num(r["median_post"], 1)),
            "Agree (4-5) before": ("", lambda r: _pct(r['pct_agree_pre'])),
            "Agree (4-5) after": ("", lambda r: _pct(r['pct_agree_post'])),
            "Rank-biserial r": ("", lambda r: _num(r["rank_biserial"], 2)),
            "Odds ratio, after vs before (95% CI)": ("", lambda r: _ci(r["odds_ratio"], r["or_ci_low"], r["or_ci_high"], 2)),
            "p (Holm)": ("", lambda r: _p(r["p_adjusted"])),
        }))
        if hidden:
            sec.add("note", _hidden_note(hidden, "competency rating(s)", min_cell))
        fig = _figure("likert", conf.dropna(subset=["pct_agree_pre", "pct_agree_post"]))
        if fig:
            sec.add("figure", html=fig)
        kvc_shown, hidden = pub.shown("knowledge_vs_confidence/sector")
        if kvc_shown is not None:
            R["knowledge_vs_confidence"] = kvc_shown
            sec.add("heading", "Did confidence run ahead of knowledge?")
            sec.add("table", html=html_table(kvc_shown, {
                "Sector": ("text", lambda r: _label("sector", r["sector"])),
                "n": ("", lambda r: _num(r["n"], 0)),
                "Mean knowledge change": ("", lambda r: _num(r["mean_knowledge_change"], 1)),
                "Mean confidence change": ("", lambda r: _num(r["mean_confidence_change"], 2)),
                "Spearman r (95% CI)": ("", lambda r: _ci(r["r_spearman"], r["spearman_ci_low"], r["spearman_ci_high"], 2)),
                "More confident, no knowledge gain": ("", lambda r: _pct(r['pct_overconfident'])),
            }))
            known = kvc_shown.dropna(subset=["pct_overconfident"])
            if len(known):
                top = known.sort_values("pct_overconfident", ascending=False).iloc[0]
                sec.add("text", f"Among the sectors shown, the share who became more confident without gaining knowledge was "
                                f"highest in {_label('sector', top['sector'])} ({_num(top['pct_overconfident'], 0)}% of "
                                f"{_num(top['n'], 0)}).")
            if hidden:
                sec.add("note", _hidden_note(hidden, "sector(s)", min_cell))
            _add_figure(sec, _figure("calibration", kvc_shown.dropna(subset=["mean_knowledge_change"]), by="sector"),
                        "people more confident without a knowledge gain")
    else:
        sec.add("text", "No confidence ratings were collected.")
    ctx.sections.append(sec)

    # --- follow-up
    step("Follow-up interviews")
    sec = Section("followup", "Follow-up interviews: applying the training (Kirkpatrick level 3)")
    if "followup" in pub:
        fs_shown, _ = pub.shown("followup")
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
        sec.add("table", html=html_table(codes, {
            "Code": ("text", lambda r: str(r["label"])),
            "Theme": ("text", lambda r: str(r["theme"])),
            "People with the code": ("", lambda r: _num(r["n_with_code"], 0)),
            "Share of interviewees, % (95% CI)": ("", lambda r: _ci(r["pct_with_code"], r["ci_low"], r["ci_high"], 0)),
        }))
        fig = _figure("codes", codes.dropna(subset=["pct_with_code"]))
        if fig:
            sec.add("figure", html=fig)
        agree, hidden = pub.shown("agreement")
        sec.add("heading", "Do the coders agree?")
        if agree is not None and len(agree):
            R["coder_agreement"] = agree
            sec.add("table", html=html_table(agree, {
                "Code": ("text", lambda r: "All codes" if r["kind"] == "overall" else str(r["label"])),
                "Double-coded interviews": ("", lambda r: _num(r["n_double_coded"], 0)),
                "Agreement": ("", lambda r: _pct(r['pct_agreement'])),
                "Cohen's kappa": ("", lambda r: _num(r["cohen_kappa"], 2)),
                "Krippendorff's alpha": ("", lambda r: _num(r["krippendorff_alpha"], 2)),
                "Rating": ("text", lambda r: str(r["rating"])),
            }))
            weak = agree[(agree["kind"] == "code") & (agree["cohen_kappa"] < 0.41)]
            if len(weak):
                sec.add("caution", "Coders agree poorly on " + ", ".join(weak["label"].astype(str))
                        + ": refine these codes' definitions before relying on their prevalence.")
        else:
            sec.add("text", f"Too few interviews were coded by two coders (fewer than {min_cell}, or none) to show "
                            "agreement between coders.")
        tab, _ = pub.shown("followup_vs_gains")
        if tab is not None:
            sec.add("heading", "Do reported changes go with learning gains?")
            sec.add("table", html=html_table(tab[tab["applied_practice"].fillna(False).astype(bool)], {
                "Code": ("text", lambda r: str(r["label"])),
                "Gain with the code": ("", lambda r: _num(r["gain_with"], 1)),
                "Gain without": ("", lambda r: _num(r["gain_without"], 1)),
                "Difference (95% CI)": ("", lambda r: _ci(r["diff"], r["ci_low"], r["ci_high"])),
                "Odds ratio per 10 points (95% CI)": ("", lambda r: _ci(r["odds_ratio_per_10"], r["or_ci_low"], r["or_ci_high"], 2)),
                "p (Holm)": ("", lambda r: _p(r["p_adjusted"])),
            }))
            note = pub.notes.get("followup_vs_gains", "")
            if note and not any(n in note for n in hidden_names):
                sec.add("note", note)
    else:
        sec.add("text", "No follow-up interviews are in this study.")
    ctx.sections.append(sec)

    # --- drop-out and data quality
    step("Drop-out and data quality")
    sec = Section("dropout", "Drop-out and data quality")
    att = pub.table("attrition")
    if att is not None:
        R["attrition"] = att
        finding = hl.attrition_finding(att.iloc[0], min_cell=min_cell)
        if finding:
            ctx.headline.append(finding)
            sec.add("text", finding.text)
        att_t, hidden = pub.shown("attrition/training_id")
        R["attrition_by_training"] = att_t
        sec.add("text", "Per training, the table gives the people with both tests; how many registered, took one test "
                        "or dropped out is given for the whole study only (per training these are mostly groups of a "
                        "few people).")
        sec.add("table", html=html_table(att_t, {
            "Training": ("text", lambda r: str(r["training_id"])),
            "Took both tests": ("", lambda r: _num(r["matched"], 0)),
            "Pre-test gap (SMD)": ("", lambda r: _num(r["smd"], 2)),
            "Complete-case gain": ("", lambda r: _ci(r["cc_mean_gain"], r["cc_ci_low"], r["cc_ci_high"])),
            "With imputation": ("", lambda r: _ci(r["mi_mean_gain"], r["mi_ci_low"], r["mi_ci_high"])),
        }))
        if hidden:
            sec.add("note", _hidden_note(hidden, "training(s)", min_cell))
    q = study.quarantine
    if len(q):
        sec.add("caution", "Some rows were set aside because of data problems; they are not in any result above. The "
                           "internal problems file (problems.xlsx, not for publication) lists each one with its file, "
                           "sheet, row and column.")
    else:
        sec.add("text", "No rows were set aside: every row read was used.")
    ctx.sections.append(sec)

    step("Planning the next training")
    ctx.sections.append(_planning_section(study, res, min_cell, R))
    if len(getattr(study, "costs", ())):
        step("Cost")
        ctx.sections.append(_cost_section(pub, res, min_cell, R))

    # --- methods
    sec = Section("methods", "Methods and definitions")
    reliab, _ = pub.shown("reliability")
    if reliab is not None:
        R["reliability"] = reliab
        for _, r in reliab.iterrows():
            what = f"Test reliability ({r['phase']}-test, {'KR-20' if r['method'] == 'kr20' else 'Cronbach alpha'})"
            if pd.isna(r["n"]):  # the number tested is hidden, and its interval with it
                sec.add("text", f"{what}: {_num(r['estimate'], 2)}, {_num(r['k'], 0)} items (the number of people it "
                                "rests on, and so its interval, is not shown: it could reveal a small group).")
            else:
                sec.add("text", f"{what}: {_ci(r['estimate'], r['ci_low'], r['ci_high'], 2)}, n = {_num(r['n'], 0)} "
                                f"people, {_num(r['k'], 0)} items.")
    sec.add("defs", items=METHODS)
    sec.add("note", footnote(min_cell))
    ctx.sections.append(sec)
    return ctx


def _has_delayed(study) -> bool:
    """True when some people took a delayed post-test (a retention test)."""
    sc = study.scores
    return bool(len(sc)) and bool((sc["phase"] == "delayed").to_numpy(dtype=bool, na_value=False).any())


def _programme(study) -> bool:
    """True for a programme of several studies (:func:`tip_eval.load_studies`)."""
    return "study" in study.trainings.columns and study.trainings["study"].nunique() > 1


def _retention_section(study, res: Results, min_cell: int, R: dict, ctx: BriefContext) -> Section:
    """"Does it last?": the delayed post-test against the pre- and post-test of the same people."""
    sec = Section("retention", "Does it last?")
    group = "study" if _programme(study) else "country"
    overall, _ = _shown(res("retention"), min_cell, "all")
    table = res("retention", by=group)
    shown, hidden = _shown(table[table["n"] > 0], min_cell, GROUP_LABELS.get(group, group))
    R["retention"], R[f"retention_by_{group}"] = overall, shown
    row = overall.iloc[0] if len(overall) else None
    finding = hl.retention_finding(row)
    if finding:
        ctx.headline.append(finding)
        sec.add("text", finding.text)
    if row is not None and not pd.isna(row["gain_not_retested"]) and not pd.isna(row["retested_gain_diff_ci_low"]):
        sec.add("text", f"Who was re-tested: {_num(row['n'], 0)} of the {_num(row['n_pre_post'], 0)} people with both "
                        f"earlier tests. At the end of the training they had gained {_num(row['immediate_gain'])} points, "
                        f"those not re-tested {_num(row['gain_not_retested'])} (difference "
                        f"{_ci(row['retested_gain_diff'], row['retested_gain_diff_ci_low'], row['retested_gain_diff_ci_high'])}).")
    rows = pd.concat([overall.assign(**{group: "All"}), shown], ignore_index=True) if len(overall) else shown
    label = GROUP_LABELS.get(group, group).capitalize()
    sec.add("table", html=html_table(rows, {
        label: ("text", lambda r: _label(group, r[group])),
        "Re-tested": ("", lambda r: f"{_num(r['n'], 0)} of {_num(r['n_pre_post'], 0)}"),
        "Gain at the end (95% CI)": ("", lambda r: _ci(r["immediate_gain"], r["immediate_gain_ci_low"],
                                                         r["immediate_gain_ci_high"])),
        "Gain at the delayed test (95% CI)": ("", lambda r: _ci(r["retained_gain"], r["retained_gain_ci_low"],
                                                                  r["retained_gain_ci_high"])),
        "Change since the end (95% CI)": ("", lambda r: _ci(r["decay"], r["decay_ci_low"], r["decay_ci_high"])),
        "Share of the gain retained (95% CI)": ("", lambda r: _ci(100 * r["retention_ratio"],
                                                                    100 * r["retention_ratio_ci_low"],
                                                                    100 * r["retention_ratio_ci_high"], 0)),
        "Months later": ("", lambda r: _num(r["months_since_training"], 1)),
    }))
    if hidden:
        sec.add("note", f"{hidden} group(s) with fewer than {min_cell} people re-tested are not shown.")
    fig = _figure("retention", shown, by=group, min_cell=min_cell)
    if fig:
        sec.add("figure", html=fig)
    if len(study.confidence) and (study.confidence["phase"] == "delayed").any():
        conf, _ = _shown(res("retention", measure="confidence"), min_cell, "all")
        said = hl.retention_finding(conf.iloc[0] if len(conf) else None, "confidence (mean self-rating, 1-5)",
                                    " rating points", 2)
        if said:
            R["retention_confidence"] = conf
            sec.add("text", said.text)
    sec.add("note", "Gains are those of the people who took all three tests, from the same people's pre-test; "
                    "share retained = gain at the delayed test / gain at the end of the training (not given when the "
                    "gain at the end is itself unclear). See Methods.")
    return sec


def _studies_section(res: Results, min_cell: int, R: dict) -> Section:
    """A comparison of the studies of a programme: gains by study and year, and the fair comparison."""
    sec = Section("studies", "Comparing the studies")
    table, hidden = _shown(res("gains", by=["study", "year"]), min_cell, "study and year")
    R["gains_by_study_year"] = table
    sec.add("heading", "Knowledge gain by study and year")
    disp = table.assign(_group=[f"{a} / {b}" for a, b in zip(table["study"], table["year"])])
    sec.add("table", html=html_table(disp, {"Study / year": ("text", lambda r: r["_group"]), **_gains_columns(None)}))
    if hidden:
        sec.add("note", f"{hidden} group(s) with fewer than {min_cell} people are not shown.")
    comp = res("compare_studies")
    R["study_comparison"] = comp
    for para in comp.summary().split("\n"):
        if para.strip():
            sec.add("text", para)
    from tip_eval.analysis.compare import VERDICTS

    shown, hidden = _shown(comp.table, min_cell, "study")
    sec.add("table", html=html_table(shown, {
        "Study": ("text", lambda r: str(r["study"])),
        "n": ("", lambda r: _num(r["n"], 0)),
        "Raw mean gain (95% CI)": ("", lambda r: _ci(r["raw_gain"], r["raw_ci_low"], r["raw_ci_high"])),
        "Difference from the typical study (95% CI)": ("", lambda r: _ci(r["adjusted_diff"], r["adjusted_ci_low"],
                                                                          r["adjusted_ci_high"])),
        "Familywise interval (all studies)": ("", lambda r: f"{_num(r['familywise_ci_low'])} to "
                                                           f"{_num(r['familywise_ci_high'])}"),
        "Verdict": ("text", lambda r: VERDICTS.get(str(r["verdict"]), str(r["verdict"])).replace("training", "study")),
        "Shrunken gain (95% interval)": ("", lambda r: _ci(r["shrunken_gain"], r["shrunken_ci_low"], r["shrunken_ci_high"])),
    }))
    if hidden:
        sec.add("note", f"{hidden} study(ies) with fewer than {min_cell} people with both tests are not shown.")
    fig = _figure("forest", shown.rename(columns={"study": "training_id"}), min_cell=min_cell,
                  title="Each study against the typical study",
                  x_title="Difference from the median of the other studies, post-test adjusted for the pre-test")
    if fig:
        sec.add("figure", html=fig)
    return sec


def _planning_section(study, res: Results, min_cell: int, R: dict) -> Section:
    """The "Planning the next training" box: the plans, the options for comparing curricula, the assumptions."""
    sec = Section("planning", "Planning the next training")
    n = R["knowledge"].iloc[0]["n"]
    if pd.isna(n) or not n >= max(min_cell, 2):
        sec.add("text", f"Fewer than {max(min_cell, 2)} people took both tests: too few to plan from.")
        return sec
    try:
        plan = res("plan_next")
    except ValueError as err:
        sec.add("text", f"The next training could not be planned from these data: {err}.")
        return sec
    R["plan"] = plan
    sec.add("box", text="How many people and trainings the next round needs",
            items=[s for s in plan.table["in_words"] if s])
    opts = plan.options[plan.options["trainings"].notna()]
    own = round(float(plan.inputs.set_index("quantity").at["people_per_training", "value"]))
    if len(opts):
        target = plan.table.set_index("plan").at["difference", "target"]
        sec.add("heading", f"Trainings needed to show a difference of {_num(target, 1)} points between two curricula")
        sec.add("table", html=html_table(opts, {
            "People enrolled per training": ("", lambda r: _num(r["people_to_enrol"], 0) + (
                " (as in this study)" if r["people_to_enrol"] == own else "")),
            "Expected with both tests": ("", lambda r: _num(r["people_tested"], 0)),
            "Trainings in all": ("", lambda r: _num(r["trainings"], 0)),
            "Range": ("", lambda r: f"{_num(r['trainings_low'], 0)} to {_num(r['trainings_high'], 0)}"),
            "Trainings per curriculum": ("", lambda r: _num(r["per_curriculum"], 0)),
        }))
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
        sec.add("caution", f"The costs could not be used: {pub.notes.get('cost', 'no usable cost')}. The problems file "
                           "lists every problem in the costs.")
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
        text = (f"The {k} training{'s' if k != 1 else ''} with a recorded cost came to {_money(t['cost_total'], cur)} in all"
                f"{years}: {_money(t['cost_per_trained'], cur)} per person registered and "
                f"{_money(t['cost_per_completer'], cur)} per person who took both tests.")
        sec.add("text", text)
        if pd.notna(t["cost_per_reliably_improved"]):
            high = t["cost_per_reliably_improved_ci_high"]
            upper = _money(high, cur) if pd.notna(high) else "an unbounded upper end"
            sec.add("text", f"Each person whose knowledge reliably improved cost about "
                            f"{_money(t['cost_per_reliably_improved'], cur)} ({_num(t['n_reliably_improved'], 0)} people; "
                            f"95% interval {_money(t['cost_per_reliably_improved_ci_low'], cur)} to {upper}).")
        elif pd.notna(t["n_reliably_improved"]) and t["n_reliably_improved"] == 0:
            sec.add("text", "Nobody's knowledge reliably improved, so there is no cost per reliably improved person.")
        if pd.notna(t["gain_sd_per_100"]):
            sec.add("text", f"Put another way: for every {cur} 100 spent per participant, knowledge grew by "
                            f"{_num(t['gain_sd_per_100'], 2)} standard deviations of the pre-test scores.")
    sec.add("table", html=html_table(shown, {
        "Training": ("text", lambda r: str(r["training_id"])),
        f"Cost ({cur})": ("", lambda r: _money(r["cost_total"])),
        # per training, the number registered (and what divides by it) would give it back: all trainings only
        "Registered": ("", lambda r: _num(r["n_registered"], 0) if r["training_id"] == "All trainings" else ""),
        "Both tests": ("", lambda r: _num(r["n_matched"], 0)),
        "Reliably improved": ("", lambda r: _num(r["n_reliably_improved"], 0)),
        "Per person registered": ("", lambda r: _money(r["cost_per_trained"]) if r["training_id"] == "All trainings"
                                  else ""),
        "Per person reliably improved (95% interval)": ("", lambda r: _money_ci(
            r["cost_per_reliably_improved"], r["cost_per_reliably_improved_ci_low"],
            r["cost_per_reliably_improved_ci_high"])),
        f"SDs gained per {cur} 100 per participant": ("", lambda r: _num(r["gain_sd_per_100"], 2)
                                                      if r["training_id"] == "All trainings" else ""),
    }))
    sec.add("note", "Registered, cost per person registered and SDs gained per 100 are given for all trainings only: "
                    "per training they would give the number registered back, and with it the few who did not take "
                    "both tests.")
    if hidden:
        sec.add("note", _hidden_note(hidden, "training(s)", min_cell))
    rates = getattr(res.study, "exchange_rates", None)
    conv = ""
    if rates is not None and len(rates) > 1:
        conv = "; converted at the rates given in study.toml (" + ", ".join(
            f"1 {c} = {r:g} {cur}" for c, r in zip(rates["currency"], rates["rate"]) if c != cur) + ")"
    sec.add("note", f"Assumptions: costs are as recorded, in the years they were spent, not adjusted for inflation{conv}. "
                    "A training's cost is shared equally among the people it registered. People who did not take both "
                    "tests count as not improved. Reliable improvement is a gain larger than the test's measurement "
                    "error (see Methods). The interval resamples people within each training (2,000 times).")
    notes = sorted({n for n in shown["note"].fillna("") if n and "no cost given" in n})
    for note in notes:
        sec.add("note", note[0].upper() + note[1:] + ".")
    return sec


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
        out["Trained"] = number(att["registered"].iloc[0])
    if k is not None:
        n = number(k["n"].iloc[0])
        out["Tested before and after"] = n
        for name, col in (("Improved their score", "pct_improved"),
                          ("Improved beyond measurement error", "pct_reliable_improved")):
            p = number(k[col].iloc[0])
            out[name] = float(round(p * n / 100)) if math.isfinite(p) and math.isfinite(n) else float("nan")
    if fs is not None:
        ind = fs[fs["kind"] == "indicator"]
        if len(ind):
            out["Interviewed at follow-up"] = number(ind["n_interviewed"].iloc[0])
            out["Reported applying the training"] = number(ind["n_with_code"].iloc[0])
    return out


def _module_columns(frame: pd.DataFrame) -> dict:
    cols: dict = {"Module": ("text", lambda r: str(r["module"]))}
    if "n_items" in frame:
        cols["Items"] = ("", lambda r: _num(r["n_items"], 0))
    if "n" in frame:
        cols["n"] = ("", lambda r: _num(r["n"], 0))
    if "pre_mean" in frame:
        cols["Pre-test mean"] = ("", lambda r: _num(r["pre_mean"], 1))
        cols["Post-test mean"] = ("", lambda r: _num(r["post_mean"], 1))
    if "mean_gain" in frame:
        cols["Mean gain (95% CI)"] = ("", lambda r: _ci(r["mean_gain"], r["ci_low"], r["ci_high"]))
    return cols


def _figure(name: str, data: Any, **kwargs: Any) -> str | None:
    """HTML of a project figure (without plotly.js: the page inlines it once); None when there is no data."""
    if data is None or (isinstance(data, pd.DataFrame) and data.empty):
        return None
    import plotly.io as pio

    import tip_eval.plots as plots
    from tip_eval.plots._theme import template_spec

    # the figure's JSON as the builder wrote it: the test suite validates every builder through
    # plotly.graph_objects, so it is not validated again here (see tip_eval.plots._spec)
    spec = getattr(plots, name).spec(data, **kwargs)
    figure = spec.to_dict(template=template_spec())
    if not any(_has_values(trace) for trace in figure.get("data", [])):
        return None  # every value it would draw is hidden: no empty frame
    return pio.to_html(figure, full_html=False, include_plotlyjs=False,
                       validate=False, config={"displaylogo": False, "responsive": True})


def _has_values(trace: dict) -> bool:
    """Whether a figure trace draws any finite number (bars, points, heatmap cells)."""
    import math

    def finite(values: Any) -> bool:
        if hasattr(values, "tolist"):
            values = values.tolist()
        if isinstance(values, (list, tuple)):
            return any(finite(v) for v in values)
        return isinstance(values, (int, float)) and not isinstance(values, bool) and math.isfinite(values)

    return any(finite(trace.get(k)) for k in ("x", "y", "z", "values"))


def _add_figure(sec: Section, fig: str | None, what: str) -> None:
    """Add a figure, or one line saying why it is left out (suppression left it nothing to draw)."""
    if fig:
        sec.add("figure", html=fig)
    else:
        sec.add("note", f"The figure of {what} is left out: every value it would show describes, or would let a "
                        "reader work out, fewer than the minimum number of people.")


def render_brief(ctx: BriefContext, title: str | None = None) -> str:
    """Render the assembled brief as one self-contained HTML page."""
    from importlib.resources import files

    from jinja2 import Environment, select_autoescape
    from plotly.offline import get_plotlyjs

    import tip_eval
    from tip_eval.safe_text import xml_chars

    tpl_dir = files("tip_eval.report") / "templates"
    plotlyjs = _script_safe(get_plotlyjs())
    # every text written into the page loses the characters XML forbids (not plotly.js: its code holds some)
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                      finalize=lambda v: xml_chars(v) if isinstance(v, str) and v is not plotlyjs else v)
    template = env.from_string((tpl_dir / "brief.html.j2").read_text(encoding="utf-8"))
    study = ctx.study
    n_countries = int(study.trainings["country"].nunique())
    k = ctx.results["knowledge"].iloc[0]
    att = ctx.results.get("attrition")
    registered = att["registered"].iloc[0] if att is not None and len(att) else None
    registered = float("nan") if registered is None or pd.isna(registered) else float(registered)
    people = _num(registered, 0)
    kpis = [
        {"value": _num(len(study.trainings), 0), "label": "trainings"},
        {"value": people, "label": "participants registered"},
        {"value": f"+{_num(k['mean_gain'], 1)}" if not pd.isna(k["mean_gain"]) and k["mean_gain"] >= 0 else _num(k["mean_gain"], 1),
         "label": "mean knowledge gain (percentage points)"},
        {"value": _pct(k["pct_improved"]), "label": "scored higher after training"},
    ]
    sections = [{"id": "headline", "title": "Headline findings"}] + [
        {"id": s.id, "title": s.title, "blocks": s.blocks} for s in ctx.sections]
    return template.render(
        title=title or f"Impact brief: {study.name}",
        subtitle=f"{len(study.trainings)} trainings in {n_countries} countr{'y' if n_countries == 1 else 'ies'}"
                 + (f"; {people} participants." if registered == registered else "."),
        generated=_dt.date.today().isoformat(), version=tip_eval.__version__, min_cell=ctx.min_cell,
        sections=sections, headline=ctx.headline, kpis=kpis,
        css=(tpl_dir / "brief.css").read_text(encoding="utf-8"), plotlyjs=plotlyjs,
        footer="Produced with tip_eval. Numbers are computed from the validated study data; groups smaller than the "
               "minimum cell size are suppressed everywhere, with one disclosure plan for this brief and its workbook "
               "(check it with tip-eval audit). No names or participant IDs appear in this brief.",
    )


def _script_safe(js: str) -> "Any":
    from markupsafe import Markup

    return Markup(js.replace("</script", "<\\/script"))


def write_brief(study, path: str | Path, by: Sequence[str] = ("country", "sector"), min_cell: int | None = None,
                title: str | None = None, progress: Callable[[str], None] | None = None,
                results: Results | None = None, publication: Any = None) -> Path:
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

    Returns
    -------
    Path
        The file written.
    """
    ctx = build_brief(study, by=by, min_cell=min_cell, progress=progress, results=results, publication=publication)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_brief(ctx, title=title), encoding="utf-8")
    return path


def run_brief(path: str | Path | Sequence[str | Path], out: str | Path, *, min_cell: int | None = None,
              title: str | None = None, by: Sequence[str] | None = None, cache: bool = True) -> int:
    """``tip-eval brief``: load (bad rows quarantined), write brief.html, tables.xlsx and problems.xlsx.

    Several study folders make one programme brief (:func:`tip_eval.load_studies`): its tables are
    by study as well, and it compares the studies.

    With ``cache`` (the default) the validated study is kept in the user's cache directory (never
    the study folder) and reused while no source file, setting or tip_eval version changes (see
    :mod:`tip_eval.io.cache`): a brief written again from unchanged files skips reading and
    validating them, and is identical.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from tip_eval.study import load_study

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("Reading and checking the study", total=None)
        from tip_eval.disclosure import check_min_cell

        if min_cell is not None:
            check_min_cell(min_cell, source="--min-cell")
        if len(paths) > 1:
            from tip_eval.programme import load_studies

            study = load_studies(paths, on_error="quarantine", cache=cache)
            by = by or ("study", "country", "sector")
        else:
            study = load_study(paths[0], on_error="quarantine", cache=cache)

        if min_cell is not None:
            study.min_cell = check_min_cell(min_cell, source="--min-cell")
        internal = write_problems(study, out / "problems.xlsx")

        def step(msg: str) -> None:
            bar.update(task, description=msg)

        from tip_eval.report.publication import Publication

        shared = Results(study)
        by = _by_option(study, by)
        step("Disclosure plan")
        pub = Publication(study, by=[b for b in by if b not in ("country", "sector")], min_cell=study.min_cell,
                          results=shared)
        brief = write_brief(study, out / "brief.html", by=by, title=title, progress=step, results=shared,
                            publication=pub)
        step("Workbook")
        tables = _write_workbook(study, out / "tables.xlsx", by=by, results=shared, publication=pub)
    print(f"Brief written to {brief}")
    if tables:
        print(f"Tables written to {tables}")
    if internal:
        print(f"Data problems and rows set aside ({study.report.summary()}) written to {internal} "
              "(internal: not for publication)")
    return EXIT_OK


def _by_option(study, by: Sequence[str] | None) -> tuple:
    """``--by`` as groupings: ``country+sector`` is a crossing; an unknown column is refused in words."""
    from tip_eval.errors import InputRefused

    groups = [tuple(b.split("+")) if isinstance(b, str) and "+" in b else b for b in (by or ("country", "sector"))]
    known = set(study.attributes().columns)
    unknown = sorted({c for g in groups for c in ([g] if isinstance(g, str) else g)} - known)
    if unknown:
        raise InputRefused("--by", f"names {', '.join(unknown)}, which is not a column of the participants or trainings.",
                           f"Use one or more of: {', '.join(sorted(known - {'participant_id'}))}; cross two with '+', "
                           "e.g. --by country+sector.")
    return tuple(groups)


def _write_workbook(study, path: Path, by: Sequence[str], results: Results, publication: Any = None) -> Path:
    from tip_eval.report.workbook import write_workbook

    return Path(write_workbook(study, path, by=by, results=results, publication=publication))


def write_problems(study, path: Path) -> Path | None:
    """Write the internal ``problems.xlsx`` (data problems and rows set aside) when there are any.

    The file lists individual rows, so it is marked internal (not for publication) on its first
    sheet; see :func:`tip_eval.problems_file.write_problems_file`.
    """
    from tip_eval.problems_file import write_problems_file

    if not len(study.report.problems) and not len(study.quarantine):
        return None
    return write_problems_file(study.report, study.quarantine, path)
