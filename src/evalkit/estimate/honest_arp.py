"""Relative-magnitude bounds Δ^RM(M̄): the ARP conditional / hybrid test, inverted on a grid.

Andrews, Roth & Pakes (2023) test ``H0: θ = θ0`` for moments ``E[Y] − Xν ≤ 0`` with a nuisance
``ν``; Rambachan & Roth (2023, section 4.2) apply it to Δ^RM(M̄) written as a union of
polyhedra (one for each choice of the largest pre-period violation and its sign). Written from
the papers; the numerical conventions (θ grid, the least-favourable critical value simulated
from 1,000 normal draws seeded 0, tolerances) follow R HonestDiD's
``computeConditionalCS_DeltaRM`` so that the two return the same grid points.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

from evalkit.errors import EstimationError

FloatArray = NDArray[np.float64]
_TOL_LAMBDA = 1e-6
_U32 = 0xFFFFFFFF


def r_normal_draws(seed: int, n: int) -> FloatArray:
    """``set.seed(seed); rnorm(n)`` of R (Mersenne-Twister, inversion), for reproducibility."""
    s = seed & _U32
    for _ in range(50):  # R's initial scrambling of the seed
        s = (69069 * s + 1) & _U32
    key = np.empty(625, dtype=np.uint32)
    for j in range(625):
        s = (69069 * s + 1) & _U32
        key[j] = s
    gen = np.random.MT19937()
    gen.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}
    unif = gen.random_raw(2 * n).astype(np.float64) * 2.3283064365386963e-10
    tiny = 0.5 * 2.328306437080797e-10
    unif = np.where(unif <= 0.0, tiny, unif)
    unif = np.where(1.0 - unif <= 0.0, 1.0 - tiny, unif)
    big = 134217728.0
    u = np.floor(big * unif[0::2]) + unif[1::2]
    return np.asarray(special.ndtri(u / big), dtype=float)


def r_mvnorm(sigma: FloatArray, n: int, seed: int = 0) -> FloatArray:
    """``set.seed(seed); mvtnorm::rmvnorm(n, sigma = sigma)`` (symmetric square root)."""
    vals, vecs = np.linalg.eigh(sigma)
    root = (vecs * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T
    z = r_normal_draws(seed, n * sigma.shape[0]).reshape(n, sigma.shape[0])
    return np.asarray(z @ root, dtype=float)


def rm_constraints(pre: int, post: int, mbar: float, s: int, positive: bool) -> FloatArray:
    """Rows ``A`` with Δ^RM(M̄) ∩ {the largest pre-period change is at ``s``} = {δ: Aδ ≤ 0}."""
    n = pre + post
    atilde = np.zeros((n, n + 1))
    for r in range(n):
        atilde[r, r], atilde[r, r + 1] = -1.0, 1.0
    v = np.zeros(n + 1)
    v[pre + s - 1], v[pre + s] = -1.0, 1.0
    if not positive:
        v = -v
    bound = np.vstack([np.tile(v, (pre, 1)), np.tile(mbar * v, (post, 1))])
    a = np.vstack([atilde - bound, -atilde - bound])
    a = a[np.einsum("ij,ij->i", a, a) > 1e-10]
    return np.delete(a, pre, axis=1)


def construct_gamma(l_vec: FloatArray) -> FloatArray:
    """An invertible matrix whose first row is ``l_vec`` (completed by unit vectors)."""
    t = l_vec.size
    cols = [l_vec] + [np.eye(t)[:, j] for j in range(t)]
    chosen: list[FloatArray] = []
    for c in cols:
        trial = np.column_stack([*chosen, c])
        if np.linalg.matrix_rank(trial) > len(chosen):
            chosen.append(c)
        if len(chosen) == t:
            break
    return np.vstack(chosen)


def _eta_lp(y: FloatArray, x: FloatArray, sd: FloatArray) -> tuple[float, FloatArray, bool]:
    """``min η`` s.t. ``y − Xν ≤ η·sd``; returns η, the duals λ ≥ 0 and success."""
    k = x.shape[1]
    c = np.zeros(k + 1)
    c[0] = 1.0
    a_ub = -np.column_stack([sd, x])
    res = optimize.linprog(c, A_ub=a_ub, b_ub=-y, bounds=[(None, None)] * (k + 1),
                           method="highs")
    if res.status != 0:
        return np.nan, np.zeros(y.size), False
    return float(res.fun), -np.asarray(res.ineqlin.marginals, dtype=float), True


_VERTEX_CACHE: dict[bytes, FloatArray | None] = {}


def _vertices(x: FloatArray, sd: FloatArray) -> FloatArray:
    """Dual vertices (rows, weights on the scaled moments) for one nuisance parameter."""
    key = x.tobytes() + sd.tobytes()
    found = _VERTEX_CACHE.get(key)
    if found is not None:
        return found
    b = x / sd
    m = b.size
    rows: list[FloatArray] = []
    for i in np.flatnonzero(b == 0):
        w = np.zeros(m)
        w[i] = 1.0
        rows.append(w)
    for i in np.flatnonzero(b > 0):
        for j in np.flatnonzero(b < 0):
            w = np.zeros(m)
            w[i], w[j] = -b[j] / (b[i] - b[j]), b[i] / (b[i] - b[j])
            rows.append(w)
    out = np.vstack(rows) if rows else np.zeros((0, m))
    if len(_VERTEX_CACHE) > 256:
        _VERTEX_CACHE.clear()
    _VERTEX_CACHE[key] = out
    return out


def _eta_one_nuisance(y: FloatArray, x: FloatArray, sd: FloatArray
                      ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``min_ν max_i (y_i − x_i ν)/sd_i`` for a scalar ``ν``, for each row of ``y``.

    ``x`` with no column (shape ``(m, 0)``): no nuisance parameter, ``η = max_i y_i/sd_i``.

    By LP duality the minimum is the largest value over the dual vertices: a moment with
    ``x_i = 0`` alone, or a pair with ``x_i > 0 > x_j`` weighted to cancel ``ν``. Returns η,
    the dual weights λ (one row per row of ``y``) and whether the LP is bounded.
    """
    n, m = y.shape
    if x.ndim == 2:  # no nuisance parameter (one post period): the largest scaled moment
        z = y / sd
        best = np.argmax(z, axis=1)
        lam = np.zeros((n, m))
        lam[np.arange(n), best] = 1.0 / sd[best]
        return z[np.arange(n), best], lam, np.ones(n, dtype=bool)
    verts = _vertices(x, sd)
    if verts.shape[0] == 0:
        return np.full(n, np.nan), np.zeros((n, m)), np.zeros(n, dtype=bool)
    values = (y / sd) @ verts.T
    best = np.argmax(values, axis=1)
    return values[np.arange(n), best], verts[best] / sd, np.ones(n, dtype=bool)


