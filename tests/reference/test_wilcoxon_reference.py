"""Wilcoxon signed-rank test and Hodges–Lehmann interval against R's printed output.

evalkit reproduces ``scipy.stats.wilcoxon`` (compared with it in
tests/estimate/test_rank_scipy.py), so comparing with scipy alone would prove little;
these tests compare with numbers R printed (sources in docs/references.md, "Wilcoxon
signed-rank and Hodges–Lehmann") and with the null distribution / normal approximation /
Walsh-average order statistics written out here, independently of scipy and of
``evalkit.estimate._rank``.

* Hollander & Wolfe (1973, p. 29f) depression data, the example of R's ``?wilcox.test``:
  ``wilcox.test(y - x, alternative = "less")`` -> V = 5, p-value = 0.01953 (exact);
  ``wilcox.test(x, y, paired = TRUE, alternative = "greater")`` -> V = 40, p = 0.01953;
  ``wilcox.test(y - x, alternative = "less", exact = FALSE, correct = FALSE)`` -> p = 0.01908.
* Cross Validated question 270889 (R output quoted in the question), 19 values with 5 tied
  pairs: ``wilcox.test(dat, conf.int = T, correct = T, exact = F, conf.level = .99)`` ->
  V = 190, p-value = 0.0001419, 99% CI 3.450018 5.499933, (pseudo)median 4.400028.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import evalkit as ek

# Hollander & Wolfe: Hamilton depression factor at the first (x) and second (y) visit
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]

# Cross Validated 270889: one-sample data (paired with a pre wave of zeros below)
CV_DAT = [2.10, 2.35, 2.35, 3.10, 3.10, 3.15, 3.90, 3.90, 4.00, 4.80, 5.00, 5.00, 5.15, 5.35,
          5.50, 6.00, 6.00, 6.25, 6.45]


def long(pre: list[float], post: list[float]) -> pd.DataFrame:
    n = len(pre)
    return pd.DataFrame(
        {"id": list(range(n)) * 2, "wave": ["pre"] * n + ["post"] * n, "y": list(pre) + list(post)}
    )


def exact_tails(n: int, v: float) -> tuple[float, float]:
    """P(V <= v) and P(V >= v) under H0 by enumerating all 2**n sign patterns of ranks 1..n."""
    below = above = 0
    for signs in itertools.product((0, 1), repeat=n):
        s = sum(rank for rank, plus in zip(range(1, n + 1), signs, strict=True) if plus)
        below += s <= v
        above += s >= v
    return below / 2**n, above / 2**n


def test_hollander_wolfe_exact_matches_r() -> None:
    """Visit 1 = pre (x), visit 2 = post (y); evalkit's post − pre is R's ``y - x``."""
    lower, upper = exact_tails(9, 5)
    # the enumeration reproduces R's printed p-value (4 significant digits) ...
    assert_allclose(lower, 0.01953, atol=5e-6)
    assert lower == 10 / 512
    r = ek.prepost(long(HW_X, HW_Y), "y", "id", "wave", "pre", "post", test="wilcoxon",
                   alternative="less")
    # ... and evalkit reproduces both: V = W+ = 5, W- = 40 (R's V for x - y), p exact
    assert r.statistic == 5.0 and r.extra["w_plus"] == 5.0 and r.extra["w_minus"] == 40.0
    assert_allclose(r.pvalue, 0.01953, atol=5e-6)
    assert_allclose(r.pvalue, lower, rtol=1e-12)
    greater = ek.prepost(long(HW_X, HW_Y), "y", "id", "wave", "pre", "post", test="wilcoxon",
                         alternative="greater")
    assert_allclose(greater.pvalue, upper, rtol=1e-12)  # P(V >= 5) = 1 - 9/512
    two = ek.prepost(long(HW_X, HW_Y), "y", "id", "wave", "pre", "post", test="wilcoxon")
    assert_allclose(two.pvalue, 2 * lower, rtol=1e-12)  # symmetric null: 2 * 10/512


def test_hollander_wolfe_normal_approximation_formula_matches_r() -> None:
    """R's ``exact = FALSE, correct = FALSE`` p = 0.01908 is the formula evalkit's large-sample
    path uses: z = (V - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24) = (5 - 22.5) / sqrt(71.25)."""
    z = (5 - 9 * 10 / 4) / math.sqrt(9 * 10 * 19 / 24)
    assert_allclose(stats.norm.cdf(z), 0.01908, atol=5e-6)


def test_ties_normal_approximation_matches_r() -> None:
    """19 positive values with 5 tied pairs: normal approximation with the tie correction.

    n = 19, V = 190 (all ranks positive), E[V] = 19*20/4 = 95,
    Var[V] = 19*20*39/24 - sum(t^3 - t)/48 = 617.5 - 5*6/48 = 616.875.
    R (correct = TRUE): z = (190 - 95 - 0.5)/sqrt(616.875), p = 0.0001419 (printed).
    evalkit follows scipy (no continuity correction), i.e. R's ``correct = FALSE``:
    z = 95/sqrt(616.875), p = 0.00013080.
    """
    var = 19 * 20 * 39 / 24 - 5 * (2**3 - 2) / 48
    assert var == 616.875
    p_corrected = 2 * stats.norm.sf((190 - 95 - 0.5) / math.sqrt(var))
    assert_allclose(p_corrected, 0.0001419, atol=5e-8)  # the formula reproduces R's print
    p_uncorrected = 2 * stats.norm.sf((190 - 95) / math.sqrt(var))
    r = ek.prepost(long([0.0] * 19, CV_DAT), "y", "id", "wave", "pre", "post",
                   test="wilcoxon", alpha=0.01)
    assert r.extra["w_plus"] == 190.0 and r.extra["w_minus"] == 0.0
    assert_allclose(r.pvalue, p_uncorrected, rtol=1e-10)
    assert_allclose(r.pvalue, 0.00013080, atol=5e-9)


def test_hodges_lehmann_large_sample_interval() -> None:
    """Walsh-average order statistics for the 99% interval (ties -> large-sample rule).

    m = 19*20/2 = 190 Walsh averages; C = floor(m/2 - z_{0.995} sqrt(19*20*39/24))
    = floor(95 - 2.5758 * 24.850) = floor(30.99) = 30, so the interval is
    [W_(30), W_(m-30+1)] = [W_(30), W_(161)] = [3.175, 5.5] and the estimate is the median of
    the Walsh averages, 4.4. R inverts its asymptotic test numerically and prints
    3.450018, 5.499933 and 4.400028: the same upper bound and estimate (to 1e-4) and, for
    the lower bound, the next Walsh average W_(31) = 3.45 — evalkit's floored rank is one
    Walsh average wider (conservative), as its docstring says.
    """
    d = np.array(CV_DAT)
    i, j = np.triu_indices(19)
    walsh = np.sort((d[i] + d[j]) / 2)
    assert walsh.shape[0] == 190
    c = math.floor(95 - stats.norm.ppf(0.995) * math.sqrt(19 * 20 * 39 / 24))
    assert c == 30
    r = ek.prepost(long([0.0] * 19, CV_DAT), "y", "id", "wave", "pre", "post",
                   test="wilcoxon", alpha=0.01)
    lo, hi = r.extra["hodges_lehmann_ci"]
    assert_allclose((lo, hi), (walsh[c - 1], walsh[190 - c]), rtol=1e-12)
    assert_allclose((lo, hi), (3.175, 5.5), rtol=1e-12)
    assert_allclose(r.extra["hodges_lehmann"], 4.4, rtol=1e-12)
    # against R's print: estimate and upper bound to 1e-4; lower bound one Walsh step below
    assert_allclose(r.extra["hodges_lehmann"], 4.400028, atol=1e-4)
    assert_allclose(hi, 5.499933, atol=1e-4)
    assert_allclose(walsh[c], 3.450018, atol=1e-4)
    assert lo < 3.450018


@pytest.mark.parametrize("n", [60, 120])
def test_hodges_lehmann_large_n_order_statistic(n: int) -> None:
    """n >= 50 without ties also takes the large-sample rank C = floor(m/2 - z sqrt(V))."""
    rng = np.random.default_rng(n)
    d = np.round(rng.normal(0.3, 1.0, n), 6)
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2)
    m = n * (n + 1) // 2
    c = math.floor(m / 2 - 1.959963984540054 * math.sqrt(n * (n + 1) * (2 * n + 1) / 24))
    r = ek.prepost(long([0.0] * n, list(d)), "y", "id", "wave", "pre", "post",
                   test="wilcoxon")
    assert_allclose(r.extra["hodges_lehmann_ci"], (walsh[c - 1], walsh[m - c]), rtol=1e-12)
    assert_allclose(r.extra["hodges_lehmann"], np.median(walsh), rtol=1e-12)


# R's sleep data (Student 1908; ``datasets::sleep``): extra hours of sleep, drug 1 and drug 2,
# the same ten patients. ``wilcox.test(extra ~ group, data = sleep, paired = TRUE)`` prints
# "Wilcoxon signed rank test with continuity correction ... V = 0, p-value = 0.009091"
# (e.g. BYU-I Statistics Notebook, "Sleep paired Wilcoxon", byuistats.github.io; cited in
# docs/prepost.md). Differences drug 1 - drug 2: one zero (patient 5) and one tie (-1.3).
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_sleep_zero_difference_r_method_matches_r() -> None:
    """R's x - y is evalkit's post - pre with post = drug 1, pre = drug 2. R has a zero and a
    tie, so it uses the normal approximation: n = 9 non-zero, V = 0, E = 22.5,
    Var = 9*10*19/24 - (2^3 - 2)/48 = 71.125, z = (0 - 22.5 + 0.5)/sqrt(71.125)."""
    z = (0 - 22.5 + 0.5) / math.sqrt(9 * 10 * 19 / 24 - 6 / 48)
    assert_allclose(2 * stats.norm.cdf(z), 0.009091, atol=5e-7)  # the formula is R's print
    df = long(SLEEP_2, SLEEP_1)
    r = ek.prepost(df, "y", "id", "wave", "pre", "post", test="wilcoxon",
                   wilcoxon_method="r")
    assert r.statistic == 0.0 and r.extra["wilcoxon_exact"] is False
    assert_allclose(r.pvalue, 0.009091, atol=5e-7)
    assert_allclose(r.pvalue, 2 * stats.norm.cdf(z), rtol=1e-12)
    # the default (scipy): zero dropped, exact distribution of the 9 non-zero differences,
    # p = 2 * P(V <= 0) = 2/2^9
    default = ek.prepost(df, "y", "id", "wave", "pre", "post", test="wilcoxon")
    assert default.pvalue == 2 / 2**9
    assert default.extra["n_zero"] == 1


def test_r_method_exact_branch_matches_r() -> None:
    """No zeros, no ties, n < 50: R's exact psignrank; R prints V = 40, p = 0.01953 for
    ``wilcox.test(x, y, paired = TRUE, alternative = "greater")`` (post = x, pre = y)."""
    r = ek.prepost(long(HW_Y, HW_X), "y", "id", "wave", "pre", "post", test="wilcoxon",
                   alternative="greater", wilcoxon_method="r")
    assert r.statistic == 40.0 and r.extra["wilcoxon_exact"] is True
    assert r.pvalue == 10 / 512
    two = ek.prepost(long(HW_Y, HW_X), "y", "id", "wave", "pre", "post", test="wilcoxon",
                     wilcoxon_method="r")
    assert two.pvalue == 2 * 10 / 512


def test_r_method_with_ties_matches_r_correct_true() -> None:
    """Cross Validated 270889 (ties): R's default correct = TRUE prints p = 0.0001419."""
    r = ek.prepost(long([0.0] * 19, CV_DAT), "y", "id", "wave", "pre", "post",
                   test="wilcoxon", wilcoxon_method="r")
    assert r.statistic == 190.0
    assert_allclose(r.pvalue, 0.0001419, atol=5e-8)
    # and equal to scipy's normal approximation with the continuity correction
    ref = stats.wilcoxon(CV_DAT, method="approx", correction=True)
    assert_allclose(r.pvalue, ref.pvalue, rtol=1e-12)


def test_wilcoxon_method_is_checked() -> None:
    from evalkit.errors import SpecError

    with pytest.raises(SpecError, match="wilcoxon_method"):
        ek.prepost(long(HW_X, HW_Y), "y", "id", "wave", "pre", "post", test="wilcoxon",
                   wilcoxon_method="R")  # type: ignore[arg-type]
