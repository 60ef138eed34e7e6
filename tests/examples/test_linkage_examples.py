"""The linkage-mechanism examples recover the truths their generators document (README.md).

Each example is evaluated once per session; effects must cover their true values, and the
ledger, retention, match and coverage figures must equal the documented values exactly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evalkit as ek


@pytest.fixture(scope="module")
def workers_home(example_evaluation):
    return example_evaluation


def test_workers_home_ledger(workers_home):
    p = workers_home.analytics.partnership
    t = p.periods.set_index("period")
    # README.md of workers_home: quarter totals (yuan) and reciprocity
    np.testing.assert_array_equal(t["a_to_b"], [81000, 83000, 83000, 83000])
    np.testing.assert_array_equal(t["b_to_a"], [22000, 45000, 65600, 81000])
    np.testing.assert_allclose(t["reciprocity"],
                               [1 - 59000 / 103000, 1 - 38000 / 128000, 1 - 17400 / 148600,
                                1 - 2000 / 164000], rtol=1e-12)
    np.testing.assert_allclose(p.reciprocity, 1 - 116400 / 543600, rtol=1e-12)
    assert p.trend_word == "rising" and p.depends_on == "union" and p.band == "leaning"


def _evaluate(name: str) -> ek.Evaluation:
    # few clusters: ek.did warns or switches to the wild cluster bootstrap (versions differ);
    # the result and the report say so either way (checked below and in test_linkage_demo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.EvalkitWarning)
        return ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))


@pytest.fixture(scope="module")
def zhongshan():
    return _evaluate("zhongshan_linkage")


def test_zhongshan_truths(zhongshan):
    e = zhongshan.effects["disputes"]
    assert e.ci[0] <= -0.60 <= e.ci[1]  # TRUE_DISPUTE_EFFECT
    assert "7 clusters" in " ".join(e.notes)
    a = zhongshan.analytics
    # needs: p = .30 .25 .20 .15 .06 .04; services 112 168 0 28 14 42 of 364
    p = np.array([300, 250, 200, 150, 60, 40]) / 1000
    q = np.array([112, 168, 0, 28, 14, 42]) / 364
    np.testing.assert_allclose(a.needs_match.mismatch, 0.5 * np.abs(p - q).sum(), rtol=1e-12)
    assert a.needs_match.top_served == 2 / 3 and a.needs_match.unserved_top == ("childcare",)
    np.testing.assert_allclose(a.needs_match.top_service_share, 280 / 364, rtol=1e-12)
    # retention: documented KM value; the true S(90) = exp(-0.45) inside its interval
    np.testing.assert_allclose(a.retention.retention, 0.6597131529947424, rtol=1e-12)
    assert a.retention.ci[0] <= np.exp(-90 / 200) <= a.retention.ci[1]
    assert (a.retention.n, a.retention.events, a.retention.censored) == (400, 234, 166)
    assert dict(a.conversion) == {"share": 0.08, "converted": 120, "served": 1500}
    cov = a.coverage.table.set_index("township")
    assert list(cov["points"]) == [4, 4, 4, 4, 3, 3, 3]
    assert a.coverage.full == 6 / 7 and not cov.loc["T6", "full"]
    assert cov.loc["T6", "missing"] == "platform:volunteer, content:education"
    cad = a.sites.cadence.set_index(["site", "rule_id"])["compliance"]
    np.testing.assert_allclose(cad[("T7", "R1")], 47 / 53, rtol=1e-12)
    assert cad[("T1", "R1")] == 1.0 and ("T1P1", "R1") not in cad.index
    ind = a.sites.indicators.set_index(["site", "indicator_id"])["actual"]
    assert ind[("ZS", "I1")] == 280 and ind[("T6", "I4")] == 0 and ind[("ZS", "I4")] == 36
    assert a.sites.n_clusters == 7 and a.sites.few_clusters
    crit = a.sites.criteria.set_index(["site", "criterion_id"])["met"]
    # T7: 106 - 6 = 100 visits < 104; T6: no volunteer activity
    assert len(crit) == 21 and int(crit.sum()) == 19
    assert not crit[("T6", "C3")] and not crit[("T7", "C2")]


def test_three_society_truths():
    ev = _evaluate("three_society_linkage")
    e = ev.effects["belonging"]
    assert e.ci[0] <= 0.30 <= e.ci[1]  # TRUE_BELONGING_CHANGE
    t = ev.analytics.cycle.table.set_index(["project_id", "stage"])
    off = t.loc[t["status"] != "on_time", ["status", "days_late", "missing_outputs"]]
    off = off.astype(object).where(off.notna(), None)
    assert off.to_dict(orient="index") == {
        ("P02", "design"): {"status": "incomplete", "days_late": 0, "missing_outputs": "budget"},
        ("P03", "design"): {"status": "late", "days_late": 12, "missing_outputs": ""},
        ("P05", "supervision"): {"status": "skipped", "days_late": None, "missing_outputs": ""},
        ("P07", "evaluation"): {"status": "incomplete", "days_late": 0,
                                "missing_outputs": "evaluation_report"},
        ("P08", "evaluation"): {"status": "late", "days_late": 5, "missing_outputs": ""},
        ("P10", "acceptance"): {"status": "late", "days_late": 20, "missing_outputs": ""},
        ("P11", "evaluation"): {"status": "skipped", "days_late": None, "missing_outputs": ""},
        ("P11", "acceptance"): {"status": "skipped", "days_late": None, "missing_outputs": ""},
    }
    total = ev.indicators.set_index(["indicator_id", "period"]).loc[("I1", "total"), "actual"]
    assert total == 11


def test_shenyang_truths():
    ev = _evaluate("shenyang_sanlian")
    e = ev.effects["service"]
    assert e.ci[0] <= 5.2 <= e.ci[1]  # (8 x 6 + 2 x 2) / 10
    h = ev.analytics.heterogeneity["service_by_strength"]
    t = h.table.set_index("subgroup")
    for group, truth in (("strong", 6.0), ("weak", 2.0)):
        assert t.loc[group, "conf_low"] <= truth <= t.loc[group, "conf_high"], group
    assert h.difference["conf_low"] <= -4.0 <= h.difference["conf_high"]
    assert list(t["treated_units"]) == [8, 2]
    assert h.transferability and h.concentrated_in == "strong"
    assert h.few_clusters and h.n_clusters == 24
    ind = ev.analytics.sites.indicators.set_index(["site", "indicator_id"])["actual"]
    assert ind[("SY", "I1")] == 360 and ind[("HP", "I1")] == 216 and ind[("DD", "I1")] == 0


def test_guangdong_truths():
    ev = _evaluate("guangdong_workforce")
    w = ev.analytics.workforce
    total = w.table.loc[w.table["site"] == "total"].set_index("period")
    np.testing.assert_array_equal(total["headcount"], [3000, 3200, 3400])
    np.testing.assert_allclose(total["certification_rate"], [420 / 3000, 510 / 3200, 600 / 3400],
                               rtol=1e-12)
    np.testing.assert_allclose(total["training_hours"], [32, 40, 48], rtol=1e-12)
    np.testing.assert_allclose(total["turnover"], [0.11, 0.10, 0.09], rtol=1e-12)
    np.testing.assert_allclose(total["caseload"], [62, 58, 55], rtol=1e-12)
    met = w.checks.set_index("indicator")["met"].to_dict()
    assert met == {"headcount": True, "certification_rate": False, "training_hours": True,
                   "turnover": True, "caseload": True}
    towns = w.table.loc[(w.table["site"] != "total") & (w.table["period"] == "2025")]
    assert len(towns) == 20 and towns["headcount"].sum() == 3400
    ind = ev.analytics.sites.indicators.set_index(["site", "indicator_id"])["actual"]
    assert ind[("GD", "I1")] == 600
    assert sum(ind[(c, "I1")] for c in ("GZ", "SZ", "FS", "DG")) == 600
