"""Two-way fixed effects regression, in steps: :func:`_twfe_arrays` (checks, sample) →
:func:`fe_fit` → :func:`twfe_result` (shared with estimate/dask_twfe.py)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import (
    check_column_args,
    check_frame,
    numeric_column,
    require_columns,
    require_values,
    require_variation,
)
from evalkit.errors import DataError, EvalkitWarning
from evalkit.estimate.dask_common import dask_dispatch, is_dask
from evalkit.estimate.did import FeDof
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import (
    OLSFit,
    check_nesting,
    cluster_codes,
    dense_int_codes,
    ols_fit,
)
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult
from evalkit.estimate.steps import (
    as_list,
    check_options,
    clusters_ready,
    coef_rows,
    covariate_matrix,
    drop_missing,
    duplicate_pairs_error,
    effect_result,
    fe_notes,
    fe_wild,
    inference_extra,
    on_off_periods,
    spec_of,
    switch_off_error,
    text_order_note,
    usable_rows,
    vcov_frame,
)
from evalkit.estimate.weights import weight_column
from evalkit.estimate.wild import BootWeights, Inference

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["StaggeredTimingWarning", "twfe"]

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


class StaggeredTimingWarning(EvalkitWarning):
    """Treatment starts at different times: the TWFE coefficient may be a biased average."""


def panel_codes(
    df: pd.DataFrame, unit: str, time: str, ok: npt.NDArray[np.bool_], where: str,
    time_values: npt.NDArray[Any] | None = None,
) -> tuple[IntArray, int, IntArray, int, npt.NDArray[Any]]:
    """Unit codes, number of units, time codes (in sorted time order), periods, time values.

    Raises :class:`DataError` when a (unit, time) pair appears twice.
    """
    import pandas as pd

    allok = bool(ok.all())
    uv = df[unit].to_numpy()
    tv = df[time].to_numpy() if time_values is None else time_values
    u, n_u = cluster_codes(uv if allok else uv[ok])
    tv = tv if allok else tv[ok]
    dense = dense_int_codes(np.asarray(tv))
    if dense is not None:  # integer periods: codes already in time order
        t, n_t, t_values = dense
    else:
        t_codes, t_values = pd.factorize(tv, sort=True)
        t = np.asarray(t_codes, dtype=np.intp)
        n_t = len(t_values)
        # periods written as text ("9", "10") are ordered by their number, not as text
        # (where "10" < "9"); the labels themselves are kept
        as_number = pd.to_numeric(pd.Series(np.asarray(t_values, dtype=object)),
                                  errors="coerce")
        if n_t and not pd.api.types.is_numeric_dtype(np.asarray(t_values)) \
                and bool(as_number.notna().all()):
            order = np.argsort(as_number.to_numpy(dtype=np.float64), kind="stable")
            rank = np.empty(n_t, dtype=np.intp)
            rank[order] = np.arange(n_t, dtype=np.intp)
            t, t_values = rank[t], np.asarray(t_values)[order]
    key = u.astype(np.int64) * n_t + t
    if n_u * n_t <= 50_000_000:
        dup = bool((np.bincount(key, minlength=n_u * n_t) > 1).any())
    else:
        dup = len(np.unique(key)) < len(key)
    if dup:
        raise duplicate_pairs_error(where, unit, time)
    return u, n_u, t, n_t, np.asarray(t_values)


def treatment_timing(d: npt.NDArray[np.float64], u: IntArray, t: IntArray, treatment: str,
                     unit: str, where: str, order_note: str = "") -> int:
    """Distinct first-treatment periods of a binary treatment; error if it switches off.

    Raises :class:`DataError` when the treatment goes from 1 back to 0 within a unit
    (``order_note`` is added to the message: how the periods were ordered).
    """
    first_on, last_off = on_off_periods(d, u, t, int(u.max()) + 1)
    big = np.iinfo(np.intp).max
    off = last_off > first_on
    if off.any():
        raise switch_off_error(where, treatment, unit, int(off.sum()), order_note)
    starts = first_on[first_on != big]
    return int(np.count_nonzero(np.bincount(starts))) if starts.size else 0


def fe_fit(
    y: npt.NDArray[np.float64],
    X: npt.NDArray[np.float64],
    names: list[str],
    u: IntArray,
    t: IntArray,
    cl: IntArray,
    n_cl: int,
    *,
    nested: bool,
    fe_dof: str,
    where: str,
    weights: npt.NDArray[np.float64] | None = None,
) -> tuple[OLSFit, int, int]:
    """Absorb unit and time effects and fit with CR1 errors. Returns fit, units, periods.

    With ``weights`` the demeaning uses weighted means and the fit is weighted least squares
    (rows scaled by the square root of the weight), as pyfixest ``feols(weights=)``.
    """
    from evalkit.estimate.demean import demean, recode

    u, n_u = recode(u)
    t, n_t = recode(t)
    both = np.empty((len(y), X.shape[1] + 1), order="F")
    both[:, 0] = y
    both[:, 1:] = X
    both = demean(both, [u, t], weights=weights)
    if weights is not None:
        both *= np.sqrt(weights)[:, None]
    n_abs = n_u + n_t - 1
    n_nested = n_u - 1 if (nested and fe_dof == "nested") else 0
    fit = ols_fit(both[:, 1:], both[:, 0], names, kind="cluster", clusters=cl, n_clusters=n_cl,
                  n_absorbed=n_abs, n_absorbed_nested=n_nested, where=where)
    return fit, n_u, n_t


@dataclass
class _TwfeArrays:
    """The checked estimation sample of :func:`twfe` (singletons dropped)."""

    y: FloatArray
    X: FloatArray  # [treatment, covariates]
    w: FloatArray | None
    u: IntArray
    t: IntArray
    t_values: npt.NDArray[Any]
    cl: IntArray
    n_cl: int
    cl_col: str
    wild: bool
    dropped: dict[str, int]
    covs: list[str]
    alpha: float


def _twfe_arrays(df: pd.DataFrame, outcome: str, unit: str, time: str, treatment: str,
                 covariates: str | Sequence[str] | None, cluster: str | None,
                 weights: str | None, opts: dict[str, Any]) -> _TwfeArrays:
    """Check the arguments; rows without missing values or weight 0, singletons dropped."""
    from evalkit.estimate.demean import drop_singletons, recode

    where = "twfe"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, unit=unit, time=time, treatment=treatment)
    covs = as_list(covariates)
    require_columns(df, [outcome, unit, time, treatment, cluster, *covs], where)
    wts = None if weights is None else weight_column(df, weights, where)
    alpha = check_options(**opts)
    y = numeric_column(df, outcome, where).to_numpy(dtype=np.float64)
    d = numeric_column(df, treatment, where).to_numpy(dtype=np.float64)
    Z = covariate_matrix(df, covs, where)
    require_values({outcome: y, treatment: d, **dict(zip(covs, Z.T, strict=True))}, where)
    ok, dropped = drop_missing(usable_rows(df, [y, d], Z, [unit, time, cluster]), wts)
    w = None if wts is None else wts[ok]
    u, _, t, _, t_values = panel_codes(df, unit, time, ok, where)
    cl_all = u if cluster is None else cluster_codes(df[cluster].to_numpy()[ok])[0]
    if not ok.all():
        y, d, Z = y[ok], d[ok], Z[ok]
    keep = drop_singletons([u, t])
    if not keep.all():
        dropped["singletons"] = int((~keep).sum())
        y, d, Z, u, t, cl_all = y[keep], d[keep], Z[keep], u[keep], t[keep], cl_all[keep]
        w = None if w is None else w[keep]
    if len(y) == 0:
        raise DataError(f"{where}: no rows left after dropping missing values and singletons",
                        hint="each unit needs at least two periods")
    require_variation(y, outcome, where)
    cl, n_cl = recode(cl_all)
    if cluster is not None:
        check_nesting(u, cl, unit, cluster)
    cl_col = cluster if cluster is not None else unit
    wild = clusters_ready(n_cl, cl_col, opts["inference"])
    X = np.empty((len(y), 1 + len(covs)), order="F")
    X[:, 0] = d
    X[:, 1:] = Z
    return _TwfeArrays(y, X, w, u, t, t_values, cl, n_cl, cl_col, wild, dropped, covs, alpha)


def staggered_note(n_starts: int, treatment: str, stacklevel: int) -> list[str]:
    """Warn (and note) when a binary treatment starts in more than one period."""
    if n_starts <= 1:
        return []
    msg = note("twfe.staggered_timing", treatment=str(treatment), n=n_starts)
    warnings.warn(msg, StaggeredTimingWarning, stacklevel=stacklevel + 1)
    return [msg]


@dataclass(frozen=True)
class TwfeSample:
    """What the result step needs to know of the sample (in memory or by partitions)."""

    n_units: int
    n_periods: int
    n_cl: int
    cl_col: str
    covs: list[str]
    alpha: float
    dropped: dict[str, int]
    staggered: bool
    notes: list[str]  # the staggered-timing note, if any


def twfe_result(a: TwfeSample, fit: OLSFit, spec: dict[str, Any], wild: Any = None,
                more: dict[str, Any] | None = None) -> EffectResult:
    """Tidy table, notes and ``extra`` of a TWFE fit; ``wild(rows, notes)`` runs the wild
    bootstrap of the treatment coefficient when chosen (returns its result)."""
    names = [spec["treatment"], *a.covs]
    rows = coef_rows(names, fit.coef, fit.se, fit.df_resid, a.alpha)
    notes = fe_notes(a.cl_col, a.n_cl, spec["fe_dof"], spec.get("weights")) + a.notes
    wb = wild(rows, notes) if wild is not None else None
    notes.append(note("twfe.absorbed", singletons=a.dropped.get("singletons", 0)))
    extra: dict[str, Any] = {
        "n_units": a.n_units, "n_periods": a.n_periods, "n_clusters": a.n_cl,
        "balanced": fit.n == a.n_units * a.n_periods, "staggered": a.staggered,
        "df_resid": fit.df_resid, "small_sample_factor": fit.small_sample,
        "vcov": vcov_frame(fit.vcov, names), "vcov_type": "CR1",
    } | inference_extra(wb) | (more or {})
    if not math.isfinite(rows[0]["std_error"]):
        notes.append(note("twfe.no_se"))
    return effect_result(
        rows, dropped=a.dropped, notes=notes, n=fit.n,
        method="two-way fixed effects (unit and period effects"
        + (", weighted)" if spec.get("weights") else ")"),
        design="twfe", outcome=spec["outcome"], term=spec["treatment"], df=fit.df_resid,
        alpha=a.alpha, evidence_level=evidence_level("twfe", covariates=bool(a.covs)),
        spec=spec, extra=extra)


def twfe(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    *,
    covariates: str | Sequence[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    fe_dof: FeDof = "nested",
    inference: Inference = "auto",
    reps: int = 9999,
    boot_weights: BootWeights = "rademacher",
    seed: int | None = None,
) -> EffectResult:
    """Two-way fixed effects regression :math:`y_{it} = \\alpha_i + \\lambda_t + \\beta D_{it} + X_{it}'\\gamma + e_{it}`.

    Parameters
    ----------
    df
        Long panel, one row per unit and period (unbalanced allowed). Never modified.
    outcome, unit, time, treatment
        Column names; ``treatment`` is numeric (usually 0/1: treated in this period).
    covariates
        Time-varying numeric controls.
    cluster
        Column to cluster standard errors on (default: ``unit``); must nest units.
    weights
        Column of sampling or analytic weights (>= 0; rows of weight 0 dropped): weighted
        least squares with weighted means in the within transformation (see Notes).
    alpha
        1 - confidence level.
    fe_dof
        ``"nested"`` (default, fixest/pyfixest) or ``"all"`` (Stata ``areg``); see Notes.
    inference, reps, boot_weights, seed
        Wild cluster bootstrap for the treatment coefficient, as in :func:`evalkit.did`
        (``"auto"``: used below 30 clusters; period effects enter the bootstrap as dummies).

    Returns
    -------
    EffectResult
        Headline term ``treatment``; ``extra`` has ``n_units``, ``n_periods``, ``n_clusters``,
        ``balanced``, ``staggered`` and the covariance matrix.

    Warns
    -----
    StaggeredTimingWarning
        When binary treatment starts in different periods for different units: the TWFE
        coefficient then weights some comparisons negatively (Goodman-Bacon 2021) and can be
        far from any average effect — use :func:`evalkit.staggered_did`.

    Notes
    -----
    Unit and period effects are absorbed exactly (:mod:`evalkit.estimate.demean`): demean by
    unit, then project out the unit-demeaned period dummies by solving the small period × period
    system; no iteration is needed unless both factors have more than 5,000 levels. Singleton
    units/periods are dropped iteratively (as pyfixest and reghdfe) and reported in ``n_dropped``.

    Standard errors are clustered (CR1): :math:`V = \\frac{G}{G-1}\\frac{N-1}{N-K}
    (\\tilde X'\\tilde X)^{-1}\\sum_g \\tilde X_g'e_g e_g'\\tilde X_g(\\tilde X'\\tilde X)^{-1}`.
    With ``fe_dof="nested"`` K = slopes + period effects (unit effects nested in the clusters
    are not counted, except one standing for the intercept) — pyfixest/fixest's default
    ``ssc(k_fixef="nonnested")``. ``fe_dof="all"`` counts every absorbed effect (Stata
    ``areg``), which inflates SEs by about :math:`\\sqrt{N/(N-G)}` (≈ 1.054 with 10
    periods); linearmodels ``PanelOLS(..., entity_effects=True, time_effects=True)`` also
    counts them but uses N/(N-K) without G/(G-1). t(G-1) inference.

    R: ``fixest::feols(y ~ d | unit + time, data, cluster = ~unit)``;
    Stata: ``reghdfe y d, absorb(unit time) vce(cluster unit)``.

    Weights: the unit and period effects are projected out in the weighted metric (weighted
    group means; the exact two-factor solve uses sums of weights in place of counts), then
    :math:`\\hat\\beta = (\\tilde X'W\\tilde X)^{-1}\\tilde X'W\\tilde y` with CR1 scores
    :math:`\\sum_{i\\in g} w_i\\tilde x_i e_i` and the same small-sample factor. Equal to
    pyfixest ``feols("y ~ d | unit + time", weights="w", vcov={"CRV1": "unit"})`` and R
    ``fixest::feols(..., weights = ~w)``; Stata ``reghdfe y d [aweight=w], absorb(unit
    time) vce(cluster unit)`` (with clustered SEs aweight and pweight coincide). The wild
    bootstrap, when used, runs on the weighted regression.

    References
    ----------
    Correia, S. (2016). Linear models with high-dimensional fixed effects.
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    *Journal of Econometrics*, 225(2), 254–277.

    Examples
    --------
    >>> r = ek.twfe(panel, "y", "id", "year", "treated")  # doctest: +SKIP
    >>> r.estimate, r.se  # doctest: +SKIP
    """
    args = dict(locals())
    if is_dask(df):  # a dask DataFrame: computed by partitions (estimate/dask_twfe.py)
        return dask_dispatch("twfe", args)
    opts = {k: args[k] for k in ("alpha", "fe_dof", "inference", "reps", "boot_weights", "seed")}
    a = _twfe_arrays(df, outcome, unit, time, treatment, covariates, cluster, weights, opts)
    spec = spec_of(args, covariates=tuple(a.covs), alpha=a.alpha)
    d = a.X[:, 0]
    n_starts = 0
    if bool(np.all((d == 0) | (d == 1))):
        n_starts = treatment_timing(d, a.u, a.t, treatment, unit, "twfe",
                                    text_order_note(a.t_values, time))
    notes = staggered_note(n_starts, treatment, stacklevel=2)
    fit, n_u, n_t = fe_fit(a.y, a.X, [treatment, *a.covs], a.u, a.t, a.cl, a.n_cl,
                           nested=True, fe_dof=fe_dof, where="twfe", weights=a.w)
    sample = TwfeSample(n_u, n_t, a.n_cl, a.cl_col, a.covs, a.alpha, a.dropped,
                        n_starts > 1, notes)

    def wild(rows: list[dict[str, Any]], notes: list[str]) -> Any:
        return fe_wild(rows, notes, a.y, a.X, a.u, a.t, a.w, np.array([1.0]), a.cl, a.n_cl,
                       spec, a.alpha)

    return twfe_result(sample, fit, spec, wild if a.wild else None)
