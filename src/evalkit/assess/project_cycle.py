"""Project cycle with stage gates: needs assessment → design → supervision → evaluation → acceptance.

In the "three-society linkage" (community + social organization + social worker) each project
passes a fixed sequence of gates. A gate is passed on the date its stage was signed off and
needs its required outputs (a needs report, a project plan, supervision records …). For each
project and stage:

* ``skipped`` — no date recorded although a later stage was passed, or the stage never came;
* ``late`` — passed after its due date (``days_late`` > 0);
* ``incomplete`` — passed, but a required output is missing;
* ``on_time`` — passed by the due date with every required output;
* ``pending`` — not yet due and not passed.

A stage dated before the previous passed stage is an error in the data (the gates are ordered).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_frame, require_columns
from evalkit.errors import DataError, SpecError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["STAGES", "CycleResult", "Gate", "project_cycle"]

#: the stages in order
STAGES = ("needs_assessment", "design", "supervision", "evaluation", "acceptance")


@dataclass(frozen=True)
class Gate:
    """One stage gate: its stage, due date (optional) and required outputs."""

    stage: str
    due: dt.date | None = None
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class CycleResult:
    """Stage-gate status of every project (immutable).

    Attributes
    ----------
    table
        One row per project and stage: ``project_id``, ``stage``, ``order``, ``date``,
        ``due``, ``days_late``, ``missing_outputs`` and ``status``.
    summary
        One row per stage: ``stage``, ``on_time``, ``late``, ``incomplete``, ``skipped``,
        ``pending``, ``projects``.
    """

    table: pd.DataFrame
    summary: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The per-stage summary (a copy)."""
        return self.summary.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"table": self.table.to_dict(orient="records"),
                "summary": self.summary.to_dict(orient="records")}


def project_cycle(
    records: pd.DataFrame,
    gates: Sequence[Gate],
    *,
    as_of: dt.date | str,
    project: str = "project_id",
    stage: str = "stage",
    date: str = "date",
    outputs: str | None = "outputs",
    where: str = "cycle",
) -> CycleResult:
    """Status of each project at each stage gate.

    Parameters
    ----------
    records
        One row per project and stage passed: ``project_id``, ``stage``, ``date`` (sign-off)
        and ``outputs`` (the outputs delivered, separated by ";"). Not modified.
    gates
        The gates in order; each stage name must be distinct.
    as_of
        Assessment date: a stage not passed and not yet due is ``pending``.

    Raises
    ------
    DataError
        Unknown stage, a stage recorded twice for one project, a missing date, or a stage
        dated before the previous one.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({"project_id": ["P1", "P1"], "stage": ["needs_assessment", "design"],
    ...                      "date": ["2025-01-10", "2025-02-20"], "outputs": ["report", "plan"]})
    >>> gates = [Gate("needs_assessment", dt.date(2025, 1, 31), ("report",)),
    ...          Gate("design", dt.date(2025, 2, 15), ("plan",))]
    >>> list(project_cycle(recs, gates, as_of="2025-03-01").table["status"])
    ['on_time', 'late']
    """
    import pandas as pd

    check_frame(records, where, allow_empty=True)
    require_columns(records, [project, stage, date, outputs], where)
    names = [g.stage for g in gates]
    if len(set(names)) != len(names) or not names:
        raise SpecError(f"{where}: gates must name distinct stages, got {names}")
    order = {s: i for i, s in enumerate(names)}
    stages = records[stage].astype(str)
    unknown = stages[~stages.isin(names)]
    if len(unknown):
        raise DataError(f"{where}: row {unknown.index[0]!r} has stage {unknown.iloc[0]!r}",
                        hint=f"stages are: {', '.join(names)}")
    try:
        dates = pd.to_datetime(records[date], errors="raise")
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where}: column {date!r} holds a value that is not a date",
                        hint="write dates like 2025-03-01") from exc
    if dates.isna().any():
        row = dates.index[dates.isna()][0]
        raise DataError(f"{where}: column {date!r} is empty in row {row!r}",
                        hint="leave out the row of a stage not passed yet")
    cut = pd.Timestamp(as_of)
    rows = []
    ids = list(dict.fromkeys(records[project].astype(str)))
    pid = records[project].astype(str)
    for p in ids:
        mine = records.loc[pid == p]
        seen: dict[str, tuple[pd.Timestamp, set[str]]] = {}
        for idx in mine.index:
            s = str(records.at[idx, stage])
            if s in seen:
                raise DataError(f"{where}: project {p!r} has stage {s!r} more than once",
                                hint="keep one sign-off row per stage")
            got = set()
            if outputs is not None and isinstance(records.at[idx, outputs], str):
                got = {x.strip() for x in str(records.at[idx, outputs]).split(";") if x.strip()}
            seen[s] = (dates[idx], got)
        passed = sorted(seen, key=lambda s: order[s])
        for prev, cur in itertools.pairwise(passed):
            if seen[cur][0] < seen[prev][0]:
                raise DataError(
                    f"{where}: project {p!r} passed {cur!r} on {seen[cur][0].date()}, before the "
                    f"previous stage {prev!r} on {seen[prev][0].date()}",
                    hint="stages are passed in order; fix the dates")
        last = max((order[s] for s in passed), default=-1)
        for g in gates:
            due = pd.Timestamp(g.due) if g.due is not None else None
            rec: dict[str, Any] = {"project_id": p, "stage": g.stage, "order": order[g.stage] + 1,
                                   "date": None, "due": g.due.isoformat() if g.due else None,
                                   "days_late": None, "missing_outputs": ""}
            if g.stage in seen:
                when, got = seen[g.stage]
                rec["date"] = when.date().isoformat()
                late = (when - due).days if due is not None else 0
                rec["days_late"] = max(late, 0)
                missing = [o for o in g.outputs if o not in got]
                rec["missing_outputs"] = ", ".join(missing)
                rec["status"] = "late" if late > 0 else "incomplete" if missing else "on_time"
            elif order[g.stage] < last or (due is not None and due < cut):
                rec["status"] = "skipped"
            else:
                rec["status"] = "pending"
            rows.append(rec)
    table = pd.DataFrame(rows, columns=["project_id", "stage", "order", "date", "due",
                                        "days_late", "missing_outputs", "status"])
    kinds = ("on_time", "late", "incomplete", "skipped", "pending")
    summary = pd.DataFrame([
        {"stage": s, **{k: int(((table["stage"] == s) & (table["status"] == k)).sum())
                        for k in kinds}, "projects": len(ids)} for s in names])
    return CycleResult(table=table, summary=summary)


def gates_from_spec(spec: Sequence[Mapping[str, Any]]) -> list[Gate]:
    """Gates from plain mappings ``{stage, due, outputs}`` (as in project.yaml)."""
    out = []
    for g in spec:
        due = g.get("due")
        out.append(Gate(stage=str(g["stage"]),
                        due=dt.date.fromisoformat(str(due)) if due is not None else None,
                        outputs=tuple(str(o) for o in g.get("outputs", ()))))
    return out
