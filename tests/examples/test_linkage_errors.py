"""Malformed sites/analytics in project.yaml or data: clear evalkit errors naming the place."""

from __future__ import annotations

import shutil

import pytest

import evalkit as ek


@pytest.fixture()
def zs_copy(tmp_path):
    target = tmp_path / "zs"
    shutil.copytree(ek.datasets.path("zhongshan_linkage"), target)
    return target


def _edit(folder, old, new, file="project.yaml"):
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_source_and_level(zs_copy):
    _edit(zs_copy, "    needs_source: needs\n", "    needs_source: survey\n")
    _edit(zs_copy, "    level: station\n    required:", "    level: township\n    required:")
    with pytest.raises(ek.SpecError) as info:
        ek.load_project(zs_copy / "project.yaml")
    text = str(info.value)
    assert "analytics.needs_match.needs_source: unknown data source 'survey'" in text
    assert "analytics.coverage.level: site level 'township' is not declared" in text


def test_row_with_unknown_site(zs_copy):
    path = zs_copy / "data" / "needs.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = "R0001,T9P1,legal_aid"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ek.DataError, match=r"names site 'T9P1', which is not in sites\.tree"):
        ek.evaluate(ek.load_project(zs_copy / "project.yaml"))


def test_volunteer_leaving_before_joining(zs_copy):
    path = zs_copy / "data" / "volunteers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    parts = lines[1].split(",")
    parts[3], parts[4] = "2025-06-01", "2025-05-01"
    lines[1] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ek.DataError, match="left on 2025-05-01 before joining on 2025-06-01"):
        ek.evaluate(ek.load_project(zs_copy / "project.yaml"))


def test_site_tree_problem_has_yaml_path(zs_copy):
    _edit(zs_copy, "            - {id: T1P1, level: point", "            - {id: T2, level: point")
    with pytest.raises(ek.SpecError, match="site id 'T2' is used more than once"):
        ek.load_project(zs_copy / "project.yaml")
