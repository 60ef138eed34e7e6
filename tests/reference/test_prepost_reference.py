"""Pre/post estimators against published and independently computed reference values.

Sources (see docs/references.md):

* pingouin documentation example for ``pingouin.ttest`` (paired):
  ``pg.ttest(pre, post, paired=True, alternative="less")`` -> T = -2.3078, dof 4,
  p = 0.0411, cohen-d (d_av) = 0.2508; d_z = -1.032. pingouin computes pre − post; evalkit
  reports post − pre, so signs flip and pingouin's "less" is evalkit's "greater".
  R: ``t.test(post, pre, paired = TRUE, alternative = "greater")``.
* the same example with one pre value missing (pair dropped): T = -5.902, dof 3,
  95% CI [-1.5, -0.45], d_av = 0.306. The pingouin docs blank the *third* value
  (``pre = [5.5, 2.4, np.nan, 9.6, 4.2]``, i.e. ``pre[2]`` counting from 0); blanking
  ``pre[1]`` gives T = -1.647 instead, so the reference's "pre[1]" means the third value.
* scipy ``ttest_rel``, statsmodels ``mcnemar`` and pingouin
  ``compute_effsize`` computed live in the test (they are test dependencies). The Wilcoxon
  test is checked against R's printed output in ``test_wilcoxon_reference.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import evalkit as ek

PRE = [5.5, 2.4, 6.8, 9.6, 4.2]
POST = [6.4, 3.4, 6.4, 11.0, 4.8]


def long(pre: list[float], post: list[float]) -> pd.DataFrame:
    n = len(pre)
    return pd.DataFrame(
        {"id": list(range(n)) * 2, "wave": ["pre"] * n + ["post"] * n, "y": list(pre) + list(post)}
    )


def test_pingouin_paired_example() -> None:
    r = ek.prepost(long(PRE, POST), "y", "id", "wave", "pre", "post", alternative="greater")
    # published (pingouin docs, signs flipped to post − pre), 4-5 significant digits
    assert_allclose(r.statistic, 2.3078, atol=5e-5)
    assert r.df == 4
    assert_allclose(r.pvalue, 0.0411, atol=5e-5)
    assert_allclose(r.extra["cohens_d_av"], 0.2508, atol=5e-5)
    assert_allclose(r.extra["cohens_dz"], 1.032, atol=5e-4)
    assert_allclose(r.estimate, 0.7, rtol=1e-12)
    assert r.n == 5 and r.n_dropped == 0


def test_pingouin_paired_example_live() -> None:
    pg = pytest.importorskip("pingouin")
    res = pg.ttest(PRE, POST, paired=True, alternative="less")
    r = ek.prepost(long(PRE, POST), "y", "id", "wave", "pre", "post", alternative="greater")
    assert_allclose(r.statistic, -res["T"].iloc[0], rtol=1e-10)
    assert_allclose(r.pvalue, res["p_val"].iloc[0], rtol=1e-10)
    assert_allclose(r.extra["cohens_d_av"], res["cohen_d"].iloc[0], rtol=1e-10)
    x, y = np.array(PRE), np.array(POST)
    assert_allclose(r.extra["cohens_dz"],
                    -pg.compute_effsize(x, y, paired=True, eftype="cohen_dz"), rtol=1e-10)
    assert_allclose(r.extra["hedges_g_av"],
                    -pg.compute_effsize(x, y, paired=True, eftype="hedges"), rtol=1e-10)


def test_pingouin_missing_value_example() -> None:
    pre = [5.5, 2.4, math.nan, 9.6, 4.2]
    r = ek.prepost(long(pre, POST), "y", "id", "wave", "pre", "post")
    assert_allclose(r.statistic, 5.902, atol=5e-4)
    assert r.df == 3
    assert_allclose(r.ci, (0.45, 1.5), atol=5e-3)  # pingouin rounds the CI to 2 decimals
    assert_allclose(r.extra["cohens_d_av"], 0.306, atol=5e-4)
    assert r.n == 4 and r.n_dropped == 1
    assert dict(r.dropped) == {"missing_outcome": 1}
    # hand computation: differences 0.9, 1.0, 1.4, 0.6 -> mean 0.975, sd sqrt(0.3275/3)
    se = math.sqrt(0.3275 / 3) / 2
    assert_allclose(r.estimate, 0.975, rtol=1e-12)
    assert_allclose(r.se, se, rtol=1e-12)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_paired_t_equals_scipy_ttest_rel(alternative: str, alpha: float) -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(10, 2, 23)
    y = x + rng.normal(0.4, 1.5, 23)
    r = ek.prepost(long(list(x), list(y)), "y", "id", "wave", "pre", "post",
                   alternative=alternative, alpha=alpha)  # type: ignore[arg-type]
    ref = stats.ttest_rel(y, x, alternative=alternative)
    ci = ref.confidence_interval(confidence_level=1 - alpha)
    assert_allclose(r.statistic, ref.statistic, rtol=1e-12)
    assert_allclose(r.pvalue, ref.pvalue, rtol=1e-10)
    assert_allclose(r.df, ref.df, rtol=0)
    assert_allclose(r.ci, (ci.low, ci.high), rtol=1e-10)


def test_hodges_lehmann_hand_computed() -> None:
    """R: wilcox.test(post, pre, paired = TRUE, conf.int = TRUE) on the pingouin example.

    Differences 0.9, 1.0, -0.4, 1.4, 0.6; the 15 Walsh averages have median 0.8; with n = 5
    qsignrank(0.025, 5) = 0, so R uses the extreme Walsh averages: [-0.4, 1.4]; V = 14,
    p = 0.125.
    """
    r = ek.prepost(long(PRE, POST), "y", "id", "wave", "pre", "post", test="wilcoxon")
    assert_allclose(r.extra["hodges_lehmann"], 0.8, rtol=1e-12)
    assert_allclose(r.extra["hodges_lehmann_ci"], (-0.4, 1.4), rtol=1e-12)
    assert_allclose(r.extra["w_plus"], 14.0)
    assert_allclose(r.pvalue, 0.125, rtol=1e-12)
    assert_allclose(r.extra["rank_biserial"], (14 - 1) / 15, rtol=1e-12)


@pytest.mark.parametrize(("b", "c", "n_same"), [(3, 9, 20), (6, 7, 10), (30, 15, 40),
                                                  (12, 13, 5)])
def test_mcnemar_equals_statsmodels(b: int, c: int, n_same: int) -> None:
    from statsmodels.stats.contingency_tables import mcnemar

    pre = [0] * b + [1] * c + [0] * n_same + [1] * n_same
    post = [1] * b + [0] * c + [0] * n_same + [1] * n_same
    r = ek.prepost(long(pre, post), "y", "id", "wave", "pre", "post", test="mcnemar")
    table = np.array([[n_same, b], [c, n_same]])
    exact = b + c < 25
    ref = mcnemar(table, exact=exact, correction=True)
    assert_allclose(r.statistic, ref.statistic, rtol=1e-12)
    assert_allclose(r.pvalue, ref.pvalue, rtol=1e-10)
    assert r.extra["exact"] is exact
    assert_allclose(r.estimate, (b - c) / (b + c + 2 * n_same), rtol=1e-12)


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_mcnemar_one_sided_is_exact_binomial(alternative: str) -> None:
    """One-sided McNemar = exact binomial test of b (0->1) among the b + c changers.
    R: binom.test(b, b + c, 0.5, alternative = ...)."""
    b, c, same = 14, 6, 30
    pre = [0] * b + [1] * c + [0] * same
    post = [1] * b + [0] * c + [0] * same
    r = ek.prepost(long(pre, post), "y", "id", "wave", "pre", "post", test="mcnemar",
                   alternative=alternative)  # type: ignore[arg-type]
    ref = stats.binomtest(b, b + c, 0.5, alternative=alternative)
    assert_allclose(r.pvalue, ref.pvalue, rtol=1e-12)
    assert_allclose(r.estimate, (b - c) / (b + c + same), rtol=1e-12)
    if alternative == "greater":
        assert r.ci[1] == 1.0 and r.ci[0] < r.estimate
    else:
        assert r.ci[0] == -1.0 and r.ci[1] > r.estimate
    assert "percentage points" in r.sentence("en")


def test_agresti_min_interval_matches_propcis() -> None:
    """Agresti–Min (2005) adjusted Wald ("Wald+2") interval: R ``PropCIs::diffpropci.mp``.

    Documentation example ``diffpropci.mp(b = 40, c = 20, n = 160, conf.level = 0.95)``
    prints the interval -0.21601726 -0.03089632 and estimate -0.1234568 (rdrr.io example
    output, PropCIs 0.3-0). PropCIs' difference is (c - b)/n in its own labels, so its b = 40
    is evalkit's 1 -> 0 count and its c = 20 the 0 -> 1 count. With 0.5 added to each cell:
    centre = (20.5 - 40.5)/162 = -0.12345679,
    SE = sqrt(((20.5 + 40.5)/162 - (20/162)^2)/162).
    """
    n01, n10, n00, n11 = 20, 40, 60, 40
    pre = [0] * n01 + [1] * n10 + [0] * n00 + [1] * n11
    post = [1] * n01 + [0] * n10 + [0] * n00 + [1] * n11
    r = ek.prepost(long(pre, post), "y", "id", "wave", "pre", "post", test="mcnemar")
    assert r.n == 160
    assert_allclose(r.ci, (-0.21601726, -0.03089632), atol=5e-9)
    centre = (20.5 - 40.5) / 162
    assert_allclose(centre, -0.1234568, atol=5e-8)
    half = 1.959963984540054 * math.sqrt(((20.5 + 40.5) / 162 - centre**2) / 162)
    assert_allclose(r.ci, (centre - half, centre + half), rtol=1e-12)
    assert_allclose(r.estimate, (20 - 40) / 160, rtol=1e-12)  # unadjusted point estimate
