"""``evaluation.analytics`` -> plain context (key ``analytics``) for the mechanism sections.

Disclosure: counts of people (needs named per category, volunteers, converted workers, workers
per town, per-site people counts with their complement in the site tree) below the threshold
become ``"<k"`` together with every figure computed from them; activity counts (services,
person-times, service points, stage gates) are not people and are shown. Per-site columns say
in their header what they count (:func:`count_kind`).
"""

from __future__ import annotations

import math
from typing import Any

from evalkit.data.privacy import is_small, small_cell
from evalkit.model.labels import value_label
from evalkit.report.plain import Disclosure, plain, table

__all__ = ["analytics_record"]


def _num(x: Any) -> Any:
    return plain(x, Disclosure())


def _partnership(r: Any, rules: Disclosure) -> dict[str, Any]:
    return {"parties": list(r.parties), "reciprocity": _num(r.reciprocity),
            "dependency": _num(r.dependency), "band": r.band, "trend": _num(r.trend),
            "trend_word": r.trend_word, "depends_on": r.depends_on,
            "periods": table(r.periods, rules), "by_resource": table(r.by_resource, rules)}


def _site_names(ev: Any) -> dict[str, dict[str, str]]:
    """Site id -> its zh/en name from the ``sites`` tree (reports print names, not codes)."""
    sites = getattr(ev.project, "sites", None)
    out: dict[str, dict[str, str]] = {}

    def walk(nodes: Any) -> None:
        for node in nodes:
            if node.name is not None:
                out[str(node.id)] = {"zh": node.name.zh, "en": node.name.en}
            walk(node.children)

    walk(sites.tree if sites is not None else [])
    return out


def _named(value: Any, names: dict[str, dict[str, str]]) -> dict[str, str]:
    return names.get(str(value)) or {"zh": str(value), "en": str(value)}


def _joined(names: list[dict[str, str]]) -> dict[str, str]:
    return {"zh": "、".join(n["zh"] for n in names), "en": ", ".join(n["en"] for n in names)}


def _needs(r: Any, rules: Disclosure, ev: Any = None) -> dict[str, Any]:
    spec = ev.project.analytics.needs_match if ev is not None else None
    frame = r.table.rename(columns={"needs": "n"})
    shown = table(frame, rules)

    def name(value: Any) -> dict[str, str]:  # a category by its label (issue 12)
        if spec is None:
            return {"zh": str(value), "en": str(value)}
        found = value_label(ev.project, spec.needs_source, spec.needs_column, value)
        if found["zh"] == str(value):
            found = value_label(ev.project, spec.services_source, spec.services_column, value)
        return found

    if shown is not None:
        for rec in shown["records"]:
            rec["category_name"] = name(rec.get("category"))
    return {"top_k": r.top_k, "top_served": _num(r.top_served),
            "top_service_share": _num(r.top_service_share), "mismatch": _num(r.mismatch),
            "unserved_top": list(r.unserved_top),
            "unserved_names": _joined([name(v) for v in r.unserved_top]), "table": shown}


def _coverage(c: Any, rules: Disclosure, ev: Any) -> dict[str, Any]:
    """The coverage table with each township and each missing value by its label."""
    from evalkit.report.environment import load_labels

    spec = ev.project.analytics.coverage
    towns = _site_names(ev)
    dims = {lang: load_labels(lang) for lang in ("zh", "en")}  # the dimensions' names
    shown = table(c.table, rules)
    for rec in (shown or {}).get("records", []):
        rec["township_name"] = _named(rec.get("township"), towns)
        lacks = []
        for item in filter(None, str(rec.get("missing") or "").split(", ")):
            dim, _, value = item.partition(":")
            label = value_label(ev.project, spec.services_source, dim, value)
            lacks.append({lang: f"{dims[lang].get(f'mech.dim_{dim}', dim)}{sep}{label[lang]}"
                          for lang, sep in (("zh", "："), ("en", ": "))})
        rec["missing_names"] = _joined(lacks)
    return {"with_points": _num(c.with_points), "full": _num(c.full),
            "rates": plain(c.rates, rules), "table": shown}


