"""Unit and time weights of synthetic control / synthetic DiD (Arkhangelsky et al. 2021).

This follows the algorithm of the R package synthdid (Algorithm 1 of the paper and the
package's defaults), written from its description:

* noise level :math:`\\sigma` = standard deviation of the first differences of the control
  units' pre-period outcomes; regularisation :math:`\\zeta_\\omega = (N_{tr} T_{post})^{1/4}
  \\sigma` for the unit weights and :math:`\\zeta_\\lambda = 10^{-6}\\sigma` for the time
  weights;
* both weight vectors solve a penalised least-squares problem on the unit simplex
  :math:`\\min_x \\lVert A x - b\\rVert^2/n + \\zeta^2 \\lVert x\\rVert^2` (with an intercept:
  columns centred first) by Frank–Wolfe with exact line search, stopped when one
  iteration lowers the objective by less than :math:`(10^{-5}\\sigma)^2` or after 10,000
  iterations;
* "sparsification": a first run of at most 100 iterations, weights at or below a quarter of
  the largest set to zero, renormalised, and used to start the second run.

The unit-weight problem uses the collapsed panel (pre-periods of the controls against the
mean of the treated units); the time-weight problem regresses each control's mean post
outcome on its pre-period outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["SynthOptions", "collapsed", "estimate_tau", "fit_weights", "fit_weights_batch",
           "frank_wolfe", "frank_wolfe_batch", "initial_weights", "noise_level", "options_for",
           "sparsify", "sum_normalize"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SynthOptions:
    """What stays fixed when the estimator is refitted (placebo, bootstrap, jackknife)."""

    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    lambda_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float
    max_iter: int = 10_000
    max_iter_pre_sparsify: int = 100


def noise_level(Y: FloatArray, N0: int, T0: int) -> float:
    """SD (n - 1) of the first differences of the controls' pre-period outcomes."""
    d = np.diff(Y[:N0, :T0], axis=1)
    return float(np.std(d, ddof=1)) if d.size > 1 else 0.0


def collapsed(Y: FloatArray, N0: int, T0: int) -> FloatArray:
    """(N0 + 1) x (T0 + 1): controls' pre periods and post mean; treated mean row last."""
    top = np.column_stack([Y[:N0, :T0], Y[:N0, T0:].mean(axis=1)])
    bottom = np.append(Y[N0:, :T0].mean(axis=0), Y[N0:, T0:].mean())
    return np.vstack([top, bottom])


def sparsify(v: FloatArray) -> FloatArray:
    """Weights at or below max/4 set to zero, the rest renormalised to sum to one."""
    out = np.where(v <= v.max() / 4, 0.0, v)
    return np.asarray(out / out.sum(), dtype=np.float64)


