"""What a report says of an indicator: its standing, and the summary counts (issue 12).

A status band is a tolerance (``on_track`` covers 85–115 % of what was expected), not a
verdict. A report tells the band apart from the plain fact that the target was reached
(``met``): see :func:`standing`. The summary counts only what it says it counts.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MET_STATUSES", "indicator_summary", "rules_used", "standing"]

#: standings that count as "reached the target" in the summary (see :func:`standing`)
MET_STATUSES = ("met", "above_target")
#: band statuses meaning "within the tolerance band" (not the same as reaching the target)
_WITHIN = ("on_track", "on_target")
_BANDS = frozenset({"on_track", "on_target", "above_target", "below_target"})


def standing(status: Any, met: Any, basis: Any) -> Any:
    """What a report says of an indicator row: the band ``status`` told apart from the
    plain fact ``met`` (reached the target, or the share of it expected by then).

    Whole-project and own-target rows: ``above_target``, ``met``, ``near_target`` (within the
    tolerance band but short of the target) or the band (``below_target``, ``at_risk`` …).
    Cumulative rows judged against the schedule (``basis == "to_date"``):
    ``ahead_of_schedule``, ``on_schedule``, ``near_schedule``, ``behind_schedule``. Custom
    band names, ``no_target`` and ``no_data`` are kept.

    >>> standing("on_track", False, "total")
    'near_target'
    >>> standing("above_target", True, "to_date")
    'ahead_of_schedule'
    """
    if status not in _BANDS or met is None or (isinstance(met, float) and math.isnan(met)):
        return status
    met = bool(met)
    if basis == "to_date":
        if status == "above_target":
            return "ahead_of_schedule"
        if met:
            return "on_schedule"
        return "near_schedule" if status in _WITHIN else "behind_schedule"
    if status == "above_target":
        return "above_target"
    if met:
        return "met"
    return "near_target" if status in _WITHIN else status


def indicator_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of whole-project standings: ``met`` (reached or exceeded the target, including
    ``above_target``), ``near_target`` (within the tolerance band, short of the target),
    ``not_met`` (below the band), ``no_target`` and ``no_data``; ``on_track`` is kept as the
    number of rows whose band is on track (a tolerance, not reaching the target)."""
    statuses = [r.get("status") for r in rows]
    bands = [r.get("band") for r in rows]
    met = sum(s in MET_STATUSES for s in statuses)
    near = statuses.count("near_target")
    no_target = statuses.count("no_target")
    no_data = statuses.count("no_data")
    return {
        "total": len(rows),
        "met": met,
        "above_target": statuses.count("above_target"),
        "near_target": near,
        "not_met": len(rows) - met - near - no_target - no_data,
        "no_target": no_target,
        "no_data": no_data,
        "on_track": sum(b in _WITHIN for b in bands),
        "below_target": statuses.count("below_target"),
    }


def rules_used(rows: list[dict[str, Any]]) -> list[str]:
    """Completion-rate formulas used by the indicator table (keys of
    :data:`evalkit.assess.achievement.RULES`), in a fixed order."""
    from evalkit.assess.achievement import RULES

    used = {r.get("rule") for r in rows if isinstance(r.get("achievement"), int | float)}
    return [k for k in RULES if k in used]
