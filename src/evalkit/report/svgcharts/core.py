"""Building blocks of the report's SVG charts: text measuring, wrapping, ticks, scales, an
SVG writer whose every text and attribute is escaped, axes and legends.

The HTML and PDF reports draw their charts as SVG text directly (no matplotlib): a chart is
a few dozen rectangles, lines and labels, and writing them costs a few milliseconds where
matplotlib's text layout with a CJK font costs a tenth of a second per chart, plus its
import. The browser or WeasyPrint lays the text out with the report's own fonts, so text
widths are estimated here, conservatively, from the fonts' advance widths
(:mod:`evalkit.report.svgcharts._metrics`): a label is never wider on the page than the room
measured for it.

Example
-------
>>> svg = Svg(200, 100, lang="en", title="demo")
>>> x, y = Linear((0, 10), (40, 190)), Linear((0, 1), (80, 10))
>>> axes(svg, (40, 10, 150, 70), x=x, y=y, xticks=nice_ticks(0, 10), yticks=[0, 0.5, 1])
>>> svg.to_string().startswith("<svg")
True
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from itertools import pairwise
from typing import Literal

from evalkit.report.svgcharts._metrics import BOLD, REGULAR

__all__ = ["FONT_FAMILY", "LINE_HEIGHT", "TICK_SIZE", "TITLE_SIZE", "Linear", "Svg", "axes",
           "fmt", "legend", "margin_for", "nice_ticks", "text_width", "tick_text", "wrap",
           "x_axis_height", "y_axis_width"]

#: the report stylesheet's font stack (templates/partials/style.css.j2)
FONT_FAMILY = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', "
               "'Microsoft YaHei', 'PingFang SC', 'Helvetica Neue', Arial, sans-serif")
#: distance between the baselines of two lines of a label, in font sizes
LINE_HEIGHT = 1.25
#: font size (px) of tick labels and of axis titles
TICK_SIZE = 11.0
TITLE_SIZE = 12.0
#: tick length and the gap between a tick and its label (px)
TICK = 4.0
GAP = 3.0
#: ascent and descent of the fonts (fraction of the font size) used to place baselines
_ASCENT, _DESCENT = 0.88, 0.24
_UNKNOWN = 1.0  # a character missing from the table: as wide as a CJK character
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff&<>\"']")  # _escape's work
_OPENING = set("（《「『【〔〈“‘([{")
_CLOSING = set("，。、；：！？）》」』】〕〉”’,.;:!?)]}%％")

Anchor = Literal["start", "middle", "end"]
Baseline = Literal["middle", "top", "bottom", "alphabetic"]


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _char_width(ch: str, table: dict[str, float]) -> float:
    if _wide(ch):
        return 1.0
    width = table.get(ch)
    if width is not None:
        return width
    return 0.0 if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d" else _UNKNOWN


class _Widths(dict[str, float]):
    """Character -> :func:`_char_width` in ``table``, each character worked out once."""

    def __init__(self, table: dict[str, float]) -> None:
        super().__init__()
        self.table = table

    def __missing__(self, ch: str) -> float:
        width = self[ch] = _char_width(ch, self.table)
        return width


#: regular and bold widths of the characters met so far (the same for every report)
_WIDTHS = {False: _Widths(REGULAR), True: _Widths(BOLD)}


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in px of the longest line of ``text`` at font size ``size`` px.

    A CJK or full-width character (Unicode east-Asian width W or F) counts 1 em; a Latin,
    Greek, digit or punctuation character its advance width in the wider of Noto Sans CJK SC
    and DejaVu Sans; any other character 1 em. Never narrower than either font draws it.

    Parameters
    ----------
    text
        The label; ``"\\n"`` separates lines.
    size
        Font size in px.
    bold
        Measure with the bold fonts' widths.

    Examples
    --------
    >>> text_width("目标", 10.0)
    20.0
    """
    width = _WIDTHS[bool(bold)].__getitem__
    return max((sum(map(width, line)) * size for line in str(text).split("\n")), default=0.0)