_MAX_BASES = 50_000


def dual_vertices(x: FloatArray, sd: FloatArray) -> FloatArray | None:
    """Vertices of the dual polytope ``{λ ≥ 0 : λ'sd = 1, λ'X = 0}`` (rows), or None.

    The LP ``η = min_{η,ν} η`` s.t. ``y − Xν ≤ η·sd`` has the dual ``max λ'y`` over that
    polytope, which is bounded (``sd > 0``), so ``η`` is the largest ``λ'y`` over its
    vertices: the basic solutions on ``k + 1`` moments (``k`` nuisance parameters). Enumerating
    them once turns every LP of a θ grid and of the 1,000 least-favourable draws into one
    matrix product. None when there are too many bases (the caller solves LPs instead) or
    ``[sd, X]`` is rank deficient.
    """
    from itertools import combinations
    from math import comb

    key = b"v" + sd.tobytes() + x.tobytes() + bytes(x.shape[1])
    if key in _VERTEX_CACHE:
        return _VERTEX_CACHE[key]
    w = np.column_stack([sd, x])
    m, k1 = w.shape
    if comb(m, k1) > _MAX_BASES or np.linalg.matrix_rank(w) < k1:
        _VERTEX_CACHE[key] = None
        return None
    subsets = np.array(list(combinations(range(m), k1)), dtype=np.intp)
    mats = np.transpose(w[subsets], (0, 2, 1))  # (bases, k+1, k+1): W_S'
    dets = np.linalg.det(mats)
    scale = np.prod(np.linalg.norm(w[subsets], axis=2), axis=1)
    ok = np.abs(dets) > 1e-12 * scale
    rhs = np.zeros((int(ok.sum()), k1, 1))
    rhs[:, 0, 0] = 1.0
    lam_s = np.linalg.solve(mats[ok], rhs)[:, :, 0]
    feasible = np.all(lam_s >= -1e-12, axis=1)
    lam = np.zeros((int(feasible.sum()), m))
    rows = np.repeat(np.arange(lam.shape[0]), k1)
    lam[rows, subsets[ok][feasible].ravel()] = np.maximum(lam_s[feasible], 0.0).ravel()
    lam = np.unique(np.round(lam, 14), axis=0) if lam.size else lam
    out = lam if lam.shape[0] else None
    if len(_VERTEX_CACHE) > 256:
        _VERTEX_CACHE.clear()
    _VERTEX_CACHE[key] = out
    return out


