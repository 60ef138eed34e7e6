"""Results of the assess stage as context records, with what a reader needs besides the
numbers (issue 12): amounts' unit, budget lines' status, outputs and SROI outcomes by name,
evidence by the contract's names, rater roles' names."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from evalkit._money import money_unit
from evalkit.errors import EvalkitWarning
from evalkit.report.plain import Disclosure, bilingual, plain, table
from evalkit.report.stages import acceptance_record, scorecard_record, value_record

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["acceptance_context", "scorecard_context", "stage", "value_context"]

_text = bilingual


def stage(obj: Any, rules: Disclosure,
          convert: Callable[[Any, Disclosure], dict[str, Any]] | None) -> dict[str, Any] | None:
    """A result of the assess stage: the known fields (``convert``), its ``to_frame()`` as
    ``table`` and every field as ``raw`` (for custom templates); None when absent."""
    if obj is None:
        return None
    out: dict[str, Any] = {"table": None}
    if convert is not None:
        try:
            out |= convert(obj, rules)
        except Exception as exc:
            warnings.warn(f"report: part of {type(obj).__name__} left out ({exc})",
                          EvalkitWarning, stacklevel=2)
    frame = getattr(obj, "to_frame", None)
    if callable(frame):
        try:
            out["table"] = table(frame(), rules)
        except Exception:
            out["table"] = None
    rest = plain(obj, rules)
    out["raw"] = rest if isinstance(rest, dict) else {"value": rest}
    return out


def _money(currency: str) -> dict[str, str]:
    """The unit every amount carries: 元 / CNY, or the project's own currency code (the same
    unit as the sentences', :func:`evalkit._money.money_unit`)."""
    return {lang: money_unit(currency, lang) for lang in ("zh", "en")}


def value_context(ev: Evaluation, rules: Disclosure, indicators: list[dict[str, Any]]
           ) -> dict[str, Any] | None:
    """The value stage with amounts' unit (``money``), budget lines' ``flag`` filled (``ok``
    when within budget) and cost per output named, with the cost rule stated once
    (``output_basis``: ``whole_budget`` — each output is charged the whole cost, rows do not
    add up — ``lines`` or ``mixed``)."""
    value = stage(getattr(ev, "value", None), rules, value_record)
    if value is None:
        return None
    value["money"] = _money(str(ev.project.project.currency or ""))
    spec = getattr(ev.project, "value", None)
    sroi_names = {o.id: _text(o.name) for o in (spec.sroi.outcomes if spec is not None
                                               and spec.sroi is not None else [])}
    for factor in (value.get("sroi") or {}).get("factors") or []:
        factor["outcome"] = sroi_names.get(factor.get("outcome_id"))
    for line in value.get("lines") or []:
        line["flag"] = line.get("flag") or "ok"
    by_id = {r["id"]: r for r in indicators}
    outputs = value.get("cost_per_output") or []
    for rec in outputs:
        ind = by_id.get(rec.get("indicator_id"), {})
        rec["name"] = ind.get("name") or {"zh": str(rec.get("indicator_id")),
                                         "en": str(rec.get("indicator_id"))}
        rec["unit"] = ind.get("unit") or {"zh": "", "en": ""}
    bases = {rec.get("basis") for rec in outputs}
    value["output_basis"] = (None if not outputs else bases.pop() if len(bases) == 1
                             else "mixed")
    return value


def acceptance_context(ev: Evaluation, rules: Disclosure) -> dict[str, Any] | None:
    """The acceptance stage; each criterion's ``evidence_detail`` ("sign_in_sheet 26/24; …")
    becomes ``{zh, en}`` with the evidence named as in the contract (签到表 26/24)."""
    acc = stage(getattr(ev, "acceptance", None), rules, acceptance_record)
    contract = getattr(ev.project, "contract", None)
    if acc is None or contract is None:
        return acc
    names = {(item.id, req.type): req.name for item in contract.items()
             for req in item.evidence}
    for c in acc.get("criteria") or []:
        detail = c.get("evidence_detail")
        if not isinstance(detail, str) or not detail:
            continue
        parts = []
        for part in detail.split("; "):
            kind, _, counts = part.rpartition(" ")
            name = names.get((c.get("id"), kind))
            parts.append((name, kind, counts))
        c["evidence_detail"] = {
            lang: "；".join(f"{getattr(n, lang) if n is not None else k} {x}"
                           for n, k, x in parts) if lang == "zh" else
            "; ".join(f"{getattr(n, lang) if n is not None else k} {x}" for n, k, x in parts)
            for lang in ("zh", "en")}
    return acc


def scorecard_context(ev: Evaluation, rules: Disclosure) -> dict[str, Any] | None:
    """The scorecard stage with ``role_names`` (rater role -> {zh, en}) for roles evalkit's
    catalogue does not name (``role.<id>`` names the others)."""
    card = stage(getattr(ev, "scorecard", None), rules, scorecard_record)
    if card is not None:
        spec = getattr(ev.project, "scorecard", None)
        names = getattr(spec, "role_names", None) or {}
        card["role_names"] = {str(k): _text(v) for k, v in names.items()}
    return card
