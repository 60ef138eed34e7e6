"""Project: read and validate project.yaml, resolve data paths.

A project file describes what was bought (project, logic model, indicators, outcomes,
contract) and where its evidence lives (data sources). :func:`load_project` reads it with
pydantic; every problem is reported at once with its YAML path, e.g.
``indicators[3].target: expected a number, got 'about 90%'``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from evalkit.errors import SpecError
from evalkit.model import cadence as _cadence
from evalkit.model import scorecard as _scorecard
from evalkit.model import value as _value
from evalkit.model.cadence import CadenceRule
from evalkit.model.common import Spec, Text
from evalkit.model.contract import Contract
from evalkit.model.indicators import Indicator
from evalkit.model.logic_model import LogicModel
from evalkit.model.outcomes import Outcome
from evalkit.model.scorecard import ScorecardSpec
from evalkit.model.value import RenewalSpec, ValueSpec

__all__ = ["Column", "DataSource", "Person", "Privacy", "Project", "ProjectInfo",
           "load_project"]


class Period(Spec):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Person(Spec):
    """One member of the evaluation team or of the acceptance panel (验收组)."""

    name: Text
    role: Text | None = None
    organization: Text | None = None


class ProjectInfo(Spec):
    """Who bought what from whom, when; and what the report's cover and front sections say
    about the contract, the evaluator and how the evidence was gathered."""

    id: str
    name: Text
    purchaser: Text
    provider: Text
    period: Period
    currency: str = "CNY"
    summary: Text | None = None
    evaluator: Text | None = None
    contract_no: str | None = None
    report_no: str | None = None
    acceptance_report_no: str | None = None
    report_date: dt.date | None = None
    basis: list[Text] = Field(default_factory=list)
    methods: list[Text] = Field(default_factory=list)
    team: list[Person] = Field(default_factory=list)
    acceptance_panel: list[Person] = Field(default_factory=list)
    acceptance_opinion: Text | None = None
    surplus_handling: Text | None = None


class Privacy(Spec):
    """Disclosure control: no report cell from fewer people than ``disclosure_threshold``;
    ``personal_columns`` are never rendered."""

    disclosure_threshold: int = Field(default=5, ge=1)
    personal_columns: list[str] = Field(default_factory=list)


class Column(Spec):
    """Documentation and type of one data column."""

    type: Literal["string", "integer", "number", "date", "boolean"] = "string"
    description: Text | None = None
    personal: bool = False
    range: tuple[float, float] | None = None


class DataSource(Spec):
    """One data file. ``key`` columns must be unique together (e.g. person and wave)."""

    file: str
    sheet: str | None = None
    description: Text | None = None
    key: list[str] = Field(default_factory=list)
    columns: dict[str, Column] = Field(default_factory=dict)


class Project(Spec):
    """A parsed, validated project.yaml. Use :func:`load_project` to read one."""

    project: ProjectInfo
    privacy: Privacy = Field(default_factory=Privacy)
    data: dict[str, DataSource] = Field(default_factory=dict)
    logic_model: LogicModel | None = None
    indicators: list[Indicator] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    contract: Contract | None = None
    scorecard: ScorecardSpec | None = None
    cadence: list[CadenceRule] = Field(default_factory=list)
    value: ValueSpec | None = None
    renewal: RenewalSpec | None = None
    report: dict[str, Any] = Field(default_factory=dict)
    extensions: dict[str, Any] = Field(default_factory=dict)
    path: Path | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)

    # ---------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """Folder that relative data paths are resolved against."""
        return self.path.parent if self.path is not None else Path.cwd()

    def data_path(self, name: str) -> Path:
        """Absolute path of data source ``name``."""
        return (self.root / self.data[name].file).resolve()

    def personal_columns(self) -> set[str]:
        """Every column declared personal (privacy list or column docs)."""
        cols = set(self.privacy.personal_columns)
        for source in self.data.values():
            cols |= {name for name, c in source.columns.items() if c.personal}
        return cols

    def effect_ids(self) -> list[str]:
        """Keys ``ek.evaluate`` gives ``evaluation.effects``: each outcome id, and
        ``<id>_vs_comparison`` for a pre/post outcome with a comparison group."""
        ids: list[str] = []
        for oc in self.outcomes:
            ids.append(oc.id)
            if oc.design == "prepost" and oc.compare is not None:
                ids.append(f"{oc.id}_vs_comparison")
        return ids

    def problems(self) -> list[str]:
        """Cross-reference problems pydantic cannot see (unknown sources, elements …)."""
        out: list[str] = []
        ids = [i.id for i in self.indicators]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            out.append(f"indicators: id {dup!r} is used more than once")
        elements = {e.id for e in self.logic_model.elements} if self.logic_model else set()
        for k, ind in enumerate(self.indicators):
            where = f"indicators[{k}]"
            if ind.source is not None and ind.source not in self.data:
                out.append(f"{where}.source: unknown data source {ind.source!r} "
                           f"(declared: {', '.join(self.data) or 'none'})")
            if ind.element is not None and self.logic_model and ind.element not in elements:
                out.append(f"{where}.element: no logic-model element {ind.element!r}")
        for k, oc in enumerate(self.outcomes):
            if oc.source not in self.data:
                out.append(f"outcomes[{k}].source: unknown data source {oc.source!r}")
        if self.contract:
            for k, c in enumerate(self.contract.criteria):
                if c.indicator not in ids:
                    out.append(f"contract.criteria[{k}].indicator: unknown indicator "
                               f"{c.indicator!r} (indicators are: {', '.join(ids)})")
        for module in (_scorecard, _cadence, _value):
            out.extend(module.cross_check(self))
        return out


def _yaml_path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("function-after[_from_string(), Text]",) or "[" in str(part):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


_EXPECT = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "date_from_datetime_parsing": "expected a date like 2025-01-31",
    "date_parsing": "expected a date like 2025-01-31",
    "date_type": "expected a date like 2025-01-31",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "missing": "is required but missing",
    "extra_forbidden": "is not a known field (typo?)",
    "literal_error": "",
}


def _describe(error: Any) -> str:
    kind = error["type"]
    where = _yaml_path(error["loc"])
    if kind == "missing":
        return f"{where}: is required but missing"
    if kind == "extra_forbidden":
        return f"{where}: is not a known field (typo?)"
    expected = _EXPECT.get(kind)
    if kind == "literal_error":
        expected = "expected " + str(error.get("ctx", {}).get("expected", "one of the allowed values"))
    if not expected:
        msg = str(error["msg"])
        expected = msg[len("Value error, "):] if msg.startswith("Value error, ") else msg
        return f"{where}: {expected}"
    return f"{where}: {expected}, got {error['input']!r}"


def format_validation_error(exc: ValidationError) -> list[str]:
    """pydantic errors -> one line each, YAML path first; unions reported once per path."""
    lines: list[str] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        line = _describe(error)
        where = line.split(":", 1)[0]
        if where in seen:
            continue
        seen.add(where)
        lines.append(line)
    return lines


def load_project(path: str | Path) -> Project:
    """Read and validate a project.yaml.

    Parameters
    ----------
    path
        Path of the YAML file. Relative data paths inside it are resolved against its folder.

    Returns
    -------
    Project

    Raises
    ------
    SpecError
        The file is missing, is not YAML, or does not fit the schema; every problem is listed
        with its YAML path, e.g. ``indicators[3].target: expected a number, got 'about 90%'``.

    Examples
    --------
    >>> import evalkit as ek
    >>> p = ek.load_project(ek.datasets.path("workers_home") / "project.yaml")
    >>> p.project.id
    'workers_home'
    """
    file = Path(path)
    if not file.is_file():
        raise SpecError(f"{file}: project file not found",
                        hint="give the path of a project.yaml (try: evalkit demo)")
    try:
        content = file.read_bytes()
        raw = yaml.safe_load(content.decode("utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise SpecError(f"{file}:{where}: {problem}",
                        hint="check indentation and quoting") from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{file}: not UTF-8 text", hint="save the file as UTF-8") from exc
    if not isinstance(raw, dict):
        raise SpecError(f"{file}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        project = Project.model_validate({**raw, "path": file.resolve(),
                                          "sha256": hashlib.sha256(content).hexdigest()})
    except ValidationError as exc:
        problems = format_validation_error(exc)
        raise SpecError(f"{file.name}: {len(problems)} problem(s)", problems=problems,
                        hint="fix the fields named above") from exc
    problems = project.problems()
    if problems:
        raise SpecError(f"{file.name}: {len(problems)} problem(s)", problems=problems,
                        hint="fix the fields named above")
    return project
