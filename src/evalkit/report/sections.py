"""The section plan: which chapters a report has, in which order, with which sub-sections.

:func:`section_plan` is the one source every writer follows — HTML, PDF, Word and Markdown,
evaluation and acceptance report — and the contents (目录) lists it. How to add a chapter or
a sub-section: docs/reports.md, "Adding a section".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["APPENDICES", "CHAPTERS", "MECHANISMS", "mechanism_keys", "section_plan"]

_ZH_NUMERALS = "一二三四五六七八九十"

T = Callable[..., str]


def _numeral(i: int, lang: str) -> str:
    if lang != "zh":
        return f"{i}."
    text = _ZH_NUMERALS[i - 1] if i <= 10 else "十" + _ZH_NUMERALS[i - 11]
    return f"{text}、"


#: The chapters in order: ``(key, shown)``; ``shown(ctx, report)`` says whether the chapter
#: has data. To add a chapter: insert it here, give it a label ``doc.section.<key>`` (and
#: ``doc.section.<key>_acceptance`` when the acceptance report names it differently), and
#: write its body in ``partials/body.html.j2``, ``partials/body.md.j2`` and
#: ``templates/make_docx_template.py`` (``CHAPTERS``); the cross-format test then checks it
#: in every writer (docs/reports.md, "Adding a section").
CHAPTERS: list[tuple[str, Callable[[Mapping[str, Any], str], bool]]] = [
    ("summary", lambda ctx, report: True),
    ("overview", lambda ctx, report: True),
    ("basis", lambda ctx, report: True),
    ("indicators", lambda ctx, report: True),
    ("outcomes", lambda ctx, report: bool(ctx.get("effects"))),
    ("mechanisms", lambda ctx, report: bool(mechanism_keys(ctx, report))),
    ("satisfaction", lambda ctx, report: bool(ctx.get("satisfaction") or ctx.get("voices"))),
    ("funds", lambda ctx, report: bool(ctx.get("value"))),
    ("issues", lambda ctx, report: True),
    ("conclusion", lambda ctx, report: True),
    ("signatures", lambda ctx, report: True),
    ("attachments", lambda ctx, report: bool(ctx.get("attachments"))),
]
APPENDICES: list[tuple[str, Callable[[Mapping[str, Any], str], bool]]] = [
    ("methods", lambda ctx, report: True),
    ("stamp", lambda ctx, report: True),
]

#: The sub-sections of the linkage-mechanism chapter, in order: ``(key of
#: ctx["analytics"], anchor, label, in the acceptance report)``. The acceptance report keeps
#: what bears on acceptance — the contracted deliverables per site, the coverage commitments,
#: the project-cycle gates and the workforce targets; the exchange balance, needs match,
#: volunteer retention and subgroup effects are evaluation questions (docs/reports.md).
MECHANISMS: tuple[tuple[str, str, str, bool], ...] = (
    ("sites", "sec-sites", "mech.sites", True),
    ("partnership", "sec-partnership", "mech.partnership", False),
    ("needs_match", "sec-needs", "mech.needs", False),
    ("retention", "sec-retention", "mech.retention", False),
    ("coverage", "sec-coverage", "mech.coverage", True),
    ("cycle", "sec-cycle", "mech.cycle", True),
    ("heterogeneity", "sec-heterogeneity", "mech.heterogeneity", False),
    ("workforce", "sec-workforce", "mech.workforce", True),
)


def mechanism_keys(ctx: Mapping[str, Any], report: str) -> list[str]:
    """The mechanism sub-sections ``report`` shows: those with data, and in the acceptance
    report only those that bear on acceptance (:data:`MECHANISMS`)."""
    analytics = ctx.get("analytics") or {}
    return [key for key, _, _, accept in MECHANISMS
            if analytics.get(key) and (report != "acceptance" or accept)]


def _sub_numeral(i: int, chapter: int, lang: str) -> str:
    return f"（{_numeral(i, 'zh')[:-1]}）" if lang == "zh" else f"{chapter}.{i}"


def _subsections(key: str, chapter: int, ctx: Mapping[str, Any], report: str, t: T,
                 lang: str) -> list[dict[str, Any]]:
    if key != "mechanisms":
        return []
    anchors = {k: (anchor, label) for k, anchor, label, _ in MECHANISMS}
    out = []
    for i, sub in enumerate(mechanism_keys(ctx, report), start=1):
        anchor, label = anchors[sub]
        number = _sub_numeral(i, chapter, lang)
        out.append({"id": anchor, "key": sub, "number": number, "name": t(label),
                    "title": f"{number}{'' if lang == 'zh' else ' '}{t(label)}"})
    return out


def section_plan(ctx: Mapping[str, Any], report: str, t: T, lang: str) -> list[dict[str, Any]]:
    """The chapters of ``report`` in order: ``{id, key, title, number, appendix,
    subsections, sub_names}`` (``sub_names``: the sub-sections' names joined, for a lead
    sentence).

    One plan feeds every writer (HTML, PDF, Word, Markdown) and the contents (目录).
    Chapters follow the usual order of a Chinese purchased-service report (:data:`CHAPTERS`):
    摘要, 项目概况, 评估依据与方法, 指标完成情况, 服务成效, 联动机制运行情况, 满意度, 资金使用,
    问题与建议 (整改要求 in the acceptance report), 评估结论 (验收意见 in the acceptance
    report), 签字盖章, 附件清单; then the appendices (methods and data quality,
    reproducibility). A chapter without data is left out. ``subsections`` (numbered
    （一）（二）… / 6.1 6.2 …) are listed in the contents too; the linkage-mechanism chapter
    has one per analysis (:data:`MECHANISMS`).
    """
    out: list[dict[str, Any]] = []
    n = 0
    for key, shown in CHAPTERS:
        if not shown(ctx, report):
            continue
        n += 1
        name = t(f"doc.section.{key}_{report}", default=t(f"doc.section.{key}"))
        subs = _subsections(key, n, ctx, report, t, lang)
        out.append({"id": f"sec-{key}", "key": key, "number": _numeral(n, lang),
                    "title": f"{_numeral(n, lang)}{'' if lang == 'zh' else ' '}{name}",
                    "appendix": False, "subsections": subs,
                    "sub_names": ("、" if lang == "zh" else "; ").join(x["name"] for x in subs)})
    for i, (key, shown) in enumerate(APPENDICES):
        if not shown(ctx, report):
            continue
        letter = "ABCDEFG"[i]
        name = t(f"doc.section.{key}")
        out.append({"id": f"sec-{key}", "key": key, "number": letter,
                    "title": t("doc.appendix", letter=letter, title=name), "appendix": True,
                    "subsections": [], "sub_names": ""})
    return out
