"""Tornado chart of a one-way sensitivity analysis (SROI ratio by factor)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.plot.base import new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["TORNADO_LABELS", "top_factors", "tornado"]

TORNADO_LABELS = {
    "zh": {"low": "取低值", "high": "取高值", "base": "基准", "axis": "SROI 比率",
           "title": "SROI 敏感性分析"},
    "en": {"low": "low value", "high": "high value", "base": "base case", "axis": "SROI ratio",
           "title": "SROI sensitivity analysis"},
}


def top_factors(sensitivity: pd.DataFrame, top: int = 12) -> pd.DataFrame:
    """The ``top`` rows of ``sensitivity`` with the largest swing ``|ratio_high - ratio_low|``,
    largest first (ties keep their order): the factors a tornado chart shows, top down."""
    return sensitivity.assign(
        _swing=(sensitivity["ratio_high"] - sensitivity["ratio_low"]).abs()
    ).sort_values("_swing", ascending=False, kind="stable").head(top)


def tornado(
    sensitivity: pd.DataFrame,
    base: float,
    *,
    lang: str = "zh",
    top: int = 12,
    title: str | None = None,
    ax: Any = None,
) -> Figure:
    """Horizontal bars from the base ratio to the ratio at each factor's low and high value.

    Parameters
    ----------
    sensitivity
        Columns ``label_zh``, ``label_en``, ``low_value``, ``high_value``, ``ratio_low``,
        ``ratio_high`` (as in :attr:`evalkit.assess.sroi.SroiResult.sensitivity`).
    base
        The base-case ratio (the vertical line).
    lang
        "zh" or "en" for the labels.
    top
        Show the ``top`` factors with the largest swing (largest at the top).
    title
        Overrides the default title.
    ax
        A matplotlib Axes to draw on (its figure is returned); a new figure when None.
    """
    from evalkit._checks import check_lang

    check_lang(lang)
    text = TORNADO_LABELS[lang]
    frame = top_factors(sensitivity, top).iloc[::-1]
    fig, ax = new_figure(7.0, 0.45 * len(frame) + 1.4, ax=ax)
    ys = list(range(len(frame)))
    low = frame["ratio_low"].to_numpy(dtype=float)
    high = frame["ratio_high"].to_numpy(dtype=float)
    ax.barh(ys, low - base, left=base, color="#4878a8", label=text["low"])
    ax.barh(ys, high - base, left=base, color="#e08a3c", label=text["high"])
    for y, (lo, hi, vlo, vhi) in enumerate(zip(low, high, frame["low_value"], frame["high_value"],
                                               strict=True)):
        for ratio, value in ((lo, vlo), (hi, vhi)):
            ha = "right" if ratio < base else "left"
            ax.annotate(f"{value:,.4g}", (ratio, y), xytext=(-3 if ha == "right" else 3, 0),
                        textcoords="offset points", ha=ha, va="center", fontsize=7)
    ax.axvline(base, color="#333333", linewidth=1)
    ax.margins(x=0.15)
    ax.set_yticks(ys, frame[f"label_{lang}"].astype(str).tolist(), fontsize=8)
    base_text = f"{text['base']} 1:{base:.2f}"
    ax.set_xlabel(f"{text['axis']}（{base_text}）" if lang == "zh" else f"{text['axis']} ({base_text})")
    ax.set_title(title or text["title"])
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig
