"""Cadence compliance (hand-counted)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from evalkit.assess.cadence import check_cadence, required_count
from evalkit.errors import DataError
from evalkit.model.cadence import CadenceRule

START, END = dt.date(2025, 1, 1), dt.date(2025, 1, 31)   # Wed 1 Jan - Fri 31 Jan


def rule(**kw: object) -> CadenceRule:
    base: dict[str, object] = {"id": "R", "name": "r", "source": "log", "date": "date",
                               "per": "week", "min": 2}
    return CadenceRule.model_validate({**base, **kw})


LOG = pd.DataFrame({
    "date": ["2025-01-02",                    # W01 (1-5 Jan, 5 days): 1 visit
             "2025-01-07", "2025-01-09",      # W02: 2
             "2025-01-14",                    # W03: 1 -> missed
             "2025-01-21", "2025-01-23", "2025-01-24",   # W04: 3
             "2025-01-28",                    # W05 (27-31 Jan, 5 days): 1
             "2025-02-03"],                   # outside the period
    "kind": ["visit"] * 8 + ["visit"],
    "site": ["a", "a", "a", "a", "a", "b", "b", "a", "a"],
})


def test_required_count_conventions():
    assert required_count(2, 7, 7, "prorate") == 2
    assert required_count(2, 5, 7, "prorate") == 1          # 1.43 -> 1
    assert required_count(2, 3, 7, "prorate") == 1          # 0.86 -> 1
    assert math.isnan(required_count(2, 1, 7, "prorate"))   # 0.29 -> 0: not assessed
    assert required_count(2, 5, 7, "full") == 2
    assert math.isnan(required_count(2, 5, 7, "skip"))
    assert math.isnan(required_count(1, 14, 31, "prorate"))  # 0.45 -> 0


def test_weekly_rule_prorated():
    res = check_cadence([rule(filter={"kind": "visit"})], {"log": LOG}, START, END)
    row = res.rules.iloc[0]
    # W01 needs 1 (has 1), W02 2 (2), W03 2 (1: missed), W04 2 (3), W05 needs 1 (has 1)
    assert (row["periods"], row["met"], row["missed"]) == (5, 4, 1)
    assert row["compliance"] == pytest.approx(0.8)
    assert row["missed_periods"] == "2025-W03"
    assert row["records"] == 8
    assert res.missed("R") == ["2025-W03"]
    assert res.compliance == {"R": pytest.approx(0.8)}
    per = res.periods.set_index("period")
    assert per.loc["2025-W01", "required"] == 1 and per.loc["2025-W01", "days"] == 5


def test_full_and_skip_conventions():
    full = check_cadence([rule(partial="full")], {"log": LOG}, START, END).rules.iloc[0]
    assert (full["periods"], full["met"]) == (5, 2)         # W01 and W05 now missed too
    skip = check_cadence([rule(partial="skip")], {"log": LOG}, START, END).rules.iloc[0]
    assert (skip["periods"], skip["met"]) == (3, 2)         # only W02-W04 assessed


def test_distinct_count():
    res = check_cadence([rule(distinct="site", min=2)], {"log": LOG}, START, END)
    # only W04 has two distinct sites (a, b); W01/W05 need 1 distinct
    assert res.rules.iloc[0]["met"] == 3


def test_month_quarter_year_rules():
    year = pd.DataFrame({"date": ["2025-01-05", "2025-02-05", "2025-04-05", "2025-12-01"],
                         "kind": ["act", "act", "survey", "needs"]})
    rules = [rule(id="M", per="month", min=1, filter={"kind": "act"}),
             rule(id="Q", per="quarter", min=1, filter={"kind": "survey"}),
             rule(id="Y", per="year", min=1, filter={"kind": "needs"})]
    res = check_cadence(rules, {"log": year}, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    t = res.rules.set_index("rule_id")
    assert t.loc["M", "met"] == 2 and t.loc["M", "periods"] == 12
    assert t.loc["M", "missed_periods"].startswith("2025-03, 2025-04")
    assert t.loc["Q", "compliance"] == 0.25 and res.missed("Q") == ["2025-Q1", "2025-Q3",
                                                                       "2025-Q4"]
    assert t.loc["Y", "compliance"] == 1.0


def test_problems_listed_together():
    bad = [rule(id="A", filter={"nope": 1}), rule(id="B", source="missing"),
           rule(id="C", date="when")]
    with pytest.raises(DataError) as info:
        check_cadence(bad, {"log": LOG}, START, END)
    text = str(info.value)
    assert "3 problem(s)" in text and "'nope'" in text and "'missing'" in text \
        and "'when'" in text


def test_bad_dates():
    df = LOG.assign(date=["soon", *list(LOG["date"][1:])])
    with pytest.raises(DataError, match="must hold dates, found 'soon'"):
        check_cadence([rule()], {"log": df}, START, END)


def test_input_not_mutated_and_views():
    before = LOG.copy()
    res = check_cadence([rule()], {"log": LOG}, START, END)
    pd.testing.assert_frame_equal(LOG, before)
    assert list(res.to_frame()["rule_id"]) == ["R"]
    assert set(res.to_dict()) == {"rules", "periods"}


def test_example_cadence(example_evaluation):
    t = example_evaluation.cadence.rules.set_index("rule_id")
    # generate.py: no visits in the Spring Festival week, one in the National Day week
    assert t.loc["R1", "missed_periods"] == "2025-W05, 2025-W40"
    assert t.loc["R1", "compliance"] == pytest.approx(51 / 53)
    assert t.loc["R2", "missed_periods"] == "2025-03, 2025-11"
    assert t.loc["R3", "compliance"] == 1.0 and t.loc["R4", "compliance"] == 1.0
