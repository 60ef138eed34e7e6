"""Project: read and validate project.yaml, resolve data paths.

A project file describes what was bought (project, logic model, indicators, outcomes,
contract) and where its evidence lives (data sources). :func:`load_project` reads it with
pydantic; every problem is reported at once with its YAML path, e.g.
``indicators[3].target: expected a number, got 'about 90%'``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from evalkit._yaml import DuplicateKeyError as _DuplicateKeyError
from evalkit._yaml import safe_load as _safe_load
from evalkit.errors import SpecError
from evalkit.model import analytics as _analytics
from evalkit.model import cadence as _cadence
from evalkit.model import labels as _labels
from evalkit.model import privacy_rules as _privacy_rules
from evalkit.model import scorecard as _scorecard
from evalkit.model import value as _value
from evalkit.model.analytics import AnalyticsSpec
from evalkit.model.cadence import CadenceRule
from evalkit.model.calendar import CalendarKind
from evalkit.model.common import Spec, Text
from evalkit.model.contract import Contract
from evalkit.model.indicators import Indicator
from evalkit.model.logic_model import LogicModel
from evalkit.model.outcomes import Outcome
from evalkit.model.scorecard import ScorecardSpec
from evalkit.model.sites import Sites
from evalkit.model.value import RenewalSpec, ValueSpec

__all__ = ["Column", "DataSource", "Person", "Privacy", "Project", "ProjectInfo",
           "load_project"]


#: a project period may last at most 10 years (docs/project-yaml.md)
MAX_PERIOD_DAYS = 3653


class Period(Spec):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValueError(f"end {self.end} is more than 10 years after start {self.start} "
                             "(a typo in the year?)")
        return self


class Person(Spec):
    """One member of the evaluation team or of the acceptance panel (验收组)."""

    name: Text
    role: Text | None = None
    organization: Text | None = None


class ProjectInfo(Spec):
    """Who bought what from whom, when; and what the report's cover and front sections say
    about the contract, the evaluator and how the evidence was gathered.

    ``calendar`` (``auto`` | ``contract`` | ``calendar``) says how weeks, months, quarters and
    years are counted (see :mod:`evalkit.model.calendar`); ``prorate`` (default true) scales
    per-period targets and "each period" criteria of partial periods by the days covered and
    measures expected progress by elapsed days.
    """

    id: str
    name: Text
    purchaser: Text
    provider: Text
    period: Period
    currency: str = "CNY"
    summary: Text | None = None
    # contract calendars (issue 11): how periods are counted, and pro-rating of partial ones
    calendar: CalendarKind = "auto"
    prorate: bool = True
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


#: opt-in rewrites of spreadsheet text before it is checked (docs/project-yaml.md)
Normalization = Literal["strip", "fullwidth", "thousands", "percent", "cn_date"]


class Column(Spec):
    """Documentation and type of one data column.

    ``header`` is the column's title in the file when it differs from the name used in
    project.yaml (e.g. a survey platform's "3、您对本次活动的满意度"); ``normalize`` lists
    opt-in rewrites of its text (see :mod:`evalkit.data.normalize`); ``labels`` maps answers
    written as text to numbers (a mapping, or the name of a set under the source's
    ``value_labels``).
    """

    type: Literal["string", "integer", "number", "date", "boolean"] = "string"
    description: Text | None = None
    personal: bool = False
    range: tuple[float, float] | None = None
    header: str | None = None
    normalize: list[Normalization] = Field(default_factory=list)
    labels: str | dict[str, float] | None = None
    #: the zh/en name of each category value a report prints (a needs category, a platform,
    #: an activity type the rules leave out): ``{wage_arrears: {zh: 欠薪, en: Wage arrears}}``
    values: dict[str, Text] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _header_labels(cls, data: Any) -> Any:
        """Without a ``description``, the column's ``header`` (its title in the file, less a
        question number such as "3、") is its label in reports (issue 12)."""
        if isinstance(data, dict) and data.get("description") is None \
                and isinstance(data.get("header"), str) and data["header"].strip():
            title = re.sub(r"^\s*\d+\s*[、.．:：)）]\s*", "", data["header"]).strip()
            return {**data, "description": title or data["header"]}
        return data


class DataSource(Spec):
    """One data file. ``key`` columns must be unique together (e.g. person and wave)."""

    file: str
    sheet: str | None = None
    description: Text | None = None
    key: list[str] = Field(default_factory=list)
    columns: dict[str, Column] = Field(default_factory=dict)
    # spreadsheets as they come (docs/spreadsheets.md)
    encoding: Literal["utf-8", "utf-8-sig", "gb18030", "gbk"] | None = None
    header_row: int = Field(default=1, ge=1)
    skip_rows: list[int] = Field(default_factory=list)
    normalize: list[Normalization] = Field(default_factory=list)
    value_labels: dict[str, dict[str, float]] = Field(default_factory=dict)
    merged_cells: Literal["refuse", "fill"] = "refuse"

    @model_validator(mode="after")
    def _rows_and_labels(self) -> DataSource:
        early = [r for r in self.skip_rows if r <= self.header_row]
        if early:
            raise ValueError(f"skip_rows {early} are not below the header row "
                             f"{self.header_row}; rows above the header are skipped already")
        for name, col in self.columns.items():
            if isinstance(col.labels, str) and col.labels not in self.value_labels:
                raise ValueError(f"columns.{name}.labels: no value_labels set {col.labels!r} "
                                 f"(sets: {', '.join(self.value_labels) or 'none'})")
        return self


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
    sites: Sites | None = None
    analytics: AnalyticsSpec | None = None
    report: dict[str, Any] = Field(default_factory=dict)
    extensions: dict[str, Any] = Field(default_factory=dict)
    path: Path | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)
    #: read data files outside the project folder (set by ``load_project(allow_outside=)``)
    allow_outside: bool = Field(default=False, exclude=True)

    # ---------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """Folder that relative data paths are resolved against."""
        return self.path.parent if self.path is not None else Path.cwd()

    def data_path(self, name: str) -> Path:
        """Absolute path of data source ``name``; a SpecError when it leaves the project
        folder (absolute, ``..`` or a symbolic link out) unless ``allow_outside``."""
        from evalkit.model.paths import resolve_inside

        return resolve_inside(self.root, self.data[name].file, f"data.{name}.file",
                              allow_outside=self.allow_outside)

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
            by_id = {i.id: i for i in self.indicators}
            for k, c in enumerate(self.contract.criteria):
                if c.indicator not in ids:
                    out.append(f"contract.criteria[{k}].indicator: unknown indicator "
                               f"{c.indicator!r} (indicators are: {', '.join(ids)})")
                rate = by_id.get(c.indicator)
                if (rate is not None and rate.measure == "percentage" and not rate.allow_over_100
                        and c.target is not None and c.target > 100):
                    out.append(f"contract.criteria[{k}].target: {c.target:g} is above 100 but "
                               f"indicator {rate.id} is a percentage (declare allow_over_100: "
                               "true on the indicator if it can exceed 100%)")
        for module in (_scorecard, _cadence, _value, _privacy_rules, _analytics, _labels):
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
    "finite_number": "expected a finite number",
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
        inner = re.match(r"at (\S+): ", expected)  # a value found inside a mapping or list
        if inner:
            sep = "" if inner.group(1).startswith("[") else "."
            return f"{where}{sep}{inner.group(1)}: {expected[inner.end():]}"
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


def load_project(path: str | Path, *, allow_outside: bool = False) -> Project:
    """Read and validate a project.yaml.

    Parameters
    ----------
    path
        Path of the YAML file, or of the project folder holding it (``project.yaml``, as
        ``evalkit report FOLDER`` and :func:`evalkit.evaluate_many` take it). Relative data
        paths inside it are resolved against its folder.
    allow_outside
        Read data files outside the project folder (absolute paths, ``..``, symbolic links
        out of it). Off by default so that a project folder received from someone else
        cannot make evalkit read other files on this machine; see ``docs/privacy.md``.

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
    if file.is_dir():
        if not (file / "project.yaml").is_file():
            raise SpecError(f"{file}: folder has no project.yaml",
                            hint="give the path of a project.yaml or of the folder that holds "
                                 "it (try: evalkit init FOLDER)")
        file = file / "project.yaml"
    if not file.is_file():
        raise SpecError(f"{file}: project file not found",
                        hint="give the path of a project.yaml (try: evalkit demo)")
    try:
        content = file.read_bytes()
        raw = _safe_load(content.decode("utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        hint = ("keep one of the two" if isinstance(exc, _DuplicateKeyError)
                else "check indentation and quoting")
        raise SpecError(f"{file}:{where}: {problem}", hint=hint) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"{file}: not UTF-8 text", hint="save the file as UTF-8") from exc
    except RecursionError as exc:
        raise SpecError(f"{file}: nested too deeply to read",
                        hint="a project file needs a few levels of nesting, not thousands"
                        ) from exc
    if not isinstance(raw, dict):
        raise SpecError(f"{file}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        project = Project.model_validate({**raw, "path": file.resolve(),
                                          "sha256": hashlib.sha256(content).hexdigest(),
                                          "allow_outside": bool(allow_outside)})
    except RecursionError as exc:
        raise SpecError(f"{file.name}: nested too deeply to validate",
                        hint="a project file needs a few levels of nesting, not thousands"
                        ) from exc
    except ValidationError as exc:
        problems = format_validation_error(exc)
        raise SpecError(f"{file.name}: {len(problems)} problem(s)", problems=problems,
                        hint="fix the fields named above") from exc
    problems = project.problems()
    if not allow_outside:
        from evalkit.model.paths import outside_problem

        problems += [p for name, source in project.data.items()
                     if (p := outside_problem(project.root, source.file, f"data.{name}.file"))]
    if problems:
        raise SpecError(f"{file.name}: {len(problems)} problem(s)", problems=problems,
                        hint="fix the fields named above")
    return project
