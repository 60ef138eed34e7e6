"""Validation helpers shared by every stage (validate once, at the boundary).

Inner code trusts what these return. Each helper raises an :mod:`evalkit.errors` class whose
message names the column or option, what was found and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from evalkit.errors import DataError, EstimationError, RenderError, SpecError

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

__all__ = [
    "LANGS",
    "check_choice",
    "check_column_args",
    "check_frame",
    "check_lang",
    "numeric_column",
    "require_columns",
    "require_range",
    "require_values",
    "require_variation",
]


def check_choice(name: str, value: T, choices: Sequence[T]) -> T:
    """Return ``value`` if it is one of ``choices``; otherwise raise :class:`SpecError`.

    >>> check_choice("se", "robust", ("classical", "robust"))
    'robust'
    """
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise SpecError(f"{name}: expected one of {options}, got {value!r}")
    return value


#: the languages evalkit writes (reports, sentences, charts, tables)
LANGS = ("zh", "en")


def check_lang(lang: Any, *, name: str = "lang", where: str | None = None) -> str:
    """Return ``lang`` if evalkit writes that language; otherwise raise :class:`RenderError`.

    The one check of a ``lang=`` argument everywhere in the public API (reports, result
    sentences and plots, comparison tables, the portfolio): a language is a choice about how
    output is written, like a report format, so a bad one is a :class:`RenderError` (a bad
    estimation option, such as ``se=``, is a :class:`SpecError` from :func:`check_choice`).

    >>> check_lang("zh")
    'zh'
    """
    if lang not in LANGS:
        options = ", ".join(repr(c) for c in LANGS)
        raise RenderError(f"{where + ': ' if where else ''}{name}: expected one of {options}, "
                          f"got {lang!r}",
                          hint="write 'zh' for Chinese or 'en' for English")
    return str(lang)


def check_frame(df: Any, where: str = "data", *, allow_empty: bool = False) -> pd.DataFrame:
    """Ensure ``df`` is a pandas DataFrame (with rows unless ``allow_empty``)."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        if type(df).__module__.split(".")[0] == "dask":
            raise DataError(
                f"{where}: a dask {type(df).__name__} is not supported here (only ek.twfe, "
                "ek.did and ek.staggered_did compute by partitions)",
                hint="compute it into memory first (df.compute()) and pass the pandas DataFrame",
            )
        raise DataError(
            f"{where}: expected a pandas DataFrame, got {type(df).__name__}",
            hint="pass a DataFrame, e.g. pd.read_csv(...)",
        )
    if not allow_empty and df.empty:
        raise DataError(f"{where}: the DataFrame has no rows", hint="check the file or filter")
    return df


def _is_label(value: Any) -> bool:
    """A value that can name a DataFrame column (text, or a number/tuple label)."""
    return (isinstance(value, str | int | float | tuple) and not isinstance(value, bool)
            and value != "")


def check_column_args(where: str, **columns: Any) -> None:
    """Raise :class:`SpecError` naming the first argument whose value is not a column name.

    ``columns`` maps argument names to values, e.g. ``check_column_args("did",
    outcome=outcome, group=group)``. Pass only required column arguments: ``None`` (and a
    list, an empty string, a bool) is refused here, whereas :func:`require_columns` lets
    ``None`` stand for an optional column that was not given.
    """
    for arg, value in columns.items():
        if not _is_label(value):
            raise SpecError(
                f"{where}: {arg}= must be the name of a column, got {value!r}",
                hint=f"pass the column name as text, e.g. {arg}='score'",
            )


def require_columns(df: pd.DataFrame, columns: Iterable[str | None], where: str = "data") -> None:
    """Raise :class:`DataError` naming every column in ``columns`` absent from ``df``."""
    wanted = [c for c in columns if c is not None]
    unusable = [c for c in wanted if not _is_label(c)]
    if unusable:
        raise SpecError(
            f"{where}: {unusable[0]!r} is not a column name",
            hint="name each column as text, e.g. covariates=['age', 'income']",
        )
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        have = ", ".join(map(str, list(df.columns)[:12]))
        more = " …" if len(df.columns) > 12 else ""
        names = ", ".join(repr(c) for c in missing)
        raise DataError(
            f"{where}: column {names} not found (columns are: {have}{more})",
            hint="fix the column name in the call or the spec, or add the column to the data",
        )
    if df.columns.is_unique:  # cached by pandas; value_counts costs ~0.5 ms a call
        return
    counts = df.columns.value_counts()
    repeated = [c for c in dict.fromkeys(wanted) if counts.get(c, 0) > 1]
    if repeated:
        names = ", ".join(repr(c) for c in repeated)
        raise DataError(
            f"{where}: column {names} appears more than once in the data "
            f"({', '.join(str(int(counts[c])) for c in repeated)} columns with that name)",
            hint="rename or drop the repeated column(s) so each name is unique",
        )


