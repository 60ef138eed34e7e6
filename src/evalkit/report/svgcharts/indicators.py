"""Indicator achievement chart as SVG: one horizontal bar per indicator, coloured by status.

The same chart as :func:`evalkit.plot.indicators.plot_indicators` (same rows, words, colours
and legend), written directly as SVG for the HTML and PDF reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.plot.base import labels as chart_words
from evalkit.plot.indicators import (
    TEXT,
    axis_limit,
    indicator_bars,
    indicator_name,
    legend_entries,
)
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
    found = indicator_bars(rows)
    names = ["\n".join(wrap(indicator_name(row, lang), _NAME_MAX, _NAME_SIZE))
             for row, *_ in found]
    bars = [(value, label) for _, value, label, _ in found]
    colours = [colour for *_, colour in found]
    xmax = axis_limit([value for value, _ in bars])
    items = [("rect", colour, label) for colour, label in
             legend_entries([row for row, *_ in found], status_labels)]

    left = 8 + margin_for(names, _NAME_SIZE) + 8
    right = WIDTH - 8 - max(margin_for([lab for _, lab in bars], _VALUE_SIZE), 24.0)
    row_h = [max(26.0, (n.count("\n") + 1) * LINE_HEIGHT * _NAME_SIZE + 8) for n in names]
    top = 8 + LINE_HEIGHT * _VALUE_SIZE + 4  # room for the "target" label
    height = sum(row_h) if row_h else 26.0
    x = Linear((0.0, xmax), (left, right))
    xticks = [t for t in nice_ticks(0.0, xmax, 6) if t <= xmax + 1e-9]
    below = x_axis_height(text["x"], right - left)
    svg = Svg(WIDTH, 0, lang=lang, title=text["title"])
    mids = [top + sum(row_h[:k]) + h / 2 for k, h in enumerate(row_h)]
    # a suppressed or missing value has no bar; its label is written at the axis
    ends = [x(min(max(value, 0.0), xmax)) if value is not None else left for value, _ in bars]
    for row_name, (value, _), colour, mid, end in zip(names, bars, colours, mids, ends,
                                                      strict=True):
        if value is not None:
            svg.rect(left, mid - 8, end - left, 16, fill=colour)
        svg.text(left - 8, mid, row_name, size=_NAME_SIZE, anchor="end")
    axes(svg, (left, top, right - left, height), x=x, y=Linear((0.0, 1.0), (top + height, top)),
         xticks=xticks, yticks=[], xtitle=text["x"])
    target = x(100.0)
    svg.line(target, top - 2, target, top + height, stroke="#333333", width=0.9, dash="4 3")
    svg.text(target, top - 4, text["target"], size=_VALUE_SIZE, anchor="middle",
             baseline="bottom")
    for (_, label), mid, end in zip(bars, mids, ends, strict=True):
        # on a white ground: the target line never runs through a value
        svg.rect(end + 2, mid - 0.65 * _VALUE_SIZE, text_width(label, _VALUE_SIZE) + 4,
                 1.3 * _VALUE_SIZE, fill="#ffffff")
        svg.text(end + 4, mid, label, size=_VALUE_SIZE)
    legend_top = top + height + below + 10
    used = legend(svg, items, x=8, y=legend_top, width=WIDTH - 16, size=TICK_SIZE,
                  align="center")
    svg.height = legend_top + used + 8
    return svg.to_string()
