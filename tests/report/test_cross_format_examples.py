"""Every bundled example, zh and en, evaluation and acceptance report: the four writers print
every chapter and sub-section of the section plan — in the contents (目录) and in the body, in
order — and the linkage-mechanism chapter holds the same figures in HTML, PDF, Word and
Markdown (issue 12: "one section model feeds all four writers"; issue 13: every example "in
every output format").

The figures looked for are formatted here from the report context's ``analytics`` (after the
disclosure pass), independently of the templates and of the Word builder; a few headline
figures are checked against the evaluation's own results too, so the context is not wrong
in every format at once.

PDF: the HTML laid out for print (``target="pdf"``) is checked for every combination; a real
PDF (WeasyPrint, read back with pdftotext) for one combination per example, alternating.
"""

from __future__ import annotations

import html as html_lib
import importlib.util
import re
import warnings
from typing import Any

import pytest
import report_helpers as rh

import evalkit as ek
from evalkit.report.environment import fmt_num, fmt_pct, fmt_signed

EXAMPLES = sorted(ek.datasets.list())
COMBOS = [(r, lang) for r in ("evaluation", "acceptance") for lang in ("zh", "en")]
HAS = {"pdf": importlib.util.find_spec("weasyprint") is not None,
       "docx": importlib.util.find_spec("docxtpl") is not None}


def test_every_example_is_covered() -> None:
    assert EXAMPLES == ["guangdong_workforce", "shenyang_sanlian", "three_society_linkage",
                        "workers_home", "zhongshan_linkage"]


@pytest.fixture(scope="module")
def evaluations(demo_ev: Any) -> dict[str, Any]:
    out = {"workers_home": demo_ev}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in EXAMPLES:
            if name not in out:
                out[name] = ek.evaluate(ek.load_project(ek.datasets.path(name) /
                                                        "project.yaml"))
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def html_text(text: str) -> str:
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<svg\b.*?</svg>", " ", text, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", text))


def _context(ev: Any, report: str, lang: str) -> dict[str, Any]:
    from evalkit.report.environment import label_functions
    from evalkit.report.pipeline import prepare

    env, _, ctx = prepare(ev, lang=lang, report=report, kind="html", template_dir=None,
                          suffix=None)
    ctx["_t"], ctx["_label"] = label_functions(env)  # to write the design sentences below
    return ctx


def _titles(plan: list[dict[str, Any]]) -> list[str]:
    return [t for s in plan for t in [s["title"], *(x["title"] for x in s["subsections"])]]


def _find_in_order(flat: str, titles: list[str], start: int) -> tuple[int, list[str]]:
    """Find ``titles`` in order from ``start``: (position after the last, titles missing)."""
    at, missing = start, []
    for title in titles:
        pos = flat.find(_squash(title), at)
        if pos < 0:
            missing.append(title)
        else:
            at = pos + len(_squash(title))
    return at, missing


def _mechanism_figures(ctx: dict[str, Any], lang: str) -> list[str]:
    """The figures of the mechanism chapter, as every writer must print them."""
    a = ctx.get("analytics") or {}
    keys = [x["key"] for s in ctx["sections"] for x in s["subsections"]]
    out: list[str] = []
    for key in keys:
        part = a[key]
        if key == "sites":
            for row in part["rows"]:
                out += [fmt_num(c["actual"]) for c in row["indicators"].values() if c]
        elif key == "partnership":
            out.append(fmt_num(part["reciprocity"]))
            for r in part["periods"]["records"]:
                out += [fmt_num(r["a_to_b"]), fmt_num(r["b_to_a"]), fmt_num(r["reciprocity"])]
        elif key == "needs_match":
            out += [fmt_pct(part["top_served"]), fmt_num(part["mismatch"])]
            for r in part["table"]["records"]:
                out += [fmt_num(r["n"]), fmt_pct(r["need_share"]), fmt_num(r["services"])]
        elif key == "retention":
            out += [fmt_pct(part["retention"]), fmt_pct(part["ci"][0]), fmt_pct(part["ci"][1])]
            if part.get("conversion"):
                out.append(fmt_pct(part["conversion"]["share"]))
        elif key == "coverage":
            out += [fmt_pct(part["with_points"]), fmt_pct(part["full"])]
            out += [fmt_num(r["services"]) for r in part["table"]["records"]]
        elif key == "cycle":
            out += [fmt_num(r["days_late"]) for r in (part["problems"] or {}).get("records", [])]
        elif key == "heterogeneity":
            for h in part:
                for r in h["table"]["records"]:
                    out += [fmt_num(r["estimate"]), fmt_num(r["conf_low"]),
                            fmt_num(r["conf_high"])]
        elif key == "workforce":
            for r in part["checks"]["records"]:
                rate = r["indicator"] in ("certification_rate", "turnover")
                out.append(fmt_pct(r["value"], 1) if rate else fmt_num(r["value"]))
                if not rate:
                    # a change of a count is a whole number (+400, not +400.00)
                    out.append(fmt_signed(r["trend"], 0 if r["indicator"] == "headcount"
                                          else 2))
            for r in part["by_site"]["records"]:
                out += [fmt_num(r["n"]), fmt_num(r["caseload"])]
        else:  # a new sub-section: add its figures here
            raise AssertionError(f"no figures listed for mechanism sub-section {key!r}")
    return out


