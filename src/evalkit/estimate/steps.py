"""Steps shared by the DiD estimators and their dask versions: check → arrays → fit → result.

:func:`evalkit.did`, :func:`evalkit.twfe`, :func:`evalkit.event_study` and
:func:`evalkit.staggered_did` (and ``dask_did`` / ``dask_twfe`` / ``dask_staggered``) are each
written as four steps: check the arguments, turn the columns into arrays (dropping rows with
missing values or weight 0 and counting them), fit, and build the
:class:`~evalkit.estimate.results.EffectResult`. The pieces every estimator needs — the option
checks, the usable-row mask and its ``dropped`` counts, cluster counting and the choice of
the wild bootstrap, the sandwich covariance of the partitioned fits, the tidy rows and the
result itself — live here, written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import check_choice, numeric_column
from evalkit.errors import DataError, EstimationError, SpecError
from evalkit.estimate.inference import VcovKind, check_cluster_count, t_inference
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.estimate.wild import WildBootstrap

__all__ = [
    "as_list", "binary_column", "check_alpha", "check_options", "clusters_ready",
    "coef_rows", "covariate_matrix", "effect_result", "inference_extra", "resolve_vcov",
    "se_note", "usable_rows",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# --- checks -------------------------------------------------------------------------------

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


def check_options(*, alpha: float, fe_dof: str, inference: str, reps: int, boot_weights: str,
                  seed: int | None, se: str | None = None) -> float:
    """The option checks of did/twfe/event_study (and their dask versions); returns alpha."""
    from evalkit.estimate.wild import check_wild_options

    if se is not None:
        check_choice("se", se, ("classical", "robust", "cluster", "auto"))
    check_choice("fe_dof", fe_dof, ("nested", "all"))
    check_wild_options(inference, reps, boot_weights, seed)
    return check_alpha(alpha)


def refuse_dask_options(where: str, weights: Any, inference: str) -> None:
    """Options a dask DataFrame does not support: weights and the wild bootstrap."""
    from evalkit.estimate.dask_common import unsupported

    if weights is not None:
        raise unsupported(where, "weights=")
    if inference == "wild":
        raise unsupported(where, "inference='wild'", "the bootstrap needs every cluster in memory")


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


def clusters_ready(n_cl: int, cl_col: str, inference: str, *, dask: str | None = None,
                   depth: int = 3) -> bool:
    """Whether the wild bootstrap is used; errors below 2 clusters, warns below 30 otherwise.

    ``dask``: the estimator's name when the frame is a dask DataFrame, where ``"auto"`` below
    30 clusters (the wild bootstrap) is refused with the way out. ``depth``: calls between
    this one and the user's (the estimator's steps), so the warning names the user's line.
    """
    from evalkit.estimate.wild import WILD_AUTO_BELOW, use_wild

    wild = use_wild(inference, True, n_cl)
    check_cluster_count(n_cl, cl_col, warn=not wild, stacklevel=depth + 2)
    if wild and dask is not None:
        from evalkit.estimate.dask_common import unsupported

        raise unsupported(dask, f"inference='auto' with {n_cl} clusters (below "
                          f"{WILD_AUTO_BELOW} it means the wild cluster bootstrap)",
                          "pass inference='analytic' for t(G-1) inference")
    return wild


# --- arrays -------------------------------------------------------------------------------

def binary_column(df: pd.DataFrame, column: str, where: str) -> FloatArray:
    """``df[column]`` as 0.0/1.0 (NaN where missing); anything but 0/1/bool is a DataError."""
    import pandas as pd

    s = df[column]
    if isinstance(s.dtype, pd.CategoricalDtype):  # judge the values, not the dtype
        s = pd.Series(np.asarray(s), index=s.index, name=column)
    if pd.api.types.is_bool_dtype(s):
        return np.asarray(s.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan),
                          dtype=np.float64)
    values: FloatArray | None = None
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


def covariate_matrix(df: pd.DataFrame, covariates: Sequence[str], where: str) -> FloatArray:
    """Numeric covariates as an N x K float array (NaN where missing)."""
    if not covariates:
        return np.empty((len(df), 0))
    cols = [numeric_column(df, c, where).to_numpy(dtype=np.float64) for c in covariates]
    return np.column_stack(cols)


def usable_rows(df: pd.DataFrame, values: Sequence[FloatArray], Z: FloatArray,
                columns: Sequence[str | None]) -> BoolArray:
    """Rows where no value, covariate (columns of ``Z``) or named column is missing."""
    ok = np.ones(len(df), dtype=bool)
    for v in values:
        ok &= ~np.isnan(v)
    if Z.shape[1]:
        ok &= ~np.isnan(Z).any(axis=1)
    for col in columns:
        if col is not None:
            ok &= df[col].notna().to_numpy()
    return ok


def drop_missing(ok: BoolArray, wts: FloatArray | None) -> tuple[BoolArray, dict[str, int]]:
    """``dropped`` counts of rows with missing values, then of usable rows of weight 0."""
    dropped: dict[str, int] = {}
    if not ok.all():
        dropped["missing values"] = int((~ok).sum())
    if wts is not None:
        zero = ok & (wts == 0)
        if zero.any():
            dropped["zero weight"] = int(zero.sum())
            ok = ok & ~zero
    return ok, dropped


def split_zero_weight(dropped: dict[str, int], wts: FloatArray | None) -> dict[str, int]:
    """Rows of weight 0 left out with the missing ones (cohort panels): count them apart."""
    dropped = dict(dropped)
    zero = 0 if wts is None else int((wts == 0).sum())
    if zero:
        dropped["zero weight"] = zero
        dropped["missing values"] -= zero
        if not dropped["missing values"]:
            del dropped["missing values"]
    return dropped


def text_order_note(t_values: npt.NDArray[Any], time: str) -> str:
    """For text periods: the sentence saying which order was assumed (else empty)."""
    if t_values.dtype.kind in "iufmM":
        return ""
    shown = ", ".join(map(str, t_values[:6])) + (" …" if len(t_values) > 6 else "")
    return (f"; the periods of {time!r} were taken in text order ({shown}) — if that is not "
            "their order in time, code them as numbers or dates")


def on_off_periods(d: FloatArray, u: npt.NDArray[np.intp], t: npt.NDArray[np.intp],
                   n_u: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Per unit: the first period treated (intp max if never) and the last period untreated
    (-1 if none); treatment switches off where the second is after the first."""
    first_on = np.full(n_u, np.iinfo(np.intp).max)
    last_off = np.full(n_u, -1)
    on = d > 0
    np.minimum.at(first_on, u[on], t[on])
    np.maximum.at(last_off, u[~on], t[~on])
    return first_on, last_off


