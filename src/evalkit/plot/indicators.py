"""Indicator achievement chart: one horizontal bar per indicator, coloured by status."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from evalkit.plot.base import labels as chart_words
from evalkit.plot.base import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["STATUS_COLOURS", "TEXT", "plot_indicators"]

STATUS_COLOURS = {
    "met": "#2e8b57",
    "near_target": "#d68910",
    "on_schedule": "#2e8b57",
    "ahead_of_schedule": "#1f6fb2",
    "near_schedule": "#d68910",
    "behind_schedule": "#c0392b",
    "on_track": "#2e8b57",
    "on_target": "#2e8b57",
    "above_target": "#1f6fb2",
    "at_risk": "#d68910",
    "below_target": "#c0392b",
    "concerned": "#c0392b",
    "no_data": "#9aa5ae",
    "no_target": "#9aa5ae",
}
_TEXT = {
    "en": {"x": "achievement (% of target)", "target": "target", "title": "Indicators against targets"},
    "zh": {"x": "完成率（占目标值的 %）", "target": "目标", "title": "指标完成情况"},
}
#: the chart's words (zh/en), shared with its SVG version in the HTML/PDF reports
TEXT = _TEXT


def _records(rows: Any) -> list[Mapping[str, Any]]:
    if hasattr(rows, "to_dict"):
        return list(rows.to_dict(orient="records"))
    return list(rows)


def _name(row: Mapping[str, Any], lang: str) -> str:
    name = row.get("name")
    if isinstance(name, Mapping):
        text = str(name.get(lang, ""))
    else:
        text = str(row.get(f"name_{lang}", name or ""))
    ident = row.get("id", row.get("indicator_id", ""))
    text = f"{ident} {text}".strip()
    return _wrap(text, 14 if lang == "zh" else 28)


def _wrap(text: str, width: int) -> str:
    """Break a long label over lines of at most ``width`` characters (never truncated)."""
    if len(text) <= width:
        return text
    if " " in text and not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        import textwrap

        return "\n".join(textwrap.wrap(text, width))
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def plot_indicators(rows: Sequence[Mapping[str, Any]] | Any, lang: str = "en", *,
                    status_labels: Mapping[str, str] | None = None) -> Figure:
    """Bar chart of achievement (1.0 = target) for each indicator.

    Parameters
    ----------
    rows
        ``evaluation.indicators`` (DataFrame) or the ``indicators`` records of the report
        context (``name`` as ``{"zh", "en"}``). Rows whose achievement is not a number —
        missing or suppressed (``"<5"``) — are drawn as empty rows.
    lang
        "zh" or "en".
    status_labels
        Status code -> label for the colour legend (the report's catalogue ``status.*``);
        the code itself when absent.

    Returns
    -------
    matplotlib.figure.Figure
    """
    text = chart_words(_TEXT, lang)
    records = _records(rows)
    height = max(2.4, 0.46 * len(records) + 1.3)
    fig, ax = new_figure(6.4, height)
    names, values, colours, labels = [], [], [], []
    for row in records:
        ach = row.get("achievement")
        value = float(ach) if isinstance(ach, int | float) else math.nan
        known = math.isfinite(value)
        value = value if known else 0.0
        names.append(_name(row, lang))
        values.append(100 * value)
        # a suppressed value ("<5") is written as such, never drawn as 0 %
        labels.append(f"{100 * value:.0f}%" if known else (ach if isinstance(ach, str) else "—"))
        colours.append(STATUS_COLOURS.get(str(row.get("status")), STATUS_COLOURS["no_data"]))
    y = list(range(len(records)))[::-1]
    ax.barh(y, values, color=colours, height=0.6)
    shown = [min(v, 250.0) for v in values]
    for yi, s, label in zip(y, shown, labels, strict=True):
        ax.text(s + 2, yi, label, va="center", fontsize=8)
    ax.axvline(100, color="#333333", linestyle="--", linewidth=0.9)
    ax.text(100, len(records) - 0.35, text["target"], ha="center", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    ax.set_yticks(y, names, fontsize=8.5)
    ax.set_xlim(0, max(130.0, min(max(shown, default=0) * 1.15, 280.0)))
    ax.set_ylim(-0.6, len(records) + 0.2)
    ax.set_xlabel(text["x"])
    from matplotlib.patches import Patch

    by_colour: dict[str, list[str]] = {}  # one legend entry per colour, its statuses joined
    for row in records:
        code = str(row.get("status"))
        name = str((status_labels or {}).get(code, code))
        names_of = by_colour.setdefault(STATUS_COLOURS.get(code, STATUS_COLOURS["no_data"]), [])
        if name not in names_of:
            names_of.append(name)
    handles = [Patch(facecolor=colour, label=" / ".join(found))
               for colour, found in by_colour.items()]
    fig.legend(handles=handles, fontsize=8, frameon=False, loc="outside lower center",
               ncol=min(len(handles), 4))
    return fig
