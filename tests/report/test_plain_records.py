"""``plain.records`` reads a table column by column; it must give exactly what pandas'
``DataFrame.to_dict(orient="records")`` gives (values and their Python types), for every
dtype a report table can hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.report.plain import Disclosure, records, table


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
