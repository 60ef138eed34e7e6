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
