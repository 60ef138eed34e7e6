"""Event study: effects by time relative to treatment start, with unit and period effects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import (
    check_choice,
    check_column_args,
    check_frame,
    numeric_column,
    require_columns,
    require_values,
    require_variation,
)
from evalkit.errors import DataError, SpecError
from evalkit.estimate.did import FeDof, check_alpha, se_note
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import (
    check_cluster_count,
    check_nesting,
    cluster_codes,
    collinear_columns,
    t_inference,
    wald_test,
)
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
from evalkit.estimate.twfe import fe_fit, panel_codes
from evalkit.estimate.weights import weight_column, weights_note
from evalkit.estimate.wild import (
    BootWeights,
    Inference,
    check_wild_options,
    unit_demeaned_design,
    use_wild,
    wild_cluster_test,
    wild_note,
    with_wild,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CohortPanel", "cohort_panel", "event_study"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class CohortPanel:
    """Checked long panel with cohorts (rows with missing values already removed)."""

    y: FloatArray
    u: IntArray  # unit codes 0..n_units-1
    t: IntArray  # period index 0..n_periods-1 (sorted time)
    periods: FloatArray  # time value of each period index
    g_unit: FloatArray  # cohort (first treated time) per unit, inf = never treated
    keep: npt.NDArray[np.bool_]  # rows of the input used
    dropped: dict[str, int]
    n_units: int
    n_late: int = 0  # units whose cohort is after the last period (treated as never treated)


def cohort_panel(
    df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, where: str,
    extra_cols: Sequence[str] = (), extra_ok: npt.NDArray[np.bool_] | None = None,
) -> CohortPanel:
    """Validate a (unit, time, cohort) panel once; inner code trusts the result.

    Raises :class:`DataError` when time or cohort is not numeric, a unit has two cohorts,
    a (unit, time) pair repeats, or a cohort has no period before treatment;
    :class:`EstimationError` when the outcome takes one value in every usable row.
    """
    y = numeric_column(df, outcome, where).to_numpy(dtype=np.float64)
    tv = numeric_column(df, time, where).to_numpy(dtype=np.float64)
    gv = numeric_column(df, cohort, where).to_numpy(dtype=np.float64)
    require_values({outcome: y, time: tv}, where)
    ok = ~(np.isnan(y) | np.isnan(tv)) & df[unit].notna().to_numpy()
    for c in extra_cols:
        ok &= df[c].notna().to_numpy()
    if extra_ok is not None:
        ok &= extra_ok
    dropped: dict[str, int] = {}
    if not ok.all():
        dropped["missing values"] = int((~ok).sum())
    if not ok.any():
        raise DataError(f"{where}: no rows without missing values", hint="check the data")
    require_variation(y[ok], outcome, where)
    u, n_u, t, _, periods = panel_codes(df, unit, time, ok, where, time_values=tv)
    g = gv[ok]
    g = np.where(np.isnan(g) | (g == 0), np.inf, g)
    gmin = np.full(n_u, np.inf)
    gmax = np.full(n_u, -np.inf)
    np.minimum.at(gmin, u, g)
    np.maximum.at(gmax, u, g)
    bad = gmin != gmax
    if bad.any():
        raise DataError(
            f"{where}: column {cohort!r} takes more than one value within unit {unit!r} for "
            f"{int(bad.sum())} unit(s) (a unit in two cohorts)",
            hint=f"{cohort!r} must be the unit's first treated period, the same on every row "
            "(0 or missing for never treated)",
        )
    periods_f = periods.astype(np.float64)
    early = np.isfinite(gmin) & (gmin <= periods_f[0])
    if early.any():
        cohorts = sorted({float(x) for x in gmin[early]})
        shown = ", ".join(f"{c:g}" for c in cohorts[:6])
        raise DataError(
            f"{where}: cohort(s) {shown} in {cohort!r} start at or before the first period "
            f"({periods_f[0]:g}), so {int(early.sum())} unit(s) have no pre-treatment period",
            hint="drop these units (they were already treated when the data start) or add "
            "earlier periods",
        )
    late = np.isfinite(gmin) & (gmin > periods_f[-1])
    gmin = np.where(late, np.inf, gmin)
    return CohortPanel(y=y[ok], u=u, t=t, periods=periods_f, g_unit=gmin, keep=ok,
                       dropped=dropped, n_units=n_u, n_late=int(late.sum()))


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
    import pandas as pd

    where = "event_study"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, unit=unit, time=time, cohort=cohort)
    require_columns(df, [outcome, unit, time, cohort, cluster], where)
    check_choice("fe_dof", fe_dof, ("nested", "all"))
    check_wild_options(inference, reps, boot_weights, seed)
    alpha = check_alpha(alpha)
    if window is not None and (len(window) != 2 or window[0] > min(ref, -1)
                               or window[1] < max(ref, 0)):
        raise SpecError(
            f"window: expected (lo, hi) with lo <= {min(ref, -1)} and hi >= {max(ref, 0)}, "
            f"got {window!r}", hint="e.g. window=(-4, 4)")
    wts = None if weights is None else weight_column(df, weights, where)
    cp = cohort_panel(df, outcome, unit, time, cohort, where,
                      extra_cols=[cluster] if cluster else [],
                      extra_ok=None if wts is None else wts > 0)
    w = None if wts is None else wts[cp.keep]
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

    cl_col = cluster if cluster is not None else unit
    if cluster is None:
        cl, n_cl = cluster_codes(u)
    else:
        cl, n_cl = cluster_codes(df[cluster].to_numpy()[cp.keep])
        check_nesting(u, cl, unit, cluster)
    from evalkit.estimate.demean import drop_singletons

    dropped = dict(cp.dropped)
    if wts is not None and bool((wts == 0).any()):
        # rows of weight 0 were left out with the missing ones: count them on their own
        zero = int((wts == 0).sum())
        dropped["zero weight"] = zero
        dropped["missing values"] -= zero
        if not dropped["missing values"]:
            del dropped["missing values"]
    yv = cp.y
    keep = drop_singletons([u, t])
    if not keep.all():
        dropped["singletons"] = int((~keep).sum())
        yv, D, u, t, cl = yv[keep], np.asfortranarray(D[keep]), u[keep], t[keep], cl[keep]
        w = None if w is None else w[keep]
        cl, n_cl = cluster_codes(cl)
    wild = use_wild(inference, True, n_cl)
    check_cluster_count(n_cl, cl_col, warn=not wild)
    fit, n_u, n_t = fe_fit(yv, D, names, u, t, cl, n_cl, nested=True, fe_dof=fe_dof,
                           where=where, weights=w)
    se_vec = fit.se
    post_idx = [j for j, k in enumerate(est_levels) if k >= 0]
    pre_idx = [j for j, k in enumerate(est_levels) if k < 0]
    if not post_idx:
        raise DataError(f"{where}: no post-treatment periods observed for any treated unit",
                        hint="the panel must include periods at or after a cohort's start")
    a = np.zeros(len(names))
    a[post_idx] = 1.0 / len(post_idx)
    avg = float(a @ fit.coef)
    avg_se = float(np.sqrt(a @ fit.vcov @ a))
    rows = [tidy_row("average post", avg, avg_se, *t_inference(avg, avg_se, fit.df_resid, alpha))]
    ev_rows: list[dict[str, Any]] = []
    for j, name in enumerate(names):
        st, p, l_, h_ = t_inference(float(fit.coef[j]), float(se_vec[j]), fit.df_resid, alpha)
        rows.append(tidy_row(name, fit.coef[j], se_vec[j], st, p, l_, h_))
        ev_rows.append({"event_time": est_levels[j], "term": name, "estimate": fit.coef[j],
                        "std_error": se_vec[j], "conf_low": l_, "conf_high": h_,
                        "reference": False})
    for k in sorted(omit):
        ev_rows.append({"event_time": k, "term": f"e={_event_label(k, lo, hi)}",
                        "estimate": 0.0, "std_error": 0.0, "conf_low": 0.0, "conf_high": 0.0,
                        "reference": True})
    events = pd.DataFrame(ev_rows).sort_values("event_time", ignore_index=True)
    pre = _pretrend(wald_test(fit.coef[pre_idx], fit.vcov[np.ix_(pre_idx, pre_idx)],
                              fit.df_resid), fit.df_resid)
    notes.insert(0, se_note("cluster", cl_col, n_cl, fe_dof, True))
    if weights is not None:
        notes.insert(1, weights_note(weights))
    wb = None
    if wild:
        yb, Xb, _, _ = unit_demeaned_design(yv, D, u, t, weights=w)
        contrast = np.zeros(Xb.shape[1])
        contrast[: len(a)] = a
        wb = wild_cluster_test(Xb, yb, cl, n_cl, contrast, alpha=alpha, reps=reps,
                               boot_weights=boot_weights, seed=seed)
        rows[0] = with_wild(rows[0], wb)
        notes.append(wild_note(wb))
    notes.append(note("event.headline"))
    if pre_idx:
        notes.append(note("event.pretrend", k=len(pre_idx),
                          p=f"{pre.get('f_p_value', pre['p_value']):.4g}"))
    head = rows[0]
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=fit.n, method="event study (two-way fixed effects, "
        + ("weighted, " if weights else "") + f"reference period {ref})", design="event_study", outcome=outcome, term="average post",
        table=tidy_frame(rows), statistic=head["statistic"], df=fit.df_resid, alpha=alpha,
        n_dropped=sum(dropped.values()), dropped=dropped,
        evidence_level=evidence_level("event_study"), notes=tuple(notes),
        spec={"outcome": outcome, "unit": unit, "time": time, "cohort": cohort, "ref": ref,
              "window": window, "cluster": cluster, "weights": weights, "alpha": alpha,
              "fe_dof": fe_dof,
              "inference": inference, "reps": reps, "boot_weights": boot_weights, "seed": seed},
        extra={"event_times": events, "pretrend_test": pre, "n_units": n_u, "n_periods": n_t,
               "n_clusters": n_cl, "vcov": pd.DataFrame(fit.vcov, index=names, columns=names),
               "ref": ref, "window": window, "pretrend_p": pre["p_value"],
               "inference": "wild" if wb is not None else "analytic",
               "wild_bootstrap": wb.to_dict() if wb is not None else None},
    )
