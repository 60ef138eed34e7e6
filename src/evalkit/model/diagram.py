"""Logic-model diagram as hand-laid SVG (no Graphviz), and the logframe as a table.

One column per non-empty level (inputs on the left, impact on the right), boxes stacked in
the order the elements are listed, text wrapped to the box width (a CJK character counts two
Latin letters), arrows from the right edge of a box to the left edge of the next. The output
is deterministic: the same model gives the same bytes (fixed ids, fixed number formatting).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from evalkit.model.logic_model import LogicModel, logframe

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.model.indicators import Indicator

__all__ = ["LEVEL_NAMES", "logframe_table", "logic_model_svg", "wrap_text", "write_svg"]

LEVEL_NAMES = {
    "inputs": ("投入", "Inputs"), "activities": ("活动", "Activities"),
    "outputs": ("产出", "Outputs"), "short_outcomes": ("短期成效", "Short-term outcomes"),
    "intermediate_outcomes": ("中期成效", "Intermediate outcomes"),
    "long_outcomes": ("长期成效", "Long-term outcomes"), "impact": ("影响", "Impact"),
}
BOX_W, COL_GAP, ROW_GAP, LINE_H, PAD, TOP = 170, 60, 18, 16, 8, 48
CHARS = 26  # Latin letters per line inside a box


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def wrap_text(text: str, limit: int = CHARS) -> list[str]:
    """Lines of ``text`` at most ``limit`` display columns wide (CJK = 2), breaking Latin
    text at spaces and CJK text anywhere.

    >>> wrap_text("职工幸福感提升", 6)
    ['职工幸', '福感提', '升']
    """
    lines: list[str] = []
    line, used = "", 0
    for word in _tokens(text):
        w = sum(_width(c) for c in word)
        if used + sum(_width(c) for c in word.rstrip()) > limit and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
            word = word.lstrip()
            w = sum(_width(c) for c in word)
        line += word
        used += w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for ch in text:
        if _width(ch) == 2:
            if buf:
                out.append(buf)
                buf = ""
            out.append(ch)
        elif ch == " ":
            buf += ch
            out.append(buf)
            buf = ""
        else:
            buf += ch
    if buf:
        out.append(buf)
    return out


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def logic_model_svg(model: LogicModel, *, lang: str = "zh", title: str | None = None) -> str:
    """The logic model as an SVG document (a string).

    Parameters
    ----------
    model
        The logic model.
    lang
        "zh" or "en": box texts and level headings.
    title
        Optional title drawn above the columns.
    """
    columns = [(lvl, els) for lvl, els in model.by_level().items() if els]
    boxes: dict[str, tuple[float, float, float]] = {}  # id -> x, y, height
    parts: list[str] = []
    height = 0.0
    top = TOP + (24 if title else 0)
    for c, (lvl, elements) in enumerate(columns):
        x = 20 + c * (BOX_W + COL_GAP)
        name = LEVEL_NAMES[lvl][0 if lang == "zh" else 1]
        parts.append(f'<text class="lm-level" x="{_f(x + BOX_W / 2)}" y="{_f(top - 16)}" '
                     f'text-anchor="middle">{escape(name)}</text>')
        y = float(top)
        for e in elements:
            lines = wrap_text(e.text.get(lang))
            h = 2 * PAD + LINE_H * len(lines)
            boxes[e.id] = (x, y, h)
            parts.append(f'<g id="lm-{escape(e.id)}" class="lm-box lm-{lvl}">'
                         f'<rect x="{_f(x)}" y="{_f(y)}" width="{BOX_W}" height="{_f(h)}" '
                         f'rx="6" ry="6"/>')
            for j, text in enumerate(lines):
                ty = y + PAD + LINE_H * (j + 1) - 4
                parts.append(f'<text x="{_f(x + BOX_W / 2)}" y="{_f(ty)}" '
                             f'text-anchor="middle">{escape(text)}</text>')
            parts.append("</g>")
            y += h + ROW_GAP
        height = max(height, y)
    arrows = []
    for k, link in enumerate(model.links):
        if link.source not in boxes or link.target not in boxes:
            continue
        sx, sy, sh = boxes[link.source]
        tx, ty, th = boxes[link.target]
        x1, y1 = (sx + BOX_W, sy + sh / 2) if tx > sx else (sx + BOX_W / 2, sy + sh)
        x2, y2 = (tx, ty + th / 2) if tx > sx else (tx + BOX_W / 2, ty)
        mid = (x1 + x2) / 2
        d = (f"M{_f(x1)},{_f(y1)} C{_f(mid)},{_f(y1)} {_f(mid)},{_f(y2)} {_f(x2)},{_f(y2)}"
             if tx > sx else f"M{_f(x1)},{_f(y1)} L{_f(x2)},{_f(y2)}")
        arrows.append(f'<path id="lm-link-{k}" class="lm-link" d="{d}" '
                      'marker-end="url(#lm-arrow)"/>')
    width = 40 + len(columns) * BOX_W + max(0, len(columns) - 1) * COL_GAP
    head = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{_f(height + 10)}" viewBox="0 0 {width} {_f(height + 10)}" '
        'font-family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif" '
        'font-size="12">',
        "<defs><marker id=\"lm-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker>"
        "<style>.lm-box rect{fill:#f4f7fb;stroke:#4a6fa5;stroke-width:1.2}"
        ".lm-level{font-weight:bold;font-size:13px}"
        ".lm-link{fill:none;stroke:#555;stroke-width:1.1}</style></defs>",
    ]
    if title:
        head.append(f'<text class="lm-title" x="{_f(width / 2)}" y="24" text-anchor="middle" '
                    f'font-size="16">{escape(title)}</text>')
    return "\n".join([*head, *arrows, *parts, "</svg>"]) + "\n"


def write_svg(model: LogicModel, path: str | Path, *, lang: str = "zh",
              title: str | None = None) -> Path:
    """Write :func:`logic_model_svg` to ``path`` atomically (temp file, then rename)."""
    from evalkit._atomic import atomic_write

    return atomic_write(path, logic_model_svg(model, lang=lang, title=title))


def logframe_table(model: LogicModel, indicators: list[Indicator] | tuple[Indicator, ...] = (),
                   *, lang: str = "zh") -> pd.DataFrame:
    """The logframe view (see :func:`evalkit.model.logic_model.logframe`)."""
    return logframe(model, indicators, lang=lang)
