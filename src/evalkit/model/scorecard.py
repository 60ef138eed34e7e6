"""Weighted scorecard specification (绩效评价指标体系).

A tree of nodes with points (一级指标 → 二级指标 → 三级指标); each inner node's points equal the
sum of its children's and the top level sums to ``total`` (100). Each leaf has a scoring
``rule`` and takes its value from one source: an ``indicator`` (its whole-project achievement),
a ``cadence`` rule (its compliance rate, or its missed periods for deductions), an ``effect``
(1 when the estimate is significant in the expected direction, else 0) or ``manual`` ratings
given by rater roles.

YAML shape::

    scorecard:
      grades: shenzhen                 # mof | shenzhen | [{grade, grade_en, min}, …]
      raters: {purchaser: 0.5, third_party: 0.3, community: 0.2}   # role weights, sum 1
      nodes:
        - id: A
          name: {zh: 项目产出, en: Outputs}
          points: 40
          children:
            - id: A1
              name: {zh: 服务数量, en: Volume}
              points: 40
              children:
                - {id: A1.1, name: 小组活动, points: 10, rule: proportional, indicator: I1}
                - {id: A1.2, name: 走访频次, points: 10, rule: deduction, cadence: R1, per: 1}
                - {id: A1.3, name: 档案规范, points: 10, rule: banded, manual: true,
                   bands: [{grade: 好, points: 10}, {grade: 中, points: 6}, {grade: 差, points: 0}]}
                - {id: A1.4, name: 安全, points: 0, rule: veto, manual: true, cap_grade: 不合格}
      ratings:                         # manual scores per role and leaf id
        purchaser: {A1.3: 好, A1.4: {value: true}}
        community: {A1.3: {value: 中, reason: 档案缺少签名}}

Rules: ``proportional`` (points × min(value / cap, 1)), ``threshold`` (all points when
value ≥ threshold), ``banded`` (程度分: the first band whose ``min`` the value reaches, or the
band named by a rater's grade), ``additive`` (组合分: items each worth points), ``deduction``
(扣分: points − per × occurrences, never below 0), ``veto`` (一票否决: failing caps the
grade), ``direct`` (a rater awards points).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from evalkit.model.common import Spec, Text

#: rater roles named by evalkit's label catalogue (``role.<id>`` in templates/i18n); any other
#: role needs ``scorecard.role_names``
KNOWN_ROLES = frozenset({"purchaser", "third_party", "community", "provider", "beneficiary",
                         "expert"})

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = ["GRADE_PRESETS", "RULES", "Grade", "Item", "Node", "PointsBand", "ScorecardSpec",
           "cross_check", "grade_set", "rating_problem", "rating_problems"]

RULES = ("proportional", "threshold", "banded", "additive", "deduction", "veto", "direct")
RuleType = Literal["proportional", "threshold", "banded", "additive", "deduction", "veto",
                   "direct"]
_TOL = 1e-6


class Grade(Spec):
    """One grade: totals from ``min`` (inclusive) up to the next grade's ``min``."""

    grade: str
    grade_en: str
    min: float


GRADE_PRESETS: dict[str, list[Grade]] = {
    # Ministry of Finance performance evaluation: 优 90–100, 良 80–89, 中 60–79, 差 < 60
    "mof": [Grade(grade="优", grade_en="excellent", min=90), Grade(grade="良", grade_en="good",
            min=80), Grade(grade="中", grade_en="pass", min=60),
            Grade(grade="差", grade_en="fail", min=0)],
    # Shenzhen social-work project evaluation (2021): 优秀 ≥ 90, 良好 80–89, 合格 60–79, 不合格 ≤ 59
    "shenzhen": [Grade(grade="优秀", grade_en="excellent", min=90),
                 Grade(grade="良好", grade_en="good", min=80),
                 Grade(grade="合格", grade_en="pass", min=60),
                 Grade(grade="不合格", grade_en="fail", min=0)],
}


def grade_set(grades: str | list[Grade]) -> list[Grade]:
    """Grades best first from a preset name or a list."""
    items = GRADE_PRESETS[grades] if isinstance(grades, str) else grades
    return sorted(items, key=lambda g: -g.min)


class PointsBand(Spec):
    """A band of a ``banded`` rule: a value from ``min`` (or the rater's ``grade``) earns
    ``points``."""

    points: float = Field(ge=0)
    min: float | None = None
    grade: str | None = None
    label: Text | None = None


class Item(Spec):
    """A sub-item of an ``additive`` rule, worth ``points``; met when the value reaches
    ``threshold`` (data) or when a rater lists its id (manual)."""

    id: str
    name: Text
    points: float = Field(ge=0)
    threshold: float | None = None


