"""The report's SVG charts (indicators, pre/post, tornado): every label and value shown,
suppressed values written as such, nothing clipped or overlapping with long zh/en names,
hostile names inert, and the same words and numbers as the matplotlib version."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

from evalkit.report.svgcharts.core import LINE_HEIGHT, text_width
from evalkit.report.svgcharts.indicators import indicators_svg
from evalkit.report.svgcharts.prepost import prepost_svg
from evalkit.report.svgcharts.tornado import tornado_svg

NS = "{http://www.w3.org/2000/svg}"
LONG_NAMES = {
    "zh": "服务企业每百名职工月均劳动争议件数（含调解、仲裁及诉讼案件，按季度统计）",
    "en": "Monthly labour disputes per 100 workers in served enterprises (mediation, "
          "arbitration and court cases, counted by quarter)",
}
HOSTILE = '<script>alert("x")</script> & </text></svg><svg onload=alert(1)>'


# -- reading an SVG chart back ---------------------------------------------------------------

def labels(svg: str) -> list[str]:
    """Every label, its lines joined with a space (tspans) — what a reader reads."""
    out = []
    for el in ET.fromstring(svg).iter(NS + "text"):
        spans = el.findall(NS + "tspan")
        lines = [s.text or "" for s in spans] if spans else [el.text or ""]
        out.append(" ".join(lines))
    return out


def boxes(svg: str) -> list[tuple[float, float, float, float, str]]:
    """Bounding box of every label as the report's fonts draw it at most (widths from
    :func:`text_width`, ascent 0.88 and descent 0.24 of the size), rotation included."""
    out = []
    for el in ET.fromstring(svg).iter(NS + "text"):
        size = float(el.get("font-size", "11"))
        spans = el.findall(NS + "tspan") or [el]
        lines = [s.text or "" for s in spans]
        ys = [float(s.get("y", "0")) for s in spans]
        x = float(spans[0].get("x", "0"))
        w = max(text_width(t, size, bold=el.get("font-weight") == "bold") for t in lines)
        anchor = el.get("text-anchor", "start")
        x0 = x - {"start": 0.0, "middle": w / 2, "end": w}[anchor]
        box = (x0, ys[0] - 0.88 * size, x0 + w, ys[-1] + 0.24 * size)
        transform = el.get("transform")
        if transform:
            tx, ty, angle = map(float, re.findall(r"-?[\d.]+", transform))
            assert angle == -90
            # rotate (bx, by) by -90 degrees: (by, -bx), then translate
            box = (tx + box[1], ty - box[2], tx + box[3], ty - box[0])
        out.append((*box, " ".join(lines)))
    return out


def assert_readable(svg: str) -> None:
    """Well-formed; every label inside the canvas and no two labels overlapping."""
    root = ET.fromstring(svg)
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    found = boxes(svg)
    for x0, y0, x1, y1, text in found:
        assert x0 >= -0.5 and y0 >= -0.5 and x1 <= width + 0.5 and y1 <= height + 0.5, \
            (text, (x0, y0, x1, y1), (width, height))
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            overlap = a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and \
                b[1] < a[3] - 0.5
            assert not overlap, (a, b)


def rects(svg: str, height: str) -> list[dict[str, str]]:
    return [dict(r.attrib) for r in ET.fromstring(svg).iter(NS + "rect")
            if r.get("height") == height]


def mpl_texts(fig: Any) -> list[str]:
    """The labels of a matplotlib chart as its SVG shows them (visible ticks only), each
    label's lines (one ``<text>`` each, grouped in a ``<g id="text_N">``) joined with a
    space."""
    from evalkit.plot.base import figure_svg

    root = ET.fromstring(figure_svg(fig))
    groups = [g for g in root.iter(NS + "g") if re.fullmatch(r"text_\d+", g.get("id", ""))]
    assert sum(len(g.findall(NS + "text")) for g in groups) == len(list(root.iter(NS + "text")))
    return [" ".join(t.text or "" for t in g.findall(NS + "text")) for g in groups]


def _bag(texts: list[str]) -> Counter[str]:
    """Labels without whitespace (each chart wraps long ones at its own places)."""
    return Counter(re.sub(r"\s+", "", t) for t in texts)


@pytest.fixture(scope="module")
def rows(demo_ev: Any) -> list[dict[str, Any]]:
    from evalkit.report.context import build_context

    return build_context(demo_ev)["indicators"]


@pytest.fixture(scope="module")
def status_labels() -> dict[str, dict[str, str]]:
    from evalkit.report.environment import load_labels

    return {lang: {k.split(".", 1)[1]: v for k, v in load_labels(lang).items()
                   if k.startswith("status.")} for lang in ("zh", "en")}


# -- indicators ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicators_every_name_value_and_legend(rows: list[dict[str, Any]], lang: str,
                                                status_labels: dict[str, dict[str, str]]
                                                ) -> None:
    svg = indicators_svg(rows, lang, status_labels=status_labels[lang])
    texts = labels(svg)
    sep = "" if lang == "zh" else " "
    for row in rows:
        name = f"{row['id']} {row['name'][lang]}"
        assert name.replace(" ", sep) in [t.replace(" ", sep) for t in texts] or name in texts
        assert f"{100 * float(row['achievement']):.0f}%" in texts
    bars = rects(svg, "16")
    assert len(bars) == len(rows)
    from evalkit.plot.indicators import STATUS_COLOURS

    assert [b["fill"] for b in bars] == [STATUS_COLOURS[str(r["status"])] for r in rows]
    for code in {str(r["status"]) for r in rows}:
        assert any(status_labels[lang][code] in t for t in texts), code
    assert {"zh": "目标", "en": "target"}[lang] in texts
    assert_readable(svg)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicators_suppressed_values_are_written_never_drawn(rows: list[dict[str, Any]],
                                                              lang: str) -> None:
    changed = [dict(r) for r in rows]
    changed[1]["achievement"] = "<5"
    changed[3]["achievement"] = None
    changed[0]["name"] = {"zh": LONG_NAMES["zh"], "en": LONG_NAMES["en"]}
    changed[2]["achievement"] = 4.5  # beyond the axis: drawn to its end, value in full
    svg = indicators_svg(changed, lang)
    texts = labels(svg)
    assert "<5" in texts and "—" in texts and "450%" in texts and "0%" not in texts
    assert len(rects(svg, "16")) == len(rows) - 2  # no bar for the suppressed or missing
    # the long name is whole (wrapped over lines, never cut)
    assert any(re.sub(r"\s", "", t) == re.sub(r"\s", "", f"I1 {LONG_NAMES[lang]}")
               for t in texts)
    assert not any("…" in t for t in texts)
    assert_readable(svg)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicators_same_words_as_matplotlib(rows: list[dict[str, Any]], lang: str,
                                             status_labels: dict[str, dict[str, str]]) -> None:
    from evalkit.plot.indicators import plot_indicators

    ours = labels(indicators_svg(rows, lang, status_labels=status_labels[lang]))
    theirs = mpl_texts(plot_indicators(rows, lang, status_labels=status_labels[lang]))
    # names, values, tick labels, axis title, "target" and legend: the same labels
    assert _bag(ours) == _bag(theirs)


def test_indicators_hostile_names_are_inert(rows: list[dict[str, Any]]) -> None:
    changed = [dict(r) for r in rows]
    changed[0]["name"] = {"zh": HOSTILE, "en": HOSTILE}
    changed[1]["status"] = HOSTILE
    svg = indicators_svg(changed, "en", status_labels={HOSTILE: HOSTILE})
    root = ET.fromstring(svg)
    assert "<script" not in svg and "<svg onload" not in svg
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert any(HOSTILE in t for t in labels(svg))


def test_indicators_accept_the_evaluation_frame(demo_ev: Any) -> None:
    frame = demo_ev.indicators[demo_ev.indicators["period"] == "total"]
    texts = labels(indicators_svg(frame, "en"))
    assert len([t for t in texts if re.match(r"I\d ", t)]) == len(frame)


# -- pre/post --------------------------------------------------------------------------------

def test_prepost_bars_are_the_shares() -> None:
    """pre = 1,1,2,3,3,5 and post = 2,3,3,4,5,5,5 on bins [1,2), [2,3), [3,4), [4,5]:
    pre shares 2/6, 1/6, 2/6, 1/6; post 0, 1/7, 2/7, 4/7; means 2.50 and 27/7 = 3.86."""
    svg = prepost_svg([1, 1, 2, 3, 3, 5], [2, 3, 3, 4, 5, 5, 5], lang="en", outcome="score",
                      bins=4, value_range=(1, 5))
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(NS + "rect") if r.get("fill") in ("#9aa5ae", "#1f6fb2")
            and r.get("height") != "10"]  # legend swatches are 10 high
    heights = [float(r.get("height", "0")) for r in bars]
    # read the y scale off the axis: the tick labelled 0 and the tallest tick
    ticks = {t.text: float(t.get("y", "0")) for t in root.iter(NS + "text")
             if t.text and re.fullmatch(r"\d+", t.text)}
    top = max(ticks, key=int)
    px_per_pct = (ticks["0"] - ticks[top]) / int(top)
    expected = [100 * x for x in (2 / 6, 1 / 6, 2 / 6, 1 / 6, 0, 1 / 7, 2 / 7, 4 / 7)]
    assert np.allclose(np.asarray(heights) / px_per_pct, expected, atol=0.05)
    texts = labels(svg)
    assert "score: answers before (6 people) and after (7 people)" in texts
    assert "mean 2.50" in texts and "mean 3.86" in texts
    assert {"before", "after", "share of people (%)", "score (1–5)"} <= set(texts)
    assert_readable(svg)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_prepost_same_words_as_matplotlib(lang: str) -> None:
    from evalkit.plot.prepost import plot_prepost

    rng = np.random.default_rng(3)
    pre, post = rng.integers(1, 6, 120).astype(float), rng.integers(2, 6, 110).astype(float)
    args = {"lang": lang, "outcome": "职工幸福感" if lang == "zh" else "wellbeing",
            "value_range": (1.0, 5.0)}
    ours = labels(prepost_svg(pre, post, **args))  # type: ignore[arg-type]
    theirs = mpl_texts(plot_prepost(pre, post, **args))  # type: ignore[arg-type]
    assert _bag(ours) == _bag(theirs)  # title, means, legend, axis titles and tick labels


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_prepost_long_outcome_and_close_means_stay_readable(lang: str) -> None:
    for pre, post in (([1.0, 1.0, 1.2], [1.05, 1.1, 5.0]), ([4.9, 5.0], [4.95, 5.0]),
                      ([3.0, 3.0], [3.0, 3.0])):
        svg = prepost_svg(pre, post, lang=lang, outcome=LONG_NAMES[lang], value_range=(1, 5))
        assert_readable(svg)
        assert sum(t.startswith(("mean", "均值")) for t in labels(svg)) == 2


def test_prepost_hostile_outcome_is_inert() -> None:
    svg = prepost_svg([1, 2], [3, 4], lang="en", outcome=HOSTILE, value_range=(1, 5))
    assert "<script" not in svg and ET.fromstring(svg) is not None
    assert any(HOSTILE in t for t in labels(svg))


# -- tornado ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tornado_factors_values_and_same_words_as_matplotlib(demo_ev: Any, lang: str) -> None:
    from evalkit.plot.tornado import tornado

    sroi = demo_ev.value.sroi
    svg = tornado_svg(sroi.sensitivity, sroi.ratio, lang=lang)
    ours, theirs = labels(svg), mpl_texts(tornado(sroi.sensitivity, sroi.ratio, lang=lang))
    k = min(len(sroi.sensitivity), 12)
    top = sroi.sensitivity.assign(s=(sroi.sensitivity["ratio_high"] -
                                     sroi.sensitivity["ratio_low"]).abs())
    top = top.sort_values("s", ascending=False, kind="stable").head(k)
    factor_labels = [t for t in ours if t in set(top[f"label_{lang}"])]
    assert factor_labels == list(top[f"label_{lang}"])  # largest swing first, at the top
    for vlo, vhi in zip(top["low_value"], top["high_value"], strict=True):
        assert f"{vlo:,.4g}" in ours and f"{vhi:,.4g}" in ours
    # the same words and values at the bar ends; tick labels may differ (ours keep room
    # inside the area for the values at the bar ends)
    ticks = re.compile(r"-?\d+\.\d")
    assert _bag([t for t in ours if not ticks.fullmatch(t)]) == \
        _bag([t for t in theirs if not ticks.fullmatch(t)]) or _bag(ours) == _bag(theirs)
    assert 2 * k == len([r for r in ET.fromstring(svg).iter(NS + "rect")
                         if r.get("height") == "16"])
    assert_readable(svg)


def test_tornado_bars_start_at_the_base_and_end_at_each_ratio(demo_ev: Any) -> None:
    sroi = demo_ev.value.sroi
    svg = tornado_svg(sroi.sensitivity, sroi.ratio, lang="en")
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(NS + "rect") if r.get("height") == "16"]
    starts = Counter(v for b in bars for v in (b.get("x"), str(round(float(b.get("x", "0")) +
                                                                float(b.get("width", "0")), 2))))
    base_x = float(starts.most_common(1)[0][0] or "nan")  # every bar starts at the base
    ends = sorted(float(b.get("x", "0")) + float(b.get("width", "0"))
                  if abs(float(b.get("x", "0")) - base_x) < 0.02 else float(b.get("x", "0"))
                  for b in bars)
    # map the ratios with the scale read off two bars (the widest low and high)
    sens = sroi.sensitivity
    k = min(len(sens), 12)
    top = sens.assign(s=(sens["ratio_high"] - sens["ratio_low"]).abs()).nlargest(k, "s")
    ratios = sorted([*top["ratio_low"], *top["ratio_high"]])
    scale = (ends[-1] - ends[0]) / (ratios[-1] - ratios[0])
    assert np.allclose(np.asarray(ends), base_x + scale * (np.asarray(ratios) - sroi.ratio),
                       atol=0.02)


def test_tornado_long_hostile_labels_and_flat_factors() -> None:
    sens = pd.DataFrame({
        "label_zh": [LONG_NAMES["zh"], HOSTILE, "贴现率"],
        "label_en": [LONG_NAMES["en"], HOSTILE, "discount rate"],
        "low_value": [0.1, 1200.0, 0.03], "high_value": [0.9, 1800.0, 0.05],
        "ratio_low": [1.5, 2.0, 2.5], "ratio_high": [3.5, 2.0, 2.5],
    })
    for lang in ("zh", "en"):
        svg = tornado_svg(sens, 2.5, lang=lang)
        assert_readable(svg)
        texts = labels(svg)
        assert "<script" not in svg and any(HOSTILE in t for t in texts)
        assert re.sub(r"\s", "", LONG_NAMES[lang]) in {re.sub(r"\s", "", t) for t in texts}
    one = tornado_svg(sens.iloc[[2]], 2.5, lang="en")  # no swing at all: still a chart
    assert ET.fromstring(one) is not None and "0.03" in labels(one)
    assert not math.isnan(float(ET.fromstring(one).get("height", "nan")))


# -- in the report ---------------------------------------------------------------------------

def test_report_uses_svg_text_for_html_and_matplotlib_for_word(demo_ev: Any) -> None:
    from evalkit.report.charts import build_charts
    from evalkit.report.context import build_context

    ctx = build_context(demo_ev)
    svg = build_charts(demo_ev, ctx, lang="zh", fmt="svg")
    for chart in (svg["indicators"], svg["tornado"], svg["prepost"]["wellbeing"]):
        text = str(chart)
        assert text.startswith('<svg id="ek-') and 'role="img"' in text
        assert "matplotlib" not in text  # written by evalkit, not by matplotlib
        ET.fromstring(text)
    png = build_charts(demo_ev, ctx, lang="zh", fmt="png")
    assert png["indicators"].startswith(b"\x89PNG") and png["tornado"].startswith(b"\x89PNG")


def test_line_height_constant_matches_the_writer() -> None:
    from evalkit.report.svgcharts.core import Svg

    svg = Svg(100, 100, lang="en", title="t")
    svg.text(0, 0, "a\nb", size=10, baseline="alphabetic")
    ys = [float(s.get("y", "0")) for s in ET.fromstring(svg.to_string()).iter(NS + "tspan")]
    assert ys[1] - ys[0] == pytest.approx(LINE_HEIGHT * 10)


def test_svg_charts_need_no_matplotlib(tmp_path: Any) -> None:
    """An HTML report's ported charts never import matplotlib: with the charts still drawn
    by matplotlib left out, rendering the demo's HTML leaves matplotlib unimported."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import evalkit as ek\n"
        "import evalkit.report.charts as ch\n"
        "real = ch._safely\n"
        "ch._safely = lambda name, draw, fmt, *, mpl=True: (None if mpl and fmt == 'svg' "
        "else real(name, draw, fmt, mpl=mpl))\n"
        "ev = ek.evaluate(ek.load_project(ek.datasets.path('workers_home') / 'project.yaml'))\n"
        f"ek.report.render(ev, {str(tmp_path / 'r.html')!r}, lang='zh')\n"
        "html = open(" + repr(str(tmp_path / "r.html")) + ", encoding='utf-8').read()\n"
        "assert html.count('role=\"img\"') >= 3, 'the SVG charts are in the report'\n"
        "print('matplotlib' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