def least_favorable_cv(x: FloatArray, sigma: FloatArray, kappa: float, sims: int = 1000,
                       seed: int = 0) -> float:
    """The ``1 − κ`` quantile of the LP statistic ``η`` under the least favourable null."""
    sd = np.sqrt(np.diag(sigma))
    draws = r_mvnorm(sigma, sims, seed)
    verts = dual_vertices(x, sd) if x.shape[1] > 1 else None
    if x.shape[1] <= 1:
        etas = _eta_one_nuisance(draws, x[:, 0] if x.shape[1] else x, sd)[0]
    elif verts is not None:
        etas = np.max(draws @ verts.T, axis=1)
    else:
        etas = np.array([_eta_lp(xi, x, sd)[0] for xi in draws])
    return float(np.nanquantile(etas, 1.0 - kappa))


def _max_program(s_t: FloatArray, gamma: FloatArray, sigma: FloatArray, w_t: FloatArray,
                 c: float) -> tuple[float, FloatArray]:
    f = s_t + (sigma @ gamma) / float(gamma @ sigma @ gamma) * c
    if w_t.shape[1] == 2:  # one nuisance parameter: the vertices are singles and pairs
        eta, sol, ok = _eta_one_nuisance(f[None, :], w_t[:, 1], w_t[:, 0])
        return (float(eta[0]), sol[0]) if ok[0] else (np.nan, np.zeros(f.size))
    verts = dual_vertices(w_t[:, 1:], w_t[:, 0])
    if verts is not None:
        vals = verts @ f
        j = int(np.argmax(vals))
        return float(vals[j]), verts[j]
    beq = np.zeros(w_t.shape[1])
    beq[0] = 1.0
    res = optimize.linprog(-f, A_eq=w_t.T, b_eq=beq, bounds=[(0, None)] * f.size,
                           method="highs")
    if res.status != 0:
        return np.nan, np.zeros(f.size)
    return float(-res.fun), np.asarray(res.x, dtype=float)


def _vlo_vup_dual(eta: float, s_t: FloatArray, gamma: FloatArray, sigma: FloatArray,
                  w_t: FloatArray) -> tuple[float, float]:
    """Truncation points by bisection on the dual LP (the degenerate case)."""
    tol = 1e-6
    sig_b = float(np.sqrt(gamma @ sigma @ gamma))
    b = (sigma @ gamma) / float(gamma @ sigma @ gamma)

    def check(c: float) -> tuple[bool, FloatArray]:
        opt, sol = _max_program(s_t, gamma, sigma, w_t, c)
        return bool(np.isfinite(opt) and abs(c - opt) <= tol), sol

    def roundeps(v: float) -> float:
        return 0.0 if abs(v) < np.finfo(float).eps ** 0.75 else v

    ok, _ = check(eta)
    if not ok:
        return eta, np.inf
    bounds = []
    for start, upper in ((max(100.0, eta + 20 * sig_b), True),
                         (min(-100.0, eta - 20 * sig_b), False)):
        ok, sol = check(start)
        if ok:
            bounds.append(np.inf if upper else -np.inf)
            continue
        dif, iters = 0.0, 1
        mid = roundeps(float(sol @ s_t)) / (1.0 - float(sol @ b))
        while True:
            ok, sol = check(mid)
            if ok:
                break
            iters += 1
            if iters >= 10:
                dif = tol + 1
                break
            mid = roundeps(float(sol @ s_t)) / (1.0 - float(sol @ b))
        lo, hi = (eta, mid) if upper else (mid, eta)
        while dif > tol and iters < 10000:
            iters += 1
            mid = (lo + hi) / 2.0
            inside = check(mid)[0]
            if upper:
                lo, hi = (mid, hi) if inside else (lo, mid)
            else:
                lo, hi = (lo, mid) if inside else (mid, hi)
            dif = hi - lo
        bounds.append(mid)
    return bounds[1], bounds[0]


