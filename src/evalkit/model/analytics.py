"""``analytics:`` in project.yaml — the mechanism-specific analyses a project asks for.

Each part is optional; a project lists only the ones its mechanism needs (see the example
projects under datasets/ and docs/mechanisms.md)::

    analytics:
      partnership: {source: ledger, parties: [union, provider], rates: {staff_hours: 80}}
      needs_match: {needs_source: needs, needs_column: need, services_source: service_log,
                    services_column: category, top_k: 3}
      retention: {source: volunteers, horizon: 90, served_source: participants,
                  served_id: worker_id, volunteer_id: worker_id}
      coverage: {points_source: points, services_source: service_log, level: station,
                 required: {platform: [care, volunteer, union]}}
      cycle: {source: cycle, gates: [{stage: needs_assessment, due: 2025-02-28,
                                       outputs: [needs_report]}, ...]}
      heterogeneity: [{id: rights, source: panel, outcome: y, group: treated, post: post,
                       subgroup: strength, unit: community_id, cluster_level: community}]
      workforce: {source: roster, level: town, targets: {certification_rate: 0.2}}
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from evalkit.model.common import Spec, Text

__all__ = ["AnalyticsSpec", "cross_check"]


class PartnershipSpec(Spec):
    """Partnership ledger: the source, the two parties (A first), yuan rates per unit."""

    source: str
    parties: list[str] = Field(min_length=2, max_length=2)
    rates: dict[str, float] = Field(default_factory=dict)
    periods: list[str] | None = None


class NeedsMatchSpec(Spec):
    """Needs survey (one row per need named) against services (one row per service)."""

    needs_source: str
    needs_column: str = "need"
    services_source: str
    services_column: str = "category"
    top_k: int = Field(default=3, ge=1)


class RetentionSpec(Spec):
    """Volunteer roster with join/leave dates; optional served-to-volunteer conversion."""

    source: str
    joined: str = "joined"
    left: str = "left"
    horizon: int = Field(default=90, ge=1)
    as_of: dt.date | None = None
    served_source: str | None = None
    served_id: str | None = None
    volunteer_id: str | None = None


class CoverageSpec(Spec):
    """Service points and services per site at ``level``; required values per dimension."""

    points_source: str
    services_source: str
    level: str
    required: dict[str, list[str]] = Field(default_factory=dict)


class GateSpec(Spec):
    """One stage gate: stage name, due date, required outputs."""

    stage: str
    due: dt.date | None = None
    outputs: list[str] = Field(default_factory=list)


class CycleSpec(Spec):
    """Project-cycle records (one row per project and stage passed) and the gates."""

    source: str
    gates: list[GateSpec] = Field(min_length=1)
    as_of: dt.date | None = None


class HeterogeneitySpec(Spec):
    """Subgroup DiD: outcome, 0/1 group and post columns, subgroup column, clustering."""

    id: str
    name: Text | None = None
    source: str
    outcome: str
    group: str
    post: str
    subgroup: str
    unit: str | None = None
    cluster: str | None = None
    cluster_level: str | None = None
    inference: Literal["analytic", "wild"] = "analytic"


class WorkforceSpec(Spec):
    """Workforce roster (one row per worker and period), site level, targets."""

    source: str
    level: str | None = None
    targets: dict[str, float] = Field(default_factory=dict)
    periods: list[str] | None = None


class AnalyticsSpec(Spec):
    """The mechanism analyses of a project (each optional)."""

    partnership: PartnershipSpec | None = None
    needs_match: NeedsMatchSpec | None = None
    retention: RetentionSpec | None = None
    coverage: CoverageSpec | None = None
    cycle: CycleSpec | None = None
    heterogeneity: list[HeterogeneitySpec] = Field(default_factory=list)
    workforce: WorkforceSpec | None = None

    def sources(self) -> list[tuple[str, str]]:
        """(YAML path, data source name) of every source named."""
        out: list[tuple[str, str]] = []
        for key in ("partnership", "retention", "cycle", "workforce"):
            part = getattr(self, key)
            if part is not None:
                out.append((f"analytics.{key}.source", part.source))
        if self.retention is not None and self.retention.served_source is not None:
            out.append(("analytics.retention.served_source", self.retention.served_source))
        if self.needs_match is not None:
            out += [("analytics.needs_match.needs_source", self.needs_match.needs_source),
                    ("analytics.needs_match.services_source", self.needs_match.services_source)]
        if self.coverage is not None:
            out += [("analytics.coverage.points_source", self.coverage.points_source),
                    ("analytics.coverage.services_source", self.coverage.services_source)]
        out += [(f"analytics.heterogeneity[{k}].source", h.source)
                for k, h in enumerate(self.heterogeneity)]
        return out


def cross_check(project: Any) -> list[str]:
    """Sources and site levels named under ``analytics:`` and ``sites:`` that do not exist."""
    out: list[str] = []
    spec = getattr(project, "analytics", None)
    sites = getattr(project, "sites", None)
    if spec is None:
        return out
    for where, name in spec.sources():
        if name not in project.data:
            out.append(f"{where}: unknown data source {name!r} "
                       f"(declared: {', '.join(project.data) or 'none'})")
    levels = list(sites.levels) if sites is not None else []
    named = [("analytics.coverage.level", spec.coverage.level if spec.coverage else None),
             ("analytics.workforce.level", spec.workforce.level if spec.workforce else None)]
    named += [(f"analytics.heterogeneity[{k}].cluster_level", h.cluster_level)
              for k, h in enumerate(spec.heterogeneity)]
    for where, level in named:
        if level is not None and level not in levels:
            out.append(f"{where}: site level {level!r} is not declared under sites.levels "
                       f"({', '.join(levels) or 'no sites declared'})")
    return out
