"""Benchmark: ek.twfe vs pyfixest.feols (run by hand, not in CI).

1,000,000 rows: 100,000 units x 10 periods, staggered binary treatment plus one covariate,
unit and period fixed effects, SEs clustered by unit. Each library runs in its own subprocess
(best of ``--repeat`` runs after a warm-up; peak memory = the
process's peak RSS during a call above its RSS just before it, after a warm-up call; Linux).
Prints the time ratio, peak memory and the relative difference of coefficients and SEs.

    python benchmarks/bench_twfe.py [--units 100000] [--periods 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

from _measure import MEASURE, version

CHILD = MEASURE + textwrap.dedent(
    """
    import json, sys, time, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    lib, n_units, n_periods, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(0)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(n_periods), n_units)
    start = rng.choice([3, 5, 7, 99], size=n_units)[unit]
    d = (t >= start).astype(float)
    x = rng.normal(size=len(t))
    y = rng.normal(size=n_units)[unit] + 0.1 * t + 0.5 * d + 0.3 * x + rng.normal(size=len(t))
    df = pd.DataFrame({"id": unit, "year": t, "d": d, "x": x, "y": y})
    if lib == "evalkit":
        import evalkit as ek
        def run():
            r = ek.twfe(df, "y", "id", "year", "d", covariates="x")
            tab = r.to_frame().set_index("term")
            return tab["estimate"].tolist(), tab["std_error"].tolist()
    else:
        import pyfixest as pf
        def run():
            m = pf.feols("y ~ d + x | id + year", data=df, vcov={"CRV1": "id"})
            return m.coef()[["d", "x"]].tolist(), m.se()[["d", "x"]].tolist()
    out, best, peak_mb = measure(run, repeat)
    print(json.dumps({"lib": lib, "time": best, "peak_mb": peak_mb,
                      "coef": out[0], "se": out[1]}))
    """
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--periods", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    res = {}
    for lib in ("evalkit", "pyfixest"):
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, lib, str(args.units), str(args.periods), str(args.repeat)],
            capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            print(f"{lib}: failed\n{proc.stderr[-2000:]}")
            return
        res[lib] = json.loads(proc.stdout.strip().splitlines()[-1])
    ek, pf = res["evalkit"], res["pyfixest"]
    rel_coef = max(abs(a - b) / abs(b) for a, b in zip(ek["coef"], pf["coef"], strict=True))
    rel_se = max(abs(a - b) / abs(b) for a, b in zip(ek["se"], pf["se"], strict=True))
    print(f"TWFE y ~ d + x | unit + period, CR1 by unit: {args.units * args.periods:,} rows, "
          f"{args.units:,} units, {args.periods} periods")
    print(f"{'library':<10}{'version':>10}{'time s':>10}{'peak MB':>10}")
    for lib, r in res.items():
        print(f"{lib:<10}{version(lib):>10}{r['time']:>10.3f}{r['peak_mb']:>10.1f}")
    print(f"time ratio evalkit/pyfixest = {ek['time'] / pf['time']:.3f} (target <= 0.5)")
    print(f"max relative difference: coefficients {rel_coef:.2e} (target 1e-8), SEs {rel_se:.2e}")


if __name__ == "__main__":
    main()
