"""evalkit._dist against scipy.stats over grids of arguments, tails and edge values included."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from evalkit import _dist

#: arguments: the centre, both tails, the ends of the support and invalid values
X = np.array([-np.inf, -1e3, -40.0, -38.5, -12.0, -8.0, -5.0, -3.0, -1.959964, -1.0, -0.3,
              -1e-9, -0.0, 0.0, 1e-300, 1e-9, 0.2, 0.5, 1.0, 1.5, 1.959964, 2.5, 3.0, 4.0,
              8.0, 12.0, 37.5, 40.0, 100.0, 1e3, 1e6, np.inf, np.nan])
P = np.array([-0.5, 0.0, 1e-300, 1e-100, 1e-20, 1e-12, 1e-8, 1e-5, 0.001, 0.005, 0.01,
              0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995,
              0.999, 1 - 1e-9, 1 - 1e-12, 1 - 1e-16, 1.0, 1.5, np.nan])
#: degrees of freedom: the ones evalkit uses (n − 1 of small samples, residual df of
#: regressions, Cronbach's (n−1) and (n−1)(k−1), χ² lags) and invalid ones
DF = [0.5, 1, 2, 3, 4, 5, 7, 9, 14, 29, 49, 99, 249, 250, 499, 1497, 1e4, 1e7, np.inf,
      0, -1, np.nan]
F_DF = [(1, 1), (1, 9), (2, 30), (3, 997), (4, 1e4), (9, 2241), (29, 56), (249, 1743),
        (0.5, 3.5), (1e6, 5), (5, np.inf), (0, 4), (3, -1), (np.nan, 4)]
NCT = [(t, df, nc) for df in (2, 9, 29, 99, 249, 1497) for nc in (-12.0, -3.0, 0.0, 0.4,
       2.5, 8.0, 30.0) for t in (-6.0, -1.0, 0.0, 0.8, 2.0, 5.5, 14.0)]

REL = 1e-14  # agreement asked for; the functions are the same special functions, so 0 in fact


def check(ours: Any, theirs: Any) -> None:
    ours_a, theirs_a = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    np.testing.assert_array_equal(np.isnan(ours_a), np.isnan(theirs_a))
    np.testing.assert_allclose(ours_a, theirs_a, rtol=REL, atol=0, equal_nan=True)


@pytest.mark.parametrize(("ours", "theirs", "grid"), [
    (_dist.norm_pdf, stats.norm.pdf, X), (_dist.norm_cdf, stats.norm.cdf, X),
    (_dist.norm_sf, stats.norm.sf, X), (_dist.norm_ppf, stats.norm.ppf, P),
    (_dist.norm_isf, stats.norm.isf, P)])
def test_normal(ours: Callable[..., Any], theirs: Callable[..., Any], grid: Any) -> None:
    check(ours(grid), theirs(grid))
    for v in grid:  # the scalar path returns a Python float equal to scipy's scalar
        out = ours(float(v))
        assert type(out) is float
        check(out, theirs(float(v)))


@pytest.mark.parametrize("df", DF)
@pytest.mark.parametrize("name", ["cdf", "sf", "ppf", "isf"])
def test_t(name: str, df: float) -> None:
    grid = P if name in ("ppf", "isf") else X
    ours = getattr(_dist, f"t_{name}")
    theirs = getattr(stats.t, name)
    check(ours(grid, df), theirs(grid, df))
    for v in grid[::3]:
        check(ours(float(v), df), theirs(float(v), df))


@pytest.mark.parametrize("df", DF)
@pytest.mark.parametrize("name", ["cdf", "sf", "ppf", "isf"])
def test_chi2(name: str, df: float) -> None:
    grid = P if name in ("ppf", "isf") else np.abs(X)
    if name in ("cdf", "sf"):
        grid = np.concatenate([grid, [-1.0, -np.inf, 1e-5, 0.05, 0.5, 3.84, 6.6]])
    check(getattr(_dist, f"chi2_{name}")(grid, df), getattr(stats.chi2, name)(grid, df))


@pytest.mark.parametrize(("dfn", "dfd"), F_DF)
@pytest.mark.parametrize("name", ["cdf", "sf", "ppf", "isf"])
def test_f(name: str, dfn: float, dfd: float) -> None:
    grid = P if name in ("ppf", "isf") else np.concatenate([np.abs(X), [-1.0, -np.inf]])
    check(getattr(_dist, f"f_{name}")(grid, dfn, dfd), getattr(stats.f, name)(grid, dfn, dfd))


def test_noncentral_t() -> None:
    t, df, nc = (np.array(v, dtype=float) for v in zip(*NCT, strict=True))
    check(_dist.nct_cdf(t, df, nc), stats.nct.cdf(t, df, nc))
    for a, b, c in NCT[::5]:
        check(_dist.nct_cdf(a, b, c), stats.nct.cdf(a, b, c))
    edges = [(np.inf, 5, 1.0), (-np.inf, 5, 1.0), (np.nan, 5, 1.0), (1.0, 0, 1.0),
             (1.0, -2, 1.0), (1.0, 5, np.nan), (1.0, np.nan, 0.0)]
    for a, b, c in edges:
        check(_dist.nct_cdf(a, b, c), stats.nct.cdf(a, b, c))


def _same_bits(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or np.float64(a).tobytes() == np.float64(b).tobytes()


@pytest.mark.parametrize("name", ["t_cdf", "t_sf", "t_ppf", "t_isf", "chi2_cdf", "chi2_sf",
                                  "chi2_ppf", "chi2_isf", "f_cdf", "f_sf", "f_ppf", "f_isf",
                                  "nct_cdf"])
def test_scalar_path_is_the_array_path(name: str) -> None:
    """One number in (float, int or numpy float): the scalar path gives, bit for bit, the
    array path's value (the sign of a zero included)."""
    fun = getattr(_dist, name)
    grid = P if name.endswith(("ppf", "isf")) else X
    if name == "nct_cdf":
        params: list[tuple[Any, ...]] = [(df, nc) for df in (2, 9.0, 0, np.nan)
                                         for nc in (-3.0, 0.0, 2.5, np.nan)]
    elif name.startswith("f_"):
        params = list(F_DF)
    else:
        params = [(df,) for df in DF]
    for par in params:
        arrays = fun(grid, *par)
        for v, expected in zip(grid, arrays, strict=True):
            for arg in (float(v), np.float64(v)) + ((int(v),) if float(v).is_integer() else ()):
                out = fun(arg, *par)
                assert type(out) is float
                assert _same_bits(out, float(expected)), (name, arg, par, out, expected)


