"""The period calendar: which weeks, months, quarters and years a project is judged by.

One calendar serves every caller (indicators per period, cadence rules, "each period" contract
criteria, expected progress), so a period means the same days everywhere.

Two kinds of period (see ``docs/calendars.md``):

``contract``
    Counted from the contract's start (``project.period.start``): 项目第1月 is the first month
    of service, 项目第1季度 the first three months, 项目第1年 the first twelve; weeks are seven-day
    blocks from the start day (第1周 = start … start + 6). Keys: ``W1``, ``M1``, ``Q1``, ``Y1``.
    A month that starts on the 31st ends the day before the 31st (or the month's last day) of
    the next month.
``calendar``
    Calendar weeks (ISO, Monday to Sunday), months, quarters and years. Keys: ``2025-W03``,
    ``2025-01``, ``2025-Q1``, ``2025``.

``auto`` (the default) picks ``calendar`` when the project starts on 1 January and ``contract``
otherwise (DESIGN.md: contract periods are counted from the contract's start unless the project
says otherwise). Periods are clipped to the project period; a period the project covers only
partly is *partial* (``days < full_days``) and is named as such.

Examples
--------
>>> import datetime as dt
>>> spans = project_periods(dt.date(2025, 3, 1), dt.date(2026, 2, 28), "quarter")
>>> [s.key for s in spans]
['Q1', 'Q2', 'Q3', 'Q4']
>>> spans[0].label_text("zh")
'项目第1季度（2025年3月1日–5月31日）'
>>> spans[0].label_text("en")
'Contract quarter 1 (1 March – 31 May 2025)'
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CalendarKind", "Freq", "PeriodSpan", "assign_periods", "date_range_text",
           "key_pattern", "period_label", "period_names", "project_periods", "prorated_target",
           "resolve_calendar"]

#: how periods are counted: from the contract's start, by the calendar, or decided by the start
CalendarKind = Literal["auto", "contract", "calendar"]
Freq = Literal["week", "month", "quarter", "year"]

_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
_CONTRACT_PREFIX = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_CALENDAR_PATTERNS = {"week": r"^\d{4}-W\d{2}$", "month": r"^\d{4}-\d{2}$",
                      "quarter": r"^\d{4}-Q[1-4]$", "year": r"^\d{4}$"}


def resolve_calendar(kind: str | None, start: dt.date) -> Literal["contract", "calendar"]:
    """``contract`` or ``calendar``: ``auto``/None is ``calendar`` for a 1 January start.

    Examples
    --------
    >>> resolve_calendar("auto", dt.date(2025, 3, 1))
    'contract'
    >>> resolve_calendar(None, dt.date(2025, 1, 1))
    'calendar'
    """
    if kind in ("contract", "calendar"):
        return cast('Literal["contract", "calendar"]', kind)
    if kind not in (None, "auto"):
        from evalkit.errors import SpecError

        raise SpecError(f"calendar: expected one of 'auto', 'contract', 'calendar', got {kind!r}")
    return "calendar" if (start.month, start.day) == (1, 1) else "contract"


def key_pattern(freq: str, kind: str) -> str:
    """The regular expression a period key of ``freq`` matches in calendar ``kind``."""
    if kind == "contract":
        return rf"^{_CONTRACT_PREFIX[freq]}\d+$"
    return _CALENDAR_PATTERNS[freq]


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _calendar_start(day: dt.date, freq: str) -> dt.date:
    if freq == "week":
        return day - dt.timedelta(days=day.weekday())
    if freq == "month":
        return day.replace(day=1)
    if freq == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def _calendar_next(start: dt.date, freq: str) -> dt.date:
    if freq == "week":
        return start + dt.timedelta(days=7)
    return _add_months(start, _MONTHS[freq])


def period_label(day: dt.date, freq: str) -> str:
    """The key of the calendar period holding ``day`` ("2025-W03", "2025-01", "2025-Q1", "2025")."""
    if freq == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if freq == "month":
        return f"{day.year}-{day.month:02d}"
    if freq == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"


def date_range_text(first: dt.date, last: dt.date, lang: str) -> str:
    """A printable date range: 2025年3月3日–9日 / 3–9 March 2025.

    Examples
    --------
    >>> date_range_text(dt.date(2025, 3, 3), dt.date(2025, 3, 9), "zh")
    '2025年3月3日–9日'
    >>> date_range_text(dt.date(2025, 12, 29), dt.date(2026, 1, 4), "en")
    '29 December 2025 – 4 January 2026'
    """
    if lang == "zh":
        head = f"{first.year}年{first.month}月{first.day}日"
        if first == last:
            return head
        if first.year != last.year:
            return f"{head}–{last.year}年{last.month}月{last.day}日"
        if first.month != last.month:
            return f"{head}–{last.month}月{last.day}日"
        return f"{head}–{last.day}日"
    end = f"{last.day} {_EN_MONTHS[last.month - 1]} {last.year}"
    if first == last:
        return end
    if first.year != last.year:
        return f"{first.day} {_EN_MONTHS[first.month - 1]} {first.year} – {end}"
    if first.month != last.month:
        return f"{first.day} {_EN_MONTHS[first.month - 1]} – {end}"
    return f"{first.day}–{end}"


@dataclass(frozen=True)
class PeriodSpan:
    """One reporting period clipped to the project.

    ``label`` is the period's key (``Q1`` on the contract calendar, ``2025-Q1`` on the calendar;
    the key ``targets:`` and criteria use); ``start``/``end`` the first and last day inside the
    project; ``days`` inside the project; ``full_days`` of the whole period; ``freq``, ``kind``
    (contract/calendar) and ``index`` (1-based position in the project).
    """

    label: str
    start: dt.date
    end: dt.date
    days: int
    full_days: int
    freq: str = "quarter"
    kind: str = "calendar"
    index: int = 1

    @property
    def key(self) -> str:
        """The period's key (same as ``label``)."""
        return self.label

    @property
    def partial(self) -> bool:
        """True when the project covers only part of the period."""
        return self.days < self.full_days

    def name(self, lang: str) -> str:
        """The period's name: 项目第1季度 / Contract quarter 1, 第3周 / Week 3, 2025年3月 …"""
        zh = lang == "zh"
        n = self.index
        if self.kind == "contract":
            if self.freq == "week":
                return f"第{n}周" if zh else f"Week {n}"
            unit = {"month": ("月", "month"), "quarter": ("季度", "quarter"),
                    "year": ("年", "year")}[self.freq]
            return f"项目第{n}{unit[0]}" if zh else f"Contract {unit[1]} {n}"
        year = self.label[:4]
        if self.freq == "week":
            week = int(self.label[-2:])
            return f"{year}年第{week}周" if zh else f"Week {week} of {year}"
        if self.freq == "month":
            month = int(self.label[-2:])
            return f"{year}年{month}月" if zh else f"{_EN_MONTHS[month - 1]} {year}"
        if self.freq == "quarter":
            q = self.label[-1]
            return f"{year}年第{q}季度" if zh else f"Q{q} {year}"
        return f"{year}年" if zh else year

    def label_text(self, lang: str) -> str:
        """Name, date range and, for a partial period, the days covered."""
        rng = date_range_text(self.start, self.end, lang)
        if lang == "zh":
            extra = f"，不完整：{self.days}/{self.full_days}天" if self.partial else ""
            return f"{self.name(lang)}（{rng}{extra}）"
        extra = f"; partial: {self.days} of {self.full_days} days" if self.partial else ""
        return f"{self.name(lang)} ({rng}{extra})"

    def names(self) -> dict[str, str | bool | int]:
        """Plain data for a report: names, date ranges and labels in zh/en, partial, days."""
        return {"key": self.label, "name_zh": self.name("zh"), "name_en": self.name("en"),
                "range_zh": date_range_text(self.start, self.end, "zh"),
                "range_en": date_range_text(self.start, self.end, "en"),
                "zh": self.label_text("zh"), "en": self.label_text("en"),
                "partial": self.partial, "days": self.days, "full_days": self.full_days}


