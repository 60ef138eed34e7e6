"""Volunteer retention: Kaplan–Meier survival of active volunteers, with censoring.

Each volunteer has a ``joined`` date and, if they stopped, a ``left`` date. A volunteer still
active at the cut-off date (``as_of``) is right-censored at ``as_of − joined`` days: we know
they stayed at least that long. The product-limit (Kaplan–Meier) estimate of the probability of
still being active ``t`` days after joining is

``S(t) = Π_{t_i ≤ t} (1 − d_i / n_i)``

with ``d_i`` volunteers leaving at day ``t_i`` and ``n_i`` still at risk just before it (a
volunteer censored at ``t_i`` counts as at risk at ``t_i``). The confidence interval is the
log-log (exponential Greenwood) interval, which stays inside [0, 1]:
``exp(−exp(log(−log S) ± z·se))``, ``se² = Σ d_i/(n_i(n_i − d_i)) / log(S)²``.

The computation is that of :func:`scipy.stats.ecdf` on :class:`scipy.stats.CensoredData` and
its ``confidence_interval(method="log-log")`` (scipy 1.17), written out here so that an
evaluation does not import ``scipy.stats``; tests compare the two bit for bit.

Same as ``survfit(Surv(days, left), conf.type = "log-log")`` in R's survival package, and
``sts list`` in Stata.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit._checks import check_frame, require_columns
from evalkit.errors import DataError, EstimationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RetentionResult", "conversion_rate", "volunteer_retention"]


@dataclass(frozen=True)
class RetentionResult:
    """Kaplan–Meier retention of volunteers (immutable).

    Attributes
    ----------
    horizon
        Days after joining at which retention is reported (e.g. 90).
    retention, ci
        ``S(horizon)`` and its log-log confidence interval (level ``1 − alpha``).
    n, events, censored
        Volunteers, departures observed, volunteers still active at ``as_of``.
    curve
        The step function: ``days``, ``retention`` (S just after ``days``), ``at_risk``,
        ``left``.
    horizon_observed
        False when no volunteer has been followed ``horizon`` days (S is then extrapolated
        from the last observed time and should not be reported).
    """

    horizon: float
    retention: float
    ci: tuple[float, float]
    n: int
    events: int
    censored: int
    curve: pd.DataFrame
    horizon_observed: bool
    alpha: float = 0.05

    def to_frame(self) -> pd.DataFrame:
        """The retention curve (a copy)."""
        return self.curve.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"horizon": self.horizon, "retention": self.retention, "ci": list(self.ci),
                "n": self.n, "events": self.events, "censored": self.censored,
                "horizon_observed": self.horizon_observed, "alpha": self.alpha}


def _dates(df: pd.DataFrame, col: str, where: str) -> pd.Series:
    import pandas as pd

    s = df[col]
    try:
        out = pd.to_datetime(s, errors="raise")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where}: column {col!r} holds a value that is not a date",
                        hint="write dates like 2025-03-01") from exc
    return out


def volunteer_retention(
    volunteers: pd.DataFrame,
    *,
    as_of: dt.date | str,
    horizon: float = 90,
    joined: str = "joined",
    left: str = "left",
    alpha: float = 0.05,
    where: str = "volunteers",
) -> RetentionResult:
    """Kaplan–Meier retention of volunteers ``horizon`` days after joining.

    Parameters
    ----------
    volunteers
        One row per volunteer with a ``joined`` date and a ``left`` date (empty while active).
        Not modified.
    as_of
        Cut-off date: volunteers without ``left`` are censored here; a ``left`` after it is
        treated as still active on ``as_of``.
    horizon
        Days after joining (default 90).
    alpha
        1 − confidence level.

    Raises
    ------
    DataError
        A volunteer who left before joining, joined after ``as_of``, or a date that is not one.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"joined": ["2025-01-01"] * 5,
    ...                   "left": ["2025-01-11", None, "2025-01-31", "2025-02-10", None]})
    >>> r = volunteer_retention(v, as_of="2025-01-21", horizon=15)
    >>> round(r.retention, 4)
    0.8
    """
    import pandas as pd

    check_frame(volunteers, where)
    require_columns(volunteers, [joined, left], where)
    if not 0 < alpha < 1:
        raise DataError(f"{where}: alpha must be between 0 and 1, got {alpha!r}")
    start = _dates(volunteers, joined, where)
    end = _dates(volunteers, left, where)
    cut = pd.Timestamp(as_of)
    if start.isna().any():
        row = start.index[start.isna()][0]
        raise DataError(f"{where}: column {joined!r} is empty in row {row!r}",
                        hint="every volunteer needs the date they joined")
    bad = end.notna() & (end < start)
    if bad.any():
        row = bad.index[bad][0]
        raise DataError(
            f"{where}: row {row!r} left on {end[row].date()} before joining on "
            f"{start[row].date()}", hint=f"fix {left!r} or {joined!r} in that row")
    late = start > cut
    if late.any():
        row = late.index[late][0]
        raise DataError(f"{where}: row {row!r} joined on {start[row].date()}, after the "
                        f"cut-off {cut.date()}", hint="drop the row or move as_of later")
    event = end.notna() & (end <= cut)
    stop = end.where(event, cut)
    days = (stop - start).dt.days.to_numpy(dtype=float)
    ev = event.to_numpy(dtype=bool)
    if len(days) == 0:
        raise EstimationError(f"{where}: no volunteers")
    q, sf, lo_curve, hi_curve = kaplan_meier(days, ev, 1 - alpha)
    s_h = _step(q, sf, horizon)
    lo, hi = _step(q, lo_curve, horizon), _step(q, hi_curve, horizon)
    times = np.unique(days)
    curve = pd.DataFrame({
        "days": times,
        "retention": [_step(q, sf, t) for t in times],
        "at_risk": [int((days >= t).sum()) for t in times],
        "left": [int(((days == t) & ev).sum()) for t in times],
    })
    observed = bool((days >= horizon).any())
    return RetentionResult(horizon=float(horizon), retention=s_h,
                           ci=(lo if math.isfinite(lo) else math.nan,
                               hi if math.isfinite(hi) else math.nan),
                           n=len(days), events=int(ev.sum()), censored=int((~ev).sum()),
                           curve=curve, horizon_observed=observed, alpha=alpha)


def kaplan_meier(days: np.ndarray, event: np.ndarray, level: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kaplan–Meier survival at the distinct ``days`` with its log-log interval at ``level``.

    Returns ``(times, S, low, high)``. As ``scipy.stats.ecdf(CensoredData(uncensored=days[event],
    right=days[~event]))`` and ``.sf.confidence_interval(level, method="log-log")``, with the
    same arithmetic (without censoring, scipy computes ``S = 1 − events/n``).
    """
    from scipy import special

    if bool(event.all()):
        times, d = np.unique(np.sort(days), return_counts=True)
        events = np.cumsum(d)
        total = days.size
        sf: np.ndarray = 1 - events / total
        n = np.concatenate(([total], total - events[:-1]))
    else:
        order = np.concatenate((days[event], days[~event]))
        died = np.asarray([1] * int(event.sum()) + [0] * int((~event).sum()))
        i = np.argsort(order)
        ordered, died = order[i], died[i]
        at_risk = np.arange(ordered.size, 0, -1)
        j = np.diff(ordered, prepend=-np.inf, append=np.inf) > 0
        times, n = ordered[j[:-1]], at_risk[j[:-1]]
        d = np.diff(np.cumsum(died)[j[1:]], prepend=0)
        sf = np.cumprod((n - d) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = 1 / np.log(sf) ** 2 * np.cumsum(d / (n * (n - d)))
        se = np.sqrt(var)
        z = special.ndtri(1 / 2 + level / 2)
        lnl = np.log(-np.log(sf))
        low = np.exp(-np.exp(lnl + z * se))
        high = np.exp(-np.exp(lnl - z * se))
    return times, sf, np.clip(low, 0, 1), np.clip(high, 0, 1)


def _step(times: np.ndarray, values: np.ndarray, t: float) -> float:
    """The right-continuous step function through ``values`` at ``times`` (1 before them)."""
    k = int(np.searchsorted(times, t, side="right"))
    return 1.0 if k == 0 else float(values[k - 1])


def conversion_rate(served: Iterable[Any], volunteers: Iterable[Any]) -> tuple[float, int, int]:
    """Share of served workers who became volunteers.

    Returns ``(share, converted, served)``: distinct served ids, and how many of them appear
    among volunteer ids (missing ids are ignored).

    >>> conversion_rate(["a", "b", "c", "d"], ["b", "x"])
    (0.25, 1, 4)
    """
    import pandas as pd

    s = {str(x) for x in served if not pd.isna(x)}
    v = {str(x) for x in volunteers if not pd.isna(x)}
    if not s:
        raise DataError("conversion_rate: no served workers",
                        hint="pass the ids of the workers who were served")
    k = len(s & v)
    return k / len(s), k, len(s)
