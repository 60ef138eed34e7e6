"""The last walk of the disclosure pass (``_Final``) applies the rules of the two walks it
replaced — records naming a hidden figure blanked over the whole context, then every text of
the result masked and scrubbed — with the same result, value for value and type for type."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pytest
import report_helpers as rh

import evalkit.report.context as report_context
from evalkit.report import disclosure as d
from evalkit.report.ledger import renderings


def _refs(obj: Any, book: d.Ledger) -> Any:
    """The former first walk."""
    if isinstance(obj, Mapping):
        rec = dict(obj)
        if d._reference(rec, book) and not rec.get("suppressed"):
            rec = d._blank(rec, book)
            if "sentence" in rec:
                rec["sentence"] = {"zh": "", "en": ""}
        return {k: _refs(v, book) for k, v in rec.items()}
    if isinstance(obj, list | tuple):
        return [_refs(v, book) for v in obj]
    return obj


def _texts(obj: Any, book: d.Ledger, *, scrub: bool, key: str = "") -> Any:
    """The former second walk."""
    if isinstance(obj, str):
        text = book.mask(obj)
        return d._scrub(text, book) if scrub and key not in d._NAME_KEYS else text
    if isinstance(obj, dict | Mapping):
        mask = book.mask
        if key in d._NAME_KEYS:
            return {mask(str(k)): _texts(v, book, scrub=scrub, key=key) for k, v in obj.items()}
        return {mask(str(k)): _texts(v, book, scrub=scrub, key=str(k)) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_texts(v, book, scrub=scrub, key=key) for v in obj]
    return obj


def _two_walks(context: Mapping[str, Any], evaluation: Any) -> dict[str, Any]:
    """:func:`~evalkit.report.disclosure.disclose` as it was, with the two walks."""
    book = d.ledger(evaluation)
    ctx = dict(context)
    ctx["indicators"] = [d._indicator(r, book) for r in ctx.get("indicators") or []]
    ctx["effects"] = [d._effect(e, book) for e in ctx.get("effects") or []]
    book.effects |= {str(e.get("id")) for e in ctx["effects"] if e.get("suppressed")}
    ctx["missing"] = d._missing(list(ctx.get("missing") or []), book)
    if isinstance(ctx.get("scorecard"), Mapping):
        ctx["scorecard"] = d._scorecard(dict(ctx["scorecard"]), book)
    if isinstance(ctx.get("value"), Mapping):
        spec = getattr(evaluation.project, "value", None)
        alternative = getattr(getattr(spec, "alternative", None), "outcome", None)
        ctx["value"] = d._value(dict(ctx["value"]), book, alternative)
    charts = ctx.pop("charts", {})
    blanked = _refs(ctx, book)
    book.renderings = frozenset(renderings(book))
    out = {key: _texts(value, book, scrub=key not in d._SPEC_SECTIONS)
           for key, value in blanked.items()}
    out["charts"] = charts
    return out


def _same(a: Any, b: Any, path: str = "") -> None:
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and a != a:
        assert b != b, path
    else:
        assert a == b, path


def _secret_comments(ev: Any) -> Any:
    """``ev`` whose comments quote a worker's name, a phone number, a hidden-looking number
    and a bidi override."""
    sat = ev.evidence.tables["satisfaction"].copy()
    name = next(str(v) for f in ev.evidence.tables.values()
                for c in ev.project.personal_columns() if c in f.columns
                for v in f[c].dropna().tolist()[:1])
    sat["comment"] = pd.array([f"{name} 13812345678 说 42 很好 \u202e 0.42 第4名"] * len(sat),
                              dtype="string")
    return rh.with_table(ev, "satisfaction", sat)


@pytest.mark.parametrize("threshold", [None, 30, 60, 100_000])
@pytest.mark.parametrize("variant", ["demo", "secrets"])
def test_one_walk_as_the_two(demo_ev: Any, monkeypatch: pytest.MonkeyPatch,
                             threshold: int | None, variant: str) -> None:
    ev = demo_ev if variant == "demo" else _secret_comments(demo_ev)
    if threshold is not None:
        ev = rh.with_threshold(ev, threshold)
    ev = dataclasses.replace(ev)  # a fresh evaluation: nothing memoised
    seen: list[Any] = []

    def capture(context: Mapping[str, Any], evaluation: Any) -> dict[str, Any]:
        seen.append(context)
        return d.disclose(context, evaluation)

    monkeypatch.setattr(report_context, "disclose", capture)
    ours = report_context.build_context(ev)
    _same(ours, _two_walks(seen[0], ev))
