"""ek.twfe: equals pyfixest to 1e-8 (balanced, unbalanced, singletons), SE conventions, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError, EstimationError
from evalkit.estimate.twfe import StaggeredTimingWarning

pf = pytest.importorskip("pyfixest")


def _panel(n_units=600, n_periods=8, seed=3, starts=(3, 5, 99), frac=1.0):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(2010, 2010 + n_periods), n_units)
    start = rng.choice(starts, size=n_units)[unit] + 2010
    d = (t >= start).astype(float)
    x = rng.normal(size=len(t)) + 0.2 * d
    y = rng.normal(size=n_units)[unit] + 0.1 * (t - 2010) + 0.5 * d + 0.3 * x + rng.normal(size=len(t))
    df = pd.DataFrame({"id": unit, "year": t, "d": d, "x": x, "y": y, "site": unit // 15})
    if frac < 1:
        df = df.sample(frac=frac, random_state=seed).reset_index(drop=True)
    return df


def _ek(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaggeredTimingWarning)
        return ek.twfe(df, "y", "id", "year", "d", **kw)


def _pf(df, fml="y ~ d | id + year", vcov=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(fml, data=df, vcov=vcov or {"CRV1": "id"})


@pytest.mark.parametrize("frac", [1.0, 0.8])
def test_equals_pyfixest(frac):
    df = _panel(frac=frac)
    r = _ek(df)
    m = _pf(df)
    assert_allclose(r.estimate, m.coef()["d"], rtol=1e-8, atol=0)
    assert_allclose(r.se, m.se()["d"], rtol=1e-6)  # SE: pyfixest's iterative demeaning tol
    assert r.extra["balanced"] is (frac == 1.0)


def test_equals_pyfixest_with_covariate_and_site_clusters():
    df = _panel(frac=0.9)
    r = _ek(df, covariates="x", cluster="site")
    m = _pf(df, "y ~ d + x | id + year", {"CRV1": "site"})
    tab = r.to_frame().set_index("term")
    assert_allclose(tab.loc[["d", "x"], "estimate"], m.coef()[["d", "x"]], rtol=1e-8, atol=0)
    assert_allclose(tab.loc[["d", "x"], "std_error"], m.se()[["d", "x"]], rtol=1e-6)


def test_singletons_dropped_like_fixest():
    df = _panel(frac=1.0)
    lone = pd.DataFrame({"id": [10_000, 10_001], "year": [2011, 2012], "d": [0.0, 1.0],
                         "x": [0.0, 0.1], "y": [5.0, 9.0], "site": [0, 0]})
    df2 = pd.concat([df, lone], ignore_index=True)
    r = _ek(df2)
    assert r.dropped.get("singletons") == 2 and r.n == len(df)
    m = _pf(df2)
    assert_allclose(r.estimate, m.coef()["d"], rtol=1e-8, atol=0)


def test_fe_dof_all_and_linearmodels_convention():
    """fe_dof="all" counts every absorbed effect in K (Stata areg). linearmodels' default
    clustered SE also counts them but uses N/(N-K) without G/(G-1): the two differ by exactly
    sqrt(G/(G-1) * (N-1)/N)."""
    lm = pytest.importorskip("linearmodels")
    df = _panel(n_units=300)
    r = _ek(df, fe_dof="all")
    nested = _ek(df)
    data = df.set_index(["id", "year"])
    res = lm.PanelOLS(data["y"], data[["d"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True)
    assert_allclose(r.estimate, res.params["d"], rtol=1e-8)
    n, g = r.n, r.extra["n_clusters"]
    assert_allclose(r.se, res.std_errors["d"] * np.sqrt(g / (g - 1) * (n - 1) / n), rtol=1e-8)
    # nested (fixest) vs all: K = 1 + T versus K = 1 + G + T - 1
    k_nested, k_all = 1 + 8, 1 + g + 8 - 1
    assert_allclose(r.se / nested.se, np.sqrt((n - k_nested) / (n - k_all)), rtol=1e-10)


def test_staggered_warning_points_to_staggered_did():
    df = _panel()
    with pytest.warns(StaggeredTimingWarning, match="staggered_did"):
        ek.twfe(df, "y", "id", "year", "d")
    # a single start date: no warning
    df1 = _panel(starts=(4, 99))
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaggeredTimingWarning)
        r = ek.twfe(df1, "y", "id", "year", "d")
    assert r.design == "twfe" and r.extra["staggered"] is False


def test_input_not_mutated():
    df = _panel(frac=0.9)
    before = df.copy(deep=True)
    _ek(df, covariates="x", cluster="site")
    pd.testing.assert_frame_equal(df, before)


def test_switching_off_is_an_error():
    df = _panel()
    i = df.index[(df["d"] == 1)][0]
    j = df.index[(df["id"] == df.loc[i, "id"]) & (df["year"] > df.loc[i, "year"])][0]
    df.loc[j, "d"] = 0.0
    with pytest.raises(DataError, match="switches off"):
        _ek(df)


def test_duplicate_rows_error():
    df = _panel()
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="more than once"):
        _ek(df)


def test_collinear_covariate_named():
    df = _panel().assign(z=lambda d: d["id"] % 3)  # constant within unit
    with pytest.raises(EstimationError, match="'z'"):
        _ek(df, covariates="z")


def test_cluster_not_nesting_units():
    df = _panel()
    df["bad"] = np.arange(len(df)) % 50
    with pytest.raises(DataError, match="does not nest"):
        _ek(df, cluster="bad")


def test_non_numeric_outcome():
    df = _panel().astype({"y": object})
    df.loc[0, "y"] = "x"
    with pytest.raises(DataError, match="'y' must be numeric"):
        _ek(df)
