"""Charts show the data: bars, points and labels checked against the numbers drawn.

Each chart is checked twice: on the matplotlib Figure (number of bars / points and their
sizes equal the data) and on the SVG text the report embeds (axis labels, one label per
indicator or parameter, counts and means printed from the data, no ``nan``/``None``).
Determinism is tested in test_charts.py.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from evalkit.plot.base import figure_svg
from evalkit.plot.event_study import plot_event_study
from evalkit.plot.indicators import plot_indicators
from evalkit.plot.prepost import plot_prepost
from evalkit.plot.tornado import tornado
from evalkit.report.charts import build_charts, prepost_values
from evalkit.report.context import build_context

BAD_TEXT = ("nan", "None", "{", "}", "NaN", "inf")


def svg_texts(svg: Any) -> list[str]:
    """Every label of an SVG chart, whole: the lines of a label written as ``<tspan>``s (the
    report's SVG charts) are joined with a space."""
    import xml.etree.ElementTree as ET

    def local(element: Any) -> str:
        return str(element.tag).rsplit("}", 1)[-1]

    out = []
    for element in ET.fromstring(str(svg)).iter():
        if local(element) != "text":
            continue
        spans = [e for e in element if local(e) == "tspan"]
        lines = [s.text or "" for s in spans] if spans else ["".join(element.itertext())]
        out.append(" ".join(line.strip() for line in lines).strip())
    return out


def assert_clean(texts: list[str]) -> None:
    for t in texts:
        for bad in BAD_TEXT:
            assert bad not in t.split() and not t.startswith(bad), (bad, t)


@pytest.fixture(scope="module")
def ctx(demo_ev: Any) -> dict[str, Any]:
    return build_context(demo_ev)


@pytest.fixture(scope="module")
def charts(demo_ev: Any, ctx: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lang: build_charts(demo_ev, ctx, lang=lang, fmt="svg") for lang in ("zh", "en")}


# -- indicators ------------------------------------------------------------------------------

#: the demo's eight indicators as the English chart must label them (written out by hand;
#: a long name wraps over lines, never cut: read whole)
INDICATOR_LABELS = ["I1 Group sessions held", "I2 Enterprise visits", "I3 Legal consultations",
                    "I4 Worker participations", "I5 Volunteer person-times",
                    "I6 Satisfaction rate", "I7 Would recommend",
                    "I8 Monthly disputes per 100 workers in served enterprises"]


def test_indicator_bars_equal_achievement(ctx: dict[str, Any]) -> None:
    rows = ctx["indicators"]
    fig = plot_indicators(rows, "en")
    bars = fig.axes[0].patches
    assert len(bars) == len(rows) == 8
    expected = [100 * float(r["achievement"]) for r in rows]
    # barh draws from the top: first record at the highest y
    widths = [b.get_width() for b in sorted(bars, key=lambda b: -b.get_y())]
    assert_allclose(widths, expected, rtol=1e-12)


def test_indicator_svg_labels(ctx: dict[str, Any], charts: dict[str, dict[str, Any]]) -> None:
    rows = ctx["indicators"]
    texts = svg_texts(charts["en"]["indicators"])
    assert [t for t in texts if re.match(r"I\d ", t)] == INDICATOR_LABELS
    assert "achievement (% of target)" in texts and "target" in texts
    # one value label per bar, the achievement in whole percent (e.g. I1: 26/24 -> 108%)
    shown = [t for t in texts if re.fullmatch(r"\d+%", t)]
    assert shown[:2] == ["108%", "106%"]
    assert shown == [f"{round(100 * float(r['achievement']))}%" for r in rows]
    assert_clean(texts)
    zh = svg_texts(charts["zh"]["indicators"])
    assert len([t for t in zh if re.match(r"I\d ", t)]) == 8
    assert any("目标" in t for t in zh)
    assert_clean(zh)


# -- pre/post --------------------------------------------------------------------------------

def test_prepost_bars_are_the_shares() -> None:
    """pre = 1,1,2,3,3,5 and post = 2,3,3,4,5,5,5 on bins [1,2), [2,3), [3,4), [4,5]:
    pre shares 2/6, 1/6, 2/6, 1/6; post shares 0, 1/7, 2/7, 4/7; means 2.50 and 27/7 = 3.86."""
    pre, post = [1, 1, 2, 3, 3, 5], [2, 3, 3, 4, 5, 5, 5]
    fig = plot_prepost(pre, post, lang="en", outcome="score", bins=4, value_range=(1, 5))
    heights = [b.get_height() for b in fig.axes[0].patches]
    # shares in percent (the axis reads "share of people (%)")
    assert_allclose(heights, [100 * x for x in (2 / 6, 1 / 6, 2 / 6, 1 / 6, 0, 1 / 7, 2 / 7,
                                                4 / 7)], rtol=1e-12)
    texts = svg_texts(figure_svg(fig))
    assert "score: answers before (6 people) and after (7 people)" in texts
    assert "mean 2.50" in texts and "mean 3.86" in texts
    assert "before" in texts and "after" in texts and "share of people (%)" in texts


def test_report_prepost_chart_counts_the_data(demo_ev: Any,
                                              charts: dict[str, dict[str, Any]]) -> None:
    assert sorted(charts["en"]["prepost"]) == ["wellbeing"]
    oc = next(o for o in demo_ev.project.outcomes if o.id == "wellbeing")
    pre, post = prepost_values(demo_ev, oc)
    texts = svg_texts(charts["en"]["prepost"]["wellbeing"])
    assert (f"wellbeing: answers before ({len(pre)} people) and after ({len(post)} people)"
            in texts)
    assert f"mean {np.mean(pre):.2f}" in texts and f"mean {np.mean(post):.2f}" in texts
    zh = svg_texts(charts["zh"]["prepost"]["wellbeing"])
    assert f"职工幸福感：前测 {len(pre)} 人、后测 {len(post)} 人的得分分布" in zh
    assert_clean(texts + zh)


# -- event study -----------------------------------------------------------------------------

def test_event_study_points_are_the_estimates(demo_ev: Any,
                                              charts: dict[str, dict[str, Any]]) -> None:
    study = demo_ev.details["disputes"]["event_study"]
    events = study.extra["event_times"]
    fig = plot_event_study(study, "en")
    ax = fig.axes[0]
    xs, ys = [], []
    for container in ax.containers:  # one errorbar container before, one after the start
        line = container.lines[0]
        xs.extend(line.get_xdata())
        ys.extend(line.get_ydata())
    ref = events["reference"].to_numpy(dtype=bool)
    assert len(xs) == int((~ref).sum())
    order = np.argsort(xs)
    non_ref = events.loc[~ref].sort_values("event_time")
    assert_allclose(np.asarray(xs)[order], non_ref["event_time"].to_numpy(float), rtol=0)
    assert_allclose(np.asarray(ys)[order], non_ref["estimate"].to_numpy(float), rtol=1e-12)
    texts = svg_texts(charts["en"]["event_study"]["disputes"])
    ticks = [int(t.replace("−", "-")) for t in texts if re.fullmatch(r"-?\d+", t)]
    # tick labels are thinned so they never touch: every label is an event time, and at least
    # every other event time is labelled
    times = events["event_time"].astype(int).tolist()
    assert set(ticks) <= set(times) and len(set(ticks)) >= len(times) // 2
    p = study.extra["pretrend_p"]
    assert f"95% confidence interval; pre-trend test p = {p:.3f}" in texts
    # the axis label wraps over two lines
    assert "estimated effect on monthly labour disputes per 100 workers" in " ".join(texts)
    assert_clean(texts)


# -- SROI tornado ----------------------------------------------------------------------------

def test_tornado_bars_span_the_sensitivity(demo_ev: Any,
                                           charts: dict[str, dict[str, Any]]) -> None:
    sroi = demo_ev.value.sroi
    sens = sroi.sensitivity
    fig = tornado(sens, sroi.ratio, lang="en")
    bars = fig.axes[0].patches
    k = min(len(sens), 12)
    assert len(bars) == 2 * k
    ends = sorted(b.get_x() + b.get_width() for b in bars)
    assert all(math.isclose(b.get_x(), sroi.ratio, rel_tol=1e-12) for b in bars)
    top = sens.assign(s=(sens["ratio_high"] - sens["ratio_low"]).abs()).nlargest(k, "s")
    assert_allclose(ends, sorted([*top["ratio_low"], *top["ratio_high"]]), rtol=1e-12)
    texts = svg_texts(charts["en"]["tornado"])
    assert f"SROI ratio (base case 1:{sroi.ratio:.2f})" in texts
    for label in top["label_en"]:
        assert label in texts
    assert_clean(texts)


# -- logic model -----------------------------------------------------------------------------

def test_logic_model_shows_every_column(charts: dict[str, dict[str, Any]]) -> None:
    texts = svg_texts(charts["en"]["logic_model"])
    for heading in ("Inputs", "Activities", "Outputs", "Short-term outcomes",
                    "Intermediate outcomes", "Long-term outcomes", "Impact"):
        assert heading in texts
    # a box's text may wrap over several lines: read each box whole
    boxes = [" ".join(svg_texts(g)) for g in re.findall(r'<g id="[^"]*" class="lm-box.*?</g>',
                                                         str(charts["en"]["logic_model"]),
                                                         flags=re.S)]
    assert "24 group sessions held" in boxes and "900 worker participations" in boxes
    assert_clean(texts)


def test_logic_model_fits_the_text_column(charts: dict[str, dict[str, Any]]) -> None:
    """Seven levels side by side would be 1,590 px wide; the diagram is drawn as bands of
    levels instead, no wider than the report's text column (720 px), at full text size."""
    for lang in ("zh", "en"):
        svg = str(charts[lang]["logic_model"])
        width = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
        assert 600 <= width <= 720, (lang, width)
        assert 'viewBox="0 0 ' in svg and 'font-size="12"' in svg


@pytest.mark.parametrize("dtype", ["Int64", "float64", "Float64"])
def test_prepost_values_follow_the_pandas_rule(demo_ev: Any, dtype: str) -> None:
    # prepost_values splits the waves with numpy: the values pandas' rule gives (the served
    # rows of each wave, missing values and missing waves left out), for nullable data too
    import pandas as pd
    import report_helpers as rh

    from evalkit.report.charts import _filtered

    oc = next(o for o in demo_ev.project.outcomes if o.id == "wellbeing")
    table = demo_ev.evidence.tables[oc.source].copy()
    n = len(table)
    table["score"] = pd.array([None if k % 7 == 0 else k % 5 for k in range(n)], dtype=dtype)
    wave = table[oc.time].astype("string")
    table[oc.time] = wave.where(pd.Series(range(n), index=table.index) % 11 != 0)
    ev = rh.with_table(demo_ev, oc.source, table)
    plain = oc.model_copy(update={"scale": None, "outcome": "score"})
    pre, post = prepost_values(ev, plain)
    df = _filtered(table, plain)
    values = pd.to_numeric(df["score"], errors="coerce")
    times = df[oc.time].astype("string")
    for got, label in ((pre, oc.pre), (post, oc.post)):
        want = values[(times == str(label)).fillna(False).to_numpy(dtype=bool)].dropna()
        assert got.dtype == np.float64
        assert_allclose(got, want.to_numpy(dtype=float), rtol=0, atol=0)
        assert len(got) > 0
