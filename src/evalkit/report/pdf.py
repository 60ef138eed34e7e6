"""PDF writer (WeasyPrint): A4, running header, "第 N 页 / 共 M 页" page numbers, table of
contents with page references. The HTML comes from the same template as the HTML report.

Chinese text needs a CJK font: before rendering a Chinese report evalkit checks that one is
installed and otherwise stops with a :class:`~evalkit.errors.RenderError` that names the
Debian package to install (``fonts-noto-cjk`` or ``fonts-wqy-microhei``).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit._atomic import atomic_path
from evalkit.errors import RenderError

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["cjk_font_available", "html_to_pdf", "write"]

FONT_HINT = ("install a Chinese font, e.g. `sudo apt-get install fonts-noto-cjk` "
             "(or fonts-wqy-microhei) on Debian/Ubuntu, then run `fc-cache -f`")


@lru_cache(maxsize=1)
def cjk_font_available() -> bool:
    """True when fontconfig (used by WeasyPrint) knows a font covering Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is not None:
        try:
            out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True,
                                 text=True, timeout=20, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out.strip():
            return True
    from evalkit.plot.base import cjk_font_name

    return cjk_font_name() is not None


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ImportError as exc:
        raise RenderError("PDF output needs WeasyPrint, which is not installed",
                          hint='pip install "evalkit[pdf]"') from exc
    except OSError as exc:  # missing system libraries (pango, harfbuzz)
        raise RenderError(f"WeasyPrint cannot start: {exc}",
                          hint="install its system libraries (Debian: apt-get install "
                               "libpango-1.0-0 libharfbuzz-subset0) and "
                               'pip install "evalkit[pdf]"') from exc
    return weasyprint


def html_to_pdf(html: str, target: Path) -> None:
    """Lay out ``html`` (self-contained) with WeasyPrint and write the PDF to ``target``."""
    weasyprint = _weasyprint()
    # WeasyPrint logs every unsupported CSS property; reports should not be noisy.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_fetch)
    document.write_pdf(target)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """Refuse every external resource: reports are self-contained."""
    raise RenderError(f"report tried to load an external resource: {url}",
                      hint="templates must inline their images and styles")


def write(evaluation: Evaluation, path: Path, *, lang: str, report: str,
          template_dir: str | Path | None = None, **_: Any) -> Path:
    """Render the report as PDF and write ``path`` atomically."""
    from evalkit.report.html import render_html

    _weasyprint()
    if lang == "zh" and not cjk_font_available():
        raise RenderError("no Chinese (CJK) font is installed, so a Chinese PDF would show "
                          "empty boxes", hint=FONT_HINT)
    html = render_html(evaluation, lang=lang, report=report, template_dir=template_dir,
                       target="pdf")
    with atomic_path(path) as tmp:
        html_to_pdf(html, tmp)
    return path
