"""Outcome specifications: which change is estimated, from which table, with which design."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from evalkit.model.common import Spec, Text

__all__ = ["Comparison", "Outcome", "ScaleSpec"]

FilterValue = str | int | float | bool | list[str | int | float | bool]


class Comparison(Spec):
    """Which rows are served and which are the comparison group (pre/post designs)."""

    column: str
    treated: str | int
    control: str | int


class ScaleSpec(Spec):
    """A Likert scale: items, their range, reverse-coded items, minimum answered."""

    items: list[str]
    range: tuple[float, float] = (1, 5)
    reverse: list[str] = Field(default_factory=list)
    min_answered: int | None = None


class Outcome(Spec):
    """One outcome to estimate.

    ``design: prepost`` uses ``unit``, ``time``, ``pre``, ``post`` and either ``outcome`` (a
    column) or ``scale``; ``design: did`` uses ``outcome``, ``group``, ``post`` and optionally
    ``unit``, ``time``, ``cohort`` (for the event study) and ``cluster``.
    """

    id: str
    name: Text
    design: Literal["prepost", "did"]
    source: str
    unit_label: Text | None = None
    outcome: str | None = None
    scale: ScaleSpec | None = None
    unit: str | None = None
    time: str | None = None
    pre: str | None = None
    post: str | None = None
    group: str | None = None
    cohort: str | None = None
    cluster: str | None = None
    covariates: list[str] = Field(default_factory=list)
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    compare: Comparison | None = None
    test: Literal["t", "wilcoxon", "mcnemar"] = "t"
    main: bool = True
    better: Literal["higher", "lower"] = "higher"

    @model_validator(mode="after")
    def _complete(self) -> Outcome:
        missing: list[str] = []
        if self.design == "prepost":
            if self.outcome is None and self.scale is None:
                missing.append("outcome or scale")
            missing += [k for k in ("unit", "time", "pre", "post") if getattr(self, k) is None]
        else:
            missing += [k for k in ("outcome", "group", "post") if getattr(self, k) is None]
        if missing:
            raise ValueError(f"design {self.design!r} needs: {', '.join(missing)}")
        return self
