"""Aggregating ATT(g,t) cells (simple, dynamic, group, calendar) and the multiplier bootstrap.

Follows R ``did::aggte`` (Callaway & Sant'Anna 2021, section 3): weights proportional to the
share of units in each cohort, :math:`\\hat p_g = N^{-1}\\sum_i 1[G_i = g]`, and an extra
influence-function term for having estimated those weights ("wif").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Aggregate", "Cells", "aggregate", "multiplier_bootstrap", "se_from_if",
           "vcov_frame"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Cells:
    """ATT(g,t) estimates with their influence functions (N x k) and unit cohorts."""

    group: FloatArray
    time: FloatArray
    att: FloatArray
    inf: FloatArray
    g_unit: FloatArray  # cohort of each of the N units/rows (inf = never treated)
    w_unit: FloatArray | None = None  # unit sampling weights (None: equal)


@dataclass(frozen=True)
class Aggregate:
    """Aggregated components (labels, estimates, influence functions) and the overall one."""

    labels: list[str]
    keys: list[float]
    att: FloatArray
    inf: FloatArray  # N x len(labels)
    overall: float
    overall_inf: FloatArray


def se_from_if(inf: FloatArray) -> FloatArray:
    """Analytic SE from influence functions: sqrt(mean(IF^2) / N), column-wise."""
    n = inf.shape[0]
    se: FloatArray = np.sqrt(np.einsum("ij,ij->j", inf, inf)) / n
    return se


def vcov_frame(agg: Aggregate) -> pd.DataFrame:
    """Joint covariance of the aggregated components from their influence functions.

    :math:`\\hat V = N^{-2}\\,\\Psi'\\Psi` with :math:`\\Psi` the N x k matrix of influence
    functions (R: ``t(IF) %*% IF / n / n`` with ``IF = aggte(..., type = "dynamic")$
    inf.function$dynamic.inf.func.e``, as ``HonestDiD::honest_did`` builds it). Its diagonal
    is the square of :func:`se_from_if`. Labelled by the components' terms (``e=-2``, …).
    """
    import pandas as pd

    n = agg.inf.shape[0]
    V = agg.inf.T @ agg.inf / n / n
    return pd.DataFrame(V, index=pd.Index(agg.labels, name="term"),
                        columns=pd.Index(agg.labels, name="term"))


def _pg(cells: Cells, groups: FloatArray) -> FloatArray:
    """Cohort shares :math:`\\hat p_g = N^{-1}\\sum_i w_i 1[G_i = g]` (w = 1 unweighted)."""
    g_unit = cells.g_unit
    w = np.ones(len(g_unit)) if cells.w_unit is None else cells.w_unit
    return np.array([float(np.mean(w * (g_unit == g))) for g in groups])


def _combine(cells: Cells, idx: npt.NDArray[np.intp], pg: FloatArray,
             with_wif: bool) -> tuple[float, FloatArray]:
    """Weighted average of cells ``idx`` with weights pg/sum(pg) and its influence function."""
    w = pg / pg.sum()
    att = float(cells.att[idx] @ w)
    inf = cells.inf[:, idx] @ w
    if with_wif:
        inf = inf + _wif_times(cells.g_unit, cells.group[idx], pg, cells.att[idx],
                               cells.w_unit)
    return att, inf


def _wif_times(g_unit: FloatArray, groups: FloatArray, pg: FloatArray,
               att: FloatArray, w_unit: FloatArray | None = None) -> FloatArray:
    """``wif @ att`` without forming the N x k matrix (R ``did:::wif``, with the unit
    weights ``weights.ind`` when given)."""
    s = pg.sum()
    w = np.ones(len(g_unit)) if w_unit is None else w_unit
    a = np.zeros(len(g_unit))
    b = np.zeros(len(g_unit))
    for g, p, at in zip(groups, pg, att, strict=True):
        ind = w * (g_unit == g) - p
        a += ind * at
        b += ind
    out: FloatArray = a / s - b * float(pg @ att) / s**2
    return out


def aggregate(cells: Cells, kind: str) -> Aggregate:
    """Aggregate ATT(g,t) cells: ``simple``, ``dynamic``, ``group`` or ``calendar``."""
    post = cells.group <= cells.time
    pg_cell = _pg(cells, cells.group)
    n = cells.inf.shape[0]
    if kind == "simple":
        idx = np.flatnonzero(post)
        att, inf = _combine(cells, idx, pg_cell[idx], True)
        return Aggregate(["simple"], [np.nan], np.array([att]), inf[:, None], att, inf)
    if kind == "dynamic":
        e = cells.time - cells.group
        keys = sorted({float(v) for v in e})
        atts, infs = [], []
        for k in keys:
            idx = np.flatnonzero(e == k)
            a, i = _combine(cells, idx, pg_cell[idx], True)
            atts.append(a)
            infs.append(i)
        att_arr = np.array(atts)
        inf_mat = np.column_stack(infs)
        postk = np.array(keys) >= 0
        overall = float(att_arr[postk].mean())
        overall_inf = inf_mat[:, postk].mean(axis=1)
        return Aggregate([f"e={k:g}" for k in keys], keys, att_arr, inf_mat, overall, overall_inf)
    if kind == "group":
        groups = sorted({float(g) for g in cells.group[post]})
        atts, infs = [], []
        for g in groups:
            idx = np.flatnonzero(post & (cells.group == g))
            atts.append(float(cells.att[idx].mean()))
            infs.append(cells.inf[:, idx].mean(axis=1))
        att_arr = np.array(atts)
        inf_mat = np.column_stack(infs)
        pg = _pg(cells, np.array(groups))
        w = pg / pg.sum()
        overall = float(att_arr @ w)
        overall_inf = inf_mat @ w + _wif_times(cells.g_unit, np.array(groups), pg, att_arr,
                                               cells.w_unit)
        return Aggregate([f"g={g:g}" for g in groups], groups, att_arr, inf_mat, overall,
                         overall_inf)
    times = sorted({float(t) for t in cells.time[post]})
    atts, infs = [], []
    for t in times:
        idx = np.flatnonzero(post & (cells.time == t))
        a, i = _combine(cells, idx, pg_cell[idx], True)
        atts.append(a)
        infs.append(i)
    att_arr = np.array(atts)
    inf_mat = np.column_stack(infs) if infs else np.zeros((n, 0))
    return Aggregate([f"t={t:g}" for t in times], times, att_arr, inf_mat,
                     float(att_arr.mean()), inf_mat.mean(axis=1))


def multiplier_bootstrap(inf: FloatArray, n_boot: int, seed: int | None,
                         alpha: float) -> tuple[FloatArray, float]:
    """Mammen multiplier bootstrap (R ``did::mboot``): SEs and the simultaneous critical value.

    Each draw is :math:`\\sqrt N \\cdot N^{-1}\\sum_i v_i \\psi_i` with Mammen's two-point
    weights; the SE is the interquartile range of the draws / 1.349 / sqrt(N), and the critical
    value the 1 - alpha quantile of max_k |draw_k| / SE_k (uniform over the k estimates).
    """
    rng = np.random.default_rng(seed)
    n, k = inf.shape
    s5 = np.sqrt(5.0)
    lo, hi = -(s5 - 1) / 2, (s5 + 1) / 2
    p_lo = (s5 + 1) / (2 * s5)
    draws = np.empty((n_boot, k))
    chunk = max(1, min(n_boot, 20_000_000 // max(n, 1)))
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        v = np.where(rng.random((m, n)) < p_lo, lo, hi)
        draws[start:start + m] = v @ inf / n
    draws *= np.sqrt(n)
    q75 = np.quantile(draws, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(draws, 0.25, axis=0, method="inverted_cdf")
    sig = (q75 - q25) / 1.3489795003921634
    ok = sig > np.sqrt(np.finfo(float).eps) * 10
    se = np.where(ok, sig / np.sqrt(n), np.nan)
    if not ok.any():
        return se, float("nan")
    bt = np.max(np.abs(draws[:, ok] / sig[ok]), axis=1)
    crit = float(np.quantile(bt, 1 - alpha, method="inverted_cdf"))
    return se, crit
