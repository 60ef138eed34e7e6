"""Measure indicators from record tables: periods, filters, counts, sums, means, percentages.

Periods are calendar weeks (ISO, Monday to Sunday, labelled ``2025-W03``), months (``2025-01``),
quarters (``2025-Q1``) and years (``2025``), clipped to the project period: a project that
starts on a Wednesday has a first week of five days. :func:`project_periods` lists them with
their clipped start and end and how many of their days fall inside the project.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit._checks import numeric_column, require_columns

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.model.indicators import Compute, Indicator

__all__ = ["Measured", "PeriodSpan", "assign_periods", "compute_value", "measure",
           "period_label", "project_periods"]


@dataclass(frozen=True)
class PeriodSpan:
    """One reporting period clipped to the project: label, first and last day inside it,
    ``days`` inside the project and ``full_days`` of the calendar period."""

    label: str
    start: dt.date
    end: dt.date
    days: int
    full_days: int

    @property
    def partial(self) -> bool:
        """True when the project covers only part of the calendar period."""
        return self.days < self.full_days


def _period_start(day: dt.date, freq: str) -> dt.date:
    if freq == "week":
        return day - dt.timedelta(days=day.weekday())
    if freq == "month":
        return day.replace(day=1)
    if freq == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def _next_start(start: dt.date, freq: str) -> dt.date:
    if freq == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[freq]
    m = start.month - 1 + months
    return dt.date(start.year + m // 12, m % 12 + 1, 1)


def period_label(day: dt.date, freq: str) -> str:
    """The label of the calendar period holding ``day`` ("2025-W03", "2025-01", "2025-Q1", "2025")."""
    if freq == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if freq == "month":
        return f"{day.year}-{day.month:02d}"
    if freq == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"


def project_periods(start: dt.date, end: dt.date, freq: str) -> list[PeriodSpan]:
    """Calendar periods overlapping ``[start, end]``, clipped to it, in order.

    Examples
    --------
    >>> [p.label for p in project_periods(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "quarter")]
    ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']
    >>> project_periods(dt.date(2025, 1, 1), dt.date(2025, 1, 31), "week")[0].days
    5
    """
    out: list[PeriodSpan] = []
    p = _period_start(start, freq)
    while p <= end:
        nxt = _next_start(p, freq)
        lo, hi = max(p, start), min(nxt - dt.timedelta(days=1), end)
        out.append(PeriodSpan(period_label(p, freq), lo, hi, (hi - lo).days + 1, (nxt - p).days))
        p = nxt
    return out


def assign_periods(dates: pd.Series, freq: str) -> pd.Series:
    """Period label of each date (missing dates give missing labels)."""
    import pandas as pd

    parsed = pd.to_datetime(dates, errors="coerce")
    labels = [period_label(d.date(), freq) if not pd.isna(d) else None for d in parsed]
    return pd.Series(labels, index=dates.index, dtype="string")


def _select(df: pd.DataFrame, spec: Compute, where: str) -> pd.DataFrame:
    require_columns(df, spec.columns(), where)
    mask = None
    for col, value in spec.filter.items():
        values = value if isinstance(value, list) else [value]
        column = df[col]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            hit = numeric_column(df, col, where).isin([float(v) for v in values])
        else:
            hit = column.astype("string").isin([str(v) for v in values]).fillna(False)
        mask = hit if mask is None else (mask & hit)
    return df if mask is None else df.loc[mask.to_numpy(dtype=bool)]


def compute_value(df: pd.DataFrame, spec: Compute, where: str = "data") -> tuple[float, int]:
    """Value of one :class:`~evalkit.model.indicators.Compute` over ``df`` and the number of
    records behind it (rows counted, distinct values, or non-missing values summed/averaged)."""
    rows = _select(df, spec, where)
    op, col = spec.operation
    if op == "count":
        return float(len(rows)), len(rows)
    assert col is not None
    if op == "distinct":
        n = int(rows[col].nunique(dropna=True))
        return float(n), n
    values = numeric_column(rows, col, where).dropna()
    if op == "sum":
        return float(values.sum()), int(values.size)
    return (float(values.mean()) if values.size else math.nan), int(values.size)


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
