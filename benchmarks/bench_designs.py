"""Benchmark (run by hand, not in CI): the small-program designs against peer libraries.

1. Wild cluster bootstrap, 9,999 Rademacher draws, 2x2 DiD on 100,000 rows in 20 clusters:
   ``ek.did(..., cluster="site", inference="wild")`` (p-value and the interval by test
   inversion) vs wildboottest 0.3 (p-value only; numba, compiled in the warm-up call).
2. Synthetic DiD point estimate on a 500-unit x 40-period panel (10 treated units, 30 pre
   periods): ``ek.synth(..., se=None, placebo_in_space=False)`` vs synthdid-py 0.1
   ``synthdid_estimate`` (R synthdid itself is not installed here).

Each library runs in its own subprocess; best of ``--repeat`` calls after a warm-up.

    python benchmarks/bench_designs.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

from _measure import MEASURE, version

WILD = MEASURE + textwrap.dedent(
    """
    import json, sys, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    lib, repeat = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    n, G = 100_000, 20
    site = rng.integers(0, G, n)
    g = (site < G // 2).astype(float)
    p = rng.integers(0, 2, n).astype(float)
    y = rng.normal(size=G)[site] + 0.3 * rng.normal(size=G)[site] * p + 0.05 * g * p + rng.normal(size=n)
    if lib == "evalkit":
        import evalkit as ek
        df = pd.DataFrame({"y": y, "g": g, "p": p, "site": site})
        def run():
            r = ek.did(df, "y", "g", "p", cluster="site", inference="wild", reps=9999, seed=1)
            return r.pvalue
    else:
        import statsmodels.api as sm
        from wildboottest.wildboottest import wildboottest
        X = pd.DataFrame({"c": 1.0, "g": g, "p": p, "gp": g * p})
        def run():
            out = wildboottest(sm.OLS(y, X), param="gp", cluster=site, B=9999, seed=1, show=False)
            return float(out["p-value"].iloc[0])
    pval, t, mb = measure(run, repeat)
    print(json.dumps({"p": pval, "time": t, "mb": mb}))
    """
)

SDID = MEASURE + textwrap.dedent(
    """
    import json, sys, warnings
    import numpy as np, pandas as pd
    warnings.simplefilter("ignore")
    lib, repeat = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    N, T, N1, T0 = 500, 40, 10, 30
    L = rng.normal(size=(N, 2)) @ rng.normal(size=(2, T)) + rng.normal(size=N)[:, None]
    Y = L + 0.05 * np.arange(T) + rng.normal(scale=0.5, size=(N, T))
    D = np.zeros((N, T)); D[N - N1:, T0:] = 1
    Y = Y + 1.0 * D
    df = pd.DataFrame({"unit": np.repeat([f"u{i:03d}" for i in range(N)], T),
                       "t": np.tile(np.arange(T), N), "y": Y.ravel(), "d": D.ravel().astype(int)})
    if lib == "evalkit":
        import evalkit as ek
        def run():
            return ek.synth(df, "y", "unit", "t", "d", se=None, placebo_in_space=False).estimate
    else:
        import synthdid as sd
        def run():
            s = sd.panel_matrices(df, unit="unit", time="t", outcome="y", treatment="d")
            return float(sd.synthdid_estimate(s.Y, s.N0, s.T0))
    est, t, mb = measure(run, repeat)
    print(json.dumps({"estimate": est, "time": t, "mb": mb}))
    """
)


def _child(code: str, lib: str, repeat: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, lib, str(repeat)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    ev, ref = _child(WILD, "evalkit", a.repeat), _child(WILD, "wildboottest", a.repeat)
    print(f"wild bootstrap, 100,000 rows x 20 clusters, 9,999 draws: evalkit {ev['time']:.3f} s "
          f"({ev['mb']:.0f} MB, p = {ev['p']:.4f}) vs wildboottest {version('wildboottest')} "
          f"{ref['time']:.3f} s ({ref['mb']:.0f} MB, p = {ref['p']:.4f}); "
          f"ratio {ev['time'] / ref['time']:.2f}")
    ev, ref = _child(SDID, "evalkit", a.repeat), _child(SDID, "synthdid", a.repeat)
    print(f"SDID 500 x 40: evalkit {ev['time']:.3f} s ({ev['mb']:.0f} MB, tau = "
          f"{ev['estimate']:.8f}) vs synthdid-py {version('synthdid-py')} {ref['time']:.3f} s "
          f"({ref['mb']:.0f} MB, tau = {ref['estimate']:.8f}); ratio "
          f"{ev['time'] / ref['time']:.2f}; |diff| {abs(ev['estimate'] - ref['estimate']):.2e}")


if __name__ == "__main__":
    main()
