"""Weighted scorecard scoring: every rule, sources, raters, grades, veto (hand-computed)."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pandas as pd
import pytest

from evalkit.assess.cadence import check_cadence
from evalkit.assess.scorecard import score_leaf, score_scorecard
from evalkit.errors import DataError, SpecError
from evalkit.model.cadence import CadenceRule
from evalkit.model.scorecard import Node, ScorecardSpec


def leaf(rule: str, points: float = 10, **kw: object) -> Node:
    src = {} if any(k in kw for k in ("indicator", "cadence", "effect")) else {"manual": True}
    return Node.model_validate({"id": "n", "name": "n", "points": points, "rule": rule,
                                **src, **kw})


# ---- leaf rules -------------------------------------------------------------------------
def test_proportional_capped():
    assert score_leaf(leaf("proportional"), 0.85)[0] == pytest.approx(8.5)
    assert score_leaf(leaf("proportional"), 1.3)[0] == 10          # capped at full points
    assert score_leaf(leaf("proportional", cap=0.8), 0.6)[0] == pytest.approx(7.5)
    assert score_leaf(leaf("proportional"), -0.2)[0] == 0
    pts, _zh, en = score_leaf(leaf("proportional"), math.nan)
    assert pts == 0 and "no data" in en


def test_threshold_all_or_nothing():
    assert score_leaf(leaf("threshold"), 1.0)[0] == 10
    assert score_leaf(leaf("threshold"), 0.99)[0] == 0
    assert score_leaf(leaf("threshold", threshold=0.9), 0.95)[0] == 10
    assert score_leaf(leaf("threshold"), True)[0] == 10


def test_banded_by_value_and_grade():
    bands = [{"min": 1.0, "points": 6, "grade": "A"}, {"min": 0.9, "points": 4, "grade": "B"},
             {"points": 0, "grade": "C"}]
    node = leaf("banded", 6, bands=bands)
    assert score_leaf(node, 1.02)[0] == 6
    assert score_leaf(node, 0.95)[0] == 4
    assert score_leaf(node, 0.5)[0] == 0
    assert score_leaf(node, "B") == (4, "评为“B”档", "band 'B'")
    with pytest.raises(SpecError, match="grade 'Z' is not one of the bands"):
        score_leaf(node, "Z")


def test_additive_items():
    items = [{"id": "a", "name": {"zh": "甲", "en": "alpha"}, "points": 2, "threshold": 0.5},
             {"id": "b", "name": {"zh": "乙", "en": "beta"}, "points": 3, "threshold": 1.0}]
    node = leaf("additive", 5, items=items)
    assert score_leaf(node, ["a", "b"])[0] == 5
    pts, zh, en = score_leaf(node, ["a"])
    assert pts == 2 and en == "not done: beta" and zh == "未完成：乙"
    assert score_leaf(node, {"a": False, "b": True})[0] == 3
    assert score_leaf(node, 0.7)[0] == 2                           # data value: a only
    with pytest.raises(SpecError, match="unknown item"):
        score_leaf(node, ["c"])


def test_deduction_floored_at_zero():
    node = leaf("deduction", 4, per=1.5)
    assert score_leaf(node, 0)[0] == 4
    pts, _zh, en = score_leaf(node, 2, occurrences=["W05", "W40"])
    assert pts == 1 and en == "3 deducted (2 × 1.5): W05, W40"
    assert score_leaf(node, 5)[0] == 0                              # never below 0
    assert score_leaf(node, ["late report"])[0] == 2.5              # a list: one per item


def test_direct_and_veto():
    assert score_leaf(leaf("direct"), 7) == (7, "评分 7/10", "rated 7 of 10")
    assert score_leaf(leaf("direct"), 12)[0] == 10
    assert score_leaf(leaf("veto", 0), True)[0] == 0 and not score_leaf(leaf("veto", 0), True)[1]
    assert score_leaf(leaf("veto", 0), False)[2] == "veto failed"


# ---- sources, raters, grades, veto ------------------------------------------------------------
INDICATORS = pd.DataFrame({
    "indicator_id": ["I1", "I1", "I2"], "period": ["2025-Q1", "total", "total"],
    "disaggregation": ["", "", ""], "actual": [5, 20, 50], "achievement": [0.2, 0.8, 1.25]})
RULE = CadenceRule(id="R1", name="r", source="log", date="date", per="month", min=1)
LOG = pd.DataFrame({"date": ["2025-01-03", "2025-03-09"]})
CADENCE = check_cadence([RULE], {"log": LOG}, dt.date(2025, 1, 1), dt.date(2025, 4, 30))
EFFECTS = {"up": SimpleNamespace(estimate=0.4, pvalue=0.001),
           "flat": SimpleNamespace(estimate=0.1, pvalue=0.30),
           "down": SimpleNamespace(estimate=-0.8, pvalue=0.01)}


def card(grades: object = "shenzhen", **extra: object) -> ScorecardSpec:
    return ScorecardSpec.model_validate({
        "grades": grades, "raters": {"purchaser": 0.5, "third_party": 0.3, "community": 0.2},
        "nodes": [
            {"id": "A", "name": "A", "points": 60, "children": [
                {"id": "A1", "name": "a1", "points": 60, "children": [
                    {"id": "A1.1", "name": "i1", "points": 20, "rule": "proportional",
                     "indicator": "I1"},
                    {"id": "A1.2", "name": "i2", "points": 10, "rule": "threshold",
                     "indicator": "I2"},
                    {"id": "A1.3", "name": "r1", "points": 10, "rule": "proportional",
                     "cadence": "R1"},
                    {"id": "A1.4", "name": "r1 ded", "points": 10, "rule": "deduction",
                     "cadence": "R1", "per": 3},
                    {"id": "A1.5", "name": "fx", "points": 10, "rule": "threshold",
                     "effect": "down", "direction": "decrease"}]}]},
            {"id": "B", "name": "B", "points": 40, "children": [
                {"id": "B1", "name": "b1", "points": 40, "children": [
                    {"id": "B1.1", "name": "m", "points": 40, "rule": "direct", "manual": True},
                    {"id": "B1.2", "name": "safe", "points": 0, "rule": "veto",
                     "manual": True}]}]}],
        **extra})


def test_score_from_every_source_and_role_weights():
    ratings = {"purchaser": {"B1.1": 30, "B1.2": True}, "third_party": {"B1.1": 40},
               "community": {"B1.1": {"value": 20, "reason": "少数居民不知道服务"}}}
    res = score_scorecard(card(), indicators=INDICATORS, cadence=CADENCE, effects=EFFECTS,
                          ratings=ratings)
    pts = res.nodes.set_index("node_id")["points"]
    assert pts["A1.1"] == pytest.approx(16)        # 20 × 0.8 (total row, not Q1)
    assert pts["A1.2"] == 10                       # 1.25 ≥ 1
    # R1 monthly Jan-Apr: Jan and Mar met, Feb and Apr missed -> 50 %
    assert pts["A1.3"] == pytest.approx(5)
    assert pts["A1.4"] == pytest.approx(4)         # 10 − 2 × 3
    assert pts["A1.5"] == 10                       # significant decrease
    # manual: (0.5 × 30 + 0.3 × 40 + 0.2 × 20) / 1.0 = 31
    assert pts["B1.1"] == pytest.approx(31)
    assert res.total == pytest.approx(16 + 10 + 5 + 4 + 10 + 31)
    assert res.total == pytest.approx(76)
    assert res.grade == "合格" and res.grade_en == "pass" and res.veto == ()   # 60-79
    assert pts["A"] == pytest.approx(45) and pts["A1"] == pytest.approx(45)
    reasons = res.nodes.set_index("node_id")["reason_en"]
    assert "2025-02, 2025-04" in reasons["A1.4"]
    assert "Community: 少数居民不知道服务" in reasons["B1.1"]
    assert res.roles["purchaser"] == pytest.approx(45 + 30)
    assert res.nodes.set_index("node_id").loc["B1.1", "points_community"] == 20


def test_missing_role_is_renormalised():
    ratings = {"purchaser": {"B1.1": 30}, "community": {"B1.1": 20}}   # no third party
    res = score_scorecard(card(), indicators=INDICATORS, cadence=CADENCE, effects=EFFECTS,
                          ratings=ratings)
    # (0.5 × 30 + 0.2 × 20) / 0.7
    assert res.nodes.set_index("node_id").loc["B1.1", "points"] == pytest.approx(19 / 0.7)


def test_veto_caps_grade_and_mof_preset():
    ratings = {"purchaser": {"B1.1": 40, "B1.2": {"value": False, "reason": "发生安全事故"}},
               "third_party": {"B1.1": 40}, "community": {"B1.1": 40}}
    res = score_scorecard(card("mof"), indicators=INDICATORS, cadence=CADENCE,
                          effects=EFFECTS, ratings=ratings)
    assert res.total == pytest.approx(85)
    assert res.grade_uncapped == "良" and res.grade == "差" and res.grade_en == "fail"
    assert res.veto[0]["node_id"] == "B1.2" and "发生安全事故" in res.veto[0]["reason_zh"]


def test_user_defined_grades_and_effect_not_significant():
    grades = [{"grade": "A", "grade_en": "a", "min": 50}, {"grade": "B", "grade_en": "b",
                                                            "min": 0}]
    spec = card(grades)
    spec = spec.model_copy(update={"nodes": spec.nodes})
    effects = {**EFFECTS, "down": SimpleNamespace(estimate=-0.8, pvalue=0.2)}
    res = score_scorecard(spec, indicators=INDICATORS, cadence=CADENCE, effects=effects,
                          ratings={"purchaser": {"B1.1": 0}})
    assert res.nodes.set_index("node_id").loc["A1.5", "points"] == 0
    assert res.total == pytest.approx(35) and res.grade == "B"


def test_unrated_manual_leaf_scores_zero():
    res = score_scorecard(card(), indicators=INDICATORS, cadence=CADENCE, effects=EFFECTS,
                          ratings={})
    row = res.nodes.set_index("node_id").loc["B1.1"]
    assert row["points"] == 0 and row["reason_en"] == "not rated"


def test_missing_stage_results():
    with pytest.raises(DataError, match="no indicator values"):
        score_scorecard(card(), indicators=None, cadence=CADENCE, effects=EFFECTS)
    with pytest.raises(DataError, match="no cadence results"):
        score_scorecard(card(), indicators=INDICATORS, cadence=None, effects=EFFECTS)


def test_result_views():
    res = score_scorecard(card(), indicators=INDICATORS, cadence=CADENCE, effects=EFFECTS,
                          ratings={"purchaser": {"B1.1": 40}})
    d = res.to_dict()
    assert d["grade"] == res.grade and len(d["nodes"]) == len(res.nodes) == 11
    assert res.to_frame() is not res.nodes
    with pytest.raises(AttributeError):
        res.total = 1  # type: ignore[misc]


def test_example_scorecard(example_evaluation):
    sc = example_evaluation.scorecard
    nodes = sc.nodes.set_index("node_id")
    assert 0 <= sc.total <= 100 and sc.grade in ("优秀", "良好", "合格", "不合格")
    # A2.1: 4 points, 1 per missed week (W05, W40)
    assert nodes.loc["A2.1", "points"] == 2
    # A2.2: monthly activity 10 of 12 months
    assert nodes.loc["A2.2", "points"] == pytest.approx(3 * 10 / 12)
    # A1.1 banded by raters: purchaser 好 (6), third party 较好 (4): (0.4×6 + 0.4×4) / 0.8
    assert nodes.loc["A1.1", "points"] == pytest.approx(5)
    assert nodes.loc["A", "max_points"] + nodes.loc["B", "max_points"] \
        + nodes.loc["C", "max_points"] + nodes.loc["D", "max_points"] == 100
    assert math.isclose(sc.total, nodes.loc[["A", "B", "C", "D"], "points"].sum())


def test_indicator_values_read_fast_equal_the_checked_rows():
    """float64 columns are read from the table's positions; other dtypes (here int64 actual)
    and refused values go through numeric_column: both give the same scores and messages."""
    ratings = {"purchaser": {"B1.1": 30}}
    floats = INDICATORS.astype({"actual": "float64"})
    texts = INDICATORS.astype({"achievement": "string"})
    a, b, c = (score_scorecard(card(), indicators=t, cadence=CADENCE, effects=EFFECTS,
                               ratings=ratings).nodes for t in (INDICATORS, floats, texts))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    huge = INDICATORS.assign(achievement=[1e300, 0.8, math.inf])   # Q1's value is not read
    with pytest.raises(DataError, match=r"children\[1\]\.indicator: column .achievement. must hold "
                                        r"finite numbers, found inf at row 2"):
        score_scorecard(card(), indicators=huge, cadence=CADENCE, effects=EFFECTS,
                        ratings=ratings)


def test_cadence_read_without_a_cadence_result_type():
    """A look-alike of CadenceResult is read by its own filters (missed(), rules rows)."""
    ratings = {"purchaser": {"B1.1": 30}}
    alike = SimpleNamespace(rules=CADENCE.rules, missed=CADENCE.missed)
    a = score_scorecard(card(), indicators=INDICATORS, cadence=CADENCE, effects=EFFECTS,
                        ratings=ratings).nodes
    b = score_scorecard(card(), indicators=INDICATORS, cadence=alike, effects=EFFECTS,
                        ratings=ratings).nodes
    pd.testing.assert_frame_equal(a, b)
    other = SimpleNamespace(rules=CADENCE.rules.assign(rule_id="R9"), missed=CADENCE.missed)
    with pytest.raises(DataError, match="no result for rule 'R1'"):
        score_scorecard(card(), indicators=INDICATORS, cadence=other, effects=EFFECTS,
                        ratings=ratings)
