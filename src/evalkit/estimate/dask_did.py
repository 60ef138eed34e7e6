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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import (
    check_choice,
    check_column_args,
    numeric_column,
    require_columns,
    require_values,
)
from evalkit.errors import DataError, EstimationError
from evalkit.estimate.dask_common import NormalEquations, unit_partitioned, unsupported
from evalkit.estimate.dask_common import run_partitions as _run
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row

__all__ = ["dask_did"]

FloatArray = npt.NDArray[np.float64]
W = "did"
CELLS = ((0, 0), (0, 1), (1, 0), (1, 1))


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
    from evalkit.estimate.did import binary_column, covariate_matrix
    from evalkit.estimate.inference import cluster_codes

    y = numeric_column(part, s.outcome, W).to_numpy(dtype=np.float64)
    g = binary_column(part, s.group, W)
    p = binary_column(part, s.post, W)
    Z = covariate_matrix(part, list(s.covs), W)
    out: dict[str, Any] = {"has": {n: bool((~np.isnan(v)).any()) for n, v in
                                   zip([s.outcome, s.group, s.post, *s.covs], [y, g, p, *Z.T],
                                       strict=True)}}
    ok = ~(np.isnan(y) | np.isnan(g) | np.isnan(p))
    if s.covs:
        ok &= ~np.isnan(Z).any(axis=1)
    for col in (s.unit, s.cl_col):
        if col is not None:
            ok &= part[col].notna().to_numpy()
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


def _pass_moments(part: Any, s: _Spec) -> dict[str, Any]:
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
    import pandas as pd

    loc = _local(part, s)
    X, yd = _design(loc, s)
    e = yd - X @ s.coef
    k = X.shape[1]
    if s.kind == "classical":
        extra: Any = None
    elif s.kind == "robust":
        Xe = X * np.abs(e)[:, None]
        extra = Xe.T @ Xe
    elif s.cl_col == s.unit:
        u = loc["u"]
        n_u = int(u.max()) + 1 if len(u) else 0
        S = np.column_stack([np.bincount(u, weights=X[:, j] * e, minlength=n_u)
                             for j in range(k)]) if n_u else np.zeros((0, k))
        extra = S.T @ S
    else:
        sc = pd.DataFrame(X * e[:, None], columns=[f"s{j}" for j in range(k)])
        sc["cl"] = loc["cl"]
        extra = sc.groupby("cl", sort=False).sum()
    return X.T @ e, float(e @ e), extra


