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
