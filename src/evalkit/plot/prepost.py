"""Pre/post distribution chart: the outcome before and after the service, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from evalkit.plot.base import labels as chart_words
from evalkit.plot.base import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["TEXT", "plot_prepost", "prepost_shares"]

_TEXT = {
    "en": {"pre": "before", "post": "after", "y": "share of people (%)", "mean": "mean {v:.2f}",
           "x": "score ({lo:g}–{hi:g})",
           "title": "{outcome}: answers before ({n_pre} people) and after ({n_post} people)"},
    "zh": {"pre": "前测", "post": "后测", "y": "人数占比（%）", "mean": "均值 {v:.2f}",
           "x": "得分（{lo:g}–{hi:g} 分）",
           "title": "{outcome}：前测 {n_pre} 人、后测 {n_post} 人的得分分布"},
}
#: the chart's words (zh/en), shared with its SVG version in the HTML/PDF reports
TEXT = _TEXT


def prepost_shares(pre: Sequence[float], post: Sequence[float], *, bins: int | None = None,
                   value_range: tuple[float, float] | None = None) -> dict[str, Any]:
    """What the pre/post chart shows: the finite values of each wave, the scale's range,
    the bin edges (``bins``, default 8, equal bins over the range, the last one closed), each
    wave's share of people per bin in percent (count / the wave's number of people) and
    its mean (None for an empty wave).

    Returns
    -------
    dict
        ``pre``, ``post`` (arrays), ``lo``, ``hi``, ``edges``, ``shares`` (pre, post) and
        ``means`` (pre, post).
    """
    import numpy as np

    a = np.asarray(pre, dtype=float)
    b = np.asarray(post, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    both = np.concatenate([a, b]) if a.size + b.size else np.array([0.0, 1.0])
    lo, hi = value_range if value_range is not None else (float(both.min()), float(both.max()))
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, (bins or 8) + 1)
    shares = tuple(100 * np.histogram(v, bins=edges)[0] / max(v.size, 1) for v in (a, b))
    means = tuple(float(v.mean()) if v.size else None for v in (a, b))
    return {"pre": a, "post": b, "lo": lo, "hi": hi, "edges": edges, "shares": shares,
            "means": means}


def plot_prepost(pre: Sequence[float], post: Sequence[float], *, lang: str = "en",
                 outcome: str = "", bins: int | None = None,
                 value_range: tuple[float, float] | None = None) -> Figure:
    """Histograms (as shares) of the outcome at pre-test and post-test, with their means.

    Parameters
    ----------
    pre, post
        Values of the outcome (missing values are ignored).
    lang
        "zh" or "en".
    outcome
        Name of the outcome for the title.
    bins
        Number of equal bins over ``value_range`` (or the data's range); default 8.
    value_range
        ``(min, max)`` of the scale, e.g. ``(1, 5)``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = chart_words(_TEXT, lang)
    data = prepost_shares(pre, post, bins=bins, value_range=value_range)
    a, b, lo, hi, edges = data["pre"], data["post"], data["lo"], data["hi"], data["edges"]
    fig, ax = new_figure(6.4, 3.2)
    width = (edges[1] - edges[0]) * 0.4
    centres = (edges[:-1] + edges[1:]) / 2
    means = data["means"]
    top = 0.0
    for share, shift, colour, key in ((data["shares"][0], -width / 2, "#9aa5ae", "pre"),
                                      (data["shares"][1], width / 2, "#1f6fb2", "post")):
        top = max(top, float(share.max()) if share.size else 0.0)
        ax.bar(centres + shift, share, width=width, color=colour, label=text[key])
    ax.set_ylim(0, top * 1.22 if top else 1)
    lower = 0 if means[1] is None or (means[0] is not None and means[0] <= means[1]) else 1
    for i, (mean, colour) in enumerate(zip(means, ("#6f7a83", "#1f6fb2"), strict=True)):
        if mean is None:
            continue
        # the lower mean's label to the left of its line, the higher to the right: no overlap
        ax.axvline(mean, color=colour, linestyle="--", linewidth=1)
        ax.text(mean + (-0.02 if i == lower else 0.02) * (hi - lo), top * 1.18,
                text["mean"].format(v=mean), color=colour, ha="right" if i == lower else "left",
                va="top", fontsize=7.5)
    ax.set_xlabel(text["x"].format(lo=lo, hi=hi))
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"].format(outcome=outcome, n_pre=a.size, n_post=b.size), fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig
