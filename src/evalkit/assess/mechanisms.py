"""The ``analytics:`` and ``sites:`` stage: runs each mechanism analysis a project asks for.

``evaluation.analytics`` is an :class:`Analytics` (None when the project declares neither
``analytics:`` nor ``sites:``). Each part is computed by its own module; this one only reads the
spec, picks the data and calls them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from evalkit.assess.coverage import CoverageResult, coverage
from evalkit.assess.needs_match import NeedsMatchResult, needs_match
from evalkit.assess.partnership import PartnershipResult, partnership_ledger
from evalkit.assess.project_cycle import CycleResult, Gate, project_cycle
from evalkit.assess.sites import SiteResult, site_results
from evalkit.assess.workforce import WorkforceResult, workforce_indicators
from evalkit.errors import DataError, SpecError
from evalkit.estimate.heterogeneity import HeterogeneityResult, did_by_subgroup
from evalkit.estimate.retention import RetentionResult, conversion_rate, volunteer_retention

__all__ = ["Analytics", "assess_project"]


@dataclass(frozen=True)
class Analytics:
    """Results of the mechanism analyses (each None when not asked for)."""

    partnership: PartnershipResult | None = None
    needs_match: NeedsMatchResult | None = None
    retention: RetentionResult | None = None
    conversion: Mapping[str, float] | None = None
    coverage: CoverageResult | None = None
    cycle: CycleResult | None = None
    heterogeneity: Mapping[str, HeterogeneityResult] = field(default_factory=dict)
    workforce: WorkforceResult | None = None
    sites: SiteResult | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "heterogeneity", MappingProxyType(dict(self.heterogeneity)))


def _site_column(project: Any, df: Any, level: str | None, where: str) -> Any:
    """The data's site ids mapped to their ancestor at ``level`` (a Series)."""
    sites = project.sites
    if level is None:
        return None
    if sites is None or sites.column not in df.columns:
        raise SpecError(f"{where}: needs a {sites.column if sites else 'site'!r} column and "
                        "sites: in project.yaml to use a site level")
    mapped = df[sites.column].astype(str).map(lambda s: sites.ancestor_at(s, level))
    if mapped.isna().any():
        row = mapped.index[mapped.isna()][0]
        raise DataError(f"{where}: row {row!r} site {df.at[row, sites.column]!r} has no "
                        f"{level!r} above it", hint="tag rows at or below that level")
    return mapped


def assess_project(project: Any, evidence: Any, **stages: Any) -> Analytics | None:
    """Run every analysis ``project.analytics`` and ``project.sites`` ask for."""
    spec = getattr(project, "analytics", None)
    sites = site_results(project, evidence)
    if spec is None:
        return Analytics(sites=sites) if sites is not None else None
    end = project.project.period.end
    parts: dict[str, Any] = {"sites": sites}
    if spec.partnership is not None:
        p = spec.partnership
        parts["partnership"] = partnership_ledger(evidence[p.source], parties=p.parties,
                                                  rates=p.rates, periods=p.periods, where=p.source)
    if spec.needs_match is not None:
        m = spec.needs_match
        needs = evidence[m.needs_source]
        svc = evidence[m.services_source]
        for df, col, src in ((needs, m.needs_column, m.needs_source),
                             (svc, m.services_column, m.services_source)):
            if col not in df.columns:
                raise DataError(f"{src}: column {col!r} not found (analytics.needs_match)")
        parts["needs_match"] = needs_match(needs[m.needs_column].dropna().astype(str)
                                           .value_counts(),
                                           svc[m.services_column].dropna().astype(str)
                                           .value_counts(), top_k=m.top_k)
    if spec.retention is not None:
        r = spec.retention
        vols = evidence[r.source]
        parts["retention"] = volunteer_retention(vols, as_of=r.as_of or end, horizon=r.horizon,
                                                 joined=r.joined, left=r.left, where=r.source)
        if r.served_source is not None and r.served_id and r.volunteer_id:
            served = evidence[r.served_source]
            for df, col, src in ((served, r.served_id, r.served_source),
                                 (vols, r.volunteer_id, r.source)):
                if col not in df.columns:
                    raise DataError(f"{src}: column {col!r} not found (analytics.retention)")
            share, k, n = conversion_rate(served[r.served_id], vols[r.volunteer_id])
            parts["conversion"] = {"share": share, "converted": k, "served": n}
    if spec.coverage is not None:
        c = spec.coverage
        points, svc = evidence[c.points_source], evidence[c.services_source]
        towns = project.sites.at_level(c.level)
        pts = points.assign(_town=_site_column(project, points, c.level, c.points_source))
        sv = svc.assign(_town=_site_column(project, svc, c.level, c.services_source))
        parts["coverage"] = coverage(pts, sv, townships=towns, required=c.required,
                                     township="_town", where="analytics.coverage")
    if spec.cycle is not None:
        cy = spec.cycle
        gates = [Gate(g.stage, g.due, tuple(g.outputs)) for g in cy.gates]
        parts["cycle"] = project_cycle(evidence[cy.source], gates, as_of=cy.as_of or end,
                                       where=cy.source)
    het = {}
    for h in spec.heterogeneity:
        df = evidence[h.source]
        cluster = h.cluster
        if h.cluster_level is not None:
            cluster = h.cluster_level if h.cluster_level not in df.columns else f"_{h.cluster_level}"
            df = df.assign(**{cluster: _site_column(project, df, h.cluster_level, h.source)})
        # with few clusters did_by_subgroup warns (FewClustersWarning); the result carries
        # n_clusters/few_clusters and the report says so
        het[h.id] = did_by_subgroup(df, h.outcome, h.group, h.post, h.subgroup, unit=h.unit,
                                    cluster=cluster, inference=h.inference)
    parts["heterogeneity"] = het
    if spec.workforce is not None:
        w = spec.workforce
        roster = evidence[w.source]
        site = "site"
        if w.level is not None:
            roster = roster.assign(_town=_site_column(project, roster, w.level, w.source))
            site = "_town"
        parts["workforce"] = workforce_indicators(roster, targets=w.targets, periods=w.periods,
                                                  site=site, where=w.source)
    return Analytics(**parts)
