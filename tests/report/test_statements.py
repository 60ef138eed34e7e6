"""Issue 12: a report says nothing wrong or contradictory. Each statement is checked on the
bundled example and on a case built by hand, with the expected figure worked out here."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd
import pytest

from evalkit.assess.acceptance import AcceptanceResult, Statement
from evalkit.assess.achievement import achievement, indicator_rows
from evalkit.model.indicators import Indicator
from evalkit.report.context import _indicator_summary, build_context, standing
from evalkit.report.plain import Disclosure
from evalkit.report.stages import acceptance_record

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def ctx(demo_ev: Any) -> dict[str, Any]:
    return build_context(demo_ev)


@pytest.fixture(scope="module")
def zh(zh_sources: dict[str, str]) -> dict[str, str]:
    """The example's zh evaluation and acceptance reports as Markdown and HTML text."""
    return zh_sources


def _ind(**kw: object) -> Indicator:
    base: dict[str, object] = {"id": "X", "name": "x", "level": "outputs", "target": 100}
    return Indicator.model_validate({**base, **kw})


# -- "8 of 8 reached the target" while one is 84.09 against 85 --------------------------------
def test_example_summary_counts_met_apart_from_within_band(ctx: dict[str, Any],
                                                           zh: dict[str, str]) -> None:
    by_id = {r["id"]: r for r in ctx["indicators"]}
    i7 = by_id["I7"]
    assert i7["actual"] < i7["target"]            # 84.09 < 85
    assert i7["band"] == "on_track" and i7["status"] == "near_target"
    reached = [r["id"] for r in ctx["indicators"] if r["actual"] >= r["target"]
               or (r["direction"] == "decrease" and r["actual"] <= r["target"])]
    s = ctx["indicator_summary"]
    assert s["met"] == len(reached) == 7 and s["near_target"] == 1 and s["total"] == 8
    text = zh["evaluation.md"]
    assert "8 项指标中有 8 项" not in text
    assert "8 项指标中有 7 项达到或超过目标值" in text and "1 项接近但未达到目标值" in text
    assert re.search(r"I7 愿意推荐比例 \| 85 \| 84.09 \| % \| 99% \| 接近目标", text)


def test_constructed_within_band_is_not_met() -> None:
    # 95 of 100: inside TolaData's ±15 % band, short of the target
    frame = pd.DataFrame(indicator_rows(_ind(measure="count", compute={"sum": "v"}),
                                        pd.DataFrame({"v": [95]}), start=START, end=END))
    row = frame.loc[frame["period"] == "total"].iloc[0]
    assert row["status"] == "on_track" and not row["met"]
    assert standing(row["status"], row["met"], row["basis"]) == "near_target"
    rows = [{"status": s, "band": b} for s, b in (("met", "on_track"), ("above_target",
            "above_target"), ("near_target", "on_track"), ("below_target", "below_target"))]
    assert _indicator_summary(rows) | {} == {
        "total": 4, "met": 2, "above_target": 1, "near_target": 1, "not_met": 1,
        "no_target": 0, "no_data": 0, "on_track": 2, "below_target": 1}


# -- one completion-rate rule per kind of indicator, stated ------------------------------------
def test_example_rules_stated(ctx: dict[str, Any], zh: dict[str, str]) -> None:
    by_id = {r["id"]: r for r in ctx["indicators"]}
    assert by_id["I6"]["rule"] == "actual_over_target"           # 91.82 / 90
    assert by_id["I6"]["achievement"] == pytest.approx(by_id["I6"]["actual"] / 90)
    assert by_id["I8"]["rule"] == "progress_from_baseline"       # (3.2 − a) / (3.2 − 2.8)
    assert by_id["I8"]["achievement"] == pytest.approx((3.2 - by_id["I8"]["actual"]) / 0.4)
    assert ctx["indicator_rules"] == ["actual_over_target", "progress_from_baseline"]
    for text in (zh["evaluation.md"], zh["evaluation.html"]):
        assert "越高越好的指标：实际值 ÷ 目标值" in text
        assert "(基线值 − 实际值) ÷ (基线值 − 目标值)" in text


