"""Supporting analyses as readable tables (issue 12): sample flow, baseline comparability,
scale reliability, reliable change — rows a reader can follow, with percentages, instead of
``key: value`` dumps.

Every table is ``{"columns": [...], "records": [...]}`` like any other context table: column
names are looked up as ``col.<name>`` and text cells as ``term.<value>`` in the label
catalogue (``templates/i18n/<lang>.yaml``), numbers are formatted by the template, shares are
given as text such as ``"16.7%"``. Names of scale items come from the project's data
dictionary (``data.<source>.columns.<item>.description``) as ``{zh, en}``.

The sample-flow table is the one place where the sizes printed elsewhere are reconciled:
registered at baseline → valid answers at the pre survey (the chart's pre n) → valid answers at
the post survey (the chart's post n) → analysed, with both (the outcome table's n).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["readable_details"]


def _pct(x: Any, digits: int = 1) -> str | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return f"{value:.{digits}f}%"


def _group_counts(means: Any) -> dict[tuple[str, str], Any]:
    """``(wave, group) -> n`` from the group means table."""
    out: dict[tuple[str, str], Any] = {}
    if isinstance(means, Mapping):
        for r in means.get("records") or []:
            out[(str(r.get("wave")), str(r.get("group")))] = r.get("n")
    return out


def _sample(attrition: Mapping[str, Any], means: Any, groups: tuple[str, str] | None,
            waves: tuple[str, str] | None) -> dict[str, Any]:
    by = attrition.get("by_group") or {}
    treated, control = by.get("treated") or {}, by.get("control") or {}
    counts = _group_counts(means)
    pre, post = waves or ("pre", "post")
    served, comparison = groups or ("service", "comparison")
    records = [
        {"stage": "registered", "treated": treated.get("n_start"),
         "control": control.get("n_start")},
        {"stage": "valid_pre", "treated": counts.get((pre, served)),
         "control": counts.get((pre, comparison))},
        {"stage": "valid_post", "treated": counts.get((post, served)),
         "control": counts.get((post, comparison))},
        {"stage": "analysed", "treated": treated.get("n_end"), "control": control.get("n_end")},
        {"stage": "attrition_rate", "treated": _pct(treated.get("rate")),
         "control": _pct(control.get("rate"))},
    ]
    records = [r for r in records if r["treated"] is not None or r["control"] is not None]
    rating = attrition.get("rating") or {}
    risk = sorted({str(v) for v in rating.values() if v})
    records += [
        {"stage": "overall_attrition", "treated": _pct(attrition.get("overall")),
         "control": None},
        {"stage": "differential_attrition", "treated": attrition.get("differential"),
         "control": None},
    ]
    if risk:
        records.append({"stage": "attrition_risk",
                        "treated": risk[0] if len(risk) == 1 else dict(rating),
                        "control": None})
    has_control = any(r["control"] is not None for r in records)
    columns = ["stage", "treated", "control"] if has_control else ["stage", "treated"]
    return {"columns": columns, "records": [{c: r.get(c) for c in columns} for r in records]}


def _baseline(b: Mapping[str, Any]) -> dict[str, Any]:
    rows = [("n_treated", b.get("n_treated")), ("n_control", b.get("n_control")),
            ("mean_treated", b.get("mean_treated")), ("mean_control", b.get("mean_control")),
            ("std_difference", b.get("value")), ("verdict", b.get("verdict"))]
    return {"columns": ["item", "value"],
            "records": [{"item": k, "value": v} for k, v in rows if v is not None]}


def _item_names(items: list[str], labels: Mapping[str, Any]) -> list[Any]:
    return [labels.get(i) or i for i in items]


def _reliability(r: Mapping[str, Any], labels: Mapping[str, Any]) -> list[tuple[str, Any]]:
    ci = r.get("ci")
    level = r.get("ci_level")
    ci_text = (f"{float(ci[0]):.2f}–{float(ci[1]):.2f}"
               if isinstance(ci, list | tuple) and len(ci) == 2
               and all(isinstance(x, int | float) for x in ci) else None)
    rows = [("alpha", r.get("alpha")),
            ("alpha_ci", f"{ci_text} ({_pct(100 * float(level), 0)})"
             if ci_text and isinstance(level, int | float) else ci_text),
            ("k", r.get("k")), ("n_people", r.get("n")),
            ("acceptable", None if r.get("acceptable") is None
             else "yes" if r.get("acceptable") else "no")]
    out: list[tuple[str, Any]] = [("reliability", {
        "columns": ["item", "value"],
        "records": [{"item": k, "value": v} for k, v in rows if v is not None]})]
    items = r.get("item_total")
    if isinstance(items, Mapping) and items.get("records"):
        names = _item_names([str(x.get("item")) for x in items["records"]], labels)
        out.append(("reliability_items", {
            "columns": ["scale_item", "r_corrected", "alpha_if_deleted"],
            "records": [{"scale_item": name, "r_corrected": x.get("r_corrected"),
                         "alpha_if_deleted": x.get("alpha_if_deleted")}
                        for name, x in zip(names, items["records"], strict=True)]}))
    return out


def _rci(r: Mapping[str, Any]) -> dict[str, Any]:
    counts = r.get("counts") or {}
    shares = r.get("shares") or {}
    order = [k for k in ("improved", "unchanged", "deteriorated", "recovered") if k in counts]
    records = [{"category": k, "people": counts.get(k),
                "people_share": _pct(100 * float(shares[k])) if isinstance(shares.get(k), int | float)
                else shares.get(k)} for k in order]
    if r.get("n") is not None:
        records.append({"category": "total", "people": r.get("n"), "people_share": "100.0%"})
    return {"columns": ["category", "people", "people_share"], "records": records}


def readable_details(details: Mapping[str, Any], *, item_labels: Mapping[str, Any],
                     groups: tuple[str, str] | None = None,
                     waves: tuple[str, str] | None = None) -> dict[str, Any]:
    """``details`` (plain data of the supporting analyses of one outcome) as readable tables.

    Parameters
    ----------
    details
        ``{key: plain value}`` as :func:`evalkit.report.context.build_context` makes them.
    item_labels
        Scale item id → ``{zh, en}`` name (from the data dictionary).
    groups, waves
        Values of the served and comparison groups, and of the pre and post waves, in the
        group-means table.

    Returns
    -------
    dict
        ``sample`` (the one reconciliation of sample sizes), ``baseline``, ``reliability``
        and ``reliability_items``, ``rci``, ``means`` and any other detail unchanged.
    """
    out: dict[str, Any] = {}
    attrition = details.get("attrition")
    if isinstance(attrition, Mapping) and "by_group" in attrition:
        out["sample"] = _sample(attrition, details.get("means"), groups, waves)
    for key, value in details.items():
        if key == "attrition" and "sample" in out:
            continue
        if key == "baseline" and isinstance(value, Mapping) and "n_treated" in value:
            out[key] = _baseline(value)
        elif key == "reliability" and isinstance(value, Mapping) and "alpha" in value:
            out.update(_reliability(value, item_labels))
        elif key == "rci" and isinstance(value, Mapping) and "counts" in value:
            out[key] = _rci(value)
        elif key == "means" and isinstance(value, Mapping) and "n" in (value.get("columns") or []):
            out[key] = {"columns": [("n_valid" if c == "n" else c) for c in value["columns"]],
                        "records": [{("n_valid" if k == "n" else k): v for k, v in r.items()}
                                    for r in value.get("records") or []]}
        else:
            out[key] = value
    return out
