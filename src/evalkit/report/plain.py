"""Turn the objects of an Evaluation into plain data a template can read safely.

Templates only ever see ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` and
``None``: no DataFrames, no pydantic models, no methods to call. Every table passes through
disclosure control on the way (personal columns dropped, small cells suppressed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from evalkit.data.privacy import drop_personal, is_small, small_cell, suppress_frame

__all__ = ["Disclosure", "bilingual", "plain", "records", "table"]

#: columns that count the people behind a row of a supporting table
N_COLUMNS = ("n", "n_units", "n_people", "count", "respondents")


@dataclasses.dataclass(frozen=True)
class Disclosure:
    """The project's disclosure rules, carried through the conversion."""

    threshold: int = 5
    personal: frozenset[str] = frozenset()
    person_ids: frozenset[str] = frozenset()


def _number(x: Any) -> Any:
    value = float(x)
    if not math.isfinite(value):
        return None
    if isinstance(x, bool):
        return bool(x)
    if isinstance(x, int) or (hasattr(x, "dtype") and getattr(x.dtype, "kind", "") in "iu"):
        return int(x)
    return value


def table(frame: Any, rules: Disclosure, *, depth: int = 0) -> dict[str, Any] | None:
    """DataFrame -> ``{"columns": [...], "records": [{column: value}, ...]}``.

    Personal columns are dropped; in rows whose people count (a column named ``n``,
    ``n_units`` …) is below the threshold every numeric cell becomes ``"<k"``. A table with
    one row per person (it has a person-id column such as ``worker_id``) is never shown:
    the result is None.
    """
    import pandas as pd

    df = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    if not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index()
    names = [str(c) for c in df.columns]
    if rules.person_ids & set(names):
        return None
    if any(c in rules.personal for c in df.columns):
        df = drop_personal(df, rules.personal)
        names = [str(c) for c in df.columns]
    hidden: tuple[list[bool], list[int]] | None = None
    for n_col in (c for c in N_COLUMNS if c in names):
        counts = df.iloc[:, names.index(n_col)].tolist()
        if any(is_small(n, rules.threshold) for n in counts):  # else nothing to suppress
            hidden = _small_rows(df, names, n_col, rules.threshold)
            if hidden is None:  # the general way: suppress_frame on the DataFrame
                df = df.set_axis(names, axis=1)
                numeric = [c for c in names if pd.api.types.is_numeric_dtype(df[c])
                           and not pd.api.types.is_bool_dtype(df[c])]
                df = suppress_frame(df, n_column=n_col, value_columns=numeric,
                                    threshold=rules.threshold)
        break
    columns, kinds = _read(df)
    if hidden is not None:  # what suppress_frame does, on the columns read
        small, numeric_at = hidden
        cell = small_cell(rules.threshold)
        for i in numeric_at:
            columns[i] = [cell if s else v for v, s in zip(columns[i], small, strict=True)]
    if depth + 1 > _MAX_DEPTH or not columns:
        records = [{k: plain(v, rules, depth=depth + 1) for k, v in zip(names, row, strict=True)}
                   for row in _zipped(columns, len(df))]
    else:
        cells = [_plain_column(values, kind, i in (hidden[1] if hidden else ()), rules,
                               depth + 1)
                 for i, (values, kind) in enumerate(zip(columns, kinds, strict=True))]
        records = [dict(zip(names, row, strict=True)) for row in zip(*cells, strict=True)]
    return {"columns": names, "records": records}


def _small_rows(df: Any, names: list[str], n_col: str, threshold: int
                ) -> tuple[list[bool], list[int]] | None:
    """The rows whose ``n_col`` is small and the positions of the columns
    :func:`~evalkit.data.privacy.suppress_frame` would change in them (numeric, not bool),
    to replace those cells in the columns as read; None (suppress the DataFrame) when a
    name is repeated or a numeric column is not a numpy one (its values could be read
    differently once made object)."""
    import numpy as np
    import pandas as pd

    if len(set(names)) != len(names):
        return None
    numeric_at = []
    for i, dtype in enumerate(df.dtypes):
        if isinstance(dtype, np.dtype):
            if dtype.kind in "iufc":  # is_numeric_dtype and not is_bool_dtype, for numpy
                numeric_at.append(i)
        elif pd.api.types.is_numeric_dtype(dtype):
            return None
    small = [is_small(n, threshold) for n in df.iloc[:, names.index(n_col)].tolist()]
    return small, numeric_at


#: depth past which :func:`plain` writes a value as text
_MAX_DEPTH = 12
#: Python ints :func:`plain` returns as they are (``float(x)`` of a larger one overflows)
_INT_LIMIT = 2**64


def _plain_column(values: list[Any], kind: str, changed: bool, rules: Disclosure,
                  depth: int) -> list[Any]:
    """``[plain(v, rules, depth=depth) for v in values]`` for one column read by
    :func:`_columns` (``depth`` at most ``_MAX_DEPTH``): a numpy column of numbers or flags
    (not ``changed`` by suppression) holds Python bools, ints and floats, which ``plain``
    returns as they are (a float that is not finite as None); other columns go cell by
    cell, with the common plain values told apart by type first."""
    if not changed and kind in ("b", "i", "u"):
        return values
    if not changed and kind == "f":
        return [v if math.isfinite(v) else None for v in values]
    out = []
    for v in values:
        cls = type(v)
        if v is None or cls is str or cls is bool:
            out.append(v)
        elif cls is float:
            out.append(v if math.isfinite(v) else None)
        elif cls is int and -_INT_LIMIT < v < _INT_LIMIT:
            out.append(v)
        else:
            out.append(plain(v, rules, depth=depth))
    return out


