"""Issue 12: every id that reaches a report has a zh/en label; a missing one is a validation
error naming the YAML path, all listed at once (not a silent fallback to the raw id)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import evalkit as ek
from evalkit.errors import SpecError
from evalkit.validate import validate_project


@pytest.mark.parametrize("name", ek.datasets.list())
def test_every_bundled_example_has_its_labels(name: str) -> None:
    project = ek.load_project(ek.datasets.path(name) / "project.yaml")
    for source in project.data.values():
        assert source.description is not None
        for col, spec in source.columns.items():
            assert spec.description is not None or spec.personal or \
                col in project.privacy.personal_columns, col


def _problems(spec: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        ek.load_project(spec)
    return list(info.value.problems or [])


def test_missing_column_and_source_labels_are_named_all_at_once(example_copy: Path) -> None:
    spec = example_copy / "project.yaml"
    text = spec.read_text(encoding="utf-8")
    for old in (
        "        description: {zh: 活动类型, en: Activity type}\n",
        "      disputes_per_100: {type: number, description: {zh: 每百名职工劳动争议数, en: "
        "Labour disputes per 100 workers}}",
        "    description: {zh: 预算与支出, en: Budget lines and spending}\n",
        # a personal column needs no label: it never reaches a report
        "      phone: {type: string, personal: true, description: {zh: 手机号, en: Phone}}",
    ):
        assert old in text, old
    text = (text.replace("        description: {zh: 活动类型, en: Activity type}\n", "")
            .replace("disputes_per_100: {type: number, description: {zh: 每百名职工劳动争议数, en: "
                     "Labour disputes per 100 workers}}", "disputes_per_100: {type: number}")
            .replace("    description: {zh: 预算与支出, en: Budget lines and spending}\n", "")
            .replace("phone: {type: string, personal: true, description: {zh: 手机号, en: Phone}}",
                     "phone: {type: string, personal: true}"))
    spec.write_text(text, encoding="utf-8")
    problems = _problems(spec)
    where = sorted(p.split(":", 1)[0] for p in problems)
    assert where == ["data.budget.description",
                     "data.panel.columns.disputes_per_100.description",
                     "data.service_log.columns.activity_type.description"], problems
    assert all("missing" in p and "{zh:" in p for p in problems)
    # evalkit validate lists the same lines
    assert len(validate_project(spec)) == 3


def test_site_level_and_subgroup_names_need_labels(tmp_path: Path) -> None:
    spec = tmp_path / "project.yaml"
    spec.write_text("""\
project: {id: p, name: 项目, purchaser: 工会, provider: 机构, period: {start: 2025-01-01, end: 2025-12-31}}
data:
  log: {file: log.csv, description: 台账, columns: {site: {type: string, description: 站点}}}
sites:
  levels: [centre, hamlet]
  tree: [{id: C, level: centre, name: 中心, children: [{id: H1, level: hamlet}]}]
analytics:
  cycle: {source: log, gates: [{stage: design}, {stage: kickoff}]}
""", encoding="utf-8")
    (tmp_path / "log.csv").write_text("site\nC\n", encoding="utf-8")
    problems = _problems(spec)
    where = sorted(p.split(":", 1)[0] for p in problems)
    assert where == ["analytics.cycle.gates[1].stage", "sites.levels[1]",
                     "sites.tree[0].children[0].name"], problems
    assert "'hamlet'" in " ".join(problems) and "town" in " ".join(problems)


def test_undeclared_column_a_report_would_print_is_a_validate_problem(
        example_copy: Path) -> None:
    log = example_copy / "data" / "service_log.csv"
    frame = pd.read_csv(log)
    frame["room"] = ["A"] + [None] * (len(frame) - 1)
    frame.to_csv(log, index=False)
    problems = validate_project(example_copy / "project.yaml")
    assert [p for p in problems if "data.service_log.columns.room: not declared" in p], problems


def test_a_column_header_is_its_label(tmp_path: Path) -> None:
    spec = tmp_path / "project.yaml"
    spec.write_text("""\
project: {id: p, name: 项目, purchaser: 工会, provider: 机构, period: {start: 2025-01-01, end: 2025-12-31}}
data:
  survey:
    file: s.csv
    description: 问卷
    columns: {q3: {header: "3、我对目前的生活感到满意", type: integer}, q4: {type: integer}}
""", encoding="utf-8")
    (tmp_path / "s.csv").write_text("3、我对目前的生活感到满意,q4\n1,2\n", encoding="utf-8")
    problems = _problems(spec)
    assert [p.split(":", 1)[0] for p in problems] == ["data.survey.columns.q4.description"]
    text = spec.read_text(encoding="utf-8").replace("q4: {type: integer}",
                                                     "q4: {type: integer, description: 第四题}")
    spec.write_text(text, encoding="utf-8")
    label = ek.load_project(spec).data["survey"].columns["q3"].description
    assert label is not None and label.zh == "我对目前的生活感到满意"


def test_category_value_without_a_label_is_a_problem_naming_its_yaml_path(
        tmp_path: Path) -> None:
    """A needs category or a coverage value printed by a report needs a zh/en label."""
    import shutil

    folder = tmp_path / "zs"
    shutil.copytree(ek.datasets.path("zhongshan_linkage"), folder)
    spec = folder / "project.yaml"
    text = spec.read_text(encoding="utf-8")
    need = ("      need:\n        type: string\n"
            "        description: {zh: 最需要的服务, en: Most needed service category}\n"
            "        values:\n          wage_arrears: {zh: 欠薪讨薪, en: Wage arrears}\n")
    assert need in text and "          education: {zh: 教育, en: Education}\n" in text
    spec.write_text(text.replace(need, need.replace(
        "          wage_arrears: {zh: 欠薪讨薪, en: Wage arrears}\n", "")), encoding="utf-8")
    problems = validate_project(spec)  # found in the data: evalkit validate
    assert any(p.startswith("data.needs.columns.need.values.wage_arrears: missing")
               for p in problems), problems
    spec.write_text(text.replace("          education: {zh: 教育, en: Education}\n", ""),
                    encoding="utf-8")
    problems = _problems(spec)  # listed in project.yaml: load_project
    assert any(p.startswith("data.service_log.columns.content.values.education: missing")
               for p in problems), problems
