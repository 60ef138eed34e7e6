"""HTML report: content in both languages, self-contained, opens in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from numpy.testing import assert_allclose

#: the demo's totals (target, actual) and how the report must print them, written out by hand
#: from the formatting rules (integers with thousands separators; 2 decimals below 100)
INDICATOR_CELLS = {
    "I1": ((24.0, 26.0), ("24", "26")),
    "I2": ((104.0, 110.0), ("104", "110")),
    "I3": ((150.0, 188.0), ("150", "188")),
    "I4": ((900.0, 1019.0), ("900", "1,019")),
    "I5": ((120.0, 221.0), ("120", "221")),
    "I6": ((90.0, 91.81818181818183), ("90", "91.82")),
    "I7": ((85.0, 84.0909090909091), ("85", "84.09")),
    "I8": ((2.8, 2.2586041666666667), ("2.80", "2.26")),
}
#: the demo's effects (estimate, ci, n) and their printed estimate, interval, p and n
EFFECT_CELLS = {
    "wellbeing": ((0.4233333333333334, (0.3547338831037332, 0.4919327835629336), 250),
                  ("+0.42", "[0.35, 0.49]", "<0.001", "250")),
    "wellbeing_vs_comparison": (
        (0.45700938421524984, (0.33136322343391544, 0.5826555449965842), 346),
        ("+0.46", "[0.33, 0.58]", "<0.001", "346")),
    "disputes": ((-0.8585190972222221, (-1.00932652095891, -0.7077116734855342), 960),
                 ("-0.86", "[-1.01, -0.71]", "<0.001", "960")),
}

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def test_headings_in_both_languages(texts: dict[str, str]) -> None:
    zh, en = texts["evaluation_zh.html"], texts["evaluation_en.html"]
    for heading in ("项目评估报告", "摘要", "指标完成情况", "服务成效", "数据质量", "方法说明与数据质量",
                    "可重复性信息"):
        assert heading in zh
    for heading in ("Evaluation report", "Executive summary", "Indicators against targets",
                    "Outcomes", "Data quality", "Appendix A. Methods and data quality", "Reproducibility"):
        assert heading in en
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en


def test_indicators_against_targets(demo_ev: Any, texts: dict[str, str]) -> None:
    html = texts["evaluation_en.html"]
    frame = demo_ev.indicators
    if "disaggregation" in frame.columns:
        frame = frame[frame["disaggregation"].fillna("").astype(str) == ""]
    totals = frame[frame["period"] == "total"]
    assert sorted(totals["indicator_id"]) == sorted(INDICATOR_CELLS)
    for row in totals.itertuples():
        (target, actual), (target_text, actual_text) = INDICATOR_CELLS[row.indicator_id]
        # the demo data are what the literals were written for (update both together)
        assert_allclose((row.target, row.actual), (target, actual), rtol=1e-12)
        block = re.search(rf'<tr id="ind-{row.indicator_id}">(.*?)</tr>', html, re.S)
        assert block is not None, row.indicator_id
        cells = re.findall(r"<td[^>]*>(.*?)</td>", block.group(1), re.S)
        texts_in_cells = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
        assert target_text in texts_in_cells, (row.indicator_id, target_text, texts_in_cells)
        assert actual_text in texts_in_cells, (row.indicator_id, actual_text, texts_in_cells)
        assert row.name_en.replace("'", "&#39;") in block.group(1)


def test_each_effect_with_estimate_ci_p_n_sentence(demo_ev: Any, texts: dict[str, str]
                                                   ) -> None:
    import html as html_lib

    for lang in ("zh", "en"):
        page = texts[f"evaluation_{lang}.html"]
        assert sorted(demo_ev.effects) == sorted(EFFECT_CELLS)
        for oid, result in demo_ev.effects.items():
            (estimate, ci, n), printed = EFFECT_CELLS[oid]
            assert_allclose((result.estimate, *result.ci), (estimate, *ci), rtol=1e-12)
            assert result.n == n and result.pvalue < 0.001
            row = re.search(rf'<tr id="eff-{oid}">(.*?)</tr>', page, re.S)
            assert row is not None, oid
            cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
            for text in printed:  # a cell starts with the number (n may carry a unit)
                pattern = re.compile(rf"^{re.escape(text)}(?![\d.,])")
                assert any(pattern.match(c) for c in cells), (oid, text, cells)
            assert html_lib.escape(result.sentence(lang)) in page


def test_executive_summary_three_sentences(texts: dict[str, str]) -> None:
    block = re.search(r'<div class="ek-summary" id="ek-summary-text">(.*?)</div>',
                      texts["evaluation_zh.html"], re.S)
    assert block is not None
    assert len(re.findall(r"<p>", block.group(1))) == 3


def test_self_contained(texts: dict[str, str]) -> None:
    for name in ("evaluation_zh.html", "evaluation_en.html", "acceptance_zh.html"):
        html = texts[name]
        assert "<link" not in html.lower()
        assert "<script" not in html.lower()
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.I)
        assert "@import" not in html
        assert "<svg" in html  # charts are inline


def test_print_css_a4(texts: dict[str, str]) -> None:
    html = texts["evaluation_zh.html"]
    assert "size: A4" in html and "@media print" in html


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_chromium_screenshot_non_blank(rendered: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    page = rendered["evaluation_zh.html"]
    shot = tmp_path / "shot.png"
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
           "--enable-logging=stderr", "--v=0", "--window-size=1000,1400",
           f"--screenshot={shot}", page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert shot.is_file(), proc.stderr[-2000:]
    image = Image.open(shot).convert("L")
    lo, hi = image.getextrema()
    assert hi - lo > 100  # text and charts, not a blank page
    histogram = image.histogram()
    dark = sum(histogram[:128]) / sum(histogram)
    assert 0.002 < dark < 0.5
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert "Uncaught" not in proc.stderr


def test_ids_unique_and_references_resolve(texts: dict[str, str]) -> None:
    from collections import Counter

    html = texts["evaluation_zh.html"]
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert not [k for k, v in Counter(ids).items() if v > 1]
    refs = set(re.findall(r"url\(#([^)]+)\)", html)) | set(re.findall(r'href="#([^"]+)"', html))
    assert refs <= set(ids)
    # chart stylesheets are scoped to their chart
    assert '<style type="text/css">*{' not in html
