"""``intake_checks`` computes each filter's rows, the rows dated in the project period and each
canonical column once per call; the per-use computation it replaces must agree with it."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from service_year import write

import evalkit as ek
from evalkit.assess.miscounts import (
    _count_in_period,
    _empty_periods,
    _uses,
    _whole_rows,
    _zero,
    intake_checks,
)
from evalkit.assess.records import TableMemo
from evalkit.data.load import load_evidence


@pytest.fixture(scope="module")
def late(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[str, pd.DataFrame]]:
    """The service year dated two years early: no record falls in the project period."""
    path = write(tmp_path_factory.mktemp("late"), start=dt.date(2027, 3, 1),
                 end=dt.date(2028, 2, 29))
    project = ek.load_project(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = dict(load_evidence(project).tables)
    return project, tables


def test_dates_compared_once_equal_dates_read_per_use(late):
    project, tables = late
    df = tables["service_log"]
    assert df["date"].dtype.kind == "M"
    df = df.assign(date=df["date"].where(df.index % 9 != 0))  # some undated records
    df.loc[[1, 5], "date"] = pd.Timestamp("2027-06-01")         # and two in the period
    text = df.assign(date=df["date"].dt.strftime("%Y-%m-%d").astype(object))
    memo = TableMemo()
    for use in _uses(project):
        for rows in (None, np.arange(len(df)) % 2 == 0, np.zeros(len(df), dtype=bool)):
            once = _count_in_period(use, df, rows, project, memo)
            assert once == _count_in_period(use, df, rows, project)
            assert once == _count_in_period(use, text, rows, project, TableMemo())
    assert memo.inside  # the datetime64 column was compared once, for every use


def test_intake_checks_equal_with_dates_as_text(late):
    project, tables = late
    text = dict(tables)
    log = tables["service_log"]
    text["service_log"] = log.assign(date=log["date"].dt.strftime("%Y-%m-%d").astype(object))
    fast = intake_checks(project, tables)
    assert [c.key for c in fast] and fast == intake_checks(project, text)


def test_zero_with_and_without_the_memo(late):
    project, tables = late
    df = tables["service_log"].iloc[:0]
    memo = TableMemo()
    for use in _uses(project):
        assert _zero(use, df, "service_log.csv", project, memo) == _zero(
            use, df, "service_log.csv", project)


def test_empty_periods_by_text_and_by_pandas_comparisons(late):
    project, _ = late
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = ek.evaluate(project).indicators
    assert table["period"].map(type).eq(str).all()
    by_text = _empty_periods(project, table)
    # an id that is not text: pandas' comparisons, which the text path must equal
    odd = pd.concat([table, table.iloc[:1].assign(indicator_id=7)], ignore_index=True)
    assert _whole_rows(odd) is None
    assert by_text and _empty_periods(project, odd) == by_text
