"""Shared steps of every writer: environment, template lookup, context, safe rendering."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Template, TemplateError

from evalkit._text import strip_bidi_deep
from evalkit.errors import RenderError
from evalkit.report.context import build_context
from evalkit.report.dates import localise_dates
from evalkit.report.document import document_context
from evalkit.report.environment import Kind, label_functions, make_environment
from evalkit.report.limits import LimitedEnvironment
from evalkit.report.notes import localise_notes
from evalkit.report.summary import summary_sentences

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["neutral_context", "prepare", "run_template", "template_error"]


def template_error(exc: Exception, name: str) -> RenderError:
    """A RenderError for a failing or unsafe template, naming the template and line."""
    line = getattr(exc, "lineno", None)
    where = f"{name}" + (f", line {line}" if line else "")
    from jinja2.exceptions import SecurityError

    if isinstance(exc, SecurityError):
        return RenderError(f"template {where}: unsafe operation refused ({exc})",
                           hint="templates may only read the report context and call "
                                "its filters; see docs/reports.md")
    return RenderError(f"template {where}: {exc}",
                       hint="check the template against the context documented in "
                            "docs/reports.md")


def neutral_context(evaluation: Evaluation, *, report: str,
                    template: Path | None) -> dict[str, Any]:
    """The language-neutral context of ``report`` (disclosure applied, bidi controls removed),
    built once per evaluation, report type and template file; each call returns a fresh
    copy, so the writers and languages that localise it never share a change.

    The context holds only dicts, lists and immutable values (str, numbers, bool, None), so
    :func:`~evalkit._text.strip_bidi_deep`, which rebuilds every dict and list, is that copy.
    """
    from evalkit.report.memo import memo

    mtime = template.stat().st_mtime_ns if template and template.is_file() else None
    key = ("context", report, template, mtime)
    store = memo(evaluation)
    if key not in store:
        store[key] = build_context(evaluation, report=report, template=template)
    context: dict[str, Any] = strip_bidi_deep(store[key])  # no bidi override reaches a writer
    return context


def prepare(
    evaluation: Evaluation,
    *,
    lang: str,
    report: str,
    kind: Kind,
    template_dir: str | Path | None,
    suffix: str | None,
) -> tuple[LimitedEnvironment, Template | None, dict[str, Any]]:
    """Environment, main template (``<report><suffix>``; None when ``suffix`` is None) and
    context for one report.

    evalkit's own HTML and Markdown templates (no ``template_dir``) run unsandboxed, with the
    same limits (:class:`~evalkit.report.environment.ReportEnvironment`); an organization's
    templates and every Word template (``docx_template`` may be anyone's) run sandboxed.
    """
    trusted = template_dir is None and kind != "docx"
    env = make_environment(lang, kind=kind, template_dir=template_dir, trusted=trusted)
    template = None
    file = None
    if suffix is not None:
        name = f"{report}{suffix}"
        try:
            template = env.get_template(name)
        except TemplateError as exc:
            raise template_error(exc, name) from exc
        file = Path(template.filename) if template.filename else None
    context = neutral_context(evaluation, report=report, template=file)
    t, label = label_functions(env)
    localise_notes(context, t, label)
    localise_dates(context, lang)
    context["summary"] = summary_sentences(context, t, label, lang)
    document_context(evaluation, context, report=report, lang=lang, t=t)
    return env, template, context


def run_template(template: Template | None, context: dict[str, Any]) -> str:
    """Render ``template`` with ``context``; template problems become RenderError."""
    if template is None:  # pragma: no cover - prepare() always returns one for text formats
        raise RenderError("no template to render")
    try:
        return template.render(context)
    except RenderError:
        raise
    except TemplateError as exc:
        raise template_error(exc, template.name or "template") from exc
    except (AttributeError, TypeError, ValueError, KeyError, IndexError,
            ZeroDivisionError, OverflowError, RecursionError) as exc:
        raise RenderError(f"template {template.name}: {type(exc).__name__}: {exc}",
                          hint="check the template against the context documented in "
                               "docs/reports.md") from exc
