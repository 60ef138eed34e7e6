"""Estimator notes (``EffectResult.notes``) in the report's language.

Estimators write their conventions and caveats as English notes, because language enters only
when rendering. A Chinese report translates the notes evalkit's own estimators write; a note
with no translation below (a user's own, or a new one) is printed as written.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["localise_notes", "translate_note"]

_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"estimate is post − pre \(pingouin reports pre − post: opposite sign\)",
         "估计值为后测减前测"),
        (r"estimate: difference in post scores between the groups, holding the pre score "
         r"constant",
         "估计值：前测得分相同的条件下，服务组与对照组后测得分之差"),
        (r"standard errors: clustered by '(?P<c>[^']+)' \((?P<g>\d+) clusters\), CR1 factor "
         r"G/\(G-1\)·\(N-1\)/\(N-K\); absorbed fixed effects nested in the clusters are not "
         r"counted in K \(fixest/pyfixest default\); t\(G-1\) inference",
         "标准误：按“{c}”聚类（{g} 个聚类），CR1 小样本校正 G/(G-1)·(N-1)/(N-K)；嵌套于聚类内的"
         "固定效应不计入 K（与 fixest/pyfixest 默认一致）；按 t(G-1) 分布推断"),
        (r"panel: unit fixed effects for '(?P<u>[^']+)' absorb the group main effect",
         "面板数据：“{u}”的个体固定效应吸收了组别主效应"),
        (r"the DiD is the effect of the service only if both groups would have changed in "
         r"parallel without it",
         "只有在没有服务时两组会同步变化的前提下，双重差分估计值才是服务的效果"),
        (r"headline = equally weighted average of the post-treatment coefficients "
         r"\(relative time >= 0\)",
         "总体估计值 = 服务开始后（相对时期 ≥ 0）各期系数的等权平均"),
        (r"pre-trend test \(joint Wald, (?P<k>\d+) pre-period coefficients = 0\): "
         r"p = (?P<p>[0-9.eE+-]+)",
         "事前趋势检验（联合 Wald 检验，{k} 个事前系数均为 0）：p = {p}"),
    )
)


def translate_note(note: str, lang: str) -> str:
    """``note`` in ``lang``: evalkit's own notes in Chinese for "zh", otherwise unchanged.

    >>> translate_note("the DiD is the effect of the service only if both groups would have "
    ...                "changed in parallel without it", "zh")
    '只有在没有服务时两组会同步变化的前提下，双重差分估计值才是服务的效果'
    """
    if lang != "zh":
        return note
    for pattern, template in _ZH:
        match = pattern.fullmatch(note)
        if match:
            return template.format(**match.groupdict())
    return note


def localise_notes(context: dict[str, Any], lang: str) -> None:
    """Translate the notes a report context holds (per effect, its event study, the methods
    appendix) into ``lang``, in place."""
    if lang == "en":
        return
    for effect in context.get("effects", []):
        effect["notes"] = [translate_note(n, lang) for n in effect.get("notes", [])]
        study = effect.get("event_study")
        if isinstance(study, dict) and "notes" in study:
            study["notes"] = [translate_note(n, lang) for n in study["notes"]]
    context["method_notes"] = [translate_note(n, lang) for n in context.get("method_notes", [])]