def _line_width(line: str, size: float, bold: bool) -> float:
    """:func:`text_width` of a ``line`` without ``"\n"`` (the same number, computed directly)."""
    return sum(map(_WIDTHS[bool(bold)].__getitem__, line)) * size


def _tokens(line: str) -> list[str]:
    """Pieces a line may break between: Latin words (with the space that follows them) and
    single CJK characters; opening brackets stick to what follows, closing punctuation to
    what precedes."""
    pieces: list[str] = []
    for part in re.findall(r"[^\s]+\s*|\s+", line):
        word = ""
        for ch in part:
            if _wide(ch) and ch not in _CLOSING and ch not in _OPENING:
                if word and not all(c in _OPENING for c in word):
                    pieces.append(word)
                    word = ""
                word += ch
                continue
            if word and _wide(word[-1]) and word[-1] not in _OPENING and ch not in _CLOSING:
                pieces.append(word)
                word = ""
            word += ch
        if word:
            pieces.append(word)
    out: list[str] = []
    for piece in pieces:  # closing punctuation never starts a line
        if out and piece[0] in _CLOSING and not out[-1].endswith(" "):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _split_word(word: str, width_px: float, size: float, bold: bool) -> list[str]:
    parts, current = [], ""
    for ch in word:
        if current and _line_width(current + ch, size, bold) > width_px:
            parts.append(current)
            current = ""
        current += ch
    return [*parts, current] if current else parts


def wrap(text: str, width_px: float, size: float, *, bold: bool = False) -> list[str]:
    """Break ``text`` into lines no wider than ``width_px`` at font size ``size``.

    Latin text breaks at spaces, CJK text between any two characters (a closing punctuation
    mark never starts a line, an opening one never ends it); a word longer than the width is
    broken between its characters. Nothing is dropped: the lines joined give the text back
    (up to the spaces at the breaks). Existing ``"\\n"`` are kept as breaks.

    Examples
    --------
    >>> wrap("Group sessions held", 60, 10)
    ['Group', 'sessions', 'held']
    """
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        current = ""
        for token in _tokens(paragraph):
            trial = current + token
            if not current or _line_width(trial.rstrip(), size, bold) <= width_px:
                current = trial
                continue
            lines.append(current.rstrip())
            current = token.lstrip()
        lines.append(current.rstrip())
    out: list[str] = []
    for line in lines:  # a line wider than the room holds one token: break it
        out.extend(_split_word(line, width_px, size, bold)
                   if _line_width(line, size, bold) > width_px else [line])
    return out or [""]


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round ticks (steps of 1, 2 or 5 × 10^k) from at or below ``lo`` to at or
    above ``hi``, as R's ``pretty()`` and d3's ``ticks()`` choose them.

    Examples
    --------
    >>> nice_ticks(0.3, 9.2)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"ticks need finite limits, got {lo!r}, {hi!r}")
    if lo > hi:
        lo, hi = hi, lo
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(n, 1)
    power = math.floor(math.log10(raw))
    step = 10.0 ** power
    err = raw / step
    if err >= math.sqrt(50):
        step *= 10
    elif err >= math.sqrt(10):
        step *= 5
    elif err >= math.sqrt(2):
        step *= 2
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return [round(k * step, digits) + 0.0 for k in range(first, last + 1)]


def _decimals(ticks: Sequence[float]) -> int:
    for d in range(0, 10):
        if all(abs(round(t, d) - t) <= 1e-9 * max(1.0, abs(t)) for t in ticks):
            return d
    return 10


