"""Shared least-squares fitting and covariance code for ``did``, ``twfe`` and ``event_study``.

One OLS routine (pivoted Cholesky of the scaled Gram matrix plus one refinement step, so
collinear regressors are found and named) and one
covariance routine with three conventions:

``classical``
    :math:`\\hat\\sigma^2 (X'X)^{-1}`, :math:`\\hat\\sigma^2 = e'e / (N - K)`.
``robust`` (HC1)
    :math:`\\frac{N}{N-K} (X'X)^{-1} X' \\operatorname{diag}(e^2) X (X'X)^{-1}`.
``cluster`` (CR1)
    :math:`\\frac{G}{G-1}\\frac{N-1}{N-K} (X'X)^{-1} \\sum_g X_g'e_g e_g'X_g (X'X)^{-1}`.

``K`` counts the estimated slopes plus absorbed fixed effects. For clustered errors, fixed
effects *nested* in the clusters (unit effects when clustering by unit) are not counted,
except one that stands for the intercept — fixest's and pyfixest's default
(``ssc(k_fixef="nonnested")``). Stata ``areg`` and linearmodels count them, which makes the SE
about :math:`\\sqrt{N/(N-G)}` times larger (≈ 1.054 on a 10-period panel). Pass
``fe_dof="all"`` to ``twfe``/``event_study``/``did`` for that convention (linearmodels also
drops G/(G-1) and uses N/(N-K)).

Inference uses Student's t with :math:`N-K` degrees of freedom for classical and HC1 and
:math:`G-1` for clustered errors (as fixest and Stata).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from evalkit.errors import DataError, EstimationError, EvalkitWarning

__all__ = [
    "FewClustersWarning",
    "OLSFit",
    "VcovKind",
    "cluster_codes",
    "collinear_columns",
    "ols_fit",
    "t_inference",
    "wald_test",
]

VcovKind = Literal["classical", "robust", "cluster"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: a regressor whose norm falls below this share of its own norm once the other
#: regressors are projected out is treated as collinear
COLLINEAR_TOL = 1e-7


class FewClustersWarning(EvalkitWarning):
    """Clustered standard errors with fewer than 30 clusters are unreliable."""


@dataclass(frozen=True)
class OLSFit:
    """Least-squares fit with its covariance matrix (all arrays read-only by convention)."""

    names: tuple[str, ...]
    coef: FloatArray
    vcov: FloatArray
    resid: FloatArray
    n: int
    k: int
    k_dof: int
    df_resid: float
    kind: VcovKind
    n_clusters: int | None
    rss: float
    small_sample: float

    @property
    def se(self) -> FloatArray:
        return np.sqrt(np.clip(np.diag(self.vcov), 0.0, None))

    def index(self, name: str) -> int:
        return self.names.index(name)


def dense_int_codes(arr: npt.NDArray[Any]) -> tuple[IntArray, int, npt.NDArray[Any]] | None:
    """Codes, count and sorted values of dense integer ids in O(N) (no hashing or sorting).

    Returns None unless ``arr`` is an integer array whose range is at most 4 x its length.
    """
    if arr.dtype.kind not in "iu" or not arr.size:
        return None
    lo, hi = int(arr.min()), int(arr.max())
    if hi - lo > 4 * arr.size:
        return None
    shifted = np.asarray(arr - lo, dtype=np.intp)
    present = np.bincount(shifted, minlength=hi - lo + 1) > 0
    mapping = np.cumsum(present, dtype=np.intp) - 1
    return mapping[shifted], int(mapping[-1]) + 1, np.flatnonzero(present) + lo


def cluster_codes(values: Any) -> tuple[IntArray, int]:
    """Integer codes 0..G-1 for any 1-D array-like and the number of clusters G."""
    import pandas as pd

    arr = np.asarray(values)
    dense = dense_int_codes(arr)
    if dense is not None:
        return dense[0], dense[1]
    codes, uniques = pd.factorize(arr if arr.dtype != object else pd.Series(values), sort=False)
    return np.asarray(codes, dtype=np.intp), len(uniques)


def check_cluster_count(n_clusters: int, column: str, *, warn: bool = True,
                        stacklevel: int = 3) -> None:
    """Error below 2 clusters, :class:`FewClustersWarning` below 30 (unless ``warn=False``:
    the wild cluster bootstrap is used instead of t(G-1)); ``stacklevel`` as in
    :func:`warnings.warn`, so that the warning names the user's call."""
    if n_clusters < 2:
        raise DataError(
            f"cluster column {column!r} has {n_clusters} cluster(s) in the estimation sample",
            hint="clustered standard errors need at least 2 clusters (30 or more to be reliable); "
            "use se='robust' or cluster on a coarser/finer variable",
        )
    if warn and n_clusters < 30:
        warnings.warn(
            f"cluster column {column!r} has only {n_clusters} clusters; clustered standard errors "
            "are biased downward with fewer than about 30 clusters — read the interval as too "
            "narrow, or use the wild cluster bootstrap (inference='wild')",
            FewClustersWarning,
            stacklevel=stacklevel,
        )


