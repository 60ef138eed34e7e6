"""The form of the document: cover, section plan, basis and methods, satisfaction, funds,
signatures and the list of attachments.

:func:`document_context` adds these keys to a report context (after
:func:`evalkit.report.context.build_context`), so that every writer — HTML, PDF, Word and
Markdown — prints the same chapters in the same order from one plan (:func:`section_plan`):

* ``cover`` — title, project, 购买方, 承接方, 评估机构, 合同编号, 报告编号, 服务周期 and
  报告日期 (``2026年3月1日`` / ``1 March 2026``);
* ``sections`` — the chapters, numbered (一、二、… / 1. 2. …), then the appendices;
* ``basis`` — contract and policy basis, how evidence was gathered, the evaluation team;
* ``satisfaction`` — sample, response rate and a breakdown of each rated item;
* ``funds`` — 结余 and its handling, irregularities in the receipts handed in;
* ``issues`` — 问题与建议 / 整改要求; ``grade_bands`` — the grade table printed with the grade;
* ``signatories`` — the signature and seal block; ``attachments`` — 附件清单;
* ``acceptance_opinion`` — 验收组意见 (``project.acceptance_opinion``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from evalkit.data.privacy import is_small, small_cell
from evalkit.report.plain import records
from evalkit.report.sections import section_plan

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["document_context", "format_date", "section_plan"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_YES = {"yes", "y", "true", "1", "是", "已核验"}
#: data-source names used for the satisfaction section when ``report.satisfaction`` is absent
SATISFACTION_SOURCES = ("satisfaction", "满意度", "satisfaction_survey")

T = Callable[..., str]


def format_date(value: dt.date | str | None, lang: str) -> str:
    """``2026年3月1日`` (zh) or ``1 March 2026`` (en); ``—`` for None.

    >>> format_date(dt.date(2026, 3, 1), "zh"), format_date("2026-03-01", "en")
    ('2026年3月1日', '1 March 2026')
    """
    if value is None:
        return "—"
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _text(obj: Any) -> dict[str, str] | None:
    if obj is None:
        return None
    return {"zh": str(getattr(obj, "zh", obj)), "en": str(getattr(obj, "en", obj))}


def _person(p: Any) -> dict[str, Any]:
    return {"name": _text(p.name), "role": _text(p.role),
            "organization": _text(p.organization)}


def _cover(ev: Evaluation, ctx: Mapping[str, Any], report: str, lang: str) -> dict[str, Any]:
    info = ev.project.project
    # the evaluation's own timestamp (the context's stamp is already written out in words)
    created = getattr(ev, "created", None)
    date = info.report_date or (created.date() if created is not None else None)
    number = (info.acceptance_report_no or info.report_no) if report == "acceptance" \
        else info.report_no
    return {
        "project": _text(info.name), "purchaser": _text(info.purchaser),
        "provider": _text(info.provider), "evaluator": _text(info.evaluator),
        "contract_no": info.contract_no, "report_no": number,
        "period": {"start": format_date(info.period.start, lang),
                   "end": format_date(info.period.end, lang)},
        "date": format_date(date, lang),
    }


def _basis(ev: Evaluation) -> dict[str, Any]:
    info = ev.project.project
    return {"basis": [_text(b) for b in info.basis], "methods": [_text(m) for m in info.methods],
            "team": [_person(p) for p in info.team]}


def _signatories(ev: Evaluation, report: str) -> dict[str, Any]:
    info = ev.project.project
    parties = [{"role": "purchaser", "name": _text(info.purchaser)},
               {"role": "provider", "name": _text(info.provider)}]
    if info.evaluator is not None:
        parties.append({"role": "evaluator", "name": _text(info.evaluator)})
    panel = [_person(p) for p in info.acceptance_panel] if report == "acceptance" else []
    return {"parties": parties, "panel": panel,
            "panel_lines": len(panel) if panel else (3 if report == "acceptance" else 0)}


def _evidence_frame(ev: Evaluation) -> Any:
    contract = getattr(ev.project, "contract", None)
    source = getattr(contract, "evidence_source", None) if contract is not None else None
    if not source:
        return None
    return dict(ev.evidence.tables).get(source)


def _requirement_names(ev: Evaluation) -> dict[str, dict[str, str]]:
    contract = getattr(ev.project, "contract", None)
    names: dict[str, dict[str, str]] = {}
    if contract is None:
        return names
    items = [*contract.criteria, *getattr(contract, "evidence_criteria", []),
             *getattr(contract, "budget_lines", [])]
    for item in items:
        for req in getattr(item, "evidence", []) or []:
            if hasattr(req, "type") and req.type not in names:
                names[req.type] = {"zh": req.name.zh, "en": req.name.en}
    return names


def _count(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _attachments(ev: Evaluation) -> list[dict[str, Any]]:
    """附件清单: one row per evidence file (rows sharing a file are merged, their items
    joined), in the order of the evidence list."""
    frame = _evidence_frame(ev)
    if frame is None or "evidence_type" not in frame.columns:
        return []
    names = _requirement_names(ev)
    rows: dict[str, dict[str, Any]] = {}
    for rec in records(frame):
        kind = str(rec.get("evidence_type") or "").strip()
        file = str(rec.get("file") or "").strip()
        key = file or f"{rec.get('item')}:{kind}"
        count = _count(rec.get("count"))
        count = 1.0 if count is None and file else count
        verified = str(rec.get("verified") or "").strip().lower() in _YES
        row = rows.setdefault(key, {"name": names.get(kind, {"zh": kind, "en": kind}),
                                    "type": kind, "items": [], "count": count, "file": file,
                                    "verified": True})
        item = str(rec.get("item") or "")
        if item and item not in row["items"]:
            row["items"].append(item)
        row["verified"] = row["verified"] and verified
    out = list(rows.values())
    for i, row in enumerate(out, start=1):
        row["no"] = i
    return out


def _receipt_issues(ev: Evaluation, value: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Budget lines whose receipts are missing, short of the required count or not verified."""
    contract = getattr(ev.project, "contract", None)
    frame = _evidence_frame(ev)
    if contract is None or not getattr(contract, "budget_lines", None):
        return []
    out = []
    rows: list[tuple[Any, Any]] = []  # (item as text or NA, row)
    if frame is not None and "item" in frame.columns:
        rows = list(zip(frame["item"].astype("string").tolist(), records(frame), strict=True))
    for line in contract.budget_lines:
        need = sum(getattr(r, "min_count", 1) for r in line.evidence) if line.evidence else 0
        handed = verified = 0.0
        if rows:
            for rec in (rec for item, rec in rows if _same(item, line.id)):
                count = _count(rec.get("count"))
                count = 1.0 if count is None and str(rec.get("file") or "").strip() else count
                handed += count or 0.0
                if str(rec.get("verified") or "").strip().lower() in _YES:
                    verified += count or 0.0
        problem = ("missing" if need and handed == 0 else "short" if handed < need
                   else "unverified" if verified < handed else None)
        if problem:
            out.append({"id": line.id, "name": _text(line.name), "problem": problem,
                        "required": need, "handed": handed, "verified": verified})
    flagged = [r for r in (value or {}).get("lines", [])
               if r.get("flag") not in (None, "", "ok", "none")]
    for r in flagged:
        out.append({"id": r.get("id"), "name": r.get("name"), "problem": f"flag.{r['flag']}",
                    "required": None, "handed": None, "verified": None})
    return out