def tick_text(value: float, ticks: Sequence[float]) -> str:
    """``value`` written with as many decimals as the finest tick of its axis needs (the same
    for every tick of an axis), with an ASCII minus and never ``-0``.

    Examples
    --------
    >>> [tick_text(t, [-0.5, 0.0, 0.5, 1.0]) for t in (-0.5, 0.0, 1.0)]
    ['-0.5', '0.0', '1.0']
    """
    text = f"{float(value):.{_decimals(list(ticks) or [value])}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def fmt(x: float) -> str:
    """A coordinate with two decimals at most, trailing zeros and ``-0`` removed."""
    text = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _escape(value: object) -> str:
    text = str(value)
    if not _SPECIAL.search(text):  # most values (colours, plain labels) need nothing
        return text
    text = _CONTROL.sub("", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


#: keyword of :meth:`Svg._attrs` -> attribute name (``stroke_width`` -> ``stroke-width``)
_NAMES: dict[str, str] = {}


def _value(value: object) -> str:
    """An attribute value as written: a number by :func:`fmt`, anything else escaped."""
    kind = type(value)
    if kind is float or kind is int:  # the common cases, before the ABC check
        return fmt(value)  # type: ignore[arg-type]
    if kind is str:
        return _escape(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return fmt(float(value))
    return _escape(value)


def _finite(*values: float) -> bool:
    return all(map(math.isfinite, map(float, values)))


class Linear:
    """Linear map from a data ``domain`` to pixel ``range_`` (a zero-width domain maps every
    value to the middle of the range).

    Examples
    --------
    >>> Linear((0, 10), (0, 200))(2.5)
    50.0
    """

    def __init__(self, domain: tuple[float, float], range_: tuple[float, float]) -> None:
        self.domain = (float(domain[0]), float(domain[1]))
        self.range = (float(range_[0]), float(range_[1]))

    def __call__(self, v: float) -> float:
        d0, d1 = self.domain
        r0, r1 = self.range
        if d1 == d0 or not math.isfinite(d1 - d0):
            return (r0 + r1) / 2
        return r0 + (float(v) - d0) * (r1 - r0) / (d1 - d0)


class Svg:
    """An SVG document written element by element; every text and attribute value is
    XML-escaped (labels come from users' project files and the SVG is inserted unescaped
    into the HTML report). An element with a non-finite coordinate is not drawn (a missing
    value is not plotted, as in matplotlib). ``height`` (and ``width``) may be set after
    drawing, once the content's extent is known: they are read by :meth:`to_string`.

    Parameters
    ----------
    width, height
        Size in px (also the ``viewBox``).
    lang
        Language of the text (``xml:lang``): ``"zh"`` or ``"en"``.
    title
        Accessible name (``aria-label`` and ``<title>``).
    """

    def __init__(self, width: float, height: float, *, lang: str, title: str) -> None:
        self.width = float(width)
        self.height = float(height)
        self.lang = lang
        self.title = title
        self._parts: list[str] = []

    @staticmethod
    def _attrs(**attrs: object) -> str:
        out = []
        for key, value in attrs.items():
            if value is None:
                continue
            name = _NAMES.get(key) or _NAMES.setdefault(key, key.rstrip("_").replace("_", "-"))
            out.append(f' {name}="{_value(value)}"')
        return "".join(out)

    def add(self, element: str) -> None:
        """Append raw SVG markup (callers must escape what they put in it)."""
        self._parts.append(element)

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str,
             stroke: str | None = None, opacity: float | None = None) -> None:
        """A rectangle (a negative width or height is drawn from the other side)."""
        if not _finite(x, y, w, h):
            return
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        # the coordinates are finite numbers: written as _attrs writes them
        attrs = self._attrs(fill=fill, stroke=stroke, opacity=opacity)
        self.add(f'<rect x="{_value(x)}" y="{_value(y)}" width="{_value(w)}" '
                 f'height="{_value(h)}"{attrs}/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = "#333333",
             width: float = 1.0, dash: str | None = None) -> None:
        """A straight line; ``dash`` an SVG ``stroke-dasharray`` such as ``"4 3"``."""
        if not _finite(x1, y1, x2, y2):
            return
        attrs = self._attrs(stroke=stroke, stroke_width=width, stroke_dasharray=dash)
        self.add(f'<line x1="{_value(x1)}" y1="{_value(y1)}" x2="{_value(x2)}" '
                 f'y2="{_value(y2)}"{attrs}/>')

    def path(self, points: Sequence[tuple[float, float]], *, stroke: str, width: float = 1.5,
             fill: str = "none", dash: str | None = None, closed: bool = False,
             opacity: float | None = None) -> None:
        """A polyline through ``points`` (a polygon when ``closed``); a point with a
        non-finite coordinate breaks the line there, as in matplotlib."""
        runs: list[list[tuple[float, float]]] = [[]]
        for px, py in points:
            if _finite(px, py):
                runs[-1].append((px, py))
            elif runs[-1]:
                runs.append([])
        runs = [run for run in runs if run]
        if not runs:
            return
        d = " ".join("M" + " L".join(f"{fmt(px)},{fmt(py)}" for px, py in run) for run in runs)
        d += " Z" if closed and len(runs) == 1 else ""
        attrs = self._attrs(d=d, fill=fill, stroke=stroke, stroke_width=width,
                            stroke_dasharray=dash, opacity=opacity)
        self.add(f"<path{attrs}/>")

    def circle(self, cx: float, cy: float, r: float, *, fill: str, stroke: str | None = None,
               width: float = 1.0) -> None:
        """A circle (a point marker)."""
        if not _finite(cx, cy, r):
            return
        attrs = self._attrs(fill=fill, stroke=stroke, stroke_width=width if stroke else None)
        self.add(f'<circle cx="{_value(cx)}" cy="{_value(cy)}" r="{_value(r)}"{attrs}/>')

    def text(self, x: float, y: float, s: str, *, size: float = 11.0,
             anchor: Anchor = "start", baseline: Baseline = "middle", fill: str = "#222222",
             weight: str | None = None, rotate: float | None = None) -> None:
        """A label at ``(x, y)``; each ``"\\n"``-separated line a ``<tspan>``.

        ``baseline`` says where ``y`` is: the middle, the top or the bottom of the block of
        lines, or the first line's baseline. Baselines are computed here (no
        ``dominant-baseline``, which WeasyPrint ignores). ``rotate`` turns the label by that
        many degrees around ``(x, y)`` (-90: reading upwards).
        """
        if not _finite(x, y):
            return
        lines = str(s).split("\n")
        step = LINE_HEIGHT * size
        block = (len(lines) - 1) * step
        first = {"alphabetic": 0.0,
                 "top": _ASCENT * size,
                 "bottom": -block - _DESCENT * size,
                 "middle": -block / 2 + (_ASCENT - _DESCENT) / 2 * size}[baseline]
        attrs = self._attrs(font_size=size, text_anchor=None if anchor == "start" else anchor,
                            fill=fill, font_weight=weight)
        if rotate:
            ox, oy = x, y
            x, y = 0.0, 0.0
            attrs += self._attrs(transform=f"translate({fmt(ox)} {fmt(oy)}) rotate({fmt(rotate)})")
        # x and y are finite numbers here: written as _attrs(x=…, y=…) writes them
        if len(lines) == 1:
            self.add(f'<text x="{_value(x)}" y="{_value(y + first)}"{attrs}>'
                     f"{_escape(lines[0])}</text>")
            return
        spans = "".join(f'<tspan x="{_value(x)}" y="{_value(y + first + k * step)}">'
                        f"{_escape(line)}</tspan>" for k, line in enumerate(lines))
        self.add(f"<text{attrs}>{spans}</text>")

    def to_string(self) -> str:
        """The document: ``<svg …>`` with a ``<title>``, no XML declaration, ending in a
        newline (as matplotlib's SVG does)."""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg"'
                f'{self._attrs(viewBox=f"0 0 {fmt(self.width)} {fmt(self.height)}")}'
                f"{self._attrs(width=self.width, height=self.height, role='img')}"
                f"{self._attrs(aria_label=self.title)} xml:lang=\"{_escape(self.lang)}\""
                f' font-family="{FONT_FAMILY}">'
                f"<title>{_escape(self.title)}</title>")
        return head + "".join(self._parts) + "</svg>\n"


