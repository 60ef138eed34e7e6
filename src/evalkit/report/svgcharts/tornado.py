"""Tornado chart of a one-way SROI sensitivity analysis, as SVG.

The same chart as :func:`evalkit.plot.tornado.tornado` (same factors in the same order, the
same bars from the base ratio and words), written directly as SVG for the HTML and PDF
reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.plot.tornado import TORNADO_LABELS, top_factors
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

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["tornado_svg"]

WIDTH = 620.0
_LABEL_SIZE = 12.0
_VALUE_SIZE = 10.5
_TITLE_SIZE = 14.0
_LABEL_MAX = 260.0  # px: a longer factor label wraps
_LOW, _HIGH = "#4878a8", "#e08a3c"


def tornado_svg(sensitivity: pd.DataFrame, ratio: float, *, lang: str, top: int = 12) -> str:
    """Horizontal bars from the base ratio to the ratio at each factor's low and high value,
    as SVG text.

    Parameters
    ----------
    sensitivity
        Columns ``label_zh``, ``label_en``, ``low_value``, ``high_value``, ``ratio_low``,
        ``ratio_high`` (:attr:`evalkit.assess.sroi.SroiResult.sensitivity`).
    ratio
        The base-case SROI ratio (the vertical line).
    lang
        "zh" or "en".
    top
        Show the ``top`` factors with the largest swing, largest at the top (ties keep
        their order), as :func:`evalkit.plot.tornado.tornado` does.

    Returns
    -------
    str
        ``<svg …>…</svg>``; each bar end carries the factor's value there.
    """
    from evalkit._checks import check_lang

    check_lang(lang)
    text = TORNADO_LABELS[lang]
    base = float(ratio)
    frame = top_factors(sensitivity, top)
    labels = ["\n".join(wrap(str(v), _LABEL_MAX, _LABEL_SIZE))
              for v in frame[f"label_{lang}"].astype(str)]
    low = frame["ratio_low"].to_numpy(dtype=float)
    high = frame["ratio_high"].to_numpy(dtype=float)
    values = [(f"{vlo:,.4g}", f"{vhi:,.4g}") for vlo, vhi in
              zip(frame["low_value"], frame["high_value"], strict=True)]
    base_text = f"{text['base']} 1:{base:.2f}"
    xtitle = (f"{text['axis']}（{base_text}）" if lang == "zh" else
              f"{text['axis']} ({base_text})")

    title_lines = wrap(text["title"], WIDTH - 16, _TITLE_SIZE, bold=True)
    plot_top = 8 + len(title_lines) * LINE_HEIGHT * _TITLE_SIZE + 8
    left = 8 + margin_for(labels, _LABEL_SIZE) + 8
    right = WIDTH - 12
    pad = 6 + max((text_width(v, _VALUE_SIZE) for pair in values for v in pair), default=0.0)
    lo = min([base, *low, *high])
    hi = max([base, *low, *high])
    span = hi - lo or abs(base) or 1.0
    # the values written at the bar ends sit inside the plotting area, beyond the bars
    x = Linear((lo, hi), (left + pad, right - pad)) if hi > lo else \
        Linear((lo - span / 2, hi + span / 2), (left + pad, right - pad))
    per_px = (x.domain[1] - x.domain[0]) / max(right - left - 2 * pad, 1.0)
    shown = (x.domain[0] - pad * per_px, x.domain[1] + pad * per_px)
    xticks = [t for t in nice_ticks(shown[0], shown[1], 6) if shown[0] <= t <= shown[1]]
    row_h = [max(26.0, (lab.count("\n") + 1) * LINE_HEIGHT * _LABEL_SIZE + 6)
             for lab in labels]
    height = sum(row_h) if row_h else 24.0

    svg = Svg(WIDTH, 0, lang=lang, title=text["title"])
    svg.text(WIDTH / 2, 8, "\n".join(title_lines), size=_TITLE_SIZE, anchor="middle",
             baseline="top", weight="bold")
    bx = x(base)
    for k, (label, rlo, rhi, (vlo, vhi)) in enumerate(zip(labels, low, high, values,
                                                          strict=True)):
        mid = plot_top + sum(row_h[:k]) + row_h[k] / 2
        svg.text(left - 8, mid, label, size=_LABEL_SIZE, anchor="end")
        tol = 1e-9 * max(1.0, abs(base))
        sides = [0 if abs(r - base) <= tol else (-1 if r < base else 1) for r in (rlo, rhi)]
        # both ratios on the same side of the base (a factor that is not monotone): each bar
        # half as high, low above high, so the longer never hides the shorter
        split = sides[0] == sides[1] != 0
        for j, (r, v, colour) in enumerate(((rlo, vlo, _LOW), (rhi, vhi, _HIGH))):
            y0, h = (mid - 8 + 8 * j, 8.0) if split else (mid - 8, 16.0)
            svg.rect(bx, y0, x(r) - bx, h, fill=colour)
            # left of the base when the ratio is below it, right when above; a bar of no
            # length writes its value on the side the other bar leaves free (low value on
            # the left, high on the right when both have no length)
            direction = sides[j] or -sides[1 - j] or (-1 if j == 0 else 1)
            svg.text(x(r) + 3 * direction, mid + ((j - 0.5) * 13 if split else 0), v,
                     size=_VALUE_SIZE, anchor="end" if direction < 0 else "start")
    axes(svg, (left, plot_top, right - left, height),
         x=Linear(shown, (left, right)), y=Linear((0.0, 1.0), (plot_top + height, plot_top)),
         xticks=xticks, yticks=[], xtitle=xtitle)
    svg.line(bx, plot_top, bx, plot_top + height, stroke="#333333", width=1.0)
    legend_top = plot_top + height + x_axis_height(xtitle, right - left) + 10
    used = legend(svg, [("rect", _LOW, text["low"]), ("rect", _HIGH, text["high"])], x=8,
                  y=legend_top, width=WIDTH - 16, size=TICK_SIZE, align="center")
    svg.height = legend_top + used + 8
    return svg.to_string()
