"""Event study: effects by time relative to treatment start, with unit and period effects.

In steps: :func:`cohort_panel` (checks, sample) → :func:`_event_design` (relative-time
dummies) → :func:`_event_sample` (clusters, singletons) → ``fe_fit`` → :func:`_event_result`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import (
    check_column_args,
    check_frame,
    require_columns,
)
from evalkit.errors import DataError, SpecError
from evalkit.estimate.cohorts import CohortPanel, cohort_panel
from evalkit.estimate.did import FeDof
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import (
    OLSFit,
    check_nesting,
    cluster_codes,
    collinear_columns,
    t_inference,
    wald_test,
)
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_row
from evalkit.estimate.steps import (
    check_options,
    clusters_ready,
    coef_rows,
    effect_result,
    fe_notes,
    fe_wild,
    inference_extra,
    spec_of,
    split_zero_weight,
    vcov_frame,
)
from evalkit.estimate.twfe import fe_fit
from evalkit.estimate.weights import weight_column
from evalkit.estimate.wild import BootWeights, Inference

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CohortPanel", "cohort_panel", "event_study"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def _pretrend(w: dict[str, float], df_denom: float) -> dict[str, float]:
    """The F(q, G-1) version of the joint pre-trend test first; chi-squared kept beside it."""
    out = {"statistic": w.get("f_statistic", math.nan), "df": w["df"], "df_denom": df_denom,
           "p_value": w.get("f_p_value", math.nan), "chi2_statistic": w["statistic"],
           "chi2_p_value": w["p_value"]}
    return out


def _event_label(e: float, lo: float | None, hi: float | None) -> str:
    s = f"{e:g}"
    if lo is not None and e == lo:
        return f"<={s}"
    if hi is not None and e == hi:
        return f">={s}"
    return s


@dataclass
class _EventDesign:
    """Relative-time dummies of the treated rows and what they stand for."""

    D: FloatArray
    levels: list[float]  # the estimated relative times, one per column of D
    omit: set[float]  # normalised to zero (the reference, and unidentified ones)
    names: list[str]
    notes: list[str]
    lo: float | None
    hi: float | None


def _event_design(cp: CohortPanel, ref: int, window: tuple[int, int] | None, cohort: str,
                  where: str) -> _EventDesign:
    """Relative times (binned to ``window``), the dummies, the normalised periods."""
    u, t = cp.u, cp.t
    g_row = cp.g_unit[u]
    treated = np.isfinite(g_row)
    if not treated.any():
        raise DataError(f"{where}: no unit has a cohort in {cohort!r} (all never treated)",
                        hint="cohort = first treated period; 0 or missing only for never treated")
    e = np.where(treated, cp.periods[t] - np.where(treated, g_row, 0.0), np.nan)
    lo = hi = None
    if window is not None:
        lo, hi = float(window[0]), float(window[1])
        e = np.where(treated, np.clip(e, lo, hi), np.nan)
    levels = np.unique(e[treated])
    if float(ref) not in levels:
        raise SpecError(f"ref: relative period {ref} is not observed (relative times run from "
                        f"{levels.min():g} to {levels.max():g})", hint="choose an observed ref")
    omit = {float(ref)}
    notes: list[str] = []
    has_never = bool((~np.isfinite(cp.g_unit)).any())
    if not has_never and window is None and levels.min() < ref:
        omit.add(float(levels.min()))
        notes.append(note("event.no_never_treated", period=f"{levels.min():g}"))
    est_levels = [float(k) for k in levels if float(k) not in omit]
    D = np.zeros((len(e), len(est_levels)), order="F")
    for j, k in enumerate(est_levels):
        D[:, j] = e == k
    if not has_never:
        # without never-treated units more relative periods can be unidentified: normalise
        # them to zero too (as fixest drops collinear variables) and say so
        from evalkit.estimate.demean import demean

        Dd = demean(D, [u, t])
        drop = collinear_columns(Dd.T @ Dd)
        if drop:
            for j in drop:
                omit.add(est_levels[j])
            notes.append(note("event.not_identified",
                              periods=", ".join(f"{est_levels[j]:g}" for j in drop)))
            keep_cols = [j for j in range(len(est_levels)) if j not in drop]
            est_levels = [est_levels[j] for j in keep_cols]
            D = np.asfortranarray(D[:, keep_cols])
    names = [f"e={_event_label(k, lo, hi)}" for k in est_levels]
    return _EventDesign(D, est_levels, omit, names, notes, lo, hi)


@dataclass
class _EventSample:
    y: FloatArray
    D: FloatArray
    u: IntArray
    t: IntArray
    w: FloatArray | None
    cl: IntArray
    n_cl: int
    cl_col: str
    wild: bool


def _event_sample(df: pd.DataFrame, cp: CohortPanel, D: FloatArray, w: FloatArray | None,
                  unit: str, cluster: str | None, inference: str,
                  dropped: dict[str, int]) -> _EventSample:
    """Cluster codes (nesting checked), singletons dropped (counted in ``dropped``)."""
    from evalkit.estimate.demean import drop_singletons

    u, t = cp.u, cp.t
    if cluster is None:
        cl, n_cl = cluster_codes(u)
    else:
        cl, n_cl = cluster_codes(df[cluster].to_numpy()[cp.keep])
        check_nesting(u, cl, unit, cluster)
    yv = cp.y
    keep = drop_singletons([u, t])
    if not keep.all():
        dropped["singletons"] = int((~keep).sum())
        yv, D, u, t, cl = yv[keep], np.asfortranarray(D[keep]), u[keep], t[keep], cl[keep]
        w = None if w is None else w[keep]
        cl, n_cl = cluster_codes(cl)
    cl_col = cluster if cluster is not None else unit
    wild = clusters_ready(n_cl, cl_col, inference)
    return _EventSample(yv, D, u, t, w, cl, n_cl, cl_col, wild)


def _event_frame(rows: list[dict[str, Any]], fit: OLSFit, ed: _EventDesign) -> pd.DataFrame:
    """One row per relative time, by time: the coefficients' (``rows``, in the order of
    ``ed.levels``) and the normalised periods' zeros (``reference`` True)."""
    import pandas as pd

    omit = sorted(ed.omit)
    n, zeros = len(rows), np.zeros(len(omit))
    times = np.array([ed.levels[j] for j in range(n)] + omit, dtype=np.float64)
    order = times.argsort(kind="quicksort")  # sort_values("event_time"): no NaN here
    terms = np.array([r["term"] for r in rows]
                     + [f"e={_event_label(k, ed.lo, ed.hi)}" for k in omit], dtype=object)
    columns = {
        "event_time": times, "term": terms,
        "estimate": np.concatenate([fit.coef[:n], zeros]),
        "std_error": np.concatenate([fit.se[:n], zeros]),
        "conf_low": np.array([r["conf_low"] for r in rows] + [0.0] * len(omit)),
        "conf_high": np.array([r["conf_high"] for r in rows] + [0.0] * len(omit)),
        "reference": np.arange(n + len(omit)) >= n,
    }
    return pd.DataFrame({name: values[order] for name, values in columns.items()})


