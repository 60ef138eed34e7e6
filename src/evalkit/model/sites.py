"""Sites: the network a project runs through, as a tree.

A linkage mechanism is rarely one place: a city legal-service centre with township stations and
contact points, or a province → city → town team. ``sites:`` in project.yaml declares the tree;
data rows are tagged with a site id in one column (``column``, default ``site``), at any level;
the rows of a site are its own rows and those of every site below it (roll-up).

Example::

    sites:
      levels: [centre, station, point]     # top to bottom
      column: site                          # data column holding a site id
      cluster_level: station                # estimators cluster by this level
      tree:
        - id: ZS
          level: centre
          name: {zh: 市职工法律服务中心, en: City legal service centre}
          children:
            - {id: S1, level: station, name: 镇街站一, children: [{id: S1P1, level: point}]}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field, model_validator

from evalkit.model.common import Spec, Text

__all__ = ["Site", "Sites"]


class Site(Spec):
    """One site: id, level, name, optional per-site indicator targets, and the sites below."""

    id: str
    level: str
    name: Text | None = None
    targets: dict[str, float] = Field(default_factory=dict)
    children: list[Site] = Field(default_factory=list)

    def walk(self, parent: str | None = None, depth: int = 0) -> Iterator[tuple[Site, str | None, int]]:
        """This site and every site below it: (site, parent id, depth)."""
        yield self, parent, depth
        for child in self.children:
            yield from child.walk(self.id, depth + 1)


class Sites(Spec):
    """The site tree, the data column that tags rows, and the clustering level."""

    levels: list[str] = Field(min_length=1)
    column: str = "site"
    cluster_level: str | None = None
    cadence_levels: list[str] | None = None
    tree: list[Site] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Sites:
        problems: list[str] = []
        seen: set[str] = set()
        rank = {lv: i for i, lv in enumerate(self.levels)}
        parents: dict[str, str | None] = {}
        levels: dict[str, str] = {}
        for root in self.tree:
            for site, parent, _ in root.walk():
                if site.id in seen:
                    problems.append(f"site id {site.id!r} is used more than once")
                seen.add(site.id)
                parents[site.id] = parent
                levels[site.id] = site.level
                if site.level not in rank:
                    problems.append(f"site {site.id!r}: level {site.level!r} is not one of "
                                    f"levels ({', '.join(self.levels)})")
        for sid, parent in parents.items():
            if (parent is not None and levels[sid] in rank and levels[parent] in rank
                    and rank[levels[sid]] <= rank[levels[parent]]):
                problems.append(f"site {sid!r} ({levels[sid]}) sits under {parent!r} "
                                f"({levels[parent]}): a child must be at a lower level")
        if self.cluster_level is not None and self.cluster_level not in rank:
            problems.append(f"cluster_level {self.cluster_level!r} is not one of levels")
        for lv in self.cadence_levels or []:
            if lv not in rank:
                problems.append(f"cadence_levels: {lv!r} is not one of levels")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ----------------------------------------------------------------------------------
    def nodes(self) -> list[dict[str, Any]]:
        """Every site, depth first: ``id``, ``level``, ``parent``, ``depth``, ``name``."""
        return [{"id": s.id, "level": s.level, "parent": p, "depth": d, "name": s.name,
                 "targets": dict(s.targets)}
                for root in self.tree for s, p, d in root.walk()]

    def cadence_at(self) -> set[str]:
        """Levels whose sites are held to the cadence rules: ``cadence_levels``, else every
        level down to ``cluster_level`` (contact points below a station do not each promise
        the station's visits), else every level."""
        if self.cadence_levels is not None:
            return set(self.cadence_levels)
        if self.cluster_level is not None:
            return set(self.levels[: self.levels.index(self.cluster_level) + 1])
        return set(self.levels)

    def ids(self) -> list[str]:
        """Every site id, depth first."""
        return [n["id"] for n in self.nodes()]

    def below(self, site_id: str) -> set[str]:
        """``site_id`` and the ids of every site under it."""
        for root in self.tree:
            for s, _, _ in root.walk():
                if s.id == site_id:
                    return {x.id for x, _, _ in s.walk()}
        return set()

    def ancestor_at(self, site_id: str, level: str) -> str | None:
        """The site at ``level`` above (or equal to) ``site_id``; None when none is."""
        info = {n["id"]: n for n in self.nodes()}
        cur: str | None = site_id
        while cur is not None and cur in info:
            if info[cur]["level"] == level:
                return cur
            cur = info[cur]["parent"]
        return None

    def at_level(self, level: str) -> list[str]:
        """Ids of the sites at ``level``."""
        return [n["id"] for n in self.nodes() if n["level"] == level]
