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

__all__ = ["qsignrank", "r_wilcox_paired", "signed_rank"]

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

    from evalkit._dist import norm_ppf

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
        z = norm_ppf(1 - a)
        qu = max(math.floor(m / 2 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24)), 1)
    ql = m - qu
    lo, hi = float(walsh[qu - 1]), float(walsh[ql])
    if alternative == "greater":
        hi = math.inf
    elif alternative == "less":
        lo = -math.inf
    return est, (lo, hi)


def r_wilcox_paired(diff: np.ndarray, alternative: str) -> tuple[float, float, bool]:
    r"""R's ``wilcox.test(post, pre, paired = TRUE)`` with its defaults: ``(V, p, exact)``.

    As R (``stats:::wilcox.test.default``): zeros dropped, ``V`` = sum of the ranks of the
    positive differences; exact ``psignrank`` p-value when fewer than 50 non-zero differences,
    no ties and no zeros; otherwise the normal approximation with the tie correction
    :math:`\sigma^2 = n(n+1)(2n+1)/24 - \sum(t^3 - t)/48` and the continuity correction
    (``correct = TRUE``): :math:`z = (V - n(n+1)/4 - c)/\sigma`, ``c`` = sign(z)/2
    two-sided, 1/2 for "greater", -1/2 for "less".
    """
    import numpy as np
    from scipy import stats  # rankdata

    from evalkit._dist import norm_cdf, norm_sf

    zeros = bool(np.any(diff == 0))
    x = diff[diff != 0]
    n = x.shape[0]
    r = stats.rankdata(np.abs(x))
    v = float(r[x > 0].sum())
    ties = len(np.unique(r)) != n
    if n < 50 and not ties and not zeros:
        cdf = _signrank_cdf(n)

        def upper(w: float) -> float:  # P(V >= w)
            k = int(w) - 1
            return float(1.0 - cdf[k]) if k >= 0 else 1.0

        lower = float(cdf[int(v)])
        if alternative == "two-sided":
            p = min(1.0, 2 * (upper(v) if v > n * (n + 1) / 4 else lower))
        else:
            p = upper(v) if alternative == "greater" else lower
        return v, p, True
    _, counts = np.unique(r, return_counts=True)
    z = v - n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float(np.sum(counts**3 - counts)) / 48)
    corr = {"two-sided": float(np.sign(z)) * 0.5, "greater": 0.5, "less": -0.5}[alternative]
    zc = (z - corr) / sigma
    if alternative == "two-sided":
        p = 2 * min(norm_cdf(zc), norm_sf(zc))
    else:
        p = norm_sf(zc) if alternative == "greater" else norm_cdf(zc)
    return v, p, False


def signed_rank(diff: np.ndarray, alternative: str, alpha: float,
                method: str = "scipy") -> dict[str, Any]:
    """Wilcoxon signed-rank test on ``diff`` (post − pre) plus HL estimate and rank-biserial r.

    ``method="scipy"``: ``scipy.stats.wilcoxon`` unchanged; ``method="r"``: R's
    ``wilcox.test`` defaults (:func:`r_wilcox_paired`).

    Returns keys ``wilcoxon_statistic`` (scipy's: min(W+, W−) two-sided, W+ one-sided; with
    ``method="r"`` R's V = W+), ``wilcoxon_pvalue``, ``wilcoxon_method``, ``wilcoxon_exact``
    (R's choice; None for scipy), ``w_plus``, ``w_minus``, ``n_zero``, ``rank_biserial``
    (:math:`(W^+ - W^-)/(W^+ + W^-)`, Kerby 2014), ``hodges_lehmann`` and
    ``hodges_lehmann_ci``.
    """
    import numpy as np
    from scipy import stats

    if method == "r":
        v, pval, exact = r_wilcox_paired(diff, alternative)
        statistic = v
    else:
        res = stats.wilcoxon(diff, alternative=alternative)
        statistic, pval, exact = float(res.statistic), float(res.pvalue), None
    nz = diff[diff != 0]
    ranks = stats.rankdata(np.abs(nz))
    w_plus = float(ranks[nz > 0].sum())
    w_minus = float(ranks[nz < 0].sum())
    total = w_plus + w_minus
    hl, hl_ci = _hodges_lehmann(nz, alternative, alpha)
    return {
        "wilcoxon_statistic": statistic,
        "wilcoxon_pvalue": pval,
        "wilcoxon_method": method,
        "wilcoxon_exact": exact,
        "w_plus": w_plus,
        "w_minus": w_minus,
        "n_zero": int(diff.shape[0] - nz.shape[0]),
        "rank_biserial": (w_plus - w_minus) / total if total else math.nan,
        "hodges_lehmann": hl,
        "hodges_lehmann_ci": hl_ci,
    }
