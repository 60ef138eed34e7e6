"""``ek.synth`` rates its own evidence with ``synthetic_level`` (the rule the report uses):
level 4 with >= 5 pre-periods, >= 5 donors and a close pre-period fit, else 3."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.estimate.evidence import SYNTH_LEVEL4


def _panel(n_units: int, n_periods: int, start: int, noise: float, seed: int = 1) -> pd.DataFrame:
    """Units with their own levels and a common trend; the last unit treated from ``start``
    (effect -2)."""
    rng = np.random.default_rng(seed)
    unit = np.repeat([f"u{i:02d}" for i in range(n_units)], n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    levels = np.r_[np.linspace(-3, 3, n_units - 1), 0.2]  # the pilot inside the donors' range
    level = levels[np.repeat(np.arange(n_units), n_periods)]
    d = ((unit == f"u{n_units - 1:02d}") & (t >= start)).astype(int)
    y = level + 0.3 * t - 2.0 * d + rng.normal(scale=noise, size=t.size)
    return pd.DataFrame({"unit": unit, "t": t, "y": y, "d": d})


def _checks_by_hand(df: pd.DataFrame, r: ek.EffectResult, start: int) -> tuple[float, float]:
    """Synthetic-control pre-period RMSE (from the weights and the data) and the donors'
    pre-period standard deviation, computed from the frame, not from the result's paths."""
    w = r.extra["unit_weights"]
    pre = df[df["t"] < start]
    wide = pre.pivot(index="t", columns="unit", values="y")
    treated = wide[r.extra["treated_units"]].mean(axis=1)
    synthetic = wide[list(w.index)].to_numpy() @ w.to_numpy()
    rmse = math.sqrt(float(np.mean((treated.to_numpy() - synthetic) ** 2)))
    spread = float(pre.loc[pre["unit"].isin(w.index), "y"].std())
    return rmse, spread


def test_close_fit_long_pre_many_donors_is_level_4() -> None:
    df = _panel(n_units=10, n_periods=14, start=9, noise=0.05)
    r = ek.synth(df, "y", "unit", "t", "d", method="sc", se=None, placebo_in_space=False)
    checks = r.extra["rating_checks"]
    rmse, spread = _checks_by_hand(df, r, start=9)
    assert_allclose(checks["rmse"], rmse, rtol=1e-9)
    assert_allclose(checks["fit_ratio"], rmse / spread, rtol=1e-9)
    assert checks["n_pre"] == 8 and checks["n_donors"] == 9
    assert checks["close_fit"] and rmse / spread <= SYNTH_LEVEL4["max_fit_ratio"]
    assert r.evidence_level == 4


@pytest.mark.parametrize(("n_units", "start", "noise", "failing"), [
    (10, 5, 0.05, "n_pre"),      # 4 periods before the start
    (5, 9, 0.05, "n_donors"),    # 4 donors
    (10, 9, 3.00, "close_fit"),  # noisy: the synthetic path misses the pilot
])
def test_each_failed_check_keeps_level_3(n_units: int, start: int, noise: float,
                                         failing: str) -> None:
    df = _panel(n_units=n_units, n_periods=14, start=start, noise=noise)
    r = ek.synth(df, "y", "unit", "t", "d", method="sc", se=None, placebo_in_space=False)
    checks = r.extra["rating_checks"]
    ok = {"n_pre": checks["n_pre"] >= SYNTH_LEVEL4["min_pre_periods"],
          "n_donors": checks["n_donors"] >= SYNTH_LEVEL4["min_donors"],
          "close_fit": checks["close_fit"]}
    assert not ok[failing] and all(v for k, v in ok.items() if k != failing)
    assert r.evidence_level == 3


def test_sdid_rated_and_did_form_keeps_level_3() -> None:
    df = _panel(n_units=10, n_periods=14, start=9, noise=0.05)
    sdid = ek.synth(df, "y", "unit", "t", "d", se=None, placebo_in_space=False)
    assert sdid.evidence_level == 4 and sdid.extra["rating_checks"]["close_fit"]
    did = ek.synth(df, "y", "unit", "t", "d", method="did", se=None, placebo_in_space=False)
    assert did.evidence_level == 3 and did.extra["rating_checks"] == {}


def test_script_and_report_rate_alike() -> None:
    """The evaluation's synthetic comparison carries the rating ek.synth gives the same data,
    and the spread is the donors' pre-period standard deviation the pipeline used to compute
    itself (group = 0, before the first treated period)."""
    ev = ek.evaluate(ek.load_project(ek.datasets.path("shenyang_sanlian") / "project.yaml"))
    piped = ev.effects["service_synthetic"]
    oc = next(o for o in ev.project.outcomes if o.id == "service_synthetic")
    assert not oc.filter
    df = ev.evidence[oc.source]
    d = ((df[oc.group] == 1) & (df[oc.post] == 1)).astype(int)
    frame = df[[oc.unit, oc.time, oc.outcome]].assign(d=d)
    direct = ek.synth(frame, oc.outcome, oc.unit, oc.time, "d", method=oc.synth.method,
                      se=None, placebo_in_space=False)
    first = frame.loc[d == 1, oc.time].min()
    spread = float(df.loc[(df[oc.group] == 0) & (df[oc.time] < first), oc.outcome].std())
    checks = piped.extra["rating_checks"]
    assert_allclose(checks["fit_ratio"], checks["rmse"] / spread, rtol=1e-12)
    assert direct.extra["rating_checks"] == pytest.approx(checks, rel=1e-12)
    assert direct.evidence_level == piped.evidence_level == 3  # 4 pre-periods: too short
    assert checks["n_pre"] == 4 and checks["close_fit"]
