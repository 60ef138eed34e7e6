"""Wilcoxon signed-rank test with the Hodges–Lehmann estimate (private helper of prepost).

The test (:func:`wilcoxon`) computes what ``scipy.stats.wilcoxon(d, alternative=...)`` returns
in scipy 1.17 (zeros dropped, no continuity correction, ``method="auto"``), bit for bit, without
importing ``scipy.stats`` (about 0.3 s): the exact null distribution when there are no ties
or zeros and at most 50 differences; all :math:`2^n` sign flips (scipy's exact permutation
test) when there are ties or zeros and at most 13 differences; the normal approximation with
the tie correction otherwise. tests/estimate/test_rank_scipy.py compares it, and
:func:`rankdata`, with scipy over grids.

The Hodges–Lehmann pseudo-median and its interval: zero differences are removed (as R's
``wilcox.test(..., conf.int = TRUE)`` does); with fewer than 50 non-zero differences and no ties
the interval is read off the sorted Walsh averages at the exact signed-rank quantile (R's
``qsignrank``) — identical to R in that case. Otherwise the order statistic is taken at the
normal approximation of that quantile (Hollander & Wolfe 1999, ch. 3), floored
(conservative); R instead inverts the asymptotic test numerically, so large-sample bounds can
differ from R's by about one Walsh average.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["qsignrank", "r_wilcox_paired", "rankdata", "signed_rank", "wilcoxon"]

#: beyond this many non-zero differences the Walsh averages are not formed (memory)
_MAX_WALSH = 5000
#: scipy's ``method="auto"``: the exact distribution up to this many differences
_EXACT_MAX = 50
#: scipy's ``method="auto"`` with ties or zeros: every sign flip up to this many differences
#: (2**13 = 8192 is below its default 9999 resamples, so its permutation test is exhaustive)
_FLIPS_MAX = 13


def _rank_ties(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks of ``a`` (1-D, no NaN) and the size of each group of tied values."""
    import numpy as np

    n = a.shape[0]
    order = np.argsort(a, kind="stable")
    y = a[order]
    first = np.flatnonzero(np.concatenate(([True], y[:-1] != y[1:])))
    counts = np.diff(first, append=n)
    # scipy's formula: ordinal rank of the first of a group + (group size - 1) / 2
    group_rank = (first + 1).astype("float64") + (counts.astype("float64") - 1) / 2
    ranks = np.empty(n, dtype="float64")
    ranks[order] = np.repeat(group_rank, counts)
    return ranks, counts


