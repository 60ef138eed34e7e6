"""Partnership ledger and reciprocity index: what two partners give each other, period by period.

A trade union and a social work organization that run a service together exchange resources in
both directions: funds, venues, staff hours, volunteers, information, referrals. The ledger has
one row per transfer (``period``, ``from_party``, ``to_party``, ``resource``, ``amount`` and,
optionally, ``value`` in yuan). Each transfer is valued in one common unit, yuan (CNY): its
``value`` when given, else ``amount × rate[resource]`` (e.g. staff hours at a declared hourly
cost, a referral at a declared unit value).

For each period, with A→B and B→A the valued flows,

* reciprocity ``R = 1 − |A→B − B→A| / (A→B + B→A)`` — 1 when the exchange is balanced, 0 when
  everything flows one way;
* dependency ``D = (A→B − B→A) / (A→B + B→A)`` in [−1, 1] — positive: B depends on A (A gives
  more than it receives), negative: A depends on B. Note ``R = 1 − |D|``.

The trend is the least-squares slope of R on the period index (0, 1, 2, …). Interpretation
bands: balanced (R ≥ 0.8), leaning (0.5 ≤ R < 0.8), one-sided (R < 0.5); the trend is rising or
falling when the slope exceeds 0.02 per period in absolute value, else stable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit._checks import check_frame, numeric_column, require_columns
from evalkit.errors import DataError, SpecError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LEDGER_COLUMNS", "RESOURCES", "PartnershipResult", "partnership_ledger",
           "reciprocity_band"]

#: resource kinds a ledger may record
RESOURCES = ("funds", "venues", "staff_hours", "volunteers", "information", "referrals")
LEDGER_COLUMNS = ("period", "from_party", "to_party", "resource", "amount")
PERIOD_COLUMNS = ["period", "a_to_b", "b_to_a", "total", "reciprocity", "dependency", "band"]
#: slope of the reciprocity index (per period) beyond which the trend is rising/falling
TREND_TOLERANCE = 0.02


def reciprocity_band(r: float) -> str:
    """``"balanced"`` (r ≥ 0.8), ``"leaning"`` (0.5 ≤ r < 0.8), ``"one_sided"`` or ``"none"``."""
    if not math.isfinite(r):
        return "none"
    return "balanced" if r >= 0.8 else "leaning" if r >= 0.5 else "one_sided"


@dataclass(frozen=True)
class PartnershipResult:
    """Reciprocity of a two-party partnership (immutable).

    Attributes
    ----------
    parties
        (A, B) as given.
    periods
        One row per period (:data:`PERIOD_COLUMNS`): ``a_to_b``, ``b_to_a`` (yuan), ``total``,
        ``reciprocity`` R, ``dependency`` D and ``band``.
    by_resource
        Value (yuan) by resource and direction over the whole ledger: ``resource``,
        ``a_to_b``, ``b_to_a``.
    reciprocity, dependency
        R and D of the whole ledger (all periods pooled).
    trend
        Least-squares slope of R per period (NaN with fewer than 2 periods).
    trend_word, band
        ``"rising"``/``"falling"``/``"stable"``/``"none"`` and the band of the pooled R.
    """

    parties: tuple[str, str]
    periods: pd.DataFrame
    by_resource: pd.DataFrame
    reciprocity: float
    dependency: float
    trend: float
    trend_word: str
    band: str
    rates: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))

    @property
    def depends_on(self) -> str | None:
        """The party the other one depends on (the net giver), None when balanced (R ≥ 0.8)."""
        if self.band == "balanced" or not math.isfinite(self.dependency):
            return None
        return self.parties[0] if self.dependency > 0 else self.parties[1]

    def to_frame(self) -> pd.DataFrame:
        """The per-period table (a copy)."""
        return self.periods.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"parties": list(self.parties), "reciprocity": self.reciprocity,
                "dependency": self.dependency, "trend": self.trend,
                "trend_word": self.trend_word, "band": self.band,
                "depends_on": self.depends_on,
                "periods": self.periods.to_dict(orient="records"),
                "by_resource": self.by_resource.to_dict(orient="records")}


def _values(df: pd.DataFrame, rates: Mapping[str, float], where: str,
            resources: list[Any] | None = None) -> np.ndarray:
    """Each transfer's value in yuan: ``value``, else ``amount × rate`` of its resource
    (``resources``: the resource column as text, when already made)."""
    amount = numeric_column(df, "amount", where)
    amounts = amount.to_numpy(dtype=float)
    if bool((amounts < 0).any()):
        row = amount.index[amount < 0][0]
        raise DataError(f"{where}: column 'amount' is negative in row {row!r} "
                        f"({amount[row]:g})", hint="record each transfer with a positive amount "
                        "in the direction it went (from_party → to_party)")
    value = (numeric_column(df, "value", where) if "value" in df.columns
             else amount * math.nan)
    out = value.to_numpy(dtype=float, copy=True)
    need = ~np.isfinite(out)
    if resources is None:
        resources = df["resource"].astype(str).tolist()
    for i in np.flatnonzero(need).tolist():
        res = resources[i]
        if res not in rates:
            raise DataError(
                f"{where}: row {df.index[i]!r} ({res}) has no value and no rate for {res!r}",
                hint=f"give the row a value in yuan, or declare a rate for {res!r} "
                     "(yuan per unit) under analytics.partnership.rates")
        out[i] = float(amounts[i]) * float(rates[res])
    if (out < 0).any():
        raise DataError(f"{where}: a transfer has a negative value",
                        hint="values are yuan given, never negative")
    return np.asarray(out, dtype=float)


def partnership_ledger(
    ledger: pd.DataFrame,
    *,
    parties: Sequence[str],
    rates: Mapping[str, float] | None = None,
    periods: Sequence[str] | None = None,
    where: str = "ledger",
) -> PartnershipResult:
    """Reciprocity index, dependency and trend of a two-party resource ledger.

    Parameters
    ----------
    ledger
        One row per transfer: ``period``, ``from_party``, ``to_party``, ``resource`` (one of
        :data:`RESOURCES`), ``amount`` and optionally ``value`` (yuan). Not modified.
    parties
        The two partners (A, B); every ``from_party``/``to_party`` must be one of them.
    rates
        Yuan per unit of a resource, used for rows without ``value`` (funds: 1 unless given).
    periods
        Period labels in order (default: sorted labels found in the ledger). A listed period
        without transfers gets R = NaN (no exchange).

    Returns
    -------
    PartnershipResult

    Raises
    ------
    DataError
        Unknown party, a transfer from a party to itself, unknown resource, negative amount,
        a row that cannot be valued.

    Notes
    -----
    ``R_t = 1 − |F_AB,t − F_BA,t| / (F_AB,t + F_BA,t)``, ``D_t = (F_AB,t − F_BA,t) /
    (F_AB,t + F_BA,t)``; trend = OLS slope of R_t on t = 0, 1, … (periods with R defined).

    Examples
    --------
    >>> import pandas as pd
    >>> led = pd.DataFrame({"period": ["Q1", "Q1"], "from_party": ["union", "sw"],
    ...                     "to_party": ["sw", "union"], "resource": ["funds", "referrals"],
    ...                     "amount": [300.0, 2.0]})
    >>> r = partnership_ledger(led, parties=["union", "sw"], rates={"referrals": 50})
    >>> round(r.reciprocity, 3)
    0.5
    """
    import pandas as pd

    check_frame(ledger, where)
    require_columns(ledger, LEDGER_COLUMNS, where)
    if len(parties) != 2 or parties[0] == parties[1]:
        raise SpecError(f"{where}: parties must name two different partners, got {list(parties)}",
                        hint="e.g. parties: [union, provider]")
    a, b = str(parties[0]), str(parties[1])
    rates = {"funds": 1.0, **{str(k): float(v) for k, v in (rates or {}).items()}}
    text = {col: ledger[col].astype(str).tolist() for col in ("from_party", "to_party")}
    for col in ("from_party", "to_party"):
        bad = _first(v not in (a, b) for v in text[col])
        if bad is not None:
            raise DataError(
                f"{where}: column {col!r} row {ledger.index[bad]!r} names unknown party "
                f"{text[col][bad]!r} (parties are: {a}, {b})",
                hint="use one of the two declared party names, or fix analytics.partnership.parties")
    same = _first(f == t for f, t in zip(text["from_party"], text["to_party"], strict=True))
    if same is not None:
        row = ledger.index[same]
        raise DataError(f"{where}: row {row!r} is a transfer from {ledger.loc[row, 'from_party']!r} "
                        "to itself", hint="a transfer goes from one partner to the other")
    res = ledger["resource"].astype(str).tolist()
    unknown = _first(v not in RESOURCES for v in res)
    if unknown is not None:
        raise DataError(f"{where}: column 'resource' row {ledger.index[unknown]!r} is "
                        f"{res[unknown]!r}", hint=f"use one of: {', '.join(RESOURCES)}")
    if ledger["period"].isna().any():
        raise DataError(f"{where}: column 'period' has missing values",
                        hint="give every transfer its period label")
    value = _values(ledger, rates, where, res)
    givers = np.array(text["from_party"], dtype=object)
    ab, ba = np.where(givers == a, value, 0.0), np.where(givers == b, value, 0.0)
    period = ledger["period"].astype(str).tolist()
    labels = [str(p) for p in periods] if periods is not None else sorted(set(period))
    extra = sorted(set(period) - set(labels))
    if extra:
        raise DataError(f"{where}: period {extra[0]!r} is not one of the declared periods",
                        hint=f"periods are: {', '.join(labels)}")
    sums = _group_sums(period, ab, ba)
    rows = []
    for p in labels:
        ab_p, ba_p = sums.get(p, (0.0, 0.0))
        r, d = _index(ab_p, ba_p)
        rows.append({"period": p, "a_to_b": ab_p, "b_to_a": ba_p, "total": ab_p + ba_p,
                     "reciprocity": r, "dependency": d, "band": reciprocity_band(r)})
    table = pd.DataFrame(rows, columns=PERIOD_COLUMNS)
    by_kind = _group_sums(res, ab, ba)
    kinds = [x for x in RESOURCES if x in by_kind]
    by_res = pd.DataFrame({"resource": kinds, "a_to_b": [by_kind[x][0] for x in kinds],
                           "b_to_a": [by_kind[x][1] for x in kinds]})
    r_all, d_all = _index(_total(ab), _total(ba))
    slope = _slope(np.array([row["reciprocity"] for row in rows], dtype=float))
    word = ("none" if not math.isfinite(slope) else "rising" if slope > TREND_TOLERANCE
            else "falling" if slope < -TREND_TOLERANCE else "stable")
    return PartnershipResult(parties=(a, b), periods=table, by_resource=by_res,
                             reciprocity=r_all, dependency=d_all, trend=slope, trend_word=word,
                             band=reciprocity_band(r_all), rates=rates)


def _first(flags: Iterable[bool]) -> int | None:
    """Position of the first true flag, None when there is none."""
    return next((k for k, flag in enumerate(flags) if flag), None)


def _total(values: np.ndarray) -> float:
    """``Series.sum()`` of float64 ``values``: missing values as 0, :func:`numpy.sum`."""
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _group_sums(keys: list[str], ab: np.ndarray, ba: np.ndarray
                ) -> dict[str, tuple[float, float]]:
    """Key -> (sum of ``ab``, sum of ``ba``) over its rows, added as ``groupby(...).sum()``
    adds them: in row order with Kahan compensation, skipping missing values, the
    compensation reset when it is not a number (pandas' ``group_sum``; tested equal)."""
    sums: dict[str, list[float]] = {}
    for key, x, y in zip(keys, ab.tolist(), ba.tolist(), strict=True):
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = [0.0, 0.0, 0.0, 0.0]  # sum and compensation of ab, of ba
        for j, val in ((0, x), (2, y)):
            if val != val:  # NaN: skipped
                continue
            z = val - acc[j + 1]
            t = acc[j] + z
            comp = t - acc[j] - z
            acc[j + 1] = 0.0 if comp != comp else comp
            acc[j] = t
    return {key: (acc[0], acc[2]) for key, acc in sums.items()}


def _index(ab: float, ba: float) -> tuple[float, float]:
    total = ab + ba
    if total <= 0:
        return math.nan, math.nan
    d = (ab - ba) / total
    return 1.0 - abs(d), d


def _slope(r: np.ndarray) -> float:
    t = np.arange(len(r), dtype=float)
    ok = np.isfinite(r)
    if ok.sum() < 2:
        return math.nan
    tt, rr = t[ok], r[ok]
    tc = tt - tt.mean()
    return float((tc @ (rr - rr.mean())) / (tc @ tc))