def check_nesting(unit_codes: IntArray, cluster: IntArray, unit: str, column: str) -> None:
    """Raise :class:`DataError` when a unit appears in more than one cluster."""
    order = np.lexsort((cluster, unit_codes))
    u = unit_codes[order]
    c = cluster[order]
    same_unit = u[1:] == u[:-1]
    bad = same_unit & (c[1:] != c[:-1])
    if bool(bad.any()):
        raise not_nested_error(column, unit, len(np.unique(u[1:][bad])))


def not_nested_error(column: str, unit: str, n_bad: int) -> DataError:
    """The error for clusters that do not nest units (shared with the dask estimators)."""
    return DataError(
        f"cluster column {column!r} does not nest unit column {unit!r}: {n_bad} unit(s) "
        "belong to more than one cluster",
        hint="each unit must stay in one cluster (cluster on a variable constant within "
        "unit, e.g. the unit itself or its site)",
    )


def check_collinear(xtx: FloatArray, names: Sequence[str], where: str) -> None:
    """Raise :class:`EstimationError` naming the regressors collinear with the others."""
    bad = collinear_columns(xtx)
    if bad:
        cols = ", ".join(repr(names[j]) for j in sorted(bad))
        raise EstimationError(
            f"{where}: regressor(s) {cols} are collinear with the others (or constant within "
            "the fixed effects) and cannot be estimated",
            hint="drop the named covariate(s), or remove ones that repeat another column or do "
            "not vary within units",
        )


def collinear_columns(xtx: FloatArray) -> list[int]:
    """Indices of columns collinear with the others, from the Gram matrix ``X'X``.

    Pivoted Cholesky of the scaled Gram matrix: a pivot below ``COLLINEAR_TOL**2`` means the
    column's part not explained by the other columns is below ``COLLINEAR_TOL`` of its norm.
    """
    from scipy import linalg

    k = xtx.shape[0]
    norms = np.sqrt(np.clip(np.diag(xtx), 0.0, None))
    zero = [j for j in range(k) if not norms[j] > 0]
    if zero:
        return zero
    sc = 1.0 / norms
    _, piv, rank, _ = linalg.lapack.dpstrf(xtx * sc[:, None] * sc[None, :], tol=COLLINEAR_TOL**2)
    return sorted(int(p) - 1 for p in piv[rank:]) if rank < k else []


