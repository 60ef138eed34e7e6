"""Turn a long pre/post table into checked pairs (validate once, at the boundary).

Private helper of :mod:`evalkit.estimate.prepost` and the modules built on it. Every check
raises an :mod:`evalkit.errors` class whose message names the column, what was found and how
to fix it. The input frame is only read, never modified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from evalkit._checks import check_column_args, check_frame, numeric_column, require_columns
from evalkit.errors import DataError, EstimationError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Pairs", "equal_mask", "make_pairs", "once_per_frame", "paired_once",
           "seed_wave_mask", "wave_mask"]

T = TypeVar("T")

#: reasons a unit is not used, in the order they are reported
DROP_REASONS = ("only_pre", "only_post", "missing_outcome", "missing_unit")


@dataclass(frozen=True)
class Pairs:
    """Matched pre/post values (one entry per unit) and what was dropped."""

    units: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.pre.shape[0])

    @property
    def n_dropped(self) -> int:
        return int(sum(self.dropped.values()))


def wave_mask(df: pd.DataFrame, time: str, label: Any, role: str, where: str) -> pd.Series:
    """Rows of ``df`` whose ``time`` equals ``label``.

    An exact match is tried first; when nothing matches, the labels are compared as text (so
    ``pre="2024"`` finds the integer wave ``2024`` written by a spreadsheet). A label that is
    not present at all is an error naming the column and the labels that are there.
    """
    shared = _SHARED.get()
    if shared is None:
        return _wave_mask(df, time, label, role, where)
    key = ("wave_mask", id(df), time, type(label), repr(label))
    hit = shared.get(key)
    if hit is not None and hit[0] is df:
        mask: pd.Series = hit[1].copy(deep=False)  # a new object: the caller may change it
        return mask
    mask = _wave_mask(df, time, label, role, where)
    shared[key] = (df, mask.copy(deep=False))
    return mask


def seed_wave_mask(child: pd.DataFrame, time: str, label: Any, parent_mask: Any,
                   rows: Any = None) -> None:
    """Inside :func:`paired_once`: take ``child``'s :func:`wave_mask` for ``label`` from its
    parent frame's (``parent_mask``; ``child`` holds the parent's rows ``rows``, a boolean
    array, or all of them when None), if that has a row; outside, nothing.

    It is the mask :func:`wave_mask` would compute: an exact match on the parent's rows is
    one on the child's, and without any the parent compared the labels as text, as the child
    would. A mask without a row is left to :func:`wave_mask` (the error, or a text match).
    """
    import numpy as np
    import pandas as pd

    shared = _SHARED.get()
    if shared is None:
        return
    values = np.asarray(parent_mask, dtype=bool)
    if rows is not None:
        values = values[rows]
    if len(values) != len(child) or not values.any():
        return
    key = ("wave_mask", id(child), time, type(label), repr(label))
    shared.setdefault(key, (child, pd.Series(values, index=child.index, name=time)))


def equal_mask(col: pd.Series, label: Any) -> pd.Series:
    """``(col == label).fillna(False).astype(bool)``; for a text column and a text label
    compared on the column's array (the same comparison without three Series steps)."""
    import numpy as np
    import pandas as pd

    if not (isinstance(col.dtype, pd.StringDtype) and isinstance(label, str)):
        return (col == label).fillna(False).astype(bool)
    equal = col.array == label
    values = (equal.astype(bool) if isinstance(equal, np.ndarray)
              else equal.to_numpy(dtype=bool, na_value=False))
    return pd.Series(values, index=col.index, name=col.name)


def _wave_mask(df: pd.DataFrame, time: str, label: Any, role: str, where: str) -> pd.Series:
    col = df[time]
    mask = equal_mask(col, label)
    if not bool(mask.any()):
        mask = (col.astype("string") == str(label)).fillna(False).astype(bool)
    if not bool(mask.any()):
        seen = [str(v) for v in col.dropna().unique()[:10]]
        raise DataError(
            f"{where}: {role} wave {label!r} not found in column {time!r} "
            f"(values there: {', '.join(seen) or 'none'})",
            hint=f"pass {role}= one of the values in column {time!r}",
        )
    return mask


