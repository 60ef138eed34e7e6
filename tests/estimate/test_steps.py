"""The estimators written as shared steps keep pointing their warnings at the user's call."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.estimate.inference import FewClustersWarning


def few_clusters(seed: int = 4) -> pd.DataFrame:
    """12 units (clusters) x 6 periods; half adopt at period 4."""
    rng = np.random.default_rng(seed)
    uid = np.repeat(np.arange(12), 6)
    per = np.tile(np.arange(1, 7), 12)
    first = np.where(uid % 2 == 0, 4, 0)
    d = ((first > 0) & (per >= first)).astype(float)
    y = rng.normal(size=12)[uid] + 0.1 * per + d + rng.normal(size=len(uid))
    return pd.DataFrame({"id": uid, "t": per, "first": first, "g": (first > 0).astype(int),
                         "post": (per >= 4).astype(int), "d": d, "y": y})


@pytest.mark.parametrize("call", [
    lambda df: ek.did(df, "y", "g", "post", unit="id", inference="analytic"),
    lambda df: ek.twfe(df, "y", "id", "t", "d", inference="analytic"),
    lambda df: ek.event_study(df, "y", "id", "t", "first", inference="analytic"),
])
def test_few_clusters_warning_names_the_callers_line(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(few_clusters())
    few = [w for w in caught if issubclass(w.category, FewClustersWarning)]
    assert few and all(w.filename == __file__ for w in few), [w.filename for w in few]
