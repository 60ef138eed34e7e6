"""Reference values: Cronbach's alpha (pingouin), reliable change (hand computed, Jacobson &
Truax 1991), adjusted p-values (statsmodels), ANCOVA (statsmodels OLS), WWC thresholds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from evalkit.data.scales import scale
from evalkit.estimate.change import Norms, clinical_cutoff, reliable_change
from evalkit.estimate.diagnostics import (
    ancova,
    attrition,
    baseline_equivalence,
    wwc_boundary,
)
from evalkit.estimate.multiplicity import adjust_pvalues

ITEMS = ["q1", "q2", "q3", "q4"]


def likert(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 1, n)
    return pd.DataFrame({
        col: np.clip(np.round(3 + trait * (-1 if j == 3 else 1) + rng.normal(0, 0.8, n)), 1, 5)
        for j, col in enumerate(ITEMS)
    })


# -- Cronbach's alpha: pingouin.cronbach_alpha (R: psych::alpha(X)$total$raw_alpha) ---------

@pytest.mark.parametrize("with_missing", [False, True])
def test_alpha_equals_pingouin(with_missing: bool) -> None:
    pg = pytest.importorskip("pingouin")
    df = likert()
    if with_missing:
        df.loc[[2, 7, 30], "q1"] = np.nan
        df.loc[[9, 50], "q3"] = np.nan
    res = scale(df, ITEMS, reverse=["q4"])
    alpha, ci = pg.cronbach_alpha(df.assign(q4=6 - df["q4"]))  # pairwise, like evalkit
    assert_allclose(res.reliability.alpha, alpha, rtol=1e-12)
    assert_allclose(res.reliability.ci, ci, atol=5e-4 + 1e-12)  # pingouin rounds to 3 dp


def test_alpha_pingouin_docs_example() -> None:
    """pingouin docs: pg.cronbach_alpha(data=pg.read_dataset('cronbach_alpha'), items='Items',
    scores='Scores', subject='Subj') -> (0.5917..., [0.195, 0.84])."""
    pg = pytest.importorskip("pingouin")
    long = pg.read_dataset("cronbach_alpha")
    wide = long.pivot(index="Subj", values="Scores", columns="Items")
    wide.columns = [f"i{c}" for c in wide.columns]
    res = scale(wide, list(wide.columns), item_range=(0, 10), warn=False)
    assert_allclose(res.reliability.alpha, 0.5917, atol=5e-5)
    assert_allclose(res.reliability.ci, (0.195, 0.84), atol=5e-4 + 1e-12)


# -- reliable change: hand computation --------------------------------------------------------

def rc_data() -> pd.DataFrame:
    pre = [8, 9, 15, 12, 16, 6]
    post = [18, 14, 22, 13.5, 9, 13]
    return pd.DataFrame({"id": list("ABCDEF") * 2, "wave": [0] * 6 + [1] * 6,
                         "y": np.array(pre + post, dtype=float)})


def test_reliable_change_hand_computed() -> None:
    """sd = 5, r_xx = 0.8: SE_diff = 5·√2·√0.2 = √10 = 3.16228; smallest reliable change
    1.959964 × 3.16228 = 6.19795. Norms m0 = 10, s0 = 4 (dysfunctional), m1 = 20, s1 = 5:
    c = (4·20 + 5·10)/9 = 14.444, a = 10 + 2·4 = 18, b = 20 − 2·5 = 10.

    person  pre   post  change  RCI      class (cut-off c)
    A       8     18    10      3.162    recovered (8 < c ≤ 18)
    B       9     14     5      1.581    unchanged
    C      15     22     7      2.214    improved (already above c at pre)
    D      12     13.5   1.5    0.474    unchanged
    E      16      9    -7     -2.214    deteriorated
    F       6     13     7      2.214    improved (13 < c)
    """
    norms = Norms(dysfunctional_mean=10, dysfunctional_sd=4, functional_mean=20, functional_sd=5)
    rc = reliable_change(rc_data(), "y", "id", "wave", 0, 1, reliability=0.8, sd=5, norms=norms)
    assert_allclose(rc.se_diff, math.sqrt(10), rtol=1e-12)
    assert_allclose(rc.threshold, 6.19795, atol=5e-6)
    assert_allclose(rc.cutoff, 130 / 9, rtol=1e-12)
    assert rc.criterion == "c"
    assert_allclose(rc.people["rci"], [10, 5, 7, 1.5, -7, 7] / np.sqrt(10), rtol=1e-12)
    assert rc.people["category"].tolist() == ["recovered", "unchanged", "improved", "unchanged",
                                              "deteriorated", "improved"]
    assert dict(rc.counts) == {"recovered": 1, "improved": 2, "unchanged": 2, "deteriorated": 1}
    assert_allclose(list(rc.shares.values()), [1 / 6, 2 / 6, 2 / 6, 1 / 6], rtol=1e-12)
    # criterion b (cut-off 10): F (6 -> 13) also recovers
    rc_b = reliable_change(rc_data(), "y", "id", "wave", 0, 1, reliability=0.8, sd=5,
                           norms=norms, criterion="b")
    assert rc_b.cutoff == 10 and dict(rc_b.counts)["recovered"] == 2
    assert clinical_cutoff(norms, criterion="a") == (18.0, "a")
    # lower is better: E (16 -> 9) is a reliable improvement ending below c: recovered
    rc_low = reliable_change(rc_data(), "y", "id", "wave", 0, 1, reliability=0.8, sd=5,
                             norms=130 / 9, higher_is_better=False)
    assert dict(rc_low.counts) == {"recovered": 1, "improved": 0, "unchanged": 2,
                                   "deteriorated": 3}


def test_reliable_change_default_sd_is_pre_sd() -> None:
    rc = reliable_change(rc_data(), "y", "id", "wave", 0, 1, reliability=0.8)
    s1 = np.std([8, 9, 15, 12, 16, 6], ddof=1)
    assert_allclose(rc.se_diff, s1 * math.sqrt(2) * math.sqrt(0.2), rtol=1e-12)
    assert rc.cutoff is None and dict(rc.counts)["recovered"] == 0


# -- multiplicity: statsmodels multipletests (R: p.adjust) ------------------------------------

@pytest.mark.parametrize(("method", "sm_method"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjust_equals_statsmodels(method: str, sm_method: str) -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(2)
    for m in (1, 2, 5, 17):
        p = rng.uniform(0, 0.2, m)
        p[0] = p[-1]  # a tie
        assert_allclose(adjust_pvalues(p, method),  # type: ignore[arg-type]
                        multipletests(p, method=sm_method)[1], rtol=1e-12)


def test_adjust_r_p_adjust_values() -> None:
    """R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09;
    "BH" -> 0.05 0.05 0.05 0.05 0.05."""
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    assert_allclose(adjust_pvalues(p, "holm"), [0.05, 0.08, 0.09, 0.09, 0.09], rtol=1e-12)
    assert_allclose(adjust_pvalues(p, "bh"), [0.05] * 5, rtol=1e-12)


# -- ANCOVA: statsmodels OLS (R: lm(post ~ treated + pre)) ------------------------------------

@pytest.mark.parametrize("se", ["classical", "robust"])
def test_ancova_equals_statsmodels(se: str) -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(8)
    n = 80
    g = (np.arange(n) < 45).astype(float)
    x = rng.normal(3, 0.8, n)
    age = rng.normal(40, 9, n)
    y = 0.6 * x + 0.3 * g + 0.01 * age + rng.normal(0, 0.5, n)
    df = pd.DataFrame({"id": np.tile(np.arange(n), 2), "t": ["pre"] * n + ["post"] * n,
                       "y": np.r_[x, y], "grp": np.tile(np.where(g == 1, "served", "other"), 2),
                       "age": np.r_[age, age + 1]})
    r = ancova(df, "y", "id", "t", "pre", "post", group="grp", treated="served",
               control="other", covariates=["age"], se=se)  # type: ignore[arg-type]
    X = np.column_stack([g, x, age, np.ones(n)])
    fit = sm.OLS(y, X).fit(cov_type="HC1" if se == "robust" else "nonrobust")
    table = r.to_frame()
    assert_allclose(table["estimate"], fit.params, rtol=1e-10)
    assert_allclose(table["std_error"], fit.bse, rtol=1e-10)
    if se == "classical":
        assert_allclose(table["p_value"], fit.pvalues, rtol=1e-8)
        assert_allclose(table[["conf_low", "conf_high"]].to_numpy(), fit.conf_int(), rtol=1e-10)
    assert r.design == "pre_post_comparison" and r.evidence_level == 4
    assert r.n == n and r.term == "treated"


# -- WWC thresholds ---------------------------------------------------------------------------

def test_wwc_boundary_tabulated_points() -> None:
    """Standards Handbook v4.1 Table II.1 at the points in docs/references.md."""
    cautious = {0: 5.7, 10: 6.3, 20: 5.4, 30: 4.1, 40: 2.6, 50: 1.0}
    optimistic = {0: 10.0, 10: 10.9, 20: 10.0, 30: 8.2, 40: 6.0, 50: 3.7, 60: 1.4, 65: 0.3}
    for o, v in cautious.items():
        assert_allclose(wwc_boundary(o, "cautious"), v, rtol=1e-12)
    for o, v in optimistic.items():
        assert_allclose(wwc_boundary(o, "optimistic"), v, rtol=1e-12)
    assert math.isnan(wwc_boundary(58, "cautious")) and math.isnan(wwc_boundary(60, "cautious"))
    assert math.isnan(wwc_boundary(66, "optimistic"))
    assert_allclose(wwc_boundary(15, "cautious"), (6.3 + 5.4) / 2, rtol=1e-12)  # interpolated


def test_attrition_rating() -> None:
    a = attrition(100, 80, 100, 90)  # 15% overall, 10-point differential
    assert_allclose(a.overall, 15.0, rtol=1e-12)
    assert_allclose(a.differential, 10.0, rtol=1e-12)
    assert a.rating == {"cautious": "high", "optimistic": "low"}
    assert attrition(100, 40, 100, 40).rating == {"cautious": "high", "optimistic": "low"}  # 60%
    assert attrition(100, 60, 100, 60).rating == {"cautious": "low", "optimistic": "low"}  # 40%
    assert attrition(50, 45).rating == {"cautious": None, "optimistic": None}


def test_baseline_equivalence_hand_computed() -> None:
    """treated 1..5 (mean 3, var 2.5), control 2..6 (mean 4, var 2.5): pooled SD √2.5,
    raw g = -1/√2.5 = -0.632456, ω = 1 - 3/(4·10 - 9) = 28/31; g = -0.571251."""
    df = pd.DataFrame({"y": [1, 2, 3, 4, 5, 2, 3, 4, 5, 6.0], "g": ["t"] * 5 + ["c"] * 5})
    b = baseline_equivalence(df, "y", "g", "t", "c")
    assert_allclose(b.uncorrected, -1 / math.sqrt(2.5), rtol=1e-12)
    assert_allclose(b.value, -28 / 31 / math.sqrt(2.5), rtol=1e-12)
    assert b.index == "hedges_g" and b.verdict == "not_satisfied"
    # Cox index: p_t = 0.6, p_c = 0.5: ln(1.5)/1.65 × ω
    df2 = pd.DataFrame({"y": [1, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0.0],
                        "g": ["t"] * 5 + ["c"] * 6})
    df2.loc[10, "y"] = 0.0
    b2 = baseline_equivalence(df2, "y", "g", "t", "c")
    omega = 1 - 3 / (4 * 11 - 9)
    assert b2.index == "cox"
    assert_allclose(b2.value, omega * math.log((0.6 / 0.4) / (0.5 / 0.5)) / 1.65, rtol=1e-12)
