"""Indicator values by period and disaggregation, achievement against targets, status bands.

:func:`indicator_table` builds ``evaluation.indicators``: one row per indicator and period
(``period == "total"`` for the whole project, always the last row of the indicator with an
empty ``disaggregation``), then one row per disaggregation category.

Status bands (:data:`PRESETS`) compare the achievement with the progress expected by the end of
the period. ``expected`` is 1 for a whole-project row, for a period with its own target and for
snapshot indicators (percentages, ratios, means, ``aggregate.time: latest``); otherwise the
share of the project's days elapsed by the period's end (90/365 at the end of a calendar Q1;
with ``project.prorate: false`` the share of periods elapsed, k/K, q/4 at quarter q as PEPFAR
does). Periods come from :mod:`evalkit.model.calendar` (contract or calendar periods); a
period's own target is pro-rated by the days covered when the project covers it only partly.

* ``toladata`` (basis ratio): achievement / expected within ±15 % is ``on_track``, below is
  ``below_target``, above is ``above_target``.
* ``pepfar`` (basis points, gophr ``calc_achievement``): d = (achievement − expected) × 100;
  ``concerned`` if d < −25, ``at_risk`` if d < −10, ``on_target`` if d ≤ 10, else ``above_target``.

A band is a tolerance, not a verdict: ``on_track`` covers 85–115 % of the expected progress,
so an indicator at 99 % of its target is on track but has **not** met it. Each row therefore
also records ``met`` (achievement ≥ expected, the plain "reached the target" fact), ``rule``
(which completion-rate formula :func:`achievement` used, see :data:`RULES`) and ``basis``
(what was judged: ``total`` the whole project, ``period`` a period's own value against its own
target or a snapshot, ``to_date`` the cumulative value to the end of the period against the
share of the target expected by then).
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from evalkit.assess.measure import Measured, compute_value, measure, project_periods
from evalkit.assess.records import Records, dated_records, remembered
from evalkit.errors import DataError, EvalkitWarning
from evalkit.model.calendar import prorated_target as _prorated
from evalkit.model.indicators import Band, BandSet

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.data.load import Evidence
    from evalkit.model.indicators import Indicator
    from evalkit.project import Project

__all__ = ["INDICATOR_COLUMNS", "PRESETS", "RULES", "achievement", "achievement_rule",
           "band_set", "classify",
           "compute_value", "indicator_rows", "indicator_table", "status"]

INDICATOR_COLUMNS = [
    "indicator_id", "name_zh", "name_en", "level", "measure", "unit_zh", "unit_en", "period",
    "direction", "baseline", "target", "actual", "numerator", "denominator", "n",
    "achievement", "status",
    # added by the indicator framework (issue 3)
    "disaggregation", "category", "period_start", "period_end", "to_date", "expected",
    "aggregation", "bands",
    # added by contract calendars (issue 11): days covered, days of the whole period, names
    "days", "full_days", "label_zh", "label_en",
    # issue 12: "met" is not "within the band"; the completion-rate formula; what was judged
    "met", "rule", "basis",
]

#: completion-rate formulas (:func:`achievement`), one per kind of indicator
RULES = {
    "actual_over_target": "increase: actual / target",
    "progress_from_baseline": "decrease with a baseline: (baseline − actual) / (baseline − target)",
    "target_over_actual": "decrease without a baseline: target / actual",
    "closeness": "maintain: 1 − |actual − target| / target",
}

PRESETS: dict[str, BandSet] = {
    "toladata": BandSet(name="toladata", basis="ratio", legend=[
        Band(status="below_target", below=0.85), Band(status="on_track", upto=1.15),
        Band(status="above_target")]),
    "pepfar": BandSet(name="pepfar", basis="points", legend=[
        Band(status="concerned", below=-25), Band(status="at_risk", below=-10),
        Band(status="on_target", upto=10), Band(status="above_target")]),
}


def achievement(actual: float, target: float, baseline: float | None, direction: str) -> float:
    """Share of the target reached (1.0 = on target), direction-aware.

    Notes
    -----
    increase: actual / target; decrease: progress from baseline toward the target,
    (baseline − actual) / (baseline − target) when a baseline is given, else target / actual;
    maintain: 1 − |actual − target| / target.

    Examples
    --------
    >>> achievement(90, 100, None, "increase")
    0.9
    >>> achievement(3.0, 2.8, 3.2, "decrease")  # half-way from 3.2 to 2.8
    0.5
    """
    if not (math.isfinite(actual) and math.isfinite(target)):
        return math.nan
    if direction == "increase":
        return actual / target if target else math.nan
    if direction == "decrease":
        if baseline is not None and math.isfinite(baseline) and baseline != target:
            return (baseline - actual) / (baseline - target)
        if actual == 0:
            return math.inf if target > 0 else 1.0
        return target / actual
    return 1 - abs(actual - target) / target if target else math.nan


def achievement_rule(direction: str, baseline: float | None, target: float) -> str:
    """Key of :data:`RULES` naming the formula :func:`achievement` uses for an indicator.

    Examples
    --------
    >>> achievement_rule("decrease", 3.2, 2.8)
    'progress_from_baseline'
    >>> achievement_rule("increase", 80, 90)
    'actual_over_target'
    """
    if direction == "increase":
        return "actual_over_target"
    if direction == "decrease":
        if baseline is not None and math.isfinite(baseline) and baseline != target:
            return "progress_from_baseline"
        return "target_over_actual"
    return "closeness"


def band_set(bands: str | BandSet | None) -> BandSet:
    """A :class:`BandSet` from a preset name ("toladata", "pepfar"), a BandSet or None."""
    if bands is None:
        return PRESETS["toladata"]
    if isinstance(bands, BandSet):
        return bands
    if bands not in PRESETS:
        from evalkit.errors import SpecError

        raise SpecError(f"bands: expected one of {', '.join(map(repr, PRESETS))} or a legend, "
                        f"got {bands!r}")
    return PRESETS[bands]


def classify(ach: float, expected: float = 1.0, bands: str | BandSet | None = None) -> str:
    """Status of an achievement given the progress expected by now.

    Examples
    --------
    >>> classify(0.40, 0.5, "pepfar")   # 10 points behind the q/4 schedule at Q2
    'on_target'
    >>> classify(0.30, 0.5, "pepfar")   # 20 points behind
    'at_risk'
    """
    spec = band_set(bands)
    if not math.isfinite(ach) and ach != math.inf:
        return "no_data"
    if spec.basis == "points":
        x = (ach - expected) * 100
    else:
        x = ach / expected if expected else math.nan
    for band in spec.legend:
        bound = band.bound
        if bound is None:
            return band.status
        if band.below is not None and x < bound - 1e-9:
            return band.status
        if band.upto is not None and x <= bound + 1e-9:
            return band.status
    return spec.legend[-1].status  # pragma: no cover


def status(ach: float, expected: float = 1.0, bands: str | BandSet | None = None) -> str:
    """TolaData-style band by default: within ±15 % on_track; see :func:`classify`."""
    return classify(ach, expected, bands)


def _count_like(ind: Indicator) -> bool:
    return ind.measure == "count" and ind.aggregate.time != "latest"


def _record(ind: Indicator, m: Measured, **extra: Any) -> dict[str, Any]:
    return {
        "indicator_id": ind.id, "name_zh": ind.name.zh, "name_en": ind.name.en,
        "level": ind.level, "measure": ind.measure,
        "unit_zh": ind.unit.zh if ind.unit else "", "unit_en": ind.unit.en if ind.unit else "",
        "direction": ind.direction,
        "baseline": ind.baseline if ind.baseline is not None else math.nan,
        "actual": m.actual, "numerator": m.numerator, "denominator": m.denominator, "n": m.n,
        "disaggregation": "", "category": "", "period_start": None, "period_end": None,
        "days": math.nan, "full_days": math.nan, "label_zh": "", "label_en": "",
        "aggregation": ind.aggregate.time,
        "bands": ind.bands if isinstance(ind.bands, str) else
        (ind.bands.name if ind.bands else "toladata"), **extra,
    }


def _judge(ind: Indicator, row: dict[str, Any], value: float, expected: float,
           basis: str) -> None:
    target = row["target"]
    ach = achievement(value, target, ind.baseline, ind.direction) if math.isfinite(target) \
        else math.nan
    row["achievement"] = ach
    row["expected"] = expected
    row["status"] = classify(ach, expected, ind.bands) if math.isfinite(target) else "no_target"
    row["met"] = (bool(ach >= expected - 1e-9) if math.isfinite(target)
                  and (math.isfinite(ach) or ach == math.inf) else None)
    row["rule"] = achievement_rule(ind.direction, ind.baseline, target)
    row["basis"] = basis


def _total(ind: Indicator, records: Records, labels: Any, date: str | None,
           where: str, order: list[str] | None = None) -> Measured:
    time = ind.aggregate.time
    if time == "periodic":
        return _measure(ind, records, None, where)
    if time == "latest" and labels is not None:
        done = labels.dropna()
        if done.empty:
            return Measured(math.nan, math.nan, math.nan, 0)
        seen = set(done.unique())
        last = [k for k in (order or sorted(seen)) if k in seen][-1]
        return _measure(ind, records, (labels == last).fillna(False).to_numpy(dtype=bool), where)
    return _measure(ind, records, None, where, date=date, latest=True)


def _measure(ind: Indicator, records: Records, rows: Any, where: str, *,
             date: str | None = None, latest: bool = False) -> Measured:
    """:func:`~evalkit.assess.measure.measure` over the records ``rows`` keeps (None: all):
    from the masks of ``records`` where it can, else over a copy of those records."""
    m = records.measure(ind, rows, where, date=date, latest=latest)
    if m is not None:
        return m
    return measure(ind, records.df if rows is None else records.df.loc[rows], where, date=date,
                   latest=latest)


def _total_target(ind: Indicator) -> float:
    if ind.target is not None:
        return float(ind.target)
    if not ind.targets:
        return math.nan
    if _count_like(ind) and ind.aggregate.time == "periodic":
        return float(sum(ind.targets.values()))
    return float(ind.targets[sorted(ind.targets, key=_key_order)[-1]])


def _key_order(key: str) -> tuple[str, int]:
    """Period keys in time order: Q2 before Q10 (contract keys), 2025-Q1 before 2025-Q2."""
    head = key.rstrip("0123456789")
    tail = key[len(head):]
    return head, int(tail) if tail else -1


def indicator_rows(ind: Indicator, df: pd.DataFrame, *, start: Any = None, end: Any = None,
                   date: str | None = None, where: str = "indicator",
                   disaggregate: bool = True, calendar: str | None = "auto",
                   prorate: bool = True,
                   shared: dict[tuple[Any, ...], Any] | None = None) -> list[dict[str, Any]]:
    """Rows of :data:`INDICATOR_COLUMNS` for one indicator over the records ``df``.

    ``start``/``end`` (dates) bound the project period; with ``ind.period`` and ``date`` the
    records are assigned to periods and records outside the project are left out (with an
    :class:`~evalkit.errors.EvalkitWarning`). ``calendar`` (contract/calendar/auto) is used
    unless the indicator names its own; ``prorate`` pro-rates a partial period's own target by
    days covered and measures expected progress by elapsed days (else periods elapsed).
    ``shared`` is a dict that the calls of one :func:`indicator_table` share: the records in
    the period with their period keys, and the filters' rows, are computed once per table.
    """
    rows: list[dict[str, Any]] = []
    labels = None
    spans = []
    if ind.period is not None and date is not None and start is not None and end is not None:
        kind = ind.calendar or calendar
        spans = project_periods(start, end, ind.period, kind)
        dated = dated_records(df, date, start, end, ind.period, kind, where, shared)
        if dated.left_out:
            warnings.warn(f"{where}: {dated.left_out} record(s) dated outside the project "
                          f"period ({start} to {end}) or undated were left out",
                          EvalkitWarning, stacklevel=3)
        df, labels = dated.records, dated.labels
    latest = ind.aggregate.time == "cumulative"
    k_total = len(spans)
    span_days = sum(s.days for s in spans)
    last_seen: Measured | None = None
    # each record's period label as objects (a blank never equals a label); the records up to
    # period k are those of periods 1..k, the union of their masks (labels.isin of the labels)
    import numpy as np

    marks = labels.to_numpy(dtype=object, na_value=None) if labels is not None else None
    records = remembered(shared, ("records", id(df)), lambda: Records(df))
    upto_mask = None
    for k, span in enumerate(spans, start=1):
        assert marks is not None
        hit = np.asarray(marks == span.label, dtype=bool)
        upto_mask = hit if upto_mask is None else (upto_mask | hit)
        m = _measure(ind, records, hit, where, date=date, latest=latest)
        if ind.aggregate.time == "latest":
            last_seen = m if m.n else last_seen
            to_date = last_seen or m
        else:
            to_date = _measure(ind, records, upto_mask, where, date=date, latest=latest)
        own = ind.targets.get(span.label)
        if own is not None and prorate and _count_like(ind) and ind.aggregate.time == "periodic":
            own = _prorated(float(own), span.days, span.full_days)
        row = _record(ind, m, period=span.label, period_start=span.start,
                      period_end=span.end, to_date=to_date.actual,
                      target=float(own) if own is not None else _total_target(ind),
                      days=span.days, full_days=span.full_days,
                      label_zh=span.label_text("zh"), label_en=span.label_text("en"))
        if own is not None:
            _judge(ind, row, m.actual, 1.0, "period")
        else:
            elapsed = (sum(s.days for s in spans[:k]) / span_days if prorate
                       else k / k_total)
            expected = elapsed if _count_like(ind) else 1.0
            _judge(ind, row, to_date.actual if _count_like(ind) else m.actual, expected,
                   "to_date" if _count_like(ind) else "period")
        rows.append(row)
    total = _total(ind, records, labels, date, where, [s.label for s in spans])
    row = _record(ind, total, period="total", to_date=total.actual, target=_total_target(ind),
                  period_start=spans[0].start if spans else start,
                  period_end=spans[-1].end if spans else end)
    _judge(ind, row, total.actual, 1.0, "total")
    rows.append(row)
    if disaggregate:
        rows.extend(_disaggregated(ind, df, start, end, date, where, calendar, prorate))
    return rows


def _disaggregated(ind: Indicator, df: pd.DataFrame, start: Any, end: Any, date: str | None,
                   where: str, calendar: str | None = "auto",
                   prorate: bool = True) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for col in ind.disaggregations:
        for value, part in df.groupby(df[col].astype("string"), sort=True, dropna=True):
            for r in indicator_rows(ind, part, start=start, end=end, date=date, where=where,
                                    disaggregate=False, calendar=calendar, prorate=prorate):
                r.update(disaggregation=col, category=str(value), target=math.nan,
                         achievement=math.nan, expected=math.nan, status="no_target",
                         met=None)
                rows.append(r)
    return rows


def _missing_columns(project: Project, evidence: Evidence) -> list[str]:
    from evalkit.model.indicators import date_column

    out = []
    for k, ind in enumerate(project.indicators):
        if ind.source is None or ind.source not in evidence.tables:
            continue
        have = set(map(str, evidence[ind.source].columns))
        file = evidence.files.get(ind.source)
        name = file.name if file is not None else ind.source
        date = date_column(ind, project) if ind.period else None
        for field, spec in ind.computations().items():
            for col in spec.columns():
                if col not in have:
                    out.append(f"indicators[{k}].{field} ({ind.id}): column {col!r} not found "
                               f"in {name}")
        extra: dict[str, str | None] = {
            "date": date, "aggregate.unit": ind.aggregate.unit,
            **{f"disaggregations[{j}]": c for j, c in enumerate(ind.disaggregations)}}
        for key, extra_col in extra.items():
            if extra_col and extra_col not in have:
                out.append(f"indicators[{k}].{key} ({ind.id}): column {extra_col!r} not found "
                           f"in {name}")
    return out


def indicator_table(project: Project, evidence: Evidence) -> pd.DataFrame:
    """``evaluation.indicators``: one row per indicator and period, then disaggregations.

    Raises
    ------
    DataError
        Listing every indicator that names a column absent from its data file.
    """
    import pandas as pd

    from evalkit.model.indicators import date_column

    problems = _missing_columns(project, evidence)
    if problems:
        raise DataError(f"indicators: {len(problems)} column(s) not found", problems=problems,
                        hint="fix the column names in project.yaml or add them to the data")
    period = project.project.period
    rows: list[dict[str, Any]] = []
    shared: dict[tuple[Any, ...], Any] = {}
    for k, ind in enumerate(project.indicators):
        if ind.source is None:
            continue
        rows.extend(indicator_rows(
            ind, evidence[ind.source], start=period.start, end=period.end,
            date=date_column(ind, project) if ind.period else None,
            where=f"indicators[{k}] ({ind.id})",
            calendar=project.project.calendar, prorate=project.project.prorate, shared=shared))
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
