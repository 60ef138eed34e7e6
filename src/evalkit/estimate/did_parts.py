"""The pieces of :func:`evalkit.did` shared with its dask version (estimate/dask_did.py):
the group × period cells, the data errors and the result step."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit.errors import DataError
from evalkit.estimate import steps
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import OLSFit, VcovKind
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult
from evalkit.estimate.weights import weights_note

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CELLS", "DidFit", "DidSample", "changing_group_error", "did_result",
           "empty_cell_error"]

FloatArray = npt.NDArray[np.float64]
CELLS = ((0, 0), (0, 1), (1, 0), (1, 1))


def empty_cell_error(where: str, group: str, post: str, gv: int, pv: int) -> DataError:
    return DataError(
        f"{where}: no observations with {group}={gv} and {post}={pv}",
        hint="DiD needs both groups observed before and after; check the "
        "filters and the coding of the group and post columns")


def changing_group_error(where: str, group: str, unit: str | None, n_bad: int) -> DataError:
    return DataError(
        f"{where}: column {group!r} changes within unit {unit!r} for {n_bad} unit(s)",
        hint="the group must be fixed per unit; for units treated at different times "
        "use ek.staggered_did")


@dataclass(frozen=True)
class DidFit:
    fit: OLSFit
    names: list[str]
    Xd: FloatArray
    yd: FloatArray
    tss: float
    cl: npt.NDArray[np.intp] | None
    n_cl: int | None
    wild: bool


def did_extra(means: pd.DataFrame, means_did: float, r_squared: float, kind: str,
              vcov: FloatArray, names: list[str], n_cl: int | None, n_units: int | None,
              df_resid: float, factor: float) -> dict[str, Any]:
    """``extra`` of a did result (the wild-bootstrap keys are added by the caller)."""
    return {
        "means": means, "means_did": means_did, "r_squared": r_squared,
        "vcov_type": {"classical": "classical", "robust": "HC1", "cluster": "CR1"}[kind],
        "vcov": steps.vcov_frame(vcov, names), "n_clusters": n_cl, "n_units": n_units,
        "df_resid": df_resid, "small_sample_factor": factor,
    }


def did_notes(kind: VcovKind, cl_col: str | None, n_cl: int | None, fe_dof: str,
              unit: str | None, weights: str | None) -> list[str]:
    notes = [steps.se_note(kind, cl_col, n_cl, fe_dof, unit is not None)]
    if weights is not None:
        notes.append(weights_note(weights))
    return notes


def did_notes_end(notes: list[str], unit: str | None) -> list[str]:
    if unit is not None:
        notes.append(note("did.unit_fe", unit=str(unit)))
    notes.append(note("did.parallel"))
    return notes


def did_method(weights: str | None, unit: str | None) -> str:
    return ("difference-in-differences (" + ("WLS" if weights else "OLS")
            + (", unit fixed effects" if unit else "") + ")")


@dataclass(frozen=True)
class DidSample:
    """What the result step needs to know of the sample (in memory or by partitions)."""

    n: int
    n_units: int | None  # None without unit effects
    covs: list[str]
    kind: VcovKind
    cl_col: str | None
    alpha: float
    dropped: dict[str, int]


def did_result(a: DidSample, f: DidFit, means: pd.DataFrame, means_did: float,
                spec: dict[str, Any], more: dict[str, Any] | None = None) -> EffectResult:
    """Tidy table (the interaction first), wild bootstrap when chosen, notes and ``extra``."""
    fit, names = f.fit, f.names
    unit, weights = spec["unit"], spec.get("weights")
    inter = f"{spec['group']}:{spec['post']}"
    order = [names.index(inter)] + [j for j in range(len(names)) if names[j] != inter]
    rows = steps.coef_rows(names, fit.coef, fit.se, fit.df_resid, a.alpha, order)
    notes = did_notes(a.kind, a.cl_col, f.n_cl, spec["fe_dof"], unit, weights)
    wb = None
    if f.wild:
        assert f.cl is not None and f.n_cl is not None
        contrast = np.zeros(len(names))
        contrast[names.index(inter)] = 1.0
        wb = steps.wild_headline(rows, notes, f.Xd, f.yd, f.cl, f.n_cl, contrast, alpha=a.alpha,
                           reps=spec["reps"], boot_weights=spec["boot_weights"],
                           seed=spec["seed"])
    extra = did_extra(means, means_did, 1 - fit.rss / f.tss if f.tss > 0 else math.nan,
                      a.kind, fit.vcov, names, f.n_cl, a.n_units, fit.df_resid,
                      fit.small_sample) | steps.inference_extra(wb) | (more or {})
    return steps.effect_result(
        rows, dropped=a.dropped, notes=did_notes_end(notes, unit), n=a.n,
        method=did_method(weights, unit), design="did", outcome=spec["outcome"], term=inter,
        df=fit.df_resid, alpha=a.alpha,
        evidence_level=evidence_level("did", covariates=bool(a.covs)), spec=spec, extra=extra)
