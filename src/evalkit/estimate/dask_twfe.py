"""Two-way fixed effects on a dask DataFrame, computed by partitions (exact, as :func:`evalkit.twfe`).

Called by :func:`evalkit.twfe` when ``df`` is a dask DataFrame. Every unit's rows are put in
one partition (a frame indexed by the unit with known divisions is used as it is, otherwise
the rows are shuffled by unit); then, with T periods (small: months, years) and K slopes:

pass 0 (unshuffled)
    checks the columns, counts missing rows, collects the periods.
pass 1
    drops singleton units locally (and singleton periods, found from the summed period
    counts, repeating the pass in the rare case there are some — the same fixed point as
    pyfixest's iterative rule), demeans ``[y, X]`` within unit and sums, over partitions,
    :math:`M = \\tilde D'\\tilde D = \\operatorname{diag}(n_t) - \\sum_i c_i c_i'/n_i` and
    :math:`r = D'[\\tilde y, \\tilde X]` (T × (1+K)).
pass 2
    projects out the unit-demeaned period dummies with :math:`\\Gamma = M^+ r` exactly as
    :func:`evalkit.estimate.demean.demean` does row by row, and sums :math:`\\ddot X'\\ddot X`
    and :math:`\\ddot X'\\ddot y` → OLS by Frisch–Waugh–Lovell.
pass 3
    residuals and per-cluster score sums :math:`\\ddot X_g'e_g` (summed within partitions when
    clustering by unit; grouped by cluster value across partitions otherwise) → CR1 meat.

Conventions are those of :func:`evalkit.twfe`: CR1 factor :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}`
with K per ``fe_dof``, t(G-1) inference, same notes, tidy table and ``extra`` keys.
"""

from __future__ import annotations

import math
import warnings
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
from evalkit.estimate.did import as_list, check_alpha, covariate_matrix, se_note
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row

