"""The tables workbook: every result of a study in one xlsx, suppressed, inert, readable.

:func:`write_workbook` is the publishing path for tables: every result comes from the publication's
disclosure plan (:mod:`tip_eval.report.publication`, shared with the brief) before it is written, every string is written as text (never a
formula, see :mod:`tip_eval.io.write`), numbers keep full precision with display formats, and a
README sheet comes first.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tip_eval.i18n import N_, _, check_language, pgettext, using

__all__ = ["write_workbook", "SHEETS"]

#: sheet name -> what it holds (the README lists these)
SHEETS: dict[str, str] = {
    "Gains overall": N_("Knowledge and confidence before and after training, all participants (te.gains, by=None)."),
    "Gains by {by}": N_("The same per {by} (te.gains(study, by='{by}')), knowledge and confidence."),
    "Gains by training": N_("The same per training."),
    "Confidence by competency": N_(
        "Each confidence self-rating (1-5) treated as ordinal: medians, share agreeing (4-5), "
        "Wilcoxon signed-rank test (te.confidence_gains)."
    ),
    "Knowledge vs confidence": N_(
        "Does confidence grow with knowledge? Correlation of the two changes and the people "
        "who became more confident without a knowledge gain (te.knowledge_vs_confidence)."
    ),
    "Items": N_(
        "Each test item: share correct before/after, discrimination, alpha if deleted, flags (te.item_analysis)."
    ),
    "Modules": N_("Knowledge gain per curriculum module (te.module_summary)."),
    "Reliability": N_("KR-20 / Cronbach's alpha of the test before and after, with interval and SEM (te.reliability)."),
    "Trainings compared": N_(
        "Each training against the typical training (the median of the other trainings, "
        "post-test adjusted for the pre-test), with its verdict, and its shrunken gain from a "
        "mixed model (te.compare_trainings); the plain-words summary and the ICC are under the table."
    ),
    "Follow-up codes": N_(
        "Share of interviewed people reporting each code, theme, and the level-3 indicator (te.followup_summary)."
    ),
    "Follow-up by {by}": N_("The same per {by}."),
    "Code co-occurrence": N_("How often two codes are applied to the same interview (te.code_cooccurrence)."),
    "Coder agreement": N_(
        "Agreement of coders on double-coded interviews: percent, Cohen's kappa, Krippendorff's alpha "
        "(te.coder_agreement)."
    ),
    "Follow-up and gains": N_(
        "Knowledge gain of interviewed people with and without each code (te.followup_vs_gains)."
    ),
    "Does it last": N_(
        "The delayed post-test (a retention test months after the training): the gain at the end, the "
        "gain still there at the delayed test, the change since the end and the share retained, for the "
        "people who took all three tests, overall and per training; and who was re-tested "
        "(te.retention); knowledge and, when rated again, confidence."
    ),
    "Studies compared": N_(
        "In a programme of several studies: each study against the typical study (the median of the "
        "others, post-test adjusted for the pre-test), its verdict and shrunken gain "
        "(te.compare_studies); the plain-words summary is under the table."
    ),
    "Attrition": N_(
        "Who took which test, whether drop-outs differed, and whether drop-out changes the conclusion "
        "(te.attrition), overall and per training."
    ),
    "Planning": N_(
        "People and trainings the next round needs, from this study's own spread of gains, ICC and "
        "share re-tested, with ranges (te.plan_next); the assumptions are under the table."
    ),
    "Planning inputs": N_(
        "The study's estimates the plans use, with their intervals and sources (te.plan_next(...).inputs)."
    ),
    "Planning options": N_(
        "Trainings needed to compare two curricula for several numbers of people per training "
        "(te.plan_next(...).options)."
    ),
    "Cost": N_(
        "Cost per person registered, per person with both tests and per person who reliably improved, and sds "
        "gained per 100 spent per participant, overall and per training (te.cost_effectiveness); only when the "
        "study has costs."
    ),
    "Knowledge vs confidence by sector": N_("The same per sector."),
    "Trainings": N_(
        "Each training: country, province, dates and language (no counts of people). A reader knows which "
        "trainings make up each country; tip-eval audit uses this sheet to check the tables as such a "
        "reader would."
    ),
}

_DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        N_("Scores"),
        N_(
            "Knowledge scores are percent of the maximum score (0-100), so tests of different lengths compare. "
            "Confidence is a self-rating from 1 (strongly disagree) to 5 (strongly agree)."
        ),
    ),
    (
        N_("People tested before and after"),
        N_(
            "People with both tests, matched by participant ID (never by row order); "
            "'People tested before' / 'after' = people with that test."
        ),
    ),
    (
        N_("Before, After"),
        N_(
            "Means of the people tested before and after, so that After - Before = Mean gain; the means "
            "of everyone tested in each phase are the columns 'mean of everyone tested'."
        ),
    ),
    (
        N_("Mean gain, points"),
        N_(
            "Mean of (after - before) over the matched people, in percentage points (rating points "
            "for confidence), with its t interval ('95% interval, low' to 'high') at the level in "
            "column 'Interval level'."
        ),
    ),
    (
        N_("p, p (adjusted)"),
        N_("Two-sided paired t-test; p (adjusted) = Holm-adjusted across the rows of the same table."),
    ),
    (N_("Cohen's dz, Hedges' gz"), N_("Mean gain / SD of the gains, and its small-sample correction.")),
    (N_("Normalised gain"), N_("Hake's (after mean - before mean) / (maximum - before mean).")),
    (
        N_("% reliably improved"),
        N_(
            "Percent whose change exceeds measurement error (Jacobson & Truax reliable change "
            "index > 1.96, using the test's own reliability)."
        ),
    ),
    (N_("Intervals"), N_("95% unless the 'Interval level' column says otherwise.")),
    (
        N_("Number formats"),
        N_(
            "Cells hold numbers at full precision; the number of decimals shown is display formatting "
            "only (0.0 for scores and percentages, 0.000 for p-values)."
        ),
    ),
)


def _titles() -> dict[str, str]:
    """The sheet names of :data:`SHEETS` in the current language (at most 31 characters each)."""
    return {
        "Gains overall": pgettext("sheet", "Gains overall"),
        "Gains by {by}": pgettext("sheet", "Gains by {by}"),
        "Gains by training": pgettext("sheet", "Gains by training"),
        "Confidence by competency": pgettext("sheet", "Confidence by competency"),
        "Knowledge vs confidence": pgettext("sheet", "Knowledge vs confidence"),
        "Items": pgettext("sheet", "Items"),
        "Modules": pgettext("sheet", "Modules"),
        "Reliability": pgettext("sheet", "Reliability"),
        "Trainings compared": pgettext("sheet", "Trainings compared"),
        "Follow-up codes": pgettext("sheet", "Follow-up codes"),
        "Follow-up by {by}": pgettext("sheet", "Follow-up by {by}"),
        "Code co-occurrence": pgettext("sheet", "Code co-occurrence"),
        "Coder agreement": pgettext("sheet", "Coder agreement"),
        "Follow-up and gains": pgettext("sheet", "Follow-up and gains"),
        "Does it last": pgettext("sheet", "Does it last"),
        "Studies compared": pgettext("sheet", "Studies compared"),
        "Attrition": pgettext("sheet", "Attrition"),
        "Planning": pgettext("sheet", "Planning"),
        "Planning inputs": pgettext("sheet", "Planning inputs"),
        "Planning options": pgettext("sheet", "Planning options"),
        "Cost": pgettext("sheet", "Cost"),
        "Knowledge vs confidence by sector": pgettext("sheet", "Knowledge vs confidence by sector"),
        "Trainings": pgettext("sheet", "Trainings"),
    }


@dataclass
class _Part:
    sheet: str
    build: Callable[[], pd.DataFrame | str]
    notes: Sequence[str] = ()
    publish_as_is: bool = False  # lists of problems: no people counted, nothing to suppress


def write_workbook(
    study,
    path: str | Path,
    min_cell: int | None = None,
    by: Sequence[str] | str = ("country", "sector"),
    *,
    results=None,
    publication=None,
    lang: str | None = None,
) -> Path:
    """Write every result of ``study`` to one xlsx workbook, with small cells suppressed.

    Parameters
    ----------
    study : Study
        The validated study (``te.load_study(...)``).
    path : str or Path
        Where to write the ``.xlsx`` (folders are created).
    min_cell : int, optional
        Smallest number of people a shown count may describe (a whole number, at least 3); default
        ``study.min_cell`` (5 unless ``study.toml`` says otherwise).
    by : str or sequence of str, default ("country", "sector")
        Groupings beyond country, province, sector and training (always shown): each name gives
        its own sheets, e.g. "Gains by gender"; a tuple inside the sequence, e.g.
        ``[("country", "sector")]``, a crossed table.
    results : tip_eval.report.results.Results, optional
        Analyses already computed for this study.
    publication : tip_eval.report.publication.Publication, optional
        The brief's publication: its disclosure plan then covers the brief and this workbook
        together (``tip-eval brief`` passes it).
    lang : {"en", "km", "th", "id"}, optional
        The language of the sheet names, the README sheet, the notes, the column headers and the
        texts in cells. Default: the language the study was loaded in (its ``language`` setting in
        ``study.toml``), else English. The column headers are the column titles of
        :mod:`tip_eval.column_titles` in the language, which ``tip-eval audit`` and scripts
        (:func:`tip_eval.column_titles.code`) read back in any language.

    Returns
    -------
    Path
        The path written.

    Notes
    -----
    Sheets: README first (what each sheet holds, definitions, the suppression rule, the data
    sources and the date), then the results listed in :data:`SHEETS`. Every result comes from one
    disclosure plan (:class:`tip_eval.disclosure.Plan`) solved across all sheets and the brief;
    hidden cells show the mark ``–`` (:data:`tip_eval.disclosure.MARK`, the brief's too), its
    legend is under every sheet that uses it, and their row shows yes under "Has hidden cells"; an empty
    cell is a value that cannot be computed. The workbook holds no row-level data: the data
    problems and the rows set aside go to the internal ``problems.xlsx``. Every string is inert
    text: the workbook holds no formulas at all.
    """
    from tip_eval.disclosure import check_min_cell

    if not (hasattr(study, "participants") and hasattr(study, "scores")):
        raise TypeError(f"study must be a tip_eval Study; got {type(study).__name__}")
    if publication is None:
        from tip_eval.report.publication import Publication
        from tip_eval.report.results import Results

        mc = check_min_cell(
            study.min_cell if min_cell is None else min_cell,
            source="min_cell" if min_cell is not None else "study.min_cell",
        )
        results = results if results is not None else Results(study)
        publication = Publication(study, by=_extra(by), min_cell=mc, results=results)
    language = (
        check_language(lang)
        if lang is not None
        else check_language(getattr(getattr(study, "report", None), "language", None) or "en")
    )
    with using(language):
        wb = _build_workbook(study, _parts(study, publication), publication)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


#: group columns whose codes a reader sees as words (the vocabularies' labels in the workbook's language)
_VOCABULARY_COLUMNS = ("country", "sector", "gender", "phase", "province")


def _labelled(result: pd.DataFrame) -> pd.DataFrame:
    """Return ``result`` with the codes of its group columns written as words, for the reader of the sheet.

    ``KHM`` -> Cambodia, ``ngo`` -> NGO, ``definitions_law`` -> the module's name, ``knowledge`` -> Knowledge.
    Identifiers (training, item and competency IDs) stay as they are: they are names, not codes. Suppression marks
    and formats go by row and column, so they are unchanged; a copy is made only when a column changes.
    """
    from tip_eval import vocab
    from tip_eval.i18n import current_language

    lang = current_language()
    measures = {"knowledge": _("Knowledge"), "confidence": pgettext("sheet", "Confidence")}

    def word(value: object, column: str) -> object:
        if not isinstance(value, str):
            return value
        if column in _VOCABULARY_COLUMNS:
            return vocab.label(column, value, lang) if value != "All" else value
        if column == "module":  # a module of the curriculum by its name (a partner's own module name as written)
            return _(vocab.MODULES[value]) if value in vocab.MODULES else value
        return measures.get(value, value)

    out = result
    for column in result.columns:
        name = str(column)
        if name not in (*_VOCABULARY_COLUMNS, "module", "measure"):
            continue
        if out is result:
            out = result.copy()
            out.attrs = result.attrs
        out[column] = result[column].map(lambda v, c=name: word(v, c)).astype(object)
    return out


def _extra(by) -> list:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _build_workbook(study, parts: list, publication):
    from openpyxl import Workbook

    from tip_eval.column_titles import title
    from tip_eval.disclosure import MARK, check_no_identifiers, footnote
    from tip_eval.io.write import write_cell, write_sheet, write_text_sheet

    min_cell = publication.min_cell
    wb = Workbook()
    readme = wb.active
    readme.title = pgettext("sheet", "README")
    written: list[tuple[str, str]] = []
    for part in parts:
        ws = wb.create_sheet(title=_sheet_title(sheet_name(part.sheet), wb.sheetnames))
        try:
            result = part.build()
        except Exception as err:  # noqa: BLE001 - a part that cannot be computed must not stop the workbook
            result = _("This part could not be computed from the data ({error}).").format(error=type(err).__name__)
        if isinstance(result, str):
            write_text_sheet(ws, [sheet_name(part.sheet), "", result])
            written.append((ws.title, result))
            continue
        check_no_identifiers(result, what=f"sheet {ws.title!r}")
        marks = result.attrs.get("suppressed_cells") or {}
        headers = {str(c): title(str(c), sheet=part.sheet) for c in result.columns}
        write_sheet(ws, _labelled(result), auto_formats=True, marks=marks, mark_text=MARK, wrap=_WRAP, headers=headers)
        _rating_precision(ws, result)
        notes = [_(n) for n in part.notes]
        if any(marks.values()):
            notes.append(footnote(min_cell))
        if any((result.attrs.get("rounded_cells") or {}).values()):
            notes.append(_(ROUNDED_NOTE))
        row = len(result) + 3
        for note in notes:
            write_cell(ws, row, 1, note)
            row += 1
        written.append((ws.title, _describe(part.sheet)))
    _write_readme(readme, study, written, min_cell, footnote(min_cell).rstrip("."), publication.groupings)
    return wb


def _rating_precision(ws, result: pd.DataFrame) -> None:
    """Confidence rows' means and gains in two decimals, as the brief gives them (3.15 -> 3.83, not 3.1 -> 3.8).

    Scores in percent keep one decimal; a 1-5 rating's mean needs two to show the change.
    """
    if "measure" not in result.columns:
        return
    from tip_eval.io.write import number_format

    rows = [i for i, m in enumerate(result["measure"].tolist(), start=2) if m == "confidence"]
    cols = [
        j
        for j, (name, dtype) in enumerate(zip(result.columns, result.dtypes), start=1)
        if pd.api.types.is_float_dtype(dtype) and number_format(str(name)) == "0.0" and "pct" not in str(name)
    ]
    for i in rows:
        for j in cols:
            ws.cell(row=i, column=j).number_format = "0.00"


#: under a sheet with rounded values
ROUNDED_NOTE = N_(
    "Some means and shares are stored rounded (to 0.2 or 0.5 points, whole percent, ...): they describe "
    "people whose number is hidden, and given in full they would let that number be worked out."
)

_WRAP = {
    "label": 50,
    "label_a": 40,
    "label_b": 40,
    "theme": 40,
    "flags": 50,
    "note": 60,
    "problem": 60,
    "fix": 60,
    "value": 30,
    "competency": 40,
    "definition": 60,
}


def _groupings(by) -> list[list[str]]:
    if by is None:
        return []
    if isinstance(by, str):
        by = [by]
    out = []
    for b in by:
        cols = [b] if isinstance(b, str) else list(b)
        if cols and cols != ["training_id"]:
            out.append(cols)
    return out


def _sheet_title(name: str, existing: list[str]) -> str:
    bad = "[]:*?/\\"
    title = "".join("_" if ch in bad else ch for ch in name)[:31]
    base, i = title, 2
    while title in existing:
        title = f"{base[:28]} {i}"
        i += 1
    return title


def sheet_name(sheet: str) -> str:
    """A sheet's name in the current language ("Gains by country" -> "ความรู้..."; English as it is)."""
    titles = _titles()
    if sheet in titles:
        return titles[sheet]
    for key in SHEETS:
        prefix = key.split("{by}")[0]
        if "{by}" in key and sheet.startswith(prefix):
            return titles[key].replace("{by}", _by_words(sheet[len(prefix) :]))
    return sheet


def _by_words(by: str) -> str:
    """Return a grouping key of the plan ("country_sector") as the words of the current language: "country and sector"."""
    from tip_eval.report.blocks import group_names

    columns = [{"training": "training_id"}.get(w, w) for w in by.split(" and ")]
    return group_names(columns)


def _describe(sheet: str) -> str:
    if sheet in SHEETS:
        return _(SHEETS[sheet])
    for key, text in SHEETS.items():
        prefix = key.split("{by}")[0]
        if "{by}" in key and sheet.startswith(prefix):
            return _(text).replace("{by}", _by_words(sheet[len(prefix) :]))
    return ""


def _stack(publication, keys: list[tuple[str, str]]) -> pd.DataFrame | str:
    """Suppressed tables of several measures under each other, with a ``measure`` column first."""
    out = _concat(publication, [key for _m, key in keys], [{"measure": measure} for measure, _k in keys])
    return out if out is not None else _("The study has no test scores or confidence ratings.")


def _concat(publication, keys: list[str], labels: list[dict] | None = None):
    """The publication's tables ``keys`` under each other, with the cells each hid or rounded placed where its rows land.

    ``labels[i]`` gives columns put first in table ``i`` when it does not have them (a
    ``training_id`` of "All trainings" for an overall row, the ``measure``).
    """
    pieces = []
    marks: dict[str, dict] = {"suppressed_cells": {}, "rounded_cells": {}}
    offset = 0
    for i, key in enumerate(keys):
        t = publication.table(key)
        if t is None:
            continue
        position = {label: j for j, label in enumerate(t.index)}
        own = {k: t.attrs.get(k) or {} for k in marks}
        t = t.reset_index(drop=True)
        t.index = t.index + offset
        for col, value in reversed(list((labels[i] if labels else {}).items())):
            if col not in t.columns:
                t.insert(0, col, value)
        for k, cells in own.items():  # the table's own labels, placed where its rows land
            for c, labs in cells.items():
                if k == "suppressed_cells":
                    marks[k].setdefault(c, []).extend(position[j] + offset for j in labs)
                else:
                    marks[k].setdefault(c, {}).update({position[j] + offset: step for j, step in labs.items()})
        pieces.append(t)
        offset += len(t)
    if not pieces:
        return None
    out = pd.concat(pieces)
    out.attrs = {**marks, "min_cell": publication.min_cell}
    return out


def _parts(study, publication) -> list[_Part]:
    from tip_eval.report.publication import key_of

    pub = publication
    no_interviews = _("There are no follow-up interviews in this study, so there is nothing to show here.")
    no_items = _("The study has total scores only (no item-level answers), so item statistics cannot be computed.")
    no_conf = _("The study has no confidence self-ratings.")
    measures = [m for m in ("knowledge", "confidence") if f"gains/{m}" in pub]

    def or_text(key, text):
        return lambda: pub.table(key) if key in pub else text

    parts = [_Part("Gains overall", lambda: _stack(pub, [(m, f"gains/{m}") for m in measures]))]
    for cols in pub.groupings:
        name = "training" if cols == ["training_id"] else key_of(cols)
        parts.append(
            _Part(
                f"Gains by {name}", lambda cols=cols: _stack(pub, [(m, f"gains/{m}/{key_of(cols)}") for m in measures])
            )
        )
    parts.append(_Part("Confidence by competency", or_text("confidence_gains", no_conf)))
    parts.append(_Part("Knowledge vs confidence", or_text("knowledge_vs_confidence", no_conf)))
    parts.append(_Part("Knowledge vs confidence by sector", or_text("knowledge_vs_confidence/sector", no_conf)))
    parts += [
        _Part("Items", or_text("items", no_items)),
        _Part("Modules", or_text("modules", no_items)),
        _Part("Reliability", or_text("reliability", no_items)),
    ]
    parts.append(
        _Part(
            "Trainings compared",
            or_text("compare", _("The study has one training: there is nothing to compare.")),
            notes=_comparison_sheet_notes(pub),
        )
    )
    parts.append(_Part("Follow-up codes", or_text("followup", no_interviews)))
    for cols in pub.groupings:
        key = f"followup/{key_of(cols)}"
        if key in pub:
            parts.append(_Part(f"Follow-up by {key_of(cols)}", or_text(key, no_interviews)))
    parts += [
        _Part("Code co-occurrence", or_text("cooccurrence", no_interviews)),
        _Part(
            "Coder agreement",
            or_text(
                "agreement", _("No interview was coded by two coders, so agreement between coders cannot be measured.")
            ),
        ),
        _Part("Follow-up and gains", or_text("followup_vs_gains", no_interviews)),
    ]

    def attr():
        out = _concat(pub, ["attrition", "attrition/training_id"], [{"training_id": "All trainings"}, {}])
        return out if out is not None else _("The study has no test scores.")

    parts.append(_Part("Attrition", attr))
    parts += _later_parts(pub)
    parts += _planning_parts(study, pub.results)
    if "cost" in pub:

        def cost():
            return _concat(pub, ["cost", "cost/training_id"], [{"training_id": "All trainings"}, {}])

        parts.append(
            _Part(
                "Cost",
                cost,
                notes=[
                    N_(
                        "Costs as recorded, in the years spent, not adjusted for inflation, converted at the rates of study.toml; "
                        "a training's cost is shared equally among the people it registered; people without both tests count "
                        "as not improved; the interval resamples people within each training (2,000 times, seeded)."
                    )
                ],
            )
        )
    parts.append(_Part("Trainings", lambda: _trainings(study)))
    return parts


def _later_parts(pub) -> list[_Part]:
    """The sheets of the delayed post-test and, for a programme of several studies, of the studies compared."""

    def lasting():
        measures = [m for m in ("knowledge", "confidence") if f"retention/{m}" in pub]
        if not measures:
            return _("No delayed post-test (a retention test months after the training) is in this study.")
        keys = [k for m in measures for k in (f"retention/{m}", f"retention/{m}/training_id")]
        labels = [
            {"measure": m, "training_id": "All trainings"} if k == f"retention/{m}" else {"measure": m}
            for m in measures
            for k in (f"retention/{m}", f"retention/{m}/training_id")
        ]
        return _concat(pub, keys, labels)

    parts = [
        _Part(
            "Does it last",
            lasting,
            notes=[
                N_(
                    "Gain at the delayed test = mean of (delayed - before), change since the end = mean of (delayed - after), "
                    "paired t intervals; share of the gain retained = gain at the delayed test / gain at the end, with a "
                    "delta-method interval; months since training from the test dates, else study.toml delayed_test_months; "
                    "'Gain at the end, not re-tested' and 're-tested minus not' compare the gain at the end of the people not "
                    "re-tested (Welch interval)."
                )
            ],
        )
    ]
    if pub.programme:
        comp = pub.raw.get("study_comparison")
        notes = [
            p for p in (comp.summary().split("\n") if comp is not None else []) if p.strip() and not pub.names_hidden(p)
        ]
        parts.append(
            _Part(
                "Studies compared",
                lambda: (
                    pub.table("compare_studies")
                    if "compare_studies" in pub
                    else _("The studies could not be compared.")
                ),
                notes=notes,
            )
        )
    return parts


def _planning_parts(study, results) -> list[_Part]:
    """Sheets of te.plan_next: the plans (assumptions under them), the inputs and the options."""
    plan_next = results.function("plan_next")
    gains = results.function("gains")
    notes: list[str] = []
    min_cell = int(study.min_cell)

    def plan():
        n = gains(study).iloc[0]["n"] if len(study.scores) else 0
        if not n >= max(min_cell, 2):
            return _("Fewer than {n} people took both tests: too few to plan from.").format(n=max(min_cell, 2))
        return plan_next(study)

    def table():
        p = plan()
        if isinstance(p, str):
            return p
        notes.extend([*p.assumptions(), *p.notes])
        return p.table

    def inputs():
        p = plan()
        return p if isinstance(p, str) else p.inputs

    def options():
        p = plan()
        return p if isinstance(p, str) else p.options

    return [
        _Part("Planning", table, notes=notes, publish_as_is=True),
        _Part("Planning inputs", inputs, publish_as_is=True),
        _Part("Planning options", options, publish_as_is=True),
    ]


def _comparison_notes(pub) -> list[str]:
    """The comparison's summary in words, without any paragraph that names a training whose group is hidden."""
    comp = pub.raw.get("comparison")
    if comp is None:
        return []
    notes = []
    try:
        paras = [p for p in comp.summary().split("\n") if p.strip()]
    except Exception:  # noqa: BLE001 - the summary is a courtesy
        paras = []
    left_out = 0
    for para in paras:
        if pub.names_hidden(para):
            left_out += 1
            continue
        notes.append(para)
    if left_out:
        notes.append(
            _(
                "Trainings with fewer than {min_cell} people with both tests (or hidden to protect them) are not named."
            ).format(min_cell=pub.min_cell)
        )
    return notes


def _comparison_sheet_notes(pub) -> list[str]:
    """Under the "Trainings compared" sheet: the summary in words, the ICC and what the verdict columns mean."""
    notes = _comparison_notes(pub)
    comp = pub.raw.get("comparison")
    if comp is None:
        return notes
    try:
        icc = comp.icc
        notes.append(
            _("ICC (share of the variation in gains between trainings): {icc} (95% interval {low} to {high}).").format(
                icc=f"{float(icc['icc']):.3f}", low=f"{float(icc['ci_low']):.3f}", high=f"{float(icc['ci_high']):.3f}"
            )
        )
    except Exception:  # the ICC is a courtesy  # noqa: BLE001
        pass
    notes.append(
        _(
            "Verdict: 'above' / 'below' the typical training when the familywise interval of the adjusted "
            "difference (familywise interval low to high) excludes 0, else 'not distinguishable'; the same "
            "verdict as the brief's table, figure and text. Adjusted difference, interval low / high: the "
            "interval of the training on its own. Shrunken gain, interval low / high: FAB interval of the "
            "shrunken gain (covers each training's true gain 95% of the time)."
        )
    )
    return notes


def _trainings(study) -> pd.DataFrame:
    cols = [
        c
        for c in ("training_id", "country", "province", "start_date", "end_date", "language")
        if c in study.trainings.columns
    ]
    return study.trainings[cols].sort_values("training_id").reset_index(drop=True)


def _write_readme(ws, study, written, min_cell: int, rule: str, groupings) -> None:
    from tip_eval.column_titles import TABLE_TITLES
    from tip_eval.disclosure import MARK
    from tip_eval.i18n import current_language, format_date
    from tip_eval.io.write import write_text_sheet

    today = format_date(_dt.date.today(), current_language())
    lines: list = [
        _("{study}: results tables").format(study=study.name),
        "",
        (_("Written"), _("{date}, by tip_eval").format(date=today)),
        (_("Study"), str(study.name)),
        (
            _("People"),
            _("{people} participants in {trainings} trainings").format(
                people=len(study.participants), trainings=len(study.trainings)
            ),
        ),
        (
            _("Small cells"),
            _(
                "No count, percentage or statistic describes fewer than {min_cell} people. "
                "Hidden cells show {mark} and their row shows yes under 'Has hidden cells' "
                "({rule}). One disclosure plan covers this workbook and the brief together: a "
                "hidden count cannot be narrowed to a range of fewer than {min_cell} values "
                "from anything published (checked by linear programming; run 'tip-eval "
                "audit' on the folder to check it yourself). Counts of registered, tested and "
                "dropped-out people are given for the whole study only. Means and shares of "
                "people whose number is hidden are rounded so that they cannot give the "
                "number back; an empty cell is a value that cannot be computed."
            ).format(min_cell=min_cell, mark=MARK, rule=rule),
        ),
        (
            _("Privacy"),
            _(
                "No names, contact details or participant IDs, and no sheet lists individuals: "
                "the data problems and the rows set aside are in problems.xlsx, which is internal "
                "and not for publication."
            ),
        ),
        (_("Text"), _("Every text cell is plain text: nothing in this workbook is a formula.")),
        "",
        _("Sheets"),
        "",
    ]
    for title, text in written:
        lines.append((title, text))
    lines += ["", _("Definitions"), ""]
    lines += [(_(term), _(text)) for term, text in _DEFINITIONS]
    lines += ["", _("Data sources"), ""]
    sources = getattr(study, "sources", None)
    if sources is None or not len(sources):
        lines.append(
            (
                _("Sources"),
                _("No files recorded (the study was built in memory, e.g. the synthetic sample of tip_eval.datasets)."),
            )
        )
    else:
        for _i, s in sources.iterrows():
            where = f"{s.get('file', '')}" + (
                ", " + _("sheet {sheet}").format(sheet=s.get("sheet"))
                if pd.notna(s.get("sheet")) and s.get("sheet") not in ("", None)
                else ""
            )
            counts = ", ".join(
                f"{k.replace('_', ' ')} {int(s[k])}"
                for k in ("rows_read", "rows_kept", "rows_quarantined")
                if k in s and pd.notna(s[k])
            )
            table = str(s.get("table", ""))
            lines.append(
                (
                    TABLE_TITLES.get(table, table),
                    _("{where} ({layout} layout)").format(where=where, layout=s.get("layout", ""))
                    + ("; " + counts if counts else ""),
                )
            )
    write_text_sheet(ws, lines)
