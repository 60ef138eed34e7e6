"""Disclosure control: small cells shown as "<5", personal columns never rendered."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import report_helpers as rh

from evalkit.data.privacy import (
    drop_personal,
    personal_values,
    redact_text,
    small_cell,
    suppress,
    suppress_frame,
)
from evalkit.report.context import build_context


def test_helpers() -> None:
    assert suppress(3.5, 4, 5) == "<5"
    assert suppress(3.5, 5, 5) == 3.5
    assert suppress(0.0, 0, 5) == 0.0  # empty cell: nothing to hide
    assert small_cell(10) == "<10"
    frame = pd.DataFrame({"group": ["a", "b"], "n": [3, 40], "mean": [2.5, 3.1]})
    out = suppress_frame(frame, n_column="n", value_columns=["mean", "n"], threshold=5)
    assert out["mean"].tolist() == ["<5", 3.1] and out["n"].tolist() == ["<5", 40]
    assert frame["mean"].tolist() == [2.5, 3.1]  # input untouched
    assert list(drop_personal(frame, {"group"}).columns) == ["n", "mean"]
    assert redact_text("谢谢张三，电话 13900001111", {"张三", "13900001111"}) == "谢谢***，电话 ***"


def _participants(ev: Any) -> pd.DataFrame:
    return ev.evidence.tables["participants"]


def test_no_personal_value_in_any_output(demo_ev: Any, texts: dict[str, str]) -> None:
    people = _participants(demo_ev)
    secrets = set()
    for col in ("name", "phone", "id_number"):
        secrets |= {str(v) for v in people[col].dropna().astype(str).unique()}
    assert len(secrets) > 100
    for name, text in texts.items():
        found = sorted(s for s in secrets if s in text)
        assert not found, (name, found[:5])


def _tables(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if "columns" in value and "records" in value else []
        return found + [t for v in value.values() for t in _tables(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tables(v)]
    return []


def test_personal_columns_not_in_context(demo_ev: Any) -> None:
    ctx = build_context(demo_ev)
    personal = demo_ev.project.personal_columns()
    tables = _tables(ctx)
    assert tables
    for table in tables:
        assert not personal & set(table["columns"])
    assert all("name" not in m["columns"] for m in ctx["missing"])


def test_names_in_comments_are_masked(demo_ev: Any, tmp_path: Path) -> None:
    people = _participants(demo_ev)
    name, phone = str(people["name"].iloc[0]), str(people["phone"].iloc[0])
    sat = demo_ev.evidence.tables["satisfaction"].copy()
    sat["comment"] = pd.array([f"感谢社工，我是{name}，电话{phone}"] * len(sat), dtype="string")
    ev = rh.with_table(demo_ev, "satisfaction", sat)
    page = ev.render(tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    assert name not in page and phone not in page
    assert "感谢社工，我是***，电话***" in page
    assert personal_values(ev.evidence.tables, {"name"}) >= {name}


def test_small_indicator_cell_is_suppressed(demo_ev: Any, tmp_path: Path) -> None:
    ind = demo_ev.indicators.copy()
    row = ind.index[ind["indicator_id"] == "I6"][0]
    ind.loc[row, "n"] = 3
    ind.loc[row, "actual"] = 66.666
    ev = dataclasses.replace(demo_ev, indicators=ind)
    page = ev.render(tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    block = page.split('<tr id="ind-I6">', 1)[1].split("</tr>", 1)[0]
    assert "&lt;5" in block and "66.67" not in block


def test_small_effect_and_group_means_are_suppressed(demo_ev: Any, tmp_path: Path) -> None:
    small = rh.fake_effect("wellbeing", estimate=0.9, lo=0.1, hi=1.7, p=0.03, n=4,
                           design="pre_post", level=2, label=("职工幸福感", "wellbeing"))
    means = pd.DataFrame({"group": ["service", "comparison"], "n": [4, 120],
                          "mean": [4.123, 2.987]})
    ev = dataclasses.replace(demo_ev, effects={"wellbeing": small},
                             details={"wellbeing": {"means": means}})
    ctx = build_context(ev)
    effect = ctx["effects"][0]
    assert effect["suppressed"] and effect["estimate"] == "<5" and effect["ci"] == "<5"
    # a suppressed effect loses its whole data-quality block, group means included
    assert effect["details"] == {} and effect["supporting"] == []
    page = ev.render(tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert "4.12" not in page and "+0.90" not in page


def test_per_person_tables_are_never_shown(demo_ev: Any) -> None:
    people = pd.DataFrame({"worker_id": [f"W{i:04d}" for i in range(50)],
                           "change": [0.1] * 50})
    ev = dataclasses.replace(demo_ev, details={
        oid: {**dict(d), "rci": {"people": people}} for oid, d in
        {k: demo_ev.details.get(k, {}) for k in demo_ev.effects}.items()})
    ctx = build_context(ev)
    assert "W0001" not in repr(ctx)


def _with_breakdown(ev: Any) -> Any:
    ind = ev.indicators
    total = ind[(ind["indicator_id"] == "I6") & (ind["period"] == "total")].iloc[[0]].copy()
    rows = []
    for category, n, actual in (("female", 3, 66.667), ("male", 40, 93.5)):
        row = total.copy()
        if "disaggregation" in row.columns:
            row["disaggregation"] = "gender"
            row["category"] = category
        else:
            row = row.assign(disaggregation="gender", category=category)
        row["n"] = n
        row["actual"] = actual
        rows.append(row)
    frame = pd.concat([ind, *rows], ignore_index=True)
    if "disaggregation" in ind.columns:
        frame["disaggregation"] = frame["disaggregation"].astype(object)
    return dataclasses.replace(ev, indicators=frame)


def test_small_group_in_breakdown_is_suppressed(demo_ev: Any) -> None:
    ctx = build_context(_with_breakdown(demo_ev))
    i6 = next(r for r in ctx["indicators"] if r["id"] == "I6")
    cells = {b["category"]: b for b in i6["breakdown"]}
    assert cells["female"]["actual"] == "<5" and cells["female"]["n"] == "<5"
    # complementary suppression: with the total shown, the other cell would reveal it
    assert cells["male"]["actual"] == "<5" and cells["male"]["n"] == "<5"
    assert not i6["suppressed"]


def test_activity_counts_are_not_suppressed(demo_ev: Any) -> None:
    """A service log counts sessions, not people: a quarter with 3 sessions shows 3."""
    ind = demo_ev.indicators.copy()
    row = ind.index[(ind["indicator_id"] == "I1") & (ind["period"] == "total")][0]
    ind.loc[row, "n"] = 3
    ind.loc[row, "actual"] = 3.0
    ctx = build_context(dataclasses.replace(demo_ev, indicators=ind))
    i1 = next(r for r in ctx["indicators"] if r["id"] == "I1")
    assert i1["actual"] == 3 and not i1["suppressed"]
