"""Estimate every outcome a project declares (the estimate stage of ``ek.evaluate``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.data.load import Evidence
    from evalkit.estimate.results import EffectResult
    from evalkit.model.outcomes import Outcome
    from evalkit.project import Project

__all__ = ["estimate_outcomes"]


def _filtered(df: pd.DataFrame, oc: Outcome, where: str) -> pd.DataFrame:
    for col, value in oc.filter.items():
        if col not in df.columns:
            raise DataError(f"{where}.filter: column {col!r} not found in the data")
        values = value if isinstance(value, list) else [value]
        df = df.loc[df[col].astype("string").isin([str(v) for v in values]).fillna(False)]
    return df


def _prepost(oc: Outcome, df: pd.DataFrame, where: str) -> tuple[EffectResult, dict[str, Any]]:
    from evalkit.estimate.prepost import prepost
    from evalkit.estimate.prepost_bundle import analyse_scale_outcome

    assert oc.unit and oc.time and oc.pre and oc.post
    label = oc.name.en
    if oc.scale is not None:
        group = None
        if oc.compare is not None:
            group = {"column": oc.compare.column, "treated": oc.compare.treated,
                     "control": oc.compare.control}
        bundle = analyse_scale_outcome(
            df, items=oc.scale.items, unit=oc.unit, time=oc.time, pre=oc.pre, post=oc.post,
            reverse=oc.scale.reverse, item_range=oc.scale.range,
            min_answered=oc.scale.min_answered, group=group, label=label,
        )
        return bundle["result"], {k: v for k, v in bundle.items() if k != "result"}
    assert oc.outcome is not None
    if oc.compare is not None:
        df = df.loc[df[oc.compare.column].astype("string") == str(oc.compare.treated)]
    result = prepost(df, oc.outcome, oc.unit, oc.time, oc.pre, oc.post, test=oc.test)
    return result, {}


def _did(oc: Outcome, df: pd.DataFrame, where: str) -> tuple[EffectResult, dict[str, Any]]:
    from evalkit.estimate.did import did

    assert oc.outcome and oc.group and oc.post
    result = did(df, oc.outcome, oc.group, oc.post, unit=oc.unit,
                 covariates=oc.covariates or None, cluster=oc.cluster)
    details: dict[str, Any] = {}
    if oc.unit and oc.time and oc.cohort:
        from evalkit.estimate.event_study import event_study

        details["event_study"] = event_study(df, oc.outcome, oc.unit, oc.time, oc.cohort,
                                             cluster=oc.cluster)
    return result, details


def _labelled(result: EffectResult, oc: Outcome) -> EffectResult:
    """Attach the outcome's names (zh/en) and unit for plain-language sentences."""
    from dataclasses import replace

    extra = {**result.extra, "label": oc.name.en, "label_en": oc.name.en, "label_zh": oc.name.zh}
    if oc.unit_label is not None:
        extra |= {"unit_en": oc.unit_label.en, "unit_zh": oc.unit_label.zh}
    return replace(result, extra=extra)


def estimate_outcomes(
    project: Project, evidence: Evidence
) -> tuple[dict[str, EffectResult], dict[str, dict[str, Any]]]:
    """Main estimate and supporting analyses for each outcome in ``project.outcomes``.

    Returns ``(effects, details)``: ``effects[outcome_id]`` is the outcome's estimate in its
    declared design (paired pre/post, or DiD); a pre/post outcome with a ``compare`` group also
    gets ``effects[outcome_id + "_vs_comparison"]`` (ANCOVA of the post score on the pre score
    and group, Maryland level 3). ``details[outcome_id]`` holds the supporting analyses:
    for scales ``wilcoxon``, ``reliability``, ``rci``, ``attrition``, ``baseline``, ``means``
    (see :func:`evalkit.estimate.prepost_bundle.analyse_scale_outcome`); for DiD
    ``event_study``.
    """
    effects: dict[str, EffectResult] = {}
    details: dict[str, dict[str, Any]] = {}
    for k, oc in enumerate(project.outcomes):
        where = f"outcomes[{k}] ({oc.id})"
        df = _filtered(evidence[oc.source], oc, where)
        run = _prepost if oc.design == "prepost" else _did
        result, details[oc.id] = run(oc, df, where)
        effects[oc.id] = _labelled(result, oc)
        comparison = details[oc.id].pop("comparison", None)
        if comparison is not None:
            # the same outcome against a comparison group (ANCOVA): a stronger design,
            # reported as its own effect so scripts, reports and renewal rules can weigh both
            effects[f"{oc.id}_vs_comparison"] = _labelled(comparison, oc)
    return effects, details
