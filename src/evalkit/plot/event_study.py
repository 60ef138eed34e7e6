"""Event-study chart: effect by period relative to the start of the service, with intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.errors import RenderError
from evalkit.plot.base import labels as chart_words
from evalkit.plot.base import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evalkit.estimate.results import EffectResult

__all__ = ["TEXT", "plot_event_study"]

_TEXT = {
    "en": {
        "x": "periods relative to the start of the service",
        "y": "estimated effect on {outcome}",
        "title": "Effect by period (reference period {ref} = 0)",
        "pre": "before",
        "post": "after",
        "ci": "{level}% confidence interval",
        "pretest": "pre-trend test p = {p:.3f}",
    },
    "zh": {
        "x": "相对服务开始的期数",
        "y": "对{outcome}的估计效果",
        "title": "分期效果（参照期 {ref} = 0）",
        "pre": "服务前",
        "post": "服务后",
        "ci": "{level}% 置信区间",
        "pretest": "平行趋势检验 p = {p:.3f}",
    },
}
#: the chart's words (zh/en), shared with its SVG version in the HTML/PDF reports
TEXT = _TEXT


def _wrap(text: str, width: int) -> str:
    """Break a long axis label over lines of at most ``width`` characters."""
    if len(text) <= width:
        return text
    if " " in text:
        import textwrap

        return "\n".join(textwrap.wrap(text, width))
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def plot_event_study(result: EffectResult, lang: str = "en", *, outcome: str | None = None,
                     unit: str | None = None, ax: Any = None) -> Figure:
    """Plot an event-study (or ``staggered_did(..., aggregate="dynamic")``) result.

    Points are the effects at each period relative to the start of treatment, bars their
    ``1 - alpha`` confidence intervals; the hollow point is the reference period (0 by
    construction). Before the start (left of the dashed line) the points should hover around
    zero if the groups moved in parallel; after it they show how the effect evolves.

    Parameters
    ----------
    result
        From :func:`evalkit.event_study` (``extra["event_times"]``) or
        :func:`evalkit.staggered_did` with ``aggregate="dynamic"``.
    lang
        ``"en"`` or ``"zh"`` labels.
    outcome, unit
        The outcome's name and unit for the y axis (e.g. "每百名职工月均劳动争议", "件/百人");
        the result's column name when not given.
    ax
        A matplotlib Axes to draw on (its figure is returned); a new figure when None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = chart_words(_TEXT, lang)
    events = result.extra.get("event_times")
    if events is None:
        raise RenderError(
            f"plot_event_study: the result ({result.method}) has no event-time estimates",
            hint="pass a result of ek.event_study(...) or ek.staggered_did(..., "
            "aggregate='dynamic')",
        )
    fig, ax = new_figure(6.4, 3.8, ax=ax)
    x = events["event_time"].to_numpy(dtype=float)
    est = events["estimate"].to_numpy(dtype=float)
    lo = events["conf_low"].to_numpy(dtype=float)
    hi = events["conf_high"].to_numpy(dtype=float)
    ref = events["reference"].to_numpy(dtype=bool) if "reference" in events else x != x
    pre = (x < 0) & ~ref
    post = (x >= 0) & ~ref
    level = round(100 * (1 - result.alpha))
    for mask, colour, label in ((pre, "#6c757d", text["pre"]), (post, "#1f77b4", text["post"])):
        if mask.any():
            ax.errorbar(x[mask], est[mask], yerr=[est[mask] - lo[mask], hi[mask] - est[mask]],
                        fmt="o", color=colour, capsize=3, label=label)
    if ref.any():
        ax.plot(x[ref], est[ref], "o", mfc="white", color="#6c757d")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(-0.5, color="#999999", linestyle="--", linewidth=0.8)
    ax.set_xlabel(text["x"])
    ylabel = _wrap(text["y"].format(outcome=outcome or result.outcome),
                   20 if lang == "zh" else 34)
    if unit:
        ylabel += f"\n（{unit}）" if lang == "zh" else f"\n({unit})"
    ax.set_ylabel(ylabel, fontsize=9)
    ref_label = result.extra.get("ref", -1)
    ax.set_title(text["title"].format(ref=ref_label))
    p = result.extra.get("pretrend_p")
    handles, labels = ax.get_legend_handles_labels()
    title = text["ci"].format(level=level)
    if p is not None and p == p:
        title += "; " + text["pretest"].format(p=float(p))
    ax.legend(handles, labels, title=title, fontsize=8, title_fontsize=8, frameon=False)
    ticks = sorted(set(x.tolist()))
    if len(ticks) > 16:  # every other period, so that the labels never touch
        ticks = [t for t in ticks if t % 2 == 0]
    ax.set_xticks(ticks)
    ax.tick_params(axis="x", labelsize=8)
    return fig
