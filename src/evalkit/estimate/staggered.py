"""Staggered difference-in-differences (Callaway & Sant'Anna 2021).

In steps: :func:`_check_args` → :func:`_staggered_arrays` (a checked cohort panel) →
:func:`staggered_from_panel` (balance, the ATT(g,t) cells, aggregation, inference and the
result), which the dask version (estimate/dask_staggered.py) calls on a panel reduced by
partitions.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import replace
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
from evalkit.estimate._threads import one_blas_thread
from evalkit.estimate.cohorts import CohortPanel, cohort_panel
from evalkit.estimate.dask_common import dask_dispatch, is_dask
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import t_inference, wald_test
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
from evalkit.estimate.staggered_aggregate import (
    Cells,
    multiplier_bootstrap,
    se_from_if,
    vcov_frame,
)
from evalkit.estimate.staggered_aggregate import aggregate as aggregate_cells
from evalkit.estimate.staggered_cells import att_gt_cells, check_covariates
from evalkit.estimate.steps import (
    as_list,
    check_alpha,
    covariate_matrix,
    effect_result,
    spec_of,
    split_zero_weight,
)
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


def _check_args(where: str, control: str, method: str, aggregate: str, alpha: float,
                bootstrap: bool, n_boot: int) -> float:
    check_choice("control", control, ("never", "notyet"))
    check_choice("method", method, ("dr", "reg", "ipw"))
    check_choice("aggregate", aggregate, ("simple", "dynamic", "group", "calendar"))
    alpha = check_alpha(alpha)
    if bootstrap and (not isinstance(n_boot, int) or n_boot < 100):
        raise SpecError(f"n_boot: expected an integer >= 100, got {n_boot!r}",
                        hint="use e.g. n_boot=999")
    return alpha


def _staggered_arrays(df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
                      covs: list[str], weights: str | None, where: str,
                      ) -> tuple[CohortPanel, FloatArray, FloatArray | None, list[str]]:
    """The cohort panel (rows with missing values or weight 0 dropped), covariates per row,
    one weight per unit (or None) and the weights note."""
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
    notes: list[str] = []
    w_unit = None
    if wts is not None and weights is not None:
        w_unit = unit_weights(wts[cp.keep], cp.u, cp.n_units, weights, unit, where)
        cp = replace(cp, dropped=split_zero_weight(cp.dropped, wts))
        notes.append(weights_note(weights))
    return cp, Z[cp.keep], w_unit, notes


def _balanced(cp: CohortPanel, Zrow: FloatArray, w_unit: FloatArray | None,
              notes: list[str]) -> tuple[CohortPanel, FloatArray, FloatArray | None]:
    """``panel=True``: keep the units observed in every period (the others are counted)."""
    counts = np.bincount(cp.u, minlength=cp.n_units)
    full = counts == len(cp.periods)
    if full.all():
        return cp, Zrow, w_unit
    rows = full[cp.u]
    dropped = dict(cp.dropped)
    dropped["units not observed in every period (rows)"] = int((~rows).sum())
    notes.append(note("staggered.unbalanced", n=int((~full).sum())))
    keep = cp.keep.copy()
    keep[np.flatnonzero(cp.keep)[~rows]] = False
    new_u = np.cumsum(full) - 1
    cp = CohortPanel(y=cp.y[rows], u=new_u[cp.u[rows]].astype(np.intp), t=cp.t[rows],
                     periods=cp.periods, g_unit=cp.g_unit[full], keep=keep,
                     dropped=dropped, n_units=int(full.sum()), n_late=cp.n_late)
    return cp, Zrow[rows], None if w_unit is None else w_unit[full]


def staggered_from_panel(cp: CohortPanel, Zrow: FloatArray, w_unit: FloatArray | None,
                         notes: list[str], spec: dict[str, Any],
                         more: dict[str, Any] | None = None) -> EffectResult:
    """Everything after the data checks, on a checked cohort panel: shared by the in-memory
    and the partitioned (dask) estimator."""
    where, covs = "staggered_did", list(spec["covariates"])
    cohort, control, panel = spec["cohort"], spec["control"], spec["panel"]
    if cp.n_late:
        notes.append(note("staggered.late", n=cp.n_late))
    if panel:
        cp, Zrow, w_unit = _balanced(cp, Zrow, w_unit, notes)
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
    check_covariates(Zrow, covs, where)
    with one_blas_thread():  # N-long products: memory-bound (estimate/_threads.py)
        cells, info, cell_notes = att_gt_cells(cp, Zrow, covs, control, spec["method"], panel,
                                               where, w_unit)
        inf = _inference(cells, spec)
    notes.extend(cell_notes)
    extra: dict[str, Any] = {
        "n_units": cp.n_units, "n_never_treated": int(never.sum()),
        "cohort_sizes": {float(g): int((cp.g_unit == g).sum())
                         for g in np.unique(cp.g_unit[np.isfinite(cp.g_unit)])}}
    return _staggered_result(cells, info, inf, notes, spec, cp, extra, more or {})


def _inference(cells: Cells, spec: dict[str, Any]) -> dict[str, Any]:
    """Aggregation, analytic or multiplier-bootstrap SEs, critical values, pre-test."""
    from evalkit._dist import norm_ppf

    aggregate, alpha, n_boot, seed = (spec["aggregate"], spec["alpha"], spec["n_boot"],
                                      spec["seed"])
    cell_se = se_from_if(cells.inf)
    cell_se = np.where(cell_se <= np.sqrt(np.finfo(float).eps) * 10, np.nan, cell_se)
    agg = aggregate_cells(cells, aggregate)
    comp_se = se_from_if(agg.inf)
    head_se = float(se_from_if(agg.overall_inf[:, None])[0])
    crit_cells = crit_comp = None
    if spec["bootstrap"]:
        all_inf = np.column_stack([cells.inf, agg.inf, agg.overall_inf])
        k1, k2 = cells.inf.shape[1], agg.inf.shape[1]
        bse, _ = multiplier_bootstrap(all_inf, n_boot, seed, alpha)
        _, crit_cells = multiplier_bootstrap(cells.inf, n_boot, seed, alpha)
        _, crit_comp = multiplier_bootstrap(agg.inf, n_boot, seed, alpha)
        cell_se, comp_se, head_se = bse[:k1], bse[k1:k1 + k2], float(bse[-1])
    z = norm_ppf(1 - alpha / 2)
    cc = crit_cells if crit_cells is not None and math.isfinite(crit_cells) else z
    cz = crit_comp if crit_comp is not None and math.isfinite(crit_comp) else z
    return {"agg": agg, "cell_se": cell_se, "comp_se": comp_se, "head_se": head_se,
            "cc": cc, "cz": cz, "crit_comp": crit_comp}


def _staggered_result(cells: Cells, info: list[dict[str, Any]], inf: dict[str, Any],
                      notes: list[str], spec: dict[str, Any], cp: CohortPanel,
                      extra: dict[str, Any], more: dict[str, Any]) -> EffectResult:
    """ATT(g,t) frame, pre-test, tidy table (headline, components), notes and ``extra``."""
    import pandas as pd

    aggregate, alpha, method = spec["aggregate"], spec["alpha"], spec["method"]
    agg, cell_se, comp_se, cc, cz = (inf["agg"], inf["cell_se"], inf["comp_se"], inf["cc"],
                                     inf["cz"])
    att_gt = pd.DataFrame(info)
    att_gt["estimate"] = cells.att
    att_gt["std_error"] = cell_se
    att_gt["conf_low"] = cells.att - cc * cell_se
    att_gt["conf_high"] = cells.att + cc * cell_se
    pre_idx = np.flatnonzero(~np.asarray(att_gt["post"], dtype=bool) & np.isfinite(cell_se))
    pretest = _pretest(cells, pre_idx)
    rows = [tidy_row(_HEAD[aggregate], agg.overall, inf["head_se"],
                     *t_inference(agg.overall, inf["head_se"], None, alpha))]
    for j, label in enumerate(agg.labels):
        a, s = float(agg.att[j]), float(comp_se[j])
        st, p, lo, hi = t_inference(a, s, None, alpha)
        if inf["crit_comp"] is not None:
            lo, hi = a - cz * s, a + cz * s
        rows.append(tidy_row(label, a, s, st, p, lo, hi))
    if aggregate == "simple":
        rows = rows[:1]
    table = tidy_frame(rows)
    extra = {
        "att_gt": att_gt,
        "components": table.iloc[1:].reset_index(drop=True) if aggregate != "simple" else None,
        "pretrend_test": pretest, "pretrend_p": pretest["p_value"], **extra,
        "control": spec["control"], "method": method, "aggregate": aggregate,
        "panel": spec["panel"], "bootstrap": spec["bootstrap"], "critical_value_att_gt": cc,
        "critical_value_aggregate": cz,
    }
    if aggregate == "dynamic":
        ev = pd.DataFrame({"event_time": agg.keys, "term": agg.labels, "estimate": agg.att,
                           "std_error": comp_se})
        ev["conf_low"] = ev["estimate"] - cz * ev["std_error"]
        ev["conf_high"] = ev["estimate"] + cz * ev["std_error"]
        ev["reference"] = False
        extra["event_times"] = ev
        extra["vcov"] = vcov_frame(agg)  # analytic (influence function), also with bootstrap
        extra["ref"] = "varying base period"
    extra.update(more)
    _staggered_notes(notes, spec, pre_idx, pretest)
    return effect_result(
        rows, dropped=cp.dropped, notes=notes, table=table, n=int(cp.y.size),
        method=f"staggered DiD (Callaway & Sant'Anna 2021, {method}, {aggregate} aggregation)",
        design="staggered_did", outcome=spec["outcome"], term=_HEAD[aggregate], df=None,
        alpha=alpha, spec=spec, extra=extra,
        evidence_level=evidence_level("staggered_did", covariates=bool(spec["covariates"])))


def _pretest(cells: Cells, pre_idx: npt.NDArray[np.intp]) -> dict[str, float]:
    """Wald test that the pre-treatment ATT(g,t) are zero (only their block of the vcov is
    formed: the N x k influence matrix is not multiplied out whole)."""
    n = cells.inf.shape[0]
    P = cells.inf[:, pre_idx]
    V = P.T @ P / n / n
    return wald_test(cells.att[pre_idx], V)


def _staggered_notes(notes: list[str], spec: dict[str, Any], pre_idx: npt.NDArray[np.intp],
                     pretest: dict[str, float]) -> None:
    """The SE note first; the comparison and pre-test notes last; the pre-trend warning."""
    notes.insert(0, note("se.multiplier_bootstrap", draws=spec["n_boot"], seed=spec["seed"])
                 if spec["bootstrap"] else note("se.influence_function"))
    notes.append(note("staggered.never" if spec["control"] == "never" else "staggered.notyet",
                      method=spec["method"]))
    if pre_idx.size:
        notes.append(note("staggered.pretrend", k=int(pre_idx.size),
                          p=f"{pretest['p_value']:.4g}"))
    if pretest["p_value"] < spec["alpha"]:
        warnings.warn(f"staggered_did: pre-treatment ATT(g,t) differ from zero (p = "
                      f"{pretest['p_value']:.3g}); parallel trends is doubtful",
                      EvalkitWarning, stacklevel=5)


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
    args = dict(locals())
    if is_dask(df):  # a dask DataFrame: reduced by partitions (estimate/dask_staggered.py)
        return dask_dispatch("staggered", args)
    where = "staggered_did"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, unit=unit, time=time, cohort=cohort)
    covs = as_list(covariates)
    require_columns(df, [outcome, unit, time, cohort, *covs], where)
    alpha = _check_args(where, control, method, aggregate, alpha, bootstrap, n_boot)
    cp, Zrow, w_unit, notes = _staggered_arrays(df, outcome, unit, time, cohort, covs,
                                                weights, where)
    return staggered_from_panel(cp, Zrow, w_unit, notes,
                                spec_of(args, covariates=tuple(covs), alpha=alpha))
