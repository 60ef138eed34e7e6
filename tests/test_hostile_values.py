"""Values that would flip a verdict without an error (issue 10).

Each test edits a copy of the bundled example so that one value is hostile (NaN, infinity, a
boolean for a number, an impossible or far-away date, a duplicate YAML key, a rating outside
its item's range, a non-finite spending cell …) and asserts a clear :class:`EvalkitError`
naming the place — never a silently different verdict, a raw traceback or a hang.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evalkit as ek
from evalkit.errors import DataError, SpecError


def _edit(folder: Path, old: str, new: str, file: str = "project.yaml") -> Path:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder / "project.yaml"


def _spec_error(folder: Path, *fragments: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        ek.load_project(folder / "project.yaml")
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
    return info.value


C2_TARGET = '      operator: ">="\n      target: 90'


# ---- numbers in project.yaml ---------------------------------------------------------------

def test_nan_criterion_target_is_refused(example_copy: Path) -> None:
    # before: "not met" for the mandatory C2, verdict accepted_with_conditions -> rejected
    _edit(example_copy, C2_TARGET, '      operator: ">="\n      target: .nan')
    _spec_error(example_copy, "contract.criteria[1].target", "finite")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".NaN"])
def test_non_finite_weight_is_refused(example_copy: Path, value: str) -> None:
    _edit(example_copy, "      weight: 2\n      evidence: [{type: visit",
          f"      weight: {value}\n      evidence: [{{type: visit")
    _spec_error(example_copy, "contract.criteria[2].weight")


def test_nan_cadence_minimum_is_a_spec_error(example_copy: Path) -> None:
    _edit(example_copy, "    per: week                        # Monday-Sunday; partial "
          "first/last weeks prorated\n    min: 2", "    per: week\n    min: .nan")
    _spec_error(example_copy, "cadence[0].min", "finite")


def test_boolean_target_is_not_read_as_one(example_copy: Path) -> None:
    _edit(example_copy, "    target: 24\n    targets", "    target: true\n    targets")
    _spec_error(example_copy, "indicators[0].target", "expected a number")


def test_boolean_in_a_number_mapping_is_refused(example_copy: Path) -> None:
    _edit(example_copy, "purchaser: 0.4,", "purchaser: true,")
    _spec_error(example_copy, "scorecard.raters", "expected a number")


def test_huge_number_is_refused(example_copy: Path) -> None:
    _edit(example_copy, "  amount: 300000\n", "  amount: 1.0e+308\n")
    _spec_error(example_copy, "contract.amount", "1e+15")


def test_percentage_target_above_100_is_refused(example_copy: Path) -> None:
    _edit(example_copy, "    baseline: 80\n    target: 90", "    baseline: 80\n    target: 900")
    _spec_error(example_copy, "indicators[5].target", "allow_over_100")


def test_percentage_target_above_100_can_be_declared(example_copy: Path) -> None:
    _edit(example_copy, "    baseline: 80\n    target: 90",
          "    baseline: 80\n    target: 120\n    allow_over_100: true")
    project = ek.load_project(example_copy / "project.yaml")
    assert project.indicators[5].target == 120


def test_percentage_criterion_target_above_100_is_refused(example_copy: Path) -> None:
    _edit(example_copy, C2_TARGET, '      operator: ">="\n      target: 900')
    _spec_error(example_copy, "contract.criteria[1].target", "percentage")


# ---- dates ---------------------------------------------------------------------------------

def test_year_typo_is_refused_quickly(example_copy: Path) -> None:
    # before: evalkit validate ran for minutes (3,600 quarters of indicator values)
    _edit(example_copy, "end: 2025-12-31}", "end: 2925-12-31}")
    _spec_error(example_copy, "project.period.end", "2100")


def test_year_typo_in_a_contract_deadline(example_copy: Path) -> None:
    _edit(example_copy, "    deadline_days: 30", "    deadline: 1025-01-31")
    _spec_error(example_copy, "contract.rules.deadline", "1990")


def test_impossible_date_names_the_yaml_path(example_copy: Path) -> None:
    _edit(example_copy, "end: 2025-12-31}", "end: 2025-02-30}")
    _spec_error(example_copy, "project.period.end", "2025-02-30")


def test_nul_byte_in_a_data_path(example_copy: Path) -> None:
    _edit(example_copy, "file: data/budget.csv", 'file: "data/bud\\0get.csv"')
    _spec_error(example_copy, "data.budget.file", "control character")


# ---- duplicate keys ------------------------------------------------------------------------

def test_duplicate_top_level_key_names_both_lines(example_copy: Path) -> None:
    text = (example_copy / "project.yaml").read_text(encoding="utf-8")
    first = text.splitlines().index("indicators:") + 1
    (example_copy / "project.yaml").write_text(text + "\nindicators: []\n", encoding="utf-8")
    second = len((text + "\nindicators: []\n").splitlines())
    _spec_error(example_copy, "duplicate key 'indicators'", f"line {first}", f"line {second}")


def test_duplicate_nested_key(example_copy: Path) -> None:
    _edit(example_copy, "  currency: CNY\n", "  currency: CNY\n  currency: USD\n")
    _spec_error(example_copy, "duplicate key 'currency'")


# ---- ratings -------------------------------------------------------------------------------

def test_nan_rating_is_not_zero_points(example_copy: Path) -> None:
    # before: D1.1 scored 0 from the purchaser, total grade 优秀 -> 良好
    _edit(example_copy, "      D1.1: 8", "      D1.1: .nan")
    _spec_error(example_copy, "scorecard.ratings.purchaser.D1.1")


@pytest.mark.parametrize("value", ["500", "-3", "10.5"])
def test_rating_outside_the_item_range(example_copy: Path, value: str) -> None:
    # before: 500 was silently capped at the item's 10 points
    _edit(example_copy, "      D1.1: 8", f"      D1.1: {value}")
    _spec_error(example_copy, "scorecard.ratings.purchaser.D1.1", "0 to 10")


def test_rating_in_a_mapping_is_checked(example_copy: Path) -> None:
    _edit(example_copy, "      C1.2: 4.5", "      C1.2: {value: 50, reason: typo}")
    _spec_error(example_copy, "scorecard.ratings.community.C1.2", "0 to 5")


def test_rating_passed_to_score_scorecard_is_checked(example_project: ek.Project) -> None:
    from evalkit.assess.scorecard import score_scorecard

    assert example_project.scorecard is not None
    with pytest.raises(SpecError, match=r"ratings\.purchaser\.D1\.1.*0 to 10"):
        score_scorecard(example_project.scorecard,
                        ratings={"purchaser": {"D1.1": 500}})


# ---- spending ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["NaN", "", "inf"])
def test_spending_cell_that_is_not_a_number(example_copy: Path, cell: str) -> None:
    # before: "NaN" was read as missing and showed 0% execution for the line
    _edit(example_copy, "Materials and publicity,materials,18000,17350",
          f"Materials and publicity,materials,18000,{cell}", file="data/budget.csv")
    project = ek.load_project(example_copy / "project.yaml")
    with pytest.raises(DataError) as info:
        ek.evaluate(project)
    assert "spent" in str(info.value)
    assert "budget.csv" in str(info.value)


def test_absurd_spending_is_refused(example_copy: Path) -> None:
    # before: execution rate printed with 300 digits
    _edit(example_copy, "Materials and publicity,materials,18000,17350",
          "Materials and publicity,materials,18000,1e308", file="data/budget.csv")
    project = ek.load_project(example_copy / "project.yaml")
    with pytest.raises(DataError, match=r"budget\.csv.*'spent'.*1e\+308"):
        ek.evaluate(project)


def test_absurd_spending_passed_as_a_frame_is_refused() -> None:
    import pandas as pd

    from evalkit.assess.value import budget_table
    from evalkit.model.value import BudgetSource

    frame = pd.DataFrame({"line_id": ["B1", "B2"], "budget": [100.0, 1e300],
                          "spent": [1e308, 50.0], "category": ["staff", "staff"]})
    with pytest.raises(DataError) as info:
        budget_table(frame, BudgetSource(source="budget", line="line_id", budget="budget",
                                         spent="spent"))
    assert "'spent'" in str(info.value) and "1e+308 at row 0" in str(info.value)


@pytest.mark.parametrize(("cell", "fragment"), [(500, "0 to 10"), ("nan", "0 to 10"),
                                                ("inf", "0 to 10")])
def test_rating_cell_in_a_scorecard_sheet(tmp_path: Path, cell: object, fragment: str) -> None:
    import openpyxl

    from evalkit.data.excel import read_scorecard_xlsx

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["一级指标", "二级指标", "分值", "得分"])
    ws.append(["管理", "档案", 10, cell])
    ws.append(["成效", "满意度", 90, 80])
    wb.save(tmp_path / "card.xlsx")
    with pytest.raises(DataError) as info:
        read_scorecard_xlsx(tmp_path / "card.xlsx")
    assert "row 2 column D (得分)" in str(info.value) and fragment in str(info.value)


def test_nan_points_cell_in_a_scorecard_sheet(tmp_path: Path) -> None:
    import openpyxl

    from evalkit.data.excel import read_scorecard_xlsx

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["一级指标", "二级指标", "分值"])
    ws.append(["管理", "档案", "nan"])
    wb.save(tmp_path / "card.xlsx")
    with pytest.raises(DataError, match=r"row 2 column C \(分值\): expected a finite number"):
        read_scorecard_xlsx(tmp_path / "card.xlsx")


def test_huge_number_in_a_data_file_is_refused_when_loaded(example_copy):
    """1e300 in a numeric data column is an error naming file, column and row at loading."""
    from evalkit.validate import validate_project

    panel = example_copy / "data" / "panel.csv"
    lines = panel.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("disputes_per_100")] = "1e300"
    lines[1] = ",".join(row)
    panel.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = validate_project(example_copy / "project.yaml")
    assert any("disputes_per_100" in p and "too large" in p and "row 2" in p for p in problems)


@pytest.mark.parametrize("value", [None, "", "text", "a\x07b", "tab\there", 0, -3, 10**15,
                                   10**15 + 1, -(10**16), 1.5, 1e15, 1.0000001e15,
                                   float("nan"), float("inf"), -float("inf"), True, False])
def test_plain_values_pass_the_hostile_check_without_their_annotation(value: object) -> None:
    # the validator's short way: a value it lets through has no problem under any annotation
    from typing import Any

    from evalkit.model.common import _hostile, _kinds, _plain_and_harmless

    if _plain_and_harmless(value):
        for annotation in (Any, int, float, str, bool, int | None, float | bool, list[float]):
            assert _hostile(value, _kinds(annotation)) is None
    else:
        assert value is not None and type(value) in (str, int, float, bool)
