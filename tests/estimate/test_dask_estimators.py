"""Estimators on a dask DataFrame (computed by partitions) equal the in-memory ones."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import DataError, EstimationError

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")

TOL = 1e-10


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def panel(n_units: int = 240, n_periods: int = 8, *, unbalanced: bool = False,
          seed: int = 1) -> pd.DataFrame:
    """Simulated panel: staggered-free adoption at period 5 for 40% of units, a covariate,
    sites of 6 units, unit and period effects, heteroskedastic noise."""
    rng = np.random.default_rng(seed)
    uid = np.repeat(np.arange(n_units), n_periods)
    per = np.tile(np.arange(2015, 2015 + n_periods), n_units)
    treated = rng.random(n_units) < 0.4
    d = (treated[uid] & (per >= 2019)).astype(float)
    x = rng.normal(size=len(uid)) + 0.3 * d
    y = (5 + rng.normal(size=n_units)[uid] + 0.2 * (per - 2015) + 1.5 * d + 0.8 * x
         + rng.normal(size=len(uid)) * (1 + 0.5 * treated[uid]))
    df = pd.DataFrame({"id": uid, "year": per, "y": y, "d": d, "x": x,
                       "site": (uid // 6).astype(str)})
    if unbalanced:
        df = df[rng.random(len(df)) > 0.2]
        df.loc[df.index[:5], "y"] = np.nan  # missing outcome rows
        # a unit observed once (singleton) and a period observed once
        df = pd.concat([df, pd.DataFrame({"id": [9999], "year": [2015], "y": [1.0], "d": [0.0],
                                          "x": [0.1], "site": ["solo"]})], ignore_index=True)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def same(a: ek.EffectResult, b: ek.EffectResult) -> None:
    ta, tb = a.to_frame(), b.to_frame()
    assert list(ta["term"]) == list(tb["term"])
    for col in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
        np.testing.assert_allclose(ta[col].to_numpy(float), tb[col].to_numpy(float),
                                   rtol=TOL, atol=TOL, err_msg=col)
    assert a.n == b.n and a.dropped == b.dropped and a.n_dropped == b.n_dropped
    assert a.df == b.df and a.notes == b.notes
    for key in ("n_units", "n_periods", "n_clusters", "balanced", "staggered", "vcov_type"):
        assert a.extra[key] == b.extra[key], key
    assert math.isclose(a.extra["small_sample_factor"], b.extra["small_sample_factor"],
                        rel_tol=1e-14)
    np.testing.assert_allclose(a.extra["vcov"].to_numpy(), b.extra["vcov"].to_numpy(),
                               rtol=1e-9, atol=1e-14)


@pytest.mark.filterwarnings("ignore::evalkit.estimate.twfe.StaggeredTimingWarning")
@pytest.mark.parametrize("unbalanced", [False, True])
@pytest.mark.parametrize("cluster", [None, "site"])
@pytest.mark.parametrize("covariates", [None, ["x"]])
def test_twfe_dask_equals_pandas(unbalanced, cluster, covariates):
    df = panel(unbalanced=unbalanced)
    before = df.copy()
    ddf = dd.from_pandas(df, npartitions=5)
    dbefore = ddf.compute()
    kw = {"covariates": covariates, "cluster": cluster, "inference": "analytic"}
    ref = ek.twfe(df, "y", "id", "year", "d", **kw)
    got = ek.twfe(ddf, "y", "id", "year", "d", **kw)
    same(got, ref)
    assert got.extra["backend"] == "dask"
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_frame_equal(ddf.compute(), dbefore)
    if unbalanced:
        assert got.dropped["singletons"] >= 1 and got.dropped["missing values"] == 5
        assert not got.extra["balanced"]


def test_twfe_dask_indexed_by_unit_no_shuffle():
    df = panel(n_units=120)
    ddf = dd.from_pandas(df.set_index("id").sort_index(), npartitions=4)
    assert ddf.known_divisions
    ref = ek.twfe(df, "y", "id", "year", "d", covariates="x", fe_dof="all")
    same(ek.twfe(ddf, "y", "id", "year", "d", covariates="x", fe_dof="all"), ref)


@pytest.mark.filterwarnings("ignore::evalkit.estimate.twfe.StaggeredTimingWarning")
def test_twfe_dask_singleton_period_and_text_periods():
    df = panel(n_units=60, unbalanced=True, seed=3)
    df["year"] = df["year"].astype(str)
    # a period seen once: dropped (then its unit may become a singleton) as in memory
    extra = pd.DataFrame({"id": [0, 0], "year": ["2031", "2030"], "y": [1.0, 2.0],
                          "d": [1.0, 1.0], "x": [0.0, 0.0], "site": ["0", "0"]})
    df = pd.concat([df, extra], ignore_index=True)
    ddf = dd.from_pandas(df, npartitions=3)
    ref = ek.twfe(df, "y", "id", "year", "d", inference="analytic")
    same(ek.twfe(ddf, "y", "id", "year", "d", inference="analytic"), ref)


def test_twfe_dask_staggered_warning_matches():
    df = panel(n_units=80)
    df.loc[(df["id"] % 5 == 0) & (df["year"] >= 2017), "d"] = 1.0
    ddf = dd.from_pandas(df, npartitions=3)
    with pytest.warns(ek.StaggeredTimingWarning if hasattr(ek, "StaggeredTimingWarning")
                      else Warning):
        got = ek.twfe(ddf, "y", "id", "year", "d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ek.twfe(df, "y", "id", "year", "d")
    same(got, ref)


def test_twfe_dask_unsupported_options_are_clear():
    df = panel(n_units=60)
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(EstimationError, match=r"inference='wild'.*dask") as e:
        ek.twfe(ddf, "y", "id", "year", "d", inference="wild")
    assert "df.compute()" in (e.value.hint or "")
    # 10 sites < 30 clusters: in memory "auto" would use the wild bootstrap
    with pytest.raises(EstimationError, match="inference='auto' with 10 clusters"):
        ek.twfe(ddf, "y", "id", "year", "d", cluster="site")


def test_twfe_dask_data_errors():
    df = panel(n_units=40)
    dup = pd.concat([df, df.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match="appear more than once"):
        ek.twfe(dd.from_pandas(dup, npartitions=2), "y", "id", "year", "d")
    bad = df.assign(site=np.where(df["year"] > 2018, "a", df["site"]))
    with pytest.raises(DataError, match="does not nest"):
        ek.twfe(dd.from_pandas(bad, npartitions=2), "y", "id", "year", "d", cluster="site",
                inference="analytic")
    with pytest.raises(DataError, match="not found"):
        ek.twfe(dd.from_pandas(df, npartitions=2), "y", "id", "year", "nope")


def did_frame(seed: int = 2) -> pd.DataFrame:
    """Two-period panel of 300 units (some seen once) in 30 sites, a covariate."""
    rng = np.random.default_rng(seed)
    n_u = 300
    uid = np.repeat(np.arange(n_u), 2)
    post = np.tile([0.0, 1.0], n_u)
    grp = (rng.random(n_u) < 0.5).astype(float)[uid]
    x = rng.normal(size=len(uid))
    y = 10 + rng.normal(size=n_u)[uid] + 0.5 * post + 2 * grp * post + 0.7 * x \
        + rng.normal(size=len(uid)) * (1 + grp)
    df = pd.DataFrame({"id": uid, "post": post, "g": grp, "y": y, "x": x,
                       "site": uid % 30})
    drop = rng.random(len(df)) < 0.05  # some units seen once (singletons with unit FE)
    df = df[~drop].reset_index(drop=True)
    df.loc[3, "x"] = np.nan
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("kw", [
    {"se": "classical"},
    {"se": "robust", "covariates": "x"},
    {"cluster": "site", "inference": "analytic"},
    {"unit": "id", "covariates": "x"},
    {"unit": "id", "cluster": "site", "fe_dof": "all", "inference": "analytic"},
    {"unit": "id", "se": "robust"},
])
def test_did_dask_equals_pandas(kw):
    df = did_frame()
    ddf = dd.from_pandas(df, npartitions=4)
    ref = ek.did(df, "y", "g", "post", **kw)
    got = ek.did(ddf, "y", "g", "post", **kw)
    ta, tb = got.to_frame(), ref.to_frame()
    assert list(ta["term"]) == list(tb["term"])
    for col in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
        np.testing.assert_allclose(ta[col].to_numpy(float), tb[col].to_numpy(float),
                                   rtol=TOL, atol=TOL, err_msg=col)
    assert (got.n, got.dropped, got.df, got.notes) == (ref.n, ref.dropped, ref.df, ref.notes)
    for key in ("n_clusters", "n_units", "vcov_type"):
        assert got.extra[key] == ref.extra[key], key
    for key in ("means_did", "r_squared", "small_sample_factor"):
        assert math.isclose(got.extra[key], ref.extra[key], rel_tol=1e-10), key
    pd.testing.assert_frame_equal(got.extra["means"], ref.extra["means"], rtol=1e-10)


def test_did_dask_unsupported_and_errors():
    df = did_frame()
    ddf = dd.from_pandas(df, npartitions=3)
    with pytest.raises(EstimationError, match="inference='wild'"):
        ek.did(ddf, "y", "g", "post", unit="id", inference="wild")
    with pytest.raises(EstimationError, match="inference='auto' with 10 clusters"):
        ek.did(ddf.assign(site=ddf["site"] % 10), "y", "g", "post", cluster="site")
    bad = df.assign(g=np.where((df["post"] == 1) & (df["id"] < 10), 1 - df["g"], df["g"]))
    with pytest.raises(DataError, match="changes within unit"):
        ek.did(dd.from_pandas(bad, npartitions=3), "y", "g", "post", unit="id")
    with pytest.raises(DataError, match="must be 0/1"):
        ek.did(dd.from_pandas(df.assign(g=df["g"] * 2), npartitions=3), "y", "g", "post")


def test_estimators_without_a_partitioned_version_say_so():
    ddf = dd.from_pandas(panel(n_units=20).assign(first=2019), npartitions=2)
    with pytest.raises(DataError, match=r"dask DataFrame is not supported here") as e:
        ek.event_study(ddf, "y", "id", "year", "first")
    assert "df.compute()" in (e.value.hint or "")