def _truncnorm_quantile(p: float, lo: float, hi: float) -> float:
    """Quantile of N(0, 1) truncated to ``[lo, hi]`` (tail-safe; like TruncatedNormal::norminvp)."""
    if lo > 0:  # upper tail: work with survival probabilities
        s_lo, s_hi = special.ndtr(-lo), special.ndtr(-hi)
        mass = s_lo - s_hi
        if mass > 1e-300:
            return float(-special.ndtri(s_lo - p * mass))
    else:
        c_lo, c_hi = special.ndtr(lo), special.ndtr(hi)
        mass = c_hi - c_lo
        if mass > 1e-300:
            return float(special.ndtri(c_lo + p * mass))
    from scipy import stats  # far tails only: its log-space algorithm

    return float(stats.truncnorm.ppf(p, lo, hi))


def conditional_reject(y: FloatArray, x: FloatArray, sigma: FloatArray, alpha: float,
                       kappa: float, lf_cv: float | None,
                       lp: tuple[float, FloatArray, bool] | None = None) -> bool:
    """The ARP conditional test (hybrid with the least-favourable test when ``lf_cv``)."""
    m_dim, k = x.shape
    sd = np.sqrt(np.diag(sigma))
    eta, lam, ok = lp if lp is not None else _eta_lp(y, x, sd)
    if not ok:
        return False
    if lf_cv is not None:
        if eta > lf_cv:
            return True
        size = (alpha - kappa) / (1.0 - kappa)
    else:
        size = alpha
    b_idx = lam > _TOL_LAMBDA
    degenerate = int(b_idx.sum()) != k + 1
    x_b = x[b_idx]
    full_rank = k == 0 or (min(x_b.shape) > 0
                           and np.linalg.matrix_rank(x_b) == min(x_b.shape))
    if degenerate or not full_rank:
        var_b = float(lam @ sigma @ lam)
        if abs(var_b) < np.finfo(float).eps:
            return eta > 0
        if var_b < 0:  # pragma: no cover - lam'Σlam of a covariance matrix
            raise EstimationError("honest_did: negative variance in the ARP test")
        s_t = y - (sigma @ lam) * float(lam @ y) / var_b
        vlo, vup = _vlo_vup_dual(eta, s_t, lam, sigma, np.column_stack([sd, x]))
        sig_b = np.sqrt(var_b)
        stat = eta / sig_b
        zlo = vlo / sig_b
        zup = (min(vup, lf_cv) if lf_cv is not None else vup) / sig_b
    else:
        eye = np.eye(m_dim)
        basis_inv = np.linalg.inv(np.column_stack([sd[b_idx], x_b]))
        s_b, s_bc = eye[b_idx], eye[~b_idx]
        gam = np.column_stack([sd[~b_idx], x[~b_idx]]) @ basis_inv @ s_b - s_bc
        v_b = (basis_inv[0] @ s_b)
        var_b = float(v_b @ sigma @ v_b)
        sig_b = np.sqrt(var_b)
        rho = gam @ sigma @ v_b / var_b
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = (-gam @ y) / rho + float(v_b @ y)
        vlo = float(bound[rho > 0].max()) if np.any(rho > 0) else -np.inf
        vup = float(bound[rho < 0].min()) if np.any(rho < 0) else np.inf
        stat = eta / sig_b
        zlo = vlo / sig_b
        zup = (min(vup, lf_cv) if lf_cv is not None else vup) / sig_b
    if not (zlo <= stat <= zup):
        return False
    cval = max(0.0, _truncnorm_quantile(1.0 - size, zlo, zup))
    return bool(stat > cval)