def switch_off_error(where: str, treatment: str, unit: str, n_bad: int,
                     order_note: str) -> DataError:
    return DataError(
        f"{where}: treatment {treatment!r} switches off (1 then 0) within {unit!r} for "
        f"{n_bad} unit(s){order_note}",
        hint="evalkit's DiD estimators assume treatment, once started, stays on; code "
        "treatment as 'ever started' (1 from the first treated period on) or study the "
        "spells separately",
    )


def duplicate_pairs_error(where: str, unit: str, time: str) -> DataError:
    return DataError(f"{where}: some ({unit!r}, {time!r}) pairs appear more than once",
                     hint="keep one row per unit and period (aggregate or drop duplicates first)")


def constant_outcome(where: str, outcome: str, ymin: float, ymax: float, n: int) -> None:
    """:func:`~evalkit._checks.require_variation` from the partitions' minimum and maximum."""
    if ymin == ymax:
        raise EstimationError(
            f"{where}: column {outcome!r} has the same value ({ymin:g}) in all {n} rows used, "
            "so there is no variation to estimate an effect from",
            hint="check that the outcome column is the right one and was not overwritten")


def spec_of(args: dict[str, Any], *, drop: Sequence[str] = (), **checked: Any) -> dict[str, Any]:
    """``result.spec``: the call's arguments but the frame (in signature order), with the
    ``checked`` values (covariates as a tuple, alpha as a float) in place of the given ones."""
    return {k: checked.get(k, v) for k, v in args.items() if k != "df" and k not in drop}


