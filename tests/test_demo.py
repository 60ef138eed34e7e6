"""The demo end to end, as a new user runs it, and the numbers it reports."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import evalkit as ek


def _fmt_in(text: str, value: float, digits: int) -> bool:
    return f"{value:.{digits}f}" in text or f"{value:,.{digits}f}" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_command_writes_report_with_computed_numbers(tmp_path, lang, example_evaluation):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "evalkit.cli", "demo", "--out", str(out), "--lang", lang],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = out / f"report.{lang}.html"
    assert report.is_file() and str(report) in proc.stdout
    html = report.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    # the numbers that were computed appear in the report
    wellbeing = example_evaluation.effects["wellbeing"]
    disputes = example_evaluation.effects["disputes"]
    assert _fmt_in(html, wellbeing.estimate, 2)
    assert _fmt_in(html, disputes.estimate, 2)
    lo, hi = wellbeing.ci
    assert _fmt_in(html, lo, 2) and _fmt_in(html, hi, 2)
    for row in example_evaluation.indicators.itertuples():
        assert row.name_zh in html if lang == "zh" else row.name_en.replace("'", "&#39;") in html
    # no personal data, no external resources
    participants = example_evaluation.evidence["participants"]
    for value in participants["phone"].head(20):
        assert str(value) not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_evaluation_matches_independent_computation(example_evaluation):
    """The pipeline's pre/post and DiD equal direct scipy / numpy computations on the data."""
    from scipy import stats

    ev = example_evaluation
    p = ev.evidence["participants"]
    p = p[p["group"] == "service"].copy()
    items = [f"wb{k}" for k in range(1, 7)]
    for col in ("wb3", "wb5"):
        p[col] = 6 - p[col]
    answered = p[items].notna().sum(axis=1)
    p["score"] = p[items].mean(axis=1).where(answered >= 5)
    wide = p.pivot(index="worker_id", columns="wave", values="score").dropna()
    t = stats.ttest_rel(wide["post"], wide["pre"])
    res = ev.effects["wellbeing"]
    assert res.n == len(wide)
    np.testing.assert_allclose(res.estimate, (wide["post"] - wide["pre"]).mean(), rtol=1e-12)
    np.testing.assert_allclose(res.pvalue, t.pvalue, rtol=1e-10)

    panel = ev.evidence["panel"]
    m = panel.groupby(["served", "post"])["disputes_per_100"].mean()
    did = (m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0])
    np.testing.assert_allclose(ev.effects["disputes"].estimate, did, rtol=1e-10)
    # the truth of the generator is -0.80 and +0.40: the estimates are near it
    assert abs(ev.effects["disputes"].estimate - (-0.80)) < 0.25
    assert abs(res.estimate - 0.40) < 0.12


def test_evaluation_contents(example_evaluation):
    ev = example_evaluation
    ind = ev.indicators
    assert {"indicator_id", "actual", "target", "achievement", "status"} <= set(ind.columns)
    total = ind[ind["period"] == "total"].set_index("indicator_id")
    log = ev.evidence["service_log"]
    assert total.loc["I1", "actual"] == (log["activity_type"] == "group_session").sum()
    sat = ev.evidence["satisfaction"]
    np.testing.assert_allclose(total.loc["I6", "actual"], 100 * (sat["overall"] >= 4).mean())
    assert set(ev.effects) == {"wellbeing", "wellbeing_vs_comparison", "disputes"}
    assert ev.effects["wellbeing"].design == "pre_post"
    assert ev.effects["wellbeing"].evidence_level == 2
    assert ev.effects["wellbeing_vs_comparison"].design == "pre_post_comparison"
    assert ev.effects["wellbeing_vs_comparison"].evidence_level == 3
    assert ev.effects["disputes"].design == "did"
    for res in ev.effects.values():
        assert res.sentence("zh") and res.sentence("en")


def test_render_formats_from_suffix(tmp_path, example_evaluation):
    out = example_evaluation.render(tmp_path / "r.html", lang="en")
    assert out.read_text(encoding="utf-8").count("<html") == 1
    with pytest.raises(ek.RenderError):
        example_evaluation.render(tmp_path / "r.xls", lang="en")