def margin_for(labels: Sequence[str], size: float) -> float:
    """Width in px of the widest of ``labels`` (each possibly several lines) at ``size``."""
    return max((text_width(str(label), size) for label in labels), default=0.0)


def _lines(text: str | None) -> int:
    return 0 if not text else len(text.split("\n"))


def x_axis_height(xtitle: str | None = None, width: float | None = None,
                  xlabels: Sequence[str] | None = None) -> float:
    """Room (px) below the plotting area that :func:`axes` uses for the ticks, their labels
    and the x title (wrapped to ``width`` when given)."""
    tick_lines = max((_lines(str(t)) for t in xlabels or ["0"]), default=1)
    height = TICK + GAP + tick_lines * LINE_HEIGHT * TICK_SIZE
    if xtitle:
        lines = wrap(xtitle, width, TITLE_SIZE) if width else xtitle.split("\n")
        height += GAP + 2 + len(lines) * LINE_HEIGHT * TITLE_SIZE
    return height


def y_axis_width(ylabels: Sequence[str], ytitle: str | None = None,
                 height: float | None = None) -> float:
    """Room (px) left of the plotting area that :func:`axes` uses for the ticks, their labels
    and the rotated y title (wrapped to ``height`` when given)."""
    width = TICK + GAP + margin_for(ylabels, TICK_SIZE)
    if ytitle:
        lines = wrap(ytitle, height, TITLE_SIZE) if height else ytitle.split("\n")
        width += GAP + 4 + len(lines) * LINE_HEIGHT * TITLE_SIZE
    return width


