"""The remaining validation messages of the scorecard, cadence and indicator specs."""

from __future__ import annotations

import pytest
import yaml

import evalkit as ek
from evalkit.errors import SpecError
from evalkit.model.cadence import CadenceRule
from evalkit.model.scorecard import ScorecardSpec, grade_set


def test_more_scorecard_messages():
    spec = ScorecardSpec.model_validate({"raters": {"purchaser": 1}, "nodes": [
        {"id": "A", "name": "A", "points": 100, "rule": "direct", "manual": True, "children": [
            {"id": "a", "name": "a", "points": 60, "rule": "direct", "indicator": "I1"},
            {"id": "b", "name": "b", "points": 40, "rule": "banded", "manual": True,
             "bands": [{"grade": "x", "points": 50}]}]}]})
    problems = spec.problems()
    assert "scorecard.nodes[0].rule: a node with children is scored by its children; " \
           "remove rule or the children" in problems
    assert "scorecard.nodes[0].children[0]: a direct rule is scored by raters; set manual: " \
           "true only" in problems
    assert "scorecard.nodes[0].children[1].bands[0].points: 50 exceeds the node's 40 points" \
        in problems


def test_negative_role_weight_and_points():
    with pytest.raises(ValueError, match="role weights must be >= 0"):
        ScorecardSpec.model_validate({"raters": {"a": -1, "b": 2}, "nodes": []})
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        ScorecardSpec.model_validate({"nodes": [{"id": "a", "name": "a", "points": -5,
                                                 "rule": "direct", "manual": True}]})


def test_grade_presets_best_first():
    assert [g.grade for g in grade_set("mof")] == ["优", "良", "中", "差"]
    assert [g.min for g in grade_set("shenzhen")] == [90, 80, 60, 0]


def test_cadence_rule_errors():
    with pytest.raises(ValueError, match="min must be > 0"):
        CadenceRule.model_validate({"id": "R", "name": "r", "source": "s", "per": "week",
                                    "min": 0})
    with pytest.raises(ValueError, match="'week', 'month', 'quarter' or 'year'"):
        CadenceRule.model_validate({"id": "R", "name": "r", "source": "s", "per": "day"})


def test_cadence_and_indicator_cross_checks(example_copy):
    path = example_copy / "project.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["cadence"][1]["id"] = "R1"
    spec["data"]["service_log"]["columns"]["when"] = {"type": "date"}  # two date columns
    spec["cadence"][2].pop("date", None)
    spec["indicators"][2]["period"] = "month"                           # I3 has no date
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        ek.load_project(path)
    problems = info.value.problems
    assert "cadence: id 'R1' is used more than once" in problems
    assert "cadence[2].date: name the column that dates each record (date: <column>)" \
        in problems
    assert "indicators[2].date: a per-month indicator needs the column that dates its " \
           "records (add date: <column>)" in problems
