"""ek.honest_did: inputs, errors, sentence and plot (reference values: tests/reference)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import SpecError
from evalkit.estimate.honest import honest_sentence
from evalkit.estimate.honest_arp import construct_gamma, r_normal_draws, rm_constraints

B = np.array([0.01, -0.02, 0.0, 0.5, 0.4])
V = np.diag([0.01, 0.01, 0.01, 0.02, 0.02]) + 0.002


def test_r_normal_draws_are_rs():
    # R: set.seed(0); rnorm(5) -> 1.2629543 -0.3262334 1.3297993 1.2724293 0.4146414
    np.testing.assert_allclose(r_normal_draws(0, 5),
                               [1.2629543, -0.3262334, 1.3297993, 1.2724293, 0.4146414],
                               atol=5e-8)


def test_gamma_first_row_is_l_vec_and_constraints_shape():
    g = construct_gamma(np.array([0.5, 0.5]))
    np.testing.assert_allclose(g, [[0.5, 0.5], [1.0, 0.0]])
    a = rm_constraints(3, 2, 1.0, 0, True)
    assert a.shape[1] == 5
    delta = np.array([-0.1, -0.1, -0.1, 0.05, 0.1])  # largest pre change: delta_0 - delta_-1
    assert np.all(a @ delta <= 1e-12)
    assert np.any(a @ np.array([-0.1, -0.1, -0.1, 0.25, 0.3]) > 0)  # post change 0.25 > 0.1


def test_smoothness_interval_widens_with_m_and_contains_estimate():
    out = ek.honest_did(B, V, 3, 2, method="smoothness", m=[0.0, 0.1, 0.5])
    widths = (out["ub"] - out["lb"]).to_numpy()
    assert np.all(np.diff(widths) > 0)
    assert list(out.columns) == ["m", "lb", "ub"]
    lb, ub = out.attrs["original"]
    assert lb < out.attrs["estimate"] < ub
    assert out.attrs["breakdown"] > 0.1


def test_from_event_study_result_and_sentence():
    rng = np.random.default_rng(3)
    rows = []
    for u in range(30):
        cohort = 5 if u < 12 else 0
        for t in range(1, 8):
            y = rng.normal() + 0.1 * t + (1.5 if cohort and t >= cohort else 0.0)
            rows.append({"unit": u, "time": t, "cohort": cohort, "y": y})
    df = pd.DataFrame(rows)
    r = ek.event_study(df, "y", "unit", "time", "cohort", cluster="unit")
    out = ek.honest_did(r, method="smoothness", m=[0.0, 0.2])
    assert out.attrs["num_pre"] == 3 and out.attrs["num_post"] == 3
    en, zh = honest_sentence(out, "en"), honest_sentence(out, "zh")
    assert "holds unless" in en and "否则结论成立" in zh
    rm = out.copy()
    rm.attrs = {**out.attrs, "method": "relative_magnitude", "breakdown": 1.5}
    assert "more than 1.5 times the largest before it" in honest_sentence(rm, "en")
    assert "1.5 倍" in honest_sentence(rm, "zh")


def test_plot_in_both_languages():
    from matplotlib.figure import Figure

    from evalkit.plot.honest import plot_honest_did

    out = ek.honest_did(B, V, 3, 2, method="smoothness", m=[0.0, 0.1])
    for lang in ("en", "zh"):
        assert isinstance(plot_honest_did(out, lang=lang), Figure)
    with pytest.raises(ek.RenderError, match="lang"):
        plot_honest_did(out, lang="fr")


class _Result:
    def __init__(self, events: pd.DataFrame, vcov: pd.DataFrame | None) -> None:
        self.event_times = events
        self.extra = {"vcov": vcov}
        self.design = "event_study"


def test_event_study_without_pre_periods_is_refused():
    ev = pd.DataFrame({"event_time": [-1.0, 0.0, 1.0], "term": ["e=-1", "e=0", "e=1"],
                       "estimate": [0.0, 1.0, 1.2], "reference": [True, False, False]})
    vc = pd.DataFrame(np.eye(2) * 0.01, index=["e=0", "e=1"], columns=["e=0", "e=1"])
    with pytest.raises(SpecError, match="no pre-period"):
        ek.honest_did(_Result(ev, vc), method="smoothness")
    with pytest.raises(SpecError, match="vcov"):
        ek.honest_did(_Result(ev, None), method="smoothness")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"sigma": np.eye(4)}, "sigma: expected a 5 x 5"),
    ({"num_pre": 2}, "betahat: has 5 entries"),
    ({"sigma": -np.eye(5)}, "not positive definite"),
    ({"sigma": np.ones((5, 5))}, "not positive definite"),
    ({"m": [0.1, -1.0]}, "m: the bounds must be >= 0"),
    ({"method": "both"}, "method: expected one of"),
    ({"l_vec": [1.0]}, "l_vec: expected 2"),
    ({"l_vec": [0.0, 0.0]}, "l_vec: all weights are 0"),
    ({"num_pre": 0, "num_post": 5}, "num_pre"),
])
def test_bad_inputs(kwargs, match):
    args = {"sigma": V, "num_pre": 3, "num_post": 2, "method": "smoothness", **kwargs}
    with pytest.raises(SpecError, match=match):
        ek.honest_did(B, **args)


# one post period: the first three rows of the mpdta dynamic event study, rounded (e=-3, e=-2, e=0;
# tests/estimate/test_staggered_honest.py)
B1 = np.array([0.030507, -0.000563, -0.019932])
V1 = np.array([[2.26e-4, -2.08e-5, 1.88e-5], [-2.08e-5, 1.767e-4, -4.96e-6],
               [1.88e-5, -4.96e-6, 1.399e-4]])


def _arp_no_nuisance_reference(mbar, grid_points, hybrid):
    """moderndid 0.2.0's no-nuisance ARP test (``compute_arp_ci``) over R's choices of the
    largest pre-period change (``s = -(pre-1), ..., 0``; both signs), accepted set united."""
    arp = pytest.importorskip("moderndid.didhonest.arp_no_nuisance")
    from moderndid.didhonest.arp_nuisance import compute_least_favorable_cv

    sd = float(np.sqrt(V1[2, 2]))
    acc, grid = None, None
    for s in (-1, 0):
        for pos in (True, False):
            a = rm_constraints(2, 1, mbar, s, pos)
            kw = {}
            if hybrid:
                kw = dict(hybrid_flag="LF", hybrid_kappa=0.005,
                          lf_cv=compute_least_favorable_cv(x_t=None, sigma=a @ V1 @ a.T,
                                                           hybrid_kappa=0.005, seed=0))
            res = arp.compute_arp_ci(beta_hat=B1, sigma=V1, A=a, d=np.zeros(len(a)),
                                     n_pre_periods=2, n_post_periods=1, alpha=0.05,
                                     grid_lb=-20 * sd, grid_ub=20 * sd,
                                     grid_points=grid_points, **kw)
            grid = res.theta_grid
            acc = res.accept_grid if acc is None else acc | res.accept_grid
    return grid[acc].min(), grid[acc].max(), grid[1] - grid[0]


def test_relative_magnitude_with_one_post_period_equals_the_no_nuisance_arp_test():
    out = ek.honest_did(B1, V1, 2, 1, m=[0.5, 1.0], test="conditional", grid_points=300)
    for mbar, row in zip([0.5, 1.0], out.itertuples(), strict=True):
        lo, hi, _ = _arp_no_nuisance_reference(mbar, 300, hybrid=False)
        np.testing.assert_allclose([row.lb, row.ub], [lo, hi], rtol=1e-12)
    # hybrid: the least-favourable critical value is drawn with R's generator here and with
    # numpy's in moderndid, so the ends may differ by a grid step
    hyb = ek.honest_did(B1, V1, 2, 1, m=[1.0], grid_points=300)
    lo, hi, step = _arp_no_nuisance_reference(1.0, 300, hybrid=True)
    np.testing.assert_allclose(hyb[["lb", "ub"]].to_numpy()[0], [lo, hi], atol=1.01 * step)


def test_dual_vertices_give_the_linear_programme_value():
    from evalkit.estimate.honest_arp import _eta_lp, dual_vertices

    rng = np.random.default_rng(1)
    for k in (2, 3):
        x = rng.normal(size=(9, k))
        sd = rng.uniform(0.5, 2.0, size=9)
        verts = dual_vertices(x, sd)
        assert verts is not None
        np.testing.assert_allclose(verts @ sd, 1.0, atol=1e-10)
        np.testing.assert_allclose(verts @ x, 0.0, atol=1e-10)
        assert (verts >= 0).all()
        for y in rng.normal(size=(15, 9)):
            eta, _, ok = _eta_lp(y, x, sd)
            assert ok
            np.testing.assert_allclose(np.max(verts @ y), eta, atol=1e-9)


def test_many_post_periods_vertex_path_equals_the_lp_path(monkeypatch):
    """3 post periods (2 nuisance parameters): the vectorised path accepts exactly the θ
    the per-point linear programmes accept (conditional test, grid points near the ends)."""
    import evalkit.estimate.honest_arp as arp

    b = np.array([0.01, 0.0, 0.5, 0.4, 0.45])
    v = np.diag([0.01, 0.01, 0.02, 0.02, 0.02]) + 0.002
    lv = np.array([1.0, 0.0, 0.0])
    lo, hi = arp.rm_interval(b, v, 2, lv, 1.0, 0.05, hybrid=False, grid_points=200)
    step = float(np.diff(arp.theta_grid(v, 2, lv, 200))[0])
    thetas = np.array([lo - step, lo, lo + step, 0.5, hi - step, hi, hi + step])
    fast = arp.rm_accepts(b, v, 2, lv, 1.0, 0.05, thetas, hybrid=False)
    monkeypatch.setattr(arp, "_MAX_BASES", 0)
    arp._VERTEX_CACHE.clear()
    slow = arp.rm_accepts(b, v, 2, lv, 1.0, 0.05, thetas, hybrid=False)
    arp._VERTEX_CACHE.clear()
    assert fast.tolist() == slow.tolist() == [False, True, True, True, True, True, False]


def test_breakdown_nan_when_not_significant_at_zero():
    out = ek.honest_did(np.array([0.0, 0.0, 0.0, 0.01, 0.0]), V, 3, 2, method="smoothness",
                        m=[0.0, 0.1])
    assert math.isnan(out.attrs["breakdown"])
    assert "not significant" in honest_sentence(out, "en")


def test_one_nuisance_closed_form_equals_the_linear_programme():
    from evalkit.estimate.honest_arp import _eta_lp, _eta_one_nuisance, _max_program

    rng = np.random.default_rng(0)
    x = np.array([1.0, -2.0, 0.0, 0.5, -0.3, 0.0])
    sd = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 0.7])
    ys = rng.normal(size=(20, 6))
    eta, lam, ok = _eta_one_nuisance(ys, x, sd)
    assert ok.all()
    for y, e, lm in zip(ys, eta, lam, strict=True):
        e_lp, _, ok_lp = _eta_lp(y, x[:, None], sd)
        assert ok_lp
        np.testing.assert_allclose(e, e_lp, atol=1e-9)
        np.testing.assert_allclose(lm @ y, e_lp, atol=1e-9)  # a dual solution: λ'y = η
        np.testing.assert_allclose([lm @ sd, lm @ x], [1.0, 0.0], atol=1e-12)
    sigma = np.diag(sd**2)
    w_t = np.column_stack([sd, x])
    opt, _ = _max_program(ys[0], lam[0], sigma, w_t, 0.3)
    w3 = np.column_stack([sd, x, np.zeros(6)])  # same LP through highs (extra zero column)
    opt_lp, _ = _max_program(ys[0], lam[0], sigma, w3, 0.3)
    np.testing.assert_allclose(opt, opt_lp, atol=1e-9)


def test_relative_magnitude_with_three_post_periods_uses_the_lp():
    """Two nuisance parameters go through HiGHS: the estimate is accepted, a far value not."""
    from evalkit.estimate.honest_arp import rm_accepts

    b = np.array([0.01, 0.0, 0.5, 0.4, 0.45])
    v = np.diag([0.01, 0.01, 0.02, 0.02, 0.02]) + 0.002
    got = rm_accepts(b, v, 2, np.array([1.0, 0.0, 0.0]), 1.0, 0.05, np.array([0.5, 5.0]),
                     hybrid=False)
    assert got.tolist() == [True, False]


def _frame(method: str, breakdown: float, original: tuple[float, float]) -> pd.DataFrame:
    out = pd.DataFrame({"m": [0.0], "lb": [0.1], "ub": [0.9]})
    out.attrs = {"method": method, "breakdown": breakdown, "original": original}
    return out


# the wording honest_sentence has always printed (en, zh), one per case
_WORDING = {
    "fragile": (_frame("smoothness", math.nan, (0.2, 1.0)),
                "Even if the trend difference after the start continued the earlier one "
                "exactly, the robust interval includes zero: the finding rests on parallel "
                "trends.",
                "即使服务开始后的趋势差异与之前完全线性延续，稳健区间也包含 0：结论对平行趋势假设敏感。"),
    "not_significant": (_frame("smoothness", math.nan, (-0.2, 1.0)),
                        "The effect is not significant even under parallel trends.",
                        "按常规区间，效应本身就不显著，无需敏感性分析。"),
    "robust_all": (_frame("relative_magnitude", math.inf, (0.2, 1.0)),
                   "The finding holds for every size of violation tried.",
                   "在所试的任何偏离程度下，结论都成立。"),
    "rm": (_frame("relative_magnitude", 1.4999, (0.2, 1.0)),
           "The finding holds unless the trend violation after the start is more than 1.5 "
           "times the largest before it.",
           "除非服务开始后的趋势偏离超过开始前最大偏离的 1.5 倍，否则结论成立。"),
    "smoothness": (_frame("smoothness", 0.012345, (0.2, 1.0)),
                   "The finding holds unless the slope of the trend difference changes by more "
                   "than 0.0123 (outcome units) per period after the start.",
                   "除非服务开始后趋势差异的斜率每期变化超过 0.0123（结果变量单位），否则结论成立。"),
}


@pytest.mark.parametrize("case", sorted(_WORDING))
def test_honest_sentence_comes_from_the_catalogue(case: str) -> None:
    """Each case is a catalogue key (notes.honest.<case>, zh and en) holding the wording the
    sentence always had; the sentence is that entry, filled in."""
    from evalkit.estimate.honest import honest_note
    from evalkit.report.environment import load_labels

    frame, en, zh = _WORDING[case]
    n = honest_note(frame)
    assert n.key == f"honest.{case}" and str(n) == en
    for lang, text in (("en", en), ("zh", zh)):
        assert honest_sentence(frame, lang) == text
        assert load_labels(lang)[f"notes.{n.key}"].format(**n.params) == text


def test_honest_sentence_follows_the_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed catalogue entry changes the sentence: the text lives in templates/i18n."""
    import evalkit.estimate.notes as notes_mod

    frame = _WORDING["rm"][0]
    fake = {"honest.rm": "改写：{breakdown} 倍"}
    monkeypatch.setattr(notes_mod, "_catalogue_notes", lambda lang: fake)
    assert honest_sentence(frame, "zh") == "改写：1.5 倍"
    with pytest.raises(ek.RenderError, match="lang"):
        honest_sentence(frame, "fr")


def test_no_zh_text_in_the_estimator_code() -> None:
    import re
    from pathlib import Path

    import evalkit.estimate.honest as mod

    assert not re.search(r"[\u4e00-\u9fff]", Path(mod.__file__).read_text(encoding="utf-8"))
