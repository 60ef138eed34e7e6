"""Cadence compliance: did the service happen as often as the rules ask, period by period?

For each rule, records passing the filter are counted per period of the project's calendar
(contract or calendar periods, :mod:`evalkit.model.calendar`, clipped to the project period, see :mod:`evalkit.model.cadence` for the partial-period convention); a period
complies when its count reaches the required minimum. The compliance rate is
met periods / assessed periods.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from evalkit.assess.measure import _mask, _select, assign_periods, project_periods
from evalkit.errors import DataError

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from evalkit.model.cadence import CadenceRule
    from evalkit.model.calendar import PeriodSpan

__all__ = ["CADENCE_COLUMNS", "PERIOD_COLUMNS", "CadenceResult", "check_cadence",
           "check_project", "required_count"]

CADENCE_COLUMNS = ["rule_id", "name_zh", "name_en", "per", "min", "periods", "met", "missed",
                   "compliance", "records", "missed_periods", "missed_labels_zh",
                   "missed_labels_en"]
PERIOD_COLUMNS = ["rule_id", "period", "start", "end", "days", "full_days", "required",
                  "count", "met", "label_zh", "label_en"]


@dataclass(frozen=True)
class CadenceResult:
    """Compliance with every cadence rule (immutable).

    Attributes
    ----------
    rules
        One row per rule (:data:`CADENCE_COLUMNS`): ``rule_id``, ``name_zh``, ``name_en``,
        ``per`` (week/month/quarter/year), ``min`` (required per full period), ``periods``
        (periods assessed), ``met``, ``missed``, ``compliance`` (met / periods, 0–1),
        ``records`` (records counted in the project period), ``missed_periods`` (keys
        joined by ", ") and ``missed_labels_zh``/``missed_labels_en`` (printable names with
        dates, joined by "；" / "; ").
    compliance
        Rule id -> compliance rate (read-only mapping).
    periods
        One row per rule and period (:data:`PERIOD_COLUMNS`): ``period`` label, clipped
        ``start``/``end``, ``days`` inside the project, ``full_days``, ``required`` (NaN when
        not assessed), ``count``, ``met`` (True/False, None when not assessed) and the
        printable ``label_zh``/``label_en`` (项目第1季度（2025年3月1日–5月31日）).
    """

    rules: pd.DataFrame
    periods: pd.DataFrame
    compliance: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compliance", MappingProxyType(dict(self.compliance)))

    def missed(self, rule_id: str) -> list[str]:
        """Labels of the periods in which ``rule_id`` was not met."""
        rows = self.periods.loc[(self.periods["rule_id"] == rule_id)
                                & (self.periods["met"] == False)]  # noqa: E712
        return [str(p) for p in rows["period"]]

    def to_frame(self) -> pd.DataFrame:
        """The per-rule table (a copy)."""
        return self.rules.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"rules": [...], "periods": [...]}`` (records)."""
        return {"rules": self.rules.to_dict(orient="records"),
                "periods": self.periods.to_dict(orient="records")}


def required_count(minimum: float, days: int, full_days: int, partial: str) -> float:
    """Records required in a period that has ``days`` of its ``full_days`` in the project.

    NaN means the period is not assessed.

    Examples
    --------
    >>> required_count(2, 5, 7, "prorate")     # 2 × 5/7 = 1.43 → 1
    1.0
    >>> required_count(1, 3, 31, "prorate")    # 0.10 → 0: not assessed
    nan
    """
    if days >= full_days or partial == "full":
        return float(minimum)
    if partial == "skip":
        return math.nan
    need = math.floor(minimum * days / full_days + 0.5)
    return float(need) if need > 0 else math.nan


