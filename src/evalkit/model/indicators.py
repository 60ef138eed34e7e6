"""Indicator specifications: what is counted, from which table, against which target.

YAML shape (only ``id``, ``name``, ``level`` and a computation are required)::

    indicators:
      - id: I2
        name: {zh: 企业走访次数, en: Enterprise visits}
        level: outputs
        element: out_visits            # logic-model element it measures
        definition: {zh: 社工到企业走访的次数, en: Visits by social workers to enterprises}
        unit: {zh: 次, en: visits}
        measure: count                 # count | percentage | ratio | mean | qualitative
        source: service_log            # a data source
        compute: {filter: {activity_type: enterprise_visit}, count: true}
        date: date                     # column that dates each record (default: the source's
        period: quarter                #   only date column); period: week|month|quarter|year
        calendar: contract             # contract | calendar | auto (default: project.calendar)
        aggregate: {time: periodic, units: sum, unit: enterprise_id}
        direction: increase            # increase | decrease | maintain
        baseline: 0
        target: 104                    # whole project
        targets: {2025-Q1: 26, 2025-Q2: 26, 2025-Q3: 26, 2025-Q4: 26}   # contract: Q1 … Q4
        bands: toladata                # status bands: toladata | pepfar | {basis, legend}
        disaggregations: [enterprise_id]
        data_source: {zh: 服务台账, en: Service log}
        means_of_verification: {zh: 走访记录, en: Visit records}
        frequency: {zh: 每月, en: Monthly}
        responsible: {zh: 项目主管, en: Project lead}
        required_evidence: [{zh: 走访记录表, en: visit forms}]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from evalkit.model.calendar import CalendarKind, key_pattern, project_periods, resolve_calendar
from evalkit.model.common import Level, Spec, Text

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = [
    "PERIOD_PATTERNS",
    "Aggregate",
    "Band",
    "BandSet",
    "Compute",
    "Indicator",
    "cross_check",
]

FilterValue = str | int | float | bool | list[str | int | float | bool]
Frequency = Literal["week", "month", "quarter", "year"]

#: how a calendar period key looks for each frequency (contract keys: model.calendar.key_pattern)
PERIOD_PATTERNS: dict[str, str] = {
    "week": r"^\d{4}-W\d{2}$",
    "month": r"^\d{4}-\d{2}$",
    "quarter": r"^\d{4}-Q[1-4]$",
    "year": r"^\d{4}$",
}


class Compute(Spec):
    """How a number is computed from one record table.

    Exactly one of ``count`` (rows), ``distinct`` (distinct values of a column), ``sum`` or
    ``mean`` (of a numeric column). ``filter`` keeps rows whose column equals the value (or is in
    the list of values). ``weight`` (with ``mean`` only) names a column of sampling weights:
    the value is then the weighted mean ``sum(w * x) / sum(w)``.

    YAML example::

        compute: {filter: {activity_type: group_session}, count: true}
        compute: {mean: satisfaction, weight: survey_weight}
    """

    filter: dict[str, FilterValue] = Field(default_factory=dict)
    count: bool = False
    distinct: str | None = None
    sum: str | None = None
    mean: str | None = None
    weight: str | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Compute:
        ops = [self.count, self.distinct is not None, self.sum is not None, self.mean is not None]
        if sum(ops) != 1:
            raise ValueError("give exactly one of count: true, distinct, sum or mean")
        if self.weight is not None and self.mean is None:
            raise ValueError("weight: only goes with mean: (a weighted mean); remove it or "
                             "compute a mean")
        return self

    @property
    def operation(self) -> tuple[str, str | None]:
        """``(operation, column)``: ("count", None), ("sum", "hours") …"""
        if self.count:
            return "count", None
        for op in ("distinct", "sum", "mean"):
            col = getattr(self, op)
            if col is not None:
                return op, col
        raise AssertionError("unreachable")  # pragma: no cover

    def columns(self) -> list[str]:
        """Every column this computation reads."""
        cols = list(self.filter)
        _, col = self.operation
        cols = [*cols, col] if col else cols
        return [*cols, self.weight] if self.weight else cols


class Aggregate(Spec):
    """How values combine over time and over reporting units.

    time
        ``periodic``: records are flows (sessions held); a period counts its own records and
        the whole-project value is computed from all records (a percentage from the summed
        numerators and denominators). ``cumulative``: records report running totals ("members
        registered to date"); within a period each unit's latest report is used and the
        whole-project value is the latest value, never the sum. ``latest``: a snapshot
        (a survey); the whole-project value is the latest period's value, and the whole target
        is expected in every period.
    units
        With ``unit`` (a column such as ``enterprise_id``): the value is computed per unit and
        combined by ``sum``, ``mean`` or ``max``. For a percentage ``sum`` divides the summed
        numerators by the summed denominators; ``mean`` averages the units' percentages.
    """

    time: Literal["periodic", "cumulative", "latest"] = "periodic"
    units: Literal["sum", "mean", "max"] = "sum"
    unit: str | None = None


class Band(Spec):
    """One status band: values strictly ``below`` (or ``upto``, inclusive) a bound."""

    status: str
    below: float | None = None
    upto: float | None = None
    label: Text | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Band:
        if self.below is not None and self.upto is not None:
            raise ValueError("give below or upto, not both")
        return self

    @property
    def bound(self) -> float | None:
        """The band's upper bound (None for the last, open band)."""
        return self.below if self.below is not None else self.upto


class BandSet(Spec):
    """A legend of status bands.

    ``basis: ratio`` compares achievement / expected progress (1.0 = on schedule);
    ``basis: points`` compares (achievement − expected) × 100 percentage points. Bands are
    checked in order; the last must have no bound.
    """

    name: str = "custom"
    basis: Literal["ratio", "points"] = "ratio"
    legend: list[Band]

    @model_validator(mode="after")
    def _ordered(self) -> BandSet:
        if not self.legend:
            raise ValueError("legend needs at least one band")
        bounds = [b.bound for b in self.legend]
        if bounds[-1] is not None:
            raise ValueError("the last band must be open (no below/upto)")
        if any(b is None for b in bounds[:-1]):
            raise ValueError("only the last band may be open (no below/upto)")
        inner = [float(b) for b in bounds[:-1] if b is not None]
        if inner != sorted(inner):
            raise ValueError(f"band bounds must increase, got {inner}")
        return self


class Indicator(Spec):
    """One indicator of the indicator framework.

    ``measure`` count/mean use ``compute``; percentage and ratio use ``numerator`` and
    ``denominator`` (each a :class:`Compute`) times ``factor`` (100 for a percentage, 1 for a
    ratio; 1000 for "per 1,000"). See the module docstring for the YAML shape and
    ``docs/indicators.md`` for worked examples.
    """

    id: str
    name: Text
    level: Level
    element: str | None = None
    definition: Text | None = None
    unit: Text | None = None
    measure: Literal["count", "percentage", "ratio", "mean", "qualitative"] = "count"
    source: str | None = None
    compute: Compute | None = None
    numerator: Compute | None = None
    denominator: Compute | None = None
    factor: float = 1.0
    allow_over_100: bool = False
    #: a count of 0 is a true answer (e.g. no complaints received): the miscount checks accept a
    #: zero count and a filter value absent from the data unless it is close to a value present
    #: (a typo is still an error); see evalkit.assess.miscounts
    zero_is_valid: bool = False
    date: str | None = None
    period: Frequency | None = None
    calendar: CalendarKind | None = None
    aggregate: Aggregate = Field(default_factory=Aggregate)
    direction: Literal["increase", "decrease", "maintain"] = "increase"
    baseline: float | None = None
    target: float | None = None
    targets: dict[str, float] = Field(default_factory=dict)
    bands: Literal["toladata", "pepfar"] | BandSet | None = None
    disaggregations: list[str] = Field(default_factory=list)
    data_source: Text | None = None
    means_of_verification: Text | None = None
    frequency: Text | None = None
    responsible: Text | None = None
    required_evidence: list[Text] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _default_factor(cls, value: Any) -> Any:
        if isinstance(value, dict) and value.get("measure") == "percentage":
            value = {"factor": 100.0, **value}
        if isinstance(value, dict) and isinstance(value.get("targets"), dict):
            value = {**value, "targets": {str(k): v for k, v in value["targets"].items()}}
        return value

    @field_validator("target")
    @classmethod
    def _non_negative(cls, v: float | None) -> float | None:
        if v is not None and v < 0:
            raise ValueError(f"target must be >= 0, got {v:g}")
        return v

    @field_validator("baseline", "target", "targets")
    @classmethod
    def _percent_at_most_100(cls, v: Any, info: ValidationInfo) -> Any:
        if info.data.get("measure") != "percentage" or info.data.get("allow_over_100"):
            return v
        values = v.values() if isinstance(v, dict) else [v]
        over = [x for x in values if x is not None and x > 100]
        if over:
            raise ValueError(f"{over[0]:g} is above 100 for a percentage; correct it, or "
                             "declare allow_over_100: true if the rate can exceed 100%")
        return v

    @field_validator("targets")
    @classmethod
    def _period_targets(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [f"{k}: {t:g}" for k, t in v.items() if t < 0]
        if bad:
            raise ValueError(f"targets must be >= 0, got {', '.join(bad)}")
        return v

    @field_validator("factor")
    @classmethod
    def _positive_factor(cls, v: float) -> float:
        if v <= 0:
            raise ValueError(f"factor must be > 0 (100 for percent, 1000 per thousand), got {v:g}")
        return v

    @model_validator(mode="after")
    def _has_computation(self) -> Indicator:
        if self.measure in ("percentage", "ratio"):
            if self.numerator is None or self.denominator is None:
                raise ValueError(f"a {self.measure} indicator needs numerator and denominator")
        elif self.measure != "qualitative" and self.compute is None:
            raise ValueError(f"a {self.measure} indicator needs compute")
        if self.measure != "qualitative" and self.target is None and not self.targets:
            raise ValueError("give a target (whole project) or targets (per period)")
        if self.targets and self.period is None:
            raise ValueError("targets per period need period: week, month, quarter or year")
        return self

    def computations(self) -> dict[str, Compute]:
        """The :class:`Compute` specs by field name (compute / numerator / denominator)."""
        out = {"compute": self.compute, "numerator": self.numerator,
               "denominator": self.denominator}
        return {k: v for k, v in out.items() if v is not None}

    def columns(self) -> list[str]:
        """Every data column the indicator reads (filters, values, date, unit, disaggregations)."""
        cols: list[str] = []
        for spec in self.computations().values():
            cols.extend(spec.columns())
        extra = [self.date, self.aggregate.unit, *self.disaggregations]
        cols.extend(c for c in extra if c)
        return list(dict.fromkeys(cols))


def _date_column(ind: Indicator, project: Project) -> str | None:
    if ind.date is not None or ind.source is None or ind.source not in project.data:
        return ind.date
    dates = [c for c, spec in project.data[ind.source].columns.items() if spec.type == "date"]
    return dates[0] if len(dates) == 1 else None


def calendar_kind(spec_calendar: str | None, project: Project) -> str:
    """``contract`` or ``calendar`` for an indicator or cadence rule (its own ``calendar``,
    else ``project.calendar``, ``auto`` resolved from the project's start)."""
    info = project.project
    return resolve_calendar(spec_calendar or info.calendar, info.period.start)


def date_column(ind: Indicator, project: Project) -> str | None:
    """The column that dates ``ind``'s records: its ``date`` or the source's only date column."""
    return _date_column(ind, project)


def cross_check(project: Project) -> list[str]:
    """Indicator problems that need the whole project, each with its YAML path.

    Period targets must name periods inside the project period; a per-period indicator needs
    a date column. Columns are checked against the data when it is loaded
    (:func:`evalkit.assess.achievement.indicator_table`).
    """
    out: list[str] = []
    start, end = project.project.period.start, project.project.period.end
    for k, ind in enumerate(project.indicators):
        where = f"indicators[{k}]"
        if ind.period is not None:
            kind = calendar_kind(ind.calendar, project)
            labels = [p.label for p in project_periods(start, end, ind.period, kind)]
            for key in ind.targets:
                if not re.match(key_pattern(ind.period, kind), key):
                    hint = ("" if kind == "calendar" else f"; periods are counted from the "
                            f"contract's start ({start}), see docs/calendars.md")
                    out.append(f"{where}.targets.{key}: not a {ind.period} label "
                               f"(write e.g. {labels[0]}{hint})")
                elif key not in labels:
                    out.append(f"{where}.targets.{key}: period outside the project "
                               f"({start} to {end}; periods are {labels[0]} … {labels[-1]})")
            if ind.source is not None and _date_column(ind, project) is None:
                out.append(f"{where}.date: a per-{ind.period} indicator needs the column that "
                           f"dates its records (add date: <column>)")
    return out
