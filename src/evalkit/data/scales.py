"""Likert scales: item checks, reverse coding, scale scores and internal consistency.

A questionnaire scale is a set of items answered on the same range (e.g. 1–5). evalkit turns
the items into one score per person and wave and reports how consistent the items are
(Cronbach's alpha with its interval and corrected item–total correlations), so an evaluator
can tell whether the score measures one thing before reading its change.

>>> import pandas as pd
>>> from evalkit.data.scales import scale_scores
>>> df = pd.DataFrame({"q1": [1, 4, 5], "q2": [5, 2, 1], "q3": [2, None, 4]})
>>> scale_scores(df, ["q1", "q2", "q3"], reverse=["q2"]).round(2).tolist()
[1.33, 4.0, 4.67]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evalkit._checks import (
    check_choice,
    check_frame,
    numeric_column,
    require_columns,
    require_range,
)
from evalkit.errors import EvalkitWarning, SpecError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALPHA_WARN_BELOW",
    "Reliability",
    "ScaleResult",
    "check_items",
    "cronbach_alpha",
    "scale",
    "scale_scores",
]

#: Cronbach's alpha below this gets an EvalkitWarning (Nunnally's conventional 0.70)
ALPHA_WARN_BELOW = 0.7

NanPolicy = Literal["pairwise", "listwise"]


@dataclass(frozen=True)
class Reliability:
    """Internal consistency of a scale (immutable).

    Attributes
    ----------
    alpha, ci
        Cronbach's alpha and its ``ci_level`` interval (Feldt's F interval).
    ci_level
        Confidence level of ``ci`` (e.g. 0.95).
    n, k
        Respondents (rows with at least one item answered) and items.
    item_total
        Per item: ``item``, ``r_corrected`` (correlation of the item with the sum of the other
        items, complete rows) and ``alpha_if_deleted``.
    acceptable
        ``alpha >= 0.7``.
    """

    alpha: float
    ci: tuple[float, float]
    ci_level: float
    n: int
    k: int
    item_total: pd.DataFrame
    acceptable: bool


@dataclass(frozen=True)
class ScaleResult:
    """Scale scores and their reliability (immutable).

    ``scores`` is indexed like the input rows (NaN where too few items were answered);
    ``n_answered`` counts answered items per row.
    """

    scores: pd.Series
    n_answered: pd.Series
    items: tuple[str, ...]
    reverse: tuple[str, ...]
    item_range: tuple[float, float]
    min_answered: int
    reliability: Reliability


def _range(item_range: Sequence[float]) -> tuple[float, float]:
    if len(item_range) != 2 or not float(item_range[0]) < float(item_range[1]):
        raise SpecError(f"item_range: expected (min, max) with min < max, got {item_range!r}")
    return float(item_range[0]), float(item_range[1])


def check_items(
    df: pd.DataFrame,
    items: Sequence[str],
    *,
    reverse: Sequence[str] = (),
    item_range: Sequence[float] = (1, 5),
    where: str = "scale",
) -> pd.DataFrame:
    """Items as a float frame (a copy) with reverse-coded items flipped.

    Every item must be numeric and, where answered, inside ``item_range``; reverse-coded
    items become ``min + max − x``.

    Raises
    ------
    DataError
        Missing item column, non-numeric value, value outside the range (naming column and
        row), a reverse item that is not among ``items``.
    """
    import pandas as pd

    frame = check_frame(df, where)
    items = list(items)
    if len(items) < 2 or len(set(items)) != len(items):
        raise SpecError(f"{where}: expected at least two distinct item columns, got {items!r}")
    require_columns(frame, items, where)
    stray = [c for c in reverse if c not in items]
    if stray:
        raise SpecError(f"{where}: reverse-coded item(s) {stray!r} are not among the items",
                        hint="list every reverse-coded item under items as well")
    lo, hi = _range(item_range)
    fast = _float_items(frame, items, reverse, lo, hi)
    if fast is not None:
        return fast
    out = {}
    for col in items:
        values = numeric_column(frame, col, where)
        require_range(values, col, lo, hi, where,
                      hint="correct the value, blank it out, or declare the right item range")
        out[col] = lo + hi - values if col in reverse else values
    return pd.DataFrame(out, index=frame.index)


def _float_items(frame: pd.DataFrame, items: list[str], reverse: Sequence[str], lo: float,
                 hi: float) -> pd.DataFrame | None:
    """:func:`check_items`'s result for float64 items that pass every check (finite, not
    huge, inside the range), computed on their array; None otherwise (the per-column checks
    then name the first offending value)."""
    import numpy as np
    import pandas as pd

    from evalkit._checks import MAX_VALUE

    if not (frame.columns.is_unique and all(frame[c].dtype == np.float64 for c in items)):
        return None
    arr = frame[items].to_numpy(dtype=np.float64)
    finite = np.isfinite(arr)
    if (np.isinf(arr).any() or (np.abs(arr[finite]) > MAX_VALUE).any()
            or ((arr < lo) | (arr > hi)).any()):
        return None
    flip = lo + hi  # a reverse-coded item is lo + hi - x, as on the column
    return pd.DataFrame({col: flip - arr[:, j] if col in reverse else arr[:, j].copy()
                         for j, col in enumerate(items)}, index=frame.index)


def _min_answered(k: int, min_answered: int | None) -> int:
    if min_answered is None:
        return math.ceil(k / 2)
    if not 1 <= int(min_answered) <= k:
        raise SpecError(f"min_answered: expected an integer from 1 to {k} (the number of "
                        f"items), got {min_answered!r}")
    return int(min_answered)


def scale_scores(
    df: pd.DataFrame,
    items: Sequence[str],
    *,
    reverse: Sequence[str] = (),
    item_range: Sequence[float] = (1, 5),
    min_answered: int | None = None,
) -> pd.Series:
    """Mean of the answered items per row, NaN when fewer than ``min_answered`` answered.

    Parameters
    ----------
    df
        One row per respondent (and wave); item columns hold the answers. Not modified.
    items
        Item columns.
    reverse
        Reverse-coded items, scored ``min + max − x``.
    item_range
        ``(min, max)`` of the answer scale.
    min_answered
        Least number of answered items for a score; default ``ceil(k / 2)`` (the "half
        rule": the person mean of the answered items — prorated scoring — when at least half
        are answered).

    Notes
    -----
    :math:`\\text{score}_i = \\frac{1}{|A_i|}\\sum_{j\\in A_i} x_{ij}` if
    :math:`|A_i| \\ge k_{min}`, else missing, where :math:`A_i` are the answered items.
    R: ``ifelse(rowSums(!is.na(X)) >= kmin, rowMeans(X, na.rm = TRUE), NA)``; Stata:
    ``egen s = rowmean(q*)`` with ``egen m = rownonmiss(q*)`` and ``replace s = . if m < kmin``.
    """
    return scale(df, items, reverse=reverse, item_range=item_range,
                 min_answered=min_answered, warn=False, reliability=False).scores


def _alpha_from_cov(cov: pd.DataFrame) -> float:
    import numpy as np

    k = cov.shape[0]
    c = cov.to_numpy()
    return float(k / (k - 1) * (1 - np.trace(c) / c.sum()))


def cronbach_alpha(
    items_frame: pd.DataFrame,
    *,
    ci: float = 0.95,
    nan_policy: NanPolicy = "pairwise",
) -> tuple[float, tuple[float, float], int]:
    """Cronbach's alpha of already-checked (reverse-coded) items, with Feldt's interval.

    Rows with no item answered are left out. Returns ``(alpha, (low, high), n)``.

    Notes
    -----
    :math:`\\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_j s_j^2}{\\sum_{j,l} s_{jl}}\\right)`
    from the item covariance matrix (pairwise-complete by default). Interval (Feldt 1965):
    :math:`1 - (1-\\hat\\alpha) F_{1-\\gamma/2}(n-1, (n-1)(k-1))` to
    :math:`1 - (1-\\hat\\alpha) F_{\\gamma/2}(n-1, (n-1)(k-1))`, :math:`\\gamma = 1 -` ``ci``.
    Same as ``pingouin.cronbach_alpha`` (which rounds the interval to 3 decimals) and R
    ``psych::alpha(X)$total$raw_alpha``; Stata ``alpha q*`` (listwise).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika* 16, 297–334. Feldt, L. S. (1965). The approximate sampling distribution of
    Kuder-Richardson reliability coefficient twenty. *Psychometrika* 30, 357–370.
    """
    from evalkit._dist import f_isf

    check_choice("nan_policy", nan_policy, ("pairwise", "listwise"))
    data = items_frame.dropna(how="all")
    if nan_policy == "listwise":
        data = data.dropna(how="any")
    n, k = data.shape
    if n < 2:
        from evalkit.errors import EstimationError

        raise EstimationError(f"Cronbach's alpha needs at least 2 respondents, got {n}")
    a = _alpha_from_cov(data.cov())
    g = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - a) * f_isf(g / 2, df1, df2)
    high = 1 - (1 - a) * f_isf(1 - g / 2, df1, df2)
    return a, (low, high), n


def _item_total(data: pd.DataFrame) -> pd.DataFrame:
    """Corrected item–total correlation and alpha without the item, for each item.

    Computed on the array of ``data`` with the very numpy calls pandas makes for
    ``complete.drop(columns=[col]).sum(axis=1)``, ``Series.std()`` and
    ``data.drop(columns=[col]).cov()`` (the same layouts, so the same sums); only with
    missing answers in the other items is the covariance left to pandas (pairwise).
    """
    import numpy as np
    import pandas as pd

    values = data.to_numpy(dtype=float, na_value=np.nan, copy=False)
    answered = ~np.isnan(values)
    complete = values[answered.all(axis=1)]
    k = values.shape[1]
    rows = []
    for j, col in enumerate(data.columns):
        others = [i for i in range(k) if i != j]
        total = np.asfortranarray(complete[:, others]).sum(axis=1)
        item = np.ascontiguousarray(complete[:, j])
        ok = len(item) > 1 and item.std(ddof=1) > 0 and total.std(ddof=1) > 0
        r = float(np.corrcoef(item, total)[0, 1]) if ok else math.nan
        a = _alpha_without(values, answered, others) if len(others) > 1 else math.nan
        rows.append({"item": col, "r_corrected": r, "alpha_if_deleted": a})
    return pd.DataFrame(rows).astype({"item": "string"})


def _alpha_without(values: Any, answered: Any, others: list[int]) -> float:
    """Alpha of the items ``others`` (columns of ``values``), as ``_alpha_from_cov`` of
    ``data.drop(columns=...).cov()``."""
    import numpy as np
    import pandas as pd

    mat = np.asfortranarray(values[:, others])  # the layout of DataFrame.to_numpy()
    # without missing values DataFrame.cov() is np.cov; with them pairwise-complete (pandas)
    c = (np.cov(mat.T, ddof=1) if answered[:, others].all()
         else pd.DataFrame(mat).cov().to_numpy())
    m = c.shape[0]
    return float(m / (m - 1) * (1 - np.trace(c) / c.sum()))


def scale(
    df: pd.DataFrame,
    items: Sequence[str],
    *,
    reverse: Sequence[str] = (),
    item_range: Sequence[float] = (1, 5),
    min_answered: int | None = None,
    ci: float = 0.95,
    nan_policy: NanPolicy = "pairwise",
    warn: bool = True,
    reliability: bool = True,
) -> ScaleResult:
    """Score a Likert scale and assess its reliability.

    Parameters
    ----------
    df, items, reverse, item_range, min_answered
        As in :func:`scale_scores`.
    ci
        Level of the interval for alpha.
    nan_policy
        ``"pairwise"`` (default; pingouin and psych) or ``"listwise"`` covariances for alpha.
    warn
        Emit an :class:`~evalkit.errors.EvalkitWarning` when alpha < 0.7.
    reliability
        Compute alpha and item–total correlations (False: scores only).

    Returns
    -------
    ScaleResult
        Scores, answered counts and a :class:`Reliability`.

    Notes
    -----
    Scores: see :func:`scale_scores`. Alpha and its interval: :func:`cronbach_alpha`,
    computed on the reverse-coded items of every row given (pass one wave at a time to get a
    per-wave alpha). Corrected item–total correlation: Pearson r of item j with the sum of the
    other items, complete rows (R ``psych::alpha(X)$item.stats$r.drop`` when no answer is
    missing; with missing answers psych works from pairwise covariances and gives a slightly
    different value — ``psych::alpha(na.omit(X))`` is the same as evalkit's). Alpha < 0.7 means
    the items disagree too much for the score to be read as one thing (Nunnally 1978).

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.data.scales import scale
    >>> df = pd.DataFrame({"q1": [1, 2, 4, 5, 3], "q2": [2, 2, 5, 4, 3], "q3": [5, 4, 2, 1, 3]})
    >>> res = scale(df, ["q1", "q2", "q3"], reverse=["q3"])
    >>> round(res.reliability.alpha, 3)
    0.963
    """
    data = check_items(df, items, reverse=reverse, item_range=item_range)
    return scored_items(data, items, reverse=reverse, item_range=item_range,
                        min_answered=min_answered, ci=ci, nan_policy=nan_policy, warn=warn,
                        reliability=reliability, stacklevel=3)


def scored_items(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    reverse: Sequence[str] = (),
    item_range: Sequence[float] = (1, 5),
    min_answered: int | None = None,
    ci: float = 0.95,
    nan_policy: NanPolicy = "pairwise",
    warn: bool = True,
    reliability: bool = True,
    stacklevel: int = 2,
) -> ScaleResult:
    """:func:`scale` of items already checked by :func:`check_items` (``data``, not modified).

    For a caller that scores several row subsets of one checked frame (the checks of a subset
    cannot fail where those of the whole frame passed). ``stacklevel`` of the low-alpha
    warning counts from this function.
    """
    import pandas as pd

    k = data.shape[1]
    kmin = _min_answered(k, min_answered)
    answered = data.notna().sum(axis=1)
    scores = data.mean(axis=1, skipna=True).where(answered >= kmin)
    if reliability:
        a, interval, n = cronbach_alpha(data, ci=ci, nan_policy=nan_policy)
        rel = Reliability(alpha=a, ci=interval, ci_level=ci, n=n, k=k,
                          item_total=_item_total(data), acceptable=a >= ALPHA_WARN_BELOW)
        if warn and not rel.acceptable:
            warnings.warn(
                f"scale {list(items)!r}: Cronbach's alpha is {a:.2f} (below "
                f"{ALPHA_WARN_BELOW}); the items may not measure one thing — check reverse-"
                "coded items and the item-total correlations",
                EvalkitWarning,
                stacklevel=stacklevel,
            )
    else:
        empty = pd.DataFrame({"item": pd.Series(dtype="string")})
        rel = Reliability(math.nan, (math.nan, math.nan), ci, 0, k, empty, False)
    return ScaleResult(
        scores=scores.rename("score"), n_answered=answered.rename("n_answered"),
        items=tuple(items), reverse=tuple(reverse), item_range=_range(item_range),
        min_answered=kmin, reliability=rel,
    )