def _cycle(c: Any, rules: Disclosure, ev: Any) -> dict[str, Any]:
    """Stage-gate summary and problems; each missing output by its label
    (``data.<source>.columns.outputs.values``)."""
    source = ev.project.analytics.cycle.source
    problems = table(c.table.loc[c.table["status"].isin(["late", "skipped", "incomplete"])],
                     rules)
    for rec in (problems or {}).get("records", []):
        missing = [o for o in str(rec.get("missing_outputs") or "").split(", ") if o]
        rec["missing_outputs_name"] = _joined([value_label(ev.project, source, "outputs", o)
                                               for o in missing])
    return {"summary": table(c.summary, rules), "problems": problems}


def _retention(r: Any, conv: Any, rules: Disclosure) -> dict[str, Any]:
    hide = small_cell(rules.threshold)
    small = is_small(r.n, rules.threshold)
    out: dict[str, Any] = {
        "horizon": _num(r.horizon), "observed": r.horizon_observed,
        "n": hide if small else r.n, "events": hide if small else r.events,
        "censored": hide if small else r.censored,
        "retention": hide if small else _num(r.retention),
        "ci": [hide, hide] if small else [_num(r.ci[0]), _num(r.ci[1])],
        "conversion": None}
    if conv is not None:
        tiny = is_small(conv["converted"], rules.threshold)
        out["conversion"] = {"share": hide if tiny else _num(conv["share"]),
                             "converted": hide if tiny else int(conv["converted"]),
                             # the served workers are people too: fewer than k are hidden
                             "served": (hide if is_small(conv["served"], rules.threshold)
                                        else int(conv["served"]))}
    return out


def _heterogeneity(hid: str, r: Any, rules: Disclosure, names: dict[str, Any],
                   ev: Any = None) -> dict[str, Any]:
    # rows are suppressed by their n (observations behind each subgroup estimate), as the main
    # effect is; the n column itself is not printed. A suppressed subgroup hides the difference
    # and the interaction test too (they would reveal it).
    shown = table(r.table, rules)
    hidden = False
    if shown is not None:
        hidden = any(is_small(n, rules.threshold) for n in r.table["n"])
        shown = {"columns": [c for c in shown["columns"] if c != "n"],
                 "records": [{k: v for k, v in rec.items() if k != "n"}
                             for rec in shown["records"]]}
    hide = small_cell(rules.threshold)
    analytics = getattr(getattr(ev, "project", None), "analytics", None)
    specs = list(analytics.heterogeneity) if analytics is not None else []
    spec = next((h for h in specs if h.id == hid), None)

    def name(value: Any) -> dict[str, str] | None:  # a subgroup by its label (issue 12)
        if value is None or spec is None:
            return None
        return value_label(ev.project, spec.source, spec.subgroup, value)

    for rec in (shown or {}).get("records", []):
        rec["subgroup_name"] = name(rec.get("subgroup"))
    return {"id": hid, "name": names.get(hid) or {"zh": hid, "en": hid},
            "table": shown, "concentrated_name": name(r.concentrated_in),
            "difference": hide if hidden else plain(r.difference, rules),
            "p_value": hide if hidden else _num(r.interaction["p_value"]),
            "transferability": r.transferability, "concentrated_in": r.concentrated_in,
            "few_clusters": r.few_clusters, "n_clusters": r.n_clusters, "se_kind": r.se_kind,
            "suppressed": hidden}