def numeric_column(df: pd.DataFrame, column: str, where: str = "data") -> pd.Series:
    """Return ``df[column]`` as float64, raising :class:`DataError` on non-numeric values.

    Missing values (NaN/None/empty) stay missing; any other value that is not a number, and
    an infinite value, is an error that quotes the first offending value and its row label —
    never silently coerced.
    """
    import numpy as np
    import pandas as pd

    s = df[column]
    if (pd.api.types.is_complex_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
            or pd.api.types.is_timedelta64_dtype(s) or isinstance(s.dtype, pd.PeriodDtype)):
        raise DataError(
            f"{where}: column {column!r} must hold real numbers, found dtype {s.dtype}",
            hint="convert the column to numbers first (dates: e.g. days since a start date)",
        )
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return _finite(s.astype("float64"), column, where)
    converted = pd.to_numeric(s, errors="coerce")
    bad = converted.isna() & s.notna()
    if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
        bad &= s.astype("string").str.strip().ne("").fillna(True)
    if bool(bad.any()):
        first = bad.idxmax()
        raise DataError(
            f"{where}: column {column!r} must be numeric, found {s.loc[first]!r} "
            f"at row {first!r} ({int(bad.sum())} non-numeric value(s))",
            hint="correct or blank out the value; evalkit never guesses",
        )
    return _finite(converted.astype("float64").where(converted.notna(), np.nan), column, where)


#: numbers larger than this in magnitude are refused as typos (1e308 in a spending cell
#: would print a 300-digit rate; a count of 1e300 would meet any target)
MAX_VALUE = 1e15


def _finite(values: pd.Series, column: str, where: str) -> pd.Series:
    """``values`` unchanged; an infinite value, or one beyond :data:`MAX_VALUE`, is a
    :class:`DataError` naming its row."""
    import numpy as np

    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    huge = np.isfinite(arr) & (np.abs(arr) > MAX_VALUE)
    if bool(huge.any()):
        pos = int(huge.argmax())
        raise DataError(
            f"{where}: column {column!r} holds {float(arr[pos]):.6g} at row "
            f"{values.index[pos]!r}, beyond any plausible value (> {MAX_VALUE:g}; "
            f"{int(huge.sum())} such value(s))",
            hint="correct the value (a typo?); evalkit never guesses",
        )
    inf = np.isinf(arr)
    if bool(inf.any()):
        pos = int(inf.argmax())
        raise DataError(
            f"{where}: column {column!r} must hold finite numbers, found "
            f"{float(values.iloc[pos])!r} at row {values.index[pos]!r} ({int(inf.sum())} infinite "
            "value(s))",
            hint="correct the value or blank it out (a division by zero in the spreadsheet?)",
        )
    return values


def require_range(values: pd.Series, column: str, low: float, high: float, where: str = "data",
                  *, hint: str = "correct the value or the declared range") -> None:
    """Raise :class:`DataError` when a value of ``values`` lies outside ``[low, high]``,
    quoting the first one and its row label (missing values are allowed)."""
    bad = values.notna() & ((values < low) | (values > high))
    if bool(bad.any()):
        row = bad.idxmax()
        raise DataError(
            f"{where}: column {column!r} must lie in [{low:g}, {high:g}], found "
            f"{values[row]:g} at row {row} ({int(bad.sum())} value(s) outside)",
            hint=hint,
        )


def require_values(columns: Mapping[str, Any], where: str = "data") -> None:
    """Raise :class:`DataError` naming every column whose values (array-likes, NaN = missing)
    are all missing — the estimate would otherwise fail later with a message about rows."""
    import numpy as np

    empty = [name for name, values in columns.items()
             if not bool((~np.isnan(np.asarray(values, dtype="float64"))).any())]
    if empty:
        names = ", ".join(repr(c) for c in empty)
        raise DataError(
            f"{where}: column {names} has no usable values (every row is missing)",
            hint="check that the column holds the data (not an empty export) and its name",
        )


def require_variation(values: Any, column: str, where: str = "data") -> None:
    """Raise :class:`EstimationError` when the non-missing ``values`` of ``column`` are all equal.

    A constant outcome has nothing to explain: every coefficient is exactly zero with a zero
    standard error, so no test or interval can be computed.
    """
    import numpy as np

    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    if v.size and bool((v == v[0]).all()):
        raise EstimationError(
            f"{where}: column {column!r} has the same value ({float(v[0]):g}) in all {v.size} "
            "rows used, so there is no variation to estimate an effect from",
            hint="check that the outcome column is the right one and was not overwritten",
        )
