"""Workforce indicators of a placed social-work team: headcount, certification, training,
turnover and caseload, per site and period, against targets, with trends.

The roster has one row per worker and period (``worker_id``, ``site``, ``period``,
``certified`` 0/1, ``training_hours``, ``cases`` handled in the period, ``left`` 1 when the worker
left during the period). For a site ``j`` (or the whole team) and period ``t``:

* headcount ``H = #workers on the roster``;
* certification rate ``= Σ certified / H``;
* training hours per worker ``= Σ training_hours / H``;
* turnover ``= Σ left / H`` (leavers as a share of the period's roster);
* caseload per worker ``= Σ cases / H``.

Targets are minimums (certification rate, training hours, headcount) or maximums (turnover,
caseload). The trend of each indicator is last period − first period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_frame, numeric_column, require_columns
from evalkit.errors import DataError, SpecError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["METRICS", "WorkforceResult", "workforce_indicators"]

#: indicator -> "min" (target is a floor) or "max" (a ceiling)
METRICS: dict[str, str] = {"headcount": "min", "certification_rate": "min",
                           "training_hours": "min", "turnover": "max", "caseload": "max"}


@dataclass(frozen=True)
class WorkforceResult:
    """Workforce indicators (immutable).

    Attributes
    ----------
    table
        One row per site (``"total"`` for the whole team) and period: ``site``, ``period``
        and the five :data:`METRICS`.
    targets
        Indicator -> target.
    checks
        One row per indicator for the whole team in the last period: ``indicator``,
        ``value``, ``target``, ``direction`` (min/max), ``met``, ``trend`` (last − first).
    """

    table: pd.DataFrame
    checks: pd.DataFrame
    targets: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", MappingProxyType(dict(self.targets)))

    def to_frame(self) -> pd.DataFrame:
        """The target checks (a copy)."""
        return self.checks.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"table": self.table.to_dict(orient="records"),
                "checks": self.checks.to_dict(orient="records"), "targets": dict(self.targets)}


def _rates(frame: pd.DataFrame) -> dict[str, float]:
    h = len(frame)
    if h == 0:
        return {"headcount": 0, "certification_rate": math.nan, "training_hours": math.nan,
                "turnover": math.nan, "caseload": math.nan}
    return {"headcount": h, "certification_rate": float(frame["_cert"].sum()) / h,
            "training_hours": float(frame["_hours"].sum()) / h,
            "turnover": float(frame["_left"].sum()) / h,
            "caseload": float(frame["_cases"].sum()) / h}


def workforce_indicators(
    roster: pd.DataFrame,
    *,
    targets: Mapping[str, float] | None = None,
    periods: Sequence[str] | None = None,
    site: str = "site",
    where: str = "roster",
) -> WorkforceResult:
    """Headcount, certification rate, training hours, turnover and caseload.

    Parameters
    ----------
    roster
        One row per worker and period (columns ``worker_id``, ``site``, ``period``,
        ``certified``, ``training_hours``, ``cases``, ``left``). Not modified.
    targets
        Indicator -> target for the whole team (see :data:`METRICS` for the direction).
    periods
        Period labels in order (default: sorted labels in the roster).

    Raises
    ------
    DataError
        A worker listed twice in one period, ``certified``/``left`` not 0/1, negative hours
        or cases, an unknown period.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"worker_id": ["a", "b"], "site": ["T1", "T1"], "period": ["2025"] * 2,
    ...                   "certified": [1, 0], "training_hours": [40, 20], "cases": [30, 50],
    ...                   "left": [0, 1]})
    >>> w = workforce_indicators(r, targets={"certification_rate": 0.2})
    >>> w.checks.set_index("indicator").loc["certification_rate", "value"]
    np.float64(0.5)
    """
    import pandas as pd

    check_frame(roster, where)
    cols = ["worker_id", site, "period", "certified", "training_hours", "cases", "left"]
    require_columns(roster, cols, where)
    targets = {str(k): float(v) for k, v in (targets or {}).items()}
    for k in targets:
        if k not in METRICS:
            raise SpecError(f"{where}: unknown workforce target {k!r}",
                            hint=f"targets are: {', '.join(METRICS)}")
    dup = roster.duplicated(["worker_id", "period"])
    if dup.any():
        row = dup.index[dup][0]
        raise DataError(f"{where}: worker {roster.at[row, 'worker_id']!r} appears twice in "
                        f"period {roster.at[row, 'period']!r}",
                        hint="one roster row per worker and period")
    frame = pd.DataFrame({"site": roster[site].astype(str).to_numpy(),
                          "period": roster["period"].astype(str).to_numpy()})
    for col, new in (("certified", "_cert"), ("left", "_left")):
        v = numeric_column(roster, col, where)
        if not v.isin([0, 1]).all():
            raise DataError(f"{where}: column {col!r} must be 0 or 1",
                            hint="1 = yes, 0 = no; no blanks")
        frame[new] = v.to_numpy()
    for col, new in (("training_hours", "_hours"), ("cases", "_cases")):
        v = numeric_column(roster, col, where).fillna(0.0)
        if (v < 0).any():
            raise DataError(f"{where}: column {col!r} has a negative value",
                            hint="hours and cases are counts ≥ 0")
        frame[new] = v.to_numpy()
    labels = [str(p) for p in periods] if periods is not None else sorted(set(frame["period"]))
    extra = sorted(set(frame["period"]) - set(labels))
    if extra:
        raise DataError(f"{where}: period {extra[0]!r} is not one of {labels}")
    sites = sorted(set(frame["site"]))
    rows = []
    for s in [*sites, "total"]:
        mine = frame if s == "total" else frame.loc[frame["site"] == s]
        for p in labels:
            rows.append({"site": s, "period": p, **_rates(mine.loc[mine["period"] == p])})
    table = pd.DataFrame(rows)
    total = table.loc[table["site"] == "total"].reset_index(drop=True)
    checks = []
    for m, direction in METRICS.items():
        value = float(total[m].iloc[-1])
        target = targets.get(m)
        met = None if target is None or not math.isfinite(value) else (
            value >= target if direction == "min" else value <= target)
        checks.append({"indicator": m, "value": value, "target": target,
                       "direction": direction, "met": met,
                       "trend": float(total[m].iloc[-1] - total[m].iloc[0])})
    return WorkforceResult(table=table, checks=pd.DataFrame(checks), targets=targets)
