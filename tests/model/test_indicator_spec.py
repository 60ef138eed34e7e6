"""Indicator, cadence and scorecard specs: malformed input gives one error with YAML paths."""

from __future__ import annotations

import pytest
import yaml

import evalkit as ek
from evalkit.errors import SpecError
from evalkit.model.indicators import BandSet, Indicator
from evalkit.model.scorecard import ScorecardSpec


def load_with(example_copy, edit) -> ek.Project:
    path = example_copy / "project.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(spec)
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return ek.load_project(path)


def test_indicator_defaults_and_columns():
    ind = Indicator.model_validate({
        "id": "I", "name": "n", "level": "outputs", "measure": "percentage",
        "numerator": {"filter": {"ok": 1}, "count": True}, "denominator": {"count": True},
        "target": 90, "disaggregations": ["gender"], "aggregate": {"unit": "site"}})
    assert ind.factor == 100 and ind.aggregate.time == "periodic"
    assert ind.columns() == ["ok", "site", "gender"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"target": -1}, "target must be >= 0"),
    ({"targets": {"2025-Q1": -2}, "period": "quarter"}, "targets must be >= 0"),
    ({"factor": 0}, "factor must be > 0"),
    ({"target": None}, "give a target"),
    ({"targets": {"2025-Q1": 2}}, "targets per period need period"),
    ({"compute": None}, "needs compute"),
    ({"aggregate": {"time": "sometimes"}}, "'periodic', 'cumulative' or 'latest'"),
])
def test_indicator_spec_errors(fields, message):
    base = {"id": "I", "name": "n", "level": "outputs", "compute": {"count": True}, "target": 5}
    with pytest.raises(ValueError, match=message):
        Indicator.model_validate({**base, **fields})


def test_band_set_errors():
    with pytest.raises(ValueError, match="last band must be open"):
        BandSet.model_validate({"legend": [{"status": "a", "below": 1}]})
    with pytest.raises(ValueError, match="bounds must increase"):
        BandSet.model_validate({"legend": [{"status": "a", "below": 1},
                                           {"status": "b", "below": 0.5}, {"status": "c"}]})
    with pytest.raises(ValueError, match="below or upto, not both"):
        BandSet.model_validate({"legend": [{"status": "a", "below": 1, "upto": 1},
                                           {"status": "c"}]})


def test_negative_target_yaml_path(example_copy):
    def edit(spec):
        spec["indicators"][3]["target"] = "about 90%"
        spec["indicators"][4]["target"] = -5
    with pytest.raises(SpecError) as info:
        load_with(example_copy, edit)
    text = str(info.value)
    assert "indicators[3].target: expected a number, got 'about 90%'" in text
    assert "indicators[4].target: target must be >= 0, got -5" in text


def test_period_outside_project_listed(example_copy):
    def edit(spec):
        spec["indicators"][0]["targets"] = {"2024-Q4": 1, "2025-Q1": 2, "2025-13": 3}
        spec["cadence"][0]["source"] = "nowhere"
    with pytest.raises(SpecError) as info:
        load_with(example_copy, edit)
    problems = info.value.problems
    assert "indicators[0].targets.2024-Q4: period outside the project (2025-01-01 to " \
           "2025-12-31; periods are 2025-Q1 … 2025-Q4)" in problems
    assert "indicators[0].targets.2025-13: not a quarter label (write e.g. 2025-Q1)" in problems
    assert any(p.startswith("cadence[0].source: unknown data source 'nowhere'")
               for p in problems)


def test_missing_column_is_one_data_error(example_copy):
    def edit(spec):
        spec["indicators"][0]["compute"] = {"filter": {"kind": "x"}, "count": True}
        spec["indicators"][4]["compute"] = {"sum": "helpers"}
    project = load_with(example_copy, edit)
    with pytest.raises(ek.DataError) as info:
        ek.evaluate(project)
    assert info.value.problems == (
        "indicators[0].compute (I1): column 'kind' not found in service_log.csv",
        "indicators[4].compute (I5): column 'helpers' not found in service_log.csv")