def rm_accepts(betahat: FloatArray, sigma: FloatArray, pre: int, l_vec: FloatArray,
               mbar: float, alpha: float, thetas: FloatArray, hybrid: bool = True
               ) -> NDArray[np.bool_]:
    """Whether each θ in ``thetas`` is accepted under Δ^RM(M̄) for some choice of ``s``."""
    post = l_vec.size
    kappa = alpha / 10.0
    accept = np.zeros(thetas.size, dtype=bool)
    gamma_inv = np.linalg.inv(construct_gamma(l_vec))
    for s in range(-(pre - 1), 1):
        for positive in (True, False):
            a = rm_constraints(pre, post, mbar, s, positive)
            # R's postPeriodMomentsOnly: with 2+ post periods only the rows that involve
            # them; with one post period (no nuisance parameter) every row, as R
            rows = np.any(a[:, pre:] != 0, axis=1) if post > 1 else np.ones(len(a), bool)
            ag = a[:, pre:] @ gamma_inv
            one, x = ag[rows, 0], ag[rows, 1:]
            y_all = (a @ betahat)[rows]
            sig_y = (a @ sigma @ a.T)[np.ix_(rows, rows)]
            lf = least_favorable_cv(x, sig_y, kappa) if hybrid else None
            todo = np.flatnonzero(~accept)
            ys = y_all[None, :] - thetas[todo, None] * one[None, :]
            verts = dual_vertices(x, np.sqrt(np.diag(sig_y))) if x.shape[1] > 1 else None
            if x.shape[1] <= 1:
                etas, lams, oks = _eta_one_nuisance(ys, x[:, 0] if x.shape[1] else x,
                                                    np.sqrt(np.diag(sig_y)))
            elif verts is not None:
                vals = ys @ verts.T
                best = np.argmax(vals, axis=1)
                etas, lams = vals[np.arange(len(todo)), best], verts[best]
                oks = np.ones(len(todo), dtype=bool)
            vectorised = x.shape[1] <= 1 or verts is not None
            for n_i, i in enumerate(todo):
                lp = (float(etas[n_i]), lams[n_i], bool(oks[n_i])) if vectorised else None
                if lp is not None and lf is not None and lp[2] and lp[0] > lf:
                    continue  # rejected by the least-favourable first stage
                accept[i] = not conditional_reject(ys[n_i], x, sig_y, alpha, kappa, lf, lp)
    return accept


def theta_grid(sigma: FloatArray, pre: int, l_vec: FloatArray, grid_points: int = 1000,
               grid: tuple[float, float] | None = None) -> FloatArray:
    """R HonestDiD's θ grid: ``grid_points`` values over ``±20`` SE of ``l'β̂_post``."""
    sd_theta = float(np.sqrt(l_vec @ sigma[pre:, pre:] @ l_vec))
    lo, hi = grid if grid is not None else (-20.0 * sd_theta, 20.0 * sd_theta)
    return np.linspace(lo, hi, grid_points)


def rm_interval(betahat: FloatArray, sigma: FloatArray, pre: int, l_vec: FloatArray,
                mbar: float, alpha: float, hybrid: bool = True, grid_points: int = 1000,
                grid: tuple[float, float] | None = None) -> tuple[float, float]:
    """Robust interval under Δ^RM(M̄): the smallest and largest accepted grid points."""
    thetas = theta_grid(sigma, pre, l_vec, grid_points, grid)
    accept = rm_accepts(betahat, sigma, pre, l_vec, mbar, alpha, thetas, hybrid)
    if not accept.any():
        return np.nan, np.nan
    return float(thetas[accept].min()), float(thetas[accept].max())
