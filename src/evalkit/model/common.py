"""Building blocks shared by the specification models (pydantic)."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["LEVELS", "Level", "Spec", "Text"]

#: a logic-model level
Level = Literal[
    "inputs",
    "activities",
    "outputs",
    "short_outcomes",
    "intermediate_outcomes",
    "long_outcomes",
    "impact",
]

#: logic-model levels, in causal order
LEVELS: tuple[str, ...] = get_args(Level)


class Spec(BaseModel):
    """Base of every specification model: unknown keys are errors (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(Spec):
    """A text in Chinese and English. A plain string in YAML is used for both."""

    zh: str
    en: str

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"zh": value, "en": value}
        if isinstance(value, dict) and ("zh" in value) != ("en" in value):
            only = value.get("zh", value.get("en"))
            return {**value, "zh": value.get("zh", only), "en": value.get("en", only)}
        return value

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en
