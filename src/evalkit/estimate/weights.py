"""Sampling and analytic weights (``weights=``): one check shared by every estimator.

A weight column holds finite numbers >= 0, at least one of them positive, and no missing
values. Rows of weight 0 are dropped (counted in ``result.dropped["zero weight"]``): they carry
no information and fixest, pyfixest and Stata also leave them out. Estimates are invariant to
multiplying every weight by the same number, and so are the standard errors evalkit reports
(HC1, CR1, influence-function and linearisation SEs; the classical SE with weights is that of
weighted least squares, as R ``lm(weights=)`` and Stata ``[aweight=]``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from evalkit._checks import numeric_column, require_columns
from evalkit.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["unit_weights", "weight_column", "weighted_mean_se", "weights_note"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def weight_column(df: pd.DataFrame, column: str, where: str) -> FloatArray:
    """``df[column]`` as checked float64 weights (zeros kept; the caller drops them).

    Raises
    ------
    DataError
        The column is missing, not numeric, infinite, missing in some row, negative, or zero
        in every row.
    """
    if not isinstance(column, str) or not column:
        from evalkit.errors import SpecError

        raise SpecError(f"{where}: weights= must be the name of a column, got {column!r}",
                        hint="pass the weight column's name as text, e.g. weights='w'")
    require_columns(df, [column], where)
    w: FloatArray = numeric_column(df, column, where).to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(w)
    if bool(missing.any()):
        pos = int(missing.argmax())
        raise DataError(
            f"{where}: weight column {column!r} has {int(missing.sum())} missing value(s) "
            f"(first at row {df.index[pos]!r})",
            hint="give every row a weight (0 to leave a row out on purpose) or drop those rows")
    neg = w < 0
    if bool(neg.any()):
        pos = int(neg.argmax())
        raise DataError(
            f"{where}: weight column {column!r} must be >= 0, found {w[pos]:g} at row "
            f"{df.index[pos]!r} ({int(neg.sum())} negative value(s))",
            hint="weights are sampling or analytic weights (e.g. 1 / selection probability); "
            "correct the negative values")
    if not bool((w > 0).any()):
        raise DataError(f"{where}: weight column {column!r} is zero in every row",
                        hint="at least one row needs a positive weight")
    return w


def unit_weights(w: FloatArray, u: IntArray, n_units: int, column: str, unit: str,
                 where: str) -> FloatArray:
    """One weight per unit; :class:`DataError` when a unit's rows carry different weights."""
    lo = np.full(n_units, np.inf)
    hi = np.full(n_units, -np.inf)
    np.minimum.at(lo, u, w)
    np.maximum.at(hi, u, w)
    bad = hi - lo > 1e-12 * np.maximum(np.abs(hi), 1.0)
    if bool(bad.any()):
        raise DataError(
            f"{where}: weight column {column!r} varies within unit {unit!r} for "
            f"{int(bad.sum())} unit(s)",
            hint="this estimator uses one weight per unit (R did's weightsname): give every "
            "row of a unit the same weight")
    out: FloatArray = lo
    return out


def weighted_mean_se(y: npt.NDArray[np.float64],
                     w: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Weighted mean and its linearisation SE (unweighted: the mean and s/sqrt(n)).

    :math:`\\bar y_w = \\sum w_i y_i / \\sum w_i`, :math:`SE^2 = \\frac{n}{n-1}
    \\sum w_i^2 (y_i - \\bar y_w)^2 / (\\sum w_i)^2` (Stata ``mean y [pweight=w]``).
    """
    n = len(y)
    sw = float(w.sum())
    mean = float(w @ y / sw)
    if n < 2:
        return mean, math.nan
    r = w * (y - mean)
    return mean, math.sqrt(n / (n - 1) * float(r @ r)) / sw


def weights_note(column: str) -> str:
    """The catalogue note (``weights.rows``) that goes into ``result.notes`` of a weighted
    estimate; reports name the column by its description."""
    from evalkit.estimate.notes import note

    return note("weights.rows", column=column)