def dask_did(
    df: Any,
    outcome: str,
    group: str,
    post: str,
    *,
    unit: str | None = None,
    covariates: str | Sequence[str] | None = None,
    cluster: str | None = None,
    se: str = "auto",
    alpha: float = 0.05,
    fe_dof: str = "nested",
    inference: str = "auto",
    reps: int = 9999,
    boot_weights: str = "rademacher",
    seed: int | None = None,
    weights: Any = None,
) -> EffectResult:
    """:func:`evalkit.did` on a dask DataFrame, by partitions; same result to rounding.

    Supported: repeated cross-sections and panels (``unit``: unit effects absorbed per
    partition), covariates, ``se`` classical/robust/cluster/auto, ``cluster``, ``fe_dof``,
    analytic inference. Not supported (:class:`~evalkit.errors.EstimationError`, compute the
    frame first): the wild cluster bootstrap (``inference="wild"``, or ``"auto"`` with fewer
    than 30 clusters) and ``weights``.
    """
    import pandas as pd

    from evalkit.estimate.did import as_list, check_alpha, resolve_vcov, se_note
    from evalkit.estimate.evidence import evidence_level
    from evalkit.estimate.inference import check_cluster_count, t_inference
    from evalkit.estimate.wild import check_wild_options, use_wild

    check_column_args(W, outcome=outcome, group=group, post=post)
    covs = as_list(covariates)
    check_choice("se", se, ("classical", "robust", "cluster", "auto"))
    check_choice("fe_dof", fe_dof, ("nested", "all"))
    check_wild_options(inference, reps, boot_weights, seed)
    alpha = check_alpha(alpha)
    if weights is not None:
        raise unsupported(W, "weights=")
    if inference == "wild":
        raise unsupported(W, "inference='wild'", "the bootstrap needs every cluster in memory")
    kind, cl_col = resolve_vcov(se, df, unit, cluster)
    if unit is not None:
        _, frame, _ = unit_partitioned(df, unit)
    else:
        frame = df
    require_columns(frame._meta, [outcome, group, post, unit, cluster, *covs], W)
    s = _Spec(outcome, group, post, unit, tuple(covs), cl_col, kind)

    parts = _run(_pass_moments, frame, s)
    require_values({n: [0.0 if any(p["has"][n] for p in parts) else math.nan]
                    for n in [outcome, group, post, *covs]}, W)
    dropped: dict[str, int] = {}
    missing = sum(p["missing"] for p in parts)
    if missing:
        dropped["missing values"] = missing
    ymin, ymax = min(p["ymin"] for p in parts), max(p["ymax"] for p in parts)
    n_ok = sum(sum(p["cells_ok"]) for p in parts)
    if ymin == ymax:
        raise EstimationError(
            f"{W}: column {outcome!r} has the same value ({ymin:g}) in all {n_ok} rows used, "
            "so there is no variation to estimate an effect from",
            hint="check that the outcome column is the right one and was not overwritten")
    for j, (gv, pv) in enumerate(CELLS):
        if not sum(p["cells_ok"][j] for p in parts):
            raise DataError(
                f"{W}: no observations with {group}={gv} and {post}={pv}",
                hint="DiD needs both groups observed before and after; check the "
                "filters and the coding of the group and post columns")
    changing = sum(p["changing"] for p in parts)
    if changing:
        raise DataError(
            f"{W}: column {group!r} changes within unit {unit!r} for {changing} unit(s)",
            hint="the group must be fixed per unit; for units treated at different times "
            "use ek.staggered_did")
    singles = sum(p["singletons"] for p in parts)
    if singles:
        dropped["singleton units"] = singles
    n = sum(p["n"] for p in parts)
    n_units = sum(p["n_units"] for p in parts)
    rows = []
    cell: dict[tuple[int, int], float] = {}
    for j, (gv, pv) in enumerate(CELLS):
        acc: tuple[int, float, float] = (0, 0.0, 0.0)
        for p in parts:
            acc = _combine(acc, p["cells"][j])
        cnt, mean, q = acc
        sd = math.sqrt(q / (cnt - 1)) if cnt > 1 else math.nan
        cell[(gv, pv)] = mean
        rows.append({group: gv, post: pv, "n": cnt, "mean": mean,
                     "std_error": sd / math.sqrt(cnt)})
    means = pd.DataFrame(rows)
    means_did = (cell[(1, 1)] - cell[(1, 0)]) - (cell[(0, 1)] - cell[(0, 0)])

    n_cl = None
    if kind == "cluster":
        assert cl_col is not None
        if cl_col == unit:
            n_cl = n_units
        else:
            if unit is not None:
                n_bad = sum(p.get("not_nested", 0) for p in parts)
                if n_bad:
                    raise DataError(
                        f"cluster column {cl_col!r} does not nest unit column {unit!r}: {n_bad} "
                        "unit(s) belong to more than one cluster",
                        hint="each unit must stay in one cluster (cluster on a variable constant "
                        "within unit, e.g. the unit itself or its site)")
            n_cl = len(pd.unique(pd.Series([c for p in parts for c in p["clusters"]])))
        if use_wild(inference, True, n_cl):
            check_cluster_count(n_cl, cl_col, warn=False)
            raise unsupported(W, f"inference='auto' with {n_cl} clusters (below 30 it means "
                              "the wild cluster bootstrap)",
                              "pass inference='analytic' for t(G-1) inference")
        check_cluster_count(n_cl, cl_col, warn=True)

    inter = f"{group}:{post}"
    names = ["(Intercept)", group, post, inter, *covs] if unit is None else [post, inter, *covs]
    n_abs = 0 if unit is None else n_units
    nested = n_abs - 1 if (unit is not None and kind == "cluster" and fe_dof == "nested") else 0
    xtx = sum(p["xtx"] for p in parts)
    xty = sum(p["xty"] for p in parts)
    k = len(names)
    normal = NormalEquations(xtx, names, W)
    coef = normal.solve(xty)
    res = _run(_pass_resid, frame, replace(s, coef=coef))
    coef = coef + normal.solve(sum(r[0] for r in res))
    rss = float(sum(r[1] for r in res))
    xtx_inv = normal.inverse()
    k_full = k + n_abs
    if n - k_full <= 0:
        raise EstimationError(
            f"{W}: {n} observations for {k_full} parameters leave no residual degrees of "
            "freedom", hint="use more data or fewer covariates/fixed effects")
    if kind == "classical":
        c = 1.0
        vcov = rss / (n - k_full) * xtx_inv
        df_resid = float(n - k_full)
    elif kind == "robust":
        c = n / (n - k_full)
        vcov = c * xtx_inv @ sum(r[2] for r in res) @ xtx_inv
        df_resid = float(n - k_full)
    else:
        assert n_cl is not None
        if cl_col == unit:
            meat = sum(r[2] for r in res)
        else:
            S = pd.concat([r[2] for r in res]).groupby(level=0, sort=False).sum().to_numpy()
            meat = S.T @ S
        k_dof = k + n_abs - nested
        if n - k_dof <= 0:
            raise EstimationError(f"{W}: too few observations or clusters for CR1")
        c = n_cl / (n_cl - 1) * (n - 1) / (n - k_dof)
        vcov = c * xtx_inv @ meat @ xtx_inv
        df_resid = float(n_cl - 1)
    vcov = (vcov + vcov.T) / 2
    se_vec = np.sqrt(np.clip(np.diag(vcov), 0.0, None))
    table_rows = []
    order = [names.index(inter)] + [j for j in range(k) if names[j] != inter]
    for j in order:
        t, pv_, lo, hi = t_inference(float(coef[j]), float(se_vec[j]), df_resid, alpha)
        table_rows.append(tidy_row(names[j], coef[j], se_vec[j], t, pv_, lo, hi))
    notes = [se_note(kind, cl_col, n_cl, fe_dof, unit is not None)]  # type: ignore[arg-type]
    head = table_rows[0]
    acc = (0, 0.0, 0.0)
    for p in parts:
        acc = _combine(acc, p["yd"])
    tss = acc[2]
    if unit is not None:
        notes.append(note("did.unit_fe", unit=str(unit)))
    notes.append(note("did.parallel"))
    extra: dict[str, Any] = {
        "means": means, "means_did": means_did,
        "r_squared": 1 - rss / tss if tss > 0 else math.nan,
        "vcov_type": {"classical": "classical", "robust": "HC1", "cluster": "CR1"}[kind],
        "vcov": pd.DataFrame(vcov, index=names, columns=names),
        "n_clusters": n_cl, "n_units": n_units if unit is not None else None,
        "df_resid": df_resid, "small_sample_factor": float(c),
        "inference": "analytic", "wild_bootstrap": None,
        "backend": "dask", "npartitions": int(frame.npartitions),
    }
    method = "difference-in-differences (OLS" + (", unit fixed effects" if unit else "") + ")"
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=n, method=method, design="did", outcome=outcome, term=inter,
        table=tidy_frame(table_rows), statistic=head["statistic"], df=df_resid, alpha=alpha,
        n_dropped=sum(dropped.values()), dropped=dropped,
        evidence_level=evidence_level("did", covariates=bool(covs)), notes=tuple(notes),
        spec={"outcome": outcome, "group": group, "post": post, "unit": unit,
              "covariates": tuple(covs), "cluster": cluster, "se": se, "alpha": alpha,
              "fe_dof": fe_dof, "inference": inference, "reps": reps,
              "boot_weights": boot_weights, "seed": seed},
        extra=extra,
    )
