"""Indicator achievement chart: one horizontal bar per indicator, coloured by status."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from evalkit.plot.base import labels as chart_words
from evalkit.plot.base import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["STATUS_COLOURS", "TEXT", "axis_limit", "indicator_bars", "indicator_name",
           "legend_entries", "plot_indicators"]

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


def indicator_name(row: Mapping[str, Any], lang: str) -> str:
    """``"<id> <name>"`` of an indicator row (``name`` as ``{"zh", "en"}`` or ``name_<lang>``)."""
    name = row.get("name")
    if isinstance(name, Mapping):
        text = str(name.get(lang, ""))
    else:
        text = str(row.get(f"name_{lang}", name or ""))
    ident = row.get("id", row.get("indicator_id", ""))
    return f"{ident} {text}".strip()


def _name(row: Mapping[str, Any], lang: str) -> str:
    return _wrap(indicator_name(row, lang), 14 if lang == "zh" else 28)


def indicator_bars(rows: Sequence[Mapping[str, Any]] | Any
                   ) -> list[tuple[Mapping[str, Any], float | None, str, str]]:
    """``(row, achievement in percent or None, label at the bar, colour)`` for each row: the
    label is the whole percent, or — when the achievement is not a number — the value as
    given (a suppressed ``"<5"``, written as such and never drawn as 0 %) or a dash."""
    out = []
    for row in _records(rows):
        ach = row.get("achievement")
        value = float(ach) if isinstance(ach, int | float) else math.nan
        known = math.isfinite(value)
        label = f"{100 * value:.0f}%" if known else (ach if isinstance(ach, str) else "—")
        colour = STATUS_COLOURS.get(str(row.get("status")), STATUS_COLOURS["no_data"])
        out.append((row, 100 * value if known else None, label, colour))
    return out


def axis_limit(percents: Sequence[float | None]) -> float:
    """Right end of the achievement axis: 130 % at least, room for the longest bar up to
    250 % (longer bars run to the end), 280 % at most."""
    shown = [min(v, 250.0) if v is not None else 0.0 for v in percents]
    return max(130.0, min(max(shown, default=0) * 1.15, 280.0))


def legend_entries(rows: Sequence[Mapping[str, Any]] | Any,
                   status_labels: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """``(colour, label)``: one legend entry per colour, the labels of its statuses joined
    with " / " in the order they first appear."""
    by_colour: dict[str, list[str]] = {}
    for row in _records(rows):
        code = str(row.get("status"))
        name = str((status_labels or {}).get(code, code))
        names_of = by_colour.setdefault(STATUS_COLOURS.get(code, STATUS_COLOURS["no_data"]), [])
        if name not in names_of:
            names_of.append(name)
    return [(colour, " / ".join(found)) for colour, found in by_colour.items()]


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
    bars = indicator_bars(records)
    names = [_name(row, lang) for row, *_ in bars]
    values = [v if v is not None else 0.0 for _, v, _, _ in bars]
    labels = [label for _, _, label, _ in bars]
    colours = [colour for *_, colour in bars]
    y = list(range(len(records)))[::-1]
    ax.barh(y, values, color=colours, height=0.6)
    shown = [min(v, 250.0) for v in values]
    for yi, s, label in zip(y, shown, labels, strict=True):
        ax.text(s + 2, yi, label, va="center", fontsize=8)
    ax.axvline(100, color="#333333", linestyle="--", linewidth=0.9)
    ax.text(100, len(records) - 0.35, text["target"], ha="center", va="bottom", fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    ax.set_yticks(y, names, fontsize=8.5)
    ax.set_xlim(0, axis_limit([v for _, v, _, _ in bars]))
    ax.set_ylim(-0.6, len(records) + 0.2)
    ax.set_xlabel(text["x"])
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour, label=label)
               for colour, label in legend_entries(records, status_labels)]
    fig.legend(handles=handles, fontsize=8, frameon=False, loc="outside lower center",
               ncol=min(len(handles), 4))
    return fig