__all__ = ["dask_twfe"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
W = "twfe"


@dataclass(frozen=True)
class _Spec:
    outcome: str
    unit: str
    time: str
    treatment: str
    covs: tuple[str, ...]
    cluster: str | None
    t_values: Any = None
    killed: tuple[int, ...] = ()
    gamma: Any = None
    coef: Any = None


def _columns(part: Any, s: _Spec) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Outcome, [treatment, covariates] and the rows with no missing value (as ek.twfe)."""
    y = numeric_column(part, s.outcome, W).to_numpy(dtype=np.float64)
    d = numeric_column(part, s.treatment, W).to_numpy(dtype=np.float64)
    Z = covariate_matrix(part, list(s.covs), W)
    ok = ~(np.isnan(y) | np.isnan(d))
    if s.covs:
        ok &= ~np.isnan(Z).any(axis=1)
    for col in (s.unit, s.time, s.cluster):
        if col is not None:
            ok &= part[col].notna().to_numpy()
    X = np.empty((len(y), 1 + len(s.covs)), order="F")
    X[:, 0] = d
    X[:, 1:] = Z
    return y, X, ok


def _prep(part: Any, s: _Spec) -> dict[str, Any]:
    y, X, ok = _columns(part, s)
    names = [s.outcome, s.treatment, *s.covs]
    vals = [y, *X.T]
    return {"missing": int((~ok).sum()),
            "has": {n: bool((~np.isnan(v)).any()) for n, v in zip(names, vals, strict=True)},
            "times": np.asarray(part[s.time].to_numpy()[ok])}


def _local(part: Any, s: _Spec, check: bool = False) -> tuple[FloatArray, FloatArray, IntArray, IntArray, Any]:
    """Estimation rows of one partition: y, X, local unit codes, period codes, cluster values."""
    import pandas as pd

    from evalkit.estimate.demean import recode
    from evalkit.estimate.inference import cluster_codes

    y, X, ok = _columns(part, s)
    n_t = len(s.t_values)
    u, _ = cluster_codes(part[s.unit].to_numpy()[ok])
    t = np.asarray(pd.Index(s.t_values).get_indexer(part[s.time].to_numpy()[ok]), dtype=np.intp)
    if check and len(u):
        n_u = int(u.max()) + 1
        key = u.astype(np.int64) * n_t + t
        dup = (bool(np.bincount(key, minlength=n_u * n_t).max() > 1)
               if n_u * n_t <= 50_000_000 else len(np.unique(key)) < len(key))
    if check and len(u) and dup:
        raise DataError(
            f"{W}: some ({s.unit!r}, {s.time!r}) pairs appear more than once",
            hint="keep one row per unit and period (aggregate or drop duplicates first)",
        )
    keep = ~np.isin(t, np.asarray(s.killed, dtype=np.intp)) if s.killed else np.ones(len(t), bool)
    counts = np.bincount(u[keep], minlength=int(u.max()) + 1 if len(u) else 0)
    keep &= counts[u] >= 2
    cl = part[s.cluster].to_numpy()[ok][keep] if s.cluster is not None else None
    uk, _ = recode(u[keep])
    return y[ok][keep], X[ok][keep], uk, t[keep], cl


def _unit_demeaned(W_: FloatArray, u: IntArray) -> tuple[FloatArray, FloatArray]:
    from evalkit.estimate.demean import _counts, _demean_cols

    ca = _counts(u, int(u.max()) + 1 if len(u) else 0)
    return _demean_cols(W_, u, ca), ca


def _pass_counts(part: Any, s: _Spec) -> dict[str, Any]:
    """Period counts, checks and the FWL moments of one partition."""
    import pandas as pd

    y, X, u, t, cl = _local(part, s, check=True)
    n_t = len(s.t_values)
    n_u = int(u.max()) + 1 if len(u) else 0
    d = X[:, 0]
    out: dict[str, Any] = {"n": len(y), "n_units": n_u, "t_counts": np.bincount(t, minlength=n_t),
                           "binary": bool(np.all((d == 0) | (d == 1))),
                           "ymin": float(y.min()) if len(y) else math.inf,
                           "ymax": float(y.max()) if len(y) else -math.inf}
    big = np.iinfo(np.intp).max
    first_on = np.full(n_u, big)
    last_off = np.full(n_u, -1)
    on = d > 0
    np.minimum.at(first_on, u[on], t[on])
    np.maximum.at(last_off, u[~on], t[~on])
    out["switch_off"] = int((last_off > first_on).sum())
    out["starts"] = np.bincount(first_on[first_on != big], minlength=n_t) > 0
    if cl is not None:
        nun = pd.DataFrame({"u": u, "c": cl}).groupby("u")["c"].nunique()
        out["not_nested"] = int((nun > 1).sum())
        out["clusters"] = pd.unique(pd.Series(cl)).tolist()
    Wm = np.column_stack([y, X])
    x1, ca = _unit_demeaned(Wm, u)
    C = np.bincount(u * n_t + t, minlength=n_u * n_t).reshape(n_u, n_t).astype(np.float64)
    out["M"] = np.diag(np.bincount(t, minlength=n_t).astype(np.float64)) - (C / ca[:, None]).T @ C
    out["r"] = np.column_stack([np.bincount(t, weights=x1[:, j], minlength=n_t)
                                for j in range(Wm.shape[1])])
    return out


def _full(part: Any, s: _Spec) -> tuple[FloatArray, FloatArray, IntArray, Any]:
    """Outcome and regressors with unit and period effects projected out (as demean())."""
    y, X, u, t, cl = _local(part, s)
    x1, ca = _unit_demeaned(np.column_stack([y, X]), u)
    out = np.empty(x1.shape, order="F")
    for j in range(x1.shape[1]):
        fitted = s.gamma[t, j]
        fmeans = np.bincount(u, weights=fitted, minlength=len(ca)) / ca
        np.subtract(x1[:, j], fitted - fmeans[u], out=out[:, j])
    return out[:, 0], out[:, 1:], u, cl


def _pass_gram(part: Any, s: _Spec) -> tuple[FloatArray, FloatArray]:
    y, X, _, _ = _full(part, s)
    return X.T @ X, X.T @ y


def _pass_scores(part: Any, s: _Spec) -> tuple[FloatArray, Any]:
    import pandas as pd

    y, X, u, cl = _full(part, s)
    e = y - X @ s.coef
    k = X.shape[1]
    if cl is None:
        n_u = int(u.max()) + 1 if len(u) else 0
        S = np.column_stack([np.bincount(u, weights=X[:, j] * e, minlength=n_u)
                             for j in range(k)]) if n_u else np.zeros((0, k))
        return X.T @ e, S.T @ S
    sc = pd.DataFrame(X * e[:, None], columns=[f"s{j}" for j in range(k)])
    sc["cl"] = cl
    return X.T @ e, sc.groupby("cl", sort=False).sum()


def _order_periods(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Distinct periods in the order ek.twfe uses (numbers; text holding numbers by number)."""
    import pandas as pd

    if values.dtype.kind in "iu":
        return np.unique(values)
    _, t_values = pd.factorize(values, sort=True)
    t_values = np.asarray(t_values)
    as_number = pd.to_numeric(pd.Series(np.asarray(t_values, dtype=object)), errors="coerce")
    if len(t_values) and not pd.api.types.is_numeric_dtype(t_values) \
            and bool(as_number.notna().all()):
        t_values = t_values[np.argsort(as_number.to_numpy(dtype=np.float64), kind="stable")]
    return t_values


def dask_twfe(
    df: Any,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    *,
    covariates: str | Sequence[str] | None = None,
    cluster: str | None = None,
    alpha: float = 0.05,
    fe_dof: str = "nested",
    inference: str = "auto",
    reps: int = 9999,
    boot_weights: str = "rademacher",
    seed: int | None = None,
    weights: Any = None,
) -> EffectResult:
    """:func:`evalkit.twfe` on a dask DataFrame, by partitions; same result to rounding.

    Supported: unbalanced panels, covariates, ``cluster`` (default ``unit``; a coarser column
    in which units are nested), ``fe_dof``, ``alpha``, analytic t(G-1) inference. Not
    supported (:class:`~evalkit.errors.EstimationError`, compute the frame first):
    ``inference="wild"`` (also ``"auto"`` with fewer than 30 clusters, where the in-memory
    estimator would switch to the wild bootstrap), ``weights``, more than
    :data:`~evalkit.estimate.demean.EXACT_MAX_LEVELS` periods.
    """

    from evalkit.estimate.demean import EXACT_MAX_LEVELS
    from evalkit.estimate.evidence import evidence_level
    from evalkit.estimate.inference import check_cluster_count, t_inference
    from evalkit.estimate.twfe import StaggeredTimingWarning
    from evalkit.estimate.wild import WILD_AUTO_BELOW, check_wild_options

    check_column_args(W, outcome=outcome, unit=unit, time=time, treatment=treatment)
    covs = as_list(covariates)
    check_choice("fe_dof", fe_dof, ("nested", "all"))
    check_wild_options(inference, reps, boot_weights, seed)
    alpha = check_alpha(alpha)
    if weights is not None:
        raise unsupported(W, "weights=")
    if inference == "wild":
        raise unsupported(W, "inference='wild'", "the bootstrap needs every cluster in memory")
    base, by_unit, _ = unit_partitioned(df, unit)
    require_columns(base._meta, [outcome, unit, time, treatment, cluster, *covs], W)
    s = _Spec(outcome, unit, time, treatment, tuple(covs), cluster)

    prep = _run(_prep, base, s)
    names = [outcome, treatment, *covs]
    require_values({n: [0.0 if any(p["has"][n] for p in prep) else math.nan] for n in names}, W)
    dropped: dict[str, int] = {}
    missing = sum(p["missing"] for p in prep)
    if missing:
        dropped["missing values"] = missing
    n_ok = sum(len(p["times"]) for p in prep)
    times = np.concatenate([p["times"] for p in prep]) if prep else np.empty(0)
    import pandas as pd

    t_values = _order_periods(np.asarray(pd.unique(pd.Series(times)).tolist()
                                         if times.dtype == object else np.unique(times)))
    if len(t_values) > EXACT_MAX_LEVELS:
        raise unsupported(W, f"a panel with {len(t_values)} periods",
                          f"at most {EXACT_MAX_LEVELS} periods are absorbed by partitions")
    s = replace(s, t_values=t_values)
    while True:
        parts = _run(_pass_counts, by_unit, s)
        t_counts = sum(p["t_counts"] for p in parts)
        single = tuple(int(j) for j in np.flatnonzero(t_counts == 1))
        if not single:
            break
        s = replace(s, killed=tuple(sorted({*s.killed, *single})))
    n = sum(p["n"] for p in parts)
    if n < n_ok:
        dropped["singletons"] = n_ok - n
    if n == 0:
        raise DataError(f"{W}: no rows left after dropping missing values and singletons",
                        hint="each unit needs at least two periods")
    ymin, ymax = min(p["ymin"] for p in parts), max(p["ymax"] for p in parts)
    if ymin == ymax:
        raise EstimationError(
            f"{W}: column {outcome!r} has the same value ({ymin:g}) in all {n} rows used, so "
            "there is no variation to estimate an effect from",
            hint="check that the outcome column is the right one and was not overwritten")
    n_u = sum(p["n_units"] for p in parts)
    present = t_counts > 0
    n_t = int(present.sum())
    cl_col = cluster if cluster is not None else unit
    if cluster is not None:
        n_bad = sum(p["not_nested"] for p in parts)
        if n_bad:
            raise DataError(
                f"cluster column {cluster!r} does not nest unit column {unit!r}: {n_bad} "
                "unit(s) belong to more than one cluster",
                hint="each unit must stay in one cluster (cluster on a variable constant within "
                "unit, e.g. the unit itself or its site)")
        n_cl = len(pd.unique(pd.Series([c for p in parts for c in p["clusters"]])))
    else:
        n_cl = n_u
    if inference == "auto" and n_cl < WILD_AUTO_BELOW:
        check_cluster_count(n_cl, cl_col, warn=False)
        raise unsupported(W, f"inference='auto' with {n_cl} clusters (below "
                          f"{WILD_AUTO_BELOW} it means the wild cluster bootstrap)",
                          "pass inference='analytic' for t(G-1) inference")
    check_cluster_count(n_cl, cl_col, warn=True)

    notes: list[str] = []
    binary = all(p["binary"] for p in parts)
    n_starts = 0
    if binary:
        off = sum(p["switch_off"] for p in parts)
        if off:
            order_note = ""
            if t_values.dtype.kind not in "iufmM":
                shown = ", ".join(map(str, t_values[:6])) + (" …" if len(t_values) > 6 else "")
                order_note = (f"; the periods of {time!r} were taken in text order ({shown}) — "
                              "if that is not their order in time, code them as numbers or dates")
            raise DataError(
                f"{W}: treatment {treatment!r} switches off (1 then 0) within {unit!r} for "
                f"{off} unit(s){order_note}",
                hint="evalkit's DiD estimators assume treatment, once started, stays on; code "
                "treatment as 'ever started' (1 from the first treated period on) or study the "
                "spells separately")
        n_starts = int(np.logical_or.reduce([p["starts"] for p in parts]).sum())
    staggered = n_starts > 1
    if staggered:
        msg = note("twfe.staggered_timing", treatment=str(treatment), n=n_starts)
        warnings.warn(msg, StaggeredTimingWarning, stacklevel=3)
        notes.append(msg)

    M = sum(p["M"] for p in parts)[np.ix_(present, present)]
    r = sum(p["r"] for p in parts)[present]
    gamma = np.zeros((len(t_values), r.shape[1]))
    gamma[present] = np.linalg.pinv(M, rcond=1e-12, hermitian=True) @ r
    s = replace(s, gamma=gamma)
    grams = _run(_pass_gram, by_unit, s)
    xtx = sum(g[0] for g in grams)
    xty = sum(g[1] for g in grams)
    terms = [treatment, *covs]
    k = len(terms)
    normal = NormalEquations(xtx, terms, W)
    coef = normal.solve(xty)
    scores = _run(_pass_scores, by_unit, replace(s, coef=coef))
    xte = sum(p[0] for p in scores)
    coef = coef + normal.solve(xte)  # refinement step
    if cluster is None:
        meat = sum(p[1] for p in scores)
    else:
        S = pd.concat([p[1] for p in scores]).groupby(level=0, sort=False).sum().to_numpy()
        meat = S.T @ S
    xtx_inv = normal.inverse()
    k_dof = k + (n_u + n_t - 1) - (n_u - 1 if fe_dof == "nested" else 0)
    if n - k_dof <= 0:
        raise EstimationError(
            f"{W}: {n} observations for {k_dof} parameters leave no residual degrees of freedom",
            hint="use more data or fewer covariates/fixed effects")
    c = n_cl / (n_cl - 1) * (n - 1) / (n - k_dof)
    vcov = c * xtx_inv @ meat @ xtx_inv
    vcov = (vcov + vcov.T) / 2
    df_resid = float(n_cl - 1)
    se_vec = np.sqrt(np.clip(np.diag(vcov), 0.0, None))
    rows = []
    for j, name in enumerate(terms):
        st, pv, lo, hi = t_inference(float(coef[j]), float(se_vec[j]), df_resid, alpha)
        rows.append(tidy_row(name, coef[j], se_vec[j], st, pv, lo, hi))
    notes.insert(0, se_note("cluster", cl_col, n_cl, fe_dof, True))
    head = rows[0]
    notes.append(note("twfe.absorbed", singletons=dropped.get("singletons", 0)))
    if not math.isfinite(head["std_error"]):
        notes.append(note("twfe.no_se"))
    extra: dict[str, Any] = {
        "n_units": n_u, "n_periods": n_t, "n_clusters": n_cl, "balanced": n == n_u * n_t,
        "staggered": staggered, "df_resid": df_resid, "small_sample_factor": float(c),
        "vcov": pd.DataFrame(vcov, index=terms, columns=terms), "vcov_type": "CR1",
        "inference": "analytic", "wild_bootstrap": None,
        "backend": "dask", "npartitions": int(by_unit.npartitions),
    }
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=n, method="two-way fixed effects (unit and period effects)",
        design="twfe", outcome=outcome, term=treatment, table=tidy_frame(rows),
        statistic=head["statistic"], df=df_resid, alpha=alpha,
        n_dropped=sum(dropped.values()), dropped=dropped,
        evidence_level=evidence_level("twfe", covariates=bool(covs)), notes=tuple(notes),
        spec={"outcome": outcome, "unit": unit, "time": time, "treatment": treatment,
              "covariates": tuple(covs), "cluster": cluster, "alpha": alpha, "fe_dof": fe_dof,
              "inference": inference, "reps": reps, "boot_weights": boot_weights, "seed": seed},
        extra=extra,
    )