def _every(ticks: Sequence[tuple[float, float]], gap: float = 6.0) -> int:
    """Label every k-th tick, k the smallest step at which no two labels (centred at the
    tick, ``(position, extent)`` each) come closer than ``gap`` px."""
    for k in range(1, max(len(ticks), 1) + 1):
        kept = ticks[::k]
        if all(abs(b[0] - a[0]) >= (a[1] + b[1]) / 2 + gap for a, b in pairwise(kept)):
            return k
    return max(len(ticks), 1)


def axes(svg: Svg, box: tuple[float, float, float, float], *, x: Linear, y: Linear,
         xticks: Sequence[float], yticks: Sequence[float],
         xlabels: Sequence[str] | None = None, ylabels: Sequence[str] | None = None,
         xtitle: str | None = None, ytitle: str | None = None,
         grid: Literal["x", "y", "both"] | None = None) -> None:
    """Left and bottom spines, ticks, tick labels and axis titles around a plotting area.

    Parameters
    ----------
    svg
        The document drawn on.
    box
        ``(left, top, width, height)`` of the plotting area in px.
    x, y
        The scales of the data (``y`` usually maps upwards: larger values to smaller px).
    xticks, yticks
        Tick positions in data units (ticks outside the scale's domain are skipped).
    xlabels, ylabels
        Tick labels, one per tick; :func:`tick_text` when None.
    xtitle, ytitle
        Axis titles: the x title centred under the tick labels and wrapped to the box width,
        the y title rotated, centred on the left and wrapped to the box height. Room needed:
        :func:`x_axis_height`, :func:`y_axis_width`.
    grid
        Light grid lines across the area at the ``"x"`` ticks, ``"y"`` ticks or ``"both"``.

    Every tick is drawn; when labels would touch, only every k-th is labelled (the smallest k
    at which they keep 6 px apart), so tick labels never overlap.
    """
    left, top, width, height = box
    bottom, right = top + height, left + width
    xlabels = list(xlabels) if xlabels is not None else [tick_text(t, xticks) for t in xticks]
    ylabels = list(ylabels) if ylabels is not None else [tick_text(t, yticks) for t in yticks]
    if len(xlabels) != len(xticks) or len(ylabels) != len(yticks):
        raise ValueError("one tick label per tick")

    def inside(lo: float, hi: float, p: float) -> bool:
        return min(lo, hi) - 0.5 <= p <= max(lo, hi) + 0.5

    xs = [(x(t), lab) for t, lab in zip(xticks, xlabels, strict=True) if inside(left, right, x(t))]
    ys = [(y(t), lab) for t, lab in zip(yticks, ylabels, strict=True) if inside(top, bottom, y(t))]
    xkeep = _every([(p, text_width(lab, TICK_SIZE)) for p, lab in xs])
    ykeep = _every([(p, _lines(lab) * LINE_HEIGHT * TICK_SIZE) for p, lab in ys])
    for k, (px, label) in enumerate(xs):
        if grid in ("x", "both"):
            svg.line(px, top, px, bottom, stroke="#e3e7eb", width=0.8)
        svg.line(px, bottom, px, bottom + TICK, stroke="#333333", width=0.8)
        if k % xkeep == 0:
            svg.text(px, bottom + TICK + GAP, label, size=TICK_SIZE, anchor="middle",
                     baseline="top")
    for k, (py, label) in enumerate(ys):
        if grid in ("y", "both"):
            svg.line(left, py, right, py, stroke="#e3e7eb", width=0.8)
        svg.line(left - TICK, py, left, py, stroke="#333333", width=0.8)
        if k % ykeep == 0:
            svg.text(left - TICK - GAP, py, label, size=TICK_SIZE, anchor="end")
    svg.line(left, top, left, bottom, stroke="#333333", width=1.0)
    svg.line(left, bottom, right, bottom, stroke="#333333", width=1.0)
    if xtitle:
        tick_lines = max((_lines(t) for t in xlabels), default=1)
        ty = bottom + TICK + GAP + tick_lines * LINE_HEIGHT * TICK_SIZE + GAP + 2
        svg.text(left + width / 2, ty, "\n".join(wrap(xtitle, width, TITLE_SIZE)),
                 size=TITLE_SIZE, anchor="middle", baseline="top")
    if ytitle:
        tx = left - TICK - GAP - margin_for(ylabels, TICK_SIZE) - GAP - 4
        svg.text(tx, top + height / 2, "\n".join(wrap(ytitle, height, TITLE_SIZE)),
                 size=TITLE_SIZE, anchor="middle", baseline="bottom", rotate=-90)