class Node(Spec):
    """One node of the scorecard tree; a leaf has a ``rule`` and no ``children``."""

    id: str
    name: Text
    points: float = Field(ge=0)
    children: list[Node] = Field(default_factory=list)
    rule: RuleType | None = None
    indicator: str | None = None
    cadence: str | None = None
    effect: str | None = None
    manual: bool = False
    use: Literal["achievement", "actual", "compliance", "missed", "significance"] | None = None
    cap: float = Field(default=1.0, gt=0)
    threshold: float | None = None
    bands: list[PointsBand] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    per: float | None = Field(default=None, gt=0)
    cap_grade: str | None = None
    direction: Literal["increase", "decrease"] = "increase"
    alpha: float = Field(default=0.05, gt=0, lt=1)
    raters: list[str] = Field(default_factory=list)
    criteria: Text | None = None
    evidence: Text | None = None

    def sources(self) -> list[str]:
        """The value sources named: indicator, cadence, effect, manual."""
        return [s for s in ("indicator", "cadence", "effect") if getattr(self, s) is not None] \
            + (["manual"] if self.manual else [])

    def leaves(self) -> list[Node]:
        """This node's leaves, depth first."""
        if not self.children:
            return [self]
        return [leaf for c in self.children for leaf in c.leaves()]


Rating = float | int | bool | str | list[str] | dict[str, Any]


class ScorecardSpec(Spec):
    """The scorecard: ``nodes`` (tree), ``grades``, rater role weights and manual ``ratings``.

    See the module docstring for the YAML shape; :meth:`problems` lists every structural
    problem (points not summing, rules missing their settings …) with its YAML path.
    """

    total: float = Field(default=100.0, gt=0)
    grades: Literal["mof", "shenzhen"] | list[Grade] = "mof"
    raters: dict[str, float] = Field(default_factory=lambda: {"third_party": 1.0})
    nodes: list[Node]
    ratings: dict[str, dict[str, Rating]] = Field(default_factory=dict)
    #: names of rater roles evalkit's label catalogue does not know (:data:`KNOWN_ROLES`)
    role_names: dict[str, Text] = Field(default_factory=dict)

    @field_validator("raters")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [f"{k}: {w:g}" for k, w in v.items() if w < 0]
        if bad:
            raise ValueError(f"role weights must be >= 0, got {', '.join(bad)}")
        return v

    def walk(self) -> list[tuple[str, Node, str | None, int]]:
        """Every node with its YAML path, parent id and depth (1 = top), depth first."""
        out: list[tuple[str, Node, str | None, int]] = []

        def visit(nodes: list[Node], prefix: str, parent: str | None, depth: int) -> None:
            for k, n in enumerate(nodes):
                path = f"{prefix}[{k}]"
                out.append((path, n, parent, depth))
                visit(n.children, path + ".children", n.id, depth + 1)

        visit(self.nodes, "scorecard.nodes", None, 1)
        return out

    def node(self, node_id: str) -> Node:
        """The node with ``node_id`` (KeyError if absent)."""
        for _, n, _, _ in self.walk():
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def problems(self) -> list[str]:
        """Every structural problem, one line each with its YAML path (empty when valid)."""
        out: list[str] = []
        top = sum(n.points for n in self.nodes)
        if abs(top - self.total) > _TOL:
            out.append(f"scorecard.nodes: top-level points sum to {top:g}, expected "
                       f"{self.total:g} (the total)")
        if self.raters and abs(sum(self.raters.values()) - 1) > _TOL:
            out.append(f"scorecard.raters: role weights sum to {sum(self.raters.values()):g}, "
                       "expected 1")
        seen: set[str] = set()
        for path, n, _, _ in self.walk():
            if n.id in seen:
                out.append(f"{path}.id: id {n.id!r} is used more than once")
            seen.add(n.id)
            out.extend(_node_problems(path, n))
        names = {g.grade for g in grade_set(self.grades)}
        for path, n, _, _ in self.walk():
            if n.cap_grade is not None and n.cap_grade not in names:
                out.append(f"{path}.cap_grade: unknown grade {n.cap_grade!r} "
                           f"(grades: {', '.join(sorted(names))})")
        for role in self.raters:
            if role not in KNOWN_ROLES and role not in self.role_names:
                out.append(f"scorecard.raters.{role}: rater role {role!r} has no name for the "
                           f"report; add scorecard.role_names.{role}: {{zh: …, en: …}} "
                           f"(evalkit names these roles itself: {', '.join(sorted(KNOWN_ROLES))})")
        ids = seen
        for role, marks in self.ratings.items():
            if role not in self.raters:
                out.append(f"scorecard.ratings.{role}: unknown rater role (roles: "
                           f"{', '.join(self.raters)})")
            for node_id in marks:
                if node_id not in ids:
                    out.append(f"scorecard.ratings.{role}.{node_id}: no node {node_id!r}")
        out.extend(rating_problems(self, self.ratings))
        return out

    def validate(self) -> None:  # type: ignore[override]  # pydantic's deprecated classmethod
        """Raise one :class:`~evalkit.errors.SpecError` listing every problem, if any."""
        from evalkit.errors import SpecError

        problems = self.problems()
        if problems:
            raise SpecError(f"scorecard: {len(problems)} problem(s)", problems=problems,
                            hint="make each node's points equal the sum of its children's")