def _wave_series(
    rows: pd.DataFrame, values: pd.Series, unit: str, wave: Any, where: str
) -> tuple[pd.Series, int]:
    """Outcome indexed by unit for one wave; rows without a unit id are counted, not used."""
    ids = rows[unit]
    has_id = ids.notna()
    missing_unit = int((~has_id).sum())
    ids = ids[has_id]
    dup = ids.duplicated(keep=False)
    if bool(dup.any()):
        first = ids[dup].iloc[0]
        n_dup = int(ids[dup].nunique())
        raise DataError(
            f"{where}: unit id {first!r} appears more than once in wave {wave!r} "
            f"(column {unit!r}; {n_dup} duplicated id(s) in that wave)",
            hint="keep one row per unit per wave (aggregate or remove repeated measurements)",
        )
    s = values.loc[has_id.to_numpy()].copy()
    s.index = ids.to_numpy()
    return s, missing_unit


#: within :func:`paired_once`: (what, id of frame, arguments) -> (frame, its pairs / wave
#: mask / other value computed once per frame, see :func:`once_per_frame`)
_SHARED: ContextVar[dict[tuple[Any, ...], tuple[Any, Any]] | None] = ContextVar(
    "evalkit_shared_pairs", default=None)


def once_per_frame(df: Any, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or inside :func:`paired_once` the value it returned for the same frame
    object (or other object, e.g. a :class:`Pairs`) and ``key`` (only successful results are
    kept, so an error is raised by each caller that meets it). The value is shared: callers
    must not change it in place."""
    shared = _SHARED.get()
    if shared is None:
        return compute()
    full = ("once", id(df), *key)
    hit = shared.get(full)
    if hit is not None and hit[0] is df:
        value: T = hit[1]
        return value
    value = compute()
    shared[full] = (df, value)
    return value


@contextmanager
def paired_once() -> Iterator[None]:
    """Inside this block :func:`make_pairs` pairs each frame once.

    Several analyses of one outcome (paired t, Wilcoxon, reliable change, ANCOVA, attrition)
    each pair the same long table; inside the block a second call with the same frame object,
    columns and wave labels returns the first call's :class:`Pairs` (its arrays read-only)
    instead of validating and matching the waves again. Only successful pairings are shared,
    so every error is still raised by the call that meets it, with that caller's name.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def make_pairs(
    df: Any, outcome: str, unit: str, time: str, pre: Any, post: Any, where: str = "prepost"
) -> Pairs:
    """Validate the long table and return matched pairs (once per frame in
    :func:`paired_once`).

    Raises
    ------
    DataError
        Not a DataFrame or empty, missing columns, pre/post label absent from ``time``,
        non-numeric outcome, duplicated unit within a wave, ``pre == post``.
    EstimationError
        No unit has a usable value in both waves.
    """
    shared = _SHARED.get()
    if shared is None:
        return _make_pairs(df, outcome, unit, time, pre, post, where)
    key = ("pairs", id(df), outcome, unit, time, type(pre), repr(pre), type(post), repr(post))
    hit = shared.get(key)
    if hit is not None and hit[0] is df:
        cached: Pairs = hit[1]
        return cached
    pairs = _make_pairs(df, outcome, unit, time, pre, post, where)
    for array in (pairs.units, pairs.pre, pairs.post):
        array.setflags(write=False)  # shared between analyses: never changed in place
    shared[key] = (df, pairs)
    return pairs


_Matched = tuple[Any, "np.ndarray", "np.ndarray", int, int, int, int]


def _match_waves(
    column: pd.Series, either: np.ndarray, values: pd.Series, in_pre: np.ndarray,
) -> _Matched | None:
    """Each unit's pre and post value, as :func:`_match_waves_pandas` on the arrays (unit
    ids ``column``, rows ``either`` of the two waves); None when that function must decide
    (a unit id repeated in a wave, or the two waves' ids of different dtypes, or an
    extension dtype other than text)."""
    import numpy as np
    import pandas as pd

    if not isinstance(column.dtype, np.dtype | pd.StringDtype):
        return None  # e.g. Int64: to_numpy() of the column would change its kind
    ids = column.to_numpy()[either]
    vals = values.to_numpy(dtype="float64")
    has_id = ~pd.isna(ids)
    waves = []
    for in_wave in (in_pre, ~in_pre):
        keep = in_wave & has_id
        index = pd.Index(ids[keep])
        if not index.is_unique:
            return None
        waves.append((index, vals[keep], int((in_wave & ~has_id).sum())))
    (pre_ids, pre_vals, miss_pre), (post_ids, post_vals, miss_post) = waves
    if pre_ids.dtype != post_ids.dtype:
        return None
    # the units of both waves in the pre wave's order (Index.intersection(sort=False))
    at = post_ids.get_indexer(pre_ids)
    found = at >= 0
    n_both = int(found.sum())
    return (pre_ids[found], pre_vals[found], post_vals[at[found]], len(pre_ids) - n_both,
            len(post_ids) - n_both, miss_pre, miss_post)


