"""KR-20, Cronbach's alpha with Feldt's interval, SEM, alpha-if-deleted and reliable change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from stats_references import MTCARS_ALPHA, MTCARS_CARB, MTCARS_CYL, MTCARS_GEAR, MTCARS_HP

from tip_eval.stats import (
    alpha_if_deleted,
    cronbach_alpha,
    kr20,
    reliability,
    reliable_change,
    sem,
)

pytestmark = pytest.mark.filterwarnings("error")

MTCARS = pd.DataFrame({"cyl": MTCARS_CYL, "gear": MTCARS_GEAR, "carb": MTCARS_CARB, "hp": MTCARS_HP})

# a hand-worked KR-20 example: 6 people x 4 items (1 = right)
KR_ITEMS = np.array(
    [
        [1, 1, 1, 1],  # total 4
        [1, 1, 1, 0],  # 3
        [1, 1, 0, 0],  # 2
        [1, 0, 1, 0],  # 2
        [0, 1, 0, 0],  # 1
        [0, 0, 0, 0],  # 0
    ]
)


def test_cronbach_alpha_matches_r_performance_on_mtcars():
    # R, performance: cronbachs_alpha(mtcars[, c("cyl", "gear", "carb", "hp")]) = 0.09463206
    res = cronbach_alpha(MTCARS)
    assert_allclose(res["alpha"], MTCARS_ALPHA, atol=5e-9)
    assert (res["n"], res["k"]) == (32, 4)
    assert list(res.index) == ["alpha", "ci_low", "ci_high", "confidence", "n", "k", "sem"]


def test_feldt_interval_and_sem_by_formula():
    res = cronbach_alpha(MTCARS, confidence=0.90)
    alpha = res["alpha"]
    # Feldt (1965): 1 - (1 - alpha) F_{1-g/2}(n-1, (n-1)(k-1)), 1 - (1 - alpha) F_{g/2}(...)
    df1, df2 = 31, 31 * 3
    assert_allclose(res["ci_low"], 1 - (1 - alpha) * stats.f.ppf(0.95, df1, df2), rtol=1e-12)
    assert_allclose(res["ci_high"], 1 - (1 - alpha) * stats.f.ppf(0.05, df1, df2), rtol=1e-12)
    assert res["confidence"] == 0.90
    # SEM = sd(total) * sqrt(1 - alpha)
    total = MTCARS.sum(axis=1)
    assert_allclose(res["sem"], total.std(ddof=1) * np.sqrt(1 - alpha), rtol=1e-12)


def test_feldt_interval_equals_pingouin():
    pg = pytest.importorskip("pingouin")
    alpha, ci = pg.cronbach_alpha(data=MTCARS)
    res = cronbach_alpha(MTCARS)
    assert_allclose(res["alpha"], alpha, rtol=1e-12)
    # pingouin rounds its interval to 3 decimals
    assert_allclose([res["ci_low"], res["ci_high"]], ci, atol=5e-4)


def test_kr20_by_hand():
    # p = 4/6, 4/6, 3/6, 1/6; sum p q = 8/36 + 8/36 + 9/36 + 5/36 = 5/6
    # totals 4, 3, 2, 2, 1, 0: mean 2, sum of squared deviations 10, variance (over N) 10/6
    # KR-20 = 4/3 * (1 - (5/6) / (10/6)) = 4/3 * 1/2 = 2/3
    assert_allclose(kr20(KR_ITEMS), 2 / 3, rtol=1e-14)
    # (mixing denominators, p q with the variance over N - 1 = 2, would give 4/3 * 7/12 = 7/9)


def test_kr20_equals_alpha_on_binary_items():
    rng = np.random.default_rng(3)
    ability = rng.normal(size=200)
    items = (ability[:, None] + rng.normal(size=(200, 12)) > rng.normal(size=12)).astype(int)
    assert_allclose(kr20(items), cronbach_alpha(items)["alpha"], rtol=1e-12)
    res = reliability(items)
    assert res["method"] == "kr20"
    assert_allclose(res["reliability"], kr20(items), rtol=1e-15)
    assert list(res.index) == ["method", "reliability", "ci_low", "ci_high", "confidence", "n", "k", "sem"]
    assert reliability(MTCARS)["method"] == "cronbach_alpha"


def test_listwise_deletion():
    with_missing = MTCARS.copy()
    with_missing.loc[32] = [np.nan, 4, 2, 100]
    res = cronbach_alpha(with_missing)
    assert res["n"] == 32
    assert_allclose(res["alpha"], MTCARS_ALPHA, atol=5e-9)
    items = pd.DataFrame(KR_ITEMS).astype(float)
    items.loc[6] = [1, np.nan, 0, 0]
    assert_allclose(kr20(items), 2 / 3, rtol=1e-14)


def test_alpha_if_deleted():
    res = alpha_if_deleted(MTCARS)
    assert list(res.index) == ["cyl", "gear", "carb", "hp"]
    for item in MTCARS.columns:
        rest = MTCARS.drop(columns=item)
        assert_allclose(res[item], cronbach_alpha(rest)["alpha"], rtol=1e-14)
    two = alpha_if_deleted(MTCARS[["cyl", "gear"]])
    assert two.isna().all()


def test_reliability_edge_cases_are_nan():
    assert np.isnan(kr20(KR_ITEMS[:, :1]))  # one item
    assert np.isnan(kr20(KR_ITEMS[:1]))  # one person
    assert np.isnan(kr20(np.ones((5, 3))))  # nobody differs
    assert cronbach_alpha(np.ones((5, 3))).drop(["confidence", "n", "k"]).isna().all()
    assert np.isnan(cronbach_alpha(np.full((4, 3), np.nan))["alpha"])
    with pytest.raises(ValueError, match="0/1"):
        kr20(MTCARS)
    with pytest.raises(ValueError, match="two-dimensional"):
        cronbach_alpha([1, 2, 3])


def test_sem():
    # SEM = 10 * sqrt(1 - 0.91) = 3
    assert_allclose(sem(10, 0.91), 3.0, rtol=1e-14)
    assert_allclose(sem([10, 4], [0.91, 0.75]), [3.0, 2.0], rtol=1e-14)
    assert np.isnan(sem(10, 1.2)) and np.isnan(sem(10, np.nan)) and np.isnan(sem(10, -0.1))


def test_reliable_change_by_hand():
    # sd(pre) = sqrt(10), r = 0.8: SEM = sqrt(2), S_diff = sqrt(2) * SEM = 2, RCI = D / 2
    pre = pd.Series([10, 12, 14, 16, 18, 11], index=list("abcdef"))
    post = pd.Series([15, 12, 13, 20, 13, np.nan], index=list("abcdef"))
    res = reliable_change(pre.iloc[:5], post.iloc[:5], 0.8)
    assert list(res.columns) == ["diff", "rci", "category"]
    assert list(res.index) == list("abcde")
    assert_allclose(res["diff"], [5, 0, -1, 4, -5], rtol=1e-15)
    assert_allclose(res["rci"], [2.5, 0, -0.5, 2.0, -2.5], rtol=1e-14)
    assert res["category"].tolist() == ["improved", "no reliable change", "no reliable change", "improved", "declined"]
    assert res["category"].cat.ordered
    # person f has no post score: NaN, and a given reference sd replaces sd(pre)
    full = reliable_change(pre, post, 0.8, sd_pre=np.sqrt(10))
    assert_allclose(full["rci"].iloc[:5], res["rci"], rtol=1e-14)
    assert np.isnan(full.loc["f", "rci"]) and pd.isna(full.loc["f", "category"])


def test_reliable_change_undefined_without_error():
    res = reliable_change([1, 2, 3], [2, 3, 4], 1.0)  # perfect reliability: S_diff = 0
    assert res["rci"].isna().all() and res["category"].isna().all()
    res = reliable_change([5, 5, 5], [6, 6, 6], 0.8)  # no spread in pre
    assert res["rci"].isna().all()
    with pytest.raises(ValueError, match="`reliability`"):
        reliable_change([1, 2], [2, 3], "high")
