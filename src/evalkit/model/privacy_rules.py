"""Spec checks of the privacy rules: a column that identifies a person never becomes output.

A report prints the categories of a disaggregation, the values a filter selects, the groups
a comparison names and every comment of a voice column. None of them may be a personal
column (``privacy.personal_columns`` or ``personal: true``: names, phone numbers, ID numbers)
or a person id (``worker_id`` and the like, see
:func:`identifying_columns`): a ``name`` disaggregation would print every
participant's name. Counting people by such a column (``distinct: worker_id``) stays allowed:
its result is a count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = ["PERSON_ID_COLUMNS", "cross_check", "identifying_columns", "person_id_columns"]

#: column names that identify one person wherever they appear
PERSON_ID_COLUMNS = ("worker_id", "respondent_id", "person_id", "participant_id", "client_id",
                     "member_id", "student_id", "patient_id", "resident_id")


def _problem(where: str, column: str, why: str, role: str) -> str:
    return (f"{where}: column {column!r} is {why}; it cannot be {role} (its values would be "
            f"printed in the report); use a non-identifying column, see docs/privacy.md")


def _filters(where: str, filters: Mapping[str, Any], ident: dict[str, str]) -> list[str]:
    return [_problem(f"{where}.filter.{col}", col, ident[col], "a filter (it would select "
                     "and name a person)")
            for col in filters if col in ident]


def _computes(where: str, spec: Any, ident: dict[str, str]) -> Iterable[str]:
    for field, compute in spec.computations().items():
        yield from _filters(f"{where}.{field}", compute.filter, ident)


def cross_check(project: Project) -> list[str]:
    """Every place where a personal or person-id column would become report output.

    Checked: ``indicators[k].disaggregations`` and their ``compute`` / ``numerator`` /
    ``denominator`` filters, ``outcomes[k].filter`` and ``outcomes[k].compare.column``,
    ``cadence[k].filter``, ``value.participants.compute.filter`` and
    ``report.voices.column``.

    Examples
    --------
    >>> import evalkit as ek
    >>> cross_check(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
    []
    """
    ident = identifying_columns(project)
    out: list[str] = []
    for k, ind in enumerate(project.indicators):
        where = f"indicators[{k}]"
        for j, col in enumerate(ind.disaggregations):
            if col in ident:
                out.append(_problem(f"{where}.disaggregations[{j}]", col, ident[col],
                                    "a disaggregation (each category is printed)"))
        out.extend(_computes(where, ind, ident))
    for k, oc in enumerate(project.outcomes):
        out.extend(_filters(f"outcomes[{k}]", oc.filter, ident))
        if oc.compare is not None and oc.compare.column in ident:
            out.append(_problem(f"outcomes[{k}].compare.column", oc.compare.column,
                                ident[oc.compare.column], "the comparison column"))
    for k, rule in enumerate(project.cadence):
        out.extend(_filters(f"cadence[{k}]", rule.filter, ident))
    participants = getattr(project.value, "participants", None)
    if participants is not None and participants.compute is not None:
        out.extend(_filters("value.participants.compute", participants.compute.filter, ident))
    voices = project.report.get("voices")
    if isinstance(voices, Mapping) and isinstance(voices.get("column"), str):
        col = voices["column"]
        if col in ident:
            out.append(_problem("report.voices.column", col, ident[col],
                                "a voice column (its texts are printed)"))
    return out


def person_id_columns(project: Project) -> frozenset[str]:
    """Columns that identify one person by being an id: a usual person-id name
    (:data:`PERSON_ID_COLUMNS`, e.g. ``worker_id``), the unit of a pre/post outcome, or a key
    column of a data source holding personal columns. A report never shows a table holding
    one (it has a row per person); the one rule, used by :func:`identifying_columns`, the
    spec checks and the report's disclosure pass."""
    personal = project.personal_columns()
    out = set(PERSON_ID_COLUMNS)
    out |= {str(oc.unit) for oc in project.outcomes if oc.unit and oc.design == "prepost"}
    for source in project.data.values():
        if personal & set(source.columns):
            out |= set(source.key) - {"wave", "period", "time", "date"}
    return frozenset(out)


def identifying_columns(project: Project) -> dict[str, str]:
    """Columns whose values identify a person, with why: ``"personal data"`` (declared in
    ``privacy.personal_columns`` or ``personal: true``) or ``"a person id"``
    (:func:`person_id_columns`)."""
    out = dict.fromkeys(sorted(person_id_columns(project)), "a person id")
    out.update({c: "personal data" for c in project.personal_columns()})
    return out
