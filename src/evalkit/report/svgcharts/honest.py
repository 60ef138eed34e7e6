"""Sensitivity chart of an honest-DiD analysis (:func:`evalkit.honest_did`) as SVG text.

The same chart as :func:`evalkit.plot.honest.plot_honest_did`, written without matplotlib:
the original interval (parallel trends) beside the robust interval at each bound M (or M̄),
the breakdown value as a dotted line. :func:`honest_intervals` decides what is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from evalkit.errors import RenderError
from evalkit.plot.base import labels as chart_words
from evalkit.plot.honest import TEXT
from evalkit.report.svgcharts.core import Linear, axes, nice_ticks, tick_text
from evalkit.report.svgcharts.event_study import period_step
from evalkit.report.svgcharts.frame import layout, tick_room

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HonestInterval", "honest_intervals", "honest_svg"]

ORIGINAL, ROBUST, BREAKDOWN = "#d62728", "#1f77b4", "#999999"


@dataclass(frozen=True)
class HonestInterval:
    """One interval of the chart at position ``x`` on the M axis, labelled ``label``."""
    x: float
    label: str
    low: float
    high: float
    kind: Literal["original", "robust"]


def honest_intervals(frame: pd.DataFrame, lang: str) -> tuple[list[HonestInterval],
                                                              float | None]:
    """The intervals in x order and the breakdown value (None when it is not finite).

    The original interval sits one step (the smallest gap between the bounds M) left of the
    smallest M, as in the matplotlib chart; each robust interval at its M, labelled ``f"{M:g}"``.
    RenderError for anything but the output of ``ek.honest_did``.
    """
    text = chart_words(TEXT, lang)
    if not {"m", "lb", "ub"} <= set(frame.columns) or "original" not in frame.attrs:
        raise RenderError("honest_svg: expected the output of ek.honest_did (columns m, "
                          "lb, ub and attrs['original'])", hint="pass ek.honest_did(...)")
    rows = sorted((float(m), float(lb), float(ub)) for m, lb, ub in
                  zip(frame["m"], frame["lb"], frame["ub"], strict=True) if math.isfinite(m))
    ms = [m for m, _, _ in rows]
    gaps = [b - a for a, b in pairwise(ms)]
    step = min(gaps) if gaps else 1.0
    step = step if step > 0 else 1.0  # as the matplotlib chart: a repeated M gives 1
    o_lb, o_ub = (float(v) for v in frame.attrs["original"])
    first = ms[0] if ms else 0.0
    out = [HonestInterval(first - step, text["tick"], o_lb, o_ub, "original")]
    out += [HonestInterval(m, f"{m:g}", lb, ub, "robust") for m, lb, ub in rows]
    bd = float(frame.attrs.get("breakdown", math.nan))
    return out, (bd if math.isfinite(bd) else None)


def honest_words(frame: pd.DataFrame, lang: str,
                 breakdown: float | None) -> dict[str, str]:
    """``title``, ``x`` (what M or M̄ bounds), ``y``, legend entries ``original``,
    ``robust`` and ``breakdown`` (empty without a finite breakdown value)."""
    text = chart_words(TEXT, lang)
    rm = frame.attrs.get("method") == "relative_magnitude"
    return {"title": text["title"], "x": text["rm"] if rm else text["sd"], "y": text["y"],
            "original": text["original"], "robust": text["robust"],
            "breakdown": ("" if breakdown is None else
                          text["breakdown"].format(value=f"{breakdown:.3g}"))}


def honest_svg(frame: pd.DataFrame, lang: str) -> str:
    """The honest-DiD sensitivity chart of a report as SVG text (no matplotlib).

    As :func:`evalkit.plot.honest.plot_honest_did` (R HonestDiD's
    ``createSensitivityPlot``): the original interval (red, "parallel trends") left of the
    robust interval (blue) at each bound M (smoothness) or M̄ (relative magnitudes), a line
    at zero and the breakdown value (the smallest bound at which the robust interval
    includes zero) as a dotted line named in the legend. An interval end that is not finite
    (an unbounded robust interval) runs to the edge of the plotting area, without a cap.

    Parameters
    ----------
    frame
        The output of ``ek.honest_did`` (columns ``m``, ``lb``, ``ub``; ``attrs``
        ``original``, ``breakdown``, ``method``).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        ``<svg …>…</svg>``; the same input gives the same text.
    """
    intervals, bd = honest_intervals(frame, lang)
    words = honest_words(frame, lang, bd)
    values = [v for iv in intervals for v in (iv.low, iv.high) if math.isfinite(v)]
    yticks = nice_ticks(min([0.0, *values]), max([0.0, *values]), 6)
    ylabels = [tick_text(t, yticks) for t in yticks]
    xs = [iv.x for iv in intervals]
    if bd is not None:
        xs.append(bd)
    pad = (intervals[1].x - intervals[0].x if len(intervals) > 1 else 1.0) * 0.6
    lo_x, hi_x = min(xs) - pad, max(xs) + pad
    items = [("line", ORIGINAL, words["original"])]
    items += [("line", ROBUST, words["robust"])] if len(intervals) > 1 else []
    items += [("dash", BREAKDOWN, words["breakdown"])] if bd is not None else []
    labels = [iv.label for iv in intervals]
    page = layout(640.0, lang=lang, title=words["title"], items=items, ylabels=ylabels,
                  xlabels=labels, ytitle=words["y"], xtitle=words["x"])
    svg = page.svg
    left, top, w, h = page.box
    x = Linear((lo_x, hi_x), (left, left + w))
    y = Linear((yticks[0], yticks[-1]), (top + h, top))
    # the original's label always; the bounds' labels thinned only if they would touch
    gaps = [b.x - a.x for a, b in pairwise(intervals[1:])]
    step = period_step([iv.x for iv in intervals[1:]],
                       min(gaps, default=hi_x - lo_x) * w / (hi_x - lo_x), tick_room(labels))
    # and a bound's label never closer to the original's than the two labels' half widths
    room = tick_room(labels[:1]) / 2 + tick_room(labels[1:]) / 2 + 6
    shown = intervals[:1] + [iv for iv in intervals[1::step]
                             if x(iv.x) - x(intervals[0].x) >= room]
    axes(svg, page.box, x=x, y=y, xticks=[iv.x for iv in shown], yticks=yticks,
         xlabels=[iv.label for iv in shown], ylabels=ylabels, ytitle=words["y"],
         xtitle=words["x"], grid="y")
    svg.line(left, y(0.0), left + w, y(0.0), stroke="#666666", width=0.8)
    if bd is not None:
        svg.line(x(bd), top, x(bd), top + h, stroke=BREAKDOWN, width=1.0, dash="4 2")
    for iv in intervals:
        colour = ORIGINAL if iv.kind == "original" else ROBUST
        px = x(iv.x)
        cap0, cap1 = math.isfinite(iv.low), math.isfinite(iv.high)
        y0 = y(iv.low) if cap0 else top + h  # unbounded below: to the bottom edge
        y1 = y(iv.high) if cap1 else top
        svg.line(px, y0, px, y1, stroke=colour, width=1.6)
        for py, cap in ((y0, cap0), (y1, cap1)):
            if cap:
                svg.line(px - 4, py, px + 4, py, stroke=colour, width=1.6)
    return svg.to_string()
