"""Monte Carlo (run by hand, ~20 min): coverage of ek.synth's SDID placebo interval.

30-unit panel (29 donors, 1 treated), 12 periods (9 before the start), unit effects, a common
trend, a one-factor structure with unit loadings, noise sd 0.5, true effect 1.0; placebo SE
with 50 replications; 95% normal interval. Target band: 91%–99% with 200 samples (binomial
SE 1.5 points around 95%).

    python benchmarks/sdid_coverage.py [--sims 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import evalkit as ek

N, T, T0, EFFECT = 30, 12, 9, 1.0


def panel(rng: np.random.Generator) -> pd.DataFrame:
    a = rng.normal(size=N)
    f = rng.normal(size=T)
    lf = rng.normal(scale=0.5, size=N)
    Y = (a[:, None] + 0.1 * np.arange(T) + lf[:, None] * f[None, :]
         + rng.normal(scale=0.5, size=(N, T)))
    D = np.zeros((N, T), dtype=int)
    D[-1, T0:] = 1
    Y = Y + EFFECT * D
    return pd.DataFrame({"u": np.repeat(np.arange(N), T), "t": np.tile(np.arange(T), N),
                         "y": Y.ravel(), "d": D.ravel()})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(a.seed)
    covered = 0
    t0 = time.perf_counter()
    for s in range(a.sims):
        r = ek.synth(panel(rng), "y", "u", "t", "d", se="placebo", reps=50, seed=s,
                     placebo_in_space=False)
        covered += r.ci[0] <= EFFECT <= r.ci[1]
    rate = covered / a.sims
    print(f"SDID placebo 95% CI coverage: {rate:.1%} of {a.sims} samples "
          f"({time.perf_counter() - t0:.0f} s); band 91%-99%: "
          f"{'inside' if 0.91 <= rate <= 0.99 else 'OUTSIDE'}")


if __name__ == "__main__":
    main()
