"""Indicator specifications: what is counted, from which table, against which target."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from evalkit.model.common import Spec, Text
from evalkit.model.logic_model import Level

__all__ = ["Compute", "Indicator"]

FilterValue = str | int | float | bool | list[str | int | float | bool]


class Compute(Spec):
    """How a number is computed from one record table.

    Exactly one of ``count`` (rows), ``distinct`` (distinct values of a column), ``sum`` or
    ``mean`` (of a numeric column). ``filter`` keeps rows whose column equals the value (or is in
    the list of values).

    YAML example::

        compute: {filter: {activity_type: group_session}, count: true}
    """

    filter: dict[str, FilterValue] = Field(default_factory=dict)
    count: bool = False
    distinct: str | None = None
    sum: str | None = None
    mean: str | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Compute:
        ops = [self.count, self.distinct is not None, self.sum is not None, self.mean is not None]
        if sum(ops) != 1:
            raise ValueError("give exactly one of count: true, distinct, sum or mean")
        return self

    @property
    def operation(self) -> tuple[str, str | None]:
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
        return [*cols, col] if col else cols


class Indicator(Spec):
    """One indicator of the indicator framework.

    ``measure`` count/mean/ratio use ``compute``; percentage uses ``numerator`` and
    ``denominator`` (each a :class:`Compute`) times ``factor`` (100 by default).
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
    direction: Literal["increase", "decrease", "maintain"] = "increase"
    baseline: float | None = None
    target: float
    means_of_verification: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_factor(cls, value: Any) -> Any:
        if isinstance(value, dict) and value.get("measure") == "percentage":
            value = {"factor": 100.0, **value}
        return value

    @model_validator(mode="after")
    def _has_computation(self) -> Indicator:
        if self.measure in ("percentage", "ratio"):
            if self.numerator is None or self.denominator is None:
                raise ValueError(f"a {self.measure} indicator needs numerator and denominator")
        elif self.measure != "qualitative" and self.compute is None:
            raise ValueError(f"a {self.measure} indicator needs compute")
        if self.target < 0:
            raise ValueError(f"target must be >= 0, got {self.target}")
        return self
