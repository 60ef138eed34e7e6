"""Indicator values, aggregation traps, achievement and status presets (hand-computed)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from evalkit.assess.achievement import achievement, classify, indicator_rows, status
from evalkit.assess.measure import project_periods
from evalkit.errors import EvalkitWarning, SpecError
from evalkit.model.indicators import BandSet, Indicator

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


def ind(**kw: object) -> Indicator:
    base: dict[str, object] = {"id": "X", "name": "x", "level": "outputs", "target": 100}
    return Indicator.model_validate({**base, **kw})


def rows(indicator: Indicator, df: pd.DataFrame, **kw: object) -> pd.DataFrame:
    return pd.DataFrame(indicator_rows(indicator, df, start=START, end=END, **kw))


def total(frame: pd.DataFrame) -> pd.Series:
    return frame.loc[(frame["period"] == "total") & (frame["disaggregation"] == "")].iloc[0]


# ---- achievement, direction-aware --------------------------------------------------------
def test_achievement_directions():
    assert achievement(90, 100, None, "increase") == pytest.approx(0.9)
    # decrease with baseline: (3.2 - 3.0) / (3.2 - 2.8) = 0.5
    assert achievement(3.0, 2.8, 3.2, "decrease") == pytest.approx(0.5)
    # decrease without baseline: target / actual = 10 / 20
    assert achievement(20, 10, None, "decrease") == pytest.approx(0.5)
    # maintain: 1 - |95 - 100| / 100
    assert achievement(95, 100, None, "maintain") == pytest.approx(0.95)
    assert math.isnan(achievement(math.nan, 100, None, "increase"))
    assert math.isnan(achievement(5, 0, None, "increase"))


# ---- status presets ------------------------------------------------------------------------
@pytest.mark.parametrize(("ach", "expected"), [
    (0.84, "below_target"), (0.85, "on_track"), (1.0, "on_track"), (1.15, "on_track"),
    (1.16, "above_target"), (math.nan, "no_data")])
def test_toladata_bands(ach, expected):
    assert classify(ach, 1.0, "toladata") == expected
    assert status(ach) == expected  # the default preset


def test_toladata_prorated():
    # at Q2 half the target is expected: 0.45 / 0.5 = 0.9 -> within 15 %
    assert classify(0.45, 0.5, "toladata") == "on_track"
    assert classify(0.40, 0.5, "toladata") == "below_target"  # 0.8


@pytest.mark.parametrize(("ach", "expected"), [
    (0.24, "concerned"),      # 0.24 - 0.50 = -26 points
    (0.25, "at_risk"),        # -25 points: not below -25
    (0.39, "at_risk"),        # -11
    (0.40, "on_target"),      # -10: not below -10
    (0.60, "on_target"),      # +10 inclusive
    (0.61, "above_target")])  # +11
def test_pepfar_bands_at_q2(ach, expected):
    assert classify(ach, 0.5, "pepfar") == expected


def test_user_defined_legend():
    legend = BandSet.model_validate({"name": "mine", "basis": "ratio", "legend": [
        {"status": "red", "below": 0.5}, {"status": "amber", "below": 1.0},
        {"status": "green"}]})
    assert [classify(a, 1.0, legend) for a in (0.49, 0.5, 0.99, 1.0)] == \
        ["red", "amber", "amber", "green"]


def test_unknown_preset():
    with pytest.raises(SpecError, match="expected one of 'toladata', 'pepfar'"):
        classify(1.0, 1.0, "rainbow")


# ---- periods -------------------------------------------------------------------------------
def test_project_periods_clip_partial_weeks():
    weeks = project_periods(START, END, "week")
    assert weeks[0].label == "2025-W01" and weeks[0].days == 5 and weeks[0].partial
    assert weeks[-1].label == "2026-W01" and weeks[-1].days == 3  # Mon 29 - Wed 31 Dec
    assert len(weeks) == 53
    months = project_periods(dt.date(2025, 1, 15), dt.date(2025, 3, 10), "month", "calendar")
    assert [(m.label, m.days, m.full_days) for m in months] == [
        ("2025-01", 17, 31), ("2025-02", 28, 28), ("2025-03", 10, 31)]


# ---- counts by period, prorated expectation ------------------------------------------------
LOG = pd.DataFrame({
    "date": pd.to_datetime(["2025-01-10", "2025-02-10", "2025-05-01", "2025-08-01",
                            "2025-11-01", "2025-11-02"]),
    "kind": ["a", "a", "a", "b", "a", "a"],
    "site": ["s1", "s2", "s1", "s1", "s2", "s2"],
})


def test_count_by_quarter_and_total():
    original = LOG.copy(deep=True)
    frame = rows(ind(measure="count", compute={"filter": {"kind": "a"}, "count": True},
                     period="quarter", target=8), LOG, date="date")
    q = frame.set_index("period")
    assert list(q.index) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "total"]
    assert list(q["actual"]) == [2, 1, 0, 2, 5]
    assert list(q["to_date"]) == [2, 3, 3, 5, 5]
    # expected progress by elapsed days: 90, 181, 273 and 365 of 365 days (Jan-Mar = 90,
    # Apr-Jun = 91, Jul-Sep = 92, Oct-Dec = 92)
    assert list(q["expected"]) == pytest.approx([90 / 365, 181 / 365, 273 / 365, 1.0, 1.0])
    # achievement to date vs whole target: 2/8, 3/8, 3/8, 5/8
    assert q.loc["2025-Q1", "achievement"] == pytest.approx(0.25)
    assert q.loc["2025-Q3", "achievement"] == pytest.approx(0.375)
    assert q.loc["2025-Q1", "status"] == "on_track"          # 0.25 / 0.2466 = 1.01
    assert q.loc["2025-Q3", "status"] == "below_target"      # 0.375 / 0.748 = 0.50
    by_periods = rows(ind(measure="count", compute={"filter": {"kind": "a"}, "count": True},
                          period="quarter", target=8), LOG, date="date", prorate=False)
    assert list(by_periods["expected"]) == [0.25, 0.5, 0.75, 1.0, 1.0]   # switched off: k/K
    assert q.loc["total", "achievement"] == pytest.approx(5 / 8)
    pd.testing.assert_frame_equal(LOG, original)  # input not mutated (copy taken before)


def test_period_targets_and_pepfar():
    spec = ind(compute={"filter": {"kind": "a"}, "count": True}, period="quarter",
               targets={"2025-Q1": 2, "2025-Q2": 2, "2025-Q3": 2, "2025-Q4": 2},
               bands="pepfar", target=None)
    q = rows(spec, LOG, date="date").set_index("period")
    assert q.loc["2025-Q2", "target"] == 2 and q.loc["2025-Q2", "achievement"] == 0.5
    assert q.loc["2025-Q2", "expected"] == 1.0
    assert q.loc["2025-Q2", "status"] == "concerned"           # 0.5 - 1 = -50 points
    assert q.loc["2025-Q1", "status"] == "on_target"
    assert q.loc["total", "target"] == 8                        # sum of period targets
    assert q.loc["total", "achievement"] == pytest.approx(5 / 8)


def test_records_outside_project_warned_and_left_out():
    df = pd.concat([LOG, pd.DataFrame({"date": pd.to_datetime(["2026-02-01"]), "kind": ["a"],
                                       "site": ["s1"]})], ignore_index=True)
    with pytest.warns(EvalkitWarning, match="1 record"):
        frame = rows(ind(compute={"count": True}, period="quarter"), df, date="date")
    assert total(frame)["actual"] == 6


# ---- the percentage trap -------------------------------------------------------------------
SURVEY = pd.DataFrame({
    "date": pd.to_datetime(["2025-03-01"] * 10 + ["2025-06-01"] * 2),
    "ok": [1] * 9 + [0] + [0, 0],
    "site": ["big"] * 10 + ["small"] * 2,
})


def test_percentage_sums_numerators_and_denominators():
    spec = ind(measure="percentage", numerator={"filter": {"ok": 1}, "count": True},
               denominator={"count": True}, period="quarter", target=90)
    q = rows(spec, SURVEY, date="date").set_index("period")
    assert q.loc["2025-Q1", "actual"] == pytest.approx(90.0)   # 9 / 10
    assert q.loc["2025-Q2", "actual"] == pytest.approx(0.0)    # 0 / 2
    # whole project: (9 + 0) / (10 + 2) = 75 %, NOT the mean of 90 % and 0 % (45 %)
    assert q.loc["total", "actual"] == pytest.approx(75.0)
    assert q.loc["total", "numerator"] == 9 and q.loc["total", "denominator"] == 12


def test_percentage_over_units_sum_and_mean():
    base = {"measure": "percentage", "numerator": {"filter": {"ok": 1}, "count": True},
            "denominator": {"count": True}, "target": 90}
    pooled = total(rows(ind(**base, aggregate={"unit": "site", "units": "sum"}), SURVEY))
    assert pooled["actual"] == pytest.approx(75.0)             # 9 / 12
    mean = total(rows(ind(**base, aggregate={"unit": "site", "units": "mean"}), SURVEY))
    assert mean["actual"] == pytest.approx(45.0)               # (90 + 0) / 2, asked for
    top = total(rows(ind(**base, aggregate={"unit": "site", "units": "max"}), SURVEY))
    assert top["actual"] == pytest.approx(90.0)


def test_factor_per_thousand():
    spec = ind(measure="ratio", numerator={"filter": {"ok": 0}, "count": True},
               denominator={"count": True}, factor=1000, target=100)
    assert total(rows(spec, SURVEY))["actual"] == pytest.approx(3 / 12 * 1000)


# ---- the cumulative trap -------------------------------------------------------------------
REPORTS = pd.DataFrame({   # each month every site reports members registered TO DATE
    "date": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30",
                            "2025-01-31", "2025-02-28", "2025-03-31"]),
    "site": ["s1", "s1", "s1", "s1", "s2", "s2", "s2"],
    "members": [10, 20, 30, 35, 5, 8, 12],
})


def test_cumulative_total_is_latest_not_sum():
    spec = ind(compute={"sum": "members"}, period="quarter", target=60,
               aggregate={"time": "cumulative", "unit": "site", "units": "sum"})
    q = rows(spec, REPORTS, date="date").set_index("period")
    # Q1: each site's latest report in the quarter: 30 + 12 = 42 (not 10+20+30+5+8+12 = 85)
    assert q.loc["2025-Q1", "actual"] == 42
    # Q2: only s1 reported (35)
    assert q.loc["2025-Q2", "actual"] == 35
    # to date at Q2: s1 35 (April) + s2 12 (March) = 47; total the same, never the sum 77
    assert q.loc["2025-Q2", "to_date"] == 47
    assert q.loc["total", "actual"] == 47
    assert q.loc["total", "achievement"] == pytest.approx(47 / 60)


def test_cumulative_without_units_uses_latest_date():
    spec = ind(compute={"sum": "members"}, aggregate={"time": "cumulative"}, target=60)
    only_s1 = REPORTS.loc[REPORTS["site"] == "s1"]
    assert total(rows(spec, only_s1, date="date"))["actual"] == 35


def test_latest_snapshot_total_is_last_period():
    spec = ind(measure="percentage", numerator={"filter": {"ok": 1}, "count": True},
               denominator={"count": True}, period="quarter", target=90,
               aggregate={"time": "latest"})
    q = rows(spec, SURVEY, date="date").set_index("period")
    assert q.loc["total", "actual"] == pytest.approx(0.0)      # Q2 survey: 0 of 2
    assert q.loc["2025-Q3", "to_date"] == pytest.approx(0.0)   # carried forward
    assert q.loc["2025-Q1", "expected"] == 1.0                 # snapshot: whole target


def test_mean_and_distinct():
    df = pd.DataFrame({"score": [2.0, 4.0, None], "who": ["a", "a", "b"]})
    assert total(rows(ind(measure="mean", compute={"mean": "score"}, target=3), df))[
        "actual"] == 3.0
    assert total(rows(ind(compute={"distinct": "who"}, target=2), df))["actual"] == 2


def test_disaggregation_rows():
    spec = ind(compute={"filter": {"kind": "a"}, "count": True}, disaggregations=["site"])
    frame = rows(spec, LOG)
    assert frame.iloc[0]["period"] == "total" and frame.iloc[0]["disaggregation"] == ""
    by = frame.loc[frame["disaggregation"] == "site"].set_index("category")
    assert by.loc["s1", "actual"] == 2 and by.loc["s2", "actual"] == 3
    assert (by["status"] == "no_target").all()


def test_example_indicator_table(example_evaluation):
    t = example_evaluation.indicators
    i2 = t.loc[t["indicator_id"] == "I2"].set_index("period")
    # 110 visits, 104 targeted; Q1 visits: weeks 1-13 of the generated schedule
    assert i2.loc["total", "actual"] == 110
    assert i2.loc["total", "achievement"] == pytest.approx(110 / 104)
    assert i2.loc["2025-Q4", "to_date"] == 110
    # expected progress by elapsed days: 1 Jan - 31 Mar 2025 is 31 + 28 + 31 = 90 of 365 days
    assert i2.loc["2025-Q1", "expected"] == pytest.approx(90 / 365)
    assert set(i2["status"]) <= {"concerned", "at_risk", "on_target", "above_target"}
    i6 = t.loc[(t["indicator_id"] == "I6") & (t["period"] == "total")].iloc[0]
    assert i6["aggregation"] == "latest"
