"""Effect heterogeneity: difference-in-differences effects by subgroup, with an interaction test.

Pilots are usually placed where they are most likely to work (the strongest communities, the
best-organized enterprises). One fully interacted regression gives a DiD effect for each
subgroup ``s`` (e.g. community strength: strong / weak):

``y = Σ_s 1[S=s]·(α_s + β_s·G + γ_s·P + τ_s·G·P) + e``

``τ_s`` is the DiD effect in subgroup ``s`` (numerically the same as a 2×2 DiD run on that
subgroup alone). The interaction test asks whether the effects differ: a Wald test of
``τ_1 = τ_2 = … = τ_S`` (with two subgroups: ``τ_2 − τ_1``, the coefficient of ``G·P·S`` in
``y ~ G*P*S``; same as ``lm(y ~ g*p*s)`` in R / ``reg y i.g##i.p##i.s`` in Stata).
Standard errors: HC1, or CR1 clustered by the site level the design names (with fewer than 30
clusters a :class:`~evalkit.estimate.inference.FewClustersWarning` is emitted and the result
says so; ``inference="wild"`` hands each subgroup to the wild cluster bootstrap of
:func:`evalkit.did` when that is available).

A transferability warning is raised when the effects differ (interaction p < 0.10) or when most
treated units (more than two thirds) sit in one subgroup: the average effect then describes that
subgroup and may not carry over to the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from evalkit._checks import check_frame, numeric_column, require_columns
from evalkit.errors import DataError, EstimationError, SpecError
from evalkit.estimate.did import binary_column, check_alpha
from evalkit.estimate.inference import (
    check_cluster_count,
    cluster_codes,
    ols_fit,
    t_inference,
    wald_test,
)
from evalkit.estimate.notes import note

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HeterogeneityResult", "did_by_subgroup"]

#: interaction p-value below which the effects are called different
HETEROGENEITY_P = 0.10
#: share of treated units in one subgroup above which the pilot is called concentrated
CONCENTRATION = 2 / 3
FEW_CLUSTERS = 30


@dataclass(frozen=True)
class HeterogeneityResult:
    """Subgroup DiD effects and the test that they are equal (immutable).

    Attributes
    ----------
    table
        One row per subgroup: ``subgroup``, ``estimate``, ``std_error``, ``conf_low``,
        ``conf_high``, ``p_value``, ``n``, ``treated_units`` (treated rows when no unit).
    difference
        With two subgroups: second − first (``estimate``, ``std_error``, ``conf_low``,
        ``conf_high``, ``p_value``); None otherwise.
    interaction
        Wald test of equal effects: ``statistic``, ``df``, ``p_value`` (F when clustered/HC1).
    transferability
        True when the effects differ or the treated units concentrate in one subgroup.
    concentrated_in
        The subgroup holding more than two thirds of the treated units, if any.
    n_clusters, few_clusters
        Clusters used (None when not clustered) and whether they are fewer than 30.
    """

    table: pd.DataFrame
    difference: dict[str, float] | None
    interaction: dict[str, float]
    transferability: bool
    concentrated_in: str | None
    se_kind: str
    n_clusters: int | None = None
    few_clusters: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """The per-subgroup table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"table": self.table.to_dict(orient="records"), "difference": self.difference,
                "interaction": self.interaction, "transferability": self.transferability,
                "concentrated_in": self.concentrated_in, "se_kind": self.se_kind,
                "n_clusters": self.n_clusters, "few_clusters": self.few_clusters,
                "notes": list(self.notes)}


