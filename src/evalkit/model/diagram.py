"""Logic-model diagram as hand-laid SVG (no Graphviz), and the logframe as a table.

One column per non-empty level (inputs on the left, impact on the right), boxes stacked in
the order the elements are listed, text wrapped to the box width (a CJK character counts two
Latin letters), arrows from the right edge of a box to the left edge of the next. When the
columns would be wider than ``max_width`` (a report's text column, 720 px by default) the
levels are laid out as rows instead — each level a band under its heading, inputs at the top,
its boxes side by side and wrapped, arrows from the bottom of a box to the top of the next —
so the diagram fits the column at full size and its 12 px text stays legible on screen and in
print. The output is deterministic: the same model gives the same bytes (fixed ids, fixed
number formatting).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any
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
MAX_WIDTH = 720  # px: about the text column of an A4 report (190 mm at 96 dpi)
BOX_GAP, BAND_GAP, HEAD_H = 14, 34, 22  # rows layout: between boxes, bands; band heading
ROW_BOX_W, ROW_CHARS = 156, 23  # rows layout: four boxes side by side in 720 px


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


def _box(parts: list[str], e_id: str, lvl: str, x: float, y: float, lines: list[str],
         w: float = BOX_W) -> float:
    h = 2 * PAD + LINE_H * len(lines)
    parts.append(f'<g id="lm-{escape(e_id)}" class="lm-box lm-{lvl}">'
                 f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
                 f'rx="6" ry="6"/>')
    for j, text in enumerate(lines):
        ty = y + PAD + LINE_H * (j + 1) - 4
        parts.append(f'<text x="{_f(x + w / 2)}" y="{_f(ty)}" '
                     f'text-anchor="middle">{escape(text)}</text>')
    parts.append("</g>")
    return h


def _columns(columns: list[tuple[str, list[Any]]], lang: str, top: float,
             parts: list[str], boxes: dict[str, tuple[float, float, float]]) -> float:
    height = 0.0
    for c, (lvl, elements) in enumerate(columns):
        x = 20 + c * (BOX_W + COL_GAP)
        name = LEVEL_NAMES[lvl][0 if lang == "zh" else 1]
        parts.append(f'<text class="lm-level" x="{_f(x + BOX_W / 2)}" y="{_f(top - 16)}" '
                     f'text-anchor="middle">{escape(name)}</text>')
        y = float(top)
        for e in elements:
            h = _box(parts, e.id, lvl, x, y, wrap_text(e.text.get(lang)))
            boxes[e.id] = (x, y, h)
            y += h + ROW_GAP
        height = max(height, y)
    return height


def _rows(columns: list[tuple[str, list[Any]]], lang: str, top: float, per_row: int,
          parts: list[str], boxes: dict[str, tuple[float, float, float]]) -> float:
    """Levels as bands from top to bottom; ``per_row`` boxes side by side in a band."""
    y = top - 24.0
    for lvl, elements in columns:
        name = LEVEL_NAMES[lvl][0 if lang == "zh" else 1]
        parts.append(f'<text class="lm-level" x="20" y="{_f(y + 15)}">{escape(name)}</text>')
        y += HEAD_H
        for start in range(0, len(elements), per_row):
            row = elements[start:start + per_row]
            heights = []
            for k, e in enumerate(row):
                x = 20 + k * (ROW_BOX_W + BOX_GAP)
                h = _box(parts, e.id, lvl, x, y, wrap_text(e.text.get(lang), ROW_CHARS),
                         ROW_BOX_W)
                boxes[e.id] = (x, y, h)
                heights.append(h)
            y += max(heights) + (ROW_GAP if start + per_row < len(elements) else 0)
        y += BAND_GAP
    return y - BAND_GAP + ROW_GAP


def _link(k: int, source: tuple[float, float, float], target: tuple[float, float, float],
          rows: bool) -> str:
    sx, sy, sh = source
    tx, ty, th = target
    if rows:
        x1, y1, x2, y2 = sx + ROW_BOX_W / 2, sy + sh, tx + ROW_BOX_W / 2, ty
        mid = (y1 + y2) / 2
        d = (f"M{_f(x1)},{_f(y1)} C{_f(x1)},{_f(mid)} {_f(x2)},{_f(mid)} {_f(x2)},{_f(y2)}"
             if ty > sy else f"M{_f(x1)},{_f(y1)} L{_f(x2)},{_f(y2)}")
    else:
        x1, y1 = (sx + BOX_W, sy + sh / 2) if tx > sx else (sx + BOX_W / 2, sy + sh)
        x2, y2 = (tx, ty + th / 2) if tx > sx else (tx + BOX_W / 2, ty)
        mid = (x1 + x2) / 2
        d = (f"M{_f(x1)},{_f(y1)} C{_f(mid)},{_f(y1)} {_f(mid)},{_f(y2)} {_f(x2)},{_f(y2)}"
             if tx > sx else f"M{_f(x1)},{_f(y1)} L{_f(x2)},{_f(y2)}")
    return (f'<path id="lm-link-{k}" class="lm-link" d="{d}" '
            'marker-end="url(#lm-arrow)"/>')


def logic_model_svg(model: LogicModel, *, lang: str = "zh", title: str | None = None,
                    max_width: float | None = MAX_WIDTH) -> str:
    """The logic model as an SVG document (a string).

    Parameters
    ----------
    model
        The logic model.
    lang
        "zh" or "en": box texts and level headings.
    title
        Optional title drawn above the columns.
    max_width
        Widest the drawing may be, in px (default 720, a report's text column). Levels side
        by side when they fit; otherwise one band per level, top to bottom. None: always
        side by side.

    Returns
    -------
    str
        The SVG, with a ``viewBox`` so that it scales to its container.
    """
    from evalkit._checks import check_lang

    check_lang(lang)
    columns = [(lvl, els) for lvl, els in model.by_level().items() if els]
    boxes: dict[str, tuple[float, float, float]] = {}  # id -> x, y, height
    parts: list[str] = []
    top = TOP + (24 if title else 0)
    wide = 40 + len(columns) * BOX_W + max(0, len(columns) - 1) * COL_GAP
    limit = wide if max_width is None else max_width
    rows = wide > limit
    if rows:
        per_row = max(1, int((limit - 40 + BOX_GAP) // (ROW_BOX_W + BOX_GAP)))
        longest = max((len(els) for _, els in columns), default=1)
        per_row = min(per_row, longest)
        width = 40 + per_row * ROW_BOX_W + (per_row - 1) * BOX_GAP
        height = _rows(columns, lang, top, per_row, parts, boxes)
    else:
        width = wide
        height = _columns(columns, lang, top, parts, boxes)
    arrows = [_link(k, boxes[link.source], boxes[link.target], rows)
              for k, link in enumerate(model.links)
              if link.source in boxes and link.target in boxes]
    head = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{_f(height + 10)}" viewBox="0 0 {width} {_f(height + 10)}" '
        'font-family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif" '
        'font-size="12">',
        "<defs><marker id=\"lm-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
        "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker>"
        "<style>.lm-box rect{fill:#f4f7fb;stroke:#4a6fa5;stroke-width:1.2}"
        ".lm-level{font-weight:bold;font-size:13px;paint-order:stroke;stroke:#fff;"
        "stroke-width:4px;stroke-linejoin:round}"
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
