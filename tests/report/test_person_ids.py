"""One rule for which columns identify a person: the privacy layer's
(:func:`evalkit.data.privacy.identifying_columns` / ``person_id_columns``). The report keeps
no copy of the list, and hides every column that rule names: a personal column is dropped
from every table, a table holding a person id is not shown at all."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import evalkit as ek
from evalkit.data import privacy
from evalkit.model import privacy_rules
from evalkit.report import context
from evalkit.report.plain import table

REPORT = Path(context.__file__).parent


def test_the_report_keeps_no_copy_of_the_person_id_list() -> None:
    assert not hasattr(context, "PERSON_ID_COLUMNS")
    assert privacy.PERSON_ID_COLUMNS is privacy_rules.PERSON_ID_COLUMNS
    literals = []
    for path in sorted(REPORT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in privacy.PERSON_ID_COLUMNS:
                literals.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert not literals, literals


@pytest.fixture(scope="module", params=["workers_home", "zhongshan_linkage"])
def evaluation(request: pytest.FixtureRequest) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ek.evaluate(ek.load_project(ek.datasets.path(request.param) / "project.yaml"))


def test_report_rules_cover_every_identifying_column(evaluation: Any) -> None:
    rules = context.disclosure_rules(evaluation)
    ident = privacy.identifying_columns(evaluation.project)
    assert rules.person_ids == privacy.person_id_columns(evaluation.project)
    assert set(ident) == rules.personal | rules.person_ids
    assert {"worker_id"} <= rules.person_ids  # a usual id name, whatever the project says


def test_the_report_hides_every_identifying_column(evaluation: Any) -> None:
    """A table with any column the privacy layer names never shows that column."""
    rules = context.disclosure_rules(evaluation)
    ident = privacy.identifying_columns(evaluation.project)
    assert ident
    for column, why in ident.items():
        frame = pd.DataFrame({column: ["张三", "李四"], "group": ["a", "b"], "n": [10, 12]})
        out = table(frame, rules)
        if why == "a person id":
            assert out is None, column
        else:
            assert out is not None and column not in out["columns"], column


def test_a_project_specific_id_is_hidden_too(evaluation: Any) -> None:
    """The unit of a pre/post outcome is a person id even with an unusual name."""
    units = {str(oc.unit) for oc in evaluation.project.outcomes
             if oc.unit and oc.design == "prepost"}
    assert units <= context.disclosure_rules(evaluation).person_ids