SCORECARD = {
    "raters": {"purchaser": 0.5, "community": 0.4},
    "nodes": [
        {"id": "A", "name": "A", "points": 60, "children": [
            {"id": "A1", "name": "a", "points": 30, "rule": "proportional", "manual": True},
            {"id": "A2", "name": "b", "points": 20, "rule": "banded", "manual": True},
            {"id": "A3", "name": "c", "points": 5, "rule": "additive", "manual": True,
             "items": [{"id": "x", "name": "x", "points": 2}]},
            {"id": "A4", "name": "d", "points": 5, "rule": "deduction", "cadence": "R9"},
            {"id": "A1", "name": "dup", "points": 0, "rule": "veto", "manual": True,
             "indicator": "I1", "cap_grade": "天"}]},
        {"id": "B", "name": "B", "points": 30, "children": [
            {"id": "B1", "name": "e", "points": 30}]}],
    "ratings": {"boss": {"A1": 1}, "purchaser": {"Z9": 1}},
}


def test_scorecard_lists_every_problem():
    problems = ScorecardSpec.model_validate(SCORECARD).problems()
    expected = [
        "scorecard.nodes: top-level points sum to 90, expected 100 (the total)",
        "scorecard.raters: role weights sum to 0.9, expected 1",
        "scorecard.nodes[0]: children's points sum to 60, expected 60",
    ]
    assert expected[0] in problems and expected[1] in problems
    text = "\n".join(problems)
    assert "scorecard.nodes[0].children[1].bands: a banded rule needs bands" in text
    assert "scorecard.nodes[0].children[2].items: items' points sum to 2, expected 5" in text
    assert "scorecard.nodes[0].children[3].per: a deduction rule needs per" in text
    assert "scorecard.nodes[0].children[4].id: id 'A1' is used more than once" in text
    assert "scorecard.nodes[0].children[4]: give exactly one of indicator, cadence, effect " \
           "or manual: true (found indicator, manual)" in text
    assert "scorecard.nodes[0].children[4].cap_grade: unknown grade '天'" in text
    assert "scorecard.nodes[1].children[0].rule: a leaf needs a rule" in text
    assert "scorecard.ratings.boss: unknown rater role" in text
    assert "scorecard.ratings.purchaser.Z9: no node 'Z9'" in text
    assert "children's points sum to 60, expected 60" not in text
    with pytest.raises(SpecError, match=r"scorecard: \d+ problem\(s\)"):
        ScorecardSpec.model_validate(SCORECARD).validate()


def test_inner_node_sum_mismatch():
    spec = ScorecardSpec.model_validate({"nodes": [{"id": "A", "name": "A", "points": 100,
        "children": [{"id": "a", "name": "a", "points": 40, "rule": "direct", "manual": True},
                     {"id": "b", "name": "b", "points": 50, "rule": "direct", "manual": True}]}]})
    assert spec.problems() == ["scorecard.nodes[0]: children's points sum to 90, expected 100"]


def test_unknown_rule_type_and_cross_refs(example_copy):
    def edit(spec):
        leaf = spec["scorecard"]["nodes"][1]["children"][0]["children"][0]
        leaf["rule"] = "bonus"
    with pytest.raises(SpecError, match=r"scorecard.nodes\[1\].children\[0\].children\[0\]"
                                        r".rule: expected 'proportional', 'threshold'"):
        load_with(example_copy, edit)

    def edit2(spec):
        spec["scorecard"]["nodes"][1]["children"][0]["children"][0]["rule"] = "proportional"
        spec["scorecard"]["nodes"][1]["children"][0]["children"][0]["indicator"] = "I99"
        spec["scorecard"]["nodes"][0]["children"][1]["children"][0]["cadence"] = "R99"
        spec["scorecard"]["raters"]["community"] = 0.5
    with pytest.raises(SpecError) as info:
        load_with(example_copy, edit2)
    text = "\n".join(info.value.problems)
    assert "scorecard.nodes[1].children[0].children[0].indicator: unknown indicator 'I99'" \
        in text
    assert "scorecard.nodes[0].children[1].children[0].cadence: unknown cadence 'R99'" in text
    assert "scorecard.raters: role weights sum to 1.3, expected 1" in text
