"""ek.honest_did against R HonestDiD's README (Medicaid expansion) and moderndid's port.

Inputs. The event study of R HonestDiD's README ("Example usage - Medicaid expansions"):
ehec_data (Mixtape Sessions Advanced-DID; shipped as ``moderndid.load_ehec()``), years
before 2016, the 2015 cohort dropped, ``fixest::feols(dins ~ i(year, D, ref = 2013) |
stfips + year, cluster = "stfips")``. BETAHAT/SIGMA below are ``ek.event_study`` on the same
data (5 pre-period and 2 post-period coefficients, reference 2013), stored at full precision;
``test_inputs_are_the_event_study`` recomputes them.

References.
- R HonestDiD README.md, github.com/asheshrambachan/HonestDiD, commit
  6813f02ed38f0b63bdca6915604b2eac90491303: ``createSensitivityResults_relativeMagnitudes(
  betahat, sigma, numPrePeriods = 5, numPostPeriods = 2, Mbarvec = seq(0.5, 2, by = 0.5))``
  and ``createSensitivityResults(..., Mvec = seq(0, 0.05, by = 0.01))``, printed to 3
  significant digits. R's FLCI uses a simulated folded-normal quantile (10^6 draws, error
  ~2e-5 in the bounds) and its relative-magnitude interval is a point of a grid of width
  40 SE / 999 = 3.7e-4 built from R's own sigma, so the comparison is to 1e-4 (FLCI) and to
  one grid step (relative magnitudes); the printed breakdown values are "M close to 0.03"
  and "Mbar = 2".
- moderndid 0.2.0 (Python port of HonestDiD, ``moderndid.didhonest.sensitivity``) on the
  identical BETAHAT/SIGMA, produced by tests/reference/honest_did_moderndid.py (needs
  cvxpy, run by hand): FLCI to 1e-7; relative magnitudes with the conditional test on
  the same θ grid (deterministic) exactly, and the hybrid test (moderndid draws its
  least-favourable critical value with numpy, evalkit and R with R's generator) to one
  grid step.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import evalkit as ek

BETAHAT = np.array([
    -0.005285354532720724,
    -0.011297324648151152,
    -0.002675991811793607,
    -0.0014193122521107345,
    0.00033966351897169237,
    0.046446854159945525,
    0.06920617547902194,
])
SIGMA = np.array([
    [7.488483635897658e-05, 6.0398740956443554e-05, 4.444619818461133e-05, 3.385764706089168e-05, 4.328011254743541e-05, 4.765880478777931e-05, 2.425128699754093e-05],
    [6.0398740956443554e-05, 7.266500616996948e-05, 3.7893302212880864e-05, 2.8665780251484486e-05, 4.543320628403731e-05, 4.4288501193180443e-05, 2.824655042984569e-05],
    [4.444619818461133e-05, 3.7893302212880864e-05, 5.052051940162895e-05, 2.6736794324838783e-05, 2.77819356767403e-05, 3.060644108905509e-05, 9.637533882668458e-06],
    [3.385764706089168e-05, 2.8665780251484486e-05, 2.6736794324838783e-05, 4.0032220263377604e-05, 2.4128599757163702e-05, 2.380868209073571e-05, 2.92387814336335e-06],
    [4.328011254743541e-05, 4.543320628403731e-05, 2.77819356767403e-05, 2.4128599757163702e-05, 5.46266220705426e-05, 3.682531051743131e-05, 9.722947502417755e-06],
    [4.765880478777931e-05, 4.4288501193180443e-05, 3.060644108905509e-05, 2.380868209073571e-05, 3.682531051743131e-05, 8.375668824677485e-05, 6.321397962533718e-05],
    [2.425128699754093e-05, 2.824655042984569e-05, 9.637533882668458e-06, 2.92387814336335e-06, 9.722947502417755e-06, 6.321397962533718e-05, 0.00010712352303004358],
])


GRID_STEP = 40 * float(np.sqrt(SIGMA[5, 5])) / 999

# R HonestDiD README (commit 6813f02), printed values (3 significant digits)
R_SD = {0.0: ("0.0259", "0.0607"), 0.01: ("0.0132", "0.0787"), 0.02: ("0.00286", "0.0907"),
        0.03: ("-0.00714", "0.101"), 0.04: ("-0.0171", "0.111"), 0.05: ("-0.0271", "0.121")}
R_RM = {0.5: ("0.0241", "0.0673"), 1.0: ("0.0171", "0.0720"), 1.5: ("0.00859", "0.0796"),
        2.0: ("-0.00107", "0.0883")}
R_MC = 3e-5  # R's simulated folded-normal quantile (10^6 draws): error in the FLCI bounds


def _printed(pairs):
    """Values and half a unit of the last printed digit."""
    vals = np.array([[float(v) for v in p] for p in pairs])
    half = np.array([[0.5 * 10.0 ** -len(v.split(".")[1]) for v in p] for p in pairs])
    return vals, half
R_ORIGINAL = (0.029, 0.064)  # Stata honestdid README, same data: "(Original)" row

# moderndid 0.2.0 on BETAHAT/SIGMA (tests/reference/honest_did_moderndid.py)
MD_SD_M = [0.01, 0.02, 0.03]
MD_SD_LB = [0.01317487674704759, 0.0028343728059606, -0.00716484152820562]
MD_SD_UB = [0.07868435565574257, 0.09073865962410049, 0.10073787395826672]
MD_RM_MBAR = [0.5, 1.0, 2.0]  # grid: 1000 points over +-20 SE, as R's default
MD_COND_LB = [0.02400189610725853, 0.01740595519228672, -0.00054966174291432]
MD_COND_UB = [0.06687551205457529, 0.07200568832177559, 0.08776265828531934]


def test_inputs_are_the_event_study():
    moderndid = pytest.importorskip("moderndid")
    df = moderndid.load_ehec().to_pandas()
    df = df[(df["year"] < 2016) & (df["yexp2"].isna() | (df["yexp2"] != 2015))].copy()
    df["cohort"] = df["yexp2"].fillna(0)
    r = ek.event_study(df, "dins", "stfips", "year", "cohort", ref=-1, cluster="stfips")
    terms = ["e=-6", "e=-5", "e=-4", "e=-3", "e=-2", "e=0", "e=1"]
    assert_allclose(r.coef()[terms].to_numpy(), BETAHAT, rtol=1e-10)
    assert_allclose(r.vcov.loc[terms, terms].to_numpy(), SIGMA, rtol=1e-10)
    out = ek.honest_did(r, method="smoothness", m=[0.02])
    assert out.attrs["num_pre"] == 5 and out.attrs["num_post"] == 2
    assert_allclose(out[["lb", "ub"]].to_numpy()[0], MD_SD_LB[1:2] + MD_SD_UB[1:2], atol=1e-7)


def test_smoothness_flci_matches_r_readme_and_moderndid():
    out = ek.honest_did(BETAHAT, SIGMA, 5, 2, method="smoothness", m=sorted(R_SD))
    assert_allclose(out["m"], sorted(R_SD))
    expected, half = _printed([R_SD[m] for m in sorted(R_SD)])
    assert np.all(np.abs(out[["lb", "ub"]].to_numpy() - expected) <= half + R_MC)
    sub = out.set_index("m").loc[MD_SD_M]
    assert_allclose(sub["lb"], MD_SD_LB, atol=1e-7)
    assert_allclose(sub["ub"], MD_SD_UB, atol=1e-7)
    assert_allclose(out.attrs["original"], R_ORIGINAL, atol=5e-4)
    # the README: significant up to M = 0.02, not at 0.03 ("breakdown M close to 0.03")
    assert 0.02 < out.attrs["breakdown"] < 0.03
    assert out.set_index("m").loc[0.02, "lb"] > 0 > out.set_index("m").loc[0.03, "lb"]


def test_relative_magnitudes_match_r_readme():
    out = ek.honest_did(BETAHAT, SIGMA, 5, 2, m=[0.5, 2.0])
    expected, half = _printed([R_RM[0.5], R_RM[2.0]])
    assert np.all(np.abs(out[["lb", "ub"]].to_numpy() - expected) <= half + GRID_STEP)
    # README: "the breakdown value for a significant effect is Mbar = 2" (CI at 2 includes 0)
    assert 1.5 < out.attrs["breakdown"] < 2.0
    assert out.attrs["method"] == "relative_magnitude"


def test_relative_magnitudes_conditional_test_equals_moderndid_on_the_same_grid():
    """The deterministic ARP conditional test: moderndid's interval ends are grid points;
    evalkit accepts each end and rejects the grid point just outside it (the full grid
    inversion takes ~10 s per Mbar, checked by hand: identical to all printed digits)."""
    from evalkit.estimate.honest_arp import rm_accepts, theta_grid

    lv = np.array([1.0, 0.0])
    grid = theta_grid(SIGMA, 5, lv)
    for mbar, lb, ub in zip(MD_RM_MBAR, MD_COND_LB, MD_COND_UB, strict=True):
        i, j = int(np.argmin(np.abs(grid - lb))), int(np.argmin(np.abs(grid - ub)))
        assert_allclose([grid[i], grid[j]], [lb, ub], rtol=1e-12)
        got = rm_accepts(BETAHAT, SIGMA, 5, lv, mbar, 0.05, grid[[i - 1, i, j, j + 1]],
                         hybrid=False)
        assert got.tolist() == [False, True, True, False], mbar