@pytest.mark.parametrize(("direction", "baseline", "rule", "value"), [
    ("increase", 80.0, "actual_over_target", 95 / 100),          # baseline not used
    ("decrease", 120.0, "progress_from_baseline", (120 - 95) / (120 - 100)),
    ("decrease", None, "target_over_actual", 100 / 95),
])
def test_constructed_rule_matches_formula(direction: str, baseline: float | None, rule: str,
                                          value: float) -> None:
    frame = pd.DataFrame(indicator_rows(
        _ind(measure="count", compute={"sum": "v"}, direction=direction, baseline=baseline),
        pd.DataFrame({"v": [95]}), start=START, end=END))
    row = frame.iloc[-1]
    assert row["rule"] == rule
    assert row["achievement"] == pytest.approx(value)
    assert achievement(95, 100, baseline, direction) == pytest.approx(value)


# -- a quarter is not marked with the cumulative status ----------------------------------------
def test_example_period_cells_say_to_date(ctx: dict[str, Any], zh: dict[str, str]) -> None:
    i3 = {r["id"]: r for r in ctx["indicators"]}["I3"]
    q3 = i3["by_period"]["2025-Q3"]
    assert q3["actual"] == 22 and q3["basis"] == "to_date" and q3["to_date"] == 136
    assert q3["status"] == "ahead_of_schedule"    # 136 / 150 = 91 % against 75 % due
    assert "22 (超额完成)" not in zh["evaluation.md"]
    assert "22 (累计 136，快于进度)" in zh["evaluation.md"]
    i2 = {r["id"]: r for r in ctx["indicators"]}["I2"]
    assert i2["status"] == "met"                  # whole project: never "按进度达标"
    assert "按进度达标" not in zh["evaluation.md"]
    # I1 has its own quarterly targets: each quarter judged on its own value
    i1 = {r["id"]: r for r in ctx["indicators"]}["I1"]
    assert i1["by_period"]["2025-Q4"]["basis"] == "period"
    assert i1["by_period"]["2025-Q4"]["status"] == "below_target"   # 3 against 6


def test_constructed_period_without_own_target() -> None:
    log = pd.DataFrame({"date": pd.to_datetime(["2025-01-10", "2025-02-10", "2025-08-01"]),
                        "v": [30, 30, 5]})
    frame = pd.DataFrame(indicator_rows(
        _ind(measure="count", compute={"sum": "v"}, period="quarter", target=80), log,
        start=START, end=END, date="date")).set_index("period")
    q3 = frame.loc["2025-Q3"]
    assert q3["actual"] == 5 and q3["to_date"] == 65 and q3["basis"] == "to_date"
    # expected progress by elapsed days (contract calendars): 1 Jan – 30 Sep = 273 of 365 days
    assert q3["expected"] == 273 / 365 and bool(q3["met"])     # 65/80 = 81 % ≥ 74.8 % due
    assert standing(q3["status"], q3["met"], q3["basis"]) == "on_schedule"
    assert standing("on_track", True, "total") == "met"
    assert standing("on_target", False, "total") == "near_target"


# -- the verdict block prints each condition and the weighted share once ----------------------
def test_example_verdict_block_once(zh: dict[str, str]) -> None:
    for text in (zh["acceptance.md"], zh["evaluation.md"]):
        assert text.count("整改：C6 愿意推荐比例不低于 85%") == 1
        assert "87.5%" in text and "88%" not in text


def test_constructed_reasons_without_repeats() -> None:
    cond = Statement("rectify", "整改：C6", "put right: C6")
    good = Statement("met", "C1 达标", "C1 met")
    share = Statement("weighted_share", "加权达标率 87.5%", "weighted share 87.5%")
    res = AcceptanceResult(verdict="accepted_with_conditions", criteria=pd.DataFrame(),
                           conditions=(cond,), deadline=None, reasons=(cond, good, share),
                           weighted_share=0.875)
    rec = acceptance_record(res, Disclosure())
    assert rec["reasons"] == [{"zh": "C1 达标", "en": "C1 met"}]
    assert rec["conditions"] == [{"zh": "整改：C6", "en": "put right: C6"}]
    low = Statement("weighted_share", "加权达标率 50.0%，低于要求的 80.0%",
                    "weighted share 50.0% is below the required 80.0%")
    res = AcceptanceResult(verdict="rejected", criteria=pd.DataFrame(), reasons=(low, share),
                           weighted_share=0.5)
    assert acceptance_record(res, Disclosure())["reasons"] == [{"zh": low.zh, "en": low.en}]


