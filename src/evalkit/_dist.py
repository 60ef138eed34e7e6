"""Distribution functions on ``scipy.special``: cheap scalar and vector calls (issue 16).

evalkit's inference needs the CDF, survival function and quantiles of five distributions.
``scipy.stats`` computes them with the very ``scipy.special`` functions used here, but each call
of a ``scipy.stats`` distribution checks and broadcasts its arguments (about 50 µs, which adds
up to most of a second inside root-finding), and ``import scipy.stats`` alone takes about half
a second. These functions call the special functions directly, with ``scipy.stats``'s
conventions at the edges (scipy 1.17):

* nan for a nan argument or invalid parameters (a degree of freedom ≤ 0 or nan);
* CDF 0 at or below the lower end of the support and 1 at or above the upper end (survival
  function the reverse);
* quantile of ``p = 0`` / ``p = 1``: the ends of the support; nan for ``p`` outside [0, 1].

============  ====================================  ========================================
distribution  CDF, survival                         quantile, inverse survival
============  ====================================  ========================================
N(0, 1)       ``ndtr(x)``, ``ndtr(-x)``             ``ndtri(p)``, ``-ndtri(p)``
t(ν)          ``stdtr(ν, x)``, ``stdtr(ν, -x)``     ``stdtrit(ν, p)``, ``-stdtrit(ν, p)``
F(d₁, d₂)     ``fdtr``, ``fdtrc``                   ``fdtri(d₁, d₂, p)``, ``fdtri(…, 1 − p)``
χ²(k)         ``chdtr``, ``chdtrc``                 ``2·gammaincinv(k/2, p)``, ``chdtri(k, p)``
t(ν, λ)       ``nctdtr(ν, λ, x)``                   (not needed)
Bin(n, p)     ``_binom_cdf``, ``_binom_sf`` (Boost)   (not needed; pmf ``_binom_pmf``)
============  ====================================  ========================================

so a value equals ``scipy.stats``'s bit for bit (tests/test_dist.py compares them over grids
including the tails). Scalars in → ``float`` out; arrays in → ``ndarray`` out (the binomial
functions and :func:`binom_test`, scipy's exact binomial test, take scalars only).

R: ``pnorm``/``qnorm``, ``pt``/``qt``, ``pf``/``qf``, ``pchisq``/``qchisq``, ``pt(x, df, ncp)``.

>>> from evalkit._dist import t_ppf, norm_sf
>>> round(t_ppf(0.975, 10), 6), round(2 * norm_sf(1.959964), 6)
(2.228139, 0.05)
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
from numpy.typing import NDArray
from scipy import special as sc

__all__ = ["binom_cdf", "binom_pmf", "binom_sf", "binom_test", "chi2_cdf", "chi2_isf", "chi2_ppf", "chi2_sf", "f_cdf", "f_isf", "f_ppf", "f_sf",
           "nct_cdf", "norm_cdf", "norm_isf", "norm_pdf", "norm_ppf", "norm_sf", "t_cdf",
           "t_isf", "t_ppf", "t_sf"]

FloatArray = NDArray[np.float64]
_SQRT_2PI = np.sqrt(2 * np.pi)  # as scipy.stats' _norm_pdf_C


def _out(value: Any) -> Any:
    if type(value) is np.float64:  # the scalar path (root-finding calls these thousands of times)
        return float(value)
    arr = np.asarray(value, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


#: argument types of the scalar paths (one number in, a float out, without array steps)
_SCALARS = (float, int, np.float64)
_BOOLS = (bool, np.bool_)


def _prob(value: Any, x: Any, ok: Any, lo: float, at_lo: float, at_hi: float) -> Any:
    """A CDF (``at_lo=0, at_hi=1``) or survival function (``1, 0``) on a support ``[lo, ∞)``."""
    if type(x) in _SCALARS and type(ok) in _BOOLS and type(value) is np.float64:
        xf = float(x)  # the array steps below on one number (same order of the cases)
        if not ok or xf != xf:
            return float("nan")
        if xf >= np.inf:
            return float(at_hi)
        return float(at_lo) if xf <= lo else float(value)
    x = np.asarray(x, dtype=float)
    out = np.where(x >= np.inf, at_hi, np.where(x <= lo, at_lo, value))
    return _out(np.where(ok & ~np.isnan(x), out, np.nan))


def _quantile(value: Any, p: Any, ok: Any, at_0: float, at_1: float) -> Any:
    """A quantile (``at_0`` = lower end of the support) or inverse survival function."""
    if type(p) in _SCALARS and type(ok) in _BOOLS and type(value) is np.float64:
        pf = float(p)  # the array steps below on one number
        if not (ok and 0.0 <= pf <= 1.0):
            return float("nan")
        return (float(at_0) if pf == 0 else float(at_1) if pf == 1 else float(value)) + 0.0
    p = np.asarray(p, dtype=float)
    out = np.where(p == 0, at_0, np.where(p == 1, at_1, value))
    return _out(np.where(ok & (p >= 0) & (p <= 1), out + 0.0, np.nan))


# --- standard normal: no parameters, the special functions already follow scipy.stats ----------

@overload
def norm_pdf(x: float) -> float: ...
@overload
def norm_pdf(x: FloatArray) -> FloatArray: ...
def norm_pdf(x: Any) -> Any:
    """Density of N(0, 1), ``exp(−x²/2)/√(2π)`` (``scipy.stats.norm.pdf``; R ``dnorm``)."""
    x = np.asarray(x, dtype=float)
    return _out(np.exp(-x**2 / 2.0) / _SQRT_2PI)


@overload
def norm_cdf(x: float) -> float: ...
@overload
def norm_cdf(x: FloatArray) -> FloatArray: ...
def norm_cdf(x: Any) -> Any:
    """``P(Z ≤ x)`` for Z ~ N(0, 1) (``scipy.stats.norm.cdf``; R ``pnorm``)."""
    return _out(sc.ndtr(x))


@overload
def norm_sf(x: float) -> float: ...
@overload
def norm_sf(x: FloatArray) -> FloatArray: ...
def norm_sf(x: Any) -> Any:
    """``P(Z > x)`` (``scipy.stats.norm.sf``; R ``pnorm(x, lower.tail = FALSE)``)."""
    return _out(sc.ndtr(-np.asarray(x, dtype=float)))


@overload
def norm_ppf(p: float) -> float: ...
@overload
def norm_ppf(p: FloatArray) -> FloatArray: ...
def norm_ppf(p: Any) -> Any:
    """The ``p`` quantile of N(0, 1) (``scipy.stats.norm.ppf``; R ``qnorm``)."""
    return _out(sc.ndtri(p) + 0.0)


@overload
def norm_isf(p: float) -> float: ...
@overload
def norm_isf(p: FloatArray) -> FloatArray: ...
def norm_isf(p: Any) -> Any:
    """The ``1 − p`` quantile, computed as ``−ndtri(p)`` (``scipy.stats.norm.isf``)."""
    return _out(-sc.ndtri(p) + 0.0)


# --- Student t -------------------------------------------------------------------------------

def _df_ok(*dfs: Any) -> Any:
    if all(type(df) in _SCALARS for df in dfs):
        return all(float(df) > 0 for df in dfs)
    ok = np.asarray(True)
    for df in dfs:
        ok = ok & (np.asarray(df, dtype=float) > 0)
    return ok


@overload
def t_cdf(x: float, df: float) -> float: ...
@overload
def t_cdf(x: FloatArray, df: float | FloatArray) -> FloatArray: ...
def t_cdf(x: Any, df: Any) -> Any:
    """``P(T ≤ x)`` for T ~ t(df) (``scipy.stats.t.cdf``; R ``pt``)."""
    return _prob(sc.stdtr(df, x), x, _df_ok(df), -np.inf, 0.0, 1.0)


@overload
def t_sf(x: float, df: float) -> float: ...
@overload
def t_sf(x: FloatArray, df: float | FloatArray) -> FloatArray: ...
def t_sf(x: Any, df: Any) -> Any:
    """``P(T > x)`` (``scipy.stats.t.sf``; R ``pt(x, df, lower.tail = FALSE)``)."""
    return _prob(sc.stdtr(df, -np.asarray(x, dtype=float)), x, _df_ok(df), -np.inf, 1.0, 0.0)


@overload
def t_ppf(p: float, df: float) -> float: ...
@overload
def t_ppf(p: FloatArray, df: float | FloatArray) -> FloatArray: ...
def t_ppf(p: Any, df: Any) -> Any:
    """The ``p`` quantile of t(df) (``scipy.stats.t.ppf``; R ``qt``)."""
    return _quantile(sc.stdtrit(df, p), p, _df_ok(df), -np.inf, np.inf)


@overload
def t_isf(p: float, df: float) -> float: ...
@overload
def t_isf(p: FloatArray, df: float | FloatArray) -> FloatArray: ...
def t_isf(p: Any, df: Any) -> Any:
    """The ``1 − p`` quantile of t(df), ``−stdtrit(df, p)`` (``scipy.stats.t.isf``)."""
    return _quantile(-sc.stdtrit(df, p), p, _df_ok(df), np.inf, -np.inf)


# --- F ---------------------------------------------------------------------------------------

@overload
def f_cdf(x: float, dfn: float, dfd: float) -> float: ...
@overload
def f_cdf(x: FloatArray, dfn: float | FloatArray, dfd: float | FloatArray) -> FloatArray: ...
def f_cdf(x: Any, dfn: Any, dfd: Any) -> Any:
    """``P(F ≤ x)`` for F ~ F(dfn, dfd) (``scipy.stats.f.cdf``; R ``pf``)."""
    return _prob(sc.fdtr(dfn, dfd, x), x, _df_ok(dfn, dfd), 0.0, 0.0, 1.0)


@overload
def f_sf(x: float, dfn: float, dfd: float) -> float: ...
@overload
def f_sf(x: FloatArray, dfn: float | FloatArray, dfd: float | FloatArray) -> FloatArray: ...
def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """``P(F > x)`` (``scipy.stats.f.sf``; R ``pf(x, dfn, dfd, lower.tail = FALSE)``)."""
    return _prob(sc.fdtrc(dfn, dfd, x), x, _df_ok(dfn, dfd), 0.0, 1.0, 0.0)


@overload
def f_ppf(p: float, dfn: float, dfd: float) -> float: ...
@overload
def f_ppf(p: FloatArray, dfn: float | FloatArray, dfd: float | FloatArray) -> FloatArray: ...
def f_ppf(p: Any, dfn: Any, dfd: Any) -> Any:
    """The ``p`` quantile of F(dfn, dfd) (``scipy.stats.f.ppf``; R ``qf``)."""
    return _quantile(sc.fdtri(dfn, dfd, p), p, _df_ok(dfn, dfd), 0.0, np.inf)


@overload
def f_isf(p: float, dfn: float, dfd: float) -> float: ...
@overload
def f_isf(p: FloatArray, dfn: float | FloatArray, dfd: float | FloatArray) -> FloatArray: ...
def f_isf(p: Any, dfn: Any, dfd: Any) -> Any:
    """The ``1 − p`` quantile of F, ``fdtri(dfn, dfd, 1 − p)`` as ``scipy.stats.f.isf``."""
    q = 1.0 - np.asarray(p, dtype=float)
    return _quantile(sc.fdtri(dfn, dfd, q), p, _df_ok(dfn, dfd), np.inf, 0.0)


# --- chi-squared -----------------------------------------------------------------------------

@overload
def chi2_cdf(x: float, df: float) -> float: ...
@overload
def chi2_cdf(x: FloatArray, df: float | FloatArray) -> FloatArray: ...
def chi2_cdf(x: Any, df: Any) -> Any:
    """``P(X ≤ x)`` for X ~ χ²(df) (``scipy.stats.chi2.cdf``; R ``pchisq``)."""
    return _prob(sc.chdtr(df, x), x, _df_ok(df), 0.0, 0.0, 1.0)


@overload
def chi2_sf(x: float, df: float) -> float: ...
@overload
def chi2_sf(x: FloatArray, df: float | FloatArray) -> FloatArray: ...
def chi2_sf(x: Any, df: Any) -> Any:
    """``P(X > x)`` (``scipy.stats.chi2.sf``; R ``pchisq(x, df, lower.tail = FALSE)``)."""
    return _prob(sc.chdtrc(df, x), x, _df_ok(df), 0.0, 1.0, 0.0)


@overload
def chi2_ppf(p: float, df: float) -> float: ...
@overload
def chi2_ppf(p: FloatArray, df: float | FloatArray) -> FloatArray: ...
def chi2_ppf(p: Any, df: Any) -> Any:
    """The ``p`` quantile of χ²(df), ``2·gammaincinv(df/2, p)`` (``scipy.stats.chi2.ppf``)."""
    half = np.asarray(df, dtype=float) / 2
    return _quantile(2 * sc.gammaincinv(half, p), p, _df_ok(df), 0.0, np.inf)


@overload
def chi2_isf(p: float, df: float) -> float: ...
@overload
def chi2_isf(p: FloatArray, df: float | FloatArray) -> FloatArray: ...
def chi2_isf(p: Any, df: Any) -> Any:
    """The ``1 − p`` quantile of χ²(df), ``chdtri(df, p)`` (``scipy.stats.chi2.isf``)."""
    return _quantile(sc.chdtri(df, p), p, _df_ok(df), np.inf, 0.0)


# --- noncentral t ----------------------------------------------------------------------------

@overload
def nct_cdf(x: float, df: float, nc: float) -> float: ...
@overload
def nct_cdf(x: FloatArray, df: float | FloatArray, nc: float | FloatArray) -> FloatArray: ...
def nct_cdf(x: Any, df: Any, nc: Any) -> Any:
    """``P(T ≤ x)`` for T ~ t(df, nc) (``scipy.stats.nct.cdf``; R ``pt(x, df, ncp)``)."""
    nc_ok = np.asarray(nc, dtype=float) == np.asarray(nc, dtype=float)
    return _prob(sc.nctdtr(df, nc, x), x, _df_ok(df) & nc_ok, -np.inf, 0.0, 1.0)


# --- binomial (scalar) and the exact binomial test ---------------------------------------------

def _binom_ufunc(name: str) -> Any:
    """scipy.stats.binom's own special function (``scipy.special._ufuncs``; Boost's binomial).

    Those functions are private to scipy: should a later scipy move them, the public
    ``scipy.stats.binom`` method that calls them is used instead (same values, slower import).
    """
    from scipy.special import _ufuncs

    found = getattr(_ufuncs, name, None)
    if found is not None:
        return found
    from scipy.stats import binom  # only on a scipy without the private name

    return getattr(binom, name.removeprefix("_binom_"))


def binom_pmf(k: float, n: int, p: float) -> float:
    """``P(X = k)`` for X ~ Binomial(n, p), 0 < p < 1 (``scipy.stats.binom.pmf``; R ``dbinom``)."""
    if k < 0 or k > n or k != np.floor(k):
        return 0.0
    return float(_binom_ufunc("_binom_pmf")(float(k), float(n), float(p)))


def _binom_tail(name: str, k: float, n: int, p: float, below: float, above: float) -> float:
    """A binomial tail at ``floor(k)``: ``below`` under 0, ``above`` from ``n`` on (scipy's)."""
    k = float(np.floor(k))
    if k < 0:
        return below
    if k >= n:
        return above
    return float(_binom_ufunc(name)(k, float(n), float(p)))


def binom_cdf(k: float, n: int, p: float) -> float:
    """``P(X ≤ k)`` (``scipy.stats.binom.cdf``; R ``pbinom``)."""
    return _binom_tail("_binom_cdf", k, n, p, 0.0, 1.0)


def binom_sf(k: float, n: int, p: float) -> float:
    """``P(X > k)`` (``scipy.stats.binom.sf``; R ``pbinom(k, n, p, lower.tail = FALSE)``)."""
    return _binom_tail("_binom_sf", k, n, p, 1.0, 0.0)


def _binom_search(a: Any, d: float, lo: float, hi: float) -> float:
    """The ``i`` in ``[lo, hi]`` with ``a(i) ≤ d < a(i + 1)`` (``a`` increasing there)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        midval = a(mid)
        if midval < d:
            lo = mid + 1
        elif midval > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1


def binom_test(k: int, n: int, p: float = 0.5, alternative: str = "two-sided") -> float:
    r"""P-value of the exact binomial test of ``k`` successes in ``n`` trials, H0: P = ``p``.

    Equal to ``scipy.stats.binomtest(k, n, p, alternative).pvalue`` (scipy 1.17, the same
    binomial functions; tests compare at rtol 1e-12) and to R ``binom.test``. ``"less"``:
    :math:`P(X \le k)`; ``"greater"``: :math:`P(X \ge k)`; ``"two-sided"``: the total
    probability of the outcomes no more likely than ``k``,
    :math:`\sum_{j: f(j) \le f(k)(1 + 10^{-7})} f(j)`, capped at 1 (the relative margin keeps
    outcomes of equal probability that differ only by rounding; scipy and R use it).

    >>> round(binom_test(2, 12), 6)
    0.038574
    """
    if not (0 <= k <= n and n >= 1 and 0 < p < 1):
        raise ValueError(f"binom_test needs 0 <= k <= n, n >= 1, 0 < p < 1; got {k}, {n}, {p}")
    if alternative == "less":
        return binom_cdf(k, n, p)
    if alternative == "greater":
        return binom_sf(k - 1, n, p)
    if alternative != "two-sided":
        raise ValueError(f"alternative must be 'two-sided', 'less' or 'greater', "
                         f"got {alternative!r}")
    d = binom_pmf(k, n, p)
    rerr = 1 + 1e-7
    if k == p * n:
        return 1.0
    if k < p * n:
        ix = _binom_search(lambda x: -binom_pmf(x, n, p), -d * rerr, float(np.ceil(p * n)),
                           float(n))
        y = n - ix + int(d * rerr == binom_pmf(ix, n, p))
        pval = binom_cdf(k, n, p) + binom_sf(n - y, n, p)
    else:
        ix = _binom_search(lambda x: binom_pmf(x, n, p), d * rerr, 0.0, float(np.floor(p * n)))
        y = ix + 1
        pval = binom_cdf(y - 1, n, p) + binom_sf(k - 1, n, p)
    return min(1.0, pval)
