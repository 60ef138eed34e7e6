"""Seeded Monte Carlo: 95% intervals of ek.did (clustered) and ek.staggered_did (simple) cover
the true effect in 93.5–96.5% of simulated panels.

2,000 replications each: the Monte Carlo standard error of a 95% coverage rate is
sqrt(0.95 * 0.05 / 2000) = 0.49 percentage points, so the 93.5–96.5% band is about ±3 MC
standard errors. Each test takes well under 60 s on 2 cores.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evalkit as ek

REPS = 2000
pytestmark = pytest.mark.slow


def test_did_clustered_coverage():
    """Panel of 100 units x 2 periods; unit effects, heteroskedastic errors correlated within
    unit; true DiD = 1. CR1 by unit (se="auto" with unit=) and t(G-1) intervals."""
    rng = np.random.default_rng(20261123)
    n = 100
    unit = np.repeat(np.arange(n), 2)
    post = np.tile([0, 1], n)
    hits = 0
    for _ in range(REPS):
        g = (rng.random(n) < 0.4).astype(float)
        scale = np.where(g == 1, 1.5, 1.0)[unit]
        u_i = rng.normal(size=n)[unit]
        e = scale * (0.6 * u_i + rng.normal(size=2 * n))
        y = 2 + u_i + 0.5 * post + 0.3 * g[unit] + 1.0 * g[unit] * post + e
        df = pd.DataFrame({"id": unit, "post": post, "g": g[unit], "y": y})
        lo, hi = ek.did(df, "y", "g", "post", cluster="id").ci
        hits += lo <= 1.0 <= hi
    coverage = hits / REPS
    assert 0.935 <= coverage <= 0.965, coverage


def test_staggered_simple_coverage():
    """300 units x 4 periods, cohorts drawn at random (never 40%, 2: 30%, 3: 30%), effects
    varying by cohort and event time: ATT(g,t) = 1 + 0.5 (t - g) + 0.5 [g = 3]. The simple
    aggregation's population target weights the five post cells by cohort shares (equal here):
    g = 2: 1, 1.5, 2 and g = 3: 1.5, 2, so the truth is 8 / 5 = 1.6."""
    rng = np.random.default_rng(112026)
    n, periods = 300, np.arange(1, 5)
    unit = np.repeat(np.arange(n), len(periods))
    t = np.tile(periods, n)
    truth = (1 + 1.5 + 2 + 1.5 + 2) / 5
    hits = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(REPS):
            g = rng.choice([0, 2, 3], size=n, p=[0.4, 0.3, 0.3])[unit]
            eff = np.where((g > 0) & (t >= g), 1 + 0.5 * (t - g) + 0.5 * (g == 3), 0.0)
            y = rng.normal(size=n)[unit] + 0.3 * t + eff + rng.normal(size=len(t))
            df = pd.DataFrame({"id": unit, "year": t, "first": g, "y": y})
            lo, hi = ek.staggered_did(df, "y", "id", "year", "first").ci
            hits += lo <= truth <= hi
    coverage = hits / REPS
    assert 0.935 <= coverage <= 0.965, coverage
