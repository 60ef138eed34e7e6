"""The report's SVG charts of the designs — event study, honest DiD, interrupted time series,
synthetic comparison — written without matplotlib.

What each chart shows is read back from the SVG (points, bars, paths, labels) and checked
against the numbers of the result: every point and interval end must be one linear map of
the estimates, in the right order, with the right colour; the words are those of the
matplotlib chart (read from the matplotlib figure); no label is cut or overlaps another,
even with long Chinese and English names and many periods; hostile names are escaped.
"""

from __future__ import annotations

import dataclasses
import warnings
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
import svg_reading as sr
from test_design_charts import _panel  # the same small panel of 8 units x 12 periods

import evalkit as ek
from evalkit.errors import RenderError
from evalkit.plot.designs import top_donors
from evalkit.report.svgcharts.designs import its_svg, synth_svg
from evalkit.report.svgcharts.event_study import event_study_svg, period_labels, period_step
from evalkit.report.svgcharts.honest import honest_svg

PRE, POST = "#6c757d", "#1f77b4"
LONG_ZH = "参加过法律援助站全部三期劳动合同与工资支付专题讲座并在服务结束后六个月仍在本企业工作的一线职工月均劳动争议件数"
LONG_EN = ("monthly labour disputes per hundred front-line workers who attended all three "
           "legal-aid workshops on contracts and wage payment and still worked in the same "
           "enterprise six months after the service ended")


@pytest.fixture(scope="module")
def study(demo_ev: Any) -> Any:
    return demo_ev.details["disputes"]["event_study"]


@pytest.fixture(scope="module")
def honest_frame(demo_ev: Any) -> Any:
    return demo_ev.details["disputes"]["honest_did"]


@pytest.fixture(scope="module")
def synth_result() -> Any:
    return ek.synth(_panel(), "y", "unit", "t", "d", method="sdid", se=None,
                    placebo_in_space=False)


