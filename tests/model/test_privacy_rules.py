"""A personal or person-id column can never become report output (issue 10, Privacy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import evalkit as ek


def _load(folder: Path, edit: Any) -> ek.Project:
    file = folder / "project.yaml"
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    edit(raw)
    file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return ek.load_project(file)


def _indicator(raw: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(i for i in raw["indicators"] if i["id"] == ident)


def _problems(folder: Path, edit: Any) -> list[str]:
    with pytest.raises(ek.SpecError) as info:
        _load(folder, edit)
    return list(info.value.problems)


def test_personal_disaggregation_is_refused(example_copy: Path) -> None:
    """Today a ``name`` disaggregation prints every participant's name."""
    problems = _problems(example_copy,
                         lambda r: _indicator(r, "I6").update(disaggregations=["name"]))
    assert any(p.startswith("indicators[5].disaggregations[0]: column 'name' is personal data")
               for p in problems), problems


def test_person_id_disaggregation_is_refused(example_copy: Path) -> None:
    problems = _problems(example_copy, lambda r: _indicator(r, "I6").update(
        disaggregations=["respondent_id"]))
    assert any("indicators[5].disaggregations[0]: column 'respondent_id' is a person id" in p
               for p in problems), problems


def test_column_declared_personal_in_data_docs_is_refused(example_copy: Path) -> None:
    def edit(raw: dict[str, Any]) -> None:
        raw["privacy"]["personal_columns"] = []  # only `personal: true` in the data docs
        raw["data"]["satisfaction"]["columns"]["comment"]["personal"] = True
        raw["report"] = {"voices": {"source": "satisfaction", "column": "comment"}}

    problems = _problems(example_copy, edit)
    assert any(p.startswith("report.voices.column: column 'comment' is personal data")
               for p in problems), problems


def test_personal_voice_column_is_refused(example_copy: Path) -> None:
    problems = _problems(example_copy, lambda r: r.update(
        report={"voices": {"source": "participants", "column": "phone"}}))
    assert any(p.startswith("report.voices.column: column 'phone' is personal data")
               for p in problems), problems


def test_personal_filter_is_refused(example_copy: Path) -> None:
    def edit(raw: dict[str, Any]) -> None:
        _indicator(raw, "I6")["numerator"]["filter"] = {"name": "张三"}
        raw["cadence"][0]["filter"] = {"worker_id": "W0001"}

    problems = _problems(example_copy, edit)
    assert any(p.startswith("indicators[5].numerator.filter.name: column 'name' is personal")
               for p in problems), problems
    assert any(p.startswith("cadence[0].filter.worker_id: column 'worker_id' is a person id")
               for p in problems), problems


def test_counting_people_by_id_is_allowed(example_copy: Path) -> None:
    """``distinct: worker_id`` prints a count, not an id: still valid."""
    project = _load(example_copy, lambda r: None)
    assert project.value is not None and project.value.participants is not None
    assert project.value.participants.compute is not None
    assert project.value.participants.compute.distinct == "worker_id"


def test_validate_lists_the_problem(example_copy: Path) -> None:
    from evalkit.validate import validate_project

    _indicator_edit = {"disaggregations": ["name", "gender"]}
    file = example_copy / "project.yaml"
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    _indicator(raw, "I7").update(_indicator_edit)
    file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = validate_project(file)
    assert len(problems) == 1 and "indicators[6].disaggregations[0]: column 'name'" in \
        problems[0], problems
