"""Build evalkit's default Word templates (docxtpl) with python-docx.

Run from the repository root after changing the layout, and commit the results::

    python templates/make_docx_template.py

It writes ``templates/docx/evaluation.docx`` and ``templates/docx/acceptance.docx``. Each is
a docxtpl template: Jinja2 tags in paragraphs (``{{ … }}``, ``{%p … %}``) and table rows
(``{%tr … %}``) read the same context as the HTML templates, with labels from
``t('key')``/``label(x)``, and ``tables.<name>`` / ``charts.<name>`` prepared by evalkit
(Word tables and PNG images). Fonts: 宋体 body and 黑体 headings (East Asian), Times New
Roman / Arial for Latin text; the font table lists SimSun/SimHei/FangSong as alternates.
An organization's own template may use any subset of these tags.

The chapters follow ``sections`` (evalkit.report.sections.section_plan) in the same order as
the HTML and Markdown reports; each is shown when the report's plan holds it. The contents
(目录) is written out from ``sections`` (no field to update in Word or WPS); table rows never
split across pages and headings keep with the next paragraph.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
BODY_LATIN, BODY_EA = "Times New Roman", "宋体"
HEAD_LATIN, HEAD_EA = "Arial", "黑体"
ALT_NAMES = {"宋体": "SimSun", "黑体": "SimHei", "仿宋": "FangSong"}
INTRO = "Intro"  # a lead paragraph, kept with the table or text it introduces


def set_fonts(element, latin: str, east_asia: str) -> None:
    """Set ascii/hAnsi/eastAsia fonts on a style or run element's rPr."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin),
                        ("w:eastAsia", east_asia)):
        fonts.set(qn(attr), value)
    fonts.attrib.pop(qn("w:asciiTheme"), None)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    fonts.attrib.pop(qn("w:hAnsiTheme"), None)


def styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    set_fonts(normal.element, BODY_LATIN, BODY_EA)
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11.5)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x0B, 0x3D, 0x63)
        set_fonts(style.element, HEAD_LATIN, HEAD_EA)
    for name in ("Table Grid",):
        set_fonts(doc.styles[name].element, BODY_LATIN, BODY_EA)


def para(doc, text: str = "", style: str | None = None, *, bold: bool = False,
         size: float | None = None, align=None):
    p = doc.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        heading = style is not None and (style.startswith("Heading") or style == "Title")
        set_fonts(run._element, HEAD_LATIN if heading else BODY_LATIN,
                  HEAD_EA if heading else BODY_EA)
    if align is not None:
        p.alignment = align
    return p


def field(paragraph, code: str) -> None:
    """Append a simple field (PAGE, NUMPAGES, TOC …) to a paragraph."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1" if "PAGE" in code else " "
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    header = section.header.paragraphs[0]
    header.text = ""
    run = header.add_run("{{ label(project.name) }} · {{ t('title.' ~ report) }}")
    run.font.size = Pt(9)
    set_fonts(run._element, BODY_LATIN, BODY_EA)
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    section.different_first_page_header_footer = True  # the cover has no header or number
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("{{ t('page.before') }}", "PAGE", "{{ t('page.middle') }}", "NUMPAGES",
                  "{{ t('page.after') }}"):
        if piece in ("PAGE", "NUMPAGES"):
            field(footer, piece)
        else:
            r = footer.add_run(piece)
            r.font.size = Pt(9)
            set_fonts(r._element, BODY_LATIN, BODY_EA)


def font_alternates(doc) -> None:
    """List Windows names as alternates of the Chinese font names (fallbacks)."""
    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/word/fontTable.xml":
            from lxml import etree

            root = etree.fromstring(part.blob)
            for name, alt in ALT_NAMES.items():
                font = etree.SubElement(root, qn("w:font"))
                font.set(qn("w:name"), name)
                alt_el = etree.SubElement(font, qn("w:altName"))
                alt_el.set(qn("w:val"), alt)
                charset = etree.SubElement(font, qn("w:charset"))
                charset.set(qn("w:val"), "86")
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                        standalone=True)


def native_table(doc, headers: list[str], cells: list[str], loop: str) -> None:
    """A table whose body row repeats with ``{%tr for … %}`` (docxtpl)."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    for i, h in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
        set_fonts(run._element, HEAD_LATIN, HEAD_EA)
    table.rows[1].cells[0].text = "{%tr " + loop + " %}"
    for i, c in enumerate(cells):
        cell = table.rows[2].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(c)
        set_fonts(run._element, BODY_LATIN, BODY_EA)
    table.rows[3].cells[0].text = "{%tr endfor %}"
    width = table._tbl.tblPr.find(qn("w:tblW"))
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")  # the whole text width
    from docx.oxml import OxmlElement as _El

    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(_El("w:cantSplit"))
        if i == 0:
            tr_pr.append(_El("w:tblHeader"))