def _headline_truths(ev: Any, ctx: dict[str, Any]) -> None:
    """The context's headline mechanism figures equal the evaluation's results."""
    a, res = ctx.get("analytics") or {}, ev.analytics
    if a.get("partnership"):
        assert a["partnership"]["reciprocity"] == pytest.approx(res.partnership.reciprocity)
    if a.get("coverage"):
        assert a["coverage"]["full"] == pytest.approx(res.coverage.full)
    if a.get("needs_match"):
        assert a["needs_match"]["mismatch"] == pytest.approx(res.needs_match.mismatch)
    if a.get("retention") and not isinstance(a["retention"]["retention"], str):
        assert a["retention"]["retention"] == pytest.approx(res.retention.retention)
    for h in a.get("heterogeneity") or []:
        table = res.heterogeneity[h["id"]].table
        shown = [r["estimate"] for r in h["table"]["records"]]
        if not h["suppressed"]:
            assert shown == pytest.approx(list(table["estimate"]))


@pytest.fixture(scope="module")
def outputs(evaluations: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
            ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(example, report, lang) -> context and the visible text of each writer's output."""
    from evalkit.report.html import render_html

    folder = tmp_path_factory.mktemp("cross_examples")
    out = {}
    for i, name in enumerate(EXAMPLES):
        ev = evaluations[name]
        for j, (report, lang) in enumerate(COMBOS):
            stem = folder / f"{name}_{report}_{lang}"
            texts = {"html": html_text(ev.render(stem.with_suffix(".html"), lang=lang,
                                                 report=report).read_text(encoding="utf-8")),
                     "pdf-html": html_text(render_html(ev, lang=lang, report=report,
                                                       target="pdf")),
                     "md": ev.render(stem.with_suffix(".md"), lang=lang, report=report)
                     .read_text(encoding="utf-8").replace("\\.", ".")}
            if HAS["docx"]:
                texts["docx"] = rh.docx_body_text(ev.render(stem.with_suffix(".docx"), lang=lang,
                                                    report=report))
            if HAS["pdf"] and j == i % len(COMBOS):  # one real PDF per example
                texts["pdf"] = rh.pdf_text(ev.render(stem.with_suffix(".pdf"), lang=lang,
                                                     report=report))
            out[(name, report, lang)] = {"ctx": _context(ev, report, lang), "texts": texts}
    return out


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(("report", "lang"), COMBOS)
def test_every_section_in_contents_and_body(outputs: dict[Any, dict[str, Any]], name: str,
                                            report: str, lang: str) -> None:
    got = outputs[(name, report, lang)]
    plan = got["ctx"]["sections"]
    titles = _titles(plan)
    assert len(plan) >= 9
    for fmt, text in got["texts"].items():
        flat = _squash(text)
        toc = flat.find(_squash(rh_toc(lang)))
        assert toc >= 0, (fmt, "no contents")
        after_toc, missing_toc = _find_in_order(flat, titles, toc)
        assert not missing_toc, (name, report, lang, fmt, "contents lacks", missing_toc)
        _, missing_body = _find_in_order(flat, titles, after_toc)
        assert not missing_body, (name, report, lang, fmt, "body lacks", missing_body)
        for s in plan:  # no chapter is a bare heading (七、评估结论 was, with no verdict)
            body = _chapter_text(text, plan, s["key"])[len(_squash(s["title"])):]
            assert len(body) >= 10, (name, report, lang, fmt, "empty chapter", s["title"])


def rh_toc(lang: str) -> str:
    return "目录" if lang == "zh" else "Contents"


def _chapter_text(text: str, plan: list[dict[str, Any]], key: str) -> str:
    """The body text of chapter ``key`` (after the contents), up to the next chapter."""
    flat = _squash(text)
    titles = [_squash(s["title"]) for s in plan]
    after_toc, _ = _find_in_order(flat, [s["title"] for s in plan], 0)
    keys = [s["key"] for s in plan]
    i = keys.index(key)
    start = flat.find(titles[i], after_toc)
    end = flat.find(titles[i + 1], start) if i + 1 < len(titles) else len(flat)
    assert start >= 0 and end > start, key
    return flat[start:end]


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(("report", "lang"), COMBOS)
def test_mechanism_figures_in_every_format(outputs: dict[Any, dict[str, Any]],
                                           evaluations: dict[str, Any], name: str,
                                           report: str, lang: str) -> None:
    got = outputs[(name, report, lang)]
    ctx = got["ctx"]
    plan = ctx["sections"]
    if "mechanisms" not in [s["key"] for s in plan]:
        assert (name, report) == ("workers_home", "acceptance"), "no mechanism chapter"
        return
    _headline_truths(evaluations[name], ctx)
    figures = _mechanism_figures(ctx, lang)
    assert figures, name
    for fmt, text in got["texts"].items():
        chapter = _chapter_text(text, plan, "mechanisms")
        missing = [f for f in figures if _squash(f) not in chapter]
        assert not missing, (name, report, lang, fmt, missing[:10])


def test_which_mechanisms_each_report_shows(outputs: dict[Any, dict[str, Any]]) -> None:
    """The evaluation report shows every analysis an example has; the acceptance report
    the ones that bear on acceptance (docs/reports.md)."""
    def subs(name: str, report: str) -> list[str]:
        plan = outputs[(name, report, "zh")]["ctx"]["sections"]
        return [x["key"] for s in plan for x in s["subsections"]]

    assert subs("workers_home", "evaluation") == ["partnership"]
    assert subs("zhongshan_linkage", "evaluation") == ["sites", "needs_match", "retention",
                                                      "coverage"]
    assert subs("zhongshan_linkage", "acceptance") == ["sites", "coverage"]
    assert subs("three_society_linkage", "acceptance") == ["cycle"]
    assert subs("shenyang_sanlian", "evaluation") == ["sites", "heterogeneity"]
    assert subs("shenyang_sanlian", "acceptance") == ["sites"]
    assert subs("guangdong_workforce", "acceptance") == ["sites", "workforce"]
    assert subs("workers_home", "acceptance") == []


def _design_texts(ctx: dict[str, Any], lang: str) -> tuple[list[str], list[str]]:
    """The design explanations (issue 14 part 5) as every writer must print them: in the
    outcomes chapter (which design, why, the evidence level and what decided it, the top
    donor weights, the sensitivity sentence with its breakdown value) and in the methods
    appendix; formatted here from ``design_notes`` and the zh/en catalogue."""
    t, label = ctx["_t"], ctx["_label"]
    notes = ctx.get("design_notes") or []
    if ctx["report"] != "evaluation" or not notes:
        return [], []
    effects = {e["id"]: e for e in ctx["effects"]}
    body = [t("designs.heading"), t("designs.intro")]
    for d in notes:
        body += [t("designs.title", name=label(d["lead"]),
                   design=t("designs.name." + d["design"])), t(d["why"]["key"],
                                                             **d["why"]["params"])]
        e = effects.get(d["id"])
        if not e or e.get("suppressed"):
            continue
        body.append(t("designs.rating_line", level=e["evidence_level"]))
        if d["rating"]:
            body.append(t(d["rating"]["key"], **d["rating"]["params"]))
        for w in d["weights"]:
            body += [str(label(w["unit"])) if isinstance(w["unit"], dict) else w["unit"],
                     w["weight"]]
        if d["honest"]:
            h = d["honest"]
            body += [t("designs.honest.heading"),
                     t(h["key"], breakdown=h["params"]["breakdown"],
                       unit=h["params"]["unit_" + lang])]
    designs = set(ctx["designs"])
    its = designs & {"its", "comparative_its"}
    synth = designs & {"synthetic_control", "synthetic_did"}
    honest = any(d["honest"] for d in notes)
    methods = [t("designs.methods.heading")] if its or synth or honest else []
    methods += [t("designs.methods.its")] if its else []
    methods += [t("designs.methods.synth")] if synth else []
    methods += [t("designs.methods.honest")] if honest else []
    methods += [t("designs.methods.sms", **ctx["design_rules"])] if its or synth else []
    return body, methods


#: the examples whose outcomes use the small-program designs of issue 14, and which
DESIGNED = {"three_society_linkage": "its", "shenyang_sanlian": "synthetic_did",
            "workers_home": "honest"}


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(("report", "lang"), COMBOS)
def test_design_explanations_in_every_format(outputs: dict[Any, dict[str, Any]], name: str,
                                             report: str, lang: str) -> None:
    got = outputs[(name, report, lang)]
    ctx = got["ctx"]
    body, methods = _design_texts(ctx, lang)
    if report == "evaluation" and name in DESIGNED:  # the examples keep their designs
        kind = DESIGNED[name]
        notes = ctx["design_notes"]
        assert (any(d["honest"] for d in notes) if kind == "honest"
                else kind in [d["design"] for d in notes]), (name, kind)
        assert methods, name
    plan = got["ctx"]["sections"]
    for fmt, text in got["texts"].items():
        if body:
            chapter = _chapter_text(text, plan, "outcomes")
            missing = [x for x in body if _squash(x) not in chapter]
            assert not missing, (name, report, lang, fmt, "outcomes chapter lacks", missing)
        if methods:
            chapter = _chapter_text(text, plan, "methods")
            missing = [x for x in methods if _squash(x) not in chapter]
            assert not missing, (name, report, lang, fmt, "methods appendix lacks", missing)
