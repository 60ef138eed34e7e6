"""PDF report: A4, Chinese headings and fonts, page numbers, contents; clear errors when a
font or WeasyPrint is missing."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh

from evalkit.errors import RenderError

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed"),
    pytest.mark.skipif(importlib.util.find_spec("weasyprint") is None,
                       reason='WeasyPrint is not installed (pip install "evalkit[pdf]")'),
]


def test_chinese_headings_and_page_numbers(texts: dict[str, str]) -> None:
    text = texts["evaluation_zh.pdf"]
    for heading in ("项目评估报告", "目录", "摘要", "指标完成情况", "服务成效", "方法说明与数据质量"):
        assert heading in text
    squeezed = "".join(text.split())
    assert "第2页/共" in squeezed


def test_english_page_numbers(texts: dict[str, str]) -> None:
    text = texts["evaluation_en.pdf"]
    assert "Page 2 of" in text and "Contents" in text


def test_contents_has_page_numbers(texts: dict[str, str]) -> None:
    import re

    toc = texts["evaluation_zh.pdf"].split("目录", 1)[1][:3000]
    assert re.search(r"摘要\s*\.{5,}\s*\d+", toc)


def test_a4_pages(rendered: dict[str, Path]) -> None:
    info = subprocess.run(["pdfinfo", str(rendered["evaluation_zh.pdf"])], capture_output=True,
                          text=True, check=True).stdout
    assert "595.276 x 841.89" in info or "(A4)" in info


def test_cjk_font_embedded(rendered: dict[str, Path]) -> None:
    fonts = subprocess.run(["pdffonts", str(rendered["evaluation_zh.pdf"])],
                           capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines()
           if any(k in line for k in ("CJK", "Han", "WenQuanYi", "Hei", "Song"))]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk)  # embedded


def test_pages_render_non_blank(rendered: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "3",
                    str(rendered["evaluation_zh.pdf"]), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 3
    for page in pages:
        image = Image.open(page).convert("L")
        lo, hi = image.getextrema()
        assert hi - lo > 100, page.name


def test_missing_weasyprint_names_the_extra(demo_ev: Any, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(RenderError, match=r'pip install "evalkit\[pdf\]"'):
        demo_ev.render(tmp_path / "r.pdf", lang="zh")
    assert not (tmp_path / "r.pdf").exists()


def test_missing_cjk_font_names_the_package(demo_ev: Any, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from evalkit.report import pdf

    monkeypatch.setattr(pdf, "cjk_font_available", lambda: False)
    with pytest.raises(RenderError, match="fonts-noto-cjk"):
        demo_ev.render(tmp_path / "r.pdf", lang="zh")


def test_pdf_text_of_hostile_comment_is_literal(hostile_rendered: dict[str, Path]) -> None:
    text = rh.pdf_text(hostile_rendered["pdf"])
    flat = " ".join(text.split())
    assert "<script>alert(1)</script>" in flat
    assert "{{ 7*7 }}" in flat
    assert "{% raw %}" in flat
