"""Indicators and cadence rules evaluated per site and rolled up the site tree.

A site's records are the rows tagged with it or with any site below it (``sites.column``), so a
station's value includes its contact points and the centre's value is the whole network's —
roll-up by recomputation on the pooled rows, exact for counts, shares and means alike. Each
indicator whose source has the site column is measured per site over the whole project period;
its achievement is judged against the site's own target (``sites.tree[…].targets``), when
given; a contract criterion on such an indicator is met at a site when the site reaches its
own target. Each cadence rule whose source has the site column is checked per site (the same
minimum applies at every site: "visits at least twice a week" is a promise of each station).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.assess.achievement import achievement, indicator_rows
from evalkit.assess.cadence import check_cadence
from evalkit.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.model.sites import Sites

__all__ = ["SiteResult", "check_site_tags", "site_results"]


@dataclass(frozen=True)
class SiteResult:
    """Per-site indicators and cadence (immutable).

    Attributes
    ----------
    nodes
        One row per site: ``site``, ``level``, ``parent``, ``depth``, ``name_zh``,
        ``name_en``, ``rows`` (records tagged at or below it).
    indicators
        One row per site and indicator: ``site``, ``indicator_id``, ``actual``, ``n``,
        ``target``, ``achievement``, ``met``.
    cadence
        One row per site and rule: ``site``, ``rule_id``, ``periods``, ``met``,
        ``compliance``.
    criteria
        One row per site and contract criterion whose indicator has a target at that site:
        ``site``, ``criterion_id``, ``indicator_id``, ``met``.
    cluster_level, n_clusters
        The level estimators cluster by and how many sites it has.
    """

    nodes: pd.DataFrame
    indicators: pd.DataFrame
    cadence: pd.DataFrame
    cluster_level: str | None
    n_clusters: int | None
    criteria: pd.DataFrame | None = None

    @property
    def few_clusters(self) -> bool:
        """True when the clustering level has fewer than 30 sites."""
        return self.n_clusters is not None and self.n_clusters < 30

    def to_frame(self) -> pd.DataFrame:
        """The per-site indicator table (a copy)."""
        return self.indicators.copy()


def check_site_tags(sites: Sites, tables: Any) -> None:
    """Raise :class:`DataError` when a data row names a site not in the tree."""
    known = set(sites.ids())
    for name, df in dict(tables).items():
        if sites.column not in df.columns:
            continue
        vals = df[sites.column].dropna().astype(str)
        bad = vals[~vals.isin(known)]
        if len(bad):
            raise DataError(
                f"{name}: column {sites.column!r} row {bad.index[0]!r} names site "
                f"{bad.iloc[0]!r}, which is not in sites.tree",
                hint="fix the site id in the data or add the site to sites.tree in project.yaml")


def site_results(project: Any, evidence: Any) -> SiteResult | None:
    """Per-site indicators and cadence for a project with ``sites:``; None without."""
    import pandas as pd

    from evalkit.model.cadence import rule_date_column

    sites: Sites | None = getattr(project, "sites", None)
    if sites is None:
        return None
    tables = dict(evidence.tables)
    check_site_tags(sites, tables)
    col = sites.column
    period = project.project.period
    node_rows, ind_rows, cad_rows = [], [], []
    for node in sites.nodes():
        ids = sites.below(node["id"])
        mine = {name: df.loc[df[col].astype(str).isin(ids).to_numpy(dtype=bool)]
                for name, df in tables.items() if col in df.columns}
        name = node["name"]
        node_rows.append({"site": node["id"], "level": node["level"], "parent": node["parent"],
                          "depth": node["depth"],
                          "name_zh": name.zh if name is not None else node["id"],
                          "name_en": name.en if name is not None else node["id"],
                          "rows": int(sum(len(df) for df in mine.values()))})
        for k, ind in enumerate(project.indicators):
            if ind.source not in mine:
                continue
            rows = indicator_rows(ind, mine[ind.source], start=period.start, end=period.end,
                                  date=None, where=f"indicators[{k}] ({ind.id}) at {node['id']}",
                                  disaggregate=False)
            total = rows[-1]
            target = node["targets"].get(ind.id)
            actual = float(total.get("actual", math.nan))
            ach = (achievement(actual, float(target), ind.baseline, ind.direction)
                   if target is not None else math.nan)
            ind_rows.append({"site": node["id"], "indicator_id": ind.id, "actual": actual,
                             "n": total.get("n"), "target": target, "achievement": ach,
                             "met": None if target is None or not math.isfinite(ach)
                             else bool(ach >= 1.0 - 1e-9)})
        rules = ([r for r in project.cadence if r.source in mine]
                 if node["level"] in sites.cadence_at() else [])
        if rules:
            dates = {r.id: rule_date_column(r, project) for r in rules}
            res = check_cadence(rules, mine, period.start, period.end, dates=dates)
            for r in res.rules.to_dict(orient="records"):
                cad_rows.append({"site": node["id"], "rule_id": r["rule_id"],
                                 "periods": r["periods"], "met": r["met"],
                                 "compliance": r["compliance"]})
    n_cl = len(sites.at_level(sites.cluster_level)) if sites.cluster_level else None
    contract = getattr(project, "contract", None)
    crit_rows = []
    for c in (contract.criteria if contract is not None else []):
        for r in ind_rows:
            if r["indicator_id"] == c.indicator and r["met"] is not None:
                crit_rows.append({"site": r["site"], "criterion_id": c.id,
                                  "indicator_id": c.indicator, "met": r["met"]})
    return SiteResult(
        nodes=pd.DataFrame(node_rows),
        indicators=pd.DataFrame(ind_rows, columns=["site", "indicator_id", "actual", "n",
                                                   "target", "achievement", "met"]),
        cadence=pd.DataFrame(cad_rows, columns=["site", "rule_id", "periods", "met",
                                                "compliance"]),
        cluster_level=sites.cluster_level, n_clusters=n_cl,
        criteria=pd.DataFrame(crit_rows, columns=["site", "criterion_id", "indicator_id", "met"]))
