"""Measure indicators from record tables: filters, counts, sums, means, percentages.

Periods come from the one period calendar, :mod:`evalkit.model.calendar` (contract or calendar
periods clipped to the project period); :func:`project_periods` and :func:`assign_periods` are
re-exported here for the callers that used them from this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit._checks import MAX_VALUE, numeric_column, require_columns
from evalkit.model.calendar import PeriodSpan, assign_periods, period_label, project_periods

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from evalkit.model.indicators import Compute, Indicator

__all__ = ["Measured", "PeriodSpan", "assign_periods", "canonical", "canonical_text",
           "compute_value", "dated_between", "filter_key", "measure", "period_label",
           "project_periods"]


def canonical(values: pd.Series) -> pd.Series:
    """Category values as filters compare them: text, Unicode NFKC (full-width letters, digits
    and spaces become half-width) and stripped of leading/trailing spaces.

    A data value ``"走访 "`` or ``"ＡＢＣ"`` therefore counts for the filter ``走访`` / ``ABC``;
    :mod:`evalkit.data.miscounts` notes every such value in the data-quality checks.
    """
    import pandas as pd

    if isinstance(values.dtype, pd.StringDtype):  # each distinct text made canonical once
        return pd.Series(_canonical_objects(values), index=values.index, name=values.name,
                         dtype="string")
    return _canonical(values)


def _canonical(values: pd.Series) -> pd.Series:
    """:func:`canonical` by pandas' string methods, value by value."""
    return values.astype("string").str.normalize("NFKC").str.strip()


def canonical_text(value: object) -> str:
    """One filter value as :func:`canonical` compares it."""
    import unicodedata

    return unicodedata.normalize("NFKC", str(value)).strip()


#: (string storage, raw text) -> :func:`canonical` of it; filters compare the same few
#: category values thousands of times in one evaluation (and in a portfolio round)
_CANONICAL: dict[tuple[str, str], str] = {}
_CANONICAL_MAX = 200_000


def _canonical_objects(column: pd.Series) -> np.ndarray:
    """:func:`canonical` of a text column as an object array (None where missing).

    Each distinct value is made canonical once (by :func:`_canonical`, the same element-wise
    operations) and remembered.
    """
    import numpy as np
    import pandas as pd

    storage = str(pd.StringDtype().storage)
    raw = column.to_numpy(dtype=object, na_value=None)
    new = sorted({v for v in raw if v is not None and (storage, v) not in _CANONICAL})
    if new:
        if len(_CANONICAL) > _CANONICAL_MAX:
            _CANONICAL.clear()
        done = _canonical(pd.Series(new, dtype="string")).tolist()
        _CANONICAL.update(((storage, v), c) for v, c in zip(new, done, strict=True))
    out = np.empty(len(raw), dtype=object)
    out[:] = [None if v is None else _CANONICAL[storage, v] for v in raw]
    return out