# -- a zero-tolerance item reads as 无 / none, never ">= 1" -----------------------------------
def test_example_no_accident_reads_none(ctx: dict[str, Any], zh: dict[str, str]) -> None:
    q2 = {c["id"]: c for c in ctx["acceptance"]["criteria"]}["Q2"]
    assert q2["target_text"] == {"zh": "无", "en": "none"}
    c1 = {c["id"]: c for c in ctx["acceptance"]["criteria"]}["C1"]
    assert c1["target_text"]["zh"] == "不低于 24"
    for text in zh.values():
        assert "&gt;= 1" not in text and ">= 1" not in text
    assert "| Q2 无重大安全责任事故**（一票否决项）** | 无 |" in zh["acceptance.md"]


def test_constructed_evidence_only_criteria() -> None:
    frame = pd.DataFrame([
        {"criterion_id": "Q9", "name_zh": "无事故", "name_en": "no accident", "veto": True,
         "indicator_id": None, "operator": ">=", "target": 1.0, "actual": 1.0},
        {"criterion_id": "Q8", "name_zh": "档案", "name_en": "files", "veto": False,
         "indicator_id": None, "operator": ">=", "target": 20.0, "actual": 18.0},
        {"criterion_id": "C9", "name_zh": "争议", "name_en": "disputes", "veto": False,
         "indicator_id": "I8", "operator": "<=", "target": 2.8, "actual": 2.26}])
    res = AcceptanceResult(verdict="accepted", criteria=frame)
    rows = {c["id"]: c for c in acceptance_record(res, Disclosure())["criteria"]}
    assert rows["Q9"]["target_text"] == {"zh": "无", "en": "none"}
    assert rows["Q8"]["target_text"]["zh"] == "佐证材料 20 份"
    assert rows["Q8"]["actual_text"]["en"] == "18 of 20 pieces of evidence verified"
    assert rows["C9"]["target_text"] == {"zh": "不高于 2.80", "en": "at most 2.80"}


# -- unit cost: the whole budget is not silently charged to every output ----------------------
def test_example_unit_cost_rule_stated_once(ctx: dict[str, Any], zh: dict[str, str]) -> None:
    value = ctx["value"]
    assert value["output_basis"] == "whole_budget"
    spent = value["spent"]
    for o in value["cost_per_output"]:
        assert o["cost"] == pytest.approx(spent)
        assert o["cost_per_unit"] == pytest.approx(spent / o["actual"])
    text = zh["evaluation.md"]
    assert text.count("未按产出分摊") == 1
    assert "11,195.8 元/节" in text                        # 291,090 / 26 sessions
    assert all(line["flag"] for line in value["lines"])    # 状态 filled
    assert "| B1 人员经费 | 168,000 | 165,200 | 98.3% | 正常 |" in text
    assert "- 预算：300,000 元" in text


def test_constructed_unit_cost_allocated_by_lines() -> None:
    from evalkit.assess.achievement import INDICATOR_COLUMNS
    from evalkit.assess.value import assess_value
    from evalkit.model.value import ValueSpec

    budget = pd.DataFrame({"line_id": ["B1", "B2"], "budget": [100.0, 60.0],
                           "spent": [100.0, 50.0], "category": ["staff", "activities"]})
    row = dict.fromkeys(INDICATOR_COLUMNS, math.nan)
    row.update(indicator_id="I1", period="total", actual=25.0, target=1.0)
    spec = ValueSpec.model_validate({"budget": {"source": "budget"}, "outputs": [
        {"indicator": "I1", "lines": ["B2"]}, {"indicator": "I1"}]})
    res = assess_value(spec, budget=budget, indicators=pd.DataFrame([row]))
    out = res.cost_per_output
    assert out["basis"].tolist() == ["lines", "whole_budget"]
    assert out["cost_per_unit"].tolist() == pytest.approx([50 / 25, 150 / 25])


