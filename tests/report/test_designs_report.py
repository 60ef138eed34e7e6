"""Issue 14 part 5: the evaluation report says which design each outcome used and why, in
plain words from the zh/en catalogue; numbers of a suppressed effect stay out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from report_helpers import with_threshold

import evalkit as ek


def _evaluate(name: str) -> Any:
    return ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))


@pytest.fixture(scope="module")
def evs() -> dict[str, Any]:
    return {n: _evaluate(n) for n in ("three_society_linkage", "shenyang_sanlian")}


def _md(ev: Any, tmp_path: Any, lang: str) -> str:
    path = tmp_path / f"r.{lang}.md"
    ev.render(path, lang=lang)
    return path.read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The design section: from its heading to the next heading of the same level."""
    part = text.split(f"### {heading}", 1)[1]
    return re.split(r"\n#{2,3} ", part, maxsplit=1)[0]


def test_its_explained_in_plain_zh(evs: dict[str, Any], tmp_path: Any) -> None:
    text = _md(evs["three_society_linkage"], tmp_path, "zh")
    sec = _section(text, "为什么这样估计：各项成效的评估设计")
    assert ("这个项目没有对照组，所以我们比较了服务开始前后每期的趋势：把开始前 24 期的走势延续"
            "下去") in sec
    assert "证据强度评为第 2 级（共 5 级）。由于没有对照组" in sec
    assert not re.findall(r"[A-Za-z]{2,}", sec), "English or jargon in the zh design section"
    # jargon only in the methods appendix, and the ITS notes in Chinese there
    body, appendix = text.split("## 附录A")
    for word in ("Newey", "HAC", "SDID", "Maryland"):
        assert word not in body, word
    assert "Newey-West 异方差自相关稳健标准误（Bartlett 核，滞后 3 期" in appendix
    assert "standard errors: Newey-West" not in text


def test_its_explained_in_english(evs: dict[str, Any], tmp_path: Any) -> None:
    text = _md(evs["three_society_linkage"], tmp_path, "en")
    sec = _section(text, "Why each result was estimated the way it was")
    assert "This project has no comparison group, so we compared the trend before and after" in sec
    assert "Evidence strength: level 2 of 5. Without a comparison group" in sec


def test_synthetic_comparison_with_weights_and_rating(evs: dict[str, Any], tmp_path: Any) -> None:
    ev = evs["shenyang_sanlian"]
    text = _md(ev, tmp_path, "zh")
    sec = _section(text, "为什么这样估计：各项成效的评估设计")
    assert "试点只有 10 个单位" in sec and "其余 14 个单位加权组合出一个“合成对照”" in sec
    assert "服务开始前只有 4 期数据，少于评为第 4 级所需的 5 期，因此评为第 3 级" in sec
    # the top donors by weight, named by the site tree, weights from the estimate itself
    w = ev.effects["service_synthetic"].extra["unit_weights"].sort_values(ascending=False)
    names = {s["id"]: s["name"].zh for s in ev.project.sites.nodes() if s["name"]}
    for unit, weight in list(w.items())[:5]:
        assert f"| {names[unit]} | {weight:.3f} |" in sec
    assert not re.findall(r"[A-Za-z]{2,}", sec)
    appendix = text.split("## 附录A")[1]
    assert "合成双重差分（SDID，Arkhangelsky 等 2021）" in appendix
    assert "Madaleno 与 Waights 2016" in appendix


def test_synthetic_section_in_html_has_chart(evs: dict[str, Any], tmp_path: Any) -> None:
    path = tmp_path / "r.zh.html"
    evs["shenyang_sanlian"].render(path, lang="zh")
    page = path.read_text(encoding="utf-8")
    block = page.split('id="design-service_synthetic"', 1)[1].split("<h4", 1)[0]
    assert "<svg" in block and "合成对照中权重最大的 5 个单位" in block


def test_suppressed_effect_shows_no_design_numbers(evs: dict[str, Any], tmp_path: Any) -> None:
    ev = with_threshold(evs["shenyang_sanlian"], 100_000)
    text = _md(ev, tmp_path, "zh")
    sec = _section(text, "为什么这样估计：各项成效的评估设计")
    assert "试点只有 10 个单位" in sec  # the choice is still explained
    assert "权重" not in sec and "证据强度评为" not in sec
    weights = ev.effects["service_synthetic"].extra["unit_weights"]
    assert f"{weights.max():.3f}" not in text


