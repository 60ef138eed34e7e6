"""``plain.records`` reads a table column by column; it must give exactly what pandas'
``DataFrame.to_dict(orient="records")`` gives (values and their Python types), for every
dtype a report table can hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.core.dtypes.cast import maybe_box_native

from evalkit.data.privacy import drop_personal, is_small, suppress_frame
from evalkit.report.plain import N_COLUMNS, Disclosure, plain, records, table


def _typed(rows: list[dict]) -> list[list[tuple[str, str, str]]]:
    return [[(str(k), type(v).__name__, repr(v)) for k, v in r.items()] for r in rows]


def test_records_equal_pandas_to_dict_for_every_dtype() -> None:
    df = pd.DataFrame({
        "date": pd.to_datetime(["2025-01-01", None]),
        "date_utc": pd.to_datetime(["2025-01-01", None]).tz_localize("UTC"),
        "span": pd.to_timedelta([1, None], unit="D"),
        "f32": np.array([0.1, np.nan], dtype="float32"),
        "f64": [0.25, np.nan],
        "int": [1, 2], "uint8": np.array([1, 2], dtype="uint8"),
        "bool": [True, False],
        "text": ["a", None],
        "string": pd.array(["a", None], dtype="string"),
        "str_python": pd.array(["a", None], dtype=pd.StringDtype("python", na_value=np.nan)),
        "objects": [np.float64(1.5), np.int64(3)],
        "Int64": pd.array([1, None], dtype="Int64"),
        "boolean": pd.array([True, None], dtype="boolean"),
        "category": pd.Categorical(["x", None]),
        "period": pd.period_range("2025-01", periods=2, freq="M"),
        "complex": [1 + 2j, 3j],
    })
    assert _typed(records(df)) == _typed(df.to_dict(orient="records"))


@pytest.mark.filterwarnings("ignore:DataFrame columns are not unique")
def test_duplicate_and_empty_columns_as_pandas() -> None:
    dup = pd.DataFrame([[1, "a"], [2, "b"]], columns=["x", "x"])
    assert records(dup) == dup.to_dict(orient="records")
    empty = pd.DataFrame(index=range(3))
    assert records(empty) == empty.to_dict(orient="records")


def test_table_suppresses_only_rows_below_the_threshold() -> None:
    frame = pd.DataFrame({"group": ["a", "b"], "n": [3, 12], "mean": [2.5, 3.25]})
    out = table(frame, Disclosure(threshold=5))
    assert out is not None
    assert out["records"] == [{"group": "a", "n": "<5", "mean": "<5"},
                              {"group": "b", "n": 12, "mean": 3.25}]
    shown = table(frame.assign(n=[7, 12]), Disclosure(threshold=5))
    assert shown is not None and shown["records"][0] == {"group": "a", "n": 7, "mean": 2.5}


def _table_before(frame: pd.DataFrame, rules: Disclosure, depth: int = 0) -> dict | None:
    """``table`` as it was: suppress_frame on the DataFrame, then plain() cell by cell of
    the values read column by column (numpy columns by ``tolist``, others by iteration)."""
    df = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    names = [str(c) for c in df.columns]
    if rules.person_ids & set(names):
        return None
    if any(c in rules.personal for c in df.columns):
        df = drop_personal(df, rules.personal)
        names = [str(c) for c in df.columns]
    for n_col in (c for c in N_COLUMNS if c in names):
        if any(is_small(n, rules.threshold) for n in df.iloc[:, names.index(n_col)].tolist()):
            df = df.set_axis(names, axis=1)
            numeric = [c for c in names if pd.api.types.is_numeric_dtype(df[c])
                       and not pd.api.types.is_bool_dtype(df[c])]
            df = suppress_frame(df, n_column=n_col, value_columns=numeric,
                                threshold=rules.threshold)
        break
    columns = [col.tolist() if isinstance(col.dtype, np.dtype) and col.dtype != object
               else [maybe_box_native(v) for v in col] for _, col in df.items()]
    rows = list(zip(*columns, strict=True)) if columns else [() for _ in range(len(df))]
    return {"columns": names,
            "records": [{k: plain(v, rules, depth=depth + 1)
                         for k, v in zip(names, row, strict=True)} for row in rows]}


def _frames() -> list[pd.DataFrame]:
    base = pd.DataFrame({
        "group": ["a", "b", None], "n": [3, 12, 0], "mean": [2.5, np.inf, np.nan],
        "f32": np.array([0.1, np.nan, 2], dtype="float32"), "big": [2**62, -3, 7],
        "uint": np.array([1, 2, 3], dtype="uint64"), "flag": [True, False, True],
        "string": pd.array(["x", None, "z"], dtype="string"), "obj": [[1, 2], {"k": 1.5}, None],
        "huge": [10**400, 1, np.float64(2.5)], "when": pd.to_datetime(["2025-01-01", None,
                                                                       "2025-02-03"]),
        "c": [1 + 2j, 3j, 0j], "span": pd.to_timedelta([1, None, 2], unit="D"),
    })
    extension = base.assign(n=pd.array([3, 12, None], dtype="Int64"),
                            share=pd.array([0.5, None, 0.25], dtype="Float64"))
    counts = base.rename(columns={"n": "count"}).assign(n_units=[9, 9, 9])
    indexed = base.set_index("group")
    return [base, base.assign(n=[7, 12, 0]), extension, counts, indexed,
            base.drop(columns=["huge"]), pd.DataFrame(index=range(2))]


@pytest.mark.parametrize("depth", [0, 10, 11, 12])
def test_table_as_before(depth: int) -> None:
    """Reading the columns once, suppression on the read values and plain() by column give
    what suppress_frame and plain() cell by cell gave, value and type."""
    for frame in _frames():
        for rules in (Disclosure(threshold=5), Disclosure(threshold=5, personal=frozenset({"obj"})),
                      Disclosure(threshold=1), Disclosure(threshold=20)):
            try:
                want = _table_before(frame, rules, depth)
            except OverflowError:  # plain() of 10**400, both ways
                with pytest.raises(OverflowError):
                    table(frame, rules, depth=depth)
                continue
            got = table(frame, rules, depth=depth)
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                assert got["columns"] == want["columns"]
                assert _typed(got["records"]) == _typed(want["records"])


@pytest.mark.filterwarnings("ignore:DataFrame columns are not unique")
def test_table_with_repeated_names_as_before() -> None:
    dup = pd.DataFrame([[1, 2.5, 3], [9, 1.5, 12]], columns=["n", "x", "x"])
    rules = Disclosure(threshold=5)
    got, want = table(dup, rules), _table_before(dup, rules)
    assert got is not None and want is not None
    assert _typed(got["records"]) == _typed(want["records"])