def _number(value: Any) -> float | None:
    """``value`` as a finite float, or None (booleans, text, NaN and infinity are not)."""
    import math

    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def rating_problem(node: Node, value: Any, where: str) -> str | None:
    """Why a rater's ``value`` for leaf ``node`` cannot be scored, or None.

    A direct rating must be points from 0 to the item's points (a rating of 500 on a
    10-point item is a typo, never capped silently); a proportional rating a finite
    achievement >= 0; a deduction a finite count >= 0 or a list of occurrences; threshold and
    veto true/false or a finite number; banded a grade label or a finite number; additive a
    list of item ids. NaN is never "no points": a missing rating is left out instead.
    """
    if isinstance(value, dict):
        if "value" not in value:
            return f"{where}: give value (and optionally reason, evidence)"
        value = value["value"]
    rule, num = node.rule, _number(value)
    if rule == "direct":
        if num is None or not 0 <= num <= node.points + _TOL:
            return (f"{where}: expected points from 0 to {node.points:g} (the item's range), "
                    f"got {value!r}")
    elif rule in ("proportional", "deduction"):
        if rule == "deduction" and isinstance(value, list):
            return None
        if num is None or num < 0:
            what = "an achievement" if rule == "proportional" else "a count"
            return f"{where}: expected {what} >= 0, got {value!r}"
    elif rule in ("threshold", "veto"):
        if not isinstance(value, bool) and num is None:
            return f"{where}: expected true, false or a finite number, got {value!r}"
    elif rule == "banded":
        if not isinstance(value, str) and num is None:
            return f"{where}: expected a grade label or a finite number, got {value!r}"
    elif rule == "additive" and not isinstance(value, list):
        return f"{where}: expected a list of met item ids, got {value!r}"
    return None


def rating_problems(spec: ScorecardSpec, ratings: Any) -> list[str]:
    """:func:`rating_problem` for every rating of a known leaf (``ratings``: role -> {leaf
    id -> rating}); one line each with its YAML path."""
    leaves = {n.id: n for _, n, _, _ in spec.walk() if not n.children}
    out: list[str] = []
    for role, marks in dict(ratings).items():
        for node_id, value in dict(marks).items():
            if node_id in leaves:
                problem = rating_problem(leaves[node_id], value,
                                         f"scorecard.ratings.{role}.{node_id}")
                if problem:
                    out.append(problem)
    return out


def _node_problems(path: str, n: Node) -> list[str]:
    out: list[str] = []
    if n.children:
        kids = sum(c.points for c in n.children)
        if abs(kids - n.points) > _TOL:
            out.append(f"{path}: children's points sum to {kids:g}, expected {n.points:g}")
        if n.rule is not None:
            out.append(f"{path}.rule: a node with children is scored by its children; "
                       "remove rule or the children")
        return out
    if n.rule is None:
        out.append(f"{path}.rule: a leaf needs a rule (one of {', '.join(RULES)})")
        return out
    sources = n.sources()
    if n.rule == "direct":
        if sources != ["manual"]:
            out.append(f"{path}: a direct rule is scored by raters; set manual: true only")
    elif len(sources) != 1:
        found = ", ".join(sources) or "none"
        out.append(f"{path}: give exactly one of indicator, cadence, effect or manual: true "
                   f"(found {found})")
    if n.rule == "banded":
        if not n.bands:
            out.append(f"{path}.bands: a banded rule needs bands (grade or min -> points)")
        for j, b in enumerate(n.bands):
            if b.points > n.points + _TOL:
                out.append(f"{path}.bands[{j}].points: {b.points:g} exceeds the node's "
                           f"{n.points:g} points")
    if n.rule == "additive":
        total = sum(i.points for i in n.items)
        if not n.items:
            out.append(f"{path}.items: an additive rule needs items")
        elif abs(total - n.points) > _TOL:
            out.append(f"{path}.items: items' points sum to {total:g}, expected {n.points:g}")
    if n.rule == "deduction" and n.per is None:
        out.append(f"{path}.per: a deduction rule needs per (points per occurrence)")
    return out


def cross_check(project: Project) -> list[str]:
    """Problems needing the whole project: the tree's own problems and leaves naming unknown
    indicators, cadence rules or effects; also the indicators' cross-references
    (:func:`evalkit.model.indicators.cross_check`)."""
    from evalkit.model import indicators as _indicators

    out = _indicators.cross_check(project)
    spec = project.scorecard
    if spec is None:
        return out
    out.extend(spec.problems())
    known = {"indicator": [i.id for i in project.indicators],
             "cadence": [r.id for r in project.cadence],
             "effect": project.effect_ids()}
    for path, n, _, _ in spec.walk():
        for kind, ids in known.items():
            ref = getattr(n, kind)
            if ref is not None and ref not in ids:
                out.append(f"{path}.{kind}: unknown {kind} {ref!r} "
                           f"({kind} ids are: {', '.join(ids) or 'none'})")
    return out
