"""Word writer (docxtpl): evalkit's default template or the organization's own .docx.

The template is rendered in the same sandbox as the HTML templates, with autoescaping (so
participant text such as ``<script>`` or ``{{ 7*7 }}`` is printed literally). Besides the
plain context it receives ``tables.<name>`` (Word tables, insert with ``{{p tables.x }}``),
``charts.<name>`` (PNG images, ``{{ charts.indicators }}``), ``summary`` (three sentences),
``verdict_text``, ``scorecard_grade`` and ``methods_lines``. Every run evalkit creates has
East Asian fonts set (``w:eastAsia``: 宋体 body, 黑体 headings).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateError

from evalkit.errors import RenderError
from evalkit.report.atomic import atomic_path

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["BODY_FONTS", "HEADING_FONTS", "default_template", "write"]

BODY_FONTS = ("Times New Roman", "宋体")
HEADING_FONTS = ("Arial", "黑体")


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


def set_run_fonts(run: Any, fonts: tuple[str, str] = BODY_FONTS) -> None:
    """Latin and East Asian fonts on one python-docx run (``w:rFonts``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), fonts[0])
    rfonts.set(qn("w:eastAsia"), fonts[1])


def _cell_text(value: Any, label: Callable[[Any], Any]) -> str:
    from evalkit.report.environment import fmt_num

    if isinstance(value, Mapping):
        if "zh" in value or "en" in value:
            return str(label(value))
        return "; ".join(f"{k}: {_cell_text(v, label)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_cell_text(v, label) for v in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return fmt_num(value)
    return str(value)


class WordTable:
    """A Word table as WordprocessingML, inserted by docxtpl with ``{{p tables.name }}``.

    Built with python-docx in a scratch document (so no extra dependency); borders are set
    on the table itself, so it looks the same in any organization's template.
    """

    def __init__(self, headers: list[str], rows: list[list[str]]) -> None:
        self.headers = headers
        self.rows = rows

    def xml(self) -> str:
        """The ``<w:tbl>`` element (empty text when there are no rows)."""
        if not self.rows:
            return ""
        from docx import Document
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls
        from lxml import etree

        doc = Document()
        table = doc.add_table(rows=1 + len(self.rows), cols=len(self.headers))
        borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="8C99A6"/>'
                          for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        table._tbl.tblPr.append(parse_xml(f"<w:tblBorders {nsdecls('w')}>{borders}</w:tblBorders>"))
        for i, text in enumerate(self.headers):
            run = table.rows[0].cells[i].paragraphs[0].add_run(text)
            run.bold = True
            set_run_fonts(run, HEADING_FONTS)
        for r, values in enumerate(self.rows, start=1):
            for c, text in enumerate(values):
                set_run_fonts(table.rows[r].cells[c].paragraphs[0].add_run(text))
        return etree.tostring(table._tbl, encoding="unicode")

    def __html__(self) -> str:
        return self.xml()

    def __str__(self) -> str:
        return self.xml()

    def __bool__(self) -> bool:
        return bool(self.rows)


def _table(tpl: Any, headers: list[str], rows: list[list[str]]) -> WordTable:
    return WordTable(headers, rows)


def _frame_table(tpl: Any, tbl: Any, t: Callable[..., str], label: Callable[[Any], Any]) -> Any:
    if not isinstance(tbl, Mapping) or not tbl.get("columns"):
        if isinstance(tbl, Mapping) and tbl:
            return _table(tpl, [t("col.item"), t("col.value")],
                          [[t(f"col.{k}", default=str(k)), _cell_text(v, label)]
                           for k, v in tbl.items()])
        if isinstance(tbl, list) and tbl:
            return _table(tpl, [t("col.item")], [[_cell_text(v, label)] for v in tbl])
        return WordTable([], [])
    cols = list(tbl["columns"])
    return _table(tpl, [t(f"col.{c}", default=str(c)) for c in cols],
                  [[_cell_text(rec.get(c), label) for c in cols] for rec in tbl["records"]])


def _stage_table(tpl: Any, stage: Any, t: Callable[..., str], label: Callable[[Any], Any],
                 skip: tuple[str, ...] = ()) -> Any:
    if not stage:
        return WordTable([], [])
    if stage.get("table"):
        return _frame_table(tpl, stage["table"], t, label)
    raw = {k: v for k, v in (stage.get("raw") or {}).items() if k not in skip}
    return _frame_table(tpl, raw, t, label)


def _tables(tpl: Any, ctx: Mapping[str, Any], t: Callable[..., str],
            label: Callable[[Any], Any]) -> dict[str, Any]:
    from evalkit.report.environment import fmt_num, fmt_pct

    p = ctx["project"]
    meta = [[t("meta.project"), label(p["name"])], [t("meta.purchaser"), label(p["purchaser"])],
            [t("meta.provider"), label(p["provider"])],
            [t("meta.period"), t("meta.period_value", start=p["period"]["start"],
                                 end=p["period"]["end"])]]
    if p.get("contract_amount") is not None:
        meta.append([t("meta.contract_amount"), f"{fmt_num(p['contract_amount'])} "
                     + (t("meta.currency") if p["currency"] == "CNY" else p["currency"])])
    details: list[list[str]] = []
    for e in ctx["effects"]:
        for key, value in e["details"].items():
            details.append([str(label(e["name"])), t(f"details.{key}", default=key),
                            _cell_text(value, label)])
    missing = [[s["source"], c["column"], fmt_num(c["missing"]), fmt_pct(c["share"], 1)]
               for s in ctx["missing"] for c in s["columns"]]
    stamp = ctx["stamp"]
    stamp_rows = [[t("stamp.version"), stamp["evalkit_version"]],
                  [t("stamp.created"), stamp["created"]],
                  [t("stamp.spec"), f"{stamp['spec']['file']}  {stamp['spec']['sha256']}"]]
    stamp_rows += [[t("stamp.data"), f"{d['file']}  {d['sha256']}"] for d in stamp["data"]]
    stamp_rows.append([t("stamp.template"),
                       f"{stamp['template']['file']}  {stamp['template']['sha256']}"])
    acceptance = ctx.get("acceptance") or {}
    if acceptance.get("criteria"):
        criteria = _frame_table(tpl, acceptance["criteria"], t, label)
    else:
        criteria = _table(
            tpl, [t("col.criterion"), t("col.target"), t("col.actual"), t("col.mandatory"),
                  t("col.met"), t("col.means_of_verification")],
            [[f"{c['id']} {label(c['name'])}", fmt_num(c["target"]), fmt_num(c["actual"]),
              t("answer.yes") if c["mandatory"] else t("answer.no"),
              "—" if c["met"] is None else t("answer.yes") if c["met"] else t("answer.no"),
              ", ".join(str(label(x)) for x in c["evidence"])] for c in ctx["contract"]])
    return {
        "meta": _table(tpl, [t("col.item"), t("col.value")], meta),
        "scorecard": _stage_table(tpl, ctx.get("scorecard"), t, label, ("total", "grade")),
        "details": _table(tpl, [t("col.outcome"), t("col.item"), t("col.value")], details),
        "missing": _table(tpl, [t("col.source"), t("col.column"), t("col.missing"),
                                t("col.share")], missing),
        "value": _stage_table(tpl, ctx.get("value"), t, label),
        "cadence": _stage_table(tpl, ctx.get("cadence"), t, label),
        "criteria": criteria,
        "conditions": _frame_table(tpl, acceptance.get("conditions"), t, label),
        "renewal": _frame_table(tpl, (ctx.get("renewal") or {}).get("reasons"), t, label),
        "stamp": _table(tpl, [t("col.item"), t("col.value")], stamp_rows),
    }


def methods_lines(ctx: Mapping[str, Any], t: Callable[..., str]) -> list[str]:
    """The methods appendix as paragraphs: formulas, assumptions, conventions, limitations."""
    designs = set(ctx["designs"])
    prepost = bool(designs & {"pre_post", "post_only"})
    compared = bool(designs - {"pre_post", "post_only"})
    lines = []
    if prepost:
        lines += [t("methods.prepost"), t("methods.wilcoxon"), t("methods.assumption_prepost")]
    if compared:
        lines += [t("methods.did"), t("methods.event_study"), t("methods.cluster"),
                  t("methods.assumption_did")]
    lines += list(ctx["method_notes"])
    lines += [t("methods.limitation_1"), t("methods.limitation_2"), t("methods.limitation_3")]
    return lines


def write(evaluation: Evaluation, path: Path, *, lang: str, report: str,
          template_dir: str | Path | None = None, docx_template: str | Path | None = None,
          **_: Any) -> Path:
    """Render the Word report and write ``path`` atomically."""
    from docx.shared import Mm

    from evalkit.report.charts import build_charts
    from evalkit.report.pipeline import prepare, template_error

    docxtpl = _docxtpl()
    env, _, ctx = prepare(evaluation, lang=lang, report=report, kind="docx",
                          template_dir=template_dir, suffix=None)
    source = Path(docx_template) if docx_template else default_template(report)
    from evalkit.report.context import sha256_file

    ctx["stamp"]["template"] = {"file": source.name, "sha256": sha256_file(source)}
    try:
        tpl = docxtpl.DocxTemplate(str(source))
        tpl.get_docx()
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on a bad file
        raise RenderError(f"{source}: not a readable .docx template ({exc})",
                          hint="save the template from Word as .docx") from exc
    t, label = env.globals["t"], env.globals["label"]
    pngs = build_charts(evaluation, ctx, lang=lang, fmt="png")

    def image(data: Any) -> Any:
        return docxtpl.InlineImage(tpl, io.BytesIO(data), width=Mm(150)) if data else None

    ctx["charts"] = {
        "indicators": image(pngs.get("indicators")),
        "logic_model": image(pngs.get("logic_model")),
        "tornado": image(pngs.get("tornado")),
        "prepost": {k: image(v) for k, v in (pngs.get("prepost") or {}).items()},
        "event_study": {k: image(v) for k, v in (pngs.get("event_study") or {}).items()},
    }
    ctx["tables"] = _tables(tpl, ctx, t, label)
    card = ctx.get("scorecard") or {}
    ctx["scorecard_grade"] = _cell_text(card.get("grade"), label)
    verdict = (ctx.get("acceptance") or {}).get("verdict") or "pending"
    ctx["verdict_text"] = t(f"verdict.{verdict}", default=str(verdict))
    ctx["methods_lines"] = methods_lines(ctx, t)
    ctx["target"] = "docx"
    try:
        tpl.render(ctx, jinja_env=env, autoescape=True)
    except TemplateError as exc:
        raise template_error(exc, source.name) from exc
    with atomic_path(path) as tmp:
        tpl.save(str(tmp))
    return path
