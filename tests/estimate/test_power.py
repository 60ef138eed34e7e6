"""ek.power against published values: Cohen (1988) tables and exercises as printed by R pwr.

Sources (also in docs/references.md):

* Cohen (1988), Table 2.4.1 (two-sample t, two-sided α = .05, power .80): n per group 393 for
  d = .2, 64 for d = .5, 26 for d = .8.
* R ``pwr::pwr.t.test`` documentation examples (Cohen's exercises), printed output:
  - Exercise 2.1 p. 40: ``pwr.t.test(d=2/2.8, n=30, sig.level=0.05, type="two.sample")``
    → power = 0.7764888
  - Exercise 2.10 p. 59: ``pwr.t.test(d=0.3, power=0.75, sig.level=0.05, type="two.sample",
    alternative="greater")`` → n = 120.2232
  - Exercise 2.5 p. 47: ``pwr.t.test(d=0.2, n=60, sig.level=0.10, type="one.sample")``
    → power = 0.4555818 (one-sample = the paired design on the changes)
  - p. 50: ``pwr.t.test(d=8/(16*sqrt(2*(1-0.6))), n=40, type="paired")`` → power = 0.9315248
* G*Power 3 manual, t test for two independent means: d = 0.5, two-tailed α = .05, power .95
  → 105 per group (total 210), actual power 0.9501.
* Paired d_z = 0.5, power .80: n = 33.37 → 34 pairs (R ``pwr.t.test(d=.5, power=.8,
  type="paired")`` prints n = 33.36713).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

import evalkit as ek
from evalkit.errors import SpecError
from evalkit.estimate.power import cohens_h, design_effect


@pytest.mark.parametrize(("d", "n"), [(0.2, 393), (0.5, 64), (0.8, 26)])
def test_cohen_table_2_4_1_two_group(d: float, n: int) -> None:
    # Cohen's table rounds an approximation to the nearest integer; the exact noncentral-t
    # answer is within 1 of it (d = .2: 393.41, which evalkit rounds up to 394)
    r = ek.power("two_group", effect=d, power=0.8)
    assert abs(r.n_exact - n) < 1
    assert r.n == math.ceil(r.n_exact) and r.n_other == r.n
    assert r.achieved_power >= 0.8
    assert ek.power("two_group", effect=d, n=r.n - 1).power < 0.8


def test_paired_half_sd_needs_34_pairs() -> None:
    r = ek.power("paired", effect=0.5, power=0.8)
    assert r.n == 34
    np.testing.assert_allclose(r.n_exact, 33.36713, atol=5e-5)  # pwr prints 33.36713
    assert r.n_other is None


def test_pwr_exercise_2_1_power() -> None:
    r = ek.power("two_group", effect=2 / 2.8, n=30)
    np.testing.assert_allclose(r.power, 0.7764888, atol=5e-8)


def test_pwr_exercise_2_10_sample_size_one_sided() -> None:
    r = ek.power("two_group", effect=0.3, power=0.75, alternative="greater")
    np.testing.assert_allclose(r.n_exact, 120.2232, atol=5e-5)
    assert r.n == 121


def test_pwr_exercise_2_5_one_sample_is_paired() -> None:
    r = ek.power("paired", effect=0.2, n=60, alpha=0.10)
    np.testing.assert_allclose(r.power, 0.4555818, atol=5e-8)


def test_pwr_paired_example_p50() -> None:
    d = 8 / (16 * math.sqrt(2 * (1 - 0.6)))
    r = ek.power("paired", effect=d, n=40)
    np.testing.assert_allclose(r.power, 0.9315248, atol=5e-8)


def test_gpower_manual_two_means() -> None:
    r = ek.power("two_group", effect=0.5, power=0.95)
    assert r.n == 105 and r.n + r.n_other == 210
    np.testing.assert_allclose(r.achieved_power, 0.9501, atol=5e-5)


def test_mde_matches_normal_approximation_at_large_n() -> None:
    # MDE ≈ (z_{1-α/2} + z_{power}) · √(2/n) for two groups (Bloom 1995); t vs z differ ~1e-3
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    r = ek.power("did", n=2000, power=0.8)
    np.testing.assert_allclose(r.effect, z * math.sqrt(2 / 2000), rtol=1e-3)
    paired = ek.power("paired", n=2000, power=0.8)
    np.testing.assert_allclose(paired.effect, z / math.sqrt(2000), rtol=1e-3)


def test_mde_in_outcome_units_round_trips() -> None:
    r = ek.power("paired", n=250, power=0.8, sd=0.9)
    assert r.solved == "effect"
    back = ek.power("paired", n=250, delta=r.delta, sd=0.9)
    np.testing.assert_allclose(back.power, 0.8, atol=1e-5)  # statsmodels' root-finder
    assert "0.16 points or more" in r.sentence("en")
    assert "能发现的最小变化为0.16分" in r.sentence("zh")


def test_proportions_against_closed_form() -> None:
    # two-proportion z-test, normal approximation (Cohen 1988 ch. 6, R pwr.2p.test):
    # n per group = 2·((z_{1-α/2} + z_{power}) / h)^2, far rejection tail negligible here
    h = cohens_h(0.50, 0.65)
    np.testing.assert_allclose(h, 2 * math.asin(math.sqrt(0.65)) - 2 * math.asin(math.sqrt(0.5)))
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    r = ek.power("proportions", baseline=0.50, target=0.65, power=0.8)
    # rtol 1e-5: the closed form drops the far rejection tail (2.4e-6 relative here)
    np.testing.assert_allclose(r.n_exact, 2 * (z / h) ** 2, rtol=1e-5)
    # Cohen exercise 6.1 p. 198: h = .3, n = 80 per group, one-sided α = .05
    one = ek.power("proportions", effect=0.3, n=80, alternative="greater")
    expected = stats.norm.cdf(0.3 * math.sqrt(40) - stats.norm.ppf(0.95))
    np.testing.assert_allclose(one.power, expected, atol=1e-12)
    # the MDE as a share, back through h
    mde = ek.power("proportions", n=r.n, power=0.8, baseline=0.5)
    assert 0.64 < mde.target < 0.65


def test_cluster_design_effect_inflates_n() -> None:
    assert design_effect(20, 0.05) == pytest.approx(1.95)
    srs = ek.power("two_group", effect=0.5, power=0.8)
    clus = ek.power("two_group", effect=0.5, power=0.8, cluster_size=20, icc=0.05)
    np.testing.assert_allclose(clus.n_exact, 63.76561 * 1.95, rtol=1e-6)
    assert clus.n == math.ceil(63.76561 * 1.95)
    assert clus.n > srs.n
    # the same n is worth less information, so less power
    p_srs = ek.power("two_group", effect=0.5, n=64).power
    p_clu = ek.power("two_group", effect=0.5, n=64, cluster_size=20, icc=0.05).power
    np.testing.assert_allclose(p_clu, ek.power("two_group", effect=0.5, n=64 / 1.95).power)
    assert p_clu < p_srs


def test_unequal_groups_ratio() -> None:
    # pwr.t2n.test(n1=50, n2=100, d=0.5): noncentrality d·√(n1 n2/(n1+n2)), df n1+n2−2
    r = ek.power("two_group", effect=0.5, n=50, ratio=2.0)
    ncp = 0.5 * math.sqrt(50 * 100 / 150)
    crit = stats.t.ppf(0.975, 148)
    expected = stats.nct.sf(crit, 148, ncp) + stats.nct.cdf(-crit, 148, ncp)
    np.testing.assert_allclose(r.power, expected, atol=1e-10)
    assert r.n_other == 100


def test_result_is_frozen_and_tabular() -> None:
    r = ek.power("paired", effect=0.5, power=0.8)
    with pytest.raises(AttributeError):
        r.n = 1  # type: ignore[misc]
    frame = r.to_frame()
    frame.loc[0, "n"] = 1
    assert r.to_frame().loc[0, "n"] == 34
    assert list(r.to_frame().columns)[:3] == ["design", "solved", "effect"]
    assert "34 pairs" in r.summary() and "<table>" in r._repr_html_()
    assert r.to_dict()["effect_measure"] == "d_z"
    assert "需要34对" in r.sentence("zh")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"effect": 0.5}, "exactly one of effect, n, power"),
        ({"effect": 0.5, "n": 30, "power": 0.8}, "all three"),
        ({"effect": 0.5, "power": 1.2}, "power must be"),
        ({"effect": 0.0, "power": 0.8}, "effect is 0"),
        ({"effect": 0.5, "power": 0.8, "icc": 0.1}, "cluster_size and icc together"),
        ({"effect": 0.5, "power": 0.8, "cluster_size": 10, "icc": 1.5}, "icc must be"),
        ({"n": 2, "power": 0.8}, "too small"),
        ({"delta": 0.3, "power": 0.8}, "needs sd"),
        ({"effect": 0.5, "power": 0.8, "alpha": True}, "alpha must be a finite number"),
        ({"effect": -0.5, "power": 0.8, "alternative": "greater"}, "other way"),
        ({"baseline": 0.5, "power": 0.8}, "baseline/target are for design='proportions'"),
    ],
)
def test_bad_inputs_are_spec_errors(kwargs: dict, fragment: str) -> None:
    with pytest.raises(SpecError, match=fragment):
        ek.power("paired", **kwargs)


def test_bad_design_and_proportion_inputs() -> None:
    with pytest.raises(SpecError, match="expected one of"):
        ek.power("anova", effect=0.5, power=0.8)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="baseline/target"):
        ek.power("proportions", delta=0.1, sd=1, power=0.8)
    with pytest.raises(SpecError, match="target needs baseline"):
        ek.power("proportions", target=0.6, power=0.8)


def test_import_evalkit_does_not_import_statsmodels_or_pingouin() -> None:
    code = ("import sys, evalkit; evalkit.power; evalkit.PowerResult; "
            "print(sorted(m for m in ('statsmodels', 'pingouin') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_minimum_detectable_only_for_paired_prepost() -> None:
    import pandas as pd

    from evalkit.estimate.power import mde_record, minimum_detectable

    rng = np.random.default_rng(7)
    pre = rng.normal(3, 1, 40)
    post = pre + rng.normal(0.3, 0.8, 40)
    w = rng.uniform(1, 2, 40)
    df = pd.DataFrame({"id": [*range(40)] * 2, "wave": ["pre"] * 40 + ["post"] * 40,
                       "y": np.r_[pre, post], "w": np.r_[w, w]})
    r = ek.prepost(df, "y", "id", "wave", "pre", "post")
    m = minimum_detectable(r)
    assert m is not None and m.n == 40 and m.solved == "effect"
    sd = float(np.std(post - pre, ddof=1))
    np.testing.assert_allclose(m.delta, m.effect * sd, rtol=1e-12)
    # the d_z solved reaches exactly 80% power in the noncentral t (scipy, not statsmodels)
    crit = stats.t.ppf(0.975, 39)
    ncp = m.effect * math.sqrt(40)
    np.testing.assert_allclose(stats.nct.sf(crit, 39, ncp) + stats.nct.cdf(-crit, 39, ncp),
                               0.8, atol=1e-6)
    assert mde_record(r)["n"] == 40
    weighted = ek.prepost(df, "y", "id", "wave", "pre", "post", weights="w")
    assert minimum_detectable(weighted) is None
    binary = df.assign(y=(df["y"] > 3).astype(int))
    assert minimum_detectable(ek.prepost(binary, "y", "id", "wave", "pre", "post",
                                         test="mcnemar")) is None


def test_solved_comparison_group_is_rounded_up() -> None:
    r = ek.power("two_group", effect=0.5, power=0.8, ratio=1.3)
    assert r.n_other == math.ceil(r.n * 1.3)
    # the rounded groups reach the power (pwr.t2n.test power equation, scipy)
    n1, n2 = r.n, r.n_other
    df = n1 + n2 - 2
    ncp = 0.5 * math.sqrt(n1 * n2 / (n1 + n2))
    crit = stats.t.ppf(0.975, df)
    assert stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp) >= 0.8


def test_mde_when_statsmodels_returns_a_negative_root_in_an_array() -> None:
    # TTestPower().solve_power(nobs=73, power=0.8) returns array([-0.33...]) (statsmodels
    # 0.14-0.15 fallback root-finder); the MDE is its magnitude and reaches 80% power
    r = ek.power("paired", n=73, power=0.8)
    crit = stats.t.ppf(0.975, 72)
    ncp = r.effect * math.sqrt(73)
    assert r.effect > 0
    np.testing.assert_allclose(stats.nct.sf(crit, 72, ncp) + stats.nct.cdf(-crit, 72, ncp),
                               0.8, atol=1e-6)