def _workforce(r: Any, rules: Disclosure, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    last = r.table.loc[r.table["period"] == r.table["period"].iloc[-1]].copy()
    last = last.rename(columns={"headcount": "n"})
    # the checks are computed from the whole roster of the latest period: below the
    # threshold its values and changes are hidden with it (the targets are the spec's)
    total = r.table.loc[r.table["site"] == "total"].rename(columns={"headcount": "n"})
    checks = r.checks.copy()
    checks["n"] = float(total["n"].iloc[-1]) if len(total) else float(last["n"].sum())
    shown = table(checks, rules)
    if shown is not None:
        shown = {"columns": [c for c in shown["columns"] if c != "n"],
                 "records": [{k: v for k, v in rec.items() if k != "n"}
                             for rec in shown["records"]]}
        if is_small(checks["n"].iloc[0], rules.threshold):
            hide = small_cell(rules.threshold)
            for rec, target in zip(shown["records"], r.checks["target"], strict=True):
                rec["target"] = _num(target)  # the spec's target is not a statistic
                rec["met"] = None
                rec["trend"] = hide
    by_site = table(last, rules)
    for rec in (by_site or {}).get("records", []):
        rec["site_name"] = _named(rec.get("site"), names)
    return {"checks": shown, "by_site": by_site, "trend": table(total, rules)}


#: what a per-site column counts, said in its header (issue 13): distinct people, activities
#: (rows of a log), person-times (a sum of attendances), or another total
COUNT_WORDS = {"people": {"zh": "人数", "en": "people"},
               "activities": {"zh": "活动次数", "en": "activities"},
               "person_times": {"zh": "人次", "en": "person-times"},
               "total": {"zh": "合计", "en": "total"}}
_PERSON_TIMES = ("人次", "person-time", "person time", "participants", "attendance")


def count_kind(ev: Any, ind: Any, rules: Disclosure) -> str | None:
    """What indicator ``ind`` counts per site: ``people`` (distinct values of a column, or rows
    of a source whose rows are people — it holds a person id), ``activities`` (rows of a log
    without person ids), ``person_times`` (a sum of attendances: the summed column or the
    indicator's unit says 人次 / participants), ``total`` (another sum); None for means and
    percentages (no count)."""
    spec = ind.compute
    if spec is None or ind.measure != "count":
        return None
    source = ev.project.data.get(ind.source) if ind.source else None
    frame = dict(ev.evidence.tables).get(ind.source) if ind.source else None
    cols = {str(c) for c in frame.columns} if frame is not None else set()
    if spec.distinct is not None:
        return "activities" if spec.distinct == _site_column(ev) else "people"
    if spec.count:
        return "people" if cols & (rules.person_ids | rules.personal) else "activities"
    if spec.sum is not None:
        declared = source.columns.get(spec.sum) if source is not None else None
        parts = [spec.sum]
        if declared is not None and declared.description is not None:
            parts += [declared.description.zh, declared.description.en]
        if ind.unit is not None:
            parts += [ind.unit.zh, ind.unit.en]
        words = " ".join(parts).lower()
        return "person_times" if any(w in words for w in _PERSON_TIMES) else "total"
    return None


def _site_column(ev: Any) -> str | None:
    sites = getattr(ev.project, "sites", None)
    return sites.column if sites is not None else None


def _hide_complements(rows: list[dict[str, Any]], ids: list[str], kinds: dict[str, Any],
                      rules: Disclosure) -> None:
    """Complementary suppression down the site tree: a parent's people count is the sum of
    its children's, so when one child's cell is hidden the next-smallest sibling is hidden
    too (otherwise parent minus the shown siblings reveals it)."""
    hide = small_cell(rules.threshold)
    for pos, row in enumerate(rows):
        kids = []
        for later in rows[pos + 1:]:
            if later["depth"] <= row["depth"]:
                break
            if later["depth"] == row["depth"] + 1:
                kids.append(later)
        for iid in ids:
            if kinds.get(iid) != "people":
                continue
            cells = [k["indicators"].get(iid) for k in kids]
            cells = [c for c in cells if c is not None]
            hidden = [c for c in cells if c["actual"] == hide]
            shown = [c for c in cells if c["actual"] != hide]
            if len(hidden) == 1 and shown:
                smallest = min(shown, key=lambda c: float(c["actual"]))
                smallest.update(actual=hide, achievement=None, met=None)


def _sites(s: Any, ev: Any, rules: Disclosure) -> dict[str, Any]:
    """One row per site: name (indented by depth), level, each indicator's actual (and
    achievement against the site target), mean cadence compliance. Each indicator's header
    says what it counts (:func:`count_kind`); a people count below the threshold is hidden
    (with its complement), as is any cell from a source whose rows are people."""
    specs = {i.id: i for i in ev.project.indicators}
    ind_ids = list(dict.fromkeys(s.indicators["indicator_id"]))
    kinds = {iid: count_kind(ev, specs[iid], rules) if iid in specs else None
             for iid in ind_ids}
    rows = []
    for node in s.nodes.to_dict(orient="records"):
        mine = s.indicators.loc[s.indicators["site"] == node["site"]].set_index("indicator_id")
        cells: dict[str, Any] = {}
        for iid in ind_ids:
            if iid not in mine.index:
                cells[iid] = None
                continue
            r = mine.loc[iid]
            small = is_small(r["n"], rules.threshold) and not _activity(ev, iid, rules)
            if kinds[iid] == "people":
                small = small or is_small(r["actual"], rules.threshold)
            cells[iid] = {"actual": small_cell(rules.threshold) if small else _num(r["actual"]),
                          "achievement": None if small else _num(r["achievement"]),
                          "met": None if small else r["met"]}
        cad = s.cadence.loc[s.cadence["site"] == node["site"], "compliance"]
        compliance = float(cad.mean()) if len(cad) else math.nan
        crit = (s.criteria.loc[s.criteria["site"] == node["site"], "met"]
                if s.criteria is not None else [])
        criteria = ({"met": int(sum(bool(x) for x in crit)), "total": len(crit)}
                    if len(crit) else None)
        rows.append({"site": node["site"], "level": node["level"], "depth": int(node["depth"]),
                     "name": {"zh": node["name_zh"], "en": node["name_en"]},
                     "indicators": cells, "cadence": _num(compliance), "criteria": criteria})
    _hide_complements(rows, ind_ids, kinds, rules)
    return {"cluster_level": s.cluster_level, "n_clusters": s.n_clusters,
            "has_cadence": bool(len(s.cadence)),
            "has_criteria": s.criteria is not None and bool(len(s.criteria)),
            "few_clusters": s.few_clusters,
            "indicators": [{"id": i, "counts": kinds[i],
                            "name": _headed(specs.get(i), i, kinds[i])} for i in ind_ids],
            "rows": rows}


def _headed(ind: Any, iid: str, kind: str | None) -> dict[str, str]:
    """The indicator's name with what it counts: 维权：法律咨询次数（活动次数）."""
    name = {"zh": ind.name.zh, "en": ind.name.en} if ind is not None else {"zh": iid, "en": iid}
    if kind is None:
        return name
    return {"zh": f"{name['zh']}（{COUNT_WORDS[kind]['zh']}）",
            "en": f"{name['en']} ({COUNT_WORDS[kind]['en']})"}


def _activity(ev: Any, indicator_id: str, rules: Disclosure) -> bool:
    """True when the indicator's source has no person-id column (its rows are not people)."""
    for ind in ev.project.indicators:
        if ind.id == indicator_id and ind.source in dict(ev.evidence.tables):
            cols = {str(c) for c in ev.evidence.tables[ind.source].columns}
            return not (cols & (rules.person_ids | rules.personal))
    return False


def analytics_record(ev: Any, rules: Disclosure) -> dict[str, Any] | None:
    """Plain data for the mechanism sections; None when the evaluation has no analytics."""
    a = getattr(ev, "analytics", None)
    if a is None:
        return None
    spec = getattr(ev.project, "analytics", None)
    hets = list(spec.heterogeneity) if spec is not None else []
    names = {h.id: ({"zh": h.name.zh, "en": h.name.en} if h.name else None) for h in hets}
    levels = {h.id: h.cluster_level or h.cluster for h in hets}
    return {
        "partnership": _partnership(a.partnership, rules) if a.partnership else None,
        "needs_match": _needs(a.needs_match, rules, ev) if a.needs_match else None,
        "retention": _retention(a.retention, a.conversion, rules) if a.retention else None,
        "coverage": _coverage(a.coverage, rules, ev) if a.coverage else None,
        "cycle": _cycle(a.cycle, rules, ev) if a.cycle else None,
        "heterogeneity": [{**_heterogeneity(k, v, rules, names, ev), "cluster": levels.get(k)}
                          for k, v in dict(a.heterogeneity).items()],
        "workforce": _workforce(a.workforce, rules, _site_names(ev)) if a.workforce else None,
        "sites": _sites(a.sites, ev, rules) if a.sites is not None else None,
    }
