"""Renewal recommendation: each path, the grade presets, ordered reasons, no scorecard."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from evalkit.assess.renewal import assess_project, recommend
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
from evalkit.model.value import RenewalSpec


def effect(lo: float, hi: float, design: str = "did", level: int = 3) -> EffectResult:
    est = (lo + hi) / 2
    return EffectResult(estimate=est, se=(hi - lo) / 3.92, ci=(lo, hi), pvalue=0.01, n=100,
                        method="hand-made", design=design, outcome="y", term="y",  # type: ignore[arg-type]
                        table=tidy_frame([tidy_row("y", est, 0.1, 1.0, 0.01, lo, hi)]),
                        evidence_level=level, extra={"label_en": "disputes", "label_zh": "争议"})


SPEC = RenewalSpec.model_validate({"outcomes": [
    {"effect": "disputes", "direction": "decrease", "max_cost_per_unit": 600}]})
CLEAR = {"disputes": effect(-1.0, -0.6)}          # a decrease, interval excludes zero, level 3


def test_renew_with_priority():
    res = recommend(SPEC, verdict="accepted", grade="优秀", effects=CLEAR,
                    cost_per_outcome={"disputes": 500})
    assert res.recommendation == "renew"
    assert res.consequence.key == "priority"
    assert res.consequence.zh == "在后续购买中优先考虑"
    assert [r.key for r in res.reasons] == ["acceptance", "grade", "clear_effect", "cost_ok"]
    assert bool(res.outcomes.iloc[0]["clear"])


def test_renew_normal_without_scorecard():
    res = recommend(SPEC, verdict="accepted", grade=None, effects=CLEAR)
    assert res.recommendation == "renew"
    assert res.consequence.key == "normal"
    assert "no_grade" in [r.key for r in res.reasons]


@pytest.mark.parametrize(("verdict", "grade", "effects", "cost", "first"), [
    ("accepted_with_conditions", "良好", CLEAR, 500, "acceptance"),
    ("accepted", "合格", CLEAR, 500, "grade"),
    ("accepted", "良好", {"disputes": effect(-0.9, 0.1)}, 500, "evidence"),   # CI includes 0
    ("accepted", "良好", {"disputes": effect(-1.0, -0.6, "pre_post", 2)}, 500, "evidence"),
    ("accepted", "良好", CLEAR, 700, "cost"),                                   # 700 > 600
    ("accepted", "良好", {"disputes": effect(0.2, 0.6)}, 500, "harm"),          # wrong way
    ("accepted", "良好", {}, 500, "evidence"),                                  # no estimate
])
def test_renew_with_rectification(verdict, grade, effects, cost, first):
    res = recommend(SPEC, verdict=verdict, grade=grade, effects=effects,
                    cost_per_outcome={"disputes": cost})
    assert res.recommendation == "renew_with_rectification"
    assert res.consequence.key == "rectification"
    assert res.reasons[0].key == first


def test_do_not_renew_after_rejection_overrides_a_good_grade():
    res = recommend(SPEC, verdict="rejected", grade="优秀", effects=CLEAR)
    assert res.recommendation == "do_not_renew"
    assert res.consequence.key == "excluded"          # the more severe of priority / excluded
    assert res.reasons[0].key == "acceptance"
    assert res.reasons[0].en == "the project was rejected at acceptance"


def test_do_not_renew_failing_grade():
    res = recommend(SPEC, verdict="accepted", grade="不合格", effects=CLEAR)
    assert res.recommendation == "do_not_renew"
    assert res.consequence.en == "excluded from next year's purchases"
    assert res.reasons[0].key == "grade"


def test_reasons_in_order_of_weight():
    res = recommend(SPEC, verdict="accepted_with_conditions", grade="不合格",
                    effects={"disputes": effect(-0.9, 0.1)})
    assert [r.key for r in res.reasons] == ["grade", "acceptance", "evidence", "unclear_effect"]


def test_require_all_outcomes():
    spec = RenewalSpec.model_validate({"require_effect": "all", "outcomes": [
        {"effect": "a"}, {"effect": "b"}]})
    effects = {"a": effect(0.1, 0.5), "b": effect(-0.1, 0.5)}
    assert recommend(spec, verdict="accepted", grade=None,
                     effects=effects).recommendation == "renew_with_rectification"
    any_spec = spec.model_copy(update={"require_effect": "any"})
    assert recommend(any_spec, verdict="accepted", grade=None,
                     effects=effects).recommendation == "renew"


def test_unknown_grade_is_reported_not_fatal():
    res = recommend(SPEC, verdict="accepted", grade="A+", effects=CLEAR)
    assert res.recommendation == "renew"
    assert any(r.key == "grade_unknown" for r in res.reasons)


def test_custom_grade_label_falls_back_to_english():
    res = recommend(SPEC, verdict="accepted", grade="甲等", grade_en="fail", effects=CLEAR)
    assert res.recommendation == "do_not_renew"
    assert "甲等" in res.reasons[0].zh


def test_custom_consequences():
    spec = SPEC.model_copy(update={"consequences": {"A": "excluded"}})
    assert recommend(spec, verdict="accepted", grade="A",
                     effects=CLEAR).recommendation == "do_not_renew"


def test_assess_project_uses_stages(example_project):
    acceptance = SimpleNamespace(verdict="accepted")
    scorecard = SimpleNamespace(total=91.0, grade="优秀")
    effects = {"wellbeing": effect(0.3, 0.5, "pre_post", 2), "disputes": effect(-1.0, -0.6)}
    res = assess_project(example_project, None, acceptance=acceptance, scorecard=scorecard,
                         effects=effects, value=None)
    assert res is not None
    assert res.recommendation == "renew"
    assert res.consequence.key == "priority"
    # wellbeing: interval excludes zero but a before/after design (level 2) is not enough
    assert list(res.outcomes["clear"]) == [False, True]
    none = assess_project(example_project, None, acceptance=acceptance, scorecard=None,
                          effects=effects)
    assert none.grade is None and none.recommendation == "renew"


def test_example_evaluation_end_to_end(example_evaluation):
    ev = example_evaluation
    assert ev.acceptance.verdict == "accepted_with_conditions"
    assert [c.en.split(":")[1].split()[0] for c in ev.acceptance.conditions] == ["C6", "Q1"]
    assert ev.value.execution_rate == pytest.approx(291_090 / 300_000)
    assert ev.value.sroi.ratio > 1
    # conditions at acceptance -> rectification, whatever the grade (at best priority)
    assert ev.renewal.recommendation == "renew_with_rectification"
    assert ev.renewal.reasons[0].key == "acceptance"
    assert ev.renewal.consequence.key == "rectification"


def test_weak_design_is_reported_as_such():
    res = recommend(SPEC, verdict="accepted", grade=None,
                    effects={"disputes": effect(-1.0, -0.6, "pre_post", 2)})
    weak = [r for r in res.reasons if r.key == "weak_evidence"]
    assert len(weak) == 1
    assert "evidence level 2/5 is below the required 3/5" in weak[0].en
    assert res.recommendation == "renew_with_rectification"
