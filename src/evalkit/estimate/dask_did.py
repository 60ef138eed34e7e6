"""2x2 difference-in-differences on a dask DataFrame, computed by partitions (as :func:`evalkit.did`).

Called by :func:`evalkit.did` when ``df`` is a dask DataFrame. With ``unit`` given, every
unit's rows are put in one partition (see :func:`~evalkit.estimate.dask_common.unit_partitioned`)
so the unit effects are absorbed by demeaning locally; without it no shuffle is needed.

pass 1
    checks, group × period cell moments (count, mean, sum of squared deviations, combined
    across partitions by Chan et al.'s pairwise rule), :math:`X'X` and :math:`X'y` of the
    (unit-demeaned) design.
pass 2
    residuals: :math:`e'e` (classical), :math:`\\sum_i x_i x_i' e_i^2` (HC1) or per-cluster
    score sums (CR1: within partitions when clustering by unit, grouped by cluster value
    across partitions otherwise), plus :math:`X'e` for one refinement step as ``ols_fit``.

Same conventions, notes, tidy table and ``extra`` keys as :func:`evalkit.did`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import check_column_args, numeric_column, require_columns, require_values
from evalkit.estimate.dask_common import (
    cluster_scores,
    count_clusters,
    partitioned_ols,
    unit_partitioned,
)
from evalkit.estimate.dask_common import run_partitions as _run
from evalkit.estimate.results import EffectResult

__all__ = ["dask_did"]

FloatArray = npt.NDArray[np.float64]
W = "did"


@dataclass(frozen=True)
class _Spec:
    outcome: str
    group: str
    post: str
    unit: str | None
    covs: tuple[str, ...]
    cl_col: str | None
    kind: str
    coef: Any = None


def _local(part: Any, s: _Spec) -> dict[str, Any]:
    """Rows of one partition: checks on the complete rows, then the estimation sample."""
    from evalkit.estimate.did_parts import CELLS
    from evalkit.estimate.inference import cluster_codes
    from evalkit.estimate.steps import binary_column, covariate_matrix, usable_rows

    y = numeric_column(part, s.outcome, W).to_numpy(dtype=np.float64)
    g = binary_column(part, s.group, W)
    p = binary_column(part, s.post, W)
    Z = covariate_matrix(part, list(s.covs), W)
    out: dict[str, Any] = {"has": {n: bool((~np.isnan(v)).any()) for n, v in
                                   zip([s.outcome, s.group, s.post, *s.covs], [y, g, p, *Z.T],
                                       strict=True)}}
    ok = usable_rows(part, [y, g, p], Z, [s.unit, s.cl_col])
    out["missing"] = int((~ok).sum())
    y, g, p, Z = y[ok], g[ok], p[ok], Z[ok]
    out["ymin"] = float(y.min()) if len(y) else math.inf
    out["ymax"] = float(y.max()) if len(y) else -math.inf
    out["cells_ok"] = [int(((g == gv) & (p == pv)).sum()) for gv, pv in CELLS]
    cl = part[s.cl_col].to_numpy()[ok] if s.cl_col is not None else None
    u = None
    out["changing"] = out["singletons"] = out["n_units"] = 0
    if s.unit is not None:
        u, n_u = cluster_codes(part[s.unit].to_numpy()[ok])
        gmin = np.full(n_u, np.inf)
        gmax = np.full(n_u, -np.inf)
        np.minimum.at(gmin, u, g)
        np.maximum.at(gmax, u, g)
        out["changing"] = int((gmin != gmax).sum())
        keep = np.bincount(u, minlength=n_u)[u] > 1
        out["singletons"] = int((~keep).sum())
        y, g, p, Z, u = y[keep], g[keep], p[keep], Z[keep], u[keep]
        cl = cl[keep] if cl is not None else None
        u, out["n_units"] = cluster_codes(u)
    out.update(y=y, g=g, p=p, Z=Z, u=u, cl=cl)
    return out


def _design(loc: dict[str, Any], s: _Spec) -> tuple[FloatArray, FloatArray]:
    y, g, p, Z, u = loc["y"], loc["g"], loc["p"], loc["Z"], loc["u"]
    if s.unit is None:
        return np.column_stack([np.ones(len(y)), g, p, g * p, Z]), y
    from evalkit.estimate.demean import demean

    if not len(y):
        return np.empty((0, 2 + Z.shape[1])), y
    both = demean(np.column_stack([y, p, g * p, Z]), [u])
    return both[:, 1:], both[:, 0]


def _cell_moments(y: FloatArray) -> tuple[int, float, float]:
    if not len(y):
        return 0, 0.0, 0.0
    m = float(y.mean())
    return len(y), m, float(((y - m) ** 2).sum())


def _combine(a: tuple[int, float, float], b: tuple[int, float, float]) -> tuple[int, float, float]:
    """Pairwise combination of (count, mean, sum of squared deviations) (Chan et al. 1979)."""
    na, ma, qa = a
    nb, mb, qb = b
    if na == 0:
        return b
    if nb == 0:
        return a
    n = na + nb
    delta = mb - ma
    return n, ma + delta * nb / n, qa + qb + delta * delta * na * nb / n


def _combined(moments: Any) -> tuple[int, float, float]:
    acc: tuple[int, float, float] = (0, 0.0, 0.0)
    for m in moments:
        acc = _combine(acc, m)
    return acc


def _pass_moments(part: Any, s: _Spec) -> dict[str, Any]:
    from evalkit.estimate.did_parts import CELLS

    loc = _local(part, s)
    X, yd = _design(loc, s)
    y, g, p = loc["y"], loc["g"], loc["p"]
    out = {k: v for k, v in loc.items() if k not in ("y", "g", "p", "Z", "u", "cl")}
    out["n"] = len(y)
    out["cells"] = [_cell_moments(y[(g == gv) & (p == pv)]) for gv, pv in CELLS]
    out["yd"] = _cell_moments(yd)
    out["xtx"] = X.T @ X
    out["xty"] = X.T @ yd
    if s.cl_col is not None and s.cl_col != s.unit:
        import pandas as pd

        cl = loc["cl"]
        out["clusters"] = pd.unique(pd.Series(cl)).tolist()
        if s.unit is not None and len(cl):
            nun = pd.DataFrame({"u": loc["u"], "c": cl}).groupby("u")["c"].nunique()
            out["not_nested"] = int((nun > 1).sum())
    return out


def _pass_resid(part: Any, s: _Spec) -> tuple[FloatArray, float, Any]:
    loc = _local(part, s)
    X, yd = _design(loc, s)
    e = yd - X @ s.coef
    if s.kind == "classical":
        extra: Any = None
    elif s.kind == "robust":
        Xe = X * np.abs(e)[:, None]
        extra = Xe.T @ Xe
    elif s.cl_col == s.unit:
        extra = cluster_scores(X, e, loc["u"], None)
    else:
        extra = cluster_scores(X, e, None, loc["cl"])
    return X.T @ e, float(e @ e), extra


def _checked(parts: list[dict[str, Any]], s: _Spec) -> dict[str, int]:
    """The checks of ek.did on the partitions' summaries; returns ``dropped``."""
    from evalkit.estimate.did_parts import CELLS, changing_group_error, empty_cell_error
    from evalkit.estimate.steps import constant_outcome

    require_values({n: [0.0 if any(p["has"][n] for p in parts) else math.nan]
                    for n in [s.outcome, s.group, s.post, *s.covs]}, W)
    dropped: dict[str, int] = {}
    missing = sum(p["missing"] for p in parts)
    if missing:
        dropped["missing values"] = missing
    constant_outcome(W, s.outcome, min(p["ymin"] for p in parts),
                     max(p["ymax"] for p in parts), sum(sum(p["cells_ok"]) for p in parts))
    for j, (gv, pv) in enumerate(CELLS):
        if not sum(p["cells_ok"][j] for p in parts):
            raise empty_cell_error(W, s.group, s.post, gv, pv)
    changing = sum(p["changing"] for p in parts)
    if changing:
        raise changing_group_error(W, s.group, s.unit, changing)
    singles = sum(p["singletons"] for p in parts)
    if singles:
        dropped["singleton units"] = singles
    return dropped


