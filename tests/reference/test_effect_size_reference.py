"""Paired effect sizes (d_z, d_av, g_av) and their intervals against published and
independently computed values.

Sources (docs/references.md, "Paired effect sizes"):

* Thomason data set 1 from Cumming & Calin-Jageman (2017), *Introduction to the New
  Statistics* (ITNS), ch. 8: 12 students' critical-thinking scores before and after a
  course. The esci R package checks itself against Cumming's ESCI spreadsheet on it
  (rcalinjageman/esci, tests/testthat/test_estimate_mdiff_paired.R and the printed snapshot
  tests/testthat/_snaps/estimate_mdiff_paired.md): mean difference 1.666667, 95% CI
  0.715218 to 2.618115, 99% CI 0.324079 to 3.009254, t = 3.855498 (df 11),
  r = 0.89239080809841, d_av numerator 1.666667 and denominator s_av = 3.112779.
* The d_z interval is the noncentral-t interval (Steiger & Fouladi 1997; MBESS ``ci.sm``,
  MOTE ``d.dep.t.diff``): lambda_L and lambda_U solve P(T <= t | lambda) = 1 - a/2 and a/2.
  The test checks the bounds against those equations with the noncentral-t CDF computed
  here by integrating over the chi-square mixing distribution (central normal and
  chi-square only), independently of scipy's ``nct`` that evalkit uses.
* d_av's interval is Algina & Keselman (2003): the lambda bounds times
  sqrt(2 s_D^2 / (n (s_1^2 + s_2^2))) (formula as given on the WebPower page
  https://webpower.psychstat.org/wiki/effectsize/paired-t-test), computed here from the raw
  data.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, stats

import evalkit as ek

PRE = [13, 12, 12, 9, 14, 17, 14, 9, 6, 7, 11, 15]
POST = [14, 13, 16, 12, 15, 18, 13, 10, 10, 8, 14, 16]
N = 12


def long(pre: list[int], post: list[int]) -> pd.DataFrame:
    n = len(pre)
    return pd.DataFrame({"id": list(range(n)) * 2, "wave": ["pre"] * n + ["post"] * n,
                         "y": [float(v) for v in pre + post]})


def nct_cdf(t: float, df: float, ncp: float) -> float:
    """P(T <= t) for T = (Z + ncp) / sqrt(V/df), V ~ chi2(df): integrate over V."""
    def integrand(v: float) -> float:
        return float(stats.norm.cdf(t * math.sqrt(v / df) - ncp) * stats.chi2.pdf(v, df))

    value, _ = integrate.quad(integrand, 0.0, math.inf, epsabs=1e-13, epsrel=1e-12,
                              limit=200)
    return float(value)


@pytest.mark.parametrize(("alpha", "mean_ci"), [(0.05, (0.715218, 2.618115)),
                                                (0.01, (0.324079, 3.009254))])
def test_thomason_published_values(alpha: float, mean_ci: tuple[float, float]) -> None:
    r = ek.prepost(long(PRE, POST), "y", "id", "wave", "pre", "post", alpha=alpha)
    assert_allclose(r.estimate, 1.666667, atol=5e-7)
    assert_allclose(r.statistic, 3.855498, atol=5e-7)
    assert r.df == 11
    assert_allclose(r.ci, mean_ci, atol=5e-7)
    assert_allclose(r.extra["r_pre_post"], 0.89239080809841, rtol=1e-12)
    # d_av = mean difference / s_av with s_av = sqrt((s_pre^2 + s_post^2)/2) = 3.112779
    assert_allclose(r.extra["cohens_d_av"], 1.666667 / 3.112779, atol=5e-7)
    # Hedges' g_av = J d_av, J = 1 - 3/(4(2n - 2) - 1) = 1 - 3/87 for n = 12
    assert_allclose(r.extra["hedges_g_av"], (1 - 3 / 87) * r.extra["cohens_d_av"], rtol=1e-12)


@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_dz_interval_solves_noncentral_t_equations(alpha: float) -> None:
    r = ek.prepost(long(PRE, POST), "y", "id", "wave", "pre", "post", alpha=alpha)
    t = 3.855498004780299  # the paired t above (published to 6 decimals)
    assert_allclose(r.statistic, t, rtol=1e-12)
    lo, hi = r.extra["cohens_dz_ci"]
    lam_lo, lam_hi = lo * math.sqrt(N), hi * math.sqrt(N)
    assert_allclose(nct_cdf(t, 11.0, lam_lo), 1 - alpha / 2, atol=1e-8)
    assert_allclose(nct_cdf(t, 11.0, lam_hi), alpha / 2, atol=1e-8)
    assert_allclose(r.extra["cohens_dz"], t / math.sqrt(N), rtol=1e-12)


@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_dav_interval_is_algina_keselman(alpha: float) -> None:
    r = ek.prepost(long(PRE, POST), "y", "id", "wave", "pre", "post", alpha=alpha)
    diff = [b - a for a, b in zip(PRE, POST, strict=True)]
    var_d = stats.tvar(diff)
    var_1, var_2 = stats.tvar(PRE), stats.tvar(POST)
    factor = math.sqrt(2 * var_d / (N * (var_1 + var_2)))
    lo, hi = r.extra["cohens_dz_ci"]
    lam = (lo * math.sqrt(N), hi * math.sqrt(N))
    assert_allclose(r.extra["cohens_d_av_ci"], (lam[0] * factor, lam[1] * factor), rtol=1e-12)
    j = 1 - 3 / 87
    assert_allclose(r.extra["hedges_g_av_ci"], (j * lam[0] * factor, j * lam[1] * factor),
                    rtol=1e-12)
