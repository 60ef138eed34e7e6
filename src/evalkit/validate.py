"""Find every problem in a project's specification and data (``evalkit validate``).

Unlike :func:`evalkit.load_project` and :func:`evalkit.evaluate`, which stop at the first
error, :func:`validate_project` keeps going and returns every problem it can find: spec
problems (with YAML paths; the scorecard, cadence and contract cross-checks included), each
data file separately, the logic model's structure, and — when all of those pass — the estimate
and assess stages run on the data already checked (each file is read once).
"""

from __future__ import annotations

from pathlib import Path

from evalkit.errors import EvalkitError

__all__ = ["validate_project"]


def _lines(exc: EvalkitError) -> list[str]:
    if exc.problems:
        prefix = exc.message.split(":", 1)[0]
        return [f"{prefix}: {p}" for p in exc.problems]
    return [exc.one_line()]


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
    from evalkit.data.load import Evidence, _check_source, read_table
    from evalkit.evaluation import evaluate_evidence
    from evalkit.model.logic_model import validate_project_logic_model
    from evalkit.project import load_project

    try:
        project = load_project(path, allow_outside=allow_outside)
    except EvalkitError as exc:
        return _lines(exc)
    problems: list[str] = []
    tables = {}
    for name, source in project.data.items():
        file = project.data_path(name)
        try:
            tables[name] = _check_source(name, source, read_table(file, sheet=source.sheet), file)
        except EvalkitError as exc:
            problems.extend(_lines(exc))
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
