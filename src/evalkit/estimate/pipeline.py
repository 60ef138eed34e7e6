"""Estimate every outcome a project declares (the estimate stage of ``ek.evaluate``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from evalkit.errors import DataError, EvalkitError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.data.load import Evidence
    from evalkit.estimate.results import EffectResult
    from evalkit.model.outcomes import Outcome
    from evalkit.project import Project

__all__ = ["estimate_outcomes", "outcome_problems"]


def _filtered(df: pd.DataFrame, oc: Outcome, where: str) -> pd.DataFrame:
    for col, value in oc.filter.items():
        if col not in df.columns:
            raise DataError(f"{where}.filter: column {col!r} not found in the data")
        values = value if isinstance(value, list) else [value]
        df = df.loc[df[col].astype("string").isin([str(v) for v in values]).fillna(False)]
    return df


_COLUMN_FIELDS = ("outcome", "unit", "time", "group", "cohort", "cluster")


def _absent(values: pd.Series, wanted: object) -> bool:
    from evalkit.estimate._paired import equal_mask

    if bool(equal_mask(values, wanted).any()):  # found as is (missing values never match)
        return False
    present = values.dropna()
    return not bool((present == wanted).any()) and str(wanted) not in set(present.astype(str))


def outcome_problems(project: Project, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Every outcome field that names a column or a value the data does not hold.

    Each problem starts with its project.yaml path (``outcomes[0].pre: wave 'pre' not found
    in column 'wave' of data/survey.csv (values there: 前测, 后测)``). Outcomes whose source
    table is missing (reported elsewhere) are skipped.
    """
    from evalkit.data.load import relative_name

    out: list[str] = []
    for k, oc in enumerate(project.outcomes):
        df = tables.get(oc.source)
        if df is None or df.empty:  # no file, or no rows yet (reported with the file)
            continue
        where = f"outcomes[{k}]"
        file = relative_name(project, oc.source)
        named: list[tuple[str, str]] = [(f, getattr(oc, f)) for f in _COLUMN_FIELDS
                                        if getattr(oc, f) is not None]
        named += [(f"covariates[{j}]", c) for j, c in enumerate(oc.covariates)]
        if oc.scale is not None:
            named += [(f"scale.items[{j}]", c) for j, c in enumerate(oc.scale.items)]
        if oc.compare is not None:
            named.append(("compare.column", oc.compare.column))
        named += [(f"filter.{c}", c) for c in oc.filter]
        lost = [(f, c) for f, c in named if c not in df.columns]
        for f, c in lost:
            out.append(f"{where}.{f}: column {c!r} not found in {file} (data.{oc.source}; "
                       f"columns: {', '.join(map(str, df.columns[:12]))})")
        if lost:
            continue
        if oc.design == "prepost" and oc.time is not None:
            rows = _filtered(df, oc, where)
            for role in ("pre", "post"):
                label = getattr(oc, role)
                if _absent(rows[oc.time], label):
                    seen = ", ".join(str(v) for v in rows[oc.time].dropna().unique()[:10])
                    out.append(f"{where}.{role}: wave {label!r} not found in column "
                               f"{oc.time!r} of {file} (values there: {seen or 'none'})")
        out += _design_problems(oc, _filtered(df, oc, where), where, file)
        if oc.compare is not None:
            for role in ("treated", "control"):
                label = getattr(oc.compare, role)
                if _absent(df[oc.compare.column], label):
                    seen = ", ".join(str(v) for v in df[oc.compare.column].dropna().unique()[:10])
                    out.append(f"{where}.compare.{role}: {label!r} not found in column "
                               f"{oc.compare.column!r} of {file} (values there: {seen or 'none'})")
    return out


def _design_problems(oc: Outcome, df: pd.DataFrame, where: str, file: str) -> list[str]:
    """ITS with fewer than 3 periods before ``its.start``; synth with a pilot unit that has
    no period before the service (each named by its project.yaml path)."""
    import pandas as pd

    from evalkit.estimate.its import MIN_PRE_PERIODS

    out: list[str] = []
    if oc.design == "its" and oc.its is not None and oc.time is not None:
        if oc.its.control is not None and oc.its.control not in df.columns:
            return [f"{where}.its.control: column {oc.its.control!r} not found in {file}"]
        t = pd.to_numeric(df[oc.time], errors="coerce")
        if oc.its.control is not None:
            t = t[pd.to_numeric(df[oc.its.control], errors="coerce").fillna(1) == 0]
        before = int(t[t < oc.its.start].nunique())
        if before < MIN_PRE_PERIODS:
            out.append(f"{where}.its.start: only {before} period(s) of {oc.time!r} before "
                       f"start={oc.its.start:g} in {file}; an interrupted time series needs "
                       f"at least {MIN_PRE_PERIODS} to estimate the trend before the service "
                       "(add earlier periods, or use design: prepost)")
    if oc.design == "synth" and oc.unit and oc.group and oc.post:
        group = pd.to_numeric(df[oc.group], errors="coerce")
        post = pd.to_numeric(df[oc.post], errors="coerce")
        pilots = df.loc[(group == 1).fillna(False), oc.unit]
        seen = {str(u) for u in df.loc[((group == 1) & (post == 0)).fillna(False), oc.unit]}
        lacking = sorted({str(u) for u in pilots} - seen)
        if lacking:
            out.append(f"{where}.group: pilot unit(s) {', '.join(lacking[:10])} have no period "
                       f"before the service ({oc.post!r} = 0) in {file}; synthetic control "
                       "needs each pilot's path before the start (add earlier periods or "
                       "drop these units)")
        if pilots.empty:
            out.append(f"{where}.group: no row with {oc.group!r} = 1 in {file} (no pilot unit)")
    return out


