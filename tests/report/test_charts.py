"""Charts: deterministic SVG, CJK text without missing glyphs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from evalkit.plot.base import cjk_font_name, figure_png, figure_svg
from evalkit.plot.indicators import plot_indicators
from evalkit.plot.prepost import plot_prepost
from evalkit.report.charts import build_charts
from evalkit.report.context import build_context


def _prepost_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(3.0, 0.6, 200).clip(1, 5), rng.normal(3.4, 0.6, 190).clip(1, 5)


def test_indicator_svg_is_deterministic(demo_ev: Any) -> None:
    for lang in ("zh", "en"):
        first = figure_svg(plot_indicators(demo_ev.indicators, lang))
        second = figure_svg(plot_indicators(demo_ev.indicators, lang))
        assert first == second
        assert first.startswith("<svg")


def test_prepost_svg_is_deterministic() -> None:
    pre, post = _prepost_data()
    a = figure_svg(plot_prepost(pre, post, lang="zh", outcome="职工幸福感", value_range=(1, 5)))
    b = figure_svg(plot_prepost(pre, post, lang="zh", outcome="职工幸福感", value_range=(1, 5)))
    assert a == b


def test_report_charts_are_deterministic(demo_ev: Any) -> None:
    ctx = build_context(demo_ev)
    first = build_charts(demo_ev, ctx, lang="zh", fmt="svg")
    second = build_charts(demo_ev, ctx, lang="zh", fmt="svg")
    assert first == second
    assert first["indicators"]


@pytest.mark.skipif(cjk_font_name() is None, reason="no CJK font installed")
def test_no_missing_glyphs(demo_ev: Any) -> None:
    ctx = build_context(demo_ev)
    pre, post = _prepost_data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for lang in ("zh", "en"):
            figure_svg(plot_indicators(ctx["indicators"], lang))
            figure_png(plot_prepost(pre, post, lang=lang, outcome="职工幸福感 wellbeing"))
            build_charts(demo_ev, ctx, lang=lang, fmt="png")
    glyphs = [str(w.message) for w in caught if "missing from" in str(w.message)
              or "Glyph" in str(w.message)]
    assert not glyphs, glyphs[:3]
    assert not [w for w in caught if "left out" in str(w.message)], \
        [str(w.message) for w in caught][:3]


def test_png_has_no_timestamp(demo_ev: Any) -> None:
    a = figure_png(plot_indicators(demo_ev.indicators, "en"))
    b = figure_png(plot_indicators(demo_ev.indicators, "en"))
    assert a == b and a.startswith(b"\x89PNG")


def test_inline_svg_is_namespaced_and_sanitised() -> None:
    from evalkit.report.charts import namespaced

    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><style type="text/css">*{stroke:red}'
           '</style><defs><clipPath id="c1"/></defs><g clip-path="url(#c1)" onclick="evil()">'
           '<a href="https://example.com/x"><text>t</text></a><use href="#c1"/></g>'
           '<script>alert(1)</script></svg>')
    out = namespaced(svg, "ek-x")
    assert out.startswith('<svg id="ek-x"')
    assert 'id="ek-x-c1"' in out and "url(#ek-x-c1)" in out and 'href="#ek-x-c1"' in out
    assert "#ek-x *{" in out
    assert "<script" not in out and "onclick" not in out and "example.com" not in out


def test_layout_is_measured_with_the_renderer_that_draws(demo_ev: Any, monkeypatch) -> None:
    # plot.base's figures lay out with the SVG writer's own renderer instead of a throw-away
    # one (every label measured once, not twice); the file is the same as matplotlib's own
    import matplotlib.figure

    from evalkit.plot import base

    pre, post = _prepost_data()
    charts = {"indicators": lambda: plot_indicators(demo_ev.indicators, "zh"),
              "prepost": lambda: plot_prepost(pre, post, lang="en", outcome="wellbeing",
                                              value_range=(1, 5))}
    throwaway: list[object] = []
    real = matplotlib.figure._get_renderer
    monkeypatch.setattr(matplotlib.figure, "_get_renderer",
                        lambda *a, **k: throwaway.append(a) or real(*a, **k))
    ours = {name: figure_svg(draw()) for name, draw in charts.items()}
    assert throwaway == []
    monkeypatch.setattr(base, "_figure_class", lambda: matplotlib.figure.Figure)
    plain = {name: figure_svg(draw()) for name, draw in charts.items()}
    assert len(throwaway) >= len(charts)  # matplotlib's own way makes a throw-away renderer
    assert ours == plain
