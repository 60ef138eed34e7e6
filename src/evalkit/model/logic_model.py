"""Logic model: elements at levels inputs → activities → outputs → outcomes → impact, and links.

YAML shape::

    logic_model:
      elements:
        - {id: act_visits, level: activities, text: {zh: 走访企业, en: Visit enterprises}}
        - {id: oc_wellbeing, level: intermediate_outcomes, text: 职工幸福感提升,
           measured_by: [wellbeing]}       # outcome (effect) ids that measure it
      links: [[act_visits, out_visits], {from: out_visits, to: oc_disputes}]
      assumptions: [{zh: 企业同意社工进入, en: Enterprises let social workers in}]
      external_factors: [{zh: 经济形势变化, en: The economy changes}]

An element is measured by the indicators whose ``element`` names it, or by the ids in its
``measured_by``. :meth:`LogicModel.problems` lists every structural problem at once;
:func:`logframe` derives the logframe table (narrative, indicators, means of verification,
assumptions) from the same object.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from evalkit.model.common import LEVELS, Level, Spec, Text

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.model.indicators import Indicator
    from evalkit.project import Project

__all__ = ["Element", "Link", "LogicModel", "logframe", "validate_project_logic_model"]

MEASURED_LEVELS = ("outputs", "short_outcomes", "intermediate_outcomes", "long_outcomes")
_RANK = {lvl: k for k, lvl in enumerate(LEVELS)}


class Element(Spec):
    """One box of the logic model."""

    id: str
    level: Level
    text: Text
    assumptions: list[Text] = Field(default_factory=list)
    measured_by: list[str] = Field(default_factory=list)


class Link(Spec):
    """A causal link ``source → target`` (YAML: ``[a, b]`` or ``{from: a, to: b}``)."""

    source: str = Field(alias="from")
    target: str = Field(alias="to")

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"from": value[0], "to": value[1]}
        return value


class LogicModel(Spec):
    """Elements, links, assumptions and external factors."""

    elements: list[Element]
    links: list[Link] = Field(default_factory=list)
    assumptions: list[Text] = Field(default_factory=list)
    external_factors: list[Text] = Field(default_factory=list)

    def by_level(self) -> dict[str, list[Element]]:
        """Elements grouped by level, in causal order (empty levels included)."""
        out: dict[str, list[Element]] = {lvl: [] for lvl in LEVELS}
        for e in self.elements:
            out[e.level].append(e)
        return out

    def element(self, element_id: str) -> Element:
        """The element with ``element_id`` (KeyError if absent)."""
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(element_id)

    def problems(self, indicators: Sequence[Indicator] | None = None,
                 measures: Iterable[str] = ()) -> list[str]:
        """Every structural problem, one line each with its YAML path (empty when sound).

        Parameters
        ----------
        indicators
            The project's indicators. When given, each output and outcome needs one (an
            indicator whose ``element`` is it, or an id in its ``measured_by``).
        measures
            Other ids ``measured_by`` may name (e.g. outcome/effect ids).

        Notes
        -----
        Checked: duplicate ids; links naming unknown ids; links running backwards across
        levels (to an earlier level); cycles; elements with no link forward (all but impact)
        or back (all but inputs); outputs/outcomes without an indicator.
        """
        out: list[str] = []
        where = "logic_model"
        ids = [e.id for e in self.elements]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            out.append(f"{where}.elements: id {dup!r} is used more than once")
        level = {e.id: e.level for e in self.elements}
        good: list[Link] = []
        for k, link in enumerate(self.links):
            bad = [end for end in (link.source, link.target) if end not in level]
            for end in bad:
                out.append(f"{where}.links[{k}]: unknown element {end!r}")
            if bad:
                continue
            if link.source == link.target:
                out.append(f"{where}.links[{k}]: {link.source!r} links to itself")
                continue
            if _RANK[level[link.target]] < _RANK[level[link.source]]:
                out.append(f"{where}.links[{k}]: runs backwards, from {link.source!r} "
                           f"({level[link.source]}) to {link.target!r} ({level[link.target]})")
            good.append(link)
        out.extend(f"{where}.links: cycle {' → '.join(c)}" for c in _cycles(good))
        forward = {link.source for link in good}
        back = {link.target for link in good}
        for k, e in enumerate(self.elements):
            if e.level != "impact" and e.id not in forward:
                out.append(f"{where}.elements[{k}] ({e.id}): no link forward "
                           "(what does it lead to?)")
            if e.level != "inputs" and e.id not in back:
                out.append(f"{where}.elements[{k}] ({e.id}): no link back "
                           "(what leads to it?)")
        if indicators is not None:
            measured = {i.element for i in indicators if i.element}
            known = {i.id for i in indicators} | set(measures)
            for k, e in enumerate(self.elements):
                for m in e.measured_by:
                    if m not in known:
                        out.append(f"{where}.elements[{k}].measured_by: unknown indicator or "
                                   f"outcome {m!r}")
                if e.level in MEASURED_LEVELS and e.id not in measured and not e.measured_by:
                    out.append(f"{where}.elements[{k}] ({e.id}): {e.level} element has no "
                               "indicator (set element: on an indicator, or measured_by)")
        return out

    def validate(  # type: ignore[override]  # pydantic's deprecated classmethod
            self, indicators: Sequence[Indicator] | None = None,
            measures: Iterable[str] = ()) -> None:
        """Raise one :class:`~evalkit.errors.SpecError` listing every problem, if any."""
        from evalkit.errors import SpecError

        problems = self.problems(indicators, measures)
        if problems:
            raise SpecError(f"logic model: {len(problems)} problem(s)", problems=problems,
                            hint="fix the elements and links named above")


def _cycles(links: list[Link]) -> list[list[str]]:
    graph: dict[str, list[str]] = {}
    for link in links:
        graph.setdefault(link.source, []).append(link.target)
    state: dict[str, int] = {}
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for start in graph:
        if start not in state:
            visit(start, [])
    return found


def logframe(logic_model: LogicModel, indicators: Sequence[Indicator] = (), *,
             lang: str = "zh") -> pd.DataFrame:
    """The logframe (logical framework matrix) derived from the logic model.

    One row per element, levels in causal order: ``level``, ``element_id``, ``narrative``,
    ``indicators`` (objectively verifiable indicators: name and target), ``means_of_verification``
    and ``assumptions`` (the element's own; the model-wide assumptions and external factors on
    the impact rows). Lists are joined with "; ".
    """
    import pandas as pd

    rows = []
    for lvl, elements in logic_model.by_level().items():
        for e in elements:
            inds = [i for i in indicators if i.element == e.id or i.id in e.measured_by]
            ovi = [f"{i.name.get(lang)}" + (f" ≥ {i.target:g}" if i.direction == "increase"
                   and i.target is not None else f" ≤ {i.target:g}" if i.target is not None
                   and i.direction == "decrease" else "") for i in inds]
            ovi += [m for m in e.measured_by if m not in {i.id for i in inds}]
            mov = [i.means_of_verification.get(lang) for i in inds if i.means_of_verification]
            mov += [i.data_source.get(lang) for i in inds
                    if i.data_source and not i.means_of_verification]
            assumptions = [a.get(lang) for a in e.assumptions]
            if lvl == "impact":
                assumptions += [a.get(lang) for a in logic_model.assumptions]
                assumptions += [a.get(lang) for a in logic_model.external_factors]
            rows.append({"level": lvl, "element_id": e.id, "narrative": e.text.get(lang),
                         "indicators": "; ".join(ovi),
                         "means_of_verification": "; ".join(dict.fromkeys(mov)),
                         "assumptions": "; ".join(assumptions)})
    return pd.DataFrame(rows, columns=["level", "element_id", "narrative", "indicators",
                                       "means_of_verification", "assumptions"])


def validate_project_logic_model(project: Project) -> list[str]:
    """Logic-model problems of ``project`` (used by ``evalkit validate``)."""
    if project.logic_model is None:
        return []
    return project.logic_model.problems(project.indicators,
                                        measures=project.effect_ids())
