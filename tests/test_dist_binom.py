"""evalkit's exact binomial test and binomial functions against ``scipy.stats`` (scipy 1.17).

``evalkit._dist.binom_test`` replaces ``scipy.stats.binomtest`` in the McNemar test so that an
evaluation does not import scipy.stats. Grid: n = 1..80 with every k, p = 1/2 (McNemar's)
and a few other p, all three alternatives; rtol 1e-12 (they use the same Boost binomial
functions, so in practice they are equal bit for bit).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from evalkit._dist import binom_cdf, binom_pmf, binom_sf, binom_test


@pytest.mark.parametrize("p", [0.5, 0.3, 0.77, 0.05])
def test_binom_test_equals_scipy(p: float) -> None:
    ns = range(1, 81) if p == 0.5 else range(1, 81, 7)
    got, ref = [], []
    for n in ns:
        for k in range(n + 1):
            for alternative in ("two-sided", "less", "greater"):
                got.append(binom_test(k, n, p, alternative))
                ref.append(stats.binomtest(k, n, p, alternative=alternative).pvalue)
    assert_allclose(got, ref, rtol=1e-12, atol=0)
    assert np.mean(np.array(got) == np.array(ref)) == 1.0


def test_binom_functions_equal_scipy() -> None:
    for n in (1, 2, 7, 24, 25, 60, 500):
        ks = np.arange(-2, n + 3)
        for p in (0.5, 0.2):
            assert [binom_pmf(int(k), n, p) for k in ks] == stats.binom.pmf(ks, n, p).tolist()
            assert [binom_cdf(int(k), n, p) for k in ks] == stats.binom.cdf(ks, n, p).tolist()
            assert [binom_sf(int(k), n, p) for k in ks] == stats.binom.sf(ks, n, p).tolist()


def test_binom_test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k <= n"):
        binom_test(5, 4)
    with pytest.raises(ValueError, match="alternative"):
        binom_test(1, 4, alternative="up")


def test_binom_falls_back_to_scipy_stats_when_the_private_functions_move(monkeypatch) -> None:
    import types

    import scipy.special
    from scipy.stats import binom

    # evalkit looks the functions up in scipy.special._ufuncs; a scipy without them:
    monkeypatch.setattr(scipy.special, "_ufuncs", types.SimpleNamespace())
    assert binom_pmf(3, 10, 0.3) == float(binom.pmf(3, 10, 0.3))
    assert binom_cdf(3, 10, 0.3) == float(binom.cdf(3, 10, 0.3))
    assert binom_sf(3, 10, 0.3) == float(binom.sf(3, 10, 0.3))
