"""Restricted wild cluster bootstrap (WCR): p-value and confidence interval for one contrast.

Used by :func:`evalkit.did`, :func:`evalkit.twfe` and :func:`evalkit.event_study` with
``inference="wild"`` (and by default when there are fewer than :data:`WILD_AUTO_BELOW`
clusters).

Notes
-----
For the linear model :math:`y = X\\beta + u` with G clusters and the hypothesis
:math:`H_0: R\\beta = r` (R a 1 x K contrast), the restricted estimate is
:math:`\\tilde\\beta = \\hat\\beta - (X'X)^{-1}R'(R(X'X)^{-1}R')^{-1}(R\\hat\\beta - r)` with
residuals :math:`\\tilde u = y - X\\tilde\\beta`. Each bootstrap sample multiplies every
cluster's restricted residuals by one weight :math:`v_g` (Rademacher ±1, or Webb's six
points ±√(1/2), ±1, ±√(3/2)): :math:`y^* = X\\tilde\\beta + \\tilde u \\circ v`. The bootstrap
statistic is the CR1 t statistic of :math:`R\\beta^* - r`; the p-value is the share of
bootstrap statistics larger in absolute value than the sample's,
:math:`p = B^{-1}\\sum_b 1(|t| < |t^*_b|)` (the symmetric p-value of wildboottest and
fwildclusterboot; a draw equal to the sample statistic, as :math:`v = \\pm 1` always is,
does not count). The small-sample factor cancels in the comparison, so it does not matter.

Everything is computed from cluster-level sums ("fast and wild", Roodman et al. 2019):
with :math:`s_g = X_g'\\tilde u_g`, :math:`W = (X'X)^{-1}`, :math:`C_g = RWs_g` and
:math:`H_{gh} = RWX_g'X_gWs_h`, the bootstrap numerator is :math:`C'v` and the CR1 variance
is :math:`\\sum_g (C_g v_g - (Hv)_g)^2`. Because :math:`\\tilde u` is linear in the null
value r, so are C and H, and every p-value needed to invert the test for the confidence
interval costs O(B): the interval is the set of r not rejected at ``alpha``, its end points
found by bisection to 1e-10 of the standard error.

With Rademacher weights and :math:`2^G \\le` ``reps`` every one of the :math:`2^G` sign
vectors is used once (full enumeration): the p-value is then exact and deterministic.
Fixed effects nested in the clusters (unit effects when clustering by unit) are projected
out first, which is exact; other fixed effects (periods) enter as dummy columns so the
bootstrap equals the one on the full dummy-variable regression.

R: ``fwildclusterboot::boottest(fit, param = "d", clustid = ~unit, B = 9999,
type = "rademacher", impose_null = TRUE)``; Stata: ``boottest d, cluster(unit) reps(9999)``;
Python: ``wildboottest(model, param="d", cluster=unit, B=9999)``.

References
----------
Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414–427.
MacKinnon, J. G., & Webb, M. D. (2017). Wild bootstrap inference for wildly different
cluster sizes. *Journal of Applied Econometrics*, 32(2), 233–254.
Roodman, D., MacKinnon, J. G., Nielsen, M. Ø., & Webb, M. D. (2019). Fast and wild:
Bootstrap inference in Stata using boottest. *The Stata Journal*, 19(1), 4–60.
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors.
*Canadian Journal of Economics*, 56(3), 839–858.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from evalkit._checks import check_choice
from evalkit.errors import SpecError

__all__ = [
    "DEFAULT_SEED",
    "WILD_AUTO_BELOW",
    "BootWeights",
    "Inference",
    "WildBootstrap",
    "check_wild_options",
    "use_wild",
    "wild_cluster_test",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BootWeights = Literal["rademacher", "webb"]
Inference = Literal["auto", "analytic", "wild"]

#: ``inference="auto"`` uses the wild cluster bootstrap below this many clusters, where CR1
#: t-tests over-reject (Cameron, Gelbach & Miller 2008; MacKinnon & Webb 2017)
WILD_AUTO_BELOW = 30
#: seed used when ``seed=None``, so that reports are reproducible
DEFAULT_SEED = 20_240_601

_WEBB = np.concatenate([-np.sqrt(np.array([3.0, 2.0, 1.0]) / 2), np.sqrt(np.array([1.0, 2.0, 3.0]) / 2)])
_CHUNK = 2_000_000  # matrix entries per chunk of bootstrap draws


@dataclass(frozen=True)
class WildBootstrap:
    """Outcome of :func:`wild_cluster_test`."""

    pvalue: float
    ci: tuple[float, float]
    reps: int
    enumerated: bool
    boot_weights: str
    seed: int | None
    n_clusters: int

    def to_dict(self) -> dict[str, Any]:
        return {"p_value": self.pvalue, "conf_low": self.ci[0], "conf_high": self.ci[1],
                "reps": self.reps, "enumerated": self.enumerated,
                "boot_weights": self.boot_weights, "seed": self.seed,
                "n_clusters": self.n_clusters, "type": "WCR (restricted), CR1 t"}


def check_wild_options(inference: str, reps: int, boot_weights: str,
                       seed: int | None) -> None:
    """Reject bad ``inference``/``reps``/``boot_weights``/``seed`` values (SpecError)."""
    check_choice("inference", inference, ("auto", "analytic", "wild"))
    check_choice("boot_weights", boot_weights, ("rademacher", "webb"))
    if isinstance(reps, bool) or not isinstance(reps, int | np.integer) or reps < 99:
        raise SpecError(f"reps: expected a whole number of at least 99, got {reps!r}",
                        hint="use reps=9999 (the default) for p-values near 0.05")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise SpecError(f"seed: expected a whole number or None, got {seed!r}",
                        hint="e.g. seed=1")


def use_wild(inference: str, clustered: bool, n_clusters: int | None) -> bool:
    """Whether the wild bootstrap replaces t(G-1) inference for the headline term."""
    if inference == "wild":
        if not clustered:
            raise SpecError(
                "inference='wild' needs clustered standard errors",
                hint="pass cluster= (or unit= for ek.did) so there are clusters to resample, "
                "or use inference='analytic'",
            )
        return True
    return (inference == "auto" and clustered and n_clusters is not None
            and n_clusters < WILD_AUTO_BELOW)


def _draws(G: int, reps: int, boot_weights: str, rng: np.random.Generator | None,
           start: int, stop: int) -> FloatArray:
    """Columns ``start:stop`` of the G x B weight matrix (enumeration when ``rng`` is None)."""
    if rng is None:  # all 2^G sign vectors, in itertools.product([-1, 1], repeat=G) order
        b = np.arange(start, stop, dtype=np.int64)
        bits = (b[None, :] >> np.arange(G - 1, -1, -1, dtype=np.int64)[:, None]) & 1
        return np.asarray(2.0 * bits - 1.0, dtype=np.float64)
    n = G * (stop - start)
    if boot_weights == "rademacher":
        return np.asarray(rng.choice(np.array([-1.0, 1.0]), size=n), dtype=np.float64).reshape(
            G, stop - start)
    return np.asarray(rng.choice(_WEBB, size=n), dtype=np.float64).reshape(G, stop - start)


def wild_cluster_test(
    X: FloatArray,
    y: FloatArray,
    clusters: IntArray,
    n_clusters: int,
    contrast: FloatArray,
    *,
    alpha: float = 0.05,
    reps: int = 9999,
    boot_weights: str = "rademacher",
    seed: int | None = None,
    interval: bool = True,
) -> WildBootstrap:
    """WCR bootstrap p-value for :math:`R\\beta = 0` and the CI by test inversion.

    Parameters
    ----------
    X, y
        Regressors (N x K; fixed effects nested in clusters already projected out) and outcome.
    clusters, n_clusters
        Cluster codes 0..G-1 and G.
    contrast
        R, a length-K vector (a unit vector for one coefficient; weights for an average).
    alpha, reps, boot_weights, seed
        Level of the interval; number of draws (full enumeration when Rademacher and
        :math:`2^G \\le` reps); weight distribution; seed (``None``: :data:`DEFAULT_SEED`).
    interval
        Invert the test for the confidence interval (``False``: p-value only, CI is NaN).
    """
    G = int(n_clusters)
    R = np.asarray(contrast, dtype=np.float64)
    xtx = X.T @ X
    W = np.linalg.pinv(xtx, hermitian=True)
    beta = W @ (X.T @ y)
    resid = y - X @ beta
    k = X.shape[1]
    est = float(R @ beta)
    WR = W @ R
    A = WR / float(R @ WR)
    # cluster sums: X_g'u_g (G x K) and X_g'X_g (G x K x K)
    order = np.argsort(clusters, kind="stable")
    cs = clusters[order]
    bounds = np.searchsorted(cs, np.arange(G + 1))
    Xs, us = X[order], resid[order]
    XgXg = np.empty((G, k, k))
    S0 = np.empty((G, k))
    for g in range(G):
        Xg = Xs[bounds[g]:bounds[g + 1]]
        XgXg[g] = Xg.T @ Xg
        S0[g] = Xg.T @ us[bounds[g]:bounds[g + 1]]
    S1 = XgXg @ A  # d s_g / d delta, delta = R beta_hat - r
    C0, C1 = S0 @ WR, S1 @ WR
    M = (XgXg @ WR) @ W  # rows: W X_g'X_g W R'
    H0, H1 = M @ S0.T, M @ S1.T
    se_u = math.sqrt(float(C0 @ C0))

    enumerate_all = boot_weights == "rademacher" and G < 63 and reps >= 2**G
    B = 2**G if enumerate_all else int(reps)
    rng = None if enumerate_all else np.random.default_rng(DEFAULT_SEED if seed is None else seed)
    n0, n1 = np.empty(B), np.empty(B)
    a, b, c = np.empty(B), np.empty(B), np.empty(B)
    step = max(1, _CHUNK // max(G, 1))
    for lo in range(0, B, step):
        hi = min(B, lo + step)
        V = _draws(G, B, boot_weights, rng, lo, hi)
        n0[lo:hi], n1[lo:hi] = C0 @ V, C1 @ V
        Z0 = C0[:, None] * V - H0 @ V
        Z1 = C1[:, None] * V - H1 @ V
        a[lo:hi] = np.einsum("gb,gb->b", Z0, Z0)
        b[lo:hi] = np.einsum("gb,gb->b", Z0, Z1)
        c[lo:hi] = np.einsum("gb,gb->b", Z1, Z1)

    def pvalue(delta: float) -> float:
        t = abs(delta) / se_u if se_u > 0 else math.inf
        den = np.sqrt(np.clip(a + 2 * delta * b + delta * delta * c, 0.0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            tb = np.abs(n0 + delta * n1) / den
        # |t*| equal to |t| does not count: the draw v = 1 (and -1) reproduces the sample
        # statistic exactly, so compare with a relative tolerance against rounding
        return float(np.mean(t * (1 + 1e-9) < tb))

    p = pvalue(est)
    ci = ((est - _bound(pvalue, se_u, alpha, +1.0), est + _bound(pvalue, se_u, alpha, -1.0))
          if interval else (math.nan, math.nan))
    return WildBootstrap(pvalue=p, ci=ci, reps=B, enumerated=enumerate_all,
                         boot_weights=boot_weights, seed=None if enumerate_all else
                         (DEFAULT_SEED if seed is None else int(seed)), n_clusters=G)


def _bound(pvalue: Any, scale: float, alpha: float, sign: float) -> float:
    """Distance from the estimate to the first null value rejected at ``alpha`` (inf if none).

    ``pvalue(delta)`` is the p-value of the null ``r = estimate - delta``; ``sign`` +1 looks
    below the estimate (lower bound), -1 above it.
    """
    if not (scale > 0 and math.isfinite(scale)):
        return math.nan
    inside = 0.0
    outside = math.nan
    for j in range(1, 801):  # steps of 0.25 SE up to 200 SE
        d = 0.25 * j * scale
        if pvalue(sign * d) < alpha:
            outside = d
            break
        inside = d
    if math.isnan(outside):
        return math.inf
    for _ in range(200):
        if outside - inside <= 1e-10 * scale:
            break
        mid = (inside + outside) / 2
        if pvalue(sign * mid) < alpha:
            outside = mid
        else:
            inside = mid
    return (inside + outside) / 2


#: above this many cells (rows x periods) the period dummies are projected out instead of
#: entered as columns (then the bootstrap is the usual FWL approximation, a note says so)
_MAX_DUMMY_CELLS = 30_000_000


def unit_demeaned_design(
    y: FloatArray, X: FloatArray, u: IntArray, t: IntArray,
    weights: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, int, bool]:
    """``y`` and ``[X, period dummies]`` demeaned within unit, for the bootstrap.

    Unit effects are nested in the clusters, so projecting them out leaves the wild
    bootstrap unchanged; period effects are not, so they enter as dummy columns (the first
    period dropped). Returns ``(y, X, number of slopes kept first, exact)``. With
    ``weights`` the demeaning is weighted and the rows are scaled by the square root of the
    weight (the bootstrap of the weighted least-squares fit).
    """
    from evalkit.estimate.demean import demean, recode

    u, _ = recode(u)
    t, n_t = recode(t)
    n, k = X.shape
    if n * n_t > _MAX_DUMMY_CELLS:
        both = demean(np.column_stack([y, X]), [u, t], weights=weights)
        if weights is not None:
            both *= np.sqrt(weights)[:, None]
        return both[:, 0], both[:, 1:], k, False
    full = np.zeros((n, 1 + k + n_t - 1), order="F")
    full[:, 0] = y
    full[:, 1:1 + k] = X
    rows = np.flatnonzero(t > 0)
    full[rows, k + t[rows]] = 1.0
    both = demean(full, [u], weights=weights)
    if weights is not None:
        both *= np.sqrt(weights)[:, None]
    return both[:, 0], both[:, 1:], k, True


def wild_note(wb: WildBootstrap) -> str:
    """The inference used, as a catalogue note (goes into ``result.notes``)."""
    from evalkit.estimate.notes import note

    if wb.enumerated:
        return note("inference.wild_enumerated", G=wb.n_clusters, reps=wb.reps)
    return note("inference.wild_draws", G=wb.n_clusters, reps=wb.reps,
                weights=wb.boot_weights, seed=wb.seed)


def with_wild(row: dict[str, Any], wb: WildBootstrap) -> dict[str, Any]:
    """A tidy row with the bootstrap p-value and interval in place of the t(G-1) ones."""
    return {**row, "p_value": wb.pvalue, "conf_low": wb.ci[0], "conf_high": wb.ci[1]}
