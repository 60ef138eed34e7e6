"""Matplotlib set-up shared by every chart: Agg backend, CJK font, deterministic SVG.

Every chart function in :mod:`evalkit.plot` returns a matplotlib ``Figure`` (drawn on the
``ax`` given, or on a new figure); the report turns it into inline SVG with :func:`figure_svg` (fixed ids, no timestamps, so the same
data gives byte-identical output) or into PNG for Word with :func:`figure_png`.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["LABELS", "cjk_font_name", "figure_png", "figure_svg", "labels", "new_figure"]

#: families tried in order for Chinese text (Debian: fonts-noto-cjk, fonts-wqy-microhei)
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)

LABELS: dict[str, dict[str, str]] = {
    "en": {},
    "zh": {},
}


@lru_cache(maxsize=1)
def cjk_font_name() -> str | None:
    """Name of an installed CJK font family known to matplotlib, or None."""
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in available:
            return family
    return None


@lru_cache(maxsize=1)
def _configure() -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib as mpl

    families = [f for f in (cjk_font_name(),) if f] + ["DejaVu Sans"]
    mpl.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": families,
            "axes.unicode_minus": False,
            "svg.hashsalt": "evalkit",
            # text stays text: 3x faster to write and to lay out in PDFs, selectable, and
            # still byte-identical for identical input (fonts are named, not embedded)
            "svg.fonttype": "none",
            "svg.id": None,
            "figure.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def labels(table: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    """``table[lang]``: a chart's words in ``"zh"`` or ``"en"``; RenderError for another lang."""
    from evalkit._checks import check_lang

    return table[check_lang(lang)]


@lru_cache(maxsize=1)
def _figure_class() -> type[Figure]:
    """``Figure`` whose layout is computed with the renderer that draws it.

    Matplotlib's constrained layout asks the figure for a renderer to measure text. A figure
    saved as SVG has none of its own, so matplotlib makes a throw-away one (by starting a
    second, aborted save) and every label is measured twice: once by it for the layout, once
    by the SVG writer when drawing — text measuring with a CJK font is most of a chart's
    cost. Here the layout uses the renderer of the save under way, as a PNG save (Agg)
    already does; both are the same kind of renderer at the same size and dpi, so the
    layout, and the file, are the same. Outside a save matplotlib's own choice applies.
    """
    from matplotlib.figure import Figure

    class OnePassFigure(Figure):
        _drawing_with: Any = None

        def draw(self, renderer: Any) -> None:
            previous, self._drawing_with = self._drawing_with, renderer
            try:
                super().draw(renderer)
            finally:
                self._drawing_with = previous

        def _get_renderer(self) -> Any:
            if self._drawing_with is not None:
                return self._drawing_with
            return super()._get_renderer()  # type: ignore[misc]

    return OnePassFigure


def new_figure(width: float = 6.4, height: float = 3.6, *, ax: Any = None) -> tuple[Figure, Any]:
    """A new figure and axes with evalkit's style (never touches pyplot's global state); with
    ``ax`` (a matplotlib Axes the caller made), that axes and its figure instead."""
    if ax is not None:
        return ax.figure, ax
    _configure()
    fig = _figure_class()(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


def figure_svg(fig: Figure) -> str:
    """Deterministic inline SVG (no XML header, no date metadata)."""
    _configure()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def figure_png(fig: Figure, dpi: int = 150) -> bytes:
    """PNG bytes (for Word reports), without timestamp metadata."""
    _configure()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
