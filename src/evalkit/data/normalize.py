"""Opt-in rewrites of spreadsheet text, and what an unreadable value looks like.

Offices type numbers and dates the way they read them: "1,234", "85%", full-width "１２",
"2025年3月1日", " 走访 ". evalkit never rewrites a value on its own (a silent rewrite is a silent
miscount); a data source or a column opts in with ``normalize: [...]`` in project.yaml, and a
value that cannot be read without one gets an error naming the option that reads it.

The options, always applied in this order whatever order they are listed in:

=============  ==================================  ============================================
option         reads                               as
=============  ==================================  ============================================
``strip``      " 走访 ", "12\\u3000"                 "走访", "12" (spaces, full-width spaces, tabs)
``fullwidth``  "１２", "Ａ３", "１，２３４"          "12", "A3", "1,234" (U+FF01–U+FF5E, U+3000)
``thousands``  "1,234", "-12,345.5"                1234, -12345.5 (commas every 3 digits only)
``percent``    "85%", "12.5 %"                     85, 12.5 (percentage points, as targets)
``cn_date``    "2025年3月1日", "2025 年 3 月 1 日"    2025-03-01
=============  ==================================  ============================================

>>> from evalkit.data.normalize import normalize_text, looks_like
>>> normalize_text("１，２３４", ["fullwidth", "thousands"])
'1234'
>>> looks_like("85%", "number")
('a percentage', ['percent'])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ORDER", "looks_like", "normalize_text", "normalize_value"]

#: the order options are applied in
ORDER: tuple[str, ...] = ("strip", "fullwidth", "thousands", "percent", "cn_date")

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PERCENT = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*%$")
_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def _percent(text: str) -> str:
    # percentage points, the unit of percentage targets in project.yaml (target: 90 is 90%)
    m = _PERCENT.match(text)
    return m.group(1) if m else text


def _cn_date(text: str) -> str:
    m = _CN_DATE.match(text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else text


_RULES: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "fullwidth": lambda t: t.translate(_FULLWIDTH),
    "thousands": lambda t: t.replace(",", "") if _THOUSANDS.match(t) else t,
    "percent": _percent,
    "cn_date": _cn_date,
}


def normalize_text(text: str, options: Iterable[str]) -> str:
    """``text`` rewritten by ``options`` (applied in :data:`ORDER`); other text unchanged."""
    chosen = set(options)
    for name in ORDER:
        if name in chosen:
            text = _RULES[name](text)
    return text


def normalize_value(value: Any, options: Iterable[str]) -> Any:
    """Like :func:`normalize_text` for a cell: only text cells are rewritten."""
    return normalize_text(value, options) if isinstance(value, str) else value


def _readable(text: str, kind: str) -> bool:
    if kind == "date":
        return bool(_ISO_DATE.match(text))
    return bool(_NUMBER.match(text))


_DESCRIPTIONS = {
    "strip": "a value with spaces around it",
    "fullwidth": "a value typed in full-width characters",
    "thousands": "a number with thousands separators",
    "percent": "a percentage",
    "cn_date": "a date written in Chinese",
}


def looks_like(value: Any, kind: str) -> tuple[str, list[str]] | None:
    """What a value that failed to read as ``kind`` ("number" or "date") looks like.

    Returns ``(description, options)`` when the ``normalize`` options would read it, else None.
    """
    if not isinstance(value, str):
        return None
    needed: list[str] = []
    text = value
    for name in ORDER:
        new = _RULES[name](text)
        if new != text:
            needed.append(name)
            text = new
    if not needed or not _readable(text.strip(), kind):
        return None
    main = [n for n in needed if n != "strip"] or needed
    return " and ".join(_DESCRIPTIONS[n] for n in main), needed