def _same(item: Any, ident: Any) -> bool:
    """``item == ident`` as a pandas string comparison reads it (NA matches nothing)."""
    return isinstance(item, str) and item == ident


def _funds(ev: Evaluation, ctx: Mapping[str, Any]) -> dict[str, Any] | None:
    value = ctx.get("value")
    if not value:
        return None
    budget, spent = value.get("budget"), value.get("spent")
    surplus = value.get("unspent")
    if surplus is None and budget is not None and spent is not None:
        surplus = budget - spent
    return {"surplus": surplus,
            "surplus_share": surplus / budget if surplus is not None and budget else None,
            "handling": _text(ev.project.project.surplus_handling),
            "receipts": _receipt_issues(ev, value)}


def _satisfaction(ev: Evaluation, threshold: int, t: T) -> dict[str, Any] | None:
    """Sample, response rate and, per rated item (a column with a declared range), the share
    giving each answer and the mean. Items answered by fewer people than the disclosure
    threshold are shown as ``<k``."""
    config = dict(ev.project.report.get("satisfaction", {}) or {})
    tables = dict(ev.evidence.tables)
    name = config.get("source") or next((s for s in SATISFACTION_SOURCES if s in tables), None)
    if name is None or name not in tables or name not in ev.project.data:
        return None
    frame, spec = tables[name], ev.project.data[name]
    columns = config.get("items") or [c for c, col in spec.columns.items()
                                      if col.range is not None and c in frame.columns]
    n = len(frame)
    invited = config.get("invited")
    small = is_small(n, threshold)
    items = []
    for col in columns:
        if col not in frame.columns:
            continue
        values = frame[col].dropna()
        declared = spec.columns.get(col)
        span = declared.range if declared is not None else None
        if span is None:
            if not len(values):
                continue
            span = (float(values.min()), float(values.max()))
        low, high = span
        scale = [int(v) for v in range(int(low), int(high) + 1)]
        answered = len(values)
        hidden = small or is_small(answered, threshold)
        shares = {str(v): (small_cell(threshold) if hidden else
                           float((values == v).sum()) / answered if answered else None)
                  for v in scale}
        desc = declared.description if declared is not None else None
        items.append({"id": col, "name": _text(desc) if desc is not None else
                      {"zh": col, "en": col}, "answered": small_cell(threshold) if hidden
                      else answered, "scale": scale, "shares": shares,
                      "mean": None if hidden or not answered else float(values.mean()),
                      "binary": scale == [0, 1]})
    return {"source": name, "description": _text(spec.description),
            "n": small_cell(threshold) if small else n, "invited": invited,
            "response_rate": (n / float(invited) if invited and not small else None),
            "items": items}


