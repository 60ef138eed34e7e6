"""Markdown report."""

from __future__ import annotations

from typing import Any


def test_markdown_content(demo_ev: Any, texts: dict[str, str]) -> None:
    zh, en = texts["evaluation_zh.md"], texts["evaluation_en.md"]
    assert zh.startswith("# 项目评估报告") and en.startswith("# Evaluation report")
    assert "| 指标 |" in zh
    # the demo's intervals, rounded to 2 decimals by hand (see test_html.EFFECT_CELLS)
    assert sorted(demo_ev.effects) == ["disputes", "wellbeing", "wellbeing_vs_comparison"]
    for ci in ("[0.35, 0.49]", "[0.33, 0.58]", "[-1.01, -0.71]"):
        assert ci in en
    assert "## 十、签字盖章" in texts["acceptance_zh.md"]


def test_markdown_escapes_free_text(hostile_rendered: dict[str, Any]) -> None:
    text = hostile_rendered["md"].read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script>alert(1)&lt;/script>" in text
    assert "{{ 7*7 }}" in text and "{% raw %}" in text


def test_acceptance_criteria(demo_ev: Any, texts: dict[str, str]) -> None:
    md = texts["acceptance_zh.md"]
    assert "| 验收标准 |" in md
    for criterion in demo_ev.project.contract.criteria:
        assert f"| {criterion.id} " in md
    verdict = getattr(demo_ev.acceptance, "verdict", None)
    expected = {"accepted": "通过验收", "accepted_with_conditions": "附条件通过验收",
                "rejected": "不予验收", None: "尚未评定"}[verdict]
    assert f"**{expected}**" in md
