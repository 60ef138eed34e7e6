"""A checked long panel with cohorts (first treated period per unit), shared by
:func:`evalkit.event_study` and :func:`evalkit.staggered_did` (and its dask version)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from evalkit._checks import numeric_column, require_values, require_variation
from evalkit.errors import DataError
from evalkit.estimate.twfe import panel_codes

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CohortPanel", "cohort_panel", "unit_cohorts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class CohortPanel:
    """Checked long panel with cohorts (rows with missing values already removed)."""

    y: FloatArray
    u: IntArray  # unit codes 0..n_units-1
    t: IntArray  # period index 0..n_periods-1 (sorted time)
    periods: FloatArray  # time value of each period index
    g_unit: FloatArray  # cohort (first treated time) per unit, inf = never treated
    keep: npt.NDArray[np.bool_]  # rows of the input used
    dropped: dict[str, int]
    n_units: int
    n_late: int = 0  # units whose cohort is after the last period (treated as never treated)


def cohort_panel(
    df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, where: str,
    extra_cols: Sequence[str] = (), extra_ok: npt.NDArray[np.bool_] | None = None,
) -> CohortPanel:
    """Validate a (unit, time, cohort) panel once; inner code trusts the result.

    Raises :class:`DataError` when time or cohort is not numeric, a unit has two cohorts,
    a (unit, time) pair repeats, or a cohort has no period before treatment;
    :class:`EstimationError` when the outcome takes one value in every usable row.
    """
    y = numeric_column(df, outcome, where).to_numpy(dtype=np.float64)
    tv = numeric_column(df, time, where).to_numpy(dtype=np.float64)
    gv = numeric_column(df, cohort, where).to_numpy(dtype=np.float64)
    require_values({outcome: y, time: tv}, where)
    ok = ~(np.isnan(y) | np.isnan(tv)) & df[unit].notna().to_numpy()
    for c in extra_cols:
        ok &= df[c].notna().to_numpy()
    if extra_ok is not None:
        ok &= extra_ok
    dropped: dict[str, int] = {}
    if not ok.all():
        dropped["missing values"] = int((~ok).sum())
    if not ok.any():
        raise DataError(f"{where}: no rows without missing values", hint="check the data")
    require_variation(y[ok], outcome, where)
    u, n_u, t, _, periods = panel_codes(df, unit, time, ok, where, time_values=tv)
    g = gv[ok]
    g = np.where(np.isnan(g) | (g == 0), np.inf, g)
    gmin = np.full(n_u, np.inf)
    gmax = np.full(n_u, -np.inf)
    np.minimum.at(gmin, u, g)
    np.maximum.at(gmax, u, g)
    periods_f = periods.astype(np.float64)
    g_unit, n_late = unit_cohorts(gmin, gmax, periods_f, cohort, unit, where)
    return CohortPanel(y=y[ok], u=u, t=t, periods=periods_f, g_unit=g_unit, keep=ok,
                       dropped=dropped, n_units=n_u, n_late=n_late)


def unit_cohorts(gmin: FloatArray, gmax: FloatArray, periods_f: FloatArray, cohort: str,
                 unit: str, where: str) -> tuple[FloatArray, int]:
    """Each unit's cohort from the smallest and largest value on its rows (inf = never
    treated): one per unit, with a period before it; cohorts after the last period count as
    never treated (returned: how many)."""
    bad = gmin != gmax
    if bad.any():
        raise DataError(
            f"{where}: column {cohort!r} takes more than one value within unit {unit!r} for "
            f"{int(bad.sum())} unit(s) (a unit in two cohorts)",
            hint=f"{cohort!r} must be the unit's first treated period, the same on every row "
            "(0 or missing for never treated)",
        )
    early = np.isfinite(gmin) & (gmin <= periods_f[0])
    if early.any():
        cohorts = sorted({float(x) for x in gmin[early]})
        shown = ", ".join(f"{c:g}" for c in cohorts[:6])
        raise DataError(
            f"{where}: cohort(s) {shown} in {cohort!r} start at or before the first period "
            f"({periods_f[0]:g}), so {int(early.sum())} unit(s) have no pre-treatment period",
            hint="drop these units (they were already treated when the data start) or add "
            "earlier periods",
        )
    late = np.isfinite(gmin) & (gmin > periods_f[-1])
    return np.where(late, np.inf, gmin), int(late.sum())
