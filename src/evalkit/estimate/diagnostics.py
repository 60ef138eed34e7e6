"""Design diagnostics for pre/post studies: attrition, baseline equivalence, ANCOVA.

Three questions an evaluator must answer before trusting a change:

* **Attrition** — how many people who started were not measured again, and did one group
  lose more than the other? Judged against the What Works Clearinghouse (WWC) boundary.
* **Baseline equivalence** — did the served group and the comparison group start from the
  same place? Judged against the WWC thresholds on Hedges' g (Cox index for 0/1 outcomes).
* **Comparison-group pre/post (ANCOVA)** — the post score regressed on the pre score and a
  served-group dummy; the dummy's coefficient is the adjusted difference (design
  ``"pre_post_comparison"``, Maryland level 3; 4 with further covariates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evalkit._checks import check_choice, check_frame, numeric_column, require_columns
from evalkit.errors import DataError, EstimationError, SpecError
from evalkit.estimate._paired import make_pairs, once_per_frame, wave_mask
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "WWC_BOUNDARY_POINTS",
    "Attrition",
    "BaselineEquivalence",
    "ancova",
    "attrition",
    "attrition_from_panel",
    "baseline_equivalence",
    "wwc_boundary",
]

Boundary = Literal["cautious", "optimistic"]

#: WWC Standards Handbook v4.1, Table II.1 at the points tabulated in docs/references.md: overall
#: attrition (%) -> highest differential attrition (percentage points) still "low".
#: Cautious: high attrition from 58% overall whatever the differential.
WWC_BOUNDARY_POINTS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "cautious": ((0, 10, 20, 30, 40, 50, 58), (5.7, 6.3, 5.4, 4.1, 2.6, 1.0, 0.0)),
    "optimistic": ((0, 10, 20, 30, 40, 50, 60, 65), (10.0, 10.9, 10.0, 8.2, 6.0, 3.7, 1.4, 0.3)),
}
_HIGH_FROM = {"cautious": 58.0, "optimistic": 65.0 + 1e-9}


def wwc_boundary(overall_pct: float, boundary: Boundary = "cautious") -> float:
    """Highest differential attrition (percentage points) still "low" at this overall rate.

    NaN when the overall rate is high attrition whatever the differential (cautious ≥ 58%,
    optimistic > 65%).

    Notes
    -----
    **Linear interpolation** between the tabulated points 0, 10, …, 60, 65% of WWC Standards
    Handbook v4.1 Table II.1 (cautious 5.7 / 6.3 / 5.4 / 4.1 / 2.6 / 1.0 at 0–50%, reaching 0
    at 58% where attrition becomes high; optimistic 10.0 / 10.9 / 10.0 / 8.2 / 6.0 / 3.7 /
    1.4 / 0.3). The handbook tabulates every integer percentage; between our points the
    interpolated boundary can differ from it by a few tenths of a percentage point, so a
    differential within 0.3 points of the boundary should be checked against the handbook.
    """
    check_choice("boundary", boundary, ("cautious", "optimistic"))
    import numpy as np

    o = float(overall_pct)
    if not 0.0 <= o <= 100.0:
        raise SpecError(f"overall attrition: expected a percentage 0–100, got {o!r}")
    if o >= _HIGH_FROM[boundary]:
        return math.nan
    xs, ys = WWC_BOUNDARY_POINTS[boundary]
    return float(np.interp(o, xs, ys))


@dataclass(frozen=True)
class Attrition:
    """Overall and differential attrition and the WWC rating (immutable).

    Rates are percentages; ``differential`` is in percentage points (None with one group).
    ``rating`` is ``"low"`` / ``"high"`` under each boundary (None with one group: the WWC
    standard needs two groups), ``max_differential`` the boundary at this overall rate.
    """

    n_start: int
    n_end: int
    overall: float
    differential: float | None
    by_group: dict[str, dict[str, float]]
    max_differential: dict[str, float]
    rating: dict[str, str | None]


def attrition(
    n_start_treated: int,
    n_end_treated: int,
    n_start_control: int | None = None,
    n_end_control: int | None = None,
) -> Attrition:
    """Overall and differential attrition judged against the WWC boundaries.

    Parameters
    ----------
    n_start_treated, n_end_treated
        People who started (assigned / measured at baseline) and who were analysed.
    n_start_control, n_end_control
        The same for the comparison group (omit for a one-group design).

    Notes
    -----
    Overall :math:`= 100(1 - \\sum n_{end} / \\sum n_{start})`; differential
    :math:`= 100\\,|a_T - a_C|` with group rates :math:`a_g = 1 - n_{end,g}/n_{start,g}`.
    Rating "low" when the differential is at or below :func:`wwc_boundary` (interpolated, see
    there), under the cautious and the optimistic boundary. Stata/R: by hand.

    References
    ----------
    What Works Clearinghouse (2020). *Standards Handbook, Version 4.1*, Table II.1.
    """
    groups = {"treated": (n_start_treated, n_end_treated)}
    if n_start_control is not None or n_end_control is not None:
        if n_start_control is None or n_end_control is None:
            raise SpecError("attrition: give both n_start_control and n_end_control")
        groups["control"] = (n_start_control, n_end_control)
    by_group: dict[str, dict[str, float]] = {}
    for name, (s, e) in groups.items():
        if not (int(s) > 0 and 0 <= int(e) <= int(s)):
            raise SpecError(f"attrition: {name} group needs 0 ≤ analysed ≤ started and started "
                            f"> 0, got started={s!r}, analysed={e!r}")
        by_group[name] = {"n_start": int(s), "n_end": int(e), "rate": 100 * (1 - e / s)}
    n_start = sum(int(s) for s, _ in groups.values())
    n_end = sum(int(e) for _, e in groups.values())
    overall = 100 * (1 - n_end / n_start)
    diff = (abs(by_group["treated"]["rate"] - by_group["control"]["rate"])
            if "control" in by_group else None)
    bounds = {b: wwc_boundary(overall, b) for b in ("cautious", "optimistic")}  # type: ignore[arg-type]
    rating: dict[str, str | None] = {}
    for b, limit in bounds.items():
        if diff is None:
            rating[b] = None
        else:
            rating[b] = "low" if math.isfinite(limit) and diff <= limit + 1e-9 else "high"
    return Attrition(n_start=n_start, n_end=n_end, overall=overall, differential=diff,
                     by_group=by_group, max_differential=bounds, rating=rating)


def _group_of_units(
    df: pd.DataFrame, unit: str, group: str, treated: Any, control: Any, where: str
) -> pd.Series:
    """Unit id -> "treated" / "control" (others dropped); a unit must not switch groups.

    Inside :func:`~evalkit.estimate._paired.paired_once` computed once per frame (ANCOVA and
    attrition of one scale outcome share it; callers only read it).
    """
    key = ("group_of_units", unit, group, type(treated), repr(treated), type(control),
           repr(control))
    return once_per_frame(df, key, lambda: _group_of_units_now(df, unit, group, treated,
                                                               control, where))


def _group_of_units_now(
    df: pd.DataFrame, unit: str, group: str, treated: Any, control: Any, where: str
) -> pd.Series:
    import numpy as np
    import pandas as pd

    t_mask = wave_mask(df, group, treated, "treated", where).to_numpy()
    c_mask = wave_mask(df, group, control, "control", where).to_numpy()
    ids = df[unit]
    if not isinstance(ids.dtype, np.dtype | pd.StringDtype):
        return _group_of_units_pandas(df, unit, group, t_mask, c_mask, where)
    either = t_mask | c_mask
    values = ids.to_numpy()[either]
    in_treated = t_mask[either]
    has_id = ~pd.isna(values)
    values, in_treated = values[has_id], in_treated[has_id]
    codes, uniques = pd.factorize(values)
    n_rows = np.bincount(codes, minlength=len(uniques))
    n_treated = np.bincount(codes, weights=in_treated, minlength=len(uniques))
    if bool(((n_treated > 0) & (n_treated < n_rows)).any()):  # a unit in both: the error
        return _group_of_units_pandas(df, unit, group, t_mask, c_mask, where)
    first = np.unique(codes, return_index=True)[1]  # each unit's first row, in id order
    return pd.Series(np.where(in_treated[first], "treated", "control"),
                     index=pd.Index(values[first], dtype=ids.dtype, name=unit), name="_g")


def _group_of_units_pandas(
    df: pd.DataFrame, unit: str, group: str, t_mask: Any, c_mask: Any, where: str
) -> pd.Series:
    """:func:`_group_of_units_now` on the frame (any unit dtype; raises for a unit in both
    groups)."""
    import numpy as np

    either = t_mask | c_mask
    lab = df.loc[either, [unit]].assign(_g=np.where(t_mask[either], "treated", "control"))
    lab = lab.dropna(subset=[unit])
    per_unit = lab.groupby(unit, sort=False)["_g"].nunique()
    if bool((per_unit > 1).any()):
        bad = per_unit.index[per_unit > 1][0]
        raise DataError(f"{where}: unit {bad!r} is in both the treated and the control group "
                        f"(column {group!r})", hint="each unit must belong to one group")
    out: pd.Series = lab.drop_duplicates(subset=[unit]).set_index(unit)["_g"]
    return out


def attrition_from_panel(
    df: pd.DataFrame, outcome: str, unit: str, time: str, pre: Any, post: Any, *,
    group: str | None = None, treated: Any = None, control: Any = None,
) -> Attrition:
    """:func:`attrition` from a long table: started = units with a ``pre``-wave row,
    analysed = units with a usable outcome in both waves (per group when ``group`` given)."""
    import numpy as np
    import pandas as pd

    where = f"attrition({outcome!r})"
    frame = check_frame(df, where)
    require_columns(frame, [outcome, unit, time, group], where)
    ids = frame[unit]
    in_pre = wave_mask(frame, time, pre, "pre", where).to_numpy()
    if isinstance(ids.dtype, np.dtype | pd.StringDtype):
        started = ids.to_numpy()[in_pre]
        started = pd.unique(started[~pd.isna(started)])
    else:
        started = frame.loc[in_pre, unit].dropna().unique()
    analysed = make_pairs(frame, outcome, unit, time, pre, post, where).units
    if group is None:
        return attrition(len(started), len(analysed))
    groups = _group_of_units(frame, unit, group, treated, control, where)
    (t_start, c_start), (t_end, c_end) = (_group_counts(groups, units)
                                          for units in (started, analysed))
    return attrition(t_start, t_end, c_start, c_end)


def _group_counts(groups: pd.Series, units: Any) -> tuple[int, int]:
    """How many of ``units`` (distinct ids) are "treated" and "control" in ``groups``."""
    import numpy as np

    if not groups.index.is_unique:  # reindex refuses a repeated label: let it say so
        counts = groups.reindex(units).value_counts()
        return int(counts.get("treated", 0)), int(counts.get("control", 0))
    at = groups.index.get_indexer(units)
    labels = groups.to_numpy()[at[at >= 0]]
    return int(np.sum(labels == "treated")), int(np.sum(labels == "control"))


@dataclass(frozen=True)
class BaselineEquivalence:
    """Standardised baseline difference and the WWC verdict (immutable).

    ``index`` is ``"hedges_g"`` or ``"cox"``; ``value`` its small-sample-corrected value;
    ``verdict`` one of ``"satisfied"``, ``"requires_adjustment"``, ``"not_satisfied"``.
    """

    index: str
    value: float
    uncorrected: float
    n_treated: int
    n_control: int
    mean_treated: float
    mean_control: float
    verdict: str


def _verdict(value: float) -> str:
    a = abs(value)
    return "satisfied" if a <= 0.05 else "requires_adjustment" if a <= 0.25 else "not_satisfied"


def baseline_equivalence(
    df: pd.DataFrame, outcome: str, group: str, treated: Any, control: Any, *,
    binary: bool | None = None,
) -> BaselineEquivalence:
    """Baseline difference between the served and comparison groups, WWC thresholds.

    Parameters
    ----------
    df
        Baseline rows only (one per person). Not modified.
    outcome, group, treated, control
        Baseline measure; group column and its two values.
    binary
        Use the Cox index; default: when the outcome only takes 0 and 1.

    Notes
    -----
    Hedges' g :math:`= \\omega (\\bar y_T - \\bar y_C) / s_p`,
    :math:`s_p^2 = ((n_T-1)s_T^2 + (n_C-1)s_C^2)/(n_T+n_C-2)`,
    :math:`\\omega = 1 - 3/(4N - 9)`. Cox index :math:`= \\omega\\,[\\ln(p_T/(1-p_T)) -
    \\ln(p_C/(1-p_C))]/1.65` (WWC applies ω to it too). Verdict: :math:`|g| \\le 0.05`
    satisfied; :math:`\\le 0.25` satisfied only with statistical adjustment for the baseline
    measure (e.g. :func:`ancova`); :math:`> 0.25` not satisfied. R:
    ``effectsize::hedges_g(y ~ g)`` (same g, its ω uses the exact gamma form).

    References
    ----------
    What Works Clearinghouse (2020). *Procedures Handbook, Version 4.1*, and *Standards
    Handbook, Version 4.1* (baseline equivalence).
    """
    import numpy as np

    where = f"baseline_equivalence({outcome!r})"
    frame = check_frame(df, where)
    require_columns(frame, [outcome, group], where)
    y = numeric_column(frame, outcome, where)
    t = wave_mask(frame, group, treated, "treated", where) & y.notna()
    c = wave_mask(frame, group, control, "control", where) & y.notna()
    yt, yc = y[t].to_numpy(), y[c].to_numpy()
    nt, nc = yt.shape[0], yc.shape[0]
    if nt < 2 or nc < 2:
        raise EstimationError(f"{where}: need at least 2 people with {outcome!r} in each group "
                              f"(column {group!r}), got treated {nt}, control {nc}")
    if binary is None:
        binary = bool(np.isin(np.concatenate([yt, yc]), (0.0, 1.0)).all())
    omega = 1 - 3 / (4 * (nt + nc) - 9)
    mt, mc = float(yt.mean()), float(yc.mean())
    if binary:
        if not (0 < mt < 1 and 0 < mc < 1):
            raise EstimationError(f"{where}: the Cox index needs proportions strictly between 0 "
                                  f"and 1 in both groups, got {mt:.3g} and {mc:.3g}")
        raw = (math.log(mt / (1 - mt)) - math.log(mc / (1 - mc))) / 1.65
        index = "cox"
    else:
        sp = math.sqrt(((nt - 1) * yt.var(ddof=1) + (nc - 1) * yc.var(ddof=1)) / (nt + nc - 2))
        if not sp > 0:
            raise EstimationError(f"{where}: {outcome!r} has no variance at baseline")
        raw = (mt - mc) / sp
        index = "hedges_g"
    value = omega * raw
    return BaselineEquivalence(index=index, value=value, uncorrected=raw, n_treated=nt,
                               n_control=nc, mean_treated=mt, mean_control=mc,
                               verdict=_verdict(value))


def _ancova_sample(
    frame: pd.DataFrame, pairs: Any, groups: pd.Series, unit: str, time: str, pre: Any,
    covariates: list[str], where: str,
) -> tuple[Any, Any, Any, list[Any]]:
    """The paired units of either group with every covariate: pre scores, post scores,
    treated 0/1 (floats) and the covariates from the pre-wave rows (in the pairs' order)."""
    import numpy as np
    import pandas as pd

    if groups.index.is_unique:  # each unit's group by position (reindex without a Series)
        at = groups.index.get_indexer(pairs.units)
        keep = at >= 0
        is_treated = np.asarray(groups.to_numpy()[at[keep]] == "treated", dtype=float)
    else:  # reindex refuses a repeated label: let it say so
        labels = groups.reindex(pd.Index(pairs.units))
        keep = labels.notna().to_numpy()
        is_treated = np.asarray(labels == "treated", dtype=float)[keep]
    units = pairs.units[keep]
    covs = []
    if covariates:
        pre_rows = frame.loc[wave_mask(frame, time, pre, "pre", where)].dropna(subset=[unit])
        for cov in covariates:
            cv = numeric_column(pre_rows, cov, where)
            cv.index = pre_rows[unit].to_numpy()
            covs.append(cv.reindex(units).to_numpy())
    complete = ~np.isnan(np.column_stack(covs)).any(axis=1) if covs else None
    parts = [pairs.pre[keep], pairs.post[keep], is_treated, *covs]
    if complete is not None and not complete.all():  # a covariate missing: unit dropped
        parts = [a[complete] for a in parts]
    return parts[0], parts[1], parts[2], parts[3:]


def ancova(
    df: pd.DataFrame, outcome: str, unit: str, time: str, pre: Any, post: Any, *,
    group: str, treated: Any, control: Any, covariates: Sequence[str] | None = None,
    se: Literal["classical", "robust"] = "classical", alpha: float = 0.05,
    label: str | None = None,
) -> EffectResult:
    """Comparison-group pre/post effect: OLS of the post score on the pre score and group.

    Parameters
    ----------
    df, outcome, unit, time, pre, post
        Long table as in :func:`evalkit.prepost` (not modified); each unit's pre and post
        values are paired first.
    group, treated, control
        Group column (constant within a unit) and its served / comparison values.
    covariates
        Further baseline columns (taken from the pre-wave row); lift the evidence level to 4.
    se
        ``"classical"`` (OLS, as R ``lm``) or ``"robust"`` (HC1, as Stata ``, robust``).
    alpha, label
        Interval level; readable outcome name.

    Returns
    -------
    EffectResult
        ``estimate`` = adjusted post-score difference served − comparison, design
        ``"pre_post_comparison"``; table rows ``treated, pre, <covariates>, Intercept``;
        ``extra``: ``standardised`` (estimate × ω / pooled post SD), ``r2``, group means.

    Notes
    -----
    :math:`y^{post}_i = \\beta_0 + \\tau D_i + \\beta_1 y^{pre}_i + \\gamma' x_i + e_i`;
    t-based inference with :math:`n - p` df. R: ``lm(post ~ treated + pre)``; Stata:
    ``regress post i.treated pre``. Same as ``statsmodels.OLS`` (``cov_type="HC1"`` for
    robust).

    References
    ----------
    Van Breukelen, G. J. P. (2006). ANCOVA versus change from baseline had more power in
    randomized studies and more bias in nonrandomized studies. *J. Clin. Epidemiol.* 59,
    920–925.
    """
    import numpy as np

    from evalkit._dist import t_ppf, t_sf

    where = f"ancova({outcome!r})"
    check_choice("se", se, ("classical", "robust"))
    covariates = list(covariates or [])
    frame = check_frame(df, where)
    require_columns(frame, [outcome, unit, time, group, *covariates], where)
    pairs = make_pairs(frame, outcome, unit, time, pre, post, where)
    groups = _group_of_units(frame, unit, group, treated, control, where)
    x_pre, y, is_treated, covs = _ancova_sample(frame, pairs, groups, unit, time, pre,
                                                covariates, where)
    n_treated, n_control = int((is_treated == 1).sum()), int((is_treated == 0).sum())
    if n_treated < 2 or n_control < 2:
        raise EstimationError(f"{where}: need at least 2 paired units in each group of column "
                              f"{group!r}, got treated {n_treated}, control {n_control}")
    names = ["treated", "pre", *covariates, "Intercept"]
    X = np.column_stack([is_treated, x_pre, *covs, np.ones(len(y))])
    n, p = X.shape
    if np.linalg.matrix_rank(X) < p or n <= p:
        raise EstimationError(f"{where}: the regressors {names} are collinear or too few units "
                              f"({n})", hint="drop a covariate that repeats another")
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    resid = y - X @ beta
    dof = n - p
    if se == "classical":
        vcov = xtx_inv * float(resid @ resid) / dof
    else:
        vcov = xtx_inv @ (X.T * resid**2) @ X @ xtx_inv * n / dof
    ses = np.sqrt(np.diag(vcov))
    q = t_ppf(1 - alpha / 2, dof)
    rows = []
    for k, name in enumerate(names):
        tk = beta[k] / ses[k]
        rows.append(tidy_row(name, beta[k], ses[k], tk, 2 * t_sf(abs(tk), dof),
                             beta[k] - q * ses[k], beta[k] + q * ses[k]))
    head = rows[0]
    yt, yc = y[X[:, 0] == 1], y[X[:, 0] == 0]
    sp = math.sqrt(((len(yt) - 1) * yt.var(ddof=1) + (len(yc) - 1) * yc.var(ddof=1))
                   / (n - 2))
    omega = 1 - 3 / (4 * n - 9)
    extra: dict[str, Any] = {
        "standardised": omega * head["estimate"] / sp if sp > 0 else math.nan,
        "r2": 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum()),
        "mean_post_treated": float(yt.mean()), "mean_post_control": float(yc.mean()),
        "mean_pre_treated": float(x_pre[is_treated == 1].mean()),
        "mean_pre_control": float(x_pre[is_treated == 0].mean()),
        "n_treated": len(yt), "n_control": len(yc),
    }
    if label is not None:
        extra["label"] = label
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=n, method=f"ANCOVA (OLS, {se} SE)",
        design="pre_post_comparison", outcome=outcome, term="treated", table=tidy_frame(rows),
        statistic=head["statistic"], df=float(dof), alpha=alpha,
        n_dropped=pairs.n_dropped + (pairs.n - n),
        dropped={**pairs.dropped, **({"no_group_or_covariate": pairs.n - n}
                                     if pairs.n > n else {})},
        evidence_level=evidence_level("pre_post_comparison", covariates=bool(covariates)),
        notes=(note("ancova.estimate"),),
        spec={"outcome": outcome, "unit": unit, "time": time, "pre": pre, "post": post,
              "group": group, "treated": treated, "control": control,
              "covariates": covariates, "se": se, "alpha": alpha},
        extra=extra,
    )
