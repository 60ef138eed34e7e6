"""The linkage-mechanism examples recover the truths their generators document (README.md).

Each example is evaluated once per session; effects must cover their true values, and the
ledger, retention, match and coverage figures must equal the documented values exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import evalkit as ek


@pytest.fixture(scope="module")
def workers_home(example_evaluation):
    return example_evaluation


def test_workers_home_ledger(workers_home):
    p = workers_home.analytics.partnership
    t = p.periods.set_index("period")
    # README.md of workers_home: quarter totals (yuan) and reciprocity
    np.testing.assert_array_equal(t["a_to_b"], [81000, 83000, 83000, 83000])
    np.testing.assert_array_equal(t["b_to_a"], [22000, 45000, 65600, 81000])
    np.testing.assert_allclose(t["reciprocity"],
                               [1 - 59000 / 103000, 1 - 38000 / 128000, 1 - 17400 / 148600,
                                1 - 2000 / 164000], rtol=1e-12)
    np.testing.assert_allclose(p.reciprocity, 1 - 116400 / 543600, rtol=1e-12)
    assert p.trend_word == "rising" and p.depends_on == "union" and p.band == "leaning"
