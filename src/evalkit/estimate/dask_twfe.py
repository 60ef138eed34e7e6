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
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import check_column_args, numeric_column, require_columns, require_values
from evalkit.errors import DataError
from evalkit.estimate.dask_common import (
    cluster_scores,
    count_clusters,
    partitioned_ols,
    unit_partitioned,
    unsupported,
)
from evalkit.estimate.dask_common import run_partitions as _run
from evalkit.estimate.results import EffectResult
from evalkit.estimate.steps import (
    as_list,
    check_options,
    clusters_ready,
    constant_outcome,
    covariate_matrix,
    duplicate_pairs_error,
    refuse_dask_options,
    spec_of,
    switch_off_error,
    text_order_note,
    usable_rows,
)

__all__ = ["dask_twfe"]

W = "twfe"
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


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
    ok = usable_rows(part, [y, d], Z, [s.unit, s.time, s.cluster])
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
        raise duplicate_pairs_error(W, s.unit, s.time)
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
    from evalkit.estimate.steps import on_off_periods

    big = np.iinfo(np.intp).max
    first_on, last_off = on_off_periods(d, u, t, n_u)
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


def _pass_scores(part: Any, s: _Spec) -> tuple[FloatArray, float, Any]:
    y, X, u, cl = _full(part, s)
    e = y - X @ s.coef
    return X.T @ e, float(e @ e), cluster_scores(X, e, u, cl)


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


def _periods(base: Any, s: _Spec) -> tuple[_Spec, dict[str, int], int]:
    """Pass 0: column checks, missing rows, the ordered periods."""
    import pandas as pd

    from evalkit.estimate.demean import EXACT_MAX_LEVELS

    prep = _run(_prep, base, s)
    require_values({n: [0.0 if any(p["has"][n] for p in prep) else math.nan]
                    for n in [s.outcome, s.treatment, *s.covs]}, W)
    dropped: dict[str, int] = {}
    missing = sum(p["missing"] for p in prep)
    if missing:
        dropped["missing values"] = missing
    n_ok = sum(len(p["times"]) for p in prep)
    times = np.concatenate([p["times"] for p in prep]) if prep else np.empty(0)
    t_values = _order_periods(np.asarray(pd.unique(pd.Series(times)).tolist()
                                         if times.dtype == object else np.unique(times)))
    if len(t_values) > EXACT_MAX_LEVELS:
        raise unsupported(W, f"a panel with {len(t_values)} periods",
                          f"at most {EXACT_MAX_LEVELS} periods are absorbed by partitions")
    return replace(s, t_values=t_values), dropped, n_ok


def _counted(by_unit: Any, s: _Spec) -> tuple[_Spec, list[dict[str, Any]], FloatArray]:
    """Pass 1, repeated until no period is a singleton (pyfixest's fixed point)."""
    while True:
        parts = _run(_pass_counts, by_unit, s)
        t_counts = sum(p["t_counts"] for p in parts)
        single = tuple(int(j) for j in np.flatnonzero(t_counts == 1))
        if not single:
            return s, parts, t_counts
        s = replace(s, killed=tuple(sorted({*s.killed, *single})))


def _checked(parts: list[dict[str, Any]], s: _Spec, inference: str) -> tuple[int, list[str]]:
    """ek.twfe's checks on the partitions' summaries: clusters (count, nesting, the wild
    bootstrap refused), switching off, staggered timing. Returns clusters and notes."""
    from evalkit.estimate.inference import not_nested_error
    from evalkit.estimate.twfe import staggered_note

    if s.cluster is not None:
        n_bad = sum(p["not_nested"] for p in parts)
        if n_bad:
            raise not_nested_error(s.cluster, s.unit, n_bad)
        n_cl = count_clusters(parts)
    else:
        n_cl = sum(p["n_units"] for p in parts)
    clusters_ready(n_cl, s.cluster if s.cluster is not None else s.unit, inference, dask=W, depth=5)
    n_starts = 0
    if all(p["binary"] for p in parts):
        off = sum(p["switch_off"] for p in parts)
        if off:
            raise switch_off_error(W, s.treatment, s.unit, off,
                                   text_order_note(s.t_values, s.time))
        n_starts = int(np.logical_or.reduce([p["starts"] for p in parts]).sum())
    return n_cl, staggered_note(n_starts, s.treatment, stacklevel=4)


