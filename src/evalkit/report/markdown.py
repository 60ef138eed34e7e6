"""Markdown writer: the report as GitHub-flavoured Markdown (tables, no charts).

Every text of the context is HTML-escaped before rendering (``<`` becomes ``&lt;``), so
participant free text shows literally in any Markdown viewer and can never become markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.report.atomic import atomic_write

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["escape_context", "render_markdown", "write"]


def escape_context(value: Any) -> Any:
    """Copy of the context with ``&``, ``<`` and ``>`` in every text replaced by entities.

    Markdown viewers pass HTML through; escaping the data (not the template) keeps free text
    such as ``<script>`` literal while the template's own Markdown still works.
    """
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, dict):
        return {k: escape_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape_context(v) for v in value]
    return value


def render_markdown(evaluation: Evaluation, *, lang: str, report: str,
                    template_dir: str | Path | None = None) -> str:
    """The report as Markdown text."""
    from evalkit.report.pipeline import prepare, run_template

    _, template, context = prepare(evaluation, lang=lang, report=report, kind="markdown",
                                   template_dir=template_dir, suffix=".md.j2")
    context = escape_context(context)
    context["target"] = "markdown"
    return run_template(template, context)


def write(evaluation: Evaluation, path: Path, *, lang: str, report: str,
          template_dir: str | Path | None = None, **_: Any) -> Path:
    """Render and write ``path`` atomically."""
    return atomic_write(path, render_markdown(evaluation, lang=lang, report=report,
                                              template_dir=template_dir))
