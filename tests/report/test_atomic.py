"""Outputs are written atomically: a failure mid-render keeps the earlier report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evalkit._atomic import atomic_path, atomic_write
from evalkit.errors import RenderError
from evalkit.report import pdf


def test_atomic_write(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.txt"
    atomic_write(target, "one")
    atomic_write(target, b"two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_failure_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("previous")
    with pytest.raises(ZeroDivisionError), atomic_path(target) as tmp:
        tmp.write_text("half")
        _ = 1 / 0
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_pdf_failing_midway_keeps_previous_report(demo_ev: Any, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("weasyprint")
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF-1.7 previous report")

    def broken(html: str, out: Path) -> None:
        out.write_bytes(b"%PDF-1.7 half a report")
        raise RenderError("simulated failure while laying out pages")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    with pytest.raises(RenderError, match="simulated"):
        demo_ev.render(target, lang="zh")
    assert target.read_bytes() == b"%PDF-1.7 previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_html_template_error_keeps_previous_report(demo_ev: Any, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "evaluation.html.j2").write_text("{% for i in indicators %}{{ i.nope }}{% endfor %}")
    with pytest.raises(RenderError):
        demo_ev.render(target, lang="zh", template_dir=folder)
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "tpl"]


def test_report_gets_ordinary_permissions(tmp_path):
    """mkstemp makes 0600 files; the finished report gets the umask's mode (or keeps the
    mode of the report it replaces)."""
    import os

    from evalkit._atomic import atomic_write

    umask = os.umask(0o022)
    try:
        out = atomic_write(tmp_path / "r.html", "<p>x</p>")
        assert out.stat().st_mode & 0o777 == 0o644
        out.chmod(0o640)
        atomic_write(out, "<p>y</p>")
        assert out.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def _ordinary_mode(write: Any, out: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        write(out)
    finally:
        os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o644  # mkstemp's 0600 would hide it from others
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []


def test_logic_model_svg_gets_ordinary_permissions(tmp_path: Path) -> None:
    """model/diagram.py once had its own writer and left the SVG 0600; it now uses the one
    atomic writer (permissions, fsync, temp file removed)."""
    import evalkit as ek
    from evalkit.model.diagram import write_svg

    lm = ek.load_project(ek.datasets.path("workers_home") / "project.yaml").logic_model
    assert lm is not None
    _ordinary_mode(lambda out: write_svg(lm, out), tmp_path / "lm" / "lm.svg")


def test_scored_workbook_gets_ordinary_permissions(tmp_path: Path) -> None:
    """The scorecard write-back (once data/excel.py's own writer) uses the one writer too."""
    import openpyxl

    from evalkit.assess.scorecard import score_scorecard
    from evalkit.data.excel import read_scorecard_xlsx
    from evalkit.report.scorecard_xlsx import write_scorecard_xlsx

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["一级指标", "二级指标", "三级指标", "分值"])
    ws.append(["项目管理", "档案", "个案档案", 10])
    src = tmp_path / "card.xlsx"
    wb.save(src)
    result = score_scorecard(read_scorecard_xlsx(src).spec, ratings={"third_party": {"1.1.1": 8}})
    _ordinary_mode(lambda out: write_scorecard_xlsx(result, src, out), tmp_path / "o" / "s.xlsx")


def test_one_atomic_writer() -> None:
    """Only evalkit/_atomic.py makes temporary files or renames them onto a target."""
    import ast

    import evalkit

    pkg = Path(evalkit.__file__).parent
    found = []
    for path in pkg.rglob("*.py"):
        if path.name == "_atomic.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in (
                    "replace", "rename", "mkstemp", "NamedTemporaryFile") and \
                    isinstance(node.value, ast.Name) and node.value.id in ("os", "tempfile"):
                found.append(f"{path.relative_to(pkg)}:{node.lineno} {node.value.id}.{node.attr}")
    assert found == []
