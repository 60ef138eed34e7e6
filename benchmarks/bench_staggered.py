"""Benchmark: ek.staggered_did vs moderndid / differences / csdid (run by hand, not in CI).

Callaway & Sant'Anna, doubly robust, never-treated controls, analytic SEs, no covariates,
25,000 units x 5 periods (125,000 rows). Each library runs in its own subprocess (best of
``--repeat`` wall-clock runs; peak memory = the
process's peak RSS during a call above its RSS just before it, after a warm-up call; Linux).
Prints time ratios, peak memory and the max abs difference of the ATT(g,t) estimates and SEs.

    python benchmarks/bench_staggered.py [--units 25000] [--repeat 3]
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
    lib, n_units, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    def make(n_units, seed=0):
        rng = np.random.default_rng(seed)
        periods = np.arange(1, 6)
        cohort = rng.choice([0, 2, 3, 4, 5], size=n_units, p=[0.3, 0.2, 0.2, 0.15, 0.15])
        unit = np.repeat(np.arange(n_units), len(periods))
        t = np.tile(periods, n_units)
        g = cohort[unit]
        alpha = rng.normal(size=n_units)[unit]
        eff = np.where((g > 0) & (t >= g), 1.0 + 0.2 * (t - g), 0.0)
        y = alpha + 0.3 * t + eff + rng.normal(size=len(t))
        return pd.DataFrame({"id": unit, "year": t, "cohort": g, "y": y})

    df = make(n_units)
    if lib == "evalkit":
        import evalkit as ek
        def run():
            r = ek.staggered_did(df, "y", "id", "year", "cohort", control="never", method="dr")
            c = r.extra["att_gt"]
            return c["group"].to_numpy(), c["time"].to_numpy(), c["estimate"].to_numpy(), c["std_error"].to_numpy()
    elif lib == "moderndid":
        from moderndid import att_gt
        def run():
            r = att_gt(data=df, yname="y", tname="year", idname="id", gname="cohort",
                       control_group="nevertreated", est_method="dr", boot=False)
            return np.asarray(r.groups), np.asarray(r.times), np.asarray(r.att_gt), np.asarray(r.se_gt)
    elif lib == "differences":
        from differences import ATTgt
        data = df.assign(cohort=df["cohort"].where(df["cohort"] > 0)).set_index(["id", "year"])
        def run():
            a = ATTgt(data=data, cohort_column="cohort")
            a.fit(formula="y", est_method="dr", control_group="never_treated", progress_bar=False)
            res = a.results().reset_index()
            res.columns = ["_".join(str(x) for x in c if x) for c in res.columns]
            return (res["cohort"].to_numpy(dtype=float), res["time"].to_numpy(dtype=float),
                    res["ATTgtElements_ATT"].to_numpy(dtype=float),
                    res["ATTgtElements_analytic_std_error"].to_numpy(dtype=float))
    elif lib == "csdid":
        from csdid.att_gt import ATTgt
        def run():
            a = ATTgt(yname="y", gname="cohort", idname="id", tname="year", data=df,
                      control_group="nevertreated").fit(est_method="dr", bstrap=False)
            r = a.results
            return (np.asarray(r["group"], float), np.asarray(r["year"], float),
                    np.asarray(r["att"], float), np.asarray(r["se"], float))
    out, best, peak_mb = measure(run, repeat)
    print(json.dumps({"lib": lib, "time": best, "peak_mb": peak_mb,
                      "cells": [list(map(float, x)) for x in out]}))
    """
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=25_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--libs", default="evalkit,moderndid,differences,csdid")
    args = ap.parse_args()
    results = {}
    for lib in args.libs.split(","):
        if lib != "evalkit" and version(lib) == "not installed":
            print(f"{lib}: not installed, skipped")
            continue
        proc = subprocess.run([sys.executable, "-c", CHILD, lib, str(args.units), str(args.repeat)],
                              capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            print(f"{lib}: failed\n{proc.stderr[-2000:]}")
            continue
        results[lib] = json.loads(proc.stdout.strip().splitlines()[-1])
    ek = results["evalkit"]
    key = {(g, t): (a, s) for g, t, a, s in zip(*ek["cells"], strict=True)}
    print(f"staggered DiD (dr, never-treated, analytic SE), {args.units:,} units x 5 periods")
    print(f"{'library':<12}{'version':>10}{'time s':>10}{'ratio ek/lib':>14}{'peak MB':>10}"
          f"{'max|dATT|':>12}{'max|dSE|':>12}")
    for lib, r in results.items():
        d_att = d_se = 0.0
        for g, t, a, s in zip(*r["cells"], strict=True):
            if (g, t) in key:
                d_att = max(d_att, abs(key[(g, t)][0] - a))
                d_se = max(d_se, abs(key[(g, t)][1] - s))
        ver = version(lib)
        print(f"{lib:<12}{ver:>10}{r['time']:>10.3f}{ek['time'] / r['time']:>14.3f}"
              f"{r['peak_mb']:>10.1f}{d_att:>12.2e}{d_se:>12.2e}")
    peers = [r["time"] for lib, r in results.items() if lib != "evalkit"]
    if peers:
        print(f"fastest peer / evalkit = {min(peers) / ek['time']:.1f}x (target >= 2)")


if __name__ == "__main__":
    main()
