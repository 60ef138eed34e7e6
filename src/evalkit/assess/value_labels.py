"""Category values a report prints need a zh/en label (issue 12): the check against the data.

The values project.yaml itself lists (coverage requirements, stage-gate outputs) are checked
when loading (:func:`evalkit.model.labels.cross_check`); the values found only in the data —
categories of the needs–service match, subgroup values, values of a filtered column that no
rule selects (listed by the miscount notes) — are checked here, by ``evalkit validate``. Each
missing label is one problem naming ``data.<source>.columns.<column>.values.<value>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from evalkit.assess.measure import canonical
from evalkit.assess.miscounts import filtered_columns
from evalkit.model.labels import labelled_value, value_problem

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.project import Project

__all__ = ["unlabelled_values"]


def _report_columns(project: Project) -> dict[tuple[str, str], str]:
    """(source, column) -> why a report prints the column's values (found in the data)."""
    out: dict[tuple[str, str], str] = {}
    for source, cols in filtered_columns(project).items():
        for col in cols:
            out[(source, col)] = "the data-quality notes list values no rule selects"
    for het in project.analytics.heterogeneity if project.analytics is not None else []:
        out[(het.source, het.subgroup)] = "the subgroup table of the mechanism chapter"
    spec = project.analytics.needs_match if project.analytics is not None else None
    if spec is not None:
        out[(spec.needs_source, spec.needs_column)] = "the needs–service match table"
        out[(spec.services_source, spec.services_column)] = "the needs–service match table"
    return out


def unlabelled_values(project: Project, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Category values in the loaded ``tables`` that a report prints without a label (see
    the module docstring), one problem each naming ``data.<source>.columns.<col>.values``."""
    out: list[str] = []
    filtered = filtered_columns(project)
    for (source, col), why in _report_columns(project).items():
        frame = tables.get(source)
        if frame is None or col not in frame.columns:
            continue
        chosen = filtered.get(source, {}).get(col, set())
        for value in sorted(set(canonical(frame[col]).dropna().astype(str))):
            if why.startswith("the data-quality") and value in chosen:
                continue  # a selected value is not printed by the notes
            if not labelled_value(project, source, col, value):
                out.append(value_problem(source, col, value, why))
    return out

