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


# ---------------------------------------------------------------- ek.staggered_did
@pytest.fixture(scope="module")
def mpdta_w():
    moderndid = pytest.importorskip("moderndid")
    data = moderndid.load_mpdta()
    df = data.to_pandas() if hasattr(data, "to_pandas") else data
    z = (df.lpop - df.lpop.mean()) / df.lpop.std()  # lpop is constant within county
    return df.assign(w=np.exp(z))


def _md_att_gt(df, **kw):
    moderndid = pytest.importorskip("moderndid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return moderndid.att_gt(data=df, yname="lemp", tname="year", gname="first.treat",
                                boot=False, weightsname="w", **kw)


STAGGERED_CASES = [
    ("never", "dr", False, True),
    ("notyet", "dr", True, True),
    ("never", "reg", True, True),
    ("notyet", "ipw", True, True),
    ("never", "dr", True, False),
    ("notyet", "reg", True, False),
    ("never", "ipw", True, False),
]


@pytest.mark.parametrize(("control", "method", "covariates", "panel"), STAGGERED_CASES)
def test_staggered_att_gt_equals_moderndid_weightsname(mpdta_w, control, method, covariates,
                                                       panel):
    data = mpdta_w if panel else mpdta_w.assign(rid=np.arange(len(mpdta_w)))
    r = ek.staggered_did(data, "lemp", "countyreal" if panel else "rid", "year", "first.treat",
                         control=control, method=method, weights="w",
                         covariates="lpop" if covariates else None, panel=panel)
    res = _md_att_gt(mpdta_w, idname="countyreal" if panel else None,
                     xformla="~lpop" if covariates else None, est_method=method, panel=panel,
                     control_group="nevertreated" if control == "never" else "notyettreated")
    cells = r.extra["att_gt"]
    assert_allclose(cells["estimate"], np.asarray(res.att_gt), rtol=0, atol=TOL)
    assert_allclose(cells["std_error"], np.asarray(res.se_gt), rtol=0, atol=TOL)
    unweighted = ek.staggered_did(data, "lemp", "countyreal" if panel else "rid", "year",
                                  "first.treat", control=control, method=method,
                                  covariates="lpop" if covariates else None, panel=panel)
    assert abs(unweighted.estimate - r.estimate) > 1e-3  # the weights matter here
    assert r.spec["weights"] == "w" and any("weighted" in n for n in r.notes)


@pytest.mark.parametrize("agg", ["simple", "dynamic", "group", "calendar"])
def test_staggered_aggregates_equal_r_did_aggte_with_weights(mpdta_w, agg):
    """R ``did::aggte`` weighs cohorts by ``pg = mean(weights.ind * (G == g))``.

    moderndid 0.2's ``att_gt`` does not carry the weight column into its result
    (``weights_ind`` is None), so its ``aggte`` falls back to equal unit weights; the
    reference is moderndid's ``aggte`` given the unit weights R passes (``weights.ind``), in
    moderndid's unit order (by cohort, never-treated last, then by id — checked below).
    """
    moderndid = pytest.importorskip("moderndid")
    res = _md_att_gt(mpdta_w, idname="countyreal", est_method="dr")
    units = mpdta_w.sort_values(["countyreal", "year"]).drop_duplicates("countyreal")
    units = units.assign(k=units["first.treat"].replace(0, np.inf)).sort_values(
        ["k", "countyreal"])
    assert np.array_equal(units["k"].to_numpy(), np.asarray(res.G))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ag = moderndid.aggte(res._replace(weights_ind=units["w"].to_numpy()), type=agg)
    r = ek.staggered_did(mpdta_w, "lemp", "countyreal", "year", "first.treat", weights="w",
                         aggregate=agg)
    assert_allclose([r.estimate, r.se], [ag.overall_att, ag.overall_se], rtol=0, atol=TOL)
    if agg != "simple":
        comp = r.extra["components"]
        assert_allclose(comp["estimate"], np.asarray(ag.att_by_event), rtol=0, atol=TOL)
        assert_allclose(comp["std_error"], np.asarray(ag.se_by_event), rtol=0, atol=TOL)


def test_staggered_weights_scale_free_and_checked(mpdta_w):
    kw = {"covariates": "lpop", "aggregate": "dynamic"}
    a = ek.staggered_did(mpdta_w, "lemp", "countyreal", "year", "first.treat", weights="w", **kw)
    b = ek.staggered_did(mpdta_w.assign(w=mpdta_w.w * 9.0), "lemp", "countyreal", "year",
                         "first.treat", weights="w", **kw)
    assert_allclose([a.estimate, a.se], [b.estimate, b.se], rtol=1e-10)
    varying = mpdta_w.assign(w=mpdta_w.w + 0.01 * (mpdta_w.year - 2003))
    with pytest.raises(DataError, match="'w' varies within unit 'countyreal'"):
        ek.staggered_did(varying, "lemp", "countyreal", "year", "first.treat", weights="w")
    # a unit of weight 0 is left out (its 5 rows counted), as if it were not in the data
    first = mpdta_w.countyreal.iloc[0]
    zero = mpdta_w.assign(w=mpdta_w.w.where(mpdta_w.countyreal != first, 0.0))
    z = ek.staggered_did(zero, "lemp", "countyreal", "year", "first.treat", weights="w")
    gone = ek.staggered_did(mpdta_w[mpdta_w.countyreal != first], "lemp", "countyreal", "year",
                            "first.treat", weights="w")
    assert z.dropped == {"zero weight": 5}
    assert_allclose([z.estimate, z.se], [gone.estimate, gone.se], rtol=1e-12)


