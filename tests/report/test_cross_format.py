"""The four writers print the same document: the same chapters in the same order (from one
section plan) and the same key numbers, in HTML, PDF, Word and Markdown."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.report.environment import fmt_num, fmt_pct


def _plan(demo_ev: Any, report: str, lang: str) -> list[str]:
    from evalkit.report.pipeline import prepare

    _, _, ctx = prepare(demo_ev, lang=lang, report=report, kind="html", template_dir=None,
                        suffix=None)
    return [s["title"] for s in ctx["sections"]]


def _html_headings(text: str) -> list[str]:
    found = re.findall(r'<section id="sec-[a-z]+"[^>]*><h2>(.*?)</h2>', text)
    return [html_lib.unescape(h) for h in found]


def _md_headings(text: str) -> list[str]:
    return [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]


def _docx_headings(path: Path) -> list[str]:
    import docx

    doc = docx.Document(str(path))
    return [p.text.strip() for p in doc.paragraphs
            if p.style is not None and p.style.name == "Heading 1" and p.text.strip()]


def _in_order(text: str, titles: list[str]) -> bool:
    """Every title occurs in ``text`` after the contents page, in the order given."""
    flat = re.sub(r"\s+", "", text)
    pos = flat.rfind(re.sub(r"\s+", "", titles[-1]))  # the body, after the contents list
    start = flat.find(re.sub(r"\s+", "", titles[0]), flat.find(re.sub(r"\s+", "",
                                                                  titles[-1])) + 1)
    at = start
    for title in titles[1:]:
        nxt = flat.find(re.sub(r"\s+", "", title), at + 1)
        if nxt < 0:
            return False
        at = nxt
    return start >= 0 and pos >= at


@pytest.mark.parametrize(("report", "lang"), [("evaluation", "zh"), ("evaluation", "en"),
                                              ("acceptance", "zh")])
def test_same_chapters_in_every_format(demo_ev: Any, rendered: dict[str, Path],
                                       texts: dict[str, str], report: str, lang: str) -> None:
    plan = _plan(demo_ev, report, lang)
    assert len(plan) >= 10
    stem = f"{report}_{lang}"
    assert _html_headings(texts[f"{stem}.html"]) == plan
    assert _md_headings(texts[f"{stem}.md"]) == plan
    if f"{stem}.docx" in rendered:
        assert _docx_headings(rendered[f"{stem}.docx"]) == plan
    if f"{stem}.pdf" in texts:
        assert _in_order(texts[f"{stem}.pdf"], plan)


def test_chapter_order_is_the_usual_one(demo_ev: Any) -> None:
    zh = _plan(demo_ev, "evaluation", "zh")
    assert [t.split("、", 1)[1] for t in zh[:12]] == [
        "摘要", "项目概况", "评估依据与方法", "指标完成情况", "服务成效", "联动机制运行情况",
        "满意度", "资金使用", "问题与建议", "评估结论", "签字盖章", "附件清单"]
    acc = _plan(demo_ev, "acceptance", "zh")
    assert "八、整改要求" in acc and "九、验收意见" in acc
    assert acc[-2:] == ["附录A　方法说明与数据质量", "附录B　可重复性信息"]


def _key_numbers(demo_ev: Any) -> list[str]:
    """Figures every format must print, formatted independently of the templates."""
    value, card = demo_ev.value, demo_ev.scorecard
    surplus = float(value.budget) - float(value.spent)
    return [fmt_num(float(card.total), 1), fmt_pct(float(value.execution_rate), 1),
            fmt_num(surplus, 0), fmt_num(float(value.budget), 0),
            fmt_pct(float(demo_ev.acceptance.weighted_share), 1), "GH-2025-017"]


@pytest.mark.parametrize("stem", ["evaluation_zh", "acceptance_zh", "evaluation_en"])
def test_same_key_numbers_in_every_format(demo_ev: Any, texts: dict[str, str],
                                          stem: str) -> None:
    numbers = _key_numbers(demo_ev)
    assert numbers[0] == "92.4"  # the scorecard total (scorecards.md, worked example)
    names = [n for n in texts if n.startswith(stem + ".")]
    assert {Path(n).suffix for n in names} >= {".html", ".md"}
    for name in names:
        flat = re.sub(r"\s+", "", texts[name])
        for figure in numbers:
            assert figure in flat, (name, figure)


def test_markdown_is_not_html_escaped(texts: dict[str, str]) -> None:
    from evalkit.report.markdown import escape_context

    for name in ("acceptance_zh.md", "evaluation_en.md"):
        assert "&gt;" not in texts[name] and "&amp;" not in texts[name], name
    assert escape_context(["目标 >= 90", "<5", "a & b"]) == ["目标 >= 90", "<5", "a & b"]
    assert escape_context("<b>x</b> &amp;") == "&lt;b>x&lt;/b> &amp;amp;"


def _effects_table_n_cells(name: str, text: str, path: Path | None) -> list[str]:
    """The n cells of the effects table (outcome, estimate, CI, p, n, …) in one format."""
    if name.endswith(".docx") and path is not None:
        import docx

        doc = docx.Document(str(path))
        for table in doc.tables:
            rows = [[c.text.strip() for c in r.cells] for r in table.rows]
            if len(rows[0]) == 7 and len(rows) > 1 and "%" not in rows[0][1]:
                header = rows[0]
                if header[4] in ("n", "样本量", "N"):
                    return [r[4] for r in rows[1:]]
        return []
    if name.endswith(".md"):
        lines = [ln for ln in text.splitlines() if ln.startswith("| ") and ln.count("|") == 8]
        start = next(i for i, ln in enumerate(lines) if re.search(r"\|\s*(n|样本量)\s*\|", ln))
        rows = []
        for ln in lines[start + 1:]:
            cells = [c.strip() for c in ln.strip("|").split("|")]
            if not re.match(r"^[\d,]+\b", cells[4]):
                break
            rows.append(cells[4])
        return rows
    table = re.search(r'<tr id="eff-.*?</tbody>', text, flags=re.S)
    cells = re.findall(r'<tr id="eff-[^"]*">(?:<td[^>]*>.*?</td>){4}<td[^>]*>(.*?)</td>',
                       table.group(0) if table else "", flags=re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", " ", c)) for c in cells]


@pytest.mark.parametrize("stem", ["evaluation_zh", "evaluation_en", "acceptance_zh"])
def test_effects_table_n_says_what_it_counts_in_every_format(
        demo_ev: Any, rendered: dict[str, Path], texts: dict[str, str], stem: str) -> None:
    """Issue 12: every n printed says what it counts — in Word's effects table as in HTML,
    PDF (the HTML) and Markdown (Word's n column was a bare number)."""
    lang = stem.rsplit("_", 1)[1]
    counts = {"zh": ("人（", "个观测"), "en": ("people", "observations")}[lang]
    seen = 0
    for suffix in (".html", ".md", ".docx"):
        name = stem + suffix
        if name not in texts:
            continue
        cells = _effects_table_n_cells(name, texts[name], rendered.get(name))
        assert len(cells) == len(demo_ev.effects), (name, cells)
        for cell in cells:
            assert any(word in cell for word in counts), (name, cell)
        seen += 1
    assert seen >= 2
