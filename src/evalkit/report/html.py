"""HTML writer: one self-contained file (inline CSS, charts as inline SVG), A4 print CSS.

The same template also feeds the PDF writer (``target="pdf"`` switches on page headers, page
numbers and the table of contents with page references).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from evalkit._atomic import atomic_write

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["render_html", "write"]


def render_html(
    evaluation: Evaluation,
    *,
    lang: str,
    report: str,
    template_dir: str | Path | None = None,
    target: Literal["screen", "pdf"] = "screen",
) -> str:
    """The report as one HTML document (text)."""
    from evalkit.report.charts import LazyCharts, build_charts
    from evalkit.report.pipeline import prepare

    _env, template, context = prepare(evaluation, lang=lang, report=report, kind="html",
                                     template_dir=template_dir, suffix=".html.j2")
    context["charts"] = LazyCharts(
        lambda: build_charts(evaluation, context, lang=lang, fmt="svg"))
    context["target"] = target
    from evalkit.report.pipeline import run_template

    return run_template(template, context)


def write(evaluation: Evaluation, path: Path, *, lang: str, report: str,
          template_dir: str | Path | None = None, **_: Any) -> Path:
    """Render and write ``path`` atomically."""
    text = render_html(evaluation, lang=lang, report=report, template_dir=template_dir)
    return atomic_write(path, text)
