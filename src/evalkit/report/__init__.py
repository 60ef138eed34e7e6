"""Reports: Evaluation -> plain context -> sandboxed Jinja2 -> .html .md .pdf .docx.

>>> import evalkit as ek
>>> evaluation = ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
>>> ek.report.render(evaluation, "report.pdf", lang="zh")  # doctest: +SKIP

The format follows the output suffix (:data:`SUFFIXES`); the report type is "evaluation"
(评估报告) or "acceptance" (结项验收报告). Every file is written atomically.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit._checks import check_lang
from evalkit.errors import RenderError

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["FORMATS", "LANGS", "REPORTS", "SUFFIXES", "render"]

#: output suffix -> writer module in :mod:`evalkit.report`
SUFFIXES: dict[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".docx": "docx",
}
#: format name (command line ``--format``) -> suffix
FORMATS: dict[str, str] = {"html": ".html", "md": ".md", "pdf": ".pdf", "docx": ".docx"}
LANGS = ("zh", "en")
REPORTS = ("evaluation", "acceptance")


def render(
    evaluation: Evaluation,
    path: str | Path,
    *,
    lang: str = "zh",
    report: str = "evaluation",
    template_dir: str | Path | None = None,
    docx_template: str | Path | None = None,
) -> Path:
    """Write a report of ``evaluation`` to ``path``; the format follows the suffix.

    Parameters
    ----------
    evaluation
        The result of :func:`evalkit.evaluate` (or one built by hand).
    path
        Output file: ``.html`` (self-contained), ``.md``, ``.pdf`` (needs
        ``evalkit[pdf]``) or ``.docx`` (needs ``evalkit[docx]``).
    lang
        "zh" or "en".
    report
        "evaluation" (评估报告) or "acceptance" (结项验收报告).
    template_dir
        A folder of your own templates (``evaluation.html.j2`` …, ``i18n/zh.yaml`` …),
        searched before evalkit's; they run in the same sandbox.
    docx_template
        Your organization's own docxtpl ``.docx`` template (Word output only).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    RenderError
        Unknown suffix, language or report type; an unsafe or broken template; a missing
        font or optional package (the message names what to install).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise RenderError(f"{target}: unknown report format {suffix or '(no suffix)'!r}",
                          hint=f"use one of {', '.join(sorted(set(FORMATS.values())))}")
    check_lang(lang)
    if report not in REPORTS:
        raise RenderError(f"report: expected one of {', '.join(REPORTS)}, got {report!r}")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise RenderError(f"{template_dir}: template folder not found",
                          hint="give the folder that holds your .j2 templates")
    if docx_template is not None and not Path(docx_template).is_file():
        raise RenderError(f"{docx_template}: Word template not found",
                          hint="give the path of your organization's .docx template")
    if target.is_dir():
        raise RenderError(f"{target}: is a folder, not a report file",
                          hint="give a file name such as report.html")
    writer = importlib.import_module(f"evalkit.report.{SUFFIXES[suffix]}")
    try:
        result: Path = writer.write(evaluation, target, lang=lang, report=report,
                                    template_dir=template_dir, docx_template=docx_template)
    except OSError as exc:
        raise RenderError(f"{target}: cannot write the report ({exc.strerror or exc})",
                          hint="check that the folder exists and is writable") from exc
    return result
