"""Charts for the small-program designs: synthetic control / SDID and interrupted time series."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import RenderError
from evalkit.plot.base import labels as chart_words
from evalkit.plot.base import new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from evalkit.estimate.results import EffectResult

__all__ = ["TEXT", "ZERO_WEIGHT", "period_text", "plot_its", "plot_synth", "top_donors"]

_TEXT = {
    "en": {
        "treated": "treated", "synthetic": "synthetic comparison", "start": "service starts",
        "weights": "donor weights (top {k})", "time_w": "pre-period weights",
        "observed": "observed", "fitted": "fitted", "counterfactual": "without the service "
        "(earlier trend continued)", "its_title": "Interrupted time series: {outcome}",
        "synth_title": "{method}: {outcome}",
    },
    "zh": {
        "treated": "干预单位", "synthetic": "合成对照", "start": "服务开始",
        "weights": "对照单位权重（前 {k} 个）", "time_w": "前期时间权重",
        "observed": "观测值", "fitted": "拟合值", "counterfactual": "无服务时（延续原趋势）",
        "its_title": "中断时间序列：{outcome}", "synth_title": "{method}：{outcome}",
    },
}
#: the chart's words (zh/en), shared with its SVG version in the HTML/PDF reports
TEXT = _TEXT


def _period_text(value: Any) -> str:
    """A period as a tick label: whole numbers without a decimal point (``2019``, not
    ``2019.0``); anything else as written."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


#: a period as a tick label (shared with the SVG charts of the HTML/PDF reports)
period_text = _period_text

#: a donor weight at most this is a numerical zero: no bar, no name (as the report's weights
#: table, so that the report's donor labels name every bar)
ZERO_WEIGHT = 1e-9


def top_donors(weights: pd.Series, top: int,
               labels: Mapping[Any, str] | None = None) -> list[tuple[str, float]]:
    """``(name, weight)`` of the ``top`` donors with the largest weights, largest first
    (weights of at most :data:`ZERO_WEIGHT` left out); a donor is named ``labels[unit]``,
    by its id when ``labels`` does not have it. Used by :func:`plot_synth` and by the SVG
    chart of the HTML/PDF reports."""
    w = weights[weights > ZERO_WEIGHT].sort_values(ascending=False).head(top)
    names = labels or {}
    return [(str(names.get(u, u)), float(v)) for u, v in w.items()]


def plot_synth(result: EffectResult, lang: str = "en", top: int = 8, *,
               ax: Any = None, labels: Mapping[Any, str] | None = None) -> Figure:
    """Treated units' mean against the synthetic comparison, with the donor weights.

    Left: the two paths by period (for SDID the synthetic path is shifted by the
    time-weighted pre-period gap, as in synthdid's plot), the start marked, time weights as
    bars under the pre-period. Right: the ``top`` largest unit weights, each donor named by
    ``labels[unit]`` (display names, e.g. site names in the report's language; a unit not in
    ``labels`` is shown by its id). Whole-number periods are labelled without a decimal
    point. Given ``ax`` (a matplotlib Axes), only the paths are drawn there and its figure
    is returned.
    """
    text = chart_words(_TEXT, lang)
    traj = result.extra.get("trajectories")
    weights = result.extra.get("unit_weights")
    if traj is None or weights is None:
        raise RenderError(f"plot_synth: the result ({result.method}) is not from ek.synth",
                          hint="pass a result of ek.synth(...)")
    axw = None
    if ax is None:
        fig, _ = new_figure(8.4, 3.8)  # evalkit's style and CJK font
        fig.clear()
        ax, axw = fig.subplots(1, 2, width_ratios=[2.2, 1])
    else:
        fig, ax = new_figure(ax=ax)
    time = traj.columns[0]
    x = np.arange(len(traj))
    ax.plot(x, traj["treated"], color="#1f77b4", label=text["treated"])
    ax.plot(x, traj["synthetic"], color="#d62728", linestyle="--", label=text["synthetic"])
    start = int(np.argmax(traj["post"].to_numpy()))
    ax.axvline(start - 0.5, color="#999999", linestyle=":", linewidth=0.8)
    ax.text(start - 0.4, ax.get_ylim()[1], text["start"], va="top", fontsize=8)
    lam = result.extra.get("time_weights")
    if lam is not None and float(np.abs(lam.to_numpy()).sum()) > 0:
        lo, hi = ax.get_ylim()
        ax.bar(x[: len(lam)], lam.to_numpy() * 0.25 * (hi - lo), bottom=lo, color="#bbbbbb",
               width=0.8, label=text["time_w"])
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step], [_period_text(v) for v in traj[time].to_numpy()[::step]])
    ax.set_ylabel(result.outcome)
    method = result.design_label(lang)
    ax.set_title(text["synth_title"].format(method=method, outcome=result.outcome), fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    if axw is None:
        return fig
    donors = top_donors(weights, top, labels)[::-1]  # largest on top
    axw.barh([name for name, _ in donors], [v for _, v in donors], color="#d62728")
    axw.set_title(text["weights"].format(k=len(donors)), fontsize=9)
    axw.tick_params(labelsize=8)
    return fig


def plot_its(result: EffectResult, lang: str = "en", *, ax: Any = None,
             time_label: str | None = None) -> Figure:
    """Observed series, the fitted segments and the counterfactual (earlier trend continued);
    drawn on ``ax`` (a matplotlib Axes; its figure is returned) or on a new figure. The time
    axis is labelled ``time_label`` (e.g. the time column's description in the report's
    language), by default the time column's name."""
    text = chart_words(_TEXT, lang)
    series = result.extra.get("series")
    if series is None:
        raise RenderError(f"plot_its: the result ({result.method}) is not from ek.its",
                          hint="pass a result of ek.its(...)")
    fig, ax = new_figure(6.4, 3.8, ax=ax)
    t = series.iloc[:, 0].to_numpy(dtype=float)
    post = series["post"].to_numpy(dtype=bool)
    ax.plot(t, series["observed"], "o", color="#6c757d", markersize=3, label=text["observed"])
    for mask in (~post, post):
        ax.plot(t[mask], series["fitted"].to_numpy()[mask], color="#1f77b4")
    ax.plot(t[post], series["counterfactual"].to_numpy()[post], color="#1f77b4",
            linestyle="--", label=text["counterfactual"])
    if t.size and np.all(t == np.round(t)):  # whole periods: no 2.5 between months 2 and 3
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axvline(float(result.spec["start"]) - 0.5, color="#999999", linestyle=":", linewidth=0.8)
    ax.set_xlabel(str(series.columns[0]) if time_label is None else time_label)
    ax.set_ylabel(result.outcome)
    ax.set_title(text["its_title"].format(outcome=result.outcome), fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig
