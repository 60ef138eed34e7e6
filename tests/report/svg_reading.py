"""Read an SVG chart back: its labels, their boxes, points, lines and paths (for the chart
tests; independent of the code that wrote the chart except for the text-width estimate)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import numpy as np

NS = "{http://www.w3.org/2000/svg}"
#: ascent and descent of a line of text, in font sizes (as the chart writer places baselines)
ASCENT, DESCENT = 0.88, 0.24


def parse(svg: Any) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{NS}svg"
    return root


def size(svg: Any) -> tuple[float, float]:
    root = parse(svg)
    return float(root.get("width", 0)), float(root.get("height", 0))


def texts(svg: Any) -> list[str]:
    """Every label, its lines joined by ``"\\n"``, in document order."""
    out = []
    for el in parse(svg).iter(f"{NS}text"):
        spans = el.findall(f"{NS}tspan")
        out.append("\n".join(s.text or "" for s in spans) if spans else el.text or "")
    return out


def flat(svg: Any) -> str:
    """All the text of the chart without any whitespace (a wrapped label stays a substring)."""
    return re.sub(r"\s+", "", "".join(texts(svg)))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, tol: float = 0.5) -> bool:
        return (self.x0 < other.x1 - tol and other.x0 < self.x1 - tol
                and self.y0 < other.y1 - tol and other.y0 < self.y1 - tol)


def text_boxes(svg: Any) -> list[Box]:
    """The box each label takes on the page, its width estimated as the chart writer
    estimates it (conservative: at least as wide as the report's fonts draw it)."""
    from evalkit.report.svgcharts.core import text_width

    boxes = []
    for el in parse(svg).iter(f"{NS}text"):
        font = float(el.get("font-size", "11"))
        anchor = el.get("text-anchor", "start")
        spans = el.findall(f"{NS}tspan") or [el]
        lines = [s.text or "" for s in spans]
        xs = [float(s.get("x", el.get("x", "0"))) for s in spans]
        ys = [float(s.get("y", el.get("y", "0"))) for s in spans]
        width = max(text_width(line, font) for line in lines)
        shift = {"start": 0.0, "middle": -width / 2, "end": -width}[anchor]
        u0, u1 = xs[0] + shift, xs[0] + shift + width
        v0, v1 = min(ys) - ASCENT * font, max(ys) + DESCENT * font
        transform = el.get("transform")
        if transform:
            m = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\) rotate\(-90\)", transform)
            assert m, transform
            ox, oy = float(m.group(1)), float(m.group(2))
            boxes.append(Box("\n".join(lines), ox + v0, oy - u1, ox + v1, oy - u0))
        else:
            boxes.append(Box("\n".join(lines), u0, v0, u1, v1))
    return boxes


def assert_readable(svg: Any) -> None:
    """No label runs past the edge of the chart and no two labels overlap."""
    width, height = size(svg)
    boxes = text_boxes(svg)
    for b in boxes:
        assert b.x0 >= -0.5 and b.x1 <= width + 0.5, ("cut at the side", b, width)
        assert b.y0 >= -0.5 and b.y1 <= height + 0.5, ("cut at the top/bottom", b, height)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), ("labels overlap", a, b)


def circles(svg: Any) -> list[dict[str, Any]]:
    """The point markers inside the plotting areas (not the legend's)."""
    boxes = areas(svg)
    return [{"cx": float(c.get("cx", 0)), "cy": float(c.get("cy", 0)),
             "fill": c.get("fill"), "stroke": c.get("stroke")}
            for c in parse(svg).iter(f"{NS}circle")
            if any(inside(float(c.get("cx", 0)), float(c.get("cy", 0)), a) for a in boxes)]


def lines(svg: Any) -> list[dict[str, Any]]:
    return [{"x1": float(e.get("x1", 0)), "y1": float(e.get("y1", 0)),
             "x2": float(e.get("x2", 0)), "y2": float(e.get("y2", 0)),
             "stroke": e.get("stroke"), "dash": e.get("stroke-dasharray"),
             "width": float(e.get("stroke-width", 1))}
            for e in parse(svg).iter(f"{NS}line")]


def areas(svg: Any) -> list[tuple[float, float, float, float]]:
    """``(left, top, right, bottom)`` of each plotting area, found by its two axis lines (a
    vertical and a horizontal line meeting at the bottom left corner)."""
    spines = [ln for ln in lines(svg) if ln["stroke"] == "#333333" and ln["width"] == 1.0]
    out = []
    for v in (ln for ln in spines if ln["x1"] == ln["x2"]):
        for h in (ln for ln in spines if ln["y1"] == ln["y2"]):
            if h["x1"] == v["x1"] and h["y1"] == max(v["y1"], v["y2"]):
                out.append((v["x1"], min(v["y1"], v["y2"]), h["x2"], h["y1"]))
    return sorted(out)


def inside(x: float, y: float, area: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = area
    return left - 0.01 <= x <= right + 0.01 and top - 0.01 <= y <= bottom + 0.01


def paths(svg: Any) -> list[dict[str, Any]]:
    out = []
    for e in parse(svg).iter(f"{NS}path"):
        points = [(float(a), float(b)) for a, b in re.findall(r"([-\d.]+),([-\d.]+)",
                                                                e.get("d", ""))]
        out.append({"points": points, "stroke": e.get("stroke"),
                    "dash": e.get("stroke-dasharray")})
    return out


def rects(svg: Any) -> list[dict[str, Any]]:
    """The bars inside the plotting areas (not the legend's swatches)."""
    boxes = areas(svg)
    out = [{"x": float(e.get("x", 0)), "y": float(e.get("y", 0)),
            "w": float(e.get("width", 0)), "h": float(e.get("height", 0)),
            "fill": e.get("fill")} for e in parse(svg).iter(f"{NS}rect")]
    return [r for r in out if any(inside(r["x"], r["y"], a) and
                                  inside(r["x"] + r["w"], r["y"] + r["h"], a) for a in boxes)]


def linear_map(data: Any, px: Any, tol: float = 0.02) -> tuple[float, float]:
    """``(a, b)`` with ``px = a + b * data`` for every pair, within ``tol`` px (coordinates
    are written with two decimals); fails if the pixels are not one linear map of the data."""
    data, px = np.asarray(data, float), np.asarray(px, float)
    assert len(data) == len(px) >= 2 and np.ptp(data) > 0
    b, a = np.polyfit(data, px, 1)
    assert np.max(np.abs(a + b * data - px)) <= tol, np.abs(a + b * data - px)
    return float(a), float(b)
