"""Golden snapshots of the HTML and Markdown reports and of every chart's SVG.

The committed files under ``tests/report/snapshots/`` are the reviewed output. After a
deliberate change to a template, a label or a chart, regenerate them with

    EVALKIT_UPDATE_SNAPSHOTS=1 python -m pytest tests/report/test_snapshots.py

and review the diff (``git diff tests/report/snapshots``) before committing: a snapshot is a
record of what a reader sees, never something to regenerate blindly. The version, the creation
time and the sha256 hashes of the stamp are normalised; charts are compared separately (their
SVG is replaced by a placeholder in the HTML snapshot).
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

import pytest

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("EVALKIT_UPDATE_SNAPSHOTS", "") not in ("", "0")
REPORTS = ["evaluation_zh.html", "evaluation_en.html", "acceptance_zh.html",
           "acceptance_en.html", "evaluation_zh.md", "evaluation_en.md", "acceptance_zh.md"]


def normalise(text: str) -> str:
    """Replace what changes between runs or releases: hashes, version, creation time."""
    from evalkit import __version__

    text = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "<created>", text)
    text = text.replace(f"evalkit {__version__}", "evalkit <version>")
    text = re.sub(r"(<td>|: |：)" + re.escape(__version__) + r"(</td>|\n)", r"\1<version>\2",
                  text)
    return re.sub(r"<svg\b.*?</svg>", "<svg/>", text, flags=re.S)


def check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}: run with EVALKIT_UPDATE_SNAPSHOTS=1 and review it")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                                 "snapshot", "now", n=1))[:80])
        pytest.fail(f"{name} differs from its snapshot (EVALKIT_UPDATE_SNAPSHOTS=1 to accept "
                    f"after review):\n{diff}")


@pytest.mark.parametrize("name", REPORTS)
def test_report_snapshot(name: str, texts: dict[str, str]) -> None:
    check(name, normalise(texts[name]))


def _charts(demo_ev: Any, lang: str) -> dict[str, str]:
    from evalkit.report.charts import build_charts
    from evalkit.report.pipeline import prepare

    _, _, ctx = prepare(demo_ev, lang=lang, report="evaluation", kind="html",
                        template_dir=None, suffix=None)
    out: dict[str, str] = {}
    for key, value in build_charts(demo_ev, ctx, lang=lang, fmt="svg").items():
        if isinstance(value, dict):
            out |= {f"{key}_{k}": v for k, v in value.items() if v}
        elif value:
            out[key] = value
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_snapshots(demo_ev: Any, lang: str) -> None:
    charts = _charts(demo_ev, lang)
    assert {"indicators", "logic_model", "tornado", "prepost_wellbeing",
            "event_study_disputes"} <= set(charts)
    for key, svg in sorted(charts.items()):
        check(f"chart_{key}_{lang}.svg", svg)