def _issues(ctx: Mapping[str, Any]) -> list[dict[str, str]]:
    """问题与建议 / 整改要求: the acceptance conditions, then the flags of the value stage."""
    out: list[dict[str, str]] = []
    acc = ctx.get("acceptance") or {}
    for s in acc.get("conditions") or []:
        if isinstance(s, Mapping):
            out.append({"zh": str(s.get("zh", "")), "en": str(s.get("en", ""))})
    for s in (ctx.get("value") or {}).get("flags") or []:
        if isinstance(s, Mapping):
            out.append({"zh": str(s.get("zh", "")), "en": str(s.get("en", ""))})
    return out


def _grade_bands(ev: Evaluation) -> list[dict[str, Any]]:
    from evalkit.model.scorecard import grade_set

    spec = getattr(ev.project, "scorecard", None)
    if spec is None:
        return []
    grades = grade_set(spec.grades)
    out = []
    for i, g in enumerate(grades):
        upper = grades[i - 1].min if i else None
        out.append({"grade": {"zh": g.grade, "en": g.grade_en}, "min": g.min, "below": upper})
    return out


def document_context(ev: Evaluation, ctx: dict[str, Any], *, report: str, lang: str,
                     t: T) -> dict[str, Any]:
    """Add the document keys (module docstring) to ``ctx`` in place and return it."""
    threshold = int((ctx.get("privacy") or {}).get("threshold", 5))
    ctx["cover"] = _cover(ev, ctx, report, lang)
    ctx["basis"] = _basis(ev)
    ctx["satisfaction"] = _satisfaction(ev, threshold, t)
    ctx["funds"] = _funds(ev, ctx)
    ctx["issues"] = _issues(ctx)
    ctx["grade_bands"] = _grade_bands(ev)
    ctx["signatories"] = _signatories(ev, report)
    ctx["attachments"] = _attachments(ev)
    ctx["acceptance_opinion"] = _text(ev.project.project.acceptance_opinion)
    ctx["sections"] = section_plan(ctx, report, t, lang)
    return ctx
