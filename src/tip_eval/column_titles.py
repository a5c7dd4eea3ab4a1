"""Readable titles of result columns: the one place a column code gets the words a reader sees.

:data:`COLUMN_TITLES` maps each result column (``mean_gain``, ``pct_improved`` ...) to its English
title; :data:`SHEET_TITLES` gives the few columns whose meaning depends on the table (the ``n`` of
the reliability table counts the people tested, not pairs). :func:`title` looks a code up,
:func:`code` reads a title back (``tip-eval audit`` reads ``tables.xlsx`` by its headers; a header
that is already a code, as in outputs written before the headers were words, is kept as it is).

Formatted tables (:mod:`tip_eval.tables`) and ``tables.xlsx`` (:mod:`tip_eval.report.workbook`)
both take their headers from here.

>>> from tip_eval import column_titles
>>> column_titles.title("mean_gain"), column_titles.code("Mean gain, points")
('Mean gain, points', 'mean_gain')
>>> column_titles.title("n", sheet="Reliability")
'People who took the test'
"""

from __future__ import annotations

from functools import cache

from tip_eval.i18n import LANGUAGES, N_, gettext, translator

__all__ = ["COLUMN_TITLES", "SHEET_TITLES", "TABLE_TITLES", "code", "title"]

#: result column code -> English title (each title names one column)
COLUMN_TITLES: dict[str, str] = {
    # groupings and labels
    "measure": N_("Measure"),
    "country": N_("Country"),
    "province": N_("Province"),
    "sector": N_("Sector"),
    "training_id": N_("Training"),
    "study": N_("Study"),
    "gender": N_("Gender"),
    "organisation": N_("Organisation"),
    "role": N_("Role"),
    "language": N_("Language"),
    "phase": N_("Test"),
    "method": N_("Method"),
    "kind": N_("Kind"),
    "module": N_("Module"),
    "item_id": N_("Item"),
    "competency_id": N_("Competency ID"),
    "competency": N_("Competency"),
    "code_id": N_("Code ID"),
    "label": N_("Code"),
    "theme": N_("Theme"),
    "level": N_("Level"),
    "applied_practice": N_("Applied practice"),
    "code_a": N_("First code ID"),
    "code_b": N_("Second code ID"),
    "label_a": N_("First code"),
    "label_b": N_("Second code"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    # people counted
    "n": N_("People tested before and after"),
    "n_pre": N_("People tested before"),
    "n_post": N_("People tested after"),
    "n_matched": N_("People with both tests"),
    "n_items": N_("Items"),
    "k": N_("Items in the test"),
    "registered": N_("Registered"),
    "took_pre": N_("Took pre-test"),
    "took_post": N_("Took post-test"),
    "matched": N_("Took both"),
    "matched_pct": N_("% took both"),
    "n_dropouts": N_("Dropped out"),
    "n_registered": N_("People registered"),
    "n_reliably_improved": N_("People who reliably improved"),
    # means and gains
    "pre_mean": N_("Before, mean of everyone tested"),
    "post_mean": N_("After, mean of everyone tested"),
    "pre_sd": N_("Before, SD of everyone tested"),
    "post_sd": N_("After, SD of everyone tested"),
    "pre_mean_matched": N_("Before"),
    "post_mean_matched": N_("After"),
    "mean_gain": N_("Mean gain, points"),
    "sd_gain": N_("SD of gain"),
    "ci_low": N_("95% interval, low"),
    "ci_high": N_("95% interval, high"),
    "confidence": N_("Interval level"),
    "t": N_("t statistic"),
    "df": N_("Degrees of freedom"),
    "p_value": N_("p"),
    "p_adjusted": N_("p (adjusted)"),
    "p_wilcoxon": N_("p (Wilcoxon)"),
    "cohens_dz": N_("Cohen's dz"),
    "hedges_gz": N_("Hedges' gz"),
    "dz_ci_low": N_("Cohen's dz, interval low"),
    "dz_ci_high": N_("Cohen's dz, interval high"),
    "d_av": N_("Cohen's d (average SD)"),
    "normalized_gain": N_("Normalised gain"),
    "mean_normalized_change": N_("Mean normalised change"),
    "pct_improved": N_("% improved"),
    "pct_reliable_improved": N_("% reliably improved"),
    "pct_reliable_declined": N_("% reliably declined"),
    "suppressed": N_("Has hidden cells"),
    # confidence ratings
    "median_pre": N_("Median before"),
    "median_post": N_("Median after"),
    "pct_agree_pre": N_("% agreeing before"),
    "pct_agree_pre_ci_low": N_("% agreeing before, interval low"),
    "pct_agree_pre_ci_high": N_("% agreeing before, interval high"),
    "pct_agree_post": N_("% agreeing after"),
    "pct_agree_post_ci_low": N_("% agreeing after, interval low"),
    "pct_agree_post_ci_high": N_("% agreeing after, interval high"),
    "rank_biserial": N_("Rank-biserial r"),
    "odds_ratio": N_("Odds ratio"),
    "or_ci_low": N_("Odds ratio, interval low"),
    "or_ci_high": N_("Odds ratio, interval high"),
    "p_ordinal": N_("p (ordinal)"),
    # knowledge and confidence together
    "mean_knowledge_change": N_("Knowledge change"),
    "mean_confidence_change": N_("Confidence change"),
    "r_spearman": N_("Spearman r"),
    "p_spearman": N_("p (Spearman)"),
    "spearman_ci_low": N_("Spearman r, interval low"),
    "spearman_ci_high": N_("Spearman r, interval high"),
    "r_pearson": N_("Pearson r"),
    "p_pearson": N_("p (Pearson)"),
    "pearson_ci_low": N_("Pearson r, interval low"),
    "pearson_ci_high": N_("Pearson r, interval high"),
    "n_knowledge_improved": N_("Knowledge improved"),
    "n_more_confident": N_("More confident"),
    "n_overconfident": N_("More confident, no knowledge gain"),
    "pct_overconfident": N_("% more confident, no knowledge gain"),
    # items
    "difficulty_pre": N_("% correct before"),
    "difficulty_post": N_("% correct after"),
    "item_gain": N_("Gain (points)"),
    "discrimination_pre": N_("Discrimination before"),
    "discrimination_post": N_("Discrimination after"),
    "alpha_if_deleted": N_("Alpha if deleted"),
    "share_positive": N_("Share who went from wrong to right"),
    "share_negative": N_("Share who went from right to wrong"),
    "share_retained": N_("Share right both times"),
    "share_none": N_("Share wrong both times"),
    "flag_too_easy": N_("Too easy"),
    "flag_too_hard": N_("Too hard"),
    "flag_low_discrimination": N_("Low discrimination"),
    "flag_negative_discrimination": N_("Negative discrimination"),
    "flag_negative_gain": N_("Fewer right after"),
    "flags": N_("Flags"),
    "too_few_people": N_("Too few people to judge"),
    # reliability
    "estimate": N_("Estimate"),
    "sem": N_("SEM"),
    "sem_pct": N_("SEM (% points)"),
    # trainings and studies compared
    "raw_gain": N_("Raw gain"),
    "raw_ci_low": N_("Raw gain, interval low"),
    "raw_ci_high": N_("Raw gain, interval high"),
    "adjusted_diff": N_("Adjusted difference"),
    "adjusted_ci_low": N_("Adjusted difference, interval low"),
    "adjusted_ci_high": N_("Adjusted difference, interval high"),
    "familywise_ci_low": N_("Adjusted difference, familywise interval low"),
    "familywise_ci_high": N_("Adjusted difference, familywise interval high"),
    "verdict": N_("Verdict"),
    "distinguishable": N_("Differs beyond chance"),
    "shrunken_gain": N_("Shrunken gain"),
    "shrunken_ci_low": N_("Shrunken gain, interval low"),
    "shrunken_ci_high": N_("Shrunken gain, interval high"),
    "shrunken_effect": N_("Shrunken effect"),
    "shrinkage": N_("Shrinkage"),
    "small": N_("Small group"),
    "note": N_("Note"),
    # follow-up interviews
    "n_codes": N_("Codes"),
    "n_interviewed": N_("Interviewed"),
    "n_with_code": N_("With code"),
    "pct_with_code": N_("% with code"),
    "months_since_training": N_("Months since training"),
    "n_interviews": N_("Interviews"),
    "n_a": N_("Interviews with the first code"),
    "n_b": N_("Interviews with the second code"),
    "n_both": N_("Interviews with both codes"),
    "c_coefficient": N_("Contingency coefficient c"),
    "n_double_coded": N_("Double-coded interviews"),
    "n_coders": N_("Coders"),
    "n_either": N_("Decisions"),
    "pct_agreement": N_("% agreement"),
    "cohen_kappa": N_("Cohen's kappa"),
    "krippendorff_alpha": N_("Krippendorff's alpha"),
    "rating": N_("Rating"),
    "n_with": N_("With the code"),
    "n_without": N_("Without the code"),
    "gain_with": N_("Gain with the code"),
    "gain_without": N_("Gain without the code"),
    "diff": N_("Difference"),
    "p_mannwhitney": N_("p (Mann-Whitney)"),
    "pct_reliable_improved_with": N_("% reliably improved, with the code"),
    "pct_no_reliable_change_with": N_("% no reliable change, with the code"),
    "pct_reliable_declined_with": N_("% reliably declined, with the code"),
    "pct_reliable_improved_without": N_("% reliably improved, without the code"),
    "pct_no_reliable_change_without": N_("% no reliable change, without the code"),
    "pct_reliable_declined_without": N_("% reliably declined, without the code"),
    "odds_ratio_per_10": N_("Odds ratio per 10 points"),
    "p_logit": N_("p (logistic)"),
    # attrition
    "pre_mean_completers": N_("Pre-test, completers"),
    "pre_mean_dropouts": N_("Pre-test, drop-outs"),
    "smd": N_("SMD of pre-test"),
    "bias_flag": N_("Drop-out differs"),
    "cc_mean_gain": N_("Gain, complete cases"),
    "cc_ci_low": N_("Gain, complete cases, interval low"),
    "cc_ci_high": N_("Gain, complete cases, interval high"),
    "mi_mean_gain": N_("Gain, imputed"),
    "mi_ci_low": N_("Gain, imputed, interval low"),
    "mi_ci_high": N_("Gain, imputed, interval high"),
    "mi_df": N_("Degrees of freedom, imputed"),
    "n_imputations": N_("Imputations"),
    "conclusion_changes": N_("Conclusion changes"),
    # the delayed post-test
    "n_pre_post": N_("People with both earlier tests"),
    "n_delayed": N_("People with the delayed test"),
    "pct_retested": N_("% re-tested"),
    "delayed_mean": N_("Delayed, mean"),
    "immediate_gain": N_("Gain at the end"),
    "immediate_gain_ci_low": N_("Gain at the end, interval low"),
    "immediate_gain_ci_high": N_("Gain at the end, interval high"),
    "retained_gain": N_("Gain at the delayed test"),
    "retained_gain_ci_low": N_("Gain at the delayed test, interval low"),
    "retained_gain_ci_high": N_("Gain at the delayed test, interval high"),
    "retained_p_value": N_("p, gain at the delayed test"),
    "retained_p_adjusted": N_("p (Holm), gain at the delayed test"),
    "decay": N_("Change since the end"),
    "decay_ci_low": N_("Change since the end, interval low"),
    "decay_ci_high": N_("Change since the end, interval high"),
    "decay_p_value": N_("p, change since the end"),
    "decay_p_adjusted": N_("p (Holm), change since the end"),
    "retention_ratio": N_("Share of the gain retained"),
    "retention_ratio_ci_low": N_("Share retained, interval low"),
    "retention_ratio_ci_high": N_("Share retained, interval high"),
    "n_not_retested": N_("People not re-tested"),
    "gain_not_retested": N_("Gain at the end, not re-tested"),
    "retested_gain_diff": N_("Gain at the end, re-tested minus not"),
    "retested_gain_diff_ci_low": N_("Re-tested minus not, interval low"),
    "retested_gain_diff_ci_high": N_("Re-tested minus not, interval high"),
    # planning
    "plan": N_("Plan"),
    "question": N_("Question"),
    "target": N_("Target"),
    "value": N_("Value"),
    "low": N_("Low"),
    "high": N_("High"),
    "unit": N_("Unit"),
    "people_tested": N_("People tested"),
    "people_to_enrol": N_("People to enrol"),
    "trainings": N_("Trainings"),
    "in_words": N_("In words"),
    "quantity": N_("Quantity"),
    "source": N_("Source"),
    "trainings_low": N_("Trainings, low"),
    "trainings_high": N_("Trainings, high"),
    "per_curriculum": N_("Per curriculum"),
    # cost
    "currency": N_("Currency"),
    "cost_total": N_("Total cost"),
    "cost_years": N_("Years of the costs"),
    "cost_per_trained": N_("Cost per person registered"),
    "cost_per_completer": N_("Cost per person with both tests"),
    "cost_per_reliably_improved": N_("Cost per person who reliably improved"),
    "cost_per_reliably_improved_ci_low": N_("Cost per person who reliably improved, interval low"),
    "cost_per_reliably_improved_ci_high": N_("Cost per person who reliably improved, interval high"),
    "gain_sd": N_("Gain in SDs"),
    "gain_sd_per_100": N_("SDs gained per 100 spent per participant"),
}

#: columns whose meaning depends on the table: sheet of ``tables.xlsx`` -> {code: title}
SHEET_TITLES: dict[str, dict[str, str]] = {
    "Confidence by competency": {
        "n_pre": N_("Rated before"),
        "n_post": N_("Rated after"),
        "n": N_("Rated before and after"),
    },
    "Knowledge vs confidence": {"n": N_("People with both tests and ratings")},
    "Items": {
        "n_pre": N_("Answered before"),
        "n_post": N_("Answered after"),
        "n_matched": N_("Answered before and after"),
    },
    "Reliability": {"n": N_("People who took the test")},
    "Does it last": {
        "n": N_("People with all three tests"),
        "pre_mean": N_("Before, mean of the three-test group"),
        "post_mean": N_("After, mean of the three-test group"),
    },
}

#: the study's tables as the workbook's README names them among its data sources
TABLE_TITLES: dict[str, str] = {
    "trainings": "Trainings",
    "participants": "Participants",
    "items": "Test items",
    "responses": "Test answers",
    "scores": "Test scores",
    "competencies": "Competencies",
    "confidence": "Confidence ratings",
    "interviews": "Interviews",
    "codebook": "Codebook",
    "followup_codes": "Follow-up codes",
    "costs": "Costs",
}


@cache
def _sheet_names() -> dict[str, str]:
    """Every name a sheet of :data:`SHEET_TITLES` has in a workbook, in every language -> its English name."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        t = translator(lang)
        for name in SHEET_TITLES:
            out.setdefault(t.pgettext("sheet", name), name)
            by_sector = f"{name} by sector"  # the sheet of the table by sector (not a message of its own)
            out.setdefault(t.pgettext("sheet", by_sector), name)
    return out


def _sheet_key(sheet: str | None) -> str | None:
    """The English name of the table of ``sheet`` (its name in any language, possibly cut to 31 characters)."""
    if not sheet:
        return None
    names = _sheet_names()
    if sheet in names:
        return names[sheet]
    for name in SHEET_TITLES:  # "Knowledge vs confidence by sector" takes the titles of its table
        if sheet.startswith(name + " by"):
            return name
    if len(sheet) == 31:  # a name the workbook cut to Excel's 31 characters
        for full, name in names.items():
            if full.startswith(sheet):
                return name
    return None


def _sheet_titles(sheet: str | None) -> dict[str, str]:
    key = _sheet_key(sheet)
    return SHEET_TITLES[key] if key else {}


def title(column: str, sheet: str | None = None) -> str:
    """The words a reader sees for result column ``column`` (in the table ``sheet`` when given), in the current language.

    The titles are English messages of the catalogs (:mod:`tip_eval.i18n`), translated when looked up,
    so ``tables.xlsx`` written with ``lang="th"`` has Thai headers. A column without an entry gets its
    code with spaces for underscores, first letter capital.
    """
    own = _sheet_titles(sheet)
    if column in own:
        return gettext(own[column])
    if column in COLUMN_TITLES:
        return gettext(COLUMN_TITLES[column])
    return str(column).replace("_", " ").capitalize()


def _translations(titles: dict[str, str]) -> dict[str, str]:
    """``{title in any language: code}`` of the English ``{code: title}`` ``titles``."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        t = translator(lang)
        for c, text in titles.items():
            out.setdefault(t.gettext(text), c)
    return out


@cache
def _codes(sheet: str | None) -> dict[str, str]:
    out = {}
    for titles in SHEET_TITLES.values():  # a table's own titles, also where its sheet name is not recognised
        out.update(_translations(titles))
    out.update(_translations(COLUMN_TITLES))
    if sheet:
        out.update(_translations(SHEET_TITLES[sheet]))
    return out


def code(header: str, sheet: str | None = None) -> str:
    """The result column a header names, in any language tip_eval writes: the inverse of :func:`title`.

    ``sheet`` is the sheet's name as written (in any language). A code or unknown header is returned unchanged.
    """
    return _codes(_sheet_key(sheet)).get(str(header), str(header))
