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
