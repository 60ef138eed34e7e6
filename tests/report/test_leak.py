"""Leak test (issue 10): at a disclosure threshold above the sample size, no report in any
format or language shows a number computed from people.

The forbidden numbers are taken from the evaluation itself (not from the report context):
every effect's estimate, standard error, CI bounds, n and effect size; the data-quality
details (group means and SDs, attrition, reliability, reliable-change counts, baseline
balance); the people indicators (satisfaction survey: value, numerator, denominator, n);
the value-for-money participant count and everything built on the effects (cost per
outcome, SROI ratio, renewal estimates); missing-answer counts of the people sources.

Decision: activity counts from the service log (sessions held, visits, person-times) count
activities, not people, and are not suppressed; numbers written in project.yaml (targets,
scales, assumptions) and the provider's evidence list (documents handed in) are not
statistics computed from people. A forbidden number that coincides with one of those is
not looked for (it could not be told apart).

One evaluation, one render per format and language (reports alternate so that both the
evaluation and the acceptance report are rendered in every format).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh

THRESHOLD = 100_000
#: (report, lang, format): every report in every format, each format in both languages
JOBS = [
    ("evaluation", "zh", "html"), ("acceptance", "en", "html"),
    ("acceptance", "zh", "md"), ("evaluation", "en", "md"),
    ("evaluation", "zh", "pdf"), ("acceptance", "en", "pdf"),
    ("acceptance", "zh", "docx"), ("evaluation", "en", "docx"),
]
_TOKEN = re.compile(r"(?<![A-Za-z0-9_.])\d[\d,]*(?:\.\d+)?(?![A-Za-z0-9_])")


def _numbers(obj: Any) -> list[float]:
    """Every finite number in a result object, mapping, table or list."""
    import math

    import numpy as np
    import pandas as pd

    if obj is None or isinstance(obj, bool | str):
        return []
    if isinstance(obj, int | float | np.integer | np.floating):
        value = float(obj)
        return [value] if math.isfinite(value) else []
    if isinstance(obj, pd.DataFrame):
        return [x for col in obj.columns for x in _numbers(obj[col].tolist())]
    if isinstance(obj, pd.Series):
        return _numbers(obj.tolist())
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _numbers(v)]
    if isinstance(obj, list | tuple):
        return [x for v in obj for x in _numbers(v)]
    if hasattr(obj, "__dataclass_fields__"):
        return [x for name in obj.__dataclass_fields__ for x in _numbers(getattr(obj, name))]
    return []


def effect_values(ev: Any) -> set[float]:
    """Every effect's estimate, SE, bounds, n and effect sizes."""
    out: set[float] = set()
    for result in ev.effects.values():
        out |= set(_numbers([result.estimate, result.se, list(result.ci), result.n]))
        extra = dict(result.extra or {})
        out |= set(_numbers([extra.get(k) for k in ("standardised", "cohens_d", "hedges_g",
                                                    "cohens_dz", "rank_biserial")]))
    return out


def forbidden_values(ev: Any) -> set[float]:
    out = effect_values(ev)
    for details in (ev.details or {}).values():
        for key, value in dict(details or {}).items():
            if key == "event_study" or hasattr(value, "estimate"):
                out |= set(_numbers([value.estimate, value.se, list(value.ci)]))
            elif key == "reliability":
                out |= set(_numbers([getattr(value, "alpha", None), getattr(value, "n", None)]))
            else:
                out |= set(_numbers(value))
    ind = ev.indicators
    people = ind[ind["indicator_id"].isin(["I6", "I7"])]
    out |= set(_numbers(people[["actual", "numerator", "denominator", "n"]]))
    value = ev.value
    out |= set(_numbers([value.participants, value.cost_per_participant, value.sroi.ratio]))
    out |= set(_numbers(value.cost_per_outcome[["estimate", "cost_per_unit", "net_units"]]))
    out |= set(_numbers(ev.renewal.outcomes[["estimate", "conf_low", "conf_high"]]))
    for name in ("participants", "satisfaction"):
        frame = ev.evidence.tables[name]
        out |= {float(len(frame))} | {float(m) for m in frame.isna().sum() if m}
    return out


def allowed_tokens(ev: Any) -> set[str]:
    """Numbers that are not people statistics: project.yaml (also as percentages), activity
    indicators, budget, the evidence list, cadence compliance (activities) and scorecard
    points given by raters or by cadence rules."""
    text = Path(ev.project.path).read_text(encoding="utf-8")
    spec = [float(t.replace(",", "")) for t in _TOKEN.findall(text)]
    ind = ev.indicators
    activity = ind[~ind["indicator_id"].isin(["I6", "I7"])]
    nodes = ev.scorecard.nodes
    rated = nodes[~nodes["source"].astype(str).str.startswith(("indicator:I6", "indicator:I7",
                                                               "effect:"))]
    # the partnership ledger records resources the two organizations exchanged (money, venue
    # hours, referrals), not people: its figures and its missing-value shares are allowed
    ledger = ev.evidence.tables["ledger"]
    ledger_missing = [m for m in ledger.isna().sum() if m]
    values = _numbers([spec, activity, ev.evidence.tables["budget"], ev.acceptance.evidence,
                       ev.evidence.tables["evidence"], ev.evidence.tables["service_log"],
                       ev.cadence.rules, rated[["points", "value", "deducted"]],
                       ledger, ev.analytics.partnership, ledger_missing,
                       [m / len(ledger) for m in ledger_missing]])
    tokens = {t.replace(",", "") for t in _TOKEN.findall(text)}
    for value in values:
        tokens |= renderings(value)
    return tokens


