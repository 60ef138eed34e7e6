"""Kaplan–Meier volunteer retention (hand-computed product limit) and subgroup DiD
(statsmodels OLS with the three-way interaction)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import DataError
from evalkit.estimate.heterogeneity import did_by_subgroup
from evalkit.estimate.inference import FewClustersWarning
from evalkit.estimate.retention import conversion_rate, volunteer_retention


def _volunteers() -> pd.DataFrame:
    # days active: 30 (left), 60 (still active on as_of), 80 (left), 100 (left),
    # 120 (still active), 45 (left)
    join = pd.Timestamp("2025-01-01")
    as_of = join + pd.Timedelta(days=120)
    rows = [(0, 30), (60, None), (0, 80), (0, 100), (0, None), (10, 55)]
    out = []
    for start, stay in rows:
        j = join + pd.Timedelta(days=start)
        out.append({"joined": j.date().isoformat(),
                    "left": (j + pd.Timedelta(days=stay)).date().isoformat() if stay else None})
    return pd.DataFrame(out), as_of


def test_km_matches_product_limit():
    v, as_of = _volunteers()
    r = volunteer_retention(v, as_of=as_of.date(), horizon=90)
    # ordered times: 30 d, 45 d, 60 c, 80 d, 100 d, 120 c; at risk 6, 5, 4, 3, 2, 1
    # S(90) = (1 − 1/6)(1 − 1/5)(1 − 1/3) = 5/6 · 4/5 · 2/3 = 4/9
    np.testing.assert_allclose(r.retention, 4 / 9, rtol=1e-12)
    assert (r.n, r.events, r.censored) == (6, 4, 2)
    # Greenwood: var(log S) = 1/(6·5) + 1/(5·4) + 1/(3·2); log-log CI
    v_ = 1 / 30 + 1 / 20 + 1 / 6
    s = 4 / 9
    se = np.sqrt(v_) / abs(np.log(s))
    lo, hi = s ** np.exp(1.959963984540054 * se), s ** np.exp(-1.959963984540054 * se)
    np.testing.assert_allclose(r.ci, (lo, hi), rtol=1e-9)
    assert r.horizon_observed


def test_leaving_before_joining_is_an_error():
    v = pd.DataFrame({"joined": ["2025-03-01"], "left": ["2025-02-01"]})
    with pytest.raises(DataError, match="left on 2025-02-01 before joining on 2025-03-01"):
        volunteer_retention(v, as_of="2025-12-31")


def test_conversion():
    assert conversion_rate(["a", "b", "c", "d", "d"], ["d", "z", None]) == (0.25, 1, 4)


def _panel(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(12):
        strong = c < 6
        treated = c % 2 == 0
        for t in (0, 1):
            for _ in range(10):
                eff = (2.0 if strong else 0.5) * treated * t
                rows.append({"y": 1 + 0.3 * t + 0.5 * treated + eff + rng.normal(),
                             "g": int(treated), "p": t, "strength": "strong" if strong else "weak",
                             "community": f"C{c:02d}", "unit": f"C{c:02d}"})
    return pd.DataFrame(rows)


def test_subgroup_effects_match_statsmodels():
    smf = pytest.importorskip("statsmodels.formula.api")
    df = _panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)
        r = did_by_subgroup(df, "y", "g", "p", "strength", unit="unit", cluster="community")
    d = df.assign(s=(df["strength"] == "weak").astype(int))
    m = smf.ols("y ~ g*p*s", data=d).fit(cov_type="cluster",
                                          cov_kwds={"groups": d["community"]})
    strong = m.params["g:p"]
    weak = m.params["g:p"] + m.params["g:p:s"]
    np.testing.assert_allclose(r.table["estimate"], [strong, weak], rtol=1e-10)
    np.testing.assert_allclose(r.difference["estimate"], m.params["g:p:s"], rtol=1e-10)
    # statsmodels cluster: CR1 with G/(G−1)·(N−1)/(N−K), same as evalkit
    np.testing.assert_allclose(r.difference["std_error"], m.bse["g:p:s"], rtol=1e-8)
    np.testing.assert_allclose(r.table["std_error"].iloc[0], m.bse["g:p"], rtol=1e-8)
    assert r.few_clusters and r.n_clusters == 12
    # HC1 without clusters
    r2 = did_by_subgroup(df, "y", "g", "p", "strength")
    m2 = smf.ols("y ~ g*p*s", data=d).fit(cov_type="HC1", use_t=True)
    np.testing.assert_allclose(r2.difference["std_error"], m2.bse["g:p:s"], rtol=1e-8)
    # F(1, N−K) of the Wald test = t(N−K) test of the interaction
    np.testing.assert_allclose(r2.interaction["p_value"], m2.pvalues["g:p:s"], rtol=1e-6)


def test_few_clusters_warns_and_transferability():
    df = _panel()
    with pytest.warns(FewClustersWarning, match="only 12 clusters"):
        r = did_by_subgroup(df, "y", "g", "p", "strength", unit="unit", cluster="community")
    assert r.transferability  # 2.0 vs 0.5 with n = 240: the interaction is clear
    bad = df.loc[~((df["strength"] == "weak") & (df["g"] == 0))]
    with pytest.raises(DataError, match="subgroup 'weak' has no rows with g=0"):
        did_by_subgroup(bad, "y", "g", "p", "strength")


def test_wild_hook():
    """inference='wild' uses ek.did's wild cluster bootstrap when it exists, else says so."""
    import inspect

    from evalkit.errors import EstimationError
    from evalkit.estimate.did import did

    df = _panel()
    if "inference" not in inspect.signature(did).parameters:
        with pytest.raises(EstimationError, match="no wild cluster bootstrap"):
            did_by_subgroup(df, "y", "g", "p", "strength", cluster="community",
                            inference="wild")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = did_by_subgroup(df, "y", "g", "p", "strength", cluster="community",
                            inference="wild", reps=199, seed=1)
    assert (r.table["conf_low"] < r.table["estimate"]).all()
    assert "wild cluster bootstrap" in " ".join(r.notes)
