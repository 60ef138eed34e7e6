"""The form of the document: dates, chapter plan, satisfaction, funds, attachments and
signatures, checked against values computed here from the example's CSV files."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
import report_helpers as rh

import evalkit as ek
from evalkit.report.document import format_date, section_plan
from evalkit.report.pipeline import prepare

DATA = ek.datasets.path("workers_home") / "data"


def _ctx(ev: Any, report: str = "evaluation", lang: str = "zh") -> dict[str, Any]:
    return prepare(ev, lang=lang, report=report, kind="html", template_dir=None, suffix=None)[2]


def test_dates_in_chinese_and_english() -> None:
    assert format_date(dt.date(2026, 3, 1), "zh") == "2026年3月1日"
    assert format_date("2025-12-31", "en") == "31 December 2025"
    assert format_date(None, "zh") == "—"


def test_cover_reads_project_yaml(demo_ev: Any) -> None:
    zh, acc = _ctx(demo_ev), _ctx(demo_ev, "acceptance", "en")
    cover = zh["cover"]
    assert cover["contract_no"] == "GH-2025-017" and cover["report_no"] == "PG-2026-003"
    assert cover["date"] == "2026年3月1日"
    assert cover["period"] == {"start": "2025年1月1日", "end": "2025年12月31日"}
    assert cover["evaluator"]["zh"] == "某某社会工作评估中心"
    assert acc["cover"]["report_no"] == "YS-2026-003" and acc["cover"]["date"] == "1 March 2026"


def test_satisfaction_shares_match_the_survey(demo_ev: Any) -> None:
    sat = _ctx(demo_ev)["satisfaction"]
    raw = pd.read_csv(DATA / "satisfaction.csv")
    assert sat["n"] == len(raw) == 220
    overall = next(i for i in sat["items"] if i["id"] == "overall")
    counts = raw["overall"].value_counts(normalize=True)
    for value in range(1, 6):
        assert overall["shares"][str(value)] == pytest.approx(counts.get(value, 0.0), abs=1e-12)
    assert overall["mean"] == pytest.approx(raw["overall"].mean(), abs=1e-12)
    recommend = next(i for i in sat["items"] if i["id"] == "would_recommend")
    assert recommend["binary"]
    assert recommend["shares"]["1"] == pytest.approx(raw["would_recommend"].mean(), abs=1e-12)
    assert sat["response_rate"] is None  # no `invited` given: never guessed


def test_small_survey_is_suppressed(demo_ev: Any) -> None:
    sat = demo_ev.evidence.tables["satisfaction"].head(3)
    ev = rh.with_table(demo_ev, "satisfaction", sat)
    block = _ctx(ev)["satisfaction"]
    assert block["n"] == "<5"
    assert all(v == "<5" for i in block["items"] for v in i["shares"].values())
    assert all(i["mean"] is None for i in block["items"])


def test_surplus_and_receipts(demo_ev: Any) -> None:
    funds = _ctx(demo_ev)["funds"]
    budget = pd.read_csv(DATA / "budget.csv")
    assert funds["surplus"] == pytest.approx(budget["budget"].sum() - budget["spent"].sum())
    assert funds["receipts"] == []  # every budget line's receipts handed in and verified
    ev_list = demo_ev.evidence.tables["evidence"]
    keep = ev_list[ev_list["item"] != "B3"].copy()
    keep.loc[keep["item"] == "B2", "verified"] = "no"
    found = {r["id"]: r["problem"] for r in _ctx(rh.with_table(demo_ev, "evidence", keep))
             ["funds"]["receipts"]}
    assert found == {"B2": "unverified", "B3": "missing"}


def test_attachments_one_line_per_file(demo_ev: Any) -> None:
    rows = _ctx(demo_ev)["attachments"]
    raw = pd.read_csv(DATA / "evidence.csv")
    assert len(rows) == raw["file"].nunique()
    shared = next(r for r in rows if r["file"] == "evidence/C2_questionnaires.pdf")
    assert shared["items"] == ["C2", "C6"] and shared["name"]["zh"] == "满意度问卷"
    late = next(r for r in rows if r["file"] == "evidence/Q1_case_files_late/")
    assert late["verified"] is False


def test_signatures_and_panel(demo_ev: Any) -> None:
    ev_sig = _ctx(demo_ev)["signatories"]
    acc_sig = _ctx(demo_ev, "acceptance")["signatories"]
    assert [p["role"] for p in ev_sig["parties"]] == ["purchaser", "provider", "evaluator"]
    assert ev_sig["panel"] == [] and ev_sig["panel_lines"] == 0
    assert [p["name"]["zh"] for p in acc_sig["panel"]] == ["张某", "刘某", "王某"]


def test_plan_leaves_out_chapters_without_data(demo_ev: Any) -> None:
    ctx = _ctx(demo_ev)
    ctx = {**ctx, "value": None, "satisfaction": None, "voices": None, "analytics": None}
    from evalkit.report.environment import label_functions, make_environment

    t, _ = label_functions(make_environment("zh"))
    titles = [s["title"] for s in section_plan(ctx, "evaluation", t, "zh")]
    assert "资金使用" not in "".join(titles) and "满意度" not in "".join(titles)
    assert "联动机制" not in "".join(titles)  # no analytics: no mechanism chapter
    assert titles[:6] == ["一、摘要", "二、项目概况", "三、评估依据与方法", "四、指标完成情况",
                          "五、服务成效", "六、问题与建议"]
