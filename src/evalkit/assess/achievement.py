"""Indicator values and achievement against targets (direction-aware)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from evalkit._checks import numeric_column
from evalkit.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.data.load import Evidence
    from evalkit.model.indicators import Compute, Indicator
    from evalkit.project import Project

__all__ = ["achievement", "compute_value", "indicator_table", "status"]

INDICATOR_COLUMNS = [
    "indicator_id", "name_zh", "name_en", "level", "measure", "unit_zh", "unit_en", "period",
    "direction", "baseline", "target", "actual", "numerator", "denominator", "n",
    "achievement", "status",
]


def _select(df: pd.DataFrame, spec: Compute, where: str) -> pd.DataFrame:
    missing = [c for c in spec.columns() if c not in df.columns]
    if missing:
        raise DataError(f"{where}: column {', '.join(map(repr, missing))} not found in the data",
                        hint="fix the column name in project.yaml or add it to the file")
    mask = None
    for col, value in spec.filter.items():
        values = value if isinstance(value, list) else [value]
        column = df[col]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            hit = numeric_column(df, col, where).isin([float(v) for v in values])
        else:
            hit = column.astype("string").isin([str(v) for v in values]).fillna(False)
        mask = hit if mask is None else (mask & hit)
    return df if mask is None else df.loc[mask.to_numpy(dtype=bool)]


def compute_value(df: pd.DataFrame, spec: Compute, where: str = "data") -> tuple[float, int]:
    """Value of one :class:`Compute` over ``df`` and the number of records behind it."""
    rows = _select(df, spec, where)
    op, col = spec.operation
    if op == "count":
        return float(len(rows)), len(rows)
    assert col is not None
    if op == "distinct":
        n = int(rows[col].nunique(dropna=True))
        return float(n), n
    values = numeric_column(rows, col, where).dropna()
    if op == "sum":
        return float(values.sum()), int(values.size)
    return (float(values.mean()) if values.size else math.nan), int(values.size)


def achievement(actual: float, target: float, baseline: float | None, direction: str) -> float:
    """Share of the target reached (1.0 = on target), direction-aware.

    increase: actual / target; decrease: progress from baseline toward the target,
    (baseline − actual) / (baseline − target) when a baseline is given, else target / actual;
    maintain: 1 − |actual − target| / target.
    """
    if not math.isfinite(actual):
        return math.nan
    if direction == "increase":
        return actual / target if target else math.nan
    if direction == "decrease":
        if baseline is not None and baseline != target:
            return (baseline - actual) / (baseline - target)
        return target / actual if actual else math.inf
    return 1 - abs(actual - target) / target if target else math.nan


def status(ach: float) -> str:
    """TolaData-style band: within ±15% on track; below 'below_target'; above 'above_target'."""
    if not math.isfinite(ach):
        return "no_data"
    if ach < 0.85:
        return "below_target"
    if ach > 1.15:
        return "above_target"
    return "on_track"


def _row(ind: Indicator, df: pd.DataFrame, where: str) -> dict[str, Any]:
    num = den = math.nan
    if ind.measure in ("percentage", "ratio"):
        assert ind.numerator is not None and ind.denominator is not None
        num, _ = compute_value(df, ind.numerator, where + ".numerator")
        den, n = compute_value(df, ind.denominator, where + ".denominator")
        actual = num / den * ind.factor if den else math.nan
    elif ind.compute is not None:
        actual, n = compute_value(df, ind.compute, where + ".compute")
        actual *= ind.factor
    else:
        actual, n = math.nan, 0
    ach = achievement(actual, ind.target, ind.baseline, ind.direction)
    return {
        "indicator_id": ind.id, "name_zh": ind.name.zh, "name_en": ind.name.en,
        "level": ind.level, "measure": ind.measure,
        "unit_zh": ind.unit.zh if ind.unit else "", "unit_en": ind.unit.en if ind.unit else "",
        "period": "total", "direction": ind.direction,
        "baseline": ind.baseline if ind.baseline is not None else math.nan,
        "target": ind.target, "actual": actual, "numerator": num, "denominator": den, "n": n,
        "achievement": ach, "status": status(ach),
    }


def indicator_table(project: Project, evidence: Evidence) -> pd.DataFrame:
    """One row per indicator and period: actual, target, achievement, status."""
    import pandas as pd

    rows = []
    for k, ind in enumerate(project.indicators):
        if ind.source is None:
            continue
        rows.append(_row(ind, evidence[ind.source], f"indicators[{k}] ({ind.id})"))
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
