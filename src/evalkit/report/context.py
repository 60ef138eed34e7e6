"""Evaluation -> the plain, language-neutral context every report template receives.

The context holds numbers, ids and every name in both languages (``{"zh": …, "en": …}``);
templates pick the language with ``label()`` and format numbers with filters (see
:mod:`evalkit.report.environment`). Every part produced by a later-built stage (scorecard,
acceptance, value, renewal, cadence, supporting analyses) is optional: when it is missing or
None its key holds None and the template leaves the section out. The full list of keys is
documented in ``docs/reports.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.data.load import sha256_file
from evalkit.data.privacy import (
    is_small,
    person_id_columns,
    redact_text,
    small_cell,
)
from evalkit.estimate.power import mde_record
from evalkit.report.analytics import analytics_record
from evalkit.report.designs import design_records, design_rules, limitations_used, methods_used
from evalkit.report.disclosure import disclose
from evalkit.report.effects import effect_record
from evalkit.report.ledger import secrets
from evalkit.report.plain import Disclosure, bilingual, plain, records
from evalkit.report.quality import readable_details
from evalkit.report.stage_context import (
    acceptance_context,
    scorecard_context,
    stage,
    value_context,
)
from evalkit.report.stages import cadence_record, renewal_record
from evalkit.report.standing import MET_STATUSES, indicator_summary, rules_used, standing

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["MET_STATUSES", "REPORTS", "build_context", "disclosure_rules", "standing"]

REPORTS = ("evaluation", "acceptance")
VOICE_COLUMNS = ("comment", "comments", "feedback", "remarks", "suggestion", "suggestions",
                 "意见", "建议", "意见建议")
#: supporting analyses shown in the data-quality section, in this order
DETAIL_KEYS = ("attrition", "baseline", "missing", "reliability", "rci", "wilcoxon", "means")


_text = bilingual
_stage = stage
_indicator_summary = indicator_summary


def _project(ev: Evaluation) -> dict[str, Any]:
    info = ev.project.project
    contract = getattr(ev.project, "contract", None)
    return {
        "id": info.id,
        "name": _text(info.name),
        "purchaser": _text(info.purchaser),
        "provider": _text(info.provider),
        "period": {"start": info.period.start.isoformat(), "end": info.period.end.isoformat()},
        "currency": info.currency,
        "summary": _text(info.summary),
        "contract_amount": float(contract.amount) if contract is not None else None,
    }


def _logic_model(ev: Evaluation) -> dict[str, Any] | None:
    lm = getattr(ev.project, "logic_model", None)
    if lm is None:
        return None
    levels = [
        {"id": level, "elements": [{"id": e.id, "text": _text(e.text)} for e in elements]}
        for level, elements in lm.by_level().items()
    ]
    return {
        "levels": [lv for lv in levels if lv["elements"]],
        "links": [[link.source, link.target] for link in lm.links],
        "assumptions": [_text(a) for a in lm.assumptions],
        "external_factors": [_text(a) for a in lm.external_factors],
    }


def _people_sources(ev: Evaluation, rules: Disclosure) -> set[str]:
    """Data sources whose rows are people (they hold a personal or person-id column)."""
    marks = rules.personal | rules.person_ids
    out = set()
    for name, source in ev.project.data.items():
        cols = set(source.columns) | set(source.key)
        frame = dict(ev.evidence.tables).get(name)
        if frame is not None:
            cols |= {str(c) for c in frame.columns}
        if cols & marks:
            out.add(name)
    return out


def _indicator_record(row: dict[str, Any], rules: Disclosure, people: bool) -> dict[str, Any]:
    rec = {k: plain(v, rules) for k, v in row.items() if k not in rules.personal}
    rec["band"] = rec.get("status")
    rec["status"] = standing(rec.get("status"), rec.get("met"), rec.get("basis"))
    rec["id"] = rec.get("indicator_id")
    rec["name"] = {"zh": rec.get("name_zh") or rec["id"], "en": rec.get("name_en") or rec["id"]}
    rec["unit"] = {"zh": rec.get("unit_zh") or "", "en": rec.get("unit_en") or ""}
    rec["suppressed"] = people and is_small(row.get("n"), rules.threshold)
    if rec["suppressed"]:
        hidden = small_cell(rules.threshold)
        for key in ("actual", "numerator", "denominator", "achievement", "to_date", "n"):
            rec[key] = hidden
    return rec


def _indicators(ev: Evaluation, rules: Disclosure) -> list[dict[str, Any]]:
    """One record per indicator (its whole-project row) with ``periods`` and ``breakdown``
    (disaggregated rows) nested. A cell computed from fewer people than the threshold is
    "<k"; indicators counting activities (sources without people in them, e.g. a service
    log) are not suppressed."""
    frame = getattr(ev, "indicators", None)
    if frame is None or len(frame) == 0:
        return []
    sources = {ind.id: ind.source for ind in ev.project.indicators}
    people = _people_sources(ev, rules)
    rows = [_indicator_record(r, rules, sources.get(r.get("indicator_id")) in people
                              or sources.get(r.get("indicator_id")) is None)
            for r in records(frame)]
    main: dict[str, dict[str, Any]] = {}
    extra: list[dict[str, Any]] = []
    for rec in rows:
        disaggregated = bool(rec.get("disaggregation"))
        if rec.get("period", "total") == "total" and not disaggregated:
            main[str(rec["id"])] = {**rec, "periods": [], "breakdown": []}
        else:
            extra.append(rec)
    for rec in extra:
        parent = main.get(str(rec["id"]))
        if parent is None:
            continue
        parent["breakdown" if rec.get("disaggregation") else "periods"].append(rec)
    for rec in main.values():
        rec["by_period"] = {str(p["period"]): p for p in rec["periods"]}
    return list(main.values())


def _period_labels(indicators: list[dict[str, Any]]) -> list[str]:
    """Period keys in time order (by first day; contract keys Q2 before Q10)."""
    first: dict[str, str] = {}
    for r in indicators:
        for p in r["periods"]:
            key = str(p["period"])
            first[key] = min(first.get(key, "9999"), str(p.get("period_start") or "9999"))
    return sorted(first, key=lambda k: (first[k], k))


def _period_names(ev: Evaluation) -> dict[str, dict[str, str]]:
    """Period key -> printable label {zh, en}: 项目第1季度（2025年3月1日–5月31日）, 第3周（…）."""
    out: dict[str, dict[str, str]] = {}
    frames = [getattr(ev, "indicators", None),
              getattr(getattr(ev, "cadence", None), "periods", None)]
    for frame in frames:
        if frame is None or not {"period", "label_zh", "label_en"} <= set(frame.columns):
            continue
        for key, zh, en in zip(frame["period"], frame["label_zh"], frame["label_en"],
                               strict=True):
            if isinstance(zh, str) and zh and str(key) not in out:
                out[str(key)] = {"zh": zh, "en": str(en)}
    return out


def _person_ids(ev: Evaluation) -> frozenset[str]:
    """Columns that identify one person (tables holding them are never shown): the privacy
    layer's rule, :func:`evalkit.data.privacy.person_id_columns` (usual id names such as
    ``worker_id``, units of pre/post outcomes, keys of data sources holding personal
    columns)."""
    return person_id_columns(ev.project)


def disclosure_rules(evaluation: Evaluation) -> Disclosure:
    """The disclosure rules of a report: the project's threshold, its personal columns
    (dropped from every table) and its person-id columns (a table holding one is not shown)
    — together every column :func:`evalkit.data.privacy.identifying_columns` names."""
    project = evaluation.project
    return Disclosure(threshold=int(project.privacy.disclosure_threshold),
                      personal=frozenset(project.personal_columns()),
                      person_ids=_person_ids(evaluation))


def _detail_labels(ev: Evaluation, outcome_id: str) -> dict[str, Any]:
    """Scale item names (the data dictionary's descriptions), group and wave values of one
    outcome, for :func:`~evalkit.report.quality.readable_details`."""
    oc = next((o for o in ev.project.outcomes if o.id == outcome_id), None)
    if oc is None:
        return {"item_labels": {}}
    source = ev.project.data.get(oc.source)
    items = {name: _text(col.description) for name, col in (source.columns.items()
             if source is not None else ()) if col.description is not None}
    groups = ((str(oc.compare.treated), str(oc.compare.control))
              if oc.compare is not None else None)
    waves = (str(oc.pre), str(oc.post)) if oc.pre and oc.post else None
    return {"item_labels": items, "groups": groups, "waves": waves}


def _column_labels(ev: Evaluation) -> dict[str, dict[str, str]]:
    """Data column -> its description ``{zh, en}`` (data dictionary), for notes and tables."""
    out: dict[str, dict[str, str]] = {}
    for source in ev.project.data.values():
        for name, col in source.columns.items():
            text = _text(col.description)
            if text is not None:
                out.setdefault(name, text)
    return out


def _checks_at_threshold(ev: Evaluation) -> tuple[Any, ...]:
    """The miscount checks with their row counts written under the report's disclosure
    threshold: checks written under a lower one (the project's threshold was raised after
    evaluating) are computed again, so no count from fewer records than it is printed."""
    checks = tuple(getattr(ev, "intake_checks", ()))
    k = int(ev.project.privacy.disclosure_threshold)
    if not any(0 < int(getattr(c, "threshold", 0)) < k for c in checks):
        return checks
    from evalkit.assess.miscounts import intake_checks

    return tuple(intake_checks(ev.project, ev.evidence, getattr(ev, "indicators", None)))


def _intake_checks(ev: Evaluation) -> list[dict[str, Any]]:
    """The miscount checks, with each data column named by its description (a reader of the
    report sees “活动类型”, not “activity_type”). Only a column name as the checks quote it
    is replaced (``“col”`` in zh, ``'col'`` in en): a bare word of the sentence that happens
    to be a column's name (a column called ``category``) is left as written."""
    labels = _column_labels(ev)
    out = []
    for check in _checks_at_threshold(ev):
        rec = check.to_dict()
        for lang, (left, right) in (("zh", ("“", "”")), ("en", ("'", "'"))):
            text = rec[lang]
            for column, name in labels.items():
                if name.get(lang):
                    text = text.replace(f"{left}{column}{right}", f"{left}{name[lang]}{right}")
            rec[lang] = text
        out.append(rec)
    return out


#: what the name of an outcome's comparison-group estimate adds (its table row and heading
#: would otherwise repeat the served group's own pre/post change)
_VS_COMPARISON = {"zh": "（与对照组比较）", "en": " (against the comparison group)"}


def _methods_used(effects: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Formulas, assumptions and limitations of the methods appendix, for the designs used."""
    used = methods_used(effects)
    return {**used, "limitations": limitations_used(effects, used)}


def _effects(ev: Evaluation, rules: Disclosure) -> list[dict[str, Any]]:
    from evalkit._text import lead_pair

    names = {oc.id: _text(oc.name) for oc in ev.project.outcomes}
    for oid in ev.effects:  # the comparison-group estimate of an outcome, named as such
        base = names.get(oid.removesuffix("_vs_comparison"))
        if oid.endswith("_vs_comparison") and oid not in names and base is not None:
            names[oid] = {lang: f"{base[lang]}{_VS_COMPARISON[lang]}" for lang in ("zh", "en")}
    out = []
    for oid, result in dict(ev.effects).items():
        rec = effect_record(result, rules, outcome_id=oid, name=names.get(oid))
        rec["lead"] = lead_pair(rec["name"])  # the name starting a heading or a sentence
        rec["mde"] = mde_record(result)  # smallest change the sample could detect (statsmodels)
        details = dict((getattr(ev, "details", {}) or {}).get(oid, {}) or {})
        study = details.get("event_study")
        rec["event_study"] = (effect_record(study, rules, outcome_id=oid, name=names.get(oid))
                              if study is not None and hasattr(study, "estimate") else None)
        rec["supporting"] = [
            {"key": key, **effect_record(value, rules, outcome_id=oid, name=names.get(oid))}
            for key, value in details.items()
            if key != "event_study" and value is not None and hasattr(value, "estimate")
        ]
        rec["details"] = readable_details({
            key: plain(details[key], rules)
            for key in (*DETAIL_KEYS, *sorted(set(details) - set(DETAIL_KEYS)
                                               - {"event_study", "honest_did"}))
            if key in details and details[key] is not None
            and not hasattr(details[key], "estimate")
        }, **_detail_labels(ev, oid))
        out.append(rec)
    return out


def _missing(ev: Evaluation, rules: Disclosure) -> list[dict[str, Any]]:
    """Missing values per data source and column; ``name`` and ``label`` are the data
    dictionary's descriptions (``{zh, en}``; the id when the dictionary has none)."""
    out = []
    for name, frame in dict(ev.evidence.tables).items():
        source = ev.project.data.get(name)
        described = source.columns if source is not None else {}
        cols = []
        for col, missing in zip(frame.columns, _missing_counts(frame), strict=True):
            if col in rules.personal:
                continue
            if missing:
                spec = described.get(str(col))
                cols.append({"column": str(col), "missing": missing,
                             "label": _text(spec.description) if spec is not None
                             and spec.description is not None else _text(str(col)),
                             "share": missing / len(frame) if len(frame) else None})
        out.append({"source": name, "rows": len(frame), "columns": cols,
                    "name": _text(source.description) if source is not None
                    and source.description is not None else _text(name)})
    return out


def _missing_counts(frame: Any) -> list[int]:
    """Missing values of each column of ``frame``, in column order: counted for the whole
    table at once (one pass per block of columns) when its column names are unique."""
    if frame.columns.is_unique:
        return [int(n) for n in frame.isna().sum().tolist()]
    return [int(frame[col].isna().sum()) for col in frame.columns]


def _voices(ev: Evaluation, rules: Disclosure) -> dict[str, Any] | None:
    config = dict(ev.project.report.get("voices", {}) or {})
    tables = dict(ev.evidence.tables)
    candidates = ([(config["source"], config["column"])] if "source" in config else
                  [(s, c) for s, f in tables.items() for c in f.columns if str(c) in VOICE_COLUMNS])
    for source, column in candidates:
        if source not in tables or column not in tables[source].columns:
            continue
        if column in rules.personal:
            return None
        texts = [str(v).strip() for v in tables[source][column].dropna().tolist()]
        texts = [t for t in texts if t]
        distinct = list(dict.fromkeys(texts))
        if not texts:
            continue
        known = secrets(ev)  # only the values a comment holds can change it
        limit = int(config.get("limit", 12))
        shown = [redact_text(t, [v for v in known if v in t]) for t in distinct[:limit]
                 ] if not is_small(len(texts), rules.threshold) else []
        return {"source": source, "column": str(column), "n": plain(len(texts), rules) if shown
                else small_cell(rules.threshold), "items": shown}
    return None


def _contract(ev: Evaluation, indicators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    contract = getattr(ev.project, "contract", None)
    if contract is None:
        return []
    by_id = {r["id"]: r for r in indicators}
    rows = []
    for c in contract.criteria:
        ind = by_id.get(c.indicator, {})
        ach = ind.get("achievement")
        met = None if not isinstance(ach, float | int) else bool(ach >= 1.0 - 1e-9)
        rows.append({
            "id": c.id, "name": _text(c.name), "indicator": c.indicator,
            "target": c.target if c.target is not None else ind.get("target"),
            "actual": ind.get("actual"), "unit": ind.get("unit", {"zh": "", "en": ""}),
            "achievement": ach, "mandatory": c.mandatory, "weight": c.weight,
            "evidence": [_text(e) for e in c.evidence], "met": met,
        })
    return rows


def _stamp(ev: Evaluation, template: Path | None) -> dict[str, Any]:
    from evalkit import __version__

    spec = getattr(ev.project, "path", None)
    files = dict(getattr(ev.evidence, "files", {}) or {})
    created = getattr(ev, "created", None) or dt.datetime.now(dt.UTC)
    return {
        "evalkit_version": __version__,
        "created": created.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "spec": {"file": Path(spec).name if spec else None,
                 "sha256": getattr(ev.project, "sha256", None) or sha256_file(spec)},
        "data": [{"name": name, "file": Path(files[name]).name if name in files else name,
                  "sha256": digest}
                 for name, digest in sorted(dict(ev.evidence.sha256).items())],
        "template": {"file": template.name if template else None,
                     "sha256": sha256_file(template)},
    }


def build_context(evaluation: Evaluation, *, report: str = "evaluation",
                  template: Path | None = None) -> dict[str, Any]:
    """The context dict for ``report`` ("evaluation" or "acceptance").

    Parameters
    ----------
    evaluation
        The evaluation to report on (not modified).
    report
        Which report the context is for; recorded as ``report``.
    template
        The main template file, hashed into the reproducibility stamp.

    Returns
    -------
    dict
        Plain data only (dict, list, str, int, float, bool, None). Cells computed from fewer
        people than the disclosure threshold hold the text ``"<k"``; personal columns are
        absent. Keys are listed in ``docs/reports.md``.
    """
    rules = disclosure_rules(evaluation)
    indicators = _indicators(evaluation, rules)
    effects = _effects(evaluation, rules)
    notes = list(dict.fromkeys(n for e in effects for n in
                               [*e["notes"], *((e["event_study"] or {}).get("notes", []))]))
    note_data = list({r["text"]: r for e in effects for r in
                      [*e["note_data"], *((e["event_study"] or {}).get("note_data", []))]
                      }.values())
    context = {
        "report": report,
        "project": _project(evaluation),
        "privacy": {"threshold": rules.threshold, "small_cell": small_cell(rules.threshold)},
        "logic_model": _logic_model(evaluation),
        "indicators": indicators,
        "indicator_summary": _indicator_summary(indicators),
        "indicator_rules": rules_used(indicators),
        "indicator_periods": _period_labels(indicators),
        "period_labels": _period_names(evaluation),
        "intake_checks": _intake_checks(evaluation),
        "effects": effects,
        "designs": sorted({e["design"] for e in effects}),
        "methods_used": _methods_used(effects),
        "design_notes": design_records(evaluation, rules),
        "design_rules": design_rules(),
        "missing": _missing(evaluation, rules),
        "voices": _voices(evaluation, rules),
        "contract": _contract(evaluation, indicators),
        "scorecard": scorecard_context(evaluation, rules),
        "acceptance": acceptance_context(evaluation, rules),
        "value": value_context(evaluation, rules, indicators),
        "renewal": _stage(getattr(evaluation, "renewal", None), rules, renewal_record),
        "cadence": _stage(getattr(evaluation, "cadence", None), rules, cadence_record),
        "method_notes": notes,
        "method_note_data": note_data,
        "column_labels": _column_labels(evaluation),
        "analytics": analytics_record(evaluation, rules),
        "stamp": _stamp(evaluation, template),
        "charts": {},
    }
    return disclose(context, evaluation)  # last step: nothing reaches a template before it