# ---------------------------------------------------------------- ek.prepost
def _waves(n: int = 80, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pre = rng.normal(10, 2, n)
    post = pre + 0.8 + rng.normal(0, 1.5, n)
    w = rng.uniform(0.5, 4, n)
    w[:3] = 0.0
    return pd.DataFrame({"id": np.tile(np.arange(n), 2), "wave": ["pre"] * n + ["post"] * n,
                         "score": np.r_[pre, post], "w": np.r_[w, w]})


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_prepost_weighted_t_equals_wls_hc1(alternative):
    sm = pytest.importorskip("statsmodels.api")
    df = _waves()
    r = ek.prepost(df, "score", "id", "wave", "pre", "post", weights="w",
                   alternative=alternative)
    wide = df.pivot(index="id", columns="wave", values="score").join(
        df.drop_duplicates("id").set_index("id")["w"])
    wide = wide[wide.w > 0]
    d = (wide["post"] - wide["pre"]).to_numpy()
    m = sm.WLS(d, np.ones(len(d)), weights=wide.w.to_numpy()).fit(cov_type="HC1",
                                                                   use_t=True)
    assert_allclose([r.estimate, r.se], [m.params[0], m.bse[0]], rtol=TOL)
    from scipy import stats

    t = m.params[0] / m.bse[0]
    p = 2 * stats.t.sf(abs(t), len(d) - 1) if alternative == "two-sided" else \
        stats.t.sf(t, len(d) - 1)
    assert_allclose(r.pvalue, p, rtol=1e-10)
    if alternative == "two-sided":
        assert_allclose(r.ci, m.conf_int(alpha=0.05)[0], rtol=1e-8)  # both t(n-1)
    assert r.n == 77 and r.dropped == {"zero_weight": 3} and r.spec["weights"] == "w"
    # weighted descriptive means and d_z by hand
    ww = wide.w.to_numpy()
    assert_allclose(r.extra["mean_pre"], (ww * wide["pre"]).sum() / ww.sum(), rtol=1e-12)
    sd = np.sqrt(len(d) / (len(d) - 1) * (ww * (d - r.estimate) ** 2).sum() / ww.sum())
    assert_allclose(r.extra["cohens_dz"], r.estimate / sd, rtol=1e-12)


def test_prepost_equal_weights_is_the_paired_t():
    df = _waves().assign(w=3.0)
    r = ek.prepost(df, "score", "id", "wave", "pre", "post", weights="w")
    u = ek.prepost(df, "score", "id", "wave", "pre", "post")
    assert_allclose([r.estimate, r.se, r.pvalue, *r.ci], [u.estimate, u.se, u.pvalue, *u.ci],
                    rtol=1e-12)


def test_prepost_weights_refused_and_checked():
    from evalkit.errors import EstimationError

    df = _waves()
    for test in ("wilcoxon", "mcnemar"):
        with pytest.raises(EstimationError, match="test='t' only"):
            ek.prepost(df, "score", "id", "wave", "pre", "post", test=test, weights="w")
    differ = df.assign(w=df.w.where(df.wave == "pre", df.w + 1))
    with pytest.raises(DataError, match="differs between the pre and post rows"):
        ek.prepost(differ, "score", "id", "wave", "pre", "post", weights="w")
    with pytest.raises(DataError, match=r"'w'.*>= 0"):
        ek.prepost(df.assign(w=-df.w), "score", "id", "wave", "pre", "post", weights="w")


def test_did_weighted_wild_bootstrap_equals_brute_force_wls():
    """WCR on the weighted fit: every one of the 2^8 sign vectors refitted by statsmodels WLS
    (restricted residuals, CR1 t) gives the same enumerated p-value."""
    import itertools

    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(11)
    n = 160
    df = pd.DataFrame({"site": rng.integers(0, 8, n), "p": rng.integers(0, 2, n)})
    df["g"] = (df.site < 4).astype(int)
    df["y"] = 0.3 * df.g * df.p + rng.normal(size=n) + rng.normal(size=8)[df.site]
    df["w"] = rng.uniform(0.3, 3, n)
    r = ek.did(df, "y", "g", "p", cluster="site", se="cluster", weights="w", inference="wild")
    X = sm.add_constant(pd.DataFrame({"g": df.g, "p": df.p, "gp": df.g * df.p})).to_numpy()
    y, w, cl = df.y.to_numpy(), df.w.to_numpy(), df.site.to_numpy()

    def t_stat(yy):
        m = sm.WLS(yy, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": cl})
        return m.params[3] / m.bse[3]

    t0 = t_stat(y)
    fitted = X[:, :3] @ sm.WLS(y, X[:, :3], weights=w).fit().params  # restricted: g:p = 0
    resid = y - fitted
    draws = [t_stat(fitted + resid * np.array(s)[cl])
             for s in itertools.product([-1.0, 1.0], repeat=8)]
    p = np.mean(np.abs(t0) * (1 + 1e-9) < np.abs(draws))
    assert r.extra["wild_bootstrap"]["enumerated"]
    assert r.pvalue == p


def test_staggered_unit_with_some_zero_weight_rows_is_an_error(mpdta_w):
    first = mpdta_w.countyreal.iloc[0]
    partly = mpdta_w.assign(w=mpdta_w.w.where(
        (mpdta_w.countyreal != first) | (mpdta_w.year != 2004), 0.0))
    with pytest.raises(DataError, match="varies within unit 'countyreal' for 1 unit"):
        ek.staggered_did(partly, "lemp", "countyreal", "year", "first.treat", weights="w")