@pytest.fixture(scope="module")
def its_result() -> Any:
    s = pd.DataFrame({"m": np.arange(1, 25), "v": np.r_[np.arange(12.0), np.arange(12.0) + 3]
                      + np.sin(np.arange(24))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ek.its(s, "v", "m", start=13)


def _with_events(study: Any, events: pd.DataFrame) -> Any:
    return dataclasses.replace(study, extra={**study.extra, "event_times": events})


def _many_periods(study: Any, pre: int, post: int) -> Any:
    times = np.arange(-pre, post + 1, dtype=float)
    est = np.where(times < 0, 0.1 * np.sin(times), -0.8 + 0.01 * times)
    est[times == -1] = 0.0
    half = 0.3 + 0.01 * np.abs(times)
    ref = times == -1
    return _with_events(study, pd.DataFrame({
        "event_time": times, "term": [f"e={int(t)}" for t in times], "estimate": est,
        "std_error": half / 1.96, "conf_low": np.where(ref, 0.0, est - half),
        "conf_high": np.where(ref, 0.0, est + half), "reference": ref}))


# -- event study -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_event_study_points_and_intervals_are_the_estimates(study: Any, lang: str) -> None:
    svg = event_study_svg(study, lang, outcome="劳动争议", unit="件/百人")
    events = study.extra["event_times"].sort_values("event_time")
    ref = events["reference"].to_numpy(bool)
    shown = events.loc[~ref]
    filled = [c for c in sr.circles(svg) if c["fill"] != "#ffffff"]
    hollow = [c for c in sr.circles(svg) if c["fill"] == "#ffffff"]
    assert len(filled) == len(shown) and len(hollow) == 1
    filled.sort(key=lambda c: c["cx"])
    times = shown["event_time"].to_numpy(float)
    ax, bx = sr.linear_map(times, [c["cx"] for c in filled])
    ay, by = sr.linear_map(shown["estimate"], [c["cy"] for c in filled])
    assert bx > 0 and by < 0  # later to the right, larger upwards
    # grey before the start, blue after it; the reference period hollow, at 0
    assert [c["fill"] for c in filled] == [PRE if t < 0 else POST for t in times]
    t_ref = float(events.loc[ref, "event_time"].iloc[0])
    assert hollow[0]["cx"] == pytest.approx(ax + bx * t_ref, abs=0.02)
    assert hollow[0]["cy"] == pytest.approx(ay, abs=0.02)
    # one vertical bar per period from conf_low (below) to conf_high (above)
    bars = [ln for ln in sr.lines(svg) if ln["x1"] == ln["x2"] and ln["stroke"] in (PRE, POST)
            and abs(ln["y1"] - ln["y2"]) > 0]
    assert len(bars) == len(shown)
    bars.sort(key=lambda ln: ln["x1"])
    for bar, row in zip(bars, shown.itertuples(index=False), strict=True):
        assert bar["x1"] == pytest.approx(ax + bx * row.event_time, abs=0.02)
        low, high = max(bar["y1"], bar["y2"]), min(bar["y1"], bar["y2"])
        assert low == pytest.approx(ay + by * row.conf_low, abs=0.02)
        assert high == pytest.approx(ay + by * row.conf_high, abs=0.02)
    # the dashed start line between -1 and 0, the line at zero
    dashed = [ln for ln in sr.lines(svg) if ln["dash"] and ln["x1"] == ln["x2"]]
    assert len(dashed) == 1 and dashed[0]["x1"] == pytest.approx(ax - 0.5 * bx, abs=0.02)
    assert any(ln["y1"] == ln["y2"] == pytest.approx(ay, abs=0.02) and ln["stroke"] == "#000000"
               for ln in sr.lines(svg))
    sr.assert_readable(svg)


def test_event_study_words_are_the_matplotlib_charts(study: Any) -> None:
    """Title, axis titles, legend entries and legend title: the matplotlib chart's words."""
    from evalkit.plot.event_study import plot_event_study

    for lang, outcome, unit in (("zh", "每百名职工月均劳动争议", "件/百人"),
                                ("en", "monthly labour disputes per 100 workers", "per 100")):
        ax = plot_event_study(study, lang, outcome=outcome, unit=unit).axes[0]
        legend = ax.get_legend()
        words = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
                 legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
        flat = sr.flat(event_study_svg(study, lang, outcome=outcome, unit=unit))
        for word in words:
            assert sr.squash(word) in flat, word
    texts = sr.texts(event_study_svg(study, "en"))
    p = study.extra["pretrend_p"]
    assert f"95% confidence interval; pre-trend test p = {p:.3f}" in texts
    assert "Effect by period (reference period -1 = 0)" in texts


def test_event_study_labels_every_period_that_fits(study: Any) -> None:
    events = study.extra["event_times"]
    short = _with_events(study, events.loc[events["event_time"].between(-4, 4)])
    texts = sr.texts(event_study_svg(short, "en"))
    assert {str(t) for t in range(-4, 5)} <= set(texts)
    # many periods: thinned to multiples of one step, 0 always labelled, never touching
    for pre, post in ((12, 11), (30, 30), (60, 60)):
        svg = event_study_svg(_many_periods(study, pre, post), "zh")
        values = sorted({int(t) for t in sr.texts(svg) if t.lstrip("-").isdigit()})
        assert 0 in values
        steps = {b - a for a, b in pairwise(values)}
        assert len(steps) == 1, steps
        assert len(values) >= (pre + post + 1) // max(steps) - 1
        sr.assert_readable(svg)


def test_event_study_start_line_inside_without_pre_periods(study: Any) -> None:
    """Only periods after the start (or only before it): the dashed start line still stands
    inside the plotting area, left (right) of every point."""
    events = _many_periods(study, 12, 11).extra["event_times"]
    for after, keep in ((True, events["event_time"] >= 0), (False, events["event_time"] <= -2)):
        svg = event_study_svg(_with_events(study, events.loc[keep]), "en")
        ((left, _, right, _),) = sr.areas(svg)
        dashed = [ln for ln in sr.lines(svg) if ln["dash"] and ln["x1"] == ln["x2"]]
        xs = [c["cx"] for c in sr.circles(svg)]
        assert len(dashed) == 1 and left < dashed[0]["x1"] < right and xs
        assert all((x > dashed[0]["x1"]) == after for x in xs)
        sr.assert_readable(svg)


def test_period_step_and_labels() -> None:
    assert period_step([0, 1, 2], 30.0, 12.0) == 1
    assert period_step([0, 1, 2], 10.0, 12.0) == 2  # 2 x 10 px >= 12 + 6
    assert period_step([0, 1, 2], 4.0, 12.0) == 5
    assert period_labels([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0], 2) == [(-2.0, "-2"), (0.0, "0"),
                                                                     (2.0, "2")]
    assert period_labels([-1.0, 0.0], 1) == [(-1.0, "-1"), (0.0, "0")]
    assert period_labels([0.5, 1.5, 2.5], 2) == [(0.5, "0.5"), (2.5, "2.5")]


@pytest.mark.parametrize("lang,name", [("zh", LONG_ZH), ("en", LONG_EN)])
def test_event_study_long_outcome_name_wraps_whole(study: Any, lang: str, name: str) -> None:
    svg = event_study_svg(_many_periods(study, 24, 24), lang, outcome=name, unit="件/百人")
    assert sr.squash(name) in sr.flat(svg)  # wrapped, never cut
    sr.assert_readable(svg)


def test_event_study_without_event_times_is_a_render_error(its_result: Any) -> None:
    with pytest.raises(RenderError, match="event-time"):
        event_study_svg(its_result, "en")
    with pytest.raises(RenderError):
        event_study_svg(its_result, "fr")


# -- honest DiD ------------------------------------------------------------------------------

def _intervals(svg: str, colour: str) -> list[dict[str, Any]]:
    return sorted((ln for ln in sr.lines(svg) if ln["stroke"] == colour and ln["x1"] == ln["x2"]
                   and abs(ln["y1"] - ln["y2"]) > 0), key=lambda ln: ln["x1"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_honest_intervals_in_order(honest_frame: Any, lang: str) -> None:
    svg = honest_svg(honest_frame, lang)
    red, blue = _intervals(svg, "#d62728"), _intervals(svg, "#1f77b4")
    assert len(red) == 1 and len(blue) == len(honest_frame)
    m = honest_frame["m"].to_numpy(float)
    step = float(np.diff(np.sort(m)).min())
    # positions: the original one step left of the smallest M, then each M in order
    xs = [red[0]["x1"]] + [ln["x1"] for ln in blue]
    ax, bx = sr.linear_map([m.min() - step, *np.sort(m)], xs)
    o_lb, o_ub = honest_frame.attrs["original"]
    ends = [(o_lb, o_ub), *zip(honest_frame.sort_values("m")["lb"],
                               honest_frame.sort_values("m")["ub"], strict=True)]
    lows = [max(ln["y1"], ln["y2"]) for ln in [*red, *blue]]
    highs = [min(ln["y1"], ln["y2"]) for ln in [*red, *blue]]
    data = [v for lo, hi in ends for v in (lo, hi)]
    sr.linear_map(data, [v for lo, hi in zip(lows, highs, strict=True) for v in (lo, hi)])
    assert all(lo > hi for lo, hi in zip(lows, highs, strict=True))  # lb drawn below ub
    bd = honest_frame.attrs["breakdown"]
    dotted = [ln for ln in sr.lines(svg) if ln["dash"] and ln["x1"] == ln["x2"]]
    assert len(dotted) == 1 and dotted[0]["x1"] == pytest.approx(ax + bx * bd, abs=0.02)
    texts = sr.texts(svg)
    assert {f"{v:g}" for v in m} <= set(texts)
    assert ("原区间" if lang == "zh" else "original") in texts
    assert (f"临界值 {bd:.3g}" if lang == "zh" else f"breakdown {bd:.3g}") in texts
    sr.assert_readable(svg)


def test_honest_words_are_the_matplotlib_charts(honest_frame: Any) -> None:
    from evalkit.plot.honest import plot_honest_did

    for lang in ("zh", "en"):
        ax = plot_honest_did(honest_frame, lang).axes[0]
        words = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
                 *(t.get_text() for t in ax.get_legend().get_texts()),
                 *(t.get_text() for t in ax.get_xticklabels())]
        flat = sr.flat(honest_svg(honest_frame, lang))
        for word in words:
            assert sr.squash(word) in flat, word


def test_honest_relative_magnitudes_unbounded_and_no_breakdown() -> None:
    frame = pd.DataFrame({"m": [0.0, 0.5, 1.0, 1.5, 2.0], "lb": [-2.0, -2.5, -3.2, -4.0, -np.inf],
                          "ub": [-0.5, -0.2, 0.4, 1.1, np.inf]})
    frame.attrs.update(original=(-1.8, -0.7), breakdown=np.inf, method="relative_magnitude")
    svg = honest_svg(frame, "en")
    assert "M̄" in sr.flat(svg)
    assert not any("breakdown" in t for t in sr.texts(svg))
    assert not [ln for ln in sr.lines(svg) if ln["dash"] and ln["x1"] == ln["x2"]]
    blue = _intervals(svg, "#1f77b4")
    assert len(blue) == 5  # the unbounded one runs from edge to edge, without caps
    caps = [ln for ln in sr.lines(svg) if ln["stroke"] == "#1f77b4" and ln["y1"] == ln["y2"]
            and abs(ln["x1"] - blue[-1]["x1"]) < 5 and ln["x2"] - ln["x1"] < 10]
    assert caps == []
    sr.assert_readable(svg)
    many = pd.DataFrame({"m": np.arange(31) / 10, "lb": -1 - np.arange(31) / 10,
                         "ub": -0.5 + np.arange(31) / 20})
    many.attrs.update(original=(-1.0, -0.5), breakdown=1.05, method="smoothness")
    for lang in ("zh", "en"):  # 31 bounds: labels thinned, none touching "original"
        svg = honest_svg(many, lang)
        sr.assert_readable(svg)
        assert "0" in sr.texts(svg) and len(_intervals(svg, "#1f77b4")) == 31
    with pytest.raises(RenderError, match="honest_did"):
        honest_svg(pd.DataFrame({"m": [0.0]}), "en")


# -- interrupted time series -----------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_its_series_fitted_and_counterfactual(its_result: Any, lang: str) -> None:
    svg = its_svg(its_result, lang, time_label="月份" if lang == "zh" else None)
    series = its_result.extra["series"]
    pts = sorted(sr.circles(svg), key=lambda c: c["cx"])
    pts = [c for c in pts if c["fill"] == PRE]
    assert len(pts) == len(series)
    ax, bx = sr.linear_map(series["m"], [c["cx"] for c in pts])
    ay, by = sr.linear_map(series["observed"], [c["cy"] for c in pts])
    post = series["post"].to_numpy(bool)
    drawn = [p for p in sr.paths(svg) if p["stroke"] == POST]
    solid = [p for p in drawn if not p["dash"]]
    dashed = [p for p in drawn if p["dash"]]
    assert len(solid) == 2 and len(dashed) == 1
    for p, mask, column in ((solid[0], ~post, "fitted"), (solid[1], post, "fitted"),
                            (dashed[0], post, "counterfactual")):
        px = np.array(p["points"])
        np.testing.assert_allclose(px[:, 0], ax + bx * series["m"][mask], atol=0.02)
        np.testing.assert_allclose(px[:, 1], ay + by * series[column][mask], atol=0.02)
    start = [ln for ln in sr.lines(svg) if ln["dash"] and ln["x1"] == ln["x2"]]
    assert len(start) == 1 and start[0]["x1"] == pytest.approx(ax + bx * 12.5, abs=0.02)
    numbers = [t for t in sr.texts(svg) if t.replace(".", "").isdigit()]
    assert all(float(t).is_integer() for t in numbers)
    assert ("月份" if lang == "zh" else "m") in sr.texts(svg)
    sr.assert_readable(svg)


def test_its_words_are_the_matplotlib_charts(its_result: Any) -> None:
    from evalkit.plot.designs import plot_its

    for lang in ("zh", "en"):
        r = dataclasses.replace(its_result, outcome=LONG_ZH if lang == "zh" else LONG_EN)
        ax = plot_its(r, lang, time_label="time").axes[0]
        words = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(),
                 *(t.get_text() for t in ax.get_legend().get_texts())]
        svg = its_svg(r, lang, time_label="time")
        for word in words:
            assert sr.squash(word) in sr.flat(svg), word
        sr.assert_readable(svg)
    with pytest.raises(RenderError, match=r"ek\.its"):
        its_svg(dataclasses.replace(its_result, extra={}), "en")


# -- synthetic comparison --------------------------------------------------------------------

def _donor_bars(svg: str) -> list[dict[str, Any]]:
    return sorted((r for r in sr.rects(svg) if r["fill"] == "#d62728" and r["w"] > 0
                   and r["h"] > 10), key=lambda r: r["y"])


def test_synth_paths_weights_and_donor_names(synth_result: Any) -> None:
    w = synth_result.extra["unit_weights"]
    top = w[w > 1e-9].sort_values(ascending=False).head(8)
    labels = {u: f"站点{u[1:]}（{'强' if i % 2 else '弱'}）" for i, u in enumerate(w.index)}
    svg = synth_svg(synth_result, "zh", labels=labels)
    bars = _donor_bars(svg)
    assert len(bars) == len(top)
    sr.linear_map([0.0, *top], [bars[0]["x"], *(b["x"] + b["w"] for b in bars)])
    texts = sr.texts(svg)
    names = [t.replace("\n", "") for t in texts if t.replace("\n", "").startswith("站点")]
    assert names == [labels[u] for u in top.index]  # largest on top
    assert not any(t.startswith("s") and t[1:].isdigit() for t in texts)  # no raw ids
    traj = synth_result.extra["trajectories"]
    blue = [p for p in sr.paths(svg) if p["stroke"] == POST]
    red = [p for p in sr.paths(svg) if p["stroke"] == "#d62728" and p["dash"]]
    assert len(blue) == len(red) == 1
    ax, bx = sr.linear_map(range(len(traj)), [x for x, _ in blue[0]["points"]])
    ay, by = sr.linear_map(traj["treated"], [y for _, y in blue[0]["points"]])
    np.testing.assert_allclose([y for _, y in red[0]["points"]], ay + by * traj["synthetic"],
                               atol=0.02)
    lam = synth_result.extra["time_weights"]
    grey = [r for r in sr.rects(svg) if r["fill"] == "#bbbbbb" and r["w"] > 14]
    assert len(grey) == int((lam > 0).sum())
    start = int(np.argmax(traj["post"].to_numpy()))
    dotted = [ln for ln in sr.lines(svg) if ln["dash"] and ln["x1"] == ln["x2"]]
    assert len(dotted) == 1 and dotted[0]["x1"] == pytest.approx(ax + bx * (start - 0.5),
                                                                 abs=0.02)
    sr.assert_readable(svg)
    # without labels: the ids, as the matplotlib chart
    plain = sr.texts(synth_svg(synth_result, "en"))
    assert set(top.index) <= set(plain)


def test_synth_words_are_the_matplotlib_charts(synth_result: Any) -> None:
    from evalkit.plot.designs import plot_synth

    labels = {u: f"{LONG_EN[:40]} {u}" for u in synth_result.extra["unit_weights"].index}
    for lang in ("zh", "en"):
        fig = plot_synth(synth_result, lang, labels=labels)
        paths, weights = fig.axes
        words = [paths.get_title(), paths.get_ylabel(), weights.get_title(),
                 *(t.get_text() for t in paths.get_legend().get_texts()),
                 *(t.get_text() for t in paths.texts),
                 *(t.get_text() for t in weights.get_yticklabels()),
                 *(t.get_text() for t in paths.get_xticklabels())]
        svg = synth_svg(synth_result, lang, labels=labels)
        for word in words:
            assert sr.squash(word) in sr.flat(svg), word
        sr.assert_readable(svg)


def test_synth_escapes_hostile_names_and_leaves_out_zero_weights(synth_result: Any) -> None:
    w = synth_result.extra["unit_weights"].copy()
    w.iloc[:] = 0.0
    w.iloc[0], w.iloc[1], w.iloc[2] = 0.7, 0.3, 1e-12
    r = dataclasses.replace(synth_result, extra={**synth_result.extra, "unit_weights": w})
    hostile = '</text></svg><script>alert("x")</script>&amp;\'<b>'
    labels = {w.index[0]: hostile, w.index[1]: "B & C"}
    svg = synth_svg(r, "en", labels=labels)
    assert "<script" not in svg and "</svg><" not in svg[:-6]
    texts = sr.texts(svg)  # parses: the names are text, given back exactly
    assert hostile in [t.replace("\n", "") for t in texts] or sr.squash(hostile) in sr.flat(svg)
    assert "B & C" in texts
    assert len(_donor_bars(svg)) == 2 and str(w.index[2]) not in texts
    assert top_donors(w, 8, labels) == [(hostile, 0.7), ("B & C", 0.3)]
    # the Word chart (matplotlib) leaves the numerical zero out too: the report's labels
    # cover the donors with a weight above 1e-9, so a bar beyond them would show a raw id
    from evalkit.plot.designs import plot_synth

    bars = [t.get_text() for t in plot_synth(r, "en", labels=labels).axes[1].get_yticklabels()]
    assert bars == ["B & C", hostile]
    with pytest.raises(RenderError, match=r"ek\.synth"):
        synth_svg(dataclasses.replace(synth_result, extra={}), "en")


def test_charts_are_deterministic(study: Any, honest_frame: Any, synth_result: Any,
                                  its_result: Any) -> None:
    for draw in (lambda: event_study_svg(study, "zh", outcome="劳动争议"),
                 lambda: honest_svg(honest_frame, "en"),
                 lambda: synth_svg(synth_result, "zh"), lambda: its_svg(its_result, "en")):
        first = draw()
        assert first == draw() and first.startswith("<svg")
        sr.parse(first)


# -- in the report ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shenyang() -> Any:
    return ek.evaluate(ek.load_project(ek.datasets.path("shenyang_sanlian") / "project.yaml"))


def test_report_draws_svg_without_matplotlib_and_png_with_it(shenyang: Any) -> None:
    from evalkit.report.designs import design_charts

    context = {"effects": [{"id": oid} for oid in shenyang.effects]}
    made: list[tuple[str, str]] = []

    def safely(name: str, make: Any, fmt: str) -> Any:
        made.append((name, fmt))
        return make()

    svg = design_charts(shenyang, context, lang="zh", fmt="svg", safely=safely)
    chart = svg["designs"]["service_synthetic"]
    assert isinstance(chart, str) and chart.startswith("<svg") and "figure_1" not in chart
    names = {s["id"]: s["name"].zh for s in shenyang.project.sites.nodes() if s["name"]}
    w = shenyang.effects["service_synthetic"].extra["unit_weights"]
    flat = sr.flat(chart)
    for unit in w[w > 1e-9].sort_values(ascending=False).head(8).index:
        assert sr.squash(names[unit]) in flat and unit not in sr.texts(chart)
    png = design_charts(shenyang, context, lang="zh", fmt="png", safely=safely)
    fig = png["designs"]["service_synthetic"]
    assert type(fig).__module__.startswith(("matplotlib", "evalkit.plot"))
    suppressed = {"effects": [{"id": oid, "suppressed": True} for oid in shenyang.effects]}
    assert design_charts(shenyang, suppressed, lang="zh", fmt="svg", safely=safely) == {
        "designs": {}, "honest": {}}


def test_report_withholds_donors_that_identify_people(shenyang: Any, monkeypatch: Any) -> None:
    """When the unit column identifies people, the chart names donors #1, #2 … (as the
    weights table), never by their ids or site names."""
    import evalkit.data.privacy as privacy
    from evalkit.report.designs import design_charts

    oc = next(o for o in shenyang.project.outcomes if o.id == "service_synthetic")
    monkeypatch.setattr(privacy, "identifying_columns", lambda project: [str(oc.unit)])
    context = {"effects": [{"id": oid} for oid in shenyang.effects]}
    chart = design_charts(shenyang, context, lang="en", fmt="svg",
                          safely=lambda name, make, fmt: make())["designs"]["service_synthetic"]
    w = shenyang.effects["service_synthetic"].extra["unit_weights"]
    shown = w[w > 1e-9].sort_values(ascending=False).head(8)
    texts = sr.texts(chart)
    assert [t for t in texts if t.startswith("#")] == [f"#{k + 1}" for k in range(len(shown))]
    names = {s["id"]: s["name"].en for s in shenyang.project.sites.nodes() if s["name"]}
    for unit in w.index:
        assert str(unit) not in texts and sr.squash(names.get(unit, "@")) not in sr.flat(chart)


def test_html_report_of_the_demo_never_imports_matplotlib(tmp_path: Any) -> None:
    """Every chart of an HTML report is written as SVG text: ``evalkit demo`` (its HTML report
    has indicators, pre/post, event-study, honest-DiD and tornado charts) never imports
    matplotlib."""
    import subprocess
    import sys

    code = f"""
import sys
from evalkit import cli
cli.main(["demo", "--out", {str(tmp_path / "html")!r}])
print(sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "mpl_toolkits")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
    page = (tmp_path / "html" / "report.zh.html").read_text(encoding="utf-8")
    for chart in ("event_study-disputes", "honest-disputes", "indicators", "tornado"):
        assert f'<svg id="ek-{chart}"' in page, chart
