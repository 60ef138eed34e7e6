"""Word writer (docxtpl): evalkit's default template or the organization's own .docx.

The template is rendered in the sandbox of organizations' HTML templates, with autoescaping (so
participant text such as ``<script>`` or ``{{ 7*7 }}`` is printed literally). Besides the
plain context it receives ``tables.<name>`` (Word tables, insert with ``{{p tables.x }}``),
``charts.<name>`` (PNG images, ``{{ charts.indicators }}``), ``summary`` (three sentences),
``verdict_text``, ``scorecard_grade``, ``methods_lines`` and ``sec`` (the chapters of
``sections`` by key, so a template can ask ``{%p if 'funds' in sec %}`` and print
``{{ sec.funds.title }}``; each chapter's ``subsections`` too) and ``mech_blocks`` (the
linkage-mechanism sub-sections as paragraphs and tables, :mod:`evalkit.report.docx_mechanisms`),
``design_blocks`` and ``design_methods`` (which design each outcome used and why, with its
charts, and the design notes of the methods appendix, :mod:`evalkit.report.docx_designs`) and
``agreement_text`` (the raters' ICC sentence under the scorecard).
Every run evalkit creates has
East Asian fonts set (``w:eastAsia``: 宋体 body, 黑体 headings).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateError

from evalkit._atomic import atomic_path
from evalkit.errors import RenderError

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["agreement_line", "default_template", "mde_line", "methods_lines", "write"]


def default_template(report: str) -> Path:
    """evalkit's own Word template for ``report``."""
    from evalkit.report.environment import shipped_templates

    return shipped_templates() / "docx" / f"{report}.docx"


def _docxtpl() -> Any:
    try:
        import docxtpl
    except ImportError as exc:
        raise RenderError("Word output needs docxtpl, which is not installed",
                          hint='pip install "evalkit[docx]"') from exc
    return docxtpl


def mde_line(e: Mapping[str, Any], t: Callable[..., str],
             label: Callable[[Any], Any] | None = None) -> str:
    """``power.mde`` for one effect record (as templates/partials/stack.j2 ``mde_text``)."""
    from evalkit.report.environment import fmt_num, fmt_pct

    m = e["mde"]
    name = label(e.get("lead") or e.get("name")) if label is not None else None
    return t("power.mde", outcome=name if isinstance(name, str) and name else e.get("id"),
             n=fmt_num(m["n"]), delta=fmt_num(m["delta"], 2), dz=fmt_num(m["effect"], 2),
             power=fmt_pct(m["power"], 0), alpha=fmt_num(m["alpha"]))


def agreement_line(card: Mapping[str, Any], t: Callable[..., str],
                   label: Callable[[Any], Any]) -> str:
    """The ICC sentence of the scorecard section (as templates/partials/stack.j2
    ``agreement_text``); empty when the scorecard has no rater agreement."""
    from evalkit.report.environment import fmt_num

    a = card.get("agreement")
    if not a:
        return ""
    names = card.get("role_names") or {}
    roles = t("agreement.sep").join(str(label(names[k])) if k in names
                                    else t("role." + k, default=k) for k in a["roles"])
    text = t("agreement.sentence", roles=roles, band=t("agreement.band." + a["band"]),
             icc=fmt_num(a["icc"], 2), low=fmt_num(a["ci"][0], 2),
             high=fmt_num(a["ci"][1], 2), n=a["n_items"])
    return text + (t("agreement.wide") if a["ci"][1] - a["ci"][0] > 0.5 else "")


def methods_lines(ctx: Mapping[str, Any], t: Callable[..., str],
                  label: Callable[[Any], Any] | None = None) -> list[str]:
    """The methods appendix as paragraphs: formulas, assumptions, conventions, the smallest
    change each pre/post sample could detect, limitations."""
    used = ctx.get("methods_used") or {}  # only the designs the evaluation used
    lines = [t(k) for k in [*used.get("formulas", []), *used.get("assumptions", [])]]
    lines += list(ctx["method_notes"])
    lines += [mde_line(e, t, label) for e in ctx.get("effects") or [] if e.get("mde")]
    lines += [t(k) for k in used.get("limitations", ("methods.limitation_1",
                                                       "methods.limitation_2",
                                                       "methods.limitation_3"))]
    return lines