def dask_twfe(args: dict[str, Any]) -> EffectResult:
    """:func:`evalkit.twfe` on a dask DataFrame, by partitions; same result to rounding.

    Supported: unbalanced panels, covariates, ``cluster`` (default ``unit``; a coarser column
    in which units are nested), ``fe_dof``, ``alpha``, analytic t(G-1) inference. Not
    supported (:class:`~evalkit.errors.EstimationError`, compute the frame first):
    ``inference="wild"`` (also ``"auto"`` with fewer than 30 clusters, where the in-memory
    estimator would switch to the wild bootstrap), ``weights``, more than
    :data:`~evalkit.estimate.demean.EXACT_MAX_LEVELS` periods.
    """
    from evalkit.estimate.twfe import TwfeSample, twfe_result

    df, outcome, unit, time = args["df"], args["outcome"], args["unit"], args["time"]
    treatment, cluster, fe_dof, inference = (args["treatment"], args["cluster"], args["fe_dof"],
                                             args["inference"])
    check_column_args(W, outcome=outcome, unit=unit, time=time, treatment=treatment)
    covs = as_list(args["covariates"])
    alpha = check_options(alpha=args["alpha"], fe_dof=fe_dof, inference=inference,
                          reps=args["reps"], boot_weights=args["boot_weights"], seed=args["seed"])
    refuse_dask_options(W, args["weights"], inference)
    base, by_unit, _ = unit_partitioned(df, unit)
    require_columns(base._meta, [outcome, unit, time, treatment, cluster, *covs], W)
    s, dropped, n_ok = _periods(base, _Spec(outcome, unit, time, treatment, tuple(covs), cluster))
    s, parts, t_counts = _counted(by_unit, s)
    n = sum(p["n"] for p in parts)
    if n < n_ok:
        dropped["singletons"] = n_ok - n
    if n == 0:
        raise DataError(f"{W}: no rows left after dropping missing values and singletons",
                        hint="each unit needs at least two periods")
    constant_outcome(W, outcome, min(p["ymin"] for p in parts), max(p["ymax"] for p in parts), n)
    n_cl, notes = _checked(parts, s, inference)
    n_u = sum(p["n_units"] for p in parts)
    present = t_counts > 0
    n_t = int(present.sum())
    M = sum(p["M"] for p in parts)[np.ix_(present, present)]
    r = sum(p["r"] for p in parts)[present]
    gamma = np.zeros((len(s.t_values), r.shape[1]))
    gamma[present] = np.linalg.pinv(M, rcond=1e-12, hermitian=True) @ r
    s = replace(s, gamma=gamma)
    grams = _run(_pass_gram, by_unit, s)
    terms = [treatment, *covs]
    fit = partitioned_ols(
        W, terms, sum(g[0] for g in grams), sum(g[1] for g in grams),
        lambda coef: _run(_pass_scores, by_unit, replace(s, coef=coef)), kind="cluster", n=n,
        k_full=len(terms) + n_u + n_t - 1, nested=n_u - 1 if fe_dof == "nested" else 0,
        n_cl=n_cl, by_value=cluster is not None, strict=False)
    sample = TwfeSample(n_u, n_t, n_cl, cluster if cluster is not None else unit, covs, alpha,
                        dropped, len(notes) > 0, notes)
    spec = spec_of(args, drop=("weights",), covariates=tuple(covs), alpha=alpha)
    return twfe_result(sample, fit, spec,
                       more={"backend": "dask", "npartitions": int(by_unit.npartitions)})
