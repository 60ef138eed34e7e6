"""Options of the wild cluster bootstrap: bad values are SpecErrors; analytic is kept on request."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import SpecError


def _df(n_sites=6):
    rng = np.random.default_rng(0)
    site = np.repeat(np.arange(n_sites), 40)
    post = np.tile(np.repeat([0, 1], 20), n_sites)
    return pd.DataFrame({"site": site, "post": post, "g": (site % 2).astype(int),
                         "y": rng.normal(size=len(site))})


def test_bad_wild_options():
    df = _df()
    with pytest.raises(SpecError, match="needs clustered"):
        ek.did(df, "y", "g", "post", inference="wild")
    with pytest.raises(SpecError, match="reps"):
        ek.did(df, "y", "g", "post", cluster="site", inference="wild", reps=10)
    with pytest.raises(SpecError, match="boot_weights"):
        ek.did(df, "y", "g", "post", cluster="site", boot_weights="mammen")
    with pytest.raises(SpecError, match="inference"):
        ek.did(df, "y", "g", "post", cluster="site", inference="bootstrap")
    with pytest.raises(SpecError, match="seed"):
        ek.did(df, "y", "g", "post", cluster="site", seed=1.5)


def test_auto_uses_t_without_clusters_and_with_many_clusters():
    r = ek.did(_df(), "y", "g", "post")  # robust SEs: nothing to resample
    assert r.extra["inference"] == "analytic"
    many = ek.did(_df(40), "y", "g", "post", cluster="site")
    assert many.extra["inference"] == "analytic" and many.extra["wild_bootstrap"] is None
    webb = ek.did(_df(), "y", "g", "post", cluster="site", boot_weights="webb", reps=999,
                  seed=5)
    assert not webb.extra["wild_bootstrap"]["enumerated"] and webb.extra["wild_bootstrap"]["reps"] == 999
    again = ek.did(_df(), "y", "g", "post", cluster="site", boot_weights="webb", reps=999,
                   seed=5)
    assert again.pvalue == webb.pvalue and again.ci == webb.ci