def page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def keep_headings_with_next(doc) -> None:
    """Headings never stand alone at a page foot (Word and WPS: "keep with next"); nor does
    the lead paragraph that introduces a table (style "Intro", keep with next too), so a
    heading, its intro and the first rows of the table stay on one page."""
    from docx.enum.style import WD_STYLE_TYPE

    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        fmt = doc.styles[name].paragraph_format
        fmt.keep_with_next = True
        fmt.keep_together = True
    doc.styles["Normal"].paragraph_format.widow_control = True
    intro = doc.styles.add_style(INTRO, WD_STYLE_TYPE.PARAGRAPH)
    intro.base_style = doc.styles["Normal"]
    intro.paragraph_format.keep_with_next = True
    intro.paragraph_format.keep_together = True


def cover(doc) -> None:
    para(doc, "{%p if cover.report_no %}")
    para(doc, "{{ t('doc.cover.report_no') }}{{ t('doc.colon') }}{{ cover.report_no }}",
         align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc, "{%p endif %}")
    for _ in range(4):
        doc.add_paragraph()
    para(doc, "{{ t('title.' ~ report) }}", "Title", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ label(cover.project) }}", bold=True, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(3):
        doc.add_paragraph()
    para(doc, "{{p tables.cover }}")
    for _ in range(3):
        doc.add_paragraph()
    para(doc, "{{ label(cover.evaluator) if cover.evaluator else label(cover.provider) }}",
         size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ cover.date }}", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    page_break(doc)
    para(doc, "{{ t('toc') }}", bold=True, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p for s in sections %}")
    para(doc, "{{ s.title }}")
    para(doc, "{%p for x in s.subsections %}")
    para(doc, "{{ x.title }}").paragraph_format.left_indent = Mm(8)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")
    page_break(doc)


def chapter(doc, key: str, body) -> None:
    """One chapter of ``sections``: shown when the plan holds it, titled from the plan."""
    para(doc, "{%p if '" + key + "' in sec %}")
    para(doc, "{{ sec['" + key + "'].title }}", "Heading 1")
    body(doc)
    para(doc, "{%p endif %}")


def summary(doc) -> None:
    para(doc, "{%p for s in summary %}")
    para(doc, "{{ s }}")
    para(doc, "{%p endfor %}")


def overview(doc) -> None:
    para(doc, "{{p tables.overview }}")
    para(doc, "{%p if project.summary %}")
    para(doc, "{{ label(project.summary) }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if logic_model and report == 'evaluation' %}")
    para(doc, "{{ t('section.logic_model') }}", "Heading 2")
    para(doc, "{{p tables.logic_model }}")
    para(doc, "{%p endif %}")


def basis(doc) -> None:
    for key in ("basis", "methods"):
        para(doc, "{{ t('doc.basis." + key + "') }}", "Heading 2")
        para(doc, "{%p for x in basis." + key + " %}")
        para(doc, "{{ loop.index }}. {{ label(x) }}")
        para(doc, "{%p else %}")
        para(doc, "{{ t('doc.basis.no_" + key + "') }}")
        para(doc, "{%p endfor %}")
    para(doc, "{{ t('doc.basis.analysis', designs=design_names(designs)) if designs else t('doc.basis.analysis_none') }}")
    para(doc, "{%p if basis.team %}")
    para(doc, "{{ t('doc.basis.team') }}", "Heading 2")
    para(doc, "{{p tables.team }}")
    para(doc, "{%p endif %}")


