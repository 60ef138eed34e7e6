"""ek.synth on California's Proposition 99 (Abadie, Diamond & Hainmueller 2010).

Data: ``california_prop99.csv`` shipped in the PyPI package synthdid-py (import name
``synthdid``; the same file as R synthdid's data/california_prop99.csv): per-capita cigarette
packs, 39 states (38 donors), 1970-2000, California treated from 1989.

Published: Arkhangelsky et al. (2021, AER) Table 1: SDID -15.6, SC -19.6, DID -27.3; the R
package synthdid prints -15.60, -19.62, -27.35 (vignette "synthdid", README).
Full precision reference: synthdid-py 0.1.0 (a line-by-line Python port of R synthdid),
``synthdid_estimate / sc_estimate / did_estimate(Y, N0, T0)``, and its ``placebo_se``,
``bootstrap_se`` and ``jackknife_se`` with ``random_state=seed`` (numpy's
``default_rng(seed)``; R's own placebo draws use R's RNG and cannot be reproduced in Python).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError, EstimationError, SpecError

sd = pytest.importorskip("synthdid")

PUBLISHED = {"sdid": (-15.6, -15.60), "sc": (-19.6, -19.62), "did": (-27.3, -27.35)}


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return sd.load_california_prop99()


@pytest.fixture(scope="module")
def reference(prop99):
    setup = sd.panel_matrices(prop99)
    fns = {"sdid": sd.synthdid_estimate, "sc": sd.sc_estimate, "did": sd.did_estimate}
    return setup, {m: f(setup.Y, setup.N0, setup.T0) for m, f in fns.items()}


@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
def test_prop99_estimates(prop99, reference, method):
    r = ek.synth(prop99, "PacksPerCapita", "State", "Year", "treated", method=method, se=None,
                 placebo_in_space=False)
    paper, printed = PUBLISHED[method]
    assert round(r.estimate, 1) == paper
    assert_allclose(r.estimate, printed, atol=0.005)
    ref = reference[1][method]
    assert_allclose(r.estimate, float(ref), rtol=1e-6)
    w = ref.weights
    omega = r.extra["unit_weights"]
    assert list(omega.index) == list(reference[0].units[: reference[0].N0])
    assert_allclose(omega.to_numpy(), np.asarray(w.omega), atol=1e-6)
    assert_allclose(r.extra["time_weights"].to_numpy(), np.asarray(w.lambda_), atol=1e-6)
    assert r.extra["n_treated"] == 1 and r.extra["n_controls"] == 38 and r.extra["n_pre"] == 19


def test_prop99_placebo_se_equals_synthdid_py_with_the_same_seed(prop99, reference):
    r = ek.synth(prop99, "PacksPerCapita", "State", "Year", "treated", se="placebo", reps=8,
                 seed=7, placebo_in_space=False)
    ref = sd.placebo_se(reference[1]["sdid"], 8, random_state=7)
    assert_allclose(r.se, ref, rtol=1e-6)
    assert_allclose(r.ci, (r.estimate - 1.959963984540054 * r.se,
                           r.estimate + 1.959963984540054 * r.se), rtol=1e-12)


def _small_panel(n_units=16, n_periods=10, n_treated=3, seed=1):
    rng = np.random.default_rng(seed)
    unit = np.repeat([f"u{i:02d}" for i in range(n_units)], n_periods)
    t = np.tile(np.arange(2001, 2001 + n_periods), n_units)
    a = rng.normal(size=n_units)
    lf = rng.normal(size=n_units)
    treated_unit = np.arange(n_units) >= n_units - n_treated
    d = (np.repeat(treated_unit, n_periods) & (t >= 2007)).astype(int)
    y = (np.repeat(a, n_periods) + np.repeat(lf, n_periods) * np.sin(t / 2)
         + 0.1 * (t - 2000) + 1.5 * d + rng.normal(scale=0.3, size=len(t)))
    return pd.DataFrame({"unit": unit, "year": t, "y": y, "d": d})


@pytest.mark.parametrize("se", ["bootstrap", "jackknife"])
def test_bootstrap_and_jackknife_equal_synthdid_py(se):
    df = _small_panel()
    r = ek.synth(df, "y", "unit", "year", "d", se=se, reps=6, seed=3, placebo_in_space=False)
    setup = sd.panel_matrices(df, unit="unit", time="year", outcome="y", treatment="d")
    est = sd.synthdid_estimate(setup.Y, setup.N0, setup.T0)
    assert_allclose(r.estimate, float(est), rtol=1e-6)
    ref = (sd.bootstrap_se(est, 6, random_state=3) if se == "bootstrap"
           else sd.jackknife_se(est))
    assert_allclose(r.se, ref, rtol=1e-6)


def test_in_space_placebo_and_trajectories():
    df = _small_panel(n_units=10, n_treated=1)
    r = ek.synth(df, "y", "unit", "year", "d", method="sc", se=None)
    dist = r.extra["placebo_in_space"]
    assert len(dist) == 9 and 0 < r.extra["placebo_rank_p"] <= 1
    tr = r.extra["trajectories"]
    w = r.extra["unit_weights"]
    wide = df.pivot(index="unit", columns="year", values="y")
    assert_allclose(tr["synthetic"].to_numpy(), w.to_numpy() @ wide.loc[w.index].to_numpy(),
                    rtol=1e-12)
    # the SC estimate is the post-period mean gap between treated and synthetic
    post = tr["post"].to_numpy()
    assert_allclose(r.estimate, (tr["treated"] - tr["synthetic"])[post].mean(), rtol=1e-10)
    # 6 pre-periods, 9 donors and a close fit: level 4 (synthetic_level, as in the report)
    checks = r.extra["rating_checks"]
    assert checks["n_pre"] == 6 and checks["n_donors"] == 9 and checks["close_fit"]
    assert r.design == "synthetic_control" and r.evidence_level == 4


def test_bad_inputs():
    df = _small_panel()
    early = df.copy()
    early.loc[(early["unit"] == "u15"), "d"] = 1  # treated from the first period
    with pytest.raises(DataError, match="no pre-period"):
        ek.synth(early, "y", "unit", "year", "d", se=None)
    stag = df.copy()
    stag.loc[(stag["unit"] == "u15") & (stag["year"] == 2007), "d"] = 0
    stag.loc[(stag["unit"] == "u14") & (stag["year"] == 2006), "d"] = 1
    with pytest.raises(DataError, match="not in one block"):
        ek.synth(stag, "y", "unit", "year", "d", se=None)
    with pytest.raises(DataError, match="not balanced"):
        ek.synth(df.iloc[1:], "y", "unit", "year", "d", se=None)
    off = df.copy()
    off.loc[(off["unit"] == "u15") & (off["year"] == 2010), "d"] = 0
    with pytest.raises(DataError, match="switches off"):
        ek.synth(off, "y", "unit", "year", "d", se=None)
    with pytest.raises(DataError, match="no unit is ever"):
        ek.synth(df.assign(d=0), "y", "unit", "year", "d", se=None)
    before = df.copy()
    ek.synth(df, "y", "unit", "year", "d", method="did", se=None, placebo_in_space=False)
    pd.testing.assert_frame_equal(df, before)


def test_bad_options():
    df = _small_panel(n_treated=1)
    with pytest.raises(SpecError, match="method"):
        ek.synth(df, "y", "unit", "year", "d", method="mc")
    with pytest.raises(SpecError, match="se"):
        ek.synth(df, "y", "unit", "year", "d", se="hc1")
    with pytest.raises(SpecError, match="reps"):
        ek.synth(df, "y", "unit", "year", "d", reps=1)
    with pytest.raises(SpecError, match="seed"):
        ek.synth(df, "y", "unit", "year", "d", seed="x")
    with pytest.raises(EstimationError, match="at least 2 treated"):
        ek.synth(df, "y", "unit", "year", "d", se="jackknife", placebo_in_space=False)
