"""The ledger of the disclosure pass: who is behind each number of a report.

Built from the evaluation itself (never guessed from the report text): which indicators,
periods and effects are computed from fewer people than the project's disclosure threshold,
and the numbers they hold (so that generated sentences can be cleared of them). Used by
:mod:`evalkit.report.disclosure`; the rules are documented there and in ``docs/privacy.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalkit.data.privacy import identifying_columns, is_small, masker, personal_values
from evalkit.report.plain import records

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["INDICATOR_KEYS", "SPEC_KEYS", "Ledger", "collect", "is_number", "ledger",
           "renderings", "secrets"]

#: numeric fields that come from the specification (targets, weights, caps), not from people
SPEC_KEYS = frozenset({
    "target", "baseline", "weight", "partial_band", "max_points", "depth", "evidence_level",
    "scale", "ci_level", "required", "discount_rate", "min", "expected", "credit", "year",
    "proxy", "deadweight", "attribution", "displacement", "drop_off", "duration",
})
#: fields of an indicator record computed from its people
#: data-quality blocks of an effect whose numbers are people statistics
DETAIL_BLOCKS = ("means", "baseline", "attrition", "reliability", "rci")
INDICATOR_KEYS = ("actual", "numerator", "denominator", "achievement", "to_date", "n")
@dataclass
class Ledger:
    """What the disclosure pass hides: the people behind each number of the report."""

    threshold: int
    #: indicator id -> periods hidden ("total" = the whole indicator)
    indicators: dict[str, set[str]] = field(default_factory=dict)
    #: effect ids whose estimate comes from fewer than ``threshold`` people
    effects: set[str] = field(default_factory=set)
    #: numbers computed from too few people; their renderings are removed from sentences
    numbers: set[float] = field(default_factory=set)
    #: columns that identify a person (personal data and person ids)
    identifying: frozenset[str] = frozenset()
    #: values of personal columns found in the data (masked in every text)
    secrets: frozenset[str] = frozenset()
    #: data sources whose rows are people
    people_sources: frozenset[str] = frozenset()
    #: masks a text (personal values and number patterns), compiled once
    mask: Callable[[str], str] = field(default=lambda text: text)
    #: every rendering of ``numbers`` (filled before the texts are scrubbed)
    renderings: frozenset[str] = frozenset()

    @property
    def hidden(self) -> str:
        return f"<{int(self.threshold)}"

    def small(self, n: Any) -> bool:
        return is_small(n, self.threshold)

    def keep(self, *values: Any) -> None:
        for v in values:
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                self.numbers.add(float(v))


def _people_sources(ev: Evaluation, identifying: frozenset[str]) -> frozenset[str]:
    out = set()
    tables = dict(ev.evidence.tables)
    for name, source in ev.project.data.items():
        cols = set(source.columns) | set(source.key)
        if name in tables:
            cols |= {str(c) for c in tables[name].columns}
        if cols & identifying:
            out.add(name)
    return frozenset(out)


def secrets(ev: Evaluation) -> frozenset[str]:
    """Every value of a personal column in the evaluation's data
    (:func:`~evalkit.data.privacy.personal_values`), found once per evaluation: the ledger
    masks them in every text, the voices section in the comments it quotes."""
    from evalkit.report.memo import memo

    store = memo(ev)
    if "personal_values" not in store:
        store["personal_values"] = frozenset(personal_values(
            dict(ev.evidence.tables), ev.project.personal_columns()))
    found: frozenset[str] = store["personal_values"]
    return found


def ledger(ev: Evaluation) -> Ledger:
    """The :class:`Ledger` of an evaluation: which indicators, periods and effects are
    computed from fewer people than the project's disclosure threshold."""
    project = ev.project
    identifying = frozenset(identifying_columns(project))
    book = Ledger(threshold=int(project.privacy.disclosure_threshold),
                  identifying=identifying,
                  secrets=secrets(ev),
                  people_sources=_people_sources(ev, identifying))
    book.mask = _remembered(masker(book.secrets))
    sources = {ind.id: ind.source for ind in project.indicators}
    frame = getattr(ev, "indicators", None)
    rows = records(frame) if frame is not None and len(frame) else []
    for row in rows:
        ident = str(row.get("indicator_id"))
        source = sources.get(ident)
        if source is not None and source not in book.people_sources:
            continue
        if book.small(row.get("n")) and not row.get("disaggregation"):
            book.indicators.setdefault(ident, set()).add(str(row.get("period", "total")))
            book.keep(*(row.get(k) for k in INDICATOR_KEYS))
    for oid, result in dict(ev.effects).items():
        if book.small(getattr(result, "n", None)):
            book.effects.add(oid)
            ci = getattr(result, "ci", (None, None)) or (None, None)
            extra = dict(getattr(result, "extra", {}) or {})
            book.keep(getattr(result, "estimate", None), getattr(result, "se", None),
                      *ci, getattr(result, "n", None),
                      *(extra.get(k) for k in ("standardised", "cohens_d", "hedges_g",
                                               "cohens_dz", "rank_biserial")))
    for oid in book.effects:  # the data-quality block of a hidden effect
        details = dict(dict(getattr(ev, "details", {}) or {}).get(oid) or {})
        for key in DETAIL_BLOCKS:
            collect(_raw(details.get(key)), book)
    value = getattr(ev, "value", None)
    participants = getattr(value, "participants", None)
    if book.small(participants):
        book.keep(participants, getattr(value, "cost_per_participant", None))
    return book


