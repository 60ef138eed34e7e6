"""Simulated SDID panels and their placebo intervals, many panels solved together.

Shared by tests/estimate/test_synth_coverage.py (a fast seeded check) and
benchmarks/sdid_coverage.py (the 1,000-panel measurement, run by hand).

``placebo_fits`` computes exactly what ``ek.synth(df, ..., method="sdid", se="placebo",
reps=reps, seed=seed)`` computes for each panel (same options, the same ``default_rng(seed)``
permutations, the same Frank-Wolfe iterations, so the same estimate and SE; the test checks
this against ``ek.synth`` itself), but stacks the weight problems of many panels into one
batch, which makes a Monte Carlo of hundreds of panels take seconds instead of minutes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from evalkit.estimate.synth_weights import (
    estimate_tau,
    fit_weights_batch,
    options_for,
    sum_normalize,
)

FloatArray = npt.NDArray[np.float64]

N, T, T0, EFFECT = 30, 12, 9, 1.0


def panel_matrix(rng: np.random.Generator, *, factor_sd: float = 0.5,
                 noise_sd: float = 0.5) -> FloatArray:
    """30 units x 12 periods (unit 29 treated from period 9): unit effects, a common trend,
    one latent factor with unit loadings (sd ``factor_sd``), iid noise (sd ``noise_sd``), true
    effect 1.0. Units are exchangeable, so the placebo method's assumption holds."""
    a = rng.normal(size=N)
    f = rng.normal(size=T)
    lf = rng.normal(scale=factor_sd, size=N)
    Y = (a[:, None] + 0.1 * np.arange(T) + lf[:, None] * f[None, :]
         + rng.normal(scale=noise_sd, size=(N, T)))
    Y[-1, T0:] += EFFECT
    return Y


def long_frame(Y: FloatArray):  # type: ignore[no-untyped-def]
    """The matrix as the long frame ``ek.synth`` takes (columns u, t, y, d)."""
    import pandas as pd

    n, t = Y.shape
    D = np.zeros((n, t), dtype=int)
    D[-1, T0:] = 1
    return pd.DataFrame({"u": np.repeat(np.arange(n), t), "t": np.tile(np.arange(t), n),
                         "y": Y.ravel(), "d": D.ravel()})


def placebo_fits(Ys: list[FloatArray], seeds: list[int], reps: int, n0: int = N - 1,
                 t0: int = T0, chunk: int = 100) -> tuple[FloatArray, FloatArray, FloatArray]:
    """SDID estimate, placebo SE (Algorithm 4, ``ddof=0``) and the placebo draws per panel.

    One treated unit (the last row). Returns ``(tau, se, draws)`` with ``draws`` of shape
    (panels, reps).
    """
    tau = np.empty(len(Ys))
    draws = np.empty((len(Ys), reps))
    for lo in range(0, len(Ys), chunk):
        block = Ys[lo:lo + chunk]
        opts = [options_for("sdid", Y, n0, t0) for Y in block]
        om, la = fit_weights_batch(np.stack(block), n0, t0, opts, None, None)
        stack, om0, la0, popts = [], [], [], []
        for j, Y in enumerate(block):
            tau[lo + j] = estimate_tau(Y, n0, t0, om[j], la[j])
            rng = np.random.default_rng(seeds[lo + j])
            for _ in range(reps):
                ind = rng.permutation(n0)
                stack.append(Y[ind])
                om0.append(sum_normalize(om[j][ind[:n0 - 1]]))
                la0.append(la[j])
                popts.append(opts[j])
        Ys_p = np.stack(stack)
        pom, pla = fit_weights_batch(Ys_p, n0 - 1, t0, popts, np.stack(om0), np.stack(la0))
        for k in range(len(stack)):
            draws[lo + k // reps, k % reps] = estimate_tau(Ys_p[k], n0 - 1, t0, pom[k], pla[k])
    return tau, draws.std(axis=1, ddof=0), draws
