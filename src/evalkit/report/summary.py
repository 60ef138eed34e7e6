"""The executive summary: the verdict in three sentences, in the report language.

1. the verdict (acceptance when assessed, else what was evaluated);
2. indicators reaching their target (and, apart, those within the tolerance band but short
   of it and those below it), the weighted score and the renewal recommendation;
3. how many outcomes changed beyond chance and how strong the best evidence is, glossed by
   the design (or designs) that reached that level (``summary.design.<design>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["summary_sentences"]


def _stop(lang: str) -> str:
    return "。" if lang == "zh" else "."


def _designs_at(shown: list[Mapping[str, Any]], level: Any, t: Callable[..., str],
                label: Callable[[Any], Any], lang: str) -> str:
    """The plain gloss of every design that reached the best ``level`` (each design once, in
    the order of the outcomes): two outcomes at level 2, one pre/post and one interrupted
    time series, are glossed as both, never as the first one's design alone."""
    designs = list(dict.fromkeys(str(e["design"]) for e in shown
                                 if e["evidence_level"] == level))
    glosses = [t(f"summary.design.{d}", default="") or
               label(next(e["design_label"] for e in shown if str(e["design"]) == d))
               for d in designs]
    return ("；" if lang == "zh" else "; ").join(glosses)


def summary_sentences(ctx: Mapping[str, Any], t: Callable[..., str],
                      label: Callable[[Any], Any], lang: str) -> list[str]:
    """Three sentences built from the context with the label catalogue ``t``."""
    p = ctx["project"]
    name = label(p["name"])
    acceptance = ctx.get("acceptance") or {}
    verdict = acceptance.get("verdict")
    if verdict:
        first = t(f"summary.verdict.{verdict}", default=str(verdict), project=name)
    else:
        first = t("summary.verdict.none", project=name, purchaser=label(p["purchaser"]),
                  provider=label(p["provider"]), start=p["period"]["start"],
                  end=p["period"]["end"])

    s = ctx["indicator_summary"]
    if s["total"]:
        second = t("summary.indicators", met=s["met"], total=s["total"])
        if s.get("above_target"):
            second += t("summary.indicators_above", above=s["above_target"])
        if s.get("near_target"):
            second += t("summary.indicators_near", near=s["near_target"])
        if s.get("not_met"):
            second += t("summary.indicators_not_met", not_met=s["not_met"])
        card = ctx.get("scorecard") or {}
        if isinstance(card.get("total"), int | float):
            grade = card.get("grade")
            grade_text = label(grade) if isinstance(grade, Mapping) else (grade or "—")
            second += t("summary.score", score=f"{card['total']:.1f}", grade=grade_text)
    else:
        second = t("summary.no_indicators")
    second += _stop(lang)
    renewal = ctx.get("renewal") or {}
    if renewal.get("recommendation"):
        rec = str(renewal["recommendation"])
        second += t("sentence_sep") + t(
            "summary.renewal", recommendation=t(f"recommendation.{rec}", default=rec))

    shown = [e for e in ctx["effects"] if not e["suppressed"]]
    if shown:
        levels = [e for e in shown if isinstance(e["evidence_level"], int)]
        best = max(levels, key=lambda e: e["evidence_level"]) if levels else shown[0]
        third = t("summary.outcomes", total=len(ctx["effects"]),
                  significant=sum(bool(e["significant"]) for e in shown),
                  level=best["evidence_level"],
                  design=_designs_at(shown, best["evidence_level"], t, label, lang))
    else:
        third = t("summary.no_outcomes")
    return [first, second, third]
