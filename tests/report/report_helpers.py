"""Build evaluations for report tests: the Workers' Home demo, with fake estimates when the
estimators are not available, and variants with hostile free text or small groups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import evalkit as ek
from evalkit.data.load import Evidence, load_evidence
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row

PAYLOADS = ("<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}")
HOSTILE = "很好 <script>alert(1)</script> {{ 7*7 }} {% raw %} & done"
FIXED_TIME = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)

#: the optional package each optional report format needs
WRITERS = {"pdf": "weasyprint", "docx": "docxtpl"}


def skip_without_writer(fmt: str) -> None:
    """Skip the calling test when the writer of ``fmt`` (an optional extra) is not installed."""
    import importlib.util

    needs = WRITERS.get(fmt)
    if needs is not None and importlib.util.find_spec(needs) is None:
        pytest.skip(f"{fmt} writer not installed")


def project() -> Any:
    return ek.load_project(ek.datasets.path("workers_home") / "project.yaml")


def fake_effect(outcome: str, *, estimate: float, lo: float, hi: float, p: float, n: int,
                design: str, level: int, label: tuple[str, str], notes: tuple[str, ...] = (),
                method: str = "paired t-test", extra: dict[str, Any] | None = None
                ) -> EffectResult:
    se = (hi - lo) / 3.92
    table = tidy_frame([tidy_row(outcome, estimate, se, estimate / se, p, lo, hi)])
    return EffectResult(
        estimate=estimate, se=se, ci=(lo, hi), pvalue=p, n=n, method=method, design=design,  # type: ignore[arg-type]
        outcome=outcome, term=outcome, table=table, statistic=estimate / se,
        evidence_level=level, notes=notes,
        extra={"label_zh": label[0], "label_en": label[1], "label": label[1], **(extra or {})},
    )


def fake_effects() -> dict[str, EffectResult]:
    return {
        "wellbeing": fake_effect(
            "wellbeing", estimate=0.42, lo=0.20, hi=0.64, p=0.0003, n=180, design="pre_post",
            level=2, label=("职工幸福感", "wellbeing"), extra={"standardised": 0.45}),
        "disputes": fake_effect(
            "disputes_per_100", estimate=-0.61, lo=-0.95, hi=-0.27, p=0.002, n=384,
            design="did", level=3, label=("每百名职工月均劳动争议", "monthly labour disputes per 100 workers"),
            method="difference-in-differences (OLS)",
            notes=("Cluster-robust SE (CR1) with G/(G-1)*(N-1)/(N-K) small-sample correction; "
                   "t reference with G-1 degrees of freedom",),
            extra={"unit_zh": "件/百人", "unit_en": "per 100 workers"}),
    }


def fake_evaluation(p: Any = None) -> Any:
    """An Evaluation built by hand: real project, data and indicators; fake estimates."""
    from evalkit.assess.achievement import indicator_table
    from evalkit.evaluation import Evaluation

    p = p or project()
    evidence = load_evidence(p)
    return Evaluation(project=p, evidence=evidence, indicators=indicator_table(p, evidence),
                      effects=fake_effects(), details={}, created=FIXED_TIME)


def demo_evaluation() -> Any:
    """The real ``ek.evaluate`` result when the estimators work, else :func:`fake_evaluation`
    (also forced with ``EVALKIT_REPORT_FAKE=1``)."""
    import os

    if os.environ.get("EVALKIT_REPORT_FAKE") == "1":
        return fake_evaluation()
    try:
        ev = ek.evaluate(project())
    except (ImportError, AttributeError, NotImplementedError):
        return fake_evaluation()
    return dataclasses.replace(ev, created=FIXED_TIME)


def with_threshold(ev: Any, k: int) -> Any:
    """Copy of ``ev`` whose project has disclosure threshold ``k``."""
    project = ev.project
    privacy = project.privacy.model_copy(update={"disclosure_threshold": k})
    return dataclasses.replace(ev, project=project.model_copy(update={"privacy": privacy}))


def with_table(ev: Any, name: str, frame: pd.DataFrame) -> Any:
    """Copy of ``ev`` whose evidence table ``name`` is replaced by ``frame``."""
    tables = dict(ev.evidence.tables)
    tables[name] = frame
    evidence = Evidence(tables=tables, files=ev.evidence.files, sha256=ev.evidence.sha256)
    return dataclasses.replace(ev, evidence=evidence)


def hostile_evaluation(ev: Any) -> Any:
    """``ev`` with every satisfaction comment replaced by hostile text."""
    sat = ev.evidence.tables["satisfaction"].copy()
    sat["comment"] = pd.array([HOSTILE] * len(sat), dtype="string")
    return with_table(ev, "satisfaction", sat)


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def docx_text(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def docx_body_text(path: Path) -> str:
    """Paragraphs and table cells in document order (docx_text above puts the
    tables last)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = docx.Document(str(path))
    parts = []
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append(Paragraph(child, doc).text)
        elif tag == "tbl":
            for row in Table(child, doc).rows:
                parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