def check_cadence(rules: Sequence[CadenceRule], tables: dict[str, pd.DataFrame] | Any,
                  start: dt.date, end: dt.date, *,
                  dates: dict[str, str | None] | None = None,
                  calendar: str | None = "auto") -> CadenceResult:
    """Compliance of each rule over the project period ``start``–``end``.

    Parameters
    ----------
    rules
        Cadence rules.
    tables
        Mapping (or :class:`~evalkit.data.load.Evidence`) of source name -> records.
    start, end
        The project period; periods are clipped to it and records outside it are ignored.
    dates
        Rule id -> date column, overriding ``rule.date`` (used when inferred from the spec).
    calendar
        ``contract``, ``calendar`` or ``auto`` for rules without their own ``calendar``
        (:mod:`evalkit.model.calendar`).

    Raises
    ------
    DataError
        Listing every rule whose source, date column or filter column is missing, or whose
        date column holds values that are not dates.
    """
    import pandas as pd

    problems: list[str] = []
    rule_rows: list[dict[str, Any]] = []
    period_rows: list[dict[str, Any]] = []
    parsed: dict[tuple[str, str], tuple[pd.Series, object]] = {}  # one parse per column
    for k, rule in enumerate(rules):
        where = f"cadence[{k}] ({rule.id})"
        date = (dates or {}).get(rule.id) or rule.date
        try:
            df = tables[rule.source]
        except (KeyError, DataError):
            problems.append(f"{where}.source: no data source {rule.source!r}")
            continue
        if date is None:
            problems.append(f"{where}.date: name the column that dates each record")
            continue
        missing = [c for c in rule.columns(date) if c not in df.columns]
        if missing:
            problems.append(f"{where}: column {', '.join(map(repr, missing))} not found in "
                            f"{rule.source} (columns are: {', '.join(map(str, df.columns))})")
            continue
        repeated = ([] if df.columns.is_unique else
                    [c for c in dict.fromkeys(rule.columns(date))
                     if int((df.columns == c).sum()) > 1])
        if repeated:
            problems.append(f"{where}: column {', '.join(map(repr, repeated))} appears more than "
                            f"once in {rule.source}; rename the repeated column(s)")
            continue
        if (rule.source, date) not in parsed:
            parsed[rule.source, date] = _parse_dates(df[date])
        when, bad = parsed[rule.source, date]
        if bad is not _NO_BAD:
            problems.append(f"{where}.date: column {date!r} must hold dates, found {bad!r}")
            continue
        kind = rule.calendar or calendar
        counts, records, spans = _period_counts(rule, df, when, date, start, end, kind, where)
        met = missed = 0
        missed_keys: list[str] = []
        missed_zh: list[str] = []
        missed_en: list[str] = []
        for span, got in zip(spans, counts, strict=True):
            need = required_count(rule.min, span.days, span.full_days, rule.partial)
            ok = None if math.isnan(need) else bool(got >= need)
            label_zh, label_en = span.label_text("zh"), span.label_text("en")
            if ok:
                met += 1
            elif ok is False:
                missed += 1
                missed_keys.append(span.label)
                missed_zh.append(label_zh)
                missed_en.append(label_en)
            period_rows.append({"rule_id": rule.id, "period": span.label, "start": span.start,
                                "end": span.end, "days": span.days, "full_days": span.full_days,
                                "required": need, "count": got, "met": ok,
                                "label_zh": label_zh, "label_en": label_en})
        assessed = met + missed
        rule_rows.append({
            "rule_id": rule.id, "name_zh": rule.name.zh, "name_en": rule.name.en,
            "per": rule.per, "min": rule.min, "periods": assessed, "met": met,
            "missed": missed, "compliance": met / assessed if assessed else
            math.nan, "records": records, "missed_periods": ", ".join(missed_keys),
            "missed_labels_zh": "；".join(missed_zh), "missed_labels_en": "; ".join(missed_en)})
    if problems:
        raise DataError(f"cadence: {len(problems)} problem(s)", problems=problems,
                        hint="fix the rule in project.yaml or the data file")
    table = pd.DataFrame(rule_rows, columns=CADENCE_COLUMNS)
    return CadenceResult(rules=table, periods=pd.DataFrame(period_rows, columns=PERIOD_COLUMNS),
                         compliance=dict(zip(table["rule_id"], table["compliance"], strict=True)))


#: :func:`_parse_dates` found no value that is not a date
_NO_BAD = object()


