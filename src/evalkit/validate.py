"""Find every problem in a project's specification and data (``evalkit validate``).

Unlike :func:`evalkit.load_project` and :func:`evalkit.evaluate`, which stop at the first
error, :func:`validate_project` keeps going and returns every problem it can find: spec
problems (with YAML paths; the scorecard, cadence and contract cross-checks included), each
data file separately, the checks that catch silent miscounts (:mod:`evalkit.assess.miscounts`:
errors are problems, warnings are issued as :class:`~evalkit.errors.EvalkitWarning`), the
logic model's structure, and — when all of those pass — the estimate
and assess stages run on the data already checked (each file is read once).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError, EvalkitWarning

__all__ = ["validate_project"]


def _lines(exc: EvalkitError) -> list[str]:
    if exc.problems:
        prefix = exc.message.split(":", 1)[0]
        return [f"{prefix}: {p}" for p in exc.problems]
    return [exc.one_line()]


def _miscounts(project: Any, tables: dict[str, Any], found: list[str]) -> list[str]:
    """Silent-miscount checks (:mod:`evalkit.assess.miscounts`) on the tables that loaded:
    errors are returned as problems, warnings issued as :class:`EvalkitWarning`.

    A header with stray spaces that hides a declared column is already a loading problem
    (``found``, which names the fix); it is not reported twice.
    """
    from evalkit.assess.miscounts import intake_checks

    out = []
    for check in intake_checks(project, tables):
        file = str(check.where).split(":", 1)[0]
        if check.key == "header_variant" and any(
                p.startswith(file) and "not found" in p for p in found):
            continue
        if check.level == "error":
            out.append(str(check))
        else:
            warnings.warn(str(check), EvalkitWarning, stacklevel=3)
    return out


def validate_project(path: str | Path, *, allow_outside: bool = False) -> list[str]:
    """Every problem found in the project at ``path`` (an empty list when it is valid).

    ``allow_outside`` lets data files lie outside the project folder (see
    :func:`evalkit.load_project`).

    Examples
    --------
    >>> import evalkit as ek
    >>> from evalkit.validate import validate_project
    >>> validate_project(ek.datasets.path("workers_home") / "project.yaml")
    []
    """
    from evalkit.assess.value_labels import unlabelled_values
    from evalkit.data.load import Evidence, load_source
    from evalkit.estimate.pipeline import outcome_problems
    from evalkit.evaluation import evaluate_evidence
    from evalkit.model.labels import undeclared_columns
    from evalkit.model.logic_model import validate_project_logic_model
    from evalkit.project import load_project

    try:
        project = load_project(path, allow_outside=allow_outside)
    except EvalkitError as exc:
        return _lines(exc)
    problems: list[str] = []
    tables = {}
    for name in project.data:  # every file, every problem of each (capped per column)
        table, found, _content = load_source(project, name)
        problems.extend(found)
        if table is not None:
            tables[name] = table
    problems.extend(outcome_problems(project, tables))
    problems.extend(undeclared_columns(project, tables))
    problems.extend(unlabelled_values(project, tables))
    problems.extend(_miscounts(project, tables, problems))
    try:
        problems.extend(validate_project_logic_model(project))
    except EvalkitError as exc:
        problems.extend(_lines(exc))
    if not problems:  # the estimate and assess stages, on the tables checked above
        try:
            evaluate_evidence(project, Evidence(tables=tables))
        except EvalkitError as exc:
            problems.extend(_lines(exc))
    return problems