def write(evaluation: Evaluation, path: Path, *, lang: str, report: str,
          template_dir: str | Path | None = None, docx_template: str | Path | None = None,
          **_: Any) -> Path:
    """Render the Word report and write ``path`` atomically."""
    docxtpl = _docxtpl()  # first: a clear RenderError when the docx extra is missing
    from docx.shared import Mm

    from evalkit.report.charts import build_charts
    from evalkit.report.docx_designs import design_blocks, design_method_lines
    from evalkit.report.docx_document import document_tables
    from evalkit.report.docx_mechanisms import mechanism_blocks
    from evalkit.report.docx_tables import cell_text, word_tables
    from evalkit.report.environment import label_functions
    from evalkit.report.pipeline import prepare, template_error

    env, _unused, ctx = prepare(evaluation, lang=lang, report=report, kind="docx",
                          template_dir=template_dir, suffix=None)
    source = Path(docx_template) if docx_template else default_template(report)
    from evalkit.data.load import sha256_file

    ctx["stamp"]["template"] = {"file": source.name, "sha256": sha256_file(source)}
    try:
        tpl = docxtpl.DocxTemplate(str(source))
        tpl.get_docx()
    except Exception as exc:
        raise RenderError(f"{source}: not a readable .docx template ({exc})",
                          hint="save the template from Word as .docx") from exc
    t, label = label_functions(env)
    pngs = build_charts(evaluation, ctx, lang=lang, fmt="png")

    def image(data: Any) -> Any:
        return docxtpl.InlineImage(tpl, io.BytesIO(data), width=Mm(150)) if data else None

    ctx["charts"] = {
        "indicators": image(pngs.get("indicators")),
        "logic_model": image(pngs.get("logic_model")),
        "tornado": image(pngs.get("tornado")),
        "prepost": {k: image(v) for k, v in (pngs.get("prepost") or {}).items()},
        "event_study": {k: image(v) for k, v in (pngs.get("event_study") or {}).items()},
        "designs": {k: image(v) for k, v in (pngs.get("designs") or {}).items() if v},
        "honest": {k: image(v) for k, v in (pngs.get("honest") or {}).items() if v},
    }
    ctx["tables"] = {**word_tables(ctx, t, label), **document_tables(ctx, t, label, lang)}
    ctx["sec"] = {s["key"]: s for s in ctx["sections"]}
    ctx["mech_blocks"] = mechanism_blocks(ctx, t, label)
    ctx["design_blocks"] = design_blocks(ctx, t, label, lang, ctx["charts"])
    ctx["design_methods"] = design_method_lines(ctx, t)
    card = ctx.get("scorecard") or {}
    ctx["agreement_text"] = agreement_line(card, t, label)
    ctx["scorecard_grade"] = cell_text(card.get("grade"), label)
    verdict = (ctx.get("acceptance") or {}).get("verdict") or "pending"
    text = t(f"verdict.{verdict}", default=str(verdict))
    ctx["verdict_text"] = text[:1].upper() + text[1:]  # a line of its own: "Accepted …"
    ctx["methods_lines"] = methods_lines(ctx, t, label)
    ctx["target"] = "docx"
    try:
        tpl.render(ctx, jinja_env=env, autoescape=True)
    except TemplateError as exc:
        raise template_error(exc, source.name) from exc
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise RenderError(f"Word template {source.name}: {type(exc).__name__}: {exc}",
                          hint="check its tags against docs/reports.md") from exc
    with atomic_path(path) as tmp:
        tpl.save(str(tmp))
    return path
