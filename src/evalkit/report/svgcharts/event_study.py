"""Event-study chart of a report as SVG text, drawn without matplotlib.

The same chart as :func:`evalkit.plot.event_study.plot_event_study` (its words, its
points and intervals), written directly as SVG by :mod:`evalkit.report.svgcharts.core` so
that an HTML or PDF report never imports matplotlib. :func:`event_estimates` decides what is
drawn; :func:`event_study_svg` draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from evalkit.errors import RenderError
from evalkit.plot.base import labels as chart_words
from evalkit.plot.designs import period_text
from evalkit.plot.event_study import TEXT
from evalkit.report.svgcharts.core import Linear, axes, nice_ticks, tick_text
from evalkit.report.svgcharts.frame import layout, tick_room

if TYPE_CHECKING:
    from evalkit.estimate.results import EffectResult

__all__ = ["EventEstimate", "event_estimates", "event_study_svg", "event_words", "period_labels",
           "period_step"]

#: colours of the matplotlib chart: before the start, after it
PRE, POST = "#6c757d", "#1f77b4"


@dataclass(frozen=True)
class EventEstimate:
    """One period of an event study: ``time`` relative to the start, the estimate and its
    interval (``nan`` when the result has none), and whether it is before the start, after
    it or the reference period (0 by construction, drawn hollow, without an interval)."""
    time: float
    estimate: float
    low: float
    high: float
    kind: Literal["pre", "post", "reference"]


def event_estimates(result: EffectResult) -> list[EventEstimate]:
    """The periods of an event study in time order; a period without an estimate is left
    out. RenderError for a result without event-time estimates."""
    events = result.extra.get("event_times")
    if events is None:
        raise RenderError(
            f"event_study_svg: the result ({result.method}) has no event-time estimates",
            hint="pass a result of ek.event_study(...) or ek.staggered_did(..., "
            "aggregate='dynamic')")
    times = events["event_time"].to_numpy(dtype=float)
    est = events["estimate"].to_numpy(dtype=float)
    lo = events["conf_low"].to_numpy(dtype=float)
    hi = events["conf_high"].to_numpy(dtype=float)
    ref = (events["reference"].to_numpy(dtype=bool) if "reference" in events
           else [False] * len(times))
    out = []
    for t, e, a, b, r in zip(times, est, lo, hi, ref, strict=True):
        if not (math.isfinite(t) and math.isfinite(e)):
            continue
        kind: Literal["pre", "post", "reference"] = (
            "reference" if r else "pre" if t < 0 else "post")
        out.append(EventEstimate(float(t), float(e), float(a), float(b), kind))
    return sorted(out, key=lambda p: p.time)


def event_words(result: EffectResult, lang: str, *, outcome: str | None = None,
                unit: str | None = None) -> dict[str, str]:
    """The chart's words in ``lang`` (from :mod:`evalkit.plot.event_study`): ``title``,
    ``x``, ``y`` (the outcome, then its unit in brackets on a line of its own), ``legend``
    (the interval level and the pre-trend test), ``pre`` and ``post``."""
    text = chart_words(TEXT, lang)
    y = text["y"].format(outcome=outcome or result.outcome)
    if unit:
        y += f"\n（{unit}）" if lang == "zh" else f"\n({unit})"
    legend = text["ci"].format(level=round(100 * (1 - result.alpha)))
    p = result.extra.get("pretrend_p")
    if p is not None and p == p:
        legend += "; " + text["pretest"].format(p=float(p))
    return {"title": text["title"].format(ref=result.extra.get("ref", -1)), "x": text["x"],
            "y": y, "legend": legend, "pre": text["pre"], "post": text["post"]}


#: label every k-th period, k the first of these wide enough (0 is always labelled)
_STEPS = (1, 2, 3, 4, 5, 6, 10, 12, 20, 24, 50, 100)


def period_step(times: list[float], px_per_period: float, widest: float,
                gap: float = 6.0) -> int:
    """How many periods apart the x labels are (1: every period): the smallest step of
    1, 2, 3, 4, 5, 6, 10, 12 … at which labels ``widest`` px wide, centred on their
    periods ``px_per_period`` apart, keep at least ``gap`` px between them."""
    if len(times) < 2 or px_per_period <= 0:
        return 1
    for step in _STEPS:
        if step * px_per_period >= widest + gap:
            return step
    return max(1, math.ceil((widest + gap) / px_per_period))


def period_labels(times: list[float], step: int) -> list[tuple[float, str]]:
    """``(time, label)`` for the periods labelled at ``step``: multiples of ``step``, so
    that 0 (the start) is always among them (every ``step``-th period when the periods are
    not whole numbers); whole numbers without a decimal point."""
    periods = sorted(set(times))
    chosen = [t for t in periods if step == 1 or (float(t).is_integer() and int(t) % step == 0)]
    return [(t, period_text(t)) for t in chosen or periods[::step]]


def event_study_svg(result: EffectResult, lang: str, *, outcome: str | None = None,
                    unit: str | None = None) -> str:
    """The event-study chart of a report as SVG text (no matplotlib).

    As :func:`evalkit.plot.event_study.plot_event_study`: a point per period relative to
    the start of the service with its ``1 - alpha`` confidence interval (grey before the
    start, blue after it), the reference period hollow (0 by construction), a dashed line
    where the service starts (between -1 and 0) and a line at zero; the legend's title gives
    the interval level and the pre-trend test. Period labels are thinned (every 2nd, 3rd …
    period, always including 0) only when they would otherwise touch.

    Parameters
    ----------
    result
        From ``ek.event_study`` (``extra["event_times"]``) or ``ek.staggered_did(...,
        aggregate="dynamic")``.
    lang
        ``"zh"`` or ``"en"``.
    outcome, unit
        The outcome's name and unit for the y axis; the result's column name when not
        given.

    Returns
    -------
    str
        ``<svg …>…</svg>``; the same input gives the same text.
    """
    words = event_words(result, lang, outcome=outcome, unit=unit)
    points = event_estimates(result)
    times = [p.time for p in points] or [-1.0, 0.0]
    values = [v for p in points for v in (p.estimate, p.low, p.high) if math.isfinite(v)]
    yticks = nice_ticks(min([0.0, *values]), max([0.0, *values]), 6)
    ylabels = [tick_text(t, yticks) for t in yticks]
    kinds = {p.kind for p in points}
    items = [(kind, colour, words[key]) for key, colour, kind in
             (("pre", PRE, "point"), ("post", POST, "point")) if key in kinds]
    width = 640.0
    lo_t, hi_t = min(*times, -0.5) - 0.6, max(*times, -0.5) + 0.6  # the start line inside
    all_labels = [period_text(t) for t in times]
    page = layout(width, lang=lang, title=words["title"], items=items, note=words["legend"],
                  ylabels=ylabels, xlabels=all_labels, ytitle=words["y"], xtitle=words["x"])
    svg = page.svg
    left, top, w, h = page.box
    x = Linear((lo_t, hi_t), (left, left + w))
    y = Linear((yticks[0], yticks[-1]), (top + h, top))
    step = period_step(times, w / (hi_t - lo_t), tick_room(all_labels))
    ticks = period_labels(times, step)
    axes(svg, page.box, x=x, y=y, xticks=[t for t, _ in ticks],
         yticks=yticks, xlabels=[s for _, s in ticks], ylabels=ylabels, ytitle=words["y"],
         xtitle=words["x"], grid="y")
    svg.line(left, y(0.0), left + w, y(0.0), stroke="#000000", width=0.8)
    svg.line(x(-0.5), top, x(-0.5), top + h, stroke="#999999", width=0.8, dash="4 3")
    for p in points:
        px, py = x(p.time), y(p.estimate)
        if p.kind == "reference":
            svg.circle(px, py, 3.5, fill="#ffffff", stroke=PRE, width=1.2)
            continue
        colour = PRE if p.kind == "pre" else POST
        if math.isfinite(p.low) and math.isfinite(p.high):
            y0, y1 = y(p.low), y(p.high)
            svg.line(px, y0, px, y1, stroke=colour, width=1.3)
            svg.line(px - 3, y0, px + 3, y0, stroke=colour, width=1.3)
            svg.line(px - 3, y1, px + 3, y1, stroke=colour, width=1.3)
        svg.circle(px, py, 3.5, fill=colour)
    return svg.to_string()
