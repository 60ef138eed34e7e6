"""Word report: text, tables, East Asian fonts, charts as images, custom templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import evalkit as ek
from evalkit.errors import RenderError
from evalkit.report.docx import default_template

docx = pytest.importorskip("docx")
pytest.importorskip("docxtpl", reason='docxtpl is not installed (pip install "evalkit[docx]")')
qn = pytest.importorskip("docx.oxml.ns").qn


def test_text_and_tables(demo_ev: Any, texts: dict[str, str]) -> None:
    text = texts["evaluation_zh.docx"]
    for heading in ("项目评估报告", "摘要", "指标完成情况", "服务成效", "方法说明与数据质量", "可重复性信息"):
        assert heading in text
    for oid, result in demo_ev.effects.items():
        assert result.sentence("zh") in text, oid
    assert "Evaluation report" in texts["evaluation_en.docx"]
    assert "签字盖章" in texts["acceptance_zh.docx"]


def test_indicator_table(demo_ev: Any, rendered: dict[str, Path]) -> None:
    doc = docx.Document(str(rendered["evaluation_zh.docx"]))
    first_cells = {row.cells[0].text for table in doc.tables for row in table.rows}
    for row in demo_ev.indicators[demo_ev.indicators["period"] == "total"].itertuples():
        assert f"{row.indicator_id} {row.name_zh}" in first_cells


def test_east_asian_fonts_on_runs(rendered: dict[str, Path]) -> None:
    doc = docx.Document(str(rendered["evaluation_zh.docx"]))
    fonts = set()
    for para in doc.paragraphs:
        for run in para.runs:
            rfonts = run._element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
            if rfonts is not None and rfonts.get(qn("w:eastAsia")):
                fonts.add(rfonts.get(qn("w:eastAsia")))
    assert {"宋体", "黑体"} <= fonts
    normal = doc.styles["Normal"].element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "宋体"


def test_charts_are_images(rendered: dict[str, Path]) -> None:
    doc = docx.Document(str(rendered["evaluation_zh.docx"]))
    assert len(doc.inline_shapes) >= 1
    images = [p for p in doc.part.package.iter_parts() if p.content_type == "image/png"]
    assert images


def test_page_setup_a4(rendered: dict[str, Path]) -> None:
    section = docx.Document(str(rendered["evaluation_zh.docx"])).sections[0]
    assert abs(section.page_width.mm - 210) < 1 and abs(section.page_height.mm - 297) < 1


def _custom_template(path: Path, body: str) -> Path:
    doc = docx.Document()
    doc.add_paragraph("{{ t('title.' ~ report) }}")
    doc.add_paragraph(body)
    doc.save(str(path))
    return path


def test_organisation_template(demo_ev: Any, tmp_path: Path) -> None:
    tpl = _custom_template(tmp_path / "ours.docx",
                           "{{ label(project.purchaser) }} {{ summary[0] }}")
    out = ek.report.render(demo_ev, tmp_path / "ours_out.docx", lang="zh", docx_template=tpl)
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "项目评估报告" in text and "某街道总工会" in text


@pytest.mark.parametrize("payload", [
    "{{ ''.__class__.__mro__ }}",
    "{{ project.__class__.__init__.__globals__ }}",
    "{{ charts.indicators.tpl.save('/tmp/evalkit-escape.docx') }}",
    "{{ tables.meta.rows }}",
])
def test_template_injection_in_docx_template(demo_ev: Any, tmp_path: Path, payload: str
                                             ) -> None:
    tpl = _custom_template(tmp_path / "evil.docx", payload)
    with pytest.raises(RenderError):
        ek.report.render(demo_ev, tmp_path / "evil_out.docx", lang="zh", docx_template=tpl)
    assert not (tmp_path / "evil_out.docx").exists()


def test_default_templates_shipped() -> None:
    for report in ("evaluation", "acceptance"):
        assert default_template(report).is_file()


def test_acceptance_docx_criteria_and_signatures(demo_ev: Any, rendered: dict[str, Path]
                                                 ) -> None:
    doc = docx.Document(str(rendered["acceptance_zh.docx"]))
    first_cells = {row.cells[0].text.split(" ")[0] for t in doc.tables for row in t.rows}
    for criterion in demo_ev.project.contract.criteria:
        assert criterion.id in first_cells
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "签字盖章" in text
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert any(c.startswith("购买方（盖章）") for c in cells)


def test_committed_templates_match_their_script(tmp_path: Path) -> None:
    import importlib.util

    from evalkit.report.environment import shipped_templates

    script = shipped_templates() / "make_docx_template.py"
    if not script.is_file():
        pytest.skip("installed without the template script")
    spec = importlib.util.spec_from_file_location("make_docx_template", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for report in ("evaluation", "acceptance"):
        fresh = module.build(report, tmp_path)
        assert fresh.read_bytes() == default_template(report).read_bytes(), (
            f"templates/docx/{report}.docx is stale: run python templates/make_docx_template.py")


def test_missing_docx_extra_names_the_extra(demo_ev: Any, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the docx extra (neither docxtpl nor python-docx) a RenderError says what to
    install, before anything else is imported; no file is written."""
    import sys

    from evalkit.errors import RenderError

    for name in ("docxtpl", "docx", "docx.shared"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(RenderError, match=r'pip install "evalkit\[docx\]"'):
        demo_ev.render(tmp_path / "r.docx", lang="zh")
    assert not (tmp_path / "r.docx").exists()
