"""Shared helpers for estimators that accept a dask DataFrame (computed by partitions).

Nothing here imports dask at module level: :func:`is_dask` checks the type by its module
name, so an in-memory call never pays for (or needs) dask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit.errors import EstimationError

FloatArray = npt.NDArray[np.float64]

if TYPE_CHECKING:
    from evalkit.estimate.results import EffectResult

__all__ = ["NormalEquations", "cluster_meat", "cluster_scores", "count_clusters", "dask_dispatch",
           "is_dask", "partitioned_ols", "run_partitions", "unit_partitioned", "unsupported"]


def is_dask(df: Any) -> bool:
    """True when ``df`` is a dask collection (checked by module name; dask is not imported)."""
    return type(df).__module__.split(".")[0] == "dask"


def dask_dispatch(name: str, args: dict[str, Any]) -> EffectResult:
    """Call the partitioned version of estimator ``name`` with the caller's arguments (the
    dict of its parameters, in signature order)."""
    import importlib

    module = importlib.import_module(f"evalkit.estimate.dask_{name}")
    result: EffectResult = getattr(module, f"dask_{name}")(dict(args))
    return result


def unsupported(where: str, option: str, why: str = "") -> EstimationError:
    """The error for an option a dask DataFrame does not support (compute the frame first)."""
    extra = f" ({why})" if why else ""
    return EstimationError(
        f"{where}: {option} is not supported on a dask DataFrame{extra}",
        hint="compute the frame into memory first (df.compute()) and call the estimator on "
        "the pandas DataFrame, or leave the option out",
    )


def unit_partitioned(df: Any, unit: str) -> tuple[Any, Any, bool]:
    """``(base, by_unit, shuffled)``: the frame with ``unit`` as a column, and the same frame
    with every unit's rows in one partition.

    A frame indexed by ``unit`` with known divisions (``df.set_index(unit)``, or data written
    partitioned by unit) is used as it is; otherwise the rows are shuffled by ``unit`` (a hash
    shuffle, recomputed in every pass unless the caller ``persist()``-s the frame).
    """
    if df.index.name == unit and unit not in df.columns:
        known = bool(df.known_divisions) or df.npartitions == 1
        df = df.reset_index()
        if known:
            return df, df, False
    if df.npartitions == 1:
        return df, df, False
    return df, df.shuffle(on=unit), True


def run_partitions(fn: Any, frame: Any, spec: Any) -> list[Any]:
    """``[fn(partition, spec) for each partition]``, computed by dask (the active scheduler or
    distributed client), in partition order."""
    import importlib

    dask: Any = importlib.import_module("dask")
    return list(dask.compute(*[dask.delayed(fn)(p, spec) for p in frame.to_delayed()]))


class NormalEquations:
    """Solve X'X b = v for the summed partition grams: the collinearity check with the
    regressors' names, then a Cholesky factor of the column-scaled X'X shared by the first
    solve, the refinement step and the inverse (for the sandwich)."""

    def __init__(self, xtx: Any, names: list[str], where: str) -> None:
        from scipy import linalg

        from evalkit.estimate.inference import check_collinear

        check_collinear(xtx, names, where)
        self._sc = 1.0 / np.sqrt(np.diag(xtx))
        self._cf = linalg.cho_factor(xtx * self._sc[:, None] * self._sc[None, :],
                                     check_finite=False)
        self._k = len(names)

    def solve(self, v: Any) -> Any:
        from scipy import linalg

        return self._sc * linalg.cho_solve(self._cf, self._sc * v, check_finite=False)

    def inverse(self) -> Any:
        from scipy import linalg

        sc = self._sc
        return sc[:, None] * linalg.cho_solve(self._cf, np.eye(self._k),
                                              check_finite=False) * sc[None, :]


def count_clusters(parts: Sequence[dict[str, Any]]) -> int:
    """Distinct cluster values over the partitions' ``"clusters"`` lists."""
    import pandas as pd

    return len(pd.unique(pd.Series([c for p in parts for c in p["clusters"]])))