def _its(oc: Outcome, df: pd.DataFrame, where: str) -> tuple[EffectResult, dict[str, Any]]:
    """One row per period (rows of one period, and series, averaged) into :func:`its`."""
    from evalkit.estimate.its import its

    assert oc.outcome and oc.time and oc.its
    spec = oc.its
    keys = [oc.time] + ([spec.control] if spec.control else [])
    season = spec.season if isinstance(spec.season, int) else None
    extra_cols = [spec.season] if isinstance(spec.season, str) else []
    frame = df[[*keys, oc.outcome, *extra_cols]]
    if frame.duplicated(subset=keys).any():  # several rows a period: the period's mean
        import pandas as pd

        agg: dict[str, Any] = {oc.outcome: "mean", **{c: "first" for c in extra_cols}}
        frame = frame.assign(**{oc.outcome: pd.to_numeric(frame[oc.outcome], errors="coerce")}
                             ).groupby(keys, as_index=False).agg(agg)
    result = its(frame, oc.outcome, oc.time, spec.start, control=spec.control,
                 season=spec.season if isinstance(spec.season, str) else season,
                 hac_lags=spec.hac_lags)
    return result, {}


def _synth(oc: Outcome, df: pd.DataFrame, where: str) -> tuple[EffectResult, dict[str, Any]]:
    """Pilot unit(s) (``group`` = 1) from the first ``post`` period on, against the donors."""
    import pandas as pd

    from evalkit.estimate.synth import synth
    from evalkit.model.outcomes import SynthSpec

    assert oc.outcome and oc.unit and oc.time and oc.group and oc.post
    spec = oc.synth or SynthSpec()
    treated = "_evalkit_treated"
    group = pd.to_numeric(df[oc.group], errors="coerce")
    post = pd.to_numeric(df[oc.post], errors="coerce")
    frame = df[[oc.unit, oc.time, oc.outcome]].assign(
        **{treated: ((group == 1) & (post == 1)).fillna(False).astype("int64")})
    result = synth(frame, oc.outcome, oc.unit, oc.time, treated, method=spec.method,
                   se=spec.se, reps=spec.reps, seed=spec.seed)
    from dataclasses import replace

    # ek.synth rates the evidence itself (synthetic_level, extra["rating_checks"])
    return replace(result, spec={**result.spec, "treatment": f"{oc.group} × {oc.post}"}), {}


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
        if oc.sensitivity is not None:
            from evalkit.estimate.honest import honest_did

            s = oc.sensitivity
            details["honest_did"] = honest_did(details["event_study"], method=s.method,
                                               m=s.m)
    return result, details


def _labelled(result: EffectResult, oc: Outcome) -> EffectResult:
    """Attach the outcome's names (zh/en) and unit for plain-language sentences."""
    from evalkit.estimate.results import with_extra

    extra = {**result.extra, "label": oc.name.en, "label_en": oc.name.en, "label_zh": oc.name.zh}
    if oc.unit_label is not None:
        extra |= {"unit_en": oc.unit_label.en, "unit_zh": oc.unit_label.zh}
    return with_extra(result, extra)


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
    ``event_study`` and, with ``sensitivity:``, ``honest_did`` (the frame of
    :func:`evalkit.honest_did`). ``design: its`` and ``design: synth`` give one effect each
    (:func:`evalkit.its`, :func:`evalkit.synth`).
    """
    effects: dict[str, EffectResult] = {}
    details: dict[str, dict[str, Any]] = {}
    problems = outcome_problems(project, evidence.tables)
    if problems:
        raise DataError(f"{len(problems)} outcome problem(s)", problems=problems,
                        hint="fix the outcomes named above in project.yaml or the data")
    for k, oc in enumerate(project.outcomes):
        where = f"outcomes[{k}] ({oc.id})"
        df = _filtered(evidence[oc.source], oc, where)
        run = {"prepost": _prepost, "did": _did, "its": _its, "synth": _synth}[oc.design]
        try:
            result, details[oc.id] = run(oc, df, where)
        except EvalkitError as exc:  # name the outcome by its project.yaml path
            raise type(exc)(f"{where}: {exc.message}", hint=exc.hint,
                            problems=exc.problems) from exc
        effects[oc.id] = _labelled(result, oc)
        comparison = details[oc.id].pop("comparison", None)
        if comparison is not None:
            # the same outcome against a comparison group (ANCOVA): a stronger design,
            # reported as its own effect so scripts, reports and renewal rules can weigh both
            effects[f"{oc.id}_vs_comparison"] = _labelled(comparison, oc)
    return effects, details
