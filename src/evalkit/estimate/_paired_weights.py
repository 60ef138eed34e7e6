"""Weighted pre/post change (``ek.prepost(..., weights=)``, paired t only).

Private helper of :mod:`evalkit.estimate.prepost`: per-person weights taken from the long
table, and the weighted mean change with its survey (linearisation) standard error.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit.errors import DataError, EstimationError
from evalkit.estimate._effsize import hedges_j
from evalkit.estimate._paired import Pairs, wave_mask
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
from evalkit.estimate.weights import weight_column, weights_note

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["pair_weights", "weighted_change"]

FloatArray = npt.NDArray[np.float64]


def pair_weights(df: pd.DataFrame, pairs: Pairs, unit: str, time: str, pre: Any, post: Any,
                 column: str, where: str) -> tuple[Pairs, FloatArray]:
    """The pairs of positive weight and their weights (one per person).

    Raises :class:`DataError` when the weight column is bad (see
    :func:`evalkit.estimate.weights.weight_column`) or differs between a person's pre and
    post rows.
    """
    import pandas as pd

    w_all = weight_column(df, column, where)
    rows = (wave_mask(df, time, pre, "pre", where) | wave_mask(df, time, post, "post", where))
    rows = rows.to_numpy() & df[unit].notna().to_numpy()
    frame = pd.DataFrame({"unit": df[unit].to_numpy()[rows], "w": w_all[rows]})
    spread = frame.groupby("unit", sort=False)["w"].agg(["min", "max"])
    differ = spread["max"] - spread["min"] > 1e-12 * spread["max"].abs().clip(lower=1.0)
    if bool(differ.any()):
        raise DataError(
            f"{where}: weight column {column!r} differs between the pre and post rows of "
            f"{int(differ.sum())} unit(s) in column {unit!r} (first: {differ.idxmax()!r})",
            hint="give each person one weight, the same on both waves (e.g. the follow-up "
            "wave's longitudinal weight)")
    w = spread["min"].reindex(pd.Index(pairs.units)).to_numpy(dtype=np.float64)
    keep = w > 0
    if keep.all():
        return pairs, w
    if not keep.any():
        raise EstimationError(f"{where}: every matched pair has weight 0 in column {column!r}",
                              hint="at least one person with both waves needs a positive weight")
    dropped = {**pairs.dropped, "zero_weight": int((~keep).sum())}
    return replace(pairs, units=pairs.units[keep], pre=pairs.pre[keep], post=pairs.post[keep],
                   dropped=dropped), w[keep]


def weighted_mean_sd(x: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Weighted mean and SD :math:`s_w^2 = \\frac{n}{n-1}\\sum w_i(x_i-\\bar x_w)^2/\\sum w_i`."""
    n = len(x)
    m = float(w @ x / w.sum())
    var = n / (n - 1) * float(w @ (x - m) ** 2) / float(w.sum())
    return m, math.sqrt(var)


def weighted_change(pairs: Pairs, w: FloatArray, outcome: str, column: str, alternative: str,
                    alpha: float, label: str | None, spec: dict[str, Any],
                    where: str) -> EffectResult:
    """Weighted mean change post − pre, linearisation SE, t(n-1) test and interval."""
    from evalkit.estimate.prepost import _t_interval, _t_pvalue

    x, y = pairs.pre, pairs.post
    n = pairs.n
    d = y - x
    if n < 2:
        raise EstimationError(
            f"{where}: only {n} unit with a positive weight has values of {outcome!r} in both "
            "waves; a change needs at least 2 pairs",
            hint="check the wave labels, unit ids and weights")
    sw = float(w.sum())
    mean = float(w @ d) / sw
    r = w * (d - mean)
    se = math.sqrt(n / (n - 1) * float(r @ r)) / sw
    if not se > 0:
        raise EstimationError(
            f"{where}: every pair changed by exactly {float(d[0]):g} on {outcome!r} (zero "
            "variance), so no test or interval can be computed",
            hint="check that the post wave was not copied from the pre wave")
    dof = n - 1.0
    t = mean / se
    ci = _t_interval(mean, se, dof, alternative, alpha)
    m_pre, s_pre = weighted_mean_sd(x, w)
    m_post, s_post = weighted_mean_sd(y, w)
    _, s_d = weighted_mean_sd(d, w)
    s_av = math.sqrt((s_pre**2 + s_post**2) / 2)
    d_av = mean / s_av if s_av > 0 else math.nan
    j = hedges_j(2 * n - 2)
    nan2 = (math.nan, math.nan)
    extra: dict[str, Any] = {
        "mean_pre": m_pre, "mean_post": m_post, "sd_pre": s_pre, "sd_post": s_post,
        "sd_diff": s_d, "r_pre_post": float(np.corrcoef(x, y)[0, 1]) if n > 2 else math.nan,
        "cohens_dz": mean / s_d, "cohens_dz_ci": nan2, "cohens_d_av": d_av,
        "cohens_d_av_ci": nan2, "hedges_g_av": d_av * j, "hedges_g_av_ci": nan2,
        "standardised": d_av, "weights": column, "sum_weights": sw,
        "effect_size_ci_method": "not computed with weights",
    }
    if label is not None:
        extra["label"] = label
    notes = [note("prepost.post_minus_pre"), weights_note(column),
             note("se.survey_linearisation", df=f"{dof:g}")]
    term = "mean change"
    pvalue = _t_pvalue(t, dof, alternative)
    return EffectResult(
        estimate=mean, se=se, ci=ci, pvalue=pvalue, n=n, method="weighted paired t-test",
        design="pre_post", outcome=outcome, term=term,
        table=tidy_frame([tidy_row(term, mean, se, t, pvalue, ci[0], ci[1])]),
        statistic=float(t), df=dof, alternative=alternative, alpha=alpha,
        n_dropped=pairs.n_dropped, dropped=pairs.dropped,
        evidence_level=evidence_level("pre_post"), notes=tuple(notes), spec=spec, extra=extra,
    )