def _swatch(svg: Svg, kind: str, colour: str, x: float, y: float) -> None:
    if kind == "rect":
        svg.rect(x, y - 5, 14, 10, fill=colour)
    elif kind == "band":
        svg.rect(x, y - 5, 14, 10, fill=colour, opacity=0.25)
    elif kind == "line":
        svg.line(x, y, x + 14, y, stroke=colour, width=1.8)
    elif kind == "dash":
        svg.line(x, y, x + 14, y, stroke=colour, width=1.4, dash="4 2")
    elif kind == "point":
        svg.circle(x + 7, y, 3.5, fill=colour)
    else:
        raise ValueError(f"unknown legend swatch {kind!r}")


def legend(svg: Svg, items: Sequence[tuple[str, str, str]], *, x: float, y: float,
           width: float, size: float = 10.0,
           align: Literal["start", "center"] = "start") -> float:
    """A legend of ``(kind, colour, label)`` entries in rows no wider than ``width``.

    ``kind`` is the swatch drawn: ``"rect"`` (a bar), ``"line"``, ``"dash"`` (a dashed
    line), ``"point"`` or ``"band"`` (a light area). Entries flow left to right and wrap to a
    new row; a label wider than a row is wrapped itself. ``(x, y)`` is the top left of the
    legend (``align="center"``: rows centred on ``x + width / 2``).

    Returns
    -------
    float
        The height used in px (0 without entries).
    """
    swatch, pad, gap = 14.0, 4.0, 14.0
    step = LINE_HEIGHT * size
    rows: list[list[tuple[str, str, list[str], float]]] = [[]]
    used = 0.0
    for kind, colour, label in items:
        lines = wrap(label, max(width - swatch - pad, size), size)
        w = swatch + pad + margin_for(lines, size)
        if rows[-1] and used + gap + w > width:
            rows.append([])
            used = 0.0
        used += (gap if rows[-1] else 0.0) + w
        rows[-1].append((kind, colour, lines, w))
    top = y
    for row in rows:
        if not row:
            continue
        row_width = sum(w for *_, w in row) + gap * (len(row) - 1)
        cx = x + (width - row_width) / 2 if align == "center" else x
        height = max(len(lines) for _, _, lines, _ in row) * step
        for kind, colour, lines, w in row:
            mid = top + step / 2
            _swatch(svg, kind, colour, cx, mid)
            if len(lines) == 1:
                svg.text(cx + swatch + pad, mid, lines[0], size=size)
            else:  # first line's baseline where a single line's would be
                svg.text(cx + swatch + pad, mid - (_ASCENT + _DESCENT) / 2 * size,
                         "\n".join(lines), size=size, baseline="top")
            cx += w + gap
        top += height
    return top - y