def indicators(doc) -> None:
    para(doc, "{%p if charts.indicators %}")
    para(doc, "{{ charts.indicators }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p endif %}")
    native_table(
        doc,
        ["{{ t('col.indicator') }}", "{{ t('col.level') }}", "{{ t('col.baseline') }}",
         "{{ t('col.target') }}", "{{ t('col.actual') }}", "{{ t('col.unit') }}",
         "{{ t('col.achievement') }}", "{{ t('col.status') }}"],
        ["{{ r.id }} {{ label(r.name) }}", "{{ t('level.' ~ r.level, default=r.level) }}",
         "{{ r.baseline | num }}", "{{ r.target | num }}", "{{ r.actual | num }}",
         "{{ label(r.unit) }}", "{{ r.achievement | pct }}",
         "{{ t('status.' ~ r.status, default=r.status) }}"],
        "for r in indicators",
    )
    para(doc, "{%p if indicator_periods %}")
    para(doc, "{{ t('indicators.periods') }}", "Heading 2")
    para(doc, "{{p tables.periods }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if tables.criteria %}")
    para(doc, "{{ t('doc.indicators.criteria') }}", "Heading 2")
    para(doc, "{{p tables.criteria }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if cadence %}")
    para(doc, "{{ t('doc.indicators.cadence') }}", "Heading 2")
    para(doc, "{{ t('cadence.intro') }}", INTRO)
    para(doc, "{{p tables.cadence }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if scorecard %}")
    para(doc, "{{ t('doc.indicators.scorecard') }}", "Heading 2")
    para(doc, "{{ t('scorecard.total') }}{{ t('doc.colon') }}{{ scorecard.total | num(1) }} · "
              "{{ t('scorecard.grade') }}{{ t('doc.colon') }}{{ scorecard_grade }}", bold=True)
    para(doc, "{{p tables.scorecard }}")
    para(doc, "{%p if agreement_text %}")
    para(doc, "{{ agreement_text }}", size=9)
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")


def outcomes(doc) -> None:
    para(doc, "{{ t('outcomes.intro') }}", INTRO)
    native_table(
        doc,
        ["{{ t('col.outcome') }}", "{{ t('col.estimate') }}", "{{ t('col.ci') }}",
         "{{ t('col.pvalue') }}", "{{ t('col.n') }}", "{{ t('col.effect_size') }}",
         "{{ t('col.evidence') }}"],
        ["{{ label(e.name) }}", "{{ e.estimate | signed }}", "{{ e.ci | ci }}",
         "{{ e.pvalue | pvalue }}", "{{ e.n | num }} {{ e.get('n_what', '') }}",
         "{{ e.effect_size | num }}",
         "{{ t('sms.label', level=e.evidence_level) }} {{ label(e.design_label) }}"],
        "for e in effects",
    )
    para(doc, "{%p for e in effects %}")
    para(doc, "{%p if report == 'evaluation' %}")
    para(doc, "{{ label(e.get('lead') or e.name) }}", "Heading 2")
    para(doc, "{%p endif %}")
    para(doc, "{%p if e.suppressed %}")
    para(doc, "{{ t('outcomes.suppressed', threshold=privacy.threshold) }}")
    para(doc, "{%p else %}")
    para(doc, "{{ e.sentence[lang] }}")
    para(doc, "{%p if report == 'evaluation' %}")
    para(doc, "{{ t('col.design') }}{{ t('doc.colon') }}{{ label(e.design_label) }}"
              "{{ t('doc.sep_list') }}{{ t('sms.label', level=e.evidence_level) }}"
              "{{ t('sms.joiner') }}{{ t('sms.' ~ e.evidence_level, default='') }}"
              "{{ t('doc.sep_list') }}{{ t('col.method') }}{{ t('doc.colon') }}"
              "{{ e.method }}", size=9)
    para(doc, "{%p if charts.prepost.get(e.id) %}")
    para(doc, "{{ charts.prepost[e.id] }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p endif %}")
    para(doc, "{%p if charts.event_study.get(e.id) %}")
    para(doc, "{{ charts.event_study[e.id] }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p endif %}")
    para(doc, "{%p for n in e.notes %}")
    para(doc, "{{ n }}", size=9)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    designs(doc)


def designs(doc) -> None:
    """Which design each outcome used and why (evaluation report): the writer's
    ``design_blocks`` (evalkit.report.docx_designs), as templates/partials/designs.*.j2."""
    para(doc, "{%p for b in design_blocks %}")
    para(doc, "{%p if b.kind == 'table' %}")
    para(doc, "{{p b.table }}")
    para(doc, "{%p elif b.kind == 'chart' %}")
    para(doc, "{{ b.image }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p elif b.kind == 'h2' %}")
    para(doc, "{{ b.text }}", "Heading 2")
    para(doc, "{%p elif b.kind == 'h3' %}")
    para(doc, "{{ b.text }}", "Heading 3")
    para(doc, "{%p elif b.kind == 'strong' %}")
    para(doc, "{{ b.text }}", INTRO, bold=True)
    para(doc, "{%p elif b.kind == 'intro' %}")
    para(doc, "{{ b.text }}", INTRO)
    para(doc, "{%p elif b.kind == 'note' %}")
    para(doc, "{{ b.text }}", INTRO, size=9)
    para(doc, "{%p else %}")
    para(doc, "{{ b.text }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")


