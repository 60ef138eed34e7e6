"""Benchmark: does ek.staggered_did grow linearly? 100k and 400k units x 10 periods (by hand).

Callaway & Sant'Anna, doubly robust, never-treated controls, analytic SEs, no covariates,
cohorts 3/5/7/9 and never treated. Each size runs in its own subprocess (best of ``--repeat``
after a warm-up call; peak memory above the memory before a call). Prints the times, the
ratio 400k / 100k (target <= 4.5) in wall and in CPU time, and the machine's load average before and after, since the
machine may be shared. ``--src DIR`` times another checkout (e.g. the code before a change).

    python benchmarks/bench_staggered_scaling.py [--sizes 100000 400000] [--repeat 3] [--src DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

from _measure import MEASURE

CHILD = MEASURE + textwrap.dedent(
    """
    import json, sys, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    import evalkit as ek
    n_units, repeat = int(sys.argv[1]), int(sys.argv[2])

    rng = np.random.default_rng(0)  # cohorts 3/5/7/9 and never treated; dynamic effects
    first = rng.choice([0, 3, 5, 7, 9], size=n_units, p=[0.3, 0.2, 0.2, 0.15, 0.15])
    df = pd.DataFrame({"id": np.repeat(np.arange(n_units), 10),
                       "year": np.tile(np.arange(1, 11), n_units)})
    df["cohort"] = first[df["id"].to_numpy()]
    g, t = df["cohort"].to_numpy(), df["year"].to_numpy()
    df["y"] = (rng.normal(size=n_units)[df["id"].to_numpy()] + 0.3 * t
               + np.where((g > 0) & (t >= g), 1.0 + 0.2 * (t - g), 0.0)
               + rng.normal(size=len(df)))
    run = lambda: ek.staggered_did(df, "y", "id", "year", "cohort").estimate
    est, best, peak = measure(run, repeat)
    cpu = []  # CPU time of the process (all its threads): less moved by other processes' load
    for _ in range(repeat):
        c0 = time.process_time()
        run()
        cpu.append(time.process_time() - c0)
    print(json.dumps({"units": n_units, "seconds": best, "cpu": min(cpu), "peak_mb": peak,
                      "estimate": est}))
    """
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 400_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--src", default=None, help="src/ folder of the evalkit to time")
    args = ap.parse_args()
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = args.src
    print(f"load average before: {os.getloadavg()}")
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(args.repeat)],
                             capture_output=True, text=True, check=True, env=env)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"{r['units']:>9,} units: {r['seconds']:.3f} s wall, {r['cpu']:.3f} s CPU, "
              f"peak {r['peak_mb']:.0f} MB")
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        print(f"ratio {b['units'] // a['units']}x units: {b['seconds'] / a['seconds']:.2f}x "
              f"wall time, {b['cpu'] / a['cpu']:.2f}x CPU time")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
