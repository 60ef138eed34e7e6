"""Coefficient chart: each term's estimate with its confidence interval, against zero."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.errors import RenderError
from evalkit.plot.base import labels, new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["plot_estimates"]

_TEXT = {
    "en": {"y": "estimate ({level}% CI)", "title": "{outcome}"},
    "zh": {"y": "估计值（{level}% 置信区间）", "title": "{outcome}"},
}


def plot_estimates(frame: pd.DataFrame, lang: str = "en", *, outcome: str = "",
                   level: float = 95, ax: Any = None) -> Figure:
    """One point per term at its estimate, bars from ``conf_low`` to ``conf_high``.

    Like pyfixest's ``coefplot`` or Stata's ``coefplot``, vertical: the terms along the x
    axis in the frame's order, a line at zero.

    Parameters
    ----------
    frame
        A tidy table with columns ``term``, ``estimate``, ``conf_low`` and ``conf_high`` (a
        result's ``to_frame()``). An infinite bound (a one-sided interval) is drawn to the
        edge of the picture.
    lang
        ``"en"`` or ``"zh"`` labels.
    outcome
        Title (the outcome's name).
    level
        Confidence level in percent, for the axis label.
    ax
        Where to draw: an Axes of your own (whose figure is returned), else a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = labels(_TEXT, lang)
    if not {"term", "estimate", "conf_low", "conf_high"} <= set(frame.columns):
        raise RenderError("plot_estimates: expected columns term, estimate, conf_low, conf_high",
                          hint="pass a result's to_frame()")
    import numpy as np

    est = frame["estimate"].to_numpy(dtype=float)
    lo = frame["conf_low"].to_numpy(dtype=float)
    hi = frame["conf_high"].to_numpy(dtype=float)
    fig, ax = new_figure(max(3.2, 0.9 * len(frame) + 2.0), 3.4, ax=ax)
    x = np.arange(len(frame), dtype=float)
    finite = np.isfinite(np.r_[lo, hi, est])
    span = np.r_[lo, hi, est][finite]
    pad = float(np.ptp(span)) if span.size else 1.0
    edge_lo = (span.min() if span.size else 0.0) - pad
    edge_hi = (span.max() if span.size else 0.0) + pad
    lo_drawn = np.where(np.isfinite(lo), lo, edge_lo)
    hi_drawn = np.where(np.isfinite(hi), hi, edge_hi)
    ax.errorbar(x, est, yerr=[np.maximum(est - lo_drawn, 0), np.maximum(hi_drawn - est, 0)],
                fmt="o", color="#1f77b4", capsize=4)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [str(t) for t in frame["term"]], fontsize=8)
    ax.set_xlim(-0.6, len(frame) - 0.4)
    ax.set_ylabel(text["y"].format(level=f"{level:g}"), fontsize=9)
    if outcome:
        ax.set_title(text["title"].format(outcome=outcome), fontsize=10)
    return fig