def did_by_subgroup(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    post: str,
    subgroup: str,
    *,
    unit: str | None = None,
    cluster: str | None = None,
    inference: Literal["analytic", "wild"] = "analytic",
    alpha: float = 0.05,
    reps: int = 9999,
    seed: int | None = None,
) -> HeterogeneityResult:
    """DiD effect in each subgroup and an interaction test of equal effects.

    Parameters
    ----------
    df
        Long data, one row per unit and time (not modified).
    outcome, group, post
        Outcome (numeric), treated group (0/1), post period (0/1).
    subgroup
        Column naming the subgroup (e.g. ``strength``: strong/weak); each subgroup needs
        treated and comparison rows before and after.
    unit
        Unit id, used to count treated units per subgroup.
    cluster
        Cluster column (the site level the design calls for); HC1 when None.
    inference
        ``"analytic"`` (t/F with HC1 or CR1) or ``"wild"``: subgroup effects by
        :func:`evalkit.did` with ``inference="wild"`` (needs the wild cluster bootstrap).

    Raises
    ------
    DataError
        Missing columns, non-0/1 group or post, a subgroup without all four cells.
    EstimationError
        Fewer than two subgroups, or ``inference="wild"`` when it is not available.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1, 2, 1, 4, 1, 2, 1, 3, 0, 1, 0, 2, 0, 1, 0, 2.5],
    ...                   "g": [0, 0, 1, 1] * 4, "p": [0, 1, 0, 1] * 4,
    ...                   "s": ["strong"] * 8 + ["weak"] * 8})
    >>> r = did_by_subgroup(d, "y", "g", "p", "s")
    >>> list(r.table["estimate"].round(2))
    [1.5, 1.25]
    """
    import pandas as pd

    check_frame(df, "did_by_subgroup")
    require_columns(df, [outcome, group, post, subgroup, unit, cluster], "did_by_subgroup")
    alpha = check_alpha(alpha)
    if inference not in ("analytic", "wild"):
        raise SpecError(f"inference: expected one of 'analytic', 'wild', got {inference!r}")
    y = numeric_column(df, outcome, "did_by_subgroup").to_numpy(dtype=float)
    g = binary_column(df, group, "did_by_subgroup")
    p = binary_column(df, post, "did_by_subgroup")
    s = df[subgroup]
    keep = np.isfinite(y) & np.isfinite(g) & np.isfinite(p) & s.notna().to_numpy()
    if cluster is not None:
        keep &= df[cluster].notna().to_numpy()
    levels = sorted(pd.unique(s[keep]).tolist(), key=str)
    if len(levels) < 2:
        raise EstimationError(f"did_by_subgroup: column {subgroup!r} has {len(levels)} subgroup(s)",
                              hint="heterogeneity needs at least two subgroups")
    yk, gk, pk = y[keep], g[keep], p[keep]
    sk = s.to_numpy()[keep]
    cols, names = [], []
    for lv in levels:
        d = (sk == lv).astype(float)
        for gg, pp in ((0, 0), (0, 1), (1, 0), (1, 1)):
            if not ((d == 1) & (gk == gg) & (pk == pp)).any():
                raise DataError(
                    f"did_by_subgroup: subgroup {lv!r} has no rows with {group}={gg}, {post}={pp}",
                    hint="each subgroup needs treated and comparison units before and after "
                         "(add comparison data for that subgroup)")
        cols += [d, d * gk, d * pk, d * gk * pk]
        names += [f"{lv}", f"{lv}:{group}", f"{lv}:{post}", f"{lv}:{group}:{post}"]
    X = np.column_stack(cols)
    kind: Literal["robust", "cluster"] = "robust"
    codes, n_cl = None, None
    notes: list[str] = []
    if cluster is not None:
        codes, n_cl = cluster_codes(df[cluster].to_numpy()[keep])
        check_cluster_count(n_cl, cluster)
        kind = "cluster"
    fit = ols_fit(X, yk, names, kind=kind, clusters=codes, n_clusters=n_cl,
                  where="did_by_subgroup")
    idx = [names.index(f"{lv}:{group}:{post}") for lv in levels]
    df_t: float | None = fit.df_resid
    rows = []
    treated = df.loc[keep]
    for lv, j in zip(levels, idx, strict=True):
        est, se = float(fit.coef[j]), float(np.sqrt(fit.vcov[j, j]))
        _, pv, lo, hi = t_inference(est, se, df_t, alpha)
        mask = (sk == lv)
        tr = treated.loc[mask & (gk == 1)]
        n_tr = int(tr[unit].nunique()) if unit is not None else len(tr)
        rows.append({"subgroup": str(lv), "estimate": est, "std_error": se, "conf_low": lo,
                     "conf_high": hi, "p_value": pv, "n": int(mask.sum()), "treated_units": n_tr})
    if inference == "wild":
        rows = _wild(df.loc[keep], rows, levels, sk, outcome, group, post, cluster, alpha,
                     reps, seed)
        notes.append(note("heterogeneity.wild"))
    table = pd.DataFrame(rows)
    R = np.zeros((len(levels) - 1, X.shape[1]))
    for r in range(1, len(levels)):
        R[r - 1, idx[r]], R[r - 1, idx[0]] = 1.0, -1.0
    contrast = R @ fit.coef
    vc = R @ fit.vcov @ R.T
    test = wald_test(contrast, vc, df_denom=df_t)
    difference = None
    if len(levels) == 2:
        est, se = float(contrast[0]), float(np.sqrt(vc[0, 0]))
        _, pv, lo, hi = t_inference(est, se, df_t, alpha)
        difference = {"estimate": est, "std_error": se, "conf_low": lo, "conf_high": hi,
                      "p_value": pv}
    p_int = float(test.get("f_p_value", test["p_value"]))
    shares = table["treated_units"] / max(int(table["treated_units"].sum()), 1)
    top = int(np.argmax(shares.to_numpy()))
    concentrated = str(table.loc[top, "subgroup"]) if shares.iloc[top] > CONCENTRATION else None
    few = n_cl is not None and n_cl < FEW_CLUSTERS
    if few:
        notes.append(note("heterogeneity.few_clusters", G=n_cl))
    return HeterogeneityResult(
        table=table, difference=difference,
        interaction={"statistic": float(test.get("f_statistic", test["statistic"])),
                     "df": float(test["df"]), "p_value": p_int},
        transferability=bool((math.isfinite(p_int) and p_int < HETEROGENEITY_P)
                             or concentrated is not None),
        concentrated_in=concentrated, se_kind=kind, n_clusters=n_cl, few_clusters=few,
        notes=tuple(notes))


def _wild(data: pd.DataFrame, rows: list[dict[str, Any]], levels: list[Any], sk: Any,
          outcome: str, group: str, post: str, cluster: str | None, alpha: float, reps: int,
          seed: int | None) -> list[dict[str, Any]]:
    """Hook: subgroup intervals from the wild cluster bootstrap of :func:`evalkit.did`."""
    from evalkit.estimate.did import did

    if cluster is None:
        raise SpecError("inference='wild' needs cluster=", hint="name the cluster column")
    import inspect

    if "inference" not in inspect.signature(did).parameters:
        raise EstimationError(
            "inference='wild': this version of evalkit has no wild cluster bootstrap in ek.did",
            hint="use inference='analytic' and read the few-clusters note")
    out = []
    for lv, row in zip(levels, rows, strict=True):
        options: dict[str, Any] = {"cluster": cluster, "inference": "wild", "reps": reps,
                                   "seed": seed, "alpha": alpha}
        res = did(data.loc[sk == lv], outcome, group, post, **options)
        out.append({**row, "conf_low": float(res.ci[0]), "conf_high": float(res.ci[1]),
                    "p_value": float(res.pvalue)})
    return out
