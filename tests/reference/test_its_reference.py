"""ek.its against statsmodels (OLS with Newey-West HAC) and its Ljung-Box test.

Reference calls (statsmodels >= 0.14):
    sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": L}, use_t=True)
    sm.OLS(y, X).fit(cov_type="hac-panel", cov_kwds={"groups": g, "maxlags": L,
                     "use_correction": False}, use_t=True)      # comparative ITS
    acorr_ljungbox(resid, lags=[h])
R: lm(...) + sandwich::NeweyWest(fit, lag = L, prewhite = FALSE, adjust = FALSE).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError, SpecError
from evalkit.estimate.its import ITSWarning

sm = pytest.importorskip("statsmodels.api")


def _series(T=48, start=25, seed=2, rho=0.4, level=-3.0, slope=-0.2):
    rng = np.random.default_rng(seed)
    t = np.arange(1, T + 1)
    e = np.zeros(T)
    for i in range(T):
        e[i] = (rho * e[i - 1] if i else 0) + rng.normal()
    post = t >= start
    y = 50 + 0.3 * t + level * post + slope * (t - start) * post + 2 * np.sin(2 * np.pi * t / 12) + e
    return pd.DataFrame({"month": t, "visits": y, "moy": (t - 1) % 12 + 1})


def _design(df, start, season=None):
    k = df["month"] - start
    D = (df["month"] >= start).astype(float)
    X = pd.DataFrame({"intercept": 1.0, "pre_trend": k, "level": D, "trend": k * D})
    if season is not None:
        X = pd.concat([X, pd.get_dummies(df[season], prefix="s", drop_first=True, dtype=float)],
                      axis=1)
    return X


@pytest.mark.parametrize("season", [None, "moy"])
def test_equals_statsmodels_hac(season):
    df = _series()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ITSWarning)
        r = ek.its(df, "visits", "month", start=25, season=season, hac_lags=3)
    X = _design(df, 25, season)
    fit = sm.OLS(df["visits"].to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": 3},
                                                 use_t=True)
    tab = r.to_frame().set_index("term")
    for name in ("level", "trend", "pre_trend", "intercept"):
        assert_allclose(tab.loc[name, "estimate"], fit.params[name], rtol=1e-10, atol=1e-10)
        assert_allclose(tab.loc[name, "std_error"], fit.bse[name], rtol=1e-10)
        assert_allclose(tab.loc[name, "p_value"], fit.pvalues[name], rtol=1e-8, atol=1e-14)
        assert_allclose(tab.loc[name, ["conf_low", "conf_high"]].to_numpy(dtype=float),
                        fit.conf_int().loc[name].to_numpy(), rtol=1e-10)
    # headline: mean over post months of fitted minus counterfactual, a linear combination
    kbar = np.mean(df["month"][df["month"] >= 25] - 25)
    a = np.zeros(len(fit.params))
    a[2], a[3] = 1.0, kbar
    tt = fit.t_test(a)
    assert_allclose(r.estimate, float(tt.effect[0]), rtol=1e-10)
    assert_allclose(r.se, float(tt.sd[0, 0]), rtol=1e-10)
    assert_allclose(r.pvalue, float(tt.pvalue), rtol=1e-8)
    s = r.extra["series"]
    assert_allclose(r.estimate, (s["fitted"] - s["counterfactual"])[s["post"]].mean(), rtol=1e-10)
    assert r.design == "its" and r.evidence_level == 2


def test_default_lag_and_ljung_box_equal_statsmodels():
    from statsmodels.stats.diagnostic import acorr_ljungbox

    df = _series(T=60, start=31, rho=0.7)
    with pytest.warns(ITSWarning, match="autocorrelation"):
        r = ek.its(df, "visits", "month", start=31)
    assert r.extra["hac_lags"] == int(np.floor(4 * (60 / 100) ** (2 / 9)))
    fit = sm.OLS(df["visits"].to_numpy(), _design(df, 31)).fit()
    lb = r.extra["ljung_box"]
    ref = acorr_ljungbox(fit.resid, lags=[lb["lags"]])
    assert_allclose(lb["statistic"], float(ref["lb_stat"].iloc[0]), rtol=1e-10)
    assert_allclose(lb["p_value"], float(ref["lb_pvalue"].iloc[0]), rtol=1e-8)


def test_comparative_its_equals_statsmodels_hac_panel():
    a = _series(seed=4)
    b = _series(seed=5, level=0.0, slope=0.0)
    df = pd.concat([a.assign(comparison=0), b.assign(comparison=1)], ignore_index=True)
    df = df.sample(frac=1.0, random_state=1)  # row order must not matter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ITSWarning)
        r = ek.its(df, "visits", "month", start=25, control="comparison", hac_lags=2)
    srt = df.sort_values(["comparison", "month"])
    base = _design(srt, 25)
    served = (1 - srt["comparison"]).to_numpy(dtype=float)[:, None]
    X = pd.concat([base.add_prefix("c_"), (base * served).add_prefix("d_")], axis=1)
    fit = sm.OLS(srt["visits"].to_numpy(), X).fit(
        cov_type="hac-panel", cov_kwds={"groups": srt["comparison"].to_numpy(), "maxlags": 2,
                                        "use_correction": False}, use_t=True)
    tab = r.to_frame().set_index("term")
    assert_allclose(tab.loc["level", "estimate"], fit.params["d_level"], rtol=1e-10)
    assert_allclose(tab.loc["trend", "estimate"], fit.params["d_trend"], rtol=1e-10)
    assert_allclose(tab.loc["level", "std_error"], fit.bse["d_level"], rtol=1e-10)
    assert_allclose(tab.loc["trend", "std_error"], fit.bse["d_trend"], rtol=1e-10)
    assert r.design == "comparative_its" and r.evidence_level == 3


def test_errors_and_warnings():
    df = _series(T=30, start=3)
    with pytest.raises(DataError, match="only 2 period"):
        ek.its(df, "visits", "month", start=3)
    with pytest.raises(DataError, match="no period"):
        ek.its(df, "visits", "month", start=99)
    with pytest.warns(ITSWarning, match="short series"):
        ek.its(_series(T=20, start=6, rho=0.0), "visits", "month", start=6)
    with pytest.raises(DataError, match="more than once"):
        ek.its(pd.concat([df, df.head(1)]), "visits", "month", start=10)
    with pytest.raises(SpecError, match="hac_lags"):
        ek.its(df, "visits", "month", start=10, hac_lags=-1)
    with pytest.raises(SpecError, match="start"):
        ek.its(df, "visits", "month", start="March")
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ITSWarning)
        ek.its(df, "visits", "month", start=10, season=12)
    pd.testing.assert_frame_equal(df, before)
