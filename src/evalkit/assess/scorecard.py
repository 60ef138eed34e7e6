"""Weighted scorecard scoring (绩效评价): leaf rules, rater roles, grade and veto.

Every leaf is scored by its rule from its value (see :mod:`evalkit.model.scorecard`). Data
leaves (indicator, cadence, effect) score the same for every rater; a manual leaf is scored
by each role that rated it and the role scores are combined by the role weights, renormalised
over the roles that rated it: points = Σ w_r p_r / Σ w_r. An inner node scores the sum of its
children; the total is the sum of the top level. The grade is the best grade whose minimum
the total reaches, capped by any failed veto.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_frame, numeric_column, require_columns
from evalkit.errors import DataError, SpecError
from evalkit.model.scorecard import Node, ScorecardSpec, grade_set, rating_problems

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NODE_COLUMNS", "ScorecardResult", "score_leaf", "score_project", "score_scorecard"]

#: Chinese names of the usual rater roles (other role ids are printed as given)
ROLE_ZH = {"purchaser": "购买方", "third_party": "第三方", "community": "社区", "provider": "承接方",
           "beneficiary": "服务对象", "expert": "专家"}
#: English names of the usual rater roles, as they start a reason ("Third party: …"; the
#: report's catalogue ``role.*`` names them inside a sentence)
ROLE_EN = {"purchaser": "Purchaser", "third_party": "Third party", "community": "Community",
           "provider": "Provider", "beneficiary": "Service users", "expert": "Expert"}

NODE_COLUMNS = ["node_id", "parent_id", "depth", "name_zh", "name_en", "max_points", "points",
                "rule", "source", "value", "deducted", "reason_zh", "reason_en",
                "criteria_zh", "criteria_en", "evidence_zh", "evidence_en", "evidence_status"]


@dataclass(frozen=True)
class ScorecardResult:
    """A scored scorecard (immutable).

    Attributes
    ----------
    total
        Weighted score, 0–100 (or the spec's ``total``).
    grade, grade_en
        Grade label (e.g. "良好", "good"), after any veto cap.
    nodes
        One row per node, depth first (:data:`NODE_COLUMNS` plus ``points_<role>`` per rater
        role): ``max_points``, ``points`` earned, ``rule``, ``source`` ("indicator:I1",
        "cadence:R1", "effect:wellbeing", "manual"), ``value`` the rule was applied to,
        ``deducted`` (max − earned), ``reason_zh``/``reason_en`` (why points were lost),
        the 评分标准 ``criteria_*``, the 需提供材料 ``evidence_*`` and ``evidence_status``
        (a rater's note on the evidence seen).
    veto
        One dict per failed veto: ``node_id``, ``name_zh``, ``name_en``, ``cap_grade``,
        ``reason_zh``, ``reason_en``. Empty when no veto failed.
    roles
        Role -> total as that role alone would have scored it (data leaves shared).
    grade_uncapped
        The grade the total alone earns.
    grades
        The grade set used (name of the preset or "custom").
    agreement
        Agreement between the rater roles (:class:`~evalkit.assess.agreement.AgreementResult`,
        ICC(A,1)) when two or more roles rated enough of the same items, else ``None``.
    agreement_note
        Why ``agreement`` is ``None`` when roles rated manual items (too few common items …).
    """

    total: float
    grade: str
    grade_en: str
    nodes: pd.DataFrame
    veto: tuple[dict[str, Any], ...] = ()
    roles: Mapping[str, float] = field(default_factory=dict)
    grade_uncapped: str = ""
    grades: str = "mof"
    agreement: Any = None
    agreement_note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))

    def to_frame(self) -> pd.DataFrame:
        """The per-node table (a copy)."""
        return self.nodes.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data: total, grade, grade_en, veto, roles and nodes (records)."""
        return {"total": self.total, "grade": self.grade, "grade_en": self.grade_en,
                "grade_uncapped": self.grade_uncapped, "grades": self.grades,
                "veto": [dict(v) for v in self.veto], "roles": dict(self.roles),
                "nodes": self.nodes.to_dict(orient="records"),
                "agreement": None if self.agreement is None else self.agreement.to_dict()}


# ---- one leaf ----------------------------------------------------------------------------
def _pct(v: float) -> str:
    return f"{v * 100:.1f}%"


def _as_float(value: Any, where: str) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{where}: expected a number, got {value!r}") from exc


def score_leaf(node: Node, value: Any, *, occurrences: list[str] | None = None,
               where: str = "leaf") -> tuple[float, str, str]:
    """Points earned by ``node`` for ``value``, with the reason (zh, en) when points are lost.

    ``value`` is a number for data sources; a rater may give a grade label (banded), a list of
    met item ids (additive), a count or list of reasons (deduction) or true/false (veto,
    threshold). ``occurrences`` names what each deduction was for (e.g. missed weeks).

    Examples
    --------
    >>> from evalkit.model.scorecard import Node
    >>> score_leaf(Node(id="a", name="a", points=10, rule="proportional", manual=True), 0.85)
    (8.5, '达成率 85.0%，按比例得分', 'achievement 85.0%: points pro rata')
    """
    p, rule = node.points, node.rule
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0, "无数据，不得分", "no data: no points"
    if rule == "direct":
        v = _as_float(value, where)
        got = min(max(v, 0.0), p)
        return (got, "", "") if got >= p else (got, f"评分 {got:g}/{p:g}",
                                                f"rated {got:g} of {p:g}")
    if rule == "proportional":
        v = _as_float(value, where)
        got = p * min(max(v, 0.0) / node.cap, 1.0)
        if got >= p - 1e-12:
            return p, "", ""
        return got, f"达成率 {_pct(v)}，按比例得分", f"achievement {_pct(v)}: points pro rata"
    if rule in ("threshold", "veto"):
        ok = value if isinstance(value, bool) else _as_float(value, where) >= (
            node.threshold if node.threshold is not None else 1.0) - 1e-12
        if ok:
            return p, "", ""
        if rule == "veto":
            return 0.0, "触发一票否决", "veto failed"
        shown = value if isinstance(value, bool) else f"{_as_float(value, where):.4g}"
        return 0.0, f"未达到门槛（{shown}）", f"threshold not reached ({shown})"
    if rule == "banded":
        return _banded(node, value, where)
    if rule == "additive":
        return _additive(node, value, where)
    if rule == "deduction":
        if isinstance(value, list):
            occurrences, count = [str(v) for v in value], float(len(value))
        else:
            count = _as_float(value, where)
        assert node.per is not None
        cut = min(p, node.per * count)
        if cut <= 0:
            return p, "", ""
        what = f"：{', '.join(occurrences)}" if occurrences else ""
        what_en = f": {', '.join(occurrences)}" if occurrences else ""
        return p - cut, f"扣 {cut:g} 分（{count:g} 次 × {node.per:g}）{what}", \
            f"{cut:g} deducted ({count:g} × {node.per:g}){what_en}"
    raise SpecError(f"{where}.rule: unknown rule {rule!r}")  # pragma: no cover


def _banded(node: Node, value: Any, where: str) -> tuple[float, str, str]:
    if isinstance(value, str) and not _is_number(value):
        for b in node.bands:
            if b.grade == value:
                return _band_points(node, b.points, value)
        grades = ", ".join(str(b.grade) for b in node.bands if b.grade)
        raise SpecError(f"{where}: grade {value!r} is not one of the bands ({grades})")
    v = _as_float(value, where)
    ordered = sorted(node.bands, key=lambda b: -math.inf if b.min is None else -b.min)
    for b in sorted(ordered, key=lambda b: b.min is None):
        if b.min is None or v >= b.min - 1e-12:
            return _band_points(node, b.points, b.grade or f"≥ {b.min:g}" if b.min else "")
    return 0.0, f"低于最低档（{v:g}）", f"below the lowest band ({v:g})"


def _band_points(node: Node, points: float, label: str) -> tuple[float, str, str]:
    if points >= node.points:
        return points, "", ""
    return points, f"评为“{label}”档", f"band {label!r}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _additive(node: Node, value: Any, where: str) -> tuple[float, str, str]:
    if isinstance(value, list | tuple | set):
        met = {str(v) for v in value}
    elif isinstance(value, dict):
        met = {str(k) for k, v in value.items() if v}
    else:
        v = _as_float(value, where)
        met = {i.id for i in node.items if i.threshold is not None and v >= i.threshold - 1e-12}
    unknown = met - {i.id for i in node.items}
    if unknown:
        raise SpecError(f"{where}: unknown item(s) {', '.join(sorted(unknown))} "
                        f"(items: {', '.join(i.id for i in node.items)})")
    got = sum(i.points for i in node.items if i.id in met)
    lost = [i for i in node.items if i.id not in met]
    if not lost:
        return got, "", ""
    return got, "未完成：" + "、".join(i.name.zh for i in lost), \
        "not done: " + ", ".join(i.name.en for i in lost)


# ---- values ------------------------------------------------------------------------------
def total_rows(indicators: pd.DataFrame | None) -> dict[str, list[int]] | None:
    """Indicator id -> the positions of its whole-population ``total`` rows, in table order
    (the rows :func:`leaf_value` selects for one id), to look up once per scorecard; None when
    the table is empty or its id or period column is not complete text."""
    import numpy as np
    import pandas as pd

    if indicators is None or not len(indicators) or not {"indicator_id", "period"} <= set(
            indicators.columns):
        return None
    ids, period = indicators["indicator_id"], indicators["period"].astype("string")
    if not isinstance(ids.dtype, pd.StringDtype) or bool(ids.isna().any() | period.isna().any()):
        return None
    keep = (period == "total").to_numpy(dtype=bool)
    if "disaggregation" in indicators:
        whole = indicators["disaggregation"].astype("string").fillna("") == ""
        keep &= whole.to_numpy(dtype=bool)
    out: dict[str, list[int]] = {}
    for pos, key in zip(np.flatnonzero(keep).tolist(), ids[keep].tolist(), strict=True):
        out.setdefault(str(key), []).append(pos)
    return out


def _total_value(indicators: pd.DataFrame, positions: list[int], column: str) -> float | None:
    """The last of ``positions``' values of ``column`` when the column is float64 and none of
    those values is one :func:`~evalkit._checks.numeric_column` refuses (infinite or beyond
    :data:`~evalkit._checks.MAX_VALUE`); None otherwise (then the rows are checked and read
    the pandas way, with its messages)."""
    import numpy as np

    from evalkit._checks import MAX_VALUE

    if column not in indicators.columns or not indicators.columns.is_unique:
        return None
    values = indicators[column]
    if values.dtype != np.float64:
        return None
    chosen = values.to_numpy()[positions]
    if bool((np.abs(chosen) > MAX_VALUE).any()):
        return None
    return float(chosen[-1])


def compliance_by_rule(cadence: Any) -> dict[str, Any] | None:
    """Rule id -> compliance of its first row in ``cadence.rules`` (what :func:`leaf_value`
    reads for one rule); None unless ``cadence`` is a
    :class:`~evalkit.assess.cadence.CadenceResult` whose rule ids are all text."""
    from evalkit.assess.cadence import CadenceResult

    if type(cadence) is not CadenceResult:
        return None
    rules = cadence.rules
    if not rules.columns.is_unique or not {"rule_id", "compliance"} <= set(rules.columns):
        return None
    ids = rules["rule_id"].tolist()
    if not all(type(i) is str for i in ids):
        return None
    out: dict[str, Any] = {}
    for ident, value in zip(ids, rules["compliance"].tolist(), strict=True):
        out.setdefault(ident, value)
    return out


def missed_by_rule(cadence: Any) -> dict[str, list[str]] | None:
    """Rule id -> ``cadence.missed(rule_id)`` for every rule id in ``cadence.periods``, from
    one pass over the period table (the same equality tests as the filter, row by row); None
    unless ``cadence`` is a :class:`~evalkit.assess.cadence.CadenceResult`."""
    from evalkit.assess.cadence import CadenceResult

    if type(cadence) is not CadenceResult:
        return None
    periods = cadence.periods
    out: dict[str, list[str]] = {}
    for rule, met, label in zip(periods["rule_id"], periods["met"], periods["period"],
                                strict=True):
        if isinstance(rule, str) and met == False:  # noqa: E712  (as the filter: None is not)
            out.setdefault(rule, []).append(str(label))
    return out


def leaf_value(node: Node, indicators: pd.DataFrame | None, cadence: Any,
               effects: Mapping[str, Any] | None,
               where: str, totals: dict[str, list[int]] | None = None,
               missed_by: Mapping[str, list[str]] | None = None,
               compliance: Mapping[str, Any] | None = None
               ) -> tuple[str, Any, list[str] | None]:
    """``(source label, value, occurrences)`` of a data leaf from the earlier stages.

    ``totals``: :func:`total_rows` of ``indicators``, computed once for many leaves;
    ``missed_by``: :func:`missed_by_rule` of ``cadence``, and ``compliance``:
    :func:`compliance_by_rule` of it, likewise."""
    if node.indicator is not None:
        if indicators is None or not len(indicators):
            raise DataError(f"{where}.indicator: no indicator values to score from")
        column = "actual" if node.use == "actual" else "achievement"
        if totals is not None and node.indicator in totals:
            value = _total_value(indicators, totals[node.indicator], column)
            if value is not None:
                return f"indicator:{node.indicator}", value, None
            rows = indicators.iloc[totals[node.indicator]]
        else:
            rows = indicators.loc[(indicators["indicator_id"] == node.indicator)
                                  & (indicators["period"].astype("string") == "total")]
            if "disaggregation" in rows:
                rows = rows.loc[rows["disaggregation"].astype("string").fillna("") == ""]
        if rows.empty:
            raise DataError(f"{where}.indicator: indicator {node.indicator!r} has no value "
                            "(does it have a data source?)")
        column = "actual" if node.use == "actual" else "achievement"
        require_columns(rows, [column], f"{where}.indicator")
        value = float(numeric_column(rows, column, f"{where}.indicator").iloc[-1])
        return f"indicator:{node.indicator}", value, None
    if node.cadence is not None:
        if cadence is None:
            raise DataError(f"{where}.cadence: no cadence results to score from")
        if compliance is not None and node.cadence in compliance:
            rate = float(compliance[node.cadence])
        else:
            table = cadence.rules.loc[cadence.rules["rule_id"] == node.cadence]
            if table.empty:
                raise DataError(f"{where}.cadence: no result for rule {node.cadence!r}")
            rate = float(table["compliance"].iloc[0])
        missed = (cadence.missed(node.cadence) if missed_by is None
                  else list(missed_by.get(node.cadence, [])))
        if node.rule == "deduction" or node.use == "missed":
            return f"cadence:{node.cadence}", float(len(missed)), missed
        return f"cadence:{node.cadence}", rate, None
    assert node.effect is not None
    result = (effects or {}).get(node.effect)
    if result is None:
        raise DataError(f"{where}.effect: no estimate for outcome {node.effect!r}")
    est, p = float(result.estimate), float(result.pvalue)
    right = est > 0 if node.direction == "increase" else est < 0
    return f"effect:{node.effect}", float(bool(right and p < node.alpha)), None


def _say(text: Any, lang: str) -> str:
    """A rater's note in ``lang``: plain text or a {zh, en} mapping."""
    if isinstance(text, Mapping):
        return str(text.get(lang) or text.get("zh") or text.get("en") or "")
    return "" if text is None else str(text)


def manual_marks(node: Node, ratings: Mapping[str, Mapping[str, Any]], roles: list[str],
                 where: str) -> dict[str, dict[str, Any]]:
    """Role -> {value, reason, evidence} for every role that rated ``node``."""
    out: dict[str, dict[str, Any]] = {}
    allowed = node.raters or roles
    for role in roles:
        if role not in allowed or node.id not in ratings.get(role, {}):
            continue
        mark = ratings[role][node.id]
        if isinstance(mark, Mapping):
            if "value" not in mark:
                raise SpecError(f"scorecard.ratings.{role}.{node.id}: give value (and "
                                "optionally reason, evidence)")
            out[role] = dict(mark)
        else:
            out[role] = {"value": mark}
    return out


# ---- the tree ----------------------------------------------------------------------------


def score_scorecard(spec: ScorecardSpec, *, indicators: pd.DataFrame | None = None,
                    cadence: Any = None, effects: Mapping[str, Any] | None = None,
                    ratings: Mapping[str, Mapping[str, Any]] | None = None) -> ScorecardResult:
    """Score ``spec`` from stage results and rater ratings.

    Parameters
    ----------
    spec
        The scorecard (validated first: one :class:`SpecError` lists every problem).
    indicators
        ``evaluation.indicators`` (the ``period == "total"`` rows are used).
    cadence
        A :class:`~evalkit.assess.cadence.CadenceResult`.
    effects
        Outcome id -> effect result (``estimate``, ``pvalue``).
    ratings
        Role -> {leaf id -> rating}; defaults to ``spec.ratings``.

    Returns
    -------
    ScorecardResult
    """
    import pandas as pd

    spec.validate()
    if indicators is not None:
        check_frame(indicators, "indicators", allow_empty=True)
        require_columns(indicators, ["indicator_id", "period"], "indicators")
    totals = total_rows(indicators)
    missed_by = missed_by_rule(cadence)
    compliance = compliance_by_rule(cadence)
    if ratings is None:
        ratings = spec.ratings
    else:
        bad = rating_problems(spec, ratings)
        if bad:
            raise SpecError(f"scorecard ratings: {len(bad)} problem(s)", problems=bad,
                            hint="give each rating within its item's range")
    roles = list(spec.raters)
    points: dict[str, float] = {}
    by_role: dict[str, dict[str, float]] = {r: {} for r in roles}
    rows: list[dict[str, Any]] = []
    vetoes: list[dict[str, Any]] = []
    for path, n, parent, depth in spec.walk():
        row: dict[str, Any] = {
            "node_id": n.id, "parent_id": parent, "depth": depth, "name_zh": n.name.zh,
            "name_en": n.name.en, "max_points": n.points, "rule": n.rule or "",
            "source": "", "value": math.nan, "reason_zh": "", "reason_en": "",
            "criteria_zh": n.criteria.zh if n.criteria else "",
            "criteria_en": n.criteria.en if n.criteria else "",
            "evidence_zh": n.evidence.zh if n.evidence else "",
            "evidence_en": n.evidence.en if n.evidence else "", "evidence_status": ""}
        rows.append(row)
        if n.children:
            continue
        if n.manual:
            marks = manual_marks(n, ratings, roles, path)
            scored = {r: score_leaf(n, m["value"], where=f"scorecard.ratings.{r}.{n.id}")
                      for r, m in marks.items()}
            weights = {r: spec.raters[r] for r in scored}
            wsum = sum(weights.values())
            got = sum(weights[r] * scored[r][0] for r in scored) / wsum if wsum else 0.0
            reasons = [(r, s) for r, s in scored.items() if s[1] or marks[r].get("reason")]
            row["reason_zh"] = "；".join(f"{ROLE_ZH.get(r, r)}：{_say(marks[r].get('reason'), 'zh') or s[1]}"
                                        for r, s in reasons) if scored else "未评分"
            row["reason_en"] = "; ".join(f"{ROLE_EN.get(r, r)}: "
                                        f"{_say(marks[r].get('reason'), 'en') or s[2]}"
                                        for r, s in reasons) if scored else "not rated"
            row["evidence_status"] = "；".join(_say(m["evidence"], "zh") for m in marks.values()
                                              if m.get("evidence"))
            row["source"] = "manual"
            for r in roles:
                by_role[r][n.id] = scored[r][0] if r in scored else got
            failed = n.rule == "veto" and any(s[1] for s in scored.values())
        else:
            source, value, occ = leaf_value(n, indicators, cadence, effects, path, totals,
                                             missed_by, compliance)
            got, rzh, ren = score_leaf(n, value, occurrences=occ, where=path)
            row.update(source=source, value=value if isinstance(value, float | int) else
                       math.nan, reason_zh=rzh, reason_en=ren)
            for r in roles:
                by_role[r][n.id] = got
            failed = n.rule == "veto" and bool(rzh)
        points[n.id] = got
        if failed:
            cap = n.cap_grade or grade_set(spec.grades)[-1].grade
            vetoes.append({"node_id": n.id, "name_zh": n.name.zh, "name_en": n.name.en,
                           "cap_grade": cap, "reason_zh": row["reason_zh"] or "触发一票否决",
                           "reason_en": row["reason_en"] or "veto failed"})
    return _assemble(spec, rows, points, by_role, vetoes, pd)


def _assemble(spec: ScorecardSpec, rows: list[dict[str, Any]], points: dict[str, float],
              by_role: dict[str, dict[str, float]], vetoes: list[dict[str, Any]],
              pd: Any) -> ScorecardResult:
    def subtotal(n: Node, table: dict[str, float]) -> float:
        return table[n.id] if not n.children else sum(subtotal(c, table) for c in n.children)

    nodes = {n.id: n for _, n, _, _ in spec.walk()}
    for row in rows:
        n = nodes[row["node_id"]]
        row["points"] = subtotal(n, points)
        row["deducted"] = n.points - row["points"]
        for role, table in by_role.items():
            row[f"points_{role}"] = subtotal(n, table)
    total = float(sum(subtotal(n, points) for n in spec.nodes))
    grades = grade_set(spec.grades)
    earned = next((g for g in grades if total >= g.min - 1e-9), grades[-1])
    final = earned
    for v in vetoes:
        cap = next(g for g in grades if g.grade == v["cap_grade"])
        if cap.min < final.min:
            final = cap
    columns = NODE_COLUMNS + [f"points_{r}" for r in by_role]
    return ScorecardResult(
        total=total, grade=final.grade, grade_en=final.grade_en,
        nodes=pd.DataFrame(rows, columns=columns), veto=tuple(vetoes),
        roles={r: float(sum(subtotal(n, t) for n in spec.nodes)) for r, t in by_role.items()},
        grade_uncapped=earned.grade,
        grades=spec.grades if isinstance(spec.grades, str) else "custom")


def score_project(project: Any, evidence: Any, **stages: Any) -> ScorecardResult | None:
    """Score the project's scorecard from the earlier stages; None when it has none.

    ``stages`` holds ``indicators``, ``effects``, ``details`` and ``cadence``.
    """
    import dataclasses

    from evalkit.assess.agreement import agreement_for

    spec = getattr(project, "scorecard", None)
    if spec is None:
        return None
    result = score_scorecard(spec, indicators=stages.get("indicators"),
                             cadence=stages.get("cadence"), effects=stages.get("effects"))
    agreement, note = agreement_for(spec)
    return dataclasses.replace(result, agreement=agreement, agreement_note=note)
