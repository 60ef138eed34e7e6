"""The report context: plain data, both languages, reproducibility stamp."""

from __future__ import annotations

import hashlib
from typing import Any

from evalkit.report.context import build_context


def _walk(value: Any, path: str = "ctx") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str), path
            _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]")
    else:
        assert value is None or isinstance(value, str | int | float | bool), \
            f"{path}: {type(value).__name__}"


def test_plain_data_only(demo_ev: Any) -> None:
    ctx = build_context(demo_ev)
    ctx.pop("charts")
    _walk(ctx)


def test_language_neutral(demo_ev: Any) -> None:
    ctx = build_context(demo_ev)
    assert set(ctx["project"]["name"]) == {"zh", "en"}
    for e in ctx["effects"]:
        assert set(e["name"]) == {"zh", "en"} and set(e["sentence"]) == {"zh", "en"}
        assert set(e["design_label"]) == {"zh", "en"}
        assert isinstance(e["evidence_level"], int)


def test_stamp_hashes(demo_ev: Any) -> None:
    stamp = build_context(demo_ev)["stamp"]
    spec = demo_ev.project.path
    assert stamp["spec"]["sha256"] == hashlib.sha256(spec.read_bytes()).hexdigest()
    assert {d["name"] for d in stamp["data"]} == set(demo_ev.evidence.sha256)
    assert stamp["created"].endswith("UTC")


def test_method_notes_carry_small_sample_convention(demo_ev: Any) -> None:
    notes = " ".join(build_context(demo_ev)["method_notes"])
    assert "G/(G-1)" in notes or "G/(G−1)" in notes


def test_template_hash_in_rendered_report(texts: dict[str, str]) -> None:
    from evalkit.report.environment import shipped_templates

    digest = hashlib.sha256(
        (shipped_templates() / "evaluation.html.j2").read_bytes()).hexdigest()
    assert digest in texts["evaluation_zh.html"]


def test_minimal_evaluation_renders_every_format(demo_ev: Any, tmp_path: Any) -> None:
    """Only what every project has: no logic model, indicators, estimates or stages."""
    import dataclasses

    import pandas as pd

    project = demo_ev.project.model_copy(update={"logic_model": None, "contract": None})
    bare = dataclasses.replace(demo_ev, project=project, indicators=pd.DataFrame(),
                               effects={}, details={}, scorecard=None, cadence=None,
                               acceptance=None, value=None, renewal=None)
    import importlib.util

    suffixes = ["html", "md"] + (["docx"] if importlib.util.find_spec("docxtpl") else [])
    for report in ("evaluation", "acceptance"):
        for suffix in suffixes:
            out = bare.render(tmp_path / f"{report}.{suffix}", lang="en", report=report)
            assert out.stat().st_size > 0
    page = (tmp_path / "evaluation.html").read_text(encoding="utf-8")
    assert "No outcome change was estimated." in page
    assert 'id="sec-scorecard"' not in page


def test_stages_of_unexpected_shape_do_not_break_reports(demo_ev: Any, tmp_path: Any) -> None:
    """Stages are built by other modules; a report must survive partial or odd results."""
    import dataclasses
    from types import SimpleNamespace

    odd = dataclasses.replace(
        demo_ev,
        scorecard=SimpleNamespace(total=81.5, grade="良好"),
        acceptance=SimpleNamespace(verdict="accepted"),
        value=SimpleNamespace(budget=100.0, spent=90.0, execution_rate=0.9),
        renewal={"recommendation": "renew"},
        cadence=SimpleNamespace(),
    )
    import importlib.util

    suffixes = ["html", "md"] + (["docx"] if importlib.util.find_spec("docxtpl") else [])
    for suffix in suffixes:
        assert odd.render(tmp_path / f"r.{suffix}", lang="zh").stat().st_size > 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "81.5" in page and "通过验收" in page and "建议续约" in page


def test_number_filters() -> None:
    from evalkit.report.environment import fmt_ci, fmt_num, fmt_pct, fmt_pvalue, fmt_signed

    assert fmt_num(1019.0) == "1,019" and fmt_num(12345.678) == "12,345.7"
    assert fmt_num(0.0123) == "0.01" and fmt_num(0.00012) == "0.00012"
    assert fmt_num("<5") == "<5" and fmt_num(float("nan")) == "—" and fmt_num(None) == "—"
    assert fmt_pct(0.934) == "93%" and fmt_pct("<5") == "<5"
    assert fmt_ci([0.2, 0.64]) == "[0.20, 0.64]" and fmt_ci("<5") == "<5"
    assert fmt_pvalue(0.0004) == "<0.001" and fmt_pvalue(0.0312) == "0.031"
    assert fmt_signed(-0.61) == "-0.61" and fmt_signed(0.42) == "+0.42"
