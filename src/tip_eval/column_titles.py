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

__all__ = ["COLUMN_TITLES", "SHEET_TITLES", "TABLE_TITLES", "code", "title"]

#: result column code -> English title (each title names one column)
COLUMN_TITLES: dict[str, str] = {
    # groupings and labels
    "measure": "Measure",
    "country": "Country",
    "province": "Province",
    "sector": "Sector",
    "training_id": "Training",
    "study": "Study",
    "gender": "Gender",
    "organisation": "Organisation",
    "role": "Role",
    "language": "Language",
    "phase": "Test",
    "method": "Method",
    "kind": "Kind",
    "module": "Module",
    "item_id": "Item",
    "competency_id": "Competency ID",
    "competency": "Competency",
    "code_id": "Code ID",
    "label": "Code",
    "theme": "Theme",
    "level": "Level",
    "applied_practice": "Applied practice",
    "code_a": "First code ID",
    "code_b": "Second code ID",
    "label_a": "First code",
    "label_b": "Second code",
    "start_date": "Start date",
    "end_date": "End date",
    # people counted
    "n": "People tested before and after",
    "n_pre": "People tested before",
    "n_post": "People tested after",
    "n_matched": "People with both tests",
    "n_items": "Items",
    "k": "Items in the test",
    "registered": "Registered",
    "took_pre": "Took pre-test",
    "took_post": "Took post-test",
    "matched": "Took both",
    "matched_pct": "% took both",
    "n_dropouts": "Dropped out",
    "n_registered": "People registered",
    "n_reliably_improved": "People who reliably improved",
    # means and gains
    "pre_mean": "Before, mean of everyone tested",
    "post_mean": "After, mean of everyone tested",
    "pre_sd": "Before, SD of everyone tested",
    "post_sd": "After, SD of everyone tested",
    "pre_mean_matched": "Before",
    "post_mean_matched": "After",
    "mean_gain": "Mean gain, points",
    "sd_gain": "SD of gain",
    "ci_low": "95% interval, low",
    "ci_high": "95% interval, high",
    "confidence": "Interval level",
    "t": "t statistic",
    "df": "Degrees of freedom",
    "p_value": "p",
    "p_adjusted": "p (adjusted)",
    "p_wilcoxon": "p (Wilcoxon)",
    "cohens_dz": "Cohen's dz",
    "hedges_gz": "Hedges' gz",
    "dz_ci_low": "Cohen's dz, interval low",
    "dz_ci_high": "Cohen's dz, interval high",
    "d_av": "Cohen's d (average SD)",
    "normalized_gain": "Normalised gain",
    "mean_normalized_change": "Mean normalised change",
    "pct_improved": "% improved",
    "pct_reliable_improved": "% reliably improved",
    "pct_reliable_declined": "% reliably declined",
    "suppressed": "Has hidden cells",
    # confidence ratings
    "median_pre": "Median before",
    "median_post": "Median after",
    "pct_agree_pre": "% agreeing before",
    "pct_agree_pre_ci_low": "% agreeing before, interval low",
    "pct_agree_pre_ci_high": "% agreeing before, interval high",
    "pct_agree_post": "% agreeing after",
    "pct_agree_post_ci_low": "% agreeing after, interval low",
    "pct_agree_post_ci_high": "% agreeing after, interval high",
    "rank_biserial": "Rank-biserial r",
    "odds_ratio": "Odds ratio",
    "or_ci_low": "Odds ratio, interval low",
    "or_ci_high": "Odds ratio, interval high",
    "p_ordinal": "p (ordinal)",
    # knowledge and confidence together
    "mean_knowledge_change": "Knowledge change",
    "mean_confidence_change": "Confidence change",
    "r_spearman": "Spearman r",
    "p_spearman": "p (Spearman)",
    "spearman_ci_low": "Spearman r, interval low",
    "spearman_ci_high": "Spearman r, interval high",
    "r_pearson": "Pearson r",
    "p_pearson": "p (Pearson)",
    "pearson_ci_low": "Pearson r, interval low",
    "pearson_ci_high": "Pearson r, interval high",
    "n_knowledge_improved": "Knowledge improved",
    "n_more_confident": "More confident",
    "n_overconfident": "More confident, no knowledge gain",
    "pct_overconfident": "% more confident, no knowledge gain",
    # items
    "difficulty_pre": "% correct before",
    "difficulty_post": "% correct after",
    "item_gain": "Gain (points)",
    "discrimination_pre": "Discrimination before",
    "discrimination_post": "Discrimination after",
    "alpha_if_deleted": "Alpha if deleted",
    "share_positive": "Share who went from wrong to right",
    "share_negative": "Share who went from right to wrong",
    "share_retained": "Share right both times",
    "share_none": "Share wrong both times",
    "flag_too_easy": "Too easy",
    "flag_too_hard": "Too hard",
    "flag_low_discrimination": "Low discrimination",
    "flag_negative_discrimination": "Negative discrimination",
    "flag_negative_gain": "Fewer right after",
    "flags": "Flags",
    "too_few_people": "Too few people to judge",
    # reliability
    "estimate": "Estimate",
    "sem": "SEM",
    "sem_pct": "SEM (% points)",
    # trainings and studies compared
    "raw_gain": "Raw gain",
    "raw_ci_low": "Raw gain, interval low",
    "raw_ci_high": "Raw gain, interval high",
    "adjusted_diff": "Adjusted difference",
    "adjusted_ci_low": "Adjusted difference, interval low",
    "adjusted_ci_high": "Adjusted difference, interval high",
    "familywise_ci_low": "Adjusted difference, familywise interval low",
    "familywise_ci_high": "Adjusted difference, familywise interval high",
    "verdict": "Verdict",
    "distinguishable": "Differs beyond chance",
    "shrunken_gain": "Shrunken gain",
    "shrunken_ci_low": "Shrunken gain, interval low",
    "shrunken_ci_high": "Shrunken gain, interval high",
    "shrunken_effect": "Shrunken effect",
    "shrinkage": "Shrinkage",
    "small": "Small group",
    "note": "Note",
    # follow-up interviews
    "n_codes": "Codes",
    "n_interviewed": "Interviewed",
    "n_with_code": "With code",
    "pct_with_code": "% with code",
    "months_since_training": "Months since training",
    "n_interviews": "Interviews",
    "n_a": "Interviews with the first code",
    "n_b": "Interviews with the second code",
    "n_both": "Interviews with both codes",
    "c_coefficient": "Contingency coefficient c",
    "n_double_coded": "Double-coded interviews",
    "n_coders": "Coders",
    "n_either": "Decisions",
    "pct_agreement": "% agreement",
    "cohen_kappa": "Cohen's kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "rating": "Rating",
    "n_with": "With the code",
    "n_without": "Without the code",
    "gain_with": "Gain with the code",
    "gain_without": "Gain without the code",
    "diff": "Difference",
    "p_mannwhitney": "p (Mann-Whitney)",
    "pct_reliable_improved_with": "% reliably improved, with the code",
    "pct_no_reliable_change_with": "% no reliable change, with the code",
    "pct_reliable_declined_with": "% reliably declined, with the code",
    "pct_reliable_improved_without": "% reliably improved, without the code",
    "pct_no_reliable_change_without": "% no reliable change, without the code",
    "pct_reliable_declined_without": "% reliably declined, without the code",
    "odds_ratio_per_10": "Odds ratio per 10 points",
    "p_logit": "p (logistic)",
    # attrition
    "pre_mean_completers": "Pre-test, completers",
    "pre_mean_dropouts": "Pre-test, drop-outs",
    "smd": "SMD of pre-test",
    "bias_flag": "Drop-out differs",
    "cc_mean_gain": "Gain, complete cases",
    "cc_ci_low": "Gain, complete cases, interval low",
    "cc_ci_high": "Gain, complete cases, interval high",
    "mi_mean_gain": "Gain, imputed",
    "mi_ci_low": "Gain, imputed, interval low",
    "mi_ci_high": "Gain, imputed, interval high",
    "mi_df": "Degrees of freedom, imputed",
    "n_imputations": "Imputations",
    "conclusion_changes": "Conclusion changes",
    # the delayed post-test
    "n_pre_post": "People with both earlier tests",
    "n_delayed": "People with the delayed test",
    "pct_retested": "% re-tested",
    "delayed_mean": "Delayed, mean",
    "immediate_gain": "Gain at the end",
    "immediate_gain_ci_low": "Gain at the end, interval low",
    "immediate_gain_ci_high": "Gain at the end, interval high",
    "retained_gain": "Gain at the delayed test",
    "retained_gain_ci_low": "Gain at the delayed test, interval low",
    "retained_gain_ci_high": "Gain at the delayed test, interval high",
    "retained_p_value": "p, gain at the delayed test",
    "retained_p_adjusted": "p (Holm), gain at the delayed test",
    "decay": "Change since the end",
    "decay_ci_low": "Change since the end, interval low",
    "decay_ci_high": "Change since the end, interval high",
    "decay_p_value": "p, change since the end",
    "decay_p_adjusted": "p (Holm), change since the end",
    "retention_ratio": "Share of the gain retained",
    "retention_ratio_ci_low": "Share retained, interval low",
    "retention_ratio_ci_high": "Share retained, interval high",
    "n_not_retested": "People not re-tested",
    "gain_not_retested": "Gain at the end, not re-tested",
    "retested_gain_diff": "Gain at the end, re-tested minus not",
    "retested_gain_diff_ci_low": "Re-tested minus not, interval low",
    "retested_gain_diff_ci_high": "Re-tested minus not, interval high",
    # planning
    "plan": "Plan",
    "question": "Question",
    "target": "Target",
    "value": "Value",
    "low": "Low",
    "high": "High",
    "unit": "Unit",
    "people_tested": "People tested",
    "people_to_enrol": "People to enrol",
    "trainings": "Trainings",
    "in_words": "In words",
    "quantity": "Quantity",
    "source": "Source",
    "trainings_low": "Trainings, low",
    "trainings_high": "Trainings, high",
    "per_curriculum": "Per curriculum",
    # cost
    "currency": "Currency",
    "cost_total": "Total cost",
    "cost_years": "Years of the costs",
    "cost_per_trained": "Cost per person registered",
    "cost_per_completer": "Cost per person with both tests",
    "cost_per_reliably_improved": "Cost per person who reliably improved",
    "cost_per_reliably_improved_ci_low": "Cost per person who reliably improved, interval low",
    "cost_per_reliably_improved_ci_high": "Cost per person who reliably improved, interval high",
    "gain_sd": "Gain in SDs",
    "gain_sd_per_100": "SDs gained per 100 spent per participant",
}

