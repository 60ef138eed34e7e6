"""Charts of ek.synth and ek.its results: they draw what the result holds, in zh and en."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import RenderError
from evalkit.plot.designs import plot_its, plot_synth


def _panel():
    rng = np.random.default_rng(0)
    unit = np.repeat([f"s{i}" for i in range(8)], 12)
    t = np.tile(np.arange(12), 8)
    d = ((unit == "s7") & (t >= 8)).astype(int)
    y = rng.normal(size=8)[np.repeat(np.arange(8), 12)] + 0.2 * t - 1.0 * d + rng.normal(
        scale=0.2, size=len(t))
    return pd.DataFrame({"unit": unit, "t": t, "y": y, "d": d})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plot_synth_and_its(lang):
    r = ek.synth(_panel(), "y", "unit", "t", "d", method="sc", se=None,
                 placebo_in_space=False)
    fig = plot_synth(r, lang)
    ax = fig.axes[0]
    assert_allclose(ax.lines[0].get_ydata(), r.extra["trajectories"]["treated"])
    assert_allclose(ax.lines[1].get_ydata(), r.extra["trajectories"]["synthetic"])
    s = pd.DataFrame({"m": np.arange(1, 25), "v": np.r_[np.arange(12.0), np.arange(12.0) + 3]
                      + np.sin(np.arange(24))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        its = ek.its(s, "v", "m", start=13)
    fig2 = plot_its(its, lang)
    assert len(fig2.axes[0].lines) >= 4
    with pytest.raises(RenderError):
        plot_synth(its, lang)
    with pytest.raises(RenderError):
        plot_its(r, "fr")


def test_result_plot_draws_synth_and_its():
    """``r.plot()`` on ek.synth / ek.its results: the paths and the series the result holds."""
    r = ek.synth(_panel(), "y", "unit", "t", "d", method="sc", se=None,
                 placebo_in_space=False)
    ax = r.plot(lang="zh").axes[0]
    assert_allclose(ax.lines[0].get_ydata(), r.extra["trajectories"]["treated"])
    assert_allclose(ax.lines[1].get_ydata(), r.extra["trajectories"]["synthetic"])
    assert "合成控制" in ax.get_title()
    s = pd.DataFrame({"m": np.arange(1, 25), "v": np.r_[np.arange(12.0), np.arange(12.0) + 3]
                      + np.sin(np.arange(24))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        its = ek.its(s, "v", "m", start=13)
    ax = its.plot().axes[0]
    assert_allclose(ax.lines[0].get_ydata(), its.extra["series"]["observed"])


def test_plot_synth_names_donors_by_label_and_periods_as_whole_numbers():
    """Donor bars carry the labels given (never a raw id when one is given); periods stored
    as floats (1.0, 2.0 …) are ticked as whole numbers."""
    df = _panel().assign(t=lambda d: d["t"].astype(float) + 1.0)
    r = ek.synth(df, "y", "unit", "t", "d", method="sc", se=None, placebo_in_space=False)
    w = r.extra["unit_weights"]
    labels = {u: f"站点{u[1:]}" for u in w.index}
    fig = plot_synth(r, "zh", labels=labels)
    bars = [tick.get_text() for tick in fig.axes[1].get_yticklabels()]
    top = w[w > 0].sort_values(ascending=False).head(8)
    assert bars == [labels[u] for u in top.index[::-1]]
    assert not any(b.startswith("s") for b in bars)
    ticks = [tick.get_text() for tick in fig.axes[0].get_xticklabels()]
    assert ticks and all(tick.isdigit() for tick in ticks), ticks
    assert ticks[0] == "1"
    # no labels: the ids, as before
    fig = plot_synth(r, "en")
    assert {tick.get_text() for tick in fig.axes[1].get_yticklabels()} == set(top.index)


def test_plot_its_time_label():
    s = pd.DataFrame({"m": np.arange(1, 25), "v": np.r_[np.arange(12.0), np.arange(12.0) + 3]
                      + np.sin(np.arange(24))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        its = ek.its(s, "v", "m", start=13)
    assert plot_its(its, "zh", time_label="月份").axes[0].get_xlabel() == "月份"
    assert plot_its(its, "en").axes[0].get_xlabel() == "m"
    ax = plot_its(its, "en").axes[0]
    ax.figure.canvas.draw()
    assert all(float(v).is_integer() for v in ax.get_xticks())


#: the function each report format draws a design chart with: SVG (HTML, PDF) written
#: directly, PNG (Word) with matplotlib
DRAWERS = {"svg": ("evalkit.report.svgcharts.designs", "synth_svg", "its_svg"),
           "png": ("evalkit.plot.designs", "plot_synth", "plot_its")}


@pytest.mark.parametrize("fmt", ["svg", "png"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_synth_chart_names_donors_by_site(lang, fmt, monkeypatch):
    """The report passes the site names (as the donor weight table shows them) to the chart,
    and the ITS time axis label by its description; no raw site id reaches a zh chart."""
    import importlib

    from evalkit.report.designs import design_charts

    ev = ek.evaluate(ek.load_project(ek.datasets.path("shenyang_sanlian") / "project.yaml"))
    seen: dict[str, object] = {}

    def fake_synth(result, lang, top=8, *, ax=None, labels=None):
        seen.update(result=result, labels=labels, top=top)
        return "chart"

    module, synth, _ = DRAWERS[fmt]
    monkeypatch.setattr(importlib.import_module(module), synth, fake_synth)
    context = {"effects": [{"id": oid} for oid in ev.effects]}
    design_charts(ev, context, lang=lang, fmt=fmt, safely=lambda name, make, fmt: make())
    w = ev.effects["service_synthetic"].extra["unit_weights"]
    top = w[w > 1e-9].sort_values(ascending=False).head(seen["top"])
    names = {s["id"]: s["name"] for s in ev.project.sites.nodes() if s["name"]}
    assert seen["labels"] == {u: getattr(names[u], lang) for u in top.index}
    assert not any(str(u) in str(v) for u, v in seen["labels"].items())


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_report_its_chart_time_axis_by_description(fmt, monkeypatch):
    import importlib

    from evalkit.report.designs import design_charts

    ev = ek.evaluate(ek.load_project(ek.datasets.path("three_society_linkage") / "project.yaml"))
    seen: list[tuple[object, object]] = []

    def fake_its(result, lang, *, ax=None, time_label=None):
        seen.append((result.extra["series"].columns[0], time_label))
        return "chart"

    module, _, its = DRAWERS[fmt]
    monkeypatch.setattr(importlib.import_module(module), its, fake_its)
    context = {"effects": [{"id": oid} for oid in ev.effects]}
    design_charts(ev, context, lang="zh", fmt=fmt, safely=lambda name, make, fmt: make())
    columns = {n: c.description for s in ev.project.data.values() for n, c in s.columns.items()}
    assert seen
    for column, label in seen:  # the series keeps its column; the label is its description
        assert label == columns[column].zh and label != column