def _remembered(mask: Callable[[str], str]) -> Callable[[str], str]:
    """``mask`` computed once per distinct text: a report's context repeats the same keys
    and labels thousands of times (``zh``, ``en``, column names)."""
    done: dict[str, str] = {}

    def remembered(text: str) -> str:
        if type(text) is not str:  # a str subclass (Markup) keeps its own type
            return mask(text)
        out = done.get(text)
        if out is None:
            out = done[text] = mask(text)
        return out

    return remembered


def _raw(obj: Any, depth: int = 0) -> Any:
    """Plain numbers of a details object (result dataclasses, tables, mappings), for
    :func:`_collect`; a table contributes its numeric columns."""
    import dataclasses

    import numpy as np
    import pandas as pd

    if depth > 6 or obj is None or isinstance(obj, str | bool):
        return None
    if isinstance(obj, int | float | np.integer | np.floating):
        return float(obj)
    if isinstance(obj, pd.DataFrame):
        return {str(c): _raw(obj[c].tolist(), depth + 1) for c in obj.columns
                if pd.api.types.is_numeric_dtype(obj[c]) and not
                pd.api.types.is_bool_dtype(obj[c])}
    if isinstance(obj, pd.Series):
        return _raw(obj.tolist(), depth + 1) if pd.api.types.is_numeric_dtype(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _raw(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [_raw(v, depth + 1) for v in list(obj)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _raw(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj)
                if f.name != "people"}
    return None


def is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def collect(obj: Any, book: Ledger, key: str = "") -> None:
    """Remember every number of a hidden block (except specification constants)."""
    if key in SPEC_KEYS or key in ("z", "k", "ci_level"):
        return
    if is_number(obj):
        book.keep(obj)
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            collect(v, book, str(k))
    elif isinstance(obj, list):
        for v in obj:
            collect(v, book, key)


def renderings(book: Ledger) -> set[str]:
    """How a hidden number can appear in a sentence: with 0 (whole numbers only) to 3
    decimals, with or without thousands separators, and as a percentage (1 to 3 decimals)
    when it is a share. Renderings of one digit or of zero are left alone."""
    out: set[str] = set()
    for x in book.numbers:
        forms = [(abs(x), range(0 if float(x).is_integer() else 1, 4))]
        if 0 < abs(x) <= 1:
            forms.append((abs(x) * 100, range(1, 4)))
        for scaled, decimals in forms:
            for d in decimals:
                for text in (f"{scaled:.{d}f}", f"{scaled:,.{d}f}"):
                    bare = text.replace(",", "")
                    if len(bare) >= 2 and float(bare) != 0:
                        out.add(text)
    return out
