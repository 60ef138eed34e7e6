"""Word tables for the docx writer, built from the plain report context.

Each table is a :class:`WordTable` that docxtpl inserts with ``{{p tables.<name> }}``; it is
made with python-docx in a scratch document (no extra dependency) and carries its own borders
and East Asian fonts, so it looks the same in any organization's template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["BODY_FONTS", "HEADING_FONTS", "WordTable", "cell_text", "full_width",
           "keep_rows_whole", "set_run_fonts", "word_tables"]

BODY_FONTS = ("Times New Roman", "宋体")
HEADING_FONTS = ("Arial", "黑体")
_INDENT = "\u3000"  # ideographic space, for nested scorecard items
#: children of w:tblPr that must follow w:tblBorders (ECMA-376 schema order)
_TBLPR_AFTER_BORDERS = ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
                        "tblDescription")


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


def full_width(table: Any, share: float = 1.0, *, centre: bool = False) -> None:
    """Make ``table`` span ``share`` of the text width (``w:tblW`` in fiftieths of a percent),
    columns sized by their content; optionally centred."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))  # python-docx always writes one (schema order)
    if width is None:
        return
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), str(round(5000 * share)))
    if centre and tbl_pr.find(qn("w:jc")) is None:
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), "center")
        width.addnext(jc)  # w:jc follows w:tblW in CT_TblPr
    table.autofit = True


