"""Cadence rules: how often a service must happen ("at least 2 enterprise visits a week").

YAML shape::

    cadence:
      - id: R1
        name: {zh: 每周至少走访企业 2 次, en: At least 2 enterprise visits a week}
        source: service_log            # a data source with one row per activity
        date: date                     # default: the source's only date column
        filter: {activity_type: enterprise_visit}
        per: week                      # week | month | quarter | year
        min: 2                         # at least this many per period
        distinct: null                 # or a column: count distinct values (e.g. enterprise_id)
        partial: prorate               # partial first/last periods: prorate | full | skip
        calendar: contract             # contract | calendar | auto (default: project.calendar)

Periods come from :mod:`evalkit.model.calendar`: contract weeks, months, quarters or years
counted from the project's start, or calendar ones (weeks Monday to Sunday), clipped to the
project period. A period the project covers only partly (a project starting on a Wednesday has a
five-day first week) needs, with ``partial: prorate`` (the default), ``min × days / full days``
rounded half up (2 × 5/7 = 1.43 → 1); a period whose prorated minimum rounds to 0 is not
assessed. ``full`` asks the whole minimum of partial periods; ``skip`` leaves them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from evalkit.model.calendar import CalendarKind
from evalkit.model.common import Spec, Text
from evalkit.model.indicators import FilterValue

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = ["CadenceRule", "cross_check"]


class CadenceRule(Spec):
    """A minimum number of records (activities) per calendar period; see the module docstring."""

    id: str
    name: Text
    source: str
    date: str | None = None
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    per: Literal["week", "month", "quarter", "year"]
    calendar: CalendarKind | None = None
    min: float = 1
    distinct: str | None = None
    partial: Literal["prorate", "full", "skip"] = "prorate"
    description: Text | None = None

    @field_validator("min")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError(f"min must be > 0, got {v:g}")
        return v

    def columns(self, date: str | None = None) -> list[str]:
        """Every column the rule reads."""
        cols = [date or self.date, *self.filter, self.distinct]
        return list(dict.fromkeys(c for c in cols if c))


def rule_date_column(rule: CadenceRule, project: Project) -> str | None:
    """The date column of ``rule``: its ``date`` or the source's only declared date column."""
    if rule.date is not None or rule.source not in project.data:
        return rule.date
    dates = [c for c, s in project.data[rule.source].columns.items() if s.type == "date"]
    return dates[0] if len(dates) == 1 else None


def cross_check(project: Project) -> list[str]:
    """Problems that need the whole project: duplicate ids, unknown sources, no date column.

    Columns are checked against the data at evaluation (:func:`check_cadence`)."""
    out: list[str] = []
    ids = [r.id for r in project.cadence]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        out.append(f"cadence: id {dup!r} is used more than once")
    for k, rule in enumerate(project.cadence):
        where = f"cadence[{k}]"
        if rule.source not in project.data:
            out.append(f"{where}.source: unknown data source {rule.source!r} "
                       f"(declared: {', '.join(project.data) or 'none'})")
            continue
        if rule_date_column(rule, project) is None:
            out.append(f"{where}.date: name the column that dates each record (date: <column>)")
    return out
