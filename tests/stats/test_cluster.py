"""Cluster-robust standard errors (trainings as clusters) against R's sandwich::vcovCL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from numpy.testing import assert_allclose

from tip_eval.stats.cluster import cluster_mean_se, cluster_robust_cov
from tip_eval.stats.models import sum_coding

# three studies of 3, 3 and 2 trainings of 4 people (numbers typed in; R reads the same table)
STUDY = ["S1"] * 12 + ["S2"] * 12 + ["S3"] * 8
TRAINING = [f"S{s}T{t}" for s, n in ((1, 3), (2, 3), (3, 2)) for t in range(1, n + 1) for _ in range(4)]
PRE = [
    58.0,
    46.1,
    45.1,
    68.4,
    59.9,
    56.1,
    54.7,
    41.6,
    42.1,
    52.6,
    57.7,
    53.1,
    54.5,
    39.7,
    45.2,
    65.6,
    63.8,
    53.9,
    55.6,
    55.8,
    63.6,
    48.6,
    62.6,
    55.7,
    61.8,
    61.7,
    48.2,
    50.4,
    49.2,
    64.0,
    41.8,
    61.5,
]
POST = [
    67.8,
    54.5,
    57.6,
    76.5,
    71.7,
    57.6,
    69.2,
    46.8,
    29.9,
    45.0,
    61.4,
    35.5,
    66.7,
    47.2,
    50.0,
    70.4,
    73.0,
    68.6,
    59.6,
    80.5,
    70.8,
    70.9,
    59.3,
    66.6,
    76.3,
    88.3,
    64.9,
    66.5,
    57.7,
    83.2,
    45.5,
    55.6,
]

# R 4.2.2, sandwich 3.0.2:
#   d <- data.frame(study, training, pre, post); d$study <- factor(d$study); contrasts(d$study) <- contr.sum(3)
#   fit <- lm(post ~ pre + study, data = d); v <- vcovCL(fit, cluster = ~training)   # type "HC1", cadjust TRUE
#   print(coef(fit), digits = 15); print(v, digits = 15)
R_COEF = [2.99910480981407, 1.10124737057393, -5.18515308170356, 1.31014498323322]
R_VCOV = [
    [101.98437399356635, -1.6481154705556413, 17.08889685598464, -12.013891259145042],
    [-1.64811547055561, 0.0280975548615075, -0.25454262774089, 0.128715285464105],
    [17.08889685598461, -0.2545426277408893, 14.27563017664491, -3.629006377714715],
    [-12.01389125914502, 0.1287152854641049, -3.62900637771471, 6.229147257687183],
]
#   g <- d$post - d$pre; m <- lm(g ~ 1, subset = study == "S1", data = d); sqrt(vcovCL(m, cluster = ~training))
R_S1_GAIN_SE = 5.81508455083272


def test_cluster_robust_covariance_matches_sandwich_vcovcl():
    codes = pd.Index(["S1", "S2", "S3"]).get_indexer(STUDY)
    x = np.column_stack([np.ones(len(PRE)), PRE, sum_coding(["S1", "S2", "S3"])[codes]])
    fit = sm.OLS(np.asarray(POST), x).fit()
    assert_allclose(fit.params, R_COEF, rtol=1e-12)
    v, g = cluster_robust_cov(x, fit.resid, TRAINING)
    assert g == 8
    assert_allclose(v, R_VCOV, rtol=1e-10)


def test_cluster_mean_se_matches_sandwich_vcovcl():
    gain = np.asarray(POST[:12]) - np.asarray(PRE[:12])
    mean, se, g = cluster_mean_se(gain, TRAINING[:12])
    assert g == 3
    assert_allclose(mean, gain.mean(), rtol=1e-14)
    assert_allclose(se, R_S1_GAIN_SE, rtol=1e-10)
    # one cluster: no cluster-robust standard error
    assert np.isnan(cluster_mean_se(gain[:4], TRAINING[:4])[1])
