"""The statistical stack in the report: the smallest change the pre/post sample could detect
(methods appendix) and the agreement between scorecard rater roles (scorecard section).

The expected numbers are computed here independently of statsmodels and pingouin: the minimum
detectable d_z solves the noncentral-t power equation with scipy's root finder; the ICC comes
is checked in tests/assess/test_agreement.py (Shrout & Fleiss, pingouin's documented example,
the two-way ANOVA mean squares).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import report_helpers as rh
from scipy import optimize, stats

from evalkit.assess.agreement import rater_agreement
from evalkit.model.scorecard import ScorecardSpec


def mde_dz(n: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """d_z at which a two-sided paired t-test on n pairs has the given power."""
    df = n - 1
    crit = stats.t.ppf(1 - alpha / 2, df)

    def gap(d: float) -> float:
        ncp = d * math.sqrt(n)
        return stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp) - power

    return float(optimize.brentq(gap, 1e-6, 5.0, xtol=1e-12))


def test_mde_line_in_the_methods_appendix(demo_ev: Any, tmp_path: Path) -> None:
    result = demo_ev.effects["wellbeing"]
    assert result.n == 250
    dz = mde_dz(250)
    delta = dz * result.extra["sd_diff"]
    en = Path(demo_ev.render(tmp_path / "r.en.md", lang="en")).read_text(encoding="utf-8")
    zh = Path(demo_ev.render(tmp_path / "r.zh.md", lang="zh")).read_text(encoding="utf-8")
    assert (f"with 250 pairs surveyed before and after, the evaluation could reliably detect an "
            f"average change of {delta:.2f} points or more (standardised d_z = {dz:.2f}; 80% "
            "power, two-sided 0.05 level)") in en
    assert f"前后测共 250 对样本，能可靠发现的最小平均变化为 {delta:.2f} 分" in zh
    # only the paired pre/post effect has one (the ANCOVA and DiD designs do not)
    assert en.count("could reliably detect") == 1
    if _has_docx():  # Word's methods appendix says it too, after the methods heading
        word = rh.docx_body_text(demo_ev.render(tmp_path / "r.zh.docx", lang="zh"))
        line = f"前后测共 250 对样本，能可靠发现的最小平均变化为 {delta:.2f} 分"
        assert word.count(line) == 1
        assert word.index(line) > word.index("本附录说明估计方法")


def test_no_mde_line_when_the_effect_is_suppressed(demo_ev: Any, tmp_path: Path) -> None:
    hidden = rh.with_threshold(demo_ev, 100_000)
    text = Path(hidden.render(tmp_path / "r.en.md", lang="en")).read_text(encoding="utf-8")
    assert "could reliably detect" not in text
    assert "250 pairs" not in text


def _spec() -> ScorecardSpec:
    leaves = [{"id": f"M{i}", "name": f"m{i}", "points": 10, "rule": "direct", "manual": True}
              for i in range(1, 7)]
    ratings = {"purchaser": {"M1": 9, "M2": 6, "M3": 8, "M4": 7, "M5": 10, "M6": 6},
               "third_party": {"M1": 8, "M2": 6, "M3": 7, "M4": 6, "M5": 9, "M6": 4}}
    return ScorecardSpec.model_validate({
        "raters": {"purchaser": 0.6, "third_party": 0.4},
        "nodes": [{"id": "A", "name": "A", "points": 100, "children": [
            *leaves, {"id": "A9", "name": "rest", "points": 40, "rule": "direct",
                      "manual": True}]}],
        "ratings": ratings})


def test_agreement_sentence_in_the_scorecard_section(demo_ev: Any, tmp_path: Path) -> None:
    # the ICC itself is checked against published and hand-computed values in
    # tests/assess/test_agreement.py; here: that the report says it
    agreement = rater_agreement(_spec())
    icc = agreement.icc
    ev = dataclasses.replace(demo_ev, scorecard=dataclasses.replace(demo_ev.scorecard,
                                                                    agreement=agreement))
    lo, hi = agreement.ci
    zh = Path(ev.render(tmp_path / "r.zh.md", lang="zh")).read_text(encoding="utf-8")
    band = {"poor": "较差", "moderate": "中等", "good": "良好", "excellent": "优秀"}[
        agreement.band]
    assert (f"评分人（购买方、第三方）之间评分一致性{band}（ICC = {icc:.2f}，95%置信区间 "
            f"{lo:.2f} 至 {hi:.2f}，共同评分 6 项") in zh
    assert (hi - lo > 0.5) == ("置信区间很宽" in zh)          # 6 items: a wide interval
    html = Path(ev.render(tmp_path / "r.en.html", lang="en")).read_text(encoding="utf-8")
    assert f"is {agreement.band} (ICC = {icc:.2f}, 95% confidence interval" in html
    if _has_docx():  # Word: the same sentence, in the scorecard section
        en = (f"Agreement between the raters (purchaser, third party) is {agreement.band} "
              f"(ICC = {icc:.2f}, 95% confidence interval {lo:.2f} to {hi:.2f}, over 6 items")
        for lang, sentence in (("zh", f"评分一致性{band}（ICC = {icc:.2f}，95%置信区间 "
                                      f"{lo:.2f} 至 {hi:.2f}，共同评分 6 项"), ("en", en)):
            word = rh.docx_body_text(ev.render(tmp_path / f"r.{lang}.docx", lang=lang))
            assert word.count(sentence) == 1, lang
            card = word.rindex("绩效评分明细" if lang == "zh" else "Performance score in detail")
            assert word.index(sentence) > card, lang
            assert (hi - lo > 0.5) == (("置信区间很宽" if lang == "zh" else "interval is wide")
                                       in word)
        word = rh.docx_body_text(demo_ev.render(tmp_path / "plain.en.docx", lang="en"))
        assert "ICC =" not in word  # no agreement, no sentence
    # the bundled example: three roles share one rated item, so no ICC and no sentence
    assert demo_ev.scorecard.agreement is None
    assert "at least 5 items rated by every role" in demo_ev.scorecard.agreement_note


def _has_docx() -> bool:
    import importlib.util

    return importlib.util.find_spec("docxtpl") is not None
