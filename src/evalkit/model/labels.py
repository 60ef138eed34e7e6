"""Every id that reaches a report has a zh/en label (issue 12).

A report names data sources, data columns, sites and the ids of the mechanism analyses by
their labels, never by the raw id: ``活动类型``, not ``activity_type``. The labels come from
project.yaml (``description`` of a data source or column, ``name`` of a site or of a subgroup
analysis) or from evalkit's own label catalogue (``templates/i18n/<lang>.yaml``: site levels
``mech.level_<id>``, partnership parties ``mech.party.<id>``, stage gates
``mech.stage_<id>``, coverage dimensions ``mech.dim_<id>``). A missing label is a
validation error naming the YAML path — :func:`cross_check` runs in
:meth:`evalkit.project.Project.problems`, so ``ek.load_project`` and ``evalkit validate``
list every missing label at once, with the other problems.

Which ids reach a report (and so need a label):

* every data source (the data-quality section lists each source's missing values);
* every data column that is not personal (the missing-values table, the notes of the
  estimators, the miscount checks, the satisfaction items and the scale items name it);
  personal columns never reach a report and need none;
* every site of ``sites`` (the per-site table) and its level;
* every subgroup analysis (``analytics.heterogeneity[].name``), partnership party, stage gate
  and coverage dimension of ``analytics``.

Columns a data file holds but project.yaml does not declare are checked against the data by
:func:`undeclared_columns` (run by ``evalkit validate``): one that a report would print
(it has missing values) must be declared with a description.

Category values are data, but some reach a report: the categories of the needs–service
match, the values a coverage dimension requires, the values of a filtered column that no
rule selects (the miscount notes), subgroup values, stage-gate outputs. Each is named by ``data.<source>.columns.<col>.values``
(:func:`value_label`); a value written as an identifier (ASCII letters: ``wage_arrears``)
without one is a problem naming that YAML path — :func:`cross_check` for the values
project.yaml lists (coverage), :func:`evalkit.assess.value_labels.unlabelled_values` (run by ``evalkit validate``) for
those found in the data. A value written in Chinese (``走访``) is its own label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.project import Project

__all__ = ["catalogued", "cross_check", "labelled_value", "undeclared_columns", "value_label"]


@lru_cache(maxsize=1)
def _catalogue_keys() -> frozenset[str]:
    """Keys present in both shipped catalogues (zh and en), flattened with dots."""
    import yaml

    from evalkit.datasets import resource_dir

    def flat(tree: Mapping[str, Any], prefix: str = "") -> set[str]:
        out: set[str] = set()
        for key, value in tree.items():
            name = f"{prefix}{key}"
            out |= flat(value, f"{name}.") if isinstance(value, Mapping) else {name}
        return out

    folder = resource_dir("templates") / "i18n"
    keys: list[set[str]] = []
    for lang in ("zh", "en"):
        found: set[str] = set()
        for path in sorted(folder.glob(f"{lang}.yaml")) + sorted(folder.glob(f"{lang}.*.yaml")):
            found |= flat(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        keys.append(found)
    return frozenset(keys[0] & keys[1])


def catalogued(key: str) -> bool:
    """True when evalkit's catalogue has ``key`` in both zh and en (e.g. ``mech.level_town``)."""
    return key in _catalogue_keys()


def _label_hint(example_zh: str, example_en: str) -> str:
    return f"give it a label such as {{zh: {example_zh}, en: {example_en}}}"


def _data_labels(project: Project) -> list[str]:
    out: list[str] = []
    personal = set(project.privacy.personal_columns)
    for name, source in project.data.items():
        if source.description is None:
            out.append(f"data.{name}.description: missing — a report names this data source "
                       f"(data quality); {_label_hint('服务台账', 'Service log')}")
        for col, spec in source.columns.items():
            if spec.description is None and not spec.personal and col not in personal:
                out.append(f"data.{name}.columns.{col}.description: missing — a report prints "
                           f"this column (data quality, notes, checks); "
                           f"{_label_hint('活动类型', 'Activity type')}, or mark it personal: "
                           "true if it identifies a person")
    return out


def _site_labels(project: Project) -> list[str]:
    sites = project.sites
    if sites is None:
        return []
    out: list[str] = []
    for k, level in enumerate(sites.levels):
        if not catalogued(f"mech.level_{level}"):
            out.append(f"sites.levels[{k}]: {level!r} has no label in evalkit's catalogue — "
                       f"a report prints site levels; use one of "
                       f"{', '.join(sorted(_known('mech.level_')))}")

    def walk(nodes: Iterable[Any], where: str) -> None:
        for k, node in enumerate(nodes):
            here = f"{where}[{k}]"
            if node.name is None:
                out.append(f"{here}.name: missing — a report prints site {node.id!r} by its "
                           f"name; {_label_hint('镇街站一', 'Station 1')}")
            walk(node.children, f"{here}.children")

    walk(sites.tree, "sites.tree")
    return out


def _known(prefix: str) -> list[str]:
    return [k[len(prefix):] for k in _catalogue_keys() if k.startswith(prefix)]


