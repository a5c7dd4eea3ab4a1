"""Power and sample size (tip_eval.stats.power) against G*Power, R pwr and PowerUpR.

The R values come from tests/stats/r/power_references.R (pwr 1.3.0, PowerUpR 1.1.0); each is
asserted at the precision R printed (12 significant digits), the call beside it.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from tip_eval import stats
from tip_eval.stats import power as pw

# R prints 12 significant digits
R_RTOL = 5e-12


# --- G*Power 3.1: t tests, Means: Difference from constant (matched pairs), a priori ---------
# (effect size dz, power, alpha 0.05, two tails) -> total sample size
@pytest.mark.parametrize(("dz", "power", "n"), [(0.5, 0.80, 34), (0.3, 0.80, 90), (0.5, 0.95, 54)])
def test_paired_sample_size_matches_gpower(dz, power, n):
    assert pw.paired_sample_size(dz, power=power) == n


def test_paired_sample_size_is_the_smallest_n_reaching_the_power():
    # R: pwr.t.test(d, power, type = "paired")$n solved to 1e-12 (power_references.R), rounded up
    cases = [
        ((0.5, 0.80, 0.05, True), 33.3671289533),
        ((0.3, 0.80, 0.05, True), 89.1493643536),
        ((0.5, 0.95, 0.05, True), 53.940614297),
        ((0.5, 0.80, 0.05, False), 26.137503806),  # alternative = "greater"
        ((1.2, 0.90, 0.01, True), 13.7812483758),
    ]
    for (dz, power, alpha, two_sided), n_real in cases:
        n = pw.paired_sample_size(dz, power, alpha, two_sided)
        assert n == int(np.ceil(n_real))
        assert pw.paired_power(n, dz, alpha, two_sided) >= power > pw.paired_power(n - 1, dz, alpha, two_sided)
        # the continuous solution has exactly the wanted power
        assert_allclose(pw.paired_power(n_real, dz, alpha, two_sided), power, rtol=1e-9)


def test_paired_power_matches_pwr():
    # R: pwr.t.test(n = 34, d = 0.5, type = "paired")$power -> 0.807777501279
    assert_allclose(pw.paired_power(34, 0.5), 0.807777501279, rtol=R_RTOL)
    # R: pwr.t.test(n = 20, d = 0.4, type = "paired")$power -> 0.39699382561
    assert_allclose(pw.paired_power(20, 0.4), 0.39699382561, rtol=R_RTOL)
    # R: pwr.t.test(n = 12, d = -0.8, type = "paired")$power -> 0.7136600656 (two-sided: |d|)
    assert_allclose(pw.paired_power(12, -0.8), 0.7136600656, rtol=R_RTOL)
    # R: pwr.t.test(n = 50, d = 0.3, sig.level = 0.01, type = "paired", alternative = "greater")$power
    # -> 0.396084301993
    assert_allclose(pw.paired_power(50, 0.3, alpha=0.01, two_sided=False), 0.396084301993, rtol=R_RTOL)


def test_paired_power_far_in_the_tail_is_one_not_nan():
    # statsmodels' ttest_power returns NaN here (scipy's nctdtr fails for the lower region)
    assert pw.paired_power(191, 1.0) == pytest.approx(1.0, abs=1e-15)
    assert pw.paired_power(191, 0.0) == pytest.approx(0.05, rel=1e-12)  # no effect: power = alpha


def test_paired_power_equals_statsmodels_where_it_is_defined():
    from statsmodels.stats.power import TTestPower

    for n, dz, alpha, alt in [(34, 0.5, 0.05, "two-sided"), (9, 1.1, 0.1, "larger"), (300, 0.12, 0.01, "two-sided")]:
        expected = TTestPower().power(effect_size=dz, nobs=n, alpha=alpha, alternative=alt)
        assert_allclose(pw.paired_power(n, dz, alpha, alt == "two-sided"), expected, rtol=1e-13)


def test_minimum_detectable_effect_matches_pwr():
    # R: uniroot(function(d) pwr.t.test(n = 34, d = d, type = "paired")$power - 0.8, ..., tol = 1e-12)
    assert_allclose(pw.minimum_detectable_effect(34), 0.495028097973, rtol=R_RTOL)
    # same, n = 191 (the sample study's matched pairs) -> 0.203747161834
    assert_allclose(pw.minimum_detectable_effect(191), 0.203747161834, rtol=R_RTOL)
    # same, n = 15, power 0.9, sig.level 0.10, alternative = "greater" -> 0.682452264301
    assert_allclose(pw.minimum_detectable_effect(15, 0.9, 0.10, two_sided=False), 0.682452264301, rtol=R_RTOL)
    # in points: d_z times the sd of the gains
    assert_allclose(pw.minimum_detectable_effect(34, sd=11.5), 0.495028097973 * 11.5, rtol=R_RTOL)


def test_sample_size_and_detectable_effect_are_inverse():
    n = pw.paired_sample_size(0.4)
    assert pw.minimum_detectable_effect(n) <= 0.4 < pw.minimum_detectable_effect(n - 1)


def test_design_effect_kish():
    # Kish (1965): deff = 1 + (m - 1) rho; 25 people per training, ICC 0.1 -> 3.4
    assert_allclose(pw.design_effect(25, 0.1), 3.4, rtol=1e-15)
    assert pw.design_effect(1, 0.7) == 1.0  # one person per cluster: no clustering
    assert pw.design_effect(40, 0.0) == 1.0
    assert_allclose(pw.design_effect(np.array([10, 30]), 0.05), [1.45, 2.45], rtol=1e-15)


# --- PowerUp! two-level cluster-randomised design (R PowerUpR 1.1.0) -----------------------------
@pytest.mark.parametrize(("kwargs", "expected"), [
    # mdes.cra2(rho2 = .17, n = 15, J = 20) -> 0.629006417691 (PowerUpR's own cross-check example)
    ({"n_clusters": 20, "cluster_size": 15, "icc": 0.17}, 0.629006417691),
    # mdes.cra2(rho2 = .05, n = 25, J = 10) -> 0.599415181634
    ({"n_clusters": 10, "cluster_size": 25, "icc": 0.05}, 0.599415181634),
    # mdes.cra2(rho2 = .20, n = 4, J = 20, alpha = .01) -> 1.05797009455
    ({"n_clusters": 20, "cluster_size": 4, "icc": 0.20, "alpha": 0.01}, 1.05797009455),
    # mdes.cra2(rho2 = .10, n = 30, J = 16, power = .90, two.tailed = FALSE) -> 0.560003499434
    ({"n_clusters": 16, "cluster_size": 30, "icc": 0.10, "power": 0.90, "two_sided": False}, 0.560003499434),
    # mdes.cra2(rho2 = .10, n = 20, J = 12, p = .25) -> 0.788790163809
    ({"n_clusters": 12, "cluster_size": 20, "icc": 0.10, "treated_share": 0.25}, 0.788790163809),
])  # fmt: skip
def test_cluster_mdes_matches_powerup(kwargs, expected):
    assert_allclose(pw.cluster_mdes(**kwargs), expected, rtol=R_RTOL)


@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    # power.cra2(es = .629, rho2 = .17, n = 15, J = 20) -> 0.800070750215
    ((0.629, 20, 15, 0.17), {}, 0.800070750215),
    # power.cra2(es = .50, rho2 = .20, n = 4, J = 20) -> 0.387426977124
    ((0.50, 20, 4, 0.20), {}, 0.387426977124),
    # power.cra2(es = .40, rho2 = .05, n = 25, J = 10) -> 0.46641697727
    ((0.40, 10, 25, 0.05), {}, 0.46641697727),
    # power.cra2(es = .30, rho2 = .10, n = 30, J = 16, two.tailed = FALSE) -> 0.475388433331
    ((0.30, 16, 30, 0.10), {"two_sided": False}, 0.475388433331),
])  # fmt: skip
def test_cluster_power_matches_powerup(args, kwargs, expected):
    assert_allclose(pw.cluster_power(*args, **kwargs), expected, rtol=R_RTOL)


@pytest.mark.parametrize(("args", "kwargs", "j", "mrss", "below", "at"), [
    # R (power_references.R): smallest J with power.cra2(...) >= target, the power at J - 1 and J,
    # and mrss.cra2(es, rho2, n[, power]) of PowerUpR
    ((0.629, 15, 0.17), {}, 20, 20, 0.776902450913, 0.800070750215),
    ((0.50, 25, 0.05), {}, 14, 13, 0.789783578049, 0.824678786028),
    ((0.25, 20, 0.10), {}, 75, 75, 0.795609293268, 0.801034493793),
    ((0.30, 30, 0.02), {"power": 0.90}, 27, 27, 0.891923311864, 0.903755273148),
])  # fmt: skip
def test_cluster_sample_size_is_powerups_smallest_exact_j(args, kwargs, j, mrss, below, at):
    effect, m, rho = args
    got = pw.cluster_sample_size(effect, m, rho, **kwargs)
    assert got == j
    assert_allclose(pw.cluster_power(effect, got - 1, m, rho), below, rtol=R_RTOL)
    assert_allclose(pw.cluster_power(effect, got, m, rho), at, rtol=R_RTOL)
    # PowerUpR's mrss.cra2 rounds its approximate solution to the nearest J: at most one fewer
    assert got - mrss in (0, 1)


def test_cluster_design_without_clustering_is_a_two_sample_t_test():
    # icc 0 and one person per training: two independent groups of J/2 people; the exact power
    # is then that of the two-sample t-test with df = J - 2 (statsmodels TTestIndPower)
    from statsmodels.stats.power import TTestIndPower

    expected = TTestIndPower().power(effect_size=0.5, nobs1=32, ratio=1.0, alpha=0.05)
    assert_allclose(pw.cluster_power(0.5, 64, 1, 0.0), expected, rtol=1e-12)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: pw.paired_sample_size(0), "dz"),
    (lambda: pw.paired_sample_size(-0.3, two_sided=False), "positive"),
    (lambda: pw.paired_sample_size(0.5, power=0.04), "larger than `alpha`"),
    (lambda: pw.paired_power(1, 0.5), "`n`"),
    (lambda: pw.paired_power(10, 0.5, alpha=1.5), "`alpha`"),
    (lambda: pw.minimum_detectable_effect(10, power="high"), "`power`"),
    (lambda: pw.design_effect(0, 0.1), "cluster_size"),
    (lambda: pw.design_effect(10, 1.2), "`icc`"),
    (lambda: pw.cluster_mdes(2, 10, 0.1), "n_clusters"),
    (lambda: pw.cluster_sample_size(-0.2, 10, 0.1), "`effect`"),
    (lambda: pw.cluster_power(0.2, 10, 10, 0.1, two_sided="yes"), "two_sided"),
])  # fmt: skip
def test_bad_arguments_name_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_exported_from_stats():
    for name in ("paired_sample_size", "paired_power", "minimum_detectable_effect", "design_effect",
                 "cluster_mdes", "cluster_power", "cluster_sample_size"):  # fmt: skip
        assert getattr(stats, name) is getattr(pw, name)
        assert name in stats.__all__


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(pw, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


# --- by simulation: the planned designs have the power they promise -------------------------------
def test_cluster_power_by_simulation():
    # 20 trainings (10 per arm) of 15 people, ICC 0.17, true difference 0.629 total sds: people are
    # simulated one by one and the arms compared by the t-test on training means (df = J - 2), the
    # analysis the exact noncentral t describes for equal training sizes
    rng = np.random.default_rng(20240519)
    sims, j, m, rho, effect = 4000, 20, 15, 0.17, 0.629
    arm = np.repeat([0.0, 1.0], j // 2)
    u = rng.normal(0.0, np.sqrt(rho), size=(sims, j))
    e = rng.normal(0.0, np.sqrt(1 - rho), size=(sims, j, m))
    means = effect * arm + u + e.mean(axis=2)
    from scipy import stats as sps

    p = sps.ttest_ind(means[:, arm == 1], means[:, arm == 0], axis=1).pvalue
    rate = float((p < 0.05).mean())
    expected = pw.cluster_power(effect, j, m, rho)  # 0.800070750215 (PowerUpR power.cra2)
    assert abs(rate - expected) < 3.5 * np.sqrt(expected * (1 - expected) / sims)


def test_paired_sample_size_by_simulation():
    rng = np.random.default_rng(7)
    sims, dz = 4000, 0.4
    n = pw.paired_sample_size(dz)  # 52
    d = rng.normal(dz, 1.0, size=(sims, n))
    t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / np.sqrt(n))
    from scipy import stats as sps

    rate = float((np.abs(t) > sps.t.ppf(0.975, n - 1)).mean())
    expected = pw.paired_power(n, dz)
    assert expected >= 0.8
    assert abs(rate - expected) < 3.5 * np.sqrt(expected * (1 - expected) / sims)
