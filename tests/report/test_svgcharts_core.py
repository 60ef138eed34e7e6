"""Building blocks of the report's SVG charts: widths, wrapping, ticks, scales, escaping."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from evalkit.report.svgcharts.core import (
    FONT_FAMILY,
    Linear,
    Svg,
    axes,
    fmt,
    legend,
    margin_for,
    nice_ticks,
    text_width,
    tick_text,
    wrap,
    x_axis_height,
    y_axis_width,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ['<script>alert("x")</script>', "a & b", "it's \"quoted\"", "]]><!--", "\x00\x07bell",
           "</text></svg><svg onload=alert(1)>"]


def _font_widths(path: str, text: str, size: float, index: int | None = None) -> float:
    """Width of ``text`` as the font at ``path`` draws it (advances, no kerning)."""
    from fontTools.ttLib import TTCollection, TTFont

    font = TTCollection(path).fonts[index or 0] if path.endswith(".ttc") else TTFont(path)
    cmap, hmtx, upem = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    return sum(hmtx[cmap[ord(ch)]][0] for ch in text) / upem * size


# -- widths ----------------------------------------------------------------------------------

def test_cjk_counts_one_em_latin_less() -> None:
    assert text_width("指标完成情况", 10) == pytest.approx(60)
    assert text_width("（占目标值的 %）", 10) > 60  # full-width brackets are 1 em each
    assert text_width("iiii", 10) < text_width("WWWW", 10) < 40 + 1e-9
    assert text_width("abc\n指标完成情况", 10) == pytest.approx(60)  # the longest line
    assert text_width("", 10) == 0
    assert text_width("Achievement", 12, bold=True) > text_width("Achievement", 12)
    assert text_width("\u2603", 10) == pytest.approx(10)  # unknown: 1 em, never narrower


@pytest.mark.parametrize("path", ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"])
def test_widths_never_narrower_than_the_fonts(path: str) -> None:
    import os

    pytest.importorskip("fontTools")
    if not os.path.exists(path):
        pytest.skip(f"{path} not installed")
    sample = ("Worker participations 0123456789 (% of target) -+.,:; "
              "MWQ@ mean 3.86 — “quoted” – ±×")
    for size in (8.0, 10.0, 11.5):
        real = _font_widths(path, sample, size)
        assert text_width(sample, size) >= real - 1e-9
        assert text_width(sample, size) <= real * 1.35  # conservative, not absurd


# -- wrapping --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I8 Monthly disputes per 100 workers in the participating enterprises",
    "每百名职工月均劳动争议（件），含调解与仲裁案件。",
    "Supercalifragilisticexpialidocious",
    "混合 mixed 文字 text with 中文 words and a verylongwordwithoutanyspaceatall",
    "a\nb c d e f g h",
])
@pytest.mark.parametrize("width", [30.0, 80.0, 200.0])
def test_wrap_never_truncates_and_fits(text: str, width: float) -> None:
    lines = wrap(text, width, 10)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    for line in lines:
        # a line is wider than the room only when it is a single character
        assert text_width(line, 10) <= width or len(line) == 1, (line, width)


def test_wrap_breaks_at_spaces_and_keeps_punctuation() -> None:
    assert wrap("Group sessions held", 60, 10) == ["Group", "sessions", "held"]
    assert wrap("Group sessions held", 500, 10) == ["Group sessions held"]
    lines = wrap("职工幸福感得分，前测与后测。", 50, 10)
    assert not any(line[0] in "，。）" for line in lines)
    assert wrap("", 50, 10) == [""]


# -- ticks -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (0, 280, [0, 50, 100, 150, 200, 250, 300]),
    (0.3, 9.2, [0, 2, 4, 6, 8, 10]),
    (-0.37, 0.12, [-0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2]),
    (1, 5, [1, 2, 3, 4, 5]),
    (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (1234, 5678, [1000, 2000, 3000, 4000, 5000, 6000]),
])
def test_nice_ticks_like_r_pretty(lo: float, hi: float, expected: list[float]) -> None:
    # R: pretty(c(0, 280)) = 0 50 100 ... 300; pretty(c(-0.37, 0.12)) = -0.4 -0.3 ... 0.2
    ticks = nice_ticks(lo, hi)
    assert ticks == pytest.approx(expected)
    assert ticks[0] <= lo and ticks[-1] >= hi


def test_nice_ticks_degenerate_and_reversed() -> None:
    assert nice_ticks(5, 1) == nice_ticks(1, 5)
    flat = nice_ticks(2, 2)
    assert flat[0] < 2 < flat[-1]
    assert nice_ticks(0, 0)[0] < 0 < nice_ticks(0, 0)[-1]
    with pytest.raises(ValueError):
        nice_ticks(0, math.nan)


def test_tick_text_same_decimals_ascii_minus_no_negative_zero() -> None:
    ticks = nice_ticks(-0.37, 0.12)
    texts = [tick_text(t, ticks) for t in ticks]
    assert texts == ["-0.4", "-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2"]
    assert tick_text(-1e-17, [-0.5, 0.0, 0.5]) == "0.0"
    assert [tick_text(t, [0, 50, 100]) for t in (0, 50, 100)] == ["0", "50", "100"]
    assert tick_text(0.25, [0, 0.25, 0.5]) == "0.25" and tick_text(0, [0, 0.25, 0.5]) == "0.00"
    assert "−" not in "".join(tick_text(t, [-2, -1, 0]) for t in (-2, -1, 0))


def test_linear_and_degenerate_domain() -> None:
    scale = Linear((0, 10), (100, 0))
    assert scale(0) == 100 and scale(10) == 0 and scale(2.5) == 75
    assert Linear((3, 3), (0, 50))(3) == 25
    assert fmt(1.0) == "1" and fmt(-0.001) == "0" and fmt(2.345) == "2.35" and fmt(10) == "10"


# -- the writer ------------------------------------------------------------------------------

def _sample(label: str) -> str:
    svg = Svg(320, 200, lang="en", title=label)
    box = (60, 10, 240, 120)
    x, y = Linear((0, 10), (60, 300)), Linear((0, 1), (130, 10))
    axes(svg, box, x=x, y=y, xticks=nice_ticks(0, 10), yticks=nice_ticks(0, 1),
         ylabels=None, xtitle=label, ytitle=label, grid="y")
    svg.rect(70, 50, 20, 80, fill="#1f6fb2", stroke=label, opacity=0.5)
    svg.line(0, 0, 10, 10, dash="4 2")
    svg.path([(0, 0), (5, 5), (9, 1)], stroke="#333", closed=True)
    svg.circle(5, 5, 2, fill=label)
    svg.text(10, 10, label + "\n" + label, anchor="end", baseline="bottom", weight="bold")
    legend(svg, [("rect", "#111", label), ("line", "#222", "b"), ("dash", "#333", "c"),
                 ("point", "#444", "d"), ("band", "#555", "e")], x=10, y=160, width=300)
    return svg.to_string()


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_come_out_inert(label: str) -> None:
    out = _sample(label)
    root = ET.fromstring(out)  # well-formed XML
    assert root.tag == SVG + "svg"
    assert "<script" not in out and "<svg onload" not in out
    assert len(root.findall(f"{SVG}title")) == 1  # the label did not open a new element
    assert not [e for e in root.iter() if e.tag in (SVG + "script", "script")]
    assert not [k for e in root.iter() for k in e.attrib if k.startswith("on")]
    texts = ["".join(e.itertext()) for e in root.iter(SVG + "text")]
    clean = label.replace("\x00", "").replace("\x07", "")
    assert any(clean in t for t in texts)  # written as text, whole


def test_output_is_deterministic_and_compact() -> None:
    a, b = _sample("wellbeing 幸福感"), _sample("wellbeing 幸福感")
    assert a == b and a.startswith("<svg") and "<?xml" not in a
    root = ET.fromstring(a)
    assert root.get("viewBox") == "0 0 320 200" and root.get("role") == "img"
    assert root.get("aria-label") == "wellbeing 幸福感" and root.get("font-family") == FONT_FAMILY
    assert "Noto Sans CJK SC" in FONT_FAMILY
    import re

    numbers = re.findall(r'="(-?\d+\.\d+)"', a)
    assert numbers and all(len(n.split(".")[1]) <= 2 and not n.endswith("0") for n in numbers)


def test_css_font_stack_matches_the_report() -> None:
    from pathlib import Path

    import evalkit

    css = (Path(evalkit.__file__).resolve().parents[2] / "templates" / "partials"
           / "style.css.j2")
    if not css.exists():
        pytest.skip("templates not next to the sources")
    stack = FONT_FAMILY.replace("'", '"')
    assert " ".join(stack.split()) in " ".join(css.read_text(encoding="utf-8").split())


def test_multiline_text_is_tspans_and_rotation_is_a_transform() -> None:
    svg = Svg(100, 100, lang="zh", title="t")
    svg.text(50, 50, "第一行\n第二行", anchor="middle", rotate=-90)
    root = ET.fromstring(svg.to_string())
    text = root.find(f"{SVG}text")
    assert text is not None and text.get("transform") == "translate(50 50) rotate(-90)"
    assert [s.text for s in text.findall(f"{SVG}tspan")] == ["第一行", "第二行"]


def test_axes_labels_and_room() -> None:
    svg = Svg(300, 200, lang="en", title="t")
    ticks = [0.0, 0.5, 1.0]
    axes(svg, (50, 10, 200, 100), x=Linear((0, 1), (50, 250)), y=Linear((0, 1), (110, 10)),
         xticks=ticks, yticks=ticks, xlabels=["a", "b", "c"], xtitle="x title",
         ytitle="y title", grid="both")
    root = ET.fromstring(svg.to_string())
    texts = ["".join(e.itertext()) for e in root.iter(SVG + "text")]
    assert texts == ["a", "b", "c", "0.0", "0.5", "1.0", "x title", "y title"]
    assert y_axis_width(["0.0", "0.5"], "y title", 100) > margin_for(["0.0", "0.5"], 10)
    assert x_axis_height("x title", 200) > x_axis_height(None)
    with pytest.raises(ValueError):
        axes(svg, (0, 0, 1, 1), x=Linear((0, 1), (0, 1)), y=Linear((0, 1), (0, 1)),
             xticks=[0, 1], yticks=[0], xlabels=["only one"])


def test_legend_wraps_rows_within_its_width() -> None:
    svg = Svg(200, 200, lang="en", title="t")
    items = [("rect", "#111", f"status number {k}") for k in range(6)]
    one_row = legend(Svg(2000, 50, lang="en", title="t"), items, x=0, y=0, width=2000)
    rows = legend(svg, items, x=0, y=0, width=200)
    assert rows > 2 * one_row
    texts = ["".join(e.itertext()) for e in ET.fromstring(svg.to_string()).iter(SVG + "text")]
    assert texts == [f"status number {k}" for k in range(6)]
    assert legend(svg, [], x=0, y=0, width=100) == 0
    with pytest.raises(ValueError):
        legend(svg, [("blob", "#000", "x")], x=0, y=0, width=100)


def test_missing_values_are_not_drawn_and_numpy_numbers_are_written_plainly() -> None:
    import numpy as np

    svg = Svg(100, 100, lang="en", title="t")
    svg.rect(math.nan, 0, 10, 10, fill="#000")
    svg.line(0, 0, math.inf, 1)
    svg.circle(1, math.nan, 2, fill="#000")
    svg.text(math.nan, 1, "gone")
    svg.path([(0, 0), (1, math.nan), (2, 2), (3, 3)], stroke="#000")
    svg.circle(np.float32(1.23456), np.int64(2), np.float64(0.5), fill="#000")
    out = svg.to_string()
    root = ET.fromstring(out)
    assert [e.tag.split("}")[1] for e in root if not e.tag.endswith("title")] == \
        ["path", "circle"]
    assert root.find(f"{SVG}path").get("d") == "M0,0 M2,2 L3,3"  # type: ignore[union-attr]
    assert 'cx="1.23" cy="2" r="0.5"' in out and "nan" not in out and "inf" not in out


def test_wrap_properties() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(list("abcXYZ 0123456789-.,;:()%") + list("指标完成率（）：，。") +
                               ["\n", "W", "i", "—"])

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet, max_size=60), st.floats(5, 300))
    def check(text: str, width: float) -> None:
        lines = wrap(text, width, 10)
        # nothing lost or reordered (spaces at the breaks aside), never wider than the room
        # unless one character is already wider
        assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
        for line in lines:
            assert text_width(line, 10) <= width + 1e-9 or len(line.strip()) <= 1, (line, width)

    check()


def test_crowded_tick_labels_are_thinned_never_overlapping() -> None:
    svg = Svg(300, 120, lang="en", title="t")
    ticks = [float(t) for t in range(-12, 13)]
    labels = [f"month {int(t)}" for t in ticks]
    axes(svg, (20, 10, 260, 60), x=Linear((-12, 12), (20, 280)), y=Linear((0, 1), (70, 10)),
         xticks=ticks, yticks=[0, 1], xlabels=labels)
    root = ET.fromstring(svg.to_string())
    shown = [e for e in root.iter(SVG + "text") if (e.text or "").startswith("month")]
    assert 2 <= len(shown) < len(ticks) and shown[0].text == "month -12"
    xs = [float(e.get("x", "0")) for e in shown]
    widths = [text_width(e.text or "", 11) for e in shown]
    assert all(b - a >= (wa + wb) / 2 for a, b, wa, wb in zip(xs, xs[1:], widths, widths[1:],
                                                              strict=False))
    ticks_drawn = [e for e in root.iter(SVG + "line") if e.get("y2") == "74"]
    assert len(ticks_drawn) == len(ticks)  # every tick still drawn


def test_fast_paths_agree_with_the_plain_rules() -> None:
    # the character-width cache, _escape's early return and _attrs' type dispatch give what
    # the plain rules give
    import random

    import numpy as np

    from evalkit.report.charts import _ID
    from evalkit.report.svgcharts import core
    from evalkit.report.svgcharts._metrics import BOLD, REGULAR

    rng = random.Random(7)
    alphabet = "aid= \"'<>&\x01\ufffe中。é\u0301\u200bKſ_-1\n"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for bold, table in ((False, REGULAR), (True, BOLD)):
            plain = max((sum(core._char_width(ch, table) for ch in line) * 10.5
                         for line in text.split("\n")), default=0.0)
            assert core.text_width(text, 10.5, bold=bold) == plain
        slow = core._CONTROL.sub("", text)
        for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                     ("'", "&#39;")):
            slow = slow.replace(a, b)
        assert core._escape(text) == slow
        assert _ID.sub("X", text) == re.sub(r'\bid="([^"]+)"', "X", text)
    attrs = core.Svg._attrs(a=np.float64(1.234), b=True, c=3, d=2.5, e="x<y", f=None,
                            stroke_width=np.int64(2), g=np.float32(0.5))
    assert attrs == ' a="1.23" b="True" c="3" d="2.5" e="x&lt;y" stroke-width="2" g="0.5"'
