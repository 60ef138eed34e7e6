"""Leak test over every bundled example (the style of test_leak.py, which reads the demo in
depth): at a disclosure threshold above every sample size, no report of any example, in any
format or language, prints a count or statistic computed from people — in a table cell or in a
sentence (data-quality and intake notes included: "2024 (3200)" counted roster rows, people).

Forbidden, from each evaluation's own results: every effect (estimate, bounds, n, effect
sizes) and its data-quality details, the mechanism figures of test_mechanism_leak.py, the
indicators computed on a people source, and the number of rows of every people source, in
total and per category of each of its text columns. Allowed (not looked for): numbers written
in project.yaml and every number of a source whose rows are not people (activity logs,
panels of enterprises, budgets, evidence lists).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh
from test_leak import _TOKEN, JOBS, _numbers, effect_values, renderings, visible_text
from test_mechanism_leak import _allowed as _mechanism_allowed
from test_mechanism_leak import _forbidden_numbers as _mechanism_numbers
from test_mechanism_leak import hidden_examples

import evalkit as ek

THRESHOLD = 100_000
EXAMPLES = tuple(ek.datasets.list())


def _people(ev: Any) -> frozenset[str]:
    from evalkit.report.ledger import ledger

    return ledger(ev).people_sources


def _forbidden(ev: Any) -> set[float]:
    out = effect_values(ev)
    for details in (ev.details or {}).values():
        for key, value in dict(details or {}).items():
            if key in ("means", "attrition", "rci", "baseline"):
                out |= set(_numbers(value))
    out |= set(_mechanism_numbers(ev))
    people = _people(ev)
    sources = {ind.id: ind.source for ind in ev.project.indicators}
    ind = ev.indicators
    on_people = ind[ind["indicator_id"].map(lambda i: sources.get(str(i)) in people)]
    out |= set(_numbers(on_people[[c for c in ("actual", "numerator", "denominator", "n")
                                   if c in on_people.columns]]))
    for name in people:
        frame = ev.evidence.tables[name]
        out.add(float(len(frame)))
        for col in frame.columns:
            counts = frame[col].dropna().astype(str).value_counts()
            if 1 < len(counts) <= 30:  # a category column
                out |= {float(n) for n in counts}
    return out


def _allowed(ev: Any) -> set[str]:
    tokens = _mechanism_allowed(ev)
    people = _people(ev)
    values: list[float] = []
    for name, frame in ev.evidence.tables.items():
        if name not in people:
            values += _numbers(frame)
            values.append(float(len(frame)))
            missing = [int(m) for m in frame.isna().sum() if m]
            values += [float(m) for m in missing] + [m / len(frame) for m in missing]
    partnership = getattr(ev.analytics, "partnership", None)
    values += _numbers(partnership) if partnership is not None else []
    sources = {ind.id: ind.source for ind in ev.project.indicators}
    ind = ev.indicators
    activity = ind[ind["indicator_id"].map(lambda i: sources.get(str(i)) not in people)]
    values += _numbers(activity)
    if "achievement" in activity.columns:  # printed as a percentage (113%)
        values += [float(round(x * 100, d)) for x in _numbers(activity["achievement"])
                   for d in (0, 1)]
    values += _numbers(ev.cadence.rules) if getattr(ev, "cadence", None) is not None else []
    for value in values:
        tokens |= renderings(value)
    return tokens


@pytest.fixture(scope="module")
def hidden() -> dict[str, tuple[Any, dict[str, float]]]:
    return hidden_examples(EXAMPLES, _forbidden, _allowed)


def test_every_example_has_people_numbers(hidden: dict[str, tuple[Any, Any]]) -> None:
    """The test looks for numbers in every example with people in it."""
    for name, (ev, forbidden) in hidden.items():
        if _people(ev):
            assert len(forbidden) >= 5, name


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(("report", "lang", "fmt"), JOBS,
                         ids=[f"{r}-{lang}-{f}" for r, lang, f in JOBS])
def test_no_people_count_in_any_example(hidden: dict[str, tuple[Any, dict[str, float]]],
                                        tmp_path: Path, name: str, report: str, lang: str,
                                        fmt: str) -> None:
    rh.skip_without_writer(fmt)
    ev, forbidden = hidden[name]
    path = ev.render(tmp_path / f"{report}_{lang}.{fmt}", lang=lang, report=report)
    text = visible_text(path)
    tokens = {t.replace(",", "") for t in _TOKEN.findall(text)}
    leaked = sorted((t, forbidden[t]) for t in tokens & set(forbidden))
    assert not leaked, leaked[:10]
