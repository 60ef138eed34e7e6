"""Linkage-mechanism analytics: ledger, needs match, coverage, project cycle, workforce.

Expected values are computed by hand in the comments next to each assertion.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from evalkit.assess.coverage import coverage
from evalkit.assess.needs_match import needs_match
from evalkit.assess.partnership import partnership_ledger
from evalkit.assess.project_cycle import Gate, project_cycle
from evalkit.assess.workforce import workforce_indicators
from evalkit.errors import DataError


def _ledger() -> pd.DataFrame:
    return pd.DataFrame({
        "period": ["Q1", "Q1", "Q1", "Q2", "Q2", "Q3"],
        "from_party": ["union", "sw", "union", "union", "sw", "sw"],
        "to_party": ["sw", "union", "sw", "sw", "union", "union"],
        "resource": ["funds", "staff_hours", "venues", "funds", "referrals", "information"],
        "amount": [1000.0, 10.0, 1.0, 400.0, 4.0, 2.0],
        "value": [np.nan, np.nan, 200.0, np.nan, np.nan, 300.0],
    })


def test_reciprocity_by_hand():
    led = _ledger()
    before = led.copy()
    r = partnership_ledger(led, parties=["union", "sw"],
                           rates={"funds": 1.0, "staff_hours": 50.0, "referrals": 100.0})
    pd.testing.assert_frame_equal(led, before)
    t = r.periods.set_index("period")
    # Q1: union→sw 1000 + 200 = 1200; sw→union 10 h × 50 = 500; R = 1 − 700/1700
    assert t.loc["Q1", "a_to_b"] == 1200 and t.loc["Q1", "b_to_a"] == 500
    np.testing.assert_allclose(t.loc["Q1", "reciprocity"], 1 - 700 / 1700, rtol=1e-12)
    np.testing.assert_allclose(t.loc["Q1", "dependency"], 700 / 1700, rtol=1e-12)
    # Q2: 400 vs 4 × 100 = 400 → balanced; Q3: 0 vs 300 → R = 0, D = −1
    assert t.loc["Q2", "reciprocity"] == 1.0 and t.loc["Q2", "band"] == "balanced"
    assert t.loc["Q3", "reciprocity"] == 0.0 and t.loc["Q3", "dependency"] == -1.0
    # pooled: 1600 vs 1200 → R = 1 − 400/2800
    np.testing.assert_allclose(r.reciprocity, 1 - 400 / 2800, rtol=1e-12)
    # slope of (0.588235, 1, 0) on (0, 1, 2): Σ(t−1)(R−R̄) = −0.588235 + 0 … / 2
    np.testing.assert_allclose(r.trend, (0 - (1 - 700 / 1700)) / 2, rtol=1e-12)
    assert r.trend_word == "falling"
    by = r.by_resource.set_index("resource")
    assert by.loc["funds", "a_to_b"] == 1400 and by.loc["referrals", "b_to_a"] == 400


def test_ledger_errors():
    led = _ledger()
    led.loc[2, "to_party"] = "street_office"
    with pytest.raises(DataError, match="unknown party 'street_office'"):
        partnership_ledger(led, parties=["union", "sw"], rates={"funds": 1, "staff_hours": 1,
                                                                "referrals": 1})
    with pytest.raises(DataError, match="no rate for 'staff_hours'"):
        partnership_ledger(_ledger(), parties=["union", "sw"], rates={"funds": 1})
    bad = _ledger()
    bad.loc[0, "resource"] = "goodwill"
    with pytest.raises(DataError, match="goodwill"):
        partnership_ledger(bad, parties=["union", "sw"], rates={"funds": 1})



def test_group_sums_equal_pandas_groupby_sums_to_the_bit():
    """The ledger's sums by period and by resource are added as groupby().sum() adds them
    (Kahan compensation in row order, missing values skipped, infinities kept)."""
    from evalkit.assess.partnership import _group_sums

    rng = np.random.default_rng(20261202)
    for trial in range(300):
        n = int(rng.integers(1, 40))
        keys = [f"k{int(k)}" for k in rng.integers(0, 4, n)]
        scale = 10.0 ** rng.integers(-3, 16, (2, n))
        values = rng.standard_normal((2, n)) * scale
        values[rng.random((2, n)) < 0.1] = np.nan
        if trial % 50 == 0:
            values[0, 0] = np.inf
        got = _group_sums(keys, values[0], values[1])
        frame = pd.DataFrame({"key": keys, "ab": values[0], "ba": values[1]})
        want = frame.groupby("key")[["ab", "ba"]].sum()
        assert sorted(got) == list(want.index)
        for key, (ab, ba) in got.items():
            assert ab.hex() == float(want.loc[key, "ab"]).hex(), (trial, key)
            assert ba.hex() == float(want.loc[key, "ba"]).hex(), (trial, key)


def test_ledger_tables_equal_the_pandas_construction():
    """by_resource and the pooled index as the groupby / reindex / rename built them."""
    led = _ledger().assign(value=[0.1, np.nan, 0.7, 1e-9, np.nan, 3.3])
    rates = {"funds": 1.0, "staff_hours": 50.3, "referrals": 100.7}
    r = partnership_ledger(led, parties=["union", "sw"], rates=rates)
    value = np.array([0.1, 10 * 50.3, 0.7, 1e-9, 4 * 100.7, 3.3])
    frame = pd.DataFrame({"period": led["period"].to_numpy(),
                          "ab": np.where(led["from_party"].to_numpy() == "union", value, 0.0),
                          "ba": np.where(led["from_party"].to_numpy() == "sw", value, 0.0),
                          "resource": led["resource"].to_numpy()})
    from evalkit.assess.partnership import RESOURCES

    by_res = (frame.groupby("resource")[["ab", "ba"]].sum()
              .reindex([x for x in RESOURCES if x in set(frame["resource"])])
              .reset_index().rename(columns={"ab": "a_to_b", "ba": "b_to_a"}))
    pd.testing.assert_frame_equal(r.by_resource, by_res, check_exact=True)
    sums = frame.groupby("period")[["ab", "ba"]].sum()
    assert r.periods["a_to_b"].tolist() == sums["ab"].tolist()
    total = float(frame["ab"].sum()) + float(frame["ba"].sum())
    assert r.reciprocity == 1 - abs(float(frame["ab"].sum()) - float(frame["ba"].sum())) / total


def test_ledger_messages_name_row_labels():
    led = _ledger()
    led.index = [f"r{k}" for k in range(len(led))]
    led.loc["r3", "from_party"] = None
    with pytest.raises(DataError, match="column 'from_party' row 'r3' names unknown party nan \\("):
        partnership_ledger(led, parties=["union", "sw"], rates={"funds": 1})
    led = _ledger()
    led.index = [f"r{k}" for k in range(len(led))]
    led.loc["r4", "to_party"] = "sw"
    with pytest.raises(DataError, match="row 'r4' is a transfer from 'sw' to itself"):
        partnership_ledger(led, parties=["union", "sw"], rates={"funds": 1})
    led = _ledger()
    led.index = [f"r{k}" for k in range(len(led))]
    led.loc["r5", "resource"] = "goodwill"
    with pytest.raises(DataError, match="column 'resource' row 'r5' is 'goodwill'"):
        partnership_ledger(led, parties=["union", "sw"], rates={"funds": 1})

def test_needs_match_by_hand():
    needs = pd.Series({"legal": 50, "health": 30, "family": 15, "leisure": 5})
    services = {"legal": 20, "leisure": 60, "family": 20}
    r = needs_match(needs, services, top_k=2)
    # p = .5 .3 .15 .05; q = .2 0 .2 .6 → TV = ½(.3 + .3 + .05 + .55) = 0.6
    np.testing.assert_allclose(r.mismatch, 0.6, rtol=1e-12)
    assert r.top_served == 0.5 and r.unserved_top == ("health",)
    np.testing.assert_allclose(r.top_service_share, 0.2, rtol=1e-12)
    assert list(r.table["category"]) == ["legal", "health", "family", "leisure"]
    with pytest.raises(DataError, match="non-negative"):
        needs_match({"legal": -1}, services)


def test_coverage_by_hand():
    pts = pd.DataFrame({"township": ["A", "A", "B", "C"]})
    svc = pd.DataFrame({"township": ["A", "A", "B", "C"],
                        "platform": ["care", "union", "care", "care"],
                        "means": ["visit", "activity", "visit", "activity"]})
    req = {"platform": ["care", "union"], "means": ["visit", "activity"]}
    r = coverage(pts, svc, townships=["A", "B", "C", "D"], required=req)
    t = r.table.set_index("township")
    assert list(t["points"]) == [2, 1, 1, 0]
    assert list(t["full"]) == [True, False, False, False]
    assert t.loc["B", "missing"] == "platform:union, means:activity"
    assert r.with_points == 0.75 and r.full == 0.25 and r.rates == {"platform": 0.25,
                                                                    "means": 0.25}
    with pytest.raises(DataError, match="township 'Z'"):
        coverage(pd.DataFrame({"township": ["Z"]}), svc, townships=["A", "B", "C"],
                 required=req)


def _gates() -> list[Gate]:
    return [Gate("needs_assessment", dt.date(2025, 1, 31), ("needs_report",)),
            Gate("design", dt.date(2025, 2, 28), ("plan", "budget")),
            Gate("supervision", dt.date(2025, 6, 30), ("supervision_log",)),
            Gate("evaluation", dt.date(2025, 11, 30), ("evaluation_report",)),
            Gate("acceptance", dt.date(2025, 12, 31), ("acceptance_form",))]


def test_project_cycle_by_hand():
    recs = pd.DataFrame({
        "project_id": ["P1", "P1", "P1", "P2", "P2"],
        "stage": ["needs_assessment", "design", "evaluation", "needs_assessment", "design"],
        "date": ["2025-01-20", "2025-03-05", "2025-11-10", "2025-01-25", "2025-02-20"],
        "outputs": ["needs_report", "plan;budget", "evaluation_report", "needs_report", "plan"],
    })
    r = project_cycle(recs, _gates(), as_of="2025-12-01")
    t = r.table.set_index(["project_id", "stage"])
    assert t.loc[("P1", "design"), "status"] == "late"
    assert t.loc[("P1", "design"), "days_late"] == 5  # 5 March vs 28 February
    assert t.loc[("P1", "supervision"), "status"] == "skipped"  # later stage passed
    assert t.loc[("P1", "acceptance"), "status"] == "pending"
    assert t.loc[("P2", "design"), "status"] == "incomplete"
    assert t.loc[("P2", "design"), "missing_outputs"] == "budget"
    assert t.loc[("P2", "supervision"), "status"] == "skipped"  # due 30 June, not passed
    s = r.summary.set_index("stage")
    assert s.loc["supervision", "skipped"] == 2 and s.loc["needs_assessment", "on_time"] == 2


def test_stage_before_previous_is_an_error():
    recs = pd.DataFrame({"project_id": ["P1", "P1"], "stage": ["needs_assessment", "design"],
                         "date": ["2025-03-01", "2025-02-01"], "outputs": ["", ""]})
    with pytest.raises(DataError, match="passed 'design' on 2025-02-01, before the previous "
                                        "stage 'needs_assessment'"):
        project_cycle(recs, _gates(), as_of="2025-12-01")


def test_workforce_by_hand():
    roster = pd.DataFrame({
        "worker_id": ["a", "b", "c", "a", "b", "d"],
        "site": ["T1", "T1", "T2", "T1", "T1", "T2"],
        "period": ["2024", "2024", "2024", "2025", "2025", "2025"],
        "certified": [1, 0, 0, 1, 1, 0],
        "training_hours": [40, 20, 30, 50, 40, 30],
        "cases": [60, 30, 90, 45, 45, 30],
        "left": [0, 0, 1, 0, 0, 0],
    })
    w = workforce_indicators(roster, targets={"certification_rate": 0.5, "turnover": 0.1,
                                              "caseload": 40})
    t = w.table.set_index(["site", "period"])
    # 2024 team: 3 workers, 1 certified, 90 h, 1 leaver, 180 cases
    np.testing.assert_allclose(t.loc[("total", "2024"), ["certification_rate", "training_hours",
                                                         "turnover", "caseload"]].astype(float),
                               [1 / 3, 30, 1 / 3, 60])
    c = w.checks.set_index("indicator")
    # 2025 team: 2/3 certified (≥ .5 met), turnover 0 (met), caseload 40 (met, ≤ 40)
    np.testing.assert_allclose(c.loc["certification_rate", "value"], 2 / 3)
    assert c.loc["certification_rate", "met"] and c.loc["caseload", "met"]
    np.testing.assert_allclose(c.loc["caseload", "trend"], 40 - 60)
    assert math.isnan(t.loc[("T2", "2025"), "turnover"]) is False
    dup = pd.concat([roster, roster.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="appears twice"):
        workforce_indicators(dup)