def mechanisms(doc) -> None:
    """The linkage-mechanism sub-sections the plan lists, as the writer's ``mech_blocks``."""
    para(doc, "{{ t('doc.mechanisms.intro_' ~ report, items=sec['mechanisms'].sub_names) }}",
         INTRO)
    para(doc, "{%p for sub in sec['mechanisms'].subsections %}")
    para(doc, "{{ sub.title }}", "Heading 2")
    para(doc, "{%p for b in mech_blocks[sub.key] %}")
    para(doc, "{%p if b.kind == 'table' %}")
    para(doc, "{{p b.table }}")
    para(doc, "{%p elif b.kind == 'h3' %}")
    para(doc, "{{ b.text }}", "Heading 3")
    para(doc, "{%p elif b.kind == 'intro' %}")
    para(doc, "{{ b.text }}", INTRO)
    para(doc, "{%p elif b.kind == 'note' %}")
    para(doc, "{{ b.text }}", INTRO, size=9)
    para(doc, "{%p elif b.kind == 'warn' %}")
    para(doc, "{{ b.text }}", bold=True)
    para(doc, "{%p else %}")
    para(doc, "{{ b.text }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")


def satisfaction(doc) -> None:
    para(doc, "{%p if satisfaction %}")
    para(doc, "{{ t('doc.satisfaction.sample') }}", "Heading 2")
    para(doc, "{{p tables.sat_sample }}")
    para(doc, "{%p if not satisfaction.invited %}")
    para(doc, "{{ t('doc.satisfaction.no_invited') }}", size=9)
    para(doc, "{%p endif %}")
    para(doc, "{{ t('doc.satisfaction.items') }}", "Heading 2")
    para(doc, "{%p for tb in tables.sat_items %}")
    para(doc, "{{p tb }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if voices %}")
    para(doc, "{{ t('doc.satisfaction.voices') }}", "Heading 2")
    para(doc, "{%p if voices['items'] %}")
    para(doc, "{{ t('voices.intro', n=voices.n, shown=voices['items'] | length) }}")
    para(doc, "{%p for text in voices['items'] %}")
    para(doc, "“{{ text }}”")
    para(doc, "{%p endfor %}")
    para(doc, "{%p else %}")
    para(doc, "{{ t('voices.suppressed', threshold=privacy.threshold) }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")


def funds(doc) -> None:
    para(doc, "{{p tables.value }}")
    para(doc, "{%p if value.lines %}")
    para(doc, "{{ t('value.lines') }}", "Heading 2")
    para(doc, "{{p tables.budget_lines }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if charts.tornado %}")
    para(doc, "{{ charts.tornado }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{%p endif %}")
    para(doc, "{%p for s in value.flags %}")
    para(doc, "{{ label(s) }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if funds %}")
    para(doc, "{{ t('doc.funds.surplus') }}", "Heading 2")
    para(doc, "{{p tables.surplus }}")
    para(doc, "{{ t('doc.funds.receipts') }}", "Heading 2")
    para(doc, "{%p if tables.receipts %}")
    para(doc, "{{p tables.receipts }}")
    para(doc, "{%p else %}")
    para(doc, "{{ t('doc.funds.no_receipt_issues') }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")


def issues(doc) -> None:
    para(doc, "{%p if issues %}")
    para(doc, "{{ t('doc.issues.intro_' ~ report) }}")
    para(doc, "{%p for s in issues %}")
    para(doc, "{{ loop.index }}. {{ label(s) }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if acceptance and acceptance.deadline %}")
    para(doc, "{{ t('acceptance.deadline') }}{{ t('doc.colon') }}{{ acceptance.deadline }}", bold=True)
    para(doc, "{%p endif %}")
    para(doc, "{%p else %}")
    para(doc, "{{ t('doc.issues.none') }}")
    para(doc, "{%p endif %}")