def _event_rows(fit: OLSFit, ed: _EventDesign, alpha: float,
                ) -> tuple[list[dict[str, Any]], pd.DataFrame, FloatArray, list[int]]:
    """Headline average of the post coefficients, the event-time rows and frame."""

    post_idx = [j for j, k in enumerate(ed.levels) if k >= 0]
    if not post_idx:
        raise DataError("event_study: no post-treatment periods observed for any treated unit",
                        hint="the panel must include periods at or after a cohort's start")
    a = np.zeros(len(ed.names))
    a[post_idx] = 1.0 / len(post_idx)
    avg = float(a @ fit.coef)
    avg_se = float(np.sqrt(a @ fit.vcov @ a))
    rows = [tidy_row("average post", avg, avg_se, *t_inference(avg, avg_se, fit.df_resid, alpha))]
    rows += coef_rows(ed.names, fit.coef, fit.se, fit.df_resid, alpha)
    events = _event_frame(rows[1:], fit, ed)
    pre_idx = [j for j, k in enumerate(ed.levels) if k < 0]
    return rows, events, a, pre_idx


def event_study(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    ref: int = -1,
    window: tuple[int, int] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    fe_dof: FeDof = "nested",
    inference: Inference = "auto",
    reps: int = 9999,
    boot_weights: BootWeights = "rademacher",
    seed: int | None = None,
) -> EffectResult:
    """Dynamic two-way fixed effects ("event study") with a reference period.

    Parameters
    ----------
    df
        Long panel, one row per unit and period; ``time`` numeric. Never modified.
    outcome, unit, time
        Column names.
    cohort
        First treated period of each unit (same on all its rows); 0 or missing = never treated.
    ref
        Relative period normalised to zero (default -1, the period before treatment).
    window
        ``(lo, hi)``: relative times below ``lo`` are binned into ``lo`` and above ``hi`` into
        ``hi`` (binned end points). ``None`` estimates every relative time separately.
    cluster
        Column to cluster on (default ``unit``); must nest units.
    weights
        Column of sampling or analytic weights (>= 0; rows of weight 0 dropped): weighted
        least squares with a weighted within transformation, as :func:`evalkit.twfe`
        (pyfixest ``feols(..., weights="w")``, R ``fixest::feols(..., weights = ~w)``, Stata
        ``reghdfe ... [aweight=w]``). The headline stays the equally weighted average of the
        post-period coefficients.
    alpha
        1 - confidence level.
    fe_dof
        Degrees-of-freedom convention for CR1 (see :func:`evalkit.twfe`).
    inference, reps, boot_weights, seed
        Wild cluster bootstrap for the headline average, as in :func:`evalkit.did`
        (``"auto"``: used below 30 clusters). The event-time rows keep t(G-1) inference.

    Returns
    -------
    EffectResult
        Headline ``"average post"``: the equally weighted average of the post-treatment
        coefficients (relative time >= 0), with its SE from :math:`a'Va`. ``table`` lists it
        and each relative-time coefficient (terms ``"e=<k>"``); ``extra["event_times"]`` is a
        frame (event_time, estimate, std_error, conf_low, conf_high, reference) including the
        reference row at 0; ``extra["pretrend_test"]`` is the joint Wald test that all
        pre-period coefficients are zero: ``statistic`` F = W/q and ``p_value`` from
        F(q, G-1), as fixest's ``wald()`` (the chi-squared version, which over-rejects with
        few clusters, is kept as ``chi2_statistic``/``chi2_p_value``); ``extra["pretrend_p"]``
        is that F p-value.

    Notes
    -----
    :math:`y_{it} = \\alpha_i + \\lambda_t + \\sum_{k \\ne r} \\beta_k 1[t - G_i = k] + e_{it}`
    for ever-treated units (never-treated units have all indicators 0). Pre-period
    :math:`\\beta_k` (k < 0) near zero support parallel trends; post-period :math:`\\beta_k`
    trace the effect over time. Without never-treated units and without binning, the earliest
    lead is also normalised to zero (otherwise the relative-time trend is not identified).
    With staggered adoption and effects that change over time, these coefficients can be
    contaminated by other periods' effects (Sun & Abraham 2021); compare with
    :func:`evalkit.staggered_did` (``aggregate="dynamic"``). CR1 clustered SEs as in
    :func:`evalkit.twfe`.

    R: ``fixest::feols(y ~ i(rel_time, ref = -1) | unit + time, cluster = ~unit)``;
    Stata: ``eventdd`` or ``reghdfe y lead* lag*, absorb(unit time) vce(cluster unit)``.

    References
    ----------
    Sun, L., & Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. *Journal of Econometrics*, 225(2), 175–199.
    Schmidheiny, K., & Siegloch, S. (2023). On event studies and distributed-lags in two-way
    fixed effects models. *Journal of Applied Econometrics*, 38(5), 695–713.

    Examples
    --------
    >>> r = ek.event_study(panel, "y", "id", "year", "first_year", window=(-4, 4))  # doctest: +SKIP
    >>> r.extra["pretrend_test"]["p_value"]  # doctest: +SKIP
    """
    args = dict(locals())
    where = "event_study"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, unit=unit, time=time, cohort=cohort)
    require_columns(df, [outcome, unit, time, cohort, cluster], where)
    alpha = check_options(alpha=alpha, fe_dof=fe_dof, inference=inference, reps=reps,
                          boot_weights=boot_weights, seed=seed)
    if window is not None and (len(window) != 2 or window[0] > min(ref, -1)
                               or window[1] < max(ref, 0)):
        raise SpecError(
            f"window: expected (lo, hi) with lo <= {min(ref, -1)} and hi >= {max(ref, 0)}, "
            f"got {window!r}", hint="e.g. window=(-4, 4)")
    wts = None if weights is None else weight_column(df, weights, where)
    cp = cohort_panel(df, outcome, unit, time, cohort, where,
                      extra_cols=[cluster] if cluster else [],
                      extra_ok=None if wts is None else wts > 0)
    ed = _event_design(cp, ref, window, cohort, where)
    dropped = split_zero_weight(cp.dropped, wts)
    es = _event_sample(df, cp, ed.D, None if wts is None else wts[cp.keep], unit, cluster,
                       inference, dropped)
    fit, n_u, n_t = fe_fit(es.y, es.D, ed.names, es.u, es.t, es.cl, es.n_cl, nested=True,
                           fe_dof=fe_dof, where=where, weights=es.w)
    rows, events, a, pre_idx = _event_rows(fit, ed, alpha)
    pre = _pretrend(wald_test(fit.coef[pre_idx], fit.vcov[np.ix_(pre_idx, pre_idx)],
                              fit.df_resid), fit.df_resid)
    spec = spec_of(args, alpha=alpha)
    notes = fe_notes(es.cl_col, es.n_cl, fe_dof, weights) + ed.notes
    wb = None
    if es.wild:
        wb = fe_wild(rows, notes, es.y, es.D, es.u, es.t, es.w, a, es.cl, es.n_cl, spec, alpha)
    notes.append(note("event.headline"))
    if pre_idx:
        notes.append(note("event.pretrend", k=len(pre_idx),
                          p=f"{pre.get('f_p_value', pre['p_value']):.4g}"))
    return effect_result(
        rows, dropped=dropped, notes=notes, n=fit.n,
        method="event study (two-way fixed effects, " + ("weighted, " if weights else "")
        + f"reference period {ref})", design="event_study", outcome=outcome,
        term="average post", df=fit.df_resid, alpha=alpha,
        evidence_level=evidence_level("event_study"), spec=spec,
        extra={"event_times": events, "pretrend_test": pre, "n_units": n_u, "n_periods": n_t,
               "n_clusters": es.n_cl, "vcov": vcov_frame(fit.vcov, ed.names), "ref": ref,
               "window": window, "pretrend_p": pre["p_value"]} | inference_extra(wb))
