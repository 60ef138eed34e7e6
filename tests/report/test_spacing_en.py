"""English reports join sentences with one space and end a paragraph without one: the design
rating line ("Evidence strength: level 3 of 5.") had a trailing space when no rating sentence
followed it, in every format."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh

import evalkit as ek

#: a sentence that ends its paragraph or line with a space after the full stop
TRAILING = re.compile(r"\. +(?=\n|$|</p>|</li>)", re.M)


@pytest.fixture(scope="module")
def evaluations() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))
                for name in ("workers_home", "three_society_linkage")}


def _text(path: Path) -> str:
    return rh.docx_text(path) if path.suffix == ".docx" else path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
@pytest.mark.parametrize("name", ["workers_home", "three_society_linkage"])
def test_no_trailing_space_after_a_sentence(evaluations: dict[str, Any], tmp_path: Path,
                                            name: str, fmt: str) -> None:
    rh.skip_without_writer(fmt)
    text = _text(Path(evaluations[name].render(tmp_path / f"r.{fmt}", lang="en")))
    assert "Evidence strength: level" in text
    found = [text[max(0, m.start() - 40):m.end()] for m in TRAILING.finditer(text)]
    assert not found, found
    if name == "three_society_linkage":  # the ITS rating sentence follows after one space
        assert re.search(r"Evidence strength: level 2 of 5\. [A-Z]", text)


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_english_headings_start_with_a_capital(evaluations: dict[str, Any], tmp_path: Path,
                                               fmt: str) -> None:
    """workers_home names its outcome "wellbeing" (lower case, as written in project.yaml): a
    heading or a sentence that starts with it is capitalised; inside a sentence, in a table
    cell and in the Chinese report the label is left as written."""
    rh.skip_without_writer(fmt)
    ev = evaluations["workers_home"]
    assert ev.project.outcomes[0].name.en == "wellbeing"
    text = _text(Path(ev.render(tmp_path / f"r.{fmt}", lang="en")))
    for start in ("Wellbeing: the same people before and after",
                  "Monthly labour disputes per 100 workers: the change",
                  "Wellbeing: with 250 pairs surveyed"):
        assert start in text, start
    assert "wellbeing: the same people" not in text and "wellbeing: with 250" not in text
    assert "Relative to the comparison group, wellbeing rose" in text
    if fmt == "md":
        assert "\n### Wellbeing\n" in text and "\n### Wellbeing (against the comparison group)\n" in text
        assert "\n#### Wellbeing: supporting analyses\n" in text
        assert "\n| wellbeing | +0.42 |" in text  # a table cell keeps the label as written
    if fmt == "html":
        assert '<h3 id="outcome-wellbeing">Wellbeing</h3>' in text
    zh = Path(ev.render(tmp_path / f"zh.{fmt}", lang="zh"))
    assert "职工幸福感：同一批服务对象的前后比较" in _text(zh)


def test_intake_note_reads_naturally(evaluations: dict[str, Any]) -> None:
    """The unused-category note: natural number agreement, the column by its label, and an
    ordinary word that happens to be a column's name ("category") left as written."""
    from evalkit.report.context import build_context

    ev = evaluations["workers_home"]
    assert "category" in {c for s in ev.project.data.values() for c in s.columns}
    checks = {c["key"]: c for c in build_context(ev)["intake_checks"]}
    note = checks["unused_category"]
    assert note["en"] == ("1 category of column 'Activity type' in data/service_log.csv is not "
                          "used by any indicator or cadence rule: Volunteer training (6 rows)")
    assert note["zh"] == ("data/service_log.csv 的“活动类型”列中有 1 个类别未被任何指标或服务频次"
                          "规则使用：志愿者培训（6 行）")


def test_scorecard_reasons_name_rater_roles_in_words(evaluations: dict[str, Any]) -> None:
    """An English reason starts with the rater role in words ("Third party: rated 7 of 10"),
    not its YAML id ("third_party: …"), as the Chinese one does (第三方：评分 7/10)."""
    frame = evaluations["workers_home"].scorecard.to_frame()
    reasons = " ".join(frame["reason_en"].astype(str))
    assert "Third party: rated 7 of 10" in reasons and "Purchaser: rated 8 of 10" in reasons
    assert "third_party:" not in reasons and "purchaser:" not in reasons
    assert "第三方：评分 7/10" in " ".join(frame["reason_zh"].astype(str))