def frank_wolfe(Y: FloatArray, zeta: float, intercept: bool, x: FloatArray | None,
                min_decrease: float, max_iter: int) -> FloatArray:
    """Simplex-constrained ridge regression of the last column of ``Y`` on the others.

    Minimises :math:`\\zeta^2\\lVert x\\rVert^2 + \\lVert A x - b\\rVert^2 / n` (n rows) by
    Frank–Wolfe with exact line search, from ``x`` (uniform when None).
    """
    n, m = Y.shape[0], Y.shape[1] - 1
    if intercept:
        Y = Y - Y.mean(axis=0)
    A = Y[:, :m]
    b = Y[:, m]
    # everything through the Gram matrix, with the half-gradient and the scalars x'x, x'Gx,
    # x'A'b updated in O(1)/O(m) per iteration (re-synchronised every 256 iterations)
    G = A.T @ A
    Ab = A.T @ b
    bb = float(b @ b)
    eta = n * zeta**2
    z2 = zeta**2
    step_cols = G + eta * np.eye(m) - Ab[:, None]  # half-gradient at vertex e_i, column i
    diagG = np.diag(G).copy()
    x = np.full(m, 1.0 / m) if x is None else np.array(x, dtype=np.float64)

    def sync(x: FloatArray) -> tuple[FloatArray, float, float, float]:
        Gx = G @ x
        return Gx + eta * x - Ab, float(x @ x), float(x @ Gx), float(x @ Ab)

    hg, xx, xGx, xAb = sync(x)
    prev = np.inf
    val = np.inf
    it = 0
    thresh = min_decrease**2
    while it < max_iter and (it < 2 or prev - val > thresh):
        it += 1
        i = int(np.argmin(hg))
        xi = float(x[i])
        if not (xi == 1.0 and xx == 1.0):  # the direction e_i - x is not zero
            # with d = e_i - x: |A d|^2 = G_ii - 2 (Gx)_i + x'Gx, |d|^2 = 1 - 2 x_i + x'x
            gxi = float(hg[i]) - eta * xi + float(Ab[i])
            num = float(hg[i]) - (xGx + eta * xx - xAb)
            den = (diagG[i] - 2 * gxi + xGx) + eta * (1 - 2 * xi + xx)
            s = min(1.0, max(0.0, -num / den)) if den > 0 else 0.0
            if s > 0:
                c = 1.0 - s
                x *= c
                x[i] += s
                hg *= c
                hg += s * step_cols[:, i]
                xx = c * c * xx + 2 * s * c * xi + s * s
                xGx = c * c * xGx + 2 * s * c * gxi + s * s * diagG[i]
                xAb = c * xAb + s * float(Ab[i])
        if it % 256 == 0:
            hg, xx, xGx, xAb = sync(x)
        prev, val = val, z2 * xx + (xGx - 2 * xAb + bb) / n
    return x


