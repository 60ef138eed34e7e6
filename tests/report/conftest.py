"""Fixtures for report tests: the demo evaluation and its reports, rendered once a session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh


def _importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


#: optional formats and whether their package is installed (their tests skip otherwise)
OPTIONAL = {"pdf": _importable("weasyprint"), "docx": _importable("docxtpl")}


@pytest.fixture(scope="session")
def demo_ev() -> Any:
    return rh.demo_evaluation()


@pytest.fixture(scope="session")
def hostile_ev(demo_ev: Any) -> Any:
    return rh.hostile_evaluation(demo_ev)


@pytest.fixture(scope="session")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def rendered(demo_ev: Any, out_dir: Path) -> dict[str, Path]:
    """``"<report>_<lang>.<suffix>"`` -> path, for the formats the tests read."""
    jobs = [("evaluation", "zh", s) for s in ("html", "pdf", "docx", "md")]
    jobs += [("evaluation", "en", s) for s in ("html", "pdf", "docx", "md")]
    jobs += [("acceptance", "zh", s) for s in ("html", "docx", "md")]
    jobs += [("acceptance", "en", "html")]
    out = {}
    for report, lang, suffix in jobs:
        if suffix in OPTIONAL and not OPTIONAL[suffix]:
            continue
        name = f"{report}_{lang}.{suffix}"
        out[name] = demo_ev.render(out_dir / name, lang=lang, report=report)
    return out


@pytest.fixture(scope="session")
def hostile_rendered(hostile_ev: Any, tmp_path_factory: pytest.TempPathFactory
                     ) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {s: hostile_ev.render(folder / f"report.{s}", lang="zh")
            for s in ("html", "pdf", "docx", "md") if OPTIONAL.get(s, True)}


@pytest.fixture(scope="session")
def texts(rendered: dict[str, Path]) -> dict[str, str]:
    """Visible text of every rendered report."""
    out = {}
    for name, path in rendered.items():
        if name.endswith(".pdf"):
            out[name] = rh.pdf_text(path)
        elif name.endswith(".docx"):
            out[name] = rh.docx_text(path)
        else:
            out[name] = path.read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def zh_sources(demo_ev: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The example's zh evaluation and acceptance reports as Markdown and HTML source text
    (``"<report>.<md|html>"``), rendered once for the issue-12 tests."""
    folder = tmp_path_factory.mktemp("zh_sources")
    out = {}
    for report in ("evaluation", "acceptance"):
        for suffix in ("md", "html"):
            path = Path(demo_ev.render(folder / f"{report}.{suffix}", lang="zh", report=report))
            out[f"{report}.{suffix}"] = path.read_text(encoding="utf-8")
    return out