def _analytics_labels(project: Project) -> list[str]:
    spec = project.analytics
    if spec is None:
        return []
    out: list[str] = []
    for k, het in enumerate(spec.heterogeneity):
        if het.name is None:
            out.append(f"analytics.heterogeneity[{k}].name: missing — a report prints the "
                       f"subgroup analysis {het.id!r} by its name; "
                       f"{_label_hint('分强弱社区的成效', 'Effect by community strength')}")
        level = het.cluster_level or het.cluster
        if level and not catalogued(f"mech.level_{level}"):
            field = "cluster_level" if het.cluster_level else "cluster"
            out.append(f"analytics.heterogeneity[{k}].{field}: {level!r} has no label in "
                       "evalkit's catalogue — a report prints the clustering level; set "
                       f"cluster_level to one of {', '.join(sorted(_known('mech.level_')))}")
    checks: list[tuple[str, str, list[str]]] = []
    if spec.partnership is not None:
        checks.append(("analytics.partnership.parties", "mech.party.",
                       list(spec.partnership.parties)))
    if spec.cycle is not None:
        checks.append(("analytics.cycle.gates", "mech.stage_",
                       [g.stage for g in spec.cycle.gates]))
    if spec.coverage is not None:
        checks.append(("analytics.coverage.required", "mech.dim_",
                       list(spec.coverage.required)))
    for where, prefix, ids in checks:
        for k, ident in enumerate(ids):
            if not catalogued(prefix + ident):
                path = (f"{where}[{k}].stage" if where.endswith("gates")
                        else f"{where}.{ident}" if where.endswith("required")
                        else f"{where}[{k}]")
                out.append(f"{path}: {ident!r} has no label in evalkit's catalogue — a report "
                           f"prints it; use one of {', '.join(sorted(_known(prefix)))}")
    return out


def cross_check(project: Project) -> list[str]:
    """Every id of ``project`` that reaches a report without a zh/en label, as one problem
    line each (YAML path first)."""
    return [*_data_labels(project), *_site_labels(project), *_analytics_labels(project),
            *_coverage_values(project)]


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _is_identifier(value: str) -> bool:
    """A value written as an identifier (``wage_arrears``, ``T1``): it needs a label; a value
    in Chinese, or a number (``2024``), is read as it is."""
    return bool(re.search(r"[A-Za-z]", value)) and not _CJK.search(value)


def value_label(project: Project, source: str, column: str, value: Any) -> dict[str, str]:
    """The zh/en name of category ``value`` of ``source.column`` in reports
    (``data.<source>.columns.<column>.values``); the value itself when none is given (a
    value in Chinese, a number — validation requires one for identifiers).

    >>> import evalkit as ek
    >>> p = ek.load_project(ek.datasets.path("zhongshan_linkage") / "project.yaml")
    >>> value_label(p, "needs", "need", "wage_arrears")["zh"]
    '欠薪讨薪'
    """
    src = project.data.get(source)
    col = src.columns.get(column) if src is not None else None
    name = col.values.get(str(value)) if col is not None else None
    if name is None:
        return {"zh": str(value), "en": str(value)}
    return {"zh": name.zh, "en": name.en}


def value_problem(source: str, column: str, value: str, why: str) -> str:
    return (f"data.{source}.columns.{column}.values.{value}: missing — a report prints the "
            f"value {value!r} ({why}); {_label_hint('欠薪讨薪', 'Wage arrears')}")


def labelled_value(project: Project, source: str, column: str, value: str) -> bool:
    """True when ``value`` of ``source.column`` can be printed: it has a label, or it is not
    written as an identifier (Chinese text, a number)."""
    src = project.data.get(source)
    col = src.columns.get(column) if src is not None else None
    return not _is_identifier(value) or (col is not None and value in col.values)


def _coverage_values(project: Project) -> list[str]:
    """Values project.yaml lists that a report prints: those a coverage dimension requires
    (what a township lacks) and the outputs of a stage gate (what a project did not hand in)."""
    spec = project.analytics.coverage if project.analytics is not None else None
    cycle = project.analytics.cycle if project.analytics is not None else None
    out = []
    if spec is not None:
        out += [value_problem(spec.services_source, dim, str(v), "the coverage table lists "
                               "what a township lacks")
                for dim, values in spec.required.items() for v in values
                if not labelled_value(project, spec.services_source, dim, str(v))]
    if cycle is not None:
        out += [value_problem(cycle.source, "outputs", o, "the project-cycle table lists "
                               "missing outputs")
                for o in dict.fromkeys(o for g in cycle.gates for o in g.outputs)
                if not labelled_value(project, cycle.source, "outputs", o)]
    return out


def undeclared_columns(project: Project, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Columns of the loaded ``tables`` that project.yaml does not declare but a report would
    print (they have missing values, listed in the data-quality section), one problem each."""
    out: list[str] = []
    personal = project.personal_columns()
    for name, frame in tables.items():
        source = project.data.get(name)
        if source is None:
            continue
        for col in frame.columns:
            if str(col) in source.columns or str(col) in personal:
                continue
            missing = int(frame[col].isna().sum())
            if missing:
                out.append(f"data.{name}.columns.{col}: not declared — a report prints this "
                           f"column ({missing} missing value(s) in the data-quality section); "
                           f"declare it with a description {{zh: …, en: …}}, or personal: true")
    return out
