"""Issue 12: a Chinese report of the example holds no raw identifier, English method name or
Python literal — every id that reaches it is shown by its zh label."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.errors import SpecError

#: method names the estimators write (``EffectResult.method``) and statistical shorthand
METHOD_NAMES = ("paired t-test", "ANCOVA", "OLS", "classical SE", "difference-in-differences",
                "unit fixed effects", "two-way fixed effects", "event study", "signed-rank")
#: Python / comparison literals that must never reach a reader
LITERALS = (">=", "<=", "&gt;=", "&lt;=", "True", "False", "None", "nan", "NaN")


def _visible(text: str, suffix: str) -> str:
    """What a reader sees: HTML without tags, styles and charts; neither format's
    reproducibility stamp (file names and hashes, meant to be ASCII)."""
    text = re.sub(r"`[^`\n]*`|<code>.*?</code>", " ", text)  # file locations (附件清单) as code
    if suffix == "html":
        text = re.sub(r"<style.*?</style>|<svg.*?</svg>|<section id=\"sec-stamp\".*?</section>",
                      " ", text, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.split(r"\n## 附录B", text)[0]
    return re.sub(r"[\w.-]+\.(?:csv|xlsx|yaml|j2)\b", " ", text)  # data and template file names


def _raw_ids(ev: Any) -> set[str]:
    """Every id of the example that could reach a report unlabelled."""
    p = ev.project
    ids = {oc.id for oc in p.outcomes} | set(ev.effects)
    ids |= {c for source in p.data.values() for c in source.columns} | set(p.data)
    if p.contract is not None:
        ids |= {req.type for item in p.contract.items() for req in item.evidence}
    if p.scorecard is not None:
        ids |= set(p.scorecard.raters)
    return {i for i in ids if len(i) > 2}


@pytest.fixture(scope="module")
def zh_texts(zh_sources: dict[str, str]) -> dict[str, str]:
    return {name: _visible(text, name.rsplit(".", 1)[1]) for name, text in zh_sources.items()}


def test_no_raw_ids_or_english_in_zh_reports(demo_ev: Any, zh_texts: dict[str, str]) -> None:
    ids = _raw_ids(demo_ev)
    assert {"wellbeing", "enterprise_id", "sign_in_sheet", "third_party"} <= ids
    for name, text in zh_texts.items():
        found = sorted(i for i in ids if re.search(rf"(?<![A-Za-z0-9_]){re.escape(i)}"
                                                     rf"(?![A-Za-z0-9_])", text))
        assert not found, f"{name}: raw ids {found}"
        methods = [m for m in METHOD_NAMES if m in text]
        assert not methods, f"{name}: English method names {methods}"
        literals = [x for x in LITERALS if re.search(rf"(?<![A-Za-z]){re.escape(x)}(?![A-Za-z])",
                                                   text)]
        assert not literals, f"{name}: {literals}"


def test_zh_report_body_keeps_jargon_for_the_appendix(zh_texts: dict[str, str]) -> None:
    text = zh_texts["evaluation.md"]
    body, appendix = text.split("## 附录A")
    for word in ("Maryland", "马里兰", "WWC", "Hedges", "CR1", "Wald"):
        assert word not in body, word
    assert "马里兰科学方法量表" in appendix and "WWC" in appendix


def test_rater_role_without_a_name_is_a_validation_error(example_copy: Path) -> None:
    import evalkit as ek

    spec = example_copy / "project.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("raters: {purchaser: 0.4, third_party: 0.4, community: 0.2}",
                                 "raters: {purchaser: 0.4, third_party: 0.4, community: 0.1, union_rep: 0.1}"),
                    encoding="utf-8")
    with pytest.raises(SpecError) as info:
        ek.load_project(spec)
    assert "scorecard.raters.union_rep" in str(info.value) + " ".join(info.value.problems or [])
    spec.write_text(text.replace(
        "raters: {purchaser: 0.4, third_party: 0.4, community: 0.2}",
        "raters: {purchaser: 0.4, third_party: 0.4, community: 0.1, union_rep: 0.1}\n"
        "  role_names: {union_rep: {zh: 工会代表, en: union representative}}"), encoding="utf-8")
    assert ek.load_project(spec).scorecard.role_names["union_rep"].zh == "工会代表"
