"""Word tables of the document's form (cover, overview, team, satisfaction, funds, grade
bands, signatures, attachments), from the keys :mod:`evalkit.report.document` adds.

They complete :func:`evalkit.report.docx_tables.word_tables` so that the Word report holds the
same chapters, tables and columns as the HTML, PDF and Markdown reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from evalkit.report.docx_tables import WordTable

__all__ = ["document_tables"]

T = Callable[..., str]
L = Callable[[Any], Any]


def _cover(ctx: Mapping[str, Any], t: T, label: L) -> WordTable:
    c = ctx["cover"]
    rows = [[t("meta.project"), label(c["project"])], [t("meta.purchaser"), label(c["purchaser"])],
            [t("meta.provider"), label(c["provider"])]]
    if c.get("evaluator"):
        rows.append([t("doc.cover.evaluator"), label(c["evaluator"])])
    if c.get("contract_no"):
        rows.append([t("doc.cover.contract_no"), c["contract_no"]])
    if c.get("report_no"):
        rows.append([t("doc.cover.report_no"), c["report_no"]])
    rows += [[t("doc.cover.period"), t("doc.cover.period_value", start=c["period"]["start"],
                                       end=c["period"]["end"])],
             [t("doc.cover.date"), c["date"]]]
    return WordTable([t("col.item"), t("col.value")], rows, share=0.8, header=False)


def _overview(ctx: Mapping[str, Any], t: T, label: L) -> WordTable:
    from evalkit.report.environment import fmt_num

    c, p = ctx["cover"], ctx["project"]
    rows = [[t("meta.project"), label(c["project"])], [t("meta.purchaser"), label(c["purchaser"])],
            [t("meta.provider"), label(c["provider"])]]
    if c.get("evaluator"):
        rows.append([t("doc.cover.evaluator"), label(c["evaluator"])])
    rows.append([t("meta.period"), t("doc.cover.period_value", start=c["period"]["start"],
                                     end=c["period"]["end"])])
    if p.get("contract_amount") is not None:
        rows.append([t("meta.contract_amount"),
                     f"{fmt_num(p['contract_amount'])} {t('meta.currency')}"])
    return WordTable([t("col.item"), t("col.value")], rows)


def _satisfaction(ctx: Mapping[str, Any], t: T, label: L) -> tuple[WordTable, list[WordTable]]:
    from evalkit.report.environment import fmt_num, fmt_pct

    s = ctx.get("satisfaction")
    if not s:
        return WordTable([], []), []
    sample = WordTable([t("col.item"), t("col.value")], [
        [t("doc.satisfaction.source"), str(label(s["description"])) if s.get("description")
         else s["source"]],
        [t("doc.satisfaction.respondents"), fmt_num(s["n"])],
        [t("doc.satisfaction.invited"), fmt_num(s["invited"]) if s.get("invited")
         else t("doc.satisfaction.not_given")],
        [t("doc.satisfaction.response_rate"), fmt_pct(s["response_rate"], 1)
         if s.get("response_rate") is not None else "—"]])
    items = []
    for it in s["items"]:
        if it["binary"]:
            head = [t("doc.satisfaction.yes_share")]
            cells = [fmt_pct(it["shares"]["1"], 1)]
        else:
            head = [str(v) for v in it["scale"]] + [t("doc.satisfaction.mean")]
            cells = [fmt_pct(it["shares"][str(v)], 1) for v in it["scale"]]
            cells.append(fmt_num(it["mean"], 2))
        items.append(WordTable([t("doc.satisfaction.item"), t("doc.satisfaction.answered"),
                                *head], [[str(label(it["name"])), fmt_num(it["answered"]),
                                          *cells]]))
    return sample, items


def _funds(ctx: Mapping[str, Any], t: T, label: L) -> tuple[WordTable, WordTable]:
    from evalkit.report.environment import fmt_num, fmt_pct

    f = ctx.get("funds")
    if not f:
        return WordTable([], []), WordTable([], [])
    surplus = WordTable([t("col.item"), t("col.value")], [
        [t("doc.funds.surplus"), f"{fmt_num(f['surplus'], 0)} {t('meta.currency')}"],
        [t("doc.funds.surplus_share"), fmt_pct(f["surplus_share"], 1)],
        [t("doc.funds.handling"), str(label(f["handling"])) if f.get("handling")
         else t("doc.funds.no_handling")]])
    receipts = WordTable(
        [t("doc.funds.line"), t("doc.funds.problem"), t("doc.funds.required"),
         t("doc.funds.handed"), t("doc.funds.verified")],
        [[f"{r['id']} {label(r['name'])}",
          t(f"doc.funds.issue.{r['problem']}",
            default=t(f"value.{r['problem']}", default=str(r["problem"]))),
          fmt_num(r["required"]), fmt_num(r["handed"]), fmt_num(r["verified"])]
         for r in f["receipts"]])
    return surplus, receipts


def _bands(ctx: Mapping[str, Any], t: T, label: L) -> WordTable:
    from evalkit.report.environment import fmt_num

    card = ctx.get("scorecard") or {}
    if card.get("total") is None:
        return WordTable([], [])
    current = label(card["grade"]) if card.get("grade") else None
    rows = []
    for b in ctx.get("grade_bands") or []:
        span = (t("doc.conclusion.range_top", low=fmt_num(b["min"])) if b["below"] is None
                else t("doc.conclusion.range_mid", low=fmt_num(b["min"]),
                       high=fmt_num(b["below"])))
        mark = f"✔ {t('doc.conclusion.current')}" if label(b["grade"]) == current else ""
        rows.append([str(label(b["grade"])), span, mark])
    return WordTable([t("doc.conclusion.band"), t("doc.conclusion.range"), ""], rows,
                     share=0.7)


def _signatures(ctx: Mapping[str, Any], t: T, label: L) -> tuple[WordTable, WordTable]:
    sig = ctx["signatories"]
    blank = "\n\n\n"
    parties = WordTable(
        [t("doc.basis.organization"), t("doc.signatures.signer"), t("doc.signatures.date_col")],
        [[f"{t('doc.signatures.party.' + p['role'])}{t('doc.signatures.seal')}\n"
          f"{label(p['name'])}{blank}", "", t("doc.signatures.date_blank")]
         for p in sig["parties"]])
    panel_rows = ([[str(label(p["name"])), str(label(p["organization"])) if p.get(
        "organization") else "", str(label(p["role"])) if p.get("role") else "", "", ""]
        for p in sig["panel"]] if sig["panel"] else
        [["", "", "", "", ""] for _ in range(int(sig["panel_lines"]))])
    panel = WordTable([t("doc.basis.name"), t("doc.basis.organization"), t("doc.basis.role"),
                       t("doc.signatures.signer"), t("doc.signatures.date_col")], panel_rows)
    return parties, panel


def document_tables(ctx: Mapping[str, Any], t: T, label: L, lang: str = "zh"
                    ) -> dict[str, Any]:
    """The Word tables of the document's form, by name (empty tables render nothing)."""
    from evalkit.report.environment import fmt_num

    sample, items = _satisfaction(ctx, t, label)
    surplus, receipts = _funds(ctx, t, label)
    parties, panel = _signatures(ctx, t, label)
    team = (ctx.get("basis") or {}).get("team") or []
    sep = "、" if lang == "zh" else ", "
    return {
        "cover": _cover(ctx, t, label),
        "overview": _overview(ctx, t, label),
        "team": WordTable([t("doc.basis.name"), t("doc.basis.role")],
                          [[str(label(p["name"])), str(label(p["role"])) if p.get("role")
                            else "—"] for p in team]),
        "sat_sample": sample,
        "sat_items": items,
        "surplus": surplus,
        "receipts": receipts,
        "bands": _bands(ctx, t, label),
        "sign": parties,
        "panel": panel,
        "attachments": WordTable(
            [t("doc.attachments.index"), t("doc.attachments.name"), t("doc.attachments.items"),
             t("doc.attachments.count"), t("doc.attachments.file"),
             t("doc.attachments.verified")],
            [[str(a["no"]), str(label(a["name"])), sep.join(a["items"]), fmt_num(a["count"]),
              a["file"] or "—", t("doc.attachments.verified_yes") if a["verified"]
              else t("doc.attachments.verified_no")] for a in ctx.get("attachments") or []]),
    }
