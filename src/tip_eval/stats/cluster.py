"""Cluster-robust standard errors: people of one cluster (a training) are not independent.

People trained together share a trainer, a venue and a group: their results are more alike than
those of people from different trainings. When groups of trainings are compared (the studies of a
programme), a standard error that treats every person as independent is too small. The
cluster-robust ("sandwich") covariance allows any correlation within a cluster:

.. math::

    \\hat V = c\\,(X'X)^{-1} \\Big(\\sum_g X_g' e_g e_g' X_g\\Big) (X'X)^{-1},
    \\qquad c = \\frac{G}{G-1}\\,\\frac{N-1}{N-K}

(CR1, the small-sample factor of Stata and of R's ``sandwich::vcovCL(fit, cluster = ~training)``
with its defaults ``type = "HC1", cadjust = TRUE``), and intervals use the t distribution on
:math:`G - 1` degrees of freedom (Cameron & Miller 2015, section VI). A quantity that only one
cluster informs (a group with a single training) has no cluster-robust variance: it is NaN here.

References
----------
Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
Journal of Human Resources, 50, 317-372. Zeileis, A., Köll, S. & Graham, N. (2020). Various
versatile variances: an object-oriented implementation of clustered covariances in R. Journal of
Statistical Software, 95(1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["cluster_mean_se", "cluster_robust_cov"]


def cluster_robust_cov(exog: Any, resid: Any, clusters: Any) -> tuple[np.ndarray, int]:
    """The CR1 cluster-robust covariance of least-squares coefficients, and the number of clusters.

    Parameters
    ----------
    exog : array-like, N x K
        The design matrix of the fit (full column rank).
    resid : array-like, length N
        Its residuals.
    clusters : array-like, length N
        The cluster of each row (e.g. the training).

    Returns
    -------
    (numpy.ndarray, int)
        The K x K covariance (see the module docstring) and G, the number of clusters. With fewer
        than two clusters the covariance is all NaN.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.column_stack([np.ones(6), [1., 2, 3, 4, 5, 6]])
    >>> e = np.array([.5, -.2, .1, -.4, .3, -.3])
    >>> v, g = cluster_robust_cov(x, e, ["a", "a", "b", "b", "c", "c"])
    >>> g, v.shape
    (3, (2, 2))
    """
    x = np.asarray(exog, dtype=np.float64)
    e = np.asarray(resid, dtype=np.float64).ravel()
    codes, uniques = pd.factorize(pd.Series(np.asarray(clusters, dtype=object)), use_na_sentinel=False)
    n, k = x.shape
    g = len(uniques)
    if g < 2:
        return np.full((k, k), np.nan), g
    scores = np.zeros((g, k))
    np.add.at(scores, codes, x * e[:, None])
    bread = np.linalg.inv(x.T @ x)
    meat = scores.T @ scores
    c = g / (g - 1.0) * (n - 1.0) / (n - k)
    return c * bread @ meat @ bread, g


def cluster_mean_se(values: Any, clusters: Any) -> tuple[float, float, int]:
    """A mean, its cluster-robust standard error and the number of clusters.

    The mean is the least-squares fit of ``values ~ 1``; its CR1 variance (see
    :func:`cluster_robust_cov`) is :math:`\\frac{G}{G-1}\\sum_g (\\sum_{i \\in g}(y_i - \\bar y))^2 / N^2`.
    With one cluster the standard error is NaN (the clusters' variation cannot be estimated).
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    if y.size == 0:
        return float("nan"), float("nan"), 0
    v, g = cluster_robust_cov(np.ones((y.size, 1)), y - y.mean(), clusters)
    return float(y.mean()), float(np.sqrt(v[0, 0])) if g >= 2 else float("nan"), g
