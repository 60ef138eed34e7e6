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


TIMED = pd.DataFrame({
    "date": pd.to_datetime(["2024-12-31 23:00", "2025-01-01 00:00", "2025-01-06 13:30",
                            None, "2025-01-19", "2025-01-31 00:00", "2025-01-31 09:00",
                            "2025-01-13", "2025-01-20 08:00", "2025-01-21"], format="mixed"),
    "kind": ["visit", "visit", "visit", "visit", "call", "visit", "visit", "call", "visit",
             None],
    "n": [1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 2.0, None, 1.0],
    "site": ["a", "b", None, "a", "b", "b", "c", "a", "a", "b"],
}, index=[9, 3, 5, 7, 1, 0, 2, 8, 6, 4])


@pytest.mark.parametrize("per", ["week", "month", "quarter", "year"])
@pytest.mark.parametrize("calendar", ["contract", "calendar"])
@pytest.mark.parametrize("extra", [{}, {"filter": {"kind": "visit"}}, {"filter": {"n": 1}},
                                   {"distinct": "site"}, {"distinct": "date"},
                                   {"filter": {"kind": ["visit", "call"]}, "distinct": "site"}])
def test_numpy_counts_equal_pandas_counts(per, calendar, extra):
    """The numpy period counts (plain datetimes) equal the pandas filters and
    assign_periods, with times of day at the period's ends, missing dates and a shuffled
    index."""
    from evalkit.assess.cadence import _period_counts, _period_counts_pandas

    r = rule(per=per, calendar=calendar, **extra)
    start, end = dt.date(2025, 1, 1), dt.date(2025, 1, 31)
    fast = _period_counts(r, TIMED, TIMED["date"], "date", start, end, None, "w")
    slow = _period_counts_pandas(r, TIMED, TIMED["date"], "date", start, end, None, "w")
    assert fast == slow
    # 7 records from 1 Jan 00:00 to 31 Jan 00:00 (not 31 Jan 09:00): 4 visits, 3 with n = 1,
    # 6 visits or calls
    kept = {"{'kind': 'visit'}": 4, "{'n': 1}": 3, "{'kind': ['visit', 'call']}": 6}
    assert fast[1] == kept.get(str(extra.get("filter")), 7)


def test_dates_with_a_time_zone_go_the_pandas_way():
    """Time-zone dates are not compared by numpy: the pandas path judges them as before."""
    zoned = LOG.assign(date=pd.to_datetime(LOG["date"]).dt.tz_localize("Asia/Shanghai"))
    with pytest.raises(TypeError):
        check_cadence([rule()], {"log": zoned}, START, END)


def test_rules_on_one_column_parse_it_once_and_report_each():
    df = LOG.assign(date=["soon", *list(LOG["date"][1:])])
    with pytest.raises(DataError) as info:
        check_cadence([rule(id="A"), rule(id="B", per="month")], {"log": df}, START, END)
    assert [p.split(".")[0] for p in info.value.problems] == ["cadence[0] (A)", "cadence[1] (B)"]
