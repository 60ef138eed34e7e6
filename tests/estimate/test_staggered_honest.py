"""Dynamic ek.staggered_did: the joint covariance of the event-time estimates, and honest_did.

References (mpdta, ``lemp``, never-treated controls, DR, no covariates):
- moderndid 0.2.0 (R did's port): ``aggte(att_gt(..., boot=False), type="dynamic")``; its
  ``influence_func`` (R: ``inf.function$dynamic.inf.func.e``) gives V = IF'IF / n^2, as R
  HonestDiD's ``honest_did.AGGTEobj`` builds it.
- moderndid 0.2.0 ``honest_did(ag, event_time=0, sensitivity_type="smoothness",
  m_vec=[0.01, 0.02])`` (its FLCI needs cvxpy; computed by hand, values below). It drops
  e = -1 as evalkit does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize

import evalkit as ek
from evalkit.errors import EvalkitWarning, SpecError

moderndid = pytest.importorskip("moderndid")

# moderndid 0.2.0 honest_did(..., sensitivity_type="smoothness", m_vec=[0.01, 0.02])
MD_SD_LB = [-0.04794712707123926, -0.06308188882273687]
MD_SD_UB = [0.02334423922553655, 0.03234165877477199]


@pytest.fixture(scope="module")
def mpdta():
    data = moderndid.load_mpdta()
    return data.to_pandas() if hasattr(data, "to_pandas") else data


@pytest.fixture(scope="module")
def dyn(mpdta):
    return ek.staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat",
                            aggregate="dynamic")


def test_vcov_diagonal_is_the_event_time_ses(dyn):
    V = dyn.vcov
    ev = dyn.event_times
    assert V is not None and list(V.index) == list(ev["term"]) == list(V.columns)
    assert_allclose(np.sqrt(np.diag(V.to_numpy())), ev["std_error"], rtol=0, atol=1e-10)
    assert_allclose(V.to_numpy(), V.to_numpy().T, rtol=0, atol=0)


def test_vcov_equals_moderndid_influence_function_covariance(mpdta, dyn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = moderndid.att_gt(data=mpdta, yname="lemp", tname="year", idname="countyreal",
                               gname="first.treat", boot=False)
        ag = moderndid.aggte(res, type="dynamic")
    inf = np.asarray(ag.influence_func)
    n = inf.shape[0]
    ref = inf.T @ inf / n / n
    assert list(np.asarray(ag.event_times, dtype=float)) == list(dyn.event_times["event_time"])
    # measured: 1.5e-15 relative; the ATT(g,t) themselves agree to ~1e-13
    assert_allclose(dyn.vcov.to_numpy(), ref, rtol=1e-9, atol=1e-15)


def test_bootstrap_result_keeps_the_analytic_vcov(mpdta, dyn):
    b = ek.staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat",
                         aggregate="dynamic", bootstrap=True, n_boot=200, seed=1)
    assert_allclose(b.vcov.to_numpy(), dyn.vcov.to_numpy(), rtol=1e-12)


def test_honest_did_accepts_a_dynamic_staggered_result(dyn):
    with pytest.warns(EvalkitWarning, match="varying base period"):
        out = ek.honest_did(dyn, method="smoothness", m=[0.0, 0.01, 0.02])
    assert out.attrs["num_pre"] == 2 and out.attrs["num_post"] == 4  # e=-1 dropped
    sub = out.set_index("m")
    assert_allclose(sub.loc[[0.01, 0.02], "lb"], MD_SD_LB, atol=1e-7)
    assert_allclose(sub.loc[[0.01, 0.02], "ub"], MD_SD_UB, atol=1e-7)
    # M = 0 (linear trends): the FLCI is the minimum-variance unbiased extrapolation, in
    # closed form here (moderndid's grid search is 1.4e-5 off at M = 0)
    ev = dyn.event_times.set_index("term")
    terms = ["e=-3", "e=-2", "e=0", "e=1", "e=2", "e=3"]
    b = ev.loc[terms, "estimate"].to_numpy()
    V = dyn.vcov.loc[terms, terms].to_numpy()

    def weights(a1: float) -> np.ndarray:  # unbiased under delta_t = s (t + 1): -2 a1 - a2 + 1 = 0
        return np.array([a1, 1 - 2 * a1, 1, 0, 0, 0])

    a1 = optimize.minimize_scalar(lambda a: weights(a) @ V @ weights(a), tol=1e-12).x
    w = weights(a1)
    half = 1.959963984540054 * np.sqrt(w @ V @ w)
    assert_allclose(sub.loc[0.0, ["lb", "ub"]].to_numpy(float), [w @ b - half, w @ b + half],
                    atol=1e-8)
    assert_allclose(out.attrs["original"], (ev.loc["e=0", "conf_low"],
                                            ev.loc["e=0", "conf_high"]), rtol=1e-10)


def test_same_as_passing_betahat_and_sigma(dyn):
    terms = ["e=-3", "e=-2", "e=0", "e=1", "e=2", "e=3"]
    b = dyn.event_times.set_index("term").loc[terms, "estimate"].to_numpy()
    V = dyn.vcov.loc[terms, terms].to_numpy()
    with pytest.warns(EvalkitWarning):
        a = ek.honest_did(dyn, method="smoothness", m=[0.01], l_vec=[0.25] * 4)
    direct = ek.honest_did(b, V, 2, 4, method="smoothness", m=[0.01], l_vec=[0.25] * 4)
    assert_allclose(a[["lb", "ub"]].to_numpy(), direct[["lb", "ub"]].to_numpy(), rtol=1e-12)


def test_gaps_in_event_times_are_refused(dyn):
    import dataclasses

    ev = dyn.event_times
    ev = ev[ev["term"] != "e=2"]
    gapped = dataclasses.replace(dyn, extra={**dyn.extra, "event_times": ev})
    with pytest.raises(SpecError, match="not consecutive"):
        ek.honest_did(gapped, method="smoothness", m=[0.01])


# relative magnitudes, ARP conditional test (deterministic) on a 200-point grid over +-20 SE:
# moderndid 0.2.0 create_sensitivity_results_rm(method="Conditional", grid_points=200) on the
# first two pre- and post-period rows of the mpdta covariance, with pre-period values chosen so
# that the largest pre-period change is the last one (see docs/honest-did.md: moderndid 0.2.0
# leaves the earliest pre-period change out of the max; R HonestDiD and evalkit include it)
RM_B = [0.02, 0.03, -0.01993181678925938, -0.05095736706519375]
RM_MD_LB = [-0.055863227208917954, -0.07963481325526603]
RM_MD_UB = [0.015451530930126245, 0.036845958371839516]


def test_relative_magnitudes_equal_moderndid_on_the_same_sigma(dyn):
    terms = ["e=-3", "e=-2", "e=0", "e=1"]
    V = dyn.vcov.loc[terms, terms].to_numpy()
    out = ek.honest_did(np.array(RM_B), V, 2, 2, m=[0.5, 1.0], test="conditional",
                        grid_points=200)
    assert_allclose(out["lb"], RM_MD_LB, rtol=1e-12)
    assert_allclose(out["ub"], RM_MD_UB, rtol=1e-12)


def test_relative_magnitudes_on_the_staggered_result(dyn):
    """4 post periods (3 nuisance parameters): fast now, and R's union over every pre-period
    change: at M̄ = 0.5 the identified set for e=0 is -0.0199 -+ 0.5 * 0.031 (the earliest
    change, e=-3 -> e=-2, is the largest), so the interval must contain [-0.0354, -0.0044]."""
    with pytest.warns(EvalkitWarning):
        out = ek.honest_did(dyn, m=[0.5], test="conditional", grid_points=200)
    ev = dyn.event_times.set_index("term")["estimate"]
    biggest = abs(ev["e=-2"] - ev["e=-3"])
    assert biggest > abs(0 - ev["e=-2"])
    lo, hi = ev["e=0"] - 0.5 * biggest, ev["e=0"] + 0.5 * biggest
    assert out.loc[0, "lb"] < lo and out.loc[0, "ub"] > hi
