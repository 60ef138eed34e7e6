"""The records of one table measured many times: by period, to date, for the whole project.

:func:`~evalkit.assess.achievement.indicator_table` measures each indicator over every period,
every period to date and the whole project, and several indicators read the same table with
the same date column and calendar. :class:`Records` measures a subset of rows given as a
boolean mask, from each filter's rows and each numeric column computed once;
:func:`dated_records` finds the records in the project period and their period keys once per
table, date column and calendar (``shared``: a dict kept for one ``indicator_table`` call).
:class:`TableMemo` keeps what :func:`~evalkit.assess.miscounts.intake_checks` computes once
per table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from evalkit._checks import require_columns
from evalkit.assess.measure import (
    _NONE,
    Measured,
    _floats,
    _mask,
    _numpy_number,
    assign_periods,
    canonical,
    dated_between,
    filter_key,
)
from evalkit.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from evalkit.model.indicators import Compute, Indicator

__all__ = ["Dated", "Records", "TableMemo", "dated_records", "parse_dates", "remembered"]

T = TypeVar("T")


class _Unsupported(Exception):
    """A measurement :class:`Records` leaves to :func:`~evalkit.assess.measure.measure`."""


class Records:
    """The records of one table, measured over many subsets of its rows.

    :meth:`measure` gives what :func:`~evalkit.assess.measure.measure` gives for
    ``df.loc[rows]`` without copying the table: each distinct filter's rows and each numeric
    column are computed once, over the whole table, and a subset is a boolean mask. Filters,
    numeric conversion and the counts, sums and means are element-wise, so the values are the
    same, bit for bit (sums add the same values in the same order).

    It covers indicators without ``aggregate.unit``, without latest reports by date and
    without weighted means, over numeric columns of numeric dtype; for anything else, and for
    a table holding a value an error would name (a non-number, a missing column), it returns
    None and the caller measures ``df.loc[rows]`` with ``measure``, which raises every
    error as before, from the subset that holds the value.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self._hits: dict[tuple[object, ...], np.ndarray | None] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._texts: dict[str, np.ndarray] = {}

    def measure(self, ind: Indicator, rows: np.ndarray | None, where: str, *,
                date: str | None = None, latest: bool = False) -> Measured | None:
        """:func:`~evalkit.assess.measure.measure` over the rows ``rows`` keeps (None: all), or
        None (see above)."""
        from evalkit.errors import EvalkitError

        if ind.aggregate.unit is not None or (latest and date is not None):
            return None
        try:
            return self._one(ind, rows, where)
        except (EvalkitError, _Unsupported):
            return None

    def _one(self, ind: Indicator, rows: np.ndarray | None, where: str) -> Measured:
        """``measure._one`` over the rows kept by ``rows``."""
        if ind.measure in ("percentage", "ratio"):
            assert ind.numerator is not None and ind.denominator is not None
            num, _ = self.value(ind.numerator, rows, where + ".numerator")
            den, n = self.value(ind.denominator, rows, where + ".denominator")
            return Measured(num / den * ind.factor if den else math.nan, num, den, n)
        if ind.compute is not None:
            value, n = self.value(ind.compute, rows, where + ".compute")
            return Measured(value * ind.factor, math.nan, math.nan, n)
        return _NONE

    def value(self, spec: Compute, rows: np.ndarray | None, where: str) -> tuple[float, int]:
        """:func:`~evalkit.assess.measure.compute_value` of ``spec`` over the rows kept by
        ``rows`` (None: all)."""
        import numpy as np

        if spec.weight is not None:
            raise _Unsupported(spec.weight)
        require_columns(self.df, spec.columns(), where)
        keep = self._hit(spec, where)
        if rows is not None:
            keep = rows if keep is None else keep & rows
        op, col = spec.operation
        if op == "count":
            n = len(self.df) if keep is None else int(np.count_nonzero(keep))
            return float(n), n
        assert col is not None
        if op == "distinct":
            column = self.df[col] if keep is None else self.df[col].loc[keep]
            n = int(column.nunique(dropna=True))
            return float(n), n
        values = self._number(col, where)
        if keep is not None:
            values = values[keep]
        values = values[~np.isnan(values)]
        if op == "sum":
            return float(values.sum()), int(values.size)
        # pandas' mean: the sum, then divided by the count as a float
        return (float(values.sum() / np.float64(values.size)) if values.size else math.nan,
                int(values.size))

    def _hit(self, spec: Compute, where: str) -> np.ndarray | None:
        """``measure._mask`` of ``spec`` over the whole table, once per distinct filter."""
        key = filter_key(spec)
        if key not in self._hits:
            for col, value in spec.filter.items():
                values = value if isinstance(value, list) else [value]
                if (all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
                        and not _numpy_number(self.df[col])):
                    raise _Unsupported(col)  # numbers read from text: left to measure()
            self._hits[key] = _mask(self.df, spec, where, self._texts)
        return self._hits[key]

    def _number(self, col: str, where: str) -> np.ndarray:
        """``numeric_column`` of a column of numeric dtype, as a float64 array."""
        if col not in self._numbers:
            if not _numpy_number(self.df[col]):
                raise _Unsupported(col)  # numbers read from text: left to measure()
            self._numbers[col] = _floats(self.df, col, where)
        return self._numbers[col]


