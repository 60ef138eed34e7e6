"""Issue 12 over every bundled example and every format (test_zh_plain.py reads the demo's
Markdown and HTML): a Chinese report holds no raw identifier — no needs category
(``wage_arrears``), coverage value (``platform:volunteer``), site code (``DG01``), evidence
status (``none_required``), option value inside a note (``rademacher``), column, source,
outcome, evidence type or rater id — and no English method name or Python literal."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh
from test_zh_plain import LITERALS, METHOD_NAMES, _raw_ids, _visible

import evalkit as ek

EXAMPLES = tuple(ek.datasets.list())
#: (report, format): both reports in every text format; the PDF of the evaluation report
#: (the acceptance report's PDF is the same HTML through the same writer)
JOBS = [("evaluation", "md"), ("acceptance", "md"), ("evaluation", "html"),
        ("acceptance", "html"), ("evaluation", "docx"), ("acceptance", "docx"),
        ("evaluation", "pdf")]
#: values evalkit itself writes into a context: evidence states, option values of notes
EVALKIT_VALUES = {"none_required", "not_checked", "rademacher", "webb", "ipw"}


def example_ids(ev: Any) -> set[str]:
    """Every id of an example that could reach its report unlabelled: those of
    test_zh_plain, site codes, and every category value project.yaml labels."""
    p = ev.project
    ids = _raw_ids(ev) | EVALKIT_VALUES
    if p.sites is not None:
        stack = list(p.sites.tree)
        while stack:
            node = stack.pop()
            ids.add(node.id)
            stack += node.children
    ids |= {v for source in p.data.values() for col in source.columns.values()
            for v in col.values}
    if p.analytics is not None and p.analytics.coverage is not None:
        ids |= {str(v) for values in p.analytics.coverage.required.values() for v in values}
    return {i for i in ids if len(i) > 2}


@pytest.fixture(scope="module")
def evaluations() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))
                for name in EXAMPLES}


def _reader_text(path: Path) -> str:
    """What a reader sees before the reproducibility appendix (附录B)."""
    if path.suffix in (".md", ".html"):
        return _visible(path.read_text(encoding="utf-8"), path.suffix[1:])
    text = rh.pdf_text(path) if path.suffix == ".pdf" else rh.docx_text(path)
    if text.count("附录B") > 1:  # the contents list it first
        text = text.rsplit("附录B", 1)[0]
    # data, template and evidence file names (the 附件清单 lists evidence/C1_photos.zip)
    text = re.sub(r"[\w./-]+\.(?:csv|xlsx|yaml|j2|pdf|zip|docx|jpg|png)\b", " ", text)
    return re.sub(r"\b[\w.-]+/[\w./-]*", " ", text)  # and folders: evidence/Q1_case_files/


#: a space where Chinese text has none: after a sentence or clause mark (。；！？，、：) before
#: more text, between two Chinese characters, after 。 at the end of a line, or an ASCII
#: "label: value" colon (the catalogue's doc.colon is "：")
STRAY_SPACE = re.compile(r"[。；！？，、：] +(?=[^\s|])|[\u4e00-\u9fff] +[\u4e00-\u9fff“（]"
                         r"|。 +$|[\u4e00-\u9fff）*]: ", re.M)


def stray_spaces(path: Path) -> list[str]:
    """Stray spaces of a zh report, read as written (file names kept; HTML tags removed
    without leaving a space); PDF text is laid out by pdftotext, so it is not checked (its
    HTML is)."""
    import html

    if path.suffix == ".pdf":
        return []
    text = rh.docx_text(path) if path.suffix == ".docx" else path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        text = re.sub(r"<style.*?</style>|<svg.*?</svg>|<section id=\"sec-stamp\".*?</section>",
                      "", text, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = text.rsplit("附录B", 1)[0]  # the reproducibility stamp: file names and hashes
    return [text[max(0, m.start() - 12):m.end() + 12] for m in STRAY_SPACE.finditer(text)]


def test_stray_space_pattern() -> None:
    bad = ["未达标指差距超出容差。 完成率计算口径", "趋势上升。 工会投入", "证据强度评为第 2 级（共 5 级）。 ",
           "2025年1月1日 至 2025年12月31日", "291,090 元 计算", "的 活动类型 列中",
           "研究设计: 无对照组", "无重大安全责任事故: 已核验", "**投入**: 3 名"]
    good = ["证据强度评为第 2 级（共 5 级）。由于没有对照组", "service_log.csv 的“活动类型”列",
            "| 结余资金按合同约定退回购买方。 |", "第 2 级（共 5 级）", "2,000 元", "1 : 2.98"]
    assert all(STRAY_SPACE.search(b) for b in bad), [b for b in bad if not STRAY_SPACE.search(b)]
    assert not [g for g in good if STRAY_SPACE.search(g)]


def test_the_ids_looked_for_include_the_ones_seen(evaluations: dict[str, Any]) -> None:
    assert {"wage_arrears", "education", "T1P1"} <= example_ids(evaluations["zhongshan_linkage"])
    assert "DG01" in example_ids(evaluations["guangdong_workforce"])
    assert "volunteer_training" in example_ids(evaluations["workers_home"])
    assert {"strong", "weak"} <= example_ids(evaluations["shenyang_sanlian"])
    assert "evaluation_report" in example_ids(evaluations["three_society_linkage"])


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(("report", "fmt"), JOBS, ids=[f"{r}-{f}" for r, f in JOBS])
def test_no_raw_ids_in_zh_reports_of_every_example(evaluations: dict[str, Any], tmp_path: Path,
                                                   name: str, report: str, fmt: str) -> None:
    rh.skip_without_writer(fmt)
    ev = evaluations[name]
    path = Path(ev.render(tmp_path / f"{report}.{fmt}", lang="zh", report=report))
    text = _reader_text(path)
    found = sorted(i for i in example_ids(ev)
                   if re.search(rf"(?<![A-Za-z0-9_]){re.escape(i)}(?![A-Za-z0-9_])", text))
    assert not found, f"{name} {report}.{fmt}: raw ids {found}"
    methods = [m for m in METHOD_NAMES if m in text]
    assert not methods, f"{name} {report}.{fmt}: English method names {methods}"
    literals = [x for x in LITERALS
                if re.search(rf"(?<![A-Za-z]){re.escape(x)}(?![A-Za-z])", text)]
    assert not literals, f"{name} {report}.{fmt}: {literals}"
    spaces = stray_spaces(path)
    assert not spaces, f"{name} {report}.{fmt}: stray spaces {spaces}"
