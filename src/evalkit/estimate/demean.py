"""Absorbing fixed effects: exact within-transformations, vectorised with ``np.bincount``.

One factor
    :math:`\\tilde x_{it} = x_{it} - \\bar x_{i}` (exact).
Two factors (unit *i*, time *t*), balanced or not
    First demean by the factor with more levels (A), then project out the A-demeaned dummies
    of the other factor (B) exactly (Frisch–Waugh–Lovell):
    :math:`\\tilde D_B'\\tilde D_B = \\operatorname{diag}(n_B) - C'\\operatorname{diag}(1/n_A)C`
    with C the A × B count matrix, and :math:`\\tilde D_B'\\tilde x = D_B'\\tilde x`. The
    small B × B system is solved with a pseudo-inverse, so disconnected panels are handled.
    This is the exact least-squares projection (no convergence tolerance) as long as B has at
    most :data:`EXACT_MAX_LEVELS` levels; beyond that alternating projections are used
    (tolerance ``1e-12``), as in fixest/pyfixest.

Singletons (a level observed once) carry no information once their effect is absorbed;
:func:`drop_singletons` removes them iteratively, as pyfixest (``fixef_rm="singleton"``) and reghdfe do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from evalkit.errors import EstimationError

__all__ = ["EXACT_MAX_LEVELS", "demean", "drop_singletons", "group_means", "recode"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

EXACT_MAX_LEVELS = 5000


def group_means(X: FloatArray, codes: IntArray, counts: FloatArray) -> FloatArray:
    """Means of each column of ``X`` (N x K) within ``codes`` -> (levels x K)."""
    n_levels = len(counts)
    out = np.empty((n_levels, X.shape[1]))
    for j in range(X.shape[1]):
        out[:, j] = np.bincount(codes, weights=X[:, j], minlength=n_levels)
    return out / counts[:, None]


def _demean_cols(X: FloatArray, codes: IntArray, counts: FloatArray) -> FloatArray:
    """Column-wise ``x - mean_by_group(x)`` into a new Fortran-ordered array."""
    out = np.empty(X.shape, order="F")
    n_levels = len(counts)
    for j in range(X.shape[1]):
        col = np.ascontiguousarray(X[:, j])
        means = np.bincount(codes, weights=col, minlength=n_levels) / counts
        np.subtract(col, means[codes], out=out[:, j])
    return out


def _counts(codes: IntArray, n_levels: int) -> FloatArray:
    return np.bincount(codes, minlength=n_levels).astype(np.float64)


def drop_singletons(factors: list[IntArray]) -> npt.NDArray[np.bool_]:
    """Boolean mask of rows kept after iteratively dropping singleton levels of any factor."""
    n = len(factors[0])
    keep = np.ones(n, dtype=bool)
    if not any(bool((np.bincount(f) == 1).any()) for f in factors):
        return keep  # no singletons (fast path)
    while True:
        changed = False
        for f in factors:
            counts = np.bincount(f[keep], minlength=int(f.max()) + 1 if n else 0)
            single = keep & (counts[f] == 1)
            if single.any():
                keep &= ~single
                changed = True
        if not changed:
            return keep


def recode(codes: IntArray) -> tuple[IntArray, int]:
    """Codes 0..L-1 without gaps (O(N), no sorting)."""
    codes = np.asarray(codes, dtype=np.intp)
    m = int(codes.max()) + 1 if len(codes) else 0
    present = np.bincount(codes, minlength=m) > 0
    if present.all():
        return codes, m
    mapping = np.cumsum(present) - 1
    return mapping[codes].astype(np.intp), int(present.sum())


def demean(
    X: FloatArray,
    factors: list[IntArray],
    *,
    tol: float = 1e-12,
    maxiter: int = 10_000,
    weights: FloatArray | None = None,
) -> FloatArray:
    """Residuals of each column of ``X`` after projecting out one or two factors' dummies.

    Parameters
    ----------
    X
        N x K float array (not modified).
    factors
        One or two integer code arrays of length N (any non-negative integers).
    tol, maxiter
        Convergence settings for alternating projections (only used when both factors have
        more than :data:`EXACT_MAX_LEVELS` levels).
    weights
        Positive row weights: the projection is then weighted least squares (weighted group
        means, as pyfixest and fixest with ``weights=``).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if weights is not None:
        return _demean_weighted(X, factors, np.asarray(weights, dtype=np.float64), tol, maxiter)
    codes = [recode(f) for f in factors]
    if len(codes) == 1:
        a, na = codes[0]
        return _demean_cols(X, a, _counts(a, na))
    if len(codes) != 2:
        raise EstimationError("demean: only one or two fixed-effect factors are supported")
    (a, na), (b, nb) = sorted(codes, key=lambda c: -c[1])
    ca = _counts(a, na)
    cb = _counts(b, nb)
    x1 = _demean_cols(X, a, ca)
    n = len(a)
    if nb <= EXACT_MAX_LEVELS:
        if na * nb <= 50_000_000:
            pairs = np.bincount(a * nb + b, minlength=na * nb)
            if n == na * nb and int(pairs.max()) == 1:
                # balanced, each pair once: x - mean_a - mean_b + mean, exactly
                return _demean_cols(x1, b, cb)
            C = pairs.reshape(na, nb).astype(np.float64)
            M = np.diag(cb) - (C / ca[:, None]).T @ C
        else:
            from scipy import sparse

            Cs = sparse.csr_matrix((np.ones(n), (a, b)), shape=(na, nb))
            M = np.diag(cb) - (Cs.T @ sparse.diags(1.0 / ca) @ Cs).toarray()
        r = np.empty((nb, X.shape[1]))
        for j in range(X.shape[1]):
            r[:, j] = np.bincount(b, weights=x1[:, j], minlength=nb)
        gamma = np.linalg.pinv(M, rcond=1e-12, hermitian=True) @ r
        out = np.empty(X.shape, order="F")
        for j in range(X.shape[1]):
            fitted = gamma[b, j]
            fmeans = np.bincount(a, weights=fitted, minlength=na) / ca
            np.subtract(x1[:, j], fitted - fmeans[a], out=out[:, j])
        return out
    # alternating projections (method of alternating projections, Gaure 2013)
    x = x1
    scale = max(1.0, float(np.max(np.abs(X)))) if X.size else 1.0
    for _ in range(maxiter):
        x_new = _demean_cols(_demean_cols(x, b, cb), a, ca)
        delta = float(np.max(np.abs(x_new - x))) if x.size else 0.0
        x = x_new
        if delta < tol * scale:
            return x
    raise EstimationError(
        f"demean: alternating projections did not converge in {maxiter} iterations",
        hint="the fixed effects may be nearly disconnected; check the panel structure",
    )


