"""The page of one chart with a single plotting area: title, legend and axes laid out so
that no label is cut or touches another (used by the event-study, honest-DiD, ITS and
synthetic-comparison charts).

From the top: the title (wrapped to the chart's width), an optional note (the legend's
title), the legend (wrapped into rows), an optional strip for a label placed over the
plotting area (e.g. "service starts" over the start line), the plotting area with the y
axis title left of it (rotated, wrapped to the area's height) and the x axis under it.
Everything is measured before anything is drawn, so the chart is as tall as its text needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalkit.report.svgcharts.core import (
    LINE_HEIGHT,
    TICK_SIZE,
    Svg,
    legend,
    margin_for,
    nice_ticks,
    tick_text,
    wrap,
    x_axis_height,
    y_axis_width,
)

__all__ = ["LEGEND_SIZE", "PAD", "TITLE", "Layout", "layout"]

#: font size (px) of the chart title and of the legend (the legend's as the tick labels')
TITLE = 14.0
LEGEND_SIZE = TICK_SIZE
#: space (px) around the chart and between its blocks
PAD = 8.0


@dataclass(frozen=True)
class Layout:
    """Where a chart's blocks go: the document (already sized), ``box`` = (left, top,
    width, height) of the plotting area and ``strip``, the y of the top of the strip above
    it (``box[1]`` when there is none)."""

    svg: Svg
    box: tuple[float, float, float, float]
    strip: float


def layout(width: float, *, lang: str, title: str, items: Sequence[tuple[str, str, str]],
           ylabels: Sequence[str], xlabels: Sequence[str], ytitle: str | None,
           xtitle: str | None, note: str | None = None, plot_height: float = 230.0,
           strip: float = 0.0, right: float = 14.0, left_min: float = 0.0) -> Layout:
    """Measure the blocks, make the document and draw the title, note and legend.

    ``ylabels``/``xlabels`` are the tick labels the axes will carry (their widths and lines
    set the margins); ``strip`` reserves that many px above the plotting area; ``right`` is
    the room right of it; ``left_min`` a least left margin.
    """
    inner = width - 2 * PAD
    title_lines = wrap(title, inner, TITLE)
    note_lines = wrap(note, inner, LEGEND_SIZE) if note else []
    left = max(PAD + y_axis_width(ylabels, ytitle, plot_height), left_min)
    plot_width = width - left - right
    legend_height = legend(Svg(width, 10, lang=lang, title=""), items, x=PAD, y=0,
                           width=inner, size=LEGEND_SIZE, align="center")
    y = PAD
    title_y = y
    y += len(title_lines) * LINE_HEIGHT * TITLE + PAD / 2
    note_y = y
    y += len(note_lines) * LINE_HEIGHT * LEGEND_SIZE
    legend_y = y
    y += legend_height + PAD / 2
    strip_y = y
    top = y + strip
    bottom = x_axis_height(xtitle, plot_width, xlabels) + PAD
    height = top + plot_height + bottom
    svg = Svg(width, height, lang=lang, title=title)
    svg.text(width / 2, title_y, "\n".join(title_lines), size=TITLE, anchor="middle",
             baseline="top")
    if note_lines:
        svg.text(width / 2, note_y, "\n".join(note_lines), size=LEGEND_SIZE, anchor="middle",
                 baseline="top", fill="#444444")
    legend(svg, items, x=PAD, y=legend_y, width=inner, size=LEGEND_SIZE, align="center")
    return Layout(svg, (left, top, plot_width, plot_height), strip_y)


def tick_room(labels: Sequence[str]) -> float:
    """Width (px) of the widest tick label: how far apart tick labels must be."""
    return margin_for(labels, TICK_SIZE)


def fitting_ticks(lo: float, hi: float, room: float, n: int = 5) -> list[float]:
    """Round ticks from ``lo`` to ``hi`` (about ``n`` of them, fewer when their labels
    would not fit side by side in ``room`` px with 8 px between them)."""
    for k in range(n, 1, -1):
        ticks = nice_ticks(lo, hi, k)
        labels = [tick_text(t, ticks) for t in ticks]
        if len(ticks) * (tick_room(labels) + 8) <= room:
            return ticks
    return nice_ticks(lo, hi, 1)
