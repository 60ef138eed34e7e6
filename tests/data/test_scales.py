"""Likert scales: scoring rules, range checks, Cronbach's alpha (vs pingouin), warnings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from evalkit.data.scales import scale, scale_scores
from evalkit.errors import DataError, EvalkitWarning, SpecError

ITEMS = ["q1", "q2", "q3", "q4"]


def likert(n: int = 200, seed: int = 1, noise: float = 0.8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 1, n)
    data = {}
    for j, col in enumerate(ITEMS):
        raw = 3 + trait * (-1 if j == 3 else 1) + rng.normal(0, noise, n)
        data[col] = np.clip(np.round(raw), 1, 5)
    return pd.DataFrame(data)


def test_scores_reverse_and_min_answered() -> None:
    df = pd.DataFrame({"q1": [1, 4, 5, None], "q2": [5, 2, 1, None], "q3": [2, None, 4, 3],
                       "q4": [1, 1, None, None]})
    s = scale_scores(df, ["q1", "q2", "q3", "q4"], reverse=["q2"], min_answered=3)
    # row 0: 1, 6-5=1, 2, 1 -> 1.25; row 1: 4, 4, -, 1 -> 3; row 2: 5, 5, 4 -> 14/3; row 3: 1 item
    assert_allclose(s.to_numpy()[:3], [1.25, 3.0, 14 / 3], rtol=1e-12)
    assert math.isnan(s.iloc[3])
    # default: half rule, ceil(4/2) = 2 -> row 3 (one answer) still missing
    assert math.isnan(scale_scores(df, ["q1", "q2", "q3", "q4"]).iloc[3])
    assert s.index.equals(df.index)


def test_input_not_modified() -> None:
    df = likert()
    df.loc[3, "q2"] = np.nan
    before = df.copy(deep=True)
    scale(df, ITEMS, reverse=["q4"])
    pd.testing.assert_frame_equal(df, before)


def test_alpha_listwise_and_psych_convention() -> None:
    df = likert()
    df.loc[[2, 7], "q1"] = np.nan
    res = scale(df, ITEMS, reverse=["q4"], nan_policy="listwise")
    assert res.reliability.n == 198


def test_item_total_corrected() -> None:
    df = likert()
    res = scale(df, ITEMS, reverse=["q4"])
    flipped = df.assign(q4=6 - df["q4"])
    it = res.reliability.item_total.set_index("item")
    for col in ITEMS:
        rest = flipped.drop(columns=[col]).sum(axis=1)
        assert_allclose(it.loc[col, "r_corrected"], np.corrcoef(flipped[col], rest)[0, 1],
                        rtol=1e-12)
    assert (it["r_corrected"] > 0.3).all()


def test_low_alpha_warns() -> None:
    rng = np.random.default_rng(4)
    df = pd.DataFrame({c: rng.integers(1, 6, 100).astype(float) for c in ITEMS})
    with pytest.warns(EvalkitWarning, match="Cronbach's alpha is"):
        res = scale(df, ITEMS)
    assert not res.reliability.acceptable
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scale(likert(), ITEMS, reverse=["q4"])  # good scale: no warning


def test_forgetting_reverse_coding_lowers_alpha() -> None:
    df = likert()
    good = scale(df, ITEMS, reverse=["q4"]).reliability.alpha
    with pytest.warns(EvalkitWarning):
        bad = scale(df, ITEMS).reliability.alpha
    assert bad < good


def test_error_out_of_range_names_column_and_row() -> None:
    df = likert()
    df.loc[17, "q3"] = 7
    with pytest.raises(DataError, match=r"column 'q3' must lie in \[1, 5\], found 7 at row 17"):
        scale(df, ITEMS)


def test_error_non_numeric_item() -> None:
    df = likert().astype({"q2": "string"})
    df.loc[5, "q2"] = "agree"
    with pytest.raises(DataError, match=r"'q2'.*'agree'.*row 5"):
        scale_scores(df, ITEMS)


def test_error_missing_item_column() -> None:
    with pytest.raises(DataError, match="column 'q9' not found"):
        scale(likert(), [*ITEMS, "q9"])


def test_error_bad_spec() -> None:
    with pytest.raises(SpecError, match="reverse"):
        scale(likert(), ITEMS, reverse=["q7"])
    with pytest.raises(SpecError, match="min_answered"):
        scale(likert(), ITEMS, min_answered=9)
    with pytest.raises(SpecError, match="item_range"):
        scale(likert(), ITEMS, item_range=(5, 1))
