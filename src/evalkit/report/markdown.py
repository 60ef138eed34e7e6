"""Markdown writer: the report as GitHub-flavoured Markdown (tables, no charts).

Every text of the context is made inert before rendering, with as little escaping as
possible so that the Markdown source stays readable: a ``<`` that could open an HTML tag or
comment (``<script``, ``</``, ``<!``, ``<?``) becomes ``&lt;`` and a ``&`` that could start an
entity (``&amp;``, ``&#60;``) becomes ``&amp;``. Comparison signs and small-cell marks stay as
they are (``>= 90``, ``<5``), so participant free text shows literally in any Markdown viewer
and can never become markup.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit._atomic import atomic_write

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["escape_context", "render_markdown", "write"]


_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def escape_context(value: Any) -> Any:
    """Copy of the context with every ``<`` that could open a tag and every ``&`` that could
    start an entity replaced by ``&lt;`` / ``&amp;``; other text is unchanged.

    Markdown viewers pass HTML through; escaping the data (not the template) keeps free text
    such as ``<script>`` literal while the template's own Markdown still works.

    >>> escape_context({"a": "<script>x</script> >= 90 <5 & &amp;"})
    {'a': '&lt;script>x&lt;/script> >= 90 <5 & &amp;amp;'}
    """
    if isinstance(value, str):
        return _TAG_OPEN.sub("&lt;", _ENTITY.sub("&amp;", value))
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
