"""Renewal recommendation (续购建议): renew / renew with rectification / do not renew.

Each fact is rated 2 (bars renewal), 1 (renewal only with rectification) or 0 (supports
renewal); the recommendation follows the worst rating and the reasons are listed worst first:

* acceptance: rejected 2, accepted with conditions 1, accepted 0;
* scorecard grade, through its consequence preset: 不合格/差 (excluded) 2, 合格/中
  (rectification) 1, 优秀/良好 (priority) 0; no scorecard: not used;
* main outcomes: each shows a *clear* change when its confidence interval excludes zero in the
  good direction and its evidence level (Maryland scale) reaches ``min_evidence_level``;
  ``any`` (or ``all``) must; otherwise 1; a clear change in the wrong direction 1;
* cost per unit of net outcome above ``max_cost_per_unit``: 1.

The consequence is the more severe of the grade's preset and the recommendation's
(rectification → rectification plan, do not renew → excluded next year); renewing without a
grade preset gives ``normal``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evalkit._money import fmt_money
from evalkit.assess.acceptance import Statement, fmt

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.estimate.results import EffectResult
    from evalkit.model.value import RenewalSpec

__all__ = ["CONSEQUENCES", "RenewalResult", "assess_project", "recommend"]

Recommendation = Literal["renew", "renew_with_rectification", "do_not_renew"]
_ORDER = ("priority", "normal", "rectification", "excluded")
CONSEQUENCES = {
    "priority": ("在后续购买中优先考虑", "priority in later purchases"),
    "normal": ("按常规程序续购", "renewal through the ordinary procedure"),
    "rectification": ("提交整改方案并限期整改", "a rectification plan, due by a deadline"),
    "excluded": ("下一年度不得参与购买", "excluded from next year's purchases"),
}
_FROM_REC = {"renew": None, "renew_with_rectification": "rectification",
             "do_not_renew": "excluded"}
_ACCEPT = {
    "accepted": (0, "结项验收通过", "the project was accepted"),
    "accepted_with_conditions": (1, "结项验收有条件通过，尚有整改事项",
                                 "the project was accepted with conditions still to be met"),
    "rejected": (2, "结项验收未通过", "the project was rejected at acceptance"),
}


@dataclass(frozen=True)
class RenewalResult:
    """Renewal recommendation (immutable).

    Attributes
    ----------
    recommendation
        "renew" | "renew_with_rectification" | "do_not_renew".
    reasons
        The facts behind it, the deciding ones first (each zh/en).
    consequence
        Preset consequence; ``consequence.key`` is priority / normal / rectification / excluded.
    grade
        The scorecard grade used (None without a scorecard).
    outcomes
        One row per main outcome: design, evidence level, estimate, interval, clear, cost.
    """

    recommendation: Recommendation
    reasons: tuple[Statement, ...]
    consequence: Statement
    grade: str | None
    outcomes: pd.DataFrame

    def summary(self, lang: str = "en") -> str:
        """Plain text: recommendation, consequence and reasons."""
        from evalkit._checks import check_lang

        check_lang(lang)
        return "\n".join([f"recommendation: {self.recommendation}",
                          f"consequence: {self.consequence.get(lang)}",
                          *(f"- {r.get(lang)}" for r in self.reasons)])


def _outcome_facts(spec: RenewalSpec, effects: Mapping[str, EffectResult],
                   costs: Mapping[str, float], currency: str = "CNY",
                   names: Mapping[str, tuple[str, str]] | None = None,
                   ) -> tuple[list[tuple[int, Statement]], pd.DataFrame]:
    import pandas as pd

    facts: list[tuple[int, Statement]] = []
    rows = []
    for o in spec.outcomes:
        eff = effects.get(o.effect)
        cost = costs.get(o.effect, math.nan)
        named = (names or {}).get(o.effect, (o.effect, o.effect))  # the outcome's zh/en name
        if eff is None:
            rows.append({"outcome_id": o.effect, "design": None, "evidence_level": math.nan,
                         "estimate": math.nan, "conf_low": math.nan, "conf_high": math.nan,
                         "clear": False, "harm": False, "cost_per_unit": cost})
            facts.append((0, Statement("no_estimate", f"{named[0]}：没有效果估计",
                                       f"{named[1]}: no effect estimate")))
            continue
        sign = -1.0 if o.direction == "decrease" else 1.0
        lo, hi = sorted((sign * eff.ci[0], sign * eff.ci[1]))
        strong = eff.evidence_level >= spec.min_evidence_level
        clear, harm = lo > 0 and strong, hi < 0
        label = (str(eff.extra.get("label_zh", named[0])), str(eff.extra.get("label_en", named[1])))
        ci = f"{fmt(round(eff.ci[0], 3))} ~ {fmt(round(eff.ci[1], 3))}"
        if harm:
            facts.append((1, Statement("harm", f"{label[0]}朝不利方向变化（置信区间 {ci}）",
                                       f"{label[1]} moved the wrong way (CI {ci})")))
        elif clear:
            facts.append((0, Statement(
                "clear_effect", f"{label[0]}有明确改善（置信区间 {ci}，证据等级 {eff.evidence_level}/5）",
                f"{label[1]} clearly improved (CI {ci}, evidence level {eff.evidence_level}/5)")))
        elif lo <= 0:
            facts.append((0, Statement(
                "unclear_effect", f"{label[0]}的改善不明确（置信区间 {ci} 包含零）",
                f"{label[1]}: no clear improvement (the interval {ci} includes zero)")))
        else:
            lvl, need = eff.evidence_level, spec.min_evidence_level
            facts.append((0, Statement(
                "weak_evidence", f"{label[0]}有所改善（置信区间 {ci}），但证据等级 {lvl}/5 "
                f"低于要求的 {need}/5，不能确认是服务带来的", f"{label[1]} improved (CI {ci}), "
                f"but evidence level {lvl}/5 is below the required {need}/5, so the change "
                "cannot be credited to the service")))
        if o.max_cost_per_unit is not None and math.isfinite(cost):
            over = cost > o.max_cost_per_unit
            zh, en = ("高于", "above") if over else ("不高于", "within")
            cap = o.max_cost_per_unit
            facts.append((int(over), Statement(
                "cost" if over else "cost_ok",
                f"{label[0]}每单位净效果成本 {fmt_money(cost, 'zh', currency, digits=0)}，"
                f"{zh}上限 {fmt_money(cap, 'zh', currency)}",
                f"{label[1]}: cost per unit of net outcome "
                f"{fmt_money(cost, 'en', currency, digits=0)} is {en} the ceiling of "
                f"{fmt_money(cap, 'en', currency)}")))
        rows.append({"outcome_id": o.effect, "design": eff.design,
                     "evidence_level": eff.evidence_level, "estimate": eff.estimate,
                     "conf_low": eff.ci[0], "conf_high": eff.ci[1], "clear": clear,
                     "harm": harm, "cost_per_unit": cost})
    table = pd.DataFrame(rows, columns=["outcome_id", "design", "evidence_level", "estimate",
                                        "conf_low", "conf_high", "clear", "harm",
                                        "cost_per_unit"])
    if len(table):
        n_clear = int(table["clear"].sum())
        ok = n_clear > 0 if spec.require_effect == "any" else n_clear == len(table)
        if not ok:
            lvl = spec.min_evidence_level
            zh, en = (("没有一项主要成效", "no main outcome shows") if spec.require_effect == "any"
                      else ("并非全部主要成效都", "not every main outcome shows"))
            facts.append((1, Statement(
                "evidence", f"{zh}有明确改善（证据等级不低于 {lvl}/5）",
                f"{en} a clear improvement at evidence level {lvl}/5 or better")))
    return facts, table


def recommend(
    spec: RenewalSpec,
    *,
    verdict: str | None,
    grade: str | None,
    effects: Mapping[str, EffectResult],
    cost_per_outcome: Mapping[str, float] | None = None,
    grade_en: str | None = None,
    currency: str = "CNY",
    names: Mapping[str, tuple[str, str]] | None = None,
) -> RenewalResult:
    """Renewal recommendation from the acceptance verdict, grade, evidence and cost.

    Parameters
    ----------
    spec
        Renewal rules; ``spec.outcomes`` are the main outcomes judged.
    verdict
        Acceptance verdict ("accepted", "accepted_with_conditions", "rejected") or None.
    grade
        Scorecard grade label (e.g. "良好" or "good") or None without a scorecard.
    effects
        Outcome id -> EffectResult (estimate, ci, design, evidence_level).
    cost_per_outcome
        Outcome id -> cost per unit of net outcome (from the value stage).
    grade_en
        The grade's English label, looked up in ``spec.consequences`` when ``grade`` is not.
    currency
        ``project.currency``: the unit of the cost in the reasons (元 / CNY).
    names
        Outcome id -> (zh, en) name, for outcomes without an estimate (a reason never prints
        the raw id when the project names the outcome).

    Examples
    --------
    >>> from evalkit.model.value import RenewalSpec
    >>> recommend(RenewalSpec(), verdict="rejected", grade=None, effects={}).recommendation
    'do_not_renew'
    """
    facts: list[tuple[int, Statement]] = []
    if verdict is not None:
        sev, zh, en = _ACCEPT[verdict]
        facts.append((sev, Statement("acceptance", zh, en)))
    grade_cons = None
    if grade is None:
        facts.append((0, Statement("no_grade", "项目未设评分表，未使用等级",
                                   "no scorecard: the grade was not used")))
    elif grade in spec.consequences or grade_en in spec.consequences:
        grade_cons = spec.consequences[grade if grade in spec.consequences else str(grade_en)]
        sev = {"excluded": 2, "rectification": 1}.get(grade_cons, 0)
        shown = grade_en or grade  # an English reader gets the English grade, not 优秀
        facts.append((sev, Statement("grade", f"绩效评价等级为{grade}",
                                     f"the scorecard grade is {shown}")))
    else:
        facts.append((0, Statement("grade_unknown", f"等级“{grade}”没有对应的处理规则",
                                   f"grade {grade!r} has no consequence preset "
                                   "(add it under renewal.consequences)")))
    outcome_facts, table = _outcome_facts(spec, effects, cost_per_outcome or {}, currency,
                                          names)
    facts += outcome_facts
    worst = max((s for s, _ in facts), default=0)
    rec: Recommendation = ("do_not_renew", "renew_with_rectification", "renew")[2 - worst]
    cons = max(filter(None, [grade_cons, _FROM_REC[rec]]), key=_ORDER.index, default="normal")
    ordered = [st for _, st in sorted(facts, key=lambda f: -f[0])]
    return RenewalResult(recommendation=rec, reasons=tuple(ordered),
                         consequence=Statement(cons, *CONSEQUENCES[cons]), grade=grade,
                         outcomes=table)


def assess_project(project: Any, evidence: Any, **stages: Any) -> RenewalResult | None:
    """Renewal recommendation; None when the project has neither a contract nor ``renewal:``."""
    from evalkit.model.value import RenewalOutcome, RenewalSpec

    acceptance = stages.get("acceptance")
    spec = project.renewal
    if spec is None and acceptance is None:
        return None
    spec = spec or RenewalSpec()
    if not spec.outcomes:
        spec = spec.model_copy(update={"outcomes": [RenewalOutcome(effect=o.id)
                                                    for o in project.outcomes if o.main]})
    scorecard = stages.get("scorecard")
    grade = getattr(scorecard, "grade", None) if scorecard is not None else None
    value = stages.get("value")
    costs: dict[str, float] = {}
    if value is not None and len(value.cost_per_outcome):
        costs = dict(zip(value.cost_per_outcome["outcome_id"],
                         value.cost_per_outcome["cost_per_unit"], strict=True))
    grade_en = getattr(scorecard, "grade_en", None) if scorecard is not None else None
    return recommend(spec, verdict=acceptance.verdict if acceptance is not None else None,
                     grade=str(grade) if grade is not None else None,
                     effects=stages.get("effects") or {}, cost_per_outcome=costs,
                     grade_en=str(grade_en) if grade_en is not None else None,
                     currency=str(project.project.currency),
                     names={o.id: (o.name.zh, o.name.en) for o in project.outcomes})