def test_honest_did_sentence_with_breakdown(tmp_path: Any) -> None:
    ev = _evaluate("workers_home")
    frame = ev.details["disputes"]["honest_did"]
    bd = frame.attrs["breakdown"]
    zh = _md(ev, tmp_path, "zh")
    assert f"除非两组趋势之差的斜率每期变化超过 {bd:.3f}件/百人，否则结论成立。" in zh
    en = _md(ev, tmp_path, "en")
    assert (f"The finding holds unless the slope of the difference between the groups' trends "
            f"changes by more than {bd:.3f} per 100 workers a period.") in en
    hidden = _md(with_threshold(ev, 100_000), tmp_path, "zh")
    assert f"{bd:.3f}" not in hidden


def test_relative_magnitude_sentence() -> None:
    """The brief's sentence, from a relative-magnitudes frame (breakdown 1.5)."""
    import pandas as pd

    from evalkit.report.designs import _honest
    from evalkit.report.environment import load_labels

    frame = pd.DataFrame({"m": [0.0, 1.0, 2.0], "lb": [0.2, 0.1, -0.1], "ub": [1.0, 1.2, 1.4]})
    frame.attrs.update(breakdown=1.5, original=(0.3, 0.9), method="relative_magnitude")
    rec = _honest(frame, None)
    text = load_labels("en")[rec["key"]].format(**{"breakdown": rec["params"]["breakdown"]})
    assert text == ("The finding holds unless the trend violation after the start is more than "
                    "1.5 times the largest before it.")
    zh = load_labels("zh")[rec["key"]].format(breakdown=rec["params"]["breakdown"])
    assert zh == "除非服务开始后两组趋势的偏离超过开始前最大偏离的 1.5 倍，否则结论成立。"


def _word_section(path: Any, heading: str) -> tuple[str, int]:
    """Text of the Word design section (its heading to the next chapter) and the number of
    pictures in it."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = docx.Document(str(path))
    texts, pictures, inside = [], 0, False
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(child, doc)
            if p.text.strip() == heading:
                inside = True
            elif inside and p.style is not None and p.style.name == "Heading 1":
                break
            if inside:
                texts.append(p.text)
                pictures += len(child.findall(".//" + qn("w:drawing")))
        elif tag == "tbl" and inside:
            texts += [c.text for row in Table(child, doc).rows for c in row.cells]
    return "\n".join(texts), pictures


def test_synthetic_section_in_word(evs: dict[str, Any], tmp_path: Any) -> None:
    pytest.importorskip("docxtpl")
    ev = evs["shenyang_sanlian"]
    sec, pictures = _word_section(ev.render(tmp_path / "r.zh.docx", lang="zh"),
                                  "为什么这样估计：各项成效的评估设计")
    assert "其余 14 个单位加权组合出一个“合成对照”" in sec
    assert "服务开始前只有 4 期数据，少于评为第 4 级所需的 5 期，因此评为第 3 级" in sec
    w = ev.effects["service_synthetic"].extra["unit_weights"].sort_values(ascending=False)
    names = {s["id"]: s["name"].zh for s in ev.project.sites.nodes() if s["name"]}
    for unit, weight in list(w.items())[:5]:
        assert f"{names[unit]}\n{weight:.3f}" in sec
    assert pictures == 1  # treated vs synthetic, with the weights
    hidden, pictures = _word_section(with_threshold(ev, 100_000).render(
        tmp_path / "h.zh.docx", lang="zh"), "为什么这样估计：各项成效的评估设计")
    assert "试点只有 10 个单位" in hidden and pictures == 0
    assert "权重" not in hidden and "证据强度评为" not in hidden
    assert f"{w.max():.3f}" not in hidden


def test_its_and_honest_did_charts_in_word(evs: dict[str, Any], tmp_path: Any) -> None:
    pytest.importorskip("docxtpl")
    sec, pictures = _word_section(evs["three_society_linkage"].render(
        tmp_path / "its.en.docx", lang="en"), "Why each result was estimated the way it was")
    assert "Evidence strength: level 2 of 5. Without a comparison group" in sec
    assert pictures == 1  # the interrupted time series
    ev = _evaluate("workers_home")
    bd = ev.details["disputes"]["honest_did"].attrs["breakdown"]
    sec, pictures = _word_section(ev.render(tmp_path / "h.zh.docx", lang="zh"),
                                  "为什么这样估计：各项成效的评估设计")
    assert f"除非两组趋势之差的斜率每期变化超过 {bd:.3f}件/百人，否则结论成立。" in sec
    assert pictures == 1  # the robust intervals per M
