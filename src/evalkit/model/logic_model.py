"""Logic model: elements at levels inputs → activities → outputs → outcomes → impact, and links."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from evalkit.model.common import LEVELS, Spec, Text

__all__ = ["Element", "Link", "LogicModel"]

Level = Literal[
    "inputs",
    "activities",
    "outputs",
    "short_outcomes",
    "intermediate_outcomes",
    "long_outcomes",
    "impact",
]


class Element(Spec):
    """One box of the logic model."""

    id: str
    level: Level
    text: Text
    assumptions: list[Text] = Field(default_factory=list)


class Link(Spec):
    """A causal link ``source → target`` (YAML: ``[a, b]`` or ``{from: a, to: b}``)."""

    source: str = Field(alias="from")
    target: str = Field(alias="to")

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"from": value[0], "to": value[1]}
        return value


class LogicModel(Spec):
    """Elements, links, assumptions and external factors."""

    elements: list[Element]
    links: list[Link] = Field(default_factory=list)
    assumptions: list[Text] = Field(default_factory=list)
    external_factors: list[Text] = Field(default_factory=list)

    def by_level(self) -> dict[str, list[Element]]:
        """Elements grouped by level, in causal order (empty levels included)."""
        out: dict[str, list[Element]] = {lvl: [] for lvl in LEVELS}
        for e in self.elements:
            out[e.level].append(e)
        return out

    def element(self, element_id: str) -> Element:
        """The element with ``element_id`` (KeyError if absent)."""
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(element_id)