def conclusion(doc) -> None:
    para(doc, "{%p if report == 'acceptance' or acceptance %}")
    para(doc, "{%p if report == 'acceptance' %}")
    para(doc, "{{ t('doc.conclusion.verdict') }}", "Heading 2")
    para(doc, "{%p endif %}")
    para(doc, "{{ verdict_text }}", bold=True, size=13)
    para(doc, "{%p if acceptance and acceptance.weighted_share is not none %}")
    para(doc, "{{ t('acceptance.weighted_share') }}{{ t('doc.colon') }}{{ acceptance.weighted_share | pct(1) }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p for s in (acceptance.reasons if acceptance else []) %}")
    para(doc, "{{ label(s) }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if report != 'acceptance' and not acceptance and not tables.bands "
              "and not renewal %}")
    para(doc, "{{ t('doc.conclusion.no_verdict') }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if report == 'acceptance' %}")
    para(doc, "{{ t('doc.conclusion.opinion') }}", "Heading 2")
    para(doc, "{{ label(acceptance_opinion) if acceptance_opinion else "
              "t('doc.conclusion.no_opinion') }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if tables.bands %}")
    para(doc, "{{ t('doc.conclusion.grade') }}", "Heading 2")
    para(doc, "{{ t('doc.conclusion.total', total=scorecard.total | num(1), "
              "grade=scorecard_grade) }}", bold=True)
    para(doc, "{{p tables.bands }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if renewal %}")
    para(doc, "{{ t('section.renewal') }}", "Heading 2")
    para(doc, "{{ t('recommendation.' ~ renewal.recommendation, "
              "default=renewal.recommendation | string) | capitalize }}", bold=True)
    para(doc, "{%p if renewal.consequence %}")
    para(doc, "{{ t('renewal.consequence') }}{{ t('doc.colon') }}{{ label(renewal.consequence) }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p for s in renewal.reasons %}")
    para(doc, "{{ label(s) }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")


def signatures(doc) -> None:
    para(doc, "{{ t('doc.signatures.intro_' ~ report) }}", INTRO)
    para(doc, "{{p tables.sign }}")
    para(doc, "{%p if tables.panel %}")
    para(doc, "{{ t('doc.signatures.panel') }}", "Heading 2")
    para(doc, "{{p tables.panel }}")
    para(doc, "{%p endif %}")


def attachments(doc) -> None:
    para(doc, "{{ t('doc.attachments.intro') }}", INTRO)
    para(doc, "{{p tables.attachments }}")


def methods(doc) -> None:
    para(doc, "{{ t('methods.intro') }}")
    para(doc, "{%p for line in methods_lines %}")
    para(doc, "{{ line }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if design_methods %}")
    para(doc, "{{ t('designs.methods.heading') }}", "Heading 2")
    para(doc, "{%p for line in design_methods %}")
    para(doc, "{{ line }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{{ t('privacy.note', threshold=privacy.threshold, cell=privacy.small_cell) }}",
         size=9)
    para(doc, "{{ t('doc.outcomes.quality') }}", "Heading 2")
    para(doc, "{{ t('data_quality.intro') }}")
    para(doc, "{%p if report == 'evaluation' %}")
    para(doc, "{{p tables.details }}")
    para(doc, "{%p endif %}")
    para(doc, "{{ t('data_quality.missing') }}", "Heading 3")
    para(doc, "{{p tables.missing }}")


def stamp(doc) -> None:
    para(doc, "{{ t('stamp.intro') }}", size=9)
    para(doc, "{{p tables.stamp }}")


#: the chapters in the order of evalkit.report.sections.CHAPTERS (section_plan)
CHAPTERS = (("summary", summary), ("overview", overview), ("basis", basis),
            ("indicators", indicators), ("outcomes", outcomes), ("mechanisms", mechanisms),
            ("satisfaction", satisfaction), ("funds", funds), ("issues", issues),
            ("conclusion", conclusion), ("signatures", signatures),
            ("attachments", attachments), ("methods", methods), ("stamp", stamp))


def build(kind: str, folder: Path = HERE / "docx") -> Path:
    """Write ``<folder>/<kind>.docx`` (kind: "evaluation" or "acceptance"). Both templates
    hold every chapter; the report's ``sections`` decide which are shown."""
    doc = Document()
    styles(doc)
    keep_headings_with_next(doc)
    page_setup(doc)
    font_alternates(doc)
    cover(doc)
    for key, body in CHAPTERS:
        if key in ("signatures", "methods"):
            para(doc, "{%p if '" + key + "' in sec %}")
            page_break(doc)
            para(doc, "{%p endif %}")
        chapter(doc, key, body)
    doc.core_properties.author = "evalkit"
    doc.core_properties.title = kind
    import datetime as dt

    fixed = dt.datetime(2026, 1, 1)
    doc.core_properties.created = doc.core_properties.modified = fixed
    doc.core_properties.last_modified_by = "evalkit"
    doc.core_properties.revision = 1
    out = folder / f"{kind}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    _fix_zip_times(out)
    return out


def _fix_zip_times(path: Path) -> None:
    """Rewrite the zip with fixed entry times, so the committed file only changes when the
    layout does."""
    import io
    import zipfile

    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    path.write_bytes(buf.getvalue())


if __name__ == "__main__":
    for name in ("evaluation", "acceptance"):
        print(build(name))
