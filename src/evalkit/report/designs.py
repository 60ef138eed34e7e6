"""Which design each outcome used and why, in plain words (the report's design sections).

:func:`design_records` turns the evaluation's effects into plain records that the partials
``templates/partials/designs.*.j2`` print inside the outcomes chapter:

* ``why`` — a catalogue key (``designs.why.<design>``) and its parameters: why this design
  fits the data the project has ("there is no comparison group, so we compared the monthly
  trend before and after the start…");
* ``rating`` — how the Maryland level of a synthetic comparison was reached
  (``designs.rating.*``, see :func:`evalkit.estimate.evidence.synthetic_level`);
* ``weights`` — for a synthetic comparison, the donor units with the largest weights (units
  are communities or enterprises; if the unit column holds a person id the names are
  withheld);
* ``honest`` — the sensitivity of an event study to a failure of parallel trends: the
  breakdown value and one plain sentence (``designs.honest.*``).

:func:`design_charts` draws the charts of the designs (interrupted time series, synthetic
comparison, honest DiD) for the outcomes whose numbers may be shown: as SVG text written by
:mod:`evalkit.report.svgcharts` for HTML and PDF, with :mod:`evalkit.plot` for Word. Every
sentence goes through the zh/en label catalogue (``templates/i18n/<lang>.designs.yaml``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation
    from evalkit.report.plain import Disclosure

__all__ = ["TOP_DONORS", "design_charts", "design_records", "design_rules", "limitations_used",
           "methods_used"]

#: how many donor units the weights table lists
TOP_DONORS = 5
#: how many donor units the synthetic-comparison chart shows
_CHART_DONORS = 8
#: designs whose choice the report explains (the others are explained by the methods appendix)
_EXPLAINED = ("pre_post", "pre_post_comparison", "did", "event_study", "its", "comparative_its",
              "synthetic_control", "synthetic_did")


def _num(x: Any, digits: int = 2) -> str:
    value = float(x)
    if not math.isfinite(value):
        return "—"
    return f"{value:.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"


def _why(oc: Any, result: Any) -> dict[str, Any]:
    x = result.extra
    design = str(result.design)
    params: dict[str, Any] = {}
    if design in ("its", "comparative_its"):
        params = {"n_pre": x["n_pre"], "n_post": x["n_post"]}
    elif design in ("synthetic_control", "synthetic_did"):
        params = {"n_treated": x["n_treated"], "n_donors": x["n_controls"],
                  "n_pre": x["n_pre"], "n_post": x["n_post"]}
    key = design
    if design == "did" and getattr(oc, "cohort", None):
        key = "did_event"
    elif design == "pre_post" and getattr(oc, "compare", None) is not None:
        key = "pre_post_then_comparison"  # its comparison-group estimate is the next record
    return {"key": f"designs.why.{key}", "params": params}


def _rating(result: Any) -> dict[str, Any] | None:
    from evalkit.estimate.evidence import SYNTH_LEVEL4

    checks = result.extra.get("rating_checks")
    if str(result.design) in ("its", "comparative_its"):
        return {"key": f"designs.rating.{result.design}", "params": {}}
    if not checks:
        return None
    params = {"n_pre": checks["n_pre"], "n_donors": checks["n_donors"],
              "rmse": _num(checks["rmse"]), "ratio": _num(100 * checks["fit_ratio"], 0),
              "min_pre": SYNTH_LEVEL4["min_pre_periods"],
              "min_donors": SYNTH_LEVEL4["min_donors"],
              "max_ratio": _num(100 * SYNTH_LEVEL4["max_fit_ratio"], 0)}
    if result.evidence_level >= 4:
        key = "level4"
    elif checks["n_pre"] < SYNTH_LEVEL4["min_pre_periods"]:
        key = "short"
    elif checks["n_donors"] < SYNTH_LEVEL4["min_donors"]:
        key = "few_donors"
    else:
        key = "fit"
    return {"key": f"designs.rating.synth_{key}", "params": params}


def _donors(result: Any, personal: bool, names: Mapping[str, Any],
            top: int = TOP_DONORS) -> list[tuple[Any, float, Any]]:
    """``(unit id, weight, display)`` for the ``top`` donors with the largest weights. A unit
    is displayed by its site name ``{zh, en}`` when the project's site tree has it, withheld
    (``#1``, ``#2`` …) when the unit column identifies a person, else by its id."""
    w = result.extra.get("unit_weights")
    if w is None:
        return []
    out = []
    for k, (u, v) in enumerate(w[w > 1e-9].sort_values(ascending=False).head(top).items()):
        name = names.get(str(u))
        unit = (f"#{k + 1}" if personal else
                {"zh": name.zh, "en": name.en} if name is not None else str(u))
        out.append((u, float(v), unit))
    return out


def _weights(result: Any, personal: bool, names: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The donor weights table: the :data:`TOP_DONORS` largest, named as :func:`_donors`."""
    return [{"unit": unit, "weight": _num(v, 3)} for _, v, unit in
            _donors(result, personal, names)]


def _site_names(evaluation: Evaluation) -> dict[str, Any]:
    sites = getattr(evaluation.project, "sites", None)
    if sites is None:
        return {}
    return {str(n["id"]): n["name"] for n in sites.nodes() if n["name"] is not None}


def _honest(frame: Any, unit: Mapping[str, str] | None) -> dict[str, Any]:
    """Breakdown value and the key of the plain sentence for an ``ek.honest_did`` frame (the
    case chosen as :func:`evalkit.estimate.honest.honest_note` chooses it; the report words
    it in its own plainer ``designs.honest.<case>``)."""
    from evalkit.estimate.honest import honest_note

    bd = float(frame.attrs.get("breakdown", math.nan))
    orig = frame.attrs.get("original", (math.nan, math.nan))
    method = str(frame.attrs.get("method"))
    key = honest_note(frame).key.removeprefix("honest.")
    rows = [{"m": _num(r.m, 3), "lb": _num(r.lb), "ub": _num(r.ub)}
            for r in frame.itertuples(index=False)]
    return {"key": f"designs.honest.{key}", "method": method,
            "params": {"breakdown": (_num(bd, 2).rstrip("0").rstrip(".")
                                     if method == "relative_magnitude" else _num(bd, 3)),
                       "unit_zh": (unit or {}).get("zh", ""),
                       "unit_en": (unit or {}).get("en", "")},
            "original": [_num(orig[0]), _num(orig[1])], "rows": rows}


def design_rules() -> dict[str, str]:
    """The level-4 thresholds for synthetic comparisons, for the methods appendix."""
    from evalkit.estimate.evidence import SYNTH_LEVEL4

    return {"min_pre": str(SYNTH_LEVEL4["min_pre_periods"]),
            "min_donors": str(SYNTH_LEVEL4["min_donors"]),
            "max_ratio": _num(100 * SYNTH_LEVEL4["max_fit_ratio"], 0)}


#: designs compared with a comparison group under parallel trends (the DiD assumption); the
#: comparison-group pre/post (ANCOVA) rests on its own assumption (``methods.assumption_ancova``)
_PARALLEL = frozenset({"did", "twfe", "event_study", "staggered_did"})


def methods_used(effects: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The catalogue keys of the methods appendix's formulas and assumptions, for the designs
    the evaluation used: ``{"formulas": [...], "assumptions": [...]}``.

    * pre/post (``pre_post``, ``post_only``): ``methods.prepost``, ``methods.wilcoxon`` and
      ``methods.assumption_prepost``;
    * the comparison-group pre/post (``pre_post_comparison``, ANCOVA of the post score on
      group and pre score, :func:`evalkit.estimate.diagnostics.ancova`): ``methods.ancova``
      (classical OLS standard errors, as the pipeline fits it) or ``methods.ancova_hc1``
      (an ANCOVA fitted with ``se="robust"``) and ``methods.assumption_ancova``;
    * DiD (``did``): ``methods.did``; two-way fixed effects (``twfe``): ``methods.twfe``;
    * an event study (the design, or one run beside a DiD): ``methods.event_study``;
    * staggered DiD: ``methods.staggered`` (Callaway & Sant'Anna);
    * clustered standard errors (an estimate or its event study with a cluster or wild
      bootstrap note): ``methods.cluster``;
    * any design resting on parallel trends: ``methods.assumption_did``.

    Interrupted time series and synthetic comparisons have their formulas in the design
    partial (``designs.methods.*``), so they add nothing here.
    """
    designs = {str(e.get("design")) for e in effects}
    studies = [e["event_study"] for e in effects if isinstance(e.get("event_study"), Mapping)]
    keys = {str(n.get("key") or "") for e in [*effects, *studies]
            for n in e.get("note_data") or []}
    formulas: list[str] = []
    assumptions: list[str] = []
    if designs & {"pre_post", "post_only"}:
        formulas += ["methods.prepost", "methods.wilcoxon"]
        assumptions.append("methods.assumption_prepost")
    ancova = [e for e in effects if str(e.get("design")) == "pre_post_comparison"]
    if any("robust" not in str(e.get("method", "")) for e in ancova):
        formulas.append("methods.ancova")
    if any("robust" in str(e.get("method", "")) for e in ancova):
        formulas.append("methods.ancova_hc1")
    if "did" in designs:
        formulas.append("methods.did")
    if "twfe" in designs:
        formulas.append("methods.twfe")
    if "event_study" in designs or studies:
        formulas.append("methods.event_study")
    if "staggered_did" in designs:
        formulas.append("methods.staggered")
    if any(k.startswith(("se.cluster", "inference.wild")) for k in keys):
        formulas.append("methods.cluster")
    if designs & _PARALLEL or studies:
        assumptions.append("methods.assumption_did")
    if ancova:
        assumptions.append("methods.assumption_ancova")
    return {"formulas": formulas, "assumptions": assumptions}


def limitations_used(effects: Sequence[Mapping[str, Any]],
                     used: Mapping[str, Sequence[str]]) -> list[str]:
    """The catalogue keys of the methods appendix's limitations that apply to the evaluation:
    self-reported answers (``methods.limitation_1``) and people without a post-test
    (``methods.limitation_2``) when an outcome is a survey before and after; few clusters
    (``methods.limitation_3``) when standard errors are clustered (``methods.cluster`` in
    ``used["formulas"]``). An interrupted time series of hotline calls has none of them."""
    designs = {str(e.get("design")) for e in effects}
    out = []
    if designs & {"pre_post", "pre_post_comparison", "post_only"}:
        out.append("methods.limitation_1")
    if designs & {"pre_post", "pre_post_comparison"}:
        out.append("methods.limitation_2")
    if "methods.cluster" in used.get("formulas", ()):
        out.append("methods.limitation_3")
    return out


def design_records(evaluation: Evaluation, rules: Disclosure) -> list[dict[str, Any]]:
    """One record per outcome: ``{id, name, lead, design, why, rating, weights, honest}``
    (``lead``: the name as it starts an English heading, :func:`evalkit._text.lead_pair`).

    ``why``, ``rating`` and ``honest`` carry a catalogue key and its parameters (numbers
    pre-formatted); templates print them with ``t(key, **params)``. Templates leave out the
    numbers of an outcome whose effect the disclosure pass suppressed.
    """
    from evalkit._text import lead_pair

    outcomes = {oc.id: oc for oc in evaluation.project.outcomes}
    hidden_units = rules.personal | rules.person_ids
    site_names = _site_names(evaluation)
    out = []
    for oid, result in dict(evaluation.effects).items():
        oc = outcomes.get(oid.removesuffix("_vs_comparison"))
        if oc is None or str(result.design) not in _EXPLAINED:
            continue
        details = dict((getattr(evaluation, "details", {}) or {}).get(oid, {}) or {})
        frame = details.get("honest_did")
        unit = ({"zh": oc.unit_label.zh, "en": oc.unit_label.en} if oc.unit_label else None)
        out.append({
            "id": oid,
            "name": {"zh": oc.name.zh, "en": oc.name.en},
            "lead": lead_pair({"zh": oc.name.zh, "en": oc.name.en}),
            "design": str(result.design),
            "why": _why(oc, result),
            "rating": _rating(result),
            "weights": _weights(result, str(oc.unit) in hidden_units, site_names),
            "honest": _honest(frame, unit) if frame is not None else None,
        })
    return out


def design_charts(evaluation: Evaluation, context: Mapping[str, Any], *, lang: str,
                  fmt: str, safely: Any) -> dict[str, dict[str, Any]]:
    """``{"designs": {outcome id: chart}, "honest": {outcome id: chart}}`` for outcomes
    whose effect is shown (not suppressed); ``safely(name, make, fmt)`` draws one chart.

    ``fmt="svg"`` (HTML, PDF): SVG text written by :mod:`evalkit.report.svgcharts`
    (no matplotlib); ``fmt="png"`` (Word): the matplotlib charts of
    :mod:`evalkit.plot.designs` and :mod:`evalkit.plot.honest`. Both get the same inputs.
    """
    from dataclasses import replace
    from functools import partial

    from evalkit.data.privacy import identifying_columns

    its: Callable[..., Any]
    synth: Callable[..., Any]
    honest: Callable[..., Any]
    if fmt == "svg":
        from evalkit.report.svgcharts import designs as drawn
        from evalkit.report.svgcharts import honest as drawn_honest

        its, synth, honest = drawn.its_svg, drawn.synth_svg, drawn_honest.honest_svg
    else:
        from evalkit.plot import designs as plotted
        from evalkit.plot import honest as plotted_honest

        its, synth = plotted.plot_its, plotted.plot_synth
        honest = plotted_honest.plot_honest_did

    shown = {e["id"] for e in context.get("effects", []) if not e.get("suppressed")}
    outcomes = {oc.id: oc for oc in evaluation.project.outcomes}
    hidden_units = set(identifying_columns(evaluation.project))  # personal and person ids
    site_names = _site_names(evaluation)
    columns = {name: getattr(col.description, lang) for source in
               evaluation.project.data.values() for name, col in source.columns.items()
               if col.description is not None}
    charts: dict[str, dict[str, Any]] = {"designs": {}, "honest": {}}
    for oid, result in dict(evaluation.effects).items():
        if oid not in shown:
            continue
        design = str(result.design)
        oc = outcomes.get(oid.removesuffix("_vs_comparison"))
        name = outcomes[oid].name.get(lang) if oid in outcomes else None
        result = replace(result, outcome=name or result.outcome)  # titles: names
        if design in ("its", "comparative_its"):
            axis = columns.get(str(result.extra["series"].columns[0]))  # its description
            charts["designs"][oid] = safely(f"its:{oid}", partial(its, result, lang,
                                                                  time_label=axis), fmt)
        elif design in ("synthetic_control", "synthetic_did"):
            personal = oc is not None and str(oc.unit) in hidden_units
            labels = {u: str(unit[lang] if isinstance(unit, dict) else unit) for u, _, unit
                      in _donors(result, personal, site_names, top=_CHART_DONORS)}
            charts["designs"][oid] = safely(f"synth:{oid}", partial(
                synth, result, lang, top=_CHART_DONORS, labels=labels), fmt)
        frame = (evaluation.details.get(oid) or {}).get("honest_did")
        if frame is not None:
            charts["honest"][oid] = safely(f"honest:{oid}", partial(honest, frame, lang), fmt)
    return charts
