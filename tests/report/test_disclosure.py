"""The disclosure pass (evalkit.report.disclosure): issue 10, Privacy.

Each test fails on the code before the pass existed: a reliable-change cell of 4 printed at
threshold 5, data quality and renewal numbers of a suppressed effect printed, rater reasons
with names and phone numbers printed, personal values in the context.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import report_helpers as rh

from evalkit.report.context import build_context


def strings(obj: Any) -> list[str]:
    """Every text in a context: values and keys, at any depth."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*strings(k), *strings(v))]
    if isinstance(obj, list | tuple):
        return [s for v in obj for s in strings(v)]
    return []


def numbers(obj: Any, key: str = "") -> list[tuple[str, float]]:
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int | float):
        return [(key, float(obj))]
    if isinstance(obj, dict):
        return [x for k, v in obj.items() for x in numbers(v, str(k))]
    if isinstance(obj, list | tuple):
        return [x for v in obj for x in numbers(v, key)]
    return []


def test_reliable_change_cell_of_four_is_suppressed(demo_ev: Any, tmp_path: Path) -> None:
    """At threshold 5 the example printed "deteriorated: 4"; the cell is hidden, and so is
    the next-smallest cell (the categories add up to the n shown)."""
    rci = demo_ev.details["wellbeing"]["rci"]
    counts = dict(rci.counts if hasattr(rci, "counts") else rci["counts"])
    assert counts["deteriorated"] == 4 and sum(counts.values()) == 250  # the bug's data
    ctx = build_context(demo_ev)
    table = next(e for e in ctx["effects"] if e["id"] == "wellbeing")["details"]["rci"]
    shown = {r["category"]: r for r in table["records"]}  # the readable table of the report
    assert shown["deteriorated"]["people"] == "<5"
    assert shown["improved"]["people"] == "<5"  # complementary: 250 - 180 - 0 would give it
    assert shown["unchanged"]["people"] == 180
    assert shown["deteriorated"]["people_share"] == "<5"
    assert shown["improved"]["people_share"] == "<5"
    page = demo_ev.render(tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    block = page.split("deteriorated", 1)[1][:200]
    assert ">4<" not in block and "&lt;5" in block


def test_suppressed_effect_hides_data_quality_and_renewal(demo_ev: Any, tmp_path: Path) -> None:
    """Threshold 300: the wellbeing effects (n 250 and 346 … ) are suppressed; their n,
    attrition, alpha, change counts, CIs, Hedges' g and group means appear nowhere."""
    ev = rh.with_threshold(demo_ev, 400)
    ctx = build_context(ev)
    wellbeing = next(e for e in ctx["effects"] if e["id"] == "wellbeing")
    assert wellbeing["suppressed"] and wellbeing["details"] == {}
    assert wellbeing["supporting"] == []
    details = demo_ev.details["wellbeing"]
    hidden = [details["reliability"].alpha if hasattr(details["reliability"], "alpha")
              else details["reliability"]["alpha"]]
    means = details["means"]
    hidden += [float(m) for m in means["mean"]]
    renewal = demo_ev.renewal.outcomes
    row = renewal[renewal["outcome_id"] == "wellbeing_vs_comparison"].iloc[0]
    hidden += [row["estimate"], row["conf_low"], row["conf_high"]]
    texts = "\n".join(strings(ctx))
    for value in hidden:
        assert f"{value:.2f}" not in texts, value
    values = [v for _, v in numbers(ctx)]
    for value in hidden:
        assert not any(v == pytest.approx(value, abs=1e-9) for v in values), value
    assert ctx["renewal"]["recommendation"]  # the decision stays
    page = ev.render(tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)  # chart coordinates are not figures
    for value in (row["conf_low"], row["conf_high"]):
        assert f"{value:.2f}" not in page


def test_rater_reasons_are_masked(example_copy: Path, tmp_path: Path) -> None:
    """Names and phone numbers typed in a rater's reason were printed."""
    import yaml

    import evalkit as ek

    people = pd.read_csv(example_copy / "data" / "participants.csv")
    name = str(people["name"].iloc[3])
    file = example_copy / "project.yaml"
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    raw["scorecard"]["ratings"]["third_party"]["A1.2"] = {
        "value": ["ledger"], "reason": f"{name}说两张发票抬头有误，电话 139-1234-5678",
        "evidence": "身份证 110101199003071234 复印件"}
    file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    ev = ek.evaluate(ek.load_project(file))
    ctx = build_context(ev)
    text = "\n".join(strings(ctx))
    assert name not in text and "139-1234-5678" not in text
    assert "110101199003071234" not in text
    assert "***说两张发票抬头有误，电话 ***" in text
    page = ev.render(tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    assert name not in page and "139-1234-5678" not in page
    assert "110101199003071234" not in page


def _name_breakdown(ev: Any) -> Any:
    """A breakdown by ``name`` as an older or custom stage could produce (validation now
    refuses it in project.yaml; the pass is the second line of defence)."""
    ind = ev.indicators
    total = ind[(ind["indicator_id"] == "I6") & (ind["period"] == "total")].iloc[[0]]
    people = ev.evidence.tables["participants"]
    rows = [total.assign(disaggregation="name", category=str(n), n=40, actual=90.0)
            for n in people["name"].dropna().unique()[:5]]
    frame = pd.concat([ind.astype({"disaggregation": object, "category": object}), *rows],
                      ignore_index=True)
    return dataclasses.replace(ev, indicators=frame)


def test_context_holds_no_personal_value(demo_ev: Any) -> None:
    """Walk the whole context: no value of a personal column, no person id."""
    people = demo_ev.evidence.tables["participants"]
    sat = demo_ev.evidence.tables["satisfaction"].copy()
    first = people.iloc[0]
    sat["comment"] = pd.array([f"我是{first['name']}，电话{first['phone']}，身份证"
                               f"{first['id_number']}"] * len(sat), dtype="string")
    ev = _name_breakdown(rh.with_table(demo_ev, "satisfaction", sat))
    ctx = build_context(ev)
    personal = set()
    for col in ("name", "phone", "id_number"):
        personal |= {str(v) for v in people[col].dropna().astype(str).unique()}
    ids = {str(v) for v in people["worker_id"].dropna().unique()}
    texts = strings(ctx)
    assert not [s for s in texts for p in personal if p in s][:3]
    assert not ids & set(texts)
    i6 = next(r for r in ctx["indicators"] if r["id"] == "I6")
    assert all(b["disaggregation"] != "name" for b in i6["breakdown"])
    assert ctx["voices"] is not None and "我是***，电话***，身份证***" in ctx["voices"]["items"]


def _three_groups(ev: Any) -> Any:
    ind = ev.indicators
    total = ind[(ind["indicator_id"] == "I6") & (ind["period"] == "total")].iloc[[0]]
    rows = [total.assign(disaggregation="gender", category=c, n=n, actual=a)
            for c, n, a in (("female", 3, 66.667), ("male", 150, 93.5), ("other", 67, 91.0))]
    frame = pd.concat([ind.astype({"disaggregation": object, "category": object}), *rows],
                      ignore_index=True)
    return dataclasses.replace(ev, indicators=frame)


def test_complementary_suppression_in_breakdown(demo_ev: Any) -> None:
    """One hidden category next to a shown total: the next-smallest category is hidden too."""
    ctx = build_context(_three_groups(demo_ev))
    i6 = next(r for r in ctx["indicators"] if r["id"] == "I6")
    cells = {b["category"]: b for b in i6["breakdown"]}
    assert cells["female"]["actual"] == "<5" and cells["female"]["n"] == "<5"
    assert cells["other"]["actual"] == "<5" and cells["other"]["n"] == "<5"
    assert cells["male"]["actual"] == pytest.approx(93.5) and cells["male"]["n"] == 150
    assert i6["n"] == 220


def test_everything_from_people_hidden_above_the_sample_size(demo_ev: Any) -> None:
    """Threshold above the sample size: no people count, mean, CI bound or effect size is
    left as a number anywhere in the context; activity counts (service log) stay."""
    ev = rh.with_threshold(demo_ev, 100_000)
    from evalkit.report.ledger import ledger

    ctx = build_context(ev)
    book = ledger(ev)
    assert book.effects == set(demo_ev.effects)
    assert set(book.indicators) == {"I6", "I7"}
    left = {round(v, 6) for _, v in numbers(ctx)}
    for oid, result in demo_ev.effects.items():
        for value in (result.estimate, result.se, *result.ci):
            assert round(float(value), 6) not in left, (oid, value)
    assert ctx["value"]["participants"] == "<100000"
    assert ctx["value"]["sroi"]["ratio"] == "<100000"
    assert ctx["scorecard"]["total"] == "<100000"
    assert ctx["scorecard"]["grade"] is not None  # the grade (a decision) stays
    assert all(m["rows"] == "<100000" for m in ctx["missing"]
               if m["source"] in ("participants", "satisfaction"))
    i1 = next(r for r in ctx["indicators"] if r["id"] == "I1")
    assert i1["actual"] == 26 and not i1["suppressed"]  # 26 sessions: not people


def test_charts_leave_out_suppressed_figures(demo_ev: Any) -> None:
    pytest.importorskip("matplotlib")
    from evalkit.report.charts import build_charts

    ev = rh.with_threshold(demo_ev, 100_000)
    charts = build_charts(ev, build_context(ev), lang="en", fmt="svg")
    assert charts["tornado"] is None  # the SROI ratio is built from hidden effects
    assert charts["prepost"] == {} and charts["event_study"] == {}
    # a suppressed indicator is labelled "<k" in the indicator chart, not drawn as 0 %
    assert "&lt;100000" in str(charts["indicators"])


def test_pass_does_not_modify_its_input(demo_ev: Any) -> None:
    from evalkit.report.disclosure import disclose

    ctx = build_context(rh.with_threshold(demo_ev, 100_000))
    before = repr(ctx)
    disclose(ctx, rh.with_threshold(demo_ev, 100_000))
    assert repr(ctx) == before