def _text_hits(column: pd.Series, targets: list[str],
               texts: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """``canonical(column).isin(targets).fillna(False)`` as a boolean array.

    A text column is compared as :func:`_canonical_objects`, kept in ``texts`` (by column
    name) when given; other columns go through :func:`canonical` directly.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(column.dtype, pd.StringDtype):
        hit: np.ndarray = canonical(column).isin(targets).fillna(False).to_numpy(dtype=bool)
        return hit
    if texts is None:
        canon = _canonical_objects(column)
    else:
        if column.name not in texts:
            texts[column.name] = _canonical_objects(column)
        canon = texts[column.name]
    hit = np.zeros(len(canon), dtype=bool)
    for target in dict.fromkeys(targets):  # None (missing) equals no text
        hit |= canon == target
    return hit


def _select(df: pd.DataFrame, spec: Compute, where: str) -> pd.DataFrame:
    mask = _mask(df, spec, where)
    if mask is None or bool(mask.all()):
        return df
    return df.loc[mask]


def _mask(df: pd.DataFrame, spec: Compute, where: str,
          texts: dict[str, np.ndarray] | None = None) -> np.ndarray | None:
    """The rows of ``df`` the filters of ``spec`` keep (None: no filter); ``texts`` keeps
    each text column made canonical across calls over the same ``df``."""
    require_columns(df, spec.columns(), where)
    mask = None
    for col, value in spec.filter.items():
        values = value if isinstance(value, list) else [value]
        column = df[col]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            hit = _number_hits(df, col, [float(v) for v in values], where)
        else:
            hit = _text_hits(column, [canonical_text(v) for v in values], texts)
        mask = hit if mask is None else (mask & hit)
    return mask


def _floats(df: pd.DataFrame, col: str, where: str) -> np.ndarray:
    """``numeric_column(df, col, where)`` as a float64 array (not to be written to).

    A column of NumPy number dtype with no infinite value and none beyond ``MAX_VALUE`` is
    what ``numeric_column`` returns it as (``astype("float64")``) and is read directly;
    ``numeric_column`` converts any other column and raises its errors.
    """
    import numpy as np

    column = df[col]
    if _numpy_number(column):
        values: np.ndarray = column.to_numpy(dtype="float64")
        if not bool((np.abs(values) > MAX_VALUE).any()):  # inf > MAX_VALUE; NaN is not
            return values
    floats: np.ndarray = numeric_column(df, col, where).to_numpy(dtype="float64")
    return floats


def _number_hits(df: pd.DataFrame, col: str, targets: list[float], where: str) -> np.ndarray:
    """``numeric_column(df, col, where).isin(targets)`` as a boolean array."""
    import numpy as np

    if any(math.isnan(t) for t in targets):  # isin matches NaN with NaN, == never does
        hit: np.ndarray = numeric_column(df, col, where).isin(targets).to_numpy(dtype=bool)
        return hit
    values = _floats(df, col, where)
    hit = np.zeros(len(values), dtype=bool)
    for target in targets:  # == treats -0.0 and 0.0 as equal, as isin does
        hit |= values == target
    return hit


def compute_value(df: pd.DataFrame, spec: Compute, where: str = "data") -> tuple[float, int]:
    """Value of one :class:`~evalkit.model.indicators.Compute` over ``df`` and the number of
    records behind it (rows counted, distinct values, or non-missing values summed/averaged)."""
    import numpy as np

    mask = _mask(df, spec, where)
    op, col = spec.operation
    if op == "count":
        n = len(df) if mask is None else int(np.count_nonzero(mask))
        return float(n), n
    assert col is not None
    rows = df
    if mask is not None and not bool(mask.all()):  # only the column(s) read: a narrower copy
        rows = (df[col].loc[mask].to_frame() if spec.weight is None or spec.weight == col
                else df[[col, spec.weight]].loc[mask])
    if op == "distinct":
        n = int(rows[col].nunique(dropna=True))
        return float(n), n
    values = numeric_column(rows, col, where).dropna()
    if op == "sum":
        return float(values.sum()), int(values.size)
    if spec.weight is not None:
        return _weighted_mean(rows, values, spec.weight, where)
    return (float(values.mean()) if values.size else math.nan), int(values.size)


def _weighted_mean(rows: pd.DataFrame, values: pd.Series, weight: str,
                   where: str) -> tuple[float, int]:
    """``sum(w * x) / sum(w)`` over the non-missing values; n = values of positive
    weight. A used row whose weight is missing or negative is a :class:`DataError`."""
    import pandas as pd

    from evalkit.errors import DataError

    w = numeric_column(rows, weight, where).loc[values.index]
    bad = w.isna() | (w < 0)
    if bool(bad.any()):
        row = bad.idxmax()
        label = row.item() if hasattr(row, "item") else row
        found = "a missing value" if pd.isna(w.loc[row]) else f"{float(w.loc[row]):g}"
        raise DataError(
            f"{where}: weight column {weight!r} must be a number >= 0 on every row averaged, "
            f"found {found} at row {label!r} ({int(bad.sum())} such row(s))",
            hint="give every record a weight (0 to leave it out), or remove weight: from the "
            "indicator's compute")
    total = float(w.sum())
    n = int((w > 0).sum())
    return (float((w * values).sum()) / total if total > 0 else math.nan), n


@dataclass(frozen=True)
class Measured:
    """One computed value: ``actual`` (already times the factor), ``numerator`` and
    ``denominator`` (NaN unless a percentage/ratio) and ``n`` records behind it."""

    actual: float
    numerator: float
    denominator: float
    n: int


_NONE = Measured(math.nan, math.nan, math.nan, 0)


def _one(ind: Indicator, df: pd.DataFrame, where: str) -> Measured:
    if ind.measure in ("percentage", "ratio"):
        assert ind.numerator is not None and ind.denominator is not None
        num, _ = compute_value(df, ind.numerator, where + ".numerator")
        den, n = compute_value(df, ind.denominator, where + ".denominator")
        return Measured(num / den * ind.factor if den else math.nan, num, den, n)
    if ind.compute is not None:
        value, n = compute_value(df, ind.compute, where + ".compute")
        return Measured(value * ind.factor, math.nan, math.nan, n)
    return _NONE


def _combine(parts: list[Measured], how: str, factor: float) -> Measured:
    parts = [p for p in parts if p.n > 0 or math.isfinite(p.actual)]
    if not parts:
        return _NONE
    n = sum(p.n for p in parts)
    if how == "sum" and all(math.isfinite(p.denominator) for p in parts):
        num = sum(p.numerator for p in parts)
        den = sum(p.denominator for p in parts)
        return Measured(num / den * factor if den else math.nan, num, den, n)
    values = [p.actual for p in parts if math.isfinite(p.actual)]
    if not values:
        return Measured(math.nan, math.nan, math.nan, n)
    value = sum(values) if how == "sum" else max(values) if how == "max" else \
        sum(values) / len(values)
    return Measured(value, math.nan, math.nan, n)


def _latest_reports(df: pd.DataFrame, date: str | None, unit: str | None) -> pd.DataFrame:
    """Each unit's records on its latest date (for running totals reported repeatedly)."""
    if date is None or df.empty:
        return df
    import pandas as pd

    when = pd.to_datetime(df[date], errors="coerce")
    if unit is None:
        return df.loc[(when == when.max()).to_numpy(dtype=bool)]
    latest = when.groupby(df[unit].astype("string")).transform("max")
    return df.loc[(when == latest).to_numpy(dtype=bool)]


def measure(ind: Indicator, df: pd.DataFrame, where: str, *, date: str | None = None,
            latest: bool = False) -> Measured:
    """The indicator's value over the records ``df``, combined over units when configured.

    ``latest=True`` keeps each unit's latest report only (cumulative indicators).
    """
    agg = ind.aggregate
    rows = _latest_reports(df, date, agg.unit) if latest else df
    if agg.unit is None:
        return _one(ind, rows, where)
    parts = [_one(ind, part, where) for _, part in
             rows.groupby(rows[agg.unit].astype("string"), sort=True, dropna=True)]
    return _combine(parts, agg.units, ind.factor)


def dated_between(column: pd.Series, start: object, end: object) -> np.ndarray | None:
    """``(column >= Timestamp(start)) & (column <= Timestamp(end))`` as a boolean array, for
    a column of NumPy datetime64 dtype (NaT compares False); None for any other column
    (dates parsed from text) and for bounds beyond the column's unit."""
    import numpy as np
    import pandas as pd

    if not (isinstance(column.dtype, np.dtype) and column.dtype.kind == "M"):
        return None
    unit = np.datetime_data(column.dtype)[0]
    try:
        lo = pd.Timestamp(start).as_unit(unit).to_datetime64()
        hi = pd.Timestamp(end).as_unit(unit).to_datetime64()
    except (OverflowError, ValueError):  # OutOfBoundsDatetime is a ValueError
        return None
    when = column.to_numpy()
    hit: np.ndarray = (when >= lo) & (when <= hi)
    return hit


def filter_key(spec: Compute) -> tuple[object, ...]:
    """A hashable key of ``spec.filter``: two computations with equal keys keep the same rows.

    Each value carries its type (the filter ``1`` compares numbers, ``True`` and ``"1"`` text).
    """
    def typed(value: object) -> tuple[object, ...]:
        values = value if isinstance(value, list) else [value]
        return tuple((type(v).__name__, v) for v in values)

    return tuple((col, typed(value)) for col, value in spec.filter.items())


def _numpy_number(column: pd.Series) -> bool:
    """Is the column of a NumPy bool, integer or float dtype (numbers without conversion)?"""
    import numpy as np

    return isinstance(column.dtype, np.dtype) and column.dtype.kind in "biuf"
