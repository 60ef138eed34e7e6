"""Callaway & Sant'Anna (2021) on ``mpdta``: never-treated controls, doubly robust, analytic SEs.

Expected values: R package ``did`` (README.md, docs/reference/att_gt.md, docs/reference/aggte.md),
analytic (influence-function) SEs as returned by moderndid, differences and csdid to 4
decimals; collected in docs/references.md. R call::

    did::att_gt(yname = "lemp", tname = "year", idname = "countyreal",
                gname = "first.treat", data = mpdta, bstrap = FALSE)   # xformla = ~lpop

Data are loaded from the moderndid package (a test dependency), never copied into the repo.
"""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

import evalkit as ek

moderndid = pytest.importorskip("moderndid")

EST_TOL = 5e-7  # estimates printed to 6 decimals
SE_TOL = 5e-7  # analytic SEs, also printed to 6 decimals


@pytest.fixture(scope="module")
def mpdta():
    data = moderndid.load_mpdta()
    return data.to_pandas() if hasattr(data, "to_pandas") else data


def _fit(mpdta, **kw):
    return ek.staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", **kw)


def _cell(result, g, t):
    cells = result.extra["att_gt"]
    row = cells[(cells["group"] == g) & (cells["time"] == t)]
    assert len(row) == 1
    return float(row["estimate"].iloc[0]), float(row["std_error"].iloc[0])


@pytest.mark.parametrize(
    ("g", "t", "est", "se"),
    [
        (2004, 2004, -0.010503, 0.023251),  # R did README, att_gt table
        (2004, 2006, -0.137259, 0.036436),
        (2006, 2007, -0.041224, 0.020229),
        (2007, 2007, -0.026054, 0.016655),
    ],
)
def test_att_gt_cells(mpdta, g, t, est, se):
    r = _fit(mpdta)
    got_est, got_se = _cell(r, g, t)
    assert_allclose(got_est, est, atol=EST_TOL)
    assert_allclose(got_se, se, atol=SE_TOL)


def test_simple_aggregation_and_pretest(mpdta):
    r = _fit(mpdta)
    # aggte(type = "simple"): -0.039951 (analytic SE 0.012034)
    assert_allclose(r.estimate, -0.039951, atol=EST_TOL)
    assert_allclose(r.se, 0.012034, atol=SE_TOL)
    assert r.design == "staggered_did" and r.n == 2500
    assert len(r.extra["att_gt"]) == 12
    # R did README: "P-value for pre-test of parallel trends assumption: 0.16812"
    assert_allclose(r.extra["pretrend_test"]["p_value"], 0.16812, atol=5e-6)


def test_dynamic_aggregation(mpdta):
    r = _fit(mpdta, aggregate="dynamic")
    tab = r.to_frame().set_index("term")
    # aggte(type = "dynamic"): e = 0, 1, 2
    for e, est, se in [(0, -0.019932, 0.011826), (1, -0.050957, 0.016893),
                       (2, -0.137259, 0.036436)]:
        assert_allclose(tab.loc[f"e={e}", "estimate"], est, atol=EST_TOL)
        assert_allclose(tab.loc[f"e={e}", "std_error"], se, atol=SE_TOL)
    assert "event_times" in r.extra


def test_covariate_cells(mpdta):
    r = _fit(mpdta, covariates="lpop")
    # att_gt(..., xformla = ~lpop): ATT(2004,2004) -0.014530 (0.022129), ATT(2006,2006) 0.000961 (0.019400)
    est, se = _cell(r, 2004, 2004)
    assert_allclose(est, -0.014530, atol=EST_TOL)
    assert_allclose(se, 0.022129, atol=SE_TOL)
    est, se = _cell(r, 2006, 2006)
    assert_allclose(est, 0.000961, atol=EST_TOL)
    assert_allclose(se, 0.019400, atol=SE_TOL)
    assert r.evidence_level == 4
