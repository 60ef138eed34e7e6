"""evalkit's own Wilcoxon signed-rank test and ranks against ``scipy.stats`` (scipy 1.17).

``evalkit.estimate._rank.wilcoxon`` / ``rankdata`` replace ``scipy.stats.wilcoxon`` /
``rankdata`` so that an evaluation does not import scipy.stats; they must return what scipy
returns for every path of scipy's ``method="auto"`` choice (exact null distribution, exhaustive
sign flips with ties or zeros, normal approximation above 50 differences) and for the explicit
methods, one- and two-sided, with and without the continuity correction. Samples: n = 1..60,
continuous values, heavy ties (rounded values), zeros, all-positive and all-zero samples.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from evalkit.estimate._rank import rankdata, wilcoxon

ALTERNATIVES = ("two-sided", "less", "greater")


def _samples() -> list[np.ndarray]:
    rng = np.random.default_rng(20261202)
    out: list[np.ndarray] = []
    for n in range(1, 61):
        out.append(rng.normal(0.3, 1.0, n))  # continuous, no ties
        out.append(np.round(rng.normal(0.4, 1.0, n) * 2) / 2)  # ties and zeros
        if not 9 <= n <= 13:  # scipy's exhaustive flips take up to 1 s each there
            out.append(rng.integers(-2, 4, n).astype(float))  # many ties, zeros
    out += [np.array([0.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0]), np.array([-1.0, -1.0]),
            np.array([0.0] * 20), np.array([5.0] * 14), np.array([0.0, 1.0]),
            np.concatenate([np.zeros(5), np.arange(1.0, 50.0)])]
    return out


SAMPLES = _samples()


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_wilcoxon_auto_equals_scipy(alternative: str) -> None:
    for d in SAMPLES:
        with np.errstate(all="ignore"):
            ref = stats.wilcoxon(d, alternative=alternative)
        got = wilcoxon(d, alternative)
        assert_allclose(got, (float(ref.statistic), float(ref.pvalue)), rtol=1e-12,
                        atol=0, equal_nan=True, err_msg=f"{alternative} d={d.tolist()}")


@pytest.mark.parametrize("method", ["exact", "asymptotic"])
@pytest.mark.parametrize("correction", [False, True])
def test_wilcoxon_explicit_methods_equal_scipy(method: str, correction: bool) -> None:
    for d in SAMPLES[::2]:
        for alternative in ALTERNATIVES:
            with np.errstate(all="ignore"):
                ref = stats.wilcoxon(d, alternative=alternative, method=method,
                                     correction=correction)
            got = wilcoxon(d, alternative, method=method, correction=correction)
            assert_allclose(got, (float(ref.statistic), float(ref.pvalue)), rtol=1e-12,
                            atol=0, equal_nan=True,
                            err_msg=f"{method} {alternative} d={d.tolist()}")


def test_wilcoxon_auto_is_bit_identical_on_the_three_paths() -> None:
    """Exact (no ties, n ≤ 50), flips (ties or zeros, n ≤ 13), normal (else): same bits."""
    rng = np.random.default_rng(7)
    cases = [rng.normal(0.2, 1, 30), np.round(rng.normal(0.5, 1, 9)),
             np.round(rng.normal(0.5, 1, 40)), rng.normal(0.2, 1, 80)]
    for d in cases:
        for alternative in ALTERNATIVES:
            ref = stats.wilcoxon(d, alternative=alternative)
            assert wilcoxon(d, alternative) == (float(ref.statistic), float(ref.pvalue))


def test_wilcoxon_empty_and_nan_as_scipy() -> None:
    stat, p = wilcoxon(np.array([]))
    assert np.isnan(stat) and np.isnan(p)
    stat, p = wilcoxon(np.array([1.0, np.nan, 2.0]))
    assert np.isnan(stat) and np.isnan(p)
    with pytest.raises(ValueError, match="method"):
        wilcoxon(np.array([1.0]), method="approx")


def test_rankdata_equals_scipy() -> None:
    rng = np.random.default_rng(3)
    for n in range(1, 80):
        for a in (rng.normal(size=n), rng.integers(0, 5, n).astype(float),
                  np.round(rng.normal(size=n), 1), np.full(n, 2.5)):
            assert_array_equal(rankdata(a), stats.rankdata(a))