def _spans(start: dt.date, end: dt.date, freq: str, kind: str) -> list[PeriodSpan]:
    out: list[PeriodSpan] = []
    if kind == "contract":
        k = 0
        while True:
            lo = (start + dt.timedelta(days=7 * k) if freq == "week"
                  else _add_months(start, _MONTHS[freq] * k))
            if lo > end:
                break
            nxt = (start + dt.timedelta(days=7 * (k + 1)) if freq == "week"
                   else _add_months(start, _MONTHS[freq] * (k + 1)))
            hi = min(nxt - dt.timedelta(days=1), end)
            k += 1
            out.append(PeriodSpan(f"{_CONTRACT_PREFIX[freq]}{k}", lo, hi, (hi - lo).days + 1,
                                  (nxt - lo).days, freq, "contract", k))
        return out
    p = _calendar_start(start, freq)
    while p <= end:
        nxt = _calendar_next(p, freq)
        lo, hi = max(p, start), min(nxt - dt.timedelta(days=1), end)
        out.append(PeriodSpan(period_label(p, freq), lo, hi, (hi - lo).days + 1, (nxt - p).days,
                              freq, "calendar", len(out) + 1))
        p = nxt
    return out


def project_periods(start: dt.date, end: dt.date, freq: str,
                    calendar: str | None = "auto") -> list[PeriodSpan]:
    """Periods of ``freq`` overlapping ``[start, end]``, clipped to it, in order.

    Parameters
    ----------
    start, end
        The project period (``project.period``).
    freq
        ``week``, ``month``, ``quarter`` or ``year``.
    calendar
        ``contract``, ``calendar`` or ``auto`` (see the module docstring).

    Examples
    --------
    >>> [p.label for p in project_periods(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "quarter")]
    ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']
    >>> project_periods(dt.date(2025, 1, 1), dt.date(2025, 1, 31), "week")[0].days
    5
    """
    return _spans(start, end, freq, resolve_calendar(calendar, start))


