"""Value-for-money, SROI and renewal specifications (the ``value:`` and ``renewal:`` sections).

YAML shape (short; docs/value-for-money.md documents every key)::

    value:
      budget: {source: budget, line: line_id, budget: budget, spent: spent, category: category}
      fee_band: [0.10, 0.20]               # management-fee share outside it is flagged
      participants: {source: participants, compute: {filter: {group: service}, distinct: worker_id}}
      outputs: [{indicator: I1}, {indicator: I4}]
      outcomes:                            # cost per net outcome, from an estimate
        - {effect: wellbeing, scale: 300, unit: {zh: 人·分, en: worker-points}}
      alternative: {name: 外包热线, cost: 200000, outcome: wellbeing, units: 40}
      sroi:
        discount_rate: 0.035
        outcomes:
          - id: disputes_avoided
            name: {zh: 减少的劳动争议, en: labour disputes avoided}
            quantity: {effect: disputes, direction: decrease, scale: 360}
            proxy: {value: 3000, provenance: published, source: 仲裁处理成本}
            deadweight: {value: 0, provenance: data}
            attribution: 0.2
            drop_off: 0.5
            duration: 3
    renewal:
      outcomes: [{effect: wellbeing}, {effect: disputes, direction: decrease}]
      min_evidence_level: 3

A bare number for a factor means ``{value: number, provenance: assumed}``.
:func:`cross_check` also runs the contract's cross-reference checks
(:func:`evalkit.model.contract.contract_problems`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from evalkit.model.common import Spec, Text
from evalkit.model.contract import contract_problems
from evalkit.model.indicators import Compute

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = [
    "DEFAULT_CONSEQUENCES",
    "Alternative",
    "BudgetSource",
    "CostOutcome",
    "CostOutput",
    "Factor",
    "Provenance",
    "Quantity",
    "RenewalOutcome",
    "RenewalSpec",
    "SroiOutcome",
    "SroiSpec",
    "ValueSpec",
    "cross_check",
]

Provenance = Literal["data", "survey", "published", "assumed"]
Consequence = Literal["priority", "normal", "rectification", "excluded"]


class Factor(Spec):
    """A number with its provenance: estimated from ``data``, from a ``survey``, taken from a
    ``published`` source, or ``assumed``. ``range`` (low, high) is used by the sensitivity
    analysis instead of the default variation."""

    value: float
    provenance: Provenance = "assumed"
    source: Text | None = None
    range: tuple[float, float] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"value": value}
        return value

    @model_validator(mode="after")
    def _finite(self) -> Factor:
        if not math.isfinite(self.value):
            raise ValueError(f"must be a finite number, got {self.value}")
        return self


class Share(Factor):
    """A factor that is a share between 0 and 1 (deadweight, attribution …)."""

    @model_validator(mode="after")
    def _in_unit_interval(self) -> Share:
        bad = [f"{self.value:g}"] if not 0 <= self.value <= 1 else []
        if self.range is not None:
            bad += [f"range {v:g}" for v in self.range if not 0 <= v <= 1]
        if bad:
            raise ValueError("must lie between 0 and 1 (a share: 0.25 = 25%), got "
                             + ", ".join(bad))
        return self


class Duration(Factor):
    """How many years an outcome lasts: a whole number >= 1."""

    @model_validator(mode="after")
    def _whole_years(self) -> Duration:
        if self.value < 1 or self.value != int(self.value):
            raise ValueError(f"must be a whole number of years >= 1, got {self.value:g}")
        return self


class Quantity(Spec):
    """How many units of something: exactly one of ``value``, ``indicator`` (its actual),
    ``effect`` (an outcome's estimate, signed by ``direction``) or ``source`` + ``compute``;
    multiplied by ``scale`` (e.g. the number of people a per-person effect applies to)."""

    value: float | None = None
    indicator: str | None = None
    effect: str | None = None
    source: str | None = None
    compute: Compute | None = None
    direction: Literal["increase", "decrease"] = "increase"
    scale: float = 1.0
    provenance: Provenance | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Quantity:
        given = [self.value is not None, self.indicator is not None, self.effect is not None,
                 self.source is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of value, indicator, effect or source (+ compute)")
        if (self.source is None) != (self.compute is None):
            raise ValueError("source and compute go together")
        return self

    @property
    def origin(self) -> Provenance:
        """Provenance: as declared, else ``assumed`` for a value and ``data`` otherwise."""
        if self.provenance is not None:
            return self.provenance
        return "assumed" if self.value is not None else "data"


class SroiOutcome(Spec):
    """One SROI outcome. ``effect`` links the estimate behind it (for the deadweight check)."""

    id: str
    name: Text
    quantity: Quantity
    proxy: Factor
    deadweight: Share = Field(default_factory=lambda: Share(value=0.0))
    attribution: Share = Field(default_factory=lambda: Share(value=0.0))
    displacement: Share = Field(default_factory=lambda: Share(value=0.0))
    drop_off: Share = Field(default_factory=lambda: Share(value=0.0))
    duration: Duration = Field(default_factory=lambda: Duration(value=1.0))
    effect: str | None = None

    @property
    def linked_effect(self) -> str | None:
        """The estimate this outcome rests on (``effect`` or ``quantity.effect``)."""
        return self.effect or self.quantity.effect


class Sensitivity(Spec):
    """Default variation of each factor when it has no ``range``: quantity and proxy ×(1 ∓
    ``relative``); shares ∓ ``share`` (kept in [0, 1]); duration ∓ ``years`` (>= 1)."""

    relative: float = Field(default=0.2, ge=0, le=1)
    share: float = Field(default=0.1, ge=0, le=1)
    years: int = Field(default=1, ge=0)
    discount_rate: tuple[float, float] = (0.0, 0.07)


class SroiSpec(Spec):
    """SROI: outcomes, discount rate and the investment (``inputs``; default the spending)."""

    discount_rate: float = Field(default=0.035, ge=0, le=1)
    inputs: float | None = Field(default=None, gt=0)
    outcomes: list[SroiOutcome] = Field(min_length=1)
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)


class BudgetSource(Spec):
    """Which data source holds budget and spending, one row per budget line."""

    source: str
    line: str = "line_id"
    budget: str | None = "budget"
    spent: str = "spent"
    category: str | None = "category"
    name_zh: str | None = "name_zh"
    name_en: str | None = "name_en"


class CostOutput(Spec):
    """Cost per unit of an output indicator (optionally only some budget lines' cost)."""

    indicator: str
    lines: list[str] = Field(default_factory=list)


class CostOutcome(Spec):
    """Cost per unit of net outcome: the estimate (signed by ``direction``) × ``scale``."""

    effect: str
    scale: float = Field(default=1.0, gt=0)
    direction: Literal["increase", "decrease"] = "increase"
    unit: Text | None = None


class Alternative(Spec):
    """An alternative use of the money, for the incremental cost-effectiveness ratio."""

    name: Text
    cost: float = Field(ge=0)
    outcome: str
    units: float


class ValueSpec(Spec):
    """Budget execution, management fee, cost per participant / output / outcome, ICER, SROI."""

    budget: BudgetSource | None = None
    management_categories: list[str] = Field(default_factory=lambda: ["management_fee"])
    fee_band: tuple[float, float] = (0.10, 0.20)
    fee_basis: Literal["spent", "budget"] = "spent"
    underspend_flag: float = Field(default=0.8, ge=0, le=1)
    cost_basis: Literal["spent", "budget"] = "spent"
    participants: Quantity | None = None
    outputs: list[CostOutput] = Field(default_factory=list)
    outcomes: list[CostOutcome] = Field(default_factory=list)
    alternative: Alternative | None = None
    sroi: SroiSpec | None = None

    @field_validator("fee_band")
    @classmethod
    def _band(cls, band: tuple[float, float]) -> tuple[float, float]:
        lo, hi = band
        if not 0 <= lo <= hi <= 1:
            raise ValueError(f"expected [low, high] with 0 <= low <= high <= 1 (0.1 = 10%), "
                             f"got [{lo:g}, {hi:g}]")
        return band


#: grade label -> consequence (Shenzhen 2021, Ministry of Finance, English labels)
DEFAULT_CONSEQUENCES: dict[str, Consequence] = {
    "优秀": "priority", "良好": "priority", "合格": "rectification", "基本合格": "rectification",
    "不合格": "excluded", "优": "priority", "良": "priority", "中": "rectification",
    "差": "excluded", "excellent": "priority", "good": "priority", "pass": "rectification",
    "fail": "excluded",
}


class RenewalOutcome(Spec):
    """A main outcome for the renewal decision, its good direction and a cost ceiling."""

    effect: str
    direction: Literal["increase", "decrease"] = "increase"
    max_cost_per_unit: float | None = Field(default=None, gt=0)


class RenewalSpec(Spec):
    """Renewal rules. ``outcomes`` default to every main outcome (direction increase);
    ``require_effect`` says whether ``any`` or ``all`` of them must show a clear change
    (interval excluding zero in the good direction) at ``min_evidence_level`` or better."""

    outcomes: list[RenewalOutcome] = Field(default_factory=list)
    min_evidence_level: int = Field(default=3, ge=1, le=5)
    require_effect: Literal["any", "all"] = "any"
    consequences: dict[str, Consequence] = Field(
        default_factory=lambda: dict(DEFAULT_CONSEQUENCES))


def _quantity_problems(q: Quantity, where: str, project: Project) -> list[str]:
    out: list[str] = []
    ids = {i.id for i in project.indicators}
    effects = set(project.effect_ids())
    if q.indicator is not None and q.indicator not in ids:
        out.append(f"{where}.indicator: unknown indicator {q.indicator!r} "
                   f"(indicators are: {', '.join(sorted(ids)) or 'none'})")
    if q.effect is not None and q.effect not in effects:
        out.append(f"{where}.effect: unknown outcome {q.effect!r} "
                   f"(outcomes are: {', '.join(sorted(effects)) or 'none'})")
    if q.source is not None and q.source not in project.data:
        out.append(f"{where}.source: unknown data source {q.source!r}")
    return out


def _value_problems(v: ValueSpec, project: Project) -> list[str]:
    out: list[str] = []
    ids = {i.id for i in project.indicators}
    effects = set(project.effect_ids())
    if v.budget is not None and v.budget.source not in project.data:
        out.append(f"value.budget.source: unknown data source {v.budget.source!r} "
                   f"(declared: {', '.join(project.data) or 'none'})")
    if v.participants is not None:
        out += _quantity_problems(v.participants, "value.participants", project)
    for k, o in enumerate(v.outputs):
        if o.indicator not in ids:
            out.append(f"value.outputs[{k}].indicator: unknown indicator {o.indicator!r}")
    for k, c in enumerate(v.outcomes):
        if c.effect not in effects:
            out.append(f"value.outcomes[{k}].effect: unknown outcome {c.effect!r} "
                       f"(outcomes are: {', '.join(sorted(effects)) or 'none'})")
    if v.alternative is not None and v.alternative.outcome not in {c.effect for c in v.outcomes}:
        out.append(f"value.alternative.outcome: {v.alternative.outcome!r} is not one of "
                   "value.outcomes — add it there so both sides use the same unit")
    if v.sroi is not None:
        for k, s in enumerate(v.sroi.outcomes):
            where = f"value.sroi.outcomes[{k}]"
            out += _quantity_problems(s.quantity, where + ".quantity", project)
            if s.effect is not None and s.effect not in effects:
                out.append(f"{where}.effect: unknown outcome {s.effect!r}")
    return out


def cross_check(project: Project) -> list[str]:
    """Problems that need the whole project: unknown indicators, outcomes and data sources
    named by the contract, ``value:`` and ``renewal:`` sections, duplicate ids."""
    out: list[str] = []
    if project.contract is not None:
        out += contract_problems(project.contract, set(project.data))
    if project.value is not None:
        out += _value_problems(project.value, project)
    if project.renewal is not None:
        effects = set(project.effect_ids())
        for k, r in enumerate(project.renewal.outcomes):
            if r.effect not in effects:
                out.append(f"renewal.outcomes[{k}].effect: unknown outcome {r.effect!r} "
                           f"(outcomes are: {', '.join(sorted(effects)) or 'none'})")
    return out
