"""Benchmark: ek.twfe on a dask DataFrame on a LocalCluster vs pyfixest in memory (by hand).

The panel (units x periods, binary treatment starting in period 5 for 40% of units, one
covariate, unit and period effects, clustered by unit) is generated lazily block by block
with ``dask.dataframe.from_map``: each partition is a block of units with all their periods,
indexed by unit with known divisions (as a register written partitioned by member would be),
so the data never sits in one process and no shuffle is needed. ``ek.twfe`` then runs on a
``LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="2GB")``; cluster memory is
sampled with ``distributed.diagnostics.MemorySampler``.

At ``--pyfixest-rows`` the same generator's blocks are computed into one pandas frame and fitted
in this process by pyfixest (``feols("y ~ d + x | id + year", vcov={"CRV1": "id"})``) and by
in-memory ``ek.twfe``; the dask result on that same panel is compared to both.

    python benchmarks/bench_dask_twfe.py --rows 50_000_000 --pyfixest-rows 5_000_000
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np
import pandas as pd

PERIODS = 10


def block(b: int, units_per_block: int, periods: int) -> pd.DataFrame:
    """Units ``[b*U, (b+1)*U)`` x all periods (deterministic in ``b``)."""
    rng = np.random.default_rng(1000 + b)
    ids = np.arange(b * units_per_block, (b + 1) * units_per_block)
    uid = np.repeat(ids, periods)
    t = np.tile(np.arange(periods), units_per_block)
    treated = (rng.random(units_per_block) < 0.4)[uid - b * units_per_block]
    d = (treated & (t >= 5)).astype(np.float64)
    x = rng.normal(size=len(t))
    alpha = rng.normal(size=units_per_block)[uid - b * units_per_block]
    y = alpha + 0.1 * t + 0.5 * d + 0.3 * x + rng.normal(size=len(t))
    return pd.DataFrame({"year": t, "d": d, "x": x, "y": y},
                        index=pd.Index(uid, name="id"))


def lazy_panel(rows: int, periods: int, rows_per_block: int) -> object:
    import dask.dataframe as dd

    upb = max(1, rows_per_block // periods)
    n_blocks = max(1, rows // (upb * periods))
    divisions = [b * upb for b in range(n_blocks)] + [n_blocks * upb - 1]
    meta = block(0, 1, periods).iloc[:0]
    return dd.from_map(block, range(n_blocks), args=(upb, periods), meta=meta,
                       divisions=divisions)


def run_dask(client: object, ddf: object) -> dict[str, object]:
    from distributed.diagnostics import MemorySampler

    import evalkit as ek

    ms = MemorySampler()
    t0 = time.perf_counter()
    with ms.sample("twfe"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ek.twfe(ddf, "y", "id", "year", "d", covariates="x")
    secs = time.perf_counter() - t0
    peak = float(ms.to_pandas().max().iloc[0]) / 2**20
    tab = r.to_frame().set_index("term")
    return {"time": secs, "cluster_peak_mb": peak, "n": r.n,
            "coef": tab["estimate"].tolist(), "se": tab["std_error"].tolist()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--pyfixest-rows", type=int, default=5_000_000)
    ap.add_argument("--rows-per-block", type=int, default=1_000_000)
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    out: dict[str, object] = {"load_before": os.getloadavg()}
    with LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="2GB",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        out["dask_big"] = run_dask(client, lazy_panel(args.rows, PERIODS, args.rows_per_block))
        out["dask_small"] = run_dask(
            client, lazy_panel(args.pyfixest_rows, PERIODS, args.rows_per_block))
    small = lazy_panel(args.pyfixest_rows, PERIODS, args.rows_per_block)
    df = small.compute(scheduler="synchronous").reset_index()  # type: ignore[attr-defined]
    import pyfixest as pf

    import evalkit as ek

    t0 = time.perf_counter()
    m = pf.feols("y ~ d + x | id + year", data=df, vcov={"CRV1": "id"})
    out["pyfixest"] = {"time": time.perf_counter() - t0, "coef": m.coef()[["d", "x"]].tolist(),
                       "se": m.se()[["d", "x"]].tolist()}
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ek.twfe(df, "y", "id", "year", "d", covariates="x")
    tab = r.to_frame().set_index("term")
    out["evalkit_memory"] = {"time": time.perf_counter() - t0,
                             "coef": tab["estimate"].tolist(), "se": tab["std_error"].tolist()}
    ds = out["dask_small"]
    assert isinstance(ds, dict)
    for ref in ("pyfixest", "evalkit_memory"):
        o = out[ref]
        assert isinstance(o, dict)
        out[f"max_rel_diff_vs_{ref}"] = max(
            abs(a - b) / abs(b) for a, b in zip(ds["coef"] + ds["se"], o["coef"] + o["se"],
                                                strict=True))
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
