"""Reliable change and several outcomes at once: behaviour and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError, SpecError
from evalkit.estimate.change import Norms, clinical_cutoff, reliable_change
from evalkit.estimate.multiplicity import adjust_pvalues, prepost_many


@pytest.fixture()
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(9)
    n = 40
    ids = [f"p{i}" for i in range(n)]
    base = rng.normal(3, 0.7, (n, 3))
    follow = base + np.array([0.5, 0.0, -0.2]) + rng.normal(0, 0.5, (n, 3))
    frame = pd.DataFrame(np.vstack([base, follow]), columns=["mood", "sleep", "stress"])
    frame.insert(0, "wave", ["T1"] * n + ["T2"] * n)
    frame.insert(0, "pid", ids * 2)
    return frame


def test_prepost_many_matches_single_calls(panel: pd.DataFrame) -> None:
    before = panel.copy(deep=True)
    out = prepost_many(panel, ["mood", "sleep", "stress"], "pid", "wave", "T1", "T2",
                       method="bh", labels={"mood": "Mood"})
    pd.testing.assert_frame_equal(panel, before)
    assert out["outcome"].tolist() == ["mood", "sleep", "stress"]
    assert out.loc[0, "label"] == "Mood" and out.loc[1, "label"] == "sleep"
    singles = [ek.prepost(panel, c, "pid", "wave", "T1", "T2") for c in ("mood", "sleep",
                                                                            "stress")]
    assert_allclose(out["estimate"], [r.estimate for r in singles], rtol=1e-12)
    assert_allclose(out["p_value"], [r.pvalue for r in singles], rtol=1e-12)
    assert_allclose(out["p_adjusted"], adjust_pvalues([r.pvalue for r in singles], "bh"),
                    rtol=1e-12)
    assert (out["p_adjusted"] >= out["p_value"]).all()
    assert list(out.columns[:8]) == ["outcome", "label", "method", "estimate", "std_error",
                                     "statistic", "p_value", "p_adjusted"]


def test_prepost_many_errors(panel: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="outcomes"):
        prepost_many(panel, [], "pid", "wave", "T1", "T2")
    with pytest.raises(SpecError, match="method"):
        prepost_many(panel, ["mood"], "pid", "wave", "T1", "T2",
                     method="bonferroni")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="column 'anger' not found"):
        prepost_many(panel, ["mood", "anger"], "pid", "wave", "T1", "T2")


def test_adjust_keeps_missing_and_checks_range() -> None:
    out = adjust_pvalues([0.01, np.nan, 0.02], "holm")
    assert np.isnan(out[1])
    assert_allclose(out[[0, 2]], [0.02, 0.02], rtol=1e-12)
    with pytest.raises(SpecError, match=r"\[0, 1\]"):
        adjust_pvalues([0.2, 1.5])


def test_reliable_change_input_unchanged_and_people_table(panel: pd.DataFrame) -> None:
    before = panel.copy(deep=True)
    rc = reliable_change(panel, "mood", "pid", "wave", "T1", "T2", reliability=0.85,
                         norms={"cutoff": 3.2})
    pd.testing.assert_frame_equal(panel, before)
    assert list(rc.people.columns) == ["pid", "pre", "post", "change", "rci", "category"]
    assert sum(rc.counts.values()) == rc.n == 40
    assert_allclose(sum(rc.shares.values()), 1.0, rtol=1e-12)


def test_reliable_change_errors(panel: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="reliability"):
        reliable_change(panel, "mood", "pid", "wave", "T1", "T2", reliability=1.2)
    with pytest.raises(SpecError, match="norms"):
        reliable_change(panel, "mood", "pid", "wave", "T1", "T2", reliability=0.8,
                        norms={"mean": 3})
    with pytest.raises(SpecError, match="criterion 'c' needs"):
        clinical_cutoff(Norms(dysfunctional_mean=2, dysfunctional_sd=1), criterion="c")
    with pytest.raises(DataError, match="column 'anger' not found"):
        reliable_change(panel, "anger", "pid", "wave", "T1", "T2", reliability=0.8)