def _means(parts: list[dict[str, Any]], s: _Spec) -> tuple[Any, float]:
    """Group × period means with SEs and counts from the combined cell moments."""
    import pandas as pd

    from evalkit.estimate.did_parts import CELLS

    rows = []
    cell: dict[tuple[int, int], float] = {}
    for j, (gv, pv) in enumerate(CELLS):
        cnt, mean, q = _combined(p["cells"][j] for p in parts)
        sd = math.sqrt(q / (cnt - 1)) if cnt > 1 else math.nan
        cell[(gv, pv)] = mean
        rows.append({s.group: gv, s.post: pv, "n": cnt, "mean": mean,
                     "std_error": sd / math.sqrt(cnt)})
    means_did = (cell[(1, 1)] - cell[(1, 0)]) - (cell[(0, 1)] - cell[(0, 0)])
    return pd.DataFrame(rows), means_did


def _n_clusters(parts: list[dict[str, Any]], s: _Spec, n_units: int, inference: str) -> int | None:
    from evalkit.estimate.steps import clusters_ready

    if s.kind != "cluster":
        return None
    assert s.cl_col is not None
    if s.cl_col == s.unit:
        n_cl = n_units
    else:
        if s.unit is not None:
            from evalkit.estimate.inference import not_nested_error

            n_bad = sum(p.get("not_nested", 0) for p in parts)
            if n_bad:
                raise not_nested_error(s.cl_col, s.unit, n_bad)
        n_cl = count_clusters(parts)
    clusters_ready(n_cl, s.cl_col, inference, dask=W, depth=5)
    return n_cl


