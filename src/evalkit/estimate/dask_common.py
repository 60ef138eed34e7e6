"""Shared helpers for estimators that accept a dask DataFrame (computed by partitions).

Nothing here imports dask at module level: :func:`is_dask` checks the type by its module
name, so an in-memory call never pays for (or needs) dask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.errors import EstimationError

if TYPE_CHECKING:
    from evalkit.estimate.results import EffectResult

__all__ = ["dask_dispatch", "is_dask", "run_partitions", "unit_partitioned", "unsupported"]


def is_dask(df: Any) -> bool:
    """True when ``df`` is a dask collection (checked by module name; dask is not imported)."""
    return type(df).__module__.split(".")[0] == "dask"


def dask_dispatch(name: str, args: dict[str, Any]) -> EffectResult:
    """Call the partitioned version of estimator ``name`` with the caller's arguments."""
    import importlib

    module = importlib.import_module(f"evalkit.estimate.dask_{name}")
    result: EffectResult = getattr(module, f"dask_{name}")(**args)
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
        import numpy as np
        from scipy import linalg

        from evalkit.errors import EstimationError
        from evalkit.estimate.inference import collinear_columns

        bad = collinear_columns(xtx)
        if bad:
            cols = ", ".join(repr(names[j]) for j in sorted(bad))
            raise EstimationError(
                f"{where}: regressor(s) {cols} are collinear with the others (or constant "
                "within the fixed effects) and cannot be estimated",
                hint="drop the named covariate(s), or remove ones that repeat another column "
                "or do not vary within units")
        self._sc = 1.0 / np.sqrt(np.diag(xtx))
        self._cf = linalg.cho_factor(xtx * self._sc[:, None] * self._sc[None, :],
                                     check_finite=False)
        self._k = len(names)

    def solve(self, v: Any) -> Any:
        from scipy import linalg

        return self._sc * linalg.cho_solve(self._cf, self._sc * v, check_finite=False)

    def inverse(self) -> Any:
        import numpy as np
        from scipy import linalg

        sc = self._sc
        return sc[:, None] * linalg.cho_solve(self._cf, np.eye(self._k),
                                              check_finite=False) * sc[None, :]
