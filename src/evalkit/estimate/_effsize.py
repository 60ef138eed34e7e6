"""Standardised effect sizes for paired (pre/post) data, with confidence intervals.

Private helper of :mod:`evalkit.estimate.prepost`; the formulas are documented there.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["hedges_j", "ncp_interval", "paired_effect_sizes"]


def hedges_j(df: float) -> float:
    """Hedges' small-sample correction ``J = 1 - 3 / (4 df - 1)``."""
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def ncp_interval(t: float, df: float, conf: float) -> tuple[float, float]:
    """Two-sided ``conf`` interval for the noncentrality parameter of a t statistic.

    Inverts the noncentral t distribution: the lower bound ``λ_L`` solves
    ``P(T ≤ t | λ_L) = 1 − (1 − conf)/2`` and the upper ``λ_U`` solves
    ``P(T ≤ t | λ_U) = (1 − conf)/2`` (Steiger & Fouladi 1997).
    """
    from scipy import optimize

    from evalkit._dist import nct_cdf, norm_ppf

    a = (1.0 - conf) / 2.0

    # half-width of the large-sample interval for λ sets the search bracket
    w = norm_ppf(1 - a) * math.sqrt(1.0 + t * t / (2.0 * df))

    def solve(target: float, approx: float) -> float:
        def f(ncp: float) -> float:
            return nct_cdf(t, df, ncp) - target

        lo, hi = approx - 2 * w - 1, approx + 2 * w + 1
        try:
            for _ in range(20):
                if f(lo) > 0:
                    break
                lo -= w + 1
            for _ in range(20):
                if f(hi) < 0:
                    break
                hi += w + 1
            root = float(optimize.brentq(f, lo, hi, xtol=1e-12))
        except ValueError:  # the noncentral t CDF fails far in the tails: large-sample bound
            return approx
        return root

    return solve(1.0 - a, t - w), solve(a, t + w)


def paired_effect_sizes(x: np.ndarray, y: np.ndarray, conf: float) -> dict[str, Any]:
    """Cohen's d_z, d_av, Hedges' g_av (post − pre) with noncentral-t based intervals."""
    import numpy as np

    n = x.shape[0]
    diff = y - x
    sd_diff = float(np.std(diff, ddof=1))
    mean = float(np.mean(diff))
    s_av = math.sqrt((float(np.var(x, ddof=1)) + float(np.var(y, ddof=1))) / 2.0)
    d_z = mean / sd_diff
    d_av = mean / s_av if s_av > 0 else math.nan
    j = hedges_j(2.0 * n - 2.0)
    t = d_z * math.sqrt(n)
    lam_lo, lam_hi = ncp_interval(t, n - 1.0, conf)
    dz_ci = (lam_lo / math.sqrt(n), lam_hi / math.sqrt(n))
    scale = sd_diff / s_av if s_av > 0 else math.nan
    dav_ci = (dz_ci[0] * scale, dz_ci[1] * scale)
    return {
        "cohens_dz": d_z,
        "cohens_dz_ci": dz_ci,
        "cohens_d_av": d_av,
        "cohens_d_av_ci": dav_ci,
        "hedges_g_av": d_av * j,
        "hedges_g_av_ci": (dav_ci[0] * j, dav_ci[1] * j),
        "standardised": d_av,
        "effect_size_ci_method": "noncentral t (Steiger & Fouladi 1997), rescaled to the "
        "standardiser (Algina & Keselman 2003 style); g_av = J·d_av with J = 1 − 3/(4(2n−2) − 1)",
    }
