"""ek.honest_did: inputs, errors, sentence and plot (reference values: tests/reference)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import EstimationError, SpecError
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


def test_relative_magnitude_needs_two_post_periods():
    with pytest.raises(EstimationError, match="at least 2 post-period"):
        ek.honest_did(B, V, 4, 1)


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
