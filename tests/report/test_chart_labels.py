"""Charts a reader can read: axis labels with units, a legend for every colour, no raw ids on
the axes, no truncated labels, no overlapping mean labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib")


def _texts(fig: Any) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]


def test_prepost_axes_have_units_and_mean_labels_do_not_overlap() -> None:
    from evalkit.plot.prepost import plot_prepost

    rng = np.random.default_rng(1)
    pre, post = rng.integers(1, 6, 200), rng.integers(2, 6, 200)
    for lang, x_unit, y_unit in (("zh", "1–5 分", "%"), ("en", "1–5", "%")):
        fig = plot_prepost(pre, post, lang=lang, outcome="wellbeing", value_range=(1, 5))
        ax = fig.axes[0]
        assert x_unit in ax.get_xlabel() and y_unit in ax.get_ylabel()
        assert ax.get_ylim()[1] > 1  # shares in percent, not 0-1
        fig.canvas.draw()
        boxes = [t.get_window_extent() for t in ax.texts]
        assert len(boxes) == 2 and not boxes[0].overlaps(boxes[1])


def test_event_study_axis_names_the_outcome_not_its_column(demo_ev: Any) -> None:
    from evalkit.plot.event_study import plot_event_study

    study = demo_ev.details["disputes"]["event_study"]
    fig = plot_event_study(study, "zh", outcome="每百名职工月均劳动争议", unit="件/百人")
    label = fig.axes[0].get_ylabel()
    assert "disputes_per_100" not in label and "件/百人" in label and "劳动争议" in label
    ticks = fig.axes[0].get_xticks()
    assert len(ticks) <= 16  # labels never touch


def test_indicator_chart_has_a_legend_and_whole_labels(demo_ev: Any) -> None:
    from evalkit.plot.indicators import plot_indicators

    labels = {"on_track": "达标", "above_target": "超额完成", "on_target": "按进度达标"}
    fig = plot_indicators(demo_ev.indicators[demo_ev.indicators["period"] == "total"], "zh",
                          status_labels=labels)
    legends = fig.legends + [a.get_legend() for a in fig.axes if a.get_legend()]
    assert legends, "colours need a legend"
    shown = " ".join(t.get_text() for lg in legends for t in lg.get_texts())
    statuses = set(demo_ev.indicators["status"].astype(str))
    for code in statuses & set(labels):
        assert labels[code] in shown
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert not any("…" in t for t in ticks)
    assert any("劳动争议" in t for t in ticks)  # I8's long name is wrapped, not cut