def _wdemean_cols(X: FloatArray, codes: IntArray, w: FloatArray, wsum: npt.NDArray[Any]) -> FloatArray:
    """Column-wise ``x - weighted_mean_by_group(x)``."""
    out = np.empty(X.shape, order="F")
    n_levels = len(wsum)
    for j in range(X.shape[1]):
        col = np.ascontiguousarray(X[:, j])
        means = np.bincount(codes, weights=w * col, minlength=n_levels) / wsum
        np.subtract(col, means[codes], out=out[:, j])
    return out


def _demean_weighted(X: FloatArray, factors: list[IntArray], w: FloatArray, tol: float,
                     maxiter: int) -> FloatArray:
    r"""Weighted within transformation: the W-orthogonal projection off the factor dummies.

    Same algorithm as the unweighted one with counts replaced by sums of weights:
    :math:`\tilde D_B'W\tilde D_B = \operatorname{diag}(w_B) - C_w'\operatorname{diag}(1/w_A)
    C_w` with :math:`C_w` the A × B matrix of summed weights.
    """
    codes = [recode(f) for f in factors]
    if len(codes) == 1:
        a, na = codes[0]
        return _wdemean_cols(X, a, w, np.bincount(a, weights=w, minlength=na))
    if len(codes) != 2:
        raise EstimationError("demean: only one or two fixed-effect factors are supported")
    (a, na), (b, nb) = sorted(codes, key=lambda c: -c[1])
    wa = np.bincount(a, weights=w, minlength=na)
    wb = np.bincount(b, weights=w, minlength=nb)
    x1 = _wdemean_cols(X, a, w, wa)
    if nb <= EXACT_MAX_LEVELS:
        from scipy import sparse

        Cs = sparse.csr_matrix((w, (a, b)), shape=(na, nb))
        M = np.diag(wb) - (Cs.T @ sparse.diags(1.0 / wa) @ Cs).toarray()
        r = np.empty((nb, X.shape[1]))
        for j in range(X.shape[1]):
            r[:, j] = np.bincount(b, weights=w * x1[:, j], minlength=nb)
        gamma = np.linalg.pinv(M, rcond=1e-12, hermitian=True) @ r
        out = np.empty(X.shape, order="F")
        for j in range(X.shape[1]):
            fitted = gamma[b, j]
            fmeans = np.bincount(a, weights=w * fitted, minlength=na) / wa
            np.subtract(x1[:, j], fitted - fmeans[a], out=out[:, j])
        return out
    x = x1
    scale = max(1.0, float(np.max(np.abs(X)))) if X.size else 1.0
    for _ in range(maxiter):
        x_new = _wdemean_cols(_wdemean_cols(x, b, w, wb), a, w, wa)
        delta = float(np.max(np.abs(x_new - x))) if x.size else 0.0
        x = x_new
        if delta < tol * scale:
            return x
    raise EstimationError(
        f"demean: alternating projections did not converge in {maxiter} iterations",
        hint="the fixed effects may be nearly disconnected; check the panel structure",
    )