def _match_waves_pandas(
    used: pd.DataFrame, values: pd.Series, in_pre: np.ndarray, unit: str, pre: Any,
    post: Any, where: str,
) -> _Matched:
    """Each unit's pre and post value: ``(units in both waves, pre values, post values,
    units only in pre, units only in post, rows without a unit id in pre, in post)``."""
    pre_s, miss_pre = _wave_series(used.loc[in_pre], values.loc[in_pre], unit, pre, where)
    post_s, miss_post = _wave_series(used.loc[~in_pre], values.loc[~in_pre], unit, post, where)
    pre_ids = pre_s.index
    post_ids = post_s.index
    both = pre_ids.intersection(post_ids, sort=False)
    only_pre = len(pre_ids.difference(post_ids, sort=False))
    only_post = len(post_ids.difference(pre_ids, sort=False))
    x = pre_s.loc[both].to_numpy(dtype="float64")
    y = post_s.loc[both].to_numpy(dtype="float64")
    return both, x, y, only_pre, only_post, miss_pre, miss_post


def _rows_of(frame: pd.DataFrame, rows: np.ndarray, column: str) -> pd.DataFrame:
    """``frame.loc[rows, [column]]`` (``rows`` a boolean array), without the list lookup."""
    if not frame.columns.is_unique:
        return frame.loc[rows, [column]]
    values = frame[column]
    return (values if rows.all() else values[rows]).to_frame()


def _make_pairs(
    df: Any, outcome: str, unit: str, time: str, pre: Any, post: Any, where: str
) -> Pairs:
    import numpy as np

    frame = check_frame(df, where)
    check_column_args(where, outcome=outcome, unit=unit, time=time)
    require_columns(frame, [outcome, unit, time], where)
    if len({outcome, unit, time}) < 3:
        raise DataError(
            f"{where}: outcome, unit and time must be three different columns, "
            f"got outcome={outcome!r}, unit={unit!r}, time={time!r}",
            hint="name the outcome, the person id and the wave columns",
        )
    pre_mask = wave_mask(frame, time, pre, "pre", where).to_numpy()
    post_mask = wave_mask(frame, time, post, "post", where).to_numpy()
    if bool((pre_mask & post_mask).any()):
        raise DataError(
            f"{where}: pre={pre!r} and post={post!r} select the same rows of column {time!r}",
            hint="pass two different wave labels",
        )
    either = pre_mask | post_mask
    # the outcome of the two waves' rows (a non-number is named by its row label)
    values = numeric_column(_rows_of(frame, either, outcome), outcome, where)
    in_pre = pre_mask[either]
    matched = _match_waves(frame[unit], either, values, in_pre)
    if matched is None:  # a repeated unit id in a wave (error), or ids of two kinds
        matched = _match_waves_pandas(frame.loc[either, [unit, outcome]], values, in_pre,
                                      unit, pre, post, where)
    both, x, y, only_pre, only_post, miss_pre, miss_post = matched
    ok = np.isfinite(x) & np.isfinite(y)
    dropped = {
        "only_pre": only_pre,
        "only_post": only_post,
        "missing_outcome": int((~ok).sum()),
        "missing_unit": miss_pre + miss_post,
    }
    dropped = {k: v for k, v in dropped.items() if v}
    if not bool(ok.any()):
        why = ", ".join(f"{k}: {v}" for k, v in dropped.items()) or "no rows"
        raise EstimationError(
            f"{where}: no unit has a value of {outcome!r} in both wave {pre!r} and wave "
            f"{post!r} of column {time!r} ({why})",
            hint=f"check that column {unit!r} uses the same ids in both waves",
        )
    return Pairs(units=np.asarray(both)[ok], pre=x[ok], post=y[ok], dropped=dropped)
