"""Charts of the small-program designs as SVG text: interrupted time series and synthetic
comparison (synthetic control / synthetic DiD), drawn without matplotlib.

The same charts as :func:`evalkit.plot.designs.plot_its` and
:func:`evalkit.plot.designs.plot_synth` (their words, series, donor weights), written
directly as SVG by :mod:`evalkit.report.svgcharts.core`. :func:`its_parts`,
:func:`synth_parts` (with :func:`evalkit.plot.designs.top_donors`, shared with the
matplotlib chart) decide what is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.errors import RenderError
from evalkit.plot.base import labels as chart_words
from evalkit.plot.designs import TEXT, period_text, top_donors
from evalkit.report.svgcharts.core import (
    LINE_HEIGHT,
    TICK_SIZE,
    TITLE_SIZE,
    Linear,
    axes,
    margin_for,
    nice_ticks,
    text_width,
    tick_text,
    wrap,
)
from evalkit.report.svgcharts.event_study import period_step
from evalkit.report.svgcharts.frame import fitting_ticks, layout, tick_room

if TYPE_CHECKING:

    from evalkit.estimate.results import EffectResult

__all__ = ["ItsParts", "SynthParts", "its_parts", "its_svg", "synth_parts", "synth_svg"]

#: font size (px) of the "service starts" label over the start line
_START_SIZE = 10.5


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


@dataclass(frozen=True)
class ItsParts:
    """What an interrupted-time-series chart draws: the periods ``t``, the observed values,
    the fitted segments before and after the start (``(t, fitted)`` pairs), the
    counterfactual after it, and ``start`` (the first period with the service)."""
    t: list[float]
    observed: list[float]
    before: list[tuple[float, float]]
    after: list[tuple[float, float]]
    counterfactual: list[tuple[float, float]]
    start: float
    time_column: str


def its_parts(result: EffectResult) -> ItsParts:
    """The series of an ``ek.its`` result; RenderError for another result."""
    series = result.extra.get("series")
    if series is None:
        raise RenderError(f"its_svg: the result ({result.method}) is not from ek.its",
                          hint="pass a result of ek.its(...)")
    t = _floats(series.iloc[:, 0])
    post = [bool(v) for v in series["post"]]
    fitted = _floats(series["fitted"])
    cf = _floats(series["counterfactual"])
    return ItsParts(
        t=t, observed=_floats(series["observed"]),
        before=[(a, f) for a, f, p in zip(t, fitted, post, strict=True) if not p],
        after=[(a, f) for a, f, p in zip(t, fitted, post, strict=True) if p],
        counterfactual=[(a, c) for a, c, p in zip(t, cf, post, strict=True) if p],
        start=float(result.spec["start"]), time_column=str(series.columns[0]))


@dataclass(frozen=True)
class SynthParts:
    """What a synthetic-comparison chart draws: the period labels, the treated and the
    synthetic path (one value per period), the index of the first period with the service,
    the pre-period time weights (SDID; empty when there are none) and the donors."""
    periods: list[str]
    treated: list[float]
    synthetic: list[float]
    start: int
    time_weights: list[float]
    donors: list[tuple[str, float]]


def synth_parts(result: EffectResult, top: int = 8,
                labels: Mapping[Any, str] | None = None) -> SynthParts:
    """The paths, time weights and top donors of an ``ek.synth`` result; RenderError for
    another result."""
    traj = result.extra.get("trajectories")
    weights = result.extra.get("unit_weights")
    if traj is None or weights is None:
        raise RenderError(f"synth_svg: the result ({result.method}) is not from ek.synth",
                          hint="pass a result of ek.synth(...)")
    post = [bool(v) for v in traj["post"]]
    lam = result.extra.get("time_weights")
    lam_values = _floats(lam) if lam is not None else []
    if not sum(abs(v) for v in lam_values if math.isfinite(v)) > 0:
        lam_values = []
    return SynthParts(
        periods=[period_text(v) for v in traj[traj.columns[0]].to_numpy()],
        treated=_floats(traj["treated"]), synthetic=_floats(traj["synthetic"]),
        start=post.index(True) if True in post else 0, time_weights=lam_values,
        donors=top_donors(weights, top, labels))


def design_words(result: EffectResult, lang: str) -> dict[str, str]:
    """The words of :mod:`evalkit.plot.designs` in ``lang``, with the titles filled in."""
    text = dict(chart_words(TEXT, lang))
    text["its_title"] = text["its_title"].format(outcome=result.outcome)
    text["synth_title"] = text["synth_title"].format(method=result.design_label(lang),
                                                     outcome=result.outcome)
    return text


def _whole_ticks(lo: float, hi: float, n: int = 8) -> list[float]:
    """Round ticks between ``lo`` and ``hi``, whole numbers only (no 2.5 between periods
    2 and 3)."""
    ticks = [t for t in nice_ticks(lo, hi, n) if float(t).is_integer()]
    return ticks if len(ticks) >= 2 else [float(math.floor(lo)), float(math.ceil(hi))]


def _start_label(svg: Any, x: float, y: float, text: str, right: float) -> None:
    """``text`` (e.g. "service starts") just right of the start line, in the strip above
    the plotting area; right-aligned to the line when it would run past ``right``."""
    size = _START_SIZE
    if x + 3 + text_width(text, size) <= right:
        svg.text(x + 3, y, text, size=size, baseline="top", fill="#555555")
    else:
        svg.text(x - 3, y, text, size=size, anchor="end", baseline="top", fill="#555555")


def its_svg(result: EffectResult, lang: str, *, time_label: str | None = None) -> str:
    """The interrupted-time-series chart of a report as SVG text (no matplotlib).

    As :func:`evalkit.plot.designs.plot_its`: the observed values (grey points), the fitted
    segments before and after the start (blue) and, after it, the counterfactual (the
    earlier trend continued, dashed); a dotted line marks the start ("service starts" over
    it). Whole-number periods get whole-number ticks. The time axis is titled
    ``time_label`` (the time column's description in the report's language), by default
    the time column's name.

    Returns
    -------
    str
        ``<svg …>…</svg>``; the same input gives the same text.
    """
    text = design_words(result, lang)
    parts = its_parts(result)
    cut = parts.start - 0.5
    ts = [*parts.t, cut]
    lo_t, hi_t = min(ts), max(ts)
    span = (hi_t - lo_t) or 1.0
    whole = bool(parts.t) and all(float(v).is_integer() for v in parts.t)
    xticks = (_whole_ticks(lo_t, hi_t) if whole else nice_ticks(lo_t, hi_t, 8))
    xlabels = [period_text(t) if whole else tick_text(t, xticks) for t in xticks]
    values = [v for v in (*parts.observed, *(f for _, f in parts.before),
                          *(f for _, f in parts.after), *(c for _, c in parts.counterfactual))
              if math.isfinite(v)] or [0.0, 1.0]
    yticks = nice_ticks(min(values), max(values), 6)
    ylabels = [tick_text(t, yticks) for t in yticks]
    items = [("point", "#6c757d", text["observed"]), ("line", "#1f77b4", text["fitted"]),
             ("dash", "#1f77b4", text["counterfactual"])]
    xtitle = parts.time_column if time_label is None else time_label
    page = layout(640.0, lang=lang, title=text["its_title"], items=items, ylabels=ylabels,
                  xlabels=xlabels, ytitle=result.outcome, xtitle=xtitle,
                  strip=LINE_HEIGHT * _START_SIZE + 2)
    svg = page.svg
    left, top, w, h = page.box
    x = Linear((lo_t - 0.03 * span, hi_t + 0.03 * span), (left, left + w))
    y = Linear((yticks[0], yticks[-1]), (top + h, top))
    axes(svg, page.box, x=x, y=y, xticks=xticks, yticks=yticks, xlabels=xlabels,
         ylabels=ylabels, ytitle=result.outcome, xtitle=xtitle, grid="y")
    svg.line(x(cut), page.strip, x(cut), top + h, stroke="#999999", width=0.8, dash="2 2")
    _start_label(svg, x(cut), page.strip, text["start"], left + w)
    for t, v in zip(parts.t, parts.observed, strict=True):
        if math.isfinite(v):
            svg.circle(x(t), y(v), 2.4, fill="#6c757d")
    for segment, dash in ((parts.before, None), (parts.after, None),
                          (parts.counterfactual, "5 3")):
        svg.path([(x(t), y(v)) for t, v in segment if math.isfinite(v)], stroke="#1f77b4",
                 width=1.6, dash=dash)
    return svg.to_string()


def synth_svg(result: EffectResult, lang: str, top: int = 8, *,
              labels: Mapping[Any, str] | None = None) -> str:
    """The synthetic-comparison chart of a report as SVG text (no matplotlib).

    As :func:`evalkit.plot.designs.plot_synth`, two panels. Left: the treated units' mean
    (blue) and the synthetic comparison (red, dashed) by period, a dotted line where the
    service starts and, for synthetic DiD, the pre-period time weights as grey bars along
    the bottom (a weight of 1 a quarter of the axis high). Right: the ``top`` largest donor
    weights, each donor named ``labels[unit]`` (display names; the report passes site names,
    or ``#1``, ``#2`` … for units that identify people) or by its id; a long name wraps.

    Returns
    -------
    str
        ``<svg …>…</svg>``; the same input gives the same text.
    """
    text = design_words(result, lang)
    parts = synth_parts(result, top, labels)
    n = len(parts.periods)
    width = 680.0
    names = ["\n".join(wrap(name, 150.0, TICK_SIZE)) for name, _ in parts.donors]
    panel = (margin_for(names, TICK_SIZE) + 7 + 130 + 12) if parts.donors else 0.0
    values = [v for v in (*parts.treated, *parts.synthetic) if math.isfinite(v)] or [0.0, 1.0]
    yticks = nice_ticks(min(values), max(values), 6)
    ylabels = [tick_text(t, yticks) for t in yticks]
    items = [("line", "#1f77b4", text["treated"]), ("dash", "#d62728", text["synthetic"])]
    if parts.time_weights:
        items.append(("rect", "#bbbbbb", text["time_w"]))
    # every donor's name on a band of its own, as high as the tallest name and 8 px apart
    band = max((name.count("\n") + 1 for name in names), default=1) * LINE_HEIGHT * TICK_SIZE
    page = layout(width, lang=lang, title=text["synth_title"], items=items, ylabels=ylabels,
                  xlabels=parts.periods, ytitle=result.outcome, xtitle=None,
                  strip=LINE_HEIGHT * TITLE_SIZE + 2,
                  right=14.0 + (panel + 24 if panel else 0.0),
                  plot_height=max(230.0, len(names) * (band + 8)))
    svg = page.svg
    left, top_, w, h = page.box
    x = Linear((-0.6, n - 0.4), (left, left + w))
    y = Linear((yticks[0], yticks[-1]), (top_ + h, top_))
    step = max(max(1, n // 8), period_step(list(range(n)), w / (n + 0.2 if n else 1.0),
                                             tick_room(parts.periods)))
    idx = list(range(0, n, step))
    axes(svg, page.box, x=x, y=y, xticks=[float(i) for i in idx], yticks=yticks,
         xlabels=[parts.periods[i] for i in idx], ylabels=ylabels, ytitle=result.outcome,
         grid="y")
    for k, lam in enumerate(parts.time_weights[:n]):
        if math.isfinite(lam) and lam > 0:
            bar = lam * 0.25 * h
            svg.rect(x(k - 0.4), top_ + h - bar, x(k + 0.4) - x(k - 0.4), bar, fill="#bbbbbb")
    cut = x(parts.start - 0.5)
    svg.line(cut, page.strip, cut, top_ + h, stroke="#999999", width=0.8, dash="2 2")
    _start_label(svg, cut, page.strip, text["start"], left + w)
    for path, colour, dash in ((parts.treated, "#1f77b4", None),
                               (parts.synthetic, "#d62728", "5 3")):
        svg.path([(x(k), y(v)) for k, v in enumerate(path) if math.isfinite(v)],
                 stroke=colour, width=1.6, dash=dash)
    if parts.donors:
        _weights_panel(svg, parts.donors, names, (width - 14.0 - panel, top_, panel, h),
                       page.strip, text["weights"].format(k=len(parts.donors)))
    return svg.to_string()


def _weights_panel(svg: Any, donors: list[tuple[str, float]], names: list[str],
                   area: tuple[float, float, float, float], strip: float, title: str) -> None:
    """Horizontal bars of the donor weights, largest on top, in ``area`` = (left, top,
    width, height); its title in the strip above."""
    left, top, width, height = area
    bars = left + margin_for(names, TICK_SIZE) + 7
    box = (bars, top, left + width - 12 - bars, height)
    xticks = fitting_ticks(0.0, max(v for _, v in donors), box[2], 3)
    x = Linear((0.0, xticks[-1]), (box[0], box[0] + box[2]))
    y = Linear((-0.5, len(donors) - 0.5), (top, top + height))
    axes(svg, box, x=x, y=y, xticks=xticks, yticks=[float(k) for k in range(len(donors))],
         xlabels=[tick_text(t, xticks) for t in xticks], ylabels=names, grid="x")
    band = min(height / len(donors) * 0.7, 22.0)
    for k, (_, value) in enumerate(donors):
        svg.rect(x(0.0), y(k) - band / 2, x(value) - x(0.0), band, fill="#d62728")
    svg.text(box[0] + box[2] / 2, strip, title, size=TITLE_SIZE, anchor="middle", baseline="top")