class Dated(NamedTuple):
    """An indicator's records in the project period, their period keys, how many were not."""

    records: pd.DataFrame
    labels: pd.Series
    left_out: int


def remembered(shared: dict[tuple[Any, ...], Any] | None, key: tuple[Any, ...],
               make: Callable[[], T]) -> T:
    """``make()``, kept in ``shared`` under ``key`` (each key names the table by ``id``, and
    the value holds that table, so the id stays its own while ``shared`` lives)."""
    if shared is None:
        return make()
    if key not in shared:
        shared[key] = make()
    value: T = shared[key]
    return value


def dated_records(df: pd.DataFrame, date: str, start: Any, end: Any, freq: str,
                  kind: str | None, where: str,
                  shared: dict[tuple[Any, ...], Any] | None) -> Dated:
    """The records of ``df`` dated in ``[start, end]`` and their period keys (``freq`` in the
    calendar ``kind``); a value of ``date`` that is not a date is a :class:`DataError`."""
    def make() -> Dated:
        require_columns(df, [date], where)
        inside = dated_between(df[date], start, end)
        if inside is None:  # dates parsed from text
            import pandas as pd

            when = parse_dates(df, date, where)
            inside = ((when >= pd.Timestamp(start)) & (when <= pd.Timestamp(end))).fillna(
                False).to_numpy(dtype=bool)
        left_out = len(inside) - int(inside.sum())
        kept = df.loc[inside] if left_out else df
        labels = assign_periods(kept[date], freq, start=start, end=end, calendar=kind)
        return Dated(kept, labels, left_out)

    return remembered(shared, ("dated", id(df), date, start, end, freq, kind), make)


def parse_dates(df: pd.DataFrame, date: str, where: str) -> pd.Series:
    """``df[date]`` as timestamps; a value that is not a date is a :class:`DataError`."""
    import pandas as pd

    require_columns(df, [date], where)
    when = pd.to_datetime(df[date], errors="coerce", format="mixed")
    bad = (when.isna() & df[date].notna()).to_numpy(dtype=bool)
    if bool(bad.any()):
        pos = int(bad.argmax())
        raise DataError(
            f"{where}: column {date!r} must hold dates like 2025-01-31, found "
            f"{df[date].iloc[pos]!r} at row {df.index[pos]!r} ({int(bad.sum())} value(s))",
            hint="correct the value or blank it out (an undated record is left out)")
    return when


class TableMemo:
    """What one :func:`~evalkit.assess.miscounts.intake_checks` call computes once per table
    rather than once per use:
    each distinct filter's rows, the rows dated in the project period, and each filtered
    column made canonical (:func:`~evalkit.assess.measure.canonical`) with its value counts.
    Keyed by source name, so it never outlives the call's tables."""

    def __init__(self) -> None:
        self.masks: dict[tuple[object, ...], np.ndarray | None] = {}
        self.inside: dict[tuple[str, str], np.ndarray | None] = {}
        self.canonical: dict[tuple[str, str], pd.Series] = {}
        self.counts: dict[tuple[str, str], pd.Series] = {}
        self.texts: dict[str, dict[str, np.ndarray]] = {}

    def mask(self, source: str, df: pd.DataFrame, spec: Compute,
             where: str) -> np.ndarray | None:
        """``measure._mask(df, spec, where)`` (its errors included)."""
        require_columns(df, spec.columns(), where)
        key = (source, filter_key(spec))
        if key not in self.masks:
            self.masks[key] = _mask(df, spec, where, self.texts.setdefault(source, {}))
        return self.masks[key]

    def canonical_of(self, source: str, df: pd.DataFrame, col: str) -> pd.Series:
        """``canonical(df[col])``."""
        if (source, col) not in self.canonical:
            self.canonical[source, col] = canonical(df[col])
        return self.canonical[source, col]

    def counts_of(self, source: str, df: pd.DataFrame, col: str) -> pd.Series:
        """``canonical(df[col]).dropna().value_counts()``."""
        if (source, col) not in self.counts:
            self.counts[source, col] = self.canonical_of(source, df, col).dropna().value_counts()
        return self.counts[source, col]

    def inside_of(self, source: str, df: pd.DataFrame, date: str, start: Any,
                  end: Any) -> np.ndarray | None:
        """The rows of ``df`` dated in ``[start, end]``, for a date column of NumPy
        datetime64 dtype (None for any other column: dates parsed from text are read
        subset by subset, as before)."""
        if (source, date) not in self.inside:
            self.inside[source, date] = dated_between(df[date], start, end)
        return self.inside[source, date]
