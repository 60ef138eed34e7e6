"""Wilcoxon signed-rank test with the Hodges–Lehmann estimate (private helper of prepost).

The test itself is ``scipy.stats.wilcoxon`` unchanged. The Hodges–Lehmann pseudo-median and
its interval: zero differences are removed (as R's ``wilcox.test(..., conf.int = TRUE)``
does); with fewer than 50 non-zero differences and no ties the interval is read off the sorted
Walsh averages at the exact signed-rank quantile (R's ``qsignrank``) — identical to R in that
case. Otherwise the order statistic is taken at the normal approximation of that quantile
(Hollander & Wolfe 1999, ch. 3), floored (conservative); R instead inverts the asymptotic test
numerically, so large-sample bounds can differ from R's by about one Walsh average.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["qsignrank", "signed_rank"]

#: beyond this many non-zero differences the Walsh averages are not formed (memory)
_MAX_WALSH = 5000


def _signrank_cdf(n: int) -> np.ndarray:
    """Exact null CDF of the signed-rank statistic W+ for ``n`` untied non-zero differences."""
    import numpy as np

    counts = np.zeros(n * (n + 1) // 2 + 1, dtype="float64")
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    cdf: np.ndarray = np.cumsum(counts) / 2.0**n
    return cdf


def qsignrank(p: float, n: int) -> int:
    """Smallest ``w`` with ``P(W+ ≤ w) ≥ p`` (R's ``qsignrank``)."""
    import numpy as np

    cdf = _signrank_cdf(n)
    return int(np.searchsorted(cdf, p - 1e-12, side="left"))


def _hodges_lehmann(
    d: np.ndarray, alternative: str, alpha: float
) -> tuple[float, tuple[float, float]]:
    import numpy as np
    from scipy import stats

    n = d.shape[0]
    if n == 0 or n > _MAX_WALSH:
        return math.nan, (math.nan, math.nan)
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2.0)
    m = walsh.shape[0]
    est = float(np.median(walsh))
    a = alpha / 2 if alternative == "two-sided" else alpha
    ties = np.unique(np.abs(d)).shape[0] < n
    if n < 50 and not ties:
        qu = max(qsignrank(a, n), 1)
    else:
        z = float(stats.norm.ppf(1 - a))
        qu = max(math.floor(m / 2 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24)), 1)
    ql = m - qu
    lo, hi = float(walsh[qu - 1]), float(walsh[ql])
    if alternative == "greater":
        hi = math.inf
    elif alternative == "less":
        lo = -math.inf
    return est, (lo, hi)


def signed_rank(diff: np.ndarray, alternative: str, alpha: float) -> dict[str, Any]:
    """Wilcoxon signed-rank test on ``diff`` (post − pre) plus HL estimate and rank-biserial r.

    Returns keys ``wilcoxon_statistic`` (scipy's: min(W+, W−) two-sided, W+ one-sided),
    ``wilcoxon_pvalue``, ``w_plus``, ``w_minus``, ``n_zero``, ``rank_biserial``
    (:math:`(W^+ - W^-)/(W^+ + W^-)`, Kerby 2014), ``hodges_lehmann`` and
    ``hodges_lehmann_ci``.
    """
    import numpy as np
    from scipy import stats

    res = stats.wilcoxon(diff, alternative=alternative)
    nz = diff[diff != 0]
    ranks = stats.rankdata(np.abs(nz))
    w_plus = float(ranks[nz > 0].sum())
    w_minus = float(ranks[nz < 0].sum())
    total = w_plus + w_minus
    hl, hl_ci = _hodges_lehmann(nz, alternative, alpha)
    return {
        "wilcoxon_statistic": float(res.statistic),
        "wilcoxon_pvalue": float(res.pvalue),
        "w_plus": w_plus,
        "w_minus": w_minus,
        "n_zero": int(diff.shape[0] - nz.shape[0]),
        "rank_biserial": (w_plus - w_minus) / total if total else math.nan,
        "hodges_lehmann": hl,
        "hodges_lehmann_ci": hl_ci,
    }
