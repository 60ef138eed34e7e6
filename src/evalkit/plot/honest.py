"""Chart for the parallel-trends sensitivity analysis (:func:`evalkit.estimate.honest.honest_did`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import RenderError
from evalkit.plot.base import labels as chart_words
from evalkit.plot.base import new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["TEXT", "plot_honest_did"]

_TEXT = {
    "en": {
        "original": "original (parallel trends)", "tick": "original", "robust": "robust interval",
        "rm": "M̄: post-period violation at most M̄ × the largest pre-period one",
        "sd": "M: change in the slope of the trend difference per period",
        "y": "effect (95% interval)", "title": "How robust is the effect to non-parallel trends?",
        "breakdown": "breakdown {value}",
    },
    "zh": {
        "original": "原区间（平行趋势）", "tick": "原区间", "robust": "稳健区间",
        "rm": "M̄：服务开始后的趋势偏离不超过开始前最大偏离的 M̄ 倍",
        "sd": "M：趋势差异的斜率每期变化的上限",
        "y": "效应（95% 区间）", "title": "若平行趋势不成立，效应是否稳健？",
        "breakdown": "临界值 {value}",
    },
}
#: the chart's words (zh/en), shared with its SVG version in the HTML/PDF reports
TEXT = _TEXT


def plot_honest_did(frame: pd.DataFrame, lang: str = "en", *, ax: Any = None) -> Figure:
    """Robust interval per bound M (or M̄) beside the original interval, with the breakdown.

    ``frame`` is the output of :func:`ek.honest_did <evalkit.estimate.honest.honest_did>`.
    Like R HonestDiD's ``createSensitivityPlot`` / ``createSensitivityPlot_relativeMagnitudes``.
    Drawn on ``ax`` (a matplotlib Axes; its figure is returned) or on a new figure.
    """
    text = chart_words(_TEXT, lang)
    if not {"m", "lb", "ub"} <= set(frame.columns) or "original" not in frame.attrs:
        raise RenderError("plot_honest_did: expected the output of ek.honest_did (columns m, "
                          "lb, ub and attrs['original'])", hint="pass ek.honest_did(...)")
    m = frame["m"].to_numpy(dtype=float)
    lb, ub = frame["lb"].to_numpy(dtype=float), frame["ub"].to_numpy(dtype=float)
    gaps = np.diff(np.sort(m))
    step = float(gaps.min()) if gaps.size else 1.0
    step = step if step > 0 else 1.0
    x_orig = float(m.min()) - step
    fig, ax = new_figure(6.4, 3.8, ax=ax)
    o_lb, o_ub = frame.attrs["original"]
    ax.errorbar([x_orig], [(o_lb + o_ub) / 2], yerr=[[(o_ub - o_lb) / 2]], fmt="none",
                ecolor="#d62728", capsize=4, linewidth=1.6, label=text["original"])
    ax.errorbar(m, (lb + ub) / 2, yerr=[(ub - lb) / 2, (ub - lb) / 2], fmt="none",
                ecolor="#1f77b4", capsize=4, linewidth=1.6, label=text["robust"])
    ax.axhline(0.0, color="#666666", linewidth=0.8)
    bd = float(frame.attrs.get("breakdown", math.nan))
    if math.isfinite(bd):
        ax.axvline(bd, color="#999999", linestyle=":", linewidth=0.9,
                   label=text["breakdown"].format(value=f"{bd:.3g}"))
    ax.set_xticks([x_orig, *m.tolist()])
    ax.set_xticklabels([text["tick"], *[f"{v:g}" for v in m]], fontsize=8)
    rm = frame.attrs.get("method") == "relative_magnitude"
    ax.set_xlabel(text["rm"] if rm else text["sd"], fontsize=8)
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"], fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig
