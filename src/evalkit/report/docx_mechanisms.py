"""The linkage-mechanism chapter for Word: the sub-sections of the section plan as paragraphs
and Word tables, with the same sentences, columns and figures as
``templates/partials/mechanisms.html.j2`` (HTML/PDF) and ``mechanisms.md.j2`` (Markdown).

It reads ``ctx["analytics"]`` after the disclosure pass (:mod:`evalkit.report.disclosure`),
so every suppressed figure arrives here as ``"<k"`` and is printed as such. The docx writer
passes the result as ``mechanisms``: ``{sub-section key: [block, …]}``, where a block is
``{"kind": "intro" | "p" | "note" | "h3" | "table", "text": str, "table": WordTable}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from evalkit.report.docx_tables import WordTable
from evalkit.report.environment import fmt_num, fmt_pct, fmt_pvalue, fmt_signed

__all__ = ["mechanism_blocks"]

T = Callable[..., str]
L = Callable[[Any], Any]
Block = dict[str, Any]


def _p(text: str, kind: str = "p") -> Block:
    return {"kind": kind, "text": text, "table": None}


def _table(headers: list[str], rows: list[list[str]]) -> Block:
    return {"kind": "table", "text": "", "table": WordTable(headers, rows)}


def _records(tab: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return list((tab or {}).get("records") or [])


def _mark(value: Any) -> str:
    return "—" if value is None else ("✓" if value else "✗")


def _sites(a: Mapping[str, Any], t: T, label: L) -> list[Block]:
    out = [_p(t("mech.sites_intro"), "intro")]
    if a.get("few_clusters"):
        out.append(_p(t("mech.few_clusters", level=t("mech.level_" + str(a["cluster_level"]),
                                                     default=str(a["cluster_level"])),
                        n=a["n_clusters"]), "note"))
    heads = [t("mech.site"), t("mech.level"), *[str(label(i["name"])) for i in a["indicators"]]]
    heads += [t("mech.criteria")] if a.get("has_criteria") else []
    heads += [t("mech.cadence")] if a.get("has_cadence") else []
    rows = []
    for r in a["rows"]:
        cells = ["\u3000" * int(r["depth"]) + str(label(r["name"])),
                 t("mech.level_" + str(r["level"]), default=str(r["level"]))]
        for i in a["indicators"]:
            c = r["indicators"].get(i["id"])
            cells.append("—" if not c else fmt_num(c["actual"]) + (
                f" ({fmt_pct(c['achievement'])})" if c.get("achievement") is not None else ""))
        if a.get("has_criteria"):
            crit = r.get("criteria")
            cells.append(f"{crit['met']}/{crit['total']}" if crit else "—")
        if a.get("has_cadence"):
            cells.append(fmt_pct(r.get("cadence")))
        rows.append(cells)
    return [*out, _table(heads, rows)]


def _party(p: str, t: T) -> str:
    return t("mech.party." + p, default=p)


def _partnership(P: Mapping[str, Any], t: T) -> list[Block]:
    a, b = _party(P["parties"][0], t), _party(P["parties"][1], t)
    overall = t("mech.overall", r=fmt_num(P["reciprocity"]), band=t("mech.band_" + P["band"]),
                trend=t("mech.trend_" + P["trend_word"]))
    if P.get("depends_on"):
        overall += t("sentence_sep") + t("mech.depends", who=_party(P["depends_on"], t))
    ab, ba = t("mech.a_to_b", a=a, b=b), t("mech.b_to_a", a=a, b=b)
    return [
        _p(t("mech.partnership_intro", a=a, b=b)), _p(overall, "intro"),
        _table([t("mech.period"), ab, ba, t("mech.reciprocity"), t("mech.dependency")],
               [[str(r["period"]), fmt_num(r["a_to_b"]), fmt_num(r["b_to_a"]),
                 fmt_num(r["reciprocity"]), fmt_num(r["dependency"])]
                for r in _records(P["periods"])]),
        _table([t("mech.resource"), ab, ba],
               [[t("mech.resources." + str(r["resource"]), default=str(r["resource"])),
                 fmt_num(r["a_to_b"]), fmt_num(r["b_to_a"])] for r in _records(P["by_resource"])]),
    ]


def _named(rec: Mapping[str, Any], key: str, label: L) -> str:
    """A cell by its zh/en label (``<key>_name`` / ``missing_names``) when the context has one."""
    name = rec.get("missing_names" if key == "missing" else f"{key}_name")
    return str(label(name) if name else rec.get(key) or "")


def _needs(N: Mapping[str, Any], t: T, label: L) -> list[Block]:
    summary = t("mech.needs_summary", served=fmt_pct(N["top_served"]), k=N["top_k"],
                share=fmt_pct(N["top_service_share"]), tv=fmt_num(N["mismatch"]))
    if N.get("unserved_top"):
        items = N.get("unserved_names")
        summary += t("sentence_sep") + t("mech.unserved", items=label(items) if items
                                         else ", ".join(N["unserved_top"]))
    return [_p(t("mech.needs_intro")), _p(summary, "intro"),
            _table([t("mech.category"), t("mech.needs_n"), t("mech.need_share"),
                    t("mech.services"), t("mech.service_share")],
                   [[_named(r, "category", label), fmt_num(r["n"]), fmt_pct(r["need_share"]),
                     fmt_num(r["services"]), fmt_pct(r["service_share"])]
                    for r in _records(N["table"])])]


def _retention(R: Mapping[str, Any], t: T) -> list[Block]:
    out = [_p(t("mech.retention_intro", days=fmt_num(R["horizon"])))]
    if R.get("observed"):
        out.append(_p(t("mech.retention_value", share=fmt_pct(R["retention"]),
                        days=fmt_num(R["horizon"]), low=fmt_pct(R["ci"][0]),
                        high=fmt_pct(R["ci"][1]), n=R["n"], events=R["events"],
                        censored=R["censored"])))
    else:
        out.append(_p(t("mech.not_observed")))
    conv = R.get("conversion")
    if conv:
        out.append(_p(t("mech.conversion", share=fmt_pct(conv["share"]), k=conv["converted"],
                        n=conv["served"])))
    return out


def _coverage(C: Mapping[str, Any], t: T, label: L) -> list[Block]:
    dims = list((C.get("rates") or {}).keys())
    return [_p(t("mech.coverage_intro") + t("sentence_sep") + t("mech.coverage_summary",
                                                   points=fmt_pct(C["with_points"]),
                                                   full=fmt_pct(C["full"])), "intro"),
            _table([t("mech.township"), t("mech.points_n"), t("mech.services"),
                    *[t("mech.dim_" + d, default=d) for d in dims], t("mech.missing"),
                    t("mech.full")],
                   [[_named(r, "township", label), fmt_num(r["points"]), fmt_num(r["services"]),
                     *["✓" if r.get(d + "_covered") else "✗" for d in dims],
                     _named(r, "missing", label), "✓" if r.get("full") else "✗"]
                    for r in _records(C["table"])])]


def _cycle(Y: Mapping[str, Any], t: T, label: L) -> list[Block]:
    kinds = ["on_time", "late", "incomplete", "skipped", "pending"]
    out = [_p(t("mech.cycle_intro"), "intro"),
           _table([t("mech.stage"), *[t("mech.status_" + k) for k in kinds]],
                  [[t("mech.stage_" + str(r["stage"]), default=str(r["stage"])),
                    *[fmt_num(r[k]) for k in kinds]] for r in _records(Y["summary"])])]
    problems = _records(Y.get("problems"))
    if problems:
        cols = ["project_id", "stage", "date", "due", "days_late", "missing_outputs", "status"]
        out += [_p(t("mech.cycle_problems"), "h3"),
                _table([t("mech." + c) for c in cols],
                       [[str(r["project_id"]),
                         t("mech.stage_" + str(r["stage"]), default=str(r["stage"])),
                         str(r.get("date") or "—"), str(r.get("due") or "—"),
                         fmt_num(r["days_late"]), _named(r, "missing_outputs", label),
                         t("mech.status_" + str(r["status"]))] for r in problems])]
    return out


def _heterogeneity(hets: list[Mapping[str, Any]], t: T, label: L) -> list[Block]:
    out = [_p(t("mech.heterogeneity_intro"))]
    for h in hets:
        p = fmt_pvalue(h["p_value"])
        out += [_p(str(label(h["name"])), "h3"),
                _table([t("mech.subgroup"), t("col.estimate", default="estimate"), "95% CI",
                        "p", t("mech.treated_units")],
                       [[_named(r, "subgroup", label), fmt_num(r["estimate"]),
                         f"{fmt_num(r['conf_low'])} – {fmt_num(r['conf_high'])}",
                         fmt_pvalue(r["p_value"]), fmt_num(r["treated_units"])]
                        for r in _records(h["table"])]),
                _p(t("mech.interaction", p=p if p.startswith("<") else "= " + p))]
        if h.get("few_clusters"):
            out.append(_p(t("mech.few_clusters", level=t("mech.level_" + str(h["cluster"]),
                                                         default=str(h["cluster"])),
                            n=h["n_clusters"]), "note"))
        if h.get("transferability"):
            where = h.get("concentrated_name")
            out.append(_p(t("mech.transfer", where=label(where) if where
                            else h.get("concentrated_in") or t("mech.transfer_differs")),
                          "warn"))
    return out


def _rate(x: Any) -> str:
    return fmt_pct(x, 1)


def _workforce(W: Mapping[str, Any], t: T, label: L) -> list[Block]:
    rows = []
    for r in _records(W["checks"]):
        rate = r["indicator"] in ("certification_rate", "turnover")
        show = _rate if rate else fmt_num
        trend = (f"{fmt_signed(r['trend'] * 100, 1)} {t('mech.points')}"
                 if rate and isinstance(r["trend"], int | float)
                 else fmt_signed(r["trend"], 0 if r["indicator"] == "headcount" else 2))
        rows.append([t("mech." + str(r["indicator"])), show(r["value"]),
                     show(r["target"]) if r.get("target") is not None else "—",
                     _mark(r.get("met")), trend])
    return [_p(t("mech.workforce_intro"), "intro"),
            _table([t("mech.indicator"), t("mech.value"), t("mech.target"), t("mech.met"),
                    t("mech.trend")], rows),
            _table([t("mech.site"), t("mech.headcount"), t("mech.certification_rate"),
                    t("mech.training_hours"), t("mech.turnover"), t("mech.caseload")],
                   [[t("term.total") if r["site"] == "total" else _named(r, "site", label),
                     fmt_num(r["n"]),
                     fmt_pct(r["certification_rate"], 1), fmt_num(r["training_hours"]),
                     fmt_pct(r["turnover"], 1), fmt_num(r["caseload"])]
                    for r in _records(W["by_site"])])]


def mechanism_blocks(ctx: Mapping[str, Any], t: T, label: L) -> dict[str, list[Block]]:
    """Blocks of every mechanism sub-section the section plan lists, by sub-section key."""
    analytics = ctx.get("analytics") or {}
    build: dict[str, Callable[[Any], list[Block]]] = {
        "sites": lambda a: _sites(a, t, label), "partnership": lambda a: _partnership(a, t),
        "needs_match": lambda a: _needs(a, t, label), "retention": lambda a: _retention(a, t),
        "coverage": lambda a: _coverage(a, t, label), "cycle": lambda a: _cycle(a, t, label),
        "heterogeneity": lambda a: _heterogeneity(a, t, label),
        "workforce": lambda a: _workforce(a, t, label),
    }
    out: dict[str, list[Block]] = {}
    for section in ctx.get("sections") or []:
        for sub in section.get("subsections") or []:
            if sub["key"] in build and analytics.get(sub["key"]):
                out[sub["key"]] = build[sub["key"]](analytics[sub["key"]])
    return out
