"""Pre/post distribution chart as SVG: the outcome before and after the service.

The same chart as :func:`evalkit.plot.prepost.plot_prepost` (same bins, shares, means and
words), written directly as SVG for the HTML and PDF reports.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.plot.base import labels as chart_words
from evalkit.plot.prepost import TEXT, prepost_shares
from evalkit.report.svgcharts.core import (
    LINE_HEIGHT,
    TICK_SIZE,
    Linear,
    Svg,
    axes,
    legend,
    nice_ticks,
    text_width,
    tick_text,
    wrap,
    x_axis_height,
    y_axis_width,
)

__all__ = ["prepost_svg"]

WIDTH = 620.0
_PLOT_H = 220.0
_TITLE_SIZE = 14.0
_MEAN_SIZE = 11.0
_COLOURS = {"pre": ("#9aa5ae", "#6f7a83"), "post": ("#1f6fb2", "#1f6fb2")}  # bar, mean line


def prepost_svg(pre: Sequence[float], post: Sequence[float], *, lang: str,
                outcome: str | None = None, value_range: tuple[float, float] | None = None,
                bins: int | None = None) -> str:
    """Histograms (as shares of people) of the outcome at pre-test and post-test with their
    means, as SVG text.

    Bins, shares and means are those of :func:`evalkit.plot.prepost.plot_prepost`: ``bins``
    (default 8) equal bins over ``value_range`` (or the data's range), the last one closed;
    a bin's bar is its count over the wave's number of people, in percent.

    Parameters
    ----------
    pre, post
        Values of the outcome (missing values are ignored).
    lang
        "zh" or "en".
    outcome
        Name of the outcome for the title.
    value_range
        ``(min, max)`` of the scale, e.g. ``(1, 5)``.
    bins
        Number of equal bins over ``value_range`` (or the data's range); default 8.

    Returns
    -------
    str
        ``<svg …>…</svg>``.

    Examples
    --------
    >>> svg = prepost_svg([1, 2, 3], [3, 4, 5], lang="en", outcome="score",
    ...                   value_range=(1, 5))
    >>> "mean 2.00" in svg and "mean 4.00" in svg
    True
    """
    text = chart_words(TEXT, lang)
    data = prepost_shares(pre, post, bins=bins, value_range=value_range)
    a, b, edges = data["pre"], data["post"], data["edges"]
    lo, hi = float(data["lo"]), float(data["hi"])
    centres = (edges[:-1] + edges[1:]) / 2
    bar_w = float(edges[1] - edges[0]) * 0.4
    shares = dict(zip(("pre", "post"), data["shares"], strict=True))
    means = dict(zip(("pre", "post"), data["means"], strict=True))
    top = max(float(s.max()) if s.size else 0.0 for s in shares.values())
    ymax = top * 1.22 if top else 1.0

    title = text["title"].format(outcome=outcome or "", n_pre=a.size, n_post=b.size)
    title_lines = wrap(title, WIDTH - 16, _TITLE_SIZE, bold=True)
    items = [("rect", _COLOURS[k][0], text[k]) for k in ("pre", "post")]
    legend_top = 8 + len(title_lines) * LINE_HEIGHT * _TITLE_SIZE + 4
    svg = Svg(WIDTH, 0, lang=lang, title=title)
    svg.text(WIDTH / 2, 8, "\n".join(title_lines), size=_TITLE_SIZE, anchor="middle",
             baseline="top", weight="bold")
    used = legend(svg, items, x=8, y=legend_top, width=WIDTH - 16, size=TICK_SIZE,
                  align="center")
    plot_top = legend_top + used + 6

    yticks = [t for t in nice_ticks(0.0, ymax, 7) if t <= ymax + 1e-9]
    ylabels = [tick_text(t, yticks) for t in yticks]
    left = 8 + y_axis_width(ylabels, text["y"], _PLOT_H)
    right = WIDTH - 12
    pad = 0.04 * (hi - lo)
    x = Linear((lo - pad, hi + pad), (left, right))
    y = Linear((0.0, ymax), (plot_top + _PLOT_H, plot_top))
    xticks = [t for t in nice_ticks(lo, hi, 8) if lo - pad <= t <= hi + pad]
    xtitle = text["x"].format(lo=lo, hi=hi)
    for key, shift in (("pre", -bar_w / 2), ("post", bar_w / 2)):
        for centre, share in zip(centres, shares[key], strict=True):
            x0, x1 = x(centre + shift - bar_w / 2), x(centre + shift + bar_w / 2)
            svg.rect(x0, y(float(share)), x1 - x0, y(0.0) - y(float(share)),
                     fill=_COLOURS[key][0])
    axes(svg, (left, plot_top, right - left, _PLOT_H), x=x, y=y, xticks=xticks, yticks=yticks,
         ylabels=ylabels, xtitle=xtitle, ytitle=text["y"])
    # the lower mean's label to the left of its line, the higher to the right: no overlap; a
    # label with no room on its side goes to the other, a line lower if it would then touch
    lower = "pre" if means["post"] is None or (means["pre"] is not None and
                                               means["pre"] <= means["post"]) else "post"
    placed: list[tuple[float, float, int]] = []
    for key in ("pre", "post"):
        mean = means[key]
        if mean is None:
            continue
        colour = _COLOURS[key][1]
        px = x(mean)
        svg.line(px, plot_top, px, plot_top + _PLOT_H, stroke=colour, width=1.0, dash="4 3")
        label = text["mean"].format(v=mean)
        width = text_width(label, _MEAN_SIZE)
        on_left = key == lower
        if (on_left and px - 4 - width < left) or (not on_left and px + 4 + width > right):
            on_left = not on_left
        x0 = px - 4 - width if on_left else px + 4
        row = 0
        while any(r == row and x0 < b1 + 2 and b0 < x0 + width + 2 for b0, b1, r in placed):
            row += 1
        placed.append((x0, x0 + width, row))
        svg.text(px - 4 if on_left else px + 4, plot_top + 2 + row * LINE_HEIGHT * _MEAN_SIZE,
                 label, size=_MEAN_SIZE, anchor="end" if on_left else "start", baseline="top",
                 fill=colour)
    svg.height = plot_top + _PLOT_H + x_axis_height(xtitle, right - left) + 10
    return svg.to_string()
