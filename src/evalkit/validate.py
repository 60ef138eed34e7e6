"""Find every problem in a project's specification and data (``evalkit validate``).

Unlike :func:`evalkit.load_project` and :func:`evalkit.evaluate`, which stop at the first
error, :func:`validate_project` keeps going and returns every problem it can find: spec
problems (with YAML paths; the scorecard, cadence and contract cross-checks included), each
data file separately, the checks that catch silent miscounts (:mod:`evalkit.assess.miscounts`:
errors are problems, warnings are issued as :class:`~evalkit.errors.EvalkitWarning`), the
logic model's structure, and — when all of those pass — the estimate
and assess stages run on the data already checked (each file is read once).

What it prints obeys the project's own disclosure rules, like a report (:func:`guarded`):
no count of people below ``privacy.disclosure_threshold`` (written ``<k``) and no personal
value (a value of a personal column, or anything shaped like a phone, ID number or e-mail,
is written ``***``). Row numbers, column names and the rules themselves ("at least 2") stay,
so every problem can still be found and fixed.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError, EvalkitWarning

__all__ = ["guarded", "validate_project"]

#: a number that states a rule, not a count ("need at least 2 paired units")
_RULE = r"(?<!at least )(?<!at most )(?<!more than )(?<!fewer than )(?<!less than )(?<!至少)(?<!至少 )"
#: a count of people in a message: after a group word ("got treated 250, control 1") or
#: before a word for people or their records ("only 1 unit", "3 pairs", "2 rows", "3 人")
_PEOPLE_COUNT = re.compile(
    r"\b(?P<pre>(?:treated|control|comparison|served) )(?P<n1>\d+)\b(?![.,]\d)"
    r"|" + _RULE + r"(?<![\w.\[-])(?P<n2>\d+)(?P<post> (?:paired )?(?:units?|people|persons?|"
    r"pairs?|participants?|respondents?|workers?|members?|volunteers?|rows?|records?|"
    r"observations?)\b)"
    r"|" + _RULE + r"(?<![\w.\[-])(?P<n3>\d+)(?P<zh> ?(?:人|名|对|行|条记录))")
#: a quoted value in a message ('139-2648-3088')
_QUOTED = re.compile(r"'[^'\n]*'")


def guarded(project: Any, tables: dict[str, Any] | None = None) -> Callable[[str], str]:
    """A function that makes one line of ``evalkit validate`` safe to print under the
    project's disclosure rules: counts of people below the threshold become ``<k``; values of
    personal columns (those in ``tables``, and any quoted value in a line about a personal
    column) and phone / ID-number / e-mail shapes become ``***``.

    >>> import evalkit as ek
    >>> p = ek.load_project(ek.datasets.path("workers_home") / "project.yaml")
    >>> guarded(p)("got treated 250, control 1; column 'phone' found '139-2648-3088' at row 5")
    "got treated 250, control <5; column 'phone' found '***' at row 5"
    """
    from evalkit.data.privacy import MASK, masker, personal_values

    k = int(project.privacy.disclosure_threshold)
    personal = set(project.personal_columns())
    names = {str(c) for source in project.data.values() for c in source.columns} | set(
        project.data)
    mask = masker(personal_values(tables or {}, personal))

    def count(m: re.Match[str]) -> str:
        n = m.group("n1") or m.group("n2") or m.group("n3")
        shown = f"<{k}" if 0 < int(n) < k else n
        return (m.group("pre") or "") + shown + (m.group("post") or m.group("zh") or "")

    def value(m: re.Match[str]) -> str:
        return m.group(0) if m.group(0)[1:-1] in names else f"'{MASK}'"

    def guard(line: str) -> str:
        line = _PEOPLE_COUNT.sub(count, mask(line))
        if any(f"'{col}'" in line for col in personal):
            line = _QUOTED.sub(value, line)
        return line

    return guard


def _guard_all(lines: Iterable[str], guard: Callable[[str], str]) -> list[str]:
    return [guard(line) for line in lines]


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
    with warnings.catch_warnings(record=True) as caught:  # re-issued below, guarded
        warnings.simplefilter("always")
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
    guard = guarded(project, tables)
    for w in caught:
        category = w.category if issubclass(w.category, Warning) else EvalkitWarning
        warnings.warn(guard(str(w.message)), category, stacklevel=2)
    return _guard_all(problems, guard)
