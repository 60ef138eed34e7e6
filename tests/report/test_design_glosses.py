"""Every design is glossed by its own words, never by the words of another design that shares
its evidence level: an interrupted time series (level 2) is not "无对照组的前后测", and the
level's own gloss says only how strong the evidence is (issue 16, words)."""

from __future__ import annotations

from typing import Any

import pytest

import evalkit as ek
from evalkit.estimate.evidence import DESIGN_LABELS
from evalkit.report.environment import _labeller, _translator, load_labels
from evalkit.report.summary import summary_sentences


def _effect(design: str, level: int) -> dict[str, Any]:
    return {"design": design, "evidence_level": level, "suppressed": False, "significant": True,
            "design_label": {lang: DESIGN_LABELS[lang][design] for lang in ("zh", "en")}}


def _ctx(effects: list[dict[str, Any]]) -> dict[str, Any]:
    name = {"zh": "项目", "en": "Project"}
    return {"project": {"name": name, "purchaser": name, "provider": name,
                        "period": {"start": "2025-01-01", "end": "2025-12-31"}},
            "indicator_summary": {"total": 0}, "effects": effects}


def _third(effects: list[dict[str, Any]], lang: str) -> str:
    labels = load_labels(lang)
    return summary_sentences(_ctx(effects), _translator(labels, lang), _labeller(lang), lang)[2]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_glosses_every_design_at_the_best_level(lang: str) -> None:
    labels = load_labels(lang)
    third = _third([_effect("pre_post", 2), _effect("its", 2)], lang)
    assert labels["summary.design.pre_post"] in third
    assert labels["summary.design.its"] in third
    if lang == "zh":
        assert "即无对照组的前后测" not in third
        assert third.endswith("级（同一批服务对象的前后测，无对照组；同一序列服务开始前后趋势的比较，"
                              "无对照序列）。")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_gloss_of_an_its_only_project_is_its_own(lang: str) -> None:
    labels = load_labels(lang)
    third = _third([_effect("its", 2)], lang)
    assert labels["summary.design.its"] in third
    assert labels["summary.design.pre_post"] not in third
    assert DESIGN_LABELS[lang]["pre_post"] not in third


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_names_only_designs_at_the_best_level(lang: str) -> None:
    labels = load_labels(lang)
    third = _third([_effect("pre_post", 2), _effect("pre_post_comparison", 3),
                    _effect("did", 3), _effect("did", 3)], lang)
    assert labels["summary.design.pre_post"] not in third
    assert third.count(labels["summary.design.did"]) == 1
    assert labels["summary.design.pre_post_comparison"] in third


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_design_has_its_own_summary_gloss(lang: str) -> None:
    labels = load_labels(lang)
    glosses = {d: labels.get(f"summary.design.{d}") for d in DESIGN_LABELS[lang]}
    assert all(glosses.values()), glosses
    assert len(set(glosses.values())) == len(glosses)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_level_words_do_not_describe_a_design(lang: str) -> None:
    """``sms.<level>`` follows the design label in the effect notes: it may say how strong
    the evidence is, not what was compared (an ITS and a pre/post share level 2)."""
    labels = load_labels(lang)
    for level in "12345":
        text = labels[f"sms.{level}"]
        for word in (("对照", "前后", "随机", "现状") if lang == "zh" else
                     ("comparison", "before", "random", "situation")):
            assert word not in text, (level, text)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_its_and_prepost_project_summary(lang: str, tmp_path: Any) -> None:
    """three_society_linkage: a pre/post survey and a hotline ITS, both level 2."""
    labels = load_labels(lang)
    ev = ek.evaluate(ek.load_project(ek.datasets.path("three_society_linkage") / "project.yaml"))
    path = tmp_path / "r.md"
    ev.render(path, lang=lang)
    text = path.read_text(encoding="utf-8")
    summary = text.split("## 二、" if lang == "zh" else "## 2.")[0]
    assert labels["summary.design.its"] in summary
    assert labels["summary.design.pre_post"] in summary


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ancova_sentence_states_its_own_assumption(lang: str) -> None:
    """The level-3 sentence speaks of parallel trends; the comparison-group pre/post (ANCOVA)
    rests on groups alike at equal pre scores, and its sentence says so."""
    import numpy as np
    import pandas as pd

    from evalkit.estimate.diagnostics import ancova

    rng = np.random.default_rng(5)
    n = 40
    pre = rng.normal(3, 0.5, n)
    g = np.r_[np.ones(n // 2), np.zeros(n // 2)]
    df = pd.DataFrame({"id": np.r_[np.arange(n), np.arange(n)], "t": [0] * n + [1] * n,
                       "y": np.r_[pre, pre + 0.5 * g + rng.normal(0, 0.3, n)], "g": np.r_[g, g]})
    r = ancova(df, "y", "id", "t", 0, 1, group="g", treated=1.0, control=0.0)
    assert r.evidence_level == 3
    text = r.sentence(lang=lang)
    parallel = "同步变化" if lang == "zh" else "moved in parallel"
    same_pre = "前测得分相同" if lang == "zh" else "same before score"
    assert parallel not in text and same_pre in text


@pytest.mark.parametrize(("designs", "lang", "expected"), [
    (["pre_post"], "en", "the same people before and after"),
    (["pre_post", "did"], "en", "the same people before and after and the change in the served "
     "group against the change in a comparison group"),
    (["did", "pre_post", "pre_post_comparison"], "en",
     "the change in the served group against the change in a comparison group; the same people "
     "before and after; and the people served and a comparison group, before and after"),
    (["did", "pre_post", "did"], "en", "the change in the served group against the change in a "
     "comparison group and the same people before and after"),
    (["pre_post", "its", "did"], "zh", None),
])
def test_basis_lists_its_designs_as_a_sentence(designs: list[str], lang: str,
                                               expected: str | None) -> None:
    # 评估依据与方法 names the designs used: English lists them with "and" before the last
    # (semicolons between items that contain commas); Chinese with 、 as before
    from evalkit.report.environment import make_environment

    text = make_environment(lang).globals["design_names"](designs)  # type: ignore[operator]
    labels = load_labels(lang)
    if expected is None:
        assert text == "、".join(labels[f"designs.name.{d}"] for d in designs)
    else:
        assert text == expected
