"""Wild cluster bootstrap (WCR) against wildboottest 0.3 (PyPI; the Python port of
fwildclusterboot) on the same data and the same full dummy-variable regression.

Reference calls (Python, wildboottest 0.3.2):
    wildboottest(sm.OLS(y, X), param="d", cluster=cl, B=9999, weights_type="rademacher",
                 impose_null=True, bootstrap_type="11")
R equivalent: fwildclusterboot::boottest(feols(y ~ d | unit + time), param = "d",
clustid = ~cluster, B = 9999, impose_null = TRUE).

Under full enumeration (Rademacher, 2^G <= B) both are deterministic and must agree exactly;
with random draws they must agree within Monte Carlo error (4 standard errors of the
difference of two independent bootstrap p-values).

Ties: the draws v = +1 and v = -1 reproduce the sample statistic exactly (|t*| = |t| in exact
arithmetic), so with the strict rule p = mean(|t| < |t*|) they never count; wildboottest
resolves that tie by rounding noise (it may count them or not). The reference p-value is
therefore computed from wildboottest's own bootstrap statistics (``t_boot``, ``t_stat``) with
the tie rule stated: |t*| must exceed |t| by a relative 1e-9.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import evalkit as ek

wbt = pytest.importorskip("wildboottest.wildboottest")
sm = pytest.importorskip("statsmodels.api")


def _ref_p_contrast(X: np.ndarray, y: np.ndarray, cl: np.ndarray, R: np.ndarray,
                    B: int = 9999, weights: str = "rademacher", seed: int = 1) -> float:
    """WCR p-value of R'beta = 0 from wildboottest's bootstrap statistics (tie rule above)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = wbt.WildboottestCL(X=X, Y=y, cluster=cl, R=R, B=B, seed=seed, parallel=False)
        boot.get_scores(bootstrap_type="11", impose_null=True)
        boot.get_weights(weights_type=weights)
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
        boot.get_pvalue(pval_type="two-tailed")
    t = abs(float(np.ravel(boot.t_stat)[0]))
    return float(np.mean(t * (1 + 1e-9) < np.abs(boot.t_boot)))


def _ref_p(X: pd.DataFrame, y: np.ndarray, cl: np.ndarray, param: str, B: int = 9999,
           weights: str = "rademacher", seed: int = 11) -> float:
    R = (X.columns == param).astype(float)
    return _ref_p_contrast(X.to_numpy(dtype=float), np.asarray(y, dtype=float), cl, R, B,
                           weights, seed)