def rankdata(a: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``a`` (1-D, no NaN), ties given their average rank.

    Same as ``scipy.stats.rankdata(a)`` (``method="average"``) and R ``rank(a)``.

    >>> import numpy as np
    >>> rankdata(np.array([3.0, 1.0, 3.0, 2.0])).tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    import numpy as np

    return _rank_ties(np.asarray(a, dtype="float64"))[0]


def _signrank_counts(n: int) -> list[int]:
    """Number of the 2**n sign patterns of untied ranks 1..n giving each W+ = 0..n(n+1)/2."""
    counts = [0] * (n * (n + 1) // 2 + 1)
    counts[0] = 1
    top = 0
    for k in range(1, n + 1):
        top += k
        for w in range(top, k - 1, -1):
            counts[w] += counts[w - k]
    return counts


def _halfrank_counts(doubled: list[int]) -> list[int]:
    """Number of sign patterns giving each 2·W+, for integer doubled (average) ranks."""
    counts = [0] * (sum(doubled) + 1)
    counts[0] = 1
    top = 0
    for r in doubled:
        top += r
        for w in range(top, r - 1, -1):
            counts[w] += counts[w - r]
    return counts


def wilcoxon(d: np.ndarray, alternative: str = "two-sided", *, correction: bool = False,
             method: str = "auto") -> tuple[float, float]:
    r"""Wilcoxon signed-rank test of the differences ``d``: ``(statistic, p)``.

    Equal to ``scipy.stats.wilcoxon(d, zero_method="wilcox", correction=correction,
    alternative=alternative, method=method)`` of scipy 1.17 (tests compare at rtol 1e-12;
    exact, flip and normal p-values are identical). Zeros are dropped; :math:`W^+` is the sum
    of the (average) ranks of :math:`|d_i|` over positive :math:`d_i`. The statistic is
    :math:`\min(W^+, W^-)` two-sided and :math:`W^+` one-sided (scipy's convention).

    ``method="auto"`` chooses as scipy does: more than 50 differences (zeros included) →
    normal approximation; otherwise without ties or zeros → the exact null distribution of
    :math:`W^+` (counted by dynamic programming); with ties or zeros and at most 13
    differences → every one of the :math:`2^n` sign flips (scipy's exhaustive permutation
    test); else the normal approximation :math:`z = (W^+ - n(n+1)/4)/\sigma`,
    :math:`\sigma^2 = (n(n+1)(2n+1) - \sum(t^3 - t)/2)/24` over the non-zero differences,
    with ``correction`` subtracting :math:`\operatorname{sign}\cdot 0.5/\sigma`.
    ``method="exact"`` uses the untied null distribution with :math:`W^+` rounded up for
    the lower tail and down for the upper (scipy's gh-19872 rule). R's ``wilcox.test``
    chooses differently: see :func:`r_wilcox_paired`.

    >>> import numpy as np
    >>> wilcoxon(np.array([1.5, -0.5, 2.0, 3.0, 0.7]))
    (1.0, 0.125)
    """
    import numpy as np
    from scipy import special

    if method not in ("auto", "exact", "asymptotic"):
        raise ValueError(f"method must be 'auto', 'exact' or 'asymptotic', got {method!r}")
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be 'two-sided', 'less' or 'greater', "
                         f"got {alternative!r}")
    d = np.asarray(d, dtype="float64").ravel()
    size = d.shape[0]
    if size == 0 or bool(np.isnan(d).any()):
        return math.nan, math.nan
    n_zero = int(np.count_nonzero(d == 0))
    if method == "auto" and size > _EXACT_MAX:
        method = "asymptotic"
    nz = d[d != 0]
    ranks, ties = _rank_ties(np.abs(nz))
    positive = nz > 0
    r_plus = float(np.sum(ranks[positive]))
    r_minus = float(np.sum(ranks[~positive]))
    count = float(nz.shape[0])
    has_ties = bool(np.any(ties > 1))
    if method == "auto":
        if not (has_ties or n_zero > 0):
            method = "exact"
        elif size <= _FLIPS_MAX:
            method = "flips"
        else:
            method = "asymptotic"
    if method == "asymptotic":
        mn = count * (count + 1.0) * 0.25
        var = count * (count + 1.0) * (2.0 * count + 1.0)
        tie_correct = float(np.sum(ties.astype("float64") ** 3 - ties))
        se = math.sqrt((var - tie_correct / 2) / 24)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = float(np.float64(r_plus - mn) / np.float64(se))
            if correction:
                sign = {"greater": 1.0, "less": -1.0}.get(alternative, float(np.sign(z)))
                z = float(np.float64(z) - np.float64(sign * 0.5) / np.float64(se))
        if alternative == "less":
            p = float(special.ndtr(z))
        elif alternative == "greater":
            p = float(special.ndtr(-z))
        else:
            p = float(2 * special.ndtr(-abs(z)))
    elif method == "exact":
        p = _exact_p(int(count), r_plus, alternative)
    else:
        # every sign flip of the non-zero differences; a zero's two signs give the same W+
        counts = _halfrank_counts([round(2 * r) for r in ranks.tolist()])
        total = 1 << int(count)
        below = sum(counts[: math.floor(2 * r_plus) + 1])
        above = sum(counts[math.ceil(2 * r_plus):])
        p_less, p_greater = below / total, above / total
        if alternative == "less":
            p = p_less
        elif alternative == "greater":
            p = p_greater
        else:
            p = min(min(p_less, p_greater) * 2, 1.0)
    statistic = min(r_plus, r_minus) if alternative == "two-sided" else r_plus
    return statistic, p


def _exact_p(n: int, r_plus: float, alternative: str) -> float:
    """P-value from the untied null distribution of W+ (scipy's rounding for a tied W+)."""
    counts = _signrank_counts(n)
    total = 1 << n

    def cdf(k: int) -> float:  # P(W+ <= k)
        return sum(counts[: max(k + 1, 0)]) / total

    def sf(k: int) -> float:  # P(W+ >= k)
        return sum(counts[max(k, 0):]) / total

    if alternative == "less":
        return cdf(math.ceil(r_plus))
    if alternative == "greater":
        return sf(math.floor(r_plus))
    return min(max(2 * min(sf(math.floor(r_plus)), cdf(math.ceil(r_plus))), 0.0), 1.0)


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

    from evalkit._dist import norm_cdf, norm_sf

    zeros = bool(np.any(diff == 0))
    x = diff[diff != 0]
    n = x.shape[0]
    r = rankdata(np.abs(x))
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

    ``method="scipy"``: what ``scipy.stats.wilcoxon`` returns (:func:`wilcoxon`, without
    importing scipy.stats); ``method="r"``: R's ``wilcox.test`` defaults
    (:func:`r_wilcox_paired`).

    Returns keys ``wilcoxon_statistic`` (scipy's: min(W+, W−) two-sided, W+ one-sided; with
    ``method="r"`` R's V = W+), ``wilcoxon_pvalue``, ``wilcoxon_method``, ``wilcoxon_exact``
    (R's choice; None for scipy), ``w_plus``, ``w_minus``, ``n_zero``, ``rank_biserial``
    (:math:`(W^+ - W^-)/(W^+ + W^-)`, Kerby 2014), ``hodges_lehmann`` and
    ``hodges_lehmann_ci``.
    """
    import numpy as np

    if method == "r":
        v, pval, exact = r_wilcox_paired(diff, alternative)
        statistic = v
    else:
        statistic, pval = wilcoxon(diff, alternative)
        exact = None
    nz = diff[diff != 0]
    ranks = rankdata(np.abs(nz))
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