def test_broadcasting_over_parameters() -> None:
    df = np.array([1.0, 4.0, 30.0, np.inf])
    check(_dist.t_ppf(0.975, df), stats.t.ppf(0.975, df))
    check(_dist.t_sf(np.array([[0.5], [2.0]]), df), stats.t.sf(np.array([[0.5], [2.0]]), df))
    check(_dist.f_isf(np.array([0.025, 0.975]), 9, np.array([20.0, 200.0])),
          stats.f.isf(np.array([0.025, 0.975]), 9, np.array([20.0, 200.0])))


def test_known_values() -> None:
    """Printed table values (independent of scipy): z, t and χ² quantiles, F critical value."""
    assert math.isclose(_dist.norm_ppf(0.975), 1.959963984540054, rel_tol=1e-15)
    assert math.isclose(_dist.t_ppf(0.975, 10), 2.228138851986274, rel_tol=1e-14)
    assert math.isclose(_dist.chi2_isf(0.05, 1), 3.841458820694124, rel_tol=1e-14)
    assert math.isclose(_dist.f_isf(0.05, 2, 10), 4.102821015130399, rel_tol=1e-13)
    assert _dist.norm_ppf(0.5) == 0.0 and math.copysign(1.0, _dist.t_ppf(0.5, 3)) == 1.0


def test_distribution_users_do_not_import_scipy_stats() -> None:
    """The FLCI, the effect-size interval, t/normal inference, Cronbach's F interval and the
    Wald test run without ``scipy.stats`` (its import alone takes about half a second)."""
    import subprocess
    import sys

    code = """
import sys
import numpy as np
import pandas as pd
from evalkit.data.scales import cronbach_alpha
from evalkit.estimate._effsize import ncp_interval
from evalkit.estimate.honest import honest_did
from evalkit.estimate.inference import t_inference, wald_test
sigma = np.diag([0.01, 0.01, 0.02]) + 0.002
honest_did(np.array([0.01, -0.02, 0.3]), sigma, 2, 1, method="smoothness")
ncp_interval(2.5, 30.0, 0.95)
t_inference(1.0, 0.4, 20.0, 0.05)
wald_test(np.array([1.0, 0.5]), np.eye(2) * 0.1, 40.0)
rng = np.random.default_rng(0)
items = pd.DataFrame(rng.integers(1, 6, size=(40, 4)).astype(float))
cronbach_alpha(items)
print("scipy.stats" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False", out.stderr
