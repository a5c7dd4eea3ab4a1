"""Pure statistics on arrays and frames: gains, reliability, agreement, multiple testing, power.

Everything here works on plain numbers (numpy arrays, pandas Series/DataFrames) and knows nothing
of studies, files or presentation. Each function's docstring states its formula, its
missing-data policy and its reference; the tests check each against published values or R.

``import tip_eval.stats`` loads numpy, pandas and scipy; statsmodels is only imported inside the
functions that need it.
"""

from __future__ import annotations

from .agreement import agreement_label, cohen_kappa, krippendorff_alpha, percent_agreement
from .cluster import cluster_mean_se, cluster_robust_cov
from .effects import dz_confidence_interval, hedges_correction, noncentrality_interval
from .fab import fab_interval, fab_intervals, loo_prior, reml_between_variance
from .items import (
    DISAGGREGATION_COLUMNS,
    alpha_if_item_deleted,
    item_difficulty,
    item_rest_correlation,
    learning_disaggregation,
)
from .models import (
    AncovaFit,
    MixedFit,
    ancova_effects,
    group_f_test,
    icc_f_interval,
    intraclass_correlation,
    random_intercept_effects,
    sum_coding,
)
from .multitest import p_adjust
from .ordinal import cumulative_logit, phase_odds_ratio, rank_biserial_paired, wilson_interval
from .paired import GAIN_COLUMNS, paired_gain, paired_gain_grouped
from .power import (
    cluster_mdes,
    cluster_power,
    cluster_sample_size,
    design_effect,
    minimum_detectable_effect,
    paired_power,
    paired_sample_size,
    t_test_power,
)
from .reliability import (
    alpha_if_deleted,
    cronbach_alpha,
    kr20,
    reliability,
    reliable_change,
    sem,
)
from .signed_rank import signed_rank_grouped, signed_rank_test
from .verdict import loo_median, median_contrasts

__all__ = [
    "AncovaFit",
    "DISAGGREGATION_COLUMNS",
    "GAIN_COLUMNS",
    "MixedFit",
    "alpha_if_item_deleted",
    "ancova_effects",
    "group_f_test",
    "icc_f_interval",
    "intraclass_correlation",
    "item_difficulty",
    "item_rest_correlation",
    "learning_disaggregation",
    "random_intercept_effects",
    "sum_coding",
    "agreement_label",
    "cluster_mean_se",
    "cluster_robust_cov",
    "cluster_mdes",
    "cluster_power",
    "cluster_sample_size",
    "design_effect",
    "minimum_detectable_effect",
    "paired_power",
    "paired_sample_size",
    "t_test_power",
    "alpha_if_deleted",
    "cohen_kappa",
    "cronbach_alpha",
    "dz_confidence_interval",
    "hedges_correction",
    "kr20",
    "krippendorff_alpha",
    "noncentrality_interval",
    "p_adjust",
    "paired_gain",
    "paired_gain_grouped",
    "percent_agreement",
    "rank_biserial_paired",
    "reliability",
    "reliable_change",
    "sem",
    "signed_rank_grouped",
    "signed_rank_test",
    "wilson_interval",
    "cumulative_logit",
    "fab_interval",
    "fab_intervals",
    "loo_median",
    "loo_prior",
    "median_contrasts",
    "phase_odds_ratio",
    "reml_between_variance",
]
