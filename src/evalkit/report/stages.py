"""Results of the assess stage (acceptance, renewal, value, scorecard) as plain records.

Each converter reads the fields it knows with ``getattr`` and a default, so that a stage
still being built (or a custom result object) never stops a report: what is missing is
None and the template leaves it out. Two-language statements become ``{"zh", "en"}``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from evalkit.report.plain import plain, table

if TYPE_CHECKING:
    from evalkit.report.plain import Disclosure

__all__ = ["acceptance_record", "cadence_record", "renewal_record", "scorecard_record",
           "value_record"]


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Field ``name`` of a result object or mapping."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _num(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _statements(items: Any, rules: Disclosure) -> list[Any]:
    return [plain(s, rules) for s in (items or ())]


def _records(frame: Any, rules: Disclosure) -> list[dict[str, Any]]:
    if frame is None or not hasattr(frame, "to_dict"):
        return []
    converted = table(frame, rules)
    return list(converted["records"]) if converted else []


def _named(rec: dict[str, Any], ident: str) -> dict[str, Any]:
    rec = dict(rec)
    rec["id"] = rec.get(ident)
    if "name_zh" in rec or "name_en" in rec:
        rec["name"] = {"zh": rec.get("name_zh") or rec.get("name_en") or rec["id"],
                       "en": rec.get("name_en") or rec.get("name_zh") or rec["id"]}
    return rec


def _reasons(obj: Any) -> list[Any]:
    """The verdict's reasons less what the block prints anyway: the conditions (printed under
    their own heading) and the plain weighted-share statement (printed once, as a number)."""
    conditions = list(_get(obj, "conditions", ()) or ())
    shown = _num(_get(obj, "weighted_share", None)) is not None

    def plain_share(r: Any) -> bool:  # "weighted share 88%", not "… is below the required …"
        return (_get(r, "key", None) == "weighted_share"
                and "below" not in str(_get(r, "en", "")))

    return [r for r in (_get(obj, "reasons", ()) or ())
            if r not in conditions and not (shown and plain_share(r))]


#: a criterion's operator in words (a report never prints a bare ">=")
_OP_WORDS = {">=": ("不低于", "at least"), "<=": ("不高于", "at most"), "==": ("等于", "exactly")}


def _criterion(rec: dict[str, Any]) -> dict[str, Any]:
    """A criteria row with ``target_text`` and ``actual_text`` ({zh, en}): the operator in words
    ("不低于 24"); a criterion judged on evidence alone reads as the evidence it needs, and a
    veto (zero-tolerance) item such as "no serious accident" has the target 无 / none — never
    an operator and a bare count (``>= 1``)."""
    from evalkit.report.environment import fmt_num

    rec = _named(rec, "criterion_id")
    target, actual = fmt_num(rec.get("target")), fmt_num(rec.get("actual"))
    if rec.get("indicator_id"):
        op = str(rec.get("operator") or ">=")
        zh, en = _OP_WORDS.get(op, (op, op))
        rec["target_text"] = {"zh": f"{zh} {target}", "en": f"{en} {target}"}
        rec["actual_text"] = {"zh": actual, "en": actual}
        return rec
    verified = {"zh": f"已核验 {actual}/{target} 份佐证材料",
                "en": f"{actual} of {target} pieces of evidence verified"}
    rec["target_text"] = ({"zh": "无", "en": "none"} if rec.get("veto") else
                          {"zh": f"佐证材料 {target} 份", "en": f"{target} pieces of evidence"})
    rec["actual_text"] = verified
    return rec


def acceptance_record(obj: Any, rules: Disclosure) -> dict[str, Any]:
    """``verdict, criteria [..], conditions [{zh,en}], reasons [{zh,en}], deadline,
    weighted_share``. ``reasons`` leaves out the conditions and the weighted share, which
    the block prints once each."""
    return {
        "verdict": plain(_get(obj, "verdict", None), rules),
        "criteria": [_criterion(r) for r in _records(_get(obj, "criteria", None), rules)],
        "conditions": _statements(_get(obj, "conditions", ()), rules),
        "reasons": _statements(_reasons(obj), rules),
        "deadline": plain(_get(obj, "deadline", None), rules),
        "weighted_share": _num(_get(obj, "weighted_share", None)),
    }


def renewal_record(obj: Any, rules: Disclosure) -> dict[str, Any]:
    """``recommendation, reasons [{zh,en}], consequence {zh,en}, grade``."""
    return {
        "recommendation": plain(_get(obj, "recommendation", None), rules),
        "reasons": _statements(_get(obj, "reasons", ()), rules),
        "consequence": plain(_get(obj, "consequence", None), rules),
        "grade": plain(_get(obj, "grade", None), rules),
    }


def _bilingual(rec: dict[str, Any], stem: str) -> dict[str, Any] | None:
    zh, en = rec.get(f"{stem}_zh"), rec.get(f"{stem}_en")
    if not zh and not en:
        return None
    return {"zh": zh or en, "en": en or zh}


def scorecard_record(obj: Any, rules: Disclosure) -> dict[str, Any]:
    """``total, grade {zh,en}, nodes [{id, parent_id, depth, name, max_points, points,
    deducted, reason, evidence_status}], veto [..], roles {role: points}, agreement
    {icc, ci, band, roles, n_items} | None``."""
    grade = _get(obj, "grade", None)
    grade_en = _get(obj, "grade_en", None)
    nodes = []
    for rec in _records(_get(obj, "nodes", None), rules):
        rec = _named(rec, "node_id")
        rec["reason"] = _bilingual(rec, "reason")
        rec["criteria"] = _bilingual(rec, "criteria")
        rec["evidence"] = _bilingual(rec, "evidence")
        nodes.append(rec)
    return {
        "total": _num(_get(obj, "total", None)),
        "grade": ({"zh": str(grade), "en": str(grade_en or grade)} if grade is not None
                  else None),
        "nodes": nodes,
        "veto": _statements(_get(obj, "veto", ()), rules),
        "roles": plain(_get(obj, "roles", None), rules),
        "agreement": _agreement(_get(obj, "agreement", None)),
    }


def _agreement(obj: Any) -> dict[str, Any] | None:
    """Rater agreement (ICC) as plain values: ``icc, ci [low, high], band, roles, n_items``."""
    if obj is None:
        return None
    rec = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return {"icc": float(rec["icc"]), "ci": [float(v) for v in rec["ci"]],
            "band": str(rec["band"]), "roles": [str(r) for r in rec["roles"]],
            "n_items": int(rec["n_items"])}


def cadence_record(obj: Any, rules: Disclosure) -> dict[str, Any]:
    """``rules [{id, name, per, min, periods, met, missed, compliance, missed_periods}]``."""
    return {"rules": [_named(r, "rule_id")
                      for r in _records(_get(obj, "rules", None), rules)]}


def value_record(obj: Any, rules: Disclosure) -> dict[str, Any]:
    """Budget execution, costs and SROI.

    Keys: ``budget, spent, execution_rate, unspent, lines [..], management_fee,
    management_fee_share, fee_band, fee_flag, participants, cost, cost_per_participant,
    cost_per_output [..], cost_per_outcome [..], sroi {ratio, net, pv, inputs, payback_years,
    discount_rate, factors [..]} | None, flags [{zh,en}]``.
    """
    sroi = _get(obj, "sroi", None)
    sroi_rec: dict[str, Any] | None = None
    if sroi is not None:
        found: dict[str, Any] = {key: _num(_get(sroi, key))
                    for key in ("ratio", "net", "pv", "inputs", "payback_years",
                                "payback_months_simple", "discount_rate")}
        found["factors"] = _records(_get(sroi, "factors", None), rules)
        found["warnings"] = [str(w) for w in _get(sroi, "warnings", ()) or ()]
        sroi_rec = found
    band = _get(obj, "fee_band", None)
    return {
        **{key: _num(_get(obj, key))
           for key in ("budget", "spent", "execution_rate", "unspent", "management_fee",
                       "management_fee_share", "participants", "cost",
                       "cost_per_participant")},
        "fee_band": [_num(b) for b in band] if band is not None else None,
        "fee_flag": plain(_get(obj, "fee_flag", None), rules),
        "lines": [_named(r, "line_id") for r in _records(_get(obj, "lines", None), rules)],
        "cost_per_output": _records(_get(obj, "cost_per_output", None), rules),
        "cost_per_outcome": _records(_get(obj, "cost_per_outcome", None), rules),
        "sroi": sroi_rec,
        "flags": _statements(_get(obj, "flags", ()), rules),
    }
