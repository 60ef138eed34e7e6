"""Validation helpers shared by every stage (validate once, at the boundary).

Inner code trusts what these return. Each helper raises an :mod:`evalkit.errors` class whose
message names the column or option, what was found and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from evalkit.errors import DataError, SpecError

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

__all__ = ["check_choice", "check_frame", "numeric_column", "require_columns"]


def check_choice(name: str, value: T, choices: Sequence[T]) -> T:
    """Return ``value`` if it is one of ``choices``; otherwise raise :class:`SpecError`.

    >>> check_choice("se", "robust", ("classical", "robust"))
    'robust'
    """
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise SpecError(f"{name}: expected one of {options}, got {value!r}")
    return value


def check_frame(df: Any, where: str = "data") -> pd.DataFrame:
    """Ensure ``df`` is a non-empty pandas DataFrame."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"{where}: expected a pandas DataFrame, got {type(df).__name__}",
            hint="pass a DataFrame, e.g. pd.read_csv(...)",
        )
    if df.empty:
        raise DataError(f"{where}: the DataFrame has no rows", hint="check the file or filter")
    return df


def require_columns(df: pd.DataFrame, columns: Iterable[str | None], where: str = "data") -> None:
    """Raise :class:`DataError` naming every column in ``columns`` absent from ``df``."""
    wanted = [c for c in columns if c is not None]
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        have = ", ".join(map(str, list(df.columns)[:12]))
        more = " …" if len(df.columns) > 12 else ""
        names = ", ".join(repr(c) for c in missing)
        raise DataError(
            f"{where}: column {names} not found (columns are: {have}{more})",
            hint="fix the column name in the call or the spec, or add the column to the data",
        )


def numeric_column(df: pd.DataFrame, column: str, where: str = "data") -> pd.Series:
    """Return ``df[column]`` as float64, raising :class:`DataError` on non-numeric values.

    Missing values (NaN/None/empty) stay missing; any other value that is not a number is an
    error that quotes the first offending value and its row label — never silently coerced.
    """
    import numpy as np
    import pandas as pd

    s = df[column]
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64")
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
    return converted.astype("float64").where(converted.notna(), np.nan)
