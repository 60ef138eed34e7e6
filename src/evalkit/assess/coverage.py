"""Coverage of a service network: service points per township and full-coverage checks.

A linkage network (a city centre, township stations, contact points) promises "full coverage":
every township has service points, and every township's services span every required
**platform** (e.g. worker care, volunteer development, union connection), **means** (visits,
activities, consultations …) and **content** (rights protection, participation, education …).

For township ``j``: ``points_j`` = service points located in it; ``covered_j[d]`` = True when
the set of values of dimension ``d`` seen in its service records contains every required value.
Full coverage of ``j`` = at least one point and every dimension covered. The network's coverage
rates are shares of townships (each township counts once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_frame, require_columns
from evalkit.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CoverageResult", "coverage"]


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of every township (immutable).

    Attributes
    ----------
    table
        One row per township: ``township``, ``points``, ``services``, one boolean column
        ``<dimension>_covered`` per dimension, ``missing`` (required values never seen, as
        ``dimension:value`` joined by ", ") and ``full`` (points ≥ 1 and every dimension covered).
    with_points, full
        Share of townships with at least one point, and fully covered.
    rates
        Dimension -> share of townships covering it.
    """

    table: pd.DataFrame
    with_points: float
    full: float
    rates: dict[str, float]

    def to_frame(self) -> pd.DataFrame:
        """The per-township table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"with_points": self.with_points, "full": self.full, "rates": dict(self.rates),
                "table": self.table.to_dict(orient="records")}


def coverage(
    points: pd.DataFrame,
    services: pd.DataFrame,
    *,
    townships: Sequence[str],
    required: Mapping[str, Sequence[str]],
    township: str = "township",
    where: str = "coverage",
) -> CoverageResult:
    """Service points per township and full-coverage checks.

    Parameters
    ----------
    points
        One row per service point with its ``township`` column. Not modified.
    services
        One row per service record with ``township`` and one column per dimension in
        ``required`` (e.g. ``platform``, ``means``, ``content``). Not modified.
    townships
        Every township that should be covered (a township with no rows counts as uncovered).
    required
        Dimension (column) -> required values.

    Raises
    ------
    DataError
        A point or service in a township not listed, or a missing column.

    Examples
    --------
    >>> import pandas as pd
    >>> pts = pd.DataFrame({"township": ["A", "A", "B"]})
    >>> svc = pd.DataFrame({"township": ["A", "A", "B"], "platform": ["care", "union", "care"]})
    >>> r = coverage(pts, svc, townships=["A", "B", "C"], required={"platform": ["care", "union"]})
    >>> r.full, list(r.table["points"])
    (0.3333333333333333, [2, 1, 0])
    """
    import pandas as pd

    check_frame(points, f"{where} (points)", allow_empty=True)
    check_frame(services, f"{where} (services)", allow_empty=True)
    require_columns(points, [township], f"{where} (points)")
    require_columns(services, [township, *required], f"{where} (services)")
    towns = [str(t) for t in townships]
    if not towns:
        raise DataError(f"{where}: no townships to cover", hint="list the townships")
    for frame, what in ((points, "points"), (services, "services")):
        vals = frame[township].astype(str)
        bad = vals[~vals.isin(towns)]
        if len(bad):
            raise DataError(
                f"{where} ({what}): row {bad.index[0]!r} is in township {bad.iloc[0]!r}, "
                f"which is not one of the sites ({', '.join(towns)})",
                hint="fix the township name or add the township to sites")
    pcount = points[township].astype(str).value_counts()
    svc_town = services[township].astype(str)
    rows = []
    for t in towns:
        here = services.loc[svc_town == t]
        rec: dict[str, Any] = {"township": t, "points": int(pcount.get(t, 0)),
                               "services": len(here)}
        missing: list[str] = []
        for dim, values in required.items():
            seen = set(here[dim].dropna().astype(str))
            lack = [str(v) for v in values if str(v) not in seen]
            rec[f"{dim}_covered"] = not lack
            missing += [f"{dim}:{v}" for v in lack]
        rec["missing"] = ", ".join(missing)
        rec["full"] = rec["points"] > 0 and not missing
        rows.append(rec)
    table = pd.DataFrame(rows)
    n = len(towns)
    return CoverageResult(
        table=table, with_points=float((table["points"] > 0).sum()) / n,
        full=float(table["full"].sum()) / n,
        rates={dim: float(table[f"{dim}_covered"].sum()) / n for dim in required})
