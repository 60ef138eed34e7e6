"""The Kaplan–Meier curve and log-log interval of ``volunteer_retention`` against scipy.stats.

``evalkit.estimate.retention.kaplan_meier`` replaces ``scipy.stats.ecdf`` on
``CensoredData`` (and its ``confidence_interval(method="log-log")``) so that an evaluation does
not import scipy.stats. Both branches of scipy (no censoring; right censoring), ties between
events and censorings, everyone censored, everyone leaving; equal bit for bit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import stats

from evalkit.estimate.retention import _step, kaplan_meier


def _cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(11)
    out = []
    for n in (1, 2, 5, 17, 60, 300):
        days = rng.integers(0, 40, n).astype(float)
        out.append((days, rng.random(n) < 0.6))  # censoring, ties
        out.append((days, np.ones(n, dtype=bool)))  # nobody censored: scipy's other branch
        out.append((days, np.zeros(n, dtype=bool) | (np.arange(n) == 0)))  # one event
    out.append((np.array([3.0, 3.0, 3.0]), np.array([True, False, True])))
    out.append((np.array([5.0, 1.0, 9.0]), np.array([True, True, True])))
    return out


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_kaplan_meier_equals_scipy_ecdf(level: float) -> None:
    for days, event in _cases():
        res = stats.ecdf(stats.CensoredData(uncensored=days[event], right=days[~event]))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "undefined at some observations"
            ci = res.sf.confidence_interval(level, method="log-log")
        times, sf, low, high = kaplan_meier(days, event, level)
        assert_array_equal(times, res.sf.quantiles)
        assert_array_equal(sf, res.sf.probabilities)
        for t in np.concatenate([times, times + 0.5, [-1.0, 0.0, 1e9]]):
            assert _step(times, sf, t) == float(res.sf.evaluate(t))
            lo, hi = _step(times, low, t), _step(times, high, t)
            ref_lo, ref_hi = float(ci.low.evaluate(t)), float(ci.high.evaluate(t))
            assert (lo == ref_lo or (np.isnan(lo) and np.isnan(ref_lo)))
            assert (hi == ref_hi or (np.isnan(hi) and np.isnan(ref_hi)))

