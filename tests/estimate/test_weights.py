"""``weights=``: weighted estimates equal statsmodels WLS, pyfixest ``weights=`` and R did's
``weightsname`` (through moderndid) to 1e-8; bad weight columns are DataErrors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError

TOL = 1e-8


def _cross_section(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"g": rng.integers(0, 2, n), "p": rng.integers(0, 2, n),
                       "x": rng.normal(size=n), "site": rng.integers(0, 40, n)})
    df["y"] = (1 + df.g + 0.5 * df.p + 2 * df.g * df.p + df.x
               + rng.normal(size=n) * (1 + df.g))
    df["w"] = rng.uniform(0.2, 3, n)
    df.loc[:5, "w"] = 0.0
    return df


def _panel(n_units: int = 60, n_periods: int = 4, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.repeat(np.arange(n_units), n_periods),
                       "t": np.tile(np.arange(n_periods), n_units)})
    df["g"] = (df.id < 25).astype(int)
    df["p"] = (df.t >= 2).astype(int)
    df["y"] = rng.normal(size=len(df)) + df.id * 0.1 + df.g * df.p * 1.5
    df["w"] = rng.uniform(0.5, 2, len(df))
    return df


# ---------------------------------------------------------------- ek.did
@pytest.mark.parametrize(("se", "cov_type"),
                         [("classical", "nonrobust"), ("robust", "HC1"), ("cluster", "cluster")])
def test_did_equals_statsmodels_wls(se, cov_type):
    sm = pytest.importorskip("statsmodels.api")
    df = _cross_section()
    sub = df[df.w > 0]
    X = sm.add_constant(pd.DataFrame({"g": sub.g, "p": sub.p, "gp": sub.g * sub.p, "x": sub.x}))
    kw = {"groups": sub.site} if cov_type == "cluster" else None
    m = sm.WLS(sub.y, X, weights=sub.w).fit(cov_type=cov_type, cov_kwds=kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ek.did(df, "y", "g", "p", covariates="x", weights="w", se=se,
                   cluster="site" if se == "cluster" else None, inference="analytic")
    assert_allclose(r.estimate, m.params["gp"], rtol=TOL)
    assert_allclose(r.se, m.bse["gp"], rtol=TOL)
    assert_allclose(r.table.set_index("term").loc["x", "std_error"], m.bse["x"], rtol=TOL)
    assert r.n == len(sub) and r.dropped == {"zero weight": 6}
    assert r.spec["weights"] == "w" and any("weighted" in n for n in r.notes)


@pytest.mark.parametrize("se", ["classical", "robust", "cluster"])
def test_did_equals_pyfixest_weights(se):
    pf = pytest.importorskip("pyfixest")
    df = _cross_section()
    vcov = {"classical": "iid", "robust": "hetero", "cluster": {"CRV1": "site"}}[se]
    m = pf.feols("y ~ g*p + x", data=df[df.w > 0], weights="w", vcov=vcov)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ek.did(df, "y", "g", "p", covariates="x", weights="w", se=se,
                   cluster="site" if se == "cluster" else None, inference="analytic")
    assert_allclose(r.estimate, m.coef()["g:p"], rtol=TOL)
    assert_allclose(r.se, m.se()["g:p"], rtol=TOL)


def test_did_panel_equals_pyfixest_weighted_within():
    pf = pytest.importorskip("pyfixest")
    df = _panel()
    m = pf.feols("y ~ p + g:p | id", data=df, weights="w", vcov={"CRV1": "id"})
    r = ek.did(df, "y", "g", "p", unit="id", weights="w", inference="analytic")
    assert_allclose(r.estimate, m.coef()["g:p"], rtol=TOL)
    assert_allclose(r.se, m.se()["g:p"], rtol=TOL)


def test_did_weights_scale_free_and_weighted_means():
    df = _cross_section()
    r1 = ek.did(df, "y", "g", "p", weights="w", se="robust")
    r2 = ek.did(df.assign(w=df.w * 37.5), "y", "g", "p", weights="w", se="robust")
    assert_allclose([r1.estimate, r1.se], [r2.estimate, r2.se], rtol=1e-12)
    # without covariates the WLS DiD is the DiD of the weighted cell means (hand computed)
    cell = {}
    for (gv, pv), s in df[df.w > 0].groupby(["g", "p"]):
        cell[(gv, pv)] = float((s.y * s.w).sum() / s.w.sum())
    hand = (cell[(1, 1)] - cell[(1, 0)]) - (cell[(0, 1)] - cell[(0, 0)])
    assert_allclose([r1.estimate, r1.extra["means_did"]], [hand, hand], rtol=1e-12)


def test_unit_weights_equal_unweighted():
    df = _cross_section().assign(w=1.0)
    r1 = ek.did(df, "y", "g", "p", weights="w", se="robust")
    r0 = ek.did(df, "y", "g", "p", se="robust")
    assert_allclose([r1.estimate, r1.se], [r0.estimate, r0.se], rtol=1e-12)


@pytest.mark.parametrize(("values", "match"), [
    (lambda df: df.w.astype(object).where(df.index != 3, "heavy"), "numeric"),
    (lambda df: df.w.where(df.index != 3, -1.0), ">= 0"),
    (lambda df: df.w * 0, "zero in every row"),
    (lambda df: df.w.where(df.index != 3, np.nan), "missing"),
])
def test_bad_weight_columns_are_data_errors(values, match):
    df = _cross_section()
    bad = df.assign(w=values(df))
    with pytest.raises(DataError, match=match) as err:
        ek.did(bad, "y", "g", "p", weights="w", se="robust")
    assert "'w'" in str(err.value)


def test_missing_weight_column():
    with pytest.raises(DataError, match="'wt'"):
        ek.did(_cross_section(), "y", "g", "p", weights="wt", se="robust")


def test_input_not_mutated():
    df = _cross_section()
    before = df.copy()
    ek.did(df, "y", "g", "p", weights="w", se="robust")
    pd.testing.assert_frame_equal(df, before)


# ---------------------------------------------------------------- ek.twfe / ek.event_study
def _staggered_panel(n_units: int = 300, n_periods: int = 6, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(2010, 2010 + n_periods), n_units)
    start = rng.choice((3, 4, 99), size=n_units)[unit] + 2010
    d = (t >= start).astype(float)
    x = rng.normal(size=len(t))
    y = (rng.normal(size=n_units)[unit] + 0.1 * (t - 2010) + 0.5 * d + 0.3 * x
         + rng.normal(size=len(t)) * (1 + d))
    df = pd.DataFrame({"id": unit, "year": t, "d": d, "x": x, "y": y,
                       "w": rng.uniform(0.3, 3, len(t)), "site": unit // 10,
                       "first": np.where(start > 2020, 0, start)})
    df = df.sample(frac=0.9, random_state=1).reset_index(drop=True)  # unbalanced
    df.loc[:4, "w"] = 0.0
    return df


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def test_twfe_equals_pyfixest_weights():
    pf = pytest.importorskip("pyfixest")
    df = _staggered_panel()
    r = _quiet(ek.twfe, df, "y", "id", "year", "d", covariates="x", weights="w",
               inference="analytic")
    sub = df[df.w > 0]
    # fixef_tol tightened so pyfixest's iterative demeaning is exact to the tolerance
    m = _quiet(pf.feols, "y ~ d + x | id + year", data=sub, weights="w",
               vcov={"CRV1": "id"}, fixef_tol=1e-14)
    tab = r.table.set_index("term")
    assert_allclose(tab.loc[["d", "x"], "estimate"], m.coef()[["d", "x"]], rtol=TOL)
    assert_allclose(tab.loc[["d", "x"], "std_error"], m.se()[["d", "x"]], rtol=TOL)
    assert r.n == len(sub) == m._N and r.dropped == {"zero weight": 5}
    assert r.spec["weights"] == "w" and "weighted" in r.method


def test_twfe_fe_dof_all_equals_statsmodels_lsdv_wls():
    sm = pytest.importorskip("statsmodels.api")
    df = _staggered_panel()
    r = _quiet(ek.twfe, df, "y", "id", "year", "d", covariates="x", weights="w",
               inference="analytic", fe_dof="all")
    sub = df[df.w > 0]
    X = pd.get_dummies(sub[["d", "x"]].assign(id=sub.id.astype(str), year=sub.year.astype(str)),
                       columns=["id", "year"], drop_first=True, dtype=float)
    m = sm.WLS(sub.y, sm.add_constant(X), weights=sub.w).fit(
        cov_type="cluster", cov_kwds={"groups": sub.id})
    assert_allclose(r.estimate, m.params["d"], rtol=TOL)
    assert_allclose(r.se, m.bse["d"], rtol=TOL)


def test_event_study_equals_pyfixest_weights():
    pf = pytest.importorskip("pyfixest")
    df = _staggered_panel()
    r = ek.event_study(df, "y", "id", "year", "first", weights="w", inference="analytic")
    sub = df[df.w > 0]
    rel = np.where(sub["first"] > 0, sub.year - sub["first"], -1)
    m = _quiet(pf.feols, "y ~ i(rel, ref=-1) | id + year", data=sub.assign(rel=rel),
               weights="w", vcov={"CRV1": "id"}, fixef_tol=1e-14)
    ev = r.extra["event_times"].set_index("event_time")
    assert len(m.coef()) == 6
    for name, coef in m.coef().items():
        k = float(name.split("::")[1].rstrip("]"))
        assert_allclose(ev.loc[k, "estimate"], coef, rtol=TOL)
        assert_allclose(ev.loc[k, "std_error"], m.se()[name], rtol=TOL)
    assert r.dropped == {"zero weight": 5} and r.spec["weights"] == "w"


def test_twfe_wild_bootstrap_runs_on_the_weighted_fit():
    # with equal weights the weighted bootstrap is the unweighted one, draw for draw
    df = _staggered_panel().assign(w=2.5)
    kw = {"cluster": "site", "inference": "wild", "reps": 199, "seed": 4}
    a = _quiet(ek.twfe, df, "y", "id", "year", "d", weights="w", **kw)
    b = _quiet(ek.twfe, df, "y", "id", "year", "d", **kw)
    assert_allclose([a.pvalue, *a.ci], [b.pvalue, *b.ci], rtol=1e-9)
    c = _quiet(ek.twfe, _staggered_panel(), "y", "id", "year", "d", weights="w", **kw)
    assert c.pvalue != a.pvalue