def assign_periods(dates: pd.Series, freq: str, *, start: dt.date | None = None,
                   end: dt.date | None = None, calendar: str | None = "auto") -> pd.Series:
    """The period key of each date (vectorised; missing or out-of-period dates give <NA>).

    Without ``start``/``end`` the calendar periods spanning the dates are used (the contract
    calendar needs the contract's start). Each date is placed by a binary search over the
    period starts of :func:`project_periods`, so assignment and listing never disagree.
    """
    import numpy as np
    import pandas as pd

    parsed = pd.to_datetime(dates, errors="coerce", format="mixed")
    if parsed.notna().sum() == 0:
        return pd.Series(pd.NA, index=dates.index, dtype="string")
    lo = start or parsed.min().date()
    hi = end or parsed.max().date()
    anchored = start is not None or calendar == "contract"
    kind = resolve_calendar(calendar, lo) if anchored else "calendar"
    spans = _spans(lo, hi, freq, kind)
    firsts = np.array([np.datetime64(s.start, "D") for s in spans])
    days = parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    pos = np.searchsorted(firsts, days, side="right") - 1
    ok = (pos >= 0) & ~np.isnat(days) & (days <= np.datetime64(hi, "D"))
    keys = np.array([s.label for s in spans], dtype=object)
    out = np.where(ok, keys[np.clip(pos, 0, len(spans) - 1)], None)
    return pd.Series(out, index=dates.index, dtype="string")


def period_names(spans: list[PeriodSpan]) -> dict[str, dict[str, str | bool | int]]:
    """Key -> printable names (:meth:`PeriodSpan.names`) for a report context."""
    return {s.label: s.names() for s in spans}


def prorated_target(target: float, days: int, full_days: int) -> float:
    """A per-period target for a period the project covers only partly.

    ``target × days / full_days`` rounded half up to whole units (records are whole), the
    convention of cadence rules; NaN (not judged) when it rounds to 0. A full period keeps its
    target.

    Examples
    --------
    >>> prorated_target(26, 31, 92)       # 8.76 -> 9
    9.0
    >>> prorated_target(26, 1, 92)        # 0.28 -> 0: not judged
    nan
    """
    if days >= full_days or not math.isfinite(target):
        return float(target)
    need = math.floor(target * days / full_days + 0.5)
    return float(need) if need > 0 else math.nan
