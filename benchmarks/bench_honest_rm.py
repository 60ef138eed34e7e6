"""Timing of ek.honest_did(method="relative_magnitude") with 2-4 post periods (run by hand).

Inputs: the dynamic ek.staggered_did on mpdta (lemp, never-treated, DR), e=-1 dropped as
honest_did does: 2 pre-period and 4 post-period estimates; the first 1-3 post periods are
used for the smaller cases. Hybrid test (R's default C-LF), M̄ = 0.5 and 1, plus the
breakdown search, with ``grid_points`` θ values.

    PYTHONPATH=src python benchmarks/bench_honest_rm.py [--grid 1000] [--post 2 3 4]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import evalkit as ek


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", type=int, default=1000)
    ap.add_argument("--post", type=int, nargs="+", default=[2, 3, 4])
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    import moderndid

    mp = moderndid.load_mpdta().to_pandas()
    r = ek.staggered_did(mp, "lemp", "countyreal", "year", "first.treat", aggregate="dynamic")
    terms = ["e=-3", "e=-2", "e=0", "e=1", "e=2", "e=3"]
    b = r.event_times.set_index("term").loc[terms, "estimate"].to_numpy()
    V = r.vcov.loc[terms, terms].to_numpy()
    for post in a.post:
        k = 2 + post
        t0 = time.perf_counter()
        out = ek.honest_did(b[:k], V[:k, :k], 2, post, m=[0.5, 1.0], grid_points=a.grid)
        secs = time.perf_counter() - t0
        print(f"post {post}, grid {a.grid}: {secs:.2f} s; "
              f"{np.round(out[['lb', 'ub']].to_numpy(), 6).tolist()}, "
              f"breakdown {out.attrs['breakdown']}")


if __name__ == "__main__":
    main()