def cluster_meat(scores: Sequence[Any], by_value: bool) -> FloatArray:
    """CR1 meat: summed per-partition ``S'S`` (clusters within partitions), or ``S'S`` of the
    score sums grouped by cluster value across partitions (``by_value``)."""
    if not by_value:
        return np.asarray(sum(scores), dtype=np.float64)
    import pandas as pd

    S = pd.concat(list(scores)).groupby(level=0, sort=False).sum().to_numpy()
    return np.asarray(S.T @ S, dtype=np.float64)


def cluster_scores(X: FloatArray, e: FloatArray, codes: Any, values: Any) -> Any:
    """One partition's score sums: ``S'S`` over local cluster codes, or (``values`` given) a
    frame of score sums indexed by cluster value, to be summed across partitions."""
    k = X.shape[1]
    if values is None:
        n_c = int(codes.max()) + 1 if len(codes) else 0
        S = np.column_stack([np.bincount(codes, weights=X[:, j] * e, minlength=n_c)
                             for j in range(k)]) if n_c else np.zeros((0, k))
        return S.T @ S
    import pandas as pd

    sc = pd.DataFrame(X * e[:, None], columns=[f"s{j}" for j in range(k)])
    sc["cl"] = values
    return sc.groupby("cl", sort=False).sum()


def sandwich(xtx_inv: FloatArray, meat: FloatArray, factor: float) -> FloatArray:
    """``factor · (X'X)⁻¹ meat (X'X)⁻¹``, symmetrised."""
    v = factor * xtx_inv @ meat @ xtx_inv
    out: FloatArray = (v + v.T) / 2
    return out


def residual_dof(where: str, n: int, k: int) -> None:
    if n - k <= 0:
        raise EstimationError(
            f"{where}: {n} observations for {k} parameters leave no residual degrees of "
            "freedom", hint="use more data or fewer covariates/fixed effects")


def partitioned_ols(where: str, names: list[str], xtx: Any, xty: Any, resid_pass: Any, *,
                    kind: str, n: int, k_full: int, nested: int, n_cl: int | None,
                    by_value: bool, strict: bool = True) -> Any:
    """OLS from summed partition grams, as :func:`~evalkit.estimate.inference.ols_fit`.

    ``resid_pass(coef)`` runs the residual pass and returns, per partition, ``(X'e, e'e,
    meat part)``: ``X'e`` gives one refinement step; the meat parts are ``sum x x' e^2``
    (``kind="robust"``) or cluster score sums (see :func:`cluster_scores`). ``k_full``
    counts every parameter (absorbed effects included), ``nested`` the absorbed effects
    nested in the clusters (left out of K with ``fe_dof="nested"``); ``strict`` checks N > K
    with every parameter counted whatever the kind.
    """
    from evalkit.estimate.inference import OLSFit

    normal = NormalEquations(xtx, names, where)
    coef = normal.solve(xty)
    res = resid_pass(coef)
    coef = coef + normal.solve(sum(r[0] for r in res))  # refinement step
    rss = float(sum(r[1] for r in res))
    xtx_inv = normal.inverse()
    k_dof = k_full if kind != "cluster" else k_full - nested
    residual_dof(where, n, k_full if strict else k_dof)
    if kind == "classical":
        c, df_resid = 1.0, float(n - k_dof)
        vcov = rss / (n - k_dof) * xtx_inv
        vcov = (vcov + vcov.T) / 2
    elif kind == "robust":
        c, df_resid = n / (n - k_dof), float(n - k_dof)
        vcov = sandwich(xtx_inv, sum(r[2] for r in res), c)
    else:
        assert n_cl is not None
        c, df_resid = n_cl / (n_cl - 1) * (n - 1) / (n - k_dof), float(n_cl - 1)
        vcov = sandwich(xtx_inv, cluster_meat([r[2] for r in res], by_value), c)
    return OLSFit(names=tuple(names), coef=coef, vcov=vcov, resid=np.empty(0), n=n,
                  k=len(names), k_dof=k_dof, df_resid=df_resid, kind=kind,  # type: ignore[arg-type]
                  n_clusters=n_cl, rss=rss, small_sample=float(c))
