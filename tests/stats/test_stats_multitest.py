"""p_adjust against R's p.adjust and statsmodels' multipletests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from tip_eval.stats import p_adjust

pytestmark = pytest.mark.filterwarnings("error")

P5 = [0.01, 0.02, 0.03, 0.04, 0.05]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm")
        # by hand: sorted p times 5, 4, 3, 2, 1 = .05 .08 .09 .08 .05, running max -> .05 .08 .09 .09 .09
        ("holm", [0.05, 0.08, 0.09, 0.09, 0.09]),
        # R: p.adjust(..., "bonferroni"): 5p
        ("bonferroni", [0.05, 0.10, 0.15, 0.20, 0.25]),
        # R: p.adjust(..., "hochberg"): from the largest, (m - i + 1) p = .05 .08 .09 .08 .05,
        # running min from the top -> all .05
        ("hochberg", [0.05, 0.05, 0.05, 0.05, 0.05]),
        # R: p.adjust(..., "BH"): m p_(i) / i = .05 for every i
        ("BH", [0.05, 0.05, 0.05, 0.05, 0.05]),
        ("fdr_bh", [0.05, 0.05, 0.05, 0.05, 0.05]),
        # R: p.adjust(..., "BY"): BH times q = 1 + 1/2 + 1/3 + 1/4 + 1/5 = 2.283333 -> 0.1141667
        ("BY", [0.1141667] * 5),
        ("none", P5),
    ],
)
def test_matches_r_p_adjust(method, expected):
    assert_allclose(p_adjust(P5, method), expected, atol=5e-8)


def test_default_is_holm_not_holm_sidak():
    assert_allclose(p_adjust(P5), [0.05, 0.08, 0.09, 0.09, 0.09], atol=1e-15)


def test_nan_stays_nan_and_is_not_counted():
    # R: p.adjust(c(0.01, NA, 0.04, 0.03), "holm") -> 0.03 NA 0.06 0.06 (m = 3 non-missing)
    res = p_adjust([0.01, np.nan, 0.04, 0.03], "holm")
    assert_allclose(res, [0.03, np.nan, 0.06, 0.06], atol=1e-15)
    assert np.isnan(p_adjust([np.nan, np.nan])).all()
    assert p_adjust([]).size == 0


def test_series_in_series_out():
    p = pd.Series([0.04, 0.01], index=["KHM", "THA"], name="p_value")
    res = p_adjust(p, "bonferroni")
    assert isinstance(res, pd.Series) and list(res.index) == ["KHM", "THA"]
    assert_allclose(res.to_numpy(), [0.08, 0.02], rtol=1e-15)


@pytest.mark.parametrize(
    ("ours", "statsmodels_name"),
    [
        ("holm", "holm"),
        ("bonferroni", "bonferroni"),
        ("hochberg", "simes-hochberg"),
        ("BH", "fdr_bh"),
        ("BY", "fdr_by"),
    ],  # fmt: skip
)
def test_equals_statsmodels(ours, statsmodels_name):
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(4)
    p = np.concatenate([rng.uniform(size=30), rng.uniform(0, 0.01, 10), [0.02, 0.02, 1.0]])
    expected = multitest.multipletests(p, method=statsmodels_name)[1]
    assert_allclose(p_adjust(p, ours), expected, rtol=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`method`"):
        p_adjust(P5, "holm-sidak")
    with pytest.raises(ValueError, match="between 0 and 1"):
        p_adjust([0.5, 1.5])
