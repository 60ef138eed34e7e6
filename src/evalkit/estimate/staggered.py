"""Staggered difference-in-differences (Callaway & Sant'Anna 2021)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from evalkit._checks import (
    check_choice,
    check_column_args,
    check_frame,
    require_columns,
    require_values,
)
from evalkit.errors import DataError, EvalkitWarning, SpecError
from evalkit.estimate.cohorts import CohortPanel, cohort_panel
from evalkit.estimate.did import as_list, check_alpha, covariate_matrix
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import t_inference, wald_test
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
from evalkit.estimate.staggered_aggregate import (
    Cells,
    multiplier_bootstrap,
    se_from_if,
)
from evalkit.estimate.staggered_aggregate import aggregate as aggregate_cells
from evalkit.estimate.staggered_cells import panel_2x2, rc_2x2
from evalkit.estimate.weights import unit_weights, weight_column, weights_note

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["staggered_did"]

FloatArray = npt.NDArray[np.float64]
_HEAD = {
    "simple": "ATT (simple average over post-treatment cells)",
    "dynamic": "ATT (average of event-time effects e >= 0)",
    "group": "ATT (average of cohort effects)",
    "calendar": "ATT (average of calendar-period effects)",
}


def _check_covariates(Z: FloatArray, covs: list[str], where: str) -> None:
    """Raise :class:`EstimationError` naming covariates collinear with the others/intercept."""
    from evalkit.errors import EstimationError

    if not covs:
        return
    from scipy import linalg

    X = np.column_stack([np.ones(len(Z)), Z])
    Xc = X - np.r_[0.0, Z.mean(axis=0)]
    norms = np.sqrt((Xc**2).sum(axis=0))
    _, R, piv = linalg.qr(Xc, mode="economic", pivoting=True)
    d = np.abs(np.diag(R))
    bad = [int(piv[j]) for j in range(len(d)) if d[j] <= 1e-9 * max(norms[piv[j]], 1e-300)]
    bad_names = sorted(covs[j - 1] for j in bad if j > 0)
    if bad_names:
        raise EstimationError(
            f"{where}: covariate(s) {', '.join(map(repr, bad_names))} are collinear with the "
            "other covariates or constant", hint="drop the named covariate(s)")


def _cells(cp: CohortPanel, Zrow: FloatArray, covs: list[str], control: str, method: str,
           panel: bool, where: str, w_unit: FloatArray | None = None,
           ) -> tuple[Cells, list[dict[str, Any]], list[str]]:
    """Estimate every ATT(g,t) with the varying base period (R did's default).

    ``w_unit``: one sampling weight per unit (R did's ``weightsname``), or None.
    """
    periods = cp.periods
    T = len(periods)
    g_unit = cp.g_unit
    n = cp.n_units
    cohorts = np.unique(g_unit[np.isfinite(g_unit)])
    notes: list[str] = []
    k = Zrow.shape[1]
    if panel:
        Y = np.full((n, T), np.nan, order="F")
        Y[cp.u, cp.t] = cp.y
        if covs:
            Zw = np.full((n, T, k), np.nan)
            Zw[cp.u, cp.t, :] = Zrow
    never = ~np.isfinite(g_unit)
    wu = np.ones(n) if w_unit is None else w_unit
    inf_all = np.zeros((n, len(cohorts) * (T - 1)), order="F")
    dy_cache: dict[tuple[int, int], FloatArray] = {}
    groups: list[float] = []
    times: list[float] = []
    atts: list[float] = []
    info: list[dict[str, Any]] = []
    for g in cohorts:
        treated_u = g_unit == g
        n_t = int(treated_u.sum())
        for tc in range(1, T):
            now = periods[tc]
            post = g <= now
            base = int(np.flatnonzero(periods < g)[-1]) if post else tc - 1
            ctrl_u = never if control == "never" else never | ((g_unit > now) & (g_unit != g))
            n_c = int(ctrl_u.sum())
            if n_c == 0:
                notes.append(note("staggered.no_comparison", g=f"{g:g}", t=f"{now:g}"))
                continue
            full = inf_all[:, len(atts)]
            if panel:
                if (tc, base) not in dy_cache:
                    dy_cache[(tc, base)] = Y[:, tc] - Y[:, base]
                dy = dy_cache[(tc, base)]
                if not covs:
                    y1, w1 = dy[treated_u], wu[treated_u]
                    y0, w0 = dy[ctrl_u], wu[ctrl_u]
                    s1, s0 = float(w1.sum()), float(w0.sum())
                    m1 = float(w1 @ y1) / s1
                    m0 = float(w0 @ y0) / s0
                    att = m1 - m0
                    full[treated_u] = (n / s1) * w1 * (y1 - m1)
                    full[ctrl_u] = (-n / s0) * w0 * (y0 - m0)
                else:
                    sub = treated_u | ctrl_u
                    X = np.column_stack([np.ones(int(sub.sum())), Zw[sub, base, :]])
                    att, inf = panel_2x2(dy[sub], treated_u[sub].astype(float), X, method,
                                         where, None if w_unit is None else w_unit[sub])
                    full[sub] = n / sub.sum() * inf
            else:
                rows = ((cp.t == tc) | (cp.t == base)) & (treated_u | ctrl_u)[cp.u]
                D = treated_u[cp.u[rows]].astype(float)
                postv = (cp.t[rows] == tc).astype(float)
                if min(int((D * postv).sum()), int((D * (1 - postv)).sum()),
                       int(((1 - D) * postv).sum()), int(((1 - D) * (1 - postv)).sum())) == 0:
                    notes.append(note("staggered.empty_cell", g=f"{g:g}", t=f"{now:g}"))
                    continue
                X = np.column_stack([np.ones(int(rows.sum())), Zrow[rows]])
                att, inf = rc_2x2(cp.y[rows], postv, D, X, method, where,
                                  None if w_unit is None else w_unit[cp.u[rows]])
                full[:] = np.bincount(cp.u[rows], weights=n / rows.sum() * inf, minlength=n)
            groups.append(g)
            times.append(now)
            atts.append(att)
            info.append({"group": g, "time": now, "base_period": periods[base],
                         "post": bool(post), "n_treated": n_t, "n_control": n_c})
    if not atts:
        raise DataError(f"{where}: no ATT(g,t) could be estimated",
                        hint="check that cohorts have comparison units in the same periods")
    cells = Cells(group=np.array(groups), time=np.array(times), att=np.array(atts),
                  inf=inf_all[:, :len(atts)], g_unit=g_unit, w_unit=w_unit)
    return cells, info, notes


def staggered_did(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    control: Literal["never", "notyet"] = "never",
    covariates: str | Sequence[str] | None = None,
    weights: str | None = None,
    method: Literal["dr", "reg", "ipw"] = "dr",
    aggregate: Literal["simple", "dynamic", "group", "calendar"] = "simple",
    panel: bool = True,
    bootstrap: bool = False,
    n_boot: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
) -> EffectResult:
    """Callaway & Sant'Anna (2021) difference-in-differences with staggered treatment timing.

    Parameters
    ----------
    df
        Long data, one row per unit and period (panel) or per person (``panel=False``).
        ``time`` and ``cohort`` numeric. Never modified.
    outcome, unit, time
        Column names.
    cohort
        First treated period of each unit; 0 or missing = never treated. Cohorts after the last
        period are treated as never treated (as R ``did``).
    control
        ``"never"``: never-treated units; ``"notyet"``: never-treated plus units not yet
        treated in period t.
    covariates
        Numeric covariates for conditional parallel trends (values from the base period).
    weights
        Column of sampling weights, one per unit (the same on each of a unit's rows; units
        of weight 0 are dropped): R did's ``weightsname``. See Notes.
    method
        ``"dr"`` doubly robust (``DRDID::drdid_panel`` / ``drdid_rc``, the R did default),
        ``"reg"`` outcome regression, ``"ipw"`` (stabilised) inverse probability weighting.
    aggregate
        Headline: ``"simple"`` (post-treatment cells weighted by cohort size), ``"dynamic"``
        (average of event-time effects e >= 0), ``"group"`` (cohort-size-weighted average of
        each cohort's average effect) or ``"calendar"`` (average of period effects).
    panel
        ``True``: balanced panel (units missing a period are dropped, reported in
        ``dropped``); ``False``: repeated cross-sections / unbalanced panel (influence
        functions summed by unit).
    bootstrap, n_boot, seed
        Multiplier bootstrap (Mammen weights) with ``n_boot`` draws from ``seed``: SEs and
        simultaneous (uniform) bands over ATT(g,t) and over the aggregated components.
    alpha
        1 - confidence level.

    Returns
    -------
    EffectResult
        ``table``: the headline then each aggregated component (``e=k``, ``g=…``, ``t=…``).
        ``extra["att_gt"]``: ATT(g,t) cells (group, time, base_period, post, estimate,
        std_error, conf_low, conf_high, n_treated, n_control); ``extra["pretrend_test"]``: Wald
        test that pre-treatment ATT(g,t) are zero; ``extra["event_times"]`` (dynamic).

    Raises
    ------
    DataError
        No never-treated units with ``control="never"``; a cohort without a pre-period; a unit
        in two cohorts; duplicate (unit, time) rows; non-numeric, infinite or all-missing
        columns.
    EstimationError
        Collinear covariates; a propensity score that cannot be fitted; a constant outcome.

    Notes
    -----
    For cohort g and period t, with base period b = g - 1 (post, t >= g) or b = t - 1 (pre,
    "varying" base as R did) and comparison group C:
    :math:`ATT(g,t) = E[Y_t - Y_b \\mid G=g] - E[Y_t - Y_b \\mid C]`, or its covariate-adjusted
    reg/ipw/dr version. Each estimate has an influence function :math:`\\psi_i`; analytic SEs
    are :math:`\\sqrt{N^{-1}\\sum_i\\psi_i^2 / N}`. Aggregations weight cells by
    :math:`\\hat p_g`, the share of units in cohort g, and add the influence function of the
    estimated weights (R ``aggte``). The pre-test is :math:`W = \\hat\\theta'\\hat V^{-1}
    \\hat\\theta \\sim \\chi^2_q` on the q pre-treatment cells. Inference is normal.

    R: ``did::att_gt(yname, tname, idname, gname, data, control_group = "nevertreated",
    est_method = "dr", bstrap = FALSE)`` then ``did::aggte(type = "simple")``;
    Stata: ``csdid y, ivar(id) time(year) gvar(first_treat) method(dripw)``.

    Weights (``weights="w"``, R ``att_gt(..., weightsname = "w")``): sampling weights per
    unit (probability weights, Stata's ``pweight`` sense). They enter each 2x2 estimator as
    ``DRDID``'s ``i.weights`` (weighted means, weighted outcome regressions and a weighted
    propensity-score logit, and in every term of the influence function), the cohort shares
    :math:`\\hat p_g = N^{-1}\\sum_i w_i 1[G_i = g]` of the aggregations and their
    weight-influence term. Results are unchanged when every weight is multiplied by one
    number; a unit whose rows carry different weights is an error.

    References
    ----------
    Callaway, B., & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics*, 225(2), 200–230.
    Sant'Anna, P. H. C., & Zhao, J. (2020). Doubly robust difference-in-differences estimators.
    *Journal of Econometrics*, 219(1), 101–122.

    Examples
    --------
    >>> from moderndid import load_mpdta  # doctest: +SKIP
    >>> mpdta = load_mpdta().to_pandas()  # doctest: +SKIP
    >>> r = ek.staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat")  # doctest: +SKIP
    >>> round(r.estimate, 4), round(r.se, 4)  # doctest: +SKIP
    (-0.04, 0.012)
    """
    import pandas as pd

    where = "staggered_did"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, unit=unit, time=time, cohort=cohort)
    covs = as_list(covariates)
    require_columns(df, [outcome, unit, time, cohort, *covs], where)
    check_choice("control", control, ("never", "notyet"))
    check_choice("method", method, ("dr", "reg", "ipw"))
    check_choice("aggregate", aggregate, ("simple", "dynamic", "group", "calendar"))
    alpha = check_alpha(alpha)
    if bootstrap and (not isinstance(n_boot, int) or n_boot < 100):
        raise SpecError(f"n_boot: expected an integer >= 100, got {n_boot!r}",
                        hint="use e.g. n_boot=999")
    Z = covariate_matrix(df, covs, where)
    require_values(dict(zip(covs, Z.T, strict=True)), where)
    z_ok = np.asarray(~np.isnan(Z).any(axis=1), dtype=bool) if covs else None
    wts = None if weights is None else weight_column(df, weights, where)
    if wts is not None and weights is not None:
        from evalkit.estimate.inference import cluster_codes

        has_id = df[unit].notna().to_numpy()  # one weight per unit, zeros included
        codes, n_ids = cluster_codes(df[unit].to_numpy()[has_id])
        unit_weights(wts[has_id], codes, n_ids, weights, unit, where)
        z_ok = wts > 0 if z_ok is None else z_ok & (wts > 0)
    cp = cohort_panel(df, outcome, unit, time, cohort, where, extra_ok=z_ok)
    dropped = dict(cp.dropped)
    notes: list[str] = []
    w_unit = None
    if wts is not None and weights is not None:
        w_unit = unit_weights(wts[cp.keep], cp.u, cp.n_units, weights, unit, where)
        zero = int((wts == 0).sum())
        if zero:  # counted on their own, not as missing values
            dropped["zero weight"] = zero
            dropped["missing values"] -= zero
            if not dropped["missing values"]:
                del dropped["missing values"]
        notes.append(weights_note(weights))
    Zrow = Z[cp.keep]
    if cp.n_late:
        notes.append(note("staggered.late", n=cp.n_late))
    if panel:
        counts = np.bincount(cp.u, minlength=cp.n_units)
        full = counts == len(cp.periods)
        if not full.all():
            rows = full[cp.u]
            dropped["units not observed in every period (rows)"] = int((~rows).sum())
            notes.append(note("staggered.unbalanced", n=int((~full).sum())))
            keep_idx = np.flatnonzero(cp.keep)[rows]
            keep = np.zeros(len(df), dtype=bool)
            keep[keep_idx] = True
            new_u = np.cumsum(full) - 1
            cp = CohortPanel(y=cp.y[rows], u=new_u[cp.u[rows]].astype(np.intp), t=cp.t[rows],
                             periods=cp.periods, g_unit=cp.g_unit[full], keep=keep,
                             dropped=dropped, n_units=int(full.sum()), n_late=cp.n_late)
            Zrow = Zrow[rows]
            w_unit = None if w_unit is None else w_unit[full]
    if not np.isfinite(cp.g_unit).any():
        raise DataError(f"{where}: no unit has a cohort in {cohort!r} within the data's periods",
                        hint="cohort = first treated period; 0 or missing for never treated")
    never = ~np.isfinite(cp.g_unit)
    if control == "never" and not never.any():
        raise DataError(
            f"{where}: control='never' but no unit is never treated (column {cohort!r} has no "
            "0/missing values)",
            hint="use control='notyet' to compare with units not yet treated, or add "
            "never-treated units")
    _check_covariates(Zrow, covs, where)
    cells, info, cell_notes = _cells(cp, Zrow, covs, control, method, panel, where, w_unit)
    notes.extend(cell_notes)
    n = cells.inf.shape[0]
    cell_se = se_from_if(cells.inf)
    cell_se = np.where(cell_se <= np.sqrt(np.finfo(float).eps) * 10, np.nan, cell_se)
    agg = aggregate_cells(cells, aggregate)
    comp_se = se_from_if(agg.inf)
    head_se = float(se_from_if(agg.overall_inf[:, None])[0])
    crit_cells = crit_comp = None
    if bootstrap:
        all_inf = np.column_stack([cells.inf, agg.inf, agg.overall_inf])
        k1, k2 = cells.inf.shape[1], agg.inf.shape[1]
        bse, _ = multiplier_bootstrap(all_inf, n_boot, seed, alpha)
        _, crit_cells = multiplier_bootstrap(cells.inf, n_boot, seed, alpha)
        _, crit_comp = multiplier_bootstrap(agg.inf, n_boot, seed, alpha)
        cell_se, comp_se, head_se = bse[:k1], bse[k1:k1 + k2], float(bse[-1])
    from scipy import stats

    z = float(stats.norm.ppf(1 - alpha / 2))
    cc = crit_cells if crit_cells is not None and math.isfinite(crit_cells) else z
    att_gt = pd.DataFrame(info)
    att_gt["estimate"] = cells.att
    att_gt["std_error"] = cell_se
    att_gt["conf_low"] = cells.att - cc * cell_se
    att_gt["conf_high"] = cells.att + cc * cell_se
    pre = ~np.asarray(att_gt["post"], dtype=bool) & np.isfinite(cell_se)
    V = cells.inf.T @ cells.inf / n / n
    pre_idx = np.flatnonzero(pre)
    pretest = wald_test(cells.att[pre_idx], V[np.ix_(pre_idx, pre_idx)])
    rows = [tidy_row(_HEAD[aggregate], agg.overall, head_se,
                     *t_inference(agg.overall, head_se, None, alpha))]
    cz = crit_comp if crit_comp is not None and math.isfinite(crit_comp) else z
    for j, label in enumerate(agg.labels):
        a, s = float(agg.att[j]), float(comp_se[j])
        st, p, lo, hi = t_inference(a, s, None, alpha)
        if crit_comp is not None:
            lo, hi = a - cz * s, a + cz * s
        rows.append(tidy_row(label, a, s, st, p, lo, hi))
    if aggregate == "simple":
        rows = rows[:1]
    table = tidy_frame(rows)
    head = rows[0]
    extra: dict[str, Any] = {
        "att_gt": att_gt,
        "components": table.iloc[1:].reset_index(drop=True) if aggregate != "simple" else None,
        "pretrend_test": pretest,
        "pretrend_p": pretest["p_value"],
        "n_units": cp.n_units,
        "n_never_treated": int(never.sum()),
        "cohort_sizes": {float(g): int((cp.g_unit == g).sum())
                         for g in np.unique(cp.g_unit[np.isfinite(cp.g_unit)])},
        "control": control, "method": method, "aggregate": aggregate, "panel": panel,
        "bootstrap": bootstrap, "critical_value_att_gt": cc, "critical_value_aggregate": cz,
    }
    if aggregate == "dynamic":
        ev = pd.DataFrame({"event_time": agg.keys, "term": agg.labels, "estimate": agg.att,
                           "std_error": comp_se})
        ev["conf_low"] = ev["estimate"] - cz * ev["std_error"]
        ev["conf_high"] = ev["estimate"] + cz * ev["std_error"]
        ev["reference"] = False
        extra["event_times"] = ev
        extra["ref"] = "varying base period"
    notes.insert(0, note("se.multiplier_bootstrap", draws=n_boot, seed=seed) if bootstrap
                 else note("se.influence_function"))
    notes.append(note("staggered.never" if control == "never" else "staggered.notyet",
                      method=method))
    if pre_idx.size:
        notes.append(note("staggered.pretrend", k=int(pre_idx.size),
                          p=f"{pretest['p_value']:.4g}"))
    if pretest["p_value"] < alpha:
        warnings.warn(f"{where}: pre-treatment ATT(g,t) differ from zero (p = "
                      f"{pretest['p_value']:.3g}); parallel trends is doubtful",
                      EvalkitWarning, stacklevel=2)
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=int(cp.y.size), method="staggered DiD (Callaway & Sant'Anna "
        f"2021, {method}, {aggregate} aggregation)", design="staggered_did", outcome=outcome,
        term=_HEAD[aggregate], table=table, statistic=head["statistic"], df=None, alpha=alpha,
        n_dropped=sum(dropped.values()), dropped=dropped,
        evidence_level=evidence_level("staggered_did", covariates=bool(covs)), notes=tuple(notes),
        spec={"outcome": outcome, "unit": unit, "time": time, "cohort": cohort,
              "control": control, "covariates": tuple(covs), "weights": weights,
              "method": method,
              "aggregate": aggregate, "panel": panel, "bootstrap": bootstrap, "n_boot": n_boot,
              "seed": seed, "alpha": alpha},
        extra=extra,
    )

