"""Building blocks shared by the specification models (pydantic)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

__all__ = ["FIRST_DATE", "LAST_DATE", "LEVELS", "MAX_MAGNITUDE", "Level", "Spec", "Text",
           "hostile_value"]

#: no number in a specification may be larger than this in magnitude (10^15: a thousand
#: trillion yuan; anything larger is a typo or an attack, and would overflow sums)
MAX_MAGNITUDE = 1e15
#: dates in a specification must lie in [FIRST_DATE, LAST_DATE] (a year typo such as 2925
#: would otherwise make evalkit enumerate thousands of periods)
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_hostile_values(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse, in every field of every model: NaN and infinity, numbers beyond
        :data:`MAX_MAGNITUDE`, dates outside [:data:`FIRST_DATE`, :data:`LAST_DATE`], control
        characters in text, and true/false where only a number fits (pydantic would read
        ``true`` as 1). Nested models check their own fields."""
        if _plain_and_harmless(value):  # most values: what the field expects does not matter
            return value
        field = cls.model_fields.get(info.field_name or "")
        annotation = field.annotation if field is not None else Any
        problem = _hostile(value, _field_kinds(cls, info.field_name or "", annotation))
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _dates_in_range(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            problem = _date_problem(value)
            if problem:
                raise ValueError(problem)
        return value


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


# ---- hostile values --------------------------------------------------------------------------

def _flatten(annotation: Any) -> list[Any]:
    """Every type named inside ``annotation`` (unions, containers, Literal values)."""
    out = [annotation]
    for arg in get_args(annotation):
        out.extend(_flatten(arg))
    return out


def _kinds(annotation: Any) -> tuple[bool, bool, bool]:
    """(has a model, accepts a boolean, expects a number) for a field's annotation."""
    types_ = _flatten(annotation)
    model = any(isinstance(t, type) and issubclass(t, BaseModel) for t in types_)
    boolean = any(t is bool or t is Any for t in types_)
    number = any(t in (int, float) for t in types_)
    return model, boolean, number


def _plain_and_harmless(value: Any) -> bool:
    """True for None, text without control characters and finite numbers (not booleans)
    within :data:`MAX_MAGNITUDE`: :func:`_hostile` finds no problem in them whatever the
    field's annotation (only booleans and containers depend on it)."""
    kind = value.__class__
    if kind is str:
        return _CONTROL.search(value) is None
    if kind is int or kind is float:  # NaN and infinity compare false
        return bool(-MAX_MAGNITUDE <= value <= MAX_MAGNITUDE)
    return value is None


def _date_problem(value: dt.date) -> str | None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        return (f"date {value.isoformat()} is outside {FIRST_DATE.year}-{LAST_DATE.year} "
                "(a typo in the year?)")
    return None


def _scalar_problem(value: Any, *, number_only: bool) -> str | None:
    if isinstance(value, bool):
        return f"expected a number, got {str(value).lower()}" if number_only else None
    if isinstance(value, float) and not math.isfinite(value):
        return f"expected a finite number, got {value!r}"
    if isinstance(value, int | float) and abs(value) > MAX_MAGNITUDE:
        shown = (f"{value:.6g}" if isinstance(value, float)
                 else f"a {len(str(abs(value)))}-digit number")
        return (f"expected a number at most {MAX_MAGNITUDE:g} in magnitude, got {shown} "
                "(a typo?)")
    if isinstance(value, str):
        bad = _CONTROL.search(value)
        if bad:
            return (f"text contains a control character (U+{ord(bad.group()):04X}); "
                    "remove it")
    if isinstance(value, dt.date):
        return _date_problem(value)
    return None


def _walk(value: Any, where: str, number_only: bool, seen: set[int],
          inside: frozenset[int] = frozenset()) -> str | None:
    if isinstance(value, dict | list | tuple):
        if id(value) in inside:  # a YAML alias inside itself: &a {x: [*a]}
            return f"at {where.rstrip('.')}: refers to itself (a recursive YAML alias)"
        if id(value) in seen:  # a YAML alias used twice: checked once
            return None
        seen.add(id(value))
        inside = inside | {id(value)}
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = []
        for key, item in value.items():
            problem = _scalar_problem(key, number_only=False)
            if problem:
                return f"at {where}{key!s}: {problem}" if where else f"key {key!r}: {problem}"
            items.append((f"{where}{key}.", item))
    elif isinstance(value, list | tuple):
        items = [(f"{where.rstrip('.')}[{k}].", item) for k, item in enumerate(value)]
    else:
        problem = _scalar_problem(value, number_only=number_only)
        if problem and where.rstrip("."):
            return f"at {where.rstrip('.')}: {problem}"
        return problem
    for inner, item in items:
        problem = _walk(item, inner, number_only, seen, inside)
        if problem:
            return problem
    return None


def hostile_value(value: Any, annotation: Any = Any) -> str | None:
    """Why ``value`` may not stand in a field typed ``annotation``, or None.

    Refused anywhere: NaN and infinity, numbers larger than :data:`MAX_MAGNITUDE` in
    magnitude, dates outside :data:`FIRST_DATE`-:data:`LAST_DATE`, control characters in
    text. Refused where the annotation expects numbers but no boolean: ``true`` and
    ``false``. Mappings and lists are searched unless they hold models (which check their own
    fields); the message starts with ``at <path>:`` for a value found inside.

    Examples
    --------
    >>> hostile_value(float("nan"), float)
    'expected a finite number, got nan'
    >>> hostile_value({"a": [1, True]}, dict[str, list[float]])
    'at a[1]: expected a number, got true'
    >>> hostile_value(3.5, float) is None
    True
    """
    return _hostile(value, _kinds(annotation))


#: ``_kinds`` of a field's annotation by (model class, field name): the validator runs for
#: every field of every model, some thousands of times per project file
_KINDS: dict[tuple[type, str], tuple[Any, tuple[bool, bool, bool]]] = {}


def _field_kinds(cls: type, name: str, annotation: Any) -> tuple[bool, bool, bool]:
    hit = _KINDS.get((cls, name))
    if hit is not None and hit[0] is annotation:
        return hit[1]
    kinds = _kinds(annotation)
    _KINDS[(cls, name)] = (annotation, kinds)
    return kinds


def _hostile(value: Any, kinds: tuple[bool, bool, bool]) -> str | None:
    model, boolean, number = kinds
    number_only = number and not boolean
    if isinstance(value, dict | list | tuple):
        return None if model else _walk(value, "", number_only, set())
    return _scalar_problem(value, number_only=number_only)  # what _walk gives a scalar
