"""Shrinkage, league tables and funnel limits against published and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from evalkit.errors import EstimationError
from evalkit.portfolio import funnel_limits, league_table, shrink

meta = pytest.importorskip("statsmodels.stats.meta_analysis")

# Gelman et al., Bayesian Data Analysis (3rd ed.), Table 5.2: the eight schools
SCHOOLS_Y = [28, 8, -3, 7, -1, 1, 18, 12]
SCHOOLS_SE = [15, 10, 16, 11, 9, 11, 10, 18]
# a portfolio with real between-project spread
Y = [0.1, 0.5, -0.2, 0.9, 0.3, 0.05]
SE = [0.1, 0.2, 0.15, 0.3, 0.1, 0.25]


def test_eight_schools_pool_completely():
    # BDA §5.5: the moment estimate of tau is 0, so every school gets the pooled estimate
    # 7.7 with standard error 4.1.
    fit = shrink(SCHOOLS_Y, SCHOOLS_SE, method="dl")
    assert fit.tau2 == 0.0
    assert round(fit.mean, 1) == 7.7 and round(fit.mean_se, 1) == 4.1
    assert_allclose(fit.estimates, fit.mean, rtol=0, atol=1e-12)
    ref = meta.combine_effects(np.array(SCHOOLS_Y, float), np.array(SCHOOLS_SE, float) ** 2)
    assert_allclose(fit.mean, ref.mean_effect_fe, rtol=1e-12)  # tau2 = 0: fixed-effect mean
    assert shrink(SCHOOLS_Y, SCHOOLS_SE, method="pm").tau2 == 0.0


@pytest.mark.parametrize("method", ["dl", "pm"])
def test_tau2_and_mean_equal_statsmodels(method):
    y, v = np.array(Y), np.array(SE) ** 2
    ref = meta.combine_effects(y, v, method_re=method)
    fit = shrink(Y, SE, method=method)
    assert fit.tau2 > 0
    # statsmodels iterates Paule-Mandel to its own tolerance (~1e-8 relative here); evalkit
    # solves the equation to machine precision, checked directly below
    tol = 1e-8 if method == "dl" else 1e-6
    assert_allclose(fit.tau2, ref.tau2, rtol=tol)
    assert_allclose(fit.mean, ref.mean_effect_re, rtol=tol)
    assert_allclose(fit.mean_se, math.sqrt(ref.var_eff_w_re), rtol=tol)
    if method == "pm":  # the Paule-Mandel estimating equation: generalised Q = k - 1
        w = 1 / (v + fit.tau2)
        q = np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2)
        assert_allclose(q, len(Y) - 1, rtol=1e-10)


def test_shrunken_estimates_by_hand():
    # three projects, tau2 by the DL formula computed by hand:
    # y = (0, 1, 4), s = (1, 1, 2): w = (1, 1, 1/4), mu_FE = 2 / 2.25 = 8/9,
    # Q = (8/9)^2 + (1/9)^2 + (1/4)(28/9)^2 = 29/9, C = 9/4 - (33/16)/(9/4) = 4/3,
    # tau2 = (29/9 - 2) / (4/3) = 11/12
    fit = shrink([0, 1, 4], [1, 1, 2], method="dl")
    assert_allclose(fit.tau2, 11 / 12, rtol=1e-12)
    w = 1 / (np.array([1, 1, 4]) + 11 / 12)
    mu = float(np.sum(w * [0, 1, 4]) / np.sum(w))
    b = (11 / 12) / (11 / 12 + np.array([1, 1, 4]))
    assert_allclose(fit.mean, mu)
    assert_allclose(fit.weights, [11 / 23, 11 / 23, 11 / 59])
    assert_allclose(fit.estimates, mu + b * (np.array([0, 1, 4]) - mu))
    assert_allclose(fit.std_errors ** 2, b * [1, 1, 4] + (1 - b) ** 2 / np.sum(w))
    # the noisiest project moves most toward the mean
    moved = np.abs(fit.estimates - np.array([0, 1, 4]))
    assert moved[2] == moved.max()


def test_league_table_ranks_with_uncertainty():
    table = league_table(list("abcdef"), Y, SE)
    assert list(table["project"]) == list(table.sort_values("shrunk", ascending=False)["project"])
    assert (table["rank_low"] <= table["rank_high"]).all()
    assert table.attrs["tau2"] == pytest.approx(shrink(Y, SE).tau2)
    # a project far above the rest, measured precisely, is first with certainty
    sure = league_table(list("abcd"), [5.0, 0.0, 0.1, -0.1], [0.05, 0.1, 0.1, 0.1])
    first = sure.iloc[0]
    assert first["project"] == "a" and first["rank_low"] == first["rank_high"] == 1
    assert first["versus_mean"] == "better"
    # lower is better: the same numbers, reversed reading
    low = league_table(list("abcd"), [5.0, 0.0, 0.1, -0.1], [0.05, 0.1, 0.1, 0.1],
                       higher_is_better=False)
    assert low.iloc[-1]["project"] == "a" and low.iloc[-1]["versus_mean"] == "worse"
    assert low.iloc[-1]["rank_low"] == 4


@pytest.mark.parametrize("projects, draws", [(6, 4000), (40, 40), (60, 25), (1, 9)])
@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.5])
def test_rank_interval_equals_the_quantiles_of_the_ranks(projects, draws, alpha):
    # the count table (projects <= draws) and its fallback (more projects than draws) both
    # give np.quantile of the rank matrix, exactly
    from evalkit.portfolio.fair import _rank_interval

    sims = np.random.default_rng(projects * draws).standard_normal((draws, projects))
    ties = np.round(sims, 1)  # ties: argsort's order among them is kept as it is
    for values in (sims, ties):
        positions = values.argsort(axis=1)
        ranks = positions.argsort(axis=1) + 1
        low, high = _rank_interval(positions, alpha)
        np.testing.assert_array_equal(low, np.quantile(ranks, alpha / 2, axis=0,
                                                       method="lower"))
        np.testing.assert_array_equal(high, np.quantile(ranks, 1 - alpha / 2, axis=0,
                                                        method="higher"))


def test_funnel_limits_by_hand():
    lo, hi = funnel_limits(0.8, [100, 400])
    # 0.8 ± 1.96 * sqrt(.16 / n): n = 100 -> ± 0.0784; n = 400 -> ± 0.0392
    assert_allclose(lo, [0.8 - 1.959963984540054 * 0.04, 0.8 - 1.959963984540054 * 0.02])
    assert_allclose(hi, [0.8 + 0.0783985593816, 0.8 + 0.0391992796908], rtol=1e-10)
    lo3, hi3 = funnel_limits(0.95, [10], z=3.090232306167813)
    assert lo3[0] == pytest.approx(0.95 - 3.090232306167813 * math.sqrt(0.0475 / 10))
    assert hi3[0] == 1.0  # clipped


@pytest.mark.parametrize(
    ("call", "fragment"),
    [(lambda: shrink([1, 2], [1, 1]), "at least 3"),
     (lambda: shrink([1, 2, 3], [1, 1]), "3 estimates but 2"),
     (lambda: shrink([1, 2, 3], [1, 0, 1]), "positive"),
     (lambda: shrink([1, np.nan, 3], [1, 1, 1]), "finite"),
     (lambda: shrink([1, 2, 3], [1, 1, 1], method="reml"), "method"),
     (lambda: funnel_limits(1.2, [10]), "p0"),
     (lambda: funnel_limits(0.5, [0]), "positive"),
     (lambda: league_table(["a"], [1, 2, 3], [1, 1, 1]), "1 names")],
)
def test_bad_input(call, fragment):
    with pytest.raises(EstimationError, match=fragment):
        call()
