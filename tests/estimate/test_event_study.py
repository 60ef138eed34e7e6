"""ek.event_study and its plot: pyfixest equality, binned end points, pre-trend test, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError, RenderError, SpecError


def _panel(n_units=800, seed=5, cohorts=(0, 2013, 2015), pre_trend=0.0):
    rng = np.random.default_rng(seed)
    periods = np.arange(2010, 2018)
    unit = np.repeat(np.arange(n_units), len(periods))
    t = np.tile(periods, n_units)
    g = rng.choice(cohorts, size=n_units)[unit]
    rel = np.where(g > 0, t - g, -99)
    eff = np.where((g > 0) & (rel >= 0), 0.5 + 0.1 * rel, 0.0)
    trend = np.where(g > 0, pre_trend * (t - 2010), 0.0)
    y = rng.normal(size=n_units)[unit] + 0.1 * (t - 2010) + eff + trend + rng.normal(size=len(t))
    return pd.DataFrame({"id": unit, "year": t, "first": g, "y": y, "site": unit // 20})


def test_matches_pyfixest_i_syntax():
    pf = pytest.importorskip("pyfixest")
    df = _panel()
    r = ek.event_study(df, "y", "id", "year", "first")
    rel = np.where(df["first"] > 0, df["year"] - df["first"], -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.feols("y ~ i(rel, ref=-1) | id + year", data=df.assign(rel=rel),
                     vcov={"CRV1": "id"})
    ev = r.extra["event_times"].set_index("event_time")
    for name, coef in m.coef().items():
        k = float(name.split("::")[1].rstrip("]"))
        assert_allclose(ev.loc[k, "estimate"], coef, rtol=1e-8, atol=1e-12)
        assert_allclose(ev.loc[k, "std_error"], m.se()[name], rtol=1e-6)
    assert ev.loc[-1.0, "reference"] and ev.loc[-1.0, "estimate"] == 0.0
    post = [k for k in ev.index if k >= 0]
    assert_allclose(r.estimate, ev.loc[post, "estimate"].mean(), rtol=1e-12)
    assert r.term == "average post" and r.design == "event_study"


def test_binned_end_points_and_pretest():
    df = _panel()
    r = ek.event_study(df, "y", "id", "year", "first", window=(-3, 2))
    terms = list(r.to_frame()["term"])
    assert terms == ["average post", "e=<=-3", "e=-2", "e=0", "e=1", "e=>=2"]
    pre = r.extra["pretrend_test"]
    assert pre["df"] == 2 and 0 <= pre["p_value"] <= 1
    # the headline pre-trend p-value is the F(q, G-1) version (fixest wald()), not chi-squared
    from scipy import stats

    assert pre["df_denom"] == r.extra["n_clusters"] - 1
    assert_allclose(pre["p_value"], stats.f.sf(pre["statistic"], 2, pre["df_denom"]), rtol=1e-12)
    assert_allclose(pre["chi2_statistic"], 2 * pre["statistic"], rtol=1e-12)
    assert r.extra["pretrend_p"] == pre["p_value"]
    # a strong differential pre-trend is detected
    bad = ek.event_study(_panel(pre_trend=0.3), "y", "id", "year", "first", window=(-3, 2))
    assert bad.extra["pretrend_test"]["p_value"] < 1e-6


def test_no_never_treated_normalises_a_second_lead():
    df = _panel(cohorts=(2013, 2015))
    r = ek.event_study(df, "y", "id", "year", "first")
    assert r.extra["event_times"]["reference"].sum() >= 2
    assert any("also set to 0" in n for n in r.notes)
    assert np.isfinite(r.estimate) and np.isfinite(r.se)


def test_input_not_mutated_and_site_clusters():
    df = _panel()
    before = df.copy(deep=True)
    r = ek.event_study(df, "y", "id", "year", "first", cluster="site")
    pd.testing.assert_frame_equal(df, before)
    assert r.extra["n_clusters"] == 40


def test_plot_event_study_en_zh():
    from matplotlib.figure import Figure

    from evalkit.plot.event_study import plot_event_study

    r = ek.event_study(_panel(), "y", "id", "year", "first", window=(-3, 3))
    fig = plot_event_study(r, lang="en")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "relative" in ax.get_xlabel()
    fig_zh = plot_event_study(r, lang="zh")
    assert "相对" in fig_zh.axes[0].get_xlabel()
    with pytest.raises(RenderError):
        plot_event_study(r, lang="fr")
    twfe_like = ek.did(_panel().assign(g=lambda d: (d["first"] > 0).astype(int),
                                       p=lambda d: (d["year"] >= 2013).astype(int)),
                       "y", "g", "p")
    with pytest.raises(RenderError, match="no event-time"):
        plot_event_study(twfe_like)


def test_plot_dynamic_staggered():
    from evalkit.plot.event_study import plot_event_study

    r = ek.staggered_did(_panel(n_units=300), "y", "id", "year", "first", aggregate="dynamic")
    fig = plot_event_study(r, lang="zh")
    assert len(fig.axes) == 1


# -- bad input ------------------------------------------------------------------------------
def test_unit_in_two_cohorts():
    df = _panel()
    df.loc[0, "first"] = 2016 if df.loc[0, "first"] != 2016 else 2013
    with pytest.raises(DataError, match="two cohorts"):
        ek.event_study(df, "y", "id", "year", "first")


def test_cohort_without_pre_period():
    df = _panel()
    df.loc[df["id"] == 0, "first"] = 2010
    with pytest.raises(DataError, match=r"2010.*no pre-treatment period"):
        ek.event_study(df, "y", "id", "year", "first")


def test_bad_ref_and_window():
    df = _panel()
    with pytest.raises(SpecError, match="ref"):
        ek.event_study(df, "y", "id", "year", "first", ref=-20)
    with pytest.raises(SpecError, match="window"):
        ek.event_study(df, "y", "id", "year", "first", window=(0, 3))


def test_all_never_treated():
    df = _panel().assign(first=0)
    with pytest.raises(DataError, match="all never treated"):
        ek.event_study(df, "y", "id", "year", "first")


def test_non_numeric_time():
    df = _panel().astype({"year": str})
    df.loc[0, "year"] = "2010a"
    with pytest.raises(DataError, match="'year' must be numeric"):
        ek.event_study(df, "y", "id", "year", "first")


def test_singleton_unit_dropped_and_sentences():
    df = _panel()
    lone = pd.DataFrame({"id": [99_999], "year": [2012], "first": [2013], "y": [3.0],
                         "site": [0]})
    r = ek.event_study(pd.concat([df, lone], ignore_index=True), "y", "id", "year", "first")
    base = ek.event_study(df, "y", "id", "year", "first")
    assert r.dropped.get("singletons") == 1
    assert_allclose(r.to_frame()["estimate"], base.to_frame()["estimate"], rtol=1e-10)
    assert_allclose(r.se, base.se, rtol=1e-12)
    for res in (r, ek.staggered_did(df, "y", "id", "year", "first")):
        assert res.sentence("en") and res.sentence("zh")
        assert res.summary().startswith(res.method)
