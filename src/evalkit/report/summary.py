"""The executive summary: the verdict in three sentences, in the report language.

1. the verdict (acceptance when assessed, else what was evaluated);
2. indicators reaching their target (and, apart, those within the tolerance band but short
   of it and those below it), the weighted score and the renewal recommendation;
3. how many outcomes changed beyond chance and how strong the best evidence is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["summary_sentences"]


def _stop(lang: str) -> str:
    return "。" if lang == "zh" else "."


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
        second += (" " if lang == "en" else "") + t(
            "summary.renewal", recommendation=t(f"recommendation.{rec}", default=rec))

    shown = [e for e in ctx["effects"] if not e["suppressed"]]
    if shown:
        levels = [e for e in shown if isinstance(e["evidence_level"], int)]
        best = max(levels, key=lambda e: e["evidence_level"]) if levels else shown[0]
        third = t("summary.outcomes", total=len(ctx["effects"]),
                  significant=sum(bool(e["significant"]) for e in shown),
                  level=best["evidence_level"], design=label(best["design_label"]))
    else:
        third = t("summary.no_outcomes")
    return [first, second, third]