# -- every n says what it counts; one reconciliation of the sample sizes ----------------------
def test_example_sample_sizes_reconciled_once(ctx: dict[str, Any], zh: dict[str, str]) -> None:
    wb = {e["id"]: e for e in ctx["effects"]}
    sample = wb["wellbeing"]["details"]["sample"]
    rows = {r["stage"]: (r["treated"], r.get("control")) for r in sample["records"]}
    means = {(r["wave"], r["group"]): r["n_valid"]
             for r in wb["wellbeing"]["details"]["means"]["records"]}
    assert rows["registered"] == (300, 120)
    assert rows["valid_pre"] == (means[("pre", "service")], means[("pre", "comparison")])
    assert rows["valid_post"] == (means[("post", "service")], means[("post", "comparison")])
    assert rows["analysed"][0] == wb["wellbeing"]["n"] == 250          # the outcome table's n
    assert sum(rows["analysed"]) == wb["wellbeing_vs_comparison"]["n"] == 346
    assert rows["registered"][0] - wb["wellbeing"]["n_dropped"] == 250  # 300 − 50 dropped
    text = zh["evaluation.md"]
    assert text.count("基线登记人数") == 1 and text.count("纳入分析人数（前后测均有效）") == 1
    assert "250 人（前后测均有效）" in text and "346 人（两组前后测均有效）" in text
    assert "960 个观测（单位 × 时期）" in text


def test_constructed_sample_table() -> None:
    from evalkit.report.quality import readable_details

    details = {
        "attrition": {"n_start": 30, "n_end": 24, "overall": 20.0, "differential": 0.0,
                      "by_group": {"treated": {"n_start": 20, "n_end": 16, "rate": 20.0},
                                   "control": {"n_start": 10, "n_end": 8, "rate": 20.0}},
                      "rating": {"cautious": "low", "optimistic": "low"}},
        "means": {"columns": ["wave", "group", "n", "mean", "sd"], "records": [
            {"wave": "T0", "group": "A", "n": 19, "mean": 1.0, "sd": 1.0},
            {"wave": "T1", "group": "A", "n": 17, "mean": 1.0, "sd": 1.0},
            {"wave": "T0", "group": "B", "n": 10, "mean": 1.0, "sd": 1.0},
            {"wave": "T1", "group": "B", "n": 9, "mean": 1.0, "sd": 1.0}]}}
    out = readable_details(details, item_labels={}, groups=("A", "B"), waves=("T0", "T1"))
    assert "attrition" not in out and next(iter(out)) == "sample"
    rows = {r["stage"]: (r["treated"], r["control"]) for r in out["sample"]["records"]}
    assert rows["registered"] == (20, 10) and rows["valid_pre"] == (19, 10)
    assert rows["valid_post"] == (17, 9) and rows["analysed"] == (16, 8)
    assert rows["attrition_rate"] == ("20.0%", "20.0%") and rows["attrition_risk"][0] == "low"
    assert out["means"]["columns"] == ["wave", "group", "n_valid", "mean", "sd"]


# -- dates as 年月日, periods in words, never an ISO week code --------------------------------
@pytest.mark.parametrize(("code", "zh_text", "en_text"), [
    ("2025-01-31", "2025年1月31日", "31 January 2025"),
    ("2025-03", "2025年3月", "March 2025"),
    ("2025-Q3", "2025年第3季度", "Q3 2025"),
    # ISO week 5 of 2025: Monday 27 January to Sunday 2 February (week 1 starts 30 Dec 2024)
    ("2025-W05", "2025年第5周（1月27日—2月2日）", "week 5 of 2025 (27 Jan–2 Feb)"),
    ("2021-W01", "2021年第1周（1月4日—1月10日）", "week 1 of 2021 (4 Jan–10 Jan)"),
])
def test_period_words(code: str, zh_text: str, en_text: str) -> None:
    from evalkit.report.dates import period_text

    assert period_text(code, "zh") == zh_text and period_text(code, "en") == en_text


def test_example_dates_in_words(zh: dict[str, str]) -> None:
    text = zh["evaluation.md"]
    assert "2025年1月1日至2025年12月31日" in text and "整改期限：2026年1月30日" in text
    assert not re.search(r"\d{4}-W\d{2}|\d{4}-Q\d", text)
