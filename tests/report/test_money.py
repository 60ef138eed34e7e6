"""Issue 12: every amount of money a report prints carries its unit (元 in Chinese, CNY in
English), in sentences (renewal, budget-line flags, value summary) as in tables — through
one formatter, :func:`evalkit._money.fmt_money`."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import evalkit as ek
from evalkit._money import fmt_money, money_unit

#: a money word, up to a few characters, then a number
_ZH = re.compile(r"(预算|支出|成本|结余|上限|合同金额|现值)[^\d\n|%]{0,10}?"
                 r"(-?\d[\d,]*(?:\.\d+)?)(?![\d,.]|\s*(?:元|%))")
_EN = re.compile(r"\b(budget|spent|cost|unspent|ceiling of|amount|present value)\b[^\d\n|%]{0,10}?"
                 r"(-?\d[\d,]*(?:\.\d+)?)(?![\d,.]|\s*(?:CNY|%))", re.I)


def _bare_amounts(text: str, lang: str) -> list[str]:
    text = re.sub(r"</t[dh]>|</tr>", " | ", text)  # never read across table cells
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"[ \t\u3000]+", " ", text)  # lines (PDF and Word rows) stay apart
    text = re.sub(r"[\w.-]+\.(?:csv|xlsx|parquet)\b|`[^`\n]*`", " ", text)  # files, hashes
    found = (_ZH if lang == "zh" else _EN).finditer(text)
    return [text[max(0, m.start() - 20):m.end() + 10] for m in found]


def test_example_renewal_cost_carries_its_unit(texts: dict[str, str]) -> None:
    zh = re.sub(r"\s+", "", texts["evaluation_zh.md"])
    assert "每单位净效果成本480元，不高于上限800元" in zh
    en = texts["evaluation_en.md"]
    assert "cost per unit of net outcome 480 CNY is within the ceiling of 800 CNY" in en


def test_no_bare_amount_in_any_example_report(texts: dict[str, str]) -> None:
    for name, text in texts.items():
        lang = "en" if "_en." in name else "zh"
        assert not _bare_amounts(text, lang), (name, _bare_amounts(text, lang))


def test_scan_finds_a_bare_amount() -> None:
    assert _bare_amounts("每单位净效果成本 480，不高于上限 800", "zh")
    assert _bare_amounts("cost per unit of net outcome 480 is within the ceiling of 800", "en")
    assert not _bare_amounts("预算执行率 97.0%；结余 8,910 元", "zh")


def test_constructed_budget_flag_and_renewal_carry_units(example_copy: Path,
                                                        tmp_path: Path) -> None:
    budget = example_copy / "data" / "budget.csv"
    frame = pd.read_csv(budget)
    frame["spent"] = frame["spent"].astype(float)
    frame.loc[frame["line_id"] == "B4", "spent"] = 5000.5  # under 80%: a flagged line
    frame.to_csv(budget, index=False)
    ev = ek.evaluate(ek.load_project(example_copy / "project.yaml"))
    flags = [f for f in ev.value.flags if f.key == "underspent"]
    assert flags and "预算 12,000 元，支出 5,000.5 元" in flags[0].zh
    assert "budget 12,000 CNY, spent 5,000.5 CNY" in flags[0].en
    assert "元" in ev.value.summary("zh") and "CNY" in ev.value.summary("en")
    for lang in ("zh", "en"):
        out = ev.render(tmp_path / f"r_{lang}.md", lang=lang)
        text = out.read_text(encoding="utf-8")
        assert not _bare_amounts(text, lang), _bare_amounts(text, lang)


@pytest.mark.parametrize(("currency", "lang", "text"), [
    ("CNY", "zh", "1,548.39 元"), ("CNY", "en", "1,548.39 CNY"), ("RMB", "zh", "1,548.39 元"),
    ("HKD", "zh", "1,548.39 HKD"), ("HKD", "en", "1,548.39 HKD")])
def test_one_formatter(currency: str, lang: str, text: str) -> None:
    assert fmt_money(1548.387, lang, currency) == text
    assert money_unit(currency, lang) == text.split()[1]


def test_constructed_renewal_in_another_currency() -> None:
    from evalkit.assess.renewal import recommend
    from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
    from evalkit.model.value import RenewalSpec

    spec = RenewalSpec.model_validate({"outcomes": [
        {"effect": "d", "direction": "decrease", "max_cost_per_unit": 600}]})
    eff = EffectResult(estimate=-0.8, se=0.1, ci=(-1.0, -0.6), pvalue=0.01, n=100,
                       method="hand-made", design="did", outcome="y", term="y",
                       table=tidy_frame([tidy_row("y", -0.8, 0.1, 1.0, 0.01, -1.0, -0.6)]),
                       evidence_level=3, extra={"label_en": "disputes", "label_zh": "争议"})
    res: Any = recommend(spec, verdict="accepted", grade=None, effects={"d": eff},
                         cost_per_outcome={"d": 700.4}, currency="HKD")
    cost = next(r for r in res.reasons if r.key == "cost")
    assert cost.zh == "争议每单位净效果成本 700 HKD，高于上限 600 HKD"
    assert cost.en == "disputes: cost per unit of net outcome 700 HKD is above the ceiling of 600 HKD"


def test_renewal_names_an_outcome_without_estimate() -> None:
    from evalkit.assess.renewal import recommend
    from evalkit.model.value import RenewalSpec

    spec = RenewalSpec.model_validate({"outcomes": [{"effect": "disputes"}]})
    res = recommend(spec, verdict="accepted", grade=None, effects={},
                    names={"disputes": ("劳动争议", "labour disputes")})
    missing = next(r for r in res.reasons if r.key == "no_estimate")
    assert (missing.zh, missing.en) == ("劳动争议：没有效果估计", "labour disputes: no effect estimate")