def records(df: Any) -> list[Any]:
    """``df.to_dict(orient="records")``, the same values, read column by column (see
    :func:`_columns`)."""
    columns = list(df.columns)
    return [dict(zip(columns, row, strict=True)) for row in _rows(df)]


def _rows(df: Any) -> list[tuple[Any, ...]]:
    """The rows of ``df`` as tuples of the values of :func:`_columns`."""
    return _zipped(_columns(df), len(df))


def _zipped(columns: list[list[Any]], length: int) -> list[tuple[Any, ...]]:
    return list(zip(*columns, strict=True)) if columns else [() for _ in range(length)]


def _columns(df: Any) -> list[list[Any]]:
    """The columns of ``df`` as lists of exactly the values ``DataFrame.to_dict(orient=
    "records")`` gives: a numpy column as Python numbers (its ``tolist``), an object or
    extension column by iteration with pandas' own unboxing (numpy scalars to Python
    numbers, ``NA`` to None). About a third of ``to_dict``'s time on the small tables of a
    report."""
    return _read(df)[0]


def _read(df: Any) -> tuple[list[list[Any]], list[str]]:
    """:func:`_columns` and the numpy kind of each column ("" for object and extension
    columns)."""
    import numpy as np
    import pandas as pd
    from pandas.core.dtypes.cast import maybe_box_native

    columns = []
    kinds = []
    for _, col in df.items():  # by position: duplicate names stay apart
        dtype = col.dtype
        numpy = isinstance(dtype, np.dtype) and dtype != np.dtype(object)
        kinds.append(dtype.kind if numpy else "")
        if numpy:
            columns.append(col.tolist())
        elif isinstance(dtype, pd.StringDtype):
            # str or NaN (or NA, which the unboxing makes None): the same values as by
            # iteration, without a lookup per cell (ten times faster)
            na = pd.NA
            columns.append([None if v is na else v for v in col.tolist()])
        else:
            columns.append([maybe_box_native(v) for v in col])
    return columns, kinds


def plain(obj: Any, rules: Disclosure, *, depth: int = 0) -> Any:
    """Recursively convert ``obj`` to plain data (see module docstring).

    Handles None, numbers (NaN -> None), numpy scalars and arrays, text, dates, enums, paths,
    two-language texts, pydantic models, dataclasses (fields), DataFrames / Series (tables),
    mappings and sequences; anything else becomes ``str(obj)``.
    """
    if depth > _MAX_DEPTH:
        return str(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, bool):
        return obj
    if type(obj) is float:  # what _number gives a Python float, without its checks
        return obj if math.isfinite(obj) else None
    if isinstance(obj, int | float):
        return _number(obj)
    if isinstance(obj, enum.Enum):
        return plain(obj.value, rules, depth=depth + 1)
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return obj.name
    try:
        import numpy as np
        import pandas as pd
    except ImportError:  # pragma: no cover
        np = pd = None  # type: ignore[assignment]
    if np is not None:
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer | np.floating):
            return _number(obj)
        if isinstance(obj, np.ndarray):
            return [plain(v, rules, depth=depth + 1) for v in obj.tolist()]
    if pd is not None:
        if isinstance(obj, pd.DataFrame):
            return table(obj, rules, depth=depth)
        if isinstance(obj, pd.Series):
            return table(obj.to_frame(name=obj.name or "value"), rules, depth=depth)
        if obj is pd.NA or obj is pd.NaT:
            return None
        if isinstance(obj, pd.Timestamp):
            return obj.isoformat()
    if hasattr(obj, "zh") and hasattr(obj, "en") and not isinstance(obj, Mapping):
        return {"zh": str(obj.zh), "en": str(obj.en)}
    if hasattr(obj, "model_dump"):
        return plain(obj.model_dump(), rules, depth=depth + 1)
    if hasattr(obj, "to_frame") and hasattr(obj, "estimate"):
        from evalkit.report.effects import effect_record

        return effect_record(obj, rules)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)
                  if not f.name.startswith("_")}
        return {k: plain(v, rules, depth=depth + 1) for k, v in fields.items()}
    if isinstance(obj, Mapping):
        return {str(k): plain(v, rules, depth=depth + 1) for k, v in obj.items()}
    if isinstance(obj, Iterable) and not isinstance(obj, bytes | bytearray):
        return [plain(v, rules, depth=depth + 1) for v in obj]
    return str(obj)


def bilingual(obj: Any) -> dict[str, str] | None:
    """``{"zh", "en"}`` of a two-language text (a plain value is used for both); None stays None."""
    if obj is None:
        return None
    return {"zh": str(getattr(obj, "zh", obj)), "en": str(getattr(obj, "en", obj))}
