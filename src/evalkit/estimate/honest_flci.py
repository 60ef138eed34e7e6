"""Fixed-length confidence interval under smoothness restrictions Δ^SD(M).

The Armstrong–Kolesár optimal affine estimator used by Rambachan & Roth (2023, section 4.1)
for the set Δ^SD(M) = {δ : |(δ_{t+1} − δ_t) − (δ_t − δ_{t−1})| ≤ M}. Written from the paper's
formulas; the parametrisation by the cumulative pre-period weights ``w`` follows R HonestDiD's
``findOptimalFLCI`` so that the two solve the same convex programme.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy.special import ndtr

from evalkit._dist import norm_pdf, norm_ppf
from evalkit.errors import EstimationError

FloatArray = NDArray[np.float64]


def folded_normal_cv(t: float, alpha: float) -> float:
    """The ``1 − alpha`` quantile of ``|N(t, 1)|`` (exact; R HonestDiD simulates it)."""
    return _folded_normal_cv(abs(float(t)), float(alpha))


@functools.lru_cache(maxsize=512)
def _folded_normal_cv(t: float, alpha: float) -> float:
    # cached: SLSQP asks for the half-length and its gradient at the same point
    target = 1.0 - alpha

    def gap(c: float) -> float:  # norm_cdf(c - t) - norm_cdf(-c - t) - target, called directly
        return float(ndtr(c - t)) - float(ndtr(-c - t)) - target

    hi = t + norm_ppf(1.0 - alpha / 2.0) + 1.0
    return float(optimize.brentq(gap, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps))


def _first_difference(k: int) -> FloatArray:
    d = np.eye(k)
    for j in range(k - 1):
        d[j + 1, j] = -1.0
    return d


def flci(betahat: FloatArray, sigma: FloatArray, num_pre: int, l_vec: FloatArray, m: float,
         alpha: float) -> tuple[float, float]:
    """Optimal FLCI for ``θ = l_vec'τ_post`` under Δ^SD(m): returns ``(lb, ub)``.

    The estimator is ``θ̂ = a'β̂_pre + l_vec'β̂_post`` with ``a = D w`` (``D`` the first
    difference, ``w`` the cumulative pre-period weights, ``Σ w = Σ_s s·l_s``). Its worst-case
    bias over Δ^SD(m) is ``m·b(w)``, ``b(w) = c_0 + Σ_k |cumsum(w)_k|``, and the interval is
    ``θ̂ ± cv_α(m·b(w)/sd(w))·sd(w)``; the half-length is a convex function of ``w`` (the
    perspective of the convex folded-normal quantile), minimised here with SLSQP. For several
    ``m`` of one event study, build :class:`FlciProblem` once and call it for each.
    """
    return FlciProblem(betahat, sigma, num_pre, l_vec, alpha)(m)


class FlciProblem:
    """The parts of :func:`flci` that do not depend on ``m`` (computed once); called with
    ``m`` it returns :func:`flci`'s ``(lb, ub)``."""

    def __init__(self, betahat: FloatArray, sigma: FloatArray, num_pre: int,
                 l_vec: FloatArray, alpha: float) -> None:
        k = num_pre
        post = len(l_vec)
        s_idx = np.arange(1, post + 1, dtype=float)
        target = float(s_idx @ l_vec)
        const = sum(abs(float(np.arange(1, s + 1) @ l_vec[post - s:]))
                    for s in range(1, post + 1))
        self.const = const - target
        self.k, self.alpha, self.target = k, alpha, target
        self.d = _first_difference(k)
        s_prepost = sigma[:k, k:] @ l_vec
        self.v_post = float(l_vec @ sigma[k:, k:] @ l_vec)
        self.quad = self.d.T @ sigma[:k, :k] @ self.d
        self.quad2 = 2.0 * self.quad  # the gradient's 2.0 * quad @ w, as (2.0 * quad) @ w
        self.lin = 2.0 * self.d.T @ s_prepost
        self.lower = np.tril(np.ones((k, k)))
        w0 = np.zeros(k)
        w0[-1] = target
        self.x0 = np.concatenate([w0, np.abs(self.lower @ w0)])
        # -A|x| >= 0 and the sum of w; the constant Jacobians are built once (SLSQP copies)
        neg_a_abs = -np.block([[self.lower, -np.eye(k)], [-self.lower, -np.eye(k)]])
        sum_w = np.concatenate([np.ones(k), np.zeros(k)])[None, :]
        self.cons = [{"type": "ineq", "fun": lambda x: neg_a_abs @ x,
                      "jac": lambda x: neg_a_abs},
                     {"type": "eq", "fun": lambda x: np.array([x[:k].sum() - target]),
                      "jac": lambda x: sum_w}]
        self.scale = np.sqrt(np.mean(np.diag(sigma)))
        self.centre_pre, self.centre_post = betahat[:k], float(l_vec @ betahat[k:])

    def sd(self, w: FloatArray) -> float:
        """Standard deviation of the estimator with cumulative pre-period weights ``w``."""
        # math.sqrt and np.sqrt are both the correctly rounded square root
        return math.sqrt(max(float(w @ self.quad @ w + self.lin @ w) + self.v_post, 1e-300))

    def __call__(self, m: float) -> tuple[float, float]:
        k, alpha, const = self.k, self.alpha, self.const
        last: list[Any] = [None, None]  # x's bytes and (sd, t, cv) there: SLSQP asks for
        # the half-length and then its gradient at the same point

        def state(x: FloatArray) -> tuple[float, float, float]:
            key = x.tobytes()
            if key != last[0]:
                s = self.sd(x[:k])
                t = m * (const + float(x[k:].sum())) / s
                last[0], last[1] = key, (s, t, folded_normal_cv(t, alpha))
            value: tuple[float, float, float] = last[1]
            return value

        def half(x: FloatArray) -> float:
            s, _, c = state(x)
            return c * s

        def half_grad(x: FloatArray) -> FloatArray:
            s, t, c = state(x)
            lo, hi = norm_pdf(c - t), norm_pdf(c + t)
            dc = float((lo - hi) / (lo + hi))
            ds = (self.quad2 @ x[:k] + self.lin) / (2.0 * s)
            return np.concatenate([(c - dc * t) * ds, np.full(k, dc * m)])

        scale = self.scale
        res = optimize.minimize(lambda x: half(x) / scale, self.x0.copy(),
                                jac=lambda x: half_grad(x) / scale, method="SLSQP",
                                constraints=self.cons, options={"ftol": 1e-15, "maxiter": 2000})
        x = np.asarray(res.x, dtype=float)
        x[k:] = np.abs(self.lower @ x[:k])  # tighten the epigraph variables
        length = half(x)
        if not np.isfinite(length):  # pragma: no cover - SLSQP always returns a point
            raise EstimationError("honest_did: the FLCI optimisation failed",
                                  hint="check that sigma is a valid covariance matrix")
        a = self.d @ x[:k]
        centre = float(a @ self.centre_pre + self.centre_post)
        return centre - length, centre + length
