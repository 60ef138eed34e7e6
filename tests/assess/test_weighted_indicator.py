"""Indicators with ``compute: {mean: column, weight: column}``: the weighted mean, by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.assess.measure import compute_value
from evalkit.model.indicators import Compute, Indicator

SURVEY = pd.DataFrame({
    "date": ["2025-01-10", "2025-02-11", "2025-04-12", "2025-05-13", "2025-05-20", "2025-06-01"],
    "site": ["a", "a", "b", "b", "b", "a"],
    "satisfaction": [4.0, 5.0, 2.0, None, 3.0, 5.0],
    "w": [1.0, 3.0, 0.5, 2.0, 0.0, 2.5],
})


def test_weighted_mean_by_hand():
    value, n = compute_value(SURVEY, Compute(mean="satisfaction", weight="w"))
    # rows with a value: 4 (w 1), 5 (w 3), 2 (w 0.5), 3 (w 0), 5 (w 2.5)
    hand = (4 * 1 + 5 * 3 + 2 * 0.5 + 3 * 0 + 5 * 2.5) / (1 + 3 + 0.5 + 0 + 2.5)
    assert_allclose(value, hand, rtol=1e-15)
    assert n == 4  # the record of weight 0 is not counted
    plain, n_plain = compute_value(SURVEY, Compute(mean="satisfaction"))
    assert_allclose(plain, (4 + 5 + 2 + 3 + 5) / 5, rtol=1e-15) and n_plain == 5


def test_weighted_mean_per_quarter():
    from evalkit.assess.achievement import indicator_rows

    spec = Indicator.model_validate({
        "id": "S", "name": "satisfaction", "level": "outputs", "measure": "mean", "target": 4,
        "compute": {"mean": "satisfaction", "weight": "w"}, "period": "quarter"})
    rows = indicator_rows(spec, SURVEY, date="date", start=dt.date(2025, 1, 1),
                          end=dt.date(2025, 12, 31))
    by = {r["period"]: r["actual"] for r in rows}
    assert_allclose(by["2025-Q1"], (4 * 1 + 5 * 3) / 4, rtol=1e-15)
    assert_allclose(by["2025-Q2"], (2 * 0.5 + 3 * 0 + 5 * 2.5) / 3, rtol=1e-15)
    assert "w" in spec.columns()


def test_weight_errors():
    with pytest.raises(ValueError, match="weight: only goes with mean"):
        Compute.model_validate({"sum": "satisfaction", "weight": "w"})
    bad = SURVEY.assign(w=[1.0, -1.0, 0.5, 2.0, 0.0, 2.5])
    with pytest.raises(ek.DataError, match=r"weight column 'w' must be a number >= 0.*row 1"):
        compute_value(bad, Compute(mean="satisfaction", weight="w"))
    missing = SURVEY.assign(w=[1.0, None, 0.5, 2.0, 0.0, 2.5])
    with pytest.raises(ek.DataError, match="'w'"):
        compute_value(missing, Compute(mean="satisfaction", weight="w"))
    with pytest.raises(ek.DataError, match="'wt'"):
        compute_value(SURVEY, Compute(mean="satisfaction", weight="wt"))
