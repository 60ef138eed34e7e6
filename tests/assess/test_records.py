"""``records.Records`` (masks over one table) against ``measure`` over copied subsets.

The indicator table measures every period, every period to date and the whole project through
:class:`~evalkit.assess.records.Records`; where it declines (units, weights, numbers stored as
text, a value an error names) :func:`~evalkit.assess.measure.measure` runs on the copied
records. Both must give the same values bit for bit, and the errors of the copied subsets.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from evalkit._checks import numeric_column
from evalkit.assess.achievement import indicator_rows
from evalkit.assess.measure import (
    _canonical,
    _floats,
    _number_hits,
    _text_hits,
    canonical,
    filter_key,
    measure,
)
from evalkit.assess.records import Records
from evalkit.errors import DataError
from evalkit.model.indicators import Compute, Indicator

RNG = np.random.default_rng(16)
N = 60
LOG = pd.DataFrame({
    "kind": pd.array(RNG.choice(["visit", "group", " visit", "ｇroup", None], N),
                     dtype="string"),
    "site": RNG.choice(["a", "b", "c"], N),
    "hours": np.where(RNG.random(N) < 0.2, np.nan, RNG.random(N) * 7.3),
    "ok": RNG.integers(0, 2, N).astype("float64"),
    "flag": RNG.random(N) < 0.5,
    "w": RNG.random(N),
})


def ind(**kw: object) -> Indicator:
    base: dict[str, object] = {"id": "X", "name": "x", "level": "outputs", "target": 10}
    return Indicator.model_validate({**base, **kw})


SPECS = [
    ind(compute={"count": True}),
    ind(compute={"filter": {"kind": "visit"}, "count": True}),
    ind(compute={"filter": {"kind": ["visit", "group"]}, "sum": "hours"}),
    ind(compute={"filter": {"ok": 1, "kind": "group"}, "mean": "hours"}, measure="mean"),
    ind(compute={"distinct": "site", "filter": {"flag": True}}),
    ind(compute={"sum": "hours"}, factor=0.1),
    ind(measure="percentage", numerator={"filter": {"ok": [1, 1.0]}, "count": True},
        denominator={"count": True}),
    ind(measure="ratio", numerator={"sum": "hours", "filter": {"kind": "visit"}},
        denominator={"sum": "hours"}),
]
SUBSETS = [None, np.zeros(N, dtype=bool), np.arange(N) < 20, RNG.random(N) < 0.5,
           RNG.random(N) < 0.9]


@pytest.mark.parametrize("spec", SPECS, ids=range(len(SPECS)))
def test_records_equal_measure_of_the_copied_subset(spec: Indicator) -> None:
    records = Records(LOG)
    for rows in SUBSETS:
        fast = records.measure(spec, rows, "log")
        slow = measure(spec, LOG if rows is None else LOG.loc[rows], "log")
        assert fast is not None
        assert repr(fast) == repr(slow)  # bit for bit, NaN included


@pytest.mark.parametrize("spec", [
    ind(compute={"sum": "hours"}, aggregate={"unit": "site"}),
    ind(compute={"mean": "hours", "weight": "w"}, measure="mean"),
])
def test_records_leave_units_and_weights_to_measure(spec: Indicator) -> None:
    assert Records(LOG).measure(spec, None, "log") is None


def test_records_leave_latest_reports_by_date_to_measure() -> None:
    spec = ind(compute={"count": True})
    assert Records(LOG).measure(spec, None, "log", date="kind", latest=True) is None
    assert Records(LOG).measure(spec, None, "log", latest=True) is not None


def test_records_leave_numbers_stored_as_text_to_measure() -> None:
    text = LOG.assign(hours=LOG["hours"].astype("string"), ok=LOG["ok"].astype("string"))
    for spec in (SPECS[2], SPECS[6]):
        assert Records(text).measure(spec, None, "log") is None
        assert repr(measure(spec, text, "log")) == repr(measure(spec, LOG, "log"))


def test_records_decline_a_table_with_a_bad_value_that_a_subset_may_not_hold() -> None:
    bad = LOG.assign(hours=LOG["hours"].where(LOG.index != 50, np.inf))
    spec = SPECS[5]
    assert Records(bad).measure(spec, np.arange(N) < 20, "log") is None
    # the copied subset without the value is measured; the one with it raises as before
    assert measure(spec, bad.loc[np.arange(N) < 20], "log").n > 0
    with pytest.raises(DataError, match="finite numbers"):
        measure(spec, bad, "log")


def test_filter_key_tells_numbers_from_text_and_flags() -> None:
    keys = {filter_key(Compute.model_validate({"filter": {"ok": v}, "count": True}))
            for v in (1, 1.0, True, "1")}
    assert len(keys) == 4


# ---- indicator_rows: one dict shared by the indicators of one table ------------------------
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
DATED = LOG.assign(date=pd.Series(pd.date_range("2024-12-01", periods=N, freq="7D")).where(
    np.arange(N) % 11 != 3))   # some undated, some after the project period


def _rows(df: pd.DataFrame, shared: dict | None) -> tuple[list[str], list[str]]:
    out, notes = [], []
    for k, spec in enumerate(SPECS):
        spec = spec.model_copy(update={"period": "quarter"})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out += [repr(r) for r in indicator_rows(spec, df, start=START, end=END, date="date",
                                                    where=f"i{k}", shared=shared)]
        notes += [str(w.message) for w in caught]
    return out, notes


def test_shared_rows_equal_separate_calls_and_dates_read_from_text() -> None:
    shared: dict = {}
    rows, notes = _rows(DATED, shared)
    assert any(key[0] == "dated" for key in shared) and len(notes) == len(SPECS)
    assert (rows, notes) == _rows(DATED, None)
    text = DATED.assign(date=DATED["date"].dt.strftime("%Y-%m-%d").astype(object))
    assert (rows, notes) == _rows(text, {})


# ---- numeric filters compared with NumPy ---------------------------------------------------
@pytest.mark.parametrize("column", [
    pd.Series([1.0, -0.0, 0.0, np.nan, 4.0, 1.0]),
    pd.Series([1, 0, 0, 2, 4, 1]),
    pd.Series([True, False, False, True, True, False]),
    pd.Series(["1", "0", " ", None, "4", "1.0"], dtype="string"),   # numbers read from text
    pd.Series([1.0, 0.0, 0.0, 2.0, 4.0, 1.0], dtype="Float64"),
])
@pytest.mark.parametrize("targets", [[1.0], [0.0, 4.0], [-0.0], [float("nan")], [1.0, np.nan]])
def test_number_hits_equal_isin(column: pd.Series, targets: list[float]) -> None:
    df = pd.DataFrame({"x": column})
    expected = numeric_column(df, "x", "t").isin(targets).to_numpy(dtype=bool)
    assert (_number_hits(df, "x", targets, "t") == expected).all()


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e300])
def test_floats_leave_errors_to_numeric_column(bad: float) -> None:
    df = pd.DataFrame({"x": [1.0, bad]})
    with pytest.raises(DataError) as caught:
        _floats(df, "x", "t")
    with pytest.raises(DataError) as expected:
        numeric_column(df, "x", "t")
    assert str(caught.value) == str(expected.value)


# ---- canonical text: each distinct value once, the same as pandas' string methods ----------
@pytest.mark.parametrize("dtype", ["string", "str"])
@pytest.mark.parametrize("values", [
    [" 走访", "走访\u3000", "ＡＢＣ", None, "abc ", "", " ", "ｇroup"],
    [],
    [None, None],
])
def test_canonical_equals_pandas_string_methods(values: list, dtype: str) -> None:
    column = pd.Series(values, dtype=dtype, name="kind", index=range(10, 10 + len(values)))
    fast, slow = canonical(column), _canonical(column)
    assert fast.dtype == slow.dtype and fast.name == slow.name
    assert fast.index.equals(slow.index) and fast.equals(slow)
    texts: dict = {}
    for targets in (["走访"], ["ABC", "abc"], [""], ["group"]):
        expected = slow.isin(targets).fillna(False).to_numpy(dtype=bool)
        assert (_text_hits(column, targets) == expected).all()
        assert (_text_hits(column, targets, texts) == expected).all()
