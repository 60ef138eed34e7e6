"""Produce the moderndid reference values in test_honest_did_reference.py (run by hand).

moderndid 0.2.0's ``didhonest`` is a Python port of R HonestDiD validated against it; its
FLCI needs cvxpy, which evalkit does not depend on, so the values are computed once here
and stored in the test:

    pip install "moderndid==0.2.0" cvxpy
    PYTHONPATH=src python tests/reference/honest_did_moderndid.py
"""

from __future__ import annotations

import numpy as np
from moderndid.didhonest import sensitivity as S
from tests.reference.test_honest_did_reference import BETAHAT, SIGMA

np.set_printoptions(precision=17)
sd = float(np.sqrt(SIGMA[5, 5]))
sm = S.create_sensitivity_results_sm(betahat=BETAHAT, sigma=SIGMA, num_pre_periods=5,
                                     num_post_periods=2, m_vec=[0, 0.01, 0.02, 0.03])
print("smoothness", repr(sm["lb"].to_numpy()), repr(sm["ub"].to_numpy()))
for method in ("Conditional", "C-LF"):
    rm = S.create_sensitivity_results_rm(
        betahat=BETAHAT, sigma=SIGMA, num_pre_periods=5, num_post_periods=2,
        m_bar_vec=[0.5, 1, 2], method=method, grid_lb=-20 * sd, grid_ub=20 * sd,
        grid_points=1000)
    print(method, repr(rm["lb"].to_numpy()), repr(rm["ub"].to_numpy()))
