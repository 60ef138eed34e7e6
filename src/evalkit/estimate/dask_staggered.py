"""Callaway–Sant'Anna staggered DiD on a dask DataFrame (as :func:`evalkit.staggered_did`).

Called by :func:`evalkit.staggered_did` when ``df`` is a dask DataFrame. Every ATT(g,t) cell
needs, per unit, the outcome at the base period and at t, and the unit's cohort — nothing
else of the register. So the frame is reduced, partition by partition, to one row per
(unit, period) with the outcome and the cohort (a groupby in each partition counting the
rows of each pair, so a repeated pair is still caught when its rows sit in two partitions),
and the partitions' reductions are combined in partition order. The result is the
units × periods outcome matrix (O(units · periods) floats in memory, far smaller than the
register with its other columns); the same cohort-panel checks, balance rule, cell,
aggregation, influence-function and bootstrap code as the in-memory estimator then run on it,
so the result equals the in-memory one (units keep the order in which the in-memory estimator
codes them, so even the bootstrap draws are the same).

Not supported (an :class:`~evalkit.errors.EstimationError` says to compute the frame first):
covariates, weights and ``panel=False`` (repeated cross-sections use every row).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit._checks import check_column_args, numeric_column, require_columns, require_values
from evalkit.estimate.dask_common import run_partitions, unsupported
from evalkit.estimate.results import EffectResult

__all__ = ["dask_staggered"]

W = "staggered_did"


def _reduce(part: Any, names: tuple[str, str, str, str]) -> dict[str, Any]:
    """One partition: its checks, missing rows, and one row per (unit, period) with the
    outcome, the cohort and the count of rows (first-appearance order kept)."""
    import pandas as pd

    outcome, unit, time, cohort = names
    y = numeric_column(part, outcome, W).to_numpy(dtype=np.float64)
    tv = numeric_column(part, time, W).to_numpy(dtype=np.float64)
    gv = numeric_column(part, cohort, W).to_numpy(dtype=np.float64)
    ok = ~(np.isnan(y) | np.isnan(tv)) & part[unit].notna().to_numpy()
    rows = pd.DataFrame({"unit": part[unit].to_numpy()[ok], "time": tv[ok], "cohort": gv[ok],
                         "y": y[ok]})
    pairs = rows.groupby(["unit", "time"], sort=False).agg(
        y=("y", "first"), cohort=("cohort", "min"), rows=("y", "size")).reset_index()
    return {"missing": int((~ok).sum()), "has_y": bool((~np.isnan(y)).any()),
            "has_t": bool((~np.isnan(tv)).any()), "pairs": pairs}


def _panel(parts: list[dict[str, Any]], names: tuple[str, str, str, str]) -> Any:
    """The partitions' (unit, period) rows combined in partition order; a pair seen twice
    (in one partition or across two) is the in-memory estimator's duplicate error."""
    import pandas as pd

    from evalkit.estimate.steps import duplicate_pairs_error

    outcome, unit, time, cohort = names
    require_values({outcome: [0.0 if any(p["has_y"] for p in parts) else np.nan],
                    time: [0.0 if any(p["has_t"] for p in parts) else np.nan]}, W)
    pairs = pd.concat([p["pairs"] for p in parts], ignore_index=True)
    if bool((pairs["rows"] > 1).any()) or bool(pairs.duplicated(["unit", "time"]).any()):
        raise duplicate_pairs_error(W, unit, time)
    return pd.DataFrame({unit: pairs["unit"].to_numpy(), time: pairs["time"].to_numpy(),
                         cohort: pairs["cohort"].to_numpy(), outcome: pairs["y"].to_numpy()})


def dask_staggered(args: dict[str, Any]) -> EffectResult:
    """:func:`evalkit.staggered_did` on a dask DataFrame: reduced by partitions to the
    units × periods outcome matrix, then the in-memory cell and aggregation code."""
    from dataclasses import replace

    from evalkit.estimate.cohorts import cohort_panel
    from evalkit.estimate.staggered import _check_args, staggered_from_panel
    from evalkit.estimate.steps import as_list, spec_of

    df = args["df"]
    outcome, unit, time, cohort = args["outcome"], args["unit"], args["time"], args["cohort"]
    check_column_args(W, outcome=outcome, unit=unit, time=time, cohort=cohort)
    covs = as_list(args["covariates"])
    require_columns(df._meta, [outcome, unit, time, cohort, *covs], W)
    alpha = _check_args(W, args["control"], args["method"], args["aggregate"], args["alpha"],
                        args["bootstrap"], args["n_boot"])
    if covs:
        raise unsupported(W, "covariates=", "the covariate-adjusted cells need every row")
    if args["weights"] is not None:
        raise unsupported(W, "weights=")
    if not args["panel"]:
        raise unsupported(W, "panel=False", "repeated cross-sections use every row")
    names = (outcome, unit, time, cohort)
    parts = run_partitions(_reduce, df, names)
    small = _panel(parts, names)
    missing = sum(p["missing"] for p in parts)
    if small.empty:
        from evalkit.errors import DataError

        raise DataError(f"{W}: no rows without missing values", hint="check the data")
    cp = cohort_panel(small, outcome, unit, time, cohort, W)
    if missing:  # counted by the partitions (the reduced panel has none)
        cp = replace(cp, dropped={"missing values": missing, **cp.dropped})
    return staggered_from_panel(cp, np.empty((cp.y.size, 0)), None, [],
                                spec_of(args, covariates=(), alpha=alpha),
                                {"backend": "dask", "npartitions": int(df.npartitions)})
