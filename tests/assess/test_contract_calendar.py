"""Contract calendars: a service year from 1 March judged by contract quarters (issue 11).

Every expected number is counted by hand or by plain Python over the dates in service_year.py
(days per month from the calendar), never by the calendar code under test.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from service_year import END, START, WEEKS, quarter_counts, visit_dates, write

import evalkit as ek
from evalkit.assess.achievement import indicator_rows
from evalkit.model.calendar import (
    assign_periods,
    date_range_text,
    project_periods,
    prorated_target,
    resolve_calendar,
)
from evalkit.model.indicators import Indicator

D = dt.date
# contract quarters of the service year: 31+30+31, 30+31+31, 30+31+30, 31+31+28 days
CONTRACT_QUARTERS = [(D(2025, 3, 1), D(2025, 5, 31)), (D(2025, 6, 1), D(2025, 8, 31)),
                     (D(2025, 9, 1), D(2025, 11, 30)), (D(2025, 12, 1), D(2026, 2, 28))]


def test_fixture_is_what_the_issue_describes():
    days = visit_dates()
    assert len(days) == 127 and len(WEEKS) == 52
    assert sum(n >= 2 for n in WEEKS) == 50                       # 50/52 = 96 %
    assert sum(D(2025, 3, 1) <= d <= D(2025, 3, 31) for d in days) == 10   # March alone


@pytest.fixture(scope="module")
def service_year(tmp_path_factory: pytest.TempPathFactory) -> ek.Evaluation:
    path = write(tmp_path_factory.mktemp("service_year"))
    return ek.evaluate(ek.load_project(path))


def test_service_year_gets_the_verdict_a_person_would_give(service_year):
    ev = service_year
    counts = quarter_counts(CONTRACT_QUARTERS)
    assert sum(counts) == 127 and min(counts) >= 26
    t = ev.indicators.loc[ev.indicators["indicator_id"] == "V"].set_index("period")
    assert list(t.index) == ["Q1", "Q2", "Q3", "Q4", "total"]      # four contract quarters
    assert list(t["actual"]) == [*map(float, counts), 127.0]
    assert list(t["days"].iloc[:4]) == [92, 92, 91, 90]
    assert not bool((t["days"].iloc[:4] < t["full_days"].iloc[:4]).any())   # none partial
    assert t.loc["Q1", "label_zh"] == "项目第1季度（2025年3月1日–5月31日）"
    assert t.loc["Q4", "label_en"] == "Contract quarter 4 (1 December 2025 – 28 February 2026)"
    c1 = ev.acceptance.criteria.set_index("criterion_id").loc["C1"]
    assert c1["status"] == "met" and c1["actual"] == min(counts)
    assert ev.acceptance.verdict == "accepted"
    assert ev.renewal.recommendation == "renew"
    r1 = ev.cadence.rules.iloc[0]
    # 52 full seven-day contract weeks; the 53rd is 28 Feb 2026 alone: 2 x 1/7 -> 0, not judged
    assert (r1["periods"], r1["met"]) == (52, 50)
    assert r1["compliance"] == pytest.approx(50 / 52)
    assert r1["missed_periods"] == "W4, W30"


def test_expected_progress_by_elapsed_days(service_year):
    t = service_year.indicators.set_index("period")
    # end of contract Q1: 92 of 365 days; Q2: 92 + 92; Q3: 92 + 92 + 91
    assert list(t["expected"].iloc[:4]) == pytest.approx([92 / 365, 184 / 365, 275 / 365, 1.0])


def test_calendar_quarters_prorate_both_ends(tmp_path):
    # the same year judged by calendar quarters: March alone (31 of 90 days of Q1 2025) and
    # January-February 2026 (59 of 90 days) are partial; 26 x 31/90 = 8.96 -> 9 and
    # 26 x 59/90 = 17.04 -> 17
    path = write(tmp_path, extra="  calendar: calendar")
    ev = ek.evaluate(ek.load_project(path))
    t = ev.indicators.loc[ev.indicators["period"] != "total"].set_index("period")
    assert list(t.index) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert (t.loc["2025-Q1", "days"], t.loc["2025-Q1", "full_days"]) == (31, 90)
    assert (t.loc["2026-Q1", "days"], t.loc["2026-Q1", "full_days"]) == (59, 90)
    assert t.loc["2025-Q1", "actual"] == 10
    assert "不完整：31/90天" in t.loc["2025-Q1", "label_zh"]
    assert ev.acceptance.verdict == "accepted"
    # switched off, March alone must reach 26: 10/26 = 0.38, not met -> rejected (the old bug)
    off = ek.evaluate(ek.load_project(write(tmp_path / "off",
                                            extra="  calendar: calendar\n  prorate: false")))
    c1 = off.acceptance.criteria.iloc[0]
    assert (c1["period"], c1["actual"], c1["target"]) == ("2025-Q1", 10.0, 26.0)
    assert off.acceptance.verdict == "rejected"
    assert off.renewal.recommendation == "do_not_renew"


def test_contract_ending_mid_quarter_is_prorated(tmp_path):
    # a contract to 15 March 2026: its fifth quarter runs 1-15 March, 15 of the 92 days of
    # 1 March - 31 May 2026, so 26 x 15/92 = 4.24 -> 4 visits are asked; four were made
    rows = [("2026-03-02", "走访", "E01"), ("2026-03-04", "走访", "E02"),
            ("2026-03-06", "走访", "E03"), ("2026-03-09", "走访", "E04")]
    path = write(tmp_path, end=D(2026, 3, 15), rows=rows)
    ev = ek.evaluate(ek.load_project(path))
    per = ev.indicators.set_index("period")
    assert (per.loc["Q5", "days"], per.loc["Q5", "full_days"], per.loc["Q5", "actual"]) == \
        (15, 92, 4)
    crit = ev.acceptance.criteria.iloc[0]
    assert crit["status"] == "met" and ev.acceptance.verdict == "accepted"
    judged = ev.acceptance.criteria.iloc[0]
    assert judged["period"] in {"Q1", "Q2", "Q3", "Q4", "Q5"}
    # without pro-rating the short quarter must reach 26: 4/26 = 0.15, not met
    off = ek.evaluate(ek.load_project(write(tmp_path / "off", end=D(2026, 3, 15), rows=rows,
                                            extra="  prorate: false")))
    c1 = off.acceptance.criteria.iloc[0]
    assert (c1["period"], c1["actual"], c1["status"]) == ("Q5", 4.0, "not_met")


def test_prorated_target_rule():
    assert prorated_target(26, 31, 90) == 9           # 8.96 rounds half up
    assert prorated_target(26, 59, 90) == 17          # 17.04
    assert prorated_target(26, 90, 90) == 26
    assert pd.isna(prorated_target(26, 1, 92))        # 0.28 -> 0: the period is not judged


def test_contract_periods_and_labels():
    months = project_periods(D(2025, 1, 31), D(2025, 4, 15), "month", "contract")
    # 31 Jan-27 Feb (28 days: the month ends the day before 28 Feb), 28 Feb-30 Mar, 31 Mar-15 Apr
    assert [(m.label, m.start, m.end, m.days, m.full_days) for m in months] == [
        ("M1", D(2025, 1, 31), D(2025, 2, 27), 28, 28),
        ("M2", D(2025, 2, 28), D(2025, 3, 30), 31, 31),
        ("M3", D(2025, 3, 31), D(2025, 4, 15), 16, 30)]
    assert months[2].partial and months[2].name("zh") == "项目第3月"
    weeks = project_periods(START, END, "week", "contract")
    assert len(weeks) == 53 and weeks[1].label_text("zh") == "第2周（2025年3月8日–14日）"
    assert weeks[-1].label_text("en") == "Week 53 (28 February 2026; partial: 1 of 7 days)"
    iso = project_periods(D(2025, 3, 3), D(2025, 3, 9), "week", "calendar")[0]
    assert iso.label_text("zh") == "2025年第10周（2025年3月3日–9日）"
    assert iso.label_text("en") == "Week 10 of 2025 (3–9 March 2025)"
    assert date_range_text(D(2025, 3, 31), D(2025, 4, 6), "zh") == "2025年3月31日–4月6日"
    assert date_range_text(D(2025, 3, 31), D(2025, 4, 6), "en") == "31 March – 6 April 2025"
    assert resolve_calendar("auto", START) == "contract"
    assert resolve_calendar("auto", D(2025, 1, 1)) == "calendar"


def test_assign_periods_agrees_with_a_row_by_row_count():
    dates = pd.Series(pd.to_datetime([*visit_dates(), None, "2026-03-05"]))
    keys = assign_periods(dates, "quarter", start=START, end=END, calendar="contract")
    assert keys.isna().sum() == 2                    # the missing and the out-of-period date
    expected = []
    for d in visit_dates():                          # by hand: which contract quarter holds d
        expected.append(next(f"Q{k + 1}" for k, (lo, hi) in enumerate(CONTRACT_QUARTERS)
                             if lo <= d <= hi))
    assert list(keys.iloc[:127]) == expected
    iso = assign_periods(pd.Series(pd.to_datetime(["2025-12-29", "2025-01-01"])), "week")
    assert list(iso) == ["2026-W01", "2025-W01"]     # ISO weeks by date.isocalendar()
    assert list(iso) == [f"{y}-W{w:02d}" for y, w, _ in
                         (D(2025, 12, 29).isocalendar(), D(2025, 1, 1).isocalendar())]


def test_contract_targets_use_contract_keys():
    spec = Indicator.model_validate({
        "id": "X", "name": "x", "level": "outputs", "compute": {"count": True},
        "period": "quarter", "targets": {"Q1": 26, "Q2": 26, "Q3": 26, "Q4": 26, "Q5": 26}})
    df = pd.DataFrame({"date": pd.to_datetime(["2026-03-02", "2025-03-02"])})
    rows = pd.DataFrame(indicator_rows(spec, df, start=START, end=D(2026, 3, 15),
                                       date="date")).set_index("period")
    assert rows.loc["Q5", "target"] == 4              # own target pro-rated: 26 x 15/92
    assert rows.loc["Q1", "target"] == 26


@pytest.mark.parametrize("freq", ["week", "month", "quarter", "year"])
def test_vectorised_calendar_assignment_matches_the_date_formula(freq):
    # the binary search over period starts against the direct formula of each date
    # (date.isocalendar() for weeks, the month for months and quarters), 2,000 random days
    import numpy as np

    from evalkit.model.calendar import period_label

    rng = np.random.default_rng(11)
    days = pd.Series(pd.Timestamp("2024-12-20")
                     + pd.to_timedelta(rng.integers(0, 800, 2000), unit="D"))
    got = assign_periods(days, freq, start=D(2024, 12, 20), end=D(2027, 2, 27),
                         calendar="calendar")
    assert list(got) == [period_label(d.date(), freq) for d in days]


def test_calendar_keys_on_a_contract_calendar_are_refused_with_the_right_key(tmp_path):
    path = write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "target: 104", "targets: {2025-Q2: 26}"), encoding="utf-8")
    with pytest.raises(ek.SpecError) as info:
        ek.load_project(path)
    assert ("indicators[0].targets.2025-Q2: not a quarter label (write e.g. Q1; periods are "
            "counted from the contract's start (2025-03-01), see docs/calendars.md)"
            in info.value.problems)


def test_report_context_carries_period_labels_and_checks(service_year):
    from evalkit.report.context import build_context

    ctx = build_context(service_year)
    assert ctx["indicator_periods"] == ["Q1", "Q2", "Q3", "Q4"]
    assert ctx["period_labels"]["Q2"] == {"zh": "项目第2季度（2025年6月1日–8月31日）",
                                          "en": "Contract quarter 2 (1 June – 31 August 2025)"}
    assert ctx["period_labels"]["W4"]["zh"] == "第4周（2025年3月22日–28日）"
    assert ctx["intake_checks"] == []                # a clean log: nothing to report


def _row_by_row(dates: pd.Series, spans: list) -> list:
    """The per-row rule: the key of the listed period whose first and last day hold the date
    (missing, and outside the project, give None)."""
    out = []
    for value in dates:
        day = pd.Timestamp(value).date() if not pd.isna(value) else None
        out.append(next((s.key for s in spans if day is not None and s.start <= day <= s.end),
                        None))
    return out


@pytest.mark.parametrize(("start", "end", "freq", "calendar"), [
    (D(2025, 3, 5), D(2025, 6, 10), "week", "contract"),      # Wednesday start, partial last
    (D(2025, 3, 5), D(2025, 6, 10), "week", "calendar"),      # partial ISO weeks at both ends
    (D(2024, 12, 25), D(2025, 1, 8), "week", "calendar"),     # ISO week 2025-W01 from 30 Dec
    (D(2025, 1, 31), D(2025, 12, 30), "month", "contract"),   # months from the 31st
    (D(2024, 2, 29), D(2027, 2, 27), "year", "contract"),     # leap-day start
    (D(2024, 2, 29), D(2025, 5, 31), "quarter", "contract"),
    (D(2025, 3, 1), D(2026, 2, 28), "quarter", "auto"),       # auto -> contract
    (D(2025, 1, 1), D(2025, 12, 31), "month", "auto"),        # auto -> calendar
    (D(2025, 2, 10), D(2026, 11, 20), "quarter", "calendar"),  # partial calendar quarters
])
def test_vectorised_assignment_equals_the_row_by_row_rule(start, end, freq, calendar):
    # every day from a week before the project to a week after it, missing values and text
    days = pd.date_range(start - dt.timedelta(days=7), end + dt.timedelta(days=7), freq="D")
    dates = pd.Series([*days, pd.NaT, None], dtype="datetime64[ns]")
    spans = project_periods(start, end, freq, calendar)
    got = assign_periods(dates, freq, start=start, end=end, calendar=calendar)
    want = _row_by_row(dates, spans)
    assert [None if pd.isna(v) else v for v in got] == want
    assert want[7] == spans[0].key and want[-10] == spans[-1].key  # first and last day
    assert want[6] is None and want[-9] is None and want[-2:] == [None, None]  # outside, NA
    text = assign_periods(dates.dt.strftime("%Y-%m-%d").astype("string"), freq, start=start,
                          end=end, calendar=calendar)
    assert text.equals(got)  # dates written as text are placed the same way
