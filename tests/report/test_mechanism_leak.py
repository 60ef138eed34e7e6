"""Leak test for the linkage-mechanism chapter (the style of test_leak.py): at a disclosure
threshold above every sample size, no format — Word included, whose mechanism tables are
built in Python (report/docx_mechanisms.py) — shows a mechanism figure computed from people.

Forbidden, from the evaluation's own results: subgroup effects (estimates, bounds, p-values,
the difference and the interaction test), volunteer retention (share, bounds, volunteers,
leavers, still active) and conversion, people counts of needs per category and their shares,
and the workforce roster (headcounts, certification, turnover, caseload, in total and per
town). Read in the mechanism chapter of each report. Numbers written in project.yaml and activity counts (services, points, stage gates)
are allowed: they are not computed from people.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh
from test_leak import _TOKEN, renderings, visible_text

import evalkit as ek

THRESHOLD = 100_000
EXAMPLES = ("shenyang_sanlian", "zhongshan_linkage", "guangdong_workforce")
JOBS = [("evaluation", "zh", "docx"), ("evaluation", "en", "docx"), ("acceptance", "zh", "docx"),
        ("evaluation", "zh", "md"), ("acceptance", "en", "html")]


def _forbidden_numbers(ev: Any) -> list[float]:
    a = ev.analytics
    out: list[float] = []
    for h in dict(a.heterogeneity).values():
        out += [float(x) for col in ("estimate", "conf_low", "conf_high", "p_value")
                for x in h.table[col]]
        out += [float(v) for v in h.difference.values()] + [float(h.interaction["p_value"])]
    if a.retention is not None:
        r = a.retention
        out += [r.retention, *r.ci, r.n, r.events, r.censored]
    if a.conversion is not None:
        out += [float(a.conversion["share"]), float(a.conversion["converted"])]
    if a.needs_match is not None:
        out += [float(x) for col in ("needs", "need_share") for x in a.needs_match.table[col]]
    if a.workforce is not None:
        w = a.workforce
        out += [float(x) for x in w.checks["value"]] + [float(x) for x in w.checks["trend"]]
        cols = ("headcount", "certification_rate", "training_hours", "turnover", "caseload")
        out += [float(x) for col in cols for x in w.table[col]]
    return out


def _allowed(ev: Any) -> set[str]:
    """project.yaml's numbers and the activity tables' (service logs, points, panels of
    enterprises or communities are not people)."""
    text = Path(ev.project.path).read_text(encoding="utf-8")
    tokens = {t.replace(",", "") for t in _TOKEN.findall(text)}
    for value in (float(t.replace(",", "")) for t in list(tokens)):
        tokens |= renderings(value)
    a = ev.analytics
    activity: list[float] = []
    if a.coverage is not None:
        activity += [float(x) for col in ("points", "services") for x in a.coverage.table[col]]
        activity += [float(v) for v in a.coverage.rates.values()]
        activity += [float(a.coverage.with_points), float(a.coverage.full)]
    if a.needs_match is not None:
        activity += [float(x) for col in ("services", "service_share")
                     for x in a.needs_match.table[col]]
    if a.sites is not None:
        activity += [float(x) for x in a.sites.indicators["actual"]]
        activity += [float(x) for x in a.sites.cadence["compliance"]]
    for value in activity:
        tokens |= renderings(value)
    return tokens


def _chapter(text: str, ev: Any, report: str, lang: str) -> str:
    """The body of the mechanism chapter: from its heading (after the contents) to the next
    chapter's heading. (The data-quality notes elsewhere are not this test's subject.)"""
    from evalkit.report.pipeline import prepare

    plan = prepare(ev, lang=lang, report=report, kind="html", template_dir=None,
                   suffix=None)[2]["sections"]
    keys = [s["key"] for s in plan]
    i = keys.index("mechanisms")
    start = text.rfind(plan[i]["title"])
    end = text.find(plan[i + 1]["title"], start)
    assert 0 <= start < end, "mechanism chapter not found"
    chapter = text[start:end]
    if report == "evaluation":  # the suppression shows
        assert f"<{THRESHOLD}" in chapter or f"&lt;{THRESHOLD}" in chapter
    return chapter


def hidden_examples(names: Any, forbidden_of: Any, allowed_of: Any
                    ) -> dict[str, tuple[Any, dict[str, float]]]:
    """Each example evaluated at THRESHOLD, with the renderings of its forbidden numbers
    (those not also allowed), each mapped to its number."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            ev = ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))
            ev = rh.with_threshold(ev, THRESHOLD)
            allowed = allowed_of(ev)
            out[name] = (ev, {text: value for value in forbidden_of(ev)
                              for text in renderings(value) - allowed})
    return out


@pytest.fixture(scope="module")
def hidden() -> dict[str, tuple[Any, dict[str, float]]]:
    out = hidden_examples(EXAMPLES, _forbidden_numbers, _allowed)
    for name, (_, forbidden) in out.items():
        assert len(forbidden) >= 5, name  # the test looks for numbers
    return out


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(("report", "lang", "fmt"), JOBS,
                         ids=[f"{r}-{lang}-{f}" for r, lang, f in JOBS])
def test_no_hidden_mechanism_figure(hidden: dict[str, tuple[Any, dict[str, float]]],
                                    tmp_path: Path, name: str, report: str, lang: str,
                                    fmt: str) -> None:
    rh.skip_without_writer(fmt)
    ev, forbidden = hidden[name]
    path = ev.render(tmp_path / f"{report}_{lang}.{fmt}", lang=lang, report=report)
    text = _chapter(rh.docx_body_text(path) if fmt == "docx" else visible_text(path), ev, report,
                    lang)
    tokens = {t.replace(",", "") for t in _TOKEN.findall(text)}
    leaked = sorted((t, forbidden[t]) for t in tokens & set(forbidden))
    assert not leaked, leaked[:10]