def _parse_dates(values: pd.Series) -> tuple[pd.Series, object]:
    """``values`` as dates (unreadable ones NaT) and the first value that is not a date
    (:data:`_NO_BAD` when every filled value is one)."""
    import pandas as pd

    when = pd.to_datetime(values, errors="coerce", format="mixed")
    unread = when.isna() & values.notna()
    if bool(unread.any()):
        return when, values.loc[unread.to_numpy(dtype=bool)].iloc[0]
    return when, _NO_BAD


def _period_counts(rule: CadenceRule, df: pd.DataFrame, when: pd.Series, date: str,
                   start: dt.date, end: dt.date, kind: str | None, where: str
                   ) -> tuple[list[int], int, list[PeriodSpan]]:
    """Records (or distinct values) per period of ``rule``, records in the project period,
    and the periods.

    Records are the rows the rule's filter keeps whose date falls in ``[start, end]``; each is
    placed in its period as :func:`~evalkit.model.calendar.assign_periods` places it (a binary
    search of the day over the periods' first days). Dates that are not plain (naive)
    datetimes go the pandas way (:func:`_period_counts_pandas`)."""
    import numpy as np

    from evalkit.model.indicators import Compute

    if not isinstance(when.dtype, np.dtype) or when.dtype.kind != "M":
        return _period_counts_pandas(rule, df, when, date, start, end, kind, where)
    spec = Compute(filter=rule.filter, count=rule.distinct is None, distinct=rule.distinct)
    mask = _mask(df.assign(**{date: when}) if date in rule.filter else df, spec, where)
    stamps = when.to_numpy()
    keep = (stamps >= np.datetime64(start, "D")) & (stamps <= np.datetime64(end, "D"))
    if mask is not None:
        keep &= mask
    spans = project_periods(start, end, rule.per, kind)
    days = stamps[keep].astype("datetime64[ns]").astype("datetime64[D]")
    firsts = np.array([np.datetime64(s.start, "D") for s in spans], dtype="datetime64[D]")
    pos = np.searchsorted(firsts, days, side="right") - 1
    records = int(np.count_nonzero(keep))
    if rule.distinct is None:
        return np.bincount(pos, minlength=len(spans)).tolist(), records, spans
    import pandas as pd

    values = when if rule.distinct == date else df[rule.distinct]
    labels = pd.Series(np.array([s.label for s in spans], dtype=object)[pos],
                       index=values.index[keep], dtype="string")
    by_label = values.loc[keep].groupby(labels).nunique()
    got = dict(zip(by_label.index, by_label.tolist(), strict=True))
    return [int(got.get(s.label, 0)) for s in spans], records, spans


def _period_counts_pandas(rule: CadenceRule, df: pd.DataFrame, when: pd.Series, date: str,
                          start: dt.date, end: dt.date, kind: str | None, where: str
                          ) -> tuple[list[int], int, list[PeriodSpan]]:
    """:func:`_period_counts` by pandas filters and
    :func:`~evalkit.model.calendar.assign_periods` (dates of any dtype)."""
    import pandas as pd

    from evalkit.model.indicators import Compute

    spec = Compute(filter=rule.filter, count=rule.distinct is None, distinct=rule.distinct)
    rows = _select(df.assign(**{date: when}), spec, where)
    inside = (rows[date] >= pd.Timestamp(start)) & (rows[date] <= pd.Timestamp(end))
    rows = rows.loc[inside.fillna(False).to_numpy(dtype=bool)]
    labels = assign_periods(rows[date], rule.per, start=start, end=end, calendar=kind)
    if rule.distinct is None:
        counts = labels.value_counts()
    else:
        counts = rows[rule.distinct].groupby(labels).nunique()
    by_label = dict(zip(counts.index, counts.tolist(), strict=True))  # one lookup each
    spans = project_periods(start, end, rule.per, kind)
    return [int(by_label.get(s.label, 0)) for s in spans], len(rows), spans


def check_project(project: Any, evidence: Any, **stages: Any) -> CadenceResult | None:
    """Compliance with the project's cadence rules; None when it has none."""
    if not getattr(project, "cadence", None):
        return None
    from evalkit.model.cadence import rule_date_column

    period = project.project.period
    dates = {r.id: rule_date_column(r, project) for r in project.cadence}
    return check_cadence(project.cadence, evidence, period.start, period.end, dates=dates,
                         calendar=project.project.calendar)