def renderings(x: float) -> set[str]:
    """How a number may be printed: 1-3 decimals (0 for whole numbers), as a share in %.
    Renderings with fewer than three characters or one significant digit (e.g. "4", "12",
    "0.1") are too common to attribute and are not looked for."""
    out = set()
    forms = [(abs(x), range(0 if float(x).is_integer() else 1, 4))]
    if 0 < abs(x) < 1:
        forms.append((abs(x) * 100, range(1, 3)))
    for scaled, decimals in forms:
        for d in decimals:
            text = f"{scaled:.{d}f}"
            digits = text.replace(".", "").lstrip("0")
            if len(text) >= 3 and float(text) != 0 and len(digits) >= 2:
                out.add(text)
    return out


def _without_axis_ticks(text: str) -> str:
    """Chart axes in PDF text ("0 50 100 150 200 250"): runs of four or more numbers in
    arithmetic progression from 0 are tick labels, not figures."""
    def ticks(m: re.Match[str]) -> str:
        values = [float(v) for v in m.group(0).split()]
        steps = {round(b - a, 9) for a, b in itertools.pairwise(values)}
        return " " if values[0] == 0 and len(steps) == 1 else m.group(0)

    return re.sub(r"(?<![\d.])\d+(?:\.\d+)?(?:[ \t]+\d+(?:\.\d+)?){3,}", ticks, text)


_SECTION_NO = re.compile(r"^(\s*)\d+(?:\.\d+)+(?=\s+[^\d\s])")


def _docx_text(path: Path) -> str:
    """The Word text with the section numbers of headings and of the contents left out
    ("6.1 Partnership ledger" is not a figure); every other paragraph and cell as it is."""
    import docx

    doc = docx.Document(str(path))
    headings = {p.text for p in doc.paragraphs
                if str(getattr(p.style, "name", "") or "").startswith("Heading")}
    lines = rh.docx_text(path).split("\n")
    # a heading, or its line in the written-out contents (the same text)
    return "\n".join(_SECTION_NO.sub(r"\1", line) if line in headings else line
                     for line in lines)


def visible_text(path: Path) -> str:
    if path.suffix == ".pdf":
        return _without_axis_ticks(rh.pdf_text(path))
    if path.suffix == ".docx":
        return _docx_text(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":  # drop inline SVG/CSS, keep what a reader sees
        text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r"<svg\b.*?</svg>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
    else:  # Markdown headings and contents lines: "### 6.1 …", "  - 6.1 …"
        text = re.sub(r"(?m)^([ \t]*(?:#+|-)[ \t]+)\d+(?:\.\d+)+(?=[ \t]+[^\d\s])", r"\1",
                      text)
    return text


@pytest.fixture(scope="module")
def hidden_ev(demo_ev: Any) -> Any:
    if not demo_ev.details:
        pytest.skip("needs the real estimators (details of the pre/post outcome)")
    return rh.with_threshold(demo_ev, THRESHOLD)


@pytest.fixture(scope="module")
def forbidden(hidden_ev: Any) -> dict[str, float]:
    allowed = allowed_tokens(hidden_ev)
    out = {}
    for value in forbidden_values(hidden_ev):
        for text in renderings(value) - allowed:
            out[text] = value
    assert len(out) > 100  # the test looks for many numbers
    return out


@pytest.mark.parametrize(("report", "lang", "fmt"), JOBS,
                         ids=[f"{r}-{lang}-{f}" for r, lang, f in JOBS])
def test_no_hidden_number_in_any_report(hidden_ev: Any, forbidden: dict[str, float],
                                        tmp_path: Path, report: str, lang: str,
                                        fmt: str) -> None:
    rh.skip_without_writer(fmt)
    path = hidden_ev.render(tmp_path / f"{report}_{lang}.{fmt}", lang=lang, report=report)
    text = visible_text(path)
    assert f"<{THRESHOLD}" in text or f"&lt;{THRESHOLD}" in text  # suppression is visible
    tokens = {t.replace(",", "") for t in _TOKEN.findall(text)}
    leaked = sorted((t, forbidden[t]) for t in tokens & set(forbidden))
    assert not leaked, leaked[:10]
