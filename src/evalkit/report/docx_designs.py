"""The design explanations for Word: which design each outcome used and why, in the outcomes
chapter, and the design notes of the methods appendix — the same sentences, tables and
charts as ``templates/partials/designs.html.j2`` (HTML/PDF) and ``designs.md.j2`` (Markdown).

It reads ``ctx["design_notes"]`` (:func:`evalkit.report.designs.design_records`) and
``ctx["design_rules"]``; the charts (ITS, synthetic control, honest DiD) arrive as PNG from
:func:`evalkit.report.charts.build_charts` and are placed with ``image``. A block is
``{"kind": "h2" | "h3" | "p" | "intro" | "note" | "strong" | "table" | "chart", "text": str,
"table": WordTable | None, "image": InlineImage | None}``. Like the HTML, the honest-DiD
table is printed when its chart could not be drawn; the numbers of a suppressed outcome are
left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from evalkit.report.docx_tables import WordTable

__all__ = ["design_blocks", "design_method_lines"]

T = Callable[..., str]
L = Callable[[Any], Any]
Block = dict[str, Any]


def _b(kind: str, text: str = "", table: WordTable | None = None, image: Any = None) -> Block:
    return {"kind": kind, "text": text, "table": table, "image": image}


def _honest_blocks(d: Mapping[str, Any], t: T, lang: str, chart: Any) -> list[Block]:
    h = d["honest"]
    out = [_b("strong", t("designs.honest.heading")), _b("p", t("designs.honest.intro")),
           _b("p", t(h["key"], breakdown=h["params"]["breakdown"],
                     unit=h["params"]["unit_" + lang]))]
    if chart is not None:
        return [*out, _b("chart", image=chart)]
    table = WordTable([t("designs.honest.col_m"), t("designs.honest.col_lb"),
                       t("designs.honest.col_ub")],
                      [[r["m"], r["lb"], r["ub"]] for r in h["rows"]])
    return [*out, _b("note", t("designs.honest.table")), _b("table", table=table),
            _b("note", t("designs.honest.original", lb=h["original"][0],
                         ub=h["original"][1]))]


def design_blocks(ctx: Mapping[str, Any], t: T, label: L, lang: str,
                  charts: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    """The design sub-section of the outcomes chapter (evaluation report only), as blocks;
    ``charts`` is ``{"designs": {outcome id: image}, "honest": {outcome id: image}}``."""
    notes = ctx.get("design_notes") or []
    if ctx.get("report") != "evaluation" or not notes:
        return []
    effects = {e["id"]: e for e in ctx.get("effects") or []}
    out = [_b("h2", t("designs.heading")), _b("p", t("designs.intro"))]
    for d in notes:
        out += [_b("h3", t("designs.title", name=label(d.get("lead") or d["name"]),
                           design=t("designs.name." + d["design"]))),
                _b("p", t(d["why"]["key"], **d["why"]["params"]))]
        e = effects.get(d["id"])
        if not e or e.get("suppressed"):
            continue
        rating = t("designs.rating_line", level=e["evidence_level"])
        if d["rating"]:
            rating += t("sentence_sep") + t(d["rating"]["key"], **d["rating"]["params"])
        chart = (charts.get("designs") or {}).get(d["id"])
        out.append(_b("p" if chart is None else "intro", rating))  # keep it with its chart
        if chart is not None:
            out.append(_b("chart", image=chart))
        if d["weights"]:
            rows = [[str(label(w["unit"])) if isinstance(w["unit"], Mapping) else str(w["unit"]),
                     w["weight"]] for w in d["weights"]]
            out += [_b("note", t("designs.weights.caption", k=len(rows))),
                    _b("table", table=WordTable([t("designs.weights.unit"),
                                                 t("designs.weights.weight")], rows,
                                                share=0.6))]
        if d["honest"]:
            out += _honest_blocks(d, t, lang, (charts.get("honest") or {}).get(d["id"]))
    return out


def design_method_lines(ctx: Mapping[str, Any], t: T) -> list[str]:
    """The design notes of the methods appendix (``designs.methods.*``; evaluation report
    only): ITS, synthetic comparisons, the sensitivity analysis, how each is rated."""
    notes = ctx.get("design_notes") or []
    if ctx.get("report") != "evaluation":
        return []
    designs = set(ctx.get("designs") or [])
    its = bool(designs & {"its", "comparative_its"})
    synth = bool(designs & {"synthetic_control", "synthetic_did"})
    honest = any(d["honest"] for d in notes)
    lines = [t("designs.methods.its")] if its else []
    lines += [t("designs.methods.synth")] if synth else []
    lines += [t("designs.methods.honest")] if honest else []
    lines += [t("designs.methods.sms", **(ctx.get("design_rules") or {}))] if its or synth else []
    return lines