# --- result -------------------------------------------------------------------------------

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


def coef_rows(names: Sequence[str], coef: FloatArray, se: FloatArray, df: float | None,
              alpha: float, order: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Tidy rows (estimate, SE, t, p, interval) of the coefficients, in ``order``."""
    rows = []
    for j in range(len(names)) if order is None else order:
        st, p, lo, hi = t_inference(float(coef[j]), float(se[j]), df, alpha)
        rows.append(tidy_row(names[j], coef[j], se[j], st, p, lo, hi))
    return rows


def wild_headline(rows: list[dict[str, Any]], notes: list[str], X: FloatArray, y: FloatArray,
                  cl: npt.NDArray[np.intp], n_cl: int, contrast: FloatArray, *, alpha: float,
                  reps: int, boot_weights: str, seed: int | None) -> WildBootstrap:
    """Replace the headline row's p-value and interval by the wild cluster bootstrap's."""
    from evalkit.estimate.wild import wild_cluster_test, wild_note, with_wild

    wb = wild_cluster_test(X, y, cl, n_cl, contrast, alpha=alpha, reps=reps,
                           boot_weights=boot_weights, seed=seed)  # type: ignore[arg-type]
    rows[0] = with_wild(rows[0], wb)
    notes.append(wild_note(wb))
    return wb


def inference_extra(wb: WildBootstrap | None) -> dict[str, Any]:
    return {"inference": "wild" if wb is not None else "analytic",
            "wild_bootstrap": wb.to_dict() if wb is not None else None}


def vcov_frame(vcov: FloatArray, names: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(vcov, index=list(names), columns=list(names))


def effect_result(rows: list[dict[str, Any]], *, dropped: dict[str, int], notes: Sequence[str],
                  table: pd.DataFrame | None = None, **fields: Any) -> EffectResult:
    """The result from its tidy rows (the first is the headline) and the other fields."""
    head = rows[0]
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], statistic=head["statistic"],
        table=tidy_frame(rows) if table is None else table,
        n_dropped=sum(dropped.values()), dropped=dropped, notes=tuple(notes), **fields)


def fe_notes(cl_col: str, n_cl: int, fe_dof: str, weights: str | None) -> list[str]:
    """First notes of the fixed-effects estimators: the CR1 convention, then the weights."""
    from evalkit.estimate.weights import weights_note

    notes = [se_note("cluster", cl_col, n_cl, fe_dof, True)]
    if weights is not None:
        notes.append(weights_note(weights))
    return notes


def fe_wild(rows: list[dict[str, Any]], notes: list[str], y: FloatArray, X: FloatArray,
            u: npt.NDArray[np.intp], t: npt.NDArray[np.intp], w: FloatArray | None,
            a: FloatArray, cl: npt.NDArray[np.intp], n_cl: int, spec: dict[str, Any],
            alpha: float) -> WildBootstrap:
    """Wild cluster bootstrap of ``a'β`` in a unit + period effects regression (period
    effects enter as dummies after the unit demeaning)."""
    from evalkit.estimate.wild import unit_demeaned_design

    yb, Xb, _, _ = unit_demeaned_design(y, X, u, t, weights=w)
    contrast = np.zeros(Xb.shape[1])
    contrast[: len(a)] = a
    return wild_headline(rows, notes, Xb, yb, cl, n_cl, contrast, alpha=alpha,
                         reps=spec["reps"], boot_weights=spec["boot_weights"], seed=spec["seed"])