def dask_did(args: dict[str, Any]) -> EffectResult:
    """:func:`evalkit.did` on a dask DataFrame, by partitions; same result to rounding.

    Supported: repeated cross-sections and panels (``unit``: unit effects absorbed per
    partition), covariates, ``se`` classical/robust/cluster/auto, ``cluster``, ``fe_dof``,
    analytic inference. Not supported (:class:`~evalkit.errors.EstimationError`, compute the
    frame first): the wild cluster bootstrap (``inference="wild"``, or ``"auto"`` with fewer
    than 30 clusters) and ``weights``.
    """
    from evalkit.estimate.did_parts import DidFit, DidSample, did_result
    from evalkit.estimate.steps import (
        as_list,
        check_options,
        refuse_dask_options,
        resolve_vcov,
        spec_of,
    )

    df, outcome, group, post = args["df"], args["outcome"], args["group"], args["post"]
    unit, cluster, se, fe_dof = args["unit"], args["cluster"], args["se"], args["fe_dof"]
    inference = args["inference"]
    check_column_args(W, outcome=outcome, group=group, post=post)
    covs = as_list(args["covariates"])
    alpha = check_options(se=se, alpha=args["alpha"], fe_dof=fe_dof, inference=inference,
                          reps=args["reps"], boot_weights=args["boot_weights"], seed=args["seed"])
    refuse_dask_options(W, args["weights"], inference)
    kind, cl_col = resolve_vcov(se, df, unit, cluster)
    frame = unit_partitioned(df, unit)[1] if unit is not None else df
    require_columns(frame._meta, [outcome, group, post, unit, cluster, *covs], W)
    s = _Spec(outcome, group, post, unit, tuple(covs), cl_col, kind)

    parts = _run(_pass_moments, frame, s)
    dropped = _checked(parts, s)
    means, means_did = _means(parts, s)
    n = sum(p["n"] for p in parts)
    n_units = sum(p["n_units"] for p in parts)
    n_cl = _n_clusters(parts, s, n_units, inference)
    inter = f"{group}:{post}"
    names = ["(Intercept)", group, post, inter, *covs] if unit is None else [post, inter, *covs]
    n_abs = 0 if unit is None else n_units
    nested = n_abs - 1 if (unit is not None and kind == "cluster" and fe_dof == "nested") else 0
    fit = partitioned_ols(
        W, names, sum(p["xtx"] for p in parts), sum(p["xty"] for p in parts),
        lambda coef: _run(_pass_resid, frame, replace(s, coef=coef)), kind=kind, n=n,
        k_full=len(names) + n_abs, nested=nested, n_cl=n_cl, by_value=cl_col != unit)
    sample = DidSample(n, n_units if unit is not None else None, covs, kind, cl_col, alpha,
                       dropped)
    tss = _combined(p["yd"] for p in parts)[2]
    f = DidFit(fit, names, np.empty((0, len(names))), np.empty(0), tss, None, n_cl, False)
    spec = spec_of(args, drop=("weights",), covariates=tuple(covs), alpha=alpha)
    return did_result(sample, f, means, means_did, spec,
                       {"backend": "dask", "npartitions": int(frame.npartitions)})
