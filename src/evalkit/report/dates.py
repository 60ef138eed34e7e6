"""Dates and period codes as a reader writes them (issue 12).

The context holds ISO dates (``2025-01-31``) and period codes (``2025-Q1``, ``2025-03``,
``2025-W05``) because they sort and compare. A report prints them as 年月日 and as months,
quarters or 第N周 with the dates the week covers — never an ISO week code:

========== ============================ ===============================
code       zh                           en
========== ============================ ===============================
2025-01-31 2025年1月31日                31 January 2025
2025-03    2025年3月                    March 2025
2025-Q1    2025年第1季度                Q1 2025
2025-W05   2025年第5周（1月27日—2月2日）  week 5 of 2025 (27 Jan–2 Feb)
2025       2025年                       2025
========== ============================ ===============================
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["date_text", "localise_dates", "period_text", "replace_codes"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_CODE = re.compile(r"\b(\d{4})-(?:W(\d{2})|Q([1-4])|(\d{2}))(?:-(\d{2}))?\b")


def date_text(value: dt.date, lang: str) -> str:
    """``2025年1月31日`` / ``31 January 2025``."""
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _short(value: dt.date, lang: str) -> str:
    return (f"{value.month}月{value.day}日" if lang == "zh"
            else f"{value.day} {_MONTHS[value.month - 1][:3]}")


def period_text(code: str, lang: str) -> str:
    """A period code or ISO date in words; anything else unchanged.

    >>> period_text("2025-W05", "zh")
    '2025年第5周（1月27日—2月2日）'
    >>> period_text("2025-Q3", "en")
    'Q3 2025'
    """
    m = _CODE.fullmatch(code.strip())
    if m is None:
        return code
    return _code(m, lang)


def _code(m: re.Match[str], lang: str) -> str:
    year, week, quarter, month, day = m.groups()
    y = int(year)
    try:
        if week is not None:
            first = dt.date.fromisocalendar(y, int(week), 1)
            last = first + dt.timedelta(days=6)
            span = (f"{_short(first, lang)}—{_short(last, lang)}" if lang == "zh"
                    else f"{_short(first, lang)}–{_short(last, lang)}")
            return (f"{y}年第{int(week)}周（{span}）" if lang == "zh"
                    else f"week {int(week)} of {y} ({span})")
        if quarter is not None:
            return f"{y}年第{quarter}季度" if lang == "zh" else f"Q{quarter} {y}"
        if day is not None:
            return date_text(dt.date(y, int(month), int(day)), lang)
        mon = int(month)
        if not 1 <= mon <= 12:
            return m.group(0)
        return f"{y}年{mon}月" if lang == "zh" else f"{_MONTHS[mon - 1]} {y}"
    except ValueError:
        return m.group(0)


def replace_codes(text: str, lang: str) -> str:
    """Every period code or ISO date inside ``text`` in words."""
    return _CODE.sub(lambda m: _code(m, lang), text)


def _walk(value: Any, lang: str) -> Any:
    if isinstance(value, str):
        return replace_codes(value, lang)
    if isinstance(value, list):
        return [_walk(v, lang) for v in value]
    if isinstance(value, Mapping):
        return {k: _walk(v, lang) for k, v in value.items()}
    return value


def localise_dates(context: dict[str, Any], lang: str) -> None:
    """Dates and period codes of a report context in words, in place: the project period, the
    acceptance deadline, the period tables (``indicator_periods`` and each indicator's
    ``by_period`` are keyed by the words; ``period_labels`` maps code -> words), the cadence
    check's missed periods and the verdict's, scorecard's and renewal's statements."""
    period = (context.get("project") or {}).get("period") or {}
    for key in ("start", "end"):
        if isinstance(period.get(key), str):
            period[key] = period_text(period[key], lang)
    names = {p: period_text(p, lang) for p in context.get("indicator_periods") or []}
    context["period_labels"] = names
    if names:  # the period tables' headings and cell keys become the words
        context["indicator_periods"] = [names[p] for p in context["indicator_periods"]]
        for ind in context.get("indicators") or []:
            ind["by_period"] = {names.get(k, k): v for k, v in (ind.get("by_period") or {}).items()}
    acceptance = context.get("acceptance")
    if isinstance(acceptance, dict):
        if isinstance(acceptance.get("deadline"), str):
            acceptance["deadline"] = period_text(acceptance["deadline"], lang)
        for key in ("reasons", "conditions"):
            acceptance[key] = _walk(acceptance.get(key) or [], lang)
        for c in acceptance.get("criteria") or []:
            if isinstance(c.get("period"), str):
                c["period"] = period_text(c["period"], lang)
    cadence = context.get("cadence")
    if isinstance(cadence, dict):
        for rule in cadence.get("rules") or []:
            if isinstance(rule.get("missed_periods"), str):
                rule["missed_periods"] = replace_codes(rule["missed_periods"], lang)
    card = context.get("scorecard")
    if isinstance(card, dict):
        for node in card.get("nodes") or []:
            if isinstance(node.get("reason"), dict):
                node["reason"] = _walk(node["reason"], lang)
    stamp = context.get("stamp")
    if isinstance(stamp, dict) and isinstance(stamp.get("created"), str):
        stamp["created"] = replace_codes(stamp["created"], lang)
    renewal = context.get("renewal")
    if isinstance(renewal, dict):
        renewal["reasons"] = _walk(renewal.get("reasons") or [], lang)
