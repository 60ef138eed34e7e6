"""Effect estimates as plain records for reports (both languages, disclosure-controlled)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.data.privacy import is_small, small_cell

if TYPE_CHECKING:
    from evalkit.report.plain import Disclosure

__all__ = ["effect_record"]

#: estimator method names (``EffectResult.method``, by their start) -> ``method.<key>`` label
METHOD_KEYS = (("paired t-test", "paired_t"), ("Wilcoxon signed-rank", "wilcoxon"),
               ("McNemar", "mcnemar"), ("ANCOVA", "ancova"),
               ("difference-in-differences", "did"), ("two-way fixed effects", "twfe"),
               ("event study", "event_study"), ("staggered DiD", "staggered_did"),
               ("interrupted time series", "its"), ("synthetic difference", "sdid"),
               ("synthetic control", "sc"))

_EFFECT_SIZES = ("standardised", "cohens_d", "hedges_g", "cohens_dz", "rank_biserial")


def _float(x: Any) -> float | None:
    from evalkit.report.plain import _number

    try:
        value = _number(x)
    except (TypeError, ValueError):
        return None
    return None if value is None else float(value)


def _sentence(result: Any, lang: str) -> str:
    try:
        return str(result.sentence(lang))
    except Exception:
        return ""


def method_key(method: str) -> str | None:
    """Label key of an estimator's method name (None for a method evalkit does not know).

    >>> method_key("ANCOVA (OLS, classical SE)")
    'ancova'
    """
    return next((key for start, key in METHOD_KEYS if method.startswith(start)), None)


def _significant(ci: Any) -> bool:
    lo, hi = _float(ci[0]), _float(ci[1])
    return lo is not None and hi is not None and (lo > 0 or hi < 0)


def effect_record(result: Any, rules: Disclosure, *, outcome_id: str | None = None,
                  name: dict[str, str] | None = None) -> dict[str, Any]:
    """One estimate as plain data.

    Keys: ``id, name {zh,en}, estimate, se, ci [low, high], ci_level, pvalue, statistic, n,
    n_dropped, method, design, design_label {zh,en}, evidence_level, effect_size,
    effect_size_name, sentence {zh,en}, notes [..], note_data [{key, params, text}],
    table {columns, records}, suppressed``. ``notes`` is the English text; reports render
    ``note_data`` through the label catalogue (:mod:`evalkit.report.notes`).
    When ``n`` is below the disclosure threshold the numbers and sentences are replaced by
    ``"<k"`` and ``suppressed`` is True.
    """
    from evalkit.estimate.evidence import DESIGN_LABELS
    from evalkit.report.notes import note_record
    from evalkit.report.plain import plain, table

    extra = dict(getattr(result, "extra", {}) or {})
    design = str(getattr(result, "design", ""))
    effect_size = None
    effect_size_name = None
    for key in _EFFECT_SIZES:
        if key in extra and _float(extra[key]) is not None:
            effect_size, effect_size_name = _float(extra[key]), key
            break
    ci = getattr(result, "ci", (None, None))
    alpha = float(getattr(result, "alpha", 0.05) or 0.05)
    outcome = str(getattr(result, "outcome", "") or "")
    label = name or {
        "zh": str(extra.get("label_zh", extra.get("label", outcome_id or outcome))),
        "en": str(extra.get("label_en", extra.get("label", outcome_id or outcome))),
    }
    try:
        tidy = table(result.to_frame(), rules)
    except Exception:
        tidy = {"columns": [], "records": []}
    n = getattr(result, "n", None)
    record: dict[str, Any] = {
        "id": outcome_id or outcome,
        "name": label,
        "unit": {"zh": str(extra.get("unit_zh", "")), "en": str(extra.get("unit_en", ""))},
        "estimate": _float(getattr(result, "estimate", None)),
        "se": _float(getattr(result, "se", None)),
        "ci": [_float(ci[0]), _float(ci[1])],
        "ci_level": round(100 * (1 - alpha)),
        "pvalue": _float(getattr(result, "pvalue", None)),
        "statistic": _float(getattr(result, "statistic", None)),
        "n": plain(n, rules),
        "n_dropped": plain(getattr(result, "n_dropped", 0), rules),
        "dropped": plain(dict(getattr(result, "dropped", {}) or {}), rules),
        "method": str(getattr(result, "method", "")),
        "method_key": method_key(str(getattr(result, "method", ""))),
        "design": design,
        "design_label": {lang: DESIGN_LABELS[lang].get(design, design) for lang in ("zh", "en")},
        "evidence_level": plain(getattr(result, "evidence_level", None), rules),
        "effect_size": effect_size,
        "effect_size_name": effect_size_name,
        "sentence": {lang: _sentence(result, lang) for lang in ("zh", "en")},
        "notes": [str(x) for x in getattr(result, "notes", ()) or ()],
        "note_data": [note_record(x) for x in getattr(result, "notes", ()) or ()],
        "table": tidy,
        "significant": _significant(ci),
        "suppressed": False,
    }
    if is_small(n, rules.threshold):
        hidden = small_cell(rules.threshold)
        for key in ("estimate", "se", "pvalue", "statistic", "effect_size", "n"):
            record[key] = hidden
        record["ci"] = hidden
        record["sentence"] = {"zh": "", "en": ""}
        record["table"] = {"columns": [], "records": []}
        record["significant"] = False
        record["suppressed"] = True
    return record