def _cross_section(n_sites: int, seed: int, effect: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 40 * n_sites
    site = np.repeat(np.arange(n_sites), 40)
    treated = (site < n_sites // 2).astype(float)
    post = rng.integers(0, 2, n).astype(float)
    y = (rng.normal(size=n_sites)[site] + rng.normal(scale=0.5, size=n_sites)[site] * post
         + 0.2 * post + effect * treated * post + rng.normal(size=n))
    return pd.DataFrame({"y": y, "treated": treated, "post": post, "site": site,
                         "x": rng.normal(size=n)})


def _panel(n_units: int, n_periods: int, seed: int, staggered: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    if staggered:
        first = np.array([0, 0, 0, 3, 4, 5, 3, 4, 0, 6, 5, 0])[np.arange(n_units) % 12]
    else:
        first = np.where(np.arange(n_units) % 2 == 0, 4, 0)
    g = first[unit]
    d = ((g > 0) & (t >= g)).astype(float)
    y = (rng.normal(size=n_units)[unit] + 0.1 * t + 0.25 * d
         + rng.normal(scale=0.3, size=n_units)[unit] * t / n_periods + rng.normal(size=len(t)))
    return pd.DataFrame({"id": unit, "t": t, "d": d, "first": g, "y": y})


def test_did_2x2_equals_wildboottest_under_full_enumeration():
    df = _cross_section(8, seed=3)
    r = ek.did(df, "y", "treated", "post", cluster="site", inference="wild")
    X = pd.DataFrame({"const": 1.0, "treated": df["treated"], "post": df["post"],
                      "inter": df["treated"] * df["post"]})
    ref = _ref_p(X, df["y"].to_numpy(), df["site"].to_numpy(), "inter")
    wb = r.extra["wild_bootstrap"]
    assert wb["enumerated"] and wb["reps"] == 256
    assert r.pvalue == ref  # both k/256, exactly
    assert r.extra["inference"] == "wild"
    # the standard error stays CR1 and auto picks the bootstrap below 30 clusters
    auto = ek.did(df, "y", "treated", "post", cluster="site")
    assert auto.pvalue == r.pvalue and auto.ci == r.ci
    analytic = ek.did(df, "y", "treated", "post", cluster="site", inference="analytic")
    assert analytic.se == r.se and analytic.pvalue != r.pvalue


def test_did_with_covariate_and_unit_effects_equals_wildboottest():
    # panel of 10 clusters x 6 units x 2 periods; unit effects nested in clusters
    rng = np.random.default_rng(8)
    units = np.arange(60)
    df = pd.DataFrame({"id": np.repeat(units, 2), "post": np.tile([0.0, 1.0], 60)})
    df["site"] = df["id"] // 6
    df["treated"] = (df["site"] < 5).astype(float)
    df["x"] = rng.normal(size=len(df))
    df["y"] = (rng.normal(size=60)[df["id"]] + 0.5 * df["x"] + 0.2 * df["post"]
               + rng.normal(scale=0.6, size=10)[df["site"]] * df["post"]
               + rng.normal(size=len(df)))
    r = ek.did(df, "y", "treated", "post", unit="id", cluster="site", covariates="x",
               inference="wild")
    X = pd.get_dummies(df["id"], prefix="u", dtype=float)
    X.insert(0, "post", df["post"])
    X.insert(1, "inter", df["treated"] * df["post"])
    X.insert(2, "x", df["x"])
    ref = _ref_p(X, df["y"].to_numpy(), df["site"].to_numpy(), "inter")
    assert r.extra["wild_bootstrap"]["reps"] == 1024
    assert r.pvalue == ref


def test_twfe_equals_wildboottest_with_period_dummies():
    df = _panel(10, 8, seed=4)
    r = ek.twfe(df, "y", "id", "t", "d", inference="wild")
    X = pd.concat([df[["d"]], pd.get_dummies(df["id"], prefix="u", dtype=float),
                   pd.get_dummies(df["t"], prefix="t", drop_first=True, dtype=float)], axis=1)
    ref = _ref_p(X, df["y"].to_numpy(), df["id"].to_numpy(), "d")
    assert r.extra["wild_bootstrap"]["enumerated"]
    assert r.pvalue == ref


def test_event_study_average_equals_wildboottest_contrast():
    df = _panel(12, 8, seed=6, staggered=True)
    r = ek.event_study(df, "y", "id", "t", "first", window=(-3, 3), inference="wild")
    ev = r.extra["event_times"]
    est = ev.loc[~ev["reference"]]
    rel = np.where(df["first"] > 0, np.clip(df["t"] - df["first"], -3, 3), np.nan)
    cols = {f"e{int(k)}": (rel == k).astype(float) for k in est["event_time"]}
    D = pd.DataFrame(cols)
    X = pd.concat([D, pd.get_dummies(df["id"], prefix="u", dtype=float),
                   pd.get_dummies(df["t"], prefix="t", drop_first=True, dtype=float)], axis=1)
    R = np.zeros(X.shape[1])
    post = [j for j, k in enumerate(est["event_time"]) if k >= 0]
    R[post] = 1 / len(post)
    ref = _ref_p_contrast(X.to_numpy(), df["y"].to_numpy(), df["id"].to_numpy(), R)
    assert r.extra["wild_bootstrap"]["reps"] == 4096
    assert r.pvalue == ref


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_random_draws_within_monte_carlo_error(weights):
    df = _cross_section(20, seed=9, effect=0.25)
    r = ek.did(df, "y", "treated", "post", cluster="site", inference="wild",
               boot_weights=weights, seed=123)
    assert not r.extra["wild_bootstrap"]["enumerated"] and r.extra["wild_bootstrap"]["reps"] == 9999
    X = pd.DataFrame({"const": 1.0, "treated": df["treated"], "post": df["post"],
                      "inter": df["treated"] * df["post"]})
    ref = _ref_p(X, df["y"].to_numpy(), df["site"].to_numpy(), "inter", weights=weights,
                 seed=98765)
    p = (r.pvalue + ref) / 2
    tol = 4 * math.sqrt(2 * p * (1 - p) / 9999)
    assert abs(r.pvalue - ref) <= tol


def test_interval_is_the_inverted_test():
    """At each end of the interval wildboottest's p-value for that null crosses alpha."""
    df = _cross_section(10, seed=21)
    r = ek.did(df, "y", "treated", "post", cluster="site", inference="wild")
    lo, hi = r.ci
    assert lo < r.estimate < hi
    X = pd.DataFrame({"const": 1.0, "treated": df["treated"], "post": df["post"],
                      "inter": df["treated"] * df["post"]})
    inter = X["inter"].to_numpy()
    y = df["y"].to_numpy()
    eps = 1e-6 * r.se
    for bound, inward in ((lo, +1), (hi, -1)):
        inside = _ref_p(X, y - (bound + inward * eps) * inter, df["site"].to_numpy(), "inter")
        outside = _ref_p(X, y - (bound - inward * eps) * inter, df["site"].to_numpy(), "inter")
        assert inside >= 0.05 > outside


def test_twfe_unbalanced_with_covariate_and_coarser_clusters():
    df = _panel(40, 8, seed=11)
    df["site"] = df["id"] // 4  # 10 clusters of 4 units
    df["x"] = np.random.default_rng(2).normal(size=len(df))
    df = df.drop(index=[3, 17, 50, 51, 200]).reset_index(drop=True)
    r = ek.twfe(df, "y", "id", "t", "d", covariates="x", cluster="site", inference="wild")
    X = pd.concat([df[["d", "x"]], pd.get_dummies(df["id"], prefix="u", dtype=float),
                   pd.get_dummies(df["t"], prefix="t", drop_first=True, dtype=float)], axis=1)
    ref = _ref_p(X, df["y"].to_numpy(), df["site"].to_numpy(), "d")
    assert r.extra["wild_bootstrap"]["reps"] == 1024
    assert r.pvalue == ref