def frank_wolfe_batch(Y: FloatArray, zeta: float | FloatArray, intercept: bool,
                      x: FloatArray | None, min_decrease: float | FloatArray,
                      max_iter: int) -> FloatArray:
    """:func:`frank_wolfe` for a stack of B problems of one shape (``Y``: B x n x (m + 1)).

    Each problem follows its own iterations and stopping rule exactly as if solved alone
    (a stopped problem is frozen), so placebo and bootstrap replications run together.
    ``zeta`` and ``min_decrease`` may differ by problem (arrays of length B).
    """
    B, n, m = Y.shape[0], Y.shape[1], Y.shape[2] - 1
    if intercept:
        Y = Y - Y.mean(axis=1, keepdims=True)
    A = Y[:, :, :m]
    b = Y[:, :, m]
    # as frank_wolfe: Gram matrices, half-gradient and scalars updated in O(m) per iteration
    G = np.einsum("bki,bkj->bij", A, A)
    Ab = np.einsum("bki,bk->bi", A, b)
    bb = np.einsum("bk,bk->b", b, b)
    z2 = np.broadcast_to(np.asarray(zeta, dtype=np.float64) ** 2, (B,))
    eta = n * z2
    step_cols = G + eta[:, None, None] * np.eye(m)[None] - Ab[:, :, None]  # gradient at e_i
    diagG = np.einsum("bii->bi", G).copy()
    x = np.full((B, m), 1.0 / m) if x is None else np.array(x, dtype=np.float64)
    rows = np.arange(B)

    def sync(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        Gx = np.einsum("bij,bj->bi", G, x)
        return (Gx + eta[:, None] * x - Ab, np.einsum("bi,bi->b", x, x),
                np.einsum("bi,bi->b", x, Gx),
                np.einsum("bi,bi->b", x, Ab))

    hg, xx, xGx, xAb = sync(x)
    prev = np.full(B, np.inf)
    val = np.full(B, np.inf)
    active = np.ones(B, dtype=bool)
    thresh = np.broadcast_to(np.asarray(min_decrease, dtype=np.float64) ** 2, (B,)).copy()
    out = x.copy()
    where = np.arange(B)  # row of the full batch held in each working row
    it = 0
    while it < max_iter and active.any():
        it += 1
        if it % 64 == 0 and 2 * int(active.sum()) < len(active):
            # drop the stopped problems from the working arrays (they are frozen anyway);
            # every operation is row by row, so the survivors' iterates are unchanged
            out[where[~active]] = x[~active]
            keep = np.flatnonzero(active)
            where, x, G, Ab, bb, z2, eta = (where[keep], x[keep], G[keep], Ab[keep], bb[keep],
                                            z2[keep], eta[keep])
            step_cols, diagG, hg, xx, xGx, xAb = (step_cols[keep], diagG[keep], hg[keep],
                                                  xx[keep], xGx[keep], xAb[keep])
            prev, val, thresh, active = prev[keep], val[keep], thresh[keep], active[keep]
            rows = np.arange(len(keep))
        i = np.argmin(hg, axis=1)
        xi = x[rows, i]
        hgi = hg[rows, i]
        gxi = hgi - eta * xi + Ab[rows, i]
        num = hgi - (xGx + eta * xx - xAb)
        dgi = diagG[rows, i]
        den = (dgi - 2 * gxi + xGx) + eta * (1 - 2 * xi + xx)
        moving = active & ~((xi == 1.0) & (xx == 1.0)) & (den > 0)
        s = np.clip(-num / np.where(moving, den, 1.0), 0.0, 1.0)
        s[~moving] = 0.0
        c = 1.0 - s
        x *= c[:, None]
        x[rows, i] += s
        hg = hg * c[:, None] + s[:, None] * step_cols[rows, :, i]
        xx = c * c * xx + 2 * s * c * xi + s * s
        xGx = c * c * xGx + 2 * s * c * gxi + s * s * dgi
        xAb = c * xAb + s * Ab[rows, i]
        if it % 256 == 0:
            hg, xx, xGx, xAb = sync(x)
        new_val = z2 * xx + (xGx - 2 * xAb + bb) / n
        prev = np.where(active, val, prev)
        val = np.where(active, new_val, val)
        active = active & ((it < 2) | (prev - val > thresh))
    out[where] = x
    return out


def sparsify_rows(v: FloatArray) -> FloatArray:
    """:func:`sparsify` applied to each row."""
    out = np.where(v <= v.max(axis=1, keepdims=True) / 4, 0.0, v)
    return np.asarray(out / out.sum(axis=1, keepdims=True), dtype=np.float64)


def fit_weights_batch(Ys: FloatArray, N0: int, T0: int,
                      opts: SynthOptions | list[SynthOptions],
                      omega: FloatArray | None, lam: FloatArray | None
                      ) -> tuple[FloatArray, FloatArray]:
    """:func:`fit_weights` for B panels of one shape (``Ys``: B x N x T); rows of omega/lam.

    ``opts`` is one set of options or one per panel (same flags, own zeta and min_decrease).
    """
    B = Ys.shape[0]
    many = opts if isinstance(opts, list) else [opts] * B
    first = many[0]
    z_l = np.array([o.zeta_lambda for o in many])
    z_o = np.array([o.zeta_omega for o in many])
    md = np.array([o.min_decrease for o in many])
    top = np.concatenate([Ys[:, :N0, :T0], Ys[:, :N0, T0:].mean(axis=2, keepdims=True)], axis=2)
    bottom = np.concatenate([Ys[:, N0:, :T0].mean(axis=1),
                             Ys[:, N0:, T0:].mean(axis=(1, 2))[:, None]], axis=1)
    Yc = np.concatenate([top, bottom[:, None, :]], axis=1)
    if first.update_lambda:
        lam = _two_rounds_batch(Yc[:, :N0, :], z_l, first.lambda_intercept, lam, md, first)
    if first.update_omega:
        omega = _two_rounds_batch(np.transpose(Yc[:, :, :T0], (0, 2, 1)), z_o,
                                  first.omega_intercept, omega, md, first)
    assert omega is not None and lam is not None
    return (np.broadcast_to(omega, (B, N0)).copy(), np.broadcast_to(lam, (B, T0)).copy())


def _two_rounds_batch(Y: FloatArray, zeta: FloatArray, intercept: bool, x: FloatArray | None,
                      min_decrease: FloatArray, opts: SynthOptions) -> FloatArray:
    if x is not None:
        x = np.broadcast_to(x, (Y.shape[0], Y.shape[2] - 1)).copy()
    first = frank_wolfe_batch(Y, zeta, intercept, x, min_decrease, opts.max_iter_pre_sparsify)
    return frank_wolfe_batch(Y, zeta, intercept, sparsify_rows(first), min_decrease,
                             opts.max_iter)


def fit_weights(Y: FloatArray, N0: int, T0: int, opts: SynthOptions,
                omega: FloatArray | None, lam: FloatArray | None
                ) -> tuple[FloatArray, FloatArray]:
    """Unit weights omega (N0) and time weights lambda (T0), updated or kept as given."""
    Yc = collapsed(Y, N0, T0)
    if opts.update_lambda:
        lam = _two_rounds(Yc[:N0, :], opts.zeta_lambda, opts.lambda_intercept, lam, opts)
    if opts.update_omega:
        omega = _two_rounds(Yc[:, :T0].T, opts.zeta_omega, opts.omega_intercept, omega, opts)
    assert omega is not None and lam is not None
    return omega, lam


def _two_rounds(Y: FloatArray, zeta: float, intercept: bool, x: FloatArray | None,
                opts: SynthOptions) -> FloatArray:
    first = frank_wolfe(Y, zeta, intercept, x, opts.min_decrease, opts.max_iter_pre_sparsify)
    return frank_wolfe(Y, zeta, intercept, sparsify(first), opts.min_decrease, opts.max_iter)


def estimate_tau(Y: FloatArray, N0: int, T0: int, omega: FloatArray, lam: FloatArray) -> float:
    """:math:`\\hat\\tau = (-\\omega, 1/N_1)' Y (-\\lambda, 1/T_1)`."""
    N1, T1 = Y.shape[0] - N0, Y.shape[1] - T0
    u = np.concatenate([-omega, np.full(N1, 1.0 / N1)])
    t = np.concatenate([-lam, np.full(T1, 1.0 / T1)])
    return float(u @ Y @ t)


def options_for(method: str, Y: FloatArray, N0: int, T0: int) -> SynthOptions:
    """synthdid's defaults for ``synthdid_estimate``, ``sc_estimate`` and ``did_estimate``."""
    sigma = noise_level(Y, N0, T0)
    N1, T1 = Y.shape[0] - N0, Y.shape[1] - T0
    eta_omega = ((N1 * T1) ** 0.25) if method == "sdid" else 1e-6
    return SynthOptions(
        zeta_omega=eta_omega * sigma, zeta_lambda=1e-6 * sigma,
        omega_intercept=method != "sc", lambda_intercept=True,
        update_omega=method != "did", update_lambda=method == "sdid",
        min_decrease=1e-5 * sigma,
    )


def initial_weights(method: str, N0: int, T0: int
                    ) -> tuple[FloatArray | None, FloatArray | None]:
    """Fixed weights of SC (lambda = 0) and DiD (uniform); None where they are estimated."""
    if method == "did":
        return np.full(N0, 1.0 / N0), np.full(T0, 1.0 / T0)
    if method == "sc":
        return None, np.zeros(T0)
    return None, None


def sum_normalize(x: FloatArray) -> FloatArray:
    """x / sum(x), or uniform weights when x sums to zero."""
    s = float(x.sum())
    return np.asarray(x / s if s != 0 else np.full(len(x), 1.0 / len(x)), dtype=np.float64)
