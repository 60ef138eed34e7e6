"""Several outcomes at once: Holm and Benjamini–Hochberg adjusted p-values.

When a project reports five outcomes, the chance that at least one "significant" change is
luck is far above 5%. Holm's method keeps that family-wise chance at alpha; Benjamini–Hochberg
keeps the expected share of false discoveries at alpha (less strict, suited to exploring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from evalkit._checks import check_choice
from evalkit.errors import SpecError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from evalkit.estimate.prepost import Alternative, Test

__all__ = ["adjust_pvalues", "prepost_many"]

Method = Literal["holm", "bh"]
METHODS: tuple[Method, ...] = ("holm", "bh")


def adjust_pvalues(pvals: Sequence[float] | np.ndarray, method: Method = "holm") -> np.ndarray:
    """Adjusted p-values for a family of tests.

    Parameters
    ----------
    pvals
        Raw p-values (missing values stay missing and do not count in the family size).
    method
        ``"holm"`` (Holm 1979, family-wise error) or ``"bh"`` (Benjamini & Hochberg 1995,
        false discovery rate).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order, capped at 1.

    Notes
    -----
    With the m p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`:

    * Holm: :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min\\{1, (m - j + 1) p_{(j)}\\}`;
    * BH: :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min\\{1, m\\, p_{(j)} / j\\}`.

    Same as ``statsmodels.stats.multitest.multipletests(p, method="holm" | "fdr_bh")[1]``;
    R ``p.adjust(p, "holm" | "BH")``; Stata ``qqvalue p, method(holm | simes)``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics* 6, 65–70. Benjamini, Y. & Hochberg, Y. (1995). Controlling the false
    discovery rate. *JRSS B* 57, 289–300.

    Examples
    --------
    >>> from evalkit.estimate.multiplicity import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    import numpy as np

    check_choice("method", method, METHODS)
    p = np.asarray(pvals, dtype="float64").ravel()
    finite = ~np.isnan(p)
    if bool(np.any((p[finite] < 0) | (p[finite] > 1))):
        raise SpecError(f"pvals: p-values must lie in [0, 1], got {p[finite].tolist()!r}")
    out = np.full(p.shape, np.nan)
    q = p[finite]
    m = q.shape[0]
    if m == 0:
        return out
    order = np.argsort(q, kind="mergesort")
    sorted_p = q[order]
    ranks = np.arange(1, m + 1)
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - ranks + 1) * sorted_p))
    else:
        adj = np.minimum.accumulate(np.minimum(1.0, m * sorted_p / ranks)[::-1])[::-1]
    back = np.empty(m)
    back[order] = adj
    out[finite] = back
    return out


def prepost_many(
    df: pd.DataFrame,
    outcomes: Sequence[str],
    unit: str,
    time: str,
    pre: Any,
    post: Any,
    *,
    test: Test = "t",
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    method: Method = "holm",
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """:func:`evalkit.prepost` for several outcomes, with adjusted p-values.

    Parameters
    ----------
    df, unit, time, pre, post, test, alternative, alpha
        As in :func:`evalkit.prepost` (each outcome pairs its own complete units).
    outcomes
        Outcome columns (at least one, no repeats).
    method
        ``"holm"`` or ``"bh"`` (:func:`adjust_pvalues`).
    labels
        Optional readable names by outcome.

    Returns
    -------
    pandas.DataFrame
        One row per outcome: ``outcome, label, method, estimate, std_error, statistic,
        p_value, p_adjusted, conf_low, conf_high, standardised, n, n_dropped, design,
        evidence_level``. The intervals are *not* adjusted for multiplicity.

    Notes
    -----
    R: ``p.adjust(sapply(outcomes, function(v) t.test(post[[v]], pre[[v]],
    paired = TRUE)$p.value), "holm")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.estimate.multiplicity import prepost_many
    >>> df = pd.DataFrame({"id": [1, 2, 3, 4] * 2, "t": [0] * 4 + [1] * 4,
    ...                    "a": [1.0, 2, 3, 4, 2, 2.5, 4, 5], "b": [3.0, 3, 2, 4, 3, 4, 2, 5]})
    >>> prepost_many(df, ["a", "b"], "id", "t", 0, 1)[["outcome", "p_adjusted"]].shape
    (2, 2)
    """
    import pandas as pd

    from evalkit.estimate.prepost import prepost

    outcomes = list(outcomes)
    if not outcomes or len(set(outcomes)) != len(outcomes):
        raise SpecError(f"outcomes: expected a non-empty list of distinct columns, got "
                        f"{outcomes!r}")
    check_choice("method", method, METHODS)
    labels = dict(labels or {})
    rows = []
    for col in outcomes:
        r = prepost(df, col, unit, time, pre, post, test=test, alternative=alternative,
                    alpha=alpha, label=labels.get(col))
        rows.append({
            "outcome": col, "label": labels.get(col, col), "method": r.method,
            "estimate": r.estimate, "std_error": r.se, "statistic": r.statistic,
            "p_value": r.pvalue, "conf_low": r.ci[0], "conf_high": r.ci[1],
            "standardised": float(r.extra.get("standardised", float("nan"))), "n": r.n,
            "n_dropped": r.n_dropped, "design": r.design, "evidence_level": r.evidence_level,
        })
    frame = pd.DataFrame(rows)
    frame.insert(frame.columns.get_loc("p_value") + 1, "p_adjusted",
                 adjust_pvalues(frame["p_value"].to_numpy(), method))
    return frame.astype({"outcome": "string", "label": "string", "method": "string",
                         "design": "string"})
