"""Monte Carlo (run by hand, ~5 min per 1,000 panels): coverage of ek.synth's SDID placebo CI.

30-unit panel (29 donors, 1 treated), 12 periods (9 before the start), unit effects, a common
trend, a one-factor structure with unit loadings, noise sd 0.5, true effect 1.0 (the panel of
tests/estimate/sdid_sim.py); placebo SE with ``--reps`` replications; 95% normal interval.
Each panel is what ``ek.synth(df, "y", "u", "t", "d", se="placebo", reps=reps, seed=s)``
computes (checked against ek.synth on the first ``--check`` panels), solved in batches.

    python benchmarks/sdid_coverage.py [--sims 1000] [--seed 1] [--reps 50] [--factor-sd 0.5]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "estimate"))

from sdid_sim import EFFECT, long_frame, panel_matrix, placebo_fits

import evalkit as ek


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sims", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--factor-sd", type=float, default=0.5)
    ap.add_argument("--noise-sd", type=float, default=0.5)
    ap.add_argument("--check", type=int, default=3)
    ap.add_argument("--save", type=str, default="")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(a.seed)
    Ys = [panel_matrix(rng, factor_sd=a.factor_sd, noise_sd=a.noise_sd) for _ in range(a.sims)]
    t0 = time.perf_counter()
    tau, se, draws = placebo_fits(Ys, list(range(a.sims)), a.reps)
    secs = time.perf_counter() - t0
    for s in range(min(a.check, a.sims)):
        r = ek.synth(long_frame(Ys[s]), "y", "u", "t", "d", se="placebo", reps=a.reps, seed=s,
                     placebo_in_space=False)
        assert abs(r.estimate - tau[s]) < 1e-10 and abs(r.se - se[s]) < 1e-10, (s, r.se, se[s])
    z = stats.norm.ppf(0.975)
    err = tau - EFFECT
    cover = np.abs(err) <= z * se
    rate = float(cover.mean())
    mc_se = math.sqrt(0.95 * 0.05 / a.sims)
    # the SE from all 29 placebo values would be an SD on 28 degrees of freedom
    t_cover = np.abs(err) <= stats.t.ppf(0.975, 28) * se
    print(f"panels {a.sims}, reps {a.reps}, factor sd {a.factor_sd}, noise sd {a.noise_sd} "
          f"({secs:.0f} s; first {min(a.check, a.sims)} equal to ek.synth)")
    print(f"coverage (normal 95%): {rate:.2%}  (binomial SE at 95%: {mc_se:.2%}; "
          f"95% interval for the rate: {rate - 1.96 * math.sqrt(rate * (1 - rate) / a.sims):.2%}"
          f"-{rate + 1.96 * math.sqrt(rate * (1 - rate) / a.sims):.2%})")
    print(f"coverage with t(28) critical value: {t_cover.mean():.2%}")
    print(f"sd of tau - effect: {err.std(ddof=1):.4f}; mean error {err.mean():+.4f}; "
          f"rms placebo SE {math.sqrt(float(np.mean(se**2))):.4f}; mean SE {se.mean():.4f}")
    print(f"mean |t| = {np.mean(np.abs(err) / se):.4f}; sd(t) = {np.std(err / se, ddof=1):.4f}; "
          f"kurtosis of tau - effect {stats.kurtosis(err):.3f}")
    if a.save:
        np.savez(a.save, tau=tau, se=se, draws=draws)


if __name__ == "__main__":
    main()