def ols_fit(
    X: FloatArray,
    y: FloatArray,
    names: list[str] | tuple[str, ...],
    *,
    kind: VcovKind,
    clusters: IntArray | None = None,
    n_clusters: int | None = None,
    n_absorbed: int = 0,
    n_absorbed_nested: int = 0,
    where: str = "model",
) -> OLSFit:
    """OLS of ``y`` on ``X`` (already demeaned when fixed effects are absorbed).

    Parameters
    ----------
    X, y
        Regressors (N x K) and outcome (N).
    names
        Regressor names (used in the collinearity error).
    kind
        ``"classical"``, ``"robust"`` (HC1) or ``"cluster"`` (CR1).
    clusters, n_clusters
        Cluster codes 0..G-1 (``kind="cluster"`` only).
    n_absorbed
        Number of absorbed fixed-effect parameters (counted in K for classical and HC1).
    n_absorbed_nested
        How many of them are nested in the clusters (not counted in K for CR1).

    Raises
    ------
    EstimationError
        When a regressor is collinear with the others (named in the message).
    """
    from scipy import linalg

    n, k = X.shape
    if k == 0:
        raise EstimationError(f"{where}: no regressors left to estimate")
    X = np.asfortranarray(X, dtype=np.float64)
    xtx = X.T @ X
    check_collinear(xtx, names, where)
    sc = 1.0 / np.sqrt(np.diag(xtx))
    G = xtx * sc[:, None] * sc[None, :]
    cf = linalg.cho_factor(G, check_finite=False)
    coef = sc * linalg.cho_solve(cf, sc * (X.T @ y), check_finite=False)
    # one step of iterative refinement (accuracy close to QR at a fraction of the cost)
    r0 = y - X @ coef
    coef = coef + sc * linalg.cho_solve(cf, sc * (X.T @ r0), check_finite=False)
    xtx_inv = sc[:, None] * linalg.cho_solve(cf, np.eye(k), check_finite=False) * sc[None, :]
    resid = y - X @ coef
    rss = float(resid @ resid)
    k_full = k + n_absorbed
    if n - k_full <= 0:
        raise EstimationError(
            f"{where}: {n} observations for {k_full} parameters leave no residual degrees of freedom",
            hint="use more data or fewer covariates/fixed effects",
        )
    g: int | None = None
    if kind == "classical":
        c = 1.0
        vcov = rss / (n - k_full) * xtx_inv
        df_resid: float = n - k_full
        k_dof = k_full
    elif kind == "robust":
        c = n / (n - k_full)
        Xe = X * np.abs(resid)[:, None]
        meat = Xe.T @ Xe
        vcov = c * xtx_inv @ meat @ xtx_inv
        df_resid = n - k_full
        k_dof = k_full
    else:
        if clusters is None or n_clusters is None:
            raise EstimationError(f"{where}: clustered standard errors need cluster codes")
        g = n_clusters
        k_dof = k + n_absorbed - n_absorbed_nested
        if n - k_dof <= 0 or g < 2:
            raise EstimationError(f"{where}: too few observations or clusters for CR1")
        c = g / (g - 1) * (n - 1) / (n - k_dof)
        scores = np.empty((g, k))
        for j in range(k):
            scores[:, j] = np.bincount(clusters, weights=X[:, j] * resid, minlength=g)
        meat = scores.T @ scores
        vcov = c * xtx_inv @ meat @ xtx_inv
        df_resid = g - 1
    vcov = (vcov + vcov.T) / 2
    return OLSFit(
        names=tuple(names), coef=coef, vcov=vcov, resid=resid, n=n, k=k, k_dof=k_dof,
        df_resid=float(df_resid), kind=kind, n_clusters=g, rss=rss, small_sample=float(c),
    )


def t_inference(
    estimate: float, se: float, df: float | None, alpha: float
) -> tuple[float, float, float, float]:
    """t statistic, two-sided p-value and ``1 - alpha`` interval (normal when ``df`` is None)."""
    from evalkit._dist import norm_ppf, norm_sf, t_ppf, t_sf

    if not (se > 0 and math.isfinite(se)):
        return math.nan, math.nan, math.nan, math.nan
    t = estimate / se
    if df is None or not math.isfinite(df):
        p = 2 * norm_sf(abs(t))
        q = norm_ppf(1 - alpha / 2)
    else:
        p = 2 * t_sf(abs(t), df)
        q = t_ppf(1 - alpha / 2, df)
    return float(t), p, estimate - q * se, estimate + q * se


def wald_test(
    coef: FloatArray, vcov: FloatArray, df_denom: float | None = None
) -> dict[str, float]:
    """Wald test that every element of ``coef`` is zero.

    Returns ``statistic`` (chi-squared), ``df``, ``p_value`` (chi-squared) and, when
    ``df_denom`` is given, ``f_statistic`` = W/q with ``f_p_value`` from F(q, df_denom).
    """
    from evalkit._dist import chi2_sf, f_sf

    q = len(coef)
    if q == 0:
        return {"statistic": math.nan, "df": 0.0, "p_value": math.nan}
    w = float(coef @ np.linalg.pinv(vcov, hermitian=True) @ coef)
    out = {"statistic": w, "df": float(q), "p_value": chi2_sf(w, q)}
    if df_denom is not None and math.isfinite(df_denom):
        out["f_statistic"] = w / q
        out["f_p_value"] = f_sf(w / q, q, df_denom)
    return out
