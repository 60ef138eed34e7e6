"""The purchase contract: deliverables and quality criteria the acceptance is judged on."""

from __future__ import annotations

from pydantic import Field

from evalkit.model.common import Spec, Text

__all__ = ["Contract", "Criterion"]


class Criterion(Spec):
    """A contract criterion judged on an indicator: met when the actual reaches ``target``
    (or the indicator's own target when omitted)."""

    id: str
    name: Text
    indicator: str
    target: float | None = None
    mandatory: bool = True
    weight: float = Field(default=1.0, ge=0)
    evidence: list[Text] = Field(default_factory=list)


class Contract(Spec):
    """Contract value and criteria."""

    amount: float = Field(ge=0)
    criteria: list[Criterion] = Field(default_factory=list)