#: columns whose meaning depends on the table: sheet of ``tables.xlsx`` -> {code: title}
SHEET_TITLES: dict[str, dict[str, str]] = {
    "Confidence by competency": {"n_pre": "Rated before", "n_post": "Rated after", "n": "Rated before and after"},
    "Knowledge vs confidence": {"n": "People with both tests and ratings"},
    "Items": {"n_pre": "Answered before", "n_post": "Answered after", "n_matched": "Answered before and after"},
    "Reliability": {"n": "People who took the test"},
    "Does it last": {
        "n": "People with all three tests",
        "pre_mean": "Before, mean of the three-test group",
        "post_mean": "After, mean of the three-test group",
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


def _sheet_titles(sheet: str | None) -> dict[str, str]:
    if not sheet:
        return {}
    for name, titles in SHEET_TITLES.items():  # "Knowledge vs confidence by sector" takes the titles of its table
        if sheet == name or sheet.startswith(name + " by"):
            return titles
    return {}


def title(column: str, sheet: str | None = None) -> str:
    """The words a reader sees for result column ``column`` (in the table ``sheet`` when given).

    A column without an entry gets its code with spaces for underscores, first letter capital.
    """
    own = _sheet_titles(sheet)
    if column in own:
        return own[column]
    return COLUMN_TITLES.get(column, str(column).replace("_", " ").capitalize())


@cache
def _codes(sheet: str | None) -> dict[str, str]:
    out = {t: c for c, t in COLUMN_TITLES.items()}
    out.update({t: c for c, t in _sheet_titles(sheet).items()})
    return out


def code(header: str, sheet: str | None = None) -> str:
    """The result column a header names: the inverse of :func:`title`; a code or unknown header unchanged."""
    return _codes(sheet).get(str(header), str(header))
