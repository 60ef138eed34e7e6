"""ek.staggered_did on a dask DataFrame (reduced by partitions) equals the in-memory result."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import DataError, EstimationError

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
pytestmark = pytest.mark.usefixtures("dask_synchronous")
TOL = 1e-10  # in-memory vs partitioned


def cohorts(n_units: int = 300, n_periods: int = 7, *, seed: int = 3, text_ids: bool = False,
            holes: bool = False) -> pd.DataFrame:
    """Staggered adoption (cohorts 2019–2021, never treated, one cohort after the data),
    dynamic effects, rows shuffled (a unit's rows spread over partitions)."""
    rng = np.random.default_rng(seed)
    uid = np.repeat(np.arange(n_units), n_periods)
    per = np.tile(np.arange(2016, 2016 + n_periods), n_units)
    first = rng.choice([0, 2019, 2020, 2021, 2030], size=n_units, p=[.3, .2, .2, .2, .1])
    g = first[uid]
    eff = np.where((g > 0) & (per >= g), 1.0 + 0.3 * (per - g), 0.0)
    y = rng.normal(size=n_units)[uid] + 0.2 * (per - 2016) + eff + rng.normal(size=len(uid))
    df = pd.DataFrame({"id": uid, "year": per, "first": g.astype(float), "y": y,
                       "other": rng.normal(size=len(uid))})
    if text_ids:
        df["id"] = "u" + (df["id"] * 7919 % 1009).astype(str)
    if holes:
        df.loc[rng.random(len(df)) < 0.03, "y"] = np.nan  # units missing a period
        df.loc[(df["first"] == 0) & (uid % 2 == 0), "first"] = np.nan  # never treated: missing
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def same(a: ek.EffectResult, b: ek.EffectResult) -> None:
    """Equal results: numbers to TOL, counts, notes and spec exactly."""
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), rtol=TOL, atol=TOL)
    assert (a.n, a.dropped, a.notes) == (b.n, b.dropped, b.notes)
    ga, gb = a.extra["att_gt"], b.extra["att_gt"]
    for col in ("group", "time", "base_period", "n_treated", "n_control"):
        np.testing.assert_array_equal(ga[col].to_numpy(), gb[col].to_numpy())
    for col in ("estimate", "std_error", "conf_low", "conf_high"):
        np.testing.assert_allclose(ga[col].to_numpy(float), gb[col].to_numpy(float),
                                   rtol=TOL, atol=TOL, err_msg=col)
    for key in ("n_units", "n_never_treated", "cohort_sizes", "pretrend_p"):
        assert a.extra[key] == pytest.approx(b.extra[key], rel=TOL, abs=TOL), key
    assert {k: v for k, v in b.spec.items()} == dict(a.spec)
    assert b.extra["backend"] == "dask"


def run_both(df: pd.DataFrame, npartitions: int, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ek.staggered_did(df, "y", "id", "year", "first", **kw)
        got = ek.staggered_did(dd.from_pandas(df, npartitions=npartitions), "y", "id", "year",
                               "first", **kw)
    return ref, got


@pytest.mark.parametrize(("control", "aggregate", "method"), [
    ("never", "simple", "dr"), ("notyet", "dynamic", "reg"), ("never", "group", "ipw"),
    ("notyet", "calendar", "dr")])
def test_staggered_dask_equals_pandas(control, aggregate, method):
    ref, got = run_both(cohorts(), 4, control=control, aggregate=aggregate, method=method)
    same(ref, got)
    assert got.extra["npartitions"] == 4


def test_staggered_dask_unbalanced_text_ids_and_bootstrap():
    df = cohorts(text_ids=True, holes=True, seed=5)
    ref, got = run_both(df, 3, aggregate="dynamic", bootstrap=True, n_boot=199, seed=11)
    assert "missing values" in ref.dropped
    assert "units not observed in every period (rows)" in ref.dropped
    same(ref, got)  # same unit order, so the same multiplier-bootstrap draws
    assert got.extra["critical_value_att_gt"] == pytest.approx(
        ref.extra["critical_value_att_gt"], rel=TOL)


def test_staggered_dask_on_a_local_cluster_with_two_workers():
    distributed = pytest.importorskip("distributed")
    df = cohorts(seed=7)
    ref = ek.staggered_did(df, "y", "id", "year", "first", aggregate="dynamic")
    with dask.config.set(scheduler=None), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster):
        got = ek.staggered_did(dd.from_pandas(df, npartitions=4), "y", "id", "year", "first",
                               aggregate="dynamic")
    same(ref, got)


def test_staggered_dask_unsupported_options_and_data_errors():
    df = cohorts(n_units=60)
    ddf = dd.from_pandas(df, npartitions=2)
    for kw, opt in [({"covariates": "other"}, "covariates="), ({"weights": "other"}, "weights="),
                    ({"panel": False}, "panel=False")]:
        with pytest.raises(EstimationError, match=rf"{opt} is not supported on a dask") as e:
            ek.staggered_did(ddf, "y", "id", "year", "first", **kw)
        assert "df.compute()" in (e.value.hint or "")
    # a (unit, period) pair repeated in two partitions: the in-memory error
    dup = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"pairs appear more than once"):
        ek.staggered_did(dd.from_pandas(dup, npartitions=2), "y", "id", "year", "first")
    two = df.copy()
    unit0 = two["id"] == two["id"].iloc[0]
    two.loc[unit0 & (two["year"] == 2016), "first"] = 2020.0
    two.loc[unit0 & (two["year"] != 2016), "first"] = 2021.0
    with pytest.raises(DataError, match=r"a unit in two cohorts"):
        ek.staggered_did(dd.from_pandas(two, npartitions=3), "y", "id", "year", "first")
    with pytest.raises(DataError, match=r"must be numeric|not numeric|numbers"):
        ek.staggered_did(dd.from_pandas(df.assign(y="x"), npartitions=2), "y", "id", "year",
                         "first")
