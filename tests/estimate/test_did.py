"""ek.did: 2x2 DiD options, SE conventions against statsmodels/pyfixest, and every bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError, EstimationError, EvalkitWarning, SpecError
from evalkit.estimate.inference import FewClustersWarning


def _panel(n_units=200, seed=1, effect=2.0, n_sites=40):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), 2)
    post = np.tile([0, 1], n_units)
    group = (np.arange(n_units) % 2)[unit]
    site = (np.arange(n_units) % n_sites)[unit]
    y = (rng.normal(size=n_units)[unit] + 0.5 * post + 0.3 * group + effect * group * post
         + rng.normal(size=2 * n_units))
    x = rng.normal(size=2 * n_units)
    return pd.DataFrame({"id": unit, "post": post, "treated": group, "site": site, "y": y, "x": x})


def test_panel_unit_fe_equals_first_difference():
    df = _panel()
    r = ek.did(df, "y", "treated", "post", unit="id", se="robust")
    wide = df.pivot(index="id", columns="post", values="y")
    dy = wide[1] - wide[0]
    g = df.groupby("id")["treated"].first()
    assert_allclose(r.estimate, dy[g == 1].mean() - dy[g == 0].mean(), rtol=1e-12)
    assert r.term == "treated:post"
    assert "absorb" in " ".join(r.notes)


def test_cluster_se_matches_pyfixest_and_statsmodels():
    pf = pytest.importorskip("pyfixest")
    import statsmodels.formula.api as smf

    df = _panel()
    r = ek.did(df, "y", "treated", "post", se="cluster", cluster="site")
    m = smf.ols("y ~ treated * post", data=df).fit(cov_type="cluster",
                                                     cov_kwds={"groups": df["site"]})
    assert_allclose(r.se, m.bse["treated:post"], rtol=1e-10)
    r2 = ek.did(df, "y", "treated", "post", unit="id")  # auto: cluster on unit
    fit = pf.feols("y ~ post + treated:post | id", data=df, vcov={"CRV1": "id"})
    assert_allclose(r2.estimate, fit.coef()["treated:post"], rtol=1e-10)
    assert_allclose(r2.se, fit.se()["treated:post"], rtol=1e-8)
    assert r2.extra["vcov_type"] == "CR1"
    assert any("CR1" in n and "G/(G-1)" in n for n in r2.notes)


def test_fe_dof_all_counts_absorbed_effects():
    df = _panel()
    a = ek.did(df, "y", "treated", "post", unit="id", fe_dof="nested")
    b = ek.did(df, "y", "treated", "post", unit="id", fe_dof="all")
    n, k = a.n, 2
    # 'all' counts the 200 unit effects in K: factor (N-1)/(N-K-199) instead of (N-1)/(N-K-1)... ratio
    ratio = np.sqrt((n - k - 1) / (n - k - 200))
    assert_allclose(b.se / a.se, ratio, rtol=1e-10)


def test_auto_without_unit_is_robust_and_boolean_columns_accepted():
    df = _panel().assign(treated=lambda d: d["treated"].astype(bool),
                         post=lambda d: d["post"].astype(bool))
    r = ek.did(df, "y", "treated", "post")
    coded = ek.did(_panel(), "y", "treated", "post", se="robust")
    assert r.extra["vcov_type"] == "HC1"
    assert r.extra["means"].shape == (4, 5)
    assert_allclose([r.estimate, r.se], [coded.estimate, coded.se], rtol=1e-12)
    lo, hi = r.ci
    assert f"rose by {r.estimate:.2f} (95% CI {lo:.2f} to {hi:.2f})" in r.sentence("en")
    assert "comparison group" in r.sentence("en")
    assert f"上升了{r.estimate:.2f}" in r.sentence("zh")


def test_covariates_raise_evidence_level_and_missing_rows_are_dropped():
    df = _panel()
    df.loc[3, "x"] = np.nan
    r = ek.did(df, "y", "treated", "post", covariates="x")
    assert r.evidence_level == 4
    assert r.n_dropped == 1 and r.dropped == {"missing values": 1}
    assert "x" in set(r.to_frame()["term"])


def test_input_not_mutated():
    df = _panel()
    before = df.copy(deep=True)
    ek.did(df, "y", "treated", "post", unit="id", covariates=["x"], cluster="site")
    pd.testing.assert_frame_equal(df, before)


# -- bad input ------------------------------------------------------------------------------
def test_group_not_binary():
    df = _panel().assign(treated=lambda d: d["treated"] + 1)
    with pytest.raises(DataError, match=r"'treated' must be 0/1.*found values 1, 2"):
        ek.did(df, "y", "treated", "post")


def test_post_string_values():
    df = _panel().assign(post=lambda d: np.where(d["post"] == 1, "after", "before"))
    with pytest.raises(DataError, match=r"'post' must be 0/1.*'before'"):
        ek.did(df, "y", "treated", "post")


def test_non_numeric_outcome():
    df = _panel().astype({"y": object})
    df.loc[5, "y"] = "n/a"
    with pytest.raises(DataError, match=r"'y' must be numeric, found 'n/a'"):
        ek.did(df, "y", "treated", "post")


def test_missing_column():
    with pytest.raises(DataError, match="'nope' not found"):
        ek.did(_panel(), "nope", "treated", "post")


def test_empty_cell():
    df = _panel()
    df = df[~((df["treated"] == 1) & (df["post"] == 0))]
    with pytest.raises(DataError, match="no observations with treated=1 and post=0"):
        ek.did(df, "y", "treated", "post")


def test_group_varies_within_unit():
    df = _panel()
    df.loc[0, "treated"] = 1 - df.loc[0, "treated"]
    with pytest.raises(DataError, match="changes within unit"):
        ek.did(df, "y", "treated", "post", unit="id")


def test_collinear_covariates():
    df = _panel().assign(x2=lambda d: 2 * d["x"] + 1)
    with pytest.raises(EstimationError, match=r"'x2'|'x'"):
        ek.did(df, "y", "treated", "post", covariates=["x", "x2"])


def test_covariate_constant_within_unit_is_collinear_with_unit_effects():
    df = _panel().assign(z=lambda d: d["id"] % 7)
    with pytest.raises(EstimationError, match="'z'"):
        ek.did(df, "y", "treated", "post", unit="id", covariates="z")


def test_clusters_must_nest_units():
    df = _panel()
    df.loc[df.index[1], "site"] = 999  # unit 0 in two sites
    with pytest.raises(DataError, match="does not nest unit"):
        ek.did(df, "y", "treated", "post", unit="id", cluster="site")


def test_few_clusters_warn_and_one_cluster_errors():
    df = _panel(n_sites=10)
    with pytest.warns(FewClustersWarning, match="only 10 clusters"):
        ek.did(df, "y", "treated", "post", cluster="site", inference="analytic")
    assert issubclass(FewClustersWarning, EvalkitWarning)
    with pytest.raises(DataError, match="at least 2"):
        ek.did(df.assign(site=1), "y", "treated", "post", cluster="site")


def test_bad_options():
    df = _panel()
    with pytest.raises(SpecError, match="se: expected one of"):
        ek.did(df, "y", "treated", "post", se="HC3")
    with pytest.raises(SpecError, match="needs a cluster"):
        ek.did(df, "y", "treated", "post", se="cluster")
    with pytest.raises(SpecError, match="ignores cluster"):
        ek.did(df, "y", "treated", "post", se="robust", cluster="site")
    with pytest.raises(SpecError, match="alpha"):
        ek.did(df, "y", "treated", "post", alpha=1.5)
    with pytest.raises(DataError, match="DataFrame"):
        ek.did([1, 2], "y", "treated", "post")