def keep_rows_whole(table: Any, *, header: bool = True) -> None:
    """No row split across pages (``w:cantSplit``); the header row (when ``header``) repeats
    on every page (``w:tblHeader``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        for tag in ("w:cantSplit", *(("w:tblHeader",) if i == 0 and header else ())):
            if tr_pr.find(qn(tag)) is None:
                tr_pr.append(OxmlElement(tag))


class WordTable:
    """A Word table as WordprocessingML (``<w:tbl>``), inserted with ``{{p tables.name }}``."""

    def __init__(self, headers: list[str], rows: list[list[str]], share: float = 1.0, *,
                 header: bool = True) -> None:
        self.headers = headers
        self.rows = rows
        self.share = share
        self.header = header

    def xml(self) -> str:
        """The ``<w:tbl>`` element (empty text when there are no rows)."""
        if not self.rows:
            return ""
        from docx import Document
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls
        from lxml import etree

        doc = Document()
        top = 1 if self.header else 0
        table = doc.add_table(rows=top + len(self.rows), cols=len(self.headers))
        borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="8C99A6"/>'
                          for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        tbl_pr = table._tbl.tblPr
        element = parse_xml(f"<w:tblBorders {nsdecls('w')}>{borders}</w:tblBorders>")
        after = [c for c in tbl_pr if c.tag.split("}")[-1] in _TBLPR_AFTER_BORDERS]
        if after:  # keep the schema order of CT_TblPr (Word rejects it otherwise)
            after[0].addprevious(element)
        else:
            tbl_pr.append(element)
        for i, text in enumerate(self.headers if self.header else []):
            run = table.rows[0].cells[i].paragraphs[0].add_run(text)
            run.bold = True
            set_run_fonts(run, HEADING_FONTS)
        for r, values in enumerate(self.rows, start=top):
            for c, text in enumerate(values):
                set_run_fonts(table.rows[r].cells[c].paragraphs[0].add_run(text))
        keep_rows_whole(table, header=self.header)
        full_width(table, self.share, centre=self.share < 1)
        return str(etree.tostring(table._tbl, encoding="unicode"))

    def __html__(self) -> str:
        return self.xml()

    def __str__(self) -> str:
        return self.xml()

    def __bool__(self) -> bool:
        return bool(self.rows)


def cell_text(value: Any, label: Callable[[Any], Any],
              t: Callable[..., str] | None = None) -> str:
    """Any plain context value as the text of one cell (keys and codes translated with the
    label catalogue ``t`` when given: ``n_start`` -> 基线人数)."""
    from evalkit.report.environment import fmt_num

    def key(k: str) -> str:
        return t(f"col.{k}", default=t(f"term.{k}", default=k)) if t else k

    if isinstance(value, Mapping):
        if "zh" in value or "en" in value:
            return str(label(value))
        if "columns" in value and "records" in value:
            return "; ".join(", ".join(cell_text(r.get(c), label, t) for c in value["columns"])
                             for r in value["records"])
        return "; ".join(f"{key(str(k))}: {cell_text(v, label, t)}" for k, v in value.items()
                         if v is not None)
    if isinstance(value, list):
        return ", ".join(cell_text(v, label, t) for v in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return fmt_num(value)
    text = str(value)
    return t(f"term.{text}", default=text) if t and len(text) < 40 else text


def _meta(ctx: Mapping[str, Any], t: Callable[..., str], label: Callable[[Any], Any]
          ) -> WordTable:
    from evalkit._money import money_unit
    from evalkit.report.environment import fmt_num

    p = ctx["project"]
    rows = [[t("meta.project"), label(p["name"])], [t("meta.purchaser"), label(p["purchaser"])],
            [t("meta.provider"), label(p["provider"])],
            [t("meta.period"), t("meta.period_value", start=p["period"]["start"],
                                 end=p["period"]["end"])]]
    if p.get("contract_amount") is not None:
        rows.append([t("meta.contract_amount"), f"{fmt_num(p['contract_amount'])} "
                     + str(label({lang: money_unit(p["currency"], lang) for lang in ("zh", "en")}))])
    return WordTable([t("col.item"), t("col.value")], rows)


def _periods(ctx: Mapping[str, Any], t: Callable[..., str], label: Callable[[Any], Any]
             ) -> WordTable:
    from evalkit.report.environment import fmt_num

    periods = list(ctx.get("indicator_periods") or [])
    rows = []
    for r in ctx["indicators"]:
        if not r["periods"]:
            continue
        cells = []
        for p in periods:
            cell = r["by_period"].get(p)
            to_date = (t("indicators.to_date_cell", n=fmt_num(cell["to_date"]))
                       if cell is not None and cell.get("basis") == "to_date" else "")
            cells.append("—" if cell is None else
                         f"{fmt_num(cell['actual'])} ({to_date}"
                         f"{t('status.' + str(cell['status']), default=str(cell['status']))})")
        rows.append([f"{r['id']} {label(r['name'])}", *cells])
    return WordTable([t("col.indicator"), *periods], rows)


def _criteria(ctx: Mapping[str, Any], t: Callable[..., str], label: Callable[[Any], Any]
              ) -> WordTable:
    from evalkit.report.environment import fmt_num

    yes, no = t("answer.yes"), t("answer.no")
    acceptance = ctx.get("acceptance") or {}
    if acceptance.get("criteria"):
        return WordTable(
            [t("col.criterion"), t("col.target"), t("col.actual"), t("col.mandatory"),
             t("col.evidence_status"), t("col.status")],
            [[f"{c['id']} {label(c.get('name'))}"
              + (t("sentence_sep") + t("acceptance.veto") if c.get("veto") else ""),
              label(c["target_text"]) if c.get("target_text") else fmt_num(c.get("target")),
              label(c["actual_text"]) if c.get("actual_text") else fmt_num(c.get("actual")),
              yes if c.get("mandatory") else no,
              t(f"evidence_status.{c.get('evidence_status')}",
                default=str(c.get("evidence_status") or "—")),
              t(f"criterion.{c.get('status')}", default=str(c.get("status") or "—"))]
             for c in acceptance["criteria"]])
    return WordTable(
        [t("col.criterion"), t("col.target"), t("col.actual"), t("col.mandatory"), t("col.met"),
         t("col.means_of_verification")],
        [[f"{c['id']} {label(c['name'])}", fmt_num(c["target"]), fmt_num(c["actual"]),
          yes if c["mandatory"] else no, "—" if c["met"] is None else yes if c["met"] else no,
          ", ".join(str(label(x)) for x in c["evidence"])] for c in ctx["contract"]])


def _value(ctx: Mapping[str, Any], t: Callable[..., str], label: Callable[[Any], Any]
           ) -> tuple[WordTable, WordTable]:
    from evalkit.report.environment import fmt_num, fmt_pct

    v = ctx.get("value") or {}
    unit = str(label(v["money"])) if v.get("money") else t("meta.currency")

    def money(x: Any, digits: int) -> str:  # an amount with its unit, as in HTML and Markdown
        text = fmt_num(x, digits)
        return text if text == "—" else f"{text} {unit}"

    figures = [(t("value.budget"), money(v.get("budget"), 0)),
               (t("value.spent"), money(v.get("spent"), 0)),
               (t("value.execution_rate"), fmt_pct(v.get("execution_rate"), 1)),
               (t("value.management_fee_share"), fmt_pct(v.get("management_fee_share"), 1)),
               (t("value.cost_per_participant"), money(v.get("cost_per_participant"), 1))]
    sroi = v.get("sroi") or {}
    if sroi:
        figures += [(t("value.sroi"), f"1 : {fmt_num(sroi.get('ratio'), 2)}"),
                    (t("value.pv"), money(sroi.get("pv"), 0))]
    key = WordTable([t("col.item"), t("col.value")],
                    [[a, b] for a, b in figures if b != "—"] if v else [])
    in_unit = t("value.amount_unit", unit=unit)
    lines = WordTable(
        [t("value.line"), t("value.budget") + in_unit, t("value.spent") + in_unit,
         t("value.execution_rate")],
        [[f"{r['id']} {label(r.get('name'))}", fmt_num(r.get("budget"), 0),
          fmt_num(r.get("spent"), 0), fmt_pct(r.get("execution"), 1)]
         for r in v.get("lines") or []])
    return key, lines


def word_tables(ctx: Mapping[str, Any], t: Callable[..., str], label: Callable[[Any], Any]
                ) -> dict[str, WordTable]:
    """Every table of the default Word templates, by name (empty tables render nothing)."""
    from evalkit.report.environment import fmt_num, fmt_pct, fmt_pvalue, fmt_signed

    lm = ctx.get("logic_model") or {}
    details = [[str(label(e["name"])), t(f"details.{key}", default=key),
                cell_text(value, label, t)]
               for e in ctx["effects"] for key, value in e["details"].items()
               if value is not None]
    details += [[str(label(e["name"])), t(f"details.{s['key']}", default=s["key"]),
                 f"{fmt_signed(s['estimate'])} {s['ci_level']}% CI "
                 f"[{fmt_num(s['ci'][0]) if isinstance(s['ci'], list) else s['ci']}, "
                 f"{fmt_num(s['ci'][1]) if isinstance(s['ci'], list) else s['ci']}], "
                 f"p {fmt_pvalue(s['pvalue'])}, n {fmt_num(s['n'])}"]
                for e in ctx["effects"] for s in e.get("supporting", [])]
    card = ctx.get("scorecard") or {}
    cadence = ctx.get("cadence") or {}
    stamp = ctx["stamp"]
    stamp_rows = [[t("stamp.version"), stamp["evalkit_version"]],
                  [t("stamp.created"), stamp["created"]],
                  [t("stamp.spec"), f"{stamp['spec']['file']}  {stamp['spec']['sha256']}"]]
    stamp_rows += [[t("stamp.data"), f"{d['file']}  {d['sha256']}"] for d in stamp["data"]]
    stamp_rows.append([t("stamp.template"),
                       f"{stamp['template']['file']}  {stamp['template']['sha256']}"])
    value_figures, budget_lines = _value(ctx, t, label)
    return {
        "meta": _meta(ctx, t, label),
        "logic_model": WordTable(
            [t("col.level"), t("col.item")],
            [[t(f"level.{lv['id']}", default=lv["id"]),
              "\n".join(str(label(e["text"])) for e in lv["elements"])]
             for lv in lm.get("levels", [])]),
        "periods": _periods(ctx, t, label),
        "scorecard": WordTable(
            [t("col.item"), t("col.max_points"), t("col.points"), t("col.reason")],
            [[_INDENT * (int(n.get("depth") or 1) - 1) + f"{n['id']} {label(n.get('name'))}",
              fmt_num(n.get("max_points")), fmt_num(n.get("points")),
              str(label(n["reason"])) if n.get("reason") else ""]
             for n in card.get("nodes") or []]),
        "cadence": WordTable(
            [t("col.item"), t("col.periods"), t("col.met_periods"), t("col.compliance"),
             t("col.missed_periods")],
            [[f"{r['id']} {label(r.get('name'))}", fmt_num(r.get("periods")),
              fmt_num(r.get("met")), fmt_pct(r.get("compliance"), 1),
              str(r.get("missed_periods") or "—")] for r in cadence.get("rules") or []]),
        "value": value_figures,
        "budget_lines": budget_lines,
        "criteria": _criteria(ctx, t, label),
        "details": WordTable([t("col.outcome"), t("col.item"), t("col.value")], details),
        "missing": WordTable(
            [t("col.source"), t("col.column"), t("col.missing"), t("col.share")],
            [[str(label(s["name"])) if s.get("name") else s["source"],
              str(label(c["label"])) if c.get("label") else c["column"],
              fmt_num(c["missing"]), fmt_pct(c["share"], 1)]
             for s in ctx["missing"] for c in s["columns"]]),
        "stamp": WordTable([t("col.item"), t("col.value")], stamp_rows),
    }
