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
