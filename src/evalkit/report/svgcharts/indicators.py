"""Indicator achievement chart as SVG: one horizontal bar per indicator, coloured by status.

The same chart as :func:`evalkit.plot.indicators.plot_indicators` (same rows, words, colours
and legend), written directly as SVG for the HTML and PDF reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.plot.base import labels as chart_words
from evalkit.plot.indicators import STATUS_COLOURS, TEXT
from evalkit.report.svgcharts.core import (
    LINE_HEIGHT,
    TICK_SIZE,
    Linear,
    Svg,
    axes,
    legend,
    margin_for,
    nice_ticks,
    text_width,
    wrap,
    x_axis_height,
)

__all__ = ["indicators_svg"]

WIDTH = 620.0
_NAME_SIZE = 12.0
_VALUE_SIZE = 11.0
_NAME_MAX = 250.0  # px: a longer indicator name wraps


def _name(row: Mapping[str, Any], lang: str) -> str:
    name = row.get("name")
    if isinstance(name, Mapping):
        text = str(name.get(lang, ""))
    else:
        text = str(row.get(f"name_{lang}", name or ""))
    ident = row.get("id", row.get("indicator_id", ""))
    return f"{ident} {text}".strip()


def _bar(row: Mapping[str, Any]) -> tuple[float | None, str]:
    """Achievement in percent (None when it is not a number) and the label written at the
    bar: whole percent, or the suppressed value as given (``"<5"``), or a dash."""
    ach = row.get("achievement")
    value = float(ach) if isinstance(ach, int | float) and not isinstance(ach, bool) else math.nan
    if math.isfinite(value):
        return 100 * value, f"{100 * value:.0f}%"
    # a suppressed value ("<5") is written as such, never drawn as 0 %
    return None, ach if isinstance(ach, str) and ach else "—"


def indicators_svg(rows: Sequence[Mapping[str, Any]] | Any, lang: str, *,
                   status_labels: Mapping[str, str] | None = None) -> str:
    """Bar chart of achievement (100 % = target) for each indicator, as SVG text.

    Parameters
    ----------
    rows
        ``evaluation.indicators`` (DataFrame) or the ``indicators`` records of the report
        context (``name`` as ``{"zh", "en"}``). A row whose achievement is not a number —
        missing, or suppressed (``"<5"``) — has no bar; its value is written as given.
    lang
        "zh" or "en".
    status_labels
        Status code -> label for the colour legend (the report's catalogue ``status.*``);
        the code itself when absent.

    Returns
    -------
    str
        ``<svg …>…</svg>``. Bars longer than the axis (over 280 %) are drawn to its end and
        their value written in full; names wrap, never cut.

    Examples
    --------
    >>> svg = indicators_svg([{"id": "I1", "name": {"en": "Sessions"}, "achievement": 1.08,
    ...                        "status": "met"}], "en")
    >>> "108%" in svg and "I1 Sessions" in svg
    True
    """
    text = chart_words(TEXT, lang)
    records = list(rows.to_dict(orient="records")) if hasattr(rows, "to_dict") else list(rows)
    names = ["\n".join(wrap(_name(r, lang), _NAME_MAX, _NAME_SIZE)) for r in records]
    bars = [_bar(r) for r in records]
    colours = [STATUS_COLOURS.get(str(r.get("status")), STATUS_COLOURS["no_data"])
               for r in records]
    values = [v for v, _ in bars if v is not None]
    xmax = max(130.0, min(max([min(v, 250.0) for v in values], default=0.0) * 1.15, 280.0))
    by_colour: dict[str, list[str]] = {}  # one legend entry per colour, its statuses joined
    for row in records:
        code = str(row.get("status"))
        label = str((status_labels or {}).get(code, code))
        found = by_colour.setdefault(STATUS_COLOURS.get(code, STATUS_COLOURS["no_data"]), [])
        if label not in found:
            found.append(label)
    items = [("rect", colour, " / ".join(found)) for colour, found in by_colour.items()]

    left = 8 + margin_for(names, _NAME_SIZE) + 8
    right = WIDTH - 8 - max(margin_for([lab for _, lab in bars], _VALUE_SIZE), 24.0)
    row_h = [max(26.0, (n.count("\n") + 1) * LINE_HEIGHT * _NAME_SIZE + 8) for n in names]
    top = 8 + LINE_HEIGHT * _VALUE_SIZE + 4  # room for the "target" label
    height = sum(row_h) if row_h else 26.0
    x = Linear((0.0, xmax), (left, right))
    xticks = [t for t in nice_ticks(0.0, xmax, 6) if t <= xmax + 1e-9]
    below = x_axis_height(text["x"], right - left)
    svg = Svg(WIDTH, 0, lang=lang, title=text["title"])
    for k, (row_name, (value, label), colour) in enumerate(zip(names, bars, colours,
                                                               strict=True)):
        mid = top + sum(row_h[:k]) + row_h[k] / 2
        end = left
        if value is not None:
            end = x(min(max(value, 0.0), xmax))
            svg.rect(left, mid - 8, end - left, 16, fill=colour)
        svg.text(end + 4, mid, label, size=_VALUE_SIZE)
        svg.text(left - 8, mid, row_name, size=_NAME_SIZE, anchor="end")
    y = Linear((0.0, 1.0), (top + height, top))
    axes(svg, (left, top, right - left, height), x=x, y=y, xticks=xticks, yticks=[],
         xtitle=text["x"])
    target = x(100.0)
    svg.line(target, top - 2, target, top + height, stroke="#333333", width=0.9, dash="4 3")
    svg.rect(target - text_width(text["target"], _VALUE_SIZE) / 2 - 2, 4,
             text_width(text["target"], _VALUE_SIZE) + 4, LINE_HEIGHT * _VALUE_SIZE,
             fill="#ffffff")
    svg.text(target, top - 4, text["target"], size=_VALUE_SIZE, anchor="middle",
             baseline="bottom")
    legend_top = top + height + below + 10
    used = legend(svg, items, x=8, y=legend_top, width=WIDTH - 16, size=TICK_SIZE,
                  align="center")
    svg.height = legend_top + used + 8
    return svg.to_string()
