"""Issue 13 (left from issue 12's session): per-site tables built from a service log count what
they say — each column's header says whether it counts people, activities or person-times —
and people counts below the disclosure threshold are hidden, with their complement in the
site tree (a parent minus the shown siblings would reveal the hidden one)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import evalkit as ek
from evalkit.report.analytics import analytics_record
from evalkit.report.plain import Disclosure


def _sites(ev: Any) -> dict[str, Any]:
    from evalkit.report.context import build_context

    return build_context(ev)["analytics"]["sites"]


@pytest.fixture(scope="module")
def zhongshan() -> Any:
    return ek.evaluate(ek.load_project(ek.datasets.path("zhongshan_linkage") / "project.yaml"))


def test_example_headers_say_what_is_counted(zhongshan: Any) -> None:
    sites = _sites(zhongshan)
    kinds = {i["id"]: i["counts"] for i in sites["indicators"]}
    # I1/I2/I4 count rows of the service log (one row per service), I3 sums attendances
    assert kinds == {"I1": "activities", "I2": "activities", "I3": "person_times",
                     "I4": "activities"}
    names = {i["id"]: i["name"] for i in sites["indicators"]}
    assert names["I1"]["zh"].endswith("（活动次数）") and names["I3"]["zh"].endswith("（人次）")
    assert names["I3"]["en"].endswith("(person-times)")
    # activity counts are not people: a contact point's single volunteer activity is shown
    log = pd.read_csv(ek.datasets.path("zhongshan_linkage") / "data" / "service_log.csv")
    one = log[log["activity_type"] == "volunteer_activity"].groupby("site").size()
    site = str(next(k for k, v in one.items() if v < 5 and len(str(k)) == 4))  # a point
    row = next(r for r in sites["rows"] if r["site"] == site)
    assert row["indicators"]["I4"]["actual"] == int(one[site])


def test_example_people_counts_from_a_roster_are_headed_people() -> None:
    ev = ek.evaluate(ek.load_project(ek.datasets.path("guangdong_workforce") / "project.yaml"))
    sites = _sites(ev)
    assert [i["counts"] for i in sites["indicators"]] == ["people"]
    assert sites["indicators"][0]["name"]["zh"].endswith("（人数）")


def test_constructed_distinct_people_per_site_are_hidden_with_complement(
        tmp_path: Path) -> None:
    folder = tmp_path / "zs"
    shutil.copytree(ek.datasets.path("zhongshan_linkage"), folder)
    log_path = folder / "data" / "service_log.csv"
    log = pd.read_csv(log_path)
    legal = log["activity_type"] == "legal_consultation"
    sites = sorted(log.loc[legal, "site"].unique())
    few = next(s for s in sites if len(s) == 4)  # a contact point: 2 people consulted there
    ids = [f"{s}-{k % (2 if s == few else 40)}" for k, s in enumerate(log["site"])]
    log["member_no"] = [i if is_legal else "" for i, is_legal in zip(ids, legal, strict=True)]
    log.to_csv(log_path, index=False)
    spec = folder / "project.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace(
        "      participants: {type: integer, description: {zh: 参与人次, en: Participants}}\n",
        "      participants: {type: integer, description: {zh: 参与人次, en: Participants}}\n"
        "      member_no: {type: string, description: {zh: 会员号, en: Member number}}\n", 1)
    text = text.replace(
        "  - id: I3\n",
        "  - id: I5\n    name: {zh: 咨询职工人数, en: Workers advised}\n    level: outputs\n"
        "    measure: count\n    source: service_log\n"
        "    compute: {filter: {activity_type: legal_consultation}, distinct: member_no}\n"
        "    target: 100\n"
        "  - id: I3\n", 1)
    spec.write_text(text, encoding="utf-8")
    ev = ek.evaluate(ek.load_project(spec))
    table = analytics_record(ev, Disclosure(threshold=5))["sites"]
    head = next(i for i in table["indicators"] if i["id"] == "I5")
    assert head["counts"] == "people" and head["name"]["zh"] == "咨询职工人数（人数）"
    rows = {r["site"]: r for r in table["rows"]}
    assert rows[few]["indicators"]["I5"]["actual"] == "<5"
    # its siblings under the same station: one more is hidden (the complement)
    pos = [r["site"] for r in table["rows"]].index(few)
    parent = next(r for r in reversed(table["rows"][:pos]) if r["depth"] == rows[few]["depth"] - 1)
    siblings = [r for r in table["rows"] if r["site"] != few and r["depth"] == rows[few]["depth"]
                and r["site"].startswith(parent["site"])]
    hidden = [r["site"] for r in siblings if (r["indicators"].get("I5") or {}).get("actual") == "<5"]
    assert len(hidden) == 1, [(r["site"], r["indicators"].get("I5")) for r in siblings]
    # activity counts of the same log stay shown (consultations at that point: rows, not people)
    assert rows[few]["indicators"]["I1"]["actual"] == int((legal & (log["site"] == few)).sum())
